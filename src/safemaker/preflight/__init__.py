"""Preflight: what a job, model or notebook will try to reach when it starts.

A request can carry every closed setting and still describe something that
fails after minutes of start-up, because the container tries to reach the
network that isolation (or the closed VPC) removes. These checks find that
before anything is created or uploaded:

- in the guard (:func:`check_request`, called by :func:`safemaker.guard.decide`
  on every final request and pipeline step): code downloaded from S3 under
  network isolation, model containers that fetch weights from the Hugging
  Face Hub, remote functions under a profile that requires isolation,
  notebook and Studio code repositories on internet git hosts, lifecycle
  scripts that fetch from the internet;
- in the SDK adapters, for what exists before the request
  (:func:`check_source_dir`): a local source directory's ``requirements.txt``.

Every check is described once in :data:`CHECKS`; the profile's
``preflight_warnings`` lists check IDs that warn instead of refusing.
"""

from __future__ import annotations

from .. import _lazy
from typing import TYPE_CHECKING

from ._specs import CHECK_IDS, CHECKS, CheckId, PreflightCheck

if TYPE_CHECKING:  # pragma: no cover - loaded on first use (_LAZY), here for type checkers and docs
    from .request import PREFLIGHT_OPERATIONS, REMOTE_FUNCTION_CHANNEL, Findings, check_request, severity
    from .requirements import RequirementProblem, analyse_requirements, read_requirements
    from .scripts import ScriptFinding, decode_content, scan_script
    from .source import check_source_dir, emit_warning, enforce

_LAZY: dict[str, str] = {
    **dict.fromkeys(("PREFLIGHT_OPERATIONS", "REMOTE_FUNCTION_CHANNEL", "Findings", "check_request", "severity"),
                    "request"),
    **dict.fromkeys(("RequirementProblem", "analyse_requirements", "read_requirements"), "requirements"),
    **dict.fromkeys(("ScriptFinding", "decode_content", "scan_script"), "scripts"),
    **dict.fromkeys(("check_source_dir", "emit_warning", "enforce"), "source"),
}
"""Name -> the submodule that defines it, imported on first use (PEP 562): the profile needs only the
check IDs (``_specs``), and a process that loads a profile without deciding a request (``safemaker run``,
most commands) does not import the request, script and requirements scanners."""

__all__ = [
    "CHECKS",
    "CHECK_IDS",
    "CheckId",
    "PreflightCheck",
    "Findings",
    "check_request",
    "severity",
    "PREFLIGHT_OPERATIONS",
    "REMOTE_FUNCTION_CHANNEL",
    "RequirementProblem",
    "analyse_requirements",
    "read_requirements",
    "ScriptFinding",
    "scan_script",
    "decode_content",
    "check_source_dir",
    "enforce",
    "emit_warning",
]


__getattr__, __dir__ = _lazy.attach(__name__, _LAZY)
