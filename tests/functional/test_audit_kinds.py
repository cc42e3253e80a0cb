"""The kinds the audit reads since trial 6 F02: every resource kind the guard has rules for.

Spaces, apps, training sessions, AI benchmark jobs, algorithms and the kinds whose creation is refused
outright (AI recommendation jobs, jobs, Partner AI Apps, projects, inference routers, global inference
gateways) are neither created nor listed by moto 5.2.5: their List and Describe calls are answered by
``botocore.stub.Stubber`` (which validates every response against botocore's output shape, and every
request against ``expected_params``). Model packages are served by moto, on the local backend over real
HTTP. Expected values come from botocore's model (enums, shapes) and the AWS API reference (ARN formats).
"""

from __future__ import annotations

import datetime as dt

import botocore.session
import pytest

from safemaker import audit
from safemaker.resources import RESOURCES
from safemaker.rules_classification import OperationClass, classification

from _profiles import IMG, ROLE, SG, SUB_A, SUB_C, SUB_OUT, VPC as VPC_ID, VPC_CONFIG as VPC_OK

from test_audit_stubbed import ARN, NOW, PAGE, stubbed, summary  # noqa: F401  (stubbed: fixture)

MODEL = botocore.session.get_session().get_service_model("sagemaker")


def audit_type(profile, client, kind, **kw):
    stats = audit.AuditStats()
    findings = list(audit.run(profile, clients={"us-east-1": client}, resource_types=[kind], max_workers=1,
                              stats=stats, **kw))
    return findings, stats


CLOSED_DOMAIN = {"DomainId": "d-1", "DomainArn": f"{ARN}:domain/d-1", "AppNetworkAccessType": "VpcOnly",
                 "VpcId": VPC_ID, "SubnetIds": [SUB_A, SUB_C], "DefaultUserSettings": {"SecurityGroups": [SG]},
                 "DefaultSpaceSettings": {"SecurityGroups": [SG]}}


# --------------------------------------------------------------------------- Studio spaces and apps


def space_description(name, settings):
    return {"DomainId": "d-1", "SpaceName": name, "SpaceArn": f"{ARN}:space/d-1/{name}", "Status": "InService",
            "CreationTime": NOW, **({"SpaceSettings": settings} if settings is not None else {})}


def test_space_with_remote_access_is_found(stubbed, profile):
    """SpaceSettings.RemoteAccess ENABLED (botocore's enum) reaches the space from outside the network;
    DISABLED and absent (the AWS default, off) do not. Each space's domain is followed (described once)."""
    client, stub = stubbed
    spaces = {"remote": {"AppType": "JupyterLab", "RemoteAccess": "ENABLED"},
              "off": {"AppType": "JupyterLab", "RemoteAccess": "DISABLED"}, "plain": None}
    assert {"ENABLED", "DISABLED"} == set(MODEL.shape_for("FeatureStatus").enum)
    stub.add_response("list_spaces", {"Spaces": [{"DomainId": "d-1", "SpaceName": n, "Status": "InService",
                                                  "CreationTime": NOW} for n in spaces]}, PAGE)
    for i, (name, settings) in enumerate(spaces.items()):
        stub.add_response("describe_space", space_description(name, settings), {"DomainId": "d-1", "SpaceName": name})
        if i == 0:
            stub.add_response("describe_domain", CLOSED_DOMAIN, {"DomainId": "d-1"})
    findings, stats = audit_type(profile, client, "space")
    assert summary(findings) == [
        (f"{ARN}:space/d-1/remote", "SM-REMOTE-ACCESS", "SpaceSettings.RemoteAccess", "ENABLED", "update")]
    assert findings[0].fix.startswith("Call UpdateSpace to correct SpaceSettings.RemoteAccess")
    assert stats.calls == {"ListSpaces": 1, "DescribeSpace": 3, "DescribeDomain": 1}


def test_space_in_an_open_domain_is_found_through_it(stubbed, profile):
    client, stub = stubbed
    stub.add_response("list_spaces", {"Spaces": [{"DomainId": "d-2", "SpaceName": "s"}]}, PAGE)
    stub.add_response("describe_space", {**space_description("s", None), "DomainId": "d-2",
                                         "SpaceArn": f"{ARN}:space/d-2/s"}, {"DomainId": "d-2", "SpaceName": "s"})
    stub.add_response("describe_domain", {**CLOSED_DOMAIN, "DomainId": "d-2", "AppNetworkAccessType": "PublicInternetOnly"},
                      {"DomainId": "d-2"})
    findings, _ = audit_type(profile, client, "space")
    assert summary(findings) == [
        (f"{ARN}:space/d-2/s", "SM-STUDIO-VPCONLY", "DomainId -> DescribeDomain(DomainId='d-2').AppNetworkAccessType",
         "PublicInternetOnly", "update")]


