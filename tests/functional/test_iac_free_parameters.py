"""``safemaker check``: a template parameter without ``AllowedValues`` is the deployer's choice.

CloudFormation User Guide, "Parameters": a parameter's ``Default`` is "a value of the
appropriate type for the template to use if no value is specified when a stack is
created"; whoever deploys may give any value the ``Type`` accepts (``String``, ``Number``,
``CommaDelimitedList``, ``List<...>``, the AWS-specific types such as
``AWS::EC2::Subnet::Id``), within ``AllowedPattern`` (it "must match the entire parameter
value"; each member of a ``CommaDelimitedList``), ``MinLength``/``MaxLength`` and
``MinValue``/``MaxValue``; a ``Rules`` assertion (``Fn::Contains``, ``Fn::EachMemberIn``)
refuses the stack when false. So a guarded field written ``!Ref Param`` is decided under
every value the deployer can choose, not only the Default:

- a field whose API values are a closed set (SageMaker API reference: ``DirectInternetAccess``
  ``Enabled | Disabled``, ``EnableNetworkIsolation`` a boolean) is decided under each of them
  the parameter accepts: "open when Access=Enabled";
- a field whose values are unbounded (subnet and security group IDs) is "decided at deploy
  time": an ``UNKNOWN`` finding naming the parameter and the fix.

Expected values come from those documents and the SageMaker API reference, not from the code.
"""

from __future__ import annotations

import json

import jsonschema
import pytest
from typer.testing import CliRunner

from safemaker.cli import app
from test_iac_cli import DATA, ROLE, SARIF_SCHEMA, profile_file, run_json  # noqa: F401  (profile_file: fixture)

runner = CliRunner()
SUBNET, OTHER_SUBNET, SG = "subnet-0aaaaaaaaaaaaaaaa", "subnet-0fffffffffffffff0", "sg-0bbbbbbbbbbbbbbbb"
CLOSED_NB = {"InstanceType": "ml.t3.medium", "RoleArn": ROLE, "SubnetId": SUBNET, "SecurityGroupIds": [SG],
             "DirectInternetAccess": "Disabled", "RootAccess": "Disabled"}


def _write(tmp_path, template, name="t.json"):
    f = tmp_path / name
    f.write_text(json.dumps({"AWSTemplateFormatVersion": "2010-09-09", **template}, indent=1))
    return str(f)


def _nb(**props):
    return {"Type": "AWS::SageMaker::NotebookInstance", "Properties": {**CLOSED_NB, **props}}


def _rows(rows):
    return [(x["status"], x["rule_id"], x["path"], x["found"], x.get("when")) for x in rows]


# --------------------------------------------------------------------------- closed fields: each API value


def test_a_free_string_in_an_enum_field_is_open_when_the_deployer_types_the_open_value(profile_file, tmp_path):
    f = _write(tmp_path, {"Parameters": {"Access": {"Type": "String", "Default": "Disabled"}},
                          "Resources": {"Nb": _nb(DirectInternetAccess={"Ref": "Access"})}})
    r, rows = run_json(profile_file, f)
    assert r.exit_code == 3
    assert _rows(rows) == [("FAIL", "SM-NB-DIRECT-INTERNET", "DirectInternetAccess", "Enabled",
                            {"Access": "Enabled"})]
    # the deployment's value given: no choice left
    assert run_json(profile_file, f, "--parameter", "Access=Disabled")[0].exit_code == 0
    r, rows = run_json(profile_file, f, "--parameter", "Access=Enabled")
    assert _rows(rows) == [("FAIL", "SM-NB-DIRECT-INTERNET", "DirectInternetAccess", "Enabled", None)]


def test_a_free_string_in_a_boolean_field_is_open_when_false(profile_file, tmp_path):
    f = _write(tmp_path, {"Parameters": {"Iso": {"Type": "String", "Default": "true"}}, "Resources": {"M": {
        "Type": "AWS::SageMaker::Model", "Properties": {
            "ExecutionRoleArn": ROLE, "EnableNetworkIsolation": {"Ref": "Iso"}, "PrimaryContainer": {"Image": "i"},
            "VpcConfig": {"Subnets": [SUBNET], "SecurityGroupIds": [SG]}}}}})
    r, rows = run_json(profile_file, f)
    assert r.exit_code == 3
    assert _rows(rows) == [("FAIL", "SM-NET-ISOLATION", "EnableNetworkIsolation", False, {"Iso": "false"})]


@pytest.mark.parametrize("constraint", [{"AllowedPattern": "^Disabled$"}, {"AllowedPattern": "Dis.*"},
                                        {"MinLength": 8}])
