"""Exceptions of :mod:`safemaker.rehearsal` (defined in :mod:`safemaker.errors`, re-exported here)."""

from __future__ import annotations

from ..errors import RehearsalError, RehearsalFailed, RehearsalInputError, SandboxUnavailable

__all__ = ["RehearsalError", "SandboxUnavailable", "RehearsalInputError", "RehearsalFailed"]
