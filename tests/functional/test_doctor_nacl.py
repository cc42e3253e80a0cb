"""safemaker.network.doctor's nacl.* checks on the local backend (moto over HTTP).

The network of ``infra up`` (two subnets, each hosting the interface endpoints' network
interfaces, default network ACL) is clean; then one subnet gets a custom network ACL that
breaks one thing, and the exact Check lines are asserted. moto 5.2 differs from AWS in two
ways the tests rely on knowingly: a new network ACL lists no entries (AWS lists the two
final deny entries, rule 32767; the doctor applies the final deny either way), and
DescribePrefixLists returns no ``Cidrs`` (AWS does), so the doctor reads the S3 prefix
list's CIDRs with GetManagedPrefixListEntries.
"""

from __future__ import annotations

import shlex

import pytest
from botocore.exceptions import ClientError

from safemaker.network import doctor
from safemaker.network.doctor import Check
from test_doctor import SEED, aws, built, make_network  # noqa: F401  (fixtures, by import)

NACL_IDS = ("nacl.endpoint-egress", "nacl.endpoint-return", "nacl.s3-egress", "nacl.s3-return",
            "nacl.endpoint-ingress", "nacl.endpoint-ephemeral-out")


def subnet_cidrs(aws, profile):
    subnets = aws.ec2.describe_subnets(SubnetIds=list(profile.subnets))["Subnets"]
    by_id = {s["SubnetId"]: s["CidrBlock"] for s in subnets}
    return [by_id[s] for s in profile.subnets]


def s3_cidrs(aws):
    (pl,) = aws.ec2.describe_prefix_lists(
        Filters=[{"Name": "prefix-list-name", "Values": ["com.amazonaws.us-east-1.s3"]}])["PrefixLists"]
    entries = aws.ec2.get_managed_prefix_list_entries(PrefixListId=pl["PrefixListId"])["Entries"]
    return pl["PrefixListId"], [e["Cidr"] for e in entries]


def custom_acl(aws, profile, subnet_id, entries):
    """A new network ACL with ``entries`` (RuleNumber, Egress, Protocol, RuleAction, CidrBlock or
    Ipv6CidrBlock, PortRange), associated with ``subnet_id`` in place of its current one."""
    ec2 = aws.ec2
    acl = ec2.create_network_acl(VpcId=profile.vpc_id)["NetworkAcl"]["NetworkAclId"]
    for e in entries:
        ec2.create_network_acl_entry(NetworkAclId=acl, **e)
    (current,) = ec2.describe_network_acls(
        Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}])["NetworkAcls"]
    (assoc,) = [a["NetworkAclAssociationId"] for a in current["Associations"] if a["SubnetId"] == subnet_id]
    ec2.replace_network_acl_association(AssociationId=assoc, NetworkAclId=acl)
    return acl


def allow_all(egress, cidr="0.0.0.0/0", number=100):
    return {"RuleNumber": number, "Egress": egress, "Protocol": "-1", "RuleAction": "allow", "CidrBlock": cidr}


def run_fix(aws, fix):
    """Apply the fix text's ``aws ec2 create-network-acl-entry`` commands through boto3."""
    for command in fix.split("; "):
        words = shlex.split(command)
        assert words[:3] == ["aws", "ec2", "create-network-acl-entry"], command
        flags = [w for w in words[3:] if w in ("--egress", "--ingress")]
        rest = [w for w in words[3:] if w not in ("--egress", "--ingress")]
        opts = dict(zip(rest[::2], rest[1::2]))
        low, high = (int(x.split("=")[1]) for x in opts["--port-range"].split(","))
        aws.ec2.create_network_acl_entry(
            NetworkAclId=opts["--network-acl-id"], RuleNumber=int(opts["--rule-number"]),
            Protocol={"tcp": "6"}[opts["--protocol"]], RuleAction=opts["--rule-action"],
            Egress=flags == ["--egress"], CidrBlock=opts["--cidr-block"], PortRange={"From": low, "To": high})


def nacl_problems(report):
    return [c for c in report.checks if c.id.startswith("nacl.") and c.status == "problem"]


# --------------------------------------------------------------------------- clean


