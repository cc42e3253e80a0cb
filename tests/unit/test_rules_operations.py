"""Guard semantics for every operation the issue adds: Studio, HyperPod, monitoring, AutoML,
Ground Truth, workforces, compilation/optimization/recommendation jobs, training sessions,
AI benchmark jobs, and the refused operations and fields.

Pure (no moto): ``decide`` / ``check`` / ``apply`` / ``check_description`` on request
and description dicts. Each case asserts the exact injected paths, request sent, or
violation (path, value found, rule ID).
"""

from __future__ import annotations

import copy

import pytest

from safemaker import guard
from safemaker.errors import MISSING, GuardrailViolation
from safemaker.guard import ResolvedReference
from safemaker.profile import VpcProfile
from safemaker.rules import RULES

from _profiles import IMG, ROLE, SG, SUB_A, SUB_C, SUB_OUT as SUB_X, VPC, VPC_CONFIG

SG_X = "sg-0fffffffffffffffff"[:20]  # not in the profile


@pytest.fixture(scope="module")
def kms_profile(profile: VpcProfile) -> VpcProfile:
    return profile.model_copy(update={"volume_kms_key_id": "alias/volume", "output_kms_key_id": "alias/output"})


# --------------------------------------------------------------------------- minimal requests

MONITORING_JOB = {
    "MonitoringInputs": [{"EndpointInput": {"EndpointName": "ep", "LocalPath": "/opt/ml/processing/input"}}],
    "MonitoringOutputConfig": {"MonitoringOutputs": [{"S3Output": {"S3Uri": "s3://b/o", "LocalPath": "/o"}}]},
    "MonitoringResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large",
                                              "VolumeSizeInGB": 10}},
    "MonitoringAppSpecification": {"ImageUri": IMG},
    "RoleArn": ROLE,
}


def monitoring_definition(kind: str) -> dict:
    return {
        "JobDefinitionName": "def",
        f"{kind}AppSpecification": {"ImageUri": IMG},
        f"{kind}JobInput": {"EndpointInput": {"EndpointName": "ep", "LocalPath": "/in"}},
        f"{kind}JobOutputConfig": {"MonitoringOutputs": [{"S3Output": {"S3Uri": "s3://b/o", "LocalPath": "/o"}}]},
        "JobResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 10}},
        "RoleArn": ROLE,
    }


