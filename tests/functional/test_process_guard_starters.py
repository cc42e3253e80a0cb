"""Other services' requests that start an existing state machine or Automation runbook, under the process guard.

Trial 10 (F01, F02, F03, F05, F14): a guarded process refused ``StartExecution`` of an open state machine and
``StartAutomationExecution`` of an open runbook, but sent every other way to start them: a Step Functions task
(``states:startExecution``, ``aws-sdk:sfn:startExecution``, ``aws-sdk:ssm:startAutomationExecution``,
``aws-sdk:ssm:createAssociation``), an EventBridge target, a schedule (templated or universal target), a pipe;
``TestState`` (one state run without a state machine), ``RedriveExecution``, ``UpdateAssociation``,
``StartAssociationsOnce`` and a maintenance window task. Each is now decided as the request it starts, its content
read with a client of that service (:data:`safemaker.iac.service_calls.TARGET_STARTS`).

Real botocore clients against moto on 127.0.0.1 (real HTTP). moto has no ``TestState``, ``RedriveExecution``,
associations or ``UpdateMaintenanceWindowTask``: a request the guard sends reaches moto and is answered with an
error, and what counts is whether it reached moto (``request_count``); the association reads are stubbed
(botocore's Stubber answers at ``before-call``, after the guard decided).

Oracles: botocore's service models (stepfunctions, ssm, events, scheduler, pipes: the operations, their members,
the ``SageMakerPipelineParameter.Name`` pattern of pipes), the Step Functions API reference (TestState "Accepts the
definition of a single state and executes it"; RedriveExecution "Redriven executions use the same state machine
definition"), the Step Functions developer guide ("Start a new AWS Step Functions state machine from a running
execution": ``arn:aws:states:::states:startExecution``, ``.sync``, ``.sync:2``, ``.waitForTaskToken``), the
EventBridge user guide (state machines and Systems Manager Automation as targets; Pipes "Dynamic path parameters"),
the Systems Manager API reference (StartAssociationsOnce "Runs an association immediately and only one time";
RegisterTaskWithMaintenanceWindow TaskArn / TaskType), the SageMaker API reference (a notebook instance without
``DirectInternetAccess`` has it ``Enabled``).
"""

from __future__ import annotations

import json
import re

import botocore.session
import pytest
from botocore.config import Config
from botocore.stub import Stubber

import safemaker
from safemaker.errors import GuardrailViolation
from safemaker.iac import service_calls
from safemaker.other_services import DECIDED_OPERATIONS

from _profiles import ROLE, SG, SUB_A, make_profile
from _other_services import notebook_runbook as runbook, send

ACCOUNT = "123456789012"
SFN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/sfn"
CLOSED_NB = {"InstanceType": "ml.t3.medium", "RoleArn": ROLE, "SubnetId": SUB_A, "SecurityGroupIds": [SG],
             "DirectInternetAccess": "Disabled", "RootAccess": "Disabled"}
OPEN_NB = {"InstanceType": "ml.t3.medium", "RoleArn": ROLE, "DirectInternetAccess": "Enabled"}
ONE_ATTEMPT = Config(retries={"total_max_attempts": 1}, inject_host_prefix=False)
"""moto answers an operation it lacks with a 500, which botocore would retry; TestState's endpoint has the host
prefix ``sync-``, which 127.0.0.1 does not take."""


def nb_task(params, name="Nb"):
    return {"Type": "Task", "End": True, "Resource": "arn:aws:states:::aws-sdk:sagemaker:createNotebookInstance",
            "Parameters": {"NotebookInstanceName": name, **params}}


def machine(state):
    return json.dumps({"StartAt": "S", "States": {"S": state}})


def sm_arn(name):
    return f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:{name}"


def paths(exc):
    return [(v.path, v.found) for v in exc.value.violations]



@pytest.fixture()
def made(safemaker_local):
    """An open and a closed state machine and runbook, made before the guard (by someone else)."""
    sfn = safemaker_local.session.client("stepfunctions")
    arns = {k: sfn.create_state_machine(name=k, definition=machine(nb_task(v)), roleArn=SFN_ROLE)["stateMachineArn"]
            for k, v in (("open", OPEN_NB), ("closed", CLOSED_NB))}
    ssm = safemaker_local.session.client("ssm")
    for name, params in (("OpenRb", OPEN_NB), ("ClosedRb", CLOSED_NB)):
        ssm.create_document(Name=name, DocumentType="Automation", DocumentFormat="JSON", Content=runbook(params))
    return arns


