"""Bad input in an ``ssm:`` profile source, against the local backend (moto on 127.0.0.1).

- A malformed parameter name is refused before any request: the local backend
  receives nothing (``request_count``), and no client is created.
- A good name (plain, hierarchical, ``:version``, ``:label``, ARN) still reaches
  GetParameter, with exactly that ``Name``.
- A parameter value that repeats a key is refused like a file that does.
- A misspelt ``SAFEMAKER_*`` variable is refused for an SSM source too.
"""

from __future__ import annotations

import json
import os

import pytest

from safemaker.errors import ProfileError, ProfileFieldError
from safemaker.local import DEFAULT_ACCOUNT_ID

pytest.importorskip("moto.server")

from safemaker.profile import VpcProfile  # noqa: E402

ROLE = f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/SageMakerExecRole"
GOOD = {
    "region": "us-east-1",
    "vpc_id": "vpc-0dddddddddddddddd",
    "subnets": ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0cccccccccccccccc"],
    "security_group_ids": ["sg-0bbbbbbbbbbbbbbbb"],
    "execution_role_arn": ROLE,
}


@pytest.fixture(autouse=True)
def _no_safemaker_env(monkeypatch):
    for name in list(os.environ):
        if name.upper().startswith("SAFEMAKER_"):
            monkeypatch.delenv(name)


@pytest.fixture
def ssm(safemaker_session):
    """A real SSM client on the local backend that records every GetParameter Name sent."""
    client = safemaker_session.client("ssm")
    client.sent_names = []  # type: ignore[attr-defined]

    def record(params, **kwargs):
        client.sent_names.append(params["Name"])  # type: ignore[attr-defined]

    client.meta.events.register("before-parameter-build.ssm.GetParameter", record)
    return client


class CountingSession:
    """Wraps the local session, counting the clients made from it."""

    def __init__(self, session):
        self._session = session
        self.clients: list[str] = []

    def client(self, service, *args, **kwargs):
        self.clients.append(service)
        return self._session.client(service, *args, **kwargs)


def publish(ssm, name: str, document: str) -> None:
    ssm.put_parameter(Name=name, Type="SecureString", Value=document)


# ------------------------------------------------------------------ bad names: nothing sent


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "bad name!",
            "an SSM parameter name of only letters, digits and _ . - / (found ' ', '!'): "
            "fix the name or its quoting",
        ),
        (
            "safemaker/profile",
            "a hierarchical SSM parameter name that starts with '/' (fully qualified): "
            "'/safemaker/profile'",
        ),
        (
            "/aws/safemaker/profile",
            "an SSM parameter name that does not start with 'aws' or 'ssm' in any case "
            "('/aws/...' too): those prefixes are reserved by AWS, so no profile can be "
            "stored there; publish the profile under another name such as /safemaker/profile",
        ),
        (
            "/safemaker/profile:v:1",
            "at most one ':' selector after the name: <name>:<version> or <name>:<label>",
        ),
    ],
)
def test_bad_name_sends_no_request(safemaker_local, safemaker_session, name, expected):
    counting = CountingSession(safemaker_session)
    safemaker_local.reset_requests()
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.load(f"ssm:{name}", boto3_session=counting)
    assert exc_info.value.source == f"ssm:{name}"
    assert exc_info.value.errors == [ProfileFieldError("(source)", name, expected)]
    assert counting.clients == []
    assert safemaker_local.request_count("ssm") == 0
    assert safemaker_local.request_count() == 0


def test_bad_name_with_a_client_given_sends_no_request(safemaker_local, ssm):
    safemaker_local.reset_requests()
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.from_ssm("bad name!", ssm_client=ssm)
    assert [e.field for e in exc_info.value.errors] == ["(source)"]
    assert ssm.sent_names == []
    assert safemaker_local.request_count("ssm", "GetParameter") == 0


# ------------------------------------------------------------------ good names: sent as given


