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

import re
import weakref
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Sequence

from . import paths as _paths
from . import preflight as _preflight
from ._redact import may_hold_secret as _may_hold_secret
from ._redact import redact_text as _redact_text
from ._redact import redact_value as _redact_value
from .errors import MISSING, GuardrailViolation, Violation, _read_only
from .instances import _family_has_storage, has_instance_storage
from .paths import split_path
from .rules import PRIVATE_WORKTEAM, RESOURCES, RULES, FieldRule, Guardrail, OperationRule, Reference
from .rules_guardrails import guardrail_spec

if TYPE_CHECKING:  # pragma: no cover
    from .profile import VpcProfile

__all__ = [
    "Decision",
    "ResolvedReference",
    "decide",
    "check",
    "check_rule",
    "apply",
    "references",
    "check_resource",
    "check_description",
    "reference_shape_violations",
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
    plans: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)
    """Compiled plans by ``(operation, inject)`` (:func:`_plan`): they hold this profile's values."""


    plans_by_mode: Any = field(default_factory=lambda: ({}, {}, {}, {}), compare=False, repr=False)
    """The same plans by mode (:data:`_MODE_DECIDE`, :data:`_MODE_APPLY`, :data:`_MODE_CHECK`,
    :data:`_MODE_WRITTEN`), then by operation (what :func:`_run` reads)."""


_VIEWS: dict[int, tuple[Any, _ProfileView]] = {}
_LAST_VIEW: tuple[Any, Any] = (None, None)
"""The last profile asked for and its view (most processes use one profile): read first by :func:`_view`."""


def _view(profile: "VpcProfile") -> _ProfileView:
    """The :class:`_ProfileView` of a (frozen) profile, made once per profile object."""
    global _LAST_VIEW
    last = _LAST_VIEW
    if last[0] is profile:
        return last[1]
    hit = _VIEWS.get(id(profile))
    if hit is not None and hit[0]() is profile:
        _LAST_VIEW = (profile, hit[1])
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
    _LAST_VIEW = (profile, view)
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
        """``text`` (a hint that omitting the field gets it injected) where the decision injects an absent field
        (:func:`decide` / :func:`apply` of a create operation: a closed session, a guarded client or process);
        ``""`` where nothing would fill it: :func:`check` (``safemaker check OPERATION FILE``, a template's
        requests), a document never rewritten (a pipeline step), a description (the audit), an update."""
        return text if self.inject and not (self.written or self.never_injects or self.describing) else ""

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
        # per-field object.__setattr__ calls); the guard makes many of them on the hot path. What __init__'s
        # __post_init__ masks (a credential: safemaker._redact) is masked here: only a text can carry one, and
        # _may_hold_secret (one scan of the lower-cased text for literals every masking rule needs) is exact.
        # Texts known to hold none ("Enabled", an ID refused again) are remembered, never a text that held one.
        if found.__class__ is str and found not in _CLEAN_TEXTS:
            if _may_hold_secret(found):
                found = _redact_text(found)
            elif len(found) <= _CLEAN_TEXT_MAX:  # a short value refused again, never a whole script
                if len(_CLEAN_TEXTS) >= 4096:
                    _CLEAN_TEXTS.clear()
                _CLEAN_TEXTS.add(found)
        elif found.__class__ in (dict, list, tuple):  # a mapping's key may name a secret: {"HF_TOKEN": "..."}
            found = _redact_value(found)
        v = _new_violation(Violation)
        v.__dict__.update(operation=self.operation, path=path, found=found, required=required, fix=fix,
                          rule_id=_RULE_IDS[rule], required_text=required_text)
        self.out.append(v)


#: Texts a violation showed that may_hold_secret() found clean (at most 4,096 of at most _CLEAN_TEXT_MAX
#: characters each: a refused lifecycle script or definition is scanned again, not kept; see _Ctx.violation).
_CLEAN_TEXTS: set[str] = set()
_CLEAN_TEXT_MAX = 256


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


_ENUM_WANTED = {Guardrail.DIRECT_INTERNET_ACCESS: "Disabled", Guardrail.APP_NETWORK_ACCESS_TYPE: "VpcOnly",
                Guardrail.ROOT_ACCESS: "Disabled", Guardrail.WORKTEAM_PRESIGN: "Enabled"}
"""The one value of each enum guardrail (its API reference: the value that keeps the resource closed)."""


def _check_closed_enum(ctx: _Ctx, f: FieldRule, path: str, value: Any) -> Any:
    return _check_enum(ctx, f, path, value, _ENUM_WANTED[f.guardrail])


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
    if f.isolation_only and not ctx.profile.require_network_isolation:
        return MISSING  # its only lack is isolation, which this profile does not require
    closed = f.closed
    if closed is not None and closed.admits(value):
        return MISSING
    reason = f.reason or "it cannot run in a closed network"
    if closed is None:
        fix = (f"Recreate the resource without {path}: {reason}" if ctx.describing
               else f"Remove {path}: {reason}")
        ctx.violation(path, value, MISSING, fix, f.guardrail, f"{path} to be absent")
        return MISSING
    fix = (f"{'Change the resource so that' if ctx.describing else 'Make'} {path} {closed.text} or "
           f"{'remove it' if ctx.describing else 'omit it'}: {reason}")
    shown = value if closed.empty and isinstance(value, (list, tuple)) else _shown(value)  # a list field's list
    ctx.violation(path, shown, MISSING, fix, f.guardrail, f"{path} absent or {closed.text}")
    return MISSING


def _check_source_ip(ctx: _Ctx, f: FieldRule, path: str, value: Any) -> Any:
    """A workforce's ``SourceIpConfig``: ``Cidrs`` non-empty, every block outside the internet (private
    ranges); absent or empty means no restriction (the portal answers any address). Injected on create as
    :data:`safemaker.rules.WORKFORCE_CLOSED_CIDRS`, the value AWS documents for it."""
    from ._addresses import public_part
    from .rules import WORKFORCE_CLOSED_CIDRS

    wanted = {"Cidrs": list(WORKFORCE_CLOSED_CIDRS)}
    text = "SourceIpConfig.Cidrs holding only private ranges (RFC 1918, RFC 6598, link-local, IPv6 ULA)"
    admin = ("the worker portal is then reached only from the workforce's VPC (its VPC endpoints: source-IP "
             "restriction does not apply to them); an administrator sets it with UpdateWorkforce "
             f"--source-ip-config Cidrs={','.join(WORKFORCE_CLOSED_CIDRS)} on an existing workforce")
    if value is MISSING or value is None:
        if ctx.update or not _is_required(ctx, f):
            return MISSING
        if ctx.inject and f.inject:
            return wanted
        fix = (f"{'Update the workforce with' if ctx.describing else 'Give'} {path} {wanted} (private ranges "
               f"only: AWS documents 10.0.0.0/16 to restrict all workers on the public internet): {admin}")
        ctx.violation(path, MISSING, wanted, fix, f.guardrail, text)
        return MISSING
    cidrs = value.get("Cidrs", MISSING) if _is_map(value) else MISSING
    if cidrs.__class__ is not list and cidrs.__class__ is not tuple:
        problem = "no Cidrs list (no restriction)" if cidrs is MISSING or cidrs is None else "Cidrs is not a list"
    elif not cidrs:
        problem = "an empty Cidrs list (no restriction)"
    else:
        public = public_part(c if isinstance(c, str) else "" for c in cidrs)
        if not public:
            return MISSING
        problem = "addresses on the internet: " + ", ".join(str(n) for n in public[:4])
    fix = (f"{'Update the workforce so that' if ctx.describing else 'Make'} {path}.Cidrs hold only private "
           f"ranges ({problem}; AWS documents 10.0.0.0/16 to restrict all workers on the public internet): {admin}")
    ctx.violation(path, value, wanted, fix, f.guardrail, text)
    return MISSING


_REMOTE_OFF = {"RemoteAccess": "DISABLED", "EnableRemoteDebug": False, "EnableSSMAccess": False}
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


_PRIVATE_TEAM = Reference("WorkteamArn", "workteam", arn_prefix=PRIVATE_WORKTEAM)


class _Memo(dict):  # type: ignore[type-arg]
    """``memo[key]`` is ``fn(key)`` for a pure ``fn`` of a ``str``, computed once per key (a dict lookup where an
    ``lru_cache`` wrapper costs a call; at most 1,024 kept, then all forgotten at once). The generated code
    subscripts it with ``str`` values only."""

    __slots__ = ("fn",)

    def __init__(self, fn: Any) -> None:
        super().__init__()
        self.fn = fn

    def __missing__(self, key: str) -> Any:
        value = self.fn(key)
        if len(self) >= 1024:
            self.clear()
        self[key] = value
        return value


_STORAGE = _Memo(_family_has_storage)
"""``_family_has_storage`` of an instance type (``str``), for the generated code."""
_TEAM_NAMES = _Memo(_PRIVATE_TEAM.name_of)
"""The private work team a ``str`` ARN names (``None``: not one), for the generated code."""
_CROWDS = {"public-crowd": "the public crowd (Amazon Mechanical Turk): workers on the internet",
           "vendor-crowd": "an AWS Marketplace vendor's work team: a third party's workers"}


def _check_workteam(ctx: _Ctx, f: FieldRule, path: str, value: Any) -> Any:
    """A work team ARN: a private work team (``workteam/private-crowd/<name>``); never injected."""
    if value is MISSING or value is None:
        return MISSING
    if isinstance(value, str) and value.startswith("arn:") and _PRIVATE_TEAM.name_of(value):
        return MISSING
    resource = value.split(":", 5)[5] if isinstance(value, str) and value.count(":") >= 5 else ""
    crowd = _CROWDS.get(resource.split("/")[1] if resource.startswith("workteam/") and "/" in resource[9:] else "")
    why = f"it is {crowd}" if crowd else "it is not the ARN of a private work team"
    fix = (f"{'Recreate the resource with' if ctx.describing else 'Set'} {path} to a private work team of your "
           f"account (arn:<partition>:sagemaker:<region>:<account>:{PRIVATE_WORKTEAM}<name>) whose workforce has "
           f"WorkforceVpcConfig in the profile's VPC: {why}, outside the profile's network")
    ctx.violation(path, _shown(value), "a private work team", fix, f.guardrail,
                  "a private work team (workteam/private-crowd/<name>) whose workforce has WorkforceVpcConfig")
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


def _every_store(container: Any, instance_types: tuple[tuple[tuple[str, ...], bool], ...]) -> bool:
    """Whether every instance type the field's volume may belong to (the values at ``instance_types`` below
    ``container``, at least one) has instance-store volumes (:func:`safemaker.instances.every_instance_storage`):
    only then does the volume take no key. A mix (InstanceConfigs ``[ml.c5, ml.g5]``) keeps it required."""
    found = False
    for parts, lists in instance_types:
        if lists:
            for _, v in _expand_all(container, parts):
                if not has_instance_storage(v):
                    return False
                found = True
        else:
            v = _get(container, parts)
            if v is MISSING or v is None:
                continue
            if not has_instance_storage(v):
                return False
            found = True
    return found


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
    ran_on = _get(container, split_path(f.ran_on)) if f.ran_on is not None and ctx.describing \
        and container is not None else None
    if isinstance(ran_on, str) and ran_on:  # an existing job's one type (FieldRule.ran_on): known, it alone counts
        if has_instance_storage(ran_on):
            return False  # it ran on instance-store volumes, which take no KMS key
    elif instance_types and container is not None and _every_store(container, instance_types):
        return False  # instance-store volumes take no KMS key (the API refuses one): every type has them
    if f.not_required_when is not None and ctx.root is not None:
        return not _given(ctx.root, split_path(f.not_required_when))
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
    Guardrail.DIRECT_INTERNET_ACCESS: _check_closed_enum,
    Guardrail.ROOT_ACCESS: _check_root,
    Guardrail.APP_NETWORK_ACCESS_TYPE: _check_closed_enum,
    Guardrail.VOLUME_KMS_KEY: lambda ctx, f, path, value: _check_kms(ctx, f, path, value,
                                                                     ctx.profile.volume_kms_key_id),
    Guardrail.OUTPUT_KMS_KEY: lambda ctx, f, path, value: _check_kms(ctx, f, path, value,
                                                                     ctx.profile.output_kms_key_id),
    Guardrail.ROLE_ARN: _check_role,
    Guardrail.UNSUPPORTED: _check_forbidden,
    Guardrail.REMOTE_ACCESS: _check_remote_access,
    Guardrail.LIFECYCLE_SCRIPT: _check_lifecycle_script,
    Guardrail.WORKTEAM: _check_workteam,
    Guardrail.WORKTEAM_PRESIGN: _check_closed_enum,
    Guardrail.WORKFORCE_SOURCE_IP: _check_source_ip,
}
"""One check per guardrail: ``(ctx, field, concrete path, value) -> value to inject or MISSING``."""


def _check_field(ctx: _Ctx, f: FieldRule, path: str, value: Any) -> Any:
    """Check one field; return the value to inject, or MISSING for none."""
    return _CHECKS[f.guardrail](ctx, f, path, value)


