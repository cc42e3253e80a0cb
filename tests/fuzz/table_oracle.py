"""The table oracle: exact violations, paths and injected requests, from a hand-written table.

A cross-check of the guard's exact output (paths, rule IDs, what is injected),
written from the issue's semantics separately from ``safemaker.rules`` /
``safemaker.guard`` (it imports neither) -- but a table written by the same
project, so it cannot find what the rule table forgot. The independent oracle,
derived from botocore's model and the AWS documentation, is
:mod:`tests.fuzz.oracle`. Its own table of operations (:data:`SPEC`), its own
evaluation. The fuzz tests compare the
guard with it on generated requests; a table test checks that both know the
same operations, so a rule added to one and not the other fails.

Semantics
---------
- **create**: an absent required field is injected from the profile (isolation
  ``True``, both VPC lists, ``EnableInterContainerTrafficEncryption=True``,
  notebook ``DirectInternetAccess="Disabled"`` / ``SubnetId`` / groups /
  ``RootAccess``, Studio ``VpcOnly`` / VPC / subnets / groups, KMS keys the
  profile has, into an existing parent only); with ``inject=False`` it is a
  violation (absent = the AWS default).
- **update**: absent is fine; present values are checked. A structure an update
  replaces as a whole is treated like a create without injection.
- Explicit values are never overwritten: a conflicting one is a violation.
- ID lists: a non-empty list of unique strings, each in the profile; each bad or
  repeated element is reported at its index.
- Relaxations: isolation / inter-container encryption only when the profile
  requires them; ``RootAccess`` only when the profile says ``Disabled``; KMS only
  when the profile has a key.
- Roles are checked when present, never injected. Refused-if-present fields and
  refused operations are violations whenever given.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

__all__ = ["SPEC", "Outcome", "evaluate", "evaluate_definition", "RULE_ID"]

RULE_ID = {
    "iso": "SM-NET-ISOLATION", "icte": "SM-NET-ICTE", "vpc": "SM-NET-VPC", "vpc+id": "SM-NET-VPC",
    "subnet": "SM-NET-SUBNET", "subnets": "SM-NET-SUBNETS", "sgs": "SM-NET-SG", "vpc-id": "SM-NET-VPCID",
    "dia": "SM-NB-DIRECT-INTERNET", "root": "SM-NB-ROOT", "app": "SM-STUDIO-VPCONLY",
    "kms-volume": "SM-KMS-VOLUME", "kms-output": "SM-KMS-OUTPUT", "role": "SM-IAM-ROLE",
    "refused": "SM-UNSUPPORTED", "remote": "SM-REMOTE-ACCESS", "lifecycle": "SM-NB-LIFECYCLE",
    "workteam": "SM-WORKTEAM", "presign": "SM-WORKTEAM-PRESIGN", "source-ip": "SM-WORKFORCE-SOURCE-IP",
    "off": "SM-UNSUPPORTED", "rule-image": "SM-UNSUPPORTED", "gt-lambda": "SM-UNSUPPORTED",
    "refused-iso": "SM-UNSUPPORTED",
}
"""Kinds: ``off`` a Canvas feature switch (FeatureStatus), refused unless ``"DISABLED"``; ``rule-image`` a Debugger /
Profiler rule's image, refused unless AWS's built-in rule image of a region (:data:`BUILTIN_RULE_IMAGES`);
``gt-lambda`` a labeling job's Lambda, refused unless a built-in Ground Truth function (:data:`GROUND_TRUTH_LAMBDAS`);
``source-ip`` a workforce's ``SourceIpConfig``: only private ranges (:func:`_private_only`); ``refused-iso`` refused
when present under a profile that requires network isolation (what the field lacks is an isolation member, and the
request gives the VPC itself)."""

def _sdk_debugger_registries() -> Mapping[str, str]:
    """Region -> account of the built-in rule image's registry, read from the installed SageMaker Python SDK's own
    ``image_uri_config/debugger.json`` (SDK v2 ``sagemaker/``, v3 ``sagemaker/core/``): the SDK's data, not
    safemaker's table. Without the SDK: no built-in image is known (the oracle then refuses every image)."""
    import importlib.util
    import json
    from pathlib import Path

    spec = importlib.util.find_spec("sagemaker")
    for root in (spec.submodule_search_locations or []) if spec is not None else []:
        for rel in ("image_uri_config/debugger.json", "core/image_uri_config/debugger.json"):
            path = Path(root, rel)
            if path.exists():
                return json.loads(path.read_text())["versions"]["latest"]["registries"]
    return {}


_SDK_DEBUGGER = _sdk_debugger_registries()
BUILTIN_RULE_IMAGES = frozenset(
    f"{acct}.dkr.ecr.{region}.amazonaws.com{'.cn' if region.startswith('cn-') else ''}/sagemaker-debugger-rules:latest"
    for region, acct in _SDK_DEBUGGER.items())
"""AWS's built-in Debugger rule images (Developer Guide, "Docker images for Debugger rules")."""


