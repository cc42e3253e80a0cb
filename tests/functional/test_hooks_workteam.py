"""Labeling and human-review data go only to a private work team whose workforce is closed.

The guard on a real botocore client of the local backend (moto on 127.0.0.1, real HTTP): a work team
that is not private (the public crowd without a price, an AWS Marketplace vendor) is refused before
anything is sent, so the request log shows no CreateLabelingJob / CreateFlowDefinition. A private team
is followed: DescribeWorkteam, then DescribeWorkforce of its workforce. moto (5.2.x) has none of
CreateLabelingJob, CreateFlowDefinition, CreateWorkteam, DescribeWorkteam and DescribeWorkforce, so those
cases answer through botocore's Stubber on the same guarded client (expected_params pin every Describe
call; an unstubbed Create would raise, so "refused" means nothing was sent).
"""

from __future__ import annotations

import pytest
from botocore.stub import Stubber

from safemaker import hooks
from safemaker.errors import GuardrailViolation
from safemaker.profile import VpcProfile

SUB_A = "subnet-0aaaaaaaaaaaaaaaa"
SG = "sg-0bbbbbbbbbbbbbbbb"
VPC_ID = "vpc-0dddddddddddddddd"
ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"
ARN = "arn:aws:sagemaker:us-east-1:123456789012"
# A restricted worker portal (AWS, UpdateWorkforce: "To restrict access to all the workers in public internet,
# add the SourceIpConfig CIDR value as 10.0.0.0/16"): these tests are about the VPC; test_workforce_portal.py
# is about the portal.
PORTAL = {"Cidrs": ["10.0.0.0/16"]}
PUBLIC = "arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default"
VENDOR = "arn:aws:sagemaker:us-east-1:394669845002:workteam/vendor-crowd/some-vendor"
MEMBERS = [{"CognitoMemberDefinition": {"UserPool": "us-east-1_abc", "UserGroup": "g", "ClientId": "c"}}]


@pytest.fixture
def profile() -> VpcProfile:
    return VpcProfile.from_mapping(
        {"region": "us-east-1", "vpc_id": VPC_ID, "subnets": [SUB_A], "security_group_ids": [SG],
         "execution_role_arn": ROLE}, source="test")


def labeling(arn: str, price: bool = False) -> dict:
    task = {"WorkteamArn": arn, "UiConfig": {"UiTemplateS3Uri": "s3://b/u"},
            "PreHumanTaskLambdaArn": "arn:aws:lambda:us-east-1:432418664414:function:PRE-BoundingBox",
            "TaskTitle": "t", "TaskDescription": "d", "NumberOfHumanWorkersPerDataObject": 1,
            "TaskTimeLimitInSeconds": 60, "AnnotationConsolidationConfig": {
                "AnnotationConsolidationLambdaArn": "arn:aws:lambda:us-east-1:432418664414:function:ACS-BoundingBox"}}
    if price:
        task["PublicWorkforceTaskPrice"] = {"AmountInUsd": {"Cents": 3}}
    return {"LabelingJobName": "l", "LabelAttributeName": "a", "RoleArn": ROLE,
            "InputConfig": {"DataSource": {"S3DataSource": {"ManifestS3Uri": "s3://b/m"}}},
            "OutputConfig": {"S3OutputPath": "s3://b/o"}, "HumanTaskConfig": task}


def flow(arn: str) -> dict:
    return {"FlowDefinitionName": "f", "RoleArn": ROLE, "OutputConfig": {"S3OutputPath": "s3://b/o"},
            "HumanLoopConfig": {"WorkteamArn": arn, "TaskTitle": "t", "TaskDescription": "d", "TaskCount": 1,
                                "HumanTaskUiArn": f"{ARN}:human-task-ui/u"}}


CASES = [("create_labeling_job", "CreateLabelingJob", labeling, "HumanTaskConfig.WorkteamArn"),
         ("create_flow_definition", "CreateFlowDefinition", flow, "HumanLoopConfig.WorkteamArn")]


@pytest.mark.parametrize("method, operation, build, path", CASES, ids=[c[1] for c in CASES])
@pytest.mark.parametrize("arn, who", [(PUBLIC, "public crowd"), (VENDOR, "Marketplace vendor")],
                         ids=["public-crowd", "vendor-crowd"])
