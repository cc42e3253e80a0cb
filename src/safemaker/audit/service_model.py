"""botocore's SageMaker service model, as the audit reads it: one copy per process, and paths in its shapes.

The audit reads the model for what the rule table does not say: which
``Update*`` operation carries a field (:mod:`safemaker.audit.fixes`), what a
List summary holds (:func:`safemaker.audit.coverage.summary_covers`), page
sizes and enum values of List calls (:mod:`safemaker.audit.auditor`). The
first audit client's own model is used (it is already loaded with the
client); otherwise it is loaded once from botocore's data.
"""

from __future__ import annotations

import threading
from typing import Any

import botocore.session

from ..paths import split_path

_SERVICE_MODEL_LOCK = threading.Lock()
_SERVICE_MODEL: Any = None


def _shape_has(shape: Any, path: str) -> bool:
    """Whether botocore ``shape`` carries ``path`` (``[]`` steps into list members)."""
    for seg in split_path(path):
        if seg == "[]":
            if shape.type_name != "list":
                return False
            shape = shape.member
        elif shape.type_name != "structure" or seg not in shape.members:
            return False
        else:
            shape = shape.members[seg]
    return True


def _service_model() -> Any:
    """botocore's SageMaker service model: the first audit client's own (:func:`_adopt_service_model`), else
    loaded once from botocore's data."""
    global _SERVICE_MODEL
    with _SERVICE_MODEL_LOCK:
        if _SERVICE_MODEL is None:
            _SERVICE_MODEL = botocore.session.get_session().get_service_model("sagemaker")
        return _SERVICE_MODEL


def _adopt_service_model(client: Any) -> None:
    """Use ``client``'s service model (a SageMaker client's ``meta.service_model``, already loaded with the
    client) rather than loading and keeping a second copy of the same data (megabytes of JSON)."""
    global _SERVICE_MODEL
    model = getattr(getattr(client, "meta", None), "service_model", None)
    if getattr(model, "service_name", None) != "sagemaker":
        return
    with _SERVICE_MODEL_LOCK:
        if _SERVICE_MODEL is None:
            _SERVICE_MODEL = model
