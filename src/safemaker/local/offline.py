"""Offline processes: only loopback reachable, fake AWS credentials (one guard for tests and benchmarks).

safemaker's standard is that nothing it runs (tests, demo, benchmarks,
examples) contacts any address but 127.0.0.1. The tests run every test
inside :func:`loopback_only` with :data:`FAKE_AWS_ENVIRONMENT`
(``tests/conftest.py``); the benchmarks run inside :func:`offline_aws`
(``benchmarks/``). The pytest plugin (:mod:`safemaker.pytest_plugin`)
re-exports all of it for a project's own ``conftest.py``.

Importing this module imports neither pytest, moto, boto3 nor the SageMaker
SDK, and nothing of safemaker until the guard first checks a host: the import
benchmark loads this file by path into a fresh interpreter, before what it
measures (``benchmarks/_offline.py``).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["FAKE_AWS_ENVIRONMENT", "OutboundNetworkBlocked", "is_allowed_host", "loopback_only", "offline_aws"]

FAKE_AWS_ENVIRONMENT: dict[str, str] = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
"""The AWS environment of an offline process: fake credentials, region ``us-east-1``, the instance
metadata service off (importing SageMaker SDK v2 without credentials would otherwise ask
169.254.169.254), and no AWS config or credentials file of the machine."""

_LOOPBACK_NAMES = frozenset({"localhost.localdomain", "ip6-localhost"})


class OutboundNetworkBlocked(ConnectionRefusedError):
    """A connection to a non-loopback address was refused by :func:`loopback_only` (an ``OSError``,
    as a real refusal would be)."""


def is_allowed_host(host: object) -> bool:
    """Whether :func:`loopback_only` lets a connection to, or a lookup of, ``host`` through.

    Parameters
    ----------
    host : str, bytes or None
        A socket address's host part or a name given to ``getaddrinfo``.
        ``None`` and ``""`` (the local host), ``localhost``,
        ``localhost.localdomain``, ``ip6-localhost`` and every loopback address
        (:func:`safemaker._loopback.is_loopback_host`) are allowed.
    """
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    from safemaker._loopback import is_loopback_host  # here, not at import (see the module docstring)

    return host == "" or host.lower() in _LOOPBACK_NAMES or is_loopback_host(host)


@contextmanager
def loopback_only() -> Iterator[None]:
    """Within the block, only loopback is reachable from this process (the guard the tests use).

    Patches ``socket.socket.connect``, ``socket.socket.connect_ex`` (IPv4 and
    IPv6 sockets) and ``socket.getaddrinfo``; restores them on exit. Other
    threads of the process are guarded too while the block runs.

    Raises
    ------
    OutboundNetworkBlocked
        From ``connect``/``connect_ex`` inside the block, for a non-loopback address.
    socket.gaierror
        From ``getaddrinfo`` inside the block, for a host name that is not loopback.
    """
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_allowed_host(
            address[0] if isinstance(address, tuple) else address
        ):
            raise OutboundNetworkBlocked(f"tried to connect to {address!r}; only loopback is allowed")

    def connect(self: socket.socket, address: Any) -> None:
        check(self, address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(self, address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not is_allowed_host(host):
            raise socket.gaierror(socket.EAI_NONAME, f"tried to resolve {host!r}; only loopback is allowed")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
    try:
        yield
    finally:
        socket.socket.connect = real_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = real_connect_ex  # type: ignore[method-assign]
        socket.getaddrinfo = real_getaddrinfo  # type: ignore[assignment]


@contextmanager
def offline_aws() -> Iterator[None]:
    """Within the block, the process is offline: :data:`FAKE_AWS_ENVIRONMENT` and :func:`loopback_only`.

    Every ``AWS_*`` variable not in :data:`FAKE_AWS_ENVIRONMENT` is removed;
    ``boto3.DEFAULT_SESSION`` is unset. The environment and
    ``boto3.DEFAULT_SESSION`` are restored exactly on exit. Benchmarks and
    scripts use it; tests get the same through ``tests/conftest.py``.

    Example
    -------
    >>> with offline_aws():
    ...     import sagemaker  # doctest: +SKIP   (asks no metadata address)
    """
    import boto3

    saved = {name: value for name, value in os.environ.items() if name.startswith("AWS_")}
    saved_session = boto3.DEFAULT_SESSION
    for name in saved:
        del os.environ[name]
    os.environ.update(FAKE_AWS_ENVIRONMENT)
    boto3.DEFAULT_SESSION = None
    try:
        with loopback_only():
            yield
    finally:
        for name in [n for n in os.environ if n.startswith("AWS_")]:
            del os.environ[name]
        os.environ.update(saved)
        boto3.DEFAULT_SESSION = saved_session
