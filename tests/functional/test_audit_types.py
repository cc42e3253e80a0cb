"""safemaker.audit on the local backend for Studio domains (F17), HyperPod clusters, pipelines,
compilation jobs and the four monitoring job definition types: one compliant and one
non-compliant resource each, asserting the exact findings."""

from __future__ import annotations

import json

import botocore.config
import botocore.exceptions
import pytest

from safemaker import audit
from safemaker.errors import MISSING

from _profiles import IMG, ROLE, SG, SUB_A, SUB_C, SUB_OUT, VPC as VPC_ID, VPC_CONFIG as VPC_OK

ARN = "arn:aws:sagemaker:us-east-1:123456789012"
CLOSED_NETWORK = {"EnableNetworkIsolation": True, "EnableInterContainerTrafficEncryption": True, "VpcConfig": VPC_OK}


@pytest.fixture
def sm(safemaker_session):
    return safemaker_session.client("sagemaker")


def summary(findings):
    return sorted((f.resource_arn, f.rule_id, f.path, "absent" if f.found is MISSING else f.found, f.fix_action)
                  for f in findings)


def audit_type(profile, sm, kind):
    return list(audit.run(profile, clients={"us-east-1": sm}, resource_types=[kind]))


# --------------------------------------------------------------------------- Studio domains (F17)


def closed_domain(sm, name):
    sm.create_domain(DomainName=name, AuthMode="IAM", AppNetworkAccessType="VpcOnly", VpcId=VPC_ID,
                     SubnetIds=[SUB_A, SUB_C],
                     DefaultUserSettings={"ExecutionRole": ROLE, "SecurityGroups": [SG]},
                     DefaultSpaceSettings={"ExecutionRole": ROLE, "SecurityGroups": [SG]})


def test_domain_open_and_closed(safemaker_local, sm, profile):
    closed_domain(sm, "closed")
    sm.create_domain(DomainName="open", AuthMode="IAM", VpcId=VPC_ID, SubnetIds=[SUB_OUT],
                     DefaultUserSettings={"ExecutionRole": ROLE})
    findings = audit_type(profile, sm, "domain")
    d = f"{ARN}:domain/d-open"
    assert summary(findings) == [
        (d, "SM-NET-SG", "DefaultSpaceSettings.SecurityGroups", "absent", "update"),
        (d, "SM-NET-SG", "DefaultUserSettings.SecurityGroups", "absent", "update"),
        (d, "SM-NET-SUBNETS", "SubnetIds[0]", SUB_OUT, "update"),
        (d, "SM-STUDIO-VPCONLY", "AppNetworkAccessType", "PublicInternetOnly", "update"),
    ]
    vpc_only = next(f for f in findings if f.rule_id == "SM-STUDIO-VPCONLY")
    assert vpc_only.severity is audit.Severity.CRITICAL
    assert vpc_only.fix.startswith("Call UpdateDomain to correct AppNetworkAccessType")
    assert vpc_only.related.aws_config == ("sagemaker-domain-in-vpc",)
    assert vpc_only.related.prowler == ("sagemaker_domain_vpc_only_enabled",)


def test_F17_domain_description_without_AppNetworkAccessType_is_PublicInternetOnly(safemaker_local, sm, profile):
    closed_domain(sm, "quiet")

    def drop(parsed, **kwargs):
        parsed.pop("AppNetworkAccessType", None)

    sm.meta.events.register("after-call.sagemaker.DescribeDomain", drop)
    findings = audit_type(profile, sm, "domain")
    assert summary(findings) == [
        (f"{ARN}:domain/d-quiet", "SM-STUDIO-VPCONLY", "AppNetworkAccessType", "absent", "update")]


# --------------------------------------------------------------------------- HyperPod clusters


