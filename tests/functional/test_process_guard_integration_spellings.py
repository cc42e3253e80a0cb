"""A Step Functions task ``Resource`` / Scheduler target ``Arn`` naming SageMaker in any spelling (issue 13, gap 1).

Step Functions developer guide, "Discover service integration patterns": "An ASL Resource value in Step Functions is a
unique name (URI) which conforms to ARN format ... The prefix ``arn:aws:states:`` sets up a namespace that Step
Functions uses for integrations. The ``:::`` portion of the value denotes empty ``region`` and ``account-id`` fields
which are unnecessary because both are inferred from the region and account in which the workflow runs." A Resource
that fills them (``arn:aws:states:us-east-1:123456789012:sagemaker:createTrainingJob.sync``), names another partition
(``aws-cn``, ``aws-us-gov``: ``arn:${AWS::Partition}``), spells the service in another case or the AWS SDK
integration's service by another spelling, or adds an integration-pattern suffix, was not read as the SageMaker call
it makes: a state machine creating an open training job was sent. Each is now decided as that call; one naming
SageMaker that no reader classifies is cannot be verified (fail closed); a Region or account other than the
profile's is cannot be verified for a call decided by describing what it names (as a ``Credentials`` role of another
account is, trial 15c F11).

Real botocore clients against moto on 127.0.0.1 (assert on the request sent or refused), and ``safemaker check``.
"""

from __future__ import annotations

import json

import pytest

import safemaker
from safemaker.errors import GuardrailViolation

from _profiles import ACCOUNT, REGION, ROLE, SG, SUB_A, VPC_CONFIG, training_job_request
from test_iac_cli import profile_file, run_json  # noqa: F401  (profile_file: fixture)

CARRIER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/carrier"
IMG = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/algo:1"
OPEN_TRAINING = training_job_request("t")   # no VpcConfig, no isolation: refused when sent directly
CLOSED_MODEL = {"ModelName": "m", "ExecutionRoleArn": ROLE, "PrimaryContainer": {"Image": IMG},
                "VpcConfig": VPC_CONFIG, "EnableNetworkIsolation": True}
CLOSED_NB = {"InstanceType": "ml.t3.medium", "RoleArn": ROLE, "SubnetId": SUB_A, "SecurityGroupIds": [SG],
             "DirectInternetAccess": "Disabled", "RootAccess": "Disabled"}

# Every spelling of a SageMaker integration: "{action}" is the camelCase action (Step Functions API names).
SPELLINGS = [
    f"arn:aws:states:{REGION}:{ACCOUNT}:sagemaker:{{action}}.sync",
    f"arn:aws:states:{REGION}::sagemaker:{{action}}",
    f"arn:aws:states::{ACCOUNT}:sagemaker:{{action}}",
    "arn:aws-cn:states:::sagemaker:{action}",
    "arn:aws-us-gov:states:::sagemaker:{action}.sync",
    f"arn:aws:states:{REGION}:{ACCOUNT}:aws-sdk:sagemaker:{{action}}",
    "arn:aws:states:::aws-sdk:SageMaker:{action}",
    "arn:aws:states:::SAGEMAKER:{action}.waitForTaskToken",
    "arn:aws:states:::aws-sdk:sage-maker:{action}",
    "arn:aws:states:::sagemaker:{action}.sync:2",
    "arn:aws:states:::AWS-SDK:sagemaker:{action}",
]


