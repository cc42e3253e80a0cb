"""Step Functions aliases under the process guard (trial 14 F01).

A guarded process started an execution of a state machine *alias* whose routing split executions between a closed
version and an open one (made outside the process): the guard read only ``DescribeStateMachine(<alias ARN>)`` (one
definition) and sent it; a schedule, an EventBridge target or a pipe of the alias likewise. Now an alias ARN is read
with ``DescribeStateMachineAlias`` and every version of its ``routingConfiguration`` decided as ``StartExecution`` of
that version ARN (``DescribeStateMachine`` of the version); ``CreateStateMachineAlias`` / ``UpdateStateMachineAlias``
are decided the same way for the versions they route to.

Real botocore clients against moto on 127.0.0.1 (real HTTP): moto keeps versions (a snapshot of the definition at
``publish``) and aliases (``DescribeStateMachineAlias``), but answers ``StartExecution`` of an alias ARN with an error
(its ``describe_state_machine`` knows no aliases): what counts there is whether the request reached moto
(``request_count``).

Oracles: botocore's stepfunctions model (its documentation quoted in
:func:`test_botocore_documents_alias_routing_and_qualified_arns`), the SageMaker API reference (a notebook instance
without ``DirectInternetAccess`` has it ``Enabled``).
"""

from __future__ import annotations

import json
import re

import botocore.session
import pytest
from botocore.config import Config

import safemaker
from safemaker.errors import GuardrailViolation
from safemaker.iac import service_calls
from safemaker.other_services import DECIDED_OPERATIONS

from _other_services import notebook_state_machine as machine, send
from _profiles import ROLE, SG, SUB_A, make_profile

ACCOUNT = "123456789012"
SFN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/sfn"
CLOSED_NB = {"InstanceType": "ml.t3.medium", "RoleArn": ROLE, "SubnetId": SUB_A, "SecurityGroupIds": [SG],
             "DirectInternetAccess": "Disabled", "RootAccess": "Disabled"}
OPEN_NB = {"InstanceType": "ml.t3.medium", "RoleArn": ROLE, "DirectInternetAccess": "Enabled"}
OPEN_AT = "States.S.Parameters.DirectInternetAccess"
ONE_ATTEMPT = Config(retries={"total_max_attempts": 1}, inject_host_prefix=False)
"""moto answers a start of a version or alias with a 500, which botocore would retry; StartSyncExecution's endpoint
has the host prefix ``sync-``, which 127.0.0.1 does not take."""


def _doc(text):
    return re.sub(r"<[^>]+>", "", text or "")


