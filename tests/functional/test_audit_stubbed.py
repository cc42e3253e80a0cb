"""safemaker.audit for the types moto (5.2.5) cannot serve, through botocore's Stubber.

moto has no List/Describe for monitoring schedules, user profiles, workforces,
optimization, labeling and inference recommendations jobs, and its
CreateAutoMLJobV2 fails (HTTP 500), so these run against a real botocore
client whose calls are answered by ``botocore.stub.Stubber`` (the client's
endpoint is 127.0.0.1 and is never reached). Each test asserts the exact
requests (``expected_params``) and the exact findings; ``max_workers=1`` keeps
the order of calls deterministic.
"""

from __future__ import annotations

import datetime as dt

import botocore.session
import pytest
from botocore.stub import Stubber

from safemaker import audit
from safemaker.errors import MISSING

from _profiles import IMG, ROLE, SG, SG_OUT, SUB_A, SUB_C, VPC as VPC_ID, VPC_CONFIG as VPC_OK

ARN = "arn:aws:sagemaker:us-east-1:123456789012"
# A restricted worker portal (AWS, UpdateWorkforce: "To restrict access to all the workers in public internet,
# add the SourceIpConfig CIDR value as 10.0.0.0/16"): these tests are about the VPC; test_workforce_portal.py
# is about the portal.
PORTAL = {"Cidrs": ["10.0.0.0/16"]}
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
PAGE = {"MaxResults": 100}


@pytest.fixture
def stubbed():
    session = botocore.session.get_session()
    client = session.create_client("sagemaker", region_name="us-east-1", endpoint_url="http://127.0.0.1:1",
                                   aws_access_key_id="testing", aws_secret_access_key="testing")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def summary(findings):
    return sorted((f.resource_arn, f.rule_id, f.path, "absent" if f.found is MISSING else f.found, f.fix_action)
                  for f in findings)


def audit_type(profile, client, kind):
    return list(audit.run(profile, clients={"us-east-1": client}, resource_types=[kind], max_workers=1))


# --------------------------------------------------------------------------- monitoring schedules (F17)


def schedule_description(name, config):
    return {"MonitoringScheduleArn": f"{ARN}:monitoring-schedule/{name}", "MonitoringScheduleName": name,
            "MonitoringScheduleStatus": "Scheduled", "CreationTime": NOW, "LastModifiedTime": NOW,
            "MonitoringScheduleConfig": config}


def test_F17_monitoring_schedule_without_NetworkConfig_is_open(stubbed, profile):
    client, stub = stubbed
    stub.add_response("list_monitoring_schedules", {"MonitoringScheduleSummaries": [
        {"MonitoringScheduleName": n, "MonitoringScheduleArn": f"{ARN}:monitoring-schedule/{n}", "CreationTime": NOW,
         "LastModifiedTime": NOW, "MonitoringScheduleStatus": "Scheduled"} for n in ("inline", "by-name")]}, PAGE)
    # created without network settings: the description has no NetworkConfig at all
    stub.add_response("describe_monitoring_schedule", schedule_description("inline", {"MonitoringJobDefinition": {
        "MonitoringInputs": [{"EndpointInput": {"EndpointName": "e", "LocalPath": "/opt/ml/processing/input"}}],
        "MonitoringOutputConfig": {"MonitoringOutputs": [{"S3Output": {
            "S3Uri": "s3://b/o", "LocalPath": "/opt/ml/processing/output"}}]},
        "MonitoringResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large",
                                                  "VolumeSizeInGB": 10}},
        "MonitoringAppSpecification": {"ImageUri": IMG}, "RoleArn": ROLE}}),
        {"MonitoringScheduleName": "inline"})
    # a schedule that names a job definition is checked through it
    stub.add_response("describe_monitoring_schedule", schedule_description("by-name", {
        "MonitoringJobDefinitionName": "dq-closed", "MonitoringType": "DataQuality"}),
        {"MonitoringScheduleName": "by-name"})
    stub.add_response("describe_data_quality_job_definition", {
        "JobDefinitionArn": f"{ARN}:data-quality-job-definition/dq-closed", "JobDefinitionName": "dq-closed",
        "CreationTime": NOW, "DataQualityAppSpecification": {"ImageUri": IMG},
        "DataQualityJobInput": {"EndpointInput": {"EndpointName": "e", "LocalPath": "/opt/ml/processing/input"}},
        "DataQualityJobOutputConfig": {"MonitoringOutputs": [{"S3Output": {
            "S3Uri": "s3://b/o", "LocalPath": "/opt/ml/processing/output"}}]},
        "JobResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 10}},
        "RoleArn": ROLE, "NetworkConfig": {"EnableNetworkIsolation": True,
                                          "EnableInterContainerTrafficEncryption": True, "VpcConfig": VPC_OK}},
        {"JobDefinitionName": "dq-closed"})
    findings = audit_type(profile, client, "monitoring-schedule")
    arn = f"{ARN}:monitoring-schedule/inline"
    net = "MonitoringScheduleConfig.MonitoringJobDefinition.NetworkConfig"
    assert summary(findings) == [
        (arn, "SM-NET-ICTE", f"{net}.EnableInterContainerTrafficEncryption", "absent", "update"),
        (arn, "SM-NET-ISOLATION", f"{net}.EnableNetworkIsolation", "absent", "update"),
        (arn, "SM-NET-VPC", f"{net}.VpcConfig", "absent", "update"),
    ]
    iso = next(f for f in findings if f.rule_id == "SM-NET-ISOLATION")
    assert iso.related.security_hub == ("SageMaker.14",)
    assert iso.fix.startswith("Call UpdateMonitoringSchedule to correct")


