"""Trial 15 F06 as a class: every member of botocore's SageMaker model that names an Amazon SNS topic is either a
field the guard refuses (it hands the topic data: every async inference response, every worker's labels), or lies
in an operation the guard refuses whole, or is listed in ``safemaker.rules.SNS_STATUS_TOPICS`` with the reason it
hands the topic no data (a status notification, an input topic).

Oracle: botocore's model, walked by member path (a member names a topic when its name says ``Sns`` / ``Topic`` or
its documentation says ``SNS`` / ``Simple Notification Service``), and its documentation, which says which members
carry data: ``IncludeInferenceResponseIn`` "The Amazon SNS topics where you want the inference response to be
included", ``LabelingJobOutputConfig.SnsTopicArn`` "Ground Truth will send labeling task output data to the SNS
output topic". A topic delivers to any subscriber (Amazon SNS Developer Guide: HTTP/S endpoints, email, SQS,
Lambda), set in SNS, not in the request, as the custom Ground Truth Lambdas the guard already refuses. Pure: no
network.
"""

from __future__ import annotations

import re

import botocore.session
import pytest

from _shapes import member_at, walk_members
from safemaker import guard
from safemaker.rules import RULES, SNS_STATUS_TOPICS, Guardrail
from safemaker.rules_classification import REFUSED

MODEL = botocore.session.get_session().get_service_model("sagemaker")
_SNS_DOC = re.compile(r"\bSNS\b|Simple Notification Service")


def _doc(shape) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", shape.documentation or ""))


def _topic_members() -> list[tuple[str, str]]:
    """(operation, member path) of every scalar or list-of-scalar input member that names an SNS topic."""
    out = []
    for op in MODEL.operation_names:
        shape = MODEL.operation_model(op).input_shape
        if shape is None:
            continue
        for path, name, member, _ in walk_members(shape):
            leaf = member.member if member.type_name == "list" else member
            if leaf.type_name != "string":
                continue
            if re.search(r"Sns|Topic", name) or _SNS_DOC.search(_doc(member)):
                out.append((op, path))
    return out


TOPIC_MEMBERS = _topic_members()
DATA = {  # what the documentation says hands the topic data (read in test_the_documentation_...)
    ("CreateEndpointConfig", "AsyncInferenceConfig.OutputConfig.NotificationConfig.IncludeInferenceResponseIn"),
    ("CreateLabelingJob", "OutputConfig.SnsTopicArn"),
}


def _refused_field(op: str, path: str) -> bool:
    rule = RULES.get(op)
    return rule is not None and any(
        f.guardrail is Guardrail.UNSUPPORTED and (f"{t.anchor}.{f.path}" if t.anchor else f.path) == path
        for t, f in rule.fields())


def _refused_whole(op: str) -> bool:
    rule = RULES.get(op)
    return op in REFUSED or (rule is not None and bool(rule.unsupported))


def test_the_walk_finds_every_topic_member_the_model_has():
    assert set(TOPIC_MEMBERS) >= DATA | {
        ("CreateEndpointConfig", "AsyncInferenceConfig.OutputConfig.NotificationConfig.SuccessTopic"),
        ("CreateEndpointConfig", "AsyncInferenceConfig.OutputConfig.NotificationConfig.ErrorTopic"),
        ("CreateLabelingJob", "InputConfig.DataSource.SnsDataSource.SnsTopicArn"),
        ("CreateWorkteam", "NotificationConfiguration.NotificationTopicArn"),
        ("UpdateWorkteam", "NotificationConfiguration.NotificationTopicArn"),
        ("CreateInferenceRouter", "RoutingTargets[].AsyncInferenceConfig.OutputConfig.NotificationConfig.SuccessTopic"),
    }


def test_the_documentation_says_which_members_hand_the_topic_data():
    include = _doc(member_at(MODEL.shape_for("AsyncInferenceOutputConfig"), "NotificationConfig.IncludeInferenceResponseIn"))
    assert "The Amazon SNS topics where you want the inference response to be included" in include
    assert MODEL.shape_for("AsyncNotificationTopicTypeList").member.enum == [
        "SUCCESS_NOTIFICATION_TOPIC", "ERROR_NOTIFICATION_TOPIC"]
    labels = _doc(MODEL.shape_for("LabelingJobOutputConfig").members["SnsTopicArn"])
    assert "Ground Truth will send labeling task output data to the SNS output topic" in labels
    success = _doc(MODEL.shape_for("AsyncInferenceNotificationConfig").members["SuccessTopic"])
    assert success.startswith("Amazon SNS topic to post a notification to when inference completes successfully")
    source = _doc(MODEL.shape_for("LabelingJobSnsDataSource").members["SnsTopicArn"])
    assert "input topic you will use to send new data objects to a streaming labeling job" in source
    team = _doc(MODEL.operation_model("CreateWorkteam").input_shape.members["NotificationConfiguration"])
    assert "notification of workers regarding available or expiring work items" in team


@pytest.mark.parametrize("operation, path", TOPIC_MEMBERS, ids=[f"{o}.{p}" for o, p in TOPIC_MEMBERS])
def test_every_topic_member_is_refused_listed_or_in_a_refused_operation(operation, path):
    refused = _refused_field(operation, path)
    listed = f"{operation}.{path}" in SNS_STATUS_TOPICS
    whole = _refused_whole(operation)
    assert refused + listed + whole == 1, (operation, path, refused, listed, whole)
    assert refused == ((operation, path) in DATA)


def test_listed_members_exist_and_say_why():
    members = {f"{o}.{p}" for o, p in TOPIC_MEMBERS}
    for name, reason in SNS_STATUS_TOPICS.items():
        assert name in members, name
        assert len(reason) > 60, name


_TOPIC = "arn:aws:sns:us-east-1:999999999999:t"


@pytest.mark.parametrize("operation, path", sorted(DATA))
def test_a_data_topic_is_refused_naming_the_member_and_what_it_receives(operation, path, profile_factory):
    value = ["SUCCESS_NOTIFICATION_TOPIC"] if path.endswith("IncludeInferenceResponseIn") else _TOPIC
    request: dict = {}
    node = request
    *parents, leaf = path.split(".")
    for p in parents:
        node = node.setdefault(p, {})
    node[leaf] = value
    [v] = [v for v in guard.decide(operation, request, profile_factory(), inject=False).violations
           if v.path == path]
    assert v.rule_id == "SM-UNSUPPORTED"
    assert "subscribes" in v.fix and "HTTP/HTTPS endpoints on the internet" in v.fix