def test_botocore_documents_alias_routing_and_qualified_arns():
    """What the guard is built on, quoted from botocore's stepfunctions model."""
    model = botocore.session.get_session().get_service_model("stepfunctions")
    create = model.operation_model("CreateStateMachineAlias")
    assert "Step Functions randomly chooses which version runs a given execution based on the percentage you " \
           "specify" in _doc(create.documentation)
    assert "the request starts execution for that version or alias" in _doc(
        model.operation_model("StartExecution").documentation)
    assert "If you specify a state machine version ARN, this API returns details about that version" in _doc(
        model.operation_model("DescribeStateMachine").input_shape.members["stateMachineArn"].documentation)
    update = model.operation_model("UpdateStateMachineAlias")
    assert "All StartExecution requests made within a few seconds use the latest alias configuration" in _doc(
        update.documentation)
    # the members read: the alias's routing, each route's version ARN
    described = model.operation_model("DescribeStateMachineAlias")
    assert "stateMachineAliasArn" in described.input_shape.required_members
    routes = described.output_shape.members["routingConfiguration"]
    assert "stateMachineVersionArn" in routes.member.members and routes.metadata == {"min": 1, "max": 2}
    for op in (create, update):
        assert op.input_shape.members[service_calls.ALIAS_ROUTES[("stepfunctions", op.name)]] is not None
    assert "routingConfiguration" in create.input_shape.required_members
    assert "routingConfiguration" not in update.input_shape.required_members   # a description-only update
    # an alias name is never only digits (a version number): the two qualified forms cannot be confused
    pattern = create.input_shape.members["name"].metadata["pattern"]
    for name, alias in (("PROD", True), ("v2", True), ("1", False), ("12", False)):
        assert bool(re.fullmatch(pattern, name)) is alias
        assert service_calls.state_machine_alias(f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:m:{name}") is alias
    assert not service_calls.state_machine_alias(f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:m")
    assert not service_calls.state_machine_alias(f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:m/mapLabel")


def test_alias_operations_are_decided_and_no_longer_listed_as_starting_nothing():
    for op in ("CreateStateMachineAlias", "UpdateStateMachineAlias"):
        assert op in DECIDED_OPERATIONS["stepfunctions"]
        assert ("stepfunctions", op) in service_calls.STARTING_CALLS
        assert ("stepfunctions", op) not in service_calls.UNDECIDED_CANDIDATES


@pytest.fixture()
def versions(safemaker_local):
    """State machine ``m`` made before the guard (by someone else): version 1 closed, version 2 open (the current
    revision open too), alias ``split`` routing 50/50 to both, alias ``safe`` routing 100 to version 1."""
    sfn = safemaker_local.session.client("stepfunctions")
    arn = sfn.create_state_machine(name="m", definition=machine(CLOSED_NB), roleArn=SFN_ROLE,
                                   publish=True)["stateMachineArn"]
    sfn.update_state_machine(stateMachineArn=arn, definition=machine(OPEN_NB), publish=True)
    v1, v2 = f"{arn}:1", f"{arn}:2"
    assert json.loads(sfn.describe_state_machine(stateMachineArn=v2)["definition"])["States"]["S"]["Parameters"][
        "DirectInternetAccess"] == "Enabled"
    split = sfn.create_state_machine_alias(name="split", routingConfiguration=[
        {"stateMachineVersionArn": v1, "weight": 50}, {"stateMachineVersionArn": v2, "weight": 50}])
    safe = sfn.create_state_machine_alias(name="safe", routingConfiguration=[{"stateMachineVersionArn": v1,
                                                                              "weight": 100}])
    return {"machine": arn, "v1": v1, "v2": v2, "split": split["stateMachineAliasArn"],
            "safe": safe["stateMachineAliasArn"]}


def _found(exc):
    return [(v.path, v.found) for v in exc.value.violations]


def _reads(safemaker_local):
    return [r.operation for r in safemaker_local.requests if r.operation and r.operation.startswith("Describe")]


ROUTE = "stateMachineArn -> DescribeStateMachineAlias.routingConfiguration[{}].stateMachineVersionArn"


@pytest.mark.parametrize("start", ["start_execution", "start_sync_execution"])
def test_an_alias_that_routes_to_an_open_version_is_refused(safemaker_local, safemaker_session, profile, versions,
                                                            start):
    safemaker.install_process(profile)
    sfn = safemaker_session.client("stepfunctions", config=ONE_ATTEMPT)
    call = getattr(sfn, start)
    safemaker_local.reset_requests()
    with pytest.raises(GuardrailViolation) as exc:
        call(stateMachineArn=versions["split"], input="{}")
    assert (f"{ROUTE.format(1)} -> StartExecution.stateMachineArn:{OPEN_AT}", "Enabled") in _found(exc)
    assert all(v.path.startswith(ROUTE.format(1)) for v in exc.value.violations)   # version 1 is closed
    assert _reads(safemaker_local) == ["DescribeStateMachineAlias", "DescribeStateMachine", "DescribeStateMachine"]
    assert safemaker_local.request_count("stepfunctions", "StartExecution") == 0
    assert safemaker_local.request_count("stepfunctions", "StartSyncExecution") == 0
    # the version ARNs on their own: as before
    with pytest.raises(GuardrailViolation):
        call(stateMachineArn=versions["v2"], input="{}")
    send(call, stateMachineArn=versions["v1"], input="{}")
    # an alias that routes only to the closed version is sent (moto answers an alias ARN with an error)
    send(call, stateMachineArn=versions["safe"], input="{}")
    assert safemaker_local.request_count("stepfunctions", "StartExecution" if start == "start_execution"
                                         else "StartSyncExecution") == 2


def test_an_alias_that_cannot_be_read_fails_closed_naming_it(safemaker_local, safemaker_session, profile, versions):
    safemaker.install_process(profile)
    sfn = safemaker_session.client("stepfunctions", config=ONE_ATTEMPT)
    gone = versions["machine"] + ":gone"
    with pytest.raises(GuardrailViolation) as exc:
        sfn.start_execution(stateMachineArn=gone)
    assert [(v.path, v.found, v.rule_id) for v in exc.value.violations] == [("stateMachineArn", gone, "SM-REFERENCE")]
    assert "DescribeStateMachineAlias" in exc.value.violations[0].fix
    assert gone in str(exc.value)
    assert safemaker_local.request_count("stepfunctions", "StartExecution") == 0
    # relaxed, what cannot be read is sent (as for a state machine that cannot be described)
    safemaker.install_process(make_profile(allow_unverified_templates=True))
    send(sfn.start_execution, stateMachineArn=gone)
    assert safemaker_local.request_count("stepfunctions", "StartExecution") == 1


def test_targets_of_an_alias_are_decided_as_its_executions(safemaker_local, safemaker_session, profile, versions):
    """Scheduler, EventBridge and Pipes targets of the alias (trial 14 ``_f01_targets.py``)."""
    safemaker.install_process(profile)
    sch, ev = safemaker_session.client("scheduler"), safemaker_session.client("events")
    pipes = safemaker_session.client("pipes")
    role = f"arn:aws:iam::{ACCOUNT}:role/t"
    common = {"ScheduleExpression": "rate(1 day)", "FlexibleTimeWindow": {"Mode": "OFF"}}
    ev.put_rule(Name="r", ScheduleExpression="rate(1 hour)")
    source = {"RoleArn": role, "Source": f"arn:aws:sqs:us-east-1:{ACCOUNT}:q"}
    calls = {
        "Target.Arn": lambda arn, n: sch.create_schedule(Name=n, Target={"Arn": arn, "RoleArn": role}, **common),
        "Targets[0].Arn": lambda arn, n: ev.put_targets(Rule="r", Targets=[{"Id": n, "Arn": arn, "RoleArn": role}]),
        "Target": lambda arn, n: pipes.create_pipe(Name=n, Target=arn, **source),
        "Enrichment": lambda arn, n: pipes.create_pipe(Name=n, Enrichment=arn, Target=f"arn:aws:sqs:us-east-1:"
                                                                                      f"{ACCOUNT}:out", **source),
    }
    for path, call in calls.items():
        with pytest.raises(GuardrailViolation) as exc:
            call(versions["split"], "split")
        assert (f"{path} -> StartExecution.{ROUTE.format(1)} -> StartExecution.stateMachineArn:{OPEN_AT}",
                "Enabled") in _found(exc), path
    assert safemaker_local.request_count("scheduler", "CreateSchedule") == 0
    assert safemaker_local.request_count("events", "PutTargets") == 0
    assert safemaker_local.request_count("pipes", "CreatePipe") == 0
    for i, call in enumerate(calls.values()):
        call(versions["safe"], f"safe{i}")
    assert safemaker_local.request_count("scheduler", "CreateSchedule") == 1
    assert safemaker_local.request_count("events", "PutTargets") == 1
    assert safemaker_local.request_count("pipes", "CreatePipe") == 2


def test_a_state_machine_task_starting_the_alias_is_decided_as_its_executions(safemaker_local, safemaker_session,
                                                                                profile, versions):
    """Step Functions developer guide, "Start a new AWS Step Functions state machine from a running execution":
    ``arn:aws:states:::states:startExecution`` with ``StateMachineArn``."""
    safemaker.install_process(profile)
    sfn = safemaker_session.client("stepfunctions")

    def starter(arn):
        return json.dumps({"StartAt": "Go", "States": {"Go": {
            "Type": "Task", "End": True, "Resource": "arn:aws:states:::states:startExecution",
            "Parameters": {"StateMachineArn": arn, "Input": {}}}}})

    with pytest.raises(GuardrailViolation) as exc:
        sfn.create_state_machine(name="starter", definition=starter(versions["split"]), roleArn=SFN_ROLE)
    assert any(v.path.endswith(f"{ROUTE.format(1)} -> StartExecution.stateMachineArn:{OPEN_AT}") and
               v.found == "Enabled" for v in exc.value.violations), _found(exc)
    sfn.create_state_machine(name="starter", definition=starter(versions["safe"]), roleArn=SFN_ROLE)
    assert safemaker_local.request_count("stepfunctions", "CreateStateMachine") == 2   # the fixture's and this


def test_routing_an_alias_to_an_open_version_is_decided_as_its_executions(safemaker_local, safemaker_session,
                                                                          profile, versions):
    """CreateStateMachineAlias / UpdateStateMachineAlias were listed as starting nothing: they decide which version
    every later execution of the alias (a schedule decided earlier among them) runs."""
    safemaker.install_process(profile)
    sfn = safemaker_session.client("stepfunctions", config=ONE_ATTEMPT)
    with pytest.raises(GuardrailViolation) as exc:
        sfn.create_state_machine_alias(name="next", routingConfiguration=[
            {"stateMachineVersionArn": versions["v1"], "weight": 90},
            {"stateMachineVersionArn": versions["v2"], "weight": 10}])
    assert (f"routingConfiguration[1].stateMachineVersionArn -> StartExecution.stateMachineArn:{OPEN_AT}",
            "Enabled") in _found(exc)
    assert all(v.path.startswith("routingConfiguration[1].") for v in exc.value.violations)
    with pytest.raises(GuardrailViolation) as exc:
        sfn.update_state_machine_alias(stateMachineAliasArn=versions["safe"], routingConfiguration=[
            {"stateMachineVersionArn": versions["v2"], "weight": 100}])
    assert (f"routingConfiguration[0].stateMachineVersionArn -> StartExecution.stateMachineArn:{OPEN_AT}",
            "Enabled") in _found(exc)
    assert safemaker_local.request_count("stepfunctions", "CreateStateMachineAlias") == 2   # the fixture's
    assert safemaker_local.request_count("stepfunctions", "UpdateStateMachineAlias") == 0
    routes = sfn.describe_state_machine_alias(stateMachineAliasArn=versions["safe"])["routingConfiguration"]
    assert [r["stateMachineVersionArn"] for r in routes] == [versions["v1"]]
    # a version that cannot be described cannot be verified
    with pytest.raises(GuardrailViolation) as exc:
        sfn.update_state_machine_alias(stateMachineAliasArn=versions["safe"], routingConfiguration=[
            {"stateMachineVersionArn": versions["machine"] + ":9", "weight": 100}])
    assert [(v.path, v.rule_id) for v in exc.value.violations] == [
        ("routingConfiguration[0].stateMachineVersionArn -> StartExecution.stateMachineArn", "SM-REFERENCE")]
    # closed versions, and a description-only update, are sent
    sfn.create_state_machine_alias(name="next", routingConfiguration=[
        {"stateMachineVersionArn": versions["v1"], "weight": 100}])
    sfn.update_state_machine_alias(stateMachineAliasArn=versions["split"], description="d")
    sfn.update_state_machine_alias(stateMachineAliasArn=versions["split"], routingConfiguration=[
        {"stateMachineVersionArn": versions["v1"], "weight": 100}])
    assert safemaker_local.request_count("stepfunctions", "CreateStateMachineAlias") == 3
    assert safemaker_local.request_count("stepfunctions", "UpdateStateMachineAlias") == 2
    # the split alias now routes to version 1 only: its execution is sent
    send(sfn.start_execution, stateMachineArn=versions["split"])
    assert safemaker_local.request_count("stepfunctions", "StartExecution") == 1
