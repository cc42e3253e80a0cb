"""CLI rough edges found by a new-user trial, on the local backend (moto on 127.0.0.1, real HTTP).

1. Messages name the command's flags (``--timeout-seconds``), not the library's Python
   parameters (``timeout_seconds``); bad input exits 2.
2. ``infra down`` / ``infra plan --down`` of a stack that nothing in the region is tagged with
   is bad input (exit 2) and names the stacks that exist there; ``--missing-ok`` accepts it.
3. Tables printed off a terminal (a pipe, CI logs, CliRunner) lose no text: no "…".
4. A command that talks to a local endpoint says so, once, on stderr (stdout stays valid JSON/SARIF).
"""

from __future__ import annotations

import json
import re

import boto3
import pytest
from botocore.stub import Stubber
from typer.testing import CliRunner

from safemaker.cli import app
from safemaker.cli import policy as policy_cli
from safemaker.network import infra as _infra_lib
from safemaker.network.infra import MUTATING_PREFIXES

# The audit CLI tests' profile (constants and the profile_file fixture).
from test_audit_cli import PROFILE_TOML, ROLE, SG, SUB_A, profile_file  # noqa: F401, F811

runner = CliRunner()

LONG_NAME = "closed-network-notebook-for-the-fraud-detection-team-2025-q3-a1"  # 63 characters, the maximum
LONG_ARN = f"arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/{LONG_NAME.lower()}"
PYTHON_NAMES = ("resource_types", "regions", "max_workers", "timeout_seconds", "poll_seconds", "instance_type",
                "subnet_id", "lifecycle_config_name", "volume_size_in_gb", "session_expiration_seconds",
                "instance_id", "private_key_path", "private_ip", "local_port", "ssh_user", "cidr_block",
                "profile_path", "volume_kms_key_id", "output_kms_key_id", "default_bucket", "name")
PYTHON_NAME_RE = re.compile(r"(?<![\w-])(" + "|".join(PYTHON_NAMES[:-1]) + r")(?!\w)|(?<![\w-])name \(")
"""A library parameter as a word of its own (``--timeout-seconds`` and ``--lifecycle-config-name (`` are not)."""


def note(url: str) -> str:
    return f"note: talking to a local endpoint ({url}): results are emulated, not from AWS"


def invoke(*args: str):
    return runner.invoke(app, list(args))


def mutating(backend):
    return [r.operation for r in backend.requests if r.operation and r.operation.startswith(MUTATING_PREFIXES)]


