"""``safemaker check`` follows calls that create another document calling SageMaker (trial 8 F03).

A Step Functions AWS SDK task, an SSM Automation ``aws:executeAwsApi`` step or an EventBridge Scheduler
universal target may call a service that itself creates something calling SageMaker: a state machine
(``sfn:createStateMachine`` / ``updateStateMachine``, ``Definition``: Amazon States Language JSON text), a
schedule (``scheduler:createSchedule`` / ``updateSchedule``, ``Target``: a universal target's ``Arn`` and
``Input``) or an Automation document (``ssm:createDocument`` / ``updateDocument``, ``Content``). Before, the
outer task was read only for ``cloudformation:createStack``: the nested open notebook passed ("all inside the
closed network", exit 0).

Oracles: the Step Functions API reference (CreateStateMachine ``Definition``: "The Amazon States Language
definition of the state machine", a string), the EventBridge Scheduler API reference (CreateSchedule
``Target.Arn``, ``Target.Input``) and User Guide ("Using universal targets": ``arn:aws:scheduler:::aws-sdk:
service:apiAction``, the input is the API's request), the Systems Manager API reference (CreateDocument
``Content``: JSON or YAML text) and Automation action reference (``aws:executeAwsApi``: ``Service`` is the
boto3 client's namespace, ``Api`` the operation), the Step Functions developer guide (AWS SDK integrations
``arn:aws:states:::aws-sdk:serviceName:apiAction``; ``Key.$`` and ``{% %}`` are evaluated at run time), the
SageMaker API reference (CreateNotebookInstance: ``DirectInternetAccess`` ``Enabled`` opens the notebook).
"""

from __future__ import annotations

import json

import pytest

from test_iac_cli import ROLE, profile_file, run_json  # noqa: F401  (profile_file: fixture)

OPEN_NB = {"NotebookInstanceName": "open", "InstanceType": "ml.t3.medium", "RoleArn": ROLE,
           "DirectInternetAccess": "Enabled", "RootAccess": "Disabled", "SubnetId": "subnet-0aaaaaaaaaaaaaaaa",
           "SecurityGroupIds": ["sg-0bbbbbbbbbbbbbbbb"]}
CLOSED_NB = {**OPEN_NB, "NotebookInstanceName": "closed", "DirectInternetAccess": "Disabled"}
NB_TASK = "arn:aws:states:::aws-sdk:sagemaker:createNotebookInstance"


def machine(states, start=None):
    return {"StartAt": start or next(iter(states)), "States": states}


def nb_machine(params):
    return machine({"Nb": {"Type": "Task", "Resource": NB_TASK, "Parameters": params, "End": True}})


def automation(params):
    return {"schemaVersion": "0.3", "mainSteps": [{"name": "nb", "action": "aws:executeAwsApi", "inputs": {
        "Service": "sagemaker", "Api": "CreateNotebookInstance", **params}}]}


def task(resource, parameters, **more):
    return {"Type": "Task", "Resource": resource, "Parameters": parameters, "End": True, **more}


def fails(rows):
    return sorted((x["logical_id"], x["path"], x["found"]) for x in rows if x["status"] == "FAIL")


def write(tmp_path, data, name="flow.asl.json"):
    f = tmp_path / name
    f.write_text(json.dumps(data, indent=1))
    return f


CREATE_CALLS = {
    "sfn": ("arn:aws:states:::aws-sdk:sfn:createStateMachine",
            lambda p: {"Name": "inner", "RoleArn": ROLE, "Definition": json.dumps(nb_machine(p))},
            "States.Call.Parameters.Definition.States.Nb.Parameters.DirectInternetAccess"),
    "sfn-update": ("arn:aws:states:::aws-sdk:sfn:updateStateMachine",
                   lambda p: {"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:inner",
                              "Definition": json.dumps(nb_machine(p))},
                   "States.Call.Parameters.Definition.States.Nb.Parameters.DirectInternetAccess"),
    "scheduler": ("arn:aws:states:::aws-sdk:scheduler:createSchedule",
                  lambda p: {"Name": "s", "ScheduleExpression": "rate(1 day)", "FlexibleTimeWindow": {"Mode": "OFF"},
                             "Target": {"Arn": "arn:aws:scheduler:::aws-sdk:sagemaker:createNotebookInstance",
                                        "RoleArn": ROLE, "Input": json.dumps(p)}},
                  "States.Call.Parameters.Target.Input.DirectInternetAccess"),
    "scheduler-update": ("arn:aws:states:::aws-sdk:scheduler:updateSchedule",
                         lambda p: {"Name": "s", "ScheduleExpression": "rate(1 day)",
                                    "FlexibleTimeWindow": {"Mode": "OFF"},
                                    "Target": {"Arn": "arn:aws:scheduler:::aws-sdk:sagemaker:createNotebookInstance",
                                               "RoleArn": ROLE, "Input": json.dumps(p)}},
                         "States.Call.Parameters.Target.Input.DirectInternetAccess"),
    "ssm": ("arn:aws:states:::aws-sdk:ssm:createDocument",
            lambda p: {"Name": "OpenNb", "DocumentType": "Automation", "DocumentFormat": "JSON",
                       "Content": json.dumps(automation(p))},
            "States.Call.Parameters.Content.mainSteps[0].inputs.DirectInternetAccess"),
    "ssm-update": ("arn:aws:states:::aws-sdk:ssm:updateDocument",
                   lambda p: {"Name": "OpenNb", "DocumentVersion": "$LATEST", "Content": json.dumps(automation(p))},
                   "States.Call.Parameters.Content.mainSteps[0].inputs.DirectInternetAccess"),
}


