"""The requests of services other than SageMaker and CloudFormation that the process guard decides.

A light table (no imports), read when a client of one of these services makes its first call
under the process guard (:mod:`safemaker.process`), so that their other operations never reach
the guard; what each operation means and how it is decided is
:mod:`safemaker.iac.service_calls`.
"""

from __future__ import annotations

from typing import Mapping

__all__ = ["DECIDED_OPERATIONS", "ENDPOINT_PREFIXES"]

DECIDED_OPERATIONS: Mapping[str, frozenset[str]] = {
    "cloudcontrol": frozenset({"CreateResource", "UpdateResource"}),
    "stepfunctions": frozenset({"CreateStateMachine", "UpdateStateMachine", "StartExecution", "StartSyncExecution",
                                "RedriveExecution", "TestState", "CreateStateMachineAlias",
                                "UpdateStateMachineAlias"}),
    "scheduler": frozenset({"CreateSchedule", "UpdateSchedule"}),
    "events": frozenset({"PutTargets", "EnableRule", "PutRule"}),
    "pipes": frozenset({"CreatePipe", "UpdatePipe", "StartPipe"}),
    "ssm": frozenset({"CreateDocument", "UpdateDocument", "StartAutomationExecution", "CreateAssociation",
                      "CreateAssociationBatch",
                      "StartChangeRequestExecution", "UpdateAssociation", "StartAssociationsOnce",
                      "RegisterTaskWithMaintenanceWindow", "UpdateMaintenanceWindowTask",
                      "UpdateMaintenanceWindow", "UpdateDocumentDefaultVersion"}),
    "servicecatalog": frozenset({"ProvisionProduct", "UpdateProvisionedProduct", "ExecuteProvisionedProductPlan",
                                 "CreateServiceAction", "UpdateServiceAction", "ExecuteProvisionedProductServiceAction"}),
    "codepipeline": frozenset({"CreatePipeline", "UpdatePipeline", "StartPipelineExecution", "RetryStageExecution",
                               "RollbackStage", "EnableStageTransition", "OverrideStageCondition",
                               "PutActionRevision", "PutApprovalResult"}),
    "config": frozenset({"PutRemediationConfigurations", "StartRemediationExecution", "PutConformancePack",
                         "PutOrganizationConformancePack"}),
    "ssm-incidents": frozenset({"CreateResponsePlan", "UpdateResponsePlan", "StartIncident"}),
    "fis": frozenset({"CreateExperimentTemplate", "UpdateExperimentTemplate", "StartExperiment"}),
    "mgn": frozenset({"PutSourceServerAction", "PutTemplateAction", "UpdateLaunchConfiguration",
                      "CreateLaunchConfigurationTemplate", "UpdateLaunchConfigurationTemplate"}),
    "iot": frozenset({"CreateTopicRule", "ReplaceTopicRule"}),
    "eventbridgev2": frozenset({"CreateSubscriber", "UpdateSubscriber"}),
    "bedrock": frozenset({"CreateMarketplaceModelEndpoint", "UpdateMarketplaceModelEndpoint",
                          "CreateEvaluationJob"}),
    "batch": frozenset({"SubmitServiceJob"}),
    "sagemaker-a2i-runtime": frozenset({"StartHumanLoop"}),
    "textract": frozenset({"AnalyzeDocument"}),
    "rekognition": frozenset({"DetectModerationLabels"}),
    "application-autoscaling": frozenset({"RegisterScalableTarget", "PutScheduledAction", "PutScalingPolicy"}),
    "codeconnections": frozenset({"CreateSyncConfiguration", "UpdateSyncConfiguration"}),
    "codestar-connections": frozenset({"CreateSyncConfiguration", "UpdateSyncConfiguration"}),
    "datazone": frozenset({"CreateEnvironmentBlueprint", "UpdateEnvironmentBlueprint", "CreateEnvironment",
                           "UpdateEnvironment", "CreateProject", "UpdateProject", "StartNotebookRun"}),
    "neptunedata": frozenset({"StartMLDataProcessingJob", "StartMLModelTrainingJob", "StartMLModelTransformJob",
                              "CreateMLEndpoint"}),
    "greengrass": frozenset({"CreateResourceDefinition", "CreateResourceDefinitionVersion"}),
    "apigateway": frozenset({"PutIntegration", "UpdateIntegration", "ImportRestApi", "PutRestApi"}),
    "proton": frozenset({"CreateEnvironment", "UpdateEnvironment", "CreateService", "UpdateService",
                         "CreateServiceInstance", "UpdateServiceInstance", "UpdateServicePipeline", "CreateComponent",
                         "UpdateComponent"}),
}
"""botocore service name (``client.meta.service_model.service_name``) -> the operations decided
(:func:`safemaker.iac.service_calls.service_call_decision`); any other operation passes untouched."""

ENDPOINT_PREFIXES: Mapping[str, tuple[str, ...]] = {
    "cloudformation": ("cloudformation",),
    "cloudcontrolapi": ("cloudcontrol",),
    "states": ("stepfunctions",),
    "scheduler": ("scheduler",),
    "events": ("events",),
    "pipes": ("pipes",),
    "ssm": ("ssm",),
    "servicecatalog": ("servicecatalog",),
    "codepipeline": ("codepipeline",),
    "config": ("config",),
    "ssm-incidents": ("ssm-incidents",),
    "fis": ("fis",),
    "mgn": ("mgn",),
    "iot": ("iot",),
    "eventsv2": ("eventbridgev2",),
    "bedrock": ("bedrock",),
    "batch": ("batch",),
    "a2i-runtime.sagemaker": ("sagemaker-a2i-runtime",),
    "textract": ("textract",),
    "rekognition": ("rekognition",),
    "application-autoscaling": ("application-autoscaling",),
    "codeconnections": ("codeconnections",),
    "codestar-connections": ("codestar-connections",),
    "datazone": ("datazone",),
    "neptune-db": ("neptunedata",),
    "greengrass": ("greengrass",),
    "proton": ("proton",),
    "apigateway": ("apigateway",),
}
"""botocore ``endpointPrefix`` (what ``Endpoint._endpoint_prefix`` holds) -> the services above (and CloudFormation)
with that prefix: a request sent to such an endpoint without a guard's approval is identified and refused when it
is a decided operation (:func:`safemaker.process.undecided_carrier_operation`; trial 17 F01). Checked against
botocore's models by the tests."""
