"""Preflight through the guard on raw boto3 clients (local backend): refused requests are never sent.

The guard decides on the final request (after injection) for any botocore
client; the local backend's request log shows what reached it.
"""

from __future__ import annotations

import base64
import json

import pytest

from safemaker import hooks
from safemaker.errors import GuardrailViolation, PreflightWarning

from _profiles import IMG, ROLE, SUB_A, make_profile


@pytest.fixture
def sm(safemaker_local, safemaker_session):
    profile = make_profile(subnets=[SUB_A])
    hooks.install(safemaker_session, profile)
    safemaker_local.reset_requests()
    return safemaker_session.client("sagemaker")


def test_CreateTrainingJob_downloading_its_code_under_injected_isolation_is_not_sent(safemaker_local, sm):
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_training_job(
            TrainingJobName="job", RoleArn=ROLE,
            AlgorithmSpecification={"TrainingImage": IMG, "TrainingInputMode": "File"},
            HyperParameters={"sagemaker_program": '"train.py"',
                             "sagemaker_submit_directory": json.dumps("s3://b/job/source/sourcedir.tar.gz")},
            OutputDataConfig={"S3OutputPath": "s3://b/out"},
            ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
            StoppingCondition={"MaxRuntimeInSeconds": 60})
    assert [v.rule_id for v in exc.value.violations] == ["SM-PRE-CODE-DOWNLOAD"]
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0


def test_CreateModel_with_a_hub_model_id_is_not_sent(safemaker_local, sm):
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_model(ModelName="tgi", ExecutionRoleArn=ROLE, PrimaryContainer={
            "Image": IMG, "Environment": {"HF_MODEL_ID": "tiiuae/falcon-7b", "SM_NUM_GPUS": "1"}})
    (v,) = exc.value.violations
    assert (v.rule_id, v.path) == ("SM-PRE-MODEL-HUB", "PrimaryContainer.Environment.HF_MODEL_ID")
    assert safemaker_local.request_count("sagemaker", "CreateModel") == 0


def test_CreateModel_with_weights_under_opt_ml_model_is_sent(safemaker_local, sm):
    sm.create_model(ModelName="tgi", ExecutionRoleArn=ROLE, PrimaryContainer={
        "Image": IMG, "ModelDataUrl": "s3://b/model.tar.gz", "Environment": {"HF_MODEL_ID": "/opt/ml/model"}})
    assert safemaker_local.request_count("sagemaker", "CreateModel") == 1


def test_CreateNotebookInstance_with_a_github_repository_is_not_sent(safemaker_local, sm):
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_notebook_instance(NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=ROLE,
                                    DefaultCodeRepository="https://github.com/aws/amazon-sagemaker-examples.git")
    assert [(v.rule_id, v.path) for v in exc.value.violations] == [("SM-PRE-CODE-REPOSITORY",
                                                                    "DefaultCodeRepository")]
    assert safemaker_local.request_count("sagemaker", "CreateNotebookInstance") == 0


@pytest.fixture
def sm_root(safemaker_local, safemaker_session):
    """A guarded client whose profile lets lifecycle scripts run (they run as root: notebook_root_access)."""
    profile = make_profile(subnets=[SUB_A], notebook_root_access="Enabled")
    hooks.install(safemaker_session, profile)
    safemaker_local.reset_requests()
    return safemaker_session.client("sagemaker")


def test_lifecycle_configuration_fetching_from_the_internet_is_sent_with_a_warning(safemaker_local, sm_root):
    sm = sm_root
    script = "#!/bin/bash\nsudo -u ec2-user -i <<'EOF'\npip install --upgrade jupyterlab-git\nEOF\n"
    with pytest.warns(PreflightWarning, match=r"OnStart\[0\].Content line 3 is 'pip install --upgrade jupyterlab-git'"):
        sm.create_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName="lc", OnStart=[{"Content": base64.b64encode(script.encode()).decode()}])
    assert safemaker_local.request_count("sagemaker", "CreateNotebookInstanceLifecycleConfig") == 1


# --------------------------------------------------------------------------- every place a container's environment
# or a job's hyperparameters are given (trial 12 F02): botocore CreateTransformJob.Environment and
# CreateInferenceComponent Specification.Container.Environment are "The environment variables to set in the Docker
# container"; a tuning job's CategoricalParameterRanges give each training job one of their Values as that
# hyperparameter.

