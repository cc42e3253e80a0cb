"""The send check reads an operation however its name is cased (issue 13, gap 2).

RFC 9110 section 5.1: "Field names are case-insensitive". botocore's ``HeadersDict`` folds names, but a handler may
put a plain ``dict`` in its place, where ``X-Amz-Target`` and ``x-amz-target`` are different keys that
``http.client`` sends each. Whether an AWS front end folds the case of an ``X-Amz-Target`` value (``targetPrefix``
``.`` operation), a query ``Action`` or a Smithy RPC v2 CBOR ``/operation/<Name>`` path is not documented: a
request built around the client (trial 17 F01) that spells a decided operation in another case is refused as that
operation (fail closed), and one the guard approved whose target a later handler re-cases is refused as changed.

Oracle: botocore's service models (``targetPrefix``, protocols, operation names) and serializers (the request as a
client writes it, then re-cased); moto on 127.0.0.1 counts what was received.
"""

from __future__ import annotations

import botocore.session
import pytest
from botocore.config import Config

import safemaker
from safemaker.errors import GuardrailViolation

from _profiles import VPC_CONFIG, training_job_request
from test_process_guard_around_carriers import SERVICES, _filled

_BOTOCORE = botocore.session.get_session()
RAW = Config(retries={"total_max_attempts": 1}, parameter_validation=False, inject_host_prefix=False)


def _request(client, operation):
    model = client.meta.service_model.operation_model(operation)
    params = _filled(model.input_shape) if model.input_shape is not None else {}
    context = {"client_config": client.meta.config, "client_region": client.meta.region_name}
    return model, client._convert_to_request_dict(params, model, client.meta.endpoint_url, context=context,
                                                  headers={})


def _send(client, model, request):
    try:
        client._endpoint.make_request(model, request)
    except GuardrailViolation:
        return "refused"
    except Exception:   # noqa: BLE001 - moto's answer to a request it does not read as botocore wrote it: sent
        pass
    return "sent"


def _plain_lowercase_headers(request, **kwargs):
    """A ``before-send`` handler: the headers as a plain ``dict`` with every name lower-cased."""
    request.headers = {k.lower(): v for k, v in request.headers.items()}


def _protocol(client):
    """The protocol the client writes (botocore picks one of the model's ``protocols``)."""
    model = client.meta.service_model
    return getattr(model, "resolved_protocol", None) or model.protocol


def _respell(value, how):
    return {"lower": value.lower(), "upper": value.upper(), "spaced": f" {value} ",
            "prefix-lower": value.split(".")[0].lower() + "." + value.split(".", 1)[1]}[how]


@pytest.mark.parametrize("how", ["lower", "upper", "spaced", "prefix-lower", "plain-dict-name"])
def test_a_decided_json_target_in_another_case_built_around_the_client_is_refused(
        safemaker_local, safemaker_session, profile, how):
    clients = {s: safemaker_session.client(s, config=RAW) for s in SERVICES}
    clients = {s: c for s, c in clients.items()
               if _protocol(c) == "json" and c.meta.service_model.metadata.get("targetPrefix")}
    # botocore's carriers written with an X-Amz-Target (stepfunctions, ssm, events, codepipeline, ...)
    assert {"stepfunctions", "ssm", "events"} <= set(clients)
    targeted = sorted((s, op) for s in clients for op in SERVICES[s])
    if how == "plain-dict-name":
        for client in clients.values():
            client.meta.events.register_last("before-send", _plain_lowercase_headers)
    safemaker.install_process(profile)
    try:
        before = safemaker_local.request_count()
        outcomes = {}
        for service, operation in targeted:
            model, request = _request(clients[service], operation)
            target = request["headers"]["X-Amz-Target"]
            assert target == f"{_BOTOCORE.get_service_model(service).metadata['targetPrefix']}.{operation}"
            if how != "plain-dict-name":
                request["headers"]["X-Amz-Target"] = _respell(target, how)
            outcomes[(service, operation)] = _send(clients[service], model, request)
        assert outcomes == dict.fromkeys(targeted, "refused")
        assert safemaker_local.request_count() == before
        # the control: an operation the guard does not decide, re-cased the same way, goes
        sfn = clients["stepfunctions"]
        model, request = _request(sfn, "ListStateMachines")
        if how != "plain-dict-name":
            request["headers"]["X-Amz-Target"] = _respell(request["headers"]["X-Amz-Target"], how)
        assert _send(sfn, model, request) == "sent"
        assert safemaker_local.request_count() == before + 1
    finally:
        safemaker.uninstall_process()


