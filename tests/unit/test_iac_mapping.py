"""The IaC front ends' mappings, checked against independent sources.

- Every guarded request field (and referenced-resource field) of every mapped
  CloudFormation type is a property path of that type's CloudFormation resource
  schema, as cfn-lint ships it (``cfnlint.schema``), after the renames the
  mapping declares.
- The operation each CloudFormation type is mapped to is one its schema's
  ``create`` handler needs permission for (``handlers.create.permissions``).
- Every Terraform mapping targets a request path of botocore's service model.
"""

from __future__ import annotations

import botocore.session
import pytest

from _shapes import shape_at
from safemaker.iac.cloudformation import CFN_RESOURCES, NO_NETWORK_TYPES
from safemaker.iac.terraform import TF_RESOURCES
from safemaker.rules import RULES, split_path


def _schema(rtype: str) -> dict:
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER  # here, not at collection (~1 s of CPU per pytest process)

    return PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", rtype).schema


def _resolve(schema: dict, node: dict) -> dict:
    seen = 0
    while "$ref" in node and seen < 20:
        name = node["$ref"].split("/")[-1]
        node = schema["definitions"][name]
        seen += 1
    return node


def _props(schema: dict, node: dict) -> dict:
    node = _resolve(schema, node)
    out = dict(node.get("properties", {}))
    for key in ("oneOf", "anyOf", "allOf"):
        for alt in node.get(key, ()):
            out.update(_props(schema, alt))
    return out


def _has_path(schema: dict, parts: tuple[str, ...]) -> bool:
    node: dict = {"properties": schema["properties"]}
    for p in parts:
        if p == "[]":
            node = _resolve(schema, node)
            if node.get("type") != "array" and "items" not in node:
                return False
            node = node["items"]
            continue
        props = _props(schema, node)
        if p not in props:
            return False
        node = props[p]
    return True


def _cfn_path(rtype: str, request_path: str) -> tuple[str, ...]:
    renames = {dst: src for src, dst in CFN_RESOURCES[rtype].renames}
    for dst, src in renames.items():
        if request_path == dst or request_path.startswith(dst + "."):
            request_path = src + request_path[len(dst):]
    return split_path(request_path)


def _mapped_paths(rtype: str) -> list[str]:
    rule = RULES[CFN_RESOURCES[rtype].operation]
    paths = []
    for target, f in rule.fields():
        paths.append(".".join(p for p in (target.anchor, f.path) if p).replace(".[]", "[]"))
    paths += [ref.path for ref in rule.references]
    if rule.definition:
        paths.append(rule.definition)
    return paths


CASES = [(rtype, path) for rtype in sorted(CFN_RESOURCES) for path in _mapped_paths(rtype)]


@pytest.mark.parametrize(("rtype", "path"), CASES, ids=[f"{t}:{p}" for t, p in CASES])
def test_every_mapped_cloudformation_property_path_exists_in_the_schema(rtype, path):
    excluded = dict(CFN_RESOURCES[rtype].not_in_cloudformation)
    parts = _cfn_path(rtype, path)
    if path in excluded:
        assert not _has_path(_schema(rtype), parts), f"{rtype} {path} is in the schema: drop the exclusion"
        return
    assert _has_path(_schema(rtype), parts), f"{rtype} has no property {'.'.join(parts)} (request path {path})"


def test_the_mapping_covers_the_types_the_issue_names():
    named = {"NotebookInstance", "Model", "EndpointConfig", "Domain", "UserProfile", "Space", "App",
             "MonitoringSchedule", "DataQualityJobDefinition", "ModelQualityJobDefinition", "ModelBiasJobDefinition",
             "ModelExplainabilityJobDefinition", "Pipeline", "Cluster", "Workforce"}
    assert {f"AWS::SageMaker::{n}" for n in named} <= set(CFN_RESOURCES)
    assert "AWS::SageMaker::NotebookInstanceLifecycleConfig" in CFN_RESOURCES
    # a work team's workforce (WorkforceName) is followed like CreateWorkteam's: mapped, not "no network"
    assert "AWS::SageMaker::Workteam" in CFN_RESOURCES and "AWS::SageMaker::Workteam" not in NO_NETWORK_TYPES


@pytest.mark.parametrize("rtype", sorted(CFN_RESOURCES))
def test_each_type_maps_to_an_operation_its_create_handler_calls(rtype):
    permissions = _schema(rtype)["handlers"]["create"]["permissions"]
    assert f"sagemaker:{CFN_RESOURCES[rtype].operation}" in permissions


@pytest.mark.parametrize("rtype", sorted(NO_NETWORK_TYPES))
def test_types_without_network_fields_have_none_in_the_schema(rtype):
    schema = _schema(rtype)
    flat = repr(schema["properties"]) + repr(schema.get("definitions", {}))
    for word in ("VpcConfig", "Subnet", "SecurityGroup", "DirectInternetAccess", "NetworkIsolation"):
        assert word not in flat


def _request_has_path(model, shape, parts: tuple[str, ...]) -> bool:
    return shape_at(shape, parts) is not None


TF_CASES = [(t, tf, api) for t, spec in sorted(TF_RESOURCES.items()) for tf, api in spec.attributes]


@pytest.mark.parametrize(("tftype", "attribute", "api"), TF_CASES, ids=[f"{t}:{a}" for t, a, _ in TF_CASES])
def test_every_terraform_attribute_maps_to_a_request_member_of_the_service_model(tftype, attribute, api):
    model = botocore.session.get_session().get_service_model("sagemaker")
    op = model.operation_model(TF_RESOURCES[tftype].operation)
    assert _request_has_path(model, op.input_shape, split_path(api)), f"{op.name} has no {api}"


