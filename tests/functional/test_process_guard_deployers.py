"""Other services that deploy a template or run a state machine or runbook, under the process guard (trial 10 F06).

A guarded process refused a CloudFormation request whose template it cannot read and read the runbook of
``StartAutomationExecution``, yet sent the same effects through AWS CodePipeline (a CloudFormation deploy action
whose template is in a pipeline artifact; a Step Functions invoke action), AWS Config
(``PutRemediationConfigurations`` of an SSM document) and AWS Service Catalog (a self-service action of type
``SSM_AUTOMATION``). Each is now decided as what it starts (:data:`safemaker.iac.service_calls.STARTING_CALLS`): the
state machine or runbook read with a client of that service and decided as a direct ``StartExecution`` /
``StartAutomationExecution``; a template the request does not carry cannot be verified (refused unless
``allow_unverified_templates``).

Real botocore clients against moto on 127.0.0.1 (real HTTP): CodePipeline, IAM, Step Functions and SSM; moto has
neither ``PutRemediationConfigurations`` nor Service Catalog's self-service actions, so those clients are stubbed
(botocore's Stubber answers at ``before-call``, after the guard decided: a request it lets through must match a
queued response, one it refuses never reaches the stub); the runbooks they name are in moto.

Oracles: botocore's models (codepipeline ``PipelineDeclaration`` / ``ActionDeclaration`` / ``ActionTypeId``; config
``RemediationConfiguration`` and its ``RemediationTargetType`` enum; servicecatalog ``CreateServiceAction``,
``ServiceActionDefinitionType`` / ``ServiceActionDefinitionKey``, ``DescribeServiceAction``), the AWS CloudFormation
User Guide ("AWS CloudFormation configuration properties reference": ``ActionMode``, ``TemplatePath`` "ArtifactName::
TemplateFileName"), the CodePipeline User Guide ("AWS Step Functions invoke action reference": Category Invoke, Owner
AWS, Provider StepFunctions, ``StateMachineArn``), the SageMaker API reference (``DirectInternetAccess`` Enabled).
"""

from __future__ import annotations

import datetime as dt
import json

import botocore.session
import pytest
from botocore.config import Config
from botocore.stub import Stubber

import safemaker
from safemaker.errors import GuardrailViolation
from safemaker.iac import service_calls
from safemaker.other_services import DECIDED_OPERATIONS

from _profiles import ROLE, SG, SUB_A, make_profile
from _other_services import notebook_runbook as runbook, notebook_state_machine as machine

ACCOUNT = "123456789012"
CLOSED_NB = {"InstanceType": "ml.t3.medium", "RoleArn": ROLE, "SubnetId": SUB_A, "SecurityGroupIds": [SG],
             "DirectInternetAccess": "Disabled", "RootAccess": "Disabled"}
OPEN_NB = {"InstanceType": "ml.t3.medium", "RoleArn": ROLE, "DirectInternetAccess": "Enabled"}
MODELS = botocore.session.get_session()
NO_RETRY = Config(retries={"total_max_attempts": 1})


def paths(exc):
    return [(v.path, v.found, v.rule_id) for v in exc.value.violations]


@pytest.fixture()
def made(safemaker_local):
    """Made before the guard (by someone else): an open and a closed state machine and runbook, and a role
    CodePipeline may assume (moto checks the pipeline's roleArn)."""
    sfn = safemaker_local.session.client("stepfunctions")
    arns = {k: sfn.create_state_machine(name=k, definition=machine(v), roleArn=f"arn:aws:iam::{ACCOUNT}:role/sfn")[
        "stateMachineArn"] for k, v in (("open", OPEN_NB), ("closed", CLOSED_NB))}
    ssm = safemaker_local.session.client("ssm")
    for name, params in (("OpenRb", OPEN_NB), ("ClosedRb", CLOSED_NB)):
        ssm.create_document(Name=name, DocumentType="Automation", DocumentFormat="JSON", Content=runbook(params))
    iam = safemaker_local.session.client("iam")
    arns["role"] = iam.create_role(RoleName="pipeline", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "codepipeline.amazonaws.com"}}]}))[
        "Role"]["Arn"]
    return arns


