"""``safemaker notebook create|url|proxy-command|delete`` against the local backend.

The CLI builds plain ``boto3.Session`` clients; ``AWS_ENDPOINT_URL`` points
them at the moto server on 127.0.0.1 (the test conftest blocks anything else).
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from typer.testing import CliRunner

from safemaker.cli import app

runner = CliRunner()


@pytest.fixture
def env(safemaker_local, safemaker_session, safemaker_local_network, tmp_path, monkeypatch):
    """A profile file of a real (moto) VPC, and every boto3 client pointed at the local backend."""
    profile = safemaker_local_network
    path = profile.dump(tmp_path / "profile.toml")
    monkeypatch.setenv("AWS_ENDPOINT_URL", safemaker_local.endpoint_url)
    return {"profile": profile, "path": str(path), "backend": safemaker_local,
            "sm": safemaker_session.client("sagemaker")}


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_cli_notebook_create_prints_description(env):
    r = invoke("notebook", "create", "IFSM-Notebook-Instance", "-p", env["path"], "--poll-seconds", "0.05")
    assert r.exit_code == 0, r.stderr
    shown = json.loads(r.stdout)
    p = env["profile"]
    assert shown["NotebookInstanceName"] == "IFSM-Notebook-Instance"
    assert shown["NotebookInstanceStatus"] == "InService"
    assert shown["DirectInternetAccess"] == "Disabled"
    assert shown["RootAccess"] == "Disabled"
    assert shown["SubnetId"] == p.subnets[0]
    assert shown["SecurityGroups"] == list(p.security_group_ids)
    assert shown["InstanceType"] == "ml.t3.medium"
    assert "is InService: DirectInternetAccess=Disabled" in r.stderr
    assert env["backend"].request_count("sagemaker", "CreateNotebookInstance") == 1


def test_cli_notebook_create_subnet_outside_profile_exit_2_nothing_sent(env):
    r = invoke("notebook", "create", "nb", "-p", env["path"], "--subnet-id", "subnet-0eeeeeeeeeeeeeeee")
    assert r.exit_code == 2
    # named as typed (docs/cli.md: the option, the value found, what is expected), not the API field
    p = env["profile"]
    assert ("--subnet-id is 'subnet-0eeeeeeeeeeeeeeee'; expected one of the profile's subnets "
            f"{list(p.subnets)}") in " ".join(r.stderr.split())
    assert "leave it out for the first" in " ".join(r.stderr.split())
    assert "SubnetId" not in r.stderr and "omit it in a closed session" not in r.stderr
    assert env["backend"].request_count("sagemaker", "CreateNotebookInstance") == 0


def test_cli_notebook_create_bad_volume_exit_2(env):
    r = invoke("notebook", "create", "nb", "-p", env["path"], "--volume-size-in-gb", "2")
    assert r.exit_code == 2
    assert "--volume-size-in-gb (VolumeSizeInGB) is 2; expected an integer from 5 to 16384" in r.stderr
    assert env["backend"].request_count("sagemaker") == 0


def test_cli_notebook_create_without_profile_exit_2(env, monkeypatch):
    monkeypatch.delenv("SAFEMAKER_PROFILE", raising=False)
    r = invoke("notebook", "create", "nb")
    assert r.exit_code == 2
    assert "Profile (none given) is invalid (1 problem(s))" in r.stderr
    assert "--vpc-profile/-p" in r.stderr
    assert env["backend"].request_count("sagemaker") == 0


def test_cli_notebook_url_hidden_by_default_shown_with_show(env):
    assert invoke("notebook", "create", "nb", "-p", env["path"]).exit_code == 0
    hidden = invoke("notebook", "url", "nb", "-p", env["path"])
    assert hidden.exit_code == 0
    # docs/cli.md: data on stdout -- the URL, its token redacted; the note on stderr
    assert hidden.stdout == "https://nb.notebook.us-east-1.sagemaker.aws?authToken=***\n"
    assert "token hidden" in hidden.stderr and "--show" in hidden.stderr
    shown = invoke("notebook", "url", "nb", "-p", env["path"], "--show", "--session-expiration-seconds", "43200")
    assert shown.exit_code == 0
    url = shown.stdout.strip()
    assert shown.stdout == url + "\n"
    token = parse_qs(urlsplit(url).query)["authToken"][0]
    assert url == f"https://nb.notebook.us-east-1.sagemaker.aws?authToken={token}"
    assert token not in shown.stderr
    again = invoke("notebook", "url", "nb", "-p", env["path"])
    assert again.exit_code == 0 and "authToken=***" in again.stdout
    token = parse_qs(urlsplit(invoke("notebook", "url", "nb", "-p", env["path"], "--show").stdout.strip()).query)
    assert token["authToken"][0] not in again.stdout + again.stderr  # never the token without --show


def test_cli_notebook_url_json_redacts_the_token_unless_show(env):
    """``notebook url -f json`` (#18): the token only with --show; the shown URL is the one SageMaker signed."""
    assert invoke("notebook", "create", "nb", "-p", env["path"]).exit_code == 0
    hidden = invoke("notebook", "url", "nb", "-p", env["path"], "-f", "json")
    assert hidden.exit_code == 0, hidden.output
    doc = json.loads(hidden.stdout)
    assert doc == {"NotebookInstanceName": "nb",
                   "AuthorizedUrl": "https://nb.notebook.us-east-1.sagemaker.aws?authToken=***",
                   "TokenShown": False, "SessionExpirationDurationInSeconds": 1800}
    shown = invoke("notebook", "url", "nb", "-p", env["path"], "--show", "--format", "json")
    assert shown.exit_code == 0, shown.output
    doc = json.loads(shown.stdout)
    token = parse_qs(urlsplit(doc["AuthorizedUrl"]).query)["authToken"][0]
    assert token != "***" and doc["TokenShown"] is True
    assert token not in shown.stderr


@pytest.mark.parametrize("value", ["1799", "43201"])
def test_cli_notebook_url_bounds_exit_2_nothing_sent(env, value):
    r = invoke("notebook", "url", "nb", "-p", env["path"], "--session-expiration-seconds", value)
    assert r.exit_code == 2
    assert (f"--session-expiration-seconds (SessionExpirationDurationInSeconds) is {value}; expected an integer "
            "from 1800 to 43200") in r.stderr
    assert env["backend"].request_count("sagemaker") == 0


def test_cli_notebook_url_without_profile_exit_2_nothing_sent(env, monkeypatch):
    """The guard decides every request of `notebook url` and needs a profile: --region alone is not enough."""
    monkeypatch.delenv("SAFEMAKER_PROFILE", raising=False)
    assert invoke("notebook", "create", "nb", "-p", env["path"]).exit_code == 0
    r = invoke("notebook", "url", "nb", "--region", "us-east-1", "--show")
    assert r.exit_code == 2
    assert "Profile (none given) is invalid" in r.stderr and "--vpc-profile/-p" in r.stderr
    assert r.stdout == ""
    assert env["backend"].request_count("sagemaker", "CreatePresignedNotebookInstanceUrl") == 0


def test_cli_notebook_url_of_an_open_notebook_exit_2_nothing_sent(env):
    """F03 (trial 9): a notebook instance created outside the guard with the API defaults (DirectInternetAccess
    Enabled, no SubnetId) gets no URL; docs/notebooks.md: exit 2 for a request the guard refuses."""
    env["sm"].create_notebook_instance(NotebookInstanceName="open-nb", InstanceType="ml.t3.medium",
                                       RoleArn="arn:aws:iam::123456789012:role/SageMakerExecRole")
    for extra in ([], ["--show"], ["--show", "-f", "json"]):
        r = invoke("notebook", "url", "open-nb", "-p", env["path"], *extra)
        assert r.exit_code == 2, r.output
        assert "DirectInternetAccess is 'Enabled'; the profile requires 'Disabled'" in " ".join(r.stderr.split())
        assert r.stdout == "" and "authToken" not in r.stderr
    assert env["backend"].request_count("sagemaker", "CreatePresignedNotebookInstanceUrl") == 0


def test_cli_notebook_delete_goes_through_the_guard(env, monkeypatch):
    """Every request of the notebook commands is decided by the guard (its decision log records it)."""
    assert invoke("notebook", "create", "nb-del", "-p", env["path"], "--poll-seconds", "0.05").exit_code == 0
    from safemaker import hooks

    seen = []
    real = hooks.install

    def spy(target, profile, *args, **kwargs):
        guard = real(target, profile, *args, **kwargs)
        seen.append((target.meta.service_model.service_name, profile.vpc_id))
        return guard

    monkeypatch.setattr(hooks, "install", spy)
    r = invoke("notebook", "delete", "nb-del", "-p", env["path"], "--poll-seconds", "0.05")
    assert r.exit_code == 0, r.output
    assert seen == [("sagemaker", env["profile"].vpc_id)]


def test_cli_notebook_proxy_command_prints_filled_commands():
    r = invoke("notebook", "proxy-command", "--instance-id", "i-0123456789abcdef0", "--private-key",
               "~/.ssh/ifsm.pem", "--private-ip", "10.0.1.23", "--local-port", "8889")
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert lines[2] == ("ssh -o ProxyCommand=\"sh -c 'aws ssm start-session --target i-0123456789abcdef0 "
                        "--document-name AWS-StartSSHSession'\" -i ~/.ssh/ifsm.pem -D 8889 ec2-user@10.0.1.23")
    assert lines[5] == (r"/Applications/Google\ Chrome.app/Contents/MacOS/Google\ Chrome "
                        '--proxy-server="socks5://localhost:8889" '
                        '--host-resolver-rules="MAP * ~NOTFOUND , EXCLUDE localhost"')


def test_cli_notebook_proxy_command_bad_instance_exit_2():
    r = invoke("notebook", "proxy-command", "--instance-id", "web-server", "--private-key", "k.pem",
               "--private-ip", "10.0.1.23")
    assert r.exit_code == 2
    assert "--instance-id is 'web-server'; expected an EC2 instance ID" in r.stderr
    assert r.stdout == ""


def test_cli_notebook_delete(env):
    assert invoke("notebook", "create", "nb", "-p", env["path"]).exit_code == 0
    r = invoke("notebook", "delete", "nb", "-p", env["path"], "--poll-seconds", "0.05")
    assert r.exit_code == 0
    assert json.loads(r.stdout) == {"NotebookInstanceName": "nb",
                                    "Sent": ["StopNotebookInstance", "DeleteNotebookInstance"], "Gone": True}
    assert env["sm"].list_notebook_instances()["NotebookInstances"] == []
    again = invoke("notebook", "delete", "nb", "-p", env["path"])
    assert again.exit_code == 2  # an unknown name is bad input, as for `notebook url`
    assert ("Notebook instance 'nb': does not exist; nothing to delete: check the name and --region, or pass "
            "--missing-ok to succeed when it is already gone") in " ".join(again.stderr.split())
    ok = invoke("notebook", "delete", "nb", "-p", env["path"], "--missing-ok")
    assert ok.exit_code == 0
    assert json.loads(ok.stdout)["Sent"] == []


def test_cli_notebook_help_lists_commands():
    r = invoke("notebook", "--help")
    assert r.exit_code == 0
    for command in ("create", "url", "proxy-command", "delete"):
        assert re.search(rf"│ {command}\s", r.stdout), command


def test_cli_notebook_url_unknown_name_exit_2_with_hint(env):
    r = invoke("notebook", "url", "ghost-nb", "-p", env["path"])
    assert r.exit_code == 2
    # the guard follows the name to DescribeNotebookInstance before anything is asked for
    text = " ".join(r.stderr.split())
    assert "DescribeNotebookInstance failed: ValidationException: RecordNotFound" in text
    assert "make sure it exists" in text
    assert env["backend"].request_count("sagemaker", "CreatePresignedNotebookInstanceUrl") == 0


def test_cli_notebook_create_existing_name_says_what_to_do(env):
    assert invoke("notebook", "create", "dup-nb", "-p", env["path"], "--poll-seconds", "0.05").exit_code == 0
    r = invoke("notebook", "create", "dup-nb", "-p", env["path"], "--poll-seconds", "0.05")
    assert r.exit_code == 2, r.stderr
    assert "CreateNotebookInstance failed: ValidationException: Cannot create a duplicate Notebook Instance" in r.stderr
    assert "Choose another name, or remove the existing one with 'safemaker notebook delete dup-nb'" in r.stderr
    assert env["backend"].request_count("sagemaker", "CreateNotebookInstance") == 2
