"""The profile's volume and output KMS keys on every request that has one (trial 13 F06), through real botocore
clients: against the local backend (moto on 127.0.0.1, over HTTP) where moto has the operation, through botocore's
Stubber on the same guarded client where it has not (an unstubbed request would raise: "refused" means nothing
was sent).

A foreign key is refused before anything is sent, naming the field and the profile's key; an absent key is filled
in where there is something to encrypt (a volume, an S3 output), and nothing is added where there is not. Which
members are keys and which key each is: botocore's model (tests/unit/test_kms_keys_class.py walks it).
"""

from __future__ import annotations

import re

import pytest
from botocore.stub import Stubber

from safemaker.errors import GuardrailViolation

from _profiles import IMG, ROLE
from _kms_support import OUT, VOL, keyed, sm  # noqa: F401 - fixtures

FOREIGN = "arn:aws:kms:us-east-1:999999999999:key/33333333-3333-3333-3333-333333333333"
ARN = "arn:aws:sagemaker:us-east-1:123456789012"



def _bodies(client, operation):
    return [body for name, body in client.sent if name == operation]


def _refused(exc, *paths):
    assert sorted((v.path, v.found, v.rule_id) for v in exc.value.violations) == sorted(paths)
    for v in exc.value.violations:
        assert (VOL if v.rule_id == "SM-KMS-VOLUME" else OUT) in str(exc.value)


# --------------------------------------------------------------------------- requests moto answers


def _closed_model(sm, name="m"):
    sm.create_model(ModelName=name, PrimaryContainer={"Image": IMG, "ModelDataUrl": "s3://b/model.tar.gz"},
                    ExecutionRoleArn=ROLE)


def _variant(**extra):
    return {"VariantName": "v", "ModelName": "m", "InitialInstanceCount": 1, "InstanceType": "ml.m5.large", **extra}


CAPTURE = {"InitialSamplingPercentage": 50, "DestinationS3Uri": "s3://b/capture",
           "CaptureOptions": [{"CaptureMode": "Input"}]}
ASYNC = {"OutputConfig": {"S3OutputPath": "s3://b/async"}}
CORE_DUMP = {"DestinationS3Uri": "s3://b/dumps"}


def test_endpoint_config_outputs_get_the_output_key_and_a_foreign_one_is_refused(sm, safemaker_local):
    _closed_model(sm)
    sm.create_endpoint_config(EndpointConfigName="c1", ProductionVariants=[_variant(CoreDumpConfig=CORE_DUMP)],
                              DataCaptureConfig=CAPTURE, AsyncInferenceConfig=ASYNC)
    (body,) = _bodies(sm, "CreateEndpointConfig")
    assert body["DataCaptureConfig"]["KmsKeyId"] == OUT
    assert body["AsyncInferenceConfig"]["OutputConfig"]["KmsKeyId"] == OUT
    assert body["ProductionVariants"][0]["CoreDumpConfig"]["KmsKeyId"] == OUT
    assert body["KmsKeyId"] == VOL
    stored = sm.describe_endpoint_config(EndpointConfigName="c1")
    assert stored["DataCaptureConfig"]["KmsKeyId"] == OUT  # what moto keeps is what was sent
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_endpoint_config(
            EndpointConfigName="c2", ProductionVariants=[_variant(CoreDumpConfig={**CORE_DUMP, "KmsKeyId": FOREIGN})],
            DataCaptureConfig={**CAPTURE, "KmsKeyId": FOREIGN},
            AsyncInferenceConfig={"OutputConfig": {**ASYNC["OutputConfig"], "KmsKeyId": FOREIGN}})
    _refused(exc, ("DataCaptureConfig.KmsKeyId", FOREIGN, "SM-KMS-OUTPUT"),
             ("AsyncInferenceConfig.OutputConfig.KmsKeyId", FOREIGN, "SM-KMS-OUTPUT"),
             ("ProductionVariants[0].CoreDumpConfig.KmsKeyId", FOREIGN, "SM-KMS-OUTPUT"))
    assert len(_bodies(sm, "CreateEndpointConfig")) == 1
    assert safemaker_local.request_count("sagemaker", "CreateEndpointConfig") == 1


