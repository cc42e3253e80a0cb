"""False refusals fixed (issue 13, item 4): each case a test, each expected value from the model or the docs.

- ``CreateProcessingJob`` with no ``ProcessingOutputConfig`` under a profile with an
  output KMS key: nothing to encrypt, neither injected nor required.
- ``VolumeKmsKeyId`` on instance types with instance-store volumes: the API
  reference (botocore's documentation of ``ResourceConfig.VolumeKmsKeyId``) says
  "You can't request a VolumeKmsKeyId when using an instance type with local
  storage"; neither injected nor required, and the IAM rendering agrees.
- An update's refusal never suggests omitting a field to have it injected.
(A tuple of closed IDs: tests/unit/test_guard_shapes.py.)
"""

from __future__ import annotations

import re

import botocore.session
import pytest

from safemaker import guard, iam
from safemaker.iam import evaluator as iam_eval
from safemaker.instances import (
    INSTANCE_STORE_FAMILIES,
    INSTANCE_STORE_IAM_PATTERNS,
    INSTANCE_STORE_SOURCES,
    has_instance_storage,
)
from safemaker.profile import VpcProfile

from _profiles import IMG, KEY_ARN as VOLUME_KEY, ROLE, SG, SUB_A

OUTPUT_KEY = "arn:aws:kms:us-east-1:123456789012:key/66666666-7777-8888-9999-000000000000"
MODEL = botocore.session.get_session().get_service_model("sagemaker")


@pytest.fixture(scope="module")
def profile(profile_factory) -> VpcProfile:
    return profile_factory(subnets=[SUB_A], volume_kms_key_id=VOLUME_KEY, output_kms_key_id=OUTPUT_KEY)


def _doc(shape: str, member: str) -> str:
    return re.sub(r"<[^>]+>", "", MODEL.shape_for(shape).members[member].documentation)


def _processing(**extra):
    req = {"ProcessingJobName": "p", "RoleArn": ROLE, "AppSpecification": {"ImageUri": IMG},
           "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large",
                                                     "VolumeSizeInGB": 30}}}
    req.update(extra)
    return req


# ---------------------------------------------------------------- processing without outputs


def test_processing_job_without_outputs_gets_no_output_key(profile: VpcProfile) -> None:
    # ProcessingOutputConfig is optional in the model: a job may write nothing
    assert "ProcessingOutputConfig" not in MODEL.operation_model("CreateProcessingJob").input_shape.required_members
    out = guard.apply("CreateProcessingJob", _processing(), profile)
    assert "ProcessingOutputConfig" not in out
    assert out["ProcessingResources"]["ClusterConfig"]["VolumeKmsKeyId"] == VOLUME_KEY
    closed = dict(out)
    assert [v.path for v in guard.check("CreateProcessingJob", closed, profile)] == []


def test_processing_job_with_outputs_still_needs_the_output_key(profile: VpcProfile) -> None:
    req = _processing(ProcessingOutputConfig={"Outputs": []})
    assert guard.apply("CreateProcessingJob", req, profile)["ProcessingOutputConfig"]["KmsKeyId"] == OUTPUT_KEY
    assert "ProcessingOutputConfig.KmsKeyId" in [v.path for v in guard.check("CreateProcessingJob", req, profile)]


# ---------------------------------------------------------------- instance-store volumes


def _documented_families() -> tuple[set[str], set[str]]:
    """From the API reference (ResourceConfig.VolumeSizeInGB): NVMe-storage families and EBS-only families."""
    text = _doc("ResourceConfig", "VolumeSizeInGB")
    nvme = re.search(r"NVMe-type instance storage include (.*?)\.\s+When", text).group(1)
    ebs = re.search(r"families that use EBS volumes include (.*?)\.\s+To look up", text).group(1)
    return set(re.findall(r"ml\.[a-z0-9]+", nvme)), set(re.findall(r"ml\.[a-z0-9]+", ebs))


