"""safemaker.network.infra plan / up / down on the local backend (moto over real HTTP).

Asserts what was sent (request log of the local backend) and what exists
afterwards; faults are injected with botocore event handlers.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from safemaker.network import doctor, infra
from safemaker.network.infra import MUTATING_PREFIXES, STACK_TAG, InfraError, RetryPolicy, StackConfig
from safemaker.profile import VpcProfile

REGION = "us-east-1"
STACK = "ifsm"
TAG = [{"Name": f"tag:{STACK_TAG}", "Values": [STACK]}]


class Sleeps(list):
    """A RetryPolicy.sleep that records instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def aws(safemaker_local):
    session = safemaker_local.session
    sleeps = Sleeps()
    config = infra.CLIENT_CONFIG  # botocore's standard retry mode, as the CLI's clients
    return SimpleNamespace(ec2=session.client("ec2", config=config), iam=session.client("iam", config=config),
                           ssm=session.client("ssm", config=config),
                           backend=safemaker_local, sleeps=sleeps,
                           retry=RetryPolicy(base_delay=1.0, wait_delay=0, sleep=sleeps))


@pytest.fixture
def cfg():
    return StackConfig(name=STACK, region=REGION, aws_managed_policies=())


@pytest.fixture
def built(aws, cfg, safemaker_local_pool):
    """``up(aws, cfg)``'s result, with the network it built: built once per test process, then moto's state of
    that moment restored for each later test (the pytest plugin's pool); the request log is empty afterwards.
    For the tests of what comes after an ``up`` (its own requests are asserted by the tests that call ``up``)."""
    return safemaker_local_pool.state(aws.backend, ("test_infra.built", REGION), lambda: up(aws, cfg))


def mutating(backend):
    return [r.operation for r in backend.requests if r.operation and r.operation.startswith(MUTATING_PREFIXES)]


def up(aws, config, **kwargs):
    return infra.up(config, ec2_client=aws.ec2, iam_client=aws.iam, ssm_client=aws.ssm, retry=aws.retry, **kwargs)


def down(aws, stack=STACK, **kwargs):
    return infra.down(stack, ec2_client=kwargs.pop("ec2", aws.ec2), iam_client=aws.iam, retry=aws.retry, **kwargs)


def tagged(aws):
    """Every EC2 resource that carries the stack tag (deleted endpoints aside), by kind."""
    ec2 = aws.ec2
    return {
        "vpc": [v["VpcId"] for v in ec2.describe_vpcs(Filters=TAG)["Vpcs"]],
        "subnet": [s["SubnetId"] for s in ec2.describe_subnets(Filters=TAG)["Subnets"]],
        "route-table": [t["RouteTableId"] for t in ec2.describe_route_tables(Filters=TAG)["RouteTables"]],
        "security-group": [g["GroupId"] for g in ec2.describe_security_groups(Filters=TAG)["SecurityGroups"]],
        "endpoint": [e["VpcEndpointId"] for e in ec2.describe_vpc_endpoints(Filters=TAG)["VpcEndpoints"]
                     if e["State"] != "deleted"],
        "dhcp": [d["DhcpOptionsId"] for d in ec2.describe_dhcp_options(Filters=TAG)["DhcpOptions"]],
    }


# --------------------------------------------------------------------------- up


