"""Which SageMaker Python SDK is installed, read without importing it.

:func:`installed_sdk` reads the ``sagemaker`` distribution's version with
:mod:`importlib.metadata` (a file read, no import of the SDK, which takes
about two seconds), and :func:`resolve` turns a public name of
:mod:`safemaker.sdk` into the object that serves it under that SDK, or a
:class:`~safemaker.errors.SdkNotAvailableError` that says what to install or
use instead.

The two name tables are the one place where SDK majors are told apart:
:data:`V2_NAMES` (SDK v2, ``sagemaker>=2.200,<3``) and :data:`V3_NAMES`
(SDK v3, issue 8). A name served by one major only is mapped to its
counterpart in the other in :data:`COUNTERPARTS`, so that asking for it under
the wrong major names what to use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import import_module
from importlib import metadata as _metadata
from typing import Any

from safemaker.errors import SdkNotAvailableError

__all__ = [
    "SdkVersion",
    "installed_sdk",
    "resolve",
    "V2_NAMES",
    "V3_NAMES",
    "COUNTERPARTS",
    "V2_MIN",
    "DISTRIBUTION",
]

DISTRIBUTION = "sagemaker"
"""Name of the SageMaker Python SDK distribution on PyPI."""

V2_MIN = (2, 200)
"""Oldest SDK v2 release the v2 adapters support (``sagemaker>=2.200,<3``)."""

V2_NAMES: dict[str, tuple[str, str]] = {
    "ClosedNetworkSession": ("safemaker.sdk.v2", "ClosedNetworkSession"),
    "ClosedEstimator": ("safemaker.sdk.v2", "ClosedEstimator"),
    "closed": ("safemaker.sdk.v2", "closed"),
    "closed_deploy": ("safemaker.sdk.v2", "closed_deploy"),
    "install_sdk_preflight": ("safemaker.sdk.v2", "install_sdk_preflight"),
}
"""Public name -> (module, attribute) under SDK v2."""

V3_NAMES: dict[str, tuple[str, str]] = {
    "ClosedNetworkSession": ("safemaker.sdk.v3", "ClosedNetworkSession"),
    "ClosedModelTrainer": ("safemaker.sdk.v3", "ClosedModelTrainer"),
    "closed_deploy": ("safemaker.sdk.v3", "closed_deploy"),
    "install_sdk_preflight": ("safemaker.sdk.v3", "install_sdk_preflight"),
}
"""Public name -> (module, attribute) under SDK v3."""

COUNTERPARTS: dict[str, str] = {
    "ClosedEstimator": "ClosedModelTrainer",
    "ClosedModelTrainer": "ClosedEstimator",
}
"""A name served by one major -> the name that does the same job under the other."""

_V2_REQUIREMENT = "the SageMaker Python SDK v2 (sagemaker>=2.200,<3)"
_V3_REQUIREMENT = "the SageMaker Python SDK v3 (sagemaker>=3)"
_INSTALL_ANY = "Install it: pip install 'safemaker[sdk]'"


@dataclass(frozen=True)
class SdkVersion:
    """The installed ``sagemaker`` distribution.

    Attributes
    ----------
    version : str
        The version string as installed (``"2.257.7"``).
    major : int
        Major version (``2``).
    minor : int
        Minor version (``257``); ``0`` when the version has none.
    """

    version: str
    major: int
    minor: int


def installed_sdk(version: str | None = None) -> SdkVersion | None:
    """The installed SageMaker Python SDK, or ``None`` when it is not installed.

    Parameters
    ----------
    version : str, optional
        A version string to parse instead of the installed one (tests).

    Returns
    -------
    SdkVersion or None

    Notes
    -----
    Reads the distribution metadata with :func:`importlib.metadata.version`;
    the ``sagemaker`` package itself is not imported.
    """
    if version is None:
        try:
            version = _metadata.version(DISTRIBUTION)
        except _metadata.PackageNotFoundError:
            return None
    match = re.match(r"\s*(\d+)(?:\.(\d+))?", version)
    if match is None:
        return SdkVersion(version, 0, 0)
    return SdkVersion(version, int(match.group(1)), int(match.group(2) or 0))


def resolve(name: str, sdk: SdkVersion | None | str = "installed") -> Any:
    """The object :mod:`safemaker.sdk` serves as ``name`` under the installed SDK major.

    Parameters
    ----------
    name : str
        A public name (``"ClosedEstimator"``, ``"ClosedModelTrainer"``...).
    sdk : SdkVersion or None, default: the installed SDK
        The SDK to resolve for; ``None`` means none is installed (tests).

    Returns
    -------
    Any
        The class or function (importing its adapter module, and so the SDK).

    Raises
    ------
    AttributeError
        ``name`` is not a public name of :mod:`safemaker.sdk`.
    safemaker.errors.SdkNotAvailableError
        No SDK is installed (install ``safemaker[sdk]``); the installed major
        does not serve ``name`` (the message names the counterpart to use);
        the v2 release is older than 2.200; or the adapter for the installed
        major is not built yet.
    """
    if name not in V2_NAMES and name not in V3_NAMES:
        raise AttributeError(f"module 'safemaker.sdk' has no attribute {name!r}")
    if sdk == "installed":
        sdk = installed_sdk()
    if sdk is None:
        raise SdkNotAvailableError(
            name=name,
            needs="the SageMaker Python SDK",
            found="the 'sagemaker' package is not installed",
            fix=_INSTALL_ANY + " (or 'safemaker[sdk2]' for v2, 'safemaker[sdk3]' for v3)",
        )
    assert isinstance(sdk, SdkVersion)
    found = f"sagemaker {sdk.version} is installed"
    if sdk.major >= 3:
        table, requirement, other = V3_NAMES, _V3_REQUIREMENT, "v2"
    else:
        table, requirement, other = V2_NAMES, _V2_REQUIREMENT, "v3"
    if name not in table:
        counterpart = COUNTERPARTS.get(name)
        own = "v2" if other == "v3" else "v3"
        fix = (
            f"Under SDK {own} use safemaker.sdk.{counterpart} instead"
            if counterpart and counterpart in table
            else f"Install SDK {other}: pip install 'safemaker[sdk{other[1]}]'"
        )
        needs = _V2_REQUIREMENT if other == "v2" else _V3_REQUIREMENT
        raise SdkNotAvailableError(name=name, needs=needs, found=found, fix=fix)
    if sdk.major == 2 and (sdk.major, sdk.minor) < V2_MIN:
        raise SdkNotAvailableError(
            name=name,
            needs=requirement,
            found=found,
            fix="Upgrade it: pip install 'safemaker[sdk2]'",
        )
    if sdk.major < 2:
        raise SdkNotAvailableError(
            name=name, needs=requirement, found=found, fix="Upgrade it: pip install 'safemaker[sdk]'"
        )
    module_name, attribute = table[name]
    try:
        module = import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        raise SdkNotAvailableError(
            name=name,
            needs=f"safemaker's adapters for {requirement}",
            found=f"{found}, and this safemaker release has no {module_name} yet (issue 8)",
            fix="Use SDK v2 with safemaker for now: pip install 'safemaker[sdk2]'",
        ) from None
    return getattr(module, attribute)
