"""What the audit (and :mod:`safemaker.iac`) reports: findings, their severity and related controls, progress.

A :class:`Finding` is one field of one resource (or of one source file, with
its :class:`SourceLocation`) that breaks the closed network, or that could
not be checked (``UNKNOWN``). Its severity (:data:`RULE_SEVERITY`) and the
other tools' checks of the same field (:data:`RELATED_CONTROLS`) are read
from each guardrail's spec (:data:`safemaker.rules_guardrails.GUARDRAILS`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal, Mapping

from .._redact import may_hold_secret as _may_hold_secret
from .._redact import redact_value as _redact_value
from ..errors import MISSING, AuditInputError
from ..rules_guardrails import GUARDRAILS, RelatedControls

__all__ = ["Severity", "RULE_SEVERITY", "RELATED_CONTROLS", "SourceLocation", "Finding", "ProgressEvent"]


class Severity(str, Enum):
    """Severity of a finding; the order is ``LOW < MEDIUM < HIGH < CRITICAL``."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """0 for ``low`` ... 3 for ``critical``."""
        return _SEVERITY_ORDER.index(self)

    @classmethod
    def parse(cls, value: "str | Severity") -> "Severity":
        """``Severity`` from its value, case-insensitive.

        Raises
        ------
        AuditInputError
            When ``value`` is not one of ``low``, ``medium``, ``high``, ``critical``.
        """
        if isinstance(value, Severity):
            return value
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            raise AuditInputError("fail_on", value, "one of " + ", ".join(s.value for s in cls)) from None


_SEVERITY_ORDER = (Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL)

RULE_SEVERITY: Mapping[str, Severity] = {rid: Severity(spec.severity) for rid, spec in GUARDRAILS.items()}
"""Severity of each rule ID (from :data:`safemaker.rules_guardrails.GUARDRAILS`). A path to the
internet is critical (notebook direct internet access, Studio outside VpcOnly); a resource outside the profile's VPC or
without network isolation is high; encryption and root access are medium. A
resource that could not be checked (``SM-REFERENCE``, UNKNOWN) is high: it is
never assumed compliant."""


RELATED_CONTROLS: Mapping[tuple[str, str], RelatedControls] = {
    (kind, rid): controls for rid, spec in GUARDRAILS.items() for kind, controls in spec.controls
}
"""Other tools' checks of the same field, by (resource type, rule ID), from each guardrail's
spec (:data:`safemaker.rules_guardrails.GUARDRAILS`). Types and
rules absent here (tuning, processing and transform network fields, AutoML,
compilation, HyperPod, pipelines, ...) are covered by none of them."""


_NO_CONTROLS = RelatedControls()


@dataclass(frozen=True)
class SourceLocation:
    """Where a finding of a source file (template, plan, definition) is written.

    Set on the findings of :mod:`safemaker.iac`; the audit's findings of
    existing resources have none.

    Attributes
    ----------
    file : str
        The file, as given (a path relative to the working directory when given so).
    line : int or None
        1-based line of the property (of the nearest written ancestor when the
        property is absent: absent means the AWS default); ``None`` when the
        format carries no lines.
    logical_id : str
        CloudFormation logical ID, Terraform address, or state machine state
        path (``"StateMachine/States.Train"``).
    source_type : str
        The resource type as the source spells it (``"AWS::SageMaker::NotebookInstance"``,
        ``"aws_sagemaker_model"``, ``"arn:aws:states:::sagemaker:createTrainingJob.sync"``).
    when : tuple[tuple[str, str], ...], default ()
        The deploy-time choices that cause the finding when the template's defaults
        do not: ``(("NetworkAccessType", "PublicInternetOnly"),)`` (a parameter and a
        value it allows; see :mod:`safemaker.iac._choices`). Empty: the source as
        written (with its defaults and ``--parameter`` values) causes it.
    """

    file: str
    line: int | None
    logical_id: str
    source_type: str
    when: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Finding:
    """One field of one existing resource that breaks the closed network (or could not be checked).

    Attributes
    ----------
    rule_id : str
        Stable rule ID (:class:`safemaker.rules.Guardrail` value, ``"SM-NET-VPC"``...);
        ``"SM-REFERENCE"`` for an UNKNOWN finding.
    status : {"FAIL", "UNKNOWN"}
        ``"FAIL"``: the field breaks the rule. ``"UNKNOWN"``: the resource (or a
        resource it references) could not be listed or described.
    severity : Severity
        From :data:`RULE_SEVERITY`.
    resource_type : str
        Key of :data:`safemaker.resources.RESOURCES` (``"notebook-instance"``).
    resource_arn : str
        ARN of the resource (from the Describe response, else the List summary,
        else built from region, account and name).
    resource_name : str
        Name (or ID) of the resource; ``"*"`` when a List call failed.
    region : str
        AWS region.
    path : str
        Field path in the Describe response (``"NetworkConfig.VpcConfig.Subnets[1]"``);
        through a reference, prefixed with the chain
        (``"ProductionVariants[0].ModelName -> DescribeModel(ModelName='m').EnableNetworkIsolation"``).
    found : Any
        The value found; :data:`safemaker.errors.MISSING` when absent.
    required : Any
        What the profile requires.
    required_text : str or None
        ``required`` in words, when a bare value would not say it.
    fix : str
        How to fix it, one sentence.
    fix_action : {"update", "recreate", "delete", "investigate"}
        ``"recreate"`` when the field cannot be changed on an existing resource;
        ``"delete"`` for a resource whose creation the guard refuses outright (a
        Partner AI App, a project...: rule ``SM-UNSUPPORTED``, path the create operation).
    related : RelatedControls
        Security Hub / AWS Config / Prowler checks of the same field.
    location : SourceLocation or None
        File, line and logical ID, for a finding of a source file
        (:mod:`safemaker.iac`); ``path`` is then the property path in the source.
    account : str or None
        12-digit AWS account ID of the resource (the account audited; in an
        organization audit, the member account). ``None`` for a finding of a
        source file.
    """

    rule_id: str
    status: Literal["FAIL", "UNKNOWN"]
    severity: Severity
    resource_type: str
    resource_arn: str
    resource_name: str
    region: str
    path: str
    found: Any
    required: Any
    required_text: str | None
    fix: str
    fix_action: Literal["update", "recreate", "delete", "investigate"]
    related: RelatedControls = field(default=_NO_CONTROLS)
    location: SourceLocation | None = None
    account: str | None = None

    def __post_init__(self) -> None:
        # What a finding quotes of a resource or a source file (its path and value found) may hold a credential:
        # masked here, once, as Violation masks its own (safemaker._redact); the rule texts (required, fix) hold
        # none, and a finding made from a violation carries its masked values.
        for name in ("path", "found"):
            value = getattr(self, name)
            if value.__class__ is not str or _may_hold_secret(value):
                masked = _redact_value(value)
                if masked is not value:
                    object.__setattr__(self, name, masked)

    def message(self) -> str:
        """One line: ``"<arn>: <path> is <found>; the profile requires <required>. <fix>."``

        A finding that a deploy-time choice causes ends with ``" (open when <parameter>=<value>, ...)"``.
        """
        when = ""
        if self.location is not None and self.location.when:
            when = " (open when " + ", ".join(f"{k}={v}" for k, v in self.location.when) + ")"
        if self.status == "UNKNOWN":
            return f"{self.resource_arn}: UNKNOWN ({self.path}): {self.found}. {self.fix.rstrip('.')}.{when}"
        found = "absent" if self.found is MISSING else repr(self.found)
        req = self.required_text if self.required_text is not None else repr(self.required)
        return (f"{self.resource_arn}: {self.path} is {found}; the profile requires {req}. "
                f"{self.fix.rstrip('.')}.{when}")

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (absent rendered as ``null`` with ``found_absent: true``)."""
        return {
            "rule_id": self.rule_id,
            "status": self.status,
            "severity": self.severity.value,
            "resource_type": self.resource_type,
            "resource_arn": self.resource_arn,
            "resource_name": self.resource_name,
            "region": self.region,
            "account": self.account,
            "path": self.path,
            "found": None if self.found is MISSING else self.found,
            "found_absent": self.found is MISSING,
            "required": self.required,
            "required_text": self.required_text,
            "fix": self.fix,
            "fix_action": self.fix_action,
            "security_hub": list(self.related.security_hub),
            "aws_config": list(self.related.aws_config),
            "prowler": list(self.related.prowler),
            **({} if self.location is None else {
                "file": self.location.file, "line": self.location.line,
                "logical_id": self.location.logical_id, "source_type": self.location.source_type}),
            **({} if self.location is None or not self.location.when else {"when": dict(self.location.when)}),
        }

    def fingerprint(self) -> str:
        """Stable hash of rule, resource and path (the same finding on the next run has the same value)."""
        return hashlib.sha256(f"{self.rule_id}|{self.resource_arn}|{self.path}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class ProgressEvent:
    """What the audit has done, for a progress display.

    Attributes
    ----------
    kind : {"listed", "checked"}
        ``"listed"``: ``count`` more resources were found by a List page;
        ``"checked"``: ``count`` resources were described and checked.
    region : str
        AWS region.
    resource_type : str
        Resource type key.
    count : int
        Number of resources.
    """

    kind: Literal["listed", "checked"]
    region: str
    resource_type: str
    count: int = 1
