"""Merge a VPC profile into the SageMaker Python SDK's defaults (``sagemaker_config``).

The SDK reads defaults for its requests from a config dictionary (loaded from
YAML files, see ``sagemaker/config/config_schema.py``): ``SageMaker.TrainingJob.VpcConfig``,
``SageMaker.ProcessingJob.NetworkConfig.EnableNetworkIsolation`` and so on.
A closed session fills that dictionary with the profile's values, so that
every SDK object built on it (an ``Estimator``, a ``Processor``, a ``Model``,
an ``AutoML`` job...) builds a closed request in the first place.

This module holds no policy of its own: each config section is mapped field
by field onto the request of an operation in :mod:`safemaker.rules`
(:data:`SECTIONS`), and :func:`safemaker.guard.decide` says what to fill in
and what conflicts. A value already in a file that the profile allows is
kept (one subnet out of two, say); a conflicting one is refused, naming the
file and the key. Pure: no I/O, no import of the SDK.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from safemaker import guard as _guard
from safemaker.errors import MISSING, GuardrailViolation, Violation
from safemaker.sdk._refusal import at_argument

if TYPE_CHECKING:  # pragma: no cover
    from safemaker.profile import VpcProfile

__all__ = [
    "ConfigSection",
    "ConfigSource",
    "SECTIONS",
    "TELEMETRY_OPT_OUT",
    "SCHEMA_VERSION",
    "REFUSER",
    "closed_config",
    "profile_defaults",
]

SCHEMA_VERSION = "1.0"
"""``SchemaVersion`` of the config dictionaries built here (the SDK's only version)."""

TELEMETRY_OPT_OUT = ("SageMaker", "PythonSDK", "Modules", "TelemetryOptOut")
"""Config key of the SDK's telemetry opt-out (``sagemaker/telemetry/telemetry_logging.py``
reads it before each telemetry GET to ``sm-pysdk-t-<region>.s3.<region>.amazonaws.com``)."""

REFUSER = "ClosedNetworkSession"
"""The ``operation`` of a :class:`GuardrailViolation` raised for a config file."""


@dataclass(frozen=True)
class ConfigSection:
    """One section of the SDK config and the request it is checked as.

    Attributes
    ----------
    prefix : tuple[str, ...]
        Key path of the section (``("SageMaker", "TrainingJob")``).
    operation : str
        The operation of :data:`safemaker.rules.RULES` whose request has the
        same fields (``"CreateTrainingJob"``); sections of operations the
        rule table does not cover yet borrow the operation with the same field
        shapes (an AutoML ``SecurityConfig`` is checked as a training job's).
    fields : tuple[tuple[str, str], ...]
        ``(path in the section, path in the request)`` pairs, dotted.
    role : str or None
        Path in the section of the role ARN the SDK passes, filled with the
        profile's ``execution_role_arn`` when absent (so that no SDK object
        needs ``get_execution_role``, which calls IAM: F09).
    proxy_extra : Mapping[str, Any]
        Request members added to the proxy request (see
        ``CreateEndpointConfig``: model-based variants carry the network
        settings on their models, so the endpoint config's own are not filled).
    """

    prefix: tuple[str, ...]
    operation: str
    fields: tuple[tuple[str, str], ...]
    role: str | None = None
    proxy_extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The section's dotted key path (``"SageMaker.TrainingJob"``)."""
        return ".".join(self.prefix)


_TRAINING_LIKE = (
    ("EnableNetworkIsolation", "EnableNetworkIsolation"),
    ("VpcConfig", "VpcConfig"),
    ("EnableInterContainerTrafficEncryption", "EnableInterContainerTrafficEncryption"),
    ("ResourceConfig.VolumeKmsKeyId", "ResourceConfig.VolumeKmsKeyId"),
    ("OutputDataConfig.KmsKeyId", "OutputDataConfig.KmsKeyId"),
    ("RoleArn", "RoleArn"),
)

_NETWORK_CONFIG = (
    ("NetworkConfig.EnableNetworkIsolation", "NetworkConfig.EnableNetworkIsolation"),
    ("NetworkConfig.VpcConfig", "NetworkConfig.VpcConfig"),
    (
        "NetworkConfig.EnableInterContainerTrafficEncryption",
        "NetworkConfig.EnableInterContainerTrafficEncryption",
    ),
)

SECTIONS: tuple[ConfigSection, ...] = (
    ConfigSection(("SageMaker", "TrainingJob"), "CreateTrainingJob", _TRAINING_LIKE, role="RoleArn"),
    ConfigSection(
        ("SageMaker", "ProcessingJob"),
        "CreateProcessingJob",
        _NETWORK_CONFIG
        + (
            ("ProcessingOutputConfig.KmsKeyId", "ProcessingOutputConfig.KmsKeyId"),
            (
                "ProcessingResources.ClusterConfig.VolumeKmsKeyId",
                "ProcessingResources.ClusterConfig.VolumeKmsKeyId",
            ),
            ("RoleArn", "RoleArn"),
        ),
        role="RoleArn",
    ),
    ConfigSection(
        ("SageMaker", "MonitoringSchedule", "MonitoringScheduleConfig", "MonitoringJobDefinition"),
        "CreateProcessingJob",
        _NETWORK_CONFIG
        + (
            ("MonitoringOutputConfig.KmsKeyId", "ProcessingOutputConfig.KmsKeyId"),
            (
                "MonitoringResources.ClusterConfig.VolumeKmsKeyId",
                "ProcessingResources.ClusterConfig.VolumeKmsKeyId",
            ),
            ("RoleArn", "RoleArn"),
        ),
        role="RoleArn",
    ),
    ConfigSection(
        ("SageMaker", "Model"),
        "CreateModel",
        (
            ("EnableNetworkIsolation", "EnableNetworkIsolation"),
            ("VpcConfig", "VpcConfig"),
            ("ExecutionRoleArn", "ExecutionRoleArn"),
        ),
        role="ExecutionRoleArn",
    ),
    ConfigSection(
        ("SageMaker", "AutoMLJob"),
        "CreateTrainingJob",
        (
            ("AutoMLJobConfig.SecurityConfig.VpcConfig", "VpcConfig"),
            (
                "AutoMLJobConfig.SecurityConfig.EnableInterContainerTrafficEncryption",
                "EnableInterContainerTrafficEncryption",
            ),
            ("AutoMLJobConfig.SecurityConfig.VolumeKmsKeyId", "ResourceConfig.VolumeKmsKeyId"),
            ("OutputDataConfig.KmsKeyId", "OutputDataConfig.KmsKeyId"),
            ("RoleArn", "RoleArn"),
        ),
        role="RoleArn",
    ),
    ConfigSection(
        ("SageMaker", "AutoMLJobV2"),
        "CreateTrainingJob",
        (
            ("SecurityConfig.VpcConfig", "VpcConfig"),
            (
                "SecurityConfig.EnableInterContainerTrafficEncryption",
                "EnableInterContainerTrafficEncryption",
            ),
            ("SecurityConfig.VolumeKmsKeyId", "ResourceConfig.VolumeKmsKeyId"),
            ("OutputDataConfig.KmsKeyId", "OutputDataConfig.KmsKeyId"),
            ("RoleArn", "RoleArn"),
        ),
        role="RoleArn",
    ),
    ConfigSection(
        ("SageMaker", "CompilationJob"),
        "CreateTrainingJob",
        (
            ("VpcConfig", "VpcConfig"),
            ("OutputConfig.KmsKeyId", "OutputDataConfig.KmsKeyId"),
            ("RoleArn", "RoleArn"),
        ),
        role="RoleArn",
    ),
    ConfigSection(
        ("SageMaker", "TransformJob"),
        "CreateTransformJob",
        (
            ("TransformOutput.KmsKeyId", "TransformOutput.KmsKeyId"),
            ("TransformResources.VolumeKmsKeyId", "TransformResources.VolumeKmsKeyId"),
        ),
    ),
    ConfigSection(
        ("SageMaker", "EndpointConfig"),
        "CreateEndpointConfig",
        (("KmsKeyId", "KmsKeyId"),),
        proxy_extra={"ProductionVariants": [{"ModelName": "(sagemaker_config)"}]},
    ),
    ConfigSection(
        ("SageMaker", "PythonSDK", "Modules", "RemoteFunction"),
        "CreateTrainingJob",
        (
            ("VpcConfig", "VpcConfig"),
            ("EnableInterContainerTrafficEncryption", "EnableInterContainerTrafficEncryption"),
            ("VolumeKmsKeyId", "ResourceConfig.VolumeKmsKeyId"),
            ("RoleArn", "RoleArn"),
        ),
        role="RoleArn",
    ),
    ConfigSection(
        ("SageMaker", "PythonSDK", "Modules", "ModelTrainer"),
        "CreateTrainingJob",
        (
            # ModelTrainer (v2 sagemaker.modules, v3 sagemaker.train) reads its attributes from this
            # section under lowerCamelCase names ("networking", "role") and builds Networking(**value)
            # from snake_case keys. It also reads SageMaker.TrainingJob's EnableNetworkIsolation, but
            # looks the TrainingJob Subnets / SecurityGroupIds up without the session (SDK bug), so
            # TrainingJob.VpcConfig alone never reaches a ModelTrainer's request.
            ("networking.enable_network_isolation", "EnableNetworkIsolation"),
            ("networking.subnets", "VpcConfig.Subnets"),
            ("networking.security_group_ids", "VpcConfig.SecurityGroupIds"),
            ("networking.enable_inter_container_traffic_encryption", "EnableInterContainerTrafficEncryption"),
            ("role", "RoleArn"),
        ),
        role="role",
    ),
)
"""Every SDK config section a closed session fills and checks."""


@dataclass(frozen=True)
class ConfigSource:
    """One SDK config document and where it came from.

    Attributes
    ----------
    name : str
        A path, an ``s3://`` URI or ``"sagemaker_config argument"``; it is
        named in every violation found in this document.
    config : Mapping[str, Any]
        The document (``SchemaVersion``, ``SageMaker``...), already validated
        against the SDK's schema.
    """

    name: str
    config: Mapping[str, Any]


# --------------------------------------------------------------------------- dict paths


class _CheckedConfig(dict):
    """A closed session's SDK config: checked against the SDK's schema once, when it is made.

    Both SDK majors re-validate ``session.sagemaker_config`` against their JSON
    schema at every config lookup (SDK v2: ``sagemaker.utils.get_sagemaker_config_value``;
    SDK v3: ``sagemaker.core.config.config_manager.SageMakerConfig.get_sagemaker_config_value``),
    and ``jsonschema.validate`` re-checks the whole schema against its meta-schema each
    time (about 0.13 s per lookup; dozens per ``fit``/``train``/``deploy``). Each
    major's ``_validate_once`` (``safemaker.sdk.v2.session``, ``safemaker.sdk.v3.session``)
    makes the SDK skip that for this one type; every other config is validated as before.
    """


def _skipping_checked(validate: Any) -> Any:
    """The SDK's ``validate_sagemaker_config`` made to skip a :class:`_CheckedConfig` (``validate`` itself
    when it already does: idempotent); every other config goes to ``validate`` as before. Each major's
    ``_validate_once`` installs it where that major looks the function up."""
    if getattr(validate, "_safemaker_validate_once", False):
        return validate

    def validate_sagemaker_config(sagemaker_config: dict | None = None) -> None:
        if type(sagemaker_config) is _CheckedConfig:
            return None
        return validate(sagemaker_config)

    validate_sagemaker_config._safemaker_validate_once = True  # type: ignore[attr-defined]
    validate_sagemaker_config.__wrapped__ = validate  # type: ignore[attr-defined]
    return validate_sagemaker_config


_VALIDATORS: dict[int, tuple[Mapping[str, Any], Any]] = {}
"""``id(schema)`` -> ``(schema, validate)``: each SDK major's schema (a module constant) checked once per process."""


def _schema_checked_once(schema: Mapping[str, Any]) -> Any:
    """The SDK's ``validate_sagemaker_config`` for ``schema``, with ``schema`` itself checked once.

    Both majors' ``validate_sagemaker_config(config)`` is ``jsonschema.validate(config, schema)``,
    which first checks ``schema`` against its meta-schema (about 0.16 s of CPU for the SDK's
    schema) and then validates ``config`` (well under 1 ms). The schema is the SDK's constant, so
    the meta-schema check is done here once per schema object (the function made is remembered);
    the returned function then does what ``jsonschema.validate`` does with the document:
    ``best_match`` of the validator's errors.

    Parameters
    ----------
    schema : Mapping
        The SDK major's ``SAGEMAKER_PYTHON_SDK_CONFIG_SCHEMA``.

    Returns
    -------
    callable
        ``validate(sagemaker_config=None) -> None``.

    Raises
    ------
    jsonschema.exceptions.SchemaError
        ``schema`` is not a valid JSON schema (as ``jsonschema.validate`` would, at every call).

    The returned function raises ``jsonschema.exceptions.ValidationError`` (the same error
    ``jsonschema.validate`` picks) when the document does not follow ``schema``.
    """
    made = _VALIDATORS.get(id(schema))
    if made is not None and made[0] is schema:
        return made[1]
    import jsonschema

    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)

    def validate_sagemaker_config(sagemaker_config: dict | None = None) -> None:
        error = jsonschema.exceptions.best_match(validator.iter_errors(sagemaker_config))
        if error is not None:
            raise error

    _VALIDATORS[id(schema)] = (schema, validate_sagemaker_config)
    return validate_sagemaker_config