def test_the_calls_and_members_read_are_those_of_botocores_models():
    cp = MODELS.get_service_model("codepipeline")
    assert {"stages", "name"} <= set(cp.shape_for("PipelineDeclaration").members)
    assert {"actionTypeId", "configuration"} <= set(cp.shape_for("ActionDeclaration").members)
    assert {"owner", "provider"} <= set(cp.shape_for("ActionTypeId").members)
    assert {owner for owner, _ in service_calls.PIPELINE_ACTIONS} <= set(cp.shape_for("ActionOwner").enum)
    for op in ("CreatePipeline", "UpdatePipeline"):
        assert "pipeline" in cp.operation_model(op).input_shape.required_members
    assert "pipeline" in cp.operation_model("GetPipeline").output_shape.members
    config = MODELS.get_service_model("config")
    # a new remediation target type fails here: the guard reads SSM documents only (others cannot be verified)
    assert config.shape_for("RemediationTargetType").enum == ["SSM_DOCUMENT"]
    assert "name of the SSM document" in config.shape_for("RemediationConfiguration").members["TargetId"].documentation
    sc = MODELS.get_service_model("servicecatalog")
    assert sc.shape_for("ServiceActionDefinitionType").enum == ["SSM_AUTOMATION"]
    assert {"Name", "Version"} <= set(sc.shape_for("ServiceActionDefinitionKey").enum)
    assert "Definition" in sc.shape_for("ServiceActionDetail").members
    decided = {("codepipeline", "CreatePipeline"), ("codepipeline", "UpdatePipeline"),
               ("codepipeline", "StartPipelineExecution"), ("config", "PutRemediationConfigurations"),
               ("servicecatalog", "CreateServiceAction"), ("servicecatalog", "UpdateServiceAction"),
               ("servicecatalog", "ExecuteProvisionedProductServiceAction")}
    assert decided <= service_calls.STARTING_CALLS
    assert all(op in DECIDED_OPERATIONS[service] for service, op in decided)


# --------------------------------------------------------------------------- CodePipeline (moto)


def pipeline(role, *actions):
    source = {"name": "s", "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
              "configuration": {"S3Bucket": "artifacts", "S3ObjectKey": "src.zip"},
              "outputArtifacts": [{"name": "src"}]}
    return {"name": "p", "roleArn": role, "artifactStore": {"type": "S3", "location": "artifacts"},
            "stages": [{"name": "Source", "actions": [source]}, {"name": "Deploy", "actions": list(actions)}]}


def cfn_action(mode, **config):
    return {"name": "cfn", "inputArtifacts": [{"name": "src"}],
            "actionTypeId": {"category": "Deploy", "owner": "AWS", "provider": "CloudFormation", "version": "1"},
            "configuration": {"ActionMode": mode, "StackName": "st", "RoleArn": ROLE, **config}}


def sfn_action(arn):
    return {"name": "sfn", "actionTypeId": {"category": "Invoke", "owner": "AWS", "provider": "StepFunctions",
                                            "version": "1"}, "configuration": {"StateMachineArn": arn}}


@pytest.mark.parametrize("method", ["create_pipeline", "update_pipeline"])
def test_a_cloudformation_deploy_action_cannot_be_verified(safemaker_local, safemaker_session, profile, made, method):
    """Its template is a file of a pipeline artifact (TemplatePath), not in the request: the TemplateURL case."""
    if method == "update_pipeline":
        safemaker_local.session.client("codepipeline").create_pipeline(pipeline=pipeline(made["role"]))
    safemaker.install_process(profile)
    cp = safemaker_session.client("codepipeline")
    operation = cp.meta.method_to_api_mapping[method]
    for mode in ("CREATE_UPDATE", "CHANGE_SET_REPLACE", "REPLACE_ON_FAILURE"):
        with pytest.raises(GuardrailViolation) as exc:
            getattr(cp, method)(pipeline=pipeline(made["role"], cfn_action(mode, TemplatePath="src::open.yaml")))
        assert paths(exc) == [("pipeline.stages[1].actions[0].configuration.TemplatePath", "src::open.yaml",
                               "SM-REFERENCE")]
        assert exc.value.violations[0].fix.startswith("Cannot verify it: deploys a CloudFormation template")
    with pytest.raises(GuardrailViolation) as exc:   # a change set made elsewhere
        getattr(cp, method)(pipeline=pipeline(made["role"], cfn_action("CHANGE_SET_EXECUTE", ChangeSetName="cs")))
    assert paths(exc) == [("pipeline.stages[1].actions[0].configuration.ChangeSetName", "cs", "SM-REFERENCE")]
    assert safemaker_local.request_count("codepipeline", operation) == 0
    getattr(cp, method)(pipeline=pipeline(made["role"], cfn_action("DELETE_ONLY")))   # deploys nothing
    assert safemaker_local.request_count("codepipeline", operation) == 1


