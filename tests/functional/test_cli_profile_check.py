"""``safemaker profile`` and ``safemaker check``: exit codes, output, bad input."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from safemaker.cli import app

ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"
PROFILE_TOML = f"""
region = "us-east-1"
vpc_id = "vpc-0dddddddddddddddd"
subnets = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0cccccccccccccccc"]
security_group_ids = ["sg-0bbbbbbbbbbbbbbbb"]
execution_role_arn = "{ROLE}"
"""

runner = CliRunner()


@pytest.fixture
def profile_file(tmp_path):
    p = tmp_path / "profile.toml"
    p.write_text(PROFILE_TOML)
    return str(p)


def request_file(tmp_path, **params):
    base = {
        "TrainingJobName": "job", "RoleArn": ROLE,
        "AlgorithmSpecification": {"TrainingImage": "img", "TrainingInputMode": "File"},
        "OutputDataConfig": {"S3OutputPath": "s3://b/o"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 60},
    }
    base.update(params)
    f = tmp_path / "req.json"
    f.write_text(json.dumps(base))
    return str(f)


def test_profile_show_json(profile_file):
    r = runner.invoke(app, ["profile", "show", "--vpc-profile", profile_file, "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["subnets"] == ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0cccccccccccccccc"]
    assert doc["require_network_isolation"] is True


def test_profile_validate_bad_profile_exits_2_naming_every_field(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(PROFILE_TOML.replace("subnet-0aaaaaaaaaaaaaaaa", "subnet-xyz").replace("sg-0bbbbbbbbbbbbbbbb", "sg-1"))
    r = runner.invoke(app, ["profile", "validate", "--vpc-profile", str(bad)])
    assert r.exit_code == 2
    assert "subnets.0" in r.stderr and "'subnet-xyz'" in r.stderr
    assert "security_group_ids.0" in r.stderr and "'sg-1'" in r.stderr


def test_profile_validate_missing_file_exits_2(tmp_path):
    r = runner.invoke(app, ["profile", "validate", "--vpc-profile", str(tmp_path / "nope.toml")])
    assert r.exit_code == 2
    assert "nope.toml" in r.stderr


def test_profile_discover_against_local_backend(safemaker_local, tmp_path):
    ec2 = safemaker_local.session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    s1 = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    s2 = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1b")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName="g", Description="d", VpcId=vpc)["GroupId"]
    out = tmp_path / "discovered.yaml"
    r = runner.invoke(app, ["profile", "discover", "--vpc-id", vpc, "-s", sg, "--execution-role-arn", ROLE,
                            "--region", "us-east-1", "--endpoint-url", safemaker_local.endpoint_url,
                            "--output", str(out)])
    assert r.exit_code == 0, r.output
    assert (f"note: talking to a local endpoint ({safemaker_local.endpoint_url}): results are emulated, "
            "not from AWS") in r.stderr
    r = runner.invoke(app, ["profile", "show", "--vpc-profile", str(out), "--format", "json"])
    doc = json.loads(r.stdout)
    assert doc["vpc_id"] == vpc and doc["subnets"] == sorted([s1, s2]) and doc["security_group_ids"] == [sg]


def test_check_compliant_after_apply_prints_the_request(tmp_path, profile_file):
    r = runner.invoke(app, ["check", "CreateTrainingJob", request_file(tmp_path), "-p", profile_file, "--apply",
                            "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["compliant"] is True
    assert doc["injected"] == ["EnableNetworkIsolation", "VpcConfig", "EnableInterContainerTrafficEncryption"]
    assert doc["request"]["EnableNetworkIsolation"] is True


def test_check_as_given_reports_absent_fields_exit_3(tmp_path, profile_file):
    r = runner.invoke(app, ["check", "CreateTrainingJob", request_file(tmp_path), "-p", profile_file])
    assert r.exit_code == 3
    assert "3 violation(s)" in r.stdout
    assert "[SM-NET-ISOLATION] EnableNetworkIsolation is absent; the profile requires True." in r.stdout


@pytest.mark.parametrize("given", [{}, {"EnableNetworkIsolation": False}], ids=["absent", "conflicting"])
def test_check_of_a_file_never_suggests_omitting_a_field(tmp_path, profile_file, given):
    """Nothing injects into a request file checked as given (trial 16 F09, issue 13 item 4): omitting a field
    leaves it absent, which is the AWS default the finding refuses."""
    for fmt in ("text", "json"):
        r = runner.invoke(app, ["check", "CreateTrainingJob", request_file(tmp_path, **given), "-p", profile_file,
                                "--format", fmt])
        assert r.exit_code == 3
        assert "omit" not in r.stdout and "session" not in r.stdout
    fixes = {v["path"]: v["fix"] for v in json.loads(r.stdout)["violations"]}
    assert fixes["EnableNetworkIsolation"] == "Set EnableNetworkIsolation to True"


def test_check_refuses_explicit_conflict_even_with_apply(tmp_path, profile_file):
    r = runner.invoke(app, ["check", "CreateTrainingJob", request_file(tmp_path, EnableNetworkIsolation=False),
                            "-p", profile_file, "--apply", "--format", "json"])
    assert r.exit_code == 3
    (v,) = json.loads(r.stdout)["violations"]
    assert (v["path"], v["found"], v["rule_id"]) == ("EnableNetworkIsolation", False, "SM-NET-ISOLATION")


@pytest.mark.parametrize("args,needle", [
    (["check", "createtrainingjob", "REQ"], "Did you mean CreateTrainingJob?"),
    (["check", "ListModels", "REQ"], "has no guardrail rule"),
    (["check", "CreateTrainingJb", "REQ"], "not a SageMaker operation. Did you mean CreateTrainingJob?"),
    (["check", "DescribeEndpiont", "REQ"], "Did you mean DescribeEndpoint?"),
    (["check", "CreateTrainingJob", "MISSING"], "cannot read it"),
    (["check", "CreateTrainingJob", "BROKEN"], "not valid JSON or YAML at line 1"),
    (["check", "CreateTrainingJob", "LIST"], "found a list; expected an object"),
    (["check", "CreateTrainingJob", "EMPTY"], "found an empty document; expected an object of request parameters"),
    (["check", "CreateTrainingJob", "BINARY"], "not UTF-8 text (byte 0); give the request parameters as a JSON"),
])
def test_check_bad_input_exits_2(tmp_path, profile_file, args, needle):
    broken = tmp_path / "broken.json"
    broken.write_text("{\"a\": [1,")
    lst = tmp_path / "list.json"
    lst.write_text("[1, 2]")
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    binary = tmp_path / "bin.json"
    binary.write_bytes(bytes([0xff, 0xfe, 0x00, 0x81]) * 16)
    subst = {"REQ": request_file(tmp_path), "MISSING": str(tmp_path / "none.json"), "BROKEN": str(broken),
             "LIST": str(lst), "EMPTY": str(empty), "BINARY": str(binary)}
    r = runner.invoke(app, [subst.get(a, a) for a in args] + ["-p", profile_file])
    assert r.exit_code == 2, r.output
    assert needle in r.stderr


@pytest.mark.parametrize("value", ["[/x]", "[red]us", "[bold]"])
def test_cli_prints_bracketed_values_literally_and_exits_2(profile_file, monkeypatch, value):
    """Messages are data, not rich markup: a value with brackets is shown as found, never a crash."""
    monkeypatch.setenv("SAFEMAKER_REGION", value)
    r = runner.invoke(app, ["profile", "validate", "--vpc-profile", profile_file])
    assert r.exit_code == 2, r.output
    assert f"found {value!r}" in r.stderr


def test_cli_keeps_bracketed_words_in_messages(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(PROFILE_TOML.replace('region = "us-east-1"', '[safemaker]\nregion = "us-east-1"') + "\n[other]\nx = 1\n")
    r = runner.invoke(app, ["profile", "validate", "--vpc-profile", str(bad)])
    assert r.exit_code == 2
    assert "expected nothing outside a [safemaker] table" in r.stderr


def test_no_profile_at_all_says_how_to_give_one(monkeypatch):
    for name in list(__import__("os").environ):
        if name.startswith("SAFEMAKER_"):
            monkeypatch.delenv(name)
    r = runner.invoke(app, ["profile", "validate"])
    assert r.exit_code == 2
    assert "Profile (none given) is invalid (1 problem(s))" in r.stderr
    assert "--vpc-profile/-p" in r.stderr and "SAFEMAKER_PROFILE" in r.stderr


@pytest.mark.parametrize("text,line_info", [
    # The last EnableNetworkIsolation would win silently: the file must be refused, not decided on.
    ("TrainingJobName: job\nEnableNetworkIsolation: true\nEnableNetworkIsolation: false\n", "(lines 2, 3)"),
    ('{"TrainingJobName": "job",\n "VpcConfig": {"Subnets": ["subnet-0aaaaaaaaaaaaaaaa"],\n'
     '  "Subnets": ["subnet-0ffffffffffffffff"]}}', "(lines 2, 3)"),
])
def test_check_request_with_a_repeated_key_exits_2(tmp_path, profile_file, text, line_info):
    req = tmp_path / "req.yaml"
    req.write_text(text)
    r = runner.invoke(app, ["check", "CreateTrainingJob", str(req), "-p", profile_file])
    assert r.exit_code == 2, r.output
    key = "EnableNetworkIsolation" if "Enable" in text else "VpcConfig.Subnets"
    assert f"request file {req}: the key '{key}' is given 2 times in one mapping {line_info}" in r.stderr
    assert "keep each key once" in r.stderr
    assert r.stdout == ""


def test_policy_simulate_request_with_a_repeated_key_exits_2(tmp_path, profile_file):
    req = tmp_path / "req.yaml"
    req.write_text("TrainingJobName: a\nTrainingJobName: b\nRoleArn: x\nRoleArn: y\n")
    r = runner.invoke(app, ["policy", "simulate", "-p", profile_file, "--operation", "CreateTrainingJob",
                            "--request", str(req)])
    assert r.exit_code == 2, r.output
    assert (f"--request {req}: the key 'TrainingJobName' is given 2 times in one mapping (lines 1, 2), "
            "and 1 other key(s) are repeated") in r.stderr


def test_check_a_lifecycle_configuration_prints_each_preflight_warning(tmp_path, profile_file):
    import base64

    script = "#!/bin/bash\nset -e\ncurl -fsSL https://get.example.com/install.sh | bash\n"
    path = tmp_path / "lc.json"
    path.write_text(json.dumps({"NotebookInstanceLifecycleConfigName": "lc",
                                "OnCreate": [{"Content": base64.b64encode(script.encode()).decode()}]}))
    # Lifecycle scripts run as root: only a profile with notebook_root_access Enabled lets them through.
    root = tmp_path / "root.toml"
    root.write_text(PROFILE_TOML + 'notebook_root_access = "Enabled"\n')
    profile_file = str(root)
    r = runner.invoke(app, ["check", "CreateNotebookInstanceLifecycleConfig", str(path), "-p", profile_file])
    assert r.exit_code == 0, r.stdout
    assert "warning [SM-PRE-LIFECYCLE-FETCH] OnCreate[0].Content line 3 is 'curl -fsSL " in r.stdout
    r = runner.invoke(app, ["check", "CreateNotebookInstanceLifecycleConfig", str(path), "-p", profile_file,
                            "--format", "json"])
    (w,) = json.loads(r.stdout)["warnings"]
    assert (w["rule_id"], w["path"]) == ("SM-PRE-LIFECYCLE-FETCH", "OnCreate[0].Content line 3")


def test_check_unknown_operation_suggests_a_botocore_name_and_lists_by_class(tmp_path, profile_file):
    """The suggestion is a name of botocore's SageMaker model; without one, the guarded operations and
    the ones refused outright are listed apart (a refused operation is not 'guarded')."""
    import botocore.session

    names = set(botocore.session.get_session().get_service_model("sagemaker").operation_names)
    assert {"CreateTrainingJob", "DescribeEndpoint", "CreateJob"} <= names
    r = runner.invoke(app, ["check", "Zzz", request_file(tmp_path), "-p", profile_file], env={"COLUMNS": "100000"})
    assert r.exit_code == 2
    text = " ".join(r.stderr.split())
    guarded, _, refused = text.partition("Refused outright")
    assert "Guarded operations:" in guarded and "CreateTrainingJob," in guarded
    assert "CreateJob" not in guarded.replace("CreateJobs", "")  # refused: its network is inside JobConfigDocument
    assert " CreateJob" in refused
    r = runner.invoke(app, ["check", "CreateInferenceRouter", request_file(tmp_path), "-p", profile_file])
    assert r.exit_code == 2 and "classified refused" in " ".join(r.stderr.split())


@pytest.mark.parametrize("params,reported", [
    # trial 6 F16: a request botocore refuses was judged (3 violations, exit 3) as if it could be sent
    ({"TrainingJobName": 5}, "Invalid type for parameter TrainingJobName, value: 5"),
    ({"enableNetworkIsolation": False}, 'Unknown parameter in input: "enableNetworkIsolation"'),
    ({"VpcConfig": {"Subnets": "subnet-0aaaaaaaaaaaaaaaa", "SecurityGroupIds": ["sg-0bbbbbbbbbbbbbbbb"]}},
     "Invalid type for parameter VpcConfig.Subnets"),
])
def test_check_a_request_botocore_would_refuse_exits_2_with_botocores_reason(tmp_path, profile_file, params,
                                                                            reported):
    """The oracle is botocore's own validator: the same report a client raises ParamValidationError with."""
    import botocore.session
    from botocore.exceptions import ParamValidationError

    client = botocore.session.get_session().create_client(
        "sagemaker", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing",
        endpoint_url="http://127.0.0.1:9")  # never reached: validation fails before any connection
    with pytest.raises(ParamValidationError) as raised:
        client.create_training_job(**json.loads(open(request_file(tmp_path, **params)).read()))
    assert reported in str(raised.value)
    r = runner.invoke(app, ["check", "CreateTrainingJob", request_file(tmp_path, **params), "-p", profile_file],
                      env={"COLUMNS": "100000"})
    assert r.exit_code == 2, r.output
    assert reported in " ".join(r.stderr.split()) and r.stdout == ""


def test_check_a_partial_request_is_decided_and_names_what_botocore_would_still_need(tmp_path, profile_file):
    req = tmp_path / "req.json"
    req.write_text(json.dumps({"TrainingJobName": "j", "EnableNetworkIsolation": False}))
    r = runner.invoke(app, ["check", "CreateTrainingJob", str(req), "-p", profile_file], env={"COLUMNS": "100000"})
    assert r.exit_code == 3, r.output
    assert "EnableNetworkIsolation is False" in r.stdout
    assert 'Missing required parameter in input: "RoleArn"' in " ".join(r.stderr.split())
