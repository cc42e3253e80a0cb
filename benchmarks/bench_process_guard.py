"""Process-wide guard cost: on vs off, botocore calls answered in-process (no server in the denominator).

Run: ``make bench`` (all benchmarks) or ``.venv/bin/python benchmarks/bench_process_guard.py``.

Each client's HTTP layer (``client._endpoint.http_session``) is replaced by a
stub that answers at once with a canned response, so a call is botocore's whole
client path (parameter validation, serialization, SigV4 signing, events,
response parsing) and nothing else; ``Endpoint._send`` still runs, so the final
request verification is included. Off and on are measured on the same clients
in interleaved batches (the process guard is installed and uninstalled between
batches; uninstalling gives botocore its own methods back), several rounds,
medians of this thread's CPU time (``--clock wall`` for wall-clock time):

- a non-SageMaker call (CloudWatch Logs ``DescribeLogGroups``): target <= 1.02x;
- a guarded ``CreateTrainingJob`` (decision on the guard's own copy, the
  approved request's bytes kept and handed to botocore's serializer with a copy
  of the request, final request verification): target <= 1.10x.
  Off sends the same final request the guard would send (the injected fields
  included), so the bodies are byte for byte equal and botocore does the same
  work (``tests/unit/test_bench_process_guard_rows.py`` checks both rows).

CPU time on a shared machine is noisy (the same batch varies by a quarter
between runs), so the on/off rows are also counted in instructions
(``--count instructions``, and by default when valgrind is installed): each
state runs in child processes under ``valgrind --tool=cachegrind``, once with
N calls of a row and once with none, after the same start-up and warm-up; the
difference divided by N is one call's instructions, start-up cancelled. Off and
on alternate, several runs, medians. Without valgrind the output says so and the
CPU-time rows stand alone. The children enter the same offline guard.

The costs of "the request approved is the request sent" are also measured
alone (µs): the guard's copy of the parameters, the approved request's bytes
and the verification of the final serialized request. Nothing leaves the
process: a connection to anything but a loopback address is refused (the same
rule the tests apply).
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _offline  # noqa: E402  (every benchmark runs offline: the tests' loopback-only guard)

_offline.enter()

import boto3
from botocore.awsrequest import AWSResponse

import safemaker
from safemaker import guard, process
from safemaker.profile import VpcProfile

ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"
PROFILE = VpcProfile.from_mapping(
    {"region": "us-east-1", "vpc_id": "vpc-0dddddddddddddddd",
     "subnets": ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0cccccccccccccccc"],
     "security_group_ids": ["sg-0bbbbbbbbbbbbbbbb"], "execution_role_arn": ROLE},
    source="benchmark", env=False,
)


CLOCK = time.thread_time
"""CPU time of this thread: on a machine shared with other work (a loaded CI runner, a 2-core box
running tests), wall-clock ratios measure the neighbours; ``--clock wall`` uses ``perf_counter``."""


def request(name: str = "job") -> dict:
    return {
        "TrainingJobName": name,
        "RoleArn": ROLE,
        "AlgorithmSpecification": {"TrainingImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1",
                                   "TrainingInputMode": "File"},
        "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "HyperParameters": {f"hp{i}": str(i) for i in range(20)},
    }


class CannedHttp:
    """Stands in for botocore's URLLib3Session: every request is answered at once, nothing is sent."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.sent = 0
        self.last: Any = None  # the last request body "sent"

    def send(self, request: Any) -> AWSResponse:
        self.sent += 1
        self.last = request.body
        return AWSResponse(request.url, 200, {"x-amzn-requestid": "bench", "content-type":
                                              "application/x-amz-json-1.1"}, _Raw(self.body))

    def close(self) -> None:
        pass


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, *args: Any, **kwargs: Any) -> Any:
        yield self._body


def clients() -> tuple[Any, Any]:
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                    region_name="us-east-1")
    # a loopback endpoint: if the stub were bypassed, the connection would be refused, not sent to AWS
    sm = session.client("sagemaker", endpoint_url="http://127.0.0.1:9")
    logs = session.client("logs", endpoint_url="http://127.0.0.1:9")
    sm._endpoint.http_session = CannedHttp(
        b'{"TrainingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/job"}')
    logs._endpoint.http_session = CannedHttp(b'{"logGroups": []}')
    return sm, logs


def row_calls(sm: Any, logs: Any) -> dict[str, Any]:
    """The call of each on/off row, given whether the process guard is on.

    Off, the CreateTrainingJob row sends the request the guard would send (its
    injected fields included), so both states send the same bytes and botocore
    does the same work; on, the caller's request is decided, the guard's copy is
    sent and the final request is verified.
    """
    final = guard.apply("CreateTrainingJob", request(), PROFILE)  # what the guard sends: same body off and on
    plain = request()  # the caller's request; the guard never changes it
    return {
        "logs DescribeLogGroups": (lambda on: logs.describe_log_groups()),
        "sagemaker CreateTrainingJob": (lambda on: sm.create_training_job(**(plain if on else final))),
    }


