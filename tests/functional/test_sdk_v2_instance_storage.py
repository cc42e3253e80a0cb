"""SDK v2 jobs on instance types with instance-store volumes send no volume KMS key (issue #13 behaviour 4,
trial 13b F03); on EBS-only types the profile's key is still sent.

The API reference (botocore's documentation of ``ResourceConfig.VolumeKmsKeyId``,
``ProcessingClusterConfig.VolumeKmsKeyId``, ``TransformResources.VolumeKmsKeyId`` and
``HyperParameterTuningResourceConfig.VolumeKmsKeyId``): "You can't request a VolumeKmsKeyId when
using an instance type with local storage". Which families have local storage comes from botocore's
``ResourceConfig.VolumeSizeInGB`` documentation ("ML instance families with the NVMe-type instance
storage include ml.p4d, ml.g4dn, and ml.g5"; "ML instance families that use EBS volumes include
ml.c5 and ml.p2"), read at test time, not from safemaker's table. Assertions are on the request
botocore was about to send after the guard, on the local backend (moto on 127.0.0.1).
"""

from __future__ import annotations

import re

import pytest

from sdk_markers import require_sdk

require_sdk(2)  # skipped under SDK v3 (tests/sdk_markers.py)

# _sdk_v2_support first: it sets SAGEMAKER_SUPPRESS_V2_WARNING before the SDK is imported.
from _sdk_v2_support import BUCKET, IMG, ROLE, make_profile, of  # noqa: E402
from _sdk_v2_support import no_user_sdk_config, sent, sess  # noqa: E402, F401 (fixtures)
import botocore.session  # noqa: E402
from sagemaker.estimator import Estimator  # noqa: E402
from sagemaker.instance_group import InstanceGroup  # noqa: E402
from sagemaker.processing import Processor, ScriptProcessor  # noqa: E402
from sagemaker.transformer import Transformer  # noqa: E402
from sagemaker.tuner import ContinuousParameter, HyperparameterTuner, InstanceConfig  # noqa: E402
from sagemaker.utils import instance_supports_kms  # noqa: E402

from safemaker import iam, iam_eval  # noqa: E402
from safemaker.errors import GuardrailViolation  # noqa: E402
from safemaker.sdk import ClosedEstimator, closed  # noqa: E402

pytestmark = pytest.mark.sdk2

VOL = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
OUT = "arn:aws:kms:us-east-1:123456789012:key/66666666-7777-8888-9999-000000000000"


def _documented_families() -> tuple[list[str], list[str]]:
    """(instance-store families, EBS-only families) named by botocore's ``ResourceConfig.VolumeSizeInGB`` doc."""
    model = botocore.session.get_session().get_service_model("sagemaker")
    doc = re.sub(r"<[^>]+>", "", model.shape_for("ResourceConfig").members["VolumeSizeInGB"].documentation)
    nvme = re.search(r"NVMe-type instance storage include (.*?)\s{2}", doc)
    ebs = re.search(r"families that use EBS volumes include (.*?)\s{2}", doc)
    assert nvme and ebs, doc
    return re.findall(r"ml\.([a-z0-9-]+)", nvme.group(1)), re.findall(r"ml\.([a-z0-9-]+)", ebs.group(1))


NVME_FAMILIES, EBS_FAMILIES = _documented_families()
assert sorted(NVME_FAMILIES) == ["g4dn", "g5", "p4d"] and sorted(EBS_FAMILIES) == ["c5", "p2"]

# Size of each family in botocore's TrainingInstanceType / ProcessingInstanceType / TransformInstanceType enums.
SIZES = {"g4dn": "xlarge", "g5": "xlarge", "p4d": "24xlarge", "c5": "xlarge", "p2": "xlarge"}
STORE = [f"ml.{f}.{SIZES[f]}" for f in NVME_FAMILIES]
EBS = [f"ml.{f}.{SIZES[f]}" for f in EBS_FAMILIES]
_ENUMS = botocore.session.get_session().get_service_model("sagemaker")
PROCESSING_STORE = [t for t in STORE if t in _ENUMS.shape_for("ProcessingInstanceType").enum]
TRANSFORM_STORE = [t for t in STORE if t in _ENUMS.shape_for("TransformInstanceType").enum]

