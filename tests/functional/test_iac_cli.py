"""``safemaker check PATH...`` on real public templates, CDK output, Step Functions and pipeline
definitions (tests/data/iac, see SOURCES.md) and on authored inputs for the cases no public
file covers: exact findings, lines, exit codes, --parameter, SARIF validated against the schema.

Expected values come from the AWS documentation carried in botocore's service model (absent
``DirectInternetAccess`` means internet-enabled, absent ``AppNetworkAccessType`` means
``PublicInternetOnly``), from the files themselves (line numbers, values written) and from the
profile below, never from safemaker's code.
"""

from __future__ import annotations

import json
from pathlib import Path

import botocore.session
import jsonschema
import pytest
from typer.testing import CliRunner

from safemaker.cli import app

DATA = Path(__file__).parents[1] / "data" / "iac"
SARIF_SCHEMA = json.loads((Path(__file__).parents[1] / "data" / "sarif-schema-2.1.0.json").read_text())
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


def run_json(profile_file, *args):
    r = runner.invoke(app, ["check", *args, "-p", profile_file, "-f", "json"])
    rows = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    return r, rows


def brief(rows):
    return sorted((r["status"], r["rule_id"], r["logical_id"], r["path"], r["line"],
                   None if r["found_absent"] else r["found"]) for r in rows if r["status"] == "FAIL")


def unknown(rows):
    return sorted((r["rule_id"], r["logical_id"], r["path"], r["line"]) for r in rows if r["status"] == "UNKNOWN")


def doc(operation, member):
    model = botocore.session.get_session().get_service_model("sagemaker")
    return model.operation_model(operation).input_shape.members[member].documentation


@pytest.mark.parametrize("name", ["sagemaker_enabling_internet_access-positive1.yaml",
                                  "sagemaker_enabling_internet_access-positive2.json"])
def test_kics_notebook_with_direct_internet_access_enabled(profile_file, name):
    r, rows = run_json(profile_file, str(DATA / "kics" / name))
    assert r.exit_code == 3
    line = 7 if name.endswith(".yaml") else 8   # the DirectInternetAccess line of each file
    props = 6 if name.endswith(".yaml") else 5  # the Properties line: absent fields are reported there
    role_line = 9 if name.endswith(".yaml") else 7
    assert brief(rows) == sorted([
        ("FAIL", "SM-NB-DIRECT-INTERNET", "Notebook", "DirectInternetAccess", line, "Enabled"),
        ("FAIL", "SM-NET-SUBNET", "Notebook", "SubnetId", props, None),
        ("FAIL", "SM-NET-SG", "Notebook", "SecurityGroupIds", props, None),
        ("FAIL", "SM-NB-ROOT", "Notebook", "RootAccess", props, None),
        ("FAIL", "SM-IAM-ROLE", "Notebook", "RoleArn", role_line, "role"),
    ])
    assert unknown(rows) == []
    critical = [x for x in rows if x["rule_id"] == "SM-NB-DIRECT-INTERNET"]
    assert critical[0]["severity"] == "critical"
    assert critical[0]["source_type"] == "AWS::SageMaker::NotebookInstance"
    assert critical[0]["security_hub"] == ["SageMaker.1"]


def test_notebook_without_direct_internet_access_is_internet_enabled(profile_file):
    # checkov passes this template (its IMDSv2 check); the AWS default is internet-enabled.
    assert "Internet-Enabled by Default" in doc("CreateNotebookInstance", "DirectInternetAccess")
    f = DATA / "checkov" / "SagemakerNotebookInstanceAllowsIMDSv2__SagemakerNotebookInstanceAllowsIMDSv2-PASSED.yaml"
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    hit = [x for x in rows if x["rule_id"] == "SM-NB-DIRECT-INTERNET"]
    assert [(x["status"], x["found_absent"], x["line"], x["logical_id"]) for x in hit] == [
        ("FAIL", True, 6, "BasicNotebookInstancePass")]
    # RoleArn is !GetAtt ExecutionRole.Arn: a role created by the template cannot be verified before deployment.
    assert unknown(rows) == [("SM-IAM-ROLE", "BasicNotebookInstancePass", "RoleArn", 8)]


