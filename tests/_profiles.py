"""The test suite's one set of closed-network profile values, and the factory of profiles made of them.

Not collected by pytest (no ``test_`` prefix). ``tests/conftest.py`` serves
:func:`make_profile` as the ``profile`` and ``profile_factory`` fixtures; a
module that needs a value at import time (a parametrize list, a request
template) imports it from here::

    from _profiles import ROLE, SG, SUB_A, SUB_C, make_profile

The identifiers are placeholders of the documented shapes (``vpc-`` / ``subnet-``
/ ``sg-`` / ``vpce-`` and 17 hex digits, account 123456789012); nothing
exists in any account. A test that needs a variant passes overrides to
:func:`make_profile` (``make_profile(subnets=[SUB_A])``) instead of writing
the mapping again.
"""

from __future__ import annotations

from typing import Any

ACCOUNT = "123456789012"
REGION = "us-east-1"
VPC = "vpc-0dddddddddddddddd"
SUB_A = "subnet-0aaaaaaaaaaaaaaaa"
SUB_C = "subnet-0cccccccccccccccc"
SUB_OUT = "subnet-0eeeeeeeeeeeeeeee"  # not in the profile
SG = "sg-0bbbbbbbbbbbbbbbb"
SG_OUT = "sg-0fffffffffffffff0"  # not in the profile
VPCE = "vpce-0eeeeeeeeeeeeeeee"
ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"
IMG = "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
VPC_CONFIG = {"Subnets": [SUB_A, SUB_C], "SecurityGroupIds": [SG]}  # the profile's VpcConfig (do not mutate)

PROFILE_TOML = f"""\
[safemaker]
region = "{REGION}"
vpc_id = "{VPC}"
subnets = ["{SUB_A}"]
security_group_ids = ["{SG}"]
execution_role_arn = "{ROLE}"
"""
"""A profile file (TOML, one subnet) for the tests that start a guarded child Python."""

OPEN_TRAINING_SCRIPT = """\
import sys
import boto3

who = sys.argv[1]
job = {"RoleArn": %r,
       "AlgorithmSpecification": {"TrainingImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1",
                                  "TrainingInputMode": "File"},
       "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
       "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
       "StoppingCondition": {"MaxRuntimeInSeconds": 3600}}
sm = boto3.client("sagemaker")
for kind, extra in (("open", {"EnableNetworkIsolation": False}), ("plain", {})):
    try:
        sm.create_training_job(TrainingJobName=f"{who}-{kind}", **extra, **job)
        print(who, kind, "sent", flush=True)
    except Exception as exc:
        print(who, kind, type(exc).__name__, flush=True)
""" % ROLE
"""A child script (``python open.py WHO``): an open and a plain CreateTrainingJob; prints what happened to each."""


def profile_fields(**overrides: Any) -> dict[str, Any]:
    """The profile's fields as a new mapping (``VpcProfile.from_mapping`` input), ``overrides`` applied.

    Region ``REGION``, ``VPC``, subnets ``[SUB_A, SUB_C]``, security group
    ``[SG]``, role ``ROLE``. An override given as ``None`` leaves the field out
    (its default applies).
    """
    fields: dict[str, Any] = {"region": REGION, "vpc_id": VPC, "subnets": [SUB_A, SUB_C],
                              "security_group_ids": [SG], "execution_role_arn": ROLE}
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def make_profile(source: str = "test", *, env: bool = False, **overrides: Any) -> Any:
    """A ``VpcProfile`` of :func:`profile_fields` (``overrides`` applied), read as ``source``.

    ``env=False`` by default: no ``SAFEMAKER_<FIELD>`` variable of the machine
    running the tests changes it.
    """
    from safemaker.profile import VpcProfile

    return VpcProfile.from_mapping(profile_fields(**overrides), source=source, env=env)


def training_job_request(name: str = "job", *, output_path: str = "s3://bucket/out", **extra: Any) -> dict[str, Any]:
    """A ``CreateTrainingJob`` request with every member botocore requires and none of the network ones.

    ``TrainingJobName`` ``name``, role ``ROLE``, image ``IMG`` in ``File`` mode,
    output to ``output_path``, one ``ml.m5.large`` with 10 GB, one hour. ``extra``
    members are added (or replace these) as given: the guard decides what is
    missing.
    """
    req: dict[str, Any] = {
        "TrainingJobName": name,
        "RoleArn": ROLE,
        "AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"},
        "OutputDataConfig": {"S3OutputPath": output_path},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    }
    req.update(extra)
    return req


def subnet_parameter_pipeline(session: Any, name: str, subnet: str) -> str:
    """Create (with ``session``'s SageMaker client, before any guard) a pipeline of one closed training step whose
    subnet is the pipeline parameter ``Subnet`` (default ``subnet``); returns its ARN."""
    import json

    step = {"Name": "Train", "Type": "Training", "Arguments": {
        "AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"},
        "OutputDataConfig": {"S3OutputPath": "s3://b/out"}, "RoleArn": ROLE,
        "ResourceConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 30},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "VpcConfig": {"Subnets": [{"Get": "Parameters.Subnet"}], "SecurityGroupIds": [SG]},
        "EnableNetworkIsolation": True, "EnableInterContainerTrafficEncryption": True}}
    text = json.dumps({"Version": "2020-12-01", "Parameters": [{"Name": "Subnet", "Type": "String",
                                                                  "DefaultValue": subnet}], "Steps": [step]})
    return session.client("sagemaker").create_pipeline(PipelineName=name, PipelineDefinition=text, RoleArn=ROLE,
                                                       ClientRequestToken=name.ljust(32, "0"))["PipelineArn"]


def open_then_closed_pipeline(sagemaker: Any, name: str = "p") -> str:
    """Create (with the SageMaker client ``sagemaker``, before any guard) pipeline ``name`` of one training step:
    version 1 open (``EnableNetworkIsolation`` false, no ``VpcConfig``), version 2 (an ``UpdatePipeline``) closed;
    returns its ARN. The local backend keeps both versions (``DescribePipeline`` with ``PipelineVersionId``)."""
    import json

    def definition(closed: bool) -> str:
        args: dict[str, Any] = {
            "AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"},
            "OutputDataConfig": {"S3OutputPath": "s3://b/out"}, "RoleArn": ROLE,
            "ResourceConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 30},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600}}
        if closed:
            args.update(VpcConfig={"Subnets": [SUB_A], "SecurityGroupIds": [SG]}, EnableNetworkIsolation=True,
                        EnableInterContainerTrafficEncryption=True)
        else:
            args.update(EnableNetworkIsolation=False)
        return json.dumps({"Version": "2020-12-01", "Steps": [{"Name": "Train", "Type": "Training",
                                                                "Arguments": args}]})

    arn = sagemaker.create_pipeline(PipelineName=name, RoleArn=ROLE, PipelineDefinition=definition(False),
                                    ClientRequestToken=f"{name}-token".ljust(32, "0"))["PipelineArn"]
    sagemaker.update_pipeline(PipelineName=name, PipelineDefinition=definition(True))
    return arn
