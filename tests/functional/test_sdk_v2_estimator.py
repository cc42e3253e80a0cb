"""ClosedEstimator and closed(<Estimator class>) (SDK v2) on the local backend: the requests they send, F01.

Assertions are on the request botocore was about to send after the guard
(``before-parameter-build``) and on what reached moto. On the local backend
no container runs: a training job goes to ``Completed`` without training.
"""

from __future__ import annotations

import pytest

import safemaker
from sdk_markers import require_sdk
import yaml

require_sdk(2)  # skipped under SDK v3 (tests/sdk_markers.py)

# _sdk_v2_support first: it sets SAGEMAKER_SUPPRESS_V2_WARNING before the SDK is imported.
from _sdk_v2_support import BUCKET, IMG, ROLE, SG, SUB_A, SUB_C, SUB_OUT, VPC, make_profile, of  # noqa: E402
from _sdk_v2_support import no_user_sdk_config, sent, sess  # noqa: E402, F401 (fixtures)
import sagemaker  # noqa: E402
import sagemaker.config.config as sm_config  # noqa: E402
from sagemaker.estimator import Estimator  # noqa: E402
from sagemaker.huggingface import HuggingFace  # noqa: E402
from sagemaker.pytorch import PyTorch  # noqa: E402
from sagemaker.sklearn import SKLearn  # noqa: E402
from sagemaker.tensorflow import TensorFlow  # noqa: E402
from sagemaker.xgboost import XGBoost  # noqa: E402

from safemaker.errors import MISSING, GuardrailViolation  # noqa: E402
from safemaker.profile import VpcProfile  # noqa: E402
from safemaker.sdk import ClosedEstimator, ClosedNetworkSession, closed  # noqa: E402
from safemaker.sdk.v2 import ClosedSessionError, is_closed  # noqa: E402

pytestmark = pytest.mark.sdk2

VOL = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
OUT = "arn:aws:kms:us-east-1:123456789012:key/66666666-7777-8888-9999-000000000000"


@pytest.fixture
def profile() -> VpcProfile:
    """The shared profile plus KMS keys for volumes and outputs (``sess`` is built on this one)."""
    return make_profile(volume_kms_key_id=VOL, output_kms_key_id=OUT)


@pytest.fixture
def entry_point(tmp_path):
    path = tmp_path / "train.py"
    path.write_text("print('training')\n")
    return str(path)


def network_fields(req):
    return (req["EnableNetworkIsolation"], req["VpcConfig"], req["EnableInterContainerTrafficEncryption"],
            req["ResourceConfig"]["VolumeKmsKeyId"], req["OutputDataConfig"]["KmsKeyId"], req["RoleArn"])


# --------------------------------------------------------------------------- ClosedEstimator


def test_ClosedEstimator_fit_sends_every_profile_value(sess, sent, safemaker_local):
    est = ClosedEstimator(IMG, sagemaker_session=sess, output_path=f"s3://{BUCKET}/out")
    est.fit({"train": f"s3://{BUCKET}/train"})
    (req,) = of(sent, "CreateTrainingJob")
    assert network_fields(req) == (True, VPC, True, VOL, OUT, ROLE)
    assert req["ResourceConfig"]["InstanceType"] == "ml.m5.large"
    # The SDK built the request closed: the guard had nothing to inject.
    (decision,) = [d for d in sess.guard.decisions if d.operation == "CreateTrainingJob"]
    assert (decision.outcome, decision.injected) == ("allowed", ())
    stored = sess.sagemaker_client.describe_training_job(TrainingJobName=est.latest_training_job.name)
    assert (stored["EnableNetworkIsolation"], stored["VpcConfig"]) == (True, VPC)
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 1


