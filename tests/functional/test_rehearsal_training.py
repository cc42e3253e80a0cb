"""Training rehearsals in a real network namespace: the contract inside, network attempts, S3 staging and
upload through moto on 127.0.0.1, the unavailable-namespace paths (simulated), and ``safemaker rehearse``."""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from safemaker.cli import app
from safemaker.rehearsal import (RehearsalFailed, RehearsalInputError, SandboxUnavailable, find_sandbox,
                                 rehearse_training)
from safemaker.rehearsal import sandbox as sandbox_mod
from safemaker.rehearsal.sandbox import ROOT_FLAGS, USER_FLAGS, Sandbox

try:
    SANDBOX = find_sandbox()
except SandboxUnavailable as exc:  # pragma: no cover - this machine has network namespaces
    pytest.skip(f"no network namespace here: {exc}", allow_module_level=True)

BUCKET = "rehearsal-bucket"

DUMP = textwrap.dedent('''\
    import json, os, socket, sys
    base = os.environ["SAGEMAKER_BASE_DIR"]
    config = os.path.join(base, "input", "config")
    dump = {
        "argv": sys.argv[1:],
        "cwd": os.getcwd(),
        "env": {k: v for k, v in os.environ.items() if k.startswith(("SM_", "SAGEMAKER_", "TRAINING_", "AWS_"))},
        "files": {n: json.load(open(os.path.join(config, n))) for n in sorted(os.listdir(config))},
        "channel": {c: sorted(os.path.relpath(os.path.join(d, f), os.environ["SM_CHANNEL_" + c.upper()])
                              for d, _, fs in os.walk(os.environ["SM_CHANNEL_" + c.upper()]) for f in fs)
                    for c in json.loads(os.environ["SM_CHANNELS"])},
        "train_csv": open(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "part-0.csv")).read(),
        "interfaces": [n for _, n in socket.if_nameindex()],
        "uid": os.getuid(),
    }
    with open(os.path.join(os.environ["SM_MODEL_DIR"], "contract.json"), "w") as f:
        json.dump(dump, f)
    with open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], "metrics.json"), "w") as f:
        f.write('{"accuracy": 1.0}')
    print("dumped the contract")
''')

NETWORK = textwrap.dedent('''\
    import urllib.request
    print("downloading weights")
    urllib.request.urlopen("https://huggingface.co/bert-base-uncased/resolve/main/config.json", timeout=5)
''')


def _write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(text)
    return directory


def _s3(session):
    s3 = session.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="data/train/part-0.csv", Body=b"1,2,3\n")
    s3.put_object(Bucket=BUCKET, Key="data/train/sub/part-1.csv", Body=b"4,5,6\n")
    s3.put_object(Bucket=BUCKET, Key="data/test.csv", Body=b"7,8,9\n")
    return s3


def _members(s3, key: str) -> dict[str, bytes]:
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def test_contract_inside_the_sandbox_with_s3_channels_and_upload(tmp_path, safemaker_session):
    s3 = _s3(safemaker_session)
    src = _write(tmp_path / "src", "train.py", DUMP)
    lines: list[str] = []
    result = rehearse_training("train.py", source_dir=src, hyperparameters={"epochs": 3, "learning-rate": "0.1"},
                               inputs={"train": f"s3://{BUCKET}/data/train", "test": f"s3://{BUCKET}/data/test.csv"},
                               output_path=f"s3://{BUCKET}/out", job_name="contract-job", region="us-east-1",
                               s3_client=s3, on_output=lines.append)
    assert result.ok and result.network_attempts == []
    assert result.model_data == f"s3://{BUCKET}/out/contract-job/output/model.tar.gz"
    assert result.output_data == f"s3://{BUCKET}/out/contract-job/output/output.tar.gz"
    assert "dumped the contract" in lines
    assert lines[-1].startswith("safemaker rehearse: training job contract-job completed in ")
    model = _members(s3, "out/contract-job/output/model.tar.gz")
    assert set(model) == {"contract.json"}  # the model directory's content, at the archive's top level
    assert _members(s3, "out/contract-job/output/output.tar.gz") == {"metrics.json": b'{"accuracy": 1.0}'}
    dump = json.loads(model["contract.json"])
    env = dump["env"]
    base = env["SAGEMAKER_BASE_DIR"]
    assert base.endswith("/opt/ml") and dump["cwd"] == f"{base}/code"
    assert dump["interfaces"] == ["lo"]
    assert dump["argv"] == ["--epochs", "3", "--learning-rate", "0.1"]
    assert json.loads(env["SM_HPS"]) == {"epochs": 3, "learning-rate": 0.1}
    assert env["SM_HP_EPOCHS"] == "3" and env["SM_HP_LEARNING-RATE"] == "0.1"
    assert env["SM_CHANNELS"] == '["test","train"]'
    assert env["SM_CHANNEL_TRAIN"] == f"{base}/input/data/train"
    assert env["SM_MODEL_DIR"] == f"{base}/model" and env["SM_OUTPUT_DATA_DIR"] == f"{base}/output/data"
    assert env["TRAINING_JOB_NAME"] == "contract-job" and env["SAGEMAKER_REGION"] == "us-east-1"
    # S3 objects staged as SageMaker does: keys below the prefix keep their path, an exact key its name
    assert dump["channel"] == {"train": ["part-0.csv", "sub/part-1.csv"], "test": ["test.csv"]}
    assert dump["train_csv"] == "1,2,3\n"
    assert set(dump["files"]) == {"hyperparameters.json", "inputdataconfig.json", "resourceconfig.json"}
    assert dump["files"]["hyperparameters.json"]["epochs"] == "3"
    assert dump["files"]["inputdataconfig.json"]["train"]["TrainingInputMode"] == "File"
    # the caller's credentials are not the job's
    assert not any(k.startswith("AWS_") for k in env)


