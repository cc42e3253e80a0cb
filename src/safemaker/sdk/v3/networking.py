"""SDK v3 networking settings (``Networking``, ``VpcConfig``, dicts: F04) checked through the guard and closed with the profile's (both VPC lists always present: F05)."""

from __future__ import annotations

import os
from typing import Any, Mapping, Sequence

from sagemaker.core.training.configs import Networking
from sagemaker.core.utils import utils as _sm_utils

from safemaker.errors import MISSING
from safemaker.profile import VpcProfile, resolve_profile
from safemaker.sdk._errors import ClosedSessionError
from safemaker.sdk._refusal import close_arguments

__all__ = ["closed_networking"]


def _unassigned(value: Any) -> bool:
    """sagemaker-core marks a field it has no value for with ``Unassigned()``."""
    return value is None or isinstance(value, _sm_utils.Unassigned)


def _given(value: Any) -> Any:
    """SDK convention: ``None`` (or sagemaker-core's ``Unassigned``) means "not given"."""
    return MISSING if _unassigned(value) else value


def _close_arguments(operation: str, mapping: Sequence[tuple[str, str]], values: Mapping[str, Any],
                     profile: VpcProfile, where: str, parents: Sequence[str] = (),
                     context: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """:func:`safemaker.sdk._refusal.close_arguments` for SDK v3's attribute paths: an absent argument
    is the profile's where the guard fills its field (``context``: the request fields that decide
    whether a field applies, such as the instance type); a refusal's ``operation`` is ``where`` without the parentheses and each
    violation's ``path`` names the argument and the request field
    (``"networking.subnets[1] (VpcConfig.Subnets[1])"``).

    Raises
    ------
    GuardrailViolation
        Every conflicting argument at once.
    """
    return close_arguments(operation, mapping, values, profile, where=where, parents=parents, keyword=False,
                           refuser=where.rstrip("()"), show_request_path=True, context=context)


_NETWORKING_KEYS: dict[str, str] = {
    "subnets": "subnets",
    "Subnets": "subnets",
    "security_group_ids": "security_group_ids",
    "SecurityGroupIds": "security_group_ids",
    "enable_network_isolation": "enable_network_isolation",
    "EnableNetworkIsolation": "enable_network_isolation",
    "enable_inter_container_traffic_encryption": "enable_inter_container_traffic_encryption",
    "EnableInterContainerTrafficEncryption": "enable_inter_container_traffic_encryption",
}


_VPC_KEYS = ("vpc_config", "VpcConfig")


_TRAINING_NETWORK_FIELDS: tuple[tuple[str, str], ...] = (
    ("networking.enable_network_isolation", "EnableNetworkIsolation"),
    ("networking.subnets", "VpcConfig.Subnets"),
    ("networking.security_group_ids", "VpcConfig.SecurityGroupIds"),
    ("networking.enable_inter_container_traffic_encryption", "EnableInterContainerTrafficEncryption"),
)


_MODEL_NETWORK_FIELDS: tuple[tuple[str, str], ...] = _TRAINING_NETWORK_FIELDS[:3]


def _networking_values(networking: Any, where: str) -> dict[str, Any]:
    """The four networking settings of a ``Networking``, a ``VpcConfig`` or a dict (F04)."""
    if networking is None:
        return {}
    if isinstance(networking, Mapping):
        flat: dict[str, Any] = {}
        for key, value in networking.items():
            if key in _VPC_KEYS and isinstance(value, Mapping):
                flat.update(_networking_values(value, where))
                continue
            name = _NETWORKING_KEYS.get(key)
            if name is None:
                raise ClosedSessionError(
                    f"networking[{key!r}]", value,
                    "one of the keys " + ", ".join(sorted(set(_NETWORKING_KEYS) | set(_VPC_KEYS))),
                    f"Remove or rename the key {key!r} in {where}",
                )
            flat[name] = value
        return {k: v for k, v in flat.items() if v is not None}
    names = ("subnets", "security_group_ids", "enable_network_isolation",
             "enable_inter_container_traffic_encryption")
    if not any(hasattr(networking, n) for n in names[:2]):
        raise ClosedSessionError(
            "networking", type(networking).__name__,
            "a sagemaker.core.training.configs.Networking, a sagemaker.core.shapes.VpcConfig or a dict",
            f"Pass Networking(subnets=[...], security_group_ids=[...]) or a dict to {where}, or leave it out",
        )
    out = {}
    for n in names:
        value = getattr(networking, n, None)
        if not _unassigned(value):
            out[n] = list(value) if isinstance(value, (list, tuple)) else value
    return out


def closed_networking(networking: Any = None, profile: VpcProfile | str | os.PathLike[str] | None = None, *,
                      operation: str = "CreateTrainingJob", where: str = "closed_networking()") -> Networking:
    """The profile's ``Networking``, merged with the settings the caller gave.

    Parameters
    ----------
    networking : Networking, sagemaker.core.shapes.VpcConfig, dict or None
        What the caller asked for (F04: any of these forms). A dict may use
        the Python names (``subnets``, ``security_group_ids``,
        ``enable_network_isolation``, ``enable_inter_container_traffic_encryption``)
        or AWS's (``Subnets``, ``SecurityGroupIds``, ``EnableNetworkIsolation``,
        ``EnableInterContainerTrafficEncryption``), and may nest the two lists
        under ``VpcConfig``/``vpc_config``. ``None`` values count as absent.
    profile : VpcProfile, str, os.PathLike or None
        The profile (see :func:`safemaker.profile.resolve_profile`).
    operation : {"CreateTrainingJob", "CreateModel"}, default "CreateTrainingJob"
        The request the settings go into: ``CreateModel`` has no
        inter-container traffic encryption (it is dropped from the result).
    where : str
        The call, for messages.

    Returns
    -------
    sagemaker.core.training.configs.Networking
        Both lists always present (F05): a list the caller left out is the
        profile's (``Networking(subnets=[A])`` gets the profile's security
        groups); isolation and inter-container traffic encryption ``True``
        where the profile requires them and the caller said nothing.

    Raises
    ------
    GuardrailViolation
        A setting conflicts with the profile: ``enable_network_isolation=False``,
        a subnet or security group outside the profile, an empty list,
        duplicates... Every conflict at once, each naming the argument and the
        request field. No path retries without the network settings.
    ClosedSessionError
        ``networking`` is of another type, or a dict has an unknown key.

    Examples
    --------
    >>> closed_networking({"Subnets": ["subnet-0aaaaaaaaaaaaaaaa"]}, profile)      # doctest: +SKIP
    Networking(security_group_ids=['sg-0bbbbbbbbbbbbbbbb'], subnets=['subnet-0aaaaaaaaaaaaaaaa'],
               enable_network_isolation=True, enable_inter_container_traffic_encryption=True)
    """
    prof = resolve_profile(profile)
    if operation not in ("CreateTrainingJob", "CreateModel"):
        raise ValueError(f"operation is {operation!r}; expected 'CreateTrainingJob' or 'CreateModel'")
    given = _networking_values(networking, where)
    fields = _TRAINING_NETWORK_FIELDS if operation == "CreateTrainingJob" else _MODEL_NETWORK_FIELDS
    values = {f"networking.{k}": v for k, v in given.items()}
    # F05: a list left out is the profile's, so that both lists always go out.
    values.setdefault("networking.subnets", list(prof.subnets))
    values.setdefault("networking.security_group_ids", list(prof.security_group_ids))
    closed = _close_arguments(operation, fields, values, prof, where)
    kwargs = {arg.split(".", 1)[1]: value for arg, value in closed.items() if value is not MISSING}
    return Networking(**kwargs)
