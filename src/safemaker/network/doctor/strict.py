"""The strict F08 check as a :class:`~safemaker.errors.ProfileError`: :func:`assert_closed`,
:func:`load_closed`.
"""

from __future__ import annotations

from typing import Any

from safemaker.errors import ProfileError, ProfileFieldError
from safemaker.network.doctor._reading import _Failed, _describe
from safemaker.network.doctor.routes import _read_prefix_lists, _route_table_of, _routed_prefix_lists, _ways_out


def assert_closed(profile: Any, ec2_client: Any) -> None:
    """Refuse a profile whose subnets are not closed (F08), as a ProfileError.

    Each subnet must exist, belong to ``profile.vpc_id``, and its route
    table (explicit association, else the main table) must have no way out
    (see :func:`run`, check ``subnet.closed``). Two EC2 calls:
    ``DescribeSubnets`` and ``DescribeRouteTables``, both filtered, plus
    ``GetManagedPrefixListEntries`` for each managed prefix list a route
    sends to a target outside the VPC (one it cannot read is a way out).

    Parameters
    ----------
    profile : safemaker.profile.VpcProfile
    ec2_client : botocore EC2 client

    Raises
    ------
    safemaker.errors.ProfileError
        ``source`` is ``"ec2:<vpc_id>"``; one error per bad subnet
        (``subnets.<index>``: the subnet ID, and the route that opens it),
        or one ``(source)`` error when a Describe call failed.
    """
    source = f"ec2:{profile.vpc_id}"
    try:
        subnets = {s["SubnetId"]: s for s in _describe(
            ec2_client, "describe_subnets", "Subnets",
            Filters=[{"Name": "subnet-id", "Values": list(profile.subnets)}])}
        tables = _describe(ec2_client, "describe_route_tables", "RouteTables",
                           Filters=[{"Name": "vpc-id", "Values": [profile.vpc_id]}])
    except _Failed as exc:
        raise ProfileError(source, [ProfileFieldError(
            "(source)", exc.reason,
            f"a successful {exc.operation}: allow ec2:DescribeSubnets and "
            "ec2:DescribeRouteTables and make EC2 reachable")]) from None
    prefix_lists = _read_prefix_lists(ec2_client, _routed_prefix_lists(tables))
    errors: list[ProfileFieldError] = []
    for index, subnet_id in enumerate(profile.subnets):
        subnet = subnets.get(subnet_id)
        where = f"subnets.{index}"
        if subnet is None:
            errors.append(ProfileFieldError(where, subnet_id,
                                            f"an existing subnet of {profile.vpc_id} in {profile.region}"))
            continue
        if subnet.get("VpcId") != profile.vpc_id:
            errors.append(ProfileFieldError(where, subnet_id,
                                            f"a subnet of {profile.vpc_id}; it belongs to {subnet.get('VpcId')}"))
            continue
        table, is_main = _route_table_of(subnet_id, profile.vpc_id, tables)
        if table is None:
            errors.append(ProfileFieldError(where, subnet_id,
                                            f"a subnet with a route table; none found in {profile.vpc_id}"))
            continue
        ways = _ways_out(table, prefix_lists)
        if ways:
            which = f"{table['RouteTableId']} (main)" if is_main else table["RouteTableId"]
            errors.append(ProfileFieldError(
                where, subnet_id,
                f"a closed subnet; its route table {which} sends {'; '.join(ways)}: remove that "
                "route or use a private subnet"))
    if errors:
        raise ProfileError(source, errors)


def load_closed(source: Any = None, *, ec2_client: Any, **load_kwargs: Any) -> Any:
    """Load a profile and refuse it unless its subnets are closed (strict load).

    Parameters
    ----------
    source : str, os.PathLike, VpcProfile or None
        As :func:`safemaker.profile.resolve_profile`.
    ec2_client : botocore EC2 client
        For :func:`assert_closed`.
    **load_kwargs
        Passed to :meth:`safemaker.profile.VpcProfile.load`.

    Returns
    -------
    safemaker.profile.VpcProfile

    Raises
    ------
    safemaker.errors.ProfileError
        The profile is invalid, or a subnet is not closed (F08).
    """
    from safemaker.profile import resolve_profile

    profile = resolve_profile(source, **load_kwargs)
    assert_closed(profile, ec2_client)
    return profile