def test_up_builds_the_seed_network_all_tagged_and_writes_the_profile(aws, cfg, tmp_path):
    result = up(aws, cfg, profile_path=tmp_path / "ifsm.toml")
    ec2, p = aws.ec2, result.profile
    assert aws.backend.request_count("ec2", "CreateVpc") == 1
    assert aws.backend.request_count("ec2", "CreateVpcEndpoint") == 9

    (vpc,) = ec2.describe_vpcs(Filters=TAG)["Vpcs"]
    assert (vpc["VpcId"], vpc["CidrBlock"]) == (p.vpc_id, "10.0.0.0/16")
    for attribute, key in (("enableDnsSupport", "EnableDnsSupport"), ("enableDnsHostnames", "EnableDnsHostnames")):
        assert ec2.describe_vpc_attribute(VpcId=p.vpc_id, Attribute=attribute)[key]["Value"] is True
    (dopt,) = ec2.describe_dhcp_options(DhcpOptionsIds=[vpc["DhcpOptionsId"]])["DhcpOptions"]
    assert {c["Key"]: [v["Value"] for v in c["Values"]] for c in dopt["DhcpConfigurations"]} == {
        "domain-name": ["ec2.internal"], "domain-name-servers": ["AmazonProvidedDNS"]}

    subnets = ec2.describe_subnets(Filters=TAG)["Subnets"]
    assert sorted((s["CidrBlock"], s["AvailabilityZone"]) for s in subnets) == [
        ("10.0.0.0/24", "us-east-1a"), ("10.0.1.0/24", "us-east-1b")]
    assert sorted(p.subnets) == sorted(s["SubnetId"] for s in subnets)
    (table,) = ec2.describe_route_tables(Filters=TAG)["RouteTables"]
    assert sorted(a["SubnetId"] for a in table["Associations"]) == sorted(p.subnets)
    assert [r.get("GatewayId") for r in table["Routes"]] == ["local", result.resources["endpoint:s3"]]

    (group,) = ec2.describe_security_groups(Filters=TAG)["SecurityGroups"]
    sg = group["GroupId"]
    assert p.security_group_ids == (sg,)
    pl = ec2.describe_prefix_lists(Filters=[{"Name": "prefix-list-name", "Values": ["com.amazonaws.us-east-1.s3"]}])[
        "PrefixLists"][0]["PrefixListId"]

    def rules(perms):
        out = set()
        for perm in perms:
            for pair in perm.get("UserIdGroupPairs", []):
                out.add((perm["IpProtocol"], perm.get("FromPort"), pair["GroupId"]))
            for item in perm.get("PrefixListIds", []):
                out.add((perm["IpProtocol"], perm.get("FromPort"), item["PrefixListId"]))
            for item in perm.get("IpRanges", []):
                out.add((perm["IpProtocol"], perm.get("FromPort"), item["CidrIp"]))
        return out

    assert rules(group["IpPermissions"]) == {("tcp", 443, sg), ("-1", None, sg)}
    assert rules(group["IpPermissionsEgress"]) == {("tcp", 443, sg), ("tcp", 443, pl), ("-1", None, sg)}

    endpoints = ec2.describe_vpc_endpoints(Filters=TAG)["VpcEndpoints"]
    assert sorted(e["ServiceName"] for e in endpoints) == sorted([
        "aws.sagemaker.us-east-1.notebook", "com.amazonaws.us-east-1.ec2", "com.amazonaws.us-east-1.ecr.api",
        "com.amazonaws.us-east-1.ecr.dkr", "com.amazonaws.us-east-1.logs", "com.amazonaws.us-east-1.s3",
        "com.amazonaws.us-east-1.sagemaker.api", "com.amazonaws.us-east-1.sagemaker.runtime",
        "com.amazonaws.us-east-1.sts"])
    for e in endpoints:
        if e["VpcEndpointType"] == "Gateway":
            assert e["RouteTableIds"] == [table["RouteTableId"]]
        else:
            assert e["PrivateDnsEnabled"] is True
            assert sorted(e["SubnetIds"]) == sorted(p.subnets)
            assert [g["GroupId"] for g in e["Groups"]] == [sg]
    assert sorted(p.vpc_endpoint_ids) == sorted(e["VpcEndpointId"] for e in endpoints)

    role = aws.iam.get_role(RoleName="ifsm-SageMakerExecRole")["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    assert {"Key": STACK_TAG, "Value": STACK} in role["Tags"]
    assert p.execution_role_arn == role["Arn"] == "arn:aws:iam::123456789012:role/ifsm-SageMakerExecRole"
    attached = {a["PolicyArn"] for a in aws.iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]}
    # The role gets the guardrail without DenyOutsideVpcEndpoints: SageMaker's own calls with the
    # role carry no aws:SourceVpce. The developers' guardrail keeps it.
    assert attached == {*result.policy_arns["guardrail-role"], *result.policy_arns["pass-role"],
                        *result.policy_arns["execution-role"]}
    assert not set(result.policy_arns["guardrail"]) & attached
    for arn in result.policy_arns["guardrail-role"]:
        version = aws.iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
        doc = aws.iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
        assert "aws:SourceVpce" not in str(doc)
    policies = aws.iam.list_policies(Scope="Local", PathPrefix="/safemaker/ifsm/")["Policies"]
    assert len(policies) == sum(len(v) for v in result.policy_arns.values())
    for policy in policies:
        assert {"Key": STACK_TAG, "Value": STACK} in aws.iam.get_policy(PolicyArn=policy["Arn"])["Policy"]["Tags"]

    assert result.profile_path == tmp_path / "ifsm.toml"
    assert VpcProfile.load(str(result.profile_path), env=False) == p
    # ... and the network is the closed one doctor expects.
    assert doctor.run(p, ["notebook", "training", "hosting"], ec2_client=ec2).status == "ok"