REQUESTS: dict[str, dict] = {
    "CreateAutoMLJob": {
        "AutoMLJobName": "automl", "RoleArn": ROLE,
        "InputDataConfig": [{"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/in"}},
                             "TargetAttributeName": "y"}],
        "OutputDataConfig": {"S3OutputPath": "s3://b/out"},
    },
    "CreateAutoMLJobV2": {
        "AutoMLJobName": "automl2", "RoleArn": ROLE,
        "AutoMLJobInputDataConfig": [{"ChannelType": "training", "DataSource": {
            "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/in"}}}],
        "OutputDataConfig": {"S3OutputPath": "s3://b/out"},
        "AutoMLProblemTypeConfig": {"TabularJobConfig": {"TargetAttributeName": "y"}},
    },
    "CreateCompilationJob": {
        "CompilationJobName": "neo", "RoleArn": ROLE,
        "InputConfig": {"S3Uri": "s3://b/model.tar.gz", "Framework": "XGBOOST"},
        "OutputConfig": {"S3OutputLocation": "s3://b/out", "TargetDevice": "ml_m5"},
        "StoppingCondition": {"MaxRuntimeInSeconds": 900},
    },
    "CreateOptimizationJob": {
        "OptimizationJobName": "opt", "RoleArn": ROLE,
        "ModelSource": {"S3": {"S3Uri": "s3://b/model/"}},
        "DeploymentInstanceType": "ml.g5.xlarge",
        "OptimizationConfigs": [{"ModelQuantizationConfig": {"Image": IMG}}],
        "OutputConfig": {"S3OutputLocation": "s3://b/out"},
        "StoppingCondition": {"MaxRuntimeInSeconds": 900},
    },
    "CreateInferenceRecommendationsJob": {
        "JobName": "rec", "JobType": "Default", "RoleArn": ROLE, "InputConfig": {"ModelName": "closed-model"},
    },
    "CreateLabelingJob": {
        "LabelingJobName": "label", "LabelAttributeName": "label", "RoleArn": ROLE,
        "InputConfig": {"DataSource": {"S3DataSource": {"ManifestS3Uri": "s3://b/manifest"}}},
        "OutputConfig": {"S3OutputPath": "s3://b/out"},
        "LabelingJobAlgorithmsConfig": {"LabelingJobAlgorithmSpecificationArn":
                                        "arn:aws:sagemaker:us-east-1:027400017018:labeling-job-algorithm-specification/"
                                        "image-classification"},
        "HumanTaskConfig": {"WorkteamArn": "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/t",
                            "UiConfig": {"UiTemplateS3Uri": "s3://b/ui"}, "TaskTitle": "t", "TaskDescription": "d",
                            "NumberOfHumanWorkersPerDataObject": 1, "TaskTimeLimitInSeconds": 60,
                            "PreHumanTaskLambdaArn": "arn:aws:lambda:us-east-1:432418664414:function:PRE-x",
                            "AnnotationConsolidationConfig": {"AnnotationConsolidationLambdaArn":
                                                              "arn:aws:lambda:us-east-1:432418664414:function:ACS-x"}},
    },
    "CreateTrainingSession": {
        "TrainingSessionName": "sess", "RoleArn": ROLE, "LoraConfig": {"Rank": 8, "Alpha": 16},
        "ModelConfig": {"BaseModelArn": "arn:aws:sagemaker:us-east-1:aws:hub-content/x/Model/m/1"},
        "OutputConfig": {"S3Location": {"Path": "s3://b/out"}},
    },
    "CreateAIBenchmarkJob": {
        "AIBenchmarkJobName": "bench", "RoleArn": ROLE, "AIWorkloadConfigIdentifier": "wl",
        "BenchmarkTarget": {"Endpoint": {"Identifier": "ep"}}, "OutputConfig": {"S3OutputLocation": "s3://b/o"},
    },
    "CreateDataQualityJobDefinition": monitoring_definition("DataQuality"),
    "CreateModelQualityJobDefinition": monitoring_definition("ModelQuality"),
    "CreateModelBiasJobDefinition": monitoring_definition("ModelBias"),
    "CreateModelExplainabilityJobDefinition": monitoring_definition("ModelExplainability"),
    "CreateMonitoringSchedule": {
        "MonitoringScheduleName": "sched",
        "MonitoringScheduleConfig": {"MonitoringJobDefinition": copy.deepcopy(MONITORING_JOB)},
    },
    "CreateDomain": {
        "DomainName": "studio", "AuthMode": "IAM", "DefaultUserSettings": {"ExecutionRole": ROLE},
    },
    "CreateCluster": {
        "ClusterName": "hp",
        "InstanceGroups": [{"InstanceGroupName": "workers", "InstanceType": "ml.m5.large", "InstanceCount": 1,
                            "ExecutionRole": ROLE,
                            "LifeCycleConfig": {"SourceS3Uri": "s3://b/lc", "OnCreate": "on_create.sh"}}],
    },
    "CreateWorkforce": {"WorkforceName": "wf", "CognitoConfig": {"UserPool": "us-east-1_x", "ClientId": "c"}},
}

# What a closed session adds to each minimal request (default profile: no KMS keys).
INJECTED: dict[str, dict[str, object]] = {
    "CreateAutoMLJob": {
        "AutoMLJobConfig.SecurityConfig.VpcConfig": VPC_CONFIG,
        "AutoMLJobConfig.SecurityConfig.EnableInterContainerTrafficEncryption": True,
    },
    "CreateAutoMLJobV2": {
        "SecurityConfig.VpcConfig": VPC_CONFIG,
        "SecurityConfig.EnableInterContainerTrafficEncryption": True,
    },
    "CreateCompilationJob": {"VpcConfig": VPC_CONFIG},
    "CreateOptimizationJob": {"VpcConfig": VPC_CONFIG},
    "CreateInferenceRecommendationsJob": {"InputConfig.VpcConfig": VPC_CONFIG},
    "CreateLabelingJob": {"LabelingJobAlgorithmsConfig.LabelingJobResourceConfig.VpcConfig": VPC_CONFIG},
    "CreateTrainingSession": {"VpcConfig": VPC_CONFIG},
    "CreateAIBenchmarkJob": {"NetworkConfig.VpcConfig": VPC_CONFIG},
    **{
        f"Create{k}JobDefinition": {
            "NetworkConfig.EnableNetworkIsolation": True,
            "NetworkConfig.VpcConfig": VPC_CONFIG,
            "NetworkConfig.EnableInterContainerTrafficEncryption": True,
        }
        for k in ("DataQuality", "ModelQuality", "ModelBias", "ModelExplainability")
    },
    "CreateMonitoringSchedule": {
        "MonitoringScheduleConfig.MonitoringJobDefinition.NetworkConfig.EnableNetworkIsolation": True,
        "MonitoringScheduleConfig.MonitoringJobDefinition.NetworkConfig.VpcConfig": VPC_CONFIG,
        "MonitoringScheduleConfig.MonitoringJobDefinition.NetworkConfig.EnableInterContainerTrafficEncryption": True,
    },
    "CreateDomain": {
        "AppNetworkAccessType": "VpcOnly",
        "VpcId": VPC,
        "SubnetIds": [SUB_A, SUB_C],
        "DefaultUserSettings.SecurityGroups": [SG],
        "DefaultSpaceSettings.SecurityGroups": [SG],
    },
    "CreateCluster": {"VpcConfig": VPC_CONFIG},
    # AWS (UpdateWorkforce): "To restrict access to all the workers in public internet, add the SourceIpConfig CIDR
    # value as 10.0.0.0/16"
    "CreateWorkforce": {"WorkforceVpcConfig": {**VPC_CONFIG, "VpcId": VPC}, "SourceIpConfig": {"Cidrs": ["10.0.0.0/16"]}},
}


