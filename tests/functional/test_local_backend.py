"""safemaker.local: the moto server on 127.0.0.1, its session, request log and fixes.

Real boto3 clients over HTTP against the server. Each fix of ``FIXES`` is
tested twice: with the fix (AWS's behaviour) and without it (moto's own
behaviour, exactly as the label says), so a moto release that changes either
turns this module red.
"""

from __future__ import annotations

import json
import re
import socket
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import botocore.config
import pytest
from botocore.exceptions import ClientError

from safemaker.errors import LocalBackendError
from safemaker.local import FIXES, LocalBackend, LocalSession, RecordedRequest, local_backend
from safemaker.local import fixes as local_fixes

pytest.importorskip("moto.server")

ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"
ACCOUNT = "123456789012"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "local-backend.md"
NO_RETRY = botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"})


@contextmanager
def moto_unfixed() -> Iterator[None]:
    """moto's own behaviour, fixes removed, for the duration of the block."""
    local_fixes.uninstall_fixes()
    try:
        yield
    finally:
        local_fixes.install_fixes()


def error_of(exc_info: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    response = exc_info.value.response
    return (
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Code"],
        response["Error"]["Message"],
    )


def create_model(sm, name: str, **network) -> None:
    sm.create_model(
        ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img:1"}, **network
    )


def create_notebook_instance(sm, name: str, **network) -> dict:
    return sm.create_notebook_instance(
        NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=ROLE, **network
    )


# --------------------------------------------------------------------------- lifecycle


def test_local_backend_yields_running_backend_on_loopback():
    with local_backend("eu-west-1") as backend:
        assert isinstance(backend, LocalBackend)
        assert backend.running is True
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", backend.endpoint_url)
        assert backend.endpoint_url == f"http://127.0.0.1:{backend.port}"
        assert backend.region == "eu-west-1"
        assert isinstance(backend.session, LocalSession)
        assert backend.session.region_name == "eu-west-1"
        assert backend.session.endpoint_url == backend.endpoint_url
        assert backend.requests == ()
    assert backend.running is False


def test_stop_after_exception_frees_port():
    with pytest.raises(RuntimeError, match="boom"):
        with local_backend() as backend:
            port = backend.port
            backend.session.client("sagemaker").list_models()
            raise RuntimeError("boom")
    assert backend.running is False
    with socket.socket() as sock, pytest.raises(ConnectionRefusedError):
        sock.connect(("127.0.0.1", port))
    with local_backend(port=port) as again:
        assert again.endpoint_url == f"http://127.0.0.1:{port}"
        assert again.session.client("sagemaker").list_models()["Models"] == []


def test_stop_is_idempotent_and_clears_moto_state():
    backend = LocalBackend().start()
    create_model(backend.session.client("sagemaker"), "kept-nowhere")
    backend.stop()
    backend.stop()
    assert backend.running is False
    with local_backend() as fresh:
        assert fresh.session.client("sagemaker").list_models()["Models"] == []


def test_second_concurrent_backend_raises_and_first_keeps_working():
    with local_backend() as first:
        with pytest.raises(LocalBackendError) as exc_info:
            with local_backend():
                pass  # pragma: no cover
        assert exc_info.value.reason.startswith(
            f"another local backend is already running in this process at {first.endpoint_url}; "
            "moto keeps its state in process-global dictionaries"
        )
        assert first.session.client("sts").get_caller_identity()["Account"] == ACCOUNT


def test_port_in_use_raises_local_backend_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(LocalBackendError, match=rf"cannot listen on 127\.0\.0\.1:{port}: "):
            with local_backend(port=port):
                pass  # pragma: no cover
    with local_backend() as backend:  # nothing left behind by the failed start
        assert backend.running is True


def test_start_twice_raises():
    with local_backend() as backend:
        with pytest.raises(LocalBackendError, match="already running at http://127.0.0.1:"):
            backend.start()


def test_fixes_installed_only_while_running():
    from moto.sagemaker.responses import SageMakerResponse

    moto_create_model = SageMakerResponse.create_model
    assert not hasattr(SageMakerResponse, "create_presigned_notebook_instance_url")
    with local_backend():
        assert local_fixes.fixes_installed() is True
        assert SageMakerResponse.create_model is not moto_create_model
        assert hasattr(SageMakerResponse, "create_presigned_notebook_instance_url")
    assert local_fixes.fixes_installed() is False
    assert SageMakerResponse.create_model is moto_create_model
    assert not hasattr(SageMakerResponse, "create_presigned_notebook_instance_url")


def test_new_botocore_sessions_share_the_local_loader_only_while_running(own_botocore_loaders, monkeypatch):
    import botocore.session

    before = botocore.session.create_loader
    with local_backend() as backend:
        local = backend.session._session.get_component("data_loader")
        # a session made by anyone else (moto, the SageMaker SDK at import, the program) reads with it too
        assert botocore.session.Session().get_component("data_loader") is local
        assert botocore.session.Session().get_component("data_loader") is local
        # one with a data path of its own (AWS_DATA_PATH) reads with a loader of its own, on that path
        monkeypatch.setenv("AWS_DATA_PATH", "/nonexistent/models")
        own = botocore.session.Session().get_component("data_loader")
        assert own is not local
        assert "/nonexistent/models" in own.search_paths
        monkeypatch.delenv("AWS_DATA_PATH")
    assert botocore.session.create_loader is before
    assert botocore.session.Session().get_component("data_loader") is not local


# --------------------------------------------------------------------------- session

# One cheap call per service the SageMaker SDK and safemaker use.
SERVICE_CALLS = [
    ("sagemaker", "ListModels", lambda c: c.list_models(), "/"),
    (
        "sagemaker-runtime",
        "InvokeEndpoint",
        lambda c: c.invoke_endpoint(EndpointName="ep", Body=b"{}"),
        "/endpoints/ep/invocations",
    ),
    ("s3", "ListBuckets", lambda c: c.list_buckets(), "/"),
    ("logs", "DescribeLogGroups", lambda c: c.describe_log_groups(), "/"),
    ("sts", "GetCallerIdentity", lambda c: c.get_caller_identity(), "/"),
    ("ec2", "DescribeVpcs", lambda c: c.describe_vpcs(), "/"),
    ("ssm", "DescribeParameters", lambda c: c.describe_parameters(), "/"),
    ("iam", "ListRoles", lambda c: c.list_roles(), "/"),
]


@pytest.mark.parametrize(
    ("service", "operation", "call", "path"), SERVICE_CALLS, ids=[s[0] for s in SERVICE_CALLS]
)
def test_every_session_client_reaches_the_local_server(
    safemaker_local, safemaker_session, service, operation, call, path
):
    client = safemaker_session.client(service)
    assert client.meta.endpoint_url == safemaker_local.endpoint_url
    assert client.meta.region_name == "us-east-1"
    call(client)
    assert safemaker_local.requests == (
        RecordedRequest(
            service=service, operation=operation, method="POST" if service != "s3" else "GET",
            path=path, status=200,
        ),
    )


def test_session_resource_reaches_the_local_server(safemaker_local, safemaker_session):
    s3 = safemaker_session.resource("s3")
    assert s3.meta.client.meta.endpoint_url == safemaker_local.endpoint_url
    s3.create_bucket(Bucket="bucket-one")
    s3.Object("bucket-one", "a/b.txt").put(Body=b"x")
    assert [b.name for b in s3.buckets.all()] == ["bucket-one"]
    assert [(r.operation, r.method, r.path) for r in safemaker_local.requests] == [
        ("CreateBucket", "PUT", "/bucket-one"),
        ("PutObject", "PUT", "/bucket-one/a/b.txt"),
        ("ListBuckets", "GET", "/"),
    ]


def test_session_replaces_a_foreign_endpoint_url(safemaker_local, safemaker_session):
    # What SageMaker SDK v2 does for STS: endpoint_url=sts_regional_endpoint(region).
    sts = safemaker_session.client("sts", endpoint_url="https://sts.us-east-1.amazonaws.com")
    assert sts.meta.endpoint_url == safemaker_local.endpoint_url
    assert sts.get_caller_identity()["Account"] == ACCOUNT
    assert safemaker_local.request_count("sts", "GetCallerIdentity") == 1


def test_session_refuses_a_request_to_any_other_url(safemaker_local, safemaker_session):
    # A client built on the underlying botocore session bypasses client(); before-send refuses it.
    raw = safemaker_session._session.create_client(
        "sagemaker",
        region_name="us-east-1",
        endpoint_url="https://api.sagemaker.us-east-1.amazonaws.com",
    )
    with pytest.raises(LocalBackendError) as exc_info:
        raw.list_models()
    assert exc_info.value.reason == (
        "refused to send ListModels to https://api.sagemaker.us-east-1.amazonaws.com: a client of "
        f"the local backend's session may only reach {safemaker_local.endpoint_url}"
    )
    assert safemaker_local.requests == ()


def test_session_ignores_profile_proxy_endpoint_and_defaults_mode_settings(monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_DEFAULTS_MODE", "auto")
    monkeypatch.setenv("AWS_USE_FIPS_ENDPOINT", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALLOOKINGKEY00")
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(proxy, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with local_backend() as backend:
        credentials = backend.session.get_credentials()
        assert (credentials.access_key, credentials.secret_key, credentials.token) == (
            "testing",
            "testing",
            None,
        )
        sm = backend.session.client("sagemaker")
        assert sm.meta.endpoint_url == backend.endpoint_url
        assert sm.list_models()["Models"] == []
        assert backend.request_count("sagemaker", "ListModels") == 1


# --------------------------------------------------------------------------- request log


def test_request_count_per_service_and_operation(safemaker_local, safemaker_session):
    sm = safemaker_session.client("sagemaker")
    s3 = safemaker_session.client("s3")
    sm.list_models()
    sm.list_models()
    sm.list_endpoints()
    s3.create_bucket(Bucket="bucket-two")
    s3.put_object(Bucket="bucket-two", Key="k", Body=b"1")
    s3.copy_object(Bucket="bucket-two", Key="k2", CopySource={"Bucket": "bucket-two", "Key": "k"})
    s3.list_objects_v2(Bucket="bucket-two")
    assert safemaker_local.request_count() == 7
    assert safemaker_local.request_count("sagemaker") == 3
    assert safemaker_local.request_count("sagemaker", "ListModels") == 2
    assert safemaker_local.request_count("sagemaker", "ListEndpoints") == 1
    assert safemaker_local.request_count(operation="ListModels") == 2
    assert safemaker_local.request_count("s3") == 4
    assert safemaker_local.request_count("s3", "PutObject") == 1
    assert safemaker_local.request_count("s3", "CopyObject") == 1
    assert safemaker_local.request_count("s3", "ListObjectsV2") == 1
    assert safemaker_local.request_count("sagemaker-runtime") == 0
    safemaker_local.reset_requests()
    assert safemaker_local.requests == ()
    assert safemaker_local.request_count() == 0
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="bucket-two")["Contents"]] == ["k", "k2"]


def test_request_log_records_failed_requests_and_skips_moto_api(safemaker_local, safemaker_session):
    sm = safemaker_session.client("sagemaker")
    with pytest.raises(ClientError):
        sm.describe_model(ModelName="missing")
    safemaker_local.reset()  # /moto-api/reset: a control call, not an AWS request
    assert safemaker_local.requests == (
        RecordedRequest("sagemaker", "DescribeModel", "POST", "/", 400),
    )


def test_request_log_names_presigned_s3_requests(safemaker_local, safemaker_session):
    s3 = safemaker_session.client("s3")
    s3.create_bucket(Bucket="bucket-three")
    s3.put_object(Bucket="bucket-three", Key="k", Body=b"data")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "bucket-three", "Key": "k"})
    assert url.startswith(f"{safemaker_local.endpoint_url}/bucket-three/k?")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url) as response:
        assert response.read() == b"data"
    assert safemaker_local.requests[-1] == RecordedRequest(
        "s3", "GetObject", "GET", "/bucket-three/k", 200
    )


