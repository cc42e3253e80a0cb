"""A carrier's SageMaker call naming an existing resource, under the process guard (trial 14b F07).

An EventBridge Scheduler universal target ``arn:aws:scheduler:::aws-sdk:sagemaker:startNotebookInstance`` (its
``Input`` the request), a Step Functions AWS SDK task and an SSM Automation ``aws:executeAwsApi`` step starting an
EXISTING closed notebook (or ``createEndpoint`` of an existing closed endpoint config) were refused as "cannot be
verified before deployment ... Write the value in the source (or give it as a template parameter ...)", though the
same call sent directly is described (``DescribeNotebookInstance``, ``DescribeEndpointConfig`` + ``DescribeModel``)
and sent. docs/hooks.md ("Every decided call inside a carrier"): "decided exactly as the guard decides that
operation sent directly ... one that runs or follows something a service keeps ... is decided by the process guard
as the request it is, with the same reads". ``safemaker check`` (no AWS access) still reports it unverifiable.

Real botocore clients against moto on 127.0.0.1 (real HTTP). Oracles: botocore's scheduler model (``Target.Input``),
the EventBridge Scheduler user guide ("Using universal targets"), the direct call's own decision and what the local
backend received.
"""

from __future__ import annotations

import json

import pytest

import safemaker
from safemaker.errors import GuardrailViolation

from _profiles import ROLE, SG, SUB_A, VPC_CONFIG

SUB_X = "subnet-0123456789abcdef0"
IMG = "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1"
CARRIER_ROLE = "arn:aws:iam::123456789012:role/carrier"
SCHEDULE = {"ScheduleExpression": "cron(0 8 ? * MON-FRI *)", "FlexibleTimeWindow": {"Mode": "OFF"}}
CLOSED_NB = {"InstanceType": "ml.t3.medium", "RoleArn": ROLE, "SubnetId": SUB_A, "SecurityGroupIds": [SG],
             "DirectInternetAccess": "Disabled", "RootAccess": "Disabled"}
OPEN_NB = {"InstanceType": "ml.t3.medium", "RoleArn": ROLE, "DirectInternetAccess": "Enabled"}


@pytest.fixture()
def existing(safemaker_session):
    """Made before the guard: a closed and an open notebook, a closed and an open model with an endpoint config."""
    sm = safemaker_session.client("sagemaker")
    sm.create_notebook_instance(NotebookInstanceName="closednb", **CLOSED_NB)
    sm.create_notebook_instance(NotebookInstanceName="opennb", **OPEN_NB)
    for kind, extra in (("closed", {"VpcConfig": VPC_CONFIG, "EnableNetworkIsolation": True}),
                        ("open", {"EnableNetworkIsolation": False})):
        sm.create_model(ModelName=f"{kind}model", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMG}, **extra)
        sm.create_endpoint_config(EndpointConfigName=f"{kind}ec", ProductionVariants=[{
            "VariantName": "v", "ModelName": f"{kind}model", "InstanceType": "ml.m5.large",
            "InitialInstanceCount": 1}])


def _universal(action, request):
    return {"Arn": f"arn:aws:scheduler:::aws-sdk:sagemaker:{action}", "RoleArn": CARRIER_ROLE,
            "Input": json.dumps(request)}


def _carriers(session, action, request):
    """(name, send, received) of each carrier calling ``sagemaker:<action>`` with ``request``."""
    api = action[0].upper() + action[1:]
    sch, sfn, ssm = (session.client(s) for s in ("scheduler", "stepfunctions", "ssm"))
    definition = json.dumps({"StartAt": "S", "States": {"S": {
        "Type": "Task", "Resource": f"arn:aws:states:::aws-sdk:sagemaker:{action}", "Parameters": request,
        "End": True}}})
    runbook = json.dumps({"schemaVersion": "0.3", "mainSteps": [{
        "name": "s", "action": "aws:executeAwsApi", "inputs": {"Service": "sagemaker", "Api": api, **request}}]})
    return [
        ("schedule", lambda: sch.create_schedule(Name=f"s-{action}", Target=_universal(action, request), **SCHEDULE),
         ("scheduler", "CreateSchedule")),
        ("state-machine", lambda: sfn.create_state_machine(name=f"m-{action}", definition=definition, roleArn=CARRIER_ROLE),
         ("stepfunctions", "CreateStateMachine")),
        ("runbook", lambda: ssm.create_document(Name=f"rb-{action}", Content=runbook, DocumentType="Automation",
                                                DocumentFormat="JSON"), ("ssm", "CreateDocument")),
    ]


