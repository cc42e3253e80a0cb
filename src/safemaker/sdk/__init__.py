"""SageMaker Python SDK adapters: make the SDK build closed requests in the first place.

The names are resolved by the installed SDK major, and the SDK is imported
only when one of them is first used (``import safemaker.sdk`` reads the
installed version from package metadata and nothing more):

SDK v2 (``sagemaker>=2.200,<3``), in :mod:`safemaker.sdk.v2`:

``ClosedNetworkSession``
    A ``sagemaker.Session`` guarded by a VPC profile.
``ClosedEstimator``
    ``sagemaker.estimator.Estimator`` with every network argument from the profile.
``closed``
    ``closed(sagemaker.pytorch.PyTorch)`` -> the same class, closed (estimators,
    processors, models).
``closed_deploy``
    Deploy an estimator or model with network isolation and the profile's VPC.

SDK v3 (``sagemaker>=3``), in :mod:`safemaker.sdk.v3`: ``ClosedNetworkSession``
(a ``sagemaker.core`` session), ``ClosedModelTrainer`` and ``closed_deploy``
(``ModelBuilder``, ``ModelTrainer``, sagemaker-core resources).

Both majors: ``install_sdk_preflight()`` installs the SDK-side preflight checks
(``@remote`` before any upload, serverless before ``CreateModel``, code and
``requirements.txt`` before staging; see docs/preflight.md) for SDK sessions
guarded by :func:`safemaker.install` or the process guard. Every
``ClosedNetworkSession`` installs them itself.

Asking for a name the installed SDK does not serve raises
:class:`~safemaker.errors.SdkNotAvailableError` naming what to install or use
instead (``ClosedEstimator`` under v3 names ``ClosedModelTrainer``).

Example
-------
>>> from safemaker.sdk import ClosedEstimator, closed_deploy   # doctest: +SKIP
>>> est = ClosedEstimator(image_uri, profile="profile.toml")  # doctest: +SKIP
>>> est.fit("s3://bucket/train")                              # doctest: +SKIP
>>> predictor = closed_deploy(est, 1, "ml.m5.large")          # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from safemaker.sdk._errors import ClosedSessionError
from safemaker.sdk._major import COUNTERPARTS, V2_NAMES, V3_NAMES, installed_sdk, resolve

if TYPE_CHECKING:  # pragma: no cover - for type checkers only; never imports the SDK at run time
    from safemaker.sdk.v2 import ClosedEstimator, ClosedNetworkSession, closed, closed_deploy

__all__ = [
    "ClosedNetworkSession",
    "ClosedEstimator",
    "closed",
    "closed_deploy",
    "ClosedModelTrainer",
    "install_sdk_preflight",
    "ClosedSessionError",
    "installed_sdk",
    "resolve",
    "V2_NAMES",
    "V3_NAMES",
    "COUNTERPARTS",
]

_PUBLIC = frozenset(V2_NAMES) | frozenset(V3_NAMES)


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'safemaker.sdk' has no attribute {name!r}")
    value = resolve(name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | _PUBLIC)