def test_endpoint_config_without_capture_async_or_dumps_gets_no_output_key(sm):
    _closed_model(sm)
    sm.create_endpoint_config(EndpointConfigName="plain", ProductionVariants=[_variant()])
    (body,) = _bodies(sm, "CreateEndpointConfig")
    assert set(body) == {"EndpointConfigName", "ProductionVariants", "KmsKeyId"}
    assert "CoreDumpConfig" not in body["ProductionVariants"][0]


def _transform(**extra):
    return {"TransformJobName": "t", "ModelName": "m",
            "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/in"}}},
            "TransformOutput": {"S3OutputPath": "s3://b/out"},
            "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1}, **extra}


def test_transform_data_capture_gets_the_output_key_and_a_foreign_one_is_refused(sm, safemaker_local):
    _closed_model(sm)
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_transform_job(**_transform(DataCaptureConfig={"DestinationS3Uri": "s3://b/cap",
                                                                "KmsKeyId": FOREIGN}))
    _refused(exc, ("DataCaptureConfig.KmsKeyId", FOREIGN, "SM-KMS-OUTPUT"))
    assert safemaker_local.request_count("sagemaker", "CreateTransformJob") == 0
    sm.create_transform_job(**_transform(DataCaptureConfig={"DestinationS3Uri": "s3://b/cap"}))
    (body,) = _bodies(sm, "CreateTransformJob")
    assert body["DataCaptureConfig"] == {"DestinationS3Uri": "s3://b/cap", "KmsKeyId": OUT}
    assert (body["TransformOutput"]["KmsKeyId"], body["TransformResources"]["VolumeKmsKeyId"]) == (OUT, VOL)


def _compilation(**output):
    return {"CompilationJobName": "cj", "RoleArn": ROLE,
            "InputConfig": {"S3Uri": "s3://b/model.tar.gz", "DataInputConfig": '{"data": [1, 3, 224, 224]}',
                            "Framework": "PYTORCH"},
            "OutputConfig": {"S3OutputLocation": "s3://b/compiled", "TargetDevice": "ml_c5", **output},
            "StoppingCondition": {"MaxRuntimeInSeconds": 900}}


def test_compilation_output_gets_the_output_key_and_a_foreign_one_is_refused(sm, safemaker_local):
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_compilation_job(**_compilation(KmsKeyId=FOREIGN))
    _refused(exc, ("OutputConfig.KmsKeyId", FOREIGN, "SM-KMS-OUTPUT"))
    assert safemaker_local.request_count("sagemaker", "CreateCompilationJob") == 0
    sm.create_compilation_job(**_compilation())
    (body,) = _bodies(sm, "CreateCompilationJob")
    assert body["OutputConfig"]["KmsKeyId"] == OUT


def _cluster(*storage):
    group = {"InstanceGroupName": "g", "InstanceType": "ml.m5.large", "InstanceCount": 1, "ExecutionRole": ROLE,
             "ThreadsPerCore": 1,  # moto reads it unconditionally
             "LifeCycleConfig": {"SourceS3Uri": "s3://sagemaker-lifecycle/hp", "OnCreate": "on_create.sh"}}
    if storage:
        group["InstanceStorageConfigs"] = list(storage)
    return {"ClusterName": "hp", "InstanceGroups": [group]}


