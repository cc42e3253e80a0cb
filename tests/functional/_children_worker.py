"""What a multiprocessing child of the process-guard tests runs (``test_process_guard_children.py``).

Importable by name in a spawned or forkserver child (pytest puts this folder on ``sys.path``, which
multiprocessing hands to the child). Not collected (no ``test_`` prefix).
"""

from __future__ import annotations

import os
from typing import Any

from _profiles import IMG, ROLE


def training_job(name: str, **extra: Any) -> dict[str, Any]:
    """A ``CreateTrainingJob`` request without any network setting (``extra`` added)."""
    return {"TrainingJobName": name, "RoleArn": ROLE,
            "AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"},
            "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
            "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600}, **extra}


def send_open_and_closed(endpoint_url: str, name: str) -> dict[str, Any]:
    """In the child: send an open and a plain ``CreateTrainingJob`` through a real botocore client.

    Returns what happened to each (``"sent"`` or the exception class's name), the child's pid and its
    process guard (mode, exclusive, the profile's fields) or ``None``.
    """
    import boto3

    import safemaker
    from safemaker.process import process_guard_exclusive

    sm = boto3.Session(region_name="us-east-1").client("sagemaker", endpoint_url=endpoint_url)
    outcome: dict[str, Any] = {"pid": os.getpid()}
    for kind, extra in (("open", {"EnableNetworkIsolation": False}), ("plain", {})):
        try:
            sm.create_training_job(**training_job(f"{name}-{kind}", **extra))
            outcome[kind] = "sent"
        except Exception as exc:  # the guard's refusal, or anything else: reported, compared by the test
            outcome[kind] = type(exc).__name__
    g = safemaker.process_guard()
    outcome["guard"] = None if g is None else (g.mode, process_guard_exclusive(), g.profile.to_dict())
    return outcome
