"""Application Auto Scaling on SageMaker resources, under the process guard (trial 10 F08).

``RegisterScalableTarget`` (a ``MinCapacity`` the resource is raised to, a ``MaxCapacity`` it may scale out to),
``PutScheduledAction`` and ``PutScalingPolicy`` with ``ServiceNamespace`` ``sagemaker`` add instances of an
endpoint variant, or copies of an inference component: what SageMaker's ``UpdateEndpointWeightsAndCapacities``
does, which the guard decides by following the endpoint to its endpoint config and models. A guarded process
scaled an open endpoint up through Application Auto Scaling. Now the resource ``ResourceId`` names is followed
the same way; a request that cannot take it above what it runs now (a scale-in), a deregistration and a deletion
start nothing and are sent; other namespaces are not SageMaker and are not decided.

Real botocore clients against the local backend (moto on 127.0.0.1: SageMaker endpoints and Application Auto
Scaling); moto has no inference components, so the SageMaker client the guard describes those with is stubbed.
Oracles: botocore's application-autoscaling model (the operations, ``ResourceId``'s documented SageMaker forms,
the ``ScalableDimension`` enum, ``MinCapacity`` / ``MaxCapacity``), botocore's SageMaker model
(``CreateModel.EnableNetworkIsolation``; the capacities ``DescribeEndpoint`` / ``DescribeInferenceComponent``
return).
"""

from __future__ import annotations

import datetime as dt
import re

import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.stub import Stubber

import safemaker
from safemaker import hooks
from safemaker.errors import GuardrailViolation
from safemaker.iac import service_calls
from safemaker.other_services import DECIDED_OPERATIONS

from _profiles import ROLE, SG, SUB_A

IMG = "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1"
AAS = botocore.session.get_session().get_service_model("application-autoscaling")
SM = botocore.session.get_session().get_service_model("sagemaker")
NO_RETRY = Config(retries={"total_max_attempts": 1})
VARIANT = "sagemaker:variant:DesiredInstanceCount"
COPIES = "sagemaker:inference-component:DesiredCopyCount"


def _doc_examples() -> dict[str, str]:
    """The SageMaker ResourceId examples of botocore's documentation: kind -> example."""
    doc = AAS.operation_model("RegisterScalableTarget").input_shape.members["ResourceId"].documentation
    return {m.group(1): m.group(2) for m in re.finditer(r"<p>(SageMaker [\w ]+?) - .*?Example: <code>(.+?)</code>",
                                                       doc)}


def test_the_decided_operations_are_the_ones_of_the_model_that_scale_a_resource_up():
    """botocore's model: the three operations name the resource by ServiceNamespace, ResourceId and
    ScalableDimension; RegisterScalableTarget's MinCapacity raises it ("the minimum value that you plan to scale
    in to"), MaxCapacity bounds a scale-out; the other writers deregister or delete."""
    decided = DECIDED_OPERATIONS["application-autoscaling"]
    writers = {op for op in AAS.operation_names if not op.startswith(("Describe", "List", "Get"))}
    assert decided == {"RegisterScalableTarget", "PutScheduledAction", "PutScalingPolicy"}
    assert writers - decided == {"DeregisterScalableTarget", "DeleteScalingPolicy", "DeleteScheduledAction",
                                 "TagResource", "UntagResource"}
    for op in decided:
        assert {"ServiceNamespace", "ResourceId", "ScalableDimension"} <= set(
            AAS.operation_model(op).input_shape.required_members), op
    members = AAS.operation_model("RegisterScalableTarget").input_shape.members
    assert "scale out" in members["MaxCapacity"].documentation
    assert "MaxCapacity" in AAS.shape_for("ScalableTargetAction").members


def test_every_sagemaker_dimension_of_the_model_is_read_with_its_capacity():
    """A SageMaker dimension botocore adds fails here: the guard must know where its capacity is described."""
    dimensions = {d for d in AAS.shape_for("ScalableDimension").enum if d.startswith("sagemaker:")}
    assert dimensions == set(service_calls.ScalableResource.CURRENT)
    variant = SM.shape_for("ProductionVariantSummary").members
    assert {"CurrentInstanceCount", "DesiredInstanceCount", "CurrentServerlessConfig"} <= set(variant)
    assert "ProvisionedConcurrency" in SM.shape_for("ProductionVariantServerlessConfig").members
    runtime = SM.operation_model("DescribeInferenceComponent").output_shape.members["RuntimeConfig"]
    assert {"CurrentCopyCount", "DesiredCopyCount"} <= set(runtime.members)


