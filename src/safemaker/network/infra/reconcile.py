"""``up`` with API calls: each resource of the stack's description
(:func:`safemaker.network.stack.describe`) found by its tags and created, updated or kept, in
dependency order (the network part: VPC, DHCP options, subnets, route table, security group, VPC
endpoints), then the profile of the result. This is how the description is applied on the local
backend, whose CloudFormation ignores parts of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from safemaker.errors import InfraError
from safemaker.network.endpoints import ENDPOINTS, S3_GATEWAY, dhcp_domain_name, required_endpoints
from safemaker.network.infra.calls import _CONSOLE_FIX, _Ctx, _is_ours, _tag_spec, _tags
from safemaker.network.infra.config import StackConfig, execution_role_name
from safemaker.network.infra.observe import _Observed, _observe
from safemaker.network.infra.reconcile_iam import _reconcile_admin_host, _reconcile_iam, _refuse_foreign_iam
from safemaker.network.infra.results import UpResult


def _ec2_perm(proto: str, group: str | None = None, prefix_list: str | None = None,
              port: int | None = 443) -> dict[str, Any]:
    perm: dict[str, Any] = {"IpProtocol": proto}
    if proto != "-1" and port is not None:
        perm.update(FromPort=port, ToPort=port)
    if group:
        perm["UserIdGroupPairs"] = [{"GroupId": group}]
    if prefix_list:
        perm["PrefixListIds"] = [{"PrefixListId": prefix_list}]
    return perm


def _has_perm(perms: Iterable[dict[str, Any]], want: dict[str, Any]) -> bool:
    for perm in perms:
        if str(perm.get("IpProtocol")) != want["IpProtocol"]:
            continue
        if want["IpProtocol"] != "-1" and (perm.get("FromPort"), perm.get("ToPort")) != (
                want.get("FromPort"), want.get("ToPort")):
            continue
        groups = {p.get("GroupId") for p in perm.get("UserIdGroupPairs", [])}
        lists = {p.get("PrefixListId") for p in perm.get("PrefixListIds", [])}
        if all(p["GroupId"] in groups for p in want.get("UserIdGroupPairs", [])) and all(
                p["PrefixListId"] in lists for p in want.get("PrefixListIds", [])):
            return True
    return False


def _perm_text(perm: dict[str, Any], direction: str) -> str:
    what = "all traffic" if perm["IpProtocol"] == "-1" else f"{perm['IpProtocol']}/{perm.get('FromPort')}"
    peer = ([p["GroupId"] for p in perm.get("UserIdGroupPairs", [])]
            + [p["PrefixListId"] for p in perm.get("PrefixListIds", [])])
    word = "from" if direction == "ingress" else "to"
    return f"{direction} {what} {word} {', '.join(peer) or 'itself'}"


def _availability_zones(ctx: _Ctx) -> list[str]:
    zones = ctx.items(ctx.ec2, "describe_availability_zones", "AvailabilityZones", Filters=[
        {"Name": "state", "Values": ["available"]},
        {"Name": "zone-type", "Values": ["availability-zone"]}])
    return sorted(z["ZoneName"] for z in zones)


def _s3_prefix_list(ctx: _Ctx, region: str) -> str | None:
    name = ENDPOINTS[S3_GATEWAY].service_name(region)
    lists = ctx.items(ctx.ec2, "describe_prefix_lists", "PrefixLists",
                      Filters=[{"Name": "prefix-list-name", "Values": [name]}])
    return next((p["PrefixListId"] for p in lists if p.get("PrefixListName") == name), None)


@dataclass
class _Built:
    """What :func:`_reconcile` has found or made so far (IDs are ``None`` in a plan of a new stack)."""

    vpc: dict[str, Any] | None = None
    vpc_id: str | None = None
    account: str | None = None
    subnet_ids: list[str | None] = field(default_factory=list)
    rt_id: str | None = None
    sg_id: str | None = None
    endpoint_ids: list[str] = field(default_factory=list)
    resources: dict[str, str] = field(default_factory=dict)
    described: dict[str, Any] = field(default_factory=dict)
    ids: dict[str, str | None] = field(default_factory=dict)
    applied: set[str] = field(default_factory=set)

    def of_type(self, cfn_type: str) -> list[Any]:
        """The described resources (:class:`safemaker.network.stack.Resource`) of one CloudFormation type."""
        return [r for r in self.described.values() if r.type == cfn_type]

    def apply(self, resource: Any, resource_id: str | None) -> str | None:
        """Note that ``resource`` was applied (created, updated or kept) with ID ``resource_id``."""
        self.applied.add(resource.logical_id)
        self.ids[resource.logical_id] = resource_id
        return resource_id


def _reconcile(ctx: _Ctx, cfg: StackConfig, profile_path: Path | None) -> UpResult:
    obs = _observe(ctx)
    _refuse_foreign_iam(cfg, obs)
    from safemaker.network.stack import describe

    ctx.partition = cfg.partition
    built = _Built(described={r.logical_id: r for r in describe(cfg)})
    _up_vpc(ctx, cfg, obs, built)
    _up_dhcp_options(ctx, cfg, obs, built)
    _up_subnets(ctx, cfg, obs, built)
    _up_route_table(ctx, cfg, obs, built)
    _up_security_group(ctx, cfg, obs, built)
    built.endpoint_ids = _reconcile_endpoints(ctx, cfg, obs, built)
    profile = _profile_of(cfg, built)
    policy_arns = _reconcile_iam(ctx, cfg, obs, profile, built)
    if cfg.admin_host:
        _reconcile_admin_host(ctx, cfg, obs, built)
    left = set(built.described) - built.applied
    if left:  # every described resource has its step above; a new resource type needs one
        raise AssertionError(f"described but not applied: {sorted(left)}")
    written = None
    if ctx.apply and profile_path is not None and profile is not None:
        written = profile.dump(profile_path)
    return UpResult(cfg.name, profile, tuple(ctx.actions), built.resources, policy_arns, written)


def _up_vpc(ctx: _Ctx, cfg: StackConfig, obs: _Observed, built: _Built) -> None:
    """The VPC and its DNS attributes (``enableDnsSupport``, ``enableDnsHostnames``)."""
    ec2, stack = ctx.ec2, cfg.name
    spec = built.described["Vpc"]
    vpc = obs.vpc
    vpc_name, cidr = spec.name, spec.spec["cidr_block"]
    flags = [f for f, key in (("EnableDnsSupport", "enable_dns_support"), ("EnableDnsHostnames", "enable_dns_hostnames"))
             if spec.spec[key]]
    if vpc is None:
        vpc_id = account = None
        if ctx.apply:
            vpc = ctx.call(ec2, "create_vpc", what=vpc_name, CidrBlock=cidr,
                           TagSpecifications=_tag_spec("vpc", stack, spec.tag, vpc_name))["Vpc"]
            vpc_id, account = vpc["VpcId"], vpc.get("OwnerId")
            ctx.wait(ec2, "vpc_available", f"VPC {vpc_id}", _CONSOLE_FIX, VpcIds=[vpc_id])
            for flag in flags:
                ctx.call(ec2, "modify_vpc_attribute", what=vpc_id, VpcId=vpc_id, **{flag: {"Value": True}})
        ctx.record("create", "VPC", vpc_name, vpc_id,
                   f"{cidr}; enableDnsSupport and enableDnsHostnames on")
        built.vpc, built.vpc_id, built.account = None, vpc_id, account
    else:
        vpc_id, account = vpc["VpcId"], vpc.get("OwnerId")
        off = []
        for flag in flags:
            attribute, key = flag[0].lower() + flag[1:], flag
            value = ctx.call(ec2, "describe_vpc_attribute", VpcId=vpc_id, Attribute=attribute)
            if not value.get(key, {}).get("Value"):
                off.append((attribute, flag))
        if off:
            if ctx.apply:
                for _, flag in off:
                    ctx.call(ec2, "modify_vpc_attribute", what=vpc_id, VpcId=vpc_id, **{flag: {"Value": True}})
            ctx.record("update", "VPC", vpc_name, vpc_id,
                       "turn on " + " and ".join(a for a, _ in off))
        else:
            detail = vpc.get("CidrBlock", "")
            if vpc.get("CidrBlock") != cidr:
                detail += f" (the config says {cidr}; an existing VPC is not resized)"
            ctx.record("keep", "VPC", vpc_name, vpc_id, detail)
        built.vpc, built.vpc_id, built.account = vpc, vpc_id, account
    if built.apply(spec, built.vpc_id):
        built.resources[spec.tag] = built.vpc_id


def _up_dhcp_options(ctx: _Ctx, cfg: StackConfig, obs: _Observed, built: _Built) -> None:
    """The DHCP options set (``domain-name``, ``AmazonProvidedDNS``) and its association with the VPC."""
    ec2, stack = ctx.ec2, cfg.name
    spec = built.described["DhcpOptions"]
    dhcp_name = spec.name
    domain = dhcp_domain_name(cfg.region)  # spec "region default": AWS's default domain name of the region
    servers = list(spec.spec["domain_name_servers"])
    ours = obs.by_logical(obs.dhcp).get(spec.tag) or (obs.dhcp[0] if obs.dhcp else None)
    if ours is None:
        dopt_id = None
        if ctx.apply:
            created = ctx.call(ec2, "create_dhcp_options", what=dhcp_name, DhcpConfigurations=[
                {"Key": "domain-name", "Values": [domain]},
                {"Key": "domain-name-servers", "Values": servers}],
                TagSpecifications=_tag_spec("dhcp-options", stack, spec.tag, dhcp_name))["DhcpOptions"]
            dopt_id = created["DhcpOptionsId"]
            if not _is_ours(created, stack):  # moto 5.2 drops TagSpecifications on CreateDhcpOptions
                ctx.call(ec2, "create_tags", what=dopt_id, Resources=[dopt_id],
                         Tags=_tags(stack, spec.tag, dhcp_name))
        ctx.record("create", "DHCP options", dhcp_name, dopt_id,
                   f"domain-name {domain}; domain-name-servers {' '.join(servers)}")
    else:
        dopt_id = ours["DhcpOptionsId"]
        ctx.record("keep", "DHCP options", dhcp_name, dopt_id)
    if built.apply(spec, dopt_id):
        built.resources[spec.tag] = dopt_id
    association = built.described["DhcpOptionsAssociation"]
    vpc = built.described[association.spec["vpc"]]
    if built.vpc is None or built.vpc.get("DhcpOptionsId") != dopt_id:
        if ctx.apply:
            ctx.call(ec2, "associate_dhcp_options", what=f"{dopt_id} {built.vpc_id}",
                     DhcpOptionsId=dopt_id, VpcId=built.vpc_id)
        ctx.record("update", "VPC", vpc.name, built.vpc_id,
                   f"associate DHCP options {dopt_id or dhcp_name}")
    built.apply(association, None)


def _up_subnets(ctx: _Ctx, cfg: StackConfig, obs: _Observed, built: _Built) -> None:
    """The two private subnets, in two Availability Zones."""
    ec2, stack = ctx.ec2, cfg.name
    zones = _availability_zones(ctx)
    if len(zones) < 2:
        raise InfraError(f"planning subnets of {stack}",
                         f"{cfg.region} has {len(zones)} available Availability Zone(s); two are needed",
                         "Use a region with at least two Availability Zones")
    existing = {k: v for k, v in obs.by_logical(obs.subnets).items() if v.get("VpcId") == built.vpc_id}
    used = {s.get("AvailabilityZone") for s in existing.values()}
    for spec in built.of_type("AWS::EC2::Subnet"):
        name, logical, block = spec.name, spec.tag, spec.spec["cidr_block"]
        subnet = existing.get(logical)
        if subnet is not None:
            subnet_id = subnet["SubnetId"]
            ctx.record("keep", "subnet", name, subnet_id,
                       f"{subnet.get('CidrBlock')} in {subnet.get('AvailabilityZone')}")
        else:
            # Another zone than the other subnet's: the template's Fn::Select [zone_index, Fn::GetAZs].
            zone = next(z for z in zones if z not in used)
            used.add(zone)
            subnet_id = None
            if ctx.apply:
                subnet_id = ctx.call(ec2, "create_subnet", what=name, VpcId=built.vpc_id, CidrBlock=block,
                                     AvailabilityZone=zone, TagSpecifications=_tag_spec("subnet", stack, logical, name)
                                     )["Subnet"]["SubnetId"]
            ctx.record("create", "subnet", name, subnet_id, f"{block} in {zone}, private")
        built.subnet_ids.append(subnet_id)
        if built.apply(spec, subnet_id):
            built.resources[logical] = subnet_id


def _up_route_table(ctx: _Ctx, cfg: StackConfig, obs: _Observed, built: _Built) -> None:
    """The stack's route table (local route only) and its association with both subnets."""
    ec2, stack, vpc_id = ctx.ec2, cfg.name, built.vpc_id
    spec = built.described["RouteTable"]
    rt_name = spec.name
    table = next((t for t in obs.route_tables if t.get("VpcId") == vpc_id), None)
    if table is None:
        rt_id = None
        if ctx.apply:
            rt_id = ctx.call(ec2, "create_route_table", what=rt_name, VpcId=vpc_id,
                             TagSpecifications=_tag_spec("route-table", stack, spec.tag, rt_name)
                             )["RouteTable"]["RouteTableId"]
        ctx.record("create", "route table", rt_name, rt_id, "local route only (no way out)")
        associated: set[str] = set()
    else:
        rt_id = table["RouteTableId"]
        associated = {a.get("SubnetId") for a in table.get("Associations", []) if a.get("SubnetId")}
        ctx.record("keep", "route table", rt_name, rt_id)
    built.rt_id = rt_id
    if built.apply(spec, rt_id):
        built.resources[spec.tag] = rt_id
    associations = built.of_type("AWS::EC2::SubnetRouteTableAssociation")
    for association in associations:
        built.apply(association, None)
    wanted = [(built.described[a.spec["subnet"]], built.ids[a.spec["subnet"]]) for a in associations]
    missing_assoc = [(s, sid) for s, sid in wanted if sid is None or sid not in associated]
    if not missing_assoc:
        return
    explicit = {}
    if ctx.apply and vpc_id:
        for t in ctx.items(ec2, "describe_route_tables", "RouteTables",
                           Filters=[{"Name": "vpc-id", "Values": [vpc_id]}]):
            for a in t.get("Associations", []):
                if a.get("SubnetId"):
                    explicit[a["SubnetId"]] = a["RouteTableAssociationId"]
    for subnet, subnet_id in missing_assoc:
        if ctx.apply:
            if subnet_id in explicit:
                ctx.call(ec2, "replace_route_table_association", what=subnet_id,
                         AssociationId=explicit[subnet_id], RouteTableId=rt_id)
            else:
                ctx.call(ec2, "associate_route_table", what=f"{rt_id} {subnet_id}",
                         RouteTableId=rt_id, SubnetId=subnet_id)
        ctx.record("update", "route table", rt_name, rt_id, f"associate {subnet_id or subnet.name}")


