"""Operations that start compute or open access without network fields of their own (issue #13),
through guarded clients on the local backend (moto on 127.0.0.1).

Refused calls send nothing (the backend's request log counts them); allowed
calls reach the server. References are followed with real Describe calls on
moto. Operations moto lacks (RetryPipelineExecution, CreateSpace,
UpdateTrainingJob, CreateInferenceRecommendationsJob...) are answered by
botocore's Stubber when they are allowed, fed moto's own Describe responses;
refusals happen before any of that.
"""

from __future__ import annotations

import json

import pytest
from botocore.stub import Stubber

from safemaker import hooks, rules_classification
from safemaker.errors import GuardrailViolation

from _profiles import IMG, ROLE, SG, SUB_A, VPC, VPC_CONFIG

SCRIPT = [{"Content": "IyEvYmluL2Jhc2gKZWNobyBoaQo="}]  # base64 of a two-line shell script


@pytest.fixture
def sm(safemaker_session, profile):
    hooks.install(safemaker_session, profile)
    return safemaker_session.client("sagemaker")


@pytest.fixture
def raw(safemaker_local):
    """An unguarded client on the same backend, to create resources the guard would refuse."""
    from safemaker.local import LocalSession

    return LocalSession(safemaker_local.endpoint_url, region_name="us-east-1").client("sagemaker")


def _refused(call, **kwargs) -> GuardrailViolation:
    with pytest.raises(GuardrailViolation) as exc:
        call(**kwargs)
    return exc.value


# --------------------------------------------------------------------------- notebook instances


def test_StartNotebookInstance_of_a_notebook_created_open_is_refused_through_DescribeNotebookInstance(
        safemaker_local, sm, raw):
    raw.create_notebook_instance(NotebookInstanceName="open-nb", InstanceType="ml.t3.medium", RoleArn=ROLE,
                                 DirectInternetAccess="Enabled")
    raw.stop_notebook_instance(NotebookInstanceName="open-nb")
    exc = _refused(sm.start_notebook_instance, NotebookInstanceName="open-nb")
    via = "NotebookInstanceName -> DescribeNotebookInstance(NotebookInstanceName='open-nb')"
    found = {v.path: v.found for v in exc.violations}
    assert found[f"{via}.DirectInternetAccess"] == "Enabled"
    assert f"{via}.SubnetId" in found  # created with no subnet
    assert safemaker_local.request_count("sagemaker", "StartNotebookInstance") == 0


def test_StartNotebookInstance_of_a_closed_notebook_is_sent(safemaker_local, sm, raw):
    sm.create_notebook_instance(NotebookInstanceName="closed-nb", InstanceType="ml.t3.medium", RoleArn=ROLE)
    raw.stop_notebook_instance(NotebookInstanceName="closed-nb")
    sm.start_notebook_instance(NotebookInstanceName="closed-nb")
    assert safemaker_local.request_count("sagemaker", "StartNotebookInstance") == 1
    assert raw.describe_notebook_instance(NotebookInstanceName="closed-nb")["DirectInternetAccess"] == "Disabled"


def test_CreatePresignedNotebookInstanceUrl_of_an_open_notebook_is_refused(safemaker_local, sm, raw):
    raw.create_notebook_instance(NotebookInstanceName="open-nb", InstanceType="ml.t3.medium", RoleArn=ROLE,
                                 DirectInternetAccess="Enabled", SubnetId=SUB_A, SecurityGroupIds=[SG],
                                 RootAccess="Disabled")
    exc = _refused(sm.create_presigned_notebook_instance_url, NotebookInstanceName="open-nb")
    assert [(v.path.rsplit(".", 1)[-1], v.found) for v in exc.violations] == [("DirectInternetAccess", "Enabled")]
    assert safemaker_local.request_count("sagemaker", "CreatePresignedNotebookInstanceUrl") == 0


