"""Closed notebook instances against the local backend (moto on 127.0.0.1) over real HTTP.

Asserts on the request body botocore sent (captured on ``before-send``) and
on what reached the server (the backend's request log).
"""

from __future__ import annotations

import io
import json
import logging
from urllib.parse import parse_qs, urlsplit

import pytest

from safemaker import hooks
from safemaker.errors import GuardrailViolation
from safemaker.notebook import (
    NotebookInputError,
    NotebookInstanceError,
    create_closed_notebook_instance,
    delete_notebook_instance,
    presigned_notebook_url,
    redact_url,
    wait_for_notebook_instance,
)
from safemaker.profile import VpcProfile

ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"
KMS = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture
def profile(safemaker_local_network) -> VpcProfile:
    """A profile whose VPC, two subnets (two AZs) and SG exist in moto's EC2 (the field reports' role)."""
    return safemaker_local_network.model_copy(update={"execution_role_arn": ROLE})


@pytest.fixture
def sent(safemaker_session):
    """A SageMaker client of the local backend and the JSON bodies it sent, by operation."""
    client = safemaker_session.client("sagemaker")
    bodies: dict[str, list[dict]] = {}

    def capture(request, event_name, **kwargs):
        op = event_name.rsplit(".", 1)[-1]
        bodies.setdefault(op, []).append(json.loads(request.body or b"{}"))

    client.meta.events.register("before-send.sagemaker", capture)
    return client, bodies


def _moto_notebook_class():
    from moto.sagemaker.models import FakeSagemakerNotebookInstance

    return FakeSagemakerNotebookInstance


# --------------------------------------------------------------------------- create


def test_CreateNotebookInstance_sends_closed_fields_from_profile(safemaker_local, profile, sent):
    client, bodies = sent
    described = create_closed_notebook_instance("IFSM-Notebook-Instance", profile=profile, sagemaker_client=client,
                                                poll_seconds=0.05, progress=False)
    assert bodies["CreateNotebookInstance"] == [{
        "NotebookInstanceName": "IFSM-Notebook-Instance",
        "InstanceType": "ml.t3.medium",
        "RoleArn": ROLE,
        "DirectInternetAccess": "Disabled",
        "RootAccess": "Disabled",
        "SubnetId": profile.subnets[0],
        "SecurityGroupIds": list(profile.security_group_ids),
    }]
    assert described["NotebookInstanceStatus"] == "InService"
    assert described["DirectInternetAccess"] == "Disabled"
    assert described["SubnetId"] == profile.subnets[0]
    assert described["SecurityGroups"] == list(profile.security_group_ids)
    assert "ResponseMetadata" not in described
    assert safemaker_local.request_count("sagemaker", "CreateNotebookInstance") == 1


def test_CreateNotebookInstance_optional_fields(safemaker_local, safemaker_local_network, sent):
    profile = safemaker_local_network.model_copy(
        update={"volume_kms_key_id": KMS, "notebook_root_access": "Enabled", "execution_role_arn": ROLE})
    client, bodies = sent
    client.create_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName="proxy-setup")
    described = create_closed_notebook_instance(
        "nb-opts", "ml.t3.xlarge", profile=profile, sagemaker_client=client, subnet_id=profile.subnets[1],
        lifecycle_config_name="proxy-setup", volume_size_in_gb=20, tags={"team": "ml"}, progress=False)
    body = bodies["CreateNotebookInstance"][0]
    assert body["SubnetId"] == profile.subnets[1]
    assert body["KmsKeyId"] == KMS
    assert body["RootAccess"] == "Enabled"
    assert body["LifecycleConfigName"] == "proxy-setup"
    assert body["VolumeSizeInGB"] == 20
    assert body["Tags"] == [{"Key": "team", "Value": "ml"}]
    assert body["InstanceType"] == "ml.t3.xlarge"
    assert described["NotebookInstanceLifecycleConfigName"] == "proxy-setup"
    assert described["KmsKeyId"] == KMS


