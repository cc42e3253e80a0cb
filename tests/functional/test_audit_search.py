"""Bulk reads with SageMaker ``Search`` (safemaker.audit.search) and the calls counted (AuditStats).

Which types Search may replace Describe for comes from botocore's model (the
``SearchRecord`` member shapes); the calls counted are checked against the
request log of the server (what reached 127.0.0.1). moto 5 implements Search
for training jobs only; the local backend adds models and tuning jobs (fix
``Search-Model-HyperParameterTuningJob``). Partial and failed Search answers
are injected before they are sent (botocore's ``before-call`` event).
"""

from __future__ import annotations

import botocore.awsrequest
import botocore.session
import pytest

from safemaker import audit
from safemaker.audit.search import SEARCH_RESOURCES, search_covers, searchable_types

from test_audit import ROLE, model, sm, training_job  # noqa: F401  (fixtures; profile: conftest)

SEARCH_MODEL = botocore.session.get_session().get_service_model("sagemaker")


def _summary(findings):
    return sorted((f.resource_arn, f.rule_id, f.path, repr(f.found), f.account) for f in findings)


def test_search_replaces_describe_only_where_the_record_shape_carries_every_checked_field():
    record = SEARCH_MODEL.shape_for("SearchRecord")
    # botocore: the TrainingJob record has no RemoteDebugConfig, which DescribeTrainingJob has and the rules read
    assert "RemoteDebugConfig" not in record.members["TrainingJob"].members
    assert "RemoteDebugConfig" in SEARCH_MODEL.operation_model("DescribeTrainingJob").output_shape.members
    assert search_covers("training-job") is False
    # a Model record (ModelDashboardModel.Model) and a tuning job record carry the network fields
    model_shape = record.members["Model"].members["Model"]
    assert {"VpcConfig", "EnableNetworkIsolation", "ExecutionRoleArn"} <= set(model_shape.members)
    assert "TrainingJobDefinition" in record.members["HyperParameterTuningJob"].members
    # a ModelPackage record carries ValidationSpecification, which UpdateModelPackage cannot change
    assert "ValidationSpecification" in record.members["ModelPackage"].members
    assert "ValidationSpecification" not in SEARCH_MODEL.operation_model("UpdateModelPackage").input_shape.members
    assert searchable_types() == ("model", "hyper-parameter-tuning-job", "model-package")
    # each Search resource name is one of the API's enum values
    enum = SEARCH_MODEL.operation_model("Search").input_shape.members["Resource"].enum
    assert {resource for resource, _ in SEARCH_RESOURCES.values()} <= set(enum)


def test_search_reads_models_in_pages_of_100_and_describes_none(safemaker_local, sm, profile):
    for i in range(105):
        model(sm, f"m{i:03d}")
    safemaker_local.reset_requests()
    stats = audit.AuditStats()
    with_search = list(audit.run(profile, clients={"us-east-1": sm}, resource_types=["model"], stats=stats))
    # the local backend answers Search(Resource="Model") as AWS does (fix Search-Model-HyperParameterTuningJob)
    assert stats.calls["Search"] == 2 == safemaker_local.request_count("sagemaker", "Search")  # 100 + 5
    assert set(stats.calls) == {"Search", "ListModels"}
    assert safemaker_local.request_count("sagemaker", "DescribeModel") == 0
    assert (stats.resources, stats.from_search) == (105, 105)
    without = list(audit.run(profile, clients={"us-east-1": sm}, resource_types=["model"], use_search=False))
    assert _summary(with_search) == _summary(without)
    assert len(with_search) == 210


def test_search_record_equals_the_describe_answer_on_the_local_backend(safemaker_local, sm, profile):
    model(sm, "closed", EnableNetworkIsolation=True,
          VpcConfig={"Subnets": list(profile.subnets), "SecurityGroupIds": list(profile.security_group_ids)})
    record = sm.search(Resource="Model", MaxResults=100)["Results"][0]["Model"]["Model"]
    described = sm.describe_model(ModelName="closed")
    described.pop("ResponseMetadata")
    assert record.pop("Tags") == []  # botocore: the Model record shape has Tags, DescribeModel's output has none
    assert "Tags" in SEARCH_MODEL.shape_for("Model").members
    assert "Tags" not in SEARCH_MODEL.operation_model("DescribeModel").output_shape.members
    assert record == described


