"""The process-wide guard against the local backend (moto on 127.0.0.1) over real HTTP.

Every SageMaker client of the process is guarded (made before or after, any
session, any thread), the request approved is the request sent, and the
backend's request count proves nothing open arrived. Expected field values
are the profile's own (the values the guard must put in) and botocore's
service model (operation names, the X-Amz-Target header of the JSON protocol).
"""

from __future__ import annotations

import json
import threading
import time

import boto3
import botocore.session
import pytest
from botocore.awsrequest import AWSPreparedRequest
from botocore.client import BaseClient
from botocore.endpoint import Endpoint

import safemaker
from safemaker import hooks, process
from safemaker.errors import GuardrailViolation

from _profiles import IMG, ROLE, SG, SUB_A, SUB_OUT as FOREIGN_SUBNET, VPC_CONFIG as CLOSED_VPC
from _profiles import training_job_request as training_job


# botocore's own make_api_call / _send, captured before any test patches them
BOTOCORE_MAKE_API_CALL = BaseClient.__dict__["_make_api_call"]
BOTOCORE_SEND = Endpoint.__dict__["_send"]


@pytest.fixture
def default_endpoint(safemaker_local, monkeypatch):
    """Clients made with no endpoint argument (boto3.client, botocore sessions) reach the local backend."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", safemaker_local.endpoint_url)
    return safemaker_local.endpoint_url




def assert_closed(sm, name: str) -> None:
    stored = sm.describe_training_job(TrainingJobName=name)
    assert (stored["EnableNetworkIsolation"], stored["EnableInterContainerTrafficEncryption"],
            stored["VpcConfig"]) == (True, True, CLOSED_VPC)


# --------------------------------------------------------------------------- every client


def test_raw_boto3_clients_made_before_and_after_install_are_guarded(safemaker_local, default_endpoint, profile):
    before = boto3.client("sagemaker")
    g = safemaker.install_process(profile)
    after = boto3.client("sagemaker")
    for i, sm in enumerate((before, after)):
        with pytest.raises(GuardrailViolation) as exc:
            sm.create_training_job(**training_job(f"open-{i}", EnableNetworkIsolation=False))
        assert [(v.path, v.found) for v in exc.value.violations] == [("EnableNetworkIsolation", False)]
        sm.create_training_job(**training_job(f"filled-{i}"))
        assert_closed(sm, f"filled-{i}")
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 2
    assert [d.outcome for d in g.decisions if d.operation == "CreateTrainingJob"] == [
        "refused", "injected", "refused", "injected"]


def test_clients_of_any_session_are_guarded(safemaker_local, safemaker_session, default_endpoint, profile):
    safemaker.install_process(profile)
    clients = [
        safemaker_session.client("sagemaker"),
        boto3.session.Session().client("sagemaker"),
        botocore.session.get_session().create_client("sagemaker"),
    ]
    for i, sm in enumerate(clients):
        with pytest.raises(GuardrailViolation):
            sm.create_training_job(**training_job(f"open-{i}", VpcConfig={"Subnets": [FOREIGN_SUBNET],
                                                                          "SecurityGroupIds": [SG]}))
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0


def test_referenced_resources_are_described_by_the_process_guard(safemaker_local, safemaker_session, profile):
    sm = safemaker_session.client("sagemaker")
    sm.create_model(ModelName="open-model", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMG})  # before
    safemaker.install_process(profile)
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_endpoint_config(EndpointConfigName="ec", ProductionVariants=[
            {"VariantName": "v", "ModelName": "open-model", "InstanceType": "ml.m5.large",
             "InitialInstanceCount": 1}])
    assert ("ProductionVariants[0].ModelName -> DescribeModel(ModelName='open-model').EnableNetworkIsolation"
            in [v.path for v in exc.value.violations])
    assert safemaker_local.request_count("sagemaker", "DescribeModel") == 1
    assert safemaker_local.request_count("sagemaker", "CreateEndpointConfig") == 0


def test_other_services_pass_untouched(safemaker_local, safemaker_session, profile):
    g = safemaker.install_process(profile)
    s3 = safemaker_session.client("s3")
    s3.create_bucket(Bucket="guard-test-bucket")
    s3.put_object(Bucket="guard-test-bucket", Key="k", Body=b"x")
    assert s3.get_object(Bucket="guard-test-bucket", Key="k")["Body"].read() == b"x"
    assert len(g.decisions) == 0
    assert safemaker_local.request_count("s3", "PutObject") == 1


def test_threads_each_with_their_own_client(safemaker_local, safemaker_session, profile):
    g = safemaker.install_process(profile)
    refused, errors = [], []

    def work(i: int) -> None:
        try:
            sm = safemaker_session.client("sagemaker")
            sm.create_training_job(**training_job(f"closed-{i}"))
            try:
                sm.create_training_job(**training_job(f"open-{i}", EnableNetworkIsolation=False))
            except GuardrailViolation:
                refused.append(i)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and sorted(refused) == list(range(8))
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 8
    sm = safemaker_session.client("sagemaker")
    for i in range(8):
        assert_closed(sm, f"closed-{i}")
    assert sum(d.outcome == "refused" for d in g.decisions) == 8


# --------------------------------------------------------------------------- precedence, install, uninstall


def test_client_and_session_guards_win_over_the_process_guard(safemaker_local, safemaker_session, profile):
    relaxed = profile.model_copy(update={"require_network_isolation": False})
    pg = safemaker.install_process(profile)
    own = safemaker_session.client("sagemaker")
    cg = hooks.install(own, relaxed)                     # client guard: the relaxed profile decides
    own.create_training_job(**training_job("client-guard", EnableNetworkIsolation=False))
    session = boto3.session.Session(region_name="us-east-1", aws_access_key_id="testing",
                                    aws_secret_access_key="testing")
    sg = hooks.install(session, relaxed)                 # session guard: its clients, the relaxed profile
    from_session = session.client("sagemaker", endpoint_url=safemaker_local.endpoint_url)
    from_session.create_training_job(**training_job("session-guard", EnableNetworkIsolation=False))
    plain = safemaker_session.client("sagemaker")        # no guard of its own: the process guard
    with pytest.raises(GuardrailViolation):
        plain.create_training_job(**training_job("process-guard", EnableNetworkIsolation=False))
    assert [d.operation for d in cg.decisions] == ["CreateTrainingJob"]
    assert [d.operation for d in sg.decisions] == ["CreateTrainingJob"]
    assert [(d.operation, d.outcome) for d in pg.decisions] == [("CreateTrainingJob", "refused")]
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 2


def test_install_is_idempotent_and_uninstall_gives_botocore_its_methods_back(safemaker_local, safemaker_session,
                                                                              profile):
    g1 = safemaker.install_process(profile)
    assert safemaker.install_process(profile) is g1 and safemaker.process_guard() is g1
    assert BaseClient.__dict__["_make_api_call"].__wrapped__ is BOTOCORE_MAKE_API_CALL
    assert Endpoint.__dict__["_send"].__wrapped__ is BOTOCORE_SEND
    relaxed = profile.model_copy(update={"require_network_isolation": False})
    g2 = safemaker.install_process(relaxed)
    assert g2 is not g1 and safemaker.process_guard() is g2
    sm = safemaker_session.client("sagemaker")
    sm.create_training_job(**training_job("relaxed", EnableNetworkIsolation=False))  # g2 decides: allowed
    assert len(g1.decisions) == 0 and [d.outcome for d in g2.decisions] == ["injected"]
    assert safemaker.uninstall_process() is True and safemaker.uninstall_process() is False
    assert safemaker.process_guard() is None
    assert BaseClient.__dict__["_make_api_call"] is BOTOCORE_MAKE_API_CALL
    assert Endpoint.__dict__["_send"] is BOTOCORE_SEND
    sm.create_training_job(**training_job("unguarded", EnableNetworkIsolation=False))  # off: sent as written
    assert sm.describe_training_job(TrainingJobName="unguarded")["EnableNetworkIsolation"] is False
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 2


def test_uninstall_keeps_a_wrapper_put_on_top_by_another_library(safemaker_local, safemaker_session, profile):
    safemaker.install_process(profile)
    ours = BaseClient.__dict__["_make_api_call"]
    seen = []

    def instrumented(self, operation_name, api_params):  # what an instrumentation wraps on top
        seen.append(operation_name)
        return ours(self, operation_name, api_params)

    instrumented.__wrapped__ = ours  # as wrapt's wrappers (OpenTelemetry, X-Ray) expose it
    BaseClient._make_api_call = instrumented
    try:
        assert safemaker.uninstall_process() is True
        assert BaseClient.__dict__["_make_api_call"] is instrumented  # not lost
        sm = safemaker_session.client("sagemaker")
        sm.create_training_job(**training_job("open", EnableNetworkIsolation=False))  # ours inactive
        assert seen == ["CreateTrainingJob"]
        g = safemaker.install_process(profile)  # ours, still in the chain, becomes active again
        with pytest.raises(GuardrailViolation):
            sm.create_training_job(**training_job("open-2", EnableNetworkIsolation=False))
        assert [d.outcome for d in g.decisions] == ["refused"]
        assert BaseClient.__dict__["_make_api_call"] is instrumented
    finally:
        BaseClient._make_api_call = ours
        safemaker.uninstall_process()
    assert BaseClient.__dict__["_make_api_call"] is BOTOCORE_MAKE_API_CALL
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 1


def test_closed_entry_points_keep_the_first_process_guard(profile):
    relaxed = profile.model_copy(update={"require_network_isolation": False})
    first = process.claim_process(profile, by="first closed session")
    assert process.claim_process(relaxed, by="second closed session") is first
    assert process.process_guard_owner() == "first closed session"
    explicit = safemaker.install_process(relaxed)  # the explicit call replaces it
    assert explicit is not first and process.process_guard_owner() == "install_process"


def test_warn_mode_sends_unchanged_and_records(safemaker_local, safemaker_session, profile):
    g = safemaker.install_process(profile, mode="warn")
    sm = safemaker_session.client("sagemaker")
    sm.create_training_job(**training_job("open", EnableNetworkIsolation=False))
    assert sm.describe_training_job(TrainingJobName="open")["EnableNetworkIsolation"] is False
    assert [d.outcome for d in g.decisions if d.operation == "CreateTrainingJob"] == ["warned"]


# --------------------------------------------------------------------------- the request approved is the request sent


def test_caller_changing_its_structures_after_approval_changes_nothing_sent(safemaker_local, safemaker_session,
                                                                          profile):
    """A handler after the guard stands in for another thread that changes the caller's dicts at that moment."""
    safemaker.install_process(profile)
    sm = safemaker_session.client("sagemaker")
    req = training_job("job", VpcConfig={"Subnets": [SUB_A], "SecurityGroupIds": [SG]})

    def caller_mutates(**kwargs):
        req["VpcConfig"]["Subnets"].append(FOREIGN_SUBNET)
        req["VpcConfig"]["SecurityGroupIds"] = ["sg-0fffffffffffffff0"]
        req["EnableNetworkIsolation"] = False

    sm.meta.events.register("before-parameter-build.sagemaker.CreateTrainingJob", caller_mutates)
    sm.create_training_job(**req)
    assert req["VpcConfig"]["Subnets"] == [SUB_A, FOREIGN_SUBNET]  # the caller's copy did change
    stored = sm.describe_training_job(TrainingJobName="job")
    assert (stored["VpcConfig"], stored["EnableNetworkIsolation"]) == ({"Subnets": [SUB_A], "SecurityGroupIds": [SG]},
                                                                      True)


