"""A CloudFormation ``NoEcho`` parameter's value is never shown: one masking for ``safemaker check`` and the guard.

CloudFormation User Guide, Parameters, ``NoEcho``: "Whether to mask the parameter value to prevent it from being
displayed in the console, command line tools, or API". A template's decision (``safemaker check``'s findings,
a guarded process's refusal of ``CreateStack`` / ``UpdateStack`` / ``CreateChangeSet`` / stack sets, its decision
log) shows request values; those of a ``NoEcho`` parameter, and what the template makes of them, read
:data:`NO_ECHO_SHOWN` instead, in every field (found, required, fix, path, logical ID, resource name).

What is hidden (:func:`no_echo_values` and, while :func:`collecting`, the template's resolver:
:class:`safemaker.iac._intrinsics.Resolver`):

- each value a ``NoEcho`` parameter may hold that the template or the caller spells out (``Default``,
  ``AllowedValues``, a value given: ``--parameter``, the request's ``Parameters``), and each member of a list
  type's value; in a nested stack or a stack set's template, those of its own ``NoEcho`` parameters too;
- what the template derives from such a value where it is not a plain substring of the result: the pieces
  ``Fn::Split`` cuts from it (``Fn::Select`` then picks one), its ``Fn::Base64`` encoding, its
  ``Fn::ToJsonString`` escaping. ``Fn::Sub`` and ``Fn::Join`` hold the value itself, which is replaced where it
  occurs.

Values shorter than :data:`SHORTEST_HIDDEN` characters are not masked: no secret, and masking ``no`` would
garble every message.
"""

from __future__ import annotations

import contextvars
import json
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, MutableSet

if TYPE_CHECKING:  # pragma: no cover
    from ...audit import Finding
    from ...errors import Violation

__all__ = ["NO_ECHO_SHOWN", "SHORTEST_HIDDEN", "no_echo", "no_echo_values", "collecting", "hide", "hide_pieces",
           "hide_derived", "add_hidden", "masked", "masked_finding", "masked_violation"]

NO_ECHO_SHOWN = "****"
"""How a ``NoEcho`` parameter's value reads (CloudFormation shows such values as asterisks)."""

SHORTEST_HIDDEN = 4
"""Shorter values (``""``, ``no``) are not masked: no secret, and masking them would garble every message."""

_COLLECTING: contextvars.ContextVar[MutableSet[str] | None] = contextvars.ContextVar("safemaker_no_echo",
                                                                                      default=None)


def no_echo(spec: Mapping[str, Any]) -> bool:
    """The parameter is declared ``NoEcho: true`` (a boolean, or the string ``"true"`` in any case)."""
    flag = spec.get("NoEcho")
    return flag is True or (isinstance(flag, str) and flag.strip().lower() == "true")


def _listed(spec: Mapping[str, Any]) -> bool:
    ptype = str(spec.get("Type", "String"))
    return ptype == "CommaDelimitedList" or ptype.startswith("List<")


def add_hidden(out: MutableSet[str], value: Any, listed: bool = False) -> None:
    """Add to ``out`` each spelling of ``value`` a message must not show.

    Parameters
    ----------
    out : MutableSet[str]
        The values to mask (what :func:`masked` is given).
    value : Any
        A secret value: a string or number (its text); a list or tuple (each member, and the members joined with
        ``,`` as CloudFormation joins a list parameter); a boolean or any other type adds nothing.
    listed : bool, default False
        The value is a list parameter's text (``CommaDelimitedList``, ``List<...>``): each ``,``-separated piece
        is added too.

    Texts shorter than :data:`SHORTEST_HIDDEN` characters (spaces around left out) are not added; one with spaces
    around is added as written and stripped.
    """
    if isinstance(value, bool):
        return
    if isinstance(value, (list, tuple)):
        for v in value:
            add_hidden(out, v)
        add_hidden(out, ",".join(str(v) for v in value if isinstance(v, (str, int, float))))
        return
    if isinstance(value, (str, int, float)):
        text = str(value)
        for t in [text, *(text.split(",") if listed else ())]:
            if len(t.strip()) >= SHORTEST_HIDDEN:
                out.add(t)
                if t.strip() != t:
                    out.add(t.strip())


def no_echo_values(data: Any, parameters: Mapping[str, Any]) -> set[str]:
    """The values a template's ``NoEcho`` parameters can hold that the template or the caller spell out.

    Parameters
    ----------
    data : Any
        The template (a mapping; anything else has none).
    parameters : Mapping[str, Any]
        The values given (``--parameter``, a request's ``Parameters``), by name.

    Returns
    -------
    set[str]
        ``Default``, ``AllowedValues`` and the given value of every ``NoEcho`` parameter, as text, each
        member of a list type's value too; none shorter than :data:`SHORTEST_HIDDEN`.
    """
    declared = data.get("Parameters") if isinstance(data, Mapping) else None
    out: set[str] = set()
    for name, spec in (declared.items() if isinstance(declared, Mapping) else ()):
        if not (isinstance(spec, Mapping) and no_echo(spec)):
            continue
        allowed = spec.get("AllowedValues")
        for v in [spec.get("Default"), parameters.get(name), *(allowed if isinstance(allowed, list) else ())]:
            add_hidden(out, v, _listed(spec))
    return out