def test_the_resource_id_forms_of_the_documentation_name_the_resource():
    examples = _doc_examples()
    assert set(examples) == {"SageMaker endpoint variant", "SageMaker serverless endpoint",
                             "SageMaker inference component"}
    expected = {"endpoint/my-end-point/variant/KMeansClustering": ("endpoint", "my-end-point"),
                "inference-component/my-inference-component": ("inference-component", "my-inference-component")}
    for example in examples.values():
        (ref,) = service_calls.sagemaker_references(
            "application-autoscaling", "RegisterScalableTarget",
            {"ServiceNamespace": "sagemaker", "ResourceId": example, "ScalableDimension": VARIANT})
        assert (ref.path, ref.resource, ref.name) == ("ResourceId", *expected[example])
    # another namespace is not SageMaker: nothing to follow (not decided)
    assert service_calls.sagemaker_references("application-autoscaling", "RegisterScalableTarget", {
        "ServiceNamespace": "ecs", "ResourceId": "service/c/s", "ScalableDimension": "ecs:service:DesiredCount"}) == []


def _endpoint(sm, name: str, count: int = 1, **network) -> None:
    sm.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMG}, **network)
    sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[
        {"VariantName": "v", "ModelName": name, "InstanceType": "ml.m5.large", "InitialInstanceCount": count}])
    sm.create_endpoint(EndpointName=name, EndpointConfigName=name)


@pytest.fixture
def endpoints(safemaker_local, safemaker_session):
    """An open endpoint (its model: EnableNetworkIsolation False, no VPC) and a closed one, 2 instances each,
    made before the guard (another tool)."""
    raw = safemaker_session.client("sagemaker")
    _endpoint(raw, "open", count=2, EnableNetworkIsolation=False)
    _endpoint(raw, "closed", count=2, EnableNetworkIsolation=True, VpcConfig={"Subnets": [SUB_A],
                                                                              "SecurityGroupIds": [SG]})
    assert raw.describe_endpoint(EndpointName="open")["ProductionVariants"][0]["CurrentInstanceCount"] == 2


def _variant(name: str) -> dict:
    return {"ServiceNamespace": "sagemaker", "ResourceId": f"endpoint/{name}/variant/v", "ScalableDimension": VARIANT}


_SCALE_UP = {
    "register_scalable_target": {"MinCapacity": 10, "MaxCapacity": 10},
    "put_scheduled_action": {"ScheduledActionName": "up", "Schedule": "at(2027-01-01T00:00:00)",
                             "ScalableTargetAction": {"MinCapacity": 10, "MaxCapacity": 10}},
    "put_scaling_policy": {"PolicyName": "p", "PolicyType": "TargetTrackingScaling",
                           "TargetTrackingScalingPolicyConfiguration": {
                               "TargetValue": 70.0, "PredefinedMetricSpecification": {
                                   "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"}}},
}


@pytest.mark.parametrize("method", sorted(_SCALE_UP))
def test_scaling_an_open_endpoint_up_is_refused_and_a_closed_one_is_sent(safemaker_local, safemaker_session,
                                                                          profile, endpoints, method):
    guard = safemaker.install_process(profile)
    aas = safemaker_session.client("application-autoscaling", config=NO_RETRY)
    operation = aas.meta.method_to_api_mapping[method]
    if method != "register_scalable_target":   # a policy or scheduled action needs a registered target
        safemaker_local.session.client("application-autoscaling").register_scalable_target(
            **_variant("open"), MinCapacity=1, MaxCapacity=2)
        safemaker_local.session.client("application-autoscaling").register_scalable_target(
            **_variant("closed"), MinCapacity=1, MaxCapacity=2)
    with pytest.raises(GuardrailViolation) as exc:
        getattr(aas, method)(**_variant("open"), **_SCALE_UP[method])
    assert {v.path.rsplit(".", 1)[-1] for v in exc.value.violations} == {"EnableNetworkIsolation", "VpcConfig"}
    assert all(v.path.startswith("ResourceId -> DescribeEndpoint(EndpointName='open').EndpointConfigName -> ")
               for v in exc.value.violations)
    assert safemaker_local.request_count("application-autoscaling", operation) == 0
    getattr(aas, method)(**_variant("closed"), **_SCALE_UP[method])
    assert safemaker_local.request_count("application-autoscaling", operation) == 1
    assert [(d.operation, d.outcome) for d in guard.decisions if d.operation == operation] == [
        (operation, "refused"), (operation, "allowed")]


