"""Guard a plain boto3 SageMaker client with a VPC profile.

Runs on the embedded local backend (moto on 127.0.0.1) by default, so it
needs no AWS account: ``python examples/guard_boto3.py``. Against a real
account, build the session yourself and load your profile with
``VpcProfile.load("profile.toml")`` (or ``ssm:<parameter>``).

What it shows:
1. a CreateTrainingJob without network settings gets the profile's
   ``VpcConfig``, ``EnableNetworkIsolation`` and
   ``EnableInterContainerTrafficEncryption`` injected;
2. a CreateTrainingJob with ``EnableNetworkIsolation=False`` is refused
   before anything is sent.
"""

from __future__ import annotations

import boto3

import safemaker
from safemaker.profile import VpcProfile

ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"


def training_job(name: str, **extra: object) -> dict:
    req = {
        "TrainingJobName": name,
        "RoleArn": ROLE,
        "AlgorithmSpecification": {
            "TrainingImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1",
            "TrainingInputMode": "File",
        },
        "OutputDataConfig": {"S3OutputPath": "s3://my-bucket/output"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    }
    req.update(extra)
    return req


def run(session: boto3.Session, profile: VpcProfile) -> dict:
    """Install the guard on ``session``, send one compliant and one refused request.

    Returns
    -------
    dict
        ``{"stored": <DescribeTrainingJob of the allowed job>, "refused": <GuardrailViolation message>}``
    """
    safemaker.install(session, profile)          # before creating the client
    sm = session.client("sagemaker")
    sm.create_training_job(**training_job("closed-job"))
    stored = sm.describe_training_job(TrainingJobName="closed-job")
    try:
        sm.create_training_job(**training_job("open-job", EnableNetworkIsolation=False))
    except safemaker.GuardrailViolation as exc:
        refused = str(exc)
    else:  # pragma: no cover - the guard refuses it
        raise AssertionError("the guard let an open training job through")
    return {"stored": stored, "refused": refused}


def main() -> None:
    from safemaker.local import local_backend

    profile = VpcProfile.from_mapping(
        {
            "region": "us-east-1",
            "vpc_id": "vpc-0dddddddddddddddd",
            "subnets": ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0cccccccccccccccc"],
            "security_group_ids": ["sg-0bbbbbbbbbbbbbbbb"],
            "execution_role_arn": ROLE,
        },
        source="example",
    )
    with local_backend() as backend:
        result = run(backend.session, profile)
        stored = result["stored"]
        print("local backend (moto): the job is stored, no container ran")
        print("EnableNetworkIsolation:", stored["EnableNetworkIsolation"])
        print("VpcConfig:", stored["VpcConfig"])
        print("refused:", result["refused"])
        print("CreateTrainingJob requests that reached the backend:",
              backend.request_count("sagemaker", "CreateTrainingJob"))


if __name__ == "__main__":
    main()
