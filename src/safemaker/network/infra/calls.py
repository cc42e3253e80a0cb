"""How infra makes its AWS calls: the clients' botocore configuration (:data:`CLIENT_CONFIG`), the
retries botocore does not make (:class:`RetryPolicy`), waiters, tags, and ``_Ctx`` (clients,
apply-or-plan mode, the action log).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

import botocore.config
import botocore.waiter
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError, WaiterError
from botocore.parsers import ResponseParserError

from safemaker._loopback import is_loopback_url
from safemaker.errors import InfraError, aws_error
from safemaker.network.infra.config import RESOURCE_TAG, STACK_TAG, Verb
from safemaker.network.infra.results import Action, ProgressCallback

logger = logging.getLogger(__name__)


CLIENT_CONFIG = botocore.config.Config(retries={"mode": "standard", "total_max_attempts": 8})
"""botocore configuration of the EC2, IAM and SSM clients of :func:`up`, :func:`down`, :func:`plan`
and ``safemaker doctor``: botocore's *standard* retry mode, 8 attempts per call in all
(``total_max_attempts``, the first one included) for throttling (``Throttling``,
``RequestLimitExceeded``...), HTTP 500/502/503/504, connection errors and timeouts, with botocore's
exponential backoff and jitter (at most 20 s). The CLI makes its clients with it; library callers pass
``config=infra.CLIENT_CONFIG`` (or their own retry settings) when they make theirs. Throttling and
transient errors are botocore's to retry: safemaker never retries them again (it did, 8 times around
botocore's default 5: up to 40 requests for one throttled call)."""


@dataclass(frozen=True)
class RetryPolicy:
    """What ``up``/``down`` retry themselves (what botocore does not), and how they wait.

    Throttling and transient errors are retried by botocore, as configured on
    the clients (:data:`CLIENT_CONFIG`). What remains here is the retry of
    eventual-consistency errors that botocore's retry modes do not treat as
    retryable: ``DependencyViolation`` (EC2) and ``DeleteConflict`` (IAM) on
    deletions right after a dependent resource went away, and ``RunInstances``
    with an instance profile EC2 does not see yet.

    Attributes
    ----------
    max_attempts : int, default 8
        Attempts of a call that fails with one of those errors.
    base_delay : float, default 1.0
        Seconds before the first of those retries; doubled each time.
    max_delay : float, default 20.0
        Upper bound of one retry delay, in seconds.
    wait_delay : float, default 5.0
        ``Delay`` of the waiters (seconds between polls): botocore's EC2
        waiters ``vpc_available``, ``instance_running``, ``instance_terminated``
        and safemaker's VPC endpoint waiters (EC2 has none), run by botocore.
    wait_attempts : int, default 120
        ``MaxAttempts`` of the waiters; then :class:`InfraError`.
    sleep : callable, default time.sleep
        Used for the delays of the retries above (tests pass a recorder).
    """

    max_attempts: int = 8
    base_delay: float = 1.0
    max_delay: float = 20.0
    wait_delay: float = 5.0
    wait_attempts: int = 120
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt`` (0-based)."""
        return min(self.max_delay, self.base_delay * (2 ** attempt))


# --------------------------------------------------------------------------- plumbing


def _code(exc: Exception) -> str:
    """The AWS error code (:func:`safemaker.errors.aws_error`), or the class of any other exception."""
    return aws_error(exc)[0]


def _message(exc: Exception) -> str:
    """``"<code>: <message>"`` (:func:`safemaker.errors.aws_error`)."""
    return "{}: {}".format(*aws_error(exc)).rstrip(": ")


def _refused_loopback(exc: BaseException | None) -> str | None:
    """The endpoint URL when ``exc`` is a connection refused by a loopback address, else ``None``.

    A refused loopback port means nothing listens there (the local backend is not
    running): retrying cannot heal it. Any other connection error (a remote
    endpoint, a timeout, a DNS failure) stays retryable.
    """
    if not isinstance(exc, EndpointConnectionError):
        return None
    url = str(exc.kwargs.get("endpoint_url") or "")
    if not is_loopback_url(url):
        return None
    seen: set[int] = set()
    cause: BaseException | None = exc.kwargs.get("error")
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, ConnectionRefusedError) or "Connection refused" in str(cause):
            return url
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


def _tags(stack: str, logical: str, name: str) -> list[dict[str, str]]:
    return [{"Key": "Name", "Value": name}, {"Key": STACK_TAG, "Value": stack},
            {"Key": RESOURCE_TAG, "Value": logical}]


def _tag_spec(resource_type: str, stack: str, logical: str, name: str) -> list[dict[str, Any]]:
    return [{"ResourceType": resource_type, "Tags": _tags(stack, logical, name)}]


def _tag_value(resource: Mapping[str, Any], key: str) -> str | None:
    for tag in resource.get("Tags") or []:
        if tag.get("Key") == key:
            return tag.get("Value")
    return None


def _is_ours(resource: Mapping[str, Any], stack: str) -> bool:
    return _tag_value(resource, STACK_TAG) == stack


_attempts = threading.local()
"""Attempts botocore made for the last call of this thread (its ``needs-retry`` event counts them)."""


def _count_and_stop_refused_loopback(attempts: int = 1, caught_exception: BaseException | None = None,
                                     **_: Any) -> bool | None:
    """``needs-retry`` handler, run before botocore's retry handler: records the attempt count, and
    returns ``False`` (no retry) for a connection refused on a loopback port: nothing listens there,
    and botocore's backoff would wait up to a minute for nothing."""
    _attempts.count = attempts
    return False if _refused_loopback(caught_exception) is not None else None


