"""What an audit did: API calls by operation and resources checked (calls per resource)."""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["AuditStats"]


class AuditStats:
    """API calls made and resources checked by an audit; filled while it runs (thread-safe).

    Pass one to :func:`run` (or :func:`safemaker.audit.organization.run_organization`)
    and read it after the findings are consumed.

    Attributes
    ----------
    calls : collections.Counter
        Calls by operation (``"ListModels"``, ``"DescribeModel"``, ``"Search"``,
        ``"AssumeRole"``...): each List or Search page is one call; botocore's
        retries of a call are not counted again.
    resources : int
        Resources checked (listed, then described or read from a Search record).
    from_search : int
        Of those, resources whose description came from a ``Search`` record.
    """

    def __init__(self) -> None:
        from collections import Counter

        self._lock = threading.Lock()
        self.calls: "Counter[str]" = Counter()
        self.resources = 0
        self.from_search = 0

    def count(self, operation: str, n: int = 1) -> None:
        """Add ``n`` calls of ``operation``."""
        with self._lock:
            self.calls[operation] += n

    def checked(self, n: int = 1, *, from_search: bool = False) -> None:
        """Add ``n`` resources checked."""
        with self._lock:
            self.resources += n
            if from_search:
                self.from_search += n

    @property
    def total_calls(self) -> int:
        """Every call counted."""
        return sum(self.calls.values())

    @property
    def calls_per_resource(self) -> float | None:
        """``total_calls / resources``; ``None`` when nothing was checked."""
        return self.total_calls / self.resources if self.resources else None

    def as_dict(self) -> dict[str, Any]:
        """``{"calls": {...}, "total_calls": n, "resources": n, "from_search": n, "calls_per_resource": x}``."""
        with self._lock:
            calls = dict(sorted(self.calls.items()))
        per = self.calls_per_resource
        return {"calls": calls, "total_calls": sum(calls.values()), "resources": self.resources,
                "from_search": self.from_search, "calls_per_resource": None if per is None else round(per, 4)}
