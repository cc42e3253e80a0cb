"""The SDK adapters refuse through the guard (safemaker.sdk._refusal; pure, no SDK, no network).

What an adapter refuses early must be what the guard refuses when the request
is sent: the same rule, value found, value required and wording. The expected
violations here are the guard's own on the raw request a boto3 caller would
send (the hook's decision), and the guard's rules are tested against
botocore's model elsewhere (tests/unit/test_guard.py, the fuzz oracle).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import safemaker.sdk
from safemaker import guard
from safemaker.errors import MISSING, GuardrailViolation
from safemaker.profile import VpcProfile
from safemaker.sdk._refusal import (
    at_argument,
    close_arguments,
    leave_out_volume_key,
    refuse,
    refuse_arguments,
    refuse_role,
    refuse_serverless,
    serverless_endpoint_config,
)

from _profiles import ROLE, SG, SUB_A, SUB_OUT

OTHER_ROLE = "arn:aws:iam::123456789012:role/Admin"


@pytest.fixture(scope="module")
def profile(profile_factory) -> VpcProfile:
    return profile_factory(subnets=[SUB_A])


def test_no_module_of_the_sdk_adapters_builds_a_violation():
    """Architecture: SDK adapters "never re-implement the guard or build violations"."""
    root = Path(safemaker.sdk.__file__).parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name == "Violation":
                    offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert offenders == []


def test_serverless_is_refused_with_the_guards_violation_of_the_final_request(profile):
    config = {"MemorySizeInMB": 2048, "MaxConcurrency": 5}
    with pytest.raises(GuardrailViolation) as exc:
        refuse_serverless(config, profile, model_name="m", endpoint_config_name="ep")
    raw = {"EndpointConfigName": "ep",
           "ProductionVariants": [{"VariantName": "AllTraffic", "ModelName": "m", "ServerlessConfig": config}]}
    assert exc.value.operation == "CreateEndpointConfig"
    assert exc.value.violations == list(guard.decide("CreateEndpointConfig", raw, profile).violations)
    (v,) = exc.value.violations
    assert (v.path, v.rule_id, v.found) == ("ProductionVariants[0].ServerlessConfig", "SM-UNSUPPORTED", config)


def test_serverless_is_not_checked_without_a_config_or_a_profile(profile):
    refuse_serverless(None, profile)
    refuse_serverless({"MemorySizeInMB": 2048}, None)


def test_the_serverless_request_takes_the_sdk_v2_request_dict():
    class V2Config:  # sagemaker.serverless.ServerlessInferenceConfig's interface
        def _to_request_dict(self):
            return {"MemorySizeInMB": 1024, "MaxConcurrency": 2}

    request = serverless_endpoint_config(V2Config())
    assert request["ProductionVariants"][0]["ServerlessConfig"] == {"MemorySizeInMB": 1024, "MaxConcurrency": 2}


def test_a_role_name_outside_the_profile_is_the_guards_role_violation_at_the_argument(profile):
    with pytest.raises(GuardrailViolation) as exc:
        refuse_role("SomeOtherRole", profile)
    (v,) = exc.value.violations
    (expected,) = guard.decide("CreateTrainingJob", {"RoleArn": "SomeOtherRole"}, profile).violations
    assert exc.value.operation == "ClosedNetworkSession"
    assert (v.path, v.found, v.required, v.rule_id, v.fix, v.required_text) == (
        "role", "SomeOtherRole", [ROLE], "SM-IAM-ROLE", expected.fix, expected.required_text)
    refuse_role(ROLE, profile)  # allowed: nothing raised


def test_arguments_are_refused_with_the_guards_rule_values_and_a_fix_naming_the_argument(profile):
    mapping = (("enable_network_isolation", "EnableNetworkIsolation"), ("subnets", "VpcConfig.Subnets"),
               ("security_group_ids", "VpcConfig.SecurityGroupIds"), ("role", "RoleArn"))
    given = {"enable_network_isolation": False, "subnets": [SUB_OUT], "security_group_ids": [SG],
             "role": OTHER_ROLE}
    with pytest.raises(GuardrailViolation) as exc:
        refuse_arguments("CreateTrainingJob", mapping, given, profile, where="ClosedEstimator()")
    raw = {"EnableNetworkIsolation": False, "VpcConfig": {"Subnets": [SUB_OUT], "SecurityGroupIds": [SG]},
           "RoleArn": OTHER_ROLE}
    expected = guard.decide("CreateTrainingJob", raw, profile).violations
    got = exc.value.violations
    assert [(v.path, v.found, v.required, v.rule_id) for v in got] == [
        (e.path, e.found, e.required, e.rule_id) for e in expected]
    assert [v.fix for v in got] == [
        f"Change {arg}= in ClosedEstimator(), or leave it out so that the profile's value is used"
        for arg in ("enable_network_isolation", "subnets", "role")]


def test_arguments_shown_as_attribute_paths_with_the_request_path(profile):
    mapping = (("networking.subnets", "VpcConfig.Subnets"), ("networking.security_group_ids",
                                                              "VpcConfig.SecurityGroupIds"))
    with pytest.raises(GuardrailViolation) as exc:
        refuse_arguments("CreateTrainingJob", mapping, {"networking.subnets": [SUB_A, SUB_OUT],
                                                        "networking.security_group_ids": [SG]},
                         profile, where="ClosedModelTrainer()", keyword=False, refuser="ClosedModelTrainer",
                         show_request_path=True)
    (v,) = exc.value.violations
    assert exc.value.operation == v.operation == "ClosedModelTrainer"
    assert (v.path, v.found, v.rule_id) == ("networking.subnets[1] (VpcConfig.Subnets[1])", SUB_OUT, "SM-NET-VPC")
    assert v.fix.startswith("Change networking.subnets in ClosedModelTrainer()")


def test_refuse_answers_only_for_the_fields_it_is_given(profile):
    # A partial request: the KMS key, VPC... are the SDK's later; only the named fields are decided now.
    refuse("CreateTrainingJob", {"EnableNetworkIsolation": True, "RoleArn": OTHER_ROLE}, profile,
           within=("EnableNetworkIsolation",))
    with pytest.raises(GuardrailViolation) as exc:
        refuse("CreateTrainingJob", {"EnableNetworkIsolation": False}, profile, within=("EnableNetworkIsolation",))
    assert [(v.path, v.rule_id) for v in exc.value.violations] == [("EnableNetworkIsolation", "SM-NET-ISOLATION")]


def test_at_argument_keeps_the_guards_rule_and_values(profile):
    (v,) = guard.decide("CreateModel", {"EnableNetworkIsolation": False}, profile).violations
    moved = at_argument(v, "enable_network_isolation", fix="Change it", operation="ClosedModel")
    assert (moved.path, moved.fix, moved.operation) == ("enable_network_isolation", "Change it", "ClosedModel")
    assert (moved.found, moved.required, moved.rule_id, moved.required_text) == (
        v.found, v.required, v.rule_id, v.required_text)


# --------------------------------------------------------------------------- volume keys on instance storage
# API reference (botocore's documentation of ResourceConfig / ProcessingClusterConfig / TransformResources
# VolumeKmsKeyId): "You can't request a VolumeKmsKeyId when using an instance type with local storage";
# ResourceConfig.VolumeSizeInGB: "ML instance families with the NVMe-type instance storage include ml.p4d,
# ml.g4dn, and ml.g5" and "ML instance families that use EBS volumes include ml.c5 and ml.p2".

VOL = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
_KEY_FIELD = (("volume_kms_key", "ResourceConfig.VolumeKmsKeyId"),)


@pytest.fixture(scope="module")
def keyed(profile_factory) -> VpcProfile:
    return profile_factory(volume_kms_key_id=VOL)


@pytest.mark.parametrize("instance_type, filled", [("ml.g5.xlarge", False), ("ml.p4d.24xlarge", False),
                                                   ("ml.g4dn.xlarge", False), ("ml.c5.xlarge", True),
                                                   ("ml.p2.xlarge", True), (None, True)])
def test_close_arguments_fills_the_volume_key_by_the_instance_type_of_the_context(keyed, instance_type, filled):
    context = {"ResourceConfig.InstanceType": instance_type}
    closed = close_arguments("CreateTrainingJob", _KEY_FIELD, {}, keyed, where="E()", parents=("ResourceConfig",),
                             context=context)
    assert closed == {"volume_kms_key": VOL if filled else MISSING}  # the context is not returned
    # A config default (SDK v2: the session's sagemaker_config) is used only where the guard fills the field.
    defaults = {"ResourceConfig": {"VolumeKmsKeyId": VOL}}
    closed = close_arguments("CreateTrainingJob", _KEY_FIELD, {}, keyed, where="E()", parents=("ResourceConfig",),
                             context=context, defaults=defaults)
    assert closed == {"volume_kms_key": VOL if filled else MISSING}


def test_close_arguments_instance_groups_context(keyed):
    groups = [{"InstanceType": "ml.c5.xlarge"}, {"InstanceType": "ml.g5.xlarge"}]
    closed = close_arguments("CreateTrainingJob", _KEY_FIELD, {}, keyed, where="E()", parents=("ResourceConfig",),
                             context={"ResourceConfig.InstanceGroups": groups})
    # the c5 group's EBS volume takes the profile's key (was MISSING under the 'any group has storage' rule, 14b F00)
    assert closed == {"volume_kms_key": VOL}
    groups[0]["InstanceType"] = "ml.p4d.24xlarge"  # every group has local storage
    closed = close_arguments("CreateTrainingJob", _KEY_FIELD, {}, keyed, where="E()", parents=("ResourceConfig",),
                             context={"ResourceConfig.InstanceGroups": groups})
    assert closed == {"volume_kms_key": MISSING}


def test_a_foreign_key_is_refused_whatever_the_instance_type(keyed):
    with pytest.raises(GuardrailViolation) as exc:
        close_arguments("CreateTrainingJob", _KEY_FIELD, {"volume_kms_key": "alias/other"}, keyed, where="E()",
                        parents=("ResourceConfig",), context={"ResourceConfig.InstanceType": "ml.g5.xlarge"})
    assert [(v.path, v.rule_id) for v in exc.value.violations] == [("ResourceConfig.VolumeKmsKeyId", "SM-KMS-VOLUME")]


@pytest.mark.parametrize("operation, request_, removed", [
    ("CreateTrainingJob", {"ResourceConfig": {"InstanceType": "ml.g5.xlarge", "VolumeKmsKeyId": VOL}},
     ("ResourceConfig.VolumeKmsKeyId",)),
    ("CreateTrainingJob", {"ResourceConfig": {"InstanceType": "ml.c5.xlarge", "VolumeKmsKeyId": VOL}}, ()),
    ("CreateTrainingJob", {"ResourceConfig": {"InstanceType": "ml.g5.xlarge", "VolumeKmsKeyId": "alias/other"}}, ()),
    ("CreateProcessingJob",
     {"ProcessingResources": {"ClusterConfig": {"InstanceType": "ml.g4dn.xlarge", "VolumeKmsKeyId": VOL}}},
     ("ProcessingResources.ClusterConfig.VolumeKmsKeyId",)),
    ("CreateTransformJob", {"TransformResources": {"InstanceType": "ml.g5.xlarge", "VolumeKmsKeyId": VOL}},
     ("TransformResources.VolumeKmsKeyId",)),
    ("CreateTransformJob", {"TransformResources": {"InstanceType": "ml.p2.xlarge", "VolumeKmsKeyId": VOL}}, ()),
    ("CreateHyperParameterTuningJob", {"TrainingJobDefinitions": [
        {"ResourceConfig": {"InstanceType": "ml.c5.xlarge", "VolumeKmsKeyId": VOL}},
        {"HyperParameterTuningResourceConfig": {"InstanceConfigs": [{"InstanceType": "ml.p2.xlarge"},
                                                                    {"InstanceType": "ml.p4d.24xlarge"}],
                                                "VolumeKmsKeyId": VOL}}]},
     ()),  # a job on the p2 configuration has an EBS volume: the key stays (was removed under 'any', 14b F00)
    ("CreateHyperParameterTuningJob", {"TrainingJobDefinitions": [
        {"ResourceConfig": {"InstanceType": "ml.c5.xlarge", "VolumeKmsKeyId": VOL}},
        {"HyperParameterTuningResourceConfig": {"InstanceConfigs": [{"InstanceType": "ml.g5.xlarge"},
                                                                    {"InstanceType": "ml.p4d.24xlarge"}],
                                                "VolumeKmsKeyId": VOL}}]},
     ("TrainingJobDefinitions[1].HyperParameterTuningResourceConfig.VolumeKmsKeyId",)),
    ("CreateTrainingJob", {"ResourceConfig": {"InstancePreferences": [{"InstanceType": "ml.g5.xlarge"},
                                                                      {"InstanceType": "ml.p4d.24xlarge"}],
                                              "VolumeKmsKeyId": VOL}}, ("ResourceConfig.VolumeKmsKeyId",)),
    ("CreateTrainingJob", {"ResourceConfig": {"InstancePreferences": [{"InstanceType": "ml.g5.xlarge"},
                                                                      {"InstanceType": "ml.c5.xlarge"}],
                                              "VolumeKmsKeyId": VOL}}, ()),
    ("CreateModel", {"VolumeKmsKeyId": VOL}, ()),
])
def test_leave_out_volume_key(operation, request_, removed):
    import copy

    before = copy.deepcopy(request_)
    assert leave_out_volume_key(operation, request_, VOL) == removed
    for path in removed:  # exactly those members are gone
        parts = path.replace("[", ".").replace("]", "").split(".")
        node = before
        for p in parts[:-1]:
            node = node[int(p)] if p.isdigit() else node[p]
        del node[parts[-1]]
    assert request_ == before
    assert leave_out_volume_key(operation, request_, None) == ()
