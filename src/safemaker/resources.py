"""Resource types: how each existing SageMaker resource is listed and described.

Used by the guard's reference checks (a request that names a model is checked
through DescribeModel) and by the audit. Operation and member names follow
botocore's SageMaker service model; a test checks each against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

__all__ = ["ResourceSpec", "RESOURCES"]


@dataclass(frozen=True)
class ResourceSpec:
    """How an existing resource of one type is listed and described (audit, references).

    Attributes
    ----------
    name : str
        Resource type key (``"model"``).
    create_operation : str
        The operation whose :class:`OperationRule` applies to a description.
    describe_operation : str
        Describe call (``"DescribeModel"``).
    name_param : str
        Request parameter of the Describe call naming the resource (``"ModelName"``).
    arn_key : str
        Response member holding the ARN (``"ModelArn"``).
    list_operation, list_key, list_name_key : str or None
        Paginated List call, the response member holding the summaries, and the
        summary member holding the name (for audit).
    """

    name: str
    create_operation: str
    describe_operation: str
    name_param: str
    arn_key: str
    list_operation: str | None = None
    list_key: str | None = None
    list_name_key: str | None = None


RESOURCES: Mapping[str, ResourceSpec] = {
    spec.name: spec
    for spec in (
        ResourceSpec("training-job", "CreateTrainingJob", "DescribeTrainingJob", "TrainingJobName",
                     "TrainingJobArn", "ListTrainingJobs", "TrainingJobSummaries", "TrainingJobName"),
        ResourceSpec("processing-job", "CreateProcessingJob", "DescribeProcessingJob", "ProcessingJobName",
                     "ProcessingJobArn", "ListProcessingJobs", "ProcessingJobSummaries", "ProcessingJobName"),
        ResourceSpec("hyper-parameter-tuning-job", "CreateHyperParameterTuningJob",
                     "DescribeHyperParameterTuningJob", "HyperParameterTuningJobName",
                     "HyperParameterTuningJobArn", "ListHyperParameterTuningJobs",
                     "HyperParameterTuningJobSummaries", "HyperParameterTuningJobName"),
        ResourceSpec("model", "CreateModel", "DescribeModel", "ModelName", "ModelArn",
                     "ListModels", "Models", "ModelName"),
        ResourceSpec("endpoint-config", "CreateEndpointConfig", "DescribeEndpointConfig",
                     "EndpointConfigName", "EndpointConfigArn", "ListEndpointConfigs",
                     "EndpointConfigs", "EndpointConfigName"),
        ResourceSpec("transform-job", "CreateTransformJob", "DescribeTransformJob", "TransformJobName",
                     "TransformJobArn", "ListTransformJobs", "TransformJobSummaries", "TransformJobName"),
        ResourceSpec("notebook-instance", "CreateNotebookInstance", "DescribeNotebookInstance",
                     "NotebookInstanceName", "NotebookInstanceArn", "ListNotebookInstances",
                     "NotebookInstances", "NotebookInstanceName"),
    )
}
"""Resource types by key: how each is listed and described."""


