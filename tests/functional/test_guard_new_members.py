"""A member a newer botocore adds to a guarded operation is refused before anything is sent.

Against the local backend (moto on 127.0.0.1) over real HTTP. The newer botocore
is simulated with ``AWS_DATA_PATH`` holding a copy of the installed SageMaker
model with one member added (the oracle: the copy's own input shape).
"""

from __future__ import annotations

import copy
import json

import boto3
import botocore.session
import pytest

import safemaker
from safemaker.errors import GuardrailViolation

from _profiles import training_job_request


@pytest.fixture
def newer_session(tmp_path, monkeypatch, safemaker_local):
    loader = botocore.session.get_session().get_component("data_loader")
    raw = copy.deepcopy(loader.load_service_model("sagemaker", "service-2"))
    raw["shapes"]["NetworkAccessMode"] = {"type": "string", "enum": ["Private", "Public"]}
    raw["shapes"]["CreateTrainingJobRequest"]["members"]["NetworkAccessMode"] = {"shape": "NetworkAccessMode"}
    where = tmp_path / "sagemaker" / raw["metadata"]["apiVersion"]
    where.mkdir(parents=True)
    (where / "service-2.json").write_text(json.dumps(raw))
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    return boto3.Session(region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")


def test_a_new_member_is_refused_and_nothing_is_sent(newer_session, safemaker_local, profile):
    safemaker.install_process(profile)
    sm = newer_session.client("sagemaker", endpoint_url=safemaker_local.endpoint_url)
    assert "NetworkAccessMode" in sm.meta.service_model.operation_model("CreateTrainingJob").input_shape.members
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_training_job(**training_job_request("newer", NetworkAccessMode="Public"))
    assert [(v.path, v.rule_id) for v in exc.value.violations] == [("NetworkAccessMode", "SM-UNCLASSIFIED")]
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0
    # the same client without the new member: decided as ever, sent closed
    sm.create_training_job(**training_job_request("known"))
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 1


def test_allow_unclassified_operations_lets_it_through(newer_session, safemaker_local, profile_factory):
    safemaker.install_process(profile_factory(allow_unclassified_operations=True))
    sm = newer_session.client("sagemaker", endpoint_url=safemaker_local.endpoint_url)
    sent = []
    sm.meta.events.register("before-send.sagemaker.CreateTrainingJob",
                            lambda request, **kw: sent.append(json.loads(request.body)))
    sm.create_training_job(**training_job_request("allowed", NetworkAccessMode="Private"))
    assert sent[-1]["NetworkAccessMode"] == "Private"
