"""The sandbox: a Linux network namespace whose only interface is loopback.

A rehearsal runs the job's code as ``unshare --net`` (when running as root)
or ``unshare --user --map-root-user --net`` (unprivileged: a user namespace
gives the process the right to make its own network namespace) followed by
``launcher.py``, which brings ``lo`` up, checks that no other interface
exists, and only then executes the job's command. Every Python process in
the sandbox loads ``_inside/recorder/sitecustomize.py``, which records each
attempt to reach another host before the kernel refuses it.

Where no such namespace can be made (not Linux, no ``unshare``, user
namespaces disabled, a namespace that still shows another interface),
:class:`~safemaker.rehearsal.errors.SandboxUnavailable` is raised and nothing
runs: a script is never run with network and called rehearsed.
"""

from __future__ import annotations

import collections
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from .errors import SandboxUnavailable

__all__ = ["Sandbox", "NetworkAttempt", "SandboxRun", "find_sandbox", "read_network_attempts",
           "network_report", "run_in_sandbox", "start_in_sandbox", "check_isolated", "sandbox_env",
           "LAUNCHER", "SITE_DIR", "UNSHARE"]

logger = logging.getLogger(__name__)

_INSIDE = Path(__file__).with_name("_inside")
LAUNCHER = _INSIDE / "launcher.py"
"""Started first in the namespace (``python -I -S``): loopback up, interfaces checked, then the command."""
SITE_DIR = _INSIDE / "recorder"
"""Put first on ``PYTHONPATH`` in the sandbox: its ``sitecustomize`` records network attempts."""
UNSHARE = "unshare"
"""The util-linux command that makes the namespaces (looked up on ``PATH``)."""

ROOT_FLAGS = ("--net",)
USER_FLAGS = ("--user", "--map-root-user", "--net")
NOT_ISOLATED = 125
"""Exit code of the launcher when the namespace has an interface other than loopback."""

_USERNS_FIX = ("Enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, "
               "user.max_user_namespaces > 0; on Ubuntu 24.04+ also kernel.apparmor_restrict_unprivileged_userns=0), "
               "or run as root, or rehearse on another Linux machine (a CI runner, a SageMaker notebook instance)")


@dataclass(frozen=True)
class Sandbox:
    """How to enter a network namespace with loopback only on this machine.

    Attributes
    ----------
    unshare : str
        Path of ``unshare``.
    flags : tuple of str
        :data:`ROOT_FLAGS` or :data:`USER_FLAGS`.
    """

    unshare: str
    flags: tuple[str, ...]

    @property
    def description(self) -> str:
        """The command, as shown in the progress line (``unshare --net``)."""
        return " ".join(["unshare", *self.flags])

    def argv(self, marker: Path, command: Sequence[str]) -> list[str]:
        """The full command line: unshare, the launcher, then ``command``."""
        return [self.unshare, *self.flags, sys.executable, "-I", "-S", str(LAUNCHER), str(marker), "--", *command]


@dataclass(frozen=True)
class NetworkAttempt:
    """One attempt, inside the sandbox, to reach another host.

    Attributes
    ----------
    host : str
        The name or address (``pypi.org``, ``52.94.1.1``).
    port : int or None
    call : {"getaddrinfo", "connect"}
        Name lookup or connection.
    program : str
        The Python program that tried (first words of its ``sys.argv``).
    where : str
        ``file:line`` in the job's code when the attempt came from it, else
        the program's own file.
    """

    host: str
    port: int | None
    call: str
    program: str = ""
    where: str = ""

    @property
    def target(self) -> str:
        """``host:port`` (or the host alone)."""
        return f"{self.host}:{self.port}" if self.port else self.host

    def to_dict(self) -> dict[str, Any]:
        """``{"host", "port", "call", "program", "where", "line"}`` (``port`` may be null)."""
        return {"host": self.host, "port": self.port, "call": self.call, "program": self.program,
                "where": self.where, "line": self.line()}

    def line(self) -> str:
        """One line for the report."""
        what = "name lookup" if self.call == "getaddrinfo" else "connection"
        parts = [f"{what} by {self.program}" if self.program else what]
        if self.where:
            parts.append(f"at {self.where}")
        return f"{self.target} ({', '.join(parts)})"