# Instance-store types SDK v2's own list (sagemaker.utils.instance_supports_kms: a "d" in the family, or
# g5 / g6 / p5 / trn1) does not know, so the SDK applies its configured volume key to them. Amazon EC2
# instance-type specifications, "Instance store" column: trn2.48xlarge 4 x 1900 GB NVMe SSD,
# p6-b200.48xlarge 8 x 3840 GB NVMe SSD (https://docs.aws.amazon.com/ec2/latest/instancetypes/ac.html).
SDK_UNLISTED_STORE = ["ml.trn2.48xlarge", "ml.p6-b200.48xlarge"]


@pytest.fixture
def profile():
    """The shared profile plus KMS keys for volumes and outputs (``sess`` is built on this one)."""
    return make_profile(volume_kms_key_id=VOL, output_kms_key_id=OUT)


def iam_denials(profile, operation, req):
    """The Sids of the rendered guardrail policy that deny ``req`` (IAM agrees with the guard: none)."""
    policies = iam.guardrail_policy(profile)
    [request] = [r for r in iam.authorization_requests(operation, req) if r.action == f"sagemaker:{operation}"]
    return iam_eval.evaluate(policies, request).denying_sids


def volume_key(req, *path):
    node = req
    for key in path:
        node = node[key]
    return node.get("VolumeKmsKeyId")


def test_the_instance_types_are_in_botocore_enums_and_the_sdk_list_misses_two():
    model = botocore.session.get_session().get_service_model("sagemaker")
    assert set(STORE + EBS) <= set(model.shape_for("TrainingInstanceType").enum)
    for shape in ("ProcessingInstanceType", "TransformInstanceType"):
        assert set(EBS) <= set(model.shape_for(shape).enum), shape
    assert sorted(PROCESSING_STORE) == sorted(TRANSFORM_STORE) == ["ml.g4dn.xlarge", "ml.g5.xlarge"]
    assert set(SDK_UNLISTED_STORE) <= set(model.shape_for("TrainingInstanceType").enum)
    # The premise of the session-level fix: SDK v2 would resolve its configured key for these.
    assert [instance_supports_kms(t) for t in SDK_UNLISTED_STORE] == [True, True]


# --------------------------------------------------------------------------- estimators


@pytest.mark.parametrize("instance_type", STORE + SDK_UNLISTED_STORE)
def test_ClosedEstimator_sends_no_volume_key_on_an_instance_store_type(instance_type, sess, sent):
    est = ClosedEstimator(IMG, instance_type=instance_type, sagemaker_session=sess,
                          output_path=f"s3://{BUCKET}/out")
    assert est.volume_kms_key is None
    est.fit({"train": f"s3://{BUCKET}/train"}, wait=False)
    (req,) = of(sent, "CreateTrainingJob")
    assert req["ResourceConfig"]["InstanceType"] == instance_type
    assert "VolumeKmsKeyId" not in req["ResourceConfig"]
    assert req["OutputDataConfig"]["KmsKeyId"] == OUT  # the output key does not depend on the instance
    (decision,) = [d for d in sess.guard.decisions if d.operation == "CreateTrainingJob"]
    assert (decision.outcome, decision.injected) == ("allowed", ())
    assert iam_denials(sess.profile, "CreateTrainingJob", req) == ()


@pytest.mark.parametrize("instance_type", EBS + ["ml.m5.large"])
def test_ClosedEstimator_still_sends_the_volume_key_on_an_ebs_type(instance_type, sess, sent):
    est = ClosedEstimator(IMG, instance_type=instance_type, sagemaker_session=sess,
                          output_path=f"s3://{BUCKET}/out")
    est.fit({"train": f"s3://{BUCKET}/train"}, wait=False)
    (req,) = of(sent, "CreateTrainingJob")
    assert req["ResourceConfig"]["VolumeKmsKeyId"] == VOL


