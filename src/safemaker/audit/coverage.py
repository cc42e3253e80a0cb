"""Which resource types the audit reads, and what that takes: the rule table's coverage of existing resources.

:data:`AUDIT_ORDER` lists every type the audit can list; :func:`audited_types`
those whose create operation has a rule now (the others:
:func:`unaudited_types`, and the create operations no audited type covers:
:func:`unaudited_create_operations`). :func:`summary_covers` says when a List
summary is enough (no Describe call), and :func:`required_actions` the IAM
actions the auditing role needs. All are derived from the rule table
(:data:`safemaker.rules.RULES`), :data:`safemaker.resources.RESOURCES` and
botocore's service model.
"""

from __future__ import annotations

import functools
from typing import Iterable

from ..errors import AuditInputError
from ..resources import REFERENCE_ONLY, RESOURCES
from ..rules import RULES
from .fields import _fields_of
from .service_model import _service_model, _shape_has

__all__ = ["AUDIT_ORDER", "audited_types", "unaudited_types", "unaudited_create_operations", "summary_covers",
           "required_actions"]

AUDIT_ORDER: tuple[str, ...] = (
    "notebook-instance", "domain", "user-profile", "workforce", "workteam", "cluster",
    "model", "endpoint-config", "endpoint",
    "training-job", "processing-job", "hyper-parameter-tuning-job", "transform-job",
    "automl-job-v2", "compilation-job", "optimization-job", "labeling-job", "flow-definition",
    "inference-recommendations-job",
    "monitoring-schedule", "data-quality-job-definition", "model-quality-job-definition",
    "model-bias-job-definition", "model-explainability-job-definition",
    "pipeline",
    "space", "app", "training-session", "ai-benchmark-job", "model-package", "algorithm",
    "edge-packaging-job", "device-fleet", "ai-recommendation-job", "job", "partner-app", "project", "inference-router", "global-inference-gateway",
)
"""Every resource type the audit lists, in order. ``automl-job`` (v1) is not in
it: ``ListAutoMLJobs`` lists v1 and v2 jobs alike and ``DescribeAutoMLJobV2``
describes both, so they are audited once, as ``automl-job-v2``. The types whose
creation the guard refuses outright (``ai-recommendation-job``, ``job``,
``partner-app``, ``project``, ``inference-router``, ``global-inference-gateway``)
are read from their List call alone: an existing one is a finding."""


_ALIASES = {"automl-job": "automl-job-v2"}


def _refused(operation: str) -> str | None:
    """Why the guard refuses ``operation`` outright (a rule's ``unsupported``, or
    :data:`safemaker.rules_classification.REFUSED`), else ``None``."""
    from ..rules_classification import REFUSED

    rule = RULES.get(operation)
    return rule.unsupported if rule is not None else REFUSED.get(operation)


def _checkable(kind: str) -> bool:
    if kind == "endpoint":  # no network fields of its own: checked through its endpoint config
        return "CreateEndpoint" in RULES or "CreateEndpointConfig" in RULES
    op = RESOURCES[kind].create_operation
    return op in RULES or _refused(op) is not None


@functools.lru_cache(maxsize=None)
def summary_covers(kind: str) -> bool:
    """Whether ``kind``'s List summary carries everything the rule table reads from its Describe.

    Then the summary is checked as the description and no Describe call is made:
    a type whose creation the guard refuses outright (nothing to read: an existing
    one is a finding), or an app (only its ``DomainId``, followed to the domain).
    Computed from botocore's model: every describe path of the fields and
    references of the rule of ``kind``'s create operation (and a pipeline
    definition's member) must be a path of the summary shape.

    Parameters
    ----------
    kind : str
        Audit type (``"partner-app"``).

    Returns
    -------
    bool
        ``False`` for an endpoint (it is checked through its endpoint config,
        which its summary does not name) and for a type without a List call.
    """
    spec = RESOURCES[kind]
    if kind == "endpoint" or not spec.list_operation or not spec.list_key or not _checkable(kind):
        return False
    summary = _service_model().operation_model(spec.list_operation).output_shape.members[spec.list_key].member
    rule = RULES.get(spec.create_operation)
    if rule is None:   # refused by the classification alone: nothing to read
        return True
    paths = [info.describe_path for info in _fields_of(kind)]
    paths += [ref.describe_path or ref.path for ref in rule.references]
    if rule.definition:
        paths.append(rule.definition)
    return all(_shape_has(summary, p) for p in paths)


