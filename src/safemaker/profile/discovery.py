"""Discovery: the profile fields of an existing VPC, from what EC2 reports.

Used by :meth:`VpcProfile.discover <safemaker.profile.VpcProfile.discover>`.

References
----------
Amazon EC2 API Reference: DescribeVpcs, DescribeSubnets, DescribeSecurityGroups
(https://docs.aws.amazon.com/AWSEC2/latest/APIReference/).
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from safemaker.errors import ProfileError, ProfileFieldError, aws_error

from .fields import WORDS, id_pattern
from .reporting import Text, source_error


def discover_fields(
    ec2_client: Any,
    vpc_id: str,
    security_group_ids: str | Sequence[str],
    *,
    execution_role_arn: str,
    region: str | None = None,
    **other_fields: Any,
) -> tuple[str, dict[str, Any]]:
    """``(source, profile fields)`` of ``vpc_id``: its subnets, sorted, and the fields given.

    The parameters are those of :meth:`VpcProfile.discover
    <safemaker.profile.VpcProfile.discover>`; ``source`` is ``"ec2:<vpc_id>"``
    and ``region`` defaults to the client's. The fields are not validated here
    (the model does that).

    Calls ``DescribeVpcs`` (the VPC must exist), ``DescribeSubnets`` with a
    ``vpc-id`` filter (every page) and ``DescribeSecurityGroups`` with a
    ``group-id`` filter (each group must exist and belong to the VPC), through
    botocore's paginators.

    Raises
    ------
    safemaker.errors.ProfileError
        Malformed IDs (before any call), unknown VPC, a VPC without subnets,
        a missing or foreign security group, an EC2 error (by code only); every
        problem found is listed.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    source = f"ec2:{vpc_id}"
    if isinstance(security_group_ids, str):
        security_group_ids = [security_group_ids]
    groups = list(security_group_ids)
    region = region or getattr(getattr(ec2_client, "meta", None), "region_name", None)

    # Well-formed IDs first: EC2 answers malformed IDs with a generic error.
    shape = shape_errors(vpc_id, groups)
    if shape:
        raise ProfileError(source, shape)

    def _ec2_error(operation: str, exc: Exception) -> ProfileError:
        what, _ = aws_error(exc)  # the error code, or the class of a BotoCoreError
        return source_error(
            source,
            "(source)",
            Text(f"{operation} failed ({what})"),
            f"permission for ec2:{operation} and a reachable EC2 endpoint",
        )

    problems: list[ProfileFieldError] = []
    try:
        vpcs = ec2_client.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}]).get(
            "Vpcs", []
        )
    except (ClientError, BotoCoreError) as exc:
        raise _ec2_error("DescribeVpcs", exc) from None
    if not vpcs:
        raise source_error(
            source,
            "vpc_id",
            vpc_id,
            f"an existing VPC in {region or 'the client region'}; check the ID and the "
            "region (aws ec2 describe-vpcs)",
        )

    subnets: list[str] = []
    try:
        for page in ec2_client.get_paginator("describe_subnets").paginate(
            Filters=[{"Name": "vpc-id", "Values": [vpc_id]}]
        ):
            subnets.extend(s["SubnetId"] for s in page.get("Subnets", []))
    except (ClientError, BotoCoreError) as exc:
        raise _ec2_error("DescribeSubnets", exc) from None
    subnets = sorted(set(subnets))
    if not subnets:
        problems.append(
            ProfileFieldError(
                "subnets",
                [],
                f"at least one subnet in {vpc_id}: create private subnets in the VPC "
                "(aws ec2 create-subnet) or pass another VPC",
            )
        )

    found: dict[str, str | None] = {}
    try:
        pages = ec2_client.get_paginator("describe_security_groups").paginate(
            Filters=[{"Name": "group-id", "Values": groups}]
        )
        for page in pages:
            for group in page.get("SecurityGroups", []):
                found[group["GroupId"]] = group.get("VpcId")
    except (ClientError, BotoCoreError) as exc:
        raise _ec2_error("DescribeSecurityGroups", exc) from None
    for index, group_id in enumerate(groups):
        if group_id not in found:
            problems.append(
                ProfileFieldError(
                    f"security_group_ids.{index}",
                    group_id,
                    f"an existing security group of {vpc_id}; check the ID "
                    f"(aws ec2 describe-security-groups --filters Name=vpc-id,Values={vpc_id})",
                )
            )
        elif found[group_id] != vpc_id:
            problems.append(
                ProfileFieldError(
                    f"security_group_ids.{index}",
                    group_id,
                    f"a security group of {vpc_id}; it belongs to {found[group_id]}: "
                    f"pick a group of {vpc_id} or create one there",
                )
            )
    if problems:
        raise ProfileError(source, problems)

    data = {
        "region": region,
        "vpc_id": vpc_id,
        "subnets": subnets,
        "security_group_ids": groups,
        "execution_role_arn": execution_role_arn,
        **other_fields,
    }
    if data["region"] is None:
        del data["region"]
    return source, data


def shape_errors(vpc_id: str, groups: list[str]) -> list[ProfileFieldError]:
    """Malformed ``vpc_id`` / security group IDs, and a group count outside 1 to 5 (before any EC2 call)."""
    errors = []
    if not isinstance(vpc_id, str) or not re.fullmatch(id_pattern("vpc"), vpc_id):
        errors.append(ProfileFieldError("vpc_id", vpc_id, WORDS["vpc_id"].whole))
    if not 1 <= len(groups) <= 5:
        errors.append(
            ProfileFieldError("security_group_ids", groups, WORDS["security_group_ids"].whole)
        )
    for index, group in enumerate(groups):
        if not isinstance(group, str) or not re.fullmatch(id_pattern("sg"), group):
            errors.append(
                ProfileFieldError(
                    f"security_group_ids.{index}", group, WORDS["security_group_ids"].element
                )
            )
    return errors
