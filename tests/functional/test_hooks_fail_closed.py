"""Fail closed (issue 13, item 3), through real botocore clients against moto on 127.0.0.1.

- a Describe that answers something other than the response mapping: the
  reference is refused, naming the Describe and what it returned;
- an async (aiobotocore-style) client made from a guarded session: refused when
  created, never left unguarded (aiobotocore is not installed here: a minimal
  async client class stands for it, built the way aiobotocore builds its clients,
  through the session's ``creating-client-class`` event);
- a reference approval never outlives the resource it approved: a model or
  endpoint config deleted and created again, open, under the same name by
  another process (no guard of ours sees it) is described again and refused.
"""

from __future__ import annotations

import asyncio
import copy

import botocore.session
import pytest

from safemaker import hooks
from safemaker.errors import GuardrailViolation
from safemaker.profile import VpcProfile

from _profiles import IMG, ROLE, SG, SUB_A


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


def _other_process(safemaker_local):
    """A plain SageMaker client of its own botocore session, no guard anywhere: another process (a CI job, a
    colleague, the console) as far as the guard can know."""
    return botocore.session.get_session().create_client(
        "sagemaker", region_name="us-east-1", endpoint_url=safemaker_local.endpoint_url,
        aws_access_key_id="testing", aws_secret_access_key="testing")


def _model(client, name, *, closed):
    """CreateModel through ``client``: closed (botocore: EnableNetworkIsolation, VpcConfig) or open (neither)."""
    extra = {"EnableNetworkIsolation": True, "VpcConfig": {"Subnets": [SUB_A], "SecurityGroupIds": [SG]}} \
        if closed else {"EnableNetworkIsolation": False}
    client.create_model(ModelName=name, PrimaryContainer={"Image": IMG}, ExecutionRoleArn=ROLE, **extra)


def test_an_approval_does_not_outlive_a_model_re_created_by_another_process(safemaker_local, safemaker_session,
                                                                            profile):
    """Issue 13 ("reference approvals never outlive the resource they approved"; trial 15 F04): botocore's
    DeleteModel frees the name for a CreateModel of another, open model; the guard cannot see another process's
    delete, so every request describes the models it names again."""
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    other = _other_process(safemaker_local)
    _model(other, "m", closed=True)
    sm.create_endpoint_config(EndpointConfigName="ec1", ProductionVariants=_variant("m"))  # closed: sent
    other.delete_model(ModelName="m")
    _model(other, "m", closed=False)  # same name, open; nothing of it went through a guard
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_endpoint_config(EndpointConfigName="ec2", ProductionVariants=_variant("m"))
    assert [(v.path.split(" -> ")[0], v.path.rsplit(".", 1)[-1]) for v in exc.value.violations] == [
        ("ProductionVariants[0].ModelName", "EnableNetworkIsolation"),
        ("ProductionVariants[0].ModelName", "VpcConfig")]
    assert safemaker_local.request_count("sagemaker", "CreateEndpointConfig") == 1  # ec1 only
    assert safemaker_local.request_count("sagemaker", "DescribeModel") == 2  # once per request


def test_an_approval_does_not_outlive_an_endpoint_config_re_created_by_another_process(safemaker_local, profile):
    """The process guard (F04's setting): the other process is a child Python with a clean environment and
    plain boto3, deleting the endpoint config and its model and creating both again under the same names, the
    model open. CreateEndpoint of the same config name, sent before, is refused."""
    import os
    import subprocess
    import sys

    import safemaker

    script = (
        "import sys, boto3\n"
        "sm = boto3.client('sagemaker', endpoint_url=sys.argv[1], region_name='us-east-1',\n"
        "                  aws_access_key_id='testing', aws_secret_access_key='testing')\n"
        "sm.delete_endpoint_config(EndpointConfigName='c'); sm.delete_model(ModelName='m')\n"
        f"sm.create_model(ModelName='m', ExecutionRoleArn={ROLE!r}, PrimaryContainer={{'Image': {IMG!r}}},\n"
        "                EnableNetworkIsolation=False)\n"
        "sm.create_endpoint_config(EndpointConfigName='c', ProductionVariants=[{'VariantName': 'v',\n"
        "    'ModelName': 'm', 'InstanceType': 'ml.m5.large', 'InitialInstanceCount': 1}])\n")
    other = _other_process(safemaker_local)
    _model(other, "m", closed=True)
    other.create_endpoint_config(EndpointConfigName="c", ProductionVariants=_variant("m"))
    safemaker.install_process(profile)
    try:
        sm = safemaker_local.session.client("sagemaker")
        sm.create_endpoint(EndpointName="e1", EndpointConfigName="c")  # closed: sent
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SAFEMAKER", "PYTHONPATH"))}
        subprocess.run([sys.executable, "-c", script, safemaker_local.endpoint_url], env=env, check=True,
                       capture_output=True, timeout=120)
        with pytest.raises(GuardrailViolation) as exc:
            sm.create_endpoint(EndpointName="e2", EndpointConfigName="c")
    finally:
        safemaker.uninstall_process()
    assert {v.path.rsplit(".", 1)[-1] for v in exc.value.violations} == {"EnableNetworkIsolation", "VpcConfig"}
    assert all(v.path.startswith("EndpointConfigName -> DescribeEndpointConfig(") for v in exc.value.violations)
    assert safemaker_local.request_count("sagemaker", "CreateEndpoint") == 1  # e1 only
    assert safemaker_local.request_count("sagemaker", "DescribeEndpointConfig") == 2


