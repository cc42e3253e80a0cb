"""The SageMaker SDK's own AWS Batch entry point under the process guard (trial 12 F03b).

``TrainingQueue(queue).submit(...)`` (SDK v2 ``sagemaker.aws_batch``, SDK v3 ``sagemaker.train.aws_batch``) builds the
``CreateTrainingJob`` request itself (v2 ``Session.get_train_request``, v3 ``ModelTrainer._create_training_job_args``:
no SageMaker client involved) and sends it as a Batch service job's ``serviceRequestPayload`` through
``boto3.client("batch")`` (the SDK's ``batch_api_helper._submit_service_job``). Under the process guard (what
``safemaker run`` and ``import safemaker.auto`` turn on) an open job is refused before anything is sent; the same job
from a closed trainer (the SDK config a ``ClosedNetworkSession`` fills in) is sent.

SDK v2's ``sagemaker.aws_batch`` imports ``nest_asyncio``, which the SDK lists only in its own extras: the ``test``
extra installs it (constraints.txt pins it), so this test runs in the SDK v2 leg.

Real botocore clients against moto on 127.0.0.1 (real HTTP; moto has no ``SubmitServiceJob``: a request sent reaches
it and is answered with an error, which the SDK raises). Oracles: the SDK's own code (the payload it builds), the
SageMaker API reference (``EnableNetworkIsolation`` absent is ``False``; no ``VpcConfig``: SageMaker's network).
"""

from __future__ import annotations

import json

import pytest

import safemaker
from safemaker.errors import GuardrailViolation

from _profiles import IMG, ROLE, VPC_CONFIG, make_profile

pytestmark = pytest.mark.sdk
BUCKET = "batch-sdk-bucket"


@pytest.fixture
def default_endpoint(safemaker_local, monkeypatch):
    """The SDK's own clients (``boto3.client("batch")``, its default session) talk to the local backend."""
    import boto3

    monkeypatch.setenv("AWS_ENDPOINT_URL", safemaker_local.endpoint_url)
    safemaker_local.session.client("s3").create_bucket(Bucket=BUCKET)
    boto3.setup_default_session()
    sent = []
    safemaker_local.reset_requests()
    yield safemaker_local, sent
    boto3.DEFAULT_SESSION = None


def record(sent):
    """Record the SubmitServiceJob bodies every batch client of the default session puts on the wire."""
    import boto3

    boto3._get_default_session().events.register(
        "before-send.batch.SubmitServiceJob", lambda request, **kw: sent.append(json.loads(request.body)))


def submit(queue_module, trainer):
    try:
        queue_module.TrainingQueue("q").submit(trainer, None, job_name="j")
    except GuardrailViolation:
        raise
    except Exception:  # noqa: BLE001 - moto has no SubmitServiceJob: its error answer means it was sent
        pass


def v3_trainer(**networking):
    from sagemaker.core.helper.session_helper import Session
    from sagemaker.train import ModelTrainer
    from sagemaker.train.configs import Compute, Networking, OutputDataConfig

    return ModelTrainer(training_image=IMG, role=ROLE, sagemaker_session=Session(default_bucket=BUCKET),
                        compute=Compute(instance_type="ml.m5.large", instance_count=1),
                        output_data_config=OutputDataConfig(s3_output_path=f"s3://{BUCKET}/out"),
                        **({"networking": Networking(**networking)} if networking else {}))


@pytest.mark.sdk3
@pytest.mark.parametrize("networking", [{}, {"enable_network_isolation": False}])
def test_sdk_v3_training_queue_of_an_open_trainer_is_refused_before_anything_is_sent(default_endpoint, networking):
    from sagemaker.train.aws_batch import training_queue

    backend, sent = default_endpoint
    record(sent)
    safemaker.install_process(make_profile())
    with pytest.raises(GuardrailViolation) as e:
        submit(training_queue, v3_trainer(**networking))
    assert any(v.path == "serviceRequestPayload -> CreateTrainingJob.EnableNetworkIsolation"
               for v in e.value.violations), e.value
    assert sent == [] and backend.request_count("batch") == 0


@pytest.mark.sdk3
def test_sdk_v3_training_queue_of_a_closed_trainer_is_sent(default_endpoint):
    from sagemaker.train.aws_batch import training_queue

    backend, sent = default_endpoint
    record(sent)
    safemaker.install_process(make_profile())
    submit(training_queue, v3_trainer(enable_network_isolation=True, subnets=VPC_CONFIG["Subnets"],
                                      security_group_ids=VPC_CONFIG["SecurityGroupIds"],
                                      enable_inter_container_traffic_encryption=True))
    assert backend.request_count("batch", "SubmitServiceJob") == 1
    payload = json.loads(sent[0]["serviceRequestPayload"])
    assert (payload["EnableNetworkIsolation"], payload["VpcConfig"]) == (True, VPC_CONFIG)


@pytest.mark.sdk2
def test_sdk_v2_training_queue_of_a_default_session_estimator_is_refused(default_endpoint, monkeypatch):
    monkeypatch.setenv("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
    from sagemaker.aws_batch import training_queue
    from sagemaker.estimator import Estimator

    backend, sent = default_endpoint
    record(sent)
    safemaker.install_process(make_profile())
    est = Estimator(image_uri=IMG, role=ROLE, instance_count=1, instance_type="ml.m5.large",
                    output_path=f"s3://{BUCKET}/o")
    with pytest.raises(GuardrailViolation):
        training_queue.TrainingQueue("q").submit(est, {"train": f"s3://{BUCKET}/train/"}, job_name="t")
    assert sent == [] and backend.request_count("batch") == 0