def test_a_cloudformation_deploy_action_is_sent_under_a_relaxed_profile(safemaker_local, safemaker_session, made):
    safemaker.install_process(make_profile(allow_unverified_templates=True))
    cp = safemaker_session.client("codepipeline")
    cp.create_pipeline(pipeline=pipeline(made["role"], cfn_action("CREATE_UPDATE", TemplatePath="src::t.yaml")))
    assert safemaker_local.request_count("codepipeline", "CreatePipeline") == 1


def test_a_step_functions_invoke_action_decides_the_state_machine_it_starts(safemaker_local, safemaker_session,
                                                                            profile, made):
    safemaker.install_process(profile)
    cp = safemaker_session.client("codepipeline")
    with pytest.raises(GuardrailViolation) as exc:
        cp.create_pipeline(pipeline=pipeline(made["role"], sfn_action(made["open"])))
    assert ("pipeline.stages[1].actions[0].configuration.StateMachineArn -> StartExecution.stateMachineArn:"
            "States.S.Parameters.DirectInternetAccess", "Enabled", "SM-NB-DIRECT-INTERNET") in paths(exc)
    assert safemaker_local.request_count("codepipeline", "CreatePipeline") == 0
    assert safemaker_local.request_count("stepfunctions", "DescribeStateMachine") == 1
    cp.create_pipeline(pipeline=pipeline(made["role"], sfn_action(made["closed"])))
    assert safemaker_local.request_count("codepipeline", "CreatePipeline") == 1


def test_starting_a_pipeline_made_outside_the_guard_decides_its_actions(safemaker_local, safemaker_session, profile,
                                                                        made):
    plain = safemaker_local.session.client("codepipeline")
    plain.create_pipeline(pipeline={**pipeline(made["role"], sfn_action(made["open"])), "name": "open"})
    plain.create_pipeline(pipeline={**pipeline(made["role"], sfn_action(made["closed"])), "name": "closed"})
    safemaker.install_process(profile)
    cp = safemaker_session.client("codepipeline", config=NO_RETRY)
    with pytest.raises(GuardrailViolation) as exc:
        cp.start_pipeline_execution(name="open")
    assert ("name:stages[1].actions[0].configuration.StateMachineArn -> StartExecution.stateMachineArn:"
            "States.S.Parameters.DirectInternetAccess", "Enabled", "SM-NB-DIRECT-INTERNET") in paths(exc)
    with pytest.raises(GuardrailViolation) as exc:   # a pipeline that cannot be read cannot be verified
        cp.start_pipeline_execution(name="gone")
    assert [(p, r) for p, _, r in paths(exc)] == [("name", "SM-REFERENCE")]
    assert safemaker_local.request_count("codepipeline", "StartPipelineExecution") == 0
    cp.start_pipeline_execution(name="closed")
    assert safemaker_local.request_count("codepipeline", "StartPipelineExecution") == 1


# --------------------------------------------------------------------------- AWS Config (stubbed; runbooks in moto)


@pytest.mark.parametrize("automatic", [True, False])
def test_a_remediation_decides_the_runbook_it_runs(safemaker_local, safemaker_session, profile, made, automatic):
    """Automatic or not, the remediation runs the runbook (on its own, or by StartRemediationExecution)."""
    safemaker.install_process(profile)
    config = safemaker_session.client("config")

    def remediation(document):
        return {"ConfigRuleName": "r", "TargetType": "SSM_DOCUMENT", "TargetId": document, "Automatic": automatic,
                "MaximumAutomaticAttempts": 1, "RetryAttemptSeconds": 60}

    with Stubber(config) as stub:
        with pytest.raises(GuardrailViolation) as exc:
            config.put_remediation_configurations(RemediationConfigurations=[remediation("ClosedRb"),
                                                                             remediation("OpenRb")])
        assert ("RemediationConfigurations[1].TargetId -> StartAutomationExecution.DocumentName:"
                "mainSteps[0].inputs.DirectInternetAccess", "Enabled", "SM-NB-DIRECT-INTERNET") in paths(exc)
        assert not any(p.startswith("RemediationConfigurations[0]") for p, _, _ in paths(exc))
        request = {"RemediationConfigurations": [remediation("ClosedRb")]}
        stub.add_response("put_remediation_configurations", {"FailedBatches": []}, request)
        config.put_remediation_configurations(**request)
        stub.assert_no_pending_responses()
    assert safemaker_local.request_count("ssm", "GetDocument") == 3