def _machine(resource, request):
    return json.dumps({"StartAt": "S", "States": {"S": {
        "Type": "Task", "Resource": resource, "Parameters": request, "End": True}}})


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_an_open_training_job_in_any_spelling_is_refused(safemaker_local, safemaker_session, profile, spelling):
    safemaker.install_process(profile)
    sfn = safemaker_session.client("stepfunctions")
    with pytest.raises(GuardrailViolation) as exc:
        sfn.create_state_machine(name="m", roleArn=CARRIER_ROLE, definition=_machine(
            spelling.format(action="createTrainingJob"), OPEN_TRAINING))
    assert safemaker_local.request_count("stepfunctions", "CreateStateMachine") == 0
    # the training job's own finding (botocore's member VpcConfig is absent), not a cannot-be-verified one
    assert any("VpcConfig" in v.path for v in exc.value.violations)


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_closed_call_in_any_spelling_of_this_account_and_region_is_sent(safemaker_local, safemaker_session,
                                                                         profile, spelling):
    safemaker.install_process(profile)
    sfn = safemaker_session.client("stepfunctions")
    sfn.create_state_machine(name="m", roleArn=CARRIER_ROLE, definition=_machine(
        spelling.format(action="createModel"), CLOSED_MODEL))
    assert safemaker_local.request_count("stepfunctions", "CreateStateMachine") == 1


@pytest.mark.parametrize("resource", [
    "arn:aws:states:::sagemaker:create-training-job",
    "arn:aws:states:::sagemaker:createTrainingJob.sync:latest",
    f"arn:aws:states:{REGION}:{ACCOUNT}:SageMaker",
    "arn:aws:states:::sagemaker-training:createTrainingJob",
])
def test_a_states_resource_naming_sagemaker_that_no_reader_classifies_cannot_be_verified(
        safemaker_local, safemaker_session, profile, resource):
    safemaker.install_process(profile)
    sfn = safemaker_session.client("stepfunctions")
    with pytest.raises(GuardrailViolation) as exc:
        sfn.create_state_machine(name="m", roleArn=CARRIER_ROLE, definition=_machine(resource, OPEN_TRAINING))
    assert safemaker_local.request_count("stepfunctions", "CreateStateMachine") == 0
    assert {v.rule_id for v in exc.value.violations} == {"SM-REFERENCE"}
    assert any(resource in repr(v.found) for v in exc.value.violations)


def test_another_sagemaker_service_is_not_refused(safemaker_local, safemaker_session, profile):
    # "sagemakerruntime" is the AWS SDK service identifier of SageMaker Runtime (botocore serviceId
    # "SageMaker Runtime"): InvokeEndpoint opens nothing, and is not read as a SageMaker call
    safemaker.install_process(profile)
    sfn = safemaker_session.client("stepfunctions")
    sfn.create_state_machine(name="m", roleArn=CARRIER_ROLE, definition=_machine(
        "arn:aws:states:::aws-sdk:sagemakerruntime:invokeEndpoint", {"EndpointName": "e", "Body": "x"}))
    assert safemaker_local.request_count("stepfunctions", "CreateStateMachine") == 1


@pytest.fixture()
def closednb(safemaker_session):
    safemaker_session.client("sagemaker").create_notebook_instance(NotebookInstanceName="closednb", **CLOSED_NB)


@pytest.mark.parametrize("where, shown", [
    ("us-west-2:", "us-west-2"),
    (":999999999999", "999999999999"),
    ("us-west-2:999999999999", "us-west-2"),   # the Region is reported first
], ids=["other-region", "other-account", "both"])
def test_a_call_decided_by_describing_in_another_region_or_account_cannot_be_verified(
        safemaker_local, safemaker_session, profile, closednb, where, shown):
    safemaker.install_process(profile)
    sfn = safemaker_session.client("stepfunctions")
    with pytest.raises(GuardrailViolation) as exc:
        sfn.create_state_machine(name="m", roleArn=CARRIER_ROLE, definition=_machine(
            f"arn:aws:states:{where}:aws-sdk:sagemaker:startNotebookInstance", {"NotebookInstanceName": "closednb"}))
    assert safemaker_local.request_count("stepfunctions", "CreateStateMachine") == 0
    assert {v.rule_id for v in exc.value.violations} == {"SM-REFERENCE"}
    assert any(shown in repr(v.found) for v in exc.value.violations)