def audited_types() -> tuple[str, ...]:
    """Resource types the audit checks now: those whose create operation has a rule.

    An endpoint is checked when endpoint configs are (it has no network
    fields of its own).

    Returns
    -------
    tuple[str, ...]
        Keys of :data:`safemaker.resources.RESOURCES`, in :data:`AUDIT_ORDER`.
    """
    return tuple(k for k in AUDIT_ORDER if _checkable(k))


def required_actions(resource_types: Iterable[str] | None = None) -> tuple[str, ...]:
    """IAM actions the auditing role needs: every List and Describe call of the audited types.

    Parameters
    ----------
    resource_types : iterable of str, optional
        Types to audit (default: :func:`audited_types`). An endpoint also needs
        the endpoint-config and model Describe calls, an endpoint config and a
        transform job the model's, a user profile, a space and an app the domain's,
        and a monitoring schedule the four job definitions' (the references
        followed). A type read from its List summary (:func:`summary_covers`)
        needs no Describe call of its own.

    Returns
    -------
    tuple[str, ...]
        Sorted ``"sagemaker:<Operation>"`` names.

    Raises
    ------
    AuditInputError
        An unknown or unaudited type.
    """
    kinds = _resolve_types(resource_types)
    needed: set[str] = set()
    todo = list(kinds)
    seen: set[str] = set()
    while todo:
        kind = todo.pop()
        if kind in seen:
            continue
        seen.add(kind)
        spec = RESOURCES[kind]
        if kind not in kinds or not summary_covers(kind):   # a covered type is read from its List summary
            needed.add(spec.describe_operation)
        if kind in kinds and spec.list_operation:
            needed.add(spec.list_operation)
        if kind in kinds and kind == "pipeline":   # every version, not only the latest (_pipeline_versions)
            needed.add("ListPipelineVersions")
        rule = RULES.get(spec.create_operation)
        for ref in rule.references if rule else ():
            todo.append(ref.resource)
            todo.extend(key for _, key in getattr(ref, "resource_by", ()))
        if kind == "endpoint":
            todo.append("endpoint-config")
    return tuple(sorted(f"sagemaker:{op}" for op in needed))


def unaudited_types() -> tuple[str, ...]:
    """Resource types listed in :data:`AUDIT_ORDER` that no rule covers yet (not audited)."""
    return tuple(k for k in AUDIT_ORDER if not _checkable(k))


_NOT_A_RESOURCE = frozenset({"CreatePartnerAppPresignedUrl", "CreatePresignedDomainUrl",
                             "CreatePresignedNotebookInstanceUrl"})   # make a URL, leave nothing to list
_AUDITED_AS = {"CreateAutoMLJob": "automl-job-v2"}                   # v1 jobs are listed and described as v2


def unaudited_create_operations() -> tuple[str, ...]:
    """Create operations the guard checks whose existing resources the audit does not read.

    Derived from the rule table (:data:`safemaker.rules.RULES`, and the operations
    :data:`safemaker.rules_classification.REFUSED` refuses) and the resource
    types the audit lists or follows as references: an open resource of these
    kinds made before safemaker (or outside it) is not found by ``safemaker audit``.
    The command says so on stderr.

    Returns
    -------
    tuple[str, ...]
        Sorted operation names; empty when every kind is read.
    """
    from ..rules_classification import REFUSED

    covered = {RESOURCES[k].create_operation for k in (*audited_types(), *REFERENCE_ONLY) if k in RESOURCES}
    return tuple(sorted(op for op in {*RULES, *REFUSED} if op.startswith("Create") and op not in covered
                        and op not in _NOT_A_RESOURCE
                        and not (op in _AUDITED_AS and _AUDITED_AS[op] in audited_types())))


def _resolve_types(resource_types: Iterable[str] | None) -> tuple[str, ...]:
    if resource_types is None:
        return audited_types()
    if isinstance(resource_types, str):
        resource_types = [resource_types]
    wanted: list[str] = []
    for i, kind in enumerate(resource_types):
        kind = _ALIASES.get(kind, kind)
        if kind not in RESOURCES or kind not in AUDIT_ORDER:
            raise AuditInputError(f"resource_types[{i}]", kind,
                                  "one of " + ", ".join(AUDIT_ORDER))
        if not _checkable(kind):
            raise AuditInputError(f"resource_types[{i}]", kind,
                                  "a type the rule table covers now: " + ", ".join(audited_types())
                                  + f" (no rule for {RESOURCES[kind].create_operation} yet)")
        if kind not in wanted:
            wanted.append(kind)
    return tuple(wanted)
