"""SAFEMAKER_<FIELD> variables that set or loosen a profile field are visible.

Field report (new-user trial): ``SAFEMAKER_REQUIRE_NETWORK_ISOLATION=false safemaker profile validate
-p p.toml`` said "profile valid" and ``profile show`` displayed False with no sign that it came from the
environment. Now the profile records which fields the environment set, a relaxation of the guard is
logged on ``safemaker.profile`` at load, and ``profile show`` / ``validate`` print one warning per
relaxation on stderr.
"""

from __future__ import annotations

import json
import logging

import pytest
from typer.testing import CliRunner

from safemaker.cli import app
from safemaker.profile import RELAXING_FIELDS, EnvironmentRelaxation, ProfileRelaxationWarning, VpcProfile

from test_profile import _clean_env  # noqa: F401 (autouse: no SAFEMAKER_* of the caller's environment)

ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"
OTHER_ROLE = "arn:aws:iam::123456789012:role/Other"
TOML = f"""\
region = "us-east-1"
vpc_id = "vpc-0dddddddddddddddd"
subnets = ["subnet-0aaaaaaaaaaaaaaaa"]
security_group_ids = ["sg-0bbbbbbbbbbbbbbbb"]
execution_role_arn = "{ROLE}"
require_network_isolation = true
"""
NETWORK_ISOLATION_WARNING = (
    "SAFEMAKER_REQUIRE_NETWORK_ISOLATION=false relaxes require_network_isolation (the file says true): "
    "the guard will not require EnableNetworkIsolation"
)
runner = CliRunner()

# The relaxations these tests make on purpose are asserted, not reported as test-run warnings.
pytestmark = pytest.mark.filterwarnings("ignore::safemaker.profile.ProfileRelaxationWarning")


