"""Audit findings in the AWS Security Finding Format (ASFF), and their import into AWS Security Hub.

Each :class:`~safemaker.audit.Finding` becomes one ASFF finding (schema version
``2018-10-08``) with the required attributes: ``SchemaVersion``, ``Id``,
``ProductArn`` (the account's default product,
``arn:<partition>:securityhub:<region>:<account>:product/<account>/default``),
``GeneratorId``, ``AwsAccountId``, ``Types``, ``CreatedAt``, ``UpdatedAt``,
``Severity.Label``, ``Title``, ``Description`` and ``Resources``, plus
``Remediation.Recommendation``, ``Compliance.Status``, ``RecordState``,
``FindingProviderFields`` and ``ProductFields``.

``Id`` is a stable hash of account, region, resource ARN, rule and field path:
the same finding on the next run has the same ``Id``, so importing it again
updates the finding in Security Hub instead of adding a duplicate.

:func:`import_findings` sends them with ``BatchImportFindings`` within its
limits (AWS Security Hub partner guide, "Guidelines for using the
BatchImportFindings API": up to 100 findings per batch, 240 KB per finding,
6 MB per batch; the call must be made by the account of ``AwsAccountId``, in
the finding's region), one batch stream per (account, region), and returns the
findings Security Hub refused (``FailedFindings``) with its reasons.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import IO, Any, Callable, Iterable, Iterator

from ..errors import InputError
from .findings import Finding, Severity

__all__ = [
    "SCHEMA_VERSION", "MAX_FINDINGS_PER_BATCH", "MAX_BATCH_BYTES", "MAX_FINDING_BYTES", "FINDING_TYPE",
    "finding_id", "product_arn", "to_asff", "write_asff", "ImportResult", "SecurityHubImporter", "import_findings",
]

SCHEMA_VERSION = "2018-10-08"
"""ASFF schema version (the only one)."""
MAX_FINDINGS_PER_BATCH = 100
"""Findings per ``BatchImportFindings`` call (API reference: "Maximum of 100 findings per request")."""
MAX_BATCH_BYTES = 6 * 1024 * 1024
"""Bytes per ``BatchImportFindings`` call (partner guide: "up to 6 MB per batch")."""
MAX_FINDING_BYTES = 240 * 1024
"""Bytes per finding (API reference: "The maximum allowed size for a finding is 240 Kb")."""
FINDING_TYPE = "Software and Configuration Checks/AWS Security Best Practices/Network Reachability"
"""``Types`` value: namespace/category/classifier of the ASFF types taxonomy."""

_TITLE_MAX = 256
_DESCRIPTION_MAX = 1024
_RECOMMENDATION_MAX = 512
_RESOURCE_TYPES = {"notebook-instance": "AwsSageMakerNotebookInstance"}
_LABEL = {Severity.CRITICAL: "CRITICAL", Severity.HIGH: "HIGH", Severity.MEDIUM: "MEDIUM", Severity.LOW: "LOW"}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _partition(arn: str) -> str:
    parts = arn.split(":")
    return parts[1] if len(parts) > 2 and parts[0] == "arn" and parts[1] else "aws"


def _account_of(f: Finding) -> str:
    account = f.account
    if not account:
        parts = f.resource_arn.split(":")
        account = parts[4] if len(parts) > 5 else ""
    if not (len(account) == 12 and account.isdigit()):
        raise InputError(f"account of the finding of {f.resource_arn}", account,
                         "the 12-digit AwsAccountId that ASFF requires",
                         "Send findings of an account audit (safemaker audit); findings of source files "
                         "(safemaker check) have no account and cannot be sent to Security Hub.")
    return account


def finding_id(f: Finding) -> str:
    """Stable ASFF ``Id``: ``safemaker/<account>/<region>/<32 hex of sha256(account|region|arn|rule|path)>``.

    Raises
    ------
    safemaker.errors.InputError
        (a ``ValueError``) The finding has no 12-digit account (a finding of a source file).
    """
    account = _account_of(f)
    digest = hashlib.sha256(f"{account}|{f.region}|{f.resource_arn}|{f.rule_id}|{f.path}".encode()).hexdigest()
    return f"safemaker/{account}/{f.region}/{digest[:32]}"


def product_arn(partition: str, region: str, account: str) -> str:
    """``arn:<partition>:securityhub:<region>:<account>:product/<account>/default`` (the account's own product)."""
    return f"arn:{partition}:securityhub:{region}:{account}:product/{account}/default"


def _timestamp(now: _dt.datetime | None) -> str:
    now = now or _dt.datetime.now(_dt.timezone.utc)
    return now.astimezone(_dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_asff(f: Finding, *, now: _dt.datetime | None = None) -> dict[str, Any]:
    """One finding in ASFF.

    Parameters
    ----------
    f : Finding
        An audit finding (with an account: every finding of :func:`safemaker.audit.run` has one).
    now : datetime.datetime, optional
        ``CreatedAt`` / ``UpdatedAt`` (default: now, UTC).

    Returns
    -------
    dict
        An ``AwsSecurityFinding`` as ``BatchImportFindings`` takes it.

    Raises
    ------
    safemaker.errors.InputError
        (a ``ValueError``) The finding has no 12-digit account.
    """
    account = _account_of(f)
    partition = _partition(f.resource_arn)
    stamp = _timestamp(now)
    label = _LABEL[f.severity]
    title = f"{f.rule_id} {f.resource_type} {f.resource_name}: " + (
        "could not be checked" if f.status == "UNKNOWN" else f"{f.path} breaks the closed network")
    product_fields = {
        "safemaker/RuleId": f.rule_id, "safemaker/Status": f.status, "safemaker/Path": _cut(f.path, 1024),
        "safemaker/FixAction": f.fix_action, "safemaker/ResourceType": f.resource_type,
    }
    related = [*f.related.security_hub]
    out: dict[str, Any] = {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": finding_id(f),
        "ProductArn": product_arn(partition, f.region, account),
        "ProductName": "safemaker",
        "CompanyName": "safemaker",
        "GeneratorId": f"safemaker/{f.rule_id}",
        "AwsAccountId": account,
        "Region": f.region,
        "Types": [FINDING_TYPE],
        "CreatedAt": stamp,
        "UpdatedAt": stamp,
        "Severity": {"Label": label, "Original": f.severity.value},
        "Title": _cut(title, _TITLE_MAX),
        "Description": _cut(f.message(), _DESCRIPTION_MAX),
        "Remediation": {"Recommendation": {"Text": _cut(f.fix, _RECOMMENDATION_MAX)}},
        "ProductFields": product_fields,
        "Resources": [{"Type": _RESOURCE_TYPES.get(f.resource_type, "Other"), "Id": f.resource_arn,
                       "Partition": partition, "Region": f.region}],
        "Compliance": {"Status": "FAILED" if f.status == "FAIL" else "NOT_AVAILABLE",
                       **({"RelatedRequirements": related} if related else {})},
        "RecordState": "ACTIVE",
        "FindingProviderFields": {"Severity": {"Label": label, "Original": f.severity.value},
                                  "Types": [FINDING_TYPE]},
    }
    return out


def write_asff(findings: Iterable[Finding], stream: IO[str], *, now: _dt.datetime | None = None) -> int:
    """Write a JSON array of ASFF findings (the ``Findings`` of ``BatchImportFindings``), streaming.

    Returns
    -------
    int
        Number of findings written.

    Raises
    ------
    safemaker.errors.InputError
        (a ``ValueError``) A finding has no 12-digit account.
    """
    stamp = now or _dt.datetime.now(_dt.timezone.utc)
    stream.write("[")
    n = 0
    for f in findings:
        stream.write(("," if n else "") + "\n" + json.dumps(to_asff(f, now=stamp), default=str))
        n += 1
    stream.write("\n]\n")
    return n


@dataclass
class ImportResult:
    """What ``BatchImportFindings`` answered over a whole import.

    Attributes
    ----------
    imported : int
        Sum of ``SuccessCount``.
    failed : list of dict
        ``{"Id", "ErrorCode", "ErrorMessage", "AwsAccountId", "Region"}`` for every finding refused
        (``FailedFindings``) or in a batch whose call failed (``ErrorCode`` then the call's error code).
    calls : int
        ``BatchImportFindings`` calls made.
    """

    imported: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)
    calls: int = 0


class SecurityHubImporter:
    """Batches findings per (account, region) and sends them with ``BatchImportFindings``.

    Parameters
    ----------
    client_for : callable
        ``client_for(account, region)`` -> a ``securityhub`` client of that
        account in that region (the account must make the call), or raises.
    now : datetime.datetime, optional
        ``CreatedAt`` / ``UpdatedAt`` of every finding (default: when created).
    """

    def __init__(self, client_for: Callable[[str, str], Any], *, now: _dt.datetime | None = None) -> None:
        self._client_for = client_for
        self._now = now or _dt.datetime.now(_dt.timezone.utc)
        self._batches: dict[tuple[str, str], tuple[list[dict[str, Any]], int]] = {}
        self.result = ImportResult()

    def add(self, f: Finding) -> None:
        """Queue one finding; sends its (account, region) batch when it would exceed a limit."""
        item = to_asff(f, now=self._now)
        size = len(json.dumps(item, default=str).encode())
        key = (item["AwsAccountId"], item["Region"])
        if size > MAX_FINDING_BYTES:
            self.result.failed.append({"Id": item["Id"], "ErrorCode": "FindingTooLarge", "AwsAccountId": key[0],
                                       "Region": key[1],
                                       "ErrorMessage": f"{size} bytes; Security Hub takes up to {MAX_FINDING_BYTES}"})
            return
        batch, used = self._batches.get(key, ([], 0))
        if batch and (len(batch) >= MAX_FINDINGS_PER_BATCH or used + size > MAX_BATCH_BYTES - 1024):
            self._send(key, batch)
            batch, used = [], 0
        batch.append(item)
        self._batches[key] = (batch, used + size)

    def flush(self) -> ImportResult:
        """Send every queued batch; return the :class:`ImportResult` so far."""
        for key, (batch, _) in list(self._batches.items()):
            if batch:
                self._send(key, batch)
        self._batches.clear()
        return self.result

    def _send(self, key: tuple[str, str], batch: list[dict[str, Any]]) -> None:
        account, region = key
        self.result.calls += 1
        try:
            answer = self._client_for(account, region).batch_import_findings(Findings=batch)
        except Exception as exc:
            from .fixes import _error_reason

            reason = _error_reason(exc)
            code = reason.split(":", 1)[0]
            self.result.failed.extend({"Id": item["Id"], "ErrorCode": code, "ErrorMessage": reason,
                                       "AwsAccountId": account, "Region": region} for item in batch)
            return
        self.result.imported += int(answer.get("SuccessCount", 0))
        self.result.failed.extend(dict(item, AwsAccountId=account, Region=region)
                                  for item in answer.get("FailedFindings", []))


def import_findings(findings: Iterable[Finding], client_for: Callable[[str, str], Any], *,
                    now: _dt.datetime | None = None) -> ImportResult:
    """Import findings into AWS Security Hub (``BatchImportFindings``), in batches within its limits.

    Parameters
    ----------
    findings : iterable of Finding
        Consumed as they come; at most 100 per (account, region) are held.
    client_for : callable
        ``client_for(account, region)`` -> ``securityhub`` client of that account and region.
    now : datetime.datetime, optional
        ``CreatedAt`` / ``UpdatedAt``.

    Returns
    -------
    ImportResult
        Findings imported, refused (with Security Hub's reason) and calls made.

    Raises
    ------
    safemaker.errors.InputError
        (a ``ValueError``) A finding has no 12-digit account.
    """
    importer = SecurityHubImporter(client_for, now=now)
    for f in findings:
        importer.add(f)
    return importer.flush()


def tee(findings: Iterable[Finding], importer: SecurityHubImporter) -> Iterator[Finding]:
    """Yield each finding after queueing it on ``importer`` (flush it afterwards)."""
    for f in findings:
        importer.add(f)
        yield f