# --------------------------------------------------------------------------- compiled plans
#
# A plan is the rule table of one operation read once for one profile and one mode (inject or not, as
# written or not), kept on the profile's view: per target its anchor, and per field what to read, the
# test that passes a compliant value without a call, and what an absent value does (nothing, inject a
# value, or a violation). The fields of a target become one generated function (_compile_fields):
# straight-line reads and tests, no per-field dispatch. Anything else (a value that fails the fast test,
# the first violation at a path) goes through the field's check function above, so that every decision
# and every message is the one those functions make; violations of absent fields are then kept per
# concrete path (they depend on nothing else) and shared when immutable.

# Fast tests of a present value (a value that passes needs nothing more).
_SKIP = 0      # the profile does not ask for this field (no isolation required, no KMS key): never read
_IS_TRUE = 1   # value is True
_EQ = 2        # value == wanted
_IN = 3        # value in the allowed tuple (roles)
_STR_IN = 4    # a str in the allowed set (SubnetId)
_IDS = 5       # a non-empty list of unique IDs of the allowed set
_VPC = 6       # a dict with Subnets and SecurityGroupIds (and the VPC ID member) of the profile
_NONE_OK = 7   # None passes (a forbidden field, a lifecycle script given as null)
_REMOTE = 8    # None, or the switch's off value with its type
_CHECK = 9     # always the check function
_TEAM = 10     # None, or a str ARN of a private work team (what _check_workteam passes)
_CLOSED = 11   # None, or a value its Closed admits (a forbidden field's closed value: what _check_forbidden passes)

# What an absent value does.
_ABSENT_OK = 0     # nothing (not required, an update, never injected)
_ABSENT_CONST = 1  # inject an immutable value
_ABSENT_FRESH = 2  # inject a fresh structure (a list, a VpcConfig): made per request, never shared
_ABSENT_REFUSE = 3  # a violation (the check function says it)

_FieldPlan = tuple[Any, ...]
_TargetPlan = tuple[Any, ...]

_PLACES = 256
"""A list anchor's elements whose concrete path and path prefix (``("TrainingJobDefinitions", 3)``,
``"TrainingJobDefinitions[3]."``) a plan keeps, by index (positions only, never request content)."""

# How a target's anchor is walked.
_AT_ROOT = 0   # the request itself
_AT_LIST = 1   # every element of one top-level list member ("TrainingJobDefinitions[]")
_AT_PATH = 2   # any other anchor (paths.expand_all)
_AT_MEMBERS = 3  # a path of members without a list ("MonitoringScheduleConfig.MonitoringJobDefinition")
_AT_LISTS = 4  # every element of a list in every element of a list ("InstanceGroups[].InstanceStorageConfigs[]")


def _nested_lists(anchor: tuple[str, ...]) -> bool:
    """Whether split anchor ``anchor`` is lists in lists, each named by members: ``A[].B[]``,
    ``A.B[].C[].D[]`` (every ``"[]"`` after a member, the last part a ``"[]"``, at least two of them)."""
    return (anchor.count("[]") >= 2 and anchor[-1] == "[]" and anchor[0] != "[]"
            and all(not (a == "[]" and b == "[]") for a, b in zip(anchor, anchor[1:])))


class _Plan:
    """One operation's rule compiled for one profile view and one mode (see :func:`_plan`)."""

    __slots__ = ("rule", "targets", "update", "inject", "has_references", "run", "state")

    def __init__(self, rule: OperationRule, targets: tuple[_TargetPlan, ...], update: bool, inject: bool,
                 label: str = "plan", operation: str = "", view: Any = None, written: bool = False) -> None:
        self.rule, self.targets, self.update, self.inject = rule, targets, update, inject
        self.has_references = bool(rule.references)
        self.run = _compile_targets(targets, label)
        # the per-request state's class: this plan's constants as class attributes (see _Run)
        self.state = type("_Run", (_Run,), {"operation": operation, "view": view, "plan": self,
                                            "written": written, "__module__": __name__})


def _ids_ok(value: Any, allowed_set: frozenset[str]) -> bool:
    """The common compliant ID list (what :func:`_ids_problem` passes without a violation): a non-empty list
    or tuple of unique ``str`` IDs of ``allowed_set``; one or two IDs are read without a loop."""
    if value.__class__ is not list and value.__class__ is not tuple:
        return False
    n = len(value)
    if n == 1:
        return value[0].__class__ is str and value[0] in allowed_set
    if n == 2:
        a, b = value
        return a.__class__ is str and b.__class__ is str and a != b and a in allowed_set and b in allowed_set
    if not n:
        return False
    for item in value:
        if item.__class__ is not str or item not in allowed_set:
            return False
    return len(set(value)) == n


def _field_plan(f: FieldRule, p: _ProfileView, inject: bool, update: bool) -> _FieldPlan:
    """``(depth, member, second member, parts, test, wanted, absent, injected value or factory, check,
    field, path, conditions, refusals by prefix)``.

    ``depth`` is 1 or 2 for a path of one or two members (read inline), else 0. The refusals, filled
    as requests come, are the violations an absent value gets at each concrete prefix (see
    :func:`_absent_refusals`).
    """
    g = f.guardrail
    parts = split_path(f.path)
    depth = len(parts) if len(parts) <= 2 and "[]" not in parts else 0
    check_fn = _CHECKS[g]
    wanted: Any = None
    absent = _ABSENT_OK
    value: Any = None
    if g is Guardrail.NETWORK_ISOLATION or g is Guardrail.INTER_CONTAINER_ENCRYPTION:
        on = (p.require_network_isolation if g is Guardrail.NETWORK_ISOLATION
              else p.require_inter_container_traffic_encryption)
        test, absent, value = (_IS_TRUE, _ABSENT_CONST, True) if on else (_SKIP, _ABSENT_OK, None)
    elif g in _ENUM_WANTED:
        wanted = _ENUM_WANTED[g]
        if g is Guardrail.ROOT_ACCESS and p.notebook_root_access != "Disabled":
            test = _SKIP
        else:
            test, absent, value = _EQ, _ABSENT_CONST, wanted
    elif g is Guardrail.VPC_CONFIG:
        test, wanted = _VPC, (p.subnet_set, p.security_group_set, f.with_vpc_id, p.vpc_id)
        subnets, groups, member, vpc_id = p.subnets, p.security_group_ids, f.with_vpc_id, p.vpc_id

        def value() -> dict[str, Any]:
            made: dict[str, Any] = {"Subnets": list(subnets), "SecurityGroupIds": list(groups)}
            if member:
                made[member] = vpc_id
            return made

        value.made = (subnets, groups, member, vpc_id)  # type: ignore[attr-defined]  # made inline (_field_source)
        absent = _ABSENT_FRESH
    elif g is Guardrail.SUBNET_IDS or g is Guardrail.SECURITY_GROUP_IDS:
        allowed = p.subnets if g is Guardrail.SUBNET_IDS else p.security_group_ids
        test, wanted = _IDS, (p.subnet_set if g is Guardrail.SUBNET_IDS else p.security_group_set)
        absent, value = _ABSENT_FRESH, (lambda: list(allowed))
        value.made_list = allowed  # type: ignore[attr-defined]  # made inline (_field_source)
    elif g is Guardrail.SUBNET_ID:
        test, wanted, absent, value = _STR_IN, p.subnet_set, _ABSENT_CONST, p.subnets[0]
    elif g is Guardrail.VPC_ID:
        test, wanted, absent, value = _EQ, p.vpc_id, _ABSENT_CONST, p.vpc_id
    elif g is Guardrail.VOLUME_KMS_KEY or g is Guardrail.OUTPUT_KMS_KEY:
        key_id = p.volume_kms_key_id if g is Guardrail.VOLUME_KMS_KEY else p.output_kms_key_id
        test, wanted = (_SKIP, None) if key_id is None else (_EQ, key_id)
        absent, value = (_ABSENT_CONST, key_id) if key_id is not None else (_ABSENT_OK, None)
    elif g is Guardrail.ROLE_ARN:
        test, wanted = _IN, p.allowed_role_arns
    elif g is Guardrail.UNSUPPORTED:
        if f.isolation_only and not p.require_network_isolation:
            test = _SKIP  # its only lack is isolation, which this profile does not require
        else:
            test, wanted = (_NONE_OK, None) if f.closed is None else (_CLOSED, _Memo(f.closed.admits))
    elif g is Guardrail.REMOTE_ACCESS:
        test = _REMOTE
        wanted = _REMOTE_OFF[f.path.rsplit(".", 1)[-1]]
    elif g is Guardrail.LIFECYCLE_SCRIPT:
        test = _NONE_OK if p.notebook_root_access == "Disabled" else _SKIP
    elif g is Guardrail.WORKTEAM:
        test, wanted = _TEAM, _TEAM_NAMES
    elif g is Guardrail.WORKFORCE_SOURCE_IP:
        from .rules import WORKFORCE_CLOSED_CIDRS

        cidrs = WORKFORCE_CLOSED_CIDRS
        test, absent, value = _CHECK, _ABSENT_FRESH, (lambda: {"Cidrs": list(cidrs)})
    else:  # pragma: no cover - every guardrail with a check is listed above
        test = _CHECK
    if absent != _ABSENT_OK:
        if update or not f.required:
            absent = _ABSENT_OK  # an update restates nothing; an optional field may stay absent
        elif not (inject and f.inject):
            absent = _ABSENT_REFUSE
    if absent == _ABSENT_OK:
        value = None
    conds = None
    if absent != _ABSENT_OK and f.conditional:
        conds = (split_path(f.only_with) if f.only_with else None,
                 tuple((split_path(t), "[]" in split_path(t)) for t in f.instance_types),
                 split_path(f.not_required_when) if f.not_required_when is not None else None)
    return (depth, parts[0] if parts else None, parts[1] if depth == 2 else None, parts, test, wanted, absent,
            value, check_fn, f, f.path, conds, {})


def _plan(operation: str, rule: OperationRule, view: _ProfileView, inject: bool, written: bool,
          paths: bool = True) -> _Plan:
    """The compiled plan of ``operation`` under ``view`` (made once per mode, kept on the view); ``paths``: whether
    its run records the injected paths (see :func:`_run`)."""
    plans = view.plans
    hit = plans.get((operation, inject, written, paths))
    if hit is not None and hit.rule is rule:
        return hit
    update = rule.kind == "update"
    inject_eff = inject and not update
    targets = []
    for t in rule.targets:
        t_update = update and not t.replace_on_update
        fields = tuple(fp for fp in (_field_plan(f, view, inject_eff, t_update) for f in t.fields) if fp[4] != _SKIP)
        dia = next((f.path for f in t.fields if f.guardrail is Guardrail.DIRECT_INTERNET_ACCESS), None)
        anchor = split_path(t.anchor)
        kind = (_AT_ROOT if not anchor else _AT_MEMBERS if "[]" not in anchor
                else _AT_LIST if anchor[-1] == "[]" and "[]" not in anchor[:-1]
                else _AT_LISTS if _nested_lists(anchor) else _AT_PATH)
        # A top-level list no other target walks into: its elements are copied by this target alone, so the
        # generated loop needs no look at the writer's set before copying one (see _OWN_ELEMENT_ALONE).
        alone = (kind == _AT_LIST and len(anchor) == 2
                 and not any(split_path(o.anchor)[:1] == anchor[:1] for o in rule.targets if o is not t)
                 ) or (kind == _AT_LISTS and _nested_alone(anchor, t, rule.targets))
        run_fields, run_list = _compile_fields(fields, anchor[:-1] if kind in (_AT_LIST, _AT_LISTS) and dia is None
                                               else None,
                                               f"{operation} {t.anchor or '(request)'} inject={inject_eff} "
                                               f"written={written}{'' if paths else ' paths=False'}", t_update,
                                               alone, paths)
        # _AT_MEMBERS: the anchor's prefix; _AT_LIST: the known indexes (_run_target); _AT_LISTS: the known indexes
        # of each inner list, by its concrete path (_nested_places)
        places = [format_path(anchor) + "."] if kind == _AT_MEMBERS else [{}] if kind == _AT_LISTS else [()]
        targets.append((kind, anchor, t_update, fields, dia, run_fields, places, run_list))
    plan = _Plan(rule, tuple(targets), update, inject_eff, f"{operation} inject={inject_eff} written={written}"
                 f"{'' if paths else ' paths=False'}", operation, view, written)
    plans[(operation, inject, written, paths)] = plan
    return plan


def _nested_alone(anchor: tuple[str, ...], t: Any, targets: Sequence[Any]) -> bool:
    """Whether the elements of nested list anchor ``anchor`` (:func:`_nested_lists`, target ``t``) are written by
    ``t`` alone: no other target's anchor is at or below them, and no field of a target whose anchor is above
    them (the request, ``A[]`` of ``A[].B[]``) starts with the member on the way down to them (a rule path holds
    no ``[]`` below its anchor, so such a field could only replace that member whole)."""
    for o in targets:
        if o is t:
            continue
        other = split_path(o.anchor)
        if other[:len(anchor)] == anchor:
            return False
        if anchor[:len(other)] == other:
            below = anchor[len(other)]
            if any(split_path(f.path)[:1] in ((below,), ("[]",)) for f in o.fields):
                return False
    return True