def test_notebook_lifecycle_script_refused_while_root_access_is_disabled(safemaker_local, sm):
    exc = _refused(sm.create_notebook_instance_lifecycle_config, NotebookInstanceLifecycleConfigName="lcc",
                   OnStart=SCRIPT)
    assert [(v.path, v.rule_id) for v in exc.violations] == [("OnStart", "SM-NB-LIFECYCLE")]
    assert "run as root" in exc.violations[0].fix
    assert safemaker_local.request_count("sagemaker", "CreateNotebookInstanceLifecycleConfig") == 0
    sm.create_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName="empty")  # no script: sent
    assert safemaker_local.request_count("sagemaker", "CreateNotebookInstanceLifecycleConfig") == 1


def test_notebook_lifecycle_script_sent_when_the_profile_enables_root_access(safemaker_local, safemaker_session,
                                                                              profile, raw):
    hooks.install(safemaker_session, profile.model_copy(update={"notebook_root_access": "Enabled"}))
    sm = safemaker_session.client("sagemaker")
    sm.create_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName="lcc", OnCreate=SCRIPT)
    stored = raw.describe_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName="lcc")
    assert stored["OnCreate"] == SCRIPT


def test_UpdateNotebookInstanceLifecycleConfig_script_refused(safemaker_local, sm):
    exc = _refused(sm.update_notebook_instance_lifecycle_config, NotebookInstanceLifecycleConfigName="lcc",
                   OnCreate=SCRIPT)
    assert [v.path for v in exc.violations] == ["OnCreate"]
    assert safemaker_local.request_count("sagemaker", "UpdateNotebookInstanceLifecycleConfig") == 0


# --------------------------------------------------------------------------- remote access


def _training(**extra):
    return {"TrainingJobName": "job", "RoleArn": ROLE,
            "AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"},
            "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
            "ResourceConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 10},
            "StoppingCondition": {"MaxRuntimeInSeconds": 60}, **extra}


def test_CreateTrainingJob_with_remote_debugging_refused_and_nothing_sent(safemaker_local, sm):
    exc = _refused(sm.create_training_job, **_training(RemoteDebugConfig={"EnableRemoteDebug": True}))
    assert [(v.path, v.found, v.rule_id) for v in exc.violations] == [
        ("RemoteDebugConfig.EnableRemoteDebug", True, "SM-REMOTE-ACCESS")]
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0


def test_CreateTrainingJob_with_remote_debugging_off_is_sent(safemaker_local, sm, raw):
    sm.create_training_job(**_training(RemoteDebugConfig={"EnableRemoteDebug": False}))
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 1
    assert raw.describe_training_job(TrainingJobName="job")["EnableNetworkIsolation"] is True


def test_UpdateTrainingJob_enabling_remote_debugging_refused(sm):
    exc = _refused(sm.update_training_job, TrainingJobName="job", RemoteDebugConfig={"EnableRemoteDebug": True})
    assert [v.path for v in exc.violations] == ["RemoteDebugConfig.EnableRemoteDebug"]


def _domain(sm) -> str:
    arn = sm.create_domain(DomainName="studio", AuthMode="IAM", DefaultUserSettings={"ExecutionRole": ROLE})[
        "DomainArn"]
    return arn.rsplit("/", 1)[1]


def test_CreateSpace_with_remote_access_refused_before_anything_is_sent(safemaker_local, sm):
    domain_id = _domain(sm)
    exc = _refused(sm.create_space, DomainId=domain_id, SpaceName="s", SpaceSettings={"RemoteAccess": "ENABLED"})
    assert [(v.path, v.found, v.rule_id) for v in exc.violations] == [
        ("SpaceSettings.RemoteAccess", "ENABLED", "SM-REMOTE-ACCESS")]
    assert safemaker_local.request_count("sagemaker", "CreateSpace") == 0


def test_CreateSpace_remote_access_disabled_in_a_closed_domain_is_sent(sm, raw):
    """moto lacks CreateSpace: Stubber answers it, fed moto's own DescribeDomain response."""
    domain_id = _domain(sm)
    description = raw.describe_domain(DomainId=domain_id)
    description.pop("ResponseMetadata")
    request = {"DomainId": domain_id, "SpaceName": "s", "SpaceSettings": {"RemoteAccess": "DISABLED"}}
    with Stubber(sm) as stub:
        stub.add_response("describe_domain", description, {"DomainId": domain_id})
        stub.add_response("create_space", {"SpaceArn": f"arn:aws:sagemaker:us-east-1:123456789012:space/{domain_id}/s"},
                          request)
        sm.create_space(**request)
        stub.assert_no_pending_responses()


