"""AWS Batch service jobs: a SageMaker training job created by AWS Batch, decided as that request (trial 12 F03/F04).

A guarded process sent ``batch.submit_service_job(serviceJobType="SAGEMAKER_TRAINING", serviceRequestPayload=<an open
CreateTrainingJob request>)`` whatever the payload held, and a Step Functions task or a Scheduler universal target
calling it passed ``safemaker check`` and a guarded ``CreateStateMachine``. The payload is now read strictly and decided
as the ``CreateTrainingJob`` it is, as written (nothing injected into the caller's JSON text), wherever the guard reads
other services' requests (:data:`safemaker.iac.service_calls.PAYLOAD_CALLS`).

Real botocore clients against moto on 127.0.0.1 (real HTTP). moto has no ``SubmitServiceJob``: a request the guard
sends reaches moto and is answered with an error (what counts is that it reached moto, and the bytes sent, read by a
``before-send`` handler after the guard decided).

Oracles: botocore's batch model (``SubmitServiceJob``: "Submits a service job to a specified job queue to run on
SageMaker AI"; ``serviceJobType`` enum ``SAGEMAKER_TRAINING``; ``serviceRequestPayload`` "The request, in JSON, for the
service"), the AWS Batch User Guide ("Service job payloads": "the same parameters you would use with the SageMaker AI
CreateTrainingJob API"), the SageMaker API reference (``EnableNetworkIsolation`` absent is ``False``; no
``VpcConfig``: the job runs on SageMaker's network).
"""

from __future__ import annotations

import json

import botocore.session
import pytest
from botocore.config import Config

import safemaker
from safemaker.errors import GuardrailViolation
from safemaker.iac import service_calls
from safemaker.other_services import DECIDED_OPERATIONS

from _profiles import SUB_OUT, VPC_CONFIG, make_profile, training_job_request
from _other_services import send
from test_iac_cli import profile_file, run_json  # noqa: F401  (profile_file: fixture)

ONE_ATTEMPT = Config(retries={"total_max_attempts": 1})
MODEL = botocore.session.get_session().get_service_model("batch")
CLOSED = training_job_request("closed", EnableNetworkIsolation=True, VpcConfig=VPC_CONFIG,
                              EnableInterContainerTrafficEncryption=True)
OPEN = training_job_request("open", EnableNetworkIsolation=False)   # and no VpcConfig: SageMaker's network


def job(payload, **extra):
    return {"jobName": "j", "jobQueue": "q", "serviceJobType": "SAGEMAKER_TRAINING",
            "serviceRequestPayload": payload if isinstance(payload, str) else json.dumps(payload), **extra}


@pytest.fixture()
def batch(safemaker_local):
    """A guarded process's Batch client, and the bodies of the SubmitServiceJob requests it put on the wire."""
    client = safemaker_local.session.client("batch", config=ONE_ATTEMPT)
    sent = []
    client.meta.events.register("before-send.batch.SubmitServiceJob",
                                lambda request, **kw: sent.append(json.loads(request.body)))
    return client, sent


def test_every_service_job_type_of_botocores_model_is_read_as_the_sagemaker_request_it_is():
    op = MODEL.operation_model("SubmitServiceJob")
    members = op.input_shape.members
    assert "SageMaker" in op.documentation
    assert "SubmitServiceJob" in DECIDED_OPERATIONS["batch"]
    spec = service_calls.PAYLOAD_CALLS[("batch", "SubmitServiceJob")]
    assert members[spec.member].type_name == "string" and "JSON" in members[spec.member].documentation
    # every job type the model has is read (a new one fails here until it is decided)
    assert set(members[spec.type_member].enum) == set(spec.requests) == {"SAGEMAKER_TRAINING"}
    sagemaker = botocore.session.get_session().get_service_model("sagemaker")
    for service, operation in spec.requests.values():
        assert service == "sagemaker" and operation in sagemaker.operation_names


