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


@pytest.mark.parametrize("props, path", [
    ({"RoutingConfiguration": [{"StateMachineVersionArn": f"{ELSEWHERE}:1", "Weight": 50},
                               {"StateMachineVersionArn": f"{ELSEWHERE}:2", "Weight": 50}]},
     # below a member read, paths are spelled as the API (as for the other types read as their calls)
     ["routingConfiguration[0].stateMachineVersionArn", "routingConfiguration[1].stateMachineVersionArn"]),
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
    assert ("DesiredState:routingConfiguration[0].stateMachineVersionArn -> StartExecution.stateMachineArn:"
            "States.S.Parameters.DirectInternetAccess", "Enabled") in [(v.path, v.found) for v in exc.value.violations]
    request = {"TypeName": "AWS::StepFunctions::StateMachineAlias", "DesiredState": state(f"{arn}:1")}
    with Stubber(cc) as stub:   # moto has no Cloud Control API
        stub.add_response("create_resource", {"ProgressEvent": {"OperationStatus": "IN_PROGRESS"}}, request)
        cc.create_resource(**request)
        stub.assert_no_pending_responses()
