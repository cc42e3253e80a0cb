"""The volume KMS key may be left out only when every instance type a job may run on has instance storage
(trial 14b F00, F01), through real botocore clients against the local backend (moto on 127.0.0.1, over HTTP),
asserting on the request put on the wire; the rendered guardrail policy is evaluated on the same requests with
the project's IAM evaluator.

What botocore 1.44.8's SageMaker model says (the oracle; read at test time below):

* ``ResourceConfig.VolumeKmsKeyId`` / ``ProcessingClusterConfig.VolumeKmsKeyId``: "You can't request a
  VolumeKmsKeyId when using an instance type with local storage" -- of the one type a job uses.
* ``HyperParameterTuningResourceConfig.VolumeKmsKeyId``: "If you choose one of these instance types, you cannot
  request a VolumeKmsKeyId".
* ``HyperParameterTuningResourceConfig.InstanceConfigs``: "compute instances and storage volumes to use in model
  training jobs launched by hyperparameter tuning jobs. The AllocationStrategy controls the order in which
  multiple configurations provided in InstanceConfigs are used": alternatives, each training job on one of them.
* ``ResourceConfig.InstancePreferences`` / ``ProcessingClusterConfig.InstancePreferences``: "An ordered list of
  ML compute instance types ... Exactly one instance type is selected for the job".
* ``ResourceConfig.InstanceGroups``: "The configuration of a heterogeneous cluster": one job on every group.

Nothing says the API rejects a key for a list that mixes EBS and local-storage types, and a job launched on the
EBS type (``ResourceConfig.VolumeSizeInGB``: "ML instance families that use EBS volumes include ml.c5 and ml.p2")
gets an EBS volume, under the AWS managed key when no key is given (docs/rules.md SM-KMS-VOLUME). So a mix keeps
the profile's key (fail closed); only a list whose every type has local storage ("NVMe-type instance storage
include ml.p4d, ml.g4dn, and ml.g5") goes without it.
"""

from __future__ import annotations

import json
import re

import botocore.session
import pytest

from safemaker import guard, iam, iam_eval
from safemaker.errors import GuardrailViolation

from _profiles import IMG, ROLE
from _kms_support import OUT, VOL, keyed, sm  # noqa: F401 - fixtures

MODEL = botocore.session.get_session().get_service_model("sagemaker")


def _doc(shape: str, member: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", MODEL.shape_for(shape).members[member].documentation))


def test_the_documentation_this_file_relies_on() -> None:
    assert "can't request a VolumeKmsKeyId when using an instance type with local storage" in _doc(
        "ResourceConfig", "VolumeKmsKeyId")
    assert "can't request a VolumeKmsKeyId when using an instance type with local storage" in _doc(
        "ProcessingClusterConfig", "VolumeKmsKeyId")
    assert "If you choose one of these instance types, you cannot request a VolumeKmsKeyId" in _doc(
        "HyperParameterTuningResourceConfig", "VolumeKmsKeyId")
    assert "The AllocationStrategy controls the order in which multiple configurations provided in " \
           "InstanceConfigs are used" in _doc("HyperParameterTuningResourceConfig", "InstanceConfigs")
    for shape in ("ResourceConfig", "ProcessingClusterConfig"):
        assert "Exactly one instance type is selected for the job" in _doc(shape, "InstancePreferences"), shape
    assert "heterogeneous cluster" in _doc("ResourceConfig", "InstanceGroups")
    sizes = _doc("ResourceConfig", "VolumeSizeInGB")
    assert "NVMe-type instance storage include ml.p4d, ml.g4dn, and ml.g5" in sizes
    assert "EBS volumes include ml.c5 and ml.p2" in sizes


STORE = ("ml.g5.xlarge", "ml.p4d.24xlarge")  # NVMe-type instance storage (VolumeSizeInGB doc)
EBS = "ml.c5.xlarge"  # EBS volumes (VolumeSizeInGB doc)
PROCESSING_STORE = ("ml.g5.xlarge", "ml.g4dn.xlarge")



def _one(client, operation):
    (body,) = [b for name, b in client.sent if name == operation]
    return body


def _iam_denials(profile, operation, req):
    """The Sids of the rendered guardrail policy that deny ``req``."""
    policies = iam.guardrail_policy(profile)
    [request] = [r for r in iam.authorization_requests(operation, req) if r.action == f"sagemaker:{operation}"]
    return iam_eval.evaluate(policies, request).denying_sids


def _definition(resources: dict) -> dict:
    return {"StaticHyperParameters": {"lr": "0.1"},
            "AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"},
            "RoleArn": ROLE, "OutputDataConfig": {"S3OutputPath": "s3://b/out"},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            "HyperParameterTuningResourceConfig": resources}