def test_network_attempt_is_reported_and_fails(tmp_path, safemaker_session):
    s3 = _s3(safemaker_session)
    src = _write(tmp_path / "src", "train.py", NETWORK)
    lines: list[str] = []
    with pytest.raises(RehearsalFailed) as info:
        rehearse_training("train.py", source_dir=src, output_path=f"s3://{BUCKET}/out", job_name="net-job",
                          s3_client=s3, on_output=lines.append)
    result = info.value.result
    assert result.exit_code == 1 and result.model_data is None
    assert [(a.host, a.port, a.call, a.where) for a in result.network_attempts] == [
        ("huggingface.co", 443, "getaddrinfo", "train.py:3")]
    message = str(info.value)
    assert message.startswith("training job net-job failed in the rehearsal (no network):\nexit code 1; "
                              "FailureReason: ExecuteUserScriptError:\nExitCode 1\n")
    assert "Network access that fails under EnableNetworkIsolation=True" in message
    assert "  huggingface.co:443 (name lookup by train.py, at train.py:3)" in message
    assert result.failure_reason.startswith("ExecuteUserScriptError:\nExitCode 1\nErrorMessage \"")
    assert "urllib.error.URLError" in result.failure_reason
    assert "downloading weights" in lines  # the script's own log, streamed
    assert any(line.startswith("safemaker rehearse: training job net-job FAILED in ") for line in lines)
    # nothing uploaded for a failed job
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="out/")


def test_script_that_writes_its_own_failure_file(tmp_path):
    src = _write(tmp_path / "src", "train.py",
                 "import os, sys\nopen(os.path.join(os.environ['SM_OUTPUT_DIR'], 'failure'), 'w')"
                 ".write('bad data: no rows')\nsys.exit(3)\n")
    result = rehearse_training("train.py", source_dir=src, check=False, on_output=lambda line: None)
    assert (result.exit_code, result.failure_reason, result.network_attempts) == (3, "bad data: no rows", [])


def test_requirements_txt_is_resolved_in_the_sandbox_and_the_script_never_starts(tmp_path):
    sentinel = tmp_path / "ran"
    src = _write(tmp_path / "src", "train.py", f"open({str(sentinel)!r}, 'w').write('ran')\n")
    (src / "requirements.txt").write_text("safemaker-rehearsal-no-such-package==1.0\n")
    lines: list[str] = []
    result = rehearse_training("train.py", source_dir=src, check=False, on_output=lines.append)
    assert result.exit_code == 1 and not sentinel.exists()
    assert result.failure_reason.startswith("InstallRequirementsError:\nExitCode 1\n")
    assert [(a.host, a.port) for a in result.network_attempts] == [("pypi.org", 443)]
    assert result.network_attempts[0].program.startswith("pip install --dry-run")
    assert any("pip cannot reach a package index" in line for line in lines)


