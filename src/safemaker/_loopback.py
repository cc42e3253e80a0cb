"""Whether an endpoint is on this machine's loopback interface (the local backend, ``safemaker local serve``).

One definition for the CLI's "local endpoint" note, the audit's and infra's
connection-failure messages, and the SDK adapters' emulator warning.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

__all__ = ["is_loopback_host", "is_loopback_url"]


def is_loopback_host(host: str | None) -> bool:
    """``True`` for ``localhost`` (and ``*.localhost``), 127.0.0.0/8, ``::1`` and IPv4-mapped loopback.

    Parameters
    ----------
    host : str or None
        A host name or IP address as in a URL (IPv6 without brackets; a zone
        index ``%eth0`` is ignored). ``None`` or empty: ``False``.
    """
    if not host:
        return False
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or bool(mapped is not None and mapped.is_loopback)


def is_loopback_url(url: str | None) -> bool:
    """``True`` when ``url``'s host is a loopback address (:func:`is_loopback_host`); a malformed URL is not."""
    if not url:
        return False
    try:
        return is_loopback_host(urlsplit(url).hostname)
    except ValueError:
        return False
