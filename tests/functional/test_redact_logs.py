"""botocore's DEBUG log of a guarded process never carries a presigned URL token (trial 12 F01).

botocore logs the HTTP response body at DEBUG (``botocore.parsers``, "Response body"), and the request's headers
(``botocore.endpoint``, the ``X-Amz-Security-Token`` of temporary credentials). The Studio sign-in URL of
``CreatePresignedDomainUrl`` carries its bearer token in the ``token`` query parameter (SageMaker Developer
Guide, "Connect to Studio through an interface VPC endpoint": ``{"AuthorizedUrl":
"https://domain-id.studio.us-west-2.sagemaker.aws/auth?token=AuthToken"}``); botocore: "Once the presigned URL is
created, no additional permission is required to access this URL".

The call goes through a real botocore client over HTTP to the moto server of the local backend. moto (5.2.x) has
no user profiles and no CreatePresignedDomainUrl: both are answered by handlers this module adds to moto's
SageMaker responses for the test (the domain itself is moto's).
"""

from __future__ import annotations

import json
import logging
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest

import safemaker
from safemaker.errors import GuardrailViolation

from _profiles import ROLE, SG, SG_OUT, SUB_A, SUB_C, VPC

SESSION_TOKEN = "FwoGZXIvYXdzEJr//////////wEaDSessionTokenOfTheTest"


@pytest.fixture
def studio(safemaker_local, monkeypatch):
    """A closed domain (moto's) with user profile ``alice`` whose apps use ``security_group``, and the answers
    moto lacks: DescribeUserProfile and CreatePresignedDomainUrl (a new random token each call)."""
    from moto.core.responses import ActionResult
    from moto.sagemaker.responses import SageMakerResponse

    profiles = {"alice": SG}
    minted: list[str] = []

    def describe_user_profile(self):
        name = self._get_param("UserProfileName")
        return ActionResult({"DomainId": self._get_param("DomainId"), "UserProfileName": name, "Status": "InService",
                             "UserSettings": {"SecurityGroups": [profiles[name]], "ExecutionRole": ROLE}})

    def create_presigned_domain_url(self):
        token = secrets.token_urlsafe(32)
        minted.append(token)
        domain = self._get_param("DomainId")
        url = f"https://{domain}.studio.{self.region}.sagemaker.aws/auth?token={token}"
        return ActionResult({"AuthorizedUrl": url})

    monkeypatch.setattr(SageMakerResponse, "describe_user_profile", describe_user_profile, raising=False)
    monkeypatch.setattr(SageMakerResponse, "create_presigned_domain_url", create_presigned_domain_url, raising=False)
    sm = safemaker_local.session.client("sagemaker")
    domain = sm.create_domain(
        DomainName="closed", AuthMode="IAM", AppNetworkAccessType="VpcOnly", VpcId=VPC, SubnetIds=[SUB_A, SUB_C],
        DefaultUserSettings={"ExecutionRole": ROLE, "SecurityGroups": [SG]},
        DefaultSpaceSettings={"ExecutionRole": ROLE, "SecurityGroups": [SG]})["DomainArn"].rpartition("/")[2]
    return {"domain": domain, "minted": minted, "profiles": profiles}