@pytest.mark.parametrize("call", sorted(CREATE_CALLS))
def test_a_task_that_creates_a_document_calling_sagemaker_is_checked(profile_file, tmp_path, call):
    resource, params, path = CREATE_CALLS[call]
    f = write(tmp_path, machine({"Call": task(resource, params(OPEN_NB))}))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    assert fails(rows) == [("States.Call", path, "Enabled")]
    assert rows[0]["rule_id"] == "SM-NB-DIRECT-INTERNET"
    line = f.read_text().splitlines().index(next(t for t in f.read_text().splitlines()
                                                   if '"Definition"' in t or '"Input"' in t or '"Content"' in t)) + 1
    assert rows[0]["line"] == line
    # the same call with a closed notebook passes (the reader does not refuse the call itself)
    g = write(tmp_path, machine({"Call": task(resource, params(CLOSED_NB))}), "closed.asl.json")
    r, rows = run_json(profile_file, str(g))
    assert (r.exit_code, [x for x in rows if x["status"] in ("FAIL", "UNKNOWN")]) == (0, [])


def test_the_trial_definition_with_three_nested_calls(profile_file, tmp_path):
    states = {"MakeSM": task(*CREATE_CALLS["sfn"][:1], CREATE_CALLS["sfn"][1](OPEN_NB), Next="Sched"),
              "Sched": task(CREATE_CALLS["scheduler"][0], CREATE_CALLS["scheduler"][1](OPEN_NB), Next="Doc"),
              "Doc": task(CREATE_CALLS["ssm"][0], CREATE_CALLS["ssm"][1](OPEN_NB))}
    for s in ("MakeSM", "Sched"):
        del states[s]["End"]
    r, rows = run_json(profile_file, str(write(tmp_path, machine(states))))
    assert r.exit_code == 3
    assert [x[0] for x in fails(rows)] == ["States.Doc", "States.MakeSM", "States.Sched"]


@pytest.mark.parametrize("call, member, params", [
    ("sfn", "Definition", {"Name": "inner", "RoleArn": ROLE, "Definition.$": "$.definition"}),
    ("scheduler", "Target", {"Name": "s", "ScheduleExpression": "rate(1 day)", "FlexibleTimeWindow": {"Mode": "OFF"},
                             "Target.$": "$.target"}),
    ("scheduler", "Target.Arn", {"Name": "s", "ScheduleExpression": "rate(1 day)",
                                 "FlexibleTimeWindow": {"Mode": "OFF"},
                                 "Target": {"Arn.$": "$.arn", "RoleArn": ROLE, "Input": json.dumps(OPEN_NB)}}),
    ("scheduler", "Target.Input", {"Name": "s", "ScheduleExpression": "rate(1 day)",
                                   "FlexibleTimeWindow": {"Mode": "OFF"},
                                   "Target": {"Arn": "arn:aws:scheduler:::aws-sdk:sagemaker:createNotebookInstance",
                                              "RoleArn": ROLE, "Input.$": "$.input"}}),
    ("ssm", "Content", {"Name": "OpenNb", "DocumentType": "Automation", "Content.$": "$.content"}),
])
def test_a_nested_document_given_at_run_time_cannot_be_verified(profile_file, tmp_path, call, member, params):
    f = write(tmp_path, machine({"Call": task(CREATE_CALLS[call][0], params)}))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    assert [(x["status"], x["rule_id"], x["logical_id"]) for x in rows] == [("UNKNOWN", "SM-REFERENCE", "States.Call")]
    assert rows[0]["path"].startswith(f"States.Call.Parameters.{member}")


