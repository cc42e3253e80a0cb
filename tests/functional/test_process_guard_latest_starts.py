"""A new latest pipeline version under what already starts the latest version with its own values (session 16).

Under ``allow_pipeline_network_parameters`` a definition may put a parameter in a guarded field when its default is
closed. ``CreatePipeline`` / ``UpdatePipeline`` make a new version that is the pipeline's latest from then on
(botocore sagemaker ``UpdatePipeline``: "Updates a pipeline"; ``StartPipelineExecution`` without
``PipelineVersionId`` / ``PipelineVersionAlias`` starts the latest). Whatever already starts the latest version with
parameter values of its own then runs the new definition with *its* values: an EventBridge Scheduler schedule
(universal target ``arn:aws:scheduler:::aws-sdk:sagemaker:startPipelineExecution`` whose ``Input`` names no version;
templated target whose ``Arn`` is the pipeline's ARN, ``SageMakerPipelineParameters.PipelineParameterList``), an
EventBridge rule's target (``SageMakerPipelineParameters``) and an EventBridge Pipes target
(``TargetParameters.SageMakerPipelineParameters``). The guard now reads them (only when a parameter stands in a
guarded field under the relaxation) and decides the new definition again under each one's values; what it cannot
read makes the request cannot be verified.

Real botocore clients against moto on 127.0.0.1 (real HTTP): moto keeps pipeline versions, schedules, rules with
their targets and pipes. moto does not enforce IAM, so a refused read is answered by botocore's Stubber on the
guard's own client of that service.

Oracles: botocore's scheduler / events / pipes models (the members named above, asserted) and the direct
``start_pipeline_execution`` of the same definition with the same values.
"""

from __future__ import annotations

import json

import botocore.session
import pytest
from botocore.stub import Stubber

import safemaker
from safemaker.errors import GuardrailViolation

from _profiles import ROLE, SUB_A
from test_process_guard_alias_schedules import (ARN, NO_RETRY, OPEN_VALUES, OPENABLE, SCHEDULE,
                                                SCHEDULER_ROLE, SUB_X, UNIVERSAL, _after_definition, _definition,
                                                _schedule, versions)  # noqa: F401 - versions: a fixture
from test_process_guard_default_moves import CARRIERS

OPEN = _definition({"Get": "Parameters.Subnet"})   # closed under its default, open under OPEN_VALUES
CLOSED_VALUES = [{"Name": "Subnet", "Value": SUB_A}]
READS = (("scheduler", "ListSchedules"), ("scheduler", "GetSchedule"), ("events", "ListEventBuses"),
         ("events", "ListRuleNamesByTarget"), ("events", "ListTargetsByRule"), ("pipes", "ListPipes"),
         ("pipes", "DescribePipe"), ("sts", "GetCallerIdentity"))


def test_rules_schedules_and_pipes_start_a_pipeline_with_their_own_values_per_the_models():
    loader = botocore.session.get_session()
    start = loader.get_service_model("sagemaker").operation_model("StartPipelineExecution").input_shape.members
    assert {"PipelineVersionId", "PipelineVersionAlias", "PipelineParameters"} <= set(start)
    events = loader.get_service_model("events")
    assert set(events.shape_for("Target").members["SageMakerPipelineParameters"].members) == {"PipelineParameterList"}
    assert {"TargetArn", "EventBusName"} <= set(events.operation_model("ListRuleNamesByTarget").input_shape.members)
    scheduler = loader.get_service_model("scheduler")
    assert "SageMakerPipelineParameters" in scheduler.shape_for("Target").members
    pipes = loader.get_service_model("pipes")
    assert set(pipes.shape_for("PipeTargetParameters").members["SageMakerPipelineParameters"].members) == {
        "PipelineParameterList"}
    for model in (events, scheduler, pipes):
        entry = model.shape_for("SageMakerPipelineParameter").members
        assert {"Name", "Value"} <= set(entry), model.service_name


