"""State machine aliases in templates and plans (trial 14 F01, its IaC twin).

An ``AWS::StepFunctions::StateMachineAlias`` (Terraform ``aws_sfn_alias``) is the object ``CreateStateMachineAlias``
makes: every execution of the alias runs one of the versions it routes to (``RoutingConfiguration``, or the version
``DeploymentPreference`` shifts traffic to). Each version is read as ``StartExecution`` of it: a version of the same
source is checked there, an existing one cannot be verified before deployment, and a guarded process creating the
alias (Cloud Control) has each version described and decided.

Oracles: cfn-lint's resource schema of ``AWS::StepFunctions::StateMachineAlias`` (its properties), the Terraform AWS
provider documentation of ``aws_sfn_alias`` (``routing_configuration`` blocks: ``state_machine_version_arn``,
``weight``), botocore's stepfunctions model (CreateStateMachineAlias: "Step Functions randomly chooses which version
runs a given execution based on the percentage you specify").
"""

from __future__ import annotations

import json

import pytest
from botocore.stub import Stubber

import safemaker
from safemaker.errors import GuardrailViolation

from _cfnlint import schema_spelling
from _other_services import notebook_state_machine
from test_iac_cli import ROLE, profile_file, run_json  # noqa: F401  (profile_file: fixture)

ACCOUNT = "123456789012"
ELSEWHERE = f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:elsewhere"
OPEN_NB = {"InstanceType": "ml.t3.medium", "RoleArn": ROLE, "DirectInternetAccess": "Enabled"}


def write(tmp_path, resources):
    f = tmp_path / "t.json"
    f.write_text(json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}, indent=1))
    return str(f)


def rows_of(rows):
    return sorted((x["status"], x["rule_id"], x["logical_id"], x["path"]) for x in rows if "status" in x)


def test_the_properties_read_are_the_resource_schema_s():
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", "AWS::StepFunctions::StateMachineAlias").schema
    assert {"RoutingConfiguration", "DeploymentPreference"} <= set(schema["properties"])
    assert "StateMachineVersionArn" in schema["definitions"]["RoutingConfigurationVersion"]["properties"]
    assert "StateMachineVersionArn" in schema["definitions"]["DeploymentPreference"]["required"]


ALIAS = "AWS::StepFunctions::StateMachineAlias"


@pytest.mark.parametrize("props, path", [
    ({"RoutingConfiguration": [{"StateMachineVersionArn": f"{ELSEWHERE}:1", "Weight": 50},
                               {"StateMachineVersionArn": f"{ELSEWHERE}:2", "Weight": 50}]},
     # below a member read, paths are the template's (trial 15 F08: they were botocore's routingConfiguration[0].
     # stateMachineVersionArn): the resource schema's spelling of the API's path
     [schema_spelling(ALIAS, f"routingConfiguration[{i}].stateMachineVersionArn") for i in (0, 1)]),
    ({"DeploymentPreference": {"StateMachineVersionArn": f"{ELSEWHERE}:2", "Type": "ALL_AT_ONCE"}},
     ["DeploymentPreference.StateMachineVersionArn"]),
], ids=["routing", "deployment-preference"])
def test_an_alias_of_existing_versions_cannot_be_verified_before_deployment(profile_file, tmp_path, props, path):
    r, rows = run_json(profile_file, write(tmp_path, {"Alias": {"Type": "AWS::StepFunctions::StateMachineAlias",
                                                                "Properties": {"Name": "prod", **props}}}))
    assert r.exit_code == 3, r.output
    assert rows_of(rows) == [("UNKNOWN", "SM-REFERENCE", "Alias", p) for p in path]


def test_an_alias_of_a_version_of_the_same_template_is_checked_there(profile_file, tmp_path):
    resources = {
        "Machine": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
            "RoleArn": ROLE, "DefinitionString": notebook_state_machine(OPEN_NB)}},
        "Version": {"Type": "AWS::StepFunctions::StateMachineVersion", "Properties": {
            "StateMachineArn": {"Ref": "Machine"}}},
        "Alias": {"Type": "AWS::StepFunctions::StateMachineAlias", "Properties": {
            "Name": "prod", "RoutingConfiguration": [{"StateMachineVersionArn": {"Ref": "Version"}, "Weight": 100}]}},
    }
    r, rows = run_json(profile_file, write(tmp_path, resources))
    assert r.exit_code == 3, r.output
    assert {x["logical_id"] for x in rows if "status" in x} == {"Machine"}


def test_terraform_alias_of_existing_versions_cannot_be_verified(profile_file, tmp_path):
    f = tmp_path / "plan.json"
    after = {"name": "prod", "routing_configuration": [{"state_machine_version_arn": f"{ELSEWHERE}:2", "weight": 100}]}
    f.write_text(json.dumps({"format_version": "1.2", "configuration": {"root_module": {}}, "resource_changes": [
        {"address": "aws_sfn_alias.a", "mode": "managed", "type": "aws_sfn_alias", "name": "a",
         "change": {"actions": ["create"], "after": after, "after_unknown": {}}}]}))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3, r.output
    assert [(x["status"], x["rule_id"], x["logical_id"]) for x in rows if "status" in x] == [
        ("UNKNOWN", "SM-REFERENCE", "aws_sfn_alias.a")]


