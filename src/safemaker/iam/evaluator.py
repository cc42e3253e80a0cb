"""A small IAM policy evaluator, limited to what safemaker's policies (and the seed's) use.

It decides ``allowed`` / ``explicitDeny`` / ``implicitDeny`` (the words of
IAM's own ``SimulateCustomPolicy`` ``EvalDecision``) for one
:class:`AuthorizationRequest` against a set of identity-based policies. It
exists to prove, offline, that the policies :mod:`safemaker.iam` renders deny
exactly what the guard refuses (see ``docs/iam.md``); ``safemaker policy
simulate`` checks the same decisions against IAM itself where credentials
are present.

Written from the IAM User Guide (https://docs.aws.amazon.com/IAM/latest/UserGuide/):

- *Policy evaluation logic* (``reference_policies_evaluation-logic.html``):
  an explicit Deny in any policy wins; otherwise an Allow allows; otherwise
  the request is implicitly denied.
- *Condition operators* (``reference_policies_elements_condition_operators.html``):
  several operators in one ``Condition`` block are ANDed, several keys under
  one operator are ANDed, several values for one key are ORed (NOR for a
  negated operator). A key absent from the request context makes a positive
  operator false and a negated one (``StringNotEquals``, ``ArnNotLike``...)
  true; ``...IfExists`` makes any operator true when the key is absent;
  ``Null`` tests presence itself (``true``: the key is absent).
- *Single-valued vs. multivalued context keys*
  (``reference_policies_condition-single-vs-multi-valued-context-keys.html``):
  ``ForAnyValue:`` is true when at least one request value matches and false
  when the key is absent or empty; ``ForAllValues:`` is true when every request
  value matches, and also when the key is absent or empty. A set operator on a
  single-valued key treats the one value as a set of one.
- ``Action`` / ``NotAction`` match case-insensitively with ``*`` and ``?``
  wildcards; ``Resource`` / ``NotResource`` match case-sensitively with the
  same wildcards (a ``*`` may span ``:`` and ``/``); the ``Arn*`` operators
  match case-sensitively per colon-separated ARN component (``ArnEquals``
  behaves as ``ArnLike``, as the documentation says).

Anything outside this subset (another operator, a ``Principal``, a policy
variable, a non-set operator on a multivalued key) raises
:class:`PolicyEvaluationError` rather than guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from collections.abc import Mapping  # isinstance checks: the abc's C check, not typing's slower alias
from typing import Any, Iterable, Literal, Sequence, Union

from ..errors import PolicyEvaluationError

__all__ = [
    "AuthorizationRequest",
    "ContextValue",
    "Decision",
    "Evaluation",
    "MatchedStatement",
    "PolicyEvaluationError",
    "PolicySet",
    "SUPPORTED_OPERATORS",
    "evaluate",
    "statement_applies",
    "condition_holds",
]

ContextValue = Union[str, bool, int, Sequence[str], Sequence[bool]]
"""A request context value: one string, boolean or integer (single-valued key; an integer is a ``Numeric`` key,
which only ``Null`` reads here), or a list (multivalued key)."""

Decision = Literal["allowed", "explicitDeny", "implicitDeny"]
"""The decision, in the words of IAM's ``SimulateCustomPolicy`` ``EvalDecision``."""

_STRING_OPS = {
    "StringEquals": ("string", False),
    "StringNotEquals": ("string", True),
    "StringEqualsIgnoreCase": ("string-ci", False),
    "StringNotEqualsIgnoreCase": ("string-ci", True),
    "StringLike": ("like", False),
    "StringNotLike": ("like", True),
    "ArnEquals": ("arn", False),
    "ArnLike": ("arn", False),
    "ArnNotEquals": ("arn", True),
    "ArnNotLike": ("arn", True),
    "Bool": ("bool", False),
}

SUPPORTED_OPERATORS: frozenset[str] = frozenset(_STRING_OPS) | {"Null"}
"""Base condition operators the evaluator implements. Each (except ``Null``) also
takes the ``IfExists`` suffix and the ``ForAnyValue:`` / ``ForAllValues:`` prefixes."""

_SET_PREFIXES = ("ForAnyValue:", "ForAllValues:")