def test_the_pipeline_arn_pattern_of_the_hook_is_the_target_table_s():
    from safemaker.hooks import _PIPELINE_ARN
    from safemaker.iac.service_calls import TARGET_STARTS

    table = next(t.pattern for t in TARGET_STARTS
                 if (t.service, t.operation) == ("sagemaker", "StartPipelineExecution"))
    for arn in (ARN, "arn:aws-cn:sagemaker:cn-north-1:123456789012:pipeline/My-Pipe", "arn:aws:sagemaker:::pipeline/p",
                "arn:aws:sagemaker:us-east-1:123456789012:pipeline/p/x", "arn:aws:states:us-east-1:1:stateMachine:p",
                ARN.replace("sagemaker", "SageMaker"), ARN.upper(), ARN.replace("pipeline/", "Pipeline/")):
        assert bool(_PIPELINE_ARN.fullmatch(arn)) == bool(table.fullmatch(arn)), arn
        if table.fullmatch(arn):
            assert _PIPELINE_ARN.fullmatch(arn).group("name") == table.fullmatch(arn).group("name")


def _raw(safemaker_local, service):
    from safemaker.local import LocalSession

    return LocalSession(safemaker_local.endpoint_url, region_name="us-east-1").client(service)


def _rule(safemaker_local, values, bus=None, pipeline_arn=ARN):
    events = _raw(safemaker_local, "events")
    where = {"EventBusName": bus} if bus else {}
    if bus:
        events.create_event_bus(Name=bus)
        events.put_rule(Name="on-upload", EventPattern=json.dumps({"source": ["my.app"]}), **where)
    else:
        events.put_rule(Name="on-upload", ScheduleExpression="rate(1 day)")
    events.put_targets(Rule="on-upload", Targets=[{
        "Id": "train", "Arn": pipeline_arn, "RoleArn": SCHEDULER_ROLE,
        "SageMakerPipelineParameters": {"PipelineParameterList": values}}], **where)


