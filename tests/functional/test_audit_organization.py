"""Organization scope (safemaker.audit.organization) against the local backend with several accounts.

moto implements Organizations (``create_account``, ``ListAccounts``,
``CloseAccount``) and STS ``AssumeRole`` into another account: the assumed
role's access key belongs to that account, so what is created with it lives in
that account's backend. Every client here goes to 127.0.0.1 through
``AWS_ENDPOINT_URL``. A denied ``AssumeRole`` (moto never denies one) is
injected before it is sent, with botocore's ``before-call`` event.
"""

from __future__ import annotations

import boto3
import botocore.awsrequest
import botocore.credentials
import botocore.session
import pytest
from typer.testing import CliRunner

from safemaker import audit
from safemaker.audit.organization import partition_of, role_arn, run_organization
from safemaker.cli import app

from test_audit import IMG, ROLE  # noqa: F401  (profile: conftest)

MANAGEMENT = "123456789012"
ROLE_NAME = "OrganizationAccountAccessRole"


@pytest.fixture
def org_env(safemaker_local, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", safemaker_local.endpoint_url)
    return safemaker_local


@pytest.fixture
def session(org_env):
    return boto3.session.Session(region_name="us-east-1")


@pytest.fixture
def members(session):
    orgs = session.client("organizations")
    orgs.create_organization(FeatureSet="ALL")
    ids = []
    for i in range(3):
        status = orgs.create_account(Email=f"m{i}@example.com", AccountName=f"member-{i}")["CreateAccountStatus"]
        ids.append(status["AccountId"])
    return ids


def _assumed(session, account):
    creds = session.client("sts").assume_role(RoleArn=role_arn(account, ROLE_NAME), RoleSessionName="seed")[
        "Credentials"]
    return boto3.session.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                                 aws_session_token=creds["SessionToken"], region_name="us-east-1")


def _open_model(session, account, region, name):
    sm = _assumed(session, account).client("sagemaker", region_name=region)
    sm.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMG})
    return f"arn:aws:sagemaker:{region}:{account}:model/{name}"


def test_every_active_account_and_region_is_audited_with_the_account_on_each_finding(session, members, profile):
    seeded = {
        _open_model(session, members[0], "us-east-1", "a"): members[0],
        _open_model(session, members[1], "us-east-1", "b"): members[1],
        _open_model(session, members[1], "eu-west-1", "c"): members[1],
    }
    session.client("organizations").close_account(AccountId=members[2])  # SUSPENDED: not audited
    stats = audit.AuditStats()
    findings = list(run_organization(profile, accounts="all", role_name=ROLE_NAME, regions=["us-east-1", "eu-west-1"],
                                     boto3_session=session, resource_types=["model"], stats=stats))
    got = sorted((f.account, f.region, f.resource_arn, f.rule_id) for f in findings)
    expected = sorted((acct, arn.split(":")[3], arn, rule) for arn, acct in seeded.items()
                      for rule in ("SM-NET-ISOLATION", "SM-NET-VPC"))
    assert got == expected
    assert all(f.status == "FAIL" for f in findings)
    # management + 2 active members assumed, 2 regions each; the closed account never
    assert stats.calls["ListAccounts"] == 1
    assert stats.calls["AssumeRole"] == 3
    assert stats.calls["ListModels"] == 6


def test_a_role_that_cannot_be_assumed_is_an_unknown_naming_the_account_and_the_fix(session, members, profile):
    denied = members[1]

    class Denying:
        def __init__(self, s):
            self.s = s

        def client(self, *args, **kwargs):
            made = self.s.client(*args, **kwargs)

            def deny(params, **_):
                if denied in params["body"].get("RoleArn", ""):
                    response = botocore.awsrequest.AWSResponse("http://127.0.0.1/", 403, {}, None)
                    return response, {"Error": {"Code": "AccessDenied", "Message": "not authorized to assume"},
                                      "ResponseMetadata": {"HTTPStatusCode": 403}}
                return None

            made.meta.events.register("before-call.sts.AssumeRole", deny)
            return made

        def __getattr__(self, name):  # get_credentials(): the source credentials of AssumeRole
            return getattr(self.s, name)

    _open_model(session, members[0], "us-east-1", "a")
    findings = list(run_organization(profile, accounts=[members[0], denied], role_name=ROLE_NAME,
                                     boto3_session=Denying(session), resource_types=["model"]))
    unknown = [f for f in findings if f.status == "UNKNOWN"]
    assert len(unknown) == 1
    u = unknown[0]
    arn = f"arn:aws:iam::{denied}:role/{ROLE_NAME}"
    assert (u.account, u.resource_type, u.resource_arn, u.path) == (denied, "account", arn,
                                                                     f"AssumeRole(RoleArn='{arn}')")
    assert u.found == "AccessDenied: not authorized to assume"
    assert f"role {ROLE_NAME} could not be assumed in account {denied}" in u.fix
    assert sorted({f.account for f in findings if f.status == "FAIL"}) == [members[0]]


