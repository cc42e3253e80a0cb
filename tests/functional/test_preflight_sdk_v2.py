"""Preflight under SDK v2 on the local backend: refused before anything is uploaded or created.

The local backend's request log is the proof: no S3 ``PutObject`` (no code,
function or workspace uploaded), no ``CreateBucket``, no ``CreateModel``, no
``CreateTrainingJob`` before the refusal. Expected behaviour comes from the SDK
and container sources: SDK v2 remote functions always send
``EnableNetworkIsolation=False`` (``_JobSettings``), ``Model.deploy`` sends
``CreateModel`` before ``CreateEndpointConfig``, framework estimators without
isolation put the code's S3 location in ``sagemaker_submit_directory`` (the
training toolkit downloads it), ``FrameworkProcessor``'s ``runproc.sh`` runs
``pip install -r requirements.txt``.
"""

from __future__ import annotations

import pytest
from sdk_markers import require_sdk

require_sdk(2)

from _sdk_v2_support import BUCKET, IMG, ROLE, SG, SUB_A, SUB_C, make_profile, of  # noqa: E402
from _sdk_v2_support import no_user_sdk_config, profile, sent, sess  # noqa: E402, F401 (fixtures)
from sagemaker.model import Model  # noqa: E402
from sagemaker.processing import FrameworkProcessor  # noqa: E402
from sagemaker.remote_function import remote  # noqa: E402
from sagemaker.serverless import ServerlessInferenceConfig  # noqa: E402
from sagemaker.sklearn import SKLearn  # noqa: E402

from safemaker.errors import GuardrailViolation, PreflightWarning  # noqa: E402
from safemaker.sdk import ClosedNetworkSession, closed  # noqa: E402

pytestmark = pytest.mark.sdk2

SKLEARN = {"framework_version": "1.2-1", "py_version": "py3", "instance_type": "ml.m5.large",
           "instance_count": 1}


@pytest.fixture
def code(tmp_path):
    d = tmp_path / "src"
    d.mkdir()
    (d / "train.py").write_text("print('train')\n")
    return d


def uploads(local) -> int:
    return local.request_count("s3", "PutObject") + local.request_count("s3", "CreateMultipartUpload")


def nothing_created(local) -> None:
    assert uploads(local) == 0
    assert local.request_count("s3", "CreateBucket") == 0
    for op in ("CreateTrainingJob", "CreateProcessingJob", "CreateModel", "CreateEndpointConfig"):
        assert local.request_count("sagemaker", op) == 0, op


# --------------------------------------------------------------------------- @remote


def test_remote_function_refused_at_decoration_before_any_upload(safemaker_local, sess):
    with pytest.raises(GuardrailViolation) as exc:
        @remote(sagemaker_session=sess, instance_type="ml.m5.large", image_uri=IMG)
        def add(a, b):
            return a + b
    (v,) = exc.value.violations
    assert (v.operation, v.rule_id) == ("CreateTrainingJob", "SM-PRE-REMOTE-FUNCTION")
    assert "Remote functions (@remote, RemoteExecutor, @step) cannot run network-isolated" in v.fix
    assert "require_network_isolation: false" in v.fix
    assert safemaker_local.requests == ()  # not even the default bucket was looked up


@pytest.fixture
def open_isolation_profile():
    return make_profile(require_network_isolation=False)


def test_remote_function_requirements_from_the_internet_refused_without_isolation(
        safemaker_local, safemaker_session, tmp_path, open_isolation_profile):
    s = ClosedNetworkSession(open_isolation_profile, boto_session=safemaker_session)
    safemaker_local.reset_requests()
    req = tmp_path / "requirements.txt"
    req.write_text("pandas==2.2.2\n")
    with pytest.raises(GuardrailViolation) as exc:
        @remote(sagemaker_session=s, instance_type="ml.m5.large", image_uri=IMG, dependencies=str(req))
        def add(a, b):
            return a + b
    (v,) = exc.value.violations
    assert (v.rule_id, v.path) == ("SM-PRE-REQUIREMENTS", "dependencies -> requirements.txt")
    assert "line 1 'pandas==2.2.2'" in v.fix and "pypi.org" in v.fix
    assert safemaker_local.requests == ()


# --------------------------------------------------------------------------- serverless


def test_plain_model_serverless_deploy_refused_before_create_model(safemaker_local, sess):
    model = Model(image_uri=IMG, model_data=f"s3://{BUCKET}/model.tar.gz", role=ROLE, sagemaker_session=sess)
    with pytest.raises(GuardrailViolation) as exc:
        model.deploy(serverless_inference_config=ServerlessInferenceConfig(memory_size_in_mb=2048, max_concurrency=1))
    (v,) = exc.value.violations
    assert (v.operation, v.rule_id, v.path) == ("CreateEndpointConfig", "SM-UNSUPPORTED",
                                                "ProductionVariants[0].ServerlessConfig")
    assert v.found == {"MemorySizeInMB": 2048, "MaxConcurrency": 1}
    nothing_created(safemaker_local)


