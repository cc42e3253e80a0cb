"""ClosedNetworkSession (SDK v3) on the local backend: no SageMaker request escapes the guard.

Every path by which sagemaker-core reaches SageMaker outside the session's own
clients (cached clients, the process default client, boto3's default
session, clients made at import time, the CloudWatch Logs singleton, the
default JumpStart session) is exercised; IAM is never called (F09) and no
telemetry is sent, without any environment variable.
"""

from __future__ import annotations

import os

import boto3
import pytest
from sdk_markers import require_sdk

require_sdk(3)

from _sdk_v3_support import (  # noqa: E402
    BUCKET,
    IMG,
    ROLE,
    SG,
    SUBNET_A,
    SUBNET_C,
    V3Env,
    make_profile,
    reset_sagemaker_core,
    v3env,  # noqa: F401 (fixture)
)
from sagemaker.core import resources, shapes  # noqa: E402
from sagemaker.core.helper.session_helper import Session  # noqa: E402
from sagemaker.core.telemetry import telemetry_logging  # noqa: E402
from sagemaker.core.training.configs import InputData  # noqa: E402
from sagemaker.core.utils import logs as sm_logs  # noqa: E402
from sagemaker.core.utils import utils as sm_utils  # noqa: E402
from sagemaker.train.model_trainer import ModelTrainer  # noqa: E402

from safemaker import hooks  # noqa: E402
from safemaker.errors import GuardrailViolation  # noqa: E402
from safemaker.rules import RULES  # noqa: E402
from safemaker.sdk import v3  # noqa: E402
from safemaker.sdk.v3 import session as v3_session  # noqa: E402
from safemaker.sdk._errors import ClosedSessionError  # noqa: E402

pytestmark = pytest.mark.sdk3

OPEN_TRAINING = {
    "TrainingJobName": "open-job",
    "RoleArn": ROLE,
    "AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"},
    "OutputDataConfig": {"S3OutputPath": f"s3://{BUCKET}/out"},
    "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
    "StoppingCondition": {"MaxRuntimeInSeconds": 600},
    "EnableNetworkIsolation": False,
}


def _default_sagemaker_client():
    return sm_utils.SageMakerClient().sagemaker_client


def test_every_SageMaker_request_v3_sends_went_through_the_guard(safemaker_local):
    """Train, deploy, create a notebook and call sagemaker-core without session=: compare both logs."""
    sent_by_session_clients: list[str] = []
    safemaker_local.session._session.register(
        "before-send.sagemaker", lambda event_name, **kw: sent_by_session_clients.append(event_name.split(".")[-1]))
    env = V3Env(safemaker_local)
    try:
        trainer = env.trainer()
        trainer.train(input_data_config=[InputData(channel_name="train", data_source=f"s3://{BUCKET}/t")])
        v3.closed_deploy(trainer, 1, "ml.m5.large", endpoint_name="ep-all-paths")
        resources.NotebookInstance.create(notebook_instance_name="nb-all-paths", instance_type="ml.t3.medium",
                                          role_arn=ROLE)  # no session=: the process default client
        resources.Model.get(model_name=env.sent.one("CreateModel")["ModelName"])  # no session= either
        boto3.client("sagemaker").list_models()  # boto3's default session
    finally:
        env.close()
    received = [r.operation for r in safemaker_local.requests if r.service == "sagemaker"]
    assert received, "nothing reached the backend"
    # Every SageMaker request the backend received was sent by a client of the closed session's
    # boto3 session, and every such client carries the guard...
    assert sorted(received) == sorted(sent_by_session_clients)
    # ...and the guard decided every request that has a rule: decisions == guarded requests received.
    decided = [d.operation for d in env.session.guard.decisions if d.outcome in ("allowed", "injected")]
    assert sorted(decided) == sorted(op for op in received if op in RULES)
    assert sorted(decided) == ["CreateEndpoint", "CreateEndpointConfig", "CreateModel", "CreateNotebookInstance",
                               "CreateTrainingJob"]


