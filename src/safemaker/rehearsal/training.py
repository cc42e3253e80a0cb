"""Rehearse a script-mode training job: its own code, locally, with no network."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from .contract import TrainingContract, encode_hyperparameters
from .errors import RehearsalFailed, RehearsalInputError
from .sandbox import (NetworkAttempt, Sandbox, find_sandbox, network_report, read_network_attempts, run_in_sandbox,
                      sandbox_env)
from .staging import channel_sources, pack_dir, put_output, stage_channel

__all__ = ["TrainingRehearsal", "rehearse_training", "REHEARSED_LABEL", "default_job_name"]

REHEARSED_LABEL = "rehearsed locally with no network, not on SageMaker"
"""How a result of a rehearsal is labelled wherever it is shown."""

FAILURE_REASON_CHARS = 1024
"""DescribeTrainingJob's FailureReason is the first 1024 characters of /opt/ml/output/failure."""


def default_job_name(base: str) -> str:
    """``<base>-YYYY-MM-DD-HH-MM-SS-mmm``, as the SageMaker SDK names jobs (``sagemaker.utils.name_from_base``)."""
    now = time.time()
    stamp = time.strftime("%Y-%m-%d-%H-%M-%S", time.gmtime(now)) + f"-{int(now * 1000) % 1000:03d}"
    base = "".join(c if c.isalnum() or c == "-" else "-" for c in base).strip("-")[: 63 - len(stamp) - 1] or "rehearsal"
    return f"{base}-{stamp}"


@dataclass
class TrainingRehearsal:
    """What a training rehearsal did.

    Attributes
    ----------
    job_name : str
    exit_code : int
        Of the entry point (or of the requirements.txt check when that failed first).
    seconds : float
        Wall time of the job's code in the sandbox.
    sandbox : str
        How the namespace was made (``unshare --net``...).
    network_attempts : list of NetworkAttempt
        Hosts the code tried to reach (each failed: the sandbox has no network).
    failure_reason : str
        First 1024 characters of ``/opt/ml/output/failure`` (empty on success).
    model_data : str or None
        Where ``model.tar.gz`` was put (S3 URI or local path); None on failure.
    output_data : str or None
        Where ``output.tar.gz`` was put.
    output_tail : list of str
        Last lines the code printed.
    work_dir : pathlib.Path or None
        The temporary directory standing for ``/opt/ml`` when kept: ``keep=True``, or a completed run
        without ``output_path`` (its ``model.tar.gz`` is there). A failed run leaves nothing otherwise.
    """

    job_name: str
    exit_code: int
    seconds: float
    sandbox: str
    network_attempts: list[NetworkAttempt] = field(default_factory=list)
    failure_reason: str = ""
    model_data: str | None = None
    output_data: str | None = None
    output_tail: list[str] = field(default_factory=list)
    work_dir: Path | None = None
    label: str = REHEARSED_LABEL

    @property
    def ok(self) -> bool:
        """The code exited 0."""
        return self.exit_code == 0

    def to_dict(self) -> dict[str, Any]:
        """The rehearsal as JSON-ready data (``safemaker rehearse --format json``).

        Returns
        -------
        dict
            ``{"label", "job_name", "ok", "exit_code", "seconds", "sandbox",
            "failure_reason", "model_data", "output_data", "network_attempts":
            [{"host", "port", "call", "program", "where", "line"}], "output_tail",
            "work_dir"}``; ``label`` says that nothing ran on SageMaker, ``seconds``
            is wall time in seconds, absent values are ``null``.
        """
        return {"label": self.label, "job_name": self.job_name, "ok": self.ok, "exit_code": self.exit_code,
                "seconds": round(self.seconds, 3), "sandbox": self.sandbox, "failure_reason": self.failure_reason,
                "model_data": self.model_data, "output_data": self.output_data,
                "network_attempts": [a.to_dict() for a in self.network_attempts],
                "output_tail": list(self.output_tail),
                "work_dir": str(self.work_dir) if self.work_dir is not None else None}

    def report(self) -> str:
        """Failure reason and network attempts, as printed."""
        lines = []
        if not self.ok:
            lines.append(f"exit code {self.exit_code}; FailureReason: {self.failure_reason.strip()}")
        lines += network_report(self.network_attempts)
        return "\n".join(lines)


def _failure_text(kind: str, code: int, tail: Sequence[str], command: Sequence[str]) -> str:
    """The toolkit's ``_CalledProcessError`` text (``ExecuteUserScriptError``...)."""
    message = "\n".join(tail[-10:])
    return f'{kind}:\nExitCode {code}\nErrorMessage "{message}"\nCommand "{" ".join(command)}"'


