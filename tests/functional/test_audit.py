"""safemaker.audit against the local backend (moto on 127.0.0.1) over real HTTP.

One compliant and one non-compliant resource of each type moto supports,
asserting the exact findings; absent fields (F14, F16, F17) and failed List
and Describe calls (UNKNOWN, never compliant); the List filters and the
pagination that reached the server.
"""

from __future__ import annotations

import datetime as dt
import json
import time

import botocore.awsrequest
import pytest

from safemaker import audit
from safemaker.audit import fixes as audit_fixes
from safemaker.audit import service_model as audit_service_model
from safemaker.errors import MISSING
from safemaker.resources import RESOURCES

from _profiles import IMG, ROLE, SG, SG_OUT, SUB_A, SUB_OUT, VPC_CONFIG as VPC_OK
from _profiles import training_job_request as training_job

ARN = "arn:aws:sagemaker:us-east-1:123456789012"


@pytest.fixture
def sm(safemaker_session):
    return safemaker_session.client("sagemaker")


def run_audit(profile, session, **kw):
    return list(audit.run(profile, boto3_session=session, **kw))


def summary(findings):
    """(arn, rule, path, found, fix_action) of each finding, sorted."""
    return sorted((f.resource_arn, f.rule_id, f.path, "absent" if f.found is MISSING else f.found, f.fix_action)
                  for f in findings)


# --------------------------------------------------------------------------- request builders




CLOSED_TRAINING = {"EnableNetworkIsolation": True, "EnableInterContainerTrafficEncryption": True,
                   "VpcConfig": VPC_OK}


def processing_job(name, network=None):
    req = {
        "ProcessingJobName": name,
        "RoleArn": ROLE,
        "AppSpecification": {"ImageUri": IMG},
        "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large",
                                                  "VolumeSizeInGB": 10}},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    }
    if network is not None:
        req["NetworkConfig"] = network
    return req


def tuning_job(name, definition_extra):
    definition = {
        "AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"},
        "RoleArn": ROLE,
        "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        **definition_extra,
    }
    return {
        "HyperParameterTuningJobName": name,
        "HyperParameterTuningJobConfig": {
            "Strategy": "Random",
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 2, "MaxParallelTrainingJobs": 1},
        },
        "TrainingJobDefinition": definition,
    }


def model(sm, name, **extra):
    sm.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMG}, **extra)