def _get(doc, dotted):
    for part in dotted.split("."):
        doc = doc[part]
    return doc


def _cases(op):
    return [(op, path, value) for path, value in INJECTED[op].items()]


@pytest.mark.parametrize("operation", sorted(INJECTED))
def test_absent_network_fields_are_injected(operation, profile):
    request = copy.deepcopy(REQUESTS[operation])
    d = guard.decide(operation, request, profile)
    assert d.violations == ()
    assert set(d.injected) == set(INJECTED[operation])
    for path, value in INJECTED[operation].items():
        assert _get(d.params, path) == value
    assert request == REQUESTS[operation]  # the input is never mutated


@pytest.mark.parametrize("operation", sorted(INJECTED))
def test_check_reports_every_absent_field_as_the_insecure_default(operation, profile):
    vs = guard.check(operation, REQUESTS[operation], profile)
    assert {(v.path, v.found) for v in vs} == {(p, MISSING) for p in INJECTED[operation]}


@pytest.mark.parametrize("operation", sorted(INJECTED))
def test_injected_request_is_compliant_as_given(operation, profile):
    sent = guard.apply(operation, REQUESTS[operation], profile)
    assert guard.check(operation, sent, profile) == []
    assert guard.decide(operation, sent, profile).injected == ()


KMS_INJECTED = {
    "CreateAutoMLJob": {"AutoMLJobConfig.SecurityConfig.VolumeKmsKeyId": "alias/volume",
                        "OutputDataConfig.KmsKeyId": "alias/output"},
    "CreateAutoMLJobV2": {"SecurityConfig.VolumeKmsKeyId": "alias/volume", "OutputDataConfig.KmsKeyId": "alias/output"},
    "CreateLabelingJob": {"LabelingJobAlgorithmsConfig.LabelingJobResourceConfig.VolumeKmsKeyId": "alias/volume",
                          "OutputConfig.KmsKeyId": "alias/output"},
    "CreateTrainingSession": {"OutputConfig.S3Location.KmsKeyArn": "alias/output"},
    "CreateDataQualityJobDefinition": {"JobResources.ClusterConfig.VolumeKmsKeyId": "alias/volume",
                                       "DataQualityJobOutputConfig.KmsKeyId": "alias/output"},
    "CreateMonitoringSchedule": {
        "MonitoringScheduleConfig.MonitoringJobDefinition.MonitoringResources.ClusterConfig.VolumeKmsKeyId":
            "alias/volume",
        "MonitoringScheduleConfig.MonitoringJobDefinition.MonitoringOutputConfig.KmsKeyId": "alias/output",
    },
    "CreateDomain": {"KmsKeyId": "alias/volume"},
}


@pytest.mark.parametrize("operation", sorted(KMS_INJECTED))
def test_profile_kms_keys_are_injected_where_the_action_has_kms_condition_keys(operation, kms_profile):
    d = guard.decide(operation, REQUESTS[operation], kms_profile)
    assert d.violations == ()
    assert set(d.injected) == set(INJECTED[operation]) | set(KMS_INJECTED[operation])
    for path, value in KMS_INJECTED[operation].items():
        assert _get(d.params, path) == value


# --------------------------------------------------------------------------- explicit values never overwritten


