"""Findings as JSON lines: one object per finding, as findings come (``--format json``)."""

from __future__ import annotations

import json
from typing import IO, Iterable, Sequence

from .findings import Finding

__all__ = ["write_json_lines"]


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
