"""ASFF output and the AWS Security Hub import (safemaker.audit.asff), against moto's Security Hub on 127.0.0.1.

Expected values come from botocore's model of ``BatchImportFindings`` (shape
validation, required members) and the Security Hub documentation (ASFF
required attributes; 100 findings per batch; the default product ARN
``arn:<partition>:securityhub:<region>:<account>:product/<account>/default``).
"""

from __future__ import annotations

import json

import botocore.awsrequest
import botocore.session
import pytest
from botocore.validate import ParamValidator
from typer.testing import CliRunner

from safemaker import audit
from safemaker.audit.asff import MAX_FINDINGS_PER_BATCH, SecurityHubImporter, finding_id, import_findings, to_asff
from safemaker.cli import app

from test_audit import ROLE, model, sm  # noqa: F401  (fixtures; profile: conftest)

HUB = botocore.session.get_session().get_service_model("securityhub")
IMPORT = HUB.operation_model("BatchImportFindings")
ACCOUNT = "123456789012"
# ASFF attributes the Security Hub user guide lists as required (botocore's model marks all but two)
ASFF_REQUIRED = {"AwsAccountId", "CreatedAt", "Description", "GeneratorId", "Id", "ProductArn", "Resources",
                 "SchemaVersion", "Severity", "Title", "Types", "UpdatedAt"}


def _findings(profile, sm, n):
    for i in range(n):
        model(sm, f"m{i:03d}")
    return list(audit.run(profile, clients={"us-east-1": sm}, resource_types=["model"], use_search=False))


def test_every_finding_is_valid_asff_for_botocores_batch_import_findings(safemaker_local, sm, profile):
    sm.create_notebook_instance(NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=ROLE)
    findings = _findings(profile, sm, 1) + list(audit.run(profile, clients={"us-east-1": sm},
                                                          resource_types=["notebook-instance"]))
    items = [to_asff(f) for f in findings]
    report = ParamValidator().validate({"Findings": items}, IMPORT.input_shape)
    assert not report.has_errors(), report.generate_report()
    required = set(IMPORT.input_shape.members["Findings"].member.required_members)
    assert required <= ASFF_REQUIRED
    for item, f in zip(items, findings):
        assert ASFF_REQUIRED <= set(item)
        assert item["SchemaVersion"] == "2018-10-08"
        assert item["ProductArn"] == f"arn:aws:securityhub:us-east-1:{ACCOUNT}:product/{ACCOUNT}/default"
        assert item["AwsAccountId"] == ACCOUNT
        assert item["Severity"]["Label"] == f.severity.value.upper()
        assert item["Resources"][0]["Id"] == f.resource_arn
        assert item["Remediation"]["Recommendation"]["Text"] == f.fix[:512]
        assert len(item["Title"]) <= 256 and len(item["Description"]) <= 1024
    nb = [i for i, f in zip(items, findings) if f.resource_type == "notebook-instance"]
    assert nb and {i["Resources"][0]["Type"] for i in nb} == {"AwsSageMakerNotebookInstance"}


def test_a_finding_without_an_account_is_refused_naming_it():
    """ASFF's AwsFindingSecurity needs AwsAccountId (botocore: required member of AwsSecurityFinding)."""
    from safemaker.errors import InputError

    required = botocore.session.get_session().get_service_model("securityhub").shape_for(
        "AwsSecurityFinding").required_members
    assert "AwsAccountId" in required
    f = audit.Finding(rule_id="NOTEBOOK_DIRECT_INTERNET", status="FAIL", severity=audit.Severity.HIGH,
                      resource_type="AWS::SageMaker::NotebookInstance", resource_arn="template.yaml#Nb",
                      resource_name="Nb", region="", path="DirectInternetAccess", found="Enabled",
                      required="Disabled", required_text=None, fix="Set DirectInternetAccess: Disabled.",
                      fix_action="update")
    with pytest.raises(InputError) as info:
        to_asff(f)
    assert info.value.found == "" and "12-digit AwsAccountId" in str(info.value)
    assert "(safemaker check) have no account" in str(info.value)


