"""safemaker.network.template: valid for cfn-lint (no errors), and checked for what cfn-lint misses."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from safemaker.network import template
from safemaker.network.infra import StackConfig, StackConfigError

CONFIGS = {
    "seed": StackConfig(name="ifsm", region="us-east-1"),
    "everything": StackConfig(name="ifsm", region="ap-northeast-1", features=list(
        ("notebook", "training", "processing", "hosting", "studio", "feature-store", "experiments", "pipelines")),
        admin_host=True, volume_kms_key_id="alias/sagemaker", default_bucket="ifsm-artifacts"),
    "fixed-ami": StackConfig(name="lab", region="eu-west-1", features=["notebook"], admin_host=True,
                             admin_ami="ami-0123456789abcdef0", cidr_block="172.16.0.0/20"),
}


def errors(text: str, region: str = "us-east-1") -> list[str]:
    """cfn-lint's errors (``cfnlint.api.lint``, its rules loaded once per process: tests/_cfnlint.py)."""
    from _cfnlint import lint  # cfn-lint is imported here, not at collection (~1 s of CPU per pytest process)

    return [f"{m.rule.id} {m.message}" for m in lint(text, regions=[region]) if m.rule.id.startswith("E")]


def test_cfn_lint_with_rules_loaded_once_still_reports_errors():
    """The shared rules do run: a Ref to no resource is cfn-lint's E1020 (the unchanged template has no error:
    test_rendered_template_has_no_cfn_lint_errors_and_passes_check)."""
    tpl = template.render(CONFIGS["seed"], s3_prefix_list_id="pl-63a5400a")
    tpl["Resources"]["Subnet1"]["Properties"]["VpcId"] = {"Ref": "NoSuchVpc"}
    assert [e.split()[0] for e in errors(template.dumps(tpl, "json"))] == ["E1020"]


@pytest.mark.parametrize("name", CONFIGS)
@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_rendered_template_has_no_cfn_lint_errors_and_passes_check(name, fmt):
    cfg = CONFIGS[name]
    tpl = template.render(cfg, s3_prefix_list_id="pl-63a5400a")
    text = template.dumps(tpl, fmt)
    assert (yaml.safe_load(text) if fmt == "yaml" else json.loads(text)) == tpl
    assert errors(text, cfg.region) == []
    assert template.check(tpl, cfg.name) == []


def test_template_is_region_independent_and_has_no_placeholder_left():
    cfg = CONFIGS["everything"]
    text = template.dumps(template.render(cfg), "json")
    assert "ap-northeast-1" not in text
    assert "000000000000" not in text
    assert "-00000000000000" not in text  # placeholder IDs (vpc-/subnet-/sg-/vpce- + 17 hex)
    tpl = json.loads(text)
    service_names = sorted(r["Properties"]["ServiceName"]["Fn::Sub"] for r in tpl["Resources"].values()
                           if r["Type"] == "AWS::EC2::VPCEndpoint")
    assert "aws.sagemaker.${AWS::Region}.notebook" in service_names
    assert "aws.sagemaker.${AWS::Region}.studio" in service_names
    assert "com.amazonaws.${AWS::Region}.kms" in service_names