def cluster(session, name, **extra):
    # moto 5.2.5 stores the cluster, then answers CreateCluster with HTTP 500 (a retry would
    # then find it "already exists"): create it once, without retries, and check it is listed
    once = session.client("sagemaker", config=botocore.config.Config(retries={"total_max_attempts": 1}))
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        once.create_cluster(ClusterName=name, InstanceGroups=[{
            "InstanceCount": 1, "InstanceGroupName": "g", "InstanceType": "ml.c5.xlarge", "ExecutionRole": ROLE,
            "LifeCycleConfig": {"SourceS3Uri": "s3://sagemaker-lifecycle/l", "OnCreate": "on_create.sh"}}], **extra)
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert name in [c["ClusterName"] for c in once.list_clusters()["ClusterSummaries"]]


def test_cluster_open_and_closed(safemaker_local, safemaker_session, sm, profile):
    cluster(safemaker_session, "closed", VpcConfig=VPC_OK)
    cluster(safemaker_session, "open")
    cluster(safemaker_session, "elsewhere", VpcConfig={"Subnets": [SUB_OUT], "SecurityGroupIds": [SG]})
    findings = audit_type(profile, sm, "cluster")
    assert summary(findings) == [
        (f"{ARN}:cluster/elsewhere", "SM-NET-VPC", "VpcConfig.Subnets[0]", SUB_OUT, "recreate"),
        (f"{ARN}:cluster/open", "SM-NET-VPC", "VpcConfig", "absent", "recreate"),
    ]


# --------------------------------------------------------------------------- pipelines (the guard's step rules)


def pipeline(sm, name, step_extra):
    definition = {"Version": "2020-12-01", "Parameters": [], "Steps": [{
        "Name": "Train", "Type": "Training", "Arguments": {
            "AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"},
            "OutputDataConfig": {"S3OutputPath": "s3://b/o"},
            "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
            "StoppingCondition": {"MaxRuntimeInSeconds": 60}, "RoleArn": ROLE, **step_extra}}]}
    sm.create_pipeline(PipelineName=name, RoleArn=ROLE, PipelineDefinition=json.dumps(definition),
                       ClientRequestToken=f"token-{name}-0000000000000000000000")


def test_pipeline_open_and_closed(safemaker_local, sm, profile):
    pipeline(sm, "closed", CLOSED_NETWORK)
    pipeline(sm, "open", {})
    findings = audit_type(profile, sm, "pipeline")
    p = f"{ARN}:pipeline/open"
    step = "PipelineDefinition.Steps[0:Train].Arguments"  # the guard names each step by index and name
    assert summary(findings) == [
        (p, "SM-NET-ICTE", f"{step}.EnableInterContainerTrafficEncryption", "absent", "update"),
        (p, "SM-NET-ISOLATION", f"{step}.EnableNetworkIsolation", "absent", "update"),
        (p, "SM-NET-VPC", f"{step}.VpcConfig", "absent", "update"),
    ]
    assert all(f.fix.startswith(f"Call UpdatePipeline to correct {f.path}") for f in findings)
    # the version UpdatePipeline replaces stays startable (StartPipelineExecution.PipelineVersionId; trial 10 F13)
    assert all("can still be started with its PipelineVersionId" in f.fix for f in findings)


def _sent(sm, operation):
    """The JSON body of every ``operation`` request the client sends (botocore's before-call event: the
    serialized request)."""
    sent = []
    sm.meta.events.register(f"before-call.sagemaker.{operation}",
                            lambda params, **_: sent.append(json.loads(params["body"])))
    return sent


def _update_to(sm, name, step_extra):
    """UpdatePipeline with the step of pipeline(): a new version; returns its PipelineVersionId."""
    definition = json.loads(sm.describe_pipeline(PipelineName=name)["PipelineDefinition"])
    definition["Steps"][0]["Arguments"] = {k: v for k, v in definition["Steps"][0]["Arguments"].items()
                                           if k not in CLOSED_NETWORK}
    definition["Steps"][0]["Arguments"].update(step_extra)
    return sm.update_pipeline(PipelineName=name, PipelineDefinition=json.dumps(definition))["PipelineVersionId"]