def _print(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def rehearse_training(
    entry_point: str | os.PathLike[str],
    *,
    source_dir: str | os.PathLike[str] | None = None,
    dependencies: Sequence[str | os.PathLike[str]] | None = None,
    hyperparameters: Mapping[str, Any] | None = None,
    inputs: Mapping[str, Any] | str | None = None,
    output_path: str | None = None,
    job_name: str | None = None,
    instance_type: str = "ml.m5.large",
    region: str | None = None,
    s3_client: Any = None,
    max_run: float | None = 24 * 3600,
    on_output: Callable[[str], None] | None = None,
    keep: bool = False,
    check: bool = True,
    environment: Mapping[str, str] | None = None,
    sandbox: Sandbox | None = None,
) -> TrainingRehearsal:
    """Run a script-mode training entry point locally, in a network namespace with loopback only.

    The job's own code runs in this Python environment under the SageMaker
    training contract (:class:`~safemaker.rehearsal.contract.TrainingContract`:
    ``SM_*`` variables, ``/opt/ml/input/config/*.json``, one directory per
    channel, ``SM_MODEL_DIR``, ``/opt/ml/output/failure``, all under a temporary
    directory), with the hyperparameters as ``--name value`` arguments.
    Channels are staged from S3 (or local paths) first, outside the sandbox;
    a ``requirements.txt`` in ``source_dir`` is resolved with
    ``pip install --dry-run -r requirements.txt`` inside the sandbox (what the
    toolkit installs before the script; nothing is installed here). On
    success ``model.tar.gz`` (and ``output.tar.gz``) go to
    ``<output_path>/<job_name>/output/``.

    Parameters
    ----------
    entry_point : str or path
        The script, relative to ``source_dir`` when given.
    source_dir : str or path, optional
        Directory copied to the code directory (the working directory).
    dependencies : sequence of paths, optional
        Copied next to the code (the SDK's ``dependencies``).
    hyperparameters : mapping, optional
        Values as CreateTrainingJob carries them (strings; others JSON-encoded).
    inputs : str or mapping, optional
        As ``Estimator.fit`` takes them (see :func:`~safemaker.rehearsal.staging.channel_sources`).
    output_path : str, optional
        ``s3://bucket/prefix`` or a local directory; default: nothing is put
        anywhere and the work directory is kept (``model_data`` is its
        ``model.tar.gz``).
    job_name : str, optional
        Default ``<entry point stem>-rehearsal-<timestamp>``.
    instance_type : str, default "ml.m5.large"
        Written to resourceconfig.json (the code runs on this machine).
    region : str, optional
        ``sagemaker_region`` / ``SAGEMAKER_REGION``.
    s3_client : botocore client, optional
        For S3 channels and an S3 output path (never given to the job's code).
    max_run : float, default 86400
        Seconds before the code is killed (StoppingCondition.MaxRuntimeInSeconds); > 0,
        ``None`` for no limit.
    on_output : callable, optional
        Called with each line the code prints (default: written to stdout as it comes).
    keep : bool, default False
        Keep the temporary directory (``work_dir``).
    check : bool, default True
        Raise :class:`RehearsalFailed` when the code fails.
    environment : mapping, optional
        Extra variables for the code (the estimator's ``environment``).
    sandbox : Sandbox, optional
        Default :func:`~safemaker.rehearsal.sandbox.find_sandbox` (checked before anything else happens).

    Returns
    -------
    TrainingRehearsal

    Raises
    ------
    SandboxUnavailable
        No network namespace here: nothing was staged or run.
    RehearsalInputError
        A missing entry point or source_dir, a bad channel or output path,
        ``max_run`` not > 0 (nothing was run or uploaded).
    RehearsalFailed
        ``check`` and the code exited non-zero (``.result`` holds the rehearsal).
    botocore.exceptions.ClientError
        S3 refused a download or an upload.
    """
    if max_run is not None and not max_run > 0:  # also NaN
        raise RehearsalInputError(field="max_run", value=max_run,
                                  fix="expected a number of seconds > 0 (StoppingCondition.MaxRuntimeInSeconds, "
                                      "at least 1); pass e.g. 3600")
    say = on_output or _print
    src = Path(source_dir).expanduser() if source_dir is not None else None
    if src is not None and not src.is_dir():
        raise RehearsalInputError(field="source_dir", value=str(source_dir), fix="expected an existing directory")
    entry = (src / entry_point) if src is not None else Path(entry_point).expanduser()
    if not entry.is_file():
        raise RehearsalInputError(field="entry_point", value=str(entry_point),
                                  fix=f"no such file{' in source_dir ' + str(src) if src else ''}; "
                                      "give the training script's path")
    deps = [Path(d).expanduser() for d in dependencies or []]
    for d in deps:
        if not d.exists():
            raise RehearsalInputError(field="dependencies", value=str(d), fix="expected an existing file or directory")
    sources = channel_sources(inputs)
    if output_path is not None and output_path.startswith("s3://") and s3_client is None:
        raise RehearsalInputError(field="output_path", value=output_path,
                                  fix="an S3 output path needs an S3 client (s3_client=, or the estimator's session)")
    sandbox = sandbox or find_sandbox()
    job_name = job_name or default_job_name(f"{entry.stem}-rehearsal")
    entry_name = str(Path(entry_point)) if src is not None else entry.name
    work = Path(tempfile.mkdtemp(prefix="safemaker-rehearsal-"))
    keep_artifacts = False  # a completed run without output_path: its artifacts stay in the work directory
    try:
        contract = TrainingContract(work / "opt" / "ml", entry_name, job_name,
                                    encode_hyperparameters(hyperparameters or {}),
                                    {s.name: s.config for s in sources}, instance_type, region)
        contract.create()
        contract.copy_code(src, entry, deps)
        for s in sources:
            n = stage_channel(s, contract.channel_dir(s.name), s3_client)
            say(f"safemaker rehearse: channel {s.name}: {n} file(s) from {s.uri} -> {contract.channel_dir(s.name)}")
        netlog = work / "network.jsonl"
        env = sandbox_env(os.environ, netlog=netlog, code_dir=contract.code_dir, extra=environment)
        env.update(contract.environment())
        say(f"safemaker rehearse: training job {job_name}: {entry_name} in this Python environment "
            f"({sys.executable}), with no network ({sandbox.description}: loopback only); "
            f"/opt/ml is {contract.base_dir}")
        start = time.perf_counter()
        kind, command = "ExecuteUserScriptError", [sys.executable, entry_name, *contract.script_args()]
        run = None
        if (contract.code_dir / "requirements.txt").is_file():
            pip = [sys.executable, "-m", "pip", "install", "--dry-run", "--disable-pip-version-check",
                   "-r", "requirements.txt"]
            say("safemaker rehearse: requirements.txt: pip install --dry-run -r requirements.txt "
                "(the toolkit installs it before the script)")
            run = run_in_sandbox(sandbox, pip, cwd=contract.code_dir, env=env, work=work, on_output=say,
                                 timeout=max_run)
            if run.exit_code != 0:
                kind, command = "InstallRequirementsError", pip
        if run is None or run.exit_code == 0:
            run = run_in_sandbox(sandbox, command, cwd=contract.code_dir, env=env, work=work, on_output=say,
                                 timeout=max_run)
        seconds = time.perf_counter() - start
        attempts = read_network_attempts(netlog)
        result = TrainingRehearsal(job_name, run.exit_code, seconds, sandbox.description, attempts,
                                   output_tail=run.output_tail, work_dir=work if keep else None)
        if run.exit_code != 0:
            if not contract.failure_file.exists():
                text = _failure_text(kind, run.exit_code, run.output_tail, command)
                if run.timed_out:
                    text = f"MaxRuntimeExceeded: killed after {max_run:g} s\n" + text
                contract.failure_file.write_text(text)
            result.failure_reason = contract.failure_file.read_text()[:FAILURE_REASON_CHARS]
            last = next((line.strip() for line in reversed(run.output_tail) if line.strip()), "no output")
            say(f"safemaker rehearse: training job {job_name} FAILED in {seconds:.1f} s "
                f"({kind}, exit code {run.exit_code}): {last}")
            for line in network_report(attempts):
                say(f"safemaker rehearse: {line}")
            if check:
                raise RehearsalFailed(f"training job {job_name}", result.report(), result)
            return result
        (contract.output_dir / "success").write_text("")
        packed = [pack_dir(contract.model_dir, work / "model.tar.gz"),
                  pack_dir(contract.output_data_dir, work / "output.tar.gz")]
        if output_path is not None:
            put = put_output(packed, output_path, job_name, s3_client)
            result.model_data, result.output_data = put[0], put[1]
        else:
            result.model_data, result.output_data = str(packed[0]), str(packed[1])
            keep_artifacts = True
            result.work_dir = work
        say(f"safemaker rehearse: training job {job_name} completed in {seconds:.1f} s ({REHEARSED_LABEL}); "
            f"model artifact {result.model_data}")
        for line in network_report(attempts):
            say(f"safemaker rehearse: {line}")
        return result
    finally:
        if not (keep or keep_artifacts):  # a failed or refused run leaves nothing behind unless --keep
            shutil.rmtree(work, ignore_errors=True)
