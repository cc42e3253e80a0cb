"""The final-request check without a server: the approved bytes, the fallbacks, fail closed (no network).

Oracle for the bytes: botocore's own serializer for the SageMaker API's protocol
(``botocore.serialize.create_serializer``), writing the same parameters as
botocore's client does before it sends them.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime
import json
import re

import botocore.session
import pytest
from botocore.awsrequest import AWSRequest
from botocore.serialize import create_serializer

from safemaker import guard, process
from safemaker.errors import GuardrailViolation
from safemaker.hooks import Guard

from _profiles import ROLE, make_profile

PROFILE = make_profile()
SERVICE = botocore.session.get_session().get_service_model("sagemaker")
SERIALIZER = create_serializer(SERVICE.metadata["protocol"])


def training_job(**extra) -> dict:
    req = {
        "TrainingJobName": "job",
        "RoleArn": ROLE,
        "AlgorithmSpecification": {"TrainingImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1",
                                   "TrainingInputMode": "File"},
        "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "HyperParameters": {"lr": "0.1", "note": "Zürich ✓"},
        "Tags": [{"Key": "team", "Value": "ml"}],
    }
    req.update(extra)
    return req


def botocore_body(operation: str, params: dict) -> bytes:
    return SERIALIZER.serialize_to_request(params, SERVICE.operation_model(operation))["body"]


def prepared(operation: str, body) -> object:
    return AWSRequest(method="POST", url="https://api.sagemaker.us-east-1.amazonaws.com/",
                      headers={"X-Amz-Target": f"SageMaker.{operation}"}, data=body).prepare()


def test_approved_body_is_the_body_botocore_writes_for_the_approved_request():
    approved = guard.apply("CreateTrainingJob", training_job(), PROFILE)
    assert process.approved_body(approved) == botocore_body("CreateTrainingJob", approved)


def test_approved_body_is_none_when_botocore_converts_a_value_first():
    # ListTrainingJobs.CreationTimeAfter is a timestamp: botocore writes it as a number
    params = {"CreationTimeAfter": datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc)}
    assert process.approved_body(params) is None
    assert json.loads(botocore_body("ListTrainingJobs", params)) == {"CreationTimeAfter": 1767312000}


def test_the_approved_bytes_pass_without_a_decision_and_a_changed_body_is_decided_again():
    g = Guard(PROFILE)
    approved = guard.apply("CreateTrainingJob", training_job(), PROFILE)
    approval = process.Approval(g, "CreateTrainingJob", frozenset(), body=process.approved_body(approved))
    process.verify_final_request(approval, prepared("CreateTrainingJob", botocore_body("CreateTrainingJob",
                                                                                         approved)))
    assert list(g.decisions) == []  # passed at once: nothing decided, nothing recorded

    bigger = {**approved, "ResourceConfig": {**approved["ResourceConfig"], "InstanceType": "ml.m5.xlarge"}}
    process.verify_final_request(approval, prepared("CreateTrainingJob", botocore_body("CreateTrainingJob",
                                                                                         bigger)))
    assert list(g.decisions) == []  # other bytes, decided again: opens nothing

    opened = {**approved, "EnableNetworkIsolation": False}
    with pytest.raises(GuardrailViolation) as exc:
        process.verify_final_request(approval, prepared("CreateTrainingJob", botocore_body("CreateTrainingJob",
                                                                                             opened)))
    assert [(v.path, v.found) for v in exc.value.violations] == [("EnableNetworkIsolation", False)]
    assert [d.outcome for d in g.decisions] == ["refused"]


def test_a_body_that_is_not_bytes_is_never_taken_for_the_approved_one():
    """Only bytes equal to the approved ones pass at once; an object that claims equality is not read: refused."""
    g = Guard(PROFILE)
    approved = guard.apply("CreateTrainingJob", training_job(), PROFILE)
    approval = process.Approval(g, "CreateTrainingJob", frozenset(), body=process.approved_body(approved))

    class Claims:
        def __eq__(self, other):
            return True

        def read(self, *args):
            return b"{}"

    request = prepared("CreateTrainingJob", b"{}")
    request.body = Claims()
    with pytest.raises(GuardrailViolation) as exc:
        process.verify_final_request(approval, request)
    assert [(v.path, v.found, v.rule_id) for v in exc.value.violations] == [
        ("body", "a Claims, not bytes", process.FINAL_REQUEST_RULE_ID)]


def test_a_request_botocore_converts_is_compared_as_read_back():
    """No approved bytes (a timestamp in the request): the body read back must equal the approved copy."""
    g = Guard(PROFILE)
    approved = {"CreationTimeAfter": 1767312000}
    approval = process.Approval(g, "ListTrainingJobs", frozenset(), params=approved)
    process.verify_final_request(approval, prepared("ListTrainingJobs", json.dumps(approved).encode()))
    assert list(g.decisions) == []


def test_records_and_approvals_made_by_a_decision_carry_every_field_of_their_class():
    """The guard fills a DecisionRecord's and an Approval's fields directly (one of each per request)."""
    g = Guard(PROFILE)
    context: dict = {}
    sent = g.provide_client_params(training_job(), SERVICE.operation_model("CreateTrainingJob"), context=context)
    approval = context[process.APPROVAL_KEY]
    (record,) = g.decisions
    assert set(vars(approval)) == {f.name for f in dataclasses.fields(process.Approval)}
    assert set(vars(record)) == {f.name for f in dataclasses.fields(record)}
    assert approval == process.Approval(g, "CreateTrainingJob", frozenset(), body=process.approved_body(sent))
    assert (record.operation, record.outcome, record.mode, record.region) == (
        "CreateTrainingJob", "injected", "enforce", None)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", record.time)  # ISO 8601, ms, UTC
    assert datetime.datetime.fromisoformat(record.time).timestamp() == pytest.approx(record.timestamp, abs=0.001)
    assert record.as_dict()["time"] == record.time


@pytest.fixture
def serializer_json(monkeypatch):
    """botocore's serializer with the guard's json installed (as the final check installs it), json.dumps counted."""
    import botocore.serialize

    written = []
    real = json.dumps

    def counted(obj, **kwargs):
        written.append(obj)
        return real(obj, **kwargs)

    monkeypatch.setattr(json, "dumps", counted)
    monkeypatch.setattr(process, "_STDLIB_DUMPS", counted)  # the stdlib's dumps, as far as the guard can tell
    monkeypatch.setattr(botocore.serialize, "json", process._SERIALIZER_JSON)
    return written


def test_botocores_serializer_writes_the_approved_text_instead_of_encoding_the_approved_request_again(
        serializer_json):
    g = Guard(PROFILE)
    context: dict = {}
    sent = g.provide_client_params(training_job(), SERVICE.operation_model("CreateTrainingJob"), context=context)
    approval = context[process.APPROVAL_KEY]
    assert botocore_body("CreateTrainingJob", sent) == approval.body
    assert serializer_json == []  # not encoded a second time
    assert json.loads(approval.body) == sent


def test_a_request_changed_after_approval_is_encoded_by_botocore_as_usual(serializer_json):
    g = Guard(PROFILE)
    context: dict = {}
    sent = g.provide_client_params(training_job(), SERVICE.operation_model("CreateTrainingJob"), context=context)
    sent["EnableNetworkIsolation"] = False  # a later handler, in place
    body = botocore_body("CreateTrainingJob", sent)
    assert json.loads(body)["EnableNetworkIsolation"] is False and body != context[process.APPROVAL_KEY].body
    assert len(serializer_json) == 1  # json.dumps wrote it
    with pytest.raises(GuardrailViolation):
        process.verify_final_request(context[process.APPROVAL_KEY], prepared("CreateTrainingJob", body))


def test_the_approved_text_is_taken_once_and_only_on_the_thread_that_approved(serializer_json):
    import threading

    g = Guard(PROFILE)
    sent = g.provide_client_params(training_job(), SERVICE.operation_model("CreateTrainingJob"), context={})
    other = threading.Thread(target=botocore_body, args=("CreateTrainingJob", sent))
    other.start()
    other.join()
    assert len(serializer_json) == 1  # another thread: encoded by json.dumps
    botocore_body("CreateTrainingJob", sent)
    botocore_body("CreateTrainingJob", sent)
    assert len(serializer_json) == 2  # this thread: the approved text once, then json.dumps


def test_the_serializers_json_is_put_back_when_the_send_check_goes():
    import botocore.serialize

    from safemaker import install_process, uninstall_process

    install_process(PROFILE)
    try:
        assert botocore.serialize.json is process._SERIALIZER_JSON
        assert botocore.serialize.json.loads is json.loads  # every other attribute is the json module's
    finally:
        uninstall_process()
    assert botocore.serialize.json is json


def _containers(value) -> list:
    if isinstance(value, dict):
        return [value] + [c for v in value.values() for c in _containers(v)]
    if isinstance(value, (list, tuple)):
        return [value] + [c for v in value for c in _containers(v)]
    return []


def test_own_copy_shares_no_container_with_the_callers_request():
    when = datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc)
    caller = training_job(VpcConfig={"Subnets": ("subnet-1", "subnet-2"), "SecurityGroupIds": ["sg-1"]},
                          Tags=[{"Key": "k", "Value": "v"}], Extra=collections.OrderedDict(At=when, Blob=b"x"))
    mine = process.own_copy(caller)
    # what json reads back for the JSON parts (tuples are lists), the leaves as they were
    assert mine == {**json.loads(json.dumps({k: v for k, v in caller.items() if k != "Extra"})),
                    "Extra": {"At": when, "Blob": b"x"}}
    assert type(mine["Extra"]) is dict
    assert not {id(c) for c in _containers(mine)} & {id(c) for c in _containers(caller)}
    caller["VpcConfig"]["SecurityGroupIds"].append("sg-open")
    caller["Tags"][0]["Value"] = "changed"
    assert mine["VpcConfig"]["SecurityGroupIds"] == ["sg-1"] and mine["Tags"][0]["Value"] == "v"


# --------------------------------------------------------------------------- the SageMaker API's host


def _api_host(region: str) -> str:
    """The SageMaker API host botocore's own endpoint resolution gives for ``region`` (the oracle)."""
    client = botocore.session.get_session().create_client(
        "sagemaker", region_name=region, aws_access_key_id="x", aws_secret_access_key="x")
    return client.meta.endpoint_url.split("://", 1)[1]


@pytest.mark.parametrize("region", ["us-east-1", "cn-north-1", "us-gov-west-1", "us-isob-east-1"])
def test_the_api_host_of_every_partition_is_recognised(region):
    host = _api_host(region)
    assert process.is_sagemaker_api_host(host)
    assert process.is_sagemaker_api_host(host.upper() + ".:443")
    assert not process.is_sagemaker_api_host(host.replace("api.", "runtime.", 1))


@pytest.mark.parametrize("host, expected", [
    ("api.%73agemaker.us-east-1.amazonaws.com", True),            # percent escape
    ("api.ſagemaker.us-east-1.amazonaws.com", True),              # IDNA maps the long s to "s"
    ("api.sagemaker.us-east-1.amazonaws.com.evil.example", False),
    ("evilapi.sagemaker.us-east-1.amazonaws.com", False),
    ("featurestore-runtime.sagemaker.us-east-1.amazonaws.com", False),
])
def test_api_host_spellings(host, expected):
    assert process.is_sagemaker_api_host(host) is expected
