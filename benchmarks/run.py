"""Run every benchmark in this folder, one after another, in this one process tree.

``make bench`` calls this. Each ``bench_*.py`` script prints its own figures
(ratios measured side by side within the script). Pass ``--quick`` for
smaller sizes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    scripts = sorted(HERE.glob("bench_*.py"))
    audit = HERE / "audit" / "bench_audit.py"
    if audit.exists():
        scripts.append(audit)
    iac = HERE / "iac" / "bench_iac.py"
    if iac.exists():
        scripts.append(iac)
    failed = 0
    for script in scripts:
        print(f"== {script.relative_to(HERE.parent)}", flush=True)
        args = [sys.executable, str(script)]
        if quick and script.name == "bench_audit.py":
            args += ["--n", "200"]
        if quick and script.name == "bench_iac.py":
            args += ["--runs", "1"]
        rc = subprocess.call(args)
        failed += rc != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
