"""A CDK ``CallAwsServiceCrossRegion`` task is read as the AWS SDK call it declares (trial 17 F02).

aws-cdk-lib ``aws-stepfunctions-tasks/lib/aws-sdk/call-aws-service-cross-region.ts``: the construct makes CDK's
singleton Lambda function (``CrossRegionAwsSdkSingletonFunction``, uuid ``8a0c93f3-dbef-4b71-ac13-7aaf2048ce7e``,
``lambdaPurpose: 'CrossRegionAwsSdk'``) call ``service`` ("in AWS SDK for JavaScript v3 format") / ``action``
("Use camelCase") with ``parameters`` in ``region``; ``_renderTask`` writes, for ``REQUEST_RESPONSE``,
``Resource: lambdaFunction.functionArn`` with Parameters ``{region, endpoint, action, service, parameters}``, and for
``WAIT_FOR_TASK_TOKEN`` ``Resource: arn:aws:states:::lambda:invoke.waitForTaskToken`` with
``{FunctionName, Payload: {region, endpoint, action, service, parameters}}``. The call is decided as an
``aws-sdk:<service>:<action>`` task's, in that region (a call decided by describing what it names, in a region other
than the profile's, cannot be verified, as for a CDK ``AwsCustomResource``'s ``region``). Before, ``safemaker check``
said "nothing was checked" and a guarded ``create_stack`` / ``create_state_machine`` was sent.
"""

from __future__ import annotations

import json

import pytest

import safemaker
from safemaker.errors import GuardrailViolation

from _profiles import ROLE, SG, SUB_A
from test_iac_cli import profile_file, run_json  # noqa: F401  (profile_file: fixture)

FN = "SingletonLambda8a0c93f3dbef4b71ac137aaf2048ce7e0D0F5F6B"
CLOSED = {"NotebookInstanceName": "nb", "InstanceType": "ml.t3.medium", "RoleArn": ROLE, "SubnetId": SUB_A,
          "SecurityGroupIds": [SG], "DirectInternetAccess": "Disabled", "RootAccess": "Disabled"}
OPEN = {**CLOSED, "DirectInternetAccess": "Enabled"}
SFN_ROLE = "arn:aws:iam::123456789012:role/sfn"


def payload(parameters=OPEN, service="sagemaker", action="createNotebookInstance", region="us-west-2"):
    out = {"region": region, "action": action, "service": service, "parameters": parameters}
    return {k: v for k, v in out.items() if v is not None}


def state(call, pattern="REQUEST_RESPONSE"):
    if pattern == "REQUEST_RESPONSE":
        return {"Type": "Task", "Resource": "RESOURCE", "Parameters": call, "End": True}
    return {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken", "End": True,
            "Parameters": {"FunctionName": "FUNCTION", "Payload": call}}


def template(call, pattern="REQUEST_RESPONSE"):
    """The state machine as CDK synthesizes it: the function's ARN a token, so the definition is Fn::Join."""
    text = json.dumps({"StartAt": "Call", "States": {"Call": state(call, pattern)}})
    token = "RESOURCE" if pattern == "REQUEST_RESPONSE" else "FUNCTION"
    head, tail = text.split(f'"{token}"')
    return {"Resources": {
        FN: {"Type": "AWS::Lambda::Function", "Properties": {
            "Code": {"S3Bucket": "cdk-assets", "S3Key": "a.zip"}, "Handler": "index.handler", "Role": ROLE,
            "Runtime": "nodejs20.x"}},
        "Sm": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {"RoleArn": SFN_ROLE, "DefinitionString": {
            "Fn::Join": ["", [head + '"', {"Fn::GetAtt": [FN, "Arn"]}, '"' + tail]]}}}}}


def check(profile_file, tmp_path, data):
    f = tmp_path / "t.json"
    f.write_text(json.dumps(data, indent=1))
    r, rows = run_json(profile_file, str(f))
    return r, sorted((x["status"], x["rule_id"], x["path"]) for x in rows if x.get("status") in ("FAIL", "UNKNOWN"))


@pytest.mark.parametrize("pattern, at", [("REQUEST_RESPONSE", "Parameters"),
                                         ("WAIT_FOR_TASK_TOKEN", "Parameters.Payload")])
