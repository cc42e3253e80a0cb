"""SDK v3 jobs on instance types with instance-store volumes send no volume KMS key (issue #13 behaviour 4,
trial 13b F03); on EBS-only types the profile's key is still sent.

Oracle: botocore's documentation of ``ResourceConfig.VolumeKmsKeyId`` / ``ProcessingClusterConfig.VolumeKmsKeyId`` /
``TransformResources.VolumeKmsKeyId`` ("You can't request a VolumeKmsKeyId when using an instance type with
local storage") and of ``ResourceConfig.VolumeSizeInGB`` ("ML instance families with the NVMe-type instance
storage include ml.p4d, ml.g4dn, and ml.g5"; "ML instance families that use EBS volumes include ml.c5 and
ml.p2"), read at test time. Assertions are on the request bodies sent to the local backend.
"""

from __future__ import annotations

import re

import pytest
from sdk_markers import require_sdk

require_sdk(3)

from _sdk_v3_support import BUCKET, IMG, ROLE, V3Env, make_profile  # noqa: E402
import botocore.session  # noqa: E402
from sagemaker.core.shapes import InstanceGroup  # noqa: E402
from sagemaker.core.training.configs import Compute, InputData  # noqa: E402

from safemaker.errors import GuardrailViolation  # noqa: E402

pytestmark = pytest.mark.sdk3

VOL = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
OUT = "arn:aws:kms:us-east-1:123456789012:key/66666666-7777-8888-9999-000000000000"

_MODEL = botocore.session.get_session().get_service_model("sagemaker")
_DOC = re.sub(r"<[^>]+>", "", _MODEL.shape_for("ResourceConfig").members["VolumeSizeInGB"].documentation)
NVME = re.findall(r"ml\.([a-z0-9-]+)", re.search(r"NVMe-type instance storage include (.*?)\s{2}", _DOC).group(1))
EBS_ONLY = re.findall(r"ml\.([a-z0-9-]+)", re.search(r"that use EBS volumes include (.*?)\s{2}", _DOC).group(1))
assert sorted(NVME) == ["g4dn", "g5", "p4d"] and sorted(EBS_ONLY) == ["c5", "p2"]
SIZES = {"g4dn": "xlarge", "g5": "xlarge", "p4d": "24xlarge", "c5": "xlarge", "p2": "xlarge"}
STORE = [f"ml.{f}.{SIZES[f]}" for f in NVME]
EBS = [f"ml.{f}.{SIZES[f]}" for f in EBS_ONLY]
PROCESSING_STORE = [t for t in STORE if t in _MODEL.shape_for("ProcessingInstanceType").enum]


@pytest.fixture
def env(safemaker_local):
    e = V3Env(safemaker_local, profile=make_profile(volume_kms_key_id=VOL, output_kms_key_id=OUT))
    try:
        yield e
    finally:
        e.close()


def _train(env, **kwargs):
    trainer = env.trainer(**kwargs)
    trainer.train(input_data_config=[InputData(channel_name="train", data_source=f"s3://{BUCKET}/train")])
    return trainer


@pytest.mark.parametrize("instance_type, keyed", [(t, False) for t in STORE] + [(t, True) for t in EBS])
def test_ClosedModelTrainer(instance_type, keyed, env):
    trainer = _train(env, compute=Compute(instance_type=instance_type, instance_count=1))
    body = env.sent.one("CreateTrainingJob")
    assert body["ResourceConfig"]["InstanceType"] == instance_type
    assert body["ResourceConfig"].get("VolumeKmsKeyId") == (VOL if keyed else None)
    assert body["OutputDataConfig"]["KmsKeyId"] == OUT
    assert trainer.compute.volume_kms_key_id == (VOL if keyed else None)


