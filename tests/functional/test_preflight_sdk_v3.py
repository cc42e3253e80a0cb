"""Preflight under SDK v3 on the local backend: refused before anything is uploaded or created.

SDK v3 remote functions (``sagemaker.core.remote_function``) always send
``EnableNetworkIsolation=False`` (``_JobSettings``); ``ModelTrainer`` installs
``SourceCode.requirements`` with ``pip install -r`` (``install_requirements.py``).
The local backend's request log proves that nothing reached S3 or SageMaker
before the refusal.
"""

from __future__ import annotations

import pytest
from sdk_markers import require_sdk

require_sdk(3)

from _sdk_v3_support import BUCKET, IMG, V3Env, make_profile, v3env  # noqa: E402, F401 (fixture)
from sagemaker.core.training.configs import InputData, SourceCode  # noqa: E402

from safemaker.errors import GuardrailViolation  # noqa: E402

pytestmark = pytest.mark.sdk3


def nothing_sent(backend) -> None:
    assert backend.request_count("s3", "PutObject") == 0
    assert backend.request_count("s3", "CreateMultipartUpload") == 0
    assert backend.request_count("sagemaker", "CreateTrainingJob") == 0


def test_remote_function_refused_at_decoration_before_any_upload(v3env):
    # Imported here: importing it makes a boto3 client at import time (sagemaker.ai_registry), which
    # needs the tests' fake region, set per test.
    from sagemaker.core.remote_function import remote

    with pytest.raises(GuardrailViolation) as exc:
        @remote(sagemaker_session=v3env.session, instance_type="ml.m5.large", image_uri=IMG)
        def add(a, b):
            return a + b
    (v,) = exc.value.violations
    assert (v.operation, v.rule_id, v.path) == ("CreateTrainingJob", "SM-PRE-REMOTE-FUNCTION",
                                                "AlgorithmSpecification.ContainerEntrypoint")
    assert "cannot run network-isolated" in v.fix and "require_network_isolation: false" in v.fix
    assert v3env.backend.requests == ()


@pytest.fixture
def code(tmp_path):
    d = tmp_path / "src"
    d.mkdir()
    (d / "train.py").write_text("print('train')\n")
    return d


def test_trainer_requirements_from_the_public_index_refused_before_upload(v3env, code):
    (code / "requirements.txt").write_text("torch==2.3.1\n")
    trainer = v3env.trainer(source_code=SourceCode(source_dir=str(code), entry_script="train.py",
                                                   requirements="requirements.txt"))
    with pytest.raises(GuardrailViolation) as exc:
        trainer.train(input_data_config=[InputData(channel_name="train", data_source=f"s3://{BUCKET}/train")])
    (v,) = exc.value.violations
    assert (v.rule_id, v.path) == ("SM-PRE-REQUIREMENTS", "source_code.source_dir -> requirements.txt")
    assert "line 1 'torch==2.3.1'" in v.fix and "no network" in v.fix
    nothing_sent(v3env.backend)


def test_trainer_requirements_from_a_wheelhouse_pass(v3env, code):
    (code / "wheelhouse").mkdir()
    (code / "requirements.txt").write_text("--no-index --find-links wheelhouse\ntorch==2.3.1\n")
    trainer = v3env.trainer(source_code=SourceCode(source_dir=str(code), entry_script="train.py",
                                                   requirements="requirements.txt"))
    trainer.train(input_data_config=[InputData(channel_name="train", data_source=f"s3://{BUCKET}/train")])
    body = v3env.sent.one("CreateTrainingJob")
    assert "code" in [c["ChannelName"] for c in body["InputDataConfig"]]


def test_closed_deploy_of_a_hub_model_is_refused_before_create_model(v3env):
    from sagemaker.core import resources, shapes

    from safemaker.sdk import v3

    # TGI's SageMaker entrypoint passes HF_MODEL_ID to text-generation-launcher: a Hub ID is downloaded at start.
    model = resources.Model(model_name="tgi-hub", primary_container=shapes.ContainerDefinition(
        image=IMG, environment={"HF_MODEL_ID": "tiiuae/falcon-7b", "SM_NUM_GPUS": "1"}))
    with pytest.raises(GuardrailViolation) as exc:
        v3.closed_deploy(model, 1, "ml.g5.2xlarge", sagemaker_session=v3env.session)
    assert [(v.rule_id, v.path) for v in exc.value.violations] == [
        ("SM-PRE-MODEL-HUB", "PrimaryContainer.Environment.HF_MODEL_ID")]
    assert v3env.backend.request_count("sagemaker", "CreateModel") == 0
    assert v3env.backend.request_count("sagemaker", "CreateEndpointConfig") == 0
