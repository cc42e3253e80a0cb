"""``safemaker run``: run a program with the process guard on, without changing its code."""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

import typer

from ..bootstrap import BOOTSTRAP_DIR, RUN_PYTHON_ENV_VAR, bootstrap_environment
from ._common import aws_profile_option, fail, handle_errors, profile_option

if TYPE_CHECKING:  # pragma: no cover - imported when the command runs (not for --help)
    from ..profile import VpcProfile

__all__ = ["BOOTSTRAP_DIR", "RUN_PYTHON_ENV_VAR", "run_environment", "bootstrap_dropping_option", "run", "register"]


def run_environment(profile: Optional[str], mode: str, environ: Optional[dict[str, str]] = None,
                    *, exclusive: bool = True, loaded: Optional[VpcProfile] = None) -> dict[str, str]:
    """The environment ``safemaker run`` gives the program (and so every Python process it starts).

    Parameters
    ----------
    profile : str or None
        The ``--vpc-profile`` value; ``None`` keeps ``SAFEMAKER_PROFILE`` (or the ``SAFEMAKER_*`` fields).
    mode : {"enforce", "warn"}
    environ : dict, optional
        The environment to start from (default: this process's).
    exclusive : bool, default True
        ``SAFEMAKER_GUARD_EXCLUSIVE``: ``1`` (no guard installed by the program can
        relax the process guard) or ``0`` (always ``0`` with ``mode="warn"``).
    loaded : VpcProfile, optional
        The profile, loaded. With an exclusive guard it is passed on as
        ``SAFEMAKER_GUARD_PROFILE``: the program and its children use it, not a
        ``SAFEMAKER_PROFILE`` or profile file changed after the start.

    Returns
    -------
    dict[str, str]
        ``SAFEMAKER_PROFILE`` as an absolute path (children may change directory) and the
        bootstrap of :func:`safemaker.bootstrap.bootstrap_environment`: ``PYTHONPATH`` with
        :data:`BOOTSTRAP_DIR` first, ``SAFEMAKER_GUARD_MODE``, ``SAFEMAKER_GUARD_EXCLUSIVE``,
        ``SAFEMAKER_RUN_PYTHON`` (this Python, which has safemaker), and
        ``SAFEMAKER_GUARD_PROFILE`` as above, else none (a guarded parent's profile does not
        replace this one).
    """
    from ..profile import PROFILE_ENV_VAR, SSM_PREFIX

    env = dict(os.environ if environ is None else environ)
    if profile is not None:
        env[PROFILE_ENV_VAR] = profile
    source = env.get(PROFILE_ENV_VAR)
    if source and not source.startswith(SSM_PREFIX):
        env[PROFILE_ENV_VAR] = str(Path(source).expanduser().resolve())
    pinned = loaded if exclusive and mode == "enforce" else None
    for name, value in bootstrap_environment(env, mode, exclusive=exclusive, profile=pinned).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


_PYTHON_NAME = re.compile(r"^python(\d+(\.\d+)*)?t?$")
_BOOTSTRAP_FLAGS = "IES"   # CPython: -I isolated, -E ignore PYTHON* variables, -S no site (no sitecustomize)
_FLAGS_WITH_VALUE = "WX"   # the rest of the argument (or the next one) is a value, not flags
_LONG_WITH_VALUE = ("--check-hash-based-pycs",)  # CPython's only long option that takes a value
_ENV_SHORT_WITH_VALUE = "uCSa"  # GNU env: -u NAME, -C DIR, -S STRING, -a ARG0
_ENV_LONG_WITH_VALUE = ("--unset", "--chdir", "--split-string", "--argv0")
_MAX_INTERPRETERS = 8      # shebang / env chains followed (Linux allows few nested interpreters too)


