"""A gap of moto that SDK v3 trips over on the embedded local backend, filled while a v3 run needs it.

moto 5.2.5 answers ``DescribeEndpoint`` and ``DescribeEndpointConfig`` with
``DataCaptureConfig: {}`` for an endpoint (config) created without data
capture; AWS omits the member. SDK v2 ignores it; sagemaker-core (SDK v3)
validates every response into pydantic models and rejects ``{}`` (the
members of ``DataCaptureConfigSummary`` are required), so ``Endpoint.get``
and everything that deploys fail on moto only.

:func:`omit_empty_data_capture` fills that gap the way
:mod:`safemaker.local.fixes` fills the others (a replacement of one request
handler of moto's ``SageMakerResponse``, removed afterwards, restoring moto's
own exactly). It is meant to move into :data:`safemaker.local.FIXES`; until
then the SDK v3 demo installs it for its local runs. It changes nothing that
safemaker computes.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from safemaker.local.fixes import Fix

__all__ = ["FIX_DATA_CAPTURE_CONFIG", "omit_empty_data_capture"]

FIX_DATA_CAPTURE_CONFIG = Fix(
    name="DescribeEndpoint-DataCaptureConfig",
    moto="DescribeEndpoint and DescribeEndpointConfig answer DataCaptureConfig {} for an endpoint (config) "
         "created without data capture",
    aws="DescribeEndpoint and DescribeEndpointConfig omit DataCaptureConfig when no data capture was configured",
)

_HANDLERS = ("describe_endpoint", "describe_endpoint_config")
_lock = threading.Lock()
_depth = 0
_saved: dict[str, Any] = {}


def _without_empty_data_capture(original: Any) -> Any:
    from moto.core.responses import ActionResult

    def handler(self: Any) -> Any:
        result = original(self)
        body = getattr(result, "result", None)
        if isinstance(body, dict) and body.get("DataCaptureConfig") == {}:
            return ActionResult({k: v for k, v in body.items() if k != "DataCaptureConfig"})
        return result

    handler._safemaker_fix = FIX_DATA_CAPTURE_CONFIG.name  # type: ignore[attr-defined]
    return handler


@contextlib.contextmanager
def omit_empty_data_capture() -> Iterator[None]:
    """Within the block, moto's ``DescribeEndpoint(Config)`` omit an empty ``DataCaptureConfig``.

    Re-entrant; moto's own handlers are restored when the outermost block
    ends, even after an exception.

    Raises
    ------
    ImportError
        moto is not installed (the ``local`` extra).
    """
    global _depth
    from moto.sagemaker.responses import SageMakerResponse

    with _lock:
        if _depth == 0:
            for name in _HANDLERS:
                _saved[name] = SageMakerResponse.__dict__[name]
                setattr(SageMakerResponse, name, _without_empty_data_capture(_saved[name]))
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                for name in _HANDLERS:
                    setattr(SageMakerResponse, name, _saved.pop(name))
