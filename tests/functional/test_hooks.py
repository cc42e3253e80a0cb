"""The guard wired to botocore, against the local backend (moto on 127.0.0.1) over real HTTP.

Asserts on what reached the server: a refused call sends nothing, an allowed
call's stored resource carries the injected fields.
"""

from __future__ import annotations

import io
import json
import logging

import pytest
from botocore.stub import Stubber

import safemaker
from safemaker import hooks
from safemaker.errors import GuardrailViolation

from _profiles import IMG, ROLE, SG, SUB_A, SUB_C
from _profiles import training_job_request as training_job




def test_CreateTrainingJob_allowed_call_stores_injected_fields(safemaker_local, safemaker_session, profile):
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    sm.create_training_job(**training_job())
    stored = sm.describe_training_job(TrainingJobName="job")
    assert stored["EnableNetworkIsolation"] is True
    assert stored["EnableInterContainerTrafficEncryption"] is True
    assert stored["VpcConfig"] == {"Subnets": [SUB_A, SUB_C], "SecurityGroupIds": [SG]}


def test_CreateTrainingJob_refused_call_sends_nothing(safemaker_local, safemaker_session, profile):
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    before = safemaker_local.request_count()
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_training_job(**training_job(EnableNetworkIsolation=False))
    assert [v.path for v in exc.value.violations] == ["EnableNetworkIsolation"]
    assert safemaker_local.request_count() == before
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0


def test_client_created_before_session_install_is_not_guarded_but_client_install_is(
        safemaker_local, safemaker_session, profile):
    early = safemaker_session.client("sagemaker")
    hooks.install(safemaker_session, profile)
    assert hooks.installed(early) is None
    early.create_training_job(**training_job("early", EnableNetworkIsolation=False))  # not guarded: sent
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 1
    g = hooks.install(early, profile)
    assert hooks.installed(early) is g
    with pytest.raises(GuardrailViolation):
        early.create_training_job(**training_job("early2", EnableNetworkIsolation=False))
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 1


def test_install_twice_is_harmless_and_uninstall_is_exact(safemaker_local, safemaker_session, profile):
    g1 = hooks.install(safemaker_session, profile)
    g2 = hooks.install(safemaker_session, profile)
    assert g1 is g2
    sm = safemaker_session.client("sagemaker")
    seen = []
    sm.meta.events.register("provide-client-params.sagemaker", lambda params, **kw: seen.append(1),
                            unique_id="someone-else")
    sm.create_training_job(**training_job("a"))
    assert [r.outcome for r in g1.decisions] == ["injected"]  # one decision: one handler
    assert hooks.uninstall(sm) is True and hooks.uninstall(sm) is False
    sm.create_training_job(**training_job("b", EnableNetworkIsolation=False))  # no guard any more
    assert seen == [1, 1], "uninstall removed only safemaker's handler"
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 2
    assert hooks.uninstall(safemaker_session) is True
    assert hooks.installed(safemaker_session.client("sagemaker")) is None


def test_install_with_another_profile_replaces_the_guard(safemaker_local, safemaker_session, profile):
    g1 = hooks.install(safemaker_session, profile)
    other = profile.model_copy(update={"require_network_isolation": False})
    g2 = hooks.install(safemaker_session, other)
    assert g2 is not g1 and hooks.installed(safemaker_session) is g2
    sm = safemaker_session.client("sagemaker")
    sm.create_training_job(**training_job(EnableNetworkIsolation=False))
    assert len(g1.decisions) == 0 and len(g2.decisions) == 1


def test_install_rejects_other_targets(profile, safemaker_session):
    with pytest.raises(TypeError, match="expected a boto3.Session"):
        hooks.install(safemaker_session.client("s3"), profile)


def test_warn_mode_sends_unchanged_and_records(safemaker_local, safemaker_session, profile):
    g = hooks.install(safemaker_session, profile, mode="warn")
    sm = safemaker_session.client("sagemaker")
    sm.create_training_job(**training_job(EnableNetworkIsolation=False))
    stored = sm.describe_training_job(TrainingJobName="job")
    assert stored["EnableNetworkIsolation"] is False  # sent as given
    assert "VpcConfig" not in stored or stored["VpcConfig"] in ({}, None)
    (rec,) = g.decisions
    assert rec.outcome == "warned" and rec.mode == "warn"
    assert [v.path for v in rec.violations] == ["EnableNetworkIsolation"]
    assert set(rec.injected) == {"VpcConfig", "EnableInterContainerTrafficEncryption"}