def test_CreateNotebookInstance_subnet_outside_profile_refused_nothing_sent(safemaker_local, profile, sent):
    client, bodies = sent
    with pytest.raises(GuardrailViolation) as info:
        create_closed_notebook_instance("nb", profile=profile, sagemaker_client=client,
                                        subnet_id="subnet-0eeeeeeeeeeeeeeee", progress=False)
    assert info.value.operation == "CreateNotebookInstance"
    assert [v.path for v in info.value.violations] == ["SubnetId"]
    assert info.value.violations[0].found == "subnet-0eeeeeeeeeeeeeeee"
    assert "CreateNotebookInstance" not in bodies
    assert safemaker_local.request_count("sagemaker", "CreateNotebookInstance") == 0


def test_create_installs_guard_on_unguarded_client_and_uses_profile_of_guarded_one(safemaker_local, profile,
                                                                                     safemaker_session):
    client = safemaker_session.client("sagemaker")
    assert hooks.installed(client) is None
    create_closed_notebook_instance("nb-a", profile=profile, sagemaker_client=client, progress=False)
    assert hooks.installed(client).profile == profile
    # No profile given: the guard's profile is used (no SAFEMAKER_PROFILE in the test environment).
    described = create_closed_notebook_instance("nb-b", sagemaker_client=client, progress=False)
    assert described["SubnetId"] == profile.subnets[0]


def test_create_from_boto3_session_uses_profile_region(safemaker_local, profile, safemaker_session):
    described = create_closed_notebook_instance("nb-s", profile=profile, boto3_session=safemaker_session,
                                                progress=False)
    assert described["NotebookInstanceArn"] == \
        "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb-s"


def test_create_client_in_other_region_refused_nothing_sent(safemaker_local, profile, safemaker_session):
    client = safemaker_session.client("sagemaker", region_name="eu-west-1")
    with pytest.raises(NotebookInputError) as info:
        create_closed_notebook_instance("nb", profile=profile, sagemaker_client=client, progress=False)
    assert info.value.field == "sagemaker_client region"
    assert info.value.found == "eu-west-1"
    assert "'us-east-1'" in str(info.value)
    assert safemaker_local.request_count("sagemaker") == 0


@pytest.mark.parametrize("kwargs, field, found", [
    ({"name": "bad_name"}, "name (NotebookInstanceName)", "bad_name"),
    ({"name": "x" * 64}, "name (NotebookInstanceName)", "x" * 64),
    ({"instance_type": "t3.medium"}, "instance_type (InstanceType)", "t3.medium"),
    ({"subnet_id": "subnet-xyz"}, "subnet_id (SubnetId)", "subnet-xyz"),
    ({"volume_size_in_gb": 4}, "volume_size_in_gb (VolumeSizeInGB)", 4),
    ({"volume_size_in_gb": True}, "volume_size_in_gb (VolumeSizeInGB)", True),
    ({"lifecycle_config_name": "has space"}, "lifecycle_config_name (LifecycleConfigName)", "has space"),
    ({"tags": {"k": 1}}, "tags (Tags)", {"k": 1}),
    ({"poll_seconds": 0}, "poll_seconds", 0),
    ({"timeout_seconds": -1}, "timeout_seconds", -1),
])
def test_create_bad_input_names_field_and_sends_nothing(safemaker_local, profile, sent, kwargs, field, found):
    client, _ = sent
    args = {"name": "nb", **kwargs}
    name = args.pop("name")
    with pytest.raises(NotebookInputError) as info:
        create_closed_notebook_instance(name, profile=profile, sagemaker_client=client, progress=False, **args)
    assert info.value.field == field
    assert info.value.found == found
    assert str(info.value).startswith(f"{field} is {found!r}; expected ")
    assert isinstance(info.value, ValueError)
    assert safemaker_local.request_count("sagemaker") == 0


def test_create_duplicate_name_is_aws_error(safemaker_local, profile, sent):
    from botocore.exceptions import ClientError

    client, _ = sent
    create_closed_notebook_instance("dup", profile=profile, sagemaker_client=client, progress=False)
    with pytest.raises(ClientError) as info:
        create_closed_notebook_instance("dup", profile=profile, sagemaker_client=client, progress=False)
    assert info.value.response["Error"]["Code"] == "ValidationException"
    assert "duplicate" in info.value.response["Error"]["Message"]


# --------------------------------------------------------------------------- F14 through a guarded raw client


