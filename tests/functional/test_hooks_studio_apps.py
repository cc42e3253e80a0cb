"""An app runs in the space or user profile it names, not only in its domain (trial 8, F04).

botocore's model: ``CreateApp`` takes ``DomainId`` and either ``SpaceName`` or ``UserProfileName`` (the
app runs in that space or for that user), and ``DescribeSpace`` / ``DescribeUserProfile`` both require
``DomainId``. ``SpaceSettings.RemoteAccess`` ENABLED "allows you to connect to the remote space from your
local IDE" (botocore's documentation of the member, read below); a user profile's
``UserSettings.SecurityGroups`` are the groups of its apps' network interfaces. The guard refuses a space
or profile created that way, so an app started in one made outside the guard must be refused too.

moto (5.2.x) has no spaces, user profiles or apps: DescribeDomain, DescribeSpace, DescribeUserProfile and
CreateApp answer through botocore's Stubber on the guarded client (expected_params pin every request; an
unstubbed call raises, so "refused" means nothing was sent).
"""

from __future__ import annotations

import re

import botocore.session
import pytest
from botocore.stub import Stubber

from safemaker import hooks
from safemaker.errors import GuardrailViolation

from _profiles import ROLE, SG, SUB_A, SUB_C, VPC as VPC_ID

MODEL = botocore.session.get_session().get_service_model("sagemaker")
ARN = "arn:aws:sagemaker:us-east-1:123456789012"
DOMAIN = "d-abc123abc123"
SG_OUT = "sg-0ffffffffffffffff"
CLOSED_DOMAIN = {"DomainId": DOMAIN, "DomainArn": f"{ARN}:domain/{DOMAIN}", "AppNetworkAccessType": "VpcOnly",
                 "VpcId": VPC_ID, "SubnetIds": [SUB_A, SUB_C], "DefaultUserSettings": {"SecurityGroups": [SG]},
                 "DefaultSpaceSettings": {"SecurityGroups": [SG]}}


def _remote_access_enabled() -> str:
    shape = MODEL.shape_for("SpaceSettings").members["RemoteAccess"]
    assert "connect to the remote space from your local IDE" in re.sub("<[^>]+>", "", shape.documentation)
    assert "ENABLED" in shape.enum
    return "ENABLED"


def test_create_app_requires_a_domain_and_names_its_space_or_user_profile():
    """The oracle: botocore's model of the calls the guard makes."""
    members = MODEL.operation_model("CreateApp").input_shape.members
    assert {"DomainId", "SpaceName", "UserProfileName"} <= set(members)
    for describe in ("DescribeSpace", "DescribeUserProfile"):
        assert "DomainId" in MODEL.operation_model(describe).input_shape.required_members


@pytest.fixture
def sm(safemaker_session, profile):
    hooks.install(safemaker_session, profile)
    return safemaker_session.client("sagemaker")


def _app(**where):
    return {"DomainId": DOMAIN, "AppType": "CodeEditor", "AppName": "default", **where}


def test_app_in_a_space_with_remote_access_is_refused_and_not_sent(sm):
    with Stubber(sm) as stub:
        stub.add_response("describe_domain", CLOSED_DOMAIN, {"DomainId": DOMAIN})
        stub.add_response("describe_space", {
            "DomainId": DOMAIN, "SpaceName": "remote", "SpaceArn": f"{ARN}:space/{DOMAIN}/remote",
            "SpaceSettings": {"AppType": "CodeEditor", "RemoteAccess": _remote_access_enabled()}},
            {"DomainId": DOMAIN, "SpaceName": "remote"})
        with pytest.raises(GuardrailViolation) as exc:
            sm.create_app(**_app(SpaceName="remote"))
        stub.assert_no_pending_responses()
    [v] = exc.value.violations
    assert (v.rule_id, v.found) == ("SM-REMOTE-ACCESS", "ENABLED")
    assert v.path.startswith("SpaceName -> DescribeSpace(SpaceName='remote', DomainId='d-abc123abc123')")


def test_app_of_a_user_profile_with_a_foreign_security_group_is_refused(sm):
    with Stubber(sm) as stub:
        stub.add_response("describe_domain", CLOSED_DOMAIN, {"DomainId": DOMAIN})
        stub.add_response("describe_user_profile", {
            "DomainId": DOMAIN, "UserProfileName": "u", "UserProfileArn": f"{ARN}:user-profile/{DOMAIN}/u",
            "UserSettings": {"SecurityGroups": [SG_OUT], "ExecutionRole": ROLE}},
            {"DomainId": DOMAIN, "UserProfileName": "u"})
        with pytest.raises(GuardrailViolation) as exc:
            sm.create_app(**_app(UserProfileName="u", AppType="JupyterLab"))
        stub.assert_no_pending_responses()
    assert [(v.rule_id, v.found) for v in exc.value.violations] == [("SM-NET-SG", SG_OUT)]


def test_app_in_a_closed_space_is_sent(sm):
    with Stubber(sm) as stub:
        stub.add_response("describe_domain", CLOSED_DOMAIN, {"DomainId": DOMAIN})
        stub.add_response("describe_space", {
            "DomainId": DOMAIN, "SpaceName": "s", "SpaceSettings": {"AppType": "CodeEditor", "RemoteAccess": "DISABLED"}},
            {"DomainId": DOMAIN, "SpaceName": "s"})
        stub.add_response("create_app", {"AppArn": f"{ARN}:app/{DOMAIN}/s/codeeditor/default"}, _app(SpaceName="s"))
        sm.create_app(**_app(SpaceName="s"))
        stub.assert_no_pending_responses()