@contextmanager
def collecting(into: MutableSet[str]) -> Iterator[MutableSet[str]]:
    """While active, a template's resolver adds to ``into`` every ``NoEcho`` value it resolves and what it derives
    from one (:func:`hide`, :func:`hide_pieces`, :func:`hide_derived`); nested stacks' resolvers too."""
    token = _COLLECTING.set(into)
    try:
        yield into
    finally:
        _COLLECTING.reset(token)


def hide(spec: Any, value: Any) -> Any:
    """``value``, the value a parameter declared as ``spec`` resolves to; remembered when it is ``NoEcho``."""
    into = _COLLECTING.get()
    if into is not None and isinstance(spec, Mapping) and no_echo(spec):
        add_hidden(into, value, _listed(spec))
    return value


def _spans(text: str, hidden: Iterable[str]) -> list[tuple[int, int]]:
    out = []
    for h in hidden:
        start = text.find(h)
        while start >= 0:
            out.append((start, start + len(h)))
            start = text.find(h, start + 1)
    return out


def hide_pieces(text: str, sep: str, pieces: list[str]) -> list[str]:
    """``pieces`` (``text.split(sep)``, ``Fn::Split``): each piece that holds part of a hidden value is hidden."""
    into = _COLLECTING.get()
    if into:
        spans = _spans(text, list(into))
        at = 0
        for piece in pieces:
            end = at + len(piece)
            if any(s < end and at < e for s, e in spans):
                add_hidden(into, piece)
            at = end + len(sep)
    return pieces


def hide_derived(source: Any, derived: str) -> str:
    """``derived`` (``Fn::Base64`` or ``Fn::ToJsonString`` of ``source``): hidden when ``source`` holds a hidden
    value, and each hidden value's JSON escaping with it."""
    into = _COLLECTING.get()
    if into:
        text = source if isinstance(source, str) else json.dumps(source, default=str)
        # a value a structure holds is in its JSON text escaped (a quote, a backslash, a control or non-ASCII
        # character: trial 16b F04), in either of JSON's spellings of a non-ASCII character
        spellings = {h: {h, json.dumps(h)[1:-1], json.dumps(h, ensure_ascii=False)[1:-1]} for h in list(into)}
        held = [h for h, spelled in spellings.items() if any(s in text for s in spelled)]
        if held:
            add_hidden(into, derived)
            for h in held:
                for spelled in spellings[h] - {h}:
                    add_hidden(into, spelled)
    return derived


def masked(value: Any, hidden: Iterable[str]) -> Any:
    """``value`` with every ``hidden`` text shown as :data:`NO_ECHO_SHOWN`: in a text, a number whose text is
    hidden, and the members and keys of lists, tuples and mappings."""
    ordered = sorted(hidden, key=len, reverse=True)  # a longer value before any value inside it
    if not ordered:
        return value
    return _masked(value, ordered)


def _masked(value: Any, ordered: list[str]) -> Any:
    if isinstance(value, str):
        for h in ordered:
            if h in value:
                value = value.replace(h, NO_ECHO_SHOWN)
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return NO_ECHO_SHOWN if str(value) in ordered else value
    if isinstance(value, (list, tuple)):
        items = [_masked(v, ordered) for v in value]
        if all(a is b for a, b in zip(items, value)):
            return value  # nothing hidden in it: the same object (a read-only one stays read-only)
        return tuple(items) if isinstance(value, tuple) else items
    if isinstance(value, Mapping):
        pairs = [(_masked(k, ordered), _masked(v, ordered)) for k, v in value.items()]
        if all(a is k and b is v for (a, b), (k, v) in zip(pairs, value.items())):
            return value
        return dict(pairs)
    return value


def masked_finding(f: "Finding", hidden: Iterable[str]) -> "Finding":
    """A finding of a template with every ``hidden`` value masked in every field a report shows."""
    ordered = sorted(hidden, key=len, reverse=True)
    if not ordered:
        return f
    m = lambda v: _masked(v, ordered)  # noqa: E731
    location = f.location
    if location is not None:
        location = replace(location, logical_id=m(location.logical_id))
    return replace(f, found=m(f.found), required=m(f.required), required_text=m(f.required_text), fix=m(f.fix),
                   path=m(f.path), resource_name=m(f.resource_name), resource_arn=m(f.resource_arn),
                   location=location)


def masked_violation(v: "Violation", hidden: Iterable[str]) -> "Violation":
    """A violation with every ``hidden`` value masked (path, found, required, fix, required text)."""
    ordered = sorted(hidden, key=len, reverse=True)
    if not ordered:
        return v
    m = lambda x: _masked(x, ordered)  # noqa: E731
    return replace(v, path=m(v.path), found=m(v.found), required=m(v.required), fix=m(v.fix),
                   required_text=m(v.required_text))
