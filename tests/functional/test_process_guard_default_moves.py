"""Re-pointing a name other starts run by, under the process guard (trial 14b F05, F06).

A schedule (a rule, a Step Functions task, an association) decided on the version a name pointed at then runs
whatever version the name points at later. A SageMaker pipeline version alias moved onto an open version
(``UpdatePipelineVersion`` with ``PipelineVersionAliasOperations.Add``) and an SSM document's default version moved
onto an open runbook (``UpdateDocumentDefaultVersion``) were sent undecided, while a start of that version was
refused. Each is now decided as a start of the version it points the name at: ``StartPipelineExecution`` with that
``PipelineVersionId`` (``DescribePipeline`` of it) and ``StartAutomationExecution`` with that ``DocumentVersion``
(``GetDocument`` of it); an update that adds no alias is sent unread.

Real botocore clients against moto on 127.0.0.1 (real HTTP). moto (with the local backend's fixes) keeps pipeline
versions (``CreatePipeline`` version 1, each ``UpdatePipeline`` a new one) but has no ``UpdatePipelineVersion``: a
request the guard sends reaches moto and is answered with an error (what counts is ``request_count``). moto keeps SSM
document versions and ``UpdateDocumentDefaultVersion``.

Oracles: botocore's sagemaker and ssm models (documentation quoted in the first test), the SageMaker API reference
(``EnableNetworkIsolation`` false lets the training container reach the network; ``DirectInternetAccess`` Enabled).
"""

from __future__ import annotations

import json
import re

import botocore.session
import pytest
from botocore.config import Config

import safemaker
from safemaker.errors import GuardrailViolation
from safemaker.iac import service_calls
from safemaker.other_services import DECIDED_OPERATIONS
from safemaker.rules_classification import NO_NETWORK_EFFECT

from _other_services import notebook_runbook as runbook, send
from _profiles import ROLE, SG, SUB_A, open_then_closed_pipeline

ACCOUNT = "123456789012"
ARN = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:pipeline/p"
NO_RETRY = Config(retries={"total_max_attempts": 1})
CLOSED_NB = {"InstanceType": "ml.t3.medium", "RoleArn": ROLE, "SubnetId": SUB_A, "SecurityGroupIds": [SG],
             "DirectInternetAccess": "Disabled", "RootAccess": "Disabled"}
OPEN_NB = {**CLOSED_NB, "DirectInternetAccess": "Enabled"}
MODELS = botocore.session.get_session()


def _doc(text):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text or "")).strip()


def test_botocore_documents_that_the_moved_name_is_what_starts_run():
    sm = MODELS.get_service_model("sagemaker")
    update = sm.operation_model("UpdatePipelineVersion").input_shape.members
    assert _doc(update["PipelineVersionAliasOperations"].documentation) == \
        "The aliases to add to or remove from the pipeline version."
    assert "The aliases to add to the pipeline version." in _doc(
        update["PipelineVersionAliasOperations"].members["Add"].documentation)
    assert _doc(sm.operation_model("StartPipelineExecution").input_shape.members["PipelineVersionAlias"]
                .documentation).startswith("The alias of the pipeline version to start the execution from.")
    assert {"PipelineVersionId", "PipelineVersionAlias"} <= set(
        sm.operation_model("DescribePipeline").input_shape.members)
    ssm = MODELS.get_service_model("ssm")
    default = ssm.operation_model("UpdateDocumentDefaultVersion")
    assert "If you change a document version for a State Manager association, Systems Manager immediately runs " \
           "the association" in _doc(default.documentation)
    assert {"Name", "DocumentVersion"} == set(default.input_shape.required_members)
    assert "Can be a specific version or the default version." in _doc(
        ssm.operation_model("CreateAssociation").input_shape.members["DocumentVersion"].documentation)
    # the classification: decided (ssm), and the SageMaker row says how
    assert "UpdateDocumentDefaultVersion" in DECIDED_OPERATIONS["ssm"]
    assert ("ssm", "UpdateDocumentDefaultVersion") in service_calls.STARTING_CALLS
    assert "StartPipelineExecution of that version" in NO_NETWORK_EFFECT["UpdatePipelineVersion"]


# --------------------------------------------------------------------------- F05: pipeline version aliases


@pytest.fixture()
def versions(safemaker_local):
    """Pipeline ``p`` made before the guard: version 1 open, version 2 closed."""
    from safemaker.local import LocalSession

    raw = LocalSession(safemaker_local.endpoint_url, region_name="us-east-1").client("sagemaker")
    assert open_then_closed_pipeline(raw, "p") == ARN
    assert "EnableNetworkIsolation\": false" in raw.describe_pipeline(
        PipelineName="p", PipelineVersionId=1)["PipelineDefinition"]
    return raw


