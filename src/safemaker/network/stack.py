"""The closed network, described once: the resources of a stack as a list of :class:`Resource`.

:func:`describe` is the one description of what a :class:`~safemaker.network.infra.StackConfig`
builds. Two renderers read it and nothing else:

- :func:`safemaker.network.template.render` turns each resource into a
  CloudFormation resource (its ``logical_id`` and ``type``, properties with
  ``Ref`` / ``Fn::Sub`` / ``${AWS::Region}``);
- :func:`safemaker.network.infra.up` applies each resource with EC2 and IAM
  calls on the account (the local backend included, where moto's
  CloudFormation ignores DHCP options, security group egress, route table
  associations and role policy attachments), finding it again by its tags
  (``safemaker:resource`` = :attr:`Resource.tag`) or its IAM name.

A resource's :attr:`~Resource.spec` holds region-independent values (CIDR
blocks, rules, the endpoint key, the policy key); references to other
resources are their logical IDs (``"Vpc"``, ``"Subnet1"``), which the template
renders as ``Ref`` and ``infra`` replaces by the resource's ID.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

from safemaker.network.endpoints import ENDPOINTS, SELF_REFERENCE_FEATURES, required_endpoints

__all__ = ["Resource", "Rule", "describe", "endpoint_logical_id", "policy_logical_id", "S3_PREFIX_LIST"]

S3_PREFIX_LIST = "S3PrefixList"
"""Peer of a rule that is the region's S3 prefix list (a template parameter; infra looks it up)."""


@dataclass(frozen=True)
class Rule:
    """One security group rule: ``protocol`` (``"tcp"`` or ``"-1"``), ``port`` (None for all),
    ``peer`` (a security group's logical ID, or :data:`S3_PREFIX_LIST`), ``direction``."""

    direction: str
    protocol: str
    port: int | None
    peer: str
    description: str


@dataclass(frozen=True)
class Resource:
    """One resource of the stack.

    Attributes
    ----------
    logical_id : str
        CloudFormation logical ID (``"Vpc"``, ``"Subnet1"``, ``"StsEndpoint"``...).
    type : str
        CloudFormation resource type (``"AWS::EC2::VPC"``...).
    name : str or None
        Its ``Name`` tag, group name or IAM name (``"ifsm-vpc"``).
    tag : str or None
        Value of the ``safemaker:resource`` tag of a taggable EC2 resource
        (``"vpc"``, ``"subnet-1"``, ``"endpoint:sts"``); None otherwise.
    spec : mapping
        What it is, region-independent; other resources named by logical ID.
    depends_on : tuple of str
        Logical IDs that must exist first (beyond the references in ``spec``).
    """

    logical_id: str
    type: str
    name: str | None = None
    tag: str | None = None
    spec: Mapping[str, Any] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()


