"""Every kind of operation the issue adds, through a guarded client on the local backend (moto, 127.0.0.1).

Asserted on what reached the server: refused calls send nothing (the backend's
request log), allowed calls store the injected fields (read back with the
Describe call), and referenced resources are checked with real Describe calls
on moto. Operations moto lacks (CreateUserProfile, CreateMonitoringSchedule,
CreateWorkforce, CreateInferenceComponent...) use botocore's Stubber for the
call itself; the Describe responses fed to it are moto's own.
"""

from __future__ import annotations

import pytest
import botocore.session
from botocore.stub import Stubber

from safemaker import hooks
from safemaker.errors import GuardrailViolation

from _profiles import IMG, ROLE, SG, SUB_A, SUB_C, VPC, VPC_CONFIG

MODEL = botocore.session.get_session().get_service_model("sagemaker")


@pytest.fixture
def sm(safemaker_session, profile):
    """A guarded SageMaker client (the guard installed on the session first)."""
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


# --------------------------------------------------------------------------- Studio


def test_CreateDomain_closed_session_stores_VpcOnly_vpc_subnets_and_both_default_groups(safemaker_local, sm):
    arn = sm.create_domain(DomainName="studio", AuthMode="IAM", DefaultUserSettings={"ExecutionRole": ROLE})[
        "DomainArn"]
    stored = sm.describe_domain(DomainId=arn.rsplit("/", 1)[1])
    assert stored["AppNetworkAccessType"] == "VpcOnly"
    assert stored["VpcId"] == VPC
    assert stored["SubnetIds"] == [SUB_A, SUB_C]
    assert stored["DefaultUserSettings"]["SecurityGroups"] == [SG]
    assert stored["DefaultSpaceSettings"]["SecurityGroups"] == [SG]


def test_CreateDomain_PublicInternetOnly_refused_and_nothing_sent(safemaker_local, sm):
    exc = _refused(sm.create_domain, DomainName="studio", AuthMode="IAM", AppNetworkAccessType="PublicInternetOnly",
                   DefaultUserSettings={"ExecutionRole": ROLE})
    assert [(v.path, v.found) for v in exc.violations] == [("AppNetworkAccessType", "PublicInternetOnly")]
    assert safemaker_local.request_count("sagemaker", "CreateDomain") == 0


def test_CreateUserProfile_in_a_public_domain_is_refused_through_DescribeDomain(safemaker_local, sm, raw):
    domain_id = raw.create_domain(DomainName="open", AuthMode="IAM", AppNetworkAccessType="PublicInternetOnly",
                                  DefaultUserSettings={"ExecutionRole": ROLE})["DomainArn"].rsplit("/", 1)[1]
    exc = _refused(sm.create_user_profile, DomainId=domain_id, UserProfileName="alice")
    assert exc.violations[0].path == (f"DomainId -> DescribeDomain(DomainId={domain_id!r}).AppNetworkAccessType")
    assert exc.violations[0].found == "PublicInternetOnly"
    assert safemaker_local.request_count("sagemaker", "DescribeDomain") == 1
    assert safemaker_local.request_count("sagemaker", "CreateUserProfile") == 0


def test_CreateUserProfile_in_a_closed_domain_is_sent_as_given(safemaker_local, sm, raw):
    """moto lacks CreateUserProfile: Stubber answers it, fed moto's own DescribeDomain response."""
    domain_id = sm.create_domain(DomainName="closed", AuthMode="IAM", DefaultUserSettings={"ExecutionRole": ROLE})[
        "DomainArn"].rsplit("/", 1)[1]
    description = raw.describe_domain(DomainId=domain_id)
    description.pop("ResponseMetadata")
    request = {"DomainId": domain_id, "UserProfileName": "alice", "UserSettings": {"SecurityGroups": [SG]}}
    with Stubber(sm) as stub:
        stub.add_response("describe_domain", description, {"DomainId": domain_id})
        stub.add_response("create_user_profile", {"UserProfileArn": "arn:aws:sagemaker:us-east-1:123456789012:"
                                                                    f"user-profile/{domain_id}/alice"}, request)
        sm.create_user_profile(**request)
        stub.assert_no_pending_responses()
    exc = _refused(sm.create_user_profile, DomainId=domain_id, UserProfileName="bob",
                   UserSettings={"SecurityGroups": ["sg-0123456789abcdef0"]})
    assert [(v.path, v.found) for v in exc.violations] == [("UserSettings.SecurityGroups[0]", "sg-0123456789abcdef0")]


