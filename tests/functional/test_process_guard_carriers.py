"""A carrier calling an operation the process guard decides: decided as that call sent directly (trial 11 F04).

A Step Functions AWS SDK task (``arn:aws:states:::aws-sdk:<service>:<action>``), an EventBridge Scheduler universal
target (``arn:aws:scheduler:::aws-sdk:<service>:<action>``, its ``Input`` the request) and an SSM Automation
``aws:executeAwsApi`` step (``Service`` / ``Api``, its other inputs the request) call any AWS API. A guarded process
refused ``servicecatalog ProvisionProduct`` sent directly but sent a state machine, a schedule or a runbook calling
it (and ``safemaker check`` found nothing in one), because the calls read inside carriers were a hand-kept list.

The class test takes every (service, operation) from the process guard's own table
(:data:`safemaker.other_services.DECIDED_OPERATIONS`, and CloudFormation's
:data:`safemaker.iac.stack_calls.DECIDED_OPERATIONS`), builds a request from botocore's input shape (its required
members, with values that make the guard follow or refuse where the operation has such members), sends it directly
through the process guard to the local backend (moto on 127.0.0.1, real HTTP) for the expected outcome (refused:
``GuardrailViolation`` and nothing of it received; sent: received), then sends each carrier calling it and asserts
the same outcome. ``safemaker check`` of a template whose state machine calls it reports a finding whenever the
direct call is refused (a source read on its own cannot read what exists elsewhere).

Oracles: botocore's service models (operations, input shapes, ``serviceId``), the Step Functions Developer Guide
("Learning to use AWS service SDK integrations": ``arn:aws:states:::aws-sdk:serviceName:apiAction``; "Parameters in
Step Functions are expressed in PascalCase"), the EventBridge Scheduler User Guide ("Using universal targets": "The
service value in the universal target ARN must match the AWS SDK service identifier for the target service ... use
cognitoidentityprovider (not cognito-idp)"), the Systems Manager Automation action reference (``aws:executeAwsApi``:
``Service`` is the boto3 client name).
"""

from __future__ import annotations

import json
from typing import Any

import botocore.session
import pytest
from botocore import xform_name
from botocore.config import Config

import safemaker
from safemaker.errors import GuardrailViolation
from safemaker.decided_as import DECIDED_AS
from safemaker.iac import stack_calls
from safemaker.other_services import DECIDED_OPERATIONS

from _profiles import ROLE, SG, SUB_A, VPC_CONFIG, open_then_closed_pipeline, training_job_request
from _other_services import notebook_runbook as nb_runbook, notebook_state_machine as nb_machine
from test_iac_cli import profile_file, run_json  # noqa: F401  (profile_file: fixture)

ACCOUNT = "123456789012"
CARRIER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/carrier"
ONE_ATTEMPT = Config(retries={"total_max_attempts": 1}, inject_host_prefix=False)
CLOSED_NB = {"NotebookInstanceName": "nb", "InstanceType": "ml.t3.medium", "RoleArn": ROLE, "SubnetId": SUB_A,
             "SecurityGroupIds": [SG], "DirectInternetAccess": "Disabled", "RootAccess": "Disabled"}
OPEN_NB = {"NotebookInstanceName": "nb", "InstanceType": "ml.t3.medium", "RoleArn": ROLE,
           "DirectInternetAccess": "Enabled"}
SESSION = botocore.session.get_session()
PIPELINE = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:pipeline/p"

DECIDED = sorted({(s, op) for s, ops in DECIDED_OPERATIONS.items() for op in ops}
                 | {("cloudformation", op) for op in stack_calls.DECIDED_OPERATIONS}
                 | set(DECIDED_AS))   # trial 15 F03: a SageMaker call the hook decides as the call it makes run


def nb_template(params):
    return json.dumps({"Resources": {"Nb": {"Type": "AWS::SageMaker::NotebookInstance", "Properties": {
        k: v for k, v in params.items() if k != "NotebookInstanceName"}}}})


