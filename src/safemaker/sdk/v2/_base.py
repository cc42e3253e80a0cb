"""What every SDK v2 closed class shares: the marker base, the registry of closed classes, and
the start and end of a closed constructor (:func:`_open_init`, :func:`_close_init`)."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from safemaker.errors import MISSING
from safemaker.profile import VpcProfile
from safemaker.sdk.v2._arguments import _Args, _closed_session, _default_role, _given
from safemaker.sdk.v2.session import ClosedNetworkSession

class _Closed:
    """Marker base of every closed class. ``_safemaker_base`` is the SDK class it closes."""

    # No slots of its own: a closed class has exactly its SDK class's layout.
    __slots__ = ()
    _safemaker_base: type
    _safemaker_profile: VpcProfile

    @property
    def profile(self) -> VpcProfile:
        """VpcProfile: the profile this object was closed with."""
        return self._safemaker_profile


_CLOSED: dict[type, type] = {}


def is_closed(obj: Any) -> bool:
    """Whether ``obj`` (a class or an instance) was made closed by :func:`closed`."""
    cls = obj if isinstance(obj, type) else type(obj)
    return issubclass(cls, _Closed)


def _open_init(obj: _Closed, args: Sequence[Any], kwargs: Mapping[str, Any], profile: Any,
               names: Sequence[str]) -> tuple[_Args, ClosedNetworkSession, str, dict[str, Any]]:
    """What a closed class's ``__init__`` starts with.

    Parameters
    ----------
    obj : _Closed
        The object being built (its class's ``_safemaker_base`` is the SDK class).
    args, kwargs
        The constructor's arguments, bound to the SDK class's ``__init__``.
    profile : VpcProfile, str, os.PathLike or None
        The ``profile=`` argument.
    names : sequence of str
        The SDK arguments to read: each the value given (``MISSING`` for
        ``None``); ``"role"`` a role name expanded among the profile's roles.

    Returns
    -------
    (_Args, ClosedNetworkSession, str, dict)
        The bound arguments, the closed session the object is built on, the
        call for messages (``"ClosedEstimator()"``) and ``{name: value}``.

    Raises
    ------
    ClosedSessionError
        ``sagemaker_session`` is not a closed session, or ``profile`` differs from its profile.
    GuardrailViolation
        ``role`` is a name none of the profile's roles has.
    """
    where = f"{type(obj).__name__}()"
    a = _Args(type(obj)._safemaker_base.__init__, args, kwargs)
    session = _closed_session(profile, a.get("sagemaker_session"), where)
    values = {name: _default_role(a, session) if name == "role" else _given(a.get(name)) for name in names}
    return a, session, where, values


def _close_init(obj: _Closed, a: _Args, session: ClosedNetworkSession, closed_values: Mapping[str, Any]) -> None:
    """What a closed class's ``__init__`` ends with, before it calls the SDK class's.

    Sets every argument of ``closed_values`` that has a value, the role (the
    profile's ``execution_role_arn`` when ``closed_values["role"]`` is
    ``MISSING``) and the session, and keeps the profile on ``obj``.
    """
    for name, value in closed_values.items():
        if value is not MISSING:
            a.set(name, value)
    if closed_values["role"] is MISSING:
        a.set("role", session.profile.execution_role_arn)
    a.set("sagemaker_session", session)
    obj._safemaker_profile = session.profile