def test_UpdateSpace_enabling_remote_access_refused(safemaker_local, sm):
    exc = _refused(sm.update_space, DomainId="d-abc", SpaceName="s", SpaceSettings={"RemoteAccess": "ENABLED"})
    assert [v.path for v in exc.violations] == ["SpaceSettings.RemoteAccess"]
    assert safemaker_local.request_count("sagemaker", "UpdateSpace") == 0


def _variant(**extra):
    return {"VariantName": "v", "ModelName": "m", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1, **extra}


def test_CreateEndpointConfig_with_SSM_access_into_a_variant_refused_and_nothing_sent(safemaker_local, sm):
    """botocore's doc of ProductionVariant.EnableSSMAccess: native AWS Systems Manager access into the
    variant's container (off by default), a remote way in like EnableRemoteDebug."""
    sm.create_model(ModelName="m", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMG},
                    EnableNetworkIsolation=True, VpcConfig=VPC_CONFIG)
    exc = _refused(sm.create_endpoint_config, EndpointConfigName="ec", ProductionVariants=[_variant(EnableSSMAccess=True)],
                   ShadowProductionVariants=[_variant(VariantName="s", EnableSSMAccess=True)])
    assert [(v.path, v.found, v.rule_id) for v in exc.violations] == [
        ("ProductionVariants[0].EnableSSMAccess", True, "SM-REMOTE-ACCESS"),
        ("ShadowProductionVariants[0].EnableSSMAccess", True, "SM-REMOTE-ACCESS")]
    assert safemaker_local.request_count("sagemaker", "CreateEndpointConfig") == 0
    sm.create_endpoint_config(EndpointConfigName="ec", ProductionVariants=[_variant(EnableSSMAccess=False)])
    assert safemaker_local.request_count("sagemaker", "CreateEndpointConfig") == 1


# --------------------------------------------------------------------------- pipelines


def _pipeline(client, name: str, vpc: dict | None) -> str:
    args = {"AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"},
            "OutputDataConfig": {"S3OutputPath": "s3://b/out"}, "RoleArn": ROLE,
            "ResourceConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 30},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            "EnableNetworkIsolation": True, "EnableInterContainerTrafficEncryption": True}
    if vpc is not None:
        args["VpcConfig"] = vpc
    text = json.dumps({"Version": "2020-12-01", "Parameters": [],
                       "Steps": [{"Name": "TrainModel", "Type": "Training", "Arguments": args}]})
    client.create_pipeline(PipelineName=name, RoleArn=ROLE, PipelineDefinition=text,
                           ClientRequestToken=f"{name}-token".ljust(32, "0"))
    return client.start_pipeline_execution(PipelineName=name)["PipelineExecutionArn"]


def test_RetryPipelineExecution_of_an_open_execution_is_refused_through_its_definition(safemaker_local, sm, raw):
    arn = _pipeline(raw, "open", vpc=None)
    exc = _refused(sm.retry_pipeline_execution, PipelineExecutionArn=arn,
                   ClientRequestToken="retry-token".ljust(32, "0"))
    via = f"PipelineExecutionArn -> DescribePipelineDefinitionForExecution(PipelineExecutionArn={arn!r})"
    assert [v.path for v in exc.violations] == [f"{via}.PipelineDefinition.Steps[0:TrainModel].Arguments.VpcConfig"]
    assert safemaker_local.request_count("sagemaker", "RetryPipelineExecution") == 0


