"""``safemaker check`` on the EventBridge targets that start a SageMaker pipeline with parameters.

An EventBridge rule target, an EventBridge Scheduler templated target and an EventBridge Pipes target
whose ``Arn`` is a pipeline start an execution with the target's pipeline parameter list in place of
the parameters' defaults: the ``StartPipelineExecution`` the guard decides at run time. Oracles:
cfn-lint's resource schemas (``SageMakerPipelineParameters.PipelineParameterList`` of
``AWS::Events::Rule`` targets, ``AWS::Scheduler::Schedule`` targets, ``AWS::Pipes::Pipe``
``TargetParameters``); the Terraform AWS provider's attribute names (``r/cloudwatch_event_target``
``sagemaker_pipeline_target.pipeline_parameter_list``, ``r/scheduler_schedule`` and ``r/pipes_pipe``
``sagemaker_pipeline_parameters.pipeline_parameter``); botocore's model for what
``EnableNetworkIsolation`` false means (below). The pipeline here takes ``EnableNetworkIsolation``
from a parameter whose default is true: allowed only by a profile with
``allow_pipeline_network_parameters``; an execution that gives it false runs the training job open.
"""

from __future__ import annotations

import json

import botocore.session
import pytest

from test_iac_cli import PROFILE_TOML, ROLE, run_json

_PIPELINE_ARN = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/closed-pipe"
_DEFINITION = json.dumps({"Version": "2020-12-01",
                          "Parameters": [{"Name": "Iso", "Type": "Boolean", "DefaultValue": True}],
                          "Steps": [{"Name": "T", "Type": "Training", "Arguments": {
                              "AlgorithmSpecification": {"TrainingImage": "i", "TrainingInputMode": "File"},
                              "RoleArn": ROLE, "OutputDataConfig": {"S3OutputPath": "s3://b/o"},
                              "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1,
                                                 "VolumeSizeInGB": 10},
                              "StoppingCondition": {"MaxRuntimeInSeconds": 60},
                              "EnableNetworkIsolation": {"Get": "Parameters.Iso"},
                              "EnableInterContainerTrafficEncryption": True,
                              "VpcConfig": {"Subnets": ["subnet-0aaaaaaaaaaaaaaaa"],
                                            "SecurityGroupIds": ["sg-0bbbbbbbbbbbbbbbb"]}}}]})


@pytest.fixture
def relaxed(tmp_path):
    p = tmp_path / "relaxed.toml"
    p.write_text(PROFILE_TOML + "allow_pipeline_network_parameters = true\n")
    return str(p)


def test_oracles():
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER  # here, not at collection: ~1 s of CPU for each pytest process

    doc = botocore.session.get_session().get_service_model("sagemaker").operation_model(
        "CreateTrainingJob").input_shape.members["EnableNetworkIsolation"].documentation
    assert "network" in doc.lower()
    for rtype, definition in (("AWS::Events::Rule", "Target"), ("AWS::Scheduler::Schedule", "Target"),
                              ("AWS::Pipes::Pipe", "PipeTargetParameters")):
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", rtype).schema
        assert "SageMakerPipelineParameters" in schema["definitions"][definition]["properties"], rtype


def _cfn(tmp_path, targets):
    resources = {"Pipe": {"Type": "AWS::SageMaker::Pipeline", "Properties": {
        "PipelineName": "closed-pipe", "RoleArn": ROLE,
        "PipelineDefinition": {"PipelineDefinitionBody": _DEFINITION}}}}
    resources.update(targets)
    f = tmp_path / "t.json"
    f.write_text(json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}, indent=1))
    return str(f)


def _params(value):
    return {"PipelineParameterList": [{"Name": "Iso", "Value": value}]}


_BUILT_ARN = {"Fn::Sub": "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:pipeline/${Pipe}"}