def test_the_api_reference_says_instance_storage_takes_no_volume_key() -> None:
    for shape in ("ResourceConfig", "ProcessingClusterConfig", "TransformResources"):
        assert "You can't request a VolumeKmsKeyId when using an instance type with local storage" in \
            _doc(shape, "VolumeKmsKeyId"), shape
    nvme, ebs = _documented_families()
    assert nvme == {"ml.p4d", "ml.g4dn", "ml.g5"} and ebs == {"ml.c5", "ml.p2"}


def _training(instance_type: str, **resource):
    return {"TrainingJobName": "j", "RoleArn": ROLE,
            "AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"},
            "OutputDataConfig": {"S3OutputPath": "s3://b/o"},
            "ResourceConfig": {"InstanceType": instance_type, "InstanceCount": 1, "VolumeSizeInGB": 10, **resource},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600}}


def _types(enum_shape: str, family: str) -> list[str]:
    return [t for t in MODEL.shape_for(enum_shape).enum if t.split(".")[1] == family.split(".")[1]]


@pytest.mark.parametrize("family", ["ml.p4d", "ml.g4dn", "ml.g5"])
def test_documented_nvme_families_get_no_volume_key(profile: VpcProfile, family: str) -> None:
    types = _types("TrainingInstanceType", family)
    assert types, family
    for t in types:
        out = guard.apply("CreateTrainingJob", _training(t), profile)
        assert "VolumeKmsKeyId" not in out["ResourceConfig"], t
        assert [v.path for v in guard.check("CreateTrainingJob", out, profile)] == [], t


@pytest.mark.parametrize("family", ["ml.c5", "ml.p2"])
def test_documented_ebs_families_keep_the_volume_key(profile: VpcProfile, family: str) -> None:
    for t in _types("TrainingInstanceType", family):
        out = guard.apply("CreateTrainingJob", _training(t), profile)
        assert out["ResourceConfig"]["VolumeKmsKeyId"] == VOLUME_KEY, t
        assert {v.path for v in guard.check("CreateTrainingJob", _training(t), profile)} == {
            "VpcConfig", "EnableNetworkIsolation", "EnableInterContainerTrafficEncryption",
            "ResourceConfig.VolumeKmsKeyId", "OutputDataConfig.KmsKeyId"}, t


def test_processing_and_transform_on_instance_storage_get_no_volume_key(profile: VpcProfile) -> None:
    req = _processing()
    req["ProcessingResources"]["ClusterConfig"]["InstanceType"] = "ml.g5.xlarge"
    out = guard.apply("CreateProcessingJob", req, profile)
    assert "VolumeKmsKeyId" not in out["ProcessingResources"]["ClusterConfig"]
    transform = {"TransformJobName": "t", "ModelName": "m",
                 "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/i"}}},
                 "TransformOutput": {"S3OutputPath": "s3://b/o"},
                 "TransformResources": {"InstanceType": "ml.m5d.large", "InstanceCount": 1}}
    out = guard.apply("CreateTransformJob", transform, profile)
    assert "VolumeKmsKeyId" not in out["TransformResources"]
    assert out["TransformOutput"]["KmsKeyId"] == OUTPUT_KEY


def test_heterogeneous_cluster_with_an_instance_store_group(profile: VpcProfile) -> None:
    req = _training("ml.m5.large")
    del req["ResourceConfig"]["InstanceType"], req["ResourceConfig"]["InstanceCount"]
    req["ResourceConfig"]["InstanceGroups"] = (
        {"InstanceType": "ml.m5.large", "InstanceCount": 1, "InstanceGroupName": "a"},
        {"InstanceType": "ml.p4d.24xlarge", "InstanceCount": 1, "InstanceGroupName": "b"})
    # The m5 group's EBS volume needs the key (was: left out under the 'any group has storage' rule; trial 14b F00)
    assert guard.apply("CreateTrainingJob", req, profile)["ResourceConfig"]["VolumeKmsKeyId"] == VOLUME_KEY
    req["ResourceConfig"]["InstanceGroups"][0]["InstanceType"] = "ml.g5.xlarge"  # every group has local storage
    assert "VolumeKmsKeyId" not in guard.apply("CreateTrainingJob", req, profile)["ResourceConfig"]