def bench_on_off(rounds: int, batch: int) -> dict[str, tuple[float, float]]:
    """Median µs per call, off and on, for DescribeLogGroups and CreateTrainingJob (interleaved batches)."""
    sm, logs = clients()
    calls = row_calls(sm, logs)
    samples: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in calls}
    for on in (False, True, False, True):  # warm up both states
        (safemaker.install_process(PROFILE) if on else safemaker.uninstall_process())
        for call in calls.values():
            for _ in range(50):
                call(on)
    for r in range(rounds):
        for on in ((False, True) if r % 2 == 0 else (True, False)):  # alternate which state goes first
            if on:
                safemaker.install_process(PROFILE)
            else:
                safemaker.uninstall_process()
            for name, call in calls.items():
                t0 = CLOCK()
                for _ in range(batch):
                    call(on)
                samples[name][1 if on else 0].append((CLOCK() - t0) / batch * 1e6)
    safemaker.uninstall_process()
    assert sm._endpoint.http_session.sent > 0 and logs._endpoint.http_session.sent > 0
    return {name: (statistics.median(off), statistics.median(on)) for name, (off, on) in samples.items()}


class _Prepared:
    """The parts of an AWSPreparedRequest the final check reads."""

    def __init__(self, body: bytes, target: str) -> None:
        self.body, self.headers = body, {"X-Amz-Target": target}


def bench_parts(repeats: int, inner: int) -> dict[str, float]:
    """Median µs of each piece the process guard adds to a CreateTrainingJob call."""
    import json

    req = request()
    final = guard.apply("CreateTrainingJob", req, PROFILE)
    g = safemaker.hooks.Guard(PROFILE)
    fast = process.Approval(g, "CreateTrainingJob", frozenset(), body=process.approved_body(final))
    slow = process.Approval(g, "CreateTrainingJob", frozenset())
    prepared = _Prepared(json.dumps(final).encode(), "SageMaker.CreateTrainingJob")  # as botocore writes it
    model = boto3.session.Session(region_name="us-east-1").client(
        "sagemaker", aws_access_key_id="testing", aws_secret_access_key="testing",
        endpoint_url="http://127.0.0.1:9").meta.service_model.operation_model("CreateTrainingJob")
    pieces = {
        "copy.deepcopy of the parameters (not used; for comparison)": lambda: copy.deepcopy(req),
        "the guard's own copy of the parameters (own_copy)": lambda: process.own_copy(req),
        "the approved request's bytes, kept for the final check (approved_body)": lambda: process.approved_body(final),
        "the copy of the approved request handed to botocore (copy_owned)": lambda: process.copy_owned(final),
        "the whole decision (provide_client_params: copy, decide, record, approval, the copy handed to botocore)":
            lambda: g.provide_client_params(req, model, context={}),
        "final request verification, the approved bytes (fast path)":
            lambda: process.verify_final_request(fast, prepared),
        "final request verification, body decided again as written (slow path)":
            lambda: process.verify_final_request(slow, prepared),
    }
    out = {}
    for name, fn in pieces.items():
        samples = []
        for _ in range(repeats):
            t0 = CLOCK()
            for _ in range(inner):
                fn()
            samples.append((CLOCK() - t0) / inner * 1e6)
        out[name] = statistics.median(samples)
    return out


ROWS = ("logs DescribeLogGroups", "sagemaker CreateTrainingJob")
TARGETS = {"logs DescribeLogGroups": 1.02, "sagemaker CreateTrainingJob": 1.10}
WARMUP = 30  # calls of each row before the counted ones, in every child (caches filled, handlers registered)


def child_workload(on: bool, counts: dict[str, int]) -> tuple[Any, Any]:
    """What one counted child process runs: the process guard on or off, the warm-up, ``counts[row]`` calls.

    Every row is warmed up in every child whatever is counted, so children that
    differ only in ``counts`` run the same start-up and warm-up.
    """
    sm, logs = clients()
    calls = row_calls(sm, logs)
    if on:
        safemaker.install_process(PROFILE)
    for name in ROWS:
        for _ in range(WARMUP):
            calls[name](on)
    for name in ROWS:
        call = calls[name]
        for _ in range(counts.get(name, 0)):
            call(on)
    return sm, logs


_IREFS = re.compile(r"^==\d+== I\s+refs:\s+([\d,]+)", re.M)


def parse_instructions(valgrind_stderr: str) -> int:
    """The ``I refs`` total cachegrind prints at exit.

    Raises
    ------
    RuntimeError
        No total in the output (the child failed); the output's end is in the message.
    """
    found = _IREFS.findall(valgrind_stderr)
    if not found:
        raise RuntimeError(f"no instruction count in valgrind's output: ...{valgrind_stderr[-800:]}")
    return int(found[-1].replace(",", ""))


