"""Endpoints where nothing listens: ``audit`` says so (exit 1), ``infra`` does not retry a refused loopback port.

Field trial: ``audit --endpoint-url http://127.0.0.1:<closed port>`` exited 3 with one UNKNOWN per type
telling the user to grant sagemaker:List*; ``infra plan`` retried a refused connection 8 times (72 s).
"""

from __future__ import annotations

import json
import socket

import boto3
import pytest
from typer.testing import CliRunner

from safemaker import audit as audit_mod
from safemaker.audit import fixes as audit_fixes
from safemaker.cli import app

# The audit CLI tests' profile (constants and the profile_file fixture).
from test_audit_cli import PROFILE_TOML, ROLE, SG, SUB_A, profile_file  # noqa: F401, F811


runner = CliRunner()


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def closed_url():
    return f"http://127.0.0.1:{_closed_port()}"


def _fix(operation: str, kind: str, region: str, url: str, loopback: bool = True) -> str:
    local = "; nothing answers on this loopback address: start `safemaker local serve` on that port" if loopback else ""
    return (f"{operation} failed, so no {kind} in {region} was checked; the endpoint {url}/ could not be reached "
            f"for {operation} (a connection failure, not a permission problem): check the network route and the "
            f"endpoint URL (--endpoint-url, AWS_ENDPOINT_URL*){local}; then audit again: it is not assumed compliant")


# --------------------------------------------------------------------------- audit: the CLI


@pytest.mark.parametrize("via", ["--endpoint-url", "AWS_ENDPOINT_URL"])
def test_audit_of_a_closed_port_exits_1_with_one_cannot_connect_line(profile_file, closed_url, monkeypatch, via):
    args = ["audit", "--vpc-profile", profile_file, "--format", "json", "-t", "notebook-instance", "-t", "model"]
    if via == "--endpoint-url":
        args += ["--endpoint-url", closed_url]
    else:
        monkeypatch.setenv("AWS_ENDPOINT_URL", closed_url)
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    # JSON lines stream in completion order (the types are listed at once: docs/audit.md), so compare as a set
    assert sorted((x["status"], x["path"], x["fix"]) for x in lines) == sorted([
        ("UNKNOWN", "ListNotebookInstances()",
         _fix("ListNotebookInstances", "notebook-instance", "us-east-1", closed_url)),
        ("UNKNOWN", "ListModels()", _fix("ListModels", "model", "us-east-1", closed_url)),
    ])
    assert all(x["found"] == f'EndpointConnectionError: Could not connect to the endpoint URL: "{closed_url}/"'
               for x in lines)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: cannot connect to {closed_url}: nothing was audited (2 List call(s) failed with a connection "
        "error, 0 resources checked); check the network route and the endpoint (--endpoint-url, "
        "AWS_ENDPOINT_URL*); for a loopback endpoint: is `safemaker local serve` running on that port?"]
    assert "grant sagemaker:" not in result.output


@pytest.fixture
def west_unreachable(safemaker_local, closed_url, monkeypatch):
    """The CLI's SageMaker clients: us-west-2 at the closed port, every other region at the local backend."""
    real_client = boto3.session.Session.client

    def client(self, service, *args, **kwargs):
        if service == "sagemaker":
            kwargs["endpoint_url"] = closed_url if kwargs.get("region_name") == "us-west-2" \
                else safemaker_local.endpoint_url
        return real_client(self, service, *args, **kwargs)

    monkeypatch.setattr(boto3.session.Session, "client", client)


def test_audit_keeps_exit_3_when_one_region_answers_with_findings(safemaker_local, safemaker_session, profile_file,
                                                                  closed_url, west_unreachable):
    """us-east-1 answers (an open notebook: a real finding); us-west-2 is a closed port: exit 3, not 1."""
    safemaker_session.client("sagemaker").create_notebook_instance(
        NotebookInstanceName="open", InstanceType="ml.t3.medium", RoleArn=ROLE, SubnetId=SUB_A,
        SecurityGroupIds=[SG], RootAccess="Disabled")
    result = runner.invoke(app, ["audit", "--vpc-profile", profile_file, "--format", "json", "-t", "notebook-instance",
                                 "-r", "us-east-1", "-r", "us-west-2"])
    assert result.exit_code == 3, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted((x["status"], x["region"], x["rule_id"]) for x in lines) == [
        ("FAIL", "us-east-1", "SM-NB-DIRECT-INTERNET"), ("UNKNOWN", "us-west-2", "SM-REFERENCE")]
    unknown = next(x for x in lines if x["status"] == "UNKNOWN")
    assert unknown["fix"] == _fix("ListNotebookInstances", "notebook-instance", "us-west-2", closed_url)
    assert "error: cannot connect" not in result.stderr
    assert "1 resource(s) checked: 1 finding(s), 1 unknown; 2 at or above --fail-on low" in result.stderr


