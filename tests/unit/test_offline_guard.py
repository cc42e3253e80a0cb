"""The offline guard shared by the tests and the benchmarks (safemaker.local.offline; pure, loopback only).

Every test already runs inside ``loopback_only()`` (tests/conftest.py); these
tests enter it again and check that it refuses, lets loopback through, and
restores exactly what it replaced.
"""

from __future__ import annotations

import os
import socket

import boto3
import pytest

from safemaker import pytest_plugin
from safemaker.local import offline
from safemaker.local.offline import (
    FAKE_AWS_ENVIRONMENT,
    OutboundNetworkBlocked,
    is_allowed_host,
    loopback_only,
    offline_aws,
)


@pytest.mark.parametrize("host", [None, "", "localhost", "LOCALHOST", "localhost.localdomain", "ip6-localhost",
                                  "127.0.0.1", "127.1.2.3", "::1", b"127.0.0.1"])
def test_loopback_hosts_are_allowed(host):
    assert is_allowed_host(host) is True


@pytest.mark.parametrize("host", ["169.254.169.254", "10.0.0.1", "8.8.8.8", "2001:db8::1",
                                  "sagemaker.us-east-1.amazonaws.com", "example.com", 1234])
def test_other_hosts_are_not(host):
    assert is_allowed_host(host) is False


def test_connect_to_the_metadata_address_is_refused_before_any_packet():
    with loopback_only(), socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        with pytest.raises(OutboundNetworkBlocked, match=r"169\.254\.169\.254"):
            sock.connect(("169.254.169.254", 80))
        with pytest.raises(OutboundNetworkBlocked):
            sock.connect_ex(("10.0.0.1", 443))
    assert issubclass(OutboundNetworkBlocked, ConnectionRefusedError)


def test_dns_lookup_of_an_aws_host_is_refused():
    with loopback_only(), pytest.raises(socket.gaierror, match="api.sagemaker.us-east-1.amazonaws.com"):
        socket.getaddrinfo("api.sagemaker.us-east-1.amazonaws.com", 443)


def test_loopback_connection_goes_through():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with loopback_only(), socket.create_connection(server.getsockname(), timeout=5) as client:
            peer, _ = server.accept()
            with peer:
                client.sendall(b"ping")
                assert peer.recv(4) == b"ping"


def test_exit_restores_exactly_what_was_patched():
    before = (socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo)
    with loopback_only():
        assert socket.getaddrinfo is not before[2]
    assert (socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo) == before


def test_offline_aws_sets_the_fake_environment_and_restores_it(monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "prod")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED", raising=False)
    sentinel = object()
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", sentinel)
    before = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
    with offline_aws():
        inside = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
        assert inside == FAKE_AWS_ENVIRONMENT
        assert inside["AWS_EC2_METADATA_DISABLED"] == "true"
        assert boto3.DEFAULT_SESSION is None
        with pytest.raises(OutboundNetworkBlocked):
            socket.socket().connect(("169.254.169.254", 80))
    assert {k: v for k, v in os.environ.items() if k.startswith("AWS_")} == before
    assert boto3.DEFAULT_SESSION is sentinel


def test_the_pytest_plugin_and_the_tests_use_the_same_guard():
    assert pytest_plugin.loopback_only is offline.loopback_only
    assert pytest_plugin.offline_aws is offline.offline_aws
    assert pytest_plugin.FAKE_AWS_ENVIRONMENT is offline.FAKE_AWS_ENVIRONMENT
