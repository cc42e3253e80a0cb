"""``safemaker check`` on sources that move a SageMaker pipeline version alias or an SSM document's default version.

Session 14 made the process guard decide sagemaker ``UpdatePipelineVersion`` adding an alias as a start of that version
and ssm ``UpdateDocumentDefaultVersion`` as a runbook runner. What IaC can do the same:

- No CloudFormation type and no Terraform resource moves a pipeline version alias: ``AWS::SageMaker::Pipeline`` has no
  property naming a version or an alias, and no resource schema's handlers hold ``sagemaker:UpdatePipelineVersion``
  (cfn-lint's schemas, asserted below); the Terraform AWS provider's r/sagemaker_pipeline has the arguments
  ``pipeline_name``, ``pipeline_display_name``, ``pipeline_description``, ``pipeline_definition``,
  ``pipeline_definition_s3_location``, ``role_arn``, ``parallelism_configuration``, ``tags`` (no version, no alias),
  and ``awscc_sagemaker_pipeline`` is generated from the CloudFormation schema. A source can still carry the *call*:
  a Step Functions AWS SDK task ``arn:aws:states:::aws-sdk:sagemaker:updatePipelineVersion``, an Automation
  ``aws:executeAwsApi`` step, a Scheduler universal target, a CDK ``AwsCustomResource``. Such a call adding an alias
  was passed by ``check`` (the operation has no rule); it is now reported as not verifiable before deployment (the
  version's definition is SageMaker's, not the source's), the hooks deciding it when it is sent.
- ``AWS::SSM::Document`` (``UpdateMethod: NewVersion``, whose update handler holds ``ssm:UpdateDocumentDefaultVersion``)
  and Terraform's ``aws_ssm_document`` (its update calls ``UpdateDocument`` with ``content`` then
  ``UpdateDocumentDefaultVersion`` to the version that made, or to ``latest_version`` when the content is a
  duplicate: the provider's ``internal/service/ssm/document.go``) make default only the content the source holds,
  which ``check`` decides as written: an open step fails whatever the update method.

Oracles: cfn-lint's CloudFormation resource schemas, the Terraform AWS provider documentation and source named above,
botocore's sagemaker model (``UpdatePipelineVersion.PipelineVersionAliasOperations``: "The aliases to add to or remove
from the pipeline version"), the SageMaker API reference (``DirectInternetAccess`` ``Enabled`` opens a notebook).
"""

from __future__ import annotations

import json

import botocore.session
import pytest

from _other_services import notebook_runbook
from test_iac_cli import ROLE, profile_file, run_json  # noqa: F401  (profile_file: fixture)

PIPELINE = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/p"
OPEN_NB = {"NotebookInstanceName": "open", "InstanceType": "ml.t3.medium", "RoleArn": ROLE,
           "DirectInternetAccess": "Enabled", "RootAccess": "Disabled", "SubnetId": "subnet-0aaaaaaaaaaaaaaaa",
           "SecurityGroupIds": ["sg-0bbbbbbbbbbbbbbbb"]}


def write(tmp_path, resources):
    f = tmp_path / "t.json"
    f.write_text(json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}, indent=1))
    return str(f)


def plan(tmp_path, changes):
    f = tmp_path / "plan.json"
    f.write_text(json.dumps({"format_version": "1.2", "configuration": {"root_module": {}}, "resource_changes": [
        {"address": a, "mode": "managed", "type": a.split(".")[0], "name": a.split(".")[1],
         "change": {"actions": actions, "after": after, "after_unknown": {}}} for a, actions, after in changes]}))
    return str(f)


def task_machine(resource, parameters):
    return {"Type": "AWS::StepFunctions::StateMachine", "Properties": {"RoleArn": ROLE, "Definition": {
        "StartAt": "S", "States": {"S": {"Type": "Task", "Resource": resource, "Parameters": parameters,
                                         "End": True}}}}}


def rows_of(rows):
    return sorted((x["status"], x["rule_id"], x["logical_id"], x["path"]) for x in rows if "status" in x)


def _schemas():
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    return PROVIDER_SCHEMA_MANAGER


# --------------------------------------------------------------------------- the evidence


def test_no_cloudformation_type_moves_a_pipeline_version_alias():
    manager = _schemas()
    pipeline = manager.get_resource_schema("us-east-1", "AWS::SageMaker::Pipeline").schema
    assert not [p for p in pipeline["properties"] if "version" in p.lower() or "alias" in p.lower()]
    holders = [t for t in manager.get_resource_types("us-east-1")
               if "sagemaker:UpdatePipelineVersion" in json.dumps(manager.get_resource_schema("us-east-1", t).schema)]
    assert holders == []
    # the call exists, with the member that moves an alias (botocore's model)
    op = botocore.session.get_session().get_service_model("sagemaker").operation_model("UpdatePipelineVersion")
    assert set(op.input_shape.members["PipelineVersionAliasOperations"].members) >= {"Add", "Remove"}


def test_the_document_type_that_moves_a_default_version_holds_the_content_it_moves_to():
    manager = _schemas()
    holders = [t for t in manager.get_resource_types("us-east-1") if "ssm:UpdateDocumentDefaultVersion" in
               json.dumps(manager.get_resource_schema("us-east-1", t).schema.get("handlers") or {})]
    assert holders == ["AWS::SSM::Document"]
    document = manager.get_resource_schema("us-east-1", "AWS::SSM::Document").schema
    assert "NewVersion" in document["properties"]["UpdateMethod"]["enum"]
    assert "Content" in document["properties"]
    assert not [p for p in document["properties"] if "default" in p.lower()]   # no version to choose


