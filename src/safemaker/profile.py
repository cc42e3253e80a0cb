"""The VPC profile: which closed network SageMaker work must run in.

A :class:`VpcProfile` names the VPC, its subnets and security groups, the
execution role(s) that may be passed to SageMaker, optional KMS keys and
bucket, and the policy switches (network isolation, inter-container traffic
encryption, notebook root access) whose defaults are the closed ones.

It is loaded from a TOML, YAML or JSON file, from a JSON document in SSM
Parameter Store (the administrator's "shared" profile), or from
``SAFEMAKER_*`` environment variables alone; ``SAFEMAKER_<FIELD>`` variables
always override file and SSM values. :meth:`VpcProfile.discover` builds one
from what EC2 reports about an existing VPC.

Every failure is a :class:`~safemaker.errors.ProfileError` that lists every
bad field at once; nothing is ignored without a word (a misspelt ``SAFEMAKER_*``
variable, a key repeated in a file, a malformed SSM parameter name are errors).
The profile never calls SageMaker.
"""

from __future__ import annotations

import contextvars
import difflib
import json
import logging
import os
import re
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Annotated, Any, Iterable, Literal, Mapping, Sequence

import yaml
from pydantic import (
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from safemaker.errors import MISSING, ProfileError, ProfileFieldError, ProfileRelaxationWarning, aws_error
from safemaker.partitions import partition_ids, partition_of_region, partition_pattern
from safemaker.preflight._specs import CHECK_IDS as _PREFLIGHT_IDS
from safemaker.preflight._specs import CheckId as PreflightCheckId

if sys.version_info >= (3, 11):  # pragma: no cover - version switch
    import tomllib
else:  # pragma: no cover - version switch
    import tomli as tomllib

if TYPE_CHECKING:  # pragma: no cover
    import boto3

__all__ = [
    "VpcProfile",
    "resolve_profile",
    "EnvironmentRelaxation",
    "ProfileRelaxationWarning",
    "RELAXING_FIELDS",
    "ENV_PREFIX",
    "OTHER_ENV_VARS",
    "PROFILE_ENV_VAR",
    "SSM_PREFIX",
    "TABLE_NAME",
]

logger = logging.getLogger(__name__)


logger.addHandler(logging.NullHandler())

ENV_PREFIX = "SAFEMAKER_"
"""Prefix of the per-field environment variables (``SAFEMAKER_REGION`` ...)."""

PROFILE_ENV_VAR = "SAFEMAKER_PROFILE"
"""Environment variable naming the profile source when none is passed."""

OTHER_ENV_VARS: Mapping[str, str] = MappingProxyType(
    {
        PROFILE_ENV_VAR: "the profile source: a file path or ssm:<parameter name>",
        "SAFEMAKER_DEBUG": "debug output of safemaker's loggers on stderr",
        "SAFEMAKER_DECISION_LOG": "JSON-lines file the guard appends its decisions to",
        "SAFEMAKER_GUARD_MODE": "mode of the process guard turned on by 'import safemaker.auto' and "
                                "'safemaker run': enforce (default) or warn",
        "SAFEMAKER_ENDPOINT_URL": "endpoint URL for the doctor, infra and profile commands",
        "SAFEMAKER_S3_ENDPOINT_URL": "S3 endpoint URL for 'safemaker notebook wheelhouse' (local backend)",
        "SAFEMAKER_STACK": "name of the closed-network stack of 'safemaker infra'",
        "SAFEMAKER_E2E": "turns on the tests against a real AWS account (tests/e2e)",
        "SAFEMAKER_FUZZ_EXAMPLES": "number of examples of the fuzz tests (make fuzz)",
        "SAFEMAKER_MATRIX_SUITE": "suite name set by tests/run_matrix.py for its child runs",
        "SAFEMAKER_BENCH_BLOCKED": "file the audit benchmark logs refused addresses to",
        "SAFEMAKER_BENCH_CHECKOV_VENV": "virtualenv with checkov for benchmarks/iac/bench_iac.py",
        "SAFEMAKER_BENCH_PROWLER_VENV": "virtualenv with Prowler for benchmarks/audit/bench_audit.py",
        "SAFEMAKER_REHEARSAL_NETLOG": "set by a rehearsal in its sandbox: file its network attempts are recorded in",
        "SAFEMAKER_REHEARSAL_CODE_DIR": "set by a rehearsal in its sandbox: the job's code directory",
        "SAFEMAKER_RUN_PYTHON": "set by 'safemaker run': its own Python (which has safemaker), named by a "
                                "child Python that cannot import safemaker",
    }
)
"""Every ``SAFEMAKER_*`` variable that is not a profile field, and what reads it.

The one list of them: loading a profile refuses any other ``SAFEMAKER_*``
variable that is not a field override either (a typo such as
``SAFEMAKER_SUBNET`` would otherwise be ignored without a word). These are
read with this exact spelling (capitals); field overrides, as pydantic-settings
reads them, in any case.
"""

SSM_PREFIX = "ssm:"
"""Prefix that marks a profile source as an SSM parameter name."""

TABLE_NAME = "safemaker"
"""Name of the optional table (TOML) / key (YAML, JSON) that holds the profile."""

SUFFIXES = (".toml", ".yaml", ".yml", ".json")

# --------------------------------------------------------------------------- patterns

_HEX_ID = r"(?:[0-9a-f]{8}|[0-9a-f]{17})"
_PARTITION = partition_pattern()  # every partition of botocore's data (safemaker.partitions)
_PARTITION_WORDS = ", ".join(partition_ids()[:-1]) + " or " + partition_ids()[-1]
_REGION = r"[a-z]{2,4}(?:-[a-z]+){1,2}-[0-9]{1,2}"
_ROLE_CHARS = r"[A-Za-z0-9+=,.@_-]"
_KMS_KEY_ID = r"(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})"
_KMS_ALIAS = r"alias/[A-Za-z0-9/_-]{1,250}"

REGION_PATTERN = rf"^{_REGION}$"
ROLE_ARN_PATTERN = (
    rf"^arn:{_PARTITION}:iam::[0-9]{{12}}:role/(?:{_ROLE_CHARS}+/)*{_ROLE_CHARS}{{1,64}}$"
)
KMS_KEY_PATTERN = (
    rf"^(?:{_KMS_KEY_ID}|{_KMS_ALIAS}"
    rf"|arn:{_PARTITION}:kms:{_REGION}:[0-9]{{12}}:(?:key/{_KMS_KEY_ID}|{_KMS_ALIAS}))$"
)


def _id_pattern(prefix: str) -> str:
    return rf"^{prefix}-{_HEX_ID}$"


def _id_words(noun: str, prefix: str) -> str:
    return f"{noun}: '{prefix}-' followed by 8 or 17 lowercase hex digits"


_REGION_WORDS = "AWS region name such as 'us-east-1' (lowercase, ending in a digit)"
_ROLE_WORDS = (
    "IAM role ARN: 'arn:<partition>:iam::<12-digit account>:role/<name>' "
    f"with partition {_PARTITION_WORDS}"
)
_KMS_WORDS = (
    "KMS key: a key ID (UUID or 'mrk-' + 32 hex digits), a key ARN, "
    "an alias name 'alias/<name>' or an alias ARN"
)
_BUCKET_WORDS = (
    "S3 bucket name: 3 to 63 lowercase letters, digits, '.' and '-', "
    "starting and ending with a letter or digit"
)
_BOOL_WORDS = "true or false"

RegionName = Annotated[str, StringConstraints(pattern=REGION_PATTERN)]
VpcId = Annotated[str, StringConstraints(pattern=_id_pattern("vpc"))]
SubnetId = Annotated[str, StringConstraints(pattern=_id_pattern("subnet"))]
SecurityGroupId = Annotated[str, StringConstraints(pattern=_id_pattern("sg"))]
VpcEndpointId = Annotated[str, StringConstraints(pattern=_id_pattern("vpce"))]
RoleArn = Annotated[str, StringConstraints(pattern=ROLE_ARN_PATTERN)]
KmsKeyId = Annotated[str, StringConstraints(pattern=KMS_KEY_PATTERN)]


@dataclass(frozen=True)
class _FieldWords:
    """What a field (and, for list fields, each element) must hold, in words."""

    whole: str
    element: str | None = None
    env_list: bool = False


_WORDS: dict[str, _FieldWords] = {
    "region": _FieldWords(_REGION_WORDS),
    "vpc_id": _FieldWords(_id_words("VPC ID", "vpc")),
    "subnets": _FieldWords(
        "a list of 1 to 16 unique subnet IDs", _id_words("subnet ID", "subnet"), True
    ),
    "security_group_ids": _FieldWords(
        "a list of 1 to 5 unique security group IDs", _id_words("security group ID", "sg"), True
    ),
    "execution_role_arn": _FieldWords(_ROLE_WORDS),
    "additional_role_arns": _FieldWords(
        "a list of unique IAM role ARNs (may be empty)", _ROLE_WORDS, True
    ),
    "vpc_endpoint_ids": _FieldWords(
        "a list of unique VPC endpoint IDs", _id_words("VPC endpoint ID", "vpce"), True
    ),
    "volume_kms_key_id": _FieldWords(_KMS_WORDS),
    "output_kms_key_id": _FieldWords(_KMS_WORDS),
    "default_bucket": _FieldWords(_BUCKET_WORDS),
    "require_network_isolation": _FieldWords(_BOOL_WORDS),
    "require_inter_container_traffic_encryption": _FieldWords(_BOOL_WORDS),
    "notebook_root_access": _FieldWords("'Disabled' or 'Enabled'"),
    "allow_pipeline_network_parameters": _FieldWords(_BOOL_WORDS),
    "preflight_warnings": _FieldWords(
        "a list of preflight check IDs (" + ", ".join(_PREFLIGHT_IDS) + ")",
        "a preflight check ID (" + ", ".join(_PREFLIGHT_IDS) + ")", True
    ),
    "allow_unclassified_operations": _FieldWords(_BOOL_WORDS),
}

_PROBLEMS = "safemaker_problems"


def _problems(*problems: tuple[str, Any, str]) -> PydanticCustomError:
    """A pydantic error carrying several ``(path suffix or field, found, expected)`` triples."""
    summary = "; ".join(f"{p[0]}: {p[2]}" for p in problems)
    return PydanticCustomError(_PROBLEMS, "{summary}", {"summary": summary, "problems": problems})


class _Hidden:
    """Stands for a value that must not be shown (e.g. the value of an unknown field)."""

    def __repr__(self) -> str:
        return "<value not shown>"


_HIDDEN = _Hidden()


class _Text(str):
    """A found-value that is a description, shown without quotes."""

    def __repr__(self) -> str:
        return str(self)


_partition_of_region = partition_of_region  # botocore's partition data (safemaker.partitions)


_S3_BAD_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_S3_BAD_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def _bucket_problem(name: str) -> str | None:
    """Why ``name`` breaks the S3 general purpose bucket naming rules, or None."""
    if not 3 <= len(name) <= 63:
        return f"3 to 63 characters (found {len(name)})"
    if not re.fullmatch(r"[a-z0-9.-]+", name):
        return "only lowercase letters, digits, '.' and '-'"
    if not (name[0].isalnum() and name[-1].isalnum()):
        return "a letter or digit at the start and at the end"
    if ".." in name:
        return "no two adjacent periods"
    if re.fullmatch(r"[0-9]{1,3}(\.[0-9]{1,3}){3}", name):
        return "a name that is not formatted as an IP address"
    for prefix in _S3_BAD_PREFIXES:
        if name.startswith(prefix):
            return f"a name that does not start with the reserved prefix {prefix!r}"
    for suffix in _S3_BAD_SUFFIXES:
        if name.endswith(suffix):
            return f"a name that does not end with the reserved suffix {suffix!r}"
    return None


# --------------------------------------------------------------------------- settings sources


@dataclass
class _LoadContext:
    """What the current load is reading: set around ``VpcProfile()`` by the loaders."""

    source: str
    data: Mapping[str, Any] | None = None
    env: bool = True
    env_fields: dict[str, str] = field(default_factory=dict)


_LOAD: contextvars.ContextVar[_LoadContext | None] = contextvars.ContextVar(
    "safemaker_profile_load", default=None
)


class _ProfileEnvSource(EnvSettingsSource):
    """``SAFEMAKER_<FIELD>`` variables; list fields accept a JSON list or ``a,b,c``."""

    def decode_complex_value(self, field_name: str, field: FieldInfo, value: Any) -> Any:
        text = str(value).strip()
        if text.startswith("["):
            try:
                return json.loads(text)
            except ValueError:
                # Left as a string: validation then reports it as "not a list", naming the
                # variable, instead of pydantic-settings' bare SettingsError.
                return value
        return [part.strip() for part in text.split(",") if part.strip()]


class _MappingSource(PydanticBaseSettingsSource):
    """The profile document read from a file, an SSM parameter or a mapping."""

    def __init__(self, settings_cls: type[BaseSettings], data: Mapping[str, Any]) -> None:
        super().__init__(settings_cls)
        self._data = dict(data)

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        # Unknown keys are passed on on purpose: extra="forbid" reports them.
        return dict(self._data)


def _env_values(settings_cls: type[BaseSettings]) -> dict[str, str]:
    """Field name -> environment variable name, for every field set in the environment."""
    values = _ProfileEnvSource(settings_cls)()
    return {name: f"{ENV_PREFIX}{name.upper()}" for name in values}


def _env_raw_values(settings_cls: type[BaseSettings]) -> dict[str, str]:
    """Field name -> the raw text of its ``SAFEMAKER_<FIELD>`` variable, as pydantic-settings read it."""
    source = _ProfileEnvSource(settings_cls)
    names = _field_env_names(settings_cls)
    raw: dict[str, str] = {}
    for key, value in source.env_vars.items():
        name = names.get(key)
        if name is not None and value is not None:
            raw[name] = value
    return raw


# --------------------------------------------------------------------------- relaxations


def _show_value(value: Any) -> str:
    """A field value as a user would write it: ``true``, ``Enabled``, ``["arn:..."]``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return json.dumps(list(value))
    return str(value)


@dataclass(frozen=True)
class _Relaxing:
    """How a field loosens the guard: ``looser(value, baseline)`` and what then happens."""

    looser: Any
    effect: Any


def _flag_turned(relaxed: Any) -> Any:
    return lambda value, baseline: value == relaxed and baseline != relaxed


def _more_roles(value: Any, baseline: Any) -> bool:
    return bool(set(value or ()) - set(baseline or ()))


RELAXING_FIELDS: Mapping[str, _Relaxing] = MappingProxyType(
    {
        "require_network_isolation": _Relaxing(
            _flag_turned(False), lambda v, b: "the guard will not require EnableNetworkIsolation"
        ),
        "require_inter_container_traffic_encryption": _Relaxing(
            _flag_turned(False),
            lambda v, b: "the guard will not require EnableInterContainerTrafficEncryption",
        ),
        "notebook_root_access": _Relaxing(
            _flag_turned("Enabled"),
            lambda v, b: "the guard will not require RootAccess Disabled on notebook instances",
        ),
        "allow_pipeline_network_parameters": _Relaxing(
            _flag_turned(True),
            lambda v, b: "the guard will accept pipeline parameters in a pipeline step's "
            "network fields (whoever starts an execution can override them)",
        ),
        "preflight_warnings": _Relaxing(
            _more_roles,
            lambda v, b: "the guard will only warn, not refuse, on the preflight checks "
            + ", ".join(sorted(set(v) - set(b or ()))),
        ),
        "allow_unclassified_operations": _Relaxing(
            _flag_turned(True),
            lambda v, b: "the guard will send SageMaker operations it has not classified "
            "(botocore newer than safemaker) unchecked",
        ),
        "additional_role_arns": _Relaxing(
            _more_roles,
            lambda v, b: "the guard will also let SageMaker be passed "
            + ", ".join(sorted(set(v) - set(b or ()))),
        ),
    }
)
"""The profile fields whose value can loosen what the guard requires, and how.

The one list of them. A ``SAFEMAKER_<FIELD>`` variable that makes one of
these looser than the file, SSM parameter or default would is reported by
:attr:`VpcProfile.environment_relaxations` (and logged as a warning on
``safemaker.profile`` when the profile is loaded):
``require_network_isolation`` or ``require_inter_container_traffic_encryption``
false, ``notebook_root_access`` Enabled, ``allow_pipeline_network_parameters``
true, ``allow_unclassified_operations`` true, ``additional_role_arns`` naming a role
the baseline does not.
"""


@dataclass(frozen=True)
class EnvironmentRelaxation:
    """A ``SAFEMAKER_<FIELD>`` variable that loosens the guard.

    Attributes
    ----------
    field : str
        The profile field (one of :data:`RELAXING_FIELDS`).
    variable : str
        The environment variable, in capitals (``SAFEMAKER_REQUIRE_NETWORK_ISOLATION``).
    value : str
        The variable's text as set (``"false"``).
    baseline : str
        What the profile would hold without the variable, as written in a file
        (``"true"``).
    baseline_from : str
        Where ``baseline`` comes from: ``"the file"``, ``"the SSM parameter"``,
        ``"the mapping"`` or ``"the default"``.
    effect : str
        What the guard then does not require (``"the guard will not require
        EnableNetworkIsolation"``).
    """

    field: str
    variable: str
    value: str
    baseline: str
    baseline_from: str
    effect: str

    @property
    def message(self) -> str:
        """str: one line, e.g. ``SAFEMAKER_REQUIRE_NETWORK_ISOLATION=false relaxes
        require_network_isolation (the file says true): the guard will not require
        EnableNetworkIsolation``."""
        says = "is" if self.baseline_from == "the default" else "says"
        return (
            f"{self.variable}={self.value} relaxes {self.field} "
            f"({self.baseline_from} {says} {self.baseline}): {self.effect}"
        )


def _baseline_from(source: str) -> str:
    if source.startswith(SSM_PREFIX):
        return "the SSM parameter"
    if source == "mapping":
        return "the mapping"
    return "the file"


def _relaxations(
    profile: "VpcProfile", data: Mapping[str, Any] | None, source: str, env_fields: Mapping[str, str],
    raw: Mapping[str, str],
) -> tuple[EnvironmentRelaxation, ...]:
    """The relaxations the ``env_fields`` variables bring to ``profile`` over ``data``."""
    from pydantic import TypeAdapter

    found: list[EnvironmentRelaxation] = []
    for name, rule in RELAXING_FIELDS.items():
        if name not in env_fields:
            continue
        info = type(profile).model_fields[name]
        if data is not None and name in data:
            where = _baseline_from(source)
            try:
                baseline = TypeAdapter(info.annotation).validate_python(data[name])
            except ValidationError:  # the environment replaced a bad value: compare with nothing
                baseline = None
        else:
            where, baseline = "the default", info.default
        value = getattr(profile, name)
        if not rule.looser(value, baseline):
            continue
        found.append(
            EnvironmentRelaxation(
                field=name,
                variable=env_fields[name],
                value=raw.get(name, _show_value(value)),
                baseline=_show_value(baseline) if baseline is not None else "nothing valid",
                baseline_from=where,
                effect=rule.effect(value, baseline),
            )
        )
    return tuple(found)


def _field_env_names(settings_cls: type[BaseSettings]) -> dict[str, str]:
    """Variable name as pydantic-settings matches it -> field name.

    Built from the model's settings config: ``env_prefix`` + field name,
    lowercased unless ``case_sensitive``. (No ``env_nested_delimiter`` is set,
    so no ``SAFEMAKER_<FIELD>__<KEY>`` form is read; :func:`_unknown_env_vars`
    accepts that form only if a delimiter is configured.)
    """
    config = settings_cls.model_config
    prefix = config.get("env_prefix", "")
    case_sensitive = bool(config.get("case_sensitive", False))
    names = {f"{prefix}{name}": name for name in settings_cls.model_fields}
    return names if case_sensitive else {key.lower(): value for key, value in names.items()}


def _unknown_env_vars(
    settings_cls: type[BaseSettings], environ: Mapping[str, str] | None = None
) -> list[ProfileFieldError]:
    """One error per ``SAFEMAKER_*`` variable that nothing reads (a typo, most likely).

    A variable is known if pydantic-settings reads it as a field override (see
    :func:`_field_env_names`) or if it is one of :data:`OTHER_ENV_VARS`, spelled
    exactly. Values are never shown.
    """
    environ = os.environ if environ is None else environ
    config = settings_cls.model_config
    case_sensitive = bool(config.get("case_sensitive", False))
    delimiter = config.get("env_nested_delimiter") or None
    fields = _field_env_names(settings_cls)
    # What a user would type: the field variables in capitals (as documented), then the others.
    shown = {
        (key if case_sensitive else key.upper()): name for key, name in fields.items()
    }
    valid = list(shown) + list(OTHER_ENV_VARS)
    problems: list[ProfileFieldError] = []
    for var in sorted(environ):
        if not var.upper().startswith(ENV_PREFIX.upper()) or var in OTHER_ENV_VARS:
            continue
        key = var if case_sensitive else var.lower()
        if key in fields:
            continue
        if delimiter and any(
            key.startswith(f + (delimiter if case_sensitive else delimiter.lower()))
            for f in fields
        ):
            continue
        # Compare what follows the shared prefix: the prefix alone would make any two
        # names look alike to difflib.
        cut = len(ENV_PREFIX)
        tails = {name[cut:].upper(): name for name in valid}
        close = difflib.get_close_matches(var[cut:].upper(), list(tails), n=1, cutoff=0.6)
        effect = "its value has no effect"
        if close:
            guess = tails[close[0]]
            if guess in shown:
                effect += f": the field {shown[guess]!r} is not overridden"
            elif guess.upper() == var.upper():
                effect += f": {guess} is read in capitals only"
            hint = f"a variable name safemaker reads; did you mean {guess}? Rename it"
        else:
            hint = "a variable name safemaker reads (" + ", ".join(valid) + "); rename it"
        problems.append(
            ProfileFieldError(
                var,
                _Text(f"an environment variable that safemaker does not read ({effect})"),
                f"{hint}, or unset it (unset {var})",
            )
        )
    return problems


# --------------------------------------------------------------------------- errors


def _suggest(name: str, valid: Iterable[str]) -> str | None:
    """The closest valid field name to ``name`` (camelCase and dashes tolerated)."""
    valid = list(valid)
    snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", str(name)).replace("-", "_").lower()
    for candidate in (snake, snake.rstrip("s"), snake + "s"):
        if candidate in valid:
            return candidate
    close = difflib.get_close_matches(snake, valid, n=1, cutoff=0.6)
    return close[0] if close else None


def _field_errors(exc: ValidationError, env_fields: Mapping[str, str]) -> list[ProfileFieldError]:
    """Convert a pydantic ValidationError into ProfileFieldErrors (every one)."""
    valid = list(VpcProfile.model_fields)
    out: list[ProfileFieldError] = []
    for err in exc.errors(include_url=False):
        loc = tuple(err.get("loc", ()))
        kind = err.get("type", "")
        found = err.get("input", MISSING)
        name = str(loc[0]) if loc else ""
        path = ".".join(str(part) for part in loc)
        words = _WORDS.get(name)
        env_hint = ""
        if name in env_fields:
            env_hint = f" (from environment variable {env_fields[name]}"
            if words is not None and words.env_list:
                env_hint += ": a JSON list or comma-separated IDs"
            env_hint += ")"

        if kind in ("too_short", "too_long") and isinstance(found, (list, tuple)):
            # pydantic counts only the items that validated; when items were bad, the
            # list's own length may be fine and the item errors say it all.
            bounds = err.get("ctx", {})
            if bounds.get("min_length", 0) <= len(found) <= bounds.get("max_length", len(found)):
                continue
        if kind == "extra_forbidden":
            guess = _suggest(name, valid)
            hint = f"did you mean {guess!r}?" if guess else "valid fields: " + ", ".join(valid)
            out.append(
                ProfileFieldError(path, _HIDDEN, f"no field of this name in a VPC profile; {hint}")
            )
            continue
        if kind == _PROBLEMS:
            for where, value, expected in err["ctx"]["problems"]:
                if where.startswith("."):
                    where = path + where
                out.append(ProfileFieldError(where, value, expected + env_hint))
            continue
        if words is None:  # not expected: a model-level error without a field
            out.append(ProfileFieldError(path or "(profile)", found, str(err.get("msg"))))
            continue
        if kind == "missing":
            out.append(
                ProfileFieldError(
                    path,
                    MISSING,
                    f"{words.whole}; set {name!r} in the profile or "
                    f"{ENV_PREFIX}{name.upper()} in the environment",
                )
            )
            continue
        if len(loc) >= 2 and words.element is not None:
            expected = words.element
        else:
            expected = words.whole
        out.append(ProfileFieldError(path, found, expected + env_hint))
    return out


def _source_error(source: str, where: str, found: Any, expected: str) -> ProfileError:
    return ProfileError(source, [ProfileFieldError(where, found, expected)])


# --------------------------------------------------------------------------- documents


def _parse_position(message: str) -> str | None:
    match = re.search(r"line (\d+), column (\d+)", message) or re.search(
        r"line (\d+) column (\d+)", message
    )
    if match:
        return f"line {match.group(1)}, column {match.group(2)}"
    return None


_YAML_MERGE_TAG = "tag:yaml.org,2002:merge"


def _yaml_node_path(root: yaml.Node | None, target: yaml.Node) -> list[str]:
    """Keys (and list indexes) leading from the document's root node to ``target``."""
    stack: list[tuple[yaml.Node, list[str]]] = [(root, [])] if root is not None else []
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if node is target:
            return path
        if id(node) in seen:
            continue
        seen.add(id(node))
        children: list[tuple[yaml.Node, list[str]]] = []
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
                children.append((value_node, [*path, str(key)]))
        elif isinstance(node, yaml.SequenceNode):
            children = [(item, [*path, str(i)]) for i, item in enumerate(node.value)]
        stack.extend(reversed(children))  # depth first, in document order
    return []


def _expanded_size(root: yaml.Node, limit: int) -> int:
    """Nodes of ``root`` with every alias expanded, computed on the node graph (capped at ``limit + 1``).

    Each distinct node is visited once (post-order, memoised), so an alias
    bomb costs as little as its text.
    """
    def children(node: yaml.Node) -> list[yaml.Node]:
        if isinstance(node, yaml.MappingNode):
            return [n for pair in node.value for n in pair]
        if isinstance(node, yaml.SequenceNode):
            return list(node.value)
        return []

    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()  # on the current path: meeting one again is a cycle (&a [*a])
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if id(node) in sizes:
            continue
        if expanded:  # every child has its size now
            open_nodes.discard(id(node))
            sizes[id(node)] = min(limit + 1, 1 + sum(sizes[id(c)] for c in children(node)))
            continue
        if id(node) in open_nodes:
            return limit + 1  # a recursive structure expands without end
        open_nodes.add(id(node))
        stack.append((node, True))
        stack.extend((c, False) for c in children(node) if id(c) not in sizes)
    return sizes[id(root)]


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's ``SafeLoader`` that records every key repeated in one mapping.

    PyYAML keeps the last value of a repeated key without a word (YAML itself
    requires unique keys). :meth:`construct_mapping` notes each repeat with the
    ``start_mark`` of every occurrence in :attr:`repeated_keys`; the caller turns
    them into one error listing all. Merge keys (``<<: *anchor``) keep their
    meaning: a key written in the mapping may override a merged one.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.repeated_keys: list[tuple[str, list[str], list[yaml.Mark]]] = []
        self._root: yaml.Node | None = None

    #: Values a document may expand to through aliases (each use of ``*anchor``
    #: counts its whole subtree again). A profile or a request file has a few
    #: dozen to a few thousand; an "alias bomb" (nested anchors, each used ten
    #: times) has billions and would hang whatever walks it afterwards.
    MAX_EXPANDED_VALUES = 100_000

    def construct_document(self, node: yaml.Node) -> Any:
        self._root = node
        expanded = _expanded_size(node, self.MAX_EXPANDED_VALUES)
        if expanded > self.MAX_EXPANDED_VALUES:
            raise yaml.constructor.ConstructorError(
                None, None,
                f"the document expands to more than {self.MAX_EXPANDED_VALUES:,} values through aliases "
                "(*anchor references); write the values out, without nested anchors",
                node.start_mark)
        return super().construct_document(node)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            # key -> (spellings, marks): 'yes' and 'true' are one key, True.
            marks: dict[Any, tuple[list[str], list[yaml.Mark]]] = {}
            for key_node, _ in node.value:
                if key_node.tag == _YAML_MERGE_TAG:
                    continue
                key = self.construct_object(key_node, deep=True)
                text = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key)
                try:
                    texts, found = marks.setdefault(key, ([], []))
                except TypeError:  # unhashable key: the base class reports it
                    continue
                texts.append(text)
                found.append(key_node.start_mark)
            repeated = [(texts, found) for texts, found in marks.values() if len(found) > 1]
            if repeated:
                where = _yaml_node_path(self._root, node)
                for texts, found in repeated:
                    self.repeated_keys.append((".".join([*where, texts[0]]), texts, found))
        return super().construct_mapping(node, deep=deep)


class _JsonObject(dict):  # type: ignore[type-arg]
    """A decoded JSON object that remembers how often each repeated key appeared."""

    repeated: dict[str, int]


def _json_object(pairs: list[tuple[str, Any]]) -> _JsonObject:
    """``object_pairs_hook``: keep the pairs as ``json`` would, counting repeated keys."""
    obj = _JsonObject()
    counts: dict[str, int] = {}
    for key, value in pairs:
        counts[key] = counts.get(key, 0) + 1
        obj[key] = value
    obj.repeated = {key: n for key, n in counts.items() if n > 1}
    return obj


def _json_plain(value: Any, path: tuple[str, ...], repeats: list[tuple[str, str, int]]) -> Any:
    """``value`` with plain dicts, collecting ``(key path, key, count)`` of every repeat."""
    if isinstance(value, _JsonObject):
        for key, count in value.repeated.items():
            repeats.append((".".join([*path, key]), key, count))
        return {k: _json_plain(v, (*path, k), repeats) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_plain(v, (*path, str(i)), repeats) for i, v in enumerate(value)]
    return value


def _positions(marks: Sequence[yaml.Mark]) -> str:
    """``lines 2 and 5``; when two share a line, ``line 2, column 6 and line 2, column 12``."""
    lines = [mark.line + 1 for mark in marks]
    if len(set(lines)) == len(lines):
        numbers = [str(n) for n in lines]
        return "lines " + ", ".join(numbers[:-1]) + " and " + numbers[-1]
    places = [f"line {mark.line + 1}, column {mark.column + 1}" for mark in marks]
    return "; ".join(places[:-1]) + " and " + places[-1]


def _repeated_key_error(
    source: str, kind: str, repeats: list[tuple[str, Any, Any]]
) -> ProfileError:
    """One ProfileError for every repeated key (YAML: with its lines; JSON: its key path)."""
    errors = []
    for path, key, where in repeats:
        if kind == "yaml":
            texts = list(dict.fromkeys(key))
            key = texts[0]
            also = f", also written {', '.join(map(repr, texts[1:]))}" if len(texts) > 1 else ""
            found = f"the key {key!r} {len(where)} times in one mapping ({_positions(where)}{also})"
            parser, container = "YAML", "mapping"
        else:
            found = f"the key {key!r} {where} times in one object"
            parser, container = "JSON", "object"
        errors.append(
            ProfileFieldError(
                path,
                _Text(found),
                f"each key once per {container} ({parser} keeps only the last value, silently): "
                f"keep one {key!r} entry, merging the values if both are needed",
            )
        )
    return ProfileError(source, errors)


_TOML_REPEAT_FIX = "each key and table once: delete or merge the repeated one at this line"
_TOML_REPEATS = (
    (re.compile(r"Cannot overwrite a value"), "a key or table that is already set"),
    (re.compile(r"Cannot declare .* twice"), "a table declared twice, or over a key already set"),
)


def _parse_document(text: str, kind: str, source: str) -> Any:
    """Parse TOML / YAML / JSON text into plain dicts and lists.

    Syntax errors become a ProfileError with a position. A key repeated in one
    mapping is an error in every format (YAML and JSON parsers would otherwise
    keep the last value without a word; TOML forbids it).
    """
    if kind == "toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            message = str(exc)
            lineno = getattr(exc, "lineno", None)
            colno = getattr(exc, "colno", None)
            where = (
                f"line {lineno}, column {colno}" if lineno else _parse_position(message)
            ) or "(document)"
            reason = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message)
            if getattr(exc, "msg", None):
                reason = exc.msg
            found, expected = f"invalid TOML ({reason})", "a valid TOML document"
            for pattern, what in _TOML_REPEATS:
                if pattern.search(reason):
                    found, expected = f"{what} (TOML: {reason})", _TOML_REPEAT_FIX
                    break
            raise _source_error(source, where, _Text(found), expected) from None
    if kind == "yaml":
        loader = _UniqueKeyLoader(text)
        try:
            document = loader.get_single_data()
            if loader.repeated_keys:
                repeats = sorted(loader.repeated_keys, key=lambda r: r[2][0].index)
                raise _repeated_key_error(source, "yaml", repeats)
            return document
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(document)"
            # Only problem/context, never the snippet of the offending line.
            reason = (
                " ".join(
                    part
                    for part in (getattr(exc, "context", None), getattr(exc, "problem", None))
                    if part
                )
                or type(exc).__name__
            )
            raise _source_error(
                source, where, _Text(f"invalid YAML ({reason})"), "a valid YAML document"
            ) from None
        finally:
            loader.dispose()
    try:
        document = json.loads(text, object_pairs_hook=_json_object)
    except json.JSONDecodeError as exc:
        raise _source_error(
            source,
            f"line {exc.lineno}, column {exc.colno}",
            _Text(f"invalid JSON ({exc.msg})"),
            "a valid JSON document",
        ) from None
    json_repeats: list[tuple[str, str, int]] = []
    document = _json_plain(document, (), json_repeats)
    if json_repeats:
        raise _repeated_key_error(source, "json", json_repeats)
    return document