def _compile_targets(targets: tuple[_TargetPlan, ...], label: str) -> Any:
    """Every target of a plan in one generated function ``run(params, violations, S)``, in the plan's order.

    A target at the request itself or at a path of members (``_AT_ROOT``, ``_AT_MEMBERS``) is walked
    inline (what :func:`_run_target` does for it, with the anchor's members, its concrete path and its
    prefix as constants); a list anchor's list (below members read inline while they are ``dict`` objects) goes to
    its generated loop when the plan knows its indexes; any other target or shape (a path with ``[]`` that is
    not lists in lists, a notebook's ``DirectInternetAccess`` check, another mapping on the way) goes through
    :func:`_run_target`.
    """
    if len(targets) == 1 and targets[0][0] == _AT_ROOT and targets[0][4] is None:
        # one target, at the request itself: its generated function is the plan's run (one call less)
        return targets[0][5].root
    ns: dict[str, Any] = {"_is_map": _is_map, "_run_target": _run_target}
    lines = ["def run(params, violations, S):"]
    for j, target in enumerate(targets):
        kind, anchor, _u, _fields, dia, run_fields, places, _rl = target
        ns[f"RF{j}"], ns[f"T{j}"] = run_fields, target
        if kind == _AT_LIST and dia is None and _rl is not None and len(anchor) == 2:
            # one top-level list member: a list or tuple whose indexes the plan knows already goes to the
            # generated loop directly; anything else (absent, null, longer, another shape) to _run_target
            ns[f"PL{j}"], ns[f"RL{j}"] = places, _rl
            lines += [f"    seq = params.get({anchor[0]!r}, MISSING) if type(params) is dict else MISSING",
                      "    if (seq.__class__ is list or seq.__class__ is tuple) and len(seq) <= len(known := "
                      f"PL{j}[0]):",
                      f"        RL{j}(seq, known, violations, S)",
                      "    elif seq is not None and (seq is not MISSING or type(params) is not dict):",
                      f"        _run_target(S, params, violations, T{j})"]
            ns["MISSING"] = MISSING
            continue
        if kind == _AT_LIST and dia is None and _rl is not None:
            # a list below members (A.B.C[]): the members read inline while they are dicts; a list or tuple whose
            # indexes the plan knows goes to the generated loop, an absent or null value on the way or at the end
            # holds nothing, anything else (another mapping or a scalar on the way, another shape, a longer
            # list) goes to _run_target, which reads the path as the path engine does
            ns[f"PL{j}"], ns[f"RL{j}"], ns["_WALK"] = places, _rl, _WALK
            lines.append(f"    seq = params.get({anchor[0]!r}, MISSING) if type(params) is dict else _WALK")
            for part in anchor[1:-1]:
                lines += ["    if seq.__class__ is dict:",
                          f"        seq = seq.get({part!r}, MISSING)",
                          "    elif seq is not MISSING:",
                          "        seq = _WALK"]
            lines += ["    if (seq.__class__ is list or seq.__class__ is tuple) and len(seq) <= len(known := "
                      f"PL{j}[0]):",
                      f"        RL{j}(seq, known, violations, S)",
                      "    elif seq is not MISSING and seq is not None:",
                      f"        _run_target(S, params, violations, T{j})"]
            ns["MISSING"] = MISSING
            continue
        if kind == _AT_LISTS and dia is None and _rl is not None:
            # lists in lists of a dict request: the inner lists (list or tuple) of dict elements, each within the
            # known indexes, are found first (_nested_walk, nothing decided yet), then each goes to the generated
            # loop; any other shape on the way (a mapping that is not a dict, null or a scalar among the elements,
            # a value where a list goes, a longer list) to _run_target, which walks it as the path engine does
            ns[f"NW{j}"], ns[f"NP{j}"] = _nested_walk(anchor), places[0]
            ns[f"RL{j}"], ns["_nested_places"] = _rl, _nested_places
            lines += [f"    if type(params) is dict and (lists := NW{j}(params)) is not None:",
                      "        for at, seq in lists:",
                      f"            known = NP{j}.get(at)",
                      "            if known is None or len(known) < len(seq):",
                      f"                known = _nested_places(T{j}, at, len(seq))",
                      f"            RL{j}(seq, known, violations, S)",
                      "    else:",
                      f"        _run_target(S, params, violations, T{j})"]
            continue
        if dia is not None or kind not in (_AT_ROOT, _AT_MEMBERS):
            lines.append(f"    _run_target(S, params, violations, T{j})")
            continue
        if kind == _AT_ROOT:
            lines += ["    is_dict = type(params) is dict",
                      "    if is_dict or _is_map(params):",
                      "        S.owned = None",
                      f"        RF{j}(params, is_dict, '', (), violations, S)"]
            continue
        ns[f"A{j}"], ns[f"PF{j}"] = anchor, places[0]
        lines.append("    c = params")
        ind = "    "
        for part in anchor:  # what _expand_all finds on a path of members: the value, if every member is there
            lines += [f"{ind}if (c.__class__ is dict or _is_map(c)) and {part!r} in c:",
                      f"{ind}    c = c[{part!r}]"]
            ind += "    "
        lines += [f"{ind}is_dict = type(c) is dict",
                  f"{ind}if is_dict or _is_map(c):",
                  f"{ind}    S.owned = None",
                  f"{ind}    RF{j}(c, is_dict, PF{j}, A{j}, violations, S)"]
    if len(lines) == 1:
        lines.append("    pass")
    code = _code("\n".join(lines), f"<safemaker.guard {label}>")
    exec(code, ns)  # noqa: S102 - generated from the rule table, no outside text
    return ns["run"]


_WALK = object()
"""What the generated run of a plan reads on the way to a list below members when the path engine has to walk
it (see :func:`_compile_targets`): neither a list nor ``MISSING`` nor ``None``."""


def _nested_walk(anchor: tuple[str, ...]) -> Any:
    """``walk(params)`` for nested list anchor ``anchor`` (:func:`_nested_lists`), generated: the inner lists of
    the ``dict`` request ``params`` as ``[(concrete path, list or tuple), ...]`` in the path engine's order, or
    ``None`` when the request has another shape on the way, which :func:`_run_target` then walks.

    What :func:`safemaker.paths.expand_all` finds, read through ``dict`` elements and ``list`` or ``tuple``
    lists only: an absent member, or a null list, holds nothing; any other value (a mapping that is not a
    ``dict``, a null or scalar element, a value where a list goes, which the path engine reports as
    unwalkable before anything is decided) and an inner list longer than :data:`_PLACES` give ``None``.
    """
    segments: list[tuple[str, ...]] = [()]
    for part in anchor[:-1]:
        segments.append(()) if part == "[]" else segments.__setitem__(-1, segments[-1] + (part,))
    lines = ["def walk(params):",
             "    out = []",
             "    c = params"]
    ind, skip, at = "    ", "return out", []
    for level, members in enumerate(segments):
        for k, member in enumerate(members):
            lines.append(f"{ind}c = c.get({member!r}, MISSING)")
            at.append(repr(member))
            if k < len(members) - 1:  # a structure on the way
                lines += [f"{ind}if c.__class__ is not dict:",
                          f"{ind}    if c is MISSING:",
                          f"{ind}        {skip}",
                          f"{ind}    return None"]
        lines += [f"{ind}if c.__class__ is not list and c.__class__ is not tuple:",
                  f"{ind}    if c is MISSING or c is None:",
                  f"{ind}        {skip}",
                  f"{ind}    return None"]
        if level == len(segments) - 1:
            lines += [f"{ind}if len(c) > {_PLACES}:",
                      f"{ind}    return None",
                      f"{ind}out.append((({', '.join(at)},), c))"]
        else:
            lines += [f"{ind}for i{level}, c in enumerate(c):",
                      f"{ind}    if c.__class__ is not dict:",
                      f"{ind}        return None"]
            ind, skip = ind + "    ", "continue"
            at.append(f"i{level}")
    lines.append("    return out")
    ns: dict[str, Any] = {"MISSING": MISSING}
    exec(_code("\n".join(lines), f"<safemaker.guard walk {format_path(anchor)}>"), ns)  # noqa: S102 - from the table
    return ns["walk"]


def _nested_places(target: _TargetPlan, at: tuple[_Key, ...], n: int) -> tuple[Any, ...]:
    """The concrete path, the prefix and the field paths of indexes ``0..n-1`` of the inner list at concrete path
    ``at`` of nested list target ``target``, made once and kept in its places (at most :data:`_PLACES` lists;
    positions only, never request content)."""
    kept = target[6][0]
    if len(kept) >= _PLACES:
        kept.clear()
    base, fields = format_path(at), target[3]
    made = kept[at] = tuple((at + (i,), p, tuple(p + fp[10] for fp in fields))
                            for i, p in ((i, f"{base}[{i}].") for i in range(n)))
    return made


_CODES: dict[tuple[str, str], Any] = {}
"""Code objects of generated functions by ``(source, name)`` (at most 4,096, then all forgotten at once)."""


def _code(source: str, name: str) -> Any:
    """``compile(source, name, "exec")``, made once per source text and name.

    The source of a plan names the profile's values (``W0``, ``R0``...: the namespace it is executed in) and
    holds none of them, so the plans of one operation and mode under several profiles (each profile object has
    its own plans) share one code object: ``exec`` of it in each plan's namespace makes that plan's functions.
    """
    key = (source, name)
    code = _CODES.get(key)
    if code is None:
        if len(_CODES) >= 4096:
            _CODES.clear()
        code = _CODES[key] = compile(source, name, "exec")
    return code


def _absent_refusals(operation: str, view: _ProfileView, plan: _Plan, written: bool, update: bool, f: FieldRule,
                     check_fn: Any, path: str, cache: dict[str, Any], prefix: str, container: Any,
                     root: Any) -> tuple[Violation, ...]:
    """The violations the check function gives an absent, required field at ``path``, kept in ``cache``.

    They depend on nothing but the field, the path, the profile and the mode (all fixed for the
    cache), so they are made once and shared by every request lacking the field there: a tuple of
    violations (frozen dataclasses) whose ``required`` lists and dicts (an absent ``VpcConfig``'s) are
    made read-only (:func:`safemaker.errors._read_only`), so that no caller can change what another
    one, or a later decision, reads. The generated code adds it to a list of violations with ``+=``.
    """
    out: list[Violation] = []
    ctx = _Ctx(operation, view, plan.inject, update, out, root=root, written=written, container=container,
               never_injects=plan.update)
    check_fn(ctx, f, path, MISSING)
    for v in out:  # made here, not yet given to anyone
        if v.required.__class__ is list or v.required.__class__ is dict:
            object.__setattr__(v, "required", _read_only(v.required))
    made = tuple(out)
    if len(cache) > 1024:
        cache.clear()
    cache[prefix] = made
    return made


_TESTS = {
    _IS_TRUE: "v is True",
    _EQ: "v == W{i}",
    _IN: "v in W{i}",
    _VPC: ("(v.__class__ is dict and _ids_ok(v.get('Subnets'), W{i}[0]) and "
           "_ids_ok(v.get('SecurityGroupIds'), W{i}[1]){vpc_id})"),
    _IDS: "_ids_ok(v, W{i})",
    _STR_IN: "(v.__class__ is str and v in W{i})",
    _NONE_OK: "v is None",
    _REMOTE: "(v is None or (v == W{i} and type(v) is T{i}))",
    _CHECK: "False",
    _TEAM: "(v is None or (v.__class__ is str and v.startswith('arn:') and W{i}[v]))",
    _CLOSED: "(v is None or (W{i}[v] if v.__class__ is str else W{i}.fn(v)))",
}
"""The fast test of each kind, as Python source (``v`` is the value, ``W{i}`` the field's wanted value; for
``_CLOSED``, a :class:`_Memo` of its ``Closed.admits``, subscripted with ``str`` values only)."""


