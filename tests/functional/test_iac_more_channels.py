"""``safemaker check`` on channels that create SageMaker resources other than a SageMaker resource
type: stack sets, CloudFormation registry types, EventBridge Scheduler universal targets, SSM
Automation ``aws:executeAwsApi`` steps, and the Terraform AWS Cloud Control provider (``awscc``).
Each must be checked like the request it causes, or reported as "cannot be verified"; never passed.

The inputs in ``tests/data/iac/authored/trial6`` are a reviewer's reproducers. Expected values come
from the sources' own documentation and schemas, not from safemaker's code:

- ``CreateNotebookInstance``: ``DirectInternetAccess`` "Enabled" gives the notebook internet access
  (botocore's service model documentation of the member, read below); ``CreateDomain``
  ``AppNetworkAccessType`` "PublicInternetOnly" likewise.
- ``AWS::CloudFormation::StackSet`` (cfn-lint's resource schema, read below): ``TemplateBody`` is the
  template, ``TemplateURL`` its S3 location; Terraform ``aws_cloudformation_stack_set``
  (provider docs ``r/cloudformation_stack_set``): ``template_body`` / ``template_url``.
"""

from __future__ import annotations

import json
from pathlib import Path

import botocore.session
import pytest
from typer.testing import CliRunner

from safemaker.cli import app
from test_iac_cli import ROLE, profile_file, run_json  # noqa: F401  (profile_file: fixture)

TRIAL = Path(__file__).parents[1] / "data" / "iac" / "authored" / "trial6"
runner = CliRunner()


def _schema(rtype):
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    return PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", rtype).schema


def _line(path, text):
    return next(i for i, t in enumerate(Path(path).read_text().splitlines(), 1) if text in t)


def test_oracle_direct_internet_access_enabled_is_internet_access():
    model = botocore.session.get_session().get_service_model("sagemaker")
    text = model.operation_model("CreateNotebookInstance").input_shape.members["DirectInternetAccess"].documentation
    assert "Enabled" in text and "internet" in text.lower()


def test_cloudformation_stack_set_template_body_is_checked(profile_file):
    assert {"TemplateBody", "TemplateURL", "Parameters"} <= set(_schema("AWS::CloudFormation::StackSet")["properties"])
    r, rows = run_json(profile_file, str(TRIAL / "stackset.yaml"))
    assert r.exit_code == 3
    fails = {(x["rule_id"], x["logical_id"], x["path"], x["found"]) for x in rows if x["status"] == "FAIL"}
    assert ("SM-NB-DIRECT-INTERNET", "Set/Nb", "DirectInternetAccess", "Enabled") in fails
    assert ("SM-NB-ROOT", "Set/Nb", "RootAccess", "Enabled") in fails


def test_cloudformation_stack_set_parameters_and_url(profile_file, tmp_path):
    f = tmp_path / "sets.yaml"
    f.write_text(f"""AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Local:
    Type: AWS::CloudFormation::StackSet
    Properties:
      StackSetName: nb
      PermissionModel: SELF_MANAGED
      Parameters: [{{ParameterKey: Internet, ParameterValue: Enabled}}]
      TemplateBody: |
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
  Remote:
    Type: AWS::CloudFormation::StackSet
    Properties:
      StackSetName: remote
      PermissionModel: SERVICE_MANAGED
      TemplateURL: https://s3.amazonaws.com/bucket/set.yaml
""")
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    assert sorted((x["status"], x["rule_id"], x["logical_id"], x["found"] if x["status"] == "FAIL" else None)
                  for x in rows) == [
        ("FAIL", "SM-NB-DIRECT-INTERNET", "Local/Nb", "Enabled"),
        ("UNKNOWN", "SM-REFERENCE", "Remote", None)]
    remote = next(x for x in rows if x["logical_id"] == "Remote")
    assert "https://s3.amazonaws.com/bucket/set.yaml" in remote["found"]
    assert remote["line"] == _line(f, "TemplateURL:")


