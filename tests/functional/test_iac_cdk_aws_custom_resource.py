"""A CDK ``AwsCustomResource`` (``Custom::AWS``) is read as the AWS SDK calls it declares (trial 8 F10).

Oracle: the CDK API reference, ``aws-cdk-lib.custom_resources.AwsCustomResource`` ("Defines a custom resource
that is materialized using specific AWS API calls ... You can specify exactly which calls are invoked for the
'CREATE', 'UPDATE' and 'DELETE' life cycle events"; ``onUpdate`` "will also be called for a CREATE event") and
``AwsSdkCall`` (``service``, ``action``, ``parameters``); CDK synthesizes them as the properties ``Create`` /
``Update`` / ``Delete``, JSON text (``Fn::Join`` when a value is a token), and its handler accepts a service as
an SDK v2 name (``SageMaker``) or a v3 package (``@aws-sdk/client-sagemaker``) and an action as a v2 method
(``createNotebookInstance``), the API name or a v3 command (``CreateNotebookInstanceCommand``) (CDK
``normalizeServiceName`` / ``normalizeActionName``). The SageMaker API reference: CreateNotebookInstance
``DirectInternetAccess`` ``Enabled`` opens the notebook. Before, check said "nothing was checked" (exit 0) and a
guarded create_stack sent the template.
"""

from __future__ import annotations

import json

import pytest

from test_iac_cli import ROLE, profile_file, run_json  # noqa: F401  (profile_file: fixture)

CLOSED = {"NotebookInstanceName": "nb", "InstanceType": "ml.t3.medium", "RoleArn": ROLE,
          "DirectInternetAccess": "Disabled", "RootAccess": "Disabled", "SubnetId": "subnet-0aaaaaaaaaaaaaaaa",
          "SecurityGroupIds": ["sg-0bbbbbbbbbbbbbbbb"]}
OPEN = {**CLOSED, "DirectInternetAccess": "Enabled"}
HANDLER = "AWS679f53fac002430cb0da5b7982bd22872D164C4C"


def custom(member, call, rtype="Custom::AWS", text=True):
    return {"Resources": {"Nb": {"Type": rtype, "Properties": {
        "ServiceToken": {"Fn::GetAtt": [HANDLER, "Arn"]},
        member: json.dumps(call) if text else call, "InstallLatestAwsSdk": False}}}}


def write(tmp_path, template, name="t.json"):
    f = tmp_path / name
    f.write_text(json.dumps(template, indent=1))
    return f


@pytest.mark.parametrize("service, action", [
    ("SageMaker", "createNotebookInstance"),
    ("sagemaker", "CreateNotebookInstance"),
    ("@aws-sdk/client-sagemaker", "CreateNotebookInstanceCommand"),
])
@pytest.mark.parametrize("member", ["Create", "Update", "Delete"])
@pytest.mark.parametrize("text", [True, False], ids=["json-text", "object"])
def test_a_sagemaker_call_is_decided_as_that_request(profile_file, tmp_path, service, action, member, text):
    call = {"service": service, "action": action, "parameters": OPEN, "physicalResourceId": {"id": "nb"}}
    f = write(tmp_path, custom(member, call, text=text))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    assert [(x["status"], x["rule_id"], x["logical_id"], x["path"], x["found"]) for x in rows] == [
        ("FAIL", "SM-NB-DIRECT-INTERNET", "Nb", f"{member}.parameters.DirectInternetAccess", "Enabled")]
    line = f.read_text().splitlines().index(next(t for t in f.read_text().splitlines() if f'"{member}"' in t)) + 1
    assert rows[0]["line"] == line
    g = write(tmp_path, custom(member, {**call, "parameters": CLOSED}, text=text), "closed.json")
    r, rows = run_json(profile_file, str(g))
    assert (r.exit_code, [x for x in rows if x["status"] in ("FAIL", "UNKNOWN")]) == (0, [])


