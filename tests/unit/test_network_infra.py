"""Pure parts of safemaker.network.infra: StackConfig validation, seed policies, retry delays, results."""

from __future__ import annotations

import pytest

from safemaker.errors import MISSING
from safemaker.network.infra import (
    Action,
    InfraError,
    Plan,
    RetryPolicy,
    StackConfig,
    StackConfigError,
    execution_role_policy_keys,
    render_policies,
)

from _profiles import make_profile

PROFILE = make_profile("mapping", vpc_endpoint_ids=["vpce-0123456789abcdef0"], volume_kms_key_id="alias/sagemaker",
                       default_bucket="ifsm-artifacts")


def test_defaults_are_the_seeds():
    cfg = StackConfig(name="ifsm", region="ap-northeast-1")
    assert cfg.cidr_block == "10.0.0.0/16"
    assert cfg.subnet_cidr_blocks == ("10.0.0.0/24", "10.0.1.0/24")
    assert cfg.features == ("notebook", "training", "hosting")
    assert cfg.aws_managed_policies == ("AmazonSageMakerFullAccess",)
    assert (cfg.partition, cfg.kms, cfg.admin_host) == ("aws", False, False)


@pytest.mark.parametrize("cidr,blocks", [
    ("10.20.0.0/20", ("10.20.0.0/28", "10.20.0.16/28")),
    ("192.168.0.0/24", ("192.168.0.0/28", "192.168.0.16/28")),
    ("172.16.0.0/27", ("172.16.0.0/28", "172.16.0.16/28")),
])
def test_subnet_blocks(cidr, blocks):
    assert StackConfig(name="s", region="us-east-1", cidr_block=cidr).subnet_cidr_blocks == blocks


def test_admin_host_adds_ssm_access_and_partitions():
    assert StackConfig(name="s", region="us-east-1", features=["training"], admin_host=True).features == (
        "training", "ssm-access")
    assert StackConfig(name="s", region="cn-north-1").partition == "aws-cn"
    assert StackConfig(name="s", region="us-gov-west-1").partition == "aws-us-gov"
    assert StackConfig(name="s", region="us-east-1", output_kms_key_id="alias/k").kms is True


def test_every_bad_field_is_reported_at_once():
    with pytest.raises(StackConfigError) as caught:
        StackConfig(name="1-bad name", region="tokyo", cidr_block="10.0.0.1/16", features=["gpu"],
                    admin_ami="ami-xyz", colour="blue")
    got = {e.field: (e.found, e.expected) for e in caught.value.errors}
    assert got["name"] == ("1-bad name", "1 to 28 characters: a letter, then letters, digits and '-' "
                                         "(used in resource names)")
    assert got["region"][0] == "tokyo"
    assert got["cidr_block"] == ("10.0.0.1/16", "an IPv4 network in CIDR notation from /16 to /27 (e.g. "
                                                "'10.0.0.0/16'), written with its network address")
    assert got["features"][1].startswith("features has 'gpu', which is not a feature")
    assert got["admin_ami"][0] == "ami-xyz"
    assert got["colour"][1].startswith("no such field; valid fields: name, region, cidr_block")
    assert str(caught.value).startswith("Stack configuration is invalid (6 problem(s)):\n  - ")


@pytest.mark.parametrize("cidr", ["10.0.0.0/8", "10.0.0.0/28", "fd00::/48", "nonsense"])
def test_cidr_sizes(cidr):
    with pytest.raises(StackConfigError, match="cidr_block"):
        StackConfig(name="s", region="us-east-1", cidr_block=cidr)


def test_missing_fields():
    with pytest.raises(StackConfigError) as caught:
        StackConfig()
    assert [(e.field, e.found) for e in caught.value.errors] == [("name", MISSING), ("region", MISSING)]


def _sids(documents):
    return [s.get("Sid") for d in documents for s in d["Statement"]]


def test_render_policies_gives_the_execution_role_a_guardrail_without_the_vpce_deny():
    docs = render_policies(PROFILE)
    assert sorted(docs) == ["developer", "execution-role", "guardrail", "guardrail-role", "pass-role"]
    assert "DenyOutsideVpcEndpoints" in _sids(docs["guardrail"])
    assert "DenyOutsideVpcEndpoints" not in _sids(docs["guardrail-role"])
    # Everything else of the guardrail is on the role too.
    assert [s for s in _sids(docs["guardrail"]) if s != "DenyOutsideVpcEndpoints"] == _sids(docs["guardrail-role"])
    assert execution_role_policy_keys(docs) == ("guardrail-role", "pass-role", "execution-role")
    (execution,) = docs["execution-role"]
    assert "ec2:CreateNetworkInterface" in str(execution)  # F13


def test_render_policies_without_vpc_endpoints_has_one_guardrail():
    docs = render_policies(PROFILE.model_copy(update={"vpc_endpoint_ids": ()}))
    assert "guardrail-role" not in docs
    assert execution_role_policy_keys(docs) == ("guardrail", "pass-role", "execution-role")


def test_retry_delays_double_up_to_the_cap():
    policy = RetryPolicy(base_delay=1.0, max_delay=5.0)
    assert [policy.delay(i) for i in range(5)] == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_action_and_plan_rendering():
    a = Action("create", "subnet", "ifsm-subnet-1", None, "10.0.0.0/24 in us-east-1a, private")
    k = Action("keep", "VPC", "ifsm-vpc", "vpc-1")
    assert a.line() == "create subnet ifsm-subnet-1: 10.0.0.0/24 in us-east-1a, private"
    assert k.line() == "keep VPC ifsm-vpc (vpc-1)"
    plan = Plan("ifsm", "up", (k, a))
    assert plan.changes == (a,)
    assert plan.as_dict()["changes"] == 1


def test_infra_error_message():
    e = InfraError("DeleteSubnet subnet-1", "DependencyViolation: in use (after 8 attempts)", "Re-run down.")
    assert str(e) == "DeleteSubnet subnet-1 failed: DependencyViolation: in use (after 8 attempts). Re-run down."
    assert e.action == "DeleteSubnet subnet-1"