def _value(shape, name):
    """A value botocore's validation accepts for ``shape`` (required members only)."""
    t = shape.type_name
    if t == "structure":
        return {m: _value(shape.members[m], m) for m in shape.required_members}
    if t == "list":
        return [_value(shape.member, name)] * max(1, shape.metadata.get("min", 1))
    if t == "map":
        return {}
    if t in ("integer", "long"):
        return max(1, int(shape.metadata.get("min", 1)))
    if t in ("double", "float"):
        return 1.0
    if t == "boolean":
        return True
    if t == "blob":
        return "eA=="
    if t == "timestamp":
        return "2030-01-01T00:00:00Z"
    if shape.enum:
        return shape.enum[0]
    return "x" * max(1, int(shape.metadata.get("min", 1)))


def generated(service, op):
    return _value(SESSION.get_service_model(service).operation_model(op).input_shape, op)


def cases(closed):
    """Values that make the guard follow or refuse (the rest of each request is generated from the input shape):
    open content, or (``closed``) the same content closed, so that both decisions are compared."""
    nb = CLOSED_NB if closed else OPEN_NB
    sm = f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:{'closed' if closed else 'open'}"
    rb = "ClosedRb" if closed else "OpenRb"
    universal = {"Arn": "arn:aws:scheduler:::aws-sdk:sagemaker:createNotebookInstance", "RoleArn": CARRIER_ROLE,
                 "Input": json.dumps(nb)}
    scaled = ({"ServiceNamespace": "ecs", "ResourceId": "service/c/s", "ScalableDimension": "ecs:service:DesiredCount"}
              if closed else {"ServiceNamespace": "sagemaker", "ResourceId": "endpoint/gone/variant/v",
                              "ScalableDimension": "sagemaker:variant:DesiredInstanceCount"})
    out = {
        ("cloudcontrol", "CreateResource"): {"TypeName": "AWS::SageMaker::NotebookInstance", "DesiredState": json.dumps(
            {k: v for k, v in nb.items() if k != "NotebookInstanceName"})},
        ("stepfunctions", "CreateStateMachine"): {"definition": nb_machine(nb), "roleArn": CARRIER_ROLE},
        ("stepfunctions", "UpdateStateMachine"): {"definition": nb_machine(nb)},
        ("stepfunctions", "TestState"): {"definition": nb_machine(nb), "stateName": "S"},
        ("stepfunctions", "StartExecution"): {"stateMachineArn": sm},
        ("stepfunctions", "StartSyncExecution"): {"stateMachineArn": sm},
        ("scheduler", "CreateSchedule"): {"Target": universal},
        ("scheduler", "UpdateSchedule"): {"Target": universal},
        ("events", "PutTargets"): {"Targets": [{"Id": "1", "Arn": sm, "RoleArn": CARRIER_ROLE}]},
        ("pipes", "CreatePipe"): {"Target": sm},
        ("pipes", "UpdatePipe"): {"Target": sm},
        ("ssm", "CreateDocument"): {"Content": nb_runbook(nb), "DocumentType": "Automation"},
        ("ssm", "UpdateDocument"): {"Content": nb_runbook(nb)},
        ("ssm", "StartAutomationExecution"): {"DocumentName": rb},
        ("ssm", "CreateAssociation"): {"Name": rb},
        ("ssm", "RegisterTaskWithMaintenanceWindow"): {"TaskType": "AUTOMATION", "TaskArn": rb},
        ("codepipeline", "CreatePipeline"): {"pipeline": {
            "name": "p", "roleArn": CARRIER_ROLE, "artifactStore": {"type": "S3", "location": "b"}, "stages": [
                {"name": "S", "actions": [{"name": "a", "actionTypeId": {
                    "category": "Invoke", "owner": "AWS", "provider": "StepFunctions", "version": "1"},
                    "configuration": {"StateMachineArn": sm}}]}]}},
        ("config", "PutRemediationConfigurations"): {"RemediationConfigurations": [
            {"ConfigRuleName": "r", "TargetType": "SSM_DOCUMENT", "TargetId": rb}]},
        ("servicecatalog", "CreateServiceAction"): {"DefinitionType": "SSM_AUTOMATION", "Definition": {"Name": rb}},
        ("sagemaker-a2i-runtime", "StartHumanLoop"): {
            "FlowDefinitionArn": f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:flow-definition/gone"},
        ("application-autoscaling", "RegisterScalableTarget"): {**scaled, "MaxCapacity": 8},
        ("application-autoscaling", "PutScheduledAction"): {**scaled, "ScalableTargetAction": {"MaxCapacity": 8}},
        ("application-autoscaling", "PutScalingPolicy"): scaled,
        # trial 12 F03: the service job's payload is the CreateTrainingJob request
        # re-pointing a name earlier starts run by (safemaker.decided_as): pipeline p's version 1 is open, 2 closed
        ("sagemaker", "UpdatePipelineVersion"): {"PipelineArn": PIPELINE, "PipelineVersionId": 2 if closed else 1,
                                                 "PipelineVersionAliasOperations": {"Add": ["prod"]}},
        ("ssm", "UpdateDocumentDefaultVersion"): {"Name": rb, "DocumentVersion": "1"},
        ("batch", "SubmitServiceJob"): {"serviceJobType": "SAGEMAKER_TRAINING", "serviceRequestPayload": json.dumps(
            training_job_request("t", EnableNetworkIsolation=True, VpcConfig=VPC_CONFIG,
                                 EnableInterContainerTrafficEncryption=True) if closed
            else training_job_request("t", EnableNetworkIsolation=False))},
    }
    for op in ("CreateStack", "UpdateStack", "CreateChangeSet", "CreateStackSet", "UpdateStackSet"):
        out[("cloudformation", op)] = {"TemplateBody": nb_template(nb)}
    return out


OPEN, CLOSED = cases(False), cases(True)
del CLOSED[("sagemaker-a2i-runtime", "StartHumanLoop")]  # moto has no flow definitions: none can be described


def request(service, op, closed=False):
    # only the members botocore's input shape has (the closed variants rewrite values, not names)
    members = SESSION.get_service_model(service).operation_model(op).input_shape.members
    extra = (CLOSED if closed else OPEN).get((service, op), {})
    return {**generated(service, op), **{k: v for k, v in extra.items() if k in members}}


def integration_name(service):
    """The AWS SDK service identifier in lower case (botocore's serviceId without spaces): what Step Functions and
    Scheduler universal targets name a service by."""
    return SESSION.get_service_model(service).metadata["serviceId"].replace(" ", "").lower()


def pascal(params):
    return {k[0].upper() + k[1:]: v for k, v in params.items()}


def carriers(service, op, params, n):
    action = op[0].lower() + op[1:]
    task = {"StartAt": "A", "States": {"A": {
        "Type": "Task", "End": True, "Resource": f"arn:aws:states:::aws-sdk:{integration_name(service)}:{action}",
        "Parameters": pascal(params)}}}
    return {
        ("stepfunctions", "CreateStateMachine"): {"name": f"c{n}", "definition": json.dumps(task),
                                                  "roleArn": CARRIER_ROLE},
        ("scheduler", "CreateSchedule"): {
            "Name": f"c{n}", "ScheduleExpression": "rate(1 day)", "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {"Arn": f"arn:aws:scheduler:::aws-sdk:{integration_name(service)}:{action}",
                       "RoleArn": CARRIER_ROLE, "Input": json.dumps(params)}},
        ("ssm", "CreateDocument"): {
            "Name": f"c{n}", "DocumentType": "Automation", "DocumentFormat": "JSON",
            "Content": json.dumps({"schemaVersion": "0.3", "mainSteps": [{
                "name": "call", "action": "aws:executeAwsApi", "inputs": {"Service": service, "Api": op, **params}}]})},
    }