def _checked_with(config: dict[str, Any], validate: Any, skip_checked: Any) -> dict[str, Any]:
    """``config`` validated once with the SDK major's ``validate``, as a :class:`_CheckedConfig` after
    ``skip_checked()`` made that major skip re-validating one; a config the schema refuses is returned as it
    was (the SDK raises its own error at its next lookup, as without this). Each major's ``checked_config``."""
    try:
        validate(config)
    except Exception:  # noqa: BLE001 - the SDK's own error, at its next lookup
        return config
    skip_checked()
    return _CheckedConfig(config)


def _split(path: str) -> tuple[str, ...]:
    return tuple(path.split(".")) if path else ()


def _get(doc: Any, parts: Sequence[str]) -> Any:
    cur = doc
    for p in parts:
        if not isinstance(cur, Mapping) or p not in cur:
            return MISSING
        cur = cur[p]
    return cur


def _set(doc: dict[str, Any], parts: Sequence[str], value: Any) -> None:
    cur = doc
    for p in parts[:-1]:
        nxt = cur.get(p)
        if not isinstance(nxt, dict):
            nxt = {}
            cur[p] = nxt
        cur = nxt
    cur[parts[-1]] = value


def _merge(base: dict[str, Any], other: Mapping[str, Any]) -> None:
    """Merge ``other`` into ``base`` as the SDK merges config files (later wins; dicts recurse)."""
    for key, value in other.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)


