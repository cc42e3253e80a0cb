"""Render the guardrail as AWS Organizations service control policies, and check two requests against them.

Offline: no AWS account needed. ``python examples/render_scps.py`` uses
``examples/profile.yaml``; ``--profile other.toml`` another profile, ``--out
DIR`` where to write the SCP files (default ``./scps``).

What it does:
1. renders the SCPs (``safemaker.iam.scp.service_control_policies``): the
   guardrail and pass-role statements, each with the AWS data-perimeter
   exemption ``aws:PrincipalTag/dp:exclude = true``, packed into documents of
   at most 5,120 characters, minified; writes one file per SCP and prints each
   one's size;
2. evaluates a hyperparameter tuning job without ``VpcConfig`` (the seed's
   policy lets it through, F15) with safemaker's policy evaluator: denied for
   everyone, allowed for a principal tagged ``dp:exclude=true``.

To attach: ``aws organizations create-policy --type SERVICE_CONTROL_POLICY
--name safemaker-scp --description "safemaker guardrail" --content
file://scps/safemaker-scp.json``, then ``aws organizations attach-policy``
to an OU or account (at most 5 SCPs per target, FullAWSAccess included).
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from safemaker import iam
from safemaker.iam import scp
from safemaker.iam.evaluator import evaluate
from safemaker.profile import VpcProfile

HERE = Path(__file__).resolve().parent
ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"
IMG = "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1"

TUNING_JOB_WITHOUT_VPC = {
    "HyperParameterTuningJobName": "tune",
    "HyperParameterTuningJobConfig": {"Strategy": "Bayesian", "ResourceLimits": {"MaxParallelTrainingJobs": 1}},
    "TrainingJobDefinition": {
        "RoleArn": ROLE, "StaticHyperParameters": {},
        "AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"},
        "OutputDataConfig": {"S3OutputPath": "s3://sagemaker-closed-123456789012/out"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "EnableNetworkIsolation": True, "EnableInterContainerTrafficEncryption": True,
    },
}


def denying_sids(documents: list[dict], tagged: bool, vpce: str | None) -> list[str]:
    """Sids of the SCP statements that deny the tuning job (empty: allowed)."""
    sids: list[str] = []
    for request in iam.authorization_requests("CreateHyperParameterTuningJob", TUNING_JOB_WITHOUT_VPC,
                                              source_vpce=vpce):
        if tagged:
            request = dataclasses.replace(
                request, context={**request.context, f"aws:PrincipalTag/{scp.EXCLUDE_TAG}": "true"})
        sids += [s or "(no Sid)" for s in evaluate([iam.BASELINE_ALLOW, *documents], request).denying_sids]
    return sids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default=str(HERE / "profile.yaml"))
    parser.add_argument("--out", default="scps")
    args = parser.parse_args()

    profile = VpcProfile.load(args.profile)
    documents = scp.service_control_policies(profile)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for i, document in enumerate(documents):
        name = scp.scp_name(i)
        (out / f"{name}.json").write_text(scp.minify(document) + "\n")
        print(f"{name}: {len(document['Statement'])} statements, {scp.scp_size(document)} characters "
              f"(limit {scp.SCP_MAX_CHARS})")
    vpce = profile.vpc_endpoint_ids[0] if profile.vpc_endpoint_ids else None
    denied = denying_sids(documents, tagged=False, vpce=vpce)
    print("tuning job without VpcConfig: " + ("denied (" + ", ".join(denied) + ")" if denied else "allowed"))
    exempt = denying_sids(documents, tagged=True, vpce=vpce)
    print(f"same request by a principal tagged {scp.EXCLUDE_TAG}=true: "
          + ("denied (" + ", ".join(exempt) + ")" if exempt else "allowed"))


if __name__ == "__main__":
    main()
