"""``safemaker demo``: its data preparation, the local closed network, and the --aws refusals.

The full run (subprocess, as ``make demo`` starts it) is in ``test_demo_run.py``.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from typer.testing import CliRunner

from safemaker.cli import app
from safemaker.cli.demo.run import load_digits_data, to_recordio_protobuf
from safemaker.local import create_local_network

# Only test_to_recordio_protobuf_round_trip reads the SDK (SDK v2's record reader, marked sdk2); the demo's data,
# the local network and the --aws refusals before anything is sent do not depend on the SDK major: the rest runs
# in one leg of the matrix (tests/sdk_markers.py).
pytestmark = pytest.mark.sdk_independent

runner = CliRunner()
ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"


# --------------------------------------------------------------------------- data


def test_load_digits_data_split_and_labels_as_the_mnist_notebook():
    d = load_digits_data()
    assert (len(d.train_labels), len(d.validation_labels), len(d.test_labels)) == (1257, 270, 270)
    assert d.train_vectors.shape == (1257, 64)
    assert d.feature_dim == 64
    assert d.train_vectors.dtype == np.float32 and d.train_labels.dtype == np.float32
    assert float(d.train_vectors.min()) == 0.0 and float(d.train_vectors.max()) == 1.0
    assert set(np.unique(d.train_labels)) == {0.0, 1.0}
    # label "is it a 0": 1.0 exactly where the digit is 0
    assert np.array_equal(d.test_labels, (d.test_digits == 0).astype("float32"))
    # 178 zeros among the 1797 digits, all accounted for across the three sets
    assert int(d.train_labels.sum() + d.validation_labels.sum() + d.test_labels.sum()) == 178
    # deterministic
    assert np.array_equal(load_digits_data().test_digits, d.test_digits)


def test_load_digits_data_is_scikit_learns_digits_shuffled_with_the_seed():
    """The file is read without importing scikit-learn: the same images and digits as its ``load_digits()``."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    order = np.random.default_rng(3).permutation(1797)
    d = load_digits_data(seed=3)
    vectors = np.concatenate([d.train_vectors, d.validation_vectors, d.test_vectors])
    assert np.array_equal(vectors, (digits.data[order] / 16.0).astype("float32"))
    assert np.array_equal(np.concatenate([d.train_digits, d.validation_digits, d.test_digits]),
                          digits.target[order])


@pytest.mark.sdk2  # sagemaker.amazon.common is SDK v2 only
def test_to_recordio_protobuf_round_trip():
    from sagemaker.amazon.common import read_records

    d = load_digits_data()
    data = to_recordio_protobuf(d.train_vectors[:10], d.train_labels[:10])
    records = read_records(io.BytesIO(data))
    assert len(records) == 10
    first = records[0]
    assert list(first.features["values"].float32_tensor.values) == pytest.approx(d.train_vectors[0].tolist())
    assert list(first.label["values"].float32_tensor.values) == [float(d.train_labels[0])]


# --------------------------------------------------------------------------- the run's process


@pytest.mark.parametrize("is_the_process", [False, True])
def test_each_step_freezes_the_heap_before_and_after_only_when_the_demo_is_the_process(monkeypatch, is_the_process):
    import types

    from rich.console import Console

    from safemaker.cli import _common
    from safemaker.cli.demo import run as demo_run

    calls: list[str] = []
    monkeypatch.setattr(_common, "ENTRY_POINT", is_the_process)
    monkeypatch.setattr(demo_run.gc, "freeze", lambda: calls.append("freeze"))
    run = demo_run._Run(backend_kind="local", boto3_session=types.SimpleNamespace(region_name="us-east-1"),
                        profile=None, local=None, console=Console(file=io.StringIO()), progress=None,
                        poll_seconds=0.05, timeout_seconds=1.0)
    r = run._step(1, "a step", lambda: (calls.append("step"), ("done", False, []))[1], False)
    assert (r.status, r.result) == ("ok", "done")
    assert calls == (["freeze", "step", "freeze"] if is_the_process else ["step"])


# --------------------------------------------------------------------------- the local closed network


def test_create_local_network_is_the_seed_network_and_doctor_finds_it_closed(safemaker_local, safemaker_session):
    from safemaker.local import LOCAL_NETWORK_FEATURES
    from safemaker.network import doctor

    profile = create_local_network(safemaker_session)
    ec2 = safemaker_session.client("ec2")
    subnets = ec2.describe_subnets(SubnetIds=list(profile.subnets))["Subnets"]
    assert {s["VpcId"] for s in subnets} == {profile.vpc_id}
    assert sorted(s["AvailabilityZone"] for s in subnets) == ["us-east-1a", "us-east-1b"]
    assert sorted(s["CidrBlock"] for s in subnets) == ["10.0.0.0/24", "10.0.1.0/24"]
    group = ec2.describe_security_groups(GroupIds=list(profile.security_group_ids))["SecurityGroups"][0]
    assert group["VpcId"] == profile.vpc_id
    assert profile.execution_role_arn == "arn:aws:iam::123456789012:role/safemaker-demo-SageMakerExecRole"
    assert profile.default_bucket == "safemaker-demo-123456789012-us-east-1"
    safemaker_session.client("s3").head_bucket(Bucket=profile.default_bucket)
    services = {e["ServiceName"] for e in ec2.describe_vpc_endpoints(VpcEndpointIds=list(profile.vpc_endpoint_ids))["VpcEndpoints"]}
    assert {"aws.sagemaker.us-east-1.notebook", "com.amazonaws.us-east-1.sagemaker.api",
            "com.amazonaws.us-east-1.sagemaker.runtime", "com.amazonaws.us-east-1.s3"} <= services
    report = doctor.run(profile, LOCAL_NETWORK_FEATURES, ec2_client=ec2)
    assert report.status == "ok", [c for c in report.checks if c.status != "ok"]