# --------------------------------------------------------------------------- code download


def test_framework_estimator_without_isolation_refused_before_upload(safemaker_local, sess, sent, code):
    est = SKLearn(entry_point="train.py", source_dir=str(code), role=ROLE, sagemaker_session=sess,
                  enable_network_isolation=False, **SKLEARN)
    with pytest.raises(GuardrailViolation) as exc:
        est.fit(wait=False)
    explicit, v = exc.value.violations  # the explicit False the SDK would leave out, and what it causes
    assert (explicit.rule_id, explicit.path, explicit.found) == ("SM-NET-ISOLATION", "enable_network_isolation", False)
    assert (v.rule_id, v.path) == ("SM-PRE-CODE-DOWNLOAD", "HyperParameters.sagemaker_submit_directory")
    assert "'code' input channel" in v.message() and "ClosedEstimator" in v.fix
    nothing_created(safemaker_local)
    assert of(sent, "CreateTrainingJob") == []


def test_closed_framework_estimator_sends_a_code_channel(safemaker_local, sess, sent, code):
    est = closed(SKLearn)(entry_point="train.py", source_dir=str(code), sagemaker_session=sess, **SKLEARN)
    est.fit(wait=False)
    (req,) = of(sent, "CreateTrainingJob")
    assert req["EnableNetworkIsolation"] is True
    assert "code" in [c["ChannelName"] for c in req["InputDataConfig"]]
    assert req["HyperParameters"]["sagemaker_submit_directory"] == '"/opt/ml/input/data/code/sourcedir.tar.gz"'


# --------------------------------------------------------------------------- requirements.txt


def test_requirements_from_the_public_index_refused_before_upload(safemaker_local, sess, sent, code):
    (code / "requirements.txt").write_text("# pinned\nscikit-learn==1.5.0\n")
    est = closed(SKLearn)(entry_point="train.py", source_dir=str(code), sagemaker_session=sess, **SKLEARN)
    with pytest.raises(GuardrailViolation) as exc:
        est.fit(wait=False)
    (v,) = exc.value.violations
    assert (v.rule_id, v.path, v.found) == ("SM-PRE-REQUIREMENTS", "source_dir -> requirements.txt",
                                            str(code / "requirements.txt"))
    assert "line 2 'scikit-learn==1.5.0'" in v.fix
    assert "pip download -d wheelhouse -r requirements.txt" in v.fix and "--no-index" in v.fix
    nothing_created(safemaker_local)


def test_requirements_from_a_shipped_wheelhouse_pass(safemaker_local, sess, sent, code):
    (code / "wheelhouse").mkdir()
    (code / "requirements.txt").write_text("--no-index\n--find-links wheelhouse\nscikit-learn==1.5.0\n")
    est = closed(SKLearn)(entry_point="train.py", source_dir=str(code), sagemaker_session=sess, **SKLEARN)
    est.fit(wait=False)
    assert len(of(sent, "CreateTrainingJob")) == 1


def test_requirements_as_a_warning_when_the_profile_says_so(safemaker_local, safemaker_session, sent, code):
    safemaker_session.client("s3").create_bucket(Bucket=BUCKET)
    s = ClosedNetworkSession(make_profile(preflight_warnings=["SM-PRE-REQUIREMENTS"]), boto_session=safemaker_session)
    (code / "requirements.txt").write_text("scikit-learn==1.5.0\n")
    est = closed(SKLearn)(entry_point="train.py", source_dir=str(code), sagemaker_session=s, **SKLEARN)
    with pytest.warns(PreflightWarning, match="SM-PRE-REQUIREMENTS|requirements.txt line 1"):
        est.fit(wait=False)
    assert len(of(sent, "CreateTrainingJob")) == 1


def test_framework_processor_requirements_refused_before_upload(safemaker_local, sess, code):
    (code / "requirements.txt").write_text("pandas\n")
    processor = FrameworkProcessor(estimator_cls=SKLearn, framework_version="1.2-1", role=ROLE,
                                   instance_type="ml.m5.large", instance_count=1, sagemaker_session=sess)
    with pytest.raises(GuardrailViolation) as exc:
        processor.run(code="train.py", source_dir=str(code), wait=False, logs=False)
    (v,) = exc.value.violations
    assert (v.operation, v.rule_id) == ("CreateProcessingJob", "SM-PRE-REQUIREMENTS")
    nothing_created(safemaker_local)


# --------------------------------------------------------------------------- pipeline steps