_CLIENTS: dict[str, Any] = {}
"""The test's clients by service (:func:`client`), emptied before and after each test (:func:`_own_clients`)."""


@pytest.fixture(autouse=True)
def _own_clients():
    _CLIENTS.clear()
    yield
    _CLIENTS.clear()


def client(session, service):
    """One client per service and test, of the test's session, made at its first call (after the test installed
    the process guard), not one per call: a client's creation (botocore's, the guard's registration, the guard's own
    clients that read a carrier's definition, kept per guarded client) was a quarter of the module's CPU."""
    made = _CLIENTS.get(service)
    if made is None or made[0] is not session:
        made = _CLIENTS[service] = (session, session.client(service, config=ONE_ATTEMPT))
    return made[1]


def outcome(backend, session, service, op, params):
    """``"refused"`` (GuardrailViolation, nothing of it received) or ``"sent"`` (it reached the backend)."""
    before = backend.request_count(service, op)
    try:
        getattr(client(session, service), xform_name(op))(**params)
    except GuardrailViolation:
        assert backend.request_count(service, op) == before
        return "refused"
    except Exception:  # noqa: BLE001 - moto answers an operation it lacks (or a generated value) with an error
        pass
    return "sent"


def _make(backend):
    sfn = backend.session.client("stepfunctions")
    for name, params in (("open", OPEN_NB), ("closed", CLOSED_NB)):
        sfn.create_state_machine(name=name, definition=nb_machine(params), roleArn=CARRIER_ROLE)
    ssm = backend.session.client("ssm")
    for name, params in (("OpenRb", OPEN_NB), ("ClosedRb", CLOSED_NB)):
        ssm.create_document(Name=name, DocumentType="Automation", DocumentFormat="JSON", Content=nb_runbook(params))
    assert open_then_closed_pipeline(backend.session.client("sagemaker"), "p") == PIPELINE