def test_reset_deletes_resources_and_keeps_the_log(safemaker_local, safemaker_session):
    sm = safemaker_session.client("sagemaker")
    create_model(sm, "to-be-reset")
    assert [m["ModelName"] for m in sm.list_models()["Models"]] == ["to-be-reset"]
    safemaker_local.reset()
    assert sm.list_models()["Models"] == []
    assert [r.operation for r in safemaker_local.requests] == [
        "CreateModel",
        "ListModels",
        "ListModels",
    ]


def test_invoke_endpoint_canned_and_queued_results(safemaker_local, safemaker_session):
    runtime = safemaker_session.client("sagemaker-runtime")
    canned = runtime.invoke_endpoint(EndpointName="ep", Body=b"first")
    assert (canned["Body"].read(), canned["ContentType"]) == (b"body", "content_type")
    safemaker_local.set_invoke_endpoint_results(
        [{"Body": '{"predictions": [1]}', "ContentType": "application/json"}]
    )
    queued = runtime.invoke_endpoint(EndpointName="ep", Body=b"second")
    assert (queued["Body"].read(), queued["ContentType"]) == (
        b'{"predictions": [1]}',
        "application/json",
    )
    assert safemaker_local.request_count("sagemaker-runtime", "InvokeEndpoint") == 2


