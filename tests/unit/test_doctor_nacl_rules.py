"""Pure parts of the doctor's network ACL checks: evaluate_network_acl (first match by ascending
RuleNumber, deny before allow, partial overlaps, all-protocol rules, port ranges, the implicit
final deny, IPv6 entries) and the fix commands. No AWS, no moto."""

from __future__ import annotations

import pytest

from safemaker.network.doctor import EPHEMERAL_PORTS, NaclPart, NaclVerdict, evaluate_network_acl
from safemaker.network.doctor.nacls import _nacl_fix, _network_acl_of, _verdict_denials


def entry(number, action, *, egress, cidr="0.0.0.0/0", protocol="-1", ports=None, ipv6=None):
    e = {"RuleNumber": number, "RuleAction": action, "Egress": egress, "Protocol": protocol}
    if ipv6:
        e["Ipv6CidrBlock"] = ipv6
    else:
        e["CidrBlock"] = cidr
    if ports:
        e["PortRange"] = {"From": ports[0], "To": ports[1]}
    return e


DEFAULT = [entry(100, "allow", egress=True), entry(32767, "deny", egress=True),
           entry(100, "allow", egress=False), entry(32767, "deny", egress=False)]


def out443(entries, cidr="10.0.1.0/24"):
    return evaluate_network_acl(entries, egress=True, cidr=cidr, from_port=443, to_port=443)


def in_ephemeral(entries, cidr="10.0.1.0/24"):
    return evaluate_network_acl(entries, egress=False, cidr=cidr, from_port=1024, to_port=65535)


def test_default_network_acl_allows_by_rule_100():
    verdict = out443(DEFAULT)
    assert verdict == NaclVerdict(True, "10.0.1.0/24", 443, 443, "6",
                                  (NaclPart("10.0.1.0/24", 443, 443, 100, "allow"),))
    assert verdict.allowed and verdict.denied == () and verdict.rule_numbers == (100,)


def test_first_match_by_ascending_rule_number_not_list_order():
    # Listed allow-first, but the deny has the lower number: it wins.
    entries = [entry(200, "allow", egress=True), entry(50, "deny", egress=True, protocol="6", ports=(443, 443))]
    verdict = out443(entries)
    assert not verdict.allowed
    assert verdict.parts == (NaclPart("10.0.1.0/24", 443, 443, 50, "deny"),)


def test_allow_before_deny_wins():
    entries = [entry(50, "allow", egress=True, protocol="6", ports=(443, 443), cidr="10.0.0.0/16"),
               entry(60, "deny", egress=True)]
    assert out443(entries).parts == (NaclPart("10.0.1.0/24", 443, 443, 50, "allow"),)


def test_direction_is_separated_by_the_egress_flag():
    # Only an inbound allow: outbound falls to the implicit deny.
    verdict = out443([entry(100, "allow", egress=False)])
    assert verdict.parts == (NaclPart("10.0.1.0/24", 443, 443, None, "deny"),)
    assert verdict.rule_numbers == (None,) and verdict.parts[0].rule_label == "*"


def test_implicit_final_deny_when_no_entry_at_all():
    verdict = in_ephemeral([])
    assert verdict.parts == (NaclPart("10.0.1.0/24", 1024, 65535, None, "deny"),)
    assert _verdict_denials(verdict) == "tcp 1024-65535 in from 10.0.1.0/24: no rule allows it (final deny rule *)"


def test_listed_rule_32767_is_labelled_star():
    verdict = out443([entry(32767, "deny", egress=True)])
    assert verdict.parts == (NaclPart("10.0.1.0/24", 443, 443, 32767, "deny"),)
    assert verdict.parts[0].rule_label == "*"
    assert _verdict_denials(verdict) == "tcp/443 out to 10.0.1.0/24: rule * denies it"


@pytest.mark.parametrize("protocol,allowed", [("-1", True), ("6", True), ("tcp", True), ("17", False),
                                              ("1", False), ("58", False)])
def test_protocol_all_and_tcp_match_tcp_others_do_not(protocol, allowed):
    # udp / icmp / icmpv6 allow rules do not let tcp through.
    ports = (0, 65535) if protocol in ("6", "tcp", "17") else None
    verdict = out443([entry(100, "allow", egress=True, protocol=protocol, ports=ports)])
    assert verdict.allowed is allowed
    assert verdict.parts[0].rule_number == (100 if allowed else None)


def test_all_protocol_rule_ignores_its_port_range():
    # AWS ignores PortRange for protocol -1: all ports.
    verdict = in_ephemeral([entry(100, "allow", egress=False, protocol="-1", ports=(80, 80))])
    assert verdict.parts == (NaclPart("10.0.1.0/24", 1024, 65535, 100, "allow"),)