def test_clean_network_every_nacl_check_ok(aws, built):
    p = built.profile
    report = doctor.run(p, SEED, ec2_client=aws.ec2)
    assert report.status == "ok"
    nacl = [c for c in report.checks if c.id.startswith("nacl.")]
    # 2 subnets x (4 as a profile subnet + 2 as a subnet hosting the interface endpoints).
    assert sorted((c.id, c.subject) for c in nacl) == sorted((i, s) for i in NACL_IDS for s in p.subnets)
    assert {c.status for c in nacl} == {"ok"}
    a, b = p.subnets
    cidr_a, cidr_b = subnet_cidrs(aws, p)
    (acl,) = [x["NetworkAclId"] for x in aws.ec2.describe_network_acls(
        Filters=[{"Name": "vpc-id", "Values": [p.vpc_id]}])["NetworkAcls"]]
    pl, cidrs = s3_cidrs(aws)
    assert report.find("nacl.endpoint-egress", a) == [Check(
        "nacl.endpoint-egress", a, "ok",
        f"network ACL {acl} (default) allows requests to the interface endpoints' subnets: tcp/443 out to "
        f"{cidr_b} (rule 100)")]
    assert report.find("nacl.endpoint-ephemeral-out", b)[0].detail == (
        f"network ACL {acl} (default) allows the interface endpoints' replies to the profile's subnets: "
        f"tcp 1024-65535 out to {cidr_a} (rule 100)")
    assert report.find("nacl.s3-return", a)[0].detail == (
        f"network ACL {acl} (default) allows return traffic from S3 (prefix list {pl}): tcp 1024-65535 in from "
        f"{', '.join(cidrs)} (rule 100)")


# --------------------------------------------------------------------------- one thing broken at a time


def test_custom_acl_denying_443_out(aws, built):
    p = built.profile
    a, b = p.subnets
    cidr_a, cidr_b = subnet_cidrs(aws, p)
    pl, cidrs = s3_cidrs(aws)
    acl = custom_acl(aws, p, a, [
        {"RuleNumber": 90, "Egress": True, "Protocol": "6", "RuleAction": "deny", "CidrBlock": "0.0.0.0/0",
         "PortRange": {"From": 443, "To": 443}},
        allow_all(True), allow_all(False)])
    report = doctor.run(p, SEED, ec2_client=aws.ec2)
    # The fixes of one report never reuse a rule number: 89 goes to the first line, 88-86 to the second.
    assert nacl_problems(report) == [
        Check("nacl.endpoint-egress", a, "problem",
              f"network ACL {acl} of {a} blocks requests to the interface endpoints' subnets: tcp/443 out to "
              f"{cidr_b}: rule 90 denies it; SageMaker jobs in {a} cannot reach the interface endpoints and hang "
              "at start (NACLs are stateless: both directions need a rule)",
              f"aws ec2 create-network-acl-entry --network-acl-id {acl} --egress --rule-number 89 --protocol tcp "
              f"--port-range From=443,To=443 --cidr-block {cidr_b} --rule-action allow"),
        Check("nacl.s3-egress", a, "problem",
              f"network ACL {acl} of {a} blocks requests to S3 (prefix list {pl}): "
              + "; ".join(f"tcp/443 out to {c}: rule 90 denies it" for c in cidrs)
              + f"; SageMaker jobs in {a} cannot read their input or write model artifacts: S3 traffic goes "
              f"through the gateway endpoint to the CIDRs of the S3 prefix list {pl}, and a network ACL cannot "
              "name a prefix list",
              "; ".join(f"aws ec2 create-network-acl-entry --network-acl-id {acl} --egress --rule-number {n} "
                        f"--protocol tcp --port-range From=443,To=443 --cidr-block {c} --rule-action allow"
                        for n, c in zip((88, 87, 86), cidrs))),
    ]
    assert report.status == "problem"
    # The fix, applied as printed, clears both lines.
    for line in nacl_problems(report):
        run_fix(aws, line.fix)
    again = doctor.run(p, SEED, ec2_client=aws.ec2)
    assert nacl_problems(again) == [] and again.status == "ok"
    assert again.find("nacl.endpoint-egress", a)[0].detail.endswith(f"tcp/443 out to {cidr_b} (rule 89)")


