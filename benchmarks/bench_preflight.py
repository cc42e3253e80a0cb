"""Preflight cost inside the guard: guard.decide with and without the preflight checks (µs).

Run: ``.venv/bin/python benchmarks/bench_preflight.py`` (or ``make bench``). Both
variants run side by side in this one process, interleaved, several rounds,
medians: a ``CreateTrainingJob`` with script-mode hyperparameters (the code
channel: allowed), a ``CreateModel`` with an LMI environment, and an operation
that has no preflight check (``CreateEndpoint``: one dictionary lookup).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _offline  # noqa: E402  (every benchmark runs offline: the tests' loopback-only guard)

_offline.enter()

from safemaker import guard
from safemaker import preflight
from safemaker.profile import VpcProfile

ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"
IMG = "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1"
PROFILE = VpcProfile.from_mapping(
    {"region": "us-east-1", "vpc_id": "vpc-0dddddddddddddddd",
     "subnets": ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0cccccccccccccccc"],
     "security_group_ids": ["sg-0bbbbbbbbbbbbbbbb"], "execution_role_arn": ROLE},
    source="benchmark", env=False,
)

REQUESTS = {
    "CreateTrainingJob": {
        "TrainingJobName": "job", "RoleArn": ROLE,
        "AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"},
        "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "HyperParameters": {"sagemaker_submit_directory": json.dumps("/opt/ml/input/data/code/sourcedir.tar.gz"),
                            "sagemaker_program": '"train.py"', **{f"hp{i}": str(i) for i in range(20)}},
    },
    "CreateModel": {
        "ModelName": "m", "ExecutionRoleArn": ROLE,
        "PrimaryContainer": {"Image": IMG, "ModelDataUrl": "s3://bucket/model.tar.gz",
                             "Environment": {"HF_MODEL_ID": "/opt/ml/model", "OPTION_ROLLING_BATCH": "vllm",
                                             "OPTION_TENSOR_PARALLEL_DEGREE": "max"}},
    },
    "CreateEndpoint": {"EndpointName": "e", "EndpointConfigName": "c"},
}


def _time(operation: str, request: dict, inner: int) -> float:
    t0 = time.perf_counter()
    for _ in range(inner):
        guard.decide(operation, request, PROFILE)
    return (time.perf_counter() - t0) / inner * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--inner", type=int, default=2000)
    args = parser.parse_args()
    real = preflight.check_request
    print(f"{'operation':<20} {'with µs':>9} {'without µs':>11} {'preflight µs':>13}")
    for operation, request in REQUESTS.items():
        with_, without = [], []
        for _ in range(args.rounds):  # interleaved: machine noise hits both alike
            with_.append(_time(operation, request, args.inner))
            preflight.check_request = lambda *a, **k: None  # type: ignore[assignment]
            try:
                without.append(_time(operation, request, args.inner))
            finally:
                preflight.check_request = real  # type: ignore[assignment]
        w, wo = statistics.median(with_), statistics.median(without)
        print(f"{operation:<20} {w:>9.2f} {wo:>11.2f} {w - wo:>13.2f}")


if __name__ == "__main__":
    main()
