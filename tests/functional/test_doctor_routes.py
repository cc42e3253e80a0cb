"""``safemaker doctor`` (subnet.closed) and routes that send internet-bound traffic out of the VPC (trial 8, F08).

Reproducer: ``0.0.0.0/1`` + ``128.0.0.0/1`` to a transit gateway (the default route split in two),
``0.0.0.0/0`` to a virtual private gateway and a managed prefix list holding ``0.0.0.0/0`` to a transit
gateway all got "0 problem(s)". Oracle: Amazon VPC User Guide, route tables (longest prefix match: the two
/1 halves cover every IPv4 address, as 0.0.0.0/0 does; a route's target outside the VPC carries what
matches it) and RFC 1918 / RFC 6598 (the private ranges a VPC's peers and on-premises networks use). Built
on the local backend (moto over HTTP) through real botocore clients; GetManagedPrefixListEntries is
denied through botocore's event system to show a prefix list that cannot be read fails closed.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from safemaker.errors import ProfileError
from safemaker.network import doctor
from test_doctor import SEED, aws, built, problems, route_table  # noqa: F401 (fixtures)


def _tgw(aws):
    return aws.ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]


def _closed(report, subnet):
    (check,) = report.find("subnet.closed", subnet)
    return check


def test_the_default_route_split_in_two_is_a_way_out(aws, built):
    p, ec2 = built.profile, aws.ec2
    tgw, rtb = _tgw(aws), route_table(aws, p)
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/1", TransitGatewayId=tgw)
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="128.0.0.0/1", TransitGatewayId=tgw)
    check = _closed(doctor.run(p, SEED, ec2_client=ec2), p.subnets[0])
    assert (check.status, check.detail) == ("problem", f"route table {rtb} sends 0.0.0.0/1 to transit gateway {tgw}; "
                                            f"128.0.0.0/1 to transit gateway {tgw}: the subnet is not closed")
    assert f"--destination-cidr-block 0.0.0.0/1" in check.fix and "--destination-cidr-block 128.0.0.0/1" in check.fix
    with pytest.raises(ProfileError) as caught:
        doctor.assert_closed(p, ec2)
    assert "0.0.0.0/1 to transit gateway" in caught.value.errors[0].expected


def test_virtual_private_gateway_default_route_is_a_way_out(aws, built):
    p, ec2 = built.profile, aws.ec2
    vgw = ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    ec2.attach_vpn_gateway(VpcId=p.vpc_id, VpnGatewayId=vgw)
    rtb = route_table(aws, p)
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=vgw)
    check = _closed(doctor.run(p, SEED, ec2_client=ec2), p.subnets[0])
    assert (check.status, check.detail) == (
        "problem", f"route table {rtb} sends 0.0.0.0/0 to virtual private gateway {vgw}: the subnet is not closed")


@pytest.mark.parametrize("cidr, way_out", [
    ("52.0.0.0/8", True),        # public addresses (S3, EC2 ranges among them)
    ("8.8.8.8/32", True),
    ("172.0.0.0/8", True),       # holds 172.16.0.0/12 (private) and public addresses
    ("10.50.0.0/16", False),     # RFC 1918: another private network
    ("172.16.0.0/12", False),
    ("100.64.0.0/10", False),    # RFC 6598 shared address space
])
def test_a_route_to_a_transit_gateway_is_a_way_out_when_it_holds_public_addresses(cidr, way_out, aws, built):
    p, ec2 = built.profile, aws.ec2
    tgw, rtb = _tgw(aws), route_table(aws, p)
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock=cidr, TransitGatewayId=tgw)
    report = doctor.run(p, SEED, ec2_client=ec2)
    check = _closed(report, p.subnets[0])
    if way_out:
        assert check.detail == f"route table {rtb} sends {cidr} to transit gateway {tgw}: the subnet is not closed"
    else:
        assert check.status == "ok" and problems(report) == []


def test_a_prefix_list_destination_stands_for_its_entries(aws, built):
    p, ec2 = built.profile, aws.ec2
    tgw, rtb = _tgw(aws), route_table(aws, p)
    private = ec2.create_managed_prefix_list(PrefixListName="onprem", AddressFamily="IPv4", MaxEntries=3, Entries=[
        {"Cidr": "10.20.0.0/16"}, {"Cidr": "192.168.0.0/16"}])["PrefixList"]["PrefixListId"]
    ec2.create_route(RouteTableId=rtb, DestinationPrefixListId=private, TransitGatewayId=tgw)
    assert problems(doctor.run(p, SEED, ec2_client=ec2)) == []
    everything = ec2.create_managed_prefix_list(PrefixListName="everything", AddressFamily="IPv4", MaxEntries=2,
                                                Entries=[{"Cidr": "0.0.0.0/0"}])["PrefixList"]["PrefixListId"]
    ec2.create_route(RouteTableId=rtb, DestinationPrefixListId=everything, TransitGatewayId=tgw)
    check = _closed(doctor.run(p, SEED, ec2_client=ec2), p.subnets[0])
    assert check.status == "problem"
    assert f"{everything} to transit gateway {tgw} (the prefix list holds 0.0.0.0/0): the subnet" in check.detail
    assert private not in check.detail
    assert f"--destination-prefix-list-id {everything}" in check.fix


def test_a_prefix_list_that_cannot_be_read_is_a_way_out(aws, built):
    p, ec2 = built.profile, aws.ec2
    tgw, rtb = _tgw(aws), route_table(aws, p)
    private = ec2.create_managed_prefix_list(PrefixListName="onprem", AddressFamily="IPv4", MaxEntries=1,
                                             Entries=[{"Cidr": "10.20.0.0/16"}])["PrefixList"]["PrefixListId"]
    ec2.create_route(RouteTableId=rtb, DestinationPrefixListId=private, TransitGatewayId=tgw)

    def deny(**kwargs):
        raise ClientError({"Error": {"Code": "UnauthorizedOperation", "Message": "no"}}, "GetManagedPrefixListEntries")

    ec2.meta.events.register("before-call.ec2.GetManagedPrefixListEntries", deny)
    check = _closed(doctor.run(p, SEED, ec2_client=ec2), p.subnets[0])
    assert check.detail == (f"route table {rtb} sends {private} to transit gateway {tgw} (the prefix list's entries "
                            "could not be read: GetManagedPrefixListEntries failed (UnauthorizedOperation)): the "
                            "subnet is not closed")
    with pytest.raises(ProfileError):
        doctor.assert_closed(p, ec2)


def test_the_cli_exits_3_with_the_split_default_route(aws, built, tmp_path):
    from typer.testing import CliRunner

    from safemaker.cli import app

    p, ec2 = built.profile, aws.ec2
    path = p.dump(tmp_path / "profile.toml")
    tgw, rtb = _tgw(aws), route_table(aws, p)
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/1", TransitGatewayId=tgw)
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="128.0.0.0/1", TransitGatewayId=tgw)
    r = CliRunner().invoke(app, ["doctor", "-p", str(path), "--endpoint-url", aws.backend.endpoint_url,
                                 "--format", "json"])
    assert r.exit_code == 3, r.output