def test_terraform_stack_set_template_body_is_checked(profile_file):
    r, rows = run_json(profile_file, str(TRIAL / "plan_stackset.json"))
    assert r.exit_code == 3
    fails = {(x["rule_id"], x["logical_id"], x["found"]) for x in rows if x["status"] == "FAIL"}
    assert ("SM-NB-DIRECT-INTERNET", "aws_cloudformation_stack_set.nb/Nb", "Enabled") in fails


def test_terraform_stack_set_template_url_cannot_be_verified(profile_file, tmp_path):
    f = tmp_path / "plan.json"
    f.write_text(json.dumps({"format_version": "1.2", "resource_changes": [{
        "address": "aws_cloudformation_stack_set.s", "mode": "managed", "type": "aws_cloudformation_stack_set",
        "name": "s", "change": {"actions": ["create"], "after": {
            "name": "s", "template_url": "https://s3.amazonaws.com/bucket/set.yaml"}, "after_unknown": {}}}]}))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    assert [(x["status"], x["logical_id"], x["source_type"]) for x in rows] == [
        ("UNKNOWN", "aws_cloudformation_stack_set.s", "aws_cloudformation_stack_set")]


def test_registry_type_naming_sagemaker_cannot_be_verified(profile_file):
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER, ResourceNotFoundError

    with pytest.raises(ResourceNotFoundError):  # not a type the installed CloudFormation schemas know
        PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", "TF::AWS::SagemakerDomain")
    path = TRIAL / "registry_type.yaml"
    r, rows = run_json(profile_file, str(path))
    assert r.exit_code == 3
    assert [(x["status"], x["logical_id"], x["source_type"], x["line"]) for x in rows] == [
        ("UNKNOWN", "Studio", "TF::AWS::SagemakerDomain", _line(path, "Type: TF::AWS::SagemakerDomain"))]


def test_template_without_any_recognised_request_does_not_say_closed(profile_file, tmp_path):
    f = tmp_path / "bucket.yaml"
    f.write_text('AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  B: {Type: "AWS::S3::Bucket"}\n')
    r = runner.invoke(app, ["check", str(f), "-p", profile_file])
    assert r.exit_code == 0
    assert "closed network" not in r.stdout
    assert "No SageMaker request recognised" in r.stdout and "bucket.yaml (cloudformation)" in r.stdout


def test_json_and_sarif_say_so_too(profile_file, tmp_path):
    import jsonschema

    from test_iac_cli import SARIF_SCHEMA

    f = tmp_path / "bucket.yaml"
    f.write_text('AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  B: {Type: "AWS::S3::Bucket"}\n')
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 0
    (row,) = rows
    assert row["kind"] == "notice" and row["message"].startswith("No SageMaker request recognised in ")
    assert "bucket.yaml (cloudformation)" in row["message"]
    out = tmp_path / "r.sarif"
    r = runner.invoke(app, ["check", str(f), "-p", profile_file, "-f", "sarif", "-o", str(out)])
    log = json.loads(out.read_text())
    jsonschema.validate(log, SARIF_SCHEMA)
    run = log["runs"][0]
    assert run["results"] == []
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert note["level"] == "note" and note["message"]["text"] == row["message"]
    # a source with a request checked and found closed: no notice
    nb = tmp_path / "nb.yaml"
    nb.write_text(f"""Resources:
  Nb:
    Type: AWS::SageMaker::NotebookInstance
    Properties: {{InstanceType: ml.t3.medium, RoleArn: "{ROLE}", SubnetId: subnet-0aaaaaaaaaaaaaaaa,
                 SecurityGroupIds: [sg-0bbbbbbbbbbbbbbbb], DirectInternetAccess: Disabled, RootAccess: Disabled}}
""")
    r, rows = run_json(profile_file, str(nb))
    assert (r.exit_code, rows) == (0, [])


# --------------------------------------------------------------------------- SDK calls in other services
# EventBridge Scheduler User Guide, "Using universal targets": arn:aws:scheduler:::aws-sdk:<service>:<apiAction>,
# the target's Input is the API request (JSON). SSM Automation action reference, aws:executeAwsApi:
# inputs Service, Api and the API's request members; {{ Name }} is an automation parameter.


