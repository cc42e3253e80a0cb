"""Proof of completeness against the installed botocore SageMaker model (pure: no network).

A new botocore whose SageMaker model adds an operation with a network field,
or moves a field the table names, turns these tests red.
"""

from __future__ import annotations

import botocore
import botocore.session
import pytest

from _shapes import shape_at as _shape_at
from safemaker.rules import (
    NOT_GUARDED,
    NOT_REFERENCES,
    RESOURCES,
    RULES,
    Guardrail,
    OperationRule,
    split_path,
)

MODEL = botocore.session.get_session().get_service_model("sagemaker")

# Member names that carry (or are) a network setting, as the issue lists them.
NETWORK_MEMBERS = frozenset({
    "VpcConfig", "NetworkConfig", "EnableNetworkIsolation", "DirectInternetAccess", "AppNetworkAccessType",
    "SubnetId", "SubnetIds", "SecurityGroups", "SecurityGroupIds", "OverrideVpcConfig", "WorkforceVpcConfig",
})

# Describe calls of rules without a ResourceSpec (the audit has no resource type for them yet).
DESCRIBE_WITHOUT_SPEC = {
    "CreateTrainingSession": "DescribeTrainingSession",
    "CreateAIBenchmarkJob": "DescribeAIBenchmarkJob",
    "CreateNotebookInstanceLifecycleConfig": "DescribeNotebookInstanceLifecycleConfig",
    "CreateModelPackage": "DescribeModelPackage",
    "CreateAlgorithm": "DescribeAlgorithm",
    "CreateSpace": "DescribeSpace",
}

# Fields of a request that the Describe output does not show (botocore's model), each only_with its parent: a
# description then has nothing there to check.
NOT_DESCRIBED = {
    ("CreateInferenceRecommendationsJob", ".OutputConfig.KmsKeyId"):
        "DescribeInferenceRecommendationsJob has InputConfig but no OutputConfig",
}

# The 29 operations the issue names (botocore 1.44).
ISSUE_OPERATIONS = frozenset({
    "CreateTrainingJob", "CreateProcessingJob", "CreateHyperParameterTuningJob", "CreateModel",
    "CreateEndpointConfig", "CreateNotebookInstance", "UpdateNotebookInstance", "CreateAutoMLJob",
    "CreateAutoMLJobV2", "CreateCompilationJob", "CreateOptimizationJob", "CreateInferenceRecommendationsJob",
    "CreateLabelingJob", "CreateTrainingSession", "CreateAIBenchmarkJob", "CreateDataQualityJobDefinition",
    "CreateModelBiasJobDefinition", "CreateModelExplainabilityJobDefinition", "CreateModelQualityJobDefinition",
    "CreateMonitoringSchedule", "UpdateMonitoringSchedule", "CreateDomain", "UpdateDomain", "CreateUserProfile",
    "UpdateUserProfile", "CreateCluster", "UpdateCluster", "CreateWorkforce", "UpdateWorkforce",
})


def _walk(shape, path=(), seen=frozenset()):
    """Yield ``(path parts, member name, shape)`` for every member below ``shape`` (``[]`` for list items)."""
    if shape.type_name == "structure":
        if shape.name in seen:
            return
        seen = seen | {shape.name}
        for name, member in shape.members.items():
            yield path + (name,), name, member
            yield from _walk(member, path + (name,), seen)
    elif shape.type_name == "list":
        yield from _walk(shape.member, path + ("[]",), seen)
    elif shape.type_name == "map":
        yield from _walk(shape.value, path + ("{}",), seen)


def _network_paths(operation: str) -> list[tuple[str, ...]]:
    shape = MODEL.operation_model(operation).input_shape
    if shape is None:
        return []
    return [p for p, name, _ in _walk(shape) if name in NETWORK_MEMBERS]


def _covered(parts, patterns) -> bool:
    """``parts`` is a rule path, lies below one, or is a structure holding one (``NetworkConfig``)."""
    return any(parts[: len(p)] == p or p[: len(parts)] == parts for p in patterns)


def _rule_patterns(rule: OperationRule) -> list[tuple[str, ...]]:
    return [split_path(t.anchor) + split_path(f.path) for t, f in rule.fields()]


NETWORK_OPERATIONS = sorted(op for op in MODEL.operation_names if _network_paths(op))


def test_the_model_has_the_operations_the_issue_names():
    """botocore 1.44: 28 operations carry a network member; UpdateNotebookInstance (RootAccess) makes 29."""
    assert set(NETWORK_OPERATIONS) == ISSUE_OPERATIONS - {"UpdateNotebookInstance"}
    assert ISSUE_OPERATIONS <= set(RULES)


