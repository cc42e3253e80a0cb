"""Sources that start a state machine or an Automation runbook: ``safemaker check`` and a guarded ``create_stack``.

Trial 10 F04 / F07: a template whose EventBridge rule, schedule or pipe targets an existing state machine or
runbook, whose ``AWS::SSM::Association`` / ``AWS::SSM::MaintenanceWindowTask`` runs an existing runbook, or whose
state machine starts another one (``states:startExecution``) or runs ``testState`` was "No SageMaker request
recognised" (exit 0), and a guarded ``create_stack`` of it was sent. What such a source starts exists outside it
and cannot be read before deployment: "cannot be verified before deployment" (exit 3), as for a target naming an
existing SageMaker pipeline; one the same source defines is checked there as its own resource.

Oracles: the CloudFormation resource schemas (cfn-lint's: the properties read), the Terraform AWS provider
documentation (r/ssm_association ``name``, r/ssm_maintenance_window_task ``task_type``, ``task_arn``), the Systems
Manager API reference (CreateAssociation "By default, when you create a new association, the system runs it
immediately"; maintenance window task types), the Systems Manager Automation action reference
(``aws:executeAutomation``, ``aws:executeStateMachine``), the Step Functions developer guide (``states:startExecution``
integrations; TestState), the SageMaker API reference (``DirectInternetAccess`` ``Enabled`` opens a notebook).
"""

from __future__ import annotations

import json

import pytest

import safemaker
from safemaker.errors import GuardrailViolation

from test_iac_cli import ROLE, profile_file, run_json  # noqa: F401  (profile_file: fixture)

SM = "arn:aws:states:us-east-1:123456789012:stateMachine:elsewhere"
RUNBOOK = "arn:aws:ssm:us-east-1:123456789012:automation-definition/Elsewhere:$DEFAULT"
OPEN_NB = {"NotebookInstanceName": "open", "InstanceType": "ml.t3.medium", "RoleArn": ROLE,
           "DirectInternetAccess": "Enabled", "RootAccess": "Disabled", "SubnetId": "subnet-0aaaaaaaaaaaaaaaa",
           "SecurityGroupIds": ["sg-0bbbbbbbbbbbbbbbb"]}


def write(tmp_path, resources, name="t.json"):
    f = tmp_path / name
    f.write_text(json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}, indent=1))
    return str(f)


def machine(state):
    return {"StartAt": "S", "States": {"S": {"End": True, **state}}}


def rows_of(rows):
    return sorted((x["status"], x["rule_id"], x["logical_id"], x["path"]) for x in rows)