# --------------------------------------------------------------------------- user profiles (and their domain)


def test_user_profile_security_groups_and_domain(stubbed, profile):
    client, stub = stubbed
    stub.add_response("list_user_profiles", {"UserProfiles": [
        {"DomainId": "d-1", "UserProfileName": n, "Status": "InService", "CreationTime": NOW} for n in ("open", "plain")]},
        PAGE)
    stub.add_response("describe_user_profile", {
        "DomainId": "d-1", "UserProfileName": "open", "UserProfileArn": f"{ARN}:user-profile/d-1/open",
        "UserSettings": {"ExecutionRole": ROLE, "SecurityGroups": [SG_OUT]}},
        {"DomainId": "d-1", "UserProfileName": "open"})
    stub.add_response("describe_domain", {
        "DomainId": "d-1", "DomainArn": f"{ARN}:domain/d-1", "AppNetworkAccessType": "VpcOnly", "VpcId": VPC_ID,
        "SubnetIds": [SUB_A, SUB_C], "DefaultUserSettings": {"SecurityGroups": [SG]},
        "DefaultSpaceSettings": {"SecurityGroups": [SG]}}, {"DomainId": "d-1"})
    # the domain's result is cached: one DescribeDomain for both profiles
    stub.add_response("describe_user_profile", {
        "DomainId": "d-1", "UserProfileName": "plain", "UserProfileArn": f"{ARN}:user-profile/d-1/plain"},
        {"DomainId": "d-1", "UserProfileName": "plain"})
    findings = audit_type(profile, client, "user-profile")
    assert summary(findings) == [
        (f"{ARN}:user-profile/d-1/open", "SM-NET-SG", "UserSettings.SecurityGroups[0]", SG_OUT, "update")]


def test_user_profile_in_an_open_domain_is_open(stubbed, profile):
    client, stub = stubbed
    stub.add_response("list_user_profiles", {"UserProfiles": [
        {"DomainId": "d-2", "UserProfileName": "u", "Status": "InService", "CreationTime": NOW}]}, PAGE)
    stub.add_response("describe_user_profile", {
        "DomainId": "d-2", "UserProfileName": "u", "UserProfileArn": f"{ARN}:user-profile/d-2/u"},
        {"DomainId": "d-2", "UserProfileName": "u"})
    stub.add_response("describe_domain", {  # F17: no AppNetworkAccessType in the description
        "DomainId": "d-2", "DomainArn": f"{ARN}:domain/d-2", "VpcId": VPC_ID, "SubnetIds": [SUB_A],
        "DefaultUserSettings": {"SecurityGroups": [SG]}, "DefaultSpaceSettings": {"SecurityGroups": [SG]}},
        {"DomainId": "d-2"})
    findings = audit_type(profile, client, "user-profile")
    assert summary(findings) == [
        (f"{ARN}:user-profile/d-2/u", "SM-STUDIO-VPCONLY",
         "DomainId -> DescribeDomain(DomainId='d-2').AppNetworkAccessType", "absent", "update")]
    assert findings[0].fix == "In the referenced domain: Call UpdateDomain to correct AppNetworkAccessType"


