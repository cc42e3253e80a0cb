"""``safemaker check`` of a carrier's call that the guard decides as the call it makes run (trial 15 F03).

A Step Functions AWS SDK task, an EventBridge Scheduler universal target or an Automation ``aws:executeAwsApi`` step
calling SageMaker ``UpdatePipelineVersion`` with ``PipelineVersionAliasOperations.Add`` moves an alias every later
start of it runs by (botocore sagemaker ``StartPipelineExecution.PipelineVersionAlias``: "The alias of the pipeline
version to start the execution from"). The process guard decides it as a start of that version, described; a source
read on its own holds no pipeline version's definition (SageMaker keeps it), so ``check`` reports it as cannot be
verified before deployment, on the member that moves the alias, in a state machine definition, a CloudFormation
template and a Terraform plan alike, as a ``startPipelineExecution`` of the same version is (exit 3, never "all inside
the closed network"). One that adds no alias is what the rule table says of it: no network effect.

Oracles: botocore's sagemaker model (the members of both operations), the Step Functions Developer Guide (AWS SDK
integrations: ``arn:aws:states:::aws-sdk:serviceName:apiAction``), the Scheduler User Guide (universal targets:
``arn:aws:scheduler:::aws-sdk:service:apiAction``, the Input is the request), the Automation action reference
(``aws:executeAwsApi``), and the decision of the ``startPipelineExecution`` of the same version.
"""

from __future__ import annotations

import json

import botocore.session
import pytest

from test_iac_cli import ROLE, profile_file, run_json  # noqa: F401  (profile_file: fixture)

ARN = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/p"
ADD = {"PipelineArn": ARN, "PipelineVersionId": 1, "PipelineVersionAliasOperations": {"Add": ["prod"]}}
START = {"PipelineName": ARN, "PipelineVersionId": 1}


def test_the_members_mapped_are_botocore_s():
    sm = botocore.session.get_session().get_service_model("sagemaker")
    update = sm.operation_model("UpdatePipelineVersion").input_shape
    start = sm.operation_model("StartPipelineExecution").input_shape
    assert {"PipelineArn", "PipelineVersionId", "PipelineVersionAliasOperations"} <= set(update.members)
    assert "Add" in update.members["PipelineVersionAliasOperations"].members
    assert {"PipelineName", "PipelineVersionId", "PipelineVersionAlias"} <= set(start.members)
    assert "Add" in update.members["PipelineVersionAliasOperations"].members


def _camel(operation):
    return operation[0].lower() + operation[1:]


def _machine(operation, params):
    return {"StartAt": "S", "States": {"S": {"Type": "Task", "End": True, "Parameters": params,
                                             "Resource": f"arn:aws:states:::aws-sdk:sagemaker:{_camel(operation)}"}}}


def _runbook(operation, params):
    return {"schemaVersion": "0.3", "mainSteps": [{"name": "a", "action": "aws:executeAwsApi",
                                                   "inputs": {"Service": "sagemaker", "Api": operation, **params}}]}


def _target(operation, params):
    return {"Arn": f"arn:aws:scheduler:::aws-sdk:sagemaker:{_camel(operation)}", "RoleArn": ROLE,
            "Input": json.dumps(params)}


def _definition_file(tmp_path, operation, params):
    f = tmp_path / "machine.json"
    f.write_text(json.dumps(_machine(operation, params), indent=1))
    return str(f)


def _cloudformation(tmp_path, operation, params):
    resources = {
        "Machine": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
            "RoleArn": ROLE, "DefinitionString": json.dumps(_machine(operation, params))}},
        "Sched": {"Type": "AWS::Scheduler::Schedule", "Properties": {
            "ScheduleExpression": "rate(1 day)", "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": _target(operation, params)}},
        "Doc": {"Type": "AWS::SSM::Document", "Properties": {"DocumentType": "Automation",
                                                            "Content": _runbook(operation, params)}},
    }
    f = tmp_path / "t.json"
    f.write_text(json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}, indent=1))
    return str(f)


def _terraform(tmp_path, operation, params):
    def change(address, after):
        rtype, name = address.split(".")
        return {"address": address, "mode": "managed", "type": rtype, "name": name,
                "change": {"actions": ["create"], "after": after, "after_unknown": {}}}

    target = _target(operation, params)
    f = tmp_path / "plan.json"
    f.write_text(json.dumps({"format_version": "1.2", "resource_changes": [
        change("aws_sfn_state_machine.m", {"name": "m", "role_arn": ROLE,
                                           "definition": json.dumps(_machine(operation, params))}),
        change("aws_scheduler_schedule.s", {"name": "s", "target": [
            {"arn": target["Arn"], "role_arn": ROLE, "input": target["Input"]}]}),
        change("aws_ssm_document.d", {"name": "d", "document_type": "Automation", "document_format": "JSON",
                                      "content": json.dumps(_runbook(operation, params))}),
    ]}, indent=1))
    return str(f)


SOURCES = [pytest.param(_definition_file, 1, id="state-machine-definition"),
           pytest.param(_cloudformation, 3, id="cloudformation"),
           pytest.param(_terraform, 3, id="terraform")]


def _rows(rows):
    return sorted((x["status"], x["rule_id"], x["logical_id"], x["path"], x["line"]) for x in rows if "status" in x)