def _documented_lambdas() -> frozenset[str]:
    """The Ground Truth Lambda ARNs botocore's model documents for built-in task types (both members' doc strings)."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    docs = (model.shape_for("HumanTaskConfig").members["PreHumanTaskLambdaArn"].documentation
            + model.shape_for("AnnotationConsolidationConfig").members["AnnotationConsolidationLambdaArn"].documentation)
    return frozenset(re.findall(r"arn:aws:lambda:[a-z0-9-]+:\d{12}:function:(?:PRE|ACS)-[A-Za-z0-9]+", docs))


GROUND_TRUTH_LAMBDAS = _documented_lambdas()

_NOT_INTERNET = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16",
                 "fc00::/7", "fe80::/10")  # RFC 1918, RFC 6598, link-local, RFC 4193 ULA


def _private_only(value: Any) -> bool:
    """A SourceIpConfig that admits nobody from the internet: Cidrs non-empty, each inside a range above."""
    import ipaddress

    cidrs = value.get("Cidrs") if isinstance(value, dict) else None
    if not isinstance(cidrs, (list, tuple)) or not cidrs:
        return False  # absent or empty: "By default, a workforce isn't restricted to specific IP addresses"
    for c in cidrs:
        try:
            net = ipaddress.ip_network(c, strict=False)
        except (ValueError, TypeError):
            return False
        if not any(net.version == r.version and net.subnet_of(r)
                   for r in map(ipaddress.ip_network, _NOT_INTERNET)):
            return False
    return True

_PRIVATE_TEAM = re.compile(r"arn:[^:]*:sagemaker:[^:]*:[^:]*:workteam/private-crowd/([^/]+)")
"""A private work team's ARN (IAM sagemaker:WorkteamType private-crowd); the group is its name."""


@dataclass(frozen=True)
class F:
    """One field: path below its spot, kind, and whether absence is acceptable."""

    path: str
    kind: str
    optional: bool = False
    unless: str | None = None  # absolute path; any value there makes the field optional
    only_with: str | None = None  # path below the spot; absent there: nothing to protect (no output to encrypt)


@dataclass(frozen=True)
class Spot:
    anchor: str
    fields: tuple[F, ...]
    whole_on_update: bool = False


@dataclass(frozen=True)
class Op:
    kind: str  # "create" | "update" | "refused"
    spots: tuple[Spot, ...] = ()
    refs: tuple[tuple[str, Any], ...] = ()  # (path, resource key or ("by", discriminator path, mapping))
    # (path, resource key, name): the resource a request that leaves the top-level path out (or null) uses
    absent_refs: tuple[tuple[str, str, str], ...] = ()


def _root(*fields: F) -> tuple[Spot, ...]:
    return (Spot("", tuple(fields)),)


def _training(prefix: str = "") -> tuple[F, ...]:
    return (F("EnableNetworkIsolation", "iso"), F("VpcConfig", "vpc"),
            F("EnableInterContainerTrafficEncryption", "icte"), F("ResourceConfig.VolumeKmsKeyId", "kms-volume"),
            F("OutputDataConfig.KmsKeyId", "kms-output"), F("RoleArn", "role"))


def _tuning() -> tuple[F, ...]:
    # the volume is in ResourceConfig or HyperParameterTuningResourceConfig (both optional in the model)
    return (F("EnableNetworkIsolation", "iso"), F("VpcConfig", "vpc"),
            F("EnableInterContainerTrafficEncryption", "icte"),
            F("ResourceConfig.VolumeKmsKeyId", "kms-volume", only_with="ResourceConfig"),
            F("HyperParameterTuningResourceConfig.VolumeKmsKeyId", "kms-volume",
              only_with="HyperParameterTuningResourceConfig"),
            F("OutputDataConfig.KmsKeyId", "kms-output"), F("RoleArn", "role"))


def _net(prefix: str) -> tuple[F, ...]:
    return (F(f"{prefix}EnableNetworkIsolation", "iso"), F(f"{prefix}VpcConfig", "vpc"),
            F(f"{prefix}EnableInterContainerTrafficEncryption", "icte"))


def _definition(kind: str) -> Op:
    return Op("create", _root(*_net("NetworkConfig."), F("JobResources.ClusterConfig.VolumeKmsKeyId", "kms-volume"),
                              F(f"{kind}JobOutputConfig.KmsKeyId", "kms-output"), F("RoleArn", "role")))


_MONITOR = {"DataQuality": "data-quality-job-definition", "ModelQuality": "model-quality-job-definition",
            "ModelBias": "model-bias-job-definition", "ModelExplainability": "model-explainability-job-definition"}


def _schedule(kind: str) -> Op:
    job = Spot("MonitoringScheduleConfig.MonitoringJobDefinition",
               (*_net("NetworkConfig."), F("MonitoringResources.ClusterConfig.VolumeKmsKeyId", "kms-volume"),
                F("MonitoringOutputConfig.KmsKeyId", "kms-output"), F("RoleArn", "role")),
               whole_on_update=True)
    return Op(kind, (job,), refs=(("MonitoringScheduleConfig.MonitoringJobDefinitionName",
                                   ("by", "MonitoringScheduleConfig.MonitoringType", _MONITOR)),))