def test_checkov_model_fixture_isolation_false_and_absent(profile_file):
    r, rows = run_json(profile_file, str(DATA / "checkov" /
                                         "SagemakerModelWithNetworkIsolation__SagemakerModelWithNetworkIsolation-FAILED.yaml"))
    assert r.exit_code == 3
    iso = sorted((x["logical_id"], x["line"], x["found"]) for x in rows if x["rule_id"] == "SM-NET-ISOLATION")
    assert iso == [("SageMakerModelFail1", 34, False), ("SageMakerModelFail2", 38, None)]
    assert {x["logical_id"] for x in rows if x["rule_id"] == "SM-NET-VPC"} == {"SageMakerModelFail1",
                                                                               "SageMakerModelFail2"}


def test_parameters_without_default_cannot_be_verified_until_given(profile_file):
    f = str(DATA / "secure-mlops" / "cfn-sm-endpoint-template.yaml")
    r, rows = run_json(profile_file, f)
    assert r.exit_code == 3
    vpc = [x for x in rows if x["rule_id"] == "SM-NET-VPC"]
    assert sorted((x["status"], x["path"], x["line"]) for x in vpc) == [
        ("UNKNOWN", "VpcConfig.SecurityGroupIds", 73), ("UNKNOWN", "VpcConfig.Subnets", 74)]
    assert all("cannot be verified before deployment" in x["found"] for x in vpc)
    assert {x["severity"] for x in vpc} == {"medium"}
    # The same values given with --parameter are decided like written ones.
    r2, rows2 = run_json(profile_file, f, "--parameter", "SageMakerSubnetIds=subnet-0aaaaaaaaaaaaaaaa,subnet-0ffffffffffffffff",
                         "--parameter", "SageMakerSecurityGroupIds=sg-0bbbbbbbbbbbbbbbb")
    vpc2 = [x for x in rows2 if x["rule_id"] == "SM-NET-VPC"]
    assert [(x["status"], x["path"], x["found"]) for x in vpc2] == [
        ("FAIL", "VpcConfig.Subnets[1]", "subnet-0ffffffffffffffff")]


def test_fail_on_high_passes_on_unverifiable_values_only(profile_file):
    f = str(DATA / "secure-data-science" / "ds_notebook_v1.yaml")
    r = runner.invoke(app, ["check", f, "-p", profile_file, "--fail-on", "high", "-f", "json"])
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert {x["severity"] for x in rows} <= {"medium"}
    assert r.exit_code == 0
    assert runner.invoke(app, ["check", f, "-p", profile_file]).exit_code == 3


def test_cdk_cloud_assembly_state_machines_in_definition_string(profile_file):
    r, rows = run_json(profile_file, str(DATA / "cdk-integ-create-training-job.js.snapshot"))
    assert r.exit_code == 3
    tpl = "tests/data/iac/cdk-integ-create-training-job.js.snapshot/integ-stepfunctions-sagemaker.template.json"
    assert {x["file"] for x in rows} == {tpl}
    fails = sorted((x["logical_id"], x["rule_id"], x["path"]) for x in rows if x["status"] == "FAIL")
    expected = []
    for sm, state in (("StateMachine2E01A3A5", "TrainTask"), ("StateMachineAnother9B75AA58", "TrainTaskAnother")):
        base = f"DefinitionString.States.{state}.Parameters"
        expected += [(sm, "SM-NET-ICTE", f"{base}.EnableInterContainerTrafficEncryption"),
                     (sm, "SM-NET-ISOLATION", f"{base}.EnableNetworkIsolation"),
                     (sm, "SM-NET-VPC", f"{base}.VpcConfig")]
    assert fails == sorted(expected)
    # RoleArn is Fn::GetAtt of a role the stack creates.
    assert [(x[0], x[1]) for x in unknown(rows)] == [("SM-IAM-ROLE", "StateMachine2E01A3A5"),
                                                    ("SM-IAM-ROLE", "StateMachineAnother9B75AA58")]
    # the template writes arn:${AWS::Partition}:states:::sagemaker:createTrainingJob; the profile's region
    # (us-east-1) is in partition aws (CloudFormation "Pseudo parameters reference": AWS::Partition)
    assert {x["source_type"] for x in rows} == {"arn:aws:states:::sagemaker:createTrainingJob"}


