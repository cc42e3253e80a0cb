"""A carrier's name spelled in another case is read (issue 13, escape class; trial 18b F01, F04).

F01: the service field of a Step Functions task ``Resource`` / EventBridge Scheduler universal target ``Arn``
(``arn:aws:STATES:::aws-sdk:sagemaker:createNotebookInstance``) was matched only in lower case, and so were the words
of the target ARNs that start content a service keeps (an EventBridge / Scheduler target naming a SageMaker pipeline,
a state machine, an Automation runbook, a CodePipeline pipeline, an Incident Manager response plan): such a request
was sent as if it called or started nothing. Each is now decided as the call or start it spells (the content then
looked up by the ARN as written: a service that does not know it answers an error, cannot be verified).

F04: a Cloud Control ``TypeName`` naming a carrier type in another case (``aws::stepfunctions::statemachine``) was
passed unread; it is now decided as that type.

Whether the services fold the case is not documented (a spelling the service refuses costs nothing; one it accepts
is decided). Oracles: the ARN service fields are botocore's ``signingName`` of ``stepfunctions`` / ``scheduler``
(the ARN prefix the Step Functions guide documents, ``arn:aws:states:``); the target ARN formats are the Service
Authorization Reference's resource types (written below with their source); the carrier type names are cfn-lint's
CloudFormation resource schemas. Real botocore clients against moto on 127.0.0.1; Cloud Control (which moto lacks)
answered by Stubber on the client, after the guard decided.
"""

from __future__ import annotations

import json

import botocore.session
import pytest
from botocore.stub import Stubber

import safemaker
from safemaker.errors import GuardrailViolation
from safemaker.iac.service_calls import read_type, reads_type

from _profiles import ACCOUNT, REGION, ROLE, training_job_request

CARRIER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/carrier"
OPEN_TRAINING = training_job_request("t")   # no VpcConfig: refused when sent directly
OPEN_NB = {"NotebookInstanceName": "nb", "InstanceType": "ml.t3.medium", "RoleArn": ROLE,
           "DirectInternetAccess": "Enabled"}


def _signing_name(service):
    return botocore.session.get_session().get_service_model(service).signing_name


def _cases(word):
    """Spellings of ``word`` that differ from it only in case (never ``word`` itself)."""
    alternating = "".join(c.upper() if i % 2 else c.lower() for i, c in enumerate(word))
    return sorted({word.upper(), word.capitalize(), alternating, word.swapcase()} - {word})


def test_the_arn_service_fields_are_botocore_s_signing_names():
    assert _signing_name("stepfunctions") == "states"
    assert _signing_name("scheduler") == "scheduler"


def _machine(resource, request):
    return json.dumps({"StartAt": "S", "States": {"S": {
        "Type": "Task", "Resource": resource, "Parameters": request, "End": True}}})


STATES_SPELLINGS = [f"arn:aws:{s}:::sagemaker:createTrainingJob.sync" for s in _cases("states")] + [
    f"arn:aws:{s}:::aws-sdk:sagemaker:createTrainingJob" for s in _cases("states")] + [
    "ARN:AWS:STATES:::aws-sdk:sagemaker:createTrainingJob",
    f"arn:aws:States:{REGION}:{ACCOUNT}:sagemaker:createTrainingJob"]


@pytest.mark.parametrize("resource", STATES_SPELLINGS)
def test_a_task_resource_whose_service_field_is_in_another_case_is_decided(safemaker_local, safemaker_session,
                                                                           profile, resource):
    safemaker.install_process(profile)
    sfn = safemaker_session.client("stepfunctions")
    with pytest.raises(GuardrailViolation) as exc:
        sfn.create_state_machine(name="m", roleArn=CARRIER_ROLE, definition=_machine(resource, OPEN_TRAINING))
    assert safemaker_local.request_count("stepfunctions", "CreateStateMachine") == 0
    assert any("VpcConfig" in v.path for v in exc.value.violations)   # the training job's own finding


@pytest.mark.parametrize("arn", [f"arn:aws:{s}:::aws-sdk:sagemaker:createNotebookInstance"
                                 for s in _cases("scheduler")] + [
    "ARN:AWS:SCHEDULER:::AWS-SDK:SAGEMAKER:createNotebookInstance"])