EXTERNAL = {
    "Rule": ({"Type": "AWS::Events::Rule", "Properties": {"ScheduleExpression": "rate(1 day)", "Targets": [
        {"Id": "a", "Arn": SM, "RoleArn": ROLE}, {"Id": "b", "Arn": RUNBOOK, "RoleArn": ROLE},
        {"Id": "c", "Arn": "arn:aws:sqs:us-east-1:123456789012:q"}]}},
        ["Targets[0].Arn", "Targets[1].Arn"]),
    "Sched": ({"Type": "AWS::Scheduler::Schedule", "Properties": {
        "ScheduleExpression": "rate(1 day)", "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {"Arn": SM, "RoleArn": ROLE}}}, ["Target.Arn"]),
    "Universal": ({"Type": "AWS::Scheduler::Schedule", "Properties": {
        "ScheduleExpression": "rate(1 day)", "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {"Arn": "arn:aws:scheduler:::aws-sdk:ssm:startAutomationExecution", "RoleArn": ROLE,
                   "Input": json.dumps({"DocumentName": "Elsewhere"})}}}, ["Target.Input.DocumentName"]),
    "Pipe": ({"Type": "AWS::Pipes::Pipe", "Properties": {
        "RoleArn": ROLE, "Source": "arn:aws:sqs:us-east-1:123456789012:q", "Target": SM}}, ["Target"]),
    "Assoc": ({"Type": "AWS::SSM::Association", "Properties": {"Name": "Elsewhere"}}, ["Name"]),
    "Window": ({"Type": "AWS::SSM::MaintenanceWindowTask", "Properties": {
        "WindowId": "mw-0123456789abcdef0", "Priority": 1, "TaskType": "AUTOMATION", "TaskArn": "Elsewhere"}},
        ["TaskArn"]),
    "Starter": ({"Type": "AWS::StepFunctions::StateMachine", "Properties": {"RoleArn": ROLE, "Definition": machine(
        {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
         "Parameters": {"StateMachineArn": SM}})}}, ["Definition.States.S.Parameters.StateMachineArn"]),
    "Runner": ({"Type": "AWS::SSM::Document", "Properties": {"DocumentType": "Automation", "Content": {
        "schemaVersion": "0.3", "mainSteps": [
            {"name": "a", "action": "aws:executeAutomation", "inputs": {"DocumentName": "Elsewhere"}},
            {"name": "b", "action": "aws:executeStateMachine", "inputs": {"stateMachineArn": SM}}]}}},
        ["Content.mainSteps[0].inputs.DocumentName", "Content.mainSteps[1].inputs.stateMachineArn"]),
}


def test_the_properties_read_are_the_resource_schemas():
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER  # here, not at collection (~1 s of CPU per pytest process)

    for rtype, props in (("AWS::SSM::Association", {"Name", "DocumentVersion"}),
                         ("AWS::SSM::MaintenanceWindowTask", {"TaskType", "TaskArn", "TaskInvocationParameters"})):
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", rtype).schema
        assert props <= set(schema["properties"]), rtype
    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", "AWS::SSM::MaintenanceWindowTask").schema
    assert "DocumentVersion" in schema["definitions"]["MaintenanceWindowAutomationParameters"]["properties"]
    assert {"AUTOMATION", "STEP_FUNCTIONS"} <= set(schema["properties"]["TaskType"]["enum"])


@pytest.mark.parametrize("logical_id", sorted(EXTERNAL))
def test_a_resource_starting_an_existing_state_machine_or_runbook_cannot_be_verified(profile_file, tmp_path,
                                                                                     logical_id):
    resource, expected = EXTERNAL[logical_id]
    r, rows = run_json(profile_file, write(tmp_path, {logical_id: resource}))
    assert r.exit_code == 3, r.output
    assert rows_of(rows) == [("UNKNOWN", "SM-REFERENCE", logical_id, p) for p in expected]
    assert all("not in the source" in x["found"] or "known only when" in x["found"] for x in rows)


def test_one_the_template_defines_is_checked_there(profile_file, tmp_path):
    inner = {"Type": "AWS::StepFunctions::StateMachine", "Properties": {"RoleArn": ROLE, "Definition": machine(
        {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sagemaker:createNotebookInstance",
         "Parameters": OPEN_NB})}}
    doc = {"Type": "AWS::SSM::Document", "Properties": {"DocumentType": "Automation", "Content": {
        "schemaVersion": "0.3", "mainSteps": [{"name": "nb", "action": "aws:executeAwsApi", "inputs": {
            "Service": "sagemaker", "Api": "CreateNotebookInstance", **OPEN_NB}}]}}}
    resources = {
        "Inner": inner, "Doc": doc,
        "Rule": {"Type": "AWS::Events::Rule", "Properties": {"ScheduleExpression": "rate(1 day)", "Targets": [
            {"Id": "a", "Arn": {"Ref": "Inner"}, "RoleArn": ROLE}]}},
        "Assoc": {"Type": "AWS::SSM::Association", "Properties": {"Name": {"Ref": "Doc"}}},
        "Window": {"Type": "AWS::SSM::MaintenanceWindowTask", "Properties": {
            "WindowId": "mw-0123456789abcdef0", "Priority": 1, "TaskType": "STEP_FUNCTIONS",
            "TaskArn": {"Fn::GetAtt": ["Inner", "Arn"]}}},
        "Starter": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {"RoleArn": ROLE, "Definition": machine(
            {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution",
             "Parameters": {"StateMachineArn": {"Ref": "Inner"}}})}},
    }
    r, rows = run_json(profile_file, write(tmp_path, resources))
    assert r.exit_code == 3, r.output
    assert {(x["status"], x["logical_id"], x["path"].rsplit(".", 1)[-1]) for x in rows} == {
        ("FAIL", "Inner", "DirectInternetAccess"), ("FAIL", "Doc", "DirectInternetAccess")}


def test_tasks_of_other_types_start_nothing_the_guard_reads(profile_file, tmp_path):
    resources = {"Cmd": {"Type": "AWS::SSM::MaintenanceWindowTask", "Properties": {
        "WindowId": "mw-0123456789abcdef0", "Priority": 1, "TaskType": "RUN_COMMAND", "TaskArn": "AWS-RunShellScript"}}}
    r, rows = run_json(profile_file, write(tmp_path, resources))
    assert r.exit_code == 0 and [x for x in rows if "status" in x] == [], r.output


def test_a_test_state_task_is_checked_as_the_state_it_runs(profile_file, tmp_path):
    state = {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sagemaker:createNotebookInstance",
             "Parameters": OPEN_NB, "End": True}
    resources = {"Tester": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {"RoleArn": ROLE,
        "Definition": machine({"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:testState",
                               "Parameters": {"RoleArn": ROLE, "Definition": json.dumps(state)}})}}}
    r, rows = run_json(profile_file, write(tmp_path, resources))
    assert r.exit_code == 3, r.output
    assert [(x["status"], x["path"], x["found"]) for x in rows] == [
        ("FAIL", "Definition.States.S.Parameters.Definition.States.TestState.Parameters.DirectInternetAccess",
         "Enabled")]


