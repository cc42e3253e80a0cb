"""VPC endpoints: each one the features need exists by exact service name, is available, has private
DNS and a network interface in every Availability Zone (F06, F10, F11); the profile's
``vpc_endpoint_ids`` are of the VPC.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from safemaker.network.doctor._reading import _State, _unknown_fix
from safemaker.network.doctor.report import Check, OK, PROBLEM, UNKNOWN
from safemaker.network.doctor.routes import _route_table_of
from safemaker.network.doctor.security_groups import _sg_allows, _subnet_networks
from safemaker.network.endpoints import required_endpoints


def _endpoint_checks(profile: Any, features: tuple[str, ...], state: _State) -> list[Check]:
    out: list[Check] = []
    region = profile.region
    vpc_id = profile.vpc_id
    kms = bool(profile.volume_kms_key_id or profile.output_kms_key_id)
    required = required_endpoints(features, region, kms=kms)
    if "DescribeVpcEndpoints" in state.failed:
        for req in required:
            out.append(Check("endpoint.present", req.service_name, UNKNOWN,
                             f"DescribeVpcEndpoints failed ({state.failed['DescribeVpcEndpoints']})",
                             _unknown_fix("DescribeVpcEndpoints")))
        return out
    by_name: dict[str, list[dict[str, Any]]] = {}
    for endpoint in state.endpoints:
        by_name.setdefault(str(endpoint.get("ServiceName")), []).append(endpoint)

    profile_subnets = [state.subnets[s] for s in profile.subnets if s in state.subnets
                       and state.subnets[s].get("VpcId") == vpc_id]
    profile_zones: dict[str, list[str]] = {}
    for subnet in profile_subnets:
        profile_zones.setdefault(subnet.get("AvailabilityZone", "?"), []).append(subnet["SubnetId"])
    profile_nets = _subnet_networks(profile_subnets)
    profile_groups = [g for g in profile.security_group_ids]
    route_tables = {}
    for subnet in profile_subnets:
        table, _ = _route_table_of(subnet["SubnetId"], vpc_id, state.tables)
        if table is not None:
            route_tables[subnet["SubnetId"]] = table["RouteTableId"]

    for req in required:
        name = req.service_name
        needed = ", ".join(req.needed_by)
        wanted = req.endpoint_type.lower()
        candidates = by_name.get(name, [])
        matching = [e for e in candidates if str(e.get("VpcEndpointType", "")).lower() == wanted]
        if not matching:
            if candidates:
                others = ", ".join(f"{e['VpcEndpointId']} ({e.get('VpcEndpointType')})" for e in candidates)
                detail = (f"{name} has only {others} in {vpc_id}; a {req.endpoint_type} endpoint "
                          f"is needed (needed by: {needed})")
            else:
                detail = (f"no {wanted} endpoint for {name} in {vpc_id} (needed by: {needed}): "
                          f"{req.spec.purpose}")
            out.append(Check("endpoint.present", name, PROBLEM, detail,
                             _create_endpoint_fix(req.endpoint_type, name, vpc_id, profile,
                                                  sorted(set(route_tables.values())))))
            continue
        for endpoint in matching:
            eid = endpoint["VpcEndpointId"]
            out.append(Check("endpoint.present", name, OK,
                             f"{eid} ({req.endpoint_type}; needed by: {needed})"))
            endpoint_state = str(endpoint.get("State", "?"))
            if endpoint_state.lower() != "available":
                out.append(Check("endpoint.state", eid, PROBLEM,
                                 f"{eid} ({name}) is {endpoint_state}, not available",
                                 f"Wait for it, or delete and recreate it (aws ec2 "
                                 f"describe-vpc-endpoints --vpc-endpoint-ids {eid})"))
            if req.endpoint_type == "Gateway":
                missing = sorted({t for t in route_tables.values()} - set(endpoint.get("RouteTableIds") or []))
                if missing:
                    out.append(Check("endpoint.route-tables", eid, PROBLEM,
                                     f"{eid} ({name}) is not associated with "
                                     f"{', '.join(missing)}, the route table(s) of the profile's "
                                     "subnets",
                                     f"aws ec2 modify-vpc-endpoint --vpc-endpoint-id {eid} "
                                     f"--add-route-table-ids {' '.join(missing)}"))
                elif route_tables:
                    out.append(Check("endpoint.route-tables", eid, OK,
                                     f"{eid} is associated with {', '.join(sorted(set(route_tables.values())))}"))
                continue
            out.extend(_interface_checks(endpoint, name, profile, state, profile_zones,
                                         profile_nets, profile_groups))
    return out


def _create_endpoint_fix(
    endpoint_type: str, name: str, vpc_id: str, profile: Any, route_tables: list[str]
) -> str:
    if endpoint_type == "Gateway":
        tables = " ".join(route_tables) or "<route table of each profile subnet>"
        return (f"aws ec2 create-vpc-endpoint --vpc-id {vpc_id} --vpc-endpoint-type Gateway "
                f"--service-name {name} --route-table-ids {tables}")
    return (f"aws ec2 create-vpc-endpoint --vpc-id {vpc_id} --vpc-endpoint-type Interface "
            f"--service-name {name} --subnet-ids {' '.join(profile.subnets)} "
            f"--security-group-ids {' '.join(profile.security_group_ids)} --private-dns-enabled")


def _interface_checks(
    endpoint: dict[str, Any],
    name: str,
    profile: Any,
    state: _State,
    profile_zones: dict[str, list[str]],
    profile_nets: list[ipaddress._BaseNetwork],
    profile_groups: list[str],
) -> list[Check]:
    out: list[Check] = []
    eid = endpoint["VpcEndpointId"]
    if endpoint.get("PrivateDnsEnabled"):
        out.append(Check("endpoint.private-dns", eid, OK, f"{eid} ({name}) has private DNS on"))
    else:
        out.append(Check("endpoint.private-dns", eid, PROBLEM,
                         f"{eid} ({name}) has private DNS off: the SDK resolves the service's "
                         "public name, which a closed network cannot reach",
                         f"aws ec2 modify-vpc-endpoint --vpc-endpoint-id {eid} --private-dns-enabled"))

    endpoint_subnet_ids = list(endpoint.get("SubnetIds") or [])
    if "DescribeSubnets" in state.failed:
        out.append(Check("endpoint.subnets", eid, UNKNOWN,
                         f"DescribeSubnets failed ({state.failed['DescribeSubnets']})",
                         _unknown_fix("DescribeSubnets")))
    else:
        endpoint_zones = {
            state.subnets[s].get("AvailabilityZone") for s in endpoint_subnet_ids if s in state.subnets
        }
        missing = {z: ids for z, ids in profile_zones.items() if z not in endpoint_zones}
        if missing:
            where = "; ".join(f"{z} (profile subnet {', '.join(ids)})" for z, ids in sorted(missing.items()))
            add_ids = " ".join(ids[0] for _, ids in sorted(missing.items()))
            out.append(Check("endpoint.subnets", eid, PROBLEM,
                             f"{eid} ({name}) has no network interface in {where}",
                             f"aws ec2 modify-vpc-endpoint --vpc-endpoint-id {eid} --add-subnet-ids {add_ids}"))
        elif profile_zones:
            out.append(Check("endpoint.subnets", eid, OK,
                             f"{eid} has a network interface in {', '.join(sorted(profile_zones))}"))

    endpoint_groups = [g["GroupId"] for g in endpoint.get("Groups", []) if g.get("GroupId")]
    if "DescribeSecurityGroups" in state.failed:
        out.append(Check("endpoint.ingress", eid, UNKNOWN,
                         f"DescribeSecurityGroups failed ({state.failed['DescribeSecurityGroups']})",
                         _unknown_fix("DescribeSecurityGroups")))
        return out
    endpoint_nets = _subnet_networks(state.subnets[s] for s in endpoint_subnet_ids if s in state.subnets)
    ingress_perms = [p for g in endpoint_groups for p in state.groups.get(g, {}).get("IpPermissions", [])]
    shown_groups = ", ".join(endpoint_groups) or "none"
    closed_from = [p for p in profile_groups
                   if not _sg_allows(ingress_perms, {p}, profile_nets)]
    if closed_from:
        first = endpoint_groups[0] if endpoint_groups else "<endpoint security group>"
        out.append(Check("endpoint.ingress", eid, PROBLEM,
                         f"no security group of {eid} ({name}; {shown_groups}) allows tcp/443 "
                         f"from {', '.join(closed_from)}",
                         "; ".join(
                             f"aws ec2 authorize-security-group-ingress --group-id {first} "
                             f"--protocol tcp --port 443 --source-group {p}" for p in closed_from)))
    else:
        out.append(Check("endpoint.ingress", eid, OK,
                         f"{shown_groups} allow tcp/443 from {', '.join(profile_groups)}"))
    closed_to = []
    for group_id in profile_groups:
        group = state.groups.get(group_id)
        if group is None:
            continue  # reported by sg.exists
        if not _sg_allows(group.get("IpPermissionsEgress", []), set(endpoint_groups), endpoint_nets):
            closed_to.append(group_id)
    if closed_to:
        first = endpoint_groups[0] if endpoint_groups else "<endpoint security group>"
        out.append(Check("endpoint.egress", eid, PROBLEM,
                         f"{', '.join(closed_to)} do(es) not allow tcp/443 out to {eid} ({name}; "
                         f"{shown_groups})",
                         "; ".join(
                             f"aws ec2 authorize-security-group-egress --group-id {p} "
                             f"--ip-permissions IpProtocol=tcp,FromPort=443,ToPort=443,"
                             f"UserIdGroupPairs=[{{GroupId={first}}}]" for p in closed_to)))
    else:
        out.append(Check("endpoint.egress", eid, OK,
                         f"{', '.join(profile_groups)} allow tcp/443 out to {shown_groups}"))
    return out


def _profile_endpoint_checks(profile: Any, state: _State) -> list[Check]:
    out: list[Check] = []
    if not profile.vpc_endpoint_ids or "DescribeVpcEndpoints" in state.failed:
        return out
    present = {e["VpcEndpointId"]: e for e in state.endpoints}
    for eid in profile.vpc_endpoint_ids:
        if eid in present:
            out.append(Check("profile.vpc-endpoint", eid, OK,
                             f"{eid} ({present[eid].get('ServiceName')}) is an endpoint of {profile.vpc_id}"))
        else:
            out.append(Check("profile.vpc-endpoint", eid, PROBLEM,
                             f"{eid} is in the profile's vpc_endpoint_ids but is not an endpoint of "
                             f"{profile.vpc_id} (deleted, or in another VPC)",
                             "Remove it from vpc_endpoint_ids, or list the VPC's endpoints "
                             f"(aws ec2 describe-vpc-endpoints --filters Name=vpc-id,Values={profile.vpc_id})"))
    return out
