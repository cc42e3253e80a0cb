"""Starting again what was made elsewhere, and CodePipeline pipelines as targets (trial 11 F05, F07).

F05: an EventBridge rule target, a Scheduler templated target or a pipe target naming a CodePipeline pipeline starts
it; the guard refused ``StartPipelineExecution`` of a pipeline with a CloudFormation deploy action from an artifact
but sent these. F07: ``RetryStageExecution`` / ``RollbackStage`` (and the other CodePipeline calls that let a
pipeline's actions run), ``pipes StartPipe``, ``events EnableRule`` / ``PutRule`` (not ``DISABLED``) and AWS Config
``StartRemediationExecution`` of things made outside the process were sent. Each is now decided as the start it is:
the pipeline's ``StartPipelineExecution`` (``GetPipeline`` read), the pipe's ``CreatePipe`` (``DescribePipe``), the
rule's ``PutTargets`` (``ListTargetsByRule``), the rule's remediation (``DescribeRemediationConfigurations``).

Real botocore clients against moto on 127.0.0.1 (real HTTP); what counts is whether the request reached moto
(``request_count``). moto has no AWS Config remediations and no CodePipeline stage retries: the remediation read is
stubbed (botocore's Stubber answers at ``before-call``, after the guard decided); a CodePipeline call moto lacks is
answered with an error and counted as sent.

Oracles: botocore's service models (codepipeline ``RetryStageExecution`` "failed actions are triggered again",
``RollbackStage`` "Rolls back a stage execution", ``EnableStageTransition``, ``PutApprovalResult``; pipes
``StartPipe`` "Start an existing pipe"; events ``EnableRule`` "Enables the specified rule", ``PutRule`` "Rules are
enabled by default, or based on value of the state"; config ``StartRemediationExecution`` "Runs an on-demand
remediation for the specified Config rules against the last known remediation configuration"), the CodePipeline
User Guide ("Start a pipeline on a schedule": "In Targets, choose CodePipeline. Enter the pipeline ARN"), the
EventBridge Scheduler User Guide ("Using templated targets": "CodePipeline - StartPipelineExecution"), the CloudFormation
configuration properties of the CodePipeline deploy action (``TemplatePath``: a template in an artifact).
"""

from __future__ import annotations

import json

import botocore.session
import pytest
from botocore.config import Config
from botocore.stub import Stubber

import safemaker
from safemaker.errors import GuardrailViolation
from safemaker.iac import service_calls
from safemaker.other_services import DECIDED_OPERATIONS

from _profiles import ROLE, SG, SUB_A
from _other_services import notebook_state_machine as nb_machine, send
from test_iac_cli import profile_file, run_json  # noqa: F401  (profile_file: fixture)

ACCOUNT = "123456789012"
OTHER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/other"
ONE_ATTEMPT = Config(retries={"total_max_attempts": 1})
OPEN_NB = {"NotebookInstanceName": "nb", "InstanceType": "ml.t3.medium", "RoleArn": ROLE,
           "DirectInternetAccess": "Enabled"}
CLOSED_NB = {"NotebookInstanceName": "nb", "InstanceType": "ml.t3.medium", "RoleArn": ROLE, "SubnetId": SUB_A,
             "SecurityGroupIds": [SG], "DirectInternetAccess": "Disabled", "RootAccess": "Disabled"}
DEPLOY = "stages[1].actions[0].configuration.TemplatePath"
TASK_ID = "11111111-2222-3333-4444-555555555555"   # botocore ssm MaintenanceWindowTaskId: 36 characters


def pipeline(name, deploy):
    """A pipeline whose second stage deploys a CloudFormation template from an artifact (``deploy``) or builds."""
    action = ({"name": "stack", "actionTypeId": {"category": "Deploy", "owner": "AWS", "provider": "CloudFormation",
                                                 "version": "1"},
               "configuration": {"ActionMode": "CREATE_UPDATE", "StackName": "s", "TemplatePath": "out::t.yaml",
                                 "RoleArn": OTHER_ROLE}, "inputArtifacts": [{"name": "out"}]}
              if deploy else
              {"name": "build", "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild",
                                                 "version": "1"},
               "configuration": {"ProjectName": "p"}, "inputArtifacts": [{"name": "out"}]})
    return {"name": name, "roleArn": f"arn:aws:iam::{ACCOUNT}:role/cp", "artifactStore": {"type": "S3", "location": "bucket"},
            "stages": [{"name": "Source", "actions": [{
                "name": "src", "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
                "configuration": {"S3Bucket": "bucket", "S3ObjectKey": "t.zip"}, "outputArtifacts": [{"name": "out"}]}]},
                       {"name": "Next", "actions": [action]}]}