@dataclass(frozen=True)
class AuthorizationRequest:
    """One request as IAM authorizes it.

    Attributes
    ----------
    action : str
        ``"<service>:<Action>"``, e.g. ``"sagemaker:CreateTrainingJob"``.
    resource : str, default ``"*"``
        The resource ARN (``"*"`` for actions without resource-level permissions).
    context : Mapping[str, ContextValue]
        Request context keys (case-insensitive names) and their values; a key
        that is not in the mapping is absent. Lists are multivalued keys.
    """

    action: str
    resource: str = "*"
    context: Mapping[str, ContextValue] = field(default_factory=dict)


@dataclass(frozen=True)
class MatchedStatement:
    """A statement that applied to the request.

    Attributes
    ----------
    policy : int
        Index of the policy in the list given to :func:`evaluate`.
    statement : int
        Index of the statement in the policy.
    sid : str or None
        The statement's ``Sid``.
    effect : {"Allow", "Deny"}
        Its effect.
    """

    policy: int
    statement: int
    sid: str | None
    effect: str


@dataclass(frozen=True)
class Evaluation:
    """The decision for one request, and the statements that produced it.

    Attributes
    ----------
    request : AuthorizationRequest
        The request evaluated.
    decision : Decision
        ``"explicitDeny"`` when a Deny statement applies, else ``"allowed"`` when
        an Allow statement applies, else ``"implicitDeny"``.
    matched : tuple[MatchedStatement, ...]
        Every statement that applied (Deny and Allow), in policy order.
    """

    request: AuthorizationRequest
    decision: Decision
    matched: tuple[MatchedStatement, ...]

    @property
    def explicitly_denied(self) -> bool:
        """``True`` when a Deny statement applies."""
        return self.decision == "explicitDeny"

    @property
    def denying_sids(self) -> tuple[str | None, ...]:
        """Sids of the Deny statements that apply."""
        return tuple(m.sid for m in self.matched if m.effect == "Deny")


# --------------------------------------------------------------------------- matching helpers


