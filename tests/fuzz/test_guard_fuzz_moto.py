"""A sample of the fuzz cases through a guarded client, over real HTTP to the local backend.

For every operation of the rule table: a guarded boto3 client (the guard
installed on the local backend's session) sends drawn requests to moto on
127.0.0.1. Asserted on what reached the wire:

- a request the oracle refuses raises ``GuardrailViolation`` and nothing of
  that operation reaches the server (the backend's request log, and
  botocore's ``before-send`` event, see nothing);
- a request naming resources that do not exist is refused as unverifiable
  (``SM-REFERENCE``), after only the Describe calls;
- a compliant request reaches the server once, and its JSON body is exactly
  the oracle's request (the input plus the injected fields), serialized by
  botocore. Operations moto does not implement answer with an error; the body
  sent is what is asserted.
"""

from __future__ import annotations

import json
import os

import pytest
from botocore import serialize, xform_name
from botocore.config import Config
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safemaker import hooks
from safemaker.errors import GuardrailViolation
from safemaker.rules import RULES

from . import table_oracle as oracle
from .strategies import FUZZ_PROFILES, requests_for

TOTAL = int(os.environ.get("SAFEMAKER_DEV_FUZZ_EXAMPLES", "0") or 0)
SAMPLE = 20 if TOTAL else 3
OPERATIONS = sorted(RULES)
SERIALIZER = serialize.create_serializer("json", include_validation=False)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_guarded_client_sends_exactly_what_the_oracle_expects(operation, safemaker_local, safemaker_session):
    profiles = sorted(FUZZ_PROFILES)
    sent: list[bytes] = []
    clients = {}
    for name in profiles:
        client = safemaker_session.client("sagemaker", config=Config(retries={"total_max_attempts": 1}))
        hooks.install(client, FUZZ_PROFILES[name])
        client.meta.events.register(f"before-send.sagemaker.{operation}",
                                    lambda request, **kwargs: sent.append(request.body))
        clients[name] = client
    op_model = clients[profiles[0]].meta.service_model.operation_model(operation)

    @settings(max_examples=SAMPLE, deadline=None, database=None, derandomize=not TOTAL,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(data=st.data())
    def run(data):
        name = data.draw(st.sampled_from(profiles), label="profile")
        profile, client = FUZZ_PROFILES[name], clients[name]
        request = data.draw(requests_for(operation, profile), label="request")
        expected = oracle.evaluate(operation, request, profile)
        safemaker_local.reset_requests()
        sent.clear()
        refused = None
        try:
            getattr(client, xform_name(operation))(**request)
        except GuardrailViolation as exc:
            refused = exc
        except ClientError:
            pass  # moto answered (an operation it lacks, or a name it rejects): the request was sent
        if not expected.compliant or expected.references:
            assert refused is not None, f"escape: {request}"
            assert sent == []
            assert safemaker_local.request_count("sagemaker", operation) == 0
            if expected.compliant:
                assert {v.rule_id for v in refused.violations} == {"SM-REFERENCE"}
                assert [v.path for v in refused.violations] == [p for p, _, _ in expected.references]
            return
        assert refused is None, f"false refusal: {refused}"
        assert len(sent) == 1
        assert safemaker_local.request_count("sagemaker", operation) == 1
        wire = json.loads(sent[0])
        want = dict(expected.request)
        for member, shape in op_model.input_shape.members.items():
            # botocore fills an absent idempotency token itself (a fresh UUID): take the one it sent
            if shape.metadata.get("idempotencyToken") and member not in want and member in wire:
                want[member] = wire[member]
        body = SERIALIZER.serialize_to_request(want, op_model)["body"]
        assert wire == json.loads(body)

    run()
