"""Policy size as IAM counts it, and splitting statements into managed policies of at most
:data:`~safemaker.iam.MANAGED_POLICY_MAX_CHARS` characters."""

from __future__ import annotations

import json
from typing import Any, Mapping, Sequence

from ..errors import InputError, PolicySizeError
from .constants import MANAGED_POLICY_MAX_CHARS, POLICY_VERSION

__all__ = ["policy_size", "split_policy"]


def policy_size(document: Mapping[str, Any]) -> int:
    """Size of a policy document as counted against IAM's quota.

    IAM does not count white space; this counts the characters of the compact
    JSON (no white space between tokens), which is what IAM counts for
    documents whose strings hold no spaces (safemaker's never do).

    Parameters
    ----------
    document : Mapping
        A policy document.

    Returns
    -------
    int
        Characters.
    """
    return len(json.dumps(document, separators=(",", ":")))


def _document(statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": POLICY_VERSION, "Statement": statements}


def _split_statement(stmt: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    """Split one statement by its Action list until each part fits in an empty document."""
    if policy_size(_document([stmt])) <= limit:
        return [stmt]
    actions = stmt.get("Action")
    if not isinstance(actions, list) or len(actions) < 2:
        raise PolicySizeError(str(stmt.get("Sid", "?")), policy_size(_document([stmt])), limit)
    parts: list[list[str]] = [actions]
    while True:
        pieces = [dict(stmt, Action=a) for a in parts]
        if all(policy_size(_document([p])) <= limit for p in pieces):
            break
        new_parts: list[list[str]] = []
        for a in parts:
            if policy_size(_document([dict(stmt, Action=a)])) <= limit:
                new_parts.append(a)
            elif len(a) == 1:
                raise PolicySizeError(str(stmt.get("Sid", "?")), policy_size(_document([dict(stmt, Action=a)])),
                                      limit)
            else:
                half = len(a) // 2
                new_parts.extend([a[:half], a[half:]])
        parts = new_parts
    sid = stmt.get("Sid")
    return [dict(stmt, Action=a, **({"Sid": f"{sid}Part{i}"} if sid else {})) for i, a in enumerate(parts, 1)]


def split_policy(statements: Sequence[Mapping[str, Any]], *,
                 limit: int = MANAGED_POLICY_MAX_CHARS) -> list[dict[str, Any]]:
    """Pack statements into as few policy documents as fit IAM's size quota.

    Statements keep their order; a statement that alone exceeds ``limit`` is
    split by its ``Action`` list (``Sid`` gets ``Part1``, ``Part2``...).
    Splitting a Deny statement by action keeps its meaning: each part denies
    the same condition for fewer actions.

    Parameters
    ----------
    statements : Sequence[Mapping]
        Policy statements.
    limit : int, default 6144
        Maximum :func:`policy_size` of one document.

    Returns
    -------
    list[dict]
        Documents ``{"Version": "2012-10-17", "Statement": [...]}``, each within ``limit``.

    Raises
    ------
    PolicySizeError
        A statement with a single action still exceeds ``limit``.
    safemaker.errors.InputError
        ``statements`` is empty, or ``limit`` is not positive (a ``ValueError``).
    """
    if not statements:
        raise InputError("statements", [], "at least one statement (a policy needs one)",
                         "Pass the statements to split, e.g. from safemaker.iam.policies.")
    if limit <= 0:
        raise InputError("limit", limit, "a positive number of characters")
    pieces: list[dict[str, Any]] = []
    for stmt in statements:
        pieces.extend(_split_statement(dict(stmt), limit))
    docs: list[list[dict[str, Any]]] = [[]]
    for piece in pieces:
        if docs[-1] and policy_size(_document(docs[-1] + [piece])) > limit:
            docs.append([])
        docs[-1].append(piece)
    return [_document(d) for d in docs]
