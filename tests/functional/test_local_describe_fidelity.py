"""The local backend's Describe answers keep every member the guard and the audit read (trial 9 F08).

For every resource type of ``safemaker.resources.RESOURCES`` whose Create and
Describe operations moto serves, a Create request is built from botocore's
model with a value at every path the audit reads (``fixes.read_paths``: the
rule's field paths and the paths their conditions read), sent to the local
backend over HTTP, and described. The oracle is botocore's model: every read
member whose describe path the Describe output shape has must come back as
sent. moto on its own drops some (``RemoteDebugConfig`` of a training job):
that is asserted too, so a moto release that starts keeping them is noticed.
"""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest
from botocore import xform_name

from _shapes import shape_at
from safemaker.local import fixes as local_fixes
from safemaker.resources import RESOURCES

pytest.importorskip("moto.server")

MODEL = botocore.session.get_session().get_service_model("sagemaker")
ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"


def _string(shape: Any, name: str) -> str:
    if shape.enum:
        return shape.enum[0]
    if "Role" in name and "Arn" in name:
        value = ROLE
    elif "Arn" in name:
        value = f"arn:aws:sagemaker:us-east-1:123456789012:x/{name.lower()}"
    elif "Uri" in name or "S3" in name or "Path" in name:
        value = "s3://bucket/key"
    elif "Kms" in name:
        value = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    elif name.startswith("Subnet"):
        value = "subnet-0aaaaaaaaaaaaaaaa"
    elif "SecurityGroup" in name:
        value = "sg-0bbbbbbbbbbbbbbbb"
    elif name == "VpcId":
        value = "vpc-0dddddddddddddddd"
    elif name.startswith("On"):  # lifecycle scripts: base64 content
        value = "IyEvYmluL2Jhc2g="
    else:
        value = "name-" + name.lower()
    low, high = shape.metadata.get("min", 0) or 0, shape.metadata.get("max")
    value += "x" * max(0, low - len(value))
    return value[:high] if high else value


def value_of(shape: Any, name: str = "", depth: int = 0) -> Any:
    """A value botocore validates for ``shape``: structures with their required members only."""
    kind = shape.type_name
    if kind == "structure":
        out = {} if depth > 8 else {m: value_of(shape.members[m], m, depth + 1) for m in shape.required_members}
        if shape.metadata.get("union") and not out:
            member = next(iter(shape.members))
            out = {member: value_of(shape.members[member], member, depth + 1)}
        return out
    if kind == "list":
        return [value_of(shape.member, name, depth + 1)]
    if kind == "map":
        return {"k": value_of(shape.value, name, depth + 1)}
    if kind == "string":
        return _string(shape, name)
    if kind in ("integer", "long"):
        return max(int(shape.metadata.get("min", 1) or 1), 1)
    if kind in ("float", "double"):
        return 1.0
    if kind == "boolean":
        return True  # the non-default: AWS's default (absent) would not tell a dropped member apart
    if kind == "blob":
        return b"x"
    raise AssertionError(f"no value for {kind} {name}")


def set_at(request: dict, shape: Any, parts: tuple[str, ...]) -> bool:
    """Give ``request`` a value at ``parts`` (botocore's input shape ``shape``); False when the model has no
    such path."""
    node, node_shape = request, shape
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "[]":
            if node_shape.type_name != "list":
                return False
            continue
        if node_shape.type_name == "list":  # the element of the list named before
            node_shape = node_shape.member
            node = node[0]
        if node_shape.type_name != "structure" or part not in node_shape.members:
            return False
        member = node_shape.members[part]
        if last:
            if part not in node:
                node[part] = value_of(member, part)
            return True
        if part not in node:
            node[part] = value_of(member, part)
        if member.type_name == "list" and not node[part]:
            node[part] = [value_of(member.member, part)]
        node, node_shape = node[part], member
    return True


def has_path(shape: Any, parts: tuple[str, ...]) -> bool:
    return shape_at(shape, parts) is not None


