"""A replay server in front of the local backend: AWS's server side simulated without moto's CPU.

Under :meth:`safemaker.local.LocalBackend.simulate` every request is answered
by moto, whose Python dispatcher spends about 3-4 ms of CPU per call, in the
same process (and on the same cores) as the benchmark driving it. Against
AWS the server's work is not on the client's machine: a benchmark whose
client makes hundreds of calls per second measures the emulator as much as
the client. :class:`ReplayServer` takes that CPU off the critical path for
read-only calls:

- it listens on its own port of 127.0.0.1 and forwards to the local backend
  (its ``upstream``) whatever it cannot answer itself;
- the answer of a **read-only** call (an operation named ``List*``,
  ``Describe*``, ``Get*``, ``Head*``, ``Search*``, ``BatchGet*`` or ``BatchDescribe*``,
  not of STS or IAM, not one minting tokens or credentials; see
  :func:`is_read_only`) is recorded the first time it passes through, keyed by
  (service, operation, account, region, method, path, canonical query, the
  request headers that are not per-call bookkeeping such as the signature, time
  and user agent, canonical body), and served from memory afterwards: byte for
  byte the status, headers
  and body moto sent (a fresh ``Date``; the request ID header is the recorded
  one, where moto makes a random one per answer);
- every other call (writes, STS, cache misses) is forwarded to moto; a write
  that succeeds forgets the recorded answers of its service (a read forwarded
  before it completed is not recorded);
- the latency and the rate limits of a :class:`~safemaker.local.simulation.Simulation`
  are applied here, by the same :class:`~safemaker.local.simulation.Throttle`
  as moto's server uses: the answer leaves ``latency_ms`` after the request
  arrived (a forwarded call: or when moto answered, whichever is later), and a
  call above its rate is answered with SageMaker's ``ThrottlingException``.
  The upstream backend must not simulate as well (it would add its latency to
  forwarded calls).

It is one asyncio event loop in a thread of the process: a request costs it
parsing, a dictionary look-up and a timer, a small fraction of what moto
spends (``benchmarks/audit`` reports both per call).

What it models, and what it does not:

- it models a server whose CPU is not the client's: AWS's. It does not
  model AWS's answer times (one fixed latency per call, no jitter, no slow
  tail, no server-side time growing with the page size) nor its rate limits
  (the numbers are the caller's);
- answers are moto's at the time they were recorded: a resource that changes
  on its own (a job's status advancing with time) keeps the answer it had
  then; writes sent to the backend directly, not through this server, are not
  seen (call :meth:`ReplayServer.clear`);
- an account is what moto makes of the request's access key (an assumed
  role's key is its account's), so the recorded answers of one account serve
  every key of that account (moto does not check a principal's permissions);
- request bodies: JSON bodies are compared with their keys sorted,
  form-encoded ones and query strings with their parameters sorted.

HTTP: HTTP/1.1 with keep-alive, ``Content-Length`` or chunked request bodies,
``Expect: 100-continue``; requests on one connection are answered in order.
"""

from __future__ import annotations

import asyncio
import http.client
import io
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any
from urllib.parse import unquote, urlsplit

from safemaker.errors import LocalBackendError
from safemaker.local.recording import RecordedRequest, RequestLog, _classifier, _read_form
from safemaker.local.simulation import THROTTLING_BODY, THROTTLING_HEADERS, Simulation, Throttle, _scope

__all__ = ["ReplayServer", "ReplayStats", "is_read_only", "READ_ONLY_PREFIXES"]

logger = logging.getLogger(__name__)

#: Operation name prefixes of the calls whose answers are recorded and replayed.
READ_ONLY_PREFIXES = ("List", "Describe", "Get", "Head", "Search", "BatchGet", "BatchDescribe")
# Services whose answers depend on the principal (the caller's identity), not only the account.
_PRINCIPAL_SERVICES = frozenset({"sts", "iam"})
# Read-named operations that mint something new on every call.
_MINTING_WORDS = ("Token", "Credential", "Presigned", "Password")
# Hop-by-hop and per-answer headers: not recorded, the server writes its own.
_OWN_HEADERS = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "date",
                          "proxy-connection", "upgrade", "te", "trailer"})
