""":func:`run`: the batched Describe calls (:data:`EC2_CALLS`) and every check of the report, in order."""

from __future__ import annotations

from typing import Any, Iterable

from safemaker.network.doctor._reading import _GONE_STATES, _State, _describe, _fetch, _unknown_fix
from safemaker.network.doctor.dns import _dhcp_checks, _vpc_dns_checks
from safemaker.network.doctor.endpoints import _endpoint_checks, _profile_endpoint_checks
from safemaker.network.doctor.nacls import _nacl_checks, _read_s3_cidrs
from safemaker.network.doctor.report import Check, OK, PROBLEM, Report, UNKNOWN
from safemaker.network.doctor.role import _role_check
from safemaker.network.doctor.routes import _read_prefix_lists, _routed_prefix_lists, _subnet_checks
from safemaker.network.doctor.security_groups import _group_checks
from safemaker.network.endpoints import ENDPOINTS, S3_GATEWAY, parse_features


EC2_CALLS: tuple[str, ...] = (
    "DescribeVpcs",
    "DescribeVpcAttribute",
    "DescribeVpcAttribute",
    "DescribeDhcpOptions",
    "DescribeVpcEndpoints",
    "DescribeSubnets",
    "DescribeRouteTables",
    "DescribeSecurityGroups",
    "DescribePrefixLists",
    "DescribeNetworkAcls",
    "GetManagedPrefixListEntries",
)
"""The EC2 calls one :func:`run` makes at most (plus more pages of the same call only
past 1000 results, and one ``GetManagedPrefixListEntries`` per managed prefix list that a
route of the VPC sends to a target outside the VPC): the count does not grow with subnets
or endpoints."""