def _plan(tmp_path, changes, config=None):
    f = tmp_path / "plan.json"
    f.write_text(json.dumps({"format_version": "1.2", "configuration": config or {"root_module": {}},
                             "resource_changes": [
        {"address": a, "mode": "managed", "type": t, "name": a.split(".")[1],
         "change": {"actions": ["create"], "after": after, "after_unknown": unknown}}
        for a, t, after, unknown in changes]}, indent=1))
    return str(f)


def test_terraform_associations_tasks_and_targets_of_an_existing_runbook_cannot_be_verified(profile_file, tmp_path):
    plan = _plan(tmp_path, [
        ("aws_ssm_association.a", "aws_ssm_association", {"name": "Elsewhere"}, {}),
        ("aws_ssm_maintenance_window_task.w", "aws_ssm_maintenance_window_task",
         {"window_id": "mw-0123456789abcdef0", "task_type": "AUTOMATION", "task_arn": "Elsewhere",
          "task_invocation_parameters": [{"automation_parameters": [{"document_version": "$LATEST"}]}]}, {}),
        ("aws_ssm_maintenance_window_task.l", "aws_ssm_maintenance_window_task",
         {"window_id": "mw-0123456789abcdef0", "task_type": "LAMBDA",
          "task_arn": "arn:aws:lambda:us-east-1:123456789012:function:f"}, {}),
        ("aws_cloudwatch_event_target.t", "aws_cloudwatch_event_target", {"rule": "r", "arn": SM}, {}),
        ("aws_pipes_pipe.p", "aws_pipes_pipe", {"name": "p", "source": "arn:aws:sqs:us-east-1:123456789012:q",
                                                "target": SM, "role_arn": ROLE}, {}),
        ("aws_pipes_pipe.e", "aws_pipes_pipe", {"name": "e", "source": "arn:aws:sqs:us-east-1:123456789012:q",
                                                "target": "arn:aws:sqs:us-east-1:123456789012:out",
                                                "enrichment": SM, "role_arn": ROLE}, {}),
        # known after apply, from a document of the same plan: checked there
        ("aws_ssm_association.mine", "aws_ssm_association", {}, {"name": True}),
    ], {"root_module": {"resources": [{"address": "aws_ssm_association.mine", "expressions": {
        "name": {"references": ["aws_ssm_document.d.name", "aws_ssm_document.d"]}}}]}})
    r, rows = run_json(profile_file, plan)
    assert r.exit_code == 3, r.output
    assert rows_of(rows) == [
        ("UNKNOWN", "SM-REFERENCE", "aws_cloudwatch_event_target.t", "arn"),
        ("UNKNOWN", "SM-REFERENCE", "aws_pipes_pipe.e", "enrichment"),
        ("UNKNOWN", "SM-REFERENCE", "aws_pipes_pipe.p", "target"),
        ("UNKNOWN", "SM-REFERENCE", "aws_ssm_association.a", "name"),
        ("UNKNOWN", "SM-REFERENCE", "aws_ssm_maintenance_window_task.w", "task_arn"),
    ]