# --------------------------------------------------------------------------- HyperPod


def _instance_group(name="workers", **extra):
    group = {"InstanceGroupName": name, "InstanceType": "ml.m5.large", "InstanceCount": 1, "ThreadsPerCore": 1,
             "ExecutionRole": ROLE, "LifeCycleConfig": {"SourceS3Uri": "s3://sagemaker-lifecycle/hp",
                                                        "OnCreate": "on_create.sh"}}
    group.update(extra)
    return group


def test_CreateCluster_closed_session_stores_the_cluster_vpc(safemaker_local, sm):
    sm.create_cluster(ClusterName="hp", InstanceGroups=[_instance_group()])
    stored = sm.describe_cluster(ClusterName="hp")
    assert stored["VpcConfig"] == VPC_CONFIG


def test_CreateCluster_instance_group_override_outside_the_profile_refused(safemaker_local, sm):
    bad = {"Subnets": ["subnet-0123456789abcdef0"], "SecurityGroupIds": [SG]}
    exc = _refused(sm.create_cluster, ClusterName="hp", VpcConfig=VPC_CONFIG,
                   InstanceGroups=[_instance_group(), _instance_group("gpu", OverrideVpcConfig=bad)])
    assert [(v.path, v.found) for v in exc.violations] == [
        ("InstanceGroups[1].OverrideVpcConfig.Subnets[0]", "subnet-0123456789abcdef0")]
    assert safemaker_local.request_count("sagemaker", "CreateCluster") == 0


def test_AttachClusterNodeNetworkInterface_is_always_refused(safemaker_local, sm):
    exc = _refused(sm.attach_cluster_node_network_interface, ClusterName="hp", NodeId="i-0123456789abcdef0",
                   NetworkInterfaceId="eni-0123456789abcdef0")
    assert [v.rule_id for v in exc.violations] == ["SM-UNSUPPORTED"]
    assert safemaker_local.request_count("sagemaker") == 0


# --------------------------------------------------------------------------- jobs


def test_CreateCompilationJob_closed_session_stores_the_vpc(safemaker_local, sm):
    sm.create_compilation_job(CompilationJobName="neo", RoleArn=ROLE,
                              InputConfig={"S3Uri": "s3://b/model.tar.gz", "Framework": "XGBOOST"},
                              OutputConfig={"S3OutputLocation": "s3://b/out", "TargetDevice": "ml_m5"},
                              StoppingCondition={"MaxRuntimeInSeconds": 900})
    assert sm.describe_compilation_job(CompilationJobName="neo")["VpcConfig"] == VPC_CONFIG


def test_CreateAutoMLJobV2_closed_session_stores_the_security_config(safemaker_local, sm):
    sm.create_auto_ml_job_v2(
        AutoMLJobName="automl", RoleArn=ROLE, OutputDataConfig={"S3OutputPath": "s3://b/o"},
        AutoMLJobInputDataConfig=[{"ChannelType": "training", "ContentType": "text/csv;header=present",
                                   "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/in"}}}],
        AutoMLProblemTypeConfig={"TabularJobConfig": {"TargetAttributeName": "y", "ProblemType": "Regression",
                                                      "CompletionCriteria": {"MaxCandidates": 2}}})
    stored = sm.describe_auto_ml_job_v2(AutoMLJobName="automl")["SecurityConfig"]
    assert stored == {"VpcConfig": VPC_CONFIG, "EnableInterContainerTrafficEncryption": True}


def test_CreateAutoMLJobV2_on_emr_serverless_refused(safemaker_local, sm):
    exc = _refused(sm.create_auto_ml_job_v2, AutoMLJobName="automl", RoleArn=ROLE,
                   OutputDataConfig={"S3OutputPath": "s3://b/o"},
                   AutoMLJobInputDataConfig=[{"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
                                                                              "S3Uri": "s3://b/in"}}}],
                   AutoMLProblemTypeConfig={"TabularJobConfig": {"TargetAttributeName": "y"}},
                   AutoMLComputeConfig={"EmrServerlessComputeConfig": {"ExecutionRoleARN": ROLE}})
    assert [(v.path, v.rule_id) for v in exc.violations] == [
        ("AutoMLComputeConfig.EmrServerlessComputeConfig", "SM-UNSUPPORTED")]
    assert safemaker_local.request_count("sagemaker", "CreateAutoMLJobV2") == 0


