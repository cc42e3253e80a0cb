"""SDK v2 objects built without ``sagemaker_session=`` in a process that holds a ClosedNetworkSession.

Each makes its own default ``sagemaker.Session()`` (so its own boto3 session
and SageMaker client, which the closed session never saw). The process guard
that the closed session turned on decides their requests: filled in with the
profile's values, or refused with nothing sent (the backend's request count).
Clients reach the local backend through ``AWS_ENDPOINT_URL``, as any client
with no endpoint argument would.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sdk_markers import require_sdk

require_sdk(2)  # skipped under SDK v3 (tests/sdk_markers.py)

from _sdk_v2_support import BUCKET, IMG, ROLE, SUB_OUT, SG, VPC  # noqa: E402
from _sdk_v2_support import no_user_sdk_config, profile, sent, sess  # noqa: E402, F401 (fixtures)
import sagemaker  # noqa: E402
import sagemaker.telemetry.telemetry_logging as telemetry  # noqa: E402
from sagemaker.estimator import Estimator  # noqa: E402

import safemaker  # noqa: E402
from safemaker.errors import GuardrailViolation  # noqa: E402

pytestmark = pytest.mark.sdk2


@pytest.fixture
def closed_process(sess, safemaker_local, monkeypatch):
    """A process holding a ClosedNetworkSession; default clients go to the local backend; no telemetry sent."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", safemaker_local.endpoint_url)
    monkeypatch.setattr(telemetry, "_requests_helper", lambda url, timeout: None)
    assert safemaker.process_guard() is not None and safemaker.process_guard().profile == sess.profile
    return sess


def job(safemaker_local, name):
    return safemaker_local.session.client("sagemaker").describe_training_job(TrainingJobName=name)


def test_built_in_algorithm_estimator_without_session_is_filled_in(closed_process, safemaker_local):
    image = sagemaker.image_uris.retrieve("xgboost", "us-east-1", "1.7-1")  # the SDK's built-in algorithm image
    est = Estimator(image, ROLE, instance_count=1, instance_type="ml.m5.large",
                    output_path=f"s3://{BUCKET}/out", hyperparameters={"num_round": "10"})
    assert est.sagemaker_session is not closed_process
    est.fit(wait=False, job_name="xgb")
    stored = job(safemaker_local, "xgb")
    assert (stored["EnableNetworkIsolation"], stored["EnableInterContainerTrafficEncryption"],
            stored["VpcConfig"]) == (True, True, VPC)
    assert [d.operation for d in safemaker.process_guard().decisions].count("CreateTrainingJob") == 1


def test_estimator_without_session_asking_for_an_open_job_is_refused(closed_process, safemaker_local):
    est = Estimator(IMG, ROLE, instance_count=1, instance_type="ml.m5.large", output_path=f"s3://{BUCKET}/out",
                    subnets=[SUB_OUT], security_group_ids=[SG])
    with pytest.raises(GuardrailViolation) as exc:
        est.fit(wait=False, job_name="open")
    assert [(v.path, v.found) for v in exc.value.violations] == [("VpcConfig.Subnets[0]", SUB_OUT)]
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0


def test_framework_estimator_without_session_is_refused_before_its_code_cannot_be_read(closed_process,
                                                                                      safemaker_local, tmp_path):
    """A plain framework estimator stages its code as an s3:// submit directory that a network-isolated
    container cannot download: the process guard injects isolation, and the preflight refuses the job."""
    from sagemaker.pytorch import PyTorch

    (tmp_path / "train.py").write_text("print('training')\n")
    est = PyTorch(entry_point="train.py", source_dir=str(tmp_path), framework_version="2.1", py_version="py310",
                  role=ROLE, instance_count=1, instance_type="ml.m5.large", output_path=f"s3://{BUCKET}/out",
                  code_location=f"s3://{BUCKET}/code")
    with pytest.raises(GuardrailViolation) as exc:
        est.fit(wait=False, job_name="pt")
    assert [(v.path, v.rule_id) for v in exc.value.violations] == [
        ("HyperParameters.sagemaker_submit_directory", "SM-PRE-CODE-DOWNLOAD")]
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0