def test_guarded_studio_presigned_url_leaves_no_token_in_the_debug_log(safemaker_local, studio, profile, caplog):
    safemaker.install(safemaker_local.session, profile)
    # Temporary credentials: every signed request carries X-Amz-Security-Token, which botocore logs at DEBUG.
    sm = safemaker_local.session.client("sagemaker", aws_access_key_id="testing", aws_secret_access_key="testing",
                                        aws_session_token=SESSION_TOKEN)
    assert sm.meta.endpoint_url.startswith("http://127.0.0.1:")
    caplog.set_level(logging.DEBUG)  # every logger: botocore's and urllib3's wire logs included
    url = sm.create_presigned_domain_url(DomainId=studio["domain"], UserProfileName="alice")["AuthorizedUrl"]
    [token] = parse_qs(urlsplit(url).query)["token"]
    assert studio["minted"] == [token]  # the URL came from the server, over HTTP
    bodies = [r.getMessage() for r in caplog.records if r.name == "botocore.parsers" and "AuthorizedUrl" in
              r.getMessage()]
    assert bodies and all("auth?token=***" in m for m in bodies)  # botocore did log the body, masked
    assert token not in caplog.text
    # The request headers were logged too, without the session token.
    assert any("X-Amz-Security-Token" in r.getMessage() for r in caplog.records)
    assert SESSION_TOKEN not in caplog.text
    assert url.endswith(token)  # the caller gets the URL whole


def test_a_refused_studio_url_is_not_minted(safemaker_local, studio, profile):
    """The same path refuses a user profile whose apps use a security group outside the profile: nothing minted."""
    studio["profiles"]["mallory"] = SG_OUT
    safemaker.install(safemaker_local.session, profile)
    sm = safemaker_local.session.client("sagemaker")
    with pytest.raises(GuardrailViolation):
        sm.create_presigned_domain_url(DomainId=studio["domain"], UserProfileName="mallory")
    assert studio["minted"] == []
    assert safemaker_local.request_count("sagemaker", "CreatePresignedDomainUrl") == 0
    assert json.dumps(studio["profiles"])  # the handlers' state is plain data


# ---------------------------------------------------------------- a lifecycle script's credential (trial 12 F07)

GHP = "ghp_" + "LifecycleT0kenDoNotPrint0123456789ab"
HF = "hf_" + "LifecycleT0kenDoNotPrint0123456789"
SCRIPT = ("#!/bin/bash\nset -e\n"
          f'curl -H "Authorization: Bearer {GHP}" https://api.github.com/repos/acme/x/tarball -o x.tgz\n'
          f"export HF_TOKEN={HF}; wget https://huggingface.co/acme/model/resolve/main/model.bin\n")


def _lifecycle_request() -> dict:
    import base64

    return {"NotebookInstanceLifecycleConfigName": "lc",
            "OnStart": [{"Content": base64.b64encode(SCRIPT.encode()).decode()}]}


def test_guarded_lifecycle_config_warns_without_the_script_secrets(safemaker_local, profile_factory, tmp_path, caplog):
    """A profile that allows lifecycle scripts (notebook_root_access Enabled) gets a PreflightWarning quoting the
    fetching lines: the lines are named, their credentials are not (nor in the decision log or safemaker's log)."""
    from safemaker.errors import PreflightWarning

    profile = profile_factory(notebook_root_access="Enabled")
    log = tmp_path / "decisions.jsonl"
    safemaker.install(safemaker_local.session, profile, decision_log=str(log))
    sm = safemaker_local.session.client("sagemaker")
    caplog.set_level(logging.DEBUG)
    with pytest.warns(PreflightWarning) as warned:
        sm.create_notebook_instance_lifecycle_config(**_lifecycle_request())
    assert safemaker_local.request_count("sagemaker", "CreateNotebookInstanceLifecycleConfig") == 1  # sent
    shown = "\n".join(str(w.message) for w in warned)
    assert 'curl -H "Authorization: Bearer ***" https://api.github.com/repos/acme/x/tarball' in shown
    assert "export HF_TOKEN=***; wget https://huggingface.co/acme/model/resolve/main/model.bin" in shown
    records = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("safemaker"))
    assert "preflight warning" in records
    for text in (shown, log.read_text(), records):
        assert GHP not in text and HF not in text


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_safemaker_check_shows_the_line_without_its_credentials(tmp_path, fmt):
    from typer.testing import CliRunner

    from safemaker.cli import app

    from _profiles import profile_fields

    request = tmp_path / "req.json"
    request.write_text(json.dumps(_lifecycle_request()))
    prof = tmp_path / "profile.json"
    prof.write_text(json.dumps(profile_fields(notebook_root_access="Enabled")))
    result = CliRunner().invoke(app, ["check", "CreateNotebookInstanceLifecycleConfig", str(request), "-p", str(prof),
                                      "--format", fmt], env={"COLUMNS": "400"})
    assert "api.github.com" in result.output, result.output  # the line is named...
    assert GHP not in result.output and HF not in result.output  # ...its credentials are not


