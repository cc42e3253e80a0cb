"""A carrier's call run under another account (trial 15c F11): cannot be verified when it is decided by describing.

Step Functions API reference, ``TaskCredentials.roleArn``: "The ARN of an IAM role that Step Functions assumes for
the task. The role can allow cross-account access to resources" (Amazon States Language, Task state
``Credentials``). A task ``aws-sdk:sagemaker:startNotebookInstance`` of ``closednb`` under a role of account
999999999999 starts *that* account's ``closednb``; the guard's ``DescribeNotebookInstance`` (its own credentials,
its own account) read this account's. So such a task -- or one whose role is known only at run time (``RoleArn.$``,
JSONata) -- cannot be verified when its call is decided by describing what it names; a role of this account keeps
the decision, and a call decided from what it writes alone (``CreateModel`` in full) is decided as before.

Systems Manager API reference, StartAutomationExecution ``TargetLocations``: "A location is a combination of
Amazon Web Services Regions and/or Amazon Web Services accounts where you want to run the automation": the same.

Real botocore clients against moto on 127.0.0.1; ``safemaker check`` of a CloudFormation template.
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

import safemaker
from safemaker.errors import GuardrailViolation

from _profiles import ROLE, SG, SUB_A, VPC_CONFIG
from test_iac_cli import profile_file, run_json  # noqa: F401  (profile_file: fixture)

IMG = "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1"
CARRIER_ROLE = "arn:aws:iam::123456789012:role/carrier"
OWN = "arn:aws:iam::123456789012:role/TaskRole"
OTHER = "arn:aws:iam::999999999999:role/TaskRole"
CLOSED_NB = {"InstanceType": "ml.t3.medium", "RoleArn": ROLE, "SubnetId": SUB_A, "SecurityGroupIds": [SG],
             "DirectInternetAccess": "Disabled", "RootAccess": "Disabled"}
START_NB = ("startNotebookInstance", {"NotebookInstanceName": "closednb"})
CLOSED_MODEL = ("createModel", {"ModelName": "m2", "ExecutionRoleArn": ROLE, "PrimaryContainer": {"Image": IMG},
                                "VpcConfig": VPC_CONFIG, "EnableNetworkIsolation": True})


@pytest.fixture()
def closednb(safemaker_session):
    safemaker_session.client("sagemaker").create_notebook_instance(NotebookInstanceName="closednb", **CLOSED_NB)


def _machine(call, credentials, jsonata=False):
    action, request = call
    state = {"Type": "Task", "Resource": f"arn:aws:states:::aws-sdk:sagemaker:{action}", "End": True,
             ("Arguments" if jsonata else "Parameters"): request}
    if credentials is not None:
        state["Credentials"] = credentials
    top = {"QueryLanguage": "JSONata"} if jsonata else {}
    return json.dumps({**top, "StartAt": "S", "States": {"S": state}})


@pytest.mark.parametrize("credentials, jsonata", [
    (None, False), ({"RoleArn": OWN}, False), ({"RoleArn": OWN}, True)], ids=["none", "own-account", "own-jsonata"])
def test_a_task_in_this_account_keeps_its_decision(safemaker_local, safemaker_session, profile, closednb,
                                                   credentials, jsonata):
    safemaker.install_process(profile)
    sfn = safemaker_session.client("stepfunctions")
    sfn.create_state_machine(name="m", definition=_machine(START_NB, credentials, jsonata), roleArn=CARRIER_ROLE)
    assert safemaker_local.request_count("stepfunctions", "CreateStateMachine") == 1
    assert safemaker_local.request_count("sagemaker", "DescribeNotebookInstance") >= 1


@pytest.mark.parametrize("credentials, jsonata, shown", [
    ({"RoleArn": OTHER}, False, OTHER),
    ({"RoleArn.$": "$.role"}, False, "$.role"),
    ({"RoleArn": "{% $states.input.role %}"}, True, "$states.input.role"),
], ids=["other-account", "jsonpath", "jsonata"])
def test_a_task_under_another_or_run_time_role_cannot_be_verified(safemaker_local, safemaker_session, profile,
                                                                 closednb, credentials, jsonata, shown):
    safemaker.install_process(profile)
    sfn = safemaker_session.client("stepfunctions")
    with pytest.raises(GuardrailViolation) as exc:
        sfn.create_state_machine(name="m", definition=_machine(START_NB, credentials, jsonata), roleArn=CARRIER_ROLE)
    assert safemaker_local.request_count("stepfunctions", "CreateStateMachine") == 0
    # the role's finding (and, as the call is not followed, the name it gives: not this account's to describe)
    assert {v.rule_id for v in exc.value.violations} == {"SM-REFERENCE"}
    assert any(shown in repr(v.found) and "Credentials.RoleArn" in repr(v.found) for v in exc.value.violations)


def test_a_call_decided_from_what_it_writes_is_decided_as_before_under_another_role(
        safemaker_local, safemaker_session, profile):
    safemaker.install_process(profile)
    sfn = safemaker_session.client("stepfunctions")
    sfn.create_state_machine(name="m", definition=_machine(CLOSED_MODEL, {"RoleArn": OTHER}), roleArn=CARRIER_ROLE)
    assert safemaker_local.request_count("stepfunctions", "CreateStateMachine") == 1
    open_model = ("createModel", {**CLOSED_MODEL[1], "EnableNetworkIsolation": False})
    with pytest.raises(GuardrailViolation) as exc:
        sfn.create_state_machine(name="m2", definition=_machine(open_model, {"RoleArn": OTHER}), roleArn=CARRIER_ROLE)
    assert "SM-REFERENCE" not in {v.rule_id for v in exc.value.violations}


def _runbook(safemaker_session):
    safemaker_session.client("ssm").create_document(Name="startnb", DocumentType="Automation", Content=json.dumps({
        "schemaVersion": "0.3", "mainSteps": [{"name": "a", "action": "aws:executeAwsApi", "inputs": {
            "Service": "sagemaker", "Api": "StartNotebookInstance", "NotebookInstanceName": "closednb"}}]}))


@pytest.mark.parametrize("locations", [
    [{"Accounts": ["999999999999"], "Regions": ["us-east-1"]}],
    [{"Accounts": ["123456789012"], "Regions": ["us-west-2"]}],
    [{"Accounts": ["ou-abcd-12345678"], "Regions": ["us-east-1"], "IncludeChildOrganizationUnits": True}],
], ids=["other-account", "other-region", "organizational-unit"])
def test_an_automation_run_in_other_locations_cannot_be_verified(safemaker_local, safemaker_session, profile,
                                                                closednb, locations):
    _runbook(safemaker_session)
    safemaker.install_process(profile)
    with pytest.raises(GuardrailViolation) as exc:
        safemaker_session.client("ssm").start_automation_execution(DocumentName="startnb", TargetLocations=locations)
    assert safemaker_local.request_count("ssm", "StartAutomationExecution") == 0
    assert {v.rule_id for v in exc.value.violations} == {"SM-REFERENCE"}
    assert any("TargetLocations" in repr(v.found) for v in exc.value.violations)


def test_an_automation_in_this_account_and_region_keeps_its_decision(safemaker_local, safemaker_session, profile,
                                                                    closednb):
    _runbook(safemaker_session)
    safemaker.install_process(profile)
    try:
        safemaker_session.client("ssm").start_automation_execution(
            DocumentName="startnb", TargetLocations=[{"Accounts": ["123456789012"], "Regions": ["us-east-1"]}])
    except ClientError:   # moto's support of TargetLocations; the guard let it through
        pass
    assert safemaker_local.request_count("ssm", "StartAutomationExecution") >= 1   # sent (moto may retry its 500)


def _parent_runbook(**inputs):
    return json.dumps({"schemaVersion": "0.3", "mainSteps": [
        {"name": "x", "action": "aws:executeAutomation", "inputs": {"DocumentName": "startnb", **inputs}}]})


@pytest.mark.parametrize("inputs", [
    {"TargetLocations": [{"Accounts": ["999999999999"], "Regions": ["us-east-1"]}]},
    {"TargetLocations": [{"Accounts": ["123456789012"], "Regions": ["us-west-2"]}]},
    {"TargetLocations": "{{ Where }}"},
], ids=["other-account", "other-region", "run-time"])
def test_a_runbook_step_running_a_runbook_elsewhere_cannot_be_verified(safemaker_local, safemaker_session, profile,
                                                                      closednb, inputs):
    # Automation action reference, aws:executeAutomation: its inputs are StartAutomationExecution's (TargetLocations
    # among them): the step is decided as that call sent directly (trial 16 F05)
    _runbook(safemaker_session)
    safemaker.install_process(profile)
    with pytest.raises(GuardrailViolation) as exc:
        safemaker_session.client("ssm").create_document(Name="parent", DocumentType="Automation",
                                                        Content=_parent_runbook(**inputs))
    assert safemaker_local.request_count("ssm", "CreateDocument") == 1   # the child's, before the guard
    assert {v.rule_id for v in exc.value.violations} == {"SM-REFERENCE"}
    assert any("TargetLocations" in repr(v.found) + v.fix for v in exc.value.violations)


@pytest.mark.parametrize("inputs", [
    {}, {"TargetLocations": [{"Accounts": ["123456789012"], "Regions": ["us-east-1"]}],
         "RuntimeParameters": {"x": ["y"]}, "MaxConcurrency": "1"},
], ids=["here", "this-account-and-region"])
def test_a_runbook_step_running_a_runbook_here_keeps_its_decision(safemaker_local, safemaker_session, profile,
                                                                  closednb, inputs):
    _runbook(safemaker_session)
    safemaker.install_process(profile)
    safemaker_session.client("ssm").create_document(Name="parent", DocumentType="Automation",
                                                    Content=_parent_runbook(**inputs))
    assert safemaker_local.request_count("ssm", "CreateDocument") == 2
    assert safemaker_local.request_count("sagemaker", "DescribeNotebookInstance") >= 1


def _template(tmp_path, credentials):
    state = {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sagemaker:startNotebookInstance", "End": True,
             "Parameters": {"NotebookInstanceName": {"Fn::GetAtt": ["Nb", "NotebookInstanceName"]}}}
    if credentials is not None:
        state["Credentials"] = credentials
    template = {"Resources": {
        "Nb": {"Type": "AWS::SageMaker::NotebookInstance", "Properties": {
            **CLOSED_NB, "SubnetId": "subnet-0aaaaaaaaaaaaaaaa", "SecurityGroupIds": ["sg-0bbbbbbbbbbbbbbbb"],
            "RoleArn": "arn:aws:iam::123456789012:role/SageMakerExecRole"}},
        "Sm": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
            "RoleArn": CARRIER_ROLE, "Definition": {"StartAt": "S", "States": {"S": state}}}}}}
    f = tmp_path / "t.json"
    f.write_text(json.dumps(template, indent=1))
    return str(f)


@pytest.mark.parametrize("credentials, exit_code", [
    (None, 0), ({"RoleArn": OWN}, 0), ({"RoleArn": OTHER}, 3), ({"RoleArn.$": "$.role"}, 3),
], ids=["none", "own-account", "other-account", "jsonpath"])
def test_check_reports_a_task_under_another_account_s_role(profile_file, tmp_path, credentials, exit_code):
    r, rows = run_json(profile_file, _template(tmp_path, credentials))
    assert r.exit_code == exit_code, r.output
    if exit_code:
        assert [(x["status"], x["rule_id"], x["logical_id"]) for x in rows] == [("UNKNOWN", "SM-REFERENCE", "Sm")]
        assert "Credentials.RoleArn" in rows[0]["found"] + rows[0]["fix"]


def _plan(tmp_path, credentials):
    state = {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sagemaker:startNotebookInstance", "End": True,
             "Parameters": {"NotebookInstanceName": "closednb"}, "Credentials": credentials}
    plan = {"format_version": "1.2", "resource_changes": [{
        "address": "aws_sfn_state_machine.m", "mode": "managed", "type": "aws_sfn_state_machine", "name": "m",
        "change": {"actions": ["create"], "before": None, "after_unknown": {}, "after": {
            "name": "m", "role_arn": CARRIER_ROLE,
            "definition": json.dumps({"StartAt": "S", "States": {"S": state}})}}}]}
    f = tmp_path / "plan.json"
    f.write_text(json.dumps(plan, indent=1))
    return str(f)


@pytest.mark.parametrize("credentials, reported", [
    ({"RoleArn": OWN}, False), ({"RoleArn": OTHER}, True)], ids=["own-account", "other-account"])
def test_check_reads_a_terraform_state_machine_task_s_credentials(profile_file, tmp_path, credentials, reported):
    r, rows = run_json(profile_file, _plan(tmp_path, credentials))
    assert r.exit_code == 3, r.output   # an existing notebook named by a source is never verified before deployment
    assert any("Credentials.RoleArn" in x["found"] for x in rows) == reported, rows