def test_work_directory_is_removed_after_a_failure_and_kept_with_the_artifacts_of_a_completed_run(
        tmp_path, monkeypatch, safemaker_session):
    # docs/rehearsal.md: /opt/ml is a temporary directory, --keep keeps it; a completed run without
    # output_path leaves its model.tar.gz there (and says where)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    failing = _write(tmp_path / "fail", "train.py", "import sys\nsys.exit(4)\n")
    result = rehearse_training("train.py", source_dir=failing, check=False, on_output=lambda line: None)
    assert result.exit_code == 4 and result.work_dir is None
    assert list((tmp_path / "tmp").iterdir()) == []
    with pytest.raises(RehearsalInputError):  # refused while staging: nothing left either
        rehearse_training("train.py", source_dir=failing, inputs={"train": "s3://no-such-bucket/x"},
                          s3_client=safemaker_session.client("s3"), on_output=lambda line: None)
    assert list((tmp_path / "tmp").iterdir()) == []
    kept = rehearse_training("train.py", source_dir=failing, check=False, keep=True, on_output=lambda line: None)
    assert kept.work_dir is not None and kept.work_dir.is_dir()
    shutil.rmtree(kept.work_dir)
    ok = _write(tmp_path / "ok", "train.py", "print('done')\n")
    done = rehearse_training("train.py", source_dir=ok, on_output=lambda line: None)
    assert done.work_dir is not None and Path(done.model_data) == done.work_dir / "model.tar.gz"
    assert Path(done.model_data).is_file()


def test_s3_channel_that_cannot_be_read_is_bad_input_naming_the_channel(tmp_path, safemaker_session):
    s3 = safemaker_session.client("s3")
    src = _write(tmp_path / "src", "train.py", "print('never runs')\n")
    with pytest.raises(RehearsalInputError) as info:
        rehearse_training("train.py", source_dir=src, inputs={"train": "s3://no-such-bucket/x"}, s3_client=s3,
                          on_output=lambda line: None)
    assert info.value.field == "inputs['train']" and info.value.found == "s3://no-such-bucket/x"
    assert "S3 answered NoSuchBucket" in str(info.value)


def test_local_channel_and_output_directory(tmp_path):
    data = _write(tmp_path / "data", "part-0.csv", "1,2,3\n")
    src = _write(tmp_path / "src", "train.py", DUMP.replace('"SM_CHANNEL_TRAIN"', '"SM_CHANNEL_TRAIN"'))
    result = rehearse_training("train.py", source_dir=src, inputs={"train": str(data)},
                               output_path=str(tmp_path / "out"), job_name="local-job", on_output=lambda line: None)
    tarball = tmp_path / "out" / "local-job" / "output" / "model.tar.gz"
    assert result.model_data == str(tarball)
    with tarfile.open(tarball) as tar:
        dump = json.load(tar.extractfile("contract.json"))
    assert dump["channel"] == {"train": ["part-0.csv"]} and dump["train_csv"] == "1,2,3\n"


@pytest.mark.parametrize("flags", [ROOT_FLAGS, USER_FLAGS], ids=["unshare-net", "unshare-user-net"])
def test_both_ways_of_making_the_namespace(tmp_path, flags):
    if flags == ROOT_FLAGS and os.geteuid() != 0:
        pytest.skip("unshare --net needs root")
    src = _write(tmp_path / "src", "train.py",
                 "import os, socket\nprint('uid', os.getuid(), [n for _, n in socket.if_nameindex()])\n")
    lines: list[str] = []
    result = rehearse_training("train.py", source_dir=src, sandbox=Sandbox(shutil.which("unshare"), flags),
                               on_output=lines.append)
    assert result.sandbox == " ".join(["unshare", *flags])
    assert "uid 0 ['lo']" in lines  # root in the namespace (mapped, for --user), loopback only


@pytest.mark.skipif(os.geteuid() != 0 or not Path("/usr/bin/python3").exists() or not shutil.which("setpriv"),
                    reason="needs root (to drop to nobody), setpriv and /usr/bin/python3")
def test_unprivileged_user_gets_a_namespace_with_only_loopback():
    """As nobody (uid 65534), the launcher in ``unshare --user --map-root-user --net`` sees only lo."""
    tmp_path = Path(tempfile.mkdtemp(prefix="safemaker-nobody-"))  # pytest's tmp_path is root-only
    tmp_path.chmod(0o777)
    try:
        _run_as_nobody(tmp_path)
    finally:
        shutil.rmtree(tmp_path)