@pytest.fixture
def profile_file(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(TOML)
    return str(path)


def relaxation_lines(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "safemaker.profile" and r.levelno == logging.WARNING]


def test_relaxing_fields_are_the_guard_switches_and_extra_roles():
    assert list(RELAXING_FIELDS) == [
        "require_network_isolation", "require_inter_container_traffic_encryption", "notebook_root_access",
        "allow_pipeline_network_parameters", "preflight_warnings", "allow_unclassified_operations",
        "allow_unverified_templates", "allow_pipeline_callbacks",
        "additional_role_arns"]


def test_env_preflight_warnings_is_a_recorded_relaxation(profile_file, monkeypatch):
    monkeypatch.setenv("SAFEMAKER_PREFLIGHT_WARNINGS", "SM-PRE-REQUIREMENTS")
    with pytest.warns(ProfileRelaxationWarning, match="SAFEMAKER_PREFLIGHT_WARNINGS=SM-PRE-REQUIREMENTS"):
        p = VpcProfile.load(profile_file)
    assert p.preflight_warnings == ("SM-PRE-REQUIREMENTS",)
    (relaxation,) = p.environment_relaxations
    assert relaxation.field == "preflight_warnings"
    assert relaxation.effect == ("the guard will only warn, not refuse, on the preflight checks "
                                 "SM-PRE-REQUIREMENTS")


def test_env_false_over_file_true_is_recorded_warned_and_logged(profile_file, monkeypatch, caplog):
    monkeypatch.setenv("SAFEMAKER_REQUIRE_NETWORK_ISOLATION", "false")
    with caplog.at_level(logging.WARNING, logger="safemaker.profile"):
        p = VpcProfile.load(profile_file)
    assert p.require_network_isolation is False
    assert dict(p.environment_overrides) == {"require_network_isolation": "SAFEMAKER_REQUIRE_NETWORK_ISOLATION"}
    assert p.environment_relaxations == (EnvironmentRelaxation(
        field="require_network_isolation", variable="SAFEMAKER_REQUIRE_NETWORK_ISOLATION", value="false",
        baseline="true", baseline_from="the file", effect="the guard will not require EnableNetworkIsolation"),)
    assert p.environment_relaxations[0].message == NETWORK_ISOLATION_WARNING
    assert relaxation_lines(caplog) == [NETWORK_ISOLATION_WARNING]


def test_every_relaxing_variable_gets_its_line_against_the_default(profile_file, monkeypatch, caplog):
    monkeypatch.setenv("SAFEMAKER_REQUIRE_INTER_CONTAINER_TRAFFIC_ENCRYPTION", "false")
    monkeypatch.setenv("SAFEMAKER_NOTEBOOK_ROOT_ACCESS", "Enabled")
    monkeypatch.setenv("SAFEMAKER_ALLOW_PIPELINE_NETWORK_PARAMETERS", "true")
    monkeypatch.setenv("SAFEMAKER_ADDITIONAL_ROLE_ARNS", OTHER_ROLE)
    with caplog.at_level(logging.WARNING, logger="safemaker.profile"):
        p = VpcProfile.load(profile_file)
    assert relaxation_lines(caplog) == [
        "SAFEMAKER_REQUIRE_INTER_CONTAINER_TRAFFIC_ENCRYPTION=false relaxes "
        "require_inter_container_traffic_encryption (the default is true): "
        "the guard will not require EnableInterContainerTrafficEncryption",
        "SAFEMAKER_NOTEBOOK_ROOT_ACCESS=Enabled relaxes notebook_root_access (the default is Disabled): "
        "the guard will not require RootAccess Disabled on notebook instances",
        "SAFEMAKER_ALLOW_PIPELINE_NETWORK_PARAMETERS=true relaxes allow_pipeline_network_parameters "
        "(the default is false): the guard will accept pipeline parameters in a pipeline step's network "
        "fields (whoever starts an execution can override them)",
        f"SAFEMAKER_ADDITIONAL_ROLE_ARNS={OTHER_ROLE} relaxes additional_role_arns (the default is []): "
        f"the guard will also let SageMaker be passed {OTHER_ROLE}",
    ]
    assert [r.field for r in p.environment_relaxations] == [
        "require_inter_container_traffic_encryption", "notebook_root_access",
        "allow_pipeline_network_parameters", "additional_role_arns"]


def test_variable_name_matched_in_any_case_shows_the_raw_value(profile_file, monkeypatch, caplog):
    monkeypatch.setenv("safemaker_require_network_isolation", "0")
    with caplog.at_level(logging.WARNING, logger="safemaker.profile"):
        p = VpcProfile.load(profile_file)
    assert p.require_network_isolation is False
    assert relaxation_lines(caplog) == [
        "SAFEMAKER_REQUIRE_NETWORK_ISOLATION=0 relaxes require_network_isolation (the file says true): "
        "the guard will not require EnableNetworkIsolation"]


@pytest.mark.parametrize("file_value, env_value", [("false", "false"), ("false", "true"), ("true", "true")])
def test_override_that_does_not_loosen_is_recorded_but_not_warned(tmp_path, monkeypatch, caplog,
                                                                   file_value, env_value):
    path = tmp_path / "p.toml"
    path.write_text(TOML.replace("require_network_isolation = true", f"require_network_isolation = {file_value}"))
    monkeypatch.setenv("SAFEMAKER_REQUIRE_NETWORK_ISOLATION", env_value)
    with caplog.at_level(logging.WARNING, logger="safemaker.profile"):
        p = VpcProfile.load(path)
    assert p.require_network_isolation is (env_value == "true")
    assert dict(p.environment_overrides) == {"require_network_isolation": "SAFEMAKER_REQUIRE_NETWORK_ISOLATION"}
    assert p.environment_relaxations == ()
    assert relaxation_lines(caplog) == []


def test_role_already_in_the_file_is_no_relaxation(tmp_path, monkeypatch, caplog):
    path = tmp_path / "p.toml"
    path.write_text(TOML + f'additional_role_arns = ["{OTHER_ROLE}"]\n')
    monkeypatch.setenv("SAFEMAKER_ADDITIONAL_ROLE_ARNS", OTHER_ROLE)
    with caplog.at_level(logging.WARNING, logger="safemaker.profile"):
        p = VpcProfile.load(path)
    assert p.additional_role_arns == (OTHER_ROLE,)
    assert p.environment_relaxations == () and relaxation_lines(caplog) == []


def test_mapping_and_environment_only_sources_name_their_baseline(monkeypatch, caplog):
    monkeypatch.setenv("SAFEMAKER_REQUIRE_NETWORK_ISOLATION", "false")
    data = {"region": "us-east-1", "vpc_id": "vpc-0dddddddddddddddd", "subnets": ["subnet-0aaaaaaaaaaaaaaaa"],
            "security_group_ids": ["sg-0bbbbbbbbbbbbbbbb"], "execution_role_arn": ROLE,
            "require_network_isolation": True}
    p = VpcProfile.from_mapping(data)
    assert p.environment_relaxations[0].message == (
        "SAFEMAKER_REQUIRE_NETWORK_ISOLATION=false relaxes require_network_isolation (the mapping says true): "
        "the guard will not require EnableNetworkIsolation")
    for name, value in data.items():
        if name != "require_network_isolation":
            monkeypatch.setenv(f"SAFEMAKER_{name.upper()}", json.dumps(value) if isinstance(value, list) else value)
    q = VpcProfile.load()
    assert q.environment_relaxations[0].message == (
        "SAFEMAKER_REQUIRE_NETWORK_ISOLATION=false relaxes require_network_isolation (the default is true): "
        "the guard will not require EnableNetworkIsolation")
    assert set(q.environment_overrides) == set(data)


def test_env_false_reads_no_variable_and_warns_nothing(profile_file, monkeypatch, caplog):
    monkeypatch.setenv("SAFEMAKER_REQUIRE_NETWORK_ISOLATION", "false")
    with caplog.at_level(logging.WARNING, logger="safemaker.profile"):
        p = VpcProfile.load(profile_file, env=False)
    assert p.require_network_isolation is True
    assert dict(p.environment_overrides) == {} and p.environment_relaxations == ()
    assert relaxation_lines(caplog) == []


def test_where_a_value_came_from_does_not_change_equality(profile_file, monkeypatch):
    monkeypatch.setenv("SAFEMAKER_REGION", "us-west-2")
    p = VpcProfile.load(profile_file)
    q = VpcProfile.from_mapping(p.to_dict(), env=False)
    assert dict(p.environment_overrides) == {"region": "SAFEMAKER_REGION"} and dict(q.environment_overrides) == {}
    assert p == q and hash(p) == hash(q)
    assert p != VpcProfile.load(profile_file, env=False)


# --------------------------------------------------------------------------- CLI


def test_cli_validate_warns_once_per_relaxation(profile_file, monkeypatch):
    monkeypatch.setenv("SAFEMAKER_REQUIRE_NETWORK_ISOLATION", "false")
    r = runner.invoke(app, ["profile", "validate", "-p", profile_file])
    assert r.exit_code == 0, r.output
    assert r.stderr.splitlines() == [
        f"warning: {NETWORK_ISOLATION_WARNING}",
        "profile valid: VPC vpc-0dddddddddddddddd, 1 subnet(s), 1 security group(s), region us-east-1"]


def test_cli_show_json_lists_environment_overrides(profile_file, monkeypatch):
    monkeypatch.setenv("SAFEMAKER_REQUIRE_NETWORK_ISOLATION", "false")
    monkeypatch.setenv("SAFEMAKER_REGION", "us-west-2")
    r = runner.invoke(app, ["profile", "show", "-p", profile_file, "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["require_network_isolation"] is False and doc["region"] == "us-west-2"
    assert doc["environment_overrides"] == {"region": "SAFEMAKER_REGION",
                                            "require_network_isolation": "SAFEMAKER_REQUIRE_NETWORK_ISOLATION"}
    assert r.stderr.splitlines() == [f"warning: {NETWORK_ISOLATION_WARNING}"]


def test_cli_show_json_without_overrides_is_the_profile_alone(profile_file):
    r = runner.invoke(app, ["profile", "show", "-p", profile_file, "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert "environment_overrides" not in doc
    assert VpcProfile.from_mapping(doc, env=False) == VpcProfile.load(profile_file)
    assert r.stderr == ""


def test_cli_show_table_marks_the_overridden_rows(profile_file, monkeypatch):
    monkeypatch.setenv("SAFEMAKER_REQUIRE_NETWORK_ISOLATION", "false")
    r = runner.invoke(app, ["profile", "show", "-p", profile_file])
    assert r.exit_code == 0, r.output
    rows = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:4]]
            for line in r.stdout.splitlines() if line.startswith("│")}
    assert rows["require_network_isolation"] == ["False", "environment (SAFEMAKER_REQUIRE_NETWORK_ISOLATION)"]
    assert rows["region"] == ["us-east-1", ""]
    assert r.stderr.splitlines() == [f"warning: {NETWORK_ISOLATION_WARNING}"]


# --------------------------------------------------------------------------- every command, and the library
# Second new-user trial: `policy render` dropped the whole DenyNetworkIsolationAbsent statement with
# SAFEMAKER_REQUIRE_NETWORK_ISOLATION=false set, without a word; only `profile show/validate` warned.


def test_library_load_issues_a_python_warning_seen_without_logging_setup(profile_file, monkeypatch):
    from safemaker.profile import ProfileRelaxationWarning

    monkeypatch.setenv("SAFEMAKER_REQUIRE_NETWORK_ISOLATION", "false")
    with pytest.warns(ProfileRelaxationWarning) as caught:
        VpcProfile.load(profile_file)
    assert [str(w.message) for w in caught] == [NETWORK_ISOLATION_WARNING]


def test_library_load_without_relaxation_issues_no_warning(profile_file, monkeypatch):
    import warnings

    monkeypatch.setenv("SAFEMAKER_REQUIRE_NETWORK_ISOLATION", "true")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert VpcProfile.load(profile_file).require_network_isolation is True


@pytest.mark.parametrize("args", [
    ["policy", "render", "--kind", "guardrail"],
    ["check", "CreateTrainingJob", "REQ"],
    ["profile", "validate"],
    ["profile", "show", "--format", "json"],
])
def test_every_command_that_loads_the_profile_warns_once_on_stderr(profile_file, monkeypatch, tmp_path, args):
    req = tmp_path / "req.json"
    req.write_text(json.dumps({"TrainingJobName": "j"}))
    monkeypatch.setenv("SAFEMAKER_REQUIRE_NETWORK_ISOLATION", "false")
    r = runner.invoke(app, [str(req) if a == "REQ" else a for a in args] + ["-p", profile_file])
    assert r.exit_code in (0, 3), r.output
    lines = [line for line in r.stderr.splitlines() if line.startswith("warning:")]
    assert lines == [f"warning: {NETWORK_ISOLATION_WARNING}"]
    assert "warning:" not in r.stdout  # data on stdout stays clean (JSON parses)


def test_policy_render_without_the_variable_prints_no_warning(profile_file):
    r = runner.invoke(app, ["policy", "render", "--kind", "guardrail", "-p", profile_file])
    assert r.exit_code == 0, r.output
    assert "warning:" not in r.stderr