# --------------------------------------------------------------------------- workforces


def test_workforce_open_and_closed(stubbed, profile):
    client, stub = stubbed
    stub.add_response("list_workforces", {"Workforces": [
        {"WorkforceName": n, "WorkforceArn": f"{ARN}:workforce/{n}"} for n in ("open", "closed")]}, PAGE)
    stub.add_response("describe_workforce", {"Workforce": {"WorkforceName": "open",
                                                           "WorkforceArn": f"{ARN}:workforce/open",
                                                           "SourceIpConfig": PORTAL}},
                      {"WorkforceName": "open"})
    stub.add_response("describe_workforce", {"Workforce": {
        "WorkforceName": "closed", "WorkforceArn": f"{ARN}:workforce/closed", "SourceIpConfig": PORTAL,
        "WorkforceVpcConfig": {"VpcId": VPC_ID, "SecurityGroupIds": [SG], "Subnets": [SUB_A, SUB_C]}}},
        {"WorkforceName": "closed"})
    findings = audit_type(profile, client, "workforce")
    assert summary(findings) == [
        (f"{ARN}:workforce/open", "SM-NET-VPC", "Workforce.WorkforceVpcConfig", "absent", "update")]
    assert findings[0].fix.startswith("Call UpdateWorkforce to correct Workforce.WorkforceVpcConfig")


# --------------------------------------------------------------------------- jobs moto lacks


def optimization_description(name, **extra):
    return {"OptimizationJobArn": f"{ARN}:optimization-job/{name}", "OptimizationJobStatus": "COMPLETED",
            "CreationTime": NOW, "LastModifiedTime": NOW, "OptimizationJobName": name,
            "ModelSource": {"S3": {"S3Uri": "s3://b/model/"}}, "DeploymentInstanceType": "ml.g5.2xlarge",
            "OptimizationConfigs": [{"ModelQuantizationConfig": {"Image": IMG}}],
            "OutputConfig": {"S3OutputLocation": "s3://b/out/"}, "RoleArn": ROLE,
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600}, **extra}


def test_optimization_job_open_and_closed(stubbed, profile):
    client, stub = stubbed
    stub.add_response("list_optimization_jobs", {"OptimizationJobSummaries": [
        {"OptimizationJobName": n, "OptimizationJobArn": f"{ARN}:optimization-job/{n}", "CreationTime": NOW,
         "OptimizationJobStatus": "COMPLETED", "DeploymentInstanceType": "ml.g5.2xlarge",
         "OptimizationTypes": ["Quantization"]} for n in ("open", "closed")]}, PAGE)
    stub.add_response("describe_optimization_job", optimization_description("open"), {"OptimizationJobName": "open"})
    stub.add_response("describe_optimization_job", optimization_description("closed", VpcConfig=VPC_OK),
                      {"OptimizationJobName": "closed"})
    findings = audit_type(profile, client, "optimization-job")
    assert summary(findings) == [(f"{ARN}:optimization-job/open", "SM-NET-VPC", "VpcConfig", "absent", "recreate")]


def labeling_description(name, algorithms):
    return {"LabelingJobStatus": "Completed", "LabelCounters": {}, "CreationTime": NOW, "LastModifiedTime": NOW,
            "JobReferenceCode": "ref", "LabelingJobName": name, "LabelingJobArn": f"{ARN}:labeling-job/{name}",
            "InputConfig": {"DataSource": {"S3DataSource": {"ManifestS3Uri": "s3://b/manifest"}}},
            "OutputConfig": {"S3OutputPath": "s3://b/out"}, "RoleArn": ROLE,
            "HumanTaskConfig": {"WorkteamArn": f"{ARN}:workteam/private-crowd/team", "UiConfig": {
                "UiTemplateS3Uri": "s3://b/ui.html"}, "TaskTitle": "t", "TaskDescription": "d",
                "NumberOfHumanWorkersPerDataObject": 1, "TaskTimeLimitInSeconds": 60},
            "LabelingJobAlgorithmsConfig": algorithms}


