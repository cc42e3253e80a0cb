"""The profile merged into the SageMaker SDK's defaults (safemaker.sdk._config; pure, no network)."""

from __future__ import annotations

import copy
import os

import pytest

from safemaker.errors import MISSING, GuardrailViolation
from safemaker.sdk._config import REFUSER, SECTIONS, TELEMETRY_OPT_OUT, ConfigSource, closed_config

from _profiles import KEY_ARN as VOL, ROLE, SG, SUB_A, SUB_C, VPC_CONFIG as VPC, make_profile

os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")

OUT = "alias/sagemaker-output"


def at(doc, dotted):
    cur = doc
    for key in dotted.split("."):
        if not isinstance(cur, dict) or key not in cur:
            return MISSING
        cur = cur[key]
    return cur


def doc(section: dict) -> dict:
    return {"SchemaVersion": "1.0", "SageMaker": section}


def test_no_file_gives_every_section_the_profile_values():
    cfg = closed_config([], make_profile(volume_kms_key_id=VOL, output_kms_key_id=OUT))
    assert at(cfg, "SchemaVersion") == "1.0"
    assert at(cfg, "SageMaker.TrainingJob") == {
        "EnableNetworkIsolation": True, "VpcConfig": VPC, "EnableInterContainerTrafficEncryption": True,
        "ResourceConfig": {"VolumeKmsKeyId": VOL}, "OutputDataConfig": {"KmsKeyId": OUT}, "RoleArn": ROLE,
    }
    assert at(cfg, "SageMaker.ProcessingJob") == {
        "NetworkConfig": {"EnableNetworkIsolation": True, "VpcConfig": VPC,
                          "EnableInterContainerTrafficEncryption": True},
        "ProcessingOutputConfig": {"KmsKeyId": OUT},
        "ProcessingResources": {"ClusterConfig": {"VolumeKmsKeyId": VOL}}, "RoleArn": ROLE,
    }
    assert at(cfg, "SageMaker.MonitoringSchedule.MonitoringScheduleConfig.MonitoringJobDefinition") == {
        "NetworkConfig": {"EnableNetworkIsolation": True, "VpcConfig": VPC,
                          "EnableInterContainerTrafficEncryption": True},
        "MonitoringOutputConfig": {"KmsKeyId": OUT},
        "MonitoringResources": {"ClusterConfig": {"VolumeKmsKeyId": VOL}}, "RoleArn": ROLE,
    }
    assert at(cfg, "SageMaker.Model") == {"EnableNetworkIsolation": True, "VpcConfig": VPC, "ExecutionRoleArn": ROLE}
    assert at(cfg, "SageMaker.AutoMLJob") == {
        "AutoMLJobConfig": {"SecurityConfig": {"VpcConfig": VPC, "EnableInterContainerTrafficEncryption": True,
                                               "VolumeKmsKeyId": VOL}},
        "OutputDataConfig": {"KmsKeyId": OUT}, "RoleArn": ROLE,
    }
    assert at(cfg, "SageMaker.AutoMLJobV2.SecurityConfig.VpcConfig") == VPC
    assert at(cfg, "SageMaker.CompilationJob") == {"VpcConfig": VPC, "OutputConfig": {"KmsKeyId": OUT},
                                                   "RoleArn": ROLE}
    assert at(cfg, "SageMaker.TransformJob") == {"TransformOutput": {"KmsKeyId": OUT},
                                                 "TransformResources": {"VolumeKmsKeyId": VOL}}
    assert at(cfg, "SageMaker.EndpointConfig") == {"KmsKeyId": VOL}
    assert at(cfg, "SageMaker.PythonSDK.Modules.RemoteFunction.VpcConfig") == VPC
    assert at(cfg, ".".join(TELEMETRY_OPT_OUT)) is True


@pytest.mark.sdk2  # SDK v2 schema; the SDK v3 one: tests/unit/test_sdk_v3_networking.py
def test_result_follows_the_sdk_schema():
    from sagemaker.config import validate_sagemaker_config

    cfg = closed_config([], make_profile(volume_kms_key_id=VOL, output_kms_key_id=OUT))
    validate_sagemaker_config(cfg)  # raises jsonschema.ValidationError otherwise
    assert at(cfg, "SageMaker.EndpointConfig.VpcConfig") is MISSING  # not in the SDK schema


