"""Inference rehearsals: a model's own handlers answer in the sandbox (round trip through moto's S3),
defaults of the scikit-learn container, network attempts, and the example that a user starts from."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import subprocess
import sys
import tarfile
import textwrap
from pathlib import Path

import numpy as np
import pytest

from safemaker.rehearsal import (InferenceRehearsal, RehearsalFailed, RehearsalInputError, SandboxUnavailable,
                                 find_sandbox, rehearse_inference, rehearse_training)
from safemaker.rehearsal import sandbox as sandbox_mod

pytestmark = pytest.mark.slow
if importlib.util.find_spec("sklearn") is None:  # not imported here: the model's children (and joblib.load) import it
    pytest.skip("could not import 'sklearn': No module named 'sklearn'", allow_module_level=True)
joblib = pytest.importorskip("joblib")
try:
    find_sandbox()
except SandboxUnavailable as exc:  # pragma: no cover - this machine has network namespaces
    pytest.skip(f"no network namespace here: {exc}", allow_module_level=True)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "rehearsal"
BUCKET = "rehearsal-models"


def _iris_channels(root: Path) -> dict[str, str]:
    sys.path.insert(0, str(EXAMPLE))
    try:
        from rehearse_iris import write_channels
    finally:
        sys.path.remove(str(EXAMPLE))
    return write_channels(root)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The example's training, rehearsed once: (model.tar.gz path, the model as the test loads it)."""
    root = tmp_path_factory.mktemp("iris")
    job = rehearse_training("train.py", source_dir=EXAMPLE, inputs=_iris_channels(root / "data"),
                            output_path=str(root / "out"), job_name="iris", on_output=lambda line: None)
    with tarfile.open(job.model_data) as tar:
        model = joblib.load(io.BytesIO(tar.extractfile("model.joblib").read()))
    return job.model_data, model


ROWS = [[5.1, 3.5, 1.4, 0.2], [6.0, 2.7, 5.1, 1.6], [7.7, 3.0, 6.1, 2.3], [5.7, 2.8, 4.1, 1.3]]


def test_round_trip_from_s3_answers_with_the_models_own_predictions(trained, safemaker_session):
    tarball, model = trained
    s3 = safemaker_session.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    s3.upload_file(tarball, BUCKET, "iris/output/model.tar.gz")
    expected = model.predict(np.array(ROWS, dtype="float32")).tolist()  # the oracle: scikit-learn itself
    lines: list[str] = []
    csv_rows = "\n".join(",".join(str(v) for v in row) for row in ROWS)
    with InferenceRehearsal(f"s3://{BUCKET}/iris/output/model.tar.gz", "inference.py", source_dir=str(EXAMPLE),
                            s3_client=s3, on_output=lines.append) as server:
        as_json = server.invoke(json.dumps(ROWS))
        as_csv = server.invoke(csv_rows, "text/csv", "text/csv")
        buf = io.BytesIO()
        np.save(buf, np.array(ROWS))
        as_npy = server.invoke(buf.getvalue(), "application/x-npy", "application/x-npy")
        unsupported = server.invoke("<xml/>", "application/xml")
    assert (as_json.status, as_json.content_type, json.loads(as_json.body)) == (200, "application/json", expected)
    assert (as_csv.status, as_csv.text()) == (200, "".join(f"{p}\n" for p in expected))
    assert np.load(io.BytesIO(as_npy.body)).tolist() == expected
    assert unsupported.status == 415
    assert unsupported.text() == "UnsupportedFormatError: Content type application/xml is not supported by this framework."
    assert as_json.label == "rehearsed locally with no network, not on SageMaker"
    assert any(line.startswith("safemaker rehearse: model loaded by model_fn (") for line in lines)