def test_seed_4_5_arguments_are_accepted_when_inside_the_profile(sess, sent):
    est = ClosedEstimator(IMG, ROLE, instance_count=1, instance_type="ml.c4.xlarge",
                          output_path=f"s3://{BUCKET}/out", sagemaker_session=sess,
                          enable_network_isolation=True, subnets=[SUB_C, SUB_A], security_group_ids=[SG])
    est.fit(f"s3://{BUCKET}/train")
    (req,) = of(sent, "CreateTrainingJob")
    assert req["VpcConfig"] == {"Subnets": [SUB_C, SUB_A], "SecurityGroupIds": [SG]}
    assert req["EnableNetworkIsolation"] is True


def test_F01_only_security_group_ids_is_refused_naming_the_missing_subnets(sess, safemaker_local):
    with pytest.raises(GuardrailViolation) as exc:
        ClosedEstimator(IMG, role=ROLE, instance_count=1, instance_type="ml.m5.large",
                        security_group_ids=[SG], sagemaker_session=sess)
    err = exc.value
    assert err.operation == "CreateTrainingJob"
    assert [(v.path, v.found, v.rule_id) for v in err.violations] == [("VpcConfig.Subnets", MISSING, "SM-NET-VPC")]
    assert str(err) == (
        f"CreateTrainingJob refused: VpcConfig.Subnets is absent; the profile requires subnets {[SUB_A, SUB_C]}. "
        "Pass subnets= too in ClosedEstimator(), or leave out every VPC argument so that the profile's Subnets "
        "and SecurityGroupIds are used.")
    assert safemaker_local.request_count() == 0


def test_F01_only_subnets_is_refused_naming_the_missing_security_group_ids(sess):
    with pytest.raises(GuardrailViolation) as exc:
        ClosedEstimator(IMG, subnets=[SUB_A], sagemaker_session=sess)
    assert [v.path for v in exc.value.violations] == ["VpcConfig.SecurityGroupIds"]
    assert "Pass security_group_ids= too" in exc.value.violations[0].fix


def test_network_isolation_false_is_refused_at_construction(sess, safemaker_local):
    with pytest.raises(GuardrailViolation) as exc:
        ClosedEstimator(IMG, enable_network_isolation=False, sagemaker_session=sess)
    (v,) = exc.value.violations
    assert (v.path, v.found, v.required, v.rule_id) == ("EnableNetworkIsolation", False, True, "SM-NET-ISOLATION")
    assert v.fix == ("Change enable_network_isolation= in ClosedEstimator(), or leave it out so that the "
                     "profile's value is used")
    assert safemaker_local.request_count() == 0


def test_every_conflicting_argument_is_listed_at_once(sess):
    with pytest.raises(GuardrailViolation) as exc:
        ClosedEstimator(IMG, role="arn:aws:iam::123456789012:role/Other", subnets=[SUB_A, SUB_OUT],
                        security_group_ids=[SG], encrypt_inter_container_traffic=False,
                        volume_kms_key="alias/other", output_kms_key="alias/other2", sagemaker_session=sess)
    assert sorted((v.path, v.rule_id) for v in exc.value.violations) == sorted([
        ("VpcConfig.Subnets[1]", "SM-NET-VPC"),
        ("EnableInterContainerTrafficEncryption", "SM-NET-ICTE"),
        ("ResourceConfig.VolumeKmsKeyId", "SM-KMS-VOLUME"),
        ("OutputDataConfig.KmsKeyId", "SM-KMS-OUTPUT"),
        ("RoleArn", "SM-IAM-ROLE"),
    ])
    fixes = {v.path: v.fix for v in exc.value.violations}
    assert fixes["VpcConfig.Subnets[1]"].startswith("Change subnets= in ClosedEstimator()")
    assert fixes["RoleArn"].startswith("Change role= in ClosedEstimator()")


def test_role_name_is_expanded_among_the_profile_roles(sess):
    est = ClosedEstimator(IMG, role="SageMakerExecRole", sagemaker_session=sess)
    assert est.role == ROLE


