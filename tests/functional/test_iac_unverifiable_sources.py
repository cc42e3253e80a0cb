"""``safemaker check`` on sources whose SageMaker request is decided only at deployment or run time
as a whole: they must be reported (``UNKNOWN``, never passed silently), like a single value known
only at deployment.

Expected behaviour comes from the sources' own specifications, not from safemaker's code:

- Amazon States Language (https://states-language.net/spec.html, "Input and Output Processing"):
  a Task state without ``Parameters`` passes its effective input (the state input after
  ``InputPath``) to the resource as is; a JSONata state's ``Arguments`` may be one JSONata
  expression (``"{% ... %}"``) computing the whole request at run time.
- CloudFormation ``Fn::If`` (intrinsic function reference): the branch is chosen at deployment
  when the condition depends on a value only deployment knows (here a pseudo parameter); a
  parameter the deployer types in makes it either (both branches are decided, each finding
  naming the choice that causes it).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from test_iac_cli import ROLE, profile_file, run_json  # noqa: F401  (profile_file: fixture)


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


def _pipeline_chosen_by(condition):
    return f"""AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage: {{Type: String}}
Conditions:
  Prod: {condition}
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
"""


def test_pipeline_definition_chosen_by_a_parameter_is_decided_for_both_branches(profile_file, tmp_path):
    f = tmp_path / "pipeline.yaml"
    f.write_text(_pipeline_chosen_by("!Equals [!Ref Stage, prod]"))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    body = "PipelineDefinition.PipelineDefinitionBody.Steps[0:Train].Arguments."
    assert [(x["status"], x["rule_id"], x["path"], x["when"]) for x in rows] == [
        ("UNKNOWN", "SM-REFERENCE", "PipelineDefinition.PipelineDefinitionS3Location", {"Stage": "prod"}),
        ("FAIL", "SM-NET-ISOLATION", body + "EnableNetworkIsolation", {"Stage": "any value but 'prod'"}),
        ("FAIL", "SM-NET-VPC", body + "VpcConfig", {"Stage": "any value but 'prod'"}),
        ("FAIL", "SM-NET-ICTE", body + "EnableInterContainerTrafficEncryption", {"Stage": "any value but 'prod'"})]


def test_pipeline_definition_chosen_at_deployment_cannot_be_verified(profile_file, tmp_path):
    f = tmp_path / "pipeline.yaml"
    f.write_text(_pipeline_chosen_by('!Equals [!Ref "AWS::AccountId", "123456789012"]'))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    assert [(x["status"], x["logical_id"], x["path"], x["line"]) for x in rows] == [
        ("UNKNOWN", "Train", "PipelineDefinition", 12)]
    assert "depends on a condition evaluated at deployment" in rows[0]["found"]


def test_pipeline_definition_pinned_by_a_parameter_is_checked_as_written(profile_file, tmp_path):
    # With the condition known, the chosen branch is checked as written (the Training step has no VPC).
    f = tmp_path / "pipeline.yaml"
    f.write_text(_pipeline_chosen_by("!Equals [!Ref Stage, prod]"))
    r2, rows2 = run_json(profile_file, str(f), "--parameter", "Stage=dev")
    assert r2.exit_code == 3
    assert ("FAIL", "SM-NET-VPC") in {(x["status"], x["rule_id"]) for x in rows2}


# --------------------------------------------------------------------------- nested stacks
# AWS::CloudFormation::Stack: CloudFormation creates the child template's resources with the
# Parameters the parent passes (they win over the child's Default). `aws cloudformation package`
# reads a local TemplateURL; the CDK writes the child as `<id>.nested.template.json` in the cloud
# assembly and names it in the resource's Metadata `aws:asset:path` (its TemplateURL is an S3 URL).

NOTEBOOK_CHILD = f"""AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Internet: {{Type: String, Default: Disabled}}
Resources:
  Nb:
    Type: AWS::SageMaker::NotebookInstance
    Properties:
      InstanceType: ml.t3.medium
      RoleArn: {ROLE}
      DirectInternetAccess: !Ref Internet
      RootAccess: Disabled
      SubnetId: subnet-0aaaaaaaaaaaaaaaa
      SecurityGroupIds: [sg-0bbbbbbbbbbbbbbbb]
"""


def test_nested_stack_parameters_win_over_the_child_default(profile_file, tmp_path):
    (tmp_path / "child.yaml").write_text(NOTEBOOK_CHILD)
    (tmp_path / "parent.yaml").write_text("""AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Notebooks:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: ./child.yaml
      Parameters:
        Internet: Enabled
""")
    r, rows = run_json(profile_file, str(tmp_path / "parent.yaml"))
    assert r.exit_code == 3
    assert [(x["status"], x["rule_id"], x["logical_id"], x["path"], x["found"], Path(x["file"]).name)
            for x in rows] == [("FAIL", "SM-NB-DIRECT-INTERNET", "Notebooks/Nb", "DirectInternetAccess", "Enabled",
                                "child.yaml")]
    # The child alone, deployed with its Default, is closed: only the parent's Parameters open it.
    r2, rows2 = run_json(profile_file, str(tmp_path / "child.yaml"), "--parameter", "Internet=Disabled")
    assert (r2.exit_code, rows2) == (0, [])
    # Deployed alone without a value, Internet (a String without AllowedValues) is the deployer's choice:
    # DirectInternetAccess takes Enabled too (its API enum: Enabled, Disabled).
    r3, rows3 = run_json(profile_file, str(tmp_path / "child.yaml"))
    assert [(x["status"], x["path"], x["found"], x["when"]) for x in rows3] == [
        ("FAIL", "DirectInternetAccess", "Enabled", {"Internet": "Enabled"})]


def test_cdk_nested_stack_in_the_cloud_assembly_is_checked(profile_file, tmp_path):
    out = tmp_path / "cdk.out"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {
        "Parent": {"type": "aws:cloudformation:stack", "environment": "aws://unknown-account/unknown-region",
                   "properties": {"templateFile": "Parent.template.json"}}}}))
    (out / "Parent.template.json").write_text(json.dumps({"Resources": {"NbStackResource": {
        "Type": "AWS::CloudFormation::Stack",
        "Properties": {"TemplateURL": {"Fn::Join": ["", ["https://s3.", {"Ref": "AWS::Region"}, ".",
                                                         {"Ref": "AWS::URLSuffix"}, "/cdk-assets/abc.json"]]}},
        "Metadata": {"aws:cdk:path": "Parent/NbStack.NestedStack/NbStack.NestedStackResource",
                     "aws:asset:path": "ParentNbStackA1B2C3D4.nested.template.json",
                     "aws:asset:property": "TemplateURL"}}}}, indent=1))
    (out / "ParentNbStackA1B2C3D4.nested.template.json").write_text(json.dumps({"Resources": {"Nb": {
        "Type": "AWS::SageMaker::NotebookInstance",
        "Properties": {"InstanceType": "ml.t3.medium", "RoleArn": ROLE, "DirectInternetAccess": "Enabled",
                       "RootAccess": "Disabled", "SubnetId": "subnet-0aaaaaaaaaaaaaaaa",
                       "SecurityGroupIds": ["sg-0bbbbbbbbbbbbbbbb"]}}}}, indent=1))
    r, rows = run_json(profile_file, str(out))
    assert r.exit_code == 3
    assert [(x["status"], x["rule_id"], x["logical_id"], x["found"], Path(x["file"]).name) for x in rows] == [
        ("FAIL", "SM-NB-DIRECT-INTERNET", "NbStackResource/Nb", "Enabled",
         "ParentNbStackA1B2C3D4.nested.template.json")]


def test_nested_stack_whose_template_is_not_in_the_source_cannot_be_verified(profile_file, tmp_path):
    (tmp_path / "parent.yaml").write_text("""Resources:
  Remote:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: https://s3.amazonaws.com/bucket/child.yaml