def _raw_request(**extra):
    req = {"NotebookInstanceName": "raw", "InstanceType": "ml.t3.medium", "RoleArn": ROLE}
    req.update(extra)
    return req


@pytest.mark.parametrize("extra", [{"DirectInternetAccess": "Enabled"},
                                   {"DirectInternetAccess": "Enabled", "SubnetId": "subnet-0aaaaaaaaaaaaaaaa"}])
def test_F14_DirectInternetAccess_Enabled_refused(safemaker_local, profile, sent, extra):
    client, bodies = sent
    hooks.install(client, profile)
    if "SubnetId" in extra:
        extra = {**extra, "SubnetId": profile.subnets[0]}
    with pytest.raises(GuardrailViolation) as info:
        client.create_notebook_instance(**_raw_request(**extra))
    assert str(info.value).startswith(
        "CreateNotebookInstance refused: DirectInternetAccess is 'Enabled'; the profile requires 'Disabled'.")
    assert "CreateNotebookInstance" not in bodies
    assert safemaker_local.request_count("sagemaker", "CreateNotebookInstance") == 0


def test_F14_DirectInternetAccess_omitted_refused_by_check(profile):
    from safemaker.guard import check

    violations = check("CreateNotebookInstance", _raw_request(), profile)
    by_path = {v.path: v for v in violations}
    assert by_path["DirectInternetAccess"].required == "Disabled"
    assert repr(by_path["DirectInternetAccess"].found) == "absent"


def test_F14_DirectInternetAccess_omitted_gets_Disabled_with_profile_subnet_and_groups(safemaker_local, profile,
                                                                                      sent):
    client, bodies = sent
    hooks.install(client, profile)
    client.create_notebook_instance(**_raw_request())
    body = bodies["CreateNotebookInstance"][0]
    assert body["DirectInternetAccess"] == "Disabled"
    assert body["SubnetId"] == profile.subnets[0]
    assert body["SecurityGroupIds"] == list(profile.security_group_ids)
    assert body["RootAccess"] == "Disabled"
    stored = client.describe_notebook_instance(NotebookInstanceName="raw")
    assert stored["DirectInternetAccess"] == "Disabled"


# --------------------------------------------------------------------------- waiting, failure, cleanup


@pytest.fixture
def failing_notebooks(monkeypatch):
    """moto's notebook instances go to Failed with a FailureReason (moto never fails them itself)."""
    cls = _moto_notebook_class()
    original = cls.to_dict

    def start(self):
        self.status = "Failed"

    def to_dict(self):
        d = original(self)
        if self.status == "Failed":
            d["FailureReason"] = "The subnet has no free IP addresses"
        return d

    monkeypatch.setattr(cls, "start", start)
    monkeypatch.setattr(cls, "to_dict", to_dict)


def test_create_Failed_says_what_exists_and_how_to_delete(safemaker_local, profile, sent, failing_notebooks):
    client, _ = sent
    with pytest.raises(NotebookInstanceError) as info:
        create_closed_notebook_instance("nb-fail", profile=profile, sagemaker_client=client, progress=False)
    exc = info.value
    assert exc.status == "Failed"
    assert str(exc) == (
        "Notebook instance 'nb-fail': is Failed while waiting for InService; FailureReason: The subnet has no free "
        "IP addresses It exists (status Failed) and is billed while InService. Delete it with "
        "`safemaker notebook delete nb-fail` or safemaker.notebook.delete_notebook_instance('nb-fail').")
    assert client.describe_notebook_instance(NotebookInstanceName="nb-fail")["NotebookInstanceStatus"] == "Failed"
    assert safemaker_local.request_count("sagemaker", "DeleteNotebookInstance") == 0


def test_create_Failed_with_cleanup_deletes_it(safemaker_local, profile, sent, failing_notebooks):
    client, bodies = sent
    with pytest.raises(NotebookInstanceError) as info:
        create_closed_notebook_instance("nb-fail", profile=profile, sagemaker_client=client, progress=False,
                                        cleanup_on_failure=True, poll_seconds=0.05)
    assert info.value.left_behind.endswith("It was deleted (cleanup_on_failure=True).")
    assert bodies["DeleteNotebookInstance"] == [{"NotebookInstanceName": "nb-fail"}]
    assert "StopNotebookInstance" not in bodies  # a Failed instance is deleted directly
    assert client.list_notebook_instances()["NotebookInstances"] == []