def test_tcp_port_range_must_contain_the_port():
    entries = [entry(100, "allow", egress=True, protocol="6", ports=(80, 80)),
               entry(110, "allow", egress=True, protocol="6", ports=(1, 442))]
    assert out443(entries).parts == (NaclPart("10.0.1.0/24", 443, 443, None, "deny"),)
    entries.append(entry(120, "allow", egress=True, protocol="6", ports=(440, 450)))
    assert out443(entries).parts == (NaclPart("10.0.1.0/24", 443, 443, 120, "allow"),)


def test_partial_port_deny_decides_part_of_the_flow():
    # rule 90 denies 1024-2047 from anywhere; rule 100 allows the rest.
    entries = [entry(90, "deny", egress=False, protocol="6", ports=(1024, 2047)),
               entry(100, "allow", egress=False)]
    verdict = in_ephemeral(entries)
    assert verdict.parts == (NaclPart("10.0.1.0/24", 1024, 2047, 90, "deny"),
                             NaclPart("10.0.1.0/24", 2048, 65535, 100, "allow"))
    assert not verdict.allowed and verdict.rule_numbers == (90, 100)
    assert _verdict_denials(verdict) == (
        "tcp 1024-2047 in from 10.0.1.0/24 (part of tcp 1024-65535 in from 10.0.1.0/24): rule 90 denies it")


def test_partial_port_allow_leaves_the_rest_to_the_implicit_deny():
    entries = [entry(100, "allow", egress=False, protocol="6", ports=(32768, 60999))]
    verdict = in_ephemeral(entries)
    assert verdict.parts == (NaclPart("10.0.1.0/24", 32768, 60999, 100, "allow"),
                             NaclPart("10.0.1.0/24", 1024, 32767, None, "deny"),
                             NaclPart("10.0.1.0/24", 61000, 65535, None, "deny"))
    assert not verdict.allowed


def test_partial_cidr_deny_decides_part_of_the_flow():
    entries = [entry(90, "deny", egress=True, cidr="10.0.1.128/25"), entry(100, "allow", egress=True)]
    verdict = out443(entries)
    assert verdict.parts == (NaclPart("10.0.1.128/25", 443, 443, 90, "deny"),
                             NaclPart("10.0.1.0/25", 443, 443, 100, "allow"))
    assert _verdict_denials(verdict) == (
        "tcp/443 out to 10.0.1.128/25 (part of tcp/443 out to 10.0.1.0/24): rule 90 denies it")


def test_rule_cidr_must_contain_the_whole_destination():
    # An allow for a /25 lets half of the /24 through; the other half hits the final deny.
    verdict = out443([entry(100, "allow", egress=True, cidr="10.0.1.0/25")])
    assert verdict.parts == (NaclPart("10.0.1.0/25", 443, 443, 100, "allow"),
                             NaclPart("10.0.1.128/25", 443, 443, None, "deny"))


def test_disjoint_cidr_does_not_match():
    verdict = out443([entry(100, "allow", egress=True, cidr="10.0.2.0/24")])
    assert verdict.parts == (NaclPart("10.0.1.0/24", 443, 443, None, "deny"),)


def test_ipv6_entries_never_match_ipv4_traffic():
    entries = [entry(100, "allow", egress=True, ipv6="::/0"), entry(101, "allow", egress=False, ipv6="::/0")]
    assert out443(entries).parts == (NaclPart("10.0.1.0/24", 443, 443, None, "deny"),)
    assert in_ephemeral(entries).parts == (NaclPart("10.0.1.0/24", 1024, 65535, None, "deny"),)


def test_ipv4_entries_never_match_ipv6_traffic_and_ipv6_entries_do():
    entries = [entry(90, "allow", egress=True), entry(100, "allow", egress=True, ipv6="2600:1f18::/32")]
    verdict = out443(entries, cidr="2600:1f18:1:2::/64")
    assert verdict.parts == (NaclPart("2600:1f18:1:2::/64", 443, 443, 100, "allow"),)


def test_ephemeral_ports_are_1024_to_65535():
    assert EPHEMERAL_PORTS == (1024, 65535)


@pytest.mark.parametrize("kwargs,message", [
    ({"cidr": "10.0.1.0/33", "from_port": 443, "to_port": 443},
     "cidr is '10.0.1.0/33'; expected a CIDR block such as 10.0.1.0/24"),
    ({"cidr": "10.0.1.0/24", "from_port": 444, "to_port": 443},
     "to_port is 443; expected a port from from_port (444) to 65535"),
    ({"cidr": "10.0.1.0/24", "from_port": 0, "to_port": 70000},
     "to_port is 70000; expected a port from from_port (0) to 65535"),
    ({"cidr": "10.0.1.0/24", "from_port": -1, "to_port": 443},
     "from_port is -1; expected a port from 0 to 65535"),
])
def test_bad_flow_is_a_value_error_naming_the_value(kwargs, message):
    with pytest.raises(ValueError) as info:
        evaluate_network_acl(DEFAULT, egress=True, **kwargs)
    assert str(info.value) == message


