"""``safemaker infra plan | up | down | template`` on the local backend: output, files, exit codes."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from safemaker.cli import app
from safemaker.network.infra import MUTATING_PREFIXES
from safemaker.profile import VpcProfile

runner = CliRunner()


def infra(backend, *args):
    return runner.invoke(app, ["infra", *args, "--endpoint-url", backend.endpoint_url])


def mutating(backend):
    return [r.operation for r in backend.requests if r.operation and r.operation.startswith(MUTATING_PREFIXES)]


def test_plan_up_down_round_trip(safemaker_local, tmp_path):
    backend = safemaker_local
    r = infra(backend, "plan", "--stack", "ifsm", "--format", "json", "--feature", "training")
    assert r.exit_code == 0, r.output
    planned = json.loads(r.stdout)
    assert planned["operation"] == "up" and planned["changes"] == len(planned["actions"])
    assert mutating(backend) == []

    out = tmp_path / "ifsm.yaml"
    r = infra(backend, "up", "--stack", "ifsm", "--feature", "training", "--aws-managed-policy", "",
              "--profile-out", str(out))
    assert r.exit_code == 0, r.output
    assert f"{planned['changes']} change(s); profile written to {out}" in r.stderr
    assert "attach to developers: arn:aws:iam::123456789012:policy/safemaker/ifsm/" in r.stderr
    profile = VpcProfile.load(str(out), env=False)
    assert profile.execution_role_arn == "arn:aws:iam::123456789012:role/ifsm-SageMakerExecRole"

    backend.reset_requests()
    r = infra(backend, "up", "--stack", "ifsm", "--feature", "training", "--aws-managed-policy", "",
              "--profile-out", str(out))
    assert r.exit_code == 0 and "0 change(s)" in r.stderr
    assert mutating(backend) == []

    r = infra(backend, "plan", "--stack", "ifsm", "--down", "--format", "json")
    assert r.exit_code == 0
    assert {a["verb"] for a in json.loads(r.stdout)["actions"]} == {"delete"}

    backend.reset_requests()
    r = infra(backend, "down", "--stack", "ifsm")
    assert r.exit_code == 2
    assert "refusing to delete without confirmation: stdin is not a terminal; pass --yes" in r.stderr
    assert mutating(backend) == []

    r = infra(backend, "down", "--stack", "ifsm", "--yes")
    assert r.exit_code == 0, r.output
    assert "stack ifsm deleted (" in r.stderr
    r = infra(backend, "down", "--stack", "ifsm", "--yes")
    assert r.exit_code == 2 and "no resource in us-east-1 is tagged safemaker:stack=ifsm." in r.stderr
    r = infra(backend, "down", "--stack", "ifsm", "--yes", "--missing-ok")
    assert r.exit_code == 0 and "nothing of stack ifsm to delete in us-east-1" in r.stderr


def test_up_writes_the_default_profile_path(safemaker_local, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = infra(safemaker_local, "up", "--stack", "lab", "--feature", "notebook", "--aws-managed-policy", "")
    assert r.exit_code == 0, r.output
    assert VpcProfile.load(str(tmp_path / "lab-profile.toml"), env=False).region == "us-east-1"


def test_down_keeps_what_others_use_and_exits_1(safemaker_local, tmp_path):
    backend = safemaker_local
    out = tmp_path / "ifsm.toml"
    assert infra(backend, "up", "--stack", "ifsm", "--aws-managed-policy", "", "-o", str(out)).exit_code == 0
    profile = VpcProfile.load(str(out), env=False)
    ec2 = backend.session.client("ec2")
    foreign = ec2.create_vpc_endpoint(VpcId=profile.vpc_id, VpcEndpointType="Gateway",
                                      ServiceName="com.amazonaws.us-east-1.dynamodb")["VpcEndpoint"]["VpcEndpointId"]
    r = infra(backend, "down", "--stack", "ifsm", "--yes")
    assert r.exit_code == 1
    assert "2 resource(s) of stack ifsm kept:" in r.stderr
    assert f"keep VPC ifsm-vpc ({profile.vpc_id}): still holds {foreign} (kept above, or not of this stack" in \
        r.stderr.replace("\n", " ")
    assert ec2.describe_vpc_endpoints(VpcEndpointIds=[foreign])["VpcEndpoints"][0]["State"] == "available"


@pytest.mark.parametrize("args,needle", [
    (["up", "--cidr-block", "10.0.0.0/8"], "--cidr-block: found '10.0.0.0/8'; expected an IPv4 network in CIDR "
                                           "notation from /16 to /27"),
    (["up", "--feature", "gpu"], "--feature has 'gpu', which is not a feature"),
    (["plan", "--stack", "no spaces"], "--stack: found 'no spaces'; expected 1 to 28 characters"),
    (["down", "--stack", "-bad", "--yes"], "--stack: found '-bad'"),
    (["up", "--profile-out", "profile.txt", "--aws-managed-policy", ""],
     "--profile-out: found 'profile.txt'; expected a path ending in .toml, .yaml, .yml or .json"),
    (["plan", "--format", "xml"], "--format is 'xml'; expected one of text, json"),
])
def test_bad_input_exits_2_and_creates_nothing(safemaker_local, args, needle):
    r = infra(safemaker_local, *args)
    assert r.exit_code == 2, r.output
    assert needle in r.stderr
    assert mutating(safemaker_local) == []


def test_unwritable_profile_out_exits_2_before_any_call(safemaker_local, tmp_path):
    # Found by a new-user trial: the whole stack was built, then writing the profile failed.
    (tmp_path / "dir.toml").mkdir()
    cases = {
        str(tmp_path / "missing" / "p.toml"): f"a path in {str(tmp_path / 'missing')!r}, which is not an "
                                              "existing directory",
        str(tmp_path / "dir.toml"): "a directory",
    }
    for path, problem in cases.items():
        safemaker_local.reset_requests()
        r = infra(safemaker_local, "up", "--stack", "ifsm", "--aws-managed-policy", "", "--profile-out", path)
        assert r.exit_code == 2, r.output
        assert (f"--profile-out: found '{path}'; expected a file path in an existing, writable directory "
                f"(found {problem}); create the directory or choose another path") in " ".join(r.stderr.split())
        assert safemaker_local.request_count() == 0


def test_aws_failure_exits_1(safemaker_local):
    iam = safemaker_local.session.client("iam")
    iam.create_role(RoleName="ifsm-SageMakerExecRole", AssumeRolePolicyDocument="{}")
    r = infra(safemaker_local, "up", "--stack", "ifsm", "--aws-managed-policy", "")
    assert r.exit_code == 1
    assert "exist(s) without the tag safemaker:stack=ifsm. Nothing was created." in r.stderr


def test_template_yaml_and_json(tmp_path):
    from _cfnlint import lint  # cfnlint.api.lint, rules loaded once; here, not at collection (~1 s of CPU)

    r = runner.invoke(app, ["infra", "template", "--stack", "ifsm", "--s3-prefix-list-id", "pl-63a5400a"])
    assert r.exit_code == 0, r.output
    tpl = yaml.safe_load(r.stdout)
    assert tpl["Resources"]["Vpc"]["Type"] == "AWS::EC2::VPC"
    assert [m for m in lint(r.stdout) if m.rule.id.startswith("E")] == []
    out = tmp_path / "t.json"
    r = runner.invoke(app, ["infra", "template", "--format", "json", "--admin-host", "-o", str(out)])
    assert r.exit_code == 0 and f"template written to {out}" in r.stderr
    assert "AdminHost" in json.loads(out.read_text())["Resources"]
    r = runner.invoke(app, ["infra", "template", "--format", "toml"])
    assert r.exit_code == 2 and "--format is 'toml'; expected 'yaml' or 'json'" in r.stderr


def test_interrupted_up_says_how_to_resume_and_resuming_finishes(safemaker_local, tmp_path, monkeypatch):
    from safemaker.cli import infra as infra_cli

    real_up = infra_cli._infra.up

    def interrupted_up(cfg, *, ec2_client, **kwargs):
        def ctrl_c(**_):
            raise KeyboardInterrupt
        ec2_client.meta.events.register("before-call.ec2.CreateVpcEndpoint", ctrl_c)  # mid-way: VPC exists
        return real_up(cfg, ec2_client=ec2_client, **kwargs)

    out = tmp_path / "p.toml"
    monkeypatch.setattr(infra_cli._infra, "up", interrupted_up)
    r = infra(safemaker_local, "up", "--stack", "ifsm", "--aws-managed-policy", "", "--profile-out", str(out))
    assert r.exit_code == 130, r.output
    assert ("interrupted: stack ifsm may be partly built. Re-run the same `safemaker infra up` to finish it "
            "(finished steps are not repeated), or `safemaker infra down -s ifsm` to remove what was created"
            ) in " ".join(r.stderr.split())
    assert "CreateVpc" in mutating(safemaker_local) and "CreateVpcEndpoint" not in mutating(safemaker_local)
    assert not out.exists()
    monkeypatch.setattr(infra_cli._infra, "up", real_up)
    safemaker_local.reset_requests()
    r = infra(safemaker_local, "up", "--stack", "ifsm", "--aws-managed-policy", "", "--profile-out", str(out))
    assert r.exit_code == 0, r.output
    assert "CreateVpc" not in mutating(safemaker_local) and "CreateVpcEndpoint" in mutating(safemaker_local)
    assert out.exists()


@pytest.mark.filterwarnings("ignore:Tried to parse AWS.*not supported by moto:UserWarning")  # test_infra_cloudformation
def test_interrupted_up_via_cloudformation_names_the_stack_left_and_how_to_remove_it(
        safemaker_local, tmp_path, monkeypatch):
    """Ctrl-C after CreateStack was sent: CloudFormation goes on; the message names the CloudFormation stack
    left and the commands that remove it (not the API path's "finished steps are not repeated")."""
    from safemaker.network import cloudformation as cfn_module

    real_deploy = cfn_module.deploy

    def interrupted_deploy(cfg, *, cloudformation_client, **kwargs):
        def ctrl_c(**_):
            raise KeyboardInterrupt
        cloudformation_client.meta.events.register("after-call.cloudformation.CreateStack", ctrl_c)
        return real_deploy(cfg, cloudformation_client=cloudformation_client, **kwargs)

    out = tmp_path / "p.toml"
    monkeypatch.setattr(cfn_module, "deploy", interrupted_deploy)
    r = infra(safemaker_local, "up", "--stack", "cfi", "--via", "cloudformation", "--aws-managed-policy", "",
              "--profile-out", str(out))
    assert r.exit_code == 130, r.output
    said = " ".join(r.stderr.split())
    assert "interrupted: CloudFormation stack safemaker-cfi may exist and be partly built" in said
    assert ("to remove the stack and every resource it holds, run `safemaker infra down -s cfi --via "
            "cloudformation` (or `aws cloudformation delete-stack --stack-name safemaker-cfi`)") in said
    assert "finished steps are not repeated" not in said
    assert safemaker_local.request_count("cloudformation", "CreateStack") == 1
    cfn = safemaker_local.session.client("cloudformation")
    assert [s["StackName"] for s in cfn.describe_stacks(StackName="safemaker-cfi")["Stacks"]] == ["safemaker-cfi"]
    assert not out.exists()


def test_up_on_the_local_backend_with_the_default_managed_policy_hints_at_the_flag(safemaker_local, tmp_path):
    r = infra(safemaker_local, "up", "--stack", "ifsm", "--profile-out", str(tmp_path / "p.toml"))
    assert r.exit_code == 1, r.output
    assert "AmazonSageMakerFullAccess" in r.stderr
    assert ("hint: the local backend (moto) has no AWS managed policies; pass --aws-managed-policy '' to attach "
            "none") in " ".join(r.stderr.split())


def test_up_and_down_report_json_on_stdout(safemaker_local, tmp_path, monkeypatch):
    """``infra up/down -f json``: the result as one JSON document; the IDs are the ones EC2 holds (#18)."""
    monkeypatch.chdir(tmp_path)
    r = infra(safemaker_local, "up", "--stack", "ifsm", "--aws-managed-policy", "", "-o", "p.toml", "-f", "json")
    assert r.exit_code == 0, r.output
    up = json.loads(r.stdout)
    assert up["stack"] == "ifsm" and up["operation"] == "up"
    assert up["profile_path"] == "p.toml"
    ec2 = safemaker_local.session.client("ec2")
    vpc = ec2.describe_vpcs(VpcIds=[up["resources"]["vpc"]])["Vpcs"][0]
    assert {"Key": "safemaker:stack", "Value": "ifsm"} in vpc["Tags"]
    assert up["changes"] == sum(1 for a in up["actions"] if a["verb"] != "keep") > 0
    r = infra(safemaker_local, "down", "--stack", "ifsm", "--yes", "--format", "json")
    assert r.exit_code == 0, r.output
    down = json.loads(r.stdout)
    assert down["operation"] == "down" and down["complete"] is True and down["remaining"] == []
    assert ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [up["resources"]["vpc"]]}])["Vpcs"] == []