def _profile_mapping(document: Any, source: str, table_hint: str) -> dict[str, Any]:
    """The profile fields of a parsed document: top level, or under ``safemaker``."""
    if not isinstance(document, Mapping):
        raise _source_error(
            source,
            "(document)",
            _Text(f"a {type(document).__name__}" if document is not None else "an empty document"),
            "a mapping of profile fields (at top level or under " + table_hint + ")",
        )
    if TABLE_NAME not in document:
        return dict(document)
    inner = document[TABLE_NAME]
    if not isinstance(inner, Mapping):
        raise _source_error(
            source,
            TABLE_NAME,
            _Text(f"a {type(inner).__name__}"),
            f"{table_hint} of profile fields",
        )
    others = [key for key in document if key != TABLE_NAME]
    if others:
        raise ProfileError(
            source,
            [
                ProfileFieldError(
                    str(key),
                    _HIDDEN,
                    f"nothing outside {table_hint}: the file has one, so every profile "
                    "field goes inside it",
                )
                for key in others
            ],
        )
    return dict(inner)


def _kind_of(path: Path) -> str | None:
    suffix = path.suffix.lower()
    return {".toml": "toml", ".yaml": "yaml", ".yml": "yaml", ".json": "json"}.get(suffix)


_TABLE_HINT = {
    "toml": "a [safemaker] table",
    "yaml": "a 'safemaker:' key",
    "json": "a 'safemaker' key",
}


