"""closed_deploy with SDK v3 objects on the local backend (F03: CreateModel always isolated, in the VPC).

ModelBuilder, a trained ModelTrainer, a TrainingJob, and sagemaker-core
Model / EndpointConfig / Endpoint objects, including a JumpStart-style model
(uncompressed S3 prefix ``ModelDataSource`` with an EULA acceptance), built
offline: no hub is reachable here, the request path is the one JumpStart
deployments send.
"""

from __future__ import annotations

import contextlib

import pytest
from sdk_markers import require_sdk

require_sdk(3)

from _sdk_v3_support import (  # noqa: E402
    BUCKET,
    IMG,
    OTHER_ROLE,
    ROLE,
    SG,
    SUBNET_A,
    SUBNET_C,
    v3env,  # noqa: F401 (fixture)
)
from sagemaker.core import resources, shapes  # noqa: E402
from sagemaker.core.inference_config import ServerlessInferenceConfig  # noqa: E402
from sagemaker.core.training.configs import Networking  # noqa: E402

import safemaker  # noqa: E402
from safemaker.errors import GuardrailViolation  # noqa: E402
from safemaker.sdk import v3  # noqa: E402
from safemaker.sdk._errors import ClosedSessionError  # noqa: E402

pytestmark = pytest.mark.sdk3

CLOSED_VPC = {"Subnets": [SUBNET_A, SUBNET_C], "SecurityGroupIds": [SG]}
JUMPSTART_URI = "s3://jumpstart-private-cache-us-east-1/meta-textgeneration-llama-3-2-1b/artifacts/inference-prepack/v1.0.0/"


def _model_builder(env, **kwargs):
    from sagemaker.serve.model_builder import ModelBuilder

    kwargs.setdefault("image_uri", IMG)
    kwargs.setdefault("s3_model_data_url", f"s3://{BUCKET}/model/model.tar.gz")
    kwargs.setdefault("role_arn", ROLE)
    kwargs.setdefault("instance_type", "ml.m5.large")
    kwargs.setdefault("sagemaker_session", env.session)
    return ModelBuilder(model_server=None, **kwargs)


def _assert_closed_model_request(body, role=ROLE, vpc=None):
    assert body["EnableNetworkIsolation"] is True
    assert body["VpcConfig"] == (vpc or CLOSED_VPC)
    assert body["ExecutionRoleArn"] == role


def test_closed_deploy_of_a_trained_ModelTrainer(v3env):
    trainer = v3env.trainer()
    trainer.train()
    endpoint = v3.closed_deploy(trainer, 2, "ml.m5.large", endpoint_name="ep-trainer")
    assert isinstance(endpoint, resources.Endpoint)
    assert (endpoint.endpoint_name, endpoint.endpoint_status) == ("ep-trainer", "InService")
    model = v3env.sent.one("CreateModel")
    _assert_closed_model_request(model)
    job = v3env.sent.one("CreateTrainingJob")["TrainingJobName"]
    assert model["PrimaryContainer"]["Image"] == IMG
    assert model["PrimaryContainer"]["ModelDataUrl"] == f"s3://{BUCKET}/closed-v3/{job}/output/model.tar.gz"
    config = v3env.sent.one("CreateEndpointConfig")
    assert config["ProductionVariants"][0]["ModelName"] == model["ModelName"]
    assert config["ProductionVariants"][0]["InstanceType"] == "ml.m5.large"
    assert config["ProductionVariants"][0]["InitialInstanceCount"] == 2
    assert v3env.sent.one("CreateEndpoint")["EndpointName"] == "ep-trainer"
    outcomes = {d.operation: (d.outcome, d.injected) for d in v3env.session.guard.decisions}
    assert outcomes["CreateModel"] == ("allowed", ())
    assert outcomes["CreateEndpointConfig"][0] == "allowed"
    assert v3env.backend.request_count("logs") == 0  # F06: the wait polls DescribeEndpoint only


def test_closed_deploy_of_a_TrainingJob(v3env):
    trainer = v3env.trainer()
    trainer.train()
    job = resources.TrainingJob.get(training_job_name=trainer._latest_training_job.training_job_name,
                                    session=v3env.session.boto_session)
    endpoint = v3.closed_deploy(job, 1, "ml.m5.large", endpoint_name="ep-job")
    assert endpoint.endpoint_status == "InService"
    _assert_closed_model_request(v3env.sent.one("CreateModel"))


def test_F03_ModelBuilder_without_network_is_deployed_isolated_in_the_VPC(v3env):
    builder = _model_builder(v3env)
    assert builder._enable_network_isolation is False  # what SDK v3 would send
    endpoint = v3.closed_deploy(builder, 1, "ml.m5.large", endpoint_name="ep-builder")
    assert endpoint.endpoint_status == "InService"
    body = v3env.sent.one("CreateModel")
    _assert_closed_model_request(body)
    assert body["PrimaryContainer"]["ModelDataUrl"] == f"s3://{BUCKET}/model/model.tar.gz"
    assert v3env.backend.request_count("iam") == 0