@pytest.mark.parametrize("body, refused", [
    (b"Action=createstack&Version=2010-05-15&StackName=s", True),
    (b"Action=CREATESTACK&Version=2010-05-15&StackName=s", True),
    (b"action=CreateStack&Version=2010-05-15&StackName=s", True),
    (b"Action=+CreateStack+&Version=2010-05-15&StackName=s", True),
    (b"Action=describestacks&Version=2010-05-15", False),
])
def test_a_query_action_in_another_case_is_refused(safemaker_local, safemaker_session, profile, body, refused):
    cfn = safemaker_session.client("cloudformation", config=RAW)
    model, request = _request(cfn, "CreateStack")
    assert cfn.meta.service_model.protocol == "query"
    request["body"] = body
    safemaker.install_process(profile)
    try:
        assert _send(cfn, model, request) == ("refused" if refused else "sent")
        assert safemaker_local.request_count() == (0 if refused else 1)
    finally:
        safemaker.uninstall_process()


def test_a_cbor_operation_path_in_another_case_is_refused(safemaker_local, safemaker_session, profile):
    clients = {s: safemaker_session.client(s, config=RAW) for s in SERVICES}
    clients = {s: c for s, c in clients.items() if _protocol(c) == "smithy-rpc-v2-cbor"}
    cbor = sorted((s, op) for s in clients for op in SERVICES[s])
    assert cbor   # botocore's carriers written in Smithy RPC v2 CBOR (eventbridgev2)
    safemaker.install_process(profile)
    try:
        outcomes = {}
        for service, operation in cbor:
            model, request = _request(clients[service], operation)
            assert request["url"].endswith(f"/operation/{operation}")
            request["url"] = request["url"][: -len(operation)] + operation.lower()
            outcomes[(service, operation)] = _send(clients[service], model, request)
        assert outcomes == dict.fromkeys(cbor, "refused")
        assert safemaker_local.request_count() == 0
    finally:
        safemaker.uninstall_process()


CLOSED_TRAINING = training_job_request("closed", VpcConfig=VPC_CONFIG, EnableNetworkIsolation=True,
                                       EnableInterContainerTrafficEncryption=True)


def test_an_approved_sagemaker_request_whose_header_names_a_handler_lowercases_is_sent(
        safemaker_local, safemaker_session, profile):
    safemaker.install_process(profile)
    sm = safemaker_session.client("sagemaker")
    sm.meta.events.register_last("before-send", _plain_lowercase_headers)
    sm.create_training_job(**CLOSED_TRAINING)
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 1


@pytest.mark.parametrize("rewrite", [
    lambda h: {**h, "X-Amz-Target": h["X-Amz-Target"].lower()},
    lambda h: {**{k: v for k, v in h.items()}, "x-amz-target": "SageMaker.CreateDomain"},
    lambda h: {**{k: v for k, v in h.items() if k != "X-Amz-Target"}, " x-amz-target ": "SageMaker.CreateDomain"},
], ids=["value-lowercased", "second-name-in-another-case", "name-with-spaces"])
def test_an_approved_sagemaker_request_whose_target_a_handler_respells_is_refused(
        safemaker_local, safemaker_session, profile, rewrite):
    def respell(request, **kwargs):
        request.headers = rewrite(dict(request.headers.items()))

    safemaker.install_process(profile)
    sm = safemaker_session.client("sagemaker")
    sm.meta.events.register_last("before-send", respell)
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_training_job(**CLOSED_TRAINING)
    assert exc.value.violations[0].path == "X-Amz-Target"
    assert safemaker_local.request_count() == 0