# --------------------------------------------------------------------------- SSM parameter names

_SSM_NAME_MAX = 2048
"""Maximum length of GetParameter's ``Name`` (botocore's model checks only the minimum, 1)."""

_SSM_PARAMETER_NAME_MAX = 1011
"""Maximum length of a parameter name, counting an ARN prefix when one is given."""

_SSM_LABEL = re.compile(r"[A-Za-z0-9_.\-]{1,100}")
_SSM_ARN = re.compile(
    rf"arn:{_PARTITION}:ssm:{_REGION}:[0-9]{{12}}:parameter/(?P<rest>.*)", re.DOTALL
)
_SSM_RESERVED = ("aws", "ssm")


def _ssm_name_errors(value: str) -> list[ProfileFieldError]:
    """Every way ``value`` breaks the rules for GetParameter's ``Name``; empty if none.

    ``value`` is a parameter name or ARN, optionally followed by one ``:version``
    or ``:label`` selector. The rules are AWS's, checked here because botocore
    checks only that the name is not empty and SSM would answer a bad name with
    a ``ValidationException`` (or, worse, ``ParameterNotFound``):

    - at most 2048 characters in all (``Name`` in the API reference);
    - only ``a-zA-Z0-9_.-`` and ``/``; a name containing ``/`` starts with ``/``;
    - not prefixed with ``aws`` or ``ssm``, in any case, with or without the
      leading ``/`` (reserved: no profile can be stored there);
    - at most 1011 characters, counting the ARN prefix when an ARN is given;
    - an ARN has the form ``arn:<partition>:ssm:<region>:<account>:parameter/<name>``;
    - a selector is a version number or a label: 1 to 100 of ``a-zA-Z0-9_.-``,
      not starting with a digit, ``aws`` or ``ssm``.

    The hierarchy depth limit (15 levels) is not checked: reading a deeper name
    gets ``ParameterNotFound``, which is reported with its own fix.

    References
    ----------
    AWS Systems Manager API Reference, GetParameter and PutParameter, ``Name``:
    https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html,
    https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html;
    User Guide, "Understanding parameter name requirements and constraints":
    https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-parameter-name-constraints.html;
    "Working with parameter labels":
    https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-labels.html.
    """
    problems: list[str] = []

    def shown() -> Any:
        return _Text(f"a name of {len(value)} characters") if len(value) > 200 else value

    if len(value) > _SSM_NAME_MAX:
        return [
            ProfileFieldError(
                "(source)",
                shown(),
                f"an SSM parameter name of at most {_SSM_NAME_MAX} characters "
                "(GetParameter Name): check what was passed after 'ssm:'",
            )
        ]
    arn = _SSM_ARN.fullmatch(value)
    if value.startswith("arn:") and arn is None:
        return [
            ProfileFieldError(
                "(source)",
                shown(),
                "an SSM parameter ARN of the form "
                "arn:<partition>:ssm:<region>:<12-digit account>:parameter/<name> "
                f"(partition {_PARTITION_WORDS}), or a parameter name",
            )
        ]
    rest = arn.group("rest") if arn is not None else value
    name, colon, selector = rest.partition(":")
    if arn is not None and "/" in name:
        name = "/" + name  # parameter/a/b is the ARN of /a/b
    length = len(value) - len(colon + selector)
    bad = sorted(set(re.sub(r"[A-Za-z0-9_.\-/]", "", name)))
    if not name:
        problems.append("a parameter name after 'ssm:' (or after 'parameter/' in an ARN)")
    elif bad:
        problems.append(
            "an SSM parameter name of only letters, digits and _ . - / (found "
            + ", ".join(map(repr, bad))
            + "): fix the name or its quoting"
        )
    if name and not bad and "/" in name and not name.startswith("/"):
        problems.append(
            f"a hierarchical SSM parameter name that starts with '/' (fully qualified): '/{name}'"
        )
    if name.lstrip("/").lower().startswith(_SSM_RESERVED):
        problems.append(
            "an SSM parameter name that does not start with 'aws' or 'ssm' in any case "
            "('/aws/...' too): those prefixes are reserved by AWS, so no profile can be "
            "stored there; publish the profile under another name such as /safemaker/profile"
        )
    if length > _SSM_PARAMETER_NAME_MAX:
        counted = "the ARN" if value.startswith("arn:") else "the name"
        problems.append(
            f"an SSM parameter name of at most {_SSM_PARAMETER_NAME_MAX} characters, "
            f"counting the ARN prefix arn:<partition>:ssm:<region>:<account>:parameter/ "
            f"({counted} has {length})"
        )
    if colon:
        if ":" in selector:
            problems.append(
                "at most one ':' selector after the name: <name>:<version> or <name>:<label>"
            )
        elif not selector.isdigit() and not (
            _SSM_LABEL.fullmatch(selector)
            and not selector[0].isdigit()
            and not selector.lower().startswith(_SSM_RESERVED)
        ):
            problems.append(
                "a selector after ':' that is a version number or a label (1 to 100 of "
                f"letters, digits and _ . -, not starting with a digit, 'aws' or 'ssm'); "
                f"found {selector!r}"
            )
    return [ProfileFieldError("(source)", shown(), problem) for problem in problems]


