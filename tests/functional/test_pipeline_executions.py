"""Executions that reuse what an earlier execution did (trial 13 F04, F05), through a guarded client on
the local backend (moto on 127.0.0.1, real HTTP).

Oracles:

* botocore, ``SelectiveExecutionConfig.SourcePipelineExecutionArn``: "The ARN from a reference execution of
  the current pipeline. Used to copy input collaterals needed for the selected steps to run. ... This field
  is required if the steps you specify for SelectedSteps depend on output collaterals from any non-specified
  pipeline steps." SageMaker Developer Guide, *Selective execution of pipeline steps*: "For non-selected
  steps in the workflow, the selective execution reuses the outputs from a reference pipeline execution
  rather than recomputing the steps."
* botocore, ``ListPipelineParametersForExecution``: "Gets a list of parameters for a pipeline execution";
  ``RetryPipelineExecution``: "Retry the execution of the pipeline" (the same ``PipelineExecutionArn``: the
  execution's own values).

moto stores each execution's definition and parameters (``DescribePipelineDefinitionForExecution``,
``ListPipelineParametersForExecution``) but lacks ``RetryPipelineExecution`` and answers
``DescribePipelineExecution`` without ``SelectiveExecutionConfig``: those are answered by botocore's
Stubber, fed moto's own answers where moto has them. Asserted on what was sent or refused.
"""

from __future__ import annotations

import json

import pytest
from botocore.stub import Stubber

from safemaker import hooks
from safemaker.errors import GuardrailViolation
from safemaker.profile import VpcProfile

from _profiles import IMG, ROLE, SG, SUB_A, SUB_C

FIELDS = {"region": "us-east-1", "vpc_id": "vpc-0dddddddddddddddd", "subnets": [SUB_A, SUB_C],
          "security_group_ids": [SG], "execution_role_arn": ROLE}
VPC = {"Subnets": [SUB_A], "SecurityGroupIds": [SG]}
TOKEN = "execution-token-0123456789abcdef"


@pytest.fixture
def raw(safemaker_local):
    """An unguarded client on the same backend (pipelines and executions made outside the guard)."""
    from safemaker.local import LocalSession

    return LocalSession(safemaker_local.endpoint_url, region_name="us-east-1").client("sagemaker")


def _guarded(session, **switches):
    sm = session.client("sagemaker")
    hooks.install(sm, VpcProfile.from_mapping({**FIELDS, **switches}, source="test"))
    return sm


def _deploy(closed: bool) -> str:
    """Model -> EndpointConfig -> Endpoint; the endpoint config names the model step's output."""
    model = {"ExecutionRoleArn": ROLE, "PrimaryContainer": {"Image": IMG, "ModelDataUrl": "s3://b/m.tar.gz"},
             "EnableNetworkIsolation": closed}
    if closed:
        model["VpcConfig"] = VPC
    return json.dumps({"Version": "2020-12-01", "Steps": [
        {"Name": "MakeModel", "Type": "Model", "Arguments": model},
        {"Name": "MakeEC", "Type": "EndpointConfig", "Arguments": {
            "EndpointConfigName": "ec", "ProductionVariants": [{
                "VariantName": "v", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1,
                "ModelName": {"Get": "Steps.MakeModel.ModelName"}}]}},
        {"Name": "MakeEP", "Type": "Endpoint", "Arguments": {
            "EndpointName": "ep", "EndpointConfigName": {"Get": "Steps.MakeEC.EndpointConfigName"}}},
    ]})


def _pipeline(raw, name: str, text: str) -> None:
    raw.create_pipeline(PipelineName=name, RoleArn=ROLE, PipelineDefinition=text,
                        ClientRequestToken=f"{name}-token".ljust(32, "0"))


def _selective(source: str | None, *steps: str) -> dict:
    config: dict = {"SelectedSteps": [{"StepName": s} for s in steps]}
    if source is not None:
        config["SourcePipelineExecutionArn"] = source
    return config


def _via(arn: str, path: str = "SelectiveExecutionConfig.SourcePipelineExecutionArn") -> str:
    return f"{path} -> DescribePipelineDefinitionForExecution(PipelineExecutionArn={arn!r}).PipelineDefinition"


# --------------------------------------------------------------------------- selective execution (F04)