def test_step_functions_definition_file_and_its_substitutions(profile_file):
    f = str(DATA / "stepfunctions-collection" / "train-ml-model.asl.json")
    r, rows = run_json(profile_file, f)
    assert r.exit_code == 3
    assert unknown(rows) == sorted([
        ("SM-IAM-ROLE", "States.Train model (XGBoost)", "States.Train model (XGBoost).Parameters.RoleArn", 28),
        ("SM-IAM-ROLE", "States.Save Model", "States.Save Model.Parameters.ExecutionRoleArn", 59),
        ("SM-REFERENCE", "States.Batch transform", "States.Batch transform.Parameters.ModelName.$", 70),
    ])
    r2, rows2 = run_json(profile_file, f, "--parameter", f"SagemakerAPIExecutionRole={ROLE}")
    assert [x for x in rows2 if x["rule_id"] == "SM-IAM-ROLE"] == []
    assert ("FAIL", "SM-NET-VPC", "States.Save Model", "States.Save Model.Parameters.VpcConfig", 53, None) in brief(rows2)


def test_sam_state_machine_definition_uri_with_substitutions(profile_file):
    r, rows = run_json(profile_file, str(DATA / "sam-train-ml-model" / "template.yaml"))
    assert r.exit_code == 3
    asl = "tests/data/iac/sam-train-ml-model/statemachine/statemachine.asl.json"
    assert {(x["file"], x["logical_id"]) for x in rows} == {(asl, "TrainAndBatchTransformStateMachine")}
    # SagemakerAPIExecutionRole: !GetAtt SagemakerAPIExecutionRole.Arn in DefinitionSubstitutions.
    roles = [x for x in rows if x["rule_id"] == "SM-IAM-ROLE"]
    assert [(x["status"], x["line"]) for x in roles] == [("UNKNOWN", 28), ("UNKNOWN", 59)]
    assert all("an attribute of a resource created at deployment" in x["found"] for x in roles)
    assert ("FAIL", "SM-NET-VPC", "TrainAndBatchTransformStateMachine",
            "States.Train model (XGBoost).Parameters.VpcConfig", 12, None) in brief(rows)


def test_state_machine_in_cloudformation_definition(profile_file):
    r, rows = run_json(profile_file, str(DATA / "authored" / "sfn-in-cfn.yaml"))
    assert r.exit_code == 3
    assert brief(rows) == sorted([
        ("FAIL", "SM-NET-ISOLATION", "Flow", "Definition.States.Model.Parameters.EnableNetworkIsolation", 37, None),
        ("FAIL", "SM-NET-VPC", "Flow", "Definition.States.Model.Parameters.VpcConfig", 37, None),
    ])
    # A subnet created by the same template cannot be compared with the profile: unverifiable, not a violation.
    assert unknown(rows) == sorted([
        ("SM-NET-VPC", "Flow", "Definition.States.Prepare.Parameters.NetworkConfig.VpcConfig.Subnets[0]", 31),
        ("SM-REFERENCE", "StoredFlow", "DefinitionS3Location", 47),
    ])


def test_pipeline_in_cloudformation(profile_file):
    r, rows = run_json(profile_file, str(DATA / "authored" / "pipeline-in-cfn.yaml"),
                       "--parameter", "TrainSubnet=subnet-0aaaaaaaaaaaaaaaa")
    assert r.exit_code == 3
    # ${TrainSubnet} takes the value given (a profile subnet); the second subnet is outside the profile.
    assert brief(rows) == [("FAIL", "SM-NET-VPC", "TrainPipeline",
                            "PipelineDefinition.PipelineDefinitionBody.Steps[0:Train].Arguments.VpcConfig.Subnets[1]",
                            15, "subnet-0ffffffffffffffff")]
    assert unknown(rows) == [("SM-REFERENCE", "StoredPipeline", "PipelineDefinition.PipelineDefinitionS3Location", 33)]
    r2, rows2 = run_json(profile_file, str(DATA / "authored" / "pipeline-in-cfn.yaml"),
                         "--parameter", "TrainSubnet=subnet-0eeeeeeeeeeeeeeee")
    assert {x["found"] for x in rows2 if x["rule_id"] == "SM-NET-VPC"} == {"subnet-0eeeeeeeeeeeeeeee",
                                                                           "subnet-0ffffffffffffffff"}
    # Not given, TrainSubnet (a String without AllowedValues) is whatever the deployer types, and Fn::Sub puts it
    # into the body's text: a quote in it could add steps, so the body is decided at deploy time as a whole (issue
    # 13, trial 18 F05); at its Default, the rest as before.
    r3, rows3 = run_json(profile_file, str(DATA / "authored" / "pipeline-in-cfn.yaml"))
    assert brief(rows3) == brief(rows)
    body = [x for x in rows3 if x["status"] == "UNKNOWN" and x["logical_id"] == "TrainPipeline"]
    assert [(x["rule_id"], x["path"], x["line"]) for x in body] == [
        ("SM-REFERENCE", "PipelineDefinition.PipelineDefinitionBody", 15)]
    assert "decided at deploy time" in body[0]["found"] and "TrainSubnet" in body[0]["fix"]


