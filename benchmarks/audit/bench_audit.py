"""Benchmark ``safemaker audit`` (and Prowler, when it can run) on the local backend.

For each N given on the command line this script:

1. starts the local backend (moto on 127.0.0.1) and seeds it over HTTP with N
   SageMaker resources of mixed types, half of them compliant, recording the
   network findings each non-compliant resource must produce (ground truth);
2. runs ``safemaker audit --format json`` in a child process pointed at the
   backend, and reports wall time, SageMaker API calls per resource (counted
   by the backend) and the child's peak RSS;
3. runs ``prowler aws --service sagemaker`` on the same data, side by side in
   the same run, when a Prowler virtualenv is available (``--prowler-venv``;
   ``--install-prowler`` creates it with pip, never in the project's
   environment), and reports the time ratio and the findings each tool missed.

What answers the tools (``--server``, each mode a row on the same seeded data):

- ``moto`` (default): the local backend itself, with ``LocalBackend.simulate`` applying the latency
  and rate limits. moto spends ~2.5-4 ms of CPU per call in this process, on the cores the tools
  run on: the figures then include the emulator's CPU, which against AWS is not on the client's
  machine.
- ``replay``: a :class:`safemaker.local.replay.ReplayServer` in front of the backend, applying the
  same simulation; each tool runs once through it untimed (a warm-up that records moto's answers
  to its read-only calls), the recorded answers are checked against moto's answers
  (``verify()``), then the timed runs are answered from them (~0.2-0.3 ms of CPU per call);
  writes and anything not recorded go to moto.

Both tools always run against the same server; each run reports the server's CPU (this process)
per call and, under ``replay``, how many calls were replayed and how many reached moto.

Nothing leaves 127.0.0.1: both tools get fake credentials and
``AWS_ENDPOINT_URL`` pointing at the backend, and Prowler also gets
``HTTPS_PROXY``/``HTTP_PROXY`` set to a closed port on 127.0.0.1 (with
``NO_PROXY=127.0.0.1``) so that any request it would send elsewhere fails.

Usage::

    python benchmarks/audit/bench_audit.py                 # N = 200 (quick)
    python benchmarks/audit/bench_audit.py --n 1000 3000 10000 --install-prowler
    python benchmarks/audit/bench_audit.py --n 3000 --runs 3 --latency-ms 40 --workers 32 --server moto replay

See ``benchmarks/audit/README.md`` for the figures measured.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import _offline  # noqa: E402  (every benchmark runs offline: the tests' loopback-only guard)

_offline.enter()

from safemaker.audit import RELATED_CONTROLS, audited_types  # noqa: E402
from safemaker.local import local_backend  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"
IMG = "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1"
SUB_A, SUB_C, SG = "subnet-0aaaaaaaaaaaaaaaa", "subnet-0cccccccccccccccc", "sg-0bbbbbbbbbbbbbbbb"
VPC = {"Subnets": [SUB_A, SUB_C], "SecurityGroupIds": [SG]}
ARN = "arn:aws:sagemaker:us-east-1:123456789012"
PROFILE_TOML = f"""region = "us-east-1"
vpc_id = "vpc-0dddddddddddddddd"
subnets = ["{SUB_A}", "{SUB_C}"]
security_group_ids = ["{SG}"]
execution_role_arn = "{ROLE}"
"""
DEFAULT_PROWLER_VENV = Path(os.environ.get("SAFEMAKER_DEV_BENCH_PROWLER_VENV")
                            or Path.home() / ".cache" / "safemaker-bench" / "prowler-venv")

# Types whose List and Describe calls moto implements (the others answer HTTP 500 there, which
# botocore retries; on AWS they are audited like the rest): the benchmark audits these.
MOTO_LISTABLE = {"notebook-instance", "domain", "cluster", "model", "endpoint-config", "endpoint", "training-job",
                 "processing-job", "hyper-parameter-tuning-job", "transform-job", "automl-job-v2",
                 "compilation-job", "data-quality-job-definition", "model-quality-job-definition",
                 "model-bias-job-definition", "model-explainability-job-definition", "pipeline"}

# 20 slots per cycle: the mix of resource types seeded
MIX = (["model"] * 6 + ["training-job"] * 4 + ["processing-job"] * 3 + ["notebook-instance"] * 2
       + ["endpoint-config", "endpoint", "transform-job"] + ["hyper-parameter-tuning-job"] * 2)


@dataclass
class Seeded:
    n: int
    counts: Counter = field(default_factory=Counter)
    expected: set = field(default_factory=set)  # (arn, rule_id) network findings that must be reported


def _training(name: str, closed: bool) -> dict[str, Any]:
    req = {"TrainingJobName": name, "RoleArn": ROLE,
           "AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"},
           "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
           "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
           "StoppingCondition": {"MaxRuntimeInSeconds": 3600}}
    if closed:
        req.update(EnableNetworkIsolation=True, EnableInterContainerTrafficEncryption=True, VpcConfig=VPC)
    return req


def _create(sm: Any, kind: str, name: str, closed: bool) -> set[tuple[str, str]]:
    """Create one resource; return the (arn, rule) findings it must produce."""
    open_training = {"SM-NET-ISOLATION", "SM-NET-VPC", "SM-NET-ICTE"}
    anchor_model = "anchor-closed" if closed else "anchor-open"
    if kind == "model":
        extra = {"EnableNetworkIsolation": True, "VpcConfig": VPC} if closed else {}
        sm.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMG}, **extra)
        rules = set() if closed else {"SM-NET-ISOLATION", "SM-NET-VPC"}
    elif kind == "training-job":
        sm.create_training_job(**_training(name, closed))
        rules = set() if closed else open_training
    elif kind == "processing-job":
        req = {"ProcessingJobName": name, "RoleArn": ROLE, "AppSpecification": {"ImageUri": IMG},
               "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large",
                                                         "VolumeSizeInGB": 10}},
               "StoppingCondition": {"MaxRuntimeInSeconds": 3600}}
        if closed:
            req["NetworkConfig"] = {"EnableNetworkIsolation": True, "EnableInterContainerTrafficEncryption": True,
                                    "VpcConfig": VPC}
        sm.create_processing_job(**req)
        rules = set() if closed else open_training
    elif kind == "notebook-instance":
        extra = ({"SubnetId": SUB_A, "SecurityGroupIds": [SG], "DirectInternetAccess": "Disabled",
                  "RootAccess": "Disabled"} if closed else {})
        sm.create_notebook_instance(NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=ROLE, **extra)
        rules = set() if closed else {"SM-NB-DIRECT-INTERNET", "SM-NB-ROOT", "SM-NET-SUBNET", "SM-NET-SG"}
    elif kind == "endpoint-config":
        sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[
            {"VariantName": "v", "ModelName": anchor_model, "InstanceType": "ml.m5.large",
             "InitialInstanceCount": 1}])
        rules = set() if closed else {"SM-NET-ISOLATION", "SM-NET-VPC"}
    elif kind == "endpoint":
        sm.create_endpoint(EndpointName=name, EndpointConfigName="anchor-ec-closed" if closed else "anchor-ec-open")
        rules = set() if closed else {"SM-NET-ISOLATION", "SM-NET-VPC"}
    elif kind == "transform-job":
        sm.create_transform_job(
            TransformJobName=name, ModelName=anchor_model,
            TransformInput={"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/in"}}},
            TransformOutput={"S3OutputPath": "s3://b/out"},
            TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 1})
        rules = set() if closed else {"SM-NET-ISOLATION", "SM-NET-VPC"}
    elif kind == "hyper-parameter-tuning-job":
        definition = _training("x", closed)
        for k in ("TrainingJobName", "TrainingInputMode"):
            definition.pop(k, None)
        sm.create_hyper_parameter_tuning_job(
            HyperParameterTuningJobName=name,
            HyperParameterTuningJobConfig={"Strategy": "Random", "ResourceLimits": {
                "MaxNumberOfTrainingJobs": 2, "MaxParallelTrainingJobs": 1}},
            TrainingJobDefinition=definition)
        rules = set() if closed else open_training
    else:  # pragma: no cover
        raise ValueError(kind)
    return {(f"{ARN}:{kind}/{name}", r) for r in rules}


def seed(session: Any, n: int, workers: int = 16) -> Seeded:
    """Seed N resources (4 anchors + N-4 from MIX, alternate cycles of MIX compliant)."""
    sm = session.client("sagemaker")
    out = Seeded(n)
    # anchors referenced by endpoint configs, endpoints and transform jobs (they count in N)
    out.expected |= _create(sm, "model", "anchor-open", False)
    _create(sm, "model", "anchor-closed", True)
    out.expected |= _create(sm, "endpoint-config", "anchor-ec-open", False)
    _create(sm, "endpoint-config", "anchor-ec-closed", True)
    out.counts.update({"model": 2, "endpoint-config": 2})
    # whole cycles alternate: every type gets as many compliant as non-compliant resources
    jobs = [(MIX[i % len(MIX)], f"r{i:05d}", (i // len(MIX)) % 2 == 0) for i in range(max(0, n - 4))]
    with ThreadPoolExecutor(workers) as pool:
        for expected in pool.map(lambda j: _create(sm, *j), jobs):
            out.expected |= expected
    out.counts.update(kind for kind, _, _ in jobs)
    return out


# Peak RSS is the child's own VmHWM (/proc/self/status), written at exit by this wrapper. The
# kernel resets VmHWM at exec; ru_maxrss is not reset, so for a child forked from this process
# (which holds the whole moto state) it would report this process's size, not the tool's.
# A process the tool forks with multiprocessing (safemaker audit's worker processes) shares the pages
# it inherited with its parent until it writes them: each one adds its private memory at exit
# (Private_Clean + Private_Dirty of /proc/self/smaps_rollup, written to <file>.worker-<pid>), not its RSS.
_HWM_WRAPPER = """
import atexit, os, sys
import multiprocessing.util as _mp_util
def _hwm(path=sys.argv[1]):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                with open(path, "w") as out:
                    out.write(line.split()[1])