# --------------------------------------------------------------------------- --aws refuses before anything


@pytest.fixture
def no_sends(monkeypatch):
    """Count every HTTP request botocore would send (must stay 0: no network in these tests)."""
    import botocore.endpoint

    calls = []
    monkeypatch.setattr(botocore.endpoint.Endpoint, "_send", lambda self, request: calls.append(request.url))
    return calls


@pytest.fixture
def profile_file(tmp_path):
    path = tmp_path / "profile.toml"
    path.write_text(
        'region = "us-east-1"\nvpc_id = "vpc-0dddddddddddddddd"\n'
        'subnets = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0cccccccccccccccc"]\n'
        'security_group_ids = ["sg-0bbbbbbbbbbbbbbbb"]\n'
        f'execution_role_arn = "{ROLE}"\ndefault_bucket = "ifsm-bucket"\n')
    return str(path)


def test_demo_aws_without_profile_exit_2(no_sends, monkeypatch):
    monkeypatch.delenv("SAFEMAKER_PROFILE", raising=False)
    r = runner.invoke(app, ["demo", "--aws", "--yes"])
    assert r.exit_code == 2
    assert "--aws needs a profile: pass --vpc-profile FILE or --vpc-profile ssm:NAME" in r.stderr
    assert no_sends == []


def test_demo_aws_without_confirmation_exit_2(no_sends, profile_file):
    r = runner.invoke(app, ["demo", "--aws", "--vpc-profile", profile_file])  # stdin is not a terminal
    assert r.exit_code == 2
    assert "--aws creates billed resources and needs confirmation: run it in a terminal, or pass --yes." \
        in r.stderr
    assert no_sends == []


def test_demo_aws_declined_creates_nothing(no_sends, profile_file, monkeypatch):
    from safemaker.cli import _common

    monkeypatch.setattr(_common, "is_interactive", lambda: True)
    r = runner.invoke(app, ["demo", "--aws", "--vpc-profile", profile_file], input="n\n")
    assert r.exit_code == 1
    assert "This creates, in account 123456789012 region us-east-1 (VPC vpc-0dddddddddddddddd)" in r.stderr
    assert "Create them? [y/N]" in r.stderr
    assert "Nothing was created." in r.stderr
    assert no_sends == []


def test_demo_aws_with_endpoint_override_exit_2(no_sends, profile_file, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000")
    r = runner.invoke(app, ["demo", "--aws", "--yes", "--vpc-profile", profile_file])
    assert r.exit_code == 2
    assert "--aws talks to AWS, but AWS_ENDPOINT_URL is set" in r.stderr
    assert no_sends == []


def test_demo_aws_profile_without_default_bucket_exit_2(no_sends, profile_file, tmp_path):
    text = open(profile_file).read().replace('default_bucket = "ifsm-bucket"\n', "")
    path = tmp_path / "nobucket.toml"
    path.write_text(text)
    r = runner.invoke(app, ["demo", "--aws", "--yes", "--vpc-profile", str(path)])
    assert r.exit_code == 2
    assert "default_bucket is not set" in r.stderr
    assert no_sends == []


def test_demo_aws_bad_profile_exit_2(no_sends, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('region = "us-east-1"\nsubnets = ["subnet-xyz"]\n')
    r = runner.invoke(app, ["demo", "--aws", "--yes", "--vpc-profile", str(path)])
    assert r.exit_code == 2
    assert "subnets.0" in r.stderr
    assert no_sends == []


@pytest.mark.parametrize("region", ["mars-1", "US-EAST-1", "us-east-99"])
def test_demo_unknown_region_exit_2_before_any_backend_starts(no_sends, region, monkeypatch):
    import safemaker.local.backend as backend_module

    started = []
    monkeypatch.setattr(backend_module.LocalBackend, "start", lambda self: started.append(self) or self)
    r = runner.invoke(app, ["demo", "--region", region])
    assert r.exit_code == 2, r.output
    assert f"--region is {region!r}; expected an AWS region where SageMaker is available, such as us-east-1" \
        in " ".join(r.stderr.split())
    assert "ap-northeast-1" in r.stderr  # the list botocore knows
    assert started == [] and no_sends == []
