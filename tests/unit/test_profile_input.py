"""Bad input while loading a VPC profile (new-user trial): no silent no-ops.

1. A misspelt ``SAFEMAKER_*`` variable (``SAFEMAKER_SUBNET``) is refused, not ignored.
2. A key given twice in a YAML / JSON / TOML profile is refused, not "last one wins".
3. A malformed ``ssm:`` parameter name is refused before any client or request.

Pure: files in tmp_path, environment through monkeypatch, a stand-in SSM client, no
network (tests/functional/test_profile_input_ssm.py runs 2 and 3 against moto).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import importlib.util

from dev_env import DEV_ENV_VARS as TEST_DEV_ENV_VARS

from safemaker.errors import MISSING, ProfileError, ProfileFieldError
from safemaker.profile import DEV_ENV_PREFIX, OTHER_ENV_VARS, VpcProfile

# The profile tests' stand-ins, IDs and environment clean-up (an autouse fixture: importing it here
# makes it apply to this module's tests too).
from test_profile import GOOD, PARTITION_WORDS, REPO, ROLE, SG, SUBNET_A, SUBNET_C, VPC, FakeSsm, _clean_env  # noqa: F401

HERE = Path(__file__).resolve()

TOML_TOP = f"""region = "us-east-1"
vpc_id = "{VPC}"
subnets = ["{SUBNET_A}", "{SUBNET_C}"]
security_group_ids = ["{SG}"]
execution_role_arn = "{ROLE}"
"""

FIELD_VARS = [f"SAFEMAKER_{name.upper()}" for name in VpcProfile.model_fields]
ALL_VARS = FIELD_VARS + list(OTHER_ENV_VARS)


def _bench_dev_env_vars() -> dict[str, str]:
    """benchmarks/_offline.py's DEV_ENV_VARS (the module is loaded by path: benchmarks is no package)."""
    spec = importlib.util.spec_from_file_location("_bench_offline", REPO / "benchmarks" / "_offline.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return dict(module.DEV_ENV_VARS)


# The tests' and the benchmarks' own variables, listed where they are read (not in the library).
DEV_VARS = {**TEST_DEV_ENV_VARS, **_bench_dev_env_vars()}

NO_EFFECT = "an environment variable that safemaker does not read (its value has no effect{})"


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
    """SAFEMAKER_PROFIL=... and no --vpc-profile: the typo is named next to 'no source'."""
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


def _used_names() -> dict[str, list[str]]:
    """Every SAFEMAKER_* name of the repository -> the files that name it."""
    used: dict[str, list[str]] = {}
    for path in _repo_files():
        for name in set(_NAME.findall(path.read_text(encoding="utf-8", errors="replace"))):
            used.setdefault(name, []).append(str(path.relative_to(REPO)))
    return used


def test_every_safemaker_variable_of_the_repo_is_known():
    """OTHER_ENV_VARS is the one list of the library's other variables, tests/dev_env.py and
    benchmarks/_offline.py those of the tests and benchmarks: every SAFEMAKER_* name used anywhere
    must be in one of them or be a field variable, so loading a profile never refuses one of the
    project's own."""
    used = {name: where[0] for name, where in _used_names().items()}
    assert "SAFEMAKER_DEBUG" in used and "SAFEMAKER_PROFILE" in used  # the scan found them
    assert "SAFEMAKER_DEV_E2E" in used and "SAFEMAKER_DEV_BENCH_BLOCKED" in used
    unknown = {
        name: where
        for name, where in used.items()
        if name not in ALL_VARS and name not in DEV_VARS and name not in _SHOWN_TYPOS
    }
    assert unknown == {}


def test_development_variables_stay_out_of_the_library():
    """The tests' and benchmarks' variables are under DEV_ENV_PREFIX, none is the library's, no file
    of src/ names one (the library reads none of them), and each is used outside its list."""
    assert DEV_VARS and all(name.startswith(DEV_ENV_PREFIX) for name in DEV_VARS)
    assert not any(name.startswith(DEV_ENV_PREFIX) for name in ALL_VARS)
    used = _used_names()
    in_src = {name: where for name, where in used.items()
              if name.startswith(DEV_ENV_PREFIX) and any(w.startswith("src/") for w in where)}
    assert in_src == {}
    lists = {"tests/dev_env.py", "benchmarks/_offline.py"}
    unused = [name for name in DEV_VARS if not set(used.get(name, ())) - lists]
    assert unused == []


@pytest.mark.parametrize("var", sorted(DEV_VARS))
def test_development_variables_are_accepted(tmp_path, monkeypatch, var):
    monkeypatch.setenv(var, "1")
    assert VpcProfile.load(write(tmp_path, "p.toml", TOML_TOP)) == good()


def test_development_prefix_is_read_in_capitals_only(tmp_path, monkeypatch):
    """Only the documented spelling is skipped: a lowercase one is a misspelt variable like any other."""
    monkeypatch.setenv("safemaker_dev_e2e", "1")
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.load(write(tmp_path, "p.toml", TOML_TOP))
    assert [e.field for e in exc_info.value.errors] == ["safemaker_dev_e2e"]


def test_shown_typos_are_refused(monkeypatch):
    """The names exempted from the scan above are exactly ones that loading refuses."""
    for var in sorted(_SHOWN_TYPOS):
        monkeypatch.setenv(var, "x")
        with pytest.raises(ProfileError) as exc_info:
            VpcProfile.from_mapping(GOOD)
        assert [e.field for e in exc_info.value.errors] == [var]
        monkeypatch.delenv(var)


# --------------------------------------------------------------------------- 2. repeated keys

TWICE_YAML = """\
region: us-east-1
vpc_id: vpc-0dddddddddddddddd
subnets: [subnet-0aaaaaaaaaaaaaaaa]
security_group_ids: [sg-0bbbbbbbbbbbbbbbb]
execution_role_arn: arn:aws:iam::123456789012:role/SageMakerExecRole
subnets: [subnet-0cccccccccccccccc]
"""

YAML_FIX = (
    "each key once per mapping (YAML keeps only the last value, silently): "
    "keep one {!r} entry, merging the values if both are needed"
)
JSON_FIX = (
    "each key once per object (JSON keeps only the last value, silently): "
    "keep one {!r} entry, merging the values if both are needed"
)


def load_error(tmp_path, name, text) -> ProfileError:
    path = write(tmp_path, name, text)
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.load(path)
    assert exc_info.value.source == str(path)
    return exc_info.value


def test_yaml_key_twice_names_key_and_lines(tmp_path):
    error = load_error(tmp_path, "p.yaml", TWICE_YAML)
    assert error.errors == [
        ProfileFieldError(
            "subnets",
            "the key 'subnets' 2 times in one mapping (lines 3 and 6)",
            YAML_FIX.format("subnets"),
        )
    ]
    assert str(error) == (
        f"Profile {tmp_path / 'p.yaml'} is invalid (1 problem(s)):\n"
        "  - subnets: found the key 'subnets' 2 times in one mapping (lines 3 and 6); "
        "expected each key once per mapping (YAML keeps only the last value, silently): "
        "keep one 'subnets' entry, merging the values if both are needed"
    )
    # The values are not shown (either could be the one meant).
    assert "subnet-0cccccccccccccccc" not in str(error)


def test_yaml_nested_key_three_times_and_another_key_all_listed(tmp_path):
    text = "safemaker:\n" + "".join(f"  {line}\n" for line in TWICE_YAML.splitlines())
    text += "  region: us-east-1\n  subnets: [subnet-0aaaaaaaaaaaaaaaa]\n"
    error = load_error(tmp_path, "p.yml", text)
    assert error.errors == [
        ProfileFieldError(
            "safemaker.region",
            "the key 'region' 2 times in one mapping (lines 2 and 8)",
            YAML_FIX.format("region"),
        ),
        ProfileFieldError(
            "safemaker.subnets",
            "the key 'subnets' 3 times in one mapping (lines 4, 7 and 9)",
            YAML_FIX.format("subnets"),
        ),
    ]


def test_yaml_repeat_inside_a_list_item_on_one_line(tmp_path):
    text = TWICE_YAML.rsplit("subnets:", 1)[0] + "extra:\n  - {a: 1, a: 2}\n"
    error = load_error(tmp_path, "p.yaml", text)
    # The repeat is reported before (and instead of) the unknown field 'extra'.
    assert error.errors == [
        ProfileFieldError(
            "extra.0.a",
            "the key 'a' 2 times in one mapping (line 7, column 6 and line 7, column 12)",
            YAML_FIX.format("a"),
        )
    ]


def test_yaml_one_key_two_spellings(tmp_path):
    """'yes' and 'true' both load as the key True in YAML 1.1: still one key given twice."""
    text = TWICE_YAML.rsplit("subnets:", 1)[0] + "extra:\n  yes: 1\n  true: 2\n"
    error = load_error(tmp_path, "p.yaml", text)
    assert error.errors == [
        ProfileFieldError(
            "extra.yes",
            "the key 'yes' 2 times in one mapping (lines 7 and 8, also written 'true')",
            YAML_FIX.format("yes"),
        )
    ]


def test_yaml_merge_key_may_be_overridden(tmp_path):
    """A key written next to '<<:' overrides the merged one: YAML's rule, not a repeat."""
    text = TWICE_YAML.rsplit("subnets:", 1)[0].replace(
        "region: us-east-1\n",
        "<<: {region: eu-west-1, default_bucket: sagemaker-closed-123456789012}\n"
        "region: us-east-1\n",
    )
    p = VpcProfile.load(write(tmp_path, "p.yaml", text))
    assert p.region == "us-east-1"
    assert p.default_bucket == "sagemaker-closed-123456789012"
    assert p.subnets == (SUBNET_A,)


def test_yaml_without_repeats_loads_as_before(tmp_path):
    text = TWICE_YAML.rsplit("subnets:", 1)[0]
    assert VpcProfile.load(write(tmp_path, "p.yaml", text)) == VpcProfile.from_mapping(
        dict(GOOD, subnets=[SUBNET_A]), env=False
    )


def test_yaml_syntax_error_still_reported_with_position(tmp_path):
    error = load_error(tmp_path, "p.yaml", "subnets: [a\n")
    assert error.errors == [
        ProfileFieldError(
            "line 2, column 1",
            "invalid YAML (while parsing a flow sequence expected ',' or ']', "
            "but got '<stream end>')",
            "a valid YAML document",
        )
    ]


JSON_TWICE = (
    '{"region": "us-east-1", "vpc_id": "vpc-0dddddddddddddddd",\n'
    ' "subnets": ["subnet-0aaaaaaaaaaaaaaaa"],\n'
    ' "security_group_ids": ["sg-0bbbbbbbbbbbbbbbb"],\n'
    ' "execution_role_arn": "arn:aws:iam::123456789012:role/SageMakerExecRole",\n'
    ' "subnets": ["subnet-0cccccccccccccccc"]}\n'
)


def test_json_key_twice_names_the_key_path(tmp_path):
    error = load_error(tmp_path, "p.json", JSON_TWICE)
    assert error.errors == [
        ProfileFieldError(
            "subnets", "the key 'subnets' 2 times in one object", JSON_FIX.format("subnets")
        )
    ]


def test_json_nested_and_in_list_all_listed(tmp_path):
    inner = JSON_TWICE.strip()[:-1] + ', "tags": [{"k": 1, "k": 2, "k": 3}]}'
    error = load_error(tmp_path, "p.json", '{"safemaker": ' + inner + "}")
    assert error.errors == [
        ProfileFieldError(
            "safemaker.subnets",
            "the key 'subnets' 2 times in one object",
            JSON_FIX.format("subnets"),
        ),
        ProfileFieldError(
            "safemaker.tags.0.k", "the key 'k' 3 times in one object", JSON_FIX.format("k")
        ),
    ]


def test_json_without_repeats_gives_plain_dicts(tmp_path):
    text = json.dumps({"safemaker": GOOD})
    assert VpcProfile.load(write(tmp_path, "p.json", text)) == good()
    assert VpcProfile.from_mapping(json.loads(text), env=False) == good()


TOML_REPEAT = "a key or table that is already set (TOML: Cannot overwrite a value)"
TOML_REPEAT_FIX = "each key and table once: delete or merge the repeated one at this line"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (TOML_TOP + f'subnets = ["{SUBNET_C}"]\n', "line 6, column 39"),
        # Was asserted as a bare "invalid TOML (Cannot overwrite a value)" in test_profile.py.
        ('region = "us-east-1"\nregion = "us-west-2"\n', "line 2, column 21"),
    ],
)
def test_toml_key_twice_is_a_profile_error(tmp_path, text, where):
    error = load_error(tmp_path, "p.toml", text)
    assert error.errors == [ProfileFieldError(where, TOML_REPEAT, TOML_REPEAT_FIX)]
    assert f"  - {where}: found {TOML_REPEAT}; expected {TOML_REPEAT_FIX}" in str(error)
    assert "us-west-2" not in str(error)