def test_labeling_job_open_and_closed(stubbed, profile):
    client, stub = stubbed
    arn_algo = "arn:aws:sagemaker:us-east-1:027400017018:labeling-job-algorithm-specification/image-classification"
    stub.add_response("list_labeling_jobs", {"LabelingJobSummaryList": [
        {"LabelingJobName": n, "LabelingJobArn": f"{ARN}:labeling-job/{n}", "CreationTime": NOW,
         "LastModifiedTime": NOW, "LabelingJobStatus": "Completed", "LabelCounters": {},
         "WorkteamArn": f"{ARN}:workteam/private-crowd/team",
         "PreHumanTaskLambdaArn": "arn:aws:lambda:us-east-1:432418664414:function:PRE-ImageMultiClass"}
        for n in ("open", "closed")]}, PAGE)
    stub.add_response("describe_labeling_job", labeling_description("open", {
        "LabelingJobAlgorithmSpecificationArn": arn_algo}), {"LabelingJobName": "open"})
    # the work team is followed to its workforce (closed here), once for both jobs
    stub.add_response("describe_workteam", workteam_description("team", "closed"), {"WorkteamName": "team"})
    stub.add_response("describe_workforce", {"Workforce": {
        "WorkforceName": "closed", "WorkforceArn": f"{ARN}:workforce/closed", "SourceIpConfig": PORTAL,
        "WorkforceVpcConfig": {"VpcId": VPC_ID, "SecurityGroupIds": [SG], "Subnets": [SUB_A, SUB_C]}}},
        {"WorkforceName": "closed"})
    stub.add_response("describe_labeling_job", labeling_description("closed", {
        "LabelingJobAlgorithmSpecificationArn": arn_algo, "LabelingJobResourceConfig": {"VpcConfig": VPC_OK}}),
        {"LabelingJobName": "closed"})
    findings = audit_type(profile, client, "labeling-job")
    assert summary(findings) == [
        (f"{ARN}:labeling-job/open", "SM-NET-VPC", "LabelingJobAlgorithmsConfig.LabelingJobResourceConfig.VpcConfig",
         "absent", "recreate")]


def workteam_description(name, workforce, vpc_source_ip="Enabled"):
    return {"Workteam": {"WorkteamName": name, "WorkteamArn": f"{ARN}:workteam/private-crowd/{name}",
                         "MemberDefinitions": [{"CognitoMemberDefinition": {
                             "UserPool": "us-east-1_abc", "UserGroup": "g", "ClientId": "c"}}],
                         "Description": "d", "WorkforceArn": f"{ARN}:workforce/{workforce}",
                         "WorkerAccessConfiguration": {"S3Presign": {"IamPolicyConstraints": {
                             "VpcSourceIp": vpc_source_ip}}}}}


def test_labeling_jobs_whose_workers_are_outside_the_network(stubbed, profile):
    """The public crowd (no price), a Marketplace vendor and a private team of a workforce without
    WorkforceVpcConfig: each labeling job is reported; only the private team is described."""
    client, stub = stubbed
    teams = {"crowd": "arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default",
             "vendor": "arn:aws:sagemaker:us-east-1:394669845002:workteam/vendor-crowd/v",
             "private": f"{ARN}:workteam/private-crowd/open-team"}
    stub.add_response("list_labeling_jobs", {"LabelingJobSummaryList": [
        {"LabelingJobName": n, "LabelingJobArn": f"{ARN}:labeling-job/{n}", "CreationTime": NOW,
         "LastModifiedTime": NOW, "LabelingJobStatus": "Completed", "LabelCounters": {}, "WorkteamArn": arn,
         "PreHumanTaskLambdaArn": "arn:aws:lambda:us-east-1:432418664414:function:PRE-ImageMultiClass"}
        for n, arn in teams.items()]}, PAGE)
    for name, arn in teams.items():
        described = labeling_description(name, {})
        del described["LabelingJobAlgorithmsConfig"]
        described["HumanTaskConfig"]["WorkteamArn"] = arn
        stub.add_response("describe_labeling_job", described, {"LabelingJobName": name})
        if name == "private":
            stub.add_response("describe_workteam", workteam_description("open-team", "open"),
                              {"WorkteamName": "open-team"})
            stub.add_response("describe_workforce", {"Workforce": {"WorkforceName": "open",
                                                                   "WorkforceArn": f"{ARN}:workforce/open",
                                                           "SourceIpConfig": PORTAL}},
                              {"WorkforceName": "open"})
    findings = audit_type(profile, client, "labeling-job")
    assert summary(findings) == [
        (f"{ARN}:labeling-job/crowd", "SM-WORKTEAM", "HumanTaskConfig.WorkteamArn", teams["crowd"], "recreate"),
        (f"{ARN}:labeling-job/private", "SM-NET-VPC",
         "HumanTaskConfig.WorkteamArn -> DescribeWorkteam(WorkteamName='open-team').Workteam.WorkforceArn -> "
         "DescribeWorkforce(WorkforceName='open').Workforce.WorkforceVpcConfig", "absent", "update"),
        (f"{ARN}:labeling-job/vendor", "SM-WORKTEAM", "HumanTaskConfig.WorkteamArn", teams["vendor"], "recreate"),
    ]


