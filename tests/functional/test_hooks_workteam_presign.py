"""A work team's S3 presigned URLs work only through the VPC (trial 6, F12).

Ground Truth / Augmented AI worker task templates read the data from S3 through presigned URLs
(``grant_read_access``). The API reference of ``IamPolicyConstraints`` (botocore's model, read below):
only with ``VpcSourceIp`` ``Enabled`` does Amazon S3 check that such a URL is used "over an Amazon S3
VPC Endpoint" from the worker's IP; otherwise the URL of a VPC-only workforce's data works from
anywhere. So ``CreateWorkteam`` gets ``VpcSourceIp`` ``Enabled`` (injected when absent, refused when
``Disabled``), ``UpdateWorkteam`` may not turn it off, and a labeling job or flow definition is not sent
to a team whose description does not show it enabled.

moto (5.2.x) has no CreateWorkteam, UpdateWorkteam, DescribeWorkteam or DescribeWorkforce: those answer
through botocore's Stubber on the guarded client (expected_params pin every request sent; an unstubbed
call raises, so "refused" means nothing was sent).
"""

from __future__ import annotations

import re

import botocore.session
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
MEMBERS = [{"CognitoMemberDefinition": {"UserPool": "us-east-1_abc", "UserGroup": "g", "ClientId": "c"}}]
CLOSED_FORCE = {"VpcId": VPC_ID, "SecurityGroupIds": [SG], "Subnets": [SUB_A]}
PATH = "WorkerAccessConfiguration.S3Presign.IamPolicyConstraints.VpcSourceIp"


def _constraints_shape():
    model = botocore.session.get_session().get_service_model("sagemaker")
    shape = model.operation_model("CreateWorkteam").input_shape
    for member in PATH.split(".")[:-1]:
        shape = shape.members[member]
    return shape


def _enabled() -> str:
    """The value that binds the presigned URLs to the VPC, read from botocore's model."""
    shape = _constraints_shape().members["VpcSourceIp"]
    doc = re.sub("<[^>]+>", "", shape.documentation)
    assert "When VpcSourceIp is Enabled" in doc and "accessed over an Amazon S3 VPC Endpoint" in doc
    assert shape.enum == ["Enabled", "Disabled"]
    return "Enabled"


ENABLED = _enabled()
DISABLED = "Disabled"


def _access(**constraints: str) -> dict:
    return {"S3Presign": {"IamPolicyConstraints": constraints}}


@pytest.fixture
def profile() -> VpcProfile:
    return VpcProfile.from_mapping(
        {"region": "us-east-1", "vpc_id": VPC_ID, "subnets": [SUB_A], "security_group_ids": [SG],
         "execution_role_arn": ROLE}, source="test")


@pytest.fixture
def sm(safemaker_session, profile):
    hooks.install(safemaker_session, profile)
    return safemaker_session.client("sagemaker")


def _workforce(stub: Stubber, name: str = "wf") -> None:
    stub.add_response("describe_workforce", {"Workforce": {
        "WorkforceName": name, "WorkforceArn": f"{ARN}:workforce/{name}", "WorkforceVpcConfig": CLOSED_FORCE,
        "SourceIpConfig": PORTAL}},
        {"WorkforceName": name})


def test_create_workteam_gets_vpc_source_ip_enabled_injected(sm):
    request = {"WorkteamName": "t", "WorkforceName": "wf", "MemberDefinitions": MEMBERS, "Description": "d"}
    with Stubber(sm) as stub:
        _workforce(stub)
        sent = dict(request, WorkerAccessConfiguration=_access(VpcSourceIp=ENABLED))
        stub.add_response("create_workteam", {"WorkteamArn": f"{ARN}:workteam/private-crowd/t"}, sent)
        sm.create_workteam(**request)
        stub.assert_no_pending_responses()


def test_create_workteam_keeps_source_ip_and_adds_vpc_source_ip(sm):
    request = {"WorkteamName": "t", "WorkforceName": "wf", "MemberDefinitions": MEMBERS, "Description": "d",
               "WorkerAccessConfiguration": _access(SourceIp=ENABLED)}
    with Stubber(sm) as stub:
        _workforce(stub)
        sent = dict(request, WorkerAccessConfiguration=_access(SourceIp=ENABLED, VpcSourceIp=ENABLED))
        stub.add_response("create_workteam", {"WorkteamArn": f"{ARN}:workteam/private-crowd/t"}, sent)
        sm.create_workteam(**request)
        stub.assert_no_pending_responses()


