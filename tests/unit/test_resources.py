"""ResourceSpec table checked against botocore's SageMaker service model (pure: no network)."""

from __future__ import annotations

import botocore.session
import pytest

from safemaker.resources import REFERENCE_ONLY, RESOURCES, ResourceSpec

MODEL = botocore.session.get_session().get_service_model("sagemaker")
PAGINATORS = botocore.session.get_session().get_paginator_model("sagemaker")

EXPECTED_TYPES = {
    "notebook-instance", "training-job", "processing-job", "hyper-parameter-tuning-job", "transform-job",
    "automl-job", "automl-job-v2", "compilation-job", "optimization-job", "labeling-job", "flow-definition",
    "inference-recommendations-job", "model", "endpoint-config", "endpoint", "monitoring-schedule",
    "data-quality-job-definition", "model-quality-job-definition", "model-bias-job-definition",
    "model-explainability-job-definition", "domain", "user-profile", "cluster", "pipeline", "workforce",
    # followed as references (StartInferenceExperiment, RetryPipelineExecution,
    # UpdateInferenceComponentRuntimeConfig), not audited
    "inference-experiment", "pipeline-execution", "inference-component",
    "workteam",  # audited, and followed from a labeling job's or flow definition's WorkteamArn
    "notebook-instance-lifecycle-config",  # a notebook's LifecycleConfigName
    # the rest of the guard's rule table (trial 6 F02): Studio spaces and apps, training sessions, AI benchmark
    # jobs, model packages and algorithms; and the kinds whose creation is refused outright
    "space", "app", "training-session", "ai-benchmark-job", "model-package", "algorithm",
    "ai-recommendation-job", "job", "partner-app", "project", "inference-router", "global-inference-gateway",
    # volume / output KMS keys (trial 13 F06): SageMaker Edge Manager's packaging jobs and device fleets
    "edge-packaging-job", "device-fleet",
}

# Summary members whose value the Describe parameter takes although botocore names their shapes differently:
# the parameter's pattern (or, without one, its documentation) accepts the value (test_list_members_and_paginator)
OTHER_SHAPES = {"algorithm", "model-package", "global-inference-gateway", "training-session"}

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
        if spec.name == "app":   # DescribeApp: "If [UserProfileName] is not set, then SpaceName must be set"
            assert param in op.input_shape.members
            assert {"DomainId", "AppType"} <= set(op.input_shape.required_members)
        else:
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
    if spec.name in OTHER_SHAPES:
        assert describe_shape not in (summary_shape, summary_shape + "OrArn")
        _assert_fits(spec, member.members[spec.list_name_key], describe.input_shape.members[spec.name_param])
    else:
        assert describe_shape in (summary_shape, summary_shape + "OrArn")
        assert not spec.name_from_arn
    for param, key in spec.extra_params:
        assert member.members[key].name == describe.input_shape.members[param].name
    if spec.list_arn_key is not None:
        assert member.members[spec.list_arn_key].name == _member(describe.output_shape, spec.arn_key).name


def _assert_fits(spec: ResourceSpec, summary_member, describe_member):
    """A value of the summary member (an ARN, or a name) as the audit passes it is accepted by the Describe
    parameter: by its pattern from botocore's model, else by its documentation."""
    import re

    arn = f"arn:aws:sagemaker:us-east-1:123456789012:{spec.name}/res-1"
    value = arn if summary_member.name.endswith("Arn") else "res-1"
    assert summary_member.name.endswith("Arn") == (spec.name != "algorithm")
    if spec.name_from_arn:
        value = "res-1"
    pattern = describe_member.metadata.get("pattern")
    if pattern is not None:
        assert re.fullmatch(pattern, value), (pattern, value)
        assert describe_member.metadata["min"] <= len(value) <= describe_member.metadata["max"]
    else:
        assert "Amazon Resource Name (ARN)" in describe_member.documentation


def test_training_session_names_come_from_their_arn():
    # ListTrainingSessions summaries carry TrainingSessionArn and no name; DescribeTrainingSession takes the name
    spec = RESOURCES["training-session"]
    summary = MODEL.operation_model(spec.list_operation).output_shape.members[spec.list_key].member
    assert spec.name_from_arn and spec.list_name_key == "TrainingSessionArn"
    assert not any(k.endswith("Name") for k in summary.members)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_list_extra_parameters(spec: ResourceSpec):
    inputs = MODEL.operation_model(spec.list_operation).input_shape
    for param, value in spec.list_params:
        assert value in inputs.members[param].enum
    if spec.list_each is not None:
        assert spec.list_each in inputs.required_members and inputs.members[spec.list_each].enum
    elif spec.name not in REFERENCE_ONLY:   # never listed (ListPipelineExecutions needs a PipelineName)
        assert not inputs.required_members, "a required List parameter must be listed value by value"
    if spec.gone_statuses:
        summary = MODEL.operation_model(spec.list_operation).output_shape.members[spec.list_key].member
        assert set(spec.gone_statuses) <= set(summary.members[spec.status_key].enum)


def test_model_packages_are_listed_versioned_and_unversioned():
    # ListModelPackages: "UNVERSIONED - List only unversioned models. This is the default value"
    doc = MODEL.operation_model("ListModelPackages").input_shape.members["ModelPackageType"].documentation
    assert "default" in doc
    assert RESOURCES["model-package"].list_params == (("ModelPackageType", "Both"),)


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


def test_a_reference_a_resource_always_has_is_required_by_its_create():
    """Reference.named_always is for a member the create request requires (botocore's model): an endpoint always
    has its endpoint config, an inference component its endpoint, whatever its Describe response holds."""
    from safemaker.rules import RULES

    always = [(op, ref) for op, rule in RULES.items() for ref in rule.references if ref.named_always]
    assert {(op, ref.path) for op, ref in always} == {("CreateEndpoint", "EndpointConfigName"),
                                                      ("CreateInferenceComponent", "EndpointName")}
    for op, ref in always:
        assert ref.path in MODEL.operation_model(op).input_shape.required_members, op


@pytest.mark.parametrize("resource, description, path", [
    ("inference-component", {"InferenceComponentName": "ic", "Specification": {"ComputeResourceRequirements": {}}},
     "EndpointName"),
    ("endpoint", {"EndpointName": "e", "EndpointStatus": "InService"}, "EndpointConfigName"),
])
def test_a_description_that_does_not_name_what_it_always_names_cannot_be_checked(resource, description, path):
    """Fail closed (issue 13, item 3): an inference component's description without its endpoint (what
    UpdateInferenceComponentRuntimeConfig and an Application Auto Scaling of the component follow) passed."""
    from safemaker import guard
    from safemaker.profile import VpcProfile

    profile = VpcProfile.from_mapping({"region": "us-east-1", "vpc_id": "vpc-0dddddddddddddddd",
                                       "subnets": ["subnet-0aaaaaaaaaaaaaaaa"],
                                       "security_group_ids": ["sg-0bbbbbbbbbbbbbbbb"],
                                       "execution_role_arn": "arn:aws:iam::123456789012:role/r"},
                                      source="test", env=False)
    violations = guard.check_resource(resource, description, profile)
    assert [(v.path, v.rule_id) for v in violations] == [(path, "SM-REFERENCE")]
    assert "Cannot check it: the description does not name its " in violations[0].fix
    assert guard.check_resource(resource, {**description, path: "named"}, profile) == []