def test_a_work_team_outside_the_network_is_refused_and_nothing_is_sent(
        safemaker_local, safemaker_session, profile, method, operation, build, path, arn, who):
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    before = safemaker_local.request_count()
    with pytest.raises(GuardrailViolation) as exc:
        getattr(sm, method)(**build(arn))  # no price: the work team alone sends the data out
    [v] = exc.value.violations
    assert (v.operation, v.path, v.found, v.rule_id) == (operation, path, arn, "SM-WORKTEAM")
    assert who in v.fix and "private work team" in v.fix and "WorkforceVpcConfig" in v.fix
    assert safemaker_local.request_count() == before  # not even a DescribeWorkteam
    assert safemaker_local.request_count("sagemaker", operation) == 0


def _team(stub: Stubber, team: str, workforce: str, vpc: dict | None) -> None:
    stub.add_response("describe_workteam", {"Workteam": {
        "WorkteamName": team, "WorkteamArn": f"{ARN}:workteam/private-crowd/{team}", "MemberDefinitions": MEMBERS,
        "Description": "d", "WorkforceArn": f"{ARN}:workforce/{workforce}",
        "WorkerAccessConfiguration": VPC_BOUND}}, {"WorkteamName": team})
    _workforce(stub, workforce, vpc)


def _workforce(stub: Stubber, workforce: str, vpc: dict | None) -> None:
    described = {"WorkforceName": workforce, "WorkforceArn": f"{ARN}:workforce/{workforce}", "SourceIpConfig": PORTAL}
    if vpc is not None:
        described["WorkforceVpcConfig"] = vpc
    stub.add_response("describe_workforce", {"Workforce": described}, {"WorkforceName": workforce})


CLOSED = {"VpcId": VPC_ID, "SecurityGroupIds": [SG], "Subnets": [SUB_A]}
VPC_BOUND = {"S3Presign": {"IamPolicyConstraints": {"VpcSourceIp": "Enabled"}}}
"""A team whose S3 presigned URLs work only through the VPC (test_hooks_workteam_presign.py): here only the
workforce decides."""


@pytest.mark.parametrize("method, operation, build, path", CASES, ids=[c[1] for c in CASES])
@pytest.mark.parametrize("vpc, rule", [(None, "SM-NET-VPC"), (dict(CLOSED, VpcId="vpc-0ffffffffffffffff"), "SM-NET-VPC")],
                         ids=["no-WorkforceVpcConfig", "other-VPC"])
def test_a_private_team_of_an_open_workforce_is_refused(safemaker_session, profile, method, operation, build, path,
                                                         vpc, rule):
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    with Stubber(sm) as stub:
        _team(stub, "open-team", "open-force", vpc)
        with pytest.raises(GuardrailViolation) as exc:
            getattr(sm, method)(**build(f"{ARN}:workteam/private-crowd/open-team"))
        stub.assert_no_pending_responses()  # both Describe calls made, the Create never sent (unstubbed)
    [v] = exc.value.violations
    assert v.rule_id == rule and v.operation == operation
    assert v.path.startswith(f"{path} -> DescribeWorkteam(WorkteamName='open-team').Workteam.WorkforceArn -> "
                             "DescribeWorkforce(WorkforceName='open-force').Workforce.WorkforceVpcConfig")


@pytest.mark.parametrize("method, operation, build, path", CASES, ids=[c[1] for c in CASES])
def test_a_private_team_of_a_closed_workforce_is_sent(safemaker_session, profile, method, operation, build, path):
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    request = build(f"{ARN}:workteam/private-crowd/team")
    answer = ({"LabelingJobArn": f"{ARN}:labeling-job/l"} if operation == "CreateLabelingJob"
              else {"FlowDefinitionArn": f"{ARN}:flow-definition/f"})
    with Stubber(sm) as stub:
        _team(stub, "team", "closed", CLOSED)
        stub.add_response(method, answer, request)  # sent as given: nothing to inject
        getattr(sm, method)(**request)
        stub.assert_no_pending_responses()


def test_a_describe_that_fails_refuses_the_request(safemaker_session, profile):
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    with Stubber(sm) as stub:
        stub.add_client_error("describe_workteam", "ValidationException", "no such team",
                              expected_params={"WorkteamName": "gone"})
        with pytest.raises(GuardrailViolation) as exc:
            sm.create_labeling_job(**labeling(f"{ARN}:workteam/private-crowd/gone"))
        stub.assert_no_pending_responses()
    [v] = exc.value.violations
    assert (v.path, v.rule_id) == ("HumanTaskConfig.WorkteamArn", "SM-REFERENCE")


