"""``safemaker doctor``: is the profile's VPC really a closed network that SageMaker can work in?

:func:`run` reads the VPC, its DHCP options, the profile's subnets and their
route tables, the VPC endpoints, the security groups and the network ACLs with a fixed number
of batched EC2 Describe calls (filters, never one call per subnet or
endpoint), and reports one :class:`Check` per line: ``ok``, ``problem`` (with
the fix) or ``unknown`` (a Describe call failed: never taken as ok).

What is checked (field reports F06-F13 of ``shared/cases/field-reports.md``):

- the VPC exists; ``enableDnsSupport`` and ``enableDnsHostnames`` are on;
  its DHCP options set carries ``domain-name`` and ``domain-name-servers`` (F12);
- each profile subnet belongs to the VPC; its route table (explicit
  association, else the VPC's main table) has no way out: no route to an
  internet gateway, egress-only internet gateway, NAT gateway or carrier
  gateway, and no default route (``0.0.0.0/0``, ``::/0``) to a NAT instance
  (instance or network interface target), a peering connection or a transit
  gateway (F08); and it has a route to an S3 gateway endpoint (F07,
  "no path to S3");
- the subnets span two Availability Zones when ``hosting`` is a feature;
- every endpoint the features need exists, matched by exact service name
  (F06, F10, F11); each interface endpoint is ``available``, has private DNS
  on, has a network interface in every Availability Zone of the profile's
  subnets, and tcp/443 is open both ways between the profile's security
  groups and the endpoint's (F10); the S3 gateway endpoint is associated
  with every profile subnet's route table;
- each profile security group: a rule allowing all traffic from and to
  itself when distributed training is possible (``training``,
  ``pipelines``); no egress other than to the endpoints' security groups,
  the S3 prefix list and itself;
- network ACLs (stateless; evaluated as AWS does by :func:`evaluate_network_acl`):
  each profile subnet's lets tcp/443 out to the subnets of the interface
  endpoints the features need and tcp 1024-65535 back in, and the same to and
  from the CIDRs of the S3 prefix list (a network ACL cannot name a prefix
  list); each subnet hosting those endpoints lets tcp/443 in from the profile's
  subnets and tcp 1024-65535 back out. Traffic within one subnet is not
  filtered by its network ACL and is not checked;
- the profile's ``vpc_endpoint_ids`` are endpoints of the VPC;
- with an IAM client: the execution role may create and manage the
  network interfaces SageMaker puts in the VPC (F13; IAM
  ``SimulatePrincipalPolicy``). IAM has no VPC endpoint (F09): pass an IAM
  client only where IAM is reachable.

The library creates no client: pass them in. :func:`assert_closed` is the
strict variant of the F08 check that raises :class:`~safemaker.errors.ProfileError`.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass, field
from typing import Any, Iterable, Literal, Sequence

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from safemaker.errors import ProfileError, ProfileFieldError, StatePickling, aws_error
from safemaker.iam import EXECUTION_ROLE_ENI_ACTIONS
from safemaker.network.endpoints import (
    ENDPOINTS,
    MULTI_AZ_FEATURES,
    S3_GATEWAY,
    SELF_REFERENCE_FEATURES,
    dhcp_domain_name,
    parse_features,
    required_endpoints,
)

__all__ = [
    "Check",
    "Report",
    "run",
    "assert_closed",
    "load_closed",
    "ENI_ACTIONS",
    "EC2_CALLS",
    "EPHEMERAL_PORTS",
    "NaclPart",
    "NaclVerdict",
    "evaluate_network_acl",
]

logger = logging.getLogger(__name__)

Status = Literal["ok", "problem", "unknown"]

OK: Status = "ok"
PROBLEM: Status = "problem"
UNKNOWN: Status = "unknown"

ENI_ACTIONS: tuple[str, ...] = EXECUTION_ROLE_ENI_ACTIONS
"""What a SageMaker execution role needs to place a job's or notebook's ENIs in a VPC (F13):
the same tuple the rendered execution-role policy grants (:data:`safemaker.iam.EXECUTION_ROLE_ENI_ACTIONS`).

Amazon SageMaker AI Developer Guide, "Give SageMaker AI Access to Resources in
your Amazon VPC" (execution role permissions for VPC mode).
"""

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
past 1000 results): the count does not grow with subnets or endpoints."""