def test_alias_added_to_an_open_version_is_refused_naming_it(safemaker_local, safemaker_session, profile, versions):
    safemaker.install_process(profile)
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    with pytest.raises(GuardrailViolation) as direct:   # the control: a start of version 1
        sm.start_pipeline_execution(PipelineName="p", PipelineVersionId=1)
    with pytest.raises(GuardrailViolation) as exc:
        sm.update_pipeline_version(PipelineArn=ARN, PipelineVersionId=1,
                                   PipelineVersionAliasOperations={"Add": ["prod"]})
    assert safemaker_local.request_count("sagemaker", "UpdatePipelineVersion") == 0
    at = "PipelineVersionAliasOperations.Add ('prod' -> version 1) -> StartPipelineExecution."
    assert [(v.path, v.rule_id) for v in exc.value.violations] == [
        (at + v.path, v.rule_id) for v in direct.value.violations]
    assert any(v.path.endswith(".Arguments.EnableNetworkIsolation") and v.found is False
               for v in exc.value.violations)
    assert "PipelineVersionId=1" in str(exc.value)


def test_alias_added_to_a_closed_version_and_other_updates_are_sent(safemaker_local, safemaker_session, profile,
                                                                      versions):
    safemaker.install_process(profile)
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    send(sm.update_pipeline_version, PipelineArn=ARN, PipelineVersionId=2,
         PipelineVersionAliasOperations={"Add": ["prod"]})
    assert safemaker_local.request_count("sagemaker", "UpdatePipelineVersion") == 1
    # no alias added (a removal, a name or description of the open version): routes nothing anew, not read
    before = safemaker_local.request_count("sagemaker", "DescribePipeline")
    send(sm.update_pipeline_version, PipelineArn=ARN, PipelineVersionId=1,
         PipelineVersionAliasOperations={"Remove": ["prod"]})
    send(sm.update_pipeline_version, PipelineArn=ARN, PipelineVersionId=1, PipelineVersionDisplayName="old",
         PipelineVersionDescription="the first", PipelineVersionAliasOperations={"Add": []})
    assert safemaker_local.request_count("sagemaker", "UpdatePipelineVersion") == 3
    assert safemaker_local.request_count("sagemaker", "DescribePipeline") == before


def test_alias_of_a_version_that_cannot_be_described_is_refused(safemaker_local, safemaker_session, profile,
                                                                 versions):
    safemaker.install_process(profile)
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    with pytest.raises(GuardrailViolation) as exc:
        sm.update_pipeline_version(PipelineArn=ARN, PipelineVersionId=7,
                                   PipelineVersionAliasOperations={"Add": ["prod"]})
    assert [v.rule_id for v in exc.value.violations] == ["SM-REFERENCE"]
    assert safemaker_local.request_count("sagemaker", "UpdatePipelineVersion") == 0


def test_client_guard_decides_the_alias_move_too(safemaker_local, safemaker_session, profile, versions):
    from safemaker import hooks

    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    hooks.install(sm, profile)
    with pytest.raises(GuardrailViolation):
        sm.update_pipeline_version(PipelineArn=ARN, PipelineVersionId=1,
                                   PipelineVersionAliasOperations={"Add": ["prod"]})
    assert safemaker_local.request_count("sagemaker", "UpdatePipelineVersion") == 0


# --------------------------------------------------------------------------- F06: SSM default document version


@pytest.fixture()
def runbook_versions(safemaker_local):
    """Runbook ``Runbook`` made before the guard: version 1 open, version 2 closed (the default)."""
    ssm = safemaker_local.session.client("ssm")
    ssm.create_document(Name="Runbook", DocumentType="Automation", DocumentFormat="JSON", Content=runbook(OPEN_NB))
    ssm.update_document(Name="Runbook", DocumentVersion="$LATEST", DocumentFormat="JSON", Content=runbook(CLOSED_NB))
    ssm.update_document_default_version(Name="Runbook", DocumentVersion="2")
    assert ssm.describe_document(Name="Runbook")["Document"]["DefaultVersion"] == "2"
    return ssm


def test_default_version_moved_onto_an_open_runbook_is_refused(safemaker_local, safemaker_session, profile,
                                                               runbook_versions):
    safemaker.install_process(profile)
    ssm = safemaker_session.client("ssm", config=NO_RETRY)
    with pytest.raises(GuardrailViolation) as direct:   # the control
        ssm.start_automation_execution(DocumentName="Runbook", DocumentVersion="1")
    with pytest.raises(GuardrailViolation) as exc:
        ssm.update_document_default_version(Name="Runbook", DocumentVersion="1")
    assert safemaker_local.request_count("ssm", "UpdateDocumentDefaultVersion") == 1   # the fixture's only
    assert runbook_versions.describe_document(Name="Runbook")["Document"]["DefaultVersion"] == "2"
    assert [(v.path, v.found, v.rule_id) for v in exc.value.violations] == [
        ("DocumentVersion ('1', the default version of 'Runbook' from now on) -> "
         "StartAutomationExecution.DocumentName:mainSteps[0].inputs.DirectInternetAccess", "Enabled",
         "SM-NB-DIRECT-INTERNET")]
    assert [v.rule_id for v in direct.value.violations] == ["SM-NB-DIRECT-INTERNET"]