def _domain(kind: str) -> Op:
    settings = "DomainSettings" if kind == "create" else "DomainSettingsForUpdate"
    fields = [F("AppNetworkAccessType", "app"), F("VpcId", "vpc-id"), F("SubnetIds", "subnets"),
              F("DefaultUserSettings.SecurityGroups", "sgs"), F("DefaultSpaceSettings.SecurityGroups", "sgs"),
              F(f"{settings}.SecurityGroupIds", "sgs", optional=True)]
    if kind == "create":
        fields += [F("KmsKeyId", "kms-volume"), F("HomeEfsFileSystemKmsKeyId", "kms-volume", optional=True)]
    fields += [*(_user_keys("DefaultUserSettings") if kind == "create" else ()),
               F("DefaultUserSettings.ExecutionRole", "role"), F("DefaultSpaceSettings.ExecutionRole", "role")]
    return Op(kind, (Spot("", tuple(fields)), *_canvas("DefaultUserSettings"),
                     *(_user_key_spots("DefaultUserSettings") if kind == "update" else ())))


def _canvas(settings: str) -> tuple[Spot, ...]:
    # Canvas features that reach outside the network: EMR Serverless compute, deployments Canvas makes itself,
    # OAuth data sources outside AWS (botocore's CanvasAppSettings)
    at = f"{settings}.CanvasAppSettings"
    return (Spot(at, (F("EmrServerlessSettings.Status", "off"), F("DirectDeploySettings.Status", "off"))),
            Spot(f"{at}.IdentityProviderOAuthSettings[]", (F("Status", "off"),)))


def _user_key_spots(settings: str) -> tuple[Spot, ...]:
    # an update that gives an S3 output location sets that output; the structure it gives says with which key
    return (Spot(f"{settings}.SharingSettings", (F("S3KmsKeyId", "kms-output", only_with="S3OutputPath"),),
                 whole_on_update=True),
            Spot(f"{settings}.CanvasAppSettings.WorkspaceSettings",
                 (F("S3KmsKeyId", "kms-output", only_with="S3ArtifactPath"),), whole_on_update=True))


def _user_keys(settings: str) -> tuple[F, ...]:
    # botocore: SharingSettings.S3KmsKeyId encrypts "the notebook cell output in the Amazon S3 bucket",
    # WorkspaceSettings.S3KmsKeyId "artifacts generated by Canvas in the Amazon S3 bucket": outputs, when given
    return (F(f"{settings}.SharingSettings.S3KmsKeyId", "kms-output",
              only_with=f"{settings}.SharingSettings.S3OutputPath"),
            F(f"{settings}.CanvasAppSettings.WorkspaceSettings.S3KmsKeyId", "kms-output",
              only_with=f"{settings}.CanvasAppSettings.WorkspaceSettings.S3ArtifactPath"))


def _cluster(kind: str) -> Op:
    group = (F("OverrideVpcConfig", "vpc", optional=True), F("ExecutionRole", "role"))
    top = (F("VpcConfig", "vpc"), F("ClusterRole", "role")) if kind == "create" else (F("ClusterRole", "role"),)
    # an update grows the existing cluster: the cluster it names is followed (its own VpcConfig)
    refs = (("ClusterName", "cluster"),) if kind == "update" else ()
    # botocore ClusterEbsVolumeConfig.VolumeKmsKeyId: "The ID of a KMS key to encrypt the Amazon EBS volume"; an
    # update's storage entry is a volume it attaches ("Defines the configuration for attaching additional Amazon
    # Elastic Block Store (EBS) volumes to the instances"): as on create, without injection
    ebs = (F("EbsVolumeConfig.VolumeKmsKeyId", "kms-volume", only_with="EbsVolumeConfig"),)
    return Op(kind, (Spot("", top), Spot("InstanceGroups[]", group), Spot("RestrictedInstanceGroups[]", group),
                     Spot("InstanceGroups[].InstanceStorageConfigs[]", ebs, whole_on_update=True),
                     Spot("RestrictedInstanceGroups[].InstanceStorageConfigs[]", ebs, whole_on_update=True)),
              refs=refs)


_MODELS_IN_VARIANTS = "ProductionVariants[].ModelName"