# --------------------------------------------------------------------------- a guarded create_stack (F04)


def test_a_guarded_create_stack_starting_an_existing_runbook_is_refused_unless_relaxed(
        safemaker_local, safemaker_session, profile, profile_factory):
    cfn = safemaker_session.client("cloudformation")
    body = json.dumps({"Resources": {k: EXTERNAL[k][0] for k in ("Assoc", "Window", "Rule")}})
    safemaker.install_process(profile)
    with pytest.raises(GuardrailViolation) as exc:
        cfn.create_stack(StackName="s", TemplateBody=body)
    assert sorted((v.path, v.rule_id) for v in exc.value.violations) == [
        ("TemplateBody:Assoc.Name", "SM-REFERENCE"), ("TemplateBody:Rule.Targets[0].Arn", "SM-REFERENCE"),
        ("TemplateBody:Rule.Targets[1].Arn", "SM-REFERENCE"), ("TemplateBody:Window.TaskArn", "SM-REFERENCE")]
    assert safemaker_local.request_count("cloudformation", "CreateStack") == 0
    safemaker.install_process(profile_factory(allow_unverified_templates=True))
    cfn.create_stack(StackName="s", TemplateBody=body)
    assert safemaker_local.request_count("cloudformation", "CreateStack") == 1


def test_target_arns_built_at_deployment(profile_file, tmp_path):
    """``Fn::Sub`` of a state machine ARN: of the template's own state machine (``${Inner.Name}``) it is checked
    there; any other cannot be verified."""
    built = "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:%s"
    resources = {
        "Inner": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {"RoleArn": ROLE, "Definition": machine(
            {"Type": "Pass"})}},
        "Rule": {"Type": "AWS::Events::Rule", "Properties": {"ScheduleExpression": "rate(1 day)", "Targets": [
            {"Id": "a", "Arn": {"Fn::Sub": built % "elsewhere"}, "RoleArn": ROLE},
            {"Id": "b", "Arn": {"Fn::Sub": built % "${Inner.Name}"}, "RoleArn": ROLE}]}},
    }
    r, rows = run_json(profile_file, write(tmp_path, resources))
    assert r.exit_code == 3, r.output
    assert rows_of(rows) == [("UNKNOWN", "SM-REFERENCE", "Rule", "Targets[0].Arn")]


def test_a_pipe_parameter_named_at_run_time_cannot_be_verified_before_deployment(profile_file, tmp_path):
    """The pipes model admits a JSON path as a pipeline parameter's Name (test_process_guard_starters checks the
    pattern): which parameter it sets is chosen by the event."""
    pipeline = {"Type": "AWS::SageMaker::Pipeline", "Properties": {
        "PipelineName": "p", "RoleArn": ROLE, "PipelineDefinition": {"PipelineDefinitionBody": json.dumps(
            {"Version": "2020-12-01", "Steps": []})}}}
    resources = {"P": pipeline, "Pipe": {"Type": "AWS::Pipes::Pipe", "Properties": {
        "RoleArn": ROLE, "Source": "arn:aws:sqs:us-east-1:123456789012:q",
        "Target": {"Fn::Sub": "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:pipeline/${P}"},
        "TargetParameters": {"SageMakerPipelineParameters": {"PipelineParameterList": [
            {"Name": "$.body.name", "Value": "false"}]}}}}}
    r, rows = run_json(profile_file, write(tmp_path, resources))
    assert ("UNKNOWN", "SM-REFERENCE", "Pipe",
            "TargetParameters.SageMakerPipelineParameters.PipelineParameterList[0].Name") in rows_of(rows), r.output


