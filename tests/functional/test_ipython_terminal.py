"""``%load_ext safemaker`` in a terminal IPython (``python -m IPython`` running a ``.ipy`` file) against the
local backend: what a user without Jupyter reads.

A terminal front end renders only ``text/plain``; the guard must be shown as text there, not as the
repr of a rich display object, and a mistyped option of ``%safemaker`` is a usage error, never a
profile path.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytest.importorskip("IPython")

from _profiles import PROFILE_TOML, ROLE, SG, SUB_A  # noqa: E402

PROFILE = PROFILE_TOML

SCRIPT = f"""\
%load_ext safemaker
%safemaker lab.toml
print("== bare")
%safemaker
print("== bogus")
%safemaker --bogus
print("== after")
import boto3
job = dict(RoleArn="{ROLE}",
           AlgorithmSpecification={{"TrainingImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1",
                                   "TrainingInputMode": "File"}},
           OutputDataConfig={{"S3OutputPath": "s3://bucket/out"}},
           ResourceConfig={{"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10}},
           StoppingCondition={{"MaxRuntimeInSeconds": 3600}})
boto3.client("sagemaker").create_training_job(TrainingJobName="open", EnableNetworkIsolation=False, **job)
"""


def test_terminal_ipython_shows_the_guard_as_text_and_refuses_an_unknown_option(tmp_path, safemaker_local):
    (tmp_path / "lab.toml").write_text(PROFILE)
    (tmp_path / "t.ipy").write_text(SCRIPT)
    env = {**os.environ, "AWS_ENDPOINT_URL": safemaker_local.endpoint_url, "IPYTHONDIR": str(tmp_path / "ipy")}
    env.pop("SAFEMAKER_PROFILE", None)
    r = subprocess.run([sys.executable, "-m", "IPython", "--no-banner", "--colors=NoColor", "t.ipy"],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180)
    out = r.stdout + r.stderr
    assert "<IPython.core.display.Markdown object>" not in out
    loaded, bare = out.split("== bare")[0], out.split("== bare")[1].split("== bogus")[0]
    for shown in (loaded, bare):  # the guard, as text: its mode and the profile's subnet
        assert "**safemaker process guard" in shown and "mode `enforce`" in shown and SUB_A in shown
    bogus = out.split("== bogus")[1].split("== after")[0]
    assert "usage error: unknown option --bogus" in bogus and "Usage: %safemaker [PROFILE]" in bogus
    assert "not turned on" not in bogus and "--bogus" not in bogus.replace("unknown option --bogus", "")
    # the guard loaded before is still on: the open job is refused, nothing sent
    assert "CreateTrainingJob refused by safemaker (nothing was sent)" in out.split("== after")[1]
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0