def test_the_new_decided_operations_are_operations_of_botocores_models_with_the_members_read():
    loader = botocore.session.get_session()
    sfn, ssm = loader.get_service_model("stepfunctions"), loader.get_service_model("ssm")
    assert {"TestState", "RedriveExecution"} <= DECIDED_OPERATIONS["stepfunctions"]
    assert "definition" in sfn.operation_model("TestState").input_shape.required_members
    assert "stateName" in sfn.operation_model("TestState").input_shape.members
    for (service, op) in service_calls.STARTING_CALLS:
        assert op in DECIDED_OPERATIONS[service] and op in loader.get_service_model(service).operation_names
    for (service, op), lookup in service_calls.LOOKUP_CALLS.items():
        model = loader.get_service_model(service)
        read = model.operation_model(lookup.read)
        assert set(lookup.read_members) <= set(read.input_shape.members)
        assert set(lookup.read_members.values()) <= set(model.operation_model(op).input_shape.members)
        assert lookup.response is None or lookup.response in read.output_shape.members
    # the task types and the members a maintenance window task's request reads (ssm model)
    assert set(service_calls.MAINTENANCE_WINDOW_TASKS) < set(ssm.shape_for("MaintenanceWindowTaskType").enum)
    invocation = ssm.shape_for("MaintenanceWindowTaskInvocationParameters")
    for task_type, (service, op, member, version_at) in service_calls.MAINTENANCE_WINDOW_TASKS.items():
        assert member in loader.get_service_model(service).operation_model(op).input_shape.members
        if version_at is not None:
            assert version_at[1] in invocation.members[version_at[0]].members


def test_every_target_start_is_decided_as_an_operation_the_guard_decides():
    """The table's started requests are the direct calls the guard decides (the pipeline: SageMaker's own)."""
    for start in service_calls.TARGET_STARTS:
        if start.service == "sagemaker":
            assert start.operation == "StartPipelineExecution"
            continue
        assert (start.service, start.operation) in service_calls.FOLLOWED_CALLS \
            or (start.service, start.operation) in service_calls.LOOKUP_CALLS   # read first, then decided
        assert start.operation in DECIDED_OPERATIONS[start.service]
        model = botocore.session.get_session().get_service_model(start.service).operation_model(start.operation)
        assert set(start.members) <= set(model.input_shape.members)


# --------------------------------------------------------------------------- TestState, RedriveExecution (F01, F02)


@pytest.mark.parametrize("whole", [False, True], ids=["state", "state-machine-with-stateName"])
def test_test_state_is_decided_as_the_state_it_runs(safemaker_local, safemaker_session, profile, whole):
    safemaker.install_process(profile)
    sfn = safemaker_session.client("stepfunctions", config=ONE_ATTEMPT)

    def definition(params):
        return machine(nb_task(params)) if whole else json.dumps(nb_task(params))

    extra = {"stateName": "S"} if whole else {}
    with pytest.raises(GuardrailViolation) as exc:
        sfn.test_state(definition=definition(OPEN_NB), roleArn=SFN_ROLE, **extra)
    assert ("definition:States.S.Parameters.DirectInternetAccess" if whole else
            "definition:States.TestState.Parameters.DirectInternetAccess", "Enabled") in paths(exc)
    assert safemaker_local.request_count("stepfunctions", "TestState") == 0
    send(sfn.test_state, definition=definition(CLOSED_NB), roleArn=SFN_ROLE, **extra)
    assert safemaker_local.request_count("stepfunctions", "TestState") == 1


def test_a_state_machine_whose_task_runs_test_state_is_decided_with_that_state(safemaker_local, safemaker_session,
                                                                               profile):
    safemaker.install_process(profile)
    sfn = safemaker_session.client("stepfunctions")
    outer = {"Type": "Task", "End": True, "Resource": "arn:aws:states:::aws-sdk:sfn:testState",
             "Parameters": {"RoleArn": SFN_ROLE, "Definition": json.dumps(nb_task(OPEN_NB))}}
    with pytest.raises(GuardrailViolation) as exc:
        sfn.create_state_machine(name="outer", definition=machine(outer), roleArn=SFN_ROLE)
    assert "Enabled" in [f for _, f in paths(exc)]
    assert safemaker_local.request_count("stepfunctions", "CreateStateMachine") == 0
    outer["Parameters"]["Definition"] = json.dumps(nb_task(CLOSED_NB))
    sfn.create_state_machine(name="outer", definition=machine(outer), roleArn=SFN_ROLE)
    assert safemaker_local.request_count("stepfunctions", "CreateStateMachine") == 1


