"""ClosedNetworkSession (SDK v2) on the local backend: guard, SDK config, telemetry, F06, F09, F14.

Everything goes over real HTTP to moto on 127.0.0.1 through the SDK's own
botocore clients; assertions are on the requests that reached the backend
(``safemaker_local.request_count``) or that botocore was about to send
(``before-parameter-build``, after the guard). No container runs on the local
backend: a training job goes to ``Completed`` without training anything.
"""

from __future__ import annotations

import pytest
from sdk_markers import require_sdk
import yaml

require_sdk(2)  # skipped under SDK v3 (tests/sdk_markers.py)

# _sdk_v2_support first: it sets SAGEMAKER_SUPPRESS_V2_WARNING before the SDK is imported.
from _sdk_v2_support import BUCKET, IMG, ROLE, SG, SUB_A, SUB_C, VPC_ID, make_profile, of  # noqa: E402
from _profiles import training_job_request  # noqa: E402
from _sdk_v2_support import no_user_sdk_config, profile, sent, sess  # noqa: E402, F401 (fixtures)
import sagemaker  # noqa: E402
import sagemaker.config.config as sm_config  # noqa: E402
import sagemaker.telemetry.telemetry_logging as telemetry  # noqa: E402
from sagemaker.estimator import Estimator  # noqa: E402

from safemaker import hooks  # noqa: E402
from safemaker.errors import MISSING, GuardrailViolation  # noqa: E402
from safemaker.sdk import ClosedEstimator, ClosedNetworkSession  # noqa: E402
from safemaker.sdk._config import closed_config  # noqa: E402
from safemaker.sdk.v2 import LOCAL_POLL_SECONDS, ClosedSessionError  # noqa: E402

pytestmark = pytest.mark.sdk2


@pytest.fixture
def telemetry_urls(monkeypatch):
    """Every telemetry GET the SDK would send (to sm-pysdk-t-<region>.s3...), recorded, never sent."""
    urls: list[str] = []
    monkeypatch.setattr(telemetry, "_requests_helper", lambda url, timeout: urls.append(url.split("?")[0]))
    return urls


def training_job(name="raw-job", **extra):
    return training_job_request(name, output_path=f"s3://{BUCKET}/out", **extra)


# --------------------------------------------------------------------------- the guard


def test_every_sagemaker_client_of_the_session_is_guarded(sess, safemaker_session, profile):
    guard = hooks.installed(sess.sagemaker_client)
    assert guard is sess.guard
    assert guard.profile == profile
    assert hooks.installed(safemaker_session) is sess.guard
    later = sess.boto_session.client("sagemaker")
    assert hooks.installed(later) is sess.guard


def test_a_sagemaker_client_passed_in_gets_the_guard(safemaker_local, safemaker_session, profile):
    early = safemaker_session.client("sagemaker")  # created before any guard
    assert hooks.installed(early) is None
    sess = ClosedNetworkSession(profile, boto_session=safemaker_session, sagemaker_client=early)
    assert sess.sagemaker_client is early
    assert hooks.installed(early).profile == profile


def test_raw_request_through_the_session_client_is_refused_before_sending(sess, safemaker_local):
    with pytest.raises(GuardrailViolation) as exc:
        sess.sagemaker_client.create_training_job(**training_job(EnableNetworkIsolation=False))
    assert [(v.path, v.found) for v in exc.value.violations] == [("EnableNetworkIsolation", False)]
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0


def test_F01_raw_request_with_half_a_vpc_config_is_refused_naming_the_missing_list(sess, safemaker_local):
    with pytest.raises(GuardrailViolation) as exc:
        sess.sagemaker_client.create_training_job(**training_job(VpcConfig={"SecurityGroupIds": [SG]}))
    assert [(v.path, v.found) for v in exc.value.violations] == [("VpcConfig.Subnets", MISSING)]
    assert "VpcConfig.Subnets is absent" in str(exc.value)
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0