def test_hyperpod_ebs_volumes_get_the_volume_key_and_a_foreign_one_is_refused(sm, safemaker_local):
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_cluster(**_cluster({"EbsVolumeConfig": {"VolumeSizeInGB": 100, "VolumeKmsKeyId": FOREIGN}}))
    _refused(exc, ("InstanceGroups[0].InstanceStorageConfigs[0].EbsVolumeConfig.VolumeKmsKeyId", FOREIGN,
                   "SM-KMS-VOLUME"))
    assert safemaker_local.request_count("sagemaker", "CreateCluster") == 0
    sm.create_cluster(**_cluster({"EbsVolumeConfig": {"VolumeSizeInGB": 100}}))
    (body,) = _bodies(sm, "CreateCluster")
    assert body["InstanceGroups"][0]["InstanceStorageConfigs"] == [
        {"EbsVolumeConfig": {"VolumeSizeInGB": 100, "VolumeKmsKeyId": VOL}}]


def test_hyperpod_group_without_an_ebs_volume_config_gets_no_storage_added(sm):
    sm.create_cluster(**_cluster())
    (body,) = _bodies(sm, "CreateCluster")
    assert "InstanceStorageConfigs" not in body["InstanceGroups"][0]


# --------------------------------------------------------------------------- requests moto lacks: Stubber


def _stubbed(sm, method, request, sent, answer):
    with Stubber(sm) as stub:
        stub.add_response(method, answer, sent)  # expected_params: the request as the guard sends it
        getattr(sm, method)(**request)
        stub.assert_no_pending_responses()


def _refused_unsent(sm, method, request):
    with Stubber(sm), pytest.raises(GuardrailViolation) as exc:  # nothing stubbed: a request sent would raise
        getattr(sm, method)(**request)
    return exc



STUBBED = [
    # (method, request without keys, the request sent, a foreign key's path, answer)
    ("create_inference_recommendations_job",
     {"JobName": "rec", "JobType": "Default", "RoleArn": ROLE,
      "InputConfig": {"ModelName": "m", "VpcConfig": {"Subnets": ["subnet-0aaaaaaaaaaaaaaaa"],
                                                      "SecurityGroupIds": ["sg-0bbbbbbbbbbbbbbbb"]}},
      "OutputConfig": {"CompiledOutputConfig": {"S3OutputUri": "s3://b/rec"}}},
     {"InputConfig.VolumeKmsKeyId": VOL, "OutputConfig.KmsKeyId": OUT},
     "InputConfig.VolumeKmsKeyId", {"JobArn": f"{ARN}:inference-recommendations-job/rec"}),
    ("create_optimization_job",
     {"OptimizationJobName": "opt", "RoleArn": ROLE, "ModelSource": {"S3": {"S3Uri": "s3://b/model/"}},
      "DeploymentInstanceType": "ml.g5.xlarge", "OptimizationConfigs": [{"ModelQuantizationConfig": {}}],
      "OutputConfig": {"S3OutputLocation": "s3://b/optimized"},
      "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
      "VpcConfig": {"Subnets": ["subnet-0aaaaaaaaaaaaaaaa"], "SecurityGroupIds": ["sg-0bbbbbbbbbbbbbbbb"]}},
     {"OutputConfig.KmsKeyId": OUT}, "OutputConfig.KmsKeyId", {"OptimizationJobArn": f"{ARN}:optimization-job/opt"}),
    ("create_inference_experiment",
     {"Name": "ie", "Type": "ShadowMode", "RoleArn": ROLE, "EndpointName": "ep",
      "ModelVariants": [{"ModelName": "m", "VariantName": "v",
                         "InfrastructureConfig": {"InfrastructureType": "RealTimeInference",
                                                  "RealTimeInferenceConfig": {"InstanceType": "ml.m5.large",
                                                                              "InstanceCount": 1}}}],
      "ShadowModeConfig": {"SourceModelVariantName": "v",
                           "ShadowModelVariants": [{"ShadowModelVariantName": "v", "SamplingPercentage": 10}]},
      "DataStorageConfig": {"Destination": "s3://b/captured"}},
     {"KmsKey": VOL, "DataStorageConfig.KmsKey": OUT}, "DataStorageConfig.KmsKey",
     {"InferenceExperimentArn": f"{ARN}:inference-experiment/ie"}),
    ("create_edge_packaging_job",
     {"EdgePackagingJobName": "ep", "CompilationJobName": "cj", "ModelName": "m", "ModelVersion": "1",
      "RoleArn": ROLE, "OutputConfig": {"S3OutputLocation": "s3://b/edge"}},
     {"OutputConfig.KmsKeyId": OUT, "ResourceKey": VOL}, "ResourceKey", {}),
    ("create_device_fleet",
     {"DeviceFleetName": "fleet", "OutputConfig": {"S3OutputLocation": "s3://b/fleet"}},
     {"OutputConfig.KmsKeyId": OUT}, "OutputConfig.KmsKeyId", {}),
    ("create_user_profile",
     {"DomainId": "d-1", "UserProfileName": "u",
      "UserSettings": {"SharingSettings": {"NotebookOutputOption": "Allowed", "S3OutputPath": "s3://b/share"},
                       "CanvasAppSettings": {"WorkspaceSettings": {"S3ArtifactPath": "s3://b/canvas"}}}},
     {"UserSettings.SharingSettings.S3KmsKeyId": OUT,
      "UserSettings.CanvasAppSettings.WorkspaceSettings.S3KmsKeyId": OUT},
     "UserSettings.SharingSettings.S3KmsKeyId", {"UserProfileArn": f"{ARN}:user-profile/d-1/u"}),
]


