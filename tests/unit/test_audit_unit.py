"""safemaker.audit, pure parts: inputs, severities, fixes, related controls, JSON lines and SARIF (no network)."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import jsonschema
import pytest

from safemaker import audit
from safemaker.audit import coverage as audit_coverage
from safemaker.audit import fixes as audit_fixes
from safemaker.errors import MISSING, Violation
from safemaker.resources import REFERENCE_ONLY, RESOURCES
from safemaker.rules import RULES, Guardrail

SCHEMA = json.loads((Path(__file__).parents[1] / "data" / "sarif-schema-2.1.0.json").read_text())


def finding(**kw) -> audit.Finding:
    base = dict(rule_id="SM-NB-DIRECT-INTERNET", status="FAIL", severity=audit.Severity.CRITICAL,
                resource_type="notebook-instance",
                resource_arn="arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb", resource_name="nb",
                region="us-east-1", path="DirectInternetAccess", found="Enabled", required="Disabled",
                required_text=None, fix="Recreate the notebook instance", fix_action="recreate",
                related=audit.RELATED_CONTROLS[("notebook-instance", "SM-NB-DIRECT-INTERNET")])
    base.update(kw)
    return audit.Finding(**base)


# --------------------------------------------------------------------------- inputs


def test_Severity_parse_and_order():
    assert audit.Severity.parse("HIGH") is audit.Severity.HIGH
    assert [s.rank for s in audit.Severity] == [0, 1, 2, 3]
    with pytest.raises(audit.AuditInputError) as exc:
        audit.Severity.parse("urgent")
    assert exc.value.field == "fail_on"
    assert str(exc.value) == "fail_on is 'urgent'; expected one of low, medium, high, critical"


@pytest.mark.parametrize(("given", "expected"), [
    ("2025-01-31", dt.datetime(2025, 1, 31, tzinfo=dt.timezone.utc)),
    ("2025-01-31T12:00:00Z", dt.datetime(2025, 1, 31, 12, tzinfo=dt.timezone.utc)),
    ("2025-01-31T12:00:00+09:00", dt.datetime(2025, 1, 31, 3, tzinfo=dt.timezone.utc)),
    (dt.date(2024, 5, 1), dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc)),
    (None, None),
])
def test_parse_since(given, expected):
    assert audit.parse_since(given) == expected


@pytest.mark.parametrize(("given", "words"), [
    ("last tuesday", "an ISO 8601 date or date-time"),
    (20250131, "an ISO 8601 date or date-time"),
    ("2999-01-01", "a date in the past"),
])
def test_parse_since_rejects(given, words):
    with pytest.raises(audit.AuditInputError) as exc:
        audit.parse_since(given)
    assert exc.value.field == "since"
    assert exc.value.found == given
    assert words in exc.value.expected


@pytest.mark.parametrize(("kwargs", "field", "words"), [
    ({"resource_types": ["notebook"]}, "resource_types[0]", "one of notebook-instance, domain"),
    ({"resource_types": ["model", "bogus"]}, "resource_types[1]", "one of"),
    ({"regions": ["us-east-1", "Tokyo"]}, "regions[1]", "an AWS region name"),
    ({"regions": []}, "regions", "at least one AWS region"),
    ({"max_workers": 0}, "max_workers", "an integer from 1 to 64"),
    ({"max_workers": 65}, "max_workers", "an integer from 1 to 64"),
    ({"regions": ["eu-west-1"]}, "regions", "regions that have a client in clients"),
])
def test_run_rejects_bad_input_before_any_call(profile, kwargs, field, words):
    calls = []

    class NoClient:
        def __getattr__(self, name):
            calls.append(name)
            raise AssertionError(f"client used: {name}")

    with pytest.raises(audit.AuditInputError) as exc:
        audit.run(profile, clients={"us-east-1": NoClient()}, **kwargs)
    assert exc.value.field == field
    assert words in exc.value.expected
    assert calls == []


def test_automl_job_is_an_alias_of_v2(profile):
    # both versions are listed by ListAutoMLJobs and described by DescribeAutoMLJobV2
    assert "automl-job" not in audit.AUDIT_ORDER
    assert set(audit.AUDIT_ORDER) == set(RESOURCES) - {"automl-job"} - REFERENCE_ONLY
    if "CreateAutoMLJobV2" in RULES:
        assert audit_coverage._resolve_types(["automl-job", "automl-job-v2"]) == ("automl-job-v2",)


def test_audited_and_unaudited_types_partition_the_order():
    assert set(audit.audited_types()) | set(audit.unaudited_types()) == set(audit.AUDIT_ORDER)
    assert not set(audit.audited_types()) & set(audit.unaudited_types())
    from safemaker.rules_classification import REFUSED

    for kind in audit.audited_types():
        assert kind == "endpoint" or RESOURCES[kind].create_operation in {*RULES, *REFUSED}


def test_every_guarded_create_operation_is_audited_or_said_not_to_be():
    """A new-user trial's finding: spaces, flow definitions and others were never listed, yet the audit said
    "all inside the closed network". Oracle: botocore's model (every Create operation of SageMaker that the
    rule table guards and that leaves a resource with a Describe operation to read) against what the audit
    reads; each one is either read or named by unaudited_create_operations()."""
    import botocore.session

    from safemaker.rules_classification import REFUSED

    model = botocore.session.get_session().get_service_model("sagemaker")
    read = {RESOURCES[k].create_operation for k in (*audit.audited_types(), *REFERENCE_ONLY) if k in RESOURCES}
    missing = set(audit.unaudited_create_operations())
    for op in {*RULES, *REFUSED}:   # guarded, refused by a rule, or refused by the classification alone
        noun = op[len("Create"):]
        if op.startswith("Create") and "Describe" + noun in model.operation_names:
            if op == "CreateAutoMLJob":   # v1 jobs: listed and described as automl-job-v2 (AUDIT_ORDER's note)
                assert op not in missing and "CreateAutoMLJobV2" in read
            else:
                assert (op in read) != (op in missing), op
    # the trial's examples, by botocore's own names: every one is read now (trial 6 F02)
    assert {"CreateSpace", "CreateTrainingSession", "CreateProject", "CreatePartnerApp", "CreateAIBenchmarkJob",
            "CreateAIRecommendationJob", "CreateInferenceRouter", "CreateGlobalInferenceGateway",
            "CreateFlowDefinition"} <= read
    assert missing == set()


# --------------------------------------------------------------------------- fixes from botocore's model


def violation(op, path, rule, found=MISSING):
    return Violation(op, path, found, "x", "Set it", rule)


def test_fix_DirectInternetAccess_is_recreate_F14():
    text, action = audit_fixes._fix("notebook-instance", violation("CreateNotebookInstance", "DirectInternetAccess",
                                                             "SM-NB-DIRECT-INTERNET", "Enabled"))
    assert action == "recreate"
    assert text == ("Recreate the notebook instance with a compliant DirectInternetAccess "
                    "(it cannot be changed after creation)")


def test_fix_RootAccess_names_the_update_operation():
    text, action = audit_fixes._fix("notebook-instance", violation("CreateNotebookInstance", "RootAccess", "SM-NB-ROOT"))
    assert (text, action) == ("Call UpdateNotebookInstance to correct RootAccess", "update")


def test_fix_training_volume_key_is_recreate_although_UpdateTrainingJob_has_ResourceConfig():
    # UpdateTrainingJob.ResourceConfig is ResourceConfigForUpdate (KeepAlivePeriodInSeconds only)
    text, action = audit_fixes._fix("training-job", violation("CreateTrainingJob", "ResourceConfig.VolumeKmsKeyId",
                                                        "SM-KMS-VOLUME"))
    assert action == "recreate"
    assert "no Update operation of the training job carries ResourceConfig.VolumeKmsKeyId" in text


def test_fix_keeps_the_guard_hint_for_a_wrong_value():
    v = Violation("CreateModel", "VpcConfig.Subnets[1]", "subnet-0eeeeeeeeeeeeeeee", ["subnet-0aaaaaaaaaaaaaaaa"],
                  "Use only subnets of the profile's VPC (an administrator can extend the profile)", "SM-NET-VPC")
    text, action = audit_fixes._fix("model", v)
    assert action == "recreate"
    assert text == ("Recreate the model with a compliant VpcConfig (no Update operation of the model carries "
                    "VpcConfig); Use only subnets of the profile's VPC (an administrator can extend the profile)")


def test_updatable_through_walks_the_update_shape():
    assert audit_fixes._updatable_through("UpdateNotebookInstance", "RootAccess")
    assert not audit_fixes._updatable_through("UpdateNotebookInstance", "DirectInternetAccess")
    assert not audit_fixes._updatable_through("UpdateTrainingJob", "ResourceConfig.VolumeKmsKeyId")


# --------------------------------------------------------------------------- severities and related controls


def test_every_rule_has_a_severity():
    assert set(audit.RULE_SEVERITY) == {g.value for g in Guardrail}
    assert audit.RULE_SEVERITY["SM-NB-DIRECT-INTERNET"] is audit.Severity.CRITICAL
    assert audit.RULE_SEVERITY["SM-REFERENCE"] is audit.Severity.HIGH


def test_related_controls_name_real_types_and_rules():
    rule_ids = {g.value for g in Guardrail}
    for (kind, rule_id), related in audit.RELATED_CONTROLS.items():
        assert kind in RESOURCES
        assert rule_id in rule_ids
        assert related.ids()
        assert all(i.startswith("SageMaker.") for i in related.security_hub)
        assert all(i.startswith("sagemaker-") for i in related.aws_config)
        assert all(i.startswith("sagemaker_") for i in related.prowler)


def test_related_controls_of_the_notebook_rules():
    assert audit.RELATED_CONTROLS[("notebook-instance", "SM-NB-DIRECT-INTERNET")].ids() == (
        "SecurityHub:SageMaker.1", "Config:sagemaker-notebook-no-direct-internet-access",
        "Prowler:sagemaker_notebook_instance_without_direct_internet_access_configured")
    assert audit.RELATED_CONTROLS[("notebook-instance", "SM-NET-SUBNET")].security_hub == ("SageMaker.2",)
    assert audit.RELATED_CONTROLS[("notebook-instance", "SM-NB-ROOT")].security_hub == ("SageMaker.3",)
    assert audit.RELATED_CONTROLS[("monitoring-schedule", "SM-NET-ISOLATION")].security_hub == ("SageMaker.14",)


# --------------------------------------------------------------------------- Finding


def test_Finding_message_and_dict_for_absent():
    f = finding(path="SubnetId", found=MISSING, required=["subnet-0aaaaaaaaaaaaaaaa"],
                required_text="one of the profile's subnets ['subnet-0aaaaaaaaaaaaaaaa']", rule_id="SM-NET-SUBNET")
    assert f.message() == ("arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb: SubnetId is absent; "
                           "the profile requires one of the profile's subnets ['subnet-0aaaaaaaaaaaaaaaa']. "
                           "Recreate the notebook instance.")
    d = f.as_dict()
    assert (d["found"], d["found_absent"], d["severity"], d["fix_action"]) == (None, True, "critical", "recreate")
    assert d["security_hub"] == ["SageMaker.1"]


def test_Finding_fingerprint_is_stable_and_distinct():
    assert finding().fingerprint() == finding(found="Other").fingerprint()
    assert finding().fingerprint() != finding(path="RootAccess").fingerprint()


def test_write_json_lines():
    buf = io.StringIO()
    assert audit.write_json_lines([finding(), finding(path="RootAccess", rule_id="SM-NB-ROOT")], buf) == 2
    lines = [json.loads(line) for line in buf.getvalue().splitlines()]
    assert [(x["rule_id"], x["path"]) for x in lines] == [("SM-NB-DIRECT-INTERNET", "DirectInternetAccess"),
                                                          ("SM-NB-ROOT", "RootAccess")]


# --------------------------------------------------------------------------- SARIF 2.1.0


def sarif(findings):
    buf = io.StringIO()
    n = audit.write_sarif(findings, buf, tool_version="9.9.9")
    return n, json.loads(buf.getvalue())


def test_sarif_validates_against_the_schema():
    unknown = finding(status="UNKNOWN", rule_id="SM-REFERENCE", severity=audit.Severity.HIGH,
                      path="DescribeNotebookInstance(NotebookInstanceName='nb')",
                      found="AccessDeniedException: no", fix_action="investigate", related=audit.RelatedControls())
    medium = finding(rule_id="SM-NB-ROOT", severity=audit.Severity.MEDIUM, path="RootAccess", found=MISSING)
    n, doc = sarif([finding(), unknown, medium])
    jsonschema.Draft4Validator(SCHEMA).validate(doc)
    assert n == 3
    run = doc["runs"][0]
    assert run["tool"]["driver"]["name"] == "safemaker"
    assert run["tool"]["driver"]["version"] == "9.9.9"
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == [g.value for g in Guardrail]
    assert [(r["ruleId"], r["level"], r["kind"]) for r in run["results"]] == [
        ("SM-NB-DIRECT-INTERNET", "error", "fail"), ("SM-REFERENCE", "error", "review"),
        ("SM-NB-ROOT", "warning", "fail")]
    first = run["results"][0]
    rules = run["tool"]["driver"]["rules"]
    assert rules[first["ruleIndex"]]["id"] == first["ruleId"]
    assert first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == finding().resource_arn
    assert first["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == (
        finding().resource_arn + "#DirectInternetAccess")
    assert first["partialFingerprints"] == {"safemakerFinding/v1": finding().fingerprint()}
    assert first["properties"]["security_hub"] == ["SageMaker.1"]


def test_sarif_without_findings_is_valid_and_empty():
    n, doc = sarif([])
    jsonschema.Draft4Validator(SCHEMA).validate(doc)
    assert (n, doc["version"], doc["runs"][0]["results"]) == (0, "2.1.0", [])


def test_sarif_schema_rejects_a_broken_log():
    # the shipped schema is not a check that cannot fail
    _, doc = sarif([finding()])
    doc["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(SCHEMA).validate(doc)


# --------------------------------------------------------------------------- permissions


def test_required_actions_follow_references():
    assert audit.required_actions(["endpoint"]) == (
        "sagemaker:DescribeEndpoint", "sagemaker:DescribeEndpointConfig", "sagemaker:DescribeModel",
        "sagemaker:ListEndpoints")
    # a notebook's lifecycle configuration (its scripts run as root) is followed too
    assert audit.required_actions(["notebook-instance"]) == (
        "sagemaker:DescribeNotebookInstance", "sagemaker:DescribeNotebookInstanceLifecycleConfig",
        "sagemaker:ListNotebookInstances")


def test_required_actions_of_everything_are_one_List_and_one_Describe_per_type():
    actions = audit.required_actions()
    kinds = audit.audited_types()
    # plus the Describe of the types followed only as references: a notebook's lifecycle configuration
    followed = {f"sagemaker:{RESOURCES[k].describe_operation}" for k in REFERENCE_ONLY} & set(actions)
    assert followed == {"sagemaker:DescribeNotebookInstanceLifecycleConfig"}
    assert {"sagemaker:ListWorkteams", "sagemaker:DescribeWorkteam"} <= set(actions)   # trial 8 F12
    # read from the List summary alone, no Describe: the kinds whose creation is refused outright (the
    # classification's refused Create operations), and apps (only DomainId, followed to the domain)
    from safemaker.rules_classification import OperationClass, classification

    refused = {op for op, row in classification().items()
               if op.startswith("Create") and row.operation_class is OperationClass.REFUSED}
    listed_only = {k for k in kinds if RESOURCES[k].create_operation in refused} | {"app"}
    assert listed_only == {"ai-recommendation-job", "job", "partner-app", "project", "inference-router",
                           "global-inference-gateway", "app"}
    assert {k for k in kinds if audit.summary_covers(k)} == listed_only
    assert not {f"sagemaker:{RESOURCES[k].describe_operation}" for k in listed_only} & set(actions)
    # plus ListPipelineVersions: every version of a pipeline can be started, not only the latest (trial 10 F13)
    assert "sagemaker:ListPipelineVersions" in actions
    assert len(actions) == 2 * len(kinds) - len(listed_only) + len(followed) + 1
    assert all(a.startswith(("sagemaker:List", "sagemaker:Describe")) for a in actions)
    assert "sagemaker:DescribeAutoMLJobV2" in actions and "sagemaker:DescribeAutoMLJob" not in actions


def test_error_reason_is_one_bounded_line():
    """A failed call's reason is one line of at most 300 characters (moto answers HTML for unknown operations)."""
    import botocore.exceptions

    from safemaker.audit.fixes import _error_reason

    html = "<!doctype html>\n<html>\n  <title>500 Internal Server Error</title>\n" + "x" * 5000
    exc = botocore.exceptions.ClientError({"Error": {"Code": "500", "Message": html}}, "ListWorkforces")
    reason = _error_reason(exc)
    assert "\n" not in reason and len(reason) == 300 and reason.endswith("…")
    assert reason.startswith("500: <!doctype html> <html> <title>500 Internal Server Error</title>")
    short = botocore.exceptions.ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "ListModels")
    assert _error_reason(short) == "AccessDenied: no"


def test_each_audited_kind_is_the_resource_its_create_rule_names():
    """One concept in one place: the rule of the operation that creates an audited kind names that kind
    (``OperationRule.resource``); the operations only the classification refuses have no rule."""
    from safemaker.rules_classification import REFUSED

    for kind in audit.audited_types():
        op = RESOURCES[kind].create_operation
        if op in RULES:
            assert RULES[op].resource == kind, (op, RULES[op].resource, kind)
        else:
            assert op in REFUSED, op
