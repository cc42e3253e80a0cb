"""The one path engine: walk, read and write a request (or a description) by field path.

A *rule path* names fields the way :mod:`safemaker.rules` writes them:
``"TrainingJobDefinitions[].VpcConfig.Subnets"``, where ``[]`` means every
element of a list. A *concrete path* names one value: ``("TrainingJobDefinitions",
0, "VpcConfig", "Subnets")``, rendered ``"TrainingJobDefinitions[0].VpcConfig.Subnets"``.

Every module that walks requests goes through here: the guard, reference
resolution, pipeline steps, IAM request contexts and the audit. The engine
accepts every value shape botocore accepts:

- a **list** member may be a ``list`` or a ``tuple`` (botocore's validator:
  ``CONTAINER_TYPES['list'] = (list, tuple)`` in ``botocore/validate.py``; the
  serializers iterate either);
- a **structure** or **map** member may be any :class:`collections.abc.Mapping`
  (botocore validates ``dict``; with ``parameter_validation=False`` its
  serializers take any mapping).

Anything else at a list position (a ``set``, a generator, a string) cannot be
walked without consuming or guessing; :func:`expand` reports it through
``on_unwalkable`` so that callers fail closed.
"""

from __future__ import annotations

from collections.abc import Mapping as _AbcMapping
from functools import lru_cache
from typing import Any, Callable, Iterator, Mapping, Sequence

from .errors import MISSING

__all__ = [
    "Key",
    "SEQUENCE_TYPES",
    "is_map",
    "is_seq",
    "split_path",
    "format_path",
    "expand",
    "expand_all",
    "values",
    "get",
    "get_path",
    "Writer",
    "path_regex",
    "join",
]

Key = str | int
"""A concrete path part: a member name or a list index."""

SEQUENCE_TYPES: tuple[type, ...] = (list, tuple)
"""The Python types botocore accepts for a list member (``botocore.validate``)."""

_NOT_MAPS = frozenset({list, str, int, bool, float, tuple, type(None), bytes})


def is_map(value: Any) -> bool:
    """``isinstance(value, Mapping)``, with fast paths for the JSON types botocore hands over."""
    t = type(value)
    if t is dict:
        return True
    if t in _NOT_MAPS:
        return False
    return isinstance(value, _AbcMapping)


def is_seq(value: Any) -> bool:
    """``True`` for a value botocore takes as a list: a ``list`` or a ``tuple`` (or a subclass)."""
    t = type(value)
    return t is list or t is tuple or isinstance(value, SEQUENCE_TYPES)


@lru_cache(maxsize=4096)
def split_path(path: str) -> tuple[str, ...]:
    """Split a rule path ``"A[].B.C"`` into ``("A", "[]", "B", "C")`` (``""`` gives ``()``).

    Cached: a rule path is split once per process.
    """
    if not path:
        return ()
    parts: list[str] = []
    for seg in path.split("."):
        lists = 0
        while seg.endswith("[]"):
            seg, lists = seg[:-2], lists + 1
        if seg:
            parts.append(seg)
        parts.extend(("[]",) * lists)
    return tuple(parts)


def join(*paths: str) -> str:
    """Join rule paths: ``join("A[]", "B")`` is ``"A[].B"`` (empty parts skipped)."""
    return ".".join(p for p in paths if p).replace(".[]", "[]")


def format_path(parts: Sequence[Key]) -> str:
    """Render concrete path parts ``("A", 1, "B")`` as ``"A[1].B"``."""
    out = ""
    for p in parts:
        if type(p) is int:
            out += f"[{p}]"
        else:
            out += f".{p}" if out else p
    return out


def expand(doc: Any, parts: tuple[str, ...], prefix: tuple[Key, ...] = (),
           on_unwalkable: Callable[[tuple[Key, ...], Any], None] | None = None,
           ) -> Iterator[tuple[tuple[Key, ...], Any]]:
    """Yield ``(concrete parts, value)`` for every existing match of split rule path ``parts``.

    Parameters
    ----------
    doc : Any
        The request (or description) to walk.
    parts : tuple[str, ...]
        A split rule path (:func:`split_path`); ``"[]"`` steps into every element.
    prefix : tuple, default ()
        Concrete parts already walked (prepended to each result).
    on_unwalkable : callable, optional
        Called with ``(concrete parts, value)`` for a present value that a
        ``[]`` step cannot walk (neither a list nor a tuple, nor ``None``), so
        that the caller refuses it rather than skipping what it holds.

    Yields
    ------
    tuple[tuple[str | int, ...], Any]
        Only values that are present (an absent member yields nothing).
    """
    if not parts:
        yield prefix, doc
        return
    head = parts[0]
    if head == "[]":
        if is_seq(doc):
            rest = parts[1:]
            for i, item in enumerate(doc):
                yield from expand(item, rest, prefix + (i,), on_unwalkable)
        elif doc is not None and on_unwalkable is not None:
            on_unwalkable(prefix, doc)
        return
    if is_map(doc) and head in doc:
        yield from expand(doc[head], parts[1:], prefix + (head,), on_unwalkable)