def test_F09_no_IAM_and_no_STS_request_on_the_job_and_deploy_path(v3env):
    trainer = v3env.trainer()
    trainer.train()
    v3.closed_deploy(trainer, 1, "ml.m5.large", endpoint_name="ep-no-iam")
    assert v3env.backend.request_count("iam") == 0
    assert v3env.backend.request_count("sts") == 0
    assert v3env.backend.request_count("sagemaker", "CreateEndpoint") == 1
    assert "SAGEMAKER_VALIDATE_ROLE" not in os.environ
    assert v3env.session.get_caller_identity_arn() == ROLE
    assert v3env.session.account_id() == "123456789012"


def test_F09_control_a_plain_v3_session_calls_IAM_for_the_same_trainer(safemaker_local):
    """Proves the check above can fail: SDK v3 on its own calls IAM SimulatePrincipalPolicy."""
    reset_sagemaker_core()
    session = Session(boto_session=safemaker_local.session, sagemaker_config={"SchemaVersion": "1.0"},
                      default_bucket=BUCKET)
    with pytest.raises(Exception):  # moto has no SimulatePrincipalPolicy: the SDK fails on IAM
        ModelTrainer(training_image=IMG, role=ROLE, sagemaker_session=session)
    assert safemaker_local.request_count("iam", "SimulatePrincipalPolicy") >= 1


def test_telemetry_is_opted_out_without_environment_variables(v3env, monkeypatch):
    sent: list[tuple] = []
    monkeypatch.setattr(telemetry_logging, "_send_telemetry_request", lambda *a, **kw: sent.append(a))
    v3env.trainer().train()
    assert sent == []
    assert v3env.session.sagemaker_config["SageMaker"]["PythonSDK"]["Modules"]["TelemetryOptOut"] is True
    # nothing the SDK reads to skip role validation or telemetry is set
    assert [k for k in os.environ if k == "SAGEMAKER_VALIDATE_ROLE" or "TELEMETRY" in k.upper()] == []


def test_telemetry_control_a_plain_session_sends_it(safemaker_local, monkeypatch):
    reset_sagemaker_core()
    sent: list[tuple] = []
    monkeypatch.setattr(telemetry_logging, "_send_telemetry_request", lambda *a, **kw: sent.append(a))
    session = Session(boto_session=safemaker_local.session, sagemaker_config={"SchemaVersion": "1.0"},
                      default_bucket=BUCKET)
    hooks.install(safemaker_local.session, make_profile())
    safemaker_local.session._session.register("before-call.iam", v3_session._refuse_iam)
    trainer = ModelTrainer(training_image=IMG, role=ROLE, sagemaker_session=session,
                           networking=v3.closed_networking(None, make_profile()))
    trainer.train(wait=False)
    assert len(sent) == 1
    reset_sagemaker_core()


def test_a_cached_client_made_before_the_guard_is_dropped(safemaker_local):
    reset_sagemaker_core()
    boto = safemaker_local.session
    early = sm_utils.SageMakerClient(session=boto, region_name="us-east-1")
    assert hooks.installed(early.sagemaker_client) is None
    env = V3Env(safemaker_local)
    try:
        later = sm_utils.SageMakerClient(session=boto, region_name="us-east-1")
        assert later is not early
        assert hooks.installed(later.sagemaker_client) is env.session.guard
        with pytest.raises(GuardrailViolation) as exc:
            resources.TrainingJob.create(
                training_job_name="open-job", role_arn=ROLE,
                algorithm_specification=shapes.AlgorithmSpecification(training_image=IMG,
                                                                      training_input_mode="File"),
                output_data_config=shapes.OutputDataConfig(s3_output_path=f"s3://{BUCKET}/out"),
                resource_config=shapes.ResourceConfig(instance_type="ml.m5.large", instance_count=1,
                                                      volume_size_in_gb=10),
                stopping_condition=shapes.StoppingCondition(max_runtime_in_seconds=600),
                enable_network_isolation=False, session=boto, region="us-east-1")
        assert [v.path for v in exc.value.violations] == ["EnableNetworkIsolation"]
        assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0
    finally:
        env.close()


