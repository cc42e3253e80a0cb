"""``safemaker check`` decides a template over every value its deploy form offers (trial 6 F09).

A parameter's ``Default`` is only what the deploy form shows first: whoever deploys
may pick any of its ``AllowedValues`` (CloudFormation User Guide, "Parameters":
"AllowedValues: an array containing the list of values allowed for the parameter"),
and a parameter without ``AllowedValues`` any value, which makes a condition
comparing it with a literal true or false. A CI gate should not pass a template
whose deploy form offers an open choice: each guarded field is decided under
every value an ``AllowedValues`` parameter can take and under both outcomes of
the conditions on parameters; a finding that only some choices cause names them
(``when``). ``--parameter`` pins a value (no choice left).

Expected values come from the templates themselves (their AllowedValues, Default,
Conditions) and the SageMaker API reference (``AppNetworkAccessType``
``PublicInternetOnly``: "non-EFS traffic is through a VPC managed by Amazon SageMaker
AI, which allows direct internet access"; ``DirectInternetAccess`` ``Enabled``).
"""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from safemaker.cli import app
from test_iac_cli import DATA, ROLE, SARIF_SCHEMA, profile_file, run_json  # noqa: F401  (profile_file: fixture)

STUDIO = DATA / "secure-mlops" / "env-sagemaker-studio.yaml"
STUDIO_ARGS = ["--parameter", "VPCId=vpc-0dddddddddddddddd",
               "--parameter", "SageMakerStudioSubnetIds=subnet-0aaaaaaaaaaaaaaaa,subnet-0cccccccccccccccc",
               "--parameter", "SageMakerSecurityGroupIds=sg-0bbbbbbbbbbbbbbbb",
               "--parameter", f"SageMakerExecutionRoleArn={ROLE}", "--parameter", "EnvName=dev"]
runner = CliRunner()


def _studio_spec():
    return yaml.safe_load(STUDIO.read_text().replace("!", ""))


def _app_network(rows):
    return [r for r in rows if r["path"] == "AppNetworkAccessType"]


def test_the_template_offers_the_open_value():
    # the oracle: the template's own parameter (a precondition of the tests below)
    spec = _studio_spec()["Parameters"]["NetworkAccessType"]
    assert (spec["Default"], sorted(spec["AllowedValues"])) == ("VpcOnly", ["PublicInternetOnly", "VpcOnly"])


def test_an_allowed_open_value_is_a_finding_naming_the_parameter_and_value(profile_file):
    r, rows = run_json(profile_file, str(STUDIO), *STUDIO_ARGS)
    assert r.exit_code == 3
    (row,) = _app_network(rows)
    assert (row["status"], row["rule_id"], row["logical_id"], row["found"]) == (
        "FAIL", "SM-STUDIO-VPCONLY", "SageMakerStudioDomain", "PublicInternetOnly")
    assert row["when"] == {"NetworkAccessType": "PublicInternetOnly"}
    assert row["line"] == next(i for i, t in enumerate(STUDIO.read_text().splitlines(), 1)
                               if "AppNetworkAccessType:" in t)


def test_text_and_sarif_say_when(profile_file, tmp_path):
    r = runner.invoke(app, ["check", str(STUDIO), *STUDIO_ARGS, "-p", profile_file], env={"COLUMNS": "400"})
    assert "open when NetworkAccessType=PublicInternetOnly" in " ".join(r.stdout.split())
    out = tmp_path / "r.sarif"
    r = runner.invoke(app, ["check", str(STUDIO), *STUDIO_ARGS, "-p", profile_file, "-f", "sarif", "-o", str(out)])
    log = json.loads(out.read_text())
    jsonschema.validate(log, SARIF_SCHEMA)
    (res,) = [x for x in log["runs"][0]["results"] if x["properties"]["path"] == "AppNetworkAccessType"]
    assert "open when NetworkAccessType=PublicInternetOnly" in res["message"]["text"]
    assert res["properties"]["when"] == {"NetworkAccessType": "PublicInternetOnly"}