def test_F03_ModelBuilder_network_subset_is_kept_and_both_lists_sent(v3env):
    builder = _model_builder(v3env, network=Networking(subnets=[SUBNET_C]))
    v3.closed_deploy(builder, 1, "ml.m5.large", endpoint_name="ep-subset")
    _assert_closed_model_request(v3env.sent.one("CreateModel"), vpc={"Subnets": [SUBNET_C],
                                                                      "SecurityGroupIds": [SG]})


def test_F03_plain_ModelBuilder_build_on_a_closed_session_gets_isolation_injected(v3env):
    """Without closed_deploy the SDK leaves EnableNetworkIsolation out: the guard injects it (F03)."""
    _model_builder(v3env).build()
    body = v3env.sent.one("CreateModel")
    assert body["EnableNetworkIsolation"] is True
    [decision] = [d for d in v3env.session.guard.decisions if d.operation == "CreateModel"]
    assert decision.outcome == "injected"
    assert "EnableNetworkIsolation" in decision.injected


@pytest.mark.parametrize("network, path", [
    (Networking(enable_network_isolation=False), "networking.enable_network_isolation (EnableNetworkIsolation)"),
    (Networking(subnets=["subnet-0eeeeeeeeeeeeeeee"]), "networking.subnets[0] (VpcConfig.Subnets[0])"),
])
def test_ModelBuilder_network_conflict_is_refused_and_nothing_is_created(v3env, network, path):
    builder = _model_builder(v3env, network=network)
    with pytest.raises(GuardrailViolation) as exc:
        v3.closed_deploy(builder, 1, "ml.m5.large")
    assert exc.value.operation == "closed_deploy"
    assert [v.path for v in exc.value.violations] == [path]
    assert v3env.backend.request_count("sagemaker") == 0


def test_ModelBuilder_role_outside_the_profile_is_refused(v3env):
    builder = _model_builder(v3env, role_arn=OTHER_ROLE)
    with pytest.raises(GuardrailViolation) as exc:
        v3.closed_deploy(builder, 1, "ml.m5.large")
    assert [(v.path, v.rule_id) for v in exc.value.violations] == [("role_arn (ExecutionRoleArn)", "SM-IAM-ROLE")]
    assert v3env.backend.request_count("sagemaker") == 0


def test_serverless_inference_is_refused_with_the_reason(v3env):
    builder = _model_builder(v3env)
    with pytest.raises(GuardrailViolation) as exc:
        v3.closed_deploy(builder, inference_config=ServerlessInferenceConfig(memory_size_in_mb=2048,
                                                                             max_concurrency=1))
    [violation] = exc.value.violations
    assert violation.rule_id == "SM-UNSUPPORTED"
    assert violation.path == "ProductionVariants[0].ServerlessConfig"
    assert violation.found == {"MemorySizeInMB": 2048, "MaxConcurrency": 1}
    assert violation.fix.startswith("Remove ProductionVariants[0].ServerlessConfig: serverless inference supports "
                                    "neither VpcConfig nor network isolation")
    assert v3env.backend.request_count("sagemaker") == 0


def test_jumpstart_style_model_with_a_model_data_source_is_created_closed_and_deployed(v3env):
    model = resources.Model(
        model_name="js-llama-3-2-1b",
        primary_container=shapes.ContainerDefinition(
            image=IMG,
            model_data_source=shapes.ModelDataSource(s3_data_source=shapes.S3ModelDataSource(
                s3_uri=JUMPSTART_URI, s3_data_type="S3Prefix", compression_type="None",
                model_access_config=shapes.ModelAccessConfig(accept_eula=True))),
            environment={"SM_NUM_GPUS": "1", "HF_MODEL_ID": "/opt/ml/model"},
        ),
    )
    endpoint = v3.closed_deploy(model, 1, "ml.m5.large", endpoint_name="ep-jumpstart",
                                sagemaker_session=v3env.session)
    assert endpoint.endpoint_status == "InService"
    body = v3env.sent.one("CreateModel")
    _assert_closed_model_request(body)
    assert body["ModelName"] == "js-llama-3-2-1b"
    assert body["PrimaryContainer"]["ModelDataSource"] == {"S3DataSource": {
        "S3Uri": JUMPSTART_URI, "S3DataType": "S3Prefix", "CompressionType": "None",
        "ModelAccessConfig": {"AcceptEula": True}}}
    assert body["PrimaryContainer"]["Environment"] == {"SM_NUM_GPUS": "1", "HF_MODEL_ID": "/opt/ml/model"}
    config = v3env.sent.one("CreateEndpointConfig")
    assert config["ProductionVariants"] == [{"VariantName": "AllTraffic", "ModelName": "js-llama-3-2-1b",
                                             "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}]
    assert v3env.sent.one("CreateEndpoint") == {"EndpointName": "ep-jumpstart",
                                               "EndpointConfigName": "ep-jumpstart"}


def test_jumpstart_style_model_asking_for_no_isolation_is_refused(v3env):
    model = resources.Model(model_name="js-open", primary_container=shapes.ContainerDefinition(image=IMG),
                            enable_network_isolation=False)
    with pytest.raises(GuardrailViolation) as exc:
        v3.closed_deploy(model, 1, "ml.m5.large", sagemaker_session=v3env.session)
    assert [v.path for v in exc.value.violations] == [
        "networking.enable_network_isolation (EnableNetworkIsolation)"]
    assert v3env.backend.request_count("sagemaker") == 0


@contextlib.contextmanager
def _made_elsewhere():
    """Open resources made as by another process: this one's process guard (the closed session's) is off meanwhile."""
    g = safemaker.process_guard()
    safemaker.uninstall_process()
    try:
        yield
    finally:
        if g is not None:
            safemaker.install_process(g.profile, g.mode)


def _open_model(env, name):
    # A client with no guard of its own (the backend's own session is guarded by the closed session).
    import boto3

    raw = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                        region_name="us-east-1").client("sagemaker", endpoint_url=env.backend.endpoint_url)
    with _made_elsewhere():
        raw.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMG})
    return resources.Model.get(model_name=name, session=env.session.boto_session)