def test_volume_kms_key_none_on_an_instance_store_type_sends_none(sess, sent):
    ClosedEstimator(IMG, instance_type=STORE[0], volume_kms_key=None, sagemaker_session=sess,
                    output_path=f"s3://{BUCKET}/out").fit(f"s3://{BUCKET}/train", wait=False)
    (req,) = of(sent, "CreateTrainingJob")
    assert "VolumeKmsKeyId" not in req["ResourceConfig"]


def test_a_foreign_volume_key_on_an_instance_store_type_is_still_refused(sess, safemaker_local):
    with pytest.raises(GuardrailViolation) as exc:
        ClosedEstimator(IMG, instance_type=STORE[0], volume_kms_key="alias/other", sagemaker_session=sess)
    assert [(v.path, v.found, v.rule_id) for v in exc.value.violations] == [
        ("ResourceConfig.VolumeKmsKeyId", "alias/other", "SM-KMS-VOLUME")]
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0


@pytest.mark.parametrize("types, keyed", [
    # One job runs every group (botocore ResourceConfig.InstanceGroups: "a heterogeneous cluster"): the EBS group's
    # volume needs the key ("You can't request a VolumeKmsKeyId when using an instance type with local storage"
    # speaks of one type; the SDK's own Session.train keeps a configured key for groups). Was False under the
    # 'any type has storage' rule (b646ece): the c5 group's EBS volume went out under the AWS managed key (14b F00).
    ((EBS[0], STORE[0]), True),
    ((EBS[0], EBS[1]), True),
    ((STORE[0], STORE[1]), False),  # every group has local storage: no key
])
def test_heterogeneous_instance_groups(types, keyed, sess, sent):
    groups = [InstanceGroup(f"g{i}", t, 1) for i, t in enumerate(types)]
    est = ClosedEstimator(IMG, instance_type=None, instance_count=None, instance_groups=groups,
                          sagemaker_session=sess, output_path=f"s3://{BUCKET}/out")
    est.fit(f"s3://{BUCKET}/train", wait=False)
    (req,) = of(sent, "CreateTrainingJob")
    assert [g["InstanceType"] for g in req["ResourceConfig"]["InstanceGroups"]] == list(types)
    assert volume_key(req, "ResourceConfig") == (VOL if keyed else None)
    assert iam_denials(sess.profile, "CreateTrainingJob", req) == ()


@pytest.mark.parametrize("instance_type, keyed", [(SDK_UNLISTED_STORE[0], False), (STORE[0], False),
                                                  (EBS[0], True)])
def test_plain_sdk_estimator_on_a_closed_session(instance_type, keyed, sess, sent):
    Estimator(IMG, ROLE, 1, instance_type, sagemaker_session=sess,
              output_path=f"s3://{BUCKET}/out").fit(f"s3://{BUCKET}/train", wait=False)
    (req,) = of(sent, "CreateTrainingJob")
    assert volume_key(req, "ResourceConfig") == (VOL if keyed else None)


@pytest.mark.parametrize("instance_type, keyed", [(STORE[0], False), (EBS[0], True)])
def test_hyperparameter_tuner(instance_type, keyed, sess, sent):
    est = ClosedEstimator(IMG, instance_type=instance_type, sagemaker_session=sess,
                          output_path=f"s3://{BUCKET}/out")
    tuner = HyperparameterTuner(est, "validation:accuracy", {"lr": ContinuousParameter(0.01, 0.2)},
                                metric_definitions=[{"Name": "validation:accuracy", "Regex": "acc=(.*)"}],
                                max_jobs=2, max_parallel_jobs=1)
    tuner.fit({"train": f"s3://{BUCKET}/train"}, wait=False)
    (req,) = of(sent, "CreateHyperParameterTuningJob")
    definition = req["TrainingJobDefinition"]
    assert definition["HyperParameterTuningResourceConfig"]["InstanceType"] == instance_type
    assert volume_key(definition, "HyperParameterTuningResourceConfig") == (VOL if keyed else None)


