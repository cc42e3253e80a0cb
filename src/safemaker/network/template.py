"""``safemaker infra template``: the same closed network as a CloudFormation template.

:func:`render` returns the template as a dict (the resources of
:func:`safemaker.network.infra.up`, region-independent: service names and
ARNs use ``${AWS::Region}``, ``${AWS::AccountId}`` and ``${AWS::Partition}``),
:func:`dumps` writes it as YAML or JSON, and :func:`check` finds the mistakes
in VPC endpoint and security group definitions that cfn-lint does not report
(a gateway endpoint given subnets, an endpoint without ``VpcEndpointType``,
which CloudFormation then creates as a gateway endpoint, private DNS asked
for on a gateway endpoint, an interface endpoint without private DNS, a
security group that keeps the default allow-all egress, a missing stack tag,
an unknown service name).

The IAM policies are those of :func:`safemaker.network.infra.render_policies`,
rendered for a profile of placeholder IDs that are then replaced by ``Ref``
and ``Fn::Sub`` of the template's own resources.

The S3 prefix list differs per region, so the security group's egress rule
to it takes the ``S3PrefixListId`` parameter (find it with ``aws ec2
describe-prefix-lists --filters Name=prefix-list-name,Values=com.amazonaws.<region>.s3``);
pass ``s3_prefix_list_id`` to :func:`render` to make it the default.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any, Literal

import yaml

from safemaker.network.endpoints import (
    ENDPOINTS,
    SELF_REFERENCE_FEATURES,
    required_endpoints,
)
from safemaker.network.infra import (
    POLICY_NAMES,
    RESOURCE_TAG,
    SSM_CORE_POLICY,
    STACK_TAG,
    StackConfig,
    admin_instance_profile_name,
    admin_role_name,
    execution_role_name,
    execution_role_policy_keys,
    policy_path,
    render_policies,
)

__all__ = ["render", "dumps", "check", "TAGGABLE_TYPES"]

TAGGABLE_TYPES = frozenset({
    "AWS::EC2::VPC", "AWS::EC2::DHCPOptions", "AWS::EC2::Subnet", "AWS::EC2::RouteTable",
    "AWS::EC2::SecurityGroup", "AWS::EC2::VPCEndpoint", "AWS::IAM::Role", "AWS::EC2::Instance",
})
"""Resource types of the template that take ``Tags`` (each must carry ``safemaker:stack``)."""

_REGION = "${AWS::Region}"
_PLACEHOLDER_ACCOUNT = "000000000000"


def _logical(key: str) -> str:
    """``sagemaker.featurestore-runtime`` -> ``SagemakerFeaturestoreRuntime``."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[.\-]", key))


def _endpoint_logical(key: str) -> str:
    return "S3GatewayEndpoint" if ENDPOINTS[key].endpoint_type == "Gateway" else f"{_logical(key)}Endpoint"


def _tags(stack: str, logical: str, name: Any) -> list[dict[str, Any]]:
    return [{"Key": "Name", "Value": name}, {"Key": STACK_TAG, "Value": stack},
            {"Key": RESOURCE_TAG, "Value": logical}]


def _sub_name(stack: str, suffix: str) -> str:
    return f"{stack}-{suffix}"


def _service_name(key: str) -> dict[str, str]:
    return {"Fn::Sub": ENDPOINTS[key].pattern.replace("{region}", _REGION)}