def test_model_deploy_without_session_is_filled_in(closed_process, safemaker_local):
    from sagemaker.model import Model

    Model(IMG, model_data=f"s3://{BUCKET}/model.tar.gz", role=ROLE, name="plain-model").deploy(
        1, "ml.m5.large", endpoint_name="plain-endpoint", wait=False)
    sm = safemaker_local.session.client("sagemaker")
    model = sm.describe_model(ModelName="plain-model")
    assert (model["EnableNetworkIsolation"], model["VpcConfig"]) == (True, VPC)
    assert sm.describe_endpoint(EndpointName="plain-endpoint")["EndpointName"] == "plain-endpoint"


def test_modules_model_trainer_without_session_is_filled_in(closed_process, safemaker_local):
    from sagemaker.modules.configs import Compute, OutputDataConfig
    from sagemaker.modules.train import ModelTrainer

    trainer = ModelTrainer(training_image=IMG, role=ROLE, base_job_name="mt",
                           compute=Compute(instance_type="ml.m5.large", instance_count=1),
                           output_data_config=OutputDataConfig(s3_output_path=f"s3://{BUCKET}/out"))
    trainer.train(wait=False)
    (name,) = [s["TrainingJobName"] for s in
               safemaker_local.session.client("sagemaker").list_training_jobs()["TrainingJobSummaries"]]
    stored = job(safemaker_local, name)
    assert (stored["EnableNetworkIsolation"], stored["VpcConfig"]) == (True, VPC)


def test_pipeline_session_as_the_sdk_examples_write_it(closed_process, safemaker_local):
    from sagemaker.workflow.pipeline import Pipeline
    from sagemaker.workflow.pipeline_context import PipelineSession
    from sagemaker.workflow.steps import TrainingStep

    pipeline_session = PipelineSession()
    est = Estimator(IMG, ROLE, instance_count=1, instance_type="ml.m5.large", output_path=f"s3://{BUCKET}/out",
                    sagemaker_session=pipeline_session)
    step = TrainingStep(name="Train", step_args=est.fit())
    pipeline = Pipeline(name="open-pipeline", steps=[step], sagemaker_session=pipeline_session)
    with pytest.raises(GuardrailViolation) as exc:
        pipeline.upsert(role_arn=ROLE)
    paths = [v.path for v in exc.value.violations]
    assert any(p.endswith("Arguments.EnableNetworkIsolation") for p in paths), paths
    assert safemaker_local.request_count("sagemaker", "CreatePipeline") == 0


@pytest.fixture
def process_only(profile, safemaker_local, monkeypatch):
    """Only the process guard (``install_process``, as ``safemaker run`` and ``safemaker.auto`` turn it on);
    default clients go to the local backend; the SDK's telemetry sends as it would (its GET is refused by
    the tests' loopback-only guard and recorded by ``outbound_attempts``)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", safemaker_local.endpoint_url)
    safemaker_local.session.client("s3").create_bucket(Bucket=BUCKET)
    return safemaker.install_process(profile)


def test_plain_session_under_the_process_guard_sends_no_telemetry(process_only, safemaker_local,
                                                                    outbound_attempts):
    """``Estimator.fit`` is wrapped by the SDK's telemetry emitter, which sends a GET to
    ``sm-pysdk-t-<region>.s3.<region>.amazonaws.com`` (with the account id and the refusal text) unless
    ``SageMaker.PythonSDK.Modules.TelemetryOptOut`` is set in the session's config."""
    est = Estimator(IMG, ROLE, instance_count=1, instance_type="ml.m5.large", output_path=f"s3://{BUCKET}/out",
                    subnets=[SUB_OUT], security_group_ids=[SG], sagemaker_session=sagemaker.Session())
    with pytest.raises(GuardrailViolation):
        est.fit(wait=False, job_name="open")
    assert outbound_attempts == []
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0


def test_pipeline_session_under_the_process_guard_sends_no_telemetry(process_only, safemaker_local,
                                                                       outbound_attempts):
    """``Pipeline.create`` (through ``upsert``) is wrapped by the telemetry emitter as well."""
    from sagemaker.workflow.pipeline import Pipeline
    from sagemaker.workflow.pipeline_context import PipelineSession
    from sagemaker.workflow.steps import TrainingStep

    pipeline_session = PipelineSession()
    est = Estimator(IMG, ROLE, instance_count=1, instance_type="ml.m5.large", output_path=f"s3://{BUCKET}/out",
                    sagemaker_session=pipeline_session)
    pipeline = Pipeline(name="open-pipeline", steps=[TrainingStep(name="Train", step_args=est.fit())],
                        sagemaker_session=pipeline_session)
    with pytest.raises(GuardrailViolation):
        pipeline.upsert(role_arn=ROLE)
    assert outbound_attempts == []
    assert safemaker_local.request_count("sagemaker", "CreatePipeline") == 0