@pytest.mark.parametrize("types, keyed", [
    # botocore InstanceConfigs: "compute instances and storage volumes to use in model training jobs launched by
    # hyperparameter tuning jobs. The AllocationStrategy controls the order in which multiple configurations ...
    # are used": alternatives; a training job launched on the c5 gets an EBS volume, which needs the key. Was
    # False under the 'any type has storage' rule (b646ece; trial 14b F00).
    ((EBS[0], STORE[0]), True),
    ((EBS[0], EBS[1]), True),
    ((STORE[0], STORE[1]), False),  # every configuration has local storage: no key
])
def test_hyperparameter_tuner_instance_configs(types, keyed, sess, sent):
    """The estimator's type takes the key; the tuner's InstanceConfigs decide the request."""
    est = ClosedEstimator(IMG, instance_type=EBS[0], sagemaker_session=sess, output_path=f"s3://{BUCKET}/out")
    tuner = HyperparameterTuner(est, "validation:accuracy", {"lr": ContinuousParameter(0.01, 0.2)},
                                metric_definitions=[{"Name": "validation:accuracy", "Regex": "acc=(.*)"}],
                                max_jobs=2, max_parallel_jobs=1)
    tuner.override_resource_config([InstanceConfig(1, t) for t in types])
    tuner.fit({"train": f"s3://{BUCKET}/train"}, wait=False)
    (req,) = of(sent, "CreateHyperParameterTuningJob")
    resources = req["TrainingJobDefinition"]["HyperParameterTuningResourceConfig"]
    assert [c["InstanceType"] for c in resources["InstanceConfigs"]] == list(types)
    assert resources.get("VolumeKmsKeyId") == (VOL if keyed else None)
    assert iam_denials(sess.profile, "CreateHyperParameterTuningJob", req) == ()


# --------------------------------------------------------------------------- processors


@pytest.mark.parametrize("instance_type, keyed", [(t, False) for t in PROCESSING_STORE] + [(t, True) for t in EBS])
def test_closed_processor(instance_type, keyed, sess, sent):
    proc = closed(Processor)(image_uri=IMG, instance_count=1, instance_type=instance_type, sagemaker_session=sess)
    assert proc.volume_kms_key == (VOL if keyed else None)
    proc.run(wait=False, logs=False)
    (req,) = of(sent, "CreateProcessingJob")
    assert req["ProcessingResources"]["ClusterConfig"]["InstanceType"] == instance_type
    assert volume_key(req, "ProcessingResources", "ClusterConfig") == (VOL if keyed else None)
    assert iam_denials(sess.profile, "CreateProcessingJob", req) == ()


def test_closed_script_processor_subclass(sess, sent, tmp_path):
    code = tmp_path / "process.py"
    code.write_text("print('processing')\n")
    closed(ScriptProcessor)(image_uri=IMG, command=["python3"], instance_count=1,
                            instance_type=PROCESSING_STORE[0], sagemaker_session=sess).run(code=str(code), wait=False, logs=False)
    (req,) = of(sent, "CreateProcessingJob")
    assert "VolumeKmsKeyId" not in req["ProcessingResources"]["ClusterConfig"]


@pytest.mark.parametrize("instance_type, keyed", [(PROCESSING_STORE[0], False), (EBS[0], True)])
def test_plain_sdk_processor_on_a_closed_session(instance_type, keyed, sess, sent):
    """SDK v2's Processor takes the configured key whatever the instance type (no instance_supports_kms)."""
    Processor(role=ROLE, image_uri=IMG, instance_count=1, instance_type=instance_type,
              sagemaker_session=sess).run(wait=False, logs=False)
    (req,) = of(sent, "CreateProcessingJob")
    assert volume_key(req, "ProcessingResources", "ClusterConfig") == (VOL if keyed else None)


