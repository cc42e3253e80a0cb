"""A pipeline version alias moved under schedules that start it with their own parameter values (session 15).

``UpdatePipelineVersion`` adding an alias is decided as a start of that version (trial 14b F05), with the version's
default parameter values. A schedule that starts the pipeline by the alias with ``PipelineParameters`` (an EventBridge
Scheduler universal target ``arn:aws:scheduler:::aws-sdk:sagemaker:startPipelineExecution``, its ``Input`` the
request) runs the newly aliased version with *its* values from its next run on: a version closed under its defaults
but open under a schedule's values was moved onto. The guard now reads the region's schedules (``ListSchedules``,
``GetSchedule``) and decides the version again under each such schedule's values; schedules it cannot read make the
move cannot be verified.

Real botocore clients against moto on 127.0.0.1 (real HTTP). moto (with the local backend's fixes) keeps pipeline
versions and EventBridge Scheduler schedules, but has no ``UpdatePipelineVersion``: a request the guard sends reaches
moto and is answered with an error (what counts is ``request_count``). moto does not enforce IAM, so a refused
``ListSchedules`` is answered by botocore's Stubber on the guard's own scheduler client.

Oracles: botocore's sagemaker model (``StartPipelineExecution``: ``PipelineVersionAlias`` "The alias of the pipeline
version to start the execution from", ``PipelineParameters``; ``UpdatePipelineVersion.PipelineVersionAliasOperations``),
botocore's scheduler model (``Target.Input``; templated ``SageMakerPipelineParameters`` has only
``PipelineParameterList``), and the direct ``start_pipeline_execution`` of the same version with the same values.
"""

from __future__ import annotations

import json

import botocore.session
import pytest
from botocore.config import Config
from botocore.stub import Stubber

import safemaker
from safemaker.errors import GuardrailViolation

from _other_services import send
from _profiles import IMG, ROLE, SG, SUB_A
from test_process_guard_default_moves import CARRIERS

ACCOUNT = "123456789012"
ARN = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:pipeline/p"
SUB_X = "subnet-0123456789abcdef0"   # not a subnet of the profile
UNIVERSAL = "arn:aws:scheduler:::aws-sdk:sagemaker:startPipelineExecution"
SCHEDULE = {"ScheduleExpression": "rate(1 day)", "FlexibleTimeWindow": {"Mode": "OFF"}}
SCHEDULER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/scheduler"
NO_RETRY = Config(retries={"total_max_attempts": 1})
OPEN_VALUES = [{"Name": "Subnet", "Value": SUB_X}]


def _definition(subnet):
    """One closed training step; its subnet ``subnet`` (a value, or ``{"Get": "Parameters.Subnet"}``); the pipeline
    declares the parameter ``Subnet`` (default: the profile's subnet) either way."""
    step = {"Name": "Train", "Type": "Training", "Arguments": {
        "AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"},
        "OutputDataConfig": {"S3OutputPath": "s3://b/out"}, "RoleArn": ROLE,
        "ResourceConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 30},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "VpcConfig": {"Subnets": [subnet], "SecurityGroupIds": [SG]},
        "EnableNetworkIsolation": True, "EnableInterContainerTrafficEncryption": True}}
    return json.dumps({"Version": "2020-12-01", "Parameters": [{"Name": "Subnet", "Type": "String",
                                                                  "DefaultValue": SUB_A}], "Steps": [step]})


def test_a_schedule_starts_a_version_by_alias_with_its_own_values_per_the_models():
    loader = botocore.session.get_session()
    start = loader.get_service_model("sagemaker").operation_model("StartPipelineExecution").input_shape.members
    assert {"PipelineVersionAlias", "PipelineParameters"} <= set(start)
    assert "alias of the pipeline version to start the execution from" in start["PipelineVersionAlias"].documentation
    scheduler = loader.get_service_model("scheduler")
    assert set(scheduler.shape_for("SageMakerPipelineParameters").members) == {"PipelineParameterList"}
    assert scheduler.shape_for("Target").members["Input"].type_name == "string"


@pytest.fixture()
def versions(safemaker_local):
    """Pipeline ``p`` made before the guard: version 1 with a fixed closed subnet, version 2 taking it from the
    parameter ``Subnet`` (closed under its default), and the raw scheduler client."""
    from safemaker.local import LocalSession

    raw = LocalSession(safemaker_local.endpoint_url, region_name="us-east-1")
    sm = raw.client("sagemaker")
    sm.create_pipeline(PipelineName="p", RoleArn=ROLE, PipelineDefinition=_definition(SUB_A),
                       ClientRequestToken="p-token-0123456789abcdef01234567")
    sm.update_pipeline(PipelineName="p", PipelineDefinition=_definition({"Get": "Parameters.Subnet"}))
    return raw.client("scheduler")