def test_create_workteam_with_vpc_source_ip_disabled_is_refused_and_not_sent(sm):
    request = {"WorkteamName": "t", "WorkforceName": "wf", "MemberDefinitions": MEMBERS, "Description": "d",
               "WorkerAccessConfiguration": _access(SourceIp=DISABLED, VpcSourceIp=DISABLED)}
    with Stubber(sm) as stub:
        _workforce(stub)
        with pytest.raises(GuardrailViolation) as exc:
            sm.create_workteam(**request)  # an unstubbed CreateWorkteam would raise StubResponseError
    [v] = exc.value.violations
    assert (v.operation, v.path, v.found, v.required, v.rule_id) == (
        "CreateWorkteam", PATH, DISABLED, ENABLED, "SM-WORKTEAM-PRESIGN")
    assert f"Set {PATH} to 'Enabled'" in v.fix


@pytest.mark.parametrize("access", [_access(VpcSourceIp=DISABLED), _access(SourceIp=ENABLED), {}],
                         ids=["Disabled", "SourceIp-only", "empty"])
def test_update_workteam_that_sets_worker_access_without_vpc_source_ip_is_refused(sm, access):
    with Stubber(sm):
        with pytest.raises(GuardrailViolation) as exc:
            sm.update_workteam(WorkteamName="t", WorkerAccessConfiguration=access)
    [v] = exc.value.violations
    assert (v.operation, v.path, v.rule_id) == ("UpdateWorkteam", PATH, "SM-WORKTEAM-PRESIGN")


def test_update_workteam_of_members_only_or_enabling_it_is_sent_as_given(sm):
    with Stubber(sm) as stub:
        for request in ({"WorkteamName": "t", "Description": "new"},
                        {"WorkteamName": "t", "WorkerAccessConfiguration": _access(VpcSourceIp=ENABLED)}):
            stub.add_response("update_workteam", {"Workteam": {
                "WorkteamName": "t", "WorkteamArn": f"{ARN}:workteam/private-crowd/t", "MemberDefinitions": MEMBERS,
                "Description": "new"}}, request)
            sm.update_workteam(**request)
        stub.assert_no_pending_responses()


def _team(stub: Stubber, access: dict | None) -> None:
    team = {"WorkteamName": "t", "WorkteamArn": f"{ARN}:workteam/private-crowd/t", "MemberDefinitions": MEMBERS,
            "Description": "d", "WorkforceArn": f"{ARN}:workforce/wf"}
    if access is not None:
        team["WorkerAccessConfiguration"] = access
    stub.add_response("describe_workteam", {"Workteam": team}, {"WorkteamName": "t"})


def _labeling() -> dict:
    return {"LabelingJobName": "l", "LabelAttributeName": "a", "RoleArn": ROLE,
            "InputConfig": {"DataSource": {"S3DataSource": {"ManifestS3Uri": "s3://b/m"}}},
            "OutputConfig": {"S3OutputPath": "s3://b/o"},
            "HumanTaskConfig": {
                "WorkteamArn": f"{ARN}:workteam/private-crowd/t", "UiConfig": {"UiTemplateS3Uri": "s3://b/u"},
                "PreHumanTaskLambdaArn": "arn:aws:lambda:us-east-1:432418664414:function:PRE-BoundingBox",
                "TaskTitle": "t", "TaskDescription": "d", "NumberOfHumanWorkersPerDataObject": 1,
                "TaskTimeLimitInSeconds": 60, "AnnotationConsolidationConfig": {
                    "AnnotationConsolidationLambdaArn":
                        "arn:aws:lambda:us-east-1:432418664414:function:ACS-BoundingBox"}}}


@pytest.mark.parametrize("access", [None, _access(VpcSourceIp=DISABLED)], ids=["absent", "Disabled"])
def test_a_labeling_job_for_a_team_whose_urls_work_from_anywhere_is_refused(sm, access):
    with Stubber(sm) as stub:
        _team(stub, access)
        _workforce(stub)
        with pytest.raises(GuardrailViolation) as exc:
            sm.create_labeling_job(**_labeling())
    [v] = exc.value.violations
    assert v.rule_id == "SM-WORKTEAM-PRESIGN"
    assert v.path == f"HumanTaskConfig.WorkteamArn -> DescribeWorkteam(WorkteamName='t').Workteam.{PATH}"


def test_a_labeling_job_for_a_team_bound_to_the_vpc_is_sent(sm):
    with Stubber(sm) as stub:
        _team(stub, _access(VpcSourceIp=ENABLED))
        _workforce(stub)
        stub.add_response("create_labeling_job", {"LabelingJobArn": f"{ARN}:labeling-job/l"}, _labeling())
        sm.create_labeling_job(**_labeling())
        stub.assert_no_pending_responses()
