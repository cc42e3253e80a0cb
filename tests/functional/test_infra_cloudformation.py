"""safemaker.network.cloudformation.deploy: the template, applied as one CloudFormation stack, against the local
backend's CloudFormation (moto over real HTTP). Asserts the CreateStack request sent and the profile read back.

moto's CloudFormation ignores DHCP options, security group egress and route table associations (infra up
applies those directly on the local backend: test_infra_description); what it does create is checked in EC2.
"""

from __future__ import annotations

import json

import pytest

from safemaker.network import cloudformation, infra, template
from safemaker.network.infra import RetryPolicy, StackConfig

REGION = "us-east-1"


@pytest.fixture
def clients(safemaker_local):
    session = safemaker_local.session
    return (session.client("cloudformation", config=infra.CLIENT_CONFIG),
            session.client("ec2", config=infra.CLIENT_CONFIG))


@pytest.mark.filterwarnings("ignore:Tried to parse AWS.*not supported by moto:UserWarning")  # moto: see the module docstring
def test_deploy_creates_one_stack_from_the_template_and_reads_the_profile_from_its_outputs(
        clients, safemaker_local, tmp_path):
    cfn, ec2 = clients
    cfg = StackConfig(name="cf", region=REGION, aws_managed_policies=())
    sent = []
    cfn.meta.events.register("before-parameter-build.cloudformation.CreateStack", lambda params, **_: sent.append(dict(params)))
    result = cloudformation.deploy(cfg, cloudformation_client=cfn, ec2_client=ec2, profile_path=tmp_path / "cf.toml",
                                   retry=RetryPolicy(wait_delay=0))
    (params,) = sent
    pl = ec2.describe_prefix_lists(Filters=[{"Name": "prefix-list-name", "Values": [f"com.amazonaws.{REGION}.s3"]}])[
        "PrefixLists"][0]["PrefixListId"]
    assert params["StackName"] == "safemaker-cf"
    assert json.loads(params["TemplateBody"]) == template.render(cfg, s3_prefix_list_id=pl)
    assert params["Parameters"] == [{"ParameterKey": "S3PrefixListId", "ParameterValue": pl}]
    assert params["Capabilities"] == ["CAPABILITY_NAMED_IAM"]
    assert params["Tags"] == [{"Key": infra.STACK_TAG, "Value": "cf"}]
    assert [(a.verb, a.kind, a.name) for a in result.actions] == [("create", "CloudFormation stack", "safemaker-cf")]

    (stack,) = cfn.describe_stacks(StackName="safemaker-cf")["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    p = result.profile
    assert (p.vpc_id, ",".join(p.subnets), p.security_group_ids[0], p.execution_role_arn) == (
        outputs["VpcId"], outputs["SubnetIds"], outputs["SecurityGroupId"], outputs["ExecutionRoleArn"])
    (vpc,) = ec2.describe_vpcs(VpcIds=[p.vpc_id])["Vpcs"]
    assert vpc["CidrBlock"] == "10.0.0.0/16"
    assert sorted(s["CidrBlock"] for s in ec2.describe_subnets(SubnetIds=list(p.subnets))["Subnets"]) == [
        "10.0.0.0/24", "10.0.1.0/24"]
    services = {e["ServiceName"] for e in ec2.describe_vpc_endpoints(VpcEndpointIds=list(p.vpc_endpoint_ids))[
        "VpcEndpoints"]}
    assert "com.amazonaws.us-east-1.sagemaker.api" in services and len(services) == len(p.vpc_endpoint_ids)
    assert (tmp_path / "cf.toml").read_text().count(p.vpc_id) == 1
    assert set(result.policy_arns) == {"guardrail", "guardrail-role", "pass-role", "developer", "execution-role"}

    again = cloudformation.deploy(cfg, cloudformation_client=cfn, ec2_client=ec2, retry=RetryPolicy(wait_delay=0))
    assert len(sent) == 1 and safemaker_local.request_count("cloudformation", "CreateStack") == 1
    assert again.actions[0].verb in ("keep", "update") and again.profile.vpc_id == p.vpc_id


def test_deploy_refuses_a_template_larger_than_cloudformations_limit(clients, monkeypatch):
    cfn, ec2 = clients
    monkeypatch.setattr(cloudformation, "TEMPLATE_BODY_LIMIT", 1000)
    with pytest.raises(infra.InfraError) as caught:
        cloudformation.deploy(StackConfig(name="cf", region=REGION), cloudformation_client=cfn, ec2_client=ec2)
    assert "more than CloudFormation's 1000 for TemplateBody" in str(caught.value)
    assert cfn.list_stacks()["StackSummaries"] == []