def test_a_schedule_universal_target_whose_service_field_is_in_another_case_is_decided(
        safemaker_local, safemaker_session, profile, arn):
    safemaker.install_process(profile)
    scheduler = safemaker_session.client("scheduler")
    with pytest.raises(GuardrailViolation) as exc:
        scheduler.create_schedule(Name="s", ScheduleExpression="rate(1 day)", FlexibleTimeWindow={"Mode": "OFF"},
                                  Target={"Arn": arn, "RoleArn": CARRIER_ROLE, "Input": json.dumps(OPEN_NB)})
    assert safemaker_local.request_count("scheduler", "CreateSchedule") == 0
    assert any(v.path.endswith("DirectInternetAccess") for v in exc.value.violations)


# Service Authorization Reference, resource types (ARN formats): SageMaker "pipeline"
# arn:${Partition}:sagemaker:${Region}:${Account}:pipeline/${PipelineName}; Step Functions "statemachine"
# arn:${Partition}:states:${Region}:${Account}:stateMachine:${StateMachineName}; Systems Manager "automation-definition"
# arn:${Partition}:ssm:${Region}:${Account}:automation-definition/${AutomationDefinitionName}:${VersionId};
# CodePipeline "pipeline" arn:${Partition}:codepipeline:${Region}:${Account}:${PipelineName}; Incident Manager
# "response-plan" arn:${Partition}:ssm-incidents::${Account}:response-plan/${ResponsePlan}. Each with what it starts
# (EventBridge User Guide, "Event bus targets"; the operation's botocore name).
STARTS = {
    "sagemaker-pipeline": (("aws", "sagemaker", "pipeline/"), f":{REGION}:{ACCOUNT}:", "nopipe",
                           "StartPipelineExecution"),
    "state-machine": (("aws", "states", "stateMachine:"), f":{REGION}:{ACCOUNT}:", "nomachine", "StartExecution"),
    "automation": (("aws", "ssm", "automation-definition/"), f":{REGION}:{ACCOUNT}:", "nodoc:$DEFAULT",
                   "StartAutomationExecution"),
    "codepipeline": (("aws", "codepipeline", ""), f":{REGION}:{ACCOUNT}:", "nocp", "StartPipelineExecution"),
    "response-plan": (("aws", "ssm-incidents", "response-plan/"), f"::{ACCOUNT}:", "noplan", "StartIncident"),
}


def _arn(words, middle, name):
    partition, service, kind = words
    return f"arn:{partition}:{service}{middle}{kind}{name}"


def _variants(words):
    """The ARN's words each spelled in another case, one at a time, then all upper-cased."""
    out = []
    for i, word in enumerate(words):
        for case in _cases(word)[:2]:
            out.append(tuple(case if j == i else w for j, w in enumerate(words)))
    out.append(tuple(w.upper() for w in words))
    return [v for v in dict.fromkeys(out) if v != words]


TARGET_CASES = [(start, variant) for start, (words, *_rest) in STARTS.items() for variant in _variants(words)]


def _put_target(safemaker_session, arn):
    events = safemaker_session.client("events")
    events.put_targets(Rule="r", Targets=[{"Id": "1", "Arn": arn, "RoleArn": CARRIER_ROLE}])


def _refusal(safemaker_local, safemaker_session, arn):
    with pytest.raises(GuardrailViolation) as exc:
        _put_target(safemaker_session, arn)
    assert safemaker_local.request_count("events", "PutTargets") == 0
    return exc.value.violations


@pytest.fixture()
def rule(safemaker_session):
    safemaker_session.client("events").put_rule(Name="r", ScheduleExpression="rate(1 day)")