def _with(request, values):
    import copy

    out = copy.deepcopy(request)
    for path, value in values.items():
        *parents, last = path.split(".")
        node = out
        for p in parents:
            node = node[p]
        node[last] = value
    return out


def _describes(stub, method):
    """The Describe answers a request's references need (closed resources), before the request itself."""
    closed_vpc = {"Subnets": ["subnet-0aaaaaaaaaaaaaaaa"], "SecurityGroupIds": ["sg-0bbbbbbbbbbbbbbbb"]}
    if method in ("create_inference_recommendations_job", "create_inference_experiment"):
        stub.add_response("describe_model", {
            "ModelName": "m", "ModelArn": f"{ARN}:model/m", "ExecutionRoleArn": ROLE,
            "CreationTime": 0, "EnableNetworkIsolation": True, "VpcConfig": closed_vpc,
            "PrimaryContainer": {"Image": IMG}}, {"ModelName": "m"})
    if method == "create_user_profile":
        stub.add_response("describe_domain", {
            "DomainId": "d-1", "DomainArn": f"{ARN}:domain/d-1", "AppNetworkAccessType": "VpcOnly",
            "VpcId": "vpc-0dddddddddddddddd", "SubnetIds": ["subnet-0aaaaaaaaaaaaaaaa"], "KmsKeyId": VOL,
            "DefaultUserSettings": {"SecurityGroups": ["sg-0bbbbbbbbbbbbbbbb"]},
            "DefaultSpaceSettings": {"SecurityGroups": ["sg-0bbbbbbbbbbbbbbbb"]}}, {"DomainId": "d-1"})


@pytest.mark.parametrize("method, request_, injected, foreign_at, answer", STUBBED, ids=[c[0] for c in STUBBED])
def test_keys_are_filled_in_and_foreign_keys_refused_where_moto_lacks_the_operation(
        sm, method, request_, injected, foreign_at, answer):
    with Stubber(sm) as stub:
        _describes(stub, method)
        stub.add_response(method, answer, _with(request_, injected))  # the request the guard sends
        getattr(sm, method)(**request_)
        stub.assert_no_pending_responses()
    with Stubber(sm) as stub:
        _describes(stub, method)
        with pytest.raises(GuardrailViolation) as exc:  # nothing stubbed for the request: sent would raise
            getattr(sm, method)(**_with(request_, {**injected, foreign_at: FOREIGN}))
    _refused(exc, (foreign_at, FOREIGN, "SM-KMS-VOLUME" if injected[foreign_at] == VOL else "SM-KMS-OUTPUT"))


