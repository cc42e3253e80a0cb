"""The IPython extension: ``%load_ext safemaker`` guards the kernel, and shows a refusal as one message.

``%load_ext safemaker`` (:func:`load_ipython_extension`):

- turns the process guard on (:func:`safemaker.install_process`) with the
  profile of ``SAFEMAKER_PROFILE`` (or the ``SAFEMAKER_*`` fields) and the mode
  of ``SAFEMAKER_GUARD_MODE``, so every SageMaker request the kernel sends is
  decided (SDK v2, v3, sagemaker-core, raw boto3); without a profile in the
  environment it says how to give one;
- adds the line magic ``%safemaker``: ``%safemaker PROFILE [--warn]`` loads a
  profile and turns the guard on with it; ``%safemaker`` alone shows the guard
  and its last decisions; ``%safemaker off`` turns it off;
- shows a :class:`~safemaker.errors.GuardrailViolation` as one message (the
  operation, then each field, the value found, the value required and the fix)
  instead of a traceback, through IPython's custom exception handler. The
  message is sent as the cell's error output with IPython's own display
  method, so a traceback hook installed over IPython's (``rich.traceback.install``,
  which sagemaker-core calls) does not turn it back into a long traceback.

Profiles, guards and decisions have a ``_repr_markdown_`` (tables), built by
the functions here. ``%unload_ext safemaker`` (:func:`unload_ipython_extension`)
turns the guard off if the extension turned it on and removes the handler.
"""

from __future__ import annotations

import os
import shlex
from typing import TYPE_CHECKING, Any, Iterable

from .errors import MISSING, GuardrailViolation, ProfileError, SafemakerError

if TYPE_CHECKING:  # pragma: no cover
    from .hooks import DecisionRecord, Guard
    from .profile import VpcProfile

__all__ = ["load_ipython_extension", "unload_ipython_extension", "refusal_text", "profile_markdown",
           "guard_markdown", "decisions_markdown"]

_STATE: dict[str, Any] = {}


# --------------------------------------------------------------------------- rendering


def _cell(value: Any) -> str:
    if value is MISSING:
        return "*absent*"
    text = ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
    return "`" + text.replace("|", "\\|").replace("`", "'") + "`"


def _table(headers: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    headers = list(headers)
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(rows_cell for rows_cell in row) + " |" for row in rows]
    return "\n".join(lines)


def refusal_text(exc: GuardrailViolation) -> str:
    """The one message a refusal is shown as: operation, then per violation field, found, required, fix.

    Parameters
    ----------
    exc : GuardrailViolation

    Returns
    -------
    str
        Plain text, one line per violation, e.g.
        ``"CreateTrainingJob refused by safemaker (nothing was sent):\\n  EnableNetworkIsolation: found False;
        required True. Fix: ..."``.
    """
    lines = [f"{exc.operation} refused by safemaker (nothing was sent):"]
    for v in exc.violations:
        required = v.required_text if v.required_text is not None else repr(v.required)
        found = "absent" if v.found is MISSING else repr(v.found)
        lines.append(f"  {v.path}: found {found}; required {required}. Fix: {v.fix.rstrip('.')}. [{v.rule_id}]")
    return "\n".join(lines)


def profile_markdown(profile: "VpcProfile") -> str:
    """A profile as a Markdown table of the fields it sets (what ``_repr_markdown_`` shows).

    Parameters
    ----------
    profile : VpcProfile

    Returns
    -------
    str
    """
    data = profile.model_dump(mode="json", exclude_none=True)
    source = getattr(profile, "source", None)
    title = "**safemaker VPC profile**" + (f" from `{source}`" if source else "")
    rows = [(f"`{k}`", _cell(v)) for k, v in data.items() if k != "source" and v not in ([], {}, "")]
    return title + "\n\n" + _table(("field", "value"), rows)


def decisions_markdown(decisions: Iterable["DecisionRecord"]) -> str:
    """Decisions as a Markdown table: time, operation, outcome, injected fields, violations.

    Parameters
    ----------
    decisions : iterable of DecisionRecord

    Returns
    -------
    str
    """
    rows = []
    for d in decisions:
        problems = "<br>".join(v.message().replace("|", "\\|") for v in d.violations)
        rows.append((d.time, f"`{d.operation}`", f"**{d.outcome}**", _cell(list(d.injected)) if d.injected else "",
                     problems))
    return _table(("time (UTC)", "operation", "outcome", "injected", "violations"), rows)


def guard_markdown(g: "Guard", last: int = 10) -> str:
    """A guard: its mode, its profile's network and its last ``last`` decisions, in Markdown.

    Parameters
    ----------
    g : Guard
    last : int, default 10

    Returns
    -------
    str
    """
    from .process import process_guard

    where = "process guard (every SageMaker client of this process)" if process_guard() is g else "guard"
    decisions = list(g.decisions)[-last:]
    out = [f"**safemaker {where}**, mode `{g.mode}`, {len(g.decisions)} decision(s) kept", "",
           profile_markdown(g.profile)]
    if decisions:
        out += ["", f"Last {len(decisions)} decision(s):", "", decisions_markdown(decisions)]
    return "\n".join(out)


# --------------------------------------------------------------------------- extension


def _show_refusal(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None) -> list[str]:
    """IPython custom exception handler: the refusal as the cell's error, one message, no traceback."""
    text = refusal_text(value)  # type: ignore[arg-type]
    # The class's method: an instance attribute put over it (rich.traceback.install) is skipped.
    type(shell)._showtraceback(shell, etype, value, [text])
    return []