@pytest.mark.parametrize("start, words", TARGET_CASES, ids=[f"{s}-{':'.join(w)}" for s, w in TARGET_CASES])
def test_a_target_arn_whose_words_are_in_another_case_is_decided_as_its_start(
        safemaker_local, safemaker_session, profile, rule, start, words):
    canonical_words, middle, name, operation = STARTS[start]
    safemaker.install_process(profile)
    # the oracle: the documented spelling, which names nothing moto keeps, is refused as that start
    control = _refusal(safemaker_local, safemaker_session, _arn(canonical_words, middle, name))
    assert any(operation in f"{v.path} {v.found} {v.fix}" for v in control)
    violations = _refusal(safemaker_local, safemaker_session, _arn(words, middle, name))
    assert any(operation in f"{v.path} {v.found} {v.fix}" for v in violations)
    assert {v.rule_id for v in violations} == {v.rule_id for v in control}


def test_a_target_that_starts_nothing_is_sent(safemaker_local, safemaker_session, profile, rule):
    safemaker.install_process(profile)
    _put_target(safemaker_session, f"arn:aws:SQS:{REGION}:{ACCOUNT}:queue")
    assert safemaker_local.request_count("events", "PutTargets") == 1


@pytest.mark.parametrize("words", _variants(STARTS["state-machine"][0]))
def test_a_templated_schedule_target_in_another_case_is_decided_as_its_start(safemaker_local, safemaker_session,
                                                                             profile, words):
    safemaker.install_process(profile)
    scheduler = safemaker_session.client("scheduler")
    with pytest.raises(GuardrailViolation) as exc:
        scheduler.create_schedule(Name="s", ScheduleExpression="rate(1 day)", FlexibleTimeWindow={"Mode": "OFF"},
                                  Target={"Arn": _arn(words, f":{REGION}:{ACCOUNT}:", "nomachine"),
                                          "RoleArn": CARRIER_ROLE})
    assert safemaker_local.request_count("scheduler", "CreateSchedule") == 0
    assert any("StartExecution" in f"{v.path} {v.found}" for v in exc.value.violations)


# --- F04: Cloud Control TypeName ------------------------------------------------------------------------------


def _read_carrier_types():
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    return sorted(t for t in PROVIDER_SCHEMA_MANAGER.get_resource_types("us-east-1")
                  if reads_type(t) and "sagemaker" not in t.lower())


def test_every_read_carrier_type_in_any_case_is_read_as_its_documented_spelling():
    types = _read_carrier_types()
    assert {"AWS::StepFunctions::StateMachine", "AWS::SSM::Document", "AWS::CloudFormation::Stack",
            "AWS::Scheduler::Schedule", "AWS::Events::Rule", "AWS::Pipes::Pipe"} <= set(types)
    for t in types:
        assert read_type(t) == t
        for spelling in (t.lower(), t.upper(), t.swapcase(), f" {t.lower()} "):
            assert reads_type(spelling) and read_type(spelling) == t, spelling
    assert read_type("AWS::Lambda::Function") is None and not reads_type("aws::lambda::function")


def _create(safemaker_session, profile, type_name, state, sent):
    safemaker.install_process(profile)
    cc = safemaker_session.client("cloudcontrol")
    request = {"TypeName": type_name, "DesiredState": json.dumps(state)}
    with Stubber(cc) as stub:
        if sent:
            stub.add_response("create_resource", {"ProgressEvent": {
                "TypeName": type_name, "Operation": "CREATE", "OperationStatus": "IN_PROGRESS", "RequestToken": "t"}},
                request)
            cc.create_resource(**request)
            stub.assert_no_pending_responses()
            return None
        with pytest.raises(GuardrailViolation) as exc:
            cc.create_resource(**request)
        return exc.value.violations


OPEN_NB_MACHINE = {"StartAt": "N", "States": {"N": {
    "Type": "Task", "End": True, "Resource": "arn:aws:states:::aws-sdk:sagemaker:createNotebookInstance",
    "Parameters": OPEN_NB}}}
OPEN_STATES = {   # documented type -> a DesiredState whose content creates an open notebook
    "AWS::StepFunctions::StateMachine": {"RoleArn": CARRIER_ROLE, "Definition": OPEN_NB_MACHINE},
    "AWS::Scheduler::Schedule": {"ScheduleExpression": "rate(1 day)", "FlexibleTimeWindow": {"Mode": "OFF"},
                                 "Target": {"Arn": "arn:aws:scheduler:::aws-sdk:sagemaker:createNotebookInstance",
                                            "RoleArn": CARRIER_ROLE, "Input": json.dumps(OPEN_NB)}},
    "AWS::SSM::Document": {"DocumentType": "Automation", "Content": {"schemaVersion": "0.3", "mainSteps": [{
        "name": "nb", "action": "aws:executeAwsApi", "inputs": {"Service": "sagemaker",
                                                               "Api": "CreateNotebookInstance", **OPEN_NB}}]}},
}