def test_schema_oracle_for_scheduler_and_ssm_document():
    target = _schema("AWS::Scheduler::Schedule")["definitions"]["Target"]["properties"]
    assert {"Arn", "Input"} <= set(target)
    ssm = _schema("AWS::SSM::Document")["properties"]
    assert "Automation" in ssm["DocumentType"]["enum"] and "object" in ssm["Content"]["type"]


def test_scheduler_universal_target_and_ssm_automation_are_checked(profile_file):
    path = TRIAL / "scheduler.yaml"
    r, rows = run_json(profile_file, str(path))
    assert r.exit_code == 3
    fails = {(x["rule_id"], x["logical_id"], x["path"], x["found"], x["line"]) for x in rows
             if x["status"] == "FAIL" and not x["found_absent"]}
    assert fails == {
        ("SM-NB-DIRECT-INTERNET", "Sched", "Target.Input.DirectInternetAccess", "Enabled", _line(path, "Input:")),
        ("SM-NB-ROOT", "Sched", "Target.Input.RootAccess", "Enabled", _line(path, "Input:")),
        ("SM-NB-DIRECT-INTERNET", "Doc", "Content.mainSteps[0].inputs.DirectInternetAccess", "Enabled",
         _line(path, "DirectInternetAccess: Enabled")),
    }


def test_terraform_scheduler_target_is_checked(profile_file):
    r, rows = run_json(profile_file, str(TRIAL / "plan_stackset.json"))
    fails = {(x["rule_id"], x["logical_id"], x["path"], x["found"]) for x in rows if x["status"] == "FAIL"}
    assert ("SM-NB-DIRECT-INTERNET", "aws_scheduler_schedule.s", "target.input.DirectInternetAccess",
            "Enabled") in fails


def test_closed_scheduler_target_and_automation_parameter(profile_file, tmp_path):
    closed = {"NotebookInstanceName": "nb", "InstanceType": "ml.t3.medium", "RoleArn": ROLE,
              "DirectInternetAccess": "Disabled", "RootAccess": "Disabled",
              "SubnetId": "subnet-0aaaaaaaaaaaaaaaa", "SecurityGroupIds": ["sg-0bbbbbbbbbbbbbbbb"]}
    content = {"schemaVersion": "0.3", "parameters": {"Internet": {"type": "String"}}, "mainSteps": [
        {"name": "mk", "action": "aws:executeAwsApi",
         "inputs": {"Service": "sagemaker", "Api": "CreateNotebookInstance",
                    **closed, "DirectInternetAccess": "{{ Internet }}"}}]}
    f = tmp_path / "plan.json"
    f.write_text(json.dumps({"format_version": "1.2", "resource_changes": [
        {"address": "aws_scheduler_schedule.ok", "mode": "managed", "type": "aws_scheduler_schedule", "name": "ok",
         "change": {"actions": ["create"], "after": {"name": "ok", "target": [{
             "arn": "arn:aws:scheduler:::aws-sdk:sagemaker:createNotebookInstance", "role_arn": ROLE,
             "input": json.dumps(closed)}]}, "after_unknown": {}}},
        {"address": "aws_ssm_document.auto", "mode": "managed", "type": "aws_ssm_document", "name": "auto",
         "change": {"actions": ["create"], "after": {"name": "auto", "document_type": "Automation",
                                                     "document_format": "JSON", "content": json.dumps(content)},
                    "after_unknown": {}}}]}, indent=1))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    assert [(x["status"], x["rule_id"], x["logical_id"], x["path"]) for x in rows] == [
        ("UNKNOWN", "SM-NB-DIRECT-INTERNET", "aws_ssm_document.auto", "content.mainSteps[0].inputs.DirectInternetAccess")]
    assert "{{ Internet }}" in rows[0]["found"]


# --------------------------------------------------------------------------- Terraform awscc provider
# hashicorp/awscc is generated from the CloudFormation resource schemas: awscc_sagemaker_<type> is
# AWS::SageMaker::<Type>, each attribute the schema's property in snake_case (registry docs of the
# provider, e.g. awscc_sagemaker_domain: app_network_access_type, default_user_settings.execution_role).


