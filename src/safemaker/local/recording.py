"""Recording of the requests the local backend receives (a WSGI middleware).

Every request that reaches the moto server (except moto's own ``/moto-api``
control calls) is classified into the botocore service and operation that
sent it and appended to a thread-safe log. Classification uses what the
client put on the wire:

- service: the SigV4 credential scope (``Authorization`` header, or
  ``X-Amz-Credential`` of a presigned URL), which names the *signing* name
  (SigV2, S3 only, means ``s3``);
  signing names shared by several botocore services (``sagemaker`` is the
  signing name of ``sagemaker-runtime`` too) are told apart by the operation;
- operation: the ``X-Amz-Target`` header (JSON protocols: SageMaker, Logs,
  SSM...), else the ``Action`` form/query parameter (query protocols: STS,
  EC2, IAM), else the HTTP method and path matched against the botocore
  model's ``requestUri`` templates (REST protocols: S3, SageMaker Runtime).
"""

from __future__ import annotations

import io
import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import botocore.exceptions
import botocore.loaders

__all__ = ["RecordedRequest", "RecordingMiddleware", "RequestLog"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecordedRequest:
    """One request received by the local backend.

    Attributes
    ----------
    service : str or None
        botocore service name of the client that sent it (``"sagemaker"``,
        ``"sagemaker-runtime"``, ``"s3"``, ``"logs"``, ``"sts"``...); ``None``
        for an unsigned request.
    operation : str or None
        API operation as botocore spells it (``"CreateModel"``,
        ``"InvokeEndpoint"``, ``"PutObject"``); ``None`` when it cannot be
        told from the request.
    method : str
        HTTP method (``"POST"``, ``"GET"``...).
    path : str
        URL path, without the query string (``"/"``,
        ``"/endpoints/my-endpoint/invocations"``).
    status : int
        HTTP status code of the response (e.g. ``200``, ``400``, ``500``).
    """

    service: str | None
    operation: str | None
    method: str
    path: str
    status: int


class RequestLog:
    """A thread-safe, append-only list of :class:`RecordedRequest` (until cleared)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[RecordedRequest] = []

    def append(self, item: RecordedRequest) -> None:
        """Add one request."""
        with self._lock:
            self._items.append(item)

    def snapshot(self) -> tuple[RecordedRequest, ...]:
        """Every request so far, oldest first, as an immutable tuple."""
        with self._lock:
            return tuple(self._items)

    def clear(self) -> None:
        """Forget every request."""
        with self._lock:
            self._items.clear()

    def count(self, service: str | None = None, operation: str | None = None) -> int:
        """Number of requests matching ``service`` and ``operation`` (``None`` matches any)."""
        return sum(
            1
            for r in self.snapshot()
            if (service is None or r.service == service)
            and (operation is None or r.operation == operation)
        )


# --------------------------------------------------------------------------- classification

# Signing names shared by several botocore services, most common first.
_SERVICES_BY_SIGNING_NAME: dict[str, tuple[str, ...]] = {
    "sagemaker": (
        "sagemaker",
        "sagemaker-runtime",
        "sagemaker-metrics",
        "sagemaker-featurestore-runtime",
        "sagemaker-a2i-runtime",
        "sagemaker-edge",
    ),
    "monitoring": ("cloudwatch",),
    "states": ("stepfunctions",),
}

_CREDENTIAL_RE = re.compile(r"Credential=([^,\s]+)")


@dataclass(frozen=True)
class _Route:
    operation: str
    method: str
    path: re.Pattern[str]
    query: tuple[tuple[str, str | None], ...]
    headers: tuple[str, ...]
    specificity: tuple[int, int]


class _Classifier:
    """Maps a WSGI environ to (service, operation) using botocore's service models.

    Uses its own loader: botocore edits some loaded models in place (for S3 it
    strips ``/{Bucket}`` from every ``requestUri`` when a client is created),
    so the models shared with clients are not the wire format.
    """

    def __init__(self, loader: botocore.loaders.Loader) -> None:
        self._loader = loader
        self._lock = threading.Lock()
        self._models: dict[str, dict[str, Any] | None] = {}
        self._routes: dict[str, list[_Route]] = {}

    def _model(self, service: str) -> dict[str, Any] | None:
        with self._lock:
            if service not in self._models:
                try:
                    self._models[service] = self._loader.load_service_model(service, "service-2")
                except botocore.exceptions.DataNotFoundError:
                    self._models[service] = None
            return self._models[service]

    def _rest_routes(self, service: str) -> list[_Route]:
        model = self._model(service)
        if model is None:
            return []
        with self._lock:
            if service not in self._routes:
                self._routes[service] = [
                    _route(name, op, model["shapes"]) for name, op in model["operations"].items()
                ]
            return self._routes[service]

    def classify(
        self, environ: dict[str, Any], form: dict[str, list[str]]
    ) -> tuple[str | None, str | None]:
        signing_name = _signing_name(environ)
        if signing_name is None:
            return None, None
        candidates = _SERVICES_BY_SIGNING_NAME.get(signing_name, (signing_name,))
        target = environ.get("HTTP_X_AMZ_TARGET")
        if target and "." in target:
            prefix, operation = target.rsplit(".", 1)
            for service in candidates:
                model = self._model(service)
                if model is not None and model["metadata"].get("targetPrefix") == prefix:
                    return service, operation
            return candidates[0], operation
        action = (form.get("Action") or [None])[0]
        if action:
            return candidates[0], action
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "") or "/"
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        for service in candidates:
            operation = _match(self._rest_routes(service), method, path, query, environ)
            if operation is not None:
                return service, operation
        return candidates[0], None


def _signing_name(environ: dict[str, Any]) -> str | None:
    """The service of the SigV4 credential scope ``AKID/date/region/service/aws4_request``.

    SigV2 (``Authorization: AWS ...`` or a presigned ``?AWSAccessKeyId=``) is
    only S3's, so it means ``s3``.
    """
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if authorization.startswith("AWS ") or "AWSAccessKeyId" in query:
        return "s3"
    found = _CREDENTIAL_RE.search(authorization)
    scope = found.group(1) if found else (query.get("X-Amz-Credential") or [None])[0]
    if not scope:
        return None
    parts = scope.split("/")
    return parts[3].lower() if len(parts) == 5 else None


def _route(operation: str, op: dict[str, Any], shapes: dict[str, Any]) -> _Route:
    """A route from an operation's ``http`` trait and the required members of its input.

    Required ``querystring`` members (S3 ``UploadPart``: ``partNumber``,
    ``uploadId``) and ``header`` members (S3 ``CopyObject``:
    ``x-amz-copy-source``) must be present for the route to match; they make
    the route more specific than one without them.
    """
    http = op["http"]
    uri = http.get("requestUri", "/")
    path_part, _, query_part = uri.partition("?")
    pattern = ""
    literal = 0
    for piece in re.split(r"(\{[^}]+\})", path_part):
        if piece.startswith("{"):
            pattern += "(.+)" if piece.endswith("+}") else "([^/]+)"
        else:
            pattern += re.escape(piece)
            literal += len(piece)
    query: list[tuple[str, str | None]] = []
    for item in filter(None, query_part.split("&")):
        key, eq, value = item.partition("=")
        query.append((key, value if eq else None))
    headers: list[str] = []
    input_shape = shapes.get(op.get("input", {}).get("shape", ""), {})
    for member_name in input_shape.get("required", []):
        member = input_shape["members"][member_name]
        location = member.get("location")
        if location == "querystring":
            query.append((member.get("locationName", member_name), None))
        elif location == "header":
            headers.append(member.get("locationName", member_name))
    return _Route(
        operation=operation,
        method=http.get("method", "POST"),
        path=re.compile(pattern.rstrip("/") + "/?\\Z" if pattern != "/" else "/\\Z"),
        query=tuple(query),
        headers=tuple(headers),
        specificity=(len(query) + len(headers), literal),
    )


def _match(
    routes: Iterable[_Route],
    method: str,
    path: str,
    query: dict[str, list[str]],
    environ: dict[str, Any],
) -> str | None:
    best: _Route | None = None
    for route in routes:
        if route.method != method or not route.path.match(path):
            continue
        if any(
            key not in query or (value is not None and value not in query[key])
            for key, value in route.query
        ):
            continue
        if any(_header_key(name) not in environ for name in route.headers):
            continue
        if best is None or route.specificity > best.specificity:
            best = route
    return best.operation if best else None


_classifier_instance: _Classifier | None = None
_classifier_lock = threading.Lock()


def _classifier() -> _Classifier:
    """One classifier per process (its route tables are built once per service)."""
    global _classifier_instance
    with _classifier_lock:
        if _classifier_instance is None:
            _classifier_instance = _Classifier(botocore.loaders.create_loader())
        return _classifier_instance


def _header_key(name: str) -> str:
    """WSGI environ key of an HTTP header (``x-amz-copy-source`` -> ``HTTP_X_AMZ_COPY_SOURCE``)."""
    key = name.upper().replace("-", "_")
    return key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key


def _read_form(environ: dict[str, Any]) -> dict[str, list[str]]:
    """Parse a form-encoded body (query protocols), leaving ``wsgi.input`` readable again."""
    form = parse_qs(environ.get("QUERY_STRING", ""))
    if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return form
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return form
    if length <= 0:
        return form
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    form.update(parse_qs(body.decode("utf-8", "replace")))
    return form


# --------------------------------------------------------------------------- middleware


class RecordingMiddleware:
    """WSGI middleware that records every AWS request into a :class:`RequestLog`.

    Requests to ``/moto-api/...`` (moto's control API: reset, seeding
    results) are passed through without being recorded.

    Parameters
    ----------
    app : WSGI application
        moto's ``DomainDispatcherApplication``.
    log : RequestLog
        Where requests are appended, when the response status is known.
    """

    def __init__(self, app: Callable[..., Any], log: RequestLog) -> None:
        self.app = app
        self.log = log

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "") or "/"
        if path.startswith("/moto-api"):
            return self.app(environ, start_response)
        try:
            service, operation = _classifier().classify(environ, _read_form(environ))
        except Exception:  # never let bookkeeping break a request
            service, operation = None, None
        recorded = False

        def record(status: int) -> None:
            nonlocal recorded
            if not recorded:
                recorded = True
                # Path only: a query string may carry a presigned URL's signature.
                logger.debug("local server: %s %s %s %s", environ.get("REQUEST_METHOD", "GET"), path,
                             operation or "-", status)
                self.log.append(
                    RecordedRequest(
                        service=service,
                        operation=operation,
                        method=environ.get("REQUEST_METHOD", "GET"),
                        path=path,
                        status=status,
                    )
                )

        def recording_start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            record(int(status.split(" ", 1)[0]))
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, recording_start_response)
        except BaseException:
            record(500)
            raise
