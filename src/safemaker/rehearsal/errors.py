"""Exceptions of :mod:`safemaker.rehearsal` (under :class:`safemaker.errors.SafemakerError`)."""

from __future__ import annotations

from typing import Any

from ..errors import SafemakerError

__all__ = ["RehearsalError", "SandboxUnavailable", "RehearsalInputError", "RehearsalFailed"]


class RehearsalError(SafemakerError):
    """Root of the rehearsal's errors."""

    fmt = "rehearsal: {reason}"


class SandboxUnavailable(RehearsalError):
    """No network namespace can be made here, so nothing was run.

    Attributes
    ----------
    reason : str
        Why (platform, missing ``unshare``, the kernel's refusal, a namespace
        that still had an interface other than loopback).
    fix : str
        What to do about it.
    """

    fmt = ("rehearsal cannot run here: {reason}. Nothing was run: a rehearsal only runs with no network "
           "(a Linux network namespace with loopback only). {fix}")


class RehearsalInputError(RehearsalError, ValueError):
    """Bad input (a field of the rehearsal's request); nothing was run, downloaded or uploaded.

    Attributes
    ----------
    field : str
        The parameter (``entry_point``, ``inputs['train']``...).
    value : object
        The value found.
    fix : str
        How to fix it.
    """

    fmt = "{field} is {value!r}; {fix}"


class RehearsalFailed(RehearsalError):
    """The job's code failed in the rehearsal (it would fail on SageMaker too).

    Attributes
    ----------
    what : str
        ``"training job <name>"`` or ``"inference"``.
    report : str
        The failure reason and every network attempt, as printed.
    result : object
        The :class:`~safemaker.rehearsal.TrainingRehearsal` (or inference result).
    """

    fmt = "{what} failed in the rehearsal (no network):\n{report}"

    def __init__(self, what: str, report: str, result: Any) -> None:
        super().__init__(what=what, report=report, result=result)
