"""The local backend's latency and throttling simulation (``LocalBackend.simulate``, ``local serve --latency-ms``).

Expected values come from botocore: the throttled answer must be one botocore's
retry handler classifies as throttling (its ``_THROTTLED_ERROR_CODES``) and
retries, and one its JSON parser reads as error code ``ThrottlingException``.
"""

from __future__ import annotations

import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.retries.standard import ThrottledRetryableChecker
from typer.testing import CliRunner

from safemaker.cli import app
from safemaker.local.simulation import Simulation, parse_rate_limit

from _profiles import SUB_A, make_profile

NO_RETRY = Config(retries={"mode": "standard", "total_max_attempts": 1})


def _client(backend, key="testing", config=NO_RETRY, region="us-east-1"):
    return boto3.session.Session(aws_access_key_id=key, aws_secret_access_key="testing",
                                 region_name=region).client("sagemaker", endpoint_url=backend.endpoint_url,
                                                            config=config)


def test_every_request_is_held_the_latency(safemaker_local):
    sm = _client(safemaker_local)
    sm.list_models()  # client warm (model loaded, connection open)
    safemaker_local.simulate(latency_ms=150)
    start = time.monotonic()
    for _ in range(3):
        sm.list_models()
    assert time.monotonic() - start >= 0.45  # a lower bound: 3 x 150 ms, whatever the machine's load
    safemaker_local.simulate()
    assert safemaker_local.request_count("sagemaker", "ListModels") == 4


def test_calls_above_the_rate_get_sagemakers_throttling_error(safemaker_local):
    sm = _client(safemaker_local)
    safemaker_local.simulate(rate_limits={"ListModels": 0.01}, burst=2)
    sm.list_models()
    sm.list_models()
    with pytest.raises(ClientError) as raised:
        sm.list_models()
    response = raised.value.response
    assert response["Error"] == {"Code": "ThrottlingException", "Message": "Rate exceeded"}
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # botocore's standard/adaptive retry mode treats the code as throttling
    assert "ThrottlingException" in ThrottledRetryableChecker._THROTTLED_ERROR_CODES
    # other operations have no limit here; the throttled call is in the request log with its status
    sm.list_endpoints()
    statuses = [r.status for r in safemaker_local.requests if r.operation == "ListModels"]
    assert statuses == [200, 200, 400]
    assert safemaker_local.throttled_count == 1


def test_buckets_are_per_access_key_and_region(safemaker_local):
    safemaker_local.simulate(rate_limits={"*": 0.01}, burst=1)
    _client(safemaker_local, key="AKIAAAAAAAAAAAAAAAAA").list_models()
    _client(safemaker_local, key="AKIABBBBBBBBBBBBBBBB").list_models()  # another account's key: its own bucket
    _client(safemaker_local, key="AKIAAAAAAAAAAAAAAAAA", region="eu-west-1").list_models()  # another region
    with pytest.raises(ClientError, match="ThrottlingException"):
        _client(safemaker_local, key="AKIAAAAAAAAAAAAAAAAA").list_models()
    assert safemaker_local.throttled_count == 1


def test_botocore_retries_throttled_calls_until_they_pass(safemaker_local):
    sm = _client(safemaker_local, config=Config(retries={"mode": "standard", "max_attempts": 10}))
    safemaker_local.simulate(rate_limits={"ListModels": 20}, burst=1)
    for _ in range(4):
        sm.list_models()  # none raises: botocore retried each throttled attempt
    statuses = [r.status for r in safemaker_local.requests if r.operation == "ListModels"]
    assert statuses.count(200) == 4
    assert statuses.count(400) == safemaker_local.throttled_count


@pytest.mark.parametrize("kwargs, message", [
    ({"latency_ms": -1}, "latency_ms is -1.0; expected a number of milliseconds from 0 to 10000"),
    ({"rate_limits": {"DescribeModel": 0}}, "rate_limits['DescribeModel'] is 0; expected requests per second > 0"),
    ({"burst": 0.5}, "burst is 0.5; expected a number >= 1"),
])
def test_bad_simulation_settings_name_the_field(safemaker_local, kwargs, message):
    with pytest.raises(ValueError) as raised:
        safemaker_local.simulate(**kwargs)
    assert str(raised.value) == message


def test_parse_rate_limit():
    assert parse_rate_limit("DescribeModel=20") == ("DescribeModel", 20.0)
    assert parse_rate_limit("5") == ("*", 5.0)
    with pytest.raises(ValueError, match="expected OPERATION=RATE") as info:
        parse_rate_limit("DescribeModel=fast")
    assert (info.value.field, info.value.found) == ("rate_limit", "DescribeModel=fast")  # an InputError
    assert Simulation(rate_limits={"*": 3, "ListModels": 1}).rate_for("DescribeModel") == 3.0


@pytest.mark.parametrize("args, message", [
    (["--rate-limit", "DescribeModel=0"], "error: --rate-limit is 'DescribeModel=0'; expected OPERATION=RATE"),
    (["--latency-ms", "-5"], "error: --latency-ms is -5.0; expected milliseconds from 0 to 10000"),
])
def test_serve_refuses_bad_simulation_flags_with_exit_2(args, message):
    result = CliRunner().invoke(app, ["local", "serve", "--port", "0", *args])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_an_audit_throttled_to_death_reports_unknown_with_the_throttling_fix(safemaker_local):
    from safemaker import audit

    sm = _client(safemaker_local, config=Config(retries={"mode": "standard", "total_max_attempts": 2}))
    sm.create_model(ModelName="m", ExecutionRoleArn="arn:aws:iam::123456789012:role/R",
                    PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1"})
    safemaker_local.simulate(rate_limits={"ListModels": 0.01}, burst=1)
    sm.list_models()  # the one request of the bucket
    profile = make_profile(subnets=[SUB_A], execution_role_arn="arn:aws:iam::123456789012:role/R")
    findings = list(audit.run(profile, clients={"us-east-1": sm}, resource_types=["model"]))
    assert [(f.status, f.resource_arn) for f in findings] == [
        ("UNKNOWN", "arn:aws:sagemaker:us-east-1:123456789012:model/*")]
    assert findings[0].found == "ThrottlingException: Rate exceeded"
    assert "stayed throttled" in findings[0].fix
    assert safemaker_local.throttled_count == 2  # both attempts botocore made