def _schedule(scheduler, name, request, arn=UNIVERSAL):
    scheduler.create_schedule(Name=name, Target={"Arn": arn, "RoleArn": SCHEDULER_ROLE,
                                                 "Input": request if isinstance(request, str) else json.dumps(request)},
                              **SCHEDULE)


def _move(sm, version=2, aliases=("prod",)):
    return sm.update_pipeline_version(PipelineArn=ARN, PipelineVersionId=version,
                                      PipelineVersionAliasOperations={"Add": list(aliases)})


@pytest.mark.parametrize("named", ["p", ARN], ids=["by-name", "by-arn"])
def test_moving_the_alias_onto_a_version_a_schedule_opens_is_refused(safemaker_local, safemaker_session, profile,
                                                                     versions, named):
    _schedule(versions, "nightly", {"PipelineName": named, "PipelineVersionAlias": "prod",
                                    "PipelineParameters": OPEN_VALUES})
    safemaker.install_process(profile)
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    with pytest.raises(GuardrailViolation) as direct:   # the oracle: the start the schedule's next run makes
        sm.start_pipeline_execution(PipelineName="p", PipelineVersionId=2, PipelineParameters=OPEN_VALUES)
    with pytest.raises(GuardrailViolation) as exc:
        _move(sm)
    assert safemaker_local.request_count("sagemaker", "UpdatePipelineVersion") == 0
    at = ("PipelineVersionAliasOperations.Add ('prod' -> version 2) with the parameters of schedule default/nightly "
          "(Target.Input) -> StartPipelineExecution.")
    assert sorted((v.path, v.rule_id, repr(v.found)) for v in exc.value.violations) == sorted(
        (at + v.path, v.rule_id, repr(v.found)) for v in direct.value.violations)
    assert SUB_X in [v.found for v in exc.value.violations]


def test_the_move_is_sent_when_no_schedule_gives_the_alias_open_values(safemaker_local, safemaker_session, profile,
                                                                       versions):
    for name, request, arn in (
            ("other-alias", {"PipelineName": "p", "PipelineVersionAlias": "beta", "PipelineParameters": OPEN_VALUES},
             UNIVERSAL),
            ("other-pipeline", {"PipelineName": "q", "PipelineVersionAlias": "prod", "PipelineParameters": OPEN_VALUES},
             UNIVERSAL),
            ("latest", {"PipelineName": "p", "PipelineParameters": OPEN_VALUES}, UNIVERSAL),   # no alias: latest
            ("defaults", {"PipelineName": "p", "PipelineVersionAlias": "prod"}, UNIVERSAL),
            ("closed-values", {"PipelineName": "p", "PipelineVersionAlias": "prod",
                               "PipelineParameters": [{"Name": "Subnet", "Value": SUB_A}]}, UNIVERSAL),
            ("not-a-start", {"QueueUrl": "q", "MessageBody": "prod"}, "arn:aws:scheduler:::aws-sdk:sqs:sendMessage")):
        _schedule(versions, name, request, arn)
    safemaker.install_process(profile)
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    send(sm.update_pipeline_version, PipelineArn=ARN, PipelineVersionId=2,
         PipelineVersionAliasOperations={"Add": ["prod"]})
    assert safemaker_local.request_count("sagemaker", "UpdatePipelineVersion") == 1
    assert safemaker_local.request_count("scheduler", "GetSchedule") == 5   # the starts' Inputs only


def test_a_schedule_whose_input_cannot_be_read_makes_the_move_unverifiable(safemaker_local, safemaker_session,
                                                                           profile, versions):
    _schedule(versions, "garbled", "PipelineName=p")
    safemaker.install_process(profile)
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    with pytest.raises(GuardrailViolation) as exc:
        _move(sm)
    assert [(v.rule_id, v.path) for v in exc.value.violations] == [
        ("SM-REFERENCE", "PipelineVersionAliasOperations.Add ('prod' -> version 2) with schedule default/garbled")]
    assert safemaker_local.request_count("sagemaker", "UpdatePipelineVersion") == 0


def test_schedules_that_cannot_be_listed_make_the_move_unverifiable(safemaker_local, safemaker_session, profile,
                                                                    versions):
    guard = safemaker.install_process(profile)
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    with Stubber(guard._other_client(sm, "scheduler")) as stub:   # moto does not enforce IAM
        stub.add_client_error("list_schedules", "AccessDeniedException", "not authorized: scheduler:ListSchedules")
        with pytest.raises(GuardrailViolation) as exc:
            _move(sm)
    assert [v.rule_id for v in exc.value.violations] == ["SM-REFERENCE"]
    assert "scheduler:ListSchedules" in str(exc.value)
    assert safemaker_local.request_count("sagemaker", "UpdatePipelineVersion") == 0