_GONE_STATES = frozenset({"deleted", "deleting"})
_DEFAULT_ROUTES = frozenset({"0.0.0.0/0", "::/0"})


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Check:
    """One line of a doctor report.

    Attributes
    ----------
    id : str
        Stable check ID (``"endpoint.private-dns"``, ``"subnet.closed"``...).
    subject : str
        What was checked: a resource ID (``vpc-...``, ``subnet-...``,
        ``vpce-...``, ``sg-...``), a service name, or a role ARN.
    status : {"ok", "problem", "unknown"}
        ``unknown`` when the data could not be read (never counted as ok).
    detail : str
        What was found, one sentence.
    fix : str
        How to fix it (empty when ``status`` is ``ok``).
    """

    id: str
    subject: str
    status: Status
    detail: str
    fix: str = ""

    def line(self) -> str:
        """``"<status> <id> <subject>: <detail>[ Fix: <fix>]"`` on one line."""
        text = f"{self.status} {self.id} {self.subject}: {self.detail}"
        return f"{text} Fix: {self.fix}" if self.fix else text

    def as_dict(self) -> dict[str, str]:
        """JSON-ready dict with keys ``id, subject, status, detail, fix``."""
        return {
            "id": self.id,
            "subject": self.subject,
            "status": self.status,
            "detail": self.detail,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class Report:
    """Everything one :func:`run` found.

    Attributes
    ----------
    vpc_id, region : str
        From the profile.
    features : tuple of str
        The features checked for.
    checks : tuple of Check
        In report order: VPC, DHCP, subnets, endpoints, security groups,
        network ACLs, profile endpoint IDs, execution role.
    skipped : tuple of str
        Checks not run and why (e.g. the role check without an IAM client).
    """

    vpc_id: str
    region: str
    features: tuple[str, ...]
    checks: tuple[Check, ...]
    skipped: tuple[str, ...] = ()

    @property
    def problems(self) -> tuple[Check, ...]:
        """Checks with status ``problem``."""
        return tuple(c for c in self.checks if c.status == PROBLEM)

    @property
    def unknown(self) -> tuple[Check, ...]:
        """Checks with status ``unknown``."""
        return tuple(c for c in self.checks if c.status == UNKNOWN)

    @property
    def status(self) -> Status:
        """``problem`` if any check has a problem, else ``unknown`` if any is unknown, else ``ok``."""
        if self.problems:
            return PROBLEM
        if self.unknown:
            return UNKNOWN
        return OK

    @property
    def ok(self) -> bool:
        """True when every check is ``ok``."""
        return self.status == OK

    def find(self, check_id: str, subject: str | None = None) -> list[Check]:
        """Checks with ``check_id`` (and ``subject`` when given)."""
        return [
            c for c in self.checks
            if c.id == check_id and (subject is None or c.subject == subject)
        ]

    def lines(self) -> list[str]:
        """:meth:`Check.line` of every check, in order."""
        return [c.line() for c in self.checks]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict: ``vpc_id, region, features, status, counts, checks, skipped``."""
        counts = {s: sum(1 for c in self.checks if c.status == s) for s in (OK, PROBLEM, UNKNOWN)}
        return {
            "vpc_id": self.vpc_id,
            "region": self.region,
            "features": list(self.features),
            "status": self.status,
            "counts": counts,
            "checks": [c.as_dict() for c in self.checks],
            "skipped": list(self.skipped),
        }


# --------------------------------------------------------------------------- reading


class _Failed(StatePickling, Exception):
    """A Describe call failed; ``reason`` names the operation and the error code only."""

    def __init__(self, operation: str, reason: str) -> None:
        super().__init__(f"{operation} failed ({reason})")
        self.operation = operation
        self.reason = reason


def _error_code(exc: Exception) -> str:
    """The AWS error code (:func:`safemaker.errors.aws_error`), or the class of any other exception."""
    return aws_error(exc)[0]


def _describe(client: Any, method: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
    """Every item of ``key`` over all pages of ``client.<method>(**kwargs)``."""
    operation = "".join(part.title() for part in method.split("_"))
    try:
        if client.can_paginate(method):
            items: list[dict[str, Any]] = []
            for page in client.get_paginator(method).paginate(**kwargs):
                items.extend(page.get(key, []))
            return items
        return list(getattr(client, method)(**kwargs).get(key, []))
    except (ClientError, BotoCoreError, ResponseParserError) as exc:
        raise _Failed(operation, _error_code(exc)) from None


def _unknown_fix(operation: str) -> str:
    return (
        f"Allow ec2:{operation} to the caller and make the EC2 endpoint reachable "
        "(com.amazonaws.<region>.ec2 in a closed network), then re-run"
    )


# --------------------------------------------------------------------------- routes


def _route_destination(route: dict[str, Any]) -> str:
    return str(
        route.get("DestinationCidrBlock")
        or route.get("DestinationIpv6CidrBlock")
        or route.get("DestinationPrefixListId")
        or "?"
    )


def _way_out(route: dict[str, Any]) -> str | None:
    """Why ``route`` is a way out of the VPC, or None."""
    if route.get("State") == "blackhole":
        return None
    gateway = str(route.get("GatewayId") or "")
    if gateway.startswith("igw-"):
        return f"internet gateway {gateway}"
    if route.get("EgressOnlyInternetGatewayId"):
        return f"egress-only internet gateway {route['EgressOnlyInternetGatewayId']}"
    if route.get("NatGatewayId"):
        return f"NAT gateway {route['NatGatewayId']}"
    if route.get("CarrierGatewayId"):
        return f"carrier gateway {route['CarrierGatewayId']}"
    if _route_destination(route) not in _DEFAULT_ROUTES:
        return None
    if route.get("InstanceId"):
        return f"instance {route['InstanceId']} (NAT instance)"
    if route.get("NetworkInterfaceId"):
        return f"network interface {route['NetworkInterfaceId']} (NAT instance or appliance)"
    if route.get("VpcPeeringConnectionId"):
        return f"peering connection {route['VpcPeeringConnectionId']}"
    if route.get("TransitGatewayId"):
        return f"transit gateway {route['TransitGatewayId']}"
    return None


def _route_table_of(
    subnet_id: str, vpc_id: str, tables: Sequence[dict[str, Any]]
) -> tuple[dict[str, Any] | None, bool]:
    """The route table of ``subnet_id``: (table, is_main). Explicit association first."""
    main = None
    for table in tables:
        for assoc in table.get("Associations", []):
            if assoc.get("SubnetId") == subnet_id:
                return table, False
            if assoc.get("Main") and table.get("VpcId") == vpc_id:
                main = table
    return main, main is not None


def _ways_out(table: dict[str, Any]) -> list[str]:
    found = []
    for route in table.get("Routes", []):
        why = _way_out(route)
        if why:
            found.append(f"{_route_destination(route)} to {why}")
    return found


def _delete_route_fix(table_id: str, table: dict[str, Any]) -> str:
    commands = []
    for route in table.get("Routes", []):
        if _way_out(route):
            if route.get("DestinationIpv6CidrBlock"):
                flag = f"--destination-ipv6-cidr-block {route['DestinationIpv6CidrBlock']}"
            elif route.get("DestinationPrefixListId"):
                flag = f"--destination-prefix-list-id {route['DestinationPrefixListId']}"
            else:
                flag = f"--destination-cidr-block {route.get('DestinationCidrBlock')}"
            commands.append(f"aws ec2 delete-route --route-table-id {table_id} {flag}")
    return (
        "Remove the way out (" + "; ".join(commands) + ") or move the subnet to a route "
        "table without one"
    )


# --------------------------------------------------------------------------- security groups


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


# --------------------------------------------------------------------------- network ACLs

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
    ValueError
        ``cidr`` is not a network, or the ports are out of 0-65535 or reversed.

    References
    ----------
    Amazon VPC User Guide, "Control subnet traffic with network access
    control lists" (rule evaluation); EC2 API Reference, DescribeNetworkAcls.
    """
    try:
        target = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        raise ValueError(f"cidr is {cidr!r}; expected a CIDR block such as 10.0.1.0/24") from None
    if not (0 <= from_port <= to_port <= 65535):
        raise ValueError(f"ports are {from_port}-{to_port}; expected 0 <= from_port <= to_port <= 65535")
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



# --------------------------------------------------------------------------- the run


@dataclass
class _State:
    """What the Describe calls returned; an entry of ``failed`` per failed operation."""

    vpc: dict[str, Any] | None = None
    attributes: dict[str, bool | None] = field(default_factory=dict)
    dhcp: dict[str, Any] | None = None
    endpoints: list[dict[str, Any]] = field(default_factory=list)
    subnets: dict[str, dict[str, Any]] = field(default_factory=dict)
    tables: list[dict[str, Any]] = field(default_factory=list)
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    s3_prefix_list: str | None = None
    nacls: list[dict[str, Any]] = field(default_factory=list)
    s3_cidrs: list[str] | None = None
    s3_cidrs_unknown: str = ""
    failed: dict[str, str] = field(default_factory=dict)


def _fetch(state: _State, operation: str, thunk: Any) -> Any:
    try:
        return thunk()
    except _Failed as exc:
        state.failed[operation] = exc.reason
        logger.debug("doctor: %s failed (%s)", operation, exc.reason)
        return None


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
        them), each with filters, whatever the number of subnets or
        endpoints.
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

    for attribute, key, flag in (
        ("enableDnsSupport", "EnableDnsSupport", "enable-dns-support"),
        ("enableDnsHostnames", "EnableDnsHostnames", "enable-dns-hostnames"),
    ):
        check_id = "vpc." + flag.removeprefix("enable-")
        try:
            value = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attribute)[key]["Value"]
        except (ClientError, BotoCoreError, ResponseParserError, KeyError) as exc:
            add(Check(check_id, vpc_id, UNKNOWN,
                      f"DescribeVpcAttribute failed for {attribute} ({_error_code(exc)})",
                      _unknown_fix("DescribeVpcAttribute")))
            continue
        if value:
            add(Check(check_id, vpc_id, OK, f"{attribute} is true"))
        else:
            add(Check(
                check_id, vpc_id, PROBLEM,
                f"{attribute} is false: the private DNS names of interface endpoints do not "
                "resolve, so SDK calls go to public names and time out",
                f"aws ec2 modify-vpc-attribute --vpc-id {vpc_id} --{flag} "
                "'{\"Value\":true}'"))

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


