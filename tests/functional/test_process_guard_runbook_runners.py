"""Other services that run an Automation runbook or start a state machine, under the process guard (trial 11 F01).

A guarded process decided ``PutRemediationConfigurations`` by the runbook it runs, yet sent the same effect through
AWS Config conformance packs (a template of ``AWS::Config::RemediationConfiguration``), Incident Manager response
plans (``actions[].ssmAutomation``) and ``StartIncident``, AWS FIS experiment templates
(``aws:ssm:start-automation-execution``) and ``StartExperiment``, ``CreateAssociationBatch``, MGN post-launch actions,
IoT rules and EventBridge subscribers that start a state machine. Each is now decided as the request that runs it
(:data:`safemaker.iac.service_calls.RUNBOOK_RUNNERS`): the runbook read with an SSM client of the same credentials,
region and endpoint and decided as a direct ``StartAutomationExecution``.

The class: every operation of every installed botocore model whose documentation names a runbook, an SSM document, a
state machine or a CloudFormation template is either decided or listed with the reason it runs none
(:data:`safemaker.iac.service_calls.UNDECIDED_CANDIDATES`).

Real botocore clients against moto on 127.0.0.1 (real HTTP): SSM, Step Functions, FIS, IoT. moto has no conformance
packs (but the organization's), Incident Manager, MGN, ``CreateAssociationBatch`` or EventBridge subscribers: a request
the guard sends reaches moto and is answered with an error (what counts is whether it reached moto), and
``StartIncident``'s read of the response plan is stubbed (botocore's Stubber answers at ``before-call``, after the
guard decided).

Oracles: botocore's models (config ``PutConformancePack.TemplateBody`` "a YAML template with two resource types:
Config rule (AWS::Config::ConfigRule) and remediation action (AWS::Config::RemediationConfiguration)"; ssm-incidents
``SsmAutomation.documentName``, ``GetResponsePlan``; fis ``GetExperimentTemplate``; iot ``StepFunctionsAction``;
eventbridgev2 ``InvokeConfiguration.TargetArn``; mgn ``SsmDocument.ssmDocumentName``), the AWS FIS User Guide
("aws:ssm:start-automation-execution": parameter ``documentArn``), the SageMaker API reference
(``DirectInternetAccess`` Enabled).
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

from _botocore_candidates import assert_classified, runbook_candidates
from _profiles import ROLE, SG, SUB_A, make_profile
from _other_services import notebook_runbook as runbook, send as sent
from _shapes import member_at

ACCOUNT = "123456789012"
CLOSED_NB = {"InstanceType": "ml.t3.medium", "RoleArn": ROLE, "SubnetId": SUB_A, "SecurityGroupIds": [SG],
             "DirectInternetAccess": "Disabled", "RootAccess": "Disabled"}
OPEN_NB = {**CLOSED_NB, "DirectInternetAccess": "Enabled"}
MODELS = botocore.session.get_session()
NO_RETRY = Config(retries={"total_max_attempts": 1})
OPEN_PATH = "StartAutomationExecution.DocumentName:mainSteps[0].inputs.DirectInternetAccess"

# --------------------------------------------------------------------------- the class, from botocore's models
# (the candidates: tests/_botocore_candidates.py, one scan of the models for this class and SageMaker's)


def test_every_operation_botocore_ties_to_a_runbook_or_template_is_decided_or_says_why_not():
    found = runbook_candidates()
    decided = assert_classified(found)
    assert not decided & set(service_calls.UNDECIDED_CANDIDATES)
    for (service, op), why in service_calls.UNDECIDED_CANDIDATES.items():
        assert op in MODELS.get_service_model(service).operation_names and why
    # the trial's runners are among the candidates the models give (the derivation finds them)
    assert {("config", "PutConformancePack"), ("ssm-incidents", "CreateResponsePlan"),
            ("ssm-incidents", "StartIncident"), ("codeconnections", "CreateSyncConfiguration"),
            ("datazone", "CreateEnvironmentBlueprint")} <= found


def test_the_runners_read_members_of_botocores_models():
    for (service, op), runner in service_calls.RUNBOOK_RUNNERS.items():
        assert op in DECIDED_OPERATIONS[service] and (service, op) in service_calls.STARTING_CALLS
        model = MODELS.get_service_model(service)
        lookup = service_calls.LOOKUP_CALLS.get((service, op))
        root = model.operation_model(op).input_shape if lookup is None else (
            model.operation_model(lookup.read).output_shape if lookup.response is None
            else model.operation_model(lookup.read).output_shape.members[lookup.response])
        for at in runner.at.split("|"):
            item = member_at(root, at)
            member_at(item, runner.name.split(".")[0] if runner.name.startswith("parameters.") else runner.name)
            if runner.version is not None:
                member_at(item, runner.version)
        started = MODELS.get_service_model(runner.starts[0]).operation_model(runner.starts[1]).input_shape
        assert runner.starts[2] in started.members
    config = MODELS.get_service_model("config")
    for op in ("PutConformancePack", "PutOrganizationConformancePack"):
        assert {"TemplateBody", "TemplateS3Uri", "ConformancePackInputParameters"} <= set(
            config.operation_model(op).input_shape.members)
    assert "AWS::Config::RemediationConfiguration" in \
        config.operation_model("PutConformancePack").input_shape.members["TemplateBody"].documentation


# --------------------------------------------------------------------------- fixtures


@pytest.fixture()
def made(safemaker_local):
    """An open and a closed runbook and state machine, made before the guard (by someone else)."""
    ssm = safemaker_local.session.client("ssm")
    for name, params in (("OpenRb", OPEN_NB), ("ClosedRb", CLOSED_NB)):
        ssm.create_document(Name=name, DocumentType="Automation", DocumentFormat="JSON", Content=runbook(params))
    sfn = safemaker_local.session.client("stepfunctions")
    return {k: sfn.create_state_machine(name=k, roleArn=f"arn:aws:iam::{ACCOUNT}:role/sfn", definition=json.dumps({
        "StartAt": "S", "States": {"S": {"Type": "Task", "End": True,
                                         "Resource": "arn:aws:states:::aws-sdk:sagemaker:createNotebookInstance",
                                         "Parameters": {"NotebookInstanceName": "nb", **v}}}}))["stateMachineArn"]
            for k, v in (("open", OPEN_NB), ("closed", CLOSED_NB))}


def paths(exc):
    return [(v.path, v.found, v.rule_id) for v in exc.value.violations]



# --------------------------------------------------------------------------- AWS Config conformance packs


def pack(document="{{ Doc }}", **extra):
    return json.dumps({"Parameters": {"Doc": {"Type": "String"}}, "Resources": {
        "Rule": {"Type": "AWS::Config::ConfigRule", "Properties": {
            "ConfigRuleName": "r", "Source": {"Owner": "AWS", "SourceIdentifier": "S3_BUCKET_VERSIONING_ENABLED"}}},
        "Fix": {"Type": "AWS::Config::RemediationConfiguration", "Properties": {
            "ConfigRuleName": "r", "TargetType": "SSM_DOCUMENT", "TargetId": document, "Automatic": True,
            "MaximumAutomaticAttempts": 1, "RetryAttemptSeconds": 60, **extra}}}})


@pytest.mark.parametrize("op,name_member", [("put_conformance_pack", "ConformancePackName"),
                                            ("put_organization_conformance_pack", "OrganizationConformancePackName")])
def test_a_conformance_pack_decides_the_runbooks_of_its_remediations(safemaker_local, safemaker_session, profile,
                                                                     made, op, name_member):
    safemaker.install_process(profile)
    config = safemaker_session.client("config", config=NO_RETRY)
    call = getattr(config, op)
    with pytest.raises(GuardrailViolation) as exc:
        call(**{name_member: "p"}, TemplateBody=pack({"Ref": "Doc"}),
             ConformancePackInputParameters=[{"ParameterName": "Doc", "ParameterValue": "OpenRb"}])
    assert paths(exc) == [(f"TemplateBody:Fix.TargetId -> {OPEN_PATH}", "Enabled", "SM-NB-DIRECT-INTERNET")]
    with pytest.raises(GuardrailViolation) as exc:  # written in the template: the same
        call(**{name_member: "p"}, TemplateBody=pack("OpenRb"))
    assert [p for p, _, _ in paths(exc)] == [f"TemplateBody:Fix.TargetId -> {OPEN_PATH}"]
    with pytest.raises(GuardrailViolation) as exc:  # a template the request names: cannot be verified
        call(**{name_member: "p"}, TemplateS3Uri="s3://bucket/pack.yaml")
    assert paths(exc) == [("TemplateS3Uri", "s3://bucket/pack.yaml", "SM-REFERENCE")]
    assert safemaker_local.request_count("config") == 0
    sent(call, **{name_member: "p"}, TemplateBody=pack("ClosedRb"))
    assert safemaker_local.request_count("config") == 1
    safemaker.uninstall_process()
    safemaker.install_process(make_profile(allow_unverified_templates=True))
    sent(call, **{name_member: "p"}, TemplateS3Uri="s3://bucket/pack.yaml")
    assert safemaker_local.request_count("config") == 2


# --------------------------------------------------------------------------- Incident Manager


def plan_actions(document, version=None):
    automation = {"documentName": document, "roleArn": f"arn:aws:iam::{ACCOUNT}:role/ir"}
    if version is not None:
        automation["documentVersion"] = version
    return [{"ssmAutomation": automation}]


def test_a_response_plan_decides_the_runbooks_it_starts(safemaker_local, safemaker_session, profile, made):
    safemaker.install_process(profile)
    ir = safemaker_session.client("ssm-incidents", config=NO_RETRY)
    with pytest.raises(GuardrailViolation) as exc:
        ir.create_response_plan(name="p", incidentTemplate={"title": "t", "impact": 1},
                                actions=plan_actions("ClosedRb") + plan_actions("OpenRb"))
    assert paths(exc) == [(f"actions[1].ssmAutomation.documentName -> {OPEN_PATH}", "Enabled",
                           "SM-NB-DIRECT-INTERNET")]
    plan = f"arn:aws:ssm-incidents::{ACCOUNT}:response-plan/p"
    with pytest.raises(GuardrailViolation):
        ir.update_response_plan(arn=plan, actions=plan_actions("OpenRb"))
    with pytest.raises(GuardrailViolation) as exc:  # a version that does not exist cannot be read
        ir.create_response_plan(name="p", incidentTemplate={"title": "t", "impact": 1},
                                actions=plan_actions("ClosedRb", "7"))
    assert [r for _, _, r in paths(exc)] == ["SM-REFERENCE"]
    assert safemaker_local.request_count("ssm-incidents") == 0
    sent(ir.create_response_plan, name="p", incidentTemplate={"title": "t", "impact": 1},
         actions=plan_actions("ClosedRb"))
    sent(ir.update_response_plan, arn=plan, displayName="renamed")  # no actions: runs nothing new
    assert safemaker_local.request_count("ssm-incidents") == 2


def test_a_response_plan_given_as_tuples_decides_the_runbooks_it_starts(safemaker_local, safemaker_session, profile,
                                                                        made):
    """botocore takes a tuple wherever its model has a list (``ParamValidator.CONTAINER_TYPES['list']``): the
    runner's items are read through the one path engine, tuples as lists."""
    safemaker.install_process(profile)
    ir = safemaker_session.client("ssm-incidents", config=NO_RETRY)
    with pytest.raises(GuardrailViolation) as exc:
        ir.create_response_plan(name="p", incidentTemplate={"title": "t", "impact": 1},
                                actions=tuple(plan_actions("ClosedRb") + plan_actions("OpenRb")))
    assert paths(exc) == [(f"actions[1].ssmAutomation.documentName -> {OPEN_PATH}", "Enabled",
                           "SM-NB-DIRECT-INTERNET")]
    assert safemaker_local.request_count("ssm-incidents") == 0