def _logical(key: str) -> str:
    """``sagemaker.featurestore-runtime`` -> ``SagemakerFeaturestoreRuntime``."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[.\-]", key))


def endpoint_logical_id(key: str) -> str:
    """Logical ID of the endpoint of :data:`~safemaker.network.endpoints.ENDPOINTS` key ``key``."""
    return "S3GatewayEndpoint" if ENDPOINTS[key].endpoint_type == "Gateway" else f"{_logical(key)}Endpoint"


def policy_logical_id(stack: str, name: str) -> str:
    """Logical ID of the managed policy named ``name`` (``ifsm-RestrictInternetAccess1`` ->
    ``RestrictInternetAccess1Policy``)."""
    logical = _logical(name.removeprefix(f"{stack}-"))
    return logical if logical.endswith("Policy") else logical + "Policy"


def describe(cfg: Any, documents: Mapping[str, list[dict[str, Any]]] | None = None) -> list[Resource]:
    """Every resource of the stack, in the order ``infra up`` applies them.

    Parameters
    ----------
    cfg : safemaker.network.infra.StackConfig
    documents : mapping, optional
        Policy key -> rendered documents (:func:`~safemaker.network.infra.render_policies`);
        only their number matters here (one managed policy each). Default: rendered for a
        profile of placeholder IDs.

    Returns
    -------
    list of Resource
        Unique logical IDs.
    """
    return list(_resources(cfg, documents))


def _resources(cfg: Any, documents: Mapping[str, list[dict[str, Any]]] | None) -> Iterator[Resource]:
    from safemaker.network import infra
    from safemaker.network.infra.policies import _placeholder_profile, _policy_names

    stack = cfg.name
    yield Resource("Vpc", "AWS::EC2::VPC", f"{stack}-vpc", "vpc",
                   {"cidr_block": cfg.cidr_block, "enable_dns_support": True, "enable_dns_hostnames": True})
    yield Resource("DhcpOptions", "AWS::EC2::DHCPOptions", f"{stack}-dhcp", "dhcp-options",
                   {"domain_name": "region default", "domain_name_servers": ("AmazonProvidedDNS",)})
    yield Resource("DhcpOptionsAssociation", "AWS::EC2::VPCDHCPOptionsAssociation",
                   spec={"dhcp_options": "DhcpOptions", "vpc": "Vpc"})
    for index, block in enumerate(cfg.subnet_cidr_blocks):
        n = index + 1
        yield Resource(f"Subnet{n}", "AWS::EC2::Subnet", f"{stack}-subnet-{n}", f"subnet-{n}",
                       {"vpc": "Vpc", "cidr_block": block, "zone_index": index, "map_public_ip_on_launch": False})
    yield Resource("RouteTable", "AWS::EC2::RouteTable", f"{stack}-private", "route-table", {"vpc": "Vpc"})
    for n in (1, 2):
        yield Resource(f"Subnet{n}RouteTableAssociation", "AWS::EC2::SubnetRouteTableAssociation",
                       spec={"subnet": f"Subnet{n}", "route_table": "RouteTable"})
    rules = [Rule("egress", "tcp", 443, S3_PREFIX_LIST, "S3 gateway endpoint")]
    self_rules = [("Https", "tcp", 443)]
    if SELF_REFERENCE_FEATURES & set(cfg.features):
        self_rules.append(("All", "-1", None))
    yield Resource("SecurityGroup", "AWS::EC2::SecurityGroup", f"{stack}-sagemaker", "security-group",
                   {"vpc": "Vpc", "description": f"safemaker {stack}: SageMaker ENIs and VPC endpoints",
                    "egress": tuple(rules)})
    for label, proto, port in self_rules:
        yield Resource(f"SecurityGroupIngressSelf{label}", "AWS::EC2::SecurityGroupIngress",
                       spec={"group": "SecurityGroup",
                             "rule": Rule("ingress", proto, port, "SecurityGroup", "from itself")})
        yield Resource(f"SecurityGroupEgressSelf{label}", "AWS::EC2::SecurityGroupEgress",
                       spec={"group": "SecurityGroup",
                             "rule": Rule("egress", proto, port, "SecurityGroup", "to itself")})
    for req in required_endpoints(cfg.features, cfg.region, kms=cfg.kms):
        key = req.spec.key
        gateway = req.endpoint_type == "Gateway"
        yield Resource(endpoint_logical_id(key), "AWS::EC2::VPCEndpoint", f"{stack}-{key}", f"endpoint:{key}", {
            "vpc": "Vpc", "endpoint": key, "type": req.endpoint_type,
            "route_tables": ("RouteTable",) if gateway else (),
            "subnets": () if gateway else ("Subnet1", "Subnet2"),
            "security_groups": () if gateway else ("SecurityGroup",),
            "private_dns": not gateway})

    if documents is None:
        documents = infra.render_policies(_placeholder_profile(cfg))
    role_policies: list[str] = []
    for key, docs in documents.items():
        for index, name in enumerate(_policy_names(stack, key, len(docs))):
            logical = policy_logical_id(stack, name)
            yield Resource(logical, "AWS::IAM::ManagedPolicy", name, spec={
                "key": key, "index": index, "path": infra.policy_path(stack),
                "description": f"safemaker {stack}: {key} policy"})
            if key in infra.execution_role_policy_keys(documents):
                role_policies.append(logical)
    yield Resource("ExecutionRole", "AWS::IAM::Role", infra.execution_role_name(stack), spec={
        "service": "sagemaker.amazonaws.com", "description": f"safemaker {stack}: SageMaker execution role",
        "policies": tuple(role_policies), "aws_managed_policies": tuple(cfg.aws_managed_policies)})
    if not cfg.admin_host:
        return
    yield Resource("AdminHostRole", "AWS::IAM::Role", infra.admin_role_name(stack), spec={
        "service": "ec2.amazonaws.com", "description": f"safemaker {stack}: admin host (Session Manager)",
        "policies": (), "aws_managed_policies": (infra.SSM_CORE_POLICY,)})
    yield Resource("AdminHostInstanceProfile", "AWS::IAM::InstanceProfile", infra.admin_instance_profile_name(stack),
                   spec={"roles": ("AdminHostRole",)})
    yield Resource("AdminHostLaunchTemplate", "AWS::EC2::LaunchTemplate",
                   spec={"metadata_options": {"HttpTokens": "required"}})
    yield Resource("AdminHost", "AWS::EC2::Instance", f"{stack}-admin", "admin-host", {
        "ami": cfg.admin_ami, "ami_parameter": cfg.admin_ami_parameter, "instance_type": cfg.admin_instance_type,
        "subnet": "Subnet1", "security_groups": ("SecurityGroup",), "instance_profile": "AdminHostInstanceProfile",
        "launch_template": "AdminHostLaunchTemplate"},
        # The host is reached through Session Manager: its endpoints must exist first.
        depends_on=tuple(endpoint_logical_id(k) for k in ("ssm", "ssmmessages", "ec2messages")))