@pytest.mark.parametrize("type_name, spelling", [(t, s) for t in OPEN_STATES for s in (t.lower(), t.upper())])
def test_a_create_resource_of_a_carrier_type_in_another_case_is_decided_as_that_type(
        safemaker_local, safemaker_session, profile, type_name, spelling):
    control = _create(safemaker_session, profile, type_name, OPEN_STATES[type_name], sent=False)
    violations = _create(safemaker_session, profile, spelling, OPEN_STATES[type_name], sent=False)
    assert any(v.path.endswith("DirectInternetAccess") for v in violations)
    assert sorted((v.rule_id, v.path) for v in violations) == sorted((v.rule_id, v.path) for v in control)


def test_a_closed_create_resource_in_another_case_is_sent(safemaker_local, safemaker_session, profile):
    closed = {"RoleArn": CARRIER_ROLE, "Definition": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}
    _create(safemaker_session, profile, "aws::stepfunctions::statemachine", closed, sent=True)


@pytest.mark.parametrize("spelling", ["aws::stepfunctions::statemachine", "AWS::STEPFUNCTIONS::STATEMACHINE"])
def test_an_update_resource_of_a_carrier_type_in_another_case_is_decided_on_its_patched_state(
        safemaker_local, safemaker_session, profile, spelling):
    ident = {"TypeName": spelling, "Identifier": "x"}
    patch = [{"op": "add", "path": "/Definition", "value": OPEN_NB_MACHINE}]
    safemaker.install_process(profile)
    cc = safemaker_session.client("cloudcontrol")
    with Stubber(cc) as stub:
        stub.add_response("get_resource", {"TypeName": spelling, "ResourceDescription": {
            "Identifier": "x", "Properties": json.dumps({"StateMachineName": "m", "RoleArn": CARRIER_ROLE})}}, ident)
        with pytest.raises(GuardrailViolation) as exc:
            cc.update_resource(**ident, PatchDocument=json.dumps(patch))
        stub.assert_no_pending_responses()   # the state was read (GetResource), then the update refused
    assert any(v.path.endswith("DirectInternetAccess") for v in exc.value.violations)


# --- a target ARN built at deployment (safemaker check) -------------------------------------------------------

from test_iac_cli import profile_file, run_json  # noqa: E402,F401  (profile_file: fixture)


def _rule_template(tmp_path, arn):
    template = {"Parameters": {"Name": {"Type": "String"}}, "Resources": {"R": {
        "Type": "AWS::Events::Rule", "Properties": {"ScheduleExpression": "rate(1 day)", "Targets": [{
            "Id": "1", "Arn": {"Fn::Sub": arn}, "RoleArn": CARRIER_ROLE}]}}}}
    path = tmp_path / "template.json"
    path.write_text(json.dumps(template))
    return str(path)


BUILT_CASES = [(s, w) for s, w in TARGET_CASES if s != "sagemaker-pipeline"]   # a pipeline's: its own reader


@pytest.mark.parametrize("start, words", BUILT_CASES, ids=[f"{s}-{':'.join(w)}" for s, w in BUILT_CASES])
def test_check_a_target_arn_built_at_deployment_in_another_case_cannot_be_verified(profile_file, tmp_path, start,
                                                                                   words):
    canonical_words, middle, _name, _operation = STARTS[start]
    middle = middle.replace(REGION, "${AWS::Region}").replace(ACCOUNT, "${AWS::AccountId}")
    built = "${Name}"
    control = run_json(profile_file, _rule_template(tmp_path, _arn(canonical_words, middle, built)))
    assert control[0].exit_code != 0
    r, rows = run_json(profile_file, _rule_template(tmp_path, _arn(words, middle, built)))
    assert r.exit_code != 0
    assert sorted(x.get("status") for x in rows) == sorted(x.get("status") for x in control[1])