def test_every_ec2_resource_carries_the_stack_and_resource_tags(aws, built):
    found = tagged(aws)
    assert {k: len(v) for k, v in found.items()} == {
        "vpc": 1, "subnet": 2, "route-table": 1, "security-group": 1, "endpoint": 9, "dhcp": 1}
    names = sorted(t["Value"] for s in aws.ec2.describe_subnets(Filters=TAG)["Subnets"] for t in s["Tags"]
                   if t["Key"] == "safemaker:resource")
    assert names == ["subnet-1", "subnet-2"]


def test_second_up_changes_nothing(aws, built, cfg):
    first = built
    second = up(aws, cfg)
    assert mutating(aws.backend) == []
    assert second.changes == ()
    assert second.profile == first.profile
    assert {a.verb for a in second.actions} == {"keep"}


def test_plan_touches_nothing_and_lists_what_up_then_does(aws, cfg):
    planned = infra.plan(cfg, ec2_client=aws.ec2, iam_client=aws.iam)
    assert mutating(aws.backend) == []
    assert aws.backend.request_count("ec2", "DescribeVpcs") == 1
    assert tagged(aws)["vpc"] == []
    done = up(aws, cfg)
    assert [(a.verb, a.kind, a.name) for a in planned.actions] == [(a.verb, a.kind, a.name) for a in done.actions]
    assert all(a.resource_id is None for a in planned.actions if a.verb == "create")
    aws.backend.reset_requests()
    again = infra.plan(cfg, ec2_client=aws.ec2, iam_client=aws.iam)
    assert mutating(aws.backend) == [] and again.changes == ()
    down_plan = infra.plan(STACK, operation="down", ec2_client=aws.ec2, iam_client=aws.iam)
    assert mutating(aws.backend) == []
    assert [a.kind for a in down_plan.changes] == (
        ["VPC endpoint"] * 9 + ["subnet", "subnet", "route table", "security group", "VPC", "DHCP options",
                                "IAM role"] + ["IAM policy"] * len(down_plan.changes[16:]))


