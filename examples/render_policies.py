"""Render the IAM policies for a VPC profile, and see what they deny that the seed's policy lets through.

Offline: no AWS account needed. ``python examples/render_policies.py`` uses
``examples/profile.yaml``; ``--vpc-profile other.toml`` another profile (or
``ssm:<name>``), ``--out DIR`` where to write the policy files (default
``./policies``).

What it does:
1. renders the guardrail, pass-role, developer and execution-role policies
   (``safemaker.iam.render_all``), writes one JSON file per managed policy and
   a CloudFormation template, and prints each policy's size;
2. evaluates three requests that the seed's RestrictInternetAccess lets
   through (field report F15) against the seed's policies and the rendered
   ones, with safemaker's own policy evaluator.

To attach the files: ``aws iam create-policy --policy-name safemaker-guardrail
--policy-document file://policies/safemaker-guardrail.json``, or deploy the
template with CloudFormation; ``safemaker policy simulate`` asks IAM itself.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from safemaker import iam
from safemaker.iam.evaluator import evaluate
from safemaker.profile import VpcProfile

HERE = Path(__file__).resolve().parent
ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"
IMG = "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1"

TRAINING = {
    "RoleArn": ROLE,
    "AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"},
    "OutputDataConfig": {"S3OutputPath": "s3://sagemaker-closed-123456789012/out", "KmsKeyId": "alias/sagemaker-output"},
    "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
    "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    "EnableNetworkIsolation": True,
    "EnableInterContainerTrafficEncryption": True,
}

# Requests the seed's policy does not stop: each omits (or mis-sets) a parameter it never checks.
REQUESTS = {
    "tuning job without VpcConfig": ("CreateHyperParameterTuningJob", {
        "HyperParameterTuningJobName": "tune",
        "HyperParameterTuningJobConfig": {"Strategy": "Bayesian", "ResourceLimits": {"MaxParallelTrainingJobs": 1}},
        "TrainingJobDefinition": {**TRAINING, "StaticHyperParameters": {}},
    }),
    "notebook without DirectInternetAccess": ("CreateNotebookInstance", {
        "NotebookInstanceName": "nb", "InstanceType": "ml.t3.medium", "RoleArn": ROLE,
        "SubnetId": "subnet-0aaaaaaaaaaaaaaaa", "SecurityGroupIds": ["sg-0bbbbbbbbbbbbbbbb"], "RootAccess": "Disabled",
    }),
    "training job in a foreign security group": ("CreateTrainingJob", {
        "TrainingJobName": "job", **TRAINING,
        "VpcConfig": {"Subnets": ["subnet-0aaaaaaaaaaaaaaaa"], "SecurityGroupIds": ["sg-0ffffffffffffffff"]},
    }),
}


def denied_by(policies: list[dict], operation: str, params: dict, vpce: str | None) -> list[str]:
    """Sids of the Deny statements that fire for the call (an empty list: allowed)."""
    sids: list[str] = []
    for request in iam.authorization_requests(operation, params, source_vpce=vpce):
        sids += [s or "(no Sid)" for s in evaluate([iam.BASELINE_ALLOW, *policies], request).denying_sids]
    return sids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vpc-profile", "-p", dest="profile", default=str(HERE / "profile.yaml"))
    parser.add_argument("--out", default="policies")
    args = parser.parse_args()

    profile = VpcProfile.load(args.profile)
    rendered = iam.render_all(profile)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for kind, documents in rendered.items():
        for i, document in enumerate(documents):
            name = iam.policy_name(kind, i)
            (out / f"{name}.json").write_text(json.dumps(document, indent=2) + "\n")
            print(f"{name}: {len(document['Statement'])} statements, {iam.policy_size(document)} characters")
    (out / "safemaker-policies.yaml").write_text(iam.cloudformation_yaml(rendered))
    print(f"wrote {out / 'safemaker-policies.yaml'}")

    vpce = profile.vpc_endpoint_ids[0] if profile.vpc_endpoint_ids else None
    seed = iam.seed_policies(profile)
    seed_policies = [*seed["guardrail"], *seed["pass-role"]]
    ours = [*rendered["guardrail"], *rendered["pass-role"]]
    for label, (operation, params) in REQUESTS.items():
        by_seed = denied_by(seed_policies, operation, params, vpce)
        by_ours = denied_by(ours, operation, params, vpce)
        print(f"{label}: seed {'denies' if by_seed else 'allows'}; "
              f"safemaker {'denies (' + ', '.join(by_ours) + ')' if by_ours else 'allows'}")


if __name__ == "__main__":
    main()