def test_start_incident_reads_the_response_plan_and_decides_its_runbooks(safemaker_local, safemaker_session,
                                                                         profile, made):
    safemaker.install_process(profile)
    ir = safemaker_session.client("ssm-incidents", config=NO_RETRY)
    plan = f"arn:aws:ssm-incidents::{ACCOUNT}:response-plan/p"
    described = {"arn": plan, "name": "p", "incidentTemplate": {"title": "t", "impact": 1}}
    with Stubber(ir) as stub:
        stub.add_response("get_response_plan", {**described, "actions": plan_actions("OpenRb")}, {"arn": plan})
        with pytest.raises(GuardrailViolation) as exc:
            ir.start_incident(responsePlanArn=plan)
        assert paths(exc) == [(f"responsePlanArn:actions[0].ssmAutomation.documentName -> {OPEN_PATH}", "Enabled",
                               "SM-NB-DIRECT-INTERNET")]
        stub.add_response("get_response_plan", {**described, "actions": plan_actions("ClosedRb")}, {"arn": plan})
        stub.add_response("start_incident", {"incidentRecordArn": f"{plan}/i-1"}, {"responsePlanArn": plan})
        ir.start_incident(responsePlanArn=plan)
        stub.add_client_error("get_response_plan", "ResourceNotFoundException", expected_params={"arn": plan})
        with pytest.raises(GuardrailViolation) as exc:  # a plan that cannot be read cannot be verified
            ir.start_incident(responsePlanArn=plan)
        assert paths(exc)[0][0] == "responsePlanArn" and paths(exc)[0][2] == "SM-REFERENCE"
        stub.assert_no_pending_responses()