def test_awscc_resources_are_checked_as_their_cloudformation_types(profile_file):
    domain = _schema("AWS::SageMaker::Domain")["properties"]
    assert {"AppNetworkAccessType", "VpcId", "SubnetIds", "DefaultUserSettings"} <= set(domain)
    space = _schema("AWS::SageMaker::Space")
    assert "RemoteAccess" in space["definitions"]["SpaceSettings"]["properties"]
    path = TRIAL / "plan_awscc.json"
    r, rows = run_json(profile_file, str(path))
    assert r.exit_code == 3
    written = {(x["logical_id"], x["path"], x["found"], x["line"]) for x in rows
               if x["status"] == "FAIL" and not x["found_absent"]}
    assert written == {
        ("awscc_sagemaker_domain.studio", "app_network_access_type", "PublicInternetOnly",
         _line(path, "PublicInternetOnly")),
        ("awscc_sagemaker_space.s", "space_settings.remote_access", "ENABLED", _line(path, "remote_access")),
    }


def test_awscc_type_or_attribute_that_cannot_be_mapped_cannot_be_verified(profile_file, tmp_path):
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    types = PROVIDER_SCHEMA_MANAGER.get_resource_types("us-east-1")
    assert "AWS::SageMaker::FutureThing" not in types and "AWS::SageMaker::StudioLifecycleConfig" in types
    closed_nb = {"instance_type": "ml.t3.medium", "role_arn": ROLE, "direct_internet_access": "Disabled",
                 "root_access": "Disabled", "subnet_id": "subnet-0aaaaaaaaaaaaaaaa",
                 "security_group_ids": ["sg-0bbbbbbbbbbbbbbbb"], "id": "x", "kms_key_id": None}
    f = tmp_path / "plan.json"
    f.write_text(json.dumps({"format_version": "1.2", "resource_changes": [
        {"address": f"{t}.{n}", "mode": "managed", "type": t, "name": n,
         "change": {"actions": ["create"], "after": after, "after_unknown": unk}} for t, n, after, unk in [
            ("awscc_sagemaker_future_thing", "f", {"name": "f"}, {}),
            ("awscc_sagemaker_studio_lifecycle_config", "lc", {"studio_lifecycle_config_name": "lc"}, {}),
            ("awscc_sagemaker_notebook_instance", "ok", closed_nb, {}),
            ("awscc_sagemaker_notebook_instance", "later", {**closed_nb, "direct_internet_access": None},
             {"direct_internet_access": True}),
            ("awscc_sagemaker_notebook_instance", "odd", {**closed_nb, "network_access_mode": "Public"}, {}),
        ]]}, indent=1))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    assert sorted((x["status"], x["logical_id"], x["path"]) for x in rows) == [
        ("UNKNOWN", "awscc_sagemaker_future_thing.f", ""),
        ("UNKNOWN", "awscc_sagemaker_notebook_instance.later", "direct_internet_access"),
        ("UNKNOWN", "awscc_sagemaker_notebook_instance.odd", "network_access_mode")]


# SSM Automation action reference: aws:loop runs its inputs.Steps (each a step like a top-level one);
# aws:createStack creates a stack from inputs.TemplateBody (or TemplateURL) with inputs.Parameters
# [{ParameterKey, ParameterValue}]; aws:executeScript runs inputs.Script (Python or PowerShell).
_OPEN_NB = {"NotebookInstanceName": "nb", "InstanceType": "ml.t3.medium", "RoleArn": ROLE,
            "DirectInternetAccess": "Enabled", "RootAccess": "Disabled",
            "SubnetId": "subnet-0aaaaaaaaaaaaaaaa", "SecurityGroupIds": ["sg-0bbbbbbbbbbbbbbbb"]}