def _run_as_nobody(tmp_path: Path) -> None:
    marker = tmp_path / "m.json"
    argv = Sandbox(shutil.which("unshare"), USER_FLAGS).argv(marker, ["/usr/bin/python3", "-c", "print('ran')"])
    argv[argv.index(sys.executable)] = "/usr/bin/python3"
    launcher = tmp_path / "launcher.py"
    shutil.copy(sandbox_mod.LAUNCHER, launcher)
    launcher.chmod(0o644)
    argv[argv.index(str(sandbox_mod.LAUNCHER))] = str(launcher)
    proc = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *argv],
                          capture_output=True, text=True, timeout=30, cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, "ran\n"), proc.stderr
    assert json.loads(marker.read_text()) == {"ok": True, "interfaces": ["lo"], "uid": 0}


# --------------------------------------------------------------------------- namespaces unavailable


def _host_only_loopback() -> bool:
    import socket

    return [name for _, name in socket.if_nameindex()] == ["lo"]


def _fake_unshare(tmp_path: Path, body: str) -> str:
    path = tmp_path / "bin" / "unshare"
    path.parent.mkdir(exist_ok=True)
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


@pytest.mark.parametrize("case", ["missing", "refused", "not-isolated", "macos"])
def test_unavailable_namespace_runs_nothing(tmp_path, monkeypatch, case):
    sentinel = tmp_path / "ran"
    src = _write(tmp_path / "src", "train.py", f"open({str(sentinel)!r}, 'w').write('ran')\n")
    if case == "missing":
        monkeypatch.setattr(sandbox_mod, "UNSHARE", str(tmp_path / "no" / "unshare"))
        expected = "the command '" + str(tmp_path / "no" / "unshare") + "' (util-linux) is not on PATH"
    elif case == "refused":  # what unshare says where user namespaces are disabled
        monkeypatch.setattr(sandbox_mod, "UNSHARE", _fake_unshare(
            tmp_path, 'echo "unshare: unshare failed: Operation not permitted" >&2\nexit 1\n'))
        expected = "failed (exit 1: unshare: unshare failed: Operation not permitted)"
    elif case == "not-isolated":  # an unshare that runs the command without a new namespace
        if _host_only_loopback():
            pytest.skip("this host itself has only loopback: nothing to tell apart")
        monkeypatch.setattr(sandbox_mod, "UNSHARE", _fake_unshare(
            tmp_path, 'while [ "${1#-}" != "$1" ]; do shift; done\nexec "$@"\n'))
        expected = "gave a namespace with interfaces "
    else:
        monkeypatch.setattr(sys, "platform", "darwin")
        expected = "network namespaces are a Linux kernel feature and this is darwin"
    with pytest.raises(SandboxUnavailable) as info:
        rehearse_training("train.py", source_dir=src, on_output=lambda line: None)
    assert str(info.value).startswith("rehearsal cannot run here: ")
    assert expected in str(info.value)
    assert "Nothing was run: a rehearsal only runs with no network" in str(info.value)
    assert not sentinel.exists()


def test_not_isolated_sandbox_given_directly_runs_nothing(tmp_path):
    """Even past the probe, the launcher refuses to start the command when it sees another interface."""
    if _host_only_loopback():
        pytest.skip("this host itself has only loopback: nothing to tell apart")
    sentinel = tmp_path / "ran"
    src = _write(tmp_path / "src", "train.py", f"open({str(sentinel)!r}, 'w').write('ran')\n")
    fake = _fake_unshare(tmp_path, 'while [ "${1#-}" != "$1" ]; do shift; done\nexec "$@"\n')
    with pytest.raises(SandboxUnavailable, match=r"the namespace had interfaces .*eth0|the namespace had interfaces"):
        rehearse_training("train.py", source_dir=src, sandbox=Sandbox(fake, USER_FLAGS), on_output=lambda line: None)
    assert not sentinel.exists()


def test_bad_input_names_the_field(tmp_path):
    src = _write(tmp_path / "src", "train.py", "print(1)\n")
    with pytest.raises(RehearsalInputError) as info:
        rehearse_training("missing.py", source_dir=src)
    assert str(info.value).startswith("entry_point is 'missing.py'; no such file in source_dir ")
    with pytest.raises(RehearsalInputError) as info:
        rehearse_training("train.py", source_dir=src, inputs={"train": str(tmp_path / "nope")})
    assert str(info.value) == (f"inputs['train'] is {str(tmp_path / 'nope')!r}; expected s3://<bucket>/<prefix> "
                               "or an existing local file or directory")
    with pytest.raises(RehearsalInputError, match=r"^output_path is 's3://b/o'; an S3 output path needs an S3 client"):
        rehearse_training("train.py", source_dir=src, output_path="s3://b/o")
    pipe = {"DataSource": {"S3DataSource": {"S3Uri": "s3://b/p", "S3DataType": "S3Prefix"}}, "InputMode": "Pipe"}
    with pytest.raises(RehearsalInputError, match=r"^inputs\['train'\]\.InputMode is 'Pipe'; a rehearsal gives"):
        rehearse_training("train.py", source_dir=src, inputs={"train": pipe})


