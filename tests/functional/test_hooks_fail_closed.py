"""Fail closed (issue 13, item 3), through real botocore clients against moto on 127.0.0.1.

- a Describe that answers something other than the response mapping: the
  reference is refused, naming the Describe and what it returned;
- an async (aiobotocore-style) client made from a guarded session: refused when
  created, never left unguarded (aiobotocore is not installed here: a minimal
  async client class stands for it, built the way aiobotocore builds its clients,
  through the session's ``creating-client-class`` event);
- a cached reference approval does not survive a delete and re-create under the
  same name within its time to live.
"""

from __future__ import annotations

import asyncio
import copy

import botocore.session
import pytest

from safemaker import hooks
from safemaker.errors import GuardrailViolation
from safemaker.profile import VpcProfile
from safemaker.resources import RESOURCES

from _profiles import IMG, ROLE, SUB_A


@pytest.fixture
def profile(profile_factory) -> VpcProfile:
    return profile_factory(subnets=[SUB_A])


def _variant(model: str) -> list[dict]:
    return [{"VariantName": "v", "ModelName": model, "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}]


class _Http:
    status_code = 200
    headers: dict = {}


@pytest.mark.parametrize("answer", [["not", "a", "mapping"], "text", None])
def test_describe_answering_something_else_than_a_mapping_is_refused(
        safemaker_local, safemaker_session, profile, answer):
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    sm.create_model(ModelName="m", PrimaryContainer={"Image": IMG}, ExecutionRoleArn=ROLE)

    def odd_answer(**kwargs):  # what a broken proxy or a patched client could hand back
        return _Http(), answer

    sm.meta.events.register("before-call.sagemaker.DescribeModel", odd_answer)
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_endpoint_config(EndpointConfigName="ec", ProductionVariants=_variant("m"))
    [v] = exc.value.violations
    assert v.path == "ProductionVariants[0].ModelName" and v.found == "m"
    assert f"DescribeModel returned a {type(answer).__name__}, not the response mapping" in v.fix
    assert safemaker_local.request_count("sagemaker", "CreateEndpointConfig") == 0


class _AsyncBaseClient(botocore.client.BaseClient):
    """A minimal stand-in for ``aiobotocore.client.AioBaseClient``: coroutine calls, async context manager."""

    async def _make_api_call(self, operation_name, api_params):  # type: ignore[override]
        return await asyncio.sleep(0, {"Called": operation_name})

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return False


def _async_client(session: botocore.session.Session):
    """Build a SageMaker client class the way aiobotocore does: botocore's class machinery with an async base."""
    sync = session.create_client("sagemaker", region_name="us-east-1", aws_access_key_id="testing",
                                 aws_secret_access_key="testing", endpoint_url="http://127.0.0.1:9")
    base_classes: list[type] = [_AsyncBaseClient]
    session.get_component("event_emitter").emit(
        "creating-client-class.sagemaker", class_attributes={}, base_classes=base_classes)
    cls = type("SageMaker", tuple(base_classes), {})
    return cls, sync


def _instantiate(cls: type, sync, emitter):
    """Construct ``cls`` with the parts of a real botocore client (as aiobotocore's creator does)."""
    return cls(serializer=sync._serializer, endpoint=sync._endpoint, response_parser=sync._response_parser,
               event_emitter=emitter, request_signer=sync._request_signer, service_model=sync.meta.service_model,
               loader=sync._loader, client_config=sync.meta.config, partition=sync.meta.partition,
               exceptions_factory=sync._exceptions_factory)


def test_async_client_from_a_guarded_session_is_refused_when_created(profile):
    session = botocore.session.get_session()
    hooks.install(session, profile)
    cls, sync = _async_client(session)
    with pytest.raises(hooks.UnguardableClientError) as exc:
        _instantiate(cls, sync, copy.copy(sync.meta.events))
    text = str(exc.value)
    assert exc.value.client_class.endswith("SageMaker")
    assert "coroutines" in text and "synchronous client" in text


def test_installing_on_an_async_client_is_refused(profile):
    session = botocore.session.get_session()
    cls, sync = _async_client(session)  # the session is not guarded: the class has no guard mixin
    client = _instantiate(cls, sync, copy.copy(sync.meta.events))
    assert asyncio.run(client._make_api_call("ListModels", {})) == {"Called": "ListModels"}  # a working async client
    with pytest.raises(hooks.UnguardableClientError):
        hooks.install(client, profile)
    assert hooks.installed(client) is None


def test_cached_approval_ends_with_a_delete_and_re_create(safemaker_local, safemaker_session, profile):
    raw = safemaker_session.client("sagemaker")  # created before install: unguarded, stands for elsewhere
    g = hooks.install(safemaker_session, profile, reference_ttl=3600)
    sm = safemaker_session.client("sagemaker")
    sm.create_model(ModelName="m", PrimaryContainer={"Image": IMG}, ExecutionRoleArn=ROLE)  # closed (injected)
    sm.create_endpoint_config(EndpointConfigName="ec1", ProductionVariants=_variant("m"))
    sm.create_endpoint_config(EndpointConfigName="ec2", ProductionVariants=_variant("m"))
    assert safemaker_local.request_count("sagemaker", "DescribeModel") == 1  # the second used the cache
    sm.delete_model(ModelName="m")
    raw.create_model(ModelName="m", PrimaryContainer={"Image": IMG}, ExecutionRoleArn=ROLE)  # open, same name
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_endpoint_config(EndpointConfigName="ec3", ProductionVariants=_variant("m"))
    assert [v.path.rsplit(".", 1)[-1] for v in exc.value.violations] == ["EnableNetworkIsolation", "VpcConfig"]
    assert safemaker_local.request_count("sagemaker", "DescribeModel") == 2
    assert safemaker_local.request_count("sagemaker", "CreateEndpointConfig") == 2
    assert g.decisions[-1].outcome == "refused"


def test_a_delete_and_re_create_through_another_guard_ends_the_cached_approval(safemaker_local, safemaker_session,
                                                                              profile):
    """Two profiles in one process (docs/hooks.md: a session or client guard on each, the process guard for
    every other client): a model replaced through the relaxed guard's client, same name, is described again
    by the strict guard, not approved from its cache."""
    import safemaker

    relaxed = profile.model_copy(update={"require_network_isolation": False})
    strict_guard = safemaker.install_process(profile, reference_ttl=3600)
    sm = safemaker_session.client("sagemaker")  # decided by the strict process guard
    other = safemaker_local.session.client("sagemaker")
    hooks.install(other, relaxed)  # a client guard of its own: the more specific one decides
    sm.create_model(ModelName="cm", PrimaryContainer={"Image": IMG}, ExecutionRoleArn=ROLE)
    sm.create_endpoint_config(EndpointConfigName="ec1", ProductionVariants=_variant("cm"))
    assert safemaker_local.request_count("sagemaker", "DescribeModel") == 1
    other.delete_model(ModelName="cm")
    other.create_model(ModelName="cm", PrimaryContainer={"Image": IMG}, ExecutionRoleArn=ROLE,
                       EnableNetworkIsolation=False)  # open, allowed by the relaxed profile
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_endpoint_config(EndpointConfigName="ec2", ProductionVariants=_variant("cm"))
    assert [v.path.rsplit(".", 1)[-1] for v in exc.value.violations] == ["EnableNetworkIsolation"]
    assert safemaker_local.request_count("sagemaker", "DescribeModel") == 2
    assert safemaker_local.request_count("sagemaker", "CreateEndpointConfig") == 1
    assert strict_guard.decisions[-1].outcome == "refused"


def test_every_cached_resource_type_has_the_delete_that_ends_its_approval():
    model = botocore.session.get_session().get_service_model("sagemaker")
    for kind in hooks.CACHED_RESOURCES:
        spec = RESOURCES[kind]
        delete = "Delete" + spec.describe_operation[len("Describe"):]
        assert delete in model.operation_names, kind
        assert spec.name_param in model.operation_model(delete).input_shape.members, (kind, delete)
        assert hooks._CACHE_ENDERS[delete] == (spec.describe_operation, spec.name_param)


def test_async_client_under_the_process_guard_is_refused_when_created(profile):
    # aiobotocore overrides _make_api_call with a coroutine: the process guard's wrapper would never run
    import safemaker

    session = botocore.session.get_session()
    cls, sync = _async_client(session)  # no session guard: only the process guard stands
    safemaker.install_process(profile)
    try:
        with pytest.raises(hooks.UnguardableClientError):
            _instantiate(cls, sync, copy.copy(sync.meta.events))
        sts = session.create_client("sts", region_name="us-east-1", aws_access_key_id="testing",
                                    aws_secret_access_key="testing", endpoint_url="http://127.0.0.1:9")
        assert sts.meta.service_model.service_name == "sts"  # other services' clients are left alone
    finally:
        safemaker.uninstall_process()
    _instantiate(cls, sync, copy.copy(sync.meta.events))  # guard off: nothing refuses it


class _RecordingAsyncBaseClient(botocore.client.BaseClient):
    """Like :class:`_AsyncBaseClient`, recording every call that reaches the client's own coroutine."""

    reached: list[str] = []

    async def _make_api_call(self, operation_name, api_params):  # type: ignore[override]
        self.reached.append(operation_name)
        return await asyncio.sleep(0, {"Called": operation_name})

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return False


def test_async_client_made_before_the_process_guard_is_refused_when_called(profile):
    # Found by a fresh reviewer (trial 6): an aiobotocore client made before install_process sent an open
    # CreateTrainingJob (only clients created while the guard is on were refused).
    import safemaker

    session = botocore.session.get_session()
    sync = session.create_client("sagemaker", region_name="us-east-1", aws_access_key_id="testing",
                                 aws_secret_access_key="testing", endpoint_url="http://127.0.0.1:9")
    cls = type("SageMaker", (_RecordingAsyncBaseClient,), {})
    before = _instantiate(cls, sync, copy.copy(sync.meta.events))  # guard off: created
    _RecordingAsyncBaseClient.reached.clear()
    safemaker.install_process(profile)
    try:
        with pytest.raises(hooks.UnguardableClientError) as exc:
            asyncio.run(before._make_api_call("CreateTrainingJob", {"EnableNetworkIsolation": False}))
        assert exc.value.client_class.endswith("SageMaker") and "synchronous client" in str(exc.value)
        assert _RecordingAsyncBaseClient.reached == []  # refused before the client's own call ran
    finally:
        safemaker.uninstall_process()
    assert asyncio.run(before._make_api_call("ListModels", {})) == {"Called": "ListModels"}  # guard off: works
    assert _RecordingAsyncBaseClient.reached == ["ListModels"]


def test_real_aiobotocore_client_made_before_the_process_guard_sends_nothing(profile, safemaker_local):
    """The same through aiobotocore itself against moto (skipped where aiobotocore is not installed)."""
    aiobotocore_session = pytest.importorskip("aiobotocore.session")
    import safemaker

    job = {"TrainingJobName": "aio-open", "RoleArn": ROLE, "EnableNetworkIsolation": False,
           "AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"},
           "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
           "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
           "StoppingCondition": {"MaxRuntimeInSeconds": 3600}}

    async def main():
        session = aiobotocore_session.get_session()
        async with session.create_client("sagemaker", region_name="us-east-1", aws_access_key_id="testing",
                                         aws_secret_access_key="testing",
                                         endpoint_url=safemaker_local.endpoint_url) as before:
            safemaker.install_process(profile)
            try:
                with pytest.raises(hooks.UnguardableClientError):
                    await before.create_training_job(**job)
            finally:
                safemaker.uninstall_process()

    asyncio.run(main())
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0
