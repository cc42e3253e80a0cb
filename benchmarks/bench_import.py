"""Import cost: ``import safemaker`` vs ``import boto3`` vs ``import sagemaker``, side by side.

Each import runs in a fresh interpreter (``python -c``), measured two ways:
the time the import statement itself takes inside the process
(``time.perf_counter`` around it) and the wall time of the whole process.
The three modules are interleaved round by round (so machine noise hits all
of them alike) and the median of ``--runs`` rounds (default 11, at least 10)
is reported with the ratios.

Targets (issue 3):

- ``import safemaker`` under 1.5x ``import boto3`` (in-process import time);
- ``import safemaker`` imports no module of the SageMaker SDK
  (``sagemaker`` or ``sagemaker.*`` in ``sys.modules``), nor does
  ``import safemaker.sdk``: the SDK loads when an SDK name is first used.

Exit code 0 when both targets are met, 1 otherwise.

Usage: ``python benchmarks/bench_import.py [--runs N]`` (``make bench`` runs it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

MODULES = ("boto3", "safemaker", "sagemaker")
TARGET_RATIO = 1.5

_PROBE = (
    "import time, sys, json\n"
    "t = time.perf_counter()\n"
    "import {module}\n"
    "elapsed = time.perf_counter() - t\n"
    "sdk = sorted(m for m in sys.modules if m == 'sagemaker' or m.startswith('sagemaker.'))\n"
    "print(json.dumps({{'import': elapsed, 'sdk_modules': len(sdk)}}))\n"
)


def measure(module: str) -> tuple[float, float, int]:
    """(in-process import seconds, process wall seconds, SDK modules loaded) for one fresh process."""
    env = {**os.environ, "SAGEMAKER_SUPPRESS_V2_WARNING": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _PROBE.format(module=module)], capture_output=True, text=True,
                         env=env, check=True)
    wall = time.perf_counter() - start
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return data["import"], wall, data["sdk_modules"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="import safemaker vs boto3 vs sagemaker")
    parser.add_argument("--runs", type=int, default=11, help="rounds (each module once per round); >= 10")
    args = parser.parse_args(argv)
    if args.runs < 10:
        parser.error(f"--runs is {args.runs}; give at least 10 for a stable median")

    for module in MODULES:  # warm the file system cache and .pyc files once, not counted
        measure(module)
    samples: dict[str, list[tuple[float, float, int]]] = {m: [] for m in MODULES}
    for _ in range(args.runs):
        for module in MODULES:
            samples[module].append(measure(module))

    imp = {m: statistics.median(s[0] for s in samples[m]) for m in MODULES}
    wall = {m: statistics.median(s[1] for s in samples[m]) for m in MODULES}
    sdk_loaded = max(s[2] for s in samples["safemaker"])
    _, _, sdk_by_sdk_package = measure("safemaker.sdk")

    print(f"median of {args.runs} fresh processes per module, interleaved (python {sys.version.split()[0]})")
    print(f"{'module':<12}{'import (ms)':>13}{'process (ms)':>14}{'import vs boto3':>17}")
    for m in MODULES:
        print(f"{m:<12}{imp[m] * 1000:>13.1f}{wall[m] * 1000:>14.1f}{imp[m] / imp['boto3']:>16.2f}x")
    ratio = imp["safemaker"] / imp["boto3"]
    print(f"import safemaker / import boto3 = {ratio:.2f}x (target < {TARGET_RATIO}x); "
          f"import sagemaker / import safemaker = {imp['sagemaker'] / imp['safemaker']:.1f}x")
    print(f"SageMaker SDK modules loaded by 'import safemaker': {sdk_loaded}; "
          f"by 'import safemaker.sdk': {sdk_by_sdk_package} (target 0)")
    ok = ratio < TARGET_RATIO and sdk_loaded == 0 and sdk_by_sdk_package == 0
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
