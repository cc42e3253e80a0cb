"""The IAM condition keys of the rule table: which request fields feed each key
(:func:`condition_key_uses`), and what a present but wrong value is for a profile."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence

from ..errors import UnexpressibleRuleError
from ..rules import FieldRule, Guardrail, OperationRule, RULES, Target
from .constants import _KMS_KEY_ARN_RE

if TYPE_CHECKING:  # pragma: no cover
    from ..profile import VpcProfile

__all__ = ["KeyField", "KeyUse", "condition_key_uses"]


@dataclass(frozen=True)
class KeyField:
    """One field of the rule table that feeds an IAM condition key.

    Attributes
    ----------
    operation : str
        The operation (botocore's spelling, also the IAM action name).
    key : str
        The condition key (``"sagemaker:VpcSubnets"``).
    target : Target
        Where the resource definition lives in the request.
    field : FieldRule
        The field.
    member : str or None
        For a ``VpcConfig``-like structure, the member feeding the key
        (``"Subnets"`` or ``"SecurityGroupIds"``); ``None`` for a plain field.
    """

    operation: str
    key: str
    target: Target
    field: FieldRule
    member: str | None = None

    @property
    def multivalued(self) -> bool:
        """``True`` for keys that carry a list of IDs (``ArrayOfString`` in IAM)."""
        return self.field.guardrail in _LIST_GUARDRAILS

    @property
    def absence_refused(self) -> bool:
        """``True`` when the guard refuses this field's absence on a create request."""
        f = self.field
        return f.required and f.not_required_when is None and f.only_with is None


@dataclass(frozen=True)
class KeyUse:
    """How one operation uses one condition key.

    Attributes
    ----------
    operation : str
        The operation.
    key : str
        The condition key.
    fields : tuple[KeyField, ...]
        The fields that feed the key.
    deny_absent : bool
        ``True`` when the guardrail denies the key's absence for this operation.
    absent_allowed : str or None
        When ``deny_absent`` is ``False``, why IAM must let the key's absence
        through: ``"unchanged"`` (an update: absent means unchanged),
        ``"optional"`` (the guard does not require the field),
        ``"conditional"`` (required only in one shape of the request, e.g. an
        endpoint config without ``ModelName``) or ``"by-reference"`` (the
        definition holding the field may instead be named by reference, e.g. a
        monitoring schedule's ``MonitoringJobDefinitionName``).
    """

    operation: str
    key: str
    fields: tuple[KeyField, ...]
    deny_absent: bool
    absent_allowed: str | None = None


def _absence(rule: OperationRule, fields: Sequence[KeyField]) -> tuple[bool, str | None]:
    """Whether IAM may deny the key's absence for ``rule`` (and why not).

    The key is absent exactly when every field feeding it is absent. Denying
    that is right only when the guard refuses every such request:

    - the field must be one whose absence the guard refuses (required, not
      conditionally) in a structure the request defines anew -- a create
      operation, or an update target that replaces its structure as a whole
      (``Target.replace_on_update``); on other updates absent means unchanged;
    - if all such fields sit in nested definitions (``TrainingJobDefinitions[]``,
      ``MonitoringScheduleConfig.MonitoringJobDefinition``), a request may lack
      the definition altogether. Without any rule reference the API still needs
      one of them (a tuning job needs a training job definition), so the deny
      stands; with a reference the definition may be named instead of given
      inline, and the absent key does not mean an insecure request.
    """
    candidates = [kf for kf in fields
                  if kf.absence_refused and (rule.kind == "create" or getattr(kf.target, "replace_on_update", False))]
    if not candidates:
        if rule.kind == "update" and not any(getattr(kf.target, "replace_on_update", False) for kf in fields):
            return False, "unchanged"
        if any(kf.field.not_required_when is not None or kf.field.only_with is not None for kf in fields):
            return False, "conditional"
        return False, "optional"
    if any(kf.target.anchor == "" for kf in candidates) or not rule.references:
        return True, None
    return False, "by-reference"


_LIST_GUARDRAILS = frozenset({Guardrail.VPC_CONFIG, Guardrail.SUBNET_ID, Guardrail.SUBNET_IDS,
                              Guardrail.SECURITY_GROUP_IDS})


_VPC_MEMBERS = ("Subnets", "SecurityGroupIds")


def _members(f: FieldRule) -> tuple[str, ...]:
    """The members feeding a field's keys (``FieldRule.iam_members``; a VpcConfig's by default)."""
    if f.iam_members:
        return f.iam_members
    return _VPC_MEMBERS if f.guardrail is Guardrail.VPC_CONFIG else ()


#: ``id(rule)`` -> ``(rule, its key fields)``: :func:`_key_fields` of each rule made once (rules are frozen; the
#: rule object is kept, so its id stays its own). At most 4,096 rules, then all forgotten at once.
_KEY_FIELDS: dict[int, tuple[OperationRule, tuple[KeyField, ...]]] = {}


def _key_fields(rule: OperationRule) -> tuple[KeyField, ...]:
    """The fields of ``rule`` that feed a condition key, in rule order (made once per rule object).

    Raises
    ------
    UnexpressibleRuleError
        A field carries ``iam_condition_key_2`` without ``iam_members`` (raised at every call, never kept).
    """
    saved = _KEY_FIELDS.get(id(rule))
    if saved is not None and saved[0] is rule:
        return saved[1]
    made = tuple(_derive_key_fields(rule))
    if len(_KEY_FIELDS) >= 4096:
        _KEY_FIELDS.clear()
    _KEY_FIELDS[id(rule)] = (rule, made)
    return made


def _derive_key_fields(rule: OperationRule) -> Iterator[KeyField]:
    """:func:`_key_fields`, made."""
    for target, f in rule.fields():
        members = _members(f)
        if members:
            for key, member in zip((f.iam_condition_key, f.iam_condition_key_2), members):
                if key:
                    yield KeyField(rule.operation, key, target, f, member)
            continue
        if f.iam_condition_key_2:
            raise UnexpressibleRuleError(rule.operation, f.path, f.iam_condition_key_2,
                                         "a second condition key needs the structure's members (iam_members)")
        if f.iam_condition_key:
            yield KeyField(rule.operation, f.iam_condition_key, target, f)


#: ``(RULES, condition_key_uses() of it)``: the table the uses were last derived from, and them.
_USES: tuple[object, dict[str, tuple[KeyUse, ...]]] | None = None


def condition_key_uses() -> dict[str, tuple[KeyUse, ...]]:
    """Every IAM condition key of the rule table, and the operations that use it.

    Returns
    -------
    dict[str, tuple[KeyUse, ...]]
        Condition key -> one :class:`KeyUse` per operation (sorted by operation).
        Operations the table marks ``unsupported`` are left out (they are denied
        outright). Derived from :data:`safemaker.rules.RULES` once per rule table
        (the table object this module sees; a new one is derived again); each call
        returns a new dict of the same immutable values.

    Raises
    ------
    UnexpressibleRuleError
        A field carries ``iam_condition_key_2`` without the members feeding it
        (``FieldRule.iam_members``; a ``VpcConfig``'s are known).
    """
    return dict(_table_uses())


def _table_uses() -> dict[str, tuple[KeyUse, ...]]:
    """:func:`condition_key_uses` of the current rule table, the kept dict itself (not to be changed)."""
    global _USES
    cached = _USES
    if cached is None or cached[0] is not RULES:
        cached = _USES = (RULES, _derive_key_uses())
    return cached[1]


#: ``(the _table_uses() dict, operation -> its deny-absent uses)``: :func:`_deny_absent_uses` of that table.
_DENY_ABSENT: tuple[object, dict[str, tuple[tuple[str, tuple[KeyUse, ...], KeyUse], ...]]] | None = None


def _deny_absent_uses(operation: str) -> tuple[tuple[str, tuple[KeyUse, ...], KeyUse], ...]:
    """``(key, every use of the key, the operation's use)`` for each key whose absence the guardrail denies for
    ``operation`` (``KeyUse.deny_absent``), in :func:`condition_key_uses` order; made once per rule table."""
    global _DENY_ABSENT
    table = _table_uses()
    cached = _DENY_ABSENT
    if cached is None or cached[0] is not table:
        by_op: dict[str, list[tuple[str, tuple[KeyUse, ...], KeyUse]]] = {}
        for key, key_uses in table.items():
            for u in key_uses:
                if u.deny_absent:
                    by_op.setdefault(u.operation, []).append((key, key_uses, u))
        cached = _DENY_ABSENT = (table, {op: tuple(found) for op, found in by_op.items()})
    return cached[1].get(operation, ())


def _derive_key_uses() -> dict[str, tuple[KeyUse, ...]]:
    by_key: dict[str, dict[str, list[KeyField]]] = {}
    for op in sorted(RULES):
        rule = RULES[op]
        if rule.unsupported:
            continue
        for kf in _key_fields(rule):
            by_key.setdefault(kf.key, {}).setdefault(op, []).append(kf)
    out: dict[str, tuple[KeyUse, ...]] = {}
    for key, ops in by_key.items():
        uses = []
        for op, fields in sorted(ops.items()):
            deny_absent, why = _absence(RULES[op], fields)
            uses.append(KeyUse(op, key, tuple(fields), deny_absent, why))
        out[key] = tuple(uses)
    return out


# --------------------------------------------------------------------------- what a wrong value is


_INSTANCE_TYPES = "sagemaker:InstanceTypes"


def _by_instance_type(use: KeyUse) -> bool:
    """The key's absence is allowed on instance types with instance-store volumes (``FieldRule.instance_types``)."""
    return any(kf.field.instance_types for kf in use.fields)


@dataclass(frozen=True)
class _ValueRule:
    operator: str
    values: tuple[str, ...]
    sid_suffix: str
    text: str

    def condition(self, key: str) -> dict[str, Any]:
        """The Condition block that holds when ``key`` is present and wrong.

        A negated operator (``StringNotEquals``, ``ArnNotEquals``) is also true when
        the key is absent, and so is any ``...IfExists``; on update operations absent
        means unchanged, so those statements add ``Null: {key: "false"}`` (present).
        ``Bool`` and ``ForAnyValue:`` are false on an absent key by themselves.
        """
        values: str | list[str] = (self.values[0] if len(self.values) == 1 and not self.operator.startswith("For")
                                   else list(self.values))
        cond: dict[str, Any] = {}
        if "Not" in self.operator and not self.operator.startswith("For"):
            cond["Null"] = {key: "false"}
        cond[self.operator] = {key: values}
        return cond


def _kms_key_arn(key_id: str | None) -> str | None:
    """The profile's KMS key as a key ARN, or ``None`` when it is not given as one."""
    if key_id and _KMS_KEY_ARN_RE.match(key_id):
        return key_id
    return None


def _value_rule(kf: KeyField, profile: "VpcProfile") -> _ValueRule | None:
    """The condition that a present value breaks, or ``None`` when the profile has no such rule."""
    g = kf.field.guardrail
    p = profile
    if g in (Guardrail.VPC_CONFIG, Guardrail.SUBNET_ID, Guardrail.SUBNET_IDS, Guardrail.SECURITY_GROUP_IDS):
        subnets = (g in (Guardrail.SUBNET_ID, Guardrail.SUBNET_IDS)
                   or (g is Guardrail.VPC_CONFIG and kf.member == "Subnets"))
        ids = p.subnets if subnets else p.security_group_ids
        noun = "subnet" if subnets else "security group"
        return _ValueRule("ForAnyValue:StringNotEquals", tuple(ids), "OutsideProfile",
                          f"any {noun} outside the profile's {list(ids)}")
    if g is Guardrail.NETWORK_ISOLATION:
        return _ValueRule("Bool", ("false",), "False", "false") if p.require_network_isolation else None
    if g is Guardrail.INTER_CONTAINER_ENCRYPTION:
        return (_ValueRule("Bool", ("false",), "False", "false")
                if p.require_inter_container_traffic_encryption else None)
    if g is Guardrail.DIRECT_INTERNET_ACCESS:
        return _ValueRule("StringNotEquals", ("Disabled",), "NotDisabled", "not 'Disabled'")
    if g is Guardrail.ROOT_ACCESS:
        if p.notebook_root_access != "Disabled":
            return None
        return _ValueRule("StringNotEquals", ("Disabled",), "NotDisabled", "not 'Disabled'")
    if g is Guardrail.APP_NETWORK_ACCESS_TYPE:
        return _ValueRule("StringNotEquals", ("VpcOnly",), "NotVpcOnly", "not 'VpcOnly'")
    if g in (Guardrail.VOLUME_KMS_KEY, Guardrail.OUTPUT_KMS_KEY):
        key_arn = _kms_key_arn(p.volume_kms_key_id if g is Guardrail.VOLUME_KMS_KEY else p.output_kms_key_id)
        if key_arn is None:
            return None  # no key in the profile, or not a key ARN: IAM compares key ARNs (BlindSpot.KMS_KEY_NOT_ARN)
        return _ValueRule("ArnNotEquals", (key_arn,), "NotProfileKey", f"not the profile's key {key_arn}")
    if g is Guardrail.REMOTE_ACCESS:
        if kf.key == "sagemaker:EnableRemoteDebug":
            return _ValueRule("Bool", ("true",), "True", "true")
        return _ValueRule("StringEquals", ("ENABLED",), "Enabled", "'ENABLED'")
    if g is Guardrail.UNSUPPORTED:
        # a refused field whose key is present exactly when the field is (FieldRule.iam_members): deny presence
        f = kf.field
        if f.closed is not None:
            raise UnexpressibleRuleError(kf.operation, f.path, kf.key,
                                         "a refused field with values that pass cannot be denied by presence")
        if f.isolation_only and not p.require_network_isolation:
            return None
        return _ValueRule("Null", ("false",), "Present", "present")
    if g is Guardrail.WORKTEAM:
        # sagemaker:WorkteamType is "public-crowd", "private-crowd" or "vendor-crowd" (Service Authorization
        # Reference): the type part of the WorkteamArn (workteam/<type>/<name>)
        return _ValueRule("StringNotEquals", ("private-crowd",), "NotPrivateCrowd", "not 'private-crowd'")
    raise UnexpressibleRuleError(kf.operation, kf.field.path, kf.key,
                                 f"no IAM rendering for guardrail {g.value}; extend safemaker.iam.keys._value_rule")


#: ``(key, id(uses), id(profile))`` -> ``(uses, profile, rule)``: :func:`_key_value_rule` of a use tuple of
#: :func:`condition_key_uses` and a profile (both immutable, kept so their ids stay theirs); at most 4,096, then
#: all forgotten at once. An error is never kept (raised again at every call).
_KEY_VALUE_RULES: dict[tuple[str, int, int], tuple[Any, Any, _ValueRule | None]] = {}


def _kept_key_value_rule(key: str, uses: tuple[KeyUse, ...], profile: "VpcProfile") -> _ValueRule | None:
    """:func:`_key_value_rule`, made once per key, use tuple and profile object."""
    k = (key, id(uses), id(profile))
    saved = _KEY_VALUE_RULES.get(k)
    if saved is not None and saved[0] is uses and saved[1] is profile:
        return saved[2]
    rule = _key_value_rule(key, uses, profile)
    if len(_KEY_VALUE_RULES) >= 4096:
        _KEY_VALUE_RULES.clear()
    _KEY_VALUE_RULES[k] = (uses, profile, rule)
    return rule


def _key_value_rule(key: str, uses: Sequence[KeyUse], profile: "VpcProfile") -> _ValueRule | None:
    rules = {kf.operation + " " + kf.field.path: _value_rule(kf, profile) for u in uses for kf in u.fields}
    distinct = set(rules.values())
    if len(distinct) > 1:
        where = ", ".join(sorted(rules))
        raise UnexpressibleRuleError(uses[0].operation, uses[0].fields[0].field.path, key,
                                     f"fields mapped to this key need different conditions ({where})")
    return distinct.pop()


_KEY_ORDER = (
    "sagemaker:VpcSubnets",
    "sagemaker:VpcSecurityGroupIds",
    "sagemaker:NetworkIsolation",
    "sagemaker:InterContainerTrafficEncryption",
    "sagemaker:DirectInternetAccess",
    "sagemaker:RootAccess",
    "sagemaker:AppNetworkAccessType",
    "sagemaker:VolumeKmsKeyArn",
    "sagemaker:OutputKmsKeyArn",
    "sagemaker:RemoteAccess",
    "sagemaker:EnableRemoteDebug",
    "sagemaker:WorkteamType",
    "sagemaker:ServerlessMaxConcurrency",
)


def _sorted_keys(keys: Iterable[str]) -> list[str]:
    order = {k: i for i, k in enumerate(_KEY_ORDER)}
    return sorted(keys, key=lambda k: (order.get(k, len(order)), k))


def _sid_part(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", key.split(":", 1)[-1])


def _actions(ops: Iterable[str]) -> list[str]:
    return [f"sagemaker:{op}" for op in sorted(set(ops))]