atexit.register(_hwm)
def _private(path=sys.argv[1]):
    with open("/proc/self/smaps_rollup") as rollup:
        kb = sum(int(line.split()[1]) for line in rollup if line.startswith(("Private_Clean:", "Private_Dirty:")))
    with open(f"{path}.worker-{os.getpid()}", "w") as out:
        out.write(str(kb))
class _Anchor:
    pass
_ANCHOR = _Anchor()
_mp_util.register_after_fork(_ANCHOR, lambda _: _mp_util.Finalize(None, _private, exitpriority=100))
target = sys.argv[2]
sys.argv = sys.argv[2:]
if target == "safemaker":
    from safemaker.cli import main
    main()
else:
    from prowler.__main__ import prowler
    sys.exit(prowler())
"""


def _wrapped(python: str, tool: str, args: list[str], hwm_file: Path) -> list[str]:
    return [python, "-c", _HWM_WRAPPER, str(hwm_file), tool, *args]


def _read_hwm_mb(hwm_file: Path) -> float:
    """The main process's peak RSS plus its worker processes' private memory (MB); the files are removed."""
    workers = list(hwm_file.parent.glob(hwm_file.name + ".worker-*"))
    try:
        kb = int(hwm_file.read_text().strip()) + sum(int(w.read_text().strip()) for w in workers)
    except (OSError, ValueError):
        return float("nan")
    finally:
        for w in workers:
            w.unlink()
    LAST_CPU["workers"] = len(workers)
    return kb / 1024.0


def _timed(cmd: list[str], env: dict[str, str], cwd: Path, timeout: float | None = None
           ) -> tuple[float, int, str]:
    """Run a child; return (wall seconds, exit code, stderr tail). CPU seconds go to :data:`LAST_CPU`."""
    child0, server0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.process_time()
    load = os.getloadavg()[0]
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, env=env, cwd=str(cwd), stdout=subprocess.DEVNULL, stderr=err, text=True)
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
        wall = time.perf_counter() - start
        child1, server1 = resource.getrusage(resource.RUSAGE_CHILDREN), time.process_time()
        LAST_CPU.update(child=child1.ru_utime - child0.ru_utime + child1.ru_stime - child0.ru_stime,
                        child_sys=child1.ru_stime - child0.ru_stime, server=server1 - server0,
                        load=(load + os.getloadavg()[0]) / 2)
        err.seek(0)
        tail = err.read()[-2000:]
    return wall, rc, tail


# CPU seconds of the last child (user + system, from getrusage(RUSAGE_CHILDREN); "child_sys" the system
# part) and of this process meanwhile (the local backend's threads answering it), and the 1-minute load
# average (mean of its values at start and end): on a shared, loaded machine wall time swings with the
# other processes, CPU time much less.
LAST_CPU: dict[str, float] = {"child": 0.0, "child_sys": 0.0, "server": 0.0, "load": 0.0, "workers": 0}


def precompile_sources() -> None:
    """Write the bytecode of safemaker's sources (``src/**/__pycache__``, ignored by git), as ``pip install``
    does for an installed package (and did for Prowler's): with ``PYTHONDONTWRITEBYTECODE`` set, each child
    would otherwise compile every module it imports from source (~0.2 s of CPU) on every run."""
    import compileall

    compileall.compile_dir(str(ROOT / "src"), quiet=1)


# Loaded in both children (PYTHONPATH): any connection or DNS lookup that is not for a loopback
# address is refused at once, and written to $SAFEMAKER_DEV_BENCH_BLOCKED (one line each).
_SITECUSTOMIZE = """
import ipaddress, os, socket
_log = os.environ.get("SAFEMAKER_DEV_BENCH_BLOCKED")
def _loopback(host):
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%", 1)[0]).is_loopback
    except ValueError:
        return False
def _refuse(what):
    if _log:
        with open(_log, "a") as fh:
            fh.write(what + "\\n")
    raise ConnectionRefusedError("benchmark: only 127.0.0.1 may be reached, not " + what)
_connect, _connect_ex, _getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo
def connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
        _refuse(repr(address))
    return _connect(self, address)
def connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
        _refuse(repr(address))
    return _connect_ex(self, address)
def getaddrinfo(host, *args, **kwargs):
    if not _loopback(host):
        _refuse("DNS " + repr(host))
    return _getaddrinfo(host, *args, **kwargs)
socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = connect, connect_ex, getaddrinfo
"""


def _guard_dir(workdir: Path) -> Path:
    d = workdir / "loopback-only"
    d.mkdir(exist_ok=True)
    (d / "sitecustomize.py").write_text(_SITECUSTOMIZE)
    return d


def _blocked(workdir: Path) -> list[str]:
    path = workdir / "blocked.log"
    return path.read_text().splitlines() if path.exists() else []


def _child_env(endpoint: str, workdir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_ENDPOINT_URL": endpoint, "AWS_ENDPOINT_URL_SAGEMAKER": endpoint,
        "PYTHONPATH": os.pathsep.join([str(_guard_dir(workdir)), str(ROOT / "src")]),
        "SAFEMAKER_DEV_BENCH_BLOCKED": str(workdir / "blocked.log"),
        # anything not addressed to 127.0.0.1 goes to a closed local port and fails
        "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9",
        "https_proxy": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9",
        "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
    })
    env.update(extra or {})
    return env


def run_safemaker(backend: Any, workdir: Path, workers: int, extra: list[str] | None = None) -> dict[str, Any]:
    profile = workdir / "profile.toml"
    profile.write_text(PROFILE_TOML)
    out = workdir / "safemaker.jsonl"
    args = ["audit", "--vpc-profile", str(profile), "--format", "json", "--output", str(out),
            "--max-workers", str(workers), *(extra or [])]
    if "--type" not in args:  # every type moto can list, unless the caller named its own (the organization)
        for kind in audited_types():
            if kind in MOTO_LISTABLE:
                args += ["--type", kind]
    hwm = workdir / "safemaker.hwm"
    before, before_all = backend.request_count("sagemaker"), backend.request_count()
    wall, rc, tail = _timed(_wrapped(sys.executable, "safemaker", args, hwm),
                           _child_env(backend.endpoint_url, workdir), ROOT)
    rss = _read_hwm_mb(hwm)
    calls = backend.request_count("sagemaker") - before
    calls_all = backend.request_count() - before_all
    if rc not in (0, 3):
        raise SystemExit(f"safemaker audit failed (exit {rc}):\n{tail}")
    findings = [json.loads(line) for line in out.read_text().splitlines()]
    pairs = {(f["resource_arn"], f["rule_id"]) for f in findings if f["status"] == "FAIL"}
    return {"wall": wall, "cpu": LAST_CPU["child"], "cpu_sys": LAST_CPU["child_sys"], "server_cpu": LAST_CPU["server"],
            "load": LAST_CPU["load"], "rss": rss, "workers": LAST_CPU["workers"], "calls": calls, "calls_all": calls_all,
            "findings": len(findings), "pairs": pairs,
            "unknown": sum(f["status"] == "UNKNOWN" for f in findings),
            "accounts": Counter(f.get("account") for f in findings), "tail": tail}


# --------------------------------------------------------------------------- Prowler

NETWORK_RULES = {"SM-NET-ISOLATION", "SM-NET-VPC", "SM-NET-ICTE", "SM-NET-SUBNET", "SM-NET-SUBNETS", "SM-NET-SG",
                 "SM-NET-VPCID", "SM-NB-DIRECT-INTERNET", "SM-NB-ROOT", "SM-STUDIO-VPCONLY"}
PROWLER_TO_RULE = {p: (kind, rule) for (kind, rule), rel in RELATED_CONTROLS.items() for p in rel.prowler}


def install_prowler(venv: Path) -> None:
    if (venv / "bin" / "prowler").exists():
        return
    venv.parent.mkdir(parents=True, exist_ok=True)
    subprocess.check_call([sys.executable, "-m", "venv", str(venv)])
    subprocess.check_call([str(venv / "bin" / "pip"), "install", "-q", "prowler"])


def run_prowler(backend: Any, workdir: Path, venv: Path, timeout: float) -> dict[str, Any]:
    outdir = workdir / "prowler-out"
    shutil.rmtree(outdir, ignore_errors=True)
    args = ["aws", "--service", "sagemaker", "--region", "us-east-1", "--output-formats", "json-ocsf",
            "--output-directory", str(outdir), "--no-banner", "--ignore-exit-code-3"]
    hwm = workdir / "prowler.hwm"
    before = backend.request_count()
    before_sm = backend.request_count("sagemaker")
    env = _child_env(backend.endpoint_url, workdir)
    env["PYTHONPATH"] = str(_guard_dir(workdir))  # the loopback guard, not safemaker's sources
    wall, rc, tail = _timed(_wrapped(str(venv / "bin" / "python"), "prowler", args, hwm), env, workdir, timeout)
    cpu, server_cpu, cpu_sys, load = LAST_CPU["child"], LAST_CPU["server"], LAST_CPU["child_sys"], LAST_CPU["load"]
    rss = _read_hwm_mb(hwm)
    calls_sm = backend.request_count("sagemaker") - before_sm
    calls_all = backend.request_count() - before
    results = list(outdir.glob("*.ocsf.json")) if outdir.exists() else []
    pairs: set[tuple[str, str]] = set()
    fails = 0
    for path in results:
        for item in json.loads(path.read_text() or "[]"):
            if item.get("status_code") != "FAIL":
                continue
            fails += 1
            check = item.get("metadata", {}).get("event_code")
            mapped = PROWLER_TO_RULE.get(check)
            for res in item.get("resources", []):
                if mapped:
                    pairs.add((res.get("uid"), mapped[1]))
    return {"wall": wall, "cpu": cpu, "cpu_sys": cpu_sys, "server_cpu": server_cpu, "load": load, "rss": rss, "rc": rc, "calls": calls_sm, "calls_all": calls_all, "fails": fails,
            "pairs": pairs, "ok": bool(results), "tail": tail, "blocked": _blocked(workdir)}


# --------------------------------------------------------------------------- organization


def seed_organization(backend: Any, accounts: int, regions: list[str], per: int) -> tuple[list[str], set]:
    """An organization of ``accounts`` members (moto ``create_account``), each region seeded with ``per`` resources
    through the member's assumed role (so they live in that account). Returns (member IDs, expected pairs)."""
    import boto3

    base = backend.session
    orgs = base.client("organizations")
    orgs.create_organization(FeatureSet="ALL")
    members = [orgs.create_account(Email=f"m{i}@example.com", AccountName=f"m{i}")["CreateAccountStatus"]["AccountId"]
               for i in range(accounts)]
    expected: set = set()
    sts = base.client("sts")
    for account in members:
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{ORG_ROLE}", RoleSessionName="seed")["Credentials"]
        for region in regions:
            session = boto3.session.Session(aws_access_key_id=creds["AccessKeyId"],
                                            aws_secret_access_key=creds["SecretAccessKey"],
                                            aws_session_token=creds["SessionToken"], region_name=region)
            sm = session.client("sagemaker", endpoint_url=backend.endpoint_url)
            for i in range(per):
                kind = ("model", "training-job", "notebook-instance")[i % 3]
                names = _create(sm, kind, f"o{i:04d}", i % 2 == 0)
                expected |= {(arn.replace(":us-east-1:123456789012:", f":{region}:{account}:"), rule)
                             for arn, rule in names}
    return members, expected


ORG_ROLE = "OrganizationAccountAccessRole"


def run_org(args: Any) -> list[dict[str, Any]]:
    regions = args.org_regions
    extra = ["--accounts", "all", "--role-name", ORG_ROLE, "--max-parallel", str(args.max_parallel),
             "--type", "model", "--type", "training-job", "--type", "notebook-instance"]
    for r in regions:
        extra += ["--region", r]
    results = []
    with tempfile.TemporaryDirectory() as tmp, local_backend() as backend:
        t0 = time.perf_counter()
        members, expected = seed_organization(backend, args.org_accounts, regions, args.org_per_region)
        seed_s = time.perf_counter() - t0
        for mode in args.server:
            with simulated_aws(mode, backend, args,
                               lambda target: run_safemaker(target, Path(tmp), args.workers, extra)) as target:
                runs = []
                for _ in range(args.runs):
                    target.reset_requests()
                    sm = run_safemaker(target, Path(tmp), args.workers, extra)
                    sm["replay"] = target.replay_stats()
                    runs.append(sm)
                    # the seeder wrote ARNs of us-east-1/123456789012 and mapped them; compare (account, region,
                    # name, rule)
                    missed = {p for p in expected if p not in sm["pairs"]}
                    print(f"org {args.org_accounts} accounts x {len(regions)} regions x {args.org_per_region} "
                          f"(server {mode}): {sm['wall']:.2f}s (CPU {sm['cpu']:.2f}s; server CPU "
                          f"{sm['server_cpu']:.2f}s, {_per_call(sm)}; load {sm['load']:.1f}), "
                          f"peak RSS {sm['rss']:.0f} MB, {sm['findings']} findings "
                          f"({sm['unknown']} unknown) over {len([a for a in sm['accounts'] if a])} accounts, "
                          f"{sm['calls']} SageMaker calls ({sm['calls_all']} in all); expected {len(expected)}, "
                          f"missed {len(missed)}", flush=True)
                walls = [x["wall"] for x in runs]
                results.append({
                    "server": mode, "org_accounts": args.org_accounts + 1, "org_regions": regions,
                    "per_region": args.org_per_region, "resources": args.org_accounts * len(regions) * args.org_per_region,
                    "seed_s": round(seed_s, 1), "wall_s": [round(w, 2) for w in walls],
                    "median_wall_s": round(statistics.median(walls), 2),
                    "cpu_s": [round(x["cpu"], 2) for x in runs], "server_cpu_s": [round(x["server_cpu"], 2) for x in runs],
                    "server_cpu_ms_per_call": round(statistics.median(_ms_per_call(x) for x in runs), 3),
                    "calls_all": runs[-1]["calls_all"], "load_runs": [round(x["load"], 1) for x in runs],
                    "peak_rss_mb": round(max(x["rss"] for x in runs), 1), "expected": len(expected),
                    "missed": len(missed), "findings": runs[-1]["findings"], "unknown": runs[-1]["unknown"],
                    "replayed_answers_differing_from_moto": target.differing,
                    "server_idle_cpu_ms_per_s": round(target.idle_ms_per_s, 2)})
    return results


# --------------------------------------------------------------------------- simulated AWS: the server

SERVERS = ("moto", "replay")


@dataclass
class Target:
    """What the tools are pointed at: the local backend (``moto``) or a replay server in front of it."""

    mode: str
    server: Any
    differing: int = 0  # recorded answers that differed from moto's answer at verification
    idle_ms_per_s: float = 0.0  # this process's CPU while no tool runs (ms per second): in every "server CPU"

    @property
    def endpoint_url(self) -> str:
        return self.server.endpoint_url

    def request_count(self, service: str | None = None) -> int:
        return self.server.request_count(service)

    def reset_requests(self) -> None:
        self.server.reset_requests()

    @property
    def throttled_count(self) -> int:
        return self.server.throttled_count

    def replay_stats(self) -> Any:
        return self.server.stats if self.mode == "replay" else None


def _idle_cpu(seconds: float = 3.0) -> float:
    """CPU this process spends per second while nothing is asked of it (servers' polling, timers), in ms."""
    c0, w0 = time.process_time(), time.perf_counter()
    time.sleep(seconds)
    ms = 1000.0 * (time.process_time() - c0) / (time.perf_counter() - w0)
    print(f"  server idle CPU: {ms:.2f} ms per second", flush=True)
    return ms


def _ms_per_call(result: dict[str, Any]) -> float:
    """Server CPU per request the tool sent (every service), in milliseconds."""
    return 1000.0 * result["server_cpu"] / max(1, result["calls_all"])


def _per_call(result: dict[str, Any]) -> str:
    text = f"{_ms_per_call(result):.2f} ms/call"
    stats = result.get("replay")
    return text if stats is None else f"{text}, {stats.replayed} replayed, {stats.forwarded} forwarded to moto"


@contextlib.contextmanager
def simulated_aws(mode: str, backend: Any, args: Any, warm_up: Callable[[Any], None]) -> Iterator[Any]:
    """The server the tools are pointed at, with the simulated latency and rate limits applied.

    - ``moto``: the local backend itself (``LocalBackend.simulate``): moto answers every call, its CPU
      (~2.5-4 ms a call) on the benchmark's cores.
    - ``replay``: a :class:`safemaker.local.replay.ReplayServer` in front of it, which applies the same
      simulation and answers read-only calls from answers recorded from moto. ``warm_up(server)`` runs each
      tool once through it, without simulation and untimed, to record them; the recorded answers are then
      checked against moto's answers now (:meth:`ReplayServer.verify`; any difference is printed).

    Yields a :class:`Target`.
    """
    from safemaker.local.replay import ReplayServer
    from safemaker.local.simulation import Simulation

    simulation = Simulation(float(args.latency_ms), dict(args.rate_limit or {}))
    if mode == "moto":
        backend.simulate(simulation.latency_ms, simulation.rate_limits)
        try:
            yield Target("moto", backend, idle_ms_per_s=_idle_cpu())
        finally:
            backend.simulate()
        return
    backend.simulate()
    with ReplayServer(backend.endpoint_url) as replay:
        t0 = time.perf_counter()
        warm_up(Target("replay", replay))
        differing = replay.verify()
        print(f"  replay: recorded {replay.stats.recorded} answers in {time.perf_counter() - t0:.1f}s (untimed warm-up "
              f"of each tool); {len(differing)} differ from moto's answers now", flush=True)
        for line in differing[:5]:
            print(f"    {line}", flush=True)
        replay.simulate(simulation)
        yield Target("replay", replay, len(differing), _idle_cpu())


def warm_up(target: Any, workdir: Path, args: Any, extra: list[str], use_prowler: bool) -> None:
    """Run each tool once through ``target`` (untimed): the replay server records the answers they read."""
    run_safemaker(target, workdir, args.workers, extra)
    if use_prowler:
        run_prowler(target, workdir, args.prowler_venv, args.prowler_timeout)


def bench_one(n: int, seeded: Seeded, target: Any, args: Any, tmp: Path, extra: list[str], use_prowler: bool,
              sim: str) -> dict[str, Any]:
    """The interleaved runs of both tools against ``target`` (one server mode); the row of figures."""
    backend = target
    sms, prs = [], []
    for run in range(args.runs):
        order = ["safemaker", "prowler"] if run % 2 == 0 else ["prowler", "safemaker"]
        for tool in order:
            backend.reset_requests()
            if tool == "safemaker":
                sm = run_safemaker(backend, Path(tmp), args.workers, extra)
                sm["throttled"] = backend.throttled_count
                sm["replay"] = backend.replay_stats()
                sms.append(sm)
                print(f"  run {run + 1} safemaker: {sm['wall']:.2f}s (CPU {sm['cpu']:.2f}s of which system "
                      f"{sm['cpu_sys']:.2f}s; server CPU {sm['server_cpu']:.2f}s, {_per_call(sm)}; "
                      f"load {sm['load']:.1f}), "
                      f"{sm['calls'] / n:.2f} calls/resource, "
                      f"peak RSS {sm['rss']:.0f} MB ({sm['workers']} worker processes' private memory included), "
                      f"{sm['findings']} findings ({sm['unknown']} unknown)",
                      flush=True)
            elif use_prowler:
                pr = run_prowler(backend, Path(tmp), args.prowler_venv, args.prowler_timeout)
                pr["replay"] = backend.replay_stats()
                prs.append(pr)
                print(f"  run {run + 1} prowler:   {pr['wall']:.2f}s (CPU {pr['cpu']:.2f}s of which system "
                      f"{pr['cpu_sys']:.2f}s; server CPU {pr['server_cpu']:.2f}s, {_per_call(pr)}; "
                      f"load {pr['load']:.1f}), "
                      f"{pr['calls'] / n:.2f} calls/resource, "
                      f"peak RSS {pr['rss']:.0f} MB, ran={pr['ok']} exit {pr['rc']}", flush=True)
    sm = sms[-1]
    sm_wall = statistics.median(x["wall"] for x in sms)
    missed_by_safemaker = seeded.expected - sm["pairs"]
    extra_safemaker = sm["pairs"] - seeded.expected
    row = {"n": n, "server": target.mode, "runs": args.runs, "simulation": sim,
           "replayed_answers_differing_from_moto": target.differing,
           "server_idle_cpu_ms_per_s": round(target.idle_ms_per_s, 2),
           "safemaker_s": round(sm_wall, 3), "safemaker_runs_s": [round(x["wall"], 2) for x in sms],
           "safemaker_cpu_s": round(statistics.median(x["cpu"] for x in sms), 2),
           "safemaker_server_cpu_s": round(statistics.median(x["server_cpu"] for x in sms), 2),
           "safemaker_cpu_runs_s": [round(x["cpu"], 2) for x in sms],
           "safemaker_server_cpu_ms_per_call": round(statistics.median(_ms_per_call(x) for x in sms), 3),
           "safemaker_forwarded_to_moto_runs": [x["replay"].forwarded for x in sms if x["replay"]],
           "safemaker_sys_cpu_runs_s": [round(x["cpu_sys"], 2) for x in sms],
           "safemaker_load_runs": [round(x["load"], 1) for x in sms],
           "safemaker_calls_per_resource": round(sm["calls"] / n, 3),
           "safemaker_peak_rss_mb": round(max(x["rss"] for x in sms), 1), "safemaker_findings": sm["findings"],
           "safemaker_worker_processes": sm["workers"],
           "safemaker_unknown": sm["unknown"], "expected_findings": len(seeded.expected),
           "missed_by_safemaker_vs_truth": len(missed_by_safemaker),
           "safemaker_extra_vs_truth": len(extra_safemaker)}
    print(f"  safemaker median {sm_wall:.2f}s; missed {len(missed_by_safemaker)} of {len(seeded.expected)} "
          f"expected, {len(extra_safemaker)} beyond them", flush=True)
    if use_prowler and prs:
        pr = prs[-1]
        pr_wall = statistics.median(x["wall"] for x in prs)
        row.update({"prowler_s": round(pr_wall, 3), "prowler_runs_s": [round(x["wall"], 2) for x in prs],
                    "prowler_cpu_s": round(statistics.median(x["cpu"] for x in prs), 2),
                    "prowler_server_cpu_s": round(statistics.median(x["server_cpu"] for x in prs), 2),
                    "prowler_cpu_runs_s": [round(x["cpu"], 2) for x in prs],
                    "prowler_server_cpu_ms_per_call": round(statistics.median(_ms_per_call(x) for x in prs), 3),
                    "prowler_forwarded_to_moto_runs": [x["replay"].forwarded for x in prs if x["replay"]],
                    "prowler_load_runs": [round(x["load"], 1) for x in prs],
                    "prowler_exit": pr["rc"],
                    "prowler_calls_per_resource": round(pr["calls"] / n, 3),
                    "prowler_calls_all_services": pr["calls_all"],
                    "prowler_peak_rss_mb": round(max(x["rss"] for x in prs), 1),
                    "prowler_fail_findings": pr["fails"],
                    "prowler_ran": pr["ok"], "prowler_blocked_connections": len(pr["blocked"])})
        if pr["blocked"]:
            print(f"  prowler tried to reach (refused): {sorted(set(pr['blocked']))[:5]}", flush=True)
        if pr["ok"]:
            # network findings only: KMS checks depend on the profile having keys (this one has none)
            prowler_pairs = {p for p in pr["pairs"] if p[1] in NETWORK_RULES}
            ours = {p for p in sm["pairs"] if p[1] in NETWORK_RULES}
            missed_by_prowler = ours - prowler_pairs
            missed_by_us = prowler_pairs - ours
            row["ratio_prowler_over_safemaker"] = round(pr_wall / sm_wall, 2)
            row["ratio_per_run"] = [round(p["wall"] / s["wall"], 2) for p, s in zip(prs, sms)]
            # CPU of the tool plus the server answering it: what the wall time follows on a saturated machine
            row["cpu_ratio_prowler_over_safemaker"] = round(
                statistics.median(p["cpu"] + p["server_cpu"] for p in prs)
                / statistics.median(s["cpu"] + s["server_cpu"] for s in sms), 2)
            row["client_cpu_ratio_prowler_over_safemaker"] = round(
                statistics.median(p["cpu"] for p in prs) / statistics.median(s["cpu"] for s in sms), 2)
            row["network_findings_prowler_missed"] = len(missed_by_prowler)
            row["network_findings_safemaker_missed"] = len(missed_by_us)
            row["prowler_missed_by_type"] = dict(Counter(a.split(":")[5].split("/")[0]
                                                         for a, _ in missed_by_prowler))
            if missed_by_us:
                print(f"  safemaker missed (first 5): {sorted(missed_by_us)[:5]}", flush=True)
            print(f"  prowler median {pr_wall:.2f}s ({row['ratio_prowler_over_safemaker']}x safemaker; CPU "
                  f"{row['client_cpu_ratio_prowler_over_safemaker']}x client, "
                  f"{row['cpu_ratio_prowler_over_safemaker']}x client + server), "
                  f"{pr['calls'] / n:.2f} SageMaker calls/resource, peak RSS {pr['rss']:.0f} MB; "
                  f"network findings missed by Prowler {row['network_findings_prowler_missed']}, "
                  f"by safemaker {row['network_findings_safemaker_missed']}", flush=True)
        else:
            print(f"  prowler:   produced no results (exit {pr['rc']}) after {pr['wall']:.1f}s; "
                  f"stderr tail:\n{pr['tail']}", flush=True)
    return row


# --------------------------------------------------------------------------- main


def _rate(text: str) -> tuple[str, float]:
    from safemaker.local.simulation import parse_rate_limit

    return parse_rate_limit(text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[200], help="resource counts to seed (default: 200)")
    ap.add_argument("--workers", type=int, default=8, help="safemaker --max-workers (default 8)")
    ap.add_argument("--runs", type=int, default=1, help="runs per N, the tools interleaved (medians reported)")
    ap.add_argument("--latency-ms", type=float, default=0.0,
                    help="simulated latency per request on the local backend (LocalBackend.simulate)")
    ap.add_argument("--rate-limit", type=_rate, action="append",
                    help="simulated rate limit OPERATION=RATE or RATE (per access key, region, operation)")
    ap.add_argument("--no-search", action="store_true", help="safemaker --no-search")
    ap.add_argument("--processes", type=int,
                    help="safemaker --processes (default: the command's own: the cores, at most 4, on Linux)")
    ap.add_argument("--server", nargs="+", choices=SERVERS, default=["moto"],
                    help="what answers the tools (each mode a row, on the same seeded data): 'moto' the local "
                         "backend (its CPU, ~2.5-4 ms a call, on this machine's cores), 'replay' a replay server in "
                         "front of it answering read-only calls from recorded answers (the emulator's CPU off the "
                         "critical path, as AWS's server CPU is not the client's); default moto")
    ap.add_argument("--prowler-venv", type=Path, default=DEFAULT_PROWLER_VENV,
                    help=f"virtualenv holding Prowler (default $SAFEMAKER_DEV_BENCH_PROWLER_VENV or {DEFAULT_PROWLER_VENV})")
    ap.add_argument("--install-prowler", action="store_true", help="create that virtualenv with pip if missing")
    ap.add_argument("--no-prowler", action="store_true", help="skip Prowler")
    ap.add_argument("--prowler-timeout", type=float, default=3600.0, help="seconds before Prowler is stopped")
    ap.add_argument("--org-accounts", type=int, default=0,
                    help="also audit a simulated organization of this many member accounts (--accounts all)")
    ap.add_argument("--org-regions", nargs="+", default=["us-east-1", "eu-west-1", "ap-northeast-1"])
    ap.add_argument("--org-per-region", type=int, default=30, help="resources per (account, region)")
    ap.add_argument("--max-parallel", type=int, default=8, help="safemaker --max-parallel for the organization")
    ap.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = ap.parse_args(argv)
    if any(n < 10 for n in args.n):
        ap.error("--n values must be at least 10")
    sim = f"latency {args.latency_ms:g} ms, rate limits {dict(args.rate_limit or {}) or 'none'} (simulated)"

    use_prowler = not args.no_prowler
    if use_prowler and args.install_prowler:
        install_prowler(args.prowler_venv)
    if use_prowler and not (args.prowler_venv / "bin" / "prowler").exists():
        print(f"Prowler not found in {args.prowler_venv} (pass --install-prowler or set "
              "SAFEMAKER_DEV_BENCH_PROWLER_VENV): safemaker only", flush=True)
        use_prowler = False

    print(f"audited types: {', '.join(audited_types())}; {sim}", flush=True)
    precompile_sources()
    rows = []
    extra = ["--no-search"] if args.no_search else []
    if args.processes is not None:
        extra += ["--processes", str(args.processes)]
    for n in (args.n if not args.org_accounts or args.n != [200] else []):
        with tempfile.TemporaryDirectory() as tmp, local_backend() as backend:
            t0 = time.perf_counter()
            seeded = seed(backend.session, n)
            seed_s = time.perf_counter() - t0
            print(f"N={n}: seeded {dict(seeded.counts)} in {seed_s:.1f}s; {sim}", flush=True)
            for mode in args.server:
                with simulated_aws(mode, backend, args, lambda target: warm_up(target, Path(tmp), args, extra,
                                                                                use_prowler)) as target:
                    print(f"N={n}, server {mode}:", flush=True)
                    row = bench_one(n, seeded, target, args, Path(tmp), extra, use_prowler, sim)
                    row["seed_s"] = round(seed_s, 2)
                    rows.append(row)
    for mode in args.server:
        same = [row for row in rows if row["server"] == mode]
        if len(same) < 2:
            continue
        base = same[0]
        for row in same[1:]:
            scale = row["n"] / base["n"]
            print(f"N {base['n']} -> {row['n']} (x{scale:g}, {mode}): safemaker time x{row['safemaker_s'] / base['safemaker_s']:.2f}, "
                  f"peak RSS x{row['safemaker_peak_rss_mb'] / base['safemaker_peak_rss_mb']:.2f}", flush=True)
    result: dict[str, Any] = {"rows": rows}
    if args.org_accounts:
        result["organization"] = run_org(args)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