def test_up_repairs_drift(aws, built, cfg):
    result = built
    p = result.profile
    aws.ec2.modify_vpc_attribute(VpcId=p.vpc_id, EnableDnsHostnames={"Value": False})
    logs = result.resources["endpoint:logs"]
    aws.ec2.modify_vpc_endpoint(VpcEndpointId=logs, RemoveSubnetIds=[p.subnets[1]])
    aws.ec2.delete_vpc_endpoints(VpcEndpointIds=[result.resources["endpoint:sts"]])
    again = up(aws, cfg)
    assert [(a.verb, a.kind, a.name, a.detail) for a in again.changes] == [
        ("update", "VPC", "ifsm-vpc", "turn on enableDnsHostnames"),
        ("create", "VPC endpoint", "ifsm-sts", f"Interface endpoint for com.amazonaws.us-east-1.sts, private DNS on, "
                                               f"in both subnets, security group {p.security_group_ids[0]}"),
        ("update", "VPC endpoint", "ifsm-logs", f"AddSubnetIds ['{p.subnets[1]}']"),
        # The profile's endpoint IDs changed, so the guardrail (aws:SourceVpce) got a new version.
        *[("update", "IAM policy", a.name, "new default version (the document changed)") for a in again.changes
          if a.kind == "IAM policy"],
    ]
    assert any(a.kind == "IAM policy" for a in again.changes)
    assert doctor.run(again.profile, ["notebook", "training", "hosting"], ec2_client=aws.ec2).status == "ok"


def test_up_new_policy_version_when_the_profile_changes(aws, built):
    first = built
    arn = first.policy_arns["execution-role"][0]
    before = aws.iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]["Document"]
    with_bucket = StackConfig(name=STACK, region=REGION, aws_managed_policies=(), default_bucket="ifsm-artifacts")
    second = up(aws, with_bucket)
    assert second.profile.default_bucket == "ifsm-artifacts"
    policy = aws.iam.get_policy(PolicyArn=arn)["Policy"]
    assert policy["DefaultVersionId"] == "v2"
    after = aws.iam.get_policy_version(PolicyArn=arn, VersionId="v2")["PolicyVersion"]["Document"]
    assert "ifsm-artifacts" in json.dumps(after) and "ifsm-artifacts" not in json.dumps(before)
    assert ("update", "IAM policy", "ifsm-SageMakerExecutionPolicy") in [(a.verb, a.kind, a.name) for a in second.actions]


