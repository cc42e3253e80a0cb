"""An exclusive guard refuses a profile whose network a ``SAFEMAKER_<FIELD>`` variable replaced (trial 8, F06).

Reproducer: ``SAFEMAKER_SUBNETS=subnet-0fffffffffffffff0 SAFEMAKER_SECURITY_GROUP_IDS=sg-0fffffffffffffff0``
over the administrator's profile file, then a training job in that subnet: it was approved and sent.
``safemaker run`` (exclusive by default), ``install_process(exclusive=True)`` and ``import safemaker.auto``
with ``SAFEMAKER_GUARD_EXCLUSIVE=1`` now stop before anything is sent (exit 2 / ProfileError) naming the
variable and the file's value; a guard that is not exclusive (the control) warns and decides with the
replaced values, as documented. Requests go through real botocore clients to the local backend (moto on
127.0.0.1), which counts what arrived.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import pytest

import safemaker
from _profiles import PROFILE_TOML, ROLE, SG, SG_OUT, SUB_A, SUB_OUT
from safemaker.errors import ProfileError

# A job in the subnet and group the variables name (CreateTrainingJob API reference: VpcConfig.Subnets /
# SecurityGroupIds; EnableNetworkIsolation and ICTE set so that only the network decides).
JOB_PY = """\
import boto3
sm = boto3.client("sagemaker")
try:
    sm.create_training_job(TrainingJobName="envnet", RoleArn=%r,
        AlgorithmSpecification={"TrainingImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1",
                                "TrainingInputMode": "File"},
        OutputDataConfig={"S3OutputPath": "s3://bucket/out"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 3600}, EnableNetworkIsolation=True,
        EnableInterContainerTrafficEncryption=True,
        VpcConfig={"Subnets": [%r], "SecurityGroupIds": [%r]})
    print("job sent", flush=True)
except Exception as exc:
    print("job", type(exc).__name__, flush=True)
""" % (ROLE, SUB_OUT, SG_OUT)
REPLACING = {"SAFEMAKER_SUBNETS": SUB_OUT, "SAFEMAKER_SECURITY_GROUP_IDS": SG_OUT}


@pytest.fixture
def where(tmp_path, safemaker_local):
    (tmp_path / "profile.toml").write_text(PROFILE_TOML)
    (tmp_path / "job.py").write_text(JOB_PY)
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("SAFEMAKER_")
           or k.startswith("SAFEMAKER_DEV_")}
    env.update(AWS_ENDPOINT_URL=safemaker_local.endpoint_url, **REPLACING)
    return tmp_path, env


def _stored_subnets(backend):
    job = backend.session.client("sagemaker").describe_training_job(TrainingJobName="envnet")
    return job["VpcConfig"]["Subnets"]


@pytest.mark.parametrize("exclusive", [True, False], ids=["exclusive", "not-exclusive (control)"])
def test_safemaker_run(exclusive, where, safemaker_local):
    tmp, env = where
    flag = [] if exclusive else ["--not-exclusive"]
    r = subprocess.run([sys.executable, "-m", "safemaker", "run", "-p", "profile.toml", *flag, "--",
                        sys.executable, "job.py"], cwd=tmp, env=env, capture_output=True, text=True, timeout=180)
    warning = (f'warning: SAFEMAKER_SUBNETS={SUB_OUT} replaces subnets (the file says ["{SUB_A}"]): '
               f"the guard will accept SageMaker network interfaces in {SUB_OUT}")
    assert warning in r.stderr.splitlines(), r.stderr
    if not exclusive:  # documented: a guard that is not exclusive takes the variables (and says so)
        assert (r.returncode, r.stdout) == (0, "job sent\n"), r.stderr
        assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 1
        assert _stored_subnets(safemaker_local) == [SUB_OUT]
        return
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stdout == ""  # the program never started
    assert f"SAFEMAKER_SUBNETS: found {SUB_OUT}; expected no variable replacing subnets, which the file sets " \
           f'to ["{SUB_A}"]' in r.stderr
    assert f"SAFEMAKER_SECURITY_GROUP_IDS: found {SG_OUT}" in r.stderr and f'["{SG}"]' in r.stderr
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0


def test_install_process_exclusive_refuses_and_installs_nothing(where, monkeypatch, safemaker_local):
    tmp, env = where
    for name, value in REPLACING.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", safemaker_local.endpoint_url)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ProfileError) as exc_info:
            safemaker.install_process(str(tmp / "profile.toml"), exclusive=True)
        assert safemaker.process_guard() is None
        assert [e.field for e in exc_info.value.errors] == ["SAFEMAKER_SUBNETS", "SAFEMAKER_SECURITY_GROUP_IDS"]
        assert "install_process(exclusive=True)" in str(exc_info.value)
        g = safemaker.install_process(str(tmp / "profile.toml"))  # the control: not exclusive
    try:
        assert [r.field for r in g.profile.environment_relaxations] == ["subnets", "security_group_ids"]
        ns = {}
        exec(compile(JOB_PY, "job.py", "exec"), ns)  # noqa: S102 - the same job, in this process
    finally:
        safemaker.uninstall_process()
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 1
    assert _stored_subnets(safemaker_local) == [SUB_OUT]


def test_import_safemaker_auto_exclusive_refuses(where, safemaker_local):
    """A program that starts with ``import safemaker.auto`` stops there: its job is never sent."""
    tmp, env = where
    env.update(SAFEMAKER_PROFILE=str(tmp / "profile.toml"), SAFEMAKER_GUARD_EXCLUSIVE="1")
    r = subprocess.run([sys.executable, "-W", "ignore", "-c", "import safemaker.auto\n" + JOB_PY], cwd=tmp,
                       env=env, capture_output=True, text=True, timeout=180)
    assert r.returncode == 1 and r.stdout == "", (r.stdout, r.stderr)
    assert "safemaker.errors.ProfileError" in r.stderr and f"SAFEMAKER_SUBNETS: found {SUB_OUT}" in r.stderr
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0