@pytest.fixture()
def made(safemaker_local, safemaker_local_pool):
    """Open and closed state machines and runbooks, and pipeline ``p`` (version 1 open, 2 closed), made before the
    guard (by someone else): made once per test process, then moto's state of that moment restored for each test (the
    pytest plugin's pool); the request log is empty afterwards."""
    safemaker_local_pool.state(safemaker_local, ("test_process_guard_carriers.made", safemaker_local.region),
                               lambda: _make(safemaker_local))


def test_the_table_is_the_guards_and_every_operation_is_in_botocores_models():
    assert len(DECIDED) >= 40
    for service, op in DECIDED:
        assert op in SESSION.get_service_model(service).operation_names, (service, op)
    # the spellings the carriers use (serviceId, lower case, no spaces) for the services whose name differs
    assert integration_name("stepfunctions") == "sfn" and integration_name("events") == "eventbridge"
    assert integration_name("application-autoscaling") == "applicationautoscaling"
    assert integration_name("sagemaker-a2i-runtime") == "sagemakera2iruntime"


@pytest.mark.parametrize("service,op", DECIDED, ids=[f"{s}:{o}" for s, o in DECIDED])
def test_each_carrier_decides_a_decided_call_as_the_guard_decides_it_sent_directly(
        safemaker_local, safemaker_session, profile, made, service, op):
    safemaker.install_process(profile)
    seen = set()
    variants = [False, True] if (service, op) in CLOSED else [False]
    for n, closed in enumerate(variants):
        params = request(service, op, closed)
        expected = outcome(safemaker_local, safemaker_session, service, op, params)
        seen.add(expected)
        for (carrier, carrier_op), carrier_params in carriers(service, op, params, f"{n}{op}").items():
            got = outcome(safemaker_local, safemaker_session, carrier, carrier_op, carrier_params)
            assert got == expected, (carrier, carrier_op, params)
    if (service, op) in CLOSED:   # the open content is refused, the closed one sent: both decisions compared
        assert seen == {"refused", "sent"}, seen


@pytest.mark.parametrize("service,op", DECIDED, ids=[f"{s}:{o}" for s, o in DECIDED])
def test_safemaker_check_flags_a_state_machine_calling_a_call_the_guard_refuses(
        safemaker_local, safemaker_session, profile, made, profile_file, tmp_path, service, op):
    safemaker.install_process(profile)
    params = request(service, op)
    refused = outcome(safemaker_local, safemaker_session, service, op, params) == "refused"
    safemaker.uninstall_process()
    machine = json.loads(carriers(service, op, params, 0)[("stepfunctions", "CreateStateMachine")]["definition"])
    f = tmp_path / "t.json"
    f.write_text(json.dumps({"Resources": {"Sm": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
        "RoleArn": CARRIER_ROLE, "Definition": machine}}}}))
    r, rows = run_json(profile_file, str(f))
    flagged = [x for x in rows if x.get("status") in ("FAIL", "UNKNOWN")]
    if refused:
        assert r.exit_code in (1, 2, 3) and (flagged or r.exit_code == 2), r.output