def _tune(sm, name, resources):
    sm.create_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=name,
        HyperParameterTuningJobConfig={"Strategy": "Bayesian",
                                       "ResourceLimits": {"MaxNumberOfTrainingJobs": 2,
                                                          "MaxParallelTrainingJobs": 1}},
        TrainingJobDefinition=_definition(resources))
    return _one(sm, "CreateHyperParameterTuningJob")["TrainingJobDefinition"]["HyperParameterTuningResourceConfig"]


def _configs(*types):
    return [{"InstanceType": t, "InstanceCount": 1, "VolumeSizeInGB": 30} for t in types]


@pytest.mark.parametrize("types, keyed_", [((EBS, STORE[0]), True), ((STORE[0], EBS), True),
                                           ((STORE[0], STORE[1]), False), ((EBS,), True)])
def test_tuning_instance_configs_get_the_key_unless_every_type_has_local_storage(sm, keyed, types, keyed_):
    sent = _tune(sm, "t", {"InstanceConfigs": _configs(*types), "AllocationStrategy": "Prioritized"})
    assert [c["InstanceType"] for c in sent["InstanceConfigs"]] == list(types)
    assert sent.get("VolumeKmsKeyId") == (VOL if keyed_ else None)
    body = _one(sm, "CreateHyperParameterTuningJob")
    assert _iam_denials(keyed, "CreateHyperParameterTuningJob", body) == ()


def test_a_keyless_mixed_tuning_request_is_refused_where_nothing_is_injected(keyed) -> None:
    """``safemaker check`` reads a request as written (nothing injected): the mix needs the key."""
    body = {"HyperParameterTuningJobName": "t", "TrainingJobDefinition": _definition(
        {"InstanceConfigs": _configs(EBS, STORE[0]), "AllocationStrategy": "Prioritized"})}
    violations = guard.decide("CreateHyperParameterTuningJob", body, keyed, inject=False).violations
    assert ("TrainingJobDefinition.HyperParameterTuningResourceConfig.VolumeKmsKeyId", "SM-KMS-VOLUME") in {
        (v.path, v.rule_id) for v in violations}
    body["TrainingJobDefinition"]["HyperParameterTuningResourceConfig"]["InstanceConfigs"] = _configs(*STORE)
    violations = guard.decide("CreateHyperParameterTuningJob", body, keyed, inject=False).violations
    assert not [v for v in violations if v.rule_id == "SM-KMS-VOLUME"]


def _training(resource_config: dict) -> dict:
    return {"TrainingJobName": "j", "RoleArn": ROLE,
            "AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"},
            "OutputDataConfig": {"S3OutputPath": "s3://b/out"},
            "ResourceConfig": resource_config, "StoppingCondition": {"MaxRuntimeInSeconds": 3600}}


@pytest.mark.parametrize("types, keyed_", [(STORE, False), ((STORE[0], EBS), True), ((EBS,), True)])
def test_training_instance_preferences(sm, keyed, types, keyed_):
    sm.create_training_job(**_training({"InstancePreferences": [{"InstanceType": t, "InstanceCount": 1}
                                                                for t in types], "VolumeSizeInGB": 10}))
    body = _one(sm, "CreateTrainingJob")
    assert [p["InstanceType"] for p in body["ResourceConfig"]["InstancePreferences"]] == list(types)
    assert body["ResourceConfig"].get("VolumeKmsKeyId") == (VOL if keyed_ else None)
    assert _iam_denials(keyed, "CreateTrainingJob", body) == ()
    keyless = json.loads(json.dumps(body))
    keyless["ResourceConfig"].pop("VolumeKmsKeyId", None)
    assert bool(_iam_denials(keyed, "CreateTrainingJob", keyless)) == keyed_


@pytest.mark.parametrize("types, keyed_", [((EBS, STORE[0]), True), (STORE, False)])
def test_heterogeneous_instance_groups(sm, keyed, types, keyed_):
    groups = [{"InstanceType": t, "InstanceCount": 1, "InstanceGroupName": f"g{i}"} for i, t in enumerate(types)]
    sm.create_training_job(**_training({"InstanceGroups": groups, "VolumeSizeInGB": 10}))
    body = _one(sm, "CreateTrainingJob")
    assert body["ResourceConfig"].get("VolumeKmsKeyId") == (VOL if keyed_ else None)
    assert _iam_denials(keyed, "CreateTrainingJob", body) == ()