def _compile_fields(fields: tuple[_FieldPlan, ...], members: tuple[str, ...] | None = None,
                    label: str = "plan", t_update: bool = False, alone: bool = False,
                    paths: bool = True) -> tuple[Any, Any]:
    """The fields of one target as Python functions, generated from the plan (as :mod:`dataclasses`
    makes ``__init__``): straight-line code per field that reads the value, passes it when the fast
    test does, takes the cached refusals of an absent value, and calls the run's state (:class:`_Run`)
    for everything else (an injection, a value to check).

    Returns ``(run_fields, run_list)``. ``run_fields(c, is_dict, prefix, concrete, violations, S)``
    decides one container. For a list anchor (``members`` the anchor before its last ``[]``, not
    ``None``), ``run_list(seq, known, violations, S)`` decides every element of the list or tuple ``seq`` in
    one loop (``known`` the concrete path, the prefix and the field paths of each index; the list's own concrete
    path is an element's without its index, so that one ``run_list`` serves each inner list of a nested anchor):
    a ``dict`` element inline, each first-level member that several reads need read once, its own copy made in
    place in the writer's copy of the list; any other mapping through ``run_fields``. Else ``run_list`` is
    ``None``.
    Before a call of the state's rare paths (:class:`_Run`), the code sets the state's ``fields`` and
    ``t_update`` (the target's ``fields`` and ``t_update``) and, in ``run_list``, its ``owned``. With
    ``paths=False`` (a plan of :func:`apply`, which does not return them) the inline injections do not
    record their paths in the state's ``injected``.
    """
    ns: dict[str, Any] = {"RECORD": paths, "MISSING": MISSING, "_get": _get, "_ids_ok": _ids_ok, "_is_map": _is_map,
                          "_every_store": _every_store, "has_instance_storage": has_instance_storage,
                          "_expand_all": _expand_all, "_STORAGE": _STORAGE,
                          "FIELDS": (fields, t_update)}
    for i, (_d, _k, _k2, parts, _t, wanted, _a, new, _c, _f, _p, conds, refused) in enumerate(fields):
        ns.update({f"P{i}": parts, f"W{i}": wanted, f"R{i}": refused, f"C{i}": conds, f"N{i}": new,
                   f"T{i}": type(wanted)})
    # The first-level members that the reads of a dict container need (a field, the structures above
    # it, its conditions): read once.
    firsts: dict[str, set[int]] = {}  # each member, and the fields whose reads need it
    for i, (_d, key, _k2, parts, _t, _w, absent, _n, _c, _f, _p, conds, _r) in enumerate(fields):
        if parts and parts[0] != "[]":
            firsts.setdefault(key, set()).add(i)
        if conds is not None and absent != _ABSENT_OK:
            for parts in ([conds[0]] if conds[0] is not None else []) + [p for p, _ in conds[1]]:
                firsts.setdefault(parts[0], set()).add(i)
    cache = {key: f"M{j}" for j, key in enumerate(firsts)}
    # A member that one field of one or two members alone reads (the field's own conditions aside) is read by
    # that field's code, once it knows the container has it (_lazy_source); the others are read here, once.
    lazy = {key for key, users in firsts.items()
            if len(users) == 1 and fields[(j := next(iter(users)))][0] in (1, 2) and fields[j][1] == key}
    read_firsts = "; ".join(f"{var} = c.get({key!r}, MISSING)" for key, var in cache.items()
                            if key not in lazy) or "pass"
    lines = ["def run_fields(c, is_dict, prefix, concrete, violations, S):",
             "    owned = S.owned",
             "    wset = S.writer._owned if owned is not None else None  # the writer's set, once something is owned",
             "    injected = S.injected" if paths else "    pass",
             _GIVEN_INIT,
             "    if is_dict:",
             f"        {read_firsts}"]
    for i, fp in enumerate(fields):
        lines += _field_source(i, fp, ns, "        ", cache, again=_writes_below(fp[1], fields[i + 1:]),
                               lazy=fp[1] in lazy)
    lines.append("        return")
    for i, fp in enumerate(fields):
        lines += _field_source(i, fp, ns, "    ", None, again=_writes_below(fp[1], fields[i + 1:]))
    if members is not None:
        # S.owned (what the state's rare paths write into) is set just before each call of them.
        writes = any(fp[6] in (_ABSENT_CONST, _ABSENT_FRESH) for fp in fields)  # else no element is written
        lines += ["def run_list(seq, known, violations, S):"]
        if writes:
            lines += ["    add_injected = S.injected.append" if paths else "    pass",
                      "    lst = owned_ids = None"]
        lines += ["    owned = None",
                  _GIVEN_INIT,
                  "    for c, (concrete, prefix, paths) in zip(seq, known):"]
        if writes:
            lines.append("        owned = None")
        lines += ["        if c.__class__ is not dict:",
                  "            if _is_map(c):",
                  "                S.owned = None",
                  "                run_fields(c, False, prefix, concrete, violations, S)",
                  "            continue"]
        if read_firsts != "pass":
            lines.append(f"        {read_firsts}")
        written: list[str] = []  # parents written into by the fields before, in this element
        for i, fp in enumerate(fields):
            later = {f[1] for f in fields[i + 1:] if f[0] == 2 and f[6] in (_ABSENT_CONST, _ABSENT_FRESH)}
            lines += _field_source(i, fp, ns, "        ", cache, fp[1] not in written, fp[1] in later, True, alone,
                                   fp[1] in lazy)
            if fp[0] == 2 and fp[6] in (_ABSENT_CONST, _ABSENT_FRESH):
                written.append(fp[1])
    # run_root(params, violations, S): what the plan's run does for a target at the request itself (see
    # _compile_targets), with run_fields' body inline
    end = lines.index("def run_list(seq, known, violations, S):") if members is not None else len(lines)
    lines += ["def run_root(params, violations, S):",
              "    c = params",
              "    is_dict = type(c) is dict",
              "    if not is_dict and not _is_map(c):",
              "        return",
              "    S.owned = None",
              "    prefix = ''",
              "    concrete = ()"] + lines[1:end]
    del ns["RECORD"]
    given_vars = list(ns.pop("GIVEN_VARS", {}).values())  # each function starts them at None (_given_var)
    init = f"    {' = '.join(given_vars)} = None" if given_vars else "    pass"
    lines = [init if line is _GIVEN_INIT else line for line in lines]
    code = _code("\n".join(lines), f"<safemaker.guard {label}>")  # a name for tracebacks and profiles
    exec(code, ns)  # noqa: S102 - generated from the rule table, no outside text
    ns["run_fields"].root = ns["run_root"]
    return ns["run_fields"], ns.get("run_list")


_GIVEN_INIT = "    # (the GV<k> variables of _given_var, set to None)"
"""A line of the generated functions replaced, once every field is written, by the start of their GV<k> locals."""


def _writes_below(member: str | None, later: tuple[_FieldPlan, ...]) -> bool:
    """Whether a field of ``later`` injects below the first-level ``member`` (a structure copied for a field
    before them is then put in the writer's set, so that they write into that copy)."""
    return any(fp[1] == member and len(fp[3]) >= 2 and "[]" not in fp[3] and fp[6] in (_ABSENT_CONST, _ABSENT_FRESH)
               for fp in later)


_OWN_ELEMENT = ["if owned is None:  # this element's copy in the writer's copy of the list, made once",
                "    if lst is None:",
                "        lst, owned_ids = S.own_seq(concrete[:-1])  # the list's concrete path",
                "    owned = lst[concrete[-1]]",
                "    fresh = id(owned) not in owned_ids  # a copy made here holds the input's structures",
                "    if fresh:",
                "        owned = lst[concrete[-1]] = owned.copy()",
                "        owned_ids.add(id(owned))"]


_OWN_ELEMENT_ALONE = [
    "if owned is None:  # this element's copy in the writer's copy of the list, made once",
    "    if lst is None:",
    "        lst, owned_ids = S.own_seq(concrete[:-1])  # the list's concrete path",
    "    owned = lst[concrete[-1]] = lst[concrete[-1]].copy()",
    "    fresh = True"]
""":data:`_OWN_ELEMENT` for a list that no other target of the plan walks into (``alone``): an element is
copied the first time a field writes into it, without registering the copy in the writer's set or looking it up
there (nothing else owns it; if a check function's injection (``S.inject``) copies an element before this loop
does, the loop copies that copy, with what it holds, and the writes land in the list's copy either way)."""


def _field_source(i: int, fp: _FieldPlan, ns: dict[str, Any], pad: str, cache: dict[str, str] | None,
                  first: bool = False, again: bool = True, in_list: bool = False, alone: bool = False,
                  lazy: bool = False) -> list[str]:
    """The generated code of field ``i`` (plan ``fp``), indented by ``pad``.

    ``cache`` is ``None`` for ``run_fields`` (any container, ``is_dict`` says whether it is a
    ``dict``), else the code is for a ``dict`` container and ``cache`` names the variables holding
    first-level members already read (:func:`_compile_fields`). ``lazy``: this field alone reads its
    first-level member (a path of one or two members; its conditions read nothing else there), which is
    then not read beforehand: the code asks whether the container has it (``in``, no call) and reads it
    only then (see :func:`_lazy_source`). ``in_list``: the code is for an element of ``run_list``. There,
    ``first`` says that no field before writes below this field's parent member, so that in an element
    copied in this pass (``fresh``) the parent is the input's and is copied without a look at the writer's
    set; ``again`` that a field after does (the copy is then put in the set)."""
    depth, key, key2, parts, test, wanted, absent, new, _check, f, _path, conds, _refused = fp
    elem = cache is not None  # a dict container: its members read directly
    vpc_id = f" and not v.get({wanted[2]!r}, MISSING) != W{i}[3]" if test == _VPC and wanted[2] else ""
    ok = _TESTS[test].format(i=i, vpc_id=vpc_id)
    if lazy and elem and depth in (1, 2):
        lines = _lazy_source(i, fp, ns, cache, ok, first, again, in_list, alone)
        return [pad + line for line in lines]
    lines: list[str] = []
    if depth == 1:
        if not elem:
            lines.append(f"v = c.get({key!r}, MISSING) if is_dict else _get(c, P{i})")
    elif depth == 2:
        if elem:
            lines += [f"v = {cache[key]}",
                      f"if v is not MISSING:",
                      f"    v = v.get({key2!r}, MISSING) if v.__class__ is dict else _get(c, P{i})"]
        else:
            lines += [f"if is_dict:",
                      f"    v = c.get({key!r}, MISSING)",
                      f"    if v is not MISSING:",
                      f"        v = v.get({key2!r}, MISSING) if v.__class__ is dict else _get(c, P{i})",
                      f"else:",
                      f"    v = _get(c, P{i})"]
    elif len(parts) > 2 and "[]" not in parts:  # a path of members: read member by member through dicts
        walk = [f"v = {cache[key]}" if elem and key in cache else f"v = c.get({parts[0]!r}, MISSING)"]
        ind = ""
        for part in parts[1:]:  # any other structure on the way: the path engine reads the whole path
            walk += [f"{ind}if v is not MISSING:",
                     f"{ind}    if v.__class__ is not dict:",
                     f"{ind}        v = _get(c, P{i})",
                     f"{ind}    else:",
                     f"{ind}        v = v.get({part!r}, MISSING)"]
            ind += "        "
        if elem:
            lines += walk
        else:
            lines += ["if is_dict:"] + ["    " + line for line in walk] + ["else:", f"    v = _get(c, P{i})"]
    else:
        lines.append(f"v = _get(c, P{i})")
    v = "v"
    if elem and depth == 1:  # the member's variable is the value
        v = cache[key]
        ok = re.sub(r"\bv\b", v, ok)
    check = _check_call(i, v, in_list)
    if absent == _ABSENT_OK:
        lines += [f"if {v} is not MISSING and not ({ok}):",
                  f"    {check}"]
        return [pad + line for line in lines]
    lines.append(f"if {v} is MISSING:")
    cond = _required_source(i, conds, ns, cache) if conds is not None else None
    lines += ["    " + line for line in _absent_source(i, fp, ns, cond, first, again, in_list, alone)]
    lines += [f"elif not ({ok}):",
              f"    {check}"]
    return [pad + line for line in lines]


def _check_call(i: int, v: str, in_list: bool) -> str:
    """The generated call of the state's check of field ``i`` with the value in variable ``v`` (in ``run_list``,
    the state's rare paths write into ``S.owned``, set just before; see :func:`_compile_fields`)."""
    return (f"{'S.owned = owned; ' if in_list else ''}S.fields, S.t_update = FIELDS; "
            f"S.check({i}, {v}, c, prefix, concrete)")