def test_process_defaults_are_the_closed_session_until_close(safemaker_local, monkeypatch):
    import sagemaker.serve  # noqa: F401  (imports AIRHub, whose class body calls boto3.client(): a default session)
    from sagemaker.core.jumpstart import constants as js

    # That import-time default session is made once per process, by whichever test imports the SDK's
    # serve package first: unset it again so that "close() restores what was there" is checked against None.
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    env = V3Env(safemaker_local)
    session = env.session
    try:
        _check_defaults_then_close(safemaker_local, session, js)
    finally:
        env.close()


def _check_defaults_then_close(safemaker_local, session, js):
    before_boto3 = None  # the offline conftest sets boto3.DEFAULT_SESSION = None for each test
    assert session.is_default
    assert hooks.installed(_default_sagemaker_client()) is session.guard
    assert boto3.DEFAULT_SESSION is safemaker_local.session
    assert hooks.installed(boto3.client("sagemaker")) is session.guard
    assert sm_logs.CloudWatchLogsClient().client is session.logs_client
    assert type(js.DEFAULT_JUMPSTART_SAGEMAKER_SESSION)._resolve() is session
    with pytest.raises(GuardrailViolation):
        boto3.client("sagemaker").create_training_job(**OPEN_TRAINING)
    with pytest.raises(GuardrailViolation) as exc:
        resources.Model.create(model_name="open-model", execution_role_arn=ROLE,
                               primary_container=shapes.ContainerDefinition(image=IMG),
                               enable_network_isolation=False)  # no session=: the default client
    assert exc.value.operation == "CreateModel"
    assert safemaker_local.request_count("sagemaker") == 0
    session.close()
    assert not session.is_default
    assert boto3.DEFAULT_SESSION is before_boto3
    assert sm_utils._ClientCacheMeta._instances[sm_utils.SageMakerClient].get("default") is None
    assert sm_utils.SingletonMeta._instances.get(sm_logs.CloudWatchLogsClient) is None
    assert type(js.DEFAULT_JUMPSTART_SAGEMAKER_SESSION)._resolved is False
    session.close()  # idempotent
    # the session's own clients stay guarded after close
    assert hooks.installed(session.sagemaker_client) is session.guard


def test_a_SageMaker_client_made_at_import_time_gets_the_guard(safemaker_local, monkeypatch):
    from sagemaker.ai_registry.air_hub import AIRHub  # makes boto3.client("sagemaker") when imported

    # The module may have been imported by an earlier test while a closed session was boto3's
    # default (its client is then guarded from birth): put back a client made outside any.
    monkeypatch.setattr(AIRHub, "_sagemaker_client", boto3.Session(region_name="us-east-1").client("sagemaker"))
    assert hooks.installed(AIRHub._sagemaker_client) is None
    env = V3Env(safemaker_local)
    try:
        guard = hooks.installed(AIRHub._sagemaker_client)
        assert (guard.profile, guard.mode) == (env.session.profile, "enforce")
        with pytest.raises(GuardrailViolation) as exc:  # refused before anything is sent anywhere
            AIRHub._sagemaker_client.create_training_job(**OPEN_TRAINING)
        assert exc.value.violations[0].path == "EnableNetworkIsolation"
    finally:
        env.close()
    assert hooks.installed(AIRHub._sagemaker_client) is None


def test_IAM_is_answered_in_the_process_and_never_sent(v3env):
    iam = v3env.session.boto_session.client("iam")
    with pytest.raises(iam.exceptions.ClientError) as exc:
        iam.get_role(RoleName="SageMakerExecRole")
    assert exc.value.response["Error"]["Code"] == "AccessDenied"
    assert "iam.amazonaws.com has no VPC endpoint" in exc.value.response["Error"]["Message"]
    assert v3env.backend.request_count("iam") == 0