""")
    r, rows = run_json(profile_file, str(tmp_path / "parent.yaml"))
    assert r.exit_code == 3
    assert [(x["status"], x["logical_id"], x["path"], x["line"]) for x in rows] == [
        ("UNKNOWN", "Remote", "TemplateURL", 5)]
    assert "https://s3.amazonaws.com/bucket/child.yaml" in rows[0]["found"]


CLOSED_CHILD = NOTEBOOK_CHILD.replace("!Ref Internet", "Disabled")
OPEN_CHILD = NOTEBOOK_CHILD.replace("!Ref Internet", "Enabled")


def test_a_local_template_url_is_read_over_asset_metadata(profile_file, tmp_path):
    # `aws cloudformation package` uploads the local file TemplateURL names (AWS CLI reference); CloudFormation
    # does not read resource Metadata (User Guide, "Metadata attribute"); the CDK writes aws:asset:path only beside
    # the S3 URL of its assets bucket. Trial 15b F02: the metadata's closed file was read, the open child deployed.
    (tmp_path / "closed.yaml").write_text(CLOSED_CHILD)
    (tmp_path / "open.yaml").write_text(OPEN_CHILD)
    (tmp_path / "parent.yaml").write_text("""Resources:
  Child:
    Type: AWS::CloudFormation::Stack
    Metadata:
      aws:asset:path: closed.yaml
    Properties:
      TemplateURL: ./open.yaml
""")
    r, rows = run_json(profile_file, str(tmp_path / "parent.yaml"))
    assert r.exit_code == 3
    assert [(x["status"], x["rule_id"], x["logical_id"], x["found"], Path(x["file"]).name) for x in rows] == [
        ("FAIL", "SM-NB-DIRECT-INTERNET", "Child/Nb", "Enabled", "open.yaml")]


def test_cdk_v1_asset_parameters_in_the_template_url_keep_the_asset_read(profile_file, tmp_path):
    # CDK v1 builds the nested stack's TemplateURL from asset parameters without Default (the deployer's choice):
    # still an S3 URL (it starts with https://), so aws:asset:path names the child
    (tmp_path / "child.json").write_text(OPEN_CHILD)
    (tmp_path / "parent.json").write_text(json.dumps({
        "Parameters": {"AssetParametersabcS3Bucket": {"Type": "String"},
                       "AssetParametersabcS3VersionKey": {"Type": "String"}},
        "Resources": {"Nested": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": {"Fn::Join": [
            "", ["https://s3.", {"Ref": "AWS::Region"}, ".", {"Ref": "AWS::URLSuffix"}, "/",
                 {"Ref": "AssetParametersabcS3Bucket"}, "/",
                 {"Fn::Select": [0, {"Fn::Split": ["||", {"Ref": "AssetParametersabcS3VersionKey"}]}]}]]}},
            "Metadata": {"aws:asset:path": "child.json", "aws:asset:property": "TemplateURL"}}}}, indent=1))
    r, rows = run_json(profile_file, str(tmp_path / "parent.json"))
    assert r.exit_code == 3
    assert [(x["status"], x["rule_id"], x["logical_id"], x["found"], Path(x["file"]).name) for x in rows] == [
        ("FAIL", "SM-NB-DIRECT-INTERNET", "Nested/Nb", "Enabled", "child.json")]


@pytest.mark.parametrize("url", ["!Ref ChildUrl", "!If [Prod, ./open.yaml, https://s3.amazonaws.com/b/c.yaml]"])
def test_a_template_location_known_at_deployment_beside_asset_metadata_cannot_be_verified(profile_file, tmp_path,
                                                                                          url):
    # either the location (a parameter without Default; a branch a pseudo parameter chooses) or the metadata's file
    # may be what CloudFormation deploys: fail closed, naming both
    (tmp_path / "closed.yaml").write_text(CLOSED_CHILD)
    (tmp_path / "parent.yaml").write_text(f"""Parameters:
  ChildUrl: {{Type: String}}
Conditions:
  Prod: !Equals [!Ref "AWS::AccountId", "111111111111"]
Resources:
  Child:
    Type: AWS::CloudFormation::Stack
    Metadata:
      aws:asset:path: closed.yaml
    Properties:
      TemplateURL: {url}
""")
    r, rows = run_json(profile_file, str(tmp_path / "parent.yaml"))
    assert r.exit_code == 3
    assert [(x["status"], x["rule_id"], x["logical_id"], x["path"], x["line"]) for x in rows] == [
        ("UNKNOWN", "SM-REFERENCE", "Child", "TemplateURL", 11)]
    assert "closed.yaml" in rows[0]["found"] and "aws:asset:path" in rows[0]["found"]


def test_a_template_location_the_deployer_chooses_cannot_be_verified(profile_file, tmp_path):
    # a String parameter without AllowedValues: the deployer names any template (it was read as a file named after
    # safemaker's internal placeholder: an input error, exit 2)
    (tmp_path / "closed.yaml").write_text(CLOSED_CHILD)
    (tmp_path / "parent.yaml").write_text("""Parameters:
  ChildUrl: {Type: String, Default: closed.yaml}