def _python_option(args: List[str]) -> Optional[str]:
    """The bootstrap-skipping option among CPython's interpreter options ``args`` (after the executable)."""
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("-", "--") or not arg.startswith("-"):
            return None  # the script (or stdin) starts; the rest are the program's arguments
        if arg.startswith("--"):
            name = arg.split("=", 1)[0]
            if name in _LONG_WITH_VALUE and "=" not in arg:
                i += 1
            i += 1
            continue
        for j, letter in enumerate(arg[1:], start=1):
            if letter in _BOOTSTRAP_FLAGS:
                return arg
            if letter in "cm":
                return None  # -c COMMAND / -m MODULE end the interpreter options
            if letter in _FLAGS_WITH_VALUE:
                if j == len(arg) - 1:
                    i += 1
                break
        i += 1
    return None


def _env_command(args: List[str]) -> "tuple[Optional[str], List[str]]":
    """Follow GNU/BSD ``env ARGS``: ``(bootstrap-dropping option, [])`` or ``(None, the command it runs)``."""
    i = 0
    args = list(args)
    while i < len(args):
        arg = args[i]
        if arg == "--":
            i += 1
            break
        if arg in ("-", "-i", "--ignore-environment"):
            return f"env {arg}", []
        if arg.startswith("--"):
            name, eq, value = arg.partition("=")
            if name in _ENV_LONG_WITH_VALUE and not eq:
                value = args[i + 1] if i + 1 < len(args) else ""
                i += 1
            if name == "--unset" and value == "PYTHONPATH":
                return f"env {name} PYTHONPATH", []
            if name == "--split-string":
                args[i + 1:i + 1] = value.split()
            i += 1
            continue
        if arg.startswith("-") and len(arg) > 1:
            value = None
            for j, letter in enumerate(arg[1:], start=1):
                if letter == "i":
                    return f"env {arg}", []
                if letter in _ENV_SHORT_WITH_VALUE:
                    if j < len(arg) - 1:
                        value = arg[j + 1:]
                    else:
                        value = args[i + 1] if i + 1 < len(args) else ""
                        i += 1
                    if letter == "u" and value == "PYTHONPATH":
                        return f"env -u PYTHONPATH", []
                    if letter == "S":
                        args[i + 1:i + 1] = value.split()
                    break
            i += 1
            continue
        name, eq, value = arg.partition("=")
        if eq and name:
            if name == "PYTHONPATH" and str(BOOTSTRAP_DIR) not in value.split(os.pathsep):
                return "env PYTHONPATH=...", []  # replaces the bootstrap's PYTHONPATH
            i += 1
            continue
        break
    return None, args[i:]


def _shebang(program: str) -> Optional[List[str]]:
    """The interpreter line of a script ``program`` as the kernel passes it: ``[interpreter, optional-arg]``."""
    try:
        with open(program, "rb") as f:
            line = f.readline(512)
    except OSError:
        return None
    if not line.startswith(b"#!"):
        return None
    interpreter, _, rest = line[2:].decode("utf-8", "replace").strip().partition(" ")
    if not interpreter:
        return None
    rest = rest.strip()
    return [interpreter, rest] if rest else [interpreter]  # Linux: the rest is one argument


