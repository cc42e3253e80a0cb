"""The bootstrap that turns the process guard on in a child Python before the child's code runs.

One mechanism for every guarded parent: ``safemaker run`` and the process guard
itself (:func:`safemaker.install_process`, a ``ClosedNetworkSession``,
``import safemaker.auto``, ``%load_ext safemaker``) put the same variables in
the environment a child Python inherits (:func:`bootstrap_environment`):

- ``PYTHONPATH`` with :data:`BOOTSTRAP_DIR` first: its ``sitecustomize.py``
  imports :mod:`safemaker.auto` when the child starts;
- ``SAFEMAKER_GUARD_PROFILE``: the profile of the parent's guard as JSON
  (:meth:`safemaker.profile.VpcProfile.to_dict`), so that a profile built in
  code, read from SSM or overridden by ``SAFEMAKER_<FIELD>`` variables reaches
  the child exactly (no override applies to it again); absent when the parent's
  profile came from the environment (``SAFEMAKER_PROFILE``, ``safemaker run
  --not-exclusive``) and its guard is not exclusive: the child reads the same
  variables;
- ``SAFEMAKER_GUARD_MODE`` and ``SAFEMAKER_GUARD_EXCLUSIVE``: the guard's mode and
  exclusivity. An exclusive guard (``safemaker run``'s default) always passes its
  profile in ``SAFEMAKER_GUARD_PROFILE``, and a child that finds
  ``SAFEMAKER_GUARD_EXCLUSIVE=1`` with ``SAFEMAKER_GUARD_MODE=warn`` stops with
  exit status 2 (the bootstrap never writes that pair): a program cannot relax
  its children by setting ``SAFEMAKER_GUARD_MODE`` or ``SAFEMAKER_PROFILE`` for
  them. It can by rewriting all the variables, or by starting a Python with an
  environment of its own; an in-process guard does not stop code written to
  defeat it (IAM is that boundary);
- ``SAFEMAKER_RUN_PYTHON``: the parent's Python (it has safemaker), named by a
  child Python that cannot import safemaker. Its presence is also what
  ``safemaker.pth`` looks for: installing safemaker puts that file at the root
  of ``site-packages`` (pyproject's ``force-include``, wheel and editable
  installs), and ``site`` runs it at start-up, before any ``sitecustomize``;
  with the variable set it turns the guard on as the bootstrap folder's
  ``sitecustomize`` does (which then does nothing more), otherwise it imports
  nothing. So a child Python of an environment that has safemaker is guarded
  even when another ``sitecustomize`` comes first on its ``PYTHONPATH``
  (``opentelemetry-instrument``, ``PYTHONPATH=dir:$PYTHONPATH``) or it runs
  with ``-I`` or ``-E``.

So every child Python started after the guard was turned on comes up guarded:
``multiprocessing`` children started with ``spawn`` or ``forkserver``
(``concurrent.futures.ProcessPoolExecutor``, joblib's loky workers),
``subprocess.run([sys.executable, ...])``. A child Python that cannot import
safemaker (another virtual environment, ``multiprocessing.set_executable``) or
whose profile cannot be loaded stops with exit status 2 before its code runs:
it never runs unguarded. Not covered: a child Python of another environment
(no ``safemaker.pth``) whose ``PYTHONPATH`` puts another ``sitecustomize``
first, one run with ``-S`` (no ``site``), one started with an environment
without these variables. ``fork`` children share the parent's memory, and so
its guard, without any of this.

:func:`export_guard_environment` sets the variables in ``os.environ`` when the
process guard is turned on; :func:`restore_environment` puts back what was
there when it is turned off.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from .process import EXCLUSIVE_ENV_VAR, MODE_ENV_VAR

if TYPE_CHECKING:  # pragma: no cover
    from .profile import VpcProfile

__all__ = ["BOOTSTRAP_DIR", "GUARD_PROFILE_ENV_VAR", "RUN_PYTHON_ENV_VAR", "bootstrap_environment",
           "export_guard_environment", "restore_environment", "guard_profile_from_environment"]

BOOTSTRAP_DIR = Path(__file__).resolve().parent / "_run"
"""The folder put first on ``PYTHONPATH``: its ``sitecustomize.py`` imports :mod:`safemaker.auto`
(``safemaker.pth``, installed at the root of ``site-packages``, is its source too)."""

GUARD_PROFILE_ENV_VAR = "SAFEMAKER_GUARD_PROFILE"
"""Environment variable: the profile of a parent's process guard as JSON, for its child Pythons."""

RUN_PYTHON_ENV_VAR = "SAFEMAKER_RUN_PYTHON"
"""The Python of the guarded parent (it has safemaker), named in a child's error."""


_SAVED_LOCK = threading.Lock()
_SAVED: "dict[str, tuple[str | None, str | None]]" = {}
"""Variable -> (value before the first export, value exported last), while exported."""


