"""A ``SAFEMAKER_<FIELD>`` variable that replaces the administrator's network is visible (trial 8, F06).

``SAFEMAKER_SUBNETS`` / ``SAFEMAKER_SECURITY_GROUP_IDS`` / ``SAFEMAKER_VPC_ID`` replaced the file's values
without a word (``environment_relaxations == ()``, ``profile validate`` said "profile valid"). docs/profile.md
promises: "a value in the environment can quietly undo what the administrator wrote. safemaker says so". The
expected lines below are that promise: the variable, its value (the environment's), the file's value; IDs are
not secrets. An exclusive guard refuses such a profile (tests/functional/test_run_env_replaced.py).
"""

from __future__ import annotations

import json
import logging

import pytest
from typer.testing import CliRunner

from safemaker.cli import app
from safemaker.errors import ProfileError
from safemaker.profile import (
    ADMINISTRATOR_FIELDS,
    RELAXING_FIELDS,
    EnvironmentRelaxation,
    VpcProfile,
    environment_replacements,
    refuse_environment_replacements,
)

from test_profile import _clean_env  # noqa: F401 (autouse: no SAFEMAKER_* of the caller's environment)

ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"
FILE = {
    "region": "us-east-1",
    "vpc_id": "vpc-0dddddddddddddddd",
    "subnets": ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0cccccccccccccccc"],
    "security_group_ids": ["sg-0bbbbbbbbbbbbbbbb"],
    "execution_role_arn": ROLE,
    "vpc_endpoint_ids": ["vpce-0eeeeeeeeeeeeeeee"],
    "volume_kms_key_id": "alias/sagemaker-volume",
    "output_kms_key_id": "alias/sagemaker-output",
    "default_bucket": "sagemaker-closed-123456789012",
}
runner = CliRunner()
pytestmark = pytest.mark.filterwarnings("ignore::safemaker.profile.ProfileRelaxationWarning")

# field -> (variable's text, the file's value as written, the effect)
REPLACED = {
    "vpc_id": ("vpc-0fffffffffffffff0", "vpc-0dddddddddddddddd",
               "the guard will take vpc-0fffffffffffffff0 as the closed network's VPC"),
    "subnets": ("subnet-0fffffffffffffff0", '["subnet-0aaaaaaaaaaaaaaaa", "subnet-0cccccccccccccccc"]',
                "the guard will accept SageMaker network interfaces in subnet-0fffffffffffffff0"),
    "security_group_ids": ("sg-0bbbbbbbbbbbbbbbb,sg-0fffffffffffffff0", '["sg-0bbbbbbbbbbbbbbbb"]',
                           "the guard will accept the security group(s) sg-0fffffffffffffff0"),
    "execution_role_arn": ("arn:aws:iam::123456789012:role/Other", ROLE,
                           "the guard will let SageMaker be passed arn:aws:iam::123456789012:role/Other"),
    "vpc_endpoint_ids": ("vpce-0ffffffffffffffff", '["vpce-0eeeeeeeeeeeeeeee"]',
                         "policies and the doctor will take vpce-0ffffffffffffffff as endpoints of the closed "
                         "network"),
    "volume_kms_key_id": ("alias/mine", "alias/sagemaker-volume",
                          "the guard will require (and accept) the volume KMS key alias/mine"),
    "output_kms_key_id": ("alias/mine", "alias/sagemaker-output",
                          "the guard will require (and accept) the output KMS key alias/mine"),
    "default_bucket": ("someone-elses-bucket", "sagemaker-closed-123456789012",
                       "SageMaker artifacts will go to the bucket someone-elses-bucket"),
}


@pytest.fixture
def profile_file(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(FILE))
    return str(path)


def test_every_field_is_classified():
    """Each field is a policy switch, a network/security value of the administrator's, or the region."""
    fields = set(VpcProfile.model_fields)
    assert set(ADMINISTRATOR_FIELDS) == set(REPLACED)
    assert fields == set(RELAXING_FIELDS) | set(ADMINISTRATOR_FIELDS) | {"region"}
    assert not set(RELAXING_FIELDS) & set(ADMINISTRATOR_FIELDS)


@pytest.mark.parametrize("field", list(REPLACED))
def test_a_variable_replacing_the_files_value_is_a_relaxation_warned_and_logged(field, profile_file, monkeypatch,
                                                                               caplog):
    value, baseline, effect = REPLACED[field]
    variable = f"SAFEMAKER_{field.upper()}"
    monkeypatch.setenv(variable, value)
    with caplog.at_level(logging.WARNING, logger="safemaker.profile"):
        with pytest.warns(UserWarning) as caught:
            p = VpcProfile.load(profile_file)
    expected = EnvironmentRelaxation(field=field, variable=variable, value=value, baseline=baseline,
                                     baseline_from="the file", effect=effect)
    assert p.environment_relaxations == (expected,)
    assert environment_replacements(p) == (expected,) and expected.replaces
    line = f"{variable}={value} replaces {field} (the file says {baseline}): {effect}"
    assert expected.message == line
    assert [str(w.message) for w in caught] == [line]
    assert [r.getMessage() for r in caplog.records if r.name == "safemaker.profile"
            and r.levelno == logging.WARNING] == [line]