@pytest.mark.parametrize("arn", [_PIPELINE_ARN, _BUILT_ARN], ids=["literal-arn", "arn-built-from-the-pipeline"])
def test_cloudformation_targets_that_turn_isolation_off_fail(relaxed, tmp_path, arn):
    targets = {
        "Rule": {"Type": "AWS::Events::Rule", "Properties": {"ScheduleExpression": "rate(1 day)", "Targets": [
            {"Id": "t", "Arn": arn, "RoleArn": ROLE, "SageMakerPipelineParameters": _params("false")}]}},
        "Sched": {"Type": "AWS::Scheduler::Schedule", "Properties": {
            "ScheduleExpression": "rate(1 day)", "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {"Arn": arn, "RoleArn": ROLE, "SageMakerPipelineParameters": _params("false")}}},
        "Pipe2": {"Type": "AWS::Pipes::Pipe", "Properties": {
            "RoleArn": ROLE, "Source": "arn:aws:sqs:us-east-1:123456789012:q", "Target": arn,
            "TargetParameters": {"SageMakerPipelineParameters": _params("false")}}},
    }
    r, rows = run_json(relaxed, _cfn(tmp_path, targets))
    assert r.exit_code == 3, r.output
    assert sorted((x["status"], x["rule_id"], x["logical_id"], x["path"], x["found"]) for x in rows) == [
        ("FAIL", "SM-NET-ISOLATION", "Pipe2", "TargetParameters.SageMakerPipelineParameters.PipelineParameterList",
         False),
        ("FAIL", "SM-NET-ISOLATION", "Rule", "Targets[0].SageMakerPipelineParameters.PipelineParameterList", False),
        ("FAIL", "SM-NET-ISOLATION", "Sched", "Target.SageMakerPipelineParameters.PipelineParameterList", False),
    ]


def test_cloudformation_targets_that_keep_isolation_pass(relaxed, tmp_path):
    targets = {"Rule": {"Type": "AWS::Events::Rule", "Properties": {"ScheduleExpression": "rate(1 day)", "Targets": [
        {"Id": "a", "Arn": _PIPELINE_ARN, "RoleArn": ROLE, "SageMakerPipelineParameters": _params("true")},
        {"Id": "b", "Arn": _PIPELINE_ARN, "RoleArn": ROLE},
        {"Id": "c", "Arn": "arn:aws:sqs:us-east-1:123456789012:q"}]}}}
    r, rows = run_json(relaxed, _cfn(tmp_path, targets))
    assert r.exit_code == 0 and rows == []


def test_a_target_starting_a_pipeline_outside_the_source_cannot_be_verified(relaxed, tmp_path):
    targets = {"Rule": {"Type": "AWS::Events::Rule", "Properties": {"ScheduleExpression": "rate(1 day)", "Targets": [
        {"Id": "a", "Arn": "arn:aws:sagemaker:us-east-1:123456789012:pipeline/elsewhere", "RoleArn": ROLE,
         "SageMakerPipelineParameters": _params("false")}]}}}
    r, rows = run_json(relaxed, _cfn(tmp_path, targets))
    assert [(x["status"], x["rule_id"], x["path"]) for x in rows] == [("UNKNOWN", "SM-REFERENCE", "Targets[0].Arn")]


def _plan(tmp_path, arn_known):
    def change(address, rtype, after, unknown):
        return {"address": address, "mode": "managed", "type": rtype, "name": address.split(".")[1],
                "change": {"actions": ["create"], "after": after, "after_unknown": unknown}}

    arn = _PIPELINE_ARN if arn_known else None
    unknown = {} if arn_known else {"arn": True}
    params = [{"name": "Iso", "value": "false"}]
    changes = [
        change("aws_sagemaker_pipeline.p", "aws_sagemaker_pipeline",
               {"pipeline_name": "closed-pipe", "role_arn": ROLE, "pipeline_definition": _DEFINITION},
               {"arn": True}),
        change("aws_cloudwatch_event_target.t", "aws_cloudwatch_event_target",
               {"rule": "r", "arn": arn, "role_arn": ROLE,
                "sagemaker_pipeline_target": [{"pipeline_parameter_list": params}]}, unknown),
        change("aws_scheduler_schedule.s", "aws_scheduler_schedule",
               {"name": "s", "target": [{"arn": arn, "role_arn": ROLE, "sagemaker_pipeline_parameters": [
                   {"pipeline_parameter": params}]}]}, {"target": [unknown]}),
        change("aws_pipes_pipe.pp", "aws_pipes_pipe",
               {"name": "pp", "source": "arn:aws:sqs:us-east-1:123456789012:q", "target": arn, "role_arn": ROLE,
                "target_parameters": [{"sagemaker_pipeline_parameters": [{"pipeline_parameter": params}]}]},
               {"target": True} if not arn_known else {}),
    ]
    ref = {"references": ["aws_sagemaker_pipeline.p.arn", "aws_sagemaker_pipeline.p"]}
    config = {"root_module": {"resources": [
        {"address": "aws_cloudwatch_event_target.t", "expressions": {"arn": ref}},
        {"address": "aws_scheduler_schedule.s", "expressions": {"target": [{"arn": ref}]}},
        {"address": "aws_pipes_pipe.pp", "expressions": {"target": ref}}]}}
    f = tmp_path / "plan.json"
    f.write_text(json.dumps({"format_version": "1.2", "resource_changes": changes, "configuration": config},
                            indent=1))
    return str(f)


@pytest.mark.parametrize("arn_known", [True, False], ids=["literal-arn", "arn-known-after-apply"])
def test_terraform_targets_that_turn_isolation_off_fail(relaxed, tmp_path, arn_known):
    r, rows = run_json(relaxed, _plan(tmp_path, arn_known))
    assert r.exit_code == 3, r.output
    assert sorted((x["status"], x["rule_id"], x["logical_id"], x["path"], x["found"]) for x in rows) == [
        ("FAIL", "SM-NET-ISOLATION", "aws_cloudwatch_event_target.t",
         "sagemaker_pipeline_target.pipeline_parameter_list", False),
        ("FAIL", "SM-NET-ISOLATION", "aws_pipes_pipe.pp",
         "target_parameters.sagemaker_pipeline_parameters.pipeline_parameter", False),
        ("FAIL", "SM-NET-ISOLATION", "aws_scheduler_schedule.s",
         "target.sagemaker_pipeline_parameters.pipeline_parameter", False),
    ]