@pytest.mark.parametrize("operation", NETWORK_OPERATIONS)
def test_every_operation_with_a_network_field_is_guarded_or_excepted(operation):
    assert operation in RULES or operation in NOT_GUARDED, (
        f"{operation} has network fields {_network_paths(operation)} but no rule and no exception"
    )


@pytest.mark.parametrize("operation", NETWORK_OPERATIONS)
def test_every_network_field_of_the_model_is_under_a_rule_path(operation):
    """Not only the operation: each network member found lies at or below a field the rule checks."""
    if operation in NOT_GUARDED:
        pytest.skip(NOT_GUARDED[operation])
    patterns = _rule_patterns(RULES[operation])
    missing = [".".join(p) for p in _network_paths(operation) if not _covered(p, patterns)]
    assert missing == []


def test_exceptions_have_reasons_and_are_not_in_the_table():
    for op, reason in {**NOT_GUARDED}.items():
        assert op not in RULES
        assert len(reason) > 40, op
    for member, reason in NOT_REFERENCES.items():
        assert len(reason) > 20, member


@pytest.mark.parametrize("operation", sorted(RULES))
def test_every_rule_path_exists_in_the_model(operation):
    rule = RULES[operation]
    assert operation in MODEL.operation_names
    shape = MODEL.operation_model(operation).input_shape
    for target, f in rule.fields():
        anchor = _shape_at(shape, split_path(target.anchor))
        assert anchor is not None and anchor.type_name == "structure", f"{operation}: anchor {target.anchor!r}"
        field = _shape_at(anchor, split_path(f.path))
        assert field is not None, f"{operation}: {target.anchor}.{f.path} is not in the model"
        _assert_field_shape(operation, f, field)
    for ref in rule.references:
        ref_shape = _shape_at(shape, split_path(ref.path))
        assert ref_shape is not None and ref_shape.type_name == "string", f"{operation}: {ref.path}"
        assert ref.resource in RESOURCES
        if ref.discriminator:
            disc = _shape_at(shape, split_path(ref.discriminator))
            assert disc is not None and set(disc.enum) == {v for v, _ in ref.resource_by}
            assert all(k in RESOURCES for _, k in ref.resource_by)
    for member in (rule.definition, rule.definition_location):
        if member is not None:
            assert member in shape.members, f"{operation}: {member}"


def _assert_field_shape(operation, f, field):
    g = f.guardrail
    where = f"{operation}: {f.path}"
    if g is Guardrail.VPC_CONFIG:
        assert field.type_name == "structure", where
        assert {"Subnets", "SecurityGroupIds"} <= set(field.members), where
        if f.with_vpc_id:
            assert f.with_vpc_id in field.members, where
    elif g in (Guardrail.NETWORK_ISOLATION, Guardrail.INTER_CONTAINER_ENCRYPTION):
        assert field.type_name == "boolean", where
    elif g is Guardrail.DIRECT_INTERNET_ACCESS:
        assert "Disabled" in field.enum, where
    elif g is Guardrail.ROOT_ACCESS:
        assert "Disabled" in field.enum, where
    elif g is Guardrail.APP_NETWORK_ACCESS_TYPE:
        assert "VpcOnly" in field.enum, where
    elif g in (Guardrail.SUBNET_IDS, Guardrail.SECURITY_GROUP_IDS):
        assert field.type_name == "list" and field.member.type_name == "string", where
    elif g in (Guardrail.SUBNET_ID, Guardrail.VPC_ID, Guardrail.VOLUME_KMS_KEY, Guardrail.OUTPUT_KMS_KEY,
               Guardrail.ROLE_ARN):
        assert field.type_name == "string", where
    elif g is Guardrail.UNSUPPORTED:
        assert f.reason and not f.inject and not f.required, where
        if f.closed is not None and f.closed.values:  # values that pass are values of the member's enum
            assert set(f.closed.values) <= set(field.enum), where
        if f.closed is not None and f.closed.pattern:
            assert field.type_name == "string", where
    elif g is Guardrail.REMOTE_ACCESS:
        # off is the AWS default (absent): never injected, never required
        assert not f.inject and not f.required, where
        assert field.type_name == "boolean" or set(field.enum) == {"ENABLED", "DISABLED"}, where
    elif g is Guardrail.LIFECYCLE_SCRIPT:
        # a list of NotebookInstanceLifecycleHook, each a base64 script (Content)
        assert field.type_name == "list" and "Content" in field.member.members, where
        assert not f.inject and not f.required, where
    elif g is Guardrail.WORKTEAM:
        # a work team ARN (botocore's pattern names the workteam resource type); never injected
        assert field.type_name == "string" and ":workteam/" in field.metadata["pattern"], where
        assert not f.inject and not f.required, where
    elif g is Guardrail.WORKTEAM_PRESIGN:
        # IamPolicyConstraints.VpcSourceIp: the enum Enabled / Disabled
        assert set(field.enum) == {"Enabled", "Disabled"}, where
    elif g is Guardrail.WORKFORCE_SOURCE_IP:
        # SourceIpConfig: a structure whose Cidrs is a list of CIDR strings (an allow list)
        assert field.type_name == "structure" and field.members["Cidrs"].member.type_name == "string", where
    else:  # pragma: no cover - a new guardrail needs a shape check here
        raise AssertionError(f"no shape check for {g}")