def test_a_constraint_that_refuses_the_open_value_leaves_it_closed(profile_file, tmp_path, constraint):
    # "Enabled" has 7 characters, "Disabled" 8; neither pattern matches the entire value "Enabled"
    f = _write(tmp_path, {"Parameters": {"Access": {"Type": "String", "Default": "Disabled", **constraint}},
                          "Resources": {"Nb": _nb(DirectInternetAccess={"Ref": "Access"})}})
    r, rows = run_json(profile_file, f)
    assert (r.exit_code, rows) == (0, [])


def test_a_number_parameter_cannot_be_an_enum_value(profile_file, tmp_path):
    f = _write(tmp_path, {"Parameters": {"Access": {"Type": "Number", "Default": 1}},
                          "Resources": {"Nb": _nb(DirectInternetAccess={"Ref": "Access"})}})
    r, rows = run_json(profile_file, f)
    # 1 (the Default) is not Disabled: the defaults' finding; no value of a Number is Enabled or Disabled
    assert _rows(rows) == [("FAIL", "SM-NB-DIRECT-INTERNET", "DirectInternetAccess", 1, None)]


def test_the_choice_reaches_the_field_through_sub_and_a_branch_only_another_choice_takes(profile_file, tmp_path):
    f = _write(tmp_path, {
        "Parameters": {"Env": {"Type": "String", "Default": "prod"}, "Access": {"Type": "String",
                                                                            "Default": "Disabled"}},
        "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]}},
        "Resources": {"Nb": _nb(DirectInternetAccess={"Fn::If": ["IsProd", "Disabled", {"Fn::Sub": "${Access}"}]})}})
    r, rows = run_json(profile_file, f)
    assert _rows(rows) == [("FAIL", "SM-NB-DIRECT-INTERNET", "DirectInternetAccess", "Enabled",
                            {"Env": "any value but 'prod'", "Access": "Enabled"})]


def _each_condition_closed(n):
    """``Disabled`` under every value of conditions C0..C(n-1): each matters (unknown, it is unknown)."""
    node = "Disabled"
    for i in range(n):
        node = {"Fn::If": [f"C{i}", "Disabled", node]}
    return node


def test_beyond_the_full_combinations_every_pair_is_still_decided(profile_file, tmp_path):
    # six more parameters that conditions compare make the choices more than safemaker combines in full
    # (2**6 * 2 * 3 > 64): the pair that opens the notebook (Env chooses the branch, Access the value) is decided
    many = {f"P{i}": {"Type": "String", "Default": "x", "AllowedValues": ["x", "y"]} for i in range(6)}
    f = _write(tmp_path, {
        "Parameters": {**many, "Env": {"Type": "String", "Default": "prod"},
                       "Access": {"Type": "String", "Default": "Disabled"}},
        "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
                       **{f"C{i}": {"Fn::Equals": [{"Ref": f"P{i}"}, "y"]} for i in range(6)}},
        "Resources": {"Nb": _nb(DirectInternetAccess={"Fn::If": ["IsProd", "Disabled", {"Ref": "Access"}]},
                                RootAccess=_each_condition_closed(6))}})
    r, rows = run_json(profile_file, f)
    assert _rows(rows) == [("FAIL", "SM-NB-DIRECT-INTERNET", "DirectInternetAccess", "Enabled",
                            {"Env": "any value but 'prod'", "Access": "Enabled"})]


# --------------------------------------------------------------------------- unbounded fields: decided at deploy time


def test_list_and_aws_specific_parameters_in_network_fields_are_decided_at_deploy_time(profile_file, tmp_path):
    f = _write(tmp_path, {
        "Parameters": {"Subnet": {"Type": "AWS::EC2::Subnet::Id", "Default": SUBNET},
                       "SGs": {"Type": "List<AWS::EC2::SecurityGroup::Id>", "Default": SG}},
        "Resources": {"Nb": _nb(SubnetId={"Ref": "Subnet"}, SecurityGroupIds={"Ref": "SGs"})}})
    r, rows = run_json(profile_file, f)
    assert r.exit_code == 3
    got = {x["path"]: x for x in rows}
    assert sorted(got) == ["SecurityGroupIds", "SubnetId"]
    for path, param, default in (("SubnetId", "Subnet", SUBNET), ("SecurityGroupIds", "SGs", SG)):
        row = got[path]
        assert (row["status"], row["when"]) == ("UNKNOWN", {param: f"any value but '{default}'"})
        assert "decided at deploy time" in row["found"] and param in row["found"]
        assert all(word in row["fix"] for word in (param, "AllowedValues", "fixed value", "Rules"))
    # --fail-on high: an UNKNOWN (medium) alone does not fail the gate
    assert run_json(profile_file, f, "--fail-on", "high")[0].exit_code == 0
    # the values given: nothing left to the deployer
    r, rows = run_json(profile_file, f, "--parameter", f"Subnet={SUBNET}", "--parameter", f"SGs={SG}")
    assert (r.exit_code, rows) == (0, [])