def test_a_jsonata_request_computed_at_run_time_cannot_be_verified(profile_file, tmp_path):
    f = write(tmp_path, {"QueryLanguage": "JSONata", **machine({"Call": {
        "Type": "Task", "Resource": CREATE_CALLS["ssm"][0], "Arguments": "{% $states.input.request %}",
        "End": True}})})
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    assert [(x["status"], x["logical_id"]) for x in rows] == [("UNKNOWN", "States.Call")]


def _nest(depth):
    """A state machine creating a state machine ... ``depth`` times, the innermost creating an open notebook."""
    inner = nb_machine(OPEN_NB)
    for _ in range(depth):
        inner = machine({"Call": task(CREATE_CALLS["sfn"][0], {"Name": "n", "RoleArn": ROLE,
                                                               "Definition": json.dumps(inner)})})
    return inner


def test_nested_calls_are_followed_to_the_depth_limit_then_fail_closed(profile_file, tmp_path):
    from safemaker.iac.sdk_calls import MAX_NESTING

    r, rows = run_json(profile_file, str(write(tmp_path, _nest(MAX_NESTING))))
    assert r.exit_code == 3
    assert [(x["status"], x["found"]) for x in rows if x["status"] == "FAIL"] == [("FAIL", "Enabled")]
    assert rows[0]["path"].count(".Definition.") == MAX_NESTING
    r, rows = run_json(profile_file, str(write(tmp_path, _nest(MAX_NESTING + 1), "deeper.asl.json")))
    assert r.exit_code == 3
    assert [(x["status"], x["rule_id"]) for x in rows] == [("UNKNOWN", "SM-REFERENCE")]
    assert f"more than {MAX_NESTING} levels" in rows[0]["found"]


def test_an_automation_step_and_a_schedule_target_creating_a_state_machine_are_checked(profile_file, tmp_path):
    # aws:executeAwsApi with Service stepfunctions (boto3's client name) and a Scheduler universal target
    # arn:aws:scheduler:::aws-sdk:sfn:createStateMachine, both in a CloudFormation template.
    definition = json.dumps(nb_machine(OPEN_NB))
    content = {"schemaVersion": "0.3", "mainSteps": [{"name": "sm", "action": "aws:executeAwsApi", "inputs": {
        # boto3's create_state_machine takes the API's camelCase members (Step Functions API reference)
        "Service": "stepfunctions", "Api": "create_state_machine",
        "name": "inner", "roleArn": ROLE, "definition": definition}}]}
    template = {"Resources": {
        "Doc": {"Type": "AWS::SSM::Document", "Properties": {"DocumentType": "Automation", "Content": content}},
        "Sched": {"Type": "AWS::Scheduler::Schedule", "Properties": {
            "ScheduleExpression": "rate(1 day)", "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {"Arn": "arn:aws:scheduler:::aws-sdk:sfn:createStateMachine", "RoleArn": ROLE,
                       "Input": json.dumps({"Name": "inner", "RoleArn": ROLE, "Definition": definition})}}}}}
    r, rows = run_json(profile_file, str(write(tmp_path, template, "t.json")))
    assert r.exit_code == 3
    assert fails(rows) == [
        ("Doc", "Content.mainSteps[0].inputs.definition.States.Nb.Parameters.DirectInternetAccess", "Enabled"),
        ("Sched", "Target.Input.Definition.States.Nb.Parameters.DirectInternetAccess", "Enabled")]


