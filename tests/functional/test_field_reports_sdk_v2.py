"""Field reports F01, F02, F06 and F09 (shared/cases/field-reports.md) as users hit them with SDK v2.

Each test runs the report's own SDK call with the plain SDK classes (``sagemaker.estimator.Estimator``,
``sagemaker.model.ModelPackage``, ``Processor``, ``Transformer``) on a ``ClosedNetworkSession`` and the local
backend (moto on 127.0.0.1 over HTTP), and asserts on the request botocore was about to send after the guard
(``before-parameter-build``) and on what reached the backend. Expected values are the report's: the profile's
two VPC lists (``VpcConfig`` is ``Subnets`` + ``SecurityGroupIds`` in botocore's model), ``EnableNetworkIsolation``
true, no IAM / STS / CloudWatch Logs request.
"""

from __future__ import annotations

import pytest

from sdk_markers import require_sdk

require_sdk(2)  # skipped under SDK v3 (tests/sdk_markers.py)

# _sdk_v2_support first: it sets SAGEMAKER_SUPPRESS_V2_WARNING before the SDK is imported.
from _sdk_v2_support import BUCKET, IMG, ROLE, SG, SUB_A, SUB_C, VPC, of  # noqa: E402
from _profiles import training_job_request  # noqa: E402
from _sdk_v2_support import no_user_sdk_config, profile, sent, sess  # noqa: E402, F401 (fixtures)
from sagemaker.estimator import Estimator  # noqa: E402
from sagemaker.model import ModelPackage  # noqa: E402
from sagemaker.model_card import ModelCard  # noqa: E402
from sagemaker.network import NetworkConfig  # noqa: E402
from sagemaker.processing import Processor  # noqa: E402
from sagemaker.tuner import ContinuousParameter, HyperparameterTuner  # noqa: E402

pytestmark = pytest.mark.sdk2


def plain_estimator(sess, **kwargs):
    """The report's plain SDK ``Estimator`` (not ``ClosedEstimator``) on the closed session."""
    return Estimator(**{"image_uri": IMG, "instance_count": 1, "instance_type": "ml.m5.large",
                        "sagemaker_session": sess, "output_path": f"s3://{BUCKET}/out", **kwargs})


# --------------------------------------------------------------------------- F01


@pytest.mark.parametrize("given", [{"security_group_ids": [SG]}, {"subnets": [SUB_A, SUB_C]}],
                         ids=["security_groups_only", "subnets_only"])
def test_F01_plain_Estimator_with_half_a_vpc_sends_nothing_open(sess, safemaker_local, given):
    """F01's own call: ``Estimator(image_uri=IMG, role=ROLE, ..., security_group_ids=[sg])`` (and its mirror,
    subnets only). The SDK versions of the report dropped VpcConfig; SDK 2.257 refuses half a VPC itself
    (RuntimeError). Either way no CreateTrainingJob without both lists leaves the process."""
    with pytest.raises(RuntimeError, match="both subnets and security_group_ids must be set"):
        plain_estimator(sess, role=ROLE, **given).fit(wait=False)
    assert safemaker_local.request_count("sagemaker") == 0


def test_F01_request_whose_VpcConfig_the_SDK_dropped_carries_both_profile_lists(sess, sent, safemaker_local):
    """What the report's SDK versions sent for half a VPC: a CreateTrainingJob with no VpcConfig at all. Through
    the closed session's client the final request carries both of the profile's lists."""
    sess.sagemaker_client.create_training_job(**training_job_request("dropped", output_path=f"s3://{BUCKET}/o"))
    (req,) = of(sent, "CreateTrainingJob")
    assert req["VpcConfig"] == {"Subnets": [SUB_A, SUB_C], "SecurityGroupIds": [SG]}
    stored = sess.sagemaker_client.describe_training_job(TrainingJobName="dropped")
    assert stored["VpcConfig"] == {"Subnets": [SUB_A, SUB_C], "SecurityGroupIds": [SG]}
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 1


# --------------------------------------------------------------------------- F02


def test_F02_plain_Estimator_deploy_sends_a_closed_CreateModel(sess, sent):
    """deploy() of a plain SDK Estimator (the path that dropped isolation and VPC) on a closed session."""
    est = plain_estimator(sess)
    est.fit(wait=True)
    est.deploy(1, "ml.m5.large")
    (req,) = of(sent, "CreateModel")
    assert (req["EnableNetworkIsolation"], req["VpcConfig"]) == (True, VPC)


def test_F02_plain_Estimator_transformer_sends_a_closed_CreateModel(sess, sent):
    est = plain_estimator(sess)
    est.fit(wait=True)
    est.transformer(1, "ml.m5.large", output_path=f"s3://{BUCKET}/batch-out").transform(
        f"s3://{BUCKET}/batch-in", wait=False)
    (req,) = of(sent, "CreateModel")
    assert (req["EnableNetworkIsolation"], req["VpcConfig"]) == (True, VPC)
    (job,) = of(sent, "CreateTransformJob")
    assert job["ModelName"] == req["ModelName"]


