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
from .json_lines import write_json_lines
from .regions import _resolve_regions, sagemaker_regions
from .runner import _run, pool_connections, run
from .sarif import SARIF_SCHEMA_URI, sarif_rules, write_sarif
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