UPDATES = [
    ("update_cluster", {"ClusterName": "hp", "InstanceGroups": [{
        "InstanceGroupName": "g", "InstanceType": "ml.m5.large", "InstanceCount": 2, "ExecutionRole": ROLE,
        "LifeCycleConfig": {"SourceS3Uri": "s3://sagemaker-lifecycle/hp", "OnCreate": "on_create.sh"},
        "InstanceStorageConfigs": [{"EbsVolumeConfig": {"VolumeSizeInGB": 100, "VolumeKmsKeyId": FOREIGN}}]}]},
     "InstanceGroups[0].InstanceStorageConfigs[0].EbsVolumeConfig.VolumeKmsKeyId", "SM-KMS-VOLUME"),
    ("update_inference_experiment", {"Name": "ie", "DataStorageConfig": {"Destination": "s3://b/c",
                                                                         "KmsKey": FOREIGN}},
     "DataStorageConfig.KmsKey", "SM-KMS-OUTPUT"),
    ("update_device_fleet", {"DeviceFleetName": "fleet", "OutputConfig": {"S3OutputLocation": "s3://b/fleet",
                                                                           "KmsKeyId": FOREIGN}},
     "OutputConfig.KmsKeyId", "SM-KMS-OUTPUT"),
    ("update_domain", {"DomainId": "d-1", "DefaultUserSettings": {"SharingSettings": {
        "S3OutputPath": "s3://b/share", "S3KmsKeyId": FOREIGN}}},
     "DefaultUserSettings.SharingSettings.S3KmsKeyId", "SM-KMS-OUTPUT"),
]


@pytest.mark.parametrize("method, request_, path, rule", UPDATES, ids=[c[0] for c in UPDATES])
def test_updates_refuse_a_foreign_key_given(sm, method, request_, path, rule):
    with Stubber(sm) as stub:
        if method == "update_cluster":  # the cluster the groups join is followed (DescribeCluster)
            stub.add_response("describe_cluster", {
                "ClusterArn": f"{ARN}:cluster/hp", "ClusterName": "hp", "ClusterStatus": "InService",
                "InstanceGroups": [], "VpcConfig": {"Subnets": ["subnet-0aaaaaaaaaaaaaaaa"],
                                                    "SecurityGroupIds": ["sg-0bbbbbbbbbbbbbbbb"]}},
                {"ClusterName": "hp"})
        with pytest.raises(GuardrailViolation) as exc:
            getattr(sm, method)(**request_)
    _refused(exc, (path, FOREIGN, rule))


# --------------------------------------------------------------------------- updates that add a volume or an output

_GROUP = {"InstanceGroupName": "new", "InstanceType": "ml.m5.large", "InstanceCount": 2, "ExecutionRole": ROLE,
          "LifeCycleConfig": {"SourceS3Uri": "s3://sagemaker-lifecycle/hp", "OnCreate": "on_create.sh"}}