SPEC: Mapping[str, Op] = {
    "CreateTrainingJob": Op("create", (Spot("", (*_training(), F("RemoteDebugConfig.EnableRemoteDebug", "remote"),
                                                  F("ServerlessJobConfig.EvaluatorArn", "refused"))),
                                       Spot("DebugRuleConfigurations[]", (F("RuleEvaluatorImage", "rule-image"),)),
                                       Spot("ProfilerRuleConfigurations[]", (F("RuleEvaluatorImage", "rule-image"),)))),
    "UpdateTrainingJob": Op("update", (Spot("", (F("RemoteDebugConfig.EnableRemoteDebug", "remote"),)),
                                       Spot("ProfilerRuleConfigurations[]", (F("RuleEvaluatorImage", "rule-image"),)))),
    "CreateProcessingJob": Op("create", _root(
        *_net("NetworkConfig."), F("ProcessingResources.ClusterConfig.VolumeKmsKeyId", "kms-volume"),
        F("ProcessingOutputConfig.KmsKeyId", "kms-output", only_with="ProcessingOutputConfig"), F("RoleArn", "role"))),
    "CreateHyperParameterTuningJob": Op("create", (Spot("TrainingJobDefinition", _tuning()),
                                                   Spot("TrainingJobDefinitions[]", _tuning()))),
    "CreateTrainingSession": Op("create", _root(F("VpcConfig", "vpc"), F("OutputConfig.S3Location.KmsKeyArn",
                                                                           "kms-output"), F("RoleArn", "role"))),
    "CreateModel": Op("create", _root(F("EnableNetworkIsolation", "iso"), F("VpcConfig", "vpc"),
                                      F("ExecutionRoleArn", "role"))),
    "CreateEndpointConfig": Op("create", (
        Spot("", (F("EnableNetworkIsolation", "iso", unless=_MODELS_IN_VARIANTS),
                  F("VpcConfig", "vpc", unless=_MODELS_IN_VARIANTS),
                  F("KmsKeyId", "kms-volume"), F("ExecutionRoleArn", "role"),
                  F("DataCaptureConfig.KmsKeyId", "kms-output", only_with="DataCaptureConfig"),
                  F("AsyncInferenceConfig.OutputConfig.KmsKeyId", "kms-output",
                    only_with="AsyncInferenceConfig.OutputConfig"),
                  # every response of 128 KB or less into the SNS notification (trial 15 F06)
                  F("AsyncInferenceConfig.OutputConfig.NotificationConfig.IncludeInferenceResponseIn", "refused"))),
        Spot("ProductionVariants[]", (F("ServerlessConfig", "refused"), F("EnableSSMAccess", "remote"),
                                      F("CoreDumpConfig.KmsKeyId", "kms-output", only_with="CoreDumpConfig"))),
        Spot("ShadowProductionVariants[]", (F("ServerlessConfig", "refused"), F("EnableSSMAccess", "remote"),
                                            F("CoreDumpConfig.KmsKeyId", "kms-output", only_with="CoreDumpConfig")))),
        refs=(("ProductionVariants[].ModelName", "model"),
              ("ProductionVariants[].InstancePools[].ModelNameOverride", "model"),
              ("ShadowProductionVariants[].ModelName", "model"),
              ("ShadowProductionVariants[].InstancePools[].ModelNameOverride", "model"))),
    "CreateEndpoint": Op("create", refs=(("EndpointConfigName", "endpoint-config"),)),
    "UpdateEndpoint": Op("update", refs=(("EndpointConfigName", "endpoint-config"),)),
    "CreateInferenceComponent": Op("create", refs=(("Specification.ModelName", "model"),
                                                   ("Specifications[].ModelName", "model"),
                                                   ("EndpointName", "endpoint"))),
    "UpdateInferenceComponent": Op("update", refs=(("InferenceComponentName", "inference-component"),
                                                   ("Specification.ModelName", "model"),
                                                   ("Specifications[].ModelName", "model"))),
    "CreateInferenceExperiment": Op("create", _root(
        F("RoleArn", "role"), F("KmsKey", "kms-volume"),
        F("DataStorageConfig.KmsKey", "kms-output", only_with="DataStorageConfig")),
        refs=(("ModelVariants[].ModelName", "model"),)),
    # botocore InferenceExperimentDataStorageConfig: Destination required; an update gives the whole configuration
    "UpdateInferenceExperiment": Op("update", (Spot("DataStorageConfig", (F("KmsKey", "kms-output"),),
                                                    whole_on_update=True),),
                                    refs=(("ModelVariants[].ModelName", "model"),)),
    "CreateTransformJob": Op("create", _root(F("TransformResources.VolumeKmsKeyId", "kms-volume"),
                                             F("TransformOutput.KmsKeyId", "kms-output"),
                                             F("DataCaptureConfig.KmsKeyId", "kms-output",
                                               only_with="DataCaptureConfig")),
                             refs=(("ModelName", "model"),)),
    "CreateJob": Op("refused"),
    "CreateCompilationJob": Op("create", _root(F("VpcConfig", "vpc"), F("RoleArn", "role"),
                                               F("OutputConfig.KmsKeyId", "kms-output"))),
    "CreateOptimizationJob": Op("create", _root(F("VpcConfig", "vpc"), F("RoleArn", "role"),
                                                F("OutputConfig.KmsKeyId", "kms-output")),
                                refs=(("ModelSource.SageMakerModel.ModelName", "model"),)),
    "CreateInferenceRecommendationsJob": Op("create", (
        # RecommendationJobInputConfig and a model package have no network-isolation member (botocore's model):
        # a package deployed by Inference Recommender cannot be isolated
        Spot("", (F("InputConfig.VpcConfig", "vpc"), F("RoleArn", "role"),
                  F("InputConfig.ModelPackageVersionArn", "refused-iso"),
                  F("InputConfig.VolumeKmsKeyId", "kms-volume"),
                  F("OutputConfig.KmsKeyId", "kms-output", only_with="OutputConfig"))),
        Spot("InputConfig.EndpointConfigurations[]", (F("ServerlessConfig", "refused"),))),
        refs=(("InputConfig.ModelName", "model"), ("InputConfig.ModelPackageVersionArn", "model-package"),
              ("InputConfig.Endpoints[].EndpointName", "endpoint"))),
    "CreateAIBenchmarkJob": Op("create", _root(F("NetworkConfig.VpcConfig", "vpc"), F("RoleArn", "role"))),
    "CreateAutoMLJob": Op("create", _root(
        F("AutoMLJobConfig.SecurityConfig.VpcConfig", "vpc"),
        F("AutoMLJobConfig.SecurityConfig.EnableInterContainerTrafficEncryption", "icte"),
        F("AutoMLJobConfig.SecurityConfig.VolumeKmsKeyId", "kms-volume"), F("OutputDataConfig.KmsKeyId", "kms-output"),
        F("RoleArn", "role"), F("ModelDeployConfig", "refused"))),
    "CreateAutoMLJobV2": Op("create", _root(
        F("SecurityConfig.VpcConfig", "vpc"), F("SecurityConfig.EnableInterContainerTrafficEncryption", "icte"),
        F("SecurityConfig.VolumeKmsKeyId", "kms-volume"), F("OutputDataConfig.KmsKeyId", "kms-output"),
        F("RoleArn", "role"), F("AutoMLComputeConfig.EmrServerlessComputeConfig", "refused"),
        F("ModelDeployConfig", "refused"))),
    "CreateLabelingJob": Op("create", (
        Spot("LabelingJobAlgorithmsConfig", (F("LabelingJobResourceConfig.VpcConfig", "vpc"),
                                             F("LabelingJobResourceConfig.VolumeKmsKeyId", "kms-volume"))),
        Spot("", (F("OutputConfig.KmsKeyId", "kms-output"), F("RoleArn", "role"),
                  F("OutputConfig.SnsTopicArn", "refused"),  # every worker's labels to SNS (trial 15 F06)
                  F("HumanTaskConfig.PublicWorkforceTaskPrice", "refused"),
                  F("HumanTaskConfig.WorkteamArn", "workteam"),
                  F("HumanTaskConfig.PreHumanTaskLambdaArn", "gt-lambda"),
                  F("HumanTaskConfig.AnnotationConsolidationConfig.AnnotationConsolidationLambdaArn", "gt-lambda")))),
        refs=(("HumanTaskConfig.WorkteamArn", "workteam"),)),
    "CreateFlowDefinition": Op("create", _root(F("RoleArn", "role"),
                                               F("HumanLoopConfig.PublicWorkforceTaskPrice", "refused"),
                                               F("HumanLoopConfig.WorkteamArn", "workteam"),
                                               F("OutputConfig.KmsKeyId", "kms-output")),
                               refs=(("HumanLoopConfig.WorkteamArn", "workteam"),)),
    # a private work team's workforce, named or (absent) the region's default workforce
    # "default" (API reference, DescribeWorkforce's WorkforceName:
    # "automatically set to default when a workforce is created and cannot be modified").
    # and its S3 presigned URLs work only through an S3 VPC endpoint (API reference, IamPolicyConstraints:
    # "When VpcSourceIp is Enabled ... accessed over an Amazon S3 VPC Endpoint"); an update that gives
    # WorkerAccessConfiguration states it.
    "CreateWorkteam": Op("create", _root(F("WorkerAccessConfiguration.S3Presign.IamPolicyConstraints.VpcSourceIp",
                                           "presign")),
                         refs=(("WorkforceName", "workforce"),),
                         absent_refs=(("WorkforceName", "workforce", "default"),)),
    "UpdateWorkteam": Op("update", (Spot("WorkerAccessConfiguration", (
        F("S3Presign.IamPolicyConstraints.VpcSourceIp", "presign"),), whole_on_update=True),)),
    # the worker portal answers the internet unless SourceIpConfig restricts it (Developer Guide, "Use Amazon VPC mode
    # from a private worker portal": "can also be accessed from public internet until you set the restriction")
    "CreateWorkforce": Op("create", _root(F("WorkforceVpcConfig", "vpc+id"), F("SourceIpConfig", "source-ip"))),
    "UpdateWorkforce": Op("update", _root(F("WorkforceVpcConfig", "vpc+id"), F("SourceIpConfig", "source-ip"))),
    "CreateNotebookInstance": Op("create", _root(
        F("DirectInternetAccess", "dia"), F("SubnetId", "subnet"), F("SecurityGroupIds", "sgs"),
        F("RootAccess", "root"), F("KmsKeyId", "kms-volume"), F("RoleArn", "role")),
        refs=(("LifecycleConfigName", "notebook-instance-lifecycle-config"),)),  # its scripts run as root
    "UpdateNotebookInstance": Op("update", _root(F("RootAccess", "root"), F("RoleArn", "role")),
                                 refs=(("LifecycleConfigName", "notebook-instance-lifecycle-config"),)),
    "CreateDomain": _domain("create"),
    "UpdateDomain": _domain("update"),
    "CreateUserProfile": Op("create", (*_root(F("UserSettings.SecurityGroups", "sgs", optional=True),
                                              *_user_keys("UserSettings"),
                                              F("UserSettings.ExecutionRole", "role")), *_canvas("UserSettings")),
                            refs=(("DomainId", "domain"),)),
    "UpdateUserProfile": Op("update", (*_root(F("UserSettings.SecurityGroups", "sgs", optional=True),
                                              F("UserSettings.ExecutionRole", "role")), *_canvas("UserSettings"),
                                       *_user_key_spots("UserSettings"))),
    "CreateSpace": Op("create", _root(F("SpaceSettings.RemoteAccess", "remote")), refs=(("DomainId", "domain"),)),
    "UpdateSpace": Op("update", _root(F("SpaceSettings.RemoteAccess", "remote"))),
    # validation runs training and transform jobs whose network the request cannot set: refused when given
    "CreateAlgorithm": Op("create", _root(F("ValidationSpecification", "refused"))),
    "CreateModelPackage": Op("create", _root(F("ValidationSpecification", "refused"))),
    # lifecycle scripts run as root
    "CreateNotebookInstanceLifecycleConfig": Op("create", _root(F("OnCreate", "lifecycle"), F("OnStart", "lifecycle"))),
    "UpdateNotebookInstanceLifecycleConfig": Op("update", _root(F("OnCreate", "lifecycle"),
                                                                F("OnStart", "lifecycle"))),
    # start or reach what exists: the resource they name is checked
    # botocore: "UserProfileName: The name of the UserProfile to sign-in as"; SpaceName: the space it opens
    "CreatePresignedDomainUrl": Op("update", refs=(("DomainId", "domain"), ("SpaceName", "space"),
                                                   ("UserProfileName", "user-profile"))),
    "CreatePresignedNotebookInstanceUrl": Op("update", refs=(("NotebookInstanceName", "notebook-instance"),)),
    "RetryPipelineExecution": Op("update", refs=(("PipelineExecutionArn", "pipeline-execution"),)),
    "StartInferenceExperiment": Op("update", refs=(("Name", "inference-experiment"),)),
    # botocore: DesiredModelVariants are "for each variant that you want to deploy after the experiment stops"
    "StopInferenceExperiment": Op("update", refs=(("DesiredModelVariants[].ModelName", "model"),)),
    "StartMonitoringSchedule": Op("update", refs=(("MonitoringScheduleName", "monitoring-schedule"),)),
    "StartNotebookInstance": Op("update", refs=(("NotebookInstanceName", "notebook-instance"),)),
    # more instances of an existing resource: the resource scaled is followed
    "UpdateEndpointWeightsAndCapacities": Op("update", refs=(("EndpointName", "endpoint"),)),
    "UpdateInferenceComponentRuntimeConfig": Op("update", refs=(("InferenceComponentName", "inference-component"),)),
    "BatchAddClusterNodes": Op("update", refs=(("ClusterName", "cluster"),)),
    # botocore: BatchReplaceClusterNodes "terminates the specified instances and provisions new replacement
    # instances"; UpdateClusterSoftware replaces each node's platform software (AMI); StartClusterHealthCheck:
    # "The unhealthy nodes will be automatically rebooted or replaced" (trial 11 F08)
    **{op: Op("update", refs=(("ClusterName", "cluster"),))
       for op in ("BatchReplaceClusterNodes", "UpdateClusterSoftware", "StartClusterHealthCheck")},
    **{op: Op("refused") for op in ("CreateAIRecommendationJob", "CreatePartnerApp", "CreatePartnerAppPresignedUrl",
                                    "CreateProject", "StartEdgeDeploymentStage", "StartSession", "UpdatePartnerApp",
                                    "UpdateProject")},
    # botocore: the app runs in its domain and in the space (SpaceName) or for the user (UserProfileName) it names
    "CreateApp": Op("create", refs=(("DomainId", "domain"), ("SpaceName", "space"), ("UserProfileName", "user-profile"))),
    "CreateCluster": _cluster("create"),
    "UpdateCluster": _cluster("update"),
    # botocore: moved nodes keep "their network interfaces and IP addresses" and join the target instance group
    "MoveClusterNodes": Op("update", refs=(("SourceClusterArn", "cluster"), ("TargetClusterArn", "cluster"))),
    # SageMaker Edge Manager: a packaging job's EBS volume (ResourceKey) and S3 output; a fleet's S3 output
    "CreateEdgePackagingJob": Op("create", _root(F("OutputConfig.KmsKeyId", "kms-output"),
                                                 F("ResourceKey", "kms-volume"))),
    "CreateDeviceFleet": Op("create", _root(F("OutputConfig.KmsKeyId", "kms-output"))),
    # botocore UpdateDeviceFleet: OutputConfig required (with its S3OutputLocation); EdgeOutputConfig.KmsKeyId: "If
    # you don't provide a KMS key ID, Amazon SageMaker uses the default KMS key for Amazon S3"
    "UpdateDeviceFleet": Op("update", (Spot("OutputConfig", (F("KmsKeyId", "kms-output"),), whole_on_update=True),)),
    "AttachClusterNodeNetworkInterface": Op("refused"),
    **{f"Create{k}JobDefinition": _definition(k) for k in _MONITOR},
    "CreateMonitoringSchedule": _schedule("create"),
    "UpdateMonitoringSchedule": _schedule("update"),
    "CreatePipeline": Op("create", _root(F("RoleArn", "role"))),
    "UpdatePipeline": Op("update", _root(F("RoleArn", "role"))),
    "StartPipelineExecution": Op("create", _root(F("RoleArn", "role")), refs=(("PipelineName", "pipeline"),)),
}
"""The oracle's own table of operations (from the issue), independent of ``safemaker.rules``."""


