"""Bulk reads with SageMaker ``Search``: up to 100 full records per call instead of one Describe each.

``Search`` returns, for some resource types, the same fields as the Describe
call (botocore's ``SearchRecord`` shape: ``TrainingJob``, ``Model`` (a
``ModelDashboardModel`` whose ``Model`` member is the ``Model`` shape),
``HyperParameterTuningJob`` and ``ModelPackage``). The audit uses it as a bulk Describe, and only:

- for types whose record shape carries every field the rule table reads
  (:func:`search_covers`, computed from botocore's model, not listed by hand);
- for types whose network fields cannot change after creation (training jobs,
  models, tuning jobs and model packages have no Update call for them): Search's index can lag
  behind the resource, but not on a field that never changes -- except that a resource deleted and
  re-created under the same name is another resource: a record is used only when its
  ``CreationTime`` is the List summary's, else the resource is described;
- as a lookup: the List calls stay authoritative for *which* resources exist.
  A listed resource without a record (not indexed yet, or a backend whose
  Search lacks the type: moto 5 has ``TrainingJob`` only) is described as
  before. A failed Search costs one call and falls back to Describe for the
  whole type; it is never a finding.

AWS API reference: Amazon SageMaker ``Search`` (``MaxResults`` 1-100,
``NextToken`` paging, ``SearchExpression.Filters``).
"""

from __future__ import annotations

import datetime as _dt
import functools
import logging
from typing import Any, Mapping

from ..paths import split_path
from ..resources import RESOURCES
from ..rules import RULES

__all__ = ["SEARCH_RESOURCES", "search_covers", "search_records", "searchable_types"]

logger = logging.getLogger(__name__)

SEARCH_RESOURCES: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "training-job": ("TrainingJob", ("TrainingJob",)),
    "model": ("Model", ("Model", "Model")),
    "hyper-parameter-tuning-job": ("HyperParameterTuningJob", ("HyperParameterTuningJob",)),
    # ValidationSpecification: UpdateModelPackage cannot change it; records by ModelPackageArn
    "model-package": ("ModelPackage", ("ModelPackage",)),
}
"""Audit type -> (``Search`` ``Resource`` value, path of the record inside a ``SearchRecord``).
Only types whose network fields are create-only (no Update call changes them)."""


def _model() -> Any:
    from .service_model import _service_model

    return _service_model()


def _record_shape(kind: str) -> Any:
    shape = _model().shape_for("SearchRecord")
    for member in SEARCH_RESOURCES[kind][1]:
        shape = shape.members[member]
    return shape


@functools.lru_cache(maxsize=None)
def search_covers(kind: str) -> bool:
    """Whether a ``Search`` record of ``kind`` carries every field the rule table reads from its Describe.

    Computed from botocore's model: every top-level member named by the
    describe paths of the rule of ``kind``'s create operation, its name and
    its ARN key must be members of the record shape.

    Parameters
    ----------
    kind : str
        Audit type (``"training-job"``).

    Returns
    -------
    bool
        ``False`` for a type not in :data:`SEARCH_RESOURCES` or without a rule.
    """
    if kind not in SEARCH_RESOURCES or RESOURCES[kind].create_operation not in RULES:
        return False
    from .fields import _fields_of

    members = set(_record_shape(kind).members)
    spec = RESOURCES[kind]
    needed = {split_path(spec.arn_key)[0], spec.list_name_key}
    for info in _fields_of(kind):
        needed.add(split_path(info.describe_path)[0])
    needed.discard(None)
    missing = needed - members
    if missing:
        logger.debug("Search record of %s lacks %s: described one by one", kind, sorted(missing))
    return not missing


def searchable_types() -> tuple[str, ...]:
    """Audit types read in bulk with ``Search`` (those of :data:`SEARCH_RESOURCES` that :func:`search_covers`)."""
    return tuple(k for k in SEARCH_RESOURCES if search_covers(k))


def _clean(value: Any) -> Any:
    """Drop ``None`` members (never in an AWS answer; some emulators send ``null`` for absent)."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def search_records(client: Any, kind: str, *, since: _dt.datetime | None,
                   count: Any) -> dict[str, dict[str, Any]] | None:
    """Every ``Search`` record of ``kind`` in the client's region, by resource name.

    Parameters
    ----------
    client : botocore.client.BaseClient
        SageMaker client.
    kind : str
        A type of :func:`searchable_types`.
    since : datetime.datetime or None
        Only records created at or after it (``CreationTime``
        ``GreaterThanOrEqualTo`` filter).
    count : callable
        Called with ``"Search"`` once per call made.

    Returns
    -------
    dict or None
        Name -> record (the Describe-like part of the ``SearchRecord``);
        ``None`` when ``Search`` failed (the caller describes every resource).
    """
    resource, path = SEARCH_RESOURCES[kind]
    spec = RESOURCES[kind]
    kwargs: dict[str, Any] = {"Resource": resource, "PaginationConfig": {"PageSize": 100}}
    if since is not None:
        kwargs["SearchExpression"] = {"Filters": [
            {"Name": "CreationTime", "Operator": "GreaterThanOrEqualTo", "Value": since.isoformat()}]}
    out: dict[str, dict[str, Any]] = {}
    try:
        for page in client.get_paginator("search").paginate(**kwargs):
            count("Search")
            for result in page.get("Results", []):
                record: Any = result
                for member in path:
                    record = record.get(member) if isinstance(record, dict) else None
                if not isinstance(record, dict):
                    continue
                name = record.get(spec.list_name_key)
                if isinstance(name, str) and name:
                    out[name] = _clean(record)
    except Exception as exc:  # Search is an optimisation: its failure means Describe, not a finding
        count("Search")
        logger.debug("Search(Resource=%s) failed, describing one by one: %s", resource, exc)
        return None
    return out