def test_pipeline_definition_file(profile_file):
    r, rows = run_json(profile_file, str(DATA / "authored" / "pipeline-definition.json"))
    assert r.exit_code == 3
    base = "Steps[0:Prep].Arguments.NetworkConfig"
    assert brief(rows) == sorted([
        ("FAIL", "SM-NET-ISOLATION", "PipelineDefinition", f"{base}.EnableNetworkIsolation", 6, False),
        ("FAIL", "SM-NET-VPC", "PipelineDefinition", f"{base}.VpcConfig", 6, None),
        ("FAIL", "SM-NET-ICTE", "PipelineDefinition", f"{base}.EnableInterContainerTrafficEncryption", 6, None),
    ])


def test_terraform_plan(profile_file):
    assert "The default value is <code>PublicInternetOnly</code>" in doc("CreateDomain", "AppNetworkAccessType")
    r, rows = run_json(profile_file, str(DATA / "authored" / "tf-plan.json"))
    assert r.exit_code == 3
    assert brief(rows) == sorted([
        ("FAIL", "SM-NB-DIRECT-INTERNET", "aws_sagemaker_notebook_instance.nb", "direct_internet_access", 25,
         "Enabled"),
        ("FAIL", "SM-STUDIO-VPCONLY", "module.studio.aws_sagemaker_domain.d", "app_network_access_type", 118,
         "PublicInternetOnly"),
    ])
    # Variant 0's model_name is known after apply, but the configuration says it is aws_sagemaker_model.m's
    # name (a model of this plan, checked itself); variant 1 names a model that exists outside the plan.
    assert unknown(rows) == sorted([("SM-NET-VPC", "aws_sagemaker_model.m", "vpc_config.subnets", 51),
                                    ("SM-REFERENCE", "aws_sagemaker_endpoint_configuration.ec",
                                     "production_variants[1].model_name", 88)])
    assert "aws_sagemaker_notebook_instance.old" not in {x["logical_id"] for x in rows}  # being deleted


def test_terraform_fix_names_the_plan_attribute_and_writes_its_literal(profile_file, tmp_path):
    """Trial 14 F05: the fix of a Terraform finding names the attribute as the plan spells it (the hashicorp/aws
    provider's ``direct_internet_access``, ``enable_network_isolation``: the plan's own keys) and writes the value
    as HCL does (``"Disabled"``, ``true``), not the API member and Python's ``'Disabled'`` / ``True``."""
    values = {"name": "m", "execution_role_arn": ROLE, "enable_network_isolation": False,
              "primary_container": [{"image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1"}],
              "vpc_config": [{"subnets": ["subnet-0aaaaaaaaaaaaaaaa"], "security_group_ids": ["sg-0bbbbbbbbbbbbbbbb"]}]}
    plan = {"format_version": "1.2", "terraform_version": "1.9.0", "planned_values": {"root_module": {"resources": [
        {"address": "aws_sagemaker_model.m", "mode": "managed", "type": "aws_sagemaker_model", "name": "m",
         "provider_name": "registry.terraform.io/hashicorp/aws", "values": values}]}}}
    f = tmp_path / "plan.json"
    f.write_text(json.dumps(plan))
    _, rows = run_json(profile_file, str(f))
    assert [(r["path"], r["fix"]) for r in rows] == [
        ("enable_network_isolation", "Set enable_network_isolation to true")]
    # a block the plan leaves out: the fix names its attributes as the provider does (trial 14b F03)
    del values["vpc_config"]
    values["enable_network_isolation"] = True
    f.write_text(json.dumps(plan))
    _, rows = run_json(profile_file, str(f))
    assert [r["path"] for r in rows] == ["vpc_config"]
    assert "subnets" in rows[0]["fix"] and "security_group_ids" in rows[0]["fix"]
    assert "Subnets" not in rows[0]["fix"] and "SecurityGroupIds" not in rows[0]["fix"]
    _, rows = run_json(profile_file, str(DATA / "authored" / "tf-plan.json"))
    fixes = {r["path"]: r["fix"] for r in rows if r["status"] == "FAIL"}
    assert fixes["direct_internet_access"].startswith('Set direct_internet_access to "Disabled"')
    assert "DirectInternetAccess" not in fixes["direct_internet_access"]