@pytest.mark.parametrize("operation, call, params, injected", [
    ("CreateTrainingJob", "create_training_job",
     training_job(EnableNetworkIsolation=True, EnableInterContainerTrafficEncryption=True), ("VpcConfig",)),
    ("CreateNotebookInstance", "create_notebook_instance",
     {"NotebookInstanceName": "nb", "InstanceType": "ml.t3.medium", "RoleArn": ROLE, "DirectInternetAccess": "Disabled",
      "SecurityGroupIds": [SG], "RootAccess": "Disabled"}, ("SubnetId",)),
])
def test_warn_mode_request_that_would_only_be_injected_is_one_record_and_sent_unchanged(
        safemaker_local, safemaker_session, profile, operation, call, params, injected):
    """Warn mode sends the request as given: the final-request check compares against that request, so a
    request nothing changed after the guard is not reported as "changed after the guard approved it"."""
    g = hooks.install(safemaker_session, profile, mode="warn")
    sm = safemaker_session.client("sagemaker")
    try:
        getattr(sm, call)(**params)
    except sm.exceptions.ClientError as exc:  # the local backend refuses Disabled without SubnetId, as AWS does
        assert exc.response["Error"]["Code"] == "ValidationException"
    (rec,) = [d for d in g.decisions if d.operation == operation]
    assert (rec.outcome, rec.injected, rec.violations) == ("injected", injected, ())


def test_warn_mode_final_check_blames_a_later_handler_only_for_what_it_changed(
        safemaker_local, safemaker_session, profile):
    """Warn mode, a request left without VpcConfig (would inject) and a later handler that turns network
    isolation off: the final-request record names the handler's field only, not the field the caller left out
    (already recorded as would-inject); the request goes out as the handler left it (trial 14b F04)."""
    g = hooks.install(safemaker_session, profile, mode="warn")
    sm = safemaker_session.client("sagemaker")

    def later(params, **_):
        params["EnableNetworkIsolation"] = False

    sm.meta.events.register_last("before-parameter-build.sagemaker.CreateTrainingJob", later)
    params = training_job(EnableNetworkIsolation=True, EnableInterContainerTrafficEncryption=True)
    sm.create_training_job(**params)
    first, final = [d for d in g.decisions if d.operation == "CreateTrainingJob"]
    assert (first.outcome, first.injected, first.violations) == ("injected", ("VpcConfig",), ())
    assert final.outcome == "warned"
    assert [(v.path, v.found) for v in final.violations] == [("EnableNetworkIsolation", False)]
    assert "remove the handler that changes EnableNetworkIsolation" in final.violations[0].fix
    sent = sm.describe_training_job(TrainingJobName=params["TrainingJobName"])
    assert sent["EnableNetworkIsolation"] is False and "VpcConfig" not in sent


def test_decision_log_is_json_lines_without_secrets(safemaker_local, safemaker_session, profile, caplog):
    buf = io.StringIO()
    hooks.install(safemaker_session, profile, decision_log=buf)
    sm = safemaker_session.client("sagemaker")
    secret = "s3cr3t-value-in-environment"
    caplog.set_level(logging.DEBUG, logger="safemaker")
    sm.create_training_job(**training_job("ok", Environment={"API_KEY": secret}))
    with pytest.raises(GuardrailViolation):
        sm.create_training_job(**training_job("bad", Environment={"API_KEY": secret},
                                              EnableInterContainerTrafficEncryption=False))
    lines = [json.loads(line) for line in buf.getvalue().splitlines()]
    assert [(r["operation"], r["outcome"]) for r in lines] == [
        ("CreateTrainingJob", "injected"), ("CreateTrainingJob", "refused")]
    assert lines[0]["injected"] == ["EnableNetworkIsolation", "VpcConfig", "EnableInterContainerTrafficEncryption"]
    assert lines[1]["violations"][0]["path"] == "EnableInterContainerTrafficEncryption"
    assert lines[1]["violations"][0]["found"] is False
    assert lines[0]["region"] == "us-east-1"
    everything = buf.getvalue() + caplog.text
    assert secret not in everything
    assert "testing" not in everything  # the fake credentials
    assert "refused" in caplog.text


def test_decision_log_file_from_environment(safemaker_local, safemaker_session, profile, tmp_path, monkeypatch):
    log = tmp_path / "decisions.jsonl"
    monkeypatch.setenv("SAFEMAKER_DECISION_LOG", str(log))
    hooks.install(safemaker_session, profile)
    safemaker_session.client("sagemaker").create_training_job(**training_job())
    (record,) = [json.loads(x) for x in log.read_text().splitlines()]
    assert record["outcome"] == "injected" and record["mode"] == "enforce"