def _decided(exc, api):
    """(found, rule) of each violation: the path after the carried call (what the direct call reports)."""
    return sorted((v.path.rsplit(f"{api}.", 1)[-1], repr(v.found), v.rule_id) for v in exc.value.violations)


@pytest.mark.parametrize("action, request_, reads", [
    ("startNotebookInstance", {"NotebookInstanceName": "closednb"}, [("DescribeNotebookInstance", 1)]),
    ("createEndpoint", {"EndpointName": "e", "EndpointConfigName": "closedec"},
     [("DescribeEndpointConfig", 1), ("DescribeModel", 1)]),
], ids=["start-notebook", "create-endpoint"])
def test_a_carried_call_of_an_existing_closed_resource_is_described_and_sent(
        safemaker_local, safemaker_session, profile, existing, action, request_, reads):
    safemaker.install_process(profile)
    for name, send, (service, op) in _carriers(safemaker_session, action, request_):
        safemaker_local.reset_requests()
        send()
        assert safemaker_local.request_count(service, op) == 1, name
        for read, n in reads:   # the same reads the direct call makes
            assert safemaker_local.request_count("sagemaker", read) >= n, (name, read)
    # the direct call: sent too
    getattr(safemaker_session.client("sagemaker"), {"startNotebookInstance": "start_notebook_instance",
                                                    "createEndpoint": "create_endpoint"}[action])(**request_)


@pytest.mark.parametrize("action, request_", [
    ("startNotebookInstance", {"NotebookInstanceName": "opennb"}),
    ("createEndpoint", {"EndpointName": "e", "EndpointConfigName": "openec"}),
    ("startNotebookInstance", {"NotebookInstanceName": "nosuchnb"}),
], ids=["open-notebook", "open-model", "missing-notebook"])
def test_a_carried_call_of_an_open_or_missing_resource_is_refused_as_the_direct_call(
        safemaker_local, safemaker_session, profile, existing, action, request_):
    safemaker.install_process(profile)
    api = action[0].upper() + action[1:]
    sm = safemaker_session.client("sagemaker")
    with pytest.raises(GuardrailViolation) as direct:
        getattr(sm, {"StartNotebookInstance": "start_notebook_instance", "CreateEndpoint": "create_endpoint"}[api])(
            **request_)
    for name, send, (service, op) in _carriers(safemaker_session, action, request_):
        safemaker_local.reset_requests()
        with pytest.raises(GuardrailViolation) as carried:
            send()
        assert _decided(carried, api) == _decided(direct, api), name
        assert all(f"-> {api}." in v.path for v in carried.value.violations), name
        text = str(carried.value)
        # run-time wording: no template or "before deployment" advice to a boto3 caller
        assert "template" not in text and "before deployment" not in text, (name, text)
        assert safemaker_local.request_count(service, op) == 0, name
    assert safemaker_local.request_count("sagemaker", api) == 0


def test_check_without_aws_still_reports_the_existing_resource_unverifiable(tmp_path, profile):
    """``safemaker check`` has no AWS access: the notebook the schedule starts cannot be read there."""
    from safemaker.iac.scan import check_paths

    template = {"Resources": {"S": {"Type": "AWS::Scheduler::Schedule", "Properties": {
        **SCHEDULE, "Target": _universal("startNotebookInstance", {"NotebookInstanceName": "closednb"})}}}}
    path = tmp_path / "schedule.json"
    path.write_text(json.dumps(template))
    findings = check_paths([path], profile)
    assert [(f.status, f.path) for f in findings] == [("UNKNOWN", "Target.Input.NotebookInstanceName")]
    assert "cannot be verified before deployment" in str(findings[0].found)
