"""``safemaker run``: a program that never imports safemaker, and its child Python process, are guarded.

The program talks to the local backend (moto on 127.0.0.1) through a plain
``boto3.client("sagemaker")`` reaching it by ``AWS_ENDPOINT_URL``. The backend
stores what arrived: the open request never does, the plain one arrives with
the profile's network fields filled in.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from _profiles import PROFILE_TOML, ROLE, SG, SUB_A

PROFILE = PROFILE_TOML

SCRIPT = """\
import subprocess, sys
import boto3

who = sys.argv[1]
job = {
    "RoleArn": "%s",
    "AlgorithmSpecification": {"TrainingImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1",
                               "TrainingInputMode": "File"},
    "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
    "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
    "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
}
sm = boto3.client("sagemaker")
try:
    sm.create_training_job(TrainingJobName=who + "-open", EnableNetworkIsolation=False, **job)
    print(who, "open: sent")
except Exception as exc:
    print(who, "open:", type(exc).__name__)
sm.create_training_job(TrainingJobName=who + "-plain", **job)
print(who, "plain: sent")
if who == "parent":
    sys.exit(subprocess.call([sys.executable, __file__, "child"]))
""" % ROLE


def safemaker_command() -> list[str]:
    return [sys.executable, "-m", "safemaker"]


@pytest.fixture
def program(tmp_path, safemaker_local):
    (tmp_path / "profile.toml").write_text(PROFILE)
    (tmp_path / "train.py").write_text(SCRIPT)
    env = {**os.environ, "AWS_ENDPOINT_URL": safemaker_local.endpoint_url, "COLUMNS": "120"}
    env.pop("SAFEMAKER_PROFILE", None)
    return tmp_path, env


def test_run_guards_a_program_that_never_imports_safemaker_and_its_children(program, safemaker_local):
    assert "safemaker" not in SCRIPT
    where, env = program
    r = subprocess.run([*safemaker_command(), "run", "-p", "profile.toml", "--", sys.executable, "train.py",
                        "parent"], cwd=where, env=env, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert "parent open: GuardrailViolation" in lines and "child open: GuardrailViolation" in lines
    assert "parent plain: sent" in lines and "child plain: sent" in lines
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 2
    sm = safemaker_local.session.client("sagemaker")
    for who in ("parent", "child"):
        stored = sm.describe_training_job(TrainingJobName=f"{who}-plain")
        assert (stored["EnableNetworkIsolation"], stored["VpcConfig"]) == (
            True, {"Subnets": [SUB_A], "SecurityGroupIds": [SG]})


def test_without_run_the_same_program_sends_the_open_request(program, safemaker_local):
    """Control: the program itself does nothing to guard its requests."""
    where, env = program
    r = subprocess.run([sys.executable, "train.py", "alone"], cwd=where, env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert "alone open: sent" in r.stdout.splitlines()
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 2


def test_profile_from_safemaker_profile_and_the_exit_status_is_the_commands(program):
    where, env = program
    env["SAFEMAKER_PROFILE"] = str(where / "profile.toml")
    r = subprocess.run([*safemaker_command(), "run", "--", sys.executable, "-c",
                        "import sys, safemaker; sys.exit(7 if safemaker.process_guard() else 1)"],
                       cwd=where, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 7, r.stderr


def test_safemaker_debug_prints_the_guarded_child_s_debug_output(program):
    """SAFEMAKER_DEBUG=1: the program's process turns the guard on and says so on stderr; unset, it is silent."""
    where, env = program
    command = [*safemaker_command(), "run", "-p", "profile.toml", "--", sys.executable, "-c", "pass"]
    on = subprocess.run(command, cwd=where, env={**env, "SAFEMAKER_DEBUG": "1"}, capture_output=True, text=True,
                        timeout=120)
    env.pop("SAFEMAKER_DEBUG", None)
    off = subprocess.run(command, cwd=where, env=env, capture_output=True, text=True, timeout=120)
    assert (on.returncode, off.returncode) == (0, 0), (on.stderr, off.stderr)
    assert "safemaker.process DEBUG process guard installed by " in on.stderr
    assert "safemaker.process" not in off.stderr


