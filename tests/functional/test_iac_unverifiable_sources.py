"""``safemaker check`` on sources whose SageMaker request is decided only at deployment or run time
as a whole: they must be reported (``UNKNOWN``, never passed silently), like a single value known
only at deployment.

Expected behaviour comes from the sources' own specifications, not from safemaker's code:

- Amazon States Language (https://states-language.net/spec.html, "Input and Output Processing"):
  a Task state without ``Parameters`` passes its effective input (the state input after
  ``InputPath``) to the resource as is; a JSONata state's ``Arguments`` may be one JSONata
  expression (``"{% ... %}"``) computing the whole request at run time.
- CloudFormation ``Fn::If`` (intrinsic function reference): the branch is chosen at deployment
  when the condition depends on a value only deployment knows (here a parameter without Default).
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from safemaker.cli import app

ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"
PROFILE_TOML = f"""
region = "us-east-1"
vpc_id = "vpc-0dddddddddddddddd"
subnets = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0cccccccccccccccc"]
security_group_ids = ["sg-0bbbbbbbbbbbbbbbb"]
execution_role_arn = "{ROLE}"
"""
runner = CliRunner()


@pytest.fixture
def profile_file(tmp_path):
    p = tmp_path / "profile.toml"
    p.write_text(PROFILE_TOML)
    return str(p)


def run_json(profile_file, *args):
    r = runner.invoke(app, ["check", *args, "-p", profile_file, "-f", "json"])
    rows = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    return r, rows


def test_task_without_parameters_sends_its_input_and_cannot_be_verified(profile_file, tmp_path):
    f = tmp_path / "flow.asl.json"
    f.write_text(json.dumps({"StartAt": "Endpoint", "States": {
        "Endpoint": {"Type": "Task", "Resource": "arn:aws:states:::sagemaker:createEndpoint",
                     "InputPath": "$.endpoint", "Next": "Component"},
        "Component": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sagemaker:createInferenceComponent",
                      "End": True}}}, indent=1))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    assert sorted((x["status"], x["logical_id"], x["path"], x["severity"]) for x in rows) == [
        ("UNKNOWN", "States.Component", "States.Component.Parameters", "medium"),
        ("UNKNOWN", "States.Endpoint", "States.Endpoint.Parameters", "medium")]
    assert all("cannot be verified before deployment" in x["found"] for x in rows)


def test_jsonata_arguments_computed_as_a_whole_cannot_be_verified(profile_file, tmp_path):
    f = tmp_path / "flow.asl.json"
    f.write_text(json.dumps({"QueryLanguage": "JSONata", "StartAt": "Endpoint", "States": {
        "Endpoint": {"Type": "Task", "Resource": "arn:aws:states:::sagemaker:createEndpoint",
                     "Arguments": "{% $states.input.endpoint %}", "Next": "Notebook"},
        "Notebook": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sagemaker:createNotebookInstance",
                     "Arguments": "{% $states.input.notebook %}", "End": True}}}, indent=1))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    # One finding per task, on the expression; no 'absent' violation invented for a request nobody wrote.
    lines = f.read_text().splitlines()
    line_of = {what: next(i for i, t in enumerate(lines, 1) if f"$states.input.{what}" in t)
               for what in ("endpoint", "notebook")}
    assert sorted((x["status"], x["logical_id"], x["path"], x["line"]) for x in rows) == [
        ("UNKNOWN", "States.Endpoint", "States.Endpoint.Arguments", line_of["endpoint"]),
        ("UNKNOWN", "States.Notebook", "States.Notebook.Arguments", line_of["notebook"])]
    assert all("$states.input" in x["found"] for x in rows)


def test_task_of_an_operation_that_cannot_run_closed_is_refused_whatever_its_input(profile_file, tmp_path):
    f = tmp_path / "flow.asl.json"
    f.write_text(json.dumps({"StartAt": "Project", "States": {
        "Project": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sagemaker:createProject",
                    "End": True}}}))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    assert [(x["status"], x["rule_id"]) for x in rows] == [("FAIL", "SM-UNSUPPORTED")]


PIPELINE_BODY = json.dumps({"Version": "2020-12-01", "Steps": [{
    "Name": "Train", "Type": "Training", "Arguments": {
        "AlgorithmSpecification": {"TrainingImage": "x", "TrainingInputMode": "File"}, "RoleArn": ROLE,
        "OutputDataConfig": {"S3OutputPath": "s3://b/o"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        "StoppingCondition": {"MaxRuntimeInSeconds": 60}}}]})


def test_pipeline_definition_chosen_at_deployment_cannot_be_verified(profile_file, tmp_path):
    f = tmp_path / "pipeline.yaml"
    f.write_text(f"""AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage: {{Type: String}}
Conditions:
  Prod: !Equals [!Ref Stage, prod]
Resources:
  Train:
    Type: AWS::SageMaker::Pipeline
    Properties:
      PipelineName: train
      RoleArn: {ROLE}
      PipelineDefinition: !If
        - Prod
        - PipelineDefinitionS3Location: {{Bucket: b, Key: k}}
        - PipelineDefinitionBody: '{PIPELINE_BODY}'
""")
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    assert [(x["status"], x["logical_id"], x["path"], x["line"]) for x in rows] == [
        ("UNKNOWN", "Train", "PipelineDefinition", 12)]
    assert "depends on a condition evaluated at deployment" in rows[0]["found"]
    # With the condition known, the chosen branch is checked as written (the Training step has no VPC).
    r2, rows2 = run_json(profile_file, str(f), "--parameter", "Stage=dev")
    assert r2.exit_code == 3
    assert ("FAIL", "SM-NET-VPC") in {(x["status"], x["rule_id"]) for x in rows2}