@pytest.mark.parametrize(
    "operation, path, bad, expected_path, found",
    [
        ("CreateAutoMLJobV2", "SecurityConfig", {"VpcConfig": {"Subnets": [SUB_X], "SecurityGroupIds": [SG]}},
         "SecurityConfig.VpcConfig.Subnets[0]", SUB_X),
        ("CreateAutoMLJob", "AutoMLJobConfig", {"SecurityConfig": {"EnableInterContainerTrafficEncryption": False}},
         "AutoMLJobConfig.SecurityConfig.EnableInterContainerTrafficEncryption", False),
        ("CreateCompilationJob", "VpcConfig", {"Subnets": [SUB_A], "SecurityGroupIds": []},
         "VpcConfig.SecurityGroupIds", []),
        ("CreateOptimizationJob", "VpcConfig", {"Subnets": [SUB_A, SUB_A], "SecurityGroupIds": [SG]},
         "VpcConfig.Subnets[1]", SUB_A),
        ("CreateInferenceRecommendationsJob", "InputConfig",
         {"ModelName": "m", "VpcConfig": {"SecurityGroupIds": [SG]}}, "InputConfig.VpcConfig.Subnets", MISSING),
        ("CreateTrainingSession", "VpcConfig", {"Subnets": [SUB_A], "SecurityGroupIds": [SG_X]},
         "VpcConfig.SecurityGroupIds[0]", SG_X),
        ("CreateAIBenchmarkJob", "NetworkConfig", {"VpcConfig": {"Subnets": [SUB_A]}},
         "NetworkConfig.VpcConfig.SecurityGroupIds", MISSING),
        ("CreateModelBiasJobDefinition", "NetworkConfig", {"EnableNetworkIsolation": False},
         "NetworkConfig.EnableNetworkIsolation", False),
        ("CreateCluster", "VpcConfig", {"Subnets": [SUB_X], "SecurityGroupIds": [SG]}, "VpcConfig.Subnets[0]",
         SUB_X),
        ("CreateWorkforce", "WorkforceVpcConfig", {**VPC_CONFIG, "VpcId": "vpc-0123456789abcdef0"},
         "WorkforceVpcConfig.VpcId", "vpc-0123456789abcdef0"),
        ("CreateWorkforce", "WorkforceVpcConfig", VPC_CONFIG, "WorkforceVpcConfig.VpcId", MISSING),
    ],
)
def test_explicit_conflicting_values_are_refused_not_overwritten(profile, operation, path, bad, expected_path,
                                                                  found):
    request = copy.deepcopy(REQUESTS[operation])
    request[path] = bad
    d = guard.decide(operation, request, profile)
    assert (expected_path, found) in [(v.path, v.found) for v in d.violations]
    with pytest.raises(GuardrailViolation) as exc:
        guard.apply(operation, request, profile)
    assert exc.value.operation == operation
    assert expected_path in str(exc.value)


def test_labeling_without_automated_labeling_has_no_vpc_to_set(profile):
    """Human-only labeling runs no SageMaker jobs: nothing injected, nothing refused."""
    request = copy.deepcopy(REQUESTS["CreateLabelingJob"])
    del request["LabelingJobAlgorithmsConfig"]
    d = guard.decide("CreateLabelingJob", request, profile)
    assert (d.injected, d.violations) == ((), ())


def test_labeling_with_the_public_crowd_is_refused(profile):
    request = copy.deepcopy(REQUESTS["CreateLabelingJob"])
    request["HumanTaskConfig"]["PublicWorkforceTaskPrice"] = {"AmountInUsd": {"Cents": 3}}
    d = guard.decide("CreateLabelingJob", request, profile)
    [v] = d.violations
    assert (v.path, v.rule_id, v.found) == ("HumanTaskConfig.PublicWorkforceTaskPrice", "SM-UNSUPPORTED",
                                            {"AmountInUsd": {"Cents": 3}})
    assert "public crowd" in v.fix and "Remove HumanTaskConfig.PublicWorkforceTaskPrice" in v.fix


def test_flow_definition_with_the_public_crowd_is_refused(profile):
    request = {"FlowDefinitionName": "f", "RoleArn": ROLE, "OutputConfig": {"S3OutputPath": "s3://b/o"},
               "HumanLoopConfig": {"WorkteamArn": "arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default",
                                   "HumanTaskUiArn": "arn:aws:sagemaker:us-east-1:123456789012:human-task-ui/u",
                                   "TaskTitle": "t", "TaskDescription": "d", "TaskCount": 1,
                                   "PublicWorkforceTaskPrice": {"AmountInUsd": {"Dollars": 0, "Cents": 1}}}}
    assert [(v.path, v.rule_id) for v in guard.check("CreateFlowDefinition", request, profile)] == [
        ("HumanLoopConfig.PublicWorkforceTaskPrice", "SM-UNSUPPORTED"), ("HumanLoopConfig.WorkteamArn", "SM-WORKTEAM")]
    # without a price the public crowd's work team still sends the data to workers on the internet
    del request["HumanLoopConfig"]["PublicWorkforceTaskPrice"]
    assert [(v.path, v.rule_id) for v in guard.check("CreateFlowDefinition", request, profile)] == [
        ("HumanLoopConfig.WorkteamArn", "SM-WORKTEAM")]
    request["HumanLoopConfig"]["WorkteamArn"] = "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/t"
    assert guard.check("CreateFlowDefinition", request, profile) == []