def test_custom_handlers_with_context_and_prints_as_logs(trained, tmp_path):
    tarball, model = trained
    code = tmp_path / "code"
    code.mkdir()
    (code / "serve.py").write_text(textwrap.dedent('''\
        import json, os, joblib
        def model_fn(model_dir, context):
            print("model_fn context", context)
            return joblib.load(os.path.join(model_dir, "model.joblib"))
        def input_fn(body, content_type):
            return json.loads(body)["instances"]
        def predict_fn(data, model):
            return model.predict_proba(data).round(3)
        def output_fn(prediction, accept, context=None):
            return json.dumps({"probabilities": prediction.tolist()}), "application/vnd+json"
    '''))
    lines: list[str] = []
    [answer] = rehearse_inference(tarball, "serve.py", [json.dumps({"instances": ROWS[:2]})], source_dir=str(code),
                                  on_output=lines.append)
    assert answer.status == 200 and answer.content_type == "application/vnd+json"
    assert json.loads(answer.body) == {"probabilities": model.predict_proba(ROWS[:2]).round(3).tolist()}
    assert "model_fn context None" in lines  # the code's print is a log line, not the answer


def test_model_fn_that_fetches_weights_is_reported(trained, tmp_path):
    tarball, _ = trained
    code = tmp_path / "code"
    code.mkdir()
    (code / "inference.py").write_text(
        "import urllib.request\n"
        "def model_fn(model_dir):\n"
        "    return urllib.request.urlopen('https://huggingface.co/gpt2/resolve/main/model.safetensors')\n")
    lines: list[str] = []
    with pytest.raises(RehearsalFailed) as info:
        rehearse_inference(tarball, "inference.py", ["[]"], source_dir=str(code), on_output=lines.append)
    message = str(info.value)
    assert message.startswith("inference (loading the model) failed in the rehearsal (no network):\nmodel_fn failed: ")
    assert "huggingface.co:443 (name lookup by serve.py " in message and ", at inference.py:3)" in message
    assert "Network access that fails under EnableNetworkIsolation=True" in message


def test_predict_fn_network_attempt_is_on_the_answer(trained, tmp_path):
    tarball, _ = trained
    code = tmp_path / "code"
    code.mkdir()
    (code / "inference.py").write_text(
        "import os, socket, joblib\n"
        "def model_fn(model_dir):\n    return joblib.load(os.path.join(model_dir, 'model.joblib'))\n"
        "def predict_fn(data, model):\n"
        "    socket.create_connection(('api.example.com', 443), 2)\n")
    [answer] = rehearse_inference(tarball, "inference.py", [json.dumps(ROWS)], source_dir=str(code),
                                  on_output=lambda line: None)
    assert answer.status == 500 and "socket.gaierror" in answer.error
    assert [(a.host, a.port, a.where) for a in answer.network_attempts] == [("api.example.com", 443, "inference.py:5")]


def test_inference_bad_input_and_unavailable(trained, tmp_path, monkeypatch):
    tarball, _ = trained
    with pytest.raises(RehearsalInputError) as info:
        rehearse_inference(tarball, None, ["[]"])
    assert str(info.value).startswith("entry_point is 'code/inference.py in the model'; give the inference script")
    with pytest.raises(RehearsalInputError, match=r"^model_data is '/nonexistent/model.tar.gz'; expected"):
        rehearse_inference("/nonexistent/model.tar.gz", "inference.py", ["[]"], source_dir=str(EXAMPLE))
    monkeypatch.setattr(sandbox_mod, "UNSHARE", str(tmp_path / "no" / "unshare"))
    with pytest.raises(SandboxUnavailable, match="Nothing was run"):
        rehearse_inference(tarball, "inference.py", ["[]"], source_dir=str(EXAMPLE))


def test_example_rehearse_iris_runs_as_a_user_would():
    proc = subprocess.run([sys.executable, str(EXAMPLE / "rehearse_iris.py")], capture_output=True, text=True,
                          timeout=240, env={**os.environ})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "trained on 120 rows; test accuracy " in proc.stdout
    assert ("predicted classes [0, 1, 2] for true classes [0, 1, 2] "
            "(rehearsed locally with no network, not on SageMaker)") in proc.stdout