def test_region_other_than_the_profile_is_refused(safemaker_local):
    with pytest.raises(ClosedSessionError) as exc:
        v3.ClosedNetworkSession(make_profile(), boto_session=boto3.Session(region_name="eu-west-1"))
    assert exc.value.argument == "boto_session.region_name"
    assert exc.value.found == "eu-west-1"
    assert "us-east-1" in str(exc.value)


def test_a_client_passed_in_is_refused(safemaker_local):
    with pytest.raises(ClosedSessionError) as exc:
        v3.ClosedNetworkSession(make_profile(), boto_session=safemaker_local.session,
                                sagemaker_client=safemaker_local.session.client("sagemaker"))
    assert exc.value.argument == "sagemaker_client"


@pytest.mark.parametrize("poll", [0, -1, "5"])
def test_poll_must_be_positive(safemaker_local, poll):
    with pytest.raises(ClosedSessionError) as exc:
        v3.ClosedNetworkSession(make_profile(), boto_session=safemaker_local.session, poll=poll)
    assert exc.value.argument == "poll"
    assert exc.value.found == poll


def test_role_name_outside_the_profile_is_refused_without_IAM(v3env):
    with pytest.raises(GuardrailViolation) as exc:
        v3env.session.expand_role("SomeOtherRole")
    assert exc.value.violations[0].rule_id == "SM-IAM-ROLE"
    assert v3env.session.expand_role("SageMakerExecRole") == ROLE
    assert v3env.backend.request_count("iam") == 0


def test_config_file_that_opens_the_network_is_refused_naming_key_and_file(safemaker_local, tmp_path,
                                                                            monkeypatch):
    config = tmp_path / "config.yaml"
    config.write_text("SchemaVersion: '1.0'\nSageMaker:\n  TrainingJob:\n    EnableNetworkIsolation: false\n")
    monkeypatch.setenv("SAGEMAKER_USER_CONFIG_OVERRIDE", str(config))
    with pytest.raises(GuardrailViolation) as exc:
        v3.ClosedNetworkSession(make_profile(), boto_session=safemaker_local.session)
    [violation] = exc.value.violations
    assert violation.path == f"SageMaker.TrainingJob.EnableNetworkIsolation in {config}"
    assert violation.found is False


def test_F05_config_file_VpcConfig_and_subnets_only_networking_send_both_lists(safemaker_local, tmp_path,
                                                                               monkeypatch):
    config = tmp_path / "config.yaml"
    config.write_text(
        "SchemaVersion: '1.0'\nSageMaker:\n  TrainingJob:\n    VpcConfig:\n"
        f"      Subnets: ['{SUBNET_C}']\n      SecurityGroupIds: ['{SG}']\n")
    monkeypatch.setenv("SAGEMAKER_USER_CONFIG_OVERRIDE", str(config))
    env = V3Env(safemaker_local)
    try:
        env.trainer(networking={"subnets": [SUBNET_A]}).train()
        body = env.sent.one("CreateTrainingJob")
        assert body["VpcConfig"] == {"Subnets": [SUBNET_A], "SecurityGroupIds": [SG]}
        assert env.session.sagemaker_config["SageMaker"]["TrainingJob"]["VpcConfig"] == {
            "Subnets": [SUBNET_C], "SecurityGroupIds": [SG]}
    finally:
        env.close()


def test_closed_session_config_is_validated_once_and_other_configs_every_time(v3env):
    from sagemaker.core.common_utils import get_sagemaker_config_value
    from sagemaker.core.config.config_manager import SageMakerConfig

    from safemaker.sdk._config import _CheckedConfig

    assert type(v3env.session.sagemaker_config) is _CheckedConfig
    assert get_sagemaker_config_value(v3env.session, "SageMaker.Model.EnableNetworkIsolation") is True
    assert SageMakerConfig().get_sagemaker_config_value(
        v3env.session, "SageMaker.TrainingJob.EnableNetworkIsolation") is True
    with pytest.raises(Exception, match="is not of type 'boolean'"):
        SageMakerConfig().validate_sagemaker_config({"SchemaVersion": "1.0",
                                                     "SageMaker": {"Model": {"EnableNetworkIsolation": "no"}}})