def test_profile_without_kms_keys_fills_no_kms_key_and_relaxations_fill_nothing():
    cfg = closed_config([], make_profile(require_network_isolation=False,
                                         require_inter_container_traffic_encryption=False))
    assert at(cfg, "SageMaker.TrainingJob") == {"VpcConfig": VPC, "RoleArn": ROLE}
    assert at(cfg, "SageMaker.TransformJob") is MISSING
    assert at(cfg, "SageMaker.EndpointConfig") is MISSING


def test_file_values_the_profile_allows_are_kept_and_other_keys_survive():
    user = doc({"TrainingJob": {"VpcConfig": {"Subnets": [SUB_C], "SecurityGroupIds": [SG]},
                                "Tags": [{"Key": "team", "Value": "ml"}]},
                "PythonSDK": {"Modules": {"Session": {"DefaultS3Bucket": "team-bucket"}}}})
    original = copy.deepcopy(user)
    cfg = closed_config([ConfigSource("/home/me/.config/sagemaker/config.yaml", user)], make_profile())
    assert at(cfg, "SageMaker.TrainingJob.VpcConfig") == {"Subnets": [SUB_C], "SecurityGroupIds": [SG]}
    assert at(cfg, "SageMaker.TrainingJob.Tags") == [{"Key": "team", "Value": "ml"}]
    assert at(cfg, "SageMaker.TrainingJob.EnableNetworkIsolation") is True
    assert at(cfg, "SageMaker.PythonSDK.Modules.Session.DefaultS3Bucket") == "team-bucket"
    assert user == original  # the document is never mutated


def test_conflicting_file_value_is_refused_naming_the_file_and_the_key():
    admin = ConfigSource("/etc/xdg/sagemaker/config.yaml",
                         doc({"TrainingJob": {"EnableNetworkIsolation": False}}))
    with pytest.raises(GuardrailViolation) as exc:
        closed_config([admin], make_profile())
    err = exc.value
    assert err.operation == REFUSER == "ClosedNetworkSession"
    assert [(v.path, v.found, v.required, v.rule_id) for v in err.violations] == [
        ("SageMaker.TrainingJob.EnableNetworkIsolation in /etc/xdg/sagemaker/config.yaml", False, True,
         "SM-NET-ISOLATION"),
    ]
    assert str(err) == (
        "ClosedNetworkSession refused: SageMaker.TrainingJob.EnableNetworkIsolation in "
        "/etc/xdg/sagemaker/config.yaml is False; the profile requires True. Correct "
        "SageMaker.TrainingJob.EnableNetworkIsolation in /etc/xdg/sagemaker/config.yaml, or remove it "
        "so that the profile's value applies."
    )


def test_F05_half_a_vpc_config_in_a_file_names_the_missing_list():
    user = ConfigSource("user.yaml", doc({"ProcessingJob": {"NetworkConfig": {"VpcConfig": {"Subnets": [SUB_A]}}}}))
    with pytest.raises(GuardrailViolation) as exc:
        closed_config([user], make_profile())
    (v,) = exc.value.violations
    assert v.path == "SageMaker.ProcessingJob.NetworkConfig.VpcConfig.SecurityGroupIds in user.yaml"
    assert v.found is MISSING
    assert v.rule_id == "SM-NET-VPC"
    assert v.fix == ("Add SecurityGroupIds to SageMaker.ProcessingJob.NetworkConfig.VpcConfig in user.yaml, or "
                     "remove SageMaker.ProcessingJob.NetworkConfig.VpcConfig from it so that the profile's "
                     "value applies")