def test_race_mutating_the_callers_request_from_another_thread_leaks_nothing(safemaker_local, safemaker_session,
                                                                            profile):
    safemaker.install_process(profile)
    sm = safemaker_session.client("sagemaker")
    req = training_job("x", VpcConfig={"Subnets": [SUB_A], "SecurityGroupIds": [SG]})
    stop = threading.Event()

    def mutate() -> None:
        subnets = req["VpcConfig"]["Subnets"]
        while not stop.is_set():
            subnets.append(FOREIGN_SUBNET)   # open ...
            subnets.pop()                    # ... closed again
            req["VpcConfig"]["SecurityGroupIds"] = ["sg-0fffffffffffffff0"]
            req["VpcConfig"]["SecurityGroupIds"] = [SG]

    mutator = threading.Thread(target=mutate)
    mutator.start()
    sent, refused = [], 0
    try:
        # 150 attempts or 4 s, whichever comes first, and on until one was sent (up to 60 s): on a busy machine the
        # mutator can get most of every attempt, and all of them refused would prove nothing about what leaks.
        start = time.monotonic()
        i = 0
        while time.monotonic() - start < 60 and ((i < 150 and time.monotonic() - start < 4.0) or not sent):
            req["TrainingJobName"] = f"race-{i}"
            try:
                sm.create_training_job(**req)
                sent.append(f"race-{i}")
            except GuardrailViolation:
                refused += 1     # the copy the guard took was open: refused, fine
            except RuntimeError:
                refused += 1     # deepcopy saw the list change size: nothing sent
            i += 1
    finally:
        stop.set()
        mutator.join(10)
    assert sent, "no request went out at all"
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == len(sent)
    leaks = [n for n in sent if sm.describe_training_job(TrainingJobName=n)["VpcConfig"]
             != {"Subnets": [SUB_A], "SecurityGroupIds": [SG]}]
    assert leaks == []


