"""pytest plugin: fixtures for the embedded local backend (``safemaker.local``).

Registered as the ``safemaker`` pytest11 entry point, so the fixtures are
available in any project where safemaker is installed (with the ``local``
extra for moto):

``safemaker_local``
    A running :class:`safemaker.local.LocalBackend`, **function-scoped**: each
    test gets its own server on a free port, an empty moto state and an empty
    request log, and the server is stopped (port freed) after the test, even
    when it fails. Starting one costs ~20 ms (the botocore service models are
    loaded once per process), so isolation is cheap. A test that uses this
    fixture cannot start a second ``local_backend()`` (moto's state is
    process-global); use the fixture's backend.
``safemaker_session``
    ``safemaker_local.session``: a boto3 session whose every client and
    resource goes to the local backend.
``safemaker_local_network``
    The seed's closed network built in ``safemaker_local`` by
    :func:`safemaker.local.create_local_network` (``infra up`` on the local
    backend: VPC, two private subnets, security group, VPC endpoints for
    notebook, training and hosting, execution role, default bucket); the
    fixture's value is its :class:`safemaker.profile.VpcProfile`. A closed
    network for your own tests, without AWS.
``safemaker_local_region``
    The region of all three (``"us-east-1"``); override this fixture in a
    ``conftest.py`` or a test module to use another region.

Offline guard (no fixture: for a project's ``conftest.py`` and for scripts)
----------------------------------------------------------------------------
Defined in :mod:`safemaker.local.offline` (which imports neither pytest nor
moto), re-exported here.

``loopback_only()``
    Context manager: within it, a TCP/UDP connection (``socket.connect``,
    ``connect_ex``) to an address that is not loopback raises
    :class:`OutboundNetworkBlocked`, and a DNS lookup of any other host name
    raises ``socket.gaierror``. safemaker's own tests run every test inside
    it (``tests/conftest.py``); its benchmarks run inside :func:`offline_aws`.
``offline_aws()``
    Context manager: ``loopback_only()`` plus :data:`FAKE_AWS_ENVIRONMENT`
    (every other ``AWS_*`` variable removed, fake credentials, a region, the
    instance metadata service disabled, no AWS config or credentials file)
    and ``boto3.DEFAULT_SESSION`` unset; all restored afterwards.

Example
-------
>>> def test_create_model(safemaker_local, safemaker_session):
...     sm = safemaker_session.client("sagemaker")
...     sm.create_model(ModelName="m", ExecutionRoleArn="arn:aws:iam::123456789012:role/r",
...                     PrimaryContainer={"Image": "img"}, EnableNetworkIsolation=True)
...     assert safemaker_local.request_count("sagemaker", "CreateModel") == 1
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from safemaker.local.offline import (
    FAKE_AWS_ENVIRONMENT,
    OutboundNetworkBlocked,
    is_allowed_host,
    loopback_only,
    offline_aws,
)

if TYPE_CHECKING:  # importing safemaker.local is deferred to the first use of a fixture
    import boto3

    from safemaker.local import LocalBackend
    from safemaker.profile import VpcProfile

__all__ = [
    "safemaker_local_region",
    "safemaker_local",
    "safemaker_session",
    "safemaker_local_network",
    "FAKE_AWS_ENVIRONMENT",
    "OutboundNetworkBlocked",
    "is_allowed_host",
    "loopback_only",
    "offline_aws",
]

@pytest.fixture
def safemaker_local_region() -> str:
    """Region of :func:`safemaker_local` and :func:`safemaker_session` (``"us-east-1"``).

    Returns
    -------
    str
        An AWS region name; override the fixture to change it.
    """
    return "us-east-1"


@pytest.fixture
def safemaker_local(safemaker_local_region: str) -> Iterator[LocalBackend]:
    """A running local backend (moto on 127.0.0.1), fresh for each test.

    Yields
    ------
    safemaker.local.LocalBackend
        Running, with an empty moto state and an empty request log.

    Raises
    ------
    safemaker.errors.LocalBackendError
        If ``moto[server]`` is not installed, or another local backend already
        runs in the process.
    """
    from safemaker.local import local_backend

    with local_backend(safemaker_local_region) as backend:
        yield backend


@pytest.fixture
def safemaker_session(safemaker_local: LocalBackend) -> boto3.session.Session:
    """The boto3 session of :func:`safemaker_local` (every client goes to 127.0.0.1).

    Returns
    -------
    safemaker.local.LocalSession
        A :class:`boto3.session.Session` subclass with fake credentials.
    """
    return safemaker_local.session


@pytest.fixture
def safemaker_local_network(safemaker_local: LocalBackend) -> VpcProfile:
    """The seed's closed network in :func:`safemaker_local`, as a profile.

    Built by :func:`safemaker.local.create_local_network` with the backend's
    session (stack ``safemaker-demo``, features notebook, training and
    hosting, bucket ``safemaker-demo-<account>-<region>``).

    Returns
    -------
    safemaker.profile.VpcProfile
        Region, VPC, both subnets, the security group, the stack's execution
        role, its VPC endpoints and ``default_bucket``; every ID exists in
        the backend.

    Raises
    ------
    safemaker.network.infra.InfraError
        An EC2 or IAM call of ``infra up`` failed.
    """
    from safemaker.local import create_local_network

    return create_local_network(safemaker_local.session)