def _prepare(client: Any) -> Any:
    """Register :func:`_count_and_stop_refused_loopback` on ``client`` (once; harmless twice)."""
    if client is not None:
        service = client.meta.service_model.service_id.hyphenize()
        client.meta.events.register_first(f"needs-retry.{service}", _count_and_stop_refused_loopback,
                                          unique_id="safemaker-infra-needs-retry")
    return client


def _tries(exc: Exception) -> str:
    """`` (after N attempts)`` when botocore tried more than once, else ``""``."""
    count = getattr(_attempts, "count", 1)
    if isinstance(exc, ClientError):
        count = int(exc.response.get("ResponseMetadata", {}).get("RetryAttempts") or 0) + 1
    return f" (after {count} attempts)" if count > 1 else ""


# Waiters botocore's EC2 model does not have (DescribeVpcEndpoints), in botocore's waiter format,
# run by botocore's waiter machinery. AWS answers with lower-case states; the API model spells them
# capitalised, so both are accepted.
_WAITER_MODEL = botocore.waiter.WaiterModel({"version": 2, "waiters": {
    "VpcEndpointsAvailable": {
        "operation": "DescribeVpcEndpoints", "delay": 5, "maxAttempts": 120,
        "acceptors": [
            *({"state": "success", "matcher": "pathAll", "argument": "VpcEndpoints[].State", "expected": s}
              for s in ("available", "Available")),
            *({"state": "failure", "matcher": "pathAny", "argument": "VpcEndpoints[].State", "expected": s}
              for s in ("failed", "Failed", "rejected", "Rejected", "expired", "Expired")),
        ]},
    "VpcEndpointsDeleted": {
        "operation": "DescribeVpcEndpoints", "delay": 5, "maxAttempts": 120,
        "acceptors": [
            {"state": "success", "matcher": "path", "expected": True,
             "argument": "length(VpcEndpoints[?State != 'deleted' && State != 'Deleted']) == `0`"},
            {"state": "success", "matcher": "error", "expected": "InvalidVpcEndpointId.NotFound"},
        ]},
}})