def test_a_model_named_twice_in_one_request_is_described_once(safemaker_local, safemaker_session, profile):
    """The one memo: within one decision (two variants of one model), never across requests."""
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    _model(sm, "m", closed=True)
    two = _variant("m") + [dict(_variant("m")[0], VariantName="w")]
    sm.create_endpoint_config(EndpointConfigName="ec1", ProductionVariants=two)
    assert safemaker_local.request_count("sagemaker", "DescribeModel") == 1
    sm.create_endpoint_config(EndpointConfigName="ec2", ProductionVariants=two)
    assert safemaker_local.request_count("sagemaker", "DescribeModel") == 2


def test_cached_approval_ends_with_a_delete_and_re_create(safemaker_local, safemaker_session, profile):
    raw = safemaker_session.client("sagemaker")  # created before install: unguarded, stands for elsewhere
    g = hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    sm.create_model(ModelName="m", PrimaryContainer={"Image": IMG}, ExecutionRoleArn=ROLE)  # closed (injected)
    sm.create_endpoint_config(EndpointConfigName="ec1", ProductionVariants=_variant("m"))
    sm.create_endpoint_config(EndpointConfigName="ec2", ProductionVariants=_variant("m"))
    assert safemaker_local.request_count("sagemaker", "DescribeModel") == 2  # each request describes it (F04)
    sm.delete_model(ModelName="m")
    raw.create_model(ModelName="m", PrimaryContainer={"Image": IMG}, ExecutionRoleArn=ROLE)  # open, same name
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_endpoint_config(EndpointConfigName="ec3", ProductionVariants=_variant("m"))
    assert [v.path.rsplit(".", 1)[-1] for v in exc.value.violations] == ["EnableNetworkIsolation", "VpcConfig"]
    assert safemaker_local.request_count("sagemaker", "DescribeModel") == 3
    assert safemaker_local.request_count("sagemaker", "CreateEndpointConfig") == 2
    assert g.decisions[-1].outcome == "refused"


def test_a_delete_and_re_create_through_another_guard_ends_the_cached_approval(safemaker_local, safemaker_session,
                                                                              profile):
    """Two profiles in one process (docs/hooks.md: a session or client guard on each, the process guard for
    every other client): a model replaced through the relaxed guard's client, same name, is described again
    by the strict guard."""
    import safemaker

    relaxed = profile.model_copy(update={"require_network_isolation": False})
    strict_guard = safemaker.install_process(profile)
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


def test_reference_ttl_and_the_cache_api_are_deprecated_and_reuse_nothing(safemaker_local, safemaker_session,
                                                                         profile):
    """``reference_ttl`` was public (Guard, install, install_process, the SDK sessions): given, it warns and
    changes nothing; ``Guard.clear_cache`` and ``hooks.CACHED_RESOURCES`` likewise."""
    with pytest.warns(DeprecationWarning, match=r"reference_ttl=3600.*no effect.*describes the resources"):
        g = hooks.install(safemaker_session, profile, reference_ttl=3600)
    sm = safemaker_session.client("sagemaker")
    _model(sm, "m", closed=True)
    for name in ("ec1", "ec2"):
        sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=_variant("m"))
    assert safemaker_local.request_count("sagemaker", "DescribeModel") == 2
    with pytest.warns(DeprecationWarning, match="does nothing"):
        g.clear_cache()
    with pytest.warns(DeprecationWarning, match="CACHED_RESOURCES is deprecated and empty"):
        assert hooks.CACHED_RESOURCES == frozenset()


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
