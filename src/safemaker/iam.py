"""IAM policies rendered from the rule table: the server-side backstop of the guard.

The seed's part 3.2 has the administrator attach three policies
(RestrictInternetAccess, RestrictPassRole, DeveloperPolicy). Its
RestrictInternetAccess denies only when a parameter is present *and* wrong,
so a request that omits the parameter -- the insecure AWS default -- passes
(field report F15). This module renders the corrected policies from
:data:`safemaker.rules.RULES`, the table the guard uses, so the two cannot
drift apart:

- :func:`guardrail_policy` -- Deny statements per IAM condition key, each
  scoped to exactly the operations of the rule table whose fields map to that
  key: one statement denies the key's absence (``Null``) on the create
  operations that require the field, one denies a present and wrong value on
  every operation that carries it; optionally a Deny of ``sagemaker:*``
  outside the profile's VPC endpoints.
- :func:`pass_role_policy` -- Deny ``iam:PassRole`` of any role but the
  profile's to ``sagemaker.amazonaws.com``.
- :func:`developer_policy` -- the seed's notebook-only developer permissions,
  with ``iam:PassRole`` limited to the profile's roles.
- :func:`execution_role_policy` -- what the role SageMaker assumes needs in a
  VPC (ENI actions, F13), the profile's bucket, ECR pull, CloudWatch Logs,
  the profile's KMS keys.
- :func:`render_all` -- all four, split into managed policies of at most
  6,144 characters each; :func:`to_cloudformation` -- the same as
  ``AWS::IAM::ManagedPolicy`` resources.

The proof that the rendered guardrail denies exactly what the guard refuses
(:func:`request_context`, :func:`authorization_requests`,
:func:`parity_case`, evaluated with :mod:`safemaker.iam_eval`) and the list
of rules IAM cannot express (:class:`BlindSpot`) are described in
``docs/iam.md``. :func:`simulate` asks IAM itself (``SimulateCustomPolicy``).

References
----------
- Service Authorization Reference, Amazon SageMaker AI:
  https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html
- IAM condition operators:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
- IAM quotas (managed policy size 6,144 characters, white space not counted):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
- IAM SimulateCustomPolicy:
  https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Sequence

from .errors import MISSING, PolicySizeError, UnexpressibleRuleError, Violation
from .partitions import partition_pattern
from .iam_eval import AuthorizationRequest, ContextValue, Decision, evaluate
from . import paths as _paths
from .paths import split_path
from .instances import INSTANCE_STORE_IAM_PATTERNS, has_instance_storage
from .rules import RULES, FieldRule, Guardrail, OperationRule, Target

if TYPE_CHECKING:  # pragma: no cover
    from .profile import VpcProfile

__all__ = [
    "POLICY_VERSION",
    "MANAGED_POLICY_MAX_CHARS",
    "SAGEMAKER_SERVICE_PRINCIPAL",
    "KINDS",
    "NOTEBOOK_DEVELOPER_ACTIONS",
    "EXECUTION_ROLE_ENI_ACTIONS",
    "BASELINE_ALLOW",
    "PolicySizeError",
    "UnexpressibleRuleError",
    "KeyField",
    "KeyUse",
    "condition_key_uses",
    "guardrail_statements",
    "guardrail_policy",
    "pass_role_policy",
    "developer_policy",
    "execution_role_policy",
    "default_bucket_name",
    "render",
    "render_all",
    "policy_name",
    "policy_size",
    "split_policy",
    "to_cloudformation",
    "cloudformation_yaml",
    "seed_policies",
    "request_context",
    "authorization_requests",
    "BlindSpot",
    "ParityCase",
    "parity_case",
    "SimulationResult",
    "simulate",
]

logger = logging.getLogger(__name__)

POLICY_VERSION = "2012-10-17"
"""The IAM policy language version every rendered document declares."""

MANAGED_POLICY_MAX_CHARS = 6144
"""IAM's quota for one customer managed policy document, in characters
(IAM does not count white space; :func:`policy_size` counts compact JSON)."""

SAGEMAKER_SERVICE_PRINCIPAL = "sagemaker.amazonaws.com"
"""The service principal roles are passed to (``iam:PassedToService``)."""

KINDS = ("guardrail", "pass-role", "developer", "execution-role")
"""The policy kinds :func:`render_all` returns, in this order."""

NOTEBOOK_DEVELOPER_ACTIONS = (
    "sagemaker:CreateNotebookInstance",
    "sagemaker:CreatePresignedNotebookInstanceUrl",
    "sagemaker:DeleteNotebookInstance",
    "sagemaker:DescribeNotebookInstance",
    "sagemaker:StartNotebookInstance",
    "sagemaker:StopNotebookInstance",
    "sagemaker:UpdateNotebookInstance",
)
"""The seed's ``sagemaker:*NotebookInstance`` plus ``CreatePresignedNotebookInstanceUrl``,
spelled out (a wildcard would also grant actions AWS adds later). Scoped to the
profile's account and region; ``ListNotebookInstances`` is granted on ``*``."""

EXECUTION_ROLE_ENI_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeVpcs",
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
)
"""What the execution role needs for SageMaker to attach a job or notebook to the VPC (F13)."""

BASELINE_ALLOW: dict[str, Any] = {
    "Version": POLICY_VERSION,
    "Statement": [
        {
            "Sid": "BaselineAllowSageMakerAndPassRole",
            "Effect": "Allow",
            "Action": ["sagemaker:*", "iam:PassRole"],
            "Resource": "*",
        }
    ],
}
"""What the guardrail is meant to restrict (as ``AmazonSageMakerFullAccess`` does in the
seed): evaluated together with the Deny policies, so that "allowed" means "not denied"."""

_ROLE_ARN_RE = re.compile(rf"^arn:({partition_pattern()}):iam::\d{{12}}:role/")
_KMS_KEY_ARN_RE = re.compile(rf"^arn:({partition_pattern()}):kms:[a-z0-9-]+:\d{{12}}:key/.+$")
_KMS_ALIAS_ARN_RE = re.compile(rf"^arn:({partition_pattern()}):kms:([a-z0-9-]+):(\d{{12}}):(alias/.+)$")


