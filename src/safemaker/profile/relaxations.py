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

__all__ = ["ProfileRelaxationWarning", "RELAXING_FIELDS", "EnvironmentRelaxation", "find_relaxations"]


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
        "allow_unverified_templates": _Relaxing(
            _flag_turned(True),
            lambda v, b: "the guard will send CloudFormation requests whose template (or a value in it) "
            "it cannot verify",
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
``additional_role_arns`` naming a role
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


def find_relaxations(
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