def _lazy_source(i: int, fp: _FieldPlan, ns: dict[str, Any], cache: dict[str, str], ok: str, first: bool,
                 again: bool, in_list: bool, alone: bool) -> list[str]:
    """:func:`_field_source` of a field of one or two members of a ``dict`` container whose first-level member
    no other field reads (``lazy``): whether the container has the member is asked first (``in``), and the
    member read only when it is there (into its variable ``cache[key]``, which the field's conditions read;
    ``MISSING`` when absent). What each branch does is what the general code does for the value it reads there:

    - one member ``K``: present, the fast test, else the check; absent, what an absent value does;
    - two members ``K.K2``: ``K`` a ``dict`` holding ``K2``, the fast test of ``K2``'s value; a ``dict``
      without ``K2``, what an absent value does (the conditions read from that ``dict``; in ``run_list``
      an element copied in this pass takes a copy of it, no field before having touched ``K``); ``K``
      anything else, the path engine reads the value (as the general code does); ``K`` absent, what an
      absent value does (nothing when the field is required only with ``K``, ``only_with``).
    """
    depth, key, key2, _parts, _test, _wanted, absent, _new, _c, _f, _path, conds, _r = fp
    m = cache[key]
    reads_member = conds is not None and any(
        p[0] == key for p in ([conds[0]] if conds[0] is not None else []) + [p for p, _ in conds[1]])
    cond = _required_source(i, conds, ns, cache) if conds is not None else None
    lines = [f"if {key!r} in c:",
             f"    {m} = c[{key!r}]"]
    if depth == 1:
        ok_m = re.sub(r"\bv\b", m, ok)  # the member's variable is the value
        lines += [f"    if not ({ok_m}):",
                  f"        {_check_call(i, m, in_list)}"]
    else:
        check = _check_call(i, "v", in_list)
        lines += [f"    if {m}.__class__ is dict:",
                  f"        if {key2!r} in {m}:",
                  f"            v = {m}[{key2!r}]",
                  f"            if not ({ok}):",
                  f"                {check}"]
        if absent != _ABSENT_OK:
            dict_cond = _required_source(i, conds, ns, cache, known_dict=m) if conds is not None else None
            lines += ["        else:"]
            lines += ["            " + line
                      for line in _absent_source(i, fp, ns, dict_cond, first, again, in_list, alone, parent=m)]
        lines += ["    else:  # another mapping, or a value where a structure goes: the path engine reads it",
                  f"        v = _get(c, P{i})"]
        if absent == _ABSENT_OK:
            lines += [f"        if v is not MISSING and not ({ok}):",
                      f"            {check}"]
        else:
            lines += ["        if v is MISSING:"]
            lines += ["            " + line for line in _absent_source(i, fp, ns, cond, first, again, in_list, alone)]
            lines += [f"        elif not ({ok}):",
                      f"            {check}"]
    if absent != _ABSENT_OK and not (conds is not None and conds[0] == (key,)):  # only_with K: not required
        lines.append("else:")
        if reads_member:
            lines.append(f"    {m} = MISSING")
        lines += ["    " + line for line in _absent_source(i, fp, ns, cond, first, again, in_list, alone)]
    return lines


def _absent_source(i: int, fp: _FieldPlan, ns: dict[str, Any], cond: str | None, first: bool, again: bool,
                   in_list: bool, alone: bool, parent: str | None = None) -> list[str]:
    """What an absent value of field ``i`` (plan ``fp``) does, as generated code (unindented): under the
    condition ``cond`` (a Python expression, ``None`` for none), inject the profile's value into the writer's
    copy of the container (copy on write) or add the cached refusals. ``parent`` (``run_list``, a field of two
    members): the variable holding the field's parent member, a ``dict`` that no field before has touched in
    this element, so that an element copied in this pass (``fresh``) takes a copy of it directly."""
    depth, key, key2, parts, _test, wanted, absent, new, _check, f, _path, _conds, _refused = fp
    lines: list[str] = []
    ind = ""
    if cond is not None:
        lines.append(f"if {cond}:")
        ind = "    "
    if absent in (_ABSENT_CONST, _ABSENT_FRESH):
        made = f"N{i}" if absent == _ABSENT_CONST else f"N{i}()"
        parts_of = getattr(new, "made", None)
        if absent == _ABSENT_FRESH and parts_of is not None:  # a VpcConfig: what N{i}() makes, without the call
            subnets, groups, member, ns[f"V{i}"] = parts_of
            made = _fresh_vpc_source(i, ns, (subnets, groups))
            if member:
                made = made[:-1] + f", {member!r}: V{i}}}"
        elif absent == _ABSENT_FRESH and getattr(new, "made_list", None) is not None:  # a list of IDs: N{i}()
            made = _fresh_list_source(f"L{i}", ns, new.made_list)
        if in_list:
            lines += [ind + line for line in (_OWN_ELEMENT_ALONE if alone else _OWN_ELEMENT)]
            owned_set = "owned_ids"
        else:
            lines += [f"{ind}if owned is None:",
                      f"{ind}    owned = S.own(concrete)",
                      f"{ind}    wset = S.writer._owned"]
            owned_set = "wset"
        path_at = f"paths[{i}]" if in_list else f"prefix + {_path!r}"  # run_list: the index's paths, made once
        # the statement that records the injected path (none in a plan whose caller does not read them: apply)
        record = [f"{'add_injected(' if in_list else 'injected.append('}{path_at})"] if ns["RECORD"] else []
        inject = (f"{'S.owned = owned; ' if in_list else ''}S.fields, S.t_update = FIELDS; "
                  f"S.inject({i}, {made}, c, prefix, concrete)")
        if depth == 1:  # what _Run.inject does for one member, inline
            lines += [f"{ind}owned[{key!r}] = {made}"] + [ind + line for line in record]
        elif depth == 2 and parent is not None and in_list:
            # the element's copy holds the input's parent (no field before touched it): copy that
            copy = [f"x = owned[{key!r}] = {parent}.copy()"] + ([f"{owned_set}.add(id(x))"] if again else [])
            copy += [f"x[{key2!r}] = {made}"] + record
            if alone:  # every element owned here is copied in this pass (fresh)
                lines += [ind + line for line in copy]
            else:
                lines += [f"{ind}if fresh:"] + [f"{ind}    {line}" for line in copy] + [f"{ind}else:"]
                lines += [ind + "    " + line for line in
                          _parent_inject_source(key, key2, made, owned_set, record, inject, f.create_parents,
                                                first, again, in_list)]
        elif depth == 2:  # the parent is there as a dict: copy it once (paths.Writer.set_in), set the member
            lines += [ind + line for line in
                      _parent_inject_source(key, key2, made, owned_set, record, inject, f.create_parents,
                                            first, again, in_list)]
        elif len(parts) > 2 and "[]" not in parts:  # a path of members: its dicts copied once, as set_in does
            lines += _deep_inject_source(parts, made, owned_set, record, inject, f.create_parents, ind)
        else:
            lines.append(f"{ind}{inject}")
    else:
        refuse = f"S.fields, S.t_update = FIELDS; S.refuse({i}, c, prefix)"
        # the refusals made at this prefix before (shared: see _absent_refusals), else made now
        lines += [f"{ind}try:",
                  f"{ind}    violations += R{i}[prefix]",
                  f"{ind}except KeyError:",
                  f"{ind}    {refuse}"]
    return lines


def _parent_inject_source(key: str, key2: str, made: str, owned_set: str, record: list[str], inject: str,
                          create_parents: bool, first: bool, again: bool, in_list: bool) -> list[str]:
    """The generated code writing ``made`` at ``key.key2`` of ``owned`` (the writer's copy of the container):
    the parent, when a ``dict``, copied once (:meth:`safemaker.paths.Writer.set_in`); made when absent and the
    field creates its parents; anything else to the state's ``inject``. ``record``: the statement recording
    the injected path, if any."""
    lines = [f"x = owned.get({key!r}, MISSING)",
             f"if x.__class__ is dict:"]
    if in_list and first:
        lines += [f"    if fresh or id(x) not in {owned_set}:",
                  f"        x = owned[{key!r}] = x.copy()"]
        if again:
            lines.append(f"        {owned_set}.add(id(x))")
    else:  # a copy made here goes into the writer's set only when a later field writes below it
        lines += [f"    if id(x) not in {owned_set}:",
                  f"        x = owned[{key!r}] = x.copy()"]
        if again or in_list:
            lines.append(f"        {owned_set}.add(id(x))")
    lines += [f"    x[{key2!r}] = {made}"] + [f"    {line}" for line in record]
    if create_parents:  # an absent parent is made (set_in), and is the writer's own
        lines += [f"elif x is MISSING:",
                  f"    x = owned[{key!r}] = {{}}"]
        if again or in_list:
            lines.append(f"    {owned_set}.add(id(x))")
        lines += [f"    x[{key2!r}] = {made}"] + [f"    {line}" for line in record]
    lines += [f"else:",
              f"    {inject}"]
    return lines


def _fresh_list_source(name: str, ns: dict[str, Any], items: Sequence[Any]) -> str:
    """Python source making a new list of ``items`` (each bound in ``ns`` as ``<name>_<j>``): ``list(items)``
    written as a list display, without the call."""
    if len(items) > 64:
        ns[name] = tuple(items)
        return f"list({name})"
    for j, item in enumerate(items):
        ns[f"{name}_{j}"] = item
    return "[" + ", ".join(f"{name}_{j}" for j in range(len(items))) + "]"


def _fresh_vpc_source(i: int, ns: dict[str, Any], vpc: tuple[Sequence[str], Sequence[str]]) -> str:
    """Python source making a new ``{"Subnets": [...], "SecurityGroupIds": [...]}`` of the profile's IDs ``vpc``
    (what :func:`_check_vpc` injects, and requires of an absent ``VpcConfig``), from constants bound in ``ns``."""
    return (f"{{'Subnets': {_fresh_list_source(f'S{i}', ns, vpc[0])}, "
            f"'SecurityGroupIds': {_fresh_list_source(f'G{i}', ns, vpc[1])}}}")


def _deep_inject_source(parts: tuple[str, ...], made: str, owned_set: str, record: list[str], inject: str,
                        create_parents: bool, ind: str) -> list[str]:
    """The generated code writing ``made`` at member path ``parts`` (three members or more) below ``owned``
    (the writer's copy of the container): what :meth:`safemaker.paths.Writer.set_in` does, inline. Each
    ``dict`` on the way is copied once (unless the writer owns it already, ``owned_set``); an absent one is
    made when the field creates its parents; anything else (``None``, another mapping, another value)
    goes to the state's ``inject`` (``inject``, which starts again from ``owned`` with the writer's set)."""
    out: list[str] = []

    def create(level: int, holder: str, pad: str) -> None:  # every member from ``level`` on is absent
        for k, key in enumerate(parts[level:-1], start=level):
            out.extend([f"{pad}d{k} = {holder}[{key!r}] = {{}}", f"{pad}{owned_set}.add(id(d{k}))"])
            holder = f"d{k}"
        out.extend([f"{pad}{holder}[{parts[-1]!r}] = {made}"] + [pad + line for line in record])

    def walk(level: int, holder: str, pad: str) -> None:
        if level == len(parts) - 1:
            out.extend([f"{pad}{holder}[{parts[-1]!r}] = {made}"] + [pad + line for line in record])
            return
        key, y = parts[level], f"d{level}"
        out.extend([f"{pad}{y} = {holder}.get({key!r}, MISSING)",
                    f"{pad}if {y}.__class__ is dict:",
                    f"{pad}    if id({y}) not in {owned_set}:",
                    f"{pad}        {y} = {holder}[{key!r}] = {y}.copy()",
                    f"{pad}        {owned_set}.add(id({y}))"])
        walk(level + 1, y, pad + "    ")
        if create_parents:
            out.extend([f"{pad}elif {y} is MISSING:",
                        f"{pad}    {y} = {holder}[{key!r}] = {{}}",
                        f"{pad}    {owned_set}.add(id({y}))"])
            create(level + 1, y, pad + "    ")
        out.extend([f"{pad}else:", f"{pad}    {inject}"])

    walk(0, "owned", ind)
    return out


