"""ResourceSpec table checked against botocore's SageMaker service model (pure: no network)."""

from __future__ import annotations

import botocore.session
import pytest

from safemaker.resources import RESOURCES, ResourceSpec

MODEL = botocore.session.get_session().get_service_model("sagemaker")
PAGINATORS = botocore.session.get_session().get_paginator_model("sagemaker")

EXPECTED_TYPES = {
    "notebook-instance", "training-job", "processing-job", "hyper-parameter-tuning-job", "transform-job",
    "automl-job", "automl-job-v2", "compilation-job", "optimization-job", "labeling-job", "flow-definition",
    "inference-recommendations-job", "model", "endpoint-config", "endpoint", "monitoring-schedule",
    "data-quality-job-definition", "model-quality-job-definition", "model-bias-job-definition",
    "model-explainability-job-definition", "domain", "user-profile", "cluster", "pipeline", "workforce",
    # followed as references (StartInferenceExperiment, RetryPipelineExecution,
    # UpdateInferenceComponentRuntimeConfig, a labeling job's work team), not audited
    "inference-experiment", "pipeline-execution", "inference-component", "workteam",
    "notebook-instance-lifecycle-config",  # a notebook's LifecycleConfigName
}

SPECS = sorted(RESOURCES.values(), key=lambda s: s.name)


def _member(shape, dotted: str):
    for part in dotted.split("."):
        assert shape.type_name == "structure", f"{dotted}: {shape.name} is not a structure"
        assert part in shape.members, f"{part!r} not a member of {shape.name}"
        shape = shape.members[part]
    return shape


def test_every_resource_type_of_the_issue_is_listed():
    assert set(RESOURCES) == EXPECTED_TYPES


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_operations_exist_in_botocore(spec: ResourceSpec):
    ops = set(MODEL.operation_names)
    assert spec.create_operation in ops
    assert spec.describe_operation in ops
    assert spec.list_operation in ops


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_describe_members(spec: ResourceSpec):
    op = MODEL.operation_model(spec.describe_operation)
    assert spec.name_param in op.input_shape.required_members
    for param, _ in spec.extra_params:
        assert param in op.input_shape.required_members
    if spec.arn_key is None:
        # DescribePipelineDefinitionForExecution returns the definition and no ARN
        assert spec.name == "pipeline-execution"
        assert set(op.output_shape.members) == {"PipelineDefinition", "CreationTime"}
        return
    arn = _member(op.output_shape, spec.arn_key)
    assert arn.type_name == "string"
    assert arn.name.endswith("Arn")


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_list_members_and_paginator(spec: ResourceSpec):
    op = MODEL.operation_model(spec.list_operation)
    paginator = PAGINATORS.get_paginator(spec.list_operation)
    assert paginator["result_key"] == spec.list_key
    summaries = op.output_shape.members[spec.list_key]
    assert summaries.type_name == "list"
    member = summaries.member
    assert spec.list_name_key in member.members
    # the summary member carries the same kind of value as the Describe parameter
    # (DescribeCluster/DescribePipeline take ClusterNameOrArn/PipelineNameOrArn: a name fits)
    describe = MODEL.operation_model(spec.describe_operation)
    summary_shape = member.members[spec.list_name_key].name
    describe_shape = describe.input_shape.members[spec.name_param].name
    assert describe_shape in (summary_shape, summary_shape + "OrArn")
    for param, key in spec.extra_params:
        assert member.members[key].name == describe.input_shape.members[param].name
    if spec.list_arn_key is not None:
        assert member.members[spec.list_arn_key].name == _member(describe.output_shape, spec.arn_key).name


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_list_filters(spec: ResourceSpec):
    inputs = MODEL.operation_model(spec.list_operation).input_shape.members
    if spec.created_after_param is None:
        assert "CreationTimeAfter" not in inputs and "CreatedAfter" not in inputs
    else:
        assert inputs[spec.created_after_param].type_name == "timestamp"
    if spec.active_statuses:
        assert set(spec.active_statuses) <= set(inputs["StatusEquals"].enum)
    else:
        assert "StatusEquals" not in inputs


def test_user_profile_has_no_arn_in_summaries():
    assert RESOURCES["user-profile"].list_arn_key is None
    assert RESOURCES["user-profile"].extra_params == (("DomainId", "DomainId"),)


def test_pipelines_filter_on_created_after():
    assert RESOURCES["pipeline"].created_after_param == "CreatedAfter"


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_create_operation_shape_exists(spec: ResourceSpec):
    assert MODEL.operation_model(spec.create_operation).input_shape is not None
