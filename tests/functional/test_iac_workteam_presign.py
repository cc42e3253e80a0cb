"""IaC: a work team whose S3 presigned URLs work from anywhere fails ``safemaker check`` (trial 6, F12).

Terraform's ``aws_sagemaker_workteam`` has ``worker_access_configuration.s3_presign.iam_policy_constraints``
(``source_ip``, ``vpc_source_ip``); CloudFormation's ``AWS::SageMaker::Workteam`` has no
``WorkerAccessConfiguration`` at all (its resource schema, as cfn-lint ships it, is read below), so a team a
template creates has ``VpcSourceIp`` not enabled. The expected value ``Enabled`` is the
``IamPolicyConstraints.VpcSourceIp`` enum of botocore's model (``test_hooks_workteam_presign.py``).
"""

from __future__ import annotations

import pytest

from test_iac_cli import profile_file, run_json  # noqa: F401  (profile_file: fixture)
from test_iac_unverifiable_sources import _plan
from test_hooks_workteam_presign import ENABLED

FORCE = ("aws_sagemaker_workforce", "wf", {"workforce_name": "wf", "source_ip_config": [{"cidrs": ["10.0.0.0/16"]}],
                                           "workforce_vpc_config": [{
    "vpc_id": "vpc-0dddddddddddddddd", "subnets": ["subnet-0aaaaaaaaaaaaaaaa"],
    "security_group_ids": ["sg-0bbbbbbbbbbbbbbbb"]}]})


def _team(vpc_source_ip):
    after = {"workteam_name": "t", "workforce_name": "wf", "description": "d"}
    if vpc_source_ip is not None:
        after["worker_access_configuration"] = [{"s3_presign": [{"iam_policy_constraints": [
            {"source_ip": "Disabled", "vpc_source_ip": vpc_source_ip}]}]}]
    return ("aws_sagemaker_workteam", "t", after)


@pytest.mark.parametrize("value", [None, "Disabled"], ids=["absent", "Disabled"])
def test_terraform_workteam_without_vpc_source_ip_enabled_fails(profile_file, tmp_path, value):
    f = tmp_path / "plan.json"
    f.write_text(_plan(_team(value), FORCE))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    assert [(x["status"], x["rule_id"], x["logical_id"], x["path"]) for x in rows] == [
        ("FAIL", "SM-WORKTEAM-PRESIGN", "aws_sagemaker_workteam.t",
         "worker_access_configuration.s3_presign.iam_policy_constraints.vpc_source_ip")]


def test_terraform_workteam_with_vpc_source_ip_enabled_passes(profile_file, tmp_path):
    f = tmp_path / "plan.json"
    f.write_text(_plan(_team(ENABLED), FORCE))
    r, rows = run_json(profile_file, str(f))
    assert (r.exit_code, rows) == (0, [])


def test_cloudformation_workteam_cannot_be_closed(profile_file, tmp_path):
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER  # here, not at collection (~1 s of CPU per pytest process)

    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", "AWS::SageMaker::Workteam").schema
    assert "WorkerAccessConfiguration" not in schema["properties"]
    t = tmp_path / "t.yaml"
    t.write_text("Resources:\n  Team:\n    Type: AWS::SageMaker::Workteam\n    Properties:\n"
                 "      WorkteamName: t\n      WorkforceName: wf\n      Description: d\n"
                 "      MemberDefinitions:\n        - CognitoMemberDefinition:\n"
                 "            CognitoUserPool: us-east-1_abc\n            CognitoUserGroup: g\n"
                 "            CognitoClientId: c\n"
                 "  Force:\n    Type: AWS::SageMaker::Workforce\n    Properties:\n      WorkforceName: wf\n"
                 "      WorkforceVpcConfig:\n        VpcId: vpc-0dddddddddddddddd\n"
                 "        Subnets: [subnet-0aaaaaaaaaaaaaaaa]\n        SecurityGroupIds: [sg-0bbbbbbbbbbbbbbbb]\n"
                 "      SourceIpConfig:\n        Cidrs: [10.0.0.0/16]\n")  # the portal restricted (AWS's value)
    r, rows = run_json(profile_file, str(t))
    assert r.exit_code == 3
    assert [(x["status"], x["rule_id"], x["logical_id"]) for x in rows] == [
        ("FAIL", "SM-WORKTEAM-PRESIGN", "Team")]
