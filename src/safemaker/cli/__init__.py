"""The ``safemaker`` command line (typer). One module per command group.

Each module in :data:`COMMAND_MODULES` defines ``register(app)``, which adds
its command or its sub-``Typer`` to the root app. Help text comes from the
docstrings. Data goes to stdout, messages to stderr. :func:`main` registers only the
command it runs; ``app`` (every command) is made on first use.

Exit codes: 0 ok, 1 error, 2 bad input (including a malformed profile and a
refused call), 3 findings/problems present (audit, doctor, check).
"""

from __future__ import annotations

import importlib
from typing import Any, Sequence

import typer

COMMAND_MODULES = ("demo", "profile", "check", "policy", "rules", "doctor", "audit", "infra", "notebook",
                   "local", "rehearse", "run")
"""Command modules, in help order; a module that does not exist yet is skipped."""


def _print_version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"safemaker {__version__}")
        raise typer.Exit(0)


def _root(
    version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Use Amazon SageMaker from a closed network, with guardrails that refuse any call that opens one.

    Shell completion: ``safemaker --install-completion`` (bash, zsh, fish, PowerShell).
    """


def _new_app(commands: Sequence[str] = COMMAND_MODULES) -> typer.Typer:
    """The root app with the command modules ``commands`` (in :data:`COMMAND_MODULES` order) registered."""
    root = typer.Typer(
        name="safemaker",
        help="Use Amazon SageMaker from a closed network, with guardrails that refuse any call that opens one.",
        no_args_is_help=True,
        pretty_exceptions_show_locals=False,
        add_completion=True,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    root.callback()(_root)
    for name in COMMAND_MODULES:
        if name not in commands:
            continue
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue
            raise
        module.register(root)
    return root


def __getattr__(name: str) -> Any:
    """``app``: the root typer app with every command, made on first use (PEP 562).

    :func:`main` registers only the command it runs (``safemaker run`` does not import the
    network, IAM, audit and local-backend modules, boto3 and multiprocessing).
    """
    if name == "app":
        made = globals()["app"] = _new_app()
        return made
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


HELP_WIDTH_OFF_TERMINAL = 120
"""Columns of ``--help`` when stdout is not a terminal and neither COLUMNS nor TERMINAL_WIDTH is set.

rich would assume 80 and cut option help (an env var name ending in "…")
in pipes, files and CI logs."""


def main() -> None:
    """Entry point of the ``safemaker`` console script (and ``python -m safemaker``).

    With ``SAFEMAKER_DEBUG`` set, safemaker's debug output goes to stderr
    (:func:`safemaker.set_stream_logger`): the library itself installs no
    handler at import.
    """
    import atexit
    import gc
    import os
    import sys

    from ..logs import debug_from_environment
    from . import _common

    debug_from_environment()
    if not _common.ENTRY_POINT:
        # The process ends with the command: Python's finalisation would then run full garbage collections
        # over every object left (typer, pydantic, botocore's models, moto's state: 15-25% of a command's CPU,
        # 0.5 s for ``local serve``). Frozen objects are left out of those collections; they are freed with
        # the process. At-exit handlers (logging's flush, temporary directories) run as before.
        atexit.register(gc.freeze)
    _common.ENTRY_POINT = True

    if not sys.stdout.isatty() and not os.environ.get("COLUMNS") and not os.environ.get("TERMINAL_WIDTH"):
        _rich_utils().MAX_WIDTH = HELP_WIDTH_OFF_TERMINAL
    # The command named first is the only one registered (a command module is one command or group of the
    # same name): its help, usage errors and run are the same, without importing the others; ``--version``
    # alone needs none. Anything else (another option, --help, an unknown or no command) gets the whole app.
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command in COMMAND_MODULES:
        root = _new_app((command,))
    elif sys.argv[1:] == ["--version"]:
        root = _new_app(())
    else:
        root = __getattr__("app")
    root(prog_name="safemaker")


def _rich_utils() -> Any:
    """``typer.rich_utils``, loaded when typer first reads from it (help, a usage error), not now.

    It imports rich's Markdown renderer and markdown-it (about 100 modules, ~0.1 s of CPU) that a
    command which prints no help never uses. The standard library's lazy loader
    (:class:`importlib.util.LazyLoader`) registers the module now and executes it on first attribute
    access; an attribute set before that (``MAX_WIDTH``) is kept over the module's own value.
    """
    import importlib.util
    import sys

    loaded = sys.modules.get("typer.rich_utils")
    if loaded is not None:
        return loaded
    import typer

    spec = importlib.util.find_spec("typer.rich_utils")
    assert spec is not None and spec.loader is not None
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules["typer.rich_utils"] = module
    spec.loader.exec_module(module)
    typer.rich_utils = module  # type: ignore[attr-defined]  # as an import would: ``from typer import rich_utils``
    return module
