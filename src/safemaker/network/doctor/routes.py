"""Routes: a subnet's route table has no way out (F08) and a route to the S3 gateway endpoint (F07);
the subnets' Availability Zones.
"""

from __future__ import annotations

from typing import Any, Sequence

from safemaker.network.doctor._reading import _State, _unknown_fix
from safemaker.network.doctor.report import Check, OK, PROBLEM, UNKNOWN
from safemaker.network.endpoints import ENDPOINTS, MULTI_AZ_FEATURES, S3_GATEWAY


_DEFAULT_ROUTES = frozenset({"0.0.0.0/0", "::/0"})


def _route_destination(route: dict[str, Any]) -> str:
    return str(
        route.get("DestinationCidrBlock")
        or route.get("DestinationIpv6CidrBlock")
        or route.get("DestinationPrefixListId")
        or "?"
    )


def _way_out(route: dict[str, Any]) -> str | None:
    """Why ``route`` is a way out of the VPC, or None."""
    if route.get("State") == "blackhole":
        return None
    gateway = str(route.get("GatewayId") or "")
    if gateway.startswith("igw-"):
        return f"internet gateway {gateway}"
    if route.get("EgressOnlyInternetGatewayId"):
        return f"egress-only internet gateway {route['EgressOnlyInternetGatewayId']}"
    if route.get("NatGatewayId"):
        return f"NAT gateway {route['NatGatewayId']}"
    if route.get("CarrierGatewayId"):
        return f"carrier gateway {route['CarrierGatewayId']}"
    if _route_destination(route) not in _DEFAULT_ROUTES:
        return None
    if route.get("InstanceId"):
        return f"instance {route['InstanceId']} (NAT instance)"
    if route.get("NetworkInterfaceId"):
        return f"network interface {route['NetworkInterfaceId']} (NAT instance or appliance)"
    if route.get("VpcPeeringConnectionId"):
        return f"peering connection {route['VpcPeeringConnectionId']}"
    if route.get("TransitGatewayId"):
        return f"transit gateway {route['TransitGatewayId']}"
    return None


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


def _ways_out(table: dict[str, Any]) -> list[str]:
    found = []
    for route in table.get("Routes", []):
        why = _way_out(route)
        if why:
            found.append(f"{_route_destination(route)} to {why}")
    return found


def _delete_route_fix(table_id: str, table: dict[str, Any]) -> str:
    commands = []
    for route in table.get("Routes", []):
        if _way_out(route):
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
        ways = _ways_out(table)
        if ways:
            out.append(Check("subnet.closed", subnet_id, PROBLEM,
                             f"route table {which} sends {'; '.join(ways)}: the subnet is not "
                             "closed", _delete_route_fix(table_id, table)))
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
