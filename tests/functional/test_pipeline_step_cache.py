"""A producer step (``Model``, ``EndpointConfig``, ``Endpoint``) with step caching on (trial 18c F02), through a
guarded client on the local backend (moto on 127.0.0.1, real HTTP).

A cache hit hands the later steps the resource an earlier execution's run of the step made (which may be open),
not what the checked definition describes: decided as "cannot be verified" (fix: ``CacheConfig.Enabled`` false).

Oracles:

* SageMaker SDK v2 (``sagemaker.workflow.endpoint_step``): ``EndpointConfigStep`` and ``EndpointStep`` take
  ``cache_config`` ("``EndpointConfig`` is structurally cacheable"), and ``CacheConfig(enable_caching=True,
  expire_after=...).config`` is the ``{"CacheConfig": {"Enabled": true, "ExpireAfter": ...}}`` a step is written
  with (SageMaker Developer Guide, *Turn on step caching*: "set the field to true, which tells SageMaker AI to try
  to find a previous run of the step with the same attributes").
* SageMaker Developer Guide, *Default cache key attributes by pipeline step type*: keys are documented only for
  Processing, Training, Tuning, AutoML, Transform, ClarifyCheck, QualityCheck and EMR steps, none with a network
  member; a cached Training step (data in S3, a hit runs nothing) is still sent.
"""

from __future__ import annotations

import inspect
import json

import pytest

from safemaker import hooks
from safemaker.errors import GuardrailViolation
from safemaker.profile import VpcProfile

from _profiles import IMG, ROLE, SG, SUB_A, SUB_C

FIELDS = {"region": "us-east-1", "vpc_id": "vpc-0dddddddddddddddd", "subnets": [SUB_A, SUB_C],
          "security_group_ids": [SG], "execution_role_arn": ROLE}
VPC = {"Subnets": [SUB_A], "SecurityGroupIds": [SG]}
ON = {"Enabled": True, "ExpireAfter": "P30D"}


def test_oracle_the_sdk_writes_cache_config_on_endpoint_config_and_endpoint_steps():
    endpoint_step = pytest.importorskip("sagemaker.workflow.endpoint_step")
    from sagemaker.workflow.steps import CacheConfig

    for cls in (endpoint_step.EndpointConfigStep, endpoint_step.EndpointStep):
        assert "cache_config" in inspect.signature(cls.__init__).parameters
        assert "cache_config.config" in inspect.getsource(cls.to_request)
    assert CacheConfig(enable_caching=True, expire_after="P30D").config == {"CacheConfig": ON}


@pytest.fixture
def raw(safemaker_local):
    """An unguarded client on the same backend (a pipeline made before the guard)."""
    from safemaker.local import LocalSession

    return LocalSession(safemaker_local.endpoint_url, region_name="us-east-1").client("sagemaker")


@pytest.fixture
def sm(safemaker_session):
    client = safemaker_session.client("sagemaker")
    hooks.install(client, VpcProfile.from_mapping(FIELDS, source="test"))
    return client


def _definition(cached: str | None, cache: dict = ON) -> str:
    """Model -> EndpointConfig -> Endpoint, every step closed; ``cached``: the step with ``cache``."""
    model = {"ExecutionRoleArn": ROLE, "PrimaryContainer": {"Image": IMG, "ModelDataUrl": "s3://b/m.tar.gz"},
             "EnableNetworkIsolation": True, "VpcConfig": VPC}
    steps = [
        {"Name": "MakeModel", "Type": "Model", "Arguments": model},
        {"Name": "MakeEC", "Type": "EndpointConfig", "Arguments": {
            "EndpointConfigName": "ec", "ProductionVariants": [{
                "VariantName": "v", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1,
                "ModelName": {"Get": "Steps.MakeModel.ModelName"}}]}},
        {"Name": "MakeEP", "Type": "Endpoint", "Arguments": {
            "EndpointName": "ep", "EndpointConfigName": {"Get": "Steps.MakeEC.EndpointConfigName"}}},
    ]
    for step in steps:
        if step["Name"] == cached:
            step["CacheConfig"] = cache
    return json.dumps({"Version": "2020-12-01", "Steps": steps})


@pytest.mark.parametrize("step", [("MakeModel", 0), ("MakeEC", 1), ("MakeEP", 2)], ids=lambda s: s[0])
def test_create_and_update_pipeline_with_a_cached_producer_step_are_refused(safemaker_local, raw, sm, step):
    name, i = step
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_pipeline(PipelineName="p", RoleArn=ROLE, PipelineDefinition=_definition(name))
    assert [(v.path, v.found) for v in exc.value.violations] == [
        (f"PipelineDefinition.Steps[{i}:{name}].CacheConfig", ON)]
    assert "CacheConfig.Enabled false" in exc.value.violations[0].fix
    raw.create_pipeline(PipelineName="q", RoleArn=ROLE, PipelineDefinition=_definition(None))
    with pytest.raises(GuardrailViolation):
        sm.update_pipeline(PipelineName="q", RoleArn=ROLE, PipelineDefinition=_definition(name))
    assert safemaker_local.request_count("sagemaker", "CreatePipeline") == 1  # the unguarded one
    assert safemaker_local.request_count("sagemaker", "UpdatePipeline") == 0
    sm.create_pipeline(PipelineName="p", RoleArn=ROLE,
                       PipelineDefinition=_definition(name, {"Enabled": False, "ExpireAfter": "P30D"}))
    sm.update_pipeline(PipelineName="q", RoleArn=ROLE, PipelineDefinition=_definition(name, {"ExpireAfter": "P1D"}))
    assert safemaker_local.request_count("sagemaker", "CreatePipeline") == 2
    assert safemaker_local.request_count("sagemaker", "UpdatePipeline") == 1


def test_a_plain_start_of_a_pipeline_whose_producer_step_is_cached_is_refused(safemaker_local, raw, sm):
    """F02: the stored definition (made before the guard) caches its EndpointConfig step; the start was sent."""
    raw.create_pipeline(PipelineName="p", RoleArn=ROLE, PipelineDefinition=_definition("MakeEC"))
    with pytest.raises(GuardrailViolation) as exc:
        sm.start_pipeline_execution(PipelineName="p")
    assert [v.path.rsplit(".", 1)[-1] for v in exc.value.violations] == ["CacheConfig"]
    assert safemaker_local.request_count("sagemaker", "StartPipelineExecution") == 0
    raw.update_pipeline(PipelineName="p", RoleArn=ROLE, PipelineDefinition=_definition(None))
    sm.start_pipeline_execution(PipelineName="p")
    assert safemaker_local.request_count("sagemaker", "StartPipelineExecution") == 1


def test_a_cached_training_step_is_sent(safemaker_local, sm):
    """Its cached output is data in S3 and a hit runs nothing (module doc of safemaker.pipeline_executions)."""
    training = {"Name": "T", "Type": "Training", "CacheConfig": ON, "Arguments": {
        "AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"}, "RoleArn": ROLE,
        "OutputDataConfig": {"S3OutputPath": "s3://b/o"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 60}, "EnableNetworkIsolation": True,
        "EnableInterContainerTrafficEncryption": True, "VpcConfig": VPC}}
    sm.create_pipeline(PipelineName="t", RoleArn=ROLE,
                       PipelineDefinition=json.dumps({"Version": "2020-12-01", "Steps": [training]}))
    assert safemaker_local.request_count("sagemaker", "CreatePipeline") == 1