def bootstrap_environment(environ: Mapping[str, str], mode: str, *, exclusive: bool,
                          profile: "VpcProfile | None" = None) -> dict[str, str | None]:
    """The variables that guard a child Python started with ``environ`` plus these.

    Parameters
    ----------
    environ : Mapping[str, str]
        The environment the child would get otherwise (its ``PYTHONPATH`` is kept, after the bootstrap).
    mode : {"enforce", "warn"}
    exclusive : bool
        ``SAFEMAKER_GUARD_EXCLUSIVE`` ``1``, or ``0``; always ``0`` in ``warn`` mode (an exclusive
        guard enforces: :func:`safemaker.process.install_process`), so that a child finding ``1``
        with ``warn`` knows the mode was relaxed after the parent set it, and refuses to start
        (:func:`safemaker.auto.activate`).
    profile : VpcProfile, optional
        Passed on as ``SAFEMAKER_GUARD_PROFILE`` (JSON); an exclusive guard always passes its profile.
        ``None``: the child reads its profile from the environment (``SAFEMAKER_PROFILE`` or the
        ``SAFEMAKER_<FIELD>`` variables), so an inherited ``SAFEMAKER_GUARD_PROFILE`` is removed.

    Returns
    -------
    dict[str, str or None]
        Variable -> value; ``None`` means the variable is removed.
    """
    rest = [p for p in environ.get("PYTHONPATH", "").split(os.pathsep) if p and Path(p).resolve() != BOOTSTRAP_DIR]
    return {
        "PYTHONPATH": os.pathsep.join([str(BOOTSTRAP_DIR), *rest]),
        GUARD_PROFILE_ENV_VAR: None if profile is None else json.dumps(profile.to_dict(), sort_keys=True),
        MODE_ENV_VAR: mode,
        EXCLUSIVE_ENV_VAR: "1" if exclusive and mode == "enforce" else "0",
        RUN_PYTHON_ENV_VAR: sys.executable,
    }


def export_guard_environment(mode: str, *, exclusive: bool, profile: "VpcProfile | None") -> None:
    """Set :func:`bootstrap_environment` in ``os.environ``: every child Python started from now on is guarded.

    The values found before the first export are kept for :func:`restore_environment`.
    A ``forkserver`` that ``multiprocessing`` started before with another environment
    is left to its children and a new one is started for the next child (its
    children are forked from it, so they have the environment it started with).
    """
    with _SAVED_LOCK:
        for name, value in bootstrap_environment(os.environ, mode, exclusive=exclusive, profile=profile).items():
            if name not in _SAVED:
                _SAVED[name] = (os.environ.get(name), value)
            else:
                _SAVED[name] = (_SAVED[name][0], value)
            _set(name, value)
        _renew_forkserver()


def restore_environment() -> None:
    """Put back the variables :func:`export_guard_environment` changed (one changed since by someone else stays).

    ``PYTHONPATH`` loses the bootstrap folder in any case (what else it holds now stays).
    """
    with _SAVED_LOCK:
        if not _SAVED:
            return
        for name, (before, exported) in _SAVED.items():
            if name == "PYTHONPATH":
                now = os.environ.get(name)
                if now == exported:
                    _set(name, before)
                elif now is not None:
                    rest = [p for p in now.split(os.pathsep) if p and Path(p).resolve() != BOOTSTRAP_DIR]
                    _set(name, os.pathsep.join(rest) if rest else None)
            elif os.environ.get(name) == exported:
                _set(name, before)
        _SAVED.clear()
        _renew_forkserver()


def guard_profile_from_environment() -> "VpcProfile | None":
    """The profile a guarded parent passed on in ``SAFEMAKER_GUARD_PROFILE``, or ``None`` when it is unset.

    Raises
    ------
    safemaker.errors.ProfileError
        The variable is not a JSON object of valid profile fields.
    """
    from .errors import ProfileError, ProfileFieldError
    from .profile import VpcProfile

    text = os.environ.get(GUARD_PROFILE_ENV_VAR)
    if not text:
        return None
    source = f"environment ({GUARD_PROFILE_ENV_VAR})"
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ProfileError(source, [ProfileFieldError(
            GUARD_PROFILE_ENV_VAR, f"text that is not JSON ({exc})",
            "the JSON object a guarded parent process sets; unset the variable")]) from None
    return VpcProfile.from_mapping(data, source, env=False)


def _set(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def _renew_forkserver() -> None:
    """Make ``multiprocessing``'s next forkserver child come from a server started with this environment.

    The running server (if any) keeps serving the children it forked (their exit codes come
    through it); it ends when this process does.
    """
    module = sys.modules.get("multiprocessing.forkserver")
    server = getattr(module, "_forkserver", None)
    if server is None or getattr(server, "_forkserver_pid", None) is None or os.getpid() == server._forkserver_pid:
        return
    with server._lock:
        server._forkserver_address = None
        server._forkserver_alive_fd = None  # not closed: the old server lives on for its children
        server._forkserver_pid = None