# --------------------------------------------------------------------------- fixes


def test_fixes_are_labelled_and_documented():
    docs = DOCS.read_text(encoding="utf-8")
    assert [fix.name for fix in FIXES] == [
        "DescribeModel-network-fields",
        "CreateNotebookInstance-DirectInternetAccess-needs-SubnetId",
        "CreatePresignedNotebookInstanceUrl",
        "DescribeEndpoint-DataCaptureConfig",
        "Search-Model-HyperParameterTuningJob",
        "List-not-implemented-empty",
        "CreatePipeline-PipelineDefinitionS3Location-VersionId",
        "Describe-keeps-the-members-the-audit-reads",
        "Pipeline-versions",
        "Pipeline-ARN-names",
        "State-machine-and-runbook-versions-listed",
    ]
    for fix in FIXES:
        assert f"`{fix.name}`" in docs
        assert fix.moto and fix.aws


VPC_CONFIG = {"SecurityGroupIds": ["sg-0123456789abcdef0"], "Subnets": ["subnet-0123456789abcdef0"]}


def test_describe_model_returns_network_fields_sent_with_create_model(safemaker_session):
    sm = safemaker_session.client("sagemaker")
    create_model(sm, "isolated", EnableNetworkIsolation=True, VpcConfig=VPC_CONFIG)
    described = sm.describe_model(ModelName="isolated")
    assert described["EnableNetworkIsolation"] is True
    assert described["VpcConfig"] == VPC_CONFIG


def test_describe_model_omits_vpc_config_for_a_model_without_one(safemaker_session):
    sm = safemaker_session.client("sagemaker")
    create_model(sm, "open")
    described = sm.describe_model(ModelName="open")
    assert described["EnableNetworkIsolation"] is False
    assert "VpcConfig" not in described


def test_describe_model_unfixed_moto_garbles_network_fields(safemaker_session):
    sm = safemaker_session.client("sagemaker")
    with moto_unfixed():
        create_model(sm, "isolated", EnableNetworkIsolation=True, VpcConfig=VPC_CONFIG)
        create_model(sm, "open")
        isolated = sm.describe_model(ModelName="isolated")
        open_ = sm.describe_model(ModelName="open")
    assert isolated["EnableNetworkIsolation"] is False
    assert isolated["VpcConfig"] == VPC_CONFIG
    assert open_["EnableNetworkIsolation"] is False
    assert open_["VpcConfig"] == {}