def test_assumed_role_credentials_are_botocores_refreshable_ones_and_are_assumed_again_near_expiry(
        session, members, profile, org_env):
    import datetime as dt

    from botocore.credentials import RefreshableCredentials

    sent = []

    class Recording:  # the AssumeRole parameters botocore sends, at first and at each refresh
        def client(self, *args, **kwargs):
            made = session.client(*args, **kwargs)
            made.meta.events.register("before-call.sts.AssumeRole", lambda params, **_: sent.append(params["body"]))
            return made

        def __getattr__(self, name):
            return getattr(session, name)

    sessions = {}
    stats = audit.AuditStats()
    list(run_organization(profile, accounts=[members[0]], role_name=ROLE_NAME, boto3_session=Recording(),
                          resource_types=["model"], stats=stats, external_id="ext-1", on_session=sessions.__setitem__))
    creds = sessions[members[0]].get_credentials()
    assert isinstance(creds, RefreshableCredentials) and creds.method == "assume-role"
    first = creds.get_frozen_credentials().access_key
    assert stats.calls["AssumeRole"] == 1
    org_env.reset_requests()
    # 50 minutes on: within botocore's 15-minute advisory window before the 1-hour Expiration, so the
    # credentials and botocore's fetcher cache both ask for new ones (botocore has no public clock to move)
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=50)
    now = creds._time_fetcher
    with pytest.MonkeyPatch.context() as clock:
        clock.setattr(botocore.credentials, "_local_now", lambda: later)
        clock.setattr(creds, "_time_fetcher", lambda: later)
        again = creds.get_frozen_credentials().access_key
    creds._time_fetcher = now
    assert stats.calls["AssumeRole"] == 2
    assert [(r.service, r.operation) for r in org_env.requests] == [("sts", "AssumeRole")]
    # STS API reference: AssumeRole RoleArn, RoleSessionName, ExternalId; the same request again
    wanted = {"Action": "AssumeRole", "Version": "2011-06-15", "RoleArn": role_arn(members[0], ROLE_NAME),
              "RoleSessionName": "safemaker-audit", "ExternalId": "ext-1"}
    assert sent == [wanted, wanted]
    assert again != first  # moto issues a new key for each AssumeRole
    # the refreshed credentials reach the member account (moto maps the key to it)
    model_arn = _open_model(session, members[0], "us-east-1", "after-refresh")
    listed = sessions[members[0]].client("sagemaker", region_name="us-east-1").list_models()["Models"]
    assert [m["ModelArn"] for m in listed] == [model_arn]


def test_all_regions_are_the_accounts_enabled_ones_that_have_sagemaker(session, members, profile, org_env):
    stats = audit.AuditStats()
    findings = list(run_organization(profile, accounts=[members[0]], role_name=ROLE_NAME, regions="all",
                                     boto3_session=session, resource_types=["model"], stats=stats))
    assert findings == []
    answer = _assumed(session, members[0]).client("ec2").describe_regions()["Regions"]
    # EC2 API reference: OptInStatus is opt-in-not-required | opted-in | not-opted-in (not enabled)
    enabled = {r["RegionName"] for r in answer if r.get("OptInStatus") != "not-opted-in"}
    assert len(enabled) < len(answer)  # moto lists the opt-in regions too: they are left out
    sagemaker = set(botocore.session.get_session().get_available_regions("sagemaker", partition_name="aws"))
    assert stats.calls["DescribeRegions"] == 1
    assert stats.calls["ListModels"] == len(enabled & sagemaker) > 10


def test_role_arn_partition_comes_from_botocore():
    assert partition_of("cn-north-1") == "aws-cn"
    assert role_arn("111122223333", "Audit", partition_of("us-gov-west-1")) == "arn:aws-us-gov:iam::111122223333:role/Audit"
    assert role_arn("111122223333", "/team/Audit") == "arn:aws:iam::111122223333:role/team/Audit"


