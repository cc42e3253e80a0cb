"""Field reports F07, F10 and F11 (shared/cases/field-reports.md): doctor and infra on the local backend.

moto over HTTP on 127.0.0.1 (EC2), the network as ``safemaker infra up`` builds it (``test_doctor.built``) or
built by hand (``test_doctor.make_network``). Expected service names are AWS's ("AWS services that integrate
with AWS PrivateLink": ``com.amazonaws.<region>.sagemaker.api``, ``aws.sagemaker.<region>.notebook``...); the
look-alikes are real or plausible names that contain the expected one (a ``-fips`` variant, S3 Express's
``s3express`` gateway, the ``com.amazonaws`` spelling of the notebook endpoint).
"""

from __future__ import annotations

import pytest

from safemaker.network import doctor, infra
from safemaker.network.endpoints import required_endpoints

from test_doctor import (FAST, REGION, SEED, aws, built, endpoint_of, f10_network,  # noqa: F401 (fixtures)
                         make_network, problems)

SEED_ENDPOINTS = [(r.service_name, r.endpoint_type) for r in required_endpoints(SEED, REGION)]


def test_seed_endpoint_names_are_awss():
    """The names below are AWS's own, not read back from the code under test's output."""
    assert sorted(name for name, _ in SEED_ENDPOINTS) == sorted([
        "com.amazonaws.us-east-1.sagemaker.api", "com.amazonaws.us-east-1.sagemaker.runtime",
        "aws.sagemaker.us-east-1.notebook", "com.amazonaws.us-east-1.sts", "com.amazonaws.us-east-1.logs",
        "com.amazonaws.us-east-1.ecr.api", "com.amazonaws.us-east-1.ecr.dkr", "com.amazonaws.us-east-1.s3",
        "com.amazonaws.us-east-1.ec2"])


def look_alike(name: str) -> str:
    if name == "com.amazonaws.us-east-1.s3":
        return "com.amazonaws.us-east-1.s3express"  # the S3 Express One Zone gateway endpoint
    if name == "aws.sagemaker.us-east-1.notebook":
        return "com.amazonaws.us-east-1.sagemaker.notebook"
    return f"{name}-fips"


# --------------------------------------------------------------------------- F11


@pytest.mark.parametrize("name, endpoint_type", SEED_ENDPOINTS, ids=[n for n, _ in SEED_ENDPOINTS])
def test_F11_a_look_alike_endpoint_never_stands_for_the_real_one(aws, built, name, endpoint_type):
    p = built.profile
    real = endpoint_of(aws, p, name.removeprefix(f"com.amazonaws.{REGION}."))
    aws.ec2.delete_vpc_endpoints(VpcEndpointIds=[real["VpcEndpointId"]])
    kwargs = ({"RouteTableIds": [t for t in real.get("RouteTableIds", [])]} if endpoint_type == "Gateway" else
              {"SubnetIds": list(p.subnets), "SecurityGroupIds": list(p.security_group_ids),
               "PrivateDnsEnabled": True})
    aws.ec2.create_vpc_endpoint(VpcId=p.vpc_id, VpcEndpointType=endpoint_type, ServiceName=look_alike(name),
                                **kwargs)
    data = {k: v for k, v in p.to_dict().items() if k != "vpc_endpoint_ids"}  # the deleted ID is another line
    report = doctor.run(type(p).from_mapping(data, env=False), SEED, ec2_client=aws.ec2)
    missing = [c for c in problems(report) if c.id == "endpoint.present"]
    assert [c.subject for c in missing] == [name]
    assert missing[0].detail.startswith(f"no {endpoint_type.lower()} endpoint for {name} in {p.vpc_id}")


def test_F11_infra_up_creates_the_real_endpoint_beside_a_look_alike(aws, built):
    """infra's reconcile finds existing endpoints by exact service name: a look-alike is not "already there"."""
    p = built.profile
    notebook = endpoint_of(aws, p, "aws.sagemaker.us-east-1.notebook")
    aws.ec2.delete_vpc_endpoints(VpcEndpointIds=[notebook["VpcEndpointId"]])
    aws.ec2.create_vpc_endpoint(
        VpcId=p.vpc_id, VpcEndpointType="Interface", ServiceName="com.amazonaws.us-east-1.sagemaker.notebook",
        SubnetIds=list(p.subnets), SecurityGroupIds=list(p.security_group_ids), PrivateDnsEnabled=True)
    again = infra.up(infra.StackConfig(name="ifsm", region=REGION, aws_managed_policies=()), ec2_client=aws.ec2,
                     iam_client=aws.iam, retry=FAST)
    assert endpoint_of(aws, again.profile, "aws.sagemaker.us-east-1.notebook")["State"] != "deleted"
    report = doctor.run(again.profile, SEED, ec2_client=aws.ec2)
    assert [c for c in problems(report) if c.id == "endpoint.present"] == []


# --------------------------------------------------------------------------- F10


def test_F10_report_case_one_line_per_gap_and_nothing_else(aws):
    """The report's VPC: sagemaker.api, sagemaker.runtime, logs and the S3 gateway present, endpoint ENIs in a
    security group with no ingress. Every gap is one line: each missing endpoint, and for each present interface
    endpoint tcp/443 in (endpoint group from the profile group) and out (profile group to the endpoint)."""
    _net, _sg, ids, report = f10_network(aws)
    lines = sorted((c.id, c.subject) for c in problems(report))
    assert lines == sorted(
        [("endpoint.present", f"com.amazonaws.us-east-1.{key}") for key in (
            "ecr.api", "ecr.dkr", "sts", "sagemaker.featurestore-runtime", "sagemaker.metrics")]
        + [(check, eid) for eid in ids.values() for check in ("endpoint.ingress", "endpoint.egress")])
    assert report.unknown == ()


# --------------------------------------------------------------------------- F07


def test_F07_subnet_on_the_main_route_table_without_s3_is_no_path_to_s3(aws):
    """No explicit association: the subnets use the VPC's main route table, which has only the local route."""
    net = make_network(aws, subnets=2, own_route_table=False,
                       endpoints=("sagemaker.api", "sagemaker.runtime", "sts", "logs", "ecr.api", "ecr.dkr"))
    (s3,) = [e for e in aws.ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [net.vpc]}])[
        "VpcEndpoints"] if e["ServiceName"] == "com.amazonaws.us-east-1.s3"]
    aws.ec2.delete_vpc_endpoints(VpcEndpointIds=[s3["VpcEndpointId"]])
    (main,) = aws.ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [net.vpc]},
                                                     {"Name": "association.main", "Values": ["true"]}])["RouteTables"]
    assert [r["GatewayId"] for r in main["Routes"]] == ["local"]
    report = doctor.run(net.profile, ["training"], ec2_client=aws.ec2)
    lines = report.find("subnet.s3-route")
    assert [(c.subject, c.status) for c in lines] == [(s, "problem") for s in net.subnets]
    assert all(c.detail.startswith(f"no path to S3: route table {main['RouteTableId']}") for c in lines)
