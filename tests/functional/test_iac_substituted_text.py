"""A value only deployment knows that may be any text, substituted as text into a document the guard parses, makes
that document "cannot be verified" wherever it sits (issue 13, trial 18 F04 and F05).

Oracles (AWS CloudFormation User Guide and Template Reference):

- "Get values stored in other services using dynamic references": "CloudFormation retrieves the value of the
  specified reference when necessary during stack and change set operations"; patterns ``ssm`` (plaintext
  Parameter Store values), ``ssm-secure``, ``secretsmanager``.
- "Specify existing resources at runtime with CloudFormation-supplied parameter types": an
  ``AWS::SSM::Parameter::Value<String>`` parameter takes the Parameter Store value at stack create/update;
  UpdateStack ``UsePreviousValue``: the stack's stored value.
- ``Fn::Sub``: "Substitutes variables in an input string with values that you specify" (the result is text);
  ``Fn::ImportValue``: "returns the value of an output exported by another stack" (any string);
  ``AWS::SSM::Parameter`` return values: ``Fn::GetAtt`` ``Value`` "Returns the value of the parameter";
  ``AWS::StepFunctions::StateMachine`` ``DefinitionString``: "The Amazon States Language definition of the state
  machine ... in JSON"; ``DefinitionSubstitutions``: "A map (string to string) that specifies the mappings for
  placeholder variables in the state machine definition" (the resource handler replaces ``${Key}`` in the text).
- Ref return values: ``AWS::Lambda::Function`` the function name, ``AWS::DynamoDB::Table`` the table name;
  ``Fn::GetAtt`` ``Arn`` the ARN; pseudo parameters ``AWS::Region``, ``AWS::AccountId``, ``AWS::Partition``,
  ``AWS::URLSuffix``, ``AWS::StackName`` (names, digits and ARNs: no quote, backslash or newline).

A value such as ``0.1"}, "RemoteDebugConfig": {"EnableRemoteDebug": true}, "Environment": {"x": "y`` in
``HyperParameters`` would add ``RemoteDebugConfig`` to the training job the deployed state machine starts.
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

import safemaker
from safemaker.errors import GuardrailViolation

from _profiles import IMG, ROLE, SG, SUB_A
from test_iac_cli import profile_file, run_json  # noqa: F401  (profile_file: fixture)

SFN_ROLE = "arn:aws:iam::123456789012:role/sfn"
PAYLOAD = '0.1"}, "RemoteDebugConfig": {"EnableRemoteDebug": true}, "Environment": {"x": "y'


def job(lr: str) -> dict:
    return {"TrainingJobName": "j", "RoleArn": ROLE,
            "AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"},
            "OutputDataConfig": {"S3OutputPath": "s3://b/o"},
            "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            "EnableNetworkIsolation": True, "EnableInterContainerTrafficEncryption": True,
            "VpcConfig": {"Subnets": [SUB_A], "SecurityGroupIds": [SG]}, "HyperParameters": {"lr": lr}}


def definition(lr: str) -> str:
    return json.dumps({"StartAt": "Train", "States": {"Train": {
        "Type": "Task", "Resource": "arn:aws:states:::sagemaker:createTrainingJob.sync", "Parameters": job(lr),
        "End": True}}})


def machine(definition_string, **more) -> dict:
    return {"Type": "AWS::StepFunctions::StateMachine",
            "Properties": {"RoleArn": SFN_ROLE, "DefinitionString": definition_string, **more}}


SSM_PARAMETER = {"Type": "AWS::SSM::Parameter", "Properties": {"Type": "String", "Value": PAYLOAD}}
CUSTOM = {"Type": "Custom::Settings", "Properties": {"ServiceToken": "arn:aws:lambda:us-east-1:123456789012:"
                                                                    "function:settings"}}

# (id, template, the value the refusal names)
DEPLOY_TIME_TEXT = [
    ("dynamic-reference-ssm", {"Resources": {"Sm": machine(definition("{{resolve:ssm:/ml/learning-rate}}"))}},
     "{{resolve:ssm:/ml/learning-rate}}"),
    ("dynamic-reference-secretsmanager", {"Resources": {"Sm": machine(definition(
        "{{resolve:secretsmanager:ml:SecretString:lr}}"))}}, "{{resolve:secretsmanager:ml:SecretString:lr}}"),
    ("ssm-parameter-type", {"Parameters": {"Lr": {"Type": "AWS::SSM::Parameter::Value<String>",
                                                  "Default": "/ml/learning-rate"}},
                            "Resources": {"Sm": machine({"Fn::Sub": definition("${Lr}")})}}, "${Lr}"),
    ("import-value", {"Resources": {"Sm": machine({"Fn::Sub": [definition("${Lr}"),
                                                                {"Lr": {"Fn::ImportValue": "shared-lr"}}]})}},
     "Fn::ImportValue"),
    ("ssm-parameter-value-attribute", {"Resources": {"P": SSM_PARAMETER,
                                                     "Sm": machine({"Fn::Sub": definition("${P.Value}")})}},
     "${P.Value}"),
    ("definition-substitutions", {"Resources": {"P": SSM_PARAMETER, "Sm": machine(
        definition("${Lr}"), DefinitionSubstitutions={"Lr": {"Fn::GetAtt": ["P", "Value"]}})}}, "${P.Value}"),
    ("custom-resource-attribute", {"Resources": {"C": CUSTOM, "Sm": machine({"Fn::Join": ["", [
        definition("LR").split("LR")[0], {"Fn::GetAtt": ["C", "LearningRate"]}, definition("LR").split("LR")[1]]]})}},
     "${C.LearningRate}"),
    ("custom-resource-ref", {"Resources": {"C": CUSTOM, "Sm": machine({"Fn::Sub": definition("${C}")})}}, "${C}"),
    ("nested-stack-output", {"Resources": {
        "Child": {"Type": "AWS::CloudFormation::Stack",
                  "Properties": {"TemplateURL": "https://s3.amazonaws.com/b/child.json"}},
        "Sm": machine({"Fn::Sub": definition("${Child.Outputs.Lr}")})}}, "${Child.Outputs.Lr}"),
]


def _refused_for(exc: GuardrailViolation, member: str, named: str) -> None:
    hits = [v for v in exc.violations if v.path == f"TemplateBody:Sm.{member}" and v.rule_id == "SM-REFERENCE"]
    assert hits, [(v.path, v.rule_id, v.message) for v in exc.violations]
    assert named in str(hits[0].found) and "may be any text" in hits[0].fix, hits[0].fix
    assert "make it a template parameter the request gives" in hits[0].fix


@pytest.mark.parametrize("template, named", [pytest.param(t, n, id=i) for i, t, n in DEPLOY_TIME_TEXT])
def test_guarded_create_stack_of_text_only_deployment_knows_is_refused(safemaker_local, safemaker_session, profile,
                                                                      template, named):
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation")
    with pytest.raises(GuardrailViolation) as exc:
        cfn.create_stack(StackName="train", TemplateBody=json.dumps(template))
    _refused_for(exc.value, "DefinitionString", named)
    with pytest.raises(GuardrailViolation):
        cfn.create_change_set(StackName="train", ChangeSetName="c", ChangeSetType="CREATE",
                              TemplateBody=json.dumps(template))
    with pytest.raises(GuardrailViolation):
        cfn.create_stack_set(StackSetName="train", TemplateBody=json.dumps(template))
    assert safemaker_local.request_count("cloudformation") == 0


def test_the_value_given_in_the_request_is_decided_as_substituted(safemaker_local, safemaker_session, profile):
    template = {"Parameters": {"Lr": {"Type": "String"}},
                "Resources": {"Sm": machine({"Fn::Sub": definition("${Lr}")})}}
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation")
    with pytest.raises(GuardrailViolation) as exc:
        cfn.create_stack(StackName="train", TemplateBody=json.dumps(template),
                         Parameters=[{"ParameterKey": "Lr", "ParameterValue": PAYLOAD}])
    assert [v.path for v in exc.value.violations] == [
        "TemplateBody:Sm.DefinitionString.States.Train.Parameters.RemoteDebugConfig.EnableRemoteDebug"]
    assert safemaker_local.request_count("cloudformation", "CreateStack") == 0
    try:
        cfn.create_stack(StackName="train", TemplateBody=json.dumps(template),
                         Parameters=[{"ParameterKey": "Lr", "ParameterValue": "0.1"}])
    except (ClientError, BotoCoreError, ResponseParserError):
        pass   # moto's own answer: it was sent
    assert safemaker_local.request_count("cloudformation", "CreateStack") >= 1   # sent


def test_update_stack_with_the_previous_value_substituted_is_refused(safemaker_local, safemaker_session, profile):
    # the stack's stored value is the payload (UpdateStack UsePreviousValue: CloudFormation reuses it)
    cfn = safemaker_session.client("cloudformation")
    cfn.create_stack(StackName="prev", TemplateBody=json.dumps({
        "Parameters": {"Lr": {"Type": "String"}}, "Resources": {"B": {"Type": "AWS::S3::Bucket"}}}),
        Parameters=[{"ParameterKey": "Lr", "ParameterValue": PAYLOAD}])
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation")
    template = {"Parameters": {"Lr": {"Type": "String"}},
                "Resources": {"Sm": machine({"Fn::Sub": definition("${Lr}")})}}
    with pytest.raises(GuardrailViolation) as exc:
        cfn.update_stack(StackName="prev", TemplateBody=json.dumps(template),
                         Parameters=[{"ParameterKey": "Lr", "UsePreviousValue": True}])
    _refused_for(exc.value, "DefinitionString", "${Lr}")
    assert safemaker_local.request_count("cloudformation", "UpdateStack") == 0
    # a Number parameter cannot hold a quote: CloudFormation checks the stored value against the type
    number = {"Parameters": {"Lr": {"Type": "Number"}}, "Resources": template["Resources"]}
    try:
        cfn.update_stack(StackName="prev", TemplateBody=json.dumps(number),
                         Parameters=[{"ParameterKey": "Lr", "UsePreviousValue": True}])
    except (ClientError, BotoCoreError, ResponseParserError):
        pass
    assert safemaker_local.request_count("cloudformation", "UpdateStack") >= 1   # sent (botocore may retry moto's answer)


def cdk_template() -> dict:
    """A state machine as the CDK synthesizes it: Lambda ARNs, Refs and pseudo parameters joined into the text."""
    head = ('{"StartAt":"Prepare","States":{"Prepare":{"Next":"Train","Type":"Task","Resource":"arn:'
            )
    parts = [head, {"Ref": "AWS::Partition"}, ':states:::lambda:invoke","Parameters":{"FunctionName":"',
             {"Fn::GetAtt": ["PrepareFn", "Arn"]}, '","Payload":{"table":"', {"Ref": "Table"},
             '","stack":"', {"Ref": "AWS::StackName"}, '","fn":"', {"Ref": "PrepareFn"},
             '"}}},"Train":{"End":true,"Type":"Task","Resource":"arn:', {"Ref": "AWS::Partition"},
             ':states:::sagemaker:createTrainingJob.sync","Parameters":',
             json.dumps({**job("0.1"), "OutputDataConfig": {"S3OutputPath": "S3PATH"}}).split('"S3PATH"')[0],
             '"s3://', {"Ref": "Bucket"}, '/', {"Ref": "AWS::AccountId"}, '-', {"Ref": "AWS::Region"}, '.',
             {"Ref": "AWS::URLSuffix"}, '"',
             json.dumps({**job("0.1"), "OutputDataConfig": {"S3OutputPath": "S3PATH"}}).split('"S3PATH"')[1], "}}}"]
    return {"Resources": {
        "PrepareFn": {"Type": "AWS::Lambda::Function", "Properties": {
            "Code": {"ZipFile": "def handler(event, context):\n    return event\n"}, "Handler": "index.handler",
            "Role": ROLE, "Runtime": "python3.12"}},
        "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {
            "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST"}},
        "Bucket": {"Type": "AWS::S3::Bucket"},
        "Sm": machine({"Fn::Join": ["", parts]})}}


def test_a_cdk_shaped_definition_of_arns_refs_and_pseudo_parameters_is_sent(safemaker_local, safemaker_session,
                                                                            profile, profile_file, tmp_path):
    template = cdk_template()
    f = tmp_path / "cdk.json"
    f.write_text(json.dumps(template))
    r, rows = run_json(profile_file, str(f))
    assert [(x["status"], x["rule_id"], x["path"]) for x in rows if x.get("status") in ("FAIL", "UNKNOWN")] == []
    assert r.exit_code == 0, r.output
    safemaker.install_process(profile)
    try:
        safemaker_session.client("cloudformation").create_stack(StackName="cdk", TemplateBody=json.dumps(template))
    except (ClientError, BotoCoreError, ResponseParserError):
        pass   # moto's own answer: it was sent
    assert safemaker_local.request_count("cloudformation", "CreateStack") >= 1   # sent


def _check(profile_file, tmp_path, template):
    f = tmp_path / "t.json"
    f.write_text(json.dumps(template))
    r, rows = run_json(profile_file, str(f))
    return r, sorted((x["status"], x["rule_id"], x["logical_id"], x["path"]) for x in rows
                     if x.get("status") in ("FAIL", "UNKNOWN"))


@pytest.mark.parametrize("template, named", [pytest.param(t, n, id=i) for i, t, n in DEPLOY_TIME_TEXT])
def test_check_says_the_definition_cannot_be_verified(profile_file, tmp_path, template, named):
    r, found = _check(profile_file, tmp_path, template)
    # (the nested stack's own TemplateURL in S3 cannot be verified either)
    assert [x for x in found if x[2] == "Sm"] == [("UNKNOWN", "SM-REFERENCE", "Sm", "DefinitionString")]
    assert r.exit_code != 0


PIPELINE_BODY = json.dumps({"Version": "2020-12-01", "Metadata": {"owner": "OWNER"}, "Steps": []})
AUTOMATION = json.dumps({"schemaVersion": "0.3", "description": "OWNER", "mainSteps": [
    {"name": "s", "action": "aws:sleep", "inputs": {"Duration": "PT1S"}}]})
CREATE_CALL = json.dumps({"service": "SSM", "action": "putParameter", "parameters": {"Name": "n", "Value": "OWNER"}})
SSM_TEXT = "{{resolve:ssm:/team/owner}}"


@pytest.mark.parametrize("resource, member", [
    ({"Type": "AWS::SageMaker::Pipeline", "Properties": {"PipelineName": "p", "RoleArn": ROLE, "PipelineDefinition": {
        "PipelineDefinitionBody": PIPELINE_BODY.replace("OWNER", SSM_TEXT)}}},
     "PipelineDefinition.PipelineDefinitionBody"),
    ({"Type": "AWS::SSM::Document", "Properties": {"DocumentType": "Automation",
                                                   "Content": AUTOMATION.replace("OWNER", SSM_TEXT)}}, "Content"),
    ({"Type": "Custom::AWS", "Properties": {"ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:f",
                                            "Create": CREATE_CALL.replace("OWNER", SSM_TEXT)}}, "Create"),
], ids=["pipeline-body", "ssm-document-content", "cdk-aws-custom-resource"])
def test_other_text_documents_holding_a_dynamic_reference_cannot_be_verified(safemaker_local, safemaker_session,
                                                                            profile, profile_file, tmp_path,
                                                                            resource, member):
    template = {"Resources": {"R": resource}}
    r, found = _check(profile_file, tmp_path, template)
    assert found == [("UNKNOWN", "SM-REFERENCE", "R", member)]
    # the same document with the value written: nothing to refuse
    plain = json.loads(json.dumps(template).replace(SSM_TEXT, "data-team"))
    assert _check(profile_file, tmp_path, plain)[1] == []
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation")
    with pytest.raises(GuardrailViolation) as exc:
        cfn.create_stack(StackName="s", TemplateBody=json.dumps(template))
    assert [(v.path, v.rule_id) for v in exc.value.violations] == [(f"TemplateBody:R.{member}", "SM-REFERENCE")]
    assert safemaker_local.request_count("cloudformation", "CreateStack") == 0


def test_a_dynamic_reference_in_a_guarded_property_cannot_be_verified(profile_file, tmp_path):
    # AWS::SageMaker::EndpointConfig ProductionVariants[].EnableSSMAccess (boolean): a literal "{{resolve:...}}" is
    # not true, so it was decided as closed; CloudFormation writes the Parameter Store value there
    config = {"Type": "AWS::SageMaker::EndpointConfig", "Properties": {"ProductionVariants": [{
        "VariantName": "v", "ModelName": "m", "InitialInstanceCount": 1, "InstanceType": "ml.m5.large",
        "EnableSSMAccess": "{{resolve:ssm:/ml/ssm-access}}"}]}}
    r, found = _check(profile_file, tmp_path, {"Resources": {"Cfg": config}})
    assert ("UNKNOWN", "SM-REMOTE-ACCESS", "Cfg", "ProductionVariants[0].EnableSSMAccess") in found, found


@pytest.mark.parametrize("declared, given, unknown", [
    ({"Type": "String", "Default": "0.1"}, (), True),                 # the deployer may type any text
    ({"Type": "String", "Default": "0.1", "AllowedValues": ["0.1", "0.2"]}, (), False),
    ({"Type": "Number", "Default": "0.1"}, (), False),                # CloudFormation accepts only a number
    ({"Type": "String", "Default": "0.1"}, ("--parameter", "Lr=0.1"), False),
])
def test_check_of_a_parameter_the_deployer_types_into_the_definition(profile_file, tmp_path, declared, given,
                                                                       unknown):
    template = {"Parameters": {"Lr": declared}, "Resources": {"Sm": machine({"Fn::Sub": definition("${Lr}")})}}
    f = tmp_path / "t.json"
    f.write_text(json.dumps(template))
    r, rows = run_json(profile_file, str(f), *given)
    found = [(x["status"], x["rule_id"], x["path"], x.get("when")) for x in rows
             if x.get("status") in ("FAIL", "UNKNOWN")]
    if not unknown:
        assert found == [] and r.exit_code == 0, found
        return
    assert [x[:3] for x in found] == [("UNKNOWN", "SM-REFERENCE", "DefinitionString")]
    assert "Lr" in str(found[0][3])
    row = next(x for x in rows if x.get("status") == "UNKNOWN")
    assert "decided at deploy time" in row["found"] and "--parameter Lr=VALUE" in row["fix"]


NOTEBOOK = {"NotebookInstanceName": "nb", "InstanceType": "ml.t3.medium", "RoleArn": ROLE, "SubnetId": SUB_A,
            "SecurityGroupIds": [SG], "DirectInternetAccess": "Disabled", "RootAccess": "Disabled",
            "Tags": [{"Key": "owner", "Value": "OWNER"}]}


@pytest.mark.parametrize("resource, member", [
    # EventBridge Scheduler universal target: Target.Input is the request's JSON text
    ({"Type": "AWS::Scheduler::Schedule", "Properties": {
        "ScheduleExpression": "rate(1 day)", "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {"Arn": "arn:aws:scheduler:::aws-sdk:sagemaker:createNotebookInstance",
                   "RoleArn": SFN_ROLE, "Input": {"Fn::Sub": json.dumps(NOTEBOOK).replace("OWNER", "${Owner}")}}}},
     "Target.Input"),
    # a stack set's TemplateBody is a template written as text
    ({"Type": "AWS::CloudFormation::StackSet", "Properties": {
        "StackSetName": "ss", "PermissionModel": "SELF_MANAGED",
        "TemplateBody": {"Fn::Sub": json.dumps({"Resources": {"Nb": {
            "Type": "AWS::SageMaker::NotebookInstance", "Properties": NOTEBOOK}}}).replace("OWNER", "${Owner}")}}},
     "TemplateBody"),
], ids=["schedule-input", "stack-set-template-body"])
def test_an_ssm_parameter_type_in_other_text_documents_cannot_be_verified(profile_file, tmp_path, resource, member):
    owner = {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/team/owner"}
    r, found = _check(profile_file, tmp_path, {"Parameters": {"Owner": owner}, "Resources": {"R": resource}})
    assert found == [("UNKNOWN", "SM-REFERENCE", "R", member)]
    # the same with the owner written (a closed notebook): nothing to report
    given = {"Parameters": {"Owner": {"Type": "String", "AllowedValues": ["data-team"]}}, "Resources": {"R": resource}}
    assert _check(profile_file, tmp_path, given)[1] == []


def test_an_openapi_body_written_as_text_with_a_deploy_time_text_value_cannot_be_verified(profile_file, tmp_path):
    # AWS::ApiGateway::RestApi Body: "An OpenAPI specification that defines a set of RESTful APIs in JSON format";
    # a quote in the SSM value could add an x-amazon-apigateway-integration calling SageMaker
    body = json.dumps({"openapi": "3.0.1", "info": {"title": "api", "version": "1", "description": "${Owner}"},
                       "paths": {}})
    template = {"Parameters": {"Owner": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/team/owner"}},
                "Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Body": {"Fn::Sub": body}}}}}
    assert _check(profile_file, tmp_path, template)[1] == [("UNKNOWN", "SM-REFERENCE", "Api", "Body")]
    template["Parameters"]["Owner"] = {"Type": "String", "AllowedValues": ["data-team"]}
    assert _check(profile_file, tmp_path, template)[1] == []
