"""Start-up cost of a guarded process vs a plain one: the same work, side by side.

What a user's process pays before its first SageMaker call, in a fresh
interpreter each time:

- ``plain``: ``import boto3`` and the first SageMaker client
  (``boto3.client("sagemaker")``);
- ``safemaker``: the same, plus loading a profile from a TOML file
  (``VpcProfile.from_file``) and installing the process guard
  (``safemaker.install_process``) before the client is made; after the
  timed part the child checks that the client is guarded (a ``CreateModel``
  without network isolation is refused before anything is sent).

Each child runs offline first (``benchmarks/_offline.py``: fake credentials,
a region, ``AWS_EC2_METADATA_DISABLED=true``, the tests' loopback-only guard
loaded by path, so nothing of safemaker or boto3 is imported before the timed
part). The in-process time of the work (``time.perf_counter`` around it) and
the wall time of the whole child are measured; the two variants are
interleaved round by round (machine noise hits both alike) and the median of
``--runs`` rounds (default 11, at least 10) is reported with the ratio.

Targets (issue 3, restated by issue 14 for the same work):

- guarded start-up under 1.5x the plain one (in-process time);
- ``import safemaker`` and ``import safemaker.sdk`` import no module of the
  SageMaker SDK (``sagemaker`` or ``sagemaker.*`` in ``sys.modules``): the SDK
  loads when an SDK name is first used.

A second table (no target; issue 14) gives the CPU time (user + system,
``resource.getrusage`` of the child) of the starts users and the test suite pay
for in every new process, beside the interpreter's own start (``python -c
pass``) and ``import boto3``: ``import safemaker``, ``import safemaker.auto``
with a profile from ``SAFEMAKER_*`` variables (a guarded program or child
Python), ``safemaker run -- python -c pass`` (the command and its child) and
``safemaker --help``. Interleaved, median of the same rounds.

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
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _offline  # noqa: E402

_offline.enter()

VARIANTS = ("plain", "safemaker")
TARGET_RATIO = 1.5
ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"

_WORK = {
    "plain": (
        "import boto3\n"
        "client = boto3.client('sagemaker', region_name='us-east-1')\n"
    ),
    "safemaker": (
        "import boto3\n"
        "import safemaker\n"
        "profile = safemaker.VpcProfile.from_file(PROFILE_PATH)\n"
        "safemaker.install_process(profile)\n"
        "client = boto3.client('sagemaker', region_name='us-east-1')\n"
    ),
}

_CHECK_GUARDED = (
    "from safemaker.errors import GuardrailViolation\n"
    "try:\n"
    "    client.create_model(ModelName='m', ExecutionRoleArn=ROLE, PrimaryContainer={'Image': 'i'},\n"
    "                        EnableNetworkIsolation=False)\n"
    "    guarded = False\n"
    "except GuardrailViolation:\n"
    "    guarded = True\n"
)

_PROBE = (
    "import time, sys, json\n"
    "PROFILE_PATH = {profile!r}\n"
    "ROLE = {role!r}\n"
    "t = time.perf_counter()\n"
    "{work}"
    "elapsed = time.perf_counter() - t\n"
    "{check}"
    "sdk = sorted(m for m in sys.modules if m == 'sagemaker' or m.startswith('sagemaker.'))\n"
    "print(json.dumps({{'work': elapsed, 'sdk_modules': len(sdk), 'guarded': guarded}}))\n"
)

_IMPORT_ONLY = (
    "import sys, json\n"
    "import {module}\n"
    "print(json.dumps(len([m for m in sys.modules if m == 'sagemaker' or m.startswith('sagemaker.')])))\n"
)


_ENV_PROFILE = {
    "SAFEMAKER_REGION": "us-east-1", "SAFEMAKER_VPC_ID": "vpc-0dddddddddddddddd",
    "SAFEMAKER_SUBNETS": "subnet-0aaaaaaaaaaaaaaaa,subnet-0cccccccccccccccc",
    "SAFEMAKER_SECURITY_GROUP_IDS": "sg-0bbbbbbbbbbbbbbbb", "SAFEMAKER_EXECUTION_ROLE_ARN": ROLE,
}

_CLI = "import sys\nsys.argv = ['safemaker', {args}]\nfrom safemaker.cli import main\ntry:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"

STARTS: dict[str, tuple[str, dict[str, str]]] = {
    "python -c pass": ("pass\n", {}),
    "import boto3": ("import boto3\n", {}),
    "import safemaker": ("import safemaker\n", {}),
    "import safemaker.auto (SAFEMAKER_* profile)": ("import safemaker.auto\n", _ENV_PROFILE),
    "safemaker run -- python -c pass": (_CLI.format(args="'run', '--', sys.executable, '-c', 'pass'"), _ENV_PROFILE),
    "safemaker --help": (_CLI.format(args="'--help'"), {}),
}
"""The starts of the second table: (code after the offline prelude, environment added)."""


def start_cpu(name: str) -> float:
    """CPU seconds (user + system) of a fresh offline interpreter running the start ``name``, children included
    (``safemaker run`` replaces itself with its program: the same process)."""
    import resource

    code, extra = STARTS[name]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFEMAKER_") or k.startswith("SAFEMAKER_DEV_")}
    env.update(extra, SAGEMAKER_SUPPRESS_V2_WARNING="1")
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as the test suite runs them: bytecode cache on
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([sys.executable, "-c", _offline.child_prelude() + code], capture_output=True, text=True,
                         env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        raise SystemExit(f"start {name!r} failed (exit {out.returncode}):\n{out.stderr[-3000:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _child(code: str) -> tuple[str, float]:
    """Run ``code`` in a fresh offline interpreter; (its last stdout line, wall seconds)."""
    env = {**os.environ, "SAGEMAKER_SUPPRESS_V2_WARNING": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _offline.child_prelude() + code], capture_output=True,
                         text=True, env=env)
    wall = time.perf_counter() - start
    if out.returncode != 0:
        raise SystemExit(f"benchmark child failed (exit {out.returncode}):\n{out.stderr[-3000:]}")
    return out.stdout.strip().splitlines()[-1], wall


def measure(variant: str, profile_path: str) -> tuple[float, float, int, bool]:
    """(in-process seconds of the work, child wall seconds, SDK modules loaded, client guarded)."""
    code = _PROBE.format(profile=profile_path, role=ROLE, work=_WORK[variant],
                         check=_CHECK_GUARDED if variant == "safemaker" else "guarded = False\n")
    line, wall = _child(code)
    data = json.loads(line)
    return data["work"], wall, data["sdk_modules"], data["guarded"]


def sdk_modules_after_import(module: str) -> int:
    """How many SageMaker SDK modules ``import <module>`` loads in a fresh offline interpreter."""
    line, _ = _child(_IMPORT_ONLY.format(module=module))
    return int(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="guarded start-up (profile + install + first client) "
                                                 "vs a plain first client")
    parser.add_argument("--runs", type=int, default=11, help="rounds (each variant once per round); >= 10")
    args = parser.parse_args(argv)
    if args.runs < 10:
        parser.error(f"--runs is {args.runs}; give at least 10 for a stable median")

    from safemaker.profile import VpcProfile

    with tempfile.TemporaryDirectory(prefix="safemaker-bench-import-") as tmp:
        profile_path = str(Path(tmp) / "profile.toml")
        VpcProfile.from_mapping(
            {"region": "us-east-1", "vpc_id": "vpc-0dddddddddddddddd",
             "subnets": ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0cccccccccccccccc"],
             "security_group_ids": ["sg-0bbbbbbbbbbbbbbbb"], "execution_role_arn": ROLE},
            source="benchmark", env=False,
        ).dump(profile_path)

        for variant in VARIANTS:  # warm the file system cache once, not counted
            measure(variant, profile_path)
        for name in STARTS:
            start_cpu(name)
        samples: dict[str, list[tuple[float, float, int, bool]]] = {v: [] for v in VARIANTS}
        starts: dict[str, list[float]] = {name: [] for name in STARTS}
        for _ in range(args.runs):
            for variant in VARIANTS:
                samples[variant].append(measure(variant, profile_path))
            for name in STARTS:
                starts[name].append(start_cpu(name))

    work = {v: statistics.median(s[0] for s in samples[v]) for v in VARIANTS}
    wall = {v: statistics.median(s[1] for s in samples[v]) for v in VARIANTS}
    guarded = all(s[3] for s in samples["safemaker"])
    sdk_by_work = max(s[2] for s in samples["safemaker"])
    sdk_by_import = sdk_modules_after_import("safemaker")
    sdk_by_sdk_package = sdk_modules_after_import("safemaker.sdk")

    print(f"median of {args.runs} fresh offline processes per variant, interleaved "
          f"(python {sys.version.split()[0]})")
    print(f"{'variant':<11}{'work (ms)':>11}{'process (ms)':>14}{'vs plain':>10}")
    for v in VARIANTS:
        print(f"{v:<11}{work[v] * 1000:>11.1f}{wall[v] * 1000:>14.1f}{work[v] / work['plain']:>9.2f}x")
    ratio = work["safemaker"] / work["plain"]
    print("plain = import boto3 + boto3.client('sagemaker'); safemaker = the same + VpcProfile.from_file "
          "+ install_process before the client")
    print(f"guarded start-up / plain start-up = {ratio:.2f}x (target < {TARGET_RATIO}x); "
          f"client guarded in every run: {guarded}")
    print(f"SageMaker SDK modules loaded by the guarded start-up: {sdk_by_work}; by 'import safemaker': "
          f"{sdk_by_import}; by 'import safemaker.sdk': {sdk_by_sdk_package} (target 0)")
    print(f"\nCPU of a start (user + system, median of {args.runs} interleaved rounds; offline prelude included):")
    for name, cpu in starts.items():
        print(f"{name:<46}{statistics.median(cpu) * 1000:>8.0f} ms")
    ok = ratio < TARGET_RATIO and guarded and sdk_by_work == 0 and sdk_by_import == 0 and sdk_by_sdk_package == 0
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
