"""The process-wide guard: every SageMaker request of every botocore client in the process.

:func:`install_process` reaches every botocore client the way OpenTelemetry's
botocore instrumentation and the AWS X-Ray SDK's botocore patch do: it wraps
the client's API-call path once for the whole process
(``botocore.client.BaseClient._make_api_call``), so it covers clients made
before or after, from any boto3 or botocore session, by SDK v2, SDK v3,
sagemaker-core or raw boto3, in any thread. A second wrap, on
``botocore.endpoint.Endpoint._send`` (the last call before the HTTP layer),
verifies the final serialized request of every guarded call (process,
session or client guard): the request approved is the request sent.

While the process guard is on, what is actually sent decides, whatever the
client's service: a request of any client whose ``X-Amz-Target`` names a
SageMaker API operation (``SageMaker.<Operation>``, compared
case-insensitively) or whose host is the SageMaker API's
(:func:`is_sagemaker_api_host`) must carry the approval of a guard for exactly
that operation, else it is refused (a ``sagemaker-runtime`` client, which also
signs as ``sagemaker``, rewritten by a late handler into ``CreateTrainingJob``
is refused).

What the wrappers cost a call that is not SageMaker's: one dictionary lookup
in ``_make_api_call``; in ``_send`` two header lookups and a substring search
of the URL (see ``benchmarks/bench_process_guard.py``). A guarded request is
encoded once: the guard hands the approved text to botocore's JSON serializer
(:func:`hand_to_serializer`).

Precedence (the more specific wins): a guard installed on a client, then one
installed on the session the client was made from
(:func:`safemaker.hooks.install`), then the process guard. The process guard
decides only for SageMaker clients that have no guard of their own, unless it
is exclusive (``install_process(..., exclusive=True)``, ``safemaker run``): then it
decides every SageMaker request, and a client's own guard decides too.

Example
-------
>>> import boto3, safemaker
>>> safemaker.install_process("profile.toml")          # doctest: +SKIP
>>> boto3.client("sagemaker").create_training_job(...)  # doctest: +SKIP
GuardrailViolation: CreateTrainingJob refused: ...
"""

from __future__ import annotations

import copy
import inspect
import importlib.util
import datetime
import json
import logging
import os
import re
import sys
import threading
import weakref
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Mapping
from urllib.parse import unquote, urlsplit

from ._json import loads_strict
from ._on_import import _hook_pending, _OnImport
from .errors import MISSING, GuardrailViolation, Violation

if TYPE_CHECKING:  # pragma: no cover
    from .hooks import Guard, Mode
    from .profile import VpcProfile

__all__ = ["install_process", "uninstall_process", "process_guard", "process_guard_exclusive", "claim_process", "Approval",
           "PROCESS_UNIQUE_ID", "APPROVAL_KEY", "FINAL_REQUEST_RULE_ID"]

logger = logging.getLogger(__name__)

PROCESS_UNIQUE_ID = "safemaker-guard-process"
"""``unique_id`` of the process guard's handler on each SageMaker client it has seen."""
APPROVAL_KEY = "safemaker_approval"
"""Key of the :class:`Approval` in botocore's request context (``request.context``)."""
EXCLUSIVE_ENV_VAR = "SAFEMAKER_GUARD_EXCLUSIVE"
"""Environment variable: ``1`` makes the process guard turned on from the environment exclusive
(:func:`install_process` ``exclusive=True``); ``safemaker run`` sets it unless ``--not-exclusive``."""
MODE_ENV_VAR = "SAFEMAKER_GUARD_MODE"
"""Environment variable holding the mode of a process guard turned on from the environment
(:mod:`safemaker.auto`, ``safemaker run``): ``enforce`` (default) or ``warn``."""
FINAL_REQUEST_RULE_ID = "SM-FINAL-REQUEST"
"""``rule_id`` of a violation found in the final serialized request (changed after approval)."""

_PARAMS_EVENT = "provide-client-params.sagemaker"
_SERVICE_NAME = "sagemaker"          # botocore's service name of the SageMaker API (not -runtime etc.)
_STACK_SERVICE_NAME = "cloudformation"  # its requests that deploy a template cause SageMaker requests
_STACK_PARAMS_EVENT = "provide-client-params.cloudformation"
_GUARDED_SERVICES = frozenset({_SERVICE_NAME, _STACK_SERVICE_NAME})
# other services whose requests create SageMaker resources or call SageMaker: the process handler is
# registered on their decided operations only (safemaker.other_services), so any other call never reaches it
from .other_services import DECIDED_OPERATIONS as _OTHER_SERVICE_OPERATIONS  # noqa: E402
from .other_services import ENDPOINT_PREFIXES as _CARRIER_PREFIXES  # noqa: E402
_ENDPOINT_PREFIX = "api.sagemaker"   # its endpointPrefix, as the Endpoint object knows it
_TARGET_PREFIX = "SageMaker."        # X-Amz-Target of the JSON protocol: "SageMaker.<Operation>"
_TARGET_PREFIX_FOLDED = _TARGET_PREFIX.lower()


@dataclass(frozen=True)
class Approval:
    """What a guard approved, kept in the request context until the request is sent.

    Attributes
    ----------
    guard : Guard
        The guard that decided.
    operation : str
        The operation approved.
    references : frozenset[tuple[str, str]]
        ``(resource, name)`` of each referenced resource checked.
    definition_location : Mapping or None
        An approved ``PipelineDefinitionS3Location``.
    definition : bytes or None
        The content the guard read from that location (checked again, not read again).
    check : bool, default True
        ``False`` for a warn-mode request already recorded with its violations
        (the final request is not checked again, not recorded twice).
    params : dict or None
        A copy of the request approved, taken at approval, for a request
        :func:`approved_body` cannot write (it holds timestamps or bytes): a final
        body that reads back equal to it is the approved request.
    body : bytes or None
        The request approved as botocore's JSON serializer writes it
        (:func:`approved_body`), taken at approval: a final body with these
        bytes is the approved request (the fast path of :func:`verify_final_request`).
    """

    guard: "Guard"
    operation: str
    references: frozenset[tuple[str, str]]
    definition_location: Any = None
    definition: Any = None
    check: bool = True
    params: Any = None
    body: bytes | None = None


class _State:
    lock = threading.RLock()
    guard: "Guard | None" = None
    claimed_by: str | None = None                 # "install_process" or the closed entry point's name
    make_api_call: Any = None                     # botocore's own, while patched
    send: Any = None
    init: Any = None                              # BaseClient.__init__, while patched (async clients refused)
    async_calls: "list[tuple[type, Any]]" = []    # (async client class, its own _make_api_call), while patched
    exclusive: bool = False                       # install_process(exclusive=True): no guard may relax it