# --------------------------------------------------------------------------- CLI


runner = CliRunner()


def test_cli_rehearse_exit_codes(tmp_path, monkeypatch, safemaker_local):
    ok = _write(tmp_path / "ok", "train.py", "import os, sys\nprint('args', sys.argv[1:], "
                                             "sorted(os.listdir(os.environ['SM_CHANNEL_TRAIN'])))\n")
    data = _write(tmp_path / "data", "a.csv", "1\n")
    r = runner.invoke(app, ["rehearse", "train.py", "--source-dir", str(ok), "-H", "epochs=2", "-c",
                            f"train={data}", "--output-path", str(tmp_path / "out"), "--job-name", "cli-job"])
    assert r.exit_code == 0, r.output
    assert "args ['--epochs', '2'] ['a.csv']" in r.stdout
    assert (tmp_path / "out" / "cli-job" / "output" / "model.tar.gz").is_file()

    net = _write(tmp_path / "net", "train.py", NETWORK)
    r = runner.invoke(app, ["rehearse", "train.py", "--source-dir", str(net)])
    assert r.exit_code == 1
    assert "safemaker rehearse:   huggingface.co:443 (name lookup by train.py, at train.py:3)" in r.stdout

    caught = _write(tmp_path / "caught", "train.py", "import socket\ntry:\n    socket.create_connection(('8.8.8.8', 53), 2)"
                                                     "\nexcept OSError as e:\n    print('no network:', e)\n")
    r = runner.invoke(app, ["rehearse", "train.py", "--source-dir", str(caught)])
    assert r.exit_code == 3, r.output  # succeeded, but tried the network
    assert "safemaker rehearse:   8.8.8.8:53 (connection by train.py, at train.py:3)" in r.stdout

    r = runner.invoke(app, ["rehearse", "train.py", "--source-dir", str(ok), "-c", "train"])
    assert r.exit_code == 2 and "--channel is 'train'; expected a channel (NAME=VALUE)" in r.stderr

    # S3 channel through the local backend's endpoint
    s3 = _s3(safemaker_local.session)
    r = runner.invoke(app, ["rehearse", "train.py", "--source-dir", str(ok), "-c", f"train=s3://{BUCKET}/data/train",
                            "--output-path", f"s3://{BUCKET}/cli", "--job-name", "cli-s3", "--region", "us-east-1",
                            "--endpoint-url", safemaker_local.endpoint_url])
    assert r.exit_code == 0, r.output
    assert "args [] ['part-0.csv', 'sub']" in r.stdout
    assert s3.head_object(Bucket=BUCKET, Key="cli/cli-s3/output/model.tar.gz")["ContentLength"] > 0

    r = runner.invoke(app, ["rehearse", "train.py", "--source-dir", str(ok), "-c", "train=s3://no-such-bucket/x",
                            "--region", "us-east-1", "--endpoint-url", safemaker_local.endpoint_url])
    assert r.exit_code == 2, r.output
    assert "S3 answered NoSuchBucket" in r.stderr and "Traceback" not in r.output

    monkeypatch.setattr(sandbox_mod, "UNSHARE", str(tmp_path / "no" / "unshare"))
    r = runner.invoke(app, ["rehearse", "train.py", "--source-dir", str(ok)])
    assert r.exit_code == 1
    assert "rehearsal cannot run here: the command" in r.stderr and "Nothing was run" in r.stderr
    assert "args" not in r.stdout


def test_max_run_stops_the_script(tmp_path):
    src = _write(tmp_path / "src", "train.py", "import time\nprint('sleeping')\ntime.sleep(60)\n")
    result = rehearse_training("train.py", source_dir=src, max_run=1, check=False, on_output=lambda line: None)
    assert result.exit_code == -9 and result.seconds < 30
    assert result.failure_reason.startswith("MaxRuntimeExceeded: killed after 1 s\nExecuteUserScriptError:\n")


