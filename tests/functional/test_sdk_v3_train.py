"""ClosedModelTrainer (SDK v3) on the local backend: the CreateTrainingJob it sends, and what it refuses.

Field reports: F04 (a Networking object or a dict, never dropped), F05 (both
VPC lists always present), F06 (waits without CloudWatch Logs), F09 (no IAM).
"""

from __future__ import annotations

import logging
import time

import pytest
from sdk_markers import require_sdk

require_sdk(3)

from _sdk_v3_support import (  # noqa: E402
    BUCKET,
    IMG,
    OTHER_ROLE,
    ROLE,
    SG,
    SUBNET_A,
    SUBNET_C,
    v3env,  # noqa: F401 (fixture)
)
from botocore.exceptions import EndpointConnectionError  # noqa: E402
from sagemaker.core import shapes  # noqa: E402
from sagemaker.core.training.configs import Compute, InputData, Networking  # noqa: E402

from safemaker.errors import GuardrailViolation  # noqa: E402
from safemaker.sdk import v3  # noqa: E402
from safemaker.sdk._errors import ClosedSessionError  # noqa: E402

pytestmark = pytest.mark.sdk3

CLOSED_VPC = {"Subnets": [SUBNET_A, SUBNET_C], "SecurityGroupIds": [SG]}


def _train(env, **kwargs):
    trainer = env.trainer(**kwargs)
    trainer.train(input_data_config=[InputData(channel_name="train", data_source=f"s3://{BUCKET}/train")])
    return trainer


