"""A decided request of another service built around its client is refused (trial 17 F01).

The process guard decides CloudFormation's template requests and every carrier operation of
:data:`safemaker.other_services.DECIDED_OPERATIONS` in the client's ``provide-client-params`` handler.
A request built and sent without that call path (``client._endpoint.make_request(...)``, botocore's
seam under ``BaseClient._make_api_call``) never reaches the handler: the send check identifies the
operation from the request as botocore's serializer wrote it and refuses it, as it refuses a SageMaker
request that no guard decided (docs/hooks.md, coverage table: "a request built around the client").

Oracle: botocore's service models (each service's ``endpointPrefix``, protocol and operations) and its
serializers (``botocore.serialize.create_serializer``), which write the request exactly as a client
would; the operations swept are every operation of botocore's models for the services decided.
"""

from __future__ import annotations

import datetime

import botocore.session
import pytest
from botocore.config import Config

import safemaker
from safemaker.errors import GuardrailViolation
from safemaker.iac.stack_calls import DECIDED_OPERATIONS as STACK_OPERATIONS
from safemaker.other_services import DECIDED_OPERATIONS, ENDPOINT_PREFIXES

SERVICES = {**{"cloudformation": STACK_OPERATIONS}, **DECIDED_OPERATIONS}
_BOTOCORE = botocore.session.get_session()


def _filled(shape, depth: int = 0):
    """A value of ``shape`` with every required member given (what botocore's serializer needs to write it)."""
    kind = shape.type_name
    if kind == "structure":
        if depth > 6:
            return {}
        return {name: _filled(shape.members[name], depth + 1) for name in shape.required_members}
    if kind == "list":
        return []
    if kind == "map":
        return {}
    if kind in ("integer", "long"):
        return 1
    if kind in ("float", "double"):
        return 1.0
    if kind == "boolean":
        return True
    if kind == "blob":
        return b"x"
    if kind == "timestamp":
        return datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    return "x1" if not shape.enum else shape.enum[0]


def _around(client, operation: str):
    """Send ``operation`` as the client writes it (botocore's ``_convert_to_request_dict``) but around the client's
    call path (``_make_api_call``): ``refused`` by the guard, or ``sent`` (whatever the answer)."""
    model = client.meta.service_model.operation_model(operation)
    params = _filled(model.input_shape) if model.input_shape is not None else {}
    context = {"client_config": client.meta.config, "client_region": client.meta.region_name}
    request = client._convert_to_request_dict(params, model, client.meta.endpoint_url, context=context, headers={})
    try:
        client._endpoint.make_request(model, request)
    except GuardrailViolation as exc:
        assert exc.violations[0].found == "not decided by a guard"
        return "refused"
    except Exception:   # an answer moto does not give as the model says (a CBOR protocol): it was sent
        pass
    return "sent"


def test_every_decided_services_endpoint_prefix_is_botocores():
    """The send check finds a carrier by its endpoint's prefix: the table is botocore's ``endpointPrefix``."""
    for service in SERVICES:
        prefix = _BOTOCORE.get_service_model(service).endpoint_prefix
        assert service in ENDPOINT_PREFIXES.get(prefix, ()), (service, prefix)
    assert set().union(*ENDPOINT_PREFIXES.values()) == set(SERVICES)


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_a_decided_operation_built_around_the_client_is_refused(service, safemaker_local, safemaker_session,
                                                                  profile):
    # no validation (the requests carry only their required members), no host prefix (the local backend's one host)
    client = safemaker_session.client(service, config=Config(retries={"total_max_attempts": 1}, parameter_validation=False,
                                                             inject_host_prefix=False))
    decided = sorted(SERVICES[service])
    # the control: an operation the guard does not decide, built the same way, is not refused by the send check
    other = next(op for op in sorted(client.meta.service_model.operation_names)
                 if op not in SERVICES[service] and op.startswith(("List", "Describe", "Get")))
    safemaker.install_process(profile)
    try:
        before = safemaker_local.request_count()
        outcomes = {op: _around(client, op) for op in decided}
        assert outcomes == dict.fromkeys(decided, "refused")
        assert safemaker_local.request_count() == before   # nothing left the process
        assert _around(client, other) == "sent"
        assert safemaker_local.request_count() == before + 1
    finally:
        safemaker.uninstall_process()


def test_the_same_requests_through_the_client_still_go(safemaker_local, safemaker_session, profile):
    """A decided request the guard allows carries its mark to the send check (warn and enforce mode)."""
    closed = '{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}'
    role = "arn:aws:iam::123456789012:role/sfn"
    for mode in ("enforce", "warn"):
        safemaker.install_process(profile, mode=mode)
        try:
            sfn = safemaker_session.client("stepfunctions")
            sfn.create_state_machine(name=f"m-{mode}", definition=closed, roleArn=role)
            cfn = safemaker_session.client("cloudformation")
            cfn.create_stack(StackName=f"s-{mode}", TemplateBody='{"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}')
        finally:
            safemaker.uninstall_process()
    names = {m["name"] for m in safemaker_session.client("stepfunctions").list_state_machines()["stateMachines"]}
    assert names == {"m-enforce", "m-warn"}
    assert safemaker_local.request_count("cloudformation", "CreateStack") == 2


def test_a_query_protocol_request_sent_as_get_is_refused_too(safemaker_local, safemaker_session, profile):
    """AWS Query API: "Query requests are HTTP or HTTPS requests that use the HTTP verb GET or POST and a Query
    parameter named Action ... Regardless of which verb you choose, the same data is sent and received"
    (https://docs.aws.amazon.com/ec2/latest/devguide/Query-Requests.html); CloudFormation's protocol is ``query``
    (botocore's model). A ``CreateStack`` of an open notebook built as a GET is refused like the POST form
    (trial 17b F01); a GET of an operation not decided goes."""
    from urllib.parse import urlencode

    cfn = safemaker_session.client("cloudformation", config=Config(retries={"total_max_attempts": 1}))
    template = ('{"Resources": {"N": {"Type": "AWS::SageMaker::NotebookInstance", "Properties": {'
                '"InstanceType": "ml.t3.medium", "RoleArn": "arn:aws:iam::123456789012:role/r", '
                '"DirectInternetAccess": "Enabled"}}}}')

    def get(**query):
        q = urlencode({"Version": "2010-05-15", **query})
        request = {"url_path": "/?" + q, "query_string": "", "method": "GET", "headers": {}, "body": b"",
                   "url": cfn.meta.endpoint_url + "/?" + q,
                   "context": {"client_config": cfn.meta.config, "client_region": cfn.meta.region_name}}
        return cfn._endpoint.make_request(cfn.meta.service_model.operation_model(query["Action"]), request)

    safemaker.install_process(profile)
    try:
        with pytest.raises(GuardrailViolation) as exc:
            get(Action="CreateStack", StackName="s1", TemplateBody=template)
        assert (exc.value.operation, exc.value.violations[0].found) == ("CreateStack", "not decided by a guard")
        assert safemaker_local.request_count() == 0
        get(Action="DescribeStacks")
        assert safemaker_local.request_count() == 1
    finally:
        safemaker.uninstall_process()
    assert safemaker_session.client("cloudformation").describe_stacks()["Stacks"] == []