def _create_raw_model(safemaker_session, name, **extra):
    raw = safemaker_session.client("sagemaker")  # unguarded: stands for a model made elsewhere
    raw.create_model(ModelName=name, PrimaryContainer={"Image": IMG}, ExecutionRoleArn=ROLE, **extra)


def test_F02_CreateEndpointConfig_refused_for_an_open_model(safemaker_local, safemaker_session, profile):
    _create_raw_model(safemaker_session, "open-model")
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    before = safemaker_local.request_count("sagemaker", "CreateEndpointConfig")
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_endpoint_config(EndpointConfigName="ec", ProductionVariants=[
            {"VariantName": "v", "ModelName": "open-model", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}])
    paths = [v.path for v in exc.value.violations]
    assert paths == [
        "ProductionVariants[0].ModelName -> DescribeModel(ModelName='open-model').EnableNetworkIsolation",
        "ProductionVariants[0].ModelName -> DescribeModel(ModelName='open-model').VpcConfig",
    ]
    assert safemaker_local.request_count("sagemaker", "DescribeModel") == 1
    assert safemaker_local.request_count("sagemaker", "CreateEndpointConfig") == before


def test_F02_CreateEndpointConfig_and_CreateTransformJob_allowed_for_a_closed_model(
        safemaker_local, safemaker_session, profile):
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    sm.create_model(ModelName="closed-model", PrimaryContainer={"Image": IMG}, ExecutionRoleArn=ROLE)
    described = sm.describe_model(ModelName="closed-model")
    assert described["EnableNetworkIsolation"] is True
    sm.create_endpoint_config(EndpointConfigName="ec", ProductionVariants=[
        {"VariantName": "v", "ModelName": "closed-model", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}])
    assert safemaker_local.request_count("sagemaker", "CreateEndpointConfig") == 1
    sm.create_transform_job(
        TransformJobName="t", ModelName="closed-model",
        TransformInput={"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/in"}}},
        TransformOutput={"S3OutputPath": "s3://b/out"},
        TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 1})
    assert safemaker_local.request_count("sagemaker", "CreateTransformJob") == 1


def test_F02_CreateTransformJob_refused_for_an_open_model(safemaker_local, safemaker_session, profile):
    _create_raw_model(safemaker_session, "open-model", EnableNetworkIsolation=True)
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_transform_job(
            TransformJobName="t", ModelName="open-model",
            TransformInput={"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/in"}}},
            TransformOutput={"S3OutputPath": "s3://b/out"},
            TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 1})
    assert [v.path for v in exc.value.violations] == ["ModelName -> DescribeModel(ModelName='open-model').VpcConfig"]
    assert safemaker_local.request_count("sagemaker", "CreateTransformJob") == 0


def test_unknown_referenced_model_is_refused_never_assumed_compliant(safemaker_local, safemaker_session, profile):
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_endpoint_config(EndpointConfigName="ec", ProductionVariants=[
            {"VariantName": "v", "ModelName": "nope", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}])
    (v,) = exc.value.violations
    assert v.rule_id == "SM-REFERENCE" and v.path == "ProductionVariants[0].ModelName" and v.found == "nope"
    assert "DescribeModel failed" in v.fix
    assert safemaker_local.request_count("sagemaker", "CreateEndpointConfig") == 0


def test_reference_is_described_for_every_request(safemaker_local, safemaker_session, profile):
    """Was ``..._is_cached`` (1 Describe for 3 requests): a reused approval outlived a model re-created by another
    process (trial 15 F04, issue 13); docs/hooks.md."""
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    sm.create_model(ModelName="m", PrimaryContainer={"Image": IMG}, ExecutionRoleArn=ROLE)
    for i in range(3):
        sm.create_endpoint_config(EndpointConfigName=f"ec{i}", ProductionVariants=[
            {"VariantName": "v", "ModelName": "m", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}])
    assert safemaker_local.request_count("sagemaker", "DescribeModel") == 3


def test_Stubber_sees_the_injected_parameters(profile, safemaker_session):
    """The guard runs before before-parameter-build, so a Stubber compares the final request."""
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    expected = dict(training_job(), EnableNetworkIsolation=True, EnableInterContainerTrafficEncryption=True,
                    VpcConfig={"Subnets": [SUB_A, SUB_C], "SecurityGroupIds": [SG]})
    with Stubber(sm) as stub:
        stub.add_response("create_training_job", {"TrainingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/job"},
                          expected)
        sm.create_training_job(**training_job())
        stub.assert_no_pending_responses()


def test_public_api_reexports(profile, safemaker_session):
    assert safemaker.install is hooks.install
    g = safemaker.install(safemaker_session, profile)
    assert safemaker.installed(safemaker_session) is g
    assert safemaker.uninstall(safemaker_session) is True