_NB_TEMPLATE = {"Parameters": {"Internet": {"Type": "String", "Default": "Disabled"}},
                "Resources": {"Nb": {"Type": "AWS::SageMaker::NotebookInstance", "Properties": {
                    "InstanceType": "ml.t3.medium", "RoleArn": ROLE, "DirectInternetAccess": {"Ref": "Internet"},
                    "RootAccess": "Disabled", "SubnetId": "subnet-0aaaaaaaaaaaaaaaa",
                    "SecurityGroupIds": ["sg-0bbbbbbbbbbbbbbbb"]}}}}


def _automation(tmp_path, *steps):
    f = tmp_path / "auto.json"
    f.write_text(json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"Doc": {
        "Type": "AWS::SSM::Document", "Properties": {"DocumentType": "Automation", "Content": {
            "schemaVersion": "0.3", "parameters": {"Open": {"type": "String"}}, "mainSteps": list(steps)}}}}},
        indent=1))
    return str(f)


def test_automation_steps_inside_a_loop_are_checked(profile_file, tmp_path):
    loop = {"name": "each", "action": "aws:loop", "inputs": {"Iterators": ["a", "b"], "Steps": [
        {"name": "sleep", "action": "aws:sleep", "inputs": {"Duration": "PT1S"}},
        {"name": "mk", "action": "aws:executeAwsApi",
         "inputs": {"Service": "sagemaker", "Api": "CreateNotebookInstance", **_OPEN_NB}}]}}
    r, rows = run_json(profile_file, _automation(tmp_path, loop))
    assert r.exit_code == 3
    assert [(x["status"], x["rule_id"], x["path"], x["found"]) for x in rows] == [
        ("FAIL", "SM-NB-DIRECT-INTERNET", "Content.mainSteps[0].inputs.Steps[1].inputs.DirectInternetAccess",
         "Enabled")]


def test_automation_create_stack_template_body_is_checked_with_its_parameters(profile_file, tmp_path):
    def stack(value):
        return {"name": "stack", "action": "aws:createStack", "inputs": {
            "StackName": "s", "TemplateBody": json.dumps(_NB_TEMPLATE),
            "Parameters": [{"ParameterKey": "Internet", "ParameterValue": value}]}}

    r, rows = run_json(profile_file, _automation(tmp_path, stack("Enabled")))
    assert r.exit_code == 3
    assert [(x["status"], x["rule_id"], x["found"]) for x in rows] == [("FAIL", "SM-NB-DIRECT-INTERNET", "Enabled")]
    r, rows = run_json(profile_file, _automation(tmp_path, stack("Disabled")))
    assert r.exit_code == 0 and rows == []
    r, rows = run_json(profile_file, _automation(tmp_path, stack("{{ Open }}")))
    assert [(x["status"], x["rule_id"]) for x in rows] == [("UNKNOWN", "SM-NB-DIRECT-INTERNET")]


def test_automation_steps_that_cannot_be_verified_are_unknown(profile_file, tmp_path):
    url = {"name": "stack", "action": "aws:createStack",
           "inputs": {"StackName": "s", "TemplateURL": "https://s3.amazonaws.com/b/t.yaml"}}
    script = {"name": "py", "action": "aws:executeScript", "inputs": {
        "Runtime": "python3.11", "Handler": "main",
        "Script": "import boto3\ndef main(e, c):\n    boto3.client('sagemaker').create_notebook_instance(**e)\n"}}
    other = {"name": "py2", "action": "aws:executeScript",
             "inputs": {"Runtime": "python3.11", "Handler": "main", "Script": "def main(e, c):\n    return 1\n"}}
    r, rows = run_json(profile_file, _automation(tmp_path, url, script, other))
    assert r.exit_code == 3
    assert sorted((x["status"], x["path"]) for x in rows) == [
        ("UNKNOWN", "Content.mainSteps[0].inputs.TemplateURL"), ("UNKNOWN", "Content.mainSteps[1].inputs.Script")]