# --------------------------------------------------------------------------- fix commands


def test_fix_for_an_explicit_deny_is_a_new_allow_just_below_it():
    entries = [entry(90, "deny", egress=True, protocol="6", ports=(443, 443)), entry(100, "allow", egress=True)]
    verdict = out443(entries)
    assert _nacl_fix("acl-1", entries, [verdict]) == (
        "aws ec2 create-network-acl-entry --network-acl-id acl-1 --egress --rule-number 89 --protocol tcp "
        "--port-range From=443,To=443 --cidr-block 10.0.1.0/24 --rule-action allow")


def test_fix_skips_used_rule_numbers_and_gives_each_flow_its_own():
    entries = [entry(88, "allow", egress=False, protocol="17"), entry(89, "allow", egress=False, protocol="17"),
               entry(90, "deny", egress=False), entry(89, "deny", egress=True)]  # 89 egress: other direction
    blocked = [in_ephemeral(entries, "10.0.1.0/24"), in_ephemeral(entries, "10.0.2.0/24")]
    assert _nacl_fix("acl-1", entries, blocked) == (
        "aws ec2 create-network-acl-entry --network-acl-id acl-1 --ingress --rule-number 87 --protocol tcp "
        "--port-range From=1024,To=65535 --cidr-block 10.0.1.0/24 --rule-action allow; "
        "aws ec2 create-network-acl-entry --network-acl-id acl-1 --ingress --rule-number 86 --protocol tcp "
        "--port-range From=1024,To=65535 --cidr-block 10.0.2.0/24 --rule-action allow")


def test_fix_replaces_the_deny_when_no_number_is_free_below_it():
    entries = [entry(1, "deny", egress=True)]
    assert _nacl_fix("acl-1", entries, [out443(entries)]) == (
        "aws ec2 replace-network-acl-entry --network-acl-id acl-1 --egress --rule-number 1 --protocol tcp "
        "--port-range From=443,To=443 --cidr-block 10.0.1.0/24 --rule-action allow")


def test_fix_for_the_implicit_deny_is_the_next_hundred():
    entries = [entry(100, "allow", egress=True, ipv6="::/0"), entry(32767, "deny", egress=True)]
    assert _nacl_fix("acl-1", entries, [out443(entries)]) == (
        "aws ec2 create-network-acl-entry --network-acl-id acl-1 --egress --rule-number 200 --protocol tcp "
        "--port-range From=443,To=443 --cidr-block 10.0.1.0/24 --rule-action allow")
    assert _nacl_fix("acl-2", [], [out443([])]).split(" --rule-number ")[1].startswith("100 ")


def test_fix_for_a_partial_deny_goes_below_the_first_deny():
    entries = [entry(90, "deny", egress=False, protocol="6", ports=(1024, 2047)), entry(100, "allow", egress=False)]
    assert "--ingress --rule-number 89 " in _nacl_fix("acl-1", entries, [in_ephemeral(entries)])


# --------------------------------------------------------------------------- association


def test_network_acl_of_a_subnet_is_its_association_else_the_default():
    default = {"NetworkAclId": "acl-d", "IsDefault": True, "VpcId": "vpc-1",
               "Associations": [{"SubnetId": "subnet-a"}]}
    custom = {"NetworkAclId": "acl-c", "IsDefault": False, "VpcId": "vpc-1",
              "Associations": [{"SubnetId": "subnet-b"}]}
    acls = [default, custom]
    assert _network_acl_of("subnet-b", "vpc-1", acls) is custom
    assert _network_acl_of("subnet-a", "vpc-1", acls) is default
    assert _network_acl_of("subnet-z", "vpc-1", acls) is default
    assert _network_acl_of("subnet-z", "vpc-1", [custom]) is None


def test_fix_numbers_are_not_reused_across_lines_of_one_report():
    entries = [entry(90, "deny", egress=True, protocol="6", ports=(443, 443)), entry(100, "allow", egress=True)]
    reserved: set = set()
    first = _nacl_fix("acl-1", entries, [out443(entries, "10.0.1.0/24")], reserved)
    second = _nacl_fix("acl-1", entries, [out443(entries, "52.216.0.0/15")], reserved)
    other = _nacl_fix("acl-2", entries, [out443(entries, "10.0.1.0/24")], reserved)
    assert "--rule-number 89 " in first and "--rule-number 88 " in second and "--rule-number 89 " in other
    assert reserved == {("acl-1", True, 89), ("acl-1", True, 88), ("acl-2", True, 89)}