@pytest.mark.parametrize("deploy", [{"AutoGenerateEndpointName": True}, {"EndpointName": "best"}])
def test_CreateAutoMLJob_that_deploys_its_best_candidate_is_refused(safemaker_local, sm, deploy):
    # botocore's model: ModelDeployConfig is "an automatic one-click Autopilot model deployment": SageMaker
    # makes the model, endpoint config and endpoint itself; no member of it gives that model a network.
    shape = MODEL.shape_for("ModelDeployConfig")
    assert "one-click Autopilot model deployment" in shape.documentation
    assert set(shape.members) == {"AutoGenerateEndpointName", "EndpointName"}
    data = [{"ChannelType": "training", "ContentType": "text/csv;header=present",
             "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/in"}}}]
    exc = _refused(sm.create_auto_ml_job_v2, AutoMLJobName="automl", RoleArn=ROLE,
                   OutputDataConfig={"S3OutputPath": "s3://b/o"}, AutoMLJobInputDataConfig=data,
                   AutoMLProblemTypeConfig={"TabularJobConfig": {"TargetAttributeName": "y"}},
                   ModelDeployConfig=deploy)
    assert [(v.path, v.rule_id) for v in exc.violations] == [("ModelDeployConfig", "SM-UNSUPPORTED")]
    exc = _refused(sm.create_auto_ml_job, AutoMLJobName="automl1", RoleArn=ROLE,
                   OutputDataConfig={"S3OutputPath": "s3://b/o"}, ModelDeployConfig=deploy,
                   InputDataConfig=[{"DataSource": data[0]["DataSource"], "TargetAttributeName": "y"}])
    assert [(v.path, v.rule_id) for v in exc.violations] == [("ModelDeployConfig", "SM-UNSUPPORTED")]
    assert safemaker_local.request_count("sagemaker") == 0


def _data_quality(name, **extra):
    request = {
        "JobDefinitionName": name, "RoleArn": ROLE,
        "DataQualityAppSpecification": {"ImageUri": IMG},
        "DataQualityJobInput": {"EndpointInput": {"EndpointName": "ep", "LocalPath": "/opt/ml/processing/input"}},
        "DataQualityJobOutputConfig": {"MonitoringOutputs": [{"S3Output": {"S3Uri": "s3://b/o",
                                                                           "LocalPath": "/opt/ml/processing/output"}}]},
        "JobResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 10}},
        "StoppingCondition": {"MaxRuntimeInSeconds": 1800},
    }
    request.update(extra)
    return request


def test_CreateDataQualityJobDefinition_closed_session_stores_the_network_config(safemaker_local, sm):
    sm.create_data_quality_job_definition(**_data_quality("dq"))
    stored = sm.describe_data_quality_job_definition(JobDefinitionName="dq")["NetworkConfig"]
    assert stored == {"EnableNetworkIsolation": True, "EnableInterContainerTrafficEncryption": True,
                      "VpcConfig": VPC_CONFIG}


def test_CreateMonitoringSchedule_naming_an_open_definition_is_refused(safemaker_local, sm, raw):
    raw.create_data_quality_job_definition(**_data_quality("open-dq"))
    exc = _refused(sm.create_monitoring_schedule, MonitoringScheduleName="s", MonitoringScheduleConfig={
        "MonitoringJobDefinitionName": "open-dq", "MonitoringType": "DataQuality",
        "ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"}})
    via = ("MonitoringScheduleConfig.MonitoringJobDefinitionName -> "
           "DescribeDataQualityJobDefinition(JobDefinitionName='open-dq')")
    assert {v.path for v in exc.violations} == {f"{via}.NetworkConfig.EnableNetworkIsolation",
                                                f"{via}.NetworkConfig.VpcConfig",
                                                f"{via}.NetworkConfig.EnableInterContainerTrafficEncryption"}
    assert safemaker_local.request_count("sagemaker", "DescribeDataQualityJobDefinition") == 1


def test_CreateMonitoringSchedule_naming_a_closed_definition_is_sent(safemaker_local, sm, raw):
    """moto lacks CreateMonitoringSchedule: Stubber answers it, fed moto's DescribeDataQualityJobDefinition."""
    sm.create_data_quality_job_definition(**_data_quality("dq"))
    description = raw.describe_data_quality_job_definition(JobDefinitionName="dq")
    description.pop("ResponseMetadata")
    request = {"MonitoringScheduleName": "s", "MonitoringScheduleConfig": {
        "MonitoringJobDefinitionName": "dq", "MonitoringType": "DataQuality",
        "ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"}}}
    with Stubber(sm) as stub:
        stub.add_response("describe_data_quality_job_definition", description, {"JobDefinitionName": "dq"})
        stub.add_response("create_monitoring_schedule", {"MonitoringScheduleArn": "arn:aws:sagemaker:us-east-1:"
                                                                                  "123456789012:monitoring-schedule/s"},
                          request)
        sm.create_monitoring_schedule(**request)
        stub.assert_no_pending_responses()