def test_a_pinned_parameter_leaves_no_choice(profile_file):
    r, rows = run_json(profile_file, str(STUDIO), *STUDIO_ARGS, "--parameter", "NetworkAccessType=VpcOnly")
    assert _app_network(rows) == []
    r, rows = run_json(profile_file, str(STUDIO), *STUDIO_ARGS,
                       "--parameter", "NetworkAccessType=PublicInternetOnly")
    (row,) = _app_network(rows)
    assert row["found"] == "PublicInternetOnly" and "when" not in row


def _write(tmp_path, template):
    f = tmp_path / "t.json"
    f.write_text(json.dumps(template, indent=1))
    return str(f)


CLOSED_NB = {"InstanceType": "ml.t3.medium", "RoleArn": ROLE, "SubnetId": "subnet-0aaaaaaaaaaaaaaaa",
             "SecurityGroupIds": ["sg-0bbbbbbbbbbbbbbbb"], "DirectInternetAccess": "Disabled",
             "RootAccess": "Disabled"}


def _nb(**props):
    return {"Type": "AWS::SageMaker::NotebookInstance", "Properties": {**CLOSED_NB, **props}}


def test_a_condition_on_a_free_parameter_is_decided_both_ways(profile_file, tmp_path):
    f = _write(tmp_path, {
        "Parameters": {"Env": {"Type": "String", "Default": "prod"}},
        "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]}},
        "Resources": {"Nb": _nb(DirectInternetAccess={"Fn::If": ["IsProd", "Disabled", "Enabled"]})}})
    r, rows = run_json(profile_file, f)
    assert r.exit_code == 3
    (row,) = rows
    assert (row["status"], row["rule_id"], row["path"], row["found"]) == (
        "FAIL", "SM-NB-DIRECT-INTERNET", "DirectInternetAccess", "Enabled")
    assert row["when"] == {"Env": "any value but 'prod'"}
    r, rows = run_json(profile_file, f, "--parameter", "Env=prod")
    assert (r.exit_code, rows) == (0, [])