def test_selective_execution_checks_a_reused_model_step_in_the_definition_the_reference_execution_ran(
        safemaker_local, safemaker_session, raw):
    """The current definition is closed; the reference execution ran an open MakeModel. The endpoint config
    step that runs deploys that execution's model: refused, naming the reference execution's step."""
    _pipeline(raw, "deploy", _deploy(closed=False))
    old = raw.start_pipeline_execution(PipelineName="deploy")["PipelineExecutionArn"]
    raw.update_pipeline(PipelineName="deploy", PipelineDefinition=_deploy(closed=True))
    sm = _guarded(safemaker_session)
    with pytest.raises(GuardrailViolation) as exc:
        sm.start_pipeline_execution(PipelineName="deploy", ClientRequestToken=TOKEN,
                                    SelectiveExecutionConfig=_selective(old, "MakeEC", "MakeEP"))
    step = f"{_via(old)}.Steps[0:MakeModel].Arguments"
    assert {(v.path, v.found) for v in exc.value.violations} >= {(f"{step}.EnableNetworkIsolation", False)}
    assert f"{step}.VpcConfig" in {v.path for v in exc.value.violations}
    assert all(v.path.startswith(step) for v in exc.value.violations)
    assert all("Select the step too" in v.fix for v in exc.value.violations)  # the fix: it does not run now
    assert safemaker_local.request_count("sagemaker", "StartPipelineExecution") == 1  # raw's only
    assert safemaker_local.request_count("sagemaker", "DescribePipelineDefinitionForExecution") == 1
    assert safemaker_local.request_count("sagemaker", "ListPipelineParametersForExecution") == 1


def test_selective_execution_reusing_a_closed_model_step_is_sent(safemaker_local, safemaker_session, raw):
    _pipeline(raw, "deploy", _deploy(closed=True))
    old = raw.start_pipeline_execution(PipelineName="deploy")["PipelineExecutionArn"]
    sm = _guarded(safemaker_session)
    sm.start_pipeline_execution(PipelineName="deploy", ClientRequestToken=TOKEN,
                                SelectiveExecutionConfig=_selective(old, "MakeEC", "MakeEP"))
    assert safemaker_local.request_count("sagemaker", "StartPipelineExecution") == 2
    assert safemaker_local.request_count("sagemaker", "DescribePipelineDefinitionForExecution") == 1


@pytest.mark.parametrize("closed", [True, False])
def test_start_by_the_pipeline_s_arn_is_decided_like_a_start_by_its_name(safemaker_local, safemaker_session, raw,
                                                                        closed):
    # botocore: StartPipelineExecution.PipelineName is a PipelineNameOrArn ("The name or Amazon Resource Name (ARN)
    # of the pipeline"); the local backend's Pipeline-ARN-names fix serves it as SageMaker does
    _pipeline(raw, "deploy", _deploy(closed=closed))
    arn = raw.describe_pipeline(PipelineName="deploy")["PipelineArn"]
    sm = _guarded(safemaker_session)
    if closed:
        sm.start_pipeline_execution(PipelineName=arn, ClientRequestToken=TOKEN)
        assert safemaker_local.request_count("sagemaker", "StartPipelineExecution") == 1
    else:
        with pytest.raises(GuardrailViolation) as exc_info:
            sm.start_pipeline_execution(PipelineName=arn, ClientRequestToken=TOKEN)
        assert "EnableNetworkIsolation" in str(exc_info.value)
        assert safemaker_local.request_count("sagemaker", "StartPipelineExecution") == 0


def test_selective_execution_running_the_model_step_itself_reads_no_reference_execution(
        safemaker_local, safemaker_session, raw):
    """MakeModel selected: it runs with the current (checked) definition; the old, open execution is not used."""
    _pipeline(raw, "deploy", _deploy(closed=False))
    old = raw.start_pipeline_execution(PipelineName="deploy")["PipelineExecutionArn"]
    raw.update_pipeline(PipelineName="deploy", PipelineDefinition=_deploy(closed=True))
    sm = _guarded(safemaker_session)
    sm.start_pipeline_execution(PipelineName="deploy", ClientRequestToken=TOKEN,
                                SelectiveExecutionConfig=_selective(old, "MakeModel", "MakeEC", "MakeEP"))
    assert safemaker_local.request_count("sagemaker", "StartPipelineExecution") == 2
    assert safemaker_local.request_count("sagemaker", "DescribePipelineDefinitionForExecution") == 0