def test_RetryPipelineExecution_of_a_closed_execution_is_sent(sm, raw):
    """moto lacks RetryPipelineExecution: Stubber answers it, fed moto's own definition for the execution."""
    arn = _pipeline(raw, "closed", vpc=VPC_CONFIG)
    definition = raw.describe_pipeline_definition_for_execution(PipelineExecutionArn=arn)
    definition.pop("ResponseMetadata")
    values = raw.list_pipeline_parameters_for_execution(PipelineExecutionArn=arn)  # the values a retry runs with
    values.pop("ResponseMetadata")
    request = {"PipelineExecutionArn": arn, "ClientRequestToken": "retry-token".ljust(32, "0")}
    with Stubber(sm) as stub:
        stub.add_response("describe_pipeline_definition_for_execution", definition, {"PipelineExecutionArn": arn})
        stub.add_response("list_pipeline_parameters_for_execution", values, {"PipelineExecutionArn": arn})
        stub.add_response("retry_pipeline_execution", {"PipelineExecutionArn": arn}, request)
        assert sm.retry_pipeline_execution(**request)["PipelineExecutionArn"] == arn
        stub.assert_no_pending_responses()


# --------------------------------------------------------------------------- jobs run on our behalf


def test_CreateModelPackage_with_a_validation_specification_refused(safemaker_local, sm):
    exc = _refused(sm.create_model_package, ModelPackageName="pkg", ValidationSpecification={
        "ValidationRole": ROLE, "ValidationProfiles": [{"ProfileName": "p", "TransformJobDefinition": {
            "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/in"}}},
            "TransformOutput": {"S3OutputPath": "s3://b/out"},
            "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1}}}]})
    assert [(v.path, v.rule_id) for v in exc.violations] == [("ValidationSpecification", "SM-UNSUPPORTED")]
    assert safemaker_local.request_count("sagemaker", "CreateModelPackage") == 0


def test_CreateModelPackage_without_validation_is_sent(safemaker_local, sm):
    sm.create_model_package(ModelPackageName="pkg", InferenceSpecification={
        "Containers": [{"Image": IMG}], "SupportedContentTypes": ["text/csv"],
        "SupportedResponseMIMETypes": ["text/csv"]})
    assert safemaker_local.request_count("sagemaker", "CreateModelPackage") == 1


def test_CreateInferenceRecommendationsJob_serverless_configuration_refused(safemaker_local, sm):
    exc = _refused(sm.create_inference_recommendations_job, JobName="rec", JobType="Advanced", RoleArn=ROLE,
                   InputConfig={"EndpointConfigurations": [{"ServerlessConfig": {"MemorySizeInMB": 2048,
                                                                                  "MaxConcurrency": 1}}]})
    assert [(v.path, v.rule_id) for v in exc.violations] == [
        ("InputConfig.EndpointConfigurations[0].ServerlessConfig", "SM-UNSUPPORTED")]
    assert safemaker_local.request_count("sagemaker", "CreateInferenceRecommendationsJob") == 0


def _package(raw, name, **extra):
    raw.create_model_package(ModelPackageName=name, InferenceSpecification={
        "Containers": [{"Image": IMG}], "SupportedContentTypes": ["text/csv"],
        "SupportedResponseMIMETypes": ["text/csv"]}, **extra)
    return raw.describe_model_package(ModelPackageName=name)["ModelPackageArn"]


def test_CreateInferenceRecommendationsJob_model_package_refused_and_followed(safemaker_local, sm, raw):
    """Trial 9 F05: a model package has no network-isolation member, nor has RecommendationJobInputConfig
    (botocore's model, asserted here): the benchmark endpoints' containers cannot be isolated. The package is
    followed to DescribeModelPackage as ModelName is to DescribeModel."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    assert not [m for m in model.shape_for("RecommendationJobInputConfig").members if "Isolation" in m]
    assert not [m for m in model.operation_model("DescribeModelPackage").output_shape.members if "Isolation" in m]
    arn = _package(raw, "pkg")
    before = safemaker_local.request_count("sagemaker", "DescribeModelPackage")
    exc = _refused(sm.create_inference_recommendations_job, JobName="rec", JobType="Default", RoleArn=ROLE,
                   InputConfig={"ModelPackageVersionArn": arn, "VpcConfig": VPC_CONFIG})
    assert [(v.path, v.rule_id) for v in exc.violations] == [("InputConfig.ModelPackageVersionArn", "SM-UNSUPPORTED")]
    [v] = exc.violations
    assert "InputConfig.ModelName" in v.fix and "EnableNetworkIsolation" in v.fix
    assert safemaker_local.request_count("sagemaker", "DescribeModelPackage") == before + 1  # followed
    assert safemaker_local.request_count("sagemaker", "CreateInferenceRecommendationsJob") == 0


def test_CreateInferenceRecommendationsJob_model_package_is_sent_under_a_profile_without_isolation(
        safemaker_session, profile_factory, raw):
    """What the package lacks is network isolation only (the request gives the profile's VPC): a profile that does
    not require isolation (``require_network_isolation = false``) allows it, as it allows a model without
    ``EnableNetworkIsolation``. The package is still followed (DescribeModelPackage: its validation runs jobs) and
    the VPC still injected. moto lacks CreateInferenceRecommendationsJob: Stubber answers it, fed moto's own
    DescribeModelPackage response."""
    relaxed = profile_factory(require_network_isolation=False)
    hooks.install(safemaker_session, relaxed)
    sm = safemaker_session.client("sagemaker")
    arn = _package(raw, "pkg-relaxed")
    description = raw.describe_model_package(ModelPackageName=arn)
    description.pop("ResponseMetadata")
    request = {"JobName": "rec", "JobType": "Default", "RoleArn": ROLE,
               "InputConfig": {"ModelPackageVersionArn": arn}}
    sent = {**request, "InputConfig": {"ModelPackageVersionArn": arn, "VpcConfig": VPC_CONFIG}}
    with Stubber(sm) as stub:
        stub.add_response("describe_model_package", description, {"ModelPackageName": arn})
        stub.add_response("create_inference_recommendations_job", {
            "JobArn": "arn:aws:sagemaker:us-east-1:123456789012:inference-recommendations-job/rec"}, sent)
        sm.create_inference_recommendations_job(**request)
        stub.assert_no_pending_responses()
    # the same description is a finding only where isolation is required
    from safemaker import guard

    job = {"JobName": "rec", "JobType": "Default", "RoleArn": ROLE, "Status": "COMPLETED",
           "InputConfig": {"ModelPackageVersionArn": arn, "VpcConfig": VPC_CONFIG}}
    assert guard.check_resource("inference-recommendations-job", job, relaxed) == []
    assert {v.path for v in guard.check_resource("inference-recommendations-job", job, profile_factory())} == {
        "InputConfig.ModelPackageVersionArn"}


def test_CreateInferenceRecommendationsJob_model_package_that_cannot_be_described_is_refused_too(
        safemaker_local, sm):
    arn = "arn:aws:sagemaker:us-east-1:123456789012:model-package/ghost/1"
    exc = _refused(sm.create_inference_recommendations_job, JobName="rec", JobType="Default", RoleArn=ROLE,
                   InputConfig={"ModelPackageVersionArn": arn, "VpcConfig": VPC_CONFIG})
    assert {(v.path, v.rule_id) for v in exc.violations} == {
        ("InputConfig.ModelPackageVersionArn", "SM-UNSUPPORTED"), ("InputConfig.ModelPackageVersionArn", "SM-REFERENCE")}
    assert safemaker_local.request_count("sagemaker", "CreateInferenceRecommendationsJob") == 0


def test_inference_recommendations_job_description_with_a_model_package_is_a_finding(profile):
    """The audit reads the job's description (moto has no CreateInferenceRecommendationsJob: a description in
    DescribeInferenceRecommendationsJob's output shape) and follows the package from it."""
    from safemaker import guard

    arn = "arn:aws:sagemaker:us-east-1:123456789012:model-package/p/1"
    description = {"JobName": "rec", "JobType": "Default", "RoleArn": ROLE, "Status": "COMPLETED",
                   "InputConfig": {"ModelPackageVersionArn": arn, "VpcConfig": VPC_CONFIG}}
    assert {v.path for v in guard.check_resource("inference-recommendations-job", description, profile)} == {
        "InputConfig.ModelPackageVersionArn"}
    refs = guard.references("CreateInferenceRecommendationsJob", description, described=True)
    assert [(r.path, r.resource, r.name) for r in refs] == [
        ("InputConfig.ModelPackageVersionArn", "model-package", arn)]


def test_CreateInferenceRecommendationsJob_follows_existing_endpoints(safemaker_local, sm, raw):
    raw.create_model(ModelName="open-model", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMG})
    raw.create_endpoint_config(EndpointConfigName="open-cfg", ProductionVariants=[{
        "VariantName": "v", "ModelName": "open-model", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}])
    raw.create_endpoint(EndpointName="open-ep", EndpointConfigName="open-cfg")
    exc = _refused(sm.create_inference_recommendations_job, JobName="rec", JobType="Default", RoleArn=ROLE,
                   InputConfig={"ModelName": "m", "Endpoints": [{"EndpointName": "open-ep"}]})
    paths = [v.path for v in exc.violations]
    assert any(p.startswith("InputConfig.Endpoints[0].EndpointName -> DescribeEndpoint(EndpointName='open-ep')")
               and p.endswith("EnableNetworkIsolation") for p in paths), paths
    assert safemaker_local.request_count("sagemaker", "CreateInferenceRecommendationsJob") == 0


CALLBACKS = [
    ("send_pipeline_execution_step_success", {"CallbackToken": "AbCdEf0123",
                                              "OutputParameters": [{"Name": "ok", "Value": "yes"}]}),
    ("send_pipeline_execution_step_failure", {"CallbackToken": "AbCdEf0123", "FailureReason": "no"}),
]


@pytest.mark.parametrize(("method", "kwargs"), CALLBACKS)
def test_pipeline_callback_results_are_refused_they_name_no_execution_to_check(safemaker_local, sm, method, kwargs):
    """botocore: "Notifies the pipeline that the execution of a callback step succeeded" (failed); the request
    has CallbackToken, no execution ARN (trial 13 F03): the execution it lets go on cannot be described."""
    assert "PipelineExecutionArn" not in sm.meta.service_model.operation_model(
        sm.meta.method_to_api_mapping[method]).input_shape.members
    exc = _refused(getattr(sm, method), ClientRequestToken="callback-token".ljust(32, "0"), **kwargs)
    (v,) = exc.violations
    assert (v.path, v.rule_id) == (exc.operation, "SM-UNSUPPORTED")
    assert "allow_pipeline_callbacks" in v.fix
    assert safemaker_local.request_count("sagemaker", exc.operation) == 0  # moto lacks both: nothing reached it


@pytest.mark.parametrize(("method", "kwargs"), CALLBACKS)
def test_pipeline_callback_results_are_sent_when_an_administrator_allows_them(safemaker_session, profile_factory,
                                                                              method, kwargs):
    """moto lacks both operations: Stubber answers (botocore's response shape: PipelineExecutionArn)."""
    sm = safemaker_session.client("sagemaker")
    hooks.install(sm, profile_factory(allow_pipeline_callbacks=True))
    request = {"ClientRequestToken": "callback-token".ljust(32, "0"), **kwargs}
    arn = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/p/execution/e1"
    with Stubber(sm) as stub:
        stub.add_response(method, {"PipelineExecutionArn": arn}, request)
        assert getattr(sm, method)(**request)["PipelineExecutionArn"] == arn
        stub.assert_no_pending_responses()


# --------------------------------------------------------------------------- refused outright, unclassified


@pytest.mark.parametrize(("method", "kwargs"), [
    ("start_session", {"ResourceIdentifier": "arn:aws:sagemaker:us-east-1:123456789012:space/d-abc/s"}),
    ("create_project", {"ProjectName": "p", "ServiceCatalogProvisioningDetails": {"ProductId": "prod-abc"}}),
    ("put_endpoint_policy", {"EndpointName": "ep", "ResourcePolicy": "{}"}),
    ("create_partner_app", {"Name": "app", "Type": "comet", "ExecutionRoleArn": ROLE, "Tier": "small",
                            "AuthType": "IAM"}),
])
def test_refused_operations_send_nothing(safemaker_local, sm, method, kwargs):
    exc = _refused(getattr(sm, method), **kwargs)
    (v,) = exc.violations
    assert v.rule_id == "SM-UNSUPPORTED"
    assert v.fix == rules_classification.classify(exc.operation).reason
    assert safemaker_local.request_count("sagemaker", exc.operation) == 0


def test_an_operation_safemaker_does_not_know_is_refused_until_the_profile_allows_it(
        safemaker_local, safemaker_session, profile, monkeypatch):
    """A botocore newer than safemaker: simulated by taking ListModels out of the classification."""
    unknown = {k: v for k, v in rules_classification.NO_NETWORK_EFFECT.items() if k != "ListModels"}
    monkeypatch.setattr(rules_classification, "NO_NETWORK_EFFECT", unknown)
    monkeypatch.setattr(hooks, "NO_NETWORK_EFFECT", unknown)
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    exc = _refused(sm.list_models)
    (v,) = exc.violations
    assert (exc.operation, v.rule_id) == ("ListModels", "SM-UNCLASSIFIED")
    assert "allow_unclassified_operations" in v.fix
    assert safemaker_local.request_count("sagemaker", "ListModels") == 0
    hooks.uninstall(safemaker_session)
    hooks.install(safemaker_session, profile.model_copy(update={"allow_unclassified_operations": True}))
    assert safemaker_session.client("sagemaker").list_models()["Models"] == []
    assert safemaker_local.request_count("sagemaker", "ListModels") == 1


# --------------------------------------------------------------------------- more references


def test_CreatePresignedDomainUrl_of_a_public_domain_is_refused_through_DescribeDomain(safemaker_local, sm, raw):
    arn = raw.create_domain(DomainName="public", AuthMode="IAM", DefaultUserSettings={"ExecutionRole": ROLE},
                            SubnetIds=[SUB_A], VpcId=VPC, AppNetworkAccessType="PublicInternetOnly")["DomainArn"]
    domain_id = arn.rsplit("/", 1)[1]
    exc = _refused(sm.create_presigned_domain_url, DomainId=domain_id, UserProfileName="alice")
    domain = [v for v in exc.violations if v.path.startswith(f"DomainId -> DescribeDomain(DomainId='{domain_id}')")]
    found = {v.path.rsplit(".", 1)[-1]: v.found for v in domain}
    assert found["AppNetworkAccessType"] == "PublicInternetOnly"
    # the user profile it signs in as is followed too (trial 10 F12); moto has none, so it cannot be read
    [profile_ref] = [v for v in exc.violations if v not in domain]
    assert (profile_ref.rule_id, profile_ref.path) == ("SM-REFERENCE", "UserProfileName")
    assert safemaker_local.request_count("sagemaker", "CreatePresignedDomainUrl") == 0


def test_StartInferenceExperiment_follows_its_variants_models(sm, raw):
    """moto lacks inference experiments: Stubber answers DescribeInferenceExperiment with the documented
    shape (botocore's model) naming a model moto holds, created open; DescribeModel is moto's own."""
    raw.create_model(ModelName="open-model", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMG})
    model = raw.describe_model(ModelName="open-model")
    model.pop("ResponseMetadata")
    experiment = {
        "Arn": "arn:aws:sagemaker:us-east-1:123456789012:inference-experiment/exp", "Name": "exp",
        "Type": "ShadowMode", "Status": "Created", "EndpointMetadata": {"EndpointName": "ep"},
        "ModelVariants": [{"ModelName": "open-model", "VariantName": "shadow", "Status": "Creating",
                           "InfrastructureConfig": {"InfrastructureType": "RealTimeInference",
                                                    "RealTimeInferenceConfig": {"InstanceType": "ml.m5.large",
                                                                                "InstanceCount": 1}}}]}
    with Stubber(sm) as stub:
        stub.add_response("describe_inference_experiment", experiment, {"Name": "exp"})
        stub.add_response("describe_model", model, {"ModelName": "open-model"})
        exc = _refused(sm.start_inference_experiment, Name="exp")
        stub.assert_no_pending_responses()
    paths = [v.path for v in exc.violations]
    assert ("Name -> DescribeInferenceExperiment(Name='exp').ModelVariants[0].ModelName -> "
            "DescribeModel(ModelName='open-model').EnableNetworkIsolation") in paths