_OPEN_EGRESS = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
"""AWS's default egress rule of a new security group (allow everything), which the stack removes."""


def _up_security_group(ctx: _Ctx, cfg: StackConfig, obs: _Observed, built: _Built) -> None:
    """The security group: tcp/443 from/to itself and to the S3 prefix list, all traffic from/to itself
    when distributed training is possible; no allow-all egress."""
    ec2, stack, region, vpc_id = ctx.ec2, cfg.name, cfg.region, built.vpc_id
    spec = built.described["SecurityGroup"]
    sg_name = spec.name
    s3_list = _s3_prefix_list(ctx, region)
    if s3_list is None:
        raise InfraError(f"planning security group {sg_name}",
                         f"no prefix list named {ENDPOINTS[S3_GATEWAY].service_name(region)} in {region}",
                         "Check the region")
    group = next((g for g in obs.groups if g.get("VpcId") == vpc_id), None)
    sg_id = group["GroupId"] if group else None
    rule_specs = built.of_type("AWS::EC2::SecurityGroupIngress") + built.of_type("AWS::EC2::SecurityGroupEgress")
    rules = [r.spec["rule"] for r in rule_specs] + list(spec.spec["egress"])

    def perm(rule: Any, gid: str | None) -> dict[str, Any]:
        if rule.peer == "S3PrefixList":
            return _ec2_perm(rule.protocol, prefix_list=s3_list, port=rule.port)
        return _ec2_perm(rule.protocol, gid, port=rule.port)  # the group itself (the only group peer)

    def wanted(gid: str | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        ingress = [perm(r, gid) for r in rules if r.direction == "ingress"]
        egress = [perm(r, gid) for r in rules if r.direction == "egress"]
        order = {"tcp": 0, "-1": 1}  # https first, then all traffic; the prefix list after itself
        return (sorted(ingress, key=lambda p: order.get(p["IpProtocol"], 2)),
                sorted(egress, key=lambda p: (order.get(p["IpProtocol"], 2), "PrefixListIds" in p)))

    if group is None:
        if ctx.apply:
            sg_id = ctx.call(ec2, "create_security_group", what=sg_name, GroupName=sg_name, VpcId=vpc_id,
                             Description=spec.spec["description"],
                             TagSpecifications=_tag_spec("security-group", stack, spec.tag, sg_name)
                             )["GroupId"]
            ingress, egress = wanted(sg_id)
            ctx.call(ec2, "revoke_security_group_egress", what=sg_id, GroupId=sg_id, IpPermissions=_OPEN_EGRESS,
                     missing=("InvalidPermission.NotFound",))
            ctx.call(ec2, "authorize_security_group_ingress", what=sg_id, GroupId=sg_id, IpPermissions=ingress)
            ctx.call(ec2, "authorize_security_group_egress", what=sg_id, GroupId=sg_id, IpPermissions=egress)
        ingress, egress = wanted(sg_id or "itself")
        rules = [_perm_text(p, "ingress") for p in ingress] + [_perm_text(p, "egress") for p in egress]
        ctx.record("create", "security group", sg_name, sg_id,
                   "; ".join(rules).replace(f" {sg_id}", " itself") if sg_id else "; ".join(rules))
    else:
        ingress, egress = wanted(sg_id)
        add_in = [p for p in ingress if not _has_perm(group.get("IpPermissions", []), p)]
        add_out = [p for p in egress if not _has_perm(group.get("IpPermissionsEgress", []), p)]
        open_egress = [p for p in group.get("IpPermissionsEgress", []) if str(p.get("IpProtocol")) == "-1"
                       and any(r.get("CidrIp") == "0.0.0.0/0" for r in p.get("IpRanges", []))]
        changes = ([_perm_text(p, "ingress") for p in add_in] + [_perm_text(p, "egress") for p in add_out]
                   + (["remove egress all traffic to 0.0.0.0/0"] if open_egress else []))
        if changes:
            if ctx.apply:
                if add_in:
                    ctx.call(ec2, "authorize_security_group_ingress", what=sg_id, GroupId=sg_id,
                             IpPermissions=add_in)
                if add_out:
                    ctx.call(ec2, "authorize_security_group_egress", what=sg_id, GroupId=sg_id,
                             IpPermissions=add_out)
                if open_egress:
                    ctx.call(ec2, "revoke_security_group_egress", what=sg_id, GroupId=sg_id,
                             IpPermissions=_OPEN_EGRESS, missing=("InvalidPermission.NotFound",))
            ctx.record("update", "security group", sg_name, sg_id,
                       "; ".join(changes).replace(f" {sg_id}", " itself"))
        else:
            ctx.record("keep", "security group", sg_name, sg_id)
    built.sg_id = sg_id
    for rule in rule_specs:
        built.apply(rule, None)
    if built.apply(spec, sg_id):
        built.resources[spec.tag] = sg_id


def _profile_of(cfg: StackConfig, built: _Built) -> Any:
    """The closed network's :class:`~safemaker.profile.VpcProfile`, or ``None`` until every ID exists.

    Exact only once every required endpoint exists: planning a stack that was
    interrupted after its VPC but before its endpoints uses the placeholders.
    """
    role_arn = (f"arn:{cfg.partition}:iam::{built.account}:role/{execution_role_name(cfg.name)}"
                if built.account else None)
    endpoints_complete = len(built.endpoint_ids) == len(required_endpoints(cfg.features, cfg.region, kms=cfg.kms))
    if not (built.vpc_id and all(built.subnet_ids) and built.sg_id and role_arn and endpoints_complete):
        return None
    from safemaker.profile import VpcProfile

    data: dict[str, Any] = {
        "region": cfg.region, "vpc_id": built.vpc_id, "subnets": list(built.subnet_ids),
        "security_group_ids": [built.sg_id], "execution_role_arn": role_arn,
        "vpc_endpoint_ids": built.endpoint_ids,
    }
    for key in ("volume_kms_key_id", "output_kms_key_id", "default_bucket"):
        if getattr(cfg, key):
            data[key] = getattr(cfg, key)
    return VpcProfile.from_mapping(data, source=f"infra:{cfg.name}", env=False)


def _reconcile_endpoints(ctx: _Ctx, cfg: StackConfig, obs: _Observed, built: _Built) -> list[str]:
    """The VPC endpoints: gateway ones on the route table, interface ones in both subnets, private DNS on."""
    ec2, stack, vpc_id = ctx.ec2, cfg.name, built.vpc_id
    existing = {e.get("ServiceName"): e for e in obs.endpoints if e.get("VpcId") == vpc_id}
    created: list[str] = []
    ids: list[str] = []
    resources = built.resources
    for spec in built.of_type("AWS::EC2::VPCEndpoint"):
        logical, name, endpoint_type = spec.tag, spec.name, spec.spec["type"]
        service_name = ENDPOINTS[spec.spec["endpoint"]].service_name(cfg.region)
        endpoint = existing.get(service_name)
        gateway = endpoint_type == "Gateway"
        rt_id = next((built.ids[r] for r in spec.spec["route_tables"]), None)
        subnet_ids = [built.ids[s] for s in spec.spec["subnets"]]
        sg_id = next((built.ids[g] for g in spec.spec["security_groups"]), None)
        if endpoint is None:
            eid = None
            if ctx.apply:
                args: dict[str, Any] = dict(
                    VpcEndpointType=endpoint_type, VpcId=vpc_id, ServiceName=service_name,
                    TagSpecifications=_tag_spec("vpc-endpoint", stack, logical, name))
                if gateway:
                    args["RouteTableIds"] = [built.ids[r] for r in spec.spec["route_tables"]]
                else:
                    args.update(SubnetIds=list(subnet_ids), SecurityGroupIds=[built.ids[g] for g in
                                                                              spec.spec["security_groups"]],
                                PrivateDnsEnabled=spec.spec["private_dns"])
                eid = ctx.call(ec2, "create_vpc_endpoint", what=service_name, **args)[
                    "VpcEndpoint"]["VpcEndpointId"]
                created.append(eid)
            where = f"on route table {rt_id or f'{stack}-private'}" if gateway else (
                "private DNS on, in both subnets, security group " + (sg_id or f"{stack}-sagemaker"))
            ctx.record("create", "VPC endpoint", name, eid,
                       f"{endpoint_type} endpoint for {service_name}, {where}")
        else:
            eid = endpoint["VpcEndpointId"]
            changes: dict[str, Any] = {}
            if gateway:
                if rt_id and rt_id not in (endpoint.get("RouteTableIds") or []):
                    changes["AddRouteTableIds"] = [rt_id]
            else:
                add_subnets = [s for s in subnet_ids if s and s not in (endpoint.get("SubnetIds") or [])]
                if add_subnets:
                    changes["AddSubnetIds"] = add_subnets
                groups = {g.get("GroupId") for g in endpoint.get("Groups", [])}
                if sg_id and sg_id not in groups:
                    changes["AddSecurityGroupIds"] = [sg_id]
                if spec.spec["private_dns"] and not endpoint.get("PrivateDnsEnabled"):
                    changes["PrivateDnsEnabled"] = True
            if changes:
                if ctx.apply:
                    ctx.call(ec2, "modify_vpc_endpoint", what=eid, VpcEndpointId=eid, **changes)
                ctx.record("update", "VPC endpoint", name, eid,
                           "; ".join(f"{k} {v}" for k, v in changes.items()))
            else:
                ctx.record("keep", "VPC endpoint", name, eid, service_name)
        built.apply(spec, eid)
        if eid:
            ids.append(eid)
            resources[logical] = eid
    if ctx.apply and created:
        ctx.wait(ec2, "VpcEndpointsAvailable", f"VPC endpoints {', '.join(created)} to be available",
                 "Delete the failed ones (safemaker infra down) and re-run up; re-run up when they are available",
                 VpcEndpointIds=created)
    return ids