# --------------------------------------------------------------------------- AWS FIS


def fis_action(action_id, **parameters):
    return {"actionId": action_id, "parameters": parameters}


def refused_fis_template(safemaker_local, safemaker_session, profile, **actions):
    """A FIS template whose ``run`` action starts the runbook OpenRb (by ARN) beside ``actions``: decided as a start
    of that runbook, and refused (an ARN moto's GetDocument cannot read) with nothing sent. Returns the request and
    the guarded fis client."""
    arn = f"arn:aws:ssm:us-east-1:{ACCOUNT}:document/OpenRb"
    request = {"roleArn": f"arn:aws:iam::{ACCOUNT}:role/fis", "description": "d",
               "stopConditions": [{"source": "none"}],
               "actions": {**actions, "run": fis_action("aws:ssm:start-automation-execution", documentArn=arn,
                                                        maxDuration="PT5M")}}
    violations, starts = service_calls.service_call_decision("fis", "CreateExperimentTemplate", request, profile)
    assert violations == [] and starts == [("actions.run.parameters.documentArn", "ssm", "StartAutomationExecution",
                                            {"DocumentName": arn})]
    safemaker.install_process(profile)
    fis = safemaker_session.client("fis", config=NO_RETRY)
    with pytest.raises(GuardrailViolation) as exc:
        fis.create_experiment_template(**request)
    assert [(p.split(" -> ")[0], r) for p, _, r in paths(exc)] == [("actions.run.parameters.documentArn",
                                                                     "SM-REFERENCE")]
    assert safemaker_local.request_count("fis") == 0
    return request, fis