def _required_source(i: int, conds: tuple[Any, ...], ns: dict[str, Any], cache: dict[str, str] | None = None,
                     known_dict: str | None = None) -> str:
    """:func:`_is_required` of a required conditional field ``i`` (its split conditions ``conds``) as an
    inline Python expression of the generated code's ``c`` (the container), ``is_dict`` and ``S.params``
    (the request); the names it needs go into ``ns``. Each term reads as :func:`_is_required` does and
    skips a walk only where the walk would find nothing. With ``cache`` (a ``dict`` element of
    ``run_list``, see :func:`_field_source`) ``c`` is a ``dict`` and a cached first-level member is
    read from its variable. ``known_dict``: a variable known to hold a ``dict`` where the code runs
    (:func:`_lazy_source`); when it is the ``only_with`` member's, the usual shape's terms read it without a test."""
    only_with, instance_types, not_required_when = conds
    elem = cache is not None

    def member(key: str) -> str:  # c.get(key, MISSING) of a dict container
        return cache[key] if elem and key in cache else f"c.get({key!r}, MISSING)"

    terms = []
    if only_with is not None:
        ns[f"OW{i}"] = only_with
        if len(only_with) == 1:
            read = member(only_with[0]) if elem else (f"(c.get({only_with[0]!r}, MISSING) if is_dict "
                                                     f"else _get(c, OW{i}))")
            terms.append(f"{read} not in (MISSING, None)")
        elif elem:
            # a dict container: the members read inline while they are dicts (``ow``); at anything else on the
            # way (another mapping, a scalar) _get reads the path from the container, as it would have
            walk = f"_get(c, OW{i}) not in (MISSING, None)"
            test = f"ow.get({only_with[-1]!r}, MISSING) not in (MISSING, None)"
            for key in reversed(only_with[1:-1]):
                test = (f"(({test}) if (ow := ow.get({key!r}, MISSING)).__class__ is dict "
                        f"else (ow is not MISSING and {walk}))")
            terms.append(f"(({test}) if (ow := {member(only_with[0])}).__class__ is dict "
                         f"else (ow is not MISSING and {walk}))")
        else:
            terms.append(f"_get(c, OW{i}) not in (MISSING, None)")
    it_known = None  # the instance-type term on a known dict holding them (the usual shape), else None
    if instance_types:
        ns[f"ITS{i}"] = instance_types
        head = instance_types[0][0]
        if (len(head) == 2 and not instance_types[0][1]
                and all(p[0] == head[0] and len(p) > 2 and p[1] != "[]" for p, _ in instance_types[1:])):
            # "R.InstanceType" and lists "R.<List>[].InstanceType": a str InstanceType without storage decides
            # alone (required); any other shape reads every type (_every_store)
            def it_known(m: str) -> str:
                lists_given = " or ".join(f"{p[1]!r} in {m}" for p, _ in instance_types[1:]) or "False"
                return (f"((not _STORAGE[t] or ({lists_given}) and not _every_store(c, ITS{i})) "
                        f"if (t := {m}.get({head[1]!r}, MISSING)).__class__ is str "
                        f"else not _every_store(c, ITS{i}))")
            if elem:
                terms.append(f"({it_known('x')} if (x := {member(head[0])}).__class__ is dict "
                             f"else not _every_store(c, ITS{i}))")
            else:
                terms.append(f"({it_known('x')} if is_dict and (x := c.get({head[0]!r})).__class__ is dict "
                             f"else not _every_store(c, ITS{i}))")
        else:
            terms.append(f"not _every_store(c, ITS{i})")
    if not_required_when is not None:
        ns[f"NRW{i}"] = not_required_when
        # read once per generated function (its local GV<k>, None until then; see _compile_fields), the request's
        # memo (S.given) across functions
        var = _given_var(not_required_when, ns)
        if (len(not_required_when) == 3 and not_required_when[1] == "[]" and not_required_when[2] != "[]"
                and not_required_when[0] != "[]"):  # "A[].B" (ProductionVariants[].ModelName): read directly
            ns["_given_each"] = _given_each
            read = f"_given_each(S.params, {not_required_when[0]!r}, {not_required_when[2]!r})"
        else:
            read = f"S.given(NRW{i})"
        terms.append(f"not ({var} if {var} is not None else ({var} := {read}))")
    generic = " and ".join(terms) or "True"
    if (elem and only_with is not None and len(only_with) == 1 and only_with[0] in cache
            and all(parts[0] == only_with[0] for parts, _ in instance_types)):
        # The usual shape: the structure that the field needs (ResourceConfig) holds the instance types.
        # When it is a dict, the same terms read from it directly (a dict is neither MISSING nor None).
        m = cache[only_with[0]]
        special = []
        if instance_types:
            special.append(it_known(m) if it_known is not None else terms[-2 if not_required_when is not None
                                                                             else -1])
        if not_required_when is not None:
            special.append(terms[-1])
        if known_dict == m:
            return f"({' and '.join(special) or 'True'})"
        return (f"({m} is not MISSING and (({' and '.join(special) or 'True'}) if {m}.__class__ is dict "
                f"else ({generic})))")
    return generic


def _given_var(parts: tuple[str, ...], ns: dict[str, Any]) -> str:
    """The local variable of the generated functions that holds :meth:`_Run.given` of ``parts`` (``GV<k>``, one per
    path; its name is listed in ``ns["GIVEN_VARS"]`` so that each function starts it at ``None``)."""
    names = ns.setdefault("GIVEN_VARS", {})
    return names.setdefault(parts, f"GV{len(names)}")


def _given_each(root: Any, member: str, key: str) -> bool:
    """:func:`_given` of ``(member, "[]", key)``: a request whose ``member`` is a list (or tuple) of dicts that
    each give ``key`` a value is read here in one loop; anything else by :func:`_given` itself."""
    if root.__class__ is dict:
        seq = root.get(member)
        if seq is None:
            return False
        if seq.__class__ is list or seq.__class__ is tuple:
            for item in seq:
                if item.__class__ is not dict:
                    break  # from here on, _given reads every element
                if key not in item or item[key] in (None, ""):
                    return False  # what _given finds: this element gives no value, and the elements before are dicts
            else:
                return bool(seq)
    return _given(root, (member, "[]", key))


def _given(root: Any, parts: tuple[str, ...]) -> bool:
    """Whether ``root`` gives a value (neither None nor "") at rule path ``parts``; through a ``"[]"``
    step, in **every** element of a non-empty list (or tuple).

    A field's ``not_required_when``: ``ProductionVariants[].ModelName`` makes an endpoint config's own
    isolation and VPC optional only when every variant serves a model; one variant without a model
    (inference components run their own containers on it) needs them. Read directly for
    ``("A", "[]", "B")`` over a list (or tuple) of dicts.
    """
    if len(parts) == 3 and parts[1] == "[]" and parts[2] != "[]" and root.__class__ is dict:
        seq = root.get(parts[0])
        if seq is None:
            return False  # absent or null: nothing to walk
        if seq.__class__ is list or seq.__class__ is tuple:
            key = parts[2]
            for item in seq:  # a plain loop: a generator costs more than the one or two variants it reads
                if item.__class__ is not dict:
                    break  # from here on, the general walk below reads every element
                if key not in item or item[key] in (None, ""):
                    return False  # what the walk finds (all() stops at the first element without a value)
            else:
                return bool(seq)
    if "[]" not in parts:
        return any(v not in (None, "") for _, v in _expand_all(root, parts))
    k = parts.index("[]")
    items = [v for _, v in _expand_all(root, parts[:k + 1])]
    return bool(items) and all(_given(item, parts[k + 1:]) for item in items)


class _Run:
    """The state of one :func:`_run` that the generated field code calls for its rare paths.

    Made per request as ``plan.state()`` (no ``__init__`` of its own: ``object``'s), then ``params``,
    ``violations`` and ``injected`` set by :func:`_run`: ``plan.state`` is a subclass made once per plan
    (:class:`_Plan`) whose class attributes are the plan's ``operation``, ``view``, ``plan`` and ``written``;
    the attributes set later start as the class defaults below (making an instance is the cost here, not the
    attributes).
    """

    operation: str
    view: _ProfileView
    plan: _Plan
    written: bool
    params: Mapping[str, Any]
    violations: list[Violation]
    injected: list[str]
    ctx: _Ctx | None = None
    writer: _Writer | None = None
    owned: Any = None
    fields: tuple[_FieldPlan, ...] = ()
    t_update: bool = False
    given_at: dict[tuple[str, ...], bool] | None = None

    def given(self, parts: tuple[str, ...]) -> bool:
        """Whether the request gives a value (neither None nor "") at rule path ``parts`` (a field's
        ``not_required_when``), read once per request."""
        memo = self.given_at
        if memo is None:
            memo = self.given_at = {}
        hit = memo.get(parts)
        if hit is None:
            hit = memo[parts] = _given(self.params, parts)
        return hit

    def context(self, container: Any) -> _Ctx:
        """The check functions' context, made on first need, pointed at ``container``."""
        ctx = self.ctx
        if ctx is None:
            plan = self.plan
            ctx = self.ctx = _Ctx(self.operation, self.view, plan.inject, plan.update, self.violations,
                                  root=self.params, written=self.written, never_injects=plan.update)
        ctx.update, ctx.container = self.t_update, container
        return ctx

    def own_seq(self, at: tuple[_Key, ...]) -> tuple[Any, set[int]]:
        """The writer's copy of the list at concrete path ``at`` (a tuple copied to a list; the structures on
        the way copied once), and the ids of the structures the writer owns (``run_list`` copies each element
        it writes into, once)."""
        if self.writer is None:
            self.writer = _Writer(self.params)
        return self.writer.own(at), self.writer._owned

    def own(self, concrete: tuple[_Key, ...]) -> Any:
        """The writer's copy of the container at ``concrete`` (made on the first injection there)."""
        owned = self.owned
        if owned is None:
            if self.writer is None:
                self.writer = _Writer(self.params)
            owned = self.owned = self.writer.own(concrete)
        return owned

    def check(self, i: int, value: Any, container: Any, prefix: str, concrete: tuple[_Key, ...]) -> None:
        """A value the fast test does not pass: the field's check function decides."""
        fp = self.fields[i]
        new = fp[8](self.context(container), fp[9], prefix + fp[10], value)
        if new is not MISSING:
            self.inject(i, new, container, prefix, concrete)

    def refuse(self, i: int, container: Any, prefix: str) -> None:
        """The violations of an absent required field, made once per prefix (see :func:`_absent_refusals`)."""
        fp = self.fields[i]
        made = fp[12].get(prefix)
        if made is None:
            made = _absent_refusals(self.operation, self.view, self.plan, self.written, self.t_update, fp[9], fp[8],
                                    prefix + fp[10], fp[12], prefix, container, self.params)
        self.violations.extend(made)

    def inject(self, i: int, new: Any, container: Any, prefix: str, concrete: tuple[_Key, ...]) -> None:
        """Write ``new`` at field ``i`` of the container at ``concrete`` (copy on write)."""
        fp = self.fields[i]
        path = prefix + fp[10]
        owned = self.owned
        if owned is None:
            if self.writer is None:
                self.writer = _Writer(self.params)
            owned = self.owned = self.writer.own(concrete)
        if fp[0] == 1:
            owned[fp[1]] = new
            self.injected.append(path)
        elif self.writer.set_in(owned, fp[3], new, fp[9].create_parents):  # type: ignore[union-attr]
            self.injected.append(path)
        else:
            f = fp[9]
            key = ("parent absent", prefix)  # beside the absent refusals: the same field, path and mode
            shareable = fp[6] == _ABSENT_CONST and new is fp[7]  # the plan's immutable value, absent here
            made = fp[12].get(key) if shareable else None
            if made is not None:
                self.violations += made
                return
            ctx = self.context(container)
            if _is_required(ctx, f):
                before = len(self.violations)
                ctx.violation(path, MISSING, new, f"Give {path}: its parent structure is absent", f.guardrail)
                if shareable:  # an immutable value, so the violation can be shared
                    if len(fp[12]) > 1024:
                        fp[12].clear()
                    fp[12][key] = tuple(self.violations[before:])


def _run_target(state: "_Run", params: Mapping[str, Any], violations: list[Violation], target: _TargetPlan) -> None:
    """Decide one target of a plan on ``params`` (the generated plan run calls it for the targets it does not
    walk inline, see :func:`_compile_targets`)."""
    kind, anchor_parts, t_update, fields, dia, run_fields, places, run_list = target
    matches: Any
    bad: Any = None
    if kind == _AT_ROOT:
        matches = (((), params, ""),)
    elif kind == _AT_MEMBERS:  # what _expand_all finds on a path of members: the value, if every member is there
        cur: Any = params
        for part in anchor_parts:
            if (cur.__class__ is not dict and not _is_map(cur)) or part not in cur:
                matches = ()
                break
            cur = cur[part]
        else:
            matches = ((anchor_parts, cur, places[0]),)  # the anchor's prefix, made with the plan
    elif kind == _AT_LIST:  # members, then every element of the list there (what _expand_all walks)
        members = anchor_parts[:-1]
        if len(members) == 1 and type(params) is dict:
            seq = params.get(members[0], MISSING)
        else:
            seq = _get(params, members)
        if seq.__class__ is list or seq.__class__ is tuple or (seq is not MISSING and _is_seq(seq)):
            n = len(seq)
            known = places[0]  # a tuple, replaced whole (threads see a shorter or a longer one, both right)
            if n > len(known) and n <= _PLACES:  # the concrete path and prefix of each index, made once
                base = format_path(members)
                known = places[0] = known + tuple(
                    (members + (i,), p, tuple(p + fp[10] for fp in fields))
                    for i, p in ((i, f"{base}[{i}].") for i in range(len(known), n)))
            if n <= len(known) and run_list is not None:
                run_list(seq, known, violations, state)  # every element, in one generated loop
                return
            if n <= len(known):
                matches = [(at, item, prefix) for (at, prefix, _), item in zip(known, seq)]
            else:
                base = format_path(members)
                matches = [(members + (i,), item, f"{base}[{i}].") for i, item in enumerate(seq)]
        else:
            matches = ()
            if seq is not None and seq is not MISSING:
                bad = [(members, seq)]
    else:
        bad = []
        matches = [(at, v, format_path(at) + ".")
                   for at, v in _expand_all(params, anchor_parts, (), lambda at, v: bad.append((at, v)))]
    if bad:
        state.t_update = t_update
        ctx = state.context(None)
        for at, v in bad:
            ctx.unwalkable(at, v)
    for concrete, container, prefix in matches:
        is_dict = type(container) is dict
        if not is_dict and not _is_map(container):
            continue
        state.owned = None  # the writer's copy of this container, once something is injected
        run_fields(container, is_dict, prefix, concrete, violations, state)
        if dia is not None:
            writer = state.writer
            now: Any = writer.root if writer else params
            for k in concrete:
                now = now[k]
            if now.get("DirectInternetAccess") == "Disabled" and now.get("SubnetId", MISSING) in (
                    MISSING, None, ""):
                state.t_update = t_update
                _check_dia_subnet(state.context(container), writer.root if writer else params, concrete,
                                  prefix + dia)


