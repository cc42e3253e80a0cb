"""safemaker.profile against a moto server on 127.0.0.1, through real boto3 clients.

SSM GetParameter (shared profile) and EC2 DescribeVpcs / DescribeSubnets /
DescribeSecurityGroups (VpcProfile.discover).

The module starts its own ThreadedMotoServer; it can switch to the shared
``safemaker_local`` fixture once safemaker.local provides it.
"""

from __future__ import annotations

import json
import os
import socket
import uuid

import boto3
import pytest

from safemaker.errors import ProfileError
from safemaker.profile import VpcProfile

pytest.importorskip("moto.server")
from moto.server import ThreadedMotoServer  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"
REGION = "us-east-1"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def moto_endpoint():
    mp = pytest.MonkeyPatch()
    for name in list(os.environ):
        if name.upper().startswith(("SAFEMAKER_", "AWS_")):
            mp.delenv(name)
    mp.setenv("AWS_ACCESS_KEY_ID", "testing")
    mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    mp.setenv("AWS_SESSION_TOKEN", "testing")
    mp.setenv("AWS_DEFAULT_REGION", REGION)
    mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
    mp.setenv("AWS_CONFIG_FILE", os.devnull)
    mp.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        mp.undo()


@pytest.fixture
def session(moto_endpoint):
    return boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )


@pytest.fixture
def ssm(session, moto_endpoint):
    return session.client("ssm", endpoint_url=moto_endpoint)


@pytest.fixture
def ec2(session, moto_endpoint):
    return session.client("ec2", endpoint_url=moto_endpoint)


@pytest.fixture(autouse=True)
def _no_safemaker_env(monkeypatch):
    for name in list(os.environ):
        if name.upper().startswith("SAFEMAKER_"):
            monkeypatch.delenv(name)


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# --------------------------------------------------------------------------- SSM GetParameter


@pytest.fixture
def shared_profile(ec2):
    """A profile document whose IDs are real moto resources."""
    vpc_id = ec2.create_vpc(CidrBlock="10.10.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.10.1.0/24")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName=_unique("sm"), Description="sm", VpcId=vpc_id)[
        "GroupId"
    ]
    return {
        "region": REGION,
        "vpc_id": vpc_id,
        "subnets": [subnet],
        "security_group_ids": [sg],
        "execution_role_arn": ROLE,
    }


@pytest.mark.parametrize("parameter_type", ["String", "SecureString"])
def test_get_parameter_profile(ssm, shared_profile, parameter_type):
    name = f"/safemaker/{_unique('profile')}"
    ssm.put_parameter(
        Name=name, Type=parameter_type, Value=json.dumps({"safemaker": shared_profile})
    )
    profile = VpcProfile.load(f"ssm:{name}", ssm_client=ssm)
    assert profile.to_dict() == dict(
        shared_profile,
        additional_role_arns=[],
        require_network_isolation=True,
        require_inter_container_traffic_encryption=True,
        notebook_root_access="Disabled",
        allow_pipeline_network_parameters=False,
        preflight_warnings=[],
        allow_unclassified_operations=False,
        allow_unverified_templates=False,
        allow_pipeline_callbacks=False,
    )


def test_get_parameter_through_boto3_session(session, moto_endpoint, shared_profile, monkeypatch):
    name = f"/safemaker/{_unique('profile')}"
    boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    ).client("ssm", endpoint_url=moto_endpoint).put_parameter(
        Name=name, Type="SecureString", Value=json.dumps(shared_profile)
    )
    # The client is made from the session passed in; the endpoint comes from AWS_ENDPOINT_URL.
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    profile = VpcProfile.load(f"ssm:{name}", boto3_session=session)
    assert profile.vpc_id == shared_profile["vpc_id"]


def test_get_parameter_env_overrides(ssm, shared_profile, monkeypatch):
    name = f"/safemaker/{_unique('profile')}"
    ssm.put_parameter(Name=name, Type="String", Value=json.dumps(shared_profile))
    monkeypatch.setenv("SAFEMAKER_PROFILE", f"ssm:{name}")
    monkeypatch.setenv("SAFEMAKER_DEFAULT_BUCKET", "team-bucket-123456789012")
    monkeypatch.setenv("SAFEMAKER_REQUIRE_NETWORK_ISOLATION", "false")
    profile = VpcProfile.load(ssm_client=ssm)
    assert (profile.default_bucket, profile.require_network_isolation) == (
        "team-bucket-123456789012",
        False,
    )
    assert profile.subnets == tuple(shared_profile["subnets"])


def test_get_parameter_not_found(ssm):
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.load("ssm:/safemaker/does-not-exist", ssm_client=ssm)
    assert exc_info.value.source == "ssm:/safemaker/does-not-exist"
    (error,) = exc_info.value.errors
    assert (error.field, str(error.found)) == ("(source)", "ParameterNotFound")
    assert error.expected == (
        "an existing SSM parameter named '/safemaker/does-not-exist' in this account and region: "
        "ask the administrator to publish the shared profile (aws ssm put-parameter --name "
        "/safemaker/does-not-exist --type SecureString --value file://profile.json) or fix the name"
    )
    assert "testing" not in str(exc_info.value)  # no credentials, no request dump