def test_an_experiment_that_runs_a_runbook_decides_it(safemaker_local, safemaker_session, profile, made):
    """FIS names the runbook by ARN (documentArn); moto's GetDocument takes names only, so an ARN cannot be read
    there: the runbook named by its ARN is what is read (the started request), and one that cannot be read is
    refused."""
    request, fis = refused_fis_template(safemaker_local, safemaker_session, profile)
    other = {**request, "actions": {"wait": fis_action("aws:fis:wait", duration="PT1M")}}
    made_template = fis.create_experiment_template(**other)["experimentTemplate"]["id"]
    assert safemaker_local.request_count("fis", "CreateExperimentTemplate") == 1
    fis.start_experiment(experimentTemplateId=made_template)  # its template is read and runs no runbook
    assert safemaker_local.request_count("fis", "GetExperimentTemplate") == 1
    assert safemaker_local.request_count("fis", "StartExperiment") == 1


def test_an_action_named_star_hides_no_other_action(safemaker_local, safemaker_session, profile):
    """Trial 14b F09: botocore's fis ``ExperimentTemplateActionName`` (the key of ``actions``) has the pattern
    ``[\\S]+``, so ``*`` is a name a caller may give an action; the runbook another action starts is decided all
    the same (it was sent unread when the walk took ``actions.*`` for the member named ``*``)."""
    assert botocore.session.get_session().get_service_model("fis").shape_for(
        "ExperimentTemplateActionName").metadata["pattern"] == "[\\S]+"
    refused_fis_template(safemaker_local, safemaker_session, profile, **{"*": fis_action("aws:fis:wait",
                                                                                      duration="PT1M")})


# --------------------------------------------------------------------------- SSM, MGN, IoT, EventBridge subscribers


def test_an_association_batch_decides_each_entrys_document(safemaker_local, safemaker_session, profile, made):
    safemaker.install_process(profile)
    ssm = safemaker_session.client("ssm", config=NO_RETRY)
    with pytest.raises(GuardrailViolation) as exc:
        ssm.create_association_batch(Entries=[{"Name": "ClosedRb"}, {"Name": "OpenRb"}])
    assert paths(exc) == [("Entries[1].Name -> CreateAssociation.Name:mainSteps[0].inputs.DirectInternetAccess",
                           "Enabled", "SM-NB-DIRECT-INTERNET")]
    assert safemaker_local.request_count("ssm", "CreateAssociationBatch") == 0
    sent(ssm.create_association_batch, Entries=[{"Name": "ClosedRb"}])
    assert safemaker_local.request_count("ssm", "CreateAssociationBatch") == 1


