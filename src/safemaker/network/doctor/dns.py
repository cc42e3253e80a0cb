"""DNS: the VPC's ``enableDnsSupport`` and ``enableDnsHostnames`` and its DHCP options set (F12)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from safemaker.network.doctor._reading import _State, _describe, _error_code, _fetch, _unknown_fix
from safemaker.network.doctor.report import Check, OK, PROBLEM, UNKNOWN
from safemaker.network.endpoints import dhcp_domain_name


def _vpc_dns_checks(ec2: Any, vpc_id: str) -> list[Check]:
    """``vpc.dns-support`` and ``vpc.dns-hostnames``: both attributes on (private DNS of interface endpoints)."""
    checks: list[Check] = []
    for attribute, key, flag in (
        ("enableDnsSupport", "EnableDnsSupport", "enable-dns-support"),
        ("enableDnsHostnames", "EnableDnsHostnames", "enable-dns-hostnames"),
    ):
        check_id = "vpc." + flag.removeprefix("enable-")
        try:
            value = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attribute)[key]["Value"]
        except (ClientError, BotoCoreError, ResponseParserError, KeyError) as exc:
            checks.append(Check(check_id, vpc_id, UNKNOWN,
                                f"DescribeVpcAttribute failed for {attribute} ({_error_code(exc)})",
                                _unknown_fix("DescribeVpcAttribute")))
            continue
        if value:
            checks.append(Check(check_id, vpc_id, OK, f"{attribute} is true"))
        else:
            checks.append(Check(
                check_id, vpc_id, PROBLEM,
                f"{attribute} is false: the private DNS names of interface endpoints do not "
                "resolve, so SDK calls go to public names and time out",
                f"aws ec2 modify-vpc-attribute --vpc-id {vpc_id} --{flag} "
                "'{\"Value\":true}'"))
    return checks


def _dhcp_checks(ec2: Any, vpc: dict[str, Any], region: str, state: _State) -> list[Check]:
    vpc_id = vpc["VpcId"]
    dopt = vpc.get("DhcpOptionsId")
    domain = dhcp_domain_name(region)
    create_fix = (
        f"Create a DHCP options set with domain-name {domain} and domain-name-servers "
        f"AmazonProvidedDNS and associate it (aws ec2 create-dhcp-options --dhcp-configurations "
        f"Key=domain-name,Values={domain} Key=domain-name-servers,Values=AmazonProvidedDNS; "
        f"aws ec2 associate-dhcp-options --vpc-id {vpc_id} --dhcp-options-id <dopt-id>)"
    )
    if not dopt or dopt == "default":
        return [Check("vpc.dhcp-options", vpc_id, PROBLEM,
                      f"{vpc_id} has no DHCP options set (DhcpOptionsId {dopt or 'absent'!s}): "
                      "no domain-name and no domain-name-servers, so SageMaker VPC jobs fail "
                      "to start", create_fix)]
    sets = _fetch(state, "DescribeDhcpOptions", lambda: _describe(
        ec2, "describe_dhcp_options", "DhcpOptions",
        Filters=[{"Name": "dhcp-options-id", "Values": [dopt]}]))
    if sets is None:
        return [Check("vpc.dhcp-options", dopt, UNKNOWN,
                      f"DescribeDhcpOptions failed ({state.failed['DescribeDhcpOptions']})",
                      _unknown_fix("DescribeDhcpOptions"))]
    if not sets:
        return [Check("vpc.dhcp-options", dopt, PROBLEM,
                      f"{vpc_id} names DHCP options set {dopt}, which does not exist", create_fix)]
    state.dhcp = sets[0]
    config = {
        c.get("Key"): [v.get("Value") for v in c.get("Values", [])]
        for c in state.dhcp.get("DhcpConfigurations", [])
    }
    missing = [k for k in ("domain-name", "domain-name-servers") if not config.get(k)]
    if missing:
        have = [k for k in ("domain-name", "domain-name-servers") if config.get(k)]
        detail = (
            f"{dopt} has {' and '.join(have) if have else 'neither key'} but no "
            f"{' and no '.join(missing)}: SageMaker VPC jobs fail to start"
        )
        return [Check("vpc.dhcp-options", dopt, PROBLEM, detail, create_fix)]
    return [Check("vpc.dhcp-options", dopt, OK,
                  f"domain-name {', '.join(config['domain-name'])}; domain-name-servers "
                  f"{', '.join(config['domain-name-servers'])}")]
