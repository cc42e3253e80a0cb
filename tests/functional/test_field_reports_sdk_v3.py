"""Field reports F02, F03 and F06 (shared/cases/field-reports.md) with SDK v3's plain classes.

A closed SDK v3 session (``safemaker.sdk.v3.ClosedNetworkSession``) on the local backend (moto on 127.0.0.1 over
HTTP); the requests are asserted as they went on the wire (``before-send``). Without ``closed_deploy``, SDK v3
sends CreateModel without ``EnableNetworkIsolation`` and without ``VpcConfig`` (botocore's model: both optional,
isolation off by default); every CreateModel that leaves the process carries both anyway.
"""

from __future__ import annotations

import pytest
from sdk_markers import require_sdk

require_sdk(3)

from _sdk_v3_support import BUCKET, IMG, ROLE, SG, SUBNET_A, SUBNET_C, v3env  # noqa: E402, F401 (fixture)
from sagemaker.core import resources, shapes  # noqa: E402

import safemaker  # noqa: E402
from safemaker import hooks  # noqa: E402
from safemaker.errors import MISSING, GuardrailViolation  # noqa: E402

pytestmark = pytest.mark.sdk3

CLOSED_VPC = {"Subnets": [SUBNET_A, SUBNET_C], "SecurityGroupIds": [SG]}


def test_F03_plain_ModelBuilder_build_sends_isolation_and_the_profile_VpcConfig(v3env):
    from sagemaker.serve.model_builder import ModelBuilder

    ModelBuilder(model_server=None, image_uri=IMG, s3_model_data_url=f"s3://{BUCKET}/model/model.tar.gz",
                 role_arn=ROLE, instance_type="ml.m5.large", sagemaker_session=v3env.session).build()
    body = v3env.sent.one("CreateModel")
    assert (body["EnableNetworkIsolation"], body["VpcConfig"]) == (True, CLOSED_VPC)


def test_F03_sagemaker_core_Model_create_without_network_sends_a_closed_CreateModel(v3env):
    resources.Model.create(model_name="core-model", execution_role_arn=ROLE,
                           primary_container=shapes.ContainerDefinition(image=IMG),
                           session=v3env.session.boto_session)
    body = v3env.sent.one("CreateModel")
    assert (body["EnableNetworkIsolation"], body["VpcConfig"]) == (True, CLOSED_VPC)
    stored = v3env.session.sagemaker_client.describe_model(ModelName="core-model")
    assert stored["VpcConfig"] == CLOSED_VPC


def test_F02_sagemaker_core_EndpointConfig_naming_an_open_model_is_refused(v3env):
    """The model was made elsewhere, open; the closed session's EndpointConfig naming it is refused."""
    plain = v3env.backend.session.client("sagemaker")
    hooks.uninstall(plain)
    safemaker.uninstall_process()  # the open model comes from elsewhere: the session's process guard refuses it
    plain.create_model(ModelName="open-model", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMG})
    before = v3env.backend.request_count("sagemaker", "CreateEndpointConfig")
    with pytest.raises(GuardrailViolation) as exc:
        resources.EndpointConfig.create(
            endpoint_config_name="ec-open", production_variants=[shapes.ProductionVariant(
                variant_name="v", model_name="open-model", instance_type="ml.m5.large", initial_instance_count=1)],
            session=v3env.session.boto_session)
    assert sorted((v.path, v.found) for v in exc.value.violations) == sorted([
        ("ProductionVariants[0].ModelName -> DescribeModel(ModelName='open-model').EnableNetworkIsolation", False),
        ("ProductionVariants[0].ModelName -> DescribeModel(ModelName='open-model').VpcConfig", MISSING),
    ])
    assert v3env.backend.request_count("sagemaker", "CreateEndpointConfig") == before



def test_F05_sdk_config_file_with_half_a_VpcConfig_is_refused_naming_the_missing_list(safemaker_local, tmp_path,
                                                                                       monkeypatch):
    from _sdk_v3_support import make_profile

    from safemaker.sdk import v3

    config = tmp_path / "config.yaml"
    config.write_text(f"SchemaVersion: '1.0'\nSageMaker:\n  TrainingJob:\n    VpcConfig:\n      Subnets: ['{SUBNET_A}']\n")
    monkeypatch.setenv("SAGEMAKER_USER_CONFIG_OVERRIDE", str(config))
    with pytest.raises(GuardrailViolation) as exc:
        v3.ClosedNetworkSession(make_profile(), boto_session=safemaker_local.session)
    assert [(v.path, v.found) for v in exc.value.violations] == [
        (f"SageMaker.TrainingJob.VpcConfig.SecurityGroupIds in {config}", MISSING)]
    assert safemaker_local.request_count() == 0
