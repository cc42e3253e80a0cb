"""The embedded local backend: moto's server on 127.0.0.1, for demos and tests.

Public API::

    from safemaker.local import local_backend

    with local_backend("us-east-1") as backend:
        sm = backend.session.client("sagemaker")      # -> http://127.0.0.1:PORT
        sm.list_models()
        assert backend.request_count("sagemaker", "ListModels") == 1

moto keeps its state in process-global dictionaries: one local backend runs
per process at a time (a second raises :class:`~safemaker.errors.LocalBackendError`).
Where moto answers differently from AWS on a field safemaker relies on, the
backend fills the gap; every such fix is listed in :data:`FIXES`. See
``docs/local-backend.md``.

Importing this package does not import moto; starting a backend does (install
the ``local`` extra: ``pip install 'safemaker[local]'``).
"""

from typing import TYPE_CHECKING

from safemaker import _lazy
from safemaker.local._defaults import DEFAULT_REGION, FAKE_ACCESS_KEY_ID, FAKE_SECRET_ACCESS_KEY

if TYPE_CHECKING:  # pragma: no cover - loaded on first use (_LAZY), here for type checkers and docs
    from safemaker.local.backend import (
        DEFAULT_ACCOUNT_ID,
        EMULATED_PREDICTION_LABEL,
        OFFLINE_ENVIRONMENT,
        LocalBackend,
        LocalSnapshot,
        local_backend,
        offline_environment,
    )
    from safemaker.local.fixes import FIXES, Fix
    from safemaker.local.network import LOCAL_NETWORK_FEATURES, LOCAL_STACK, create_local_network
    from safemaker.local.recording import RecordedRequest
    from safemaker.local.session import LocalSession

_LAZY = {
    "OFFLINE_ENVIRONMENT": "backend",
    "offline_environment": "backend",
    "DEFAULT_ACCOUNT_ID": "backend",
    "EMULATED_PREDICTION_LABEL": "backend",
    "LocalBackend": "backend",
    "LocalSnapshot": "backend",
    "local_backend": "backend",
    "FIXES": "fixes",
    "Fix": "fixes",
    "LOCAL_NETWORK_FEATURES": "network",
    "LOCAL_STACK": "network",
    "create_local_network": "network",
    "RecordedRequest": "recording",
    "LocalSession": "session",
}
"""Public names loaded on first use (:mod:`safemaker._lazy`): ``import safemaker.local`` (and so
``safemaker.local.offline``, which the pytest plugin every pytest run loads imports) costs no boto3,
botocore session or moto; the constants above are plain values."""

__all__ = [
    "local_backend",
    "create_local_network",
    "LOCAL_NETWORK_FEATURES",
    "LOCAL_STACK",
    "offline_environment",
    "OFFLINE_ENVIRONMENT",
    "LocalBackend",
    "LocalSnapshot",
    "LocalSession",
    "RecordedRequest",
    "FIXES",
    "Fix",
    "DEFAULT_REGION",
    "DEFAULT_ACCOUNT_ID",
    "EMULATED_PREDICTION_LABEL",
    "FAKE_ACCESS_KEY_ID",
    "FAKE_SECRET_ACCESS_KEY",
]

_SUBMODULES = frozenset({"backend", "fixes", "network", "offline", "recording", "replay", "server", "session",
                         "simulation"})

__getattr__, __dir__ = _lazy.attach(__name__, _LAZY, _SUBMODULES)