def test_mgn_post_launch_actions_decide_their_documents(safemaker_local, safemaker_session, profile, made):
    safemaker.install_process(profile)
    mgn = safemaker_session.client("mgn", config=NO_RETRY)
    with pytest.raises(GuardrailViolation) as exc:
        mgn.put_source_server_action(sourceServerID="s-1234567890abcdef0", actionName="a", actionID="1", order=1001,
                                     documentIdentifier="OpenRb")
    assert [p for p, _, _ in paths(exc)] == [f"documentIdentifier -> {OPEN_PATH}"]
    with pytest.raises(GuardrailViolation) as exc:
        mgn.update_launch_configuration(sourceServerID="s-1234567890abcdef0", postLaunchActions={
            "ssmDocuments": [{"actionName": "a", "ssmDocumentName": "OpenRb"}]})
    assert [p for p, _, _ in paths(exc)] == [f"postLaunchActions.ssmDocuments[0].ssmDocumentName -> {OPEN_PATH}"]
    assert safemaker_local.request_count("mgn") == 0
    sent(mgn.update_launch_configuration, sourceServerID="s-1234567890abcdef0", name="renamed")
    assert safemaker_local.request_count("mgn") == 1


def test_an_iot_rule_that_starts_a_state_machine_cannot_be_verified(safemaker_local, safemaker_session, profile):
    """StepFunctionsAction names the state machine by name; StartExecution (and DescribeStateMachine) take its ARN:
    what it runs cannot be read, so it is refused unless relaxed; a rule with other actions is sent."""
    safemaker.install_process(profile)
    iot = safemaker_session.client("iot", config=NO_RETRY)
    step = {"stepFunctions": {"stateMachineName": "open", "roleArn": f"arn:aws:iam::{ACCOUNT}:role/iot"}}
    with pytest.raises(GuardrailViolation) as exc:
        iot.create_topic_rule(ruleName="r", topicRulePayload={"sql": "SELECT * FROM 't'", "actions": [step]})
    assert [(p.split(" -> ")[0], r) for p, _, r in paths(exc)] == [
        ("topicRulePayload.actions[0].stepFunctions.stateMachineName", "SM-REFERENCE")]
    with pytest.raises(GuardrailViolation):
        iot.replace_topic_rule(ruleName="r", topicRulePayload={"sql": "SELECT * FROM 't'", "actions": [],
                                                               "errorAction": step})
    assert safemaker_local.request_count("iot") == 0
    iot.create_topic_rule(ruleName="r", topicRulePayload={"sql": "SELECT * FROM 't'", "actions": [
        {"sns": {"targetArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:t", "roleArn": f"arn:aws:iam::{ACCOUNT}:role/iot"}}]})
    assert safemaker_local.request_count("iot", "CreateTopicRule") == 1


def test_an_eventbridge_subscriber_decides_the_state_machine_it_starts(safemaker_local, safemaker_session, profile,
                                                                       made):
    safemaker.install_process(profile)
    eb = safemaker_session.client("eventbridgev2", config=NO_RETRY)
    safemaker_local.reset_requests()

    def subscriber(arn):
        return {"Name": "s", "EventBusArn": f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/b",
                "InvokeConfiguration": {"TargetArn": arn, "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/eb"}}

    with pytest.raises(GuardrailViolation) as exc:
        eb.create_subscriber(**subscriber(made["open"]))
    assert paths(exc) == [("InvokeConfiguration.TargetArn -> StartExecution.stateMachineArn:States.S.Parameters."
                           "DirectInternetAccess", "Enabled", "SM-NB-DIRECT-INTERNET")]
    with pytest.raises(GuardrailViolation) as exc:  # a universal target's call is not read
        eb.create_subscriber(**subscriber("arn:aws:events:::aws-sdk:sagemaker:createNotebookInstance"))
    assert [r for _, _, r in paths(exc)] == ["SM-REFERENCE"]
    assert [r.operation for r in safemaker_local.requests if r.service != "stepfunctions"] == []
    sent(eb.create_subscriber, **subscriber(made["closed"]))
    # moto does not know the service: the request reached it (logged under the name it could make of it)
    assert len([r for r in safemaker_local.requests if r.service != "stepfunctions"]) == 1