def test_the_declared_sagemaker_call_is_decided(profile_file, tmp_path, pattern, at):
    r, found = check(profile_file, tmp_path, template(payload(OPEN), pattern))
    assert r.exit_code == 3
    assert found == [("FAIL", "SM-NB-DIRECT-INTERNET",
                      f"DefinitionString.States.Call.{at}.parameters.DirectInternetAccess")]
    r, found = check(profile_file, tmp_path, template(payload(CLOSED), pattern))
    assert (r.exit_code, found) == (0, [])


def test_a_call_decided_by_describing_in_another_region_cannot_be_verified(profile_file, tmp_path):
    # StartNotebookInstance is decided by describing the notebook: in us-west-2 the guard (us-east-1) cannot
    start = payload({"NotebookInstanceName": "nb"}, action="startNotebookInstance")
    r, found = check(profile_file, tmp_path, template(start))
    assert r.exit_code == 3
    region = ("UNKNOWN", "SM-REFERENCE", "DefinitionString.States.Call.Parameters.parameters")
    assert region in found and {s for s, _, _ in found} == {"UNKNOWN"}
    r, found = check(profile_file, tmp_path, template({**start, "region": "us-east-1"}))   # the profile's Region
    assert region not in found


def test_a_service_chosen_at_run_time_cannot_be_verified_and_other_services_are_not_read(profile_file, tmp_path):
    chosen = {"region": "us-west-2", "service.$": "$.service", "action": "createNotebookInstance",
              "parameters": OPEN}
    r, found = check(profile_file, tmp_path, template(chosen))
    assert ("UNKNOWN", "SM-REFERENCE") in [(s, rule) for s, rule, _ in found]
    s3 = payload({"Bucket": "b", "Key": "k"}, service="s3", action="getObject")
    r, found = check(profile_file, tmp_path, template(s3))
    assert (r.exit_code, found) == (0, [])
    # a Lambda task with another payload is not such a call
    other = {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "End": True,
             "Parameters": {"service": "sagemaker", "action": "createNotebookInstance", "detail": OPEN}}
    data = {"Resources": {"Sm": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
        "RoleArn": SFN_ROLE, "DefinitionString": json.dumps({"StartAt": "C", "States": {"C": other}})}}}}
    r, found = check(profile_file, tmp_path, data)
    assert (r.exit_code, found) == (0, [])


def test_a_nested_carrier_call_is_read(profile_file, tmp_path):
    inner = json.dumps({"StartAt": "Nb", "States": {"Nb": {
        "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sagemaker:createNotebookInstance",
        "Parameters": OPEN, "End": True}}})
    call = payload({"name": "inner", "roleArn": SFN_ROLE, "definition": inner}, service="sfn",
                   action="createStateMachine")
    r, found = check(profile_file, tmp_path, template(call))
    assert ("FAIL", "SM-NB-DIRECT-INTERNET") in [(s, rule) for s, rule, _ in found]


def test_guarded_create_state_machine_and_create_stack_are_refused(safemaker_local, safemaker_session, profile):
    safemaker.install_process(profile)
    definition = json.dumps({"StartAt": "Call", "States": {"Call": {
        **state(payload(OPEN)), "Resource": "arn:aws:lambda:us-east-1:123456789012:function:cross"}}})
    sfn = safemaker_session.client("stepfunctions")
    with pytest.raises(GuardrailViolation) as exc:
        sfn.create_state_machine(name="open", definition=definition, roleArn=SFN_ROLE)
    assert ("definition:States.Call.Parameters.parameters.DirectInternetAccess", "Enabled") in [
        (v.path, v.found) for v in exc.value.violations]
    with pytest.raises(GuardrailViolation):
        safemaker_session.client("cloudformation").create_stack(StackName="s",
                                                                TemplateBody=json.dumps(template(payload(OPEN))))
    assert safemaker_local.request_count("stepfunctions", "CreateStateMachine") == 0
    assert safemaker_local.request_count("cloudformation", "CreateStack") == 0
    closed = definition.replace('"Enabled"', '"Disabled"')
    sfn.create_state_machine(name="closed", definition=closed, roleArn=SFN_ROLE)
    assert safemaker_local.request_count("stepfunctions", "CreateStateMachine") == 1
