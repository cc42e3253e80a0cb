"""The replay server in front of the local backend (``safemaker.local.replay``).

Oracles: moto's own answers (the raw bytes botocore receives from the backend
directly), the backend's request log (what reached moto), and botocore (the
throttled answer is one its parser reads as ``ThrottlingException``).
"""

from __future__ import annotations

import http.client
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from safemaker.errors import LocalBackendError
from safemaker.local.replay import ReplayServer, is_read_only
from safemaker.local.simulation import Simulation

NO_RETRY = Config(retries={"mode": "standard", "total_max_attempts": 1})
ROLE = "arn:aws:iam::123456789012:role/R"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1"


def _client(url, key="testing", secret="testing", token=None, service="sagemaker"):
    session = boto3.session.Session(aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token,
                                    region_name="us-east-1")
    return session.client(service, endpoint_url=url, config=NO_RETRY)


def _raw_bodies(client):
    """Bodies of the HTTP answers ``client`` receives, as bytes, in order."""
    bodies = []
    client.meta.events.register("response-received.sagemaker.*",
                                lambda response_dict=None, **_: bodies.append(response_dict["body"]))
    return bodies


@pytest.fixture
def replay(safemaker_local):
    with ReplayServer(safemaker_local.endpoint_url) as server:
        yield server


def _models(sm, *names):
    for name in names:
        sm.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMAGE})


def test_read_only_answers_are_moto_s_bytes_and_replayed_without_moto(safemaker_local, replay):
    direct = _client(safemaker_local.endpoint_url)
    _models(direct, "a", "b")
    through = _client(replay.endpoint_url)
    direct_bodies, replay_bodies = _raw_bodies(direct), _raw_bodies(through)
    direct.describe_model(ModelName="a")
    direct.list_models()
    safemaker_local.reset_requests()
    for _ in range(3):
        through.describe_model(ModelName="a")
        through.list_models()
    # the first of each reached moto, the two others were answered from the recording
    assert safemaker_local.request_count("sagemaker", "DescribeModel") == 1
    assert safemaker_local.request_count("sagemaker", "ListModels") == 1
    assert replay_bodies == direct_bodies * 3
    assert replay.request_count("sagemaker") == 6
    assert replay.stats.replayed == 4 and replay.stats.forwarded == 2 and replay.stats.recorded == 2
    assert replay.verify() == []


def test_an_error_answer_of_a_read_is_replayed_too(safemaker_local, replay):
    through = _client(replay.endpoint_url)
    errors = []
    for _ in range(2):
        with pytest.raises(ClientError) as raised:
            through.describe_model(ModelName="missing")
        errors.append(raised.value.response["Error"])
    assert errors[0] == errors[1] and errors[0]["Code"] == "ValidationException"
    assert safemaker_local.request_count("sagemaker", "DescribeModel") == 1


def test_a_write_goes_to_moto_and_forgets_the_recorded_reads_of_its_service(safemaker_local, replay):
    through = _client(replay.endpoint_url)
    _models(through, "a")
    assert [m["ModelName"] for m in through.list_models()["Models"]] == ["a"]
    through.delete_model(ModelName="a")
    assert through.list_models()["Models"] == []
    assert safemaker_local.request_count("sagemaker", "CreateModel") == 1
    assert safemaker_local.request_count("sagemaker", "DeleteModel") == 1
    assert safemaker_local.request_count("sagemaker", "ListModels") == 2


def test_writes_sent_to_moto_directly_are_seen_after_clear(safemaker_local, replay):
    through = _client(replay.endpoint_url)
    assert through.list_models()["Models"] == []
    _models(_client(safemaker_local.endpoint_url), "a")
    assert through.list_models()["Models"] == []  # the recording, as documented
    replay.clear()
    assert [m["ModelName"] for m in through.list_models()["Models"]] == ["a"]


