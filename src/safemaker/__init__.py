"""safemaker: use Amazon SageMaker from a closed network, and refuse any call that opens one.

The public API is what ``__all__`` lists. ``import safemaker`` does not import
the SageMaker Python SDK: the SDK classes (``ClosedNetworkSession``,
``ClosedEstimator``, ``closed_deploy``, ...) are loaded on first use.

The library is silent: it logs to ``logging.getLogger("safemaker.*")`` with a
``NullHandler`` and does not propagate to the root logger (whose handlers the
SageMaker SDK v2 sets up at import); set ``SAFEMAKER_DEBUG=1`` to print debug
output to stderr, or call ``safemaker.log_to_root()`` to send the records to the
root logger's handlers.
"""

from __future__ import annotations

import logging as _logging
import os as _os
from importlib import import_module as _import_module
from typing import Any

from .errors import (
    GuardrailViolation,
    LocalBackendError,
    ProfileError,
    ReferenceCheckError,
    SafemakerError,
    SdkNotAvailableError,
    Violation,
)
from .guard import apply, check, decide
from .hooks import install, installed, uninstall
from .process import install_process, process_guard, uninstall_process

__version__ = "0.1.0"

_logger = _logging.getLogger("safemaker")
_logger.addHandler(_logging.NullHandler())
# The SageMaker SDK v2 configures the root logger at import: safemaker's records would print an INFO
# line for every guarded call. They reach the root logger only when asked (log_to_root, SAFEMAKER_DEBUG).
_logger.propagate = False
if _os.environ.get("SAFEMAKER_DEBUG"):
    _handler = _logging.StreamHandler()
    _handler.setFormatter(_logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    _logger.addHandler(_handler)
    _logger.setLevel(_logging.DEBUG)


def log_to_root(enabled: bool = True) -> None:
    """Let safemaker's log records reach the root logger's handlers (or stop them).

    By default the ``safemaker`` logger does not propagate: handlers that the
    SageMaker SDK v2 (or anything else) put on the root logger do not print
    safemaker's records. ``log_to_root()`` is the same as
    ``logging.getLogger("safemaker").propagate = True``; set
    ``SAFEMAKER_DEBUG=1`` instead to print safemaker's debug output to stderr.

    Parameters
    ----------
    enabled : bool, default True
        True: records propagate to the root logger. False: back to the default.
    """
    _logger.propagate = bool(enabled)


# Names loaded on first use: (module, attribute). The SDK adapters import the
# SageMaker SDK, so they must not load with ``import safemaker``.
_LAZY: dict[str, tuple[str, str]] = {
    "VpcProfile": ("safemaker.profile", "VpcProfile"),
    "resolve_profile": ("safemaker.profile", "resolve_profile"),
    "local_backend": ("safemaker.local", "local_backend"),
    "ClosedNetworkSession": ("safemaker.sdk", "ClosedNetworkSession"),
    "ClosedEstimator": ("safemaker.sdk", "ClosedEstimator"),
    "closed": ("safemaker.sdk", "closed"),
    "closed_deploy": ("safemaker.sdk", "closed_deploy"),
    "ClosedModelTrainer": ("safemaker.sdk", "ClosedModelTrainer"),
    "create_closed_notebook_instance": ("safemaker.notebook", "create_closed_notebook_instance"),
    "presigned_notebook_url": ("safemaker.notebook", "presigned_notebook_url"),
}

__all__ = [
    "log_to_root",
    "SafemakerError",
    "ProfileError",
    "GuardrailViolation",
    "ReferenceCheckError",
    "SdkNotAvailableError",
    "LocalBackendError",
    "Violation",
    "check",
    "apply",
    "decide",
    "install",
    "installed",
    "uninstall",
    "install_process",
    "uninstall_process",
    "process_guard",
    "load_ipython_extension",
    "unload_ipython_extension",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'safemaker' has no attribute {name!r}")
    module = _import_module(target[0])
    value = getattr(module, target[1])
    globals()[name] = value
    return value


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext safemaker``: turn the process guard on for this kernel (see :mod:`safemaker.ipython`)."""
    from .ipython import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """``%unload_ext safemaker``: take the extension's guard and display hooks off again."""
    from .ipython import unload_ipython_extension as unload

    unload(ipython)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
