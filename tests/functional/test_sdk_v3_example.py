"""Run ``examples/train_closed_v3.py`` (seed part 4.5 with SDK v3) as a user would, on the local backend."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from sdk_markers import require_sdk

require_sdk(3)

from _sdk_v3_support import reset_sagemaker_core  # noqa: E402

pytestmark = [pytest.mark.sdk3, pytest.mark.slow]

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "train_closed_v3.py"


@pytest.fixture
def example():
    spec = importlib.util.spec_from_file_location("train_closed_v3", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    reset_sagemaker_core()
    yield module
    reset_sagemaker_core()


def test_train_closed_v3_on_the_local_backend(example, capsys):
    assert example.main(["--local"]) == 0
    text = capsys.readouterr().out
    vpc = re.search(r"; VPC (vpc-\w+), subnets (\[.*?\]), security group (sg-\w+)", text)
    assert vpc, text
    assert "uploaded 1797 digits (" in text
    job = re.search(r"training job (linear-learner-[\d-]+): Completed", text)
    assert job, text
    assert "  EnableNetworkIsolation = True\n" in text
    assert "  EnableInterContainerTrafficEncryption = True\n" in text
    assert f"  Subnets = {vpc.group(2)}\n" in text
    assert f"  SecurityGroupIds = ['{vpc.group(3)}']\n" in text
    assert "(local backend: no container ran, the job trained nothing)" in text
    assert (f"endpoint {job.group(1)}-ep: InService (model " in text
            and f"EnableNetworkIsolation=True, Subnets={vpc.group(2)}, SecurityGroupIds=['{vpc.group(3)}'])" in text)
    assert ("refused as expected: ClosedModelTrainer refused: networking.enable_network_isolation "
            "(EnableNetworkIsolation) is False; the profile requires True.") in text
    assert "requests received by the local backend: iam 0, sts 0, logs 0" in text


def test_digits_csv_has_the_label_first(example):
    payload, records, dim = example.digits_csv()
    lines = payload.decode().splitlines()
    assert (records, dim, len(lines)) == (1797, 64, 1797)
    first = lines[0].split(",")
    assert len(first) == 65
    assert first[0] == "1"  # load_digits()'s first image is a 0: label "is it a 0" = 1


def test_train_closed_v3_without_a_default_bucket_exits_2(example, tmp_path, capsys):
    profile = tmp_path / "profile.toml"
    profile.write_text(
        'region = "us-east-1"\nvpc_id = "vpc-0dddddddddddddddd"\nsubnets = ["subnet-0aaaaaaaaaaaaaaaa"]\n'
        'security_group_ids = ["sg-0bbbbbbbbbbbbbbbb"]\n'
        'execution_role_arn = "arn:aws:iam::123456789012:role/SageMakerExecRole"\n')
    assert example.main(["--vpc-profile", str(profile)]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: the profile has no default_bucket; add one for the data and artifacts")


def test_train_closed_v3_with_a_broken_profile_exits_2(example, tmp_path, capsys):
    profile = tmp_path / "profile.toml"
    profile.write_text('region = "us-east-1"\nvpc_id = "vpc-nope"\n')
    assert example.main(["--vpc-profile", str(profile)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: Profile {profile}")
    assert "vpc_id: found 'vpc-nope'" in err
