"""A Step Functions Payload Template that writes a member both as ``Key`` and as ``Key.$`` cannot be verified, in
either order (trial 18 F02).

Oracle: the Amazon States Language specification, "Payload Template" (https://states-language.net/spec.html):
"If any field within the Payload Template (however deeply nested) has a name ending with the characters ".$", its
value is transformed ... and the field is renamed to strip the ".$" suffix", and "A JSON object MUST NOT have
duplicate field names after fields ending with the characters ".$" are renamed to strip the ".$" suffix." Which of
the two values a non-conforming definition runs with is not ours to guess (the guard's rule for a repeated JSON key).
Before, the key written last won: ``"DirectInternetAccess": "Disabled"`` after ``"DirectInternetAccess.$"`` was
decided as closed and the state machine was sent, while the other order was refused.
"""

from __future__ import annotations

import json

import pytest

import safemaker
from safemaker.errors import GuardrailViolation

from _profiles import ROLE, SG, SUB_A
from test_iac_cli import profile_file, run_json  # noqa: F401  (profile_file: fixture)
from test_iac_cross_region_sdk_calls import payload, template

SFN_ROLE = "arn:aws:iam::123456789012:role/sfn"
CLOSED = {"NotebookInstanceName": "nb", "InstanceType": "ml.t3.medium", "RoleArn": ROLE, "SubnetId": SUB_A,
          "SecurityGroupIds": [SG], "DirectInternetAccess": "Disabled", "RootAccess": "Disabled"}



def definition(parameters: str, resource: str = "arn:aws:states:::sagemaker:createNotebookInstance") -> str:
    return ('{"StartAt": "Nb", "States": {"Nb": {"Type": "Task", '
            f'"Resource": "{resource}", "Parameters": {parameters}, "End": true}}}}}}')




@pytest.mark.parametrize("resource", ["arn:aws:states:::sagemaker:createNotebookInstance",
                                      "arn:aws:states:::aws-sdk:sagemaker:createNotebookInstance"])
@pytest.mark.parametrize("path_first", [False, True], ids=["value-first", "path-first"])
@pytest.mark.parametrize("member", ["DirectInternetAccess", "RootAccess", "SubnetId"])
def test_a_member_written_as_value_and_path_is_refused_in_either_order(safemaker_local, safemaker_session, profile,
                                                                       resource, path_first, member):
    safemaker.install_process(profile)
    base = {k: v for k, v in CLOSED.items() if k != member}
    pair = [(member, CLOSED[member]), (f"{member}.$", "$.chosen")]
    text = json.dumps(base)[:-1] + "".join(f", {json.dumps(k)}: {json.dumps(v)}"
                                            for k, v in (pair[::-1] if path_first else pair)) + "}"
    sfn = safemaker_session.client("stepfunctions")
    with pytest.raises(GuardrailViolation) as exc:
        sfn.create_state_machine(name="twice", roleArn=SFN_ROLE, definition=definition(text, resource))
    assert any(v.path.endswith(f"States.Nb.Parameters.{member}") or
               v.path.endswith(f"States.Nb.Parameters.{member}.$") for v in exc.value.violations), \
        [(v.path, v.message) for v in exc.value.violations]
    assert "not ours to guess" in str(exc.value)
    assert safemaker_local.request_count("stepfunctions", "CreateStateMachine") == 0
    # the same definition with the member written once, as its value, is sent
    sfn.create_state_machine(name="once", roleArn=SFN_ROLE, definition=definition(json.dumps(CLOSED), resource))
    assert safemaker_local.request_count("stepfunctions", "CreateStateMachine") == 1


def test_a_nested_member_written_twice_cannot_be_verified(profile_file, tmp_path):
    training = {"TrainingJobName": "t", "RoleArn": ROLE, "EnableNetworkIsolation": True,
                "AlgorithmSpecification": {"TrainingImage": "1.dkr.ecr.us-east-1.amazonaws.com/i:1",
                                           "TrainingInputMode": "File"},
                "OutputDataConfig": {"S3OutputPath": "s3://b/o"},
                "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
                "StoppingCondition": {"MaxRuntimeInSeconds": 60},
                "VpcConfig": {"Subnets": [SUB_A], "SecurityGroupIds.$": "$.groups", "SecurityGroupIds": [SG]}}
    text = definition(json.dumps(training), "arn:aws:states:::sagemaker:createTrainingJob.sync")
    f = tmp_path / "t.json"
    f.write_text(json.dumps({"Resources": {"Sm": {"Type": "AWS::StepFunctions::StateMachine",
                                                  "Properties": {"RoleArn": SFN_ROLE, "DefinitionString": text}}}}))
    r, rows = run_json(profile_file, str(f))
    found = [(x["status"], x["path"]) for x in rows if x.get("status") in ("FAIL", "UNKNOWN")]
    assert r.exit_code != 0
    assert ("UNKNOWN", "DefinitionString.States.Nb.Parameters.VpcConfig.SecurityGroupIds") in found, found


def test_a_carrier_call_member_written_twice_cannot_be_verified(profile_file, tmp_path):
    # aws-sdk:cloudformation:createStack whose TemplateBody is written as a (closed) value and as a path
    closed_stack = json.dumps({"Resources": {}})
    params = {"StackName": "s", "TemplateBody": closed_stack, "TemplateBody.$": "$.body"}
    text = definition(json.dumps(params), "arn:aws:states:::aws-sdk:cloudformation:createStack")
    f = tmp_path / "t.json"
    f.write_text(json.dumps({"Resources": {"Sm": {"Type": "AWS::StepFunctions::StateMachine",
                                                  "Properties": {"RoleArn": SFN_ROLE, "DefinitionString": text}}}}))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code != 0
    assert any(x.get("status") == "UNKNOWN" and "TemplateBody" in x["path"] for x in rows), rows


@pytest.mark.parametrize("twice", ["service", "action"])
def test_a_cross_region_call_whose_service_or_action_is_written_twice_cannot_be_verified(profile_file, tmp_path,
                                                                                         twice):
    # CDK CallAwsServiceCrossRegion payload: "service": "s3" (not read) plus "service.$" chosen at run time
    call = payload({"Bucket": "b", "Key": "k"}, service="s3", action="getObject")
    call[f"{twice}.$"] = f"$.{twice}"
    f = tmp_path / "t.json"
    f.write_text(json.dumps(template(call)))
    r, rows = run_json(profile_file, str(f))
    assert ("UNKNOWN", "SM-REFERENCE") in [(x.get("status"), x.get("rule_id")) for x in rows], rows
    del call[f"{twice}.$"]
    f.write_text(json.dumps(template(call)))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 0, rows