def test_a_labeling_job_whose_team_s_presigned_urls_work_from_anywhere(stubbed, profile):
    """A private team of a closed workforce with VpcSourceIp Disabled (trial 6, F12): reported, fixable by
    UpdateWorkteam."""
    client, stub = stubbed
    stub.add_response("list_labeling_jobs", {"LabelingJobSummaryList": [
        {"LabelingJobName": "l", "LabelingJobArn": f"{ARN}:labeling-job/l", "CreationTime": NOW,
         "LastModifiedTime": NOW, "LabelingJobStatus": "Completed", "LabelCounters": {},
         "WorkteamArn": f"{ARN}:workteam/private-crowd/team",
         "PreHumanTaskLambdaArn": "arn:aws:lambda:us-east-1:432418664414:function:PRE-ImageMultiClass"}]}, PAGE)
    described = labeling_description("l", {})
    del described["LabelingJobAlgorithmsConfig"]
    stub.add_response("describe_labeling_job", described, {"LabelingJobName": "l"})
    stub.add_response("describe_workteam", workteam_description("team", "closed", "Disabled"),
                      {"WorkteamName": "team"})
    stub.add_response("describe_workforce", {"Workforce": {
        "WorkforceName": "closed", "WorkforceArn": f"{ARN}:workforce/closed", "SourceIpConfig": PORTAL,
        "WorkforceVpcConfig": {"VpcId": VPC_ID, "SecurityGroupIds": [SG], "Subnets": [SUB_A, SUB_C]}}},
        {"WorkforceName": "closed"})
    findings = audit_type(profile, client, "labeling-job")
    assert summary(findings) == [
        (f"{ARN}:labeling-job/l", "SM-WORKTEAM-PRESIGN",
         "HumanTaskConfig.WorkteamArn -> DescribeWorkteam(WorkteamName='team').Workteam.WorkerAccessConfiguration."
         "S3Presign.IamPolicyConstraints.VpcSourceIp", "Disabled", "update")]


def test_inference_recommendations_job_open_and_closed(stubbed, profile):
    client, stub = stubbed
    package = f"{ARN}:model-package/pkg/1"
    stub.add_response("list_inference_recommendations_jobs", {"InferenceRecommendationsJobs": [
        {"JobName": n, "JobDescription": "", "JobType": "Default", "JobArn": f"{ARN}:inference-recommendations-job/{n}",
         "Status": "COMPLETED", "CreationTime": NOW, "RoleArn": ROLE, "LastModifiedTime": NOW}
        for n in ("open", "closed")]}, PAGE)
    for name, vpc in (("open", None), ("closed", {"SecurityGroupIds": [SG], "Subnets": [SUB_A, SUB_C]})):
        config = {"ModelPackageVersionArn": package, **({"VpcConfig": vpc} if vpc else {})}
        stub.add_response("describe_inference_recommendations_job", {
            "JobName": name, "JobType": "Default", "JobArn": f"{ARN}:inference-recommendations-job/{name}",
            "RoleArn": ROLE, "Status": "COMPLETED", "CreationTime": NOW, "LastModifiedTime": NOW,
            "InputConfig": config}, {"JobName": name})
        if name != "open":
            continue  # the package both jobs name is described once (the audit's reference cache)
        # the model package is followed (trial 9 F05), as InputConfig.ModelName is followed to DescribeModel
        stub.add_response("describe_model_package", {
            "ModelPackageName": "pkg", "ModelPackageArn": package, "CreationTime": NOW,
            "ModelPackageStatus": "Completed", "ModelPackageStatusDetails": {"ValidationStatuses": []},
            "InferenceSpecification": {"Containers": [{"Image": "img:1"}], "SupportedContentTypes": ["text/csv"],
                                       "SupportedResponseMIMETypes": ["text/csv"]}},
            {"ModelPackageName": package})
    findings = audit_type(profile, client, "inference-recommendations-job")
    # a package deployed by Inference Recommender cannot be isolated (no isolation member in
    # RecommendationJobInputConfig nor in a model package): every such job is a finding
    assert summary(findings) == sorted([
        (f"{ARN}:inference-recommendations-job/open", "SM-NET-VPC", "InputConfig.VpcConfig", "absent", "recreate"),
        *((f"{ARN}:inference-recommendations-job/{n}", "SM-UNSUPPORTED", "InputConfig.ModelPackageVersionArn",
           package, "recreate") for n in ("open", "closed"))])


