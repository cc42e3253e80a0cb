"""``safemaker doctor`` on the local backend: output, exit codes 0 / 3 / 2 / 1."""

from __future__ import annotations

import dataclasses
import json

import pytest
from typer.testing import CliRunner

from safemaker.cli import app
from safemaker.network import infra
from safemaker.network.infra import RetryPolicy, StackConfig

runner = CliRunner()
FAST = RetryPolicy(base_delay=0, wait_delay=0, sleep=lambda seconds: None)


@pytest.fixture
def built(safemaker_local, safemaker_local_pool, tmp_path):
    """``infra up``'s result with its profile written to the test's ``tmp_path`` (as ``up`` writes it:
    ``VpcProfile.dump``): the network built once per test process, then moto's state of that moment restored for
    each test (the pytest plugin's pool)."""
    session = safemaker_local.session
    ec2 = session.client("ec2")
    result = safemaker_local_pool.state(safemaker_local, ("test_doctor_cli.built", "us-east-1"), lambda: infra.up(
        StackConfig(name="ifsm", region="us-east-1", aws_managed_policies=()), ec2_client=ec2,
        iam_client=session.client("iam"), retry=FAST))
    return dataclasses.replace(result, profile_path=result.profile.dump(tmp_path / "ifsm.toml")), ec2, safemaker_local


def doctor(backend, profile_path, *args):
    return runner.invoke(app, ["doctor", "--vpc-profile", str(profile_path), "--endpoint-url", backend.endpoint_url,
                               *args])


def test_clean_network_exits_0(built):
    result, _, backend = built
    r = doctor(backend, result.profile_path, "--format", "json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["status"] == "ok" and report["counts"]["problem"] == 0
    assert report["features"] == ["notebook", "training", "hosting"]
    assert r.stderr.startswith(
        f"note: talking to a local endpoint ({backend.endpoint_url}): results are emulated, not from AWS\n"
        f"{report['counts']['ok']} ok, 0 problem(s), 0 unknown\nskipped: role.eni-permissions")


def test_problem_exits_3_with_the_line_and_its_fix(built):
    result, ec2, backend = built
    ec2.delete_vpc_endpoints(VpcEndpointIds=[result.resources["endpoint:logs"]])
    r = doctor(backend, result.profile_path, "--format", "json", "--feature", "training")
    assert r.exit_code == 3, r.output
    problem = next(c for c in json.loads(r.stdout)["checks"] if c["status"] == "problem")
    assert (problem["id"], problem["subject"]) == ("endpoint.present", "com.amazonaws.us-east-1.logs")
    assert problem["fix"].startswith("aws ec2 create-vpc-endpoint --vpc-id ")


def test_table_output_has_one_row_per_check(built, monkeypatch):
    from safemaker.cli import _common

    result, _, backend = built
    monkeypatch.setattr(_common.out, "_width", 400)
    r = doctor(backend, result.profile_path, "--feature", "studio")
    assert r.exit_code == 3
    row = next(line for line in r.stdout.splitlines() if "aws.sagemaker.us-east-1.studio" in line)
    assert "problem" in row and "endpoint.present" in row and "aws ec2 create-vpc-endpoint" in row


@pytest.mark.parametrize("args,needle", [
    (["--feature", "notebok"], "--feature has 'notebok', which is not a feature"),
    (["--format", "xml"], "--format is 'xml'; expected one of text, json"),
])
def test_bad_input_exits_2(built, args, needle):
    result, _, backend = built
    r = doctor(backend, result.profile_path, *args)
    assert r.exit_code == 2
    assert needle in r.stderr


def test_missing_profile_exits_2(safemaker_local, tmp_path):
    r = doctor(safemaker_local, tmp_path / "none.toml")
    assert r.exit_code == 2
    assert "none.toml" in r.stderr


def test_strict_refuses_an_open_subnet_with_exit_2(built):
    result, ec2, backend = built
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.create_route(RouteTableId=result.resources["route-table"], DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    assert doctor(backend, result.profile_path).exit_code == 3
    r = doctor(backend, result.profile_path, "--strict")
    assert r.exit_code == 2
    assert "subnets.0" in r.stderr and f"internet gateway {igw}" in r.stderr


def test_unreachable_ec2_is_unknown_exit_1(built, monkeypatch):
    result, _, _ = built
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    r = runner.invoke(app, ["doctor", "--vpc-profile", str(result.profile_path), "--endpoint-url", "http://127.0.0.1:9",
                            "--format", "json"])
    assert r.exit_code == 1
    (check,) = json.loads(r.stdout)["checks"]
    assert (check["id"], check["status"]) == ("vpc.exists", "unknown")
    assert check["detail"] == "DescribeVpcs failed (EndpointConnectionError): nothing could be checked"


def test_check_role_where_iam_cannot_answer_is_unknown_exit_1(built, monkeypatch):
    # moto 5.2 answers SimulatePrincipalPolicy with HTTP 500: the role check is unknown, never ok.
    result, _, backend = built
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    r = doctor(backend, result.profile_path, "--check-role", "--format", "json")
    assert r.exit_code == 1
    (role,) = [c for c in json.loads(r.stdout)["checks"] if c["id"] == "role.eni-permissions"]
    assert (role["status"], role["detail"]) == ("unknown", "SimulatePrincipalPolicy failed (500)")