def test_create_notebook_instance_disabled_direct_internet_access_needs_subnet(
    safemaker_local, safemaker_session
):
    sm = safemaker_session.client("sagemaker")
    with pytest.raises(ClientError) as exc_info:
        create_notebook_instance(sm, "no-subnet", DirectInternetAccess="Disabled")
    assert error_of(exc_info) == (
        400,
        "ValidationException",
        "DirectInternetAccess can be set to Disabled only if a value is set for SubnetId.",
    )
    assert sm.list_notebook_instances()["NotebookInstances"] == []
    create_notebook_instance(
        sm,
        "in-vpc",
        DirectInternetAccess="Disabled",
        SubnetId="subnet-0123456789abcdef0",
        SecurityGroupIds=["sg-0123456789abcdef0"],
    )
    described = sm.describe_notebook_instance(NotebookInstanceName="in-vpc")
    assert (described["DirectInternetAccess"], described["SubnetId"]) == (
        "Disabled",
        "subnet-0123456789abcdef0",
    )
    assert [(r.operation, r.status) for r in safemaker_local.requests] == [
        ("CreateNotebookInstance", 400),
        ("ListNotebookInstances", 200),
        ("CreateNotebookInstance", 200),
        ("DescribeNotebookInstance", 200),
    ]


def test_create_notebook_instance_unfixed_moto_accepts_disabled_without_subnet(safemaker_session):
    sm = safemaker_session.client("sagemaker")
    with moto_unfixed():
        create_notebook_instance(sm, "no-subnet", DirectInternetAccess="Disabled")
    described = sm.describe_notebook_instance(NotebookInstanceName="no-subnet")
    assert described["DirectInternetAccess"] == "Disabled"
    assert "SubnetId" not in described


AUTHORIZED_URL = re.compile(
    r"https://nb-1\.notebook\.eu-central-1\.sagemaker\.aws\?authToken=([A-Za-z0-9_-]{43})"
)


@pytest.mark.parametrize("safemaker_local_region", ["eu-central-1"])
def test_create_presigned_notebook_instance_url(safemaker_session):
    sm = safemaker_session.client("sagemaker")
    create_notebook_instance(sm, "nb-1")
    tokens = []
    for duration in (None, 1800, 43200):
        kwargs = {} if duration is None else {"SessionExpirationDurationInSeconds": duration}
        response = sm.create_presigned_notebook_instance_url(NotebookInstanceName="nb-1", **kwargs)
        assert set(response) == {"AuthorizedUrl", "ResponseMetadata"}
        match = AUTHORIZED_URL.fullmatch(response["AuthorizedUrl"])
        assert match, response["AuthorizedUrl"]
        tokens.append(match.group(1))
    assert len(set(tokens)) == 3


@pytest.mark.parametrize(
    ("duration", "constraint"),
    [(1799, "greater than or equal to 1800"), (43201, "less than or equal to 43200")],
)
def test_create_presigned_notebook_instance_url_session_expiration_out_of_range(
    safemaker_session, duration, constraint
):
    # botocore checks only the minimum client-side; turn that off to reach the server.
    sm = safemaker_session.client(
        "sagemaker", config=botocore.config.Config(parameter_validation=False)
    )
    create_notebook_instance(sm, "nb-1")
    with pytest.raises(ClientError) as exc_info:
        sm.create_presigned_notebook_instance_url(
            NotebookInstanceName="nb-1", SessionExpirationDurationInSeconds=duration
        )
    assert error_of(exc_info) == (
        400,
        "ValidationException",
        f"1 validation error detected: Value '{duration}' at "
        f"'sessionExpirationDurationInSeconds' failed to satisfy constraint: "
        f"Member must have value {constraint}",
    )


def test_create_presigned_notebook_instance_url_unknown_instance(safemaker_session):
    sm = safemaker_session.client("sagemaker")
    with pytest.raises(ClientError) as exc_info:
        sm.create_presigned_notebook_instance_url(NotebookInstanceName="nope")
    assert error_of(exc_info) == (400, "ValidationException", "RecordNotFound")


def test_create_presigned_notebook_instance_url_unfixed_moto_is_not_implemented(
    safemaker_local, safemaker_session
):
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    create_notebook_instance(sm, "nb-1")
    with moto_unfixed(), pytest.raises(ClientError) as exc_info:
        sm.create_presigned_notebook_instance_url(NotebookInstanceName="nb-1")
    assert exc_info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert safemaker_local.requests[-1] == RecordedRequest(
        "sagemaker", "CreatePresignedNotebookInstanceUrl", "POST", "/", 500
    )


# --------------------------------------------------------------------------- plugin


def test_plugin_fixtures_share_one_backend(
    safemaker_local, safemaker_session, safemaker_local_region
):
    assert safemaker_local_region == "us-east-1"
    assert safemaker_session is safemaker_local.session
    assert safemaker_local.running is True
    assert safemaker_local.requests == ()
    assert safemaker_session.client("sagemaker").list_models()["Models"] == []


# --------------------------------------------------------------------------- SDK v2


@pytest.mark.sdk2
def test_sagemaker_sdk_v2_session_clients_stay_local(safemaker_local, safemaker_session):
    sagemaker = pytest.importorskip("sagemaker")
    if int(sagemaker.__version__.split(".")[0]) >= 3:
        pytest.skip("needs SageMaker Python SDK v2")
    session = sagemaker.Session(boto_session=safemaker_session)
    for client in (
        session.sagemaker_client,
        session.sagemaker_runtime_client,
        session.sagemaker_metrics_client,
        session.sagemaker_featurestore_runtime_client,
        session.s3_client,
        session.s3_resource.meta.client,
    ):
        assert client.meta.endpoint_url == safemaker_local.endpoint_url
    # account_id() passes endpoint_url=sts_regional_endpoint(region) explicitly.
    assert session.account_id() == ACCOUNT
    assert session.default_bucket() == f"sagemaker-us-east-1-{ACCOUNT}"
    assert safemaker_local.request_count("sts", "GetCallerIdentity") >= 1
    assert safemaker_local.request_count("s3", "CreateBucket") == 1


