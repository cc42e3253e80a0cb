"""A CLI command aimed at a local (loopback) endpoint without AWS credentials says how to fix it.

Field report (new-user trial): ``safemaker infra plan --endpoint-url http://127.0.0.1:PORT`` with no
credentials ended with ``NoCredentialsError ... Fix the cause and re-run; finished steps are not
repeated.``: no word that any credentials work for a local endpoint, and a resume promise that
makes no sense for ``plan``.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from safemaker.cli import app
from safemaker.cli._common import LOCAL_CREDENTIALS_HINT

runner = CliRunner()

HINT = ("hint: for a local endpoint any credentials work: export AWS_ACCESS_KEY_ID=testing "
        "AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true")


@pytest.fixture
def no_credentials(monkeypatch):
    """No credential anywhere; IMDS disabled so that the test itself never asks 169.254.169.254."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                 "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                 "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def test_hint_text_is_the_documented_one():
    assert f"hint: {LOCAL_CREDENTIALS_HINT}" == HINT


def test_infra_plan_local_endpoint_without_credentials_hints_and_does_not_promise_resume(
        safemaker_local, no_credentials):
    r = runner.invoke(app, ["infra", "plan", "--stack", "ifsm", "--endpoint-url", safemaker_local.endpoint_url])
    assert r.exit_code == 1, r.output
    lines = r.stderr.splitlines()
    assert HINT in lines
    error = next(line for line in lines if line.startswith("error:"))
    assert "NoCredentialsError: Unable to locate credentials" in error
    assert error == ("error: DescribeVpcs failed: NoCredentialsError: Unable to locate credentials. "
                     "Fix the cause and re-run.")
    assert "finished steps are not repeated" not in r.stderr
    assert safemaker_local.requests == ()  # unsigned: nothing reached the backend


def test_infra_plan_without_credentials_against_aws_gets_no_local_hint(no_credentials, monkeypatch):
    # No endpoint override: botocore fails on credentials before any connection is made.
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    r = runner.invoke(app, ["infra", "plan", "--stack", "ifsm", "--region", "us-east-1"])
    assert r.exit_code == 1, r.output
    assert "NoCredentialsError: Unable to locate credentials" in r.stderr
    assert "hint:" not in r.stderr


def test_infra_up_failing_before_any_change_hints_and_says_re_run(safemaker_local, no_credentials):
    # up reads the stack first (as plan does): nothing is finished yet, so no resume promise. A failure
    # after changes still says "finished steps are not repeated" (tests/functional/test_infra.py,
    # test_up_resumes_after_a_failure).
    r = runner.invoke(app, ["infra", "up", "--stack", "ifsm", "--endpoint-url", safemaker_local.endpoint_url])
    assert r.exit_code == 1, r.output
    lines = r.stderr.splitlines()
    assert ("error: DescribeVpcs failed: NoCredentialsError: Unable to locate credentials. "
            "Fix the cause and re-run.") in lines
    assert HINT in lines
    assert safemaker_local.requests == ()


def test_profile_discover_local_endpoint_without_credentials_hints(safemaker_local, no_credentials):
    # A command whose library call lets botocore's NoCredentialsError through (wrapped as a ProfileError
    # naming the class only): exit 2 as bad input, and the hint.
    r = runner.invoke(app, ["profile", "discover", "--vpc-id", "vpc-0dddddddddddddddd", "-s", "sg-0bbbbbbbbbbbbbbbb",
                            "--execution-role-arn", "arn:aws:iam::123456789012:role/R", "--region", "us-east-1",
                            "--endpoint-url", safemaker_local.endpoint_url])
    assert "DescribeVpcs failed (NoCredentialsError)" in r.stderr
    assert r.exit_code == 2
    assert HINT in r.stderr.splitlines()