@pytest.fixture
def local(safemaker_local, monkeypatch):
    """Every boto3 client of the CLI pointed at the local backend through AWS_ENDPOINT_URL."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", safemaker_local.endpoint_url)
    monkeypatch.delenv("SAFEMAKER_ENDPOINT_URL", raising=False)
    return safemaker_local


@pytest.fixture
def no_columns(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)


def assert_no_python_name(text: str) -> None:
    assert PYTHON_NAME_RE.findall(text) == []


# =========================================================================== 1. flags, not Python names


@pytest.mark.parametrize(("args", "message"), [
    (["--resource-type", "bogus"], "--resource-type is 'bogus'; expected one of notebook-instance, domain, "),
    (["--type", "bogus"], "--resource-type is 'bogus'; expected one of notebook-instance, domain, "),
    (["-t", "notebook-instance", "-t", "bogus"], "--resource-type is 'bogus'; expected one of notebook-instance, "),
    (["--since", "yesterday"], "--since is 'yesterday'; expected an ISO 8601 date or date-time, e.g. 2025-01-31 "
                               "or 2025-01-31T12:00:00Z"),
    (["--since", "2999-01-01"], "--since is '2999-01-01'; expected a date in the past (nothing can have been "
                                "created after it)"),
    (["--max-workers", "0"], "--max-workers is 0; expected an integer from 1 to 64"),
    (["--max-workers", "65"], "--max-workers is 65; expected an integer from 1 to 64"),
    (["--region", "Tokyo"], "--region is 'Tokyo'; expected an AWS region name such as us-east-1"),
    (["--region", "us-east-1", "--region", "Tokyo"], "--region is 'Tokyo'; expected an AWS region name such as "
                                                     "us-east-1"),
])
def test_audit_bad_input_names_the_flag(local, profile_file, args, message):
    r = invoke("audit", "--vpc-profile", profile_file, *args)
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("error: " + message)
    assert r.stderr.count("\n") == 1
    assert_no_python_name(r.stderr)
    assert r.stdout == ""
    assert local.request_count("sagemaker") == 0


POSITIVE = "expected a number of seconds greater than 0"
NAME_RULE = ("expected 1 to 63 letters, digits and hyphens, starting and ending with a letter or digit. "
             "Choose a name such as 'IFSM-Notebook-Instance'.")
PROXY = ["notebook", "proxy-command", "--instance-id", "i-0123456789abcdef0", "--private-key", "k.pem",
         "--private-ip", "10.0.1.23"]


@pytest.mark.parametrize(("args", "message"), [
    (["create", "nb", "--timeout-seconds", "0"],
     f"--timeout-seconds is 0.0; {POSITIVE}. Pass --timeout-seconds a positive number."),
    (["create", "nb", "--poll-seconds", "-1"],
     f"--poll-seconds is -1.0; {POSITIVE}. Pass --poll-seconds a positive number."),
    (["create", "bad_name"], f"NAME (NotebookInstanceName) is 'bad_name'; {NAME_RULE}"),
    (["create", "nb", "--instance-type", "t3.medium"],
     "--instance-type (InstanceType) is 't3.medium'; expected ml.<family>.<size>. Pass an instance type such as "
     "'ml.t3.medium'."),
    (["create", "nb", "--subnet-id", "subnet-x"],
     "--subnet-id (SubnetId) is 'subnet-x'; expected 'subnet-' followed by 8 or 17 hex digits. Pass one of the "
     "profile's subnets, or none for the first."),
    (["create", "nb", "--lifecycle-config-name", "on_start"],
     "--lifecycle-config-name (LifecycleConfigName) is 'on_start'; expected 1 to 63 letters, digits and hyphens. "
     "Pass the lifecycle configuration's name."),
    (["create", "nb", "--volume-size-in-gb", "2"],
     "--volume-size-in-gb (VolumeSizeInGB) is 2; expected an integer from 5 to 16384. Pass a size in GiB, or none "
     "for 5."),
    (["url", "nb", "--session-expiration-seconds", "60"],
     "--session-expiration-seconds (SessionExpirationDurationInSeconds) is 60; expected an integer from 1800 to "
     "43200 (30 minutes to 12 hours). Pass a whole number of seconds in that range, e.g. 1800."),
    (["url", "bad_name"], f"NAME (NotebookInstanceName) is 'bad_name'; {NAME_RULE}"),
    (["delete", "nb", "--timeout-seconds", "0"],
     f"--timeout-seconds is 0.0; {POSITIVE}. Pass --timeout-seconds a positive number."),
    (["delete", "nb", "--poll-seconds", "0"],
     f"--poll-seconds is 0.0; {POSITIVE}. Pass --poll-seconds a positive number."),
])
def test_notebook_bad_input_names_the_flag(local, profile_file, args, message):
    r = invoke("notebook", *args, "--vpc-profile", profile_file)
    assert r.exit_code == 2, r.output
    assert r.stderr.splitlines()[-1] == "error: " + message
    assert_no_python_name(r.stderr)
    assert r.stdout == ""
    assert local.request_count("sagemaker") == 0


@pytest.mark.parametrize(("args", "message"), [
    (["--instance-id", "web-server"],
     "--instance-id is 'web-server'; expected an EC2 instance ID: 'i-' followed by 8 or 17 hex digits (or 'mi-' "
     "+ 17). Copy the Instance ID of the EC2 instance in the VPC from the console or `aws ec2 describe-instances`."),
    (["--private-key", "ifsm.pem.pub"],
     "--private-key is 'ifsm.pem.pub'; expected the private key, not the public key (.pub). Drop the .pub suffix: "
     "ssh -i takes the private key."),
    (["--private-key", "ifsm.ppk"],
     "--private-key is 'ifsm.ppk'; expected an OpenSSH private key, not a PuTTY .ppk file. Convert it: puttygen "
     "key.ppk -O private-openssh -o key.pem."),
    (["--private-ip", "8.8.8.8"],
     "--private-ip is '8.8.8.8'; expected a private address inside the VPC. Copy the instance's Private IPv4 "
     "address (not its public one) from the console."),
    (["--local-port", "80"],
     "--local-port is 80; expected an integer from 1024 to 65535. Ports below 1024 need root; use the seed's 8888 "
     "or another free port."),
    (["--ssh-user", "Admin"],
     "--ssh-user is 'Admin'; expected a login name (lowercase letters, digits, '_', '-'). Use 'ec2-user' on "
     "Amazon Linux or 'ubuntu' on Ubuntu."),
    (["--browser", "lynx"],
     "--browser is 'lynx'; expected one of 'chrome-macos', 'chrome-linux', 'chrome-windows', 'firefox'. Pick the "
     "browser you will open the notebook with."),
    (["--region", "Tokyo"],
     "--region is 'Tokyo'; expected an AWS region name such as 'us-east-1'. Pass the region of the EC2 instance, "
     "or none for the AWS CLI's default."),
])
def test_notebook_proxy_command_bad_input_names_the_flag(args, message):
    r = invoke(*PROXY, *args)
    assert r.exit_code == 2, r.output
    assert r.stderr == "error: " + message + "\n"
    assert r.stdout == ""


def test_notebook_value_that_looks_like_a_parameter_is_shown_as_typed(local, profile_file):
    r = invoke("notebook", "create", "nb", "--instance-type", "timeout_seconds", "--vpc-profile", profile_file)
    assert r.exit_code == 2
    assert r.stderr.splitlines()[-1] == (
        "error: --instance-type (InstanceType) is 'timeout_seconds'; expected ml.<family>.<size>. Pass an "
        "instance type such as 'ml.t3.medium'.")


@pytest.fixture
def network(local, safemaker_local_network):
    """The seed's closed network in the local backend (infra up; the plugin's fixture) and its profile."""
    return safemaker_local_network


def _moto_notebook_class():
    from moto.sagemaker.models import FakeSagemakerNotebookInstance

    return FakeSagemakerNotebookInstance


def test_notebook_create_timeout_names_the_flag(local, network, tmp_path, monkeypatch):
    path = str(network.dump(tmp_path / "p.toml"))
    monkeypatch.setattr(_moto_notebook_class(), "start", lambda self: setattr(self, "status", "Pending"))
    r = invoke("notebook", "create", "nb-slow", "-p", path, "--poll-seconds", "0.05", "--timeout-seconds", "0.3")
    assert r.exit_code == 1, r.output
    last = r.stderr.splitlines()[-1]
    assert last.startswith("error: Notebook instance 'nb-slow': still Pending after 0.3 s (--timeout-seconds) "
                           "waiting for InService It exists (status Pending)")
    assert_no_python_name(r.stderr)


def test_notebook_delete_timeout_names_the_flag(local, network, tmp_path, monkeypatch):
    path = str(network.dump(tmp_path / "p.toml"))
    assert invoke("notebook", "create", "nb-st", "-p", path, "--poll-seconds", "0.05").exit_code == 0
    monkeypatch.setattr(_moto_notebook_class(), "stop", lambda self: setattr(self, "status", "Stopping"))
    r = invoke("notebook", "delete", "nb-st", "-p", path, "--poll-seconds", "0.05", "--timeout-seconds", "0.3")
    assert r.exit_code == 1, r.output
    assert r.stderr.splitlines()[-1].startswith(
        "error: Notebook instance 'nb-st': still Stopping after 0.3 s (--timeout-seconds) while deleting It still "
        "exists.")


STACK_NAME_RULE = "expected 1 to 28 characters: a letter, then letters, digits and '-' (used in resource names)"
KMS_RULE = ("expected KMS key: a key ID (UUID or 'mrk-' + 32 hex digits), a key ARN, an alias name "
            "'alias/<name>' or an alias ARN")


@pytest.mark.parametrize(("args", "problems"), [
    (["plan", "--stack", "no spaces"], [f"--stack: found 'no spaces'; {STACK_NAME_RULE}"]),
    (["down", "--stack", "-bad", "--yes"], [f"--stack: found '-bad'; {STACK_NAME_RULE}"]),
    (["plan", "--down", "--stack", "a_b"], [f"--stack: found 'a_b'; {STACK_NAME_RULE}"]),
    (["up", "--cidr-block", "10.0.0.0/8"],
     ["--cidr-block: found '10.0.0.0/8'; expected an IPv4 network in CIDR notation from /16 to /27 "
      "(e.g. '10.0.0.0/16'), written with its network address"]),
    (["up", "--region", "Tokyo", "--stack", "x y"],
     [f"--stack: found 'x y'; {STACK_NAME_RULE}", "--region: found 'Tokyo'; expected AWS region name such as "
                                                  "'us-east-1'"]),
    (["template", "--region", "Tokyo"], ["--region: found 'Tokyo'; expected AWS region name such as 'us-east-1'"]),
    (["up", "--volume-kms-key-id", "my-key", "--output-kms-key-id", "alias"],
     [f"--volume-kms-key-id: found 'my-key'; {KMS_RULE}", f"--output-kms-key-id: found 'alias'; {KMS_RULE}"]),
    (["up", "--default-bucket", "My_Bucket"],
     ["--default-bucket: found 'My_Bucket'; expected S3 bucket name: 3 to 63 lowercase letters, digits, '.' and "
      "'-', starting and ending with a letter or digit; needs only lowercase letters, digits, '.' and '-'"]),
])
def test_infra_bad_input_names_the_flag_and_sends_nothing(local, args, problems):
    r = invoke("infra", *args)
    assert r.exit_code == 2, r.output
    assert r.stderr == (f"error: Stack configuration is invalid ({len(problems)} problem(s)):\n"
                        + "".join(f"  - {p}\n" for p in problems))
    assert_no_python_name(r.stderr)
    assert local.requests == ()


def test_infra_up_bad_profile_out_names_the_flag_and_creates_nothing(local):
    r = invoke("infra", "up", "--profile-out", "profile.txt", "--aws-managed-policy", "")
    assert r.exit_code == 2, r.output
    assert r.stderr.splitlines()[-2:] == [
        "error: Stack configuration is invalid (1 problem(s)):",
        "  - --profile-out: found 'profile.txt'; expected a path ending in .toml, .yaml, .yml or .json"]
    assert mutating(local) == []


@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf"])
def test_demo_bad_poll_seconds_exits_2_before_starting(value):
    r = invoke("demo", "--poll-seconds", value)
    assert r.exit_code == 2, r.output
    assert r.stderr == (f"error: --poll-seconds is {float(value)!r}; expected a number of seconds greater than 0. "
                        "Pass a positive number, or leave it out for the default.\n")
    assert r.stdout == ""  # the local backend was not started


def test_doctor_bad_feature_names_the_flag(local, profile_file):
    r = invoke("doctor", "-p", profile_file, "--feature", "gpu")
    assert r.exit_code == 2
    assert r.stderr.startswith("error: --feature has 'gpu', which is not a feature; valid features: notebook, ")
    assert local.requests == ()


# =========================================================================== 2. infra down of an unknown stack


def _tag(key_value: str) -> list[dict]:
    return [{"Key": "safemaker:stack", "Value": key_value}]


UNKNOWN_NONE = ("error: no resource in us-east-1 is tagged safemaker:stack=nosuch. There is no safemaker stack in "
                "us-east-1 (no resource carries the safemaker:stack tag). Check --stack and --region")


def test_down_unknown_stack_in_an_empty_region_exits_2(local):
    r = invoke("infra", "down", "--stack", "nosuch", "--yes")
    assert r.exit_code == 2, r.output
    assert r.stderr.splitlines()[-1] == (
        UNKNOWN_NONE + ", or pass --missing-ok when the stack may already be gone.")
    assert r.stdout == ""
    assert mutating(local) == []


def test_down_unknown_stack_lists_the_stacks_of_the_region(local):
    ec2 = local.session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": _tag("lab")}])["Vpc"]["VpcId"]
    ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24", TagSpecifications=[
        {"ResourceType": "subnet", "Tags": _tag("ifsm")}])
    ec2.create_security_group(GroupName="g", Description="d", VpcId=vpc, TagSpecifications=[
        {"ResourceType": "security-group", "Tags": _tag("lab")}])
    # Left out: an endpoint's tags outlive it for a while; another region's stack; another tag key.
    ec2.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.us-east-1.s3", TagSpecifications=[
        {"ResourceType": "vpc-endpoint", "Tags": _tag("ghost")}])
    ec2.create_vpc(CidrBlock="10.1.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "nosuch"}]}])
    local.session.client("ec2", region_name="us-west-2").create_vpc(
        CidrBlock="10.2.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": _tag("west")}])
    local.reset_requests()

    r = invoke("infra", "down", "--stack", "nosuch", "--yes")
    assert r.exit_code == 2, r.output
    assert r.stderr.splitlines()[-1] == (
        "error: no resource in us-east-1 is tagged safemaker:stack=nosuch. Stacks in us-east-1: ifsm, lab. "
        "Check --stack and --region, or pass --missing-ok when the stack may already be gone.")
    assert mutating(local) == []
    assert local.request_count("ec2", "DescribeTags") == 1

    west = invoke("infra", "down", "--stack", "nosuch", "--region", "us-west-2", "--yes")
    assert west.exit_code == 2
    assert west.stderr.splitlines()[-1].startswith(
        "error: no resource in us-west-2 is tagged safemaker:stack=nosuch. Stacks in us-west-2: west. ")


def test_down_unknown_stack_with_missing_ok_exits_0(local):
    r = invoke("infra", "down", "--stack", "nosuch", "--yes", "--missing-ok")
    assert r.exit_code == 0, r.output
    assert r.stderr.splitlines()[-1] == "nothing of stack nosuch to delete in us-east-1"
    assert mutating(local) == []


def test_down_unknown_stack_shows_untagged_look_alikes_and_leaves_them(local):
    iam = local.session.client("iam")
    iam.create_role(RoleName="nosuch-SageMakerExecRole", AssumeRolePolicyDocument="{}")
    local.reset_requests()
    r = invoke("infra", "down", "--stack", "nosuch", "--yes")
    assert r.exit_code == 2, r.output
    flat = " ".join(r.stderr.split())
    assert "keep │ IAM role │ nosuch-SageMakerExecRole" in flat
    assert "no safemaker:stack=nosuch tag: not of this stack, left alone" in flat
    assert r.stderr.splitlines()[-1].startswith(UNKNOWN_NONE)
    assert iam.get_role(RoleName="nosuch-SageMakerExecRole")["Role"]["RoleName"] == "nosuch-SageMakerExecRole"
    assert mutating(local) == []


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_plan_down_unknown_stack_exits_2(local, fmt):
    r = invoke("infra", "plan", "--down", "--stack", "nosuch", "--format", fmt)
    assert r.exit_code == 2, r.output
    assert r.stdout == ""
    assert r.stderr.splitlines()[-1] == UNKNOWN_NONE + "."


def test_down_of_a_real_stack_is_unchanged(local, tmp_path):
    out = tmp_path / "lab.toml"
    assert invoke("infra", "up", "--stack", "lab", "--feature", "notebook", "--aws-managed-policy", "",
                  "-o", str(out)).exit_code == 0
    r = invoke("infra", "plan", "--down", "--stack", "lab", "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)["changes"] > 0
    r = invoke("infra", "down", "--stack", "lab", "--yes")
    assert r.exit_code == 0, r.output
    assert "stack lab deleted (" in r.stderr


def test_stack_names_sends_one_filtered_describe_tags(local):
    ec2 = local.session.client("ec2")
    sent: list[dict] = []
    ec2.meta.events.register("provide-client-params.ec2.DescribeTags", lambda params, **kw: sent.append(params))
    assert _infra_lib.stack_names(ec2) == ()
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": _tag("b")}])["Vpc"]["VpcId"]
    ec2.create_route_table(VpcId=vpc, TagSpecifications=[{"ResourceType": "route-table", "Tags": _tag("a")}])
    ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", TagSpecifications=[
        {"ResourceType": "subnet", "Tags": _tag("b")}])
    assert _infra_lib.stack_names(ec2) == ("a", "b")
    assert sent[-1] == {"Filters": [
        {"Name": "key", "Values": ["safemaker:stack"]},
        {"Name": "resource-type", "Values": ["vpc", "subnet", "route-table", "security-group", "dhcp-options"]}]}


# =========================================================================== 3. tables off a terminal


@pytest.fixture
def long_notebook(local):
    local.session.client("sagemaker").create_notebook_instance(
        NotebookInstanceName=LONG_NAME, InstanceType="ml.t3.medium", RoleArn=ROLE, SubnetId=SUB_A,
        SecurityGroupIds=[SG], RootAccess="Disabled")  # DirectInternetAccess absent: one finding
    return LONG_ARN


def _cell_text(stdout: str, header: str) -> str:
    """The text of one column of the first rich table in ``stdout``, its folded lines joined (one row)."""
    first = stdout.split("└", 1)[0].splitlines()
    head = [c.strip() for c in next(line for line in first if line.startswith("┃")).strip("┃").split("┃")]
    index = head.index(header)
    return "".join(line.strip("│").split("│")[index].strip() for line in first if line.startswith("│"))


def test_audit_table_off_a_terminal_keeps_a_long_arn_on_one_line(long_notebook, profile_file, no_columns):
    r = invoke("audit", "-p", profile_file, "--resource-type", "notebook-instance")
    assert r.exit_code == 3, r.output
    assert "…" not in r.stdout
    row = [line for line in r.stdout.splitlines() if "SM-NB-DIRECT-INTERNET" in line and line.startswith("│")]
    assert len(row) == 2  # the finding, and its rule in the summary
    assert f"│ {long_notebook} │" in row[0]
    assert ("│ [recreate] Recreate the notebook instance with a compliant DirectInternetAccess (it cannot be "
            "changed after creation) │") in row[0]
    assert "\\[" not in r.stdout  # cells are data, printed as they are (no markup escapes)


def test_audit_table_with_columns_set_folds_without_losing_text(long_notebook, profile_file, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    r = invoke("audit", "-p", profile_file, "--resource-type", "notebook-instance")
    assert r.exit_code == 3, r.output
    assert max(len(line) for line in r.stdout.splitlines()) <= 80
    assert "…" not in r.stdout
    assert _cell_text(r.stdout, "resource") == long_notebook
    assert _cell_text(r.stdout, "rule") == "SM-NB-DIRECT-INTERNET"
    # Words wrap at spaces (the space is not printed); every character is there.
    fix = "[recreate] Recreate the notebook instance with a compliant DirectInternetAccess (it cannot be changed " \
          "after creation)"
    assert _cell_text(r.stdout, "fix").replace(" ", "") == fix.replace(" ", "")


def test_audit_text_report_file_keeps_the_arn(long_notebook, profile_file, tmp_path, no_columns):
    report = tmp_path / "audit.txt"
    r = invoke("audit", "-p", profile_file, "--resource-type", "notebook-instance", "-o", str(report))
    assert r.exit_code == 3
    text = report.read_text()
    assert "…" not in text and f"│ {long_notebook} │" in text


def test_infra_plan_table_off_a_terminal_keeps_every_detail(local, no_columns):
    planned = json.loads(invoke("infra", "plan", "--stack", "lab", "--format", "json").stdout)
    r = invoke("infra", "plan", "--stack", "lab")
    assert r.exit_code == 0
    assert "…" not in r.stdout
    rows = [line for line in r.stdout.splitlines() if line.startswith("│")]
    assert len(rows) == len(planned["actions"])
    for action, row in zip(planned["actions"], rows):
        assert [c.strip() for c in row.strip("│").split("│")] == [
            action["verb"], action["kind"], action["name"], action["resource_id"] or "(new)", action["detail"]]


def test_doctor_table_off_a_terminal_keeps_every_fix(local, network, tmp_path, no_columns):
    path = str(network.dump(tmp_path / "p.toml"))
    checks = json.loads(invoke("doctor", "-p", path, "--feature", "studio", "--format", "json").stdout)["checks"]
    r = invoke("doctor", "-p", path, "--feature", "studio")
    assert r.exit_code == 3
    assert "…" not in r.stdout
    rows = [[c.strip() for c in line.strip("│").split("│")]
            for line in r.stdout.splitlines() if line.startswith("│")]
    assert rows == [[c["status"], c["id"], c["subject"], c["detail"], c["fix"]] for c in checks]


# =========================================================================== 4. local endpoints are labelled


def test_audit_json_with_endpoint_url_notes_it_on_stderr_only(safemaker_local, profile_file):
    sm = safemaker_local.session.client("sagemaker")
    sm.create_notebook_instance(NotebookInstanceName="open", InstanceType="ml.t3.medium", RoleArn=ROLE,
                                SubnetId=SUB_A, SecurityGroupIds=[SG], RootAccess="Disabled")
    r = invoke("audit", "-p", profile_file, "--format", "json", "-t", "notebook-instance",
               "--endpoint-url", safemaker_local.endpoint_url)
    assert r.exit_code == 3, r.output
    assert [json.loads(line)["rule_id"] for line in r.stdout.splitlines()] == ["SM-NB-DIRECT-INTERNET"]
    assert r.stderr.splitlines()[0] == note(safemaker_local.endpoint_url)
    assert r.stderr.count("note: talking to a local endpoint") == 1


def test_audit_sarif_via_environment_endpoint_notes_it(local, profile_file):
    r = invoke("audit", "-p", profile_file, "--format", "sarif", "-t", "model", "--region", "us-east-1")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["version"] == "2.1.0"
    assert r.stderr.splitlines()[0] == note(local.endpoint_url)


def test_audit_two_regions_one_endpoint_one_note(local, profile_file):
    r = invoke("audit", "-p", profile_file, "--format", "json", "-t", "model", "-r", "us-east-1", "-r", "eu-west-1")
    assert r.exit_code == 0, r.output
    assert r.stderr.count("note: talking to a local endpoint") == 1


def test_doctor_json_notes_the_local_endpoint(safemaker_local, safemaker_local_network, tmp_path):
    profile = safemaker_local_network
    path = str(profile.dump(tmp_path / "p.toml"))
    r = invoke("doctor", "-p", path, "--format", "json", "--endpoint-url", safemaker_local.endpoint_url)
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["status"] == "ok"
    assert r.stderr.splitlines()[0] == note(safemaker_local.endpoint_url)


def test_doctor_localhost_spelling_is_local_too(safemaker_local, safemaker_local_network, tmp_path):
    profile = safemaker_local_network
    path = str(profile.dump(tmp_path / "p.toml"))
    url = safemaker_local.endpoint_url.replace("127.0.0.1", "localhost")
    r = invoke("doctor", "-p", path, "--format", "json", "--endpoint-url", url, "--check-role")  # EC2 and IAM
    assert r.exit_code == 1  # moto has no SimulatePrincipalPolicy: the role check is unknown
    assert json.loads(r.stdout)["vpc_id"] == profile.vpc_id
    assert [line for line in r.stderr.splitlines() if line.startswith("note:")] == [note(url)]


def test_infra_commands_note_the_local_endpoint_once(safemaker_local, tmp_path):
    url = safemaker_local.endpoint_url
    plan = invoke("infra", "plan", "--stack", "lab", "--format", "json", "--endpoint-url", url)
    assert plan.exit_code == 0 and json.loads(plan.stdout)["operation"] == "up"
    up = invoke("infra", "up", "--stack", "lab", "--feature", "notebook", "--aws-managed-policy", "",
                "-o", str(tmp_path / "lab.toml"), "--endpoint-url", url)
    assert up.exit_code == 0, up.output
    down = invoke("infra", "down", "--stack", "lab", "--yes", "--endpoint-url", url)
    assert down.exit_code == 0, down.output
    for r in (plan, up, down):
        assert r.stderr.splitlines()[0] == note(url)
        assert r.stderr.count("note: talking to a local endpoint") == 1


def test_infra_template_talks_to_no_endpoint_and_has_no_note():
    r = invoke("infra", "template", "--stack", "lab")
    assert r.exit_code == 0
    assert "note:" not in r.stderr


def test_notebook_commands_note_the_local_endpoint(safemaker_local, safemaker_local_network, tmp_path, monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    profile = safemaker_local_network
    path = str(profile.dump(tmp_path / "p.toml"))
    url = safemaker_local.endpoint_url
    create = invoke("notebook", "create", "nb", "-p", path, "--poll-seconds", "0.05", "--endpoint-url", url)
    assert create.exit_code == 0, create.output
    assert json.loads(create.stdout)["DirectInternetAccess"] == "Disabled"
    shown = invoke("notebook", "url", "nb", "-p", path, "--show", "--endpoint-url", url)
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.startswith("https://nb.notebook.us-east-1.sagemaker.aws?authToken=")
    assert shown.stdout.count("\n") == 1
    delete = invoke("notebook", "delete", "nb", "-p", path, "--poll-seconds", "0.05", "--endpoint-url", url)
    assert delete.exit_code == 0, delete.output
    assert json.loads(delete.stdout)["Gone"] is True
    for r in (create, shown, delete):
        assert r.stderr.splitlines()[0] == note(url)
    assert safemaker_local.request_count("sagemaker", "CreateNotebookInstance") == 1


def _simulate_with(monkeypatch, endpoint_url):
    client = boto3.Session(region_name="us-east-1").client("iam", endpoint_url=endpoint_url)
    stub = Stubber(client)
    stub.add_response("simulate_custom_policy", {"EvaluationResults": [
        {"EvalActionName": "sagemaker:CreateModel", "EvalResourceName": "*", "EvalDecision": "explicitDeny",
         "MatchedStatements": [], "MissingContextValues": []}], "IsTruncated": False})
    monkeypatch.setattr(policy_cli, "_iam_client", lambda region: client)
    return stub


def test_policy_simulate_notes_a_local_iam_endpoint(monkeypatch, profile_file):
    # moto has no SimulateCustomPolicy: a stubbed client whose endpoint is on 127.0.0.1.
    with _simulate_with(monkeypatch, "http://127.0.0.1:4566"):
        r = invoke("policy", "simulate", "-p", profile_file, "--action", "sagemaker:CreateModel",
                   "--context", "sagemaker:NetworkIsolation=false", "--format", "json")
    assert json.loads(r.stdout)["results"][0]["iam"] == "explicitDeny"
    assert r.stderr.splitlines()[0] == note("http://127.0.0.1:4566")


def test_policy_simulate_against_aws_has_no_note(monkeypatch, profile_file):
    with _simulate_with(monkeypatch, None):
        r = invoke("policy", "simulate", "-p", profile_file, "--action", "sagemaker:CreateModel",
                   "--context", "sagemaker:NetworkIsolation=false", "--format", "json")
    assert json.loads(r.stdout)["results"][0]["iam"] == "explicitDeny"
    assert "note:" not in r.stderr