def test_allowed_values_of_a_list_parameter_are_decided_member_by_member(profile_file, tmp_path):
    f = _write(tmp_path, {
        "Parameters": {"Subnets": {"Type": "List<AWS::EC2::Subnet::Id>", "Default": SUBNET,
                                   "AllowedValues": [SUBNET, OTHER_SUBNET]}},
        "Resources": {"M": {"Type": "AWS::SageMaker::Model", "Properties": {
            "ExecutionRoleArn": ROLE, "EnableNetworkIsolation": True, "PrimaryContainer": {"Image": "i"},
            "VpcConfig": {"Subnets": {"Ref": "Subnets"}, "SecurityGroupIds": [SG]}}}}})
    r, rows = run_json(profile_file, f)
    # each member alone ([0]), and all of them ([1])
    assert [(x["status"], x["path"], x["found"], x["when"]) for x in rows] == [
        ("FAIL", "VpcConfig.Subnets[0]", OTHER_SUBNET, {"Subnets": OTHER_SUBNET}),
        ("FAIL", "VpcConfig.Subnets[1]", OTHER_SUBNET, {"Subnets": f"{SUBNET},{OTHER_SUBNET}"})]


def _rule(assertion, condition=None):
    rule = {"Assertions": [{"Assert": assertion, "AssertDescription": "the profile's subnets only"}]}
    return {"Rules": {"ProfileSubnets": {**rule, **({"RuleCondition": condition} if condition else {})}}}


@pytest.mark.parametrize("assertion", [
    {"Fn::Contains": [[SUBNET, "subnet-0cccccccccccccccc"], {"Ref": "Subnet"}]},
    {"Fn::EachMemberIn": [{"Ref": "Subnet"}, [SUBNET]]},
    {"Fn::And": [{"Fn::Equals": [{"Ref": "Subnet"}, SUBNET]}, {"Fn::Equals": ["a", "a"]}]},
])
def test_a_rule_that_bounds_the_parameter_to_profile_values_closes_it(profile_file, tmp_path, assertion):
    f = _write(tmp_path, {"Parameters": {"Subnet": {"Type": "AWS::EC2::Subnet::Id", "Default": SUBNET}},
                          **_rule(assertion), "Resources": {"Nb": _nb(SubnetId={"Ref": "Subnet"})}})
    r, rows = run_json(profile_file, f)
    assert (r.exit_code, rows) == (0, [])


def test_a_rule_bounding_to_a_value_outside_the_profile_names_it(profile_file, tmp_path):
    f = _write(tmp_path, {"Parameters": {"Subnet": {"Type": "AWS::EC2::Subnet::Id", "Default": SUBNET}},
                          **_rule({"Fn::Contains": [[SUBNET, OTHER_SUBNET], {"Ref": "Subnet"}]}),
                          "Resources": {"Nb": _nb(SubnetId={"Ref": "Subnet"})}})
    r, rows = run_json(profile_file, f)
    assert [(x["status"], x["path"], x["found"], x["when"]) for x in rows] == [
        ("FAIL", "SubnetId", OTHER_SUBNET, {"Subnet": OTHER_SUBNET})]


def test_a_rule_with_a_rule_condition_does_not_bound_the_parameter(profile_file, tmp_path):
    # the assertion holds only when its RuleCondition is true: other deployments take any subnet
    f = _write(tmp_path, {"Parameters": {"Subnet": {"Type": "AWS::EC2::Subnet::Id", "Default": SUBNET},
                                         "Env": {"Type": "String", "Default": "prod"}},
                          **_rule({"Fn::Contains": [[SUBNET], {"Ref": "Subnet"}]},
                                  {"Fn::Equals": [{"Ref": "Env"}, "prod"]}),
                          "Resources": {"Nb": _nb(SubnetId={"Ref": "Subnet"})}})
    r, rows = run_json(profile_file, f)
    assert [(x["status"], x["path"]) for x in rows] == [("UNKNOWN", "SubnetId")]


