"""A latency and throttling simulation for the local backend (a simulation, not AWS's behaviour).

The local backend answers in about a millisecond; AWS answers in tens of
milliseconds and throttles each API operation above its rate limit. To
measure a client under those conditions (calls per resource and concurrency
decide its time, not its own CPU), the server can hold every request for a
fixed delay and answer calls above a per-operation rate with the error
SageMaker sends when it throttles: HTTP 400, JSON body
``{"__type": "ThrottlingException", "message": "Rate exceeded"}``, which
botocore's retry handlers (legacy, standard and adaptive modes) treat as a
throttling error and retry with backoff.

What is simulated, and what is not:

- the delay is the same for every request (no jitter, no tail), applied
  before moto handles the request; it is server time, so the client sees it
  whatever its connection reuse;
- rate limits are token buckets per (access key, region, operation):
  ``rate`` requests per second refilled continuously, up to ``burst`` at once.
  AWS's limits are per account and region; on the local backend each account
  is reached with its own access key (moto maps an assumed role's key to its
  account), so the key stands for the account. The real limits are not
  published for every operation and differ per account; the numbers are the
  caller's;
- the server grows its worker threads so that delayed requests do not queue
  behind each other (AWS does not serialise one client's concurrent calls).

Used by :meth:`safemaker.local.LocalBackend.simulate` and
``safemaker local serve --latency-ms N --rate-limit OP=RATE``.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from safemaker.errors import InputError
from safemaker.local.recording import _classifier, _read_form

__all__ = ["Simulation", "SimulationMiddleware", "THROTTLING_BODY", "THROTTLING_HEADERS", "Throttle", "parse_rate_limit"]

THROTTLING_BODY = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
"""Body of a throttled answer (HTTP 400, ``application/x-amz-json-1.1``), as SageMaker's JSON protocol sends it."""
THROTTLING_HEADERS = (
    ("Content-Type", "application/x-amz-json-1.1"),
    ("Content-Length", str(len(THROTTLING_BODY))),
    ("x-amzn-ErrorType", "ThrottlingException"),
)
"""Headers of a throttled answer (HTTP ``400 Bad Request``)."""


@dataclass(frozen=True)
class Simulation:
    """Settings of the latency and throttling simulation.

    Attributes
    ----------
    latency_ms : float, default 0
        Delay added to every AWS request, in milliseconds (0 to 10,000).
    rate_limits : Mapping[str, float]
        Requests per second allowed per operation (botocore's spelling,
        ``"DescribeModel"``), per access key and region; the key ``"*"`` is the
        limit of every operation not named. Empty: no throttling.
    burst : float or None, default None
        Bucket size (requests allowed at once); default: the rate (one
        second's worth), at least 1.

    Raises
    ------
    safemaker.errors.InputError
        (a ``ValueError``) A setting out of its range: the field, the value found and
        the range expected.
    """

    latency_ms: float = 0.0
    rate_limits: Mapping[str, float] = field(default_factory=dict)
    burst: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.latency_ms, (int, float)) or isinstance(self.latency_ms, bool) \
                or not 0 <= self.latency_ms <= 10_000:
            raise InputError("latency_ms", self.latency_ms, "a number of milliseconds from 0 to 10000")
        for op, rate in self.rate_limits.items():
            if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not rate > 0:
                raise InputError(f"rate_limits[{op!r}]", rate, "requests per second > 0")
        if self.burst is not None and not (isinstance(self.burst, (int, float)) and self.burst >= 1):
            raise InputError("burst", self.burst, "a number >= 1")

    @property
    def active(self) -> bool:
        """Whether anything is simulated."""
        return self.latency_ms > 0 or bool(self.rate_limits)

    def rate_for(self, operation: str | None) -> float | None:
        """The rate limit of ``operation`` (its own, else ``"*"``), or ``None``."""
        if operation is not None and operation in self.rate_limits:
            return float(self.rate_limits[operation])
        star = self.rate_limits.get("*")
        return None if star is None else float(star)