def test_finding_ids_are_stable_and_distinct(safemaker_local, sm, profile):
    first = _findings(profile, sm, 2)
    again = list(audit.run(profile, clients={"us-east-1": sm}, resource_types=["model"], use_search=False))
    assert sorted(finding_id(f) for f in first) == sorted(finding_id(f) for f in again)
    assert len({finding_id(f) for f in first}) == len(first) == 4


def test_import_batches_of_100_and_a_rerun_updates_instead_of_duplicating(safemaker_local, sm, profile,
                                                                           safemaker_session):
    findings = _findings(profile, sm, 60)  # 120 findings: isolation + VPC per model
    hub = safemaker_session.client("securityhub")
    sizes = []
    hub.meta.events.register("before-call.securityhub.BatchImportFindings",
                             lambda params, **_: sizes.append(len(json.loads(params["body"])["Findings"])))
    result = import_findings(findings, lambda account, region: hub)
    assert (result.imported, result.failed, result.calls) == (120, [], 2)
    assert sizes == [MAX_FINDINGS_PER_BATCH, 20]
    stored = [f for page in hub.get_paginator("get_findings").paginate() for f in page["Findings"]]
    assert len(stored) == 120
    again = import_findings(findings, lambda account, region: hub)
    assert again.imported == 120
    stored = [f for page in hub.get_paginator("get_findings").paginate() for f in page["Findings"]]
    assert len(stored) == 120  # same Ids: updated, not duplicated
    assert safemaker_local.request_count("securityhub", "BatchImportFindings") == 4


def test_failed_findings_and_failed_calls_are_reported(safemaker_local, sm, profile, safemaker_session):
    findings = _findings(profile, sm, 1)
    hub = safemaker_session.client("securityhub")

    def refuse_first(params, **_):
        first = json.loads(params["body"])["Findings"][0]["Id"]
        response = botocore.awsrequest.AWSResponse("http://127.0.0.1/", 200, {}, None)
        return response, {"FailedCount": 1, "SuccessCount": len(json.loads(params["body"])["Findings"]) - 1,
                          "FailedFindings": [{"Id": first, "ErrorCode": "InvalidInput", "ErrorMessage": "bad"}],
                          "ResponseMetadata": {"HTTPStatusCode": 200}}

    hub.meta.events.register("before-call.securityhub.BatchImportFindings", refuse_first)
    result = import_findings(findings, lambda account, region: hub)
    assert result.imported == 1
    assert result.failed == [{"Id": finding_id(findings[0]), "ErrorCode": "InvalidInput", "ErrorMessage": "bad",
                              "AwsAccountId": ACCOUNT, "Region": "us-east-1"}]

    def no_client(account, region):
        raise botocore.exceptions.NoCredentialsError()

    importer = SecurityHubImporter(no_client)
    for f in findings:
        importer.add(f)
    failed = importer.flush().failed
    assert [(i["ErrorCode"], i["Id"]) for i in failed] == [("NoCredentialsError", finding_id(f)) for f in findings]


@pytest.fixture
def profile_file(tmp_path, profile):
    p = tmp_path / "profile.toml"
    p.write_text(f'region = "us-east-1"\nvpc_id = "vpc-0dddddddddddddddd"\n'
                 f'subnets = {json.dumps(list(profile.subnets))}\n'
                 f'security_group_ids = {json.dumps(list(profile.security_group_ids))}\n'
                 f'execution_role_arn = "{ROLE}"\n')
    return str(p)


def test_cli_asff_format_and_security_hub_import(safemaker_local, sm, profile_file, safemaker_session, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", safemaker_local.endpoint_url)
    model(sm, "open")
    result = CliRunner().invoke(app, ["audit", "-p", profile_file, "-t", "model", "--format", "asff",
                                      "--security-hub"])
    assert result.exit_code == 3, result.output
    items = json.loads(result.stdout)
    assert sorted(i["GeneratorId"] for i in items) == ["safemaker/SM-NET-ISOLATION", "safemaker/SM-NET-VPC"]
    assert not ParamValidator().validate({"Findings": items}, IMPORT.input_shape).has_errors()
    assert "Security Hub: 2 finding(s) imported in 1 BatchImportFindings call(s), 0 failed" in result.stderr
    stored = safemaker_session.client("securityhub").get_findings()["Findings"]
    assert sorted(f["Id"] for f in stored) == sorted(i["Id"] for i in items)