# Request headers that differ from one call to the next without changing what is asked (signature, time, SDK
# bookkeeping, transport): left out of the key. Every other header is part of it (REST protocols carry
# parameters in headers: S3's Range, If-None-Match...).
_PER_CALL_HEADERS = frozenset({"authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256",
                               "user-agent", "amz-sdk-invocation-id", "amz-sdk-request", "host", "content-length",
                               "accept-encoding", "connection", "keep-alive", "expect", "transfer-encoding",
                               "x-amz-user-agent", "content-md5"})
# Headers moto fills with a new random value in every answer.
_REQUEST_ID_HEADERS = frozenset({"x-amzn-requestid", "x-amz-request-id", "x-amz-id-2"})
_MAX_HEAD_BYTES = 64 * 1024
#: Threads forwarding calls to the upstream backend at once.
FORWARD_THREADS = 32


def is_read_only(service: str | None, operation: str | None) -> bool:
    """Whether the answer of ``operation`` of ``service`` (botocore's names) may be recorded and replayed.

    True for an operation named ``List*``, ``Describe*``, ``Get*``, ``Head*``, ``Search*``,
    ``BatchGet*`` or ``BatchDescribe*``, except STS and IAM (their answers
    depend on the caller's identity) and operations whose name contains
    ``Token``, ``Credential``, ``Presigned`` or ``Password`` (each call mints
    a new one). ``None`` (an unsigned or unclassified request) is never read-only.
    """
    if not service or not operation or service in _PRINCIPAL_SERVICES:
        return False
    return operation.startswith(READ_ONLY_PREFIXES) and not any(w in operation for w in _MINTING_WORDS)


@dataclass(frozen=True)
class ReplayStats:
    """What a :class:`ReplayServer` did since it started or was last cleared.

    Attributes
    ----------
    replayed : int
        Requests answered from a recorded answer (moto not involved).
    forwarded : int
        Requests forwarded to the upstream backend (writes, misses, STS...).
    recorded : int
        Answers held now.
    throttled : int
        Requests answered ``ThrottlingException`` since the simulation was set.
    """

    replayed: int
    forwarded: int
    recorded: int
    throttled: int


@dataclass
class _Request:
    method: str
    target: str
    version: str
    headers: list[tuple[str, str]]
    lower: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class _Answer:
    status_line: bytes  # b"HTTP/1.1 200 OK\r\n"
    headers: bytes      # recorded headers, each line ending in CRLF, without the server's own
    body: bytes
    status: int
    length: bytes       # the Content-Length line (a HEAD answer's is moto's: the length of what GET would send)


def _moto_account(access_key: str, headers: dict[str, str]) -> str:
    """The account moto serves a request with access key ``access_key`` from (its own order of precedence)."""
    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    if "x-moto-account-id" in headers:
        return headers["x-moto-account-id"]
    from moto.iam.models import get_account_id_from

    return get_account_id_from(access_key)


def _canonical_body(content_type: str, body: bytes) -> bytes:
    if not body:
        return b""
    if "json" in content_type:
        try:
            return json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
        except ValueError:
            return body
    if content_type.startswith("application/x-www-form-urlencoded"):
        return b"&".join(sorted(body.split(b"&")))
    return body