def test_audit_keeps_exit_3_when_one_region_answers_empty(safemaker_local, profile_file, west_unreachable):
    """A region that lists nothing is not "nothing could be listed": the other region's UNKNOWN stays exit 3."""
    result = runner.invoke(app, ["audit", "--vpc-profile", profile_file, "--format", "json", "-t", "model",
                                 "-r", "us-east-1", "-r", "us-west-2"])
    assert result.exit_code == 3, result.output
    assert safemaker_local.request_count("sagemaker", "ListModels") == 1
    assert "error: cannot connect" not in result.stderr


# --------------------------------------------------------------------------- audit: the library


def test_run_reports_the_unreachable_loopback_endpoint(closed_url):
    import tomllib

    from safemaker.profile import VpcProfile

    client = boto3.session.Session(region_name="us-east-1").client("sagemaker", endpoint_url=closed_url)
    findings = list(audit_mod.run(VpcProfile(**tomllib.loads(PROFILE_TOML)), clients={"us-east-1": client},
                                  resource_types=["model"]))
    assert [(f.status, f.fix) for f in findings] == [("UNKNOWN", _fix("ListModels", "model", "us-east-1", closed_url))]
    assert audit_mod.connection_failure(findings[0]) == closed_url + "/"


def test_the_fix_for_a_non_loopback_endpoint_has_no_local_serve_hint():
    reason = 'EndpointConnectionError: Could not connect to the endpoint URL: "https://api.sagemaker.eu-west-1.amazonaws.com/"'
    assert audit_fixes._unknown_fix("ListModels", None, reason) == (
        "the endpoint https://api.sagemaker.eu-west-1.amazonaws.com/ could not be reached for ListModels (a "
        "connection failure, not a permission problem): check the network route and the endpoint URL "
        "(--endpoint-url, AWS_ENDPOINT_URL*); then audit again: it is not assumed compliant")


def test_connection_failure_is_none_for_other_unknowns_and_findings():
    base = dict(rule_id="SM-REFERENCE", severity=audit_mod.Severity.HIGH, resource_type="model",
                resource_arn="arn:aws:sagemaker:us-east-1:123456789012:model/*", resource_name="*",
                region="us-east-1", path="ListModels()", required="a successful describe",
                required_text="x", fix="x", fix_action="investigate")
    denied = audit_mod.Finding(status="UNKNOWN", found="AccessDeniedException: no", **base)
    timeout = audit_mod.Finding(status="UNKNOWN", found='ConnectTimeoutError: Connect timeout on endpoint URL: '
                                '"https://api.sagemaker.us-east-1.amazonaws.com/"', **base)
    assert audit_mod.connection_failure(denied) is None
    assert audit_mod.connection_failure(timeout) == "https://api.sagemaker.us-east-1.amazonaws.com/"


# --------------------------------------------------------------------------- infra: refused loopback not retried