def test_redrive_execution_decides_the_definition_the_execution_uses(safemaker_local, safemaker_session, profile,
                                                                     made):
    plain = safemaker_local.session.client("stepfunctions")
    runs = {k: plain.start_execution(stateMachineArn=arn)["executionArn"] for k, arn in made.items()}
    safemaker.install_process(profile)
    sfn = safemaker_session.client("stepfunctions", config=ONE_ATTEMPT)
    with pytest.raises(GuardrailViolation) as exc:
        sfn.redrive_execution(executionArn=runs["open"])
    assert ("executionArn:States.S.Parameters.DirectInternetAccess", "Enabled") in paths(exc)
    assert safemaker_local.request_count("stepfunctions", "RedriveExecution") == 0
    with pytest.raises(GuardrailViolation) as exc:  # an execution that cannot be described: cannot be verified
        sfn.redrive_execution(executionArn=runs["closed"].replace(":closed:", ":gone:"))
    assert [(v.path, v.rule_id) for v in exc.value.violations] == [("executionArn", "SM-REFERENCE")]
    assert "DescribeStateMachineForExecution" in exc.value.violations[0].fix
    send(sfn.redrive_execution, executionArn=runs["closed"])
    assert safemaker_local.request_count("stepfunctions", "RedriveExecution") == 1


# --------------------------------------------------------------------------- indirect starters (F05)

SDK_TASKS = {
    "states:startExecution": ("arn:aws:states:::states:startExecution", "StateMachineArn", "state machine"),
    "states:startExecution.sync": ("arn:aws:states:::states:startExecution.sync", "StateMachineArn", "state machine"),
    "states:startExecution.sync:2": ("arn:aws:states:::states:startExecution.sync:2", "StateMachineArn",
                                     "state machine"),
    "states:startExecution.waitForTaskToken": ("arn:aws:states:::states:startExecution.waitForTaskToken",
                                               "StateMachineArn", "state machine"),
    "aws-sdk:sfn:startExecution": ("arn:aws:states:::aws-sdk:sfn:startExecution", "StateMachineArn",
                                   "state machine"),
    "aws-sdk:sfn:startSyncExecution": ("arn:aws:states:::aws-sdk:sfn:startSyncExecution", "StateMachineArn",
                                       "state machine"),
    "aws-sdk:ssm:startAutomationExecution": ("arn:aws:states:::aws-sdk:ssm:startAutomationExecution", "DocumentName",
                                             "runbook"),
    "aws-sdk:ssm:createAssociation": ("arn:aws:states:::aws-sdk:ssm:createAssociation", "Name", "runbook"),
}


@pytest.mark.parametrize("task", sorted(SDK_TASKS))
def test_a_task_that_starts_an_existing_state_machine_or_runbook_decides_its_content(
        safemaker_local, safemaker_session, profile, made, task):
    resource, member, kind = SDK_TASKS[task]
    named = {"state machine": made, "runbook": {"open": "OpenRb", "closed": "ClosedRb"}}[kind]
    safemaker.install_process(profile)
    sfn = safemaker_session.client("stepfunctions")

    def outer(which):
        return machine({"Type": "Task", "End": True, "Resource": resource, "Parameters": {member: named[which]}})

    with pytest.raises(GuardrailViolation) as exc:
        sfn.create_state_machine(name="outer", definition=outer("open"), roleArn=SFN_ROLE)
    found = paths(exc)
    assert any(p.startswith(f"definition:States.S.Parameters.{member} -> ") and p.endswith("DirectInternetAccess")
               and f == "Enabled" for p, f in found), found
    sfn.create_state_machine(name="outer", definition=outer("closed"), roleArn=SFN_ROLE)
    assert safemaker_local.request_count("stepfunctions", "CreateStateMachine") == 3  # the fixture's two, then one