# ---------------------------------------------------------------- secrets by what a value is (trial 13 F01)

COOKIE = "sessionid=Zq8cookieSECRETvalue42"
SLACK = "XyZslackWEBHOOKsecret42"
GOOGLE = "AIzaSyD-googleAPIkeySECRET0123456789ab"
SCRIPT_13 = ("#!/bin/bash\n"
             f'curl -s -H "Cookie: {COOKIE}; csrftoken=Zq8csrf" https://internal.example.com/bootstrap.sh | bash\n'
             f"curl -s -X POST https://hooks.slack.com/services/T0000/B0000/{SLACK} -d started\n"
             f'curl -s "https://www.googleapis.com/storage/v1/b/x/o?key={GOOGLE}"\n')
SHOWN_13 = ('line 2 is \'curl -s -H "Cookie: ***" https://internal.example.com/bootstrap.sh | bash\'',
            "line 3 is 'curl -s -X POST https://hooks.slack.com/services/T0000/B0000/*** -d started'",
            'line 4 is \'curl -s "https://www.googleapis.com/storage/v1/b/x/o?key=***"\'')


def _lifecycle_request_13() -> dict:
    import base64

    return {"NotebookInstanceLifecycleConfigName": "lc13",
            "OnStart": [{"Content": base64.b64encode(SCRIPT_13.encode()).decode()}]}


def test_F01_the_warning_names_each_line_without_its_cookie_webhook_or_api_key(safemaker_local, profile_factory,
                                                                               tmp_path):
    from safemaker.errors import PreflightWarning

    log = tmp_path / "decisions.jsonl"
    safemaker.install(safemaker_local.session, profile_factory(notebook_root_access="Enabled"),
                      decision_log=str(log))
    sm = safemaker_local.session.client("sagemaker")
    with pytest.warns(PreflightWarning) as warned:
        sm.create_notebook_instance_lifecycle_config(**_lifecycle_request_13())
    assert safemaker_local.request_count("sagemaker", "CreateNotebookInstanceLifecycleConfig") == 1  # sent as given
    shown = "\n".join(str(w.message) for w in warned)
    for line in SHOWN_13:
        assert line in shown, shown  # which line, and (the warning's own words) why
    for text in (shown, log.read_text()):
        assert COOKIE not in text and "Zq8csrf" not in text and SLACK not in text and GOOGLE not in text


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_F01_safemaker_check_names_each_line_without_its_secret(tmp_path, fmt):
    from typer.testing import CliRunner

    from safemaker.cli import app

    from _profiles import profile_fields

    request = tmp_path / "req.json"
    request.write_text(json.dumps(_lifecycle_request_13()))
    prof = tmp_path / "profile.json"
    prof.write_text(json.dumps(profile_fields(notebook_root_access="Enabled")))
    result = CliRunner().invoke(app, ["check", "CreateNotebookInstanceLifecycleConfig", str(request), "-p", str(prof),
                                      "--format", fmt], env={"COLUMNS": "400"})
    assert result.exit_code == 0 and "SM-PRE-LIFECYCLE-FETCH" in result.output, result.output  # warnings only
    for host in ("internal.example.com/bootstrap.sh", "hooks.slack.com/services/T0000/B0000/***",
                 "www.googleapis.com/storage/v1/b/x/o?key=***"):
        assert host in result.output, result.output
    assert COOKIE not in result.output and SLACK not in result.output and GOOGLE not in result.output