def endpoint_config(sm, name, model_name):
    sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[
        {"VariantName": "v", "ModelName": model_name, "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}])


def fail_describe(sm, operation, name_param, name, code="AccessDeniedException"):
    """Make one Describe call of ``sm`` fail (before anything is sent) for ``name``."""

    def handler(params, **kwargs):
        if json.loads(params["body"] or b"{}").get(name_param) == name:
            response = botocore.awsrequest.AWSResponse("http://127.0.0.1/", 400, {}, None)
            return response, {"Error": {"Code": code, "Message": f"not allowed to {operation}"},
                              "ResponseMetadata": {"HTTPStatusCode": 400}}
        return None

    sm.meta.events.register(f"before-call.sagemaker.{operation}", handler)


def recorded_params(sm, operation):
    calls = []

    def handler(params, **kwargs):
        calls.append(dict(params))

    sm.meta.events.register(f"provide-client-params.sagemaker.{operation}", handler)
    return calls


# --------------------------------------------------------------------------- notebooks (F14)


def test_notebook_instance_without_DirectInternetAccess_is_found_with_recreate_fix(safemaker_local, sm, profile):
    sm.create_notebook_instance(NotebookInstanceName="open", InstanceType="ml.t3.medium", RoleArn=ROLE)
    sm.create_notebook_instance(NotebookInstanceName="closed", InstanceType="ml.t3.medium", RoleArn=ROLE,
                                SubnetId=SUB_A, SecurityGroupIds=[SG], DirectInternetAccess="Disabled",
                                RootAccess="Disabled")
    findings = run_audit(profile, None, clients={"us-east-1": sm}, resource_types=["notebook-instance"])
    nb = f"{ARN}:notebook-instance/open"
    assert summary(findings) == [
        (nb, "SM-NB-DIRECT-INTERNET", "DirectInternetAccess", "Enabled", "recreate"),
        (nb, "SM-NB-ROOT", "RootAccess", "absent", "update"),
        (nb, "SM-NET-SG", "SecurityGroups", "absent", "recreate"),
        (nb, "SM-NET-SUBNET", "SubnetId", "absent", "recreate"),
    ]
    dia = next(f for f in findings if f.rule_id == "SM-NB-DIRECT-INTERNET")
    assert dia.severity is audit.Severity.CRITICAL
    assert dia.fix.startswith("Recreate the notebook instance")
    assert "cannot be changed after creation" in dia.fix
    assert dia.related.security_hub == ("SageMaker.1",)
    assert dia.related.aws_config == ("sagemaker-notebook-no-direct-internet-access",)
    root = next(f for f in findings if f.rule_id == "SM-NB-ROOT")
    assert root.fix.startswith("Call UpdateNotebookInstance to correct RootAccess")


def test_notebook_instance_subnet_outside_profile_is_a_finding(safemaker_local, sm, profile):
    sm.create_notebook_instance(NotebookInstanceName="elsewhere", InstanceType="ml.t3.medium", RoleArn=ROLE,
                                SubnetId=SUB_OUT, SecurityGroupIds=[SG, SG_OUT], DirectInternetAccess="Disabled",
                                RootAccess="Disabled")
    findings = run_audit(profile, None, clients={"us-east-1": sm}, resource_types=["notebook-instance"])
    nb = f"{ARN}:notebook-instance/elsewhere"
    assert summary(findings) == [
        (nb, "SM-NET-SG", "SecurityGroups[1]", SG_OUT, "recreate"),
        (nb, "SM-NET-SUBNET", "SubnetId", SUB_OUT, "recreate"),
    ]


# --------------------------------------------------------------------------- models (F16) and endpoints


def test_model_open_and_closed(safemaker_local, sm, profile):
    model(sm, "open")
    model(sm, "closed", EnableNetworkIsolation=True, VpcConfig=VPC_OK)
    model(sm, "foreign", EnableNetworkIsolation=True, VpcConfig={"Subnets": [SUB_A, SUB_OUT], "SecurityGroupIds": [SG]})
    findings = run_audit(profile, None, clients={"us-east-1": sm}, resource_types=["model"])
    assert summary(findings) == [
        (f"{ARN}:model/foreign", "SM-NET-VPC", "VpcConfig.Subnets[1]", SUB_OUT, "recreate"),
        (f"{ARN}:model/open", "SM-NET-ISOLATION", "EnableNetworkIsolation", False, "recreate"),
        (f"{ARN}:model/open", "SM-NET-VPC", "VpcConfig", "absent", "recreate"),
    ]
    iso = next(f for f in findings if f.rule_id == "SM-NET-ISOLATION")
    assert iso.related.security_hub == ("SageMaker.5",)
    assert iso.related.prowler == ("sagemaker_models_network_isolation_enabled",)


def test_the_fixes_are_read_from_the_audit_clients_own_service_model(safemaker_local, sm, profile, monkeypatch):
    # no second copy of SageMaker's model is loaded: the first client's is used (same botocore data)
    monkeypatch.setattr(audit_service_model, "_SERVICE_MODEL", None)
    model(sm, "open")
    findings = run_audit(profile, None, clients={"us-east-1": sm}, resource_types=["model"])
    assert audit_service_model._service_model() is sm.meta.service_model
    # botocore's model has no UpdateModel: the fix is to recreate, which only that model can say
    assert "UpdateModel" not in sm.meta.service_model.operation_names
    assert {(f.rule_id, f.fix_action) for f in findings} == {("SM-NET-ISOLATION", "recreate"),
                                                             ("SM-NET-VPC", "recreate")}


def test_F16_model_VpcConfig_empty_dict_means_no_VPC(safemaker_local, sm, profile):
    model(sm, "garbled", EnableNetworkIsolation=True)

    def as_raw_moto(parsed, **kwargs):  # moto without the local backend's fix answers VpcConfig {}
        parsed["VpcConfig"] = {}

    sm.meta.events.register("after-call.sagemaker.DescribeModel", as_raw_moto)
    findings = run_audit(profile, None, clients={"us-east-1": sm}, resource_types=["model"])
    assert summary(findings) == [(f"{ARN}:model/garbled", "SM-NET-VPC", "VpcConfig", "absent", "recreate")]


def test_endpoint_is_audited_through_its_config_and_models(safemaker_local, sm, profile):
    model(sm, "open")
    model(sm, "closed", EnableNetworkIsolation=True, VpcConfig=VPC_OK)
    endpoint_config(sm, "ec-open", "open")
    endpoint_config(sm, "ec-closed", "closed")
    sm.create_endpoint(EndpointName="ep-open", EndpointConfigName="ec-open")
    sm.create_endpoint(EndpointName="ep-closed", EndpointConfigName="ec-closed")
    findings = run_audit(profile, None, clients={"us-east-1": sm}, resource_types=["endpoint"])
    chain = ("EndpointConfigName -> DescribeEndpointConfig(EndpointConfigName='ec-open')"
             ".ProductionVariants[0].ModelName -> DescribeModel(ModelName='open')")
    assert summary(findings) == [
        (f"{ARN}:endpoint/ep-open", "SM-NET-ISOLATION", f"{chain}.EnableNetworkIsolation", False, "update"),
        (f"{ARN}:endpoint/ep-open", "SM-NET-VPC", f"{chain}.VpcConfig", "absent", "update"),
    ]
    assert all("UpdateEndpoint" in f.fix for f in findings)


def test_endpoint_config_is_audited_through_its_models(safemaker_local, sm, profile):
    model(sm, "open")
    model(sm, "closed", EnableNetworkIsolation=True, VpcConfig=VPC_OK)
    endpoint_config(sm, "ec-open", "open")
    endpoint_config(sm, "ec-closed", "closed")
    findings = run_audit(profile, None, clients={"us-east-1": sm}, resource_types=["endpoint-config"])
    via = "ProductionVariants[0].ModelName -> DescribeModel(ModelName='open')"
    assert summary(findings) == [
        (f"{ARN}:endpoint-config/ec-open", "SM-NET-ISOLATION", f"{via}.EnableNetworkIsolation", False, "recreate"),
        (f"{ARN}:endpoint-config/ec-open", "SM-NET-VPC", f"{via}.VpcConfig", "absent", "recreate"),
    ]


def test_endpoint_config_with_SSM_access_into_a_variant_is_a_finding(safemaker_local, sm, profile):
    model(sm, "closed", EnableNetworkIsolation=True, VpcConfig=VPC_OK)
    variant = {"VariantName": "v", "ModelName": "closed", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}
    sm.create_endpoint_config(EndpointConfigName="ec-ssm", ProductionVariants=[dict(variant, EnableSSMAccess=True)])
    sm.create_endpoint_config(EndpointConfigName="ec-no-ssm", ProductionVariants=[dict(variant, EnableSSMAccess=False)])
    findings = run_audit(profile, None, clients={"us-east-1": sm}, resource_types=["endpoint-config"])
    assert summary(findings) == [
        (f"{ARN}:endpoint-config/ec-ssm", "SM-REMOTE-ACCESS", "ProductionVariants[0].EnableSSMAccess", True,
         "recreate")]


def test_referenced_model_that_cannot_be_described_is_unknown(safemaker_local, safemaker_session, sm, profile):
    model(sm, "hidden", EnableNetworkIsolation=True, VpcConfig=VPC_OK)
    endpoint_config(sm, "ec", "hidden")
    fail_describe(sm, "DescribeModel", "ModelName", "hidden")
    findings = run_audit(profile, None, clients={"us-east-1": sm}, resource_types=["endpoint-config"])
    assert [(f.status, f.rule_id, f.path) for f in findings] == [
        ("UNKNOWN", "SM-REFERENCE", "ProductionVariants[0].ModelName -> DescribeModel(ModelName='hidden')")]
    assert findings[0].found == "AccessDeniedException: not allowed to DescribeModel"
    assert safemaker_local.request_count("sagemaker", "DescribeModel") == 0


# --------------------------------------------------------------------------- jobs


def test_training_job_open_and_closed(safemaker_local, sm, profile):
    sm.create_training_job(**training_job("open"))
    sm.create_training_job(**training_job("closed", **CLOSED_TRAINING))
    sm.create_training_job(**training_job("half", EnableNetworkIsolation=True,
                                          EnableInterContainerTrafficEncryption=True,
                                          VpcConfig={"Subnets": [SUB_A], "SecurityGroupIds": [SG_OUT]}))
    findings = run_audit(profile, None, clients={"us-east-1": sm}, resource_types=["training-job"])
    assert summary(findings) == [
        (f"{ARN}:training-job/half", "SM-NET-VPC", "VpcConfig.SecurityGroupIds[0]", SG_OUT, "recreate"),
        (f"{ARN}:training-job/open", "SM-NET-ICTE", "EnableInterContainerTrafficEncryption", False, "recreate"),
        (f"{ARN}:training-job/open", "SM-NET-ISOLATION", "EnableNetworkIsolation", False, "recreate"),
        (f"{ARN}:training-job/open", "SM-NET-VPC", "VpcConfig", "absent", "recreate"),
    ]


def test_processing_job_open_and_closed(safemaker_local, sm, profile):
    sm.create_processing_job(**processing_job("open"))
    sm.create_processing_job(**processing_job("closed", {
        "EnableNetworkIsolation": True, "EnableInterContainerTrafficEncryption": True, "VpcConfig": VPC_OK}))
    findings = run_audit(profile, None, clients={"us-east-1": sm}, resource_types=["processing-job"])
    job = f"{ARN}:processing-job/open"
    assert summary(findings) == [
        (job, "SM-NET-ICTE", "NetworkConfig.EnableInterContainerTrafficEncryption", "absent", "recreate"),
        (job, "SM-NET-ISOLATION", "NetworkConfig.EnableNetworkIsolation", "absent", "recreate"),
        (job, "SM-NET-VPC", "NetworkConfig.VpcConfig", "absent", "recreate"),
    ]


def test_hyper_parameter_tuning_job_open_and_closed(safemaker_local, sm, profile):
    sm.create_hyper_parameter_tuning_job(**tuning_job("open", {}))
    sm.create_hyper_parameter_tuning_job(**tuning_job("closed", CLOSED_TRAINING))
    findings = run_audit(profile, None, clients={"us-east-1": sm}, resource_types=["hyper-parameter-tuning-job"])
    job = f"{ARN}:hyper-parameter-tuning-job/open"
    assert summary(findings) == [
        (job, "SM-NET-ICTE", "TrainingJobDefinition.EnableInterContainerTrafficEncryption", "absent", "recreate"),
        (job, "SM-NET-ISOLATION", "TrainingJobDefinition.EnableNetworkIsolation", "absent", "recreate"),
        (job, "SM-NET-VPC", "TrainingJobDefinition.VpcConfig", "absent", "recreate"),
    ]


def test_transform_job_is_audited_through_its_model(safemaker_local, sm, profile):
    model(sm, "open")
    model(sm, "closed", EnableNetworkIsolation=True, VpcConfig=VPC_OK)
    for name, model_name in (("t-open", "open"), ("t-closed", "closed")):
        sm.create_transform_job(
            TransformJobName=name, ModelName=model_name,
            TransformInput={"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/in"}}},
            TransformOutput={"S3OutputPath": "s3://b/out"},
            TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 1})
    findings = run_audit(profile, None, clients={"us-east-1": sm}, resource_types=["transform-job"])
    via = "ModelName -> DescribeModel(ModelName='open')"
    assert summary(findings) == [
        (f"{ARN}:transform-job/t-open", "SM-NET-ISOLATION", f"{via}.EnableNetworkIsolation", False, "recreate"),
        (f"{ARN}:transform-job/t-open", "SM-NET-VPC", f"{via}.VpcConfig", "absent", "recreate"),
    ]