def test_F02_registered_model_package_deploys_a_closed_CreateModel(sess, sent, safemaker_local):
    """register(): the Estimator's model becomes a model package (CreateModelPackage carries no network fields
    in botocore's model); the Model made from it for deploy() sends a closed CreateModel."""
    est = plain_estimator(sess)
    est.fit(wait=True)
    # A model card given: without one, register() looks the job up with Search on ModelArtifacts, a
    # property moto 5.2 does not know (AWS does); the card is not what this test is about.
    est.register(content_types=["text/csv"], response_types=["text/csv"], inference_instances=["ml.m5.large"],
                 transform_instances=["ml.m5.large"], model_package_group_name="closed-group",
                 model_card=ModelCard(name="closed-card", sagemaker_session=sess))
    (package_req,) = of(sent, "CreateModelPackage")
    arn = sess.sagemaker_client.list_model_packages(ModelPackageGroupName="closed-group")[
        "ModelPackageSummaryList"][0]["ModelPackageArn"]
    ModelPackage(role=ROLE, model_package_arn=arn, sagemaker_session=sess).deploy(1, "ml.m5.large")
    (req,) = of(sent, "CreateModel")
    assert (req["EnableNetworkIsolation"], req["VpcConfig"]) == (True, VPC)
    assert req["Containers"][0]["ModelPackageName"] == arn
    assert safemaker_local.request_count("sagemaker", "CreateEndpoint") == 1
    assert package_req["ModelPackageGroupName"] == "closed-group"


# --------------------------------------------------------------------------- F06


def test_F06_every_waiting_helper_of_a_closed_session_polls_without_logs(sess, safemaker_local):
    """fit(logs=True), Processor.run(logs=True), Transformer.wait(logs=True) and deploy(wait=True): each wait
    polls its Describe call and reads no CloudWatch Logs (a closed network may have no Logs endpoint)."""
    est = plain_estimator(sess)
    est.fit(logs=True, wait=True)
    Processor(role=ROLE, image_uri=IMG, instance_count=1, instance_type="ml.m5.large", sagemaker_session=sess,
              network_config=NetworkConfig(subnets=[SUB_A], security_group_ids=[SG],
                                           enable_network_isolation=True)).run(wait=True, logs=True)
    transformer = est.transformer(1, "ml.m5.large", output_path=f"s3://{BUCKET}/batch-out")
    transformer.transform(f"s3://{BUCKET}/batch-in", wait=False)
    transformer.wait(logs=True)
    est.deploy(1, "ml.m5.large", wait=True)
    for describe in ("DescribeTrainingJob", "DescribeProcessingJob", "DescribeTransformJob", "DescribeEndpoint"):
        assert safemaker_local.request_count("sagemaker", describe) >= 1, describe
    assert safemaker_local.request_count("logs") == 0


# --------------------------------------------------------------------------- F09


def test_F09_no_IAM_or_STS_request_on_the_whole_submission_path_of_plain_SDK_classes(sess, sent, safemaker_local):
    """No role given anywhere: plain Estimator fit, tuner, transformer, processor and deploy take the role ARN
    from the profile and never call IAM (which has no VPC endpoint) nor STS."""
    est = plain_estimator(sess)
    est.fit(wait=True)
    HyperparameterTuner(est, "validation:accuracy", {"lr": ContinuousParameter(0.01, 0.2)},
                        metric_definitions=[{"Name": "validation:accuracy", "Regex": "acc=(.*)"}],
                        max_jobs=2, max_parallel_jobs=1).fit(wait=False)
    est.transformer(1, "ml.m5.large", output_path=f"s3://{BUCKET}/batch-out").transform(
        f"s3://{BUCKET}/batch-in", wait=False)
    Processor(image_uri=IMG, instance_count=1, instance_type="ml.m5.large", sagemaker_session=sess,
              role=sess.expand_role("SageMakerExecRole")).run(wait=False, logs=False)
    est.deploy(1, "ml.m5.large")
    assert of(sent, "CreateTrainingJob")[0]["RoleArn"] == ROLE
    assert of(sent, "CreateHyperParameterTuningJob")[0]["TrainingJobDefinition"]["RoleArn"] == ROLE
    assert of(sent, "CreateProcessingJob")[0]["RoleArn"] == ROLE
    assert {m["ExecutionRoleArn"] for m in of(sent, "CreateModel")} == {ROLE}
    assert safemaker_local.request_count("iam") == 0
    assert safemaker_local.request_count("sts") == 0
    assert {r.service for r in safemaker_local.requests} <= {"sagemaker", "s3"}


# --------------------------------------------------------------------------- F05


def test_F05_sdk_config_file_with_half_a_VpcConfig_is_refused_naming_the_missing_list(safemaker_local,
                                                                                       safemaker_session, profile,
                                                                                       tmp_path, monkeypatch):
    """An SDK config file whose TrainingJob VpcConfig has subnets only (the security groups lost): refused when
    the closed session is made, naming SecurityGroupIds and the file; nothing is sent."""
    import sagemaker.config.config as sm_config
    import yaml

    from safemaker.errors import MISSING, GuardrailViolation
    from safemaker.sdk import ClosedNetworkSession

    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"SchemaVersion": "1.0", "SageMaker": {"TrainingJob": {
        "VpcConfig": {"Subnets": [SUB_A]}}}}))
    monkeypatch.setenv(sm_config.ENV_VARIABLE_USER_CONFIG_OVERRIDE, str(path))
    with pytest.raises(GuardrailViolation) as exc:
        ClosedNetworkSession(profile, boto_session=safemaker_session)
    assert [(v.path, v.found) for v in exc.value.violations] == [
        (f"SageMaker.TrainingJob.VpcConfig.SecurityGroupIds in {path}", MISSING)]
    assert safemaker_local.request_count() == 0