_MODE_DECIDE, _MODE_APPLY, _MODE_CHECK, _MODE_WRITTEN = range(4)
"""The modes of :func:`_run`: inject and record the injected paths (:func:`decide`), inject without recording
them (:func:`apply`), check as given (:func:`check`), check a document that is never rewritten
(:func:`_check_as_written`)."""

_MODES = ((True, False, True), (True, False, False), (False, False, True), (False, True, True))
"""``(inject, written, paths)`` of each mode (:func:`_plan`'s arguments)."""


def _run(operation: str, rule: OperationRule, params: Mapping[str, Any], profile: "VpcProfile",
         mode: int, pipeline_definition: Any = None, own: bool = True,
         ) -> tuple[dict[str, Any], list[str], list[Violation], list[ResolvedReference]]:
    """Check (and, in the modes that inject, fill in) ``params`` by the compiled plan of ``mode``
    (:data:`_MODE_DECIDE`, :data:`_MODE_APPLY`, :data:`_MODE_CHECK`, :data:`_MODE_WRITTEN`); see :func:`decide`.

    Returns the request to send (a copy; with ``own=False``, a ``dict`` request that nothing was written
    into is returned itself, for callers that only read it), the injected paths (:data:`_MODE_APPLY`, whose
    caller does not read them, records not all of them), the violations and the references the embedded pipeline
    definition names. A value the plan's fast test does not pass, and every
    violation, is decided by the field's check function (so the words are always the same).
    """
    last = _LAST_VIEW  # _view(profile), without the call for the last profile asked for
    view = last[1] if last[0] is profile else _view(profile)
    violations: list[Violation] = []
    if rule.unsupported:  # what _Ctx.violation makes for the operation itself, without the context
        v = _new_violation(Violation)
        v.__dict__.update(operation=operation, path=operation, found=operation,
                          required="an operation that can run closed", fix=rule.unsupported,
                          rule_id=_RULE_IDS[Guardrail.UNSUPPORTED],
                          required_text="an operation that can run in a closed network")
        violations.append(v)
        return dict(params), [], violations, []
    plans = view.plans_by_mode[mode]  # _plan's, without the call and the tuple key
    plan = plans.get(operation)
    if plan is None or plan.rule is not rule:
        plan = plans[operation] = _plan(operation, rule, view, *_MODES[mode])
    state = plan.state()  # its class attributes are the plan's constants (see _Run)
    state.params = params
    state.violations = violations
    state.injected = injected = []
    plan.run(params, violations, state)  # every target (_compile_targets)
    extra_refs: Any = ()  # the embedded pipeline definition's references (a list), if there is one
    if rule.definition is not None:
        extra_refs = _run_definition(operation, rule, params, profile, violations, pipeline_definition)
    writer = state.writer
    if writer is not None:
        return writer.root, injected, violations, extra_refs
    return (params if not own and type(params) is dict else dict(params)), injected, violations, extra_refs


_PIPELINE: Any = None
"""safemaker.pipeline, once :func:`_run_definition` has imported it."""


def _run_definition(operation: str, rule: OperationRule, params: Mapping[str, Any], profile: "VpcProfile",
                    violations: list[Violation], fetched: Any) -> list[ResolvedReference]:
    """Check an embedded pipeline definition (inline, or fetched from its S3 location)."""
    global _PIPELINE
    _pipeline = _PIPELINE
    if _pipeline is None:
        from . import pipeline as _pipeline  # pipeline imports this module: imported on first need

        _PIPELINE = _pipeline

    inline = params.get(rule.definition, MISSING) if rule.definition else MISSING
    location = params.get(rule.definition_location, MISSING) if rule.definition_location else MISSING
    refs: list[ResolvedReference] = []
    if inline is not MISSING and inline is not None:
        result = _pipeline.check_definition(inline, profile, operation=operation, prefix=rule.definition)
        violations += result.violations
        refs += result.references
    if location is not MISSING and location is not None:
        where = rule.definition_location or "PipelineDefinitionS3Location"
        if inline is not MISSING and inline is not None:
            violations.append(Violation(
                operation, where, location, f"only one of {rule.definition} and {where}",
                f"Give the definition once: remove {where} to send {rule.definition} as written, or remove "
                f"{rule.definition} to have the S3 object read (which of the two SageMaker uses is not for "
                "safemaker to guess)", Guardrail.UNSUPPORTED.value, f"one of {rule.definition} and {where}"))
        elif fetched is None:
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
    out_params, injected, violations, extra_refs = _run(operation, rule, params, profile,
                                                         _MODE_DECIDE if inject else _MODE_CHECK, pipeline_definition)
    warned = _run_preflight(operation, out_params, profile, violations) if operation in _PREFLIGHT else ()
    refs = tuple(references(operation, out_params)) if rule.references else ()
    return _decision(operation, out_params, tuple(injected), tuple(violations),
                     refs + tuple(extra_refs) if extra_refs else refs, warned)


_PREFLIGHT = _preflight.PREFLIGHT_OPERATIONS
_findings_or_none = _preflight.request.findings_or_none
_PREFLIGHT_CHECKERS = _preflight.request.CHECKERS
_PROBE = _preflight.request.PROBE
_Found = _preflight.request.Found


def _run_preflight(operation: str, params: Mapping[str, Any], profile: "VpcProfile",
                   violations: list[Violation]) -> tuple[Violation, ...]:
    """Add the preflight refusals of the final request to ``violations``; return its warnings."""
    findings = _findings_or_none(operation, params, profile)  # check_request's, None when it finds nothing
    if findings is None:
        return ()
    return _add_findings(findings, violations)


def _preflight_found(operation: str, params: Mapping[str, Any], profile: "VpcProfile",
                     violations: list[Violation]) -> None:
    """:func:`_run_preflight` once the operation's checker, run on the probe, has found something (``check`` and
    ``apply`` run the probe inline: most requests have no finding); the warnings are not returned."""
    _add_findings(_preflight.request.check_request(operation, params, profile), violations)


def _add_findings(findings: Any, violations: list[Violation]) -> tuple[Violation, ...]:
    """Add the refusals of preflight ``findings`` to ``violations`` (dropping those it supersedes); return its
    warnings."""
    if findings.supersedes:
        violations[:] = [v for v in violations if v.path not in findings.supersedes]
    violations += findings.refusals
    return tuple(findings.warnings)


def _unclassified(operation: str, profile: "VpcProfile") -> tuple[Violation, ...]:
    """Refuse an operation the classification does not know (botocore newer than safemaker)."""
    from .rules_classification import NO_NETWORK_EFFECT, REFUSED, REFUSED_UNLESS  # imports this module's rules

    if operation in REFUSED:
        switch = REFUSED_UNLESS.get(operation)
        if switch is not None and getattr(profile, switch, False):
            return ()  # an administrator lets it through (allow_pipeline_callbacks)
        return (Violation(operation, operation, operation, "an operation that can run closed", REFUSED[operation],
                          Guardrail.UNSUPPORTED.value, "an operation that can run in a closed network"),)
    if operation in NO_NETWORK_EFFECT or getattr(profile, "allow_unclassified_operations", False):
        return ()
    return (Violation(
        operation, operation, operation, "an operation safemaker has classified",
        f"The installed safemaker does not know {operation} (botocore is newer than safemaker's operation table), so it "
        f"cannot tell what the operation starts or opens. {guardrail_spec(Guardrail.UNCLASSIFIED).fix[:-1]}",
        Guardrail.UNCLASSIFIED.value, "an operation of safemaker's classification (safemaker rules)"),)


def _check_as_written(operation: str, params: Mapping[str, Any], profile: "VpcProfile") -> Decision:
    """:func:`decide` with ``inject=False`` for a document that is never rewritten (a pipeline step):
    fixes do not suggest omitting a field to have it injected."""
    rule = RULES[operation]
    out_params, injected, violations, extra_refs = _run(operation, rule, params, profile, _MODE_WRITTEN)
    warned = _run_preflight(operation, out_params, profile, violations)
    return _decision(operation, out_params, tuple(injected), tuple(violations),
                     tuple(references(operation, out_params)) + tuple(extra_refs), warned)


def _check_written(operation: str, params: Mapping[str, Any], profile: "VpcProfile",
                   ) -> tuple[list[Violation], list[ResolvedReference]]:
    """``(violations, references)`` of :func:`_check_as_written`, without making a :class:`Decision`
    (a pipeline checks one per step)."""
    rule = RULES[operation]
    out_params, _, violations, extra_refs = _run(operation, rule, params, profile, _MODE_WRITTEN, own=False)
    if operation in _PREFLIGHT:  # _run_preflight, inline (see check)
        try:
            _PREFLIGHT_CHECKERS[operation](operation, out_params, profile, _PROBE)
        except _Found:
            _preflight_found(operation, out_params, profile, violations)
    refs = references(operation, out_params) if rule.references else []
    return violations, refs + extra_refs if extra_refs else refs


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
    out_params, _, violations, _ = _run(operation, rule, params, profile, _MODE_CHECK, pipeline_definition, own=False)
    if operation in _PREFLIGHT:  # _run_preflight, inline: the probe finds nothing in most requests
        try:
            _PREFLIGHT_CHECKERS[operation](operation, out_params, profile, _PROBE)
        except _Found:
            _preflight_found(operation, out_params, profile, violations)
    return violations


def check_rule(rule: OperationRule, params: Mapping[str, Any], profile: "VpcProfile") -> list[Violation]:
    """Every violation of ``params`` under ``rule``, as written (nothing injected; absent means the default): the
    rule table's checks (the profile's subnets, security groups, VPC, KMS keys, roles, fields that cannot run closed)
    applied to a request of another service whose own members say where the SageMaker work it starts runs
    (:data:`safemaker.iac.service_calls.SAGEMAKER_WORK`: Neptune ML jobs, a DataZone notebook run).

    Parameters
    ----------
    rule : OperationRule
        The fields to check, by the request's own member names (``rule.operation`` is the request's operation).
    params : Mapping[str, Any]
        The request (botocore's input shape). Never mutated.
    profile : VpcProfile
        The profile.

    Returns
    -------
    list[Violation]
        Empty when every field is as the profile requires.
    """
    return _run(rule.operation, rule, params, profile, _MODE_WRITTEN, own=False)[2]


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
    rule = RULES.get(operation)
    if rule is None:
        d = decide(operation, params, profile, pipeline_definition=pipeline_definition)
        if d.violations:
            raise GuardrailViolation(operation, d.violations)
        return d.params
    # decide() without what apply does not return (the references to follow, the injected paths, the Decision)
    out_params, _, violations, _ = _run(operation, rule, params, profile, _MODE_APPLY, pipeline_definition)
    if operation in _PREFLIGHT:  # _run_preflight, inline (see check)
        try:
            _PREFLIGHT_CHECKERS[operation](operation, out_params, profile, _PROBE)
        except _Found:
            _preflight_found(operation, out_params, profile, violations)
    if violations:
        raise GuardrailViolation(operation, violations)
    return out_params


def not_deployed(operation: str, path: str, endpoint: Mapping[str, Any] | None, kind: str, name: Any,
                 description: Mapping[str, Any]) -> Violation | None:
    """The violation of an endpoint config or model that an endpoint cannot be running (trial 18c F01).

    A config is deployed only by ``CreateEndpoint`` / ``UpdateEndpoint`` ("Deploys the EndpointConfig
    specified in the request to a new fleet of instances"), and ``DeleteEndpointConfig`` / ``DeleteModel``
    do not touch the endpoints using them: a config or model re-created under the same name is followed by
    name but is not what runs. So an endpoint config or model (``kind``: ``"endpoint-config"`` / ``"model"``)
    whose ``CreationTime`` (its ``DescribeEndpointConfig`` / ``DescribeModel`` answer, ``description``) is
    later than the endpoint's ``LastModifiedTime`` (its ``DescribeEndpoint`` answer, ``endpoint``) cannot be
    verified.

    Parameters
    ----------
    operation : str
        The operation decided (the guard) or the endpoint's create operation (the audit).
    path : str
        The path of the reference, for the violation.
    endpoint : Mapping or None
        The ``DescribeEndpoint`` response the reference was followed from; ``None`` (not followed from an
        endpoint): nothing to compare, ``None`` is returned.
    kind : str
        ``"endpoint-config"`` or ``"model"``; any other kind returns ``None``.
    name : Any
        The config's or model's name.
    description : Mapping
        Its Describe response.

    Returns
    -------
    Violation or None
        A ``SM-REFERENCE`` violation naming both times and the fix (``UpdateEndpoint`` with a closed
        config, so the endpoint is redeployed); ``None`` when either time is absent or not a datetime, or
        the config/model is not later.
    """
    if endpoint is None or kind not in ("endpoint-config", "model"):
        return None
    deployed, created = endpoint.get("LastModifiedTime"), description.get("CreationTime")
    if not (hasattr(deployed, "timestamp") and hasattr(created, "timestamp")):
        return None
    try:
        later = created.timestamp() > deployed.timestamp()
    except (TypeError, ValueError, OverflowError):
        return None
    if not later:
        return None
    what = "endpoint config" if kind == "endpoint-config" else "model"
    return Violation(operation, path, name, f"the {what} the endpoint was deployed with",
                     f"Cannot verify what the endpoint runs: this {what} was created ({created.isoformat()}) after "
                     f"the endpoint was last deployed (LastModifiedTime {deployed.isoformat()}), so the endpoint "
                     f"still runs a deleted {what} of that name; update the endpoint with a closed endpoint config "
                     "(UpdateEndpoint) so it is redeployed",
                     Guardrail.REFERENCE.value,
                     f"{'an' if kind == 'endpoint-config' else 'a'} {what} created no later than the endpoint's "
                     "LastModifiedTime")


