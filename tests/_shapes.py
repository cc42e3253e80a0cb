"""Walking botocore's service model in tests: the shape at a path of members.

Not collected by pytest (no ``test_`` prefix). The tests' oracle reads botocore's model directly, not
safemaker's own walkers.
"""

from __future__ import annotations

from typing import Any, Iterator


def shape_at(shape: Any, parts: tuple[str, ...] | list[str]) -> Any:
    """The botocore shape at ``parts`` below ``shape`` (``"[]"`` steps into a list's member), or ``None``
    when the model has no such path."""
    for part in parts:
        if part == "[]":
            if shape.type_name != "list":
                return None
            shape = shape.member
            continue
        if shape.type_name != "structure" or part not in shape.members:
            return None
        shape = shape.members[part]
    return shape


def member_at(shape: Any, path: str) -> Any:
    """The botocore shape at the dotted member ``path`` below ``shape`` (``Name[]``: a list's member; ``*``: a map's
    value), asserting each step exists in the model (the class tests of other services read their members so)."""
    for part in filter(None, path.split(".")):
        part = part.strip()
        if part == "*":
            assert shape.type_name == "map", path
            shape = shape.value
            continue
        name = part[:-2] if part.endswith("[]") else part
        assert shape.type_name == "structure" and name in shape.members, (path, name)
        shape = shape.members[name]
        if part.endswith("[]"):
            assert shape.type_name == "list", path
            shape = shape.member
    return shape


def walk_members(shape: Any, path: str = "", seen: frozenset[str] = frozenset()) -> Iterator[tuple[str, str, Any, Any]]:
    """Every member below ``shape`` as ``(dotted path, member name, member shape, parent structure)``, in the
    spelling :func:`member_at` reads (``Name[]`` steps into a list's member, ``*`` into a map's value); a
    structure already on the path is not entered again (recursive shapes)."""
    if shape.type_name == "structure":
        if shape.name in seen:
            return
        seen = seen | {shape.name}
        for name, member in shape.members.items():
            here = f"{path}.{name}" if path else name
            yield here, name, member, shape
            yield from _below(member, here, seen)
    else:
        yield from _below(shape, path, seen)


def _below(shape: Any, path: str, seen: frozenset[str]) -> Iterator[tuple[str, str, Any, Any]]:
    while shape.type_name in ("list", "map"):
        if shape.type_name == "list":
            shape, path = shape.member, path + "[]"
        else:
            shape, path = shape.value, path + ".*"
    if shape.type_name == "structure":
        yield from walk_members(shape, path, seen)


def value_paths(value: Any, at: tuple = ()) -> list[tuple]:
    """Every path of a request value (members and elements, containers and scalars), as tuples of keys and indexes."""
    out = [at] if at else []
    if isinstance(value, dict):
        for k, v in value.items():
            out += value_paths(v, at + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += value_paths(v, at + (i,))
    return out