# --------------------------------------------------------------------------- Service Catalog (stubbed; runbooks in moto)


def definition(document):
    return {"Name": document, "Version": "1", "AssumeRole": ROLE}


def test_a_self_service_action_decides_the_runbook_it_runs(safemaker_local, safemaker_session, profile, made):
    safemaker.install_process(profile)
    sc = safemaker_session.client("servicecatalog")
    with Stubber(sc) as stub:
        with pytest.raises(GuardrailViolation) as exc:
            sc.create_service_action(Name="a", DefinitionType="SSM_AUTOMATION", Definition=definition("OpenRb"),
                                     IdempotencyToken="t1")
        assert ("Definition.Name -> StartAutomationExecution.DocumentName:mainSteps[0].inputs.DirectInternetAccess",
                "Enabled", "SM-NB-DIRECT-INTERNET") in paths(exc)
        with pytest.raises(GuardrailViolation):
            sc.update_service_action(Id="act-1", Definition=definition("OpenRb"))
        with pytest.raises(GuardrailViolation) as exc:   # a runbook that cannot be read cannot be verified
            sc.create_service_action(Name="a", DefinitionType="SSM_AUTOMATION", Definition=definition("Gone"),
                                     IdempotencyToken="t2")
        assert [(p, r) for p, _, r in paths(exc)] == [("Definition.Name -> StartAutomationExecution.DocumentName",
                                                      "SM-REFERENCE")]
        detail = {"ServiceActionDetail": {"ServiceActionSummary": {"Id": "act-1", "Name": "a",
                                                                   "DefinitionType": "SSM_AUTOMATION"},
                                          "Definition": definition("ClosedRb")}}
        closed = {"Name": "a", "DefinitionType": "SSM_AUTOMATION", "Definition": definition("ClosedRb"),
                  "IdempotencyToken": "t3"}
        stub.add_response("create_service_action", detail, closed)
        sc.create_service_action(**closed)
        stub.add_response("update_service_action", detail, {"Id": "act-1", "Name": "renamed"})
        sc.update_service_action(Id="act-1", Name="renamed")   # runs nothing new
        stub.assert_no_pending_responses()


@pytest.mark.parametrize("document", ["OpenRb", "ClosedRb"])
def test_executing_a_self_service_action_decides_its_runbook(safemaker_local, safemaker_session, profile, made,
                                                             document):
    """The action was made outside the guard: DescribeServiceAction (on the same client) says what it runs."""
    safemaker.install_process(profile)
    sc = safemaker_session.client("servicecatalog")
    request = {"ProvisionedProductId": "pp-1", "ServiceActionId": "act-1", "ExecuteToken": "t"}
    with Stubber(sc) as stub:
        stub.add_response("describe_service_action", {"ServiceActionDetail": {
            "ServiceActionSummary": {"Id": "act-1", "Name": "a", "DefinitionType": "SSM_AUTOMATION"},
            "Definition": definition(document)}}, {"Id": "act-1"})
        if document == "OpenRb":
            with pytest.raises(GuardrailViolation) as exc:
                sc.execute_provisioned_product_service_action(**request)
            assert ("ServiceActionId -> StartAutomationExecution.DocumentName:mainSteps[0].inputs."
                    "DirectInternetAccess", "Enabled", "SM-NB-DIRECT-INTERNET") in paths(exc)
        else:
            now = dt.datetime(2026, 12, 7, tzinfo=dt.timezone.utc)
            stub.add_response("execute_provisioned_product_service_action", {"RecordDetail": {
                "RecordId": "rec-1", "CreatedTime": now, "RecordType": "EXECUTE_PROVISIONED_PRODUCT_SERVICE_ACTION"}},
                request)
            sc.execute_provisioned_product_service_action(**request)
        stub.assert_no_pending_responses()