def test_a_cloud_control_resource_created_by_a_task_is_read_as_that_resource(profile_file, tmp_path):
    # Cloud Control API reference, CreateResource: TypeName and DesiredState (the resource's properties, JSON text);
    # UpdateResource's PatchDocument applies to the current state, not in the source.
    create = {"TypeName": "AWS::SageMaker::NotebookInstance", "DesiredState": json.dumps(OPEN_NB)}
    update = {"TypeName": "AWS::SageMaker::NotebookInstance", "Identifier": "open",
              "PatchDocument": json.dumps([{"op": "replace", "path": "/DirectInternetAccess", "value": "Enabled"}])}
    other = {"TypeName": "AWS::S3::Bucket", "DesiredState": "{}"}
    f = write(tmp_path, machine({
        "Make": task("arn:aws:states:::aws-sdk:cloudcontrol:createResource", create, Next="Patch"),
        "Patch": task("arn:aws:states:::aws-sdk:cloudcontrol:updateResource", update, Next="Bucket"),
        "Bucket": task("arn:aws:states:::aws-sdk:cloudcontrol:createResource", other)}, "Make"))
    data = json.loads(f.read_text())
    for s in ("Make", "Patch"):
        del data["States"][s]["End"]
    f.write_text(json.dumps(data, indent=1))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    assert [(x["status"], x["logical_id"], x["path"], x["found"]) for x in rows if x["status"] == "FAIL"] == [
        ("FAIL", "States.Make.Parameters.DesiredState/Resource", "DirectInternetAccess", "Enabled")]
    assert [(x["status"], x["logical_id"], x["path"]) for x in rows if x["status"] == "UNKNOWN"] == [
        ("UNKNOWN", "States.Patch", "States.Patch.Parameters.PatchDocument")]


PIPELINE_ARN = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/open-pipeline"
START_CALLS = {
    # EventBridge API reference, PutTargets: Targets[].Arn a SageMaker pipeline, SageMakerPipelineParameters
    # (the parameters of the StartPipelineExecution the rule sends); the integration name is "eventbridge"
    "eventbridge": ("arn:aws:states:::aws-sdk:eventbridge:putTargets",
                    {"Rule": "nightly", "Targets": [{"Id": "p", "Arn": PIPELINE_ARN, "RoleArn": ROLE,
                                                     "SageMakerPipelineParameters": {"PipelineParameterList": [
                                                         {"Name": "InstanceType", "Value": "ml.m5.large"}]}}]}),
    # EventBridge Pipes API reference, CreatePipe / UpdatePipe: Target (the pipeline's ARN) and
    # TargetParameters.SageMakerPipelineParameters
    "pipes": ("arn:aws:states:::aws-sdk:pipes:createPipe",
              {"Name": "p", "RoleArn": ROLE, "Source": "arn:aws:sqs:us-east-1:123456789012:q", "Target": PIPELINE_ARN,
               "TargetParameters": {"SageMakerPipelineParameters": {"PipelineParameterList": [
                   {"Name": "A", "Value": "b"}]}}}),
    "pipes-update": ("arn:aws:states:::aws-sdk:pipes:updatePipe",
                     {"Name": "p", "RoleArn": ROLE, "Target": PIPELINE_ARN}),
}


@pytest.mark.parametrize("call", sorted(START_CALLS))
def test_a_task_that_makes_a_rule_or_pipe_start_a_pipeline_is_read(profile_file, tmp_path, call):
    """A state machine task creating an EventBridge target or a pipe that starts a pipeline made outside the source
    starts a pipeline nobody described: it cannot be verified before deployment (it passed, "No SageMaker request
    recognised", exit 0). The process guard decides the same calls (service_calls.DOCUMENT_CALLS)."""
    resource, params = START_CALLS[call]
    f = write(tmp_path, machine({"Call": task(resource, params)}))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    assert [(x["status"], x["rule_id"]) for x in rows] == [("UNKNOWN", "SM-REFERENCE")]
    assert "open-pipeline" in rows[0]["found"]


def test_every_call_the_process_guard_reads_as_a_resource_is_followed_when_nested():
    """One table: each (service, operation) the process guard reads as a CloudFormation resource or a Cloud Control
    resource (other_services.DECIDED_OPERATIONS minus the calls it cannot verify, follows as a reference, reads
    the content of by name or decides by their own members, SAGEMAKER_WORK, and the calls whose payload is a
    SageMaker request, read as that request: test_process_guard_batch_service_jobs) is a
    nested call the check readers follow, by its AWS SDK integration name."""
    from safemaker.iac import sdk_calls, service_calls
    from safemaker.other_services import DECIDED_OPERATIONS

    read = {(s, op) for s, ops in DECIDED_OPERATIONS.items() for op in ops} - set(service_calls.UNSEEN_OPERATIONS) \
        - set(service_calls.SAGEMAKER_REFERENCES) - set(service_calls.SCALING_CALLS) - set(service_calls.FOLLOWED_CALLS) \
        - service_calls.STARTING_CALLS - set(service_calls.PAYLOAD_CALLS) - set(service_calls.SAGEMAKER_WORK)
    nested = {(sdk_calls._BOTOCORE_NAMES.get(s, s), op) for s, op in sdk_calls.NESTED_CALLS}
    assert nested == read
