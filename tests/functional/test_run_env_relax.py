"""Under an exclusive guard a program cannot relax its child Pythons through their environment (trial 7, E4).

``safemaker run`` (exclusive by default) and ``install_process(exclusive=True)`` pass the profile in
force as ``SAFEMAKER_GUARD_PROFILE``: a child started with another ``SAFEMAKER_PROFILE`` (or after the
profile file changed) is guarded with the parent's profile. A child started with
``SAFEMAKER_GUARD_MODE=warn`` while ``SAFEMAKER_GUARD_EXCLUSIVE=1`` stops with exit status 2 before its
code runs, naming the variable. Under ``--not-exclusive`` the program may do both (the control).

Every program sends through a real botocore client to the local backend (moto on 127.0.0.1), which
stores what arrived.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

import safemaker
from _profiles import OPEN_TRAINING_SCRIPT, PROFILE_TOML, ROLE, SG, SUB_A, SUB_C

PROFILE = PROFILE_TOML + "require_network_isolation = true\n"
RELAXED = PROFILE.replace(f'["{SUB_A}"]', f'["{SUB_C}"]').replace("require_network_isolation = true",
                                                                   "require_network_isolation = false")

OPEN_PY = OPEN_TRAINING_SCRIPT

# The program under safemaker run: starts open.py as a child with the variables given on its command line.
PARENT_PY = """\
import os, subprocess, sys
changes = dict(arg.split("=", 1) for arg in sys.argv[1:])
if changes.pop("REWRITE_PROFILE", None):
    with open("profile.toml", "w") as f:
        f.write(open("relaxed.toml").read())