def test_a_task_whose_state_machine_is_taken_from_the_input_cannot_be_verified(safemaker_local, safemaker_session,
                                                                               profile):
    safemaker.install_process(profile)
    sfn = safemaker_session.client("stepfunctions")
    dynamic = machine({"Type": "Task", "End": True, "Resource": "arn:aws:states:::states:startExecution",
                       "Parameters": {"StateMachineArn.$": "$.arn"}})
    with pytest.raises(GuardrailViolation) as exc:
        sfn.create_state_machine(name="outer", definition=dynamic, roleArn=SFN_ROLE)
    assert [v.rule_id for v in exc.value.violations] == ["SM-REFERENCE"]
    safemaker.install_process(make_profile(allow_unverified_templates=True))
    sfn.create_state_machine(name="outer", definition=dynamic, roleArn=SFN_ROLE)
    assert safemaker_local.request_count("stepfunctions", "CreateStateMachine") == 1


def test_targets_naming_a_state_machine_or_a_runbook_decide_its_content(safemaker_local, safemaker_session, profile,
                                                                        made):
    automation = f"arn:aws:ssm:us-east-1:{ACCOUNT}:automation-definition/%s:$DEFAULT"
    safemaker.install_process(profile)
    role = f"arn:aws:iam::{ACCOUNT}:role/ev"
    ev = safemaker_session.client("events")
    ev.put_rule(Name="r", ScheduleExpression="rate(1 hour)")
    for arn, closed in ((made["open"], made["closed"]), (automation % "OpenRb", automation % "ClosedRb")):
        with pytest.raises(GuardrailViolation) as exc:
            ev.put_targets(Rule="r", Targets=[{"Id": "t", "Arn": arn, "RoleArn": role}])
        assert ("Targets[0].Arn -> " in exc.value.violations[0].path
                and "Enabled" in [f for _, f in paths(exc)]), paths(exc)
        ev.put_targets(Rule="r", Targets=[{"Id": "t", "Arn": closed, "RoleArn": role}])
    assert safemaker_local.request_count("events", "PutTargets") == 2
    sch = safemaker_session.client("scheduler")
    common = {"ScheduleExpression": "rate(1 hour)", "FlexibleTimeWindow": {"Mode": "OFF"}}
    targets = {
        "templated": lambda which: {"Arn": made[which], "RoleArn": role},
        "aws-sdk:sfn:startExecution": lambda which: {
            "Arn": "arn:aws:scheduler:::aws-sdk:sfn:startExecution", "RoleArn": role,
            "Input": json.dumps({"StateMachineArn": made[which]})},
        "aws-sdk:ssm:startAutomationExecution": lambda which: {
            "Arn": "arn:aws:scheduler:::aws-sdk:ssm:startAutomationExecution", "RoleArn": role,
            "Input": json.dumps({"DocumentName": {"open": "OpenRb", "closed": "ClosedRb"}[which]})},
    }
    for i, (label, target) in enumerate(sorted(targets.items())):
        with pytest.raises(GuardrailViolation) as exc:
            sch.create_schedule(Name=f"open{i}", Target=target("open"), **common)
        assert "Enabled" in [f for _, f in paths(exc)], label
        sch.create_schedule(Name=f"closed{i}", Target=target("closed"), **common)
    assert safemaker_local.request_count("scheduler", "CreateSchedule") == 3
    pipes = safemaker_session.client("pipes")
    source = f"arn:aws:sqs:us-east-1:{ACCOUNT}:q"
    with pytest.raises(GuardrailViolation) as exc:
        pipes.create_pipe(Name="open", RoleArn=role, Source=source, Target=made["open"], TargetParameters={
            "StepFunctionStateMachineParameters": {"InvocationType": "FIRE_AND_FORGET"}})
    assert exc.value.violations[0].path.startswith("Target -> StartExecution.")
    pipes.create_pipe(Name="closed", RoleArn=role, Source=source, Target=made["closed"])
    assert safemaker_local.request_count("pipes", "CreatePipe") == 1


def test_a_target_whose_content_cannot_be_read_is_unverifiable_unless_relaxed(safemaker_local, safemaker_session,
                                                                              profile):
    safemaker.install_process(profile)
    ev = safemaker_session.client("events")
    ev.put_rule(Name="r", ScheduleExpression="rate(1 hour)")
    target = [{"Id": "t", "Arn": sm_arn("gone"), "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/ev"}]
    with pytest.raises(GuardrailViolation) as exc:
        ev.put_targets(Rule="r", Targets=target)
    (v,) = exc.value.violations
    assert (v.path, v.rule_id) == ("Targets[0].Arn -> StartExecution.stateMachineArn", "SM-REFERENCE")
    assert "DescribeStateMachine" in v.fix
    safemaker.install_process(make_profile(allow_unverified_templates=True))
    ev.put_targets(Rule="r", Targets=target)
    assert safemaker_local.request_count("events", "PutTargets") == 1