HUB = {"HF_MODEL_ID": "tiiuae/falcon-7b"}
TRANSFORM = {"TransformJobName": "t", "ModelName": "m", "Environment": HUB,
             "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/i"}}},
             "TransformOutput": {"S3OutputPath": "s3://b/o"},
             "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1}}


def _model(sm):
    """The transform job's model, closed (the guard fills in the profile's VPC and isolation)."""
    sm.create_model(ModelName="m", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMG,
                                                                            "ModelDataUrl": "s3://b/model.tar.gz"})


def test_CreateTransformJob_with_a_hub_model_id_is_not_sent(safemaker_local, sm):
    _model(sm)
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_transform_job(**TRANSFORM)
    assert [(v.rule_id, v.path) for v in exc.value.violations] == [("SM-PRE-MODEL-HUB", "Environment.HF_MODEL_ID")]
    assert safemaker_local.request_count("sagemaker", "CreateTransformJob") == 0


@pytest.mark.parametrize("operation", ["create_inference_component", "update_inference_component"])
def test_an_inference_components_container_with_a_hub_model_id_is_not_sent(safemaker_local, sm, operation):
    spec = {"Container": {"Image": IMG, "Environment": HUB},
            "ComputeResourceRequirements": {"MinMemoryRequiredInMb": 1024}}
    extra = ({"EndpointName": "e", "VariantName": "v", "RuntimeConfig": {"CopyCount": 1}}
             if operation.startswith("create") else {})
    with pytest.raises(GuardrailViolation) as exc:
        getattr(sm, operation)(InferenceComponentName="ic", Specification=spec, **extra)
    # (the endpoint or component it names does not exist here: SM-REFERENCE besides)
    assert [(v.rule_id, v.path) for v in exc.value.violations if v.rule_id != "SM-REFERENCE"] == [
        ("SM-PRE-MODEL-HUB", "Specification.Container.Environment.HF_MODEL_ID")]
    sent = "".join(w.title() for w in operation.split("_"))
    assert safemaker_local.request_count("sagemaker", sent) == 0


def test_a_tuning_job_whose_range_gives_an_s3_submit_directory_is_not_sent(safemaker_local, sm):
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_hyper_parameter_tuning_job(
            HyperParameterTuningJobName="h",
            HyperParameterTuningJobConfig={"Strategy": "Random",
                                           "ResourceLimits": {"MaxNumberOfTrainingJobs": 1, "MaxParallelTrainingJobs": 1}},
            TrainingJobDefinition={
                "RoleArn": ROLE, "AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"},
                "OutputDataConfig": {"S3OutputPath": "s3://b/o"}, "StoppingCondition": {"MaxRuntimeInSeconds": 60},
                "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
                "HyperParameterRanges": {"CategoricalParameterRanges": [
                    {"Name": "sagemaker_submit_directory", "Values": ["s3://b/src.tar.gz"]}]}})
    # isolation is injected (the profile requires it), so the container would have to download the code itself
    assert [(v.rule_id, v.path) for v in exc.value.violations] == [
        ("SM-PRE-CODE-DOWNLOAD", "TrainingJobDefinition.HyperParameterRanges.CategoricalParameterRanges[0].Values[0]")]
    assert safemaker_local.request_count("sagemaker", "CreateHyperParameterTuningJob") == 0


def test_a_pipelines_transform_step_with_a_hub_model_id_is_not_sent(safemaker_local, sm):
    args = {k: v for k, v in TRANSFORM.items() if k != "TransformJobName"}
    definition = {"Version": "2020-12-01", "Steps": [{"Name": "T", "Type": "Transform", "Arguments": args}]}
    _model(sm)
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_pipeline(PipelineName="p", RoleArn=ROLE, PipelineDefinition=json.dumps(definition))
    assert [(v.rule_id, v.path) for v in exc.value.violations] == [
        ("SM-PRE-MODEL-HUB", "PipelineDefinition.Steps[0:T].Arguments.Environment.HF_MODEL_ID")]
    assert safemaker_local.request_count("sagemaker", "CreatePipeline") == 0