def test_a_custom_resource_type_name_does_not_matter(profile_file, tmp_path):
    # AwsCustomResourceProps.resourceType: "Cloudformation Resource type", default Custom::AWS
    call = {"service": "SageMaker", "action": "createNotebookInstance", "parameters": OPEN}
    r, rows = run_json(profile_file, str(write(tmp_path, custom("Create", call, rtype="Custom::MyNotebook"))))
    assert [(x["status"], x["found"]) for x in rows] == [("FAIL", "Enabled")]


def test_a_token_in_a_guarded_parameter_cannot_be_verified(profile_file, tmp_path):
    # CDK writes a call holding a token as Fn::Join of the JSON text around it
    head = json.dumps({"service": "SageMaker", "action": "createNotebookInstance",
                       "parameters": {**CLOSED, "SubnetId": "SUBNET"}}).split('"SUBNET"')
    template = custom("Create", {})
    template["Resources"]["Nb"]["Properties"]["Create"] = {"Fn::Join": ["", [
        head[0] + '"', {"Ref": "Sub"}, '"' + head[1]]]}
    template["Resources"]["Sub"] = {"Type": "AWS::EC2::Subnet", "Properties": {
        "VpcId": "vpc-0dddddddddddddddd", "CidrBlock": "10.0.0.0/24"}}
    r, rows = run_json(profile_file, str(write(tmp_path, template)))
    assert r.exit_code == 3
    assert [(x["status"], x["rule_id"], x["path"]) for x in rows] == [
        ("UNKNOWN", "SM-NET-SUBNET", "Create.parameters.SubnetId")]


@pytest.mark.parametrize("create, what", [
    ("not json {", "not JSON"),
    (json.dumps({"service": {"Ref": "Svc"}, "action": "x"}), "service or action"),
])
def test_a_call_that_cannot_be_read_cannot_be_verified(profile_file, tmp_path, create, what):
    template = custom("Create", {})
    template["Resources"]["Nb"]["Properties"]["Create"] = create
    r, rows = run_json(profile_file, str(write(tmp_path, template)))
    assert r.exit_code == 3
    assert [(x["status"], x["rule_id"], x["logical_id"], x["path"]) for x in rows] == [
        ("UNKNOWN", "SM-REFERENCE", "Nb", "Create")]
    assert what in rows[0]["found"]


def test_a_call_of_another_service_is_not_a_sagemaker_request(profile_file, tmp_path):
    call = {"service": "SSM", "action": "getParameter", "parameters": {"Name": "p"}}
    r, rows = run_json(profile_file, str(write(tmp_path, custom("Update", call))))
    assert (r.exit_code, [x for x in rows if x.get("status") in ("FAIL", "UNKNOWN")]) == (0, [])


def test_a_cloudformation_call_s_template_is_read(profile_file, tmp_path):
    body = json.dumps({"Resources": {"Open": {"Type": "AWS::SageMaker::NotebookInstance", "Properties": OPEN}}})
    call = {"service": "CloudFormation", "action": "createStack",
            "parameters": {"StackName": "s", "TemplateBody": body}}
    r, rows = run_json(profile_file, str(write(tmp_path, custom("Create", call))))
    assert r.exit_code == 3
    assert [(x["status"], x["logical_id"], x["path"], x["found"]) for x in rows] == [
        ("FAIL", "Nb/Create.parameters/Open", "DirectInternetAccess", "Enabled")]


def test_a_step_functions_call_s_definition_is_read(profile_file, tmp_path):
    # the JavaScript SDK's CreateStateMachineCommand takes the API's camelCase members (definition)
    inner = {"StartAt": "Nb", "States": {"Nb": {
        "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sagemaker:createNotebookInstance", "End": True,
        "Parameters": OPEN}}}
    call = {"service": "@aws-sdk/client-sfn", "action": "CreateStateMachineCommand",
            "parameters": {"name": "inner", "roleArn": ROLE, "definition": json.dumps(inner)}}
    r, rows = run_json(profile_file, str(write(tmp_path, custom("Create", call))))
    assert r.exit_code == 3
    assert [(x["status"], x["logical_id"], x["path"], x["found"]) for x in rows] == [
        ("FAIL", "Nb", "Create.parameters.definition.States.Nb.Parameters.DirectInternetAccess", "Enabled")]