def test_a_model_named_by_many_transform_jobs_at_once_is_described_once(safemaker_local, sm, profile):
    model(sm, "shared")
    for i in range(12):
        sm.create_transform_job(
            TransformJobName=f"t{i}", ModelName="shared",
            TransformInput={"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/in"}}},
            TransformOutput={"S3OutputPath": "s3://b/out"},
            TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 1})
    safemaker_local.reset_requests()
    findings = run_audit(profile, None, clients={"us-east-1": sm}, resource_types=["transform-job"], max_workers=12)
    assert len({f.resource_arn for f in findings}) == 12
    # twelve Describe threads reach the same model at once: one DescribeModel, the others wait for its answer
    assert safemaker_local.request_count("sagemaker", "DescribeModel") == 1
    assert safemaker_local.request_count("sagemaker", "DescribeTransformJob") == 12


def test_types_are_listed_at_once_and_progress_still_reaches_the_calling_thread(safemaker_local, sm, profile):
    import threading

    model(sm, "m")
    sm.create_training_job(**training_job("t"))
    sm.create_notebook_instance(NotebookInstanceName="n", InstanceType="ml.t3.medium", RoleArn=ROLE)
    threads, listing = set(), set()
    together = threading.Barrier(3, timeout=30)  # one after the other, the first List would wait here in vain

    def list_call(model, **_):
        if model.name.startswith("List"):
            listing.add(threading.current_thread().name)
            together.wait()

    sm.meta.events.register("before-call.sagemaker.*", list_call)
    findings = run_audit(profile, None, clients={"us-east-1": sm}, max_workers=4,
                         resource_types=["model", "training-job", "notebook-instance"],
                         progress=lambda e: threads.add(threading.current_thread()))
    assert {(f.resource_type, f.status) for f in findings} == {
        ("model", "FAIL"), ("training-job", "FAIL"), ("notebook-instance", "FAIL")}
    assert threads == {threading.current_thread()}
    assert len(listing) == 3 and all(name.startswith("safemaker-audit-list") for name in listing)