# --------------------------------------------------------------------------- checking


def _request_prefix(path: str, fields: tuple[tuple[str, str], ...]) -> tuple[str, str] | None:
    """The (section path, request path) pair whose request path is the longest prefix of ``path``."""
    best: tuple[str, str] | None = None
    for section_path, request_path in fields:
        if path == request_path or path.startswith(request_path + ".") or path.startswith(request_path + "["):
            if best is None or len(request_path) > len(best[1]):
                best = (section_path, request_path)
    return best


def _source_of(parts: Sequence[str], sources: Sequence[ConfigSource]) -> str:
    """The last document (in merge order) holding the value at ``parts`` or its nearest parent."""
    for depth in range(len(parts), 0, -1):
        for source in reversed(sources):
            if _get(source.config, parts[:depth]) is not MISSING:
                return source.name
    return sources[-1].name if sources else "sagemaker_config"


def _check_section(section: ConfigSection, merged: dict[str, Any], profile: "VpcProfile",
                   sources: Sequence[ConfigSource], violations: list[Violation]) -> None:
    body = _get(merged, section.prefix)
    body = body if isinstance(body, Mapping) else {}
    proxy: dict[str, Any] = copy.deepcopy(dict(section.proxy_extra))
    for section_path, request_path in section.fields:
        req_parts = _split(request_path)
        value = _get(body, _split(section_path))
        if value is not MISSING:
            _set(proxy, req_parts, copy.deepcopy(value))
            continue
        for depth in range(1, len(req_parts)):  # parents, so that KMS keys can be filled
            if req_parts[depth - 1] == "VpcConfig":
                # All or nothing (F05): an absent VpcConfig is filled, an empty one refused. A
                # section that maps Subnets and SecurityGroupIds separately must leave it absent.
                break
            if _get(proxy, req_parts[:depth]) is MISSING:
                _set(proxy, req_parts[:depth], {})
    decision = _guard.decide(section.operation, proxy, profile)
    refused = False
    for v in decision.violations:
        pair = _request_prefix(v.path, section.fields)
        if pair is None:
            # A field of the borrowed operation that this section does not have
            # (a training job's ResourceConfig for a compilation job): not its concern.
            continue
        refused = True
        section_path, request_path = pair
        key = section.name + "." + section_path + v.path[len(request_path):]
        where = _source_of(_split(section.name + "." + section_path), sources)
        if v.found is MISSING:
            parent, _, leaf = key.rpartition(".")
            fix = (f"Add {leaf} to {parent} in {where}, or remove {parent} from it so that the "
                   "profile's value applies")
        else:
            fix = f"Correct {key} in {where}, or remove it so that the profile's value applies"
        violations.append(at_argument(v, f"{key} in {where}", fix=fix, operation=REFUSER))
    if refused:
        return
    for section_path, request_path in section.fields:
        value = _get(decision.params, _split(request_path))
        if value is not MISSING:
            _set(merged, section.prefix + _split(section_path), copy.deepcopy(value))
    if section.role and _get(merged, section.prefix + _split(section.role)) is MISSING:
        _set(merged, section.prefix + _split(section.role), profile.execution_role_arn)