@pytest.mark.parametrize("vpc, refused", [(None, True), (CLOSED, False)], ids=["open", "closed"])
def test_create_workteam_checks_the_workforce_it_names(safemaker_session, profile, vpc, refused):
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    request = {"WorkteamName": "t", "WorkforceName": "wf", "MemberDefinitions": MEMBERS, "Description": "d"}
    with Stubber(sm) as stub:
        _workforce(stub, "wf", vpc)
        if refused:
            with pytest.raises(GuardrailViolation) as exc:
                sm.create_workteam(**request)
            assert [(v.path, v.rule_id) for v in exc.value.violations] == [
                ("WorkforceName -> DescribeWorkforce(WorkforceName='wf').Workforce.WorkforceVpcConfig", "SM-NET-VPC")]
        else:
            stub.add_response("create_workteam", {"WorkteamArn": f"{ARN}:workteam/private-crowd/t"},
                              dict(request, WorkerAccessConfiguration=VPC_BOUND))  # injected
            sm.create_workteam(**request)
        stub.assert_no_pending_responses()


def _model():
    import botocore.session

    return botocore.session.get_session().get_service_model("sagemaker")


def _default_workforce_name() -> str:
    """The name of a region's workforce when none is named, from botocore's model (DescribeWorkforce's
    WorkforceName: "automatically set to <code>default</code> when a workforce is created")."""
    doc = _model().operation_model("DescribeWorkforce").input_shape.members["WorkforceName"].documentation
    assert "automatically set to <code>default</code>" in doc
    return "default"


@pytest.mark.parametrize("vpc, refused", [(None, True), (CLOSED, False)], ids=["open", "closed"])
def test_create_workteam_without_a_workforce_name_follows_the_default_workforce(safemaker_session, profile, vpc,
                                                                                 refused):
    assert "WorkforceName" not in _model().operation_model("CreateWorkteam").input_shape.required_members
    default = _default_workforce_name()
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    request = {"WorkteamName": "t", "MemberDefinitions": MEMBERS, "Description": "d"}
    with Stubber(sm) as stub:
        _workforce(stub, default, vpc)  # expected_params pin DescribeWorkforce(WorkforceName='default')
        if refused:
            with pytest.raises(GuardrailViolation) as exc:
                sm.create_workteam(**request)
            assert [(v.path, v.rule_id) for v in exc.value.violations] == [
                (f"WorkforceName -> DescribeWorkforce(WorkforceName='{default}').Workforce.WorkforceVpcConfig",
                 "SM-NET-VPC")]
        else:
            stub.add_response("create_workteam", {"WorkteamArn": f"{ARN}:workteam/private-crowd/t"},
                              dict(request, WorkerAccessConfiguration=VPC_BOUND))
            sm.create_workteam(**request)  # no WorkforceName added (VpcSourceIp is injected)
        stub.assert_no_pending_responses()


@pytest.mark.parametrize("method, operation, build, path", CASES, ids=[c[1] for c in CASES])
@pytest.mark.parametrize("workforce_arn", [None, "arn:aws:iam::123456789012:role/not-a-workforce", f"{ARN}:workforce/"],
                         ids=["absent", "not-a-workforce-ARN", "no-name"])
def test_a_work_team_description_that_names_no_workforce_fails_closed(safemaker_session, profile, method, operation,
                                                                       build, path, workforce_arn):
    assert "WorkforceArn" not in _model().shape_for("Workteam").required_members  # botocore allows it absent
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    team = {"WorkteamName": "t", "WorkteamArn": f"{ARN}:workteam/private-crowd/t", "MemberDefinitions": MEMBERS,
            "Description": "d", "WorkerAccessConfiguration": VPC_BOUND}
    if workforce_arn is not None:
        team["WorkforceArn"] = workforce_arn
    with Stubber(sm) as stub:
        stub.add_response("describe_workteam", {"Workteam": team}, {"WorkteamName": "t"})
        with pytest.raises(GuardrailViolation) as exc:
            getattr(sm, method)(**build(f"{ARN}:workteam/private-crowd/t"))
        stub.assert_no_pending_responses()  # no DescribeWorkforce, the Create never sent (unstubbed)
    [v] = exc.value.violations
    assert (v.operation, v.rule_id) == (operation, "SM-REFERENCE")
    assert v.path == f"{path} -> DescribeWorkteam(WorkteamName='t').Workteam.WorkforceArn"
    assert "does not name its workforce" in v.fix
