"""Check a SageMaker pipeline definition against a VPC profile, then create it through the guard.

Runs on the embedded local backend (moto on 127.0.0.1) by default, so it
needs no AWS account: ``python examples/check_pipeline.py [definition.json]``.
Without a file it uses a small definition written below; with one, it checks
yours (for instance the output of ``Pipeline.definition()`` of the SageMaker
SDK). Against a real account, load your profile with
``VpcProfile.load("profile.toml")`` and install the guard on your session.

What it shows:
1. ``safemaker.pipeline.check_definition`` (pure, no AWS call) lists every
   violation, each naming its step;
2. the same definition sent with ``CreatePipeline`` through a guarded client
   is refused before anything is sent;
3. once the step is fixed, the pipeline is created, exactly as written.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import safemaker
from safemaker.pipeline import check_definition
from safemaker.profile import VpcProfile

ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1"
SUBNETS = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0cccccccccccccccc"]
SECURITY_GROUPS = ["sg-0bbbbbbbbbbbbbbbb"]

DEFINITION = {
    "Version": "2020-12-01",
    "Parameters": [{"Name": "InstanceType", "Type": "String", "DefaultValue": "ml.m5.large"}],
    "Steps": [
        {"Name": "TrainModel", "Type": "Training", "Arguments": {
            "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
            "RoleArn": ROLE,
            "OutputDataConfig": {"S3OutputPath": "s3://my-bucket/output"},
            "ResourceConfig": {"InstanceCount": 1, "InstanceType": {"Get": "Parameters.InstanceType"},
                               "VolumeSizeInGB": 30},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            "VpcConfig": {"Subnets": SUBNETS, "SecurityGroupIds": SECURITY_GROUPS},
            "EnableNetworkIsolation": False,  # the mistake this example finds
            "EnableInterContainerTrafficEncryption": True,
        }},
    ],
}


def fixed(definition: dict) -> dict:
    """The example definition with its one mistake corrected."""
    out = copy.deepcopy(definition)
    out["Steps"][0]["Arguments"]["EnableNetworkIsolation"] = True
    return out


def run(session, profile: VpcProfile, definition: dict) -> dict:
    """Check ``definition`` offline, then try to create it through a guarded client.

    Returns
    -------
    dict
        ``{"violations": [message, ...], "refused": str or None, "created": bool}``
    """
    result = check_definition(definition, profile)
    safemaker.install(session, profile)
    sm = session.client("sagemaker")
    refused, created = None, False
    try:
        sm.create_pipeline(PipelineName="example", RoleArn=ROLE, PipelineDefinition=json.dumps(definition),
                           ClientRequestToken="example-pipeline-token-0000000001")
        created = True
    except safemaker.GuardrailViolation as exc:
        refused = str(exc)
    return {"violations": [v.message() for v in result.violations], "refused": refused, "created": created}


def main(argv: list[str]) -> int:
    from safemaker.local import local_backend

    profile = VpcProfile.from_mapping(
        {"region": "us-east-1", "vpc_id": "vpc-0dddddddddddddddd", "subnets": SUBNETS,
         "security_group_ids": SECURITY_GROUPS, "execution_role_arn": ROLE},
        source="example",
    )
    definition = json.loads(Path(argv[0]).read_text()) if argv else DEFINITION
    with local_backend() as backend:
        first = run(backend.session, profile, definition)
        print(f"{len(first['violations'])} violation(s):")
        for message in first["violations"]:
            print(" -", message)
        print("CreatePipeline:", "created" if first["created"] else "refused before sending")
        if argv or first["created"]:
            return 0 if first["created"] else 1
        second = run(backend.session, profile, fixed(definition))
        print("after the fix:", "created" if second["created"] else f"refused: {second['refused']}")
        print("CreatePipeline requests that reached the backend:",
              backend.request_count("sagemaker", "CreatePipeline"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
