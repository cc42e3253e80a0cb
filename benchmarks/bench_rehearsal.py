"""Cost of a closed rehearsal: the same trivial training script run directly vs rehearsed, side by side.

Per round, interleaved (machine noise hits all alike):

- ``direct``: ``python train.py --epochs 1`` in a fresh process (what the script itself costs);
- ``probe``: :func:`safemaker.rehearsal.find_sandbox` (the namespace check made before each rehearsal);
- ``rehearsal``: :func:`safemaker.rehearsal.rehearse_training` of the same script: probe, ``/opt/ml``
  tree and config files, a local channel staged, the script in the namespace, ``model.tar.gz`` and
  ``output.tar.gz`` packed and copied to a local output path.

Medians of ``--runs`` rounds (default 11) and the rehearsal's overhead over ``direct``.
Target: the overhead is under 1.0 s (a rehearsal costs "seconds", not minutes).
Nothing leaves the machine: no S3, and this process refuses any non-loopback connection.

Usage: ``python benchmarks/bench_rehearsal.py [--runs N]`` (``benchmarks/run.py`` runs it).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _offline  # noqa: E402  (every benchmark runs offline: the tests' loopback-only guard)

_offline.enter()

TARGET_OVERHEAD = 1.0
SCRIPT = """import argparse, os
p = argparse.ArgumentParser(); p.add_argument("--epochs", type=int, default=1); a = p.parse_args()
out = os.environ.get("SM_MODEL_DIR", ".")
open(os.path.join(out, "model.txt"), "w").write("epochs=%d" % a.epochs)
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="rehearsal overhead vs running the script directly")
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args(argv)
    from safemaker.rehearsal import SandboxUnavailable, find_sandbox, rehearse_training

    try:
        sandbox = find_sandbox()
    except SandboxUnavailable as exc:
        print(f"skipped: {exc}")
        return 0
    times: dict[str, list[float]] = {"direct": [], "probe": [], "rehearsal": []}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "src").mkdir()
        (root / "src" / "train.py").write_text(SCRIPT)
        (root / "data").mkdir()
        (root / "data" / "train.csv").write_text("1,2,3\n" * 100)
        for i in range(args.runs):
            t = time.perf_counter()
            subprocess.run([sys.executable, "train.py", "--epochs", "1"], cwd=root / "src", check=True)
            times["direct"].append(time.perf_counter() - t)
            t = time.perf_counter()
            find_sandbox()
            times["probe"].append(time.perf_counter() - t)
            t = time.perf_counter()
            rehearse_training("train.py", source_dir=root / "src", hyperparameters={"epochs": 1},
                              inputs={"train": str(root / "data")}, output_path=str(root / "out"),
                              job_name=f"bench-{i}", on_output=lambda line: None)
            times["rehearsal"].append(time.perf_counter() - t)
    med = {k: statistics.median(v) for k, v in times.items()}
    overhead = med["rehearsal"] - med["direct"]
    print(f"sandbox: {sandbox.description}; {args.runs} rounds, interleaved; medians:")
    for k, v in med.items():
        print(f"  {k:10s} {v * 1000:8.1f} ms   (min {min(times[k]) * 1000:.1f}, max {max(times[k]) * 1000:.1f})")
    print(f"  rehearsal overhead over running the script directly: {overhead * 1000:.1f} ms "
          f"({med['rehearsal'] / med['direct']:.1f}x); target < {TARGET_OVERHEAD * 1000:.0f} ms: "
          f"{'met' if overhead < TARGET_OVERHEAD else 'NOT met'}")
    return 0 if overhead < TARGET_OVERHEAD else 1


if __name__ == "__main__":
    raise SystemExit(main())
