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

from safemaker.local.backend import (
    OFFLINE_ENVIRONMENT,
    offline_environment,
    DEFAULT_ACCOUNT_ID,
    DEFAULT_REGION,
    EMULATED_PREDICTION_LABEL,
    LocalBackend,
    LocalSnapshot,
    local_backend,
)
from safemaker.local.fixes import FIXES, Fix
from safemaker.local.network import LOCAL_NETWORK_FEATURES, LOCAL_STACK, create_local_network
from safemaker.local.recording import RecordedRequest
from safemaker.local.session import FAKE_ACCESS_KEY_ID, FAKE_SECRET_ACCESS_KEY, LocalSession

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