def test_CreateTrainingJob_carries_the_profile_network_role_and_no_injection_is_needed(v3env):
    trainer = _train(v3env)
    body = v3env.sent.one("CreateTrainingJob")
    assert body["EnableNetworkIsolation"] is True
    assert body["EnableInterContainerTrafficEncryption"] is True
    assert body["VpcConfig"] == CLOSED_VPC
    assert body["RoleArn"] == ROLE
    assert body["AlgorithmSpecification"]["TrainingImage"] == IMG
    assert body["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] == f"s3://{BUCKET}/train"
    assert body["OutputDataConfig"]["S3OutputPath"] == f"s3://{BUCKET}/closed-v3"
    decision = [d for d in v3env.session.guard.decisions if d.operation == "CreateTrainingJob"]
    assert [(d.outcome, d.injected) for d in decision] == [("allowed", ())]
    assert v3env.backend.request_count("sagemaker", "CreateTrainingJob") == 1
    assert trainer._latest_training_job.training_job_status == "Completed"


NETWORKING_FORMS = {
    "Networking": Networking(subnets=[SUBNET_C], security_group_ids=[SG]),
    "sagemaker.train.configs.Networking": None,  # filled below (deprecated import path, same class)
    "shapes.VpcConfig": shapes.VpcConfig(subnets=[SUBNET_C], security_group_ids=[SG]),
    "dict-snake": {"subnets": [SUBNET_C], "security_group_ids": [SG]},
    "dict-aws": {"Subnets": [SUBNET_C], "SecurityGroupIds": [SG]},
    "dict-nested": {"VpcConfig": {"Subnets": [SUBNET_C], "SecurityGroupIds": [SG]}, "EnableNetworkIsolation": True},
}


@pytest.mark.parametrize("form", sorted(NETWORKING_FORMS))
def test_F04_networking_object_or_dict_is_accepted_and_sent(v3env, form):
    networking = NETWORKING_FORMS[form]
    if networking is None:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            from sagemaker.train.configs import Networking as ShimNetworking
        networking = ShimNetworking(subnets=[SUBNET_C], security_group_ids=[SG])
    _train(v3env, networking=networking)
    body = v3env.sent.one("CreateTrainingJob")
    assert body["VpcConfig"] == {"Subnets": [SUBNET_C], "SecurityGroupIds": [SG]}
    assert body["EnableNetworkIsolation"] is True


def test_F04_unknown_networking_key_is_refused_naming_it_and_nothing_is_sent(v3env):
    with pytest.raises(ClosedSessionError) as exc:
        v3env.trainer(networking={"Subnets": [SUBNET_A], "SecurityGroups": [SG]})
    assert exc.value.argument == "networking['SecurityGroups']"
    assert exc.value.found == [SG]
    assert "SecurityGroupIds" in exc.value.required
    assert v3env.backend.request_count("sagemaker") == 0


def test_F04_networking_of_another_type_is_refused(v3env):
    with pytest.raises(ClosedSessionError) as exc:
        v3env.trainer(networking=[SUBNET_A, SG])
    assert exc.value.argument == "networking"
    assert exc.value.found == "list"


def test_F05_subnets_only_gets_the_profile_security_groups(v3env):
    _train(v3env, networking=Networking(subnets=[SUBNET_A]))
    assert v3env.sent.one("CreateTrainingJob")["VpcConfig"] == {"Subnets": [SUBNET_A], "SecurityGroupIds": [SG]}


def test_F05_security_groups_only_gets_the_profile_subnets(v3env):
    _train(v3env, networking={"security_group_ids": [SG]})
    assert v3env.sent.one("CreateTrainingJob")["VpcConfig"] == CLOSED_VPC


def test_F05_an_empty_security_group_list_is_refused_naming_it(v3env):
    with pytest.raises(GuardrailViolation) as exc:
        v3env.trainer(networking=Networking(subnets=[SUBNET_A], security_group_ids=[]))
    assert exc.value.operation == "ClosedModelTrainer"
    [violation] = exc.value.violations
    assert violation.path == "networking.security_group_ids (VpcConfig.SecurityGroupIds)"
    assert violation.found == []
    assert violation.rule_id == "SM-NET-VPC"
    assert v3env.backend.request_count("sagemaker") == 0


def test_every_conflict_is_refused_at_construction_at_once(v3env):
    with pytest.raises(GuardrailViolation) as exc:
        v3env.trainer(
            networking=Networking(subnets=[SUBNET_A, "subnet-0eeeeeeeeeeeeeeee"], security_group_ids=[SG],
                                  enable_network_isolation=False),
            role=OTHER_ROLE,
            compute=Compute(instance_type="ml.m5.large", instance_count=1, volume_kms_key_id="alias/other"),
        )
    paths = {v.path: (v.found, v.rule_id) for v in exc.value.violations}
    assert paths == {
        "networking.enable_network_isolation (EnableNetworkIsolation)": (False, "SM-NET-ISOLATION"),
        "networking.subnets[1] (VpcConfig.Subnets[1])": ("subnet-0eeeeeeeeeeeeeeee", "SM-NET-VPC"),
        "role (RoleArn)": (OTHER_ROLE, "SM-IAM-ROLE"),
    }
    assert str(exc.value).startswith("ClosedModelTrainer refused: 3 violations:")
    assert v3env.backend.request_count() == 0


def test_profile_kms_keys_are_set_on_compute_and_output(safemaker_local):
    from _sdk_v3_support import V3Env, make_profile

    profile = make_profile(volume_kms_key_id="alias/sm-volume", output_kms_key_id="alias/sm-output")
    env = V3Env(safemaker_local, profile=profile)
    try:
        trainer = _train(env, compute=Compute(instance_type="ml.m5.large", instance_count=1))
        body = env.sent.one("CreateTrainingJob")
        assert body["ResourceConfig"]["VolumeKmsKeyId"] == "alias/sm-volume"
        assert body["OutputDataConfig"]["KmsKeyId"] == "alias/sm-output"
        assert trainer.compute.instance_type == "ml.m5.large"
        with pytest.raises(GuardrailViolation) as exc:
            env.trainer(compute=Compute(volume_kms_key_id="alias/other"))
        assert [v.path for v in exc.value.violations] == [
            "compute.volume_kms_key_id (ResourceConfig.VolumeKmsKeyId)"]
    finally:
        env.close()


def test_assigning_an_open_network_is_refused_and_dropping_it_refills_the_profile(v3env):
    trainer = v3env.trainer()
    with pytest.raises(GuardrailViolation) as exc:
        trainer.networking = Networking(enable_network_isolation=False)
    assert [v.path for v in exc.value.violations] == ["networking.enable_network_isolation (EnableNetworkIsolation)"]
    trainer.networking = None
    assert trainer.networking.subnets == [SUBNET_A, SUBNET_C]
    assert trainer.networking.security_group_ids == [SG]
    assert trainer.networking.enable_network_isolation is True


def test_no_path_retries_without_network(v3env):
    trainer = v3env.trainer()
    trainer.networking.subnets = ["subnet-0eeeeeeeeeeeeeeee"]  # in place: bypasses assignment checks
    for _ in range(2):
        with pytest.raises(GuardrailViolation) as exc:
            trainer.train()
        assert exc.value.operation == "ClosedModelTrainer.train"
        assert [v.path for v in exc.value.violations] == ["networking.subnets[0] (VpcConfig.Subnets[0])"]
    assert trainer.networking.subnets == ["subnet-0eeeeeeeeeeeeeeee"]  # not dropped, not replaced
    assert v3env.backend.request_count("sagemaker", "CreateTrainingJob") == 0
    assert v3env.sent.of("CreateTrainingJob") == []


def test_dry_run_sends_nothing(v3env):
    trainer = v3env.trainer()
    assert trainer.train(dry_run=True) is None
    assert v3env.backend.request_count("sagemaker") == 0


def test_role_name_is_expanded_from_the_profile_without_IAM(v3env):
    _train(v3env, role="SageMakerExecRole")
    assert v3env.sent.one("CreateTrainingJob")["RoleArn"] == ROLE
    assert v3env.backend.request_count("iam") == 0


def test_F06_wait_polls_DescribeTrainingJob_and_never_calls_Logs_by_default(v3env):
    _train(v3env)
    assert v3env.backend.request_count("logs") == 0
    assert v3env.backend.request_count("sagemaker", "DescribeTrainingJob") >= 1


def test_logs_are_read_through_the_closed_session_when_asked(safemaker_local, caplog):
    from _sdk_v3_support import V3Env

    env = V3Env(safemaker_local, logs=True)
    logs = safemaker_local.session.client("logs")
    group = "/aws/sagemaker/TrainingJobs"
    logs.create_log_group(logGroupName=group)

    def write_log(params, **kwargs):
        stream = f"{params['TrainingJobName']}/algo-1-1700000000"
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        logs.put_log_events(logGroupName=group, logStreamName=stream,
                            logEvents=[{"timestamp": int(time.time() * 1000), "message": "epoch 1 loss 0.25"}])

    # The job's name is made by the SDK: write its log stream when the request is built.
    safemaker_local.session._session.register("provide-client-params.sagemaker.CreateTrainingJob",
                                              lambda params, **kw: write_log(params))
    try:
        with caplog.at_level(logging.INFO, logger="sagemaker.core.utils.utils"):
            _train(env)
        assert any("epoch 1 loss 0.25" in r.getMessage() for r in caplog.records)
        assert safemaker_local.request_count("logs", "GetLogEvents") >= 1
    finally:
        env.close()


def test_F06_unreachable_Logs_cost_one_warning_and_the_wait_goes_on(safemaker_local, caplog):
    from _sdk_v3_support import V3Env

    env = V3Env(safemaker_local, logs=True)
    attempts = []

    def no_logs_endpoint(request, **kwargs):
        attempts.append(request.url)
        raise EndpointConnectionError(endpoint_url="https://logs.us-east-1.amazonaws.com/")

    env.session.logs_client.meta.events.register("before-send.logs", no_logs_endpoint)
    try:
        with caplog.at_level(logging.WARNING, logger="safemaker.sdk"):
            trainer = _train(env)
        assert trainer._latest_training_job.training_job_status == "Completed"
        warnings = [r.getMessage() for r in caplog.records if r.name.startswith("safemaker.sdk.")]
        assert len(warnings) == 1
        assert "com.amazonaws.us-east-1.logs" in warnings[0]
        assert len(attempts) == 1  # one attempt (LOGS_CONFIG), then status only
    finally:
        env.close()


def test_train_logs_no_false_warning_about_unverified_role_permissions_and_keeps_real_ones(v3env, caplog):
    """The SDK validates the execution role with IAM SimulatePrincipalPolicy; safemaker does not send it for a
    role of the profile (IAM has no VPC endpoint), and the SDK then warned on every train that the caller
    "lacks iam:SimulatePrincipalPolicy" (not the reason). Another role still gets the SDK's own warning."""
    from sagemaker.core.helper import iam_role_resolver

    caplog.set_level(logging.INFO, logger="sagemaker")
    caplog.set_level(logging.INFO, logger="safemaker")
    _train(v3env)
    assert v3env.backend.request_count("sagemaker", "CreateTrainingJob") == 1
    assert v3env.backend.request_count("iam", "SimulatePrincipalPolicy") == 0
    warned = [r for r in caplog.records if r.levelno >= logging.WARNING and "Could not verify permissions" in
              r.getMessage()]
    assert warned == []
    assert any("SimulatePrincipalPolicy for " + ROLE + " not sent" in r.getMessage() for r in caplog.records)
    caplog.clear()
    other = OTHER_ROLE
    # the closed session answers IAM itself (AccessDenied): the SDK's verdict is unknown, and it says so
    assert iam_role_resolver.resolve_and_validate_role(other, sagemaker_session=v3env.session) == other
    assert [r.levelno for r in caplog.records if "Could not verify permissions for role" in r.getMessage()
            and other in r.getMessage()] == [logging.WARNING]