def test_batchs_other_operations_naming_sagemaker_or_service_jobs_are_decided_or_say_why_not():
    decided = DECIDED_OPERATIONS["batch"]
    for name in MODEL.operation_names:
        op = MODEL.operation_model(name)
        text = (op.documentation or "") + " ".join(
            (m.documentation or "") + " ".join(getattr(m, "enum", None) or ()) for m in op.input_shape.members.values()) \
            if op.input_shape is not None else op.documentation or ""
        if not name.startswith(("Create", "Update", "Submit", "Terminate")) \
                or not ("SageMaker" in text or "SAGEMAKER" in text or "ServiceJob" in name):
            continue
        assert name in decided or service_calls.UNDECIDED_CANDIDATES.get(("batch", name)), name


def test_an_open_training_job_in_a_service_job_is_refused_and_nothing_is_sent(safemaker_local, batch, profile):
    client, sent = batch
    safemaker.install_process(profile)
    with pytest.raises(GuardrailViolation) as e:
        client.submit_service_job(**job(OPEN))
    paths = {v.path: v for v in e.value.violations}
    assert {"serviceRequestPayload -> CreateTrainingJob.EnableNetworkIsolation",
            "serviceRequestPayload -> CreateTrainingJob.VpcConfig"} <= set(paths)
    assert paths["serviceRequestPayload -> CreateTrainingJob.EnableNetworkIsolation"].rule_id == "SM-NET-ISOLATION"
    assert sent == [] and safemaker_local.request_count("batch") == 0


def test_a_closed_training_job_is_sent_as_written(safemaker_local, batch, profile):
    client, sent = batch
    safemaker.install_process(profile)
    text = json.dumps(CLOSED)
    send(client.submit_service_job, **job(text))
    assert safemaker_local.request_count("batch", "SubmitServiceJob") == 1
    assert sent[0]["serviceRequestPayload"] == text   # the caller's text, not rewritten


def test_nothing_is_injected_into_the_payload_what_is_absent_is_the_aws_default(safemaker_local, batch, profile):
    """A direct CreateTrainingJob without VpcConfig gets the profile's injected; the JSON text a service job carries is
    decided as written: refused, naming the member to write (no hint to omit it)."""
    client, sent = batch
    safemaker.install_process(profile)
    payload = {k: v for k, v in CLOSED.items() if k != "VpcConfig"}
    with pytest.raises(GuardrailViolation) as e:
        client.submit_service_job(**job(payload))
    (v,) = e.value.violations
    assert v.path == "serviceRequestPayload -> CreateTrainingJob.VpcConfig" and v.rule_id == "SM-NET-VPC"
    assert "omit" not in v.fix and "inject" not in v.fix
    assert sent == []


def test_a_subnet_outside_the_profile_in_the_payload_is_refused(safemaker_local, batch, profile):
    client, sent = batch
    safemaker.install_process(profile)
    with pytest.raises(GuardrailViolation) as e:
        client.submit_service_job(**job({**CLOSED, "VpcConfig": {**VPC_CONFIG, "Subnets": [SUB_OUT]}}))
    assert any(v.path.startswith("serviceRequestPayload -> CreateTrainingJob.VpcConfig") for v in e.value.violations)
    assert sent == []


@pytest.mark.parametrize("change,field,found", [
    ({"serviceRequestPayload": '{"TrainingJobName": "a", "TrainingJobName": "b"}'}, "serviceRequestPayload",
     "JSON giving key 'TrainingJobName' twice"),
    ({"serviceRequestPayload": "{not json"}, "serviceRequestPayload", "text that is not JSON"),
    ({"serviceRequestPayload": json.dumps([CLOSED])}, "serviceRequestPayload", "JSON list"),
    ({"serviceJobType": "SAGEMAKER_PROCESSING"}, "serviceJobType", "SAGEMAKER_PROCESSING"),
])
def test_a_payload_or_job_type_the_guard_cannot_read_fails_closed_even_when_relaxed(
        safemaker_local, batch, change, field, found):
    client, sent = batch
    safemaker.install_process(make_profile(allow_unverified_templates=True))
    with pytest.raises(GuardrailViolation) as e:
        client.submit_service_job(**{**job(CLOSED), **change})
    (v,) = e.value.violations
    assert v.path == field and str(v.found).startswith(found) and v.rule_id == "SM-UNSUPPORTED"
    assert sent == [] and safemaker_local.request_count("batch") == 0


