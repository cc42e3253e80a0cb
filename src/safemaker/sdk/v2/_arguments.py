"""SDK v2 call arguments checked as the request fields they become (through the guard)."""

from __future__ import annotations

import inspect
from typing import Any, Callable, Mapping, Sequence

from safemaker.errors import MISSING
from safemaker.paths import get_path as _get_path
from safemaker.profile import resolve_profile
from safemaker.sdk._errors import ClosedSessionError
from safemaker.sdk._refusal import close_arguments
from safemaker.sdk.v2.session import ClosedNetworkSession

class _Args:
    """The arguments of one call, bound to the signature of the SDK method they are for."""

    def __init__(self, func: Callable[..., Any], args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
        self.func = func
        self.sig = inspect.signature(func)
        self.bound = self.sig.bind_partial(None, *args, **kwargs)
        self.var_kw = next((n for n, p in self.sig.parameters.items() if p.kind is p.VAR_KEYWORD), None)

    def _named(self, name: str) -> bool:
        p = self.sig.parameters.get(name)
        return p is not None and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)

    def get(self, name: str, default: Any = None) -> Any:
        """The value the caller passed for ``name``, else ``default``."""
        if self._named(name):
            return self.bound.arguments.get(name, default)
        if self.var_kw:
            return self.bound.arguments.get(self.var_kw, {}).get(name, default)
        return default

    def accepts(self, name: str) -> bool:
        """Whether the SDK method takes ``name`` (by name or through ``**kwargs``)."""
        return self._named(name) or self.var_kw is not None

    def set(self, name: str, value: Any) -> None:
        if self._named(name):
            self.bound.arguments[name] = value
        elif self.var_kw:
            self.bound.arguments.setdefault(self.var_kw, {})[name] = value
        else:
            raise TypeError(f"{self.func.__qualname__}() takes no {name!r} argument")

    def pop(self, name: str, default: Any = MISSING) -> Any:
        if self._named(name):
            return self.bound.arguments.pop(name, default)
        if self.var_kw:
            return self.bound.arguments.get(self.var_kw, {}).pop(name, default)
        return default

    def call(self, method: Callable[..., Any]) -> Any:
        return method(*self.bound.args[1:], **self.bound.kwargs)


_CONFIG_SECTION = {
    "CreateTrainingJob": "SageMaker.TrainingJob",
    "CreateProcessingJob": "SageMaker.ProcessingJob",
    "CreateModel": "SageMaker.Model",
}
"""Where the session's ``sagemaker_config`` holds the defaults of each operation's fields
(those sections have the request's own shape)."""


def _close_arguments(operation: str, mapping: Sequence[tuple[str, str]], values: Mapping[str, Any],
                     session: "ClosedNetworkSession", where: str, parents: Sequence[str] = (),
                     context: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """:func:`safemaker.sdk._refusal.close_arguments` with the session's profile; an absent
    argument whose field the guard fills takes the session's ``sagemaker_config`` value first (the
    profile merged with the SDK's config files, so possibly narrower: one subnet out of two), then
    the profile's.

    ``where`` is the call, for the messages (``"ClosedEstimator()"``); ``context`` the request
    fields that decide whether a field applies (the instance type).

    Raises
    ------
    GuardrailViolation
        Every conflicting argument, each naming the argument to change.
    """
    defaults = _get_path(session.sagemaker_config or {}, _CONFIG_SECTION[operation])
    return close_arguments(operation, mapping, values, session.profile, where=where, parents=parents,
                           defaults=defaults if isinstance(defaults, Mapping) else {}, context=context)


def _given(value: Any) -> Any:
    """SDK convention: ``None`` means "not given"."""
    return MISSING if value is None else value


def _closed_session(profile: Any, session: Any, where: str) -> ClosedNetworkSession:
    """The closed session an object is built on: the one given, or a new one from ``profile``."""
    if session is None:
        return ClosedNetworkSession(profile)
    if not isinstance(session, ClosedNetworkSession):
        raise ClosedSessionError(
            "sagemaker_session", type(session).__name__, "a ClosedNetworkSession",
            f"Pass sagemaker_session=ClosedNetworkSession(profile, boto_session=...) to {where}, "
            "or leave it out and pass profile=",
        )
    if profile is not None:
        given = resolve_profile(profile, boto3_session=session.boto_session)
        if given != session.profile:
            raise ClosedSessionError(
                "profile", f"a profile for {given.vpc_id}", f"the profile of sagemaker_session ({session.profile.vpc_id})",
                f"Pass only one of profile= and sagemaker_session= to {where}",
            )
    return session


def _default_role(args: _Args, session: ClosedNetworkSession, name: str = "role") -> Any:
    """The role the caller passed, a role name expanded among the profile's roles; MISSING if none."""
    role = _given(args.get(name))
    if isinstance(role, str):
        role = session.expand_role(role)
    return role