def test_allowed_values_all_closed_pass(profile_file, tmp_path):
    f = _write(tmp_path, {
        "Parameters": {"Subnet": {"Type": "String", "Default": "subnet-0aaaaaaaaaaaaaaaa",
                                  "AllowedValues": ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0cccccccccccccccc"]}},
        "Resources": {"Nb": _nb(SubnetId={"Ref": "Subnet"})}})
    r, rows = run_json(profile_file, f)
    assert (r.exit_code, rows) == (0, [])


def test_allowed_values_without_default_are_decided_not_unknown(profile_file, tmp_path):
    f = _write(tmp_path, {
        "Parameters": {"Access": {"Type": "String", "AllowedValues": ["Disabled", "Enabled"]}},
        "Resources": {"Nb": _nb(DirectInternetAccess={"Ref": "Access"})}})
    r, rows = run_json(profile_file, f)
    assert [(x["status"], x["path"], x["found"], x["when"]) for x in rows] == [
        ("FAIL", "DirectInternetAccess", "Enabled", {"Access": "Enabled"})]


def test_a_resource_created_only_for_some_choice(profile_file, tmp_path):
    f = _write(tmp_path, {
        "Parameters": {"WithLab": {"Type": "String", "Default": "no", "AllowedValues": ["no", "yes"]}},
        "Conditions": {"Lab": {"Fn::Equals": [{"Ref": "WithLab"}, "yes"]}},
        "Resources": {"Nb": {**_nb(DirectInternetAccess="Enabled"), "Condition": "Lab"}}})
    r, rows = run_json(profile_file, f)
    assert [(x["logical_id"], x["path"], x["when"]) for x in rows] == [
        ("Nb", "DirectInternetAccess", {"WithLab": "yes"})]


def test_two_parameters_that_open_only_together_are_both_named(profile_file, tmp_path):
    f = _write(tmp_path, {
        "Parameters": {"A": {"Type": "String", "Default": "x", "AllowedValues": ["x", "y"]},
                       "B": {"Type": "String", "Default": "x", "AllowedValues": ["x", "y"]}},
        "Conditions": {"Both": {"Fn::And": [{"Fn::Equals": [{"Ref": "A"}, "y"]},
                                            {"Fn::Equals": [{"Ref": "B"}, "y"]}]}},
        "Resources": {"Nb": _nb(DirectInternetAccess={"Fn::If": ["Both", "Enabled", "Disabled"]})}})
    r, rows = run_json(profile_file, f)
    assert [(x["path"], x["when"]) for x in rows] == [("DirectInternetAccess", {"A": "y", "B": "y"})]


def test_a_finding_every_choice_has_names_no_choice(profile_file, tmp_path):
    f = _write(tmp_path, {
        "Parameters": {"Size": {"Type": "String", "Default": "ml.t3.medium",
                                "AllowedValues": ["ml.t3.medium", "ml.t3.large"]}},
        "Resources": {"Nb": _nb(InstanceType={"Ref": "Size"}, RootAccess="Enabled")}})
    r, rows = run_json(profile_file, f)
    assert [(x["path"], x["found"], "when" in x) for x in rows] == [("RootAccess", "Enabled", False)]


# CloudFormation User Guide, "Parameters": NoEcho "Whether to mask the parameter value to prevent it from being
# displayed in the console, command line tools, or API"; a check report goes to CI logs and code scanning (trial 15b)
SECRET = "hf_q8WzT3kLmN5pR7sV9xY2bC4dF6gH"


def _no_echo_template(tmp_path, **spec):
    return _write(tmp_path, {
        "Parameters": {"Token": {"Type": "String", "NoEcho": True, **spec}},
        "Conditions": {"Gated": {"Fn::Equals": [{"Ref": "Token"}, SECRET]}},
        "Resources": {"Nb": _nb(DirectInternetAccess={"Fn::If": ["Gated", "Enabled", "Disabled"]})}})


def test_a_no_echo_parameter_s_value_is_never_shown(profile_file, tmp_path):
    f = _no_echo_template(tmp_path, Default="none", AllowedValues=["none", SECRET])
    r, rows = run_json(profile_file, f)
    assert r.exit_code == 3
    assert [(x["path"], x["found"], x["when"]) for x in rows] == [("DirectInternetAccess", "Enabled", {"Token": "****"})]
    for fmt in ("text", "json", "sarif"):
        out = runner.invoke(app, ["check", f, "-p", profile_file, "-f", fmt])
        assert out.exit_code == 3 and "Token" in out.stdout
        assert SECRET not in out.stdout


def test_a_free_no_echo_parameter_names_no_value(profile_file, tmp_path):
    f = _no_echo_template(tmp_path, Default=SECRET)  # open at its default; closed for any other value
    r, rows = run_json(profile_file, f)
    assert [(x["path"], x["found"]) for x in rows] == [("DirectInternetAccess", "Enabled")]
    assert SECRET not in r.stdout
    f = _no_echo_template(tmp_path, Default="none")  # closed at its default, open when the secret is given
    r, rows = run_json(profile_file, f)
    assert [(x["path"], x["when"]) for x in rows] == [("DirectInternetAccess", {"Token": "****"})]
    assert SECRET not in r.stdout


HIDDEN_SUBNET = "subnet-0deadbeef5ec12345"  # a NoEcho value a guarded property holds (not the profile's subnet)


@pytest.mark.parametrize("how", ["allowed", "default", "given"])
def test_a_no_echo_value_a_failing_property_holds_is_not_shown_as_found(profile_file, tmp_path, how):
    # trial 15c F08: the value reached the finding's found (a subnet other than the profile's), not only its when
    spec = {"Type": "String", "NoEcho": True}
    args = []
    if how == "allowed":
        spec.update(Default="subnet-0aaaaaaaaaaaaaaaa", AllowedValues=["subnet-0aaaaaaaaaaaaaaaa", HIDDEN_SUBNET])
    elif how == "default":
        spec.update(Default=HIDDEN_SUBNET)
    else:
        args = ["--parameter", f"Net={HIDDEN_SUBNET}"]
    f = _write(tmp_path, {"Parameters": {"Net": spec},
                          "Resources": {"Nb": _nb(SubnetId={"Ref": "Net"})}})
    for fmt in ("text", "json", "sarif"):
        out = runner.invoke(app, ["check", f, "-p", profile_file, "-f", fmt, *args])
        assert out.exit_code == 3, out.stdout
        assert HIDDEN_SUBNET not in out.stdout and "****" in out.stdout