# --- CreatePipeline / UpdatePipeline giving PipelineVersionAliases (trial 15c F01) ---------------------------------
# botocore: CreatePipeline.PipelineVersionAliases "The aliases to assign to the first version of the pipeline";
# UpdatePipeline.PipelineVersionAliases "The aliases to assign to the new pipeline version that this update creates".
# The alias is put on the version the request makes, whose definition is the request's own: under
# allow_pipeline_network_parameters a definition closed under its defaults but open under a schedule's values was sent.

OPENABLE = {"allow_pipeline_network_parameters": True}   # a network member may come from a parameter (its default)


def test_create_and_update_pipeline_assign_aliases_to_the_version_they_make_per_the_model():
    sm = botocore.session.get_session().get_service_model("sagemaker")
    for operation, says in (("CreatePipeline", "aliases to assign to the first version"),
                            ("UpdatePipeline", "aliases to assign to the new pipeline version that this update")):
        member = sm.operation_model(operation).input_shape.members["PipelineVersionAliases"]
        assert says in " ".join(member.documentation.split()), operation
        assert member.member.name == sm.operation_model("StartPipelineExecution").input_shape.members[
            "PipelineVersionAlias"].name


def _after_definition(violations):
    """What each violation found in the definition (the path below ``PipelineDefinition``), by which rule."""
    return sorted((v.path.split(".PipelineDefinition.", 1)[1], v.rule_id, repr(v.found)) for v in violations)


def _give(sm, operation, definition, aliases=("prod",), **more):
    if operation == "CreatePipeline":
        return sm.create_pipeline(PipelineName="q", RoleArn=ROLE, PipelineDefinition=definition,
                                  ClientRequestToken="q-token-0123456789abcdef01234567",
                                  PipelineVersionAliases=list(aliases), **more)
    return sm.update_pipeline(PipelineName="p", PipelineDefinition=definition, PipelineVersionAliases=list(aliases),
                              **more)


@pytest.mark.parametrize("operation", ["UpdatePipeline", "CreatePipeline"])
def test_giving_the_alias_to_a_new_version_a_schedule_opens_is_refused(safemaker_local, safemaker_session,
                                                                       profile_factory, versions, operation):
    pipeline = "q" if operation == "CreatePipeline" else "p"   # q: a schedule made before the pipeline
    _schedule(versions, "nightly", {"PipelineName": pipeline, "PipelineVersionAlias": "prod",
                                    "PipelineParameters": OPEN_VALUES})
    safemaker.install_process(profile_factory(**OPENABLE))
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    with pytest.raises(GuardrailViolation) as direct:   # the oracle: the start of the same definition, those values
        sm.start_pipeline_execution(PipelineName="p", PipelineVersionId=2, PipelineParameters=OPEN_VALUES)
    sent = safemaker_local.request_count("sagemaker", operation)
    with pytest.raises(GuardrailViolation) as exc:
        _give(sm, operation, _definition({"Get": "Parameters.Subnet"}))
    assert safemaker_local.request_count("sagemaker", operation) == sent
    assert _after_definition(exc.value.violations) == _after_definition(direct.value.violations)
    assert SUB_X in [v.found for v in exc.value.violations]
    assert {v.path.split(".PipelineDefinition.", 1)[0] for v in exc.value.violations} == {
        "PipelineVersionAliases ('prod' -> the version this request makes) with the parameters of schedule "
        f"default/nightly (Target.Input) -> StartPipelineExecution.PipelineName -> {operation}"}
    # the same request without the alias: decided under its defaults only (closed), sent
    sm.update_pipeline(PipelineName="p", PipelineDefinition=_definition({"Get": "Parameters.Subnet"}))


def test_giving_the_alias_by_an_s3_definition_is_decided_on_the_object_read(safemaker_local, safemaker_session,
                                                                            profile_factory, versions):
    from safemaker.local import LocalSession

    s3 = LocalSession(safemaker_local.endpoint_url, region_name="us-east-1").client("s3")
    s3.create_bucket(Bucket="defs")
    s3.put_bucket_versioning(Bucket="defs", VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket="defs", Key="p.json", Body=_definition({"Get": "Parameters.Subnet"}).encode())
    _schedule(versions, "nightly", {"PipelineName": ARN, "PipelineVersionAlias": "prod",
                                    "PipelineParameters": OPEN_VALUES})
    safemaker.install_process(profile_factory(**OPENABLE))
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    sent = safemaker_local.request_count("sagemaker", "UpdatePipeline")
    with pytest.raises(GuardrailViolation) as exc:
        sm.update_pipeline(PipelineName="p", PipelineDefinitionS3Location={"Bucket": "defs", "ObjectKey": "p.json"},
                           PipelineVersionAliases=["prod"])
    assert safemaker_local.request_count("sagemaker", "UpdatePipeline") == sent
    assert SUB_X in [v.found for v in exc.value.violations]


