"""Derived objects stay closed (F02) and closed_deploy (SDK v2), on the local backend.

For each path (create_model, deploy, transformer, tuner, processor) the
request botocore was about to send after the guard carries network
isolation, both VPC lists and inter-container traffic encryption with the
profile's values. No container runs on the local backend: jobs complete
without computing anything and an endpoint answers canned data.
"""

from __future__ import annotations

import pytest

import safemaker
from sdk_markers import require_sdk

require_sdk(2)  # skipped under SDK v3 (tests/sdk_markers.py)

# _sdk_v2_support first: it sets SAGEMAKER_SUPPRESS_V2_WARNING before the SDK is imported.
from _sdk_v2_support import BUCKET, IMG, ROLE, SG, SUB_A, SUB_C, SUB_OUT, VPC, make_profile, of  # noqa: E402
from _sdk_v2_support import no_user_sdk_config, profile, sent, sess  # noqa: E402, F401 (fixtures)
import sagemaker  # noqa: E402
import sagemaker.utils as sm_utils  # noqa: E402
from sagemaker.model import Model  # noqa: E402
from sagemaker.network import NetworkConfig  # noqa: E402
from sagemaker.processing import Processor, ScriptProcessor  # noqa: E402
from sagemaker.pytorch import PyTorchModel  # noqa: E402
from sagemaker.serverless import ServerlessInferenceConfig  # noqa: E402
from sagemaker.sklearn import SKLearnProcessor  # noqa: E402
from sagemaker.transformer import Transformer  # noqa: E402
from sagemaker.tuner import ContinuousParameter, HyperparameterTuner  # noqa: E402

from safemaker import hooks  # noqa: E402
from safemaker.errors import MISSING, GuardrailViolation  # noqa: E402
from safemaker.sdk import ClosedEstimator, ClosedNetworkSession, closed, closed_deploy  # noqa: E402
from safemaker.sdk.v2 import ClosedSessionError, is_closed  # noqa: E402
from safemaker.sdk.v2.session import _CheckedConfig  # noqa: E402

pytestmark = pytest.mark.sdk2


@pytest.fixture
def trained(sess) -> ClosedEstimator:
    est = ClosedEstimator(IMG, sagemaker_session=sess, output_path=f"s3://{BUCKET}/out")
    est.fit({"train": f"s3://{BUCKET}/train"})
    return est


def closed_model_request(req):
    return req["EnableNetworkIsolation"], req["VpcConfig"], req["ExecutionRoleArn"]


def decision(sess, operation):
    return [d for d in sess.guard.decisions if d.operation == operation][-1]


# --------------------------------------------------------------------------- create_model


def test_create_model_gives_a_closed_model_that_sends_a_closed_CreateModel(trained, sent, sess):
    model = trained.create_model()
    assert is_closed(model) and isinstance(model, Model)
    assert (model.enable_network_isolation(), model.vpc_config, model.role) == (True, VPC, ROLE)
    model.create(instance_type="ml.m5.large")
    (req,) = of(sent, "CreateModel")
    assert closed_model_request(req) == (True, VPC, ROLE)
    assert decision(sess, "CreateModel").injected == ()  # built closed by the SDK, not patched by the guard


@pytest.mark.parametrize("kwargs, path, found", [
    ({"enable_network_isolation": False}, "EnableNetworkIsolation", False),
    ({"vpc_config_override": {"Subnets": [SUB_OUT], "SecurityGroupIds": [SG]}}, "VpcConfig.Subnets[0]", SUB_OUT),
    ({"vpc_config_override": None}, "VpcConfig", None),
    ({"vpc_config_override": {"Subnets": [SUB_A]}}, "VpcConfig.SecurityGroupIds", MISSING),
])
def test_F02_create_model_refuses_what_would_open_the_model(kwargs, path, found, trained, safemaker_local):
    before = safemaker_local.request_count()
    with pytest.raises(GuardrailViolation) as exc:
        trained.create_model(**kwargs)
    assert [(v.path, v.found) for v in exc.value.violations] == [(path, found)]
    assert exc.value.operation == "CreateModel"
    assert "ClosedEstimator.create_model()" in exc.value.violations[0].fix
    assert safemaker_local.request_count() == before


def test_F02_framework_create_model_that_drops_isolation_still_gives_an_isolated_model(sess, tmp_path):
    # sagemaker.pytorch.PyTorch.create_model does not pass enable_network_isolation on to PyTorchModel.
    from sagemaker.pytorch import PyTorch

    entry = tmp_path / "train.py"
    entry.write_text("print(1)\n")
    est = closed(PyTorch)(entry_point=str(entry), framework_version="2.1", py_version="py310",
                          instance_count=1, instance_type="ml.m5.xlarge", sagemaker_session=sess)
    est.fit(wait=False)
    model = est.create_model()
    assert type(model).__name__ == "ClosedPyTorchModel" and isinstance(model, PyTorchModel)
    assert (model.enable_network_isolation(), model.vpc_config) == (True, VPC)


