"""Run ``examples/train_closed.py`` (seed part 4.5 with safemaker) as a user would, on the local backend."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.sdk2, pytest.mark.slow]

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "train_closed.py"


def run_script(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SAGEMAKER_SUPPRESS_V2_WARNING": "1"}
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=300,
                          env=env)


def test_train_closed_on_the_local_backend():
    out = run_script("--local")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    vpc = re.search(r"; VPC (vpc-\w+), subnets (\[.*?\]), security group (sg-\w+)", text)
    assert vpc, text
    assert "uploaded 1797 digits (" in text
    assert re.search(r"training job linear-learner-[\d-]+: Completed", text)
    assert "  EnableNetworkIsolation = True\n" in text
    assert "  EnableInterContainerTrafficEncryption = True\n" in text
    assert f"  Subnets = {vpc.group(2)}\n" in text
    assert f"  SecurityGroupIds = ['{vpc.group(3)}']\n" in text
    assert "(local backend: no container ran, the job trained nothing;" in text
    assert ("refused as expected: CreateTrainingJob refused: EnableNetworkIsolation is False; the profile "
            "requires True.") in text
    assert "requests received by the local backend: sagemaker 4, s3 2, iam 0, sts 0, logs 0" in text


def test_train_closed_without_a_default_bucket_exits_2(tmp_path):
    profile = tmp_path / "profile.toml"
    profile.write_text(
        'region = "us-east-1"\nvpc_id = "vpc-0dddddddddddddddd"\nsubnets = ["subnet-0aaaaaaaaaaaaaaaa"]\n'
        'security_group_ids = ["sg-0bbbbbbbbbbbbbbbb"]\n'
        'execution_role_arn = "arn:aws:iam::123456789012:role/SageMakerExecRole"\n')
    out = run_script("--vpc-profile", str(profile))
    assert out.returncode == 2
    assert out.stderr.strip() == "error: the profile has no default_bucket; add one for the data and artifacts"


def test_train_closed_with_a_broken_profile_exits_2(tmp_path):
    profile = tmp_path / "profile.toml"
    profile.write_text('region = "us-east-1"\nvpc_id = "vpc-nope"\n')
    out = run_script("--vpc-profile", str(profile))
    assert out.returncode == 2
    assert out.stderr.startswith(f"error: Profile {profile}")
    assert "vpc_id: found 'vpc-nope'" in out.stderr


def test_train_closed_needs_local_or_profile():
    out = run_script()
    assert out.returncode == 2
    assert "one of the arguments --local --vpc-profile/-p is required" in out.stderr