def test_every_violation_of_every_section_is_listed_with_its_own_file():
    admin = ConfigSource("admin.yaml", doc({
        "Model": {"VpcConfig": {"Subnets": ["subnet-0eeeeeeeeeeeeeeee"], "SecurityGroupIds": [SG]}},
        "AutoMLJob": {"AutoMLJobConfig": {"SecurityConfig": {"EnableInterContainerTrafficEncryption": False}}},
    }))
    user = ConfigSource("user.yaml", doc({
        "CompilationJob": {"RoleArn": "arn:aws:iam::123456789012:role/Other"},
        "TransformJob": {"TransformOutput": {"KmsKeyId": "alias/other"}},
        "MonitoringSchedule": {"MonitoringScheduleConfig": {"MonitoringJobDefinition": {
            "NetworkConfig": {"EnableNetworkIsolation": False}}}},
    }))
    with pytest.raises(GuardrailViolation) as exc:
        closed_config([admin, user], make_profile(output_kms_key_id=OUT))
    assert sorted((v.path, v.rule_id) for v in exc.value.violations) == sorted([
        ("SageMaker.MonitoringSchedule.MonitoringScheduleConfig.MonitoringJobDefinition.NetworkConfig."
         "EnableNetworkIsolation in user.yaml", "SM-NET-ISOLATION"),
        ("SageMaker.Model.VpcConfig.Subnets[0] in admin.yaml", "SM-NET-VPC"),
        ("SageMaker.AutoMLJob.AutoMLJobConfig.SecurityConfig.EnableInterContainerTrafficEncryption in admin.yaml",
         "SM-NET-ICTE"),
        ("SageMaker.CompilationJob.RoleArn in user.yaml", "SM-IAM-ROLE"),
        ("SageMaker.TransformJob.TransformOutput.KmsKeyId in user.yaml", "SM-KMS-OUTPUT"),
    ])


def test_files_merge_in_order_and_a_violation_is_charged_to_the_file_that_set_it():
    admin = ConfigSource("admin.yaml", doc({"TrainingJob": {"VpcConfig": {"Subnets": [SUB_A], "SecurityGroupIds": [SG]}}}))
    user = ConfigSource("user.yaml", doc({"TrainingJob": {"VpcConfig": {"Subnets": ["subnet-0eeeeeeeeeeeeeeee"]}}}))
    with pytest.raises(GuardrailViolation) as exc:
        closed_config([admin, user], make_profile())
    assert [v.path for v in exc.value.violations] == ["SageMaker.TrainingJob.VpcConfig.Subnets[0] in user.yaml"]
    # Each half alone would be refused; merged, they make a whole VpcConfig inside the profile.
    halves = [ConfigSource("admin.yaml", doc({"Model": {"VpcConfig": {"Subnets": [SUB_A]}}})),
              ConfigSource("user.yaml", doc({"Model": {"VpcConfig": {"SecurityGroupIds": [SG]}}}))]
    cfg = closed_config(halves, make_profile())
    assert at(cfg, "SageMaker.Model.VpcConfig") == {"Subnets": [SUB_A], "SecurityGroupIds": [SG]}


def test_telemetry_opt_out_false_in_a_file_is_overridden():
    cfg = closed_config([ConfigSource("user.yaml", doc({"PythonSDK": {"Modules": {"TelemetryOptOut": False}}}))],
                        make_profile())
    assert at(cfg, "SageMaker.PythonSDK.Modules.TelemetryOptOut") is True


def test_role_given_in_a_file_is_kept_when_the_profile_allows_it():
    other = "arn:aws:iam::123456789012:role/Other"
    cfg = closed_config([ConfigSource("u.yaml", doc({"TrainingJob": {"RoleArn": other}}))],
                        make_profile(additional_role_arns=[other]))
    assert at(cfg, "SageMaker.TrainingJob.RoleArn") == other
    assert at(cfg, "SageMaker.ProcessingJob.RoleArn") == ROLE


def test_sections_map_onto_operations_of_the_rule_table():
    from safemaker.rules import RULES

    for section in SECTIONS:
        assert section.operation in RULES, section.name



@pytest.mark.sdk2
def test_a_config_checked_once_is_not_validated_again_and_a_refused_one_stays_as_it_was():
    """safemaker.sdk.v2.session.checked_config: SDK v2 validates a session's config at every lookup
    (sagemaker.utils.validate_sagemaker_config); a checked copy is validated once, an invalid one as before."""
    import jsonschema
    import sagemaker.utils as sm_utils

    from safemaker.sdk.v2.session import checked_config

    good = checked_config(doc({"PythonSDK": {"Modules": {"TelemetryOptOut": True}}}))
    assert at(good, ".".join(TELEMETRY_OPT_OUT)) is True
    good["SageMaker"]["TrainingJob"] = {"EnableNetworkIsolation": "yes"}  # invalid only after the check
    assert sm_utils.validate_sagemaker_config(good) is None  # not validated again
    bad = doc({"TrainingJob": {"EnableNetworkIsolation": "yes"}})
    assert checked_config(bad) is bad
    with pytest.raises(jsonschema.ValidationError):
        sm_utils.validate_sagemaker_config(bad)  # still validated: the SDK reports it as before