@pytest.mark.parametrize("source, carriers", SOURCES)
def test_an_alias_added_cannot_be_verified_where_a_start_of_that_version_cannot(profile_file, tmp_path, source,
                                                                              carriers):
    start, starts = run_json(profile_file, source(tmp_path, "StartPipelineExecution", START))
    moved, moves = run_json(profile_file, source(tmp_path, "UpdatePipelineVersion", ADD))
    assert start.exit_code == moved.exit_code == 3, moved.output
    assert len(_rows(moves)) == len(_rows(starts)) == carriers
    assert {(x["status"], x["rule_id"]) for x in moves} == {("UNKNOWN", "SM-REFERENCE")}
    # each carrier of the start is reported for the move too, on the member that moves the alias
    assert sorted((i, p.rsplit(".", 1)[0]) for _s, _r, i, p, _l in _rows(starts)) == \
        sorted((i, p[:-len(".PipelineVersionAliasOperations.Add")]) for _s, _r, i, p, _l in _rows(moves))
    assert all(x["path"].endswith("PipelineVersionAliasOperations.Add") for x in moves)
    assert all("version 1" in x["found"] and ARN in x["found"] for x in moves)


@pytest.mark.parametrize("source, carriers", SOURCES)
def test_an_update_that_adds_no_alias_has_no_network_effect(profile_file, tmp_path, source, carriers):
    for params in ({**ADD, "PipelineVersionAliasOperations": {"Remove": ["prod"]}},
                   {"PipelineArn": ARN, "PipelineVersionId": 1, "PipelineVersionDescription": "old"}):
        r, rows = run_json(profile_file, source(tmp_path, "UpdatePipelineVersion", params))
        assert r.exit_code == 0, r.output
        assert rows == []


def test_aliases_known_only_when_the_state_runs_cannot_be_verified(profile_file, tmp_path):
    params = {**ADD, "PipelineVersionAliasOperations": {"Add.$": "$.aliases"}}
    r, rows = run_json(profile_file, _definition_file(tmp_path, "UpdatePipelineVersion", params))
    assert r.exit_code == 3, r.output
    assert [(x["status"], x["rule_id"], x["path"]) for x in rows] == [
        ("UNKNOWN", "SM-REFERENCE", "States.S.Parameters.PipelineVersionAliasOperations.Add.$")]


# CreatePipeline / UpdatePipeline giving PipelineVersionAliases (trial 15c F01). AWS::SageMaker::Pipeline has no alias
# property (cfn-lint's schema: ParallelismConfiguration, PipelineDefinition, PipelineDescription, PipelineDisplayName,
# PipelineName, RoleArn, Tags), so only a carrier's call gives one. Its definition is the source's, decided under its
# defaults; the account's schedules that start the alias with values of their own are not in the source.

_TRAIN = {"Name": "Train", "Type": "Training", "Arguments": {
    "AlgorithmSpecification": {"TrainingImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/a:1",
                               "TrainingInputMode": "File"},
    "OutputDataConfig": {"S3OutputPath": "s3://b/out"}, "RoleArn": ROLE,
    "ResourceConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 30},
    "StoppingCondition": {"MaxRuntimeInSeconds": 3600}, "EnableNetworkIsolation": True,
    "VpcConfig": {"Subnets": ["subnet-0aaaaaaaaaaaaaaaa"], "SecurityGroupIds": ["sg-0bbbbbbbbbbbbbbbb"]},
    "EnableInterContainerTrafficEncryption": True}}


def _pipeline(parameters):
    return json.dumps({"Version": "2020-12-01", "Parameters": parameters, "Steps": [_TRAIN]})


def test_aws_sagemaker_pipeline_has_no_alias_property_per_cfn_lint():
    from cfnlint.schema.manager import PROVIDER_SCHEMA_MANAGER

    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", "AWS::SageMaker::Pipeline")
    assert "PipelineDefinition" in schema.schema["properties"]
    assert not [p for p in schema.schema["properties"] if "alias" in p.lower()]


@pytest.mark.parametrize("operation", ["UpdatePipeline", "CreatePipeline"])
@pytest.mark.parametrize("source, carriers", SOURCES)
def test_an_alias_given_to_a_definition_with_parameters_cannot_be_verified(profile_file, tmp_path, source, carriers,
                                                                           operation):
    params = {"PipelineName": "p", "RoleArn": ROLE, "PipelineVersionAliases": ["prod"],
              "PipelineDefinition": _pipeline([{"Name": "Epochs", "Type": "Integer", "DefaultValue": 1}])}
    if operation == "CreatePipeline":
        params["ClientRequestToken"] = "p-token-0123456789abcdef01234567"
    given, rows = run_json(profile_file, source(tmp_path, operation, params))
    assert given.exit_code == 3, given.output
    assert len(_rows(rows)) == carriers
    assert {(x["status"], x["rule_id"]) for x in rows} == {("UNKNOWN", "SM-REFERENCE")}
    assert all(x["path"].endswith("PipelineVersionAliases") for x in rows)
    # no parameter a start could give another value, or no alias: the definition's own decision (closed)
    for changed in ({"PipelineDefinition": _pipeline([])}, {"PipelineVersionAliases": []}):
        r, rows = run_json(profile_file, source(tmp_path, operation, {**params, **changed}))
        assert r.exit_code == 0, (changed, r.output)
        assert [x for x in rows if x.get("status") in ("UNKNOWN", "FAIL")] == []