def test_cdk_aws_custom_resource_calls_that_start_an_existing_state_machine_or_runbook(profile_file, tmp_path):
    """CDK ``AwsCustomResource`` (``Custom::AWS``: ``service``, ``action``, ``parameters`` as JSON text): the call its
    Lambda makes at deployment, read as the same API call."""
    def call(service, action, parameters):
        return {"Type": "Custom::AWS", "Properties": {
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:f",
            "Create": json.dumps({"service": service, "action": action, "parameters": parameters,
                                  "physicalResourceId": {"id": "x"}})}}

    resources = {"Start": call("StepFunctions", "startExecution", {"stateMachineArn": SM}),
                 "Target": call("EventBridge", "putTargets", {"Rule": "r", "Targets": [{"Id": "a", "Arn": RUNBOOK}]}),
                 "Once": call("SSM", "startAssociationsOnce", {"AssociationIds": ["a-1"]})}
    r, rows = run_json(profile_file, write(tmp_path, resources))
    assert r.exit_code == 3, r.output
    assert sorted((x["status"], x["logical_id"].split("/")[0], x["path"]) for x in rows) == [
        ("UNKNOWN", "Once", "Create.parameters"), ("UNKNOWN", "Start", "Create.parameters.stateMachineArn"),
        ("UNKNOWN", "Target", "Targets[0].Arn")]


# --------------------------------------------------------------------------- a target ARN named by a parameter (#13)

CHOSEN = {
    "sagemaker-sub": {"Fn::Sub": "arn:aws:sagemaker:us-east-1:123456789012:pipeline/${Name}"},
    "codepipeline-sub": {"Fn::Sub": "arn:aws:codepipeline:us-east-1:123456789012:${Name}"},
    "states-sub": {"Fn::Sub": "arn:aws:states:us-east-1:123456789012:stateMachine:${Name}"},
    "ssm-sub": {"Fn::Sub": "arn:aws:ssm:us-east-1:123456789012:automation-definition/${Name}:$DEFAULT"},
    "ssm-incidents-sub": {"Fn::Sub": "arn:aws:ssm-incidents::123456789012:response-plan/${Name}"},
    "sagemaker-sub-variable": {"Fn::Sub": ["arn:aws:sagemaker:us-east-1:123456789012:pipeline/${N}",
                                           {"N": {"Ref": "Name"}}]},
    "sagemaker-join": {"Fn::Join": ["", ["arn:aws:sagemaker:us-east-1:123456789012:pipeline/", {"Ref": "Name"}]]},
    "codepipeline-join": {"Fn::Join": [":", ["arn:aws:codepipeline:us-east-1:123456789012", {"Ref": "Name"}]]},
    "whole-arn": {"Ref": "Name"},
}
"""Every TARGET_STARTS kind (EventBridge User Guide "Event bus targets"; Scheduler "Using templated targets"; Pipes
targets) with its name (or the whole ARN) from a String parameter, through Fn::Sub, Fn::Sub's variable map,
Fn::Join of a Ref."""


def chosen_target(kind, arn):
    if kind == "Rule":
        return {"Type": "AWS::Events::Rule", "Properties": {"ScheduleExpression": "rate(1 day)", "Targets": [
            {"Id": "t", "Arn": arn, "RoleArn": ROLE}]}}, "Targets[0].Arn"
    if kind == "Sched":
        return {"Type": "AWS::Scheduler::Schedule", "Properties": {
            "ScheduleExpression": "rate(1 day)", "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {"Arn": arn, "RoleArn": ROLE}}}, "Target.Arn"
    return {"Type": "AWS::Pipes::Pipe", "Properties": {
        "RoleArn": ROLE, "Source": "arn:aws:sqs:us-east-1:123456789012:q", "Target": arn}}, "Target"


@pytest.mark.parametrize("default", [None, "elsewhere"], ids=["no-default", "default"])
@pytest.mark.parametrize("kind", ["Rule", "Sched", "Pipe"])
@pytest.mark.parametrize("arn", list(CHOSEN), ids=list(CHOSEN))
def test_a_target_whose_started_resource_a_parameter_names_cannot_be_verified(profile_file, tmp_path, arn, kind,
                                                                               default):
    """Issue #13: a CodePipeline ARN so built was exit 0 (read as no start); the deployer picks what runs."""
    resource, path = chosen_target(kind, CHOSEN[arn])
    spec = {"Type": "String", **({"Default": default} if default else {})}
    f = tmp_path / "t.json"
    f.write_text(json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Parameters": {"Name": spec},
                             "Resources": {"R": resource}}))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3, r.output
    assert ("UNKNOWN", "SM-REFERENCE", "R", path) in rows_of(rows), r.output