def test_plain_sdk_session_is_refused(safemaker_local, safemaker_session):
    plain = sagemaker.Session(boto_session=safemaker_session)
    with pytest.raises(ClosedSessionError) as exc:
        ClosedEstimator(IMG, sagemaker_session=plain)
    assert (exc.value.argument, exc.value.found) == ("sagemaker_session", "Session")
    assert "Pass sagemaker_session=ClosedNetworkSession(profile, boto_session=...) to ClosedEstimator()" in str(
        exc.value)


def test_profile_that_differs_from_the_session_profile_is_refused(sess):
    other = make_profile(vpc_id="vpc-0ffffffffffffffff", subnets=[SUB_OUT], default_bucket=None, source="other")
    with pytest.raises(ClosedSessionError) as exc:
        ClosedEstimator(IMG, profile=other, sagemaker_session=sess)
    assert exc.value.argument == "profile"
    est = ClosedEstimator(IMG, profile=sess.profile, sagemaker_session=sess)  # the same profile is fine
    assert est.sagemaker_session is sess


def test_without_a_session_one_is_created_from_the_profile(profile):
    est = ClosedEstimator(IMG, profile=profile)
    assert isinstance(est.sagemaker_session, ClosedNetworkSession)
    assert est.sagemaker_session.profile == profile
    assert (est.enable_network_isolation(), est.subnets, est.security_group_ids) == (True, [SUB_A, SUB_C], [SG])


def test_narrower_vpc_in_the_user_config_file_is_used(safemaker_local, safemaker_session, profile, sent, tmp_path,
                                                      monkeypatch):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"SchemaVersion": "1.0", "SageMaker": {"TrainingJob": {
        "VpcConfig": {"Subnets": [SUB_C], "SecurityGroupIds": [SG]}}}}))
    monkeypatch.setenv(sm_config.ENV_VARIABLE_USER_CONFIG_OVERRIDE, str(path))
    safemaker_session.client("s3").create_bucket(Bucket=BUCKET)
    sess = ClosedNetworkSession(profile, boto_session=safemaker_session)
    ClosedEstimator(IMG, sagemaker_session=sess, output_path=f"s3://{BUCKET}/out").fit(wait=False)
    (req,) = of(sent, "CreateTrainingJob")
    assert req["VpcConfig"] == {"Subnets": [SUB_C], "SecurityGroupIds": [SG]}


def test_plain_sdk_estimator_on_a_closed_session_sends_a_closed_request(sess, sent):
    Estimator(IMG, instance_count=1, instance_type="ml.m5.large", sagemaker_session=sess,
              output_path=f"s3://{BUCKET}/out").fit(wait=False)
    (req,) = of(sent, "CreateTrainingJob")
    assert network_fields(req) == (True, VPC, True, VOL, OUT, ROLE)


def test_attach_to_a_job_that_is_not_closed_is_refused(sess, safemaker_session, safemaker_local):
    open_client = safemaker_session.client("sagemaker")  # this test's own unguarded client
    from safemaker import hooks

    hooks.uninstall(open_client)
    safemaker.uninstall_process()  # the open resource comes from elsewhere: the session's process guard refuses it
    open_client.create_training_job(
        TrainingJobName="open-job", RoleArn=ROLE,
        AlgorithmSpecification={"TrainingImage": IMG, "TrainingInputMode": "File"},
        OutputDataConfig={"S3OutputPath": f"s3://{BUCKET}/out", "KmsKeyId": OUT},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10,
                        "VolumeKmsKeyId": VOL},
        StoppingCondition={"MaxRuntimeInSeconds": 3600}, EnableNetworkIsolation=False)
    with pytest.raises(GuardrailViolation) as exc:
        ClosedEstimator.attach("open-job", sagemaker_session=sess)
    assert ("EnableNetworkIsolation", False) in [(v.path, v.found) for v in exc.value.violations]


def test_attach_to_a_closed_job_gives_a_closed_estimator(sess):
    est = ClosedEstimator(IMG, sagemaker_session=sess, output_path=f"s3://{BUCKET}/out")
    est.fit(wait=False)
    again = ClosedEstimator.attach(est.latest_training_job.name, sagemaker_session=sess)
    assert isinstance(again, ClosedEstimator)
    assert (again.enable_network_isolation(), again.subnets, again.security_group_ids) == (True, VPC["Subnets"], [SG])