def test_terraform_unknown_reference_without_configuration_cannot_be_verified(profile_file, tmp_path):
    plan = json.loads((DATA / "authored" / "tf-plan.json").read_text())
    del plan["configuration"]
    f = tmp_path / "plan.json"
    f.write_text(json.dumps(plan))
    _, rows = run_json(profile_file, str(f))
    assert [x["found"] for x in rows if x["path"] == "production_variants[0].model_name"] == [
        'cannot be verified before deployment: "production_variants[].model_name" (known after apply)']


def test_compliant_template_exits_0(profile_file):
    r = runner.invoke(app, ["check", str(DATA / "authored" / "compliant.yaml"), "-p", profile_file])
    assert r.exit_code == 0, r.output
    assert "No findings: 1 request(s) in 1 file(s) checked" in r.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["authored/duplicate-keys.yaml"], "Duplicate found 'DirectInternetAccess'"),
    (["../sarif-schema-2.1.0.json"], "not a CloudFormation template, CDK assembly, Terraform plan"),
    (["SOURCES.md"], "not valid JSON or YAML"),
    (["no-such-dir"], "no such file or directory"),
    (["authored/compliant.yaml", "--parameter", "NoEquals"], "--parameter is 'NoEquals'; expected KEY=VALUE"),
    (["authored/compliant.yaml", "--format", "xml"], "expected 'text', 'json' or 'sarif'"),
    (["authored/compliant.yaml", "--apply"], "--apply is for OPERATION FILE"),
])
def test_bad_input_exits_2(profile_file, args, message):
    args = [str(DATA / a) if i == 0 else a for i, a in enumerate(args)]
    r = runner.invoke(app, ["check", *args, "-p", profile_file])
    assert r.exit_code == 2, r.output
    assert message in r.stderr


def test_sarif_validates_and_carries_file_and_line(profile_file, tmp_path):
    out = tmp_path / "iac.sarif"
    r = runner.invoke(app, ["check", str(DATA / "kics"), str(DATA / "authored" / "sfn-in-cfn.yaml"),
                            "-p", profile_file, "-f", "sarif", "-o", str(out)])
    assert r.exit_code == 3
    log = json.loads(out.read_text())
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    results = log["runs"][0]["results"]
    dia = [x for x in results if x["ruleId"] == "SM-NB-DIRECT-INTERNET"
           and x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("positive1.yaml")]
    assert dia[0]["locations"][0]["physicalLocation"]["region"] == {"startLine": 7}
    assert dia[0]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "Notebook.DirectInternetAccess"
    assert dia[0]["level"] == "error"
    unverifiable = [x for x in results if x["kind"] == "review"]
    assert {x["ruleId"] for x in unverifiable} == {"SM-NET-VPC", "SM-REFERENCE"}
    assert {x["level"] for x in unverifiable} == {"warning"}


def test_library_call_returns_the_cli_findings(profile_file):
    from safemaker.iac import check_paths

    paths = [str(DATA / "checkov"), str(DATA / "authored" / "sfn-in-cfn.yaml")]
    lib = [f.as_dict() for f in check_paths(paths, profile_file)]
    _, rows = run_json(profile_file, *paths)
    assert json.loads(json.dumps(lib, default=str, sort_keys=True)) == rows


def test_request_file_form_still_works(profile_file, tmp_path):
    req = tmp_path / "req.json"
    req.write_text(json.dumps({"NotebookInstanceName": "n", "InstanceType": "ml.t3.medium", "RoleArn": ROLE,
                               "DirectInternetAccess": "Enabled"}))
    r = runner.invoke(app, ["check", "CreateNotebookInstance", str(req), "-p", profile_file])
    assert r.exit_code == 3
    assert "DirectInternetAccess is 'Enabled'" in r.stdout