# --------------------------------------------------------------------------- a pipeline version alias moved by a call


@pytest.mark.parametrize("operations, path", [
    ({"Add": ["prod"]}, "PipelineVersionAliasOperations.Add"),
    ({"Add.$": "$.aliases"}, "PipelineVersionAliasOperations.Add.$"),   # chosen when the task runs: may add one
    ({"Add": ["prod"], "Remove": ["old"]}, "PipelineVersionAliasOperations.Add"),
], ids=["add", "add-at-run-time", "add-and-remove"])
def test_a_task_moving_a_pipeline_alias_cannot_be_verified(profile_file, tmp_path, operations, path):
    r, rows = run_json(profile_file, write(tmp_path, {"M": task_machine(
        "arn:aws:states:::aws-sdk:sagemaker:updatePipelineVersion",
        {"PipelineArn": PIPELINE, "PipelineVersionId": 2, "PipelineVersionAliasOperations": operations})}))
    assert r.exit_code == 3, r.output
    assert rows_of(rows) == [("UNKNOWN", "SM-REFERENCE", "M", f"Definition.States.S.Parameters.{path}")]


@pytest.mark.parametrize("parameters", [
    {"PipelineArn": PIPELINE, "PipelineVersionId": 2, "PipelineVersionDisplayName": "v2"},
    {"PipelineArn": PIPELINE, "PipelineVersionId": 2, "PipelineVersionAliasOperations": {"Remove": ["prod"]}},
], ids=["rename", "remove"])
def test_a_task_that_adds_no_alias_routes_nothing_anew(profile_file, tmp_path, parameters):
    r, rows = run_json(profile_file, write(tmp_path, {"M": task_machine(
        "arn:aws:states:::aws-sdk:sagemaker:updatePipelineVersion", parameters)}))
    assert r.exit_code == 0, r.output
    assert rows_of(rows) == []


def test_a_terraform_automation_step_moving_a_pipeline_alias_cannot_be_verified(profile_file, tmp_path):
    content = json.dumps({"schemaVersion": "0.3", "mainSteps": [{"name": "move", "action": "aws:executeAwsApi",
                                                                  "inputs": {"Service": "sagemaker",
                                                                             "Api": "UpdatePipelineVersion",
                                                                             "PipelineArn": PIPELINE,
                                                                             "PipelineVersionId": 3,
                                                                             "PipelineVersionAliasOperations": {
                                                                                 "Add": ["prod"]}}}]})
    r, rows = run_json(profile_file, plan(tmp_path, [("aws_ssm_document.d", ["create"], {
        "name": "d", "document_type": "Automation", "document_format": "JSON", "content": content})]))
    assert r.exit_code == 3, r.output
    assert rows_of(rows) == [("UNKNOWN", "SM-REFERENCE", "aws_ssm_document.d",
                              "content.mainSteps[0].inputs.PipelineVersionAliasOperations.Add")]


# --------------------------------------------------------------------------- an SSM document's default version


def failed(rows):
    """(logical ID, path, found) of each FAIL: the value the SageMaker API reference names as opening the notebook."""
    return sorted((x["logical_id"], x["path"], x["found"]) for x in rows if x.get("status") == "FAIL")


def test_a_template_document_made_default_by_its_update_is_checked_as_written(profile_file, tmp_path):
    content = json.loads(notebook_runbook(OPEN_NB))
    r, rows = run_json(profile_file, write(tmp_path, {"Doc": {"Type": "AWS::SSM::Document", "Properties": {
        "DocumentType": "Automation", "UpdateMethod": "NewVersion", "Content": content}}}))
    assert r.exit_code == 3, r.output
    assert failed(rows) == [("Doc", "Content.mainSteps[0].inputs.DirectInternetAccess", "Enabled")]


def test_a_terraform_document_update_is_checked_as_written(profile_file, tmp_path):
    r, rows = run_json(profile_file, plan(tmp_path, [("aws_ssm_document.d", ["update"], {
        "name": "d", "document_type": "Automation", "document_format": "JSON",
        "content": notebook_runbook(OPEN_NB)})]))
    assert r.exit_code == 3, r.output
    assert failed(rows) == [("aws_ssm_document.d", "content.mainSteps[0].inputs.DirectInternetAccess", "Enabled")]


def test_a_task_making_a_version_default(profile_file, tmp_path):
    """ssm UpdateDocumentDefaultVersion in a task: an existing document's version cannot be verified; a document of
    the same template is checked there (as the content it holds)."""
    doc = {"Type": "AWS::SSM::Document", "Properties": {"DocumentType": "Automation",
                                                         "Content": json.loads(notebook_runbook(OPEN_NB))}}
    resource = "arn:aws:states:::aws-sdk:ssm:updateDocumentDefaultVersion"
    r, rows = run_json(profile_file, write(tmp_path, {
        "Elsewhere": task_machine(resource, {"Name": "OpenRb", "DocumentVersion": "2"}),
        "Mine": task_machine(resource, {"Name": {"Ref": "Doc"}, "DocumentVersion": "2"}), "Doc": doc}))
    assert r.exit_code == 3, r.output
    assert [(x["status"], x["logical_id"], x["path"]) for x in rows if x.get("status") == "UNKNOWN"] == [
        ("UNKNOWN", "Elsewhere",
         "Definition.States.S.Parameters.DocumentVersion ('2', the default version of 'OpenRb' from now on)")]
    assert failed(rows) == [("Doc", "Content.mainSteps[0].inputs.DirectInternetAccess", "Enabled")]