def test_automl_v2_on_emr_serverless_is_refused(profile):
    request = copy.deepcopy(REQUESTS["CreateAutoMLJobV2"])
    request["AutoMLComputeConfig"] = {"EmrServerlessComputeConfig": {"ExecutionRoleARN": ROLE}}
    vs = guard.decide("CreateAutoMLJobV2", request, profile).violations
    assert [(v.path, v.rule_id) for v in vs] == [("AutoMLComputeConfig.EmrServerlessComputeConfig",
                                                   "SM-UNSUPPORTED")]
    assert "EMR Serverless" in vs[0].fix


@pytest.mark.parametrize("operation", ["CreateJob", "AttachClusterNodeNetworkInterface"])
def test_operations_that_cannot_run_closed_are_always_refused(operation, profile):
    vs = guard.check(operation, {"anything": 1}, profile)
    assert [(v.path, v.rule_id) for v in vs] == [(operation, "SM-UNSUPPORTED")]
    assert vs[0].fix == RULES[operation].unsupported
    with pytest.raises(GuardrailViolation, match=f"{operation} refused"):
        guard.apply(operation, {}, profile)


# --------------------------------------------------------------------------- Studio


def test_domain_public_internet_only_is_refused(profile):
    request = {**REQUESTS["CreateDomain"], "AppNetworkAccessType": "PublicInternetOnly"}
    vs = guard.decide("CreateDomain", request, profile).violations
    assert [(v.path, v.found, v.rule_id) for v in vs] == [
        ("AppNetworkAccessType", "PublicInternetOnly", "SM-STUDIO-VPCONLY")]
    assert vs[0].message() == (
        "AppNetworkAccessType is 'PublicInternetOnly'; the profile requires 'VpcOnly'. "
        "Set AppNetworkAccessType to 'VpcOnly', or omit it so that the closed session injects it."
    )


def test_domain_groups_only_in_domain_settings_are_not_enough(profile):
    """Security groups must be in DefaultUserSettings AND DefaultSpaceSettings, not only DomainSettings."""
    request = {**REQUESTS["CreateDomain"], "AppNetworkAccessType": "VpcOnly", "VpcId": VPC,
               "SubnetIds": [SUB_A], "DomainSettings": {"SecurityGroupIds": [SG]}}
    vs = guard.check("CreateDomain", request, profile)
    assert {(v.path, v.found) for v in vs} == {("DefaultUserSettings.SecurityGroups", MISSING),
                                                ("DefaultSpaceSettings.SecurityGroups", MISSING)}
    d = guard.decide("CreateDomain", request, profile)
    assert d.violations == ()
    assert set(d.injected) == {"DefaultUserSettings.SecurityGroups", "DefaultSpaceSettings.SecurityGroups"}
    assert d.params["DomainSettings"] == {"SecurityGroupIds": [SG]}


def test_domain_foreign_vpc_subnets_and_groups_are_refused(profile):
    request = {**REQUESTS["CreateDomain"], "VpcId": "vpc-0123456789abcdef0", "SubnetIds": [SUB_A, SUB_X],
               "DomainSettings": {"SecurityGroupIds": [SG_X]},
               "DefaultSpaceSettings": {"SecurityGroups": [SG, SG]}}
    vs = guard.decide("CreateDomain", request, profile).violations
    assert {(v.path, v.found, v.rule_id) for v in vs} == {
        ("VpcId", "vpc-0123456789abcdef0", "SM-NET-VPCID"),
        ("SubnetIds[1]", SUB_X, "SM-NET-SUBNETS"),
        ("DomainSettings.SecurityGroupIds[0]", SG_X, "SM-NET-SG"),
        ("DefaultSpaceSettings.SecurityGroups[1]", SG, "SM-NET-SG"),
    }