def test_a_session_made_before_the_process_guard_sends_no_telemetry(profile, safemaker_local, monkeypatch,
                                                                     outbound_attempts):
    """A session made before any guard keeps its own config (no opt-out in it); its telemetry GET is
    still not sent once the process guard is on: a closed process sends nothing outside botocore."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", safemaker_local.endpoint_url)
    safemaker_local.session.client("s3").create_bucket(Bucket=BUCKET)
    early = sagemaker.Session()
    assert safemaker.process_guard() is None
    safemaker.install_process(profile)
    est = Estimator(IMG, ROLE, instance_count=1, instance_type="ml.m5.large", output_path=f"s3://{BUCKET}/out",
                    subnets=[SUB_OUT], security_group_ids=[SG], sagemaker_session=early)
    with pytest.raises(GuardrailViolation):
        est.fit(wait=False, job_name="open")
    assert outbound_attempts == []
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0


def test_a_user_config_saying_telemetry_on_is_overridden_under_the_process_guard(process_only, tmp_path,
                                                                                  monkeypatch, outbound_attempts):
    import sagemaker.config.config as sm_config

    user = tmp_path / "user.yaml"
    user.write_text("SchemaVersion: '1.0'\nSageMaker:\n  PythonSDK:\n    Modules:\n"
                    "      TelemetryOptOut: false\n")
    monkeypatch.setenv(sm_config.ENV_VARIABLE_USER_CONFIG_OVERRIDE, str(user))
    session = sagemaker.Session()
    est = Estimator(IMG, ROLE, instance_count=1, instance_type="ml.m5.large", output_path=f"s3://{BUCKET}/out",
                    subnets=[SUB_OUT], security_group_ids=[SG], sagemaker_session=session)
    with pytest.raises(GuardrailViolation):
        est.fit(wait=False, job_name="open")
    assert outbound_attempts == []
    assert user.read_text().endswith("TelemetryOptOut: false\n")  # the user's file is not touched


def test_plain_session_under_the_process_guard_takes_the_profiles_bucket_without_sts(process_only, profile,
                                                                                       safemaker_local,
                                                                                       outbound_attempts):
    """The SDK's default bucket name needs the account from STS, which it asks at the public
    ``sts.<region>.amazonaws.com`` whatever ``AWS_ENDPOINT_URL`` says: the profile's bucket is taken instead."""
    assert sagemaker.Session().default_bucket() == profile.default_bucket == BUCKET
    assert outbound_attempts == []
    assert safemaker_local.request_count("sts") == 0


def test_plain_session_without_a_profile_bucket_asks_sts_at_the_configured_endpoint(safemaker_local, monkeypatch,
                                                                                    outbound_attempts):
    from _sdk_v2_support import make_profile

    monkeypatch.setenv("AWS_ENDPOINT_URL", safemaker_local.endpoint_url)
    account = safemaker_local.session.client("sts").get_caller_identity()["Account"]  # moto's account
    safemaker.install_process(make_profile(default_bucket=None))
    safemaker_local.reset_requests()
    assert sagemaker.Session().default_bucket() == f"sagemaker-us-east-1-{account}"
    assert outbound_attempts == []
    assert safemaker_local.request_count("sts", "GetCallerIdentity") >= 1


JUMPSTART_DATA = Path(__file__).resolve().parents[1] / "data" / "jumpstart"
"""A JumpStart manifest and model spec for one test model (the SDK's local metadata override: the SDK reads
them from here instead of the public JumpStart bucket, sagemaker.jumpstart.cache)."""


@pytest.fixture
def offline_jumpstart(monkeypatch):
    from sagemaker.jumpstart import accessors

    monkeypatch.setenv("AWS_JUMPSTART_MANIFEST_LOCAL_ROOT_DIR_OVERRIDE", str(JUMPSTART_DATA))
    monkeypatch.setenv("AWS_JUMPSTART_SPECS_LOCAL_ROOT_DIR_OVERRIDE", str(JUMPSTART_DATA / "specs"))
    monkeypatch.setenv("DISABLE_JUMPSTART_TELEMETRY", "true")
    accessors.JumpStartModelsAccessor.reset_cache()
    yield
    accessors.JumpStartModelsAccessor.reset_cache()