# --------------------------------------------------------------------------- evaluation


@dataclass
class Outcome:
    """What the oracle expects for one request."""

    violations: Counter = field(default_factory=Counter)  # (path, rule id) -> count
    request: dict[str, Any] = field(default_factory=dict)
    injected: set[str] = field(default_factory=set)
    references: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def compliant(self) -> bool:
        return not self.violations


def _segments(path: str) -> list[str]:
    out: list[str] = []
    for seg in path.split(".") if path else []:
        if seg.endswith("[]"):
            out += [seg[:-2], "[]"]
        else:
            out.append(seg)
    return out


def _instances(doc: Any, segs: list[str], at: str = "") -> Iterator[tuple[str, Any]]:
    if not segs:
        yield at, doc
        return
    head, rest = segs[0], segs[1:]
    if head == "[]":
        if isinstance(doc, list):
            for i, item in enumerate(doc):
                yield from _instances(item, rest, f"{at}[{i}]")
        return
    if isinstance(doc, dict) and head in doc:
        yield from _instances(doc[head], rest, f"{at}.{head}" if at else head)


def _lookup(container: Any, dotted: str) -> tuple[bool, Any]:
    cur = container
    for part in dotted.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return False, None
        cur = cur[part]
    return True, cur


def _join(prefix: str, path: str) -> str:
    return f"{prefix}.{path}" if prefix else path


