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
``safemaker_profile``
    The profile to guard with: that of ``safemaker_local_network`` unless
    overridden.
``safemaker_decisions``
    Every guard decision made during the test (a :class:`DecisionList` of
    :class:`~safemaker.hooks.DecisionRecord`, with ``.refused()``).
``safemaker_offline`` (fixture, or ``@pytest.mark.safemaker_offline``)
    Opt-in: :func:`loopback_only` for the test's duration.
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

In a test that asks for ``caplog``, caplog also sees the ``safemaker`` loggers'
records (they do not propagate to the root logger; see
:func:`safemaker.log_to_root`).

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
    "safemaker_profile",
    "safemaker_decisions",
    "safemaker_offline",
    "DecisionList",
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


@pytest.fixture
def safemaker_profile(safemaker_local_network: VpcProfile) -> VpcProfile:
    """The VPC profile of :func:`safemaker_local_network`; override it to guard with another profile.

    Returns
    -------
    safemaker.profile.VpcProfile
    """
    return safemaker_local_network


class DecisionList(list):
    """The guard decisions (:class:`safemaker.hooks.DecisionRecord`) made during a test, in order."""

    def with_outcome(self, outcome: str) -> list[DecisionRecord]:
        """Decisions whose ``outcome`` is ``outcome`` (``allowed``, ``injected``, ``refused``, ``warned``)."""
        return [r for r in self if r.outcome == outcome]

    def refused(self) -> list[DecisionRecord]:
        """Decisions that refused their call."""
        return self.with_outcome("refused")

    def allowed(self) -> list[DecisionRecord]:
        """Decisions that let their call through (``allowed`` or ``injected``)."""
        return [r for r in self if r.outcome in ("allowed", "injected")]

    def operations(self) -> list[str]:
        """The operation names (``"CreateTrainingJob"``, ...) of every decision, in order."""
        return [r.operation for r in self]


@pytest.fixture
def safemaker_decisions(monkeypatch: pytest.MonkeyPatch) -> DecisionList:
    """Every guard decision made during the test, by any guard (client, session or process guard).

    Returns
    -------
    DecisionList
        A list of :class:`safemaker.hooks.DecisionRecord`, filled as calls are
        decided; ``.refused()``, ``.allowed()``, ``.operations()`` filter it.
    """
    from safemaker.hooks import Guard

    decisions = DecisionList()
    real_record = Guard._record

    def record(self: Guard, *args: object, **kwargs: object) -> None:
        try:
            real_record(self, *args, **kwargs)
        finally:
            if self.decisions:
                decisions.append(self.decisions[-1])  # _record appends exactly one record

    monkeypatch.setattr(Guard, "_record", record)
    return decisions


@pytest.fixture
def safemaker_offline() -> Iterator[None]:
    """Opt-in loopback-only connection guard for the test (:func:`loopback_only`).

    Also turned on by ``@pytest.mark.safemaker_offline``. A connection to an
    address that is not loopback raises :class:`OutboundNetworkBlocked`; a DNS
    lookup of any other host name raises ``socket.gaierror``.
    """
    with loopback_only():
        yield


@pytest.fixture(autouse=True)
def _safemaker_caplog(request: pytest.FixtureRequest) -> Iterator[None]:
    """Let ``caplog`` see safemaker's records although the ``safemaker`` logger does not propagate.

    pytest's ``caplog`` handler sits on the root logger; ``safemaker`` keeps its
    records off the root logger (see :func:`safemaker.log_to_root`). In a test
    that asks for ``caplog``, its handler is also attached to the ``safemaker``
    logger for the test's duration.
    """
    if "caplog" not in request.fixturenames:
        yield
        return
    import logging

    handler = request.getfixturevalue("caplog").handler
    logger = logging.getLogger("safemaker")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "safemaker_offline: refuse every non-loopback connection in the test "
                                       "(the safemaker_offline fixture)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixturenames = getattr(item, "fixturenames", None)
        if item.get_closest_marker("safemaker_offline") and fixturenames is not None \
                and "safemaker_offline" not in fixturenames:
            fixturenames.append("safemaker_offline")