def test_describe_endpoint_omits_empty_data_capture_config(safemaker_session):
    sm = safemaker_session.client("sagemaker")
    create_model(sm, "m", EnableNetworkIsolation=True)
    sm.create_endpoint_config(EndpointConfigName="c", ProductionVariants=[
        {"VariantName": "v", "ModelName": "m", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}])
    sm.create_endpoint(EndpointName="e", EndpointConfigName="c")
    assert "DataCaptureConfig" not in sm.describe_endpoint(EndpointName="e")
    assert "DataCaptureConfig" not in sm.describe_endpoint_config(EndpointConfigName="c")
    sm.create_endpoint_config(EndpointConfigName="c2", ProductionVariants=[
        {"VariantName": "v", "ModelName": "m", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}],
        DataCaptureConfig={"InitialSamplingPercentage": 50, "DestinationS3Uri": "s3://b/capture",
                           "CaptureOptions": [{"CaptureMode": "Input"}]})
    assert sm.describe_endpoint_config(EndpointConfigName="c2")["DataCaptureConfig"]["InitialSamplingPercentage"] == 50


def test_describe_endpoint_unfixed_moto_answers_empty_data_capture_config(safemaker_session):
    sm = safemaker_session.client("sagemaker")
    create_model(sm, "m", EnableNetworkIsolation=True)
    sm.create_endpoint_config(EndpointConfigName="c", ProductionVariants=[
        {"VariantName": "v", "ModelName": "m", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}])
    sm.create_endpoint(EndpointName="e", EndpointConfigName="c")
    with moto_unfixed():
        assert sm.describe_endpoint(EndpointName="e")["DataCaptureConfig"] == {}
        assert sm.describe_endpoint_config(EndpointConfigName="c")["DataCaptureConfig"] == {}


def test_backend_turns_off_metadata_credential_lookups_while_running(monkeypatch):
    """Importing SDK v2 builds a default session whose credential chain would ask 169.254.169.254."""
    import os

    from safemaker.local import OFFLINE_ENVIRONMENT, offline_environment

    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED", raising=False)
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/x")
    with local_backend():
        assert os.environ["AWS_EC2_METADATA_DISABLED"] == "true"
        assert "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" not in os.environ
    assert "AWS_EC2_METADATA_DISABLED" not in os.environ
    assert os.environ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] == "/v2/credentials/x"
    with pytest.raises(RuntimeError), offline_environment():
        assert os.environ["AWS_EC2_METADATA_DISABLED"] == OFFLINE_ENVIRONMENT["AWS_EC2_METADATA_DISABLED"]
        raise RuntimeError("restored even so")
    assert "AWS_EC2_METADATA_DISABLED" not in os.environ


# Expected keys: the list member of each operation's output shape in botocore's SageMaker model
# (ListLabelingJobsResponse.LabelingJobSummaryList...), required or not.
@pytest.mark.parametrize(("method", "key"), [
    ("list_inference_recommendations_jobs", "InferenceRecommendationsJobs"),
    ("list_labeling_jobs", "LabelingJobSummaryList"),
    ("list_monitoring_schedules", "MonitoringScheduleSummaries"),
    ("list_optimization_jobs", "OptimizationJobSummaries"),
    ("list_user_profiles", "UserProfiles"),
    ("list_workforces", "Workforces"),
])
def test_list_operations_moto_lacks_answer_an_empty_list(safemaker_local, safemaker_session, method, key):
    sm = safemaker_session.client("sagemaker")
    response = getattr(sm, method)()
    assert response[key] == []
    assert [r.status for r in safemaker_local.requests if r.operation and _snake_name(r.operation) == method] == [200]


def _snake_name(operation):
    import re

    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


# --------------------------------------------------------------------------- renew, snapshot, restore


def test_renew_empties_state_log_and_simulation_and_gives_a_new_session_in_the_region(safemaker_local):
    s3 = safemaker_local.session.client("s3")
    s3.create_bucket(Bucket="before")
    safemaker_local.simulate(latency_ms=1)
    old_session = safemaker_local.session
    assert safemaker_local.renew("eu-west-1") is safemaker_local
    assert safemaker_local.requests == ()
    assert safemaker_local.region == "eu-west-1" and safemaker_local.session.region_name == "eu-west-1"
    assert safemaker_local.session is not old_session
    assert safemaker_local.session.client("s3").list_buckets()["Buckets"] == []
    assert safemaker_local._server._simulation.simulation.latency_ms == 0