def test_an_existing_open_model_is_refused_by_the_guard_through_its_reference(v3env):
    model = _open_model(v3env, "open-model")
    v3env.backend.reset_requests()
    with pytest.raises(GuardrailViolation) as exc:
        v3.closed_deploy(model, 1, "ml.m5.large", sagemaker_session=v3env.session)
    assert exc.value.operation == "CreateEndpointConfig"
    assert {v.rule_id for v in exc.value.violations} >= {"SM-NET-ISOLATION"}
    assert v3env.backend.request_count("sagemaker", "CreateEndpointConfig") == 0
    assert v3env.backend.request_count("sagemaker", "DescribeModel") == 1


def test_an_existing_closed_model_and_endpoint_config(v3env):
    builder = _model_builder(v3env)
    built = builder.build()
    model = resources.Model.get(model_name=built.model_name, session=v3env.session.boto_session)
    endpoint = v3.closed_deploy(model, 1, "ml.m5.large", endpoint_name="ep-existing",
                                sagemaker_session=v3env.session)
    assert endpoint.endpoint_config_name == "ep-existing"
    config = resources.EndpointConfig(endpoint_config_name="ep-config-2", production_variants=[
        shapes.ProductionVariant(variant_name="AllTraffic", model_name=built.model_name,
                                 initial_instance_count=1, instance_type="ml.m5.large")])
    second = v3.closed_deploy(config, sagemaker_session=v3env.session, endpoint_name="ep-second")
    assert (second.endpoint_name, second.endpoint_config_name) == ("ep-second", "ep-config-2")
    assert v3env.sent.of("CreateEndpointConfig")[1]["ProductionVariants"][0]["ModelName"] == built.model_name
    # an existing, closed endpoint is checked and returned: nothing created
    count = v3env.backend.request_count("sagemaker", "CreateEndpoint")
    again = v3.closed_deploy(resources.Endpoint.get(endpoint_name="ep-second", session=v3env.session.boto_session),
                             sagemaker_session=v3env.session)
    assert again.endpoint_name == "ep-second"
    assert v3env.backend.request_count("sagemaker", "CreateEndpoint") == count


def test_an_existing_open_endpoint_is_refused(v3env):
    import boto3

    _open_model(v3env, "open-model-2")
    raw = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                        region_name="us-east-1").client("sagemaker", endpoint_url=v3env.backend.endpoint_url)
    with _made_elsewhere():
        raw.create_endpoint_config(EndpointConfigName="open-config", ProductionVariants=[
            {"VariantName": "AllTraffic", "ModelName": "open-model-2", "InitialInstanceCount": 1,
             "InstanceType": "ml.m5.large"}])
        raw.create_endpoint(EndpointName="open-endpoint", EndpointConfigName="open-config")
    endpoint = resources.Endpoint.get(endpoint_name="open-endpoint", session=v3env.session.boto_session)
    with pytest.raises(GuardrailViolation) as exc:
        v3.closed_deploy(endpoint, sagemaker_session=v3env.session)
    assert exc.value.operation == "closed_deploy"
    assert any(v.rule_id == "SM-NET-ISOLATION" for v in exc.value.violations)


def test_other_objects_and_untrained_trainers_are_refused(v3env):
    with pytest.raises(TypeError) as exc:
        v3.closed_deploy(object(), 1, "ml.m5.large")
    assert "takes an SDK v3 ModelBuilder" in str(exc.value)
    with pytest.raises(ValueError) as exc:
        v3.closed_deploy(v3env.trainer(), 1, "ml.m5.large")
    assert "has not trained" in str(exc.value)
    with pytest.raises(ClosedSessionError) as exc:
        v3.closed_deploy(resources.Model(model_name="m"), 1, "ml.m5.large", sagemaker_session=object())
    assert exc.value.argument == "sagemaker_session"
    assert v3env.backend.request_count("sagemaker") == 0