def test_good_name_is_sent_once_as_given(safemaker_local, safemaker_session, ssm):
    publish(ssm, "/safemaker/profile", json.dumps({"safemaker": GOOD}))
    counting = CountingSession(safemaker_session)
    safemaker_local.reset_requests()
    profile = VpcProfile.load("ssm:/safemaker/profile", boto3_session=counting)
    assert profile.subnets == tuple(GOOD["subnets"])
    assert counting.clients == ["ssm"]
    assert safemaker_local.request_count("ssm", "GetParameter") == 1
    assert safemaker_local.request_count() == 1


def test_version_label_and_arn_selectors(safemaker_local, ssm):
    name = "/safemaker/team-a/profile"
    publish(ssm, name, json.dumps(GOOD))
    ssm.put_parameter(
        Name=name, Type="SecureString", Overwrite=True,
        Value=json.dumps(dict(GOOD, subnets=["subnet-0cccccccccccccccc"])),
    )
    ssm.label_parameter_version(Name=name, ParameterVersion=1, Labels=["prod"])
    arn = f"arn:aws:ssm:us-east-1:{DEFAULT_ACCOUNT_ID}:parameter/safemaker/team-a/profile"
    safemaker_local.reset_requests()

    first = VpcProfile.load(f"ssm:{name}:1", ssm_client=ssm)
    labelled = VpcProfile.load(f"ssm:{name}:prod", ssm_client=ssm)
    latest = VpcProfile.load(f"ssm:{arn}", ssm_client=ssm)

    assert first.subnets == tuple(GOOD["subnets"])
    assert labelled.subnets == tuple(GOOD["subnets"])
    assert latest.subnets == ("subnet-0cccccccccccccccc",)
    assert ssm.sent_names == [f"{name}:1", f"{name}:prod", arn]
    assert safemaker_local.request_count("ssm", "GetParameter") == 3


def test_good_name_of_a_missing_parameter_is_sent_and_reported(safemaker_local, ssm):
    safemaker_local.reset_requests()
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.load("ssm:/safemaker/nothing-here", ssm_client=ssm)
    assert exc_info.value.errors[0].field == "(source)"
    assert str(exc_info.value.errors[0].found) == "ParameterNotFound"
    assert ssm.sent_names == ["/safemaker/nothing-here"]
    assert safemaker_local.request_count("ssm", "GetParameter") == 1


# --------------------------------------------------------------------------- the parameter's value


def test_parameter_value_with_a_repeated_key_is_refused(safemaker_local, ssm):
    document = json.dumps({"safemaker": GOOD})[:-2] + ', "subnets": ["subnet-0eeeeeeeeeeeeeeee"]}}'
    publish(ssm, "/safemaker/twice", document)
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.load("ssm:/safemaker/twice", ssm_client=ssm)
    assert exc_info.value.source == "ssm:/safemaker/twice"
    assert exc_info.value.errors == [
        ProfileFieldError(
            "safemaker.subnets",
            "the key 'subnets' 2 times in one object",
            "each key once per object (JSON keeps only the last value, silently): "
            "keep one 'subnets' entry, merging the values if both are needed",
        )
    ]


def test_misspelt_variable_with_an_ssm_source(safemaker_local, ssm, monkeypatch):
    publish(ssm, "/safemaker/profile", json.dumps(GOOD))
    monkeypatch.setenv("SAFEMAKER_SECURITY_GROUPS", "sg-0eeeeeeeeeeeeeeee")
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.load("ssm:/safemaker/profile", ssm_client=ssm)
    assert exc_info.value.source == "ssm:/safemaker/profile"
    assert exc_info.value.errors == [
        ProfileFieldError(
            "SAFEMAKER_SECURITY_GROUPS",
            "an environment variable that safemaker does not read (its value has no effect: "
            "the field 'security_group_ids' is not overridden)",
            "a variable name safemaker reads; did you mean SAFEMAKER_SECURITY_GROUP_IDS? "
            "Rename it, or unset it (unset SAFEMAKER_SECURITY_GROUPS)",
        )
    ]
