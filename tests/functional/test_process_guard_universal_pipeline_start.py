"""A schedule whose universal target starts a SageMaker pipeline, under the process guard (trial 14 F04).

``scheduler.create_schedule`` with ``Target.Arn`` ``arn:aws:scheduler:::aws-sdk:sagemaker:startPipelineExecution``
and ``Target.Input`` ``{"PipelineName": "p"}`` (a closed pipeline) was refused: the guard described the pipeline
named by the whole Input text (``DescribePipeline(PipelineName='{"PipelineName": "p"}')``), a rule written for a
pipeline-ARN target (``Target.Arn``). The Input is now read as the request it is, and decided as the
``StartPipelineExecution`` sent directly; Cloud Control ``CreateResource(AWS::Scheduler::Schedule)`` alike.

Real botocore clients against moto on 127.0.0.1 (real HTTP); moto has no Cloud Control API, so that client is
stubbed (botocore's Stubber answers at ``before-call``, after the guard decided).

Oracles: botocore's scheduler model (``Target.Input``: for universal targets the API call's request, JSON text),
the EventBridge Scheduler user guide ("Using universal targets": ``arn:aws:scheduler:::aws-sdk:service:apiAction``,
"the Input ... the request parameters of the API"), botocore's sagemaker model (``StartPipelineExecution``'s
members, ``PipelineName`` required), and the direct ``start_pipeline_execution`` call's own decision.
"""

from __future__ import annotations

import json
import re

import botocore.session
import pytest
from botocore.stub import Stubber

import safemaker
from safemaker.errors import GuardrailViolation

from _profiles import ROLE, SG, SUB_A, subnet_parameter_pipeline

SUB_X = "subnet-0123456789abcdef0"
IMG = "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1"
UNIVERSAL = "arn:aws:scheduler:::aws-sdk:sagemaker:startPipelineExecution"
SCHEDULE = {"ScheduleExpression": "rate(1 day)", "FlexibleTimeWindow": {"Mode": "OFF"}}
SCHEDULER_ROLE = "arn:aws:iam::123456789012:role/scheduler"



def _target(input_text):
    return {"Arn": UNIVERSAL, "RoleArn": SCHEDULER_ROLE, "Input": input_text}


def test_the_universal_target_input_is_the_start_pipeline_execution_request_per_the_model():
    loader = botocore.session.get_session()
    target = loader.get_service_model("scheduler").shape_for("Target")
    assert "Input" in target.members and target.members["Input"].type_name == "string"
    assert "The text, or well-formed JSON, passed to the target" in re.sub(r"<[^>]+>", "",
                                                                           target.members["Input"].documentation)
    # EventBridge Scheduler user guide, "Using universal targets": the Arn is
    # arn:aws:scheduler:::aws-sdk:service:apiAction, and the Input the API's request parameters (JSON)
    start = loader.get_service_model("sagemaker").operation_model("StartPipelineExecution").input_shape
    assert {"PipelineName", "PipelineParameters"} <= set(start.members)
    assert "PipelineName" in start.required_members


@pytest.fixture()
def pipelines(safemaker_session):
    return {"closed": subnet_parameter_pipeline(safemaker_session, "closedpipe", SUB_A),
            "open": subnet_parameter_pipeline(safemaker_session, "openpipe", SUB_X)}


def _decided(exc):
    """(found, rule) of each violation, and the path after the start (what the direct call reports)."""
    return sorted((v.path.rsplit("StartPipelineExecution.", 1)[-1], repr(v.found), v.rule_id)
                  for v in exc.value.violations)


