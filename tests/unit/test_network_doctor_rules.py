"""Pure parts of safemaker.network.doctor: routes that are a way out (F08), route table resolution,
security group rule matching, report rendering. No AWS, no moto."""

from __future__ import annotations

import ipaddress

import pytest

from safemaker.network.doctor import Check, Report
from safemaker.network.doctor.routes import _route_table_of, _way_out
from safemaker.network.doctor.security_groups import _covers, _describe_perm, _sg_allows


@pytest.mark.parametrize("route,expected", [
    ({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1"}, "internet gateway igw-1"),
    # An internet or NAT gateway is a way out whatever the destination.
    ({"DestinationCidrBlock": "8.8.8.8/32", "GatewayId": "igw-1"}, "internet gateway igw-1"),
    ({"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1"}, "NAT gateway nat-1"),
    ({"DestinationIpv6CidrBlock": "::/0", "EgressOnlyInternetGatewayId": "eigw-1"},
     "egress-only internet gateway eigw-1"),
    ({"DestinationCidrBlock": "0.0.0.0/0", "CarrierGatewayId": "cagw-1"}, "carrier gateway cagw-1"),
    ({"DestinationCidrBlock": "0.0.0.0/0", "InstanceId": "i-1", "NetworkInterfaceId": "eni-1"},
     "instance i-1 (NAT instance)"),
    ({"DestinationCidrBlock": "0.0.0.0/0", "NetworkInterfaceId": "eni-1"},
     "network interface eni-1 (NAT instance or appliance)"),
    ({"DestinationIpv6CidrBlock": "::/0", "VpcPeeringConnectionId": "pcx-1"}, "peering connection pcx-1"),
    ({"DestinationCidrBlock": "0.0.0.0/0", "TransitGatewayId": "tgw-1"}, "transit gateway tgw-1"),
    # Specific destinations through peering / transit / appliances are not a way out.
    ({"DestinationCidrBlock": "10.9.0.0/16", "VpcPeeringConnectionId": "pcx-1"}, None),
    ({"DestinationCidrBlock": "192.168.0.0/16", "TransitGatewayId": "tgw-1"}, None),
    ({"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local"}, None),
    ({"DestinationPrefixListId": "pl-1", "GatewayId": "vpce-1"}, None),
    # A blackhole route sends nothing anywhere.
    ({"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1", "State": "blackhole"}, None),
])
def test_way_out(route, expected):
    assert _way_out(route) == expected


def test_route_table_explicit_association_wins_over_main():
    main = {"RouteTableId": "rtb-main", "VpcId": "vpc-1", "Associations": [{"Main": True}]}
    own = {"RouteTableId": "rtb-own", "VpcId": "vpc-1", "Associations": [{"SubnetId": "subnet-a"}]}
    assert _route_table_of("subnet-a", "vpc-1", [main, own]) == (own, False)
    assert _route_table_of("subnet-b", "vpc-1", [main, own]) == (main, True)
    assert _route_table_of("subnet-b", "vpc-1", [own]) == (None, False)


def net(*cidrs):
    return [ipaddress.ip_network(c) for c in cidrs]


def test_sg_allows_443_by_group_or_covering_cidr():
    by_group = [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": "sg-p"}]}]
    assert _sg_allows(by_group, {"sg-p"}, net("10.0.0.0/24"))
    assert not _sg_allows(by_group, {"sg-q"}, net("10.0.0.0/24"))
    by_cidr = [{"IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}]
    assert _sg_allows(by_cidr, {"sg-p"}, net("10.0.0.0/24", "10.0.1.0/24"))
    assert not _sg_allows(by_cidr, {"sg-p"}, net("10.0.0.0/24", "10.1.0.0/24"))
    wrong_port = [{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "UserIdGroupPairs": [{"GroupId": "sg-p"}]}]
    assert not _sg_allows(wrong_port, {"sg-p"}, [])
    udp = [{"IpProtocol": "udp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": "sg-p"}]}]
    assert not _sg_allows(udp, {"sg-p"}, [])
    everything = [{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-p"}]}]
    assert _sg_allows(everything, {"sg-p"}, [])
    assert _sg_allows(everything, {"sg-p"}, [], all_traffic=True)
    assert not _sg_allows(by_group, {"sg-p"}, [], all_traffic=True)


def test_covers_needs_every_target_inside_a_network_of_the_same_family():
    assert _covers(net("0.0.0.0/0"), net("10.0.0.0/24"))
    assert not _covers(net("::/0"), net("10.0.0.0/24"))
    assert not _covers(net("10.0.0.0/16"), [])


@pytest.mark.parametrize("perm,text", [
    ({"IpProtocol": "-1"}, "all traffic"),
    ({"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}, "tcp/443"),
    ({"IpProtocol": "6", "FromPort": 0, "ToPort": 65535}, "tcp/0-65535"),
    ({"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1}, "icmp"),
])
def test_describe_perm(perm, text):
    assert _describe_perm(perm) == text


def test_check_line_and_report_status():
    ok = Check("vpc.exists", "vpc-1", "ok", "vpc-1 exists (10.0.0.0/16)")
    bad = Check("subnet.s3-route", "subnet-1", "problem", "no path to S3: ...", "aws ec2 create-vpc-endpoint ...")
    unknown = Check("subnet.closed", "subnet-1", "unknown", "DescribeRouteTables failed (AccessDenied)", "Allow ...")
    assert ok.line() == "ok vpc.exists vpc-1: vpc-1 exists (10.0.0.0/16)"
    assert bad.line() == "problem subnet.s3-route subnet-1: no path to S3: ... Fix: aws ec2 create-vpc-endpoint ..."
    assert Report("vpc-1", "us-east-1", ("training",), (ok,)).status == "ok"
    assert Report("vpc-1", "us-east-1", ("training",), (ok, unknown)).status == "unknown"
    report = Report("vpc-1", "us-east-1", ("training",), (ok, unknown, bad), ("role: skipped",))
    assert report.status == "problem" and not report.ok
    assert report.problems == (bad,) and report.unknown == (unknown,)
    assert report.find("subnet.closed", "subnet-1") == [unknown]
    assert report.as_dict() == {
        "vpc_id": "vpc-1", "region": "us-east-1", "features": ["training"], "status": "problem",
        "counts": {"ok": 1, "problem": 1, "unknown": 1},
        "checks": [c.as_dict() for c in (ok, unknown, bad)], "skipped": ["role: skipped"]}