@pytest.mark.parametrize("api", ["CreateNotebookInstance", "createNotebookInstance", "create_notebook_instance"])
def test_automation_api_spellings(profile_file, tmp_path, api):
    """Automation action reference, aws:executeAwsApi: Api is the API operation's name; the method name of
    the boto3 Services Reference (botocore.xform_name of the operation) names it too (trial 7)."""
    assert botocore.xform_name("CreateNotebookInstance") == "create_notebook_instance"
    step = {"name": "mk", "action": "aws:executeAwsApi", "inputs": {"Service": "sagemaker", "Api": api, **_OPEN_NB}}
    r, rows = run_json(profile_file, _automation(tmp_path, step))
    assert [(x["status"], x["rule_id"], x["found"]) for x in rows] == [("FAIL", "SM-NB-DIRECT-INTERNET", "Enabled")]


# --------------------------------------------------------------------------- CloudFormation called by other services
# CloudFormation API reference: CreateStack creates the stack's resources from TemplateBody (or TemplateURL)
# with Parameters [{ParameterKey, ParameterValue | UsePreviousValue}]; ExecuteChangeSet creates a change set's
# resources (the template is not in the request). Step Functions AWS SDK integrations
# (arn:aws:states:::aws-sdk:cloudformation:createStack), Scheduler universal targets and Automation
# aws:executeAwsApi (Service cloudformation) send that request. Service Catalog launches a product's own template.


def _stack_request(value="Enabled", **extra):
    return {"StackName": "s", "TemplateBody": json.dumps(_NB_TEMPLATE),
            "Parameters": [{"ParameterKey": "Internet", "ParameterValue": value}], **extra}


def _template(tmp_path, resources):
    f = tmp_path / "t.json"
    f.write_text(json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}, indent=1))
    return str(f)


def _sfn(request, resource="arn:aws:states:::aws-sdk:cloudformation:createStack"):
    return {"Type": "AWS::StepFunctions::StateMachine", "Properties": {"RoleArn": ROLE, "Definition": {
        "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource, "Parameters": request,
                                         "End": True}}}}}


def _ssm(request, api="CreateStack"):
    return {"Type": "AWS::SSM::Document", "Properties": {"DocumentType": "Automation", "Content": {
        "schemaVersion": "0.3", "mainSteps": [{"name": "mk", "action": "aws:executeAwsApi",
                                               "inputs": {"Service": "cloudformation", "Api": api, **request}}]}}}


def _schedule(request, action="createStack"):
    return {"Type": "AWS::Scheduler::Schedule", "Properties": {
        "ScheduleExpression": "rate(1 day)", "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {"Arn": f"arn:aws:scheduler:::aws-sdk:cloudformation:{action}", "RoleArn": ROLE,
                   "Input": json.dumps(request)}}}


def test_cloudformation_calls_from_other_services_are_read_with_their_parameters(profile_file, tmp_path):
    r, rows = run_json(profile_file, _template(tmp_path, {
        "Sfn": _sfn(_stack_request()), "Doc": _ssm(_stack_request()), "Sched": _schedule(_stack_request())}))
    assert r.exit_code == 3
    assert sorted((x["status"], x["rule_id"], x["logical_id"].split("/")[0], x["found"]) for x in rows) == [
        ("FAIL", "SM-NB-DIRECT-INTERNET", ident, "Enabled") for ident in ("Doc", "Sched", "Sfn")]
    r, rows = run_json(profile_file, _template(tmp_path, {
        "Sfn": _sfn(_stack_request("Disabled")), "Doc": _ssm(_stack_request("Disabled"), api="create_stack"),
        "Sched": _schedule(_stack_request("Disabled"))}))
    assert r.exit_code == 0 and rows == []


def test_cloudformation_calls_whose_template_is_not_in_the_source_cannot_be_verified(profile_file, tmp_path):
    url = {"StackName": "s", "TemplateURL": "https://s3.amazonaws.com/b/t.yaml"}
    r, rows = run_json(profile_file, _template(tmp_path, {
        "Sfn": _sfn(url), "Doc": _ssm({"ChangeSetName": "c"}, api="ExecuteChangeSet"),
        "Sched": _schedule({"StackName": "s", "UsePreviousTemplate": True}, action="updateStack"),
        "Other": _sfn({"StackName": "s"}, resource="arn:aws:states:::aws-sdk:cloudformation:describeStacks"),
        "Product": {"Type": "AWS::ServiceCatalog::CloudFormationProvisionedProduct",
                    "Properties": {"ProductName": "sagemaker-project", "ProvisioningArtifactName": "v1"}}}))
    assert r.exit_code == 3
    assert sorted((x["status"], x["logical_id"], x["path"]) for x in rows) == [
        ("UNKNOWN", "Doc", "Content.mainSteps[0].inputs"),
        ("UNKNOWN", "Product", "Type"),
        ("UNKNOWN", "Sched", "Target.Input.UsePreviousTemplate"),
        ("UNKNOWN", "Sfn", "Definition.States.T.Parameters.TemplateURL"),
    ]