Resources:
  Child:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: !Ref ChildUrl
""")
    r, rows = run_json(profile_file, str(tmp_path / "parent.yaml"))
    assert r.exit_code == 3
    assert [(x["status"], x["logical_id"], x["path"], x["when"]) for x in rows] == [
        ("UNKNOWN", "Child", "TemplateURL", {"ChildUrl": "any value but 'closed.yaml'"})]
    assert "${ChildUrl}" in rows[0]["found"] and "@@" not in json.dumps(rows)
    r2, rows2 = run_json(profile_file, str(tmp_path / "parent.yaml"), "--parameter", "ChildUrl=closed.yaml")
    assert (r2.exit_code, rows2) == (0, [])


# --------------------------------------------------------------------------- Terraform types
# Attribute names from the Terraform AWS provider's documentation (website/docs/r/
# sagemaker_flow_definition, sagemaker_notebook_instance_lifecycle_configuration, sagemaker_project);
# what the requests mean from the CloudFormation equivalents above and the API reference:
# PublicWorkforceTaskPrice sends the task to the Amazon Mechanical Turk public workforce, a
# lifecycle script runs as root even with root access disabled, a project provisions a Service
# Catalog product.

def _plan(*changes):
    return json.dumps({"format_version": "1.2", "terraform_version": "1.9.0", "resource_changes": [
        {"address": f"{t}.{n}", "mode": "managed", "type": t, "name": n,
         "change": {"actions": ["create"], "after": after, "after_unknown": {}}} for t, n, after in changes]},
        indent=1)


def test_terraform_flow_definition_lifecycle_config_and_project_are_decided(profile_file, tmp_path):
    f = tmp_path / "plan.json"
    f.write_text(_plan(
        ("aws_sagemaker_flow_definition", "review", {
            "flow_definition_name": "review", "role_arn": ROLE,
            "human_loop_config": [{"human_task_ui_arn": "arn:aws:sagemaker:us-east-1:123456789012:human-task-ui/x",
                                   "task_availability_lifetime_in_seconds": 1, "task_count": 1,
                                   "task_description": "d", "task_title": "t",
                                   "workteam_arn": "arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default",
                                   "public_workforce_task_price": [{"amount_in_usd": [
                                       {"cents": 1, "dollars": 0, "tenth_fractions_of_a_cent": 2}]}]}],
            "output_config": [{"s3_output_path": "s3://b/o"}]}),
        ("aws_sagemaker_notebook_instance_lifecycle_configuration", "lc",
         {"name": "lc", "on_create": None, "on_start": "ZWNobyBoaQ=="}),
        ("aws_sagemaker_project", "p", {"project_name": "p",
                                        "service_catalog_provisioning_details": [{"product_id": "prod-abc"}]})))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    assert sorted((x["status"], x["rule_id"], x["logical_id"], x["path"]) for x in rows
                  if x["logical_id"] != "aws_sagemaker_project.p") == [
        ("FAIL", "SM-NB-LIFECYCLE", "aws_sagemaker_notebook_instance_lifecycle_configuration.lc", "on_start"),
        ("FAIL", "SM-UNSUPPORTED", "aws_sagemaker_flow_definition.review",
         "human_loop_config.public_workforce_task_price"),
        ("FAIL", "SM-WORKTEAM", "aws_sagemaker_flow_definition.review", "human_loop_config.workteam_arn")]
    # The operation itself cannot run closed: refused whatever the project's attributes.
    assert [(x["status"], x["rule_id"]) for x in rows if x["logical_id"] == "aws_sagemaker_project.p"] == [
        ("FAIL", "SM-UNSUPPORTED")]
    # The same flow definition with a private work team: the team (and its workforce) must be checked too.
    flow = ("aws_sagemaker_flow_definition", "review", {
        "flow_definition_name": "review", "role_arn": ROLE,
        "human_loop_config": [{"human_task_ui_arn": "arn:aws:sagemaker:us-east-1:123456789012:human-task-ui/x",
                               "task_availability_lifetime_in_seconds": 1, "task_count": 1, "task_description": "d",
                               "task_title": "t", "public_workforce_task_price": [],
                               "workteam_arn": "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/t"}],
        "output_config": [{"s3_output_path": "s3://b/o"}]})
    g = tmp_path / "private.json"
    g.write_text(_plan(flow))
    r2, rows2 = run_json(profile_file, str(g))
    # a work team of the account, not in the plan: its workforce cannot be verified before deployment
    assert r2.exit_code == 3
    assert [(x["status"], x["rule_id"], x["path"]) for x in rows2] == [
        ("UNKNOWN", "SM-REFERENCE", "human_loop_config.workteam_arn")]
    # the team and its workforce in the same plan, the workforce in the profile's VPC: closed
    team = ("aws_sagemaker_workteam", "t", {"workteam_name": "t", "workforce_name": "wf", "description": "d",
                                            "worker_access_configuration": [{"s3_presign": [{
                                                "iam_policy_constraints": [{"vpc_source_ip": "Enabled"}]}]}]})
    # (its portal restricted to a private range: AWS's value to restrict all workers on the public internet)
    workforce = ("aws_sagemaker_workforce", "wf", {"workforce_name": "wf", "workforce_vpc_config": [{
        "vpc_id": "vpc-0dddddddddddddddd", "subnets": ["subnet-0aaaaaaaaaaaaaaaa"],
        "security_group_ids": ["sg-0bbbbbbbbbbbbbbbb"]}], "source_ip_config": [{"cidrs": ["10.0.0.0/16"]}]})
    h = tmp_path / "closed.json"
    h.write_text(_plan(flow, team, workforce))
    r3, rows3 = run_json(profile_file, str(h))
    assert (r3.exit_code, rows3) == (0, [])
    # a workforce without workforce_vpc_config (the worker portal on the internet) fails
    h.write_text(_plan(flow, team, ("aws_sagemaker_workforce", "wf", {"workforce_name": "wf",
                                                                      "source_ip_config": [{"cidrs": ["10.0.0.0/16"]}]})))
    r4, rows4 = run_json(profile_file, str(h))
    assert r4.exit_code == 3
    assert [(x["status"], x["rule_id"], x["logical_id"]) for x in rows4] == [
        ("FAIL", "SM-NET-VPC", "aws_sagemaker_workforce.wf")]


def test_terraform_sagemaker_type_safemaker_does_not_know_cannot_be_verified(profile_file, tmp_path):
    f = tmp_path / "plan.json"
    f.write_text(_plan(("aws_sagemaker_future_thing", "x", {"name": "x"}),
                       ("aws_sagemaker_code_repository", "repo", {"code_repository_name": "repo",
                                                                  "git_config": [{"repository_url": "https://x"}]})))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    # A code repository only stores a URL (no network setting of its own): nothing to check.
    assert [(x["status"], x["logical_id"], x["source_type"]) for x in rows] == [
        ("UNKNOWN", "aws_sagemaker_future_thing.x", "aws_sagemaker_future_thing")]


# --------------------------------------------------------------------------- AWS::LanguageExtensions
# Fn::ForEach (CloudFormation template reference, "Fn::ForEach"): with the AWS::LanguageExtensions
# transform, `Fn::ForEach::<LoopName>: [Identifier, Collection, {OutputKey: OutputValue}]` in Resources
# creates one resource per collection item; ${Identifier} / &{Identifier} in the key and
# {"Ref": Identifier} / ${Identifier} in the value are replaced by the item. A template need not
# declare AWSTemplateFormatVersion.

FOREACH = f"""Transform: AWS::LanguageExtensions
Parameters:
  Teams: {{Type: CommaDelimitedList, Default: "ml,data"}}
