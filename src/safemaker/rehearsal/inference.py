"""Rehearse inference: a model's own ``inference.py`` answers requests, locally, with no network.

The model artifact is fetched (S3 or local) and extracted outside the
sandbox, as SageMaker hosting does into ``/opt/ml/model``; the inference
script is loaded inside the sandbox by ``_inside/serve.py``, which calls the
SageMaker inference toolkit's handlers (``model_fn``, ``input_fn``,
``predict_fn``, ``output_fn`` or ``transform_fn``) with the scikit-learn
container's defaults for those not defined. Requests and answers travel over
the process's stdin/stdout (no socket at all); the script's own output is
streamed as logs.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from .errors import RehearsalFailed, RehearsalInputError
from .sandbox import (NetworkAttempt, Sandbox, check_isolated, find_sandbox, network_report, read_network_attempts,
                      sandbox_env, start_in_sandbox)
from .staging import fetch_model
from .training import REHEARSED_LABEL, _print

__all__ = ["InferenceRehearsal", "InvocationResult", "rehearse_inference", "SERVE"]

SERVE = Path(__file__).with_name("_inside") / "serve.py"


@dataclass(frozen=True)
class InvocationResult:
    """One answer of the rehearsed model.

    Attributes
    ----------
    status : int
        200, or 415 / 500 as the inference toolkit answers an error.
    body : bytes
        What ``output_fn`` returned (an error's text when status is not 200).
    content_type : str
    error : str
        The traceback, when status is not 200.
    network_attempts : list of NetworkAttempt
        New attempts to reach another host while answering.
    """

    status: int
    body: bytes
    content_type: str
    error: str = ""
    network_attempts: list[NetworkAttempt] = field(default_factory=list)
    label: str = REHEARSED_LABEL

    @property
    def ok(self) -> bool:
        return self.status == 200

    def text(self) -> str:
        """The body as UTF-8 text."""
        return self.body.decode("utf-8", "replace")


class InferenceRehearsal:
    """A model served in the sandbox; use as a context manager.

    Parameters
    ----------
    model_data : str
        ``s3://.../model.tar.gz``, a local ``model.tar.gz`` or a model directory.
    entry_point : str, optional
        The inference script, relative to ``source_dir`` when given; default
        ``code/inference.py`` inside the model (where the SDK repacks it).
    source_dir : str, optional
        Copied to ``/opt/ml/model/code`` (as the SDK repacks it).
    s3_client : botocore client, optional
        For an S3 ``model_data`` (never given to the model's code).
    on_output : callable, optional
        Receives each line the script prints (default: stdout).
    environment : mapping, optional
        The model's ``Environment`` variables.
    sandbox : Sandbox, optional
    timeout : float, default 300
        Seconds to wait for ``model_fn`` and for each answer.

    Raises
    ------
    SandboxUnavailable
        No network namespace here (nothing was fetched or run).
    RehearsalInputError
        No inference script, or a model that cannot be found.
    RehearsalFailed
        Loading the model (``model_fn``) failed; the message lists network attempts.
    """

    def __init__(self, model_data: str, entry_point: str | None = None, *, source_dir: str | None = None,
                 s3_client: Any = None, on_output: Callable[[str], None] | None = None,
                 environment: dict[str, str] | None = None, sandbox: Sandbox | None = None,
                 timeout: float = 300.0) -> None:
        self.model_data = model_data
        self.entry_point = entry_point
        self.source_dir = source_dir
        self.s3_client = s3_client
        self.say = on_output or _print
        self.environment = dict(environment or {})
        self.sandbox = sandbox
        self.timeout = timeout
        self.work: Path | None = None
        self.proc: Any = None
        self._seen = 0
        self._lock = threading.Lock()
        self._logs: threading.Thread | None = None

    # ------------------------------------------------------------------ start / stop

    def __enter__(self) -> "InferenceRehearsal":
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def start(self) -> None:
        """Fetch the model, start the server in the sandbox and wait until ``model_fn`` has loaded it."""
        if self.source_dir is not None and not Path(self.source_dir).is_dir():
            raise RehearsalInputError(field="source_dir", value=self.source_dir, fix="expected an existing directory")
        sandbox = self.sandbox or find_sandbox()
        self.work = Path(tempfile.mkdtemp(prefix="safemaker-rehearsal-serve-"))
        try:
            self._start(sandbox)
        except BaseException:
            self.close()
            raise

    def _start(self, sandbox: Sandbox) -> None:
        assert self.work is not None
        model_dir = self.work / "opt" / "ml" / "model"
        fetch_model(self.model_data, model_dir, self.s3_client)
        code_dir = model_dir / "code"
        if self.source_dir is not None:
            shutil.copytree(self.source_dir, code_dir, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        entry = self.entry_point or "inference.py"
        if self.source_dir is None and self.entry_point is not None and Path(self.entry_point).is_file():
            code_dir.mkdir(parents=True, exist_ok=True)
            shutil.copy2(self.entry_point, code_dir / Path(self.entry_point).name)
            entry = Path(self.entry_point).name
        if not (code_dir / entry).is_file():
            raise RehearsalInputError(field="entry_point", value=self.entry_point or "code/inference.py in the model",
                                      fix="give the inference script (entry_point=, with source_dir= if it is "
                                          "relative), or repack it into the model as code/inference.py")
        self.netlog = self.work / "network.jsonl"
        env = sandbox_env(os.environ, netlog=self.netlog, code_dir=code_dir, extra=self.environment)
        env.update({"SAGEMAKER_PROGRAM": entry, "SAGEMAKER_SUBMIT_DIRECTORY": str(code_dir),
                    "SM_MODEL_DIR": str(model_dir), "SAGEMAKER_BASE_DIR": str(self.work / "opt" / "ml"),
                    "SAGEMAKER_CONTAINER_LOG_LEVEL": "20"})
        self.say(f"safemaker rehearse: serving {entry} of {self.model_data} in this Python environment "
                 f"({sys.executable}), with no network ({sandbox.description}: loopback only)")
        self.proc, marker = start_in_sandbox(sandbox, [sys.executable, str(SERVE), str(model_dir), str(code_dir),
                                                       entry], cwd=code_dir, env=env, work=self.work)
        self._tail: list[str] = []
        self._logs = threading.Thread(target=self._pump_logs, daemon=True)
        self._logs.start()
        header, _ = self._receive()
        if header is None:
            self.proc.wait(timeout=self.timeout)
            self._logs.join(timeout=5)
            check_isolated(sandbox, marker, self.proc.returncode, self._tail[-1] if self._tail else "")
            raise RehearsalFailed("inference", f"the server exited (code {self.proc.returncode}) before answering",
                                  self._tail)
        check_isolated(sandbox, marker, None, "")
        if not header.get("ready"):
            attempts = self._new_attempts()
            report = "\n".join([f"model_fn failed: {header.get('error', '').strip()}", *network_report(attempts)])
            for line in network_report(attempts):
                self.say(f"safemaker rehearse: {line}")
            raise RehearsalFailed("inference (loading the model)", report, attempts)
        self.say(f"safemaker rehearse: model loaded by model_fn ({REHEARSED_LABEL})")

    def _pump_logs(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        for raw in iter(self.proc.stderr.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self._tail = (self._tail + [line])[-50:]
            self.say(line)

    def close(self) -> None:
        """Stop the server and delete the temporary directory."""
        if self.proc is not None:
            try:
                if self.proc.stdin:
                    self.proc.stdin.close()
                self.proc.wait(timeout=10)
            except Exception:  # noqa: BLE001 - stop it whatever state it is in
                self.proc.kill()
                self.proc.wait()
            if self._logs is not None:
                self._logs.join(timeout=5)
            for stream in (self.proc.stdout, self.proc.stderr):
                if stream:
                    stream.close()
            self.proc = None
        if self.work is not None:
            shutil.rmtree(self.work, ignore_errors=True)
            self.work = None

    # ------------------------------------------------------------------ requests

    def _receive(self) -> tuple[dict | None, bytes]:
        assert self.proc is not None and self.proc.stdout is not None
        result: list[Any] = []

        def read() -> None:
            line = self.proc.stdout.readline()
            if not line:
                return
            header = json.loads(line)
            result.extend([header, self.proc.stdout.read(header["length"])])

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(self.timeout)
        if reader.is_alive():
            self.proc.kill()
            raise RehearsalFailed("inference", f"no answer within {self.timeout:g} s; the server was stopped", None)
        return (result[0], result[1]) if result else (None, b"")

    def _new_attempts(self) -> list[NetworkAttempt]:
        attempts = read_network_attempts(self.netlog)
        new, self._seen = attempts[self._seen:], len(attempts)
        return new

    def invoke(self, body: bytes | str, content_type: str = "application/json",
               accept: str = "application/json") -> InvocationResult:
        """Send one request (InvokeEndpoint's Body, ContentType, Accept) and return the answer.

        Raises
        ------
        RehearsalFailed
            The server is gone or did not answer in time.
        """
        if self.proc is None or self.proc.stdin is None:
            raise RehearsalFailed("inference", "the server is not running (call start() or use `with`)", None)
        data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        with self._lock:
            try:
                self.proc.stdin.write(json.dumps({"content_type": content_type, "accept": accept,
                                                  "length": len(data)}).encode() + b"\n" + data)
                self.proc.stdin.flush()
            except BrokenPipeError:
                raise RehearsalFailed("inference", "the server exited", None) from None
            header, payload = self._receive()
        if header is None:
            raise RehearsalFailed("inference", f"the server exited (code {self.proc.poll()})", None)
        attempts = self._new_attempts()
        for line in network_report(attempts):
            self.say(f"safemaker rehearse: {line}")
        return InvocationResult(header.get("status", 500), payload, header.get("content_type", ""),
                                header.get("error", ""), attempts)


def rehearse_inference(model_data: str, entry_point: str | None = None, payloads: Iterable[bytes | str] = (), *,
                       source_dir: str | None = None, content_type: str = "application/json",
                       accept: str = "application/json", s3_client: Any = None,
                       on_output: Callable[[str], None] | None = None, environment: dict[str, str] | None = None,
                       sandbox: Sandbox | None = None) -> list[InvocationResult]:
    """Serve ``model_data`` with its inference script in the sandbox and answer each payload.

    Parameters
    ----------
    model_data, entry_point, source_dir, s3_client, on_output, environment, sandbox
        As :class:`InferenceRehearsal`.
    payloads : iterable of bytes or str
        Request bodies (InvokeEndpoint ``Body``), answered in order.
    content_type, accept : str, default "application/json"
        InvokeEndpoint ``ContentType`` and ``Accept`` of every request.

    Returns
    -------
    list of InvocationResult
        One per payload, in order (an error answer has status 415 or 500).

    Raises
    ------
    SandboxUnavailable, RehearsalInputError, RehearsalFailed
        As :class:`InferenceRehearsal`.
    """
    with InferenceRehearsal(model_data, entry_point, source_dir=source_dir, s3_client=s3_client,
                            on_output=on_output, environment=environment, sandbox=sandbox) as server:
        start = time.perf_counter()
        results = [server.invoke(p, content_type, accept) for p in payloads]
        server.say(f"safemaker rehearse: {len(results)} request(s) answered in {time.perf_counter() - start:.2f} s "
                   f"({REHEARSED_LABEL})")
        return results