def _body_rewriter(change):
    """A handler that rewrites the JSON body of the request it is given (request_dict or AWSRequest)."""
    def handler(**kwargs):
        target = kwargs.get("request") or kwargs.get("params")
        if isinstance(target, dict):      # before-call: the request dict
            body = json.loads(target["body"])
            change(body)
            target["body"] = json.dumps(body).encode()
        else:                             # request-created (AWSRequest.data), before-send (prepared .body)
            attr = "body" if isinstance(target, AWSPreparedRequest) else "data"
            body = json.loads(getattr(target, attr))
            change(body)
            setattr(target, attr, json.dumps(body).encode())
    return handler


def _open(body: dict) -> None:
    body["EnableNetworkIsolation"] = False


@pytest.mark.parametrize("event, handler", [
    ("before-parameter-build", lambda params, **kw: params.__setitem__("EnableNetworkIsolation", False)),
    ("before-call", _body_rewriter(_open)),
    ("request-created", _body_rewriter(_open)),
    ("before-send", _body_rewriter(_open)),
])
def test_a_late_handler_that_opens_an_approved_request_is_refused(safemaker_local, safemaker_session, profile,
                                                                  event, handler):
    g = safemaker.install_process(profile)
    sm = safemaker_session.client("sagemaker")
    sm.meta.events.register(f"{event}.sagemaker.CreateTrainingJob", handler)
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_training_job(**training_job("job"))
    (v,) = exc.value.violations
    assert (v.path, v.found, v.required) == ("EnableNetworkIsolation", False, True)
    assert "changed after the guard approved it" in v.fix
    assert [d.outcome for d in g.decisions] == ["injected", "refused"]
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0