Resources:
  Fn::ForEach::Notebooks:
    - Team
    - !Ref Teams
    - Notebook${{Team}}:
        Type: AWS::SageMaker::NotebookInstance
        Properties:
          NotebookInstanceName: !Sub nb-${{Team}}
          InstanceType: ml.t3.medium
          RoleArn: {ROLE}
          DirectInternetAccess: Enabled
          RootAccess: Disabled
          SubnetId: subnet-0aaaaaaaaaaaaaaaa
          SecurityGroupIds: [sg-0bbbbbbbbbbbbbbbb]
  Closed:
    Type: AWS::SageMaker::NotebookInstance
    Properties:
      InstanceType: ml.t3.medium
      RoleArn: {ROLE}
      DirectInternetAccess: Disabled
      RootAccess: Disabled
      SubnetId: subnet-0aaaaaaaaaaaaaaaa
      SecurityGroupIds: [sg-0bbbbbbbbbbbbbbbb]
"""


@pytest.mark.parametrize("header", ["", 'AWSTemplateFormatVersion: "2010-09-09"\n'])
def test_foreach_resources_are_expanded_and_checked(profile_file, tmp_path, header):
    d = tmp_path / "templates"
    d.mkdir()
    (d / "notebooks.yaml").write_text(header + FOREACH)
    r, rows = run_json(profile_file, str(d))
    assert r.exit_code == 3
    assert sorted((x["status"], x["rule_id"], x["logical_id"], x["found"]) for x in rows) == [
        ("FAIL", "SM-NB-DIRECT-INTERNET", "Notebookdata", "Enabled"),
        ("FAIL", "SM-NB-DIRECT-INTERNET", "Notebookml", "Enabled")]
    line = (header + FOREACH).splitlines().index("          DirectInternetAccess: Enabled") + 1
    assert {x["line"] for x in rows} == {line}


def test_foreach_over_a_collection_known_at_deployment_cannot_be_verified(profile_file, tmp_path):
    f = tmp_path / "notebooks.yaml"
    f.write_text(FOREACH.replace('Teams: {Type: CommaDelimitedList, Default: "ml,data"}',
                                 "Teams: {Type: CommaDelimitedList}"))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    assert [(x["status"], x["logical_id"], x["source_type"]) for x in rows] == [
        ("UNKNOWN", "Fn::ForEach::Notebooks", "AWS::SageMaker::NotebookInstance")]
    r2, rows2 = run_json(profile_file, str(f), "--parameter", "Teams=ml")
    assert [(x["status"], x["logical_id"]) for x in rows2] == [("FAIL", "Notebookml")]


# A Fn::ForEach over a list parameter without AllowedValues (template reference, "Fn::ForEach": the collection can be
# "a Ref to a CommaDelimitedList parameter"): the deployer gives any list, so each item is the deployer's value
# wherever the item reaches (Ref, ${Id} in Fn::Sub, &{Id}), decided as a Ref of that parameter is. Trial 15b F04: the
# Default's item was written into the property as a literal and the template passed.

FREE_LOOP = f"""Transform: AWS::LanguageExtensions
Parameters:
  Modes: {{Type: CommaDelimitedList, Default: "Disabled"}}
  Subnets: {{Type: "List<AWS::EC2::Subnet::Id>", Default: "subnet-0aaaaaaaaaaaaaaaa"}}
Resources:
  Fn::ForEach::Notebooks:
    - M
    - !Ref Modes
    - Nb${{M}}:
        Type: AWS::SageMaker::NotebookInstance
        Properties:
          InstanceType: ml.t3.medium
          RoleArn: {ROLE}
          SubnetId: subnet-0aaaaaaaaaaaaaaaa
          SecurityGroupIds: [sg-0bbbbbbbbbbbbbbbb]
          RootAccess: Disabled
          DirectInternetAccess: DIRECT
  Fn::ForEach::Models:
    - S
    - !Ref Subnets
    - Model&{{S}}:
        Type: AWS::SageMaker::Model
        Properties:
          ExecutionRoleArn: {ROLE}
          PrimaryContainer: {{Image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1}}
          EnableNetworkIsolation: true
          VpcConfig: {{Subnets: [!Ref S], SecurityGroupIds: [sg-0bbbbbbbbbbbbbbbb]}}
      Config&{{S}}:
        Type: AWS::SageMaker::EndpointConfig
        Properties:
          ProductionVariants:
            - ModelName: !GetAtt Model&{{S}}.ModelName
              VariantName: v
              InitialInstanceCount: 1
              InstanceType: ml.m5.large
