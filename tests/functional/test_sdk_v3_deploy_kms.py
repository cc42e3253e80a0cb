"""SDK v3 deploy paths with asynchronous inference and data capture under a profile with KMS keys (trial 13 F06).

The guard requires the profile's output key on an endpoint config's AsyncInferenceConfig.OutputConfig and
DataCaptureConfig (S3 outputs, botocore's model): a deploy that gives no key still works, the key filled in; one
that gives another key is refused before anything is sent. On the local backend (moto on 127.0.0.1) over HTTP.
"""

from __future__ import annotations

import pytest
from sdk_markers import require_sdk

require_sdk(3)

from _sdk_v3_support import BUCKET, IMG, ROLE, V3Env, make_profile  # noqa: E402
from sagemaker.core import resources, shapes  # noqa: E402

from safemaker.errors import GuardrailViolation  # noqa: E402
from safemaker.sdk import v3  # noqa: E402

pytestmark = pytest.mark.sdk3

VOL = "arn:aws:kms:us-east-1:123456789012:key/11111111-1111-1111-1111-111111111111"
OUT = "arn:aws:kms:us-east-1:123456789012:key/22222222-2222-2222-2222-222222222222"
FOREIGN = "arn:aws:kms:us-east-1:999999999999:key/33333333-3333-3333-3333-333333333333"


@pytest.fixture
def env(safemaker_local):
    e = V3Env(safemaker_local, profile=make_profile(volume_kms_key_id=VOL, output_kms_key_id=OUT))
    try:
        yield e
    finally:
        e.close()


def _builder(env):
    from sagemaker.serve.model_builder import ModelBuilder

    return ModelBuilder(model_server=None, image_uri=IMG, s3_model_data_url=f"s3://{BUCKET}/model/model.tar.gz",
                        role_arn=ROLE, instance_type="ml.m5.large", sagemaker_session=env.session)


def test_model_builder_asynchronous_inference_gets_the_output_key(env):
    from sagemaker.core.inference_config import AsyncInferenceConfig

    endpoint = v3.closed_deploy(_builder(env), 1, "ml.m5.large", endpoint_name="ep-async",
                                inference_config=AsyncInferenceConfig(output_path=f"s3://{BUCKET}/async"))
    assert endpoint.endpoint_status == "InService"
    config = env.sent.one("CreateEndpointConfig")
    assert config["AsyncInferenceConfig"]["OutputConfig"]["S3OutputPath"] == f"s3://{BUCKET}/async"
    assert config["AsyncInferenceConfig"]["OutputConfig"]["KmsKeyId"] == OUT


def _create_config(env, model_name, name, **capture):
    """sagemaker-core's EndpointConfig.create on the closed session (moto's DescribeEndpoint answers a data-capturing
    endpoint's DataCaptureConfig as given, not as AWS's DataCaptureConfigSummary, which sagemaker-core then
    rejects: so the config is created here, and deployed by the test above only without data capture)."""
    return resources.EndpointConfig.create(
        endpoint_config_name=name,
        production_variants=[shapes.ProductionVariant(variant_name="AllTraffic", model_name=model_name,
                                                      initial_instance_count=1, instance_type="ml.m5.large")],
        data_capture_config=shapes.DataCaptureConfig(
            initial_sampling_percentage=50, destination_s3_uri=f"s3://{BUCKET}/capture",
            capture_options=[shapes.CaptureOption(capture_mode="Input")], **capture),
        session=env.session.boto_session)


def test_endpoint_config_with_data_capture_gets_the_output_key_and_another_key_is_refused(env):
    v3.closed_deploy(_builder(env), 1, "ml.m5.large", endpoint_name="ep-model")
    model_name = env.sent.one("CreateModel")["ModelName"]
    created = _create_config(env, model_name, "ep-capture")
    assert created.data_capture_config.kms_key_id == OUT  # what the backend stored is what was sent
    sent = [c for c in env.sent.of("CreateEndpointConfig") if c["EndpointConfigName"] == "ep-capture"]
    assert [c["DataCaptureConfig"]["KmsKeyId"] for c in sent] == [OUT]
    before = env.backend.request_count("sagemaker", "CreateEndpointConfig")
    with pytest.raises(GuardrailViolation) as exc:
        _create_config(env, model_name, "ep-foreign", kms_key_id=FOREIGN)
    assert [(v.path, v.found, v.rule_id) for v in exc.value.violations] == [
        ("DataCaptureConfig.KmsKeyId", FOREIGN, "SM-KMS-OUTPUT")]
    assert env.backend.request_count("sagemaker", "CreateEndpointConfig") == before