def _describe_operation(operation: str) -> str | None:
    for spec in RESOURCES.values():
        if spec.create_operation == operation:
            return spec.describe_operation
    return DESCRIBE_WITHOUT_SPEC.get(operation)


DESCRIBED = sorted(op for op, r in RULES.items() if r.kind == "create" and _describe_operation(op))


def test_every_create_rule_with_fields_can_be_checked_on_a_description():
    """Each create operation with network fields has a Describe call whose output shows them."""
    with_fields = {op for op, r in RULES.items() if r.kind == "create" and any(
        f.guardrail is not Guardrail.ROLE_ARN for _, f in r.fields())}
    assert with_fields - set(DESCRIBED) == set()
    assert _describe_operation("CreateFlowDefinition") == "DescribeFlowDefinition"  # audited since flow-definition


@pytest.mark.parametrize("operation", DESCRIBED)
def test_describe_paths_exist_in_the_describe_output(operation):
    out = MODEL.operation_model(_describe_operation(operation)).output_shape
    rule = RULES[operation]
    for target, f in rule.fields():
        if f.guardrail is Guardrail.ROLE_ARN:
            continue  # check_description skips roles
        anchor = target.describe_anchor if target.describe_anchor is not None else target.anchor
        anchor_shape = _shape_at(out, split_path(anchor))
        assert anchor_shape is not None, f"{operation}: describe anchor {anchor!r}"
        path = f.describe_path if f.describe_path is not None else f.path
        field = _shape_at(anchor_shape, split_path(path))
        if (operation, f"{anchor}.{path}") in NOT_DESCRIBED:
            assert field is None and f.only_with is not None  # absent from a description: not required there
            continue
        assert field is not None, f"{operation}: {anchor}.{path} is not in {_describe_operation(operation)}'s output"
    for ref in rule.references:
        # nested references are read from the description at their describe_path (else the request's path)
        path = ref.describe_path or ref.path
        assert _shape_at(out, split_path(path)) is not None, f"{operation}: {path} in the description"
    if rule.definition:
        assert rule.definition in out.members


def test_flow_definition_public_crowd_field_is_in_its_description():
    out = MODEL.operation_model("DescribeFlowDefinition").output_shape
    assert _shape_at(out, split_path("HumanLoopConfig.PublicWorkforceTaskPrice")) is not None


# --------------------------------------------------------------------------- references to models


def _model_name_members(operation: str) -> list[str]:
    shape = MODEL.operation_model(operation).input_shape
    if shape is None:
        return []
    return [".".join(p).replace(".[]", "[]") for p, name, s in _walk(shape)
            if s.name == "ModelName" or name in ("ModelName", "ModelNameOverride")]


WRITE_OPERATIONS = sorted(op for op in MODEL.operation_names
                          if not op.startswith(("Describe", "List", "Get", "Search", "Delete", "Stop", "Query")))


@pytest.mark.parametrize("operation", WRITE_OPERATIONS)
def test_every_member_naming_a_model_is_a_reference_or_excepted(operation):
    """F02: whatever points at a model is checked through DescribeModel (or says why not)."""
    refs = {r.path for r in RULES[operation].references} if operation in RULES else set()
    for member in _model_name_members(operation):
        assert member in refs or f"{operation}.{member}" in NOT_REFERENCES, f"{operation}.{member}"


def test_botocore_version_the_table_was_checked_against():
    """Informative: which botocore the proof above ran on (the project pins 1.44)."""
    assert botocore.__version__.split(".")[:2] == ["1", "44"]