env = {**os.environ, **changes}
sys.exit(subprocess.call([sys.executable, "open.py", "child"], env=env))
"""


@pytest.fixture
def where(tmp_path, safemaker_local):
    for name, text in (("profile.toml", PROFILE), ("relaxed.toml", RELAXED), ("open.py", OPEN_PY),
                       ("parent.py", PARENT_PY)):
        (tmp_path / name).write_text(text)
    env = {**os.environ, "AWS_ENDPOINT_URL": safemaker_local.endpoint_url}
    env.pop("SAFEMAKER_PROFILE", None)
    return tmp_path, env


def _run(where, env, *command, exclusive=True):
    flag = [] if exclusive else ["--not-exclusive"]
    return subprocess.run([sys.executable, "-m", "safemaker", "run", "-p", "profile.toml", *flag, "--", *command],
                          cwd=where, env=env, capture_output=True, text=True, timeout=180)


def _said(r, who="child"):
    return dict(line.split(" ", 2)[1:] for line in r.stdout.splitlines() if line.startswith(who + " "))


def _stored(backend, name):
    job = backend.session.client("sagemaker").describe_training_job(TrainingJobName=name)
    return job.get("EnableNetworkIsolation"), job.get("VpcConfig", {}).get("Subnets")


def test_env_guard_mode_warn_on_the_command_line_is_refused_before_the_program_runs(where, safemaker_local):
    """The reproducer: ``safemaker run -- env SAFEMAKER_GUARD_MODE=warn python open.py``."""
    tmp, env = where
    r = _run(tmp, env, "env", "SAFEMAKER_GUARD_MODE=warn", sys.executable, "open.py", "child")
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "SAFEMAKER_GUARD_MODE: found 'warn'" in r.stderr and "SAFEMAKER_GUARD_EXCLUSIVE=1" in r.stderr
    assert _said(r) == {}
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0


@pytest.mark.parametrize("exclusive", [True, False], ids=["exclusive", "not-exclusive (control)"])
def test_a_child_started_in_warn_mode(exclusive, where, safemaker_local):
    tmp, env = where
    r = _run(tmp, env, sys.executable, "parent.py", "SAFEMAKER_GUARD_MODE=warn", exclusive=exclusive)
    if not exclusive:  # not exclusive: the program may relax its children (documented)
        assert (r.returncode, _said(r)) == (0, {"open": "sent", "plain": "sent"}), r.stderr
        assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 2
        return
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "SAFEMAKER_GUARD_MODE: found 'warn'" in r.stderr
    assert _said(r) == {}
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0


@pytest.mark.parametrize("how", ["SAFEMAKER_PROFILE=relaxed.toml", "REWRITE_PROFILE=1", "env SAFEMAKER_PROFILE"])
@pytest.mark.parametrize("exclusive", [True, False], ids=["exclusive", "not-exclusive (control)"])
def test_a_child_started_with_another_profile(how, exclusive, where, safemaker_local):
    tmp, env = where
    if how.startswith("env "):
        r = _run(tmp, env, "env", f"SAFEMAKER_PROFILE={tmp / 'relaxed.toml'}", sys.executable, "open.py", "child",
                 exclusive=exclusive)
    else:
        r = _run(tmp, env, sys.executable, "parent.py", how.replace("relaxed.toml", str(tmp / "relaxed.toml")),
                 exclusive=exclusive)
    assert r.returncode == 0, r.stderr
    if not exclusive:  # the relaxed profile decides: the open request is sent, the plain one in SUB_C
        assert _said(r) == {"open": "sent", "plain": "sent"}
        assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 2
        assert _stored(safemaker_local, "child-plain")[1] == [SUB_C]  # isolation not required: not injected
        return
    assert _said(r) == {"open": "GuardrailViolation", "plain": "sent"}
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 1
    # CreateTrainingJob API reference: EnableNetworkIsolation, VpcConfig.Subnets; the parent's profile's.
    assert _stored(safemaker_local, "child-plain") == (True, [SUB_A])


def test_install_process_exclusive_passes_the_profile_it_loaded_from_a_file(tmp_path, safemaker_local):
    (tmp_path / "profile.toml").write_text(PROFILE)
    (tmp_path / "relaxed.toml").write_text(RELAXED)
    (tmp_path / "open.py").write_text(OPEN_PY)
    g = safemaker.install_process(str(tmp_path / "profile.toml"), exclusive=True)
    assert json.loads(os.environ["SAFEMAKER_GUARD_PROFILE"]) == g.profile.to_dict()
    env = {**os.environ, "AWS_ENDPOINT_URL": safemaker_local.endpoint_url,
           "SAFEMAKER_PROFILE": str(tmp_path / "relaxed.toml")}
    r = subprocess.run([sys.executable, "open.py", "child"], cwd=tmp_path, env=env, capture_output=True, text=True,
                       timeout=180)
    safemaker.uninstall_process()
    assert "SAFEMAKER_GUARD_PROFILE" not in os.environ
    assert (r.returncode, _said(r)) == (0, {"open": "GuardrailViolation", "plain": "sent"}), r.stderr
    assert _stored(safemaker_local, "child-plain") == (True, [SUB_A])


def test_import_safemaker_auto_refuses_warn_with_exclusive(monkeypatch, tmp_path):
    (tmp_path / "profile.toml").write_text(PROFILE)
    env = {**os.environ, "SAFEMAKER_PROFILE": str(tmp_path / "profile.toml"), "SAFEMAKER_GUARD_MODE": "warn",
           "SAFEMAKER_GUARD_EXCLUSIVE": "1"}
    code = textwrap.dedent("""\
        try:
            import safemaker.auto
        except Exception as exc:
            print(type(exc).__name__, exc)
        else:
            print("guard on")
    """)
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("ProfileError") and "SAFEMAKER_GUARD_MODE: found 'warn'" in r.stdout
    r = subprocess.run([sys.executable, "-c", code], env={**env, "SAFEMAKER_GUARD_EXCLUSIVE": "0"},
                       capture_output=True, text=True, timeout=120)
    assert r.stdout.strip() == "guard on", r.stderr