def test_F14_notebook_through_the_session_gets_direct_internet_access_disabled(sess, safemaker_local, sent):
    sm = sess.sagemaker_client
    sm.create_notebook_instance(NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=ROLE)
    (req,) = of(sent, "CreateNotebookInstance")
    assert (req["DirectInternetAccess"], req["SubnetId"], req["SecurityGroupIds"], req["RootAccess"]) == (
        "Disabled", SUB_A, [SG], "Disabled")
    stored = sm.describe_notebook_instance(NotebookInstanceName="nb")
    assert stored["DirectInternetAccess"] == "Disabled"
    assert stored["SubnetId"] == SUB_A
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_notebook_instance(NotebookInstanceName="nb2", InstanceType="ml.t3.medium", RoleArn=ROLE,
                                    DirectInternetAccess="Enabled")
    assert [(v.path, v.found, v.rule_id) for v in exc.value.violations] == [
        ("DirectInternetAccess", "Enabled", "SM-NB-DIRECT-INTERNET")]
    assert safemaker_local.request_count("sagemaker", "CreateNotebookInstance") == 1


# --------------------------------------------------------------------------- region


def test_boto_session_in_another_region_is_refused(profile):
    import boto3

    with pytest.raises(ClosedSessionError) as exc:
        ClosedNetworkSession(profile, boto_session=boto3.Session(region_name="eu-west-1"))
    assert exc.value.argument == "boto_session.region_name"
    assert exc.value.found == "eu-west-1"
    assert str(exc.value) == ("boto_session.region_name is 'eu-west-1'; the profile's region 'us-east-1'. "
                              "Create the session with boto3.Session(region_name='us-east-1').")


def test_client_in_another_region_is_refused(safemaker_local, safemaker_session, profile):
    other = safemaker_session.client("sagemaker-runtime", region_name="eu-west-1")
    with pytest.raises(ClosedSessionError) as exc:
        ClosedNetworkSession(profile, boto_session=safemaker_session, sagemaker_runtime_client=other)
    assert exc.value.argument == "sagemaker_runtime_client region"
    assert exc.value.found == "eu-west-1"


def test_without_boto_session_the_region_is_the_profile_region(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    sess = ClosedNetworkSession(make_profile(region="eu-west-1", execution_role_arn=ROLE))
    assert sess.boto_region_name == "eu-west-1"
    assert sess.sagemaker_client.meta.region_name == "eu-west-1"
    assert sess.poll is None  # a real AWS endpoint: the SDK's own poll intervals


def test_profile_from_a_file_path(safemaker_local, safemaker_session, tmp_path):
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump({"region": "us-east-1", "vpc_id": VPC_ID,
                                    "subnets": [SUB_C], "security_group_ids": [SG],
                                    "execution_role_arn": ROLE}))
    sess = ClosedNetworkSession(str(path), boto_session=safemaker_session)
    assert sess.profile.subnets == (SUB_C,)
    assert hooks.installed(sess.sagemaker_client).profile.subnets == (SUB_C,)


# --------------------------------------------------------------------------- SDK config


def test_sdk_config_is_the_profile_merged_with_no_file(sess, profile):
    assert sess.sagemaker_config == closed_config([], profile)
    assert sess.sagemaker_config["SageMaker"]["PythonSDK"]["Modules"]["TelemetryOptOut"] is True


def test_user_config_file_is_merged_not_dropped(safemaker_local, safemaker_session, profile, sent, tmp_path,
                                                monkeypatch):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"SchemaVersion": "1.0", "SageMaker": {"TrainingJob": {
        "VpcConfig": {"Subnets": [SUB_C], "SecurityGroupIds": [SG]},
        "Tags": [{"Key": "team", "Value": "ml"}]}}}))
    monkeypatch.setenv(sm_config.ENV_VARIABLE_USER_CONFIG_OVERRIDE, str(path))
    sess = ClosedNetworkSession(profile, boto_session=safemaker_session)
    est = Estimator(IMG, instance_count=1, instance_type="ml.m5.large", sagemaker_session=sess,
                    output_path=f"s3://{BUCKET}/out")  # a plain SDK Estimator, no role given
    est.fit(wait=False)
    (req,) = of(sent, "CreateTrainingJob")
    assert req["VpcConfig"] == {"Subnets": [SUB_C], "SecurityGroupIds": [SG]}  # the file's narrower choice
    assert {"Key": "team", "Value": "ml"} in req["Tags"]
    assert req["EnableNetworkIsolation"] is True  # from the profile
    assert req["EnableInterContainerTrafficEncryption"] is True
    assert req["RoleArn"] == ROLE  # from the profile: no get_execution_role