def test_pipeline_earlier_open_version_is_a_finding_with_its_id_F13(safemaker_local, sm, profile):
    """Trial 10 F13. botocore: StartPipelineExecution.PipelineVersionId "The ID of the pipeline version to start
    execution from"; ListPipelineVersions "Gets a list of all versions of the pipeline". Version 1 is open, the
    latest (2) closed: version 1 can still be started, so it is reported, naming its ID."""
    pipeline(sm, "fixed", {})
    assert _update_to(sm, "fixed", CLOSED_NETWORK) == 2
    pipeline(sm, "clean", CLOSED_NETWORK)
    assert _update_to(sm, "clean", dict(CLOSED_NETWORK, Environment={"A": "1"})) == 2
    pipeline(sm, "single", CLOSED_NETWORK)
    listed, described = _sent(sm, "ListPipelineVersions"), _sent(sm, "DescribePipeline")
    findings = audit_type(profile, sm, "pipeline")
    v1 = "DescribePipeline(PipelineName='fixed', PipelineVersionId='1').PipelineDefinition.Steps[0:Train].Arguments"
    p = f"{ARN}:pipeline/fixed"
    assert summary(findings) == [
        (p, "SM-NET-ICTE", f"{v1}.EnableInterContainerTrafficEncryption", "absent", "recreate"),
        (p, "SM-NET-ISOLATION", f"{v1}.EnableNetworkIsolation", "absent", "recreate"),
        (p, "SM-NET-VPC", f"{v1}.VpcConfig", "absent", "recreate"),
    ]
    assert all("PipelineVersionId 1" in f.fix and "DeletePipeline" in f.fix for f in findings)
    assert sorted(x["PipelineName"] for x in listed) == ["clean", "fixed", "single"]
    # each version of a pipeline with several is read by its ID; a pipeline with one version is read once
    assert sorted((x["PipelineName"], x.get("PipelineVersionId", 0)) for x in described) == [
        ("clean", 0), ("clean", 1), ("clean", 2), ("fixed", 0), ("fixed", 1), ("fixed", 2), ("single", 0)]
    assert "sagemaker:ListPipelineVersions" in audit.required_actions(["pipeline"])


