"""What every SDK v2 closed class shares: the marker base and the registry of closed classes."""

from __future__ import annotations

from typing import Any

from safemaker.profile import VpcProfile

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
