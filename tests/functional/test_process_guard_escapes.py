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


def _sent_closed_as_the_process_guard_approved(sm) -> None:
    """A closed training job sent through ``sm`` is stored with the process profile's injected values."""
    sm.create_training_job(**training_job("closed"))
    stored = sm.describe_training_job(TrainingJobName="closed")
    assert (stored["EnableNetworkIsolation"], stored["VpcConfig"]) == (
        True, {"Subnets": [SUB_A], "SecurityGroupIds": [SG]})


def test_a_warn_guard_does_not_switch_off_an_enforcing_process_guard(safemaker_local, safemaker_session, profile):
    pg = safemaker.install_process(profile)
    warn = hooks.install(safemaker_session, profile, mode="warn")
    sm = safemaker_session.client("sagemaker")
    with pytest.raises(GuardrailViolation):
        sm.create_training_job(**training_job("warned", EnableNetworkIsolation=False))
    assert [(d.operation, d.outcome) for d in pg.decisions] == [("CreateTrainingJob", "refused")]
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0
    # a closed request passes both and is sent as the process guard approved it (its injected values)
    _sent_closed_as_the_process_guard_approved(sm)
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


FOREIGN_SUBNET = "subnet-0ffffffffffffffff"   # in no profile of these tests


def _relaxed(profile):
    """What a library in the same process might install for its own clients: isolation off, its own subnet."""
    return profile.model_copy(update={"require_network_isolation": False, "subnets": [FOREIGN_SUBNET]})


@pytest.mark.parametrize("where", ["client", "session"])
def test_an_enforcing_guard_with_a_relaxed_profile_cannot_relax_an_exclusive_process_guard(
        safemaker_local, safemaker_session, profile, where):
    """A new-user trial's escape: safemaker.install(its_client, relaxed_profile) in enforce mode decided alone."""
    pg = safemaker.install_process(profile, exclusive=True)
    relaxed = _relaxed(profile)
    if where == "session":
        own = hooks.install(safemaker_session, relaxed)
        sm = safemaker_session.client("sagemaker")
    else:
        sm = safemaker_session.client("sagemaker")
        own = hooks.install(sm, relaxed)
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_training_job(**training_job("lib-open", EnableNetworkIsolation=False,
                                              VpcConfig={"Subnets": [FOREIGN_SUBNET], "SecurityGroupIds": [SG]}))
    # the profile's own fields decide (the oracle: what the request asked for against the process profile)
    assert {(v.path, repr(v.found)) for v in exc.value.violations} == {
        ("EnableNetworkIsolation", "False"), ("VpcConfig.Subnets[0]", repr(FOREIGN_SUBNET))}
    assert [(d.operation, d.outcome) for d in pg.decisions] == [("CreateTrainingJob", "refused")]
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0
    # a request both guards accept is sent as the exclusive process guard approved it
    _sent_closed_as_the_process_guard_approved(sm)
    # the process guard decides first: the open request never reached the library's guard; the closed one did
    assert [d.operation for d in own.decisions] == ["CreateTrainingJob"]


def test_a_stricter_own_guard_still_refuses_under_an_exclusive_process_guard(
        safemaker_local, safemaker_session, profile):
    """Exclusive means both decide: the client's own guard can add a refusal the process guard would not make."""
    safemaker.install_process(profile.model_copy(update={"require_network_isolation": False}), exclusive=True)
    sm = safemaker_session.client("sagemaker")
    hooks.install(sm, profile)   # requires isolation
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_training_job(**training_job("own-refuses", EnableNetworkIsolation=False))
    assert [v.path for v in exc.value.violations] == ["EnableNetworkIsolation"]
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0


def test_without_exclusive_an_enforcing_client_guard_decides_alone(safemaker_local, safemaker_session, profile):
    """The documented default (two networks in one program): the more specific enforcing guard wins."""
    safemaker.install_process(profile)
    sm = safemaker_session.client("sagemaker")
    hooks.install(sm, _relaxed(profile))
    sm.create_training_job(**training_job("other-network",
                                          VpcConfig={"Subnets": [FOREIGN_SUBNET], "SecurityGroupIds": [SG]}))
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 1


def test_an_exclusive_process_guard_cannot_be_replaced_by_another_profile(profile):
    from safemaker.errors import ProcessGuardLockedError

    g = safemaker.install_process(profile, exclusive=True)
    assert process.process_guard_exclusive()
    assert safemaker.install_process(profile, exclusive=True) is g          # the same: harmless
    with pytest.raises(ProcessGuardLockedError) as exc:
        safemaker.install_process(_relaxed(profile))
    assert "exclusive" in str(exc.value) and "Fix:" in str(exc.value)
    assert safemaker.process_guard() is g
    with pytest.raises(ProcessGuardLockedError):
        safemaker.install_process(profile, mode="warn")
    assert safemaker.process_guard() is g and safemaker.process_guard().mode == "enforce"


def test_the_same_guard_can_be_made_exclusive_afterwards(profile):
    """A closed session turned the guard on first; the program then asks for it exclusive: it becomes so."""
    g = process.claim_process(profile, by="ClosedNetworkSession")
    assert not process.process_guard_exclusive()
    assert safemaker.install_process(profile, exclusive=True) is g
    assert process.process_guard_exclusive()


def test_a_warn_process_guard_is_never_exclusive(profile):
    safemaker.install_process(profile, mode="warn", exclusive=True)
    assert not process.process_guard_exclusive()


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


@pytest.mark.parametrize(("value", "exclusive"), [("1", True), ("0", False), (None, False)])
def test_auto_reads_the_exclusive_variable(monkeypatch, tmp_path, value, exclusive):
    import importlib

    from _profiles import profile_fields

    (tmp_path / "p.json").write_text(json.dumps({"safemaker": profile_fields()}))
    monkeypatch.setenv("SAFEMAKER_PROFILE", str(tmp_path / "p.json"))
    if value is None:
        monkeypatch.delenv("SAFEMAKER_GUARD_EXCLUSIVE", raising=False)
    else:
        monkeypatch.setenv("SAFEMAKER_GUARD_EXCLUSIVE", value)
    auto = importlib.import_module("safemaker.auto")
    auto.activate()
    assert process.process_guard_exclusive() is exclusive


def test_auto_refuses_a_bad_exclusive_value_naming_it(monkeypatch, tmp_path):
    import importlib

    from _profiles import profile_fields
    from safemaker.errors import ProfileError

    (tmp_path / "p.json").write_text(json.dumps({"safemaker": profile_fields()}))
    monkeypatch.setenv("SAFEMAKER_PROFILE", str(tmp_path / "p.json"))
    monkeypatch.setenv("SAFEMAKER_GUARD_EXCLUSIVE", "yes")
    with pytest.raises(ProfileError) as exc:
        importlib.import_module("safemaker.auto").activate()
    assert "SAFEMAKER_GUARD_EXCLUSIVE" in str(exc.value) and "'yes'" in str(exc.value)
    assert safemaker.process_guard() is None
