"""Every pipeline step type of the installed SageMaker SDK is known to the guard (local backend, real HTTP).

Oracle: the SDK's own ``StepTypeEnum`` (``sagemaker.workflow.steps`` in 2.x,
``sagemaker.mlops.workflow.steps`` in 3.x), not safemaker's tables. The
matrix runs this module under both SDK majors, so both enums are enumerated.
A step of each type is sent in a ``CreatePipeline`` through a guarded client:
it is sent, or refused for what the step does, never as an unknown type.
SDK 3.x pipelines with a ``ForEach`` and a ``Cleanup`` step are built by the
SDK itself and sent through the guard.
"""

from __future__ import annotations

import importlib
import json

import pytest

import safemaker
from safemaker import hooks
from safemaker.errors import GuardrailViolation

from _profiles import IMG, ROLE, SG, SUB_A, SUB_OUT

pytestmark = pytest.mark.sdk


def _step_type_enum():
    for module in ("sagemaker.mlops.workflow.steps", "sagemaker.workflow.steps"):
        try:
            return importlib.import_module(module).StepTypeEnum
        except ImportError:
            continue
    pytest.skip("no SageMaker Python SDK installed")


def _create(client, name, steps):
    return client.create_pipeline(PipelineName=name, RoleArn=ROLE, ClientRequestToken=name.ljust(32, "0"),
                                  PipelineDefinition=json.dumps({"Version": "2020-12-01", "Steps": steps}))


def test_every_step_type_of_the_installed_sdk_is_classified(safemaker_local, safemaker_session, profile):
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    members = {m.name: m.value for m in _step_type_enum()}
    assert {"TRAINING", "PROCESSING", "CONDITION"} <= set(members)  # the oracle is the SDK's enum
    sent, unknown = [], []
    for name, value in sorted(members.items()):
        pipeline = f"type-{value.lower()}"
        try:
            _create(sm, pipeline, [{"Name": "S", "Type": value, "Arguments": {}}])
        except GuardrailViolation as exc:
            # refused for what the step is or lacks, never because the guard does not know the type
            unknown += [(name, v.path) for v in exc.violations if v.path.endswith(".Type")]
            assert all(v.fix and v.path.startswith("PipelineDefinition.Steps[0:S]") for v in exc.violations), name
        else:
            sent.append(value)
    assert unknown == []
    # the check bites: a training or processing step with empty Arguments lacks its network fields
    assert {"Training", "Processing"} & set(sent) == set()
    assert safemaker_local.request_count("sagemaker", "CreatePipeline") == len(sent)


@pytest.mark.sdk3
@pytest.mark.parametrize("subnet", [SUB_A, SUB_OUT], ids=["closed-body", "open-body"])
def test_sdk_v3_ForEach_and_Cleanup_pipeline_is_checked_as_the_sdk_wrote_it(safemaker_local, safemaker_session,
                                                                             profile, subnet):
    from sagemaker.core.network import NetworkConfig
    from sagemaker.core.processing import Processor
    from sagemaker.core.workflow.pipeline_context import PipelineSession
    from sagemaker.mlops.workflow.cleanup_step import CleanupStep, S3CleanupSource
    from sagemaker.mlops.workflow.for_each_step import ForEachStep
    from sagemaker.mlops.workflow.pipeline import Pipeline
    from sagemaker.mlops.workflow.steps import ProcessingStep

    safemaker_session.client("s3").create_bucket(Bucket="sagemaker-bucket")
    # the process guard, as `safemaker run` turns it on (the SDK's IAM role validation of a profile role is
    # then answered in the process: IAM has no VPC endpoint)
    safemaker.install_process(profile)
    ps = PipelineSession(boto_session=safemaker_session, default_bucket="sagemaker-bucket")
    network = NetworkConfig(subnets=[subnet], security_group_ids=[SG], enable_network_isolation=True,
                            encrypt_inter_container_traffic=True)
    body = ProcessingStep("Body", step_args=Processor(
        role=ROLE, image_uri=IMG, instance_count=1, instance_type="ml.m5.large", sagemaker_session=ps,
        network_config=network).run())
    each = ForEachStep("Each", iterable_items=["a", "b"], max_concurrency=2, for_each_body=[body])
    clean = CleanupStep("Clean", [S3CleanupSource("Each")])
    pipeline = Pipeline("sdk-v3-foreach", steps=[each, clean], sagemaker_session=ps)
    written = json.loads(pipeline.definition())
    assert [(s["Type"], [b["Type"] for b in s["Arguments"].get("ForEachBody", [])]) for s in written["Steps"]] == [
        ("ForEach", ["Processing"]), ("Cleanup", [])]
    if subnet == SUB_A:
        pipeline.create(role_arn=ROLE)
        stored = safemaker_session.client("sagemaker").describe_pipeline(PipelineName="sdk-v3-foreach")
        assert json.loads(stored["PipelineDefinition"]) == written
        assert safemaker_local.request_count("sagemaker", "CreatePipeline") == 1
        return
    with pytest.raises(GuardrailViolation) as exc:
        pipeline.create(role_arn=ROLE)
    assert [(v.path, v.found) for v in exc.value.violations] == [
        ("PipelineDefinition.Steps[0:Each].Arguments.ForEachBody[0:Body].Arguments.NetworkConfig.VpcConfig"
         ".Subnets[0]", SUB_OUT)]
    assert safemaker_local.request_count("sagemaker", "CreatePipeline") == 0