# (method, request giving a volume or an output without its key, the key's path, the key the profile requires).
# botocore's model: UpdateCluster "Specify the instance groups to update", each InstanceStorageConfigs[] entry's
# EbsVolumeConfig "Defines the configuration for attaching additional Amazon Elastic Block Store (EBS) volumes"
# (VolumeKmsKeyId: "The ID of a KMS key to encrypt the Amazon EBS volume"), also in RestrictedInstanceGroups;
# UpdateDeviceFleet's OutputConfig is required, with S3OutputLocation ("If you don't provide a KMS key ID, Amazon
# SageMaker uses the default KMS key for Amazon S3"); UpdateInferenceExperiment's DataStorageConfig requires its
# Destination; Studio SharingSettings.S3OutputPath / Canvas WorkspaceSettings.S3ArtifactPath name an S3 output whose
# key is S3KmsKeyId. Updates inject nothing, so each is refused, and sent as given with the profile's key.
UPDATES_ADDING = [
    ("update_cluster", {"ClusterName": "hp", "InstanceGroups": [
        dict(_GROUP, InstanceStorageConfigs=[{"EbsVolumeConfig": {"VolumeSizeInGB": 100}}])]},
     "InstanceGroups[0].InstanceStorageConfigs[0].EbsVolumeConfig.VolumeKmsKeyId", VOL),
    ("update_cluster", {"ClusterName": "hp", "RestrictedInstanceGroups": (  # tuples: botocore takes them for lists
        {"InstanceGroupName": "restricted", "InstanceType": "ml.p5.48xlarge", "InstanceCount": 1, "ExecutionRole": ROLE,
         "InstanceStorageConfigs": ({"EbsVolumeConfig": {"VolumeSizeInGB": 100}},)},)},
     "RestrictedInstanceGroups[0].InstanceStorageConfigs[0].EbsVolumeConfig.VolumeKmsKeyId", VOL),
    ("update_device_fleet", {"DeviceFleetName": "fleet", "OutputConfig": {"S3OutputLocation": "s3://b/fleet"}},
     "OutputConfig.KmsKeyId", OUT),
    ("update_inference_experiment", {"Name": "ie", "DataStorageConfig": {"Destination": "s3://b/captured"}},
     "DataStorageConfig.KmsKey", OUT),
    ("update_domain", {"DomainId": "d-1", "DefaultUserSettings": {"SharingSettings": {
        "NotebookOutputOption": "Allowed", "S3OutputPath": "s3://b/share"}}},
     "DefaultUserSettings.SharingSettings.S3KmsKeyId", OUT),
    ("update_domain", {"DomainId": "d-1", "DefaultUserSettings": {"CanvasAppSettings": {"WorkspaceSettings": {
        "S3ArtifactPath": "s3://b/canvas"}}}},
     "DefaultUserSettings.CanvasAppSettings.WorkspaceSettings.S3KmsKeyId", OUT),
    ("update_user_profile", {"DomainId": "d-1", "UserProfileName": "u", "UserSettings": {"SharingSettings": {
        "NotebookOutputOption": "Allowed", "S3OutputPath": "s3://b/share"}}},
     "UserSettings.SharingSettings.S3KmsKeyId", OUT),
    ("update_user_profile", {"DomainId": "d-1", "UserProfileName": "u", "UserSettings": {"CanvasAppSettings": {
        "WorkspaceSettings": {"S3ArtifactPath": "s3://b/canvas"}}}},
     "UserSettings.CanvasAppSettings.WorkspaceSettings.S3KmsKeyId", OUT),
]
_ANSWERS = {"update_cluster": {"ClusterArn": f"{ARN}:cluster/hp"}, "update_device_fleet": {},
            "update_inference_experiment": {"InferenceExperimentArn": f"{ARN}:inference-experiment/ie"},
            "update_domain": {"DomainArn": f"{ARN}:domain/d-1"},
            "update_user_profile": {"UserProfileArn": f"{ARN}:user-profile/d-1/u"}}


def _describe_cluster(stub):
    """The cluster the groups join is followed (DescribeCluster): a closed one."""
    stub.add_response("describe_cluster", {
        "ClusterArn": f"{ARN}:cluster/hp", "ClusterName": "hp", "ClusterStatus": "InService", "InstanceGroups": [],
        "VpcConfig": {"Subnets": ["subnet-0aaaaaaaaaaaaaaaa"], "SecurityGroupIds": ["sg-0bbbbbbbbbbbbbbbb"]}},
        {"ClusterName": "hp"})


def _with_key(request, path, key):
    """``request`` with ``key`` at concrete ``path`` (lists or tuples on the way copied to lists)."""
    import copy

    out = copy.deepcopy(request)
    parts = [int(i) if i else n for n, i in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path)]
    node = out
    for p in parts[:-1]:
        if isinstance(node[p], tuple):
            node[p] = list(node[p])
        node = node[p]
    node[parts[-1]] = key
    return out