def test_resources_match_what_infra_up_builds():
    tpl = template.render(CONFIGS["seed"], s3_prefix_list_id="pl-63a5400a")
    res = tpl["Resources"]
    assert res["Vpc"]["Properties"]["CidrBlock"] == "10.0.0.0/16"
    assert res["Vpc"]["Properties"]["EnableDnsHostnames"] is True
    assert [res[f"Subnet{i}"]["Properties"]["CidrBlock"] for i in (1, 2)] == ["10.0.0.0/24", "10.0.1.0/24"]
    assert res["S3GatewayEndpoint"]["Properties"] == {
        "VpcId": {"Ref": "Vpc"}, "ServiceName": {"Fn::Sub": "com.amazonaws.${AWS::Region}.s3"},
        "VpcEndpointType": "Gateway", "RouteTableIds": [{"Ref": "RouteTable"}],
        "Tags": [{"Key": "Name", "Value": "ifsm-s3"}, {"Key": "safemaker:stack", "Value": "ifsm"},
                 {"Key": "safemaker:resource", "Value": "endpoint:s3"}]}
    sts = res["StsEndpoint"]["Properties"]
    assert (sts["VpcEndpointType"], sts["PrivateDnsEnabled"]) == ("Interface", True)
    assert sts["SubnetIds"] == [{"Ref": "Subnet1"}, {"Ref": "Subnet2"}]
    assert res["SecurityGroup"]["Properties"]["SecurityGroupEgress"] == [
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "DestinationPrefixListId": {"Ref": "S3PrefixListId"},
         "Description": "S3 gateway endpoint"}]
    assert tpl["Parameters"]["S3PrefixListId"]["Default"] == "pl-63a5400a"
    # Self-references for distributed training (training is a seed feature).
    assert res["SecurityGroupIngressSelfAll"]["Properties"]["IpProtocol"] == "-1"
    role = res["ExecutionRole"]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    assert {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AmazonSageMakerFullAccess"} in role["ManagedPolicyArns"]
    assert {"Ref": "SageMakerExecutionPolicy"} in role["ManagedPolicyArns"]
    # The guardrail names the template's own subnets, not placeholders.
    guardrail = json.dumps([r for k, r in res.items() if k.startswith("RestrictInternetAccess")])
    assert '{"Ref": "Subnet1"}' in guardrail and '{"Ref": "Subnet2"}' in guardrail


def mutated(change):
    tpl = copy.deepcopy(template.render(CONFIGS["seed"], s3_prefix_list_id="pl-63a5400a"))
    change(tpl["Resources"])
    return tpl


def test_gateway_endpoint_with_subnets_missed_by_cfn_lint():
    def change(res):
        res["S3GatewayEndpoint"]["Properties"]["SubnetIds"] = [{"Ref": "Subnet1"}]

    tpl = mutated(change)
    assert errors(template.dumps(tpl)) == []  # cfn-lint 1.x does not see it
    assert template.check(tpl, "ifsm") == [
        "S3GatewayEndpoint: a Gateway endpoint takes no SubnetIds (it is reached through RouteTableIds); "
        "remove them or make it an Interface endpoint"]


def test_interface_endpoint_without_type_missed_by_cfn_lint():
    def change(res):
        del res["StsEndpoint"]["Properties"]["VpcEndpointType"]

    tpl = mutated(change)
    assert errors(template.dumps(tpl)) == []
    assert template.check(tpl) == [
        "StsEndpoint: VpcEndpointType is absent, so CloudFormation creates a Gateway endpoint for "
        "com.amazonaws.${AWS::Region}.sts; set VpcEndpointType explicitly (Interface, or Gateway for S3)",
        "StsEndpoint: a Gateway endpoint takes no SubnetIds (it is reached through RouteTableIds); remove them or "
        "make it an Interface endpoint",
        "StsEndpoint: a Gateway endpoint takes no SecurityGroupIds (it is reached through RouteTableIds); remove "
        "them or make it an Interface endpoint",
        "StsEndpoint: PrivateDnsEnabled is true on a Gateway endpoint; private DNS applies only to Interface "
        "endpoints"]


def test_private_dns_on_gateway_endpoint_missed_by_cfn_lint():
    def change(res):
        res["S3GatewayEndpoint"]["Properties"]["PrivateDnsEnabled"] = True

    tpl = mutated(change)
    assert errors(template.dumps(tpl)) == []
    assert template.check(tpl) == [
        "S3GatewayEndpoint: PrivateDnsEnabled is true on a Gateway endpoint; private DNS applies only to "
        "Interface endpoints"]


@pytest.mark.parametrize("change,expected", [
    (lambda r: r["LogsEndpoint"]["Properties"].pop("PrivateDnsEnabled"),
     "LogsEndpoint: an Interface endpoint without PrivateDnsEnabled: true; in a closed network SDK calls to the "
     "public name time out (F06)"),
    (lambda r: r["LogsEndpoint"]["Properties"].pop("SubnetIds"),
     "LogsEndpoint: an Interface endpoint without SubnetIds has no network interface to reach"),
    (lambda r: r["S3GatewayEndpoint"]["Properties"].pop("RouteTableIds"),
     "S3GatewayEndpoint: a Gateway endpoint without RouteTableIds gives no subnet a route to it (no path to S3)"),
    (lambda r: r["SecurityGroup"]["Properties"].pop("SecurityGroupEgress"),
     "SecurityGroup: no SecurityGroupEgress, so the default allow-all egress rule stays; list the allowed egress "
     "(endpoints, S3 prefix list)"),
    (lambda r: r["NotebookEndpoint"]["Properties"].update(
        ServiceName={"Fn::Sub": "com.amazonaws.${AWS::Region}.sagemaker.notebook"}),
     "NotebookEndpoint: ServiceName 'com.amazonaws.${AWS::Region}.sagemaker.notebook' is not a service name "
     "safemaker knows (exact names only, e.g. com.amazonaws.${AWS::Region}.sagemaker.api, "
     "aws.sagemaker.${AWS::Region}.notebook)"),
    (lambda r: r["Subnet1"]["Properties"].update(Tags=[]),
     "Subnet1: no safemaker:stack=ifsm tag; safemaker infra down and audit find the stack's resources by it"),
])
def test_check_other_mistakes(change, expected):
    assert template.check(mutated(change), "ifsm") == [expected]


def test_bad_prefix_list_and_format():
    with pytest.raises(StackConfigError, match="s3_prefix_list_id: found 'pl-XYZ'"):
        template.render(CONFIGS["seed"], s3_prefix_list_id="pl-XYZ")
    with pytest.raises(ValueError, match="format is 'toml'; expected 'yaml' or 'json'"):
        template.dumps({}, "toml")  # type: ignore[arg-type]