def _s3_gateways(state: _State, region: str) -> list[dict[str, Any]]:
    name = ENDPOINTS[S3_GATEWAY].service_name(region)
    return [
        e for e in state.endpoints
        if e.get("ServiceName") == name and str(e.get("VpcEndpointType", "")).lower() == "gateway"
    ]


def _subnet_checks(profile: Any, features: tuple[str, ...], state: _State) -> list[Check]:
    out: list[Check] = []
    vpc_id = profile.vpc_id
    region = profile.region
    s3_gateways = {e["VpcEndpointId"]: e for e in _s3_gateways(state, region)}
    s3_ids = set(s3_gateways)
    zones: dict[str, list[str]] = {}
    for subnet_id in profile.subnets:
        if "DescribeSubnets" in state.failed:
            out.append(Check("subnet.in-vpc", subnet_id, UNKNOWN,
                             f"DescribeSubnets failed ({state.failed['DescribeSubnets']})",
                             _unknown_fix("DescribeSubnets")))
            continue
        subnet = state.subnets.get(subnet_id)
        if subnet is None:
            out.append(Check("subnet.in-vpc", subnet_id, PROBLEM,
                             f"{subnet_id} does not exist in {region}",
                             f"Fix subnets in the profile (aws ec2 describe-subnets --filters "
                             f"Name=vpc-id,Values={vpc_id})"))
            continue
        if subnet.get("VpcId") != vpc_id:
            out.append(Check("subnet.in-vpc", subnet_id, PROBLEM,
                             f"{subnet_id} belongs to {subnet.get('VpcId')}, not to the "
                             f"profile's VPC {vpc_id}",
                             f"Use subnets of {vpc_id} in the profile, or set vpc_id to "
                             f"{subnet.get('VpcId')}"))
            continue
        zone = subnet.get("AvailabilityZone", "?")
        zones.setdefault(zone, []).append(subnet_id)
        out.append(Check("subnet.in-vpc", subnet_id, OK,
                         f"{subnet_id} is in {vpc_id} ({zone}, {subnet.get('CidrBlock')})"))
        if "DescribeRouteTables" in state.failed:
            out.append(Check("subnet.closed", subnet_id, UNKNOWN,
                             f"DescribeRouteTables failed ({state.failed['DescribeRouteTables']})",
                             _unknown_fix("DescribeRouteTables")))
            continue
        table, is_main = _route_table_of(subnet_id, vpc_id, state.tables)
        if table is None:
            out.append(Check("subnet.closed", subnet_id, UNKNOWN,
                             f"no route table found for {subnet_id} (no explicit association "
                             f"and no main route table in {vpc_id})",
                             "Check the VPC's route tables (aws ec2 describe-route-tables)"))
            continue
        table_id = table["RouteTableId"]
        which = f"{table_id} (main)" if is_main else table_id
        ways = _ways_out(table)
        if ways:
            out.append(Check("subnet.closed", subnet_id, PROBLEM,
                             f"route table {which} sends {'; '.join(ways)}: the subnet is not "
                             "closed", _delete_route_fix(table_id, table)))
        else:
            out.append(Check("subnet.closed", subnet_id, OK,
                             f"route table {which} has no route out of the VPC"))
        # A route to an S3 gateway endpoint that is associated with the table (in AWS one
        # implies the other; both are required so that a stale route is not taken for a path).
        s3_routes = [
            r for r in table.get("Routes", [])
            if r.get("GatewayId") in s3_ids and r.get("State") != "blackhole"
            and table_id in (s3_gateways[r["GatewayId"]].get("RouteTableIds") or [])
        ]
        if s3_routes:
            out.append(Check("subnet.s3-route", subnet_id, OK,
                             f"route table {which} routes S3 ({s3_routes[0].get('DestinationPrefixListId', '?')}) "
                             f"to {s3_routes[0]['GatewayId']}"))
        else:
            if s3_ids:
                fix = (f"Associate the S3 gateway endpoint with {table_id} (aws ec2 modify-vpc-endpoint "
                       f"--vpc-endpoint-id {sorted(s3_ids)[0]} --add-route-table-ids {table_id})")
            else:
                fix = (f"Create the S3 gateway endpoint on {table_id} (aws ec2 create-vpc-endpoint "
                       f"--vpc-id {vpc_id} --vpc-endpoint-type Gateway --service-name "
                       f"{ENDPOINTS[S3_GATEWAY].service_name(region)} --route-table-ids {table_id})")
            out.append(Check("subnet.s3-route", subnet_id, PROBLEM,
                             f"no path to S3: route table {which} has no route to an S3 gateway "
                             "endpoint; jobs fail at artifact upload, after training is paid",
                             fix))
    if MULTI_AZ_FEATURES & set(features) and "DescribeSubnets" not in state.failed:
        needing = ", ".join(sorted(MULTI_AZ_FEATURES & set(features)))
        subject = ",".join(profile.subnets)
        if len(zones) >= 2:
            out.append(Check("subnets.availability-zones", subject, OK,
                             f"the subnets span {len(zones)} Availability Zones "
                             f"({', '.join(sorted(zones))})"))
        else:
            out.append(Check("subnets.availability-zones", subject, PROBLEM,
                             f"the profile's subnets are in {len(zones)} Availability Zone(s) "
                             f"({', '.join(sorted(zones)) or 'none'}); {needing} needs subnets in "
                             "at least two",
                             "Add a subnet of another Availability Zone of the VPC to the "
                             "profile's subnets (aws ec2 create-subnet --availability-zone ...)"))
    return out