class _Connection(asyncio.Protocol):
    """One client connection: parses requests, answers them in order."""

    def __init__(self, server: ReplayServer) -> None:
        self._server = server
        self._buffer = bytearray()
        self._busy = False
        self._continued = False
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self._server._connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self._server._connections.discard(self)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        self._next()

    def _next(self) -> None:
        while not self._busy and self.transport is not None:
            try:
                request = self._parse()
            except ValueError as exc:
                self.send_raw(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                              close=True)
                logger.warning("replay server: bad request (%s)", exc)
                return
            if request is None:
                return
            self._busy = True
            self._continued = False
            self._server._handle(self, request)

    def _parse(self) -> _Request | None:
        buffer = self._buffer
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(buffer) > _MAX_HEAD_BYTES:
                raise ValueError("request head above 64 KiB")
            return None
        lines = bytes(buffer[:end]).decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise ValueError(f"request line {lines[0][:80]!r}")
        headers: list[tuple[str, str]] = []
        lower: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep:
                raise ValueError(f"header line {line[:80]!r}")
            value = value.strip()
            headers.append((name, value))
            key = name.lower()
            lower[key] = f"{lower[key]}, {value}" if key in lower else value
        start = end + 4
        if "chunked" in lower.get("transfer-encoding", "").lower():
            decoded = _dechunk(buffer, start)
            if decoded is None:
                self._maybe_continue(lower)
                return None
            body, consumed = decoded
        else:
            length = int(lower.get("content-length") or 0)
            if length < 0:
                raise ValueError(f"Content-Length {length}")
            if len(buffer) < start + length:
                self._maybe_continue(lower)
                return None
            body, consumed = bytes(buffer[start:start + length]), start + length
        del buffer[:consumed]
        return _Request(parts[0], parts[1], parts[2], headers, lower, body)

    def _maybe_continue(self, lower: dict[str, str]) -> None:
        if not self._continued and lower.get("expect", "").lower() == "100-continue" and self.transport:
            self._continued = True
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def send_raw(self, data: bytes, close: bool) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        transport.write(data)
        if close:
            transport.close()
            return
        self._busy = False
        if self._buffer:
            self._next()


def _dechunk(buffer: bytearray, pos: int) -> tuple[bytes, int] | None:
    """A chunked body starting at ``pos``: (body, end offset), or ``None`` while incomplete."""
    body = bytearray()
    while True:
        eol = buffer.find(b"\r\n", pos)
        if eol < 0:
            return None
        size = int(bytes(buffer[pos:eol]).split(b";", 1)[0].strip() or b"x", 16)
        pos = eol + 2
        if size == 0:
            if buffer[pos:pos + 2] == b"\r\n":
                return bytes(body), pos + 2
            trailer_end = buffer.find(b"\r\n\r\n", pos)
            return None if trailer_end < 0 else (bytes(body), trailer_end + 4)
        if len(buffer) < pos + size + 2:
            return None
        body += buffer[pos:pos + size]
        pos += size + 2


class _Upstream(threading.local):
    connection: http.client.HTTPConnection | None = None