def parse_rate_limit(text: str) -> tuple[str, float]:
    """``"DescribeModel=20"`` -> ``("DescribeModel", 20.0)``; ``"20"`` -> ``("*", 20.0)``.

    Raises
    ------
    safemaker.errors.InputError
        (a ``ValueError``, field ``rate_limit``)
        When the text is not ``[OPERATION=]RATE`` with a rate > 0.
    """
    op, _, rate = text.rpartition("=")
    op = op.strip() or "*"
    try:
        value = float(rate)
    except ValueError:
        value = -1.0
    if not value > 0 or not (op == "*" or op.isalnum()):
        raise InputError("rate_limit", text, "OPERATION=RATE (e.g. DescribeModel=20) or RATE for every "
                         "operation, with a rate in requests per second > 0")
    return op, value


class _Bucket:
    __slots__ = ("tokens", "stamp")

    def __init__(self, tokens: float, stamp: float) -> None:
        self.tokens = tokens
        self.stamp = stamp


class Throttle:
    """The rate limits of a :class:`Simulation`: token buckets per (access key, region, operation).

    One place for the decision, used by :class:`SimulationMiddleware` (moto's
    server) and by :class:`safemaker.local.replay.ReplayServer`.

    Parameters
    ----------
    simulation : Simulation
        The limits applied (buckets start full).

    Attributes
    ----------
    throttled : int
        Requests refused by :meth:`admit` so far.
    """

    def __init__(self, simulation: Simulation) -> None:
        self.simulation = simulation
        self.throttled = 0
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str, str], _Bucket] = {}

    def admit(self, key_id: str, region: str, operation: str | None) -> bool:
        """Whether a request of ``operation`` by ``key_id`` in ``region`` passes now (it takes a token).

        ``False`` means: answer with :data:`THROTTLING_BODY` (HTTP 400,
        :data:`THROTTLING_HEADERS`); it is counted in :attr:`throttled`.
        An operation without a limit always passes.
        """
        sim = self.simulation
        rate = sim.rate_for(operation)
        if rate is None:
            return True
        burst = sim.burst if sim.burst is not None else max(1.0, rate)
        key = (key_id, region, operation or "")
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(burst, now)
            bucket.tokens = min(burst, bucket.tokens + max(0.0, now - bucket.stamp) * rate)
            bucket.stamp = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return True
            self.throttled += 1
            return False


def _scope(environ: Mapping[str, Any]) -> tuple[str, str]:
    """(access key, region) of the SigV4 credential scope; ``("", "")`` when unsigned."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    start = auth.find("Credential=")
    if start < 0:
        return "", ""
    parts = auth[start + len("Credential="):].split(",", 1)[0].split("/")
    return (parts[0], parts[2]) if len(parts) >= 3 else (parts[0], "")


class SimulationMiddleware:
    """WSGI middleware applying a :class:`Simulation` (settable while serving).

    Parameters
    ----------
    app : WSGI application
        The wrapped application (moto's, with the request recorder).
    on_change : callable, optional
        Called with the new :class:`Simulation` by :meth:`set` (the server grows
        its worker pool there).
    """

    def __init__(self, app: Callable[..., Any], on_change: Callable[[Simulation], None] | None = None) -> None:
        self.app = app
        self.simulation = Simulation()
        self._throttle = Throttle(self.simulation)
        self._on_change = on_change

    @property
    def throttled(self) -> int:
        """Requests answered with ``ThrottlingException`` since the last :meth:`set`."""
        return self._throttle.throttled

    def set(self, simulation: Simulation) -> None:
        """Apply ``simulation`` to the next requests (buckets start full)."""
        self._throttle = Throttle(simulation)
        self.simulation = simulation
        if self._on_change is not None:
            self._on_change(simulation)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        sim = self.simulation
        if not sim.active or (environ.get("PATH_INFO") or "").startswith("/moto-api"):
            return self.app(environ, start_response)
        if sim.latency_ms:
            time.sleep(sim.latency_ms / 1000.0)
        if sim.rate_limits:
            try:
                _, operation = _classifier().classify(environ, _read_form(environ))
            except Exception:  # never let the simulation break a request
                operation = None
            key_id, region = _scope(environ)
            if not self._throttle.admit(key_id, region, operation):
                start_response("400 Bad Request", list(THROTTLING_HEADERS))
                return [THROTTLING_BODY]
        return self.app(environ, start_response)