@pytest.mark.parametrize("spelling,flagged", [
    ("servicecatalog", True), ("ServiceCatalog", True), ("service-catalog", True),   # the SDK identifier, any case
    ("servicecatalogue", True),   # no AWS SDK service is spelled so: a decided operation under it fails closed
    ("sqs", False),               # a service the guard does not decide: the call is not read
])
def test_a_service_spelling_no_sdk_has_fails_closed_for_a_decided_operation(profile_file, tmp_path, spelling, flagged):
    task = {"StartAt": "A", "States": {"A": {
        "Type": "Task", "End": True, "Resource": f"arn:aws:states:::aws-sdk:{spelling}:provisionProduct",
        "Parameters": {"ProductId": "prod-abcdefghijklm", "ProvisionedProductName": "p"}}}}
    f = tmp_path / "t.json"
    f.write_text(json.dumps({"Resources": {"Sm": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
        "RoleArn": CARRIER_ROLE, "Definition": task}}}}))
    r, rows = run_json(profile_file, str(f))
    found = [(x["status"], x["rule_id"]) for x in rows if x.get("status")]
    assert found == ([("UNKNOWN", "SM-REFERENCE")] if flagged else []), r.output
    assert r.exit_code == (3 if flagged else 0), r.output


@pytest.mark.parametrize("members,flagged", [({"description": "d"}, False), ({"projectProfileVersion": "2"}, True)])
def test_check_reads_an_update_that_deploys_nothing_as_the_guard_does(profile_file, tmp_path, members, flagged):
    """DataZone UpdateProject deploys its profile's environments only with one of the deploying members
    (:data:`safemaker.iac.service_calls.UNSEEN_WHEN_GIVEN`): the same reading inside a carrier."""
    from safemaker.iac.service_calls import unseen

    assert (unseen("datazone", "UpdateProject", {"domainIdentifier": "d", "identifier": "p", **members})
            is not None) is flagged   # the process guard's reading of the same request
    task = {"StartAt": "A", "States": {"A": {
        "Type": "Task", "End": True, "Resource": "arn:aws:states:::aws-sdk:datazone:updateProject",
        "Parameters": pascal({"domainIdentifier": "d", "identifier": "p", **members})}}}
    f = tmp_path / "t.json"
    f.write_text(json.dumps({"Resources": {"Sm": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
        "RoleArn": CARRIER_ROLE, "Definition": task}}}}))
    r, rows = run_json(profile_file, str(f))
    assert [x["status"] for x in rows if x.get("status")] == (["UNKNOWN"] if flagged else []), r.output


@pytest.mark.parametrize("service,action,params,flagged", [
    ("ServiceCatalog", "provisionProduct", {"ProductId": "prod-abcdefghijklm", "ProvisionedProductName": "p"}, True),
    ("@aws-sdk/client-application-auto-scaling", "RegisterScalableTargetCommand",
     {"ServiceNamespace": "sagemaker", "ResourceId": "endpoint/e/variant/v",
      "ScalableDimension": "sagemaker:variant:DesiredInstanceCount", "MaxCapacity": 8}, True),
    ("ApplicationAutoScaling", "registerScalableTarget",
     {"ServiceNamespace": "ecs", "ResourceId": "service/c/s", "ScalableDimension": "ecs:service:DesiredCount"}, False),
    ("SQS", "sendMessage", {"QueueUrl": "q", "MessageBody": "m"}, False),
])
def test_a_cdk_custom_resource_calling_a_decided_operation_is_read_as_that_call(profile_file, tmp_path, service,
                                                                                action, params, flagged):
    """CDK AwsCustomResource (``Custom::AWS``): ``service`` an SDK v2 class or a v3 package, ``action`` a v2 method
    or a v3 command; the call is what its Lambda function sends, decided as the guard decides it."""
    f = tmp_path / "t.json"
    f.write_text(json.dumps({"Resources": {"Call": {"Type": "Custom::AWS", "Properties": {
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:f",
        "Create": json.dumps({"service": service, "action": action, "parameters": params,
                              "physicalResourceId": {"id": "x"}})}}}}))
    r, rows = run_json(profile_file, str(f))
    assert [(x["status"], x["rule_id"]) for x in rows if x.get("status")] == (
        [("UNKNOWN", "SM-REFERENCE")] if flagged else []), r.output