def test_github_code_scanning_example_runs_and_uploads_its_sarif(profile_file, tmp_path, monkeypatch):
    import shlex

    import yaml

    root = Path(__file__).parents[2]
    flow = yaml.safe_load((root / "examples" / "github-code-scanning.yml").read_text())
    steps = flow["jobs"]["check"]["steps"]
    run = next(s["run"] for s in steps if "safemaker check" in s.get("run", ""))
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif"))
    args = shlex.split(run)[2:]
    args[0] = str(DATA / "kics")                      # the workflow's infra/ directory: the test templates
    args[args.index("--vpc-profile") + 1] = profile_file
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, ["check", *args])
    assert r.exit_code == 3, r.stderr
    log = json.loads((tmp_path / upload["with"]["sarif_file"]).read_text())
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    assert {x["ruleId"] for x in log["runs"][0]["results"]} >= {"SM-NB-DIRECT-INTERNET"}


def test_pre_commit_hook_skips_other_changed_files(profile_file, tmp_path):
    import re
    import shlex

    import yaml

    root = Path(__file__).parents[2]
    (hook,) = yaml.safe_load((root / ".pre-commit-hooks.yaml").read_text())
    other = tmp_path / "package.json"
    other.write_text('{"name": "app"}')
    changed = [str(DATA / "kics" / "sagemaker_enabling_internet_access-positive1.yaml"), str(other),
               str(DATA / "SOURCES.md")]
    passed = [f for f in changed if re.search(hook["files"], f)]   # what pre-commit would pass
    assert passed == changed[:2]
    entry = shlex.split(hook["entry"])
    r = runner.invoke(app, [*entry[1:], *passed, "-p", profile_file])
    assert r.exit_code == 3
    assert "1 file(s) of none of the formats skipped" in r.stderr


def test_domain_without_app_network_access_type_is_public_internet_only(profile_file):
    assert "The default value is <code>PublicInternetOnly</code>" in doc("CreateDomain", "AppNetworkAccessType")
    r, rows = run_json(profile_file, str(DATA / "checkov" / "SagemakerNotebookEncryptedWithCMK__template.yaml"))
    assert r.exit_code == 3
    studio = sorted((x["logical_id"], x["line"], x["found_absent"], x["severity"]) for x in rows
                    if x["rule_id"] == "SM-STUDIO-VPCONLY")
    # Both domains omit AppNetworkAccessType (reported at their Properties lines, 23 and 36).
    assert studio == [("BasicDomainFAIL", 36, True, "critical"), ("BasicDomainPASS", 23, True, "critical")]
    assert {x["logical_id"] for x in rows if x["rule_id"] == "SM-NET-SUBNETS"} == {"BasicDomainFAIL",
                                                                                  "BasicDomainPASS"}


def test_a_path_without_any_source_is_bad_input(profile_file, tmp_path):
    (tmp_path / "package.json").write_text('{"name": "app"}')
    r = runner.invoke(app, ["check", str(tmp_path), "-p", profile_file])
    assert r.exit_code == 2
    assert "found no CloudFormation template, CDK assembly, Terraform plan" in r.stderr


def test_nested_cdk_assembly_stage(profile_file, tmp_path):
    """A CDK Pipelines stage is a nested cloud assembly (``cdk:cloud-assembly`` artifact)."""
    import shutil

    src = DATA / "cdk-integ-create-training-job.js.snapshot"
    stage = tmp_path / "cdk.out" / "assembly-Prod"
    stage.mkdir(parents=True)
    for f in src.iterdir():
        shutil.copy(f, stage / f.name)
    (tmp_path / "cdk.out" / "manifest.json").write_text(json.dumps({
        "version": "30.0.0",
        "artifacts": {"assembly-Prod": {"type": "cdk:cloud-assembly",
                                        "properties": {"directoryName": "assembly-Prod", "displayName": "Prod"}}}}))
    r, rows = run_json(profile_file, str(tmp_path / "cdk.out"))
    assert r.exit_code == 3
    assert {Path(x["file"]).name for x in rows} == {"integ-stepfunctions-sagemaker.template.json"}
    assert {x["logical_id"] for x in rows} == {"StateMachine2E01A3A5", "StateMachineAnother9B75AA58"}
    _, direct = run_json(profile_file, str(src))
    assert sorted((x["rule_id"], x["logical_id"], x["path"]) for x in rows) == sorted(
        (x["rule_id"], x["logical_id"], x["path"]) for x in direct)   # each stack once


