"""A call to the local backend of an operation moto may lack: refused by the guard, or sent."""

from __future__ import annotations

from typing import Any, Callable

from safemaker.errors import GuardrailViolation


def send(call: Callable[..., Any], **kwargs: Any) -> None:
    """Call an operation moto lacks: a GuardrailViolation propagates, moto's error answer does not."""
    try:
        call(**kwargs)
    except GuardrailViolation:
        raise
    except Exception:  # noqa: BLE001 - moto answers an operation it lacks with an error: it was sent
        pass
