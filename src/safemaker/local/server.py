"""moto's threaded server, wrapped for the local backend (imports moto: load lazily).

Differences from :class:`moto.server.ThreadedMotoServer`:

- the WSGI app is wrapped in :class:`~safemaker.local.recording.RecordingMiddleware`;
- a failure to bind raises instead of leaving ``start()`` waiting forever;
- ``stop()`` also closes the listening socket (moto's leaves it open, so the
  port stays taken) and returns within ~50 ms (poll interval);
- werkzeug's per-request and error logging goes to the ``safemaker.local``
  logger (DEBUG / WARNING) instead of stderr.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server

from safemaker.errors import LocalBackendError
from safemaker.local.recording import RecordingMiddleware, RequestLog

__all__ = ["RecordingMotoServer"]

logger = logging.getLogger("safemaker.local")

_POLL_INTERVAL_SECONDS = 0.05


def _log(kind: str, message: str, *args: Any) -> None:
    level = logging.WARNING if kind == "error" else logging.DEBUG
    logger.log(level, "moto server: " + message.rstrip("\n"), *args)


class _QuietRequestHandler(MotoRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # Path only: a query string may carry a presigned URL's signature.
        path = urlsplit(getattr(self, "path", "") or "").path
        _log("info", "%s %s %s", getattr(self, "command", "-"), path, getattr(code, "value", code))

    def log(self, type: str, message: str, *args: Any) -> None:  # noqa: A002 (werkzeug's name)
        _log(type, message, *args)


class RecordingMotoServer(ThreadedMotoServer):
    """A :class:`moto.server.ThreadedMotoServer` on 127.0.0.1 that records requests.

    Parameters
    ----------
    port : int
        TCP port; ``0`` lets the OS pick a free one.
    log : RequestLog
        Where received requests are recorded.
    """

    def __init__(self, port: int, log: RequestLog) -> None:
        super().__init__(ip_address="127.0.0.1", port=port, verbose=False)
        self._log = log
        self._start_error: BaseException | None = None

    def _server_entry(self) -> None:
        try:
            app = RecordingMiddleware(
                DomainDispatcherApplication(create_backend_app), self._log
            )
            server = make_server(
                self._ip_address, self._port, app, True, request_handler=_QuietRequestHandler
            )
            server.log = _log  # type: ignore[method-assign]
            self._server = server
        except BaseException as exc:  # reported by start()
            self._start_error = exc
            self._server_ready_event.set()
            return
        self._server_ready_event.set()
        server.serve_forever(poll_interval=_POLL_INTERVAL_SECONDS)

    def start(self) -> None:
        """Start serving in a daemon thread; return once the socket listens.

        Raises
        ------
        LocalBackendError
            If the server cannot listen on ``127.0.0.1:port`` (port taken...).
        """
        super().start()
        if self._start_error is not None:
            self._thread.join()  # type: ignore[union-attr]
            error = self._start_error
            raise LocalBackendError(
                reason=f"cannot listen on 127.0.0.1:{self._port}: {error}"
            ) from error

    def stop(self) -> None:
        """Stop serving, join the thread and close the listening socket (idempotent)."""
        server, thread = self._server, self._thread
        self._server_ready_event.clear()
        if server is not None:
            server.shutdown()
        if thread is not None:
            thread.join()
        if server is not None:
            server.server_close()
        self._server = None
        self._thread = None