def test_selective_execution_follows_the_chain_of_producers_in_the_reference_execution(
        safemaker_local, safemaker_session, raw):
    """Only MakeEP runs: its endpoint config (MakeEC) is reused, and so is the model MakeEC named there."""
    _pipeline(raw, "deploy", _deploy(closed=False))
    old = raw.start_pipeline_execution(PipelineName="deploy")["PipelineExecutionArn"]
    raw.update_pipeline(PipelineName="deploy", PipelineDefinition=_deploy(closed=True))
    sm = _guarded(safemaker_session)
    with pytest.raises(GuardrailViolation) as exc:
        sm.start_pipeline_execution(PipelineName="deploy", ClientRequestToken=TOKEN,
                                    SelectiveExecutionConfig=_selective(old, "MakeEP"))
    assert (f"{_via(old)}.Steps[0:MakeModel].Arguments.EnableNetworkIsolation", False) in {
        (v.path, v.found) for v in exc.value.violations}
    assert safemaker_local.request_count("sagemaker", "StartPipelineExecution") == 1


def test_selective_execution_reusing_a_model_step_without_a_reference_execution_is_refused(
        safemaker_local, safemaker_session, raw):
    """No SourcePipelineExecutionArn: botocore says it is required for such a selection, the Developer Guide that
    SageMaker may take the latest execution: either way the model deployed cannot be checked."""
    _pipeline(raw, "deploy", _deploy(closed=True))
    sm = _guarded(safemaker_session)
    with pytest.raises(GuardrailViolation) as exc:
        sm.start_pipeline_execution(PipelineName="deploy", ClientRequestToken=TOKEN,
                                    SelectiveExecutionConfig=_selective(None, "MakeEC", "MakeEP"))
    [v] = exc.value.violations
    assert (v.path, v.rule_id) == ("SelectiveExecutionConfig.SourcePipelineExecutionArn", "SM-REFERENCE")
    assert "MakeModel" in v.fix and "SourcePipelineExecutionArn" in v.fix
    assert safemaker_local.request_count("sagemaker", "StartPipelineExecution") == 0


def test_selective_execution_reference_that_was_selective_itself_is_followed_to_its_own_reference(
        safemaker_session, raw):
    """The reference execution ran only MakeEC and MakeEP: its model came from its own reference execution
    (DescribePipelineExecution.SelectiveExecutionConfig, which moto does not keep: Stubber)."""
    _pipeline(raw, "deploy", _deploy(closed=True))
    middle = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/deploy/execution/middle"
    first = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/deploy/execution/first"
    current = raw.describe_pipeline(PipelineName="deploy")
    current.pop("ResponseMetadata")
    sm = _guarded(safemaker_session)
    with Stubber(sm) as stub:
        stub.add_response("describe_pipeline", current, {"PipelineName": "deploy"})
        stub.add_response("describe_pipeline_definition_for_execution",
                          {"PipelineDefinition": _deploy(closed=True)}, {"PipelineExecutionArn": middle})
        stub.add_response("describe_pipeline_execution", {
            "PipelineExecutionArn": middle,
            "SelectiveExecutionConfig": _selective(first, "MakeEC", "MakeEP")}, {"PipelineExecutionArn": middle})
        stub.add_response("list_pipeline_parameters_for_execution", {"PipelineParameters": []},
                          {"PipelineExecutionArn": middle})
        stub.add_response("describe_pipeline_definition_for_execution",
                          {"PipelineDefinition": _deploy(closed=False)}, {"PipelineExecutionArn": first})
        stub.add_response("describe_pipeline_execution", {"PipelineExecutionArn": first},
                          {"PipelineExecutionArn": first})
        stub.add_response("list_pipeline_parameters_for_execution", {"PipelineParameters": []},
                          {"PipelineExecutionArn": first})
        with pytest.raises(GuardrailViolation) as exc:
            sm.start_pipeline_execution(PipelineName="deploy", ClientRequestToken=TOKEN,
                                        SelectiveExecutionConfig=_selective(middle, "MakeEP"))
        stub.assert_no_pending_responses()
    chained = _via(first, f"SelectiveExecutionConfig.SourcePipelineExecutionArn -> DescribePipelineExecution("
                          f"PipelineExecutionArn={middle!r}).SelectiveExecutionConfig.SourcePipelineExecutionArn")
    assert (f"{chained}.Steps[0:MakeModel].Arguments.EnableNetworkIsolation", False) in {
        (v.path, v.found) for v in exc.value.violations}