def references(operation: str, params: Mapping[str, Any], *, described: bool = False) -> list[ResolvedReference]:
    """Every resource ``params`` names that the rule table says must be checked.

    Parameters
    ----------
    operation : str
        SageMaker operation.
    params : Mapping[str, Any]
        Request parameters.
    described : bool, default False
        ``params`` is the Describe response of a resource ``operation`` created: each
        reference is read at its ``describe_path`` (:class:`~safemaker.rules.Reference`).

    Returns
    -------
    list[ResolvedReference]
        In request order, duplicates kept (each path is reported).
    """
    if operation not in RULES:
        return []
    out = []
    is_dict = type(params) is dict
    for ref, parts, discriminator, member, plain in _compiled_references(operation, described):
        if is_dict:
            top = params.get(parts[0])
            if top is None:
                if ref.absent_name is not None and not described and len(parts) == 1:
                    out.append(ResolvedReference(ref.path, ref.resource, ref.absent_name))
                continue  # absent or null: _expand_all finds nothing there
            if plain is not None and (len(parts) == 1 or (len(parts) == 2 and top.__class__ is dict)):
                # A or A.B over a dict, read directly (what _expand_all finds: the value, when present)
                name = top if len(parts) == 1 else top.get(parts[1])
                if isinstance(name, str) and name and ref.arn_prefix is not None:
                    name = ref.name_of(name)
                if isinstance(name, str) and name:
                    r = _new_violation(ResolvedReference)
                    r.__dict__.update(path=plain, resource=ref.resource, name=name)
                    out.append(r)
                continue
            if member is not None and (top.__class__ is list or top.__class__ is tuple):  # A[].B...
                if len(parts) == 3 and discriminator is None and ref.arn_prefix is None:
                    # A[].B over dicts, read directly (what _expand_all finds: each element's B, when present)
                    for item in top:
                        if item.__class__ is not dict:
                            break
                    else:
                        for i, item in enumerate(top):
                            name = item.get(member)
                            if isinstance(name, str) and name:
                                r = _new_violation(ResolvedReference)
                                r.__dict__.update(path=f"{parts[0]}[{i}].{member}", resource=ref.resource,
                                                  name=name)
                                out.append(r)
                        continue
                for item in top:
                    if item.__class__ is not dict or member in item:
                        break
                else:
                    continue  # no element has the member: nothing there either
        found = _expand_all(params, parts)
        if not found:
            if (ref.absent_name is not None and not described and len(parts) == 1
                    and _get(params, parts) in (None, MISSING)):
                out.append(ResolvedReference(ref.path, ref.resource, ref.absent_name))
            continue
        resource = ref.resource
        if discriminator is not None:
            chosen = _expand_all(params, discriminator)
            resource = ref.resource_for(chosen[0][1] if chosen else None)
        for concrete, name in found:
            if isinstance(name, str) and name and ref.arn_prefix is not None:
                name = ref.name_of(name)  # an ARN: the name in it (None: not followed, a field rule refuses it)
            if isinstance(name, str) and name:
                # a frozen dataclass: fill its __dict__ as its __init__ does (without a __setattr__ per field)
                r = _new_violation(ResolvedReference)
                r.__dict__.update(path=format_path(concrete), resource=resource, name=name)
                out.append(r)
    return out


@lru_cache(maxsize=None)
def _compiled_references(operation: str, described: bool = False,
                         ) -> tuple[tuple[Any, tuple[str, ...], tuple[str, ...] | None, str | None, str | None], ...]:
    """``(reference, split path, split discriminator or None, B or None, plain)`` of each reference of
    ``operation``'s rule (at its ``describe_path`` when ``described``); ``B`` for a path ``A[].B...`` (the
    member each element of the top list is read at); ``plain`` the concrete path of a path of one or two
    members without a discriminator (``"HumanTaskConfig.WorkteamArn"``), else ``None``."""
    out = []
    for ref in RULES[operation].references:
        if described and not ref.from_description:
            continue  # followed from a request only (rules.Reference.from_description)
        parts = split_path(ref.describe_path if described and ref.describe_path else ref.path)
        member = parts[2] if len(parts) > 2 and parts[1] == "[]" and parts[2] != "[]" else None
        plain = (format_path(parts) if len(parts) <= 2 and "[]" not in parts and ref.discriminator is None
                 else None)
        out.append((ref, parts, split_path(ref.discriminator) if ref.discriminator is not None else None, member,
                    plain))
    return tuple(out)


@lru_cache(maxsize=None)
def _describe_operation(create_operation: str) -> str | None:
    """The Describe call of the resource ``create_operation`` creates (:data:`safemaker.rules.RESOURCES`), if any."""
    for spec in RESOURCES.values():
        if spec.create_operation == create_operation:
            return spec.describe_operation
    return None


def _kind_words(ref: Reference) -> str:
    """What ``ref`` names, in words: its resource type (``"model"``), or what every type its discriminator may
    choose has in common (``"job definition"`` for a monitoring schedule's job definition)."""
    if not ref.resource_by:
        return ref.resource.replace("-", " ")
    names = [key.split("-") for _, key in ref.resource_by] + [ref.resource.split("-")]
    common: list[str] = []
    while all(len(n) > len(common) for n in names) and len({n[-1 - len(common)] for n in names}) == 1:
        common.insert(0, names[0][-1 - len(common)])
    return " ".join(common) or "resource"


def _misshapen(doc: Any, parts: tuple[str, ...], at: tuple[_Key, ...], empty: bool,
               out: list[tuple[tuple[_Key, ...], Any, str]]) -> None:
    """Append to ``out`` ``(concrete parts, value, expected)`` of every value along split rule path ``parts`` that
    has not the shape the path says: a list at ``[]`` (or a tuple), a mapping at every other member, a string at
    the end (``empty``: a non-empty one). An absent or null member ends the walk there (absence is not a shape: it
    is checked where the resource always names one, ``named_always`` / ``absent_name``)."""
    cur = doc
    for i, head in enumerate(parts):
        if cur is None:
            return
        if head == "[]":
            if not _is_seq(cur):
                out.append((at, cur, "a list"))
                return
            rest = parts[i + 1:]
            for j, item in enumerate(cur):
                _misshapen(item, rest, at + (j,), empty, out)
            return
        if cur.__class__ is not dict and not _is_map(cur):
            out.append((at, cur, "a structure"))
            return
        cur = cur.get(head, MISSING) if cur.__class__ is dict else cur[head] if head in cur else MISSING
        if cur is MISSING:
            return
        at = at + (head,)
    if cur is not None and not (isinstance(cur, str) and (cur or not empty)):
        out.append((at, cur, "a string"))


@lru_cache(maxsize=None)
def _shape_walks(create_operation: str) -> tuple[tuple[Reference, str, tuple[str, ...], str, bool], ...]:
    """``(reference, its path in the description, split path walked, role, always)`` of every walk
    :func:`reference_shape_violations` makes for ``create_operation``'s description (made once)."""
    rule = RULES.get(create_operation)
    out = []
    for ref in rule.references if rule is not None else ():
        if not ref.from_description:
            continue
        where = ref.describe_path if ref.describe_path is not None else ref.path
        parts = split_path(where)
        always = (ref.absent_name is not None or ref.named_always) and "[]" not in parts
        out.append((ref, where, parts, "naming", always))
        if ref.discriminator is not None:
            out.append((ref, where, split_path(ref.discriminator), "choosing the type of", False))
    return tuple(out)


def reference_shape_violations(create_operation: str, description: Mapping[str, Any], *,
                               operation: str | None = None) -> list[Violation]:
    """The references of a Describe response that cannot be followed because a value on the way is not the shape
    botocore's output model gives it: fail closed, never skipped.

    Each reference :func:`references` follows from a description (``from_description``, at its
    ``describe_path``), and the discriminator that chooses its resource type, is walked: a list where the path
    has ``[]``, a structure at every member, a non-empty string (a name or an ARN) at the end. botocore's JSON
    parser hands a value of another type through unchanged (a production variant's ``ModelName`` of ``["m"]``,
    ``123`` or ``{"Name": "m"}``), and :func:`references` finds no name in it: the resource the description
    names would go unchecked. Each such value is an ``SM-REFERENCE`` violation. A reference the description
    must always give (``named_always``, ``absent_name``) at a path without ``[]`` may also be absent, null or
    ``""`` here: :func:`check_description` refuses that (the description does not name it).

    Parameters
    ----------
    create_operation : str
        An operation of :data:`safemaker.rules.RULES` (``"CreateEndpointConfig"``); any other has no references.
    description : Mapping[str, Any]
        Its resource's Describe response (``DescribeEndpointConfig``).
    operation : str, optional
        Operation to name in the violations (the referencing request); defaults to ``create_operation``.

    Returns
    -------
    list[Violation]
        One per misshapen value, in table order; paths are the description's concrete paths
        (``"ProductionVariants[0].ModelName"``).
    """
    walks = _shape_walks(create_operation)
    if not walks:
        return []
    found: list[tuple[tuple[_Key, ...], Any, str]] = []
    out: list[Violation] = []
    seen: set[str] = set()
    for ref, where, walk, role, always in walks:
        _misshapen(description, walk, (), not always, found)
        if not found:
            continue
        operation = operation or create_operation
        describe = _describe_operation(create_operation) or "the Describe call"
        kind = _kind_words(ref)
        for concrete, value, expected in found:
            path = format_path(concrete) or where
            if path in seen:
                continue
            seen.add(path)
            name = type(value).__name__
            given = f"an empty {name}" if value == "" else f"{'an' if name[:1] in 'aeiou' else 'a'} {name}"
            shown = value if isinstance(value, (str, int, float, bool, list, tuple, dict)) else _shown(value)
            leaf = len([p for p in concrete if type(p) is str]) == len([p for p in walk if p != "[]"])
            wanted = f"{expected} {role} the {kind}" if leaf else f"{expected} on the way to the {kind}"
            out.append(Violation(
                operation, path, shown, f"{wanted} (botocore's {describe} output)",
                f"Cannot follow it to the {kind}, whose network counts: {describe} answered {given} at {path}, "
                f"where botocore's output model has {expected}; describe it again, and check what answers this "
                "client's SageMaker calls (its endpoint_url, a proxy, a patched or stubbed client)",
                Guardrail.REFERENCE.value, f"{wanted} (botocore's {describe} output)"))
        found.clear()
    return out


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
        An operation of :data:`safemaker.rules.RULES` (``"CreateDomain"``), or one
        :data:`safemaker.rules_classification.REFUSED` refuses (``"CreateInferenceRouter"``:
        the one ``SM-UNSUPPORTED`` violation the guard gives its request).
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
        ``create_operation`` is neither in the rule table nor refused.
    """
    rule = RULES.get(create_operation)
    if rule is None:
        from .rules_classification import REFUSED  # imports this module's rules

        REFUSED[create_operation]  # KeyError: not classified as refused either
        violations = list(_unclassified(create_operation, profile))
        if operation:
            violations = [Violation(operation, v.path, v.found, v.required, v.fix, v.rule_id, v.required_text)
                          for v in violations]
        if via:
            violations = [Violation(v.operation, f"{via}.{v.path}", v.found, v.required, v.fix, v.rule_id,
                                    v.required_text) for v in violations]
        return violations
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
    misshapen = reference_shape_violations(create_operation, description, operation=ctx.operation)
    for ref in rule.references:
        where = ref.describe_path if ref.describe_path is not None else ref.path if ref.named_always else None
        if (ref.absent_name is None and not ref.named_always) or where is None:
            continue
        if any(where == v.path or where.startswith(v.path + ".") for v in misshapen):
            continue  # not a name, or not where a name can be: refused below, with what it is
        # The resource always has one (a request without it used the default, or the create request requires
        # it): a description that does not name it cannot be followed, so the resource cannot be checked.
        value = _get(description, split_path(where))
        if not (isinstance(value, str) and value and ref.name_of(value)):
            kind = ref.resource.replace("-", " ")
            form = f" (arn:<partition>:sagemaker:<region>:<account>:{ref.arn_prefix}<name>)" if ref.arn_prefix else ""
            violations.append(Violation(
                ctx.operation, where, value, f"the {kind} it uses",
                f"Cannot check it: the description does not name its {kind}{form}, whose network counts; "
                f"describe it again, or use one whose {kind} can be described",
                Guardrail.REFERENCE.value, f"a description naming its {kind}"))
    violations += misshapen
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