def test_a_schedule_starting_a_closed_pipeline_by_its_input_is_sent(safemaker_local, safemaker_session, profile,
                                                                    pipelines):
    safemaker.install_process(profile)
    sm, sch = safemaker_session.client("sagemaker"), safemaker_session.client("scheduler")
    for name, text in (("by-name", json.dumps({"PipelineName": "closedpipe"})),
                       ("by-arn", json.dumps({"PipelineName": pipelines["closed"],
                                              "PipelineExecutionDescription": "nightly"}))):
        safemaker_local.reset_requests()
        sch.create_schedule(Name=name, Target=_target(text), **SCHEDULE)
        assert safemaker_local.request_count("sagemaker", "DescribePipeline") == 1
        assert safemaker_local.request_count("scheduler", "CreateSchedule") == 1
    # the direct call of the same request: sent too
    assert sm.start_pipeline_execution(PipelineName="closedpipe")["PipelineExecutionArn"]


def test_a_schedule_starting_an_open_pipeline_is_refused_as_the_direct_call(safemaker_local, safemaker_session,
                                                                            profile, pipelines):
    safemaker.install_process(profile)
    sm, sch = safemaker_session.client("sagemaker"), safemaker_session.client("scheduler")
    cases = [{"PipelineName": "openpipe"},
             # the request's parameters replace the defaults, as StartPipelineExecution's do
             {"PipelineName": "closedpipe", "PipelineParameters": [{"Name": "Subnet", "Value": SUB_X}]}]
    for request in cases:
        with pytest.raises(GuardrailViolation) as direct:
            sm.start_pipeline_execution(**request)
        with pytest.raises(GuardrailViolation) as scheduled:
            sch.create_schedule(Name="s", Target=_target(json.dumps(request)), **SCHEDULE)
        assert _decided(scheduled) == _decided(direct)
        assert [v.found for v in scheduled.value.violations] == [SUB_X]
        assert all(v.path.startswith("Target.Input -> StartPipelineExecution.") for v in scheduled.value.violations)
    assert safemaker_local.request_count("scheduler", "CreateSchedule") == 0
    assert safemaker_local.request_count("sagemaker", "StartPipelineExecution") == 0


@pytest.mark.parametrize("text, said", [
    ("PipelineName=closedpipe", "JSON"),
    ('{"PipelineName": "openpipe", "PipelineName": "closedpipe"}', "PipelineName"),   # a key given twice
    ('["closedpipe"]', "list"),
    ("{}", "PipelineName"),
    ('{"PipelineName": ""}', "PipelineName"),
], ids=["not-json", "duplicate-key", "not-an-object", "no-name", "empty-name"])
def test_an_input_that_is_not_one_readable_request_fails_closed(safemaker_local, safemaker_session, profile,
                                                                pipelines, text, said):
    safemaker.install_process(profile)
    sch = safemaker_session.client("scheduler")
    with pytest.raises(GuardrailViolation) as exc:
        sch.create_schedule(Name="bad", Target=_target(text), **SCHEDULE)
    # the Input as a whole cannot be read ("Target"), or the request it is cannot be sent as it is
    assert [v.path for v in exc.value.violations] in (["Target"], ["Target.Input -> StartPipelineExecution"])
    assert said in str(exc.value)
    assert safemaker_local.request_count("scheduler", "CreateSchedule") == 0


def test_cloud_control_schedule_with_the_universal_target_is_decided_alike(safemaker_local, safemaker_session,
                                                                           profile, pipelines):
    safemaker.install_process(profile)
    cc = safemaker_session.client("cloudcontrol")

    def state(pipeline):
        return json.dumps({"Name": "s", **SCHEDULE, "Target": _target(json.dumps({"PipelineName": pipeline}))})

    with pytest.raises(GuardrailViolation) as exc:
        cc.create_resource(TypeName="AWS::Scheduler::Schedule", DesiredState=state("openpipe"))
    assert [v.found for v in exc.value.violations] == [SUB_X]
    assert exc.value.violations[0].path.startswith("DesiredState:Target.Input -> StartPipelineExecution.")
    request = {"TypeName": "AWS::Scheduler::Schedule", "DesiredState": state("closedpipe")}
    with Stubber(cc) as stub:   # moto has no Cloud Control API
        stub.add_response("create_resource", {"ProgressEvent": {"OperationStatus": "IN_PROGRESS"}}, request)
        cc.create_resource(**request)
        stub.assert_no_pending_responses()
