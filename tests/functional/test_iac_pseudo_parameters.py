"""``safemaker check``: pseudo parameters the profile fixes are resolved, the others cannot be verified.

CloudFormation User Guide, "Pseudo parameters reference": ``AWS::Region`` is "the Region in which the
encompassing resource is being created", ``AWS::Partition`` the partition of that region (``aws``, ``aws-cn``,
``aws-us-gov``), ``AWS::URLSuffix`` its domain suffix (``amazonaws.com``; ``amazonaws.com.cn`` in China).
The profile names the region the stack is checked for, so these three are known before deployment;
``AWS::AccountId`` and the stack's own ``AWS::StackName`` / ``AWS::StackId`` are not. The "Fn::FindInMap"
reference keys its example mapping with ``!Ref "AWS::Region"``.
"""

from __future__ import annotations

import pytest

from test_iac_cli import ROLE, profile_file, run_json  # noqa: F401  (profile_file: fixture; region us-east-1)

SUBNET, SG = "subnet-0aaaaaaaaaaaaaaaa", "sg-0bbbbbbbbbbbbbbbb"


def _template(tmp_path, direct_internet_access, mappings):
    f = tmp_path / "t.yaml"
    f.write_text(f"""AWSTemplateFormatVersion: "2010-09-09"
Mappings:
{mappings}
Conditions:
  InVirginia: !Equals [!Ref "AWS::Region", us-east-1]
Resources:
  Nb:
    Type: AWS::SageMaker::NotebookInstance
    Properties:
      InstanceType: ml.t3.medium
      RoleArn: {ROLE}
      SubnetId: {SUBNET}
      SecurityGroupIds: [{SG}]
      RootAccess: Disabled
      DirectInternetAccess: {direct_internet_access}
""")
    return str(f)


REGION_MAP = """  M:
    us-east-1: {Access: Disabled, Partitioned: Enabled}
    eu-west-1: {Access: Enabled}
  P:
    aws: {Access: Disabled}
    aws-cn: {Access: Enabled}
  S:
    amazonaws.com: {Access: Disabled}"""


@pytest.mark.parametrize("written", [
    "!FindInMap [M, !Ref 'AWS::Region', Access]",
    "!FindInMap [P, !Ref 'AWS::Partition', Access]",
    "!FindInMap [S, !Ref 'AWS::URLSuffix', Access]",
    "!If [InVirginia, Disabled, Enabled]",
    "!FindInMap [M, !Sub '${AWS::Region}', Access]",
])
def test_a_value_keyed_on_the_profiles_region_is_resolved_and_passes(profile_file, tmp_path, written):
    r, rows = run_json(profile_file, _template(tmp_path, written, REGION_MAP))
    assert (r.exit_code, rows) == (0, [])


def test_a_value_keyed_on_the_profiles_region_that_is_open_fails(profile_file, tmp_path):
    r, rows = run_json(profile_file, _template(tmp_path, "!FindInMap [M, !Ref 'AWS::Region', Partitioned]",
                                               REGION_MAP))
    assert r.exit_code == 3
    assert [(x["status"], x["rule_id"], x["path"], x["found"]) for x in rows] == [
        ("FAIL", "SM-NB-DIRECT-INTERNET", "DirectInternetAccess", "Enabled")]


@pytest.mark.parametrize("name", ["AWS::AccountId", "AWS::StackName"])
def test_a_value_keyed_on_what_the_profile_does_not_fix_cannot_be_verified(profile_file, tmp_path, name):
    mappings = "  M:\n    '123456789012': {Access: Disabled}\n    stack: {Access: Disabled}"
    r, rows = run_json(profile_file, _template(tmp_path, f"!FindInMap [M, !Ref '{name}', Access]", mappings))
    assert [(x["status"], x["path"]) for x in rows] == [("UNKNOWN", "DirectInternetAccess")]
    assert rows[0]["found"].startswith("cannot be verified") and name in rows[0]["found"]


def _cdk_assembly(tmp_path, environment):
    """A cloud assembly (``cdk synth``'s cdk.out) with one stack whose notebook's access is keyed on its region.

    CDK cloud assembly schema: a stack artifact's ``environment`` is ``aws://<account>/<region>``, the
    region ``cdk deploy`` deploys it to; ``unknown-region`` for an environment-agnostic stack.
    """
    import json

    out = tmp_path / "cdk.out"
    out.mkdir()
    template = {"Mappings": {"M": {"us-east-1": {"Access": "Disabled"}, "eu-west-1": {"Access": "Enabled"}}},
                "Resources": {"Nb": {"Type": "AWS::SageMaker::NotebookInstance", "Properties": {
                    "InstanceType": "ml.t3.medium", "RoleArn": ROLE, "SubnetId": SUBNET, "SecurityGroupIds": [SG],
                    "RootAccess": "Disabled",
                    "DirectInternetAccess": {"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "Access"]}}}}}
    (out / "Stack.template.json").write_text(json.dumps(template))
    artifact = {"type": "aws:cloudformation:stack", "properties": {"templateFile": "Stack.template.json"}}
    if environment is not None:
        artifact["environment"] = environment
    (out / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {"Stack": artifact}}))
    return str(out)


def test_a_cdk_stack_bound_to_another_region_is_checked_in_its_own_region(profile_file, tmp_path):
    # the profile's region is us-east-1 (closed row); the stack deploys to eu-west-1 (open row)
    r, rows = run_json(profile_file, _cdk_assembly(tmp_path, "aws://123456789012/eu-west-1"))
    assert r.exit_code == 3
    assert [(x["status"], x["rule_id"], x["path"], x["found"]) for x in rows] == [
        ("FAIL", "SM-NB-DIRECT-INTERNET", "DirectInternetAccess", "Enabled")]


@pytest.mark.parametrize("environment", ["aws://unknown-account/unknown-region", None])
def test_an_environment_agnostic_cdk_stack_is_checked_in_the_profiles_region(profile_file, tmp_path, environment):
    r, rows = run_json(profile_file, _cdk_assembly(tmp_path, environment))
    assert (r.exit_code, rows) == (0, [])


def test_a_cdk_stack_environment_that_is_not_an_aws_url_is_bad_input(profile_file, tmp_path):
    r, _ = run_json(profile_file, _cdk_assembly(tmp_path, "eu-west-1"))
    assert r.exit_code == 2
    assert "environment is 'eu-west-1'" in r.output and "aws://<account>/<region>" in r.output