def test_terraform_service_catalog_product_cannot_be_verified(profile_file, tmp_path):
    f = tmp_path / "plan.json"
    f.write_text(json.dumps({"format_version": "1.2", "resource_changes": [
        {"address": "aws_servicecatalog_provisioned_product.p", "mode": "managed",
         "type": "aws_servicecatalog_provisioned_product", "name": "p",
         "change": {"actions": ["create"], "after": {"name": "p", "product_name": "sagemaker-project"},
                    "after_unknown": {}}}]}))
    r, rows = run_json(profile_file, str(f))
    assert [(x["status"], x["logical_id"]) for x in rows] == [("UNKNOWN", "aws_servicecatalog_provisioned_product.p")]


def test_a_cloudformation_target_input_with_a_repeated_key_is_bad_input(profile_file, tmp_path):
    """As for a SageMaker universal target: which value CloudFormation would get is not ours to guess."""
    sched = _schedule({})
    sched["Properties"]["Target"]["Input"] = '{"StackName": "a", "StackName": "b", "TemplateBody": "{}"}'
    r, _ = run_json(profile_file, _template(tmp_path, {"Sched": sched}))
    assert r.exit_code == 2 and "StackName" in " ".join(r.stderr.split())


def test_terraform_cloudcontrolapi_resource_is_checked_as_its_cloudformation_type(profile_file, tmp_path):
    """Trial 8 F07: ``aws_cloudcontrolapi_resource`` (Terraform AWS provider r/cloudcontrolapi_resource:
    ``type_name``, ``desired_state`` JSON) creates the CloudFormation type with those properties."""
    nb = {"InstanceType": "ml.t3.medium", "RoleArn": ROLE, "DirectInternetAccess": "Enabled", "RootAccess": "Disabled",
          "SubnetId": "subnet-0aaaaaaaaaaaaaaaa", "SecurityGroupIds": ["sg-0bbbbbbbbbbbbbbbb"]}
    assert set(nb) <= set(_schema("AWS::SageMaker::NotebookInstance")["properties"])
    f = tmp_path / "plan.json"
    f.write_text(json.dumps({"format_version": "1.2", "resource_changes": [
        {"address": f"aws_cloudcontrolapi_resource.{n}", "mode": "managed", "type": "aws_cloudcontrolapi_resource",
         "name": n, "change": {"actions": ["create"], "after": after, "after_unknown": unk}} for n, after, unk in [
            ("nb", {"type_name": "AWS::SageMaker::NotebookInstance", "desired_state": json.dumps(nb)}, {}),
            ("bucket", {"type_name": "AWS::S3::Bucket", "desired_state": json.dumps({"BucketName": "b"})}, {}),
            ("later", {"type_name": "AWS::SageMaker::NotebookInstance", "desired_state": None},
             {"desired_state": True}),
        ]]}, indent=1))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    assert sorted((x["status"], x["rule_id"], x["logical_id"], x["path"]) for x in rows) == [
        ("FAIL", "SM-NB-DIRECT-INTERNET", "aws_cloudcontrolapi_resource.nb", "DirectInternetAccess"),
        ("UNKNOWN", "SM-REFERENCE", "aws_cloudcontrolapi_resource.later", "desired_state"),
    ]
    assert [x["found"] for x in rows if x["status"] == "FAIL"] == ["Enabled"]
    assert [x["found"] for x in rows if x["status"] == "UNKNOWN"][0].endswith("(known after apply)")
