"""The rehearsal steps of ``safemaker demo``: a real scikit-learn training and its predictions, with no network,
and a script whose ``pip install`` fails as it would under ``EnableNetworkIsolation``.

Each step function returns ``(result, emulated, details)`` as the demo's steps
do. The scripts are in this package (``digits/``, ``pip_at_start/``).
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any, Callable, Sequence

from ..errors import RehearsalFailed, SandboxUnavailable
from ..inference import rehearse_inference
from ..sandbox import find_sandbox, network_report
from ..training import REHEARSED_LABEL, rehearse_training

__all__ = ["DIGITS_DIR", "PIP_AT_START_DIR", "digits_csv_channels", "rehearse_digits", "rehearse_pip_at_start",
           "PipAtStart"]

DIGITS_DIR = Path(__file__).with_name("digits")
PIP_AT_START_DIR = Path(__file__).with_name("pip_at_start")


def digits_csv_channels(train_vectors: Any, train_digits: Any, test_vectors: Any, test_digits: Any) -> dict[str, bytes]:
    """``train.csv`` and ``test.csv``: one digit a line, its label (0-9) then its 64 pixel values."""
    import numpy as np

    def csv(vectors: Any, digits: Any) -> bytes:
        buf = io.StringIO()
        np.savetxt(buf, np.column_stack([digits, vectors]), delimiter=",", fmt="%g")
        return buf.getvalue().encode()

    return {"train": csv(train_vectors, train_digits), "test": csv(test_vectors, test_digits)}


def _unavailable(exc: SandboxUnavailable) -> tuple[str, bool, list[str]]:
    return "not run: " + str(exc).split(". Nothing was run")[0], False, [str(exc)]


def rehearse_digits(s3_client: Any, bucket: str, prefix: str, channels: dict[str, bytes], shown_vectors: Any,
                    shown_digits: Sequence[int], on_output: Callable[[str], None]) -> tuple[str, bool, list[str]]:
    """Upload the channels, rehearse ``digits/train.py`` from S3, then have the model answer the digits shown.

    Returns
    -------
    tuple
        (result line, emulated=False, detail lines). A machine without
        network namespaces gets ``"not run: ..."`` and nothing runs.
    """
    try:
        find_sandbox()
    except SandboxUnavailable as exc:
        return _unavailable(exc)
    for name, body in channels.items():
        s3_client.put_object(Bucket=bucket, Key=f"{prefix}/rehearsal/{name}/{name}.csv", Body=body)
    job = rehearse_training(
        "train.py", source_dir=DIGITS_DIR, hyperparameters={"max-iter": 1000},
        inputs={name: f"s3://{bucket}/{prefix}/rehearsal/{name}/" for name in channels},
        output_path=f"s3://{bucket}/{prefix}/rehearsal/output", s3_client=s3_client, on_output=on_output)
    output_key = job.output_data[len(f"s3://{bucket}/"):] if job.output_data else ""
    with tarfile.open(fileobj=io.BytesIO(s3_client.get_object(Bucket=bucket, Key=output_key)["Body"].read())) as tar:
        metrics = json.load(tar.extractfile("metrics.json"))
    rows = json.dumps([[float(v) for v in row] for row in shown_vectors])
    [answer] = rehearse_inference(job.model_data, "inference.py", [rows], source_dir=str(DIGITS_DIR),
                                  s3_client=s3_client, on_output=on_output)
    if not answer.ok:
        raise RehearsalFailed("inference", answer.error, answer)
    predicted = [int(p) for p in json.loads(answer.body)]
    correct = sum(p == t for p, t in zip(predicted, shown_digits))
    return (f"scikit-learn on the digits: test accuracy {metrics['test_accuracy']:.4f} "
            f"({metrics['test_count']} held-out digits; {REHEARSED_LABEL})", False,
            [f"predictions of the digits shown: {predicted} for digits {list(shown_digits)} ({correct}/"
             f"{len(predicted)} correct; the model's own answer, {REHEARSED_LABEL})",
             f"job {job.job_name}: {job.seconds:.1f} s in {job.sandbox} (loopback only); model artifact "
             f"{job.model_data}"])


class PipAtStart:
    """``pip_at_start/train.py`` rehearsed in a background thread (pip spends its time waiting between retries).

    :meth:`start` begins it (its output is kept); :meth:`result` waits, replays
    the output to ``on_output`` and returns the demo step's triple.
    """

    def __init__(self) -> None:
        import concurrent.futures

        self.lines: list[str] = []
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="rehearse-pip")
        self._future: Any = None

    def start(self) -> "PipAtStart":
        """Start the rehearsal (no-op where no network namespace can be made: :meth:`result` says so)."""
        try:
            find_sandbox()
        except SandboxUnavailable as exc:
            self._unavailable = exc
            return self
        self._future = self._pool.submit(rehearse_training, "train.py", source_dir=PIP_AT_START_DIR, check=False,
                                         on_output=self.lines.append)
        return self

    def result(self, on_output: Callable[[str], None]) -> tuple[str, bool, list[str]]:
        """Wait for it; replay its output; check that it failed reaching pypi.org.

        Raises
        ------
        RuntimeError
            The script did not fail, or no attempt to reach pypi.org was seen.
        """
        try:
            if self._future is None:
                return _unavailable(self._unavailable)
            job = self._future.result()
        finally:
            self._pool.shutdown(wait=True)
        for line in self.lines:
            on_output(line)
        hosts = [a.target for a in job.network_attempts]
        if job.ok or "pypi.org:443" not in hosts:
            raise RuntimeError(f"expected pip install to fail reaching pypi.org:443; exit code {job.exit_code}, "
                               f"network attempts {hosts}")
        errors = [line.strip() for line in job.output_tail if line.startswith("ERROR:")]
        return (f"`pip install xgboost` fails as under EnableNetworkIsolation=True: {', '.join(hosts)} unreachable "
                f"({REHEARSED_LABEL})", False,
                [f"exit code {job.exit_code} after {job.seconds:.1f} s (run alongside the previous step)", *errors,
                 *network_report(job.network_attempts)])


def rehearse_pip_at_start(on_output: Callable[[str], None]) -> tuple[str, bool, list[str]]:
    """Rehearse ``pip_at_start/train.py`` now (see :class:`PipAtStart`)."""
    return PipAtStart().start().result(on_output)
