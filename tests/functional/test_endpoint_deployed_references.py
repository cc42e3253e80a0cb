"""An endpoint runs the endpoint config and models it was deployed with, not their names' current holders.

``DeleteEndpointConfig`` "deletes only the specified configuration. It does not delete endpoints created
using the configuration", ``DeleteModel`` "deletes only the model entry", and a config is deployed only by
``CreateEndpoint`` / ``UpdateEndpoint`` ("Deploys the EndpointConfig specified in the request to a new fleet
of instances") -- botocore's SageMaker documentation. So a config or model created after the endpoint's
``LastModifiedTime`` (``DescribeEndpoint``; ``DescribeEndpointConfig`` / ``DescribeModel`` answer
``CreationTime``) is not what the endpoint runs: the guard refuses what it would decide through them and the
audit reports the endpoint (trial 18c F01). moto on 127.0.0.1 through real botocore clients.
"""

from __future__ import annotations

import time

import botocore.session
import pytest

from safemaker import audit, hooks
from safemaker.errors import GuardrailViolation

from _profiles import IMG, ROLE, VPC_CONFIG, make_profile

MODEL = botocore.session.get_session().get_service_model("sagemaker")
CLOSED = {"EnableNetworkIsolation": True, "VpcConfig": VPC_CONFIG}
SCALE = [{"VariantName": "v", "DesiredInstanceCount": 4}]
CHAIN = "EndpointName -> DescribeEndpoint(EndpointName='ep').EndpointConfigName"


def test_the_times_compared_are_in_botocores_output_model():
    def members(op):
        return MODEL.operation_model(op).output_shape.members
    assert {"CreationTime", "LastModifiedTime", "EndpointConfigName"} <= set(members("DescribeEndpoint"))
    assert "CreationTime" in members("DescribeEndpointConfig")
    assert "CreationTime" in members("DescribeModel")


def _model(sm, **network):
    sm.create_model(ModelName="m", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMG}, **network)


def _config(sm):
    sm.create_endpoint_config(EndpointConfigName="cfg", ProductionVariants=[
        {"VariantName": "v", "ModelName": "m", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}])


def _deployed_open_then_renamed(sm, *, config: bool = True) -> None:
    """An open model deployed, then (the endpoint untouched) the model -- and the config -- re-created closed."""
    _model(sm)
    _config(sm)
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="cfg")
    time.sleep(0.05)  # moto's times are in milliseconds
    if config:
        sm.delete_endpoint_config(EndpointConfigName="cfg")
    sm.delete_model(ModelName="m")
    _model(sm, **CLOSED)
    if config:
        _config(sm)


@pytest.fixture
def profile():
    return make_profile()


@pytest.mark.parametrize("config", [True, False], ids=["config-and-model", "model-only"])
def test_scaling_an_endpoint_whose_config_or_model_was_recreated_is_refused(safemaker_local, safemaker_session,
                                                                          profile, config):
    raw = safemaker_session.client("sagemaker")
    _deployed_open_then_renamed(raw, config=config)
    endpoint = raw.describe_endpoint(EndpointName="ep")
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    with pytest.raises(GuardrailViolation) as exc:
        sm.update_endpoint_weights_and_capacities(EndpointName="ep", DesiredWeightsAndCapacities=SCALE)
    assert safemaker_local.request_count("sagemaker", "UpdateEndpointWeightsAndCapacities") == 0
    (v,) = exc.value.violations
    assert v.rule_id == "SM-REFERENCE"
    if config:
        assert v.path == CHAIN and v.found == "cfg"
        created = raw.describe_endpoint_config(EndpointConfigName="cfg")["CreationTime"]
    else:
        assert v.path == f"{CHAIN} -> DescribeEndpointConfig(EndpointConfigName='cfg').ProductionVariants[0].ModelName"
        assert v.found == "m"
        created = raw.describe_model(ModelName="m")["CreationTime"]
    assert endpoint["LastModifiedTime"].isoformat() in v.fix and created.isoformat() in v.fix
    assert "UpdateEndpoint" in v.fix


@pytest.mark.parametrize("config", [True, False], ids=["config-and-model", "model-only"])
def test_the_audit_reports_an_endpoint_whose_config_or_model_was_recreated(safemaker_local, safemaker_session,
                                                                         profile, config):
    sm = safemaker_session.client("sagemaker")
    _deployed_open_then_renamed(sm, config=config)
    findings = list(audit.run(profile, clients={"us-east-1": sm}, resource_types=["endpoint"], use_search=False))
    assert [(f.resource_arn.rsplit("/", 1)[-1], f.rule_id) for f in findings] == [("ep", "SM-REFERENCE")]
    (f,) = findings
    assert (f.status, f.fix_action) == ("UNKNOWN", "update")
    via = "EndpointConfigName -> DescribeEndpointConfig(EndpointConfigName='cfg')"
    assert f.path == (via if config else f"{via}.ProductionVariants[0].ModelName -> DescribeModel(ModelName='m')")
    what = "endpoint config" if config else "model"
    assert f"this {what} was created" in f.fix and "UpdateEndpoint" in f.fix


def test_an_endpoint_deployed_after_its_config_and_model_is_decided_as_before(safemaker_local, safemaker_session,
                                                                            profile):
    raw = safemaker_session.client("sagemaker")
    _model(raw, **CLOSED)
    _config(raw)
    time.sleep(0.05)
    raw.create_endpoint(EndpointName="ep", EndpointConfigName="cfg")
    assert list(audit.run(profile, clients={"us-east-1": raw}, resource_types=["endpoint"], use_search=False)) == []
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    sm.update_endpoint_weights_and_capacities(EndpointName="ep", DesiredWeightsAndCapacities=SCALE)
    assert safemaker_local.request_count("sagemaker", "UpdateEndpointWeightsAndCapacities") == 1