@pytest.mark.filterwarnings("ignore:Tried to parse AWS.*not supported by moto:UserWarning")  # test_infra_cloudformation
def test_up_and_down_via_cloudformation(safemaker_local, tmp_path):
    """--via cloudformation: one CreateStack of the rendered template, the profile from its outputs; down is
    DeleteStack. On the local backend --via auto applies with API calls (no CloudFormation request)."""
    backend = safemaker_local
    out = tmp_path / "cf.toml"
    r = infra(backend, "up", "--stack", "cf", "--via", "cloudformation", "--aws-managed-policy", "",
              "--profile-out", str(out), "--format", "json")
    assert r.exit_code == 0, r.output
    result = json.loads(r.stdout)
    assert result["via"] == "cloudformation"
    assert [(a["verb"], a["kind"], a["name"]) for a in result["actions"]] == [
        ("create", "CloudFormation stack", "safemaker-cf")]
    assert backend.request_count("cloudformation", "CreateStack") == 1
    assert mutating(backend).count("CreateVpc") == 0  # CloudFormation made the VPC, not the CLI
    cfn = backend.session.client("cloudformation")
    (stack,) = cfn.describe_stacks(StackName="safemaker-cf")["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    profile = VpcProfile.load(str(out), env=False)
    assert (profile.vpc_id, ",".join(profile.subnets)) == (outputs["VpcId"], outputs["SubnetIds"])
    body = cfn.get_template(StackName="safemaker-cf")["TemplateBody"]
    body = json.loads(body) if isinstance(body, str) else body
    rendered = yaml.safe_load(runner.invoke(app, ["infra", "template", "--stack", "cf"]).stdout)
    assert sorted(body["Resources"]) == sorted(rendered["Resources"])  # the stack is `infra template`'s

    # moto's CloudFormation deletes this stack's VPC before what is in it (DependencyViolation, which AWS
    # orders correctly), so down is shown on a one-resource stack of the same name
    _one_resource_stack(cfn, "mini")
    r = infra(backend, "down", "--stack", "mini", "--via", "cloudformation")
    assert r.exit_code == 2 and "pass --yes" in r.stderr
    r = infra(backend, "down", "--stack", "mini", "--via", "cloudformation", "--yes", "--format", "json")
    assert r.exit_code == 0, r.output
    assert backend.request_count("cloudformation", "DeleteStack") == 1
    assert json.loads(r.stdout)["actions"][0]["verb"] == "delete"
    assert "safemaker-mini" not in [s["StackName"] for s in cfn.list_stacks()["StackSummaries"]
                                    if s["StackStatus"] != "DELETE_COMPLETE"]

    r = infra(backend, "down", "--stack", "mini", "--via", "cloudformation", "--yes")
    assert r.exit_code == 2
    assert "--stack is 'mini': there is no CloudFormation stack safemaker-mini in us-east-1" in r.stderr
    r = infra(backend, "down", "--stack", "mini", "--via", "cloudformation", "--yes", "--missing-ok")
    assert r.exit_code == 0 and "nothing to delete" in r.stderr

    r = infra(backend, "up", "--stack", "cf", "--via", "terraform")
    assert r.exit_code == 2 and "--via is 'terraform'; expected one of auto, cloudformation, api" in r.stderr

    backend.reset_requests()
    r = infra(backend, "up", "--stack", "api", "--aws-managed-policy", "", "--profile-out", str(tmp_path / "a.toml"))
    assert r.exit_code == 0, r.output  # auto on the local backend: API calls
    assert backend.request_count("cloudformation") == 0 and "CreateVpc" in mutating(backend)


@pytest.mark.filterwarnings("ignore:Tried to parse AWS.*not supported by moto:UserWarning")
def test_via_auto_against_aws_uses_cloudformation_unless_the_stack_was_built_with_api_calls(
        safemaker_local, tmp_path, monkeypatch):
    """auto: cloudformation for a new stack against AWS (the endpoint is not the local backend: here the
    loopback check is made to say so), api for a stack whose resources were made with API calls."""
    from safemaker.cli import infra as cli_infra

    backend = safemaker_local
    r = infra(backend, "up", "--stack", "old", "--via", "api", "--aws-managed-policy", "",
              "--profile-out", str(tmp_path / "old.toml"))
    assert r.exit_code == 0, r.output
    monkeypatch.setattr(cli_infra, "local_endpoint", lambda url: False)
    backend.reset_requests()
    r = infra(backend, "up", "--stack", "old", "--aws-managed-policy", "", "--profile-out", str(tmp_path / "old.toml"))
    assert r.exit_code == 0, r.output
    assert "stack old was built with API calls" in r.stderr and "0 change(s)" in r.stderr
    assert backend.request_count("cloudformation", "CreateStack") == 0

    r = infra(backend, "up", "--stack", "new", "--aws-managed-policy", "", "--profile-out", str(tmp_path / "new.toml"),
              "--format", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["via"] == "cloudformation"
    assert backend.request_count("cloudformation", "CreateStack") == 1
    _one_resource_stack(backend.session.client("cloudformation"), "mini")  # moto cannot delete "new": see above
    r = infra(backend, "down", "--stack", "mini", "--yes")
    assert r.exit_code == 0, r.output
    assert backend.request_count("cloudformation", "DeleteStack") == 1


def _one_resource_stack(cfn, stack):
    template = {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": f"{stack}-b"}}}}
    cfn.create_stack(StackName=f"safemaker-{stack}", TemplateBody=json.dumps(template))
