"""Trial 13 F06 as a class: every KMS key of a storage volume or of an output that botocore's SageMaker model has is
decided by the profile's volume / output key rules (SM-KMS-VOLUME / SM-KMS-OUTPUT), or lies in a request or field the
guard refuses, or is listed in ``safemaker.rules.NOT_KMS_RULES`` with the reason.

Oracle: botocore's model, walked by member path (a member is a KMS key when its name says ``Kms``, or when it is a
``...Key`` / ``...KeyId`` / ``...KeyArn`` string its documentation calls a KMS key: ``CreateEdgePackagingJob.
ResourceKey``), and its documentation (which of the two keys). Pure: no network.
"""

from __future__ import annotations

import re

import botocore.session
import pytest

from _shapes import member_at, walk_members
from safemaker import guard
from safemaker.rules import NOT_KMS_RULES, RULES, Guardrail
from safemaker.rules_classification import REFUSED

MODEL = botocore.session.get_session().get_service_model("sagemaker")
_KMS_DOC = re.compile(r"\bKMS\b|Key Management Service")
_KEYS = (Guardrail.VOLUME_KMS_KEY, Guardrail.OUTPUT_KMS_KEY)


def _doc(shape) -> str:
    return re.sub(r"<[^>]+>", "", shape.documentation or "")


def _kms_members() -> list[tuple[str, str]]:
    out = []
    for op in MODEL.operation_names:
        shape = MODEL.operation_model(op).input_shape
        if shape is None:
            continue
        for path, name, member, _ in walk_members(shape):
            if member.type_name != "string":
                continue
            if "kms" in name.lower() or (name.endswith(("Key", "KeyId", "KeyArn")) and _KMS_DOC.search(_doc(member))):
                out.append((op, path))
    return out


KMS_MEMBERS = _kms_members()


def _ruled(op: str) -> dict[str, Guardrail]:
    """Full request path -> guardrail of the operation's fields (anchor + path)."""
    rule = RULES.get(op)
    return {(f"{t.anchor}.{f.path}" if t.anchor else f.path): f.guardrail for t, f in rule.fields()} if rule else {}


def _refused(op: str, path: str) -> bool:
    rule = RULES.get(op)
    if op in REFUSED or (rule is not None and rule.unsupported):
        return True
    return any(g is Guardrail.UNSUPPORTED and (path == p or path.startswith(p + ".") or path.startswith(p + "["))
               for p, g in _ruled(op).items())


def test_the_walk_finds_the_members_the_finding_names():
    found = set(KMS_MEMBERS)
    for member in [
        ("CreateCluster", "InstanceGroups[].InstanceStorageConfigs[].EbsVolumeConfig.VolumeKmsKeyId"),
        ("CreateCluster", "RestrictedInstanceGroups[].InstanceStorageConfigs[].EbsVolumeConfig.VolumeKmsKeyId"),
        ("UpdateCluster", "InstanceGroups[].InstanceStorageConfigs[].EbsVolumeConfig.VolumeKmsKeyId"),
        ("CreateInferenceRecommendationsJob", "InputConfig.VolumeKmsKeyId"),
        ("CreateInferenceRecommendationsJob", "OutputConfig.KmsKeyId"),
        ("CreateCompilationJob", "OutputConfig.KmsKeyId"),
        ("CreateEndpointConfig", "DataCaptureConfig.KmsKeyId"),
        ("CreateEndpointConfig", "AsyncInferenceConfig.OutputConfig.KmsKeyId"),
        ("CreateEndpointConfig", "ProductionVariants[].CoreDumpConfig.KmsKeyId"),
        ("CreateTransformJob", "DataCaptureConfig.KmsKeyId"),
        ("CreateOptimizationJob", "OutputConfig.KmsKeyId"),
        ("CreateFlowDefinition", "OutputConfig.KmsKeyId"),
        ("CreateInferenceExperiment", "KmsKey"),
        ("CreateInferenceExperiment", "DataStorageConfig.KmsKey"),
        ("CreateEdgePackagingJob", "ResourceKey"),   # found by its documentation, not its name
        ("CreateTrainingJob", "ResourceConfig.VolumeKmsKeyId"),
    ]:
        assert member in found, member
        assert member_at(MODEL.operation_model(member[0]).input_shape, member[1]).type_name == "string"


@pytest.mark.parametrize("operation, path", KMS_MEMBERS, ids=[f"{o}.{p}" for o, p in KMS_MEMBERS])
def test_every_kms_key_is_ruled_refused_or_listed_with_a_reason(operation, path):
    ruled = _ruled(operation).get(path)
    listed = f"{operation}.{path}" in NOT_KMS_RULES
    refused = _refused(operation, path)
    assert (ruled in _KEYS) + listed + refused == 1, (operation, path, ruled, listed, refused)


def test_listed_members_exist_are_not_ruled_and_say_why():
    members = {f"{o}.{p}" for o, p in KMS_MEMBERS}
    for name, reason in NOT_KMS_RULES.items():
        assert name in members, name
        assert len(reason) > 60, name


def _s3_sibling(parent) -> bool:
    """The structure holding the key also names where in S3 the data goes (an output)."""
    return any(re.search(r"S3|Destination", m) and s.type_name == "string" for m, s in parent.members.items())


@pytest.mark.parametrize("operation, path", KMS_MEMBERS, ids=[f"{o}.{p}" for o, p in KMS_MEMBERS])
def test_which_key_follows_the_model(operation, path):
    """A key beside an S3 destination (``S3OutputPath``, ``DestinationS3Uri``, ``Destination``...) encrypts an
    output; a key whose documentation speaks of a storage / EBS volume and has no S3 destination beside it is a
    volume's."""
    ruled = _ruled(operation).get(path)
    if ruled not in _KEYS:
        pytest.skip("refused or listed")
    parent_path, _, name = path.rpartition(".")
    shape = MODEL.operation_model(operation).input_shape
    parent = member_at(shape, parent_path) if parent_path else shape
    if _s3_sibling(parent):
        assert ruled is Guardrail.OUTPUT_KMS_KEY, (operation, path)
    elif re.search(r"(storage|EBS|EFS) volume|Amazon EBS|ML storage volume", _doc(parent.members[name])):
        assert ruled is Guardrail.VOLUME_KMS_KEY, (operation, path)