def test_giving_an_alias_no_schedule_opens_is_sent(safemaker_local, safemaker_session, profile_factory, versions):
    # (a schedule starting the pipeline with no version, i.e. the latest, is left out: the new version is the latest
    # too, decided under such a schedule's values: test_process_guard_latest_starts.py)
    for name, request in (
            ("other-alias", {"PipelineName": "p", "PipelineVersionAlias": "beta", "PipelineParameters": OPEN_VALUES}),
            ("defaults", {"PipelineName": "p", "PipelineVersionAlias": "prod"}),
            ("closed-values", {"PipelineName": "p", "PipelineVersionAlias": "prod",
                               "PipelineParameters": [{"Name": "Subnet", "Value": SUB_A}]})):
        _schedule(versions, name, request)
    safemaker.install_process(profile_factory(**OPENABLE))
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    sent = safemaker_local.request_count("sagemaker", "UpdatePipeline")
    _give(sm, "UpdatePipeline", _definition({"Get": "Parameters.Subnet"}))
    assert safemaker_local.request_count("sagemaker", "UpdatePipeline") == sent + 1
    assert safemaker_local.request_count("scheduler", "GetSchedule") == 3


def test_giving_the_alias_while_schedules_cannot_be_listed_is_unverifiable(safemaker_local, safemaker_session,
                                                                           profile_factory, versions):
    guard = safemaker.install_process(profile_factory(**OPENABLE))
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    with Stubber(guard._other_client(sm, "scheduler")) as stub:   # moto does not enforce IAM
        stub.add_client_error("list_schedules", "AccessDeniedException", "not authorized: scheduler:ListSchedules")
        with pytest.raises(GuardrailViolation) as exc:
            _give(sm, "UpdatePipeline", _definition(SUB_A))
    assert [(v.rule_id, v.path) for v in exc.value.violations] == [
        ("SM-REFERENCE", "PipelineVersionAliases ('prod' -> the version this request makes)")]


@pytest.mark.parametrize("carrier", CARRIERS)
def test_a_carrier_giving_the_alias_to_a_version_a_schedule_opens_is_refused_as_the_direct_call(
        safemaker_local, safemaker_session, profile_factory, versions, carrier):
    _schedule(versions, "nightly", {"PipelineName": "p", "PipelineVersionAlias": "prod",
                                    "PipelineParameters": OPEN_VALUES})
    safemaker.install_process(profile_factory(**OPENABLE))
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    update = {"PipelineName": "p", "PipelineDefinition": _definition({"Get": "Parameters.Subnet"}),
              "PipelineVersionAliases": ["prod"]}
    with pytest.raises(GuardrailViolation) as direct:
        sm.update_pipeline(**update)
    made = {op: safemaker_local.request_count(service, op) for service, op in CARRIED.values()}
    with pytest.raises(GuardrailViolation) as exc:
        carrier(safemaker_session, "sagemaker", "UpdatePipeline", update)
    service, prefix = {"CreateStateMachine": ("stepfunctions", "definition:States.S.Parameters."),
                       "CreateSchedule": ("scheduler", "Target.Input."),
                       "CreateDocument": ("ssm", "Content.mainSteps[0].inputs.")}[exc.value.operation]
    assert safemaker_local.request_count(service, exc.value.operation) == made[exc.value.operation]
    assert sorted((v.path, v.rule_id, repr(v.found)) for v in exc.value.violations) == sorted(
        (f"{prefix.rstrip('.')} -> UpdatePipeline.{v.path}", v.rule_id, repr(v.found))
        for v in direct.value.violations)
    # without the alias the carrier's call is decided by its rule alone (closed under its defaults): sent
    carrier(safemaker_session, "sagemaker", "UpdatePipeline", {k: v for k, v in update.items()
                                                               if k != "PipelineVersionAliases"})
    assert safemaker_local.request_count(service, exc.value.operation) == made[exc.value.operation] + 1


CARRIED = {"stepfunctions": ("stepfunctions", "CreateStateMachine"), "scheduler": ("scheduler", "CreateSchedule"),
           "ssm": ("ssm", "CreateDocument")}