def test_scaling_an_open_endpoint_in_deregistering_and_deleting_are_sent(safemaker_local, safemaker_session,
                                                                         profile, endpoints):
    """No network effect: a ceiling no higher than what the variant runs now (2 instances) starts nothing; so do
    a deregistration and deletions. A ceiling above it (3) would start an instance: followed, refused."""
    safemaker.install_process(profile)
    aas = safemaker_session.client("application-autoscaling", config=NO_RETRY)
    aas.register_scalable_target(**_variant("open"), MinCapacity=1, MaxCapacity=2)
    aas.register_scalable_target(**_variant("open"), MaxCapacity=1)
    aas.put_scheduled_action(**_variant("open"), ScheduledActionName="down", Schedule="at(2027-01-01T00:00:00)",
                             ScalableTargetAction={"MinCapacity": 1, "MaxCapacity": 1})
    assert safemaker_local.request_count("application-autoscaling", "RegisterScalableTarget") == 2
    assert safemaker_local.request_count("application-autoscaling", "PutScheduledAction") == 1
    with pytest.raises(GuardrailViolation):
        aas.register_scalable_target(**_variant("open"), MinCapacity=1, MaxCapacity=3)
    with pytest.raises(GuardrailViolation):   # no ceiling: the target's registered bounds may be raised later
        aas.put_scheduled_action(**_variant("open"), ScheduledActionName="up", Schedule="at(2027-01-01T00:00:00)",
                                 ScalableTargetAction={"MinCapacity": 1})
    aas.delete_scheduled_action(**_variant("open"), ScheduledActionName="down")
    aas.deregister_scalable_target(**_variant("open"))
    assert safemaker_local.request_count("application-autoscaling", "RegisterScalableTarget") == 2
    assert safemaker_local.request_count("application-autoscaling", "DeleteScheduledAction") == 1
    assert safemaker_local.request_count("application-autoscaling", "DeregisterScalableTarget") == 1


def test_other_namespaces_are_not_decided_and_unknown_sagemaker_resources_are_refused(
        safemaker_local, safemaker_session, profile):
    safemaker.install_process(profile)
    aas = safemaker_session.client("application-autoscaling", config=NO_RETRY)
    with pytest.raises(ClientError, match="Cluster not found"):   # sent: moto has no such ECS cluster
        aas.register_scalable_target(ServiceNamespace="ecs", ResourceId="service/cluster/web",
                                     ScalableDimension="ecs:service:DesiredCount", MinCapacity=1, MaxCapacity=10)
    assert safemaker_local.request_count("application-autoscaling", "RegisterScalableTarget") == 1
    assert safemaker_local.request_count("sagemaker") == 0
    for resource_id in ("endpoint/missing/variant/v", "endpoint/open"):   # not described / not a SageMaker form
        with pytest.raises(GuardrailViolation) as exc:
            aas.register_scalable_target(ServiceNamespace="sagemaker", ResourceId=resource_id,
                                         ScalableDimension=VARIANT, MinCapacity=1, MaxCapacity=10)
        assert [(v.path, v.rule_id) for v in exc.value.violations] == [("ResourceId", "SM-REFERENCE")]
    assert safemaker_local.request_count("application-autoscaling", "RegisterScalableTarget") == 1


NOW = dt.datetime(2026, 12, 7, tzinfo=dt.timezone.utc)
ARN = "arn:aws:sagemaker:us-east-1:123456789012:"
CLOSED = {"EnableNetworkIsolation": True, "VpcConfig": {"Subnets": [SUB_A], "SecurityGroupIds": [SG]}}