def test_state_machines_that_start_each_other_are_decided_once_each(safemaker_local, safemaker_session, profile):
    """A cycle (a starts b, b starts a and creates a notebook): each is read once, the notebook decided."""
    plain = safemaker_local.session.client("stepfunctions")

    def starter(target, params):
        return json.dumps({"StartAt": "Go", "States": {
            "Go": {"Type": "Task", "Next": "Nb", "Resource": "arn:aws:states:::states:startExecution",
                   "Parameters": {"StateMachineArn": sm_arn(target)}}, "Nb": nb_task(params)}})

    plain.create_state_machine(name="a", definition=starter("b", CLOSED_NB), roleArn=SFN_ROLE)
    plain.create_state_machine(name="b", definition=starter("a", CLOSED_NB), roleArn=SFN_ROLE)
    plain.create_state_machine(name="c", definition=starter("d", CLOSED_NB), roleArn=SFN_ROLE)
    plain.create_state_machine(name="d", definition=starter("c", OPEN_NB), roleArn=SFN_ROLE)
    safemaker.install_process(profile)
    sfn = safemaker_session.client("stepfunctions")
    before = safemaker_local.request_count("stepfunctions", "DescribeStateMachine")
    sfn.start_execution(stateMachineArn=sm_arn("a"))
    assert safemaker_local.request_count("stepfunctions", "DescribeStateMachine") - before == 2
    with pytest.raises(GuardrailViolation) as exc:
        sfn.start_execution(stateMachineArn=sm_arn("c"))
    assert [p for p, f in paths(exc) if f == "Enabled"] == [
        "stateMachineArn:States.Go.Parameters.StateMachineArn -> StartExecution.stateMachineArn:States.Nb.Parameters."
        "DirectInternetAccess"]
    assert safemaker_local.request_count("stepfunctions", "StartExecution") == 1


# --------------------------------------------------------------------------- SSM associations, maintenance windows (F03)


def test_update_association_naming_a_runbook_decides_it(safemaker_local, safemaker_session, profile, made):
    safemaker.install_process(profile)
    ssm = safemaker_session.client("ssm", config=ONE_ATTEMPT)
    with pytest.raises(GuardrailViolation) as exc:
        ssm.update_association(AssociationId="a-1", Name="OpenRb")
    assert ("Name -> CreateAssociation.Name:mainSteps[0].inputs.DirectInternetAccess", "Enabled") in paths(exc)
    assert safemaker_local.request_count("ssm", "UpdateAssociation") == 0
    send(ssm.update_association, AssociationId="a-1", Name="ClosedRb")
    assert safemaker_local.request_count("ssm", "UpdateAssociation") == 1


def _association(name):
    return {"AssociationDescription": {"AssociationId": "a-1", "Name": name, "DocumentVersion": "$DEFAULT"}}


def _document(name, params):
    return {"Name": name, "Content": runbook(params), "DocumentType": "Automation", "DocumentFormat": "JSON"}


def test_running_an_association_by_id_reads_it_and_its_runbook(safemaker_local, safemaker_session, profile):
    """moto has no associations: the reads are stubbed (expected parameters: what the guard must ask)."""
    safemaker.install_process(profile)
    ssm = safemaker_session.client("ssm")
    stub = Stubber(ssm)
    inner = "CreateAssociation.Name:mainSteps[0].inputs.DirectInternetAccess"
    for call, path in ((lambda: ssm.start_associations_once(AssociationIds=["a-1"]),
                        f"AssociationIds[0] -> UpdateAssociation.AssociationId -> {inner}"),
                       (lambda: ssm.update_association(AssociationId="a-1", ScheduleExpression="rate(1 day)"),
                        f"AssociationId -> {inner}")):
        stub.add_response("describe_association", _association("OpenRb"), {"AssociationId": "a-1"})
        stub.add_response("get_document", _document("OpenRb", OPEN_NB), {"Name": "OpenRb",
                                                                         "DocumentVersion": "$DEFAULT"})
        with stub, pytest.raises(GuardrailViolation) as exc:
            call()
        assert (path, "Enabled") in paths(exc)
        stub.assert_no_pending_responses()
    stub.add_response("describe_association", _association("ClosedRb"), {"AssociationId": "a-1"})
    stub.add_response("get_document", _document("ClosedRb", CLOSED_NB), {"Name": "ClosedRb",
                                                                         "DocumentVersion": "$DEFAULT"})
    stub.add_response("start_associations_once", {}, {"AssociationIds": ["a-1"]})
    with stub:
        ssm.start_associations_once(AssociationIds=["a-1"])
    stub.assert_no_pending_responses()
    stub.add_client_error("describe_association", "AssociationDoesNotExist", "no such association",
                          expected_params={"AssociationId": "a-2"})
    with stub, pytest.raises(GuardrailViolation) as exc:  # cannot be read: cannot be verified
        ssm.start_associations_once(AssociationIds=["a-2"])
    (v,) = exc.value.violations
    assert (v.path, v.rule_id) == ("AssociationIds[0] -> UpdateAssociation.AssociationId", "SM-REFERENCE")
    assert "DescribeAssociation: AssociationDoesNotExist" in v.fix


