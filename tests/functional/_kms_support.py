"""The profile with volume and output KMS keys, and a guarded SageMaker client that records what it puts on the wire,
shared by the KMS key tests (test_guard_kms_keys, test_volume_key_every_instance_type): import the fixtures."""

from __future__ import annotations

import json

import pytest

from safemaker import hooks

VOL = "arn:aws:kms:us-east-1:123456789012:key/11111111-1111-1111-1111-111111111111"
OUT = "arn:aws:kms:us-east-1:123456789012:key/22222222-2222-2222-2222-222222222222"


@pytest.fixture(scope="module")
def keyed(profile_factory):
    return profile_factory(volume_kms_key_id=VOL, output_kms_key_id=OUT)


@pytest.fixture
def sm(safemaker_session, keyed):
    hooks.install(safemaker_session, keyed)
    client = safemaker_session.client("sagemaker")
    client.sent = []  # type: ignore[attr-defined]  # (operation, body) of each request put on the wire
    client.meta.events.register("before-send.sagemaker", lambda request, event_name, **kw: client.sent.append(
        (event_name.rsplit(".", 1)[-1], json.loads(request.body or b"{}"))))
    return client