def test_apps_are_checked_through_their_domain_from_the_list_alone(stubbed, profile):
    """An app has no network settings of its own (CreateApp's rule: its DomainId): ListApps' summary names the
    domain, so no DescribeApp is sent; a Deleted app (botocore's AppStatus enum) no longer exists. The ARN is
    built as the Service Authorization Reference writes it: app/<domain>/<user profile or space>/<type>/<name>."""
    client, stub = stubbed
    assert "Deleted" in MODEL.shape_for("AppStatus").enum
    stub.add_response("list_apps", {"Apps": [
        {"DomainId": "d-3", "UserProfileName": "u", "AppType": "JupyterServer", "AppName": "default",
         "Status": "InService"},
        {"DomainId": "d-3", "SpaceName": "s", "AppType": "JupyterLab", "AppName": "default", "Status": "InService"},
        {"DomainId": "d-3", "UserProfileName": "u", "AppType": "KernelGateway", "AppName": "gone",
         "Status": "Deleted"}]}, PAGE)
    stub.add_response("describe_domain", {**CLOSED_DOMAIN, "DomainId": "d-3", "AppNetworkAccessType": "PublicInternetOnly"},
                      {"DomainId": "d-3"})
    findings, stats = audit_type(profile, client, "app")
    path = "DomainId -> DescribeDomain(DomainId='d-3').AppNetworkAccessType"
    assert summary(findings) == [
        (f"{ARN}:app/d-3/s/JupyterLab/default", "SM-STUDIO-VPCONLY", path, "PublicInternetOnly", "update"),
        (f"{ARN}:app/d-3/u/JupyterServer/default", "SM-STUDIO-VPCONLY", path, "PublicInternetOnly", "update")]
    assert stats.calls == {"ListApps": 1, "DescribeDomain": 1}
    assert "sagemaker:DescribeApp" not in audit.required_actions(["app"])
    assert "sagemaker:DescribeDomain" in audit.required_actions(["app"])


# --------------------------------------------------------------------------- training sessions, AI benchmark jobs


def session_detail(name, **extra):
    return {"TrainingSessionDetail": {"TrainingSessionArn": f"{ARN}:training-session/{name}",
                                      "TrainingSessionName": name, "TrainingSessionStatus": "Running",
                                      "CreationTime": NOW, **extra}}


def test_training_sessions_are_described_by_the_name_in_their_arn(stubbed, profile):
    """ListTrainingSessions' summaries carry only the ARN; DescribeTrainingSession takes the name. The rule
    reads the description under TrainingSessionDetail (CreateTrainingSession's describe anchor)."""
    client, stub = stubbed
    names = ("open", "outside", "closed")
    stub.add_response("list_training_sessions", {"TrainingSessionSummaries": [
        {"TrainingSessionArn": f"{ARN}:training-session/{n}", "TrainingSessionStatus": "Running",
         "CreationTime": NOW} for n in names]}, PAGE)
    stub.add_response("describe_training_session", session_detail("open"), {"TrainingSessionName": "open"})
    stub.add_response("describe_training_session",
                      session_detail("outside", VpcConfig={"Subnets": [SUB_OUT], "SecurityGroupIds": [SG]}),
                      {"TrainingSessionName": "outside"})
    stub.add_response("describe_training_session", session_detail("closed", VpcConfig=VPC_OK),
                      {"TrainingSessionName": "closed"})
    findings, stats = audit_type(profile, client, "training-session")
    # botocore has no UpdateTrainingSession: the fix is to recreate
    assert "UpdateTrainingSession" not in MODEL.operation_names
    assert summary(findings) == [
        (f"{ARN}:training-session/open", "SM-NET-VPC", "TrainingSessionDetail.VpcConfig", "absent", "recreate"),
        (f"{ARN}:training-session/outside", "SM-NET-VPC", "TrainingSessionDetail.VpcConfig.Subnets[0]", SUB_OUT,
         "recreate")]
    assert stats.calls == {"ListTrainingSessions": 1, "DescribeTrainingSession": 3}


