"""Seed part 4.5 with safemaker: train the built-in linear-learner in a closed network.

In the seed, the MNIST notebook's ``Estimator`` needs three more arguments to
train inside the closed network: ``enable_network_isolation=True``,
``subnets=[...]`` and ``security_group_ids=[...]``. Forget one and the job
runs with a way out (or, for half a VPC, no VPC at all). With safemaker the
values come from the VPC profile, the SDK builds closed requests, and a call
that would open the network is refused before anything is sent.

The data follows the seed's notebook: handwritten digits (scikit-learn's
8x8 digits, shipped offline, instead of downloading MNIST), as float32
vectors with the label "is it a 0?", written as RecordIO-protobuf and
uploaded to S3.

Against a real account, from inside the closed network (credentials in the
environment; the training image comes from ECR through its VPC endpoints)::

    python examples/train_closed.py --vpc-profile profile.toml

On the embedded local backend (moto on 127.0.0.1; no AWS account, nothing
leaves the machine)::

    python examples/train_closed.py --local

On the local backend no container runs: the job goes to ``Completed`` at once
and trains nothing. The script says so; it never prints a result as if it
had trained.

Needs the ``sdk2`` and ``demo`` extras (and ``local`` for ``--local``):
``pip install 'safemaker[sdk2,demo,local]'``.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from typing import Any

os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")

import boto3  # noqa: E402

import safemaker  # noqa: E402
from safemaker.profile import VpcProfile  # noqa: E402

LOCAL_ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"
"""The execution role of the local run (moto's default account)."""
LOCAL_BUCKET = "safemaker-example-train"
PREFIX = "safemaker-examples/linear-learner-digits"
TRAIN_INSTANCE_TYPE = "ml.c4.xlarge"  # the seed's train_instance_type


def digits_recordio() -> tuple[bytes, int, int]:
    """The seed's training set, from scikit-learn's digits: RecordIO-protobuf bytes.

    Returns
    -------
    tuple[bytes, int, int]
        The RecordIO-protobuf payload, the number of records, the feature dimension (64).

    Raises
    ------
    SystemExit
        scikit-learn or numpy is missing (exit code 2, with the extra to install).
    """
    try:
        import numpy as np
        from sklearn.datasets import load_digits
    except ImportError as exc:
        print(f"error: {exc.name} is not installed; pip install 'safemaker[demo]'", file=sys.stderr)
        raise SystemExit(2) from None
    from sagemaker.amazon.common import write_numpy_to_dense_tensor

    digits = load_digits()
    vectors = (digits.data / 16.0).astype("float32")
    labels = np.where(digits.target == 0, 1, 0).astype("float32")  # the seed's binary "is it a 0"
    buf = io.BytesIO()
    write_numpy_to_dense_tensor(buf, vectors, labels)
    return buf.getvalue(), vectors.shape[0], vectors.shape[1]


def run(boto_session: boto3.Session, profile: VpcProfile, *, emulated: bool) -> dict[str, Any]:
    """Upload the digits, train linear-learner with a ClosedEstimator, try an open one.

    Parameters
    ----------
    boto_session : boto3.Session
        The session to work with (its region must be the profile's).
    profile : VpcProfile
        The closed network; its ``default_bucket`` holds data and artifacts.
    emulated : bool
        True on the local backend (no container runs; said in the output).

    Returns
    -------
    dict
        ``train_s3``, ``records``, ``job``, ``status``, ``sent`` (the network
        fields of the CreateTrainingJob request as SageMaker stored them),
        ``refused`` (the message of the refused open estimator).
    """
    import sagemaker

    from safemaker.sdk import ClosedEstimator, ClosedNetworkSession

    sess = ClosedNetworkSession(profile, boto_session=boto_session)
    bucket = sess.default_bucket()
    payload, records, feature_dim = digits_recordio()
    key = f"{PREFIX}/train/recordio-pb-data"
    boto_session.client("s3").upload_fileobj(io.BytesIO(payload), bucket, key)
    train_s3 = f"s3://{bucket}/{key}"
    print(f"uploaded {records} digits ({len(payload):,} bytes) to {train_s3}")

    # Seed 4.5, "Training the linear model": the image, then the Estimator. No
    # enable_network_isolation / subnets / security_group_ids here: the profile has them.
    container = sagemaker.image_uris.retrieve("linear-learner", profile.region)
    linear = ClosedEstimator(container, instance_count=1, instance_type=TRAIN_INSTANCE_TYPE,
                             output_path=f"s3://{bucket}/{PREFIX}/output", sagemaker_session=sess)
    linear.set_hyperparameters(feature_dim=feature_dim, predictor_type="binary_classifier",
                               mini_batch_size=200)
    linear.fit({"train": train_s3})
    job = linear.latest_training_job.name
    described = sess.sagemaker_client.describe_training_job(TrainingJobName=job)
    vpc = described.get("VpcConfig") or {}
    sent = {
        "EnableNetworkIsolation": described.get("EnableNetworkIsolation"),
        "EnableInterContainerTrafficEncryption": described.get("EnableInterContainerTrafficEncryption"),
        "Subnets": vpc.get("Subnets"),
        "SecurityGroupIds": vpc.get("SecurityGroupIds"),
    }
    print(f"training job {job}: {described['TrainingJobStatus']}")
    for name, value in sent.items():
        print(f"  {name} = {value}")
    if emulated:
        print("  (local backend: no container ran, the job trained nothing; the artifact "
              f"{linear.model_data} does not exist)")
    else:
        print(f"  BillableTimeInSeconds = {described.get('BillableTimeInSeconds')}")
        print(f"  model artifact: {linear.model_data}")

    # The same estimator without network isolation is refused before anything is sent.
    try:
        ClosedEstimator(container, instance_count=1, instance_type=TRAIN_INSTANCE_TYPE,
                        sagemaker_session=sess, enable_network_isolation=False)
    except safemaker.GuardrailViolation as exc:
        refused = str(exc)
    else:  # pragma: no cover - the adapter refuses it
        raise AssertionError("an estimator without network isolation was accepted")
    print(f"refused as expected: {refused}")
    return {"train_s3": train_s3, "records": records, "job": job,
            "status": described["TrainingJobStatus"], "sent": sent, "refused": refused}


def run_local() -> dict[str, Any]:
    """:func:`run` on the embedded local backend, in a VPC created there."""
    from safemaker.local import local_backend

    with local_backend("us-east-1") as backend:
        session = backend.session
        ec2 = session.client("ec2")
        vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        for i, zone in enumerate(("us-east-1a", "us-east-1b")):
            ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=zone)
        group = ec2.create_security_group(GroupName="sagemaker-closed", Description="SageMaker ENIs",
                                          VpcId=vpc_id)["GroupId"]
        profile = VpcProfile.discover(ec2, vpc_id, [group], execution_role_arn=LOCAL_ROLE,
                                      default_bucket=LOCAL_BUCKET)
        session.client("s3").create_bucket(Bucket=LOCAL_BUCKET)
        print(f"local backend at {backend.endpoint_url}; VPC {vpc_id}, subnets {list(profile.subnets)}, "
              f"security group {group}")
        result = run(session, profile, emulated=True)
        result["requests"] = {service: backend.request_count(service) for service in ("sagemaker", "s3", "iam",
                                                                                      "sts", "logs")}
        print("requests received by the local backend: " + ", ".join(
            f"{service} {count}" for service, count in result["requests"].items()))
        return result


def main(argv: list[str] | None = None) -> int:
    """Command line: ``--local`` or ``--vpc-profile PATH|ssm:NAME``; exit 0 ok, 2 bad input."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--local", action="store_true", help="run on the embedded local backend")
    where.add_argument("--vpc-profile", "-p", dest="profile", help="VPC profile: a file path or ssm:<parameter name>")
    args = parser.parse_args(argv)
    try:
        if args.local:
            run_local()
            return 0
        session = boto3.Session()
        profile = VpcProfile.load(args.profile, boto3_session=session)
        if not profile.default_bucket:
            print("error: the profile has no default_bucket; add one for the data and artifacts", file=sys.stderr)
            return 2
        run(boto3.Session(region_name=profile.region), profile, emulated=False)
        return 0
    except (safemaker.ProfileError, safemaker.GuardrailViolation) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
