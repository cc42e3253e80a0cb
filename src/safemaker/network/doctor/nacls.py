"""Network ACLs: evaluated as AWS does (:func:`evaluate_network_acl`, stateless, rule order), tcp/443
out and ephemeral ports back, to the endpoints' subnets and the S3 prefix list's CIDRs.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Iterable, Literal, Sequence

from safemaker.errors import InputError
from safemaker.network.doctor._reading import _State, _describe, _fetch, _required_interface_endpoints, _unknown_fix
from safemaker.network.doctor.report import Check, OK, PROBLEM, UNKNOWN


EPHEMERAL_PORTS: tuple[int, int] = (1024, 65535)
"""The return ports checked for NACL return traffic (inclusive). Linux clients use
32768-60999 and the endpoints' side is not documented: AWS recommends allowing 1024-65535."""

HTTPS_PORT = 443

_PROTOCOL_NUMBERS = {"-1": "-1", "all": "-1", "tcp": "6", "udp": "17", "icmp": "1"}

_DEFAULT_DENY_RULE = 32767


@dataclass(frozen=True)
class NaclPart:
    """A piece of a flow and the network ACL entry that decided it.

    Attributes
    ----------
    cidr : str
        The addresses of this piece (inside the flow's CIDR).
    from_port, to_port : int
        Its ports (inclusive; inside the flow's port range).
    rule_number : int or None
        ``RuleNumber`` of the deciding entry; None for the implicit final
        deny (rule ``*``) when no entry matched.
    action : {"allow", "deny"}
        The entry's ``RuleAction``.
    """

    cidr: str
    from_port: int
    to_port: int
    rule_number: int | None
    action: Literal["allow", "deny"]

    @property
    def rule_label(self) -> str:
        """``"*"`` for the final deny (implicit, or the listed rule 32767), else the rule number."""
        if self.rule_number is None or self.rule_number == _DEFAULT_DENY_RULE:
            return "*"
        return str(self.rule_number)


@dataclass(frozen=True)
class NaclVerdict:
    """What a network ACL does with one flow (see :func:`evaluate_network_acl`).

    Attributes
    ----------
    egress : bool
        True for outbound entries (``Egress: true``).
    cidr : str
        The remote addresses of the flow (destination when ``egress``, source otherwise).
    from_port, to_port : int
        The flow's ports (inclusive).
    protocol : str
        IANA protocol number (``"6"`` tcp).
    parts : tuple of NaclPart
        The flow cut into pieces, each decided by one entry, in rule order.
        One part when a single entry decides the whole flow.
    """

    egress: bool
    cidr: str
    from_port: int
    to_port: int
    protocol: str
    parts: tuple[NaclPart, ...]

    @property
    def allowed(self) -> bool:
        """True when every part of the flow is allowed."""
        return all(p.action == "allow" for p in self.parts)

    @property
    def denied(self) -> tuple[NaclPart, ...]:
        """The parts that are denied, in rule order."""
        return tuple(p for p in self.parts if p.action == "deny")

    @property
    def rule_numbers(self) -> tuple[int | None, ...]:
        """The deciding rule numbers, ascending, without repeats (None, the implicit deny, last)."""
        numbers = {p.rule_number for p in self.parts}
        return tuple(sorted(n for n in numbers if n is not None)) + ((None,) if None in numbers else ())


def _protocol_number(value: Any) -> str:
    text = str(value).strip().lower()
    return _PROTOCOL_NUMBERS.get(text, text)


def _entry_network(entry: dict[str, Any]) -> ipaddress._BaseNetwork | None:
    cidr = entry.get("CidrBlock") or entry.get("Ipv6CidrBlock")
    if not cidr:
        return None
    try:
        return ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return None


def _entry_ports(entry: dict[str, Any], rule_protocol: str) -> tuple[int, int]:
    """The entry's ports: its PortRange for tcp/udp (all when absent); all for -1 (AWS ignores it)."""
    if rule_protocol not in ("6", "17"):
        return 0, 65535
    port_range = entry.get("PortRange") or {}
    low, high = port_range.get("From"), port_range.get("To")
    if low is None or high is None:
        return 0, 65535
    return int(low), int(high)


