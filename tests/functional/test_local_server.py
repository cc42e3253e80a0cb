"""The local backend's HTTP server: keep-alive connections, remembered backend lookup, errors.

These assert on what crosses the socket (response headers, connections the
client's pool opened) and on moto's own answer for each host, so a change of
server that reintroduces one connection per request turns them red. Its speed
is measured in ``benchmarks/bench_local_server.py``, not here.
"""

from __future__ import annotations

import logging

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from safemaker.local import local_backend
from safemaker.local.server import _CachedDispatcher


def _pool(client, url):
    # botocore's URLLib3Session keeps one urllib3 pool per endpoint (private, but the only way
    # to see from the client side how many TCP connections were opened).
    return client._endpoint.http_session._manager.connection_from_url(url)


def test_sequential_requests_share_one_keep_alive_connection(safemaker_local, safemaker_session):
    sm = safemaker_session.client("sagemaker")
    answers = [sm.list_models() for _ in range(5)]
    headers = [a["ResponseMetadata"]["HTTPHeaders"] for a in answers]
    assert [h.get("connection", "") for h in headers] == [""] * 5  # werkzeug sent "close" every time
    pool = _pool(sm, safemaker_local.endpoint_url)
    assert pool.num_connections == 1
    assert pool.num_requests == 5
    assert safemaker_local.request_count("sagemaker", "ListModels") == 5


def test_many_clients_in_parallel_all_answered(safemaker_local, safemaker_session):
    from concurrent.futures import ThreadPoolExecutor

    sm = safemaker_session.client("sagemaker")
    for i in range(20):
        sm.create_model(ModelName=f"m{i}", ExecutionRoleArn="arn:aws:iam::123456789012:role/SageMakerExecRole",
                        PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1"})
    with ThreadPoolExecutor(24) as pool:  # more threads than the server's 16 workers
        names = list(pool.map(lambda i: sm.describe_model(ModelName=f"m{i % 20}")["ModelName"], range(200)))
    assert names == [f"m{i % 20}" for i in range(200)]
    assert safemaker_local.request_count("sagemaker", "DescribeModel") == 200


@pytest.mark.parametrize("host", [
    None, "moto_api", "s3", "api.sagemaker.us-east-1.amazonaws.com", "ec2.eu-west-1.amazonaws.com",
    "sts.amazonaws.com", "ssm.us-east-1.amazonaws.com", "iam.amazonaws.com", "bucket.s3.amazonaws.com",
    "nothing.example",
])
def test_cached_backend_lookup_matches_moto_and_is_remembered(host, monkeypatch):
    ours = _CachedDispatcher()
    moto_answer = DomainDispatcherApplication(create_backend_app).get_backend_for_host(host)
    assert ours.get_backend_for_host(host) == moto_answer
    calls = []
    monkeypatch.setattr(DomainDispatcherApplication, "get_backend_for_host",
                        lambda self, h: calls.append(h) or "recomputed")
    assert ours.get_backend_for_host(host) == moto_answer  # remembered: moto's lookup not run again
    assert calls == []


def test_operation_moto_lacks_is_http_500_with_one_log_line_and_traceback_at_debug(
        safemaker_local, safemaker_session, caplog):
    iam = safemaker_session.client("iam", config=Config(retries={"max_attempts": 1, "mode": "standard"}))
    with caplog.at_level(logging.DEBUG, logger="safemaker.local"), pytest.raises(ClientError) as info:
        iam.simulate_principal_policy(PolicySourceArn="arn:aws:iam::123456789012:role/SageMakerExecRole",
                                      ActionNames=["ec2:CreateNetworkInterface"])
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    sent = safemaker_local.request_count("iam", "SimulatePrincipalPolicy")
    assert sent >= 1 and len(warnings) == sent  # one line per failed request
    assert all("simulate_principal_policy action has not been implemented" in w.getMessage() for w in warnings)
    assert all("\n" not in w.getMessage() and w.exc_info is None for w in warnings)
    tracebacks = [r for r in caplog.records if r.levelno == logging.DEBUG and r.exc_info]
    assert tracebacks and tracebacks[0].exc_info[0] is NotImplementedError


def test_request_lines_at_debug_carry_no_query_string(safemaker_local, safemaker_session, caplog):
    s3 = safemaker_session.client("s3")
    s3.create_bucket(Bucket="bkt")
    with caplog.at_level(logging.DEBUG, logger="safemaker.local"):
        s3.list_objects_v2(Bucket="bkt", Prefix="secret-prefix")
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("local server: GET")]
    assert lines == ["local server: GET /bkt ListObjectsV2 200"]


def test_stop_with_an_open_keep_alive_connection_frees_the_port():
    import socket

    with local_backend() as backend:
        port = backend.port
        sm = backend.session.client("sagemaker")
        sm.list_models()  # leaves a keep-alive connection open
        assert _pool(sm, backend.endpoint_url).num_connections == 1
    with socket.socket() as s, pytest.raises(ConnectionRefusedError):
        s.connect(("127.0.0.1", port))  # nothing listens, although the client never closed its connection
    import threading

    assert [t.name for t in threading.enumerate() if t.name.startswith(("safemaker-local", "CP Server"))] == []


def test_after_an_operation_moto_lacks_the_keep_alive_connection_stays_usable(safemaker_local, safemaker_session):
    # CI flake, found after the move to cheroot: cheroot answered an exception in moto with a bare 500
    # and closed the connection without saying so; the next request on that pooled connection got
    # "Remote end closed connection without response" (no retry with max_attempts=1).
    iam = safemaker_session.client("iam", config=Config(retries={"max_attempts": 1, "mode": "standard"}))
    for _ in range(20):
        with pytest.raises(ClientError) as info:
            iam.simulate_principal_policy(PolicySourceArn="arn:aws:iam::123456789012:role/SageMakerExecRole",
                                          ActionNames=["ec2:CreateNetworkInterface"])
        assert (info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]) == (
            "500", "Internal Server Error")
        assert iam.list_roles()["Roles"] == []
    assert _pool(iam, safemaker_local.endpoint_url).num_connections == 1  # one connection, kept throughout
