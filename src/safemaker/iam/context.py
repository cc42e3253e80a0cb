"""Request contexts: the condition-key values IAM would see for a SageMaker request, and the
:class:`~safemaker.iam.evaluator.AuthorizationRequest` objects (one per action) it authorizes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from ..errors import MISSING
from ..paths import split_path
from ..rules import Guardrail, RULES
from .. import paths as _paths
from .constants import SAGEMAKER_SERVICE_PRINCIPAL
from .evaluator import AuthorizationRequest, ContextValue
from .keys import _INSTANCE_TYPES, KeyField, _key_fields

__all__ = ["request_context", "authorization_requests"]


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


def workteam_type(arn: Any) -> str | None:
    """``sagemaker:WorkteamType`` of a work team ARN: the ``<type>`` of ``...:workteam/<type>/<name>``
    (``"public-crowd"``, ``"private-crowd"``, ``"vendor-crowd"``), or ``None`` when ``arn`` has none."""
    if not isinstance(arn, str) or arn.count(":") < 5:
        return None
    parts = arn.split(":", 5)[5].split("/")
    return parts[1] if len(parts) >= 3 and parts[0] == "workteam" and parts[1] else None


def _observe(operation: str, params: Mapping[str, Any]) -> list[_Observed]:
    rule = RULES.get(operation)
    if rule is None or rule.unsupported:
        return []
    seen: list[_Observed] = []
    matches: dict[str, list[tuple[str, Any]]] = {}  # per anchor: several fields share one
    for kf in _key_fields(rule):
        anchor = kf.target.anchor
        found = matches.get(anchor)
        if found is None:
            found = matches[anchor] = _anchor_matches(params, anchor)
        for anchor_path, container in found:
            value = _field_value(container, kf.field.path)
            if value is MISSING:
                continue
            if kf.member is not None:
                if not _paths.is_map(value) or kf.member not in value:
                    continue
                value = value[kf.member]
            if kf.field.guardrail is Guardrail.WORKTEAM:
                value = workteam_type(value)
                if value is None:
                    continue
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
    ``Null: true``). Values are as the request gives them (strings, booleans, integers: the
    numeric ``sagemaker:ServerlessMaxConcurrency``), except
    ``sagemaker:WorkteamType``: the work team type in the ``WorkteamArn``
    (:func:`workteam_type`).

    Parameters
    ----------
    operation : str
        SageMaker operation (botocore's spelling).
    params : Mapping[str, Any]
        The request parameters (botocore shapes).

    Returns
    -------
    dict[str, list[str] | str | bool | int]
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
        elif obs.key not in ctx and isinstance(obs.value, (str, bool, int)):
            ctx[obs.key] = obs.value
    return {k: v for k, v in ctx.items() if v != []}


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
        (``FieldRule.instance_types``: every type the job may run on, as AWS
        fills the key) when the request names any, and the global keys, then one ``iam:PassRole`` per distinct role the request
        passes (resource: the role ARN; ``iam:PassedToService =
        sagemaker.amazonaws.com``).
    """
    globals_: dict[str, ContextValue] = {"aws:ViaAWSService": via_aws_service}
    if source_vpce is not None:
        globals_["aws:SourceVpce"] = source_vpce
    context = request_context(operation, params)
    types = _instance_types(operation, params)
    if types:
        context[_INSTANCE_TYPES] = types
    out = [AuthorizationRequest(f"sagemaker:{operation}", "*", {**context, **globals_})]
    for role in _role_values(operation, params):
        out.append(AuthorizationRequest("iam:PassRole", role,
                                        {"iam:PassedToService": SAGEMAKER_SERVICE_PRINCIPAL, **globals_}))
    return out
