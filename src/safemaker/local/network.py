"""The seed's closed network, built on the local backend (``safemaker infra up`` against moto).

Used by ``safemaker demo`` (its first step) and by the pytest plugin's
``safemaker_local_network`` fixture (:mod:`safemaker.pytest_plugin`), so that
a project's own tests get a closed network on the local backend in one line.
Importing this module imports neither moto nor the SageMaker SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import boto3

    from ..profile import VpcProfile

__all__ = ["create_local_network", "LOCAL_NETWORK_FEATURES", "LOCAL_STACK"]


LOCAL_NETWORK_FEATURES = ("notebook", "training", "hosting")
"""The features whose VPC endpoints the demo's closed network gets (the seed's part 3.1 set)."""


LOCAL_STACK = "safemaker-demo"
"""Stack name (``safemaker:stack`` tag) of the demo's local closed network."""


def create_local_network(session: boto3.Session, *, bucket: str | None = None,
                         name: str = LOCAL_STACK) -> VpcProfile:
    """Build the seed's closed network in the local backend with ``safemaker infra up``; return its profile.

    :func:`safemaker.network.infra.up` creates the VPC (``10.0.0.0/16``, DNS
    support and hostnames on, DHCP options with a domain name), two private
    subnets in two Availability Zones, their route table with only the S3
    gateway endpoint's route, the security group, the interface endpoints of
    :data:`LOCAL_NETWORK_FEATURES` (private DNS on), the IAM policies and the
    execution role, all tagged ``safemaker:stack=<name>``. The bucket is
    created beside it. Nothing leaves the local backend.

    Parameters
    ----------
    session : boto3.Session
        A session of the local backend (:attr:`safemaker.local.LocalBackend.session`).
    bucket : str, optional
        Bucket to create; default ``safemaker-demo-<account>-<region>``.
    name : str, default "safemaker-demo"
        Stack name (tag value and name prefix).

    Returns
    -------
    VpcProfile
        The stack's profile: region, VPC, both subnets, the security group,
        the stack's execution role, its VPC endpoints and ``default_bucket``.

    Raises
    ------
    botocore.exceptions.ClientError
        S3 refused to create the bucket.
    safemaker.network.infra.InfraError
        An EC2 or IAM call failed.
    """
    from ..network import infra
    from .backend import DEFAULT_ACCOUNT_ID

    region = session.region_name
    bucket = bucket or f"safemaker-demo-{DEFAULT_ACCOUNT_ID}-{region}"
    s3 = session.client("s3", region_name=region)
    if region == "us-east-1":
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    # No AWS managed policy: moto has none unless it loads them all (slow), and the
    # rendered execution-role policy is what a closed network needs.
    config = infra.StackConfig(name=name, region=region, features=LOCAL_NETWORK_FEATURES,
                               aws_managed_policies=(), default_bucket=bucket)
    result = infra.up(config, ec2_client=session.client("ec2", region_name=region),
                      iam_client=session.client("iam", region_name=region))
    return result.profile
