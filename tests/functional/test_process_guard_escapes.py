"""What is actually sent decides: escapes of the process guard found by a new-user trial, closed.

Against the local backend (moto on 127.0.0.1) over real HTTP; the backend's
request count proves nothing open arrived. Oracles: botocore's service models
(which services sign as ``sagemaker``, the SageMaker API's ``X-Amz-Target``
prefix and endpoint prefix), botocore's partition data (the API host).
"""

from __future__ import annotations

import json

import botocore.session
import pytest

import safemaker
from safemaker import hooks, process
from safemaker.errors import GuardrailViolation
from safemaker.profile import VpcProfile

from _profiles import SG, SUB_A
from _profiles import training_job_request as training_job

_LOADER = botocore.session.get_session()
TARGET_PREFIX = _LOADER.get_service_model("sagemaker").metadata["targetPrefix"] + "."   # "SageMaker."
API_PREFIX = _LOADER.get_service_model("sagemaker").endpoint_prefix                      # "api.sagemaker"

# every other service whose requests are signed for "sagemaker" (botocore's models say which)
SIGNS_AS_SAGEMAKER = {
    "sagemaker-metrics": ("BatchPutMetrics", {"TrialComponentName": "t", "MetricData": [
        {"MetricName": "m", "Timestamp": 1, "Value": 1.0}]}),
    "sagemaker-runtime": ("InvokeEndpoint", {"EndpointName": "e", "Body": b"x"}),
    "sagemaker-featurestore-runtime": ("GetRecord", {"FeatureGroupName": "f", "RecordIdentifierValueAsString": "1"}),
    "sagemaker-a2i-runtime": ("ListHumanLoops", {
        "FlowDefinitionArn": "arn:aws:sagemaker:us-east-1:123456789012:flow-definition/x"}),
    "sagemaker-edge": ("GetDeployments", {"DeviceName": "d", "DeviceFleetName": "f"}),
}


@pytest.fixture
def profile(profile_factory) -> VpcProfile:
    return profile_factory(subnets=[SUB_A])




def _into_open_training_job(endpoint_url: str, target: str = TARGET_PREFIX + "CreateTrainingJob", url=None):
    """A late before-sign handler that turns any request into an open CreateTrainingJob."""
    def handler(request, **kwargs):
        request.method = "POST"
        request.url = url or endpoint_url + "/"
        if target is not None:
            request.headers["X-Amz-Target"] = target
        request.headers["Content-Type"] = "application/x-amz-json-1.1"
        request.data = json.dumps(training_job("escaped", EnableNetworkIsolation=False)).encode()
    return handler


@pytest.mark.parametrize("service", sorted(SIGNS_AS_SAGEMAKER))
def test_a_client_of_another_service_rewritten_into_a_sagemaker_call_is_refused(
        safemaker_local, safemaker_session, profile, service):
    g = safemaker.install_process(profile)
    client = safemaker_session.client(service)
    assert client.meta.service_model.signing_name == "sagemaker"   # the case: it signs as SageMaker
    client.meta.events.register("before-sign", _into_open_training_job(safemaker_local.endpoint_url))
    operation, params = SIGNS_AS_SAGEMAKER[service]
    with pytest.raises(GuardrailViolation) as exc:
        getattr(client, botocore.xform_name(operation))(**params)
    (v,) = exc.value.violations
    assert (v.operation, v.path, v.found, v.rule_id) == (
        "CreateTrainingJob", "request", "not decided by a guard", process.FINAL_REQUEST_RULE_ID)
    assert [(d.operation, d.outcome) for d in g.decisions] == [("CreateTrainingJob", "refused")]
    assert safemaker_local.request_count() == 0


@pytest.mark.parametrize("target", [TARGET_PREFIX.lower() + "CreateTrainingJob",
                                    TARGET_PREFIX.upper() + "CreateTrainingJob",
                                    " " + TARGET_PREFIX + "CreateTrainingJob"])
def test_the_target_header_is_read_case_insensitively(safemaker_local, safemaker_session, profile, target):
    safemaker.install_process(profile)
    client = safemaker_session.client("sagemaker-runtime")
    client.meta.events.register("before-sign", _into_open_training_job(safemaker_local.endpoint_url, target))
    with pytest.raises(GuardrailViolation):
        client.invoke_endpoint(EndpointName="e", Body=b"x")
    assert safemaker_local.request_count() == 0


API_HOSTS = [f"{API_PREFIX}.us-east-1.amazonaws.com", f"{API_PREFIX.upper()}.us-east-1.amazonaws.com.:443",
             f"{API_PREFIX}.cn-north-1.amazonaws.com.cn", f"{API_PREFIX}.us-east-1.api.aws",
             f"vpce-0123456789abcdef0-abcdefgh.{API_PREFIX}.us-east-1.vpce.amazonaws.com"]


@pytest.mark.parametrize("host", API_HOSTS)
def test_a_request_sent_to_the_sagemaker_api_host_without_a_decision_is_refused(profile, host):
    """No X-Amz-Target at all, but the URL's host is SageMaker's API: refused before any connection is made.

    A plain client (not the local backend's session, whose own check would stop a foreign URL first);
    were it not refused, the tests' offline guard would block the connection with another error.
    """
    safemaker.install_process(profile)
    client = botocore.session.get_session().create_client("sagemaker-runtime", region_name="us-east-1")
    client.meta.events.register("before-sign", _into_open_training_job("", target=None, url=f"https://{host}/"))
    with pytest.raises(GuardrailViolation) as exc:
        client.invoke_endpoint(EndpointName="e", Body=b"x")
    assert exc.value.violations[0].found == "not decided by a guard"


