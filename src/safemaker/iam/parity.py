"""Parity with the guard: for one request, whether the rendered guardrail denies exactly what
the guard refuses, and the rules IAM cannot express (:class:`BlindSpot`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from ..errors import MISSING, InputError, Violation
from ..rules import FieldRule, Guardrail, RULES, Target
from .. import paths as _paths
from .context import request_context, workteam_type, _anchor_matches
from .keys import condition_key_uses, KeyField, KeyUse, _deny_absent_uses, _key_fields, _kept_key_value_rule, _LIST_GUARDRAILS, _value_rule, _ValueRule

if TYPE_CHECKING:  # pragma: no cover
    from ..profile import VpcProfile

__all__ = ["BlindSpot", "ParityCase", "parity_case"]


class BlindSpot(str, Enum):
    """A rule the guard enforces that IAM cannot express, or the other way round.

    These are the reasons the client-side guard exists (``docs/iam.md``).
    """

    NO_CONDITION_KEY = "no-condition-key"
    """The field has no IAM condition key for the action (e.g. a ``VpcId`` member; the Service
    Authorization Reference lists the keys of each action): only the guard sees it."""
    EMBEDDED_REQUEST = "embedded-request"
    """A request inside the request (pipeline definition steps): IAM sees only the outer call."""
    REFERENCED_RESOURCE = "referenced-resource"
    """A resource the request names (the models of an endpoint config or transform job):
    IAM does not look at it; the guard checks it with Describe calls."""
    EMPTY_LIST = "empty-list"
    """An explicitly empty ID list the API accepts (Studio ``SecurityGroups: []``): it adds
    no value to the condition key, so IAM sees it as absent -- allowed where the field is
    optional (absent inherits the domain's groups); the guard refuses the empty list."""
    DUPLICATE_IDS = "duplicate-ids"
    """A repeated subnet or security group ID: IAM compares sets, repeats vanish."""
    PER_DEFINITION = "per-definition"
    """Several resource definitions in one request (tuning job ``TrainingJobDefinitions``):
    IAM sees one merged context, the guard checks each definition."""
    CONDITIONAL_REQUIREMENT = "conditional-requirement"
    """A field required only in one shape of the request: an endpoint config's own
    ``VpcConfig`` (inference components, i.e. no ``ModelName``), a monitoring
    schedule's inline ``MonitoringJobDefinition`` (it may instead name one with
    ``MonitoringJobDefinitionName``). IAM cannot tell the shapes apart, so it
    does not deny the key's absence; the guard refuses the insecure shape."""
    KMS_KEY_NOT_ARN = "kms-key-not-arn"
    """The profile names a KMS key by ID or alias: the condition keys compare key ARNs,
    so only the guard (exact match) enforces it."""
    NO_DEFINITION = "no-definition"
    """IAM stricter: a create request with no resource definition at all (a tuning job with
    neither ``TrainingJobDefinition`` nor ``TrainingJobDefinitions``) lacks the key, so IAM
    denies it; the guard has nothing to check (and the API rejects such a request anyway)."""


@dataclass(frozen=True)
class ParityCase:
    """What the guard and the rendered guardrail should each decide for one request.

    Attributes
    ----------
    operation : str
        The operation.
    violations : tuple[Violation, ...]
        :func:`safemaker.guard.check`'s violations (nothing injected).
    iam_visible : tuple[Violation, ...]
        The violations a rendered Deny statement expresses.
    blind : tuple[tuple[Violation, BlindSpot], ...]
        The violations only the guard can see, with the reason.
    iam_only : tuple[BlindSpot, ...]
        Reasons IAM denies a request the guard lets through (:attr:`BlindSpot.NO_DEFINITION`).
    """

    operation: str
    violations: tuple[Violation, ...]
    iam_visible: tuple[Violation, ...]
    blind: tuple[tuple[Violation, BlindSpot], ...]
    iam_only: tuple[BlindSpot, ...]

    @property
    def guard_refuses(self) -> bool:
        """``True`` when the guard refuses the request as given."""
        return bool(self.violations)

    @property
    def iam_denies(self) -> bool:
        """``True`` when the guardrail + pass-role policies must deny the request."""
        return bool(self.iam_visible) or bool(self.iam_only)

    @property
    def blind_spots(self) -> frozenset[BlindSpot]:
        """Every blind spot involved (guard-only and IAM-only)."""
        return frozenset(b for _, b in self.blind) | frozenset(self.iam_only)


_path_regex = _paths.path_regex


@lru_cache(maxsize=None)
def _field_patterns(operation: str) -> tuple[tuple[re.Pattern[str], Target, FieldRule], ...]:
    rule = RULES[operation]
    pats = []
    for target, f in rule.fields():
        anchor = _path_regex(target.anchor)
        field_re = _path_regex(f.path)
        pats.append((re.compile(f"^(?P<anchor>{anchor})" + (r"\." if anchor else "")
                                + f"{field_re}(?P<rest>(\\.|\\[).*)?$"), target, f))
    return tuple(pats)


def _locate(operation: str, path: str) -> tuple[str, Target, FieldRule, str] | None:
    """The (anchor path, target, field, rest) a violation path belongs to; the longest field path wins."""
    best: tuple[str, Target, FieldRule, str] | None = None
    for pat, target, f in _field_patterns(operation):
        m = pat.match(path)
        if m and (best is None or len(f.path) > len(best[2].path)):
            best = (m.group("anchor"), target, f, m.group("rest") or "")
    return best


def _violation_keys(f: FieldRule, rest: str) -> list[tuple[str, str | None]]:
    """The (key, member) a violation of field ``f`` at sub-path ``rest`` is about."""
    if f.guardrail is Guardrail.VPC_CONFIG:
        keys: list[tuple[str, str | None]] = []
        if rest == "" or rest.startswith(".Subnets"):
            if f.iam_condition_key:
                keys.append((f.iam_condition_key, "Subnets"))
        if rest == "" or rest.startswith(".SecurityGroupIds"):
            if f.iam_condition_key_2:
                keys.append((f.iam_condition_key_2, "SecurityGroupIds"))
        return keys
    return [(f.iam_condition_key, None)] if f.iam_condition_key else []


def _classify(operation: str, v: Violation, profile: "VpcProfile", ctx: Mapping[str, Any],
              uses: Mapping[str, tuple[KeyUse, ...]]) -> BlindSpot | None:
    """``None`` when a rendered statement denies the violation, else the blind spot."""
    rule = RULES.get(operation)
    if rule is None or rule.unsupported:
        # DenyOperationsThatCannotRunClosed: every refused operation (rules_classification.REFUSED too)
        return None
    embedded = [m for m in (getattr(rule, "definition", None), getattr(rule, "definition_location", None)) if m]
    if any(v.path == m or v.path.startswith((m + ".", m + "[")) for m in embedded):
        return BlindSpot.EMBEDDED_REQUEST
    if v.rule_id == Guardrail.ROLE_ARN.value:
        return None  # the pass-role policy denies iam:PassRole of that role
    if v.rule_id == Guardrail.REFERENCE.value or " -> " in v.path:
        return BlindSpot.REFERENCED_RESOURCE  # "<path> -> Describe<Resource>(...)": a referenced resource's field
    located = _locate(operation, v.path)
    if located is None:
        return BlindSpot.EMBEDDED_REQUEST
    _, target, f, rest = located
    if f.guardrail is Guardrail.UNSUPPORTED:
        # a field refused when present: denied when a key present with it is rendered (FieldRule.iam_members)
        keys = [kf.key for kf in _key_fields(RULES[operation]) if kf.field is f and kf.key in ctx]
        if keys and any(_value_rule(kf, profile) is not None
                        for kf in _key_fields(RULES[operation]) if kf.field is f and kf.key in keys):
            return None
        return BlindSpot.NO_CONDITION_KEY
    if f.guardrail is Guardrail.WORKTEAM:
        # IAM sees the type in the ARN (sagemaker:WorkteamType), not the ARN: a value without a type
        # (not arn:...:workteam/<type>/<name>) gives IAM no key to compare
        return None if workteam_type(v.found) is not None else BlindSpot.NO_CONDITION_KEY
    keys = _violation_keys(f, rest)
    if not keys:
        return BlindSpot.NO_CONDITION_KEY
    rendered: list[tuple[str, _ValueRule]] = []
    for key, member in keys:
        rule = _value_rule(KeyField(operation, key, target, f, member), profile)
        if rule is not None:
            rendered.append((key, rule))
    if not rendered:
        if f.guardrail in (Guardrail.VOLUME_KMS_KEY, Guardrail.OUTPUT_KMS_KEY):
            return BlindSpot.KMS_KEY_NOT_ARN
        raise AssertionError(f"{operation} {v.path}: the guard refused ({v.rule_id}) a rule the profile "
                             "does not render")  # pragma: no cover - guard and renderer disagree on the profile
    if v.found is MISSING or (f.guardrail in _LIST_GUARDRAILS and v.found == []):
        # An empty list (where the API model allows one) adds nothing to the key: as absent.
        deny_absent = {u.key for key, _ in rendered for u in uses.get(key, ()) if u.operation == operation
                       and u.deny_absent}
        if any(key not in ctx and key in deny_absent for key, _ in rendered):
            return None
        if any(key in ctx for key, _ in rendered):
            return BlindSpot.PER_DEFINITION
        if v.found == []:
            return BlindSpot.EMPTY_LIST
        why = {u.absent_allowed for key, _ in rendered for u in uses.get(key, ()) if u.operation == operation}
        if why & {"conditional", "by-reference"}:
            return BlindSpot.CONDITIONAL_REQUIREMENT
        raise AssertionError(f"{operation} {v.path}: absent, not denied by IAM, and no blind spot "
                             "explains it")  # pragma: no cover - a gap in the renderer
    key, rule = rendered[0]
    if f.guardrail in _LIST_GUARDRAILS:
        if not isinstance(v.found, str):
            raise InputError(f"{operation} {v.path}", v.found, "a request the API accepts")
        if v.found in rule.values:
            return BlindSpot.DUPLICATE_IDS  # an allowed ID refused: it is repeated
        return None  # a foreign ID: in the context's set, ForAnyValue:StringNotEquals fires
    if ctx.get(key, MISSING) == v.found and type(ctx.get(key)) is type(v.found):
        return None
    return BlindSpot.PER_DEFINITION


def _no_definition(operation: str, params: Mapping[str, Any], ctx: Mapping[str, Any], profile: "VpcProfile") -> bool:
    """Does IAM deny the request for a key the guardrail requires that no definition in it gives?"""
    for key, key_uses, u in _deny_absent_uses(operation):
        if key in ctx:
            continue
        if _kept_key_value_rule(key, key_uses, profile) is None:
            continue
        if not any(_anchor_matches(params, kf.target.anchor) for kf in u.fields if kf.absence_refused):
            return True
    return False


def parity_case(operation: str, params: Mapping[str, Any], profile: "VpcProfile", *,
                violations: Sequence[Violation] | None = None) -> ParityCase:
    """Classify a request: what the guard refuses, and which of it IAM can deny.

    The guard's own verdict is :func:`safemaker.guard.check` (the request as
    given, nothing injected, references not followed). Each violation is
    either expressed by a rendered statement (``iam_visible``) or listed with
    the :class:`BlindSpot` that hides it from IAM. The guardrail and pass-role
    policies must then deny the request's :func:`authorization_requests`
    exactly when :attr:`ParityCase.iam_denies`; the parity test checks that
    with :mod:`safemaker.iam.evaluator`.

    Parameters
    ----------
    operation : str
        SageMaker operation.
    params : Mapping[str, Any]
        A request that botocore's model accepts (requests the API rejects
        never reach IAM).
    profile : VpcProfile
        The profile both sides use.
    violations : Sequence[Violation], optional
        The violations to classify instead of :func:`safemaker.guard.check`'s,
        e.g. those of a :class:`~safemaker.errors.GuardrailViolation` the hooks
        raised, which include the referenced resources' fields
        (:attr:`BlindSpot.REFERENCED_RESOURCE`).

    Returns
    -------
    ParityCase

    Raises
    ------
    safemaker.errors.InputError
        (a ``ValueError``) A violation shows a request the API model rejects (an ID list that is
        not a list of strings).
    """
    from ..guard import check

    violations = tuple(check(operation, params, profile) if violations is None else violations)
    ctx = request_context(operation, params)
    uses = condition_key_uses()
    visible: list[Violation] = []
    blind: list[tuple[Violation, BlindSpot]] = []
    for v in violations:
        spot = _classify(operation, v, profile, ctx, uses)
        if spot is None:
            visible.append(v)
        else:
            blind.append((v, spot))
    rule = RULES.get(operation)
    iam_only: tuple[BlindSpot, ...] = ()
    if rule is not None and not rule.unsupported and _no_definition(operation, params, ctx, profile):
        iam_only = (BlindSpot.NO_DEFINITION,)
    return ParityCase(operation, violations, tuple(visible), tuple(blind), iam_only)