def test_a_maintenance_window_task_is_decided_as_what_it_runs(safemaker_local, safemaker_session, profile, made):
    safemaker.install_process(profile)
    ssm = safemaker_session.client("ssm")
    window = ssm.create_maintenance_window(Name="win", Schedule="rate(1 day)", Duration=2, Cutoff=1,
                                           AllowUnassociatedTargets=True)["WindowId"]
    for task_type, opened, closed in (("AUTOMATION", "OpenRb", "ClosedRb"),
                                      ("STEP_FUNCTIONS", made["open"], made["closed"])):
        with pytest.raises(GuardrailViolation) as exc:
            ssm.register_task_with_maintenance_window(WindowId=window, TaskArn=opened, TaskType=task_type)
        assert "Enabled" in [f for _, f in paths(exc)], task_type
        assert exc.value.violations[0].path.startswith("TaskArn -> ")
        ssm.register_task_with_maintenance_window(WindowId=window, TaskArn=closed, TaskType=task_type)
    # a Command document or a Lambda function run code safemaker reads nowhere (as SendCommand, Invoke): sent
    ssm.register_task_with_maintenance_window(WindowId=window, TaskArn="AWS-RunShellScript", TaskType="RUN_COMMAND")
    ssm.register_task_with_maintenance_window(WindowId=window, TaskType="LAMBDA",
                                              TaskArn=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f")
    assert safemaker_local.request_count("ssm", "RegisterTaskWithMaintenanceWindow") == 4


def test_updating_a_maintenance_window_task_reads_its_type_and_runbook(safemaker_session, profile):
    """moto has no UpdateMaintenanceWindowTask: stubbed."""
    safemaker.install_process(profile)
    ssm = safemaker_session.client("ssm")
    stub = Stubber(ssm)
    ident = {"WindowId": "mw-0123456789abcdef0", "WindowTaskId": "01234567-89ab-cdef-0123-456789abcdef"}
    task = {**ident, "TaskArn": "OpenRb", "TaskType": "AUTOMATION"}
    stub.add_response("get_maintenance_window_task", task, ident)
    stub.add_response("get_document", _document("OpenRb", OPEN_NB), {"Name": "OpenRb"})
    with stub, pytest.raises(GuardrailViolation) as exc:
        ssm.update_maintenance_window_task(**ident, Priority=2)
    assert ("TaskArn -> StartAutomationExecution.DocumentName:mainSteps[0].inputs.DirectInternetAccess",
            "Enabled") in paths(exc)
    stub.add_response("get_maintenance_window_task", task, ident)
    stub.add_response("get_document", _document("ClosedRb", CLOSED_NB), {"Name": "ClosedRb",
                                                                         "DocumentVersion": "2"})
    stub.add_response("update_maintenance_window_task", {}, {
        **ident, "TaskArn": "ClosedRb", "TaskInvocationParameters": {"Automation": {"DocumentVersion": "2"}}})
    with stub:  # the request's TaskArn and DocumentVersion win over the task's
        ssm.update_maintenance_window_task(**ident, TaskArn="ClosedRb", TaskInvocationParameters={
            "Automation": {"DocumentVersion": "2"}})
    stub.assert_no_pending_responses()


# --------------------------------------------------------------------------- a pipe's dynamic parameter name (F14)


def test_a_pipe_parameter_named_by_a_json_path_cannot_be_verified(safemaker_local, safemaker_session, profile):
    """Oracle: botocore's pipes model admits a JSON path as SageMakerPipelineParameter.Name (and EventBridge's and
    Scheduler's do not); the EventBridge user guide: dynamic paths are "replaced at runtime with data from the
    event payload"."""
    loader = botocore.session.get_session()
    name_pattern = loader.get_service_model("pipes").shape_for("SageMakerPipelineParameter").members["Name"]
    assert re.fullmatch(name_pattern.metadata["pattern"], "$.body.name")
    for service in ("events", "scheduler"):
        pattern = loader.get_service_model(service).shape_for("SageMakerPipelineParameter").members["Name"]
        assert not re.fullmatch(pattern.metadata["pattern"].strip("^$"), "$.body.name")
    step = {"Name": "Train", "Type": "Training", "Arguments": {
        "AlgorithmSpecification": {"TrainingImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1",
                                   "TrainingInputMode": "File"},
        "OutputDataConfig": {"S3OutputPath": "s3://b/out"}, "RoleArn": ROLE,
        "ResourceConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 30},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "VpcConfig": {"Subnets": [SUB_A], "SecurityGroupIds": [SG]},
        "EnableNetworkIsolation": {"Get": "Parameters.Isolate"}, "EnableInterContainerTrafficEncryption": True}}
    definition = json.dumps({"Version": "2020-12-01", "Parameters": [
        {"Name": "Isolate", "Type": "Boolean", "DefaultValue": True}], "Steps": [step]})
    arn = safemaker_local.session.client("sagemaker").create_pipeline(
        PipelineName="p", PipelineDefinition=definition, RoleArn=ROLE, ClientRequestToken="p".ljust(32, "0"))[
        "PipelineArn"]
    safemaker.install_process(profile)
    pipes = safemaker_session.client("pipes")
    common = {"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/pipe", "Source": f"arn:aws:sqs:us-east-1:{ACCOUNT}:q",
              "Target": arn}

    def params(*plist):
        return {"SageMakerPipelineParameters": {"PipelineParameterList": list(plist)}}

    with pytest.raises(GuardrailViolation) as exc:
        pipes.create_pipe(Name="dyn", TargetParameters=params({"Name": "$.body.name", "Value": "false"}), **common)
    (v,) = exc.value.violations
    assert (v.path, v.rule_id) == ("TargetParameters.SageMakerPipelineParameters.PipelineParameterList[0].Name",
                                   "SM-REFERENCE")
    assert "$.body.name" in str(v.found)
    with pytest.raises(GuardrailViolation):  # control: a written false is refused
        pipes.create_pipe(Name="off", TargetParameters=params({"Name": "Isolate", "Value": "false"}), **common)
    assert safemaker_local.request_count("pipes", "CreatePipe") == 0
    pipes.create_pipe(Name="on", TargetParameters=params({"Name": "Isolate", "Value": "true"}), **common)
    assert safemaker_local.request_count("pipes", "CreatePipe") == 1


def test_a_pipe_enriched_by_an_existing_state_machine_decides_it(safemaker_local, safemaker_session, profile, made):
    """botocore pipes CreatePipe/UpdatePipe Enrichment: "The ARN of the enrichment resource" (EventBridge user guide,
    Pipes enrichment: a Step Functions state machine runs on each batch before the target)."""
    safemaker.install_process(profile)
    pipes = safemaker_session.client("pipes")
    common = {"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/pipe", "Source": f"arn:aws:sqs:us-east-1:{ACCOUNT}:q",
              "Target": f"arn:aws:sqs:us-east-1:{ACCOUNT}:out"}
    with pytest.raises(GuardrailViolation) as exc:
        pipes.create_pipe(Name="enriched", Enrichment=made["open"], **common)
    assert ("Enrichment -> StartExecution.stateMachineArn:States.S.Parameters.DirectInternetAccess", "Enabled") in \
        paths(exc)
    with pytest.raises(GuardrailViolation):  # an update naming only the enrichment
        pipes.update_pipe(Name="enriched", RoleArn=common["RoleArn"], Enrichment=made["open"])
    assert safemaker_local.request_count("pipes", "CreatePipe") == 0
    pipes.create_pipe(Name="enriched", Enrichment=made["closed"], **common)
    assert safemaker_local.request_count("pipes", "CreatePipe") == 1