# --------------------------------------------------------------------------- the key table


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


def _key_fields(rule: OperationRule) -> Iterator[KeyField]:
    for target, f in rule.fields():
        if f.guardrail is Guardrail.VPC_CONFIG:
            if f.iam_condition_key:
                yield KeyField(rule.operation, f.iam_condition_key, target, f, "Subnets")
            if f.iam_condition_key_2:
                yield KeyField(rule.operation, f.iam_condition_key_2, target, f, "SecurityGroupIds")
            continue
        if f.iam_condition_key_2:
            raise UnexpressibleRuleError(rule.operation, f.path, f.iam_condition_key_2,
                                         "a second condition key is only meaningful on a VpcConfig structure")
        if f.iam_condition_key:
            yield KeyField(rule.operation, f.iam_condition_key, target, f)


def condition_key_uses() -> dict[str, tuple[KeyUse, ...]]:
    """Every IAM condition key of the rule table, and the operations that use it.

    Returns
    -------
    dict[str, tuple[KeyUse, ...]]
        Condition key -> one :class:`KeyUse` per operation (sorted by operation).
        Operations the table marks ``unsupported`` are left out (they are denied
        outright). Derived from :data:`safemaker.rules.RULES` on each call.

    Raises
    ------
    UnexpressibleRuleError
        A field carries ``iam_condition_key_2`` without being a ``VpcConfig``.
    """
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
    raise UnexpressibleRuleError(kf.operation, kf.field.path, kf.key,
                                 f"no IAM rendering for guardrail {g.value}; extend safemaker.iam._value_rule")


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
)


def _sorted_keys(keys: Iterable[str]) -> list[str]:
    order = {k: i for i, k in enumerate(_KEY_ORDER)}
    return sorted(keys, key=lambda k: (order.get(k, len(order)), k))


def _sid_part(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", key.split(":", 1)[-1])


def _actions(ops: Iterable[str]) -> list[str]:
    return [f"sagemaker:{op}" for op in sorted(set(ops))]


# --------------------------------------------------------------------------- guardrail


def guardrail_statements(profile: "VpcProfile", *, source_vpce: bool = True) -> list[dict[str, Any]]:
    """The guardrail's Deny statements, before splitting into policy documents.

    Parameters
    ----------
    profile : VpcProfile
        The closed network: its subnets, security groups, switches and keys
        are the allowed values.
    source_vpce : bool, default True
        Add ``DenyOutsideVpcEndpoints`` when the profile lists
        ``vpc_endpoint_ids`` (see ``docs/iam.md``: it locks the console out).

    Returns
    -------
    list[dict]
        In order: ``DenyOperationsThatCannotRunClosed`` (operations the table
        marks unsupported, denied outright); for each condition key,
        ``Deny<Key>Absent`` (``Null: {key: "true"}`` on the create operations
        that require the field) and ``Deny<Key><Wrong>`` (the present and wrong
        value on every operation that carries the field); then
        ``DenyOutsideVpcEndpoints``. Every statement is ``Resource: "*"``.

    Raises
    ------
    UnexpressibleRuleError
        The rule table maps a field to a key with no IAM rendering here.
    """
    statements: list[dict[str, Any]] = []
    unsupported = [op for op, r in RULES.items() if r.unsupported]
    if unsupported:
        statements.append({
            "Sid": "DenyOperationsThatCannotRunClosed",
            "Effect": "Deny",
            "Action": _actions(unsupported),
            "Resource": "*",
        })
    uses_by_key = condition_key_uses()
    for key in _sorted_keys(uses_by_key):
        uses = uses_by_key[key]
        rule = _key_value_rule(key, uses, profile)
        if rule is None:
            continue
        by_type = [u.operation for u in uses if u.deny_absent and _by_instance_type(u)]
        absent_ops = [u.operation for u in uses if u.deny_absent and not _by_instance_type(u)]
        if by_type:
            # instance-store volumes take no volume key: absence is denied only when no instance type has them
            statements.append({
                "Sid": f"Deny{_sid_part(key)}Absent",
                "Effect": "Deny",
                "Action": _actions(by_type),
                "Resource": "*",
                "Condition": {"Null": {key: "true"},
                              "ForAllValues:StringNotLike": {_INSTANCE_TYPES: list(INSTANCE_STORE_IAM_PATTERNS)}},
            })
        if absent_ops:
            statements.append({
                "Sid": f"Deny{_sid_part(key)}{'OtherResources' if by_type else ''}Absent",
                "Effect": "Deny",
                "Action": _actions(absent_ops),
                "Resource": "*",
                "Condition": {"Null": {key: "true"}},
            })
        statements.append({
            "Sid": f"Deny{_sid_part(key)}{rule.sid_suffix}",
            "Effect": "Deny",
            "Action": _actions(u.operation for u in uses),
            "Resource": "*",
            "Condition": rule.condition(key),
        })
    if source_vpce and profile.vpc_endpoint_ids:
        statements.append({
            "Sid": "DenyOutsideVpcEndpoints",
            "Effect": "Deny",
            "Action": "sagemaker:*",
            "Resource": "*",
            "Condition": {
                "StringNotEquals": {"aws:SourceVpce": list(profile.vpc_endpoint_ids)},
                "BoolIfExists": {"aws:ViaAWSService": "false"},
            },
        })
    return statements


def guardrail_policy(profile: "VpcProfile", *, source_vpce: bool = True,
                     limit: int = MANAGED_POLICY_MAX_CHARS) -> list[dict[str, Any]]:
    """The corrected RestrictInternetAccess: Deny every request that opens a network path.

    Parameters
    ----------
    profile : VpcProfile
        The closed network.
    source_vpce : bool, default True
        Deny ``sagemaker:*`` from outside the profile's ``vpc_endpoint_ids``
        (when it lists any), except calls AWS services make on the caller's
        behalf (``aws:ViaAWSService``).
    limit : int, default 6144
        Maximum size of one document (:func:`policy_size`).

    Returns
    -------
    list[dict]
        One or more policy documents (``Version`` 2012-10-17) holding the
        statements of :func:`guardrail_statements`.

    Raises
    ------
    UnexpressibleRuleError
        As :func:`guardrail_statements`.
    PolicySizeError
        A single statement does not fit in ``limit`` even with one action.

    Examples
    --------
    >>> docs = guardrail_policy(profile)                       # doctest: +SKIP
    >>> [s["Sid"] for s in docs[0]["Statement"]][:2]           # doctest: +SKIP
    ['DenyVpcSubnetsAbsent', 'DenyVpcSubnetsOutsideProfile']
    """
    return split_policy(guardrail_statements(profile, source_vpce=source_vpce), limit=limit)


def pass_role_policy(profile: "VpcProfile", *, limit: int = MANAGED_POLICY_MAX_CHARS) -> list[dict[str, Any]]:
    """The seed's RestrictPassRole: Deny passing any role but the profile's to SageMaker.

    Parameters
    ----------
    profile : VpcProfile
        ``allowed_role_arns`` (execution role first) are the roles that may be passed.
    limit : int, default 6144
        Maximum size of one document.

    Returns
    -------
    list[dict]
        One document: ``Deny iam:PassRole`` with ``NotResource`` the profile's
        roles, when ``iam:PassedToService`` is ``sagemaker.amazonaws.com``.
        Attach it to the developers *and* to the execution role (the seed's
        point: a notebook must not create a notebook with a stronger role).
    """
    return split_policy([{
        "Sid": "DenyPassingOtherRolesToSageMaker",
        "Effect": "Deny",
        "Action": "iam:PassRole",
        "NotResource": list(profile.allowed_role_arns),
        "Condition": {"StringEquals": {"iam:PassedToService": SAGEMAKER_SERVICE_PRINCIPAL}},
    }], limit=limit)


def _arn(profile: "VpcProfile", service: str, resource: str) -> str:
    """An ARN in the profile's partition, region and account."""
    return f"arn:{profile.partition}:{service}:{profile.region}:{profile.account_id}:{resource}"


def _eni_create_statement(profile: "VpcProfile", sid: str) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": "ec2:CreateNetworkInterface",
        "Resource": [
            _arn(profile, "ec2", "network-interface/*"),
            *(_arn(profile, "ec2", f"subnet/{s}") for s in profile.subnets),
            *(_arn(profile, "ec2", f"security-group/{g}") for g in profile.security_group_ids),
        ],
    }