def count_child(on: bool, row: str | None, n: int, valgrind: str) -> int:
    """Instructions of one child process (``row`` called ``n`` times after the warm-up; ``None``: no calls)."""
    cmd = [valgrind, "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
           sys.executable, str(Path(__file__).resolve()), "--child", "on" if on else "off",
           row or "-", str(n)]
    # this process's environment (the same interpreter, PYTHONPATH and offline AWS variables); the child
    # enters the offline guard itself (module level); a fixed hash seed makes its counts repeatable
    env = dict(os.environ, PYTHONHASHSEED="0")
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"child {cmd[5:]} failed ({done.returncode}): ...{done.stderr[-800:]}")
    return parse_instructions(done.stderr)


def instruction_rows(runs: list[dict[tuple[bool, str | None], int]], n: int) -> dict[str, tuple[float, float, list[float]]]:
    """Per-call instructions of each row, off and on: medians over runs, and each run's ratio.

    Parameters
    ----------
    runs : list of dict
        One dict per run: ``(on, row)`` -> instructions of the child that called
        ``row`` ``n`` times, and ``(on, None)`` -> the child that called nothing.
    n : int
        Calls counted per child.

    Returns
    -------
    dict
        row -> (median off per call, median on per call, ratio on/off of each run).
    """
    out = {}
    for row in ROWS:
        off = [(r[(False, row)] - r[(False, None)]) / n for r in runs]
        on = [(r[(True, row)] - r[(True, None)]) / n for r in runs]
        out[row] = (statistics.median(off), statistics.median(on), [b / a for a, b in zip(off, on)])
    return out


def bench_instructions(runs: int, n: int, valgrind: str) -> dict[str, tuple[float, float, list[float]]]:
    """Count every child of every run (off and on alternate which goes first) and build the rows."""
    counted = []
    for r in range(runs):
        one: dict[tuple[bool, str | None], int] = {}
        for on in ((False, True) if r % 2 == 0 else (True, False)):
            for row in (None, *ROWS):
                one[(on, row)] = count_child(on, row, n if row else 0, valgrind)
        counted.append(one)
    return instruction_rows(counted, n)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--batch", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--inner", type=int, default=500)
    ap.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                    help="cpu: this thread's CPU time (default); wall: time.perf_counter")
    ap.add_argument("--count", choices=("auto", "time", "instructions", "both"), default="auto",
                    help="time: CPU-time rows only; instructions: valgrind instruction counts only; "
                         "both; auto (default): both when valgrind is installed, else time")
    ap.add_argument("--runs", type=int, default=3, help="instruction counts: runs (medians)")
    ap.add_argument("--calls", type=int, default=200, help="instruction counts: calls counted per child")
    ap.add_argument("--quick", action="store_true", help="smaller sizes")
    ap.add_argument("--child", nargs=3, metavar=("STATE", "ROW", "N"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:  # one counted child (under valgrind): run the workload, print nothing
        state, row, n = args.child
        child_workload(state == "on", {} if row == "-" else {row: int(n)})
        return 0
    if args.quick:
        args.rounds, args.batch, args.repeats, args.inner = 10, 100, 10, 200
        args.runs, args.calls = 1, 100
    global CLOCK
    CLOCK = time.thread_time if args.clock == "cpu" else time.perf_counter
    valgrind = shutil.which("valgrind")
    count_time = args.count in ("auto", "time", "both")
    count_instructions = args.count in ("instructions", "both") or (args.count == "auto" and valgrind is not None)
    if count_instructions and valgrind is None:
        print("valgrind not found: instruction counts need it (apt-get install valgrind)", file=sys.stderr)
        return 2
    if count_time:
        print(f"clock: {args.clock} ({CLOCK.__name__}); medians of interleaved batches; "
              f"load average {os.getloadavg()[0]:.1f}")
        parts = bench_parts(args.repeats, args.inner)
        results = bench_on_off(args.rounds, args.batch)
        for name, us in parts.items():
            print(f"{name}: {us:.1f} µs median")
        for name, (off, on) in results.items():
            print(f"{name}, calls answered in-process: off {off:.1f} µs, on {on:.1f} µs, "
                  f"ratio {on / off:.3f} (target <= {TARGETS[name]:.2f})")
    if count_instructions:
        print(f"instructions per call: valgrind cachegrind, a child with {args.calls} calls minus one with none "
              f"(same start-up and warm-up), {args.runs} run(s), off and on alternating, medians")
        for name, (off, on, ratios) in bench_instructions(args.runs, args.calls, valgrind).items():  # type: ignore[arg-type]
            print(f"{name}, calls answered in-process: off {off:,.0f}, on {on:,.0f} instructions, "
                  f"ratio {on / off:.3f} (target <= {TARGETS[name]:.2f}; runs: "
                  f"{' '.join(f'{r:.3f}' for r in ratios)})")
    elif args.count == "auto":
        print("instruction counts skipped: valgrind is not installed (CPU-time rows only; "
              "`--count instructions` needs valgrind)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