class _Ctx:
    """Clients, mode (apply or plan), retries, the action log."""

    def __init__(
        self,
        stack: str,
        *,
        ec2: Any,
        iam: Any,
        ssm: Any = None,
        apply: bool,
        retry: RetryPolicy | None,
        progress: ProgressCallback | None,
    ) -> None:
        self.stack = stack
        self.ec2 = _prepare(ec2)
        self.iam = _prepare(iam)
        self.ssm = _prepare(ssm)
        self.apply = apply
        self.retry = retry or RetryPolicy()
        self.progress = progress
        self.partition = "aws"  # set by _reconcile from the StackConfig
        self.actions: list[Action] = []

    def record(self, verb: Verb, kind: str, name: str, resource_id: str | None = None,
               detail: str = "") -> Action:
        action = Action(verb, kind, name, resource_id, detail)
        self.actions.append(action)
        logger.debug("%s: %s", "apply" if self.apply else "plan", action.line())
        if self.progress is not None:
            self.progress(action)
        return action

    def call(
        self,
        client: Any,
        method: str,
        *,
        what: str = "",
        missing: Iterable[str] = (),
        retry_codes: Iterable[str] = (),
        retry_if: Callable[[ClientError], bool] | None = None,
        fix: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """``client.<method>(**kwargs)``; ``None`` if the error code is in ``missing``.

        Throttling and transient errors were retried by botocore (the client's
        retry mode). Retried here, by :class:`RetryPolicy`, only the
        eventual-consistency errors botocore does not retry: codes in
        ``retry_codes`` and errors for which ``retry_if`` is true. Any other
        failure raises :class:`InfraError`. The default ``fix`` says that
        finished steps are not repeated only when the run makes changes
        (``up``, ``down``); ``plan`` and lookups say "re-run".
        """
        return self._run(method, what, lambda: getattr(client, method)(**kwargs), missing=missing,
                         retry_codes=retry_codes, retry_if=retry_if, fix=fix)

    def _run(self, method: str, what: str, send: Callable[[], Any], *, missing: Iterable[str] = (),
             retry_codes: Iterable[str] = (), retry_if: Callable[[ClientError], bool] | None = None,
             fix: str | None = None) -> Any:
        if fix is None:
            fix = ("Fix the cause and re-run; finished steps are not repeated" if self.apply
                   else "Fix the cause and re-run")
        missing = set(missing)
        extra = set(retry_codes)
        operation = "".join(p.title() for p in method.split("_"))
        action = f"{operation} {what}".strip()
        attempt = 0
        while True:
            _attempts.count = 1
            try:
                return send()
            except ClientError as exc:
                code = _code(exc)
                if code in missing:
                    return None
                if not (code in extra or (retry_if is not None and retry_if(exc))):
                    raise InfraError(action, _message(exc).rstrip(".") + _tries(exc), fix) from None
                if attempt + 1 >= self.retry.max_attempts:
                    raise InfraError(action, f"{_message(exc).rstrip('.')} (after {attempt + 1} attempts)",
                                     fix) from None
            except NoCredentialsError as exc:
                # Chained, so callers can tell the cause (botocore does not retry it either).
                raise InfraError(action, _message(exc).rstrip("."), fix) from exc
            except (BotoCoreError, ResponseParserError) as exc:
                refused = _refused_loopback(exc)
                if refused is not None:
                    # Nothing listens on a loopback port: waiting will not start a server.
                    raise InfraError(
                        action,
                        f"{_message(exc).rstrip('.')} (connection refused on the loopback endpoint {refused}: "
                        "not retried, nothing listens there)",
                        f"Start the local backend (`safemaker local serve`, on that port) or fix --endpoint-url "
                        f"/ AWS_ENDPOINT_URL, then re-run") from None
                # Connection errors, timeouts, garbled responses: botocore already retried them.
                raise InfraError(action, _message(exc).rstrip(".") + _tries(exc), fix) from None
            # An eventual-consistency error (DependencyViolation, DeleteConflict...): botocore's retry
            # modes do not retry these, and on AWS they heal within seconds of the dependency's removal.
            delay = self.retry.delay(attempt)
            logger.debug("%s: %s; retry %d in %.1fs", action, code, attempt + 1, delay)
            self.retry.sleep(delay)
            attempt += 1

    def full(self, client: Any, method: str, *, missing: Iterable[str] = (), **kwargs: Any) -> dict[str, Any]:
        """The whole result of ``method`` over all pages (botocore's paginator, when it has one)."""
        if not client.can_paginate(method):
            return self.call(client, method, missing=missing, **kwargs) or {}
        paginator = client.get_paginator(method)
        return self._run(method, "", lambda: paginator.paginate(**kwargs).build_full_result(),
                         missing=missing) or {}

    def items(self, client: Any, method: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
        """Every item of ``key`` over all pages."""
        return list(self.full(client, method, **kwargs).get(key, []))

    def wait(self, client: Any, waiter: str, what: str, fix: str, **kwargs: Any) -> None:
        """Run a botocore waiter (the client's own, or one of :data:`_WAITER_MODEL`) with the policy's
        ``wait_delay`` and ``wait_attempts``."""
        if waiter in client.waiter_names:
            runner = client.get_waiter(waiter)
        else:
            runner = botocore.waiter.create_waiter_with_client(waiter, _WAITER_MODEL, client)
        try:
            runner.wait(**kwargs, WaiterConfig={"Delay": self.retry.wait_delay,
                                                "MaxAttempts": self.retry.wait_attempts})
        except WaiterError as exc:
            last = exc.last_response or {}
            reason = _message(exc)  # the error's code and message, or the waiter's reason
            states = [f"{e.get('VpcEndpointId')} {e.get('State')}" for e in last.get("VpcEndpoints", [])
                      if str(e.get("State", "")).lower() != "available"]
            if states:
                reason = f"{', '.join(states)} ({reason})"
            raise InfraError(f"waiting for {what}", reason, fix) from None


_CONSOLE_FIX = "Check the resource in the console and re-run"