"""


@pytest.mark.parametrize("direct", ["!Ref M", '!Sub "${M}"'])
def test_foreach_items_of_a_free_list_parameter_stay_the_deployer_s_choice(profile_file, tmp_path, direct):
    f = tmp_path / "loops.yaml"
    f.write_text(FREE_LOOP.replace("DIRECT", direct))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    line = FREE_LOOP.splitlines().index("          DirectInternetAccess: DIRECT") + 1
    subnets_line = next(i for i, t in enumerate(FREE_LOOP.splitlines(), 1) if "VpcConfig:" in t)
    # the deployer's Modes=Enabled opens a notebook (DirectInternetAccess: Enabled | Disabled, botocore's enum)
    assert sorted((x["status"], x["rule_id"], x["logical_id"], x["path"], x["line"], json.dumps(x["found"]),
                   x["when"]) for x in rows if x["status"] == "FAIL") == [
        ("FAIL", "SM-NB-DIRECT-INTERNET", "NbEnabled", "DirectInternetAccess", line, '"Enabled"',
         {"Modes": "Enabled"})]
    # any subnet the deployer passes: decided at deploy time, naming the parameter; the endpoint config's model is
    # the loop's own (Model&{S} read as the resource it names), not an existing one
    unknown_rows = [x for x in rows if x["status"] == "UNKNOWN"]
    assert [(x["rule_id"], x["logical_id"], x["path"], x["line"]) for x in unknown_rows] == [
        ("SM-NET-VPC", "Modelsubnet0aaaaaaaaaaaaaaaa", "VpcConfig.Subnets", subnets_line)]
    assert "Subnets" in unknown_rows[0]["fix"] and "AllowedValues" in unknown_rows[0]["fix"]
    assert "@@" not in json.dumps(rows)
    # pinned to the defaults: closed
    r2, rows2 = run_json(profile_file, str(f), "--parameter", "Modes=Disabled", "--parameter",
                         "Subnets=subnet-0aaaaaaaaaaaaaaaa")
    assert (r2.exit_code, rows2) == (0, [])


def test_foreach_of_a_free_list_in_a_nested_loop_and_with_allowed_values(profile_file, tmp_path):
    nested = f"""Transform: AWS::LanguageExtensions
Parameters:
  Teams: {{Type: CommaDelimitedList, Default: "ml"}}
  Modes: {{Type: CommaDelimitedList, Default: "Disabled"}}
Resources:
  Fn::ForEach::Teams:
    - T
    - !Ref Teams
    - Fn::ForEach::Notebooks:
        - M
        - !Ref Modes
        - Nb${{T}}${{M}}:
            Type: AWS::SageMaker::NotebookInstance
            Properties:
              InstanceType: ml.t3.medium
              RoleArn: {ROLE}
              SubnetId: subnet-0aaaaaaaaaaaaaaaa
              SecurityGroupIds: [sg-0bbbbbbbbbbbbbbbb]
              RootAccess: Disabled
              DirectInternetAccess: !Ref M
"""
    f = tmp_path / "nested.yaml"
    f.write_text(nested)
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    assert sorted((x["status"], x["logical_id"], x["found"], x["when"]) for x in rows) == [
        ("FAIL", "NbmlEnabled", "Enabled", {"Modes": "Enabled"})]
    # bounded by AllowedValues: each member alone and all of them, as before
    f.write_text(nested.replace('Modes: {Type: CommaDelimitedList, Default: "Disabled"}',
                                'Modes: {Type: CommaDelimitedList, Default: "Disabled", '
                                'AllowedValues: [Disabled, Enabled]}'))
    r2, rows2 = run_json(profile_file, str(f))
    assert r2.exit_code == 3
    assert {(x["status"], x["logical_id"], x["found"]) for x in rows2} == {("FAIL", "NbmlEnabled", "Enabled")}


# Fn::ForEach "can be used within the Conditions, Outputs, and Resources (including the resource properties)
# sections" (template reference): a loop in Properties makes the members CloudFormation sends.

PROPERTY_LOOP = f"""Transform: AWS::LanguageExtensions
Parameters:
  Keys: {{Type: CommaDelimitedList, Default: "DirectInternetAccess,RootAccess"}}
Resources:
  Nb:
    Type: AWS::SageMaker::NotebookInstance
    Properties:
      InstanceType: ml.t3.medium
      RoleArn: {ROLE}
      SubnetId: subnet-0aaaaaaaaaaaaaaaa
      SecurityGroupIds: [sg-0bbbbbbbbbbbbbbbb]
      Fn::ForEach::Settings:
        - K
        - COLLECTION
        - ${{K}}: VALUE
"""


@pytest.mark.parametrize("value, expected", [("Enabled", 3), ("Disabled", 0)])
def test_foreach_in_resource_properties_is_expanded(profile_file, tmp_path, value, expected):
    f = tmp_path / "props.yaml"
    f.write_text(PROPERTY_LOOP.replace("COLLECTION", "[DirectInternetAccess, RootAccess]").replace("VALUE", value))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == expected
    assert sorted((x["status"], x["rule_id"], x["path"], x["found"]) for x in rows) == (
        [("FAIL", "SM-NB-DIRECT-INTERNET", "DirectInternetAccess", "Enabled"),
         ("FAIL", "SM-NB-ROOT", "RootAccess", "Enabled")] if value == "Enabled" else [])


@pytest.mark.parametrize("collection", ["!Ref Keys", "!Ref Unknown"])
def test_foreach_in_resource_properties_over_a_deploy_time_list_cannot_be_verified(profile_file, tmp_path, collection):
    # Keys: the property names would be the deployer's (no AllowedValues); Unknown: a parameter without Default
    f = tmp_path / "props.yaml"
    f.write_text(PROPERTY_LOOP.replace("COLLECTION", collection).replace("VALUE", "Disabled").replace(
        "Parameters:\n", "Parameters:\n  Unknown: {Type: CommaDelimitedList}\n"))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    line = PROPERTY_LOOP.splitlines().index("      Fn::ForEach::Settings:") + 2
    assert [(x["status"], x["logical_id"], x["path"], x["line"]) for x in rows] == [
        ("UNKNOWN", "Nb", "Properties.Fn::ForEach::Settings", line)]


# --------------------------------------------------------------------------- string booleans
# Template parameters are strings; CloudFormation accepts the strings "true" / "false" for a property
# whose resource schema type is boolean (EnableNetworkIsolation: !Ref Isolation). The resource
# schema (cfn-lint's copy) says which properties are boolean.

ISOLATION = f"""Parameters:
  Isolation: {{Type: String, Default: "true", AllowedValues: ["true", "false"]}}
