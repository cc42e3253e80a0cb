"""safemaker's logging: silent by default, debug output only when asked.

Every module logs to ``logging.getLogger(__name__)`` under the ``safemaker``
logger, which has a ``NullHandler`` and does not propagate to the root logger
(the SageMaker SDK v2 calls ``logging.basicConfig(level=INFO)`` at import:
every guarded call would print an INFO line). Importing safemaker installs
no handler that prints: one is installed only by :func:`set_stream_logger`
(the same idea as ``boto3.set_stream_logger``), which the ``safemaker``
command and ``import safemaker.auto`` (so every process ``safemaker run``
starts) call when ``SAFEMAKER_DEBUG`` is set (:func:`debug_from_environment`).
``safemaker.set_stream_logger`` and ``safemaker.log_to_root`` are the same
functions.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TextIO

__all__ = ["DEBUG_ENV_VAR", "set_stream_logger", "log_to_root", "debug_from_environment"]

DEBUG_ENV_VAR = "SAFEMAKER_DEBUG"
"""Environment variable: non-empty turns on debug output on stderr in the CLI and ``safemaker run``."""

DEFAULT_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"
"""Format of the records :func:`set_stream_logger` prints, unless given another."""

_ROOT = "safemaker"
_logger = logging.getLogger(_ROOT)
_logger.addHandler(logging.NullHandler())
# The SageMaker SDK v2 configures the root logger at import: safemaker's records would print an INFO
# line for every guarded call. They reach the root logger only when asked (log_to_root).
_logger.propagate = False


class _StreamHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A StreamHandler that writes to the ``sys.stderr`` of the moment when no stream was given.

    (A redirected or captured stderr, e.g. pytest's or click's test runner, receives the records.)
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        logging.Handler.__init__(self)
        self._fixed = stream

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return self._fixed if self._fixed is not None else sys.stderr

    @stream.setter
    def stream(self, value: TextIO | None) -> None:
        self._fixed = value


def set_stream_logger(
    name: str = _ROOT,
    level: int | str = logging.DEBUG,
    format_string: str | None = None,
    stream: TextIO | None = None,
) -> logging.Handler:
    """Print safemaker's log records on stderr (or ``stream``), from ``level`` up.

    The explicit debug switch (``boto3.set_stream_logger`` does the same for
    boto3): adds a stream handler to the ``name`` logger and sets the logger's
    level. Calling it again for the same logger replaces the handler it added
    before (new level, format, stream), so it never prints a record twice.
    The ``safemaker`` logger still does not propagate to the root logger
    (see :func:`log_to_root`).

    Parameters
    ----------
    name : str, default "safemaker"
        The logger: ``"safemaker"`` for every module, or one of them
        (``"safemaker.hooks"`` for the guard's decisions).
    level : int or str, default logging.DEBUG
        Level of the logger and of the handler.
    format_string : str, optional
        ``logging.Formatter`` format; default :data:`DEFAULT_FORMAT`
        (time, logger name, level, message).
    stream : file-like, optional
        Where to write; default the ``sys.stderr`` of the moment of each record.

    Returns
    -------
    logging.Handler
        The handler added (remove it with ``logging.getLogger(name).removeHandler(handler)``).

    Raises
    ------
    ValueError
        ``level`` is a name that ``logging`` does not know (``logging``'s own
        message, ``Unknown level: 'LOUD'``); nothing is changed.

    Examples
    --------
    >>> import safemaker
    >>> handler = safemaker.set_stream_logger("safemaker.hooks", "INFO")  # one line per guarded call
    """
    handler = _StreamHandler(stream)
    handler.setLevel(level)  # first: an unknown level raises before anything changed
    handler.setFormatter(logging.Formatter(format_string or DEFAULT_FORMAT))
    handler._safemaker_stream = True  # type: ignore[attr-defined]
    logger = logging.getLogger(name)
    for old in [h for h in logger.handlers if getattr(h, "_safemaker_stream", False)]:
        logger.removeHandler(old)
    logger.setLevel(level)
    logger.addHandler(handler)
    return handler


def debug_from_environment() -> logging.Handler | None:
    """:func:`set_stream_logger` at DEBUG when ``SAFEMAKER_DEBUG`` is set (non-empty), else nothing.

    Called by the ``safemaker`` command at start and by ``import safemaker.auto``
    (so in every process ``safemaker run`` starts); a library user calls
    :func:`set_stream_logger` instead.

    Returns
    -------
    logging.Handler or None
        The handler added, or None when the variable is unset or empty.
    """
    if not os.environ.get(DEBUG_ENV_VAR):
        return None
    return set_stream_logger()


def log_to_root(enabled: bool = True) -> None:
    """Let safemaker's log records reach the root logger's handlers (or stop them).

    By default the ``safemaker`` logger does not propagate: handlers that the
    SageMaker SDK v2 (or anything else) put on the root logger do not print
    safemaker's records. ``log_to_root()`` is the same as
    ``logging.getLogger("safemaker").propagate = True``; call
    :func:`set_stream_logger` instead to print safemaker's debug output to stderr.

    Parameters
    ----------
    enabled : bool, default True
        True: records propagate to the root logger. False: back to the default.
    """
    _logger.propagate = bool(enabled)
