"""SDK v3 / sagemaker-core clients that the closed session never saw, in a process that holds one.

The closed session is made with ``make_default=False`` so that it does not
take over sagemaker-core's process defaults: what guards these calls is the
process guard it turned on, nothing else. Requests reach the local backend
through ``AWS_ENDPOINT_URL``; the backend's request count proves nothing open
arrived.
"""

from __future__ import annotations

import pytest
from sdk_markers import require_sdk

require_sdk(3)  # skipped under SDK v2 (tests/sdk_markers.py)

from _sdk_v3_support import BUCKET, IMG, ROLE, SG, SUBNET_A, SUBNET_C, make_profile, reset_sagemaker_core  # noqa: E402
from _profiles import training_job_request  # noqa: E402

import safemaker  # noqa: E402
from safemaker.errors import GuardrailViolation  # noqa: E402

pytestmark = pytest.mark.sdk3

VPC_CONFIG = {"Subnets": [SUBNET_A, SUBNET_C], "SecurityGroupIds": [SG]}


@pytest.fixture
def default_endpoint(safemaker_local, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", safemaker_local.endpoint_url)
    safemaker_local.session.client("s3").create_bucket(Bucket=BUCKET)
    reset_sagemaker_core()
    yield safemaker_local
    reset_sagemaker_core()


def closed_session(backend):
    from safemaker.sdk.v3 import ClosedNetworkSession

    return ClosedNetworkSession(make_profile(), boto_session=backend.session, make_default=False)


def training_job(name, **extra):
    return training_job_request(name, output_path=f"s3://{BUCKET}/out", **extra)


def test_sagemaker_core_singleton_made_before_the_closed_session_is_guarded(default_endpoint):
    from sagemaker.core import resources
    from sagemaker.core.utils.utils import SageMakerClient

    early = SageMakerClient().sagemaker_client  # the process default, before any guard
    session = closed_session(default_endpoint)
    try:
        assert SageMakerClient().sagemaker_client is early  # make_default=False: still the old one
        with pytest.raises(GuardrailViolation):
            early.create_training_job(**training_job("open", EnableNetworkIsolation=False))
        resources.Model.create(model_name="core-model", execution_role_arn=ROLE,
                               primary_container={"image": IMG})  # no session=: the old default client
        model = default_endpoint.session.client("sagemaker").describe_model(ModelName="core-model")
        assert (model["EnableNetworkIsolation"], model["VpcConfig"]) == (True, VPC_CONFIG)
        assert default_endpoint.request_count("sagemaker", "CreateTrainingJob") == 0
    finally:
        session.close()


def test_raw_boto3_client_made_before_the_closed_session_is_guarded(default_endpoint):
    import boto3

    before = boto3.client("sagemaker")
    session = closed_session(default_endpoint)
    try:
        before.create_training_job(**training_job("filled"))
        stored = before.describe_training_job(TrainingJobName="filled")
        assert (stored["EnableNetworkIsolation"], stored["VpcConfig"]) == (True, VPC_CONFIG)
        with pytest.raises(GuardrailViolation):
            before.create_training_job(**training_job("open", VpcConfig={"Subnets": ["subnet-0eeeeeeeeeeeeeeee"],
                                                                          "SecurityGroupIds": [SG]}))
        assert default_endpoint.request_count("sagemaker", "CreateTrainingJob") == 1
    finally:
        session.close()


def test_model_trainer_without_sagemaker_session_is_filled_in(default_endpoint):
    from sagemaker.core.training.configs import Compute, OutputDataConfig
    from sagemaker.train import ModelTrainer

    import boto3

    session = closed_session(default_endpoint)
    # The SDK's own default session (no guard of its own, no IAM handler): SDK v3 validates the role with
    # IAM, which a closed network cannot reach; under the process guard a role of the profile is not sent
    # to IAM (moto would answer SimulatePrincipalPolicy with a 500, a closed network not at all).
    boto3.setup_default_session()
    default_endpoint.reset_requests()
    try:
        trainer = ModelTrainer(training_image=IMG, role=ROLE, base_job_name="plain-v3",
                               compute=Compute(instance_type="ml.m5.large", instance_count=1),
                               output_data_config=OutputDataConfig(s3_output_path=f"s3://{BUCKET}/out"))
        trainer.train(wait=False)
        sm = default_endpoint.session.client("sagemaker")
        (name,) = [s["TrainingJobName"] for s in sm.list_training_jobs()["TrainingJobSummaries"]]
        stored = sm.describe_training_job(TrainingJobName=name)
        assert (stored["EnableNetworkIsolation"], stored["VpcConfig"]) == (True, VPC_CONFIG)
        assert safemaker.process_guard() is not None
        assert "CreateTrainingJob" in [d.operation for d in safemaker.process_guard().decisions]
        assert default_endpoint.request_count("iam") == 0
    finally:
        session.close()


@pytest.fixture
def telemetry_in_thread(monkeypatch):
    """The SDK v3 telemetry emitter sends its GET from a daemon thread: sent on the caller's thread here
    (the SDK's own ``_send_telemetry_request_sync``), so that ``outbound_attempts`` sees it before the
    test asserts."""
    from sagemaker.core.telemetry import telemetry_logging

    monkeypatch.setattr(telemetry_logging, "_send_telemetry_request", telemetry_logging._send_telemetry_request_sync)


def test_plain_session_under_the_process_guard_sends_no_telemetry(default_endpoint, telemetry_in_thread,
                                                                    outbound_attempts):
    """``ModelTrainer.train`` is wrapped by the SDK's telemetry emitter, which sends a GET to
    ``sm-pysdk-t-<region>.s3.<region>.amazonaws.com`` (account id, refusal text) unless
    ``SageMaker.PythonSDK.Modules.TelemetryOptOut`` is set in the session's config."""
    from sagemaker.core.helper.session_helper import Session
    from sagemaker.train import ModelTrainer
    from sagemaker.train.configs import Compute, Networking

    safemaker.install_process(make_profile())
    trainer = ModelTrainer(training_image=IMG, role=ROLE, sagemaker_session=Session(default_bucket=BUCKET),
                           compute=Compute(instance_type="ml.m5.large", instance_count=1),
                           networking=Networking(enable_network_isolation=False))
    with pytest.raises(GuardrailViolation):
        trainer.train(wait=False)
    assert outbound_attempts == []
    assert default_endpoint.request_count("sagemaker", "CreateTrainingJob") == 0


def test_a_session_made_before_the_process_guard_sends_no_telemetry(default_endpoint, telemetry_in_thread,
                                                                     outbound_attempts):
    """A session made before any guard keeps its own config (no opt-out in it); its telemetry GET is still
    not sent once the process guard is on."""
    from sagemaker.core.helper.session_helper import Session
    from sagemaker.train import ModelTrainer
    from sagemaker.train.configs import Compute, Networking

    early = Session(default_bucket=BUCKET)
    assert safemaker.process_guard() is None
    safemaker.install_process(make_profile())
    trainer = ModelTrainer(training_image=IMG, role=ROLE, sagemaker_session=early,
                           compute=Compute(instance_type="ml.m5.large", instance_count=1),
                           networking=Networking(enable_network_isolation=False))
    with pytest.raises(GuardrailViolation):
        trainer.train(wait=False)
    assert outbound_attempts == []
    assert default_endpoint.request_count("sagemaker", "CreateTrainingJob") == 0


def plain_trainer_under_a_closed_session(backend, profile):
    """A ``ModelTrainer`` built without ``sagemaker_session=`` (its own default session) in a process that
    holds a ClosedNetworkSession, trained; returns the stored job's output path. The closed session is made
    as a user makes it (its own boto3 session, the local backend through ``AWS_ENDPOINT_URL``), not on
    ``backend.session`` (whose clients all go to the backend, even with an explicit ``endpoint_url``)."""
    from sagemaker.train import ModelTrainer
    from sagemaker.train.configs import Compute, InputData

    from safemaker.sdk.v3 import ClosedNetworkSession

    with ClosedNetworkSession(profile):
        backend.reset_requests()
        ModelTrainer(training_image=IMG, role=ROLE, base_job_name="plain",
                     compute=Compute(instance_type="ml.m5.large", instance_count=1)).train(
            input_data_config=[InputData(channel_name="train", data_source=f"s3://{BUCKET}/train")], wait=False)
    sm = backend.session.client("sagemaker")
    (name,) = [j["TrainingJobName"] for j in sm.list_training_jobs()["TrainingJobSummaries"]]
    return sm.describe_training_job(TrainingJobName=name)["OutputDataConfig"]["S3OutputPath"]


def test_plain_model_trainer_uses_the_profiles_default_bucket_without_sts(default_endpoint, outbound_attempts):
    """The SDK's own default bucket name needs the account from STS, sent to the public
    ``sts.<region>.amazonaws.com`` whatever ``AWS_ENDPOINT_URL`` says: with a profile bucket, none is sent."""
    output = plain_trainer_under_a_closed_session(default_endpoint, make_profile())
    assert output.startswith(f"s3://{BUCKET}/")
    assert outbound_attempts == []
    assert default_endpoint.request_count("sts") == 0


def test_plain_model_trainer_without_a_profile_bucket_asks_sts_at_the_configured_endpoint(default_endpoint,
                                                                                         outbound_attempts):
    account = default_endpoint.session.client("sts").get_caller_identity()["Account"]  # moto's account
    default_endpoint.session.client("s3").create_bucket(Bucket=f"sagemaker-us-east-1-{account}")
    output = plain_trainer_under_a_closed_session(default_endpoint, make_profile(default_bucket=None))
    assert output.startswith(f"s3://sagemaker-us-east-1-{account}/")
    assert outbound_attempts == []
    assert default_endpoint.request_count("sts") >= 1
