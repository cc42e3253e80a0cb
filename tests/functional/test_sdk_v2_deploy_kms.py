"""SDK v2 deploy paths with data capture and asynchronous inference under a profile with KMS keys (trial 13 F06).

The guard requires the profile's output key on an endpoint config's DataCaptureConfig and
AsyncInferenceConfig.OutputConfig (S3 outputs, botocore's model): a deploy that gives neither key must still
work, with the key filled in; one that gives another key is refused before anything is sent. On the local
backend (moto on 127.0.0.1) over HTTP.
"""

from __future__ import annotations

import pytest

from sdk_markers import require_sdk

require_sdk(2)  # skipped under SDK v3 (tests/sdk_markers.py)

# _sdk_v2_support first: it sets SAGEMAKER_SUPPRESS_V2_WARNING before the SDK is imported.
from _sdk_v2_support import BUCKET, IMG, make_profile, of  # noqa: E402
from _sdk_v2_support import no_user_sdk_config, sent, sess  # noqa: E402, F401 (fixtures)
from sagemaker.async_inference import AsyncInferenceConfig  # noqa: E402
from sagemaker.model_monitor import DataCaptureConfig  # noqa: E402

from safemaker.errors import GuardrailViolation  # noqa: E402
from safemaker.sdk import ClosedEstimator, closed_deploy  # noqa: E402

pytestmark = pytest.mark.sdk2

VOL = "arn:aws:kms:us-east-1:123456789012:key/11111111-1111-1111-1111-111111111111"
OUT = "arn:aws:kms:us-east-1:123456789012:key/22222222-2222-2222-2222-222222222222"
FOREIGN = "arn:aws:kms:us-east-1:999999999999:key/33333333-3333-3333-3333-333333333333"


@pytest.fixture
def profile():
    return make_profile(volume_kms_key_id=VOL, output_kms_key_id=OUT)


@pytest.fixture
def trained(sess) -> ClosedEstimator:
    est = ClosedEstimator(IMG, sagemaker_session=sess, output_path=f"s3://{BUCKET}/out")
    est.fit({"train": f"s3://{BUCKET}/train"})
    return est


def test_deploy_with_data_capture_gets_the_output_key(trained, sent, sess):
    capture = DataCaptureConfig(enable_capture=True, sampling_percentage=50,
                                destination_s3_uri=f"s3://{BUCKET}/capture", sagemaker_session=sess)
    closed_deploy(trained, 1, "ml.m5.large", endpoint_name="captured", data_capture_config=capture)
    (config,) = of(sent, "CreateEndpointConfig")
    assert config["DataCaptureConfig"]["DestinationS3Uri"] == f"s3://{BUCKET}/capture"
    assert config["DataCaptureConfig"]["KmsKeyId"] == OUT
    assert config["KmsKeyId"] == VOL
    assert sess.sagemaker_client.describe_endpoint(EndpointName="captured")["EndpointStatus"] == "InService"


def test_deploy_asynchronous_inference_gets_the_output_key(trained, sent, sess):
    closed_deploy(trained, 1, "ml.m5.large", endpoint_name="async",
                  async_inference_config=AsyncInferenceConfig(output_path=f"s3://{BUCKET}/async"))
    (config,) = of(sent, "CreateEndpointConfig")
    assert config["AsyncInferenceConfig"]["OutputConfig"]["S3OutputPath"] == f"s3://{BUCKET}/async"
    assert config["AsyncInferenceConfig"]["OutputConfig"]["KmsKeyId"] == OUT
    assert sess.sagemaker_client.describe_endpoint(EndpointName="async")["EndpointStatus"] == "InService"


def test_deploy_with_another_capture_key_is_refused(trained, sess, safemaker_local):
    capture = DataCaptureConfig(enable_capture=True, destination_s3_uri=f"s3://{BUCKET}/capture",
                                kms_key_id=FOREIGN, sagemaker_session=sess)
    before = safemaker_local.request_count("sagemaker", "CreateEndpointConfig")
    with pytest.raises(GuardrailViolation) as exc:
        closed_deploy(trained, 1, "ml.m5.large", endpoint_name="foreign", data_capture_config=capture)
    assert [(v.path, v.found, v.rule_id) for v in exc.value.violations] == [
        ("DataCaptureConfig.KmsKeyId", FOREIGN, "SM-KMS-OUTPUT")]
    assert safemaker_local.request_count("sagemaker", "CreateEndpointConfig") == before