# --------------------------------------------------------------------------- retry (F05, and F04 for retries)


def _isolation_parameter() -> str:
    train = {"AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"},
             "OutputDataConfig": {"S3OutputPath": "s3://b/out"}, "RoleArn": ROLE,
             "ResourceConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 30},
             "StoppingCondition": {"MaxRuntimeInSeconds": 3600}, "VpcConfig": VPC,
             "EnableInterContainerTrafficEncryption": True,
             "EnableNetworkIsolation": {"Get": "Parameters.Isolate"}}
    return json.dumps({"Version": "2020-12-01",
                       "Parameters": [{"Name": "Isolate", "Type": "Boolean", "DefaultValue": True}],
                       "Steps": [{"Name": "Train", "Type": "Training", "Arguments": train}]})


def test_RetryPipelineExecution_is_checked_with_the_values_the_execution_ran_with(
        safemaker_local, safemaker_session, raw):
    """The default (true) complies; the execution ran with Isolate=false, and a retry runs with it."""
    _pipeline(raw, "p", _isolation_parameter())
    arn = raw.start_pipeline_execution(PipelineName="p", PipelineParameters=[
        {"Name": "Isolate", "Value": "false"}])["PipelineExecutionArn"]
    sm = _guarded(safemaker_session, allow_pipeline_network_parameters=True)
    with pytest.raises(GuardrailViolation) as exc:
        sm.retry_pipeline_execution(PipelineExecutionArn=arn, ClientRequestToken=TOKEN)
    [v] = exc.value.violations
    assert (v.path, v.found) == (
        f"{_via(arn, 'PipelineExecutionArn')}.Steps[0:Train].Arguments.EnableNetworkIsolation", False)
    assert safemaker_local.request_count("sagemaker", "ListPipelineParametersForExecution") == 1
    assert safemaker_local.request_count("sagemaker", "RetryPipelineExecution") == 0


@pytest.mark.parametrize("switch", [True, False])
def test_RetryPipelineExecution_of_an_execution_whose_values_comply_is_sent(safemaker_session, raw, switch):
    """An execution's values are fixed: a retry cannot override them, so they are checked as written values
    (with or without allow_pipeline_network_parameters, as StartPipelineExecution's own values are)."""
    _pipeline(raw, "p", _isolation_parameter())
    arn = raw.start_pipeline_execution(PipelineName="p", PipelineParameters=[
        {"Name": "Isolate", "Value": "true"}])["PipelineExecutionArn"]
    definition = raw.describe_pipeline_definition_for_execution(PipelineExecutionArn=arn)
    definition.pop("ResponseMetadata")
    values = raw.list_pipeline_parameters_for_execution(PipelineExecutionArn=arn)
    values.pop("ResponseMetadata")
    assert values["PipelineParameters"] == [{"Name": "Isolate", "Value": "true"}]
    sm = _guarded(safemaker_session, allow_pipeline_network_parameters=switch)
    request = {"PipelineExecutionArn": arn, "ClientRequestToken": TOKEN}
    with Stubber(sm) as stub:
        stub.add_response("describe_pipeline_definition_for_execution", definition, {"PipelineExecutionArn": arn})
        stub.add_response("list_pipeline_parameters_for_execution", values, {"PipelineExecutionArn": arn})
        stub.add_response("retry_pipeline_execution", {"PipelineExecutionArn": arn}, request)
        assert sm.retry_pipeline_execution(**request)["PipelineExecutionArn"] == arn
        stub.assert_no_pending_responses()


