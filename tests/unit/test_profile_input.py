"""Bad input while loading a VPC profile (new-user trial): no silent no-ops.

1. A misspelt ``SAFEMAKER_*`` variable (``SAFEMAKER_SUBNET``) is refused, not ignored.

Pure: files in tmp_path, environment through monkeypatch, no network.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from safemaker.errors import MISSING, ProfileError, ProfileFieldError
from safemaker.profile import OTHER_ENV_VARS, VpcProfile

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve()

ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"
SUBNET_A = "subnet-0aaaaaaaaaaaaaaaa"
SUBNET_C = "subnet-0cccccccccccccccc"
SG = "sg-0bbbbbbbbbbbbbbbb"
VPC = "vpc-0dddddddddddddddd"

GOOD = {
    "region": "us-east-1",
    "vpc_id": VPC,
    "subnets": [SUBNET_A, SUBNET_C],
    "security_group_ids": [SG],
    "execution_role_arn": ROLE,
}

TOML_TOP = f"""region = "us-east-1"
vpc_id = "{VPC}"
subnets = ["{SUBNET_A}", "{SUBNET_C}"]
security_group_ids = ["{SG}"]
execution_role_arn = "{ROLE}"
"""

FIELD_VARS = [f"SAFEMAKER_{name.upper()}" for name in VpcProfile.model_fields]
ALL_VARS = FIELD_VARS + list(OTHER_ENV_VARS)

NO_EFFECT = "an environment variable that safemaker does not read (its value has no effect{})"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in list(os.environ):
        if name.upper().startswith("SAFEMAKER_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def good() -> VpcProfile:
    return VpcProfile.from_mapping(GOOD, source="test", env=False)


def unknown_var(var: str, effect: str, guess: str | None) -> ProfileFieldError:
    """The ProfileFieldError expected for an unread SAFEMAKER_* variable."""
    if guess:
        hint = f"a variable name safemaker reads; did you mean {guess}? Rename it"
    else:
        hint = "a variable name safemaker reads (" + ", ".join(ALL_VARS) + "); rename it"
    return ProfileFieldError(var, NO_EFFECT.format(effect), f"{hint}, or unset it (unset {var})")


# --------------------------------------------------------------------------- 1. SAFEMAKER_* typos

# Misspellings the trial hit or that are one keystroke away; the docs show the first two.
TYPOS = [
    ("SAFEMAKER_SUBNET", "SAFEMAKER_SUBNETS", ": the field 'subnets' is not overridden"),
    (
        "SAFEMAKER_SECURITY_GROUPS",
        "SAFEMAKER_SECURITY_GROUP_IDS",
        ": the field 'security_group_ids' is not overridden",
    ),
    ("SAFEMAKER_SUBNET_IDS", "SAFEMAKER_SUBNETS", ": the field 'subnets' is not overridden"),
    ("SAFEMAKER_VPC", "SAFEMAKER_VPC_ID", ": the field 'vpc_id' is not overridden"),
    (
        "SAFEMAKER_ROLE_ARN",
        "SAFEMAKER_EXECUTION_ROLE_ARN",
        ": the field 'execution_role_arn' is not overridden",
    ),
    ("SAFEMAKER_PROFILES", "SAFEMAKER_PROFILE", ""),
    ("SAFEMAKER_DECISIONS_LOG", "SAFEMAKER_DECISION_LOG", ""),
]


@pytest.mark.parametrize(("var", "guess", "effect"), TYPOS)
def test_misspelt_variable_is_refused_with_the_closest_name(
    tmp_path, monkeypatch, var, guess, effect
):
    path = write(tmp_path, "p.toml", TOML_TOP)
    monkeypatch.setenv(var, "subnet-0eeeeeeeeeeeeeeee")
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.load(path)
    assert exc_info.value.source == str(path)
    assert exc_info.value.errors == [unknown_var(var, effect, guess)]
    assert isinstance(exc_info.value, ProfileError)
    text = str(exc_info.value)
    assert f"  - {var}: found an environment variable that safemaker does not read" in text
    assert f"did you mean {guess}?" in text
    # The value is never shown (it could be anything someone exported).
    assert "subnet-0eeeeeeeeeeeeeeee" not in text


def test_trial_subnet_typo_message_in_full(tmp_path, monkeypatch):
    path = write(tmp_path, "p.toml", TOML_TOP)
    monkeypatch.setenv("SAFEMAKER_SUBNET", "subnet-0eeeeeeeeeeeeeeee")
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.load(path)
    assert str(exc_info.value) == (
        f"Profile {path} is invalid (1 problem(s)):\n"
        "  - SAFEMAKER_SUBNET: found an environment variable that safemaker does not read "
        "(its value has no effect: the field 'subnets' is not overridden); expected a variable "
        "name safemaker reads; did you mean SAFEMAKER_SUBNETS? Rename it, or unset it "
        "(unset SAFEMAKER_SUBNET)"
    )


def test_unlike_any_name_lists_every_valid_name(tmp_path, monkeypatch):
    monkeypatch.setenv("SAFEMAKER_COLOUR", "blue")
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.load(write(tmp_path, "p.toml", TOML_TOP))
    assert exc_info.value.errors == [unknown_var("SAFEMAKER_COLOUR", "", None)]
    listed = exc_info.value.errors[0].expected
    for name in ALL_VARS:
        assert name in listed


def test_every_typo_is_listed_at_once_in_name_order(tmp_path, monkeypatch):
    monkeypatch.setenv("SAFEMAKER_SUBNET", "x")
    monkeypatch.setenv("SAFEMAKER_SECURITY_GROUPS", "y")
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.load(write(tmp_path, "p.toml", TOML_TOP))
    assert [e.field for e in exc_info.value.errors] == [
        "SAFEMAKER_SECURITY_GROUPS",
        "SAFEMAKER_SUBNET",
    ]


def test_typo_comes_first_then_the_field_it_failed_to_set(tmp_path, monkeypatch):
    no_subnets = TOML_TOP.replace(f'subnets = ["{SUBNET_A}", "{SUBNET_C}"]\n', "")
    monkeypatch.setenv("SAFEMAKER_SUBNET", SUBNET_A)
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.load(write(tmp_path, "p.toml", no_subnets))
    assert exc_info.value.errors == [
        unknown_var(
            "SAFEMAKER_SUBNET", ": the field 'subnets' is not overridden", "SAFEMAKER_SUBNETS"
        ),
        ProfileFieldError(
            "subnets",
            MISSING,
            "a list of 1 to 16 unique subnet IDs; set 'subnets' in the profile or "
            "SAFEMAKER_SUBNETS in the environment",
        ),
    ]


def test_typo_in_environment_only_profile(monkeypatch):
    for name, value in GOOD.items():
        text = ",".join(value) if isinstance(value, list) else value
        monkeypatch.setenv(f"SAFEMAKER_{name.upper()}", text)
    monkeypatch.setenv("SAFEMAKER_NOTEBOOK_ROOT_ACESS", "Enabled")
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.load()
    assert exc_info.value.source == "environment"
    assert exc_info.value.errors == [
        unknown_var(
            "SAFEMAKER_NOTEBOOK_ROOT_ACESS",
            ": the field 'notebook_root_access' is not overridden",
            "SAFEMAKER_NOTEBOOK_ROOT_ACCESS",
        )
    ]


def test_misspelt_profile_variable_with_no_source(monkeypatch):
    """SAFEMAKER_PROFIL=... and no --profile: the typo is named next to 'no source'."""
    monkeypatch.setenv("SAFEMAKER_PROFIL", "examples/profile.toml")
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.load()
    assert exc_info.value.source == "(none given)"
    errors = exc_info.value.errors
    assert errors[0] == unknown_var("SAFEMAKER_PROFIL", "", "SAFEMAKER_PROFILE")
    assert [e.field for e in errors] == ["SAFEMAKER_PROFIL", "profile"]
    assert errors[1].found is MISSING


def test_direct_construction_checks_variables_too(monkeypatch):
    monkeypatch.setenv("SAFEMAKER_SUBNET", SUBNET_A)
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile(**GOOD)
    assert exc_info.value.source == "arguments"
    assert [e.field for e in exc_info.value.errors] == ["SAFEMAKER_SUBNET"]


def test_mapping_loader_checks_variables(monkeypatch):
    monkeypatch.setenv("SAFEMAKER_DEFAULT_BUCKETS", "b")
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.from_mapping(GOOD, source="m")
    assert exc_info.value.errors == [
        unknown_var(
            "SAFEMAKER_DEFAULT_BUCKETS",
            ": the field 'default_bucket' is not overridden",
            "SAFEMAKER_DEFAULT_BUCKET",
        )
    ]


def test_env_false_reads_no_field_variable_so_checks_none(tmp_path, monkeypatch):
    monkeypatch.setenv("SAFEMAKER_SUBNET", SUBNET_A)
    monkeypatch.setenv("SAFEMAKER_SUBNETS", "subnet-0eeeeeeeeeeeeeeee")
    assert VpcProfile.load(write(tmp_path, "p.toml", TOML_TOP), env=False) == good()


@pytest.mark.parametrize("var", sorted(OTHER_ENV_VARS))
def test_other_known_variables_are_accepted(tmp_path, monkeypatch, var):
    path = write(tmp_path, "p.toml", TOML_TOP)
    if var == "SAFEMAKER_PROFILE":
        monkeypatch.setenv(var, str(path))
        assert VpcProfile.load() == good()
    else:
        monkeypatch.setenv(var, "1")
        assert VpcProfile.load(path) == good()


def test_field_overrides_are_read_in_any_case_and_accepted(tmp_path, monkeypatch):
    """pydantic-settings matches field variables case-insensitively (case_sensitive=False)."""
    monkeypatch.setenv("safemaker_subnets", SUBNET_C)
    monkeypatch.setenv("SAFEMAKER_Default_Bucket", "sagemaker-closed-123456789012")
    p = VpcProfile.load(write(tmp_path, "p.toml", TOML_TOP))
    assert p.subnets == (SUBNET_C,)
    assert p.default_bucket == "sagemaker-closed-123456789012"


def test_other_variables_are_read_in_capitals_only(tmp_path, monkeypatch):
    """os.environ / typer read SAFEMAKER_PROFILE exactly: 'safemaker_profile' does nothing."""
    monkeypatch.setenv("safemaker_profile", "p.toml")
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.load(write(tmp_path, "p.toml", TOML_TOP))
    assert exc_info.value.errors == [
        unknown_var(
            "safemaker_profile",
            ": SAFEMAKER_PROFILE is read in capitals only",
            "SAFEMAKER_PROFILE",
        )
    ]


def test_field_variable_names_follow_the_settings_config():
    """The names accepted are env_prefix + field name; no nested delimiter is configured."""
    config = VpcProfile.model_config
    assert config["env_prefix"] == "SAFEMAKER_"
    assert config["case_sensitive"] is False
    assert config.get("env_nested_delimiter") in (None, "")
    assert set(OTHER_ENV_VARS).isdisjoint(FIELD_VARS)


def test_no_nested_form_is_read(tmp_path, monkeypatch):
    monkeypatch.setenv("SAFEMAKER_SUBNETS__0", SUBNET_C)
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.load(write(tmp_path, "p.toml", TOML_TOP))
    assert [e.field for e in exc_info.value.errors] == ["SAFEMAKER_SUBNETS__0"]
    assert "did you mean SAFEMAKER_SUBNETS?" in str(exc_info.value)


_NAME = re.compile(r"\bSAFEMAKER_[A-Z0-9_]*[A-Z0-9]\b")
# Typos that the docs and this file show on purpose.
_SHOWN_TYPOS = {var for var, _, _ in TYPOS} | {
    "SAFEMAKER_COLOUR",
    "SAFEMAKER_NOTEBOOK_ROOT_ACESS",
    "SAFEMAKER_PROFIL",
    "SAFEMAKER_DEFAULT_BUCKETS",
    "SAFEMAKER_SUBNETS__0",
}


_SUFFIXES = {".py", ".md", ".toml", ".yaml", ".yml", ".txt", ".sh", ".ipynb", ".json", ".cfg"}


def _repo_files():
    roots = ["src", "tests", "docs", "examples", "benchmarks"]
    for root in roots:
        for path in sorted((REPO / root).rglob("*")):
            if path.is_file() and path.suffix in _SUFFIXES:
                yield path
    for name in ("Makefile", "pyproject.toml", "README.md", "mkdocs.yml"):
        if (REPO / name).is_file():
            yield REPO / name


def test_every_safemaker_variable_of_the_repo_is_known():
    """OTHER_ENV_VARS is the one list: every SAFEMAKER_* name used anywhere must be in it
    or be a field variable, so loading a profile never refuses one of the project's own."""
    used: dict[str, str] = {}
    for path in _repo_files():
        for name in _NAME.findall(path.read_text(encoding="utf-8", errors="replace")):
            used.setdefault(name, str(path.relative_to(REPO)))
    assert "SAFEMAKER_DEBUG" in used and "SAFEMAKER_PROFILE" in used  # the scan found them
    unknown = {
        name: where
        for name, where in used.items()
        if name not in ALL_VARS and name not in _SHOWN_TYPOS
    }
    assert unknown == {}


def test_shown_typos_are_refused(monkeypatch):
    """The names exempted from the scan above are exactly ones that loading refuses."""
    for var in sorted(_SHOWN_TYPOS):
        monkeypatch.setenv(var, "x")
        with pytest.raises(ProfileError) as exc_info:
            VpcProfile.from_mapping(GOOD)
        assert [e.field for e in exc_info.value.errors] == [var]
        monkeypatch.delenv(var)
