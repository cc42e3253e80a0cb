"""Human work goes to a private work team only: the WorkteamArn of every operation that carries one.

Oracles: botocore's SageMaker model (which operations carry a ``WorkteamArn``, the ARN pattern, the
Describe outputs), the Service Authorization Reference as parliament ships it (``sagemaker:WorkteamType``:
"public-crowd, private-crowd or vendor-crowd"). Pure: no backend (the hooks and the audit are tested in
tests/functional/test_hooks_workteam.py and test_audit_stubbed.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import botocore.session
import pytest

from safemaker import guard
from safemaker.guard import ResolvedReference
from safemaker.iam.context import request_context
from safemaker.profile import VpcProfile
from safemaker.rules import RULES, Guardrail
from safemaker.rules_classification import NO_NETWORK_EFFECT

MODEL = botocore.session.get_session().get_service_model("sagemaker")
ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"
PUBLIC = "arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default"
VENDOR = "arn:aws:sagemaker:us-east-1:394669845002:workteam/vendor-crowd/some-vendor"
PRIVATE = "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/my-team"


def _workteam_paths(shape, path=(), seen=frozenset()):
    """Every path below ``shape`` ending in a member named WorkteamArn (botocore's model)."""
    if shape.name in seen:
        return
    seen = seen | {shape.name}
    if shape.type_name == "structure":
        for name, member in shape.members.items():
            if name == "WorkteamArn":
                yield ".".join(path + (name,))
            yield from _workteam_paths(member, path + (name,), seen)
    elif shape.type_name == "list":
        yield from _workteam_paths(shape.member, path[:-1] + (path[-1] + "[]",), seen)


CARRIERS = {op: tuple(_workteam_paths(MODEL.operation_model(op).input_shape))
            for op in MODEL.operation_names if MODEL.operation_model(op).input_shape is not None}
CARRIERS = {op: paths for op, paths in CARRIERS.items() if paths}
WRITERS = sorted(op for op in CARRIERS if not op.startswith(("Describe", "List")))


def test_the_model_has_the_operations_the_finding_names():
    assert {"CreateLabelingJob", "CreateFlowDefinition"} <= set(WRITERS)


@pytest.mark.parametrize("operation", sorted(set(CARRIERS) - set(WRITERS)))
def test_operations_that_only_read_a_work_team_send_no_data(operation):
    # DescribeSubscribedWorkteam, ListLabelingJobsForWorkteam: metadata reads
    assert operation in NO_NETWORK_EFFECT


@pytest.mark.parametrize("operation", WRITERS)
def test_every_work_team_of_a_request_is_checked_and_followed(operation):
    rule = RULES[operation]
    checked = {".".join(x for x in (t.anchor, f.path) if x) for t, f in rule.fields() if f.guardrail is Guardrail.WORKTEAM}
    followed = {r.path for r in rule.references if r.resource == "workteam"}
    assert checked == set(CARRIERS[operation])
    assert followed == set(CARRIERS[operation])


@pytest.fixture(scope="module")
def profile() -> VpcProfile:
    return VpcProfile.from_mapping(
        {"region": "us-east-1", "vpc_id": "vpc-0dddddddddddddddd", "subnets": ["subnet-0aaaaaaaaaaaaaaaa"],
         "security_group_ids": ["sg-0bbbbbbbbbbbbbbbb"], "execution_role_arn": ROLE}, source="test")


def _request(operation: str, arn: str, price: bool = False) -> dict:
    """A request with every member botocore requires, the work team at each of its WorkteamArn paths."""
    if operation == "CreateLabelingJob":
        task = {"WorkteamArn": arn, "UiConfig": {"UiTemplateS3Uri": "s3://b/u"},
                "PreHumanTaskLambdaArn": "arn:aws:lambda:us-east-1:432418664414:function:PRE-BoundingBox",
                "TaskTitle": "t", "TaskDescription": "d", "NumberOfHumanWorkersPerDataObject": 1,
                "TaskTimeLimitInSeconds": 60,
                "AnnotationConsolidationConfig": {
                    "AnnotationConsolidationLambdaArn": "arn:aws:lambda:us-east-1:432418664414:function:ACS-BoundingBox"}}
        if price:
            task["PublicWorkforceTaskPrice"] = {"AmountInUsd": {"Cents": 3}}
        return {"LabelingJobName": "l", "LabelAttributeName": "a", "RoleArn": ROLE,
                "InputConfig": {"DataSource": {"S3DataSource": {"ManifestS3Uri": "s3://b/m"}}},
                "OutputConfig": {"S3OutputPath": "s3://b/o"}, "HumanTaskConfig": task}
    loop = {"WorkteamArn": arn, "HumanTaskUiArn": "arn:aws:sagemaker:us-east-1:123456789012:human-task-ui/u",
            "TaskTitle": "t", "TaskDescription": "d", "TaskCount": 1}
    if price:
        loop["PublicWorkforceTaskPrice"] = {"AmountInUsd": {"Cents": 3}}
    return {"FlowDefinitionName": "f", "RoleArn": ROLE, "OutputConfig": {"S3OutputPath": "s3://b/o"},
            "HumanLoopConfig": loop}


def test_requests_are_valid_for_botocore():
    from botocore.validate import ParamValidator
    for op in WRITERS:
        for arn in (PUBLIC, VENDOR, PRIVATE):
            report = ParamValidator().validate(_request(op, arn), MODEL.operation_model(op).input_shape)
            assert not report.has_errors(), report.generate_report()


@pytest.mark.parametrize("operation", WRITERS)
@pytest.mark.parametrize("arn, who", [(PUBLIC, "public crowd"), (VENDOR, "Marketplace vendor"),
                                      ("arn:aws:sagemaker:us-east-1:123456789012:workteam/x", "not the ARN")])
def test_a_work_team_that_is_not_private_is_refused_price_or_not(operation, arn, who, profile):
    [path] = CARRIERS[operation]
    for price in (False, True):
        d = guard.decide(operation, _request(operation, arn, price), profile)
        mine = [v for v in d.violations if v.rule_id == "SM-WORKTEAM"]
        assert [(v.path, v.found) for v in mine] == [(path, arn)]
        assert who in mine[0].fix and "private work team" in mine[0].fix and "WorkforceVpcConfig" in mine[0].fix
        assert f"Set {path} to" in mine[0].fix
        assert d.references == ()  # a team that is not private is not described: it is refused as it is


@pytest.mark.parametrize("operation", WRITERS)
def test_a_private_work_team_passes_and_is_followed(operation, profile):
    [path] = CARRIERS[operation]
    d = guard.decide(operation, _request(operation, PRIVATE), profile)
    assert d.violations == ()
    assert d.references == (ResolvedReference(path, "workteam", "my-team"),)


def test_a_work_team_is_followed_to_its_workforce():
    # DescribeWorkteam's output holds the workforce as an ARN (botocore's model: Workteam.WorkforceArn)
    assert "WorkforceArn" in MODEL.shape_for("Workteam").members
    described = {"Workteam": {"WorkteamName": "my-team", "WorkteamArn": PRIVATE, "MemberDefinitions": [],
                              "Description": "d",
                              "WorkforceArn": "arn:aws:sagemaker:us-east-1:123456789012:workforce/closed"}}
    assert guard.references("CreateWorkteam", described, described=True) == [
        ResolvedReference("Workteam.WorkforceArn", "workforce", "closed")]
    assert guard.references("CreateWorkteam", {"WorkteamName": "t", "WorkforceName": "closed"}) == [
        ResolvedReference("WorkforceName", "workforce", "closed")]


def test_a_workforce_without_vpc_config_is_a_violation_of_the_team(profile):
    open_force = {"Workforce": {"WorkforceName": "open", "WorkforceArn": "arn:aws:sagemaker:us-east-1:123456789012:workforce/open"}}
    v, ip = guard.check_resource("workforce", open_force, profile, operation="CreateLabelingJob", via="x")
    assert (v.path, v.rule_id, v.operation) == ("x.Workforce.WorkforceVpcConfig", "SM-NET-VPC", "CreateLabelingJob")
    # no SourceIpConfig: the portal is not restricted on the internet either
    assert (ip.path, ip.rule_id, ip.operation) == ("x.Workforce.SourceIpConfig", "SM-WORKFORCE-SOURCE-IP",
                                                   "CreateLabelingJob")


def test_iam_sees_the_work_team_type():
    import parliament  # here, not at collection (it imports pkg_resources: ~0.5 s of CPU for each pytest process)

    keys = json.loads((Path(parliament.__file__).parent / "iam_definition.json").read_text())
    [sm] = [s for s in keys if s["prefix"] == "sagemaker"]
    [cond] = [c for c in sm["conditions"] if c["condition"] == "sagemaker:WorkteamType"]
    assert "public-crowd, private-crowd or vendor-crowd" in cond["description"]
    for op in WRITERS:
        for arn, kind in ((PUBLIC, "public-crowd"), (VENDOR, "vendor-crowd"), (PRIVATE, "private-crowd")):
            assert request_context(op, _request(op, arn))["sagemaker:WorkteamType"] == kind