def test_the_payload_is_never_quoted_in_a_refusal(safemaker_local, batch, profile):
    """A payload that cannot be read is described, not shown (its Environment or hyperparameters may hold secrets)."""
    client, _sent = batch
    safemaker.install_process(profile)
    secret = "ghp_" + "x" * 36
    with pytest.raises(GuardrailViolation) as e:
        client.submit_service_job(**job('{"Environment": {"TOKEN": "%s"}, ' % secret))
    assert secret not in str(e.value)


def test_other_batch_calls_are_not_decided(safemaker_local, profile):
    """A container job (SubmitJob) runs no SageMaker request: the guard lets it through untouched."""
    client = safemaker_local.session.client("batch", config=ONE_ATTEMPT)
    safemaker.install_process(profile)
    send(client.submit_job, jobName="j", jobQueue="q", jobDefinition="d")
    assert safemaker_local.request_count("batch", "SubmitJob") == 1


# --------------------------------------------------------------------------- inside carriers: guard and check

def machine(parameters):
    return {"StartAt": "Train", "States": {"Train": {
        "Type": "Task", "End": True, "Resource": "arn:aws:states:::aws-sdk:batch:submitServiceJob",
        "Parameters": {"JobName": "t", "JobQueue": "q", **parameters}}}}


def pascal_job(payload, **extra):
    return {"ServiceJobType": "SAGEMAKER_TRAINING", "ServiceRequestPayload": json.dumps(payload), **extra}


@pytest.mark.parametrize("payload,refused", [(OPEN, True), (CLOSED, False)])
def test_a_state_machine_and_a_schedule_submitting_a_service_job_are_decided_as_the_job(
        safemaker_local, safemaker_session, profile, payload, refused):
    sfn = safemaker_session.client("stepfunctions", config=ONE_ATTEMPT)
    scheduler = safemaker_session.client("scheduler", config=ONE_ATTEMPT)
    safemaker.install_process(profile)
    calls = [
        (lambda: sfn.create_state_machine(name="sm", definition=json.dumps(machine(pascal_job(payload))),
                                          roleArn="arn:aws:iam::123456789012:role/sfn"), "stepfunctions"),
        (lambda: send(scheduler.create_schedule, Name="s", ScheduleExpression="rate(1 day)",
                      FlexibleTimeWindow={"Mode": "OFF"},
                      Target={"Arn": "arn:aws:scheduler:::aws-sdk:batch:submitServiceJob",
                              "RoleArn": "arn:aws:iam::123456789012:role/s",
                              "Input": json.dumps(job(payload, jobQueue="q"))}), "scheduler"),
    ]
    for call, service in calls:
        if refused:
            with pytest.raises(GuardrailViolation) as e:
                call()
            assert any("VpcConfig" in v.path for v in e.value.violations), service
            assert safemaker_local.request_count(service) == 0
        else:
            call()
            assert safemaker_local.request_count(service) == 1, service


def check_machine(profile_file, tmp_path, parameters):
    f = tmp_path / "sm.asl.json"
    f.write_text(json.dumps(machine(parameters)))
    return run_json(profile_file, str(f))