def test_answers_are_kept_per_account(safemaker_local, replay):
    sts = _client(replay.endpoint_url, service="sts")
    creds = sts.assume_role(RoleArn="arn:aws:iam::111111111111:role/Auditor", RoleSessionName="audit")["Credentials"]
    other = _client(replay.endpoint_url, creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    mine = _client(replay.endpoint_url)
    assert mine.list_models()["Models"] == []
    _models(other, "theirs")
    assert mine.list_models()["Models"] == []
    assert [m["ModelArn"] for m in other.list_models()["Models"]] == [
        "arn:aws:sagemaker:us-east-1:111111111111:model/theirs"]
    # STS is never replayed: a second AssumeRole reaches moto and mints new credentials
    again = sts.assume_role(RoleArn="arn:aws:iam::111111111111:role/Auditor", RoleSessionName="audit")["Credentials"]
    assert again["AccessKeyId"] != creds["AccessKeyId"]
    assert safemaker_local.request_count("sts", "AssumeRole") == 2


def test_rest_reads_and_head_answers_keep_their_length(safemaker_local, replay):
    s3 = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                               region_name="us-east-1").client("s3", endpoint_url=replay.endpoint_url, config=NO_RETRY)
    s3.create_bucket(Bucket="replay-bucket")
    s3.put_object(Bucket="replay-bucket", Key="k", Body=b"hello")
    for _ in range(2):
        assert s3.head_object(Bucket="replay-bucket", Key="k")["ContentLength"] == 5  # the object's, not the empty body's
        assert s3.get_object(Bucket="replay-bucket", Key="k")["Body"].read() == b"hello"
    assert safemaker_local.request_count("s3", "HeadObject") == 1
    assert safemaker_local.request_count("s3", "GetObject") == 1
    assert replay.stats.replayed == 2
    # a parameter carried in a header (Range) is part of what is asked: not the whole object's answer
    assert s3.get_object(Bucket="replay-bucket", Key="k", Range="bytes=1-2")["Body"].read() == b"el"
    assert safemaker_local.request_count("s3", "GetObject") == 2


def test_latency_and_rate_limits_are_the_simulation_s(safemaker_local, replay):
    through = _client(replay.endpoint_url)
    through.list_models()  # recorded, the client warm
    replay.simulate(Simulation(latency_ms=150))
    start = time.monotonic()
    for _ in range(3):
        through.list_models()
    assert time.monotonic() - start >= 0.45  # a lower bound: 3 x 150 ms, whatever the machine's load
    replay.simulate(Simulation(rate_limits={"ListModels": 0.01}, burst=2))
    through.list_models()
    through.list_models()
    with pytest.raises(ClientError) as raised:
        through.list_models()
    assert raised.value.response["Error"] == {"Code": "ThrottlingException", "Message": "Rate exceeded"}
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert replay.throttled_count == 1
    assert [r.status for r in replay.requests][-3:] == [200, 200, 400]
    assert safemaker_local.request_count("sagemaker", "ListModels") == 1


def test_chunked_and_100_continue_request_bodies(safemaker_local, replay):
    _models(_client(safemaker_local.endpoint_url), "a")
    host, port = replay.endpoint_url.rsplit("/", 1)[1].split(":")
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "SageMaker.DescribeModel",
               "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/sagemaker/aws4_request, "
                                "SignedHeaders=host, Signature=0"}
    answers = []
    for extra, body in (({}, b'{"ModelName": "a"}'),
                        ({"Transfer-Encoding": "chunked"}, iter([b'{"ModelName"', b': "a"}'])),
                        ({"Expect": "100-continue"}, b'{"ModelName": "a"}')):
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.request("POST", "/", body=body, headers={**headers, **extra},
                           encode_chunked="Transfer-Encoding" in extra)
        response = connection.getresponse()
        answers.append((response.status, response.read()))
        connection.close()
    assert answers[0][0] == 200 and b'"ModelName": "a"' in answers[0][1]
    assert answers[1] == answers[0] == answers[2]
    assert safemaker_local.request_count("sagemaker", "DescribeModel") == 1


@pytest.mark.parametrize("service, operation, expected", [
    ("sagemaker", "DescribeModel", True), ("sagemaker", "ListModels", True), ("sagemaker", "Search", True),
    ("sagemaker", "CreateModel", False), ("sagemaker", "CreatePresignedDomainUrl", False),
    ("sagemaker", "GetSagemakerServicecatalogPortfolioStatus", True),
    ("sts", "GetCallerIdentity", False), ("iam", "GetRole", False), ("ecr", "GetAuthorizationToken", False),
    ("s3", "HeadObject", True), ("organizations", "ListAccounts", True), (None, "ListModels", False), ("sagemaker", None, False),
])
def test_which_calls_are_read_only(service, operation, expected):
    assert is_read_only(service, operation) is expected


def test_an_upstream_that_is_not_the_local_backend_is_refused():
    with pytest.raises(LocalBackendError, match="is not http://127.0.0.1:PORT"):
        ReplayServer("https://sagemaker.us-east-1.amazonaws.com")


def test_stop_closes_the_clients_connections_and_frees_the_port(safemaker_local):
    server = ReplayServer(safemaker_local.endpoint_url).start()
    url = server.endpoint_url
    sm = _client(url)
    sm.list_models()  # a keep-alive connection stays open
    server.stop()
    server.stop()  # idempotent
    with pytest.raises(LocalBackendError, match="not running"):
        server.endpoint_url
    with pytest.raises(Exception, match="Could not connect|Connection was closed|Connect"):
        sm.list_models()
    port = int(url.rsplit(":", 1)[1])
    with ReplayServer(safemaker_local.endpoint_url, port=port) as again:  # the port is free again
        assert again.endpoint_url == url