def test_update_domain_needs_no_restatement_but_refuses_opening(profile):
    assert guard.decide("UpdateDomain", {"DomainId": "d-1"}, profile).violations == ()
    assert guard.decide("UpdateDomain", {"DomainId": "d-1"}, profile).injected == ()
    vs = guard.check("UpdateDomain", {"DomainId": "d-1", "AppNetworkAccessType": "PublicInternetOnly",
                                      "DefaultUserSettings": {"SecurityGroups": []},
                                      "DomainSettingsForUpdate": {"SecurityGroupIds": [SG_X]}}, profile)
    assert [(v.path, v.found) for v in vs] == [
        ("AppNetworkAccessType", "PublicInternetOnly"),
        ("DefaultUserSettings.SecurityGroups", []),
        ("DomainSettingsForUpdate.SecurityGroupIds[0]", SG_X),
    ]


def test_user_profile_groups_inside_the_profile_absent_inherits_the_domain(profile):
    base = {"DomainId": "d-1", "UserProfileName": "alice"}
    d = guard.decide("CreateUserProfile", base, profile)
    assert (d.injected, d.violations) == ((), ())
    assert d.references == (ResolvedReference("DomainId", "domain", "d-1"),)
    vs = guard.check("CreateUserProfile", {**base, "UserSettings": {"SecurityGroups": [SG, SG_X]}}, profile)
    assert [(v.path, v.found) for v in vs] == [("UserSettings.SecurityGroups[1]", SG_X)]
    vs = guard.check("UpdateUserProfile", {**base, "UserSettings": {"SecurityGroups": [SG_X]}}, profile)
    assert [(v.path, v.found) for v in vs] == [("UserSettings.SecurityGroups[0]", SG_X)]


def test_spaces_are_checked_through_their_domain(profile):
    d = guard.decide("CreateSpace", {"DomainId": "d-1", "SpaceName": "s"}, profile)
    assert d.references == (ResolvedReference("DomainId", "domain", "d-1"),)


def test_apps_are_checked_through_their_domain_and_the_space_or_user_profile_they_name(profile):
    """Trial 8 F04: CreateApp's SpaceName / UserProfileName (botocore: the space or user the app runs for)."""
    d = guard.decide("CreateApp", {"DomainId": "d-1", "SpaceName": "s", "AppType": "JupyterLab", "AppName": "a"},
                     profile)
    assert d.references == (ResolvedReference("DomainId", "domain", "d-1"), ResolvedReference("SpaceName", "space", "s"))
    d = guard.decide("CreateApp", {"DomainId": "d-1", "UserProfileName": "u", "AppType": "JupyterLab",
                                   "AppName": "a"}, profile)
    assert d.references == (ResolvedReference("DomainId", "domain", "d-1"),
                            ResolvedReference("UserProfileName", "user-profile", "u"))


# --------------------------------------------------------------------------- HyperPod


def test_cluster_instance_group_override_is_optional_and_checked_when_present(profile):
    request = copy.deepcopy(REQUESTS["CreateCluster"])
    request["VpcConfig"] = VPC_CONFIG
    request["InstanceGroups"].append({**request["InstanceGroups"][0], "InstanceGroupName": "gpu",
                                      "OverrideVpcConfig": {"Subnets": [SUB_C], "SecurityGroupIds": [SG]}})
    request["RestrictedInstanceGroups"] = [{"InstanceGroupName": "r", "InstanceType": "ml.m5.large",
                                            "InstanceCount": 1, "ExecutionRole": ROLE,
                                            "OverrideVpcConfig": {"Subnets": [SUB_X], "SecurityGroupIds": [SG]}}]
    d = guard.decide("CreateCluster", request, profile)
    assert d.injected == ()
    assert [(v.path, v.found) for v in d.violations] == [
        ("RestrictedInstanceGroups[0].OverrideVpcConfig.Subnets[0]", SUB_X)]


def test_update_cluster_checks_overrides_only(profile):
    ok = {"ClusterName": "hp", "InstanceGroups": [{"InstanceGroupName": "w", "InstanceType": "ml.m5.large",
                                                   "InstanceCount": 2, "ExecutionRole": ROLE}]}
    assert guard.decide("UpdateCluster", ok, profile).violations == ()
    bad = copy.deepcopy(ok)
    bad["InstanceGroups"][0]["OverrideVpcConfig"] = {"Subnets": [SUB_A], "SecurityGroupIds": []}
    bad["InstanceGroups"][0]["ExecutionRole"] = "arn:aws:iam::123456789012:role/Admin"
    vs = guard.check("UpdateCluster", bad, profile)
    assert {(v.path, v.rule_id) for v in vs} == {
        ("InstanceGroups[0].OverrideVpcConfig.SecurityGroupIds", "SM-NET-VPC"),
        ("InstanceGroups[0].ExecutionRole", "SM-IAM-ROLE"),
    }


# --------------------------------------------------------------------------- monitoring