# --------------------------------------------------------------------------- failures are UNKNOWN (F16, F17)


def test_failed_describe_is_unknown_never_compliant(safemaker_local, sm, profile):
    sm.create_training_job(**training_job("closed", **CLOSED_TRAINING))
    sm.create_training_job(**training_job("secret", **CLOSED_TRAINING))
    fail_describe(sm, "DescribeTrainingJob", "TrainingJobName", "secret")
    findings = run_audit(profile, None, clients={"us-east-1": sm}, resource_types=["training-job"])
    assert len(findings) == 1
    f = findings[0]
    assert (f.status, f.rule_id, f.severity, f.fix_action) == ("UNKNOWN", "SM-REFERENCE", audit.Severity.HIGH,
                                                                "investigate")
    assert f.resource_arn == f"{ARN}:training-job/secret"
    assert f.path == "DescribeTrainingJob(TrainingJobName='secret')"
    assert f.found == "AccessDeniedException: not allowed to DescribeTrainingJob"
    assert "grant sagemaker:DescribeTrainingJob" in f.fix
    assert safemaker_local.request_count("sagemaker", "DescribeTrainingJob") == 1  # only "closed" was sent


def test_failed_list_is_unknown_for_the_whole_type(safemaker_local, sm, profile):
    model(sm, "m")

    def deny(**kwargs):
        response = botocore.awsrequest.AWSResponse("http://127.0.0.1/", 400, {}, None)
        return response, {"Error": {"Code": "AccessDeniedException", "Message": "no ListModels"},
                          "ResponseMetadata": {"HTTPStatusCode": 400}}

    sm.meta.events.register("before-call.sagemaker.ListModels", deny)
    findings = run_audit(profile, None, clients={"us-east-1": sm}, resource_types=["model"])
    assert [(f.status, f.resource_arn, f.resource_name) for f in findings] == [
        ("UNKNOWN", f"{ARN}:model/*", "*")]
    assert findings[0].found == "AccessDeniedException: no ListModels"
    assert findings[0].fix.startswith("ListModels failed, so no model in us-east-1 was checked")