def test_job_environment_is_kept_and_the_recorder_still_loads(tmp_path, monkeypatch):
    """The job's Environment (even a PYTHONPATH, AWS_REGION) reaches the script; the caller's AWS_* do not;
    an environment's own sitecustomize still runs after the recorder."""
    own = _write(tmp_path / "own", "sitecustomize.py", "print('own sitecustomize ran')\n")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "caller-secret")
    monkeypatch.setenv("PIP_INDEX_URL", "file:///local/mirror")
    src = _write(tmp_path / "src", "train.py",
                 "import os, socket\nprint('env', os.environ.get('AWS_REGION'), os.environ.get('AWS_SECRET_ACCESS_KEY'),"
                 " os.environ.get('PIP_INDEX_URL'), os.environ['PIP_CONFIG_FILE'])\n"
                 "try:\n    socket.getaddrinfo('registry.npmjs.org', 443)\nexcept OSError:\n    pass\n")
    lines: list[str] = []
    result = rehearse_training("train.py", source_dir=src, on_output=lines.append,
                               environment={"PYTHONPATH": str(own), "AWS_REGION": "eu-west-1"})
    assert "own sitecustomize ran" in lines
    assert f"env eu-west-1 None None {os.devnull}" in lines
    assert [(a.host, a.where) for a in result.network_attempts] == [("registry.npmjs.org", "train.py:4")]


def test_cli_rehearse_format_json(tmp_path):
    """--format json: one object on stdout (the job's output on stderr), same exit codes as text."""
    ok = _write(tmp_path / "ok", "train.py", "print('hello from the job')\n")
    r = runner.invoke(app, ["rehearse", "train.py", "--source-dir", str(ok), "--format", "json", "--job-name", "j1"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["label"] == "rehearsed locally with no network, not on SageMaker"
    assert (doc["job_name"], doc["ok"], doc["exit_code"], doc["network_attempts"]) == ("j1", True, 0, [])
    assert doc["model_data"].endswith("model.tar.gz") and doc["seconds"] >= 0
    assert "hello from the job" in r.stderr and doc["output_tail"] == ["hello from the job"]  # stdout is only JSON

    net = _write(tmp_path / "net", "train.py", NETWORK)
    r = runner.invoke(app, ["rehearse", "train.py", "--source-dir", str(net), "-f", "json"])
    assert r.exit_code == 1
    doc = json.loads(r.stdout)
    assert doc["ok"] is False and doc["exit_code"] != 0 and doc["model_data"] is None
    assert doc["failure_reason"].startswith("ExecuteUserScriptError:")
    assert {"host": "huggingface.co", "port": 443, "call": "getaddrinfo"}.items() <= doc["network_attempts"][0].items()

    r = runner.invoke(app, ["rehearse", "train.py", "--source-dir", str(ok), "--format", "yaml"])
    assert r.exit_code == 2 and "--format is 'yaml'; expected one of text, json" in r.stderr


@pytest.mark.parametrize("args, message", [
    (["--max-run", "-1"], "--max-run is -1.0; expected a number of seconds > 0"),
    (["--max-run", "0"], "--max-run is 0.0; expected a number of seconds > 0"),
    (["-c", "train=s3:/bad"], "--channel train is 's3:/bad'; expected s3://<bucket>/<prefix>"),
    (["--channel", "val=s3://"], "--channel val is 's3://'; expected s3://<bucket>/<prefix>"),
])
def test_cli_bad_input_exits_2_naming_the_flag_before_any_sandbox(tmp_path, monkeypatch, args, message):
    """The new-user trial: bad input is exit 2 with the flag typed and the value, not a diagnosis
    about unshare (none is looked for: the sandbox is made unavailable here) nor a library name."""
    ok = _write(tmp_path / "ok", "train.py", "print('ran')\n")
    monkeypatch.setattr(sandbox_mod, "UNSHARE", str(tmp_path / "no" / "unshare"))
    r = runner.invoke(app, ["rehearse", "train.py", "--source-dir", str(ok), *args], env={"COLUMNS": "300"})
    assert r.exit_code == 2, r.output
    stderr = " ".join(r.stderr.split())
    assert message in stderr
    assert "unshare" not in stderr and "inputs[" not in stderr and "max_run" not in stderr
    assert "ran" not in r.stdout


def test_library_refuses_max_run_not_above_zero(tmp_path):
    ok = _write(tmp_path / "ok", "train.py", "print('ran')\n")
    with pytest.raises(RehearsalInputError) as exc:
        rehearse_training("train.py", source_dir=ok, max_run=-1)
    assert (exc.value.field, exc.value.found) == ("max_run", -1)
    assert str(exc.value).startswith("max_run is -1; expected a number of seconds > 0")
