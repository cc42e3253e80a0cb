"""What a finding tells the user to do: the fix of a field that breaks a rule, and of a resource not checked.

A ``FAIL`` (:func:`_fix`) names the ``Update<Resource>`` operation when the
rule says the field can be changed and botocore's model has an Update
operation that carries it; else it says ``recreate``. An ``UNKNOWN`` keeps why
the call failed (:func:`_error_reason`: the error code and message, one
line) and its fix follows the kind of failure (:func:`_unknown_fix`: a
connection failure, a server error, a region not enabled, throttling, or a
missing permission); :func:`connection_failure` tells the CLI which endpoint
could not be reached.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from .._loopback import is_loopback_url
from ..errors import MISSING, Violation, aws_error
from ..resources import RESOURCES
from ..paths import parse_path
from .fields import _field_for
from .service_model import _service_model, _shape_has

if TYPE_CHECKING:  # pragma: no cover
    from .findings import Finding

__all__ = ["connection_failure"]

def _update_operation(kind: str) -> str | None:
    create = RESOURCES[kind].create_operation
    op = "Update" + create[len("Create"):]
    return op if op in _service_model().operation_names else None


def _updatable_through(op: str, request_path: str) -> bool:
    """Whether ``op``'s input shape carries ``request_path`` (``[]`` steps into list members)."""
    return _shape_has(_service_model().operation_model(op).input_shape, request_path)


def _fix(kind: str, v: Violation) -> tuple[str, Literal["update", "recreate"]]:
    info = _field_for(kind, v)
    noun = kind.replace("-", " ")
    # the guard's own hint adds something only for a value that is present and wrong
    # (an ID outside the profile, a duplicate); for an absent field the sentence below says it all
    detail = "" if v.found is MISSING else v.fix.rstrip(".")
    if detail.lower().startswith(("recreate", "set ")):
        detail = ""
    op = _update_operation(kind)
    # a field of the rule: updatable when the rule says so and the Update operation carries it; a path
    # the rule does not list (a pipeline step inside PipelineDefinition): when the Update operation
    # carries its top-level member
    if info is not None:
        updatable = info.rule.updatable and op is not None and _updatable_through(op, info.request_path)
    else:
        top = next(iter(parse_path(v.path)), "")
        updatable = op is not None and _updatable_through(op, top)
    if updatable:
        text = f"Call {op} to correct {v.path}"
        return (f"{text}: {detail}" if detail else text), "update"
    field_name = info.request_path if info is not None else v.path
    why = ("it cannot be changed after creation" if info is not None and not info.rule.updatable
           else f"no Update operation of the {noun} carries {field_name}")
    if info is not None and info.rule.reason is not None:   # a field refused whenever present
        return f"Recreate the {noun} without {field_name} ({why}): {info.rule.reason}", "recreate"
    text = f"Recreate the {noun} with a compliant {field_name} ({why})"
    return (f"{text}; {detail}" if detail else text), "recreate"


_REASON_MAX_CHARS = 300


def _error_reason(exc: Exception) -> str:
    """One line saying why a call failed: the error code and message, whitespace folded, at most 300
    characters (an endpoint that does not implement an operation may answer a whole HTML page)."""
    text = "{}: {}".format(*aws_error(exc)).rstrip(": ")
    text = " ".join(text.split())
    return text if len(text) <= _REASON_MAX_CHARS else text[:_REASON_MAX_CHARS - 1] + "…"


_SERVER_FAILURE = re.compile(r"^(5\d\d|InternalFailure|InternalServerError|ServiceUnavailable)\b")
# an opt-in region not enabled for the account answers as if the credentials were unknown there
_REGION_NOT_ENABLED = re.compile(r"^(UnrecognizedClientException|InvalidClientTokenId|AuthFailure|OptInRequired)\b")
_THROTTLED = re.compile(r"^(Throttling\w*|TooManyRequests\w*|RequestLimitExceeded|SlowDown)\b")
# botocore's connection failures: nothing answered (refused, unroutable, DNS, connect timeout, proxy).
_CONNECTION_FAILURE = re.compile(r"^(EndpointConnectionError|ConnectTimeoutError|ProxyConnectionError)\b")
_FAILED_URL = re.compile(r'URL: "([^"]+)"')
_LOCAL_SERVE_HINT = "start `safemaker local serve` on that port"


def connection_failure(finding: "Finding") -> str | None:
    """The endpoint URL of an UNKNOWN caused by a connection failure, else ``None``.

    Parameters
    ----------
    finding : Finding
        A finding of :func:`run`.

    Returns
    -------
    str or None
        The URL botocore could not connect to (``"http://127.0.0.1:9/"``), or
        ``"the endpoint"`` when the reason does not name it, for an UNKNOWN whose
        ``found`` starts with ``EndpointConnectionError``, ``ConnectTimeoutError``
        or ``ProxyConnectionError``; ``None`` for anything else.
    """
    reason = finding.found if isinstance(finding.found, str) else ""
    if finding.status != "UNKNOWN" or not _CONNECTION_FAILURE.match(reason):
        return None
    match = _FAILED_URL.search(reason)
    return match.group(1) if match else "the endpoint"


def _connection_fix(operation: str, url: str) -> str:
    local = f"; nothing answers on this loopback address: {_LOCAL_SERVE_HINT}" if is_loopback_url(url) else ""
    return (f"the endpoint {url} could not be reached for {operation} (a connection failure, not a permission "
            f"problem): check the network route and the endpoint URL (--endpoint-url, AWS_ENDPOINT_URL*){local}; "
            "then audit again")


def _unknown_fix(operation: str, what: str | None, reason: str = "") -> str:
    """What to do about an UNKNOWN, by the kind of failure (``reason`` starts with the error code)."""
    if operation == "check_resource":
        text = "the rule table could not read this description; report it to the safemaker maintainers"
    elif _CONNECTION_FAILURE.match(reason):
        match = _FAILED_URL.search(reason)
        text = _connection_fix(operation, match.group(1) if match else "the endpoint")
    elif _SERVER_FAILURE.match(reason):
        text = (f"the service failed to answer {operation} (a server error, not a permission problem): audit "
                "again later; a local emulator such as moto answers HTTP 500 for a call it does not implement")
    elif _REGION_NOT_ENABLED.match(reason):
        text = (f"the credentials were not accepted for {operation} in this region: it may be an opt-in region "
                "not enabled for this account (enable it in the account's settings, or leave it out of --region), "
                "or the credentials are not valid there")
    elif _THROTTLED.match(reason):
        text = (f"{operation} stayed throttled after adaptive retries: audit again later, or with fewer "
                "workers (max_workers; CLI: --max-workers)")
    else:
        text = (f"grant sagemaker:{operation} to the auditing role (or retry if it was throttled) "
                "and audit again")
    return (f"{what}; " if what else "") + text + ": it is not assumed compliant"