# --------------------------------------------------------------------------- deploy


def test_closed_deploy_of_an_estimator(trained, sent, sess, safemaker_local):
    predictor = closed_deploy(trained, 1, "ml.m5.large", endpoint_name="closed-ep")
    assert predictor.endpoint_name == "closed-ep"
    (model_req,) = of(sent, "CreateModel")
    assert closed_model_request(model_req) == (True, VPC, ROLE)
    (config_req,) = of(sent, "CreateEndpointConfig")
    assert config_req["ProductionVariants"][0]["ModelName"] == model_req["ModelName"]
    assert decision(sess, "CreateEndpointConfig").references == (f"model:{model_req['ModelName']}",)
    ep = sess.sagemaker_client.describe_endpoint(EndpointName="closed-ep")
    assert ep["EndpointStatus"] == "InService"
    stored = sess.sagemaker_client.describe_model(ModelName=model_req["ModelName"])
    assert (stored["EnableNetworkIsolation"], stored["VpcConfig"]) == (True, VPC)
    assert safemaker_local.request_count("logs") == 0


def test_closed_deploy_with_the_seed_4_6_arguments_inside_the_profile(trained, sent):
    closed_deploy(trained, 1, "ml.m4.xlarge", enable_network_isolation=True,
                  vpc_config_override={"Subnets": [SUB_C], "SecurityGroupIds": [SG]})
    (req,) = of(sent, "CreateModel")
    assert closed_model_request(req) == (True, {"Subnets": [SUB_C], "SecurityGroupIds": [SG]}, ROLE)


def test_F02_estimator_deploy_without_closed_deploy_is_closed_too(trained, sent):
    trained.deploy(1, "ml.m5.large")
    (req,) = of(sent, "CreateModel")
    assert closed_model_request(req) == (True, VPC, ROLE)


@pytest.mark.parametrize("kwargs, operation, path, rule", [
    ({"serverless_inference_config": ServerlessInferenceConfig()}, "CreateEndpointConfig",
     "ProductionVariants[0].ServerlessConfig", "SM-UNSUPPORTED"),
    ({"enable_network_isolation": False}, "CreateModel", "EnableNetworkIsolation", "SM-NET-ISOLATION"),
    ({"vpc_config_override": {"Subnets": [SUB_OUT], "SecurityGroupIds": [SG]}}, "CreateModel",
     "VpcConfig.Subnets[0]", "SM-NET-VPC"),
    ({"vpc_config_override": None}, "CreateModel", "VpcConfig", "SM-NET-VPC"),
])
def test_closed_deploy_refuses_what_cannot_run_closed(kwargs, operation, path, rule, trained, safemaker_local):
    before = safemaker_local.request_count()
    with pytest.raises(GuardrailViolation) as exc:
        closed_deploy(trained, 1, "ml.m5.large", **kwargs)
    assert exc.value.operation == operation
    assert [(v.path, v.rule_id) for v in exc.value.violations] == [(path, rule)]
    assert safemaker_local.request_count() == before


def test_serverless_refusal_gives_the_reason(trained):
    with pytest.raises(GuardrailViolation) as exc:
        closed_deploy(trained, serverless_inference_config=ServerlessInferenceConfig(memory_size_in_mb=2048))
    (v,) = exc.value.violations
    assert v.found == {"MemorySizeInMB": 2048, "MaxConcurrency": 5}
    # The guard's reason for the field (SM-UNSUPPORTED), as for the final CreateEndpointConfig.
    assert v.fix.startswith("Remove ProductionVariants[0].ServerlessConfig: serverless inference supports neither "
                            "VpcConfig nor network isolation")
    # The same refusal when the closed model is deployed directly.
    with pytest.raises(GuardrailViolation):
        trained.create_model().deploy(serverless_inference_config=ServerlessInferenceConfig())


def test_closed_deploy_of_a_plain_model_sets_the_settings_on_the_model_itself(sess, sent):
    model = Model(IMG, f"s3://{BUCKET}/model.tar.gz", ROLE, sagemaker_session=sess)
    closed_deploy(model, 1, "ml.m5.large", vpc_config_override={"Subnets": [SUB_A], "SecurityGroupIds": [SG]})
    assert (model.enable_network_isolation(), model.vpc_config) == (True, {"Subnets": [SUB_A],
                                                                         "SecurityGroupIds": [SG]})
    (req,) = of(sent, "CreateModel")
    assert closed_model_request(req) == (True, {"Subnets": [SUB_A], "SecurityGroupIds": [SG]}, ROLE)


