"""moto's WSGI application served by cheroot on 127.0.0.1 (imports moto: load lazily).

Differences from :class:`moto.server.ThreadedMotoServer` (werkzeug's
development server):

- **keep-alive**: werkzeug's development server answers every request with
  ``Connection: close``, so each botocore call opened a new TCP connection and
  the server started a new thread for it. cheroot (CherryPy's HTTP/1.1 WSGI
  server) keeps connections open and serves them from a fixed pool of worker
  threads;
- moto's ``DomainDispatcherApplication`` looks the backend up for every
  request by listing moto's package directory and matching the host against
  every service's URL patterns; here the answer is remembered per host
  (it depends on the host alone);
- the WSGI app is wrapped in :class:`~safemaker.local.recording.RecordingMiddleware`, and an
  exception in moto (an operation it lacks) becomes a well-formed HTTP 500 that keeps the
  connection usable (cheroot would close it unannounced);
- a failure to bind raises instead of leaving ``start()`` waiting forever;
- ``stop()`` closes the listening socket and returns within ~0.1 s;
- cheroot's error log goes to the ``safemaker.local`` logger (one line at
  WARNING, the traceback at DEBUG).

Together the first two roughly halve the time per request (measured by
``benchmarks/bench_local_server.py``). One behaviour of moto's own handler is
not kept: a request header whose *name* contains ``_`` (S3 user metadata such
as ``x-amz-meta-my_key``) is dropped, as cheroot drops such headers (WSGI
cannot tell ``X_Foo`` from ``X-Foo``). safemaker sends none.
"""

from __future__ import annotations

import logging
import sys
import threading
from typing import Any

from cheroot import wsgi
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from safemaker.errors import LocalBackendError
from safemaker.local.recording import RecordingMiddleware, RequestLog
from safemaker.local.simulation import Simulation, SimulationMiddleware

__all__ = ["RecordingMotoServer"]

logger = logging.getLogger(__name__)

#: Worker threads: each serves one request at a time; idle keep-alive
#: connections wait in cheroot's selector, not in a worker.
WORKER_THREADS = 16
#: Worker threads while a latency is simulated: a delayed request holds its worker, and AWS
#: does not queue one client's concurrent calls behind each other.
SIMULATION_WORKER_THREADS = 256
#: How often (seconds) cheroot's serve loop looks at its ready flag: bounds
#: how long ``stop()`` takes.
_POLL_INTERVAL_SECONDS = 0.05
#: Seconds an idle keep-alive connection may stay open. botocore reconnects
#: transparently when the server closed one.
_CONNECTION_TIMEOUT_SECONDS = 30


class _CachedDispatcher(DomainDispatcherApplication):
    """moto's dispatcher with the host -> backend lookup remembered.

    ``get_backend_for_host`` is a pure function of the host name (moto's
    installed modules and URL patterns do not change while it runs); moto
    recomputes it for every request, scanning its package directory.
    """

    def __init__(self) -> None:
        super().__init__(create_backend_app)
        self._backend_for_host: dict[str | None, Any] = {}

    def get_backend_for_host(self, host: str | None) -> Any:
        try:
            return self._backend_for_host[host]
        except KeyError:
            backend = super().get_backend_for_host(host)
            self._backend_for_host[host] = backend
            return backend


class _ErrorsAsResponses:
    """WSGI middleware: an exception in moto's app becomes a well-formed HTTP 500, the connection kept.

    cheroot answers an application exception with a bare 500 and then closes
    the connection without saying so (no ``Connection: close``); a client that
    reuses that keep-alive connection for its next request gets "Remote end
    closed connection without response". Here the 500 carries its length and
    the connection stays usable. Logged as cheroot's errors were: one line at
    WARNING (``local server: NotImplementedError(...)``), the traceback at DEBUG.
    """

    _BODY = b""  # as cheroot sent: botocore then reports code "500", message "Internal Server Error"

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        started: list[bool] = []

        def tracking_start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            started.append(True)
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, tracking_start_response)
        except Exception as exc:  # moto lacks an operation, or fails on an input
            logger.warning("local server: %r", exc)
            logger.debug("local server: traceback of the error above", exc_info=True)
            if started:  # headers already handed to the server: nothing cleaner is possible
                raise
            start_response("500 Internal Server Error",
                           [("Content-Type", "text/plain"), ("Content-Length", str(len(self._BODY)))],
                           sys.exc_info())
            return [self._BODY]


