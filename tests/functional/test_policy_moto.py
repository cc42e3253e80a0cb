"""Rendered policies against the local backend (moto on 127.0.0.1) over real HTTP.

- IAM accepts every rendered document (moto validates the policy grammar:
  elements, condition operators, set prefixes) and returns it unchanged;
- the CloudFormation snippet creates the managed policies;
- the referenced-resource blind spot: the guard refuses a transform job whose
  model is not closed (DescribeModel), a request IAM would let through.
"""

from __future__ import annotations

import json

import pytest

from safemaker import hooks, iam
from safemaker.errors import GuardrailViolation
from safemaker.iam import BlindSpot
from safemaker.iam.evaluator import evaluate
from safemaker.profile import VpcProfile

from _profiles import IMG, KEY_ARN, ROLE, VPCE

TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
                                                  "Action": "sts:AssumeRole"}]}


@pytest.fixture
def profile(profile_factory) -> VpcProfile:
    return profile_factory(vpc_endpoint_ids=[VPCE], volume_kms_key_id=KEY_ARN,
                           output_kms_key_id="alias/sagemaker-output")


def test_CreatePolicy_accepts_every_rendered_document_and_returns_it_unchanged(safemaker_session, profile):
    client = safemaker_session.client("iam")
    client.create_role(RoleName="SageMakerExecRole", AssumeRolePolicyDocument=json.dumps(TRUST))
    created = []
    for kind, docs in iam.render_all(profile).items():
        for i, doc in enumerate(docs):
            name = iam.policy_name(kind, i)
            arn = client.create_policy(PolicyName=name, PolicyDocument=json.dumps(doc))["Policy"]["Arn"]
            assert arn == f"arn:aws:iam::123456789012:policy/{name}"
            version = client.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]
            assert version["Document"] == doc
            if kind != "developer":
                client.attach_role_policy(RoleName="SageMakerExecRole", PolicyArn=arn)
            created.append(name)
    assert created[:2] == ["safemaker-guardrail", "safemaker-guardrail-2"]
    attached = client.list_attached_role_policies(RoleName="SageMakerExecRole")["AttachedPolicies"]
    assert sorted(p["PolicyName"] for p in attached) == sorted(n for n in created if "developer" not in n)


def test_CreatePolicy_rejects_a_malformed_operator_so_the_check_above_can_fail(safemaker_session):
    client = safemaker_session.client("iam")
    bad = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "sagemaker:CreateModel",
                                                   "Resource": "*", "Condition": {"NullIfAbsent": {"k": "true"}}}]}
    with pytest.raises(client.exceptions.MalformedPolicyDocumentException) as exc:
        client.create_policy(PolicyName="bad", PolicyDocument=json.dumps(bad))
    assert exc.value.response["Error"]["Code"] == "MalformedPolicyDocument"


def test_CreateStack_with_the_cloudformation_snippet_creates_the_managed_policies(safemaker_session, profile):
    rendered = iam.render_all(profile)
    cfn = safemaker_session.client("cloudformation")
    cfn.create_stack(StackName="safemaker-policies", TemplateBody=iam.cloudformation_yaml(rendered))
    stack = cfn.describe_stacks(StackName="safemaker-policies")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert outputs["SafemakerGuardrailPolicyArn"] == "arn:aws:iam::123456789012:policy/safemaker-guardrail"
    assert outputs["SafemakerExecutionRolePolicyArn"] == "arn:aws:iam::123456789012:policy/safemaker-execution-role"
    client = safemaker_session.client("iam")
    names = {p["PolicyName"] for p in client.list_policies(Scope="Local")["Policies"]}
    assert names == {iam.policy_name(k, i) for k, docs in rendered.items() for i in range(len(docs))}
    arn = outputs["SafemakerPassRolePolicyArn"]
    version = client.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    assert client.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"] == \
        rendered["pass-role"][0]


def test_CreateTransformJob_of_an_open_model_is_a_referenced_resource_blind_spot(safemaker_local, safemaker_session,
                                                                                   profile):
    plain = safemaker_session.client("sagemaker")
    plain.create_model(ModelName="open-model", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMG})
    hooks.install(safemaker_session, profile)
    guarded = safemaker_session.client("sagemaker")
    params = {"TransformJobName": "t", "ModelName": "open-model",
              "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/in"}}},
              "TransformOutput": {"S3OutputPath": "s3://b/out", "KmsKeyId": "alias/sagemaker-output"},
              "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeKmsKeyId": KEY_ARN}}
    with pytest.raises(GuardrailViolation) as exc:
        guarded.create_transform_job(**params)
    assert safemaker_local.request_count("sagemaker", "CreateTransformJob") == 0
    assert safemaker_local.request_count("sagemaker", "DescribeModel") == 1
    paths = [v.path for v in exc.value.violations]
    assert "ModelName -> DescribeModel(ModelName='open-model').VpcConfig" in paths
    case = iam.parity_case("CreateTransformJob", params, profile, violations=exc.value.violations)
    assert case.guard_refuses and not case.iam_denies
    assert case.blind_spots == {BlindSpot.REFERENCED_RESOURCE}
    docs = [iam.BASELINE_ALLOW, *iam.guardrail_policy(profile), *iam.pass_role_policy(profile)]
    decisions = [evaluate(docs, r).decision
                 for r in iam.authorization_requests("CreateTransformJob", params, source_vpce=VPCE)]
    assert decisions == ["allowed"]