# --------------------------------------------------------------------------- public API


def install_process(profile: "VpcProfile | str | os.PathLike[str] | None", mode: "Mode" = "enforce",
                    *, exclusive: bool = False, **guard_options: Any) -> "Guard":
    """Guard every SageMaker request of every botocore client in this process.

    Parameters
    ----------
    profile : VpcProfile, str, os.PathLike or None
        The profile, a path, ``"ssm:<name>"`` or ``None``: the profile a guarded parent
        process passed on (``SAFEMAKER_GUARD_PROFILE``, :mod:`safemaker.bootstrap`), else
        ``SAFEMAKER_PROFILE``; see :func:`safemaker.profile.resolve_profile`.
    mode : {"enforce", "warn"}, default "enforce"
        See :class:`safemaker.hooks.Guard`.
    exclusive : bool, default False
        With ``mode="enforce"``: no other guard can relax this one. Every SageMaker
        request must pass it, also those of clients with a guard of their own
        (:func:`safemaker.hooks.install` on a client or session, a second
        ``ClosedNetworkSession``): that guard can add refusals, never remove one;
        and while it is on, :func:`install_process` with another profile, mode or
        options raises. ``safemaker run`` turns the guard on exclusive.
    **guard_options
        ``decision_log``, ``keep`` (see :class:`safemaker.hooks.Guard`).

    Returns
    -------
    Guard
        The process guard. Installing again with the same profile and mode and
        no options returns the guard already there; otherwise the new guard
        replaces it (for clients made before too).

    Raises
    ------
    safemaker.errors.ProfileError
        The profile cannot be loaded; or, with ``exclusive=True`` and ``mode="enforce"``,
        a ``SAFEMAKER_<FIELD>`` variable replaced a network or security value its source
        set (:data:`safemaker.profile.ADMINISTRATOR_FIELDS`,
        :func:`safemaker.profile.refuse_environment_replacements`).
    ValueError
        ``mode`` is neither ``"enforce"`` nor ``"warn"``.
    safemaker.errors.ProcessGuardLockedError
        An exclusive process guard is on and this call would replace it.

    Notes
    -----
    Clients with a guard of their own (:func:`safemaker.hooks.install` on the
    client or on its session) keep it: the more specific guard wins, unless this
    guard is exclusive (then both decide). Calls of other services pass through
    after one string comparison.

    While the guard is on, every child Python this process starts (``multiprocessing``
    with ``spawn`` or ``forkserver``, ``subprocess``) comes up with the same guard:
    the bootstrap of ``safemaker run`` is in ``os.environ``
    (:func:`safemaker.bootstrap.export_guard_environment`); :func:`uninstall_process`
    puts the variables back.
    """
    return _install(profile, mode, "install_process", replace=True, exclusive=exclusive, **guard_options)


def claim_process(profile: "VpcProfile", mode: "Mode" = "enforce", *, by: str, **guard_options: Any) -> "Guard":
    """Turn the process guard on for a closed entry point, unless one is on already.

    Used by ``ClosedNetworkSession`` (SDK v2 and v3): the first guard turned on
    stays; a later closed session with another profile keeps its own profile for
    its own clients (session guard) and does not relax or change the process
    guard that every other client is decided by. :func:`install_process` and
    :func:`uninstall_process` are the explicit controls.

    Parameters
    ----------
    profile : VpcProfile
    mode : {"enforce", "warn"}, default "enforce"
    by : str
        Who turns it on (for the log and :func:`process_guard_owner`).
    **guard_options
        As :func:`install_process`.

    Returns
    -------
    Guard
        The process guard now in force (possibly one with another profile).
    """
    return _install(profile, mode, by, replace=False, **guard_options)


def uninstall_process() -> bool:
    """Turn the process guard off and give botocore its own methods (and ``botocore.serialize`` its ``json``) back.

    The environment variables that guarded child Pythons are put back
    (:func:`safemaker.bootstrap.restore_environment`): children started from now on are not guarded.

    Returns
    -------
    bool
        ``True`` when a process guard was on.

    Notes
    -----
    When another library wrapped the same methods after safemaker (an
    instrumentation), safemaker's wrapper stays under it, inactive, so that
    library's wrapper is not lost. Guards installed on sessions and clients
    stay, and their final requests are still verified (the send check is put
    back at their next decision).
    """
    with _State.lock:
        was = _State.guard is not None
        _State.guard, _State.claimed_by, _State.exclusive = None, None, False
        _unpatch()
        if was:
            from .bootstrap import restore_environment

            restore_environment()
        if _SDK_HOOK in sys.meta_path:  # the SDK was not imported meanwhile: nothing to apply it to
            sys.meta_path.remove(_SDK_HOOK)
    if was:
        logger.debug("process guard uninstalled")
    return was


def process_guard_exclusive() -> bool:
    """``True`` when the process guard in force is exclusive (see :func:`install_process`)."""
    return _State.guard is not None and _State.exclusive


def process_guard() -> "Guard | None":
    """The process guard, or ``None`` when it is off.

    Returns
    -------
    Guard or None
    """
    return _State.guard


def process_guard_owner() -> str | None:
    """Who turned the process guard on: ``"install_process"``, a closed entry point's name, or ``None``."""
    return _State.claimed_by


def _install(profile: Any, mode: "Mode", by: str, *, replace: bool, exclusive: bool = False,
             **guard_options: Any) -> "Guard":
    from ._redact import install_log_redaction
    from .hooks import Guard
    from .profile import resolve_profile

    if profile is None:  # in a child Python of a guarded process: its parent's profile (safemaker.bootstrap)
        from .bootstrap import guard_profile_from_environment

        profile = guard_profile_from_environment()
    resolved = resolve_profile(profile)
    if exclusive and mode == "enforce":  # the administrator's network, never the environment's
        from .profile import refuse_environment_replacements

        refuse_environment_replacements(resolved, "install_process(exclusive=True)" if by == "install_process"
                                        else by)
    with _State.lock:
        current = _State.guard
        if current is not None:
            same = current.profile == resolved and current.mode == mode and not guard_options
            if replace and not same and _State.exclusive:
                from .errors import ProcessGuardLockedError

                raise ProcessGuardLockedError(
                    "install_process", _State.claimed_by or "install_process",
                    "the process guard in force is exclusive: a guard with another profile, mode or "
                    "options cannot replace it",
                    "keep the profile in force; a program that works in two networks on purpose runs with "
                    "'safemaker run --not-exclusive' (or turns the guard on without exclusive=True)")
            if same and replace and exclusive and mode == "enforce" and not _State.exclusive:
                _State.exclusive = True  # making the same guard exclusive only tightens it
                _export(current, profile, True)
            if same or not replace:
                if not same:
                    logger.info("process guard kept (turned on by %s); %s guards its own clients with its profile",
                                _State.claimed_by, by)
                _patch()
                return current
        g = Guard(resolved, mode, **guard_options)
        install_log_redaction()
        _patch()
        _State.guard, _State.claimed_by = g, by
        _State.exclusive = bool(exclusive) and mode == "enforce"
        _export(g, profile, _State.exclusive)
    logger.debug("process guard installed by %s (mode=%s)", by, mode)
    install_sdk_preflight_on_import()
    return g


