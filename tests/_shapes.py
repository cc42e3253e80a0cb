"""Walking botocore's service model in tests: the shape at a path of members.

Not collected by pytest (no ``test_`` prefix). The tests' oracle reads botocore's model directly, not
safemaker's own walkers.
"""

from __future__ import annotations

import gzip
import json
import os
from typing import Any, Iterator

import botocore.loaders
import botocore.session


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


class _PlainJSONFileLoader(botocore.loaders.JSONFileLoader):
    """botocore's JSON file loader (``.json``, then ``.json.gz``), read into plain dicts: the same content in the same
    order as botocore's ``OrderedDict`` parse, in less than half the CPU time."""

    def load_file(self, file_path: str) -> Any:
        for ext, opener in ((".json", open), (".json.gz", gzip.open)):
            if os.path.isfile(file_path + ext):
                with opener(file_path + ext, "rb") as f:
                    return json.loads(f.read())
        return None


def service_model_documents(services: Iterator[str] | list[str] | None = None) -> Iterator[tuple[str, dict]]:
    """``(service, its service-2 model document)`` for ``services`` (default: every service of the installed botocore),
    as botocore's loader reads it for a client (same search paths, latest API version, ``sdk-extras`` merged), for a
    test to walk the raw model without building a botocore shape object per member. Read by a loader of its own,
    dropped afterwards (a scan of every model leaves none in the test process's shared loader)."""
    base = botocore.session.get_session().get_component("data_loader")
    loader = botocore.loaders.Loader(extra_search_paths=base.search_paths, include_default_search_paths=False,
                                     file_loader=_PlainJSONFileLoader())
    for service in (base.list_available_services("service-2") if services is None else services):
        yield service, loader.load_service_model(service, "service-2")


def ref_trait(shapes: dict, ref: dict, trait: str) -> Any:
    """A trait of the shape a member reference ``ref`` (``{"shape": name, ...}``) resolves to, as botocore's
    ``Shape.metadata`` gives it: the reference's own member traits over the named shape's."""
    return ref[trait] if trait in ref else shapes[ref["shape"]].get(trait)