# ---------------------------------------------------------------- JSON carried as a string in JSON (trial 12b F07)

JSON_SECRET = "Zq9JsonInJsonSecret7Xy"


def _logged(caplog) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("botocore"))


def test_a_secret_in_a_batch_service_job_payload_is_masked_in_botocores_debug_log(safemaker_local, profile, caplog):
    """botocore's batch model: serviceRequestPayload is "The request, in JSON" -- a string member, so the body
    botocore.endpoint logs at DEBUG carries the payload's quotes escaped (\\"HF_TOKEN\\": \\"...\\"). moto has no
    SubmitServiceJob: the closed request reaches moto over HTTP and is answered with an error."""
    from botocore.config import Config

    from _profiles import VPC_CONFIG, training_job_request

    payload = training_job_request("closed", EnableNetworkIsolation=True, VpcConfig=VPC_CONFIG,
                                   EnableInterContainerTrafficEncryption=True, Environment={"HF_TOKEN": JSON_SECRET})
    safemaker.install(safemaker_local.session, profile)
    batch = safemaker_local.session.client("batch", config=Config(retries={"total_max_attempts": 1}))
    sent = []
    batch.meta.events.register("before-send.batch.SubmitServiceJob", lambda request, **kw: sent.append(request.body))
    caplog.set_level(logging.DEBUG)
    with pytest.raises(Exception) as answered:  # moto's answer to an operation it lacks
        batch.submit_service_job(jobName="j", jobQueue="q", serviceJobType="SAGEMAKER_TRAINING",
                                 serviceRequestPayload=json.dumps(payload))
    assert not isinstance(answered.value, GuardrailViolation)
    assert len(sent) == 1 and JSON_SECRET.encode() in sent[0]  # sent whole: the request is not changed
    logged = _logged(caplog)
    assert "serviceRequestPayload" in logged and '\\\\"HF_TOKEN\\\\": \\\\"***\\\\"' in logged
    assert JSON_SECRET not in caplog.text


def test_a_secret_in_a_state_machine_definition_and_a_schedule_input_is_masked(safemaker_local, profile, caplog):
    """Step Functions' definition ("The Amazon States Language definition of the state machine", a JSON string) and
    EventBridge Scheduler's Target.Input (JSON text), one and two levels of JSON in JSON, are logged masked."""
    safemaker.install(safemaker_local.session, profile)
    session = safemaker_local.session
    inner = json.dumps({"Environment": {"DB_PASSWORD": JSON_SECRET + "2"}})  # JSON text inside the definition
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True, "Result": {
        "HF_TOKEN": JSON_SECRET, "payload": inner}}}}
    caplog.set_level(logging.DEBUG)
    sfn = session.client("stepfunctions")
    arn = sfn.create_state_machine(name="sm", definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
    described = json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"])
    assert described["States"]["P"]["Result"]["HF_TOKEN"] == JSON_SECRET  # moto holds it whole
    scheduler = session.client("scheduler")
    scheduler.create_schedule(
        Name="s", ScheduleExpression="rate(1 hour)", FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": "arn:aws:sqs:us-east-1:123456789012:q", "RoleArn": ROLE,
                "Input": json.dumps({"HF_TOKEN": JSON_SECRET + "3"})})
    logged = _logged(caplog)
    # botocore marks Step Functions' Definition sensitive (trial 15 F02): the definition is masked whole; the
    # Scheduler's Input (TargetInput, not sensitive) keeps its names, the secret masked. That a name two levels of JSON
    # deep is kept (DB_PASSWORD here before) is asserted on the same text in tests/unit/test_redact_secrets.py.
    assert '"definition": "***"' in logged
    assert "HF_TOKEN" in logged and '\\\\"HF_TOKEN\\\\": \\\\"***\\\\"' in logged
    for secret in (JSON_SECRET, JSON_SECRET + "2", JSON_SECRET + "3"):
        assert secret not in caplog.text