def test_a_late_handler_on_a_client_guard_is_refused_too(safemaker_local, safemaker_session, profile):
    sm = safemaker_session.client("sagemaker")
    hooks.install(sm, profile)  # client guard only, no process guard
    assert safemaker.process_guard() is None
    sm.meta.events.register("before-send.sagemaker.CreateTrainingJob",
                            _body_rewriter(lambda b: b["VpcConfig"].update(Subnets=[FOREIGN_SUBNET])))
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_training_job(**training_job("job"))
    assert [(v.path, v.found) for v in exc.value.violations] == [("VpcConfig.Subnets[0]", FOREIGN_SUBNET)]
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0


def test_an_earlier_provide_client_params_answer_cannot_replace_the_approved_request(
        safemaker_local, safemaker_session, profile):
    """botocore sends the first non-None answer of provide-client-params; one that is open is refused at send."""
    sm = safemaker_session.client("sagemaker")
    hooks.install(sm, profile)
    sm.meta.events.register_first("provide-client-params.sagemaker.CreateTrainingJob",
                                  lambda params, **kw: {**params, "EnableNetworkIsolation": False})
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_training_job(**training_job("job"))
    # the earlier answer is the caller's request as written plus its change: nothing injected
    assert sorted(v.path for v in exc.value.violations) == [
        "EnableInterContainerTrafficEncryption", "EnableNetworkIsolation", "VpcConfig"]
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0


def test_a_late_handler_that_changes_the_operation_is_refused(safemaker_local, safemaker_session, profile):
    safemaker.install_process(profile)
    sm = safemaker_session.client("sagemaker")

    def retarget(request, **kwargs):
        request.headers["X-Amz-Target"] = "SageMaker.CreateNotebookInstance"

    sm.meta.events.register("before-send.sagemaker.ListTrainingJobs", retarget)
    with pytest.raises(GuardrailViolation) as exc:
        sm.list_training_jobs()
    (v,) = exc.value.violations
    assert (v.path, v.found, v.rule_id) == ("X-Amz-Target", "SageMaker.CreateNotebookInstance",
                                         process.FINAL_REQUEST_RULE_ID)
    assert safemaker_local.request_count("sagemaker") == 0


def test_a_late_handler_that_opens_nothing_is_let_through(safemaker_local, safemaker_session, profile):
    safemaker.install_process(profile)
    sm = safemaker_session.client("sagemaker")
    sm.meta.events.register("before-call.sagemaker.CreateTrainingJob",
                            _body_rewriter(lambda b: b["ResourceConfig"].update(InstanceType="ml.m5.xlarge")))
    sm.create_training_job(**training_job("job"))
    stored = sm.describe_training_job(TrainingJobName="job")
    assert stored["ResourceConfig"]["InstanceType"] == "ml.m5.xlarge"
    assert_closed(sm, "job")


def test_a_request_that_no_guard_decided_is_refused_while_the_process_guard_is_on(safemaker_local,
                                                                                  safemaker_session, profile):
    safemaker.install_process(profile)
    sm = safemaker_session.client("sagemaker")
    model = sm.meta.service_model.operation_model("CreateTrainingJob")
    request_dict = sm._convert_to_request_dict(
        training_job("bypass", EnableNetworkIsolation=False), model, sm.meta.endpoint_url,
        context={}, headers={})
    with pytest.raises(GuardrailViolation) as exc:
        sm._endpoint.make_request(model, request_dict)   # around _make_api_call: never decided
    assert exc.value.violations[0].found == "not decided by a guard"
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0