@pytest.mark.parametrize("types, keyed", [
    # One job runs every group (botocore ResourceConfig.InstanceGroups: "a heterogeneous cluster"): the EBS group's
    # volume needs the key. Was False under the 'any group has storage' rule (b646ece; trial 14b F00).
    ((EBS[0], STORE[0]), True),
    ((EBS[0], EBS[1]), True),
    ((STORE[0], STORE[1]), False),  # every group has local storage: no key
])
def test_ClosedModelTrainer_instance_groups(types, keyed, env):
    groups = [InstanceGroup(instance_type=t, instance_count=1, instance_group_name=f"g{i}")
              for i, t in enumerate(types)]
    _train(env, compute=Compute(instance_groups=groups))
    body = env.sent.one("CreateTrainingJob")
    assert [g["InstanceType"] for g in body["ResourceConfig"]["InstanceGroups"]] == list(types)
    assert body["ResourceConfig"].get("VolumeKmsKeyId") == (VOL if keyed else None)


def test_compute_assigned_after_construction_decides_again(env):
    trainer = env.trainer(compute=Compute(instance_type=EBS[0], instance_count=1))
    assert trainer.compute.volume_kms_key_id == VOL
    # The profile's key filled for the EBS type goes with the compute to an instance-store type.
    trainer.compute = trainer.compute.model_copy(update={"instance_type": STORE[0]})
    trainer.train(input_data_config=[InputData(channel_name="train", data_source=f"s3://{BUCKET}/train")])
    body = env.sent.one("CreateTrainingJob")
    assert body["ResourceConfig"]["InstanceType"] == STORE[0]
    assert "VolumeKmsKeyId" not in body["ResourceConfig"]


def test_a_foreign_volume_key_on_an_instance_store_type_is_still_refused(env):
    with pytest.raises(GuardrailViolation) as exc:
        env.trainer(compute=Compute(instance_type=STORE[0], instance_count=1, volume_kms_key_id="alias/other"))
    assert [(v.path, v.rule_id) for v in exc.value.violations] == [
        ("compute.volume_kms_key_id (ResourceConfig.VolumeKmsKeyId)", "SM-KMS-VOLUME")]
    assert env.backend.request_count("sagemaker", "CreateTrainingJob") == 0


@pytest.mark.parametrize("instance_type, keyed", [(PROCESSING_STORE[0], False), (EBS[0], True)])
def test_plain_sdk_processor_on_a_closed_session(instance_type, keyed, env):
    """SDK v3's Processor takes the session's configured volume key whatever the instance type."""
    from sagemaker.core.processing import Processor

    Processor(role=ROLE, image_uri=IMG, instance_count=1, instance_type=instance_type,
              sagemaker_session=env.session).run(wait=False, logs=False)
    body = env.sent.one("CreateProcessingJob")
    assert body["ProcessingResources"]["ClusterConfig"]["InstanceType"] == instance_type
    assert body["ProcessingResources"]["ClusterConfig"].get("VolumeKmsKeyId") == (VOL if keyed else None)


@pytest.mark.parametrize("instance_type, keyed", [(PROCESSING_STORE[0], False), (EBS[0], True)])
def test_pipeline_step_built_with_the_profiles_sdk_config(instance_type, keyed, env):
    """A PipelineSession with the closed session's config on the guarded boto3 session: the step carries no
    key its instance type cannot take, and the guard creates the pipeline."""
    import json

    from sagemaker.core.processing import Processor
    from sagemaker.core.workflow.pipeline_context import PipelineSession
    from sagemaker.mlops.workflow.pipeline import Pipeline
    from sagemaker.mlops.workflow.steps import ProcessingStep

    ps = PipelineSession(boto_session=env.backend.session, sagemaker_config=env.session.sagemaker_config,
                         default_bucket=BUCKET)
    step = ProcessingStep("Prep", step_args=Processor(role=ROLE, image_uri=IMG, instance_count=1,
                                                      instance_type=instance_type, sagemaker_session=ps).run())
    Pipeline("volume-keys", steps=[step], sagemaker_session=ps).create(role_arn=ROLE)
    (args,) = [s["Arguments"] for s in json.loads(env.sent.one("CreatePipeline")["PipelineDefinition"])["Steps"]]
    assert args["ProcessingResources"]["ClusterConfig"]["InstanceType"] == instance_type
    assert args["ProcessingResources"]["ClusterConfig"].get("VolumeKmsKeyId") == (VOL if keyed else None)