class _Placeholders:
    """Placeholder IDs for a profile, and how to turn them back into intrinsics."""

    def __init__(self, cfg: StackConfig, endpoint_keys: list[str]) -> None:
        self.cfg = cfg
        self.refs: dict[str, str] = {}
        self.vpc = self._add("vpc", 0xA01, "Vpc")
        self.subnets = [self._add("subnet", 0xA11, "Subnet1"), self._add("subnet", 0xA12, "Subnet2")]
        self.group = self._add("sg", 0xA21, "SecurityGroup")
        self.endpoints = [self._add("vpce", 0xB00 + i, _endpoint_logical(k)) for i, k in enumerate(endpoint_keys)]
        self.role_arn = f"arn:aws:iam::{_PLACEHOLDER_ACCOUNT}:role/{execution_role_name(cfg.name)}"

    def _add(self, prefix: str, number: int, logical: str) -> str:
        value = f"{prefix}-{number:017x}"
        self.refs[value] = logical
        return value

    def profile(self) -> Any:
        from safemaker.profile import VpcProfile

        data: dict[str, Any] = {
            "region": self.cfg.region, "vpc_id": self.vpc, "subnets": self.subnets,
            "security_group_ids": [self.group], "execution_role_arn": self.role_arn,
            "vpc_endpoint_ids": self.endpoints,
        }
        for key in ("volume_kms_key_id", "output_kms_key_id", "default_bucket"):
            if getattr(self.cfg, key):
                data[key] = getattr(self.cfg, key)
        return VpcProfile.from_mapping(data, source="template placeholders", env=False)

    def intrinsic(self, value: Any) -> Any:
        """Replace placeholders in a policy document by Ref / Fn::Sub."""
        if isinstance(value, dict):
            return {k: self.intrinsic(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.intrinsic(v) for v in value]
        if not isinstance(value, str):
            return value
        if value in self.refs:
            return {"Ref": self.refs[value]}
        text = value.replace("${", "${!")
        changed = text != value
        for placeholder, logical in self.refs.items():
            if placeholder in text:
                text = text.replace(placeholder, "${" + logical + "}")
                changed = True
        new = re.sub(rf"(?<=:){_PLACEHOLDER_ACCOUNT}(?=:)", "${AWS::AccountId}", text)
        new = re.sub(r"^arn:aws:", "arn:${AWS::Partition}:", new)
        new = re.sub(rf"(?<=[:.]){re.escape(self.cfg.region)}(?=[:.])", _REGION, new)
        if new != text or (changed and text != value.replace("${", "${!")):
            return {"Fn::Sub": new}
        return value


def render(config: StackConfig, *, s3_prefix_list_id: str | None = None) -> dict[str, Any]:
    """The stack as a CloudFormation template (a dict).

    Parameters
    ----------
    config : StackConfig
        The same configuration :func:`safemaker.network.infra.up` takes; its
        ``region`` is used only to render the IAM policies (the template
        itself uses ``${AWS::Region}``).
    s3_prefix_list_id : str, optional
        Default of the ``S3PrefixListId`` parameter (``pl-...``).

    Returns
    -------
    dict
        ``AWSTemplateFormatVersion``, ``Description``, ``Parameters``,
        ``Conditions``, ``Resources``, ``Outputs``.

    Raises
    ------
    safemaker.network.infra.StackConfigError
        ``s3_prefix_list_id`` is not ``pl-`` + hex digits.
    """
    from safemaker.errors import ProfileFieldError
    from safemaker.network.infra import StackConfigError

    if s3_prefix_list_id is not None and not re.fullmatch(r"pl-[0-9a-f]{8,17}", s3_prefix_list_id):
        raise StackConfigError([ProfileFieldError(
            "s3_prefix_list_id", s3_prefix_list_id, "'pl-' followed by 8 to 17 lowercase hex digits")])
    cfg = config
    stack = cfg.name
    required = required_endpoints(cfg.features, cfg.region, kms=cfg.kms)
    keys = [r.spec.key for r in required]
    ph = _Placeholders(cfg, keys)
    resources: dict[str, Any] = {}
    parameters: dict[str, Any] = {
        "S3PrefixListId": {
            "Type": "String",
            "AllowedPattern": "^pl-[0-9a-f]{8,17}$",
            "Description": "ID of the AWS-managed prefix list com.amazonaws.<region>.s3 "
                           "(aws ec2 describe-prefix-lists --filters "
                           "Name=prefix-list-name,Values=com.amazonaws.<region>.s3)",
        }
    }
    if s3_prefix_list_id:
        parameters["S3PrefixListId"]["Default"] = s3_prefix_list_id

    resources["Vpc"] = {"Type": "AWS::EC2::VPC", "Properties": {
        "CidrBlock": cfg.cidr_block, "EnableDnsSupport": True, "EnableDnsHostnames": True,
        "Tags": _tags(stack, "vpc", _sub_name(stack, "vpc"))}}
    resources["DhcpOptions"] = {"Type": "AWS::EC2::DHCPOptions", "Properties": {
        "DomainName": {"Fn::If": ["IsUsEast1", "ec2.internal", {"Fn::Sub": "${AWS::Region}.compute.internal"}]},
        "DomainNameServers": ["AmazonProvidedDNS"],
        "Tags": _tags(stack, "dhcp-options", _sub_name(stack, "dhcp"))}}
    resources["DhcpOptionsAssociation"] = {"Type": "AWS::EC2::VPCDHCPOptionsAssociation", "Properties": {
        "DhcpOptionsId": {"Ref": "DhcpOptions"}, "VpcId": {"Ref": "Vpc"}}}
    for index, block in enumerate(cfg.subnet_cidr_blocks):
        n = index + 1
        resources[f"Subnet{n}"] = {"Type": "AWS::EC2::Subnet", "Properties": {
            "VpcId": {"Ref": "Vpc"}, "CidrBlock": block,
            "AvailabilityZone": {"Fn::Select": [index, {"Fn::GetAZs": ""}]},
            "MapPublicIpOnLaunch": False,
            "Tags": _tags(stack, f"subnet-{n}", _sub_name(stack, f"subnet-{n}"))}}
        resources[f"Subnet{n}RouteTableAssociation"] = {
            "Type": "AWS::EC2::SubnetRouteTableAssociation",
            "Properties": {"SubnetId": {"Ref": f"Subnet{n}"}, "RouteTableId": {"Ref": "RouteTable"}}}
    resources["RouteTable"] = {"Type": "AWS::EC2::RouteTable", "Properties": {
        "VpcId": {"Ref": "Vpc"}, "Tags": _tags(stack, "route-table", _sub_name(stack, "private"))}}
    resources["SecurityGroup"] = {"Type": "AWS::EC2::SecurityGroup", "Properties": {
        "GroupName": _sub_name(stack, "sagemaker"),
        "GroupDescription": f"safemaker {stack}: SageMaker ENIs and VPC endpoints",
        "VpcId": {"Ref": "Vpc"},
        # Giving SecurityGroupEgress removes the default allow-all egress rule.
        "SecurityGroupEgress": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                 "DestinationPrefixListId": {"Ref": "S3PrefixListId"},
                                 "Description": "S3 gateway endpoint"}],
        "Tags": _tags(stack, "security-group", _sub_name(stack, "sagemaker"))}}
    self_rules = [("Https", "tcp", 443)]
    if SELF_REFERENCE_FEATURES & set(cfg.features):
        self_rules.append(("All", "-1", None))
    for label, proto, port in self_rules:
        ports = {"FromPort": port, "ToPort": port} if port else {}
        resources[f"SecurityGroupIngressSelf{label}"] = {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {
            "GroupId": {"Ref": "SecurityGroup"}, "IpProtocol": proto, **ports,
            "SourceSecurityGroupId": {"Ref": "SecurityGroup"}, "Description": "from itself"}}
        resources[f"SecurityGroupEgressSelf{label}"] = {"Type": "AWS::EC2::SecurityGroupEgress", "Properties": {
            "GroupId": {"Ref": "SecurityGroup"}, "IpProtocol": proto, **ports,
            "DestinationSecurityGroupId": {"Ref": "SecurityGroup"}, "Description": "to itself"}}

    endpoint_refs = []
    for req in required:
        key = req.spec.key
        logical = _endpoint_logical(key)
        props: dict[str, Any] = {"VpcId": {"Ref": "Vpc"}, "ServiceName": _service_name(key),
                                 "VpcEndpointType": req.endpoint_type}
        if req.endpoint_type == "Gateway":
            props["RouteTableIds"] = [{"Ref": "RouteTable"}]
        else:
            props.update(SubnetIds=[{"Ref": "Subnet1"}, {"Ref": "Subnet2"}],
                         SecurityGroupIds=[{"Ref": "SecurityGroup"}], PrivateDnsEnabled=True)
        props["Tags"] = _tags(stack, f"endpoint:{key}", _sub_name(stack, key))
        resources[logical] = {"Type": "AWS::EC2::VPCEndpoint", "Properties": props}
        endpoint_refs.append({"Ref": logical})

    documents = render_policies(ph.profile())
    role_policies: list[Any] = []
    policy_outputs: dict[str, list[Any]] = {}
    for key, docs in documents.items():
        base = f"{stack}-{POLICY_NAMES.get(key, key)}"
        for index, doc in enumerate(docs):
            name = base if len(docs) == 1 else f"{base}{index + 1}"
            logical = _logical(name.removeprefix(f"{stack}-"))
            if not logical.endswith("Policy"):
                logical += "Policy"  # RestrictInternetAccess1 -> RestrictInternetAccess1Policy
            resources[logical] = {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
                "ManagedPolicyName": name, "Path": policy_path(stack),
                "Description": f"safemaker {stack}: {key} policy",
                "PolicyDocument": ph.intrinsic(copy.deepcopy(doc))}}
            policy_outputs.setdefault(key, []).append({"Ref": logical})
            if key in execution_role_policy_keys(documents):
                role_policies.append({"Ref": logical})
    role_policies += [{"Fn::Sub": f"arn:${{AWS::Partition}}:iam::aws:policy/{p}"} for p in cfg.aws_managed_policies]
    resources["ExecutionRole"] = {"Type": "AWS::IAM::Role", "Properties": {
        "RoleName": execution_role_name(stack),
        "Description": f"safemaker {stack}: SageMaker execution role",
        "AssumeRolePolicyDocument": _trust("sagemaker.amazonaws.com"),
        "ManagedPolicyArns": role_policies,
        "Tags": [{"Key": STACK_TAG, "Value": stack}]}}

    if cfg.admin_host:
        if cfg.admin_ami:
            image: Any = cfg.admin_ami
        else:
            parameters["AdminHostImageId"] = {
                "Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
                "Default": cfg.admin_ami_parameter,
                "Description": "AMI of the admin host (public SSM parameter)"}
            image = {"Ref": "AdminHostImageId"}
        resources["AdminHostRole"] = {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": admin_role_name(stack),
            "Description": f"safemaker {stack}: admin host (Session Manager)",
            "AssumeRolePolicyDocument": _trust("ec2.amazonaws.com"),
            "ManagedPolicyArns": [{"Fn::Sub": f"arn:${{AWS::Partition}}:iam::aws:policy/{SSM_CORE_POLICY}"}],
            "Tags": [{"Key": STACK_TAG, "Value": stack}]}}
        resources["AdminHostInstanceProfile"] = {"Type": "AWS::IAM::InstanceProfile", "Properties": {
            "InstanceProfileName": admin_instance_profile_name(stack), "Roles": [{"Ref": "AdminHostRole"}]}}
        resources["AdminHostLaunchTemplate"] = {"Type": "AWS::EC2::LaunchTemplate", "Properties": {
            "LaunchTemplateData": {"MetadataOptions": {"HttpTokens": "required"}}}}
        resources["AdminHost"] = {"Type": "AWS::EC2::Instance", "Properties": {
            "ImageId": image, "InstanceType": cfg.admin_instance_type,
            "SubnetId": {"Ref": "Subnet1"}, "SecurityGroupIds": [{"Ref": "SecurityGroup"}],
            "IamInstanceProfile": {"Ref": "AdminHostInstanceProfile"},
            "LaunchTemplate": {"LaunchTemplateId": {"Ref": "AdminHostLaunchTemplate"},
                               "Version": {"Fn::GetAtt": ["AdminHostLaunchTemplate", "LatestVersionNumber"]}},
            "Tags": _tags(stack, "admin-host", _sub_name(stack, "admin"))},
            # The host is reached through Session Manager: its endpoints must exist first.
            "DependsOn": [_endpoint_logical(k) for k in ("ssm", "ssmmessages", "ec2messages")]}

    outputs: dict[str, Any] = {
        "VpcId": {"Value": {"Ref": "Vpc"}},
        "SubnetIds": {"Value": {"Fn::Join": [",", [{"Ref": "Subnet1"}, {"Ref": "Subnet2"}]]}},
        "SecurityGroupId": {"Value": {"Ref": "SecurityGroup"}},
        "ExecutionRoleArn": {"Value": {"Fn::GetAtt": ["ExecutionRole", "Arn"]}},
        "VpcEndpointIds": {"Value": {"Fn::Join": [",", endpoint_refs]}},
    }
    for key, refs in policy_outputs.items():
        outputs[f"{_logical(key)}PolicyArns"] = {"Value": {"Fn::Join": [",", refs]}}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": (f"safemaker {stack}: closed network for Amazon SageMaker (no route out; "
                        f"VPC endpoints for {', '.join(cfg.features)}), IAM guardrails and execution role"),
        "Parameters": parameters,
        "Conditions": {"IsUsEast1": {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}},
        "Resources": resources,
        "Outputs": outputs,
    }