def test_training_sessions_active_only_and_since_filter_on_the_server(stubbed, profile):
    client, stub = stubbed
    since = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    for status in ("Created", "Blocked", "Running", "Scheduled", "Stopping"):
        assert status in MODEL.shape_for("TrainingSessionStatus").enum
        stub.add_response("list_training_sessions", {"TrainingSessionSummaries": []},
                          {**PAGE, "CreationTimeAfter": since, "StatusEquals": status})
    findings, stats = audit_type(profile, client, "training-session", active_only=True, since=since)
    assert findings == [] and stats.calls == {"ListTrainingSessions": 5}


def benchmark_description(name, **extra):
    return {"AIBenchmarkJobName": name, "AIBenchmarkJobArn": f"{ARN}:ai-benchmark-job/{name}",
            "AIBenchmarkJobStatus": "Completed", "BenchmarkTarget": {"Endpoint": {"Identifier": "e"}},
            "OutputConfig": {"S3OutputLocation": "s3://b/out"}, "AIWorkloadConfigIdentifier": "w",
            "RoleArn": ROLE, "CreationTime": NOW, **extra}


def test_ai_benchmark_job_without_vpc_is_found(stubbed, profile):
    client, stub = stubbed
    stub.add_response("list_ai_benchmark_jobs", {"AIBenchmarkJobs": [
        {"AIBenchmarkJobName": n, "AIBenchmarkJobArn": f"{ARN}:ai-benchmark-job/{n}",
         "AIBenchmarkJobStatus": "Completed", "CreationTime": NOW} for n in ("open", "closed")]}, PAGE)
    stub.add_response("describe_ai_benchmark_job", benchmark_description("open"), {"AIBenchmarkJobName": "open"})
    stub.add_response("describe_ai_benchmark_job",
                      benchmark_description("closed", NetworkConfig={"VpcConfig": VPC_OK}),
                      {"AIBenchmarkJobName": "closed"})
    findings, _ = audit_type(profile, client, "ai-benchmark-job")
    assert summary(findings) == [
        (f"{ARN}:ai-benchmark-job/open", "SM-NET-VPC", "NetworkConfig.VpcConfig", "absent", "recreate")]


# --------------------------------------------------------------------------- algorithms and model packages

