"""How the SDK adapters refuse: through the guard, never with violations of their own.

An adapter sees what the SDK is about to do before the SDK builds a request
(an estimator's arguments, a ``serverless_inference_config``, a role name, a
remote function's job settings). It turns that into the request(s) it will
cause and asks :func:`safemaker.guard.decide`; the rule IDs, the values
required and the fix texts are the guard's, from the one definition of each
guardrail (:mod:`safemaker.rules`, :mod:`safemaker.rules_guardrails`,
:mod:`safemaker.preflight`). The adapter only says *where* the value came
from: :func:`at_argument` points a guard violation at the SDK argument (or
config key) that holds the value. Imports no SageMaker SDK module.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from safemaker import guard as _guard
from safemaker import preflight as _preflight
from safemaker.errors import MISSING, GuardrailViolation, Violation
from safemaker.instances import every_instance_storage, has_instance_storage
from safemaker.paths import Writer as _Writer
from safemaker.paths import expand_all as _expand_all
from safemaker.paths import format_path as _format_path
from safemaker.paths import get_path as _get_path
from safemaker.paths import split_path as _split_path
from safemaker.rules import Guardrail, rule_for

if TYPE_CHECKING:  # pragma: no cover
    from safemaker.profile import VpcProfile

__all__ = [
    "ArgumentMap",
    "under",
    "refuse",
    "serverless_endpoint_config",
    "refuse_serverless",
    "refuse_role",
    "argument_of",
    "at_argument",
    "decide_arguments",
    "refuse_arguments",
    "close_arguments",
    "every_instance_storage_type",
    "instance_storage_types",
    "leave_out_volume_key",
]

ArgumentMap = Sequence[tuple[str, str]]
"""``(SDK argument, request path)`` pairs: ``("subnets", "VpcConfig.Subnets")``."""

SERVERLESS_VARIANT = "ProductionVariants[0].ServerlessConfig"
"""Where the SDK puts a serverless config in the ``CreateEndpointConfig`` it sends (both majors)."""


def under(path: str, prefix: str) -> bool:
    """Whether concrete ``path`` is ``prefix`` or inside it (``"VpcConfig.Subnets[0]"`` is under ``"VpcConfig"``)."""
    return path == prefix or path.startswith(prefix + ".") or path.startswith(prefix + "[")


def refuse(operation: str, request: Mapping[str, Any], profile: "VpcProfile", *,
           within: Sequence[str] | None = None, refuser: str | None = None,
           also: "_preflight.Findings | None" = None, stacklevel: int = 3) -> _guard.Decision:
    """Ask the guard about a request the SDK is about to cause; raise what it refuses.

    Parameters
    ----------
    operation : str
        The operation the SDK will send (``"CreateEndpointConfig"``).
    request : Mapping
        The part of that request the adapter knows; the guard fills in what the
        profile decides, as it will on the final request.
    profile : VpcProfile
    within : sequence of str, optional
        Request paths the adapter answers for: violations elsewhere belong to
        fields the SDK has not decided yet (the final request is decided again
        when it is sent). ``None``: every violation.
    refuser : str, optional
        The ``operation`` of the :class:`GuardrailViolation` (default ``operation``).
    also : safemaker.preflight.Findings, optional
        Findings of the preflight checks on what exists before the request (a
        local source directory: :func:`safemaker.preflight.check_source_dir`),
        refused (or warned about) together with the guard's.
    stacklevel : int, default 3
        For the :class:`~safemaker.errors.PreflightWarning` of a preflight
        check that only warns.

    Returns
    -------
    safemaker.guard.Decision
        The guard's decision (nothing refused within ``within``).

    Raises
    ------
    GuardrailViolation
        The guard's violations within ``within``, as the guard made them, and
        the refusals of ``also``.
    """
    decision = _guard.decide(operation, request, profile)
    warned = [w for w in decision.warnings if within is None or any(under(w.path, p) for p in within)]
    violations = [v for v in decision.violations if within is None or any(under(v.path, p) for p in within)]
    if also is not None:
        warned += also.warnings
        violations += also.refusals
    for warning in warned:
        _preflight.emit_warning(warning, stacklevel=stacklevel)
    if violations:
        raise GuardrailViolation(refuser or operation, violations)
    return decision


def serverless_endpoint_config(config: Any, *, model_name: str | None = None,
                               endpoint_config_name: str | None = None) -> dict[str, Any]:
    """The ``CreateEndpointConfig`` request an SDK deploy with a serverless config sends.

    Parameters
    ----------
    config : object or Mapping
        The SDK's serverless config: SDK v2 ``sagemaker.serverless.ServerlessInferenceConfig``
        (``_to_request_dict()``), SDK v3's (a pydantic model: ``model_dump`` by
        alias), or the request's ``ServerlessConfig`` itself.
    model_name, endpoint_config_name : str, optional
        Names the SDK will use (only shown; placeholders when unknown).

    Returns
    -------
    dict
        ``{"EndpointConfigName": ..., "ProductionVariants": [{"VariantName": "AllTraffic",
        "ModelName": ..., "ServerlessConfig": {...}}]}`` (``ServerlessConfig`` as
        SageMaker's ``ProductionVariantServerlessConfig`` when the SDK object can
        say it, else the object itself).
    """
    to_dict = getattr(config, "_to_request_dict", None)
    if callable(to_dict):
        shown = to_dict()
    elif isinstance(config, Mapping):
        shown = copy.deepcopy(dict(config))
    else:
        shown = _sdk_v3_serverless(config)
    return {"EndpointConfigName": endpoint_config_name or "(serverless)",
            "ProductionVariants": [{"VariantName": "AllTraffic", "ModelName": model_name or "(model)",
                                    "ServerlessConfig": shown}]}


def _sdk_v3_serverless(config: Any) -> Any:
    """SDK v3's ``ServerlessInferenceConfig`` as the request's ``ServerlessConfig`` (its own request
    shape when it has one; the object when not)."""
    for name in ("_to_request_dict", "to_request_dict"):
        method = getattr(config, name, None)
        if callable(method):
            return method()
    shape = {"MemorySizeInMB": getattr(config, "memory_size_in_mb", None),
             "MaxConcurrency": getattr(config, "max_concurrency", None),
             "ProvisionedConcurrency": getattr(config, "provisioned_concurrency", None)}
    shape = {k: v for k, v in shape.items() if isinstance(v, int) and not isinstance(v, bool)}
    return shape or config


def refuse_serverless(config: Any, profile: "VpcProfile | None", *, model_name: str | None = None,
                      endpoint_config_name: str | None = None, stacklevel: int = 4) -> None:
    """Refuse a deploy with a serverless config through the guard, before anything is created.

    The SDK sends ``CreateModel`` (and uploads) before the ``CreateEndpointConfig``
    that carries the serverless config; the guard's rule for that field
    (``SM-UNSUPPORTED``: serverless inference supports neither VpcConfig nor
    network isolation) decides it now.

    Parameters
    ----------
    config : object, Mapping or None
        The serverless config (``None``: nothing to check).
    profile : VpcProfile or None
        ``None``: nothing guards the SDK session; nothing is checked.
    model_name, endpoint_config_name : str, optional
        As :func:`serverless_endpoint_config`.

    Raises
    ------
    GuardrailViolation
        ``CreateEndpointConfig`` refused at ``ProductionVariants[0].ServerlessConfig``.
    """
    if config is None or profile is None:
        return
    request = serverless_endpoint_config(config, model_name=model_name, endpoint_config_name=endpoint_config_name)
    refuse("CreateEndpointConfig", request, profile, within=(SERVERLESS_VARIANT,), stacklevel=stacklevel)


_ROLE_FIELD = ("CreateTrainingJob", "RoleArn")
"""The request field a role given to a session is checked as: every role a closed session passes
is checked by the same rule (``SM-IAM-ROLE``), whichever request carries it."""


def refuse_role(role: str, profile: "VpcProfile", *, argument: str = "role",
                refuser: str = "ClosedNetworkSession") -> None:
    """Refuse a role the profile does not allow, through the guard (``SM-IAM-ROLE``).

    Parameters
    ----------
    role : str
        A role ARN or name, as the SDK would pass it.
    profile : VpcProfile
    argument : str, default "role"
        The argument that holds it (the violation's path).
    refuser : str, default "ClosedNetworkSession"
        The refusal's ``operation``.

    Raises
    ------
    GuardrailViolation
        ``role`` is not one of the profile's roles.
    """
    operation, field = _ROLE_FIELD
    decision = _guard.decide(operation, {field: role}, profile)
    violations = [at_argument(v, argument, operation=refuser) for v in decision.violations if under(v.path, field)]
    if violations:
        raise GuardrailViolation(refuser, violations)


# --------------------------------------------------------------------------- SDK arguments


def argument_of(path: str, mapping: ArgumentMap) -> tuple[str, str]:
    """The ``(argument, request path)`` pair whose request path is the longest prefix of ``path``."""
    best, best_len = mapping[0], -1
    for arg, request_path in mapping:
        if under(path, request_path) and len(request_path) > best_len:
            best, best_len = (arg, request_path), len(request_path)
    return best


def at_argument(violation: Violation, path: str, *, fix: str | None = None, operation: str | None = None) -> Violation:
    """The guard's ``violation``, pointed at where the value came from (an SDK argument, a config key).

    Rule ID, value found, value required and its wording stay the guard's.

    Parameters
    ----------
    violation : Violation
        As the guard made it.
    path : str
        What to show as its path (``"subnets"``, ``"networking.subnets[1] (VpcConfig.Subnets[1])"``,
        ``"SageMaker.TrainingJob.VpcConfig in user.yaml"``).
    fix : str, optional
        Which argument (or key) to change; default the guard's fix.
    operation : str, optional
        The refuser (default the guard's operation).
    """
    return dataclasses.replace(violation, path=path, fix=violation.fix if fix is None else fix,
                               operation=violation.operation if operation is None else operation)


def _set(writer: _Writer, path: str, value: Any) -> None:
    """Set ``value`` at member path ``path`` of the request ``writer`` builds (the one path engine's writer),
    creating the structures on the way; a path through a value that is not a structure is an error."""
    parts = _split_path(path)
    if "[]" in parts or not writer.set(parts, value, create_parents=True):
        raise TypeError(f"cannot set {path}: a value on the way is not a structure")


def decide_arguments(operation: str, mapping: ArgumentMap, values: Mapping[str, Any],
                     profile: "VpcProfile", parents: Sequence[str] = (),
                     context: Mapping[str, Any] | None = None) -> _guard.Decision:
    """Ask the guard about a request made of the given SDK arguments (and ``context``) only.

    Parameters
    ----------
    operation : str
        The operation the arguments build (``"CreateTrainingJob"``).
    mapping : ArgumentMap
        ``("subnets", "VpcConfig.Subnets")``...
    values : Mapping
        The values given; an argument absent (or ``MISSING``) is left out.
    profile : VpcProfile
    parents : sequence of str
        Request structures to create so that nested fields can be filled
        (``"ResourceConfig"`` for ``ResourceConfig.VolumeKmsKeyId``).
    context : Mapping, optional
        Request path -> value of other request fields the SDK will send that
        decide whether a field applies, not checked as arguments:
        ``{"ResourceConfig.InstanceType": "ml.g5.xlarge"}`` (an instance type
        with instance-store volumes takes no ``VolumeKmsKeyId``, so the guard
        neither fills nor requires it). A value that is ``None`` or
        ``MISSING`` is left out.

    Returns
    -------
    safemaker.guard.Decision
        Its ``params`` hold the given values and the profile's for the absent
        ones; its ``violations`` the arguments that conflict, with request paths.
    """
    proxy = _Writer({})
    for parent in parents:
        _set(proxy, parent, {})
    for path, value in (context or {}).items():
        if value is not None and value is not MISSING:
            _set(proxy, path, copy.deepcopy(value))
    for arg, path in mapping:
        value = values.get(arg, MISSING)
        if value is not MISSING:
            _set(proxy, path, copy.deepcopy(value))
    return _guard.decide(operation, proxy.root, profile)


def refuse_arguments(operation: str, mapping: ArgumentMap, values: Mapping[str, Any], profile: "VpcProfile", *,
                     where: str, parents: Sequence[str] = (), keyword: bool = True,
                     refuser: str | None = None, show_request_path: bool = False,
                     context: Mapping[str, Any] | None = None) -> _guard.Decision:
    """Ask the guard about SDK arguments as the request fields they become; refuse every conflict at once.

    Parameters
    ----------
    operation, mapping, values, parents, context
        As :func:`decide_arguments`.
    profile : VpcProfile
    where : str
        The call, for the fix (``"ClosedEstimator()"``).
    keyword : bool, default True
        The arguments are keywords (``subnets=``); ``False``: attribute paths
        (``networking.subnets``).
    refuser : str, optional
        The refusal's ``operation`` (default ``operation``).
    show_request_path : bool, default False
        Show each violation's path as ``"<argument><index> (<request path>)"``
        (``"networking.subnets[1] (VpcConfig.Subnets[1])"``) instead of the
        request path.

    Returns
    -------
    safemaker.guard.Decision
        Nothing refused: its ``params`` hold the given values and the profile's.

    Raises
    ------
    GuardrailViolation
        Every conflicting argument: the guard's violations (rule, found,
        required), each with a fix naming the argument to change.
    """
    decision = decide_arguments(operation, mapping, values, profile, parents, context)
    if not decision.violations:
        return decision
    out = []
    for v in decision.violations:
        arg, request_path = argument_of(v.path, mapping)
        name = f"{arg}=" if keyword else arg
        if v.found is MISSING:
            fix = (f"Pass {name} too in {where}, or leave out every VPC argument so that the profile's "
                   "Subnets and SecurityGroupIds are used")
        else:
            fix = f"Change {name} in {where}, or leave it out so that the profile's value is used"
        shown = f"{arg}{v.path[len(request_path):]} ({v.path})" if show_request_path else v.path
        out.append(at_argument(v, shown, fix=fix, operation=refuser))
    raise GuardrailViolation(refuser or operation, out)


def close_arguments(operation: str, mapping: ArgumentMap, values: Mapping[str, Any], profile: "VpcProfile", *,
                    where: str, parents: Sequence[str] = (), defaults: Mapping[str, Any] | None = None,
                    context: Mapping[str, Any] | None = None, **refusal: Any) -> dict[str, Any]:
    """Check SDK arguments as the request fields they become; fill the absent ones (both SDK majors).

    Parameters
    ----------
    operation, mapping, values, profile, where, parents, context
        As :func:`refuse_arguments`: ``("subnets", "VpcConfig.Subnets")``...;
        an argument absent (or ``MISSING``) is filled where the guard fills
        its field (``context`` decides whether a field applies).
    defaults : Mapping, optional
        A document of the request's shape whose values come before the
        profile's for an absent argument whose field the guard fills (SDK v2:
        the session's ``sagemaker_config`` section of the operation,
        ``SageMaker.TrainingJob``, which may be narrower than the profile: one
        subnet out of two). A field the guard leaves out (the volume key of an
        instance type with instance-store volumes) takes nothing from it either.
        A value taken from it is a deep copy.
    **refusal
        ``keyword``, ``refuser``, ``show_request_path`` of :func:`refuse_arguments`.

    Returns
    -------
    dict
        Argument -> value to use: the value given, else (where the guard
        fills the field) the one of ``defaults``, else the profile's;
        ``MISSING`` where the guard fills nothing (a KMS key the profile does
        not set, a volume key the instance type cannot take).

    Raises
    ------
    GuardrailViolation
        Every conflicting argument at once (see :func:`refuse_arguments`).
    """
    decision = refuse_arguments(operation, mapping, values, profile, where=where, parents=parents,
                                context=context, **refusal)
    result: dict[str, Any] = {}
    for arg, path in mapping:
        decided = _get_path(decision.params, path)
        if defaults is not None and decided is not MISSING and values.get(arg, MISSING) is MISSING:
            configured = _get_path(defaults, path)
            if configured is not MISSING:
                decided = copy.deepcopy(configured)
        result[arg] = decided
    return result


# --------------------------------------------------------------------------- volume keys on instance storage


def instance_storage_types(*instance_types: Any) -> tuple[str, ...]:
    """The ones of ``instance_types`` (SDK arguments: a string, a pipeline variable, ``None``) that have
    instance-store volumes, which take no volume KMS key (:func:`safemaker.instances.has_instance_storage`)."""
    return tuple(t for t in instance_types if has_instance_storage(t))


def every_instance_storage_type(*instance_types: Any) -> bool:
    """Whether every one of ``instance_types`` (SDK arguments; ``None`` ones are absent, at least one given) has
    instance-store volumes: only then does the job's volume take no key (a mix keeps the profile's key:
    :func:`safemaker.instances.every_instance_storage`)."""
    return every_instance_storage(t for t in instance_types if t is not None)


def leave_out_volume_key(operation: str, request: dict[str, Any], key: str | None) -> tuple[str, ...]:
    """Remove ``key`` where ``request`` gives it as the volume KMS key of instance types that all have instance-store volumes.

    The SageMaker API takes no ``VolumeKmsKeyId`` for those ("You can't request
    a VolumeKmsKeyId when using an instance type with local storage":
    ``ResourceConfig``, ``ProcessingClusterConfig``, ``TransformResources``,
    ``HyperParameterTuningResourceConfig`` in the API reference), and the guard
    neither fills nor requires it there. The SDKs put a closed session's
    defaults (``sagemaker_config``, which holds the profile's volume key) into
    such requests on their own: SDK v2 ``Processor`` and ``Transformer`` with
    every instance type, ``Session.train`` with the types its own list
    (``sagemaker.utils.instance_supports_kms``) does not know. Which fields,
    and which instance types decide them, is the rule table's
    (``FieldRule.instance_types`` of the ``SM-KMS-VOLUME`` fields): the key is
    removed only when every type found there has instance storage; a mix
    (``InstanceConfigs`` ``[ml.c5, ml.g5]``, heterogeneous ``InstanceGroups``)
    keeps it, since a job on the EBS type needs it (trial 14b F00).

    Parameters
    ----------
    operation : str
        The operation ``request`` is for (``"CreateProcessingJob"``).
    request : dict
        The request the SDK is about to send; changed in place.
    key : str or None
        The profile's ``volume_kms_key_id`` (``None``: nothing is removed). A
        different value is left for the guard to decide (it refuses a foreign key).

    Returns
    -------
    tuple[str, ...]
        The paths removed (``"ProcessingResources.ClusterConfig.VolumeKmsKeyId"``).
    """
    rule = rule_for(operation) if key is not None else None
    if rule is None:
        return ()
    removed: list[str] = []
    for target in rule.targets:
        for prefix, container in _expand_all(request, _split_path(target.anchor)):
            for f in target.fields:
                if f.guardrail is not Guardrail.VOLUME_KMS_KEY or not f.instance_types:
                    continue
                parts = _split_path(f.path)
                holder = _get_path(container, ".".join(parts[:-1])) if len(parts) > 1 else container
                if not isinstance(holder, dict) or holder.get(parts[-1]) != key:
                    continue
                if every_instance_storage(t for p in f.instance_types
                                          for _, t in _expand_all(container, _split_path(p)) if t is not None):
                    del holder[parts[-1]]
                    removed.append(_format_path(prefix + parts))
    return tuple(removed)
