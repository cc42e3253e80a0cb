"""``safemaker run``: run a program with the process guard on, without changing its code."""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path
from typing import List, Optional

import typer

from ..process import EXCLUSIVE_ENV_VAR, MODE_ENV_VAR
from ..profile import PROFILE_ENV_VAR, SSM_PREFIX, VpcProfile
from ._common import aws_profile_option, fail, handle_errors, profile_option

BOOTSTRAP_DIR = Path(__file__).resolve().parent.parent / "_run"
"""The folder put first on ``PYTHONPATH``: its ``sitecustomize.py`` imports :mod:`safemaker.auto`."""


def run_environment(profile: Optional[str], mode: str, environ: Optional[dict[str, str]] = None,
                    *, exclusive: bool = True) -> dict[str, str]:
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
        relax the process guard) or ``0``.

    Returns
    -------
    dict[str, str]
        ``PYTHONPATH`` with :data:`BOOTSTRAP_DIR` first, ``SAFEMAKER_PROFILE`` as an
        absolute path (children may change directory), ``SAFEMAKER_GUARD_MODE``, ``SAFEMAKER_GUARD_EXCLUSIVE``,
        ``SAFEMAKER_RUN_PYTHON`` (this Python, which has safemaker).
    """
    env = dict(os.environ if environ is None else environ)
    if profile is not None:
        env[PROFILE_ENV_VAR] = profile
    source = env.get(PROFILE_ENV_VAR)
    if source and not source.startswith(SSM_PREFIX):
        env[PROFILE_ENV_VAR] = str(Path(source).expanduser().resolve())
    env[MODE_ENV_VAR] = mode
    env[EXCLUSIVE_ENV_VAR] = "1" if exclusive else "0"
    env[RUN_PYTHON_ENV_VAR] = sys.executable  # named by a child Python that cannot import safemaker
    rest = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and Path(p).resolve() != BOOTSTRAP_DIR]
    env["PYTHONPATH"] = os.pathsep.join([str(BOOTSTRAP_DIR), *rest])
    return env


_PYTHON_NAME = re.compile(r"^python(\d+(\.\d+)*)?t?$")
_BOOTSTRAP_FLAGS = "IES"   # CPython: -I isolated, -E ignore PYTHON* variables, -S no site (no sitecustomize)
_FLAGS_WITH_VALUE = "cmWX"  # the rest of the argument (or the next one) is a value, not flags


RUN_PYTHON_ENV_VAR = "SAFEMAKER_RUN_PYTHON"
"""The Python that runs ``safemaker run`` (it has safemaker), named in a child's error."""


def bootstrap_dropping_option(command: List[str]) -> Optional[str]:
    """The interpreter option of a Python ``command`` that would skip ``safemaker run``'s bootstrap.

    Parameters
    ----------
    command : list[str]
        The program and its arguments.

    Returns
    -------
    str or None
        The option as written (``"-I"``, ``"-BE"``...), or ``None`` when the command is not a
        Python interpreter (by name: ``python``, ``python3``, ``python3.11``) or keeps the bootstrap.

    Notes
    -----
    Follows the CPython command line reference ("Command line and environment"): options come
    before the script, ``-c`` or ``-m``; ``-W`` and ``-X`` take a value.
    """
    if not command or not _PYTHON_NAME.match(os.path.basename(command[0])):
        return None
    args = iter(command[1:])
    for arg in args:
        if arg == "-" or arg == "--" or not arg.startswith("-") or arg.startswith("--"):
            return None
        for i, letter in enumerate(arg[1:], start=1):
            if letter in _BOOTSTRAP_FLAGS:
                return arg
            if letter in _FLAGS_WITH_VALUE:
                if letter in "cm":
                    return None
                if i == len(arg) - 1:
                    next(args, None)
                break
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

    Exit status: the command's own; 2 when the profile cannot be loaded, the
    mode is unknown or the command cannot be found (nothing is started).
    """
    if mode not in ("enforce", "warn"):
        raise fail(f"--mode is {mode!r}; expected 'enforce' or 'warn'")
    env = run_environment(profile, mode, exclusive=exclusive)
    VpcProfile.load(env.get(PROFILE_ENV_VAR))  # bad profile: exit 2 here, before anything starts
    program = shutil.which(command[0], path=env.get("PATH"))
    if program is None:
        raise fail(f"COMMAND is {command[0]!r}, which is not an executable on PATH; give the program's path "
                   "or install it")
    dropped = bootstrap_dropping_option(command)
    if dropped is not None:
        raise fail(f"COMMAND runs Python with {dropped!r}, which makes Python skip the bootstrap "
                   "(-I and -E ignore PYTHONPATH, -S skips site and sitecustomize): the program would run "
                   f"unguarded. Drop {dropped!r}, or put `import safemaker.auto` at the top of the program")
    os.execve(program, command, env)  # the command's exit status is safemaker run's


def register(app: typer.Typer) -> None:
    """Add ``safemaker run`` to the root app."""
    app.command("run", context_settings={"allow_interspersed_args": False})(handle_errors(run))
