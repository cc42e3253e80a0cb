"""Relaxations: ``SAFEMAKER_<FIELD>`` variables that loosen what the guard requires.

:data:`RELAXING_FIELDS` is the one list of the fields that can loosen the
guard, with how; :func:`find_relaxations` compares a loaded profile with what
its source (file, SSM parameter, mapping) or the default would give, and the
loaders report each :class:`EnvironmentRelaxation` as a
:class:`~safemaker.errors.ProfileRelaxationWarning` (defined in
:mod:`safemaker.errors`, re-exported here) and a WARNING on ``safemaker.profile``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping

from pydantic import ValidationError

from safemaker.errors import ProfileRelaxationWarning

from .ssm import SSM_PREFIX

if TYPE_CHECKING:  # pragma: no cover
    from .model import VpcProfile

__all__ = ["ProfileRelaxationWarning", "RELAXING_FIELDS", "ADMINISTRATOR_FIELDS", "EnvironmentRelaxation",
           "find_relaxations", "environment_replacements", "refuse_environment_replacements"]


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


def _other(value: Any, baseline: Any) -> bool:
    return value != baseline


def _new(value: Any, baseline: Any) -> str:
    """The IDs of ``value`` that ``baseline`` does not list, comma-separated."""
    return ", ".join(sorted(set(value or ()) - set(baseline or ())))


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
        "allow_unverified_templates": _Relaxing(
            _flag_turned(True),
            lambda v, b: "the guard will send CloudFormation requests whose template (or a value in it), "
            "and other services' requests whose content, it cannot verify",
        ),
        "allow_pipeline_callbacks": _Relaxing(
            _flag_turned(True),
            lambda v, b: "the guard will send SendPipelineExecutionStepSuccess / SendPipelineExecutionStepFailure, "
            "which let a pipeline execution it cannot check go on",
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
true, ``allow_unclassified_operations`` true, ``allow_unverified_templates`` true,
``allow_pipeline_callbacks`` true, ``additional_role_arns`` naming a role
the baseline does not.
"""


ADMINISTRATOR_FIELDS: Mapping[str, _Relaxing] = MappingProxyType(
    {
        "vpc_id": _Relaxing(
            _other, lambda v, b: f"the guard will take {v} as the closed network's VPC"
        ),
        "subnets": _Relaxing(
            _more_roles,
            lambda v, b: f"the guard will accept SageMaker network interfaces in {_new(v, b)}",
        ),
        "security_group_ids": _Relaxing(
            _more_roles, lambda v, b: f"the guard will accept the security group(s) {_new(v, b)}"
        ),
        "execution_role_arn": _Relaxing(
            _other, lambda v, b: f"the guard will let SageMaker be passed {v}"
        ),
        "vpc_endpoint_ids": _Relaxing(
            _more_roles,
            lambda v, b: f"policies and the doctor will take {_new(v, b)} as endpoints of the closed network",
        ),
        "volume_kms_key_id": _Relaxing(
            _other, lambda v, b: f"the guard will require (and accept) the volume KMS key {v}"
        ),
        "output_kms_key_id": _Relaxing(
            _other, lambda v, b: f"the guard will require (and accept) the output KMS key {v}"
        ),
        "default_bucket": _Relaxing(
            _other, lambda v, b: f"SageMaker artifacts will go to the bucket {v}"
        ),
    }
)
"""The network and security fields of the administrator's profile, and what replacing one does.

The one list of them: every field that names the closed network (VPC,
subnets, security groups, VPC endpoints), who SageMaker acts as (the
execution role) or where data is kept and with which key (KMS keys, bucket).
A ``SAFEMAKER_<FIELD>`` variable that *replaces* the value the profile's
source (file, SSM parameter, mapping) set with one naming something the
source does not (another VPC, role, key or bucket; a subnet, security group
or endpoint the source does not list) is reported like a relaxation
(:attr:`VpcProfile.environment_relaxations`, the warning, the CLI's
``warning:`` line), and refused by an exclusive process guard
(:func:`refuse_environment_replacements`). A variable that only narrows a
list (a subset of the source's subnets) is an override, not a replacement; a
variable that sets a field the source leaves out (or a profile made from the
variables alone) replaces nothing. ``region`` is not one: the source's IDs do
not exist in another region, so a new region alone opens no path, and the
IDs that would are these fields. The policy switches and
``additional_role_arns`` are :data:`RELAXING_FIELDS`.
"""