def test_conflicting_config_file_value_is_refused_naming_the_file_key(safemaker_local, safemaker_session, profile,
                                                                     tmp_path, monkeypatch):
    path = tmp_path / "admin.yaml"
    path.write_text(yaml.safe_dump({"SchemaVersion": "1.0", "SageMaker": {
        "ProcessingJob": {"NetworkConfig": {"EnableNetworkIsolation": False}}}}))
    monkeypatch.setenv(sm_config.ENV_VARIABLE_ADMIN_CONFIG_OVERRIDE, str(path))
    with pytest.raises(GuardrailViolation) as exc:
        ClosedNetworkSession(profile, boto_session=safemaker_session)
    assert exc.value.operation == "ClosedNetworkSession"
    assert [(v.path, v.found, v.required) for v in exc.value.violations] == [
        (f"SageMaker.ProcessingJob.NetworkConfig.EnableNetworkIsolation in {path}", False, True)]
    assert safemaker_local.request_count() == 0


def test_missing_override_file_is_an_error_as_in_the_sdk(safemaker_local, safemaker_session, profile, tmp_path,
                                                        monkeypatch):
    monkeypatch.setenv(sm_config.ENV_VARIABLE_USER_CONFIG_OVERRIDE, str(tmp_path / "nope.yaml"))
    with pytest.raises(ValueError, match="Unable to load the config file from the location"):
        ClosedNetworkSession(profile, boto_session=safemaker_session)


def test_sagemaker_config_argument_replaces_the_files(safemaker_local, safemaker_session, profile, tmp_path,
                                                     monkeypatch):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"SchemaVersion": "1.0", "SageMaker": {"Model": {"EnableNetworkIsolation": False}}}))
    monkeypatch.setenv(sm_config.ENV_VARIABLE_USER_CONFIG_OVERRIDE, str(path))
    given = {"SchemaVersion": "1.0", "SageMaker": {"Model": {"VpcConfig": {"Subnets": [SUB_A],
                                                                         "SecurityGroupIds": [SG]}}}}
    sess = ClosedNetworkSession(profile, boto_session=safemaker_session, sagemaker_config=given)
    assert sess.sagemaker_config["SageMaker"]["Model"] == {
        "VpcConfig": {"Subnets": [SUB_A], "SecurityGroupIds": [SG]}, "EnableNetworkIsolation": True,
        "ExecutionRoleArn": ROLE}
    with pytest.raises(GuardrailViolation) as exc:
        ClosedNetworkSession(profile, boto_session=safemaker_session, sagemaker_config={
            "SchemaVersion": "1.0", "SageMaker": {"Model": {"EnableNetworkIsolation": False}}})
    assert [v.path for v in exc.value.violations] == [
        "SageMaker.Model.EnableNetworkIsolation in sagemaker_config argument"]


# --------------------------------------------------------------------------- no telemetry, no IAM/STS, no Logs


def test_plain_sdk_session_sends_telemetry_and_calls_sts_and_logs(safemaker_local, safemaker_session,
                                                                 telemetry_urls):
    """Control for the three tests below: what the same fit() does on a plain SDK session."""
    safemaker_session.client("s3").create_bucket(Bucket=BUCKET)
    plain = sagemaker.Session(boto_session=safemaker_session, default_bucket=BUCKET)
    Estimator(IMG, ROLE, instance_count=1, instance_type="ml.m5.large", sagemaker_session=plain,
              output_path=f"s3://{BUCKET}/out").fit(logs="All")
    assert telemetry_urls == ["https://sm-pysdk-t-us-east-1.s3.us-east-1.amazonaws.com/telemetry"]
    assert safemaker_local.request_count("sts", "GetCallerIdentity") == 1  # telemetry's account lookup
    assert safemaker_local.request_count("logs") >= 1


def test_closed_session_sends_no_telemetry(sess, safemaker_local, telemetry_urls):
    ClosedEstimator(IMG, sagemaker_session=sess, output_path=f"s3://{BUCKET}/out").fit(logs="All")
    assert telemetry_urls == []
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 1