def _export(g: "Guard", given: Any, exclusive: bool) -> None:
    """Child Pythons started from now on come up with this guard (:mod:`safemaker.bootstrap`).

    A profile given as ``None`` was read from the environment, which the child reads too, unless
    the guard is exclusive; any other (an object, a path, ``ssm:``), and the profile of an exclusive
    guard, is passed on as the profile loaded (``SAFEMAKER_GUARD_PROFILE``): a child of an exclusive
    guard has the profile in force, whatever ``SAFEMAKER_PROFILE`` or the file says by then.
    """
    from .bootstrap import export_guard_environment

    pinned = given is not None or exclusive
    export_guard_environment(g.mode, exclusive=exclusive, profile=g.profile if pinned else None)


# --------------------------------------------------------------------------- SDK-side preflight


class _SdkPreflightOnImport(_OnImport):
    """Installs the SDK-side preflight checks right after the ``sagemaker`` package is imported.

    Some refusals must come before the first side effect the SDK makes
    itself (``@remote`` uploads the function and workspace before any
    SageMaker request; ``Model.deploy(serverless_inference_config=...)`` sends
    ``CreateModel`` first): those checks wrap SDK methods
    (:func:`safemaker.sdk.install_sdk_preflight`). The process guard applies
    them to a program that imports the SDK after the guard is on, as
    ``safemaker run``, ``import safemaker.auto`` and ``%load_ext safemaker`` do,
    the way post-import hooks of instrumentation libraries work: the finder
    wraps the ``sagemaker`` package's loader, nothing else is imported early.
    """


_SDK_HOOK = _SdkPreflightOnImport({"sagemaker": lambda: _install_sdk_preflight()})


def install_sdk_preflight_on_import() -> None:
    """Apply the SDK-side preflight checks now if the SDK is imported, else when it is (idempotent)."""
    if "sagemaker" in sys.modules:
        _install_sdk_preflight()
    elif _SDK_HOOK not in sys.meta_path:
        sys.meta_path.insert(0, _SDK_HOOK)


def _install_sdk_preflight() -> None:
    with _State.lock:
        if _SDK_HOOK in sys.meta_path:
            sys.meta_path.remove(_SDK_HOOK)
    try:
        from .sdk import install_sdk_preflight

        install_sdk_preflight()
    except Exception as exc:  # an SDK release whose classes moved: the guard still refuses at the request
        logger.warning("SDK preflight checks not installed (%s: %s); refusals of @remote and serverless "
                       "deploys come at the SageMaker request instead of before the upload",
                       type(exc).__name__, exc)


# --------------------------------------------------------------------------- patching


def _send_check_on_import() -> None:
    # Not waiting for the lock: its holder is turning the guard on (and wraps ``_send`` when the
    # import of botocore.client it may be waiting for, in this thread, is done) or off.
    if _State.lock.acquire(blocking=False):
        try:
            ensure_send_check()
        finally:
            _State.lock.release()


_BOTOCORE_HOOK = _OnImport({"botocore.endpoint": _send_check_on_import, "botocore.client": lambda: _patch_now()})
"""Wraps botocore when it is imported after the process guard was turned on (:func:`_patch`)."""


def _patch() -> None:
    """Wrap ``BaseClient._make_api_call`` and ``Endpoint._send`` once (idempotent; under the lock).

    When botocore is not imported yet (a child Python of ``safemaker run`` that never makes a
    client), it is wrapped right after it is (:data:`_BOTOCORE_HOOK`): no client, no endpoint can
    exist before, and the child does not pay for importing botocore and urllib3 at start.
    """
    with _State.lock:
        if _BOTOCORE_HOOK not in sys.meta_path:  # first: an import that starts from now on is hooked
            sys.meta_path.insert(0, _BOTOCORE_HOOK)
    # An import of botocore.client running in another thread through the hook patches when its code
    # has run (waiting for it here, under the lock its callback takes, would deadlock).
    if "botocore.client" in sys.modules and not _hook_pending("botocore.client"):
        _patch_now()
    elif "botocore.endpoint" in sys.modules and not _hook_pending("botocore.endpoint"):
        ensure_send_check()


def _patch_now() -> None:
    from botocore.client import BaseClient

    with _State.lock:
        if _State.make_api_call is None:
            current = BaseClient.__dict__["_make_api_call"]
            ours = _ours_in_chain(current)
            if ours is not None:  # our inactive wrapper, still in the chain (under another library's)
                _State.make_api_call = ours._safemaker_original
            else:
                _State.make_api_call = current
                BaseClient._make_api_call = _wrap_make_api_call(current)
        if _State.init is None:
            current = BaseClient.__dict__["__init__"]
            ours = _ours_in_chain(current)
            if ours is not None:
                _State.init = ours._safemaker_original
            else:
                _State.init = current
                BaseClient.__init__ = _wrap_init(current)
        if not _State.async_calls:
            _patch_async_clients(BaseClient)
        ensure_send_check()
        if _BOTOCORE_HOOK in sys.meta_path:  # wrapped: nothing left to wait for
            sys.meta_path.remove(_BOTOCORE_HOOK)


def _patch_async_clients(base: type) -> None:
    """Refuse the calls of async SageMaker clients that exist already (made before the guard was on).

    aiobotocore's ``AioBaseClient`` (any subclass of ``BaseClient`` whose own
    ``_make_api_call`` is a coroutine function) never runs the wrapper above, and
    clients made before :func:`_patch` never ran the ``__init__`` refusal: their
    ``_make_api_call`` is wrapped here so that a SageMaker call raises
    ``UnguardableClientError`` while the process guard is on (another service's
    calls, and every call with the guard off, go on as before).
    """
    seen: set[type] = set()
    todo = list(base.__subclasses__())
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        todo.extend(cls.__subclasses__())
        current = cls.__dict__.get("_make_api_call")
        if (current is None or not inspect.iscoroutinefunction(current)
                or _ours_in_chain(current) is not None):
            continue
        cls._make_api_call = _wrap_async_make_api_call(current)  # type: ignore[attr-defined]
        _State.async_calls.append((cls, current))


