"""The embedded local backend: a moto server on 127.0.0.1 and a session pinned to it."""

from __future__ import annotations

import http.client
import json
import logging
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any

from safemaker.errors import LocalBackendError
from safemaker.local import fixes as _fixes
from safemaker.local._defaults import DEFAULT_REGION
from safemaker.local.recording import RecordedRequest, RequestLog
from safemaker.local.session import LocalSession, share_loader, unshare_loader

__all__ = ["LocalBackend", "LocalSnapshot", "local_backend", "DEFAULT_REGION", "DEFAULT_ACCOUNT_ID", "EMULATED_PREDICTION_LABEL"]

logger = logging.getLogger(__name__)

DEFAULT_ACCOUNT_ID = "123456789012"
"""The account moto answers for the fake credentials of :class:`LocalSession`."""

EMULATED_PREDICTION_LABEL = "local backend: no container ran; this is moto's canned response, not a prediction"
"""How a prediction answered by the local backend is labelled, wherever it is shown (demo, example notebook)."""

_INSTALL_HINT = "install the 'local' extra: pip install 'safemaker[local]'"

# moto keeps every resource in process-global dictionaries, so two servers in
# one process would share (and reset) each other's state: one at a time.
_active_lock = threading.Lock()
_active: LocalBackend | None = None


OFFLINE_ENVIRONMENT: dict[str, str | None] = {
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": None,
    "AWS_CONTAINER_CREDENTIALS_FULL_URI": None,
}
"""Environment while a local backend runs (``None``: unset). botocore's default credential
chain would otherwise ask the instance metadata service (169.254.169.254) or the container
credentials endpoint: importing SageMaker SDK v2 builds a default ``boto3.Session`` and clients
(``sagemaker/jumpstart/constants.py``), which look for credentials there when the environment
has none. Nothing on the local backend needs them, and the local backend leaves no machine."""


def _configured_region() -> str | None:
    """The region botocore's default session resolves (``AWS_DEFAULT_REGION``, else the config file's profile;
    botocore reads no ``AWS_REGION``)."""
    if os.environ.get("AWS_DEFAULT_REGION"):
        return os.environ["AWS_DEFAULT_REGION"]
    import botocore.session

    try:
        return botocore.session.Session().get_config_variable("region")
    except Exception:  # noqa: BLE001 - an unreadable config file or unknown AWS_PROFILE: no region from it
        return None


