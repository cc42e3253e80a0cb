"""Audit: every existing SageMaker resource that breaks the closed network.

The guard stops new mistakes; the audit finds the ones already made. It lists
every resource of every type in :data:`safemaker.resources.RESOURCES`
(paginated List calls, server-side creation-time and status filters where the
API has them), describes each one in a bounded thread pool, and checks the
description with the rules of the operation that creates it, through
:func:`safemaker.guard.check_resource`: the same rule table as the guard,
never a second copy.

Semantics (F14, F16, F17)
-------------------------
- An absent field means the insecure AWS default (no network isolation,
  ``DirectInternetAccess`` ``Enabled``, ``AppNetworkAccessType``
  ``PublicInternetOnly``, no VPC); ``VpcConfig: {}`` means no VPC.
- Subnets and security groups outside the profile are findings even when a
  VPC configuration is present.
- A List or Describe call that fails gives an ``UNKNOWN`` finding (rule
  ``SM-REFERENCE``), never a compliant result.
- Resources that name other resources are checked through them: an endpoint
  through its endpoint config and that config's models, an endpoint config and
  a transform job through their models (the rule table's references).
- The fix says ``recreate`` where the field cannot be changed on an existing
  resource (:attr:`FieldRule.updatable` is ``False``, or botocore's model has
  no ``Update<Resource>`` operation that carries the field), else names the
  update operation.

Layout
------
This ``__init__`` is the public API; each module owns one thing:

- :mod:`~safemaker.audit.coverage`: which resource types are audited, what a
  List summary covers, the IAM actions the auditing role needs.
- :mod:`~safemaker.audit.findings`: :class:`Finding`, :class:`SourceLocation`,
  :class:`ProgressEvent`, :class:`Severity` and the severities and related
  controls of each rule.
- :mod:`~safemaker.audit.fields`: the rule table's fields as Describe paths.
- :mod:`~safemaker.audit.fixes`: the fix of each finding (update or recreate;
  what to do about an ``UNKNOWN``).
- :mod:`~safemaker.audit.service_model`: botocore's SageMaker service model, one
  copy per process.
- :mod:`~safemaker.audit.since`, :mod:`~safemaker.audit.regions`: the ``since``
  and ``regions`` arguments.
- :mod:`~safemaker.audit.auditor`: listing, describing and checking one resource
  (and those it references); :mod:`~safemaker.audit.cache`: the bounded cache
  of described resources; :mod:`~safemaker.audit.stats`: :class:`AuditStats`.
- :mod:`~safemaker.audit.runner`: :func:`run`, over regions and types at once
  (:mod:`~safemaker.audit._processes`: in forked worker processes).
- Writers, one module per format: :mod:`~safemaker.audit.json_lines`,
  :mod:`~safemaker.audit.sarif`, :mod:`~safemaker.audit.asff` (and the import
  into Security Hub).
- :mod:`~safemaker.audit.search` (descriptions read in bulk with ``Search``)
  and :mod:`~safemaker.audit.organization` (every account of an organization)
  are imported on use.

Example
-------
>>> from safemaker.audit import run
>>> for finding in run("profile.toml", regions=["us-east-1"]):   # doctest: +SKIP
...     print(finding.message())
"""

from __future__ import annotations

from ..errors import AuditInputError
from ..rules_guardrails import RelatedControls
from .coverage import (AUDIT_ORDER, audited_types, required_actions, summary_covers, unaudited_create_operations,
                       unaudited_types)
from .findings import RELATED_CONTROLS, RULE_SEVERITY, Finding, ProgressEvent, Severity, SourceLocation
from .fixes import connection_failure
from .json_lines import write_json_lines
from .regions import sagemaker_regions
from .runner import pool_connections, run
from .sarif import SARIF_SCHEMA_URI, sarif_rules, write_sarif
from .since import parse_since
from .stats import AuditStats

__all__ = [
    "Severity",
    "Finding",
    "SourceLocation",
    "ProgressEvent",
    "AuditStats",
    "RelatedControls",
    "AuditInputError",
    "AUDIT_ORDER",
    "RULE_SEVERITY",
    "RELATED_CONTROLS",
    "audited_types",
    "unaudited_types",
    "unaudited_create_operations",
    "summary_covers",
    "required_actions",
    "run",
    "parse_since",
    "sarif_rules",
    "write_sarif",
    "write_json_lines",
    "connection_failure",
    "sagemaker_regions",
    "pool_connections",
    "SARIF_SCHEMA_URI",
]