def test_the_rendered_policy_denies_the_keyless_mix_and_allows_every_local_storage_list(keyed) -> None:
    """CreateTrainingJob (the rendered policy denies the volume key's absence there; a tuning job's key is required
    only in the resource config it gives, which IAM cannot tell: no statement reads its absence)."""
    groups = [{"InstanceType": t, "InstanceCount": 1, "InstanceGroupName": f"g{i}"}
              for i, t in enumerate((EBS, STORE[0]))]
    resources = {"InstanceGroups": groups, "VolumeSizeInGB": 10}
    body = _training(resources)

    def volume_denials():  # the request has no VPC either: only the volume key's statements are looked at here
        return [s for s in _iam_denials(keyed, "CreateTrainingJob", body) if "VolumeKmsKey" in s]

    assert volume_denials() == ["DenyVolumeKmsKeyArnAbsent"]
    groups[0]["InstanceType"] = STORE[1]  # every group has local storage
    assert volume_denials() == []
    groups[0]["InstanceType"] = EBS
    resources["VolumeKmsKeyId"] = VOL  # the mix with the profile's key: allowed
    assert volume_denials() == []
    del resources["VolumeKmsKeyId"], resources["InstanceGroups"]  # no instance type at all: denied (fail closed)
    assert volume_denials() == ["DenyVolumeKmsKeyArnWithoutInstanceTypesAbsent"]


@pytest.mark.parametrize("types, keyed_", [(PROCESSING_STORE, False), ((PROCESSING_STORE[0], "ml.m5.large"), True)])
def test_processing_instance_preferences(sm, keyed, types, keyed_):
    sm.create_processing_job(
        ProcessingJobName="p", RoleArn=ROLE, AppSpecification={"ImageUri": IMG},
        ProcessingResources={"ClusterConfig": {"InstancePreferences": [{"InstanceType": t} for t in types],
                                               "InstanceCount": 1, "VolumeSizeInGB": 10}})
    body = _one(sm, "CreateProcessingJob")
    cluster = body["ProcessingResources"]["ClusterConfig"]
    assert [p["InstanceType"] for p in cluster["InstancePreferences"]] == list(types)
    assert cluster.get("VolumeKmsKeyId") == (VOL if keyed_ else None)
    assert _iam_denials(keyed, "CreateProcessingJob", body) == ()


def test_a_foreign_key_on_a_local_storage_list_is_still_refused(sm, safemaker_local):
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_training_job(**_training({"InstancePreferences": [{"InstanceType": t, "InstanceCount": 1}
                                                                    for t in STORE],
                                            "VolumeSizeInGB": 10, "VolumeKmsKeyId": "alias/other"}))
    assert [(v.path, v.rule_id) for v in exc.value.violations] == [("ResourceConfig.VolumeKmsKeyId", "SM-KMS-VOLUME")]
    assert not [b for name, b in sm.sent if name == "CreateTrainingJob"]


# --------------------------------------------------------------------------- existing jobs (trial 15 F05)

SELECTED = {"DescribeTrainingJob": ("ResourceConfig",), "DescribeProcessingJob": ("ProcessingResources",
                                                                                  "ClusterConfig")}


def test_the_type_a_job_ran_on_is_in_these_describe_outputs_only() -> None:
    """botocore: SelectedInstanceType "Returned by DescribeTrainingJob [DescribeProcessingJob] after an instance type
    is selected ... read-only and isn't accepted in Create... requests". Every Describe output that holds the
    member: the two jobs, and the templates that share ResourceConfig's shape (a tuning job's definitions, an
    algorithm's validation profiles), which stand for many jobs and keep every type."""
    for shape, job in (("ResourceConfig", "DescribeTrainingJob"), ("ProcessingClusterConfig", "DescribeProcessingJob")):
        doc = _doc(shape, "SelectedInstanceType")
        assert f"Returned by {job} after an instance type is selected" in doc, shape
        assert "isn't accepted in Create" in doc, shape
    holders = {name for name in MODEL.shape_names
               if MODEL.shape_for(name).type_name == "structure"
               and "SelectedInstanceType" in MODEL.shape_for(name).members}
    assert holders == {"ResourceConfig", "ProcessingClusterConfig"}
    describing = {op for op in MODEL.operation_names if op.startswith("Describe")
                  and _holds(MODEL.operation_model(op).output_shape, frozenset())}
    assert describing == {"DescribeTrainingJob", "DescribeProcessingJob", "DescribeHyperParameterTuningJob",
                          "DescribeAlgorithm"}