TRANSFORM_VALIDATION = {"ValidationRole": ROLE, "ValidationProfiles": [{"ProfileName": "p", "TransformJobDefinition": {
    "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/in"}}},
    "TransformOutput": {"S3OutputPath": "s3://b/out"},
    "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1}}}]}


def algorithm_description(name, **extra):
    return {"AlgorithmName": name, "AlgorithmArn": f"{ARN}:algorithm/{name}", "CreationTime": NOW,
            "TrainingSpecification": {"TrainingImage": IMG, "SupportedTrainingInstanceTypes": ["ml.m5.large"],
                                      "TrainingChannels": [{"Name": "train", "SupportedContentTypes": ["text/csv"],
                                                            "SupportedInputModes": ["File"]}]},
            "AlgorithmStatus": "Completed",
            "AlgorithmStatusDetails": {}, **extra}


def test_algorithm_with_a_validation_specification_is_found(stubbed, profile):
    """Its validation profiles ran training and transform jobs without VpcConfig or isolation."""
    client, stub = stubbed
    stub.add_response("list_algorithms", {"AlgorithmSummaryList": [
        {"AlgorithmName": n, "AlgorithmArn": f"{ARN}:algorithm/{n}", "CreationTime": NOW,
         "AlgorithmStatus": "Completed"} for n in ("validated", "plain")]}, PAGE)
    stub.add_response("describe_algorithm", algorithm_description("validated", ValidationSpecification={
        **TRANSFORM_VALIDATION, "ValidationProfiles": [{"ProfileName": "p", "TrainingJobDefinition": {
            "TrainingInputMode": "File", "InputDataConfig": [{"ChannelName": "train", "DataSource": {
                "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/in"}}}],
            "OutputDataConfig": {"S3OutputPath": "s3://b/out"},
            "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600}}}]}), {"AlgorithmName": "validated"})
    stub.add_response("describe_algorithm", algorithm_description("plain"), {"AlgorithmName": "plain"})
    findings, _ = audit_type(profile, client, "algorithm")
    assert [(f.resource_arn, f.rule_id, f.path, f.fix_action) for f in findings] == [
        (f"{ARN}:algorithm/validated", "SM-UNSUPPORTED", "ValidationSpecification", "recreate")]
    assert findings[0].fix.startswith("Recreate the algorithm without ValidationSpecification (no Update operation")
    assert "training and batch transform jobs" in findings[0].fix


INFERENCE = {"Containers": [{"Image": IMG}], "SupportedContentTypes": ["text/csv"],
             "SupportedResponseMIMETypes": ["text/csv"]}


def test_model_packages_versioned_and_unversioned_on_the_local_backend(safemaker_local, safemaker_session, profile):
    """moto serves model packages: an unversioned package with a ValidationSpecification is found, a version
    of a group without one is not. Both are listed (ModelPackageType Both) and read with one Search."""
    sm = safemaker_session.client("sagemaker")
    validated = sm.create_model_package(ModelPackageName="validated", InferenceSpecification=INFERENCE,
                                        ValidationSpecification=TRANSFORM_VALIDATION)["ModelPackageArn"]
    sm.create_model_package_group(ModelPackageGroupName="g")
    version = sm.create_model_package(ModelPackageGroupName="g", InferenceSpecification=INFERENCE)["ModelPackageArn"]
    assert version == f"{ARN}:model-package/g/1"
    safemaker_local.reset_requests()
    stats = audit.AuditStats()
    findings = list(audit.run(profile, clients={"us-east-1": sm}, resource_types=["model-package"], stats=stats))
    assert [(f.resource_arn, f.rule_id, f.path, f.fix_action) for f in findings] == [
        (validated, "SM-UNSUPPORTED", "ValidationSpecification", "recreate")]
    assert (stats.resources, stats.from_search) == (2, 2)
    assert stats.calls == {"ListModelPackages": 1, "Search": 1}
    assert safemaker_local.request_count("sagemaker") == 2
    safemaker_local.reset_requests()
    without = list(audit.run(profile, clients={"us-east-1": sm}, resource_types=["model-package"],
                             use_search=False))
    assert [(f.resource_arn, f.path, f.found) for f in without] == [(f.resource_arn, f.path, f.found)
                                                                    for f in findings]
    # described by ARN: DescribeModelPackage takes a version's ARN (a group's name would not name one version)
    assert safemaker_local.request_count("sagemaker", "DescribeModelPackage") == 2


# --------------------------------------------------------------------------- kinds whose creation is refused outright

REFUSED_KINDS = {
    # kind: (List operation, summaries member, summary of one resource)
    "ai-recommendation-job": ("list_ai_recommendation_jobs", "AIRecommendationJobs", {
        "AIRecommendationJobName": "r", "AIRecommendationJobArn": f"{ARN}:ai-recommendation-job/r",
        "AIRecommendationJobStatus": "Completed", "CreationTime": NOW}),
    "partner-app": ("list_partner_apps", "Summaries", {
        "Arn": f"{ARN}:partner-app/app-abc", "Name": "mlflow", "Type": "comet", "Status": "Available",
        "CreationTime": NOW}),
    "project": ("list_projects", "ProjectSummaryList", {
        "ProjectName": "p", "ProjectArn": f"{ARN}:project/p", "ProjectId": "p-1", "CreationTime": NOW,
        "ProjectStatus": "CreateCompleted"}),
    "inference-router": ("list_inference_routers", "InferenceRouters", {
        "InferenceRouterName": "router", "InferenceRouterArn": f"{ARN}:inference-router/router",
        "CreationTime": NOW, "LastModifiedTime": NOW}),
    "global-inference-gateway": ("list_global_inference_gateways", "GlobalInferenceGatewaySummaries", {
        "Arn": f"{ARN}:global-inference-gateway/gw", "Id": "gw-0123456789ab", "Name": "gw", "Status": "ACTIVE"}),
}


@pytest.mark.parametrize("kind", sorted(REFUSED_KINDS))
def test_an_existing_resource_of_a_refused_kind_is_a_finding(stubbed, profile, kind):
    """The guard refuses creating any (the classification's refused class, with its reason): one that exists
    was made around it and runs outside the network. Read from the List call alone: no Describe."""
    client, stub = stubbed
    method, member, item = REFUSED_KINDS[kind]
    create = next(op for op, row in classification().items() if op.startswith("Create")
                  and row.operation_class is OperationClass.REFUSED and kind.replace("-", "") in op.lower())
    reason = classification()[create].reason
    kwargs = {} if MODEL.operation_model(RESOURCES[kind].list_operation).input_shape.members.get(
        "MaxResults") is None else PAGE
    stub.add_response(method, {member: [item]}, kwargs)
    findings, stats = audit_type(profile, client, kind)
    arn = next(v for k, v in item.items() if k.endswith("Arn") or k == "Arn")
    assert [(f.resource_arn, f.rule_id, f.status, f.path, f.fix_action) for f in findings] == [
        (arn, "SM-UNSUPPORTED", "FAIL", create, "delete")]
    delete = "Delete" + create[len("Create"):]
    assert delete in MODEL.operation_names
    assert findings[0].fix.startswith(f"Delete the {kind.replace('-', ' ')} (call {delete}) unless an administrator")
    assert reason[:40].lower() in findings[0].fix.lower()
    assert stats.calls == {RESOURCES[kind].list_operation: 1} and stats.resources == 1


def test_refused_kinds_that_no_longer_exist_are_not_findings(stubbed, profile):
    """ListProjects and ListPartnerApps also list deleted ones (DeleteCompleted, Deleted: botocore's enums)."""
    client, stub = stubbed
    assert "DeleteCompleted" in MODEL.shape_for("ProjectStatus").enum
    stub.add_response("list_projects", {"ProjectSummaryList": [
        {"ProjectName": "gone", "ProjectArn": f"{ARN}:project/gone", "ProjectId": "p-2", "CreationTime": NOW,
         "ProjectStatus": "DeleteCompleted"}]}, PAGE)
    findings, _ = audit_type(profile, client, "project")
    assert findings == []


def test_jobs_are_listed_in_every_job_category(stubbed, profile):
    """ListJobs requires a JobCategory: one List per value of botocore's enum, so no category is missed."""
    client, stub = stubbed
    categories = MODEL.operation_model("ListJobs").input_shape.members["JobCategory"].enum
    assert len(categories) >= 5 and "JobCategory" in MODEL.operation_model("ListJobs").input_shape.required_members
    for category in categories:
        jobs = [] if category != categories[-1] else [
            {"JobArn": f"{ARN}:job/j", "JobName": "j", "JobCategory": category, "JobStatus": "InProgress",
             "JobSecondaryStatus": "Training", "CreationTime": NOW, "LastModifiedTime": NOW}]
        stub.add_response("list_jobs", {"JobSummaries": jobs}, {**PAGE, "JobCategory": category})
    findings, stats = audit_type(profile, client, "job")
    assert [(f.resource_arn, f.rule_id, f.path, f.fix_action) for f in findings] == [
        (f"{ARN}:job/j", "SM-UNSUPPORTED", "CreateJob", "delete")]
    assert stats.calls == {"ListJobs": len(categories)}


# --------------------------------------------------------------------------- an empty account: one List per kind


def test_every_kind_is_listed_once_on_an_empty_local_backend(safemaker_local, safemaker_session, profile):
    """The local backend answers the List calls moto lacks as AWS answers an empty account: no UNKNOWN, and the
    kinds added cost one List call each (ListJobs one per job category), no Describe."""
    sm = safemaker_session.client("sagemaker")
    safemaker_local.reset_requests()
    stats = audit.AuditStats()
    findings = list(audit.run(profile, clients={"us-east-1": sm}, stats=stats))
    assert findings == [] and stats.resources == 0
    assert audit.unaudited_create_operations() == ()
    added = {"ListSpaces", "ListApps", "ListTrainingSessions", "ListAIBenchmarkJobs", "ListModelPackages", "ListWorkteams",
             "ListAlgorithms", "ListAIRecommendationJobs", "ListJobs", "ListPartnerApps", "ListProjects",
             "ListInferenceRouters", "ListGlobalInferenceGateways"}
    assert added <= set(stats.calls)
    categories = len(MODEL.operation_model("ListJobs").input_shape.members["JobCategory"].enum)
    assert sum(stats.calls[op] for op in added) == len(added) - 1 + categories
    assert all(op.startswith("List") for op in stats.calls)
    assert stats.total_calls == safemaker_local.request_count("sagemaker")