def test_RetryPipelineExecution_reads_every_page_of_the_execution_parameters(safemaker_session, raw):
    """ListPipelineParametersForExecution is paginated (NextToken): a value on the second page counts."""
    _pipeline(raw, "p", _isolation_parameter())
    arn = raw.start_pipeline_execution(PipelineName="p")["PipelineExecutionArn"]
    definition = raw.describe_pipeline_definition_for_execution(PipelineExecutionArn=arn)
    definition.pop("ResponseMetadata")
    sm = _guarded(safemaker_session, allow_pipeline_network_parameters=True)
    with Stubber(sm) as stub:
        stub.add_response("describe_pipeline_definition_for_execution", definition, {"PipelineExecutionArn": arn})
        stub.add_response("list_pipeline_parameters_for_execution",
                          {"PipelineParameters": [{"Name": "Other", "Value": "x"}], "NextToken": "page-2"},
                          {"PipelineExecutionArn": arn})
        stub.add_response("list_pipeline_parameters_for_execution",
                          {"PipelineParameters": [{"Name": "Isolate", "Value": "false"}]},
                          {"PipelineExecutionArn": arn, "NextToken": "page-2"})
        with pytest.raises(GuardrailViolation) as exc:
            sm.retry_pipeline_execution(PipelineExecutionArn=arn, ClientRequestToken=TOKEN)
        stub.assert_no_pending_responses()
    assert [v.found for v in exc.value.violations] == [False]


def test_RetryPipelineExecution_whose_parameters_cannot_be_read_is_refused(safemaker_session, raw):
    _pipeline(raw, "p", _isolation_parameter())
    arn = raw.start_pipeline_execution(PipelineName="p")["PipelineExecutionArn"]
    definition = raw.describe_pipeline_definition_for_execution(PipelineExecutionArn=arn)
    definition.pop("ResponseMetadata")
    sm = _guarded(safemaker_session, allow_pipeline_network_parameters=True)
    with Stubber(sm) as stub:
        stub.add_response("describe_pipeline_definition_for_execution", definition, {"PipelineExecutionArn": arn})
        stub.add_client_error("list_pipeline_parameters_for_execution", "AccessDeniedException", "not allowed")
        with pytest.raises(GuardrailViolation) as exc:
            sm.retry_pipeline_execution(PipelineExecutionArn=arn, ClientRequestToken=TOKEN)
    assert [(v.path, v.rule_id) for v in exc.value.violations] == [("PipelineExecutionArn", "SM-REFERENCE")]
    assert "ListPipelineParametersForExecution failed: AccessDeniedException" in exc.value.violations[0].fix


def test_RetryPipelineExecution_of_a_selective_execution_checks_what_it_reused(safemaker_session, raw):
    """A retried selective execution keeps using the reference execution's model (its MakeModel did not run)."""
    _pipeline(raw, "deploy", _deploy(closed=True))
    retried = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/deploy/execution/selective"
    first = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/deploy/execution/first"
    sm = _guarded(safemaker_session)
    with Stubber(sm) as stub:
        stub.add_response("describe_pipeline_definition_for_execution",
                          {"PipelineDefinition": _deploy(closed=True)}, {"PipelineExecutionArn": retried})
        stub.add_response("list_pipeline_parameters_for_execution", {"PipelineParameters": []},
                          {"PipelineExecutionArn": retried})
        stub.add_response("describe_pipeline_execution", {
            "PipelineExecutionArn": retried, "SelectiveExecutionConfig": _selective(first, "MakeEC", "MakeEP")},
            {"PipelineExecutionArn": retried})
        stub.add_response("describe_pipeline_definition_for_execution",
                          {"PipelineDefinition": _deploy(closed=False)}, {"PipelineExecutionArn": first})
        stub.add_response("describe_pipeline_execution", {"PipelineExecutionArn": first},
                          {"PipelineExecutionArn": first})
        stub.add_response("list_pipeline_parameters_for_execution", {"PipelineParameters": []},
                          {"PipelineExecutionArn": first})
        with pytest.raises(GuardrailViolation) as exc:
            sm.retry_pipeline_execution(PipelineExecutionArn=retried, ClientRequestToken=TOKEN)
        stub.assert_no_pending_responses()
    chained = _via(first, f"PipelineExecutionArn -> DescribePipelineExecution(PipelineExecutionArn={retried!r})"
                          ".SelectiveExecutionConfig.SourcePipelineExecutionArn")
    assert (f"{chained}.Steps[0:MakeModel].Arguments.EnableNetworkIsolation", False) in {
        (v.path, v.found) for v in exc.value.violations}