def _id_list(out: Counter, path: str, present: bool, value: Any, allowed: tuple[str, ...], rule: str) -> None:
    if not present or not isinstance(value, list) or not value:
        out[(path, rule)] += 1
        return
    seen: set[str] = set()
    for i, item in enumerate(value):
        if isinstance(item, str) and item in allowed:
            if item in seen:
                out[(f"{path}[{i}]", rule)] += 1
            seen.add(item)
        else:
            out[(f"{path}[{i}]", rule)] += 1


def _wanted(kind: str, p: Any) -> Any:
    return {
        "iso": True, "icte": True, "dia": "Disabled", "root": "Disabled", "app": "VpcOnly", "presign": "Enabled",
        "subnet": p.subnets[0], "subnets": list(p.subnets), "sgs": list(p.security_group_ids), "vpc-id": p.vpc_id,
        "vpc": {"Subnets": list(p.subnets), "SecurityGroupIds": list(p.security_group_ids)},
        "vpc+id": {"Subnets": list(p.subnets), "SecurityGroupIds": list(p.security_group_ids), "VpcId": p.vpc_id},
        "kms-volume": p.volume_kms_key_id, "kms-output": p.output_kms_key_id,
        # AWS (UpdateWorkforce): "To restrict access to all the workers in public internet, add the SourceIpConfig
        # CIDR value as 10.0.0.0/16"
        "source-ip": {"Cidrs": ["10.0.0.0/16"]},
    }[kind]


