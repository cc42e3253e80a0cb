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
from _profiles import IMG, ROLE, SG, SUB_A

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


def _training(closed):
    args = {"AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"},
            "OutputDataConfig": {"S3OutputPath": "s3://b/out"}, "RoleArn": ROLE,
            "ResourceConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 30},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600}}
    if closed:
        args.update(VpcConfig={"Subnets": [SUB_A], "SecurityGroupIds": [SG]}, EnableNetworkIsolation=True,
                    EnableInterContainerTrafficEncryption=True)
    else:
        args.update(EnableNetworkIsolation=False)
    return json.dumps({"Version": "2020-12-01", "Steps": [{"Name": "Train", "Type": "Training", "Arguments": args}]})


@pytest.fixture()
def versions(safemaker_local):
    """Pipeline ``p`` made before the guard: version 1 open, version 2 closed."""
    from safemaker.local import LocalSession

    raw = LocalSession(safemaker_local.endpoint_url, region_name="us-east-1").client("sagemaker")
    raw.create_pipeline(PipelineName="p", RoleArn=ROLE, PipelineDefinition=_training(False),
                        ClientRequestToken="p-token-0123456789abcdef01234567")
    raw.update_pipeline(PipelineName="p", PipelineDefinition=_training(True))
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
