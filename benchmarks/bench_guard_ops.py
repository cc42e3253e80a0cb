"""Guard cost per operation of the rule table, and for a 50-step pipeline definition.

Run: ``make bench`` (all benchmarks) or ``.venv/bin/python benchmarks/bench_guard_ops.py [--quick]``.

For every operation of :data:`safemaker.rules.RULES`, one ``check`` plus one
``apply`` on a request with every network field absent (``check`` reports
each; ``apply`` injects each, or refuses): the median CPU µs over repeated runs.
Beside it, measured in the same loop on the same request, botocore's own
parameter validation (``botocore.validate.validate_parameters``), which every
call pays anyway: the ratio says what the guard adds relative to it.

Every row holds what its name says: the ``CreatePipeline`` / ``UpdatePipeline``
rows carry an inline definition with one closed training step; the tuning row
is a ``CreateHyperParameterTuningJob`` with 10 ``TrainingJobDefinitions`` (each
with its ``ResourceConfig``, where the volume key goes). Then ``check`` +
``apply`` of a ``CreatePipeline`` request whose inline definition has 50 closed
steps (training, processing, model, transform and condition steps with their
branches), JSON parsing included.

A definition text already decided under the same profile is not decided again
(:data:`safemaker.pipeline._CHECKED`, a few entries): each run forgets them
first, so ``check`` pays the whole decision and ``apply`` finds it, as a
request does when the process guard checks the final body again. The 50-step
line also prints the first decision alone.

Targets (issue 13): every single-resource operation ≤ 15 µs; the tuning job
with 10 definitions ≤ 30 µs; the 50-step pipeline ≤ 1 ms.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import time
from typing import Any, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _offline  # noqa: E402  (every benchmark runs offline: the tests' loopback-only guard)

_offline.enter()

import botocore.session
from botocore.validate import validate_parameters

from safemaker import guard
from safemaker import pipeline as _pipeline
from safemaker.errors import GuardrailViolation
from safemaker.profile import VpcProfile
from safemaker.rules import RULES, split_path

MODEL = botocore.session.get_session().get_service_model("sagemaker")
ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"
IMG = "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1"
SUBNETS = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0cccccccccccccccc"]
SG = "sg-0bbbbbbbbbbbbbbbb"
PROFILE = VpcProfile.from_mapping(
    {"region": "us-east-1", "vpc_id": "vpc-0dddddddddddddddd", "subnets": SUBNETS, "security_group_ids": [SG],
     "execution_role_arn": ROLE, "volume_kms_key_id": "alias/volume", "output_kms_key_id": "alias/output"},
    source="benchmark", env=False,
)
SINGLE_TARGET_US = 15.0
TUNING_TARGET_US = 30.0
PIPELINE_TARGET_MS = 1.0
TUNING_DEFINITIONS = 10


def _minimal(shape: Any, name: str = "", depth: int = 0) -> Any:
    """Required members only, realistic enough for botocore's validator."""
    t = shape.type_name
    if t == "structure":
        if getattr(shape, "is_tagged_union", False):
            first = next(iter(shape.members))
            return {first: _minimal(shape.members[first], first, depth + 1)}
        return {m: _minimal(shape.members[m], m, depth + 1) for m in shape.required_members} if depth < 12 else {}
    if t == "list":
        return [_minimal(shape.member, name, depth + 1) for _ in range(max(shape.metadata.get("min", 1) or 1, 1))]
    if t == "map":
        return {"k": _minimal(shape.value, name, depth + 1)}
    if t == "string":
        if shape.enum:
            return shape.enum[0]
        value = ROLE if "Role" in name else IMG if "Image" in name else f"bench-{name.lower()}"
        return value.ljust(int(shape.metadata.get("min", 1) or 1), "x")
    if t in ("integer", "long", "float", "double"):
        return max(shape.metadata.get("min", 1) or 1, 1)
    if t == "boolean":
        return False
    if t == "blob":
        return b"x"
    import datetime

    return datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


# Targets that are alternatives of one another: the benchmark request uses the first only
# (AWS takes either TrainingJobDefinition or TrainingJobDefinitions).
ALTERNATIVE_TARGETS = {"CreateHyperParameterTuningJob": ("TrainingJobDefinitions[]",)}


