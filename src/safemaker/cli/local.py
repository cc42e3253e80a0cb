"""``safemaker local``: run the embedded local backend (moto on 127.0.0.1) for other terminals to use.

``safemaker local serve`` starts :func:`safemaker.local.local_backend` (moto's
server with the fixes of :data:`safemaker.local.FIXES`) and serves until
Ctrl-C or SIGTERM; ``safemaker local env`` prints the shell lines that point
the AWS SDKs and the safemaker CLI at it, without starting anything.
"""

from __future__ import annotations

import json
import re
import shlex
import signal
import threading
from typing import Any, Optional

import typer

from ..errors import InputError, LocalBackendError
from ..local import DEFAULT_REGION, FAKE_ACCESS_KEY_ID, FAKE_SECRET_ACCESS_KEY
from ._common import EXIT_ERROR, EXIT_OK, err, fail, human_format, out

DEFAULT_PORT = 5000
"""Port of ``safemaker local serve`` and ``safemaker local env`` when ``--port`` is not given
(moto's ``moto_server`` default, which the docs' examples use)."""

_REGION_RE = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")
_INSTALL_HINT = "install the 'local' extra: pip install 'safemaker[local]'"

EMULATED_NOTE = ("Everything it answers is emulated by moto: no instance, container or endpoint runs, and "
                 "results (job and endpoint status, predictions) are moto's canned ones, not AWS's.")
"""The line ``local serve`` prints on stderr so nobody mistakes its answers for AWS's."""


