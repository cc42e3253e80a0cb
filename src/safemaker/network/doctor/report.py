"""What a doctor run reports: :class:`Check` (one line: ok, problem or unknown) and :class:`Report`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal


Status = Literal["ok", "problem", "unknown"]

OK: Status = "ok"

PROBLEM: Status = "problem"

UNKNOWN: Status = "unknown"


@dataclass(frozen=True)
class Check:
    """One line of a doctor report.

    Attributes
    ----------
    id : str
        Stable check ID (``"endpoint.private-dns"``, ``"subnet.closed"``...).
    subject : str
        What was checked: a resource ID (``vpc-...``, ``subnet-...``,
        ``vpce-...``, ``sg-...``), a service name, or a role ARN.
    status : {"ok", "problem", "unknown"}
        ``unknown`` when the data could not be read (never counted as ok).
    detail : str
        What was found, one sentence.
    fix : str
        How to fix it (empty when ``status`` is ``ok``).
    """

    id: str
    subject: str
    status: Status
    detail: str
    fix: str = ""

    def line(self) -> str:
        """``"<status> <id> <subject>: <detail>[ Fix: <fix>]"`` on one line."""
        text = f"{self.status} {self.id} {self.subject}: {self.detail}"
        return f"{text} Fix: {self.fix}" if self.fix else text

    def as_dict(self) -> dict[str, str]:
        """JSON-ready dict with keys ``id, subject, status, detail, fix``."""
        return {
            "id": self.id,
            "subject": self.subject,
            "status": self.status,
            "detail": self.detail,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class Report:
    """Everything one :func:`run` found.

    Attributes
    ----------
    vpc_id, region : str
        From the profile.
    features : tuple of str
        The features checked for.
    checks : tuple of Check
        In report order: VPC, DHCP, subnets, endpoints, security groups,
        network ACLs, profile endpoint IDs, execution role.
    skipped : tuple of str
        Checks not run and why (e.g. the role check without an IAM client).
    """

    vpc_id: str
    region: str
    features: tuple[str, ...]
    checks: tuple[Check, ...]
    skipped: tuple[str, ...] = ()

    @property
    def problems(self) -> tuple[Check, ...]:
        """Checks with status ``problem``."""
        return tuple(c for c in self.checks if c.status == PROBLEM)

    @property
    def unknown(self) -> tuple[Check, ...]:
        """Checks with status ``unknown``."""
        return tuple(c for c in self.checks if c.status == UNKNOWN)

    @property
    def status(self) -> Status:
        """``problem`` if any check has a problem, else ``unknown`` if any is unknown, else ``ok``."""
        if self.problems:
            return PROBLEM
        if self.unknown:
            return UNKNOWN
        return OK

    @property
    def ok(self) -> bool:
        """True when every check is ``ok``."""
        return self.status == OK

    def find(self, check_id: str, subject: str | None = None) -> list[Check]:
        """Checks with ``check_id`` (and ``subject`` when given)."""
        return [
            c for c in self.checks
            if c.id == check_id and (subject is None or c.subject == subject)
        ]

    def lines(self) -> list[str]:
        """:meth:`Check.line` of every check, in order."""
        return [c.line() for c in self.checks]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict: ``vpc_id, region, features, status, counts, checks, skipped``."""
        counts = {s: sum(1 for c in self.checks if c.status == s) for s in (OK, PROBLEM, UNKNOWN)}
        return {
            "vpc_id": self.vpc_id,
            "region": self.region,
            "features": list(self.features),
            "status": self.status,
            "counts": counts,
            "checks": [c.as_dict() for c in self.checks],
            "skipped": list(self.skipped),
        }