def _component(model: str, copies: int) -> dict:
    return {"InferenceComponentName": "ic", "InferenceComponentArn": ARN + "inference-component/ic",
            "EndpointName": "e", "EndpointArn": ARN + "endpoint/e", "CreationTime": NOW, "LastModifiedTime": NOW,
            "Specification": {"ModelName": model},
            "RuntimeConfig": {"DesiredCopyCount": copies, "CurrentCopyCount": copies}}


@pytest.mark.parametrize("model", ["open", "closed"])
def test_scaling_an_inference_component_follows_it_to_its_model_and_endpoint(safemaker_local, safemaker_session,
                                                                             profile, monkeypatch, model):
    """The component runs the open or the closed model on an endpoint for inference components (closed: the
    network is its endpoint config's). The SageMaker client the guard describes with is stubbed (moto has no
    inference components); the Application Auto Scaling requests go to moto, which does not know the component's
    dimension and answers a request it was sent with an error. Scaling to 4 copies is refused with the open model
    and sent with the closed one; to 2 copies (what it runs) it is sent with either."""
    sagemaker = botocore.session.get_session().create_client(
        "sagemaker", region_name="us-east-1", endpoint_url="http://127.0.0.1:1",
        aws_access_key_id="testing", aws_secret_access_key="testing")
    monkeypatch.setattr(hooks.Guard, "_other_client", lambda self, client, service: sagemaker)
    safemaker.install_process(profile)
    aas = safemaker_session.client("application-autoscaling", config=NO_RETRY)
    target = {"ServiceNamespace": "sagemaker", "ResourceId": "inference-component/ic", "ScalableDimension": COPIES}
    described = {"describe_model": ({"ModelName": model, "ModelArn": ARN + f"model/{model}", "CreationTime": NOW,
                                     "ExecutionRoleArn": ROLE, "PrimaryContainer": {"Image": IMG},
                                     **(CLOSED if model == "closed" else {"EnableNetworkIsolation": False})},
                                    {"ModelName": model}),
                 "describe_endpoint": ({"EndpointName": "e", "EndpointArn": ARN + "endpoint/e",
                                        "EndpointConfigName": "c", "EndpointStatus": "InService",
                                        "CreationTime": NOW, "LastModifiedTime": NOW}, {"EndpointName": "e"}),
                 "describe_endpoint_config": ({"EndpointConfigName": "c", "EndpointConfigArn": ARN + "endpoint-config/c",
                                               "CreationTime": NOW, "ExecutionRoleArn": ROLE, **CLOSED,
                                               "ProductionVariants": [{"VariantName": "v", "InstanceType": "ml.m5.large",
                                                                       "InitialInstanceCount": 1}]},
                                              {"EndpointConfigName": "c"})}
    with Stubber(sagemaker) as stub:
        for _ in range(2):   # read for the capacity, then followed
            stub.add_response("describe_inference_component", _component(model, 2), {"InferenceComponentName": "ic"})
        for method, (response, request) in described.items():
            stub.add_response(method, response, request)
        if model == "open":
            with pytest.raises(GuardrailViolation) as exc:
                aas.register_scalable_target(**target, MinCapacity=4, MaxCapacity=4)
            assert {(v.path.rsplit(".", 1)[-1], v.rule_id) for v in exc.value.violations} == {
                ("EnableNetworkIsolation", "SM-NET-ISOLATION"), ("VpcConfig", "SM-NET-VPC")}
            assert exc.value.violations[0].path.startswith(
                "ResourceId -> DescribeInferenceComponent(InferenceComponentName='ic').Specification.ModelName -> "
                "DescribeModel(ModelName='open')")
        else:
            with pytest.raises(ClientError, match="scalableDimension"):   # sent; moto cannot answer
                aas.register_scalable_target(**target, MinCapacity=4, MaxCapacity=4)
        stub.add_response("describe_inference_component", _component(model, 2), {"InferenceComponentName": "ic"})
        with pytest.raises(ClientError, match="scalableDimension"):
            aas.register_scalable_target(**target, MinCapacity=0, MaxCapacity=2)
        stub.assert_no_pending_responses()
    assert safemaker_local.request_count("application-autoscaling", "RegisterScalableTarget") == (
        1 if model == "open" else 2)