def test_closed_model_deploy_applies_the_arguments_model_deploy_ignores(sess, sent):
    model = closed(Model)(IMG, f"s3://{BUCKET}/model.tar.gz", sagemaker_session=sess)
    assert model.role == ROLE
    model.deploy(1, "ml.m5.large", enable_network_isolation=True,
                 vpc_config_override={"Subnets": [SUB_C], "SecurityGroupIds": [SG]})
    (req,) = of(sent, "CreateModel")
    assert closed_model_request(req) == (True, {"Subnets": [SUB_C], "SecurityGroupIds": [SG]}, ROLE)
    with pytest.raises(GuardrailViolation) as exc:
        model.deploy(1, "ml.m5.large", enable_network_isolation=False)
    assert [v.path for v in exc.value.violations] == ["EnableNetworkIsolation"]


def test_closed_deploy_of_a_model_on_a_plain_session_is_refused(safemaker_local, safemaker_session):
    model = Model(IMG, f"s3://{BUCKET}/model.tar.gz", ROLE,
                  sagemaker_session=sagemaker.Session(boto_session=safemaker_session))
    with pytest.raises(ClosedSessionError) as exc:
        closed_deploy(model, 1, "ml.m5.large")
    assert exc.value.argument == "sagemaker_session"
    assert safemaker_local.request_count("sagemaker") == 0


def test_closed_deploy_refuses_other_objects():
    with pytest.raises(TypeError, match="closed_deploy\\(\\) takes a SageMaker SDK v2 estimator or model; got "
                                        "builtins.str"):
        closed_deploy("model", 1, "ml.m5.large")


# --------------------------------------------------------------------------- transformer


def test_transformer_creates_a_closed_model_and_the_job_is_checked_against_it(trained, sent, sess):
    transformer = trained.transformer(1, "ml.m5.large", output_path=f"s3://{BUCKET}/batch-out")
    transformer.transform(f"s3://{BUCKET}/batch-in", wait=True)
    (model_req,) = of(sent, "CreateModel")
    assert closed_model_request(model_req) == (True, VPC, ROLE)
    (job_req,) = of(sent, "CreateTransformJob")
    assert job_req["ModelName"] == model_req["ModelName"]
    assert decision(sess, "CreateTransformJob").references == (f"model:{model_req['ModelName']}",)


def test_transformer_refuses_isolation_false(trained, safemaker_local):
    before = safemaker_local.request_count()
    with pytest.raises(GuardrailViolation) as exc:
        trained.transformer(1, "ml.m5.large", enable_network_isolation=False)
    assert [v.path for v in exc.value.violations] == ["EnableNetworkIsolation"]
    assert "ClosedEstimator.transformer()" in exc.value.violations[0].fix
    assert safemaker_local.request_count() == before


def test_F02_transform_job_naming_a_model_that_is_not_closed_is_refused(sess, safemaker_session, safemaker_local):
    open_client = safemaker_session.client("sagemaker")
    hooks.uninstall(open_client)
    safemaker.uninstall_process()  # the open resource comes from elsewhere: the session's process guard refuses it
    open_client.create_model(ModelName="open-model", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMG})
    transformer = Transformer("open-model", 1, "ml.m5.large", output_path=f"s3://{BUCKET}/o", sagemaker_session=sess)
    with pytest.raises(GuardrailViolation) as exc:
        transformer.transform(f"s3://{BUCKET}/batch-in")
    assert sorted((v.path, v.found, v.rule_id) for v in exc.value.violations) == sorted([
        ("ModelName -> DescribeModel(ModelName='open-model').EnableNetworkIsolation", False, "SM-NET-ISOLATION"),
        ("ModelName -> DescribeModel(ModelName='open-model').VpcConfig", MISSING, "SM-NET-VPC"),
    ])
    assert safemaker_local.request_count("sagemaker", "CreateTransformJob") == 0


# --------------------------------------------------------------------------- tuner


def test_hyperparameter_tuner_sends_closed_training_definitions(trained, sent):
    tuner = HyperparameterTuner(trained, "validation:accuracy", {"lr": ContinuousParameter(0.01, 0.2)},
                                metric_definitions=[{"Name": "validation:accuracy", "Regex": "acc=(.*)"}],
                                max_jobs=2, max_parallel_jobs=1)
    tuner.fit({"train": f"s3://{BUCKET}/train"}, wait=False)
    (req,) = of(sent, "CreateHyperParameterTuningJob")
    definition = req["TrainingJobDefinition"]
    assert (definition["EnableNetworkIsolation"], definition["VpcConfig"],
            definition["EnableInterContainerTrafficEncryption"], definition["RoleArn"]) == (True, VPC, True, ROLE)


# --------------------------------------------------------------------------- processors


