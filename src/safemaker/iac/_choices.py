"""The values a template's deploy form offers, and deciding a template under each of them.

A parameter's ``Default`` is only the value the deploy form shows first:
whoever deploys may pick any of its ``AllowedValues`` (CloudFormation User
Guide, "Parameters"), and any value its type accepts for a parameter without
them. So a template is decided under every such choice, not only its defaults:

- a parameter bounded to a list of values takes each of them, wherever it is
  used: its ``AllowedValues``, an ``AllowedPattern`` that only lists literal
  values (``^(Disabled|Enabled)$``), a rule of the template's ``Rules`` without
  ``RuleCondition`` that asserts ``Fn::Contains`` / ``Fn::EachMemberIn`` /
  ``Fn::Equals`` / ``Fn::EachMemberEquals`` on it; the keys of the mapping an
  ``Fn::FindInMap`` looks it up in (another value fails the deployment); a list
  parameter (``CommaDelimitedList``, ``List<...>``) so bounded takes each member
  alone and all of them;
- any other parameter (``String``, ``Number``, a list, an AWS-specific type such
  as ``AWS::EC2::Subnet::Id``) takes its ``Default``, each literal a condition
  compares it with (``Fn::Equals``), and *any other value*: a marker string
  (:data:`CHOICE`) that no literal equals. A guarded field the marker reaches is
  "decided at deploy time" (an ``UNKNOWN`` finding naming the parameter and the
  fix), except a field with a closed set of values (a SageMaker API enum such as
  ``DirectInternetAccess``, or a boolean such as ``EnableNetworkIsolation``;
  botocore's model, :func:`closed_values`): there the parameter takes, in turn,
  each of those values its type and constraints (``AllowedPattern``,
  ``MinLength`` / ``MaxLength``, ``MinValue`` / ``MaxValue``) accept, so that the
  finding reads "open when Access=Enabled";
- SSM parameter types (``AWS::SSM::Parameter::Value<...>``) are read from
  Parameter Store at deployment: cannot be verified (:mod:`._intrinsics`);
- a parameter given with ``--parameter`` (or by a parent stack, or in the
  ``Parameters`` of a CloudFormation API call) is not a choice.

Only the parameters that change a finding are varied: a parameter matters
when replacing it by a value known only at deployment changes a finding, the
others at their defaults or, for one a condition refers to, the others unknown
too (two parameters that open a path only together, ``Fn::And``); a free one
that does not matter takes "any other value" while the others vary, and is
varied too once its value reaches a closed field. Those a condition refers to
and those reaching a closed field are combined in full up to
:data:`MAX_COMBINATIONS` choices, beyond that two at a time (every pair in
full); each other one changes only the fields it reaches and is varied alone. A finding that the defaults do not cause
but some choice does is reported with ``when``: the parameters (and values)
that differ from their defaults in the fewest-change choice that causes it.
Pure apart from botocore's model: the caller builds the requests of a choice and decides them.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, Mapping

from ._document import Unresolved, walk
from ._no_echo import NO_ECHO_SHOWN, no_echo

if TYPE_CHECKING:  # pragma: no cover
    from ..audit import Finding
    from ._request import SourceRequest

__all__ = ["Option", "parameter_options", "no_echo", "NO_ECHO_SHOWN", "decide_choices", "closed_values", "guarded_closed_values", "holds_choice", "MAX_COMBINATIONS",
           "CHOICE"]

MAX_COMBINATIONS = 64
"""Most choices decided in full combination; beyond, every pair of parameters is (the others at their
defaults)."""

CHOICE = "@@safemaker-choice:{}@@"
"""The value "any other value" of a parameter (formatted with its name): equal to no literal of the template."""

_CHOICE_RE = re.compile(r"@@safemaker-choice:([^@]+)@@")
_NO_DEFAULT = object()


@dataclass(frozen=True)
class Option:
    """The values one parameter can take at deployment.

    Attributes
    ----------
    name : str
        The parameter.
    values : tuple[tuple[Any, str], ...]
        ``(value, as shown in a finding's when)``, the default first when there is one; the
        value ``CHOICE.format(name)`` stands for any other value.
    default : Any
        The ``Default`` (a private marker when the parameter has none).
    spec : Mapping
        The parameter's declaration (``Type``, ``AllowedPattern``, ...).
    in_conditions : bool
        A condition of the template refers to it (its values are combined with the other parameters').
    """

    name: str
    values: tuple[tuple[Any, str], ...]
    default: Any
    spec: Mapping[str, Any] = field(default_factory=dict)
    in_conditions: bool = False

    @property
    def has_default(self) -> bool:
        return self.default is not _NO_DEFAULT

    @property
    def free(self) -> bool:
        """Any value the type accepts can be given (the option holds the "any other value" choice)."""
        return any(v == CHOICE.format(self.name) for v, _ in self.values)


def holds_choice(value: Any) -> bool:
    """``value`` is text holding a parameter's "any other value" (:data:`CHOICE`)."""
    return isinstance(value, str) and _CHOICE_RE.search(value) is not None


def _ref_name(node: Any) -> str | None:
    if isinstance(node, Mapping) and len(node) == 1 and isinstance(node.get("Ref"), str):
        return node["Ref"]
    return None


def _scalar(v: Any) -> bool:
    return isinstance(v, (str, int, float)) and not isinstance(v, bool)


def _compared_literals(node: Any, out: dict[str, list[Any]]) -> None:
    """Literals compared with ``{"Ref": P}`` by an ``Fn::Equals`` anywhere below ``node``."""
    for _, n in walk(node):
        eq = n.get("Fn::Equals") if isinstance(n, Mapping) and len(n) == 1 else None
        if isinstance(eq, list) and len(eq) == 2:
            for a, b in (eq, eq[::-1]):
                if _ref_name(a) is not None and _scalar(b):
                    out.setdefault(a["Ref"], []).append(b)


def _map_keys(node: Any, mappings: Mapping[str, Any], out: dict[str, list[Any]]) -> None:
    """The keys ``Fn::FindInMap`` (without a default value) looks ``{"Ref": P}`` up in: another value fails."""
    for _, n in walk(node):
        arg = n.get("Fn::FindInMap") if isinstance(n, Mapping) and len(n) == 1 else None
        if not (isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str)
                and isinstance(mappings.get(arg[0]), Mapping)):
            continue
        top = mappings[arg[0]]
        first = _ref_name(arg[1])
        if first is not None:
            out.setdefault(first, []).extend(top)
        second = _ref_name(arg[2])
        if second is not None:
            levels = [top[arg[1]]] if isinstance(arg[1], str) and arg[1] in top else list(top.values())
            out.setdefault(second, []).extend(k for lv in levels if isinstance(lv, Mapping) for k in lv)


def _refs(node: Any, out: set[str]) -> None:
    out.update(name for _, n in walk(node) if (name := _ref_name(n)) is not None)


def _assertion(node: Any, out: dict[str, list[Any]]) -> None:
    """Values a rule assertion bounds a parameter to (``Fn::And`` of the simple forms)."""
    if not (isinstance(node, Mapping) and len(node) == 1):
        return
    (key, arg), = node.items()
    if not isinstance(arg, list):
        return
    bound: tuple[str | None, list[Any]] = (None, [])
    if key == "Fn::And":
        for x in arg:
            _assertion(x, out)
    elif key == "Fn::Contains" and len(arg) == 2 and isinstance(arg[0], list) and all(map(_scalar, arg[0])):
        bound = (_ref_name(arg[1]), list(arg[0]))
    elif key == "Fn::EachMemberIn" and len(arg) == 2 and isinstance(arg[1], list) and all(map(_scalar, arg[1])):
        bound = (_ref_name(arg[0]), list(arg[1]))
    elif key in ("Fn::Equals", "Fn::EachMemberEquals") and len(arg) == 2:
        for a, b in ((arg[0], arg[1]), (arg[1], arg[0]) if key == "Fn::Equals" else (None, None)):
            if _ref_name(a) is not None and _scalar(b):
                bound = (_ref_name(a), [b])
                break
    name, values = bound
    if name is not None:
        out[name] = [v for v in out[name] if v in values] if name in out else values


def _rule_bounds(template: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Parameters the template's ``Rules`` bound to listed values (rules without ``RuleCondition``)."""
    out: dict[str, list[Any]] = {}
    rules = template.get("Rules")
    for rule in (rules.values() if isinstance(rules, Mapping) else ()):
        if not isinstance(rule, Mapping) or "RuleCondition" in rule or not isinstance(rule.get("Assertions"), list):
            continue
        for a in rule["Assertions"]:
            if isinstance(a, Mapping):
                _assertion(a.get("Assert"), out)
    return out


_LITERAL = re.compile(r"(?:[A-Za-z0-9_:/ -]|\\[.\-/])+")


def _pattern_values(pattern: Any) -> list[str] | None:
    """The values an ``AllowedPattern`` that only lists literals accepts (``^(A|B)$``), else ``None``.

    CloudFormation matches the pattern against the whole value (each member of a
    ``CommaDelimitedList``), so anchors change nothing.
    """
    if not isinstance(pattern, str):
        return None
    body = pattern[1:] if pattern.startswith("^") else pattern
    body = body[:-1] if body.endswith("$") and not body.endswith("\\$") else body
    for opening in ("(?:", "("):
        if body.startswith(opening) and body.endswith(")") and body.count("(") == 1:
            body = body[len(opening):-1]
    alternatives = body.split("|")
    if not all(_LITERAL.fullmatch(a) for a in alternatives):
        return None
    return [re.sub(r"\\(.)", r"\1", a) for a in alternatives]


def _number(v: Any) -> float | None:
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _accepts(spec: Mapping[str, Any], value: str) -> bool:
    """Whether CloudFormation accepts ``value`` for a parameter of ``spec`` (its type and constraints);
    ``True`` when unsure (a pattern Python cannot read), so that no value is left out."""
    ptype = str(spec.get("Type", "String"))
    members = value.split(",") if ptype == "CommaDelimitedList" or ptype.startswith("List<") else [value]
    if ptype in ("Number", "List<Number>"):
        for m in members:
            x = _number(m)
            if x is None:
                return False
            low, high = _number(spec.get("MinValue")), _number(spec.get("MaxValue"))
            if (low is not None and x < low) or (high is not None and x > high):
                return False
    if ptype in ("String", "CommaDelimitedList") and isinstance(spec.get("AllowedPattern"), str):
        try:
            pattern = re.compile(spec["AllowedPattern"])
        except re.error:
            return True
        if not all(pattern.fullmatch(m) for m in members):
            return False
    if ptype == "String":
        low, high = _number(spec.get("MinLength")), _number(spec.get("MaxLength"))
        if (low is not None and len(value) < low) or (high is not None and len(value) > high):
            return False
    return True


def _is_list(spec: Mapping[str, Any]) -> bool:
    ptype = str(spec.get("Type", "String"))
    return ptype == "CommaDelimitedList" or ptype.startswith("List<")


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
        In the template's order; SSM parameter types are left out (read from
        Parameter Store at deployment: cannot be verified).
    """
    declared = template.get("Parameters")
    conditions = template.get("Conditions")
    if not isinstance(declared, Mapping):
        return []
    literals: dict[str, list[Any]] = {}
    in_conditions: set[str] = set()
    if isinstance(conditions, Mapping):
        _compared_literals(conditions, literals)
        _refs(conditions, in_conditions)
    mappings = template.get("Mappings")
    keys: dict[str, list[Any]] = {}
    if isinstance(mappings, Mapping):
        _map_keys({k: v for k, v in template.items() if k not in ("Mappings", "Parameters")}, mappings, keys)
    ruled = _rule_bounds(template)
    out: list[Option] = []
    for name, spec in declared.items():
        if name in given or not isinstance(spec, Mapping):
            continue
        ptype = str(spec.get("Type", "String"))
        if ptype.startswith("AWS::SSM::Parameter::Value"):
            continue
        default = spec.get("Default", _NO_DEFAULT)
        allowed = spec.get("AllowedValues")
        bounded: list[Any] | None = None
        if isinstance(allowed, list) and allowed and all(map(_scalar, allowed)):
            bounded = list(allowed)
        for more in (_pattern_values(spec.get("AllowedPattern")) if ptype in ("String", "CommaDelimitedList")
                     else None, ruled.get(name), keys.get(name)):
            if more is not None:
                bounded = list(more) if bounded is None else [v for v in bounded if v in more]
        if bounded is not None:
            values = list(dict.fromkeys(bounded))
            if _is_list(spec) and len(values) > 1:
                values = values + [",".join(str(v) for v in values)]  # each member alone, and all of them
            if default in values:
                values.remove(default)
            if default is not _NO_DEFAULT:
                values.insert(0, default)  # the default is a value the form offers even if a rule refuses it
            out.append(Option(name, tuple((v, _as_shown(spec, v)) for v in values), default, spec,
                              name in in_conditions))
            continue
        seen = list(dict.fromkeys(([default] if default is not _NO_DEFAULT else []) + literals.get(name, [])))
        if no_echo(spec):
            other = "any other value" if seen else "any value"
        else:
            other = "any value but " + ", ".join(repr(str(v)) for v in seen) if seen else "any value"
        out.append(Option(name, tuple((v, _as_shown(spec, v)) for v in seen) + ((CHOICE.format(name), other),),
                          default, spec, name in in_conditions))
    return out


def _as_shown(spec: Mapping[str, Any], value: Any) -> str:
    """``value`` as a finding shows it: never the value of a ``NoEcho`` parameter (a report goes to CI logs and code
    scanning, which CloudFormation's masking does not reach)."""
    return NO_ECHO_SHOWN if no_echo(spec) else str(value)


# --------------------------------------------------------------------------- fields the deployer's value reaches


@lru_cache(maxsize=None)
def _input_shape(operation: str) -> Any:
    from ..audit.service_model import _service_model

    model = _service_model()
    return model.operation_model(operation).input_shape if operation in model.operation_names else None


def closed_values(operation: str, parts: tuple[Any, ...]) -> tuple[str, ...] | None:
    """The values a request field can take when they are a closed set, else ``None``.

    botocore's SageMaker model: a string ``enum`` (``DirectInternetAccess``:
    ``Enabled``, ``Disabled``) or a ``boolean`` (``"true"``, ``"false"``, as a
    template parameter spells it). Any other value makes the request fail.

    Parameters
    ----------
    operation : str
        SageMaker operation (botocore's spelling).
    parts : tuple
        Path of the field in the request (``("DirectInternetAccess",)``).
    """
    shape = _input_shape(operation) if operation else None
    for p in parts:
        if shape is None:
            return None
        kind = shape.type_name
        if kind == "structure" and isinstance(p, str):
            shape = shape.members.get(p)
        elif kind == "list" and isinstance(p, int):
            shape = shape.member
        elif kind == "map" and isinstance(p, str):
            shape = shape.value
        else:
            return None
    if shape is None:
        return None
    if shape.type_name == "boolean":
        return ("true", "false")
    enum = getattr(shape, "enum", None)
    return tuple(enum) if shape.type_name == "string" and enum else None


def guarded_closed_values(operation: str, parts: tuple[Any, ...]) -> tuple[str, ...] | None:
    """:func:`closed_values` of a field the rule table guards (the fields
    :func:`safemaker.iac.decide_requests` reports an unknown value in), else ``None``.

    One test for both sides: a deploy-time choice in such a field is not reported as unknown
    (``_request``) because its values are decided here.
    """
    from ._request import _PRESENCE_RULES, _overlaps, _patterns

    if not operation or not any(_overlaps(parts, pat) and rid not in _PRESENCE_RULES
                                for pat, rid, _ in _patterns(operation)):
        return None
    return closed_values(operation, parts)


def _reason(names: list[str], specs: Mapping[str, Mapping[str, Any]]) -> str:
    described = "; ".join(f"{n}, a {specs.get(n, {}).get('Type', 'String')} parameter without AllowedValues"
                          for n in names)
    return f"decided at deploy time: whoever deploys the template chooses {described}"


def _fix(names: list[str]) -> str:
    shown = ", ".join(names)
    return (f"{shown} {'is' if len(names) == 1 else 'are'} decided at deploy time: give "
            f"{'it' if len(names) == 1 else 'each'} AllowedValues that the profile allows, write a fixed value "
            "instead of the parameter, or add a Rules assertion (Fn::Contains / Fn::EachMemberIn) that bounds "
            f"it; --parameter {names[0]}=VALUE decides one deployment")


def _guarded_as(operation: str, parts: tuple[Any, ...]) -> set[bool]:
    """How the rule table guards the request field at ``parts``: ``{True}`` a reference (it names a
    resource), ``{False}`` a field, empty: not guarded."""
    from ._request import _overlaps, _patterns

    return {res is not None for pat, _, res in _patterns(operation)
            if len(pat) == len(parts) and _overlaps(parts, pat)} if operation else set()


def _mark(value: Any, parts: tuple[Any, ...], operation: str, specs: Mapping[str, Mapping[str, Any]],
          closed: dict[str, set[str]]) -> Any:
    """``value`` with each text holding a parameter's "any other value" made an :class:`Unresolved`
    (names of resources it refers to are kept: they match the resource of the same name); the closed
    values of the fields it reaches are added to ``closed``."""
    if isinstance(value, str):
        names = list(dict.fromkeys(_CHOICE_RE.findall(value)))
        guarded = _guarded_as(operation, parts) if names else set()
        if not names or True in guarded:
            return value
        whole = _CHOICE_RE.fullmatch(value)
        u = Unresolved({"Ref": names[0]} if whole else _CHOICE_RE.sub(lambda m: "${" + m.group(1) + "}", value),
                       _reason(names, specs), choice=names[0] if whole else None, fix=_fix(names))
        allowed = guarded_closed_values(operation, parts) if whole else None
        if allowed is not None:
            closed.setdefault(names[0], set()).update(allowed)
        return u
    if isinstance(value, list):
        whole = [_CHOICE_RE.fullmatch(v) if isinstance(v, str) else None for v in value]
        if value and all(whole) and len({m.group(1) for m in whole if m}) == 1:
            name = whole[0].group(1)  # type: ignore[union-attr]
            return Unresolved({"Ref": name}, _reason([name], specs), fix=_fix([name]))  # a list parameter's value
        return [_mark(v, parts + (i,), operation, specs, closed) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: _mark(v, parts + (k,), operation, specs, closed) for k, v in value.items()}
    return value


_Build = Callable[[Mapping[str, Any]], "list[SourceRequest]"]
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
        ``build(values)`` -> the template's requests with those parameter values.
    decide : callable
        Requests -> findings (:func:`safemaker.iac.decide_requests` with the profile).

    Returns
    -------
    list[Finding]
        The findings of the defaults, then those only some choice causes (with
        ``location.when``), in the order first found.
    """
    specs = {o.name: o.spec for o in options}
    closed: dict[str, set[str]] = {}
    memo: dict[tuple[Any, ...], "list[Finding]"] = {}

    def run(choice: Mapping[str, Any]) -> "list[Finding]":
        key = tuple(sorted((n, repr(v)) for n, v in choice.items()))
        if key not in memo:
            requests = build(choice)
            for r in requests:
                r.params = _mark(r.params, (), r.operation, specs, closed)
            memo[key] = [_shown(f) for f in decide(requests)]
        return memo[key]

    defaults = {o.name: o.default for o in options if o.has_default}
    base = run(defaults)
    if not options:
        return base
    base_keys = {_key(f) for f in base}
    unknown = {o.name: Unresolved({"Ref": o.name}, "a value chosen at deployment") for o in options}
    all_unknown = {_key(f) for f in run(unknown)} if len(options) > 1 and any(o.in_conditions for o in options) \
        else set()
    matter: list[Option] = []
    for o in options:
        if not o.has_default:
            matter.append(o)
            continue
        # it matters when making it unknown changes a finding: with the others at their defaults, or with
        # the others unknown too (Fn::And of two parameters: neither alone changes the defaults' findings)
        if {_key(f) for f in run({**defaults, o.name: unknown[o.name]})} != base_keys or (
                len(options) > 1 and o.in_conditions
                and {_key(f) for f in run({**unknown, o.name: o.default})} != all_unknown):
            matter.append(o)
    if not matter:
        return base
    while True:  # ends: each pass adds values or parameters, of finite sets (enums, the template's parameters)
        # the free parameters left out take "any other value" in the choices (not their default): a field
        # that only some choice makes them reach (Fn::If on another parameter) shows up in `closed`
        rest = {o.name: CHOICE.format(o.name) for o in options if o.free and o.name not in {m.name for m in matter}}
        grouped = {o.name for o in matter if o.in_conditions or o.name in closed}
        out = _decide_matter(matter, grouped, {**defaults, **rest}, base, run)
        promoted = matter + [o for o in options if o.name in rest and o.name in closed]
        # the closed values (API enum, boolean) of the fields a free parameter's "any other value" reached
        # are values it can take: decide them too (the fields' UNKNOWN is left to these choices)
        grown = [replace(o, values=o.values[:-1] + tuple((v, v) for v in sorted(closed.get(o.name, ()))
                                                         if v not in dict(o.values) and _accepts(o.spec, v))
                         + o.values[-1:]) if o.free else o for o in promoted]
        if [(o.name, o.values) for o in grown] == [(o.name, o.values) for o in matter] \
                and grouped == {o.name for o in matter if o.in_conditions or o.name in closed}:
            break
        matter = grown
    return out


def _render(value: Any) -> Any:
    """``value`` with each "any other value" of a parameter written ``${Name}``, as ``Fn::Sub`` would."""
    if isinstance(value, str):
        return _CHOICE_RE.sub(lambda m: "${" + m.group(1) + "}", value)
    if isinstance(value, list):
        return [_render(v) for v in value]
    if isinstance(value, dict):
        return {k: _render(v) for k, v in value.items()}
    return value


def _shown(f: "Finding") -> "Finding":
    """A finding whose text holds a name the deployer chooses (a reference kept as text), rendered."""
    if not any(holds_choice(x) or (isinstance(x, (list, dict)) and holds_choice(repr(x)))
               for x in (f.found, f.fix, f.required_text, f.resource_arn, f.resource_name)):
        return f
    location = f.location
    if location is not None and holds_choice(location.logical_id):  # a loop's resource named by the deployer
        location = replace(location, logical_id=_render(location.logical_id))
    return replace(f, found=_render(f.found), fix=_render(f.fix), required_text=_render(f.required_text),
                   resource_arn=_render(f.resource_arn), resource_name=_render(f.resource_name), location=location)


def _decide_matter(matter: list[Option], grouped: set[str], defaults: Mapping[str, Any], base: "list[Finding]",
                   run: Callable[[Mapping[str, Any]], "list[Finding]"]) -> "list[Finding]":
    """The findings of every choice of the parameters that matter, labelled with the fewest-change choice.

    The ``grouped`` ones (a condition refers to them, or their value reaches a field with a closed set
    of values, maybe through a branch another parameter chooses) are combined; each other one changes
    only the fields it reaches, and is varied alone.
    """
    start = {o.name: (o.default if o.has_default else o.values[0][0]) for o in matter}
    group = [o for o in matter if o.name in grouped]
    alone = [o for o in matter if o.name not in grouped]
    if _product([len(o.values) for o in group]) <= MAX_COMBINATIONS:
        varied = [{**start, **dict(zip([o.name for o in group], vals))}
                  for vals in itertools.product(*[[v for v, _ in o.values] for o in group])]
    else:  # every pair of them in full (a branch one chooses, a value the other gives it), the rest at start
        varied = [{**start, o.name: v} for o in group for v, _ in o.values]
        varied += [{**start, a.name: va, b.name: vb} for a, b in itertools.combinations(group, 2)
                   for va, _ in a.values for vb, _ in b.values]
    varied += [{**start, o.name: v} for o in alone for v, _ in o.values]
    combos = list({tuple((n, repr(c[n])) for n in sorted(c)): c for c in varied}.values())
    shown = {o.name: dict(o.values) for o in matter}

    def changed(combo: Mapping[str, Any]) -> list[str]:
        # a parameter with one value (no Default, any value: its only choice) is no choice to name
        return [o.name for o in matter if len(o.values) > 1 and (not o.has_default or combo[o.name] != o.default)]

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