def test_default_version_moved_onto_a_closed_runbook_is_sent(safemaker_local, safemaker_session, profile,
                                                             runbook_versions):
    ssm = safemaker_local.session.client("ssm")
    ssm.update_document_default_version(Name="Runbook", DocumentVersion="1")   # before the guard
    safemaker.install_process(profile)
    guarded = safemaker_session.client("ssm", config=NO_RETRY)
    guarded.update_document_default_version(Name="Runbook", DocumentVersion="2")
    assert ssm.describe_document(Name="Runbook")["Document"]["DefaultVersion"] == "2"


# --------------------------------------------------------------------------- carriers of the same calls (trial 15 F03)
# The call a Step Functions AWS SDK task, an EventBridge Scheduler universal target or an Automation aws:executeAwsApi
# step makes is the call sent directly (Step Functions Developer Guide, AWS SDK integrations:
# arn:aws:states:::aws-sdk:serviceName:apiAction; Scheduler User Guide, universal targets: the Input is the request;
# Automation action reference, aws:executeAwsApi: Service, Api and the request's members): it is decided as the direct
# call is, through the one table the hook reads (safemaker.decided_as).

SFN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/sfn"
SCHEDULE = {"ScheduleExpression": "rate(1 day)", "FlexibleTimeWindow": {"Mode": "OFF"}}


def _task_machine(resource, params):
    return json.dumps({"StartAt": "S", "States": {"S": {"Type": "Task", "End": True, "Resource": resource,
                                                         "Parameters": params}}})


def _by_state_machine(session, service, operation, params):
    camel = operation[0].lower() + operation[1:]
    sdk = {"stepfunctions": "sfn"}.get(service, service)
    session.client("stepfunctions", config=NO_RETRY).create_state_machine(
        name="m", roleArn=SFN_ROLE, definition=_task_machine(f"arn:aws:states:::aws-sdk:{sdk}:{camel}", params))
    return "stepfunctions", "CreateStateMachine", "definition:States.S.Parameters."


def _by_schedule(session, service, operation, params):
    camel = operation[0].lower() + operation[1:]
    session.client("scheduler", config=NO_RETRY).create_schedule(
        Name="s", Target={"Arn": f"arn:aws:scheduler:::aws-sdk:{service}:{camel}", "RoleArn": SFN_ROLE,
                          "Input": json.dumps(params)}, **SCHEDULE)
    return "scheduler", "CreateSchedule", "Target.Input."


def _by_automation(session, service, operation, params):
    content = {"schemaVersion": "0.3", "mainSteps": [{"name": "a", "action": "aws:executeAwsApi",
                                                      "inputs": {"Service": service, "Api": operation, **params}}]}
    session.client("ssm", config=NO_RETRY).create_document(Name="carrier", DocumentType="Automation",
                                                           DocumentFormat="JSON", Content=json.dumps(content))
    return "ssm", "CreateDocument", "Content.mainSteps[0].inputs."


CARRIERS = [pytest.param(_by_state_machine, id="state-machine-task"), pytest.param(_by_schedule, id="universal-target"),
            pytest.param(_by_automation, id="automation-step")]


def _after_start(violations, start):
    return sorted((v.path.split(f" -> {start}.", 1)[1], repr(v.found), v.rule_id) for v in violations)


@pytest.mark.parametrize("carrier", CARRIERS)
def test_a_carrier_moving_an_alias_onto_an_open_version_is_refused_as_the_direct_call(
        safemaker_local, safemaker_session, profile, versions, carrier):
    safemaker.install_process(profile)
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    update = {"PipelineArn": ARN, "PipelineVersionId": 1, "PipelineVersionAliasOperations": {"Add": ["prod"]}}
    with pytest.raises(GuardrailViolation) as direct:
        sm.update_pipeline_version(**update)
    with pytest.raises(GuardrailViolation) as exc:
        carrier(safemaker_session, "sagemaker", "UpdatePipelineVersion", update)
    assert exc.value.operation in ("CreateStateMachine", "CreateSchedule", "CreateDocument")
    carried = {"CreateStateMachine": ("stepfunctions", "definition:States.S.Parameters."),
               "CreateSchedule": ("scheduler", "Target.Input."),
               "CreateDocument": ("ssm", "Content.mainSteps[0].inputs.")}[exc.value.operation]
    assert safemaker_local.request_count(carried[0], exc.value.operation) == 0
    # the same violations as the direct call, after the member that re-points the alias
    assert _after_start(exc.value.violations, "StartPipelineExecution") == \
        _after_start(direct.value.violations, "StartPipelineExecution")
    # the carrier's call, then the direct call's own path
    assert {v.path.split(" -> StartPipelineExecution.", 1)[0] for v in exc.value.violations} == {
        carried[1].rstrip(".") + " -> UpdatePipelineVersion.PipelineVersionAliasOperations.Add ('prod' -> version 1)"}
    assert any(v.path.endswith(".Arguments.EnableNetworkIsolation") and v.found is False
               for v in exc.value.violations)
    assert all("PipelineVersionId=1" in v.path for v in exc.value.violations)


