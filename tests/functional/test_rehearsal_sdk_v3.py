"""``ClosedModelTrainer.rehearse`` (SDK v3) on the local backend: source_code, hyperparameters, InputData channels
and the output path are rehearsed with no network; no SageMaker request is made."""

from __future__ import annotations

import io
import json
import tarfile

import pytest
from sdk_markers import require_sdk

require_sdk(3)

from _sdk_v3_support import BUCKET, v3env  # noqa: E402, F401 (fixture)

from safemaker.rehearsal import RehearsalInputError, SandboxUnavailable, find_sandbox  # noqa: E402

try:
    find_sandbox()
except SandboxUnavailable as exc:  # pragma: no cover
    pytest.skip(f"no network namespace here: {exc}", allow_module_level=True)


def test_closed_model_trainer_rehearse(tmp_path, v3env):
    from sagemaker.core.training.configs import Compute, InputData, OutputDataConfig, SourceCode

    src = tmp_path / "src"
    src.mkdir()
    (src / "train.py").write_text(
        "import json, os, sys\nprint('argv', sys.argv[1:])\n"
        "open(os.path.join(os.environ['SM_MODEL_DIR'], 'm.json'), 'w').write(json.dumps({"
        "'files': sorted(os.listdir(os.environ['SM_CHANNEL_TRAIN'])), 'hps': json.loads(os.environ['SM_HPS'])}))\n")
    s3 = v3env.backend.session.client("s3")
    s3.put_object(Bucket=BUCKET, Key="data/train/a.csv", Body=b"1\n")
    trainer = v3env.trainer(source_code=SourceCode(source_dir=str(src), entry_script="train.py"),
                            compute=Compute(instance_type="ml.m5.xlarge", instance_count=1),
                            hyperparameters={"epochs": 2, "lr": 0.5},
                            output_data_config=OutputDataConfig(s3_output_path=f"s3://{BUCKET}/out"))
    lines: list[str] = []
    result = trainer.rehearse([InputData(channel_name="train", data_source=f"s3://{BUCKET}/data/train")],
                              job_name="v3-rehearsal", on_output=lines.append)
    assert "argv ['--epochs', '2', '--lr', '0.5']" in lines
    assert result.model_data == f"s3://{BUCKET}/out/v3-rehearsal/output/model.tar.gz"
    body = s3.get_object(Bucket=BUCKET, Key="out/v3-rehearsal/output/model.tar.gz")["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body)) as tar:
        assert json.load(tar.extractfile("m.json")) == {"files": ["a.csv"], "hps": {"epochs": 2, "lr": 0.5}}
    assert v3env.sent.operations() == []
    assert v3env.backend.request_count("sagemaker") == 0


def test_trainer_without_entry_script(v3env):
    with pytest.raises(RehearsalInputError) as info:
        v3env.trainer().rehearse()
    assert str(info.value).startswith("source_code.entry_script is None; a rehearsal runs a script")