def test_processor_volume_key_other_than_the_profiles_is_still_refused(sess, safemaker_local):
    with pytest.raises(GuardrailViolation) as exc:
        closed(Processor)(image_uri=IMG, instance_count=1, instance_type=PROCESSING_STORE[0],
                          volume_kms_key="alias/other",
                          sagemaker_session=sess)
    assert [(v.path, v.rule_id) for v in exc.value.violations] == [
        ("ProcessingResources.ClusterConfig.VolumeKmsKeyId", "SM-KMS-VOLUME")]


# --------------------------------------------------------------------------- transform


@pytest.mark.parametrize("instance_type, keyed", [(t, False) for t in TRANSFORM_STORE] + [(EBS[0], True)])
def test_transformer_of_a_closed_estimator(instance_type, keyed, sess, sent):
    est = ClosedEstimator(IMG, sagemaker_session=sess, output_path=f"s3://{BUCKET}/out")
    est.fit({"train": f"s3://{BUCKET}/train"})
    transformer = est.transformer(1, instance_type, output_path=f"s3://{BUCKET}/batch-out")
    transformer.transform(f"s3://{BUCKET}/batch-in", wait=False)
    (req,) = of(sent, "CreateTransformJob")
    assert req["TransformResources"]["InstanceType"] == instance_type
    assert volume_key(req, "TransformResources") == (VOL if keyed else None)
    assert req["TransformOutput"]["KmsKeyId"] == OUT
    assert iam_denials(sess.profile, "CreateTransformJob", req) == ()


def test_plain_transformer_on_a_closed_session(sess, sent):
    est = ClosedEstimator(IMG, sagemaker_session=sess, output_path=f"s3://{BUCKET}/out")
    est.fit({"train": f"s3://{BUCKET}/train"})
    model = est.create_model()
    model.create(instance_type=TRANSFORM_STORE[0])
    transformer = Transformer(model.name, 1, TRANSFORM_STORE[0], output_path=f"s3://{BUCKET}/o",
                              sagemaker_session=sess)
    transformer.transform(f"s3://{BUCKET}/batch-in", wait=False)
    (req,) = of(sent, "CreateTransformJob")
    assert "VolumeKmsKeyId" not in req["TransformResources"]


# --------------------------------------------------------------------------- pipelines


@pytest.mark.parametrize("instance_type, keyed", [(PROCESSING_STORE[0], False), (EBS[0], True)])
def test_pipeline_step_built_with_the_profiles_sdk_config(instance_type, keyed, sess, sent, safemaker_session):
    """A PipelineSession with the closed config (what ``safemaker profile export -f sagemaker-config`` gives
    a plain session) on a guarded boto3 session: the step is built without the key the type cannot take,
    and the guard creates the pipeline as the SDK wrote it."""
    import json

    from sagemaker.workflow.pipeline import Pipeline
    from sagemaker.workflow.pipeline_context import PipelineSession
    from sagemaker.workflow.steps import ProcessingStep

    ps = PipelineSession(boto_session=safemaker_session, sagemaker_config=sess.sagemaker_config,
                         default_bucket=BUCKET)
    step = ProcessingStep("Prep", step_args=Processor(role=ROLE, image_uri=IMG, instance_count=1,
                                                      instance_type=instance_type, sagemaker_session=ps).run())
    Pipeline("volume-keys", steps=[step], sagemaker_session=ps).create(role_arn=ROLE)
    (req,) = of(sent, "CreatePipeline")
    (args,) = [s["Arguments"] for s in json.loads(req["PipelineDefinition"])["Steps"]]
    assert args["ProcessingResources"]["ClusterConfig"]["InstanceType"] == instance_type
    assert volume_key(args, "ProcessingResources", "ClusterConfig") == (VOL if keyed else None)
