"""The ``safemaker`` command line (typer). One module per command group."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="safemaker",
    help="Use Amazon SageMaker from a closed network, with guardrails that refuse any call that opens one.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def main() -> None:
    """Entry point of the ``safemaker`` console script."""
    app()
