"""The values a template's deploy form offers, and deciding a template under each of them.

A parameter's ``Default`` is only the value the deploy form shows first:
whoever deploys may pick any of its ``AllowedValues`` (CloudFormation User
Guide, "Parameters"), and any value at all for a parameter without them, which
makes a condition comparing it with a literal (``Fn::Equals``) true or false.
So a template is decided under every such choice, not only its defaults:

- a parameter with ``AllowedValues`` (a ``String`` or ``Number``) takes each
  of them, wherever it is used;
- a parameter without ``AllowedValues`` that a condition refers to takes, in
  the conditions only, its ``Default``, each literal a condition compares it
  with, and one value equal to none of them (elsewhere it keeps its
  ``Default``: the value of a free field is decided from it, as before);
- a parameter given with ``--parameter`` (or by a parent stack) is not a choice.

Only the parameters that change a finding are combined: a parameter matters
when replacing it by a value known only at deployment changes a finding, the
others at their defaults or the others unknown too (two parameters that open
a path only together, ``Fn::And``). Their values are combined in full up to
:data:`MAX_COMBINATIONS` choices, beyond that one parameter at a time. A finding that the defaults do not cause
but some choice does is reported with ``when``: the parameters (and values)
that differ from their defaults in the fewest-change choice that causes it.
Pure: the caller builds the requests of a choice and decides them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, Mapping

from ._document import Unresolved

if TYPE_CHECKING:  # pragma: no cover
    from ..audit import Finding
    from ._request import SourceRequest

__all__ = ["Option", "parameter_options", "decide_choices", "MAX_COMBINATIONS"]

MAX_COMBINATIONS = 64
"""Most choices decided in full combination; beyond, each parameter is varied alone (the others at their
defaults)."""

_OTHER = "@@safemaker-another-value@@"
_NO_DEFAULT = object()


@dataclass(frozen=True)
class Option:
    """The values one parameter can take at deployment.

    Attributes
    ----------
    name : str
        The parameter.
    in_conditions_only : bool
        ``True`` for a parameter without ``AllowedValues``: its values apply to conditions only.
    values : tuple[tuple[Any, str], ...]
        ``(value, as shown in a finding's when)``, the default first when there is one.
    default : Any
        The ``Default`` (a private marker when the parameter has none).
    """

    name: str
    in_conditions_only: bool
    values: tuple[tuple[Any, str], ...]
    default: Any

    @property
    def has_default(self) -> bool:
        return self.default is not _NO_DEFAULT


def _compared_literals(node: Any, out: dict[str, list[Any]]) -> None:
    """Literals compared with ``{"Ref": P}`` by an ``Fn::Equals`` anywhere below ``node``."""
    if isinstance(node, Mapping):
        eq = node.get("Fn::Equals") if len(node) == 1 else None
        if isinstance(eq, list) and len(eq) == 2:
            for a, b in (eq, eq[::-1]):
                if isinstance(a, Mapping) and len(a) == 1 and isinstance(a.get("Ref"), str) \
                        and isinstance(b, (str, int, float)) and not isinstance(b, bool):
                    out.setdefault(a["Ref"], []).append(b)
        for v in node.values():
            _compared_literals(v, out)
    elif isinstance(node, list):
        for v in node:
            _compared_literals(v, out)


def _refs(node: Any, out: set[str]) -> None:
    if isinstance(node, Mapping):
        if len(node) == 1 and isinstance(node.get("Ref"), str):
            out.add(node["Ref"])
        for v in node.values():
            _refs(v, out)
    elif isinstance(node, list):
        for v in node:
            _refs(v, out)


def parameter_options(template: Mapping[str, Any], given: Mapping[str, Any]) -> list[Option]:
    """The parameters of ``template`` whose value is chosen at deployment (those in ``given`` are not).

    Parameters
    ----------
    template : Mapping
        The template.
    given : Mapping[str, Any]
        Values given (``--parameter``, or a parent stack's ``Parameters``).

    Returns
    -------
    list[Option]
        In the template's order.
    """
    declared = template.get("Parameters")
    conditions = template.get("Conditions")
    if not isinstance(declared, Mapping):
        return []
    in_conditions: set[str] = set()
    literals: dict[str, list[Any]] = {}
    if isinstance(conditions, Mapping):
        _refs(conditions, in_conditions)
        _compared_literals(conditions, literals)
    out: list[Option] = []
    for name, spec in declared.items():
        if name in given or not isinstance(spec, Mapping):
            continue
        ptype = str(spec.get("Type", "String"))
        if ptype not in ("String", "Number"):
            continue  # lists, AWS-specific and SSM types: not offered as a choice here
        default = spec.get("Default", _NO_DEFAULT)
        allowed = spec.get("AllowedValues")
        if isinstance(allowed, list) and allowed and all(isinstance(v, (str, int, float)) for v in allowed):
            values = list(dict.fromkeys(allowed))
            if default in values:
                values.remove(default)
                values.insert(0, default)
            out.append(Option(name, False, tuple((v, str(v)) for v in values), default))
        elif name in in_conditions:
            seen = list(dict.fromkeys(([default] if default is not _NO_DEFAULT else []) + literals.get(name, [])))
            other = "any value but " + ", ".join(repr(str(v)) for v in seen) if seen else "any value"
            out.append(Option(name, True, tuple((v, str(v)) for v in seen) + ((_OTHER, other),), default))
    return out


_Build = Callable[[Mapping[str, Any], Mapping[str, Any]], "list[SourceRequest]"]
_Decide = Callable[["list[SourceRequest]"], "list[Finding]"]


def _key(f: "Finding") -> tuple[Any, ...]:
    return (f.rule_id, f.status, f.resource_arn, f.path, repr(f.found))


def decide_choices(options: list[Option], build: _Build, decide: _Decide) -> "list[Finding]":
    """Findings of a template under every deploy-time choice of ``options``.

    Parameters
    ----------
    options : list[Option]
        From :func:`parameter_options`.
    build : callable
        ``build(values, in_conditions)`` -> the template's requests with those parameter values
        (``values`` everywhere, ``in_conditions`` in conditions only).
    decide : callable
        Requests -> findings (:func:`safemaker.iac.decide_requests` with the profile).

    Returns
    -------
    list[Finding]
        The findings of the defaults, then those only some choice causes (with
        ``location.when``), in the order first found.
    """
    def run(choice: Mapping[str, Any]) -> "list[Finding]":
        values = {o.name: choice[o.name] for o in options if o.name in choice and not o.in_conditions_only}
        conds = {o.name: choice[o.name] for o in options if o.name in choice and o.in_conditions_only}
        return decide(build(values, conds))

    defaults = {o.name: o.default for o in options if o.has_default}
    base = run(defaults)
    if not options:
        return base
    base_keys = {_key(f) for f in base}
    unknown = {o.name: Unresolved({"Ref": o.name}, "a value chosen at deployment") for o in options}
    all_unknown = {_key(f) for f in run(unknown)} if len(options) > 1 else set()
    matter: list[Option] = []
    for o in options:
        if not o.has_default:
            matter.append(o)
            continue
        # it matters when making it unknown changes a finding: with the others at their defaults, or with
        # the others unknown too (Fn::And of two parameters: neither alone changes the defaults' findings)
        if {_key(f) for f in run({**defaults, o.name: unknown[o.name]})} != base_keys or (
                len(options) > 1 and {_key(f) for f in run({**unknown, o.name: o.default})} != all_unknown):
            matter.append(o)
    if not matter:
        return base
    sizes = [len(o.values) for o in matter]
    start = {o.name: (o.default if o.has_default else o.values[0][0]) for o in matter}
    if _product(sizes) <= MAX_COMBINATIONS:
        combos = [dict(zip([o.name for o in matter], vals))
                  for vals in itertools.product(*[[v for v, _ in o.values] for o in matter])]
    else:
        combos = list({tuple(sorted({**start, o.name: v}.items(), key=lambda kv: kv[0])): {**start, o.name: v}
                       for o in matter for v, _ in o.values}.values())
    shown = {o.name: dict(o.values) for o in matter}

    def changed(combo: Mapping[str, Any]) -> list[str]:
        return [o.name for o in matter if not o.has_default or combo[o.name] != o.default]

    # fewest changes first: the first choice that causes a finding is the one named
    combos.sort(key=lambda c: len(changed(c)))
    at_defaults = all(o.has_default for o in matter)
    found: dict[tuple[Any, ...], "Finding"] = {}
    count: dict[tuple[Any, ...], int] = {}
    order: list[tuple[Any, ...]] = []
    if at_defaults:
        for f in base:
            k = _key(f)
            if k not in found:
                found[k], count[k] = f, 0
                order.append(k)
    runs = 0
    for combo in combos:
        names = changed(combo)
        if at_defaults and not names:
            findings = base
        else:
            findings = run({**defaults, **combo})
        runs += 1
        for f in findings:
            k = _key(f)
            count[k] = count.get(k, 0) + 1
            if k in found:
                continue
            when = tuple((n, shown[n][combo[n]]) for n in names)
            found[k] = f if not when or f.location is None else replace(f, location=replace(f.location, when=when))
            order.append(k)
    out = []
    for k in order:
        f = found[k]
        if count.get(k) == runs and f.location is not None and f.location.when:
            f = replace(f, location=replace(f.location, when=()))  # every choice causes it: no choice to name
        out.append(f)
    return out


def _product(sizes: list[int]) -> int:
    n = 1
    for s in sizes:
        n *= s
        if n > MAX_COMBINATIONS:
            break
    return n
