"""Guard every SageMaker client of the process: ``safemaker.install_process``.

Runs on the embedded local backend (moto on 127.0.0.1), so it needs no AWS
account: ``python examples/guard_process.py``. Plain ``boto3.client("sagemaker")``
clients reach it through ``AWS_ENDPOINT_URL``, as any client with no endpoint
argument would. Against a real account, drop the backend and call
``safemaker.install_process("profile.toml")`` (or ``"ssm:<parameter>"``).

What it shows:
1. a client made **before** ``install_process`` and one made after are both
   guarded: a CreateTrainingJob without network settings is filled in from
   the profile, one with ``EnableNetworkIsolation=False`` is refused;
2. a handler registered after the guard that rewrites the approved request
   into an open one is refused just before sending (the final request is checked);
3. ``uninstall_process`` turns it off again.
"""

from __future__ import annotations

import os

import boto3

import safemaker
from safemaker.profile import VpcProfile

ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"


def training_job(name: str, **extra: object) -> dict:
    req = {
        "TrainingJobName": name,
        "RoleArn": ROLE,
        "AlgorithmSpecification": {"TrainingImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1",
                                   "TrainingInputMode": "File"},
        "OutputDataConfig": {"S3OutputPath": "s3://my-bucket/output"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    }
    req.update(extra)
    return req


def run(profile: VpcProfile) -> list[str]:
    """Install the process guard and try each case; return one line per outcome."""
    lines = []
    before = boto3.client("sagemaker")                  # made before the guard
    safemaker.install_process(profile)
    after = boto3.client("sagemaker")
    for label, sm in (("before", before), ("after", after)):
        sm.create_training_job(**training_job(f"{label}-closed"))
        stored = sm.describe_training_job(TrainingJobName=f"{label}-closed")
        lines.append(f"client made {label}: filled in, EnableNetworkIsolation={stored['EnableNetworkIsolation']}, "
                     f"Subnets={stored['VpcConfig']['Subnets']}")
        try:
            sm.create_training_job(**training_job(f"{label}-open", EnableNetworkIsolation=False))
        except safemaker.GuardrailViolation as exc:
            lines.append(f"client made {label}: refused: {exc}")

    def late_handler(params, **kwargs):                 # runs after the guard approved the request
        params["EnableNetworkIsolation"] = False

    after.meta.events.register("before-parameter-build.sagemaker.CreateTrainingJob", late_handler)
    try:
        after.create_training_job(**training_job("rewritten"))
    except safemaker.GuardrailViolation as exc:
        lines.append(f"late handler: refused: {exc.violations[0].path} is {exc.violations[0].found!r}")
    lines.append(f"uninstall_process: {safemaker.uninstall_process()}")
    return lines


def main() -> None:
    from safemaker.local import local_backend

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}.items():
        os.environ.setdefault(name, value)
    profile = VpcProfile.from_mapping(
        {"region": "us-east-1", "vpc_id": "vpc-0dddddddddddddddd",
         "subnets": ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0cccccccccccccccc"],
         "security_group_ids": ["sg-0bbbbbbbbbbbbbbbb"], "execution_role_arn": ROLE},
        source="example",
    )
    with local_backend() as backend:
        os.environ["AWS_ENDPOINT_URL"] = backend.endpoint_url
        print("local backend (moto): jobs are stored, no container runs")
        for line in run(profile):
            print(line)
        print("CreateTrainingJob requests that reached the backend:",
              backend.request_count("sagemaker", "CreateTrainingJob"))


if __name__ == "__main__":
    main()