def bootstrap_dropping_option(command: List[str], path: Optional[str] = None) -> Optional[str]:
    """The interpreter option of a Python ``command`` that would skip ``safemaker run``'s bootstrap.

    Parameters
    ----------
    command : list[str]
        The program and its arguments.
    path : str, optional
        The ``PATH`` the command is looked up on (default: this process's), to read the shebang
        line of a script run directly.

    Returns
    -------
    str or None
        The option as written (``"-I"``, ``"-BE"``, ``"env -i"``...), or ``None`` when the command
        does not start a Python interpreter (by name: ``python``, ``python3``, ``python3.11``)
        or keeps the bootstrap.

    Notes
    -----
    Follows the CPython command line reference ("Command line and environment"): options come
    before the script, ``-c``, ``-m`` or ``-``; short flags cluster (``-BE``); ``-W``, ``-X`` and
    ``--check-hash-based-pycs`` take a value. ``env`` is followed (its options, ``-S`` split
    strings, ``NAME=VALUE``; ``-i``, ``-u PYTHONPATH`` and a ``PYTHONPATH=`` without the bootstrap
    folder drop the bootstrap too), and so is the ``#!`` line of a script run directly (found on
    ``PATH`` or by its path), as the kernel reads it (the rest of the line is one argument).
    """
    command = list(command)
    for _ in range(_MAX_INTERPRETERS):
        if not command:
            return None
        name = os.path.basename(command[0])
        if _PYTHON_NAME.match(name):
            return _python_option(command[1:])
        if name == "env":
            dropped, command = _env_command(command[1:])
            if dropped is not None:
                return dropped
            continue
        program = shutil.which(command[0], path=path)
        line = _shebang(program) if program is not None else None
        if line is None:
            return None
        command = [*line, program, *command[1:]]
    return None


def run(
    command: List[str] = typer.Argument(..., metavar="COMMAND [ARGS]...",
                                        help="The program to run and its arguments (after --)."),
    profile: Optional[str] = profile_option(),
    aws_profile: Optional[str] = aws_profile_option(),
    mode: str = typer.Option("enforce", "--mode", help="enforce (refuse and inject) or warn (record only)."),
    exclusive: bool = typer.Option(True, "--exclusive/--not-exclusive",
                                   help="Every SageMaker request must pass this profile's guard, also those of "
                                        "clients the program guards itself (safemaker.install, a second "
                                        "ClosedNetworkSession); --not-exclusive lets such a guard decide alone."),
) -> None:
    """Run COMMAND with every SageMaker request of its Python processes guarded.

    Like opentelemetry-instrument: a sitecustomize module on PYTHONPATH turns
    the process guard on (import safemaker.auto) in every Python process the
    command starts, children included, before the program's own code runs; the
    program needs no change. Example: safemaker run -p profile.toml -- python train.py
    --profile (AWS credentials) is passed on to the command as AWS_PROFILE.

    Exit status: the command's own; 2 when the profile cannot be loaded, a
    SAFEMAKER_<FIELD> variable replaces a network or security value of the
    profile file or SSM parameter (exclusive guard, the default), the mode is
    unknown or the command cannot be found (nothing is started).
    """
    from ..profile import PROFILE_ENV_VAR, VpcProfile, refuse_environment_replacements

    if mode not in ("enforce", "warn"):
        raise fail(f"--mode is {mode!r}; expected 'enforce' or 'warn'")
    source = run_environment(profile, mode, exclusive=exclusive).get(PROFILE_ENV_VAR)
    loaded = VpcProfile.load(source)  # bad profile: exit 2 here, before anything starts
    if exclusive and mode == "enforce":  # SAFEMAKER_SUBNETS & co. do not replace the administrator's network
        refuse_environment_replacements(loaded, "safemaker run")
    env = run_environment(profile, mode, exclusive=exclusive, loaded=loaded)
    program = shutil.which(command[0], path=env.get("PATH"))
    if program is None:
        raise fail(f"COMMAND is {command[0]!r}, which is not an executable on PATH; give the program's path "
                   "or install it")
    dropped = bootstrap_dropping_option(command, path=env.get("PATH"))
    if dropped is not None:
        raise fail(f"COMMAND runs Python with {dropped!r}, which makes Python skip the bootstrap "
                   "(-I and -E ignore PYTHONPATH, -S skips site and sitecustomize): the program would run "
                   "unguarded (the option may come from an env command or a script's #! line). "
                   f"Drop {dropped!r}, or put `import safemaker.auto` at the top of the program")
    os.execve(program, command, env)  # the command's exit status is safemaker run's


def register(app: typer.Typer) -> None:
    """Add ``safemaker run`` to the root app."""
    app.command("run", context_settings={"allow_interspersed_args": False})(handle_errors(run))
