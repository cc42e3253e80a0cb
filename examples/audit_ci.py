"""CI gate: audit every SageMaker resource against the closed-network profile, write SARIF.

Against your account (credentials from the usual places; needs sagemaker:List* and
sagemaker:Describe*)::

    python examples/audit_ci.py --vpc-profile profile.toml --sarif audit.sarif --fail-on high

Without an AWS account, on the embedded local backend (moto on 127.0.0.1), seeded
with one open notebook instance and one closed model::

    python examples/audit_ci.py --local --sarif audit.sarif

Exit code 3 when a finding is at or above ``--fail-on`` (upload the SARIF file to
your code-scanning service either way), 0 when clean.
"""

from __future__ import annotations

import argparse
from collections import Counter
from typing import Any, Iterable, Iterator

from safemaker import audit
from safemaker.profile import VpcProfile

ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"
SUBNETS = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0cccccccccccccccc"]
SG = "sg-0bbbbbbbbbbbbbbbb"


def gate(profile: VpcProfile, session: Any, sarif_path: str, fail_on: str, regions: list[str] | None = None,
         resource_types: tuple[str, ...] | None = None) -> int:
    """Run the audit, stream the findings into a SARIF file, print a summary; return the exit code."""
    threshold = audit.Severity.parse(fail_on)
    by_rule: Counter[str] = Counter()
    failing: list[audit.Finding] = []
    checked = 0

    def on_progress(event: audit.ProgressEvent) -> None:
        nonlocal checked
        if event.kind == "checked":
            checked += event.count

    def keep(findings: Iterable[audit.Finding]) -> Iterator[audit.Finding]:
        for f in findings:
            by_rule[f.rule_id] += 1
            if f.severity.rank >= threshold.rank:
                failing.append(f)
            yield f

    with open(sarif_path, "w", encoding="utf-8") as fh:
        total = audit.write_sarif(keep(audit.run(profile, boto3_session=session, regions=regions,
                                                 resource_types=resource_types, progress=on_progress)), fh)
    print(f"audited {checked} resource(s): {total} finding(s), {len(failing)} at or above {threshold.value}")
    for rule_id, count in sorted(by_rule.items()):
        print(f"  {rule_id}: {count}")
    for f in failing:
        print(f"{f.severity.value} {f.rule_id} {f.resource_arn} {f.path} [{f.fix_action}]")
    print(f"SARIF written to {sarif_path}")
    return 3 if failing else 0


def _seed(session: Any) -> None:
    sm = session.client("sagemaker")
    # created without DirectInternetAccess: AWS's default is Enabled, and it cannot be changed later
    sm.create_notebook_instance(NotebookInstanceName="open-notebook", InstanceType="ml.t3.medium", RoleArn=ROLE,
                                SubnetId=SUBNETS[0], SecurityGroupIds=[SG], RootAccess="Disabled")
    sm.create_model(ModelName="closed-model", ExecutionRoleArn=ROLE,
                    PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1"},
                    EnableNetworkIsolation=True, VpcConfig={"Subnets": SUBNETS, "SecurityGroupIds": [SG]})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Audit SageMaker resources and write SARIF for code scanning.")
    ap.add_argument("--vpc-profile", "-p", dest="profile", help="VPC profile (file or ssm:<name>); default $SAFEMAKER_PROFILE")
    ap.add_argument("--region", action="append", help="region to audit (repeat); default the profile's")
    ap.add_argument("--sarif", default="safemaker-audit.sarif", help="SARIF output file")
    ap.add_argument("--fail-on", default="high", help="low, medium, high or critical (default high)")
    ap.add_argument("--local", action="store_true", help="run on the embedded local backend, seeded")
    args = ap.parse_args(argv)
    if args.local:
        from safemaker.local import local_backend

        profile = VpcProfile.from_mapping({"region": "us-east-1", "vpc_id": "vpc-0dddddddddddddddd",
                                           "subnets": SUBNETS, "security_group_ids": [SG],
                                           "execution_role_arn": ROLE}, source="example")
        with local_backend() as backend:
            _seed(backend.session)
            # the two types seeded (moto does not implement every List call the full audit makes)
            return gate(profile, backend.session, args.sarif, args.fail_on,
                        resource_types=("notebook-instance", "model"))
    import boto3

    return gate(VpcProfile.load(args.profile), boto3.session.Session(), args.sarif, args.fail_on, args.region)


if __name__ == "__main__":
    raise SystemExit(main())
