"""Errors of the SDK adapters that are not guardrail violations (defined in :mod:`safemaker.errors`)."""

from __future__ import annotations

from safemaker.errors import ClosedSessionError

__all__ = ["ClosedSessionError"]

