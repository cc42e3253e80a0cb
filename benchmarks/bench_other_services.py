"""Process guard cost for the services whose clients now carry its handler (Cloud Control, Step Functions,
Scheduler, EventBridge, SSM, Service Catalog): their *other* operations, on vs off.

Run: ``.venv/bin/python benchmarks/bench_other_services.py`` (``--quick`` for smaller sizes).

The process guard registers its handler on those clients' decided operations only
(``provide-client-params.<service>.<Operation>``, :mod:`safemaker.other_services`), so
``ssm.get_parameter`` or ``events.put_events`` should cost what any other service's call
costs under the guard (``benchmarks/bench_process_guard.py``: target <= 1.02x). Calls are
answered in-process by that benchmark's canned HTTP layer (botocore's whole client path, no
server); off and on alternate in interleaved batches, medians of this thread's CPU time; with
valgrind, also instructions per call (a child with N calls minus one with none, same start-up
and warm-up, off and on alternating, medians). A decided operation (``scheduler.create_schedule``
of a Lambda target: read as a schedule resource, nothing found) is shown for scale. Nothing
leaves the process.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _offline  # noqa: E402

_offline.enter()

import boto3  # noqa: E402

import safemaker  # noqa: E402
from bench_process_guard import PROFILE, CannedHttp, parse_instructions  # noqa: E402

CLOCK = time.thread_time
ROWS = ("ssm GetParameter", "events PutEvents")
DECIDED_ROW = "scheduler CreateSchedule (decided, a Lambda target)"
TARGET = 1.02
WARMUP = 30


def clients() -> dict[str, Any]:
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                    region_name="us-east-1")
    made = {}
    for service, body in (("ssm", b'{"Parameter": {"Name": "p", "Value": "v"}}'),
                          ("events", b'{"FailedEntryCount": 0, "Entries": []}'),
                          ("scheduler", b'{"ScheduleArn": "arn:aws:scheduler:us-east-1:123456789012:schedule/d/s"}')):
        c = session.client(service, endpoint_url="http://127.0.0.1:9")  # loopback: a bypassed stub is refused
        c._endpoint.http_session = CannedHttp(body)
        made[service] = c
    return made


def row_calls(c: dict[str, Any]) -> dict[str, Any]:
    target = {"Arn": "arn:aws:lambda:us-east-1:123456789012:function:f", "RoleArn": "arn:aws:iam::123456789012:role/r"}
    return {
        "ssm GetParameter": lambda: c["ssm"].get_parameter(Name="p"),
        "events PutEvents": lambda: c["events"].put_events(Entries=[{"Source": "s", "DetailType": "d", "Detail": "{}"}]),
        DECIDED_ROW: lambda: c["scheduler"].create_schedule(Name="s", ScheduleExpression="rate(1 day)",
                                                            FlexibleTimeWindow={"Mode": "OFF"}, Target=target),
    }


def bench_time(rounds: int, batch: int) -> dict[str, tuple[float, float]]:
    calls = row_calls(clients())
    samples: dict[str, tuple[list[float], list[float]]] = {n: ([], []) for n in calls}
    for on in (False, True, False, True):
        safemaker.install_process(PROFILE) if on else safemaker.uninstall_process()
        for call in calls.values():
            for _ in range(WARMUP):
                call()
    for r in range(rounds):
        for on in ((False, True) if r % 2 == 0 else (True, False)):
            safemaker.install_process(PROFILE) if on else safemaker.uninstall_process()
            for name, call in calls.items():
                n = batch if name in ROWS else max(1, batch // 20)
                t0 = CLOCK()
                for _ in range(n):
                    call()
                samples[name][1 if on else 0].append((CLOCK() - t0) / n * 1e6)
    safemaker.uninstall_process()
    return {n: (statistics.median(a), statistics.median(b)) for n, (a, b) in samples.items()}


def child(on: bool, row: str | None, n: int) -> None:
    calls = row_calls(clients())
    if on:
        safemaker.install_process(PROFILE)
    for name in ROWS:
        for _ in range(WARMUP):
            calls[name]()
    for _ in range(n if row else 0):
        calls[row]()  # type: ignore[index]


def count(on: bool, row: str | None, n: int, valgrind: str) -> int:
    cmd = [valgrind, "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null", sys.executable,
           str(Path(__file__).resolve()), "--child", "on" if on else "off", row or "-", str(n)]
    done = subprocess.run(cmd, env=dict(os.environ, PYTHONHASHSEED="0"), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"child failed ({done.returncode}): ...{done.stderr[-800:]}")
    return parse_instructions(done.stderr)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--batch", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3, help="instruction counts: runs (medians)")
    ap.add_argument("--calls", type=int, default=200, help="instruction counts: calls per child")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        state, row, n = args.child
        child(state == "on", None if row == "-" else row, int(n))
        return 0
    if args.quick:
        args.rounds, args.batch, args.runs, args.calls = 8, 100, 1, 100
    print(f"CPU time (thread_time), medians of {args.rounds} interleaved rounds; load {os.getloadavg()[0]:.1f}")
    for name, (off, on) in bench_time(args.rounds, args.batch).items():
        goal = f" (target <= {TARGET:.2f})" if name in ROWS else ""
        print(f"{name}: off {off:.1f} µs, on {on:.1f} µs, ratio {on / off:.3f}{goal}")
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        print("instruction counts skipped: valgrind is not installed")
        return 0
    print(f"instructions per call (cachegrind, {args.calls} calls minus none, {args.runs} run(s), medians)")
    for row in ROWS:
        off, on = [], []
        for r in range(args.runs):
            for state in ((False, True) if r % 2 == 0 else (True, False)):
                per = (count(state, row, args.calls, valgrind) - count(state, None, 0, valgrind)) / args.calls
                (on if state else off).append(per)
        a, b = statistics.median(off), statistics.median(on)
        print(f"{row}: off {a:,.0f}, on {b:,.0f} instructions, ratio {b / a:.3f} (target <= {TARGET:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
