"""Strict JSON: a document with a repeated key is refused, never read one way or the other.

``json.loads`` keeps the last of two equal keys; the service reading the same
document may keep the first (or refuse it). Which value SageMaker or Step
Functions would use is not ours to guess, so a pipeline definition or a state
machine definition with a duplicate key is refused, naming the key and where
it is.

The document is read by ``jiter`` (``from_json(..., catch_duplicate_keys=True)``:
one pass that builds the objects and refuses a repeated key), which reads
numbers, ``NaN`` / ``Infinity`` and strings as ``json.loads`` does. Whatever
it refuses is read again by ``json.loads`` with a hook on every object's
pairs, which decides: its own error, the repeated key with its place, or the
value of a document ``json.loads`` reads and ``jiter`` does not (a UTF-8 byte
order mark, UTF-16/32 bytes, a lone surrogate escape, nesting deeper than
jiter's limit). So a document reads exactly as it did with ``json.loads``
alone, or is refused.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Callable

from jiter import from_json as _from_json

from .errors import DuplicateKeyError

__all__ = ["DuplicateKeyError", "loads_strict"]


class _Pairs(list):
    """The pairs of one JSON object, as parsed (checked once the whole document is read)."""


def _hook(pairs: list[tuple[str, Any]]) -> _Pairs:
    return _Pairs(pairs)


def _build(value: Any, path: str) -> Any:
    if type(value) is _Pairs:
        out: dict[str, Any] = {}
        for key, item in value:
            if key in out:
                raise DuplicateKeyError(key, path)
            out[key] = _build(item, f"{path}.{key}" if path else key)
        return out
    if type(value) is list:
        return [_build(item, f"{path}[{i}]") for i, item in enumerate(value)]
    return value


class _Repeated(Exception):
    """Raised by the fast hook: some object repeats a key (found again, with its place, by the slow path)."""


def _fast_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _Repeated
    return out


def loads_strict(text: str | bytes, on_object: Callable[[dict[str, Any]], None] | None = None) -> Any:
    """``json.loads`` that refuses an object with a repeated key.

    Parameters
    ----------
    text : str or bytes
        The JSON document.
    on_object : callable, optional
        Called with each object once it is built, innermost first (its members
        are built before it), e.g. to note facts about subtrees while parsing.

    Returns
    -------
    Any
        The decoded document (plain ``dict`` / ``list``).

    Raises
    ------
    DuplicateKeyError
        An object repeats a key (a :class:`ValueError`).
    ValueError
        Not JSON (:class:`json.JSONDecodeError`), or nested more deeply than
        Python's recursion limit lets it be read.
    """
    if on_object is None:
        kind = type(text)
        if kind is str or kind is bytes:
            try:
                return _from_json(text.encode() if kind is str else text, catch_duplicate_keys=True)
            except ValueError:  # (UnicodeEncodeError too: a lone surrogate) json.loads below decides
                pass
    hook = _fast_hook
    if on_object is not None:
        def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
            out = _fast_hook(pairs)
            on_object(out)
            return out
    try:
        try:
            return json.loads(text, object_pairs_hook=hook)
        except _Repeated:
            return _build(json.loads(text, object_pairs_hook=_hook), "")  # raises, naming the key and where
    except RecursionError:
        raise ValueError("JSON nested more deeply than can be read (Python's recursion limit, "
                         f"{sys.getrecursionlimit()} levels): give a document nested less deeply") from None