def test_jumpstart_model_without_session_is_filled_in(closed_process, safemaker_local, offline_jumpstart):
    from sagemaker.jumpstart.model import JumpStartModel

    safemaker_local.reset_requests()
    model = JumpStartModel(model_id="safemaker-test-xgboost", region="us-east-1", role=ROLE, name="js-model")
    assert model.sagemaker_session is not closed_process
    model.deploy(initial_instance_count=1, instance_type="ml.m5.large", endpoint_name="js-endpoint", wait=False)
    # JumpStart's default session is in JumpStart's default region (fixed when sagemaker.jumpstart is imported)
    sm = safemaker_local.session.client("sagemaker", region_name=model.sagemaker_session.boto_region_name)
    (name,) = [m["ModelName"] for m in sm.list_models()["Models"]]  # JumpStart names the model itself
    stored = sm.describe_model(ModelName=name)
    assert (stored["EnableNetworkIsolation"], stored["VpcConfig"]) == (True, VPC)
    assert sm.describe_endpoint(EndpointName="js-endpoint")["EndpointName"] == "js-endpoint"
    decided = [d.operation for d in safemaker.process_guard().decisions]
    assert {"CreateModel", "CreateEndpointConfig", "CreateEndpoint"} <= set(decided)
    assert safemaker_local.request_count("sagemaker", "CreateModel") == 1


def test_jumpstart_model_without_session_asking_for_an_open_model_is_refused(closed_process, safemaker_local,
                                                                              offline_jumpstart):
    from sagemaker.jumpstart.model import JumpStartModel

    safemaker_local.reset_requests()
    model = JumpStartModel(model_id="safemaker-test-xgboost", region="us-east-1", role=ROLE, name="js-open",
                           vpc_config={"Subnets": [SUB_OUT], "SecurityGroupIds": [SG]})
    with pytest.raises(GuardrailViolation) as exc:
        model.deploy(initial_instance_count=1, instance_type="ml.m5.large", endpoint_name="js-open", wait=False)
    assert [(v.path, v.found) for v in exc.value.violations] == [("VpcConfig.Subnets[0]", SUB_OUT)]
    assert safemaker_local.request_count("sagemaker", "CreateModel") == 0
    assert safemaker_local.request_count("sagemaker", "CreateEndpointConfig") == 0
    assert safemaker_local.request_count("sagemaker", "CreateEndpoint") == 0


# --------------------------------------------------------------------------- explicit False, left out by the SDK


def _train_request_without_a_guard(safemaker_local, **network):
    """The CreateTrainingJob the plain SDK sends (no guard anywhere), as moto stores it: what the SDK
    does with the arguments (botocore's model: both fields are optional booleans, absent = false)."""
    boto = safemaker_local.session
    boto.client("s3").create_bucket(Bucket=BUCKET)
    est = Estimator(IMG, ROLE, instance_count=1, instance_type="ml.m5.large", output_path=f"s3://{BUCKET}/out",
                    sagemaker_session=sagemaker.Session(boto_session=boto), **network)
    est.fit(wait=False, job_name="unguarded")
    return job(safemaker_local, "unguarded")


def test_estimator_asking_explicitly_for_an_open_job_is_refused_not_sent_closed(safemaker_local, monkeypatch,
                                                                                 profile):
    # the cause: the SDK leaves False out of the request (so a guard would inject True)
    stored = _train_request_without_a_guard(safemaker_local, enable_network_isolation=False,
                                            encrypt_inter_container_traffic=False)
    assert stored.get("EnableNetworkIsolation", False) is False
    monkeypatch.setenv("AWS_ENDPOINT_URL", safemaker_local.endpoint_url)
    safemaker.install_process(profile)  # what `safemaker run` turns on
    est = Estimator(IMG, ROLE, instance_count=1, instance_type="ml.m5.large", output_path=f"s3://{BUCKET}/out",
                    enable_network_isolation=False, encrypt_inter_container_traffic=False)
    with pytest.raises(GuardrailViolation) as exc:
        est.fit(wait=False, job_name="explicit-open")
    assert [(v.path, v.found, v.required, v.rule_id) for v in exc.value.violations] == [
        ("enable_network_isolation", False, True, "SM-NET-ISOLATION"),
        ("encrypt_inter_container_traffic", False, True, "SM-NET-ICTE")]
    isolation, icte = exc.value.violations
    assert "Estimator()" in isolation.fix and "require_network_isolation: false" in isolation.fix
    assert "require_inter_container_traffic_encryption: false" in icte.fix
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 1  # the unguarded one only
    # not given, or given True: sent closed as before
    Estimator(IMG, ROLE, instance_count=1, instance_type="ml.m5.large", output_path=f"s3://{BUCKET}/out",
              ).fit(wait=False, job_name="default")
    Estimator(IMG, ROLE, instance_count=1, instance_type="ml.m5.large", output_path=f"s3://{BUCKET}/out",
              enable_network_isolation=True, encrypt_inter_container_traffic=True).fit(wait=False, job_name="true")
    for name in ("default", "true"):
        stored = job(safemaker_local, name)
        assert (stored["EnableNetworkIsolation"], stored["EnableInterContainerTrafficEncryption"]) == (True, True)