def test_iam_patterns_and_the_guard_agree_on_every_model_instance_type() -> None:
    for t in sorted(_model_ml_types()):
        iam_says = any(iam_eval._like(t, p) for p in INSTANCE_STORE_IAM_PATTERNS)
        assert iam_says == has_instance_storage(t), t


@pytest.mark.parametrize("instance_type, denied", [("ml.g5.xlarge", False), ("ml.p4d.24xlarge", False),
                                                   ("ml.m5d.large", False), ("ml.m5.large", True),
                                                   ("ml.c5.xlarge", True)])
def test_iam_rendering_agrees_on_the_absent_volume_key(profile: VpcProfile, instance_type: str, denied: bool) -> None:
    closed = _training(instance_type, VolumeKmsKeyId=None)
    del closed["ResourceConfig"]["VolumeKmsKeyId"]
    closed.update(VpcConfig={"Subnets": [SUB_A], "SecurityGroupIds": [SG]}, EnableNetworkIsolation=True,
                  EnableInterContainerTrafficEncryption=True)
    closed["OutputDataConfig"]["KmsKeyId"] = OUTPUT_KEY
    guard_refuses = bool(guard.check("CreateTrainingJob", closed, profile))
    policies = iam.guardrail_policy(profile)
    [request] = [r for r in iam.authorization_requests("CreateTrainingJob", closed)
                 if r.action == "sagemaker:CreateTrainingJob"]
    result = iam_eval.evaluate(policies, request)
    assert (guard_refuses, result.explicitly_denied) == (denied, denied)
    if denied:
        assert result.denying_sids == ("DenyVolumeKmsKeyArnAbsent",)


# ---------------------------------------------------------------- updates inject nothing


def test_update_refusals_never_suggest_omitting_to_inject(profile: VpcProfile) -> None:
    cases = [
        ("UpdateDomain", {"DomainId": "d-1", "AppNetworkAccessType": "PublicInternetOnly"}),
        ("UpdateNotebookInstance", {"NotebookInstanceName": "n", "RootAccess": "Enabled"}),
        ("UpdateDomain", {"DomainId": "d-1", "DefaultUserSettings": {"SecurityGroups": []}}),
    ]
    for op, req in cases:
        assert guard.RULES[op].kind == "update"
        violations = guard.check(op, req, profile)
        assert violations, op
        for v in violations:
            assert "omit" not in v.fix and "inject" not in v.fix, (op, v.fix)
        with pytest.raises(guard.GuardrailViolation) as exc:
            guard.apply(op, req, profile)
        assert "inject" not in str(exc.value) and "omit" not in str(exc.value)


def _model_ml_types() -> set[str]:
    """Every ``ml.<family>.<size>`` value of every string enum of botocore's SageMaker model."""
    found: set[str] = set()
    for name in MODEL.shape_names:
        shape = MODEL.shape_for(name)
        if shape.type_name == "string" and shape.enum:
            found.update(v for v in shape.enum if v.startswith("ml.") and v.count(".") == 2)
    return found


def test_every_ml_family_botocore_knows_is_decided() -> None:
    """F07 (trial 9): a family botocore adds (trn2, p6-b200, g7e ...) must be decided, with its source, not
    fall to a guess; fails when the installed botocore knows a family safemaker.instances has not decided."""
    families = {t.split(".")[1] for t in _model_ml_types()}
    assert families, "no ml.* instance types in the model"
    assert families - set(INSTANCE_STORE_FAMILIES) == set(), \
        "decide these families in safemaker.instances (instance store or EBS only, with the source)"
    assert set(INSTANCE_STORE_SOURCES) == set(INSTANCE_STORE_FAMILIES)
    assert all(INSTANCE_STORE_SOURCES.values())


@pytest.mark.parametrize("instance_type", ["ml.trn2.48xlarge", "ml.trn2.3xlarge", "ml.p6-b200.48xlarge",
                                           "ml.p6-b300.48xlarge", "ml.p6e-gb200.36xlarge", "ml.g7e.2xlarge",
                                           "ml.g6e.xlarge", "ml.p5en.48xlarge", "ml.trn1n.32xlarge"])