def test_a_mapping_key_parameter_takes_the_mapping_keys_only(profile_file, tmp_path):
    # Fn::FindInMap with a key the mapping lacks fails the deployment: the keys are the choices
    f = _write(tmp_path, {"Parameters": {"Env": {"Type": "String", "Default": "dev"}},
                          "Mappings": {"Net": {"dev": {"Subnet": SUBNET}, "test": {"Subnet": OTHER_SUBNET}}},
                          "Resources": {"Nb": _nb(SubnetId={"Fn::FindInMap": ["Net", {"Ref": "Env"}, "Subnet"]})}})
    r, rows = run_json(profile_file, f)
    assert [(x["status"], x["path"], x["found"], x["when"]) for x in rows] == [
        ("FAIL", "SubnetId", OTHER_SUBNET, {"Env": "test"})]


def test_an_ssm_parameter_type_names_the_parameter_and_the_fix(profile_file, tmp_path):
    f = _write(tmp_path, {"Parameters": {"Access": {"Type": "AWS::SSM::Parameter::Value<String>",
                                                    "Default": "/net/access"}},
                          "Resources": {"Nb": _nb(DirectInternetAccess={"Ref": "Access"})}})
    r, rows = run_json(profile_file, f)
    (row,) = rows
    assert (row["status"], row["path"]) == ("UNKNOWN", "DirectInternetAccess")
    assert "SSM Parameter Store" in row["found"]
    assert "Access is decided at deploy time" in row["fix"] and "AllowedValues" in row["fix"]


def test_a_name_the_deployer_chooses_matches_the_resource_of_that_name(profile_file, tmp_path):
    # ModelName built from a free parameter: whatever the deployer types, the endpoint config names the model
    # the template creates (checked as that model); an endpoint naming a config the template does not create
    # cannot be verified, whichever name is given
    f = _write(tmp_path, {
        "Parameters": {"Prefix": {"Type": "String", "Default": "p"}, "ConfigName": {"Type": "String",
                                                                                 "Default": "cfg"}},
        "Resources": {
            "Model": {"Type": "AWS::SageMaker::Model", "Properties": {
                "ModelName": {"Fn::Sub": "${Prefix}-m"}, "ExecutionRoleArn": ROLE, "EnableNetworkIsolation": True,
                "PrimaryContainer": {"Image": "i"}, "VpcConfig": {"Subnets": [SUBNET], "SecurityGroupIds": [SG]}}},
            "Cfg": {"Type": "AWS::SageMaker::EndpointConfig", "Properties": {"ProductionVariants": [{
                "ModelName": {"Fn::Sub": "${Prefix}-m"}, "VariantName": "a", "InitialInstanceCount": 1,
                "InstanceType": "ml.m5.large"}]}},
            "Ep": {"Type": "AWS::SageMaker::Endpoint", "Properties": {"EndpointConfigName": {"Ref": "ConfigName"}}}}})
    r, rows = run_json(profile_file, f)
    assert [(x["status"], x["logical_id"], x["path"], x.get("when")) for x in rows] == [
        ("UNKNOWN", "Ep", "EndpointConfigName", None),
        ("UNKNOWN", "Ep", "EndpointConfigName", {"ConfigName": "any value but 'cfg'"})]
    assert '"cfg"' in rows[0]["found"] and '"${ConfigName}"' in rows[1]["found"]
    assert "@@" not in r.stdout


# --------------------------------------------------------------------------- outputs


def test_text_and_sarif_say_when_a_free_parameter_opens_the_resource(profile_file, tmp_path):
    f = _write(tmp_path, {"Parameters": {"Access": {"Type": "String", "Default": "Disabled"},
                                         "SGs": {"Type": "List<AWS::EC2::SecurityGroup::Id>", "Default": SG}},
                          "Resources": {"Nb": _nb(DirectInternetAccess={"Ref": "Access"},
                                                  SecurityGroupIds={"Ref": "SGs"})}})
    r = runner.invoke(app, ["check", f, "-p", profile_file], env={"COLUMNS": "400"})
    assert r.exit_code == 3
    text = " ".join(r.stdout.split())
    assert "open when Access=Enabled" in text and "decided at deploy time" in text
    out = tmp_path / "r.sarif"
    r = runner.invoke(app, ["check", f, "-p", profile_file, "-f", "sarif", "-o", str(out)])
    assert r.exit_code == 3
    log = json.loads(out.read_text())
    jsonschema.validate(log, SARIF_SCHEMA)
    results = {x["properties"]["path"]: x for x in log["runs"][0]["results"]}
    assert "open when Access=Enabled" in results["DirectInternetAccess"]["message"]["text"]
    assert results["DirectInternetAccess"]["properties"]["when"] == {"Access": "Enabled"}
    assert "decided at deploy time" in results["SecurityGroupIds"]["message"]["text"]
    assert "@@" not in out.read_text()