def expand_all(doc: Any, parts: tuple[str, ...], prefix: tuple[Key, ...] = (),
               on_unwalkable: Callable[[tuple[Key, ...], Any], None] | None = None,
               out: list[tuple[tuple[Key, ...], Any]] | None = None,
               ) -> list[tuple[tuple[Key, ...], Any]]:
    """:func:`expand` as a list, in the same order, with the same ``on_unwalkable`` calls.

    The hot paths of the guard use it: it walks plain members in a loop and
    recurses only at ``"[]"`` steps (no generator per level).

    Parameters
    ----------
    doc, parts, prefix, on_unwalkable
        As in :func:`expand`.
    out : list, optional
        A list to append to (returned); a new one by default.

    Returns
    -------
    list[tuple[tuple[str | int, ...], Any]]
        What :func:`expand` yields.
    """
    if out is None:
        out = []
    cur = doc
    for i, head in enumerate(parts):
        if head == "[]":
            if is_seq(cur):
                rest = parts[i + 1:]
                for j, item in enumerate(cur):
                    expand_all(item, rest, prefix + (j,), on_unwalkable, out)
            elif cur is not None and on_unwalkable is not None:
                on_unwalkable(prefix, cur)
            return out
        if (type(cur) is not dict and not is_map(cur)) or head not in cur:
            return out
        cur = cur[head]
        prefix = prefix + (head,)
    out.append((prefix, cur))
    return out


def values(doc: Any, path: str) -> list[tuple[str, Any]]:
    """Every ``(concrete path, value)`` a rule path with ``[]`` matches (present values only)."""
    return [(format_path(p), v) for p, v in expand_all(doc, split_path(path))]


def get(container: Any, parts: tuple[str, ...]) -> Any:
    """Value at split path ``parts`` below ``container`` (no ``[]``), or :data:`~safemaker.errors.MISSING`."""
    cur = container
    for p in parts:
        if cur.__class__ is dict:  # the common case: one lookup
            cur = cur.get(p, MISSING)
            if cur is MISSING:
                return MISSING
        elif is_map(cur) and p in cur:
            cur = cur[p]
        else:
            return MISSING
    return cur


def get_path(container: Any, path: str) -> Any:
    """:func:`get` with a dotted path (``"ResourceConfig.InstanceType"``); ``[]`` gives ``MISSING``."""
    parts = split_path(path)
    if "[]" in parts:
        return MISSING
    return get(container, parts)


class Writer:
    """Copy-on-write setter: copies each structure on the way to a write, once.

    The input is never mutated. A tuple on the way is copied to a list (botocore
    takes either).

    Parameters
    ----------
    root : Mapping[str, Any]
        The request; :attr:`root` is its (shallow) copy with the writes applied.
    """

    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root: dict[str, Any] = dict(root)
        self._owned: set[int] = {id(self.root)}

    def _own(self, parent: Any, key: Key) -> Any:
        child = parent[key]
        owned = self._owned
        if id(child) in owned:
            return child
        cls = child.__class__
        if cls is dict:
            copy: Any = child.copy()
        elif cls is list or cls is tuple:
            copy = list(child)
        elif is_map(child):
            copy = dict(child)
        elif is_seq(child):
            copy = list(child)
        else:  # pragma: no cover - guarded by callers
            raise TypeError(f"cannot descend into {type(child).__name__}")
        parent[key] = copy
        owned.add(id(copy))
        return copy

    def own(self, parts: tuple[Key, ...]) -> Any:
        """This writer's copy of the (existing) structure at concrete ``parts``, copying the way there once."""
        cur: Any = self.root
        for key in parts:
            cur = self._own(cur, key)
        return cur

    def set_in(self, owned: Any, parts: tuple[str, ...], value: Any, create_parents: bool) -> bool:
        """:meth:`set` below ``owned`` (a structure :meth:`own` returned) at member path ``parts``."""
        cur = owned
        for key in parts[:-1]:
            if not is_map(cur):
                return False
            nxt = cur.get(key, MISSING)
            if nxt is MISSING:
                if not create_parents:
                    return False
                nxt = cur[key] = {}
                self._owned.add(id(nxt))
                cur = nxt
                continue
            if not is_map(nxt):
                return False
            cur = nxt if id(nxt) in self._owned else self._own(cur, key)
        cur[parts[-1]] = value
        return True

    def set(self, parts: tuple[Key, ...], value: Any, create_parents: bool) -> bool:
        """Set ``value`` at concrete ``parts``; ``False`` if a parent is missing and may not be created."""
        cur: Any = self.root
        for key in parts[:-1]:
            if type(key) is int:
                if not is_seq(cur):
                    return False
            elif not is_map(cur):
                return False
            elif key not in cur:
                if not create_parents:
                    return False
                cur[key] = {}
                self._owned.add(id(cur[key]))
                cur = cur[key]
                continue
            nxt = cur[key]
            if not (is_map(nxt) or is_seq(nxt)):
                return False
            cur = self._own(cur, key)
        cur[parts[-1]] = value
        return True


@lru_cache(maxsize=None)
def path_regex(path: str) -> str:
    """A regular expression (text) matching the concrete paths a rule path names (``[]`` = ``[n]``)."""
    import re

    out = ""
    for part in split_path(path):
        if part == "[]":
            out += r"\[\d+\]"
        else:
            out += (r"\." if out else "") + re.escape(part)
    return out