@dataclass
class SandboxRun:
    """What one command did in the sandbox.

    Attributes
    ----------
    exit_code : int
        The command's exit code (negative: killed by that signal).
    output_tail : list of str
        Its last lines of output (stdout and stderr, merged).
    timed_out : bool
        Killed after the time limit.
    """

    exit_code: int
    output_tail: list[str]
    timed_out: bool = False


def _probe(unshare: str, flags: tuple[str, ...]) -> tuple[bool, str]:
    with tempfile.TemporaryDirectory(prefix="safemaker-probe-") as tmp:
        marker = Path(tmp) / "sandbox.json"
        argv = Sandbox(unshare, flags).argv(marker, [sys.executable, "-I", "-S", "-c", ""])
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return False, f"`{' '.join(['unshare', *flags])}` could not run: {exc}"
        state = _read_marker(marker)
        if state is not None and not state.get("ok"):
            return False, (f"`{' '.join(['unshare', *flags])}` gave a namespace with interfaces "
                           f"{', '.join(state.get('interfaces', []))} (expected only lo)")
        if proc.returncode != 0 or state is None:
            said = (proc.stderr or proc.stdout).strip().splitlines()
            return False, f"`{' '.join(['unshare', *flags])}` failed (exit {proc.returncode}: " \
                          f"{said[-1] if said else 'no output'})"
        return True, ""


def find_sandbox(unshare: str | None = None) -> Sandbox:
    """Find how to make a network namespace with only loopback here, and check that it works.

    Tries ``unshare --net`` when running as root, then
    ``unshare --user --map-root-user --net``; each is started once with the
    launcher, which must see no interface but ``lo``.

    Parameters
    ----------
    unshare : str, optional
        The ``unshare`` command (default :data:`UNSHARE`, looked up on ``PATH``).

    Returns
    -------
    Sandbox

    Raises
    ------
    SandboxUnavailable
        Not Linux, no ``unshare``, or every way failed (the reasons are listed).
    """
    if not sys.platform.startswith("linux"):
        raise SandboxUnavailable(
            reason=f"network namespaces are a Linux kernel feature and this is {sys.platform}",
            fix="Rehearse on Linux: a Linux VM or container with user namespaces, a CI runner, or a SageMaker "
                "notebook instance")
    name = unshare or UNSHARE
    path = shutil.which(name)
    if path is None:
        raise SandboxUnavailable(reason=f"the command {name!r} (util-linux) is not on PATH",
                                 fix="Install util-linux (apt-get install util-linux, dnf install util-linux)")
    tried: list[str] = []
    ways = [ROOT_FLAGS, USER_FLAGS] if os.geteuid() == 0 else [USER_FLAGS]
    for flags in ways:
        ok, reason = _probe(path, flags)
        if ok:
            logger.debug("rehearsal sandbox: %s", " ".join([path, *flags]))
            return Sandbox(path, flags)
        tried.append(reason)
    raise SandboxUnavailable(reason="; ".join(tried), fix=_USERNS_FIX)