def test_plain_sdk_processor_sends_isolation_false_on_a_plain_session(safemaker_local, safemaker_session, sent):
    """Control: what the SDK's Processor sends unless told otherwise."""
    plain = sagemaker.Session(boto_session=safemaker_session, default_bucket=BUCKET)
    Processor(role=ROLE, image_uri=IMG, instance_count=1, instance_type="ml.m5.large",
              network_config=NetworkConfig(subnets=[SUB_A], security_group_ids=[SG]),
              sagemaker_session=plain).run(wait=False, logs=False)
    (req,) = of(sent, "CreateProcessingJob")
    assert req["NetworkConfig"]["EnableNetworkIsolation"] is False


def test_plain_sdk_script_processor_on_a_closed_session_sends_a_closed_request(sess, sent, tmp_path):
    code = tmp_path / "process.py"
    code.write_text("print('processing')\n")
    ScriptProcessor(image_uri=IMG, command=["python3"], instance_count=1, instance_type="ml.m5.large",
                    sagemaker_session=sess).run(code=str(code), wait=True)
    (req,) = of(sent, "CreateProcessingJob")
    assert req["NetworkConfig"] == {"EnableNetworkIsolation": True, "VpcConfig": VPC,
                                    "EnableInterContainerTrafficEncryption": True}
    assert req["RoleArn"] == ROLE
    assert [i["InputName"] for i in req["ProcessingInputs"]] == ["code"]


def test_closed_processor_fills_and_checks_network_config(sess, sent):
    klass = closed(Processor)
    processor = klass(image_uri=IMG, instance_count=1, instance_type="ml.m5.large", sagemaker_session=sess)
    processor.run(wait=False, logs=False)
    (req,) = of(sent, "CreateProcessingJob")
    assert req["NetworkConfig"] == {"EnableNetworkIsolation": True, "VpcConfig": VPC,
                                    "EnableInterContainerTrafficEncryption": True}
    with pytest.raises(GuardrailViolation) as exc:
        klass(ROLE, IMG, 1, "ml.m5.large", sagemaker_session=sess,
              network_config=NetworkConfig(enable_network_isolation=False, subnets=[SUB_A]))
    assert sorted((v.path, v.found) for v in exc.value.violations) == [
        ("NetworkConfig.EnableNetworkIsolation", False), ("NetworkConfig.VpcConfig.SecurityGroupIds", MISSING)]
    assert {v.fix.split("=")[0] for v in exc.value.violations} == {"Change enable_network_isolation",
                                                                   "Pass security_group_ids"}


def test_closed_framework_processor_class(sess):
    proc = closed(SKLearnProcessor)(framework_version="1.2-1", instance_count=1, instance_type="ml.m5.large",
                                    sagemaker_session=sess)
    assert (proc.network_config.enable_network_isolation, proc.network_config.subnets,
            proc.network_config.security_group_ids, proc.role) == (True, [SUB_A, SUB_C], [SG], ROLE)
    with pytest.raises(GuardrailViolation):
        closed(ScriptProcessor)(ROLE, IMG, ["python3"], 1, "ml.m5.large", sagemaker_session=sess,
                                network_config=NetworkConfig(encrypt_inter_container_traffic=False))


# --------------------------------------------------------------------------- the config is validated once


def test_closed_session_config_is_validated_once_and_other_configs_every_time(sess):
    assert type(sess.sagemaker_config) is _CheckedConfig
    assert sm_utils.get_sagemaker_config_value(sess, "SageMaker.Model.EnableNetworkIsolation") is True
    with pytest.raises(Exception, match="is not of type 'boolean'"):
        sm_utils.validate_sagemaker_config({"SchemaVersion": "1.0",
                                            "SageMaker": {"Model": {"EnableNetworkIsolation": "no"}}})


# --------------------------------------------------------------------------- a relaxed profile


def test_profile_without_isolation_requirement_leaves_the_choice_to_the_caller(safemaker_local, safemaker_session,
                                                                              sent):
    relaxed = make_profile(require_network_isolation=False, source="relaxed")
    safemaker_session.client("s3").create_bucket(Bucket=BUCKET)
    sess = ClosedNetworkSession(relaxed, boto_session=safemaker_session)
    est = ClosedEstimator(IMG, sagemaker_session=sess, output_path=f"s3://{BUCKET}/out")
    est.fit(wait=False)
    closed_deploy(est, 1, "ml.m5.large", enable_network_isolation=False)
    (train,) = of(sent, "CreateTrainingJob")
    assert "EnableNetworkIsolation" not in train and train["VpcConfig"] == VPC  # absent (off): allowed here
    (model,) = of(sent, "CreateModel")
    assert "EnableNetworkIsolation" not in model and model["VpcConfig"] == VPC  # the SDK omits a False