def test_failed_search_costs_one_call_and_every_model_is_described(safemaker_local, sm, profile):
    model(sm, "m-open")
    model(sm, "m-closed", EnableNetworkIsolation=True,
          VpcConfig={"Subnets": list(profile.subnets), "SecurityGroupIds": list(profile.security_group_ids)})
    model(sm, "m-half", EnableNetworkIsolation=True)

    def refuse(**kwargs):  # as an account without sagemaker:Search would be answered
        response = botocore.awsrequest.AWSResponse("http://127.0.0.1/", 400, {}, None)
        return response, {"Error": {"Code": "AccessDeniedException", "Message": "no Search"},
                          "ResponseMetadata": {"HTTPStatusCode": 400}}

    sm.meta.events.register("before-call.sagemaker.Search", refuse)
    safemaker_local.reset_requests()
    stats = audit.AuditStats()
    with_search = list(audit.run(profile, clients={"us-east-1": sm}, resource_types=["model"], stats=stats))
    assert dict(stats.calls) == {"Search": 1, "ListModels": 1, "DescribeModel": 3}
    assert safemaker_local.request_count("sagemaker", "DescribeModel") == 3
    assert (stats.resources, stats.from_search) == (3, 0)
    assert all(f.status == "FAIL" for f in with_search)  # a failed Search is never a finding
    without = list(audit.run(profile, clients={"us-east-1": sm}, resource_types=["model"], use_search=False))
    assert _summary(with_search) == _summary(without)
    assert {f.account for f in with_search} == {"123456789012"}


def test_search_records_are_used_and_only_the_missing_model_is_described(safemaker_local, sm, profile):
    for name in ("a-open", "b-open", "c-open"):
        model(sm, name)
    described = {n: sm.describe_model(ModelName=n) for n in ("a-open", "b-open")}
    for d in described.values():
        d.pop("ResponseMetadata")
    sent = []

    def search_answer(params, **kwargs):  # Search for models, as AWS answers it (moto lacks it)
        sent.append(params["body"])
        response = botocore.awsrequest.AWSResponse("http://127.0.0.1/", 200, {}, None)
        return response, {"Results": [{"Model": {"Model": d}} for d in described.values()],
                          "ResponseMetadata": {"HTTPStatusCode": 200}}

    sm.meta.events.register("before-call.sagemaker.Search", search_answer)
    safemaker_local.reset_requests()
    stats = audit.AuditStats()
    findings = list(audit.run(profile, clients={"us-east-1": sm}, resource_types=["model"], stats=stats))
    assert dict(stats.calls) == {"Search": 1, "ListModels": 1, "DescribeModel": 1}
    assert safemaker_local.request_count("sagemaker", "DescribeModel") == 1  # c-open: Search did not return it
    assert (stats.resources, stats.from_search) == (3, 2)
    assert stats.calls_per_resource == pytest.approx(1.0)
    assert b'"Resource": "Model"' in sent[0] and b'"MaxResults": 100' in sent[0]
    without = list(audit.run(profile, clients={"us-east-1": sm}, resource_types=["model"], use_search=False))
    assert _summary(findings) == _summary(without)
    assert len(findings) == 6  # 3 models x (isolation, VPC)


def test_a_stale_search_record_of_a_re_created_model_is_not_used(safemaker_local, sm, profile):
    """Search's index can lag (AWS API reference, Search: results "might not reflect" the latest changes): a
    model deleted and re-created open under the same name (the same ARN) must not be judged by the old,
    closed record. The List summary's CreationTime tells them apart (trial 7 A3)."""
    closed = {"EnableNetworkIsolation": True,
              "VpcConfig": {"Subnets": list(profile.subnets), "SecurityGroupIds": list(profile.security_group_ids)}}
    for name in ("st-a", "st-b"):
        model(sm, name, **closed)
    stale = {n: sm.describe_model(ModelName=n) for n in ("st-a", "st-b")}
    for d in stale.values():
        d.pop("ResponseMetadata")
    sm.delete_model(ModelName="st-b")
    model(sm, "st-b")  # open, same name and ARN, created later
    assert sm.describe_model(ModelName="st-b")["CreationTime"] != stale["st-b"]["CreationTime"]

    def search_answer(params, **kwargs):  # the index still holds the first st-b
        response = botocore.awsrequest.AWSResponse("http://127.0.0.1/", 200, {}, None)
        return response, {"Results": [{"Model": {"Model": d}} for d in stale.values()],
                          "ResponseMetadata": {"HTTPStatusCode": 200}}

    sm.meta.events.register("before-call.sagemaker.Search", search_answer)
    safemaker_local.reset_requests()
    stats = audit.AuditStats()
    findings = list(audit.run(profile, clients={"us-east-1": sm}, resource_types=["model"], stats=stats))
    assert sorted((f.resource_name, f.rule_id) for f in findings) == [
        ("st-b", "SM-NET-ISOLATION"), ("st-b", "SM-NET-VPC")]
    assert safemaker_local.request_count("sagemaker", "DescribeModel") == 1  # st-b only; st-a's record holds
    assert (stats.resources, stats.from_search) == (2, 1)


def test_stats_count_list_pages_and_describes(safemaker_local, sm, profile):
    for i in range(3):
        sm.create_training_job(**training_job(f"t{i}"))
    safemaker_local.reset_requests()
    stats = audit.AuditStats()
    list(audit.run(profile, clients={"us-east-1": sm}, resource_types=["training-job"], stats=stats))
    assert dict(stats.calls) == {"ListTrainingJobs": 1, "DescribeTrainingJob": 3}  # no Search: not covered
    assert stats.total_calls == len(safemaker_local.requests) == 4
    assert stats.as_dict()["calls_per_resource"] == pytest.approx(4 / 3, abs=1e-4)