def get_at(value: Any, parts: tuple[str, ...]) -> list[Any]:
    """Every value at ``parts`` (``[]`` expands a list); an absent member gives nothing."""
    values = [value]
    for part in parts:
        nxt: list[Any] = []
        for v in values:
            if part == "[]":
                nxt.extend(v if isinstance(v, list) else [])
            elif isinstance(v, dict) and part in v:
                nxt.append(v[part])
        values = nxt
    return values


def served_pairs() -> list[tuple[str, str, str]]:
    from moto.sagemaker.responses import SageMakerResponse

    pairs = []
    for key, spec in RESOURCES.items():
        create, describe = spec.create_operation, spec.describe_operation
        if key == "pipeline-execution":  # its Describe names an execution, not what CreatePipeline made
            continue
        if describe and local_fixes.read_paths(create) and all(
                hasattr(SageMakerResponse, xform_name(op)) for op in (create, describe)):
            pairs.append((key, create, describe))
    return pairs


# What moto needs beyond the model's required members to store a request at all (moto's own parsing, not the
# oracle): without them it answers HTTP 500 or a ValidationException AWS would not give.
MOTO_NEEDS: dict[str, dict[str, Any]] = {
    "CreateTrainingJob": {"AlgorithmSpecification": {"TrainingImage": "img:1", "TrainingInputMode": "File"}},
    "CreateAutoMLJobV2": {"AutoMLProblemTypeConfig": {"TabularJobConfig": {
        "TargetAttributeName": "y", "ProblemType": "BinaryClassification",
        "CompletionCriteria": {"MaxCandidates": 1}}}},
    "CreateModelQualityJobDefinition": {"ModelQualityJobInput": {
        "EndpointInput": {"EndpointName": "e", "LocalPath": "/opt/ml/processing/input"},
        "GroundTruthS3Input": {"S3Uri": "s3://bucket/gt"}}},
    "CreateModelExplainabilityJobDefinition": {"ModelExplainabilityJobInput": {
        "EndpointInput": {"EndpointName": "e", "LocalPath": "/opt/ml/processing/input"}}},
    "CreateCluster": {"InstanceGroups": [{"InstanceType": "ml.c5.xlarge", "LifeCycleConfig": {
        "SourceS3Uri": "s3://sagemaker-bucket/lifecycle", "OnCreate": "on_create.sh"}, "ThreadsPerCore": 1}]},
    "CreateCompilationJob": {"InputConfig": {"S3Uri": "s3://bucket/model.tar.gz", "Framework": "PYTORCH"}},
    "CreateEndpointConfig": {"ProductionVariants": [{"ModelName": "fidelity-model"}]},
    "CreatePipeline": {"PipelineDefinition": '{"Version": "2020-12-01", "Steps": []}'},
    "CreateModelPackage": {"ModelPackageName": "fidelity-package"},
}


def _merge(into: dict, extra: dict) -> None:
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            _merge(into[k], v)
        elif isinstance(v, list) and isinstance(into.get(k), list) and v and isinstance(v[0], dict) \
                and into[k] and isinstance(into[k][0], dict):
            _merge(into[k][0], v[0])
        else:
            into[k] = v


def fill_required(value: Any, shape: Any) -> None:
    """Add the model's required members wherever ``value`` lacks them."""
    if shape.type_name == "structure" and isinstance(value, dict):
        for m in shape.required_members:
            value.setdefault(m, value_of(shape.members[m], m))
        for k, v in value.items():
            if k in shape.members:
                fill_required(v, shape.members[k])
    elif shape.type_name == "list" and isinstance(value, list):
        for v in value:
            fill_required(v, shape.member)


def build_request(create: str) -> tuple[dict, list[tuple[tuple[str, ...], tuple[str, ...]]]]:
    shape = MODEL.operation_model(create).input_shape
    request = value_of(shape)
    needs = MOTO_NEEDS.get(create, {})
    for k, v in needs.items():  # a union member replaces the one value_of chose
        if shape.members[k].metadata.get("union"):
            request.pop(k, None)
    _merge(request, needs)
    fill_required(request, shape)
    paths = [p for p in local_fixes.read_paths(create) if set_at(request, shape, p[0])]
    return request, paths