def evaluate_network_acl(
    entries: Iterable[dict[str, Any]],
    *,
    egress: bool,
    cidr: str,
    from_port: int,
    to_port: int,
    protocol: str = "6",
) -> NaclVerdict:
    """Decide a flow as a network ACL does: ascending ``RuleNumber``, first match wins.

    Only the entries of the flow's direction (``Egress``) are read. An entry
    matches the addresses of its ``CidrBlock`` (IPv4) or ``Ipv6CidrBlock``
    (IPv6: never IPv4 traffic, and the reverse), its ``Protocol`` (``"-1"``
    all; else the same number) and, for tcp/udp, its ``PortRange`` (all
    ports when absent). Traffic no entry matches is denied (the final rule
    ``*``). An entry that matches only part of the flow (a narrower CIDR, a
    narrower port range) decides that part; the rest goes on to the next
    entries, so one flow can end in several :class:`NaclPart`.

    Parameters
    ----------
    entries : iterable of dict
        ``NetworkAcls[].Entries`` of EC2 ``DescribeNetworkAcls``
        (``RuleNumber``, ``Egress``, ``Protocol``, ``RuleAction``,
        ``CidrBlock`` / ``Ipv6CidrBlock``, ``PortRange``).
    egress : bool
        True for outbound traffic (destination ``cidr``), False for inbound
        (source ``cidr``).
    cidr : str
        The remote addresses, e.g. ``"10.0.1.0/24"`` (IPv4 or IPv6).
    from_port, to_port : int
        The ports of the flow, inclusive, 0-65535; ``from_port <= to_port``.
    protocol : str, default ``"6"``
        IANA number (``"6"`` tcp, ``"17"`` udp) or name (``"tcp"``, ``"udp"``).

    Returns
    -------
    NaclVerdict

    Raises
    ------
    safemaker.errors.InputError
        (a ``ValueError``) ``cidr`` is not a network, ``from_port`` is out of 0-65535, or
        ``to_port`` is below ``from_port`` or above 65535.

    References
    ----------
    Amazon VPC User Guide, "Control subnet traffic with network access
    control lists" (rule evaluation); EC2 API Reference, DescribeNetworkAcls.
    """
    try:
        target = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        raise InputError("cidr", cidr, "a CIDR block such as 10.0.1.0/24") from None
    if not (0 <= from_port <= to_port <= 65535):
        if not 0 <= from_port <= 65535:
            raise InputError("from_port", from_port, "a port from 0 to 65535")
        raise InputError("to_port", to_port, f"a port from from_port ({from_port}) to 65535")
    flow_protocol = _protocol_number(protocol)
    ordered = sorted(
        (e for e in entries if bool(e.get("Egress")) == egress),
        key=lambda e: int(e.get("RuleNumber", _DEFAULT_DENY_RULE)),
    )
    remaining: list[tuple[ipaddress._BaseNetwork, int, int]] = [(target, from_port, to_port)]
    parts: list[NaclPart] = []
    for entry in ordered:
        if not remaining:
            break
        rule_protocol = _protocol_number(entry.get("Protocol", ""))
        if rule_protocol not in ("-1", flow_protocol):
            continue
        net = _entry_network(entry)
        if net is None or net.version != target.version:
            continue
        low, high = _entry_ports(entry, rule_protocol)
        action: Literal["allow", "deny"] = "allow" if str(entry.get("RuleAction")).lower() == "allow" else "deny"
        number = int(entry.get("RuleNumber", _DEFAULT_DENY_RULE))
        left: list[tuple[ipaddress._BaseNetwork, int, int]] = []
        for piece, p_low, p_high in remaining:
            if not piece.overlaps(net) or high < p_low or low > p_high:  # type: ignore[arg-type]
                left.append((piece, p_low, p_high))
                continue
            inside = piece if piece.subnet_of(net) else net  # type: ignore[arg-type]
            if inside is net:  # the entry's CIDR is a strict part of the piece
                left.extend((rest, p_low, p_high) for rest in piece.address_exclude(net))  # type: ignore[arg-type]
            m_low, m_high = max(p_low, low), min(p_high, high)
            parts.append(NaclPart(str(inside), m_low, m_high, number, action))
            if p_low < m_low:
                left.append((inside, p_low, m_low - 1))
            if m_high < p_high:
                left.append((inside, m_high + 1, p_high))
        remaining = left
    parts.extend(NaclPart(str(piece), low, high, None, "deny") for piece, low, high in remaining)
    return NaclVerdict(egress, str(target), from_port, to_port, flow_protocol, tuple(parts))


def _ports_text(from_port: int, to_port: int) -> str:
    return f"tcp/{from_port}" if from_port == to_port else f"tcp {from_port}-{to_port}"