# --------------------------------------------------------------------------- closed(<framework class>)


@pytest.mark.parametrize("cls, versions, submit", [
    (PyTorch, {"framework_version": "2.1", "py_version": "py310"}, "sagemaker_submit_directory"),
    (XGBoost, {"framework_version": "1.7-1"}, "sagemaker_submit_directory"),
])
def test_closed_framework_estimator_delivers_code_through_the_code_channel(cls, versions, submit, sess, sent,
                                                                           entry_point, safemaker_local):
    est = closed(cls)(entry_point=entry_point, instance_count=1, instance_type="ml.m5.xlarge",
                      sagemaker_session=sess, **versions)
    est.fit({"train": f"s3://{BUCKET}/train"})
    (req,) = of(sent, "CreateTrainingJob")
    assert [c["ChannelName"] for c in req["InputDataConfig"]] == ["train", "code"]
    code = req["InputDataConfig"][1]["DataSource"]["S3DataSource"]["S3Uri"]
    assert code.startswith(f"s3://{BUCKET}/") and code.endswith("/source/sourcedir.tar.gz")
    assert req["HyperParameters"][submit] == '"/opt/ml/input/data/code/sourcedir.tar.gz"'
    assert network_fields(req) == (True, VPC, True, VOL, OUT, ROLE)
    assert safemaker_local.request_count("s3", "PutObject") == 1  # the code tarball


@pytest.mark.parametrize("cls, kwargs", [
    (PyTorch, {"framework_version": "2.1", "py_version": "py310", "instance_type": "ml.m5.xlarge"}),
    (XGBoost, {"framework_version": "1.7-1", "instance_type": "ml.m5.xlarge"}),
    (SKLearn, {"framework_version": "1.2-1", "instance_type": "ml.m5.xlarge"}),
    (TensorFlow, {"framework_version": "2.13", "py_version": "py310", "instance_type": "ml.m5.xlarge"}),
    (HuggingFace, {"transformers_version": "4.28", "pytorch_version": "2.0", "py_version": "py310",
                   "instance_type": "ml.p3.2xlarge"}),
])
def test_one_closed_mechanism_for_every_framework_estimator(cls, kwargs, sess, entry_point):
    klass = closed(cls)
    assert klass.__name__ == f"Closed{cls.__name__}" and issubclass(klass, cls) and is_closed(klass)
    est = klass(entry_point=entry_point, instance_count=1, sagemaker_session=sess, **kwargs)
    assert (est.enable_network_isolation(), est.subnets, est.security_group_ids,
            est.encrypt_inter_container_traffic, est.volume_kms_key, est.output_kms_key, est.role) == (
        True, [SUB_A, SUB_C], [SG], True, VOL, OUT, ROLE)
    with pytest.raises(GuardrailViolation) as exc:
        klass(entry_point=entry_point, instance_count=1, sagemaker_session=sess, enable_network_isolation=False,
              **kwargs)
    assert [v.path for v in exc.value.violations] == ["EnableNetworkIsolation"]
    assert f"in Closed{cls.__name__}()" in exc.value.violations[0].fix


def test_closed_is_one_class_per_sdk_class():
    assert closed(PyTorch) is closed(PyTorch)
    assert closed(Estimator) is ClosedEstimator
    assert closed(ClosedEstimator) is ClosedEstimator
    assert closed(closed(XGBoost)) is closed(XGBoost)


def test_closed_refuses_what_is_not_an_sdk_class():
    with pytest.raises(TypeError, match=r"closed\(\) takes a SageMaker SDK v2 Estimator, Processor or Model "
                                        r"class; got sagemaker.session.Session"):
        closed(sagemaker.Session)
    with pytest.raises(TypeError, match="closed\\(\\) takes a class; got str"):
        closed("PyTorch")
