"""The one path engine: walk, read and write a request (or a description) by field path.

A *rule path* names fields the way :mod:`safemaker.rules` writes them:
``"TrainingJobDefinitions[].VpcConfig.Subnets"``, where ``[]`` means every
element of a list (and ``*``, a whole member, every value of a map: other
services' requests, ``"actions.*"``). A *concrete path* names one value: ``("TrainingJobDefinitions",
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

import re as _re
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
    "parse_path",
    "expand",
    "expand_all",
    "values",
    "get",
    "get_path",
    "get_at",
    "get_bound",
    "PathTree",
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


_CONCRETE_PART = _re.compile(r"\[([^\]:]*)(?::[^\]]*)?\]|([^.\[\]]+)")


@lru_cache(maxsize=4096)
def parse_path(path: str) -> tuple[Key, ...]:
    """Parse a concrete path as :func:`format_path` renders it: ``"A[1].B"`` gives ``("A", 1, "B")``.

    An index may carry a label after a colon, as a pipeline step's path does (``"Steps[0:Train]"`` gives
    ``("Steps", 0)``); an index that is not a number stays text (``"A[]"`` gives ``("A", "")``). Text after
    the last member (``"OnStart[0].Content line 3"``, a preflight finding's line) is part of that member.
    """
    out: list[Key] = []
    for index, name in _CONCRETE_PART.findall(path):
        if name:
            out.append(name)
        else:
            out.append(int(index) if index.isdigit() else index)
    return tuple(out)


def expand(doc: Any, parts: tuple[str, ...], prefix: tuple[Key, ...] = (),
           on_unwalkable: Callable[[tuple[Key, ...], Any], None] | None = None,
           ) -> Iterator[tuple[tuple[Key, ...], Any]]:
    """Yield ``(concrete parts, value)`` for every existing match of split rule path ``parts``.

    Parameters
    ----------
    doc : Any
        The request (or description) to walk.
    parts : tuple[str, ...]
        A split rule path (:func:`split_path`); ``"[]"`` steps into every element (of a list or a
        tuple), ``"*"`` into every value of a mapping.
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
    if is_map(doc):
        if head == "*":  # every value of the map, a key spelled "*" among them (trial 14b F09)
            rest = parts[1:]
            for key, item in doc.items():
                yield from expand(item, rest, prefix + (key,), on_unwalkable)
        elif head in doc:
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
        if head == "*":  # every value of the map, a key spelled "*" among them (trial 14b F09)
            if is_map(cur):
                rest = parts[i + 1:]
                for key, item in cur.items():
                    expand_all(item, rest, prefix + (key,), on_unwalkable, out)
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


def get_at(container: Any, parts: Sequence[Key]) -> Any:
    """Value at concrete ``parts`` (member names and list indexes), or :data:`~safemaker.errors.MISSING`.

    An index steps into a list or a tuple (:func:`is_seq`); a name into a mapping (:func:`is_map`).
    """
    cur = container
    for p in parts:
        if type(p) is int:
            if not (cur.__class__ is list or is_seq(cur)) or not 0 <= p < len(cur):
                return MISSING
            cur = cur[p]
        elif cur.__class__ is dict or is_map(cur):
            if p not in cur:
                return MISSING
            cur = cur[p]
        else:
            return MISSING
    return cur


def get_bound(container: Any, parts: tuple[str, ...], at: Sequence[Key]) -> Any:
    """Value at split rule path ``parts`` whose ``[]`` take the indexes of concrete path ``at`` at the same
    positions, or :data:`~safemaker.errors.MISSING`.

    ``get_bound(doc, ("A", "[]", "B"), ("A", 2, "C"))`` is ``doc["A"][2]["B"]``: the ``B`` of the same
    element of ``A`` as ``at``. An index steps into a list or a tuple (:func:`is_seq`), a name into a
    mapping (:func:`is_map`); a ``[]`` with no index at its position in ``at`` gives ``MISSING``.
    """
    cur = container
    for k, part in enumerate(parts):
        if part == "[]":
            i = at[k] if k < len(at) else None
            if type(i) is not int or not (cur.__class__ is list or is_seq(cur)) or not 0 <= i < len(cur):
                return MISSING
            cur = cur[i]
        elif cur.__class__ is dict:
            cur = cur.get(part, MISSING)
            if cur is MISSING:
                return MISSING
        elif is_map(cur) and part in cur:
            cur = cur[part]
        else:
            return MISSING
    return cur


class PathTree:
    """Many rule paths compiled into one tree of request members, walked once.

    Where one request is read at many rule paths (each with something to do at
    its values), walking it once per path repeats the shared prefixes; the tree
    walks each member once, and a structure (or a list's elements) holding none
    of the members read below it is not entered.

    A member whose value is ``None`` is taken as absent (botocore does not
    serialize it); an element that is not a mapping is not entered (a member
    step finds nothing in it, as in :func:`expand`). Lists and tuples are walked
    alike (:func:`is_seq`), mappings of any type (:func:`is_map`).

    Parameters
    ----------
    entries : Iterable[tuple[str, Any]]
        ``(rule path, payload)`` pairs; a path may not be empty, start or end with ``[]`` or hold ``*``.
        Several payloads may share a path.

    Example
    -------
    >>> tree = PathTree([("A[].B", "b"), ("A[].C.D", "d")])
    >>> seen = []
    >>> tree.walk({"A": ({"B": 1}, {"C": {"D": 2}})}, lambda out, payload, at, value: out.append((payload, at, value)),
    ...           seen)
    >>> seen
    [('b', ('A', 0, 'B'), 1), ('d', ('A', 1, 'C', 'D'), 2)]
    """

    __slots__ = ("paths", "_root", "_walk")

    def __init__(self, entries: Any) -> None:
        root: dict[str, Any] = {"here": [], "members": {}, "elements": None}
        paths: list[str] = []
        for path, payload in entries:
            parts = split_path(path)
            if not parts or parts[-1] == "[]" or parts[0] == "[]" or "*" in parts:
                raise ValueError(f"PathTree: {path!r} must start and end with a member name (and have no '*')")
            node = root
            for part in parts:
                if part == "[]":
                    if node["elements"] is None:
                        node["elements"] = {"here": [], "members": {}, "elements": None}
                    node = node["elements"]
                else:
                    node = node["members"].setdefault(part, {"here": [], "members": {}, "elements": None})
            node["here"].append(payload)
            paths.append(path)
        self.paths: tuple[str, ...] = tuple(dict.fromkeys(paths))
        self._root = self._freeze(root)
        self._walk: Any = None  # the generated walk (_compile_walk), made on the first walk

    @classmethod
    def _freeze(cls, node: dict[str, Any]) -> tuple[Any, ...]:
        """``(payloads here, member entries, member names test, element node or None)``; a member entry is
        ``(name, node)``; the names test is ``(first, last, the others)`` or ``None``."""
        members = tuple((name, cls._freeze(child)) for name, child in node["members"].items())
        names = tuple(node["members"])
        elements = node["elements"]
        return (tuple(node["here"]), members, (names[0], names[-1], names[1:-1]) if names else None,
                None if elements is None else cls._freeze(elements))

    def walk(self, doc: Any, visit: Callable[[Any, Any, tuple[Key, ...], Any], None], context: Any = None) -> None:
        """Call ``visit(context, payload, concrete parts, value)`` for every present value at every path.

        The order is the tree's (each member in the order its first path was given, its payloads in the
        order given, then what is below it), elements in list order. ``context`` is passed through as it
        is (what ``visit`` needs besides the value: no closure per walk).
        """
        walk = self._walk
        if walk is None:
            walk = self._walk = _compile_walk(self._root[1])
        walk(doc, visit, context)

    def compiled(self) -> Callable[[Any, Callable[[Any, Any, tuple[Key, ...], Any], None], Any], None]:
        """The generated function that :meth:`walk` calls, ``walk(doc, visit, context)`` (the same walk, for a
        caller that keeps it: one call less per walk). Made on first need, once."""
        walk = self._walk
        if walk is None:
            walk = self._walk = _compile_walk(self._root[1])
        return walk  # type: ignore[no-any-return]


def _compile_walk(members: tuple[Any, ...]) -> Callable[[Any, Any, Any], None]:
    """:meth:`PathTree.walk` of the root member entries ``members`` as one generated function.

    What :func:`_walk_members` does, with the tree's member names, payloads and names tests written in:
    ``dict`` members are read inline down the tree; any other mapping goes to :func:`_walk_members` and
    every list (or other sequence) to :func:`_walk_elements` (a ``dict`` element holding no member read is
    passed over inline first, the common case), so every shape is walked, and in the same order, as there.
    """
    ns: dict[str, Any] = {"is_map": is_map, "is_seq": is_seq, "_walk_members": _walk_members,
                          "_walk_elements": _walk_elements}
    lines = ["def walk(doc, visit, context):",
             "    if doc.__class__ is not dict:",
             "        if is_map(doc):",
             "            _walk_members(ROOT, doc, (), visit, context)",
             "        return"]
    ns["ROOT"] = members

    def const(value: Any) -> str:
        name = f"K{len(ns)}"
        ns[name] = value
        return name

    def emit(entries: tuple[Any, ...], doc: str, at: str, depth: int, ind: str) -> None:
        v, w = f"v{depth}", f"w{depth}"
        for key, (here, below, names, elements) in entries:
            lines.extend([f"{ind}{v} = {doc}.get({key!r})", f"{ind}if {v} is not None:",
                          f"{ind}    {w} = {at} + ({key!r},)"])
            ind2 = ind + "    "
            for payload in here:
                lines.append(f"{ind2}visit(context, {const(payload)}, {w}, {v})")
            if below:
                held = " or ".join(f"{n!r} in {v}" for n in (name for name, _ in below))
                lines.extend([f"{ind2}if {v}.__class__ is dict:", f"{ind2}    if {held}:"])
                emit(below, v, w, depth + 1, ind2 + "        ")
                lines.extend([f"{ind2}elif is_map({v}):",
                              f"{ind2}    _walk_members({const(below)}, {v}, {w}, visit, context)"])
            if elements is not None:
                node = const(elements)
                lines.append(f"{ind2}if {v}.__class__ is list or is_seq({v}):")
                e_here, e_below, e_names, e_elements = elements
                if not e_here and e_elements is None:  # what _walk_elements tests first, without the call
                    held = " or ".join(f"{n!r} in item" for n, _ in e_below)
                    lines.extend([f"{ind2}    for item in {v}:",
                                  f"{ind2}        if item.__class__ is not dict or {held}:",
                                  f"{ind2}            _walk_elements({node}, {v}, {w}, visit, context)",
                                  f"{ind2}            break"])
                else:
                    lines.append(f"{ind2}    _walk_elements({node}, {v}, {w}, visit, context)")

    emit(members, "doc", "()", 0, "    ")
    exec(compile("\n".join(lines), "<safemaker.paths PathTree walk>", "exec"), ns)  # noqa: S102 - from the tree
    return ns["walk"]  # type: ignore[no-any-return]


def _holds_any(item: Any, names: tuple[str, str, tuple[str, ...]]) -> bool:
    """Whether mapping ``item`` has one of the member names ``(first, last, the others)``."""
    first, last, rest = names
    return first in item or last in item or any(n in item for n in rest)


def _walk_members(members: tuple[Any, ...], doc: Any, at: tuple[Key, ...],
                  visit: Callable[[Any, Any, tuple[Key, ...], Any], None], context: Any) -> None:
    """:meth:`PathTree.walk` of the member entries ``members`` below mapping ``doc`` (at concrete ``at``)."""
    for key, (here, below, names, elements) in members:
        value = doc.get(key)
        if value is None:
            continue
        where = at + (key,)
        if here:
            for payload in here:
                visit(context, payload, where, value)
        if below:  # (a structure holding none of the members read is not entered: the common case)
            if value.__class__ is dict:
                if names[0] in value or names[1] in value or (names[2] and _holds_any(value, names)):
                    _walk_members(below, value, where, visit, context)
            elif is_map(value):
                _walk_members(below, value, where, visit, context)
        if elements is not None and (value.__class__ is list or is_seq(value)):
            _walk_elements(elements, value, where, visit, context)


def _walk_elements(node: tuple[Any, ...], seq: Any, at: tuple[Key, ...],
                   visit: Callable[[Any, Any, tuple[Key, ...], Any], None], context: Any) -> None:
    """:meth:`PathTree.walk` of element node ``node`` over every element of ``seq`` (at concrete ``at``)."""
    here, below, names, elements = node
    if not here and elements is None:
        for item in seq:  # most lists hold no element with a member read: nothing more to do
            if item.__class__ is not dict or names[0] in item or names[1] in item or (
                    names[2] and _holds_any(item, names)):
                break
        else:
            return
    for i, item in enumerate(seq):
        if item is None:
            continue
        where = at + (i,)
        if here:
            for payload in here:
                visit(context, payload, where, item)
        if below:
            if item.__class__ is dict:
                if names[0] in item or names[1] in item or (names[2] and _holds_any(item, names)):
                    _walk_members(below, item, where, visit, context)
            elif is_map(item):
                _walk_members(below, item, where, visit, context)
        if elements is not None and is_seq(item):
            _walk_elements(elements, item, where, visit, context)


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
        owned = self._owned
        for key in parts:  # what _own does at each part, inline for a dict, list or tuple (the common shapes)
            child = cur[key]
            if id(child) not in owned:
                cls = child.__class__
                if cls is dict:
                    child = child.copy()
                elif cls is list or cls is tuple:
                    child = list(child)
                else:
                    cur = self._own(cur, key)
                    continue
                cur[key] = child
                owned.add(id(child))
            cur = child
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
        elif part == "*":
            out += (r"\." if out else "") + r"[^.\[\]]+"
        else:
            out += (r"\." if out else "") + re.escape(part)
    return out