def _holds(shape, seen) -> bool:
    if shape is None or shape.name in seen:
        return False
    seen = seen | {shape.name}
    if shape.type_name == "structure":
        return "SelectedInstanceType" in shape.members or any(_holds(m, seen) for m in shape.members.values())
    return shape.type_name == "list" and _holds(shape.member, seen)


def _plain(safemaker_local):
    return botocore.session.get_session().create_client(
        "sagemaker", region_name="us-east-1", endpoint_url=safemaker_local.endpoint_url,
        aws_access_key_id="testing", aws_secret_access_key="testing")


def _as_aws_after_selection(client, describe, selected):
    """What AWS answers once it has selected a type from InstancePreferences (moto selects none)."""
    def add(parsed, **kwargs):
        container = parsed
        for key in SELECTED[describe]:
            container = container[key]
        container["SelectedInstanceType"] = selected
        container["SelectedInstanceCount"] = 1

    client.meta.events.register(f"after-call.sagemaker.{describe}", add)


_CLOSED = {"EnableNetworkIsolation": True, "EnableInterContainerTrafficEncryption": True,
           "VpcConfig": {"Subnets": ["subnet-0aaaaaaaaaaaaaaaa"], "SecurityGroupIds": ["sg-0bbbbbbbbbbbbbbbb"]}}


@pytest.mark.parametrize("selected, finding", [(STORE[0], False), (EBS, True)])
def test_an_existing_training_job_is_audited_on_the_type_it_ran_on(safemaker_local, keyed, selected, finding):
    from safemaker import audit

    client = _plain(safemaker_local)
    request = _training({"InstancePreferences": [{"InstanceType": t, "InstanceCount": 1} for t in (STORE[0], EBS)],
                         "VolumeSizeInGB": 10})
    request["OutputDataConfig"]["KmsKeyId"] = OUT
    client.create_training_job(**request, **_CLOSED)
    _as_aws_after_selection(client, "DescribeTrainingJob", selected)
    found = [(f.rule_id, f.path) for f in audit.run(keyed, clients={"us-east-1": client},
                                                     resource_types=["training-job"])]
    assert found == ([("SM-KMS-VOLUME", "ResourceConfig.VolumeKmsKeyId")] if finding else [])


@pytest.mark.parametrize("selected, finding", [(PROCESSING_STORE[0], False), ("ml.m5.large", True)])
def test_an_existing_processing_job_is_audited_on_the_type_it_ran_on(safemaker_local, keyed, selected, finding):
    from safemaker import audit

    client = _plain(safemaker_local)
    client.create_processing_job(
        ProcessingJobName="p", RoleArn=ROLE, AppSpecification={"ImageUri": IMG},
        NetworkConfig=_CLOSED, ProcessingResources={"ClusterConfig": {
            "InstancePreferences": [{"InstanceType": t} for t in (PROCESSING_STORE[0], "ml.m5.large")],
            "InstanceCount": 1, "VolumeSizeInGB": 10}})
    _as_aws_after_selection(client, "DescribeProcessingJob", selected)
    found = [(f.rule_id, f.path) for f in audit.run(keyed, clients={"us-east-1": client},
                                                     resource_types=["processing-job"])]
    assert found == ([("SM-KMS-VOLUME", "ProcessingResources.ClusterConfig.VolumeKmsKeyId")] if finding else [])


def test_a_request_naming_a_selected_type_is_still_decided_by_every_type(sm, keyed):
    """botocore's input ResourceConfig has the member too (one shape): a request that gives it (the API refuses it)
    does not make a mixed list keyless."""
    sm.create_training_job(**_training({"InstancePreferences": [{"InstanceType": t, "InstanceCount": 1}
                                                                for t in (STORE[0], EBS)],
                                        "SelectedInstanceType": STORE[0], "VolumeSizeInGB": 10}))
    assert _one(sm, "CreateTrainingJob")["ResourceConfig"]["VolumeKmsKeyId"] == VOL
    tuning = {"HyperParameterTuningJobName": "t", "TrainingJobDefinition": dict(
        _definition({}), ResourceConfig={"InstancePreferences": [{"InstanceType": t, "InstanceCount": 1}
                                                                 for t in (STORE[0], EBS)],
                                         "SelectedInstanceType": STORE[0], "VolumeSizeInGB": 10})}
    del tuning["TrainingJobDefinition"]["HyperParameterTuningResourceConfig"]
    assert ("TrainingJobDefinition.ResourceConfig.VolumeKmsKeyId", "SM-KMS-VOLUME") in {
        (v.path, v.rule_id) for v in guard.check_resource("hyper-parameter-tuning-job", tuning, keyed)}
