"""Shared fixtures of the SDK v3 functional tests (``tests/functional/test_sdk_v3_*.py``).

Not collected by pytest (no ``test_`` prefix); imported by the test modules.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import _profiles
from _profiles import IMG, ROLE, SG, SUB_A as SUBNET_A, SUB_C as SUBNET_C, VPC  # noqa: F401 (re-exported)

OTHER_ROLE = "arn:aws:iam::123456789012:role/OtherRole"
BUCKET = "safemaker-v3-closed"


def make_profile(**overrides: Any) -> Any:
    """The field reports' placeholder profile (``_profiles.make_profile``: region us-east-1, two subnets, one
    security group) with ``BUCKET`` as its default bucket, ``overrides`` applied."""
    return _profiles.make_profile(**{"default_bucket": BUCKET, **overrides})


class SentRequests:
    """Every SageMaker request a client of one botocore session sent, as it went on the wire.

    Registered on ``before-send.sagemaker`` of the session's event emitter, so
    it is copied into each client created from the session afterwards. The
    SageMaker API is JSON: each body is decoded.
    """

    def __init__(self, boto3_session: Any) -> None:
        self.items: list[tuple[str, dict[str, Any]]] = []
        boto3_session._session.register("before-send.sagemaker", self._record,
                                        unique_id="safemaker-test-sent-requests")

    def _record(self, request: Any, event_name: str = "", **kwargs: Any) -> None:
        import json

        body = request.body
        if isinstance(body, bytes):
            body = body.decode("utf-8")
        self.items.append((event_name.rsplit(".", 1)[-1], json.loads(body) if body else {}))

    def operations(self) -> list[str]:
        """The operations sent, in order."""
        return [op for op, _ in self.items]

    def of(self, operation: str) -> list[dict[str, Any]]:
        """The request bodies sent for ``operation``, in order."""
        return [body for op, body in self.items if op == operation]

    def one(self, operation: str) -> dict[str, Any]:
        """The one request body sent for ``operation`` (asserts there is exactly one)."""
        bodies = self.of(operation)
        assert len(bodies) == 1, f"{operation} sent {len(bodies)} times: {self.operations()}"
        return bodies[0]


def reset_sagemaker_core() -> None:
    """Forget sagemaker-core's process-wide clients (cached SageMakerClients, the Logs singleton).

    Each test has its own local backend: a client cached by an earlier test
    points at a stopped server.
    """
    from sagemaker.core.utils import logs as sm_logs
    from sagemaker.core.utils import utils as sm_utils

    sm_utils.SageMakerClient.reset()
    sm_utils.SingletonMeta._instances.pop(sm_logs.CloudWatchLogsClient, None)


class V3Env:
    """A local backend, a bucket, a recorder of sent requests and a closed SDK v3 session on them."""

    def __init__(self, backend: Any, **session_kwargs: Any) -> None:
        from safemaker.sdk.v3 import ClosedNetworkSession

        reset_sagemaker_core()
        self.backend = backend
        self.profile = session_kwargs.pop("profile", None) or make_profile()
        backend.session.client("s3").create_bucket(Bucket=BUCKET)
        self.sent = SentRequests(backend.session)
        backend.reset_requests()
        self.session = ClosedNetworkSession(self.profile, boto_session=backend.session, **session_kwargs)

    def trainer(self, **kwargs: Any) -> Any:
        from safemaker.sdk.v3 import ClosedModelTrainer

        kwargs.setdefault("training_image", IMG)
        kwargs.setdefault("sagemaker_session", self.session)
        kwargs.setdefault("base_job_name", "closed-v3")
        return ClosedModelTrainer(**kwargs)

    def close(self) -> None:
        self.session.close()
        reset_sagemaker_core()


import pytest  # noqa: E402  (fixtures below)


@pytest.fixture
def v3env(safemaker_local: Any) -> Iterator[V3Env]:
    """A :class:`V3Env` on a fresh local backend; the closed session is closed afterwards."""
    env = V3Env(safemaker_local)
    try:
        yield env
    finally:
        env.close()