Resources:
  Model:
    Type: AWS::SageMaker::Model
    Properties:
      ExecutionRoleArn: {ROLE}
      PrimaryContainer: {{Image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1}}
      EnableNetworkIsolation: !Ref Isolation
      VpcConfig:
        Subnets: [subnet-0aaaaaaaaaaaaaaaa]
        SecurityGroupIds: [sg-0bbbbbbbbbbbbbbbb]
  Quality:
    Type: AWS::SageMaker::DataQualityJobDefinition
    Properties:
      RoleArn: {ROLE}
      DataQualityAppSpecification: {{ImageUri: x}}
      DataQualityJobInput: {{EndpointInput: {{EndpointName: e, LocalPath: /opt/ml/processing/input}}}}
      DataQualityJobOutputConfig: {{MonitoringOutputs: [{{S3Output: {{S3Uri: s3://b/o, LocalPath: /opt/ml/processing/output}}}}]}}
      JobResources: {{ClusterConfig: {{InstanceCount: 1, InstanceType: ml.m5.large, VolumeSizeInGB: 5}}}}
      NetworkConfig:
        EnableNetworkIsolation: "true"
        EnableInterContainerTrafficEncryption: !Ref Isolation
        VpcConfig: {{Subnets: [subnet-0aaaaaaaaaaaaaaaa], SecurityGroupIds: [sg-0bbbbbbbbbbbbbbbb]}}
"""


def test_boolean_properties_written_as_strings_are_booleans(profile_file, tmp_path):
    f = tmp_path / "model.yaml"
    f.write_text(ISOLATION)
    r, rows = run_json(profile_file, str(f), "--parameter", "Isolation=true")
    assert [x for x in rows if x["rule_id"] in ("SM-NET-ISOLATION", "SM-NET-ICTE")] == []
    # not pinned: the deploy form offers "false" (AllowedValues), each finding names that choice
    r1, rows1 = run_json(profile_file, str(f))
    assert sorted((x["rule_id"], x["found"], x["when"]) for x in rows1
                  if x["rule_id"] in ("SM-NET-ISOLATION", "SM-NET-ICTE")) == [
        ("SM-NET-ICTE", False, {"Isolation": "false"}), ("SM-NET-ISOLATION", False, {"Isolation": "false"})]
    r2, rows2 = run_json(profile_file, str(f), "--parameter", "Isolation=false")
    assert r2.exit_code == 3
    assert sorted((x["rule_id"], x["logical_id"], x["path"], x["found"]) for x in rows2
                  if x["rule_id"] in ("SM-NET-ISOLATION", "SM-NET-ICTE")) == [
        ("SM-NET-ICTE", "Quality", "NetworkConfig.EnableInterContainerTrafficEncryption", False),
        ("SM-NET-ISOLATION", "Model", "EnableNetworkIsolation", False)]


def test_nested_stack_resources_referring_to_each_other_are_checked_as_when_alone(profile_file, tmp_path):
    (tmp_path / "child.yaml").write_text(f"""Resources:
  Model:
    Type: AWS::SageMaker::Model
    Properties:
      ExecutionRoleArn: {ROLE}
      PrimaryContainer: {{Image: x}}
  Config:
    Type: AWS::SageMaker::EndpointConfig
    Properties:
      ProductionVariants:
        - {{ModelName: !GetAtt Model.ModelName, VariantName: v, InitialInstanceCount: 1, InstanceType: ml.m5.large}}
  Endpoint:
    Type: AWS::SageMaker::Endpoint
    Properties:
      EndpointConfigName: !GetAtt Config.EndpointConfigName
""")
    (tmp_path / "parent.yaml").write_text("""Resources:
  Serving:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: child.yaml
""")
    _, alone = run_json(profile_file, str(tmp_path / "child.yaml"))
    r, nested = run_json(profile_file, str(tmp_path / "parent.yaml"))
    assert r.exit_code == 3
    assert [x for x in alone if x["status"] == "UNKNOWN"] == []
    assert sorted((x["status"], x["rule_id"], "Serving/" + x["logical_id"], x["path"]) for x in alone) == sorted(
        (x["status"], x["rule_id"], x["logical_id"], x["path"]) for x in nested)


def test_sdk_integration_task_of_an_operation_safemaker_does_not_know_is_refused(profile_file, tmp_path):
    # Step Functions' AWS SDK integrations follow the AWS SDKs, which may be newer than the installed
    # botocore: an operation outside botocore's SageMaker model is one the guard refuses at run time.
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    assert "CreateSomethingNewer" not in model.operation_names
    f = tmp_path / "flow.asl.json"
    f.write_text(json.dumps({"StartAt": "New", "States": {
        "New": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sagemaker:createSomethingNewer",
                "Parameters": {"Name": "x"}, "Next": "Read"},
        "Read": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sagemaker:describeTrainingJob",
                 "Parameters": {"TrainingJobName": "x"}, "End": True}}}))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    assert [(x["status"], x["rule_id"], x["logical_id"]) for x in rows] == [
        ("FAIL", "SM-UNCLASSIFIED", "States.New")]


# --------------------------------------------------------------------------- AWS::Include
# AWS::Include (template reference, "AWS::Include transform"): `Fn::Transform` with Name AWS::Include
# inserts a snippet kept in S3 where it is written, for example as an entry of Resources.

def test_resources_included_from_s3_cannot_be_verified(profile_file, tmp_path):
    d = tmp_path / "templates"
    d.mkdir()
    (d / "included.yaml").write_text("""Resources:
  Fn::Transform:
    Name: AWS::Include
    Parameters:
      Location: s3://bucket/sagemaker-resources.yaml
""")
    r, rows = run_json(profile_file, str(d))
    assert r.exit_code == 3
    assert [(x["status"], x["logical_id"], x["line"]) for x in rows] == [("UNKNOWN", "Fn::Transform", 2)]
    assert "s3://bucket/sagemaker-resources.yaml" in rows[0]["found"]


# A template's top-level Transform (template reference, "Transform"): AWS::Serverless-2016-10-31 and
# AWS::LanguageExtensions are AWS's own; any other name is a macro, whose Lambda function rewrites the
# template at deployment (CloudFormation User Guide, "Perform custom processing on CloudFormation
# templates with template macros"): what it inserts is not in the source.

def test_a_macro_transform_cannot_be_verified(profile_file, tmp_path):
    f = tmp_path / "macro.yaml"
    f.write_text("""Transform: [AWS::Serverless-2016-10-31, MyCompanyMacro]
Resources:
  Bucket:
    Type: AWS::S3::Bucket
""")
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    assert [(x["status"], x["logical_id"], x["line"]) for x in rows] == [("UNKNOWN", "Transform", 1)]
    assert "MyCompanyMacro" in rows[0]["found"]


def test_aws_transforms_are_read(profile_file, tmp_path):
    f = tmp_path / "sam.yaml"
    f.write_text("""Transform: AWS::Serverless-2016-10-31
Resources:
  Bucket:
    Type: AWS::S3::Bucket
""")
    r, rows = run_json(profile_file, str(f))
    assert (r.exit_code, [x for x in rows if x.get("kind") != "notice"]) == (0, [])  # (no SageMaker request)


# Top-level Transform in every form the template reference gives ("Transform"; "AWS::Include transform", syntax at
# the top level: {Name: AWS::Include, Parameters: {Location: ...}}; a list of names and mappings). Trial 15b F03:
# the mapping form crashed the reader (TypeError, exit 1).

@pytest.mark.parametrize("transform, unknown_at", [
    ("{Name: AWS::Include, Parameters: {Location: 's3://bucket/sagemaker-snippet.yaml'}}", ["Transform"]),
    ("[AWS::Serverless-2016-10-31, {Name: AWS::Include, Parameters: {Location: 's3://bucket/sagemaker-snippet.yaml'}}]",
     ["Transform[1]"]),
    ("[{Name: MyCompanyMacro, Parameters: {Stage: prod}}, AWS::LanguageExtensions, OtherMacro]",
     ["Transform[0]", "Transform[2]"]),
    ("{Name: AWS::Serverless-2016-10-31}", []),
])
def test_top_level_transform_in_every_documented_form(profile_file, tmp_path, transform, unknown_at):
    f = tmp_path / "t.yaml"
    f.write_text(f"""Transform: {transform}
Resources:
  Bucket:
    Type: AWS::S3::Bucket
""")
    r, rows = run_json(profile_file, str(f))
    assert "Traceback" not in r.output
    assert r.exit_code == (3 if unknown_at else 0)
    assert sorted((x["status"], x["rule_id"], x["logical_id"], x["path"], x["line"]) for x in rows
                  if x.get("kind") != "notice") == [("UNKNOWN", "SM-REFERENCE", "Transform", p, 1) for p in unknown_at]
    if "AWS::Include" in transform:
        assert "s3://bucket/sagemaker-snippet.yaml" in rows[0]["found"]
        assert "TemplateStage=Processed" in rows[0]["fix"]


# CloudFormation modules (User Guide, "Create reusable resource configurations that can be included across templates
# with CloudFormation modules"): Type Organization::Service::UseCase::MODULE, a template fragment from the registry that
# CloudFormation inserts at deployment. Trial 15b F01: ignored (exit 0), whatever SageMaker resources it holds.

@pytest.mark.parametrize("module", ["Acme::ML::Notebook::MODULE", "Acme::SageMaker::Notebook::MODULE"])
def test_a_module_cannot_be_verified_whatever_its_name(profile_file, tmp_path, module):
    f = tmp_path / "stack.yaml"
    f.write_text(f"""Resources:
  Closed:
    Type: AWS::SageMaker::NotebookInstance
    Properties:
      InstanceType: ml.t3.medium
      RoleArn: {ROLE}
      SubnetId: subnet-0aaaaaaaaaaaaaaaa
      SecurityGroupIds: [sg-0bbbbbbbbbbbbbbbb]
      RootAccess: Disabled
      DirectInternetAccess: Disabled
  Lab:
    Type: {module}
    Properties:
      Name: lab
""")
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    assert [(x["status"], x["logical_id"], x["source_type"], x["path"], x["line"]) for x in rows] == [
        ("UNKNOWN", "Lab", module, "Type", 12)]
    assert "CloudFormation registry" in rows[0]["found"]
    assert "write the module's resources in the template" in rows[0]["fix"]


def test_a_module_alone_or_in_a_loop_known_at_deployment_cannot_be_verified(profile_file, tmp_path):
    f = tmp_path / "stack.yaml"
    f.write_text("""Transform: AWS::LanguageExtensions
Parameters:
  Labs: {Type: CommaDelimitedList}
Resources:
  Fn::ForEach::Labs:
    - L
    - !Ref Labs
    - Lab${L}:
        Type: Acme::ML::Notebook::MODULE
""")
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    assert [(x["status"], x["logical_id"]) for x in rows] == [("UNKNOWN", "Fn::ForEach::Labs")]
    r2, rows2 = run_json(profile_file, str(f), "--parameter", "Labs=a")
    assert [(x["status"], x["logical_id"], x["path"]) for x in rows2] == [("UNKNOWN", "Laba", "Type")]


def test_terraform_state_machine_definition_is_checked(profile_file, tmp_path):
    # aws_sfn_state_machine's `definition` is the Amazon States Language JSON (Terraform AWS provider,
    # website/docs/r/sfn_state_machine): its SageMaker tasks are requests like a CloudFormation one's.
    definition = {"StartAt": "Nb", "States": {"Nb": {
        "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sagemaker:createNotebookInstance", "End": True,
        "Parameters": {"NotebookInstanceName": "nb", "InstanceType": "ml.t3.medium", "RoleArn": ROLE,
                       "DirectInternetAccess": "Enabled", "RootAccess": "Disabled",
                       "SubnetId": "subnet-0aaaaaaaaaaaaaaaa", "SecurityGroupIds": ["sg-0bbbbbbbbbbbbbbbb"]}}}}
    f = tmp_path / "plan.json"
    f.write_text(_plan(("aws_sfn_state_machine", "flow", {"name": "flow", "role_arn": ROLE,
                                                          "definition": json.dumps(definition)})))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    assert [(x["status"], x["rule_id"], x["logical_id"], x["found"]) for x in rows] == [
        ("FAIL", "SM-NB-DIRECT-INTERNET", "aws_sfn_state_machine.flow", "Enabled")]
    line = f.read_text().splitlines().index(next(t for t in f.read_text().splitlines() if '"definition"' in t)) + 1
    assert rows[0]["line"] == line


def test_terraform_cloudformation_stack_template_body_is_checked(profile_file, tmp_path):
    # aws_cloudformation_stack (Terraform AWS provider, website/docs/r/cloudformation_stack):
    # `template_body` is the template, `parameters` its parameter values; `template_url` names one in S3.
    f = tmp_path / "plan.json"
    f.write_text(_plan(
        ("aws_cloudformation_stack", "notebooks", {"name": "notebooks", "template_body": NOTEBOOK_CHILD,
                                                   "parameters": {"Internet": "Enabled"}}),
        ("aws_cloudformation_stack", "remote", {"name": "remote",
                                                "template_url": "https://s3.amazonaws.com/b/t.yaml"})))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    assert sorted((x["status"], x["rule_id"], x["logical_id"], x["path"], x["found"]) for x in rows
                  if x["status"] == "FAIL") == [
        ("FAIL", "SM-NB-DIRECT-INTERNET", "aws_cloudformation_stack.notebooks/Nb", "DirectInternetAccess", "Enabled")]
    assert [(x["status"], x["logical_id"]) for x in rows if x["status"] == "UNKNOWN"] == [
        ("UNKNOWN", "aws_cloudformation_stack.remote")]


# Fn::Transform inside a resource or a section the resources read (template reference, "AWS::Include transform":
# "anywhere within the CloudFormation template except in the template parameters section or the template
# version. For example, you can use AWS::Include in the mappings section"; "Fn::Transform": a macro processes
# the snippet it is written in). Trial 8 F01: inside Properties it was ignored ("all closed", exit 0).

_INCLUDE = """
{indent}Fn::Transform:
{indent}  Name: {name}
{indent}  Parameters:
{indent}    Location: s3://bucket/snippet.yaml"""

_CLOSED_NB = f"""    Type: AWS::SageMaker::NotebookInstance
    Properties:
      InstanceType: ml.t3.medium
      RoleArn: {ROLE}
      SubnetId: subnet-0aaaaaaaaaaaaaaaa
      SecurityGroupIds: [sg-0bbbbbbbbbbbbbbbb]
      RootAccess: Disabled
      DirectInternetAccess: Disabled"""


@pytest.mark.parametrize("name", ["AWS::Include", "MyCompanyMacro"])
@pytest.mark.parametrize("where, path", [
    ("props", "Properties.Fn::Transform"),
    ("whole-props", "Properties.Fn::Transform"),
    ("nested", "Properties.SpaceSettings.Fn::Transform"),
    ("list", "Properties.Tags[0].Fn::Transform"),
    ("resource", "Fn::Transform"),
])
def test_a_transform_inside_a_sagemaker_resource_cannot_be_verified(profile_file, tmp_path, name, where, path):
    if where == "props":
        body = "Resources:\n  Nb:\n" + _CLOSED_NB + _INCLUDE.format(indent="      ", name=name)
    elif where == "whole-props":  # every property from the snippet: one finding, no absent value decided
        body = ("Resources:\n  Nb:\n    Type: AWS::SageMaker::NotebookInstance\n    Properties:"
                + _INCLUDE.format(indent="      ", name=name))
    elif where == "resource":
        body = "Resources:\n  Nb:\n" + _CLOSED_NB + _INCLUDE.format(indent="    ", name=name)
    elif where == "list":
        body = ("Resources:\n  Nb:\n" + _CLOSED_NB + "\n      Tags:\n        - Key: team\n          Value: ml"
                + _INCLUDE.format(indent="          ", name=name))
    else:
        body = ("Resources:\n  Nb:\n    Type: AWS::SageMaker::Space\n    Properties:\n      DomainId: d-abc\n"
                "      SpaceName: shared\n      SpaceSettings:\n        AppType: CodeEditor"
                + _INCLUDE.format(indent="        ", name=name))
    f = tmp_path / "t.yaml"
    f.write_text(body + "\n")
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    hits = [x for x in rows if x["status"] == "UNKNOWN" and x["path"] == path]
    assert [(x["rule_id"], x["logical_id"]) for x in hits] == [("SM-REFERENCE", "Nb")]
    line = f.read_text().splitlines().index(next(t for t in f.read_text().splitlines()
                                                   if "Fn::Transform" in t)) + 1
    assert hits[0]["line"] == line
    assert "s3://bucket/snippet.yaml" in hits[0]["found"]
    assert "Fn::Transform" in hits[0]["fix"]
    assert not [x for x in rows if x["status"] == "FAIL"]
    if where in ("props", "whole-props"):
        assert len(rows) == 1


def test_a_transform_in_mappings_read_by_a_sagemaker_resource_cannot_be_verified(profile_file, tmp_path):
    f = tmp_path / "t.yaml"
    f.write_text("Mappings:\n  Net:" + _INCLUDE.format(indent="    ", name="AWS::Include") +
                 "\n    Main:\n      Subnet: subnet-0aaaaaaaaaaaaaaaa\nResources:\n  Nb:\n"
                 + _CLOSED_NB.replace("SubnetId: subnet-0aaaaaaaaaaaaaaaa",
                                      "SubnetId: !FindInMap [Net, Main, Subnet]") + "\n")
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    assert [(x["status"], x["logical_id"], x["path"], x["line"]) for x in rows] == [
        ("UNKNOWN", "Mappings", "Mappings.Net.Fn::Transform", 3)]


@pytest.mark.parametrize("section", ["Outputs", "props-of-a-bucket"])
def test_a_transform_that_adds_no_sagemaker_request_is_not_reported(profile_file, tmp_path, section):
    if section == "Outputs":
        body = ("Resources:\n  Nb:\n" + _CLOSED_NB + "\nOutputs:"
                + _INCLUDE.format(indent="  ", name="AWS::Include"))
    else:
        body = ("Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:"
                + _INCLUDE.format(indent="      ", name="AWS::Include"))
    f = tmp_path / "t.yaml"
    f.write_text(body + "\n")
    r, rows = run_json(profile_file, str(f))
    assert (r.exit_code, [x for x in rows if x.get("status") in ("FAIL", "UNKNOWN")]) == (0, [])