def developer_policy(profile: "VpcProfile", *, limit: int = MANAGED_POLICY_MAX_CHARS) -> list[dict[str, Any]]:
    """The seed's DeveloperPolicy (notebook-only development), made exact.

    Parameters
    ----------
    profile : VpcProfile
        Account, region, partition, roles, subnets and security groups.
    limit : int, default 6144
        Maximum size of one document.

    Returns
    -------
    list[dict]
        Allow statements: :data:`NOTEBOOK_DEVELOPER_ACTIONS` on the profile's
        ``notebook-instance/*``; ``sagemaker:ListNotebookInstances`` and
        ``iam:ListRoles`` (the console's role picker) on ``*``; ``iam:PassRole``
        of the profile's roles only, with ``iam:PassedToService =
        sagemaker.amazonaws.com``; the EC2 Describe calls the console makes on
        ``*``; ``ec2:CreateNetworkInterface`` only in the profile's subnets and
        security groups. Attach it with the guardrail and pass-role policies.
    """
    return split_policy([
        {
            "Sid": "ManageNotebookInstances",
            "Effect": "Allow",
            "Action": list(NOTEBOOK_DEVELOPER_ACTIONS),
            "Resource": _arn(profile, "sagemaker", "notebook-instance/*"),
        },
        {
            "Sid": "ListNotebookInstancesAndRoles",
            "Effect": "Allow",
            "Action": ["sagemaker:ListNotebookInstances", "iam:ListRoles"],
            "Resource": "*",
        },
        {
            "Sid": "PassProfileRolesToSageMaker",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": list(profile.allowed_role_arns),
            "Condition": {"StringEquals": {"iam:PassedToService": SAGEMAKER_SERVICE_PRINCIPAL}},
        },
        {
            "Sid": "DescribeNetwork",
            "Effect": "Allow",
            "Action": ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets",
                       "ec2:DescribeVpcs"],
            "Resource": "*",
        },
        _eni_create_statement(profile, "CreateNetworkInterfacesInProfileSubnets"),
    ], limit=limit)


def _kms_statements(profile: "VpcProfile") -> list[dict[str, Any]]:
    arns: list[str] = []
    aliases: list[str] = []
    for key in dict.fromkeys(k for k in (profile.volume_kms_key_id, profile.output_kms_key_id) if k):
        if key.startswith("alias/"):
            aliases.append(key)
        elif m := _KMS_ALIAS_ARN_RE.match(key):
            aliases.append(m.group(4))
        elif key.startswith("arn:"):
            arns.append(key)
        else:
            arns.append(_arn(profile, "kms", f"key/{key}"))
    actions = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey",
               "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"]
    out: list[dict[str, Any]] = []
    if arns:
        out.append({"Sid": "UseProfileKmsKeys", "Effect": "Allow", "Action": actions, "Resource": arns})
        out.append({"Sid": "GrantProfileKmsKeysToAwsResources", "Effect": "Allow", "Action": "kms:CreateGrant",
                    "Resource": arns, "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}})
    if aliases:
        any_key = _arn(profile, "kms", "key/*")
        out.append({"Sid": "UseProfileKmsKeysByAlias", "Effect": "Allow", "Action": actions, "Resource": any_key,
                    "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": aliases}}})
        out.append({"Sid": "GrantProfileKmsKeysByAliasToAwsResources", "Effect": "Allow",
                    "Action": "kms:CreateGrant", "Resource": any_key,
                    "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": aliases},
                                  "Bool": {"kms:GrantIsForAWSResource": "true"}}})
    return out