def request_for(operation: str, skip: tuple[str, ...] | None = None) -> dict[str, Any]:
    """A valid request with each anchor present once and every network field absent."""
    shape = MODEL.operation_model(operation).input_shape
    req = _minimal(shape)
    skip = ALTERNATIVE_TARGETS.get(operation, ()) if skip is None else skip
    for target in RULES[operation].targets:
        if target.anchor in skip:
            continue
        cur, cur_shape = req, shape
        parts = split_path(target.anchor)
        for i, part in enumerate(parts):
            if part == "[]":
                continue
            member = cur_shape.members[part]
            if part not in cur:
                is_list = i + 1 < len(parts) and parts[i + 1] == "[]"
                cur[part] = [_minimal(member.member, part)] if is_list else _minimal(member, part)
            if member.type_name == "list":
                cur, cur_shape = cur[part][0], member.member
            else:
                cur, cur_shape = cur[part], member
    return req


def tuning_request(definitions: int = TUNING_DEFINITIONS) -> dict[str, Any]:
    """CreateHyperParameterTuningJob with ``definitions`` training job definitions, network fields absent."""
    req = request_for("CreateHyperParameterTuningJob", skip=("TrainingJobDefinition",))
    first = req["TrainingJobDefinitions"][0]
    first.setdefault("ResourceConfig", {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 30})
    req["TrainingJobDefinitions"] = [dict(copy.deepcopy(first), DefinitionName=f"definition-{i}")
                                     for i in range(definitions)]
    return req


def row_request(operation: str) -> dict[str, Any]:
    """The request of ``operation``'s row: :func:`request_for`, and a pipeline's rows carry a definition."""
    req = request_for(operation)
    if operation in ("CreatePipeline", "UpdatePipeline"):
        one = json.loads(pipeline_request(1)["PipelineDefinition"])
        req["PipelineDefinition"] = json.dumps(one)
        req.pop("PipelineDefinitionS3Location", None)
    if operation == "CreateHyperParameterTuningJob":
        req["TrainingJobDefinition"].setdefault(
            "ResourceConfig", {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 30})
    return req


def _time(fn: Callable[[], Any], repeats: int, inner: int) -> float:
    """Median CPU seconds per call of ``fn`` over ``repeats`` runs of ``inner`` calls.

    CPU time of this process (``time.process_time``), not wall time: the figures stay
    meaningful on a shared, busy machine, where wall time also counts waiting for a CPU.
    """
    samples = []
    for _ in range(repeats):
        t0 = time.process_time()
        for _ in range(inner):
            fn()
        samples.append((time.process_time() - t0) / inner)
    return statistics.median(samples)


def _guard_once(operation: str, req: dict[str, Any]) -> Callable[[], None]:
    def run() -> None:
        # Forget the definitions already decided, so that each run pays the first decision of a pipeline
        # definition (check); apply then decides it again, as the process guard's final-request check does.
        _pipeline._CHECKED.clear()
        guard.check(operation, req, PROFILE)
        try:
            guard.apply(operation, req, PROFILE)
        except GuardrailViolation:
            pass

    return run