def cp_arn(name):
    return f"arn:aws:codepipeline:us-east-1:{ACCOUNT}:{name}"


def sm_arn(name):
    return f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:{name}"


def paths(exc):
    return [v.path for v in exc.value.violations]



@pytest.fixture()
def made(safemaker_local):
    """Made before the guard (by someone else): pipelines ``deploy`` (open: a template from an artifact) and
    ``build`` (closed), state machines ``open`` and ``closed``, a disabled rule per state machine, a stopped pipe per
    state machine."""
    s = safemaker_local.session
    s.client("iam").create_role(RoleName="cp", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
            "Service": "codepipeline.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    cp = s.client("codepipeline")
    cp.create_pipeline(pipeline=pipeline("deploy", True))
    cp.create_pipeline(pipeline=pipeline("build", False))
    sfn, events, pipes = s.client("stepfunctions"), s.client("events"), s.client("pipes")
    for name, params in (("open", OPEN_NB), ("closed", CLOSED_NB)):
        sfn.create_state_machine(name=name, definition=nb_machine(params), roleArn=OTHER_ROLE)
        events.put_rule(Name=name, ScheduleExpression="rate(1 day)", State="DISABLED")
        events.put_targets(Rule=name, Targets=[{"Id": "1", "Arn": sm_arn(name), "RoleArn": OTHER_ROLE}])
        pipes.create_pipe(Name=name, RoleArn=OTHER_ROLE, Source=f"arn:aws:sqs:us-east-1:{ACCOUNT}:q",
                          Target=sm_arn(name), DesiredState="STOPPED")
    safemaker_local.reset_requests()   # the tests count what the guarded process sends


def test_the_new_operations_and_members_are_botocores():
    loader = botocore.session.get_session()
    for (service, op), (member, only_if) in service_calls.PIPELINE_RESTARTS.items():
        shape = loader.get_service_model(service).operation_model(op).input_shape
        assert op in DECIDED_OPERATIONS[service] and member in shape.required_members, op
        if only_if is not None:
            first, rest = only_if[0].split(".")
            assert rest in shape.members[first].members and only_if[1] in shape.members[first].members[rest].enum
    for service, op in (("pipes", "StartPipe"), ("events", "EnableRule"), ("events", "PutRule"),
                        ("config", "StartRemediationExecution")):
        assert op in DECIDED_OPERATIONS[service] and (service, op) in service_calls.LOOKUP_CALLS
    pipe = loader.get_service_model("pipes").operation_model("DescribePipe").output_shape.members
    assert {"Target", "TargetParameters", "Enrichment"} <= set(pipe)
    assert "DISABLED" in loader.get_service_model("events").shape_for("RuleState").enum
    # the CodePipeline pipeline ARN (Service Authorization Reference: arn:${Partition}:codepipeline:${Region}:
    # ${Account}:${PipelineName}) is a target start of StartPipelineExecution's "name"
    start = service_calls.target_start(cp_arn("deploy"))
    assert (start.service, start.operation, start.request(cp_arn("deploy"))) == (
        "codepipeline", "StartPipelineExecution", {"name": "deploy"})
    assert "name" in loader.get_service_model("codepipeline").operation_model(
        "StartPipelineExecution").input_shape.required_members


# --------------------------------------------------------------------------- F05: CodePipeline pipelines as targets

TARGETS = {
    "events PutTargets": ("events", "PutTargets", lambda arn: {
        "Rule": "r", "Targets": [{"Id": "1", "Arn": arn, "RoleArn": OTHER_ROLE}]}, "Targets[0].Arn"),
    "scheduler CreateSchedule": ("scheduler", "CreateSchedule", lambda arn: {
        "Name": "s", "ScheduleExpression": "rate(1 day)", "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {"Arn": arn, "RoleArn": OTHER_ROLE}}, "Target.Arn"),
    "pipes CreatePipe": ("pipes", "CreatePipe", lambda arn: {
        "Name": "p", "RoleArn": OTHER_ROLE, "Source": f"arn:aws:sqs:us-east-1:{ACCOUNT}:q", "Target": arn},
        "Target"),
}


@pytest.mark.parametrize("how", sorted(TARGETS))
def test_a_codepipeline_target_is_decided_as_the_start_of_the_pipeline(safemaker_local, safemaker_session, profile,
                                                                      made, how):
    service, op, request, at = TARGETS[how]
    safemaker_local.session.client("events").put_rule(Name="r", ScheduleExpression="rate(1 day)")
    safemaker_local.reset_requests()
    safemaker.install_process(profile)
    client = safemaker_session.client(service, config=ONE_ATTEMPT)
    method = getattr(client, botocore.xform_name(op))
    with pytest.raises(GuardrailViolation) as exc:
        method(**request(cp_arn("deploy")))
    assert paths(exc) == [f"{at} -> StartPipelineExecution.name:{DEPLOY}"]
    assert safemaker_local.request_count(service, op) == 0
    send(method, **request(cp_arn("build")))
    assert safemaker_local.request_count(service, op) == 1


def test_a_response_plan_target_is_decided_as_the_incident_it_starts(safemaker_local, safemaker_session, profile):
    """EventBridge's "Incident Manager response plan" target starts an incident with the plan (StartIncident), which
    runs the plan's runbooks: decided as that StartIncident. moto has no Incident Manager: the plan cannot be read,
    so it cannot be verified (as StartIncident of it sent directly)."""
    plan = f"arn:aws:ssm-incidents::{ACCOUNT}:response-plan/elsewhere"
    start = service_calls.target_start(plan)
    assert (start.service, start.operation, start.request(plan)) == ("ssm-incidents", "StartIncident",
                                                                    {"responsePlanArn": plan})
    assert "responsePlanArn" in botocore.session.get_session().get_service_model("ssm-incidents").operation_model(
        "StartIncident").input_shape.required_members
    safemaker_local.session.client("events").put_rule(Name="r", ScheduleExpression="rate(1 day)")
    safemaker.install_process(profile)
    incidents = safemaker_session.client("ssm-incidents", config=ONE_ATTEMPT)
    with pytest.raises(GuardrailViolation) as direct:
        incidents.start_incident(responsePlanArn=plan)
    events = safemaker_session.client("events")
    with pytest.raises(GuardrailViolation) as exc:
        events.put_targets(Rule="r", Targets=[{"Id": "1", "Arn": plan, "RoleArn": OTHER_ROLE}])
    assert [(v.path, v.rule_id) for v in exc.value.violations] == [
        (f"Targets[0].Arn -> StartIncident.{v.path}", v.rule_id) for v in direct.value.violations]
    assert safemaker_local.request_count("events", "PutTargets") == 0


def test_check_reports_a_codepipeline_target_as_not_verifiable_before_deployment(profile_file, tmp_path):
    f = tmp_path / "t.json"
    f.write_text(json.dumps({"Resources": {"Rule": {"Type": "AWS::Events::Rule", "Properties": {
        "ScheduleExpression": "rate(1 day)", "Targets": [{"Id": "a", "Arn": cp_arn("deploy"), "RoleArn": OTHER_ROLE},
                                                        {"Id": "b", "Arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:q"}]}}}}))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3, r.output
    assert [(x["status"], x["rule_id"], x["path"]) for x in rows if x.get("status")] == [
        ("UNKNOWN", "SM-REFERENCE", "Targets[0].Arn")]
    assert "CodePipeline pipeline" in rows[0]["found"]


def test_check_reports_a_terraform_codepipeline_target_as_not_verifiable_before_deployment(profile_file, tmp_path):
    f = tmp_path / "plan.json"
    changes = [("aws_cloudwatch_event_target.t", "aws_cloudwatch_event_target", {"rule": "r", "arn": cp_arn("d")}),
               ("aws_scheduler_schedule.s", "aws_scheduler_schedule", {
                   "name": "s", "schedule_expression": "rate(1 day)", "flexible_time_window": [{"mode": "OFF"}],
                   "target": [{"arn": cp_arn("d"), "role_arn": OTHER_ROLE}]})]
    f.write_text(json.dumps({"format_version": "1.2", "configuration": {"root_module": {}}, "resource_changes": [
        {"address": a, "mode": "managed", "type": t, "name": a.split(".")[1],
         "change": {"actions": ["create"], "after": after, "after_unknown": {}}} for a, t, after in changes]}))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3, r.output
    assert sorted((x["status"], x["logical_id"]) for x in rows if x.get("status")) == [
        ("UNKNOWN", "aws_cloudwatch_event_target.t"), ("UNKNOWN", "aws_scheduler_schedule.s")]


# --------------------------------------------------------------------------- F07: restarts

RESTARTS = {
    "RetryStageExecution": lambda name: {"pipelineName": name, "stageName": "Next",
                                         "pipelineExecutionId": "11111111-2222-3333-4444-555555555555",
                                         "retryMode": "ALL_ACTIONS"},
    "RollbackStage": lambda name: {"pipelineName": name, "stageName": "Next",
                                   "targetPipelineExecutionId": "11111111-2222-3333-4444-555555555555"},
    "EnableStageTransition": lambda name: {"pipelineName": name, "stageName": "Next", "transitionType": "Inbound"},
    "OverrideStageCondition": lambda name: {"pipelineName": name, "stageName": "Next",
                                            "pipelineExecutionId": "11111111-2222-3333-4444-555555555555",
                                            "conditionType": "BEFORE_ENTRY"},
    "PutActionRevision": lambda name: {"pipelineName": name, "stageName": "Source", "actionName": "src",
                                       "actionRevision": {"revisionId": "r", "revisionChangeId": "c",
                                                          "created": "2030-01-01T00:00:00Z"}},
    "PutApprovalResult": lambda name: {"pipelineName": name, "stageName": "Next", "actionName": "approve",
                                       "token": "t", "result": {"summary": "ok", "status": "Approved"}},
}


@pytest.mark.parametrize("op", sorted(RESTARTS))
def test_codepipeline_calls_that_run_a_pipelines_actions_are_decided_as_its_start(safemaker_local, safemaker_session,
                                                                                 profile, made, op):
    assert set(RESTARTS) == {o for _, o in service_calls.PIPELINE_RESTARTS}
    safemaker.install_process(profile)
    cp = safemaker_session.client("codepipeline", config=ONE_ATTEMPT)
    method = getattr(cp, botocore.xform_name(op))
    with pytest.raises(GuardrailViolation) as exc:
        method(**RESTARTS[op]("deploy"))
    assert paths(exc) == [f"pipelineName -> StartPipelineExecution.name:{DEPLOY}"]
    assert safemaker_local.request_count("codepipeline", op) == 0
    send(method, **RESTARTS[op]("build"))
    assert safemaker_local.request_count("codepipeline", op) == 1


def test_a_rejection_runs_nothing_and_is_sent(safemaker_local, safemaker_session, profile, made):
    safemaker.install_process(profile)
    cp = safemaker_session.client("codepipeline", config=ONE_ATTEMPT)
    request = RESTARTS["PutApprovalResult"]("deploy")
    request["result"]["status"] = "Rejected"
    send(cp.put_approval_result, **request)
    assert safemaker_local.request_count("codepipeline", "PutApprovalResult") == 1
    assert safemaker_local.request_count("codepipeline", "GetPipeline") == 0


def test_starting_a_pipe_decides_its_target_as_create_pipe(safemaker_local, safemaker_session, profile, made):
    safemaker.install_process(profile)
    pipes = safemaker_session.client("pipes")
    with pytest.raises(GuardrailViolation) as exc:
        pipes.start_pipe(Name="open")
    assert "Name -> CreatePipe.Target -> StartExecution.stateMachineArn:States.S.Parameters.DirectInternetAccess" \
        in paths(exc)
    assert safemaker_local.request_count("pipes", "StartPipe") == 0
    with pytest.raises(GuardrailViolation) as exc:   # a pipe that cannot be described: cannot be verified
        pipes.start_pipe(Name="gone")
    assert [(v.path, v.rule_id) for v in exc.value.violations] == [("Name", "SM-REFERENCE")]
    pipes.start_pipe(Name="closed")
    assert safemaker_local.request_count("pipes", "StartPipe") == 1


def test_enabling_a_rule_decides_its_targets_as_put_targets(safemaker_local, safemaker_session, profile, made):
    safemaker.install_process(profile)
    events = safemaker_session.client("events")
    inner = "Name -> PutTargets.Targets[0].Arn -> StartExecution.stateMachineArn:States.S.Parameters." \
            "DirectInternetAccess"
    for call in (lambda: events.enable_rule(Name="open"),
                 lambda: events.put_rule(Name="open", ScheduleExpression="rate(2 days)", State="ENABLED"),
                 lambda: events.put_rule(Name="open", ScheduleExpression="rate(2 days)")):  # enabled by default
        with pytest.raises(GuardrailViolation) as exc:
            call()
        assert inner in paths(exc) and all(p.startswith("Name -> PutTargets.Targets[0].Arn") for p in paths(exc))
    assert safemaker_local.request_count("events", "EnableRule") == 0
    assert safemaker_local.request_count("events", "PutRule") == 0
    with pytest.raises(GuardrailViolation) as exc:   # a rule that does not exist cannot be enabled: not verified
        events.enable_rule(Name="gone")
    assert [(v.path, v.rule_id) for v in exc.value.violations] == [("Name", "SM-REFERENCE")]
    events.put_rule(Name="open", ScheduleExpression="rate(2 days)", State="DISABLED")   # runs nothing
    events.put_rule(Name="new", ScheduleExpression="rate(1 day)")                      # no targets yet
    events.enable_rule(Name="closed")
    assert safemaker_local.request_count("events", "PutRule") == 2
    assert safemaker_local.request_count("events", "EnableRule") == 1


def test_a_remediation_run_on_demand_is_decided_as_its_runbook(safemaker_local, safemaker_session, profile):
    """moto has no remediation configurations: the read is stubbed (expected parameters: what the guard asks)."""
    ssm = safemaker_local.session.client("ssm")
    for name, params in (("OpenRb", OPEN_NB), ("ClosedRb", CLOSED_NB)):
        ssm.create_document(Name=name, DocumentType="Automation", DocumentFormat="JSON", Content=json.dumps({
            "schemaVersion": "0.3", "mainSteps": [{"name": "nb", "action": "aws:executeAwsApi", "inputs": {
                "Service": "sagemaker", "Api": "CreateNotebookInstance", **params}}]}))
    safemaker.install_process(profile)
    config = safemaker_session.client("config")
    stub = Stubber(config)
    request = {"ConfigRuleName": "r", "ResourceKeys": [{"resourceType": "AWS::S3::Bucket", "resourceId": "b"}]}

    def remediation(runbook):
        return {"RemediationConfigurations": [{"ConfigRuleName": "r", "TargetType": "SSM_DOCUMENT",
                                               "TargetId": runbook}]}

    stub.add_response("describe_remediation_configurations", remediation("OpenRb"), {"ConfigRuleNames": ["r"]})
    with stub, pytest.raises(GuardrailViolation) as exc:
        config.start_remediation_execution(**request)
    assert "ConfigRuleName -> StartAutomationExecution.DocumentName:mainSteps[0].inputs.DirectInternetAccess" \
        in paths(exc)
    stub.assert_no_pending_responses()
    stub.add_response("describe_remediation_configurations", remediation("ClosedRb"), {"ConfigRuleNames": ["r"]})
    stub.add_response("start_remediation_execution", {}, request)
    with stub:
        config.start_remediation_execution(**request)
    stub.assert_no_pending_responses()


def test_a_pipe_set_running_without_a_new_target_is_decided_as_its_start(safemaker_local, safemaker_session, profile,
                                                                         made):
    safemaker.install_process(profile)
    pipes = safemaker_session.client("pipes", config=ONE_ATTEMPT)
    with pytest.raises(GuardrailViolation) as exc:
        pipes.update_pipe(Name="open", RoleArn=OTHER_ROLE, DesiredState="RUNNING")
    assert "Name -> CreatePipe.Target -> StartExecution.stateMachineArn:States.S.Parameters.DirectInternetAccess" \
        in paths(exc)
    assert safemaker_local.request_count("pipes", "UpdatePipe") == 0
    send(pipes.update_pipe, Name="closed", RoleArn=OTHER_ROLE, DesiredState="RUNNING")
    assert safemaker_local.request_count("pipes", "UpdatePipe") == 1
    reads = safemaker_local.request_count("pipes", "DescribePipe")
    send(pipes.update_pipe, Name="open", RoleArn=OTHER_ROLE, Description="d")   # starts nothing: not read
    assert safemaker_local.request_count("pipes", "UpdatePipe") == 2
    assert safemaker_local.request_count("pipes", "DescribePipe") == reads


def test_enabling_a_maintenance_window_decides_each_of_its_tasks(safemaker_local, safemaker_session, profile):
    """moto has no GetMaintenanceWindowTask: the ssm reads are stubbed (expected parameters: what the guard asks)."""
    safemaker.install_process(profile)
    ssm = safemaker_session.client("ssm")
    stub = Stubber(ssm)
    content = {"schemaVersion": "0.3", "mainSteps": [{"name": "nb", "action": "aws:executeAwsApi", "inputs": {
        "Service": "sagemaker", "Api": "CreateNotebookInstance", **OPEN_NB}}]}
    stub.add_response("describe_maintenance_window_tasks", {"Tasks": [{"WindowId": "mw-0123456789abcdef0",
                                                                       "WindowTaskId": TASK_ID}]},
                      {"WindowId": "mw-0123456789abcdef0"})
    stub.add_response("get_maintenance_window_task", {"TaskType": "AUTOMATION", "TaskArn": "OpenRb"},
                      {"WindowId": "mw-0123456789abcdef0", "WindowTaskId": TASK_ID})
    stub.add_response("get_document", {"Name": "OpenRb", "Content": json.dumps(content),
                                       "DocumentType": "Automation", "DocumentFormat": "JSON"}, {"Name": "OpenRb"})
    with stub, pytest.raises(GuardrailViolation) as exc:
        ssm.update_maintenance_window(WindowId="mw-0123456789abcdef0", Enabled=True)
    assert "WindowId -> UpdateMaintenanceWindowTask.TaskArn -> StartAutomationExecution.DocumentName:mainSteps[0]." \
           "inputs.DirectInternetAccess" in paths(exc)
    stub.assert_no_pending_responses()
    stub.add_response("update_maintenance_window", {}, {"WindowId": "mw-0123456789abcdef0", "Enabled": False})
    with stub:   # disabling runs nothing: nothing read
        ssm.update_maintenance_window(WindowId="mw-0123456789abcdef0", Enabled=False)
    stub.assert_no_pending_responses()


@pytest.mark.parametrize("call,params", [
    ("pipes:updatePipe", {"Name": "p", "RoleArn": OTHER_ROLE, "DesiredState": "RUNNING"}),
    ("pipes:startPipe", {"Name": "p"}),
    ("eventbridge:enableRule", {"Name": "r"}),
    ("codepipeline:retryStageExecution", {"PipelineName": "p", "StageName": "s", "PipelineExecutionId": "e",
                                          "RetryMode": "ALL_ACTIONS"}),
    ("ssm:updateMaintenanceWindow", {"WindowId": "mw-0123456789abcdef0", "Enabled": True}),
])
def test_check_reports_a_restart_in_a_state_machine_as_not_verifiable_before_deployment(profile_file, tmp_path,
                                                                                      call, params):
    task = {"StartAt": "A", "States": {"A": {"Type": "Task", "End": True,
                                             "Resource": f"arn:aws:states:::aws-sdk:{call}", "Parameters": params}}}
    f = tmp_path / "t.json"
    f.write_text(json.dumps({"Resources": {"Sm": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
        "RoleArn": OTHER_ROLE, "Definition": task}}}}))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3, r.output
    assert [(x["status"], x["rule_id"]) for x in rows if x.get("status")] == [("UNKNOWN", "SM-REFERENCE")]
