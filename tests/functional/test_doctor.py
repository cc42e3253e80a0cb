"""safemaker.network.doctor on the local backend (moto over HTTP): field reports F06-F13.

A network built by ``infra.up`` is clean; then one thing at a time is broken
and the exact problem line is asserted. Where moto misreports what AWS does,
the test says so and works around it (never fakes doctor's own result).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from safemaker.errors import ProfileError
from safemaker.network import doctor, infra
from safemaker.network.doctor import Check, ENI_ACTIONS
from safemaker.network.infra import RetryPolicy, StackConfig
from safemaker.profile import VpcProfile

REGION = "us-east-1"
SEED = ("notebook", "training", "hosting")
FAST = RetryPolicy(base_delay=0, wait_delay=0, sleep=lambda seconds: None)
ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"


@pytest.fixture
def aws(safemaker_local):
    session = safemaker_local.session
    return SimpleNamespace(ec2=session.client("ec2"), iam=session.client("iam"), backend=safemaker_local)


@pytest.fixture
def built(aws, safemaker_local_pool):
    """The seed's network as ``safemaker infra up`` builds it (no AWS managed policies: moto
    loads none unless MOTO_IAM_LOAD_MANAGED_POLICIES is set); built once per test process,
    then moto's state of that moment restored for each test (the pytest plugin's pool)."""
    cfg = StackConfig(name="ifsm", region=REGION, aws_managed_policies=())
    return safemaker_local_pool.state(aws.backend, ("test_doctor.built", REGION), lambda: infra.up(
        cfg, ec2_client=aws.ec2, iam_client=aws.iam, retry=FAST))


def endpoint_of(aws, profile, key):
    name = key if key.startswith("aws.") else f"com.amazonaws.{REGION}.{key}"
    (found,) = [e for e in aws.ec2.describe_vpc_endpoints(
        Filters=[{"Name": "vpc-id", "Values": [profile.vpc_id]}])["VpcEndpoints"]
        if e["ServiceName"] == name and e["State"] != "deleted"]
    return found


def route_table(aws, profile):
    (table,) = aws.ec2.describe_route_tables(
        Filters=[{"Name": "association.subnet-id", "Values": [profile.subnets[0]]}])["RouteTables"]
    return table["RouteTableId"]


def problems(report):
    return [c for c in report.checks if c.status == "problem"]


# --------------------------------------------------------------------------- clean


def test_network_built_by_infra_up_is_clean(aws, built):
    report = doctor.run(built.profile, SEED, ec2_client=aws.ec2)
    assert report.status == "ok"
    assert problems(report) == [] and report.unknown == ()
    p = built.profile
    # Every kind of check ran: VPC, DHCP, 2 subnets x 3, AZs, 9 endpoints, SG, profile endpoint IDs.
    ids = [c.id for c in report.checks]
    assert ids.count("subnet.closed") == 2 and ids.count("subnet.s3-route") == 2
    assert ids.count("endpoint.present") == 9 and ids.count("endpoint.private-dns") == 8
    assert ids.count("endpoint.ingress") == 8 and ids.count("endpoint.egress") == 8
    assert ids.count("profile.vpc-endpoint") == 9
    assert report.find("sg.self-reference")[0].detail == f"{p.security_group_ids[0]} allows all traffic from and to itself"
    assert report.find("vpc.dhcp-options")[0].detail == "domain-name ec2.internal; domain-name-servers AmazonProvidedDNS"
    assert report.skipped == ("role.eni-permissions: no IAM client (IAM has no VPC endpoint; pass iam_client, "
                              "or --check-role in the CLI, where IAM is reachable)",)


# --------------------------------------------------------------------------- F06 / F10 / F11: endpoints


def test_f06_removed_sts_endpoint_is_one_problem_line_by_exact_name(aws, built):
    p = built.profile
    sts = endpoint_of(aws, p, "sts")
    aws.ec2.delete_vpc_endpoints(VpcEndpointIds=[sts["VpcEndpointId"]])
    report = doctor.run(p, SEED, ec2_client=aws.ec2)
    assert len(problems(report)) == 2
    assert problems(report)[0] == Check(
        "endpoint.present", "com.amazonaws.us-east-1.sts", "problem",
        f"no interface endpoint for com.amazonaws.us-east-1.sts in {p.vpc_id} (needed by: notebook, training, "
        "hosting): credentials and caller identity; without it the SDK reports a misleading permission error",
        f"aws ec2 create-vpc-endpoint --vpc-id {p.vpc_id} --vpc-endpoint-type Interface --service-name "
        f"com.amazonaws.us-east-1.sts --subnet-ids {' '.join(p.subnets)} --security-group-ids "
        f"{p.security_group_ids[0]} --private-dns-enabled")
    # The profile still names the deleted endpoint: that is the second line.
    assert problems(report)[1].detail == (
        f"{sts['VpcEndpointId']} is in the profile's vpc_endpoint_ids but is not an endpoint of {p.vpc_id} "
        "(deleted, or in another VPC)")


def test_f06_private_dns_off_is_reported(aws, built):
    p = built.profile
    api = endpoint_of(aws, p, "sagemaker.api")
    # moto 5.2 ignores ModifyVpcEndpoint(PrivateDnsEnabled=False) (AWS applies it): shown here,
    # then the endpoint is recreated with private DNS off instead.
    aws.ec2.modify_vpc_endpoint(VpcEndpointId=api["VpcEndpointId"], PrivateDnsEnabled=False)
    assert endpoint_of(aws, p, "sagemaker.api")["PrivateDnsEnabled"] is True
    aws.ec2.delete_vpc_endpoints(VpcEndpointIds=[api["VpcEndpointId"]])
    new = aws.ec2.create_vpc_endpoint(
        VpcId=p.vpc_id, VpcEndpointType="Interface", ServiceName="com.amazonaws.us-east-1.sagemaker.api",
        SubnetIds=list(p.subnets), SecurityGroupIds=list(p.security_group_ids), PrivateDnsEnabled=False,
    )["VpcEndpoint"]["VpcEndpointId"]
    report = doctor.run(p, SEED, ec2_client=aws.ec2)
    assert report.find("endpoint.private-dns", new) == [Check(
        "endpoint.private-dns", new, "problem",
        f"{new} (com.amazonaws.us-east-1.sagemaker.api) has private DNS off: the SDK resolves the service's "
        "public name, which a closed network cannot reach",
        f"aws ec2 modify-vpc-endpoint --vpc-endpoint-id {new} --private-dns-enabled")]


def test_f06_exact_case_only_sagemaker_api_without_private_dns_and_s3(aws):
    net = make_network(aws, subnets=2)
    ec2 = aws.ec2
    api = ec2.create_vpc_endpoint(
        VpcId=net.vpc, VpcEndpointType="Interface", ServiceName="com.amazonaws.us-east-1.sagemaker.api",
        SubnetIds=net.subnets, SecurityGroupIds=[net.sg], PrivateDnsEnabled=False)["VpcEndpoint"]["VpcEndpointId"]
    ec2.create_vpc_endpoint(VpcId=net.vpc, VpcEndpointType="Gateway", ServiceName="com.amazonaws.us-east-1.s3",
                            RouteTableIds=[net.route_table])
    report = doctor.run(net.profile, ["training"], ec2_client=ec2)
    missing = sorted(c.subject for c in problems(report) if c.id == "endpoint.present")
    assert missing == ["com.amazonaws.us-east-1.ecr.api", "com.amazonaws.us-east-1.ecr.dkr",
                       "com.amazonaws.us-east-1.logs", "com.amazonaws.us-east-1.sts"]
    logs = report.find("endpoint.present", "com.amazonaws.us-east-1.logs")[0]
    assert logs.detail == (f"no interface endpoint for com.amazonaws.us-east-1.logs in {net.vpc} (needed by: "
                           "training): CloudWatch Logs; without it fit(logs=True) shows 'Starting' forever")
    assert report.find("endpoint.private-dns", api)[0].status == "problem"
    assert report.find("endpoint.present", "com.amazonaws.us-east-1.sagemaker.api")[0].status == "ok"


def f10_network(aws):
    """Field report F10's VPC: sagemaker.api, sagemaker.runtime and logs interface endpoints (ids by key) whose ENIs
    sit in their own security group with no ingress at all, the S3 gateway, and doctor's report on it for training,
    hosting, feature-store and experiments: ``(net, endpoint_sg, ids, report)``."""
    net = make_network(aws, subnets=2)
    ec2 = aws.ec2
    endpoint_sg = ec2.create_security_group(GroupName="endpoints", Description="d", VpcId=net.vpc)["GroupId"]
    ids = {}
    for key in ("sagemaker.api", "sagemaker.runtime", "logs"):
        ids[key] = ec2.create_vpc_endpoint(
            VpcId=net.vpc, VpcEndpointType="Interface", ServiceName=f"com.amazonaws.us-east-1.{key}",
            SubnetIds=net.subnets, SecurityGroupIds=[endpoint_sg], PrivateDnsEnabled=True,
        )["VpcEndpoint"]["VpcEndpointId"]
    ec2.create_vpc_endpoint(VpcId=net.vpc, VpcEndpointType="Gateway", ServiceName="com.amazonaws.us-east-1.s3",
                            RouteTableIds=[net.route_table])
    report = doctor.run(net.profile, ["training", "hosting", "feature-store", "experiments"], ec2_client=ec2)
    return net, endpoint_sg, ids, report


def test_f10_incomplete_set_one_line_per_missing_endpoint_and_443_both_ways(aws):
    net, endpoint_sg, ids, report = f10_network(aws)
    ec2 = aws.ec2
    missing = [c.subject for c in problems(report) if c.id == "endpoint.present"]
    assert missing == [
        "com.amazonaws.us-east-1.sagemaker.featurestore-runtime", "com.amazonaws.us-east-1.sagemaker.metrics",
        "com.amazonaws.us-east-1.sts", "com.amazonaws.us-east-1.ecr.api", "com.amazonaws.us-east-1.ecr.dkr"]
    api = ids["sagemaker.api"]
    assert report.find("endpoint.ingress", api) == [Check(
        "endpoint.ingress", api, "problem",
        f"no security group of {api} (com.amazonaws.us-east-1.sagemaker.api; {endpoint_sg}) allows tcp/443 "
        f"from {net.sg}",
        f"aws ec2 authorize-security-group-ingress --group-id {endpoint_sg} --protocol tcp --port 443 "
        f"--source-group {net.sg}")]
    assert report.find("endpoint.egress", api) == [Check(
        "endpoint.egress", api, "problem",
        f"{net.sg} do(es) not allow tcp/443 out to {api} (com.amazonaws.us-east-1.sagemaker.api; {endpoint_sg})",
        f"aws ec2 authorize-security-group-egress --group-id {net.sg} --ip-permissions "
        f"IpProtocol=tcp,FromPort=443,ToPort=443,UserIdGroupPairs=[{{GroupId={endpoint_sg}}}]")]
    # Opening 443 both ways (by group reference in, by CIDR out) clears both lines.
    ec2.authorize_security_group_ingress(GroupId=endpoint_sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": net.sg}]}])
    ec2.authorize_security_group_egress(GroupId=net.sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}])
    again = doctor.run(net.profile, ["training"], ec2_client=ec2)
    assert again.find("endpoint.ingress", api)[0].status == "ok"
    assert again.find("endpoint.egress", api)[0].status == "ok"
    # ... while the CIDR egress rule itself is reported as egress other than endpoints/S3/itself.
    assert again.find("sg.egress", net.sg)[0].status == "problem"
    assert "tcp/443 to 10.0.0.0/16" in again.find("sg.egress", net.sg)[0].detail


def test_close_the_endpoint_security_group_of_one_endpoint(aws, built):
    p = built.profile
    sts = endpoint_of(aws, p, "sts")["VpcEndpointId"]
    closed = aws.ec2.create_security_group(GroupName="closed", Description="d", VpcId=p.vpc_id)["GroupId"]
    aws.ec2.modify_vpc_endpoint(VpcEndpointId=sts, AddSecurityGroupIds=[closed],
                                RemoveSecurityGroupIds=list(p.security_group_ids))
    report = doctor.run(p, SEED, ec2_client=aws.ec2)
    assert [(c.id, c.subject) for c in problems(report)] == [("endpoint.ingress", sts), ("endpoint.egress", sts)]
    assert problems(report)[0].detail == (
        f"no security group of {sts} (com.amazonaws.us-east-1.sts; {closed}) allows tcp/443 from "
        f"{p.security_group_ids[0]}")


def test_f11_notebook_endpoint_needs_its_exact_service_name(aws, built):
    p = built.profile
    notebook = endpoint_of(aws, p, "aws.sagemaker.us-east-1.notebook")["VpcEndpointId"]
    aws.ec2.delete_vpc_endpoints(VpcEndpointIds=[notebook])
    # A look-alike name: com.amazonaws.<region>.sagemaker.* is not the notebook endpoint.
    aws.ec2.create_vpc_endpoint(
        VpcId=p.vpc_id, VpcEndpointType="Interface", ServiceName="com.amazonaws.us-east-1.sagemaker.notebook",
        SubnetIds=list(p.subnets), SecurityGroupIds=list(p.security_group_ids), PrivateDnsEnabled=True)
    report = doctor.run(p, SEED, ec2_client=aws.ec2)
    (missing,) = [c for c in problems(report) if c.id == "endpoint.present"]
    assert missing.subject == "aws.sagemaker.us-east-1.notebook"
    assert missing.detail.startswith(f"no interface endpoint for aws.sagemaker.us-east-1.notebook in {p.vpc_id} "
                                     "(needed by: notebook)")


def test_studio_endpoint_required_by_studio_only(aws, built):
    report = doctor.run(built.profile, ["studio"], ec2_client=aws.ec2)
    assert [c.subject for c in problems(report)] == ["aws.sagemaker.us-east-1.studio"]


def test_interface_endpoint_missing_an_availability_zone(aws, built):
    p = built.profile
    logs = endpoint_of(aws, p, "logs")["VpcEndpointId"]
    aws.ec2.modify_vpc_endpoint(VpcEndpointId=logs, RemoveSubnetIds=[p.subnets[1]])
    report = doctor.run(p, SEED, ec2_client=aws.ec2)
    assert problems(report) == [Check(
        "endpoint.subnets", logs, "problem",
        f"{logs} (com.amazonaws.us-east-1.logs) has no network interface in us-east-1b "
        f"(profile subnet {p.subnets[1]})",
        f"aws ec2 modify-vpc-endpoint --vpc-endpoint-id {logs} --add-subnet-ids {p.subnets[1]}")]


def test_kms_endpoint_required_when_the_profile_names_a_key(aws, built):
    p = VpcProfile.from_mapping({**built.profile.to_dict(), "volume_kms_key_id": "alias/sagemaker"}, env=False)
    report = doctor.run(p, SEED, ec2_client=aws.ec2)
    (missing,) = problems(report)
    assert (missing.id, missing.subject) == ("endpoint.present", "com.amazonaws.us-east-1.kms")
    assert "(needed by: kms keys)" in missing.detail


# --------------------------------------------------------------------------- F07 / F08: routes


def test_f07_no_s3_gateway_endpoint_means_no_path_to_s3(aws, built):
    p = built.profile
    s3 = endpoint_of(aws, p, "s3")["VpcEndpointId"]
    aws.ec2.delete_vpc_endpoints(VpcEndpointIds=[s3])
    rtb = route_table(aws, p)
    report = doctor.run(p, SEED, ec2_client=aws.ec2)
    lines = [c for c in problems(report) if c.id == "subnet.s3-route"]
    assert lines == [Check(
        "subnet.s3-route", subnet, "problem",
        f"no path to S3: route table {rtb} has no route to an S3 gateway endpoint; jobs fail at artifact "
        "upload, after training is paid",
        f"Create the S3 gateway endpoint on {rtb} (aws ec2 create-vpc-endpoint --vpc-id {p.vpc_id} "
        f"--vpc-endpoint-type Gateway --service-name com.amazonaws.us-east-1.s3 --route-table-ids {rtb})")
        for subnet in p.subnets]
    assert report.find("endpoint.present", "com.amazonaws.us-east-1.s3")[0].status == "problem"


def test_f07_s3_gateway_not_associated_with_the_subnets_route_table(aws, built):
    p = built.profile
    s3 = endpoint_of(aws, p, "s3")["VpcEndpointId"]
    rtb = route_table(aws, p)
    # moto 5.2 leaves the endpoint's route in the table after RemoveRouteTableIds (AWS removes
    # it); doctor requires route and association, so the verdict is the same either way.
    aws.ec2.modify_vpc_endpoint(VpcEndpointId=s3, RemoveRouteTableIds=[rtb])
    report = doctor.run(p, SEED, ec2_client=aws.ec2)
    assert [c.subject for c in problems(report) if c.id == "subnet.s3-route"] == list(p.subnets)
    assert report.find("subnet.s3-route")[0].fix == (
        f"Associate the S3 gateway endpoint with {rtb} (aws ec2 modify-vpc-endpoint --vpc-endpoint-id {s3} "
        f"--add-route-table-ids {rtb})")
    assert report.find("endpoint.route-tables", s3) == [Check(
        "endpoint.route-tables", s3, "problem",
        f"{s3} (com.amazonaws.us-east-1.s3) is not associated with {rtb}, the route table(s) of the "
        "profile's subnets",
        f"aws ec2 modify-vpc-endpoint --vpc-endpoint-id {s3} --add-route-table-ids {rtb}")]


def test_f08_internet_gateway_route_opens_the_subnets(aws, built):
    p = built.profile
    ec2 = aws.ec2
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=p.vpc_id)
    rtb = route_table(aws, p)
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    report = doctor.run(p, SEED, ec2_client=ec2)
    assert problems(report) == [Check(
        "subnet.closed", subnet, "problem",
        f"route table {rtb} sends 0.0.0.0/0 to internet gateway {igw}: the subnet is not closed",
        f"Remove the way out (aws ec2 delete-route --route-table-id {rtb} --destination-cidr-block 0.0.0.0/0) "
        "or move the subnet to a route table without one") for subnet in p.subnets]
    with pytest.raises(ProfileError) as caught:
        doctor.assert_closed(p, ec2)
    assert caught.value.source == f"ec2:{p.vpc_id}"
    assert [(e.field, e.found) for e in caught.value.errors] == [("subnets.0", p.subnets[0]),
                                                                  ("subnets.1", p.subnets[1])]
    assert caught.value.errors[0].expected == (
        f"a closed subnet; its route table {rtb} sends 0.0.0.0/0 to internet gateway {igw}: remove that "
        "route or use a private subnet")


def test_f08_nat_gateway_and_egress_only_gateway_routes_on_the_main_table(aws):
    net = make_network(aws, subnets=2, own_route_table=False)
    ec2 = aws.ec2
    alloc = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=net.subnets[0], AllocationId=alloc)["NatGateway"]["NatGatewayId"]
    eigw = ec2.create_egress_only_internet_gateway(VpcId=net.vpc)["EgressOnlyInternetGateway"][
        "EgressOnlyInternetGatewayId"]
    ec2.create_route(RouteTableId=net.route_table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    ec2.create_route(RouteTableId=net.route_table, DestinationIpv6CidrBlock="::/0",
                     EgressOnlyInternetGatewayId=eigw)
    report = doctor.run(net.profile, ["training"], ec2_client=ec2)
    closed = report.find("subnet.closed", net.subnets[0])[0]
    assert closed.detail == (f"route table {net.route_table} (main) sends 0.0.0.0/0 to NAT gateway {nat}; "
                             f"::/0 to egress-only internet gateway {eigw}: the subnet is not closed")
    assert f"--destination-ipv6-cidr-block ::/0" in closed.fix


def test_f08_peering_default_route_is_a_way_out_but_a_specific_one_is_not(aws, built):
    p = built.profile
    ec2 = aws.ec2
    peer = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    pcx = ec2.create_vpc_peering_connection(VpcId=p.vpc_id, PeerVpcId=peer)["VpcPeeringConnection"][
        "VpcPeeringConnectionId"]
    rtb = route_table(aws, p)
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="10.9.0.0/16", VpcPeeringConnectionId=pcx)
    assert problems(doctor.run(p, SEED, ec2_client=ec2)) == []
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", VpcPeeringConnectionId=pcx)
    report = doctor.run(p, SEED, ec2_client=ec2)
    assert {c.detail for c in problems(report)} == {
        f"route table {rtb} sends 0.0.0.0/0 to peering connection {pcx}: the subnet is not closed"}


def test_load_closed_is_the_strict_profile_load(aws, built, tmp_path):
    path = built.profile.dump(tmp_path / "profile.toml")
    assert doctor.load_closed(str(path), ec2_client=aws.ec2) == built.profile
    igw = aws.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    aws.ec2.create_route(RouteTableId=route_table(aws, built.profile), DestinationCidrBlock="0.0.0.0/0",
                         GatewayId=igw)
    with pytest.raises(ProfileError, match="subnets.0"):
        doctor.load_closed(str(path), ec2_client=aws.ec2)


def test_hosting_needs_two_availability_zones(aws):
    net = make_network(aws, subnets=2, same_zone=True)
    report = doctor.run(net.profile, ["hosting"], ec2_client=aws.ec2)
    assert report.find("subnets.availability-zones") == [Check(
        "subnets.availability-zones", ",".join(net.subnets), "problem",
        "the profile's subnets are in 1 Availability Zone(s) (us-east-1a); hosting needs subnets in at least two",
        "Add a subnet of another Availability Zone of the VPC to the profile's subnets "
        "(aws ec2 create-subnet --availability-zone ...)")]
    assert doctor.run(net.profile, ["training"], ec2_client=aws.ec2).find("subnets.availability-zones") == []


def test_subnet_of_another_vpc_and_unknown_subnet(aws, built):
    other_vpc = aws.ec2.create_vpc(CidrBlock="10.5.0.0/16")["Vpc"]["VpcId"]
    other = aws.ec2.create_subnet(VpcId=other_vpc, CidrBlock="10.5.0.0/24")["Subnet"]["SubnetId"]
    data = {**built.profile.to_dict(), "subnets": [built.profile.subnets[0], other, "subnet-0aaaaaaaaaaaaaaaa"]}
    report = doctor.run(VpcProfile.from_mapping(data, env=False), ["training"], ec2_client=aws.ec2)
    lines = {c.subject: c.detail for c in problems(report) if c.id == "subnet.in-vpc"}
    assert lines == {
        other: f"{other} belongs to {other_vpc}, not to the profile's VPC {built.profile.vpc_id}",
        "subnet-0aaaaaaaaaaaaaaaa": "subnet-0aaaaaaaaaaaaaaaa does not exist in us-east-1",
    }


# --------------------------------------------------------------------------- F12: DNS and DHCP


def test_f12_dhcp_options_without_domain_name(aws, built):
    p = built.profile
    ec2 = aws.ec2
    dopt = ec2.create_dhcp_options(DhcpConfigurations=[
        {"Key": "domain-name-servers", "Values": ["AmazonProvidedDNS"]}])["DhcpOptions"]["DhcpOptionsId"]
    ec2.associate_dhcp_options(DhcpOptionsId=dopt, VpcId=p.vpc_id)
    report = doctor.run(p, SEED, ec2_client=ec2)
    assert problems(report) == [Check(
        "vpc.dhcp-options", dopt, "problem",
        f"{dopt} has domain-name-servers but no domain-name: SageMaker VPC jobs fail to start",
        "Create a DHCP options set with domain-name ec2.internal and domain-name-servers AmazonProvidedDNS and "
        "associate it (aws ec2 create-dhcp-options --dhcp-configurations Key=domain-name,Values=ec2.internal "
        "Key=domain-name-servers,Values=AmazonProvidedDNS; aws ec2 associate-dhcp-options --vpc-id "
        f"{p.vpc_id} --dhcp-options-id <dopt-id>)")]


def test_vpc_without_dhcp_options_set(aws):
    # moto gives a new VPC DhcpOptionsId "default" (in AWS: "no DHCP options set"; a new VPC
    # there gets the region's default set). Either way doctor reads what the VPC says.
    net = make_network(aws, subnets=2, dhcp=False)
    report = doctor.run(net.profile, ["training"], ec2_client=aws.ec2)
    (line,) = report.find("vpc.dhcp-options")
    assert (line.status, line.detail) == ("problem", f"{net.vpc} has no DHCP options set (DhcpOptionsId default): "
                                          "no domain-name and no domain-name-servers, so SageMaker VPC jobs fail "
                                          "to start")


@pytest.mark.parametrize("attribute,flag", [("EnableDnsSupport", "enable-dns-support"),
                                            ("EnableDnsHostnames", "enable-dns-hostnames")])
def test_f12_vpc_dns_attributes(aws, built, attribute, flag):
    p = built.profile
    aws.ec2.modify_vpc_attribute(VpcId=p.vpc_id, **{attribute: {"Value": False}})
    report = doctor.run(p, SEED, ec2_client=aws.ec2)
    name = attribute[0].lower() + attribute[1:]
    assert problems(report) == [Check(
        f"vpc.{flag.removeprefix('enable-')}", p.vpc_id, "problem",
        f"{name} is false: the private DNS names of interface endpoints do not resolve, so SDK calls go to "
        "public names and time out",
        f"aws ec2 modify-vpc-attribute --vpc-id {p.vpc_id} --{flag} '{{\"Value\":true}}'")]


# --------------------------------------------------------------------------- security groups


def test_egress_to_the_internet_is_reported(aws, built):
    p = built.profile
    sg = p.security_group_ids[0]
    aws.ec2.authorize_security_group_egress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    report = doctor.run(p, SEED, ec2_client=aws.ec2)
    (line,) = problems(report)
    assert (line.id, line.subject) == ("sg.egress", sg)
    pl = aws.ec2.describe_prefix_lists(Filters=[{"Name": "prefix-list-name",
                                                 "Values": ["com.amazonaws.us-east-1.s3"]}])["PrefixLists"][0]
    assert line.detail == (f"{sg} allows egress all traffic to 0.0.0.0/0: only the endpoints' security groups, "
                           f"the S3 prefix list {pl['PrefixListId']} and {sg} itself are expected")


def test_self_reference_needed_for_distributed_training_only(aws, built):
    p = built.profile
    sg = p.security_group_ids[0]
    aws.ec2.revoke_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": sg}]}])
    report = doctor.run(p, SEED, ec2_client=aws.ec2)
    assert problems(report) == [Check(
        "sg.self-reference", sg, "problem",
        f"{sg} does not allow all traffic from itself (inbound); distributed training (training) needs the "
        "instances of a job to reach each other",
        f"aws ec2 authorize-security-group-ingress --group-id {sg} --protocol all --source-group {sg}")]
    assert doctor.run(p, ["notebook"], ec2_client=aws.ec2).find("sg.self-reference") == []


def test_security_group_of_the_profile_missing(aws, built):
    data = {**built.profile.to_dict(), "security_group_ids": ["sg-0bbbbbbbbbbbbbbbb"]}
    report = doctor.run(VpcProfile.from_mapping(data, env=False), ["notebook"], ec2_client=aws.ec2)
    assert report.find("sg.exists")[0].detail == "sg-0bbbbbbbbbbbbbbbb does not exist"
    assert {c.id for c in problems(report)} >= {"sg.exists", "endpoint.ingress"}


# --------------------------------------------------------------------------- F13: execution role (IAM)


def stubbed_iam(aws, decisions):
    iam = aws.backend.session.client("iam")
    stub = Stubber(iam)
    stub.add_response("simulate_principal_policy", {
        "EvaluationResults": [{"EvalActionName": a, "EvalResourceName": "*", "EvalDecision": decisions.get(a, "allowed")}
                              for a in ENI_ACTIONS],
        "IsTruncated": False,
    }, {"PolicySourceArn": ROLE, "ActionNames": list(ENI_ACTIONS)})
    stub.activate()
    return iam, stub


def test_f13_role_allowed_eni_actions(aws, built):
    # moto 5.2 does not implement SimulatePrincipalPolicy (HTTP 500): Stubber for that call only.
    p = VpcProfile.from_mapping({**built.profile.to_dict(), "execution_role_arn": ROLE}, env=False)
    iam, stub = stubbed_iam(aws, {})
    report = doctor.run(p, SEED, ec2_client=aws.ec2, iam_client=iam)
    stub.assert_no_pending_responses()
    assert report.find("role.eni-permissions") == [Check(
        "role.eni-permissions", ROLE, "ok", "the execution role is allowed all 9 ENI actions")]
    assert report.skipped == ()


def test_f13_role_without_eni_permissions(aws, built):
    p = VpcProfile.from_mapping({**built.profile.to_dict(), "execution_role_arn": ROLE}, env=False)
    iam, _ = stubbed_iam(aws, {"ec2:CreateNetworkInterface": "implicitDeny",
                               "ec2:DeleteNetworkInterfacePermission": "explicitDeny"})
    report = doctor.run(p, SEED, ec2_client=aws.ec2, iam_client=iam)
    assert problems(report) == [Check(
        "role.eni-permissions", ROLE, "problem",
        "the execution role is not allowed ec2:CreateNetworkInterface (implicitDeny), "
        "ec2:DeleteNetworkInterfacePermission (explicitDeny): SageMaker cannot create the network interfaces "
        "of jobs and notebooks in the VPC, which fails with an unrelated-looking error",
        "Attach a policy allowing ec2:CreateNetworkInterface, ec2:DeleteNetworkInterfacePermission to the role "
        "(the execution-role policy of `safemaker infra up` has them)")]


def test_f13_unreachable_iam_is_unknown_not_ok(aws, built):
    iam = aws.backend.session.client("iam")
    stub = Stubber(iam)
    stub.add_client_error("simulate_principal_policy", service_error_code="AccessDenied",
                          http_status_code=403)
    stub.activate()
    report = doctor.run(built.profile, SEED, ec2_client=aws.ec2, iam_client=iam)
    (line,) = report.unknown
    assert (line.id, line.detail) == ("role.eni-permissions", "SimulatePrincipalPolicy failed (AccessDenied)")
    assert report.status == "unknown" and not report.ok


# --------------------------------------------------------------------------- unknown, missing VPC


def test_failed_describe_is_unknown_never_ok(aws, built):
    def deny(**kwargs):
        raise ClientError({"Error": {"Code": "UnauthorizedOperation", "Message": "not allowed"}},
                          "DescribeRouteTables")

    aws.ec2.meta.events.register("before-call.ec2.DescribeRouteTables", deny)
    report = doctor.run(built.profile, SEED, ec2_client=aws.ec2)
    closed = report.find("subnet.closed")
    assert [c.status for c in closed] == ["unknown", "unknown"]
    assert closed[0].detail == "DescribeRouteTables failed (UnauthorizedOperation)"
    assert report.find("subnet.s3-route") == []
    assert report.status == "unknown"


def test_missing_vpc_is_one_problem(aws, built):
    data = {**built.profile.to_dict(), "vpc_id": "vpc-0dddddddddddddddd"}
    report = doctor.run(VpcProfile.from_mapping(data, env=False), SEED, ec2_client=aws.ec2)
    assert report.checks == (Check(
        "vpc.exists", "vpc-0dddddddddddddddd", "problem", "vpc-0dddddddddddddddd does not exist in us-east-1",
        "Set vpc_id in the profile to the closed network's VPC (aws ec2 describe-vpcs --region us-east-1)"),)


def test_profile_endpoint_id_not_in_the_vpc(aws, built):
    data = {**built.profile.to_dict(), "vpc_endpoint_ids": ["vpce-0123456789abcdef0"]}
    report = doctor.run(VpcProfile.from_mapping(data, env=False), SEED, ec2_client=aws.ec2)
    (line,) = problems(report)
    assert (line.id, line.subject) == ("profile.vpc-endpoint", "vpce-0123456789abcdef0")


# --------------------------------------------------------------------------- API calls do not grow


def test_api_calls_do_not_grow_with_subnets_or_endpoints(aws):
    counts = {}
    for n in (2, 6):
        aws.backend.reset()
        net = make_network(aws, subnets=n, endpoints=("sagemaker.api", "sts", "logs") if n == 2 else
                           ("sagemaker.api", "sts", "logs", "ecr.api", "ecr.dkr", "sagemaker.runtime"))
        aws.backend.reset_requests()
        report = doctor.run(net.profile, SEED, ec2_client=aws.ec2)
        assert len(report.find("subnet.closed")) == n
        counts[n] = sorted(r.operation for r in aws.backend.requests)
    assert counts[2] == counts[6]
    assert counts[2] == sorted(doctor.EC2_CALLS)


# --------------------------------------------------------------------------- helpers


def make_network(aws, *, subnets: int, same_zone: bool = False, own_route_table: bool = True,
                 dhcp: bool = True, endpoints: tuple[str, ...] = ()):
    """A VPC with ``subnets`` subnets (two AZs unless ``same_zone``), one SG, and interface endpoints."""
    ec2 = aws.ec2
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    for flag in ("EnableDnsSupport", "EnableDnsHostnames"):
        ec2.modify_vpc_attribute(VpcId=vpc, **{flag: {"Value": True}})
    if dhcp:
        dopt = ec2.create_dhcp_options(DhcpConfigurations=[
            {"Key": "domain-name", "Values": ["ec2.internal"]},
            {"Key": "domain-name-servers", "Values": ["AmazonProvidedDNS"]}])["DhcpOptions"]["DhcpOptionsId"]
        ec2.associate_dhcp_options(DhcpOptionsId=dopt, VpcId=vpc)
    zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
    ids = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24",
                             AvailabilityZone=zones[0] if same_zone else zones[i % 3])["Subnet"]["SubnetId"]
           for i in range(subnets)]
    (main,) = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"]
    table = main["RouteTableId"]
    if own_route_table:
        table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        for s in ids:
            ec2.associate_route_table(RouteTableId=table, SubnetId=s)
    sg = ec2.create_security_group(GroupName="sm", Description="d", VpcId=vpc)["GroupId"]
    ec2.revoke_security_group_egress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": sg}]}])
    ec2.authorize_security_group_egress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": sg}]}])
    for key in endpoints:
        ec2.create_vpc_endpoint(VpcId=vpc, VpcEndpointType="Interface", ServiceName=f"com.amazonaws.us-east-1.{key}",
                                SubnetIds=ids[:3], SecurityGroupIds=[sg], PrivateDnsEnabled=True)
    if endpoints:
        ec2.create_vpc_endpoint(VpcId=vpc, VpcEndpointType="Gateway", ServiceName="com.amazonaws.us-east-1.s3",
                                RouteTableIds=[table])
    profile = VpcProfile.from_mapping({"region": REGION, "vpc_id": vpc, "subnets": ids,
                                       "security_group_ids": [sg], "execution_role_arn": ROLE}, env=False)
    return SimpleNamespace(vpc=vpc, subnets=ids, sg=sg, route_table=table, profile=profile)