class _Sleeps(list):
    """A RetryPolicy.sleep that records instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def _counted_client(service: str, endpoint_url: str | None, sends: list[str], attempts: int = 8):
    """A real botocore client (standard retry mode, ``attempts`` in all), counting every request it tries to send."""
    import botocore.config

    client = boto3.session.Session(region_name="us-east-1").client(
        service, endpoint_url=endpoint_url,
        config=botocore.config.Config(retries={"mode": "standard", "total_max_attempts": attempts}))
    client.meta.events.register("before-send", lambda request, **_: sends.append(request.url))
    return client


def test_plan_against_a_refused_loopback_port_fails_after_one_attempt(closed_url):
    from safemaker.network import infra

    sends: list[str] = []
    sleeps = _Sleeps()
    ec2 = _counted_client("ec2", closed_url, sends)
    iam = _counted_client("iam", closed_url, sends)
    with pytest.raises(infra.InfraError) as raised:
        infra.plan(infra.StackConfig(name="ifsm", region="us-east-1", aws_managed_policies=()), ec2_client=ec2,
                   iam_client=iam, retry=infra.RetryPolicy(sleep=sleeps))
    assert sends == [f"{closed_url}/"]  # one DescribeVpcs, never retried (by botocore: 8 attempts allowed)
    assert sleeps == []
    assert str(raised.value) == (
        f'DescribeVpcs failed: EndpointConnectionError: Could not connect to the endpoint URL: "{closed_url}/" '
        f"(connection refused on the loopback endpoint {closed_url}/: not retried, nothing listens there). "
        "Start the local backend (`safemaker local serve`, on that port) or fix --endpoint-url / "
        "AWS_ENDPOINT_URL, then re-run.")


def test_plan_against_a_refused_non_loopback_endpoint_keeps_retrying(closed_url, botocore_backoff):
    """A remote endpoint's connection error may heal (a route, a proxy coming up): retried as before. The refusal is
    raised by a before-send handler, so no request leaves the host."""
    from botocore.exceptions import EndpointConnectionError

    from safemaker.network import infra

    sends: list[str] = []
    sleeps = _Sleeps()
    ec2 = _counted_client("ec2", None, sends, attempts=4)

    def refuse(request, **_):
        raise EndpointConnectionError(endpoint_url="https://ec2.us-east-1.amazonaws.com/",
                                      error=ConnectionRefusedError(111, "Connection refused"))

    ec2.meta.events.register("before-send", refuse)
    iam = _counted_client("iam", closed_url, sends)
    with pytest.raises(infra.InfraError) as raised:
        infra.plan(infra.StackConfig(name="ifsm", region="us-east-1", aws_managed_policies=()), ec2_client=ec2,
                   iam_client=iam, retry=infra.RetryPolicy(sleep=sleeps))
    # botocore's retries (4 attempts, 3 backoffs), none of safemaker's own on top.
    assert sends == ["https://ec2.us-east-1.amazonaws.com/"] * 4
    assert len(botocore_backoff) == 3 and sleeps == []
    assert str(raised.value) == (
        'DescribeVpcs failed: EndpointConnectionError: Could not connect to the endpoint URL: '
        '"https://ec2.us-east-1.amazonaws.com/" (after 4 attempts). Fix the cause and re-run.')


def test_cli_infra_plan_against_a_closed_port_exits_1_after_one_request(closed_url, monkeypatch):
    sends: list[str] = []
    real_client = boto3.session.Session.client

    def client(self, service, *args, **kwargs):
        made = real_client(self, service, *args, **kwargs)
        made.meta.events.register(
            "before-send", lambda request, **_: sends.append((request.url, request.headers["amz-sdk-request"].decode())))
        return made

    monkeypatch.setattr(boto3.session.Session, "client", client)
    monkeypatch.setattr("safemaker.network.infra.RetryPolicy.sleep", staticmethod(lambda s: pytest.fail("slept")))
    result = runner.invoke(app, ["infra", "plan", "--region", "us-east-1", "--endpoint-url", closed_url])
    assert result.exit_code == 1, result.output
    # One safemaker attempt (one "attempt=1" request); botocore's own retries of the CLI's client come after it.
    first = [u for u, h in sends if h.startswith("attempt=1;")]
    assert first == [f"{closed_url}/"]
    assert {u for u, _ in sends} == {f"{closed_url}/"}
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        f'error: DescribeVpcs failed: EndpointConnectionError: Could not connect to the endpoint URL: "{closed_url}/" '
        f"(connection refused on the loopback endpoint {closed_url}/: not retried, nothing listens there). "
        "Start the local backend (`safemaker local serve`, on that port) or fix --endpoint-url / "
        "AWS_ENDPOINT_URL, then re-run."]


# --------------------------------------------------------------------------- infra up -o on a pseudo file system


@pytest.mark.skipif(not __import__("os").path.isdir("/proc/self"), reason="needs /proc (Linux)")
def test_infra_up_to_a_proc_path_exits_2_before_any_request(safemaker_local, monkeypatch):
    """Root "may write" /proc by its permission bits; creating a file there fails. Checked before any call."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", safemaker_local.endpoint_url)
    result = runner.invoke(app, ["infra", "up", "--stack", "ifsm", "--region", "us-east-1", "-o", "/proc/lab.toml"])
    assert result.exit_code == 2, result.output
    assert safemaker_local.requests == ()
    assert " ".join(result.stderr.split()) == (
        "error: Stack configuration is invalid (1 problem(s)): - --profile-out: found '/proc/lab.toml'; expected a "
        "file path in an existing, writable directory (found a directory where no file can be created: No such "
        "file or directory); create the directory or choose another path")


@pytest.mark.skipif(not __import__("os").path.isdir("/proc/self"), reason="needs /proc (Linux)")
def test_check_profile_path_probes_and_leaves_nothing(tmp_path):
    from safemaker.network import infra

    with pytest.raises(infra.StackConfigError) as raised:
        infra.check_profile_path("/proc/lab.toml")
    assert [(e.field, e.found) for e in raised.value.errors] == [("profile_path", "/proc/lab.toml")]
    infra.check_profile_path(tmp_path / "lab.toml")  # a real directory passes, and the probe file is removed
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- a call the local emulator lacks


def test_policy_simulate_on_the_local_backend_explains_the_http_500(safemaker_local, profile_file, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", safemaker_local.endpoint_url)
    result = runner.invoke(app, ["policy", "simulate", "-p", profile_file, "--action", "sagemaker:CreateModel"])
    assert result.exit_code == 1, result.output
    sent = [r for r in safemaker_local.requests if r.operation == "SimulateCustomPolicy"]
    assert sent and {r.status for r in sent} == {500}  # moto does not implement it (botocore retried the 500s)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: IAM SimulateCustomPolicy failed: 500 (HTTP 500: the service failed to answer, not a permission "
        "problem; a local emulator such as moto answers HTTP 500 for calls it does not implement, and moto lacks "
        "SimulateCustomPolicy: simulate against AWS IAM, or use `safemaker policy render` offline)"]
