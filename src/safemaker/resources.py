"""Resource types: how each existing SageMaker resource is listed and described.

Used by the guard's reference checks (a request that names a model is checked
through DescribeModel) and by the audit (:mod:`safemaker.audit`), which lists
every resource of every type and checks each description with the rules of
the operation that creates it. Operation and member names follow botocore's
SageMaker service model (``botocore/data/sagemaker/2017-07-24/service-2.json``);
``tests/unit/test_resources.py`` checks each against the installed model.

Keys are the resource types of SageMaker ARNs
(``arn:aws:sagemaker:<region>:<account>:<key>/<name>``), except
``automl-job-v2``, the AutoML job seen through ``DescribeAutoMLJobV2``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

__all__ = ["ResourceSpec", "RESOURCES", "REFERENCE_ONLY", "in_words"]


@dataclass(frozen=True)
class ResourceSpec:
    """How an existing resource of one type is listed and described (audit, references).

    Attributes
    ----------
    name : str
        Resource type key (``"model"``).
    create_operation : str
        The operation whose :class:`~safemaker.rules.OperationRule` applies to a description.
    describe_operation : str
        Describe call (``"DescribeModel"``).
    name_param : str
        Request parameter of the Describe call naming the resource (``"ModelName"``).
    arn_key : str or None
        Response member holding the ARN (``"ModelArn"``); dotted when nested
        (``"Workforce.WorkforceArn"``). ``None`` for a type that is only followed as a
        reference, never audited (``pipeline-execution``: its Describe call returns
        the definition the execution ran and no ARN).
    list_operation, list_key, list_name_key : str or None
        Paginated List call, the response member holding the summaries, and the
        summary member holding the value for ``name_param`` (for audit).
    list_arn_key : str or None
        Summary member holding the ARN, when the summaries have one (user
        profile summaries do not).
    extra_params : tuple[tuple[str, str], ...], default ()
        Further Describe parameters and the summary member each is read from
        (``(("DomainId", "DomainId"),)`` for ``DescribeUserProfile``); one the summary
        lacks is left out (an app has a ``UserProfileName`` or a ``SpaceName``).
    created_after_param : str or None
        The List call's server-side creation-time filter (``"CreationTimeAfter"``;
        ``"CreatedAfter"`` for ``ListPipelines``); ``None`` when it has none.
    active_statuses : tuple[str, ...], default ()
        Values of the List call's ``StatusEquals`` filter that mean "running or
        able to run now" (``"InProgress"``, ``"InService"``...); empty when the
        List call has no status filter.
    list_params : tuple[tuple[str, str], ...], default ()
        Further List parameters sent on every call (``(("ModelPackageType", "Both"),)``:
        ``ListModelPackages`` lists unversioned packages only by default).
    list_each : str or None
        A required List parameter with an enum (``"JobCategory"`` of ``ListJobs``): the
        List call is made once per value of botocore's enum, so every value is listed.
    name_from_arn : bool, default False
        ``list_name_key`` holds an ARN (``ListTrainingSessions`` summaries carry no
        name): the Describe parameter is the name after the ARN's ``<type>/``.
    status_key, gone_statuses : str or None, tuple[str, ...]
        Summary member holding the status, and the values that mean the resource no
        longer exists (``ListApps`` also lists ``Deleted`` apps): such summaries are skipped.
    """

    name: str
    create_operation: str
    describe_operation: str
    name_param: str
    arn_key: str | None
    list_operation: str | None = None
    list_key: str | None = None
    list_name_key: str | None = None
    list_arn_key: str | None = None
    extra_params: tuple[tuple[str, str], ...] = ()
    created_after_param: str | None = None
    active_statuses: tuple[str, ...] = ()
    list_params: tuple[tuple[str, str], ...] = ()
    list_each: str | None = None
    name_from_arn: bool = False
    status_key: str | None = None
    gone_statuses: tuple[str, ...] = ()


_AFTER = "CreationTimeAfter"
_JOB_ACTIVE = ("InProgress", "Stopping")


def _job(name: str, noun: str, summaries: str | None = None, *, active: tuple[str, ...] = _JOB_ACTIVE,
         create: str | None = None, describe: str | None = None, plural: str | None = None) -> ResourceSpec:
    """A ``<Noun>`` resource: Create<Noun>, Describe<Noun>, List<Noun>s with ``<Noun>Name``/``<Noun>Arn``."""
    return ResourceSpec(
        name,
        create or f"Create{noun}",
        describe or f"Describe{noun}",
        f"{noun}Name",
        f"{noun}Arn",
        f"List{plural or noun + 's'}",
        summaries or f"{noun}Summaries",
        f"{noun}Name",
        f"{noun}Arn",
        created_after_param=_AFTER,
        active_statuses=active,
    )


def _monitoring_definition(name: str, kind: str) -> ResourceSpec:
    """One of the four monitoring job definition types (``DataQuality``, ``ModelQuality``...)."""
    return ResourceSpec(
        name,
        f"Create{kind}JobDefinition",
        f"Describe{kind}JobDefinition",
        "JobDefinitionName",
        "JobDefinitionArn",
        f"List{kind}JobDefinitions",
        "JobDefinitionSummaries",
        "MonitoringJobDefinitionName",
        "MonitoringJobDefinitionArn",
        created_after_param=_AFTER,
    )


RESOURCES: Mapping[str, ResourceSpec] = {
    spec.name: spec
    for spec in (
        ResourceSpec("notebook-instance", "CreateNotebookInstance", "DescribeNotebookInstance",
                     "NotebookInstanceName", "NotebookInstanceArn", "ListNotebookInstances",
                     "NotebookInstances", "NotebookInstanceName", "NotebookInstanceArn",
                     created_after_param=_AFTER,
                     active_statuses=("Pending", "InService", "Updating", "Stopping")),
        _job("training-job", "TrainingJob"),
        _job("processing-job", "ProcessingJob"),
        _job("hyper-parameter-tuning-job", "HyperParameterTuningJob"),
        _job("transform-job", "TransformJob"),
        # Both AutoML versions are listed by ListAutoMLJobs; DescribeAutoMLJobV2 also
        # describes jobs created by CreateAutoMLJob (AWS API reference, CreateAutoMLJobV2).
        _job("automl-job", "AutoMLJob"),
        _job("automl-job-v2", "AutoMLJob", create="CreateAutoMLJobV2", describe="DescribeAutoMLJobV2"),
        _job("compilation-job", "CompilationJob", active=("STARTING", "INPROGRESS", "STOPPING")),
        _job("optimization-job", "OptimizationJob", active=("STARTING", "INPROGRESS", "STOPPING")),
        _job("labeling-job", "LabelingJob", "LabelingJobSummaryList",
             active=("Initializing", "InProgress", "Stopping")),
        # A flow definition sends Amazon A2I human reviews to its HumanLoopConfig.WorkteamArn, followed to
        # the team's workforce as a labeling job's is (ListFlowDefinitions has no status filter).
        _job("flow-definition", "FlowDefinition", active=()),
        ResourceSpec("inference-recommendations-job", "CreateInferenceRecommendationsJob",
                     "DescribeInferenceRecommendationsJob", "JobName", "JobArn",
                     "ListInferenceRecommendationsJobs", "InferenceRecommendationsJobs", "JobName", "JobArn",
                     created_after_param=_AFTER, active_statuses=("PENDING", "IN_PROGRESS", "STOPPING")),
        ResourceSpec("model", "CreateModel", "DescribeModel", "ModelName", "ModelArn",
                     "ListModels", "Models", "ModelName", "ModelArn", created_after_param=_AFTER),
        ResourceSpec("endpoint-config", "CreateEndpointConfig", "DescribeEndpointConfig",
                     "EndpointConfigName", "EndpointConfigArn", "ListEndpointConfigs",
                     "EndpointConfigs", "EndpointConfigName", "EndpointConfigArn", created_after_param=_AFTER),
        # An endpoint has no network fields of its own: the audit follows its
        # EndpointConfigName to the endpoint config and that config's models.
        ResourceSpec("endpoint", "CreateEndpoint", "DescribeEndpoint", "EndpointName", "EndpointArn",
                     "ListEndpoints", "Endpoints", "EndpointName", "EndpointArn", created_after_param=_AFTER,
                     active_statuses=("Creating", "Updating", "SystemUpdating", "RollingBack", "InService",
                                      "UpdateRollbackFailed")),
        ResourceSpec("monitoring-schedule", "CreateMonitoringSchedule", "DescribeMonitoringSchedule",
                     "MonitoringScheduleName", "MonitoringScheduleArn", "ListMonitoringSchedules",
                     "MonitoringScheduleSummaries", "MonitoringScheduleName", "MonitoringScheduleArn",
                     created_after_param=_AFTER, active_statuses=("Pending", "Scheduled")),
        _monitoring_definition("data-quality-job-definition", "DataQuality"),
        _monitoring_definition("model-quality-job-definition", "ModelQuality"),
        _monitoring_definition("model-bias-job-definition", "ModelBias"),
        _monitoring_definition("model-explainability-job-definition", "ModelExplainability"),
        ResourceSpec("domain", "CreateDomain", "DescribeDomain", "DomainId", "DomainArn",
                     "ListDomains", "Domains", "DomainId", "DomainArn"),
        ResourceSpec("user-profile", "CreateUserProfile", "DescribeUserProfile", "UserProfileName",
                     "UserProfileArn", "ListUserProfiles", "UserProfiles", "UserProfileName",
                     extra_params=(("DomainId", "DomainId"),)),
        ResourceSpec("cluster", "CreateCluster", "DescribeCluster", "ClusterName", "ClusterArn",
                     "ListClusters", "ClusterSummaries", "ClusterName", "ClusterArn", created_after_param=_AFTER),
        ResourceSpec("pipeline", "CreatePipeline", "DescribePipeline", "PipelineName", "PipelineArn",
                     "ListPipelines", "PipelineSummaries", "PipelineName", "PipelineArn",
                     created_after_param="CreatedAfter"),
        # Followed as references only (not in the audit's order): a retried pipeline
        # execution runs the definition it ran first, an inference experiment its variants.
        ResourceSpec("pipeline-execution", "CreatePipeline", "DescribePipelineDefinitionForExecution",
                     "PipelineExecutionArn", None, "ListPipelineExecutions", "PipelineExecutionSummaries",
                     "PipelineExecutionArn", created_after_param="CreatedAfter"),
        ResourceSpec("notebook-instance-lifecycle-config", "CreateNotebookInstanceLifecycleConfig",
                     "DescribeNotebookInstanceLifecycleConfig", "NotebookInstanceLifecycleConfigName",
                     "NotebookInstanceLifecycleConfigArn", "ListNotebookInstanceLifecycleConfigs",
                     "NotebookInstanceLifecycleConfigs", "NotebookInstanceLifecycleConfigName",
                     "NotebookInstanceLifecycleConfigArn", created_after_param=_AFTER),
        ResourceSpec("inference-component", "CreateInferenceComponent", "DescribeInferenceComponent",
                     "InferenceComponentName", "InferenceComponentArn", "ListInferenceComponents",
                     "InferenceComponents", "InferenceComponentName", "InferenceComponentArn",
                     created_after_param=_AFTER, active_statuses=("InService", "Creating", "Updating")),
        ResourceSpec("inference-experiment", "CreateInferenceExperiment", "DescribeInferenceExperiment",
                     "Name", "Arn", "ListInferenceExperiments", "InferenceExperiments", "Name",
                     created_after_param=_AFTER,
                     active_statuses=("Creating", "Created", "Updating", "Running", "Starting", "Stopping")),
        ResourceSpec("workteam", "CreateWorkteam", "DescribeWorkteam", "WorkteamName",
                     "Workteam.WorkteamArn", "ListWorkteams", "Workteams", "WorkteamName", "WorkteamArn"),
        ResourceSpec("workforce", "CreateWorkforce", "DescribeWorkforce", "WorkforceName",
                     "Workforce.WorkforceArn", "ListWorkforces", "Workforces", "WorkforceName", "WorkforceArn"),
        # Studio spaces (SpaceSettings.RemoteAccess) and apps (checked through their domain).
        ResourceSpec("space", "CreateSpace", "DescribeSpace", "SpaceName", "SpaceArn", "ListSpaces", "Spaces",
                     "SpaceName", extra_params=(("DomainId", "DomainId"),)),
        ResourceSpec("app", "CreateApp", "DescribeApp", "AppName", "AppArn", "ListApps", "Apps", "AppName",
                     # in the order of the app's ARN: app/<domain>/<user profile or space>/<type>/<name>
                     extra_params=(("DomainId", "DomainId"), ("UserProfileName", "UserProfileName"),
                                   ("SpaceName", "SpaceName"), ("AppType", "AppType")),
                     status_key="Status", gone_statuses=("Deleted",)),
        ResourceSpec("training-session", "CreateTrainingSession", "DescribeTrainingSession", "TrainingSessionName",
                     "TrainingSessionDetail.TrainingSessionArn", "ListTrainingSessions", "TrainingSessionSummaries",
                     "TrainingSessionArn", "TrainingSessionArn", created_after_param=_AFTER,
                     active_statuses=("Created", "Blocked", "Running", "Scheduled", "Stopping"),
                     name_from_arn=True),
        _job("ai-benchmark-job", "AIBenchmarkJob", "AIBenchmarkJobs"),
        # SageMaker Edge Manager: a packaging job's volume and output keys, a device fleet's output key.
        _job("edge-packaging-job", "EdgePackagingJob", active=("STARTING", "INPROGRESS", "STOPPING")),
        ResourceSpec("device-fleet", "CreateDeviceFleet", "DescribeDeviceFleet", "DeviceFleetName", "DeviceFleetArn",
                     "ListDeviceFleets", "DeviceFleetSummaries", "DeviceFleetName", "DeviceFleetArn",
                     created_after_param=_AFTER),
        # A model package (unversioned, or a version of a group: named by its ARN) and an algorithm:
        # a ValidationSpecification ran jobs without network settings.
        ResourceSpec("model-package", "CreateModelPackage", "DescribeModelPackage", "ModelPackageName",
                     "ModelPackageArn", "ListModelPackages", "ModelPackageSummaryList", "ModelPackageArn",
                     "ModelPackageArn", created_after_param=_AFTER, list_params=(("ModelPackageType", "Both"),)),
        ResourceSpec("algorithm", "CreateAlgorithm", "DescribeAlgorithm", "AlgorithmName", "AlgorithmArn",
                     "ListAlgorithms", "AlgorithmSummaryList", "AlgorithmName", "AlgorithmArn",
                     created_after_param=_AFTER),
        # Refused outright (they run outside the profile's network): an existing one is a finding,
        # read from its List summary (no Describe call).
        _job("ai-recommendation-job", "AIRecommendationJob", "AIRecommendationJobs"),
        ResourceSpec("job", "CreateJob", "DescribeJob", "JobName", "JobArn", "ListJobs", "JobSummaries", "JobName",
                     "JobArn", extra_params=(("JobCategory", "JobCategory"),), created_after_param=_AFTER,
                     active_statuses=_JOB_ACTIVE, list_each="JobCategory"),
        ResourceSpec("partner-app", "CreatePartnerApp", "DescribePartnerApp", "Arn", "Arn", "ListPartnerApps",
                     "Summaries", "Arn", "Arn", status_key="Status", gone_statuses=("Deleted",)),
        ResourceSpec("project", "CreateProject", "DescribeProject", "ProjectName", "ProjectArn", "ListProjects",
                     "ProjectSummaryList", "ProjectName", "ProjectArn", created_after_param=_AFTER,
                     status_key="ProjectStatus", gone_statuses=("DeleteCompleted",)),
        ResourceSpec("inference-router", "CreateInferenceRouter", "DescribeInferenceRouter", "InferenceRouterName",
                     "InferenceRouterArn", "ListInferenceRouters", "InferenceRouters", "InferenceRouterName",
                     "InferenceRouterArn"),
        ResourceSpec("global-inference-gateway", "CreateGlobalInferenceGateway", "DescribeGlobalInferenceGateway",
                     "Identifier", "Arn", "ListGlobalInferenceGateways", "GlobalInferenceGatewaySummaries", "Arn",
                     "Arn"),
    )
}
"""Resource types by key: how each is listed and described."""


REFERENCE_ONLY: frozenset[str] = frozenset({"pipeline-execution", "inference-experiment", "inference-component",
                                           "notebook-instance-lifecycle-config"})
"""Resource types followed only as references (``RetryPipelineExecution``,
``StartInferenceExperiment``, ``UpdateInferenceComponentRuntimeConfig``, a notebook's
``LifecycleConfigName``), not audited: a pipeline execution is checked through the definition it
ran, an inference experiment through the models of its variants, an inference component through
its model and endpoint, all of which the audit checks as pipelines, models and endpoints. (moto has
no ``ListNotebookInstanceLifecycleConfigs``: auditing lifecycle configurations on their own is left
out; a configuration runs only on the notebook instances that name it, which are audited with it.)
Work teams are audited (trial 8 F12): a team's own ``WorkerAccessConfiguration`` (SM-WORKTEAM-PRESIGN)
is not reached through its workforce."""


def in_words(resource: str) -> str:
    """A resource type key in words, with its article: ``"endpoint-config"`` -> ``"an endpoint config"``.

    Parameters
    ----------
    resource : str
        Key into :data:`RESOURCES` (any string is accepted).

    Returns
    -------
    str
        The words, for messages.
    """
    words = resource.replace("-", " ")
    return ("an " if words[:1] in "aeiou" else "a ") + words