def _endpoint_checks(profile: Any, features: tuple[str, ...], state: _State) -> list[Check]:
    out: list[Check] = []
    region = profile.region
    vpc_id = profile.vpc_id
    kms = bool(profile.volume_kms_key_id or profile.output_kms_key_id)
    required = required_endpoints(features, region, kms=kms)
    if "DescribeVpcEndpoints" in state.failed:
        for req in required:
            out.append(Check("endpoint.present", req.service_name, UNKNOWN,
                             f"DescribeVpcEndpoints failed ({state.failed['DescribeVpcEndpoints']})",
                             _unknown_fix("DescribeVpcEndpoints")))
        return out
    by_name: dict[str, list[dict[str, Any]]] = {}
    for endpoint in state.endpoints:
        by_name.setdefault(str(endpoint.get("ServiceName")), []).append(endpoint)

    profile_subnets = [state.subnets[s] for s in profile.subnets if s in state.subnets
                       and state.subnets[s].get("VpcId") == vpc_id]
    profile_zones: dict[str, list[str]] = {}
    for subnet in profile_subnets:
        profile_zones.setdefault(subnet.get("AvailabilityZone", "?"), []).append(subnet["SubnetId"])
    profile_nets = _subnet_networks(profile_subnets)
    profile_groups = [g for g in profile.security_group_ids]
    route_tables = {}
    for subnet in profile_subnets:
        table, _ = _route_table_of(subnet["SubnetId"], vpc_id, state.tables)
        if table is not None:
            route_tables[subnet["SubnetId"]] = table["RouteTableId"]

    for req in required:
        name = req.service_name
        needed = ", ".join(req.needed_by)
        wanted = req.endpoint_type.lower()
        candidates = by_name.get(name, [])
        matching = [e for e in candidates if str(e.get("VpcEndpointType", "")).lower() == wanted]
        if not matching:
            if candidates:
                others = ", ".join(f"{e['VpcEndpointId']} ({e.get('VpcEndpointType')})" for e in candidates)
                detail = (f"{name} has only {others} in {vpc_id}; a {req.endpoint_type} endpoint "
                          f"is needed (needed by: {needed})")
            else:
                detail = (f"no {wanted} endpoint for {name} in {vpc_id} (needed by: {needed}): "
                          f"{req.spec.purpose}")
            out.append(Check("endpoint.present", name, PROBLEM, detail,
                             _create_endpoint_fix(req.endpoint_type, name, vpc_id, profile,
                                                  sorted(set(route_tables.values())))))
            continue
        for endpoint in matching:
            eid = endpoint["VpcEndpointId"]
            out.append(Check("endpoint.present", name, OK,
                             f"{eid} ({req.endpoint_type}; needed by: {needed})"))
            endpoint_state = str(endpoint.get("State", "?"))
            if endpoint_state.lower() != "available":
                out.append(Check("endpoint.state", eid, PROBLEM,
                                 f"{eid} ({name}) is {endpoint_state}, not available",
                                 f"Wait for it, or delete and recreate it (aws ec2 "
                                 f"describe-vpc-endpoints --vpc-endpoint-ids {eid})"))
            if req.endpoint_type == "Gateway":
                missing = sorted({t for t in route_tables.values()} - set(endpoint.get("RouteTableIds") or []))
                if missing:
                    out.append(Check("endpoint.route-tables", eid, PROBLEM,
                                     f"{eid} ({name}) is not associated with "
                                     f"{', '.join(missing)}, the route table(s) of the profile's "
                                     "subnets",
                                     f"aws ec2 modify-vpc-endpoint --vpc-endpoint-id {eid} "
                                     f"--add-route-table-ids {' '.join(missing)}"))
                elif route_tables:
                    out.append(Check("endpoint.route-tables", eid, OK,
                                     f"{eid} is associated with {', '.join(sorted(set(route_tables.values())))}"))
                continue
            out.extend(_interface_checks(endpoint, name, profile, state, profile_zones,
                                         profile_nets, profile_groups))
    return out


