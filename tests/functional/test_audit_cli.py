"""``safemaker audit`` against the local backend: formats, exit codes, SARIF validated against the schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from safemaker.cli import app

ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"
SUB_A = "subnet-0aaaaaaaaaaaaaaaa"
SG = "sg-0bbbbbbbbbbbbbbbb"
SCHEMA = json.loads((Path(__file__).parents[1] / "data" / "sarif-schema-2.1.0.json").read_text())
PROFILE_TOML = f"""
region = "us-east-1"
vpc_id = "vpc-0dddddddddddddddd"
subnets = ["{SUB_A}", "subnet-0cccccccccccccccc"]
security_group_ids = ["{SG}"]
execution_role_arn = "{ROLE}"
"""
NB = "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/open"

runner = CliRunner()


@pytest.fixture
def profile_file(tmp_path):
    p = tmp_path / "profile.toml"
    p.write_text(PROFILE_TOML)
    return str(p)


@pytest.fixture
def cli_env(safemaker_local, monkeypatch):
    """Point the CLI's own boto3 session at the local backend."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", safemaker_local.endpoint_url)
    return safemaker_local


@pytest.fixture
def open_notebook(cli_env, safemaker_session):
    sm = safemaker_session.client("sagemaker")
    sm.create_notebook_instance(NotebookInstanceName="open", InstanceType="ml.t3.medium", RoleArn=ROLE,
                                SubnetId=SUB_A, SecurityGroupIds=[SG], RootAccess="Disabled")
    return sm


def audit(*args):
    return runner.invoke(app, ["audit", *args])


def test_audit_json_lines_and_exit_3(open_notebook, profile_file):
    result = audit("--vpc-profile", profile_file, "--format", "json", "--type", "notebook-instance")
    assert result.exit_code == 3, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(x["resource_arn"], x["rule_id"], x["path"], x["found"], x["fix_action"]) for x in lines] == [
        (NB, "SM-NB-DIRECT-INTERNET", "DirectInternetAccess", "Enabled", "recreate")]
    assert lines[0]["security_hub"] == ["SageMaker.1"]
    assert "1 resource(s) checked: 1 finding(s), 0 unknown; 1 at or above --fail-on low" in result.stderr


def test_audit_text_table_and_summary_by_rule(open_notebook, profile_file, monkeypatch):
    from safemaker.cli import _common

    monkeypatch.setattr(_common.out, "_width", 400)  # a wide terminal: no folded cells
    result = audit("--vpc-profile", profile_file, "--type", "notebook-instance")
    assert result.exit_code == 3
    assert "SM-NB-DIRECT-INTERNET" in result.stdout
    assert "Summary by rule" in result.stdout
    assert "SecurityHub:SageMaker.1" in result.stdout
    assert "[recreate]" in result.stdout


def test_audit_sarif_validates_against_the_schema(open_notebook, profile_file, tmp_path):
    out = tmp_path / "audit.sarif"
    result = audit("--vpc-profile", profile_file, "--format", "sarif", "--type", "notebook-instance", "-o", str(out))
    assert result.exit_code == 3
    doc = json.loads(out.read_text())
    jsonschema.Draft4Validator(SCHEMA).validate(doc)
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
            for r in doc["runs"][0]["results"]] == [("SM-NB-DIRECT-INTERNET", NB)]


def test_unwritable_output_exits_2_before_any_call(cli_env, safemaker_local, profile_file, tmp_path):
    # Found by a new-user trial: a traceback after every List/Describe call had run.
    target = tmp_path / "missing" / "audit.json"
    safemaker_local.reset_requests()
    result = audit("--vpc-profile", profile_file, "--format", "json", "-o", str(target))
    assert result.exit_code == 2, result.output
    assert (f"--output is '{target}': cannot write it (No such file or directory); give a file path in an "
            "existing, writable directory, or leave --output out for stdout") in " ".join(result.stderr.split())
    assert "Traceback" not in result.output
    assert safemaker_local.request_count("sagemaker") == 0


