"""Data handed to an Amazon SNS topic is refused (trial 15 F06), through real botocore clients against the local
backend (moto on 127.0.0.1), asserting on what reached the server; the same decision in the audit, through a
reference, and in ``safemaker check`` of a CloudFormation template.

Oracle: botocore's SageMaker model (tests/unit/test_sns_topics_class.py reads it): an asynchronous endpoint
config's ``NotificationConfig.IncludeInferenceResponseIn`` puts every inference response (128 KB or less) into the
notification; a streaming labeling job's ``OutputConfig.SnsTopicArn`` receives "labeling task output data". A topic
delivers to any subscriber (Amazon SNS Developer Guide: HTTP/S endpoints, email, SQS, Lambda). ``SuccessTopic`` /
``ErrorTopic`` alone are status notifications and are sent.
"""

from __future__ import annotations

import json

import botocore.session
import pytest
from typer.testing import CliRunner

from safemaker import audit, hooks
from safemaker.cli import app
from safemaker.errors import GuardrailViolation

from _profiles import IMG, ROLE, SG, SUB_A

TOPIC = "arn:aws:sns:us-east-1:999999999999:collect"  # another account's topic
INCLUDE = "AsyncInferenceConfig.OutputConfig.NotificationConfig.IncludeInferenceResponseIn"
LABEL_TOPIC = "OutputConfig.SnsTopicArn"


@pytest.fixture
def profile(profile_factory):
    return profile_factory(subnets=[SUB_A])


def _plain(safemaker_local):
    """A SageMaker client of its own botocore session, no guard: resources made elsewhere."""
    return botocore.session.get_session().create_client(
        "sagemaker", region_name="us-east-1", endpoint_url=safemaker_local.endpoint_url,
        aws_access_key_id="testing", aws_secret_access_key="testing")


def _closed_model(client, name="m"):
    client.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMG},
                        EnableNetworkIsolation=True, VpcConfig={"Subnets": [SUB_A], "SecurityGroupIds": [SG]})


def _async_config(name, notification):
    return {"EndpointConfigName": name,
            "ProductionVariants": [{"VariantName": "v", "ModelName": "m", "InstanceType": "ml.m5.large",
                                    "InitialInstanceCount": 1}],
            "AsyncInferenceConfig": {"OutputConfig": {"S3OutputPath": "s3://b/async",
                                                      "NotificationConfig": notification}}}


@pytest.mark.parametrize("include", [["SUCCESS_NOTIFICATION_TOPIC"], ["SUCCESS_NOTIFICATION_TOPIC",
                                                                      "ERROR_NOTIFICATION_TOPIC"]])
def test_async_responses_to_a_topic_are_refused(safemaker_local, safemaker_session, profile, include):
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    _closed_model(sm)
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_endpoint_config(**_async_config("c", {"SuccessTopic": TOPIC, "ErrorTopic": TOPIC,
                                                        "IncludeInferenceResponseIn": include}))
    [v] = exc.value.violations
    assert (v.path, v.rule_id, v.found) == (INCLUDE, "SM-UNSUPPORTED", include)
    assert "every inference response" in v.fix and "HTTP/HTTPS endpoints on the internet" in v.fix
    assert safemaker_local.request_count("sagemaker", "CreateEndpointConfig") == 0


def test_status_notifications_alone_are_sent(safemaker_local, safemaker_session, profile):
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    _closed_model(sm)
    sm.create_endpoint_config(**_async_config("c", {"SuccessTopic": TOPIC, "ErrorTopic": TOPIC}))
    assert safemaker_local.request_count("sagemaker", "CreateEndpointConfig") == 1


@pytest.mark.parametrize("none", [[], ()])
def test_an_empty_list_of_response_topics_is_sent(safemaker_local, safemaker_session, profile, none):
    """botocore: IncludeInferenceResponseIn is a list of 0 to 2 topic types ("The Amazon SNS topics where you want the
    inference response to be included"): naming none includes the response nowhere (trial 15c F05)."""
    shape = safemaker_session.client("sagemaker").meta.service_model.shape_for("AsyncInferenceNotificationConfig")
    assert shape.members["IncludeInferenceResponseIn"].metadata.get("min") == 0
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    _closed_model(sm)
    sm.create_endpoint_config(**_async_config("c", {"SuccessTopic": TOPIC, "IncludeInferenceResponseIn": none}))
    assert safemaker_local.request_count("sagemaker", "CreateEndpointConfig") == 1


