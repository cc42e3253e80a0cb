"""Every request member that sets a container's environment variables or a job's hyperparameters.

The preflight checks that read a container's environment (``SM-PRE-MODEL-HUB``: ``HF_MODEL_ID``,
``OPTION_MODEL_ID``, ``SERVING_LOAD_MODELS``; ``SM-PRE-CODE-DOWNLOAD``: ``SAGEMAKER_SUBMIT_DIRECTORY``)
or a training job's hyperparameters (``SM-PRE-CODE-DOWNLOAD``: ``sagemaker_submit_directory``) read
every member listed in :data:`CONTAINER_SETTINGS`, wherever the SageMaker API lets a request give
one (botocore's SageMaker model, member documentation "The environment variables to set in the
Docker container", "hyperparameters"); a pipeline step is the request of its operation, so its
members are read the same way. :data:`NOT_READ` names every other such member with the reason no
check reads it. ``tests/unit/test_preflight_settings.py`` derives the members from botocore's model
and fails on one that is in neither.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Mapping

from ..paths import split_path

__all__ = ["ContainerSetting", "CONTAINER_SETTINGS", "NOT_READ", "settings_of"]


@dataclass(frozen=True)
class ContainerSetting:
    """One request member that sets environment variables of a model container or hyperparameters of a job.

    Attributes
    ----------
    operation : str
        SageMaker operation (botocore's spelling).
    path : str
        Rule path of the member (``[]``: every element): a map (``Environment``, ``StaticHyperParameters``)
        or a list of ranges (``CategoricalParameterRanges``: each ``Values`` entry is a value one job gets;
        ``AutoParameters``: the ``ValueHint``; an inference recommendation's environment ranges: ``Value``).
    sets : {"model environment", "hyperparameters"}
        What the member sets: a model (serving) container's environment, or a training job's hyperparameters.
    isolation : str or None
        Rule path of the ``EnableNetworkIsolation`` that applies to the container or job (its ``[]`` are the
        same elements as the member's); ``None`` when the request does not say (a transform job runs the
        model's container, whose isolation is the model's): checks that need isolation find nothing there.
    """

    operation: str
    path: str
    sets: Literal["model environment", "hyperparameters"]
    isolation: str | None = None
    form: str = field(init=False)
    parts: tuple[str, ...] = field(init=False)
    isolation_parts: tuple[str, ...] | None = field(init=False)

    def __post_init__(self) -> None:
        last = self.path.rsplit(".", 1)[-1]
        form = {"CategoricalParameterRanges": "ranges", "AutoParameters": "auto"}.get(last, "map")
        object.__setattr__(self, "form", form)
        object.__setattr__(self, "parts", split_path(self.path))
        iso = split_path(self.isolation) if self.isolation is not None else None
        if iso is not None and "[]" in iso:  # the isolation's elements are the member's: a shared prefix
            last_list = len(iso) - 1 - iso[::-1].index("[]")
            if self.parts[:last_list + 1] != iso[:last_list + 1]:
                raise ValueError(f"{self.operation} {self.path}: isolation {self.isolation} is in other elements")
        object.__setattr__(self, "isolation_parts", iso)


_M, _H = "model environment", "hyperparameters"
_S = ContainerSetting

CONTAINER_SETTINGS: tuple[ContainerSetting, ...] = (
    # a model's containers (CreateModel: "The environment variables to set in the Docker container")
    _S("CreateModel", "PrimaryContainer.Environment", _M, "EnableNetworkIsolation"),
    _S("CreateModel", "Containers[].Environment", _M, "EnableNetworkIsolation"),
    # a transform job runs the model's container with these variables set (CreateTransformJob.Environment)
    _S("CreateTransformJob", "Environment", _M),
    # an inference component's own container ("Defines a container that provides the runtime environment
    # for a model that you deploy with an inference component")
    _S("CreateInferenceComponent", "Specification.Container.Environment", _M),
    _S("CreateInferenceComponent", "Specifications[].Container.Environment", _M),
    _S("UpdateInferenceComponent", "Specification.Container.Environment", _M),
    _S("UpdateInferenceComponent", "Specifications[].Container.Environment", _M),
    # model packages and algorithms: the containers a model made from them runs, and the transform jobs
    # their validation runs
    _S("CreateModelPackage", "InferenceSpecification.Containers[].Environment", _M),
    _S("CreateModelPackage", "AdditionalInferenceSpecifications[].Containers[].Environment", _M),
    _S("CreateModelPackage", "ValidationSpecification.ValidationProfiles[].TransformJobDefinition.Environment", _M),
    _S("UpdateModelPackage", "InferenceSpecification.Containers[].Environment", _M),
    _S("UpdateModelPackage", "AdditionalInferenceSpecificationsToAdd[].Containers[].Environment", _M),
    _S("CreateAlgorithm", "InferenceSpecification.Containers[].Environment", _M),
    _S("CreateAlgorithm", "ValidationSpecification.ValidationProfiles[].TransformJobDefinition.Environment", _M),
    # an optimization job: "The environment variables to set in the model container", and the overrides of
    # each optimization ("Environment variables that override the default ones in the model container")
    _S("CreateOptimizationJob", "OptimizationEnvironment", _M),
    _S("CreateOptimizationJob", "OptimizationConfigs[].ModelQuantizationConfig.OverrideEnvironment", _M),
    _S("CreateOptimizationJob", "OptimizationConfigs[].ModelCompilationConfig.OverrideEnvironment", _M),
    _S("CreateOptimizationJob", "OptimizationConfigs[].ModelShardingConfig.OverrideEnvironment", _M),
    # an inference recommendation job deploys the model with each value of each environment variable
    # (EnvironmentParameterRanges.CategoricalParameterRanges: Name "The Name of the environment variable")
    _S("CreateInferenceRecommendationsJob",
       "InputConfig.EndpointConfigurations[].EnvironmentParameterRanges.CategoricalParameterRanges", _M),
    # a training job's hyperparameters
    _S("CreateTrainingJob", "HyperParameters", _H, "EnableNetworkIsolation"),
    # a tuning job's: static ones, and the ranges each training job gets one value of
    _S("CreateHyperParameterTuningJob", "TrainingJobDefinition.StaticHyperParameters", _H,
       "TrainingJobDefinition.EnableNetworkIsolation"),
    _S("CreateHyperParameterTuningJob", "TrainingJobDefinition.HyperParameterRanges.CategoricalParameterRanges", _H,
       "TrainingJobDefinition.EnableNetworkIsolation"),
    _S("CreateHyperParameterTuningJob", "TrainingJobDefinition.HyperParameterRanges.AutoParameters", _H,
       "TrainingJobDefinition.EnableNetworkIsolation"),
    _S("CreateHyperParameterTuningJob", "TrainingJobDefinitions[].StaticHyperParameters", _H,
       "TrainingJobDefinitions[].EnableNetworkIsolation"),
    _S("CreateHyperParameterTuningJob", "TrainingJobDefinitions[].HyperParameterRanges.CategoricalParameterRanges",
       _H, "TrainingJobDefinitions[].EnableNetworkIsolation"),
    _S("CreateHyperParameterTuningJob", "TrainingJobDefinitions[].HyperParameterRanges.AutoParameters", _H,
       "TrainingJobDefinitions[].EnableNetworkIsolation"),
    # HyperParameterTuningJobConfig.ParameterRanges: the ranges of the job's (one) TrainingJobDefinition
    _S("CreateHyperParameterTuningJob", "HyperParameterTuningJobConfig.ParameterRanges.CategoricalParameterRanges",
       _H, "TrainingJobDefinition.EnableNetworkIsolation"),
    _S("CreateHyperParameterTuningJob", "HyperParameterTuningJobConfig.ParameterRanges.AutoParameters", _H,
       "TrainingJobDefinition.EnableNetworkIsolation"),
)
"""Every member a preflight check reads a container's environment or a job's hyperparameters from."""

_TRAINING_ENV = ("a training container's environment: the training toolkit takes the code location from the "
                 "hyperparameter sagemaker_submit_directory (read above), not from a variable, and HF_MODEL_ID, "
                 "OPTION_MODEL_ID and SERVING_LOAD_MODELS are read by serving containers (Hugging Face inference "
                 "toolkit, TGI, LMI, DJL Serving), not by training ones: what a training script downloads is "
                 "its own code's doing")
_PROCESSING_ENV = ("a processing container's environment: the job runs the container's own entrypoint "
                   "(AppSpecification), code arrives as a ProcessingInput, and no serving or training toolkit "
                   "in it reads a submit directory or a model ID variable")
_MONITORING_ENV = ("a monitoring job's container (Model Monitor / Clarify image or the job's own): a processing "
                   "job (" + _PROCESSING_ENV.split(": ", 1)[1] + ")")
_APP_ENV = ("a Studio app image's container (JupyterLab, Code Editor): no model server or training toolkit runs "
            "in it; what the app fetches is the user's doing, inside the domain's network")
_NUMERIC = "integer and continuous ranges hold numbers (MinValue, MaxValue): they cannot name an s3:// location"
_NOT_A_JOB = "records the parameters of a SageMaker Experiments trial component: no job runs with them"
_ALGORITHM = ("the training jobs an algorithm's validation runs (and those that name the algorithm) take their "
              "network isolation from elsewhere (the request says nothing of it): the code-download check needs "
              "EnableNetworkIsolation true; a training job that names the algorithm is checked as its own "
              "request")

NOT_READ: Mapping[tuple[str, str], str] = {
    ("CreateTrainingJob", "Environment"): _TRAINING_ENV,
    ("CreateHyperParameterTuningJob", "TrainingJobDefinition.Environment"): _TRAINING_ENV,
    ("CreateHyperParameterTuningJob", "TrainingJobDefinitions[].Environment"): _TRAINING_ENV,
    ("CreateProcessingJob", "Environment"): _PROCESSING_ENV,
    ("CreateDataQualityJobDefinition", "DataQualityAppSpecification.Environment"): _MONITORING_ENV,
    ("CreateModelBiasJobDefinition", "ModelBiasAppSpecification.Environment"): _MONITORING_ENV,
    ("CreateModelExplainabilityJobDefinition", "ModelExplainabilityAppSpecification.Environment"): _MONITORING_ENV,
    ("CreateModelQualityJobDefinition", "ModelQualityAppSpecification.Environment"): _MONITORING_ENV,
    ("CreateMonitoringSchedule", "MonitoringScheduleConfig.MonitoringJobDefinition.Environment"): _MONITORING_ENV,
    ("UpdateMonitoringSchedule", "MonitoringScheduleConfig.MonitoringJobDefinition.Environment"): _MONITORING_ENV,
    ("CreateAppImageConfig", "JupyterLabAppImageConfig.ContainerConfig.ContainerEnvironmentVariables"): _APP_ENV,
    ("CreateAppImageConfig", "CodeEditorAppImageConfig.ContainerConfig.ContainerEnvironmentVariables"): _APP_ENV,
    ("UpdateAppImageConfig", "JupyterLabAppImageConfig.ContainerConfig.ContainerEnvironmentVariables"): _APP_ENV,
    ("UpdateAppImageConfig", "CodeEditorAppImageConfig.ContainerConfig.ContainerEnvironmentVariables"): _APP_ENV,
    ("CreateAutoMLJobV2", "AutoMLProblemTypeConfig.TextGenerationJobConfig.TextGenerationHyperParameters"): (
        "Autopilot fine-tuning takes only the documented keys (epochCount, batchSize, learningRate, "
        "learningRateWarmupSteps): no code location"),
    ("CreateTrialComponent", "Parameters"): _NOT_A_JOB,
    ("UpdateTrialComponent", "Parameters"): _NOT_A_JOB,
    ("CreateTrialComponent", "InputArtifacts"): _NOT_A_JOB.replace("parameters", "input artifacts"),
    ("CreateAlgorithm", "ValidationSpecification.ValidationProfiles[].TrainingJobDefinition.HyperParameters"):
        _ALGORITHM,
    ("CreateAlgorithm", "TrainingSpecification.SupportedHyperParameters"): (
        "declares the hyperparameters the algorithm accepts (name, type, range, default); " + _ALGORITHM),
    **{("CreateHyperParameterTuningJob", f"{where}.{kind}ParameterRanges"): _NUMERIC
       for where in ("TrainingJobDefinition.HyperParameterRanges", "TrainingJobDefinitions[].HyperParameterRanges",
                     "HyperParameterTuningJobConfig.ParameterRanges")
       for kind in ("Integer", "Continuous")},
}
"""Every other member that sets a container's environment or hyperparameters, with why no check reads it."""


def settings_of(operation: str) -> tuple[ContainerSetting, ...]:
    """The :data:`CONTAINER_SETTINGS` of one operation, in table order."""
    return _BY_OPERATION.get(operation, ())


_BY_OPERATION: dict[str, tuple[ContainerSetting, ...]] = {}
for _s in CONTAINER_SETTINGS:
    _BY_OPERATION[_s.operation] = _BY_OPERATION.get(_s.operation, ()) + (_s,)
del _s