def test_the_reproducer_subnets_and_groups(profile_file, monkeypatch):
    monkeypatch.setenv("SAFEMAKER_SUBNETS", "subnet-0fffffffffffffff0")
    monkeypatch.setenv("SAFEMAKER_SECURITY_GROUP_IDS", "sg-0fffffffffffffff0")
    p = VpcProfile.load(profile_file)
    assert [(r.variable, r.value, r.baseline) for r in p.environment_relaxations] == [
        ("SAFEMAKER_SUBNETS", "subnet-0fffffffffffffff0", '["subnet-0aaaaaaaaaaaaaaaa", "subnet-0cccccccccccccccc"]'),
        ("SAFEMAKER_SECURITY_GROUP_IDS", "sg-0fffffffffffffff0", '["sg-0bbbbbbbbbbbbbbbb"]')]


@pytest.mark.parametrize("field, value", [
    ("subnets", "subnet-0cccccccccccccccc"),                       # a subset of the file's: narrower
    ("subnets", "subnet-0cccccccccccccccc,subnet-0aaaaaaaaaaaaaaaa"),  # the same set, another order
    ("vpc_id", "vpc-0dddddddddddddddd"),                           # the same value
    ("security_group_ids", '["sg-0bbbbbbbbbbbbbbbb"]'),
])
def test_a_variable_that_names_nothing_new_is_an_override_only(field, value, profile_file, monkeypatch):
    monkeypatch.setenv(f"SAFEMAKER_{field.upper()}", value)
    p = VpcProfile.load(profile_file)
    assert dict(p.environment_overrides) == {field: f"SAFEMAKER_{field.upper()}"}
    assert p.environment_relaxations == ()
    refuse_environment_replacements(p, "safemaker run")  # nothing to refuse


def test_a_field_the_file_leaves_out_or_a_profile_of_variables_alone_replaces_nothing(tmp_path, monkeypatch):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({k: v for k, v in FILE.items() if k not in ("volume_kms_key_id", "default_bucket")}))
    monkeypatch.setenv("SAFEMAKER_VOLUME_KMS_KEY_ID", "alias/mine")
    monkeypatch.setenv("SAFEMAKER_DEFAULT_BUCKET", "another-bucket")
    p = VpcProfile.load(path)
    assert p.volume_kms_key_id == "alias/mine" and p.environment_relaxations == ()
    monkeypatch.delenv("SAFEMAKER_VOLUME_KMS_KEY_ID")
    monkeypatch.delenv("SAFEMAKER_DEFAULT_BUCKET")
    for name, value in FILE.items():
        monkeypatch.setenv(f"SAFEMAKER_{name.upper()}", json.dumps(value) if isinstance(value, list) else value)
    q = VpcProfile.load()
    assert set(q.environment_overrides) == set(FILE) and q.environment_relaxations == ()
    refuse_environment_replacements(q, "safemaker run")


def test_mapping_source_names_its_baseline(monkeypatch):
    monkeypatch.setenv("SAFEMAKER_VPC_ID", "vpc-0fffffffffffffff0")
    p = VpcProfile.from_mapping(FILE)
    assert p.environment_relaxations[0].message == (
        "SAFEMAKER_VPC_ID=vpc-0fffffffffffffff0 replaces vpc_id (the mapping says vpc-0dddddddddddddddd): "
        "the guard will take vpc-0fffffffffffffff0 as the closed network's VPC")


def test_refusal_names_the_variable_both_values_and_the_fix(profile_file, monkeypatch):
    monkeypatch.setenv("SAFEMAKER_SUBNETS", "subnet-0fffffffffffffff0")
    monkeypatch.setenv("SAFEMAKER_REQUIRE_NETWORK_ISOLATION", "false")  # a switch: warned, not refused here
    p = VpcProfile.load(profile_file)
    with pytest.raises(ProfileError) as exc_info:
        refuse_environment_replacements(p, "safemaker run")
    err = exc_info.value
    assert isinstance(err, ValueError)
    assert err.source == f"{profile_file} (with environment overrides: SAFEMAKER_REQUIRE_NETWORK_ISOLATION, " \
                         "SAFEMAKER_SUBNETS)"
    (problem,) = err.errors
    assert (problem.field, str(problem.found)) == ("SAFEMAKER_SUBNETS", "subnet-0fffffffffffffff0")
    text = str(err)
    for part in ('the file sets to ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0cccccccccccccccc"]',
                 "exclusive guard (safemaker run)", "unset SAFEMAKER_SUBNETS", "--not-exclusive"):
        assert part in text, text


def test_cli_validate_names_the_variable_and_both_values(profile_file, monkeypatch):
    monkeypatch.setenv("SAFEMAKER_SUBNETS", "subnet-0fffffffffffffff0")
    r = runner.invoke(app, ["profile", "validate", "-p", profile_file])
    assert r.exit_code == 0, r.output
    assert r.stderr.splitlines() == [
        'warning: SAFEMAKER_SUBNETS=subnet-0fffffffffffffff0 replaces subnets (the file says '
        '["subnet-0aaaaaaaaaaaaaaaa", "subnet-0cccccccccccccccc"]): the guard will accept SageMaker network '
        'interfaces in subnet-0fffffffffffffff0',
        "profile valid: VPC vpc-0dddddddddddddddd, 1 subnet(s), 1 security group(s), region us-east-1"]