def test_text_report_to_a_file(open_notebook, profile_file, tmp_path):
    out = tmp_path / "audit.txt"
    result = audit("--vpc-profile", profile_file, "--type", "notebook-instance", "-o", str(out))
    assert result.exit_code == 3
    text = out.read_text()
    assert "SM-NB-DIRECT-INTERNET" in text
    assert NB in text  # a file is not a terminal: the table is as wide as its content, the ARN unbroken
    assert result.stdout == ""


def test_fail_on_critical_still_fails_on_a_critical_finding(open_notebook, profile_file):
    result = audit("--vpc-profile", profile_file, "--format", "json", "--type", "notebook-instance",
                   "--fail-on", "critical")
    assert result.exit_code == 3
    assert "1 at or above --fail-on critical" in result.stderr


def test_clean_account_exits_0(cli_env, safemaker_session, profile_file):
    sm = safemaker_session.client("sagemaker")
    sm.create_model(ModelName="closed", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img"},
                    EnableNetworkIsolation=True, VpcConfig={"Subnets": [SUB_A], "SecurityGroupIds": [SG]})
    result = audit("--vpc-profile", profile_file, "--type", "model")
    assert result.exit_code == 0, result.output
    assert "No findings: 1 resource(s) checked" in result.stdout
    # every kind the guard has rules for is read (trial 6 F02), so nothing is said to be left out
    assert "Not audited" not in result.stderr


def test_kinds_not_read_are_said(cli_env, safemaker_session, profile_file, monkeypatch):
    """Should a rule be added for a kind the audit does not read yet, each run says so on stderr."""
    from safemaker import audit as audit_module

    monkeypatch.setattr(audit_module, "unaudited_create_operations", lambda: ("CreateSomething",))
    result = audit("--vpc-profile", profile_file, "--type", "model")
    assert result.exit_code == 0, result.output
    assert "Not audited" in result.stderr and "CreateSomething" in result.stderr


def test_medium_findings_below_fail_on_high_exit_0(cli_env, safemaker_session, profile_file):
    sm = safemaker_session.client("sagemaker")
    sm.create_notebook_instance(NotebookInstanceName="rooted", InstanceType="ml.t3.medium", RoleArn=ROLE,
                                SubnetId=SUB_A, SecurityGroupIds=[SG], DirectInternetAccess="Disabled",
                                RootAccess="Enabled")
    result = audit("--vpc-profile", profile_file, "--format", "json", "--type", "notebook-instance",
                   "--fail-on", "high")
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["rule_id"] for line in result.stdout.splitlines()] == ["SM-NB-ROOT"]


@pytest.mark.parametrize(("args", "words"), [
    (["--since", "yesterday"], "--since is 'yesterday'; expected an ISO 8601 date"),
    (["--region", "Tokyo"], "--region is 'Tokyo'; expected an AWS region name"),
    (["--type", "notebook"], "--resource-type is 'notebook'; expected one of"),
    (["--max-workers", "0"], "--max-workers is 0; expected an integer from 1 to 64"),
])
def test_bad_input_exits_2_naming_the_field(cli_env, profile_file, args, words):
    result = audit("--vpc-profile", profile_file, *args)
    assert result.exit_code == 2
    assert words in " ".join(result.stderr.split())
    assert cli_env.request_count("sagemaker") == 0


def test_bad_fail_on_is_a_usage_error(profile_file):
    result = audit("--vpc-profile", profile_file, "--fail-on", "urgent")
    assert result.exit_code == 2
    assert "urgent" in result.stderr


def test_bad_profile_exits_2(tmp_path):
    bad = tmp_path / "p.toml"
    bad.write_text('region = "us-east-1"\n')
    result = audit("--vpc-profile", str(bad))
    assert result.exit_code == 2
    assert "vpc_id" in result.stderr


def test_no_credentials_exits_1(profile_file, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    result = audit("--vpc-profile", profile_file)
    assert result.exit_code == 1
    assert "no AWS credentials found" in result.stderr