def _trust(service: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}


def dumps(template: dict[str, Any], format: Literal["yaml", "json"] = "yaml") -> str:
    """The template as YAML (long-form intrinsics, no tags) or JSON text.

    Parameters
    ----------
    template : dict
        From :func:`render`.
    format : {"yaml", "json"}, default "yaml"

    Returns
    -------
    str

    Raises
    ------
    ValueError
        ``format`` is neither ``"yaml"`` nor ``"json"``.
    """
    if format == "json":
        return json.dumps(template, indent=2) + "\n"
    if format == "yaml":
        return yaml.safe_dump(template, sort_keys=False, default_flow_style=False, width=100)
    raise ValueError(f"format is {format!r}; expected 'yaml' or 'json'")


def _known_service_names() -> set[str]:
    return {spec.pattern.replace("{region}", _REGION) for spec in ENDPOINTS.values()}


def check(template: dict[str, Any], stack: str | None = None) -> list[str]:
    """Mistakes in VPC endpoints, security groups and tags that cfn-lint does not report.

    Parameters
    ----------
    template : dict
        A CloudFormation template (e.g. from :func:`render`).
    stack : str, optional
        When given, every taggable resource must carry ``safemaker:stack=<stack>``.

    Returns
    -------
    list of str
        ``"<LogicalId>: <problem>"``, one per problem; empty when none.
    """
    problems: list[str] = []
    known = _known_service_names()
    for logical, resource in (template.get("Resources") or {}).items():
        rtype = resource.get("Type")
        props = resource.get("Properties") or {}
        if rtype == "AWS::EC2::VPCEndpoint":
            etype = props.get("VpcEndpointType")
            service = props.get("ServiceName")
            name = service.get("Fn::Sub") if isinstance(service, dict) else service
            if etype is None:
                problems.append(f"{logical}: VpcEndpointType is absent, so CloudFormation creates a "
                                f"Gateway endpoint for {name}; set VpcEndpointType explicitly "
                                "(Interface, or Gateway for S3)")
            gateway = etype in (None, "Gateway")
            if gateway:
                for prop in ("SubnetIds", "SecurityGroupIds"):
                    if props.get(prop):
                        problems.append(f"{logical}: a Gateway endpoint takes no {prop} (it is reached "
                                        "through RouteTableIds); remove them or make it an Interface endpoint")
                if props.get("PrivateDnsEnabled") is True:
                    problems.append(f"{logical}: PrivateDnsEnabled is true on a Gateway endpoint; private "
                                    "DNS applies only to Interface endpoints")
                if etype == "Gateway" and not props.get("RouteTableIds"):
                    problems.append(f"{logical}: a Gateway endpoint without RouteTableIds gives no subnet "
                                    "a route to it (no path to S3)")
            if etype == "Interface":
                if props.get("PrivateDnsEnabled") is not True:
                    problems.append(f"{logical}: an Interface endpoint without PrivateDnsEnabled: true; in "
                                    "a closed network SDK calls to the public name time out (F06)")
                if not props.get("SubnetIds"):
                    problems.append(f"{logical}: an Interface endpoint without SubnetIds has no network "
                                    "interface to reach")
            if isinstance(name, str) and name not in known:
                problems.append(f"{logical}: ServiceName {name!r} is not a service name safemaker "
                                "knows (exact names only, e.g. com.amazonaws.${AWS::Region}.sagemaker.api, "
                                "aws.sagemaker.${AWS::Region}.notebook)")
        if rtype == "AWS::EC2::SecurityGroup" and not props.get("SecurityGroupEgress"):
            problems.append(f"{logical}: no SecurityGroupEgress, so the default allow-all egress rule "
                            "stays; list the allowed egress (endpoints, S3 prefix list)")
        if stack is not None and rtype in TAGGABLE_TYPES:
            tags = {t.get("Key"): t.get("Value") for t in props.get("Tags") or []}
            if tags.get(STACK_TAG) != stack:
                problems.append(f"{logical}: no {STACK_TAG}={stack} tag; safemaker infra down and audit "
                                "find the stack's resources by it")
    return problems
