"""Pipelines built by the SageMaker Python SDK v2, sent through a guarded session (local backend).

The SDK writes the definition (``Pipeline.definition()``), adds steps of its
own (the ``<model>-RepackModel-0`` training step for a model with an entry
point), and calls CreatePipeline with it: the guard checks every step of what
the SDK actually sends. No safemaker SDK adapter is used here on purpose:
this is the plain SDK with only the guard installed.
"""

from __future__ import annotations

import json

import pytest

from safemaker import hooks
from safemaker.errors import MISSING, GuardrailViolation

from _profiles import IMG, ROLE, SG, SUB_A, SUB_C

pytestmark = pytest.mark.sdk2
sagemaker = pytest.importorskip("sagemaker")

CLOSED = {"subnets": [SUB_A, SUB_C], "security_group_ids": [SG], "enable_network_isolation": True,
          "encrypt_inter_container_traffic": True}


@pytest.fixture
def pipeline_session(safemaker_local, safemaker_session, profile):
    # The plain SDK's telemetry GET goes to the internet: the test setup refuses it (loopback only).
    safemaker_session.client("s3").create_bucket(Bucket="sagemaker-bucket")
    hooks.install(safemaker_session, profile)
    from sagemaker.workflow.pipeline_context import PipelineSession

    return PipelineSession(boto_session=safemaker_session, default_bucket="sagemaker-bucket")


def _pipeline(ps, tmp_path, *, closed_processing: bool, repack_settings: dict | None, with_lambda: bool):
    from sagemaker.estimator import Estimator
    from sagemaker.inputs import TrainingInput
    from sagemaker.lambda_helper import Lambda
    from sagemaker.network import NetworkConfig
    from sagemaker.processing import Processor
    from sagemaker.sklearn.model import SKLearnModel
    from sagemaker.transformer import Transformer
    from sagemaker.workflow.condition_step import ConditionStep
    from sagemaker.workflow.conditions import ConditionGreaterThanOrEqualTo
    from sagemaker.workflow.fail_step import FailStep
    from sagemaker.workflow.lambda_step import LambdaStep
    from sagemaker.workflow.model_step import ModelStep
    from sagemaker.workflow.pipeline import Pipeline
    from sagemaker.workflow.steps import ProcessingStep, TrainingStep, TransformStep

    network = NetworkConfig(**({"subnets": [SUB_A], "security_group_ids": [SG], "enable_network_isolation": True,
                                "encrypt_inter_container_traffic": True} if closed_processing else {}))
    prep = ProcessingStep("Prep", step_args=Processor(
        role=ROLE, image_uri=IMG, instance_count=1, instance_type="ml.m5.large", sagemaker_session=ps,
        network_config=network).run())
    estimator = Estimator(image_uri=IMG, role=ROLE, instance_count=1, instance_type="ml.m5.large",
                          output_path="s3://sagemaker-bucket/out", sagemaker_session=ps, **CLOSED)
    train = TrainingStep("TrainModel", step_args=estimator.fit(TrainingInput("s3://sagemaker-bucket/train")))
    (tmp_path / "inference.py").write_text("def model_fn(model_dir):\n    return None\n")
    model = SKLearnModel(model_data=train.properties.ModelArtifacts.S3ModelArtifacts, role=ROLE,
                         entry_point=str(tmp_path / "inference.py"), framework_version="1.2-1", sagemaker_session=ps,
                         vpc_config={"Subnets": [SUB_A, SUB_C], "SecurityGroupIds": [SG]},
                         enable_network_isolation=True)
    make_model = ModelStep("MakeModel", step_args=model.create(instance_type="ml.m5.large"),
                           repack_model_step_settings=repack_settings)
    transform = TransformStep("Score", step_args=Transformer(
        model_name=make_model.properties.ModelName, instance_count=1, instance_type="ml.m5.large",
        output_path="s3://sagemaker-bucket/scores", sagemaker_session=ps).transform("s3://sagemaker-bucket/in"))
    check = ConditionStep("Check", conditions=[ConditionGreaterThanOrEqualTo(left=1, right=0)],
                          if_steps=[transform], else_steps=[FailStep("Stop", error_message="no")])
    steps = [prep, train, make_model, check]
    if with_lambda:
        steps.append(LambdaStep("Notify", lambda_func=Lambda(
            function_arn="arn:aws:lambda:us-east-1:123456789012:function:notify", session=ps)))
    return Pipeline("sdk-pipeline", steps=steps, sagemaker_session=ps)


def test_sdk_pipeline_refused_naming_each_open_step_including_the_sdk_repack_step(
        safemaker_local, pipeline_session, tmp_path):
    pipe = _pipeline(pipeline_session, tmp_path, closed_processing=False, repack_settings=None, with_lambda=True)
    with pytest.raises(GuardrailViolation) as exc:
        pipe.create(role_arn=ROLE)
    steps = {v.path.split(".Arguments")[0] for v in exc.value.violations}
    assert steps == {
        "PipelineDefinition.Steps[0:Prep]",
        "PipelineDefinition.Steps[2:MakeModel-RepackModel-0]",
        "PipelineDefinition.Steps[5:Notify]",
    }
    repack = [v for v in exc.value.violations if "RepackModel" in v.path]
    # the SDK copies the model's VpcConfig into its repack job, but neither isolation nor encryption
    base = "PipelineDefinition.Steps[2:MakeModel-RepackModel-0].Arguments."
    assert [(v.path, v.found) for v in repack] == [(base + "EnableNetworkIsolation", MISSING),
                                                   (base + "EnableInterContainerTrafficEncryption", MISSING)]
    assert all("repack_model_step_settings" in v.fix for v in repack)
    assert safemaker_local.request_count("sagemaker", "CreatePipeline") == 0


def test_sdk_pipeline_with_every_step_closed_is_created_as_the_sdk_wrote_it(safemaker_local, pipeline_session,
                                                                              tmp_path):
    pipe = _pipeline(pipeline_session, tmp_path, closed_processing=True, with_lambda=False,
                     repack_settings={"subnets": [SUB_A, SUB_C], "security_group_ids": [SG],
                                      "enable_network_isolation": True, "encrypt_inter_container_traffic": True})
    sent: list[str] = []
    client = pipeline_session.sagemaker_client
    client.meta.events.register("before-send.sagemaker.CreatePipeline",
                                lambda request, **kwargs: sent.append(json.loads(request.body)["PipelineDefinition"]))
    pipe.create(role_arn=ROLE)
    stored = client.describe_pipeline(PipelineName="sdk-pipeline")["PipelineDefinition"]
    assert [stored] == sent  # the definition the SDK wrote, byte for byte: never rewritten
    names = [s["Name"] for s in json.loads(stored)["Steps"]]
    assert names == ["Prep", "TrainModel", "MakeModel-RepackModel-0", "MakeModel-CreateModel", "Check"]
    assert safemaker_local.request_count("sagemaker", "CreatePipeline") == 1