def _subnet_networks(subnets: Iterable[dict[str, Any]]) -> list[ipaddress._BaseNetwork]:
    nets: list[ipaddress._BaseNetwork] = []
    for subnet in subnets:
        try:
            nets.append(ipaddress.ip_network(subnet["CidrBlock"], strict=False))
        except (KeyError, ValueError):
            continue
    return nets


def _create_endpoint_fix(
    endpoint_type: str, name: str, vpc_id: str, profile: Any, route_tables: list[str]
) -> str:
    if endpoint_type == "Gateway":
        tables = " ".join(route_tables) or "<route table of each profile subnet>"
        return (f"aws ec2 create-vpc-endpoint --vpc-id {vpc_id} --vpc-endpoint-type Gateway "
                f"--service-name {name} --route-table-ids {tables}")
    return (f"aws ec2 create-vpc-endpoint --vpc-id {vpc_id} --vpc-endpoint-type Interface "
            f"--service-name {name} --subnet-ids {' '.join(profile.subnets)} "
            f"--security-group-ids {' '.join(profile.security_group_ids)} --private-dns-enabled")


def _interface_checks(
    endpoint: dict[str, Any],
    name: str,
    profile: Any,
    state: _State,
    profile_zones: dict[str, list[str]],
    profile_nets: list[ipaddress._BaseNetwork],
    profile_groups: list[str],
) -> list[Check]:
    out: list[Check] = []
    eid = endpoint["VpcEndpointId"]
    if endpoint.get("PrivateDnsEnabled"):
        out.append(Check("endpoint.private-dns", eid, OK, f"{eid} ({name}) has private DNS on"))
    else:
        out.append(Check("endpoint.private-dns", eid, PROBLEM,
                         f"{eid} ({name}) has private DNS off: the SDK resolves the service's "
                         "public name, which a closed network cannot reach",
                         f"aws ec2 modify-vpc-endpoint --vpc-endpoint-id {eid} --private-dns-enabled"))

    endpoint_subnet_ids = list(endpoint.get("SubnetIds") or [])
    if "DescribeSubnets" in state.failed:
        out.append(Check("endpoint.subnets", eid, UNKNOWN,
                         f"DescribeSubnets failed ({state.failed['DescribeSubnets']})",
                         _unknown_fix("DescribeSubnets")))
    else:
        endpoint_zones = {
            state.subnets[s].get("AvailabilityZone") for s in endpoint_subnet_ids if s in state.subnets
        }
        missing = {z: ids for z, ids in profile_zones.items() if z not in endpoint_zones}
        if missing:
            where = "; ".join(f"{z} (profile subnet {', '.join(ids)})" for z, ids in sorted(missing.items()))
            add_ids = " ".join(ids[0] for _, ids in sorted(missing.items()))
            out.append(Check("endpoint.subnets", eid, PROBLEM,
                             f"{eid} ({name}) has no network interface in {where}",
                             f"aws ec2 modify-vpc-endpoint --vpc-endpoint-id {eid} --add-subnet-ids {add_ids}"))
        elif profile_zones:
            out.append(Check("endpoint.subnets", eid, OK,
                             f"{eid} has a network interface in {', '.join(sorted(profile_zones))}"))

    endpoint_groups = [g["GroupId"] for g in endpoint.get("Groups", []) if g.get("GroupId")]
    if "DescribeSecurityGroups" in state.failed:
        out.append(Check("endpoint.ingress", eid, UNKNOWN,
                         f"DescribeSecurityGroups failed ({state.failed['DescribeSecurityGroups']})",
                         _unknown_fix("DescribeSecurityGroups")))
        return out
    endpoint_nets = _subnet_networks(state.subnets[s] for s in endpoint_subnet_ids if s in state.subnets)
    ingress_perms = [p for g in endpoint_groups for p in state.groups.get(g, {}).get("IpPermissions", [])]
    shown_groups = ", ".join(endpoint_groups) or "none"
    closed_from = [p for p in profile_groups
                   if not _sg_allows(ingress_perms, {p}, profile_nets)]
    if closed_from:
        first = endpoint_groups[0] if endpoint_groups else "<endpoint security group>"
        out.append(Check("endpoint.ingress", eid, PROBLEM,
                         f"no security group of {eid} ({name}; {shown_groups}) allows tcp/443 "
                         f"from {', '.join(closed_from)}",
                         "; ".join(
                             f"aws ec2 authorize-security-group-ingress --group-id {first} "
                             f"--protocol tcp --port 443 --source-group {p}" for p in closed_from)))
    else:
        out.append(Check("endpoint.ingress", eid, OK,
                         f"{shown_groups} allow tcp/443 from {', '.join(profile_groups)}"))
    closed_to = []
    for group_id in profile_groups:
        group = state.groups.get(group_id)
        if group is None:
            continue  # reported by sg.exists
        if not _sg_allows(group.get("IpPermissionsEgress", []), set(endpoint_groups), endpoint_nets):
            closed_to.append(group_id)
    if closed_to:
        first = endpoint_groups[0] if endpoint_groups else "<endpoint security group>"
        out.append(Check("endpoint.egress", eid, PROBLEM,
                         f"{', '.join(closed_to)} do(es) not allow tcp/443 out to {eid} ({name}; "
                         f"{shown_groups})",
                         "; ".join(
                             f"aws ec2 authorize-security-group-egress --group-id {p} "
                             f"--ip-permissions IpProtocol=tcp,FromPort=443,ToPort=443,"
                             f"UserIdGroupPairs=[{{GroupId={first}}}]" for p in closed_to)))
    else:
        out.append(Check("endpoint.egress", eid, OK,
                         f"{', '.join(profile_groups)} allow tcp/443 out to {shown_groups}"))
    return out


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