# --------------------------------------------------------------------------- the sign-in URL (trial 10 F12)


def _doc(operation: str, member: str) -> str:
    return re.sub("<[^>]+>", "", MODEL.operation_model(operation).input_shape.members[member].documentation)


def test_presigned_domain_url_signs_in_as_a_user_profile_in_a_space():
    """The oracle: botocore's documentation of CreatePresignedDomainUrl's members."""
    assert "The name of the UserProfile to sign-in as" in _doc("CreatePresignedDomainUrl", "UserProfileName")
    assert "UserProfileName" in MODEL.operation_model("CreatePresignedDomainUrl").input_shape.required_members
    assert "space" in _doc("CreatePresignedDomainUrl", "SpaceName").lower()
    assert "app:Canvas:" in _doc("CreatePresignedDomainUrl", "LandingUri")


_OPEN_PROFILE = {"DomainId": DOMAIN, "UserProfileName": "alice", "UserProfileArn": f"{ARN}:user-profile/{DOMAIN}/alice",
                 "UserSettings": {"SecurityGroups": [SG_OUT], "ExecutionRole": ROLE}}


@pytest.mark.parametrize("landing", [None, "app:Canvas:", "app:JupyterLab:"])
def test_presigned_domain_url_for_an_open_user_profile_is_refused_and_not_sent(sm, landing):
    """Trial 10 F12: the URL signs in as the user profile and opens apps under its settings, as CreateApp for
    that profile would (refused above): the profile is followed, not only the domain."""
    where = {} if landing is None else {"LandingUri": landing}
    with Stubber(sm) as stub:
        stub.add_response("describe_domain", CLOSED_DOMAIN, {"DomainId": DOMAIN})
        stub.add_response("describe_user_profile", _OPEN_PROFILE, {"DomainId": DOMAIN, "UserProfileName": "alice"})
        with pytest.raises(GuardrailViolation) as exc:
            sm.create_presigned_domain_url(DomainId=DOMAIN, UserProfileName="alice", **where)
        stub.assert_no_pending_responses()
    [v] = exc.value.violations
    assert (v.rule_id, v.found) == ("SM-NET-SG", SG_OUT)
    assert v.path.startswith("UserProfileName -> DescribeUserProfile(UserProfileName='alice', DomainId='d-abc123abc123')")


def test_presigned_domain_url_for_an_unreadable_user_profile_is_refused(sm):
    with Stubber(sm) as stub:
        stub.add_response("describe_domain", CLOSED_DOMAIN, {"DomainId": DOMAIN})
        stub.add_client_error("describe_user_profile", "ResourceNotFound", "User profile does not exist",
                              expected_params={"DomainId": DOMAIN, "UserProfileName": "ghost"})
        with pytest.raises(GuardrailViolation) as exc:
            sm.create_presigned_domain_url(DomainId=DOMAIN, UserProfileName="ghost")
        stub.assert_no_pending_responses()
    assert [v.rule_id for v in exc.value.violations] == ["SM-REFERENCE"]


def test_presigned_domain_url_into_a_space_with_remote_access_is_refused(sm):
    closed_profile = dict(_OPEN_PROFILE, UserSettings={"SecurityGroups": [SG], "ExecutionRole": ROLE})
    with Stubber(sm) as stub:
        stub.add_response("describe_domain", CLOSED_DOMAIN, {"DomainId": DOMAIN})
        stub.add_response("describe_space", {
            "DomainId": DOMAIN, "SpaceName": "remote",
            "SpaceSettings": {"AppType": "CodeEditor", "RemoteAccess": _remote_access_enabled()}},
            {"DomainId": DOMAIN, "SpaceName": "remote"})
        stub.add_response("describe_user_profile", closed_profile, {"DomainId": DOMAIN, "UserProfileName": "alice"})
        with pytest.raises(GuardrailViolation) as exc:
            sm.create_presigned_domain_url(DomainId=DOMAIN, UserProfileName="alice", SpaceName="remote")
        stub.assert_no_pending_responses()
    assert [(v.rule_id, v.found) for v in exc.value.violations] == [("SM-REMOTE-ACCESS", "ENABLED")]


def test_presigned_domain_url_for_a_closed_user_profile_is_sent(sm):
    closed_profile = dict(_OPEN_PROFILE, UserSettings={"SecurityGroups": [SG], "ExecutionRole": ROLE})
    with Stubber(sm) as stub:
        stub.add_response("describe_domain", CLOSED_DOMAIN, {"DomainId": DOMAIN})
        stub.add_response("describe_user_profile", closed_profile, {"DomainId": DOMAIN, "UserProfileName": "alice"})
        stub.add_response("create_presigned_domain_url", {"AuthorizedUrl": "https://d.studio.example/auth?token=x"},
                          {"DomainId": DOMAIN, "UserProfileName": "alice", "LandingUri": "app:Canvas:"})
        sm.create_presigned_domain_url(DomainId=DOMAIN, UserProfileName="alice", LandingUri="app:Canvas:")
        stub.assert_no_pending_responses()
