"""The SageMaker SDK v3's own DEBUG lines carry the requests it sends and the responses it gets; in a process
guarded by a ``ClosedNetworkSession`` they are masked as botocore's are (trial 16 F02).

Oracle: the SDK's source (sagemaker/core/resources.py ``logger.debug(f"Input request: {operation_input_args}")``,
"Serialized input request", ``logger.debug(f"Response: {response}")``, ``logger.debug(response)`` of a describe);
docs/hooks.md (a name holding ``PASSWORD``, an ``hf_`` token: masked wherever they stand). The requests go through
real botocore clients to moto on 127.0.0.1.
"""

from __future__ import annotations


import pytest
from sdk_markers import require_sdk

require_sdk(3)

from _sdk_v3_support import BUCKET, v3env  # noqa: E402,F401 (fixture)

pytestmark = pytest.mark.sdk3

TOKEN = "hf_" + "A" * 10 + "SdkSecretZq" + "B" * 15



def test_a_closed_model_trainers_request_lines_show_no_secret(v3env, debug_log):
    """A ``ClosedModelTrainer`` with an ``hf_`` token and a password in its environment, trained: the request was
    sent with the values, sagemaker-core logged it ("Input request", "Serialized input request") and the job it
    described, and no line shows either secret; the job's image is shown."""
    from sagemaker.core.training.configs import InputData

    trainer = v3env.trainer(environment={"HF_TOKEN": TOKEN, "DB_PASSWORD": "pwSdkSecretZq"})
    trainer.train(input_data_config=[InputData(channel_name="train", data_source=f"s3://{BUCKET}/train")])
    assert v3env.sent.one("CreateTrainingJob")["Environment"] == {"HF_TOKEN": TOKEN, "DB_PASSWORD": "pwSdkSecretZq"}
    logged = debug_log.getvalue()
    sdk = [line for line in logged.splitlines() if line.startswith("sagemaker.") and "Environment" in line]
    assert any(line.startswith("sagemaker.core.resources Serialized input request:") for line in sdk), sdk[:3]
    assert all("'DB_PASSWORD': '***'" in line and "'HF_TOKEN': '***'" in line for line in sdk)
    assert "SdkSecretZq" not in logged
