"""Benchmark ``safemaker check`` against checkov and cfn-lint on real public templates.

The set is every file under ``tests/data/iac`` except ``authored/`` (see
``tests/data/iac/SOURCES.md``): CloudFormation templates (checkov's and KICS's
SageMaker fixtures, aws-samples templates), a CDK cloud assembly (aws-cdk
integration snapshot) and Step Functions definitions (aws-samples). For each
tool it reports:

- the **network findings** it reports (safemaker: the network rules, see
  :data:`NETWORK_RULES`; checkov: the checks of :data:`CHECKOV_NETWORK`, each
  mapped to the safemaker rule of the same field; cfn-lint: none of its rules
  is about SageMaker networking, so its findings on SageMaker resources are
  listed, not counted);
- the checkov network findings safemaker does **not** report (goal: none);
- the **absent-default cases**: SageMaker resources that omit a field whose AWS
  default opens a network path (``DirectInternetAccess`` of a notebook,
  ``AppNetworkAccessType`` of a domain, ``EnableNetworkIsolation`` of a model or
  a monitoring job definition), found by reading the files here, independently
  of safemaker; how many each tool reports (goal for safemaker: all);
- the wall time of one run over the whole set, as the median of ``--runs``
  runs interleaved (safemaker, checkov, cfn-lint, safemaker, ...), and the
  ratio checkov / safemaker.

Each tool runs as a child process with the loopback-only guard of
``benchmarks/audit`` (a ``sitecustomize`` refusing any connection or DNS lookup
that is not for 127.0.0.1) and ``HTTPS_PROXY``/``HTTP_PROXY`` set to a closed
local port: nothing leaves the machine. checkov is never installed in the
project's environments: give its virtualenv with ``--checkov-venv`` or
``SAFEMAKER_DEV_BENCH_CHECKOV_VENV`` (e.g. ``python -m venv /tmp/checkov-venv &&
/tmp/checkov-venv/bin/pip install checkov``); without it checkov is skipped.

Usage::

    python benchmarks/iac/bench_iac.py [--runs 5] [--checkov-venv /tmp/checkov-venv]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "iac"
sys.path.insert(0, str(ROOT / "src"))

PROFILE_TOML = """region = "us-east-1"
vpc_id = "vpc-0dddddddddddddddd"
subnets = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0cccccccccccccccc"]
security_group_ids = ["sg-0bbbbbbbbbbbbbbbb"]
execution_role_arn = "arn:aws:iam::123456789012:role/SageMakerExecRole"
"""

NETWORK_RULES = frozenset({"SM-NET-ISOLATION", "SM-NET-VPC", "SM-NET-ICTE", "SM-NET-SUBNET", "SM-NET-SUBNETS",
                           "SM-NET-SG", "SM-NET-VPCID", "SM-NB-DIRECT-INTERNET", "SM-STUDIO-VPCONLY",
                           "SM-UNSUPPORTED"})
"""safemaker rules about the network (KMS keys, roles and root access are not counted)."""

CHECKOV_NETWORK = {
    "CKV_AWS_370": "SM-NET-ISOLATION",       # Ensure Amazon SageMaker model uses network isolation
    "CKV_AWS_369": "SM-NET-ICTE",            # Data Quality Job encrypts all communications between instances
    "CKV_AWS_122": "SM-NB-DIRECT-INTERNET",  # direct internet access disabled (Terraform only)
    "CKV_AWS_306": "SM-NET-SUBNET",          # notebook launched into a custom VPC (Terraform only)
}
"""checkov's SageMaker checks about the network (from its check registry: CKV_AWS_187/367/368/372/22/98
are KMS, CKV_AWS_371 IMDSv2, CKV_AWS_307 root access, CKV2_AWS_68 IAM), mapped to the safemaker rule of the
same field."""

ABSENT_DEFAULTS = {
    "AWS::SageMaker::NotebookInstance": ("DirectInternetAccess", "SM-NB-DIRECT-INTERNET"),
    "AWS::SageMaker::Domain": ("AppNetworkAccessType", "SM-STUDIO-VPCONLY"),
    "AWS::SageMaker::Model": ("EnableNetworkIsolation", "SM-NET-ISOLATION"),
    **{f"AWS::SageMaker::{k}JobDefinition": ("NetworkConfig.EnableNetworkIsolation", "SM-NET-ISOLATION")
       for k in ("DataQuality", "ModelQuality", "ModelBias", "ModelExplainability")},
}
"""Fields whose absence is an insecure AWS default (AWS API reference: notebooks are internet-enabled by
default, AppNetworkAccessType defaults to PublicInternetOnly, network isolation defaults to off)."""


def _bench_audit() -> Any:
    spec = importlib.util.spec_from_file_location("bench_audit", ROOT / "benchmarks" / "audit" / "bench_audit.py")
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["bench_audit"] = mod
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def benchmark_files() -> list[Path]:
    """The public set: every file under tests/data/iac but authored/ and SOURCES.md."""
    out = []
    for p in sorted(DATA.rglob("*")):
        if p.is_file() and "authored" not in p.relative_to(DATA).parts and p.name != "SOURCES.md":
            out.append(p)
    return out


def cfn_templates(files: list[Path]) -> list[Path]:
    """The files that are CloudFormation templates (what checkov and cfn-lint read)."""
    from safemaker.iac._document import read_document
    from safemaker.iac.cloudformation import is_template

    return [p for p in files if p.suffix in (".yaml", ".yml", ".json")
            and is_template(read_document(p, str(p)).data)]


def absent_default_cases(files: list[Path]) -> set[tuple[str, str, str]]:
    """``(file, logical ID, rule)`` for every resource that omits an insecure-by-default field."""
    from safemaker.iac._document import read_document

    cases = set()
    for p in cfn_templates(files):
        resources = read_document(p, str(p)).data.get("Resources", {})
        for logical_id, res in resources.items():
            spec = ABSENT_DEFAULTS.get(res.get("Type"))
            if spec is None:
                continue
            cur: Any = res.get("Properties") or {}
            for part in spec[0].split("."):
                cur = cur.get(part) if isinstance(cur, dict) else None
            if cur is None:
                cases.add((p.relative_to(ROOT).as_posix(), logical_id, spec[1]))
    return cases


def _run(args: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """Wall seconds, CPU seconds (user + system of the child and its children), exit code, stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.returncode, proc.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5, help="interleaved runs per tool (median reported)")
    parser.add_argument("--checkov-venv", default=os.environ.get("SAFEMAKER_DEV_BENCH_CHECKOV_VENV"),
                        help="virtualenv with checkov installed (default: $SAFEMAKER_DEV_BENCH_CHECKOV_VENV)")
    ns = parser.parse_args()
    audit = _bench_audit()
    files = benchmark_files()
    templates = cfn_templates(files)
    work = Path(tempfile.mkdtemp(prefix="bench-iac-"))
    profile = work / "profile.toml"
    profile.write_text(PROFILE_TOML)
    env = audit._child_env("http://127.0.0.1:9", work, {"BC_SKIP_MAPPING": "TRUE",
                                                         "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"})
    guard_only = dict(env, PYTHONPATH=str(audit._guard_dir(work)))

    tools: dict[str, list[str]] = {
        "safemaker": [sys.executable, "-c", "from safemaker.cli import main; main()", "check",
                      *[str(p.relative_to(ROOT)) for p in files], "-p", str(profile), "-f", "json"],
        "cfn-lint": [str(Path(sys.executable).with_name("cfn-lint")), "--format", "json",
                     *[str(p.relative_to(ROOT)) for p in templates]],
    }
    checkov = Path(ns.checkov_venv) / "bin" / "checkov" if ns.checkov_venv else None
    if checkov is not None and checkov.exists():
        tools["checkov"] = [str(checkov), "--framework", "cloudformation", "--skip-download", "--quiet",
                            "-o", "json", *[a for p in templates for a in ("-f", str(p.relative_to(ROOT)))]]
    else:
        print("checkov: skipped (give --checkov-venv or SAFEMAKER_DEV_BENCH_CHECKOV_VENV)")
    envs = {"safemaker": env, "cfn-lint": guard_only, "checkov": guard_only}

    times: dict[str, list[float]] = {t: [] for t in tools}
    cpus: dict[str, list[float]] = {t: [] for t in tools}
    outputs: dict[str, str] = {}
    for _ in range(ns.runs):
        for name, args in tools.items():
            wall, cpu, rc, out = _run(args, envs[name])
            times[name].append(wall)
            cpus[name].append(cpu)
            outputs[name] = out
            if name == "safemaker" and rc not in (0, 3):
                raise SystemExit(f"safemaker check failed (exit {rc})")

    sm = [json.loads(line) for line in outputs["safemaker"].splitlines() if line.strip()]
    sm_net = {(r["file"], r["logical_id"].split("/")[-1], r["rule_id"]) for r in sm
              if r["rule_id"] in NETWORK_RULES and r["status"] == "FAIL"}
    sm_unknown = {(r["file"], r["logical_id"], r["rule_id"]) for r in sm
                  if r["rule_id"] in NETWORK_RULES and r["status"] == "UNKNOWN"}
    cases = absent_default_cases(files)
    print(f"files: {len(files)} ({len(templates)} CloudFormation templates); runs: {ns.runs}")
    print(f"safemaker: {len(sm_net)} network findings (resource, rule) + {len(sm_unknown)} cannot be verified; "
          f"median {statistics.median(times['safemaker']):.2f} s wall, {statistics.median(cpus['safemaker']):.2f} s CPU")
    print(f"absent-default cases in the files: {len(cases)}; safemaker reports "
          f"{len(cases & sm_net)}, misses {sorted(cases - sm_net)}")
    if "checkov" in tools:
        runs = json.loads(outputs["checkov"] or "[]")
        runs = runs if isinstance(runs, list) else [runs]
        ck_all = [r for run in runs for r in run.get("results", {}).get("failed_checks", [])]
        ck_net = {(r["file_path"].lstrip("/"), r["resource"].split(".", 1)[1], CHECKOV_NETWORK[r["check_id"]])
                  for r in ck_all if r["check_id"] in CHECKOV_NETWORK}
        ck_other = sorted({r["check_id"] for r in ck_all if "SageMaker" in r["resource"]} - set(CHECKOV_NETWORK))
        print(f"checkov: {len(ck_net)} network findings (resource, rule); median "
              f"{statistics.median(times['checkov']):.2f} s wall, {statistics.median(cpus['checkov']):.2f} s CPU; other SageMaker checks failed (not network): "
              f"{', '.join(ck_other)}")
        print(f"checkov network findings safemaker misses: {sorted(ck_net - sm_net)}")
        print(f"safemaker network findings checkov misses: {len(sm_net - ck_net)}")
        print(f"absent-default cases checkov reports: {len(cases & ck_net)} of {len(cases)}")
        print(f"time ratio checkov / safemaker (medians): wall "
              f"{statistics.median(times['checkov']) / statistics.median(times['safemaker']):.1f}x, CPU "
              f"{statistics.median(cpus['checkov']) / statistics.median(cpus['safemaker']):.1f}x")
    lint = json.loads(outputs["cfn-lint"] or "[]")
    lint_sm = [m for m in lint if "SageMaker" in json.dumps(m)]
    print(f"cfn-lint: {len(lint)} matches, {len(lint_sm)} mentioning SageMaker (rules "
          f"{', '.join(sorted({m['Rule']['Id'] for m in lint_sm})) or '-'}), none about the network; median "
          f"{statistics.median(times['cfn-lint']):.2f} s wall, {statistics.median(cpus['cfn-lint']):.2f} s CPU")
    blocked = audit._blocked(work)
    print(f"connections refused by the loopback guard: {len(blocked)}" + (f" ({blocked[:3]})" if blocked else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
