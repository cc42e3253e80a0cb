"""A closed workforce's worker portal does not answer the internet (trial 9, F04).

AWS, Developer Guide "Use Amazon VPC mode from a private worker portal": with ``WorkforceVpcConfig`` the
portal "can also be accessed from public internet until you set the restriction on the public internet". The
restriction is ``SourceIpConfig``, an allow list (botocore's model, read below): absent, a workforce "isn't
restricted to specific IP addresses"; the API reference of ``UpdateWorkforce`` gives the value that restricts
all workers on the public internet, ``10.0.0.0/16`` (a private range: no internet address is in it), and
says that source-IP restriction is not supported for worker portals in VPC (workers in the VPC keep working).
So ``CreateWorkforce`` gets that value injected, any ``SourceIpConfig`` holding an internet address (IPv4 or
IPv6, ``IpAddressType`` ``dualstack`` alike) or no address is refused, and the audit reports a workforce
whose description shows no restriction.

moto (5.2.x) has no CreateWorkforce, UpdateWorkforce, ListWorkforces or DescribeWorkforce: those answer
through botocore's Stubber on the guarded client of the local backend (expected_params pin what is sent; an
unstubbed call raises, so "refused" means nothing was sent).
"""

from __future__ import annotations

import re

import botocore.session
import pytest
from botocore.stub import Stubber

from safemaker import audit, hooks
from safemaker.errors import GuardrailViolation

ARN = "arn:aws:sagemaker:us-east-1:123456789012"
VPC_ID = "vpc-0dddddddddddddddd"
SUB_A = "subnet-0aaaaaaaaaaaaaaaa"
SG = "sg-0bbbbbbbbbbbbbbbb"
COGNITO = {"UserPool": "us-east-1_abcdefghi", "ClientId": "abcdefghijklmnopqrstuvwxyz"}


