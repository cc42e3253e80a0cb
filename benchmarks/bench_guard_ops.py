"""Guard cost per operation of the rule table, and for a 50-step pipeline definition.

Run: ``make bench`` (all benchmarks) or ``.venv/bin/python benchmarks/bench_guard_ops.py [--quick]``.

For every operation of :data:`safemaker.rules.RULES`, one ``check`` plus one
``apply`` on a request with every network field absent (``check`` reports
each; ``apply`` injects each, or refuses): the median CPU µs over repeated runs.
Beside it, measured in the same loop on the same request, botocore's own
parameter validation (``botocore.validate.validate_parameters``), which every
call pays anyway: the ratio says what the guard adds relative to it.

Every row holds what its name says: a representative request of its operation,
closed once the session injects what is absent (``tests/unit/test_bench_rows.py``
checks that ``apply`` refuses only the operations the table refuses outright).
Beyond the model's required members, a request has the structure a field
needs to be injected (a training job's ``ResourceConfig`` with its instance
type, where the volume key goes), its work team is a private one, an endpoint
configuration's variants serve a model, a training job gives its algorithm,
input channel and stopping condition (:data:`REPRESENTATIVE`), and an update
that replaces a structure as a whole restates it closed (updates inject
nothing). The ``CreatePipeline`` / ``UpdatePipeline`` rows carry an inline
definition with one closed training step; the tuning row is a
``CreateHyperParameterTuningJob`` with 10 ``TrainingJobDefinitions`` (each
with its ``ResourceConfig``, where the volume key goes). Then ``check`` +
``apply`` of a ``CreatePipeline`` request whose inline definition has 50
closed steps shaped as the SageMaker Python SDK writes them (training,
processing, model, transform and condition steps with their branches;
parameters, step properties, ``Std:Join`` locations, input and output
channels; about 62 KB of JSON), JSON parsing included.

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
# A Debugger / Profiler rule's image: the region's built-in one, as the SageMaker SDK adds by default (a custom
# rule image runs without network settings and is refused; AWS Developer Guide, "Docker images for Debugger rules").
RULE_IMG = "503895931360.dkr.ecr.us-east-1.amazonaws.com/sagemaker-debugger-rules:latest"
SUBNETS = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0cccccccccccccccc"]
SG = "sg-0bbbbbbbbbbbbbbbb"
PROFILE = VpcProfile.from_mapping(
    {"region": "us-east-1", "vpc_id": "vpc-0dddddddddddddddd", "subnets": SUBNETS, "security_group_ids": [SG],
     "execution_role_arn": ROLE, "volume_kms_key_id": "alias/volume", "output_kms_key_id": "alias/output"},
    source="benchmark", env=False,
)
PRIVATE_TEAM = "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/bench-team"
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
        if name == "RuleEvaluatorImage":
            return RULE_IMG
        if name == "WorkteamArn":  # a private work team: what a closed labeling job or flow definition names
            return PRIVATE_TEAM
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


def _realistic(value: Any, shape: Any) -> Any:
    """A structure made for a request, with the members every job gives its compute (instance type,
    count and volume size) where the shape has them."""
    if isinstance(value, dict) and shape.type_name == "structure":
        for member, given in (("InstanceType", "ml.m5.large"), ("InstanceCount", 1), ("VolumeSizeInGB", 30)):
            if member in shape.members and member not in value and "InstanceGroups" not in value:
                value[member] = given
    return value


# Members a representative request of these operations gives beyond the model's required ones.
REPRESENTATIVE: dict[str, dict[str, Any]] = {
    "CreateTrainingJob": {
        "AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"},
        "InputDataConfig": [{"ChannelName": "train", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": "s3://bench-bucket/train"}}}],
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    },
    # a variant serves a model (without ModelName, only inference components could use it)
    "CreateEndpointConfig": {
        "ProductionVariants": [{"VariantName": "AllTraffic", "ModelName": "bench-model",
                                "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}],
        "ShadowProductionVariants": [{"VariantName": "Shadow", "ModelName": "bench-model-2",
                                      "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}],
    },
}


def _closed_value(f: Any) -> Any:
    """The closed value of a field under :data:`PROFILE`, from the profile (as a user writes it)."""
    g = f.guardrail.value
    if g in ("SM-NET-ISOLATION", "SM-NET-ICTE"):
        return True
    if g == "SM-NET-VPC":
        return {"Subnets": list(SUBNETS), "SecurityGroupIds": [SG]}
    if g == "SM-KMS-VOLUME":
        return PROFILE.volume_kms_key_id
    if g == "SM-KMS-OUTPUT":
        return PROFILE.output_kms_key_id
    if g == "SM-ROLE":
        return ROLE
    if g == "SM-WORKTEAM-PRESIGN":
        return "Enabled"  # IamPolicyConstraints.VpcSourceIp (API reference): the URLs work through the VPC only
    return None


def request_for(operation: str, skip: tuple[str, ...] | None = None) -> dict[str, Any]:
    """A valid request with each anchor present once and every network field absent.

    A field the session cannot inject without its parent structure (a KMS key) has that
    structure, as a real request of the operation does (a training job gives its
    ``ResourceConfig``). An update that replaces a structure as a whole restates it closed
    (an update injects nothing, so a closed update request gives the values).
    """
    shape = MODEL.operation_model(operation).input_shape
    req = _minimal(shape)
    for member, value in REPRESENTATIVE.get(operation, {}).items():  # in place of the model's required members
        req[member] = copy.deepcopy(value)
    skip = ALTERNATIVE_TARGETS.get(operation, ()) if skip is None else skip
    rule = RULES[operation]
    for target in rule.targets:
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
        restate = rule.kind == "update" and target.replace_on_update
        placed: set[Any] = set()  # guardrails whose field has its parent (alternatives: the first one only)
        for f in target.fields:
            fparts = split_path(f.path)
            if "[]" in fparts or not f.required or not (restate or (f.inject and not f.create_parents)):
                continue
            if f.guardrail in placed:
                continue
            placed.add(f.guardrail)
            holder, holder_shape = cur, cur_shape
            for part in fparts[:-1]:  # the parent structures, as the request gives them
                member_shape = holder_shape.members[part]
                if part not in holder:
                    holder[part] = _realistic(_minimal(member_shape, part), member_shape)
                holder, holder_shape = holder[part], member_shape
            value = _closed_value(f)
            if restate and value is not None:
                holder[fparts[-1]] = value
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
    """CreatePipeline with ``steps`` closed steps (a condition step every fifth, with one branch step each).

    Shaped as the SageMaker Python SDK writes a definition (``Pipeline.definition()``): parameters
    with defaults (instance type and count, input locations), steps reading them and each other's
    properties (``{"Get": "Steps.<name>..."}``, ``Std:Join`` output locations, ``Std:JsonGet`` in a
    condition), input and output channels, the SDK's debugger and profiler settings, cache settings,
    and every network field written closed.
    """
    vpc = {"Subnets": SUBNETS, "SecurityGroupIds": [SG]}
    bucket = "s3://bench-bucket"

    def training(source: Any) -> dict[str, Any]:
        return {
            "AlgorithmSpecification": {"TrainingInputMode": "File", "TrainingImage": IMG},
            "OutputDataConfig": {"S3OutputPath": f"{bucket}/model", "KmsKeyId": "alias/output"},
            "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
            "ResourceConfig": {"VolumeSizeInGB": 30, "InstanceCount": {"Get": "Parameters.TrainingInstanceCount"},
                               "InstanceType": "ml.m5.large", "VolumeKmsKeyId": "alias/volume"},
            "RoleArn": ROLE,
            "InputDataConfig": [{"DataSource": {"S3DataSource": {
                "S3DataType": "S3Prefix", "S3Uri": source, "S3DataDistributionType": "FullyReplicated"}},
                "ContentType": "text/csv", "ChannelName": "train"}],
            "HyperParameters": {f"hp{i}": str(i) for i in range(10)},
            "VpcConfig": vpc, "EnableNetworkIsolation": True, "EnableInterContainerTrafficEncryption": True,
            "DebugHookConfig": {"S3OutputPath": f"{bucket}/debug", "CollectionConfigurations": []},
            "ProfilerConfig": {"S3OutputPath": f"{bucket}/profiler", "DisableProfiler": False},
        }

    def processing(i: int) -> dict[str, Any]:
        return {
            "ProcessingResources": {"ClusterConfig": {
                "InstanceType": {"Get": "Parameters.ProcessingInstanceType"}, "InstanceCount": 1,
                "VolumeSizeInGB": 30, "VolumeKmsKeyId": "alias/volume"}},
            "AppSpecification": {"ImageUri": IMG, "ContainerEntrypoint": [
                "python3", "/opt/ml/processing/input/code/preprocess.py"]},
            "RoleArn": ROLE,
            "ProcessingInputs": [
                {"InputName": "input-1", "AppManaged": False, "S3Input": {
                    "S3Uri": {"Get": "Parameters.InputData"}, "LocalPath": "/opt/ml/processing/input",
                    "S3DataType": "S3Prefix", "S3InputMode": "File", "S3DataDistributionType": "FullyReplicated",
                    "S3CompressionType": "None"}},
                {"InputName": "code", "AppManaged": False, "S3Input": {
                    "S3Uri": f"{bucket}/code/preprocess.py", "LocalPath": "/opt/ml/processing/input/code",
                    "S3DataType": "S3Prefix", "S3InputMode": "File", "S3DataDistributionType": "FullyReplicated",
                    "S3CompressionType": "None"}}],
            "ProcessingOutputConfig": {"Outputs": [{"OutputName": "train", "AppManaged": False, "S3Output": {
                "S3Uri": {"Std:Join": {"On": "/", "Values": [bucket, {"Get": "Execution.PipelineExecutionId"},
                                                            f"Proce{i}", "train"]}},
                "LocalPath": "/opt/ml/processing/train", "S3UploadMode": "EndOfJob"}}], "KmsKeyId": "alias/output"},
            "NetworkConfig": {"EnableNetworkIsolation": True, "EnableInterContainerTrafficEncryption": True,
                              "VpcConfig": vpc},
            "Environment": {"SPLIT": "0.8"},
        }

    cache = {"Enabled": True, "ExpireAfter": "P30D"}
    out: list[dict[str, Any]] = []
    i = 0
    while len(out) < steps:
        kind = ("Training", "Processing", "Model", "Transform", "Condition")[i % 5]
        source = ({"Get": f"Steps.Proce{i - 4}.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri"} if i >= 5
                  else {"Get": "Parameters.InputData"})
        if kind == "Training":
            out.append({"Name": f"Train{i}", "Type": "Training", "Arguments": training(source),
                        "CacheConfig": dict(cache)})
        elif kind == "Processing":
            out.append({"Name": f"Proce{i}", "Type": "Processing", "Arguments": processing(i),
                        "CacheConfig": dict(cache)})
        elif kind == "Model":
            out.append({"Name": f"Model{i}", "Type": "Model", "Arguments": {
                "ExecutionRoleArn": ROLE,
                "PrimaryContainer": {"Image": IMG, "Environment": {
                    "SAGEMAKER_PROGRAM": "inference.py", "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
                    "SAGEMAKER_CONTAINER_LOG_LEVEL": "20", "SAGEMAKER_REGION": "us-east-1"},
                    "ModelDataUrl": {"Get": f"Steps.Train{i - 2}.ModelArtifacts.S3ModelArtifacts"}},
                "VpcConfig": vpc, "EnableNetworkIsolation": True}})
        elif kind == "Transform":
            out.append({"Name": f"Trans{i}", "Type": "Transform", "Arguments": {
                "ModelName": {"Get": f"Steps.Model{i - 1}.ModelName"},
                "TransformInput": {"DataSource": {"S3DataSource": {
                    "S3DataType": "S3Prefix", "S3Uri": {"Get": "Parameters.BatchData"}}},
                    "ContentType": "text/csv", "SplitType": "Line"},
                "TransformOutput": {"S3OutputPath": f"{bucket}/scores", "KmsKeyId": "alias/output",
                                    "AssembleWith": "Line"},
                "TransformResources": {"InstanceCount": 1, "InstanceType": "ml.m5.large",
                                       "VolumeKmsKeyId": "alias/volume"}},
                "DependsOn": [f"Model{i - 1}"]})
        else:
            out.append({"Name": f"Check{i}", "Type": "Condition", "Arguments": {
                "Conditions": [{"Type": "GreaterThanOrEqualTo", "LeftValue": {"Std:JsonGet": {
                    "PropertyFile": {"Get": f"Steps.Proce{i - 3}.PropertyFiles.Report"},
                    "Path": "metrics.accuracy.value"}}, "RightValue": 0.7}],
                "IfSteps": [{"Name": f"Retrain{i}", "Type": "Training", "Arguments": training(source),
                             "CacheConfig": dict(cache)}],
                "ElseSteps": [{"Name": f"Stop{i}", "Type": "Fail", "Arguments": {
                    "ErrorMessage": {"Std:Join": {"On": " ", "Values": ["accuracy below 0.7 in",
                                                                        {"Get": "Execution.PipelineExecutionArn"}]}}}}]}})
        i += 1
    definition = {
        "Version": "2020-12-01", "Metadata": {},
        "Parameters": [{"Name": "ProcessingInstanceType", "Type": "String", "DefaultValue": "ml.m5.xlarge"},
                       {"Name": "TrainingInstanceCount", "Type": "Integer", "DefaultValue": 1},
                       {"Name": "InputData", "Type": "String", "DefaultValue": f"{bucket}/input"},
                       {"Name": "BatchData", "Type": "String", "DefaultValue": f"{bucket}/batch"}],
        "PipelineExperimentConfig": {"ExperimentName": {"Get": "Execution.PipelineName"},
                                     "TrialName": {"Get": "Execution.PipelineExecutionId"}},
        "Steps": out,
    }
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
