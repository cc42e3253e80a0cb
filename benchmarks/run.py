"""Run every benchmark in this folder, one after another, in this one process tree.

``make bench`` calls this. Each ``bench_*.py`` script prints its own figures
(ratios measured side by side within the script). Pass ``--quick`` for
smaller sizes.

Every script is started offline: every ``AWS_*`` variable replaced by the
tests' fake environment (fake credentials, ``us-east-1``,
``AWS_EC2_METADATA_DISABLED=true``, no AWS config file), and each script
installs the tests' loopback-only guard itself (``benchmarks/_offline.py``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from safemaker.local.offline import FAKE_AWS_ENVIRONMENT

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
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(FAKE_AWS_ENVIRONMENT)
    failed = 0
    for script in scripts:
        print(f"== {script.relative_to(HERE.parent)}", flush=True)
        args = [sys.executable, str(script)]
        if quick and script.name == "bench_audit.py":
            args += ["--n", "200"]
        if quick and script.name == "bench_process_guard.py":
            args += ["--quick"]
        if quick and script.name == "bench_iac.py":
            args += ["--runs", "1"]
        rc = subprocess.call(args, env=env)
        failed += rc != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