def test_create_timeout_reports_status_and_leaves_instance(safemaker_local, profile, sent, monkeypatch):
    cls = _moto_notebook_class()
    monkeypatch.setattr(cls, "start", lambda self: setattr(self, "status", "Pending"))
    client, _ = sent
    with pytest.raises(NotebookInstanceError) as info:
        create_closed_notebook_instance("nb-slow", profile=profile, sagemaker_client=client, progress=False,
                                        poll_seconds=0.05, timeout_seconds=0.3)
    assert info.value.status == "Pending"
    assert "still Pending after 0.3 s (timeout_seconds) waiting for InService" in str(info.value)
    assert "It exists (status Pending)" in str(info.value)
    assert safemaker_local.request_count("sagemaker", "DescribeNotebookInstance") >= 3


def test_create_no_wait_returns_first_description(safemaker_local, profile, sent, monkeypatch):
    cls = _moto_notebook_class()
    monkeypatch.setattr(cls, "start", lambda self: setattr(self, "status", "Pending"))
    client, _ = sent
    described = create_closed_notebook_instance("nb-nw", profile=profile, sagemaker_client=client, wait=False)
    assert described["NotebookInstanceStatus"] == "Pending"


def test_wait_for_missing_instance(safemaker_local, sent):
    client, _ = sent
    with pytest.raises(NotebookInstanceError) as info:
        wait_for_notebook_instance("nope", sagemaker_client=client, progress=False)
    assert str(info.value) == "Notebook instance 'nope': does not exist (waiting for InService)"
    assert wait_for_notebook_instance("nope", "Deleted", sagemaker_client=client, progress=False) == {}


def test_wait_progress_task_on_callers_progress(safemaker_local, profile, sent):
    from rich.console import Console
    from rich.progress import Progress

    client, _ = sent
    create_closed_notebook_instance("nb-p", profile=profile, sagemaker_client=client, wait=False)
    progress = Progress(console=Console(file=io.StringIO()))
    with progress:
        described = wait_for_notebook_instance("nb-p", sagemaker_client=client, progress=progress)
        assert progress.tasks == []  # the task is removed when the wait ends
    assert described["NotebookInstanceStatus"] == "InService"


# --------------------------------------------------------------------------- delete


def test_delete_stops_waits_deletes_and_waits_gone(safemaker_local, profile, sent):
    client, bodies = sent
    create_closed_notebook_instance("nb-del", profile=profile, sagemaker_client=client, progress=False)
    done = delete_notebook_instance("nb-del", sagemaker_client=client, poll_seconds=0.05, progress=False)
    assert done == ["StopNotebookInstance", "DeleteNotebookInstance"]
    assert bodies["StopNotebookInstance"] == [{"NotebookInstanceName": "nb-del"}]
    assert bodies["DeleteNotebookInstance"] == [{"NotebookInstanceName": "nb-del"}]
    assert client.list_notebook_instances()["NotebookInstances"] == []


def test_delete_missing(safemaker_local, sent):
    client, _ = sent
    with pytest.raises(NotebookInstanceError) as info:
        delete_notebook_instance("ghost", sagemaker_client=client, progress=False)
    assert str(info.value) == "Notebook instance 'ghost': does not exist; nothing to delete"
    assert delete_notebook_instance("ghost", sagemaker_client=client, progress=False, missing_ok=True) == []


def test_delete_timeout_while_stopping(safemaker_local, profile, sent, monkeypatch):
    cls = _moto_notebook_class()
    client, _ = sent
    create_closed_notebook_instance("nb-st", profile=profile, sagemaker_client=client, progress=False)
    monkeypatch.setattr(cls, "stop", lambda self: setattr(self, "status", "Stopping"))
    with pytest.raises(NotebookInstanceError) as info:
        delete_notebook_instance("nb-st", sagemaker_client=client, poll_seconds=0.05, timeout_seconds=0.3,
                                 progress=False)
    assert info.value.status == "Stopping"
    assert "still Stopping after 0.3 s (timeout_seconds) while deleting It still exists." in str(info.value)


# --------------------------------------------------------------------------- presigned URL