def _wrap_async_make_api_call(original: Any) -> Any:
    async def _make_api_call(self: Any, operation_name: str, api_params: Any) -> Any:
        if _State.guard is not None:
            service = self.meta.service_model.service_name
            if service == _SERVICE_NAME or (service == _STACK_SERVICE_NAME and _deploys_template(operation_name)) \
                    or operation_name in _OTHER_SERVICE_OPERATIONS.get(service, ()):
                from .hooks import _refuse_unguardable

                _refuse_unguardable(self)
        return await original(self, operation_name, api_params)

    _make_api_call._safemaker_original = original  # type: ignore[attr-defined]
    _make_api_call.__wrapped__ = original  # type: ignore[attr-defined]
    _make_api_call.__doc__ = original.__doc__
    return _make_api_call


def _deploys_template(operation: str) -> bool:
    """A CloudFormation operation the guard decides (:data:`safemaker.iac.stack_calls.DECIDED_OPERATIONS`)."""
    from .iac.stack_calls import DECIDED_OPERATIONS

    return operation in DECIDED_OPERATIONS


def _ours_in_chain(func: Any) -> Any:
    """Our wrapper, if ``func`` is it or wraps it (wrappers expose ``__wrapped__``, as wrapt's do)."""
    for _ in range(32):
        if func is None:
            return None
        if getattr(func, "_safemaker_original", None) is not None:
            return func
        func = getattr(func, "__wrapped__", None)
    return None


def ensure_send_check() -> None:
    """Wrap ``Endpoint._send`` so the final request of every guarded call is verified (idempotent)."""
    if _State.send is not None:
        return
    from botocore.endpoint import Endpoint

    with _State.lock:
        if _State.send is not None:
            return
        _bind_botocore_headers()
        current = Endpoint.__dict__["_send"]
        ours = _ours_in_chain(current)
        if ours is not None:
            _State.send = ours._safemaker_original
        else:
            _State.send = current
            Endpoint._send = _wrap_send(current)
        import botocore.serialize

        if botocore.serialize.json is json:  # the json module itself (nobody else replaced it)
            botocore.serialize.json = _SERIALIZER_JSON


def _unpatch() -> None:
    if _BOTOCORE_HOOK in sys.meta_path:
        sys.meta_path.remove(_BOTOCORE_HOOK)
    if _State.make_api_call is None and _State.send is None and _State.init is None and not _State.async_calls:
        _EXPECTED.request = None
        return  # nothing wrapped (botocore may not even be imported)
    from botocore.client import BaseClient
    from botocore.endpoint import Endpoint

    for cls, name, attr in ((BaseClient, "_make_api_call", "make_api_call"), (Endpoint, "_send", "send"),
                            (BaseClient, "__init__", "init")):
        original = getattr(_State, attr)
        if original is None:
            continue
        current = cls.__dict__.get(name)
        if getattr(current, "_safemaker_original", None) is original:
            setattr(cls, name, original)
        # else: someone wrapped on top of ours; ours stays, inactive (it checks _State first)
        setattr(_State, attr, None)
    for cls, original in _State.async_calls:
        if getattr(cls.__dict__.get("_make_api_call"), "_safemaker_original", None) is original:
            cls._make_api_call = original  # type: ignore[attr-defined]
    _State.async_calls = []
    import botocore.serialize

    if botocore.serialize.json is _SERIALIZER_JSON:
        botocore.serialize.json = json
    _EXPECTED.request = None


def _wrap_make_api_call(original: Any) -> Any:
    def _make_api_call(self: Any, operation_name: str, api_params: Any) -> Any:
        if _State.guard is not None and _SEEN not in self.__dict__:  # a client's first call: one dict lookup after
            _first_call(self)
        return original(self, operation_name, api_params)

    _make_api_call._safemaker_original = original  # type: ignore[attr-defined]
    _make_api_call.__wrapped__ = original  # type: ignore[attr-defined]
    _make_api_call.__doc__ = original.__doc__
    return _make_api_call


def _wrap_init(original: Any) -> Any:
    """Refuse, at creation, a SageMaker client the process guard cannot see: an async one.

    aiobotocore's clients override ``_make_api_call`` (and their endpoint ``_send``)
    with coroutines, so neither wrapper above runs for them: left alone they would
    send unguarded. They still construct through ``BaseClient.__init__``.
    """
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        if _State.guard is not None:
            service = self.meta.service_model.service_name
            if service == _SERVICE_NAME:
                from .hooks import _refuse_unguardable

                _refuse_unguardable(self)
            elif service == _STACK_SERVICE_NAME or service in _OTHER_SERVICE_OPERATIONS:
                call = getattr(type(self), "_make_api_call", None)
                if inspect.iscoroutinefunction(call) and _ours_in_chain(call) is None:
                    # an async class imported after the guard was on: its template deployments are refused
                    from botocore.client import BaseClient

                    with _State.lock:
                        _patch_async_clients(BaseClient)

    __init__._safemaker_original = original  # type: ignore[attr-defined]
    __init__.__wrapped__ = original  # type: ignore[attr-defined]
    __init__.__doc__ = original.__doc__
    return __init__


def _wrap_send(original: Any) -> Any:
    def _send(self: Any, request: Any) -> Any:
        context = getattr(request, "context", None)
        approval = context.get(APPROVAL_KEY) if context else None
        if approval is not None:
            if approval.check:
                verify_final_request(approval, request)
        elif _State.guard is not None:
            prefix = getattr(self, "_endpoint_prefix", None)
            if prefix == _ENDPOINT_PREFIX or sends_to_sagemaker_api(request):
                _refuse_undecided(_State.guard, request)
            elif prefix in _CARRIER_PREFIXES:
                carried = undecided_carrier_operation(prefix, request)
                if carried is not None:
                    _refuse_undecided(_State.guard, request, carried)
        return original(self, request)

    _send._safemaker_original = original  # type: ignore[attr-defined]
    _send.__wrapped__ = original  # type: ignore[attr-defined]
    return _send


_SEEN = "_safemaker_process_seen"
"""Attribute a client gets at its first call under the process guard (a SageMaker client then has the
process handler: it stays, and decides only while the process guard is on)."""


def _first_call(client: Any) -> None:
    """Put the process handler first on a SageMaker or CloudFormation client's ``provide-client-params``
    (once per client; any other client only gets the attribute)."""
    with _State.lock:
        if _SEEN in client.__dict__:
            return
        service = client._service_model.service_name
        if service in _GUARDED_SERVICES:
            _register_process_handler(client, service == _STACK_SERVICE_NAME)
        elif service in _OTHER_SERVICE_OPERATIONS:
            _register_other_service_handler(client, _OTHER_SERVICE_OPERATIONS[service])
        client.__dict__[_SEEN] = True