def test_schedule_naming_a_definition_is_checked_through_it(profile):
    for kind, resource in (("DataQuality", "data-quality-job-definition"),
                           ("ModelBias", "model-bias-job-definition"),
                           ("ModelQuality", "model-quality-job-definition"),
                           ("ModelExplainability", "model-explainability-job-definition")):
        request = {"MonitoringScheduleName": "s", "MonitoringScheduleConfig": {
            "MonitoringJobDefinitionName": "def", "MonitoringType": kind}}
        d = guard.decide("CreateMonitoringSchedule", request, profile)
        assert (d.injected, d.violations) == ((), ())
        assert d.references == (ResolvedReference("MonitoringScheduleConfig.MonitoringJobDefinitionName",
                                                  resource, "def"),)


def test_update_schedule_replaces_the_whole_job_definition(profile):
    """UpdateMonitoringSchedule replaces MonitoringScheduleConfig: an inline definition without
    NetworkConfig means no isolation and no VPC, so it is refused (nothing injected on updates)."""
    request = {"MonitoringScheduleName": "s",
               "MonitoringScheduleConfig": {"MonitoringJobDefinition": copy.deepcopy(MONITORING_JOB)}}
    d = guard.decide("UpdateMonitoringSchedule", request, profile)
    assert d.injected == ()
    prefix = "MonitoringScheduleConfig.MonitoringJobDefinition.NetworkConfig."
    assert {(v.path, v.found) for v in d.violations} == {
        (prefix + "EnableNetworkIsolation", MISSING), (prefix + "VpcConfig", MISSING),
        (prefix + "EnableInterContainerTrafficEncryption", MISSING)}
    # ...while an update that only re-points the schedule to a named definition needs nothing restated
    named = {"MonitoringScheduleName": "s", "MonitoringScheduleConfig": {
        "MonitoringJobDefinitionName": "def", "MonitoringType": "ModelQuality"}}
    d = guard.decide("UpdateMonitoringSchedule", named, profile)
    assert d.violations == ()
    assert [r.resource for r in d.references] == ["model-quality-job-definition"]


# --------------------------------------------------------------------------- references


@pytest.mark.parametrize(
    "operation, request_, expected",
    [
        ("CreateEndpoint", {"EndpointName": "e", "EndpointConfigName": "c"},
         [("EndpointConfigName", "endpoint-config", "c")]),
        ("UpdateEndpoint", {"EndpointName": "e", "EndpointConfigName": "c2"},
         [("EndpointConfigName", "endpoint-config", "c2")]),
        ("CreateInferenceComponent", {"InferenceComponentName": "ic", "EndpointName": "e",
                                      "Specification": {"ModelName": "m"}},
         [("Specification.ModelName", "model", "m"), ("EndpointName", "endpoint", "e")]),
        ("UpdateInferenceComponent", {"InferenceComponentName": "ic",
                                      "Specifications": [{"ModelName": "m1"}, {"ModelName": "m2"}]},
         # the component itself too: its endpoint's config counts (trial 7: a new container image was sent unchecked)
         [("InferenceComponentName", "inference-component", "ic"),
          ("Specifications[0].ModelName", "model", "m1"), ("Specifications[1].ModelName", "model", "m2")]),
        ("CreateInferenceExperiment", {"Name": "x", "Type": "ShadowMode", "RoleArn": ROLE, "EndpointName": "e",
                                       "ModelVariants": [{"ModelName": "m", "VariantName": "v"}]},
         [("ModelVariants[0].ModelName", "model", "m")]),
        ("CreateOptimizationJob", {**REQUESTS["CreateOptimizationJob"],
                                   "ModelSource": {"SageMakerModel": {"ModelName": "m"}}},
         [("ModelSource.SageMakerModel.ModelName", "model", "m")]),
        ("CreateInferenceRecommendationsJob", REQUESTS["CreateInferenceRecommendationsJob"],
         [("InputConfig.ModelName", "model", "closed-model")]),
        ("CreateEndpointConfig", {"EndpointConfigName": "c", "ProductionVariants": [
            {"VariantName": "v", "ModelName": "m", "InstancePools": [{"ModelNameOverride": "m2"}]}]},
         [("ProductionVariants[0].ModelName", "model", "m"),
          ("ProductionVariants[0].InstancePools[0].ModelNameOverride", "model", "m2")]),
    ],
)
def test_references_are_resolved_for_describe_checks(operation, request_, expected, profile):
    d = guard.decide(operation, request_, profile)
    assert [(r.path, r.resource, r.name) for r in d.references] == expected


# --------------------------------------------------------------------------- existing resources (F17)