def environment(port: int, region: str) -> dict[str, str]:
    """The environment that points the safemaker CLI and any AWS SDK at a local backend.

    Parameters
    ----------
    port : int
        TCP port of the backend on 127.0.0.1.
    region : str
        AWS region name (``AWS_REGION`` and ``AWS_DEFAULT_REGION``).

    Returns
    -------
    dict of str to str
        ``SAFEMAKER_ENDPOINT_URL`` and ``AWS_ENDPOINT_URL`` (``http://127.0.0.1:PORT``),
        the fake credentials of :mod:`safemaker.local` (``FAKE_ACCESS_KEY_ID`` /
        ``FAKE_SECRET_ACCESS_KEY``: moto accepts any key; these open nothing),
        the region, and ``AWS_EC2_METADATA_DISABLED=true`` (else botocore may ask the
        instance metadata service at 169.254.169.254 for credentials or a region).
    """
    url = f"http://127.0.0.1:{port}"
    return {
        "SAFEMAKER_ENDPOINT_URL": url,
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": FAKE_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": FAKE_SECRET_ACCESS_KEY,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def export_line(port: int, region: str) -> str:
    """``export NAME=value ...`` for :func:`environment`, quoted for POSIX shells."""
    return "export " + " ".join(f"{k}={shlex.quote(v)}" for k, v in environment(port, region).items())


def _check_region(region: str) -> None:
    if not _REGION_RE.fullmatch(region):
        raise fail(f"--region is {region!r}; expected an AWS region name such as us-east-1 or "
                   "ap-northeast-1. Pass --region a region name.")


def _check_port(port: int, *, allow_zero: bool) -> None:
    low = 0 if allow_zero else 1
    if not low <= port <= 65535:
        expected = "0 (a free port) to 65535" if allow_zero else "1 to 65535 (the port `local serve` listens on)"
        raise fail(f"--port is {port}; expected a TCP port from {expected}. Pass --port a port in that range.")


def env(
    port: int = typer.Option(DEFAULT_PORT, "--port", help="Port the backend listens on (safemaker local serve --port)."),
    region: str = typer.Option(DEFAULT_REGION, "--region", help="AWS region name to export."),
    format: str = typer.Option("text", "--format", "-f",
                               help="text (alias: table; the export line) or json (the variables as an object)."),
) -> None:
    """Print the export line that points the CLI and AWS SDKs at `safemaker local serve` on --port.

    Starts nothing: use it in another shell, e.g. eval "$(safemaker local env --port 5000)".
    The access keys are fake (moto accepts any); AWS_EC2_METADATA_DISABLED=true stops
    botocore asking the instance metadata service for credentials.
    """
    format = human_format(format, ("text", "json"))
    _check_port(port, allow_zero=False)
    _check_region(region)
    if format == "json":
        print(json.dumps(environment(port, region)), flush=True)
        return
    out.print(export_line(port, region), highlight=False)


def serve(
    port: int = typer.Option(DEFAULT_PORT, "--port", help="Port on 127.0.0.1 (0: a free port)."),
    region: str = typer.Option(DEFAULT_REGION, "--region", help="Default region of the backend."),
    latency_ms: float = typer.Option(
        0.0, "--latency-ms", help="Simulation: hold every AWS request this many milliseconds (0-10000)."),
    rate_limit: Optional[list[str]] = typer.Option(
        None, "--rate-limit",
        help="Simulation: OPERATION=RATE requests per second per access key and region (e.g. DescribeModel=20), "
             "or RATE for every operation; above it the answer is SageMaker's ThrottlingException. Repeatable."),
) -> None:
    """Serve the embedded local backend (moto with safemaker's fixes) on 127.0.0.1 until Ctrl-C.

    Prints on stderr the endpoint and the export line to use it from another
    terminal (or run `safemaker local env --port PORT`). Everything it answers is
    emulated; its state lives in memory and is discarded on exit (exit 0).
    Exit 2 when the port is taken or moto is not installed (the 'local' extra).
    """
    _check_port(port, allow_zero=True)
    _check_region(region)
    from ..local import LocalBackend
    from ..local.simulation import Simulation, parse_rate_limit

    try:
        limits = dict(parse_rate_limit(text) for text in rate_limit or [])
    except InputError as exc:
        raise fail(f"--rate-limit is {exc.found!r}; expected {exc.expected}") from None
    try:
        simulation = Simulation(latency_ms, limits)
    except ValueError as exc:
        raise fail(f"--latency-ms is {latency_ms!r}; expected milliseconds from 0 to 10000") from exc

    backend = LocalBackend(region, port=port)
    try:
        backend.start()
    except LocalBackendError as exc:
        reason = exc.kwargs.get("reason", str(exc))
        if isinstance(exc.__cause__, ImportError):
            raise fail(f"the local backend needs moto's server, which is not importable "
                       f"({exc.__cause__}); {_INSTALL_HINT}") from None
        if isinstance(exc.__cause__, OSError):
            raise fail(f"--port is {port}: {reason}. Stop whatever listens on 127.0.0.1:{port}, or pass "
                       "--port another port (--port 0 picks a free one).") from None
        raise fail(str(exc), EXIT_ERROR) from None

    stop = threading.Event()

    def _on_signal(signum: int, frame: Any) -> None:
        stop.set()

    previous = {s: signal.signal(s, _on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        actual = backend.port
        if simulation.active:
            backend.simulate(simulation.latency_ms, simulation.rate_limits)
            limits_text = ", ".join(f"{op} {rate:g}/s" for op, rate in simulation.rate_limits.items()) or "none"
            err.print(f"SIMULATION: every request is held {simulation.latency_ms:g} ms; rate limits per access key "
                      f"and region: {limits_text} (ThrottlingException above them). Not AWS's behaviour: a "
                      "simulation of it.", highlight=False)
        err.print(f"safemaker local backend: {backend.endpoint_url} (region {region}), moto with safemaker's "
                  "fixes (safemaker.local.FIXES), on 127.0.0.1 only.", highlight=False)
        err.print(EMULATED_NOTE, highlight=False)
        err.print(f"To use it from another terminal (the access keys are fake: moto accepts any; "
                  f"or: eval \"$(safemaker local env --port {actual} --region {region})\"):", highlight=False)
        err.print("  " + export_line(actual, region), highlight=False)
        err.print(f"listening on {backend.endpoint_url}; Ctrl-C to stop (state is discarded).", highlight=False)
        while not stop.wait(0.5):
            pass
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        backend.stop()
    err.print(f"stopped; 127.0.0.1:{actual} is free and the emulated state is discarded.", highlight=False)
    raise typer.Exit(EXIT_OK)


def register(app: typer.Typer) -> None:
    """Add ``safemaker local serve`` and ``safemaker local env``."""
    local_app = typer.Typer(
        name="local",
        help="Run the embedded local backend (moto on 127.0.0.1, with safemaker's fixes) for the CLI and SDKs.",
        no_args_is_help=True,
    )
    local_app.command("serve")(serve)
    local_app.command("env")(env)
    app.add_typer(local_app, name="local")


__all__ = ["serve", "env", "environment", "export_line", "register", "DEFAULT_PORT", "EMULATED_NOTE"]