def closed_config(sources: Sequence[ConfigSource], profile: "VpcProfile") -> dict[str, Any]:
    """Merge SDK config documents and fill them with the profile's values.

    Parameters
    ----------
    sources : sequence of ConfigSource
        The documents in the SDK's merge order (admin file, then user file;
        or the one ``sagemaker_config`` dictionary the caller passed).
        Never mutated.
    profile : VpcProfile
        The profile.

    Returns
    -------
    dict
        A new config dictionary for ``sagemaker.Session(sagemaker_config=...)``:
        the documents merged (later wins, as the SDK does), every section of
        :data:`SECTIONS` filled with the profile's network isolation, VPC,
        inter-container traffic encryption, KMS keys and execution role where
        absent, and ``SageMaker.PythonSDK.Modules.TelemetryOptOut`` set to
        ``True`` (a closed session sends no telemetry).

    Raises
    ------
    GuardrailViolation
        A document holds a value the profile does not allow (network isolation
        ``false``, a subnet or security group outside the profile, half a
        ``VpcConfig``, another KMS key, a role the profile does not list).
        ``operation`` is ``"ClosedNetworkSession"``; each violation's ``path``
        is ``"<key> in <file>"``, e.g.
        ``"SageMaker.TrainingJob.EnableNetworkIsolation in /etc/xdg/sagemaker/config.yaml"``.
        Every violation of every document is listed.
    """
    merged: dict[str, Any] = {}
    for source in sources:
        _merge(merged, source.config)
    merged.setdefault("SchemaVersion", SCHEMA_VERSION)
    violations: list[Violation] = []
    for section in SECTIONS:
        _check_section(section, merged, profile, sources, violations)
    if violations:
        raise GuardrailViolation(REFUSER, violations)
    _set(merged, TELEMETRY_OPT_OUT, True)
    return merged


def profile_defaults(profile: "VpcProfile") -> dict[str, Any]:
    """The SDK config a closed session uses when no config file exists.

    Parameters
    ----------
    profile : VpcProfile
        The profile.

    Returns
    -------
    dict
        Same as ``closed_config([], profile)``.
    """
    return closed_config((), profile)