def test_an_existing_config_that_hands_responses_to_a_topic_is_refused_and_found(safemaker_local,
                                                                                 safemaker_session, profile):
    """Made elsewhere (no guard): CreateEndpoint of it is refused through its Describe; the audit finds it."""
    other = _plain(safemaker_local)
    _closed_model(other)
    other.create_endpoint_config(**_async_config("c", {"SuccessTopic": TOPIC,
                                                       "IncludeInferenceResponseIn": ["SUCCESS_NOTIFICATION_TOPIC"]}))
    if "IncludeInferenceResponseIn" not in json.dumps(other.describe_endpoint_config(EndpointConfigName="c"), default=str):
        pytest.skip("the local backend does not keep AsyncInferenceConfig")
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_endpoint(EndpointName="e", EndpointConfigName="c")
    assert [(v.path, v.rule_id) for v in exc.value.violations] == [
        (f"EndpointConfigName -> DescribeEndpointConfig(EndpointConfigName='c').{INCLUDE}", "SM-UNSUPPORTED")]
    assert safemaker_local.request_count("sagemaker", "CreateEndpoint") == 0
    found = [(f.rule_id, f.path) for f in audit.run(profile, clients={"us-east-1": other},
                                                     resource_types=["endpoint-config"])]
    assert ("SM-UNSUPPORTED", INCLUDE) in found


def _labeling(output_topic=None):
    out = {"S3OutputPath": "s3://b/labels"}
    if output_topic:
        out["SnsTopicArn"] = output_topic
    account, region_acct = "123456789012", "us-east-1:432418664414"
    return {
        "LabelingJobName": "l", "LabelAttributeName": "label", "RoleArn": ROLE,
        "InputConfig": {"DataSource": {"SnsDataSource": {"SnsTopicArn": f"arn:aws:sns:us-east-1:{account}:in"}}},
        "OutputConfig": out,
        "HumanTaskConfig": {
            "WorkteamArn": f"arn:aws:sagemaker:us-east-1:{account}:workteam/private-crowd/t",
            "UiConfig": {"HumanTaskUiArn": "arn:aws:sagemaker:us-east-1:394669845002:human-task-ui/TextClassification"},
            "PreHumanTaskLambdaArn": f"arn:aws:lambda:{region_acct}:function:PRE-TextMultiClass",
            "TaskTitle": "t", "TaskDescription": "d", "NumberOfHumanWorkersPerDataObject": 1,
            "TaskTimeLimitInSeconds": 60,
            "AnnotationConsolidationConfig": {
                "AnnotationConsolidationLambdaArn": f"arn:aws:lambda:{region_acct}:function:ACS-TextMultiClass"}},
    }


def test_a_streaming_labeling_job_sending_labels_to_a_topic_is_refused(safemaker_local, safemaker_session, profile):
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_labeling_job(**_labeling(TOPIC))
    assert [(v.path, v.rule_id, v.found) for v in exc.value.violations
            if v.path == LABEL_TOPIC] == [(LABEL_TOPIC, "SM-UNSUPPORTED", TOPIC)]
    [v] = [v for v in exc.value.violations if v.path == LABEL_TOPIC]
    assert "labeling task output data" in v.fix and "HTTP/HTTPS endpoints on the internet" in v.fix
    assert safemaker_local.request_count("sagemaker", "CreateLabelingJob") == 0


def test_the_input_topic_alone_is_not_refused(safemaker_session, profile):
    """SnsDataSource is where the caller publishes data objects for the job: nothing is handed to it."""
    from safemaker import guard

    paths = [v.path for v in guard.check("CreateLabelingJob", _labeling(), profile)]
    assert not [p for p in paths if "Sns" in p], paths


def test_check_of_a_template_with_responses_to_a_topic_fails(tmp_path, profile_factory):
    """AWS::SageMaker::EndpointConfig AsyncInferenceConfig.OutputConfig.NotificationConfig.IncludeInferenceResponseIn
    (CloudFormation Template Reference: AsyncInferenceNotificationConfig, list of String)."""
    profile = tmp_path / "profile.json"
    p = profile_factory(subnets=[SUB_A])
    profile.write_text(json.dumps({"region": p.region, "vpc_id": p.vpc_id, "subnets": list(p.subnets),
                                   "security_group_ids": list(p.security_group_ids),
                                   "execution_role_arn": p.execution_role_arn}))
    template = tmp_path / "async.yaml"
    template.write_text(
        "Resources:\n"
        "  Config:\n"
        "    Type: AWS::SageMaker::EndpointConfig\n"
        "    Properties:\n"
        "      ProductionVariants:\n"
        "        - {VariantName: v, ModelName: m, InitialInstanceCount: 1, InstanceType: ml.m5.large}\n"
        "      AsyncInferenceConfig:\n"
        "        OutputConfig:\n"
        "          S3OutputPath: s3://b/async\n"
        "          NotificationConfig:\n"
        f"            SuccessTopic: {TOPIC}\n"
        "            IncludeInferenceResponseIn: [SUCCESS_NOTIFICATION_TOPIC]\n")
    r = CliRunner().invoke(app, ["check", str(template), "-p", str(profile), "-f", "json"])
    rows = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    assert r.exit_code == 3, r.output
    assert ("FAIL", "SM-UNSUPPORTED", INCLUDE) in {(x["status"], x["rule_id"], x["path"]) for x in rows}
