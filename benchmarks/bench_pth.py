"""Start-up cost of ``safemaker.pth`` for a Python that no guarded process started (the variable unset).

Installing safemaker puts ``safemaker.pth`` at the root of ``site-packages``
(``safemaker.bootstrap``): ``site`` runs its one line in every Python of the
environment. Without ``SAFEMAKER_RUN_PYTHON`` it must cost about nothing.

Two throw-away virtual environments (no pip) are made, one with a copy of
``src/safemaker/_run/safemaker.pth``; ``python -c pass`` starts in each, the
two interleaved round by round. Measured per start: the child's CPU time
(user + system, ``resource.getrusage(RUSAGE_CHILDREN)`` deltas), median of
``--runs`` rounds (default 31); with ``--instructions`` and valgrind present,
the instructions of one start of each (cachegrind, ``PYTHONHASHSEED=0``: the
same count every run).

Targets (it reads one file and compiles one line): under 3% more instructions
than a bare start (when counted), under 10% more CPU time (the median; noisier:
the file's open and read are system time). Exit code 0 when met, 1 otherwise.

Usage: ``python benchmarks/bench_pth.py [--runs N] [--instructions]``.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import venv
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _offline  # noqa: E402

_offline.enter()

PTH = Path(__file__).resolve().parents[1] / "src" / "safemaker" / "_run" / "safemaker.pth"
TARGET_CPU = 0.10
TARGET_INSTRUCTIONS = 0.03


def _cpu(command: list[str], env: dict[str, str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, env=env, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _instructions(python: str, env: dict[str, str]) -> int | None:
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    r = subprocess.run([valgrind, "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
                        python, "-c", "pass"], env={**env, "PYTHONHASHSEED": "0"}, capture_output=True, text=True)
    m = re.search(r"I\s+refs:\s+([\d,]+)", r.stderr)
    return int(m.group(1).replace(",", "")) if m else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=31)
    parser.add_argument("--instructions", action="store_true")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFEMAKER_") and k != "PYTHONPATH"}
    with tempfile.TemporaryDirectory() as tmp:
        pythons = {}
        for variant in ("without", "with"):  # two environments, the same but for the file
            root = Path(tmp) / variant
            venv.EnvBuilder(with_pip=False, symlinks=True).create(root)
            pythons[variant] = str(root / "bin" / "python")
            site = Path(subprocess.run([pythons[variant], "-c",
                                        "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                       capture_output=True, text=True, check=True).stdout.strip())
            if variant == "with":
                shutil.copyfile(PTH, site / "safemaker.pth")
        times: dict[str, list[float]] = {"without": [], "with": []}
        for _ in range(args.runs):
            for variant, python in pythons.items():
                times[variant].append(_cpu([python, "-c", "pass"], env))
        counts = {k: _instructions(python, env) for k, python in pythons.items()} if args.instructions else {}
    med = {k: statistics.median(v) for k, v in times.items()}
    ratio = med["with"] / med["without"] if med["without"] else float("inf")
    print(f"python -c pass, CPU time per start (median of {args.runs}, interleaved; {sysconfig.get_python_version()}):")
    for k in ("without", "with"):
        print(f"  {k:8} safemaker.pth  {med[k] * 1000:7.2f} ms")
    print(f"  ratio with/without        {ratio:7.3f}  (target < {1 + TARGET_CPU:.2f})")
    ok = ratio < 1 + TARGET_CPU
    if counts.get("with") and counts.get("without"):
        extra = counts["with"] - counts["without"]
        print(f"  instructions (cachegrind) {counts['without']:,} -> {counts['with']:,} "
              f"(+{extra:,}, {extra / counts['without']:.1%}; target < {TARGET_INSTRUCTIONS:.0%})")
        ok = ok and extra / counts["without"] < TARGET_INSTRUCTIONS
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