@dataclass(frozen=True)
class EnvironmentRelaxation:
    """A ``SAFEMAKER_<FIELD>`` variable that loosens the guard.

    Attributes
    ----------
    field : str
        The profile field (one of :data:`RELAXING_FIELDS` or :data:`ADMINISTRATOR_FIELDS`).
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
    def replaces(self) -> bool:
        """bool: the variable replaced a network or security value the source set
        (:data:`ADMINISTRATOR_FIELDS`); an exclusive guard refuses it."""
        return self.field in ADMINISTRATOR_FIELDS

    @property
    def message(self) -> str:
        """str: one line, e.g. ``SAFEMAKER_REQUIRE_NETWORK_ISOLATION=false relaxes
        require_network_isolation (the file says true): the guard will not require
        EnableNetworkIsolation``; for an :data:`ADMINISTRATOR_FIELDS` field
        ``SAFEMAKER_SUBNETS=subnet-0fffffffffffffff0 replaces subnets (the file says
        ["subnet-0aaaaaaaaaaaaaaaa"]): the guard will accept SageMaker network interfaces
        in subnet-0fffffffffffffff0``."""
        says = "is" if self.baseline_from == "the default" else "says"
        verb = "replaces" if self.replaces else "relaxes"
        return (
            f"{self.variable}={self.value} {verb} {self.field} "
            f"({self.baseline_from} {says} {self.baseline}): {self.effect}"
        )


def _baseline_from(source: str) -> str:
    if source.startswith(SSM_PREFIX):
        return "the SSM parameter"
    if source == "mapping":
        return "the mapping"
    return "the file"


def find_relaxations(
    profile: "VpcProfile", data: Mapping[str, Any] | None, source: str, env_fields: Mapping[str, str],
    raw: Mapping[str, str],
) -> tuple[EnvironmentRelaxation, ...]:
    """The relaxations the ``env_fields`` variables bring to ``profile`` over ``data``."""
    from pydantic import TypeAdapter

    found: list[EnvironmentRelaxation] = []
    rules = [*RELAXING_FIELDS.items(), *ADMINISTRATOR_FIELDS.items()]
    for name, rule in rules:
        if name not in env_fields:
            continue
        info = type(profile).model_fields[name]
        if name in ADMINISTRATOR_FIELDS and (data is None or data.get(name) is None):
            continue  # nothing of the administrator's to replace
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


def environment_replacements(profile: "VpcProfile") -> tuple[EnvironmentRelaxation, ...]:
    """The relaxations of ``profile`` that replace a network or security value its source set."""
    return tuple(r for r in profile.environment_relaxations if r.replaces)


def refuse_environment_replacements(profile: "VpcProfile", by: str) -> None:
    """Refuse a profile whose ``SAFEMAKER_<FIELD>`` variables replaced the source's network or security values.

    Called where an exclusive process guard is turned on (``safemaker run``
    without ``--not-exclusive``, :func:`safemaker.install_process` with
    ``exclusive=True``, ``import safemaker.auto`` with
    ``SAFEMAKER_GUARD_EXCLUSIVE=1``): such a guard takes the closed network
    from the administrator's profile, never from the environment.

    Parameters
    ----------
    profile : VpcProfile
    by : str
        Who turns the exclusive guard on, for the message (``"safemaker run"``).

    Raises
    ------
    safemaker.errors.ProfileError
        One problem per replacement: ``field`` is the variable, ``found`` its
        value; the message gives the source's value and the fix (unset the
        variable, change the source, or a guard that is not exclusive).
    """
    replaced = environment_replacements(profile)
    if not replaced:
        return
    from safemaker.errors import ProfileError, ProfileFieldError

    from .reporting import Text

    errors = [
        ProfileFieldError(
            r.variable,
            Text(r.value),
            f"no variable replacing {r.field}, which {r.baseline_from} sets to {r.baseline}: an exclusive "
            f"guard ({by}) takes the closed network from the administrator's profile, not from the "
            f"environment; unset it (unset {r.variable}), change {r.field} in the profile, or "
            "run with a guard that is not exclusive (safemaker run --not-exclusive, install_process without "
            "exclusive=True)",
        )
        for r in replaced
    ]
    raise ProfileError(profile._loaded_from or "environment", errors)
