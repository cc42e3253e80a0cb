"""safemaker._loopback: the one test of "is this endpoint on this machine" used by the CLI, audit, infra, SDK."""

from __future__ import annotations

import pytest

from safemaker._loopback import is_loopback_host, is_loopback_url


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:5000", "http://127.0.0.2:5000/", "http://localhost:5000", "http://LOCALHOST.:1",
    "http://api.localhost", "http://[::1]:5000", "http://[::ffff:127.0.0.1]:80", "https://127.255.255.254",
])
def test_loopback_urls(url):
    assert is_loopback_url(url) is True


@pytest.mark.parametrize("url", [
    None, "", "http://10.0.0.5", "https://api.sagemaker.us-east-1.amazonaws.com", "http://localhost.example.com",
    "http://[::2]", "http://0.0.0.0:5000", "http://[bad", "not a url", "http://128.0.0.1",
])
def test_not_loopback_urls(url):
    assert is_loopback_url(url) is False


def test_host_form_with_zone_index():
    assert is_loopback_host("::1%lo") is True and is_loopback_host(None) is False
