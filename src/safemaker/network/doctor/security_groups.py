"""Security groups: tcp/443 between the profile's groups and the endpoints', all traffic to itself for
distributed training, no other egress.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Iterable, Sequence

from safemaker.network.doctor._reading import _State, _unknown_fix
from safemaker.network.doctor.report import Check, OK, PROBLEM, UNKNOWN
from safemaker.network.endpoints import SELF_REFERENCE_FEATURES


def _allows_port(perm: dict[str, Any], port: int = 443) -> bool:
    proto = str(perm.get("IpProtocol", ""))
    if proto == "-1":
        return True
    if proto not in ("tcp", "6"):
        return False
    low, high = perm.get("FromPort"), perm.get("ToPort")
    return low is not None and high is not None and int(low) <= port <= int(high)


def _all_traffic(perm: dict[str, Any]) -> bool:
    return str(perm.get("IpProtocol", "")) == "-1"


def _pair_groups(perm: dict[str, Any]) -> set[str]:
    return {p["GroupId"] for p in perm.get("UserIdGroupPairs", []) if p.get("GroupId")}


def _networks(perm: dict[str, Any]) -> list[ipaddress._BaseNetwork]:
    nets: list[ipaddress._BaseNetwork] = []
    for item in perm.get("IpRanges", []):
        try:
            nets.append(ipaddress.ip_network(item["CidrIp"], strict=False))
        except (KeyError, ValueError):
            continue
    for item in perm.get("Ipv6Ranges", []):
        try:
            nets.append(ipaddress.ip_network(item["CidrIpv6"], strict=False))
        except (KeyError, ValueError):
            continue
    return nets


def _covers(nets: Sequence[ipaddress._BaseNetwork], targets: Sequence[ipaddress._BaseNetwork]) -> bool:
    """Whether every target network lies inside one of ``nets``."""
    if not targets:
        return False
    return all(
        any(t.version == n.version and t.subnet_of(n) for n in nets)  # type: ignore[arg-type]
        for t in targets
    )


def _describe_perm(perm: dict[str, Any]) -> str:
    proto = str(perm.get("IpProtocol", ""))
    if proto == "-1":
        return "all traffic"
    name = {"6": "tcp", "17": "udp", "1": "icmp"}.get(proto, proto)
    low, high = perm.get("FromPort"), perm.get("ToPort")
    if low is None or low == -1:
        return name
    return f"{name}/{low}" if low == high else f"{name}/{low}-{high}"


def _sg_allows(
    perms: Iterable[dict[str, Any]],
    groups: set[str],
    cidrs: Sequence[ipaddress._BaseNetwork],
    *,
    all_traffic: bool = False,
) -> bool:
    for perm in perms:
        if all_traffic and not _all_traffic(perm):
            continue
        if not all_traffic and not _allows_port(perm):
            continue
        if _pair_groups(perm) & groups or _covers(_networks(perm), cidrs):
            return True
    return False


def _subnet_networks(subnets: Iterable[dict[str, Any]]) -> list[ipaddress._BaseNetwork]:
    nets: list[ipaddress._BaseNetwork] = []
    for subnet in subnets:
        try:
            nets.append(ipaddress.ip_network(subnet["CidrBlock"], strict=False))
        except (KeyError, ValueError):
            continue
    return nets


def _group_checks(profile: Any, features: tuple[str, ...], state: _State) -> list[Check]:
    out: list[Check] = []
    vpc_id = profile.vpc_id
    if "DescribeSecurityGroups" in state.failed:
        for group_id in profile.security_group_ids:
            out.append(Check("sg.exists", group_id, UNKNOWN,
                             f"DescribeSecurityGroups failed ({state.failed['DescribeSecurityGroups']})",
                             _unknown_fix("DescribeSecurityGroups")))
        return out
    endpoint_groups = {g["GroupId"] for e in state.endpoints for g in e.get("Groups", [])
                       if str(e.get("VpcEndpointType", "")).lower() == "interface"}
    profile_subnets = [state.subnets[s] for s in profile.subnets if s in state.subnets]
    profile_nets = _subnet_networks(profile_subnets)
    self_ref_needed = sorted(SELF_REFERENCE_FEATURES & set(features))
    s3_list = state.s3_prefix_list
    for group_id in profile.security_group_ids:
        group = state.groups.get(group_id)
        if group is None:
            out.append(Check("sg.exists", group_id, PROBLEM, f"{group_id} does not exist",
                             f"Fix security_group_ids in the profile (aws ec2 describe-security-groups "
                             f"--filters Name=vpc-id,Values={vpc_id})"))
            continue
        if group.get("VpcId") != vpc_id:
            out.append(Check("sg.exists", group_id, PROBLEM,
                             f"{group_id} belongs to {group.get('VpcId')}, not to {vpc_id}",
                             f"Use a security group of {vpc_id} in the profile"))
            continue
        out.append(Check("sg.exists", group_id, OK, f"{group_id} ({group.get('GroupName')}) is in {vpc_id}"))
        if self_ref_needed:
            inbound = _sg_allows(group.get("IpPermissions", []), {group_id}, profile_nets,
                                 all_traffic=True)
            outbound = _sg_allows(group.get("IpPermissionsEgress", []), {group_id}, profile_nets,
                                  all_traffic=True)
            if inbound and outbound:
                out.append(Check("sg.self-reference", group_id, OK,
                                 f"{group_id} allows all traffic from and to itself"))
            else:
                gaps = [d for d, ok in (("from itself (inbound)", inbound),
                                        ("to itself (outbound)", outbound)) if not ok]
                fixes = []
                if not inbound:
                    fixes.append(f"aws ec2 authorize-security-group-ingress --group-id {group_id} "
                                 f"--protocol all --source-group {group_id}")
                if not outbound:
                    fixes.append(f"aws ec2 authorize-security-group-egress --group-id {group_id} "
                                 f"--ip-permissions IpProtocol=-1,UserIdGroupPairs=[{{GroupId={group_id}}}]")
                out.append(Check("sg.self-reference", group_id, PROBLEM,
                                 f"{group_id} does not allow all traffic {' nor '.join(gaps)}; "
                                 f"distributed training ({', '.join(self_ref_needed)}) needs the "
                                 "instances of a job to reach each other",
                                 "; ".join(fixes)))
        extra: list[str] = []
        for perm in group.get("IpPermissionsEgress", []):
            what = _describe_perm(perm)
            for pair in perm.get("UserIdGroupPairs", []):
                target = pair.get("GroupId")
                if target != group_id and target not in endpoint_groups:
                    extra.append(f"{what} to {target}")
            for pl in perm.get("PrefixListIds", []):
                if s3_list is None or pl.get("PrefixListId") != s3_list:
                    extra.append(f"{what} to {pl.get('PrefixListId')}")
            for item in perm.get("IpRanges", []):
                extra.append(f"{what} to {item.get('CidrIp')}")
            for item in perm.get("Ipv6Ranges", []):
                extra.append(f"{what} to {item.get('CidrIpv6')}")
        if extra:
            allowed = f"the S3 prefix list {s3_list}" if s3_list else "the S3 prefix list"
            out.append(Check("sg.egress", group_id, PROBLEM,
                             f"{group_id} allows egress {'; '.join(extra)}: only the endpoints' "
                             f"security groups, {allowed} and {group_id} itself are expected",
                             f"Revoke those rules (aws ec2 revoke-security-group-egress --group-id "
                             f"{group_id} --ip-permissions ...) and allow tcp/443 to the endpoints' "
                             f"security groups and {allowed}"))
        else:
            out.append(Check("sg.egress", group_id, OK,
                             f"{group_id} allows egress only to endpoints, S3 and itself"))
    return out