def test_up_refuses_a_same_named_role_without_the_tag_before_creating_anything(aws, cfg):
    aws.iam.create_role(RoleName="ifsm-SageMakerExecRole", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": []}))
    aws.backend.reset_requests()
    with pytest.raises(InfraError) as caught:
        up(aws, cfg)
    assert str(caught.value) == (
        "up ifsm failed: IAM role arn:aws:iam::123456789012:role/ifsm-SageMakerExecRole exist(s) without the tag "
        "safemaker:stack=ifsm. Nothing was created. Delete or rename them, or use another stack name.")
    assert mutating(aws.backend) == []


def test_up_resumes_after_a_failure(aws, cfg):
    def refuse(**kwargs):
        raise ClientError({"Error": {"Code": "UnauthorizedOperation", "Message": "You are not authorized"}},
                          "CreateSecurityGroup")

    aws.ec2.meta.events.register("before-call.ec2.CreateSecurityGroup", refuse, unique_id="refuse-sg")
    with pytest.raises(InfraError) as caught:
        up(aws, cfg)
    assert str(caught.value) == ("CreateSecurityGroup ifsm-sagemaker failed: UnauthorizedOperation: You are not "
                                 "authorized. Fix the cause and re-run; finished steps are not repeated.")
    assert aws.sleeps == []  # not retried: not a throttling or transient error
    assert {k: len(v) for k, v in tagged(aws).items()} == {
        "vpc": 1, "subnet": 2, "route-table": 1, "security-group": 0, "endpoint": 0, "dhcp": 1}
    aws.ec2.meta.events.unregister("before-call.ec2.CreateSecurityGroup", unique_id="refuse-sg")
    aws.backend.reset_requests()
    result = up(aws, cfg)
    assert aws.backend.request_count("ec2", "CreateVpc") == 0
    assert aws.backend.request_count("ec2", "CreateSubnet") == 0
    assert aws.backend.request_count("ec2", "CreateSecurityGroup") == 1
    assert doctor.run(result.profile, ["notebook", "training", "hosting"], ec2_client=aws.ec2).status == "ok"


def test_up_with_the_admin_host(aws, monkeypatch):
    # moto loads AWS managed policies (AmazonSageMakerFullAccess, AmazonSSMManagedInstanceCore)
    # only with this variable; the IAM backend is created again after the reset.
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    aws.backend.reset()
    config = StackConfig(name=STACK, region=REGION, admin_host=True)
    assert config.features == ("notebook", "training", "hosting", "ssm-access")
    result = up(aws, config)
    (reservation,) = aws.ec2.describe_instances(Filters=TAG)["Reservations"]
    (instance,) = reservation["Instances"]
    assert instance["State"]["Name"] == "running"
    assert instance["SubnetId"] == result.profile.subnets[0]
    assert [g["GroupId"] for g in instance["SecurityGroups"]] == list(result.profile.security_group_ids)
    ami = aws.ssm.get_parameter(Name=config.admin_ami_parameter)["Parameter"]["Value"]
    assert instance["ImageId"] == ami
    assert instance["IamInstanceProfile"]["Arn"].endswith("instance-profile/ifsm-AdminHostProfile")
    admin = aws.iam.list_attached_role_policies(RoleName="ifsm-AdminHostRole")["AttachedPolicies"]
    assert [a["PolicyName"] for a in admin] == ["AmazonSSMManagedInstanceCore"]
    execution = aws.iam.list_attached_role_policies(RoleName="ifsm-SageMakerExecRole")["AttachedPolicies"]
    assert "AmazonSageMakerFullAccess" in [a["PolicyName"] for a in execution]
    names = {e["ServiceName"] for e in aws.ec2.describe_vpc_endpoints(Filters=TAG)["VpcEndpoints"]}
    assert {"com.amazonaws.us-east-1.ssm", "com.amazonaws.us-east-1.ssmmessages",
            "com.amazonaws.us-east-1.ec2messages"} <= names

    gone = down(aws)
    assert gone.complete
    assert gone.actions[0].kind == "EC2 instance" and gone.actions[0].resource_id == instance["InstanceId"]
    state = aws.ec2.describe_instances(InstanceIds=[instance["InstanceId"]])["Reservations"][0]["Instances"][0]
    assert state["State"]["Name"] == "terminated"
    with pytest.raises(ClientError, match="NoSuchEntity"):
        aws.iam.get_instance_profile(InstanceProfileName="ifsm-AdminHostProfile")


# --------------------------------------------------------------------------- down


def test_down_deletes_everything_in_dependency_order_and_can_be_rerun(aws, built):
    seen = []
    result = down(aws, progress=seen.append)
    assert result.complete and result.remaining == () and result.skipped == ()
    assert seen == list(result.actions)
    kinds = [a.kind for a in result.actions]
    order = ["VPC endpoint", "subnet", "route table", "security group", "VPC", "DHCP options", "IAM role",
             "IAM policy"]
    assert sorted(set(kinds), key=kinds.index) == order
    assert tagged(aws) == {"vpc": [], "subnet": [], "route-table": [], "security-group": [], "endpoint": [],
                           "dhcp": []}
    assert aws.iam.list_policies(Scope="Local", PathPrefix="/safemaker/ifsm/")["Policies"] == []
    with pytest.raises(ClientError, match="NoSuchEntity"):
        aws.iam.get_role(RoleName="ifsm-SageMakerExecRole")
    aws.backend.reset_requests()
    again = down(aws)
    assert again.complete and again.actions == ()
    assert mutating(aws.backend) == []


def _ec2_error(request, status, code, message):
    """An EC2 error response (the Query protocol's XML), returned by a before-send handler instead of sending."""
    response = AWSResponse(request.url, status, {}, None)
    response._content = (f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors>"
                         "<RequestID>x</RequestID></Response>").encode()
    return response


def test_down_completes_through_throttling_and_transient_errors(aws, built, botocore_backoff):
    # Throttling and 503s are botocore's to retry (standard mode, infra.CLIENT_CONFIG): injected per attempt
    # (before-send). DependencyViolation is safemaker's (botocore does not retry it): injected per call.
    ec2 = aws.backend.session.client("ec2", config=infra.CLIENT_CONFIG)
    faults = {"DeleteVpcEndpoints": 3, "DeleteSubnet": 2, "DeleteSecurityGroup": 2}

    def throttle(request, **kwargs):
        if faults["DeleteVpcEndpoints"] > 0:
            faults["DeleteVpcEndpoints"] -= 1
            return _ec2_error(request, 400, "Throttling", "Rate exceeded")
        return None

    def unavailable(request, **kwargs):
        if faults["DeleteSubnet"] > 0 and "Action=DeleteSubnet" in str(request.body):
            faults["DeleteSubnet"] -= 1
            return _ec2_error(request, 503, "ServiceUnavailable", "try again")
        return None

    def dependency(model, **kwargs):
        if faults["DeleteSecurityGroup"] > 0:
            faults["DeleteSecurityGroup"] -= 1
            raise ClientError({"Error": {"Code": "DependencyViolation", "Message": "resource has a dependent object"},
                               "ResponseMetadata": {"HTTPStatusCode": 400}}, model.name)

    ec2.meta.events.register("before-send.ec2.DeleteVpcEndpoints", throttle)
    ec2.meta.events.register("before-send.ec2.DeleteSubnet", unavailable)
    ec2.meta.events.register("before-call.ec2.DeleteSecurityGroup", dependency)
    aws.backend.reset_requests()
    result = down(aws, ec2=ec2)
    assert result.complete
    assert faults == {"DeleteVpcEndpoints": 0, "DeleteSubnet": 0, "DeleteSecurityGroup": 0}
    # 3 throttles, then 2 x 503: retried once each by botocore (5 backoffs), never again by safemaker;
    # 2 x DependencyViolation: retried by safemaker after 1, 2 s.
    assert len(botocore_backoff) == 5
    assert aws.sleeps == [1.0, 2.0]
    assert aws.backend.request_count("ec2", "DeleteVpcEndpoints") == 9
    assert aws.backend.request_count("ec2", "DeleteSubnet") == 2
    assert tagged(aws)["vpc"] == []


def test_down_gives_up_after_max_attempts_and_a_rerun_finishes(aws, built, botocore_backoff):
    sent = []

    def throttle(request, **kwargs):
        sent.append(request.headers["amz-sdk-request"].decode())
        return _ec2_error(request, 503, "RequestLimitExceeded", "Request limit exceeded.")

    aws.ec2.meta.events.register("before-send.ec2.DeleteSecurityGroup", throttle, unique_id="throttle")
    with pytest.raises(InfraError) as caught:
        down(aws)
    assert str(caught.value).startswith(
        f"DeleteSecurityGroup {tagged(aws)['security-group'][0]} failed: RequestLimitExceeded: Request limit "
        "exceeded (after 8 attempts).")
    # 8 attempts in all, all botocore's (its 7 backoffs); none of safemaker's own on top (was 8 x 5 = 40).
    assert sent == [f"attempt={n}; max=8" for n in range(1, 9)]
    assert len(botocore_backoff) == 7 and aws.sleeps == []
    left = tagged(aws)
    assert (len(left["endpoint"]), len(left["subnet"]), len(left["security-group"]), len(left["vpc"])) == (0, 0, 1, 1)
    aws.ec2.meta.events.unregister("before-send.ec2.DeleteSecurityGroup", unique_id="throttle")
    result = down(aws)
    assert result.complete
    assert [a.kind for a in result.actions][:3] == ["security group", "VPC", "DHCP options"]
    assert tagged(aws)["vpc"] == []


def test_untagged_endpoint_with_a_matching_name_survives_down(aws, built):
    p = built.profile
    foreign = aws.ec2.create_vpc_endpoint(
        VpcId=p.vpc_id, VpcEndpointType="Interface", ServiceName="com.amazonaws.us-east-1.sagemaker.api",
        SubnetIds=[p.subnets[0]], SecurityGroupIds=list(p.security_group_ids), PrivateDnsEnabled=False,
        TagSpecifications=[{"ResourceType": "vpc-endpoint", "Tags": [{"Key": "Name", "Value": "ifsm-sagemaker.api"}]}],
    )["VpcEndpoint"]
    eni = foreign["NetworkInterfaceIds"][0]
    result = down(aws)
    assert not result.complete
    (state,) = aws.ec2.describe_vpc_endpoints(VpcEndpointIds=[foreign["VpcEndpointId"]])["VpcEndpoints"]
    assert state["State"] == "available"
    assert [(a.kind, a.resource_id) for a in result.remaining] == [
        ("subnet", p.subnets[0]), ("route table", built.resources["route-table"]), ("VPC", p.vpc_id),
        ("DHCP options", built.resources["dhcp-options"])]
    assert result.remaining[0].detail == (
        f"still used by network interfaces not of this stack: {eni} (interface); delete them, then re-run down")
    assert result.remaining[2].detail.startswith(
        f"still holds {p.subnets[0]}, {built.resources['route-table']}, {foreign['VpcEndpointId']} (kept above")
    # Everything else of the stack is gone, IAM included.
    assert tagged(aws)["endpoint"] == [] and tagged(aws)["subnet"] == [p.subnets[0]]
    with pytest.raises(ClientError, match="NoSuchEntity"):
        aws.iam.get_role(RoleName="ifsm-SageMakerExecRole")
    # Once the owner removes their endpoint, a re-run finishes.
    aws.ec2.delete_vpc_endpoints(VpcEndpointIds=[foreign["VpcEndpointId"]])
    again = down(aws)
    assert again.complete
    assert [a.kind for a in again.actions] == ["subnet", "route table", "VPC", "DHCP options"]
    assert tagged(aws)["vpc"] == []


def test_untagged_iam_role_with_the_stacks_name_is_never_deleted(aws):
    aws.iam.create_role(RoleName="other-SageMakerExecRole", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": []}), Tags=[{"Key": STACK_TAG, "Value": "someone-else"}])
    result = down(aws, "other")
    assert result.complete and result.actions == ()
    assert [(a.verb, a.kind, a.name) for a in result.skipped] == [("keep", "IAM role", "other-SageMakerExecRole")]
    assert result.skipped[0].detail == "no safemaker:stack=other tag: not of this stack, left alone"
    assert aws.iam.get_role(RoleName="other-SageMakerExecRole")["Role"]["RoleName"] == "other-SageMakerExecRole"
    assert mutating(aws.backend)[-1] == "CreateRole"


def test_down_detaches_the_developer_policy_from_users_before_deleting_it(aws, built):
    aws.iam.create_user(UserName="Developer")
    developer = built.policy_arns["developer"][0]
    aws.iam.attach_user_policy(UserName="Developer", PolicyArn=developer)
    planned = infra.plan(STACK, operation="down", ec2_client=aws.ec2, iam_client=aws.iam)
    (line,) = [a for a in planned.actions if a.resource_id == developer]
    assert line.detail == "detach from user Developer"
    assert down(aws).complete
    assert aws.iam.list_attached_user_policies(UserName="Developer")["AttachedPolicies"] == []
    assert aws.iam.get_user(UserName="Developer")["User"]["UserName"] == "Developer"


def test_two_stacks_do_not_touch_each_other(aws, built):
    other = StackConfig(name="other", region=REGION, aws_managed_policies=(), cidr_block="10.1.0.0/16",
                        features=["training"])
    other_result = up(aws, other)
    assert down(aws).complete
    assert doctor.run(other_result.profile, ["training"], ec2_client=aws.ec2).status == "ok"
    assert aws.iam.get_role(RoleName="other-SageMakerExecRole")["Role"]["Arn"] == \
        other_result.profile.execution_role_arn