def pipeline_request(steps: int = 50) -> dict[str, Any]:
    """CreatePipeline with ``steps`` closed steps (a condition step every tenth, with one branch step)."""
    vpc = {"Subnets": SUBNETS, "SecurityGroupIds": [SG]}
    training = {"AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"}, "RoleArn": ROLE,
                "OutputDataConfig": {"S3OutputPath": "s3://b/o", "KmsKeyId": "alias/output"},
                "ResourceConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 30,
                                   "VolumeKmsKeyId": "alias/volume"},
                "StoppingCondition": {"MaxRuntimeInSeconds": 3600}, "VpcConfig": vpc,
                "EnableNetworkIsolation": True, "EnableInterContainerTrafficEncryption": True,
                "HyperParameters": {f"hp{i}": str(i) for i in range(10)}}
    processing = {"AppSpecification": {"ImageUri": IMG}, "RoleArn": ROLE,
                  "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large",
                                                            "VolumeSizeInGB": 30, "VolumeKmsKeyId": "alias/volume"}},
                  "ProcessingOutputConfig": {"Outputs": [], "KmsKeyId": "alias/output"},
                  "NetworkConfig": {"EnableNetworkIsolation": True, "EnableInterContainerTrafficEncryption": True,
                                    "VpcConfig": vpc}}
    model = {"ExecutionRoleArn": ROLE, "PrimaryContainer": {"Image": IMG, "ModelDataUrl": {
        "Get": "Steps.Train0.ModelArtifacts.S3ModelArtifacts"}}, "VpcConfig": vpc, "EnableNetworkIsolation": True}
    out: list[dict[str, Any]] = []
    i = 0
    while len(out) < steps:
        kind = ("Training", "Processing", "Model", "Transform", "Condition")[i % 5]
        name = f"{kind[:5]}{i}"
        if kind == "Training":
            out.append({"Name": f"Train{i}", "Type": "Training", "Arguments": copy.deepcopy(training)})
        elif kind == "Processing":
            out.append({"Name": name, "Type": "Processing", "Arguments": copy.deepcopy(processing)})
        elif kind == "Model":
            out.append({"Name": f"Model{i}", "Type": "Model", "Arguments": copy.deepcopy(model)})
        elif kind == "Transform":
            out.append({"Name": name, "Type": "Transform", "Arguments": {
                "ModelName": {"Get": f"Steps.Model{i - 1}.ModelName"},
                "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/i"}}},
                "TransformOutput": {"S3OutputPath": "s3://b/t", "KmsKeyId": "alias/output"},
                "TransformResources": {"InstanceCount": 1, "InstanceType": "ml.m5.large",
                                       "VolumeKmsKeyId": "alias/volume"}}})
        else:
            out.append({"Name": name, "Type": "Condition", "Arguments": {
                "Conditions": [{"Type": "GreaterThan", "LeftValue": 1, "RightValue": 0}],
                "IfSteps": [{"Name": f"Retrain{i}", "Type": "Training", "Arguments": copy.deepcopy(training)}],
                "ElseSteps": [{"Name": f"Stop{i}", "Type": "Fail", "Arguments": {"ErrorMessage": "stop"}}]}})
        i += 1
    definition = {"Version": "2020-12-01", "Parameters": [], "Steps": out}
    return {"PipelineName": "bench", "RoleArn": ROLE, "ClientRequestToken": "t" * 32,
            "PipelineDefinition": json.dumps(definition)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    repeats, inner = (5, 100) if args.quick else (15, 400)

    rows = []
    for op in sorted(RULES):
        req = row_request(op)
        shape = MODEL.operation_model(op).input_shape
        guard_s = _time(_guard_once(op, req), repeats, inner)
        validate_s = _time(lambda: validate_parameters(req, shape), repeats, inner)  # noqa: B023
        rows.append((op, guard_s * 1e6, validate_s * 1e6))

    print(f"{'operation':<42} {'check+apply µs':>15} {'botocore validate µs':>21} {'ratio':>6}")
    for op, g, v in rows:
        print(f"{op:<42} {g:>15.1f} {v:>21.1f} {g / v:>6.2f}")
    single = [r for r in rows if r[0] not in ("CreatePipeline", "UpdatePipeline")]
    worst = max(single, key=lambda r: r[1])
    print(f"median over operations {statistics.median(r[1] for r in single):.1f} µs; "
          f"slowest single-resource {worst[0]} {worst[1]:.1f} µs (target ≤ {SINGLE_TARGET_US:.0f} µs)")
    tuning = tuning_request()
    assert len(tuning["TrainingJobDefinitions"]) == TUNING_DEFINITIONS
    tuning_us = _time(_guard_once("CreateHyperParameterTuningJob", tuning), repeats, max(inner // 4, 20)) * 1e6
    print(f"CreateHyperParameterTuningJob, {TUNING_DEFINITIONS} TrainingJobDefinitions: check+apply "
          f"{tuning_us:.1f} µs (target ≤ {TUNING_TARGET_US:.0f} µs)")

    req = pipeline_request(50)
    assert guard.check("CreatePipeline", req, PROFILE) == [], "the benchmark pipeline must be closed"
    pipe_s = _time(_guard_once("CreatePipeline", req), max(repeats // 3, 3), max(inner // 40, 5))
    steps = len(json.loads(req["PipelineDefinition"])["Steps"])

    def first_check() -> None:
        _pipeline._CHECKED.clear()
        guard.check("CreatePipeline", req, PROFILE)

    first_s = _time(first_check, max(repeats // 3, 3), max(inner // 40, 5))
    print(f"CreatePipeline, {steps} steps (+ condition branches): check+apply {pipe_s * 1e3:.2f} ms "
          f"(target ≤ {PIPELINE_TARGET_MS:.0f} ms); the first decision alone (check) {first_s * 1e3:.2f} ms")
    ok = worst[1] <= SINGLE_TARGET_US and tuning_us <= TUNING_TARGET_US and pipe_s * 1e3 <= PIPELINE_TARGET_MS
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