@pytest.mark.parametrize("method, request_, path, key", UPDATES_ADDING,
                         ids=[f"{c[0]}:{c[2]}" for c in UPDATES_ADDING])
def test_an_update_that_adds_a_volume_or_an_output_without_the_profiles_key_is_refused_unsent(
        sm, method, request_, path, key):
    with Stubber(sm) as stub:  # nothing stubbed for the update: a request sent would raise
        if method == "update_cluster":
            _describe_cluster(stub)
        with pytest.raises(GuardrailViolation) as exc:
            getattr(sm, method)(**request_)
    from safemaker.errors import MISSING

    assert [(v.path, v.found, v.rule_id) for v in exc.value.violations] == [
        (path, MISSING, "SM-KMS-VOLUME" if key == VOL else "SM-KMS-OUTPUT")]
    message = str(exc.value)
    assert key in message and f"Set {path} to the profile's KMS key" in message
    assert "omit" not in message and "inject" not in message  # updates inject nothing
    # with the profile's key, the update is sent exactly as given (nothing added)
    given = _with_key(request_, path, key)
    with Stubber(sm) as stub:
        if method == "update_cluster":
            _describe_cluster(stub)
        stub.add_response(method, _ANSWERS[method], given)
        getattr(sm, method)(**given)
        stub.assert_no_pending_responses()


def test_updates_that_add_no_volume_or_output_are_sent_as_given(sm):
    """Resizing a group with no storage entry, or turning notebook sharing off (no S3 output), adds nothing to
    encrypt: sent as given, nothing injected."""
    resize = {"ClusterName": "hp", "InstanceGroups": [_GROUP]}
    with Stubber(sm) as stub:
        _describe_cluster(stub)
        stub.add_response("update_cluster", _ANSWERS["update_cluster"], resize)
        sm.update_cluster(**resize)
        stub.assert_no_pending_responses()
    off = {"DomainId": "d-1", "DefaultUserSettings": {"SharingSettings": {"NotebookOutputOption": "Disabled"}}}
    with Stubber(sm) as stub:
        stub.add_response("update_domain", _ANSWERS["update_domain"], off)
        sm.update_domain(**off)
        stub.assert_no_pending_responses()


def test_every_update_that_can_carry_a_volume_or_output_key_is_covered():
    """Derived from botocore's model: every Update* operation whose input has a KMS key member the guard decides
    as a volume or output key (SM-KMS-VOLUME / SM-KMS-OUTPUT) is exercised above (adding it without the key), or by
    UpdateMonitoringSchedule's own tests (its job definition replaces the stored one as a whole)."""
    import botocore.session

    from _shapes import walk_members
    from safemaker.rules import RULES, Guardrail

    model = botocore.session.get_session().get_service_model("sagemaker")
    found = set()
    for op in model.operation_names:
        rule = RULES.get(op)
        if not op.startswith("Update") or rule is None:
            continue
        ruled = {(f"{t.anchor}.{f.path}" if t.anchor else f.path).replace(".[]", "[]"): f.guardrail
                 for t, f in rule.fields()}
        for path, name, member, _ in walk_members(model.operation_model(op).input_shape):
            if member.type_name == "string" and "kms" in name.lower() and ruled.get(path) in (
                    Guardrail.VOLUME_KMS_KEY, Guardrail.OUTPUT_KMS_KEY):
                found.add((op, path))
    covered = {("".join(w.title() for w in m.split("_")), re.sub(r"\[\d+\]", "[]", p))
               for m, _, p, _ in UPDATES_ADDING}
    monitoring = {("UpdateMonitoringSchedule", p) for p in (
        "MonitoringScheduleConfig.MonitoringJobDefinition.MonitoringOutputConfig.KmsKeyId",
        "MonitoringScheduleConfig.MonitoringJobDefinition.MonitoringResources.ClusterConfig.VolumeKmsKeyId")}
    assert sorted(found - covered - monitoring) == []
    assert sorted((covered | monitoring) - found) == []