@pytest.mark.parametrize("value", [1799, 43201, 0, -1800, True, 1800.0, "1800", None])
def test_presigned_url_bounds_checked_before_call(safemaker_local, sent, value):
    client, _ = sent
    with pytest.raises(NotebookInputError) as info:
        presigned_notebook_url("nb", value, sagemaker_client=client)
    assert info.value.field == "session_expiration_seconds (SessionExpirationDurationInSeconds)"
    assert info.value.found == value
    assert str(info.value) == (
        f"session_expiration_seconds (SessionExpirationDurationInSeconds) is {value!r}; expected an integer from "
        "1800 to 43200 (30 minutes to 12 hours). Pass a whole number of seconds in that range, e.g. 1800.")
    assert safemaker_local.request_count("sagemaker") == 0


@pytest.mark.parametrize("value", [1800, 43200])
def test_presigned_url_returned(safemaker_local, profile, sent, value):
    client, bodies = sent
    create_closed_notebook_instance("IFSM-Notebook-Instance", profile=profile, sagemaker_client=client,
                                    progress=False)
    url = presigned_notebook_url("IFSM-Notebook-Instance", value, sagemaker_client=client)
    assert bodies["CreatePresignedNotebookInstanceUrl"] == [
        {"NotebookInstanceName": "IFSM-Notebook-Instance", "SessionExpirationDurationInSeconds": value}]
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("https", "IFSM-Notebook-Instance.notebook.us-east-1.sagemaker.aws")
    assert len(parse_qs(parts.query)["authToken"][0]) >= 32


def test_presigned_url_unknown_instance_refused_by_the_guard(safemaker_local, profile, sent):
    """The guard follows NotebookInstanceName to DescribeNotebookInstance: one that is not there cannot be
    shown closed, so the URL is not asked for (moto answers ValidationException RecordNotFound, as AWS)."""
    client, bodies = sent
    with pytest.raises(GuardrailViolation) as info:
        presigned_notebook_url("ghost", sagemaker_client=client, profile=profile)
    assert "DescribeNotebookInstance failed: ValidationException: RecordNotFound" in str(info.value)
    assert "CreatePresignedNotebookInstanceUrl" not in bodies
    assert safemaker_local.request_count("sagemaker", "CreatePresignedNotebookInstanceUrl") == 0


def _open_notebook(client, name):
    """A notebook instance created outside the guard with the API's defaults: DirectInternetAccess and
    RootAccess Enabled (botocore CreateNotebookInstance docs), no SubnetId."""
    client.create_notebook_instance(NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=ROLE)


def test_presigned_url_of_an_open_notebook_refused_with_an_unguarded_client(safemaker_local, profile, sent):
    """F03 (trial 9): a plain client gets the guard installed with the profile; the open notebook's
    DirectInternetAccess is refused before CreatePresignedNotebookInstanceUrl is sent."""
    client, bodies = sent
    _open_notebook(safemaker_local.session.client("sagemaker"), "open-nb")
    assert hooks.installed(client) is None
    with pytest.raises(GuardrailViolation) as info:
        presigned_notebook_url("open-nb", sagemaker_client=client, profile=profile)
    assert ("NotebookInstanceName -> DescribeNotebookInstance(NotebookInstanceName='open-nb').DirectInternetAccess "
            "is 'Enabled'; the profile requires 'Disabled'") in str(info.value)
    assert "CreatePresignedNotebookInstanceUrl" not in bodies
    assert safemaker_local.request_count("sagemaker", "CreatePresignedNotebookInstanceUrl") == 0
    assert hooks.installed(client) is not None  # as create_closed_notebook_instance: installed on the client


def test_presigned_url_from_a_session_is_guarded_too(safemaker_local, profile):
    _open_notebook(safemaker_local.session.client("sagemaker"), "open-nb2")
    with pytest.raises(GuardrailViolation):
        presigned_notebook_url("open-nb2", boto3_session=safemaker_local.session, profile=profile)
    assert safemaker_local.request_count("sagemaker", "CreatePresignedNotebookInstanceUrl") == 0