def _pipe(safemaker_local, values, name="feed"):
    sqs = _raw(safemaker_local, "sqs")
    queue = sqs.get_queue_attributes(QueueUrl=sqs.create_queue(QueueName="uploads")["QueueUrl"],
                                     AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    _raw(safemaker_local, "pipes").create_pipe(
        Name=name, RoleArn=SCHEDULER_ROLE, Source=queue, Target=ARN,
        TargetParameters={"SageMakerPipelineParameters": {"PipelineParameterList": values}})


STARTERS = {
    "universal-schedule": lambda local, versions, values: _schedule(
        versions, "nightly", {"PipelineName": "p", "PipelineParameters": values}),
    "templated-schedule": lambda local, versions, values: versions.create_schedule(
        Name="nightly", Target={"Arn": ARN, "RoleArn": SCHEDULER_ROLE,
                                "SageMakerPipelineParameters": {"PipelineParameterList": values}}, **SCHEDULE),
    "rule-target": lambda local, versions, values: _rule(local, values),
    "rule-target-custom-bus": lambda local, versions, values: _rule(local, values, bus="uploads"),
    "pipe-target": lambda local, versions, values: _pipe(local, values),
}
LABELS = {
    "universal-schedule": "schedule default/nightly (Target.Input)",
    "templated-schedule": "schedule default/nightly (Target.SageMakerPipelineParameters.PipelineParameterList)",
    "rule-target": "EventBridge rule default/on-upload target train (SageMakerPipelineParameters."
                   "PipelineParameterList)",
    "rule-target-custom-bus": "EventBridge rule uploads/on-upload target train (SageMakerPipelineParameters."
                              "PipelineParameterList)",
    "pipe-target": "pipe feed (TargetParameters.SageMakerPipelineParameters.PipelineParameterList)",
}


@pytest.mark.parametrize("starter", list(STARTERS))
def test_a_new_latest_version_a_standing_start_opens_is_refused(safemaker_local, safemaker_session, profile_factory,
                                                                versions, starter):
    STARTERS[starter](safemaker_local, versions, OPEN_VALUES)
    safemaker.install_process(profile_factory(**OPENABLE))
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    with pytest.raises(GuardrailViolation) as direct:   # the oracle: the start that standing start's next run makes
        sm.start_pipeline_execution(PipelineName="p", PipelineVersionId=2, PipelineParameters=OPEN_VALUES)
    sent = safemaker_local.request_count("sagemaker", "UpdatePipeline")
    with pytest.raises(GuardrailViolation) as exc:
        sm.update_pipeline(PipelineName="p", PipelineDefinition=OPEN)
    assert safemaker_local.request_count("sagemaker", "UpdatePipeline") == sent
    assert _after_definition(exc.value.violations) == _after_definition(direct.value.violations)
    assert SUB_X in [v.found for v in exc.value.violations]
    assert {v.path.split(".PipelineDefinition.", 1)[0] for v in exc.value.violations} == {
        f"PipelineDefinition (the latest version of pipeline 'p' from now on) with the parameters of {LABELS[starter]}"
        " -> StartPipelineExecution.PipelineName -> UpdatePipeline"}


# trial 18b F01: the words of a standing start's ARN in another case (the pipeline's name as it is)
CASE_STARTERS = {
    "universal-schedule-SCHEDULER": lambda local, versions, values: _schedule(
        versions, "nightly", {"PipelineName": "p", "PipelineParameters": values},
        arn=UNIVERSAL.replace(":scheduler:", ":SCHEDULER:")),
    "universal-schedule-upper": lambda local, versions, values: _schedule(
        versions, "nightly", {"PipelineName": "p", "PipelineParameters": values},
        arn=UNIVERSAL.upper().replace("ARN:AWS:", "arn:aws:")),
    "templated-schedule-SageMaker": lambda local, versions, values: versions.create_schedule(
        Name="nightly", Target={"Arn": ARN.replace(":sagemaker:", ":SageMaker:"), "RoleArn": SCHEDULER_ROLE,
                                "SageMakerPipelineParameters": {"PipelineParameterList": values}}, **SCHEDULE),
    "templated-schedule-ARN": lambda local, versions, values: versions.create_schedule(
        Name="nightly", Target={"Arn": ARN.replace("arn:aws:sagemaker", "ARN:AWS:SAGEMAKER").replace(
            "pipeline/", "PIPELINE/"), "RoleArn": SCHEDULER_ROLE,
                                "SageMakerPipelineParameters": {"PipelineParameterList": values}}, **SCHEDULE),
}


@pytest.mark.parametrize("starter", list(CASE_STARTERS))
def test_a_standing_start_whose_arn_words_are_in_another_case_is_read(safemaker_local, safemaker_session,
                                                                      profile_factory, versions, starter):
    CASE_STARTERS[starter](safemaker_local, versions, OPEN_VALUES)
    safemaker.install_process(profile_factory(**OPENABLE))
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    sent = safemaker_local.request_count("sagemaker", "UpdatePipeline")
    with pytest.raises(GuardrailViolation) as exc:
        sm.update_pipeline(PipelineName="p", PipelineDefinition=OPEN)
    assert safemaker_local.request_count("sagemaker", "UpdatePipeline") == sent
    assert SUB_X in [v.found for v in exc.value.violations]


def test_creating_a_pipeline_a_standing_schedule_opens_is_refused(safemaker_local, safemaker_session,
                                                                  profile_factory, versions):
    # a schedule made before the pipeline (or left from a deleted one of the same name), naming it by ARN
    _schedule(versions, "nightly", {"PipelineName": ARN.replace("pipeline/p", "pipeline/q"),
                                    "PipelineParameters": OPEN_VALUES})
    safemaker.install_process(profile_factory(**OPENABLE))
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_pipeline(PipelineName="q", RoleArn=ROLE, PipelineDefinition=OPEN,
                           ClientRequestToken="q-token-0123456789abcdef01234567")
    assert safemaker_local.request_count("sagemaker", "CreatePipeline") == 1   # the fixture's only
    assert SUB_X in [v.found for v in exc.value.violations]


@pytest.mark.parametrize("starter", list(STARTERS))
def test_a_new_latest_version_standing_starts_keep_closed_is_sent(safemaker_local, safemaker_session,
                                                                  profile_factory, versions, starter):
    STARTERS[starter](safemaker_local, versions, CLOSED_VALUES)
    _schedule(versions, "by-alias", {"PipelineName": "p", "PipelineVersionAlias": "beta",   # not the latest
                                     "PipelineParameters": OPEN_VALUES})
    _schedule(versions, "by-version", {"PipelineName": "p", "PipelineVersionId": 1, "PipelineParameters": OPEN_VALUES})
    _schedule(versions, "other", {"PipelineName": "q", "PipelineParameters": OPEN_VALUES})
    safemaker.install_process(profile_factory(**OPENABLE))
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    sent = safemaker_local.request_count("sagemaker", "UpdatePipeline")
    sm.update_pipeline(PipelineName="p", PipelineDefinition=OPEN)
    assert safemaker_local.request_count("sagemaker", "UpdatePipeline") == sent + 1
    for service, operation in (("scheduler", "ListSchedules"), ("events", "ListRuleNamesByTarget"),
                               ("pipes", "ListPipes")):
        assert safemaker_local.request_count(service, operation) >= 1, operation


@pytest.mark.parametrize("service, operation, permissions", [
    ("scheduler", "list_schedules", "scheduler:ListSchedules and scheduler:GetSchedule"),
    ("events", "list_event_buses", "events:ListEventBuses, events:ListRuleNamesByTarget and events:ListTargetsByRule"),
    ("pipes", "list_pipes", "pipes:ListPipes and pipes:DescribePipe"),
])
def test_standing_starts_that_cannot_be_read_make_it_unverifiable(safemaker_local, safemaker_session, profile_factory,
                                                                  versions, service, operation, permissions):
    guard = safemaker.install_process(profile_factory(**OPENABLE))
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    sent = safemaker_local.request_count("sagemaker", "UpdatePipeline")
    with Stubber(guard._other_client(sm, service)) as stub:   # moto does not enforce IAM
        stub.add_client_error(operation, "AccessDeniedException", "not authorized")
        with pytest.raises(GuardrailViolation) as exc:
            sm.update_pipeline(PipelineName="p", PipelineDefinition=OPEN)
    assert safemaker_local.request_count("sagemaker", "UpdatePipeline") == sent
    assert [(v.rule_id, v.path) for v in exc.value.violations] == [
        ("SM-REFERENCE", "PipelineDefinition (the latest version of pipeline 'p' from now on)")]
    assert f"allow {permissions}" in exc.value.violations[0].fix


def test_a_pipe_naming_a_parameter_from_the_event_makes_it_unverifiable(safemaker_local, safemaker_session,
                                                                        profile_factory, versions):
    _pipe(safemaker_local, [{"Name": "$.body.parameter", "Value": SUB_A}])
    safemaker.install_process(profile_factory(**OPENABLE))
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    with pytest.raises(GuardrailViolation) as exc:
        sm.update_pipeline(PipelineName="p", PipelineDefinition=OPEN)
    assert [(v.rule_id, v.found) for v in exc.value.violations] == [("SM-REFERENCE", "$.body.parameter")]


@pytest.mark.parametrize("starter", list(STARTERS))
def test_without_a_parameter_in_a_guarded_field_nothing_is_read(safemaker_local, safemaker_session, profile,
                                                                 profile_factory, versions, starter):
    STARTERS[starter](safemaker_local, versions, OPEN_VALUES)
    before = {read: safemaker_local.request_count(*read) for read in READS}
    sent = safemaker_local.request_count("sagemaker", "UpdatePipeline")
    safemaker.install_process(profile)   # no relaxation: a parameter there is refused by the rule alone
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    sm.update_pipeline(PipelineName="p", PipelineDefinition=_definition(SUB_A))
    with pytest.raises(GuardrailViolation):
        sm.update_pipeline(PipelineName="p", PipelineDefinition=OPEN)
    safemaker.uninstall_process()
    safemaker.install_process(profile_factory(**OPENABLE))   # relaxed, but no parameter stands in a guarded field
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    sm.update_pipeline(PipelineName="p", PipelineDefinition=_definition(SUB_A))
    assert safemaker_local.request_count("sagemaker", "UpdatePipeline") == sent + 2
    assert {read: safemaker_local.request_count(*read) for read in READS} == before


@pytest.mark.parametrize("carrier", CARRIERS)
def test_a_carrier_making_the_new_latest_version_is_refused_as_the_direct_call(
        safemaker_local, safemaker_session, profile_factory, versions, carrier):
    _rule(safemaker_local, OPEN_VALUES)
    safemaker.install_process(profile_factory(**OPENABLE))
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    update = {"PipelineName": "p", "PipelineDefinition": OPEN}
    with pytest.raises(GuardrailViolation) as direct:
        sm.update_pipeline(**update)
    with pytest.raises(GuardrailViolation) as exc:
        carrier(safemaker_session, "sagemaker", "UpdatePipeline", update)
    prefix = {"CreateStateMachine": "definition:States.S.Parameters", "CreateSchedule": "Target.Input",
              "CreateDocument": "Content.mainSteps[0].inputs"}[exc.value.operation]
    assert sorted((v.path, v.rule_id, repr(v.found)) for v in exc.value.violations) == sorted(
        (f"{prefix} -> UpdatePipeline.{v.path}", v.rule_id, repr(v.found)) for v in direct.value.violations)


# CloudFormation: a stack's AWS::SageMaker::Pipeline makes the pipeline's new latest version (CloudFormation User
# Guide AWS::SageMaker::Pipeline: PipelineDefinition.PipelineDefinitionBody; creating it is CreatePipeline, changing
# its definition UpdatePipeline), decided as the direct call (trial 16b F02: it was decided under the defaults only)


def _stack_template(definition, name="p"):
    return json.dumps({"Resources": {"P": {"Type": "AWS::SageMaker::Pipeline", "Properties": {
        "PipelineName": name, "RoleArn": ROLE, "PipelineDefinition": {"PipelineDefinitionBody": definition}}}}})


STACK_CALLS = {
    "CreateStack": lambda cfn, body: cfn.create_stack(StackName="st", TemplateBody=body),
    "UpdateStack": lambda cfn, body: cfn.update_stack(StackName="owner", TemplateBody=body),
    "CreateChangeSet": lambda cfn, body: cfn.create_change_set(StackName="st", ChangeSetName="cs",
                                                               ChangeSetType="CREATE", TemplateBody=body),
}
PIPELINE_STACK_MEMBERS = ("PipelineName", "RoleArn", "PipelineDefinition")


def test_a_stack_pipeline_resource_per_the_cloudformation_reader():
    from safemaker.iac.cloudformation import template_requests
    from safemaker.iac._document import parse_text

    from safemaker.iac.service_calls import direct_request

    (request,) = template_requests(parse_text(_stack_template(OPEN), "t"), {})
    assert request.operation == "CreatePipeline" and request.params["PipelineDefinition"] == json.loads(OPEN)
    handed_on = direct_request(request)["PipelineDefinition"]   # as botocore sends it: a string
    assert isinstance(handed_on, str) and json.loads(handed_on) == json.loads(OPEN)
    sm = botocore.session.get_session().get_service_model("sagemaker")
    assert set(PIPELINE_STACK_MEMBERS) <= set(sm.operation_model("CreatePipeline").input_shape.members)
    cfn = botocore.session.get_session().get_service_model("cloudformation")
    for operation in STACK_CALLS:
        assert "TemplateBody" in cfn.operation_model(operation).input_shape.members, operation


def _owner_stack(safemaker_local):
    _raw(safemaker_local, "cloudformation").create_stack(StackName="owner", TemplateBody=_stack_template(
        _definition(SUB_A), name="other"))


@pytest.mark.filterwarnings("ignore:Tried to parse AWS")   # moto does not make the resource
@pytest.mark.parametrize("call", list(STACK_CALLS))
def test_a_stack_making_a_new_latest_version_a_standing_rule_opens_is_refused(
        safemaker_local, safemaker_session, profile_factory, versions, call):
    _owner_stack(safemaker_local)
    _rule(safemaker_local, OPEN_VALUES)
    safemaker.install_process(profile_factory(**OPENABLE))
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    with pytest.raises(GuardrailViolation) as direct:   # the oracle: the start the rule's next trigger makes
        sm.start_pipeline_execution(PipelineName="p", PipelineVersionId=2, PipelineParameters=OPEN_VALUES)
    cfn = safemaker_session.client("cloudformation", config=NO_RETRY)
    sent = safemaker_local.request_count("cloudformation", call)
    with pytest.raises(GuardrailViolation) as exc:
        STACK_CALLS[call](cfn, _stack_template(OPEN))
    assert safemaker_local.request_count("cloudformation", call) == sent
    assert _after_definition(exc.value.violations) == _after_definition(direct.value.violations)
    assert SUB_X in [v.found for v in exc.value.violations]
    assert {v.path.split(".PipelineDefinition.", 1)[0] for v in exc.value.violations} == {
        f"TemplateBody:P -> CreatePipeline.PipelineDefinition (the latest version of pipeline 'p' from now on) with "
        f"the parameters of {LABELS['rule-target']} -> StartPipelineExecution.PipelineName -> CreatePipeline"}


@pytest.mark.filterwarnings("ignore:Tried to parse AWS")   # moto does not make the resource
@pytest.mark.parametrize("call", list(STACK_CALLS))
def test_a_stack_making_a_new_latest_version_standing_starts_keep_closed_is_sent(
        safemaker_local, safemaker_session, profile_factory, versions, call):
    _owner_stack(safemaker_local)
    _rule(safemaker_local, CLOSED_VALUES)
    _schedule(versions, "other", {"PipelineName": "q", "PipelineParameters": OPEN_VALUES})   # another pipeline
    safemaker.install_process(profile_factory(**OPENABLE))
    cfn = safemaker_session.client("cloudformation", config=NO_RETRY)
    sent = safemaker_local.request_count("cloudformation", call)
    STACK_CALLS[call](cfn, _stack_template(OPEN))
    assert safemaker_local.request_count("cloudformation", call) == sent + 1
    for service, operation in (("scheduler", "ListSchedules"), ("events", "ListRuleNamesByTarget"),
                               ("pipes", "ListPipes")):
        assert safemaker_local.request_count(service, operation) >= 1, operation


@pytest.mark.filterwarnings("ignore:Tried to parse AWS")   # moto does not make the resource
def test_a_stack_pipeline_without_the_relaxation_or_a_parameter_in_a_guarded_field_reads_nothing(
        safemaker_local, safemaker_session, profile, profile_factory, versions):
    _rule(safemaker_local, OPEN_VALUES)
    before = {read: safemaker_local.request_count(*read) for read in READS}
    sent = safemaker_local.request_count("cloudformation", "CreateStack")
    safemaker.install_process(profile)   # no relaxation: a parameter there is refused by the template's rule alone
    cfn = safemaker_session.client("cloudformation", config=NO_RETRY)
    with pytest.raises(GuardrailViolation):
        cfn.create_stack(StackName="st", TemplateBody=_stack_template(OPEN))
    cfn.create_stack(StackName="st", TemplateBody=_stack_template(_definition(SUB_A)))
    safemaker.uninstall_process()
    safemaker.install_process(profile_factory(**OPENABLE))   # relaxed, but no parameter stands in a guarded field
    cfn = safemaker_session.client("cloudformation", config=NO_RETRY)
    cfn.create_stack(StackName="st2", TemplateBody=_stack_template(_definition(SUB_A)))
    assert safemaker_local.request_count("cloudformation", "CreateStack") == sent + 2
    assert {read: safemaker_local.request_count(*read) for read in READS} == before


@pytest.mark.filterwarnings("ignore:Tried to parse AWS")   # moto does not make the resource
def test_a_stack_pipeline_named_only_at_deployment_with_a_parameter_in_a_guarded_field_is_unverifiable(
        safemaker_local, safemaker_session, profile_factory, versions):
    safemaker.install_process(profile_factory(**OPENABLE))
    cfn = safemaker_session.client("cloudformation", config=NO_RETRY)
    sent = safemaker_local.request_count("cloudformation", "CreateStack")
    named_late = json.loads(_stack_template(OPEN))
    named_late["Resources"]["P"]["Properties"]["PipelineName"] = {"Fn::Sub": "${AWS::StackName}-p"}
    with pytest.raises(GuardrailViolation) as exc:
        cfn.create_stack(StackName="st", TemplateBody=json.dumps(named_late))
    assert safemaker_local.request_count("cloudformation", "CreateStack") == sent
    assert [(v.rule_id, v.path) for v in exc.value.violations] == [
        ("SM-REFERENCE", "TemplateBody:P -> CreatePipeline.PipelineDefinition (the latest version of pipeline "
                         f"{exc.value.violations[0].found!r} from now on)")]
    assert "write the PipelineName" in exc.value.violations[0].fix


# Cloud Control (moto has none: botocore's Stubber answers the request sent) reads the same resource type the same way:
# its PipelineDefinitionBody is handed on as the JSON text the direct call carries (it was handed on decoded, and
# every such resource under the relaxation refused as "cannot verify", whatever its starts)


def _pipeline_resource(definition):
    return {"TypeName": "AWS::SageMaker::Pipeline", "DesiredState": json.dumps({
        "PipelineName": "p", "RoleArn": ROLE, "PipelineDefinition": {"PipelineDefinitionBody": definition}})}


@pytest.mark.parametrize("values, sent", [(OPEN_VALUES, False), (CLOSED_VALUES, True)])
def test_a_cloud_control_pipeline_is_decided_under_the_standing_starts_as_a_stack_s(
        safemaker_local, safemaker_session, profile_factory, versions, values, sent):
    _rule(safemaker_local, values)
    safemaker.install_process(profile_factory(**OPENABLE))
    cc = safemaker_session.client("cloudcontrol", config=NO_RETRY)
    stub = Stubber(cc)
    if sent:
        stub.add_response("create_resource", {"ProgressEvent": {
            "TypeName": "AWS::SageMaker::Pipeline", "Operation": "CREATE", "OperationStatus": "IN_PROGRESS",
            "RequestToken": "t-1"}}, _pipeline_resource(OPEN))
        with stub:
            cc.create_resource(**_pipeline_resource(OPEN))
        stub.assert_no_pending_responses()
        assert safemaker_local.request_count("events", "ListTargetsByRule") >= 1
        return
    with stub, pytest.raises(GuardrailViolation) as exc:   # nothing queued: a request sent would fail the stub
        cc.create_resource(**_pipeline_resource(OPEN))
    cfn = safemaker_session.client("cloudformation", config=NO_RETRY)
    with pytest.raises(GuardrailViolation) as stack:
        cfn.create_stack(StackName="st", TemplateBody=_stack_template(OPEN))
    assert SUB_X in [v.found for v in exc.value.violations]
    assert sorted((v.path.split(" -> ", 1)[1], v.rule_id, repr(v.found)) for v in exc.value.violations) == sorted(
        (v.path.split(" -> ", 1)[1], v.rule_id, repr(v.found)) for v in stack.value.violations)