def test_pipeline_versions_that_cannot_be_listed_are_unknown_not_clean_F13(safemaker_local, sm, profile):
    pipeline(sm, "closed", CLOSED_NETWORK)

    def deny(**_):
        raise botocore.exceptions.ClientError(
            {"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}}, "ListPipelineVersions")

    sm.meta.events.register("before-call.sagemaker.ListPipelineVersions", deny)
    findings = audit_type(profile, sm, "pipeline")
    assert [(f.status, f.rule_id, f.path, f.fix_action) for f in findings] == [
        ("UNKNOWN", "SM-REFERENCE", "ListPipelineVersions(PipelineName='closed')", "investigate")]
    assert "earlier versions" in findings[0].fix


def test_pipeline_RegisterModel_step_with_a_validation_specification_is_a_finding(safemaker_local, sm, profile):
    # A RegisterModel step's Arguments are a CreateModelPackage request (SageMaker SDK
    # get_create_model_package_request); ValidationSpecification runs validation jobs.
    args = {"ModelPackageGroupName": "grp", "InferenceSpecification": {
        "Containers": [{"Image": IMG}], "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]}}
    validation = {"ValidationRole": ROLE, "ValidationProfiles": [{"ProfileName": "p", "TransformJobDefinition": {
        "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/x"}}},
        "TransformOutput": {"S3OutputPath": "s3://b/o"},
        "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1}}}]}
    for name, arguments in (("validates", {**args, "ValidationSpecification": validation}), ("registers", args)):
        sm.create_pipeline(PipelineName=name, RoleArn=ROLE, ClientRequestToken=f"token-{name}-0000000000000000000000",
                           PipelineDefinition=json.dumps({"Version": "2020-12-01", "Steps": [
                               {"Name": "Register", "Type": "RegisterModel", "Arguments": arguments}]}))
    findings = audit_type(profile, sm, "pipeline")
    assert [(f.resource_arn, f.rule_id, f.path) for f in findings] == [
        (f"{ARN}:pipeline/validates", "SM-UNSUPPORTED", "PipelineDefinition.Steps[0:Register].Arguments.ValidationSpecification")]


# --------------------------------------------------------------------------- compilation jobs


def compilation_job(sm, name, **extra):
    sm.create_compilation_job(
        CompilationJobName=name, RoleArn=ROLE,
        InputConfig={"S3Uri": "s3://b/m.tar.gz", "DataInputConfig": "{}", "Framework": "PYTORCH"},
        OutputConfig={"S3OutputLocation": "s3://b/o", "TargetDevice": "ml_c5"},
        StoppingCondition={"MaxRuntimeInSeconds": 60}, **extra)


def test_compilation_job_open_and_closed(safemaker_local, sm, profile):
    compilation_job(sm, "closed", VpcConfig=VPC_OK)
    compilation_job(sm, "open")
    findings = audit_type(profile, sm, "compilation-job")
    assert summary(findings) == [(f"{ARN}:compilation-job/open", "SM-NET-VPC", "VpcConfig", "absent", "recreate")]


# --------------------------------------------------------------------------- monitoring job definitions

DEFINITIONS = {
    "data-quality-job-definition": ("create_data_quality_job_definition", "DataQuality", "SageMaker.11", "SageMaker.9"),
    "model-quality-job-definition": ("create_model_quality_job_definition", "ModelQuality", None, "SageMaker.13"),
    "model-bias-job-definition": ("create_model_bias_job_definition", "ModelBias", "SageMaker.12", "SageMaker.15"),
    "model-explainability-job-definition": ("create_model_explainability_job_definition", "ModelExplainability",
                                            None, "SageMaker.10"),
}


def monitoring_definition(sm, kind, name, network):
    method, prefix, _, _ = DEFINITIONS[kind]
    endpoint_input = {"EndpointName": "e", "LocalPath": "/opt/ml/processing/input"}
    job_input = {"EndpointInput": endpoint_input}
    if prefix in ("ModelQuality", "ModelBias"):
        job_input["GroundTruthS3Input"] = {"S3Uri": "s3://b/gt"}
    app = {"ImageUri": IMG}
    if prefix == "ModelQuality":
        app["ProblemType"] = "BinaryClassification"
    if prefix in ("ModelBias", "ModelExplainability"):
        app["ConfigUri"] = "s3://b/config.json"
    kwargs = {
        "JobDefinitionName": name,
        f"{prefix}AppSpecification": app,
        f"{prefix}JobInput": job_input,
        f"{prefix}JobOutputConfig": {"MonitoringOutputs": [{"S3Output": {
            "S3Uri": "s3://b/o", "LocalPath": "/opt/ml/processing/output"}}]},
        "JobResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 10}},
        "RoleArn": ROLE,
    }
    if network is not None:
        kwargs["NetworkConfig"] = network
    getattr(sm, method)(**kwargs)


@pytest.mark.parametrize("kind", sorted(DEFINITIONS))
def test_monitoring_job_definition_open_and_closed(safemaker_local, sm, profile, kind):
    monitoring_definition(sm, kind, "closed", CLOSED_NETWORK)
    monitoring_definition(sm, kind, "open", None)
    findings = audit_type(profile, sm, kind)
    arn = f"{ARN}:{kind}/open"
    assert summary(findings) == [
        (arn, "SM-NET-ICTE", "NetworkConfig.EnableInterContainerTrafficEncryption", "absent", "recreate"),
        (arn, "SM-NET-ISOLATION", "NetworkConfig.EnableNetworkIsolation", "absent", "recreate"),
        (arn, "SM-NET-VPC", "NetworkConfig.VpcConfig", "absent", "recreate"),
    ]
    _, _, isolation_control, icte_control = DEFINITIONS[kind]
    by_rule = {f.rule_id: f for f in findings}
    assert by_rule["SM-NET-ICTE"].related.security_hub == (icte_control,)
    assert by_rule["SM-NET-ISOLATION"].related.security_hub == ((isolation_control,) if isolation_control else ())
