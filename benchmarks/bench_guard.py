"""Guard cost: check+apply per CreateTrainingJob (µs), and guarded vs unguarded round trips.

Run: ``make bench`` (all benchmarks) or ``.venv/bin/python benchmarks/bench_guard.py``.
Both figures are measured in this one run, side by side; the round-trip
figure is a ratio (guarded / unguarded) against the local backend (moto on
127.0.0.1), interleaved so machine noise hits both alike.
Targets (issue 2): check+apply under 30 µs; round-trip ratio under 1.05.
"""

from __future__ import annotations

import argparse
import statistics
import time
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _offline  # noqa: E402  (every benchmark runs offline: the tests' loopback-only guard)

_offline.enter()

from safemaker import guard, hooks
from safemaker.local import local_backend
from safemaker.profile import VpcProfile

ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"
PROFILE = VpcProfile.from_mapping(
    {"region": "us-east-1", "vpc_id": "vpc-0dddddddddddddddd",
     "subnets": ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0cccccccccccccccc"],
     "security_group_ids": ["sg-0bbbbbbbbbbbbbbbb"], "execution_role_arn": ROLE},
    source="benchmark", env=False,
)


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


def bench_pure(repeats: int, inner: int) -> float:
    """Median µs of one check() + apply() on a CreateTrainingJob request."""
    req = request()
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(inner):
            guard.check("CreateTrainingJob", req, PROFILE)
            guard.apply("CreateTrainingJob", req, PROFILE)
        samples.append((time.perf_counter() - t0) / inner * 1e6)
    return statistics.median(samples)


def bench_round_trip(rounds: int) -> tuple[float, float]:
    """Median ms per CreateTrainingJob round trip, unguarded and guarded, interleaved."""
    with local_backend() as backend:
        session = backend.session
        plain = session.client("sagemaker")      # created before install: not guarded
        hooks.install(session, PROFILE)
        guarded = session.client("sagemaker")
        assert hooks.installed(guarded) is not None and hooks.installed(plain) is None
        # Same final request for both: the unguarded client gets what the guard would send.
        final = guard.apply("CreateTrainingJob", request(), PROFILE)
        for i in range(20):  # warm up both
            plain.create_training_job(**dict(final, TrainingJobName=f"warm-p-{i}"))
            guarded.create_training_job(**request(f"warm-g-{i}"))
        t_plain, t_guarded = [], []
        for i in range(rounds):  # alternate which goes first, so order effects cancel
            calls = [("p", plain, dict(final, TrainingJobName=f"p-{i}")), ("g", guarded, request(f"g-{i}"))]
            if i % 2:
                calls.reverse()
            for kind, client, req in calls:
                t0 = time.perf_counter()
                client.create_training_job(**req)
                (t_plain if kind == "p" else t_guarded).append((time.perf_counter() - t0) * 1e3)
    return statistics.median(t_plain), statistics.median(t_guarded)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--inner", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=300)
    args = ap.parse_args(argv)
    us = bench_pure(args.repeats, args.inner)
    plain_ms, guarded_ms = bench_round_trip(args.rounds)
    print(f"guard check+apply, CreateTrainingJob: {us:.1f} µs median (target < 30 µs)")
    print(f"round trip on the local backend: unguarded {plain_ms:.2f} ms, guarded {guarded_ms:.2f} ms, "
          f"ratio {guarded_ms / plain_ms:.3f} (target < 1.05)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