def test_framework_estimator_and_tuner_with_an_explicit_false_are_refused(process_only, safemaker_local,
                                                                           tmp_path):
    from sagemaker.pytorch import PyTorch
    from sagemaker.tuner import ContinuousParameter, HyperparameterTuner

    (tmp_path / "train.py").write_text("print('training')\n")
    est = PyTorch(entry_point="train.py", source_dir=str(tmp_path), framework_version="2.1", py_version="py310",
                  role=ROLE, instance_count=1, instance_type="ml.m5.large", output_path=f"s3://{BUCKET}/out",
                  code_location=f"s3://{BUCKET}/code", enable_network_isolation=False)
    with pytest.raises(GuardrailViolation) as exc:
        est.fit(wait=False, job_name="pt")
    assert [(v.path, v.rule_id) for v in exc.value.violations] == [
        ("enable_network_isolation", "SM-NET-ISOLATION"),
        ("HyperParameters.sagemaker_submit_directory", "SM-PRE-CODE-DOWNLOAD")]
    assert "PyTorch()" in exc.value.violations[0].fix
    plain = Estimator(IMG, ROLE, instance_count=1, instance_type="ml.m5.large", output_path=f"s3://{BUCKET}/out",
                      encrypt_inter_container_traffic=False)
    tuner = HyperparameterTuner(plain, "validation:rmse", {"eta": ContinuousParameter(0.1, 0.5)},
                                metric_definitions=[{"Name": "validation:rmse", "Regex": "rmse=(.*)"}],
                                max_jobs=1, max_parallel_jobs=1)
    with pytest.raises(GuardrailViolation) as exc:
        tuner.fit(wait=False, job_name="tune")
    assert [(v.path, v.rule_id) for v in exc.value.violations] == [
        ("encrypt_inter_container_traffic", "SM-NET-ICTE")]
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0
    assert safemaker_local.request_count("sagemaker", "CreateHyperParameterTuningJob") == 0
    assert safemaker_local.request_count("s3", "PutObject") == 0


def test_model_asking_explicitly_for_no_isolation_is_refused_before_CreateModel(process_only, safemaker_local):
    from sagemaker.model import Model

    model = Model(IMG, model_data=f"s3://{BUCKET}/model.tar.gz", role=ROLE, name="explicit-open",
                  enable_network_isolation=False)
    with pytest.raises(GuardrailViolation) as exc:
        model.deploy(1, "ml.m5.large", endpoint_name="explicit-open", wait=False)
    assert [(v.operation, v.path, v.found, v.rule_id) for v in exc.value.violations] == [
        ("CreateModel", "enable_network_isolation", False, "SM-NET-ISOLATION")]
    assert "Model()" in exc.value.violations[0].fix
    assert safemaker_local.request_count("sagemaker", "CreateModel") == 0
    # not given: filled in as before
    Model(IMG, model_data=f"s3://{BUCKET}/model.tar.gz", role=ROLE, name="default-model").deploy(
        1, "ml.m5.large", endpoint_name="default-endpoint", wait=False)
    # a model the SDK builds itself (Estimator.create_model passes the estimator's False on: the SDK's
    # value, not the user's): filled in as before, not refused
    est = Estimator(IMG, ROLE, instance_count=1, instance_type="ml.m5.large", output_path=f"s3://{BUCKET}/out")
    est.fit({"train": f"s3://{BUCKET}/train"}, job_name="to-model")
    derived = est.create_model(name="derived-model")
    derived.create(instance_type="ml.m5.large")
    sm = safemaker_local.session.client("sagemaker")
    for name in ("default-model", "derived-model"):
        assert sm.describe_model(ModelName=name)["EnableNetworkIsolation"] is True
