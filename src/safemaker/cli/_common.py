"""Shared CLI plumbing: consoles, exit codes, the ``--profile`` option, error handling."""

from __future__ import annotations

import functools
import sys
from typing import Any, Callable, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from ..errors import GuardrailViolation, ProfileError, SafemakerError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_BAD_INPUT = 2
EXIT_FINDINGS = 3

out = Console(soft_wrap=True, markup=False)
"""stdout: data. Markup is off: printed text is data (IDs, paths, messages with brackets), never
parsed as rich markup; style with ``rich.text.Text`` instead."""
err = Console(stderr=True, soft_wrap=True, markup=False)
"""stderr: messages, progress (markup off, as :data:`out`)."""


def _error_line(message: object) -> Text:
    return Text.assemble(("error:", "bold red"), " ", str(message))

F = TypeVar("F", bound=Callable[..., Any])

PROFILE_HELP = "VPC profile: a TOML/YAML/JSON file or ssm:<parameter name> (default: $SAFEMAKER_PROFILE, then SAFEMAKER_* variables)."


def profile_option(default: Any = None) -> Any:
    """The shared ``--profile`` option (envvar ``SAFEMAKER_PROFILE``)."""
    return typer.Option(default, "--profile", "-p", help=PROFILE_HELP, envvar="SAFEMAKER_PROFILE",
                        show_envvar=True)


def handle_errors(func: F) -> F:
    """Map safemaker errors to exit codes: bad input 2 (profile, refused call, any safemaker
    error that is also a ``ValueError``), other errors 1.

    The message goes to stderr; no traceback for expected errors.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (ProfileError, GuardrailViolation) as exc:
            err.print(_error_line(exc), highlight=False)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except SafemakerError as exc:
            err.print(_error_line(exc), highlight=False)
            raise typer.Exit(EXIT_BAD_INPUT if isinstance(exc, ValueError) else EXIT_ERROR) from None

    return wrapper  # type: ignore[return-value]


def fail(message: str, code: int = EXIT_BAD_INPUT) -> "typer.Exit":
    """Print ``message`` to stderr and return the ``typer.Exit`` to raise."""
    err.print(_error_line(message), highlight=False)
    return typer.Exit(code)


def is_interactive() -> bool:
    """``True`` when stdin is a terminal (confirmation prompts allowed)."""
    return sys.stdin is not None and sys.stdin.isatty()