def _turn_on(profile: Any, mode: str) -> "Guard":
    from .process import install_process

    g = install_process(profile, mode)  # type: ignore[arg-type]
    _STATE["guard"] = g
    return g


def _display(shell: Any, g: "Guard") -> None:
    """Show the guard: Markdown where the front end renders it (Jupyter), its text in a terminal.

    Sent as one display bundle with ``text/markdown`` and ``text/plain``: each front end picks the
    richest type it renders (a terminal IPython has only ``text/plain``; a ``Markdown`` object alone
    is shown there as its ``repr``, ``<IPython.core.display.Markdown object>``).
    """
    text = guard_markdown(g)
    try:
        from IPython.display import display
    except ImportError:  # pragma: no cover - always there inside IPython
        print(text)
        return
    display({"text/markdown": text, "text/plain": text}, raw=True)


USAGE = "%safemaker [PROFILE] [--warn | --enforce] | %safemaker off"
"""The magic's usage line (shown with every usage error)."""


def safemaker_magic(line: str) -> None:
    """``%safemaker [PROFILE] [--warn] | off``: load a profile and guard the kernel with it, or show the guard."""
    from .process import MODE_ENV_VAR, process_guard, uninstall_process

    shell = _STATE.get("shell")
    try:
        args = shlex.split(line)
    except ValueError as exc:  # an unclosed quote
        print(f"safemaker: usage error: {exc} in {line!r}. Usage: {USAGE}")
        return
    unknown = [a for a in args if a.startswith("-") and a not in ("--warn", "--enforce")]
    if unknown:
        print(f"safemaker: usage error: unknown option {unknown[0]}; the options are --warn and --enforce. "
              f"Usage: {USAGE} (nothing changed)")
        return
    if "--warn" in args and "--enforce" in args:
        print(f"safemaker: usage error: give one of --warn and --enforce. Usage: {USAGE} (nothing changed)")
        return
    mode = "warn" if "--warn" in args else ("enforce" if "--enforce" in args else None)
    rest = [a for a in args if a not in ("--warn", "--enforce")]
    if rest == ["off"]:
        was = uninstall_process()
        _STATE.pop("guard", None)
        print("safemaker: process guard off" if was else "safemaker: the process guard was not on")
        return
    if len(rest) > 1:
        print(f"safemaker: usage error: expected one profile (a file or ssm:<name>), found {len(rest)} "
              f"arguments: {rest}. Usage: {USAGE}")
        return
    try:
        if rest:
            g = _turn_on(rest[0], mode or os.environ.get(MODE_ENV_VAR, "enforce"))
        else:
            g = process_guard()
            if g is None:
                print("safemaker: the process guard is off. Give a profile: %safemaker profile.toml "
                      "(or set SAFEMAKER_PROFILE and %reload_ext safemaker)")
                return
            if mode is not None and mode != g.mode:
                g = _turn_on(g.profile, mode)
    except (ProfileError, SafemakerError, ValueError) as exc:
        print(f"safemaker: the guard was not turned on: {exc}")
        return
    _display(shell, g)


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext safemaker``: guard every SageMaker request of the kernel; one-message refusals.

    Parameters
    ----------
    ipython : IPython.core.interactiveshell.InteractiveShell

    Notes
    -----
    The profile comes from ``SAFEMAKER_PROFILE`` (or the ``SAFEMAKER_*``
    fields), the mode from ``SAFEMAKER_GUARD_MODE``. Without either the guard
    stays off and one line says to run ``%safemaker PROFILE``. A profile that
    cannot be loaded is reported as one message (its fields and fixes); the
    guard stays off.
    """
    from .process import MODE_ENV_VAR, process_guard

    _STATE["shell"] = ipython
    _STATE["previous_exc"] = (ipython.custom_exceptions, getattr(ipython, "CustomTB", None))
    ipython.set_custom_exc((GuardrailViolation,), _show_refusal)
    ipython.register_magic_function(safemaker_magic, "line", "safemaker")
    if process_guard() is not None:
        _display(ipython, process_guard())
        return
    from .profile import DEV_ENV_PREFIX, OTHER_ENV_VARS, PROFILE_ENV_VAR

    env_fields = PROFILE_ENV_VAR in os.environ or any(
        k.startswith("SAFEMAKER_") and k not in OTHER_ENV_VARS and not k.startswith(DEV_ENV_PREFIX)
        for k in os.environ)
    if not env_fields:
        print("safemaker: no profile in the environment (SAFEMAKER_PROFILE); the guard is off. "
              "Turn it on with: %safemaker profile.toml")
        return
    try:
        g = _turn_on(None, os.environ.get(MODE_ENV_VAR, "enforce").strip().lower() or "enforce")
    except (SafemakerError, ValueError) as exc:
        print(f"safemaker: the guard was not turned on: {exc}")
        return
    _display(ipython, g)


def unload_ipython_extension(ipython: Any) -> None:
    """``%unload_ext safemaker``: the process guard off (if this extension turned it on), handler removed.

    Parameters
    ----------
    ipython : IPython.core.interactiveshell.InteractiveShell
    """
    from .process import process_guard, uninstall_process

    g = _STATE.pop("guard", None)
    if g is not None and process_guard() is g:
        uninstall_process()
    previous = _STATE.pop("previous_exc", None)
    if previous is not None and previous[0]:
        ipython.CustomTB, ipython.custom_exceptions = previous[1], previous[0]
    else:
        ipython.set_custom_exc((), None)
    _STATE.pop("shell", None)