def test_custom_acl_denying_ephemeral_return_ports_in(aws, built):
    p = built.profile
    a, b = p.subnets
    cidr_a, cidr_b = subnet_cidrs(aws, p)
    acl = custom_acl(aws, p, a, [
        {"RuleNumber": 50, "Egress": False, "Protocol": "6", "RuleAction": "deny", "CidrBlock": "10.0.0.0/16",
         "PortRange": {"From": 1024, "To": 65535}},
        allow_all(True), allow_all(False)])
    report = doctor.run(p, SEED, ec2_client=aws.ec2)
    # Only the endpoints' return traffic: the deny names the VPC, S3's CIDRs are outside it.
    assert nacl_problems(report) == [Check(
        "nacl.endpoint-return", a, "problem",
        f"network ACL {acl} of {a} blocks return traffic from the interface endpoints' subnets: tcp 1024-65535 "
        f"in from {cidr_b}: rule 50 denies it; SageMaker jobs in {a} cannot reach the interface endpoints and "
        "hang at start (NACLs are stateless: both directions need a rule)",
        f"aws ec2 create-network-acl-entry --network-acl-id {acl} --ingress --rule-number 49 --protocol tcp "
        f"--port-range From=1024,To=65535 --cidr-block {cidr_b} --rule-action allow")]
    assert report.find("nacl.s3-return", a)[0].status == "ok"
    assert report.find("nacl.endpoint-ingress", a)[0].status == "ok"


def test_custom_acl_denying_part_of_the_ephemeral_ports_names_the_rule(aws, built):
    p = built.profile
    a, b = p.subnets
    cidr_a, cidr_b = subnet_cidrs(aws, p)
    acl = custom_acl(aws, p, b, [
        {"RuleNumber": 70, "Egress": True, "Protocol": "6", "RuleAction": "deny", "CidrBlock": cidr_a,
         "PortRange": {"From": 32768, "To": 60999}},
        allow_all(True), allow_all(False)])
    report = doctor.run(p, SEED, ec2_client=aws.ec2)
    # Subnet b hosts endpoint interfaces: their replies to subnet a are partly denied.
    assert nacl_problems(report) == [Check(
        "nacl.endpoint-ephemeral-out", b, "problem",
        f"network ACL {acl} of {b} blocks the interface endpoints' replies to the profile's subnets: "
        f"tcp 32768-60999 out to {cidr_a} (part of tcp 1024-65535 out to {cidr_a}): rule 70 denies it; the "
        f"interface endpoints' network interfaces in {b} cannot answer the profile's subnets, so SageMaker jobs "
        "there hang at start",
        f"aws ec2 create-network-acl-entry --network-acl-id {acl} --egress --rule-number 69 --protocol tcp "
        f"--port-range From=1024,To=65535 --cidr-block {cidr_a} --rule-action allow")]


def test_custom_acl_with_only_ipv6_allows_blocks_everything(aws, built):
    p = built.profile
    a, b = p.subnets
    cidr_a, cidr_b = subnet_cidrs(aws, p)
    acl = custom_acl(aws, p, a, [
        {"RuleNumber": 100, "Egress": True, "Protocol": "-1", "RuleAction": "allow", "Ipv6CidrBlock": "::/0"},
        {"RuleNumber": 100, "Egress": False, "Protocol": "-1", "RuleAction": "allow", "Ipv6CidrBlock": "::/0"}])
    report = doctor.run(p, SEED, ec2_client=aws.ec2)
    assert [(c.id, c.subject) for c in nacl_problems(report)] == [
        ("nacl.endpoint-egress", a), ("nacl.endpoint-return", a), ("nacl.s3-egress", a), ("nacl.s3-return", a),
        ("nacl.endpoint-ingress", a), ("nacl.endpoint-ephemeral-out", a)]
    assert nacl_problems(report)[0] == Check(
        "nacl.endpoint-egress", a, "problem",
        f"network ACL {acl} of {a} blocks requests to the interface endpoints' subnets: tcp/443 out to {cidr_b}: "
        f"no rule allows it (final deny rule *); SageMaker jobs in {a} cannot reach the interface endpoints and "
        "hang at start (NACLs are stateless: both directions need a rule)",
        f"aws ec2 create-network-acl-entry --network-acl-id {acl} --egress --rule-number 200 --protocol tcp "
        f"--port-range From=443,To=443 --cidr-block {cidr_b} --rule-action allow")
    assert nacl_problems(report)[4].detail.startswith(
        f"network ACL {acl} of {a} blocks requests from the profile's subnets to the interface endpoints: "
        f"tcp/443 in from {cidr_b}: no rule allows it (final deny rule *)")
    # Subnet b keeps the default network ACL: all its nacl checks are ok.
    assert {c.status for c in report.checks if c.id.startswith("nacl.") and c.subject == b} == {"ok"}


