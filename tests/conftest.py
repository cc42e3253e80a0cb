"""Shared test setup: fake AWS credentials, no AWS config, no network but loopback.

Every test except those marked ``e2e`` runs with:

- ``AWS_*`` variables cleared, then fake credentials (``testing``), region
  ``us-east-1``, ``AWS_EC2_METADATA_DISABLED=true`` and the AWS config and
  credentials files pointed at ``/dev/null``; ``boto3.DEFAULT_SESSION`` unset;
- outbound connections refused unless they go to a loopback address, and
  DNS lookups refused for any other host name: a test that would reach AWS
  (or anything else) fails loudly with :class:`OutboundNetworkBlocked`
  instead.

The local backend fixtures (``safemaker_local``, ``safemaker_session``) come
from the ``safemaker.pytest_plugin`` entry point.
"""

from __future__ import annotations

import ipaddress
import os
import socket

import boto3
import pytest
from sdk_markers import pytest_collection_modifyitems  # noqa: F401  (sdk2/sdk3 markers: skip under the other SDK major)

FAKE_AWS_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


class OutboundNetworkBlocked(ConnectionRefusedError):
    """A test tried to reach a non-loopback address (an OSError, as a real refusal would be)."""


def _is_loopback(host: object) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _offline_aws(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("e2e"):
        return
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    for name, value in FAKE_AWS_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)

    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(sock: socket.socket, address: object) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(
            address[0] if isinstance(address, tuple) else address
        ):
            raise OutboundNetworkBlocked(f"test tried to connect to {address!r}; only loopback")

    def connect(self: socket.socket, address: object) -> None:
        check(self, address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: object) -> int:
        check(self, address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if not _is_loopback(host):
            raise socket.gaierror(
                socket.EAI_NONAME, f"test tried to resolve {host!r}; only loopback"
            )
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture(autouse=True)
def _no_process_guard_left() -> object:
    """A process guard (``install_process``, or turned on by a ClosedNetworkSession) ends with its test."""
    yield
    import sys

    process = sys.modules.get("safemaker.process")
    if process is not None:
        process.uninstall_process()