def test_F09_nothing_on_the_job_path_calls_iam_or_sts(sess, safemaker_local):
    role = sagemaker.get_execution_role(sess)
    est = ClosedEstimator(IMG, sagemaker_session=sess, output_path=f"s3://{BUCKET}/out")
    est.fit({"train": f"s3://{BUCKET}/train"})
    est.deploy(1, "ml.m5.large")
    assert role == ROLE
    assert sess.account_id() == "123456789012"
    assert sess.expand_role("SageMakerExecRole") == ROLE
    services = {r.service for r in safemaker_local.requests}
    assert services == {"sagemaker"}
    assert safemaker_local.request_count("iam") == 0
    assert safemaker_local.request_count("sts") == 0
    assert safemaker_local.request_count("sagemaker", "CreateEndpoint") == 1


def test_F06_waiting_does_not_read_cloudwatch_logs(sess, safemaker_local):
    est = ClosedEstimator(IMG, sagemaker_session=sess, output_path=f"s3://{BUCKET}/out")
    est.fit(logs="All", wait=True)
    assert safemaker_local.request_count("logs") == 0
    assert safemaker_local.request_count("sagemaker", "DescribeTrainingJob") >= 1
    assert est.latest_training_job.describe()["TrainingJobStatus"] == "Completed"


def test_logs_true_reads_cloudwatch_logs(safemaker_local, safemaker_session, profile):
    safemaker_session.client("s3").create_bucket(Bucket=BUCKET)
    sess = ClosedNetworkSession(profile, boto_session=safemaker_session, logs=True)
    ClosedEstimator(IMG, sagemaker_session=sess, output_path=f"s3://{BUCKET}/out").fit(logs="All")
    assert safemaker_local.request_count("logs", "DescribeLogStreams") >= 1


def test_logs_for_job_with_timeout_waits_without_logs(sess, safemaker_local):
    est = ClosedEstimator(IMG, sagemaker_session=sess, output_path=f"s3://{BUCKET}/out")
    est.fit(wait=False)
    safemaker_local.reset_requests()
    sess.logs_for_job(est.latest_training_job.name, wait=True, timeout=30)
    assert safemaker_local.request_count("sagemaker", "DescribeTrainingJob") == 1
    assert safemaker_local.request_count("logs") == 0


def test_unknown_role_name_is_refused_without_calling_iam(sess, safemaker_local):
    with pytest.raises(GuardrailViolation) as exc:
        sess.expand_role("SomeOtherRole")
    (v,) = exc.value.violations
    assert (v.path, v.found, v.rule_id, v.required) == ("role", "SomeOtherRole", "SM-IAM-ROLE", [ROLE])
    assert safemaker_local.request_count("iam") == 0


# --------------------------------------------------------------------------- default bucket, polls


def test_default_bucket_from_the_profile_makes_no_request(sess, safemaker_local):
    assert sess.default_bucket() == BUCKET
    assert safemaker_local.request_count() == 0


def test_default_bucket_argument_wins_over_the_profile(safemaker_local, safemaker_session, profile):
    sess = ClosedNetworkSession(profile, boto_session=safemaker_session, default_bucket="team-bucket")
    assert sess.default_bucket() == "team-bucket"
    assert safemaker_local.request_count() == 0


def test_generated_default_bucket_uses_the_profile_account_without_sts(safemaker_local, safemaker_session):
    sess = ClosedNetworkSession(make_profile(default_bucket=None), boto_session=safemaker_session)
    assert sess.default_bucket() == "sagemaker-us-east-1-123456789012"
    assert safemaker_local.request_count("s3", "CreateBucket") == 1
    assert safemaker_local.request_count("sts") == 0
    assert "sagemaker-us-east-1-123456789012" in [
        b["Name"] for b in safemaker_session.client("s3").list_buckets()["Buckets"]]


def test_poll_is_short_on_the_local_backend_and_can_be_set(sess, safemaker_local, safemaker_session, profile):
    assert sess.poll == LOCAL_POLL_SECONDS
    assert ClosedNetworkSession(profile, boto_session=safemaker_session, poll=2.5).poll == 2.5
    with pytest.raises(ClosedSessionError) as exc:
        ClosedNetworkSession(profile, boto_session=safemaker_session, poll=0)
    assert str(exc.value) == "poll is 0; a number of seconds greater than 0. Pass poll=None for the default."