def create_and_describe(sm: Any, create: str, describe: str, request: dict) -> dict:
    if create in ("CreateEndpointConfig", "CreateEndpoint"):  # moto needs what they name to exist
        sm.create_model(ModelName="fidelity-model", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img:1"})
    if create == "CreateEndpoint":
        sm.create_endpoint_config(EndpointConfigName=request["EndpointConfigName"], ProductionVariants=[{
            "VariantName": "v", "ModelName": "fidelity-model", "InstanceType": "ml.m5.large",
            "InitialInstanceCount": 1}])
    answer = getattr(sm, xform_name(create))(**request)
    ident = {}
    for m in MODEL.operation_model(describe).input_shape.required_members:
        value = request.get(m, answer.get(m))
        if value is None and m.endswith("Id"):  # DomainId: the last part of the DomainArn answered
            value = answer[m[:-2] + "Arn"].rsplit("/", 1)[-1]
        ident[m] = value
    return getattr(sm, xform_name(describe))(**ident)


def dropped(create: str, describe: str, request: dict, paths, described: dict) -> list[str]:
    out_shape = MODEL.operation_model(describe).output_shape
    lost = []
    for request_path, describe_path in paths:
        if not has_path(out_shape, describe_path):  # the model's Describe does not show it: nothing to keep
            continue
        sent = get_at(request, request_path)
        got = get_at(described, describe_path)
        if sent and (len(got) < len(sent) or any(s != g for s, g in zip(sent, got)
                                                  if not isinstance(s, (dict, list)))):
            lost.append(".".join(describe_path))
    return lost


PAIRS = served_pairs()


def test_the_pairs_cover_the_resource_types_moto_serves():
    names = {key for key, _, _ in PAIRS}
    assert {"training-job", "processing-job", "notebook-instance", "model", "endpoint-config"} <= names


@pytest.mark.parametrize("key, create, describe", PAIRS, ids=[p[0] for p in PAIRS])
def test_describe_keeps_every_member_the_audit_reads(safemaker_session, key, create, describe):
    sm = safemaker_session.client("sagemaker")
    request, paths = build_request(create)
    assert paths, create
    described = create_and_describe(sm, create, describe, request)
    assert dropped(create, describe, request, paths, described) == []


def test_training_job_remote_debug_is_kept_and_audited(safemaker_session, profile_factory):
    """F08 (trial 9): moto's DescribeTrainingJob drops RemoteDebugConfig; the audit then saw a closed job."""
    from safemaker import guard

    sm = safemaker_session.client("sagemaker")
    request, paths = build_request("CreateTrainingJob")
    assert (("RemoteDebugConfig", "EnableRemoteDebug"),) * 2 in paths
    described = create_and_describe(sm, "CreateTrainingJob", "DescribeTrainingJob", request)
    assert described["RemoteDebugConfig"] == {"EnableRemoteDebug": True}
    violations = guard.check_resource("training-job", described, profile_factory())
    assert "RemoteDebugConfig.EnableRemoteDebug" in [v.path for v in violations]


def test_unfixed_moto_drops_members_the_audit_reads(safemaker_session):
    """moto on its own (fixes removed): the gap this fix fills, so a moto that keeps them is noticed."""
    sm = safemaker_session.client("sagemaker")
    lost: dict[str, list[str]] = {}
    local_fixes.uninstall_fixes()
    try:
        for key, create, describe in PAIRS:
            request, paths = build_request(create)
            described = create_and_describe(sm, create, describe, request)
            lost[key] = dropped(create, describe, request, paths, described)
    finally:
        local_fixes.install_fixes()
    assert "RemoteDebugConfig.EnableRemoteDebug" in lost["training-job"]
    assert "ProcessingResources.ClusterConfig.VolumeKmsKeyId" in lost["processing-job"]
    assert "AutoMLComputeConfig.EmrServerlessComputeConfig" in lost["automl-job-v2"]
    assert {"EnableNetworkIsolation", "VpcConfig"} <= set(lost["endpoint-config"])
    assert "ClusterRole" in lost["cluster"]