def test_a_call_decided_by_describing_in_this_region_and_account_keeps_its_decision(
        safemaker_local, safemaker_session, profile, closednb):
    safemaker.install_process(profile)
    sfn = safemaker_session.client("stepfunctions")
    sfn.create_state_machine(name="m", roleArn=CARRIER_ROLE, definition=_machine(
        f"arn:aws:states:{REGION}:{ACCOUNT}:aws-sdk:sagemaker:startNotebookInstance",
        {"NotebookInstanceName": "closednb"}))
    assert safemaker_local.request_count("stepfunctions", "CreateStateMachine") == 1
    assert safemaker_local.request_count("sagemaker", "DescribeNotebookInstance") >= 1


@pytest.mark.parametrize("arn, refused_with", [
    (f"arn:aws:scheduler:{REGION}:{ACCOUNT}:aws-sdk:sagemaker:createNotebookInstance", "DirectInternetAccess"),
    ("arn:aws:scheduler:::aws-sdk:SageMaker:createNotebookInstance", "DirectInternetAccess"),
    ("arn:aws:scheduler:::aws-sdk:sagemaker:create-notebook-instance", "SM-REFERENCE"),
])
def test_a_schedule_universal_target_in_any_spelling_is_decided(safemaker_local, safemaker_session, profile, arn,
                                                                refused_with):
    safemaker.install_process(profile)
    scheduler = safemaker_session.client("scheduler")
    open_nb = {"NotebookInstanceName": "nb", "InstanceType": "ml.t3.medium", "RoleArn": ROLE,
               "DirectInternetAccess": "Enabled"}
    with pytest.raises(GuardrailViolation) as exc:
        scheduler.create_schedule(Name="s", ScheduleExpression="rate(1 day)", FlexibleTimeWindow={"Mode": "OFF"},
                                  Target={"Arn": arn, "RoleArn": CARRIER_ROLE, "Input": json.dumps(open_nb)})
    assert safemaker_local.request_count("scheduler", "CreateSchedule") == 0
    assert any(refused_with in (v.path, v.rule_id) or refused_with in v.path for v in exc.value.violations)


def test_check_reads_a_template_resource_with_region_and_account(profile_file, tmp_path):
    task = {"Type": "Task", "End": True, "Parameters": OPEN_TRAINING, "Resource": {"Fn::Sub": (
        "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:sagemaker:createTrainingJob.sync")}}
    template = {"Resources": {"Sm": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
        "RoleArn": CARRIER_ROLE, "Definition": {"StartAt": "T", "States": {"T": task}}}}}}
    path = tmp_path / "template.json"
    path.write_text(json.dumps(template))
    r, rows = run_json(profile_file, str(path))
    assert r.exit_code != 0
    assert any(x.get("status") == "FAIL" and "VpcConfig" in x.get("path", "") for x in rows)


@pytest.mark.parametrize("resource", [
    f"arn:aws:states:{REGION}:{ACCOUNT}:aws-sdk:sfn:createStateMachine",
    "arn:aws:states:::AWS-SDK:SFN:createStateMachine",
    "arn:aws-us-gov:states:::aws-sdk:sfn:createStateMachine",
])
def test_a_task_creating_a_state_machine_in_any_spelling_is_read(safemaker_local, safemaker_session, profile,
                                                                 resource):
    # the nested definition opens a training job: read through the outer task's call, whatever its spelling
    inner = _machine("arn:aws:states:::sagemaker:createTrainingJob.sync", OPEN_TRAINING)
    safemaker.install_process(profile)
    sfn = safemaker_session.client("stepfunctions")
    with pytest.raises(GuardrailViolation) as exc:
        sfn.create_state_machine(name="m", roleArn=CARRIER_ROLE, definition=_machine(
            resource, {"Name": "inner", "RoleArn": CARRIER_ROLE, "Definition": inner}))
    assert safemaker_local.request_count("stepfunctions", "CreateStateMachine") == 0
    assert any("VpcConfig" in v.path for v in exc.value.violations)