@pytest.mark.sdk3
def test_sdk_v3_a_config_checked_once_is_not_validated_again_and_a_refused_one_stays_as_it_was():
    """safemaker.sdk.v3.session.checked_config: SDK v3 validates a session's config at every lookup
    (sagemaker.core.config.config_manager.SageMakerConfig.validate_sagemaker_config, also called by
    sagemaker.core.common_utils.get_sagemaker_config_value); a checked copy is validated once, an
    invalid one as before."""
    import jsonschema
    from sagemaker.core.config.config_manager import SageMakerConfig

    from safemaker.sdk.v3.session import checked_config

    good = checked_config(doc({"PythonSDK": {"Modules": {"TelemetryOptOut": True}}}))
    assert at(good, ".".join(TELEMETRY_OPT_OUT)) is True
    good["SageMaker"]["TrainingJob"] = {"EnableNetworkIsolation": "yes"}  # invalid only after the check
    assert SageMakerConfig().validate_sagemaker_config(good) is None  # not validated again
    assert SageMakerConfig.validate_sagemaker_config(good) is None
    bad = doc({"TrainingJob": {"EnableNetworkIsolation": "yes"}})
    assert checked_config(bad) is bad
    with pytest.raises(jsonschema.ValidationError):
        SageMakerConfig().validate_sagemaker_config(bad)  # still validated: the SDK reports it as before
    with pytest.raises(jsonschema.ValidationError):
        SageMakerConfig().get_sagemaker_config_value(None, "SageMaker.TrainingJob", sagemaker_config=bad)


_BAD_DOCUMENTS = [
    {"SchemaVersion": "1.0", "SageMaker": {"TrainingJob": {"EnableNetworkIsolation": "yes"}}},
    {"SchemaVersion": "2.0", "SageMaker": {}},
    {"SchemaVersion": "1.0", "SageMaker": {"Model": {"VpcConfig": {"Subnets": "subnet-1"}}}},
    {"SchemaVersion": "1.0", "NotAKey": {}},
    "not a mapping",
]


def _same_verdicts(validate, sdk_validate) -> None:
    import jsonschema

    good = doc({"TrainingJob": {"EnableNetworkIsolation": True, "VpcConfig": VPC}})
    assert sdk_validate(good) is None and validate(good) is None
    for bad in _BAD_DOCUMENTS:
        with pytest.raises(jsonschema.ValidationError) as expected:
            sdk_validate(copy.deepcopy(bad))
        with pytest.raises(jsonschema.ValidationError) as found:
            validate(copy.deepcopy(bad))
        assert (found.value.message, list(found.value.absolute_path), found.value.validator) == (
            expected.value.message, list(expected.value.absolute_path), expected.value.validator), bad


@pytest.mark.sdk2
def test_validate_config_gives_the_verdict_and_error_of_the_sdk_v2_validation():
    """safemaker.sdk.v2.session.validate_config checks SDK v2's schema against the meta-schema once per
    process; each document gets the verdict and the error of the SDK's own validate_sagemaker_config."""
    from sagemaker.config import validate_sagemaker_config

    from safemaker.sdk.v2.session import validate_config

    _same_verdicts(validate_config, validate_sagemaker_config)


@pytest.mark.sdk3
def test_validate_config_gives_the_verdict_and_error_of_the_sdk_v3_validation():
    """safemaker.sdk.v3.session.validate_config: as for SDK v2, against sagemaker-core's own function."""
    from sagemaker.core.config.config import validate_sagemaker_config

    from safemaker.sdk.v3.session import validate_config

    _same_verdicts(validate_config, validate_sagemaker_config)


def test_a_schema_checked_once_that_is_not_a_schema_is_refused_as_jsonschema_refuses_it():
    import jsonschema

    from safemaker.sdk._config import _schema_checked_once

    with pytest.raises(jsonschema.SchemaError):
        _schema_checked_once({"type": "no-such-type"})
    with pytest.raises(jsonschema.SchemaError):
        jsonschema.validate({}, {"type": "no-such-type"})