class _Server(wsgi.Server):
    expiration_interval = _POLL_INTERVAL_SECONDS
    #: Idle keep-alive connections kept (cheroot's default, 10, is below what one audit with
    #: 16 Describe calls in flight plus the test fixtures' clients hold open; above it cheroot
    #: answers with ``Connection: close`` and the client reconnects).
    keep_alive_conn_limit = 64

    def error_log(self, msg: str = "", level: int = 20, traceback: bool = False) -> None:
        # One line at WARNING (moto answers an operation it lacks with HTTP 500);
        # the traceback only at DEBUG.
        logger.log(max(level, logging.WARNING), "local server: %s", msg)
        if traceback:
            logger.debug("local server: traceback of the error above", exc_info=True)


class RecordingMotoServer:
    """moto's server on 127.0.0.1 (cheroot, keep-alive) that records requests.

    Parameters
    ----------
    port : int
        TCP port; ``0`` lets the OS pick a free one.
    log : RequestLog
        Where received requests are recorded.
    """

    def __init__(self, port: int, log: RequestLog) -> None:
        self._port = port
        self._log = log
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._simulation: SimulationMiddleware | None = None

    def start(self) -> None:
        """Bind ``127.0.0.1:port`` and serve in a daemon thread; return once it listens.

        Raises
        ------
        LocalBackendError
            If the server cannot listen on ``127.0.0.1:port`` (port taken...).
        """
        self._simulation = SimulationMiddleware(_CachedDispatcher(), self._grow_for)
        app = _ErrorsAsResponses(RecordingMiddleware(self._simulation, self._log))
        server = _Server(("127.0.0.1", self._port), app, numthreads=WORKER_THREADS, max=-1,
                         timeout=_CONNECTION_TIMEOUT_SECONDS, server_name="127.0.0.1")
        try:
            server.prepare()
        except BaseException as exc:
            raise LocalBackendError(
                reason=f"cannot listen on 127.0.0.1:{self._port}: {exc}"
            ) from exc
        thread = threading.Thread(target=server.serve, name="safemaker-local-server", daemon=True)
        thread.start()
        self._server, self._thread = server, thread

    def simulate(self, simulation: Simulation) -> None:
        """Apply a latency / throttling :class:`~safemaker.local.simulation.Simulation` to the next requests.

        Raises
        ------
        LocalBackendError
            If the server is not running.
        """
        if self._simulation is None or self._server is None:
            raise LocalBackendError(reason="the local server is not running")
        self._simulation.set(simulation)

    @property
    def throttled(self) -> int:
        """Requests answered with ``ThrottlingException`` since the simulation was last set."""
        return self._simulation.throttled if self._simulation is not None else 0

    def _grow_for(self, simulation: Simulation) -> None:
        server = self._server
        if server is None or not simulation.latency_ms:
            return
        pool = server.requests
        missing = SIMULATION_WORKER_THREADS - len(getattr(pool, "_threads", ()))
        if missing > 0:
            pool.grow(missing)

    def get_host_and_port(self) -> tuple[str, int]:
        """The address the server listens on, e.g. ``("127.0.0.1", 41234)``."""
        if self._server is None:
            raise LocalBackendError(reason="the local server is not running")
        host, port = self._server.bind_addr[:2]
        return str(host), int(port)

    def stop(self) -> None:
        """Stop serving, close the listening socket and join the threads (idempotent)."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.stop()
        if thread is not None:
            thread.join()