def _read_marker(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def run_in_sandbox(sandbox: Sandbox, command: Sequence[str], *, cwd: Path, env: Mapping[str, str], work: Path,
                   on_output: Callable[[str], None], timeout: float | None = None,
                   tail_lines: int = 50) -> SandboxRun:
    """Run ``command`` in the sandbox, streaming its merged output line by line to ``on_output``.

    Raises
    ------
    SandboxUnavailable
        The namespace could not be made or was not isolated; the command did not run.
    """
    marker = work / f"sandbox-{os.urandom(4).hex()}.json"
    proc = subprocess.Popen(sandbox.argv(marker, command), cwd=str(cwd), env=dict(env), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    timed_out = threading.Event()

    def kill() -> None:
        timed_out.set()
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    timer = threading.Timer(timeout, kill) if timeout else None
    if timer:
        timer.daemon = True
        timer.start()
    tail: collections.deque[str] = collections.deque(maxlen=tail_lines)
    try:
        assert proc.stdout is not None
        for raw in iter(proc.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            tail.append(line)
            on_output(line)
        code = proc.wait()
    except BaseException:
        kill()
        proc.wait()
        raise
    finally:
        if timer:
            timer.cancel()
    check_isolated(sandbox, marker, code, tail[-1] if tail else "")
    return SandboxRun(code, list(tail), timed_out.is_set())


def check_isolated(sandbox: Sandbox, marker: Path, exit_code: int | None, last_line: str) -> None:
    """Raise :class:`SandboxUnavailable` unless the launcher found only loopback (and so ran the command)."""
    state = _read_marker(marker)
    if state is not None and state.get("ok"):
        return
    reason = (f"the namespace had interfaces {', '.join(state.get('interfaces', []))} (expected only lo)"
              if state else f"`{sandbox.description}` failed (exit {exit_code}: {last_line or 'no output'})")
    raise SandboxUnavailable(reason=reason, fix=_USERNS_FIX)


def start_in_sandbox(sandbox: Sandbox, command: Sequence[str], *, cwd: Path, env: Mapping[str, str],
                     work: Path) -> tuple[subprocess.Popen, Path]:
    """Start ``command`` in the sandbox with stdin, stdout and stderr as pipes; return it and its marker.

    Call :func:`check_isolated` with the marker once the command has answered
    (the launcher writes the marker before it executes the command).
    """
    marker = work / f"sandbox-{os.urandom(4).hex()}.json"
    proc = subprocess.Popen(sandbox.argv(marker, command), cwd=str(cwd), env=dict(env), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    return proc, marker


def sandbox_env(base: Mapping[str, str], *, netlog: Path, code_dir: Path,
                extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a sandboxed command: ``base`` without AWS credentials, ``extra``, the recorder's settings.

    The job's code on SageMaker does not see the caller's credentials; a
    rehearsal does not pass them either (``AWS_ACCESS_KEY_ID``,
    ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, ``AWS_PROFILE`` and the
    other ``AWS_*`` variables of ``base`` are removed). This machine's pip
    settings (``PIP_*`` variables, pip.conf: a local mirror, a proxy) are not
    the container's either: they are dropped and ``PIP_CONFIG_FILE`` is
    ``os.devnull`` (pip then reads no configuration file). ``extra`` (the
    job's own ``Environment``) is kept as given; its ``PYTHONPATH`` comes
    after the recorder's directory, so the recorder always loads.
    """
    env = {k: v for k, v in base.items() if not k.startswith(("AWS_", "PIP_"))}
    env.update(extra or {})
    env["PYTHONPATH"] = os.pathsep.join([str(SITE_DIR), *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])])
    env["PIP_CONFIG_FILE"] = os.devnull  # pip.conf of this machine (local mirrors...) is not the container's
    env["PYTHONUNBUFFERED"] = "1"
    env["SAFEMAKER_REHEARSAL_NETLOG"] = str(netlog)
    env["SAFEMAKER_REHEARSAL_CODE_DIR"] = str(code_dir)
    return env


def read_network_attempts(path: Path) -> list[NetworkAttempt]:
    """The attempts recorded in the sandbox, one per host and port, in order."""
    seen: dict[tuple[str, int | None], NetworkAttempt] = {}
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return []
    for line in lines:
        try:
            e = json.loads(line)
        except ValueError:
            continue
        key = (e.get("host", ""), e.get("port"))
        if key not in seen:
            seen[key] = NetworkAttempt(e.get("host", ""), e.get("port"), e.get("call", ""), e.get("program", ""),
                                       e.get("where", ""))
    return list(seen.values())


def network_report(attempts: Iterable[NetworkAttempt]) -> list[str]:
    """Lines saying what would fail under ``EnableNetworkIsolation=True``, and how to fix it."""
    attempts = list(attempts)
    if not attempts:
        return []
    lines = ["Network access that fails under EnableNetworkIsolation=True (the container has no network on "
             "SageMaker either):"]
    lines += [f"  {a.line()}" for a in attempts]
    if any(a.program.split(" ")[0] == "pip" for a in attempts):
        lines.append("  pip cannot reach a package index from an isolated container: put the packages in the "
                     "image, or ship wheels in source_dir and install them with "
                     "`pip install --no-index --find-links <dir>`.")
    lines.append("  Give the job what it fetches as an input channel (S3, staged before the container starts) "
                 "or inside source_dir / the image.")
    return lines