def test_automl_jobs_v1_and_v2_are_described_with_DescribeAutoMLJobV2(stubbed, profile):
    client, stub = stubbed
    stub.add_response("list_auto_ml_jobs", {"AutoMLJobSummaries": [
        {"AutoMLJobName": n, "AutoMLJobArn": f"{ARN}:automl-job/{n}", "AutoMLJobStatus": "Completed",
         "AutoMLJobSecondaryStatus": "Completed", "CreationTime": NOW, "LastModifiedTime": NOW}
        for n in ("open", "closed")]}, PAGE)
    for name, security in (("open", None), ("closed", {"VpcConfig": VPC_OK,
                                                      "EnableInterContainerTrafficEncryption": True})):
        stub.add_response("describe_auto_ml_job_v2", {
            "AutoMLJobName": name, "AutoMLJobArn": f"{ARN}:automl-job/{name}",
            "AutoMLJobInputDataConfig": [{"ChannelType": "training", "DataSource": {"S3DataSource": {
                "S3DataType": "S3Prefix", "S3Uri": "s3://b/in"}}}],
            "OutputDataConfig": {"S3OutputPath": "s3://b/out"}, "RoleArn": ROLE, "CreationTime": NOW,
            "LastModifiedTime": NOW, "AutoMLJobStatus": "Completed", "AutoMLJobSecondaryStatus": "Completed",
            **({"SecurityConfig": security} if security else {})}, {"AutoMLJobName": name})
    findings = audit_type(profile, client, "automl-job")  # alias of automl-job-v2
    arn = f"{ARN}:automl-job/open"
    assert summary(findings) == [
        (arn, "SM-NET-ICTE", "SecurityConfig.EnableInterContainerTrafficEncryption", "absent", "recreate"),
        (arn, "SM-NET-VPC", "SecurityConfig.VpcConfig", "absent", "recreate"),
    ]
    assert {f.resource_type for f in findings} == {"automl-job-v2"}


def flow_description(name, workteam_arn):
    return {"FlowDefinitionArn": f"{ARN}:flow-definition/{name}", "FlowDefinitionName": name,
            "FlowDefinitionStatus": "Active", "CreationTime": NOW, "RoleArn": ROLE,
            "OutputConfig": {"S3OutputPath": "s3://b/out"},
            "HumanLoopConfig": {"WorkteamArn": workteam_arn, "HumanTaskUiArn": f"{ARN}:human-task-ui/ui",
                                "TaskTitle": "t", "TaskDescription": "d", "TaskCount": 1}}