def _doc(shape_doc: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", shape_doc))


def _documented_closed_cidr() -> str:
    """The CIDR AWS gives to restrict all workers on the public internet, read from UpdateWorkforce's doc string."""
    model = botocore.session.get_session().get_service_model("sagemaker")
    doc = _doc(model.operation_model("UpdateWorkforce").documentation)
    assert "restrict public internet access for all workers, configure the SourceIpConfig CIDR value" in doc
    assert "does not support Source Ip restriction for worker portals in VPC" in doc
    source = _doc(model.shape_for("SourceIpConfig").documentation)
    assert "allow list" in source and "By default, a workforce isn't restricted to specific IP addresses" in source
    [cidr] = set(re.findall(r"IPv4 CIDR block \"?([0-9./]+)\"?", doc))
    return cidr


CLOSED_CIDR = _documented_closed_cidr()
OPEN = [{"Cidrs": ["0.0.0.0/0"]}, {"Cidrs": [CLOSED_CIDR, "::/0"]}, {"Cidrs": ["0.0.0.0/1", "128.0.0.0/1"]},
        {"Cidrs": ["52.0.0.0/8"]}, {"Cidrs": ["2001:db8::/32"]}, {"Cidrs": ["10.0.0.0/7"]}, {"Cidrs": []}]
OPEN_IDS = ["any-v4", "any-v6-dualstack", "split-default", "public-block", "v6-not-ula", "wider-than-rfc1918", "empty"]


def _wvc() -> dict:
    return {"VpcId": VPC_ID, "Subnets": [SUB_A], "SecurityGroupIds": [SG]}


@pytest.fixture
def sm(safemaker_session, profile):
    hooks.install(safemaker_session, profile)
    return safemaker_session.client("sagemaker")


def test_create_gets_the_documented_restriction_injected(sm, profile):
    assert CLOSED_CIDR == "10.0.0.0/16"
    wvc = {"VpcId": profile.vpc_id, "Subnets": list(profile.subnets), "SecurityGroupIds": list(profile.security_group_ids)}
    with Stubber(sm) as stub:
        stub.add_response("create_workforce", {"WorkforceArn": f"{ARN}:workforce/w"},
                          {"WorkforceName": "w", "CognitoConfig": COGNITO, "WorkforceVpcConfig": wvc,
                           "SourceIpConfig": {"Cidrs": [CLOSED_CIDR]}})
        sm.create_workforce(WorkforceName="w", CognitoConfig=COGNITO)  # both injected
        stub.assert_no_pending_responses()


@pytest.mark.parametrize("source", OPEN, ids=OPEN_IDS)
@pytest.mark.parametrize("method", ["create_workforce", "update_workforce"])
def test_a_restriction_that_lets_the_internet_in_is_refused(sm, method, source):
    request = {"WorkforceName": "w", "SourceIpConfig": source}
    if method == "create_workforce":
        request.update(CognitoConfig=COGNITO, WorkforceVpcConfig=_wvc())
    if any(":" in c for c in source["Cidrs"]):
        request["IpAddressType"] = "dualstack"
    with Stubber(sm) as stub:  # nothing stubbed: a request sent would raise
        with pytest.raises(GuardrailViolation) as exc:
            getattr(sm, method)(**request)
        stub.assert_no_pending_responses()
    [v] = exc.value.violations
    assert (v.path, v.rule_id, v.found) == ("SourceIpConfig", "SM-WORKFORCE-SOURCE-IP", source)
    assert "UpdateWorkforce" in v.fix and CLOSED_CIDR in v.fix


@pytest.mark.parametrize("source", [{"Cidrs": [CLOSED_CIDR]}, {"Cidrs": ["172.16.0.0/12", "fd00::/8"]},
                                    {"Cidrs": ["192.168.0.0/24", "100.64.0.0/10"]}], ids=["aws", "dualstack", "mixed"])
def test_an_update_to_private_ranges_is_sent_as_given(sm, source):
    request = {"WorkforceName": "w", "SourceIpConfig": source}
    with Stubber(sm) as stub:
        stub.add_response("update_workforce", {"Workforce": {"WorkforceName": "w", "WorkforceArn": f"{ARN}:workforce/w",
                                                             "SourceIpConfig": source}}, request)
        sm.update_workforce(**request)
        stub.assert_no_pending_responses()


def test_an_update_without_source_ip_config_changes_nothing_and_is_sent(sm):
    request = {"WorkforceName": "w", "WorkforceVpcConfig": _wvc()}
    with Stubber(sm) as stub:
        stub.add_response("update_workforce", {"Workforce": {"WorkforceName": "w", "WorkforceArn": f"{ARN}:workforce/w"}},
                          request)
        sm.update_workforce(**request)
        stub.assert_no_pending_responses()


def test_the_audit_reports_an_unrestricted_portal(safemaker_session, profile):
    client = safemaker_session.client("sagemaker")
    page = {"MaxResults": 100}
    closed = {"WorkforceName": "closed", "WorkforceArn": f"{ARN}:workforce/closed", "WorkforceVpcConfig": _wvc(),
              "SourceIpConfig": {"Cidrs": [CLOSED_CIDR]}}
    # DescribeWorkforce shows an unrestricted workforce with an empty list (Developer Guide, samurai-vpc-workforce-cli)
    portal_open = {"WorkforceName": "open", "WorkforceArn": f"{ARN}:workforce/open", "WorkforceVpcConfig": _wvc(),
                   "SourceIpConfig": {"Cidrs": []}}
    with Stubber(client) as stub:
        stub.add_response("list_workforces", {"Workforces": [
            {"WorkforceName": n, "WorkforceArn": f"{ARN}:workforce/{n}"} for n in ("open", "closed")]}, page)
        stub.add_response("describe_workforce", {"Workforce": portal_open}, {"WorkforceName": "open"})
        stub.add_response("describe_workforce", {"Workforce": closed}, {"WorkforceName": "closed"})
        findings = list(audit.run(profile, clients={"us-east-1": client}, resource_types=["workforce"], max_workers=1))
        stub.assert_no_pending_responses()
    assert [(f.resource_arn, f.rule_id, f.path) for f in findings] == [
        (f"{ARN}:workforce/open", "SM-WORKFORCE-SOURCE-IP", "Workforce.SourceIpConfig")]
    assert findings[0].severity is audit.Severity.CRITICAL  # a way in from the internet


# --------------------------------------------------------------------------- IaC: safemaker check

from test_iac_cli import profile_file, run_json  # noqa: E402,F401  (profile_file: fixture)
from test_iac_unverifiable_sources import _plan  # noqa: E402


def _force(source_ip_config=None) -> tuple:
    after = {"workforce_name": "wf", "workforce_vpc_config": [{"vpc_id": VPC_ID, "subnets": [SUB_A],
                                                               "security_group_ids": [SG]}]}
    if source_ip_config is not None:  # the provider's block: source_ip_config { cidrs = [...] }
        after["source_ip_config"] = [{"cidrs": source_ip_config}]
    return ("aws_sagemaker_workforce", "wf", after)


@pytest.mark.parametrize("cidrs", [None, ["0.0.0.0/0"], ["10.0.0.0/16", "::/0"]], ids=["absent", "any-v4", "any-v6"])
def test_terraform_workforce_with_an_open_portal_fails(profile_file, tmp_path, cidrs):
    f = tmp_path / "plan.json"
    f.write_text(_plan(_force(cidrs)))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    assert [(x["status"], x["rule_id"], x["logical_id"]) for x in rows] == [
        ("FAIL", "SM-WORKFORCE-SOURCE-IP", "aws_sagemaker_workforce.wf")]


def test_terraform_workforce_restricted_to_private_ranges_passes(profile_file, tmp_path):
    f = tmp_path / "plan.json"
    f.write_text(_plan(_force([CLOSED_CIDR])))
    r, rows = run_json(profile_file, str(f))
    assert (r.exit_code, rows) == (0, [])


@pytest.mark.parametrize("source, status", [("", 3), ("      SourceIpConfig:\n        Cidrs: [0.0.0.0/0]\n", 3),
                                            (f"      SourceIpConfig:\n        Cidrs: [{CLOSED_CIDR}]\n", 0)],
                         ids=["absent", "open", "private"])
def test_cloudformation_workforce_portal(profile_file, tmp_path, source, status):
    t = tmp_path / "t.yaml"
    t.write_text("Resources:\n  Force:\n    Type: AWS::SageMaker::Workforce\n    Properties:\n      WorkforceName: wf\n"
                 f"      WorkforceVpcConfig:\n        VpcId: {VPC_ID}\n"
                 f"        Subnets: [{SUB_A}]\n        SecurityGroupIds: [{SG}]\n" + source)
    r, rows = run_json(profile_file, str(t))
    assert r.exit_code == status
    assert [(x["rule_id"], x["logical_id"]) for x in rows] == ([("SM-WORKFORCE-SOURCE-IP", "Force")] if status else [])
