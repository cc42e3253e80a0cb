"""The SageMaker SDK v2's own DEBUG lines carry the requests it builds; in a process guarded by a
``ClosedNetworkSession`` they are masked as botocore's are (trial 16 F02).

Oracle: the SDK's source (sagemaker/session.py ``logger.debug("train request: %s", json.dumps(request, indent=4))``,
sagemaker/estimator.py "Train args after processing defaults: %s"); docs/hooks.md (a name holding ``PASSWORD``, an
``hf_`` token: masked wherever they stand). The requests go through real botocore clients to moto on 127.0.0.1.
"""

from __future__ import annotations


import pytest
from sdk_markers import require_sdk

require_sdk(2)

from _sdk_v2_support import no_user_sdk_config, profile, sent, sess  # noqa: E402,F401 (fixtures)

pytestmark = pytest.mark.sdk2

TOKEN = "hf_" + "A" * 10 + "SdkSecretZq" + "B" * 15
IMAGE = "382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1"



def test_a_closed_estimators_request_lines_show_no_secret(sess, sent, debug_log):
    """A ``ClosedEstimator`` with an ``hf_`` token and a password in its environment, fit: the request was sent
    (with the values), the SDK logged it ("Train args after processing defaults", "train request: {json}" on ``sagemaker``), and no
    line shows either secret; the image and the names are shown."""
    from safemaker.sdk import ClosedEstimator

    estimator = ClosedEstimator(IMAGE, instance_count=1, instance_type="ml.m5.large", sagemaker_session=sess,
                                environment={"HF_TOKEN": TOKEN, "DB_PASSWORD": "pwSdkSecretZq"})
    estimator.fit(f"s3://{sess.default_bucket()}/train/", wait=False, logs=False)
    [request] = [params for name, params in sent if name == "CreateTrainingJob"]
    assert request["Environment"] == {"HF_TOKEN": TOKEN, "DB_PASSWORD": "pwSdkSecretZq"}
    logged = debug_log.getvalue()
    train = logged[logged.index("sagemaker train request:"):]
    train = train[:train.index("\nsagemaker")] if "\nsagemaker" in train else train
    assert '"DB_PASSWORD": "***"' in train and '"HF_TOKEN": "***"' in train and IMAGE in train
    assert "sagemaker.estimator Train args after processing defaults" in logged
    assert "SdkSecretZq" not in logged
