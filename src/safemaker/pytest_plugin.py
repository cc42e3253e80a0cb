"""pytest plugin: fixtures for the embedded local backend (``safemaker.local``).

Registered as the ``safemaker`` pytest11 entry point, so the fixtures are
available in any project where safemaker is installed (with the ``local``
extra for moto):

``safemaker_local``
    A running :class:`safemaker.local.LocalBackend`, as new for each test:
    one server per test process (per pytest-xdist worker), renewed for each
    test (:meth:`~safemaker.local.LocalBackend.renew`: empty moto state,
    empty request log, no simulation, a new session). It is stopped before a
    test that does not use it (which may then start its own
    ``local_backend()``) and at the end of the session. A test that uses this
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
    network for your own tests, without AWS. Built once per test process
    and region; later tests get moto's state of that moment restored
    (:meth:`~safemaker.local.LocalBackend.restore`), so what one test changes
    is gone for the next. The request log is empty when the test starts.
``safemaker_local_pool``
    Session-scoped :class:`LocalBackendPool`: ``.state(backend, key, build)``
    builds your own expensive local state once per process and restores it
    for each later test, as ``safemaker_local_network`` does.
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

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, TypeVar

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

T = TypeVar("T")

__all__ = [
    "safemaker_local_region",
    "safemaker_local",
    "safemaker_session",
    "safemaker_local_network",
    "safemaker_local_pool",
    "LocalBackendPool",
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


class LocalBackendPool:
    """The test process's one local backend, lent to each test that uses :func:`safemaker_local`.

    moto allows one backend per process (its state is process-global), and
    starting, resetting and stopping a server for every test costs more than
    resetting one that runs. The pool keeps one running between tests and
    renews it (:meth:`LocalBackend.renew`: empty moto state, request log and
    simulation, a new session) for each test; a test that does not use
    ``safemaker_local`` gets it stopped first, so that it may start its own
    ``local_backend()``. The plugin's session-scoped ``safemaker_local_pool``
    fixture holds one per test process (one per pytest-xdist worker).

    It also keeps snapshots of expensive states (:meth:`state`), so that a
    closed network is built once per process and restored for each test.
    """

    def __init__(self) -> None:
        self.backend: LocalBackend | None = None
        self._states: dict[object, tuple[object, object]] = {}

    def acquire(self, region: str) -> LocalBackend:
        """The running backend, renewed for a new test (started if none runs).

        Raises
        ------
        safemaker.errors.LocalBackendError
            ``moto[server]`` is not installed, or another backend started
            outside the pool runs in the process.
        """
        from safemaker.local import LocalBackend

        backend = self.backend
        if backend is not None and backend.running:
            return backend.renew(region)
        self.backend = LocalBackend(region).start()
        return self.backend

    def release(self) -> None:
        """Stop the backend (its port is freed, moto's state cleared); the next :meth:`acquire` starts one."""
        backend, self.backend = self.backend, None
        if backend is not None:
            backend.stop()

    def state(self, backend: LocalBackend, key: object, build: Callable[[], T]) -> T:
        """``build()``'s result, with the moto state it made: built once per process, then restored.

        The first call for ``key`` runs ``build()`` on ``backend`` and, if the
        backend was fresh (no request since it was renewed), snapshots moto's
        state (:meth:`LocalBackend.snapshot`). Later calls restore that
        snapshot (:meth:`LocalBackend.restore`: every resource made since the
        test started is replaced) and return the first result again (the same
        object: return an immutable value, such as a frozen profile).
        Either way the request log is emptied afterwards, so a test counts
        only its own requests. A backend that was not fresh gets ``build()``
        run again (nothing of the test is lost).

        Parameters
        ----------
        backend : LocalBackend
            The test's backend (``safemaker_local``), fresh for the test.
        key : hashable
            Names the state (include everything ``build`` depends on, e.g. the region).
        build : callable
            Makes the state through ``backend`` and returns a value describing it.
        """
        saved = self._states.get(key)
        if saved is not None and not backend.requests:
            snapshot, value = saved
            backend.restore(snapshot)  # type: ignore[arg-type]
            return value  # type: ignore[return-value]
        fresh = not backend.requests
        value = build()
        if fresh and saved is None:
            self._states[key] = (backend.snapshot(), value)
        backend.reset_requests()
        return value


@pytest.fixture(scope="session")
def safemaker_local_pool() -> Iterator[LocalBackendPool]:
    """The test process's :class:`LocalBackendPool` (one backend, stopped at the end of the session).

    Yields
    ------
    LocalBackendPool
        ``.state(backend, key, build)`` builds an expensive moto state once per
        process and restores it for each later test.
    """
    pool = LocalBackendPool()
    try:
        yield pool
    finally:
        pool.release()


@pytest.fixture(autouse=True)
def _safemaker_local_pool_yields(request: pytest.FixtureRequest) -> None:
    """Stop the pooled backend before a test that does not use it (it may start its own ``local_backend()``)."""
    if "safemaker_local" in request.fixturenames:
        return
    pool = request.getfixturevalue("safemaker_local_pool")
    if pool.backend is not None:
        pool.release()


@pytest.fixture
def safemaker_local(safemaker_local_region: str, safemaker_local_pool: LocalBackendPool) -> LocalBackend:
    """A running local backend (moto on 127.0.0.1), as new for each test.

    One server per test process (per pytest-xdist worker), renewed for each
    test (:meth:`LocalBackend.renew`): empty moto state in every account and
    region, empty request log, no simulation, a new session in
    :func:`safemaker_local_region`. It is stopped before a test that does not
    use this fixture and at the end of the session.

    Returns
    -------
    safemaker.local.LocalBackend
        Running, with an empty moto state and an empty request log.

    Raises
    ------
    safemaker.errors.LocalBackendError
        If ``moto[server]`` is not installed, or another local backend already
        runs in the process.
    """
    return safemaker_local_pool.acquire(safemaker_local_region)


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
def safemaker_local_network(safemaker_local: LocalBackend, safemaker_local_pool: LocalBackendPool) -> VpcProfile:
    """The seed's closed network in :func:`safemaker_local`, as a profile.

    Built by :func:`safemaker.local.create_local_network` with the backend's
    session (stack ``safemaker-demo``, features notebook, training and
    hosting, bucket ``safemaker-demo-<account>-<region>``), once per test
    process and region: later tests get moto's state of that moment restored
    (:meth:`LocalBackendPool.state`), the same resource IDs, and whatever a
    test changed is gone. The request log is empty afterwards.

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

    return safemaker_local_pool.state(safemaker_local, ("safemaker_local_network", safemaker_local.region),
                                      lambda: create_local_network(safemaker_local.session))


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