@pytest.mark.parametrize("carrier", CARRIERS)
def test_a_carrier_moving_an_alias_onto_a_closed_version_or_removing_one_is_sent(
        safemaker_local, safemaker_session, profile, versions, carrier):
    safemaker.install_process(profile)
    closed = {"PipelineArn": ARN, "PipelineVersionId": 2, "PipelineVersionAliasOperations": {"Add": ["prod"]}}
    service, operation, _ = carrier(safemaker_session, "sagemaker", "UpdatePipelineVersion", closed)
    assert safemaker_local.request_count(service, operation) == 1
    assert safemaker_local.request_count("sagemaker", "DescribePipeline") >= 1
    safemaker_local.reset_requests()
    # a removal of the open version's alias re-points nothing: not read, as the direct call
    removal = {"PipelineArn": ARN, "PipelineVersionId": 1, "PipelineVersionAliasOperations": {"Remove": ["prod"]}}
    safemaker_session.client("stepfunctions", config=NO_RETRY).create_state_machine(
        name="m2", roleArn=SFN_ROLE,
        definition=_task_machine("arn:aws:states:::aws-sdk:sagemaker:updatePipelineVersion", removal))
    assert safemaker_local.request_count("stepfunctions", "CreateStateMachine") == 1
    assert safemaker_local.request_count("sagemaker", "DescribePipeline") == 0


def test_a_task_whose_version_or_aliases_are_known_only_at_run_time(safemaker_local, safemaker_session, profile,
                                                                    versions):
    safemaker.install_process(profile)
    sfn = safemaker_session.client("stepfunctions", config=NO_RETRY)
    resource = "arn:aws:states:::aws-sdk:sagemaker:updatePipelineVersion"
    # the version from the execution's input: which version the alias names cannot be known, not sent
    with pytest.raises(GuardrailViolation) as exc:
        sfn.create_state_machine(name="m", roleArn=SFN_ROLE, definition=_task_machine(resource, {
            "PipelineArn": ARN, "PipelineVersionId.$": "$.version",
            "PipelineVersionAliasOperations": {"Add": ["prod"]}}))
    assert [(v.path, v.rule_id) for v in exc.value.violations] == [
        ("definition:States.S.Parameters -> UpdatePipelineVersion.PipelineVersionAliasOperations.Add ('prod' -> "
         "version \"$.version\") -> StartPipelineExecution", "SM-UNSUPPORTED")]
    # the aliases from the input (may add one) onto the open version: decided as the start of it, refused
    with pytest.raises(GuardrailViolation) as exc:
        sfn.create_state_machine(name="m", roleArn=SFN_ROLE, definition=_task_machine(resource, {
            "PipelineArn": ARN, "PipelineVersionId": 1, "PipelineVersionAliasOperations": {"Add.$": "$.aliases"}}))
    assert any(v.path.endswith(".Arguments.EnableNetworkIsolation") for v in exc.value.violations)
    assert safemaker_local.request_count("stepfunctions", "CreateStateMachine") == 0


@pytest.mark.parametrize("carrier", CARRIERS)
def test_a_carrier_moving_a_default_document_version_onto_an_open_runbook_is_refused(
        safemaker_local, safemaker_session, profile, runbook_versions, carrier):
    safemaker.install_process(profile)
    with pytest.raises(GuardrailViolation) as direct:
        safemaker_session.client("ssm", config=NO_RETRY).update_document_default_version(Name="Runbook",
                                                                                         DocumentVersion="1")
    with pytest.raises(GuardrailViolation) as exc:
        carrier(safemaker_session, "ssm", "UpdateDocumentDefaultVersion", {"Name": "Runbook", "DocumentVersion": "1"})
    assert _after_start(exc.value.violations, "StartAutomationExecution") == \
        _after_start(direct.value.violations, "StartAutomationExecution")
    assert runbook_versions.describe_document(Name="Runbook")["Document"]["DefaultVersion"] == "2"