def run(
    profile: Any,
    features: Iterable[str] | str | None = None,
    *,
    ec2_client: Any,
    iam_client: Any = None,
) -> Report:
    """Check that the profile's VPC is a closed network with what ``features`` need.

    Parameters
    ----------
    profile : safemaker.profile.VpcProfile
        The VPC, subnets, security groups, role and keys to check.
    features : iterable of str or str, optional
        Feature names of :data:`safemaker.network.endpoints.FEATURES`;
        default :data:`~safemaker.network.endpoints.DEFAULT_FEATURES`
        (notebook, training, hosting).
    ec2_client : botocore EC2 client
        Client in the profile's region. Calls at most :data:`EC2_CALLS`
        (``DescribeVpcs``, ``DescribeVpcAttribute`` twice,
        ``DescribeDhcpOptions``, ``DescribeVpcEndpoints``,
        ``DescribeSubnets``, ``DescribeRouteTables``,
        ``DescribeSecurityGroups``, ``DescribePrefixLists``,
        ``DescribeNetworkAcls``, and ``GetManagedPrefixListEntries`` for
        the S3 prefix list's CIDRs when DescribePrefixLists does not list
        them, and for each managed prefix list a route sends to a target
        outside the VPC, every page), each with filters, whatever the
        number of subnets or endpoints.
    iam_client : botocore IAM client, optional
        When given, the execution role's ENI permissions are checked with
        ``SimulatePrincipalPolicy`` (one call). IAM has no VPC endpoint: in a
        closed network, leave it out (the check is then listed in
        ``Report.skipped``).

    Returns
    -------
    Report
        One :class:`Check` per line. A failed Describe call makes the checks
        that need its data ``unknown`` (never ``ok``).

    Raises
    ------
    safemaker.network.endpoints.FeatureError
        A feature name is unknown.

    References
    ----------
    Amazon EC2 API Reference: DescribeVpcs, DescribeVpcAttribute,
    DescribeDhcpOptions, DescribeVpcEndpoints, DescribeSubnets,
    DescribeRouteTables, DescribeSecurityGroups, DescribePrefixLists,
    DescribeNetworkAcls, GetManagedPrefixListEntries.
    IAM API Reference: SimulatePrincipalPolicy.
    """
    chosen = parse_features(features)
    region = profile.region
    vpc_id = profile.vpc_id
    checks: list[Check] = []
    skipped: list[str] = []
    add = checks.append
    ec2 = ec2_client
    state = _State()

    def report() -> Report:
        return Report(vpc_id, region, chosen, tuple(checks), tuple(skipped))

    # ---- the VPC
    vpcs = _fetch(state, "DescribeVpcs", lambda: _describe(
        ec2, "describe_vpcs", "Vpcs", Filters=[{"Name": "vpc-id", "Values": [vpc_id]}]))
    if vpcs is None:
        add(Check("vpc.exists", vpc_id, UNKNOWN,
                  f"DescribeVpcs failed ({state.failed['DescribeVpcs']}): nothing could be checked",
                  _unknown_fix("DescribeVpcs")))
        return report()
    if not vpcs:
        add(Check("vpc.exists", vpc_id, PROBLEM, f"{vpc_id} does not exist in {region}",
                  f"Set vpc_id in the profile to the closed network's VPC "
                  f"(aws ec2 describe-vpcs --region {region})"))
        return report()
    vpc = state.vpc = vpcs[0]
    cidrs = [a.get("CidrBlock") for a in vpc.get("CidrBlockAssociationSet", [])] or [vpc.get("CidrBlock")]
    add(Check("vpc.exists", vpc_id, OK, f"{vpc_id} exists ({', '.join(c for c in cidrs if c)})"))

    checks.extend(_vpc_dns_checks(ec2, vpc_id))
    checks.extend(_dhcp_checks(ec2, vpc, region, state))

    # ---- batched reads
    endpoints = _fetch(state, "DescribeVpcEndpoints", lambda: _describe(
        ec2, "describe_vpc_endpoints", "VpcEndpoints",
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}]))
    state.endpoints = [
        e for e in (endpoints or []) if str(e.get("State", "")).lower() not in _GONE_STATES
    ]
    endpoint_subnets = {s for e in state.endpoints for s in e.get("SubnetIds") or []}
    subnet_ids = list(dict.fromkeys([*profile.subnets, *sorted(endpoint_subnets)]))
    subnets = _fetch(state, "DescribeSubnets", lambda: _describe(
        ec2, "describe_subnets", "Subnets",
        Filters=[{"Name": "subnet-id", "Values": subnet_ids}]))
    state.subnets = {s["SubnetId"]: s for s in subnets or []}
    tables = _fetch(state, "DescribeRouteTables", lambda: _describe(
        ec2, "describe_route_tables", "RouteTables",
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}]))
    state.tables = tables or []
    # A prefix list that a route sends outside the VPC stands for its entries (fail closed if unread).
    state.prefix_lists = _read_prefix_lists(ec2, _routed_prefix_lists(state.tables))
    endpoint_groups = {g["GroupId"] for e in state.endpoints for g in e.get("Groups", [])}
    group_ids = list(dict.fromkeys([*profile.security_group_ids, *sorted(endpoint_groups)]))
    groups = _fetch(state, "DescribeSecurityGroups", lambda: _describe(
        ec2, "describe_security_groups", "SecurityGroups",
        Filters=[{"Name": "group-id", "Values": group_ids}]))
    state.groups = {g["GroupId"]: g for g in groups or []}
    s3_name = ENDPOINTS[S3_GATEWAY].service_name(region)
    prefix_lists = _fetch(state, "DescribePrefixLists", lambda: _describe(
        ec2, "describe_prefix_lists", "PrefixLists",
        Filters=[{"Name": "prefix-list-name", "Values": [s3_name]}]))
    s3_list = next((p for p in prefix_lists or [] if p.get("PrefixListName") == s3_name), None)
    state.s3_prefix_list = s3_list["PrefixListId"] if s3_list else None
    acls = _fetch(state, "DescribeNetworkAcls", lambda: _describe(
        ec2, "describe_network_acls", "NetworkAcls",
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}]))
    state.nacls = acls or []
    _read_s3_cidrs(ec2, s3_name, s3_list, state)

    checks.extend(_subnet_checks(profile, chosen, state))
    checks.extend(_endpoint_checks(profile, chosen, state))
    checks.extend(_group_checks(profile, chosen, state))
    checks.extend(_nacl_checks(profile, chosen, state))
    checks.extend(_profile_endpoint_checks(profile, state))

    if iam_client is None:
        skipped.append(
            "role.eni-permissions: no IAM client (IAM has no VPC endpoint; pass iam_client, "
            "or --check-role in the CLI, where IAM is reachable)")
    else:
        add(_role_check(profile.execution_role_arn, iam_client))
    return report()