def _register_process_handler(client: Any, stack: bool = False) -> None:
    """Register the process guard's ``provide-client-params`` handler first on a SageMaker client (under the lock).

    ``stack``: a CloudFormation client, whose requests that deploy a template are decided by
    :meth:`safemaker.hooks.Guard.provide_stack_params`.
    """
    from .hooks import UNIQUE_ID

    ref = weakref.ref(client)
    emitter = client.meta.events
    # the emitter's handlers by unique id (botocore's internals, as safemaker.hooks._unique_handler
    # reads them; the same dict for the client's life): where the client's own guard registers
    handlers = getattr(getattr(emitter, "_emitter", emitter), "_unique_id_handlers", None)
    if not isinstance(handlers, dict):  # pragma: no cover - an emitter without botocore's handler table
        handlers = None

    def decide_for_process(params: Mapping[str, Any], model: Any, **kwargs: Any) -> Any:
        g = _State.guard
        if g is None:
            return None
        c = ref()
        if c is None:
            return None
        if handlers is not None:
            entry = handlers.get(UNIQUE_ID)
            own = getattr(entry["handler"], "_safemaker_guard", None) if entry else None
        else:  # pragma: no cover
            own = _own_guard(c, UNIQUE_ID)
        if own is not None and (own.mode == "enforce" or g.mode == "warn") and not _State.exclusive:
            return None  # the client's / its session's guard decides (the more specific wins)
        # no guard of its own, or one in warn mode under an enforcing process guard, or any guard
        # under an exclusive one: that guard does not switch the process guard off (the request
        # must pass it too)
        if stack:
            return g.provide_stack_params(params, model, client_ref=ref, **kwargs)
        return g.provide_client_params(params, model, client_ref=ref, **kwargs)

    emitter.register_first(_STACK_PARAMS_EVENT if stack else _PARAMS_EVENT, decide_for_process,
                           unique_id=PROCESS_UNIQUE_ID)
    if stack:
        from .hooks import register_change_set_memory

        register_change_set_memory(client)


def _register_other_service_handler(client: Any, operations: frozenset[str]) -> None:
    """Register the process guard's handler on ``provide-client-params.<service>.<Operation>`` of each decided
    operation of another service's client (:mod:`safemaker.other_services`; under the lock): its other
    operations never reach the guard. Decided by :meth:`safemaker.hooks.Guard.provide_service_params`."""
    ref = weakref.ref(client)

    def decide_for_process(params: Mapping[str, Any], model: Any, **kwargs: Any) -> Any:
        g = _State.guard
        if g is None or ref() is None:
            return None
        return g.provide_service_params(params, model, client_ref=ref, **kwargs)

    prefix = "provide-client-params." + client.meta.service_model.service_id.hyphenize()
    for operation in sorted(operations):
        client.meta.events.register_first(f"{prefix}.{operation}", decide_for_process,
                                          unique_id=f"{PROCESS_UNIQUE_ID}-{operation}")


def _own_guard(client: Any, unique_id: str) -> "Guard | None":
    """The client's own guard (a session guard registers one on each client it makes), or ``None``.

    ``unique_id`` is :data:`safemaker.hooks.UNIQUE_ID` (botocore's emitter internals, as
    :func:`safemaker.hooks._unique_handler` reads them). A handler
    under that id that names no guard counts as none (the process guard decides: fail closed).
    """
    emitter = client.meta.events
    handlers = getattr(getattr(emitter, "_emitter", emitter), "_unique_id_handlers", None)
    entry = handlers.get(unique_id) if handlers else None
    return getattr(entry["handler"], "_safemaker_guard", None) if entry else None


# --------------------------------------------------------------------------- final request


def _final_violation(operation: str, path: str, found: Any, required: str, fix: str) -> Violation:
    return Violation(operation, path, found, required, fix, FINAL_REQUEST_RULE_ID, required)


def _header(request: Any, name: str) -> str | None:
    """A header's value as sent (a ``str``; botocore holds some as ``bytes``), or ``None`` when absent; the name
    matched in any case (:func:`_header_values`). Several different values under names that differ only in case
    or surrounding spaces are returned joined with ``" | "`` (no decided value is that: fail closed)."""
    values = _header_values(request, name)
    if not values:
        return None
    return values[0] if len(set(values)) == 1 else " | ".join(values)


def _header_values(request: Any, name: str) -> list[str]:
    """Every value sent under header ``name``, the name compared case-insensitively and without surrounding spaces
    (RFC 9110 section 5.1: "Field names are case-insensitive"). botocore's ``HeadersDict`` keeps one value per
    case-folded name, but a name with spaces around it is another key, and a plain ``dict`` put in its place by a
    handler keeps ``X-Amz-Target`` and ``x-amz-target`` apart: ``http.client`` sends each."""
    headers = request.headers
    if headers is None:
        return []
    folded = name.lower()
    items = headers._dict.items() if type(headers) is _HeadersDict else None
    if items is None:
        try:
            items = list(headers.items())
        except Exception:  # noqa: BLE001 - not a mapping: read the one name as given
            value = headers.get(name)
            return [] if value is None else [value if type(value) is str else _as_str(value)]
    out = []
    for key, value in items:
        text = key if type(key) is str else _as_str(key)
        if (text == name or text.strip().lower() == folded) and value is not None:
            out.append(value if type(value) is str else _as_str(value))
    return out