def test_a_chosen_name_of_a_target_that_starts_nothing_decided_is_not_reported(profile_file, tmp_path):
    """A Lambda function or SQS queue target starts no operation the guard decides (service_calls.TARGET_STARTS)."""
    resources = {"R": {"Type": "AWS::Events::Rule", "Properties": {"ScheduleExpression": "rate(1 day)", "Targets": [
        {"Id": "a", "Arn": {"Fn::Sub": "arn:aws:lambda:us-east-1:123456789012:function:${Name}"}},
        {"Id": "b", "Arn": {"Fn::Join": [":", ["arn:aws:sqs:us-east-1:123456789012", {"Ref": "Name"}]]}}]}}}
    f = tmp_path / "t.json"
    f.write_text(json.dumps({"Parameters": {"Name": {"Type": "String"}}, "Resources": resources}))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 0, r.output
    assert not [x for x in rows if x.get("status") in ("FAIL", "UNKNOWN")]


@pytest.mark.parametrize("arn", ["codepipeline-sub", "sagemaker-join", "whole-arn"])
def test_a_guarded_create_stack_decides_a_chosen_target_with_the_given_value(
        safemaker_local, safemaker_session, profile, arn):
    """The Parameters of the CreateStack give the name: decided with it (an existing pipeline the template does not
    define: refused as cannot be verified); a value naming a target that starts nothing decided: sent."""
    cfn = safemaker_session.client("cloudformation")
    resource, path = chosen_target("Rule", CHOSEN[arn])
    body = json.dumps({"Parameters": {"Name": {"Type": "String"}}, "Resources": {"R": resource}})
    named = "arn:aws:codepipeline:us-east-1:123456789012:deploy" if arn == "whole-arn" else "deploy"
    safemaker.install_process(profile)
    with pytest.raises(GuardrailViolation) as exc:
        cfn.create_stack(StackName="s", TemplateBody=body, Parameters=[{"ParameterKey": "Name",
                                                                        "ParameterValue": named}])
    assert [(v.path, v.rule_id) for v in exc.value.violations] == [(f"TemplateBody:R.{path}", "SM-REFERENCE")]
    assert "deploy" in str(exc.value)
    assert safemaker_local.request_count("cloudformation", "CreateStack") == 0
    if arn == "whole-arn":
        cfn.create_stack(StackName="s", TemplateBody=body, Parameters=[
            {"ParameterKey": "Name", "ParameterValue": "arn:aws:sqs:us-east-1:123456789012:q"}])
        assert safemaker_local.request_count("cloudformation", "CreateStack") == 1


def test_a_pipeline_arn_built_from_pseudo_parameters_naming_an_existing_pipeline_cannot_be_verified(profile_file,
                                                                                                    tmp_path):
    """``pipeline/elsewhere`` built with ``${AWS::Region}``: an existing pipeline (was: no request, exit 0)."""
    arn = {"Fn::Sub": "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:pipeline/elsewhere"}
    resource, path = chosen_target("Rule", arn)
    r, rows = run_json(profile_file, write(tmp_path, {"R": resource}))
    assert r.exit_code == 3, r.output
    assert rows_of(rows) == [("UNKNOWN", "SM-REFERENCE", "R", path)]
