"""``safemaker check`` of a Terraform plan reads the AWS Cloud Control provider's carriers as their CloudFormation
types (issue 13, gap 4).

hashicorp/awscc is generated from the CloudFormation resource schemas: ``awscc_cloudformation_stack_set`` is
``AWS::CloudFormation::StackSet``, each attribute a schema property in snake_case (``template_body``,
``parameters[].parameter_key`` / ``parameter_value``, ``stack_instances_group[].parameter_overrides``). A plan
creating a stack set whose template opens a notebook instance, directly or under an instance group's override,
was not read (exit 0); it is now read as the CloudFormation stack set is (its template under its parameters, and
again under each group's overrides), and so is every other carrier's awscc twin (``awscc_stepfunctions_state_machine``).

Oracles: the CloudFormation resource schemas (cfn-lint's: property names, ``StackInstances.ParameterOverrides``),
the CloudFormation template reference for ``AWS::CloudFormation::StackSet`` and ``AWS::SageMaker::NotebookInstance``
(``DirectInternetAccess``).
"""

from __future__ import annotations

import json
import re

import pytest
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

from safemaker.iac import terraform

from _profiles import ROLE, SG, SUB_A
from test_iac_cli import app, profile_file, run_json, runner  # noqa: F401  (profile_file: fixture)

CHILD = {"Parameters": {"Dia": {"Type": "String", "Default": "Disabled"}},
         "Resources": {"Nb": {"Type": "AWS::SageMaker::NotebookInstance", "Properties": {
             "InstanceType": "ml.t3.medium", "RoleArn": ROLE, "SubnetId": SUB_A, "SecurityGroupIds": [SG],
             "RootAccess": "Disabled", "DirectInternetAccess": {"Ref": "Dia"}}}}}


def _plan(tmp_path, rtype, after, unknown=None):
    f = tmp_path / "plan.json"
    f.write_text(json.dumps({"format_version": "1.2", "resource_changes": [
        {"address": f"{rtype}.x", "mode": "managed", "type": rtype, "name": "x",
         "change": {"actions": ["create"], "after": after, "after_unknown": unknown or {}}}]}, indent=1))
    return str(f)


def _outcome(rows):
    return sorted({(x["status"], x["path"].rpartition(".")[2]) for x in rows if x["status"] != "PASS"})


def test_the_premise_is_the_schemas():
    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", "AWS::CloudFormation::StackSet").schema
    assert {"TemplateBody", "Parameters", "StackInstancesGroup"} <= set(schema["properties"])
    assert "ParameterOverrides" in schema["definitions"]["StackInstances"]["properties"]
    assert {"ParameterKey", "ParameterValue"} <= set(schema["definitions"]["Parameter"]["properties"])


def test_every_carrier_has_its_awscc_twin():
    """Each CloudFormation carrier of the installed schemas (a type with a Terraform AWS provider twin or a
    reason it has none) is the CloudFormation type of its awscc name."""
    types = set(PROVIDER_SCHEMA_MANAGER.get_resource_types("us-east-1"))
    carriers = sorted(t for t in set(terraform.CARRIER_TWINS) | set(terraform.NO_TWIN) if t in types)
    assert "AWS::CloudFormation::StackSet" in carriers
    for t in carriers:
        service, kind = t.split("::")[1:]
        # the provider's name: the service namespace lower-cased, the type in snake_case
        snake = f"awscc_{service.lower()}_" + re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_",
                                                      kind).lower()
        assert terraform.awscc_carrier_type(snake) == t, (snake, t)
    assert terraform.awscc_carrier_type("awscc_cloudformation_stack_set") == "AWS::CloudFormation::StackSet"
    assert terraform.awscc_carrier_type("awscc_sns_topic") is None   # not a carrier


@pytest.mark.parametrize("after, unknown, expected", [
    ({"stack_set_name": "s", "permission_model": "SELF_MANAGED", "template_body": json.dumps(CHILD),
      "parameters": [{"parameter_key": "Dia", "parameter_value": "Enabled"}]}, None,
     [("FAIL", "DirectInternetAccess")]),
    ({"stack_set_name": "s", "permission_model": "SELF_MANAGED", "template_body": json.dumps(CHILD),
      "stack_instances_group": [{"regions": ["us-east-1"], "deployment_targets": {"accounts": ["123456789012"]},
                                 "parameter_overrides": [{"parameter_key": "Dia", "parameter_value": "Enabled"}]}]},
     None, [("FAIL", "DirectInternetAccess")]),
    ({"stack_set_name": "s", "permission_model": "SELF_MANAGED", "template_body": None}, {"template_body": True},
     [("UNKNOWN", "TemplateBody")]),
    ({"stack_set_name": "s", "permission_model": "SELF_MANAGED", "template_body": json.dumps(CHILD),
      "parameters": [{"parameter_key": "Dia", "parameter_value": None}]},
     {"parameters": [{"parameter_value": True}]}, [("UNKNOWN", "DirectInternetAccess")]),
    ({"stack_set_name": "s", "permission_model": "SELF_MANAGED", "template_body": json.dumps(CHILD),
      "future_attribute": "x"}, None, [("UNKNOWN", "future_attribute")]),
], ids=["parameters", "instance-override", "body-after-apply", "parameter-after-apply", "unmapped-attribute"])
def test_an_awscc_stack_set_is_read_as_its_cloudformation_twin(profile_file, tmp_path, after, unknown, expected):
    r, rows = run_json(profile_file, _plan(tmp_path, "awscc_cloudformation_stack_set", after, unknown))
    assert r.exit_code == 3, r.stdout
    assert _outcome(rows) == expected


