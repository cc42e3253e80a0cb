"""Findings as a SARIF 2.1.0 log (``--format sarif``), for code-scanning services.

One ``reportingDescriptor`` per rule ID, read from each guardrail's spec
(:func:`sarif_rules`), and one result per finding, streamed
(:func:`write_sarif`). The log validates against the OASIS SARIF 2.1.0 JSON
schema (:data:`SARIF_SCHEMA_URI`).
"""

from __future__ import annotations

import json
from typing import IO, Any, Iterable, Mapping, Sequence

from ..rules_guardrails import GUARDRAILS
from .findings import Finding, Severity

__all__ = ["sarif_rules", "write_sarif", "SARIF_SCHEMA_URI"]


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