def _required_interface_endpoints(profile: Any, features: tuple[str, ...], state: _State) -> list[dict[str, Any]]:
    kms = bool(profile.volume_kms_key_id or profile.output_kms_key_id)
    names = {r.service_name for r in required_endpoints(features, profile.region, kms=kms)
             if r.endpoint_type == "Interface"}
    return [e for e in state.endpoints if e.get("ServiceName") in names
            and str(e.get("VpcEndpointType", "")).lower() == "interface"]


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


def _profile_endpoint_checks(profile: Any, state: _State) -> list[Check]:
    out: list[Check] = []
    if not profile.vpc_endpoint_ids or "DescribeVpcEndpoints" in state.failed:
        return out
    present = {e["VpcEndpointId"]: e for e in state.endpoints}
    for eid in profile.vpc_endpoint_ids:
        if eid in present:
            out.append(Check("profile.vpc-endpoint", eid, OK,
                             f"{eid} ({present[eid].get('ServiceName')}) is an endpoint of {profile.vpc_id}"))
        else:
            out.append(Check("profile.vpc-endpoint", eid, PROBLEM,
                             f"{eid} is in the profile's vpc_endpoint_ids but is not an endpoint of "
                             f"{profile.vpc_id} (deleted, or in another VPC)",
                             "Remove it from vpc_endpoint_ids, or list the VPC's endpoints "
                             f"(aws ec2 describe-vpc-endpoints --filters Name=vpc-id,Values={profile.vpc_id})"))
    return out