def test_without_cfn_lint_the_cli_says_which_extra_to_install(profile_file, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_cfnlint(name, *args, **kwargs):
        if name == "cfnlint" or name.startswith("cfnlint."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_cfnlint)
    r = runner.invoke(app, ["check", str(DATA / "kics"), "-p", profile_file])
    assert r.exit_code == 1
    assert "pip install 'safemaker[iac]'" in r.stderr


def test_text_output_names_file_line_and_logical_id(profile_file):
    r = runner.invoke(app, ["check", str(DATA / "kics" / "sagemaker_enabling_internet_access-positive1.yaml"),
                            "-p", profile_file])
    assert r.exit_code == 3
    assert "sagemaker_enabling_internet_access-positive1.yaml:7 Notebook" in r.stdout
    assert "SM-NB-DIRECT-INTERNET" in r.stdout and "'Enabled'" in r.stdout
    assert "1 file(s), 1 request(s) checked: 5 finding(s), 0 cannot be verified before deployment" in r.stderr


def test_the_count_of_requests_includes_a_resource_created_only_under_another_choice(profile_file, tmp_path):
    """A notebook whose Condition is false with the template's defaults is still decided (under the choice that
    creates it): the summary counts it (trial 10: "0 request(s) checked: 4 finding(s)")."""
    template = tmp_path / "cond.yaml"
    template.write_text(
        "Parameters:\n  Env:\n    Type: String\n    Default: dev\n    AllowedValues: [dev, prod]\n"
        "Conditions:\n  IsProd: !Equals [!Ref Env, prod]\n"
        "Resources:\n  Nb:\n    Type: AWS::SageMaker::NotebookInstance\n    Condition: IsProd\n"
        "    Properties:\n      InstanceType: ml.t3.medium\n"
        "      RoleArn: arn:aws:iam::123456789012:role/SageMakerExecRole\n")
    r = runner.invoke(app, ["check", str(template), "-p", profile_file])
    assert r.exit_code == 3
    assert "open when Env=prod" in r.stdout
    assert "1 file(s), 1 request(s) checked: " in r.stderr, r.stderr


def test_notebook_lifecycle_config_decided_by_the_guard(profile_file):
    # secure-data-science's environment template creates a lifecycle configuration; the profile's
    # notebook_root_access is 'Disabled' (its default), under which lifecycle scripts are refused.
    r, rows = run_json(profile_file, str(DATA / "secure-data-science" / "ds_env_sagemaker.yaml"))
    assert r.exit_code == 3
    assert [(x["status"], x["rule_id"], x["source_type"], x["path"]) for x in rows] == [
        ("FAIL", "SM-NB-LIFECYCLE", "AWS::SageMaker::NotebookInstanceLifecycleConfig", "OnStart")]


def test_endpoint_config_with_SSM_access_into_a_variant_fails(profile_file, tmp_path):
    """The CloudFormation Template Reference: AWS::SageMaker::EndpointConfig ProductionVariant
    EnableSSMAccess (Boolean), botocore's ProductionVariant.EnableSSMAccess."""
    template = tmp_path / "ssm.yaml"
    template.write_text(
        "Resources:\n"
        "  Config:\n"
        "    Type: AWS::SageMaker::EndpointConfig\n"
        "    Properties:\n"
        "      ProductionVariants:\n"
        "        - {VariantName: v, ModelName: m, InitialInstanceCount: 1, InstanceType: ml.m5.large,\n"
        "           EnableSSMAccess: true}\n"
        "      ShadowProductionVariants:\n"
        "        - {VariantName: s, ModelName: m, InitialInstanceCount: 1, InstanceType: ml.m5.large,\n"
        "           EnableSSMAccess: false}\n")
    r, rows = run_json(profile_file, str(template))
    assert r.exit_code == 3, r.output
    assert [(s, rule, lid, path, found) for s, rule, lid, path, _line, found in brief(rows)] == [
        ("FAIL", "SM-REMOTE-ACCESS", "Config", "ProductionVariants[0].EnableSSMAccess", True)]


def test_check_json_forms_write_what_docs_cli_says(tmp_path, profile_file):
    """docs/cli.md (`safemaker check`): PATH -f json is JSON Lines (a finding per line, no `kind`; notices as
    {"kind": "notice"}; nothing when clean), OPERATION FILE -f json one document with the listed keys."""
    template = tmp_path / "t.yaml"
    template.write_text("Resources:\n  M:\n    Type: AWS::SageMaker::Model\n    Properties:\n"
                        f"      ExecutionRoleArn: {ROLE}\n      PrimaryContainer: {{Image: img}}\n")
    r, rows = run_json(profile_file, str(template))
    lines = [line for line in r.stdout.splitlines() if line.strip()]
    assert len(lines) == len(rows) >= 2 and all("kind" not in row for row in rows)
    assert all(list(row) == sorted(row) for row in rows)
    with pytest.raises(json.JSONDecodeError):
        json.loads(r.stdout)  # several documents: not one
    empty = tmp_path / "none.yaml"
    empty.write_text("Resources:\n  B:\n    Type: AWS::S3::Bucket\n")
    r, rows = run_json(profile_file, str(empty))
    assert [row["kind"] for row in rows] == ["notice"] and set(rows[0]) == {"kind", "message"}
    request = tmp_path / "req.json"
    request.write_text(json.dumps({"ModelName": "m", "ExecutionRoleArn": ROLE, "PrimaryContainer": {"Image": "i"}}))
    one = runner.invoke(app, ["check", "CreateModel", str(request), "-p", profile_file, "-f", "json"])
    doc_ = json.loads(one.stdout)  # one document, over several lines
    assert len(one.stdout.splitlines()) > 1
    assert list(doc_) == ["operation", "compliant", "violations", "warnings", "injected", "references_not_checked"]
    applied = runner.invoke(app, ["check", "CreateModel", str(request), "-p", profile_file, "-f", "json", "--apply"])
    assert json.loads(applied.stdout)["request"]["EnableNetworkIsolation"] is True


def test_a_plan_naming_sns_topics_for_async_responses_is_unsupported(tmp_path):
    # trial 15c F09: Terraform provider aws_sagemaker_endpoint_configuration, notification_config
    # include_inference_response_in: "SNS topics where you want the inference response to be included" (botocore
    # AsyncInferenceNotificationConfig.IncludeInferenceResponseIn); the same config as a template is SM-UNSUPPORTED.
    import json as _json

    from safemaker.iac import decide_requests
    from safemaker.iac._document import parse_text
    from safemaker.iac.terraform import plan_requests
    from safemaker.profile import VpcProfile

    def plan(notification):
        after = {"name": "c", "production_variants": [{"model_name": "m", "variant_name": "v"}],
                 "async_inference_config": [{"output_config": [{"s3_output_path": "s3://b/o",
                                                                "notification_config": [notification]}]}]}
        return _json.dumps({"format_version": "1.2", "resource_changes": [{
            "address": "aws_sagemaker_endpoint_configuration.c", "mode": "managed",
            "type": "aws_sagemaker_endpoint_configuration", "name": "c",
            "change": {"actions": ["create"], "before": None, "after": after, "after_unknown": {}}}]})

    profile = VpcProfile(region="us-east-1", vpc_id="vpc-0dddddddddddddddd", subnets=["subnet-0aaaaaaaaaaaaaaaa"],
                         security_group_ids=["sg-0bbbbbbbbbbbbbbbb"],
                         execution_role_arn="arn:aws:iam::123456789012:role/SageMakerExecRole")
    topic = "arn:aws:sns:us-east-1:123456789012:t"
    named = decide_requests(plan_requests(parse_text(plan({
        "success_topic": topic, "include_inference_response_in": ["SUCCESS_NOTIFICATION_TOPIC"]}), "p.json")), profile)
    assert [(f.rule_id, f.path) for f in named if "nclude" in f.path] == [
        ("SM-UNSUPPORTED", "async_inference_config.output_config.notification_config.include_inference_response_in")]
    status_only = decide_requests(plan_requests(parse_text(plan({"success_topic": topic}), "p.json")), profile)
    assert not [f for f in status_only if "notification" in f.path]