def test_get_parameter_invalid_profile_lists_every_field(ssm, shared_profile):
    name = f"/safemaker/{_unique('profile')}"
    bad = dict(shared_profile, subnets=["subnet-1"], security_group_ids=[], subnet="x")
    ssm.put_parameter(Name=name, Type="SecureString", Value=json.dumps(bad))
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.load(f"ssm:{name}", ssm_client=ssm)
    assert exc_info.value.source == f"ssm:{name}"
    assert [e.field for e in exc_info.value.errors] == [
        "subnets.0",
        "security_group_ids",
        "subnet",
    ]


# --------------------------------------------------------------------------- EC2 discover


@pytest.fixture
def vpc_with_three_subnets(ec2):
    vpc_id = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(
            VpcId=vpc_id, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone=f"{REGION}{az}"
        )["Subnet"]["SubnetId"]
        for i, az in enumerate("abc")
    ]
    sg = ec2.create_security_group(GroupName=_unique("sm"), Description="sm", VpcId=vpc_id)[
        "GroupId"
    ]
    return vpc_id, subnets, sg


def test_discover_vpc_with_three_subnets(ec2, vpc_with_three_subnets):
    vpc_id, subnets, sg = vpc_with_three_subnets
    profile = VpcProfile.discover(
        ec2, vpc_id, [sg], execution_role_arn=ROLE, default_bucket="closed-bucket-123456789012"
    )
    assert profile.region == REGION  # from the client
    assert profile.vpc_id == vpc_id
    assert profile.subnets == tuple(sorted(subnets))
    assert len(profile.subnets) == 3
    assert profile.security_group_ids == (sg,)
    assert profile.execution_role_arn == ROLE
    assert profile.default_bucket == "closed-bucket-123456789012"


def test_discover_ignores_environment(ec2, vpc_with_three_subnets, monkeypatch):
    vpc_id, subnets, sg = vpc_with_three_subnets
    monkeypatch.setenv("SAFEMAKER_SUBNETS", "subnet-0aaaaaaaaaaaaaaaa")
    profile = VpcProfile.discover(ec2, vpc_id, sg, execution_role_arn=ROLE)
    assert profile.subnets == tuple(sorted(subnets))


def test_discover_unknown_vpc(ec2):
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.discover(
            ec2, "vpc-0dddddddddddddddd", ["sg-0bbbbbbbbbbbbbbbb"], execution_role_arn=ROLE
        )
    assert exc_info.value.source == "ec2:vpc-0dddddddddddddddd"
    assert [(e.field, e.found, e.expected) for e in exc_info.value.errors] == [
        (
            "vpc_id",
            "vpc-0dddddddddddddddd",
            "an existing VPC in us-east-1; check the ID and the region (aws ec2 describe-vpcs)",
        )
    ]


def test_discover_security_group_of_another_vpc(ec2, vpc_with_three_subnets):
    vpc_id, _, sg = vpc_with_three_subnets
    other_vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    other_sg = ec2.create_security_group(
        GroupName=_unique("other"), Description="other", VpcId=other_vpc
    )["GroupId"]
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.discover(
            ec2, vpc_id, [sg, other_sg, "sg-0bbbbbbbbbbbbbbbb"], execution_role_arn=ROLE
        )
    assert [(e.field, e.found, e.expected) for e in exc_info.value.errors] == [
        (
            "security_group_ids.1",
            other_sg,
            f"a security group of {vpc_id}; it belongs to {other_vpc}: "
            f"pick a group of {vpc_id} or create one there",
        ),
        (
            "security_group_ids.2",
            "sg-0bbbbbbbbbbbbbbbb",
            f"an existing security group of {vpc_id}; check the ID "
            f"(aws ec2 describe-security-groups --filters Name=vpc-id,Values={vpc_id})",
        ),
    ]


def test_discover_vpc_without_subnets(ec2):
    vpc_id = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    sg = ec2.create_security_group(GroupName=_unique("sm"), Description="sm", VpcId=vpc_id)[
        "GroupId"
    ]
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.discover(ec2, vpc_id, [sg], execution_role_arn=ROLE)
    assert [(e.field, e.found, e.expected) for e in exc_info.value.errors] == [
        (
            "subnets",
            [],
            f"at least one subnet in {vpc_id}: create private subnets in the VPC "
            "(aws ec2 create-subnet) or pass another VPC",
        )
    ]


def test_discover_malformed_ids_refused_before_any_call(ec2):
    calls = []
    ec2.meta.events.register("before-call.ec2", lambda **kw: calls.append(kw["model"].name))
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.discover(ec2, "vpc-XYZ", ["sg-1"], execution_role_arn=ROLE)
    assert [e.field for e in exc_info.value.errors] == ["vpc_id", "security_group_ids.0"]
    assert calls == []


def test_discover_invalid_role_reported(ec2, vpc_with_three_subnets):
    vpc_id, _, sg = vpc_with_three_subnets
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.discover(ec2, vpc_id, [sg], execution_role_arn="SageMakerExecRole")
    assert exc_info.value.source == f"ec2:{vpc_id}"
    assert [(e.field, e.found) for e in exc_info.value.errors] == [
        ("execution_role_arn", "SageMakerExecRole")
    ]
