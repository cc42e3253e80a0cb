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

Example
-------
>>> from safemaker.audit import run
>>> for finding in run("profile.toml", regions=["us-east-1"]):   # doctest: +SKIP
...     print(finding.message())
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
import hashlib
import itertools
import json
import logging
import re
import sys
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import Enum
from typing import IO, TYPE_CHECKING, Any, Callable, Iterable, Iterator, Literal, Mapping, Sequence

import botocore.config
import botocore.exceptions
import botocore.session
from botocore import xform_name

from .._loopback import is_loopback_url
from .._redact import may_hold_secret as _may_hold_secret
from .._redact import redact_value as _redact_value
from ..errors import MISSING, AuditInputError, StatePickling, Violation, aws_error
from ..guard import check_resource, references
from ..resources import REFERENCE_ONLY, RESOURCES, ResourceSpec
from .. import paths as _paths
from ..paths import split_path
from ..rules import RULES, FieldRule, Guardrail
from ..rules_guardrails import GUARDRAILS, RelatedControls
from .auditor import _Auditor, _Item, _record_of
from .cache import _LruCache
from .coverage import (AUDIT_ORDER, _refused, _resolve_types, audited_types, required_actions, summary_covers,
                       unaudited_create_operations, unaudited_types)
from .fields import _field_for, _fields_of
from .fixes import _error_reason, _fix, _unknown_fix, connection_failure
from .findings import _NO_CONTROLS, RELATED_CONTROLS, RULE_SEVERITY, Finding, ProgressEvent, Severity, SourceLocation
from .regions import _resolve_regions, sagemaker_regions
from .runner import _run, pool_connections, run
from .service_model import _adopt_service_model, _service_model, _shape_has
from .since import parse_since
from .stats import AuditStats

if TYPE_CHECKING:  # pragma: no cover
    from ..profile import VpcProfile
    from ._processes import ProcessPool

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
]

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------- errors


# --------------------------------------------------------------------------- severity and coverage


# --------------------------------------------------------------------------- types


# --------------------------------------------------------------------------- findings


# --------------------------------------------------------------------------- field lookup and fixes


# --------------------------------------------------------------------------- bounded cache


# --------------------------------------------------------------------------- inputs


# --------------------------------------------------------------------------- the audit


# --------------------------------------------------------------------------- output


def write_json_lines(findings: Iterable[Finding], stream: IO[str], *, notices: Sequence[str] = ()) -> int:
    """Write one JSON object per line (:meth:`Finding.as_dict`), as findings come.

    Parameters
    ----------
    findings : iterable of Finding
        The findings (consumed as written).
    stream : text stream
        Where to write.
    notices : sequence of str, default ()
        Messages about the run itself (``safemaker check`` that recognised no
        SageMaker request), written after the findings, one line each:
        ``{"kind": "notice", "message": ...}`` (a finding's line has no ``kind``).

    Returns
    -------
    int
        Number of findings written.
    """
    n = 0
    for f in findings:
        stream.write(json.dumps(f.as_dict(), default=str, sort_keys=True) + "\n")
        n += 1
    for text in notices:
        stream.write(json.dumps({"kind": "notice", "message": text}, sort_keys=True) + "\n")
    return n


_SARIF_LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note"}
_SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5", Severity.LOW: "3.0"}
SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


def sarif_rules() -> list[dict[str, Any]]:
    """SARIF ``reportingDescriptor`` objects, one per rule ID, in :class:`Guardrail` order, read from
    each guardrail's spec (:data:`safemaker.rules_guardrails.GUARDRAILS`): title, what it checks, fix,
    severity and IAM condition keys."""
    out = []
    for spec in GUARDRAILS.values():
        sev = Severity(spec.severity)
        out.append({
            "id": spec.rule_id,
            "name": spec.name,
            "shortDescription": {"text": spec.title},
            "fullDescription": {"text": spec.checks},
            "help": {"text": spec.fix},
            "defaultConfiguration": {"level": _SARIF_LEVEL[sev]},
            "properties": {"security-severity": _SECURITY_SEVERITY[sev], "tags": ["security", "network"],
                           **({"iam-condition-keys": list(spec.condition_keys)} if spec.condition_keys else {})},
        })
    return out


def _sarif_location(f: Finding) -> dict[str, Any]:
    loc = f.location
    if loc is None:
        return {
            "physicalLocation": {"artifactLocation": {"uri": f.resource_arn}},
            "logicalLocations": [{"fullyQualifiedName": f"{f.resource_arn}#{f.path}", "kind": "resource"}],
        }
    physical: dict[str, Any] = {"artifactLocation": {"uri": loc.file.replace("\\", "/")}}
    if loc.line is not None:
        physical["region"] = {"startLine": loc.line}
    return {
        "physicalLocation": physical,
        "logicalLocations": [{"name": loc.logical_id, "fullyQualifiedName": f"{loc.logical_id}.{f.path}",
                              "kind": "resource"}],
    }


def _sarif_result(f: Finding, rule_index: Mapping[str, int]) -> dict[str, Any]:
    return {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index[f.rule_id],
        "level": _SARIF_LEVEL[f.severity],
        "kind": "fail" if f.status == "FAIL" else "review",
        "message": {"text": f.message()},
        "locations": [_sarif_location(f)],
        "partialFingerprints": {"safemakerFinding/v1": f.fingerprint()},
        "properties": {k: v for k, v in f.as_dict().items() if k not in ("rule_id", "resource_arn")},
    }


def write_sarif(findings: Iterable[Finding], stream: IO[str], *, tool_version: str | None = None,
                notices: Sequence[str] = ()) -> int:
    """Write a SARIF 2.1.0 log, streaming one result per finding.

    The log validates against the OASIS SARIF 2.1.0 JSON schema (tested); each
    result's location is the resource ARN, with the field path as a logical
    location, and ``partialFingerprints`` lets code-scanning services track a
    finding across runs.

    Parameters
    ----------
    findings : iterable of Finding
        The findings (consumed as written).
    stream : text stream
        Where to write.
    tool_version : str, optional
        Version of safemaker to record (default: the installed one).
    notices : sequence of str, default ()
        Messages about the run itself (``safemaker check`` that recognised no
        SageMaker request): the run's ``invocations[0].toolExecutionNotifications``
        (level ``note``).

    Returns
    -------
    int
        Number of results written.
    """
    if tool_version is None:
        from .. import __version__ as tool_version  # type: ignore[attr-defined,no-redef]
    rules = sarif_rules()
    index = {r["id"]: i for i, r in enumerate(rules)}
    driver = {"name": "safemaker", "version": str(tool_version), "informationUri": "https://pypi.org/project/safemaker/",
              "rules": rules}
    head = json.dumps({"$schema": SARIF_SCHEMA_URI, "version": "2.1.0"})[:-1]
    stream.write(head + ', "runs": [{"tool": {"driver": ' + json.dumps(driver) + '}, "results": [')
    n = 0
    for f in findings:
        stream.write(("," if n else "") + "\n" + json.dumps(_sarif_result(f, index), default=str))
        n += 1
    stream.write("\n]")
    if notices:
        invocation = {"executionSuccessful": True, "toolExecutionNotifications": [
            {"level": "note", "message": {"text": text}} for text in notices]}
        stream.write(', "invocations": [' + json.dumps(invocation) + "]")
    stream.write("}]}\n")
    return n