def _active(kind: str, p: Any) -> bool:
    if kind in ("iso", "refused-iso"):
        return p.require_network_isolation
    if kind == "icte":
        return p.require_inter_container_traffic_encryption
    if kind == "root":
        return p.notebook_root_access == "Disabled"
    if kind == "kms-volume":
        return p.volume_kms_key_id is not None
    if kind == "kms-output":
        return p.output_kms_key_id is not None
    if kind == "lifecycle":
        return p.notebook_root_access == "Disabled"
    return True


def _check_present(out: Counter, f: F, path: str, value: Any, p: Any) -> None:
    rule = RULE_ID[f.kind]
    k = f.kind
    if k in ("iso", "icte"):
        ok = value is True
    elif k in ("dia", "root", "app", "vpc-id", "kms-volume", "kms-output", "presign"):
        ok = value == _wanted(k, p)
    elif k == "subnet":
        ok = isinstance(value, str) and value in p.subnets
    elif k == "role":
        ok = value in (p.execution_role_arn, *p.additional_role_arns)
    elif k in ("refused", "refused-iso"):
        ok = value is None
    elif k == "off":
        ok = value is None or value == "DISABLED"
    elif k == "rule-image":
        ok = value is None or value in BUILTIN_RULE_IMAGES
    elif k == "gt-lambda":
        ok = value is None or value in GROUND_TRUTH_LAMBDAS
    elif k == "source-ip":
        ok = _private_only(value)
    elif k == "remote":
        off = False if path.endswith(("EnableRemoteDebug", "EnableSSMAccess")) else "DISABLED"
        ok = value is None or (value == off and type(value) is type(off))
    elif k == "lifecycle":
        ok = value is None or (isinstance(value, (list, tuple)) and len(value) == 0)
    elif k == "workteam":
        ok = value is None or (isinstance(value, str) and _PRIVATE_TEAM.fullmatch(value) is not None)
    elif k in ("subnets", "sgs"):
        _id_list(out, path, True, value, tuple(p.subnets if k == "subnets" else p.security_group_ids), rule)
        return
    elif k in ("vpc", "vpc+id"):
        if not isinstance(value, dict):
            out[(path, rule)] += 1
            return
        _id_list(out, f"{path}.Subnets", "Subnets" in value, value.get("Subnets"), tuple(p.subnets), rule)
        _id_list(out, f"{path}.SecurityGroupIds", "SecurityGroupIds" in value, value.get("SecurityGroupIds"),
                 tuple(p.security_group_ids), rule)
        if k == "vpc+id" and value.get("VpcId") != p.vpc_id:
            out[(f"{path}.VpcId", rule)] += 1
        return
    else:  # pragma: no cover
        raise AssertionError(k)
    if not ok:
        out[(path, rule)] += 1


def _put(doc: Any, segs: list[str | int], value: Any, create: bool) -> bool:
    cur = doc
    for s in segs[:-1]:
        if isinstance(cur, dict) and s not in cur:
            if not create:
                return False
            cur[s] = {}
        nxt = cur[s]
        if not isinstance(nxt, (dict, list)):
            return False
        cur = nxt
    cur[segs[-1]] = value
    return True