@pytest.mark.parametrize("host", API_HOSTS[:2])
def test_a_host_header_naming_the_sagemaker_api_without_a_decision_is_refused(safemaker_local, safemaker_session,
                                                                             profile, host):
    safemaker.install_process(profile)
    client = safemaker_session.client("sagemaker-runtime")
    rewrite = _into_open_training_job(safemaker_local.endpoint_url, target=None)

    def handler(request, **kwargs):
        rewrite(request)
        request.headers["Host"] = host

    client.meta.events.register("before-sign", handler)
    with pytest.raises(GuardrailViolation):
        client.invoke_endpoint(EndpointName="e", Body=b"x")
    assert safemaker_local.request_count() == 0


def test_other_services_and_their_own_hosts_pass(safemaker_local, safemaker_session, profile):
    safemaker.install_process(profile)
    assert safemaker_session.client("sts").get_caller_identity()["Account"]
    s3 = safemaker_session.client("s3")
    s3.create_bucket(Bucket="sagemaker-bucket")           # "sagemaker" in the URL, not the API host
    s3.put_object(Bucket="sagemaker-bucket", Key="a%20b/sagemaker", Body=b"x")
    assert safemaker_local.request_count("s3") == 2


@pytest.mark.parametrize("tail", ['"EnableNetworkIsolation": false, "EnableNetworkIsolation": true',
                                  '"EnableNetworkIsolation": true, "EnableNetworkIsolation": false'])
def test_a_final_body_with_a_duplicate_key_is_refused(safemaker_local, safemaker_session, profile, tail):
    safemaker.install_process(profile)
    sm = safemaker_session.client("sagemaker")

    def duplicate(request, **kwargs):
        body = json.loads(request.body)
        del body["EnableNetworkIsolation"]
        request.data = (json.dumps(body)[:-1] + ", " + tail + "}").encode()

    sm.meta.events.register("before-sign.sagemaker.CreateTrainingJob", duplicate)
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_training_job(**training_job("dup"))
    (v,) = exc.value.violations
    assert v.path == "body" and "EnableNetworkIsolation" in str(v.found)
    assert safemaker_local.request_count() == 0


def test_a_warn_guard_does_not_switch_off_an_enforcing_process_guard(safemaker_local, safemaker_session, profile):
    pg = safemaker.install_process(profile)
    warn = hooks.install(safemaker_session, profile, mode="warn")
    sm = safemaker_session.client("sagemaker")
    with pytest.raises(GuardrailViolation):
        sm.create_training_job(**training_job("warned", EnableNetworkIsolation=False))
    assert [(d.operation, d.outcome) for d in pg.decisions] == [("CreateTrainingJob", "refused")]
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0
    # a closed request passes both and is sent as the process guard approved it (its injected values)
    sm.create_training_job(**training_job("closed"))
    stored = sm.describe_training_job(TrainingJobName="closed")
    assert (stored["EnableNetworkIsolation"], stored["VpcConfig"]) == (
        True, {"Subnets": [SUB_A], "SecurityGroupIds": [SG]})
    assert [d.operation for d in warn.decisions] == ["CreateTrainingJob"]


def test_a_warn_client_guard_under_an_enforcing_process_guard_cannot_open_a_late_rewrite(
        safemaker_local, safemaker_session, profile):
    safemaker.install_process(profile)
    sm = safemaker_session.client("sagemaker")
    hooks.install(sm, profile, mode="warn")

    def reopen(request, **kwargs):
        body = json.loads(request.body)
        body["EnableNetworkIsolation"] = False
        request.data = json.dumps(body).encode()

    sm.meta.events.register("before-sign.sagemaker.CreateTrainingJob", reopen)
    with pytest.raises(GuardrailViolation):
        sm.create_training_job(**training_job("late"))
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0


def test_a_warn_guard_under_a_warn_process_guard_sends(safemaker_local, safemaker_session, profile):
    pg = safemaker.install_process(profile, mode="warn")
    warn = hooks.install(safemaker_session, profile, mode="warn")
    sm = safemaker_session.client("sagemaker")
    sm.create_training_job(**training_job("warned", EnableNetworkIsolation=False))
    assert [d.outcome for d in warn.decisions] == ["warned"] and list(pg.decisions) == []
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 1


def test_the_operation_swap_message_compares_the_header_values(safemaker_local, safemaker_session, profile):
    safemaker.install_process(profile)
    sm = safemaker_session.client("sagemaker")
    sm.meta.events.register("before-sign.sagemaker.ListModels",
                            _into_open_training_job(safemaker_local.endpoint_url))
    with pytest.raises(GuardrailViolation) as exc:
        sm.list_models()
    (v,) = exc.value.violations
    assert (v.path, v.found) == ("X-Amz-Target", TARGET_PREFIX + "CreateTrainingJob")
    assert v.required.startswith(TARGET_PREFIX + "ListModels")
    assert safemaker_local.request_count() == 0