def test_the_schema_spells_the_routed_version_as_the_template_does():
    """The oracle of the paths above answers the template's spelling (the resource schema's
    RoutingConfigurationVersion.StateMachineVersionArn), not botocore's."""
    assert schema_spelling(ALIAS, "routingConfiguration[1].stateMachineVersionArn") == \
        "RoutingConfiguration[1].StateMachineVersionArn"


def test_terraform_paths_below_the_routing_configuration_are_the_plan_s(profile_file, tmp_path):
    """Trial 15 F08, Terraform: each routed version is reported at the provider's attribute path (r/sfn_alias:
    ``routing_configuration`` blocks with ``state_machine_version_arn`` and ``weight``), a route without a version
    (a plan made outside the provider's schema) too."""
    f = tmp_path / "plan.json"
    after = {"name": "prod", "routing_configuration": [{"state_machine_version_arn": f"{ELSEWHERE}:2", "weight": 50},
                                                       {"state_machine_version_arn": f"{ELSEWHERE}:3", "weight": 50}]}
    no_version = {"name": "prod", "routing_configuration": [{"weight": 100}]}
    f.write_text(json.dumps({"format_version": "1.2", "configuration": {"root_module": {}}, "resource_changes": [
        {"address": f"aws_sfn_alias.{n}", "mode": "managed", "type": "aws_sfn_alias", "name": n,
         "change": {"actions": ["create"], "after": a, "after_unknown": {}}}
        for n, a in (("a", after), ("b", no_version))]}))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3, r.output
    assert rows_of(rows) == [
        ("UNKNOWN", "SM-REFERENCE", "aws_sfn_alias.a", "routing_configuration[0].state_machine_version_arn"),
        ("UNKNOWN", "SM-REFERENCE", "aws_sfn_alias.a", "routing_configuration[1].state_machine_version_arn"),
        ("UNKNOWN", "SM-REFERENCE", "aws_sfn_alias.b", "routing_configuration[0].state_machine_version_arn")]


def test_a_template_route_without_a_version_is_reported_in_the_template_s_spelling(profile_file, tmp_path):
    r, rows = run_json(profile_file, write(tmp_path, {"Alias": {"Type": ALIAS, "Properties": {
        "Name": "prod", "RoutingConfiguration": [{"Weight": 100}]}}}))
    assert r.exit_code == 3, r.output
    assert rows_of(rows) == [("UNKNOWN", "SM-REFERENCE", "Alias",
                              schema_spelling(ALIAS, "routingConfiguration[0].stateMachineVersionArn"))]


def test_a_step_functions_task_making_an_alias_is_reported_in_the_task_s_spelling(profile_file, tmp_path):
    """A Step Functions AWS SDK task writes the API's members in PascalCase ("Parameters in Step Functions are
    expressed in PascalCase, even if the native service API is in camelCase": the AWS SDK integrations guide)."""
    task = {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:createStateMachineAlias", "End": True,
            "Parameters": {"Name": "prod", "RoutingConfiguration": [{"StateMachineVersionArn": f"{ELSEWHERE}:1",
                                                                     "Weight": 100}]}}
    r, rows = run_json(profile_file, write(tmp_path, {"M": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
        "RoleArn": ROLE, "Definition": {"StartAt": "A", "States": {"A": task}}}}}))
    assert r.exit_code == 3, r.output
    assert rows_of(rows) == [("UNKNOWN", "SM-REFERENCE", "M",
                              "Definition.States.A.Parameters.RoutingConfiguration[0].StateMachineVersionArn")]


def test_a_guarded_cloud_control_alias_decides_each_version(safemaker_local, safemaker_session, profile):
    closed = {"InstanceType": "ml.t3.medium", "RoleArn": ROLE, "SubnetId": "subnet-0aaaaaaaaaaaaaaaa",
              "SecurityGroupIds": ["sg-0bbbbbbbbbbbbbbbb"], "DirectInternetAccess": "Disabled",
              "RootAccess": "Disabled"}
    plain = safemaker_local.session.client("stepfunctions")   # made before the guard
    arn = plain.create_state_machine(name="m", definition=notebook_state_machine(closed), roleArn=ROLE,
                                     publish=True)["stateMachineArn"]
    plain.update_state_machine(stateMachineArn=arn, definition=notebook_state_machine(OPEN_NB), publish=True)
    safemaker.install_process(profile)
    cc = safemaker_session.client("cloudcontrol")

    def state(version):
        return json.dumps({"Name": "prod", "RoutingConfiguration": [{"StateMachineVersionArn": version,
                                                                     "Weight": 100}]})

    with pytest.raises(GuardrailViolation) as exc:
        cc.create_resource(TypeName="AWS::StepFunctions::StateMachineAlias", DesiredState=state(f"{arn}:2"))
    # DesiredState holds the resource's properties: the routed version at its schema path (trial 15 F08)
    where = schema_spelling(ALIAS, "routingConfiguration[0].stateMachineVersionArn")
    assert (f"DesiredState:{where} -> StartExecution.stateMachineArn:States.S.Parameters.DirectInternetAccess",
            "Enabled") in [(v.path, v.found) for v in exc.value.violations]
    request = {"TypeName": "AWS::StepFunctions::StateMachineAlias", "DesiredState": state(f"{arn}:1")}
    with Stubber(cc) as stub:   # moto has no Cloud Control API
        stub.add_response("create_resource", {"ProgressEvent": {"OperationStatus": "IN_PROGRESS"}}, request)
        cc.create_resource(**request)
        stub.assert_no_pending_responses()
