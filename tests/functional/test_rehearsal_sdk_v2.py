"""``ClosedEstimator.rehearse`` and ``closed(Model).rehearse`` (SDK v2) on the local backend: what the estimator
would send is rehearsed with no network; no SageMaker request is made; S3 stages the channel and takes the model."""

from __future__ import annotations

import json
import tarfile
import io

import pytest
from sdk_markers import require_sdk

require_sdk(2)

from _sdk_v2_support import BUCKET, IMG, no_user_sdk_config, profile, sent, sess  # noqa: E402, F401 (fixtures)

from safemaker.rehearsal import RehearsalFailed, RehearsalInputError, find_sandbox, SandboxUnavailable  # noqa: E402
from safemaker.sdk import ClosedEstimator  # noqa: E402

try:
    find_sandbox()
except SandboxUnavailable as exc:  # pragma: no cover
    pytest.skip(f"no network namespace here: {exc}", allow_module_level=True)

TRAIN = '''import json, os, sys
print("argv", sys.argv[1:])
open(os.path.join(os.environ["SM_MODEL_DIR"], "model.json"), "w").write(json.dumps({
    "rows": open(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "train.csv")).read().count("\\n"),
    "hps": json.loads(os.environ["SM_HPS"]), "env": os.environ.get("MY_SETTING"),
    "instance": os.environ["SM_CURRENT_INSTANCE_TYPE"]}))
'''
SERVE = '''import json, os
def model_fn(model_dir):
    return json.load(open(os.path.join(model_dir, "model.json")))
def predict_fn(data, model):
    return [model["rows"] * float(x) for x in data]  # data: float32 array (the default input_fn)
def output_fn(prediction, accept):
    return json.dumps(prediction)
'''


def test_closed_estimator_rehearse_then_model_rehearse(tmp_path, sess, sent, safemaker_local):
    from sagemaker.model import Model

    from safemaker.sdk import closed

    src = tmp_path / "src"
    src.mkdir()
    (src / "train.py").write_text(TRAIN)
    (src / "inference.py").write_text(SERVE)
    s3 = sess.boto_session.client("s3")
    s3.put_object(Bucket=BUCKET, Key="data/train.csv", Body=b"1\n2\n3\n")
    est = ClosedEstimator(IMG, sagemaker_session=sess, entry_point="train.py", source_dir=str(src),
                          instance_type="ml.c5.xlarge", hyperparameters={"epochs": 4, "optimizer": "adam"},
                          environment={"MY_SETTING": "on"}, output_path=f"s3://{BUCKET}/models",
                          base_job_name="digits")
    lines: list[str] = []
    result = est.rehearse({"train": f"s3://{BUCKET}/data/train.csv"}, job_name="digits-rehearsal",
                          on_output=lines.append)
    assert "argv ['--epochs', '4', '--optimizer', 'adam']" in lines
    assert result.model_data == f"s3://{BUCKET}/models/digits-rehearsal/output/model.tar.gz"
    body = s3.get_object(Bucket=BUCKET, Key="models/digits-rehearsal/output/model.tar.gz")["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body)) as tar:
        model = json.load(tar.extractfile("model.json"))
    assert model == {"rows": 3, "hps": {"epochs": 4, "optimizer": "adam"}, "env": "on", "instance": "ml.c5.xlarge"}
    assert sent == []  # nothing went to SageMaker
    assert safemaker_local.request_count("sagemaker") == 0

    served = closed(Model)(image_uri=IMG, model_data=result.model_data, entry_point="inference.py",
                           source_dir=str(src), sagemaker_session=sess)
    [answer] = served.rehearse([json.dumps([1, 2])], on_output=lines.append)
    assert (answer.status, json.loads(answer.body)) == (200, [3, 6])
    assert sent == []


def test_rehearse_needs_an_entry_point_and_reports_failure(tmp_path, sess):
    est = ClosedEstimator(IMG, sagemaker_session=sess)
    with pytest.raises(RehearsalInputError) as info:
        est.rehearse()
    assert str(info.value).startswith("entry_point is None; a rehearsal runs a script-mode entry point")
    src = tmp_path / "src"
    src.mkdir()
    (src / "train.py").write_text("import subprocess, sys\n"
                                  "subprocess.check_call([sys.executable, '-m', 'pip', 'install', '--retries', '0', "
                                  "'transformers'])\n")
    est = ClosedEstimator(IMG, sagemaker_session=sess, entry_point="train.py", source_dir=str(src))
    with pytest.raises(RehearsalFailed) as info:
        est.rehearse(on_output=lambda line: None)
    attempts = info.value.result.network_attempts
    assert [(a.host, a.port, a.program.split(" ")[:2]) for a in attempts] == [("pypi.org", 443, ["pip", "install"])]


def test_closed_framework_estimator_with_training_input(tmp_path, sess):
    """closed(SKLearn): the SDK's JSON-encoded hyperparameters and a TrainingInput's content type, as sent."""
    from sagemaker.inputs import TrainingInput
    from sagemaker.sklearn import SKLearn

    from safemaker.sdk import closed

    src = tmp_path / "src"
    src.mkdir()
    (src / "train.py").write_text(
        "import json, os, sys\nprint('argv', sys.argv[1:])\n"
        "print('hps', os.environ['SM_HPS'])\n"
        "print('content', json.loads(os.environ['SM_INPUT_DATA_CONFIG'])['train'].get('ContentType'))\n"
        "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "try:\n    s.sendto(b'x', ('198.51.100.7', 53))\nexcept OSError as e:\n    print('udp', e)\n")
    s3 = sess.boto_session.client("s3")
    s3.put_object(Bucket=BUCKET, Key="csv/train.csv", Body=b"1,2\n")
    est = closed(SKLearn)(entry_point="train.py", source_dir=str(src), framework_version="1.2-1",
                          instance_type="ml.m5.large", hyperparameters={"C": 0.5, "name": "x"},
                          sagemaker_session=sess)
    lines: list[str] = []
    result = est.rehearse({"train": TrainingInput(f"s3://{BUCKET}/csv/", content_type="text/csv")},
                          output_path=str(tmp_path / "out"), on_output=lines.append)
    assert "argv ['-C', '0.5', '--name', 'x']" in lines
    assert 'hps {"C":0.5,"name":"x"}' in lines
    assert "content text/csv" in lines
    assert [(a.host, a.port, a.call) for a in result.network_attempts] == [("198.51.100.7", 53, "connect")]
