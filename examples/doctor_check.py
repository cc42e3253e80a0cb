"""Build the seed's closed network, check it with the doctor, break it, check again, tear it down.

Runs on the embedded local backend (moto on 127.0.0.1) by default, so it
needs no AWS account: ``python examples/doctor_check.py``. Against a real
account, pass your own clients (``boto3.Session(region_name=...).client("ec2")``
and ``.client("iam")``); ``infra.up`` then creates real, billed resources
(interface endpoints are charged by the hour) until ``infra.down``.

What it shows:
1. ``infra.up`` builds the VPC, subnets, endpoints, security group, IAM
   policies and execution role, and returns the profile;
2. the doctor finds nothing wrong with it;
3. after deleting the STS endpoint and adding an internet gateway route,
   the doctor reports exactly those problems, each with its fix;
4. ``infra.down`` deletes everything the stack created, and only that.
"""

from __future__ import annotations

from typing import Any

from safemaker.network import doctor, infra

FEATURES = ("notebook", "training", "hosting")


def run(ec2: Any, iam: Any, retry: infra.RetryPolicy | None = None) -> dict[str, Any]:
    """Build, check, break, check, remove. Returns what each step reported."""
    config = infra.StackConfig(name="doctor-demo", region=ec2.meta.region_name, features=FEATURES,
                               aws_managed_policies=())
    built = infra.up(config, ec2_client=ec2, iam_client=iam, retry=retry)
    profile = built.profile
    clean = doctor.run(profile, FEATURES, ec2_client=ec2)

    # Break two things: no STS endpoint (F06), a default route to an internet gateway (F08).
    ec2.delete_vpc_endpoints(VpcEndpointIds=[built.resources["endpoint:sts"]])
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=profile.vpc_id)
    ec2.create_route(RouteTableId=built.resources["route-table"], DestinationCidrBlock="0.0.0.0/0",
                     GatewayId=igw)
    broken = doctor.run(profile, FEATURES, ec2_client=ec2)

    # The internet gateway is not the stack's (no tag): remove it first, as its owner would.
    ec2.delete_route(RouteTableId=built.resources["route-table"], DestinationCidrBlock="0.0.0.0/0")
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=profile.vpc_id)
    ec2.delete_internet_gateway(InternetGatewayId=igw)
    removed = infra.down(config, ec2_client=ec2, iam_client=iam, retry=retry)
    return {"built": built, "clean": clean, "broken": broken, "removed": removed}


def main() -> None:
    from safemaker.local import local_backend

    with local_backend() as backend:
        session = backend.session
        fast = infra.RetryPolicy(wait_delay=0.0)  # moto creates endpoints "available" at once
        result = run(session.client("ec2"), session.client("iam"), fast)
    clean, broken = result["clean"], result["broken"]
    print(f"built: {len(result['built'].changes)} changes, profile VPC {result['built'].profile.vpc_id}")
    print(f"clean network: {clean.status} ({len(clean.checks)} checks)")
    print(f"after breaking it: {broken.status}")
    for check in broken.problems:
        print(f"  {check.id} {check.subject}: {check.detail}")
    print(f"removed: complete={result['removed'].complete}, {len(result['removed'].actions)} deletions")


if __name__ == "__main__":
    main()