def test_a_list_moto_lacks_is_unknown_with_a_server_failure_fix_not_a_permission_fix(safemaker_local, profile):
    # Found by a new-user trial: on the local backend the fix said "grant sagemaker:ListLabelingJobs".
    import botocore.config

    sm = safemaker_local.session.client("sagemaker", config=botocore.config.Config(
        retries={"mode": "standard", "max_attempts": 1}))

    def server_error(**kwargs):  # what botocore makes of an HTTP 500 with no body (moto's NotImplementedError)
        response = botocore.awsrequest.AWSResponse("http://127.0.0.1/", 500, {}, None)
        return response, {"Error": {"Code": "500", "Message": "Internal Server Error"},
                          "ResponseMetadata": {"HTTPStatusCode": 500}}

    # the local backend answers ListLabelingJobs itself now (fix List-not-implemented-empty)
    sm.meta.events.register("before-call.sagemaker.ListLabelingJobs", server_error)
    findings = run_audit(profile, None, clients={"us-east-1": sm}, resource_types=["labeling-job"])
    assert [(f.status, f.resource_name, f.found) for f in findings] == [
        ("UNKNOWN", "*", "500: Internal Server Error")]
    assert findings[0].fix == (
        "ListLabelingJobs failed, so no labeling-job in us-east-1 was checked; the service failed to answer "
        "ListLabelingJobs (a server error, not a permission problem): audit again later; a local emulator such "
        "as moto answers HTTP 500 for a call it does not implement: it is not assumed compliant")


