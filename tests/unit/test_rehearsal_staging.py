"""Pure parts of the rehearsal: channels as ``fit``/``train`` take them, the network report, job names."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from safemaker.rehearsal.errors import RehearsalInputError, SandboxUnavailable
from safemaker.rehearsal.sandbox import NetworkAttempt, network_report
from safemaker.rehearsal.staging import channel_sources
from safemaker.rehearsal.training import default_job_name

FILE = {"TrainingInputMode": "File", "S3DistributionType": "FullyReplicated", "RecordWrapperType": "None"}


def test_channel_shapes():
    # a bare URI is the "training" channel, as Estimator.fit does
    [only] = channel_sources("s3://b/p")
    assert (only.name, only.uri, dict(only.config)) == ("training", "s3://b/p", FILE)
    # a CreateTrainingJob Channel (what sagemaker.inputs.TrainingInput.config holds)
    channel = {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/train/",
                                               "S3DistributionType": "ShardedByS3Key"}},
               "ContentType": "text/csv", "CompressionType": "Gzip", "InputMode": "FastFile"}
    [c] = channel_sources({"train": SimpleNamespace(config=channel)})
    assert (c.uri, dict(c.config)) == ("s3://b/train/", {**FILE, "S3DistributionType": "ShardedByS3Key",
                                                         "ContentType": "text/csv", "CompressionType": "Gzip",
                                                         "TrainingInputMode": "FastFile"})
    # SDK v3 InputData: a URI, or an S3DataSource
    [v3] = channel_sources({"test": SimpleNamespace(data_source="s3://b/test", content_type="application/x-npy")})
    assert dict(v3.config) == {**FILE, "ContentType": "application/x-npy"}
    [v3s] = channel_sources({"x": SimpleNamespace(data_source=SimpleNamespace(s3_data_source=SimpleNamespace(
        s3_uri="s3://b/x")), content_type=None)})
    assert v3s.uri == "s3://b/x"


@pytest.mark.parametrize("spec, field, value", [
    ({"DataSource": {"S3DataSource": {"S3DataType": "ManifestFile", "S3Uri": "s3://b/m"}}},
     "inputs['c'].S3DataType", "ManifestFile"),
    ({"DataSource": {"S3DataSource": {"S3Uri": "s3://b/p"}}, "InputMode": "Pipe"}, "inputs['c'].InputMode", "Pipe"),
    ({"DataSource": {"FileSystemDataSource": {"FileSystemId": "fs-1"}}}, "inputs['c']",
     {"FileSystemDataSource": {"FileSystemId": "fs-1"}}),
    (42, "inputs['c']", 42),
])
def test_channels_a_rehearsal_cannot_stage_are_bad_input(spec, field, value):
    with pytest.raises(RehearsalInputError) as info:
        channel_sources({"c": spec})
    assert (info.value.field, info.value.value) == (field, value)


def test_network_report_lines():
    attempts = [NetworkAttempt("pypi.org", 443, "getaddrinfo", "pip install xgboost", ""),
                NetworkAttempt("10.1.2.3", 8080, "connect", "train.py --epochs 3", "train.py:12")]
    lines = network_report(attempts)
    assert lines[0] == ("Network access that fails under EnableNetworkIsolation=True (the container has no network "
                        "on SageMaker either):")
    assert lines[1] == "  pypi.org:443 (name lookup by pip install xgboost)"
    assert lines[2] == "  10.1.2.3:8080 (connection by train.py --epochs 3, at train.py:12)"
    assert lines[3].startswith("  pip cannot reach a package index from an isolated container")
    assert network_report([]) == []
    assert not any("pip cannot" in line for line in network_report(attempts[1:]))


def test_default_job_name_is_a_valid_training_job_name():
    import botocore.session

    shape = botocore.session.get_session().get_service_model("sagemaker").operation_model(
        "CreateTrainingJob").input_shape.members["TrainingJobName"]
    name = default_job_name("my_script.v2-rehearsal")
    assert re.fullmatch(shape.metadata["pattern"], name), name
    assert name.startswith("my-script-v2-rehearsal-")
    assert len(default_job_name("x" * 100)) <= shape.metadata["max"]


def test_sandbox_unavailable_message_names_the_reason_and_the_fix():
    exc = SandboxUnavailable(reason="user namespaces are disabled", fix="Enable them")
    assert str(exc) == ("rehearsal cannot run here: user namespaces are disabled. Nothing was run: a rehearsal only "
                        "runs with no network (a Linux network namespace with loopback only). Enable them")