# --------------------------------------------------------------------------- real template


def test_real_studio_template_leaves_subnets_and_security_groups_to_the_deployer(profile_file):
    # aws-samples/amazon-sagemaker-secure-mlops env-sagemaker-studio.yaml: SageMakerStudioSubnetIds is a
    # List<AWS::EC2::Subnet::Id>, SageMakerSecurityGroupIds a List<AWS::EC2::SecurityGroup::Id>, both
    # without Default or AllowedValues
    f = str(DATA / "secure-mlops" / "env-sagemaker-studio.yaml")
    args = ["--parameter", "VPCId=vpc-0dddddddddddddddd", "--parameter", f"SageMakerExecutionRoleArn={ROLE}",
            "--parameter", "EnvName=dev", "--parameter", "NetworkAccessType=VpcOnly"]
    r, rows = run_json(profile_file, f, *args)
    assert r.exit_code == 3
    chosen = sorted((x["logical_id"], x["path"]) for x in rows
                    if x["status"] == "UNKNOWN" and "decided at deploy time" in str(x["found"]))
    # and SageMakerStudioStorageKMSKeyId (a String, Default '') is any key the deployer types
    assert chosen == [("SageMakerStudioDomain", "DefaultUserSettings.SecurityGroups"),
                      ("SageMakerStudioDomain", "KmsKeyId"),
                      ("SageMakerStudioDomain", "SubnetIds"),
                      ("SageMakerUserProfile", "UserSettings.SecurityGroups")]
    names = {x["path"]: x["fix"] for x in rows if x["status"] == "UNKNOWN"}
    assert "SageMakerStudioSubnetIds" in names["SubnetIds"]
    assert "SageMakerSecurityGroupIds" in names["UserSettings.SecurityGroups"]
    r, rows = run_json(profile_file, f, *args, "--parameter",
                       "SageMakerStudioSubnetIds=subnet-0aaaaaaaaaaaaaaaa,subnet-0cccccccccccccccc",
                       "--parameter", f"SageMakerSecurityGroupIds={SG}", "--parameter",
                       "SageMakerStudioStorageKMSKeyId=")
    assert not [x for x in rows if "decided at deploy time" in str(x["found"])]


# --------------------------------------------------------------------------- CloudFormation calls in other documents

_CHILD = {"Parameters": {"Internet": {"Type": "String", "Default": "Disabled"}},
          "Resources": {"Nb": _nb(DirectInternetAccess={"Ref": "Internet"})}}


def _calling(tmp_path, parameters):
    """A template whose state machine creates a stack of _CHILD (Step Functions AWS SDK integration)."""
    request = {"StackName": "s", "TemplateBody": json.dumps(_CHILD), **({"Parameters": parameters}
                                                                        if parameters is not None else {})}
    return _write(tmp_path, {
        "Parameters": {"Access": {"Type": "String", "Default": "Disabled"}},
        "Resources": {"Sfn": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {"RoleArn": ROLE,
                      "Definition": {"StartAt": "T", "States": {"T": {
                          "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:cloudformation:createStack",
                          "Parameters": request, "End": True}}}}}}})


def test_a_stack_call_fixes_the_values_it_gives(profile_file, tmp_path):
    # CreateStack API reference, Parameter: a value given is used; one not given takes the Default (an API
    # call has no deploy form): the call below is decided as written, no choice to name
    r, rows = run_json(profile_file, _calling(tmp_path, [{"ParameterKey": "Internet", "ParameterValue": "Enabled"}]))
    assert [(x["status"], x["found"], x.get("when")) for x in rows] == [("FAIL", "Enabled", None)]
    r, rows = run_json(profile_file, _calling(tmp_path, None))
    assert (r.exit_code, rows) == (0, [])


def test_a_stack_call_passing_the_outer_templates_free_parameter_is_open_when_it_is(profile_file, tmp_path):
    r, rows = run_json(profile_file, _calling(tmp_path, [{"ParameterKey": "Internet",
                                                          "ParameterValue": {"Ref": "Access"}}]))
    assert r.exit_code == 3
    assert [(x["status"], x["rule_id"], x["found"], x["when"]) for x in rows] == [
        ("FAIL", "SM-NB-DIRECT-INTERNET", "Enabled", {"Access": "Enabled"})]
