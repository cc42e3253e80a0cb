"""``import safemaker.auto``: turn the process guard on from the environment.

Importing this module calls :func:`activate`: the profile comes from
``SAFEMAKER_PROFILE`` (a file or ``ssm:<name>``; without it, from the
``SAFEMAKER_*`` field variables) and the mode from ``SAFEMAKER_GUARD_MODE``
(``enforce``, the default, or ``warn``); with ``SAFEMAKER_DEBUG`` set,
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
from .process import MODE_ENV_VAR, install_process

__all__ = ["activate", "MODE_ENV_VAR", "guard"]

def activate() -> Guard:
    """Turn the process guard on with the profile and mode of the environment.

    Returns
    -------
    Guard
        The process guard (:func:`safemaker.process_guard`).

    Raises
    ------
    safemaker.errors.ProfileError
        The profile cannot be loaded, or ``SAFEMAKER_GUARD_MODE`` is neither
        ``enforce`` nor ``warn``.
    """
    mode = os.environ.get(MODE_ENV_VAR, "enforce").strip().lower() or "enforce"
    if mode not in ("enforce", "warn"):
        raise ProfileError(f"environment ({MODE_ENV_VAR})", [ProfileFieldError(
            MODE_ENV_VAR, os.environ.get(MODE_ENV_VAR), "'enforce' or 'warn' (unset means enforce)")])
    return install_process(None, mode)  # type: ignore[arg-type]


debug_from_environment()  # SAFEMAKER_DEBUG: this import is a program's (or safemaker run's) explicit start
guard: Guard = activate()
"""The process guard this import turned on."""