def test_restore_brings_back_the_snapshot_state_and_drops_later_changes(safemaker_local):
    ec2 = safemaker_local.session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    safemaker_local.session.client("s3").create_bucket(Bucket="kept")
    snapshot = safemaker_local.snapshot()
    assert {"ec2", "s3"} <= set(snapshot.services)
    ec2.delete_vpc(VpcId=vpc)
    ec2.create_vpc(CidrBlock="10.8.0.0/16")
    safemaker_local.session.client("s3").create_bucket(Bucket="later")
    for _ in range(2):  # the snapshot itself is not changed by a restore
        safemaker_local.restore(snapshot)
        cidrs = sorted(v["CidrBlock"] for v in ec2.describe_vpcs()["Vpcs"])
        assert cidrs == ["10.9.0.0/16", "172.31.0.0/16"]  # the default VPC and the snapshot's
        buckets = safemaker_local.session.client("s3").list_buckets()["Buckets"]
        assert [b["Name"] for b in buckets] == ["kept"]
        ec2.create_vpc(CidrBlock="10.7.0.0/16")


def test_local_network_is_restored_for_the_next_test_with_the_same_ids(safemaker_local, safemaker_local_pool,
                                                                       safemaker_local_network):
    assert safemaker_local.requests == ()  # the build's (or restore's) requests are not the test's
    ec2 = safemaker_local.session.client("ec2")
    ec2.delete_subnet(SubnetId=safemaker_local_network.subnets[0])
    safemaker_local.renew()
    again = safemaker_local_pool.state(safemaker_local, ("safemaker_local_network", safemaker_local.region),
                                       lambda: pytest.fail("built again instead of restored"))
    assert again is safemaker_local_network
    subnets = ec2.describe_subnets(SubnetIds=list(again.subnets))["Subnets"]
    assert sorted(s["SubnetId"] for s in subnets) == sorted(again.subnets)


# --------------------------------------------------------------------------- CreatePipeline from S3


def _pipeline_bucket(session):
    s3 = session.client("s3")
    s3.create_bucket(Bucket="defs")
    s3.put_bucket_versioning(Bucket="defs", VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket="defs", Key="p.json", Body=b'{"Version": "2020-12-01", "Steps": []}')
    latest = s3.put_object(Bucket="defs", Key="p.json",
                           Body=b'{"Version": "2020-12-01", "Steps": [], "Parameters": []}')
    return first["VersionId"], latest["VersionId"]


@pytest.mark.parametrize("update", [False, True])
def test_pipeline_definition_is_read_from_the_s3_version_named(safemaker_session, update):
    # SageMaker API reference, PipelineDefinitionS3Location.VersionId: "Version Id of the pipeline definition
    # file. If not specified, Amazon SageMaker will retrieve the latest version." DescribePipeline's
    # PipelineDefinition is a string (botocore's model).
    first, _latest = _pipeline_bucket(safemaker_session)
    sm = safemaker_session.client("sagemaker")
    assert sm.meta.service_model.operation_model("DescribePipeline").output_shape.members[
        "PipelineDefinition"].type_name == "string"
    at = {"Bucket": "defs", "ObjectKey": "p.json", "VersionId": first}
    if update:
        sm.create_pipeline(PipelineName="p", RoleArn=ROLE, PipelineDefinition='{"Version": "2020-12-01"}')
        sm.update_pipeline(PipelineName="p", PipelineDefinitionS3Location=at)
    else:
        sm.create_pipeline(PipelineName="p", RoleArn=ROLE, PipelineDefinitionS3Location=at)
    assert sm.describe_pipeline(PipelineName="p")["PipelineDefinition"] == '{"Version": "2020-12-01", "Steps": []}'
    sm.create_pipeline(PipelineName="latest", RoleArn=ROLE,
                       PipelineDefinitionS3Location={"Bucket": "defs", "ObjectKey": "p.json"})
    assert json.loads(sm.describe_pipeline(PipelineName="latest")["PipelineDefinition"])["Parameters"] == []


def test_pipeline_definition_from_an_unknown_s3_version_is_a_validation_error(safemaker_session):
    _pipeline_bucket(safemaker_session)
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    for at in ({"Bucket": "defs", "ObjectKey": "p.json", "VersionId": "no-such-version"},
               {"Bucket": "defs", "ObjectKey": "missing.json"}, {"Bucket": "nobucket", "ObjectKey": "p.json"}):
        with pytest.raises(ClientError) as exc_info:
            sm.create_pipeline(PipelineName="p", RoleArn=ROLE, PipelineDefinitionS3Location=at)
        assert error_of(exc_info)[:2] == (400, "ValidationException")
    assert sm.list_pipelines()["PipelineSummaries"] == []


def test_pipeline_definition_unfixed_moto_reads_the_latest_version(safemaker_session):
    first, _latest = _pipeline_bucket(safemaker_session)
    sm = safemaker_session.client("sagemaker")
    with moto_unfixed():
        sm.create_pipeline(PipelineName="p", RoleArn=ROLE,
                           PipelineDefinitionS3Location={"Bucket": "defs", "ObjectKey": "p.json", "VersionId": first})
        described = sm.describe_pipeline(PipelineName="p")["PipelineDefinition"]
    assert "Parameters" in str(described)  # the latest version, not the one named


# --------------------------------------------------------------------------- pipeline versions


def _versioned_pipeline(sm):
    """Version 1 without parameters, version 2 with: botocore's UpdatePipeline answers PipelineVersionId."""
    sm.create_pipeline(PipelineName="p", RoleArn=ROLE, PipelineDefinition='{"Version": "2020-12-01", "Steps": []}')
    return sm.update_pipeline(PipelineName="p",
                              PipelineDefinition='{"Version": "2020-12-01", "Steps": [], "Parameters": []}')


