"""``import safemaker.auto``: turn the process guard on from the environment.

Importing this module calls :func:`activate`: the profile comes from
``SAFEMAKER_GUARD_PROFILE`` (set by a guarded parent process for its child
Pythons: :mod:`safemaker.bootstrap`), else ``SAFEMAKER_PROFILE`` (a file or
``ssm:<name>``; without it, from the ``SAFEMAKER_*`` field variables) and the
mode from ``SAFEMAKER_GUARD_MODE`` (``enforce``, the default, or ``warn``); with ``SAFEMAKER_DEBUG`` set,
safemaker's debug output goes to stderr (:func:`safemaker.set_stream_logger`).
``safemaker run`` and the notebook lifecycle configuration use it; a program
can use it too::

    import safemaker.auto  # noqa: F401  (every SageMaker request of the process is guarded)

Importing it when the profile cannot be loaded raises
:class:`safemaker.errors.ProfileError`: a program that asked for the guard
does not run without it.
"""

from __future__ import annotations

import os

from .logs import debug_from_environment
from .errors import ProfileError, ProfileFieldError
from .hooks import Guard
from .process import EXCLUSIVE_ENV_VAR, MODE_ENV_VAR, install_process

__all__ = ["activate", "MODE_ENV_VAR", "guard"]

def activate() -> Guard:
    """Turn the process guard on with the profile and mode of the environment.

    ``SAFEMAKER_GUARD_EXCLUSIVE=1`` (set by ``safemaker run``) makes it exclusive
    (:func:`safemaker.process.install_process`); unset or ``0``: not exclusive.
    An exclusive guard cannot be relaxed from the environment either:
    ``SAFEMAKER_GUARD_MODE=warn`` with it is refused, and the profile a guarded parent
    put in ``SAFEMAKER_GUARD_PROFILE`` (an exclusive one always does) is used, whatever
    ``SAFEMAKER_PROFILE`` says.

    Returns
    -------
    Guard
        The process guard (:func:`safemaker.process_guard`).

    Raises
    ------
    safemaker.errors.ProfileError
        The profile cannot be loaded, ``SAFEMAKER_GUARD_MODE`` is neither
        ``enforce`` nor ``warn`` (or is ``warn`` with ``SAFEMAKER_GUARD_EXCLUSIVE=1``),
        or ``SAFEMAKER_GUARD_EXCLUSIVE`` is neither ``1`` nor ``0``.
    """
    mode = os.environ.get(MODE_ENV_VAR, "enforce").strip().lower() or "enforce"
    if mode not in ("enforce", "warn"):
        raise ProfileError(f"environment ({MODE_ENV_VAR})", [ProfileFieldError(
            MODE_ENV_VAR, os.environ.get(MODE_ENV_VAR), "'enforce' or 'warn' (unset means enforce)")])
    exclusive = os.environ.get(EXCLUSIVE_ENV_VAR, "0").strip() or "0"
    if exclusive not in ("0", "1"):
        raise ProfileError(f"environment ({EXCLUSIVE_ENV_VAR})", [ProfileFieldError(
            EXCLUSIVE_ENV_VAR, os.environ.get(EXCLUSIVE_ENV_VAR), "'1' or '0' (unset means 0)")])
    if exclusive == "1" and mode != "enforce":  # an exclusive guard is never relaxed, also not by a child's env
        raise ProfileError(f"environment ({MODE_ENV_VAR})", [ProfileFieldError(
            MODE_ENV_VAR, os.environ.get(MODE_ENV_VAR),
            f"'enforce' while {EXCLUSIVE_ENV_VAR}=1: an exclusive guard (safemaker run, "
            "install_process(exclusive=True)) cannot be relaxed to warn in a child; unset "
            f"{MODE_ENV_VAR}, or run the parent with 'safemaker run --mode warn' or --not-exclusive")])
    return install_process(None, mode, exclusive=exclusive == "1")  # type: ignore[arg-type]


debug_from_environment()  # SAFEMAKER_DEBUG: this import is a program's (or safemaker run's) explicit start
guard: Guard = activate()
"""The process guard this import turned on."""