@pytest.mark.parametrize("reason,expected", [
    ("AccessDeniedException: no", "grant sagemaker:DescribeModel to the auditing role (or retry if it was "
                                  "throttled) and audit again: it is not assumed compliant"),
    ("ThrottlingException: Rate exceeded", "DescribeModel stayed throttled after adaptive retries: audit again "
                                           "later, or with fewer workers (max_workers; CLI: --max-workers): it is "
                                           "not assumed compliant"),
    ("503: Service Unavailable", "the service failed to answer DescribeModel (a server error, not a permission "
                                 "problem): audit again later; a local emulator such as moto answers HTTP 500 for "
                                 "a call it does not implement: it is not assumed compliant"),
    ("InternalFailure: oops", "the service failed to answer DescribeModel (a server error"),
    ("5000ish: odd", "grant sagemaker:DescribeModel"),  # not an HTTP 5xx code
])
def test_unknown_fix_follows_the_kind_of_failure(reason, expected):
    assert audit_fixes._unknown_fix("DescribeModel", None, reason).startswith(expected)


# --------------------------------------------------------------------------- scale: filters, pagination, retries


def test_since_is_sent_as_CreationTimeAfter_and_filters(safemaker_local, sm, profile):
    sm.create_training_job(**training_job("old"))
    time.sleep(1.1)
    cut = dt.datetime.now(dt.timezone.utc)
    time.sleep(0.1)
    sm.create_training_job(**training_job("new"))
    calls = recorded_params(sm, "ListTrainingJobs")
    findings = run_audit(profile, None, clients={"us-east-1": sm}, resource_types=["training-job"],
                         since=cut.isoformat())
    assert calls == [{"CreationTimeAfter": cut, "MaxResults": 100}]
    assert {f.resource_name for f in findings} == {"new"}


