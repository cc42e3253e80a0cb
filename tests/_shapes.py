"""Walking botocore's service model in tests: the shape at a path of members.

Not collected by pytest (no ``test_`` prefix). The tests' oracle reads botocore's model directly, not
safemaker's own walkers.
"""

from __future__ import annotations

from typing import Any


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