OTHER_ACCOUNT_ROLE = "arn:aws:iam::210987654321:role/CrossAccount"


def _start_of_a_notebook(call_extra):
    """A notebook created closed, and a custom resource that starts it by name: decided by describing what it names
    (the notebook of this template), so it holds only where the guard can describe it."""
    call = {"service": "SageMaker", "action": "startNotebookInstance",
            "parameters": {"NotebookInstanceName": "nb"}, "physicalResourceId": {"id": "nb"}, **call_extra}
    return {"Resources": {
        "Book": {"Type": "AWS::SageMaker::NotebookInstance", "Properties": CLOSED},
        "Nb": {"Type": "Custom::AWS", "DependsOn": "Book", "Properties": {
            "ServiceToken": {"Fn::GetAtt": [HANDLER, "Arn"]}, "Create": json.dumps(call)}}}}


@pytest.mark.parametrize("call_extra, found", [
    ({}, None),
    ({"assumedRoleArn": ROLE}, None),
    ({"region": "us-east-1"}, None),
    ({"assumedRoleArn": OTHER_ACCOUNT_ROLE}, OTHER_ACCOUNT_ROLE),
    ({"assumedRoleArn": "not-a-role"}, "not-a-role"),
    ({"region": "eu-west-1"}, "eu-west-1"),
    ({"assumedRoleArn": ROLE, "region": "ap-northeast-1"}, "ap-northeast-1"),
], ids=["none", "own-account-role", "own-region", "other-account-role", "not-a-role", "other-region",
        "own-role-other-region"])
def test_a_call_made_in_another_account_or_region_cannot_be_verified(profile_file, tmp_path, call_extra, found):
    """CDK API reference, ``custom_resources.AwsSdkCall``: ``assumedRoleArn`` "Used for cross-account calls";
    ``region`` "The region to send service API call to. Default: - the region where the custom resource is
    deployed". A call run in another account or Region names that account's or Region's notebook, not the one the
    template creates here (the profile of test_iac_cli: account 123456789012, us-east-1)."""
    r, rows = run_json(profile_file, str(write(tmp_path, _start_of_a_notebook(call_extra))))
    flagged = [x for x in rows if x["status"] in ("FAIL", "UNKNOWN")]
    if found is None:
        assert (r.exit_code, flagged) == (0, [])
        return
    assert r.exit_code == 3, r.output
    assert [(x["status"], x["rule_id"], x["logical_id"]) for x in flagged] == [("UNKNOWN", "SM-REFERENCE", "Nb")]
    assert found in flagged[0]["found"]
    assert ("assumedRoleArn" if "region" not in call_extra else "Region") in flagged[0]["found"] + flagged[0]["fix"]


def test_a_guarded_create_stack_of_a_call_in_another_account_is_refused(safemaker_local, safemaker_session):
    """The process guard decides a stack's template by the same reading (``create_stack`` refused, nothing sent)."""
    import safemaker
    from safemaker import GuardrailViolation, VpcProfile

    profile = VpcProfile(region="us-east-1", vpc_id="vpc-0dddddddddddddddd", subnets=["subnet-0aaaaaaaaaaaaaaaa"],
                         security_group_ids=["sg-0bbbbbbbbbbbbbbbb"], execution_role_arn=ROLE)
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation")
    with pytest.raises(GuardrailViolation) as exc:
        cfn.create_stack(StackName="nb", TemplateBody=json.dumps(
            _start_of_a_notebook({"assumedRoleArn": OTHER_ACCOUNT_ROLE})))
    assert [v.rule_id for v in exc.value.violations] == ["SM-REFERENCE"]
    assert OTHER_ACCOUNT_ROLE in str(exc.value)
    assert safemaker_local.request_count("cloudformation") == 0