def test_acl_allowing_only_the_vpc_cidr_blocks_s3(aws, built):
    p = built.profile
    a, _ = p.subnets
    pl, cidrs = s3_cidrs(aws)
    acl = custom_acl(aws, p, a, [allow_all(True, "10.0.0.0/16"), allow_all(False, "10.0.0.0/16")])
    report = doctor.run(p, SEED, ec2_client=aws.ec2)
    assert [(c.id, c.subject) for c in nacl_problems(report)] == [("nacl.s3-egress", a), ("nacl.s3-return", a)]
    assert nacl_problems(report)[1].detail.startswith(
        f"network ACL {acl} of {a} blocks return traffic from S3 (prefix list {pl}): tcp 1024-65535 in from "
        f"{cidrs[0]}: no rule allows it (final deny rule *); ")
    assert nacl_problems(report)[1].fix.split("; ")[0] == (
        f"aws ec2 create-network-acl-entry --network-acl-id {acl} --ingress --rule-number 200 --protocol tcp "
        f"--port-range From=1024,To=65535 --cidr-block {cidrs[0]} --rule-action allow")


# --------------------------------------------------------------------------- unknown, never ok


def test_prefix_list_entries_refused_makes_s3_checks_unknown(aws, built):
    def deny(**kwargs):
        raise ClientError({"Error": {"Code": "UnauthorizedOperation", "Message": "not allowed"}},
                          "GetManagedPrefixListEntries")

    aws.ec2.meta.events.register("before-call.ec2.GetManagedPrefixListEntries", deny)
    p = built.profile
    a = p.subnets[0]
    report = doctor.run(p, SEED, ec2_client=aws.ec2)
    assert [c.status for c in report.find("nacl.s3-egress")] == ["unknown", "unknown"]
    assert report.find("nacl.s3-return", a) == [Check(
        "nacl.s3-return", a, "unknown",
        "the S3 prefix list's CIDRs are unknown (GetManagedPrefixListEntries failed (UnauthorizedOperation)): "
        "a network ACL cannot name a prefix list, so its CIDRs must be allowed one by one",
        "Allow ec2:DescribePrefixLists and ec2:GetManagedPrefixListEntries to the caller, then re-run")]
    assert report.find("nacl.endpoint-egress", a)[0].status == "ok"
    assert report.status == "unknown"


def test_describe_network_acls_refused_makes_nacl_checks_unknown(aws, built):
    def deny(**kwargs):
        raise ClientError({"Error": {"Code": "UnauthorizedOperation", "Message": "not allowed"}},
                          "DescribeNetworkAcls")

    aws.ec2.meta.events.register("before-call.ec2.DescribeNetworkAcls", deny)
    report = doctor.run(built.profile, SEED, ec2_client=aws.ec2)
    nacl = [c for c in report.checks if c.id.startswith("nacl.")]
    assert len(nacl) == 12 and {c.status for c in nacl} == {"unknown"}
    assert nacl[0].detail == "DescribeNetworkAcls failed (UnauthorizedOperation)"
    assert report.status == "unknown"


# --------------------------------------------------------------------------- API calls do not grow


@pytest.mark.parametrize("broken", [False, True])
def test_ec2_calls_same_for_2_and_6_subnets(aws, broken):
    counts = {}
    for n in (2, 6):
        aws.backend.reset()
        net = make_network(aws, subnets=n, endpoints=("sagemaker.api", "sts", "logs"))
        if broken:  # a custom network ACL on every subnet: still one DescribeNetworkAcls
            for subnet_id in net.subnets:
                custom_acl(aws, net.profile, subnet_id, [allow_all(True), allow_all(False)])
        aws.backend.reset_requests()
        report = doctor.run(net.profile, ["training"], ec2_client=aws.ec2)
        assert len(report.find("nacl.endpoint-egress")) == n
        counts[n] = sorted(r.operation for r in aws.backend.requests)
    assert counts[2] == counts[6] == sorted(doctor.EC2_CALLS)
    assert counts[2].count("DescribeNetworkAcls") == 1
    assert counts[2].count("GetManagedPrefixListEntries") == 1
