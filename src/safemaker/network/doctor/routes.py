"""Routes: a subnet's route table has no way out (F08) and a route to the S3 gateway endpoint (F07);
the subnets' Availability Zones.

A route is a way out when its target is outside the VPC and either the target reaches the internet
whatever the destination (internet, egress-only internet, NAT and carrier gateways), or the
destination holds public addresses: any address outside the private ranges (:data:`PRIVATE_RANGES`)
and the VPC's own CIDR blocks (the table's ``local`` routes), decided with :mod:`ipaddress` on the
ranges, so that ``0.0.0.0/1`` + ``128.0.0.0/1`` (the default route split in two), ``::/1`` +
``8000::/1`` or ``52.0.0.0/8`` count as ``0.0.0.0/0`` does. A managed prefix list as destination
(``DestinationPrefixListId``) stands for its entries (``GetManagedPrefixListEntries``); a list that
could not be read is a way out (fail closed). Amazon VPC User Guide, "Route tables" (longest prefix
match; route targets) and "Route table concepts"; Amazon EC2 API Reference, ``Route``.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Iterable, Mapping, Sequence, Union

from safemaker.network.doctor._reading import _Failed, _State, _describe, _unknown_fix
from safemaker.network.doctor.report import Check, OK, PROBLEM, UNKNOWN
from safemaker.network.endpoints import ENDPOINTS, MULTI_AZ_FEATURES, S3_GATEWAY
from safemaker._addresses import PRIVATE_RANGES, Network, public_part

# Targets that reach the internet whatever the destination (a more specific public route to them too).
_ALWAYS_OUT = (("EgressOnlyInternetGatewayId", "egress-only internet gateway"),
               ("NatGatewayId", "NAT gateway"), ("CarrierGatewayId", "carrier gateway"))
# Targets outside the VPC that reach the internet when the destination holds public addresses; in the
# order they are named (an instance route also carries its network interface).
_OUT_IF_PUBLIC = (("InstanceId", "instance {} (NAT instance)"),
                  ("NetworkInterfaceId", "network interface {} (NAT instance or appliance)"),
                  ("VpcPeeringConnectionId", "peering connection {}"),
                  ("TransitGatewayId", "transit gateway {}"),
                  ("LocalGatewayId", "local gateway {}"),
                  ("CoreNetworkArn", "core network {}"),
                  ("OdbNetworkArn", "ODB network {}"),
                  ("VpcEndpointId", "Gateway Load Balancer endpoint {}"))
# Members of the Route shape that are no target (botocore's EC2 model); any other member with a value
# is taken as a target outside the VPC (a target type newer than this list: fail closed).
_NOT_TARGETS = frozenset({"DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId",
                          "Origin", "State", "InstanceOwnerId", "IpAddress", "IgwFirewall"})

PrefixLists = Mapping[str, Union[Sequence[str], str]]
"""Prefix list ID -> its CIDRs, or the reason they could not be read."""


def _route_destination(route: dict[str, Any]) -> str:
    return str(
        route.get("DestinationCidrBlock")
        or route.get("DestinationIpv6CidrBlock")
        or route.get("DestinationPrefixListId")
        or "?"
    )


def _inside(table: dict[str, Any] | None) -> tuple[Network, ...]:
    """:data:`PRIVATE_RANGES` and the destinations of ``table``'s ``local`` routes (the VPC's CIDRs)."""
    own: list[Network] = []
    for route in (table or {}).get("Routes", []):
        if route.get("GatewayId") == "local":
            for key in ("DestinationCidrBlock", "DestinationIpv6CidrBlock"):
                try:
                    own.append(ipaddress.ip_network(route[key], strict=False))
                except (KeyError, ValueError, TypeError):
                    pass
    return PRIVATE_RANGES + tuple(own)


def _public_part(destinations: Iterable[str], inside: Sequence[Network]) -> list[Network]:
    """The parts of ``destinations`` (CIDRs) outside every range of ``inside``, collapsed
    (:func:`safemaker._addresses.public_part`; a destination that is not a CIDR is taken as public)."""
    return public_part(destinations, inside)


def _target(route: dict[str, Any]) -> tuple[str, bool] | None:
    """(the target in words, whether it reaches the internet whatever the destination), or None when
    the target is inside the VPC (``local``) or a gateway endpoint to an AWS service."""
    gateway = str(route.get("GatewayId") or "")
    if gateway.startswith("igw-"):
        return f"internet gateway {gateway}", True
    for key, words in _ALWAYS_OUT:
        if route.get(key):
            return f"{words} {route[key]}", True
    for key, words in _OUT_IF_PUBLIC:
        if route.get(key):
            return words.format(route[key]), False
    if gateway == "local":
        return None
    if gateway.startswith("vpce-"):
        # A gateway endpoint (S3, DynamoDB) is the target of its service's prefix list only; a CIDR
        # sent to a vpce- is a Gateway Load Balancer endpoint (DescribeRouteTables names it GatewayId).
        if route.get("DestinationPrefixListId") and not route.get("DestinationCidrBlock") \
                and not route.get("DestinationIpv6CidrBlock"):
            return None
        return f"Gateway Load Balancer endpoint {gateway}", False
    if gateway.startswith("vgw-"):
        return f"virtual private gateway {gateway}", False
    if gateway:
        return f"gateway {gateway}", False
    for key, value in route.items():
        if key not in _NOT_TARGETS and value:
            return f"{key} {value}", False  # a target type this list does not know yet: fail closed
    return None


def _way_out(route: dict[str, Any], inside: Sequence[Network] = PRIVATE_RANGES,
             prefix_lists: PrefixLists | None = None) -> str | None:
    """Why ``route`` is a way out of the VPC, or None.

    Parameters
    ----------
    route : dict
        An item of ``RouteTables[].Routes`` (DescribeRouteTables).
    inside : sequence of ip_network, default :data:`PRIVATE_RANGES`
        Ranges that are not the internet (add the VPC's CIDRs: :func:`_inside`).
    prefix_lists : mapping, optional
        Prefix list ID -> its CIDRs or the reason they are unknown; a prefix list missing here is
        unknown too (a way out).
    """
    if route.get("State") == "blackhole":
        return None
    target = _target(route)
    if target is None:
        return None
    words, always = target
    if always:
        return words
    listed = route.get("DestinationPrefixListId")
    if listed and not (route.get("DestinationCidrBlock") or route.get("DestinationIpv6CidrBlock")):
        cidrs = (prefix_lists or {}).get(listed, "not read")
        if isinstance(cidrs, str):
            return f"{words} (the prefix list's entries could not be read: {cidrs})"
        public = [cidr for cidr in cidrs if _public_part([cidr], inside)]
        if public:
            more = f" and {len(public) - 5} more" if len(public) > 5 else ""
            return f"{words} (the prefix list holds {', '.join(public[:5])}{more})"
        return None
    destination = route.get("DestinationCidrBlock") or route.get("DestinationIpv6CidrBlock") or "?"
    return words if _public_part([destination], inside) else None


def _routed_prefix_lists(tables: Iterable[dict[str, Any]]) -> list[str]:
    """The prefix lists that routes of ``tables`` send to a target outside the VPC (in order, once)."""
    found: dict[str, None] = {}
    for table in tables:
        for route in table.get("Routes", []):
            listed = route.get("DestinationPrefixListId")
            if listed and route.get("State") != "blackhole":
                target = _target(route)
                if target is not None and not target[1]:
                    found[listed] = None
    return list(found)


def _read_prefix_lists(ec2: Any, ids: Iterable[str]) -> dict[str, Union[list[str], str]]:
    """Prefix list ID -> its CIDRs (GetManagedPrefixListEntries, every page), or why they are unknown."""
    read: dict[str, Union[list[str], str]] = {}
    for pl in ids:
        try:
            entries = _describe(ec2, "get_managed_prefix_list_entries", "Entries", PrefixListId=pl)
        except _Failed as exc:
            read[pl] = f"GetManagedPrefixListEntries failed ({exc.reason})"
            continue
        read[pl] = [str(e.get("Cidr")) for e in entries if e.get("Cidr")]
    return read


def _route_table_of(
    subnet_id: str, vpc_id: str, tables: Sequence[dict[str, Any]]
) -> tuple[dict[str, Any] | None, bool]:
    """The route table of ``subnet_id``: (table, is_main). Explicit association first."""
    main = None
    for table in tables:
        for assoc in table.get("Associations", []):
            if assoc.get("SubnetId") == subnet_id:
                return table, False
            if assoc.get("Main") and table.get("VpcId") == vpc_id:
                main = table
    return main, main is not None


def _ways_out(table: dict[str, Any], prefix_lists: PrefixLists | None = None) -> list[str]:
    """``<destination> to <target>`` for every route of ``table`` that is a way out (:func:`_way_out`)."""
    found = []
    inside = _inside(table)
    for route in table.get("Routes", []):
        why = _way_out(route, inside, prefix_lists)
        if why:
            found.append(f"{_route_destination(route)} to {why}")
    return found


def _delete_route_fix(table_id: str, table: dict[str, Any], prefix_lists: PrefixLists | None = None) -> str:
    commands = []
    inside = _inside(table)
    for route in table.get("Routes", []):
        if _way_out(route, inside, prefix_lists):
            if route.get("DestinationIpv6CidrBlock"):
                flag = f"--destination-ipv6-cidr-block {route['DestinationIpv6CidrBlock']}"
            elif route.get("DestinationPrefixListId"):
                flag = f"--destination-prefix-list-id {route['DestinationPrefixListId']}"
            else:
                flag = f"--destination-cidr-block {route.get('DestinationCidrBlock')}"
            commands.append(f"aws ec2 delete-route --route-table-id {table_id} {flag}")
    return (
        "Remove the way out (" + "; ".join(commands) + ") or move the subnet to a route "
        "table without one"
    )


def _s3_gateways(state: _State, region: str) -> list[dict[str, Any]]:
    name = ENDPOINTS[S3_GATEWAY].service_name(region)
    return [
        e for e in state.endpoints
        if e.get("ServiceName") == name and str(e.get("VpcEndpointType", "")).lower() == "gateway"
    ]


def _subnet_checks(profile: Any, features: tuple[str, ...], state: _State) -> list[Check]:
    out: list[Check] = []
    vpc_id = profile.vpc_id
    region = profile.region
    s3_gateways = {e["VpcEndpointId"]: e for e in _s3_gateways(state, region)}
    s3_ids = set(s3_gateways)
    zones: dict[str, list[str]] = {}
    for subnet_id in profile.subnets:
        if "DescribeSubnets" in state.failed:
            out.append(Check("subnet.in-vpc", subnet_id, UNKNOWN,
                             f"DescribeSubnets failed ({state.failed['DescribeSubnets']})",
                             _unknown_fix("DescribeSubnets")))
            continue
        subnet = state.subnets.get(subnet_id)
        if subnet is None:
            out.append(Check("subnet.in-vpc", subnet_id, PROBLEM,
                             f"{subnet_id} does not exist in {region}",
                             f"Fix subnets in the profile (aws ec2 describe-subnets --filters "
                             f"Name=vpc-id,Values={vpc_id})"))
            continue
        if subnet.get("VpcId") != vpc_id:
            out.append(Check("subnet.in-vpc", subnet_id, PROBLEM,
                             f"{subnet_id} belongs to {subnet.get('VpcId')}, not to the "
                             f"profile's VPC {vpc_id}",
                             f"Use subnets of {vpc_id} in the profile, or set vpc_id to "
                             f"{subnet.get('VpcId')}"))
            continue
        zone = subnet.get("AvailabilityZone", "?")
        zones.setdefault(zone, []).append(subnet_id)
        out.append(Check("subnet.in-vpc", subnet_id, OK,
                         f"{subnet_id} is in {vpc_id} ({zone}, {subnet.get('CidrBlock')})"))
        if "DescribeRouteTables" in state.failed:
            out.append(Check("subnet.closed", subnet_id, UNKNOWN,
                             f"DescribeRouteTables failed ({state.failed['DescribeRouteTables']})",
                             _unknown_fix("DescribeRouteTables")))
            continue
        table, is_main = _route_table_of(subnet_id, vpc_id, state.tables)
        if table is None:
            out.append(Check("subnet.closed", subnet_id, UNKNOWN,
                             f"no route table found for {subnet_id} (no explicit association "
                             f"and no main route table in {vpc_id})",
                             "Check the VPC's route tables (aws ec2 describe-route-tables)"))
            continue
        table_id = table["RouteTableId"]
        which = f"{table_id} (main)" if is_main else table_id
        ways = _ways_out(table, state.prefix_lists)
        if ways:
            out.append(Check("subnet.closed", subnet_id, PROBLEM,
                             f"route table {which} sends {'; '.join(ways)}: the subnet is not "
                             "closed", _delete_route_fix(table_id, table, state.prefix_lists)))
        else:
            out.append(Check("subnet.closed", subnet_id, OK,
                             f"route table {which} has no route out of the VPC"))
        # A route to an S3 gateway endpoint that is associated with the table (in AWS one
        # implies the other; both are required so that a stale route is not taken for a path).
        s3_routes = [
            r for r in table.get("Routes", [])
            if r.get("GatewayId") in s3_ids and r.get("State") != "blackhole"
            and table_id in (s3_gateways[r["GatewayId"]].get("RouteTableIds") or [])
        ]
        if s3_routes:
            out.append(Check("subnet.s3-route", subnet_id, OK,
                             f"route table {which} routes S3 ({s3_routes[0].get('DestinationPrefixListId', '?')}) "
                             f"to {s3_routes[0]['GatewayId']}"))
        else:
            if s3_ids:
                fix = (f"Associate the S3 gateway endpoint with {table_id} (aws ec2 modify-vpc-endpoint "
                       f"--vpc-endpoint-id {sorted(s3_ids)[0]} --add-route-table-ids {table_id})")
            else:
                fix = (f"Create the S3 gateway endpoint on {table_id} (aws ec2 create-vpc-endpoint "
                       f"--vpc-id {vpc_id} --vpc-endpoint-type Gateway --service-name "
                       f"{ENDPOINTS[S3_GATEWAY].service_name(region)} --route-table-ids {table_id})")
            out.append(Check("subnet.s3-route", subnet_id, PROBLEM,
                             f"no path to S3: route table {which} has no route to an S3 gateway "
                             "endpoint; jobs fail at artifact upload, after training is paid",
                             fix))
    if MULTI_AZ_FEATURES & set(features) and "DescribeSubnets" not in state.failed:
        needing = ", ".join(sorted(MULTI_AZ_FEATURES & set(features)))
        subject = ",".join(profile.subnets)
        if len(zones) >= 2:
            out.append(Check("subnets.availability-zones", subject, OK,
                             f"the subnets span {len(zones)} Availability Zones "
                             f"({', '.join(sorted(zones))})"))
        else:
            out.append(Check("subnets.availability-zones", subject, PROBLEM,
                             f"the profile's subnets are in {len(zones)} Availability Zone(s) "
                             f"({', '.join(sorted(zones)) or 'none'}); {needing} needs subnets in "
                             "at least two",
                             "Add a subnet of another Availability Zone of the VPC to the "
                             "profile's subnets (aws ec2 create-subnet --availability-zone ...)"))
    return out