# --------------------------------------------------------------------------- the model


class VpcProfile(BaseSettings):
    """The closed network that every SageMaker resource must use.

    Immutable (frozen) and strict: unknown fields are refused. Build one with
    :meth:`load`, :meth:`from_file`, :meth:`from_ssm`, :meth:`from_mapping`,
    :meth:`discover` or :func:`resolve_profile`. Calling the class directly
    also works (keyword arguments win over ``SAFEMAKER_<FIELD>`` variables,
    which fill the fields not given, as in any pydantic-settings model).

    Parameters
    ----------
    region : str
        AWS region name, e.g. ``"us-east-1"``.
    vpc_id : str
        The VPC, ``vpc-`` followed by 8 or 17 lowercase hex digits.
    subnets : tuple of str, length 1 to 16
        Unique subnet IDs (``subnet-`` + 8 or 17 hex) SageMaker may place ENIs in;
        the SageMaker ``VpcConfig.Subnets``.
    security_group_ids : tuple of str, length 1 to 5
        Unique security group IDs (``sg-`` + 8 or 17 hex); ``VpcConfig.SecurityGroupIds``.
    execution_role_arn : str
        IAM role ARN (partition ``aws``, ``aws-cn`` or ``aws-us-gov``) passed to SageMaker.
        It comes from the profile so nothing calls IAM at run time.
    additional_role_arns : tuple of str, default ``()``
        Further role ARNs that may be passed to SageMaker.
    vpc_endpoint_ids : tuple of str or None, default None
        The VPC endpoints (``vpce-`` + 8 or 17 hex) the closed network relies on.
    volume_kms_key_id, output_kms_key_id : str or None, default None
        KMS key ID, key ARN, alias name (``alias/...``) or alias ARN for
        ``VolumeKmsKeyId`` / ``OutputDataConfig.KmsKeyId``. ARNs must be in the
        profile's region and partition.
    default_bucket : str or None, default None
        S3 bucket for SageMaker artifacts (S3 bucket naming rules).
    require_network_isolation : bool, default True
        Require ``EnableNetworkIsolation: true``. False is a relaxation.
    require_inter_container_traffic_encryption : bool, default True
        Require ``EnableInterContainerTrafficEncryption: true``. False is a relaxation.
    notebook_root_access : {"Disabled", "Enabled"}, default "Disabled"
        The ``RootAccess`` notebook instances must have.
    allow_pipeline_network_parameters : bool, default False
        Accept pipeline parameters (``{"Get": "Parameters.X"}``) in a pipeline step's
        network fields, checking their ``DefaultValue``. Off by default because whoever
        starts an execution can override a parameter (``StartPipelineExecution`` is then
        checked with the values it gives). A relaxation; see ``safemaker.pipeline``.
    preflight_warnings : tuple of str, default ``()``
        IDs of preflight checks (:data:`safemaker.preflight.CHECKS`) that warn
        instead of refusing, e.g. ``["SM-PRE-REQUIREMENTS"]`` when the job's image
        already holds every package its ``requirements.txt`` names. By default
        every preflight check that can refuse does (a job that would fail closed
        after minutes of start-up is refused before anything is uploaded or
        created). A relaxation; see ``docs/preflight.md``.
    allow_unclassified_operations : bool, default False
        Send SageMaker operations that safemaker's operation classification does not
        know (a botocore newer than safemaker; see ``safemaker rules`` and
        :mod:`safemaker.rules_classification`) unchecked. Off by default: such an
        operation is refused (rule ``SM-UNCLASSIFIED``) because nobody has read what
        it starts or makes reachable. A relaxation.

    Raises
    ------
    safemaker.errors.ProfileError
        When any field is missing or invalid, or unknown fields are given; ``errors``
        lists every bad field (path such as ``subnets.1``, value found, what is
        expected), ``source`` says where the profile came from.

    Examples
    --------
    >>> p = VpcProfile.from_mapping({
    ...     "region": "us-east-1",
    ...     "vpc_id": "vpc-0dddddddddddddddd",
    ...     "subnets": ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0cccccccccccccccc"],
    ...     "security_group_ids": ["sg-0bbbbbbbbbbbbbbbb"],
    ...     "execution_role_arn": "arn:aws:iam::123456789012:role/SageMakerExecRole",
    ... }, env=False)
    >>> p.account_id, p.partition
    ('123456789012', 'aws')
    """

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        case_sensitive=False,
        env_ignore_empty=True,
        frozen=True,
        extra="forbid",
        hide_input_in_errors=True,
        validate_default=False,
    )

    region: RegionName
    vpc_id: VpcId
    subnets: Annotated[tuple[SubnetId, ...], Field(min_length=1, max_length=16)]
    security_group_ids: Annotated[tuple[SecurityGroupId, ...], Field(min_length=1, max_length=5)]
    execution_role_arn: RoleArn
    additional_role_arns: tuple[RoleArn, ...] = ()
    vpc_endpoint_ids: Annotated[tuple[VpcEndpointId, ...], Field(min_length=1)] | None = None
    volume_kms_key_id: KmsKeyId | None = None
    output_kms_key_id: KmsKeyId | None = None
    default_bucket: str | None = None
    require_network_isolation: bool = True
    require_inter_container_traffic_encryption: bool = True
    notebook_root_access: Literal["Disabled", "Enabled"] = "Disabled"
    allow_pipeline_network_parameters: bool = False
    preflight_warnings: tuple[PreflightCheckId, ...] = ()
    allow_unclassified_operations: bool = False

    _subnet_set: frozenset[str] = PrivateAttr(default=frozenset())
    _security_group_set: frozenset[str] = PrivateAttr(default=frozenset())
    _environment_overrides: Mapping[str, str] = PrivateAttr(
        default_factory=lambda: MappingProxyType({})
    )
    _environment_relaxations: tuple[EnvironmentRelaxation, ...] = PrivateAttr(default=())

    # ------------------------------------------------------------------ construction

    def __init__(self, **values: Any) -> None:
        ctx = _LOAD.get()
        source = ctx.source if ctx is not None else "arguments"
        # Wherever SAFEMAKER_<FIELD> variables are read, a misspelt one is an error too,
        # listed first (it is often why a field below is missing or wrong).
        unknown = _unknown_env_vars(type(self)) if ctx is None or ctx.env else []
        try:
            super().__init__(**values)
        except ValidationError as exc:
            if ctx is not None:
                env_fields = ctx.env_fields
            else:
                env_fields = {k: v for k, v in _env_values(type(self)).items() if k not in values}
            raise ProfileError(source, unknown + _field_errors(exc, env_fields)) from None
        except SettingsError as exc:  # pragma: no cover - decoding is handled by our source
            raise _source_error(
                source, "(environment)", _Text(type(exc).__name__), f"readable {ENV_PREFIX}* values"
            ) from None
        if unknown:
            raise ProfileError(source, unknown)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Order the sources: arguments, then ``SAFEMAKER_*`` variables, then the document.

        No ``.env`` file and no secrets directory are read.
        """
        ctx = _LOAD.get()
        if ctx is None:
            return (init_settings, _ProfileEnvSource(settings_cls))
        sources: list[PydanticBaseSettingsSource] = [init_settings]
        if ctx.env:
            sources.append(_ProfileEnvSource(settings_cls))
        if ctx.data is not None:
            sources.append(_MappingSource(settings_cls, ctx.data))
        return tuple(sources)

    def __eq__(self, other: object) -> bool:
        """Profiles are equal when their fields are: where a value came from does not count."""
        if type(other) is not type(self):
            return NotImplemented
        return self.__dict__ == other.__dict__  # type: ignore[attr-defined]


    def _repr_markdown_(self) -> str:
        """The fields this profile sets, as a table (notebooks)."""
        from .ipython import profile_markdown

        return profile_markdown(self)

    def model_post_init(self, context: Any, /) -> None:
        self._subnet_set = frozenset(self.subnets)
        self._security_group_set = frozenset(self.security_group_ids)

    # ------------------------------------------------------------------ validation

    @field_validator(
        "subnets", "security_group_ids", "additional_role_arns", "vpc_endpoint_ids", mode="after"
    )
    @classmethod
    def _unique(cls, value: tuple[str, ...] | None, info: Any) -> tuple[str, ...] | None:
        if not value:
            return value
        first: dict[str, int] = {}
        problems = []
        noun = (_WORDS[info.field_name].element or "").split(":")[0]
        for index, item in enumerate(value):
            if item in first:
                problems.append(
                    (
                        f".{index}",
                        item,
                        f"a {noun} not already listed (same as {info.field_name}.{first[item]})",
                    )
                )
            else:
                first[item] = index
        if problems:
            raise _problems(*problems)
        return value

    @field_validator("default_bucket", mode="after")
    @classmethod
    def _bucket_name(cls, value: str | None) -> str | None:
        if value is None:
            return value
        problem = _bucket_problem(value)
        if problem:
            raise _problems(("default_bucket", value, f"{_BUCKET_WORDS}; needs {problem}"))
        return value

    @model_validator(mode="after")
    def _same_partition_and_region(self) -> "VpcProfile":
        partition = _partition_of_region(self.region)
        problems: list[tuple[str, Any, str]] = []
        roles = [("execution_role_arn", self.execution_role_arn)] + [
            (f"additional_role_arns.{i}", arn) for i, arn in enumerate(self.additional_role_arns)
        ]
        for where, arn in roles:
            if arn.split(":")[1] != partition:
                problems.append(
                    (where, arn, f"a role ARN in partition {partition!r} (region {self.region})")
                )
        for name in ("volume_kms_key_id", "output_kms_key_id"):
            key = getattr(self, name)
            if key and key.startswith("arn:"):
                parts = key.split(":")
                if parts[1] != partition or parts[3] != self.region:
                    problems.append(
                        (
                            name,
                            key,
                            f"a KMS ARN in the profile's region {self.region!r} "
                            f"(partition {partition!r}): SageMaker uses keys of its own region",
                        )
                    )
        if problems:
            raise _problems(*problems)
        return self

    # ------------------------------------------------------------------ properties

    @property
    def environment_overrides(self) -> Mapping[str, str]:
        """Mapping of str to str: field -> the ``SAFEMAKER_<FIELD>`` variable that set it.

        Filled by :meth:`load`, :meth:`from_file`, :meth:`from_ssm`,
        :meth:`from_mapping` and :func:`resolve_profile` from the names the
        pydantic-settings environment source supplied; empty when ``env=False``,
        for :meth:`discover`, and for a profile built by calling the class.
        Variable names are in capitals (matching is case-insensitive).
        """
        return self._environment_overrides

    @property
    def environment_relaxations(self) -> tuple[EnvironmentRelaxation, ...]:
        """tuple of EnvironmentRelaxation: the overrides that loosen the guard.

        One per :data:`RELAXING_FIELDS` field whose ``SAFEMAKER_<FIELD>``
        variable makes it looser than the file, SSM parameter or default
        would; each was logged as a warning on ``safemaker.profile`` at load.
        """
        return self._environment_relaxations

    @property
    def subnet_set(self) -> frozenset[str]:
        """frozenset of str: :attr:`subnets` as a set (computed once)."""
        return self._subnet_set

    @property
    def security_group_set(self) -> frozenset[str]:
        """frozenset of str: :attr:`security_group_ids` as a set (computed once)."""
        return self._security_group_set

    @property
    def allowed_role_arns(self) -> tuple[str, ...]:
        """tuple of str: roles that may be passed to SageMaker, execution role first."""
        return tuple(dict.fromkeys((self.execution_role_arn, *self.additional_role_arns)))

    @property
    def account_id(self) -> str:
        """str: 12-digit AWS account ID, taken from :attr:`execution_role_arn`."""
        return self.execution_role_arn.split(":")[4]

    @property
    def partition(self) -> str:
        """str: AWS partition (``aws``, ``aws-cn``, ``aws-us-gov``, ``aws-iso``...) of the execution role."""
        return self.execution_role_arn.split(":")[1]

    @property
    def vpc_config(self) -> dict[str, list[str]]:
        """dict: a new SageMaker ``VpcConfig`` (``Subnets``, ``SecurityGroupIds``) each call."""
        return {"Subnets": list(self.subnets), "SecurityGroupIds": list(self.security_group_ids)}

    # ------------------------------------------------------------------ loading

    @classmethod
    def _build(
        cls, data: Mapping[str, Any] | None, source: str, *, env: bool = True
    ) -> "VpcProfile":
        ctx = _LoadContext(source=source, data=data, env=env)
        if env:
            ctx.env_fields = _env_values(cls)
            if data is not None and ctx.env_fields:
                ctx.source = (
                    f"{source} (with environment overrides: "
                    + ", ".join(sorted(ctx.env_fields.values()))
                    + ")"
                )
        token = _LOAD.set(ctx)
        try:
            profile = cls()
        finally:
            _LOAD.reset(token)
        if ctx.env_fields:
            profile._environment_overrides = MappingProxyType(dict(ctx.env_fields))
            profile._environment_relaxations = _relaxations(
                profile, data, source, ctx.env_fields, _env_raw_values(cls)
            )
            for relaxation in profile._environment_relaxations:
                logger.warning("%s", relaxation.message)
                warnings.warn(relaxation.message, ProfileRelaxationWarning, stacklevel=2)
        logger.debug("profile loaded from %s", ctx.source)
        return profile

    @classmethod
    def load(
        cls,
        source: str | os.PathLike[str] | None = None,
        *,
        boto3_session: "boto3.Session | None" = None,
        ssm_client: Any = None,
        env: bool = True,
    ) -> "VpcProfile":
        """Load a profile from a file, an SSM parameter, or the environment.

        Parameters
        ----------
        source : str or os.PathLike or None, default None
            A path to a ``.toml``, ``.yaml``/``.yml`` or ``.json`` file, or
            ``"ssm:<parameter name>"``. None means the ``SAFEMAKER_PROFILE``
            environment variable; if that is unset or empty too, the profile
            comes from ``SAFEMAKER_<FIELD>`` variables alone.
        boto3_session : boto3.Session, optional
            Session used to create the SSM client when ``ssm_client`` is None.
        ssm_client : botocore client, optional
            SSM client for an ``ssm:`` source (takes precedence over the session).
        env : bool, default True
            Whether ``SAFEMAKER_<FIELD>`` variables override the file/SSM values.

        Returns
        -------
        VpcProfile

        Raises
        ------
        safemaker.errors.ProfileError
            No source at all (no argument, no ``SAFEMAKER_PROFILE``, no
            ``SAFEMAKER_<FIELD>`` variable); missing or unreadable file, unsupported suffix, malformed document
            (with line and column), a key repeated in one mapping, a bad SSM
            parameter name (before any request), missing or unreadable SSM
            parameter, unknown fields (with the closest valid name), invalid or
            missing fields, a ``SAFEMAKER_*`` variable that nothing reads (with
            the closest valid name; see :data:`OTHER_ENV_VARS`), all at once.

        See Also
        --------
        from_file, from_ssm, from_mapping, resolve_profile
        """
        if source is None:
            source = os.environ.get(PROFILE_ENV_VAR) or None
        if source is None:
            if not (env and _env_values(cls)):
                # A misspelt SAFEMAKER_PROFILE (or field variable) is the likely reason.
                raise ProfileError("(none given)", _unknown_env_vars(cls) + [ProfileFieldError(
                    "profile", MISSING,
                    "a profile source: a file path or ssm:<parameter name> (CLI: --vpc-profile/-p; library: "
                    f"VpcProfile.load(source)), the {PROFILE_ENV_VAR} environment variable, or "
                    f"{ENV_PREFIX}<FIELD> variables (region, vpc_id, subnets, security_group_ids, "
                    "execution_role_arn)")])
            return cls._build(None, "environment", env=env)
        text = os.fspath(source)
        if text.startswith(SSM_PREFIX):
            return cls.from_ssm(
                text[len(SSM_PREFIX) :], boto3_session=boto3_session, ssm_client=ssm_client, env=env
            )
        return cls.from_file(text, env=env)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], *, env: bool = True) -> "VpcProfile":
        """Load a profile from a TOML, YAML or JSON file.

        The fields may sit at top level or under a ``[safemaker]`` table (TOML) /
        ``safemaker:`` key (YAML, JSON); with such a table, nothing else may be
        at top level.

        Parameters
        ----------
        path : str or os.PathLike
            File path; the suffix (``.toml``, ``.yaml``, ``.yml``, ``.json``,
            case-insensitive) picks the format. ``~`` is expanded.
        env : bool, default True
            Whether ``SAFEMAKER_<FIELD>`` variables override the file's values.

        Returns
        -------
        VpcProfile

        Raises
        ------
        safemaker.errors.ProfileError
            The file is missing, unreadable, not UTF-8, has an unsupported suffix,
            is malformed (``field`` is ``"line L, column C"``), repeats a key in one
            mapping (``field`` is the key path; YAML gives the lines, TOML the line
            and column), is not a mapping, or holds unknown/invalid/missing fields;
            a ``SAFEMAKER_*`` variable that nothing reads (when ``env``).
            ``source`` is the path.
        """
        p = Path(os.fspath(path)).expanduser()
        source = str(p)
        kind = _kind_of(p)
        if kind is None:
            raise _source_error(
                source,
                "(source)",
                _Text(f"suffix {p.suffix!r}" if p.suffix else "no suffix"),
                "a .toml, .yaml, .yml or .json file, or 'ssm:<parameter name>'",
            )
        try:
            text = p.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise _source_error(
                source,
                "(source)",
                _Text("no such file"),
                f"an existing profile file; check the path (or {PROFILE_ENV_VAR}), or start "
                "from examples/profile.toml",
            ) from None
        except UnicodeDecodeError as exc:
            raise _source_error(
                source,
                "(source)",
                _Text(f"bytes that are not UTF-8 at offset {exc.start}"),
                "a UTF-8 text file",
            ) from None
        except OSError as exc:
            raise _source_error(
                source,
                "(source)",
                _Text(f"an unreadable file ({exc.strerror or type(exc).__name__})"),
                "a readable profile file",
            ) from None
        document = _parse_document(text, kind, source)
        data = _profile_mapping(document, source, _TABLE_HINT[kind])
        return cls._build(data, source, env=env)

    @classmethod
    def from_ssm(
        cls,
        name: str,
        *,
        boto3_session: "boto3.Session | None" = None,
        ssm_client: Any = None,
        env: bool = True,
    ) -> "VpcProfile":
        """Load the shared profile an administrator published in SSM Parameter Store.

        Calls SSM ``GetParameter`` with ``WithDecryption=True`` (so ``String`` and
        ``SecureString`` parameters both work). The value is a JSON document, the
        fields at top level or under a ``"safemaker"`` key.

        Parameters
        ----------
        name : str
            Parameter name (``/safemaker/profile``) or its ARN, optionally with a
            ``:<version>`` or ``:<label>`` selector. Checked against SSM's naming
            rules before any client is created or request sent (see Raises).
        boto3_session : boto3.Session, optional
            Used to create the SSM client when ``ssm_client`` is None; else
            ``boto3.Session()``. In a closed network the VPC needs the
            ``com.amazonaws.<region>.ssm`` interface endpoint.
        ssm_client : botocore client, optional
            SSM client to use.
        env : bool, default True
            Whether ``SAFEMAKER_<FIELD>`` variables override the parameter's values.

        Returns
        -------
        VpcProfile

        Raises
        ------
        safemaker.errors.ProfileError
            A ``name`` that breaks SSM's naming rules (characters other than
            ``a-zA-Z0-9_.-/``, a ``/`` without a leading ``/``, an ``aws``/``ssm``
            prefix, over 1011 characters with the ARN prefix or 2048 in all, a
            malformed ARN or selector), raised before any client or request;
            ``ParameterNotFound`` (names the parameter), access denied, any other
            AWS or connection error (by error code / class only: no request dump),
            a value that is not JSON (with line and column) or repeats a key,
            unknown, invalid or missing fields. ``source`` is ``"ssm:<name>"``.

        References
        ----------
        AWS Systems Manager API Reference, GetParameter (``Name``):
        https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html;
        parameter name rules:
        https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-parameter-name-constraints.html
        """
        source = f"{SSM_PREFIX}{name}"
        if not name:
            raise _source_error(
                source, "(source)", _Text("an empty parameter name"), "'ssm:<parameter name>'"
            )
        # Before any client exists or any request is sent: botocore checks only min length.
        name_errors = _ssm_name_errors(name)
        if name_errors:
            raise ProfileError(source, name_errors)
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            if ssm_client is None:
                if boto3_session is None:
                    import boto3

                    boto3_session = boto3.Session()
                ssm_client = boto3_session.client("ssm")
            response = ssm_client.get_parameter(Name=name, WithDecryption=True)
        except ClientError as exc:
            code, _ = aws_error(exc)
            if code in ("ParameterNotFound", "ParameterVersionNotFound"):
                expected = (
                    f"an existing SSM parameter named {name!r} in this account and region: "
                    "ask the administrator to publish the shared profile (aws ssm "
                    f"put-parameter --name {name} --type SecureString "
                    "--value file://profile.json) or fix the name"
                )
                raise _source_error(source, "(source)", _Text(code), expected) from None
            if code in ("AccessDeniedException", "AccessDenied"):
                expected = (
                    "permission for ssm:GetParameter on the parameter "
                    "(and kms:Decrypt on its key for a SecureString)"
                )
                raise _source_error(source, "(source)", _Text(code), expected) from None
            raise _source_error(
                source,
                "(source)",
                _Text(f"GetParameter failed with {code}"),
                "a readable SSM parameter",
            ) from None
        except BotoCoreError as exc:
            raise _source_error(
                source,
                "(source)",
                _Text(f"GetParameter failed ({type(exc).__name__})"),
                "a reachable SSM endpoint (com.amazonaws.<region>.ssm in a closed network), "
                "a region and credentials",
            ) from None
        value = response.get("Parameter", {}).get("Value", "")
        document = _parse_document(value, "json", source)
        data = _profile_mapping(document, source, _TABLE_HINT["json"])
        return cls._build(data, source, env=env)

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any], source: str = "mapping", *, env: bool = True
    ) -> "VpcProfile":
        """Build a profile from a mapping of field names to values.

        Parameters
        ----------
        data : Mapping
            Field name -> value; list fields take any sequence. A ``"safemaker"``
            key holding the fields is accepted, as in files.
        source : str, default "mapping"
            Name used as ``ProfileError.source``.
        env : bool, default True
            Whether ``SAFEMAKER_<FIELD>`` variables override ``data``.

        Returns
        -------
        VpcProfile

        Raises
        ------
        safemaker.errors.ProfileError
            Unknown, invalid or missing fields (all at once); ``data`` not a mapping.
        """
        mapping = _profile_mapping(data, source, _TABLE_HINT["json"])
        return cls._build(mapping, source, env=env)

    @classmethod
    def discover(
        cls,
        ec2_client: Any,
        vpc_id: str,
        security_group_ids: str | Sequence[str],
        *,
        execution_role_arn: str,
        region: str | None = None,
        **other_fields: Any,
    ) -> "VpcProfile":
        """Build a profile from what EC2 reports about an existing VPC.

        Calls EC2 ``DescribeVpcs`` (the VPC must exist), ``DescribeSubnets`` with a
        ``vpc-id`` filter (every subnet of the VPC, all pages, sorted by ID) and
        ``DescribeSecurityGroups`` with a ``group-id`` filter (each given group must
        exist and belong to the VPC). ``SAFEMAKER_*`` variables are not applied.

        Parameters
        ----------
        ec2_client : botocore EC2 client
            Client for the VPC's region.
        vpc_id : str
            The VPC.
        security_group_ids : str or sequence of str
            Security groups for SageMaker ENIs (1 to 5).
        execution_role_arn : str
            The SageMaker execution role.
        region : str, optional
            Defaults to ``ec2_client.meta.region_name``.
        **other_fields
            Any other profile field (``default_bucket``, ``vpc_endpoint_ids`` ...).

        Returns
        -------
        VpcProfile
            ``source`` of any error is ``"ec2:<vpc_id>"``.

        Raises
        ------
        safemaker.errors.ProfileError
            Unknown VPC (``vpc_id``), VPC without subnets (``subnets``), security
            group that does not exist or belongs to another VPC
            (``security_group_ids.N``), an EC2 error (by code only), or any invalid
            field; every problem found is listed.

        References
        ----------
        Amazon EC2 API Reference: DescribeVpcs, DescribeSubnets, DescribeSecurityGroups.
        """
        from botocore.exceptions import BotoCoreError, ClientError

        source = f"ec2:{vpc_id}"
        if isinstance(security_group_ids, str):
            security_group_ids = [security_group_ids]
        groups = list(security_group_ids)
        region = region or getattr(getattr(ec2_client, "meta", None), "region_name", None)

        # Well-formed IDs first: EC2 answers malformed IDs with a generic error.
        shape = cls._shape_errors(vpc_id, groups)
        if shape:
            raise ProfileError(source, shape)

        def _ec2_error(operation: str, exc: Exception) -> ProfileError:
            what, _ = aws_error(exc)  # the error code, or the class of a BotoCoreError
            return _source_error(
                source,
                "(source)",
                _Text(f"{operation} failed ({what})"),
                f"permission for ec2:{operation} and a reachable EC2 endpoint",
            )

        problems: list[ProfileFieldError] = []
        try:
            vpcs = ec2_client.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}]).get(
                "Vpcs", []
            )
        except (ClientError, BotoCoreError) as exc:
            raise _ec2_error("DescribeVpcs", exc) from None
        if not vpcs:
            raise _source_error(
                source,
                "vpc_id",
                vpc_id,
                f"an existing VPC in {region or 'the client region'}; check the ID and the "
                "region (aws ec2 describe-vpcs)",
            )

        subnets: list[str] = []
        try:
            for page in ec2_client.get_paginator("describe_subnets").paginate(
                Filters=[{"Name": "vpc-id", "Values": [vpc_id]}]
            ):
                subnets.extend(s["SubnetId"] for s in page.get("Subnets", []))
        except (ClientError, BotoCoreError) as exc:
            raise _ec2_error("DescribeSubnets", exc) from None
        subnets = sorted(set(subnets))
        if not subnets:
            problems.append(
                ProfileFieldError(
                    "subnets",
                    [],
                    f"at least one subnet in {vpc_id}: create private subnets in the VPC "
                    "(aws ec2 create-subnet) or pass another VPC",
                )
            )

        found: dict[str, str | None] = {}
        try:
            pages = ec2_client.get_paginator("describe_security_groups").paginate(
                Filters=[{"Name": "group-id", "Values": groups}]
            )
            for page in pages:
                for group in page.get("SecurityGroups", []):
                    found[group["GroupId"]] = group.get("VpcId")
        except (ClientError, BotoCoreError) as exc:
            raise _ec2_error("DescribeSecurityGroups", exc) from None
        for index, group_id in enumerate(groups):
            if group_id not in found:
                problems.append(
                    ProfileFieldError(
                        f"security_group_ids.{index}",
                        group_id,
                        f"an existing security group of {vpc_id}; check the ID "
                        f"(aws ec2 describe-security-groups --filters Name=vpc-id,Values={vpc_id})",
                    )
                )
            elif found[group_id] != vpc_id:
                problems.append(
                    ProfileFieldError(
                        f"security_group_ids.{index}",
                        group_id,
                        f"a security group of {vpc_id}; it belongs to {found[group_id]}: "
                        f"pick a group of {vpc_id} or create one there",
                    )
                )
        if problems:
            raise ProfileError(source, problems)

        data = {
            "region": region,
            "vpc_id": vpc_id,
            "subnets": subnets,
            "security_group_ids": groups,
            "execution_role_arn": execution_role_arn,
            **other_fields,
        }
        if data["region"] is None:
            del data["region"]
        return cls._build(data, source, env=False)

    @classmethod
    def _shape_errors(cls, vpc_id: str, groups: list[str]) -> list[ProfileFieldError]:
        errors = []
        if not isinstance(vpc_id, str) or not re.fullmatch(_id_pattern("vpc"), vpc_id):
            errors.append(ProfileFieldError("vpc_id", vpc_id, _WORDS["vpc_id"].whole))
        if not 1 <= len(groups) <= 5:
            errors.append(
                ProfileFieldError("security_group_ids", groups, _WORDS["security_group_ids"].whole)
            )
        for index, group in enumerate(groups):
            if not isinstance(group, str) or not re.fullmatch(_id_pattern("sg"), group):
                errors.append(
                    ProfileFieldError(
                        f"security_group_ids.{index}", group, _WORDS["security_group_ids"].element
                    )
                )
        return errors

    # ------------------------------------------------------------------ writing

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every field: tuples as lists, None fields omitted.

        Returns
        -------
        dict
            ``VpcProfile.from_mapping(p.to_dict(), env=False) == p``.
        """
        return self.model_dump(mode="json", exclude_none=True)

    def dump(self, path: str | os.PathLike[str]) -> Path:
        """Write the profile to a file, TOML or YAML (or JSON) by suffix.

        The fields are written at top level; the file is replaced atomically.

        Parameters
        ----------
        path : str or os.PathLike
            Destination ending in ``.toml``, ``.yaml``, ``.yml`` or ``.json``.

        Returns
        -------
        pathlib.Path
            The path written.

        Raises
        ------
        safemaker.errors.ProfileError
            Unsupported suffix, or the file cannot be written (``source`` is the path).
        """
        p = Path(os.fspath(path)).expanduser()
        kind = _kind_of(p)
        data = self.to_dict()
        header = "safemaker VPC profile (see docs/profile.md)"
        if kind == "toml":
            import tomli_w

            text = f"# {header}\n" + tomli_w.dumps(data)
        elif kind == "yaml":
            text = f"# {header}\n" + yaml.safe_dump(data, sort_keys=False, default_flow_style=False)
        elif kind == "json":
            text = json.dumps(data, indent=2) + "\n"
        else:
            raise _source_error(
                str(p),
                "(destination)",
                _Text(f"suffix {p.suffix!r}" if p.suffix else "no suffix"),
                "a .toml, .yaml, .yml or .json path",
            )
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", dir=p.parent or Path("."))
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
                os.replace(tmp, p)
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
        except OSError as exc:
            raise _source_error(
                str(p),
                "(destination)",
                _Text(f"an unwritable path ({exc.strerror or type(exc).__name__})"),
                "a writable file path in an existing directory",
            ) from None
        return p


def resolve_profile(
    profile: VpcProfile | str | os.PathLike[str] | None, **load_kwargs: Any
) -> VpcProfile:
    """Turn whatever the caller passed into a :class:`VpcProfile`.

    Parameters
    ----------
    profile : VpcProfile or str or os.PathLike or None
        A profile (returned as is), a file path or ``"ssm:<name>"``, or None
        (``SAFEMAKER_PROFILE``, else ``SAFEMAKER_*`` variables).
    **load_kwargs
        Passed to :meth:`VpcProfile.load` (``boto3_session``, ``ssm_client``, ``env``).

    Returns
    -------
    VpcProfile

    Raises
    ------
    safemaker.errors.ProfileError
        As :meth:`VpcProfile.load`.
    TypeError
        ``profile`` is of another type.
    """
    if isinstance(profile, VpcProfile):
        return profile
    if profile is None or isinstance(profile, (str, os.PathLike)):
        return VpcProfile.load(profile, **load_kwargs)
    raise TypeError(
        f"profile must be a VpcProfile, a path, 'ssm:<name>' or None, not {type(profile).__name__}"
    )