def test_pipeline_versions_stay_and_are_described_and_listed(safemaker_session):
    # botocore: ListPipelineVersions "Gets a list of all versions of the pipeline"; DescribePipeline
    # PipelineVersionId "The ID of the pipeline version to describe"; UpdatePipeline's output has PipelineVersionId
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    assert "PipelineVersionId" in sm.meta.service_model.operation_model("UpdatePipeline").output_shape.members
    assert _versioned_pipeline(sm)["PipelineVersionId"] == 2
    assert "Parameters" in json.loads(sm.describe_pipeline(PipelineName="p")["PipelineDefinition"])
    assert "Parameters" not in json.loads(sm.describe_pipeline(PipelineName="p", PipelineVersionId=1)["PipelineDefinition"])
    pages = list(sm.get_paginator("list_pipeline_versions").paginate(
        PipelineName="arn:aws:sagemaker:us-east-1:123456789012:pipeline/p", PaginationConfig={"PageSize": 1}))
    assert [[v["PipelineVersionId"] for v in page["PipelineVersionSummaries"]] for page in pages] == [[2], [1]]
    ascending = sm.list_pipeline_versions(PipelineName="p", SortOrder="Ascending")["PipelineVersionSummaries"]
    assert [v["PipelineVersionId"] for v in ascending] == [1, 2]
    for bad in ({"PipelineVersionId": 3}, {"PipelineVersionAlias": "prod"}):
        with pytest.raises(ClientError) as exc_info:
            sm.describe_pipeline(PipelineName="p", **bad)
        assert error_of(exc_info)[1] == "ResourceNotFound"


def test_pipeline_versions_unfixed_moto_keeps_only_the_latest(safemaker_session):
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    with moto_unfixed():
        assert "PipelineVersionId" not in _versioned_pipeline(sm)
        described = sm.describe_pipeline(PipelineName="p", PipelineVersionId=1)["PipelineDefinition"]
        with pytest.raises(ClientError) as exc_info:
            sm.list_pipeline_versions(PipelineName="p")
    assert "Parameters" in described  # the latest, not version 1
    assert error_of(exc_info)[0] == 500


def test_pipeline_name_or_arn_operations_are_those_of_botocore_s_model():
    # botocore's shape PipelineNameOrArn: "The name or Amazon Resource Name (ARN) of the pipeline"
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    wanted = sorted(
        op for op in model.operation_names
        if (shape := model.operation_model(op).input_shape) is not None
        and any(member.name == "PipelineNameOrArn" for member in shape.members.values())
    )
    assert sorted(local_fixes.PIPELINE_NAME_OR_ARN_OPERATIONS) == wanted


def test_pipeline_named_by_its_arn_is_described_started_and_listed(safemaker_session):
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    arn = _versioned_pipeline(sm)["PipelineArn"]
    assert arn.endswith(":pipeline/p")
    assert "Parameters" in json.loads(sm.describe_pipeline(PipelineName=arn)["PipelineDefinition"])
    started = sm.start_pipeline_execution(PipelineName=arn)["PipelineExecutionArn"]
    listed = sm.list_pipeline_executions(PipelineName=arn)["PipelineExecutionSummaries"]
    assert [e["PipelineExecutionArn"] for e in listed] == [started]
    by_name = sm.list_pipeline_executions(PipelineName="p")["PipelineExecutionSummaries"]
    assert [e["PipelineExecutionArn"] for e in by_name] == [started]
    assert [v["PipelineVersionId"] for v in
            sm.list_pipeline_versions(PipelineName=arn)["PipelineVersionSummaries"]] == [2, 1]
    errors = []
    for unknown in ("other", arn.replace(":pipeline/p", ":pipeline/other"),  # the ARN of none: as its name
                    arn.replace(":us-east-1:", ":us-west-2:"),  # p's name, another region's ARN (trial 15c F06)
                    arn.replace(":123456789012:", ":999999999999:")):  # ... another account's
        with pytest.raises(ClientError) as exc_info:
            sm.describe_pipeline(PipelineName=unknown)
        errors.append(error_of(exc_info)[:2])  # (HTTP status, error code)
    assert errors[1:] == [errors[0]] * 3


def test_pipeline_named_by_its_arn_unfixed_moto_is_not_found(safemaker_session):
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    with moto_unfixed():
        arn = sm.create_pipeline(PipelineName="p", RoleArn=ROLE,
                                 PipelineDefinition='{"Version": "2020-12-01", "Steps": []}')["PipelineArn"]
        with pytest.raises(ClientError) as exc_info:
            sm.describe_pipeline(PipelineName=arn)
    assert error_of(exc_info)[1] in {"ResourceNotFound", "ValidationException"}


def test_a_snapshot_holds_every_service_s_state_ssm_parameters_too(safemaker_local):
    # moto keeps SSM parameters in a defaultdict subclass whose constructor takes the account and region
    # (moto.ssm.models.ParameterDict): copy.deepcopy cannot remake it through its reduce protocol
    ssm = safemaker_local.session.client("ssm")
    ssm.put_parameter(Name="/safemaker/kept", Value="v1", Type="String")
    snapshot = safemaker_local.snapshot()
    assert "ssm" in snapshot.services
    ssm.put_parameter(Name="/safemaker/kept", Value="v2", Type="String", Overwrite=True)
    ssm.put_parameter(Name="/safemaker/later", Value="x", Type="String")
    for _ in range(2):
        safemaker_local.restore(snapshot)
        names = {p["Name"]: p["Value"] for p in ssm.get_parameters_by_path(Path="/safemaker")["Parameters"]}
        assert names == {"/safemaker/kept": "v1"}
        ssm.put_parameter(Name="/safemaker/later", Value="y", Type="String")