class ReplayServer:
    """A lean server on 127.0.0.1 answering read-only calls from recorded answers of the local backend.

    Parameters
    ----------
    upstream : str
        URL of the local backend answering everything else
        (:attr:`safemaker.local.LocalBackend.endpoint_url`), ``http://127.0.0.1:PORT``.
    simulation : Simulation, optional
        Latency and rate limits applied to every AWS request (default: none).
    port : int, default 0
        TCP port; ``0`` lets the OS pick a free one.
    account_of : callable, optional
        ``(access_key, lowercase headers) -> account ID``; default: moto's own
        mapping (the server must run in the process of the local backend).

    Raises
    ------
    safemaker.errors.LocalBackendError
        ``upstream`` is not an ``http://`` URL of a loopback host.

    Examples
    --------
    >>> with local_backend() as backend, ReplayServer(backend.endpoint_url, Simulation(40)) as replay:
    ...     sm = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
    ...                                region_name="us-east-1").client("sagemaker", endpoint_url=replay.endpoint_url)
    ...     _ = sm.list_models()   # forwarded to moto, recorded
    ...     _ = sm.list_models()   # replayed: moto does nothing
    """

    def __init__(self, upstream: str, simulation: Simulation | None = None, *, port: int = 0,
                 account_of: Callable[[str, dict[str, str]], str] | None = None) -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost") or not parts.port:
            raise LocalBackendError(reason=f"upstream {upstream!r} is not http://127.0.0.1:PORT (the local backend)")
        self._upstream = (parts.hostname, parts.port)
        self._port = port
        self._account_of = account_of or _moto_account
        self._accounts: dict[str, str] = {}
        self._simulation = simulation or Simulation()
        self._throttle = Throttle(self._simulation)
        self._answers: dict[tuple[Any, ...], _Answer] = {}
        self._recorded_requests: dict[tuple[Any, ...], tuple[_Answer, _Request]] = {}
        self._generation: dict[str, int] = {}
        self._replayed = 0
        self._forwarded = 0
        self._log = RequestLog()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.AbstractServer | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._local = _Upstream()
        self._connections: set[_Connection] = set()
        self._upstream_connections: list[http.client.HTTPConnection] = []
        self._date = (0, b"")

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> ReplayServer:
        """Listen on ``127.0.0.1:port`` and serve from a daemon thread; return once it listens.

        Raises
        ------
        safemaker.errors.LocalBackendError
            If it runs already, or the port cannot be bound.
        """
        if self._loop is not None:
            raise LocalBackendError(reason=f"the replay server runs already at {self.endpoint_url}")
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="safemaker-replay-server", daemon=True)
        thread.start()
        future = asyncio.run_coroutine_threadsafe(
            loop.create_server(lambda: _Connection(self), "127.0.0.1", self._port, backlog=512), loop)
        try:
            self._server = future.result(timeout=10)
        except BaseException as exc:
            loop.call_soon_threadsafe(loop.stop)
            thread.join()
            loop.close()
            raise LocalBackendError(reason=f"cannot listen on 127.0.0.1:{self._port}: {exc}") from exc
        self._loop, self._thread = loop, thread
        self._pool = ThreadPoolExecutor(FORWARD_THREADS, thread_name_prefix="safemaker-replay-forward")
        return self

    def stop(self) -> None:
        """Stop serving, close the listening socket and the connections (idempotent)."""
        loop, thread, server = self._loop, self._thread, self._server
        self._loop = self._thread = self._server = None
        if loop is None:
            return

        async def close() -> None:
            if server is not None:
                server.close()
            for connection in list(self._connections):  # keep-alive connections of clients
                if connection.transport is not None:
                    connection.transport.close()
            await asyncio.sleep(0)  # let the transports finish closing

        asyncio.run_coroutine_threadsafe(close(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join()
        loop.close()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        for connection in self._upstream_connections:
            connection.close()
        self._upstream_connections.clear()
        self._local = _Upstream()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def endpoint_url(self) -> str:
        """``http://127.0.0.1:PORT`` of this server.

        Raises
        ------
        safemaker.errors.LocalBackendError
            If it is not running.
        """
        if self._server is None:
            raise LocalBackendError(reason="the replay server is not running")
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    # ------------------------------------------------------------------ state

    def simulate(self, simulation: Simulation | None = None) -> None:
        """Apply ``simulation`` (default: none) to the next requests; rate-limit buckets start full."""
        simulation = simulation or Simulation()
        self._throttle = Throttle(simulation)
        self._simulation = simulation

    def clear(self) -> None:
        """Forget every recorded answer (after writes sent to the backend directly) and zero the stats."""
        def forget() -> None:
            self._answers.clear()
            self._recorded_requests.clear()
            for service in list(self._generation):
                self._generation[service] += 1
            self._replayed = self._forwarded = 0

        self._in_loop(forget)

    def _in_loop(self, fn: Callable[[], None]) -> None:
        loop = self._loop
        if loop is None:
            fn()
            return

        async def call() -> None:
            fn()

        asyncio.run_coroutine_threadsafe(call(), loop).result(timeout=10)

    @property
    def stats(self) -> ReplayStats:
        """Counts of replayed and forwarded requests and of recorded answers."""
        return ReplayStats(self._replayed, self._forwarded, len(self._recorded_requests), self._throttle.throttled)

    @property
    def requests(self) -> tuple[RecordedRequest, ...]:
        """Every AWS request this server received since the last :meth:`reset_requests`, oldest first."""
        return self._log.snapshot()

    def request_count(self, service: str | None = None, operation: str | None = None) -> int:
        """Requests received matching ``service`` and ``operation`` (``None`` matches any; throttled ones count)."""
        return self._log.count(service, operation)

    def reset_requests(self) -> None:
        """Empty the request log and zero the replayed and forwarded counts (recorded answers are kept)."""
        def reset() -> None:
            self._log.clear()
            self._replayed = self._forwarded = 0

        self._in_loop(reset)

    @property
    def throttled_count(self) -> int:
        """Requests answered ``ThrottlingException`` since :meth:`simulate` was last called."""
        return self._throttle.throttled

    def verify(self) -> list[str]:
        """Send every recorded request to the upstream backend again and compare its answer with the recorded one.

        Returns
        -------
        list[str]
            One line per answer that differs now: its status line, its body, or a
            header other than ``Date``, the request ID (moto makes a random one
            per answer) and hop-by-hop ones. Empty when every recorded answer is
            byte for byte what moto sends now.
        """
        differing = []
        for key, (answer, request) in list(self._recorded_requests.items()):
            fresh = _answer(*self._forward(request), head=request.method == "HEAD")
            what = [part for part, same in (
                ("status line", fresh.status_line == answer.status_line and fresh.length == answer.length),
                ("headers", _without_request_id(fresh.headers) == _without_request_id(answer.headers)),
                ("body", fresh.body == answer.body)) if not same]
            if what:
                differing.append(f"{key[0]} {key[1]} ({key[2]} {key[3]}): {', '.join(what)} differ")
        return differing

    # ------------------------------------------------------------------ serving (event loop thread)

    def _handle(self, conn: _Connection, request: _Request) -> None:
        loop = self._loop
        assert loop is not None
        arrived = loop.time()
        close = _wants_close(request)
        path, _, query = request.target.partition("?")
        if path.startswith("/moto-api"):  # the backend's control calls: not AWS, not simulated
            self._start_forward(conn, request, close, arrived, (), None, 0.0, None)
            return
        environ: dict[str, Any] = {"REQUEST_METHOD": request.method, "PATH_INFO": unquote(path),
                                   "QUERY_STRING": query, "CONTENT_LENGTH": str(len(request.body)),
                                   "wsgi.input": io.BytesIO(request.body)}
        for name, value in request.lower.items():
            if name == "content-type":
                environ["CONTENT_TYPE"] = value
            elif name != "content-length":
                environ["HTTP_" + name.upper().replace("-", "_")] = value
        try:
            service, operation = _classifier().classify(environ, _read_form(environ))
        except Exception:  # never let bookkeeping break a request
            service, operation = None, None
        record = RecordedRequest(service, operation, request.method, unquote(path), 0)
        simulation = self._simulation
        latency = simulation.latency_ms / 1000.0
        key_id, region = _scope(environ)
        if simulation.rate_limits and not self._throttle.admit(key_id, region, operation):
            self._reply(conn, _THROTTLED, close, arrived + latency, record)
            return
        keys: tuple[tuple[Any, ...], ...] = ()
        if is_read_only(service, operation):
            account = self._accounts.get(key_id)
            if account is None:
                account = self._accounts[key_id] = self._account_of(key_id, request.lower)
            # the same bytes as a recorded request (no canonical form needed), else the canonical form
            asked = tuple(sorted((n, v) for n, v in request.lower.items() if n not in _PER_CALL_HEADERS))
            raw = (service, operation, account, region, request.method, request.target, asked, request.body)
            answer = self._answers.get(raw)
            if answer is None:
                canonical = (service, operation, account, region, request.method, path, asked,
                             "&".join(sorted(query.split("&"))) if query else "",
                             _canonical_body(request.lower.get("content-type", ""), request.body))
                answer = self._answers.get(canonical)
                if answer is not None:
                    self._answers[raw] = answer
                keys = (raw, canonical)
            if answer is not None:
                self._replayed += 1
                self._reply(conn, answer, close, arrived + latency, record)
                return
        self._start_forward(conn, request, close, arrived, keys, service, latency, record)

    def _start_forward(self, conn: _Connection, request: _Request, close: bool, arrived: float,
                       keys: tuple[tuple[Any, ...], ...], service: str | None, latency: float,
                       record: RecordedRequest | None) -> None:
        loop, pool = self._loop, self._pool
        assert loop is not None and pool is not None
        generation = self._generation.get(service or "", 0)
        future = loop.run_in_executor(pool, self._forward, request)
        if record is not None:
            self._forwarded += 1

        def done(fut: asyncio.Future[Any]) -> None:
            try:
                status, reason, headers, body = fut.result()
            except Exception as exc:  # the backend is gone or broke the connection
                logger.warning("replay server: forwarding failed: %r", exc)
                status, reason, headers, body = 502, "Bad Gateway", [], b""
            answer = _answer(status, reason, headers, body, head=request.method == "HEAD")
            if keys:
                if status < 500 and self._generation.get(service or "", 0) == generation:
                    for key in keys:
                        self._answers[key] = answer
                    self._recorded_requests[keys[-1]] = (answer, request)
            elif service is not None and status < 400 and record is not None:
                # a write went through: answers of its service may be stale
                self._generation[service] = self._generation.get(service, 0) + 1
                for stale in [k for k in self._answers if k[0] == service]:
                    del self._answers[stale]
                    self._recorded_requests.pop(stale, None)
            self._reply(conn, answer, close, arrived + latency, record)

        future.add_done_callback(done)

    def _reply(self, conn: _Connection, answer: _Answer, close: bool, due: float,
               record: RecordedRequest | None) -> None:
        loop = self._loop
        assert loop is not None
        delay = due - loop.time()
        if delay > 0:
            loop.call_later(delay, self._send, conn, answer, close, record)
        else:
            self._send(conn, answer, close, record)

    def _send(self, conn: _Connection, answer: _Answer, close: bool, record: RecordedRequest | None) -> None:
        if record is not None:
            self._log.append(RecordedRequest(record.service, record.operation, record.method, record.path,
                                             answer.status))
        now = int(time.time())
        if self._date[0] != now:
            self._date = (now, f"Date: {formatdate(now, usegmt=True)}\r\n".encode())
        conn.send_raw(b"".join((answer.status_line, answer.headers, self._date[1],
                                answer.length,
                                b"Connection: close\r\n\r\n" if close else b"\r\n", answer.body)), close)

    # ------------------------------------------------------------------ forwarding (pool threads)

    def _forward(self, request: _Request) -> tuple[int, str, list[tuple[str, str]], bytes]:
        headers = {n: v for n, v in request.headers if n.lower() not in _OWN_HEADERS and n.lower() != "expect"}
        for attempt in (1, 2):
            connection = self._local.connection
            reused = connection is not None
            if connection is None:
                connection = self._local.connection = http.client.HTTPConnection(*self._upstream, timeout=120)
                self._upstream_connections.append(connection)  # closed by stop()
            try:
                connection.request(request.method, request.target, body=request.body, headers=headers)
                response = connection.getresponse()
                body = response.read()
                if response.will_close:
                    connection.close()
                    self._local.connection = None
                return response.status, response.reason, response.getheaders(), body
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                connection.close()
                self._local.connection = None
                if not reused or attempt == 2:  # a stale keep-alive connection is retried once
                    raise
        raise AssertionError("unreachable")  # pragma: no cover


def _answer(status: int, reason: str, headers: list[tuple[str, str]], body: bytes, head: bool = False) -> _Answer:
    kept = b"".join(f"{n}: {v}\r\n".encode("latin-1") for n, v in headers if n.lower() not in _OWN_HEADERS)
    length = b"Content-Length: %d\r\n" % len(body)
    if head:  # no body; the length is that of the GET answer, as moto said
        given = [v for n, v in headers if n.lower() == "content-length"]
        length = f"Content-Length: {given[0]}\r\n".encode("latin-1") if given else b""
    return _Answer(f"HTTP/1.1 {status} {reason}\r\n".encode("latin-1"), kept, body, status, length)


def _without_request_id(headers: bytes) -> list[bytes]:
    return [line for line in headers.split(b"\r\n")
            if line.split(b":", 1)[0].strip().lower().decode("latin-1") not in _REQUEST_ID_HEADERS]


_THROTTLED = _answer(400, "Bad Request", list(THROTTLING_HEADERS), THROTTLING_BODY)


def _wants_close(request: _Request) -> bool:
    connection = request.lower.get("connection", "").lower()
    return "close" in connection or (request.version == "HTTP/1.0" and "keep-alive" not in connection)
