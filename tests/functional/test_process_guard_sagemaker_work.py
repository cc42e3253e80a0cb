"""Other services' requests that run SageMaker work, under the process guard (trial 12 F05, F06 and the observation).

A guarded process sent Neptune ML jobs (``neptunedata`` ``StartMLModelTrainingJob`` ...: SageMaker processing,
training and transform jobs without a VPC) and a Neptune ML endpoint, and a SageMaker Unified Studio notebook run
with ``PUBLIC_INTERNET_ONLY`` (DataZone ``StartNotebookRun``): the class test derived its candidates only from
documentation naming a runbook, an SSM document, a state machine or a CloudFormation template, never SageMaker
itself. Each is now decided (:data:`safemaker.iac.service_calls.SAGEMAKER_WORK`, ``UNSEEN_OPERATIONS``,
``SAGEMAKER_REFERENCES``) or listed with the reason it runs none (``UNDECIDED_CANDIDATES``).

The class: every operation of every installed botocore model (SageMaker's own API aside) that does more than read or
remove and whose documentation, members or member shapes name SageMaker, and every operation that hands data to an
Amazon A2I human loop whatever its verb (trial 12b F06: Textract ``AnalyzeDocument`` and Rekognition
``DetectModerationLabels`` with ``HumanLoopConfig``, decided as ``StartHumanLoop``), is decided or listed.

Real botocore clients on 127.0.0.1 (real HTTP): moto's Greengrass, Step Functions and Scheduler; moto has no Neptune
data API or DataZone notebook runs, so a request the guard sends reaches moto and is answered with an error (what
counts is whether it reached moto); Bedrock's evaluation job and the SageMaker client that describes its flow
definition are stubbed (moto has neither), as the A2I tests do.

Oracles: botocore's models (neptunedata ``subnets`` "The IDs of the subnets in the Neptune VPC. The default is
None."; ``CreateMLEndpoint`` without a VPC or isolation member; datazone ``NetworkConfig.networkAccessType``
``PUBLIC_INTERNET_ONLY | VPC_ONLY``; greengrass ``SageMakerMachineLearningModelResourceData``; bedrock
``HumanWorkflowConfig.flowDefinitionArn``), the DataZone API reference (NetworkConfig: no default documented for a
run without it), the SageMaker developer guide (a job without a VPC runs on SageMaker's network, with internet
access).
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
from safemaker.rules import Guardrail

from _botocore_candidates import assert_classified, sagemaker_candidates
from _other_services import send as sent
from _profiles import ROLE, SG, SUB_A, SUB_OUT, VPC, make_profile
from _shapes import member_at
from test_iac_cli import profile_file  # noqa: F401  (fixture)

MODELS = botocore.session.get_session()
NO_RETRY = Config(retries={"total_max_attempts": 1})
ACCOUNT = "123456789012"
OPEN_VPC = "vpc-0123456789abcdef0"

# --------------------------------------------------------------------------- the class, from botocore's models


def test_every_operation_botocore_ties_to_sagemaker_is_decided_or_says_why_not():
    found = sagemaker_candidates()
    decided = assert_classified(found)
    # the derivation finds the trial's operations, and each runs SageMaker work the guard decides
    trial = {("neptunedata", op) for op in ("StartMLModelTrainingJob", "StartMLDataProcessingJob",
                                            "StartMLModelTransformJob", "CreateMLEndpoint")} \
        | {("datazone", "StartNotebookRun"), ("batch", "SubmitServiceJob"), ("greengrass", "CreateResourceDefinition"),
           ("greengrass", "CreateResourceDefinitionVersion"), ("bedrock", "CreateEvaluationJob")}
    assert trial <= found
    assert trial <= decided
    # trial 12b F06: an A2I human loop whatever the verb and whatever the docs call it ("A2I"), and a Get that sends
    # data to a SageMaker endpoint (botocore: GetEventPrediction.externalModelEndpointDataBlobs "The Amazon SageMaker
    # model endpoint input data blobs")
    loops = {("textract", "AnalyzeDocument"), ("rekognition", "DetectModerationLabels")}
    assert loops | {("frauddetector", "GetEventPrediction"), ("sagemaker-a2i-runtime", "StopHumanLoop")} <= found
    assert loops <= decided
    assert service_calls.UNDECIDED_CANDIDATES[("frauddetector", "GetEventPrediction")] \
        == service_calls.UNDECIDED_CANDIDATES[("frauddetector", "PutExternalModel")]
    # and it sees the spellings: the operation's own words, a member's name, a nested member's shape
    assert {("bedrock", "CreateModelImportJob"), ("frauddetector", "PutExternalModel"),
            ("sagemaker-inference-router-runtime", "InvokeInferenceRouterAsync")} <= found


def test_the_members_decided_are_those_of_botocores_models():
    for (service, op), work in service_calls.SAGEMAKER_WORK.items():
        assert op in DECIDED_OPERATIONS[service] and work.fields.operation == op
        shape = MODELS.get_service_model(service).operation_model(op).input_shape
        for target, field in work.fields.fields():
            member_at(member_at(shape, target.anchor), field.path)
        if work.access is not None:
            structure, member, closed = work.access
            assert closed in member_at(shape, f"{structure}.{member}").enum
    neptune = MODELS.get_service_model("neptunedata")
    for op in ("StartMLModelTrainingJob", "StartMLDataProcessingJob", "StartMLModelTransformJob"):
        members = neptune.operation_model(op).input_shape.members
        assert "The default is None" in members["subnets"].documentation
        assert not [m for m in members if "isolation" in m.lower()]
    # CreateMLEndpoint: nothing in the request says where the endpoint runs
    endpoint = neptune.operation_model("CreateMLEndpoint").input_shape.members
    assert not [m for m in endpoint if any(w in m.lower() for w in ("subnet", "vpc", "securitygroup", "isolation"))]
    assert service_calls.UNSEEN_OPERATIONS[("neptunedata", "CreateMLEndpoint")][0] in endpoint


# --------------------------------------------------------------------------- Neptune ML (trial 12 F05)

NEPTUNE_JOBS = {
    "start_ml_model_training_job": {"dataProcessingJobId": "dp", "trainModelS3Location": "s3://b/t",
                                    "sagemakerIamRoleArn": ROLE},
    "start_ml_data_processing_job": {"inputDataS3Location": "s3://b/i", "processedDataS3Location": "s3://b/p",
                                     "sagemakerIamRoleArn": ROLE},
    "start_ml_model_transform_job": {"modelTransformOutputS3Location": "s3://b/o", "mlModelTrainingJobId": "t",
                                     "sagemakerIamRoleArn": ROLE},
}


def _reached(local):
    """Requests that reached moto other than the SageMaker and STS calls the guard itself makes."""
    return [r for r in local.requests if r.service not in ("sagemaker", "sts")]


@pytest.mark.parametrize("method", sorted(NEPTUNE_JOBS))
def test_a_neptune_ml_job_needs_the_profiles_subnets_and_security_groups(safemaker_local, safemaker_session, method):
    request = NEPTUNE_JOBS[method]
    op = "".join(p.title() for p in method.split("_")).replace("Ml", "ML")
    safemaker.install_process(make_profile(require_network_isolation=False))
    call = getattr(safemaker_session.client("neptunedata", config=NO_RETRY), method)
    with pytest.raises(GuardrailViolation) as exc:   # no VPC: the SageMaker job runs on SageMaker's network
        call(**request)
    assert [(v.operation, v.path, v.rule_id) for v in exc.value.violations] == [
        (op, "subnets", "SM-NET-SUBNETS"), (op, "securityGroupIds", "SM-NET-SG")]
    with pytest.raises(GuardrailViolation) as exc:
        call(**request, subnets=[SUB_OUT], securityGroupIds=[SG])
    assert [(v.path, v.found) for v in exc.value.violations] == [("subnets[0]", SUB_OUT)]
    with pytest.raises(GuardrailViolation) as exc:
        call(**{**request, "sagemakerIamRoleArn": f"arn:aws:iam::{ACCOUNT}:role/Other"}, subnets=[SUB_A],
             securityGroupIds=[SG])
    assert [v.rule_id for v in exc.value.violations] == ["SM-IAM-ROLE"]
    assert _reached(safemaker_local) == []
    sent(call, **request, subnets=[SUB_A], securityGroupIds=[SG])
    assert len(_reached(safemaker_local)) == 1


def test_a_neptune_ml_job_cannot_be_isolated_so_a_profile_requiring_isolation_refuses_it(safemaker_local,
                                                                                          safemaker_session, profile):
    assert profile.require_network_isolation   # the default profile
    safemaker.install_process(profile)
    neptune = safemaker_session.client("neptunedata", config=NO_RETRY)
    with pytest.raises(GuardrailViolation) as exc:
        neptune.start_ml_model_training_job(**NEPTUNE_JOBS["start_ml_model_training_job"], subnets=[SUB_A],
                                            securityGroupIds=[SG])
    assert [(v.path, v.rule_id) for v in exc.value.violations] == [("StartMLModelTrainingJob",
                                                                    Guardrail.NETWORK_ISOLATION.value)]
    assert "require_network_isolation" in exc.value.violations[0].fix
    assert _reached(safemaker_local) == []


def test_a_neptune_ml_endpoint_cannot_be_verified_unless_relaxed(safemaker_local, safemaker_session, profile):
    safemaker.install_process(profile)
    neptune = safemaker_session.client("neptunedata", config=NO_RETRY)
    with pytest.raises(GuardrailViolation) as exc:
        neptune.create_ml_endpoint(mlModelTrainingJobId="t", instanceType="ml.m5.xlarge")
    assert [(v.path, v.found, v.rule_id) for v in exc.value.violations] == [("mlModelTrainingJobId", "t",
                                                                             "SM-REFERENCE")]
    assert _reached(safemaker_local) == []
    safemaker.install_process(make_profile(allow_unverified_templates=True))
    sent(neptune.create_ml_endpoint, mlModelTrainingJobId="t")
    assert len(_reached(safemaker_local)) == 1


# --------------------------------------------------------------------------- DataZone notebook runs (trial 12 F06)

RUN = {"domainIdentifier": "dzd_1", "owningProjectIdentifier": "p1", "notebookIdentifier": "n1"}


def test_a_notebook_run_must_be_vpc_only_in_the_profiles_network(safemaker_local, safemaker_session, profile):
    safemaker.install_process(profile)
    datazone = safemaker_session.client("datazone", config=NO_RETRY)
    with pytest.raises(GuardrailViolation) as exc:
        datazone.start_notebook_run(**RUN, networkConfiguration={"networkAccessType": "PUBLIC_INTERNET_ONLY"})
    assert [(v.path, v.found, v.rule_id) for v in exc.value.violations] == [
        ("networkConfiguration.networkAccessType", "PUBLIC_INTERNET_ONLY", "SM-STUDIO-VPCONLY")]
    with pytest.raises(GuardrailViolation) as exc:   # no documented default: cannot be verified
        datazone.start_notebook_run(**RUN)
    assert [(v.path, v.rule_id) for v in exc.value.violations] == [("networkConfiguration", "SM-REFERENCE")]
    with pytest.raises(GuardrailViolation) as exc:
        datazone.start_notebook_run(**RUN, networkConfiguration={
            "networkAccessType": "VPC_ONLY", "vpcId": OPEN_VPC, "subnetIds": [SUB_OUT], "securityGroupIds": [SG]})
    assert [(v.path, v.found, v.rule_id) for v in exc.value.violations] == [
        ("networkConfiguration.vpcId", OPEN_VPC, "SM-NET-VPCID"),
        ("networkConfiguration.subnetIds[0]", SUB_OUT, "SM-NET-SUBNETS")]
    with pytest.raises(GuardrailViolation) as exc:   # VPC_ONLY without subnets: DataZone's choice, not the profile's
        datazone.start_notebook_run(**RUN, networkConfiguration={"networkAccessType": "VPC_ONLY", "vpcId": VPC})
    assert [v.path for v in exc.value.violations] == ["networkConfiguration.subnetIds",
                                                      "networkConfiguration.securityGroupIds"]
    assert _reached(safemaker_local) == []
    sent(datazone.start_notebook_run, **RUN, networkConfiguration={
        "networkAccessType": "VPC_ONLY", "vpcId": VPC, "subnetIds": [SUB_A], "securityGroupIds": [SG]})
    assert len(_reached(safemaker_local)) == 1


def test_the_other_notebook_operations_run_nothing_and_are_sent(safemaker_local, safemaker_session, profile):
    safemaker.install_process(profile)
    datazone = safemaker_session.client("datazone", config=NO_RETRY)
    sent(datazone.create_notebook, domainIdentifier="dzd_1", owningProjectIdentifier="p1", name="nb")
    sent(datazone.start_notebook_export, domainIdentifier="dzd_1", owningProjectIdentifier="p1",
         notebookIdentifier="n1", fileFormat="IPYNB")
    assert len(_reached(safemaker_local)) == 2


# --------------------------------------------------------------------------- Greengrass v1 (moto)

SAGEMAKER_MODEL = {"Id": "m", "Name": "m", "ResourceDataContainer": {"SageMakerMachineLearningModelResourceData": {
    "SageMakerJobArn": f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:training-job/t", "DestinationPath": "/ml/model"}}}
VOLUME = {"Id": "v", "Name": "v", "ResourceDataContainer": {"LocalVolumeResourceData": {
    "SourcePath": "/src", "DestinationPath": "/dest"}}}


def test_a_greengrass_resource_with_a_sagemaker_model_is_refused(safemaker_local, safemaker_session, profile):
    """Like StartEdgeDeploymentStage (refused): the model goes to core devices outside AWS."""
    safemaker.install_process(profile)
    gg = safemaker_session.client("greengrass", config=NO_RETRY)
    with pytest.raises(GuardrailViolation) as exc:
        gg.create_resource_definition(Name="r", InitialVersion={"Resources": [VOLUME, SAGEMAKER_MODEL]})
    assert [(v.path, v.rule_id) for v in exc.value.violations] == [
        ("InitialVersion.Resources[1].ResourceDataContainer.SageMakerMachineLearningModelResourceData",
         "SM-UNSUPPORTED")]
    made = gg.create_resource_definition(Name="r", InitialVersion={"Resources": [VOLUME]})["Id"]
    with pytest.raises(GuardrailViolation):
        gg.create_resource_definition_version(ResourceDefinitionId=made, Resources=[SAGEMAKER_MODEL])
    gg.create_resource_definition_version(ResourceDefinitionId=made, Resources=[VOLUME])
    assert safemaker_local.request_count("greengrass", "CreateResourceDefinition") == 1
    assert safemaker_local.request_count("greengrass", "CreateResourceDefinitionVersion") == 1


# --------------------------------------------------------------------------- Bedrock human evaluation (stubbed)

FLOW = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:flow-definition/review"


def _evaluation(human=True):
    config = ({"human": {"humanWorkflowConfig": {"flowDefinitionArn": FLOW}, "customMetrics": [
        {"name": "m", "ratingMethod": "ThumbsUpDown"}], "datasetMetricConfigs": [
        {"taskType": "Generation", "dataset": {"name": "d"}, "metricNames": ["m"]}]}} if human else
        {"automated": {"datasetMetricConfigs": [{"taskType": "Generation", "dataset": {"name": "Builtin.Bold"},
                                                 "metricNames": ["Builtin.Accuracy"]}]}})
    return {"jobName": "ev", "roleArn": ROLE, "evaluationConfig": config, "inferenceConfig": {"models": [
        {"bedrockModel": {"modelIdentifier": "m", "inferenceParams": "{}"}}]},
        "outputDataConfig": {"s3Uri": "s3://b/out"}}


def test_a_human_evaluation_follows_its_flow_definitions_work_team(safemaker_session, profile, monkeypatch):
    """The prompts go to the flow definition's work team, as StartHumanLoop's input does: a public crowd is refused
    (SM-WORKTEAM); an automated evaluation hands nothing to SageMaker and is sent."""
    from safemaker import hooks

    sagemaker = MODELS.create_client("sagemaker", region_name="us-east-1", endpoint_url="http://127.0.0.1:1",
                                     aws_access_key_id="testing", aws_secret_access_key="testing")
    monkeypatch.setattr(hooks.Guard, "_other_client", lambda self, client, service: sagemaker)
    safemaker.install_process(profile)
    bedrock = safemaker_session.client("bedrock")
    public = "arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default"
    flow = {"FlowDefinitionArn": FLOW, "FlowDefinitionName": "review", "FlowDefinitionStatus": "Active",
            "CreationTime": "2026-01-01T00:00:00Z", "RoleArn": ROLE, "OutputConfig": {"S3OutputPath": "s3://b/out"},
            "HumanLoopConfig": {"WorkteamArn": public, "HumanTaskUiArn": f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:"
                                                                         "human-task-ui/ui",
                                "TaskTitle": "t", "TaskDescription": "d", "TaskCount": 1}}
    with Stubber(sagemaker) as sm_stub, Stubber(bedrock) as bedrock_stub:
        sm_stub.add_response("describe_flow_definition", flow, {"FlowDefinitionName": "review"})
        with pytest.raises(GuardrailViolation) as exc:
            bedrock.create_evaluation_job(**_evaluation())   # an unstubbed call would raise StubResponseError
        assert [v.rule_id for v in exc.value.violations] == ["SM-WORKTEAM"]
        assert exc.value.violations[0].path.startswith(
            "evaluationConfig.human.humanWorkflowConfig.flowDefinitionArn -> DescribeFlowDefinition")
        automated = _evaluation(human=False)
        bedrock_stub.add_response("create_evaluation_job", {"jobArn": f"arn:aws:bedrock:us-east-1:{ACCOUNT}:"
                                                                      "evaluation-job/ev"}, automated)
        bedrock.create_evaluation_job(**automated)
        bedrock_stub.assert_no_pending_responses()
        sm_stub.assert_no_pending_responses()


# --------------------------------------------------------------------------- Textract / Rekognition human loops

PUBLIC_CROWD = "arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default"
HUMAN_LOOP = {"HumanLoopName": "loop", "FlowDefinitionArn": FLOW}
LOOP_CALLS = {   # botocore's models: the one member each call sends the document or image in
    ("textract", "analyze_document"): {"Document": {"S3Object": {"Bucket": "docs", "Name": "private.pdf"}},
                                       "FeatureTypes": ["FORMS"]},
    ("rekognition", "detect_moderation_labels"): {"Image": {"S3Object": {"Bucket": "docs", "Name": "private.jpg"}}},
}


def _public_flow():
    return {"FlowDefinitionArn": FLOW, "FlowDefinitionName": "review", "FlowDefinitionStatus": "Active",
            "CreationTime": "2026-01-01T00:00:00Z", "RoleArn": ROLE, "OutputConfig": {"S3OutputPath": "s3://b/out"},
            "HumanLoopConfig": {"WorkteamArn": PUBLIC_CROWD, "HumanTaskUiArn": f"arn:aws:sagemaker:us-east-1:"
                                                                               f"{ACCOUNT}:human-task-ui/ui",
                                "TaskTitle": "t", "TaskDescription": "d", "TaskCount": 1}}


def _stubbed_sagemaker(monkeypatch):
    """The SageMaker client the guard describes the flow definition with (moto has no flow definitions); every other
    client the guard makes (a carrier's Textract client) is its own."""
    from safemaker import hooks

    sagemaker = MODELS.create_client("sagemaker", region_name="us-east-1", endpoint_url="http://127.0.0.1:1",
                                     aws_access_key_id="testing", aws_secret_access_key="testing")
    own = hooks.Guard._other_client
    monkeypatch.setattr(hooks.Guard, "_other_client", lambda self, client, service: sagemaker
                        if service == "sagemaker" else own(self, client, service))
    return sagemaker


def test_textract_and_rekognition_hand_the_document_to_a_flow_definition_per_the_model():
    """botocore's models: AnalyzeDocument / DetectModerationLabels take a HumanLoopConfig whose required
    FlowDefinitionArn is a SageMaker flow definition (A2I); the AWS docs ("Use APIs in Amazon Augmented AI") name
    these two as the built-in task types."""
    textract = MODELS.get_service_model("textract").operation_model("AnalyzeDocument").input_shape
    assert "Amazon Augmented AI (A2I)" in textract.members["HumanLoopConfig"].documentation
    rekognition = MODELS.get_service_model("rekognition").operation_model("DetectModerationLabels").input_shape
    assert "CreateFlowDefinition" in rekognition.members["HumanLoopConfig"].members["FlowDefinitionArn"].documentation
    for shape in (textract, rekognition):
        assert "FlowDefinitionArn" in shape.members["HumanLoopConfig"].required_members
    for (service, method), request in LOOP_CALLS.items():
        operation = MODELS.get_service_model(service).operation_model(
            next(op for op in MODELS.get_service_model(service).operation_names
                 if botocore.xform_name(op) == method)).name
        refs = service_calls.sagemaker_references(service, operation, {**request, "HumanLoopConfig": HUMAN_LOOP})
        assert [(r.path, r.resource, r.name) for r in refs] == [
            ("HumanLoopConfig.FlowDefinitionArn", "flow-definition", "review")]
        assert service_calls.sagemaker_references(service, operation, request) == []
        assert operation in DECIDED_OPERATIONS[service]


@pytest.mark.parametrize("service,method", sorted(LOOP_CALLS))
def test_a_human_loop_of_textract_or_rekognition_follows_its_flow_definitions_work_team(
        safemaker_local, safemaker_session, profile, monkeypatch, service, method):
    """Trial 12b F06: the document goes to the flow definition's work team, as StartHumanLoop's input does: a
    public crowd is refused (SM-WORKTEAM) and nothing reaches the service; without HumanLoopConfig nothing goes to
    SageMaker and the call is sent (moto has neither operation: it answers with an error, after the request
    reached it)."""
    sagemaker = _stubbed_sagemaker(monkeypatch)
    safemaker.install_process(profile)
    client = safemaker_session.client(service, config=NO_RETRY)
    request = LOOP_CALLS[(service, method)]
    with Stubber(sagemaker) as sm_stub:
        sm_stub.add_response("describe_flow_definition", _public_flow(), {"FlowDefinitionName": "review"})
        with pytest.raises(GuardrailViolation) as exc:
            getattr(client, method)(**request, HumanLoopConfig=HUMAN_LOOP)
        assert [v.rule_id for v in exc.value.violations] == ["SM-WORKTEAM"]
        assert exc.value.violations[0].path.startswith(
            "HumanLoopConfig.FlowDefinitionArn -> DescribeFlowDefinition(FlowDefinitionName='review')")
        assert safemaker_local.request_count(service) == 0
        sent(getattr(client, method), **request)   # an unstubbed DescribeFlowDefinition would be refused
        sm_stub.assert_no_pending_responses()
    assert safemaker_local.request_count(service) == 1


def test_a_state_machine_that_analyzes_a_document_with_a_public_crowd_loop_is_refused(
        safemaker_local, safemaker_session, profile, monkeypatch):
    """The carrier: a Step Functions AWS SDK task (``aws-sdk:textract:analyzeDocument``) is decided as the call
    sent directly (docs/hooks.md, "Every decided call inside a carrier"), its flow definition described."""
    sagemaker = _stubbed_sagemaker(monkeypatch)
    safemaker.install_process(profile)
    sfn = safemaker_session.client("stepfunctions", config=NO_RETRY)
    request = {**LOOP_CALLS[("textract", "analyze_document")], "HumanLoopConfig": HUMAN_LOOP}
    with Stubber(sagemaker) as sm_stub:
        sm_stub.add_response("describe_flow_definition", _public_flow(), {"FlowDefinitionName": "review"})
        with pytest.raises(GuardrailViolation) as exc:
            sfn.create_state_machine(name="review", roleArn=f"arn:aws:iam::{ACCOUNT}:role/sfn",
                                     definition=_task_machine("textract", "analyzeDocument", request))
        sm_stub.assert_no_pending_responses()
    assert [v.rule_id for v in exc.value.violations] == ["SM-WORKTEAM"]
    assert "AnalyzeDocument" in exc.value.violations[0].path
    assert safemaker_local.request_count("stepfunctions", "CreateStateMachine") == 0


# --------------------------------------------------------------------------- carriers and CloudFormation


def _task_machine(service, action, parameters):
    return json.dumps({"StartAt": "S", "States": {"S": {
        "Type": "Task", "End": True, "Resource": f"arn:aws:states:::aws-sdk:{service}:{action}",
        "Parameters": parameters}}})


def test_a_state_machine_or_schedule_that_sends_them_is_decided_as_the_call(safemaker_local, safemaker_session):
    """docs/hooks.md, "Every decided call inside a carrier": a Step Functions AWS SDK task and a Scheduler universal
    target are decided as the operation sent directly."""
    safemaker.install_process(make_profile(require_network_isolation=False))
    sfn = safemaker_session.client("stepfunctions", config=NO_RETRY)
    role = f"arn:aws:iam::{ACCOUNT}:role/sfn"
    job = {"DataProcessingJobId": "dp", "TrainModelS3Location": "s3://b/t"}   # Step Functions' PascalCase
    with pytest.raises(GuardrailViolation) as exc:
        sfn.create_state_machine(name="open", roleArn=role, definition=_task_machine(
            "neptunedata", "startMLModelTrainingJob", job))
    assert [(v.path.split(" -> ")[-1], v.rule_id) for v in exc.value.violations] == [
        ("StartMLModelTrainingJob.subnets", "SM-NET-SUBNETS"),
        ("StartMLModelTrainingJob.securityGroupIds", "SM-NET-SG")]
    sfn.create_state_machine(name="closed", roleArn=role, definition=_task_machine(
        "neptunedata", "startMLModelTrainingJob", {**job, "Subnets": [SUB_A], "SecurityGroupIds": [SG]}))
    scheduler = safemaker_session.client("scheduler", config=NO_RETRY)
    target = {"Arn": "arn:aws:scheduler:::aws-sdk:datazone:startNotebookRun", "RoleArn": role,
              "Input": json.dumps({**RUN, "networkConfiguration": {"networkAccessType": "PUBLIC_INTERNET_ONLY"}})}
    with pytest.raises(GuardrailViolation) as exc:
        scheduler.create_schedule(Name="s", ScheduleExpression="rate(1 day)", FlexibleTimeWindow={"Mode": "OFF"},
                                  Target=target)
    assert [v.rule_id for v in exc.value.violations] == ["SM-STUDIO-VPCONLY"]
    assert safemaker_local.request_count("stepfunctions", "CreateStateMachine") == 1
    assert safemaker_local.request_count("scheduler", "CreateSchedule") == 0


def test_a_stack_with_a_greengrass_sagemaker_model_is_refused(safemaker_local, safemaker_session, profile):
    """AWS::Greengrass::ResourceDefinition (cfn-lint's schema: InitialVersion.Resources[].ResourceDataContainer.
    SageMakerMachineLearningModelResourceData) is read as CreateResourceDefinition."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", "AWS::Greengrass::ResourceDefinition").schema
    assert "InitialVersion" in schema["properties"]
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation", config=NO_RETRY)

    def template(resource):
        return json.dumps({"Resources": {"R": {"Type": "AWS::Greengrass::ResourceDefinition", "Properties": {
            "Name": "r", "InitialVersion": {"Resources": [resource]}}}}})

    with pytest.raises(GuardrailViolation) as exc:
        cfn.create_stack(StackName="gg", TemplateBody=template(SAGEMAKER_MODEL))
    assert [v.rule_id for v in exc.value.violations] == ["SM-UNSUPPORTED"]
    assert "SageMakerMachineLearningModelResourceData" in exc.value.violations[0].path
    assert safemaker_local.request_count("cloudformation", "CreateStack") == 0
    cfn.create_stack(StackName="gg", TemplateBody=template(VOLUME))
    assert safemaker_local.request_count("cloudformation", "CreateStack") == 1


def test_safemaker_check_decides_the_written_calls(profile_file, tmp_path):  # noqa: F811 (pytest fixture)
    """A template's state machine task, schedule target and Greengrass resource: decided by their written members
    (no content to read), with the paths of the source."""
    from test_iac_cli import run_json

    template = {"Resources": {
        "Sm": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
            "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/sfn", "DefinitionString": _task_machine(
                "neptunedata", "startMLDataProcessingJob", {"InputDataS3Location": "s3://b/i",
                                                            "ProcessedDataS3Location": "s3://b/p"})}},
        "Sched": {"Type": "AWS::Scheduler::Schedule", "Properties": {
            "ScheduleExpression": "rate(1 day)", "FlexibleTimeWindow": {"Mode": "OFF"}, "Target": {
                "Arn": "arn:aws:scheduler:::aws-sdk:datazone:startNotebookRun",
                "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/s", "Input": json.dumps(RUN)}}},
        "Gg": {"Type": "AWS::Greengrass::ResourceDefinition", "Properties": {
            "Name": "r", "InitialVersion": {"Resources": [SAGEMAKER_MODEL]}}}}}
    f = tmp_path / "t.json"
    f.write_text(json.dumps(template, indent=1))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3   # findings
    got = sorted((row["logical_id"], row["status"], row["rule_id"]) for row in rows)
    assert got == [("Gg", "FAIL", "SM-UNSUPPORTED"), ("Sched", "UNKNOWN", "SM-REFERENCE"),
                   ("Sm", "FAIL", "SM-NET-ISOLATION"), ("Sm", "FAIL", "SM-NET-SG"), ("Sm", "FAIL", "SM-NET-SUBNETS")]
    gg = next(row for row in rows if row["logical_id"] == "Gg")
    assert gg["path"] == "InitialVersion.Resources[0].ResourceDataContainer.SageMakerMachineLearningModelResourceData"


def test_a_cdk_custom_resource_and_an_automation_step_that_send_them_are_decided(profile_file, tmp_path,
                                                                                safemaker_local, safemaker_session):
    """The other two carriers: a CDK ``AwsCustomResource`` call (``safemaker check``: its SDK v3 package name, the
    paths of the source) and an Automation ``aws:executeAwsApi`` step (a guarded ``CreateDocument``)."""
    from test_iac_cdk_aws_custom_resource import custom, write
    from test_iac_cli import run_json

    call = {"service": "@aws-sdk/client-datazone", "action": "StartNotebookRunCommand", "physicalResourceId": {
        "id": "run"}, "parameters": {**RUN, "networkConfiguration": {"networkAccessType": "PUBLIC_INTERNET_ONLY"}}}
    r, rows = run_json(profile_file, str(write(tmp_path, custom("Create", call))))
    assert r.exit_code == 3
    assert [(x["status"], x["rule_id"], x["path"], x["found"]) for x in rows] == [
        ("FAIL", "SM-STUDIO-VPCONLY", "Create.parameters.networkConfiguration.networkAccessType",
         "PUBLIC_INTERNET_ONLY")]
    closed = {**call, "parameters": {**RUN, "networkConfiguration": {
        "networkAccessType": "VPC_ONLY", "vpcId": VPC, "subnetIds": [SUB_A], "securityGroupIds": [SG]}}}
    r, rows = run_json(profile_file, str(write(tmp_path, custom("Create", closed), "closed.json")))
    assert (r.exit_code, rows) == (0, [])

    safemaker.install_process(make_profile(require_network_isolation=False))
    ssm = safemaker_session.client("ssm", config=NO_RETRY)

    def runbook(params):
        return json.dumps({"schemaVersion": "0.3", "mainSteps": [{"name": "job", "action": "aws:executeAwsApi",
                                                                  "inputs": {"Service": "neptunedata",
                                                                             "Api": "StartMLModelTransformJob",
                                                                             **params}}]})

    job = NEPTUNE_JOBS["start_ml_model_transform_job"]
    with pytest.raises(GuardrailViolation) as exc:
        ssm.create_document(Name="Open", DocumentType="Automation", DocumentFormat="JSON", Content=runbook(job))
    assert sorted(v.rule_id for v in exc.value.violations) == ["SM-NET-SG", "SM-NET-SUBNETS"]
    ssm.create_document(Name="Closed", DocumentType="Automation", DocumentFormat="JSON",
                        Content=runbook({**job, "subnets": [SUB_A], "securityGroupIds": [SG]}))
    assert safemaker_local.request_count("ssm", "CreateDocument") == 1