@pytest.mark.parametrize(
    ("text", "where", "tables"),
    [
        (
            "[safemaker]\n" + TOML_TOP + '[safemaker]\nnotebook_root_access = "Enabled"\n',
            "line 7, column 11",
            "('safemaker',)",
        ),
        (
            "[safemaker]\n" + TOML_TOP + "[safemaker.subnets]\nx = 1\n",
            "line 7, column 19",
            "('safemaker', 'subnets')",
        ),
    ],
)
def test_toml_table_twice_is_a_profile_error(tmp_path, text, where, tables):
    error = load_error(tmp_path, "p.toml", text)
    assert error.errors == [
        ProfileFieldError(
            where,
            "a table declared twice, or over a key already set "
            f"(TOML: Cannot declare {tables} twice)",
            TOML_REPEAT_FIX,
        )
    ]


# --------------------------------------------------------------------------- 3. SSM names


class NoClient:
    """An SSM client / boto3 session that must not be used (the name is checked first)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []

    def get_parameter(self, **kwargs):
        self.calls.append(("get_parameter", kwargs))
        raise AssertionError("GetParameter was called")

    def client(self, *args, **kwargs):
        self.calls.append(("client", {"args": args, **kwargs}))
        raise AssertionError("a client was created")


CHARS = (
    "an SSM parameter name of only letters, digits and _ . - / (found {}): "
    "fix the name or its quoting"
)
RESERVED = (
    "an SSM parameter name that does not start with 'aws' or 'ssm' in any case ('/aws/...' too): "
    "those prefixes are reserved by AWS, so no profile can be stored there; publish the "
    "profile under another name such as /safemaker/profile"
)
SELECTOR = (
    "a selector after ':' that is a version number or a label (1 to 100 of letters, digits "
    "and _ . -, not starting with a digit, 'aws' or 'ssm'); found {!r}"
)
ARN_FORM = (
    "an SSM parameter ARN of the form "
    "arn:<partition>:ssm:<region>:<12-digit account>:parameter/<name> "
    f"(partition {PARTITION_WORDS}), or a parameter name"
)
LONG = (
    "an SSM parameter name of at most 1011 characters, counting the ARN prefix "
    "arn:<partition>:ssm:<region>:<account>:parameter/ ({} has {})"
)

BAD_NAMES = [
    ("bad name!", ["bad name!"], [CHARS.format("' ', '!'")]),
    (" /safemaker/profile", [" /safemaker/profile"], [CHARS.format("' '")]),
    ("/safemaker/profilé", ["/safemaker/profilé"], [CHARS.format("'é'")]),
    ("/safemaker/*", ["/safemaker/*"], [CHARS.format("'*'")]),
    (
        "safemaker/profile",
        ["safemaker/profile"],
        ["a hierarchical SSM parameter name that starts with '/' (fully qualified): "
         "'/safemaker/profile'"],
    ),
    ("awsProfile", ["awsProfile"], [RESERVED]),
    ("SSM-profile", ["SSM-profile"], [RESERVED]),
    ("/aws/safemaker/profile", ["/aws/safemaker/profile"], [RESERVED]),
    ("/AWS/safemaker", ["/AWS/safemaker"], [RESERVED]),
    ("/safemaker/profile:1x", ["/safemaker/profile:1x"], [SELECTOR.format("1x")]),
    ("/safemaker/profile:SSM-lbl", ["/safemaker/profile:SSM-lbl"], [SELECTOR.format("SSM-lbl")]),
    ("/safemaker/profile:", ["/safemaker/profile:"], [SELECTOR.format("")]),
    ("/safemaker/profile:" + "l" * 101, ["/safemaker/profile:" + "l" * 101],
     [SELECTOR.format("l" * 101)]),
    (
        "/safemaker/profile:prod:2",
        ["/safemaker/profile:prod:2"],
        ["at most one ':' selector after the name: <name>:<version> or <name>:<label>"],
    ),
    (
        "arn:aws:ssm:us-east-1:12345:parameter/safemaker/profile",
        ["arn:aws:ssm:us-east-1:12345:parameter/safemaker/profile"],
        [ARN_FORM],
    ),
    (
        "arn:aws:s3:::bucket/key",
        ["arn:aws:s3:::bucket/key"],
        [ARN_FORM],
    ),
    (
        "arn:aws:ssm:us-east-1:123456789012:parameter/",
        ["arn:aws:ssm:us-east-1:123456789012:parameter/"],
        ["a parameter name after 'ssm:' (or after 'parameter/' in an ARN)"],
    ),
    ("/" + "p" * 1011, ["a name of 1012 characters"], [LONG.format("the name", 1012)]),
    (
        "arn:aws:ssm:us-east-1:123456789012:parameter/" + "p" * 967,
        ["a name of 1012 characters"],
        [LONG.format("the ARN", 1012)],
    ),
    (
        "p" * 2049,
        ["a name of 2049 characters"],
        ["an SSM parameter name of at most 2048 characters (GetParameter Name): "
         "check what was passed after 'ssm:'"],
    ),
    (
        "aws bad",
        ["aws bad", "aws bad"],
        [CHARS.format("' '"), RESERVED],
    ),
]


@pytest.mark.parametrize(("name", "found", "expected"), BAD_NAMES, ids=lambda v: str(v)[:40])
def test_bad_ssm_name_is_refused_before_any_client(name, found, expected):
    spy = NoClient()
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.load(f"ssm:{name}", boto3_session=spy)
    assert exc_info.value.source == f"ssm:{name}"
    assert exc_info.value.errors == [
        ProfileFieldError("(source)", f, e) for f, e in zip(found, expected)
    ]
    with pytest.raises(ProfileError):
        VpcProfile.from_ssm(name, ssm_client=spy)
    assert spy.calls == []


@pytest.mark.parametrize(
    "name",
    [
        "/safemaker/profile",
        "safemaker-profile",
        "Profile_1.json",
        "/safemaker/team-a/profile:3",
        "/safemaker/profile:prod",
        "/safemaker/profile:Prod_2.a-b",
        "/team-aws/profile",  # "aws" is reserved only at the start
        "arn:aws:ssm:us-east-1:123456789012:parameter/safemaker/profile",
        "arn:aws-cn:ssm:cn-north-1:123456789012:parameter/flat-name:2",
        "/" + "p" * 1010,
        "arn:aws:ssm:us-east-1:123456789012:parameter/" + "p" * 966,
    ],
    ids=lambda v: v[:40],
)
def test_good_ssm_name_reaches_get_parameter(name):
    ssm = FakeSsm(json.dumps(GOOD))
    assert VpcProfile.load(f"ssm:{name}", ssm_client=ssm) == good()
    assert ssm.calls == [{"Name": name, "WithDecryption": True}]


def test_cli_bad_ssm_name_exits_2_naming_the_rule():
    from typer.testing import CliRunner

    from safemaker.cli import app

    r = CliRunner().invoke(app, ["profile", "validate", "-p", "ssm:bad name!"])
    assert r.exit_code == 2, r.output
    assert "Profile ssm:bad name! is invalid (1 problem(s))" in r.stderr
    assert (
        "(source): found 'bad name!'; expected " + CHARS.format("' ', '!'")
    ) in r.stderr


# --------------------------------------------------------------------------- YAML alias bombs (second trial)

BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 10) if prev else ', '.join(['x'] * 10)}]\n"
    for prev, name in zip([None, "a", "b", "c", "d", "e", "f", "g"], "abcdefgh"))


@pytest.mark.parametrize("tail", ["region: [*h, *h]\n", "subnets: *h\n", "x: &x [*x]\n"])
def test_alias_bomb_profile_is_refused_at_once(tmp_path, tail):
    # 10^8 values through nested anchors (or a recursive one): the trial's profile ran at 100% CPU
    # until killed. Counted on the node graph, it is refused before anything walks it.
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB + tail if not tail.startswith("x:") else tail)
    with pytest.raises(ProfileError) as info:
        VpcProfile.load(str(path))
    assert ("found invalid YAML (the document expands to more than 100,000 values through aliases (*anchor "
            "references); write the values out, without nested anchors)") in str(info.value)


def test_anchors_that_stay_small_still_load(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(f"""region: us-east-1
vpc_id: {VPC}
subnets: ["{SUBNET_A}", "{SUBNET_C}"]
security_group_ids: ["{SG}"]
execution_role_arn: &role "{ROLE}"
additional_role_arns: [*role]
""")
    p = VpcProfile.load(str(path))
    assert (p.execution_role_arn, list(p.additional_role_arns)) == (ROLE, [ROLE])


def test_alias_bomb_request_file_is_bad_input(tmp_path):
    from typer.testing import CliRunner

    from safemaker.cli import app

    req = tmp_path / "req.yaml"
    req.write_text(BOMB + "TrainingJobName: j\nHyperParameters: {k: *h}\n")
    profile = tmp_path / "p.toml"
    profile.write_text(TOML_TOP)
    r = CliRunner().invoke(app, ["check", "CreateTrainingJob", str(req), "-p", str(profile)])
    assert r.exit_code == 2, r.output
    assert f"request file {req}: not valid JSON or YAML at line 1, column 1" in " ".join(r.stderr.split())