def _role_check(role_arn: str, iam: Any) -> Check:
    try:
        decisions: dict[str, str] = {}
        for page in iam.get_paginator("simulate_principal_policy").paginate(
            PolicySourceArn=role_arn, ActionNames=list(ENI_ACTIONS)
        ):
            for result in page.get("EvaluationResults", []):
                decisions[result["EvalActionName"]] = result["EvalDecision"]
    except (ClientError, BotoCoreError, ResponseParserError) as exc:
        return Check("role.eni-permissions", role_arn, UNKNOWN,
                     f"SimulatePrincipalPolicy failed ({_error_code(exc)})",
                     "Allow iam:SimulatePrincipalPolicy on the role to the caller and run where IAM "
                     "is reachable (IAM has no VPC endpoint)")
    denied = [(a, decisions.get(a, "not evaluated")) for a in ENI_ACTIONS
              if decisions.get(a) != "allowed"]
    if denied:
        return Check("role.eni-permissions", role_arn, PROBLEM,
                     "the execution role is not allowed "
                     + ", ".join(f"{a} ({d})" for a, d in denied)
                     + ": SageMaker cannot create the network interfaces of jobs and notebooks "
                     "in the VPC, which fails with an unrelated-looking error",
                     "Attach a policy allowing " + ", ".join(a for a, _ in denied)
                     + " to the role (the execution-role policy of `safemaker infra up` has them)")
    return Check("role.eni-permissions", role_arn, OK,
                 f"the execution role is allowed all {len(ENI_ACTIONS)} ENI actions")


# --------------------------------------------------------------------------- strict profile


def assert_closed(profile: Any, ec2_client: Any) -> None:
    """Refuse a profile whose subnets are not closed (F08), as a ProfileError.

    Each subnet must exist, belong to ``profile.vpc_id``, and its route
    table (explicit association, else the main table) must have no way out
    (see :func:`run`, check ``subnet.closed``). Two EC2 calls:
    ``DescribeSubnets`` and ``DescribeRouteTables``, both filtered.

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
        ways = _ways_out(table)
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