@lru_cache(maxsize=4096)
def _wildcard_regex(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{body}$", re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def _like(value: str, pattern: str, ignore_case: bool = False) -> bool:
    return bool(_wildcard_regex(pattern, ignore_case).match(value))


def _arn_like(value: str, pattern: str) -> bool:
    """ARN match per component (the first five colons separate components)."""
    if pattern == "*":
        return True
    v_parts = value.split(":", 5)
    p_parts = pattern.split(":", 5)
    if len(v_parts) != 6 or len(p_parts) != 6:
        return False
    return all(_like(v, p) for v, p in zip(v_parts, p_parts))


def _as_list(value: Any, where: str, name: str) -> list[Any]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return list(value)
    raise PolicyEvaluationError(where, f"{name} must be a string or a list of strings, found {value!r}")


def _bool_text(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower()
    raise PolicyEvaluationError(where, f"Bool/Null value must be true or false, found {value!r}")


def _check_no_variable(value: Any, where: str) -> None:
    if isinstance(value, str) and "${" in value:
        raise PolicyEvaluationError(where, f"policy variables are not supported ({value!r})")


def _values_match(kind: str, request_value: Any, policy_value: Any, where: str) -> bool:
    """Does one request value match one policy value under a base operator kind?"""
    if kind == "bool":
        try:
            return _bool_text(request_value, where) == _bool_text(policy_value, where)
        except PolicyEvaluationError:
            return False  # a request value that is not a boolean never matches
    if not isinstance(request_value, str):
        request_value = _bool_text(request_value, where) if isinstance(request_value, bool) else str(request_value)
    if not isinstance(policy_value, str):
        policy_value = _bool_text(policy_value, where) if isinstance(policy_value, bool) else str(policy_value)
    if kind == "string":
        return request_value == policy_value
    if kind == "string-ci":
        return request_value.lower() == policy_value.lower()
    if kind == "like":
        return _like(request_value, policy_value)
    if kind == "arn":
        return _arn_like(request_value, policy_value)
    raise AssertionError(kind)  # pragma: no cover - table covers every kind


# --------------------------------------------------------------------------- conditions


def _parse_operator(name: str, where: str) -> tuple[str | None, str, bool]:
    """``"ForAnyValue:StringNotEqualsIfExists"`` -> ``("ForAnyValue:", "StringNotEquals", True)``."""
    parsed = _operator_parts(name)
    if isinstance(parsed, str):
        raise PolicyEvaluationError(where, parsed)
    return parsed


@lru_cache(maxsize=256)
def _operator_parts(name: str) -> tuple[str | None, str, bool] | str:
    """:func:`_parse_operator`'s result, or the problem to report (the same for every place)."""
    prefix: str | None = None
    base = name
    for p in _SET_PREFIXES:
        if name.startswith(p):
            prefix, base = p, name[len(p):]
            break
    if_exists = base.endswith("IfExists")
    if if_exists:
        base = base[: -len("IfExists")]
    if base not in SUPPORTED_OPERATORS:
        return (f"condition operator {name!r} is not supported "
                f"(supported: {', '.join(sorted(SUPPORTED_OPERATORS))})")
    if base == "Null" and (prefix or if_exists):
        return f"{name!r}: Null takes neither a set prefix nor IfExists"
    return prefix, base, if_exists


def _lowered(context: Mapping[str, ContextValue]) -> dict[str, ContextValue]:
    """The context by lowered key name (the first of keys that differ only in case, as IAM reads one)."""
    lowered: dict[str, ContextValue] = {}
    for k, v in context.items():
        lowered.setdefault(k.lower(), v)
    return lowered


def _lookup(lowered: Mapping[str, ContextValue], key: str) -> tuple[bool, Any]:
    """``(present, value)`` for a case-insensitive key of a :func:`_lowered` context; ``None`` and
    empty lists count as absent."""
    v = lowered.get(key.lower())
    if v is None or (isinstance(v, (list, tuple)) and len(v) == 0):
        return False, None
    return True, v


def _key_holds(operator: str, key: str, policy_values: Any, context: Mapping[str, ContextValue],
               where: str) -> bool:
    """One key of one operator; ``context`` is :func:`_lowered`."""
    prefix, base, if_exists = _parse_operator(operator, where)
    values = _as_list(policy_values, where, f"the value of {key}") if not isinstance(policy_values, bool) \
        else [policy_values]
    for v in values:
        _check_no_variable(v, where)
    present, request_value = _lookup(context, key)

    if base == "Null":
        if len(values) != 1:
            raise PolicyEvaluationError(where, f"Null takes one value for {key}, found {values!r}")
        wants_absent = _bool_text(values[0], where) == "true"
        return (not present) if wants_absent else present

    kind, negated = _STRING_OPS[base]
    multivalued = isinstance(request_value, (list, tuple))

    if prefix is None:
        if not present:
            return True if if_exists else negated
        if multivalued:
            raise PolicyEvaluationError(
                where, f"{operator} on the multivalued key {key} needs ForAnyValue: or ForAllValues:")
        matched = any(_values_match(kind, request_value, pv, where) for pv in values)
        return not matched if negated else matched

    # Set operators: the request value is a set (a single value is a set of one).
    if not present:
        if if_exists:
            return True
        return prefix == "ForAllValues:"
    members = list(request_value) if multivalued else [request_value]

    def member_holds(member: Any) -> bool:
        matched = any(_values_match(kind, member, pv, where) for pv in values)
        return not matched if negated else matched

    if prefix == "ForAnyValue:":
        return any(member_holds(m) for m in members)
    return all(member_holds(m) for m in members)


def condition_holds(condition: Mapping[str, Mapping[str, Any]], context: Mapping[str, ContextValue],
                    *, where: str = "Condition") -> bool:
    """Evaluate a ``Condition`` block against a request context.

    Parameters
    ----------
    condition : Mapping[str, Mapping[str, Any]]
        ``{operator: {key: value or [values]}}``.
    context : Mapping[str, ContextValue]
        The request context (absent keys are simply not in it).
    where : str, optional
        Location used in error messages.

    Returns
    -------
    bool
        ``True`` when every operator and every key holds (logical AND).

    Raises
    ------
    PolicyEvaluationError
        An unsupported operator, a policy variable, a malformed block, or a
        non-set operator on a multivalued request key.
    """
    return _condition_holds(condition, _lowered(context), where)


def _condition_holds(condition: Mapping[str, Mapping[str, Any]], context: Mapping[str, ContextValue],
                     where: str) -> bool:
    """:func:`condition_holds` on a :func:`_lowered` context."""
    if not isinstance(condition, Mapping):
        raise PolicyEvaluationError(where, f"Condition must be an object, found {condition!r}")
    for operator, pairs in condition.items():
        if not isinstance(pairs, Mapping) or not pairs:
            raise PolicyEvaluationError(f"{where}.{operator}", "must be a non-empty object of key: value")
        for key, policy_values in pairs.items():
            if not _key_holds(operator, key, policy_values, context, f"{where}.{operator}.{key}"):
                return False
    return True


@lru_cache(maxsize=4096)
def _pattern_set(patterns: tuple[str, ...],
                 ignore_case: bool) -> tuple[bool, frozenset[str], re.Pattern[str] | None]:
    """``(matches everything, exact values, one regex of the wildcard patterns)`` for a list of patterns.

    The same decision as matching each pattern's :func:`_wildcard_regex` in turn: a pattern without
    ``*`` or ``?`` is a plain string (compared lowered when ``ignore_case``; a non-ASCII one goes to
    the regex, whose case folding is Unicode's), the others are one alternation."""
    exact: set[str] = set()
    wild: list[str] = []
    for p in patterns:
        if p == "*":
            return True, frozenset(), None
        if "*" in p or "?" in p or (ignore_case and not p.isascii()):
            wild.append(p)
        else:
            exact.add(p.lower() if ignore_case else p)
    regex = None
    if wild:
        body = "|".join(_wildcard_regex(p, ignore_case).pattern[1:-1] for p in wild)
        regex = re.compile(f"^(?:{body})$", re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)
    return False, frozenset(exact), regex


def _matches_any(patterns: Any, value: str, *, action: bool, where: str, name: str) -> bool:
    """Does ``value`` match one of ``patterns`` (a string or a list: ``Action``, ``Resource``...)?"""
    if isinstance(patterns, str):
        key: tuple[str, ...] = (patterns,)
    elif isinstance(patterns, (list, tuple)):
        key = tuple(patterns)
    else:
        _as_list(patterns, where, name)  # raises
        raise AssertionError(patterns)  # pragma: no cover
    return _matches_pattern_set(_pattern_set(key, action), value, action)


def _matches_pattern_set(patterns: tuple[bool, frozenset[str], re.Pattern[str] | None], value: str,
                         action: bool) -> bool:
    """:func:`_matches_any` on the :func:`_pattern_set` of the patterns."""
    everything, exact, regex = patterns
    if everything:
        return True
    if exact:
        if value.isascii() and not value.endswith("\n"):  # else only a regex decides as the patterns' own
            if (value.lower() if action else value) in exact:
                return True
        elif any(_wildcard_regex(p, action).match(value) for p in exact):
            return True
    return regex is not None and regex.match(value) is not None


def statement_applies(statement: Mapping[str, Any], request: AuthorizationRequest, *,
                      where: str = "statement") -> bool:
    """Does a statement apply to a request (action, resource and condition all match)?

    Parameters
    ----------
    statement : Mapping[str, Any]
        One policy statement (``Effect``, ``Action``/``NotAction``,
        ``Resource``/``NotResource``, optional ``Condition`` and ``Sid``).
    request : AuthorizationRequest
        The request.
    where : str, optional
        Location used in error messages.

    Returns
    -------
    bool

    Raises
    ------
    PolicyEvaluationError
        The statement is malformed or uses an unsupported element
        (``Principal``/``NotPrincipal``: these are identity-based policies).
    """
    return _statement_applies(statement, request, None, where)


def _statement_applies(statement: Mapping[str, Any], request: AuthorizationRequest,
                       context: Mapping[str, ContextValue] | None, where: str) -> bool:
    """:func:`statement_applies` with the request's :func:`_lowered` context (made here when ``None``)."""
    for bad in ("Principal", "NotPrincipal"):
        if bad in statement:
            raise PolicyEvaluationError(where, f"{bad} is not supported (identity-based policies only)")
    if statement.get("Effect") not in ("Allow", "Deny"):
        raise PolicyEvaluationError(where, f"Effect must be 'Allow' or 'Deny', found {statement.get('Effect')!r}")
    if ("Action" in statement) == ("NotAction" in statement):
        raise PolicyEvaluationError(where, "exactly one of Action and NotAction is required")
    if ("Resource" in statement) == ("NotResource" in statement):
        raise PolicyEvaluationError(where, "exactly one of Resource and NotResource is required")

    if "Action" in statement:
        if not _matches_any(statement["Action"], request.action, action=True, where=where, name="Action"):
            return False
    elif _matches_any(statement["NotAction"], request.action, action=True, where=where, name="NotAction"):
        return False

    if "Resource" in statement:
        if not _matches_any(statement["Resource"], request.resource, action=False, where=where, name="Resource"):
            return False
    elif _matches_any(statement["NotResource"], request.resource, action=False, where=where, name="NotResource"):
        return False

    if "Condition" in statement:
        if context is None:
            context = _lowered(request.context)
        return _condition_holds(statement["Condition"], context, f"{where}.Condition")
    return True


def _statements(policy: Mapping[str, Any], where: str) -> list[Mapping[str, Any]]:
    if not isinstance(policy, Mapping) or "Statement" not in policy:
        raise PolicyEvaluationError(where, "a policy document needs a Statement")
    version = policy.get("Version")
    if version not in (None, "2012-10-17", "2008-10-17"):
        raise PolicyEvaluationError(where, f"unknown Version {version!r}")
    stmts = policy["Statement"]
    if isinstance(stmts, Mapping):
        return [stmts]
    if isinstance(stmts, list) and all(type(s) is dict or isinstance(s, Mapping) for s in stmts):
        return stmts
    raise PolicyEvaluationError(where, "Statement must be an object or a list of objects")


def evaluate(policies: Iterable[Mapping[str, Any]] | "PolicySet", request: AuthorizationRequest) -> Evaluation:
    """Decide one request against identity-based policies.

    Parameters
    ----------
    policies : Iterable[Mapping[str, Any]] or PolicySet
        Policy documents (``{"Version": "2012-10-17", "Statement": [...]}``),
        all attached to the same principal; or a :class:`PolicySet` of them
        (the same decision, for many requests at less cost).
    request : AuthorizationRequest
        The action, resource and request context.

    Returns
    -------
    Evaluation
        ``explicitDeny`` if any Deny statement applies, else ``allowed`` if any
        Allow statement applies, else ``implicitDeny``; with every statement
        that applied.

    Raises
    ------
    PolicyEvaluationError
        A policy is malformed or uses something outside the supported subset.

    Examples
    --------
    >>> deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny",
    ...     "Action": "sagemaker:CreateModel", "Resource": "*",
    ...     "Condition": {"Null": {"sagemaker:VpcSubnets": "true"}}}]}
    >>> evaluate([deny], AuthorizationRequest("sagemaker:CreateModel")).decision
    'explicitDeny'
    """
    if isinstance(policies, PolicySet):
        return policies.evaluate(request)
    matched: list[MatchedStatement] = []
    context = _lowered(request.context)
    for pi, policy in enumerate(policies):
        for si, stmt in enumerate(_statements(policy, f"policy {pi}")):
            try:
                applies = _statement_applies(stmt, request, context, "")
            except PolicyEvaluationError:  # again, to say where (the name is made only when needed)
                _statement_applies(stmt, request, context, f"policy {pi}, statement {stmt.get('Sid', si)!r}")
                raise  # pragma: no cover - the same statement raises again
            if applies:
                matched.append(MatchedStatement(pi, si, stmt.get("Sid"), stmt["Effect"]))
    return _decided(request, matched)


def _decided(request: AuthorizationRequest, matched: list[MatchedStatement]) -> Evaluation:
    """The :class:`Evaluation` of the statements that applied (an explicit Deny wins, then an Allow)."""
    if any(m.effect == "Deny" for m in matched):
        decision: Decision = "explicitDeny"
    elif matched:
        decision = "allowed"
    else:
        decision = "implicitDeny"
    return Evaluation(request, decision, tuple(matched))


_NO_CONDITION = object()
"""A compiled statement without a ``Condition`` (one with ``"Condition": None`` is refused, as by evaluate)."""

_WELL_FORMED = ("Effect", "Action", "NotAction", "Resource", "NotResource", "Condition", "Sid")


def _compile_condition(condition: Any) -> tuple[tuple[Any, ...], ...] | None:
    """What :func:`_condition_holds` reads of a ``Condition`` block whatever the request, read once: per key, in
    order, ``(lowered key, True, wants absent)`` for ``Null`` and ``(lowered key, False, set prefix, IfExists,
    kind, negated, policy values)`` for the others. ``None`` when reading the block may raise (a malformed
    block, an unsupported operator, a policy variable, a bad ``Null`` value...): that block is always
    evaluated by :func:`_condition_holds`, which raises as before."""
    if not isinstance(condition, Mapping):
        return None
    checks: list[tuple[Any, ...]] = []
    for operator, pairs in condition.items():
        if not isinstance(pairs, Mapping) or not pairs or not isinstance(operator, str):
            return None
        parsed = _operator_parts(operator)
        if isinstance(parsed, str):
            return None
        prefix, base, if_exists = parsed
        for key, policy_values in pairs.items():
            if not isinstance(key, str):
                return None
            if isinstance(policy_values, (bool, str)):
                values: tuple[Any, ...] = (policy_values,)
            elif isinstance(policy_values, (list, tuple)):
                values = tuple(policy_values)
            else:
                return None
            if any(isinstance(v, str) and "${" in v for v in values):
                return None
            if base == "Null":
                if len(values) != 1:
                    return None
                v = values[0]
                if isinstance(v, bool):
                    text = "true" if v else "false"
                elif isinstance(v, str) and v.lower() in ("true", "false"):
                    text = v.lower()
                else:
                    return None
                checks.append((key.lower(), True, text == "true"))
                continue
            kind, negated = _STRING_OPS[base]
            checks.append((key.lower(), False, prefix, if_exists, kind, negated, values))
    return tuple(checks)


def _compiled_condition_holds(condition: tuple[Any, Any], context: Mapping[str, ContextValue]) -> bool:
    """:func:`_condition_holds` of a :class:`PolicySet` entry's ``(block, _compile_condition(block))`` on a
    :func:`_lowered` context: the same result, and the same error (the block is then evaluated again by
    :func:`_condition_holds`, which raises at the same key)."""
    block, checks = condition
    if checks is None:
        return _condition_holds(block, context, ".Condition")
    for check in checks:
        v = context.get(check[0])
        present = not (v is None or (isinstance(v, (list, tuple)) and len(v) == 0))
        if check[1]:  # Null
            if present if check[2] else not present:
                return False
            continue
        _, _, prefix, if_exists, kind, negated, values = check
        if not present:
            if if_exists or (negated if prefix is None else prefix == "ForAllValues:"):
                continue
            return False
        multivalued = isinstance(v, (list, tuple))
        if prefix is None:
            if multivalued:
                return _condition_holds(block, context, ".Condition")  # raises: needs a set operator
            if any(_values_match(kind, v, pv, "") for pv in values) == negated:
                return False
            continue
        members = v if multivalued else (v,)
        if prefix == "ForAnyValue:":
            holds = any(any(_values_match(kind, m, pv, "") for pv in values) != negated for m in members)
        else:
            holds = all(any(_values_match(kind, m, pv, "") for pv in values) != negated for m in members)
        if not holds:
            return False
    return True


class PolicySet:
    """Policies read once, for many :func:`evaluate` calls: the same decisions, at less cost per request.

    ``evaluate(PolicySet(policies), request)`` returns what ``evaluate(policies, request)``
    returns and raises what it raises, at the same statement (errors are still found while
    a request is evaluated, so they can depend on it as before). The set holds a deep copy
    of the policies made when it is created (changing them afterwards changes nothing), with
    each statement's ``Action`` / ``NotAction`` and ``Resource`` / ``NotResource`` patterns
    compiled once instead of at every request, and the statements whose action and resource
    match a request's kept per action and resource (at most 1,024 pairs, then all forgotten at
    once): a request's conditions are read only in the statements that name its action.

    Parameters
    ----------
    policies : Iterable[Mapping[str, Any]]
        Policy documents, as :func:`evaluate` takes them.

    Raises
    ------
    PolicyEvaluationError
        Never here: a malformed policy raises when a request is evaluated, as :func:`evaluate`.
    """

    __slots__ = ("_entries", "_matching")

    def __init__(self, policies: Iterable[Mapping[str, Any]]) -> None:
        import copy

        entries: list[tuple[Any, ...]] = []
        for pi, policy in enumerate(copy.deepcopy(list(policies))):
            try:
                statements = _statements(policy, f"policy {pi}")
            except PolicyEvaluationError:
                entries.append((pi, None, policy, None, None, None))  # raises again at evaluation
                continue
            for si, stmt in enumerate(statements):
                entries.append((pi, si, stmt, *self._compiled(stmt)))
        self._entries = tuple(entries)
        self._matching: dict[tuple[str, str], tuple[tuple[Any, ...], ...]] = {}

    @staticmethod
    def _compiled(stmt: Mapping[str, Any]) -> tuple[Any, Any, Any]:
        """``(action, resource, condition)`` of a plain statement, the first two as ``(negated, pattern set)``, the
        condition as ``(block, _compile_condition(block))`` (or ``_NO_CONDITION``);
        ``(None, None, None)`` for a statement that :func:`_statement_applies` must decide (and may refuse)."""
        if not isinstance(stmt, dict) or any(k not in _WELL_FORMED for k in stmt) \
                or stmt.get("Effect") not in ("Allow", "Deny") \
                or ("Action" in stmt) == ("NotAction" in stmt) or ("Resource" in stmt) == ("NotResource" in stmt):
            return None, None, None
        compiled = []
        for positive, negative, action in (("Action", "NotAction", True), ("Resource", "NotResource", False)):
            patterns = stmt[positive] if positive in stmt else stmt[negative]
            if isinstance(patterns, str):
                key: tuple[str, ...] = (patterns,)
            elif isinstance(patterns, (list, tuple)) and all(isinstance(p, str) for p in patterns):
                key = tuple(patterns)
            else:
                return None, None, None
            compiled.append((negative in stmt, _pattern_set(key, action)))
        if "Condition" not in stmt:
            return compiled[0], compiled[1], _NO_CONDITION
        return compiled[0], compiled[1], (stmt["Condition"], _compile_condition(stmt["Condition"]))

    def _matching_entries(self, action: str, resource: str) -> tuple[tuple[Any, ...], ...]:
        """The entries that may apply to a request for ``action`` on ``resource``, in order: every entry
        whose action and resource patterns match them, and every entry that is not compiled (a malformed
        policy or statement, which raises at evaluation as before). A compiled entry left out does not
        apply whatever the request's context (its condition is never read), so leaving it out changes
        neither the decision nor which error is raised first."""
        key = (action, resource)
        hit = self._matching.get(key)
        if hit is None:
            hit = tuple(e for e in self._entries if e[3] is None or (
                _matches_pattern_set(e[3][1], action, True) != e[3][0]
                and _matches_pattern_set(e[4][1], resource, False) != e[4][0]))
            if len(self._matching) >= 1024:
                self._matching.clear()
            self._matching[key] = hit
        return hit

    def evaluate(self, request: AuthorizationRequest) -> Evaluation:
        """:func:`evaluate` of these policies for one request."""
        matched: list[MatchedStatement] = []
        context = _lowered(request.context)
        known = request.action.__class__ is str and request.resource.__class__ is str
        entries = self._matching_entries(request.action, request.resource) if known else self._entries
        for pi, si, stmt, action, resource, condition in entries:
            if si is None:
                _statements(stmt, f"policy {pi}")  # raises, as evaluate does for this policy
                raise AssertionError(stmt)  # pragma: no cover
            try:
                if action is None:
                    applies = _statement_applies(stmt, request, context, "")
                elif known:  # the action and the resource match (_matching_entries)
                    applies = condition is _NO_CONDITION or _compiled_condition_holds(condition, context)
                else:
                    applies = (_matches_pattern_set(action[1], request.action, True) != action[0]
                               and _matches_pattern_set(resource[1], request.resource, False) != resource[0]
                               and (condition is _NO_CONDITION or _compiled_condition_holds(condition, context)))
            except PolicyEvaluationError:  # again, to say where (as evaluate)
                _statement_applies(stmt, request, context, f"policy {pi}, statement {stmt.get('Sid', si)!r}")
                raise  # pragma: no cover - the same statement raises again
            if applies:
                matched.append(MatchedStatement(pi, si, stmt.get("Sid"), stmt["Effect"]))
        return _decided(request, matched)