def test_check_flags_an_open_training_job_in_a_state_machines_service_job(profile_file, tmp_path):
    r, rows = check_machine(profile_file, tmp_path, pascal_job(OPEN))
    failed = {(x["rule_id"], x["path"]) for x in rows if x.get("status") == "FAIL"}
    assert ("SM-NET-ISOLATION", "Parameters.ServiceRequestPayload:EnableNetworkIsolation") in {
        (rule, path.split("States.Train.", 1)[-1]) for rule, path in failed}, rows
    assert any(rule == "SM-NET-VPC" for rule, _ in failed) and r.exit_code == 3, r.output


def test_check_passes_a_closed_one_and_cannot_verify_one_built_at_run_time(profile_file, tmp_path):
    r, rows = check_machine(profile_file, tmp_path, pascal_job(CLOSED))
    assert r.exit_code == 0 and not [x for x in rows if x.get("status")], r.output
    r, rows = check_machine(profile_file, tmp_path, {"ServiceJobType": "SAGEMAKER_TRAINING",
                                                     "ServiceRequestPayload.$": "States.JsonToString($.job)"})
    assert [(x["status"], x["rule_id"]) for x in rows if x.get("status")] == [("UNKNOWN", "SM-REFERENCE")], r.output
    assert r.exit_code == 3


@pytest.mark.parametrize("parameters,named", [
    ({"ServiceJobType": "SAGEMAKER_TRAINING", "ServiceRequestPayload": '{"RoleArn": "a", "RoleArn": "b"}'},
     "ServiceRequestPayload"),
    ({"ServiceJobType": "SAGEMAKER_TRAINING", "ServiceRequestPayload": '"a string"'}, "ServiceRequestPayload"),
    ({"ServiceJobType": "OTHER", "ServiceRequestPayload": json.dumps(CLOSED)}, "ServiceJobType"),
])
def test_check_refuses_a_payload_it_cannot_read_as_bad_input_naming_the_member(profile_file, tmp_path, parameters,
                                                                               named):
    r, _rows = check_machine(profile_file, tmp_path, parameters)
    assert r.exit_code == 2 and named in r.output, r.output


@pytest.mark.parametrize("resource", [
    # CDK AwsCustomResource: its Lambda function sends the call with the JavaScript SDK (camelCase members)
    {"Type": "Custom::AWS", "Properties": {"ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:f",
                                           "Create": json.dumps({"service": "Batch", "action": "submitServiceJob",
                                                                 "parameters": job(OPEN),
                                                                 "physicalResourceId": {"id": "x"}})}},
    # EventBridge Scheduler universal target: its Input is the request
    {"Type": "AWS::Scheduler::Schedule", "Properties": {
        "ScheduleExpression": "rate(1 day)", "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {"Arn": "arn:aws:scheduler:::aws-sdk:batch:submitServiceJob",
                   "RoleArn": "arn:aws:iam::123456789012:role/s", "Input": json.dumps(job(OPEN))}}},
    # SSM Automation aws:executeAwsApi step (boto3's client and operation names)
    {"Type": "AWS::SSM::Document", "Properties": {"DocumentType": "Automation", "Content": {
        "schemaVersion": "0.3", "mainSteps": [{"name": "submit", "action": "aws:executeAwsApi", "inputs": {
            "Service": "batch", "Api": "SubmitServiceJob", **job(OPEN)}}]}}},
], ids=["cdk", "schedule", "automation"])
def test_check_reads_the_payload_in_every_carrier_of_a_template(profile_file, tmp_path, resource):
    f = tmp_path / "t.json"
    f.write_text(json.dumps({"Resources": {"R": resource}}))
    r, rows = run_json(profile_file, str(f))
    failed = {x["rule_id"] for x in rows if x.get("status") == "FAIL"}
    assert {"SM-NET-ISOLATION", "SM-NET-VPC"} <= failed and r.exit_code == 3, r.output
    assert all("serviceRequestPayload:" in x["path"] or "ServiceRequestPayload:" in x["path"]
               for x in rows if x.get("status") == "FAIL"), rows