def test_active_only_lists_each_active_status(safemaker_local, sm, profile):
    calls = recorded_params(sm, "ListEndpoints")
    run_audit(profile, None, clients={"us-east-1": sm}, resource_types=["endpoint"], active_only=True)
    assert [c["StatusEquals"] for c in calls] == list(RESOURCES["endpoint"].active_statuses)


def test_pagination_lists_every_page_and_describes_each_once(safemaker_local, sm, profile):
    # ListModels is not paginated by moto; ListNotebookInstances is
    for i in range(150):
        sm.create_notebook_instance(NotebookInstanceName=f"nb{i:03d}", InstanceType="ml.t3.medium", RoleArn=ROLE,
                                    SubnetId=SUB_A, SecurityGroupIds=[SG], DirectInternetAccess="Disabled",
                                    RootAccess="Disabled")
    sm.create_notebook_instance(NotebookInstanceName="open", InstanceType="ml.t3.medium", RoleArn=ROLE,
                                SubnetId=SUB_A, SecurityGroupIds=[SG], RootAccess="Disabled")
    safemaker_local.reset_requests()
    findings = run_audit(profile, None, clients={"us-east-1": sm}, resource_types=["notebook-instance"],
                         max_workers=4)
    assert summary(findings) == [
        (f"{ARN}:notebook-instance/open", "SM-NB-DIRECT-INTERNET", "DirectInternetAccess", "Enabled", "recreate")]
    assert safemaker_local.request_count("sagemaker", "ListNotebookInstances") == 2
    assert safemaker_local.request_count("sagemaker", "DescribeNotebookInstance") == 151


def test_clients_from_a_session_use_adaptive_retries(safemaker_local, safemaker_session, profile):
    made = {}
    real_client = safemaker_session.client

    def spy(service, **kwargs):
        client = real_client(service, **kwargs)
        made[kwargs.get("region_name")] = client
        return client

    safemaker_session.client = spy
    assert run_audit(profile, safemaker_session, regions=["us-east-1", "eu-west-1"],
                     resource_types=["model"]) == []
    assert sorted(made) == ["eu-west-1", "us-east-1"]
    for client in made.values():
        assert client.meta.config.retries["mode"] == "adaptive"
        # botocore's own reading of the retry settings: docs/audit.md promises 5 attempts, the first included
        assert client.meta.config.retries["total_max_attempts"] == 5
        assert client.meta.config.max_pool_connections >= 8
    assert safemaker_local.request_count("sagemaker", "ListModels") == 2  # one per region


def test_regions_are_audited_separately(safemaker_local, safemaker_session, profile):
    west = safemaker_session.client("sagemaker", region_name="eu-west-1")
    model(west, "open-west")
    findings = run_audit(profile, safemaker_session, regions=["us-east-1", "eu-west-1"], resource_types=["model"])
    assert {(f.region, f.resource_arn) for f in findings} == {
        ("eu-west-1", "arn:aws:sagemaker:eu-west-1:123456789012:model/open-west")}


def test_progress_reports_listed_and_checked(safemaker_local, sm, profile):
    model(sm, "a", EnableNetworkIsolation=True, VpcConfig=VPC_OK)
    model(sm, "b", EnableNetworkIsolation=True, VpcConfig=VPC_OK)
    events = []
    assert run_audit(profile, None, clients={"us-east-1": sm}, resource_types=["model"],
                     progress=events.append) == []
    assert sum(e.count for e in events if e.kind == "listed") == 2
    assert sum(e.count for e in events if e.kind == "checked") == 2
    assert {(e.region, e.resource_type) for e in events} == {("us-east-1", "model")}
