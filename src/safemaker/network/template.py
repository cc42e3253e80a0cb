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

from safemaker.errors import InputError
from safemaker.network.endpoints import ENDPOINTS, required_endpoints
from safemaker.network.infra import RESOURCE_TAG, STACK_TAG, StackConfig, execution_role_name, render_policies
from safemaker.network.stack import S3_PREFIX_LIST, Resource, Rule, describe, endpoint_logical_id

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


_endpoint_logical = endpoint_logical_id


def _tags(stack: str, logical: str, name: Any) -> list[dict[str, Any]]:
    return [{"Key": "Name", "Value": name}, {"Key": STACK_TAG, "Value": stack},
            {"Key": RESOURCE_TAG, "Value": logical}]


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
    if cfg.admin_host and not cfg.admin_ami:
        parameters["AdminHostImageId"] = {
            "Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
            "Default": cfg.admin_ami_parameter,
            "Description": "AMI of the admin host (public SSM parameter)"}

    documents = render_policies(ph.profile())
    described = describe(cfg, documents)
    resources: dict[str, Any] = {}
    endpoint_refs: list[dict[str, str]] = []
    policy_outputs: dict[str, list[Any]] = {}
    for resource in described:
        props = _properties(resource, stack, ph, documents)
        body: dict[str, Any] = {"Type": resource.type, "Properties": props}
        if resource.depends_on:
            body["DependsOn"] = list(resource.depends_on)
        resources[resource.logical_id] = body
        if resource.type == "AWS::EC2::VPCEndpoint":
            endpoint_refs.append({"Ref": resource.logical_id})
        if resource.type == "AWS::IAM::ManagedPolicy":
            policy_outputs.setdefault(resource.spec["key"], []).append({"Ref": resource.logical_id})

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


def _ref(logical: str) -> dict[str, str]:
    return {"Ref": logical}


def _rule(rule: Rule, group: str | None = None) -> dict[str, Any]:
    """A security group rule: inline (``group`` None) or a SecurityGroupIngress/Egress resource's properties."""
    out: dict[str, Any] = {} if group is None else {"GroupId": _ref(group)}
    out["IpProtocol"] = rule.protocol
    if rule.port is not None:
        out.update(FromPort=rule.port, ToPort=rule.port)
    if rule.peer == S3_PREFIX_LIST:
        out["DestinationPrefixListId"] = _ref("S3PrefixListId")
    elif rule.direction == "ingress":
        out["SourceSecurityGroupId"] = _ref(rule.peer)
    else:
        out["DestinationSecurityGroupId"] = _ref(rule.peer)
    out["Description"] = rule.description
    return out