def test_a_closed_awscc_stack_set_passes(profile_file, tmp_path):
    after = {"stack_set_name": "s", "permission_model": "SELF_MANAGED", "template_body": json.dumps(CHILD),
             "stack_instances_group": [{"regions": ["us-east-1"], "deployment_targets": {"accounts": ["123456789012"]},
                                        "parameter_overrides": [{"parameter_key": "Dia",
                                                                 "parameter_value": "Disabled"}]}]}
    r, rows = run_json(profile_file, _plan(tmp_path, "awscc_cloudformation_stack_set", after))
    assert r.exit_code == 0, r.stdout
    assert _outcome(rows) == []
    text = runner.invoke(app, ["check", _plan(tmp_path, "awscc_cloudformation_stack_set", after), "-p", profile_file])
    assert text.exit_code == 0 and "nothing was checked" not in text.output   # read, and closed
    assert "0 request(s) checked" not in text.output


def test_another_carriers_awscc_twin_is_read(profile_file, tmp_path):
    definition = {"StartAt": "N", "States": {"N": {
        "Type": "Task", "End": True, "Resource": "arn:aws:states:::aws-sdk:sagemaker:createNotebookInstance",
        "Parameters": {"NotebookInstanceName": "nb", "InstanceType": "ml.t3.medium", "RoleArn": ROLE,
                       "DirectInternetAccess": "Enabled"}}}}
    after = {"state_machine_name": "m", "role_arn": ROLE, "definition_string": json.dumps(definition)}
    r, rows = run_json(profile_file, _plan(tmp_path, "awscc_stepfunctions_state_machine", after))
    assert r.exit_code == 3, r.stdout
    assert ("FAIL", "DirectInternetAccess") in _outcome(rows)


def _free_form_json_properties():
    """(CloudFormation type, property) of each carrier whose schema types a property as free-form JSON ("type":
    "object" without "properties"): the awscc provider makes it a JSON string attribute (jsontypes.Normalized,
    written with jsonencode; hashicorp/terraform-provider-awscc internal/aws/*/..._resource_gen.go)."""
    out = []
    for t in ("AWS::StepFunctions::StateMachine", "AWS::SSM::Document"):
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", t).schema
        for k, v in schema["properties"].items():
            if "$ref" in v:
                v = schema["definitions"][v["$ref"].rsplit("/", 1)[1]]
            if v.get("type") in ("object", ["object"]) and "properties" not in v:
                out.append((t, k))
    return out


def test_the_state_machine_definition_is_free_form_json_in_the_schema():
    assert ("AWS::StepFunctions::StateMachine", "Definition") in _free_form_json_properties()


OPEN_DEFINITION = {"StartAt": "N", "States": {"N": {
    "Type": "Task", "End": True, "Resource": "arn:aws:states:::aws-sdk:sagemaker:createNotebookInstance",
    "Parameters": {"NotebookInstanceName": "nb", "InstanceType": "ml.t3.medium", "RoleArn": ROLE,
                   "SubnetId": SUB_A, "SecurityGroupIds": [SG], "RootAccess": "Disabled",
                   "DirectInternetAccess": "Enabled"}}}}


def test_a_definition_written_with_jsonencode_is_read(profile_file, tmp_path):
    """Trial 18b F03: ``definition = jsonencode({...})`` is JSON text in the plan; it was mapped as a string, which
    the state machine reader does not read as a definition: exit 0, "nothing was checked"."""
    after = {"state_machine_name": "m", "role_arn": ROLE, "definition": json.dumps(OPEN_DEFINITION)}
    r, rows = run_json(profile_file, _plan(tmp_path, "awscc_stepfunctions_state_machine", after))
    assert r.exit_code == 3, r.stdout
    assert _outcome(rows) == [("FAIL", "DirectInternetAccess")]
    closed = json.loads(json.dumps(OPEN_DEFINITION))
    closed["States"]["N"]["Parameters"]["DirectInternetAccess"] = "Disabled"
    after["definition"] = json.dumps(closed)
    r, rows = run_json(profile_file, _plan(tmp_path, "awscc_stepfunctions_state_machine", after))
    assert r.exit_code == 0, r.stdout


@pytest.mark.parametrize("text", [
    '{"StartAt": "N", "StartAt": "M", "States": {}}',
    "not json",
    "[1, 2]",
], ids=["repeated-key", "not-json", "not-an-object"])
def test_a_definition_text_that_is_not_one_json_object_cannot_be_verified(profile_file, tmp_path, text):
    after = {"state_machine_name": "m", "role_arn": ROLE, "definition": text}
    r, rows = run_json(profile_file, _plan(tmp_path, "awscc_stepfunctions_state_machine", after))
    assert r.exit_code == 3, r.stdout
    assert [x["status"] for x in rows if x["status"] != "PASS"] == ["UNKNOWN"]
