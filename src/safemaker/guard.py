"""The guard: decide on one SageMaker request against a VPC profile. Pure: no I/O.

Semantics (the same for every operation in :mod:`safemaker.rules`):

- **absent → inject** the profile's value (network isolation ``True``, both
  VPC lists, ``EnableInterContainerTrafficEncryption=True``, KMS keys when the
  profile has them, notebook ``DirectInternetAccess="Disabled"``, ``SubnetId``,
  ``SecurityGroupIds``, ``RootAccess``); on update operations nothing is
  injected and unchanged fields need not be restated;
- **an explicit conflicting value is never overwritten**: it is a violation
  (isolation ``False``, IDs outside the profile, empty lists, duplicates, half
  a ``VpcConfig``, ``DirectInternetAccess="Enabled"``, ``"Disabled"`` without a
  subnet, ...);
- **absent means the AWS default** (insecure) wherever nothing is injected:
  in :func:`check` and in :func:`check_resource` (existing resources).

The hooks (:mod:`safemaker.hooks`) call :func:`decide` on the final request
botocore is about to send, then resolve :func:`references` with Describe
calls and check what they return with :func:`check_resource`.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Sequence

from . import paths as _paths
from . import preflight as _preflight
from .errors import MISSING, GuardrailViolation, Violation
from .instances import has_instance_storage
from .paths import split_path
from .rules import RESOURCES, RULES, FieldRule, Guardrail, OperationRule
from .rules_guardrails import guardrail_spec

if TYPE_CHECKING:  # pragma: no cover
    from .profile import VpcProfile

__all__ = [
    "Decision",
    "ResolvedReference",
    "decide",
    "check",
    "apply",
    "references",
    "check_resource",
    "check_description",
    "format_path",
]


@dataclass(frozen=True)
class ResolvedReference:
    """A resource a request names, found at a concrete path.

    Attributes
    ----------
    path : str
        Concrete request path (``"ProductionVariants[0].ModelName"``).
    resource : str
        Resource type key in :data:`safemaker.rules.RESOURCES` (``"model"``).
    name : str
        The name the request gives.
    """

    path: str
    resource: str
    name: str


@dataclass(frozen=True)
class Decision:
    """What the guard decided for one request.

    Attributes
    ----------
    operation : str
        The operation (botocore's spelling).
    params : dict
        The request to send: the input with injected fields added. The input
        mapping is never mutated; structures along injected paths are copied.
    injected : tuple[str, ...]
        Concrete paths of the fields injected from the profile.
    violations : tuple[Violation, ...]
        Every violation left after injection (empty when allowed).
    references : tuple[ResolvedReference, ...]
        Resources the request names, to be checked through Describe calls.
    guarded : bool
        ``False`` when the operation has no rule (the request is untouched).
    warnings : tuple[Violation, ...]
        Preflight findings that only warn (:mod:`safemaker.preflight`); the
        request is still sent.
    """

    operation: str
    params: dict[str, Any]
    injected: tuple[str, ...]
    violations: tuple[Violation, ...]
    references: tuple[ResolvedReference, ...]
    guarded: bool = True
    warnings: tuple[Violation, ...] = ()

    @property
    def allowed(self) -> bool:
        """``True`` when nothing in the request itself breaks a guardrail."""
        return not self.violations


def _decision(operation: str, params: dict[str, Any], injected: tuple[str, ...], violations: tuple[Violation, ...],
              refs: tuple[ResolvedReference, ...], warnings: tuple[Violation, ...] = ()) -> Decision:
    """``Decision(...)`` of a guarded operation, made as its ``__init__`` makes it (a frozen dataclass: filling
    its ``__dict__`` directly skips a ``__setattr__`` per field; one is made per request)."""
    d = object.__new__(Decision)
    d.__dict__.update(operation=operation, params=params, injected=injected, violations=violations,
                      references=refs, guarded=True, warnings=warnings)
    return d


# --------------------------------------------------------------------------- paths

_Key = _paths.Key
_is_map = _paths.is_map
_is_seq = _paths.is_seq
format_path = _paths.format_path
_expand = _paths.expand
_expand_all = _paths.expand_all
_values = _paths.values
_get = _paths.get
_Writer = _paths.Writer


# --------------------------------------------------------------------------- field checks


_RULE_IDS = {g: g.value for g in Guardrail}
_new_violation = object.__new__


@dataclass(frozen=True)
class _ProfileView:
    """The profile values the checks read, as plain attributes (a pydantic model's private
    attributes and properties cost a ``__getattr__`` each; the guard reads them per field)."""

    subnets: tuple[str, ...]
    subnet_set: frozenset[str]
    security_group_ids: tuple[str, ...]
    security_group_set: frozenset[str]
    vpc_id: str
    require_network_isolation: bool
    require_inter_container_traffic_encryption: bool
    notebook_root_access: str
    volume_kms_key_id: str | None
    output_kms_key_id: str | None
    allowed_role_arns: tuple[str, ...]
    whole: Any = None  # the profile itself, for the rare check that needs all of it (SM-NB-LIFECYCLE)


_VIEWS: dict[int, tuple[Any, _ProfileView]] = {}


def _view(profile: "VpcProfile") -> _ProfileView:
    """The :class:`_ProfileView` of a (frozen) profile, made once per profile object."""
    hit = _VIEWS.get(id(profile))
    if hit is not None and hit[0]() is profile:
        return hit[1]
    view = _ProfileView(
        tuple(profile.subnets), frozenset(profile.subnet_set), tuple(profile.security_group_ids),
        frozenset(profile.security_group_set), profile.vpc_id, bool(profile.require_network_isolation),
        bool(profile.require_inter_container_traffic_encryption), profile.notebook_root_access,
        profile.volume_kms_key_id, profile.output_kms_key_id, tuple(profile.allowed_role_arns), profile)
    try:
        ref = weakref.ref(profile)
    except TypeError:  # pragma: no cover - a profile-like object without weak references
        return view
    if len(_VIEWS) > 64:
        _VIEWS.clear()
    _VIEWS[id(profile)] = (ref, view)
    return view


@dataclass(slots=True)
class _Ctx:
    operation: str
    profile: _ProfileView  # the profile's values (see _view)
    inject: bool          # may inject absent values
    update: bool          # update operation: absent is fine
    out: list[Violation]
    describing: bool = False  # checking an existing resource's description
    root: Any = None          # the whole request/description (for not_required_when)
    written: bool = False     # a document checked as written (pipeline step): never injected into
    container: Any = None     # the structure at the current anchor (for only_with / instance_types)
    never_injects: bool = False  # an update operation: nothing is ever injected

    def omit(self, text: str) -> str:
        """``text`` (a hint that omitting the field gets it injected), unless nothing is ever injected."""
        return "" if self.written or self.never_injects else text

    def unwalkable(self, parts: tuple[_Key, ...], value: Any) -> None:
        """A value where the model has a list, that is neither a list nor a tuple: refused, not skipped."""
        path = format_path(parts)
        if any(v.path == path and v.rule_id == Guardrail.UNSUPPORTED.value for v in self.out):
            return
        self.out.append(Violation(
            self.operation, path, _shown(value), "a list",
            f"Give {path} as a list (or tuple): a {type(value).__name__} cannot be checked element by element",
            Guardrail.UNSUPPORTED.value, "a list or tuple"))

    def violation(self, path: str, found: Any, required: Any, fix: str, rule: Guardrail,
                  required_text: str | None = None) -> None:
        # Violation is a frozen dataclass: fill its __dict__ directly (what its __init__ does, minus the
        # per-field object.__setattr__ calls); the guard makes many of them on the hot path.
        v = _new_violation(Violation)
        v.__dict__.update(operation=self.operation, path=path, found=found, required=required, fix=fix,
                          rule_id=_RULE_IDS[rule], required_text=required_text)
        self.out.append(v)


def _shown(value: Any) -> Any:
    """A value to show in a violation: never consume an iterator to show it."""
    if isinstance(value, (set, frozenset)):
        return sorted(map(repr, value))
    if isinstance(value, (str, int, float, bool, type(None))):
        return value
    return f"a {type(value).__name__}"


def _ids_problem(ctx: _Ctx, path: str, value: Any, allowed: Sequence[str], allowed_set: frozenset[str],
                 noun: str, rule: Guardrail, fix_absent: str) -> None:
    """Check a list of IDs: a non-empty list of unique strings, each in the profile."""
    if value.__class__ is list and value:  # the common case, each ID allowed once: nothing to build
        if len(value) == 1:
            if value[0].__class__ is str and value[0] in allowed_set:
                return
        elif all(item.__class__ is str and item in allowed_set for item in value) and len(set(value)) == len(value):
            return
    listed = list(allowed)
    if value is MISSING:
        ctx.violation(path, MISSING, listed, fix_absent, rule, f"{noun} {listed}")
        return
    if not _is_seq(value):
        ctx.violation(path, value, listed, f"Give {path} as a list of {noun}", rule,
                      f"a list of the profile's {noun} {listed}")
        return
    if not value:
        ctx.violation(path, value, listed, f"Give at least one of the profile's {noun}"
                      + ctx.omit(", or omit the structure to use the profile's"), rule,
                      f"a non-empty list of the profile's {noun} {listed}")
        return
    seen: set[Any] = set()
    for i, item in enumerate(value):
        ipath = f"{path}[{i}]"
        if isinstance(item, str) and item in allowed_set:
            if item in seen:
                ctx.violation(ipath, item, listed, f"Remove the duplicate {item!r} from {path}", rule,
                              f"unique {noun}")
            seen.add(item)
            continue
        ctx.violation(ipath, item, listed,
                      f"Use only {noun} of the profile's VPC (an administrator can extend the profile)",
                      rule, f"one of the profile's {noun} {listed}")


def _check_bool_true(ctx: _Ctx, f: FieldRule, path: str, value: Any, name: str) -> Any:
    if value is True:
        return MISSING
    if value is MISSING:
        if ctx.update or not _is_required(ctx, f):
            return MISSING
        if ctx.inject and f.inject:
            return True
    if ctx.describing:
        fix = f"Recreate the resource with {name} enabled"
    else:
        fix = f"Set {path} to True" + ctx.omit(", or omit it so that the closed session injects True")
    ctx.violation(path, value, True, fix, f.guardrail)
    return MISSING


def _check_enum(ctx: _Ctx, f: FieldRule, path: str, value: Any, wanted: str) -> Any:
    if value == wanted:
        return MISSING
    if value is MISSING:
        if ctx.update or not _is_required(ctx, f):
            return MISSING
        if ctx.inject and f.inject:
            return wanted
    if ctx.describing:
        fix = (f"Set {path} to {wanted!r}" if f.updatable
               else f"Recreate the resource with {path} {wanted!r}: it cannot be changed after creation")
    else:
        fix = f"Set {path} to {wanted!r}" + ctx.omit(", or omit it so that the closed session injects it")
    ctx.violation(path, value, wanted, fix, f.guardrail)
    return MISSING


def _check_vpc(ctx: _Ctx, f: FieldRule, path: str, value: Any) -> Any:
    p = ctx.profile
    if ctx.describing and value == {}:
        value = MISSING  # F16: a description's "VpcConfig: {}" means no VPC
    if value is MISSING:
        if ctx.update or not _is_required(ctx, f):
            return MISSING
        if ctx.inject and f.inject:
            injected: dict[str, Any] = {"Subnets": list(p.subnets), "SecurityGroupIds": list(p.security_group_ids)}
            if f.with_vpc_id:
                injected[f.with_vpc_id] = p.vpc_id
            return injected
        fix = ("Recreate the resource in the profile's VPC" if ctx.describing
               else f"Give {path} with the profile's Subnets and SecurityGroupIds"
               + ctx.omit(", or omit it in a closed session"))
        ctx.violation(path, MISSING, {"Subnets": list(p.subnets), "SecurityGroupIds": list(p.security_group_ids)},
                      fix, f.guardrail, "a VPC configuration with the profile's Subnets and SecurityGroupIds")
        return MISSING
    if not _is_map(value):
        ctx.violation(path, value, "a structure", f"Give {path} as a structure with Subnets and SecurityGroupIds",
                      f.guardrail, "a structure with Subnets and SecurityGroupIds")
        return MISSING
    half = "Give both Subnets and SecurityGroupIds (half a VpcConfig is dropped by SDKs and means no VPC)"
    _ids_problem(ctx, f"{path}.Subnets", value.get("Subnets", MISSING), p.subnets, p.subnet_set,
                 "subnets", f.guardrail, half)
    _ids_problem(ctx, f"{path}.SecurityGroupIds", value.get("SecurityGroupIds", MISSING),
                 p.security_group_ids, p.security_group_set, "security groups", f.guardrail, half)
    if f.with_vpc_id:
        vid = value.get(f.with_vpc_id, MISSING)
        if vid != p.vpc_id:
            ctx.violation(f"{path}.{f.with_vpc_id}", vid, p.vpc_id,
                          f"Set {path}.{f.with_vpc_id} to the profile's VPC", f.guardrail)
    return MISSING


def _check_id_list(ctx: _Ctx, f: FieldRule, path: str, value: Any, subnets: bool) -> Any:
    p = ctx.profile
    allowed, allowed_set = ((p.subnets, p.subnet_set) if subnets
                            else (p.security_group_ids, p.security_group_set))
    noun = "subnets" if subnets else "security groups"
    if value is MISSING:
        if ctx.update or not _is_required(ctx, f):
            return MISSING
        if ctx.inject and f.inject:
            return list(allowed)
    _ids_problem(ctx, path, value, allowed, allowed_set, noun, f.guardrail,
                 f"Give {path} with the profile's {noun}" + ctx.omit(", or omit it in a closed session"))
    return MISSING


def _check_subnet_id(ctx: _Ctx, f: FieldRule, path: str, value: Any) -> Any:
    p = ctx.profile
    if isinstance(value, str) and value in p.subnet_set:
        return MISSING
    if value is MISSING:
        if ctx.update or not _is_required(ctx, f):
            return MISSING
        if ctx.inject and f.inject:
            return p.subnets[0]
    fix = ("Recreate the resource in one of the profile's subnets" if ctx.describing
           else f"Set {path} to one of the profile's subnets" + ctx.omit(", or omit it in a closed session"))
    ctx.violation(path, value, list(p.subnets), fix, f.guardrail,
                  f"one of the profile's subnets {list(p.subnets)}")
    return MISSING


def _check_vpc_id(ctx: _Ctx, f: FieldRule, path: str, value: Any) -> Any:
    p = ctx.profile
    if value == p.vpc_id:
        return MISSING
    if value is MISSING:
        if ctx.update or not _is_required(ctx, f):
            return MISSING
        if ctx.inject and f.inject:
            return p.vpc_id
    ctx.violation(path, value, p.vpc_id, f"Set {path} to the profile's VPC", f.guardrail)
    return MISSING


def _check_kms(ctx: _Ctx, f: FieldRule, path: str, value: Any, wanted: str | None) -> Any:
    if wanted is None or value == wanted:
        return MISSING
    if value is MISSING:
        if not _is_required(ctx, f):
            return MISSING
        if ctx.update or ctx.describing:
            # An absent key on an existing resource is the AWS managed key: report it.
            if ctx.describing and _is_required(ctx, f):
                ctx.violation(path, MISSING, wanted, "Recreate the resource with the profile's KMS key",
                              f.guardrail)
            return MISSING
        if ctx.inject and f.inject:
            return wanted
        ctx.violation(path, MISSING, wanted, f"Set {path} to the profile's KMS key", f.guardrail)
        return MISSING
    ctx.violation(path, value, wanted, f"Use the profile's KMS key for {path}" + ctx.omit(", or omit it"),
                  f.guardrail)
    return MISSING


def _check_role(ctx: _Ctx, f: FieldRule, path: str, value: Any) -> Any:
    if value is MISSING:
        return MISSING
    allowed = ctx.profile.allowed_role_arns
    if value in allowed:
        return MISSING
    ctx.violation(path, value, list(allowed),
                  "Pass the profile's execution role (or ask an administrator to add this role to the profile)",
                  f.guardrail, f"one of the profile's roles {list(allowed)}")
    return MISSING


def _check_forbidden(ctx: _Ctx, f: FieldRule, path: str, value: Any) -> Any:
    """A field whose presence means the request cannot run closed (never injected)."""
    if value is MISSING or value is None:
        return MISSING
    reason = f.reason or "it cannot run in a closed network"
    fix = (f"Recreate the resource without {path}: {reason}" if ctx.describing
           else f"Remove {path}: {reason}")
    ctx.violation(path, value, MISSING, fix, f.guardrail, f"{path} to be absent")
    return MISSING


_REMOTE_OFF = {"RemoteAccess": "DISABLED", "EnableRemoteDebug": False}
"""The value that keeps each remote-access switch off (botocore's model: enum / boolean)."""


def _check_remote_access(ctx: _Ctx, f: FieldRule, path: str, value: Any) -> Any:
    """A remote-access switch: absent (the AWS default, off) or explicitly off; never injected."""
    off = _REMOTE_OFF[f.path.rsplit(".", 1)[-1]]
    if value is MISSING or value is None or (value == off and type(value) is type(off)):
        return MISSING
    fix = ((f"Recreate the resource with {path} {off!r}" if ctx.describing else f"Set {path} to {off!r} or omit it")
           + ": remote access reaches the resource from outside the profile's network")
    ctx.violation(path, value, off, fix, f.guardrail)
    return MISSING


def _check_lifecycle_script(ctx: _Ctx, f: FieldRule, path: str, value: Any) -> Any:
    """Notebook lifecycle scripts run as root: refused while the profile disables root access."""
    if ctx.profile.notebook_root_access != "Disabled" or value is MISSING or value is None:
        return MISSING
    if isinstance(value, (list, tuple)) and len(value) == 0:
        return MISSING  # no script at all
    if path.rsplit(".", 1)[-1] == "OnStart":
        from .notebook_lifecycle import is_safemaker_on_start

        if ctx.profile.whole is not None and is_safemaker_on_start(ctx.profile.whole, value):
            return MISSING  # safemaker's own on-start script for this very profile (installs as ec2-user)
    ctx.violation(path, "a lifecycle script", "no script",
                  f"Remove {path}: lifecycle configuration scripts run as root, which the profile's "
                  f"notebook_root_access 'Disabled' forbids. {guardrail_spec(f.guardrail).fix[:-1]}", f.guardrail,
                  "no lifecycle script (the profile's notebook_root_access is 'Disabled')")
    return MISSING


_Conditions = tuple[tuple[str, ...] | None, tuple[tuple[tuple[str, ...], bool], ...]]
_CONDITIONS: dict[int, tuple[FieldRule, _Conditions | None]] = {}


def _conditions(f: FieldRule) -> _Conditions | None:
    """``None`` for an unconditional field, else ``(only_with parts, ((instance type parts, has []), ...))``,
    split once per field (fields live in RULES; keyed by identity, the field kept alive beside it)."""
    hit = _CONDITIONS.get(id(f))
    if hit is not None and hit[0] is f:
        return hit[1]
    if len(_CONDITIONS) > 4096:
        _CONDITIONS.clear()
    conds: _Conditions | None = None
    if f.conditional:
        conds = (split_path(f.only_with) if f.only_with else None,
                 tuple((split_path(p), "[]" in split_path(p)) for p in f.instance_types))
    _CONDITIONS[id(f)] = (f, conds)
    return conds


def _instance_store(container: Any, parts: tuple[str, ...], lists: bool) -> bool:
    if not lists:
        return has_instance_storage(_get(container, parts))
    for _, v in _expand_all(container, parts):
        if has_instance_storage(v):
            return True
    return False


def _is_required(ctx: _Ctx, f: FieldRule) -> bool:
    if not f.required:
        return False
    conds = _conditions(f)
    if conds is None:
        return True
    only_with, instance_types = conds
    container = ctx.container
    if only_with is not None and container is not None and _get(container, only_with) in (MISSING, None):
        return False  # nothing to protect (a processing job without outputs has none to encrypt)
    if instance_types and container is not None:
        for parts, lists in instance_types:
            if _instance_store(container, parts, lists):
                return False  # instance-store volumes take no KMS key (the API refuses one)
    if f.not_required_when is not None and ctx.root is not None:
        return not any(v not in (None, "") for _, v in _values(ctx.root, f.not_required_when))
    return True


def _check_isolation(ctx: _Ctx, f: FieldRule, path: str, value: Any) -> Any:
    if not ctx.profile.require_network_isolation:
        return MISSING
    return _check_bool_true(ctx, f, path, value, "network isolation")


def _check_icte(ctx: _Ctx, f: FieldRule, path: str, value: Any) -> Any:
    if not ctx.profile.require_inter_container_traffic_encryption:
        return MISSING
    return _check_bool_true(ctx, f, path, value, "inter-container traffic encryption")


def _check_root(ctx: _Ctx, f: FieldRule, path: str, value: Any) -> Any:
    if ctx.profile.notebook_root_access != "Disabled":
        return MISSING
    return _check_enum(ctx, f, path, value, "Disabled")


_CHECKS = {
    Guardrail.NETWORK_ISOLATION: _check_isolation,
    Guardrail.INTER_CONTAINER_ENCRYPTION: _check_icte,
    Guardrail.VPC_CONFIG: _check_vpc,
    Guardrail.SUBNET_ID: _check_subnet_id,
    Guardrail.SUBNET_IDS: lambda ctx, f, path, value: _check_id_list(ctx, f, path, value, subnets=True),
    Guardrail.SECURITY_GROUP_IDS: lambda ctx, f, path, value: _check_id_list(ctx, f, path, value, subnets=False),
    Guardrail.VPC_ID: _check_vpc_id,
    Guardrail.DIRECT_INTERNET_ACCESS: lambda ctx, f, path, value: _check_enum(ctx, f, path, value, "Disabled"),
    Guardrail.ROOT_ACCESS: _check_root,
    Guardrail.APP_NETWORK_ACCESS_TYPE: lambda ctx, f, path, value: _check_enum(ctx, f, path, value, "VpcOnly"),
    Guardrail.VOLUME_KMS_KEY: lambda ctx, f, path, value: _check_kms(ctx, f, path, value,
                                                                     ctx.profile.volume_kms_key_id),
    Guardrail.OUTPUT_KMS_KEY: lambda ctx, f, path, value: _check_kms(ctx, f, path, value,
                                                                     ctx.profile.output_kms_key_id),
    Guardrail.ROLE_ARN: _check_role,
    Guardrail.UNSUPPORTED: _check_forbidden,
    Guardrail.REMOTE_ACCESS: _check_remote_access,
    Guardrail.LIFECYCLE_SCRIPT: _check_lifecycle_script,
}
"""One check per guardrail: ``(ctx, field, concrete path, value) -> value to inject or MISSING``."""


def _check_field(ctx: _Ctx, f: FieldRule, path: str, value: Any) -> Any:
    """Check one field; return the value to inject, or MISSING for none."""
    return _CHECKS[f.guardrail](ctx, f, path, value)


_Field = tuple[Any, FieldRule, tuple[str, ...], bool, str, "str | None"]
_Compiled = tuple[tuple[tuple[str, ...], bool, tuple[_Field, ...]], ...]


@lru_cache(maxsize=None)
def _compiled(operation: str) -> _Compiled:
    """Per target: ``(anchor parts, replace_on_update, fields)``; per field ``(check, field, field parts,
    is DIA, field path, its one member name or None)``: the rule table read and split once per operation."""
    rule = RULES[operation]
    out = []
    for t in rule.targets:
        fields = []
        for f in t.fields:
            parts = split_path(f.path)
            _conditions(f)  # split the field's conditions now, not on the first request
            fields.append((_CHECKS[f.guardrail], f, parts, f.guardrail is Guardrail.DIRECT_INTERNET_ACCESS,
                           f.path, parts[0] if len(parts) == 1 else None))
        out.append((split_path(t.anchor), t.replace_on_update, tuple(fields)))
    return tuple(out)


def _run(operation: str, rule: OperationRule, params: Mapping[str, Any], profile: "VpcProfile",
         inject: bool, pipeline_definition: Any = None, written: bool = False,
         ) -> tuple[dict[str, Any], list[str], list[Violation], list[ResolvedReference]]:
    violations: list[Violation] = []
    update = rule.kind == "update"
    ctx = _Ctx(operation, _view(profile), inject and not update, update, violations, root=params,
               written=written, never_injects=update)
    if rule.unsupported:
        ctx.violation(operation, operation, "an operation that can run closed", rule.unsupported,
                      Guardrail.UNSUPPORTED, "an operation that can run in a closed network")
        return dict(params), [], violations, []
    writer: _Writer | None = None
    injected: list[str] = []
    for anchor_parts, replaces, fields in _compiled(operation):
        # An update that replaces this structure as a whole: absent means the AWS default.
        ctx.update = update and not replaces
        if anchor_parts:
            matches: Any = _expand_all(params, anchor_parts, (), ctx.unwalkable)
        else:
            matches = (((), params),)
        for concrete, container in matches:
            is_dict = type(container) is dict
            if not is_dict and not _is_map(container):
                continue
            ctx.container = container
            dia_path: str | None = None
            prefix = format_path(concrete) + "." if concrete else ""
            owned: Any = None  # the writer's copy of this container, once something is injected
            for check_fn, f, parts, is_dia, fpath, key in fields:
                if key is not None and is_dict:
                    value = container.get(key, MISSING)
                else:
                    value = _get(container, parts)
                path = prefix + fpath if prefix else fpath
                new = check_fn(ctx, f, path, value)
                if is_dia:
                    dia_path = path
                if new is MISSING:
                    continue
                if owned is None:
                    if writer is None:
                        writer = _Writer(params)
                    owned = writer.own(concrete)
                if writer.set_in(owned, parts, new, f.create_parents):  # type: ignore[union-attr]
                    injected.append(path)
                elif _is_required(ctx, f):
                    ctx.violation(path, MISSING, new, f"Give {path}: its parent structure is absent",
                                  f.guardrail)
            if dia_path is not None:
                _check_dia_subnet(ctx, writer.root if writer else params, concrete, dia_path)
    extra_refs: list[ResolvedReference] = []
    if rule.definition is not None:
        extra_refs = _run_definition(operation, rule, params, profile, violations, pipeline_definition)
    return (writer.root if writer else dict(params)), injected, violations, extra_refs


def _run_definition(operation: str, rule: OperationRule, params: Mapping[str, Any], profile: "VpcProfile",
                    violations: list[Violation], fetched: Any) -> list[ResolvedReference]:
    """Check an embedded pipeline definition (inline, or fetched from its S3 location)."""
    from . import pipeline as _pipeline  # pipeline imports this module

    inline = params.get(rule.definition, MISSING) if rule.definition else MISSING
    location = params.get(rule.definition_location, MISSING) if rule.definition_location else MISSING
    refs: list[ResolvedReference] = []
    if inline is not MISSING and inline is not None:
        result = _pipeline.check_definition(inline, profile, operation=operation, prefix=rule.definition)
        violations += result.violations
        refs += result.references
    if location is not MISSING and location is not None:
        where = rule.definition_location or "PipelineDefinitionS3Location"
        if fetched is None:
            violations.append(Violation(
                operation, where, location, "the definition's content",
                "Send it through a guarded client (safemaker.install), which fetches and checks the S3 "
                "object, or pass its content as pipeline_definition", Guardrail.REFERENCE.value,
                "the definition's content, to check every step"))
        else:
            result = _pipeline.check_definition(fetched, profile, operation=operation, prefix=where)
            violations += result.violations
            refs += result.references
    return refs


def _check_dia_subnet(ctx: _Ctx, root: Mapping[str, Any], concrete: tuple[_Key, ...], dia_path: str) -> None:
    """F16: ``DirectInternetAccess="Disabled"`` needs a ``SubnetId`` (AWS rejects it, moto does not)."""
    container: Any = root
    for k in concrete:
        container = container[k]
    if container.get("DirectInternetAccess") != "Disabled":
        return
    sub = container.get("SubnetId", MISSING)
    path = format_path(concrete + ("SubnetId",))
    if sub in (MISSING, None, "") and not any(v.path == path for v in ctx.out):
        ctx.violation(path, sub, list(ctx.profile.subnets),
                      f"DirectInternetAccess 'Disabled' needs a subnet: set {path} to one of the profile's subnets",
                      Guardrail.SUBNET_ID, "a SubnetId when DirectInternetAccess is 'Disabled'")


# --------------------------------------------------------------------------- public API


def decide(operation: str, params: Mapping[str, Any], profile: "VpcProfile", *, inject: bool = True,
           pipeline_definition: Any = None) -> Decision:
    """Decide on one request: inject what is absent, list every violation left.

    Parameters
    ----------
    operation : str
        SageMaker operation name as botocore spells it (``"CreateTrainingJob"``).
    params : Mapping[str, Any]
        The request parameters, shaped as in botocore's service model (the
        ``api_params`` of ``provide-client-params``). Never mutated.
    profile : VpcProfile
        The VPC profile holding the allowed values.
    inject : bool, default True
        Inject the profile's values where fields are absent (create
        operations). ``False`` checks the request as given: absent means the
        AWS default.
    pipeline_definition : str, bytes, Mapping or None, default None
        For ``CreatePipeline`` / ``UpdatePipeline`` with a
        ``PipelineDefinitionS3Location``: the content of that S3 object (the
        hooks fetch it). Without it such a request is refused as unverifiable.
        An inline ``PipelineDefinition`` needs nothing. Pipeline definitions are
        checked, never rewritten (see :mod:`safemaker.pipeline`).

    Returns
    -------
    Decision
        The request to send, the injected paths, the violations and the
        references to check (for pipelines, also those of the steps). An
        operation without a rule returns the request unchanged with
        ``guarded=False``: without violations when
        :data:`safemaker.rules_classification.NO_NETWORK_EFFECT` lists it (or the
        profile sets ``allow_unclassified_operations``), else with one
        ``SM-UNCLASSIFIED`` violation naming it.

    Raises
    ------
    Nothing: violations are returned, not raised (see :func:`apply`).
    """
    rule = RULES.get(operation)
    if rule is None:
        unclassified = _unclassified(operation, profile)
        if operation not in _preflight.PREFLIGHT_OPERATIONS:
            return Decision(operation, dict(params), (), unclassified, (), guarded=False)
        found: list[Violation] = list(unclassified)
        warned = _run_preflight(operation, params, profile, found)
        return Decision(operation, dict(params), (), tuple(found), (), warnings=warned)
    out_params, injected, violations, extra_refs = _run(operation, rule, params, profile, inject,
                                                         pipeline_definition)
    warned = _run_preflight(operation, out_params, profile, violations)
    return _decision(operation, out_params, tuple(injected), tuple(violations),
                     tuple(references(operation, out_params)) + tuple(extra_refs), warned)


def _run_preflight(operation: str, params: Mapping[str, Any], profile: "VpcProfile",
                   violations: list[Violation]) -> tuple[Violation, ...]:
    """Add the preflight refusals of the final request to ``violations``; return its warnings."""
    findings = _preflight.check_request(operation, params, profile)
    if findings is None:
        return ()
    if findings.supersedes:
        violations[:] = [v for v in violations if v.path not in findings.supersedes]
    violations += findings.refusals
    return tuple(findings.warnings)


def _unclassified(operation: str, profile: "VpcProfile") -> tuple[Violation, ...]:
    """Refuse an operation the classification does not know (botocore newer than safemaker)."""
    from .rules_classification import NO_NETWORK_EFFECT, REFUSED  # imports this module's rules

    if operation in REFUSED:
        return (Violation(operation, operation, operation, "an operation that can run closed", REFUSED[operation],
                          Guardrail.UNSUPPORTED.value, "an operation that can run in a closed network"),)
    if operation in NO_NETWORK_EFFECT or getattr(profile, "allow_unclassified_operations", False):
        return ()
    return (Violation(
        operation, operation, operation, "an operation safemaker has classified",
        f"safemaker does not know {operation} (botocore is newer than safemaker's operation table), so it "
        f"cannot tell what the operation starts or opens. {guardrail_spec(Guardrail.UNCLASSIFIED).fix[:-1]}",
        Guardrail.UNCLASSIFIED.value, "an operation of safemaker's classification (safemaker rules)"),)


def _check_as_written(operation: str, params: Mapping[str, Any], profile: "VpcProfile") -> Decision:
    """:func:`decide` with ``inject=False`` for a document that is never rewritten (a pipeline step):
    fixes do not suggest omitting a field to have it injected."""
    rule = RULES[operation]
    out_params, injected, violations, extra_refs = _run(operation, rule, params, profile, False, written=True)
    warned = _run_preflight(operation, out_params, profile, violations)
    return _decision(operation, out_params, tuple(injected), tuple(violations),
                     tuple(references(operation, out_params)) + tuple(extra_refs), warned)


def check(operation: str, params: Mapping[str, Any], profile: "VpcProfile", *,
          pipeline_definition: Any = None) -> list[Violation]:
    """Every violation of ``params`` as given (nothing injected; absent means the AWS default).

    Parameters
    ----------
    operation : str
        SageMaker operation (botocore's spelling).
    params : Mapping[str, Any]
        Request parameters (botocore shapes). Never mutated.
    profile : VpcProfile
        The profile.
    pipeline_definition : str, bytes, Mapping or None, default None
        Content of a ``PipelineDefinitionS3Location`` (see :func:`decide`).

    Returns
    -------
    list[Violation]
        Empty when the request is compliant as it stands (or the operation has no rule).
    """
    rule = RULES.get(operation)
    if rule is None:
        return list(decide(operation, params, profile, inject=False,
                           pipeline_definition=pipeline_definition).violations)
    # decide() without the parts check does not return (the references, the Decision)
    out_params, _, violations, _ = _run(operation, rule, params, profile, False, pipeline_definition)
    _run_preflight(operation, out_params, profile, violations)
    return violations


def apply(operation: str, params: Mapping[str, Any], profile: "VpcProfile", *,
          pipeline_definition: Any = None) -> dict[str, Any]:
    """The request with the profile's values injected where absent; refuse what conflicts.

    Parameters
    ----------
    operation : str
        SageMaker operation (botocore's spelling).
    params : Mapping[str, Any]
        Request parameters (botocore shapes). Never mutated.
    profile : VpcProfile
        The profile.
    pipeline_definition : str, bytes, Mapping or None, default None
        Content of a ``PipelineDefinitionS3Location`` (see :func:`decide`).

    Returns
    -------
    dict
        The request to send. Referenced resources are not checked here (no
        I/O): the hooks do that with Describe calls.

    Raises
    ------
    GuardrailViolation
        When any violation remains after injection; it lists every one.
    """
    d = decide(operation, params, profile, pipeline_definition=pipeline_definition)
    if d.violations:
        raise GuardrailViolation(operation, d.violations)
    return d.params


def references(operation: str, params: Mapping[str, Any]) -> list[ResolvedReference]:
    """Every resource ``params`` names that the rule table says must be checked.

    Parameters
    ----------
    operation : str
        SageMaker operation.
    params : Mapping[str, Any]
        Request parameters.

    Returns
    -------
    list[ResolvedReference]
        In request order, duplicates kept (each path is reported).
    """
    if operation not in RULES:
        return []
    out = []
    for ref, parts, discriminator in _compiled_references(operation):
        found = _expand_all(params, parts)
        if not found:
            continue
        resource = ref.resource
        if discriminator is not None:
            chosen = _expand_all(params, discriminator)
            resource = ref.resource_for(chosen[0][1] if chosen else None)
        for concrete, name in found:
            if isinstance(name, str) and name:
                # a frozen dataclass: fill its __dict__ as its __init__ does (without a __setattr__ per field)
                r = _new_violation(ResolvedReference)
                r.__dict__.update(path=format_path(concrete), resource=resource, name=name)
                out.append(r)
    return out


@lru_cache(maxsize=None)
def _compiled_references(operation: str) -> tuple[tuple[Any, tuple[str, ...], tuple[str, ...] | None], ...]:
    """``(reference, split path, split discriminator or None)`` of each reference of ``operation``'s rule."""
    return tuple((ref, split_path(ref.path), split_path(ref.discriminator) if ref.discriminator is not None
                  else None) for ref in RULES[operation].references)


def check_resource(resource: str, description: Mapping[str, Any], profile: "VpcProfile", *,
                   operation: str | None = None, via: str | None = None,
                   pipeline_parameters: Mapping[str, Any] | None = None) -> list[Violation]:
    """Check an existing resource's Describe response with the rules of the operation that creates it.

    Absent fields mean the AWS default (insecure), ``VpcConfig: {}`` means no
    VPC (F16, F17), and nothing is injected.

    Parameters
    ----------
    resource : str
        Resource type key in :data:`safemaker.rules.RESOURCES` (``"model"``).
    description : Mapping[str, Any]
        The Describe response (``DescribeModel`` output for ``"model"``).
    profile : VpcProfile
        The profile.
    operation : str, optional
        Operation to name in the violations (the referencing request when
        checking a reference); defaults to the resource's create operation.
    via : str, optional
        Prefix for violation paths, e.g. ``"ProductionVariants[0].ModelName -> DescribeModel(ModelName='m')"``.
    pipeline_parameters : Mapping[str, Any], optional
        For a pipeline: the values an execution gives its parameters
        (``StartPipelineExecution``'s ``PipelineParameters`` by name); see
        :func:`safemaker.pipeline.check_definition`.

    Returns
    -------
    list[Violation]
        Every violation of the resource.

    Raises
    ------
    KeyError
        ``resource`` is not in :data:`safemaker.rules.RESOURCES`.
    """
    spec = RESOURCES[resource]
    return check_description(spec.create_operation, description, profile, operation=operation, via=via,
                             pipeline_parameters=pipeline_parameters)


def check_description(create_operation: str, description: Mapping[str, Any], profile: "VpcProfile", *,
                      operation: str | None = None, via: str | None = None,
                      pipeline_parameters: Mapping[str, Any] | None = None) -> list[Violation]:
    """Check a Describe response with the rules of ``create_operation`` (any rule, spec or not).

    :func:`check_resource` for resource types that have a
    :class:`~safemaker.resources.ResourceSpec`; this function for any operation
    of the table (``"CreateTrainingSession"`` with a ``DescribeTrainingSession``
    response). Each target is read at its ``describe_anchor`` and each field at
    its ``describe_path``. Role fields are skipped (the guard checks roles passed
    in requests). A pipeline's ``PipelineDefinition`` is parsed and every step
    checked.

    Parameters
    ----------
    create_operation : str
        An operation of :data:`safemaker.rules.RULES` (``"CreateDomain"``).
    description : Mapping[str, Any]
        The Describe response.
    profile : VpcProfile
        The profile.
    operation, via, pipeline_parameters
        As in :func:`check_resource`.

    Returns
    -------
    list[Violation]
        Every violation of the resource (absent means the AWS default).

    Raises
    ------
    KeyError
        ``create_operation`` is not in the rule table.
    """
    rule = RULES[create_operation]
    violations: list[Violation] = []
    ctx = _Ctx(operation or create_operation, _view(profile), False, False, violations,
               describing=True, root=description)
    if rule.unsupported:
        ctx.violation(create_operation, create_operation, "an operation that can run closed", rule.unsupported,
                      Guardrail.UNSUPPORTED, "an operation that can run in a closed network")
    for target in rule.targets:
        anchor = split_path(target.describe_anchor if target.describe_anchor is not None else target.anchor)
        for concrete, container in _expand(description, anchor):
            if not _is_map(container):
                continue
            ctx.container = container
            for f in target.fields:
                if f.guardrail is Guardrail.ROLE_ARN:
                    continue  # the guard checks roles passed in requests; audit is about the network
                parts = split_path(f.describe_path if f.describe_path is not None else f.path)
                value = _get(container, parts)
                _check_field(ctx, f, format_path(concrete + parts), value)
    if rule.definition is not None:
        document = description.get(rule.definition, MISSING)
        if document is not MISSING and document is not None:
            from . import pipeline as _pipeline

            result = _pipeline.check_definition(document, profile, operation=ctx.operation,
                                                prefix=rule.definition, parameter_values=pipeline_parameters)
            violations += result.violations
    if via:
        violations = [
            Violation(v.operation, f"{via}.{v.path}", v.found, v.required, v.fix, v.rule_id, v.required_text)
            for v in violations
        ]
    return violations
