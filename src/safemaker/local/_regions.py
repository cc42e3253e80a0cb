"""One reading of botocore's endpoint data for moto's region lists while a local backend runs.

moto builds its region lists from ``boto3.Session().get_available_regions(...)``, and a new
session reads and parses botocore's ``endpoints.json`` (about 1 MB) again: importing
``moto.ec2.models`` does it three times (``RegionsAndZonesBackend``: the ``aws``, ``aws-us-gov``
and ``aws-cn`` partitions), about 0.15 s of CPU each, on the first EC2 request of every process
that uses the local backend (``safemaker local serve``, the demo, the pytest plugin's fixtures).

While a local backend runs, :func:`share_region_lists` answers those calls *made by moto's modules*
from one botocore session (moto's own, ``AccountSpecificBackend.get_session()``), which reads the
file once. The answers are the ones each new session would give (the same ``endpoints.json``).
Calls from any other module (the program's own sessions) go to boto3 unchanged.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

__all__ = ["share_region_lists", "unshare_region_lists"]

_lock = threading.Lock()
_original: Any = None


def _shared_session() -> Any:
    from moto.core.base_backend import AccountSpecificBackend

    return AccountSpecificBackend.get_session()  # moto's own, made once per process (functools.lru_cache)


def _get_available_regions(self: Any, service_name: str, partition_name: str = "aws",
                           allow_non_regional: bool = False) -> list[str]:
    """``boto3.session.Session.get_available_regions``; for a caller in a ``moto.`` module, from one session."""
    original = _original
    if original is None:  # unshared meanwhile: boto3's own method is back on the class
        import boto3.session

        return boto3.session.Session.get_available_regions(self, service_name, partition_name, allow_non_regional)
    if not sys._getframe(1).f_globals.get("__name__", "").startswith("moto."):
        return original(self, service_name, partition_name, allow_non_regional)
    return original(_shared_session(), service_name, partition_name, allow_non_regional)


def share_region_lists() -> None:
    """Answer moto's ``get_available_regions`` calls from one session (idempotent)."""
    global _original
    import boto3.session

    with _lock:
        if _original is not None:
            return
        _original = boto3.session.Session.__dict__["get_available_regions"]
        boto3.session.Session.get_available_regions = _get_available_regions  # type: ignore[method-assign]


def unshare_region_lists() -> None:
    """Restore boto3's own ``Session.get_available_regions`` exactly (no-op if not shared)."""
    global _original
    import boto3.session

    with _lock:
        if _original is None:
            return
        boto3.session.Session.get_available_regions = _original  # type: ignore[method-assign]
        _original = None