def _concrete(prefix: str, path: str) -> list[str | int]:
    """``"A[1].B"`` + ``"C.D"`` -> ``["A", 1, "B", "C", "D"]``."""
    out: list[str | int] = []
    for seg in _join(prefix, path).split("."):
        while "[" in seg:
            name, _, rest = seg.partition("[")
            if name:
                out.append(name)
            idx, _, seg = rest.partition("]")
            out.append(int(idx))
        if seg:
            out.append(seg)
    return out


def evaluate(operation: str, request: Mapping[str, Any], p: Any, *, inject: bool = True) -> Outcome:
    """The expected decision for ``request`` under profile ``p``."""
    spec = SPEC[operation]
    out = Outcome(request=copy.deepcopy(dict(request)))
    if spec.kind == "refused":
        out.violations[(operation, "SM-UNSUPPORTED")] += 1
        return out
    work = out.request
    for spot in spec.spots:
        update = spec.kind == "update" and not spot.whole_on_update
        may_inject = inject and spec.kind == "create"
        for prefix, container in list(_instances(request, _segments(spot.anchor))):
            if not isinstance(container, dict):
                continue
            for f in spot.fields:
                if not _active(f.kind, p):
                    continue
                path = _join(prefix, f.path)
                present, value = _lookup(container, f.path)
                if present:
                    _check_present(out.violations, f, path, value, p)
                    continue
                if f.kind in ("role", "refused", "refused-iso", "remote", "lifecycle", "workteam", "off",
                              "rule-image", "gt-lambda") or update:
                    continue
                optional = f.optional or (f.unless is not None and any(
                    v not in (None, "") for _, v in _instances(request, _segments(f.unless))))
                if optional or (f.only_with is not None and not _lookup(container, f.only_with)[0]):
                    continue
                if may_inject:
                    kms = f.kind.startswith("kms")
                    if _put(work, _concrete(prefix, f.path), copy.deepcopy(_wanted(f.kind, p)), create=not kms):
                        out.injected.add(path)
                        continue
                out.violations[(path, RULE_ID[f.kind])] += 1
            if operation == "CreateNotebookInstance":
                sub_path = _join(prefix, "SubnetId")
                if work.get("DirectInternetAccess") == "Disabled" and work.get("SubnetId") in (None, "") \
                        and not any(k[0] == sub_path for k in out.violations):
                    out.violations[(sub_path, "SM-NET-SUBNET")] += 1
    for path, resource in spec.refs:
        for at, name in _instances(work, _segments(path)):
            if isinstance(name, str) and name and resource == "workteam" and name.startswith("arn:"):
                match = _PRIVATE_TEAM.fullmatch(name)
                name = match.group(1) if match else None  # not a private team: refused, not described
            if isinstance(name, str) and name:
                key = resource
                if isinstance(resource, tuple):
                    _, disc, mapping = resource
                    found = [v for _, v in _instances(work, _segments(disc))]
                    key = mapping.get(found[0], "data-quality-job-definition") if found else "data-quality-job-definition"
                out.references.append((at, key, name))
    for path, resource, name in spec.absent_refs:
        if work.get(path) is None:
            out.references.append((path, resource, name))
    return out


# --------------------------------------------------------------------------- pipelines

STEP_OPERATION = {"Training": "CreateTrainingJob", "Processing": "CreateProcessingJob",
                  "QualityCheck": "CreateProcessingJob", "ClarifyCheck": "CreateProcessingJob",
                  "Tuning": "CreateHyperParameterTuningJob", "Model": "CreateModel",
                  "Transform": "CreateTransformJob", "AutoML": "CreateAutoMLJob", "EndpointConfig": "CreateEndpointConfig",
                  "Endpoint": "CreateEndpoint", "InferenceComponent": "CreateInferenceComponent",
                  # the SageMaker SDK's RegisterModel step arguments are get_create_model_package_request's
                  "RegisterModel": "CreateModelPackage"}
NOTHING_TO_CHECK = {"Fail", "Condition", "Lineage"}
REFUSED_STEPS = {"EMR", "Lambda", "Callback"}


def evaluate_definition(steps: list[dict[str, Any]], p: Any, prefix: str = "PipelineDefinition") -> Outcome:
    """Expected violations and references of a definition without expressions (no conditions nested)."""
    out = Outcome()
    for i, st in enumerate(steps):
        here = f"{prefix}.Steps[{i}:{st['Name']}]"
        if st["Type"] in REFUSED_STEPS:
            out.violations[(here, "SM-UNSUPPORTED")] += 1
            continue
        if st["Type"] in NOTHING_TO_CHECK:
            continue
        op = STEP_OPERATION[st["Type"]]
        if op == "CreateAutoMLJob" and "AutoMLProblemTypeConfig" in st["Arguments"]:
            op = "CreateAutoMLJobV2"
        inner = evaluate(op, st["Arguments"], p, inject=False)
        for (path, rule), n in inner.violations.items():
            out.violations[(f"{here}.Arguments.{path}", rule)] += n
        out.references += [(f"{here}.Arguments.{a}", r, n) for a, r, n in inner.references]
    return out
