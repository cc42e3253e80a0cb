"""Routes the local backend cannot build, decided by the doctor's route reading (trial 8, F08). No AWS.

Each route is shaped as DescribeRouteTables returns it: every key is a member of botocore's EC2 ``Route``
shape (asserted), with the target IDs' documented prefixes. Expected: a target outside the VPC carries
internet-bound traffic when the destination holds a public address (not RFC 1918 / RFC 6598 / ULA, not
the VPC's own CIDR, which the table's ``local`` route names); the /1 halves (IPv4) and ::/1 + 8000::/1
(IPv6) cover every address, as the default route does (Amazon VPC User Guide, route tables).
"""

from __future__ import annotations

import functools

import botocore.session
import pytest

from safemaker.network.doctor.routes import _inside, _public_part, _way_out, _ways_out


@functools.cache
def route_members() -> frozenset[str]:
    """The members of botocore's EC2 ``Route`` shape, read when a test first asks (not at collection: EC2's
    model: ~0.09 s of CPU in every pytest-xdist worker, most of which run no test of this module)."""
    return frozenset(botocore.session.get_session().get_service_model("ec2").shape_for("Route").members)

LOCAL = {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "Origin": "CreateRouteTable",
         "State": "active"}
CORE = "arn:aws:networkmanager::123456789012:core-network/core-network-0123456789abcdef0"

CASES = [
    # Gateway Load Balancer endpoint: DescribeRouteTables names it in GatewayId (vpce-) with a CIDR.
    ({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "vpce-0123456789abcdef0"},
     "Gateway Load Balancer endpoint vpce-0123456789abcdef0"),
    # An S3/DynamoDB gateway endpoint is the target of its service's prefix list: stays in AWS.
    ({"DestinationPrefixListId": "pl-63a5400a", "GatewayId": "vpce-0123456789abcdef0"}, None),
    ({"DestinationCidrBlock": "0.0.0.0/0", "CoreNetworkArn": CORE}, f"core network {CORE}"),
    ({"DestinationCidrBlock": "0.0.0.0/0", "LocalGatewayId": "lgw-0123456789abcdef0"},
     "local gateway lgw-0123456789abcdef0"),
    ({"DestinationCidrBlock": "128.0.0.0/1", "NetworkInterfaceId": "eni-0123456789abcdef0"},
     "network interface eni-0123456789abcdef0 (NAT instance or appliance)"),
    ({"DestinationIpv6CidrBlock": "::/1", "TransitGatewayId": "tgw-0123456789abcdef0"},
     "transit gateway tgw-0123456789abcdef0"),
    ({"DestinationIpv6CidrBlock": "8000::/1", "VpcPeeringConnectionId": "pcx-0123456789abcdef0"},
     "peering connection pcx-0123456789abcdef0"),
    ({"DestinationIpv6CidrBlock": "2000::/3", "EgressOnlyInternetGatewayId": "eigw-0123456789abcdef0"},
     "egress-only internet gateway eigw-0123456789abcdef0"),
    ({"DestinationIpv6CidrBlock": "fd00::/8", "TransitGatewayId": "tgw-0123456789abcdef0"}, None),  # ULA
    ({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "vgw-0123456789abcdef0", "State": "blackhole"}, None),
]


@pytest.mark.parametrize("route, expected", CASES)
def test_target_outside_the_vpc_with_public_destination(route, expected):
    assert set(route) <= route_members()
    assert _way_out(route) == expected


def test_a_route_inside_the_vpcs_own_public_cidr_is_no_way_out():
    """A VPC may use a public CIDR; a more specific route inside it to an appliance stays in the VPC."""
    table = {"Routes": [{"DestinationCidrBlock": "203.0.113.0/24", "GatewayId": "local"},
                        {"DestinationCidrBlock": "203.0.113.128/25", "NetworkInterfaceId": "eni-0123456789abcdef0"},
                        {"DestinationCidrBlock": "198.51.100.0/24", "NetworkInterfaceId": "eni-0123456789abcdef0"}]}
    assert _ways_out(table) == ["198.51.100.0/24 to network interface eni-0123456789abcdef0 (NAT instance or "
                                "appliance)"]


def test_an_unknown_target_member_fails_closed():
    route = {"DestinationCidrBlock": "0.0.0.0/0", "SomeNewGatewayId": "xgw-1"}
    assert _way_out(route) == "SomeNewGatewayId xgw-1"


def test_prefix_list_missing_from_what_was_read_is_a_way_out():
    route = {"DestinationPrefixListId": "pl-0123456789abcdef0", "TransitGatewayId": "tgw-1"}
    assert _way_out(route, prefix_lists={}) == (
        "transit gateway tgw-1 (the prefix list's entries could not be read: not read)")
    assert _way_out(route, prefix_lists={"pl-0123456789abcdef0": ["10.0.0.0/8"]}) is None


def test_public_part_is_the_union_minus_private_ranges_and_the_vpc():
    inside = _inside({"Routes": [LOCAL]})
    halves = _public_part(["0.0.0.0/1", "128.0.0.0/1"], inside)
    assert halves == _public_part(["0.0.0.0/0"], inside)
    # 0.0.0.0/0 minus 10/8, 172.16/12, 192.168/16, 100.64/10, 169.254/16: 11.0.0.0/8 is public, 10.1.0.0/16 not.
    import ipaddress
    assert any(ipaddress.ip_network("11.0.0.0/8").subnet_of(n) for n in halves)
    assert not any(n.overlaps(ipaddress.ip_network("10.1.0.0/16")) for n in halves)
    assert _public_part(["10.0.0.0/8", "172.16.0.0/12", "100.64.0.0/10"], inside) == []