def _properties(resource: Resource, stack: str, ph: "_Placeholders", documents: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation properties of one described resource."""
    spec, kind = resource.spec, resource.type
    tags = _tags(stack, resource.tag, resource.name) if resource.tag else None
    if kind == "AWS::EC2::VPC":
        props: dict[str, Any] = {"CidrBlock": spec["cidr_block"], "EnableDnsSupport": spec["enable_dns_support"],
                                 "EnableDnsHostnames": spec["enable_dns_hostnames"]}
    elif kind == "AWS::EC2::DHCPOptions":
        # The region's default domain name (safemaker.network.endpoints.dhcp_domain_name), as a condition.
        props = {"DomainName": {"Fn::If": ["IsUsEast1", "ec2.internal",
                                           {"Fn::Sub": "${AWS::Region}.compute.internal"}]},
                 "DomainNameServers": list(spec["domain_name_servers"])}
    elif kind == "AWS::EC2::VPCDHCPOptionsAssociation":
        props = {"DhcpOptionsId": _ref(spec["dhcp_options"]), "VpcId": _ref(spec["vpc"])}
    elif kind == "AWS::EC2::Subnet":
        props = {"VpcId": _ref(spec["vpc"]), "CidrBlock": spec["cidr_block"],
                 "AvailabilityZone": {"Fn::Select": [spec["zone_index"], {"Fn::GetAZs": ""}]},
                 "MapPublicIpOnLaunch": spec["map_public_ip_on_launch"]}
    elif kind == "AWS::EC2::SubnetRouteTableAssociation":
        props = {"SubnetId": _ref(spec["subnet"]), "RouteTableId": _ref(spec["route_table"])}
    elif kind == "AWS::EC2::RouteTable":
        props = {"VpcId": _ref(spec["vpc"])}
    elif kind == "AWS::EC2::SecurityGroup":
        props = {"GroupName": resource.name, "GroupDescription": spec["description"], "VpcId": _ref(spec["vpc"]),
                 # Giving SecurityGroupEgress removes the default allow-all egress rule.
                 "SecurityGroupEgress": [_rule(r) for r in spec["egress"]]}
    elif kind in ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"):
        props = _rule(spec["rule"], spec["group"])
    elif kind == "AWS::EC2::VPCEndpoint":
        props = {"VpcId": _ref(spec["vpc"]), "ServiceName": _service_name(spec["endpoint"]),
                 "VpcEndpointType": spec["type"]}
        if spec["route_tables"]:
            props["RouteTableIds"] = [_ref(r) for r in spec["route_tables"]]
        if spec["subnets"]:
            props.update(SubnetIds=[_ref(s) for s in spec["subnets"]],
                         SecurityGroupIds=[_ref(g) for g in spec["security_groups"]],
                         PrivateDnsEnabled=spec["private_dns"])
    elif kind == "AWS::IAM::ManagedPolicy":
        doc = documents[spec["key"]][spec["index"]]
        props = {"ManagedPolicyName": resource.name, "Path": spec["path"], "Description": spec["description"],
                 "PolicyDocument": ph.intrinsic(copy.deepcopy(doc))}
    elif kind == "AWS::IAM::Role":
        props = {"RoleName": resource.name, "Description": spec["description"],
                 "AssumeRolePolicyDocument": _trust(spec["service"]),
                 "ManagedPolicyArns": [_ref(p) for p in spec["policies"]] + [
                     {"Fn::Sub": f"arn:${{AWS::Partition}}:iam::aws:policy/{p}"}
                     for p in spec["aws_managed_policies"]],
                 "Tags": [{"Key": STACK_TAG, "Value": stack}]}
    elif kind == "AWS::IAM::InstanceProfile":
        props = {"InstanceProfileName": resource.name, "Roles": [_ref(r) for r in spec["roles"]]}
    elif kind == "AWS::EC2::LaunchTemplate":
        props = {"LaunchTemplateData": {"MetadataOptions": dict(spec["metadata_options"])}}
    elif kind == "AWS::EC2::Instance":
        props = {"ImageId": spec["ami"] or _ref("AdminHostImageId"), "InstanceType": spec["instance_type"],
                 "SubnetId": _ref(spec["subnet"]), "SecurityGroupIds": [_ref(g) for g in spec["security_groups"]],
                 "IamInstanceProfile": _ref(spec["instance_profile"]),
                 "LaunchTemplate": {"LaunchTemplateId": _ref(spec["launch_template"]),
                                    "Version": {"Fn::GetAtt": [spec["launch_template"], "LatestVersionNumber"]}}}
    else:  # pragma: no cover - every type of stack.describe is rendered above
        raise AssertionError(f"no CloudFormation rendering for {kind}")
    if tags is not None:
        props["Tags"] = tags
    return props


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
    safemaker.errors.InputError
        (a ``ValueError``) ``format`` is neither ``"yaml"`` nor ``"json"``.
    """
    if format == "json":
        return json.dumps(template, indent=2) + "\n"
    if format == "yaml":
        return yaml.safe_dump(template, sort_keys=False, default_flow_style=False, width=100)
    raise InputError("format", format, "'yaml' or 'json'")


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