@pytest.mark.parametrize("kwargs, field", [
    ({"accounts": ["12345"]}, "accounts[0]"),
    ({"accounts": ["all", "123456789012"]}, "accounts[0]"),
    ({"role_name": "bad name!"}, "role_name"),
    ({"max_parallel": 0}, "max_parallel"),
])
def test_bad_organization_input_is_refused_before_any_request(org_env, profile, kwargs, field):
    args = {"role_name": ROLE_NAME, **kwargs}
    with pytest.raises(audit.AuditInputError) as raised:
        run_organization(profile, **args)
    assert raised.value.field == field
    assert org_env.requests == ()


def test_cli_accounts_all_json_has_the_account_and_exits_3(session, members, profile, tmp_path):
    p = tmp_path / "profile.toml"
    p.write_text(f'region = "us-east-1"\nvpc_id = "vpc-0dddddddddddddddd"\nsubnets = {list(profile.subnets)!r}\n'
                 f'security_group_ids = {list(profile.security_group_ids)!r}\nexecution_role_arn = "{ROLE}"\n'
                 .replace("'", '"'))
    arn = _open_model(session, members[0], "us-east-1", "a")
    result = CliRunner().invoke(app, ["audit", "-p", str(p), "--accounts", "all", "--role-name", ROLE_NAME,
                                      "-t", "model", "--format", "json"])
    assert result.exit_code == 3, result.output
    import json

    rows = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert sorted((r["account"], r["resource_arn"], r["rule_id"]) for r in rows) == [
        (members[0], arn, "SM-NET-ISOLATION"), (members[0], arn, "SM-NET-VPC")]
    assert "calls" in result.stderr


@pytest.mark.parametrize("args, message", [
    (["--accounts", "all"], "error: --accounts needs --role-name"),
    (["--role-name", ROLE_NAME], "error: --role-name is given without --accounts"),
    (["--accounts", "12345", "--role-name", ROLE_NAME], "--accounts is '12345'"),
])
def test_cli_organization_flags_refused_with_exit_2_before_any_request(org_env, tmp_path, args, message):
    p = tmp_path / "profile.toml"
    p.write_text('region = "us-east-1"\nvpc_id = "vpc-0dddddddddddddddd"\nsubnets = ["subnet-0aaaaaaaaaaaaaaaa"]\n'
                 f'security_group_ids = ["sg-0bbbbbbbbbbbbbbbb"]\nexecution_role_arn = "{ROLE}"\n')
    result = CliRunner().invoke(app, ["audit", "-p", str(p), "--format", "json", *args])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.stderr.split())
    assert org_env.requests == ()


def test_assumed_sessions_share_one_data_loader(own_botocore_loaders):
    from safemaker.audit.organization import assumed_session

    creds = {"AccessKeyId": "AKIAAAAAAAAAAAAAAAAA", "SecretAccessKey": "x", "SessionToken": "t"}
    one, two = assumed_session(creds, "us-east-1"), assumed_session(dict(creds, AccessKeyId="AKIABBBBBBBBBBBBBBBB"),
                                                                     "eu-west-1")
    assert one._session.get_component("data_loader") is two._session.get_component("data_loader")
    assert one.get_credentials().access_key != two.get_credentials().access_key


def test_cli_text_table_has_an_account_column_for_several_accounts(session, members, profile, tmp_path):
    p = tmp_path / "profile.toml"
    p.write_text(f'region = "us-east-1"\nvpc_id = "vpc-0dddddddddddddddd"\nsubnets = ["subnet-0aaaaaaaaaaaaaaaa"]\n'
                 f'security_group_ids = ["sg-0bbbbbbbbbbbbbbbb"]\nexecution_role_arn = "{ROLE}"\n')
    _open_model(session, members[0], "us-east-1", "a")
    _open_model(session, members[1], "us-east-1", "b")
    result = CliRunner().invoke(app, ["audit", "-p", str(p), "--accounts", members[0], "--accounts", members[1],
                                      "--role-name", ROLE_NAME, "-t", "model"])
    assert result.exit_code == 3, result.output
    lines = result.stdout.splitlines()
    header = next(line for line in lines if "severity" in line and "rule" in line)
    assert "account" in header.split()
    assert sum(members[0] in line and ":model/a" in line for line in lines) == 2
    assert sum(members[1] in line and ":model/b" in line for line in lines) == 2