def test_presigned_url_without_guard_or_profile_is_refused(safemaker_local, sent, monkeypatch):
    from safemaker.errors import ProfileError

    monkeypatch.delenv("SAFEMAKER_PROFILE", raising=False)
    client, _ = sent
    _open_notebook(safemaker_local.session.client("sagemaker"), "open-nb3")
    with pytest.raises(ProfileError, match="expected a profile source"):
        presigned_notebook_url("open-nb3", sagemaker_client=client)
    assert safemaker_local.request_count("sagemaker", "CreatePresignedNotebookInstanceUrl") == 0


def test_presigned_url_token_never_in_logs(safemaker_local, profile, sent, caplog):
    client, _ = sent
    create_closed_notebook_instance("nb-log", profile=profile, sagemaker_client=client, progress=False)
    caplog.set_level(logging.DEBUG)  # every logger, botocore's wire logs included
    url = presigned_notebook_url("nb-log", sagemaker_client=client)
    token = parse_qs(urlsplit(url).query)["authToken"][0]
    assert token not in caplog.text
    # botocore did log the response body, with the token masked: the check above could fail.
    parser_records = [r.getMessage() for r in caplog.records if r.name == "botocore.parsers"]
    assert any("authToken=***" in m for m in parser_records)
    # The redacting filter stays on botocore's loggers (the guard installs it too): a later raw call is masked.
    from safemaker._redact import RedactingFilter

    assert any(isinstance(f, RedactingFilter) for f in logging.getLogger("botocore.parsers").filters)


@pytest.mark.parametrize("url, expected", [
    ("https://nb.notebook.us-east-1.sagemaker.aws?authToken=eyJhbGciOi.J9-x_y",
     "https://nb.notebook.us-east-1.sagemaker.aws?authToken=***"),
    # Studio's sign-in token is the `token` parameter (SageMaker Developer Guide, Studio through an interface VPC
    # endpoint: ".../auth?token=AuthToken"; trial 12 F01): masked as authToken is.
    ("https://d-abc.studio.us-east-1.sagemaker.aws/auth?token=x&authToken=abc&x=1",
     "https://d-abc.studio.us-east-1.sagemaker.aws/auth?token=***&authToken=***&x=1"),
    ("https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA%2F&X-Amz-Signature=deadbeef&X-Amz-Expires=60",
     "https://b.s3.amazonaws.com/k?X-Amz-Credential=***&X-Amz-Signature=***&X-Amz-Expires=60"),
    ('b\'{"AuthorizedUrl": "https://n.notebook.us-east-1.sagemaker.aws?authToken=T0K"}\'',
     'b\'{"AuthorizedUrl": "https://n.notebook.us-east-1.sagemaker.aws?authToken=***"}\''),
    ("https://nb.notebook.us-east-1.sagemaker.aws/lab", "https://nb.notebook.us-east-1.sagemaker.aws/lab"),
])
def test_redact_url(url, expected):
    assert redact_url(url) == expected


def test_redact_url_type():
    with pytest.raises(TypeError, match="redact_url\\(\\) takes a str, not bytes"):
        redact_url(b"https://x?authToken=y")


def test_guarded_raw_presigned_url_call_keeps_the_token_out_of_debug_logs(safemaker_local, caplog):
    """Not only presigned_notebook_url(): any guarded client's botocore DEBUG logs mask the token."""
    import logging

    import safemaker
    from safemaker.profile import VpcProfile

    session = safemaker_local.session
    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.0.0/24")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName="nb", Description="nb", VpcId=vpc)["GroupId"]
    profile = VpcProfile.from_mapping({"region": "us-east-1", "vpc_id": vpc, "subnets": [subnet],
                                       "security_group_ids": [sg],
                                       "execution_role_arn": "arn:aws:iam::123456789012:role/SageMakerExecRole"},
                                      env=False)
    safemaker.install(session, profile)
    sm = session.client("sagemaker")
    sm.create_notebook_instance(NotebookInstanceName="raw-nb", InstanceType="ml.t3.medium",
                                RoleArn="arn:aws:iam::123456789012:role/SageMakerExecRole")
    caplog.set_level(logging.DEBUG)
    url = sm.create_presigned_notebook_instance_url(NotebookInstanceName="raw-nb")["AuthorizedUrl"]
    token = url.split("authToken=", 1)[1]
    assert len(token) > 20
    assert "authToken=***" in caplog.text  # botocore logged the body, masked
    assert token not in caplog.text