def test_offline_environment_gives_a_process_without_a_region_the_backend_region(monkeypatch, tmp_path):
    """SDK v3 makes a client from boto3's default session at import (sagemaker.ai_registry.air_hub): in a
    process without a region, botocore raises NoRegionError ('You must specify a region.')."""
    import os

    import boto3
    from botocore.exceptions import NoRegionError

    from safemaker.local import offline_environment

    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    with pytest.raises(NoRegionError):
        boto3.Session().client("sagemaker")
    with offline_environment("eu-west-1"):
        assert os.environ["AWS_DEFAULT_REGION"] == "eu-west-1"
        assert boto3.Session().client("sagemaker").meta.region_name == "eu-west-1"
    assert "AWS_DEFAULT_REGION" not in os.environ
    with local_backend("ap-northeast-1") as backend:
        assert os.environ["AWS_DEFAULT_REGION"] == backend.region == "ap-northeast-1"
    assert "AWS_DEFAULT_REGION" not in os.environ
    # a region the process has, from the environment or from its config file, is never replaced
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    with offline_environment("eu-west-1"):
        assert os.environ["AWS_DEFAULT_REGION"] == "us-west-2"
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    (tmp_path / "config").write_text("[default]\nregion = sa-east-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    with offline_environment("eu-west-1"):
        assert "AWS_DEFAULT_REGION" not in os.environ
        assert boto3.Session().client("sagemaker").meta.region_name == "sa-east-1"


def _published_and_updated(session):
    sfn = session.client("stepfunctions", config=NO_RETRY)
    ssm = session.client("ssm", config=NO_RETRY)
    made = sfn.create_state_machine(name="sm", roleArn="arn:aws:iam::123456789012:role/sfn", publish=True,
                                    definition=json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass",
                                                                                            "End": True}}}))
    for state in ("B", "C"):   # versions 2 and 3 (moto has no PublishStateMachineVersion)
        sfn.update_state_machine(stateMachineArn=made["stateMachineArn"], publish=True, definition=json.dumps(
            {"StartAt": state, "States": {state: {"Type": "Pass", "End": True}}}))
    content = {"schemaVersion": "0.3", "mainSteps": [{"name": "w", "action": "aws:sleep",
                                                      "inputs": {"Duration": "PT1S"}}]}
    ssm.create_document(Name="runbook", DocumentType="Automation", DocumentFormat="JSON", Content=json.dumps(content))
    content["mainSteps"][0]["inputs"]["Duration"] = "PT2S"
    ssm.update_document(Name="runbook", DocumentVersion="$LATEST", DocumentFormat="JSON", Content=json.dumps(content),
                        VersionName="two")
    return sfn, ssm, made["stateMachineArn"]


def test_state_machine_and_runbook_versions_are_listed(safemaker_session):
    # botocore stepfunctions ListStateMachineVersions ("Lists versions for the specified state machine Amazon
    # Resource Name (ARN)"; "The results are sorted in descending order of the version creation time"); ssm
    # ListDocumentVersions ("List all versions for a document"), its output shape DocumentVersionInfo
    sfn, ssm, arn = _published_and_updated(safemaker_session)
    pages = [sfn.list_state_machine_versions(stateMachineArn=arn, maxResults=2)]
    pages.append(sfn.list_state_machine_versions(stateMachineArn=arn, maxResults=2, nextToken=pages[0]["nextToken"]))
    assert [[v["stateMachineVersionArn"].rsplit(":", 1)[-1] for v in p["stateMachineVersions"]] for p in pages] == [
        ["3", "2"], ["1"]]
    assert "nextToken" not in pages[1]
    assert '"B"' in sfn.describe_state_machine(stateMachineArn=f"{arn}:2")["definition"]
    listed = [v for page in ssm.get_paginator("list_document_versions").paginate(
        Name="runbook", PaginationConfig={"PageSize": 1}) for v in page["DocumentVersions"]]
    assert [(v["DocumentVersion"], v["IsDefaultVersion"], v.get("VersionName")) for v in listed] == [
        ("1", True, None), ("2", False, "two")]
    shape = ssm.meta.service_model.operation_model("ListDocumentVersions").output_shape.members["DocumentVersions"]
    assert set(listed[1]) <= set(shape.member.members)
    assert "PT2S" in ssm.get_document(Name="runbook", DocumentVersion="2")["Content"]
    for call, code in ((lambda: sfn.list_state_machine_versions(stateMachineArn=f"{arn}x"), "StateMachineDoesNotExist"),
                       (lambda: ssm.list_document_versions(Name="nope"), "InvalidDocument")):
        with pytest.raises(ClientError) as exc_info:
            call()
        assert error_of(exc_info)[1] == code


def test_state_machine_and_runbook_versions_unfixed_moto_are_not_implemented(safemaker_session):
    sfn, ssm, arn = _published_and_updated(safemaker_session)
    with moto_unfixed():
        for call in (lambda: sfn.list_state_machine_versions(stateMachineArn=arn),
                     lambda: ssm.list_document_versions(Name="runbook")):
            with pytest.raises(ClientError) as exc_info:
                call()
            assert error_of(exc_info)[0] == 500
