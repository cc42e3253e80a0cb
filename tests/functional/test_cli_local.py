"""``safemaker local serve`` / ``safemaker local env``: the local backend for other terminals, as real processes.

One process serves (``safemaker local serve``); others run the CLI against it
with the environment it prints, as a user in a second terminal would. Every
CLI subprocess runs under a socket guard that refuses (and reports) any
connection to an address other than 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from safemaker.local import FAKE_ACCESS_KEY_ID, FAKE_SECRET_ACCESS_KEY

# Refuses, and reports on stderr, any IPv4/IPv6 connection or name lookup outside loopback, then runs the CLI.
_GUARDED_CLI = r"""
import ipaddress, socket, sys
def _loopback(host):
    host = str(host)
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False
_connect, _connect_ex, _gai = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo
def _check(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
        sys.stderr.write(f"NON-LOOPBACK CONNECTION REFUSED: {address!r}\n")
        raise OSError(f"guard: {address!r} is not loopback")
def connect(self, address):
    _check(self, address); return _connect(self, address)
def connect_ex(self, address):
    _check(self, address); return _connect_ex(self, address)
def getaddrinfo(host, *a, **k):
    if host is not None and not _loopback(host.decode() if isinstance(host, bytes) else host):
        sys.stderr.write(f"NON-LOOPBACK LOOKUP REFUSED: {host!r}\n")
        raise socket.gaierror(socket.EAI_NONAME, "guard: not loopback")
    return _gai(host, *a, **k)
socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = connect, connect_ex, getaddrinfo
sys.argv = ["safemaker", *sys.argv[1:]]
from safemaker.cli import main
main()
"""

_AWS_VARIABLES = ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE",
                  "AWS_SHARED_CREDENTIALS_FILE", "AWS_SESSION_TOKEN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                  "AWS_CONTAINER_CREDENTIALS_FULL_URI", "SAFEMAKER_PROFILE", "SAFEMAKER_ENDPOINT_URL")


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", _GUARDED_CLI, *args]


def _base_env(tmp_path: Path) -> dict[str, str]:
    """This environment without any AWS/safemaker setting; HOME is empty, so no ~/.aws is read."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "SAFEMAKER_")) and k not in _AWS_VARIABLES}
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env.update(HOME=str(home), COLUMNS="250", AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _export_env(line: str) -> dict[str, str]:
    assert line.startswith("export "), line
    return dict(item.split("=", 1) for item in line[len("export "):].split())


class _StderrProcess:
    """A CLI subprocess whose stderr a thread reads into a queue; lines taken so far are in :attr:`lines`."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path | None = None) -> None:
        self.proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, pattern: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"exited ({self.proc.wait()}) before {pattern!r}: {self.lines}")
            self.lines.append(line)
            if re.search(pattern, line):
                return line
        raise AssertionError(f"no line matching {pattern!r} within {timeout} s: {self.lines}")

    def rest(self, timeout: float = 30) -> list[str]:
        """The stderr lines after those read so far, up to end of stream."""
        more: list[str] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self._queue.get(timeout=deadline - time.monotonic())
            if line is None:
                return more
            more.append(line)
        raise AssertionError("stderr not closed")


class _Server(_StderrProcess):
    """``safemaker local serve`` as a subprocess."""

    def __init__(self, port: int, env: dict[str, str], region: str = "us-east-1") -> None:
        super().__init__(_cli("local", "serve", "--port", str(port), "--region", region), env)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture()
def base_env(tmp_path: Path) -> dict[str, str]:
    return _base_env(tmp_path)


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=180)
    assert "NON-LOOPBACK" not in proc.stderr, proc.stderr
    return proc


def test_serve_then_cli_from_another_process_then_sigint(tmp_path: Path, base_env: dict[str, str]) -> None:
    port = _free_port()
    server = _Server(port, base_env)
    try:
        server.wait_for(r"^listening on ")
        url = f"http://127.0.0.1:{port}"
        assert server.lines[0] == (f"safemaker local backend: {url} (region us-east-1), moto with safemaker's "
                                   "fixes (safemaker.local.FIXES), on 127.0.0.1 only.")
        assert server.lines[1] == ("Everything it answers is emulated by moto: no instance, container or endpoint "
                                   "runs, and results (job and endpoint status, predictions) are moto's canned ones, "
                                   "not AWS's.")
        assert server.lines[2] == (f"To use it from another terminal (the access keys are fake: moto accepts any; or: "
                                   f"eval \"$(safemaker local env --port {port} --region us-east-1)\"):")
        export = server.lines[3].strip()
        assert server.lines[4] == f"listening on {url}; Ctrl-C to stop (state is discarded)."
        printed = _export_env(export)
        assert printed == {
            "SAFEMAKER_ENDPOINT_URL": url, "AWS_ENDPOINT_URL": url,
            "AWS_ACCESS_KEY_ID": FAKE_ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": FAKE_SECRET_ACCESS_KEY,
            "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
        }
        # The printed line equals what `local env` prints for the same port.
        env_cmd = _run(_cli("local", "env", "--port", str(port)), base_env, tmp_path)
        assert (env_cmd.returncode, env_cmd.stdout) == (0, export + "\n")

        client_env = {**base_env, **printed}
        up = _run(_cli("infra", "up", "-s", "t", "--aws-managed-policy", "", "-o", "p.toml"), client_env, tmp_path)
        assert up.returncode == 0, up.stderr
        assert f"note: talking to a local endpoint ({url}): results are emulated, not from AWS" in up.stderr
        assert "27 change(s); profile written to p.toml" in up.stderr
        profile_text = (tmp_path / "p.toml").read_text()
        vpc_id = re.search(r'^vpc_id = "(vpc-[0-9a-f]+)"$', profile_text, re.M).group(1)  # type: ignore[union-attr]

        doctor = _run(_cli("doctor", "-p", "p.toml", "--format", "json"), client_env, tmp_path)
        assert doctor.returncode == 0, doctor.stderr
        report = json.loads(doctor.stdout)
        assert report["vpc_id"] == vpc_id
        assert {c["status"] for c in report["checks"]} == {"ok"}

        # The state is shared with any client of the endpoint: an open notebook instance made with boto3 here...
        sm = boto3.client("sagemaker", endpoint_url=url, region_name="us-east-1",
                          aws_access_key_id=FAKE_ACCESS_KEY_ID, aws_secret_access_key=FAKE_SECRET_ACCESS_KEY)
        sm.create_notebook_instance(NotebookInstanceName="open-nb", InstanceType="ml.t3.medium",
                                    RoleArn="arn:aws:iam::123456789012:role/t-SageMakerExecRole")
        # ... and a closed one made by the CLI.
        nb = _run(_cli("notebook", "create", "closed-nb", "-p", "p.toml", "--no-wait"), client_env, tmp_path)
        assert nb.returncode == 0, nb.stderr
        assert sm.describe_notebook_instance(NotebookInstanceName="closed-nb")["DirectInternetAccess"] == "Disabled"

        audit = _run(_cli("audit", "-p", "p.toml", "--resource-type", "notebook-instance", "--format", "json"),
                     client_env, tmp_path)
        assert audit.returncode == 3, audit.stderr
        findings = [json.loads(line) for line in audit.stdout.splitlines() if line.strip()]
        assert {f["resource_name"] for f in findings if f.get("resource_name")} == {"open-nb"}
        assert f"note: talking to a local endpoint ({url}): results are emulated, not from AWS" in audit.stderr

        server.proc.send_signal(signal.SIGINT)
        assert server.proc.wait(timeout=30) == 0
        assert server.rest() == [f"stopped; 127.0.0.1:{port} is free and the emulated state is discarded."]
        assert server.proc.stdout is not None and server.proc.stdout.read() == ""
        assert _port_free(port)
    finally:
        server.kill()


def test_sigterm_stops_cleanly_with_exit_0_and_port_0_picks_a_free_port(base_env: dict[str, str]) -> None:
    server = _Server(0, base_env, region="eu-west-1")
    try:
        line = server.wait_for(r"^listening on ")
        port = int(re.fullmatch(r"listening on http://127\.0\.0\.1:(\d+); .*", line).group(1))  # type: ignore[union-attr]
        assert port != 0 and not _port_free(port)
        assert f"AWS_DEFAULT_REGION=eu-west-1" in server.lines[3]
        server.proc.send_signal(signal.SIGTERM)
        assert server.proc.wait(timeout=30) == 0
        assert server.rest() == [f"stopped; 127.0.0.1:{port} is free and the emulated state is discarded."]
        assert _port_free(port)
    finally:
        server.kill()


def test_serve_on_a_port_in_use_exits_2_naming_port_value_and_fix(tmp_path: Path, base_env: dict[str, str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = _run(_cli("local", "serve", "--port", str(port)), base_env, tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith(f"error: --port is {port}: cannot listen on 127.0.0.1:{port}: ")
    assert "[Errno 98] Address already in use" in proc.stderr
    assert proc.stderr.rstrip().endswith(f"Stop whatever listens on 127.0.0.1:{port}, or pass --port another port "
                                         "(--port 0 picks a free one).")


def test_serve_without_moto_exits_2_with_the_install_hint(tmp_path: Path, base_env: dict[str, str]) -> None:
    no_moto = "import sys; sys.modules['moto'] = None\n" + _GUARDED_CLI
    proc = _run([sys.executable, "-c", no_moto, "local", "serve", "--port", "0"], base_env, tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: the local backend needs moto's server, which is not importable (")
    assert proc.stderr.rstrip().endswith("install the 'local' extra: pip install 'safemaker[local]'")


def test_local_env_prints_exactly_the_export_line(tmp_path: Path, base_env: dict[str, str]) -> None:
    proc = _run(_cli("local", "env", "--port", "5001", "--region", "ap-northeast-1"), base_env, tmp_path)
    assert proc.returncode == 0
    assert proc.stdout == (
        "export SAFEMAKER_ENDPOINT_URL=http://127.0.0.1:5001 AWS_ENDPOINT_URL=http://127.0.0.1:5001 "
        "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=ap-northeast-1 "
        "AWS_DEFAULT_REGION=ap-northeast-1 AWS_EC2_METADATA_DISABLED=true\n")
    assert proc.stderr == ""
    default = _run(_cli("local", "env"), base_env, tmp_path)
    assert default.stdout.startswith("export SAFEMAKER_ENDPOINT_URL=http://127.0.0.1:5000 ")
    assert "AWS_DEFAULT_REGION=us-east-1 " in default.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["env", "--port", "0"],
         "error: --port is 0; expected a TCP port from 1 to 65535 (the port `local serve` listens on). "
         "Pass --port a port in that range."),
        (["serve", "--port", "70000"],
         "error: --port is 70000; expected a TCP port from 0 (a free port) to 65535. Pass --port a port in "
         "that range."),
        (["serve", "--region", "us east 1"],
         "error: --region is 'us east 1'; expected an AWS region name such as us-east-1 or ap-northeast-1. "
         "Pass --region a region name."),
        (["env", "--region", "$(rm -rf ~)"],
         "error: --region is '$(rm -rf ~)'; expected an AWS region name such as us-east-1 or ap-northeast-1. "
         "Pass --region a region name."),
    ],
)
def test_bad_port_or_region_exits_2(tmp_path: Path, base_env: dict[str, str], args: list[str], message: str) -> None:
    proc = _run(_cli("local", *args), base_env, tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr.strip()) == (2, "", message)


def test_docs_show_the_lines_the_commands_print(tmp_path: Path, base_env: dict[str, str]) -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "local-backend.md").read_text(encoding="utf-8")
    env5000 = _run(_cli("local", "env", "--port", "5000"), base_env, tmp_path)
    assert "  " + env5000.stdout in docs
    from safemaker.cli.local import EMULATED_NOTE

    assert EMULATED_NOTE + "\n" in docs
    assert "stopped; 127.0.0.1:5000 is free and the emulated state is\n  discarded." in docs
    assert "## From the command line" in docs