def test_flow_definitions_are_audited_like_labeling_jobs(stubbed, profile):
    """Amazon A2I flow definitions send human reviews to their work team: the public crowd, a private
    team of a workforce without WorkforceVpcConfig, and a team whose description names no workforce are
    reported; a private team of a closed workforce is not."""
    assert "flow-definition" in audit.audited_types()
    client, stub = stubbed
    teams = {"crowd": "arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default",
             "open": f"{ARN}:workteam/private-crowd/open-team",
             "closed": f"{ARN}:workteam/private-crowd/closed-team",
             "nameless": f"{ARN}:workteam/private-crowd/nameless-team"}
    stub.add_response("list_flow_definitions", {"FlowDefinitionSummaries": [
        {"FlowDefinitionName": n, "FlowDefinitionArn": f"{ARN}:flow-definition/{n}", "FlowDefinitionStatus": "Active",
         "CreationTime": NOW} for n in teams]}, PAGE)
    for name, arn in teams.items():
        stub.add_response("describe_flow_definition", flow_description(name, arn), {"FlowDefinitionName": name})
        if name in ("open", "closed"):
            stub.add_response("describe_workteam", workteam_description(f"{name}-team", name),
                              {"WorkteamName": f"{name}-team"})
            workforce = {"WorkforceName": name, "WorkforceArn": f"{ARN}:workforce/{name}", "SourceIpConfig": PORTAL}
            if name == "closed":
                workforce["WorkforceVpcConfig"] = {"VpcId": VPC_ID, "SecurityGroupIds": [SG], "Subnets": [SUB_A]}
            stub.add_response("describe_workforce", {"Workforce": workforce}, {"WorkforceName": name})
        elif name == "nameless":
            described = workteam_description("nameless-team", "x")
            del described["Workteam"]["WorkforceArn"]
            stub.add_response("describe_workteam", described, {"WorkteamName": "nameless-team"})
    findings = audit_type(profile, client, "flow-definition")
    assert [(f.resource_arn, f.rule_id, f.path, f.status) for f in sorted(findings, key=lambda f: f.resource_arn)] == [
        (f"{ARN}:flow-definition/crowd", "SM-WORKTEAM", "HumanLoopConfig.WorkteamArn", "FAIL"),
        (f"{ARN}:flow-definition/nameless", "SM-REFERENCE",
         "HumanLoopConfig.WorkteamArn -> DescribeWorkteam(WorkteamName='nameless-team').Workteam.WorkforceArn",
         "UNKNOWN"),  # cannot be checked: not assumed compliant
        (f"{ARN}:flow-definition/open", "SM-NET-VPC",
         "HumanLoopConfig.WorkteamArn -> DescribeWorkteam(WorkteamName='open-team').Workteam.WorkforceArn -> "
         "DescribeWorkforce(WorkforceName='open').Workforce.WorkforceVpcConfig", "FAIL"),
    ]


def test_work_teams_are_audited_on_their_own(stubbed, profile):
    """Trial 8 F12: a work team no labeling job or flow definition names is still read (ListWorkteams,
    DescribeWorkteam). botocore's model: WorkerAccessConfiguration.S3Presign.IamPolicyConstraints.VpcSourceIp
    Disabled lets the workers' presigned S3 URLs work from any IP address (the API reference, IamPolicyConstraints);
    Enabled limits them to the workforce's VPC. Each team's workforce is followed (its WorkforceVpcConfig)."""
    client, stub = stubbed
    teams = {"anywhere": ("closed", "Disabled"), "inside": ("closed", "Enabled"), "open-force": ("open", "Enabled")}
    assert set(client.meta.service_model.shape_for("EnabledOrDisabled").enum) == {"Enabled", "Disabled"}
    stub.add_response("list_workteams", {"Workteams": [
        workteam_description(n, force, ip)["Workteam"] for n, (force, ip) in teams.items()]}, PAGE)
    closed_force = {"Workforce": {"WorkforceName": "closed", "WorkforceArn": f"{ARN}:workforce/closed", "SourceIpConfig": PORTAL,
                                  "WorkforceVpcConfig": {"VpcId": VPC_ID, "SecurityGroupIds": [SG],
                                                         "Subnets": [SUB_A, SUB_C]}}}
    open_force = {"Workforce": {"WorkforceName": "open", "WorkforceArn": f"{ARN}:workforce/open",
                                                           "SourceIpConfig": PORTAL}}
    described = set()
    for name, (force, ip) in teams.items():
        stub.add_response("describe_workteam", workteam_description(name, force, ip), {"WorkteamName": name})
        if force not in described:
            described.add(force)
            stub.add_response("describe_workforce", closed_force if force == "closed" else open_force,
                              {"WorkforceName": force})
    findings = audit_type(profile, client, "workteam")
    assert [(arn, rule, found, action) for arn, rule, _path, found, action in summary(findings)] == [
        (f"{ARN}:workteam/private-crowd/anywhere", "SM-WORKTEAM-PRESIGN", "Disabled", "update"),
        (f"{ARN}:workteam/private-crowd/open-force", "SM-NET-VPC", "absent", "update"),
    ]
    by_rule = {f.rule_id: f for f in findings}
    assert by_rule["SM-WORKTEAM-PRESIGN"].path.endswith("S3Presign.IamPolicyConstraints.VpcSourceIp")
    assert "DescribeWorkforce(WorkforceName='open')" in by_rule["SM-NET-VPC"].path