@contextmanager
def offline_environment(region: str | None = None) -> Iterator[None]:
    """Within the block, no AWS SDK in this process asks the metadata or container credentials endpoints.

    Sets :data:`OFFLINE_ENVIRONMENT` and restores every variable exactly afterwards.
    :class:`LocalBackend` enters it while running (with its region); wrap code that imports the
    SageMaker SDK *before* starting a backend (the demo does) in it too.

    Parameters
    ----------
    region : str, optional
        When given and the process has no region botocore reads (``AWS_DEFAULT_REGION``
        is unset and botocore's config file names none),
        ``AWS_DEFAULT_REGION`` is this region within the block. SageMaker SDK v3
        makes a client from boto3's default session when some of its modules
        are imported (``sagemaker.ai_registry.air_hub.AIRHub``), which raises
        ``botocore.exceptions.NoRegionError`` in a process without a region.
        A region the process has is never replaced.

    Example
    -------
    >>> with offline_environment("us-east-1"):
    ...     import sagemaker  # doctest: +SKIP
    """
    saved = {name: os.environ.get(name) for name in (*OFFLINE_ENVIRONMENT, "AWS_DEFAULT_REGION")}
    try:
        for name, value in OFFLINE_ENVIRONMENT.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if region is not None and _configured_region() is None:
            os.environ["AWS_DEFAULT_REGION"] = region
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class LocalBackend:
    """A moto server on ``127.0.0.1`` with a boto3 session that can only reach it.

    Use :func:`local_backend` (a context manager) rather than building one
    directly; ``LocalBackend`` is also a context manager if you do.

    Only one local backend may run in a process at a time: moto keeps its
    state (every bucket, model, endpoint...) in process-global dictionaries,
    which two servers would share and reset under each other. While it runs,
    the fixes of :data:`safemaker.local.FIXES` are installed on moto's classes
    (so they also apply to any in-process ``moto.mock_aws`` use), and every new
    botocore session of the process reads botocore's data with one shared loader
    (:func:`safemaker.local.session.share_loader`).

    Parameters
    ----------
    region : str, default ``"us-east-1"``
        Default region of :attr:`session`.
    port : int, default ``0``
        TCP port on 127.0.0.1; ``0`` picks a free one.

    Attributes
    ----------
    region : str
        Default region of :attr:`session`.
    """

    def __init__(self, region: str = DEFAULT_REGION, *, port: int = 0) -> None:
        self.region = region
        self._requested_port = port
        self._log = RequestLog()
        self._server: Any = None
        self._endpoint_url: str | None = None
        self._session: LocalSession | None = None
        self._offline: Any = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> LocalBackend:
        """Start the server, install the moto fixes, and start from an empty state.

        Returns
        -------
        LocalBackend
            ``self``, running.

        Raises
        ------
        LocalBackendError
            If another local backend already runs in this process, if moto
            (``moto[server]``) is not installed, if the port cannot be bound,
            or if this backend is already running.
        """
        global _active
        with _active_lock:
            if self._server is not None:
                raise LocalBackendError(reason=f"already running at {self._endpoint_url}")
            if _active is not None:
                raise LocalBackendError(
                    reason=(
                        f"another local backend is already running in this process at "
                        f"{_active.endpoint_url}; moto keeps its state in process-global "
                        "dictionaries, so a second backend would share and reset the first "
                        "one's resources. Stop it first, or use that backend (in tests: the "
                        "safemaker_local fixture)"
                    )
                )
            share_loader()  # before moto's modules are imported: they make sessions at import
            try:
                from safemaker.local.server import RecordingMotoServer
            except ImportError as exc:
                unshare_loader()
                raise LocalBackendError(
                    reason=f"moto's server is not importable ({exc}); {_INSTALL_HINT}"
                ) from exc
            _fixes.install_fixes()
            offline = offline_environment(self.region)
            offline.__enter__()
            server = RecordingMotoServer(self._requested_port, self._log)
            try:
                server.start()
            except BaseException:
                offline.__exit__(None, None, None)
                unshare_loader()
                _fixes.uninstall_fixes()
                raise
            self._offline = offline
            host, port = server.get_host_and_port()
            self._server = server
            self._endpoint_url = f"http://{host}:{port}"
            _active = self
        try:
            self._session = LocalSession(self._endpoint_url, region_name=self.region)
            self.reset()
        except BaseException:
            self.stop()
            raise
        logger.debug("local backend running at %s", self._endpoint_url)
        return self

    def stop(self) -> None:
        """Stop the server, free its port, remove the moto fixes, and clear moto's state.

        Idempotent: stopping a stopped backend does nothing. The request log
        is kept (read :attr:`requests` after the ``with`` block if useful).
        """
        global _active
        with _active_lock:
            server = self._server
            if server is None:
                return
            try:
                server.stop()
            finally:
                self._server = None
                _fixes.uninstall_fixes()
                unshare_loader()
                offline, self._offline = self._offline, None
                if offline is not None:
                    offline.__exit__(None, None, None)
                if _active is self:
                    _active = None
                try:
                    from moto.moto_api._internal.models import moto_api_backend

                    moto_api_backend.reset()
                except Exception:  # pragma: no cover - best effort, state is reset on start
                    logger.debug("moto state not reset on stop", exc_info=True)
        logger.debug("local backend at %s stopped", self._endpoint_url)

    @property
    def running(self) -> bool:
        """Whether the server is running."""
        return self._server is not None

    def __enter__(self) -> LocalBackend:
        return self if self.running else self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ connection

    def _require_running(self) -> str:
        if self._endpoint_url is None or self._server is None:
            raise LocalBackendError(reason="the local backend is not running")
        return self._endpoint_url

    @property
    def endpoint_url(self) -> str:
        """``http://127.0.0.1:PORT`` of the server.

        Raises
        ------
        LocalBackendError
            If the backend was never started.
        """
        if self._endpoint_url is None:
            raise LocalBackendError(reason="the local backend was never started")
        return self._endpoint_url

    @property
    def port(self) -> int:
        """TCP port of the server on 127.0.0.1 (see :attr:`endpoint_url`)."""
        return int(self.endpoint_url.rsplit(":", 1)[1])

    @property
    def session(self) -> LocalSession:
        """A boto3 session whose every client and resource uses :attr:`endpoint_url`.

        Fake credentials, region :attr:`region`; see :class:`LocalSession`.

        Raises
        ------
        LocalBackendError
            If the backend was never started.
        """
        if self._session is None:
            raise LocalBackendError(reason="the local backend was never started")
        return self._session

    # ------------------------------------------------------------------ request log

    @property
    def requests(self) -> tuple[RecordedRequest, ...]:
        """Every AWS request the server received since start or :meth:`reset_requests`.

        Oldest first. moto's own ``/moto-api`` control calls (such as
        :meth:`reset`) are not included. Safe to read from any thread.
        """
        return self._log.snapshot()

    def request_count(self, service: str | None = None, operation: str | None = None) -> int:
        """Number of received requests for ``service`` and ``operation``.

        Parameters
        ----------
        service : str, optional
            botocore service name (``"sagemaker"``, ``"sagemaker-runtime"``,
            ``"s3"``...); ``None`` counts every service.
        operation : str, optional
            Operation as botocore spells it (``"CreateModel"``); ``None``
            counts every operation.

        Returns
        -------
        int
            Count of matching :class:`RecordedRequest` entries (retries count
            once per attempt, as each reaches the server).
        """
        return self._log.count(service, operation)

    def reset_requests(self) -> None:
        """Empty the request log (moto's state is untouched)."""
        self._log.clear()

    # ------------------------------------------------------------------ moto state

    def _moto_api(self, path: str, body: Mapping[str, Any] | None = None) -> Any:
        """POST to moto's control API over HTTP (no proxy: plain ``http.client``)."""
        endpoint = self._require_running()
        host, port = endpoint.removeprefix("http://").rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            payload = json.dumps(body).encode() if body is not None else b""
            conn.request("POST", path, body=payload, headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            data = response.read()
        except OSError as exc:
            raise LocalBackendError(reason=f"POST {path} failed: {exc}") from exc
        finally:
            conn.close()
        if not 200 <= response.status < 300:
            raise LocalBackendError(
                reason=f"POST {path} answered HTTP {response.status}: {data[:200]!r}"
            )
        return json.loads(data) if data else None

    def reset(self) -> None:
        """Delete every resource in moto, in every account and region (``POST /moto-api/reset``).

        The request log and the installed fixes are kept.

        Raises
        ------
        LocalBackendError
            If the backend is not running or moto does not answer 2xx.
        """
        self._moto_api("/moto-api/reset")

    def renew(self, region: str | None = None) -> LocalBackend:
        """Make the running backend as a just-started one: empty moto state, request log and simulation.

        For a backend shared by several tests (the pytest plugin keeps one
        per test process): :meth:`reset` (``POST /moto-api/reset``), the
        request log emptied, :meth:`simulate` turned off, and a new
        :attr:`session` (with ``region``), so that event handlers registered
        on the previous session do not carry over. The server, its port and
        the installed fixes stay.

        Parameters
        ----------
        region : str, optional
            New default region of :attr:`session` and :attr:`region`; default:
            keep :attr:`region`.

        Returns
        -------
        LocalBackend
            ``self``.

        Raises
        ------
        LocalBackendError
            If the backend is not running or moto does not answer 2xx.
        """
        endpoint = self._require_running()
        self.reset()
        self.simulate()
        self._log.clear()
        if region is not None:
            self.region = region
        self._session = LocalSession(endpoint, region_name=self.region)
        return self

    def snapshot(self) -> LocalSnapshot:
        """A copy of moto's whole state (every service, account and region), for :meth:`restore`.

        Build an expensive state once (a closed network: about 50 EC2 and IAM
        calls), snapshot it, and restore it before each test instead of
        building it again. The copy is a deep copy of moto's in-process
        backends (the server runs in this process); it shares nothing with
        the live state. The request log is not part of it.

        Returns
        -------
        LocalSnapshot
            Opaque; pass it to :meth:`restore` of this backend.

        Raises
        ------
        LocalBackendError
            If the backend is not running, or moto's state cannot be copied.
        """
        import copy

        from moto.core.base_backend import BackendDict, backend_lock

        self._require_running()
        _teach_deepcopy()
        with backend_lock:
            try:
                saved = tuple((backends, copy.deepcopy(dict(backends))) for backends in BackendDict._instances)
            except Exception as exc:
                raise LocalBackendError(reason=f"moto's state cannot be copied: {exc}") from exc
        return LocalSnapshot(saved)

    def restore(self, snapshot: LocalSnapshot) -> None:
        """Replace moto's whole state by a copy of ``snapshot`` (see :meth:`snapshot`).

        Every service's state becomes the snapshot's, resources created since
        are gone; the snapshot itself is left unchanged, so it can be restored
        again. The request log, the simulation and :attr:`session` are kept.

        Parameters
        ----------
        snapshot : LocalSnapshot
            From :meth:`snapshot` (of this or an earlier backend of the process).

        Raises
        ------
        LocalBackendError
            If the backend is not running.
        """
        import copy

        from moto.core.base_backend import BackendDict, backend_lock
        from moto.core.model_instances import reset_model_data

        self._require_running()
        with backend_lock:
            BackendDict.reset()
            reset_model_data()
            for backends, accounts in snapshot._saved:
                backends.update(copy.deepcopy(accounts))
                BackendDict._instances.append(backends)

    def set_invoke_endpoint_results(
        self,
        results: Sequence[Mapping[str, str]],
        *,
        region: str | None = None,
        account_id: str = DEFAULT_ACCOUNT_ID,
    ) -> None:
        """Queue the answers of the next sagemaker-runtime ``InvokeEndpoint`` calls.

        moto answers ``InvokeEndpoint`` with canned data (body ``"body"``,
        content type ``"content_type"``). Each queued result is taken by the
        next call with a new (endpoint, request body) pair; a repeated pair
        gets the same answer again. Wraps moto's
        ``POST /moto-api/static/sagemaker/endpoint-results``.

        Parameters
        ----------
        results : sequence of mapping
            Each with ``"Body"`` (str) and optionally ``"ContentType"``,
            ``"InvokedProductionVariant"``, ``"CustomAttributes"``.
        region : str, optional
            Region of the endpoint; default :attr:`region`.
        account_id : str, default ``"123456789012"``
            Account of the endpoint (moto's default account).

        Raises
        ------
        LocalBackendError
            If the backend is not running or moto refuses the results.
        """
        self._moto_api(
            "/moto-api/static/sagemaker/endpoint-results",
            {
                "account_id": account_id,
                "region": region or self.region,
                "results": [dict(r) for r in results],
            },
        )

    # ------------------------------------------------------------------ simulation

    def simulate(self, latency_ms: float = 0.0, rate_limits: Mapping[str, float] | None = None,
                 burst: float | None = None) -> None:
        """Simulate AWS's latency and throttling on the next requests (a simulation, not AWS).

        Every AWS request is held ``latency_ms`` before moto answers it, and a call
        above its operation's rate (token bucket per access key, region and
        operation) is answered like SageMaker throttles: HTTP 400
        ``ThrottlingException`` ("Rate exceeded"), which botocore retries.
        ``simulate()`` with no arguments turns it off. See
        :mod:`safemaker.local.simulation` and docs/local-backend.md.

        Parameters
        ----------
        latency_ms : float, default 0
            Delay per request, in milliseconds (0 to 10,000).
        rate_limits : Mapping[str, float], optional
            Requests per second by operation (``{"DescribeModel": 20}``); ``"*"``
            for every operation not named. Default: no throttling.
        burst : float, optional
            Requests allowed at once per bucket; default: one second's worth.

        Raises
        ------
        ValueError
            A negative or too large latency, a rate <= 0, a burst < 1.
        LocalBackendError
            If the backend is not running.
        """
        from safemaker.local.simulation import Simulation

        simulation = Simulation(float(latency_ms), dict(rate_limits or {}), burst)
        self._require_running()
        self._server.simulate(simulation)

    @property
    def throttled_count(self) -> int:
        """Requests answered with ``ThrottlingException`` since :meth:`simulate` was last called."""
        return self._server.throttled if self._server is not None else 0

    def __repr__(self) -> str:
        state = self._endpoint_url if self.running else "stopped"
        return f"LocalBackend(region={self.region!r}, {state})"


class LocalSnapshot:
    """moto's state at one moment (:meth:`LocalBackend.snapshot`); restore it with :meth:`LocalBackend.restore`."""

    __slots__ = ("_saved",)

    def __init__(self, saved: tuple[tuple[Any, dict[str, Any]], ...]) -> None:
        self._saved = saved

    @property
    def services(self) -> tuple[str, ...]:
        """moto service names whose state the snapshot holds (``("ec2", "iam", "s3")``...)."""
        return tuple(backends.service_name for backends, _ in self._saved)

    def __repr__(self) -> str:
        return f"LocalSnapshot(services={self.services!r})"


@contextmanager
def local_backend(region: str = DEFAULT_REGION, *, port: int = 0) -> Iterator[LocalBackend]:
    """Run a moto server on 127.0.0.1 for the duration of a ``with`` block.

    Starts moto's threaded server on a free port (or ``port``), installs the
    fixes of :data:`safemaker.local.FIXES`, resets moto's state, and yields a
    running :class:`LocalBackend`. On exit, even after an exception, the
    server is stopped, its port freed, the fixes removed and moto's state
    cleared.

    Parameters
    ----------
    region : str, default ``"us-east-1"``
        Default region of the yielded backend's :attr:`LocalBackend.session`.
    port : int, default ``0``
        TCP port on 127.0.0.1; ``0`` lets the OS choose a free port.

    Yields
    ------
    LocalBackend
        The running backend: ``endpoint_url``, ``region``, ``session``,
        ``requests``, ``request_count()``, ``reset_requests()``, ``reset()``,
        ``stop()``.

    Raises
    ------
    LocalBackendError
        If another local backend already runs in this process (moto's state
        is process-global), if ``moto[server]`` is not installed, or if the
        port cannot be bound.

    Examples
    --------
    >>> with local_backend() as backend:
    ...     sm = backend.session.client("sagemaker")
    ...     _ = sm.list_models()
    ...     backend.request_count("sagemaker", "ListModels")
    1
    """
    backend = LocalBackend(region, port=port).start()
    try:
        yield backend
    finally:
        backend.stop()


def _deepcopy_dict_subclass(self: Any, memo: dict[int, Any]) -> Any:
    """``__deepcopy__`` of a ``dict`` / ``defaultdict`` subclass whose constructor takes other arguments.

    :func:`copy.deepcopy` remakes such an object through its reduce protocol, which calls the class with
    the ``defaultdict``'s factory only (``TypeError``: missing arguments). This makes the object without
    its constructor and copies its attributes and items, as the reduce protocol would.
    """
    import copy
    from collections import defaultdict

    cls = type(self)
    new = cls.__new__(cls)
    memo[id(self)] = new
    if isinstance(self, defaultdict):
        defaultdict.__init__(new, self.default_factory)
    for key, value in vars(self).items():
        object.__setattr__(new, key, copy.deepcopy(value, memo))
    for key, value in self.items():
        dict.__setitem__(new, copy.deepcopy(key, memo), copy.deepcopy(value, memo))
    return new


_DICTS_MADE_WITH_ARGUMENTS = (("moto.ssm.models", "ParameterDict"),)
"""moto's state classes that :func:`copy.deepcopy` cannot remake (a dict subclass whose constructor takes
the account and region): SSM parameters (``ParameterDict(account_id, region_name)``, moto 5.2)."""


def _teach_deepcopy() -> None:
    """Give each class of :data:`_DICTS_MADE_WITH_ARGUMENTS` a ``__deepcopy__`` (once; a class that has its own
    keeps it; a module moto does not have is skipped), so that :meth:`LocalBackend.snapshot` copies every
    service's state."""
    import importlib

    for module_name, class_name in _DICTS_MADE_WITH_ARGUMENTS:
        try:
            cls = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError):
            continue
        if "__deepcopy__" not in vars(cls):
            cls.__deepcopy__ = _deepcopy_dict_subclass
