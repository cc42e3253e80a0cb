"""safemaker: use Amazon SageMaker from a closed network, and refuse any call that opens one.

The public API is what ``__all__`` lists. ``import safemaker`` does not import
the SageMaker Python SDK: the SDK classes (``ClosedNetworkSession``,
``ClosedEstimator``, ``closed_deploy``, ...) are loaded on first use.

The library is silent: it logs to ``logging.getLogger("safemaker.*")`` with a
``NullHandler`` and does not propagate to the root logger (whose handlers the
SageMaker SDK v2 sets up at import); importing it configures no handler. Call
``safemaker.set_stream_logger()`` to print debug output to stderr, or
``safemaker.log_to_root()`` to send the records to the root logger's handlers.
The ``safemaker`` command and ``safemaker run`` (``import safemaker.auto``) do
the former when ``SAFEMAKER_DEBUG`` is set.
"""

from __future__ import annotations

from . import _lazy
from typing import TYPE_CHECKING, Any

from .logs import log_to_root, set_stream_logger
from .errors import (
    GuardrailViolation,
    LocalBackendError,
    ProfileError,
    ReferenceCheckError,
    SafemakerError,
    SdkNotAvailableError,
    Violation,
)

if TYPE_CHECKING:  # pragma: no cover - loaded on first use (_LAZY), here for type checkers and docs
    from .guard import apply, check, decide
    from .hooks import install, installed, uninstall
    from .process import install_process, process_guard, uninstall_process

__version__ = "0.1.0"

# Names loaded on first use: (module, attribute). The SDK adapters import the
# SageMaker SDK, so they must not load with ``import safemaker``; the guard, the
# hooks and the process guard (rule tables, botocore, urllib3) load when a program
# first names them, so a command or child Python that needs none of them (``safemaker
# run`` itself, ``safemaker --help``) does not pay for them.
_LAZY: dict[str, tuple[str, str]] = {
    "check": ("safemaker.guard", "check"),
    "apply": ("safemaker.guard", "apply"),
    "decide": ("safemaker.guard", "decide"),
    "install": ("safemaker.hooks", "install"),
    "installed": ("safemaker.hooks", "installed"),
    "uninstall": ("safemaker.hooks", "uninstall"),
    "install_process": ("safemaker.process", "install_process"),
    "process_guard": ("safemaker.process", "process_guard"),
    "uninstall_process": ("safemaker.process", "uninstall_process"),
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
    "set_stream_logger",
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


_SUBMODULES = frozenset({
    "guard", "hooks", "process", "rules", "rules_classification", "rules_guardrails", "resources", "paths",
    "members", "instances", "partitions", "preflight", "other_services",
})
"""Submodules that ``import safemaker`` loaded before its names became lazy: ``safemaker.guard`` (the
attribute) still works after ``import safemaker`` alone."""


__getattr__, __dir__ = _lazy.attach(__name__, _LAZY, _SUBMODULES)


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
