"""The rule table's fields of a resource type, as paths of its Describe response.

The rule of a type's create operation names request fields
(:meth:`safemaker.rules.OperationRule.fields`); a Describe response holds the
same field under its own path when the API renames or moves it
(``describe_anchor``, ``describe_path``). :func:`_fields_of` pairs them, and
:func:`_field_for` finds the field a violation of a description is about:
what :mod:`safemaker.audit.fixes` reads to say whether an Update call can fix
it, and :mod:`safemaker.audit.coverage` / :mod:`safemaker.audit.search` to
say whether a List summary or a Search record carries every field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .. import paths as _paths
from ..errors import Violation
from ..resources import RESOURCES
from ..rules import RULES, FieldRule

_join = _paths.join


def _path_regex(path: str) -> re.Pattern[str]:
    return re.compile(_paths.path_regex(path) + r"(?:$|[.\[])")


@dataclass(frozen=True)
class _FieldInfo:
    rule_id: str
    regex: re.Pattern[str]
    rule: FieldRule
    request_path: str
    describe_path: str


_FIELDS_CACHE: dict[str, tuple[_FieldInfo, ...]] = {}


def _fields_of(kind: str) -> tuple[_FieldInfo, ...]:
    cached = _FIELDS_CACHE.get(kind)
    if cached is not None:
        return cached
    rule = RULES[RESOURCES[kind].create_operation]
    infos = []
    for target, f in rule.fields():
        anchor = target.describe_anchor if target.describe_anchor is not None else target.anchor
        dpath = f.describe_path if f.describe_path is not None else f.path
        infos.append(_FieldInfo(f.guardrail.value, _path_regex(_join(anchor, dpath)), f,
                                _join(target.anchor, f.path), _join(anchor, dpath)))
    # longest describe path first: "A.B.C" wins over "A.B"
    infos.sort(key=lambda i: -len(i.regex.pattern))
    result = tuple(infos)
    _FIELDS_CACHE[kind] = result
    return result


def _field_for(kind: str, v: Violation) -> _FieldInfo | None:
    for info in _fields_of(kind):
        if info.rule_id == v.rule_id and info.regex.match(v.path):
            return info
    return None
