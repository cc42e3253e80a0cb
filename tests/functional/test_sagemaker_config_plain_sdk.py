"""``safemaker profile export --format sagemaker-config``: plain SDK classes pick the file up (issue 12).

Each test writes the file with the real CLI, then runs a program that never
imports safemaker -- SDK v2 ``Estimator`` and ``Model``, or SDK v3
``ModelTrainer`` -- in a child interpreter (``sys.executable``: the SDK major of
this test run), pointed at the file with ``SAGEMAKER_USER_CONFIG_OVERRIDE`` /
``SAGEMAKER_ADMIN_CONFIG_OVERRIDE`` and at the local backend with
``AWS_ENDPOINT_URL``. No guard exists in that process (the program checks
that no ``safemaker`` module was imported), so what arrives at the backend is
the config's doing alone. A control run with a config holding only the roles
shows the same program sends open requests without it. The program refuses
any connection that is not to the loopback address.

The programs of one test module run one after the other in the same child
(:class:`_Interpreter`: the SDK is imported once, ~3 s of CPU, instead of once
per test), each with its own environment, working directory and globals. The
SDK reads the config files when a session is made (the pipeline test makes two
sessions in one program: the second, with the roles-only file, sends an open
definition), so a program sees only its own file; a control run after a closed
one would fail if an earlier file carried over.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from _profiles import ROLE, make_profile, profile_fields

PROFILE = {"safemaker": profile_fields()}
SUBNETS = PROFILE["safemaker"]["subnets"]
SG = PROFILE["safemaker"]["security_group_ids"]
CLOSED_VPC = {"Subnets": SUBNETS, "SecurityGroupIds": SG}

PRELUDE = '''
import json, socket, sys
_connect = socket.socket.connect
def _loopback_only(self, address):
    if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1", "localhost"):
        raise OSError(f"test: outbound connection to {address[0]} refused")
    return _connect(self, address)
socket.socket.connect = _loopback_only
import jsonschema
# Test speed only (the SDK's behaviour is unchanged): both SDK majors validate their config with
# jsonschema.validate at every config lookup (~40 a run), and each call first checks the SDK's own
# schema against jsonschema's meta-schema -- 70% of this program's CPU. Here that schema is checked
# once, the first time; every config is still validated every time, as by jsonschema.validate.
_schemas_checked = set()
def _validate_checking_each_schema_once(instance, schema, cls=None, *args, **kwargs):
    cls = cls or jsonschema.validators.validator_for(schema)
    if id(schema) not in _schemas_checked:
        cls.check_schema(schema)
        _schemas_checked.add(id(schema))
    error = jsonschema.exceptions.best_match(cls(schema, *args, **kwargs).iter_errors(instance))
    if error is not None:
        raise error
jsonschema.validate = _validate_checking_each_schema_once
import boto3
IMG = "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1"
bs = boto3.Session(region_name="us-east-1")
sent = []
def record(request, event_name, **kwargs):
    sent.append((event_name.rsplit(".", 1)[-1], json.loads(request.body or b"{}")))
bs._session.register("before-send.sagemaker", record)
bs.client("s3").create_bucket(Bucket="plain-bucket")
'''
EPILOGUE = '''
print(json.dumps({"sent": sent, "safemaker_modules": sorted(m for m in sys.modules if m.split(".")[0] == "safemaker")}))
'''

PLAIN_V2 = PRELUDE + '''
import sagemaker
from sagemaker.estimator import Estimator
from sagemaker.model import Model
sess = sagemaker.Session(boto_session=bs, default_bucket="plain-bucket")
Estimator(image_uri=IMG, instance_count=1, instance_type="ml.m5.large", sagemaker_session=sess,
          output_path="s3://plain-bucket/out").fit(job_name="plain-v2-training", wait=False)
Model(image_uri=IMG, name="plain-v2-model", sagemaker_session=sess).create(instance_type="ml.m5.large")
''' + EPILOGUE

PLAIN_V3 = PRELUDE + '''
from sagemaker.core.helper.session_helper import Session
from sagemaker.core.training.configs import Compute, InputData
from sagemaker.train import ModelTrainer
sess = Session(boto_session=bs, default_bucket="plain-bucket")
trainer = ModelTrainer(training_image=IMG, sagemaker_session=sess, base_job_name="plain-v3",
                       compute=Compute(instance_type="ml.m5.large", instance_count=1))
trainer.train(input_data_config=[InputData(channel_name="train", data_source="s3://plain-bucket/train")],
              wait=False)
''' + EPILOGUE


def _export(tmp_path: Path, location: Path) -> Path:
    from typer.testing import CliRunner

    from safemaker.cli import app

    profile = tmp_path / "profile.yaml"
    profile.write_text(yaml.safe_dump(PROFILE))
    result = CliRunner().invoke(app, ["profile", "export", "--format", "sagemaker-config", "-p",
                                      str(profile), "--location", str(location)])
    assert result.exit_code == 0, result.output
    assert location.is_file()
    return location


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "SAGEMAKER_", "SAFEMAKER_"))}
    env.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "SAGEMAKER_SUPPRESS_V2_WARNING": "1"})
    env.update(extra)
    return env


SERVE = '''
import contextlib, io, json, os, sys, traceback
protocol = sys.stdout
for line in sys.stdin:
    job = json.loads(line)
    os.environ.clear()
    os.environ.update(job["env"])
    os.chdir(job["cwd"])
    out, err, code = io.StringIO(), io.StringIO(), 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            with open(job["path"]) as f:
                exec(compile(f.read(), job["path"], "exec"), {"__name__": "__main__", "__file__": job["path"]})
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            traceback.print_exc()
            code = 1
    protocol.write("@@done " + json.dumps({"returncode": code, "stdout": out.getvalue(), "stderr": err.getvalue()})
                   + "\\n")
    protocol.flush()
'''
"""The child of :class:`_Interpreter`: runs each program it is sent (a JSON line: path, cwd, env) as
``python path`` would (``__name__ == "__main__"``, fresh globals; stdout and stderr captured), and answers
one ``@@done {returncode, stdout, stderr}`` line."""


class _Interpreter:
    """One child Python for the programs of this module (the SDK imported once, by the first program)."""

    def __init__(self, directory: Path) -> None:
        self.log = directory / "interpreter.stderr"  # what the child writes outside a program
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen([sys.executable, "-c", SERVE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=log, text=True, cwd=directory, env=_env())

    def run(self, path: Path, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
        """``python path`` in ``cwd`` with exactly ``env``, in the child; its exit status and output."""
        assert self.proc.poll() is None, self.log.read_text()[-4000:]
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"path": str(path), "cwd": str(cwd), "env": env}) + "\n")
        self.proc.stdin.flush()
        for line in self.proc.stdout:
            if line.startswith("@@done "):
                done = json.loads(line[len("@@done "):])
                return subprocess.CompletedProcess([sys.executable, str(path)], done["returncode"], done["stdout"],
                                                   done["stderr"])
        raise AssertionError(f"the interpreter ended: {self.log.read_text()[-4000:]}")

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:  # pragma: no cover - a program hung
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def interpreter(tmp_path_factory) -> Iterator[_Interpreter]:
    child = _Interpreter(tmp_path_factory.mktemp("interpreter"))
    yield child
    child.close()


def _run(script: str, tmp_path: Path, backend, interpreter: _Interpreter, **env: str) -> dict:
    path = tmp_path / "plain.py"
    path.write_text(script)
    proc = interpreter.run(path, tmp_path, _env(AWS_ENDPOINT_URL=backend.endpoint_url, **env))
    assert proc.returncode == 0, proc.stderr[-4000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["safemaker_modules"] == []  # no guard in that process: the config alone did it
    return result


def _bodies(result: dict, operation: str) -> list[dict]:
    return [body for op, body in result["sent"] if op == operation]


def _roles_only(tmp_path: Path) -> Path:
    path = tmp_path / "roles-only.yaml"
    path.write_text(yaml.safe_dump({"SchemaVersion": "1.0", "SageMaker": {
        "TrainingJob": {"RoleArn": ROLE}, "Model": {"ExecutionRoleArn": ROLE},
        "PythonSDK": {"Modules": {"TelemetryOptOut": True, "ModelTrainer": {"role": ROLE}}}}}))
    return path


@pytest.mark.sdk2
@pytest.mark.parametrize("variable", ["SAGEMAKER_USER_CONFIG_OVERRIDE", "SAGEMAKER_ADMIN_CONFIG_OVERRIDE"])
def test_plain_v2_estimator_and_model_send_closed_requests_from_the_exported_file(tmp_path, safemaker_local,
                                                                                  interpreter, variable):
    config = _export(tmp_path, tmp_path / "sagemaker" / "config.yaml")
    result = _run(PLAIN_V2, tmp_path, safemaker_local, interpreter, **{variable: str(config)})
    (training,) = _bodies(result, "CreateTrainingJob")
    assert training["VpcConfig"] == CLOSED_VPC
    assert training["EnableNetworkIsolation"] is True
    assert training["EnableInterContainerTrafficEncryption"] is True
    assert training["RoleArn"] == ROLE
    (model,) = _bodies(result, "CreateModel")
    assert model["VpcConfig"] == CLOSED_VPC and model["EnableNetworkIsolation"] is True
    assert model["ExecutionRoleArn"] == ROLE
    # What the backend stored is what was sent.
    sm = safemaker_local.session.client("sagemaker")
    described = sm.describe_training_job(TrainingJobName="plain-v2-training")
    assert described["VpcConfig"] == {"SecurityGroupIds": SG, "Subnets": SUBNETS}
    assert described["EnableNetworkIsolation"] is True
    assert sm.describe_model(ModelName="plain-v2-model")["VpcConfig"] == {"SecurityGroupIds": SG, "Subnets": SUBNETS}
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 1
    assert safemaker_local.request_count("sagemaker", "CreateModel") == 1


@pytest.mark.sdk2
def test_control_plain_v2_without_the_export_sends_open_requests(tmp_path, safemaker_local, interpreter):
    result = _run(PLAIN_V2, tmp_path, safemaker_local, interpreter,
                  SAGEMAKER_USER_CONFIG_OVERRIDE=str(_roles_only(tmp_path)))
    (training,) = _bodies(result, "CreateTrainingJob")
    assert "VpcConfig" not in training and "EnableNetworkIsolation" not in training
    (model,) = _bodies(result, "CreateModel")
    assert "VpcConfig" not in model


@pytest.mark.sdk3
@pytest.mark.parametrize("variable", ["SAGEMAKER_USER_CONFIG_OVERRIDE", "SAGEMAKER_ADMIN_CONFIG_OVERRIDE"])
def test_plain_v3_model_trainer_sends_a_closed_request_from_the_exported_file(tmp_path, safemaker_local, interpreter,
                                                                             variable):
    config = _export(tmp_path, tmp_path / "sagemaker" / "config.yaml")
    # SDK v3 validates the role with IAM SimulatePrincipalPolicy (IAM has no VPC endpoint):
    # SAGEMAKER_VALIDATE_ROLE=false is how a closed network turns that off (docs/profile.md).
    result = _run(PLAIN_V3, tmp_path, safemaker_local, interpreter, SAGEMAKER_VALIDATE_ROLE="false",
                  **{variable: str(config)})
    (training,) = _bodies(result, "CreateTrainingJob")
    assert training["VpcConfig"] == {"SecurityGroupIds": SG, "Subnets": SUBNETS}
    assert training["EnableNetworkIsolation"] is True
    assert training["EnableInterContainerTrafficEncryption"] is True
    assert training["RoleArn"] == ROLE
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 1
    described = safemaker_local.session.client("sagemaker").describe_training_job(
        TrainingJobName=training["TrainingJobName"])
    assert described["VpcConfig"] == {"SecurityGroupIds": SG, "Subnets": SUBNETS}


@pytest.mark.sdk3
def test_control_plain_v3_model_trainer_without_the_export_sends_an_open_request(tmp_path, safemaker_local,
                                                                                interpreter):
    result = _run(PLAIN_V3, tmp_path, safemaker_local, interpreter, SAGEMAKER_VALIDATE_ROLE="false",
                  SAGEMAKER_USER_CONFIG_OVERRIDE=str(_roles_only(tmp_path)))
    (training,) = _bodies(result, "CreateTrainingJob")
    assert "VpcConfig" not in training and "EnableNetworkIsolation" not in training


# One program, two pipelines: PIPELINES is a JSON list of [pipeline name, config file]; each PipelineSession is
# made with SAGEMAKER_USER_CONFIG_OVERRIDE set to its file (the SDK reads the file when the session is made).
# The first pipeline's session is the program's first; a later one could only pick up more of an earlier config,
# which the control (second, with the roles-only file) would show as fewer violations.
PIPELINE_V2 = PRELUDE + '''
import os
from sagemaker.estimator import Estimator
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.pipeline_context import PipelineSession
from sagemaker.workflow.steps import TrainingStep
for pipeline_name, config in json.loads(os.environ["PIPELINES"]):
    os.environ["SAGEMAKER_USER_CONFIG_OVERRIDE"] = config
    ps = PipelineSession(boto_session=bs, default_bucket="plain-bucket")
    est = Estimator(image_uri=IMG, instance_count=1, instance_type="ml.m5.large", sagemaker_session=ps,
                    output_path="s3://plain-bucket/out")
    Pipeline(name=pipeline_name, steps=[TrainingStep(name="Train", step_args=est.fit())],
             sagemaker_session=ps).upsert(role_arn="''' + ROLE + '''")
''' + EPILOGUE


@pytest.mark.sdk2
def test_plain_v2_pipeline_session_pipeline_passes_the_guard_with_the_exported_file(tmp_path, safemaker_local,
                                                                                    interpreter):
    """docs/guard.md (SDK pipelines that pass the guard): the steps of a ``PipelineSession`` pipeline are
    built from the exported config, so the definition is one the guard accepts as written."""
    from safemaker.pipeline import check_definition
    from safemaker.profile import VpcProfile

    config = _export(tmp_path, tmp_path / "smcfg.yaml")
    result = _run(PIPELINE_V2, tmp_path, safemaker_local, interpreter, PIPELINES=json.dumps(
        [["plain-v2-pipeline", str(config)], ["open-v2-pipeline", str(_roles_only(tmp_path))]]))
    created, opened = _bodies(result, "CreatePipeline")
    assert (created["PipelineName"], opened["PipelineName"]) == ("plain-v2-pipeline", "open-v2-pipeline")
    profile = make_profile(**PROFILE["safemaker"])
    assert check_definition(created["PipelineDefinition"], profile).violations == ()
    assert [v.path.rsplit(".", 1)[-1] for v in check_definition(opened["PipelineDefinition"], profile).violations] \
        == ["EnableNetworkIsolation", "VpcConfig", "EnableInterContainerTrafficEncryption"]