def _verdict_denials(verdict: NaclVerdict) -> str:
    """``"rule 90 denies tcp/443 out to 10.0.2.0/24"``; a partial denial says what part of what."""
    way = "out to" if verdict.egress else "in from"
    texts = []
    whole = _ports_text(verdict.from_port, verdict.to_port)
    for part in verdict.denied:
        rule = ("no rule allows it (final deny rule *)" if part.rule_number is None
                else f"rule {part.rule_label} denies it")
        piece = f"{_ports_text(part.from_port, part.to_port)} {way} {part.cidr}"
        if (part.cidr, part.from_port, part.to_port) == (verdict.cidr, verdict.from_port, verdict.to_port):
            texts.append(f"{piece}: {rule}")
        else:
            texts.append(f"{piece} (part of {whole} {way} {verdict.cidr}): {rule}")
    return "; ".join(texts)


def _nacl_fix(
    acl_id: str,
    entries: Sequence[dict[str, Any]],
    blocked: Sequence[NaclVerdict],
    reserved: set[tuple[str, bool, int]] | None = None,
) -> str:
    """The AWS CLI commands that allow each blocked flow: a new allow entry numbered below the
    first entry that denies part of it (``create-network-acl-entry``), or, when no number is
    free below it, that entry replaced by the allow (``replace-network-acl-entry``).

    ``reserved`` holds ``(acl_id, egress, rule_number)`` already given to the fixes of other
    lines of the same report; the numbers chosen here are added to it, so that running every
    fix of a report never creates the same entry twice."""
    commands = []
    reserved = set() if reserved is None else reserved
    used_by_direction = {
        egress: {int(e.get("RuleNumber", 0)) for e in entries if bool(e.get("Egress")) == egress}
        | {n for a, d, n in reserved if a == acl_id and d == egress}
        for egress in (True, False)
    }
    for verdict in blocked:
        direction = "--egress" if verdict.egress else "--ingress"
        used = used_by_direction[verdict.egress]
        explicit = [p.rule_number for p in verdict.denied
                    if p.rule_number is not None and p.rule_number != _DEFAULT_DENY_RULE]
        number: int | None
        verb = "create-network-acl-entry"
        if explicit:
            first_deny = min(explicit)
            number = next((n for n in range(first_deny - 1, 0, -1) if n not in used), None)
            if number is None:
                number, verb = first_deny, "replace-network-acl-entry"
        else:
            top = max((n for n in used if n < _DEFAULT_DENY_RULE), default=0)
            number = (top // 100 + 1) * 100
            if number >= _DEFAULT_DENY_RULE or number in used:
                number = next(n for n in range(_DEFAULT_DENY_RULE - 1, 0, -1) if n not in used)
        used.add(number)
        reserved.add((acl_id, verdict.egress, number))
        commands.append(
            f"aws ec2 {verb} --network-acl-id {acl_id} {direction} --rule-number {number} "
            f"--protocol tcp --port-range From={verdict.from_port},To={verdict.to_port} "
            f"--cidr-block {verdict.cidr} --rule-action allow")
    return "; ".join(commands)


def _network_acl_of(subnet_id: str, vpc_id: str, acls: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The network ACL of ``subnet_id``: the one whose Associations name it, else the VPC's default."""
    default = None
    for acl in acls:
        if any(a.get("SubnetId") == subnet_id for a in acl.get("Associations", [])):
            return acl
        if acl.get("IsDefault") and acl.get("VpcId") == vpc_id:
            default = acl
    return default


def _read_s3_cidrs(ec2: Any, s3_name: str, s3_list: dict[str, Any] | None, state: _State) -> None:
    """The S3 prefix list's CIDRs: ``Cidrs`` of DescribePrefixLists (AWS fills it), else one
    GetManagedPrefixListEntries call. Leaves ``state.s3_cidrs`` None with the reason when unknown."""
    if "DescribePrefixLists" in state.failed:
        state.s3_cidrs_unknown = f"DescribePrefixLists failed ({state.failed['DescribePrefixLists']})"
        return
    if s3_list is None:
        state.s3_cidrs_unknown = f"DescribePrefixLists lists no prefix list named {s3_name}"
        return
    cidrs = [str(c) for c in s3_list.get("Cidrs") or []]
    if not cidrs:
        entries = _fetch(state, "GetManagedPrefixListEntries", lambda: _describe(
            ec2, "get_managed_prefix_list_entries", "Entries", PrefixListId=s3_list["PrefixListId"]))
        if entries is None:
            state.s3_cidrs_unknown = (f"GetManagedPrefixListEntries failed "
                                      f"({state.failed['GetManagedPrefixListEntries']})")
            return
        cidrs = [str(e["Cidr"]) for e in entries if e.get("Cidr")]
    if not cidrs:
        state.s3_cidrs_unknown = f"the prefix list {s3_list['PrefixListId']} lists no CIDR"
        return
    state.s3_cidrs = list(dict.fromkeys(cidrs))


def _rules_text(verdicts: Sequence[NaclVerdict]) -> str:
    numbers = sorted({p.rule_label for v in verdicts for p in v.parts},
                     key=lambda label: (label == "*", int(label) if label != "*" else 0))
    return f"rule {numbers[0]}" if len(numbers) == 1 else f"rules {', '.join(numbers)}"


def _nacl_flow_check(
    check_id: str,
    subject: str,
    acl: dict[str, Any],
    *,
    egress: bool,
    cidrs: Sequence[str],
    ports: tuple[int, int],
    what: str,
    consequence: str,
    reserved: set[tuple[str, bool, int]],
) -> Check:
    acl_id = str(acl.get("NetworkAclId"))
    label = f"{acl_id} (default)" if acl.get("IsDefault") else acl_id
    entries = list(acl.get("Entries", []))
    verdicts = [evaluate_network_acl(entries, egress=egress, cidr=c, from_port=ports[0], to_port=ports[1])
                for c in cidrs]
    blocked = [v for v in verdicts if not v.allowed]
    way = "out to" if egress else "in from"
    if blocked:
        return Check(check_id, subject, PROBLEM,
                     f"network ACL {label} of {subject} blocks {what}: "
                     + "; ".join(_verdict_denials(v) for v in blocked) + f"; {consequence}",
                     _nacl_fix(acl_id, entries, blocked, reserved))
    return Check(check_id, subject, OK,
                 f"network ACL {label} allows {what}: {_ports_text(*ports)} {way} {', '.join(cidrs)} "
                 f"({_rules_text(verdicts)})")


def _nacl_checks(profile: Any, features: tuple[str, ...], state: _State) -> list[Check]:
    """``nacl.*``: network ACLs let tcp/443 and its return traffic through, both ends."""
    out: list[Check] = []
    vpc_id = profile.vpc_id
    if "DescribeSubnets" in state.failed:
        return out  # subnet.in-vpc is unknown already
    profile_subnets = [state.subnets[s] for s in profile.subnets
                       if s in state.subnets and state.subnets[s].get("VpcId") == vpc_id]
    interface = ([] if "DescribeVpcEndpoints" in state.failed
                 else _required_interface_endpoints(profile, features, state))
    endpoint_subnet_ids = list(dict.fromkeys(s for e in interface for s in e.get("SubnetIds") or []))
    endpoint_subnets = [state.subnets[s] for s in endpoint_subnet_ids
                        if s in state.subnets and state.subnets[s].get("VpcId") == vpc_id]
    if "DescribeNetworkAcls" in state.failed:
        reason = f"DescribeNetworkAcls failed ({state.failed['DescribeNetworkAcls']})"
        for subnet in profile_subnets:
            for check_id in ("nacl.endpoint-egress", "nacl.endpoint-return", "nacl.s3-egress", "nacl.s3-return"):
                out.append(Check(check_id, subnet["SubnetId"], UNKNOWN, reason, _unknown_fix("DescribeNetworkAcls")))
        for subnet in endpoint_subnets:
            for check_id in ("nacl.endpoint-ingress", "nacl.endpoint-ephemeral-out"):
                out.append(Check(check_id, subnet["SubnetId"], UNKNOWN, reason, _unknown_fix("DescribeNetworkAcls")))
        return out
    https = (HTTPS_PORT, HTTPS_PORT)
    reserved: set[tuple[str, bool, int]] = set()  # rule numbers given to fixes, across lines
    no_acl = ("Check the VPC's network ACLs (aws ec2 describe-network-acls --filters "
              f"Name=vpc-id,Values={vpc_id})")
    for subnet in profile_subnets:
        subnet_id = subnet["SubnetId"]
        acl = _network_acl_of(subnet_id, vpc_id, state.nacls)
        if acl is None:
            for check_id in ("nacl.endpoint-egress", "nacl.endpoint-return", "nacl.s3-egress", "nacl.s3-return"):
                out.append(Check(check_id, subnet_id, UNKNOWN,
                                 f"no network ACL found for {subnet_id} (no association and no default "
                                 f"network ACL in {vpc_id})", no_acl))
            continue
        targets = list(dict.fromkeys(s["CidrBlock"] for s in endpoint_subnets
                                     if s.get("CidrBlock") and s["SubnetId"] != subnet_id))
        if targets:
            hang = (f"SageMaker jobs in {subnet_id} cannot reach the interface endpoints and hang at start "
                    "(NACLs are stateless: both directions need a rule)")
            out.append(_nacl_flow_check(
                "nacl.endpoint-egress", subnet_id, acl, egress=True, cidrs=targets, ports=https,
                what="requests to the interface endpoints' subnets", consequence=hang, reserved=reserved))
            out.append(_nacl_flow_check(
                "nacl.endpoint-return", subnet_id, acl, egress=False, cidrs=targets, ports=EPHEMERAL_PORTS,
                what="return traffic from the interface endpoints' subnets", consequence=hang, reserved=reserved))
        elif endpoint_subnets:
            for check_id in ("nacl.endpoint-egress", "nacl.endpoint-return"):
                out.append(Check(check_id, subnet_id, OK,
                                 f"the interface endpoints' network interfaces are all in {subnet_id} "
                                 "itself: a network ACL does not filter traffic within a subnet"))
        out.extend(_nacl_s3_checks(subnet_id, acl, state, reserved))
    profile_cidrs = {s["SubnetId"]: s["CidrBlock"] for s in profile_subnets if s.get("CidrBlock")}
    for subnet in endpoint_subnets:
        subnet_id = subnet["SubnetId"]
        sources = list(dict.fromkeys(c for s, c in profile_cidrs.items() if s != subnet_id))
        if not sources:
            continue  # the profile's subnets are this subnet: nothing crosses its network ACL
        acl = _network_acl_of(subnet_id, vpc_id, state.nacls)
        if acl is None:
            for check_id in ("nacl.endpoint-ingress", "nacl.endpoint-ephemeral-out"):
                out.append(Check(check_id, subnet_id, UNKNOWN,
                                 f"no network ACL found for {subnet_id} (no association and no default "
                                 f"network ACL in {vpc_id})", no_acl))
            continue
        unreachable = (f"the interface endpoints' network interfaces in {subnet_id} cannot answer the "
                       "profile's subnets, so SageMaker jobs there hang at start")
        out.append(_nacl_flow_check(
            "nacl.endpoint-ingress", subnet_id, acl, egress=False, cidrs=sources, ports=https,
            what="requests from the profile's subnets to the interface endpoints", consequence=unreachable, reserved=reserved))
        out.append(_nacl_flow_check(
            "nacl.endpoint-ephemeral-out", subnet_id, acl, egress=True, cidrs=sources, ports=EPHEMERAL_PORTS,
            what="the interface endpoints' replies to the profile's subnets", consequence=unreachable, reserved=reserved))
    return out


def _nacl_s3_checks(
    subnet_id: str, acl: dict[str, Any], state: _State, reserved: set[tuple[str, bool, int]]
) -> list[Check]:
    if state.s3_cidrs is None:
        return [Check(check_id, subnet_id, UNKNOWN,
                      f"the S3 prefix list's CIDRs are unknown ({state.s3_cidrs_unknown}): a network ACL "
                      "cannot name a prefix list, so its CIDRs must be allowed one by one",
                      "Allow ec2:DescribePrefixLists and ec2:GetManagedPrefixListEntries to the caller, "
                      "then re-run")
                for check_id in ("nacl.s3-egress", "nacl.s3-return")]
    s3 = state.s3_prefix_list
    no_s3 = (f"SageMaker jobs in {subnet_id} cannot read their input or write model artifacts: S3 traffic "
             f"goes through the gateway endpoint to the CIDRs of the S3 prefix list {s3}, and a network ACL "
             "cannot name a prefix list")
    return [
        _nacl_flow_check("nacl.s3-egress", subnet_id, acl, egress=True, cidrs=state.s3_cidrs,
                         ports=(HTTPS_PORT, HTTPS_PORT), what=f"requests to S3 (prefix list {s3})", consequence=no_s3,
                         reserved=reserved),
        _nacl_flow_check("nacl.s3-return", subnet_id, acl, egress=False, cidrs=state.s3_cidrs,
                         ports=EPHEMERAL_PORTS, what=f"return traffic from S3 (prefix list {s3})", consequence=no_s3,
                         reserved=reserved),
    ]