def _as_str(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("latin-1")  # http.client writes bytes as they are
    return str(value)


def _target_of(request: Any) -> str | None:
    """The ``X-Amz-Target`` header as sent, or ``None`` when there is none (the name in any case:
    :func:`_header`)."""
    return _header(request, "X-Amz-Target")


def _operation_of(request: Any) -> str | None:
    target = _target_of(request)
    if target is not None and target.startswith(_TARGET_PREFIX):
        return target[len(_TARGET_PREFIX):]
    return None


@lru_cache(maxsize=1)
def _api_host_re() -> "re.Pattern[str]":
    from .partitions import dns_suffix_pattern

    first, _, service = _ENDPOINT_PREFIX.partition(".")  # "api", "sagemaker"
    return re.compile(rf"(?:^|\.){re.escape(first)}(?:-fips)?\.{re.escape(service)}\.[a-z0-9-]+\."
                      rf"(?:vpce\.)?{dns_suffix_pattern()}$")


def is_sagemaker_api_host(host: str) -> bool:
    """Whether ``host`` is the SageMaker API's host name in any partition.

    ``api.sagemaker.<region>.<DNS suffix>`` (and ``api-fips.sagemaker...``, an
    interface VPC endpoint's ``vpce-....api.sagemaker.<region>.vpce.<suffix>``),
    the DNS suffixes of botocore's partition data (:mod:`safemaker.partitions`);
    case-insensitive, a port, a trailing dot, percent escapes and an
    internationalized spelling (IDNA) allowed. ``runtime.sagemaker...`` is not
    the API's host.

    Parameters
    ----------
    host : str
        A host name, optionally with ``:port``.

    Returns
    -------
    bool
    """
    host = unquote(host).strip()
    if host.startswith("["):
        return False  # an IPv6 address
    host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return True  # a name no resolver would see as written: fail closed
    return bool(_api_host_re().search(host.lower().rstrip(".")))


def sends_to_sagemaker_api(request: Any) -> bool:
    """Whether a prepared request, as it will be sent, is a SageMaker API request.

    Its ``X-Amz-Target`` names a SageMaker API operation (``SageMaker.``,
    compared case-insensitively, spaces around ignored), or its URL's host or
    its ``Host`` header is the API's (:func:`is_sagemaker_api_host`). What the
    client's service is does not count: every other service that signs as
    ``sagemaker`` (``sagemaker-runtime``, ``sagemaker-metrics`` ...) could be
    rewritten into one.

    Parameters
    ----------
    request : botocore.awsrequest.AWSPreparedRequest

    Returns
    -------
    bool
    """
    headers = request.headers
    if headers is not None:
        for target in _header_values(request, "X-Amz-Target"):
            if target.lstrip()[:10].lower() == _TARGET_PREFIX_FOLDED:
                return True
        if any(is_sagemaker_api_host(host) for host in _header_values(request, "Host")):
            return True
    url = request.url or ""
    lowered = url.lower()
    if "sagemaker" in lowered or "%" in lowered or not url.isascii():  # the API host needs "sagemaker" in it
        return is_sagemaker_api_host(urlsplit(url).netloc.rpartition("@")[2])
    return False


class _HeadersDict:  # botocore.awsrequest.HeadersDict once bound; until then no headers object is this type
    pass


def _bind_botocore_headers() -> None:
    """Read botocore's prepared headers through their own dict (:func:`_header_values`: every name as stored) from
    now on. Called with the send check: botocore's ``awsrequest`` (which imports urllib3) is loaded then, not at
    ``import safemaker``; before, headers are read through ``headers.items()`` (the same names and values)."""
    global _HeadersDict
    from botocore.awsrequest import HeadersDict

    _HeadersDict = HeadersDict  # type: ignore[misc]


if "botocore.awsrequest" in sys.modules:  # pragma: no cover - depends on what was imported first
    _bind_botocore_headers()


def _body_of(request: Any) -> Any:
    body = request.body
    if body is None:
        return {}
    if type(body) not in (bytes, bytearray, str):  # exact types: an object's own __eq__ or read() is not trusted
        return MISSING  # a stream or another object: SageMaker's JSON protocol never sends one; cannot read it exactly
    return loads_strict(body) if body else {}  # a repeated key: which value AWS uses is not ours to guess


_SCALARS = (str, int, float, bool, type(None))
_LEAVES = frozenset(_SCALARS)


def own_copy(value: Any) -> Any:
    """A copy of a request's dicts, lists and tuples (tuples become lists, as JSON reads them back).

    Parameters
    ----------
    value : Any
        Request parameters as botocore takes them.

    Returns
    -------
    Any
        New containers all the way down; leaves are shared (strings, numbers,
        ``bytes``, ``datetime`` cannot change; any other object is copied with
        :func:`copy.deepcopy`); keys and leaves of a ``str``, ``int`` or ``float``
        subclass become the exact value JSON writes (:func:`_exact`). A ``dict`` or ``list`` is copied in one step
        (``dict.copy``: no other thread runs during it), then the containers
        inside it are. Several times faster than :func:`copy.deepcopy` on a
        request (see ``benchmarks/bench_process_guard.py``).

    Raises
    ------
    RuntimeError
        Another thread changed the size of a mapping that is not a ``dict``
        while it was copied (the call is not sent).
    """
    cls = value.__class__
    if cls is dict:
        new = value.copy()
        odd_key = False
        for k, v in new.items():
            if v.__class__ not in _LEAVES:
                new[k] = own_copy(v)  # same key: the dict's size does not change while it is walked
            if k.__class__ is not str:
                odd_key = True
        return {_exact(k): v for k, v in new.items()} if odd_key else new
    if cls is list or cls is tuple:
        new = list(value)
        for i, v in enumerate(new):
            if v.__class__ not in _LEAVES:
                new[i] = own_copy(v)
        return new
    if cls in _LEAVES or isinstance(value, (bytes, datetime.datetime, datetime.date)):
        return value
    if isinstance(value, (str, int, float)):
        return _exact(value)
    if isinstance(value, Mapping):  # dict subclasses and other mappings become dicts
        return {_exact(k): own_copy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [own_copy(v) for v in value]
    return copy.deepcopy(value)



def copy_owned(params: dict[str, Any]) -> dict[str, Any]:
    """New containers for a request the guard already owns (:func:`own_copy`'s result, values it injected).

    Its keys and leaves are already the exact values JSON writes, so only the
    containers are copied (a ``dict`` in one step, then the containers in it);
    anything that is not a plain leaf or ``dict`` goes through :func:`own_copy`.
    """
    new = params.copy()
    for k, v in new.items():
        cls = type(v)
        if cls is dict:
            new[k] = copy_owned(v)
        elif cls not in _LEAVES:
            new[k] = own_copy(v)
    return new


def _exact(value: Any) -> Any:
    """``value`` as its exact ``str``, ``int`` or ``float`` when it is an instance of a subclass of one.

    The JSON botocore sends is written from the value's data (``json.dumps`` reads a
    ``str`` subclass's characters and writes an ``int`` or ``float`` subclass by the base
    type's ``repr``), while a comparison in the guard would call the subclass's own
    ``__eq__`` / ``__hash__``, which may say anything. So the guard's copy holds the
    exact value that will be written: a ``str`` subclass whose ``__eq__`` says it equals
    ``"Disabled"`` is decided as the ``"Enabled"`` it sends, and a key whose ``__hash__``
    is another member's is decided as the member it is written as.

    Parameters
    ----------
    value : Any
        A key or leaf of a request.

    Returns
    -------
    Any
        ``str.__str__(value)``, ``int.__int__(value)`` or ``float.__float__(value)`` (the
        base type's own conversion, never the subclass's) for such a subclass instance;
        anything else unchanged (``bool`` cannot be subclassed).
    """
    cls = value.__class__
    if cls is str or cls is int or cls is float or cls is bool:
        return value
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        return float.__float__(value)
    return value

_JSON_DEFAULTS = json.JSONEncoder(check_circular=False)
"""``json.dumps``' own settings, which botocore's JSON serializer writes a body with (a request
the guard approved has no cycles: it was copied and decided on first)."""
_C_ENCODER = json.encoder.c_make_encoder
_JSON_WRITER = _C_ENCODER and _C_ENCODER(  # what JSONEncoder.iterencode makes on each call, made once
    None, _JSON_DEFAULTS.default, json.encoder.encode_basestring_ascii, None, _JSON_DEFAULTS.key_separator,
    _JSON_DEFAULTS.item_separator, False, False, True)


def approved_body(params: Any) -> bytes | None:
    """The body botocore's JSON serializer writes for ``params`` when they hold JSON values only.

    Parameters
    ----------
    params : Mapping
        The request approved, as botocore takes it.

    Returns
    -------
    bytes or None
        ``json.dumps(params)`` in UTF-8, the bytes botocore's ``JSONSerializer``
        (SageMaker's protocol) writes for a request of strings, numbers,
        booleans, lists and structures: it keeps the members in the order given
        and writes them with ``json.dumps``. ``None`` when a value is not JSON as
        is (a timestamp, bytes: botocore converts those first); the final
        request is then compared as read back (:attr:`Approval.params`).
    """
    text = approved_text(params)
    return None if text is None else text.encode("utf-8")


def approved_text(params: Any) -> str | None:
    """``json.dumps(params)`` (the text of :func:`approved_body`), or ``None`` when a value is not JSON as is."""
    try:
        if _JSON_WRITER is None:  # pragma: no cover - a Python without the json module's C accelerator
            return _JSON_DEFAULTS.encode(params)
        return "".join(_JSON_WRITER(params, 0))
    except (TypeError, ValueError, RecursionError):
        return None


# ------------------------------------------------------------ the approved text handed to botocore's serializer


class _Expected(threading.local):
    request: "tuple[dict[str, Any], str] | None" = None
    """``(approved, text)``: the request this thread's guard approved last, a copy no one else holds,
    and its JSON text (:func:`approved_text`); taken by the serializer's next ``json.dumps``."""


_EXPECTED = _Expected()
_STDLIB_DUMPS = json.dumps


def hand_to_serializer(approved: dict[str, Any], text: str) -> None:
    """Let botocore's JSON serializer write ``text`` for the next body equal to ``approved`` on this thread.

    The guard passes the request it approved (a copy that nothing else holds, so
    nothing can change it) and the text it wrote for it for the final check
    (:func:`approved_body`). When the body botocore's serializer then builds is
    equal to it, the serializer takes that text instead of encoding the same
    request a second time (:class:`_SerializerJson`). A body changed after the
    approval (a later handler) is not equal: botocore writes it as usual and the
    final check (:func:`verify_final_request`) decides it again.
    """
    _EXPECTED.request = (approved, text)


class _SerializerJson:
    """The ``json`` module as :mod:`botocore.serialize` sees it while the final check is on.

    Every attribute is the ``json`` module's; ``dumps(body)`` returns the approved
    text of :func:`hand_to_serializer` when ``body`` (the dict botocore's
    serializer built from the request's parameters) is equal to the request the
    guard approved last on this thread: the bytes sent are then the approved
    bytes, and nothing is encoded twice. Anything else (keyword arguments, another
    body, ``json.dumps`` itself replaced) goes to ``json.dumps``. An equal body
    that ``json.dumps`` would write differently (``1`` where ``1.0`` or ``True``
    was approved) is sent as approved.
    """

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        return getattr(json, name)

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        expected = _EXPECTED.request
        if expected is not None and not kwargs:
            _EXPECTED.request = None  # one body per approval
            if type(obj) is dict and json.dumps is _STDLIB_DUMPS:
                try:
                    if obj == expected[0]:
                        return expected[1]
                except Exception:  # an object's own __eq__ failed: botocore writes the body itself
                    pass
        return json.dumps(obj, **kwargs)


_SERIALIZER_JSON = _SerializerJson()


def verify_final_request(approval: Approval, request: Any) -> None:
    """Refuse a final request that is not the one the guard approved (fail closed).

    Parameters
    ----------
    approval : Approval
        From the request context.
    request : botocore.awsrequest.AWSPreparedRequest
        The signed request about to be sent.

    Raises
    ------
    GuardrailViolation
        In enforce mode, when the operation changed, the body cannot be read
        exactly, a field now breaks a guardrail, or the request names a
        resource the guard did not check. Nothing has been sent. In warn mode
        the finding is recorded and the request goes out.

    Notes
    -----
    The body is decided again as written (:func:`safemaker.guard.decide` with
    ``inject=False``: absent means the AWS default), so a handler that ran
    after the guard (a later ``provide-client-params`` handler whose answer
    won, ``before-parameter-build``, ``before-call``, ``request-created``,
    ``before-sign``, ``before-send``) cannot turn an approved request into an
    open one. Changes that open nothing (an idempotency token botocore fills
    in, a header) pass.
    """
    g = approval.guard
    op = approval.operation
    found_op = _operation_of(request)
    if found_op == op:
        if approval.body is not None:
            body = request.body
            if type(body) is bytes and body == approval.body:
                return  # the approved request itself, byte for byte (fast path)
        elif approval.params is not None:
            try:
                if _body_of(request) == approval.params:
                    return  # the approved request itself, read back (a request with timestamps or bytes)
            except ValueError:
                pass  # not JSON: the full check below says so
    if found_op != op:
        target = _target_of(request)
        problems = [_final_violation(op, "X-Amz-Target", MISSING if target is None else target,
                                     f"{_TARGET_PREFIX}{op}, the operation the guard approved",
                                     "Remove the handler that changes the operation after the guard decided")]
    else:
        problems = _final_problems(approval, request)
    if not problems:
        return
    g._record(op, "warned" if g.mode == "warn" else "refused", (), problems, [], None)
    if g.mode == "enforce":
        raise GuardrailViolation(op, problems)


def _final_problems(approval: Approval, request: Any) -> list[Violation]:
    from .resources import in_words
    from .preflight import PREFLIGHT_OPERATIONS
    from .rules import RULES

    op = approval.operation
    rule = RULES.get(op)
    if rule is None and op not in PREFLIGHT_OPERATIONS:
        return []  # nothing to check in it: only the operation itself had to stay the same
    try:
        body = _body_of(request)
    except ValueError as exc:
        body, reason = MISSING, str(exc)
    else:
        reason = f"a {type(request.body).__name__}, not bytes"
    if not isinstance(body, dict):
        return [_final_violation(op, "body", reason if body is MISSING else type(body).__name__,
                                 "a JSON object the guard can read",
                                 "Remove the handler that rewrites the request body after the guard decided")]
    definition = None
    if rule is not None and rule.definition_location and body.get(rule.definition_location) is not None:
        if body.get(rule.definition_location) != approval.definition_location:
            return [_final_violation(op, rule.definition_location, body.get(rule.definition_location),
                                     "the definition location the guard read",
                                     "Remove the handler that changes the pipeline definition location")]
        definition = approval.definition
    from . import guard as _guard  # loaded already: the approval came from a guard

    decision = _guard.decide(op, body, approval.guard.profile, inject=False, pipeline_definition=definition)
    violations = decision.violations
    if violations and approval.guard.mode == "warn":
        # warn mode approved the request as given (nothing injected): what it already broke as written (a VpcConfig
        # the caller left out, recorded "would inject") is the caller's, not a later handler's (trial 14b F04)
        given = _approved_request(approval)
        if given is not None:
            before = _guard.decide(op, given, approval.guard.profile, inject=False, pipeline_definition=definition)
            known = {(v.path, repr(v.found)) for v in before.violations}
            violations = [v for v in violations if (v.path, repr(v.found)) not in known]
    problems = [replace(v, fix=f"The request was changed after the guard approved it (by a handler that ran "
                            f"later): remove the handler that changes {v.path}") for v in violations]
    for ref in decision.references:
        if (ref.resource, ref.name) not in approval.references:
            problems.append(_final_violation(
                op, ref.path, ref.name, f"{in_words(ref.resource)} the guard checked",
                "Remove the handler that changes referenced resources after the guard decided"))
    return problems


def _approved_request(approval: Approval) -> Any:
    """The request ``approval`` holds (read back from its bytes, or its copy), or ``None``."""
    if approval.body is not None:
        try:
            return loads_strict(approval.body)
        except ValueError:
            return None
    return approval.params


def undecided_carrier_operation(endpoint_prefix: str, request: Any) -> "tuple[str, str] | None":
    """``(service, operation)`` when ``request``, about to be sent to an endpoint of ``endpoint_prefix``
    (:data:`safemaker.other_services.ENDPOINT_PREFIXES`) without a guard's approval, is an operation the guard
    decides (:data:`safemaker.other_services.DECIDED_OPERATIONS`, CloudFormation's
    :data:`safemaker.iac.stack_calls.DECIDED_OPERATIONS`), else ``None``.

    A decided operation sent through a client always carries an approval (the guard's handler gives one to what
    it lets go); one without was built around the client (``client._endpoint.make_request(...)``: trial 17 F01).
    The operation is read the ways botocore's serializers write it, whatever the protocol the client chose: the
    JSON protocol's ``X-Amz-Target``, the query protocol's ``Action`` (in the query string of a GET or POST, or a
    POST's form body: AWS query APIs take either), the Smithy RPC v2 CBOR path
    ``.../operation/<Operation>``, a REST protocol's method and ``requestUri`` (botocore's service model). A query
    body that cannot be read as text is taken as decided (fail closed).
    """
    for service in _CARRIER_PREFIXES.get(endpoint_prefix, ()):
        target, actions, cbor, rest = _carrier_matchers(service)
        for header in _header_values(request, "X-Amz-Target"):
            operation = target.get(header.strip().lower())
            if operation is not None:
                return service, operation
        path = urlsplit(request.url).path
        tail = path.rpartition("/operation/")
        if tail[1] and tail[2].strip().lower() in cbor:
            return service, cbor[tail[2].strip().lower()]
        method = (request.method or "").upper()
        for rest_method, pattern, operation in rest:
            if method == rest_method and pattern.match(path):
                return service, operation
        if actions:   # the query protocol: Action in the query string (GET or POST) or in a POST's form body
            from urllib.parse import parse_qsl

            named = [v for k, v in parse_qsl(urlsplit(request.url).query) if k.strip().lower() == "action"]
            body = request.body
            if body:
                if isinstance(body, (bytes, bytearray)):
                    body = bytes(body).decode("utf-8", "replace")
                if not isinstance(body, str):
                    return service, "a request whose body cannot be read"
                named += [v for k, v in parse_qsl(body) if k.strip().lower() == "action"]
            for action in named:
                if action.strip().lower() in actions:
                    return service, actions[action.strip().lower()]
    return None


@lru_cache(maxsize=None)
def _carrier_matchers(service: str) -> "tuple[Mapping[str, str], Mapping[str, str], Mapping[str, str], \
        tuple[tuple[str, re.Pattern[str], str], ...]]":
    """How each decided operation of ``service`` is written on the wire (botocore's service model, read once): the
    ``X-Amz-Target`` values, the query ``Action`` names and the CBOR operation names, each lower-cased -> the
    operation, and ``(method, path pattern, operation)`` of the REST ``requestUri`` templates (``{Label}`` one
    segment, ``{Label+}`` the rest; any case).

    Compared without case (issue 13, gap 2): a spelling that differs from a decided operation's only in case (or
    spaces around it) is taken as that operation. Whether a service's front end folds them is not documented;
    taking them as decided costs a request no client writes, leaving them would send one the service may run."""
    import botocore.session

    if service == _STACK_SERVICE_NAME:
        from .iac.stack_calls import DECIDED_OPERATIONS as operations
    else:
        operations = _OTHER_SERVICE_OPERATIONS[service]
    model = botocore.session.get_session().get_service_model(service)
    target_prefix = model.metadata.get("targetPrefix")
    rest = []
    for operation in sorted(operations):
        http = model.operation_model(operation).http
        uri = (http.get("requestUri") or "/").split("?")[0]
        parts = re.split(r"(\{[^}]+\})", uri)
        regex = "".join((".+" if part.endswith("+}") else "[^/]+") if part.startswith("{") else re.escape(part)
                        for part in parts)
        if uri != "/":
            rest.append(((http.get("method") or "POST").upper(), re.compile(rf"^(?:/[^?]*?)??{regex}/?$",
                                                                            re.IGNORECASE), operation))
    protocols = set(model.metadata.get("protocols") or ()) | {model.metadata.get("protocol")}
    folded = {op.lower(): op for op in operations}
    targets = {f"{target_prefix}.{op}".lower(): op for op in operations} if target_prefix else {}
    return (targets, folded if "query" in protocols else {},
            folded if "smithy-rpc-v2-cbor" in protocols else {}, tuple(rest))


def _refuse_undecided(g: "Guard", request: Any, carried: "tuple[str, str] | None" = None) -> None:
    """Record (and in enforce mode refuse) a request about to be sent without a guard's approval: a SageMaker
    request, or ``carried`` ``(service, operation)``, a decided operation of another service
    (:func:`undecided_carrier_operation`)."""
    service, op = carried if carried is not None else ("SageMaker", _operation_of(request) or "SageMaker request")
    problem = _final_violation(op, "request", "not decided by a guard", "a request decided by the process guard",
                               f"Send {service} requests through a botocore client (client.<operation>(...)), "
                               "which the guard decides before they are sent")
    g._record(op, "warned" if g.mode == "warn" else "refused", (), [problem], [], None)
    if g.mode == "enforce":
        raise GuardrailViolation(op, [problem])