def test_bad_profile_exits_2_and_starts_nothing(program):
    where, env = program
    marker = where / "started"
    r = subprocess.run([*safemaker_command(), "run", "-p", "missing.toml", "--", sys.executable, "-c",
                        f"open({str(marker)!r}, 'w')"], cwd=where, env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 2
    assert "missing.toml" in r.stderr and not marker.exists()


def test_a_child_whose_profile_cannot_be_loaded_does_not_run_unguarded(program):
    """The profile file goes away after the start: the child Python stops (exit 2) before its code runs.

    Not exclusive: the child reads the profile file itself (exclusive, it has the profile its parent loaded:
    ``test_run_env_relax.py``)."""
    where, env = program
    (where / "gone.toml").write_text(PROFILE)
    marker = where / "ran"
    code = textwrap.dedent(f"""\
        import os, subprocess, sys
        os.remove({str(where / 'gone.toml')!r})
        rc = subprocess.call([sys.executable, "-c", "open({str(marker)!r}, 'w')"])
        sys.exit(rc)
    """)
    r = subprocess.run([*safemaker_command(), "run", "-p", "gone.toml", "--not-exclusive", "--", sys.executable, "-c",
                        code],
                       cwd=where, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert "the guard could not be turned on" in r.stderr and not marker.exists()


def test_unknown_command_and_mode_exit_2(program):
    where, env = program
    r = subprocess.run([*safemaker_command(), "run", "-p", "profile.toml", "--", "no-such-program-xyz"],
                       cwd=where, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "no-such-program-xyz" in r.stderr
    r = subprocess.run([*safemaker_command(), "run", "-p", "profile.toml", "--mode", "audit", "--", "true"],
                       cwd=where, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "--mode is 'audit'" in r.stderr


def test_run_environment_puts_the_bootstrap_first_once(tmp_path):
    from safemaker.cli.run import BOOTSTRAP_DIR, run_environment

    env = run_environment("profile.toml", "warn",
                          {"PYTHONPATH": os.pathsep.join([str(BOOTSTRAP_DIR), "/opt/lib"]), "PATH": "/bin"})
    assert env["PYTHONPATH"].split(os.pathsep) == [str(BOOTSTRAP_DIR), "/opt/lib"]
    assert env["SAFEMAKER_GUARD_MODE"] == "warn"
    assert Path(env["SAFEMAKER_PROFILE"]).is_absolute()
    assert (BOOTSTRAP_DIR / "sitecustomize.py").is_file()
    ssm = run_environment("ssm:/closed/profile", "enforce", {})
    assert ssm["SAFEMAKER_PROFILE"] == "ssm:/closed/profile"
    # An exclusive guard enforces (install_process): in warn mode the bootstrap says not exclusive, so that a
    # child finding SAFEMAKER_GUARD_EXCLUSIVE=1 with warn knows the mode was relaxed after the start.
    assert (env["SAFEMAKER_GUARD_EXCLUSIVE"], ssm["SAFEMAKER_GUARD_EXCLUSIVE"]) == ("0", "1")
    assert run_environment("profile.toml", "enforce", {}, exclusive=False)["SAFEMAKER_GUARD_EXCLUSIVE"] == "0"


# CPython "Command line and environment": -I (isolated: implies -E and -s), -E (ignore PYTHON*
# variables, PYTHONPATH included) and -S (no site, so no sitecustomize) each skip the bootstrap.
@pytest.mark.parametrize(("command", "expected"), [
    (["python", "-I", "t.py"], "-I"),
    (["python3", "-E", "t.py"], "-E"),
    (["/usr/bin/python3.11", "-BS", "-c", "x"], "-BS"),
    (["python", "-X", "dev", "-I", "t.py"], "-I"),
    (["python", "-Wignore", "-E", "t.py"], "-E"),
    (["python", "-c", "import sys", "-I"], None),
    (["python", "-m", "pytest", "-E"], None),
    (["python", "t.py", "-I"], None),
    (["python", "-u", "-B", "t.py"], None),
    (["pythonista", "-I"], None),
    (["bash", "-E", "x"], None),
    # Found by a fresh reviewer (trial 6): a long option before the flag, env, a -S split string.
    (["python", "--check-hash-based-pycs", "default", "-I", "t.py"], "-I"),
    (["python", "--check-hash-based-pycs=never", "-bE", "t.py"], "-bE"),
    (["python", "-X", "dev", "-W", "ignore", "-uS", "t.py"], "-uS"),
    (["python", "-", "-I"], None),
    (["python", "--", "-I"], None),
    (["env", "python", "-I", "t.py"], "-I"),
    (["/usr/bin/env", "-u", "HOME", "A=1", "python3", "-E", "t.py"], "-E"),
    (["env", "-S", "python3 -I", "t.py"], "-I"),
    (["env", "-S python3 -S", "t.py"], "-S"),
    (["env", "--split-string=python3 -I", "t.py"], "-I"),
    (["env", "-C", "/tmp", "--", "python", "-I", "t.py"], "-I"),
    (["env", "-i", "python", "t.py"], "env -i"),
    (["env", "-u", "PYTHONPATH", "python", "t.py"], "env -u PYTHONPATH"),
    (["env", "PYTHONPATH=/elsewhere", "python", "t.py"], "env PYTHONPATH=..."),
    (["env", "python", "t.py", "-I"], None),
    (["env", "A=1", "python3", "t.py"], None),
])
def test_bootstrap_dropping_option(command, expected):
    from safemaker.cli.run import bootstrap_dropping_option

    assert bootstrap_dropping_option(command) == expected


@pytest.mark.parametrize("flag", ["-I", "-E", "-S"])
def test_python_with_an_option_that_skips_the_bootstrap_is_refused_before_it_starts(program, flag):
    # Found by a new-user trial: `safemaker run -- python -I open.py` sent an open CreateTrainingJob.
    where, env = program
    marker = where / "started"
    r = subprocess.run([*safemaker_command(), "run", "-p", "profile.toml", "--", sys.executable, flag, "-c",
                        f"open({str(marker)!r}, 'w')"], cwd=where, env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 2, r.stderr
    assert f"COMMAND runs Python with '{flag}'" in r.stderr and not marker.exists()


def _spellings(where):
    """The trial-6 spellings of `python -I open.py` that ran unguarded, with the open program at open.py."""
    py = sys.executable
    (where / "shebang_I").write_text(f"#!{py} -I\nexec(open('open.py').read())\n")
    (where / "shebang_env_S").write_text(f"#!/usr/bin/env -S {py} -I\nexec(open('open.py').read())\n")
    (where / "bin").mkdir()
    (where / "bin" / "on-path-tool").write_text(f"#!{py} -E\nexec(open('open.py').read())\n")
    for script in ("shebang_I", "shebang_env_S", "bin/on-path-tool"):
        (where / script).chmod(0o755)
    return {
        "shebang": (["./shebang_I"], "-I"),
        "env -S shebang": (["./shebang_env_S"], "-I"),
        "shebang on PATH": (["on-path-tool"], "-E"),
        "long option first": ([py, "--check-hash-based-pycs", "default", "-I", "open.py"], "-I"),
        "env": (["env", py, "-I", "open.py"], "-I"),
    }


@pytest.mark.parametrize("spelling", ["shebang", "env -S shebang", "shebang on PATH", "long option first", "env"])
def test_every_spelling_of_a_bootstrap_skipping_python_is_refused(program, safemaker_local, spelling):
    # Found by a fresh reviewer (trial 6): each of these sent an open CreateTrainingJob with exit 0.
    where, env = program
    (where / "open.py").write_text(SCRIPT.replace("sys.argv[1]", "'x'"))
    command, flag = _spellings(where)[spelling]
    env["PATH"] = f"{where / 'bin'}{os.pathsep}{env['PATH']}"
    r = subprocess.run([*safemaker_command(), "run", "-p", "profile.toml", "--", *command], cwd=where, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert f"COMMAND runs Python with '{flag}'" in r.stderr
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0
    # Control: the same command without safemaker run sends the open request.
    r = subprocess.run(command, cwd=where, env=env, capture_output=True, text=True, timeout=120)
    assert "x open: sent" in r.stdout.splitlines(), (r.stdout, r.stderr)
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 2


# The two start-up paths of a guarded child: the bootstrap folder's sitecustomize and, where safemaker is
# installed, safemaker.pth (which runs first: in a venv that has it, it is what the child meets).
_STARTUPS = {
    "sitecustomize": "import runpy, sys; runpy.run_path(sys.argv[1], run_name='sitecustomize'); print('ran')",
    "safemaker.pth": "import sys; exec(open(sys.argv[2]).read().splitlines()[1]); print('ran')",
}


@pytest.mark.parametrize("startup", sorted(_STARTUPS))
def test_a_child_python_without_safemaker_is_told_which_python_has_it(tmp_path, startup):
    # Found by a new-user trial: `.venv/bin/safemaker run -- python x.py` picks the system python.
    from safemaker.cli.run import BOOTSTRAP_DIR

    fake = tmp_path / "site" / "safemaker"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('no safemaker here')\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(PYTHONPATH=str(tmp_path / "site"), SAFEMAKER_RUN_PYTHON="/opt/venv/bin/python")
    r = subprocess.run([sys.executable, "-S", "-c", _STARTUPS[startup], str(BOOTSTRAP_DIR / "sitecustomize.py"),
                        str(BOOTSTRAP_DIR / "safemaker.pth")], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "ran" not in r.stdout
    assert r.stderr.endswith("run the program with the Python that has it: /opt/venv/bin/python "
                             "(safemaker run -- /opt/venv/bin/python ...)\n")


RELAXING_LIBRARY = """\
import boto3, safemaker
from safemaker.profile import VpcProfile

relaxed = VpcProfile.from_mapping({"region": "us-east-1", "vpc_id": "vpc-0eeeeeeeeeeeeeeee",
                                   "subnets": ["subnet-0ffffffffffffffff"], "security_group_ids": ["%s"],
                                   "execution_role_arn": "%s", "require_network_isolation": False}, env=False)
sm = boto3.client("sagemaker")
safemaker.install(sm, relaxed)            # a library guarding its own client with its own, relaxed profile
try:
    sm.create_training_job(
        TrainingJobName="lib-open", RoleArn="%s", EnableNetworkIsolation=False,
        VpcConfig={"Subnets": ["subnet-0ffffffffffffffff"], "SecurityGroupIds": ["%s"]},
        AlgorithmSpecification={"TrainingImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1",
                                "TrainingInputMode": "File"},
        OutputDataConfig={"S3OutputPath": "s3://bucket/out"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 3600})
    print("lib open: sent")
except Exception as exc:
    print("lib open:", type(exc).__name__)
try:
    safemaker.install_process(relaxed)
    print("replace: done")
except Exception as exc:
    print("replace:", type(exc).__name__)
""" % (SG, ROLE, ROLE, SG)


@pytest.mark.parametrize(("flag", "expected"), [
    ([], ["lib open: GuardrailViolation", "replace: ProcessGuardLockedError"]),
    (["--not-exclusive"], ["lib open: sent", "replace: done"]),
])
def test_run_makes_the_process_guard_exclusive(program, safemaker_local, flag, expected):
    """A new-user trial's escape: a program's own enforcing guard with a relaxed profile decided alone."""
    where, env = program
    (where / "lib.py").write_text(RELAXING_LIBRARY)
    r = subprocess.run([*safemaker_command(), "run", "-p", "profile.toml", *flag, "--", sys.executable, "lib.py"],
                       cwd=where, env=env, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == expected
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == (0 if not flag else 1)