def test_domain_description_without_app_network_access_type_is_non_compliant(profile):
    """F17: a domain description may lack AppNetworkAccessType: absent is PublicInternetOnly."""
    description = {"DomainId": "d-1", "VpcId": VPC, "SubnetIds": [SUB_A],
                   "DefaultUserSettings": {"SecurityGroups": [SG]}, "DefaultSpaceSettings": {"SecurityGroups": [SG]}}
    vs = guard.check_resource("domain", description, profile)
    assert [(v.path, v.found, v.rule_id) for v in vs] == [("AppNetworkAccessType", MISSING, "SM-STUDIO-VPCONLY")]
    assert guard.check_resource("domain", {**description, "AppNetworkAccessType": "VpcOnly"}, profile) == []


def test_schedule_description_without_network_config_is_non_compliant(profile):
    """F17: a monitoring schedule created without network settings has no NetworkConfig."""
    description = {"MonitoringScheduleName": "s", "MonitoringScheduleConfig": {
        "MonitoringJobDefinition": copy.deepcopy(MONITORING_JOB)}}
    vs = guard.check_resource("monitoring-schedule", description, profile)
    prefix = "MonitoringScheduleConfig.MonitoringJobDefinition.NetworkConfig."
    assert {(v.path, v.found) for v in vs} == {(prefix + "EnableNetworkIsolation", MISSING),
                                                (prefix + "VpcConfig", MISSING),
                                                (prefix + "EnableInterContainerTrafficEncryption", MISSING)}


def test_workforce_and_training_session_descriptions_use_their_describe_anchor(profile):
    wf = {"Workforce": {"WorkforceName": "wf", "WorkforceArn": "arn:aws:sagemaker:us-east-1:123456789012:workforce/wf",
                        "WorkforceVpcConfig": {"VpcId": VPC, "Subnets": [SUB_A], "SecurityGroupIds": [SG],
                                               "VpcEndpointId": "vpce-0123456789abcdef0"},
                        "SourceIpConfig": {"Cidrs": ["10.0.0.0/16"]}}}
    assert guard.check_resource("workforce", wf, profile) == []
    wf["Workforce"]["WorkforceVpcConfig"]["VpcId"] = "vpc-0123456789abcdef0"
    assert [v.path for v in guard.check_resource("workforce", wf, profile)] == ["Workforce.WorkforceVpcConfig.VpcId"]
    session = {"TrainingSessionDetail": {"TrainingSessionName": "s"}}
    vs = guard.check_description("CreateTrainingSession", session, profile)
    assert [(v.path, v.found) for v in vs] == [("TrainingSessionDetail.VpcConfig", MISSING)]


def test_refused_operation_descriptions_are_reported(profile):
    vs = guard.check_description("AttachClusterNodeNetworkInterface", {}, profile)
    assert [v.rule_id for v in vs] == ["SM-UNSUPPORTED"]


def test_describing_a_public_crowd_labeling_job_says_recreate(profile):
    description = {"LabelingJobName": "l", "HumanTaskConfig": {"PublicWorkforceTaskPrice": {"AmountInUsd": {}}}}
    [v] = guard.check_resource("labeling-job", description, profile)
    assert v.fix.startswith("Recreate the resource without HumanTaskConfig.PublicWorkforceTaskPrice")


# --------------------------------------------------------------------------- field report F15


def test_F15_tuning_job_without_vpc_is_guarded_like_training(profile):
    """F15: a deny naming only CreateTrainingJob and CreateModel lets CreateHyperParameterTuningJob
    through without a VPC; the guard covers it with the same rules."""
    request = {"HyperParameterTuningJobName": "hpo", "HyperParameterTuningJobConfig": {
        "Strategy": "Bayesian", "ResourceLimits": {"MaxNumberOfTrainingJobs": 2, "MaxParallelTrainingJobs": 1}},
        "TrainingJobDefinition": {"AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"},
                                  "RoleArn": ROLE, "OutputDataConfig": {"S3OutputPath": "s3://b/o"},
                                  "StoppingCondition": {"MaxRuntimeInSeconds": 60}}}
    assert {(v.path, v.found) for v in guard.check("CreateHyperParameterTuningJob", request, profile)} == {
        ("TrainingJobDefinition.EnableNetworkIsolation", MISSING), ("TrainingJobDefinition.VpcConfig", MISSING),
        ("TrainingJobDefinition.EnableInterContainerTrafficEncryption", MISSING)}
    sent = guard.apply("CreateHyperParameterTuningJob", request, profile)
    assert sent["TrainingJobDefinition"]["VpcConfig"] == VPC_CONFIG
    assert sent["TrainingJobDefinition"]["EnableNetworkIsolation"] is True