def test_newer_nvme_families_get_no_volume_key(profile: VpcProfile, instance_type: str) -> None:
    """F07 (trial 9): the profile's volume key was injected on these, and AWS refuses the request."""
    assert instance_type in _model_ml_types()
    out = guard.apply("CreateTrainingJob", _training(instance_type), profile)
    assert "VolumeKmsKeyId" not in out["ResourceConfig"], instance_type
    assert [v.path for v in guard.check("CreateTrainingJob", out, profile)] == []


# The families the SDKs' rule (a 'd' in the name, a few prefixes) does not cover, decided from the EC2
# instance-type specifications (safemaker.instances.INSTANCE_STORE_SOURCES says which).
_EC2_DECIDED = {"p6-b300", "p6e-gb200", "gr6", "i3en"}


def _sdk_disagreements(supports_kms) -> set[str]:
    return {t.split(".")[1] for t in _model_ml_types()
            if t.split(".")[1] not in ("eia1", "eia2", "geospatial")  # not job or endpoint instance types
            and has_instance_storage(t) == supports_kms(t)}


@pytest.mark.sdk2
def test_the_sdk_v2_drops_the_volume_key_on_the_same_instance_types() -> None:
    # The SageMaker Python SDK v2's own rule (sagemaker.utils.instance_supports_kms) is the oracle for the
    # families it knows; v2's prefix list predates g7e, p6-b200 and trn2 (SDK v3 names them).
    from sagemaker.utils import instance_supports_kms

    assert _sdk_disagreements(instance_supports_kms) == _EC2_DECIDED | {"g7e", "p6-b200", "trn2"}


@pytest.mark.sdk3
def test_the_sdk_v3_drops_the_volume_key_on_the_same_instance_types() -> None:
    # The SageMaker Python SDK v3's own rule (sagemaker.core.common_utils.instance_supports_kms) is the oracle.
    from sagemaker.core.common_utils import instance_supports_kms

    assert _sdk_disagreements(instance_supports_kms) == _EC2_DECIDED


def _tuning_definition(**extra):
    d = {"AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"}, "RoleArn": ROLE,
         "OutputDataConfig": {"S3OutputPath": "s3://b/o"}, "StoppingCondition": {"MaxRuntimeInSeconds": 3600}}
    d.update(extra)
    return d


def test_tuning_definition_with_a_tuning_resource_config_gets_its_volume_key_there(profile: VpcProfile) -> None:
    # HyperParameterTrainingJobDefinition: ResourceConfig and HyperParameterTuningResourceConfig are both optional
    shape = MODEL.shape_for("HyperParameterTrainingJobDefinition")
    assert {"ResourceConfig", "HyperParameterTuningResourceConfig"}.isdisjoint(shape.required_members)
    req = {"HyperParameterTuningJobName": "t", "HyperParameterTuningJobConfig": {
        "Strategy": "Bayesian", "ResourceLimits": {"MaxNumberOfTrainingJobs": 2, "MaxParallelTrainingJobs": 1}},
        "TrainingJobDefinitions": [
            _tuning_definition(HyperParameterTuningResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1}),
            _tuning_definition(HyperParameterTuningResourceConfig={"InstanceConfigs": [
                {"InstanceType": "ml.g5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10}]}),
            _tuning_definition(ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5})]}
    out = guard.apply("CreateHyperParameterTuningJob", req, profile)
    d0, d1, d2 = out["TrainingJobDefinitions"]
    assert d0["HyperParameterTuningResourceConfig"]["VolumeKmsKeyId"] == VOLUME_KEY and "ResourceConfig" not in d0
    assert "VolumeKmsKeyId" not in d1["HyperParameterTuningResourceConfig"]  # instance-store volumes
    assert d2["ResourceConfig"]["VolumeKmsKeyId"] == VOLUME_KEY
    assert [v.path for v in guard.check("CreateHyperParameterTuningJob", out, profile)] == []
