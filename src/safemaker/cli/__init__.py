"""The ``safemaker`` command line (typer). One module per command group.

Each module in :data:`COMMAND_MODULES` defines ``register(app)``, which adds
its command or its sub-``Typer`` to the root app. Help text comes from the
docstrings. Data goes to stdout, messages to stderr.

Exit codes: 0 ok, 1 error, 2 bad input (including a malformed profile and a
refused call), 3 findings/problems present (audit, doctor, check).
"""

from __future__ import annotations

import importlib

import typer

COMMAND_MODULES = ("demo", "profile", "check", "policy", "rules", "doctor", "audit", "infra", "notebook",
                   "local", "rehearse", "run")
"""Command modules, in help order; a module that does not exist yet is skipped."""

app = typer.Typer(
    name="safemaker",
    help="Use Amazon SageMaker from a closed network, with guardrails that refuse any call that opens one.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"safemaker {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Use Amazon SageMaker from a closed network, with guardrails that refuse any call that opens one.

    Shell completion: ``safemaker --install-completion`` (bash, zsh, fish, PowerShell).
    """


def _register_all() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue
            raise
        module.register(app)


_register_all()


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
    import os
    import sys

    from ..logs import debug_from_environment

    debug_from_environment()

    if not sys.stdout.isatty() and not os.environ.get("COLUMNS") and not os.environ.get("TERMINAL_WIDTH"):
        from typer import rich_utils

        rich_utils.MAX_WIDTH = HELP_WIDTH_OFF_TERMINAL
    app(prog_name="safemaker")