def _sagemaker_types() -> list[str]:
    import json
    from pathlib import Path

    import cfnlint

    providers = Path(cfnlint.__file__).parent / "data" / "schemas" / "providers" / "us-east-1.json"
    return sorted(t for t in json.loads(providers.read_text()) if t.startswith("AWS::SageMaker::"))


@pytest.mark.parametrize("rtype", _sagemaker_types())
def test_every_sagemaker_type_is_mapped_or_has_nothing_the_rules_guard(rtype):
    """A type whose create handler calls an operation of the rule table must be mapped; the others have no
    network field (the rule table holds every operation with one: tests/unit/test_coverage_model.py)."""
    permissions = ((_schema(rtype).get("handlers") or {}).get("create") or {}).get("permissions") or []
    guarded = {p.split(":", 1)[1] for p in permissions if p.startswith("sagemaker:")} & set(RULES)
    if rtype in CFN_RESOURCES:
        assert CFN_RESOURCES[rtype].operation in guarded
    else:
        assert guarded == set(), f"{rtype} creates through {guarded}: map it in CFN_RESOURCES"


def test_an_unknown_sagemaker_type_is_unverifiable_not_passed():
    from safemaker.iac import decide_requests
    from safemaker.iac._document import parse_text
    from safemaker.iac.cloudformation import template_requests
    from safemaker.profile import VpcProfile

    profile = VpcProfile(region="us-east-1", vpc_id="vpc-0dddddddddddddddd",
                         subnets=["subnet-0aaaaaaaaaaaaaaaa"], security_group_ids=["sg-0bbbbbbbbbbbbbbbb"],
                         execution_role_arn="arn:aws:iam::123456789012:role/SageMakerExecRole")
    text = ("Resources:\n  X:\n    Type: AWS::SageMaker::FutureThing\n"
            "  Grp:\n    Type: AWS::SageMaker::ModelPackageGroup\n    Properties:\n      ModelPackageGroupName: g\n")
    findings = decide_requests(template_requests(parse_text(text, "t.yaml"), {}), profile)
    assert [(f.status, f.rule_id, f.resource_name, f.path) for f in findings] == [
        ("UNKNOWN", "SM-UNSUPPORTED", "X", "Type")]
    assert "schemas do not know" in findings[0].found


def test_terraform_types_passed_as_no_network_create_through_no_network_operations():
    # Each Terraform type left unchecked must create through an operation the rule table's
    # classification says has no network effect (the provider calls Create<Thing> for aws_sagemaker_<thing>).
    from safemaker.iac.terraform import TF_NO_NETWORK
    from safemaker.rules_classification import OperationClass, classify

    model = botocore.session.get_session().get_service_model("sagemaker")
    for tftype, op in TF_NO_NETWORK.items():
        assert op in model.operation_names, (tftype, op)
        assert classify(op).operation_class is OperationClass.NO_NETWORK_EFFECT, (tftype, op)
        assert tftype not in TF_RESOURCES


def _rule_paths(operation: str) -> list[str]:
    rule = RULES[operation]
    paths = [".".join(p for p in (target.anchor, f.path) if p).replace(".[]", "[]") for target, f in rule.fields()]
    paths += [ref.path for ref in rule.references]
    if rule.definition:
        paths.append(rule.definition)
    return paths


TF_RULE_CASES = [(t, path) for t, spec in sorted(TF_RESOURCES.items()) for path in _rule_paths(spec.operation)]


@pytest.mark.parametrize(("tftype", "path"), TF_RULE_CASES, ids=[f"{t}:{p}" for t, p in TF_RULE_CASES])
def test_every_rule_path_of_a_mapped_terraform_type_has_its_attribute_or_a_reason(tftype, path):
    # trial 15c F09: include_inference_response_in (provider docs, notification_config: "SNS topics where you want
    # the inference response to be included") was not mapped, so a plan naming topics passed. A rule path is reached
    # when an attribute maps to it, below it (VpcConfig <- vpc_config.subnets) or above it; otherwise the provider has
    # no attribute for it and TF_NOT_IN_PROVIDER says why.
    from safemaker.iac.terraform import TF_NOT_IN_PROVIDER

    mapped = [api for _, api in TF_RESOURCES[tftype].attributes]
    reached = any(api == path or api.startswith(path + ".") or api.startswith(path + "[]")
                  or path.startswith(api + ".") or path.startswith(api + "[]") for api in mapped)
    reason = TF_NOT_IN_PROVIDER.get(tftype, {}).get(path)
    assert reached != bool(reason), (
        f"{tftype} {path}: " + ("mapped and listed as not in the provider: drop the reason" if reached
                                else "map its provider attribute in TF_RESOURCES or say why in TF_NOT_IN_PROVIDER"))


# The provider attributes for rule paths, from the Terraform AWS provider's docs (website/docs/r/sagemaker_*.html.markdown,
# hashicorp/terraform-provider-aws), not from the table.
PROVIDER_DOCS = [
    ("aws_sagemaker_endpoint_configuration",
     "async_inference_config.output_config.notification_config.include_inference_response_in",
     "AsyncInferenceConfig.OutputConfig.NotificationConfig.IncludeInferenceResponseIn"),
    ("aws_sagemaker_notebook_instance", "lifecycle_config_name", "LifecycleConfigName"),
    ("aws_sagemaker_app", "user_profile_name", "UserProfileName"),
    ("aws_sagemaker_app", "space_name", "SpaceName"),
]


@pytest.mark.parametrize(("tftype", "attribute", "api"), PROVIDER_DOCS)
def test_provider_documented_attributes_are_mapped(tftype, attribute, api):
    assert (attribute, api) in TF_RESOURCES[tftype].attributes