def default_bucket_name(profile: "VpcProfile") -> str:
    """The S3 bucket the execution role may use.

    Parameters
    ----------
    profile : VpcProfile
        The profile.

    Returns
    -------
    str
        ``profile.default_bucket``, else the SageMaker SDK's default
        ``sagemaker-<region>-<account>``.
    """
    return profile.default_bucket or f"sagemaker-{profile.region}-{profile.account_id}"


def execution_role_policy(profile: "VpcProfile", *, limit: int = MANAGED_POLICY_MAX_CHARS) -> list[dict[str, Any]]:
    """What the execution role needs to run SageMaker work inside the profile's VPC.

    Parameters
    ----------
    profile : VpcProfile
        Account, region, partition, subnets, security groups, bucket, KMS keys.
    limit : int, default 6144
        Maximum size of one document.

    Returns
    -------
    list[dict]
        Allow statements: the ENI actions of :data:`EXECUTION_ROLE_ENI_ACTIONS`
        (F13) -- ``CreateNetworkInterface`` only in the profile's subnets and
        security groups, the other ENI writes on the account's
        ``network-interface/*``, the Describe calls on ``*``; S3 object and
        list access to the profile's bucket only (``default_bucket``, else
        ``sagemaker-<region>-<account>``); ECR pull from the account's
        repositories in the region (and ``ecr:GetAuthorizationToken`` on
        ``*``); CloudWatch Logs under ``/aws/sagemaker/``; use of the profile's
        KMS keys (by ARN, or by ``kms:ResourceAliases`` for aliases).
        It complements the role's SageMaker permissions; attach the guardrail
        and pass-role policies to the role as well.
    """
    bucket = default_bucket_name(profile)
    s3 = f"arn:{profile.partition}:s3:::{bucket}"
    log_group = _arn(profile, "logs", "log-group:/aws/sagemaker/*")
    statements: list[dict[str, Any]] = [
        _eni_create_statement(profile, "CreateNetworkInterfacesInProfileSubnets"),
        {
            "Sid": "ManageNetworkInterfaces",
            "Effect": "Allow",
            "Action": ["ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface"],
            "Resource": _arn(profile, "ec2", "network-interface/*"),
        },
        {
            "Sid": "DescribeNetwork",
            "Effect": "Allow",
            "Action": ["ec2:DeleteNetworkInterfacePermission", "ec2:DescribeDhcpOptions",
                       "ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets",
                       "ec2:DescribeVpcs"],
            "Resource": "*",
        },
        {
            "Sid": "ReadWriteProfileBucketObjects",
            "Effect": "Allow",
            "Action": ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
            "Resource": f"{s3}/*",
        },
        {
            "Sid": "ListProfileBucket",
            "Effect": "Allow",
            "Action": ["s3:GetBucketLocation", "s3:ListBucket"],
            "Resource": s3,
        },
        {
            "Sid": "PullImagesFromAccountRepositories",
            "Effect": "Allow",
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Resource": _arn(profile, "ecr", "repository/*"),
        },
        {
            "Sid": "GetEcrAuthorizationToken",
            "Effect": "Allow",
            "Action": "ecr:GetAuthorizationToken",
            "Resource": "*",
        },
        {
            "Sid": "WriteSageMakerLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams",
                       "logs:PutLogEvents"],
            "Resource": [log_group, f"{log_group}:log-stream:*"],
        },
        *_kms_statements(profile),
    ]
    return split_policy(statements, limit=limit)


_RENDERERS = {
    "guardrail": guardrail_policy,
    "pass-role": pass_role_policy,
    "developer": developer_policy,
    "execution-role": execution_role_policy,
}


def render(kind: str, profile: "VpcProfile", *, source_vpce: bool = True) -> list[dict[str, Any]]:
    """Render one kind of policy.

    Parameters
    ----------
    kind : {"guardrail", "pass-role", "developer", "execution-role"}
        Which policy.
    profile : VpcProfile
        The closed network.
    source_vpce : bool, default True
        For the guardrail: add ``DenyOutsideVpcEndpoints`` when the profile
        lists VPC endpoints (see :func:`guardrail_policy`).

    Returns
    -------
    list[dict]
        The policy documents, each at most :data:`MANAGED_POLICY_MAX_CHARS`.

    Raises
    ------
    ValueError
        ``kind`` is not one of :data:`KINDS`.
    UnexpressibleRuleError, PolicySizeError
        As the renderer of that kind.
    """
    try:
        renderer = _RENDERERS[kind]
    except KeyError:
        raise ValueError(f"kind is {kind!r}; expected one of {', '.join(KINDS)}") from None
    if kind == "guardrail":
        return guardrail_policy(profile, source_vpce=source_vpce)
    return renderer(profile)


def render_all(profile: "VpcProfile", *, source_vpce: bool = True) -> dict[str, list[dict[str, Any]]]:
    """Every policy safemaker renders for a profile.

    Parameters
    ----------
    profile : VpcProfile
        The closed network.
    source_vpce : bool, default True
        Passed to :func:`guardrail_policy`.

    Returns
    -------
    dict[str, list[dict]]
        ``{"guardrail": [...], "pass-role": [...], "developer": [...],
        "execution-role": [...]}``: each a list of managed policy documents of
        at most 6,144 characters. Attach guardrail + pass-role + developer to
        developers, and guardrail + pass-role + execution-role to the
        execution role.

    Raises
    ------
    UnexpressibleRuleError, PolicySizeError
        As the individual renderers.
    """
    return {kind: render(kind, profile, source_vpce=source_vpce) for kind in KINDS}


# --------------------------------------------------------------------------- size and splitting


def policy_size(document: Mapping[str, Any]) -> int:
    """Size of a policy document as counted against IAM's quota.

    IAM does not count white space; this counts the characters of the compact
    JSON (no white space between tokens), which is what IAM counts for
    documents whose strings hold no spaces (safemaker's never do).

    Parameters
    ----------
    document : Mapping
        A policy document.

    Returns
    -------
    int
        Characters.
    """
    return len(json.dumps(document, separators=(",", ":")))


def _document(statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": POLICY_VERSION, "Statement": statements}


def _split_statement(stmt: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    """Split one statement by its Action list until each part fits in an empty document."""
    if policy_size(_document([stmt])) <= limit:
        return [stmt]
    actions = stmt.get("Action")
    if not isinstance(actions, list) or len(actions) < 2:
        raise PolicySizeError(str(stmt.get("Sid", "?")), policy_size(_document([stmt])), limit)
    parts: list[list[str]] = [actions]
    while True:
        pieces = [dict(stmt, Action=a) for a in parts]
        if all(policy_size(_document([p])) <= limit for p in pieces):
            break
        new_parts: list[list[str]] = []
        for a in parts:
            if policy_size(_document([dict(stmt, Action=a)])) <= limit:
                new_parts.append(a)
            elif len(a) == 1:
                raise PolicySizeError(str(stmt.get("Sid", "?")), policy_size(_document([dict(stmt, Action=a)])),
                                      limit)
            else:
                half = len(a) // 2
                new_parts.extend([a[:half], a[half:]])
        parts = new_parts
    sid = stmt.get("Sid")
    return [dict(stmt, Action=a, **({"Sid": f"{sid}Part{i}"} if sid else {})) for i, a in enumerate(parts, 1)]


def split_policy(statements: Sequence[Mapping[str, Any]], *,
                 limit: int = MANAGED_POLICY_MAX_CHARS) -> list[dict[str, Any]]:
    """Pack statements into as few policy documents as fit IAM's size quota.

    Statements keep their order; a statement that alone exceeds ``limit`` is
    split by its ``Action`` list (``Sid`` gets ``Part1``, ``Part2``...).
    Splitting a Deny statement by action keeps its meaning: each part denies
    the same condition for fewer actions.

    Parameters
    ----------
    statements : Sequence[Mapping]
        Policy statements.
    limit : int, default 6144
        Maximum :func:`policy_size` of one document.

    Returns
    -------
    list[dict]
        Documents ``{"Version": "2012-10-17", "Statement": [...]}``, each within ``limit``.

    Raises
    ------
    PolicySizeError
        A statement with a single action still exceeds ``limit``.
    ValueError
        ``statements`` is empty or ``limit`` is not positive.
    """
    if not statements:
        raise ValueError("statements is empty; a policy needs at least one statement")
    if limit <= 0:
        raise ValueError(f"limit is {limit}; it must be a positive number of characters")
    pieces: list[dict[str, Any]] = []
    for stmt in statements:
        pieces.extend(_split_statement(dict(stmt), limit))
    docs: list[list[dict[str, Any]]] = [[]]
    for piece in pieces:
        if docs[-1] and policy_size(_document(docs[-1] + [piece])) > limit:
            docs.append([])
        docs[-1].append(piece)
    return [_document(d) for d in docs]


# --------------------------------------------------------------------------- names and CloudFormation


def policy_name(kind: str, index: int = 0, *, prefix: str = "safemaker") -> str:
    """Managed policy name of the ``index``-th document of a kind.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`.
    index : int, default 0
        Position of the document in the kind's list (0-based).
    prefix : str, default "safemaker"
        Name prefix.

    Returns
    -------
    str
        ``"safemaker-guardrail"`` for index 0, ``"safemaker-guardrail-2"`` for index 1, ...
    """
    return f"{prefix}-{kind}" + (f"-{index + 1}" if index else "")


_DESCRIPTIONS = {
    "guardrail": "safemaker: deny SageMaker requests that open a network path (rendered from the rule table)",
    "pass-role": "safemaker: deny passing any role but the profile's to SageMaker",
    "developer": "safemaker: notebook-only SageMaker development in the closed network",
    "execution-role": "safemaker: what the SageMaker execution role needs inside the VPC",
}


_CFN_CONTEXT = "com.aws.cloudformation.Context"

_WHY = {
    "guardrail": "Server-side backstop of safemaker's guard: Deny each SageMaker request whose network "
                 "fields are absent or outside the profile (one statement per condition key).",
    "pass-role": "The seed's RestrictPassRole: only the profile's roles may be passed to SageMaker.",
    "developer": "The seed's notebook-only DeveloperPolicy with iam:PassRole limited to the profile's roles.",
    "execution-role": "What SageMaker's execution role needs in the VPC: ENIs (F13), the profile's bucket, "
                      "ECR pull, CloudWatch Logs, the profile's KMS keys.",
}


def _logical_id(kind: str, index: int) -> str:
    base = "Safemaker" + "".join(part.capitalize() for part in kind.split("-")) + "Policy"
    return base + (str(index + 1) if index else "")


def to_cloudformation(policies: Mapping[str, Sequence[Mapping[str, Any]]], *,
                      prefix: str = "safemaker") -> dict[str, Any]:
    """A CloudFormation template with one ``AWS::IAM::ManagedPolicy`` per document.

    Parameters
    ----------
    policies : Mapping[str, Sequence[Mapping]]
        Kind -> documents, as :func:`render_all` returns.
    prefix : str, default "safemaker"
        Prefix of the ``ManagedPolicyName`` (:func:`policy_name`).

    Returns
    -------
    dict
        ``{"AWSTemplateFormatVersion": "2010-09-09", "Description": ...,
        "Resources": {"SafemakerGuardrailPolicy": {...}, ...}, "Outputs": {...}}``;
        each output is the policy ARN (``Ref``).
    """
    resources: dict[str, Any] = {}
    outputs: dict[str, Any] = {}
    for kind, docs in policies.items():
        for i, doc in enumerate(docs):
            lid = _logical_id(kind, i)
            resources[lid] = {
                "Type": "AWS::IAM::ManagedPolicy",
                "Metadata": {_CFN_CONTEXT: {"why": _WHY.get(kind, _DESCRIPTIONS.get(kind, kind))}},
                "Properties": {
                    "ManagedPolicyName": policy_name(kind, i, prefix=prefix),
                    "Description": _DESCRIPTIONS.get(kind, f"safemaker: {kind}"),
                    "PolicyDocument": doc,
                },
            }
            outputs[f"{lid}Arn"] = {"Description": f"ARN of {policy_name(kind, i, prefix=prefix)}",
                                    "Value": {"Ref": lid}}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "safemaker IAM policies for a closed-network SageMaker (rendered by safemaker policy render)",
        "Metadata": {_CFN_CONTEXT: {"arch": (
            "Customer managed IAM policies only, no principals: attach guardrail, pass-role and developer "
            "to developers, and guardrail, pass-role and execution-role to the SageMaker execution role. "
            "Rendered by safemaker from the rule table its client-side guard uses.")}},
        "Resources": resources,
        "Outputs": outputs,
    }


def cloudformation_yaml(policies: Mapping[str, Sequence[Mapping[str, Any]]], *, prefix: str = "safemaker") -> str:
    """:func:`to_cloudformation` as YAML text.

    Parameters
    ----------
    policies : Mapping[str, Sequence[Mapping]]
        Kind -> documents, as :func:`render_all` returns.
    prefix : str, default "safemaker"
        Prefix of the managed policy names.

    Returns
    -------
    str
        The template in YAML, keys in template order, without YAML aliases
        (CloudFormation rejects them).
    """
    import yaml

    class _NoAliases(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True  # CloudFormation rejects YAML aliases (cfn-lint W1101)

    return yaml.dump(to_cloudformation(policies, prefix=prefix), Dumper=_NoAliases, sort_keys=False, width=120)


# --------------------------------------------------------------------------- the seed's policies


def seed_policies(profile: "VpcProfile") -> dict[str, list[dict[str, Any]]]:
    """The seed's three policies (part 3.2), with the profile's IDs filled in.

    For comparison only (tests and ``docs/iam.md``): RestrictInternetAccess
    denies a key only when it is present (``Null: false``), on ``sagemaker:*``,
    so an omitted parameter -- the insecure default -- passes (F15).

    Parameters
    ----------
    profile : VpcProfile
        Subnets, VPC endpoints (or a placeholder ``vpce-0000000000000000f`` when
        the profile lists none), execution role.

    Returns
    -------
    dict[str, list[dict]]
        ``{"guardrail": [RestrictInternetAccess], "pass-role": [RestrictPassRole],
        "developer": [DeveloperPolicy]}``, exactly as the seed writes them.
    """
    vpces = list(profile.vpc_endpoint_ids or ("vpce-0000000000000000f",))
    restrict_internet = {
        "Version": POLICY_VERSION,
        "Statement": [
            {"Effect": "Deny", "Action": "sagemaker:*", "Resource": "*",
             "Condition": {"Null": {"sagemaker:NetworkIsolation": False},
                           "Bool": {"sagemaker:NetworkIsolation": False}}},
            {"Effect": "Deny", "Action": "sagemaker:*", "Resource": "*",
             "Condition": {"Null": {"sagemaker:VpcSubnets": False},
                           "ForAnyValue:StringNotEquals": {"sagemaker:VpcSubnets": list(profile.subnets)}}},
            {"Effect": "Deny", "Action": "sagemaker:*", "Resource": "*",
             "Condition": {"Null": {"sagemaker:DirectInternetAccess": False},
                           "StringEquals": {"sagemaker:DirectInternetAccess": "Enabled"}}},
            {"Effect": "Deny", "Action": "sagemaker:*", "Resource": "*",
             "Condition": {"Null": {"aws:SourceVpce": False},
                           "ForAllValues:StringNotEquals": {"aws:SourceVpce": vpces}}},
        ],
    }
    restrict_pass_role = {
        "Version": POLICY_VERSION,
        "Statement": [{"Effect": "Deny", "Action": "iam:PassRole", "NotResource": profile.execution_role_arn,
                       "Condition": {"StringEquals": {"iam:PassedToService": SAGEMAKER_SERVICE_PRINCIPAL}}}],
    }
    developer = {
        "Version": POLICY_VERSION,
        "Statement": [{"Effect": "Allow", "Action": [
            "sagemaker:CreatePresignedNotebookInstanceUrl", "sagemaker:*NotebookInstance",
            "sagemaker:*NotebookInstances", "iam:ListRoles", "iam:PassRole", "ec2:CreateNetworkInterface",
            "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs",
            "ec2:DescribeNetworkInterfaces"], "Resource": "*"}],
    }
    return {"guardrail": [restrict_internet], "pass-role": [restrict_pass_role], "developer": [developer]}


# --------------------------------------------------------------------------- request contexts


def _anchor_matches(params: Any, anchor: str) -> list[tuple[str, Any]]:
    """``(concrete path, container)`` for every existing match of an anchor (``[]`` = each element)."""
    return [(_paths.format_path(p), c) for p, c in _paths.expand(params, split_path(anchor)) if _paths.is_map(c)]


def _field_value(container: Mapping[str, Any], path: str) -> Any:
    return _paths.get_path(container, path)


@dataclass(frozen=True)
class _Observed:
    """A value the request gives for a key, and where."""

    key: str
    anchor_path: str
    kf: KeyField
    value: Any


def _observe(operation: str, params: Mapping[str, Any]) -> list[_Observed]:
    rule = RULES.get(operation)
    if rule is None or rule.unsupported:
        return []
    seen: list[_Observed] = []
    for kf in _key_fields(rule):
        for anchor_path, container in _anchor_matches(params, kf.target.anchor):
            value = _field_value(container, kf.field.path)
            if value is MISSING:
                continue
            if kf.member is not None:
                if not _paths.is_map(value) or kf.member not in value:
                    continue
                value = value[kf.member]
            seen.append(_Observed(kf.key, anchor_path, kf, value))
    return seen


def request_context(operation: str, params: Mapping[str, Any]) -> dict[str, ContextValue]:
    """The SageMaker condition keys IAM sees for a request, built from the rule table.

    Each field of the operation's rule that maps to a condition key
    (``FieldRule.iam_condition_key``; ``iam_condition_key_2`` for the
    security groups of a ``VpcConfig``) contributes its value when present:

    - ``sagemaker:VpcSubnets`` / ``sagemaker:VpcSecurityGroupIds`` are
      multivalued (``ArrayOfString``): the union, in request order without
      repeats, of every list (``VpcConfig.Subnets``, ``SubnetIds``...) and single
      ID (notebook ``SubnetId``) of every resource definition in the request;
    - every other key is single-valued: the value of the first resource
      definition that gives it, in rule-table order (the Service Authorization
      Reference does not say which one IAM sees when several definitions, e.g.
      a tuning job's ``TrainingJobDefinitions``, give different values; the
      guard checks each -- :attr:`BlindSpot.PER_DEFINITION`).

    A key whose field is absent everywhere is absent from the result (IAM's
    ``Null: true``). Values are as the request gives them (strings, booleans).

    Parameters
    ----------
    operation : str
        SageMaker operation (botocore's spelling).
    params : Mapping[str, Any]
        The request parameters (botocore shapes).

    Returns
    -------
    dict[str, list[str] | str | bool]
        Condition key -> value. Empty for an operation without a rule.
    """
    ctx: dict[str, Any] = {}
    for obs in _observe(operation, params):
        if obs.kf.multivalued:
            items = obs.value if _paths.is_seq(obs.value) else [obs.value]
            bucket = ctx.setdefault(obs.key, [])
            for item in items:
                if isinstance(item, str) and item not in bucket:
                    bucket.append(item)
        elif obs.key not in ctx and isinstance(obs.value, (str, bool)):
            ctx[obs.key] = obs.value
    return {k: v for k, v in ctx.items() if v != []}


_INSTANCE_TYPES = "sagemaker:InstanceTypes"


def _by_instance_type(use: KeyUse) -> bool:
    """The key's absence is allowed on instance types with instance-store volumes (``FieldRule.instance_types``)."""
    return any(kf.field.instance_types for kf in use.fields)


def _instance_types(operation: str, params: Mapping[str, Any]) -> list[str]:
    """``sagemaker:InstanceTypes`` from the instance types the rule's volume key fields depend on."""
    rule = RULES.get(operation)
    if rule is None:
        return []
    out: list[str] = []
    for target, f in rule.fields():
        for rel in f.instance_types:
            for _, v in _paths.values(params, _paths.join(target.anchor, rel)):
                if isinstance(v, str) and v not in out:
                    out.append(v)
    return out


def _role_values(operation: str, params: Mapping[str, Any]) -> list[str]:
    rule = RULES.get(operation)
    if rule is None:
        return []
    roles: list[str] = []
    for target, f in rule.fields():
        if f.guardrail is not Guardrail.ROLE_ARN:
            continue
        for _, container in _anchor_matches(params, target.anchor):
            value = _field_value(container, f.path)
            if isinstance(value, str) and value and value not in roles:
                roles.append(value)
    return roles


def authorization_requests(operation: str, params: Mapping[str, Any], *, source_vpce: str | None = None,
                           via_aws_service: bool = False) -> list[AuthorizationRequest]:
    """Everything IAM authorizes for one SageMaker request.

    Parameters
    ----------
    operation : str
        SageMaker operation (botocore's spelling; also the IAM action name).
    params : Mapping[str, Any]
        The request parameters.
    source_vpce : str, optional
        ``aws:SourceVpce``: the VPC endpoint the call came through (``None``: the
        call did not come through a VPC endpoint, so the key is absent).
    via_aws_service : bool, default False
        ``aws:ViaAWSService``: an AWS service made the call on the caller's behalf.

    Returns
    -------
    list[AuthorizationRequest]
        ``sagemaker:<operation>`` on ``*`` with :func:`request_context`, the
        ``sagemaker:InstanceTypes`` the rule's volume-key fields depend on
        (``FieldRule.instance_types``) when one of them has instance-store
        volumes (the rendered policies read the key only there: for EBS-only
        types, absent and present evaluate alike), and the global keys, then one ``iam:PassRole`` per distinct role the request
        passes (resource: the role ARN; ``iam:PassedToService =
        sagemaker.amazonaws.com``).
    """
    globals_: dict[str, ContextValue] = {"aws:ViaAWSService": via_aws_service}
    if source_vpce is not None:
        globals_["aws:SourceVpce"] = source_vpce
    context = request_context(operation, params)
    types = _instance_types(operation, params)
    if any(has_instance_storage(t) for t in types):
        context[_INSTANCE_TYPES] = types
    out = [AuthorizationRequest(f"sagemaker:{operation}", "*", {**context, **globals_})]
    for role in _role_values(operation, params):
        out.append(AuthorizationRequest("iam:PassRole", role,
                                        {"iam:PassedToService": SAGEMAKER_SERVICE_PRINCIPAL, **globals_}))
    return out


# --------------------------------------------------------------------------- parity with the guard


class BlindSpot(str, Enum):
    """A rule the guard enforces that IAM cannot express, or the other way round.

    These are the reasons the client-side guard exists (``docs/iam.md``).
    """

    NO_CONDITION_KEY = "no-condition-key"
    """The field has no IAM condition key (e.g. a ``VpcId`` member): only the guard sees it."""
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
    rule = RULES[operation]
    if rule.unsupported:
        return None  # DenyOperationsThatCannotRunClosed
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
        return BlindSpot.NO_CONDITION_KEY  # a field refused when present: no condition key says it is there
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
            raise ValueError(f"{operation} {v.path} is {v.found!r}: not a request the API accepts")
        if v.found in rule.values:
            return BlindSpot.DUPLICATE_IDS  # an allowed ID refused: it is repeated
        return None  # a foreign ID: in the context's set, ForAnyValue:StringNotEquals fires
    if ctx.get(key, MISSING) == v.found and type(ctx.get(key)) is type(v.found):
        return None
    return BlindSpot.PER_DEFINITION


def _no_definition(operation: str, params: Mapping[str, Any], ctx: Mapping[str, Any],
                   uses: Mapping[str, tuple[KeyUse, ...]], profile: "VpcProfile") -> bool:
    for key, key_uses in uses.items():
        for u in key_uses:
            if u.operation != operation or not u.deny_absent or key in ctx:
                continue
            if _key_value_rule(key, key_uses, profile) is None:
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
    with :mod:`safemaker.iam_eval`.

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
    ValueError
        A violation shows a request the API model rejects (an ID list that is
        not a list of strings).
    """
    from .guard import check

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
    if rule is not None and not rule.unsupported and _no_definition(operation, params, ctx, uses, profile):
        iam_only = (BlindSpot.NO_DEFINITION,)
    return ParityCase(operation, violations, tuple(visible), tuple(blind), iam_only)


# --------------------------------------------------------------------------- IAM's own simulator


@dataclass(frozen=True)
class SimulationResult:
    """IAM's decision and safemaker's evaluator's decision for one request.

    Attributes
    ----------
    request : AuthorizationRequest
        The request simulated.
    iam_decision : str
        ``EvalDecision`` from ``SimulateCustomPolicy`` (``allowed``,
        ``explicitDeny``, ``implicitDeny``).
    local_decision : Decision
        :func:`safemaker.iam_eval.evaluate` on the same policies.
    matched_statements : tuple[str, ...]
        ``SourcePolicyId`` of the statements IAM reports as matched.
    missing_context_values : tuple[str, ...]
        Context keys the policies use that the request did not give.
    """

    request: AuthorizationRequest
    iam_decision: str
    local_decision: Decision
    matched_statements: tuple[str, ...] = ()
    missing_context_values: tuple[str, ...] = ()

    @property
    def agrees(self) -> bool:
        """``True`` when IAM and the local evaluator decide the same."""
        return self.iam_decision == self.local_decision


def _context_entries(context: Mapping[str, ContextValue]) -> list[dict[str, Any]]:
    entries = []
    for key, value in context.items():
        if isinstance(value, bool):
            entries.append({"ContextKeyName": key, "ContextKeyValues": ["true" if value else "false"],
                            "ContextKeyType": "boolean"})
        elif isinstance(value, str):
            entries.append({"ContextKeyName": key, "ContextKeyValues": [value], "ContextKeyType": "string"})
        else:
            items = list(value)
            if items and all(isinstance(i, bool) for i in items):
                entries.append({"ContextKeyName": key, "ContextKeyValues": ["true" if i else "false" for i in items],
                                "ContextKeyType": "booleanList"})
            else:
                entries.append({"ContextKeyName": key, "ContextKeyValues": [str(i) for i in items],
                                "ContextKeyType": "stringList"})
    return entries


def simulate(iam_client: Any, policies: Sequence[Mapping[str, Any]], requests: Sequence[AuthorizationRequest], *,
             baseline: Mapping[str, Any] | None = BASELINE_ALLOW) -> list[SimulationResult]:
    """Ask IAM (``SimulateCustomPolicy``) to decide each request, next to the local evaluator.

    One call per request (context entries apply to every action of a call),
    paginated with the client's paginator.

    Parameters
    ----------
    iam_client : botocore IAM client
        Created by the caller (``boto3_session.client("iam")``); needs real
        credentials with ``iam:SimulateCustomPolicy``.
    policies : Sequence[Mapping]
        Policy documents to test (e.g. the guardrail and pass-role documents).
    requests : Sequence[AuthorizationRequest]
        Actions, resources and contexts (:func:`authorization_requests`).
    baseline : Mapping or None, default :data:`BASELINE_ALLOW`
        An Allow policy simulated with ``policies`` so that "allowed" means
        "not denied"; ``None`` simulates ``policies`` alone.

    Returns
    -------
    list[SimulationResult]
        One per request, in order.

    Raises
    ------
    botocore.exceptions.ClientError
        From IAM (``InvalidInput``, ``PolicyEvaluation``, ``AccessDenied``).
    """
    docs = ([dict(baseline)] if baseline is not None else []) + [dict(p) for p in policies]
    inputs = [json.dumps(d, separators=(",", ":")) for d in docs]
    paginator = iam_client.get_paginator("simulate_custom_policy")
    results = []
    for req in requests:
        kwargs: dict[str, Any] = {"PolicyInputList": inputs, "ActionNames": [req.action]}
        if req.resource != "*":
            kwargs["ResourceArns"] = [req.resource]
        entries = _context_entries(req.context)
        if entries:
            kwargs["ContextEntries"] = entries
        decision = "implicitDeny"
        matched: list[str] = []
        missing: list[str] = []
        for page in paginator.paginate(**kwargs):
            for res in page.get("EvaluationResults", []):
                decision = _combine(decision, res["EvalDecision"])
                matched.extend(m.get("SourcePolicyId", "") for m in res.get("MatchedStatements", []))
                missing.extend(res.get("MissingContextValues", []))
        local = evaluate(docs, req).decision
        results.append(SimulationResult(req, decision, local, tuple(matched), tuple(dict.fromkeys(missing))))
    return results


def _combine(current: str, new: str) -> str:
    order = {"implicitDeny": 0, "allowed": 1, "explicitDeny": 2}
    return new if order.get(new, 0) > order.get(current, 0) else current