@pytest.fixture
def pipeline_session(safemaker_local, safemaker_session, profile):
    from sagemaker.workflow.pipeline_context import PipelineSession

    from safemaker import hooks
    from safemaker.sdk import install_sdk_preflight

    safemaker_session.client("s3").create_bucket(Bucket=BUCKET)
    hooks.install(safemaker_session, profile)
    install_sdk_preflight()  # a plain SDK session guarded by safemaker.install: no ClosedNetworkSession
    safemaker_local.reset_requests()
    return PipelineSession(boto_session=safemaker_session, default_bucket=BUCKET)


def test_pipeline_model_step_with_a_hub_model_is_refused_at_create_pipeline(safemaker_local, pipeline_session):
    from sagemaker.workflow.model_step import ModelStep
    from sagemaker.workflow.pipeline import Pipeline

    model = Model(image_uri=IMG, role=ROLE, env={"HF_MODEL_ID": "bigscience/T0pp", "HF_TASK": "text2text-generation"},
                  vpc_config={"Subnets": [SUB_A, SUB_C], "SecurityGroupIds": [SG]}, enable_network_isolation=True,
                  sagemaker_session=pipeline_session)
    step = ModelStep("Hub", step_args=model.create(instance_type="ml.g5.xlarge"))
    with pytest.raises(GuardrailViolation) as exc:
        Pipeline("hub-pipeline", steps=[step], sagemaker_session=pipeline_session).create(role_arn=ROLE)
    assert [(v.rule_id, v.path) for v in exc.value.violations] == [
        ("SM-PRE-MODEL-HUB", "PipelineDefinition.Steps[0:Hub-CreateModel].Arguments.PrimaryContainer.Environment.HF_MODEL_ID")]
    assert safemaker_local.request_count("sagemaker", "CreatePipeline") == 0


def test_pipeline_step_function_is_refused_before_its_function_is_uploaded(safemaker_local, pipeline_session):
    from sagemaker.workflow.function_step import step
    from sagemaker.workflow.pipeline import Pipeline

    @step(name="Add", instance_type="ml.m5.large", image_uri=IMG, role=ROLE)
    def add(a, b):
        return a + b

    with pytest.raises(GuardrailViolation) as exc:
        Pipeline("step-pipeline", steps=[add(1, 2)], sagemaker_session=pipeline_session).create(role_arn=ROLE)
    assert [v.rule_id for v in exc.value.violations] == ["SM-PRE-REMOTE-FUNCTION"]
    assert uploads(safemaker_local) == 0
    assert safemaker_local.request_count("sagemaker", "CreatePipeline") == 0


# --------------------------------------------------------------------------- Hugging Face Hub models


def test_huggingface_model_with_a_hub_id_is_refused_before_create_model(safemaker_local, sess):
    from sagemaker.huggingface import HuggingFaceModel

    model = HuggingFaceModel(env={"HF_MODEL_ID": "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
                                  "HF_TASK": "text-classification"},
                             role=ROLE, transformers_version="4.37.0", pytorch_version="2.1.0", py_version="py310",
                             sagemaker_session=sess)
    with pytest.raises(GuardrailViolation) as exc:
        model.deploy(initial_instance_count=1, instance_type="ml.m5.xlarge")
    assert [(v.rule_id, v.path) for v in exc.value.violations] == [
        ("SM-PRE-MODEL-HUB", "PrimaryContainer.Environment.HF_MODEL_ID")]
    nothing_created(safemaker_local)


_LAZY_CHILD = r"""
import sys
import sagemaker
from safemaker.sdk.v2.preflight import install_sdk_preflight
LAZY = ("sagemaker.remote_function.job", "sagemaker.jumpstart.model", "sagemaker.serve.utils.telemetry_logger")
install_sdk_preflight()
print("imported by the install:", [m for m in LAZY if m in sys.modules])
from sagemaker.remote_function import job
from sagemaker.jumpstart.model import JumpStartModel
from sagemaker.serve.utils import telemetry_logger
marked = lambda f: getattr(f, "_safemaker_preflight", False)
print("wrapped after import:", marked(job._JobSettings.__init__), marked(JumpStartModel._create_sagemaker_model),
      marked(telemetry_logger._requests_helper))
"""


def test_checks_of_sdk_modules_imported_later_are_installed_when_they_are_imported():
    """``install_sdk_preflight`` does not import ``sagemaker.remote_function.job``, ``sagemaker.jumpstart.model``
    or ``sagemaker.serve`` (``import sagemaker`` does not either: ~0.5 s of CPU); their checks are in place as
    soon as the program imports them (a fresh interpreter, so no earlier test imported them)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "SAGEMAKER_SUPPRESS_V2_WARNING": "1"}
    out = subprocess.run([sys.executable, "-c", _LAZY_CHILD], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "imported by the install: []" in out.stdout
    assert "wrapped after import: True True True" in out.stdout
