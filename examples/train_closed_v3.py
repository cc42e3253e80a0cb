"""Seed part 4.5 with safemaker and SageMaker Python SDK v3: train and deploy linear-learner, closed.

The same walkthrough as ``train_closed.py`` (SDK v2), written for SDK v3
(``pip install sagemaker`` brings v3): ``ClosedModelTrainer`` instead of
``Estimator``, ``closed_deploy`` on the trainer instead of ``estimator.deploy``.
The network settings (``Networking``: subnets, security groups, network
isolation, inter-container traffic encryption) and the execution role come
from the VPC profile; nothing calls IAM, no telemetry is sent, and a trainer
that would open the network is refused before anything is sent.

The data follows the seed's notebook: handwritten digits (scikit-learn's 8x8
digits, shipped offline, instead of downloading MNIST), as float32 vectors
with the label "is it a 0?", written as CSV (SDK v3 no longer writes
RecordIO-protobuf) and uploaded to S3.

Against a real account, from inside the closed network::

    python examples/train_closed_v3.py --vpc-profile profile.toml

On the embedded local backend (moto on 127.0.0.1; nothing leaves the machine)::

    python examples/train_closed_v3.py --local

On the local backend no container runs: the job goes to ``Completed`` at once
and trains nothing, and the endpoint answers nothing real. The script says so.

Needs the ``sdk3`` and ``demo`` extras (and ``local`` for ``--local``):
``pip install 'safemaker[sdk3,demo,local]'``.
"""

from __future__ import annotations

import argparse
import io
import sys
from typing import Any

import boto3

import safemaker
from safemaker.profile import VpcProfile

LOCAL_ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"
"""The execution role of the local run (moto's default account)."""
LOCAL_BUCKET = "safemaker-example-train-v3"
PREFIX = "safemaker-examples/linear-learner-digits-v3"
TRAIN_INSTANCE_TYPE = "ml.c4.xlarge"  # the seed's train_instance_type
HOSTING_INSTANCE_TYPE = "ml.m5.large"


def digits_csv() -> tuple[bytes, int, int]:
    """The seed's training set, from scikit-learn's digits, as CSV (label first, no header).

    SDK v3 no longer writes RecordIO-protobuf (``write_numpy_to_dense_tensor``
    raises ``NotImplementedError`` in sagemaker-core 2.x); linear-learner reads
    ``text/csv`` with the label in the first column just as well.

    Returns
    -------
    tuple[bytes, int, int]
        The CSV payload, the number of records, the feature dimension (64).

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
    digits = load_digits()
    vectors = (digits.data / 16.0).astype("float32")
    labels = np.where(digits.target == 0, 1, 0).astype("float32")  # the seed's binary "is it a 0"
    buf = io.StringIO()
    np.savetxt(buf, np.column_stack([labels, vectors]), delimiter=",", fmt="%g")
    return buf.getvalue().encode(), vectors.shape[0], vectors.shape[1]


def run(boto_session: boto3.Session, profile: VpcProfile, *, emulated: bool) -> dict[str, Any]:
    """Upload the digits, train linear-learner with a ClosedModelTrainer, deploy it, try an open one.

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
        fields of CreateTrainingJob as SageMaker stored them), ``endpoint``,
        ``model`` (the network fields of the deployed model), ``refused``.
    """
    from sagemaker.core import image_uris
    from sagemaker.core.training.configs import Compute, InputData, Networking

    from safemaker.sdk import ClosedModelTrainer, ClosedNetworkSession, closed_deploy

    with ClosedNetworkSession(profile, boto_session=boto_session) as sess:
        bucket = sess.default_bucket()
        payload, records, feature_dim = digits_csv()
        key = f"{PREFIX}/train/digits.csv"
        boto_session.client("s3").upload_fileobj(io.BytesIO(payload), bucket, key)
        train_s3 = f"s3://{bucket}/{key}"
        print(f"uploaded {records} digits ({len(payload):,} bytes) to {train_s3}")

        # Seed 4.5, "Training the linear model", with SDK v3: no networking= here, the profile has it.
        image = image_uris.retrieve("linear-learner", profile.region)
        trainer = ClosedModelTrainer(
            training_image=image, sagemaker_session=sess, base_job_name="linear-learner",
            compute=Compute(instance_type=TRAIN_INSTANCE_TYPE, instance_count=1),
            hyperparameters={"feature_dim": feature_dim, "predictor_type": "binary_classifier",
                             "mini_batch_size": 200},
        )
        trainer.train(input_data_config=[InputData(channel_name="train", data_source=train_s3,
                                                   content_type="text/csv")])
        job = trainer._latest_training_job.training_job_name
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
            print("  (local backend: no container ran, the job trained nothing)")
        else:
            print(f"  BillableTimeInSeconds = {described.get('BillableTimeInSeconds')}")

        # Deploy the trained model: CreateModel with network isolation and the profile's VpcConfig.
        endpoint = closed_deploy(trainer, 1, HOSTING_INSTANCE_TYPE, endpoint_name=f"{job}-ep")
        config = sess.sagemaker_client.describe_endpoint_config(EndpointConfigName=endpoint.endpoint_config_name)
        model_name = config["ProductionVariants"][0]["ModelName"]
        model = sess.sagemaker_client.describe_model(ModelName=model_name)
        model_vpc = model.get("VpcConfig") or {}
        model_fields = {"EnableNetworkIsolation": model.get("EnableNetworkIsolation"),
                        "Subnets": model_vpc.get("Subnets"), "SecurityGroupIds": model_vpc.get("SecurityGroupIds")}
        print(f"endpoint {endpoint.endpoint_name}: {endpoint.endpoint_status} (model {model_name}: "
              + ", ".join(f"{k}={v}" for k, v in model_fields.items()) + ")")

        # The same trainer without network isolation is refused before anything is sent.
        try:
            ClosedModelTrainer(training_image=image, sagemaker_session=sess,
                               networking=Networking(enable_network_isolation=False))
        except safemaker.GuardrailViolation as exc:
            refused = str(exc)
        else:  # pragma: no cover - the adapter refuses it
            raise AssertionError("a trainer without network isolation was accepted")
        print(f"refused as expected: {refused}")
    return {"train_s3": train_s3, "records": records, "job": job, "status": described["TrainingJobStatus"],
            "sent": sent, "endpoint": endpoint.endpoint_name, "model": model_fields, "refused": refused}


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
        result["requests"] = {service: backend.request_count(service)
                              for service in ("iam", "sts", "logs")}
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
        profile = VpcProfile.load(args.profile, boto3_session=boto3.Session())
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