def test_CreateWorkforce_closed_session_sends_the_workforce_vpc(sm):
    """moto lacks CreateWorkforce: the Stubber compares the final request, VpcId included, and the worker portal
    restricted to 10.0.0.0/16 (UpdateWorkforce's API reference: the value that restricts all workers on the public
    internet; test_workforce_portal.py reads it from botocore's model)."""
    expected = {"WorkforceName": "wf", "CognitoConfig": {"UserPool": "us-east-1_abc", "ClientId": "client"},
                "WorkforceVpcConfig": {**VPC_CONFIG, "VpcId": VPC}, "SourceIpConfig": {"Cidrs": ["10.0.0.0/16"]}}
    with Stubber(sm) as stub:
        stub.add_response("create_workforce", {"WorkforceArn": "arn:aws:sagemaker:us-east-1:123456789012:workforce/wf"},
                          expected)
        sm.create_workforce(WorkforceName="wf", CognitoConfig={"UserPool": "us-east-1_abc", "ClientId": "client"})
        stub.assert_no_pending_responses()


# --------------------------------------------------------------------------- references through several levels


def _closed_model(client, name):
    client.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMG},
                        EnableNetworkIsolation=True, VpcConfig=VPC_CONFIG)


def test_CreateEndpoint_refused_when_its_config_points_at_an_open_model(safemaker_local, sm, raw):
    raw.create_model(ModelName="open", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMG})
    raw.create_endpoint_config(EndpointConfigName="cfg", ProductionVariants=[
        {"VariantName": "v", "ModelName": "open", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}])
    exc = _refused(sm.create_endpoint, EndpointName="ep", EndpointConfigName="cfg")
    via = ("EndpointConfigName -> DescribeEndpointConfig(EndpointConfigName='cfg').ProductionVariants[0].ModelName"
           " -> DescribeModel(ModelName='open')")
    assert {v.path for v in exc.violations} == {f"{via}.EnableNetworkIsolation", f"{via}.VpcConfig"}
    assert safemaker_local.request_count("sagemaker", "CreateEndpoint") == 0


def test_CreateEndpoint_allowed_when_config_and_models_are_closed(safemaker_local, sm):
    _closed_model(sm, "closed")
    sm.create_endpoint_config(EndpointConfigName="cfg", ProductionVariants=[
        {"VariantName": "v", "ModelName": "closed", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}])
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="cfg")
    assert sm.describe_endpoint(EndpointName="ep")["EndpointConfigName"] == "cfg"
    # the model is described for the config and again for the endpoint: no description outlives its request
    # (was 1, a cached description reused: trial 15 F04, a model re-created open meanwhile passed)
    assert safemaker_local.request_count("sagemaker", "DescribeModel") == 2
    assert safemaker_local.request_count("sagemaker", "DescribeEndpointConfig") == 1


def test_CreateInferenceComponent_follows_endpoint_config_and_model_three_levels(safemaker_local, sm, raw):
    raw.create_model(ModelName="open", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMG})
    raw.create_endpoint_config(EndpointConfigName="cfg", ProductionVariants=[
        {"VariantName": "v", "ModelName": "open", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}])
    raw.create_endpoint(EndpointName="ep", EndpointConfigName="cfg")
    _closed_model(sm, "closed")
    exc = _refused(sm.create_inference_component, InferenceComponentName="ic", EndpointName="ep", VariantName="v",
                   Specification={"ModelName": "closed", "ComputeResourceRequirements": {"MinMemoryRequiredInMb": 1024}},
                   RuntimeConfig={"CopyCount": 1})
    assert [v.path for v in exc.violations] == [
        "EndpointName -> DescribeEndpoint(EndpointName='ep').EndpointConfigName -> DescribeEndpointConfig("
        "EndpointConfigName='cfg').ProductionVariants[0].ModelName -> DescribeModel(ModelName='open')."
        + f for f in ("EnableNetworkIsolation", "VpcConfig")]
    assert safemaker_local.request_count("sagemaker", "DescribeModel") == 2  # closed (spec), open (via endpoint)
