"""A pipeline version alias moved under state machines and runbooks that start it with values of their own (trial 16
F03).

Session 15 decides an alias move (``UpdatePipelineVersion`` ``Add``; ``CreatePipeline`` / ``UpdatePipeline`` with
``PipelineVersionAliases``) again under each EventBridge Scheduler schedule's ``PipelineParameters``. A Step Functions
task ``arn:aws:states:::aws-sdk:sagemaker:startPipelineExecution`` (its ``Parameters`` / ``Arguments`` are the
request: Developer Guide, "AWS SDK service integrations") or an Automation ``aws:executeAwsApi`` step (``Service``
``sagemaker``, ``Api`` ``StartPipelineExecution``, its other inputs the request) with the same literal values starts
the moved alias the same way at every later run, and was not read: the move was sent. Now the account's state machines
(``ListStateMachines``, ``DescribeStateMachine``; each published version: ``ListStateMachineVersions``, trial 16b F03)
and Automation runbooks (``ListDocuments`` of type Automation owned by the account, ``ListDocumentVersions``,
``GetDocument`` of each version) are read when a start's values may decide the version (it declares ``Parameters``;
for a version the request makes, under ``allow_pipeline_network_parameters``), by the readers ``safemaker check`` uses.
Values from the carrier's input (``.$``, JSONata, ``{{ }}``) are decided when it runs, as before.

Real botocore clients against moto on 127.0.0.1 (real HTTP): moto keeps state machines and SSM documents and answers
these reads, but enforces no IAM, so a refused ``ListStateMachines`` / ``ListDocuments`` is answered by botocore's
Stubber on the guard's own client. Oracle: the direct ``start_pipeline_execution`` of the same version with the same
values (botocore sagemaker ``StartPipelineExecution.PipelineVersionAlias`` / ``PipelineParameters``).
"""

from __future__ import annotations

import json

import pytest
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber

import safemaker
from safemaker.errors import GuardrailViolation

from _other_services import send
from test_process_guard_alias_schedules import (ACCOUNT, ARN, NO_RETRY, OPEN_VALUES, OPENABLE, SUB_X,  # noqa: F401
                                                _definition, _give, _move, versions)
from _profiles import SUB_A

SFN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/sfn"
START = "arn:aws:states:::aws-sdk:sagemaker:startPipelineExecution"


def _raw(safemaker_local, service):
    from safemaker.local import LocalSession

    return LocalSession(safemaker_local.endpoint_url, region_name="us-east-1").client(service)


def _machine(safemaker_local, request, name="sm", member="Parameters", jsonata=False):
    """A state machine made before the guard whose one task starts the pipeline with ``request``."""
    top = {"QueryLanguage": "JSONata"} if jsonata else {}
    definition = {**top, "StartAt": "S", "States": {"S": {"Type": "Task", "Resource": START, "End": True,
                                                          member: request}}}
    _raw(safemaker_local, "stepfunctions").create_state_machine(name=name, roleArn=SFN_ROLE,
                                                                definition=json.dumps(definition))


def _runbook(safemaker_local, request, name="runbook", parameters=None):
    """An Automation runbook made before the guard whose one step starts the pipeline with ``request`` (``parameters``:
    the runbook's ``parameters`` declarations)."""
    content = {"schemaVersion": "0.3", "mainSteps": [{"name": "start", "action": "aws:executeAwsApi", "inputs": {
        "Service": "sagemaker", "Api": "StartPipelineExecution", **request}}]}
    if parameters is not None:
        content["parameters"] = parameters
    _raw(safemaker_local, "ssm").create_document(Name=name, DocumentType="Automation", DocumentFormat="JSON",
                                                 Content=json.dumps(content))


def _reads(safemaker_local, versions=False):
    return {op: safemaker_local.request_count(service, op) for service, op in (
        ("stepfunctions", "ListStateMachines"), ("stepfunctions", "DescribeStateMachine"),
        ("ssm", "ListDocuments"), ("ssm", "GetDocument"),
        *((("stepfunctions", "ListStateMachineVersions"), ("ssm", "ListDocumentVersions")) if versions else ()))}


def _below(violations, at):
    return sorted((v.path.split(at, 1)[1], v.rule_id, repr(v.found)) for v in violations if at in v.path)


OPEN_START = {"PipelineName": "p", "PipelineVersionAlias": "prod", "PipelineParameters": OPEN_VALUES}


@pytest.mark.parametrize("carrier, label", [
    ("state machine", "state machine sm (definition:States.S.Parameters)"),
    ("jsonata", "state machine sm (definition:States.S.Arguments)"),
    ("runbook", "Automation runbook runbook (Content:mainSteps[0].inputs)"),
])
@pytest.mark.parametrize("openable", [True, False], ids=["relaxed", "strict"])
def test_moving_the_alias_onto_a_version_a_carrier_opens_is_refused(safemaker_local, safemaker_session, profile,
                                                                    profile_factory, versions, carrier, label,
                                                                    openable):
    # version 2 (made before the guard) takes its subnet from a parameter: whether it runs closed is each start's
    # values' to say, with or without the relaxation (a direct start with these values is refused either way)
    if carrier == "runbook":
        _runbook(safemaker_local, OPEN_START)
    else:
        _machine(safemaker_local, OPEN_START, member="Arguments" if carrier == "jsonata" else "Parameters",
                 jsonata=carrier == "jsonata")
    safemaker.install_process(profile_factory(**OPENABLE) if openable else profile)
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    with pytest.raises(GuardrailViolation) as direct:   # the oracle: the start the carrier's next run makes
        sm.start_pipeline_execution(PipelineName="p", PipelineVersionId=2, PipelineParameters=OPEN_VALUES)
    with pytest.raises(GuardrailViolation) as exc:
        _move(sm)
    assert safemaker_local.request_count("sagemaker", "UpdatePipelineVersion") == 0
    at = f"PipelineVersionAliasOperations.Add ('prod' -> version 2) with the parameters of {label} -> " \
         "StartPipelineExecution."
    assert _below(exc.value.violations, at) == sorted((v.path, v.rule_id, repr(v.found))
                                                      for v in direct.value.violations)
    assert SUB_X in [v.found for v in exc.value.violations]


@pytest.mark.parametrize("carrier", ["state machine", "runbook"])
def test_giving_the_alias_to_a_new_version_a_carrier_opens_is_refused(safemaker_local, safemaker_session,
                                                                      profile_factory, versions, carrier):
    (_runbook if carrier == "runbook" else _machine)(safemaker_local, OPEN_START)
    safemaker.install_process(profile_factory(**OPENABLE))
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    sent = safemaker_local.request_count("sagemaker", "UpdatePipeline")
    with pytest.raises(GuardrailViolation) as exc:
        _give(sm, "UpdatePipeline", _definition({"Get": "Parameters.Subnet"}))
    assert safemaker_local.request_count("sagemaker", "UpdatePipeline") == sent
    assert SUB_X in [v.found for v in exc.value.violations]


def test_the_move_is_sent_when_no_carrier_gives_the_alias_open_values(safemaker_local, safemaker_session,
                                                                      profile_factory, versions):
    closed = [{"Name": "Subnet", "Value": SUB_A}]
    for i, request in enumerate((
            {"PipelineName": "p", "PipelineVersionAlias": "prod", "PipelineParameters": closed},
            {"PipelineName": "p", "PipelineVersionAlias": "beta", "PipelineParameters": OPEN_VALUES},
            {"PipelineName": "q", "PipelineVersionAlias": "prod", "PipelineParameters": OPEN_VALUES},
            {"PipelineName": "p", "PipelineParameters": OPEN_VALUES},   # the latest version: not the alias
            {"PipelineName": "p", "PipelineVersionAlias": "prod"})):   # its defaults
        _machine(safemaker_local, request, name=f"sm{i}")
        _runbook(safemaker_local, request, name=f"runbook{i}")
    safemaker.install_process(profile_factory(**OPENABLE))
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    send(_move, sm=sm)
    assert safemaker_local.request_count("sagemaker", "UpdatePipelineVersion") == 1
    assert _reads(safemaker_local) == {"ListStateMachines": 1, "DescribeStateMachine": 5, "ListDocuments": 1,
                                       "GetDocument": 5}


@pytest.mark.parametrize("carrier, request_", [
    ("state machine", {"PipelineName": "p", "PipelineVersionAlias": "prod", "PipelineParameters.$": "$.values"}),
    ("state machine", {"PipelineName": "p", "PipelineVersionAlias.$": "$.alias", "PipelineParameters": OPEN_VALUES}),
    ("state machine", {"PipelineName.$": "$.name", "PipelineVersionAlias": "prod", "PipelineParameters": OPEN_VALUES}),
    ("runbook", {"PipelineName": "p", "PipelineVersionAlias": "{{ Alias }}", "PipelineParameters": OPEN_VALUES}),
    ("runbook", {"PipelineName": "p", "PipelineVersionAlias": "prod",
                 "PipelineParameters": [{"Name": "Subnet", "Value": "{{ Subnet }}"}]}),
], ids=["sfn-parameters-from-input", "sfn-alias-from-input", "sfn-name-from-input", "ssm-alias-parameter",
        "ssm-value-parameter"])
def test_values_from_the_carrier_s_input_are_decided_when_it_runs(safemaker_local, safemaker_session,
                                                                  profile_factory, versions, carrier, request_):
    # docs/hooks.md: a task or step starting the alias with values from its input is decided when it is itself sent
    (_runbook if carrier == "runbook" else _machine)(safemaker_local, request_)
    safemaker.install_process(profile_factory(**OPENABLE))
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    send(_move, sm=sm)
    assert safemaker_local.request_count("sagemaker", "UpdatePipelineVersion") == 1


def test_literal_values_beside_values_from_the_input_are_decided(safemaker_local, safemaker_session,
                                                                 profile_factory, versions):
    _machine(safemaker_local, {"PipelineName": "p", "PipelineVersionAlias": "prod", "ClientRequestToken.$":
                               "$$.Execution.Name", "PipelineParameters": [
                                   {"Name": "Subnet", "Value": SUB_X}, {"Name": "Other", "Value.$": "$.other"}]})
    safemaker.install_process(profile_factory(**OPENABLE))
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    with pytest.raises(GuardrailViolation) as exc:
        _move(sm)
    assert SUB_X in [v.found for v in exc.value.violations]


@pytest.mark.parametrize("service, listing, permissions", [
    ("stepfunctions", "list_state_machines",
     "states:ListStateMachines, states:ListStateMachineVersions and states:DescribeStateMachine"),
    ("ssm", "list_documents", "ssm:ListDocuments, ssm:ListDocumentVersions and ssm:GetDocument"),
])
def test_carriers_that_cannot_be_read_make_the_move_unverifiable(safemaker_local, safemaker_session,
                                                                 profile_factory, versions, service, listing,
                                                                 permissions):
    guard = safemaker.install_process(profile_factory(**OPENABLE))
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    with Stubber(guard._other_client(sm, service)) as stub:   # moto does not enforce IAM
        stub.add_client_error(listing, "AccessDeniedException", f"not authorized: {permissions.split()[0]}")
        with pytest.raises(GuardrailViolation) as exc:
            _move(sm)
    assert [(v.rule_id, v.path) for v in exc.value.violations] == [
        ("SM-REFERENCE", "PipelineVersionAliasOperations.Add ('prod' -> version 2)")]
    assert permissions in str(exc.value)
    assert safemaker_local.request_count("sagemaker", "UpdatePipelineVersion") == 0


def test_a_definition_the_reader_cannot_read_makes_the_move_unverifiable(safemaker_local, safemaker_session,
                                                                         profile_factory, versions):
    # a key given twice: which value Step Functions uses is not the guard's to guess (issue 13)
    text = '{"StartAt": "S", "StartAt": "T", "States": {"S": {"Type": "Pass", "End": true}}}'
    _raw(safemaker_local, "stepfunctions").create_state_machine(name="dup", roleArn=SFN_ROLE, definition=text)
    safemaker.install_process(profile_factory(**OPENABLE))
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    with pytest.raises(GuardrailViolation) as exc:
        _move(sm)
    assert [(v.rule_id, v.path) for v in exc.value.violations] == [
        ("SM-REFERENCE", "PipelineVersionAliasOperations.Add ('prod' -> version 2) with state machine dup")]


def test_no_reads_when_values_cannot_decide(safemaker_local, safemaker_session, profile, versions):
    _machine(safemaker_local, OPEN_START)
    _runbook(safemaker_local, OPEN_START)
    safemaker.install_process(profile)
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    # without the relaxation, a version the request makes has no parameter in a guarded field (else its rule refuses
    # it): a start's values decide nothing the defaults do not
    sm.update_pipeline(PipelineName="p", PipelineDefinition=_definition(SUB_A), PipelineVersionAliases=["prod"])
    # an existing version declaring no parameters: likewise
    plain = json.loads(_definition(SUB_A))
    del plain["Parameters"]
    sm.update_pipeline(PipelineName="p", PipelineDefinition=json.dumps(plain))
    send(sm.update_pipeline_version, PipelineArn=ARN, PipelineVersionId=4,
         PipelineVersionAliasOperations={"Add": ["prod"]})
    assert safemaker_local.request_count("sagemaker", "UpdatePipelineVersion") == 1
    assert _reads(safemaker_local) == {"ListStateMachines": 0, "DescribeStateMachine": 0, "ListDocuments": 0,
                                       "GetDocument": 0}


@pytest.mark.parametrize("carrier", ["state machine", "runbook"])
def test_a_new_latest_version_a_carrier_opens_is_refused(safemaker_local, safemaker_session, profile_factory,
                                                          versions, carrier):
    # a start naming no version runs the latest: a plain UpdatePipeline accepted only by the relaxation is decided
    # under the carrier's values too, as under a schedule's (session 16)
    latest = {"PipelineName": "p", "PipelineParameters": OPEN_VALUES}
    (_runbook if carrier == "runbook" else _machine)(safemaker_local, latest)
    safemaker.install_process(profile_factory(**OPENABLE))
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    sent = safemaker_local.request_count("sagemaker", "UpdatePipeline")
    with pytest.raises(GuardrailViolation) as exc:
        sm.update_pipeline(PipelineName="p", PipelineDefinition=_definition({"Get": "Parameters.Subnet"}))
    assert safemaker_local.request_count("sagemaker", "UpdatePipeline") == sent
    assert SUB_X in [v.found for v in exc.value.violations]
    # a closed definition (no parameter in a guarded field): nothing read, sent
    reads = _reads(safemaker_local)
    sm.update_pipeline(PipelineName="p", PipelineDefinition=_definition(SUB_A))
    assert _reads(safemaker_local) == reads


# ---- values written in the carrier that are not plain literals (trial 16b F05)
# Oracles: Step Functions Developer Guide, "Transforming data with JSONata in Step Functions"
# (https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html: "{% <JSONata expression> %}", a string
# literal is a constant; $states.input is the state's input); "Intrinsic functions for JSONPath states in Step
# Functions" (https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html: "Value.$":
# "States.Format('...{}', ...)", each {} replaced by the positional argument); Systems Manager User Guide, "Data
# elements and parameters" (https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-doc-syntax.html:
# parameters.<name>.default, used when the execution gives no value, as an EventBridge rule target or a schedule
# without Input); the direct start_pipeline_execution with the value the carrier sends.

def _start(value, member="Value", **top):
    return {"PipelineName": "p", "PipelineVersionAlias": "prod", **top,
            "PipelineParameters": [{"Name": "Subnet", member: value}]}


_WRITTEN = [
    ("state machine", _start("{% '" + SUB_X + "' %}"), True, None),
    ("state machine", _start('{% "' + SUB_X + '" %}'), True, None),
    ("state machine", _start("States.Format('subnet-{}', '" + SUB_X.split("-")[1] + "')", member="Value.$"), False,
     None),
    ("state machine", _start("States.Format('{}', States.Format('subnet-{}', '" + SUB_X.split("-")[1] + "'))",
                             member="Value.$"), False, None),
    ("runbook", _start("{{ Subnet }}"), False, {"Subnet": {"type": "String", "default": SUB_X}}),
    ("runbook", _start("subnet-{{ Suffix }}"), False, {"Suffix": {"type": "String",
                                                                  "default": SUB_X.split("-")[1]}}),
    # an alias the guard cannot evaluate may be the one moved: decided under the values written beside it
    ("state machine", _start(SUB_X, PipelineVersionAlias="{% $alias %}"), True, None),
]


@pytest.mark.parametrize("carrier, request_, jsonata, parameters", _WRITTEN, ids=[
    "jsonata-single-quoted", "jsonata-double-quoted", "intrinsic-format", "intrinsic-nested", "runbook-default",
    "runbook-default-inside-a-string", "jsonata-alias-variable"])
def test_a_constant_written_otherwise_than_as_a_literal_is_decided(safemaker_local, safemaker_session,
                                                                   profile_factory, versions, carrier, request_,
                                                                   jsonata, parameters):
    if carrier == "runbook":
        _runbook(safemaker_local, request_, parameters=parameters)
    else:
        _machine(safemaker_local, request_, member="Arguments" if jsonata else "Parameters", jsonata=jsonata)
    safemaker.install_process(profile_factory(**OPENABLE))
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    with pytest.raises(GuardrailViolation) as direct:   # the start the carrier's next run makes
        sm.start_pipeline_execution(PipelineName="p", PipelineVersionId=2, PipelineParameters=OPEN_VALUES)
    with pytest.raises(GuardrailViolation) as exc:
        _move(sm)
    assert safemaker_local.request_count("sagemaker", "UpdatePipelineVersion") == 0
    label = "Automation runbook runbook (Content:mainSteps[0].inputs)" if carrier == "runbook" else \
        f"state machine sm (definition:States.S.{'Arguments' if jsonata else 'Parameters'})"
    at = f"PipelineVersionAliasOperations.Add ('prod' -> version 2) with the parameters of {label} -> " \
         "StartPipelineExecution."
    assert _below(exc.value.violations, at) == sorted((v.path, v.rule_id, repr(v.found))
                                                      for v in direct.value.violations)


@pytest.mark.parametrize("carrier, request_, jsonata, parameters", [
    ("state machine", _start("{% '" + SUB_A + "' %}"), True, None),   # a closed literal
    ("state machine", _start("{% $states.input.subnet %}"), True, None),
    ("state machine", _start("{% $states.context.Execution.Input.subnet %}"), True, None),
    ("state machine", _start("$$.Execution.Input.subnet", member="Value.$"), False, None),
    ("state machine", _start("States.Format('{}', '" + SUB_A + "')", member="Value.$"), False, None),
    ("runbook", _start("{{ Subnet }}"), False, {"Subnet": {"type": "String"}}),   # no default: given by the start
    ("runbook", _start("{{ Subnet }}"), False, {"Subnet": {"type": "String", "default": SUB_A}}),
    ("state machine", _start(SUB_A, PipelineVersionAlias="{% $alias %}"), True, None),
], ids=["jsonata-closed-literal", "jsonata-input", "jsonata-execution-input", "jsonpath-execution-input",
        "intrinsic-closed", "runbook-no-default", "runbook-closed-default", "jsonata-alias-variable-closed"])
def test_closed_constants_and_input_values_are_sent(safemaker_local, safemaker_session, profile_factory, versions,
                                                    carrier, request_, jsonata, parameters):
    if carrier == "runbook":
        _runbook(safemaker_local, request_, parameters=parameters)
    else:
        _machine(safemaker_local, request_, member="Arguments" if jsonata else "Parameters", jsonata=jsonata)
    safemaker.install_process(profile_factory(**OPENABLE))
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    send(_move, sm=sm)
    assert safemaker_local.request_count("sagemaker", "UpdatePipelineVersion") == 1


@pytest.mark.parametrize("carrier, request_, jsonata, parameters, found", [
    ("state machine", _start("{% $subnet %}"), True, None, "{% $subnet %}"),   # a variable
    ("state machine", _start("{% 'subnet-' & 'abc' %}"), True, None, "{% 'subnet-' & 'abc' %}"),
    ("state machine", _start("States.Format('subnet-{}', $.suffix)", member="Value.$"), False, None,
     "States.Format('subnet-{}', $.suffix)"),   # partly from the input: not a reference to it
    ("state machine", _start("$$.State.Name", member="Value.$"), False, None, "$$.State.Name"),   # the context
    ("state machine", _start("States.UUID()", member="Value.$"), False, None, "States.UUID()"),
    ("runbook", _start("{{ lookup.Subnet }}"), False, None, "{{ lookup.Subnet }}"),   # a step's output
    ("runbook", _start("{{ automation:EXECUTION_ID }}"), False, None, "{{ automation:EXECUTION_ID }}"),
], ids=["jsonata-variable", "jsonata-concatenation", "intrinsic-over-a-path", "jsonpath-context", "intrinsic-uuid",
        "runbook-step-output", "runbook-variable"])
def test_a_value_the_guard_cannot_evaluate_makes_the_move_unverifiable(safemaker_local, safemaker_session,
                                                                       profile_factory, versions, carrier, request_,
                                                                       jsonata, parameters, found):
    if carrier == "runbook":
        _runbook(safemaker_local, request_, parameters=parameters)
    else:
        _machine(safemaker_local, request_, member="Arguments" if jsonata else "Parameters", jsonata=jsonata)
    safemaker.install_process(profile_factory(**OPENABLE))
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    with pytest.raises(GuardrailViolation) as exc:
        _move(sm)
    assert safemaker_local.request_count("sagemaker", "UpdatePipelineVersion") == 0
    where = "Automation runbook runbook" if carrier == "runbook" else "state machine sm"
    assert [(v.rule_id, v.path, v.found) for v in exc.value.violations] == [
        ("SM-REFERENCE", f"PipelineVersionAliasOperations.Add ('prod' -> version 2) with {where}", found)]
    assert "Cannot verify it" in str(exc.value)


@pytest.mark.parametrize("arguments, found", [
    ("{% {'PipelineName': 'p', 'PipelineVersionAlias': 'prod', 'PipelineParameters': [{'Name': 'Subnet', 'Value': '"
     + SUB_X + "'}]} %}", "a JSONata object"),
    ("{% $merge([$states.input, {'PipelineVersionAlias': 'prod'}]) %}", "an expression over the input"),
    (None, None), ("{% $states.input %}", None),   # the whole request is the input: decided when it runs
], ids=["jsonata-object", "jsonata-merge", "no-arguments", "jsonata-input"])
def test_a_whole_request_computed_by_an_expression_makes_the_move_unverifiable(
        safemaker_local, safemaker_session, profile_factory, versions, arguments, found):
    state = {"Type": "Task", "Resource": START, "End": True}
    if arguments is not None:
        state["Arguments"] = arguments
    _raw(safemaker_local, "stepfunctions").create_state_machine(name="sm", roleArn=SFN_ROLE, definition=json.dumps(
        {"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": state}}))
    safemaker.install_process(profile_factory(**OPENABLE))
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    if found is None:
        send(_move, sm=sm)
        assert safemaker_local.request_count("sagemaker", "UpdatePipelineVersion") == 1
        return
    with pytest.raises(GuardrailViolation) as exc:
        _move(sm)
    assert safemaker_local.request_count("sagemaker", "UpdatePipelineVersion") == 0
    assert [(v.rule_id, v.path, v.found) for v in exc.value.violations] == [
        ("SM-REFERENCE", "PipelineVersionAliasOperations.Add ('prod' -> version 2) with state machine sm", arguments)]


@pytest.mark.parametrize("request_, jsonata, found", [
    (_start("$.subnet", member="Value.$"), False, "$.subnet"),
    (_start("{% $states.input.subnet %}"), True, "{% $states.input.subnet %}"),
    (None, False, "(no Parameters: the state's input)"),   # the whole request is the Pass state's output
    (_start("$$.Execution.Input.subnet", member="Value.$"), False, None),   # the execution's input: when it runs
    (_start("{% $states.context.Execution.Input.subnet %}"), True, None),
], ids=["jsonpath-state-input", "jsonata-state-input", "no-parameters", "jsonpath-execution-input",
        "jsonata-execution-input"])
def test_the_state_input_of_a_later_state_makes_the_move_unverifiable(safemaker_local, safemaker_session,
                                                                      profile_factory, versions, request_, jsonata,
                                                                      found):
    """A state's input is the output of the state before it (Step Functions Developer Guide, "Pass workflow state":
    ``Result`` / ``Output`` is passed to the next state; "Processing input and output"): in a Task after a Pass state
    that writes a foreign subnet, ``$.subnet`` / ``$states.input.subnet`` is that constant, not the execution's input
    (trial 17b F02). Only the first state's input is the execution's; ``$$.Execution.Input`` is in every state."""
    member = "Arguments" if jsonata else "Parameters"
    task = {"Type": "Task", "Resource": START, "End": True}
    if request_ is not None:
        task[member] = request_
    feed = {"Type": "Pass", "Next": "S", **({"Output": {"subnet": SUB_X}} if jsonata else {"Result": {"subnet": SUB_X}})}
    definition = {**({"QueryLanguage": "JSONata"} if jsonata else {}), "StartAt": "P", "States": {"P": feed, "S": task}}
    _raw(safemaker_local, "stepfunctions").create_state_machine(name="sm", roleArn=SFN_ROLE,
                                                                definition=json.dumps(definition))
    safemaker.install_process(profile_factory(**OPENABLE))
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    if found is None:
        send(_move, sm=sm)
        assert safemaker_local.request_count("sagemaker", "UpdatePipelineVersion") == 1
        return
    with pytest.raises(GuardrailViolation) as exc:
        _move(sm)
    assert safemaker_local.request_count("sagemaker", "UpdatePipelineVersion") == 0
    assert [(v.rule_id, v.path, v.found) for v in exc.value.violations] == [
        ("SM-REFERENCE", "PipelineVersionAliasOperations.Add ('prod' -> version 2) with state machine sm", found)]
    assert "not the execution's input" in str(exc.value)


def test_a_value_the_guard_cannot_evaluate_of_another_alias_is_not_read(safemaker_local, safemaker_session,
                                                                        profile_factory, versions):
    # the same expression in a start of another alias or pipeline, or one giving no parameters: not this move's
    _machine(safemaker_local, _start("{% $subnet %}", PipelineVersionAlias="beta"), name="sm0", jsonata=True,
             member="Arguments")
    _machine(safemaker_local, _start("{% $subnet %}", PipelineName="q"), name="sm1", jsonata=True,
             member="Arguments")
    _machine(safemaker_local, {"PipelineName": "{% $name %}", "PipelineVersionAlias": "prod"}, name="sm2",
             jsonata=True, member="Arguments")
    safemaker.install_process(profile_factory(**OPENABLE))
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    send(_move, sm=sm)
    assert safemaker_local.request_count("sagemaker", "UpdatePipelineVersion") == 1


# ---- every version that can be started (trial 16b F03)
# Oracles: Step Functions Developer Guide, "State machine versions and aliases"
# (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-state-machine-version.html: a version is an immutable
# snapshot; StartExecution of a version ARN or of an alias routing to it runs it); botocore stepfunctions
# ListStateMachineVersions ("Lists versions for the specified state machine Amazon Resource Name (ARN)");
# botocore ssm StartAutomationExecution.DocumentVersion ("The version of the Automation runbook to use for this
# execution"), an EventBridge target automation-definition/<name>:$LATEST; ListDocumentVersions ("List all versions
# for a document"), GetDocument.DocumentVersion. moto 5.2.5 has neither list: the local backend's fix
# State-machine-and-runbook-versions-listed answers them from moto's state (docs/local-backend.md).

PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}


def _published_machine(safemaker_local, request, name="sm"):
    """A state machine whose version 1 (alias ``live``) starts the pipeline with ``request``; its latest revision a
    Pass (not published)."""
    sfn = _raw(safemaker_local, "stepfunctions")
    task = {"StartAt": "S", "States": {"S": {"Type": "Task", "Resource": START, "End": True, "Parameters": request}}}
    made = sfn.create_state_machine(name=name, roleArn=SFN_ROLE, definition=json.dumps(task), publish=True)
    sfn.create_state_machine_alias(name="live", routingConfiguration=[
        {"stateMachineVersionArn": made["stateMachineVersionArn"], "weight": 100}])
    sfn.update_state_machine(stateMachineArn=made["stateMachineArn"], definition=json.dumps(PASS))
    assert "startPipelineExecution" not in sfn.describe_state_machine(stateMachineArn=made["stateMachineArn"])[
        "definition"]


def _latest_runbook(safemaker_local, request, name="runbook"):
    """A runbook whose default version 1 sleeps and whose version 2 ($LATEST, not the default; an EventBridge rule
    target automation-definition/runbook:$LATEST runs it) starts the pipeline with ``request``."""
    ssm = _raw(safemaker_local, "ssm")
    sleep = {"schemaVersion": "0.3", "mainSteps": [{"name": "wait", "action": "aws:sleep",
                                                    "inputs": {"Duration": "PT1S"}}]}
    ssm.create_document(Name=name, DocumentType="Automation", DocumentFormat="JSON", Content=json.dumps(sleep))
    start = {"schemaVersion": "0.3", "mainSteps": [{"name": "start", "action": "aws:executeAwsApi", "inputs": {
        "Service": "sagemaker", "Api": "StartPipelineExecution", **request}}]}
    ssm.update_document(Name=name, DocumentVersion="$LATEST", DocumentFormat="JSON", Content=json.dumps(start))
    assert "StartPipelineExecution" not in ssm.get_document(Name=name)["Content"]


@pytest.mark.parametrize("carrier, label", [
    ("state machine version", "state machine sm version 1 (definition:States.S.Parameters)"),
    ("runbook version", "Automation runbook runbook version 2 (Content:mainSteps[0].inputs)"),
])
def test_a_startable_version_that_opens_the_alias_is_refused(safemaker_local, safemaker_session, profile_factory,
                                                             versions, carrier, label):
    (_latest_runbook if carrier == "runbook version" else _published_machine)(safemaker_local, OPEN_START)
    safemaker.install_process(profile_factory(**OPENABLE))
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    with pytest.raises(GuardrailViolation) as direct:   # the start that version's next run makes
        sm.start_pipeline_execution(PipelineName="p", PipelineVersionId=2, PipelineParameters=OPEN_VALUES)
    with pytest.raises(GuardrailViolation) as exc:
        _move(sm)
    assert safemaker_local.request_count("sagemaker", "UpdatePipelineVersion") == 0
    at = f"PipelineVersionAliasOperations.Add ('prod' -> version 2) with the parameters of {label} -> " \
         "StartPipelineExecution."
    assert _below(exc.value.violations, at) == sorted((v.path, v.rule_id, repr(v.found))
                                                      for v in direct.value.violations)


def test_closed_versions_are_read_once_and_the_move_is_sent(safemaker_local, safemaker_session, profile_factory,
                                                            versions):
    closed = {"PipelineName": "p", "PipelineVersionAlias": "prod",
              "PipelineParameters": [{"Name": "Subnet", "Value": SUB_A}]}
    _published_machine(safemaker_local, closed)
    _latest_runbook(safemaker_local, closed)
    _machine(safemaker_local, closed, name="plain")   # no published version
    safemaker.install_process(profile_factory(**OPENABLE))
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    before = _reads(safemaker_local, versions=True)
    send(_move, sm=sm)
    assert safemaker_local.request_count("sagemaker", "UpdatePipelineVersion") == 1
    read = {op: n - before[op] for op, n in _reads(safemaker_local, versions=True).items()}
    # sm: its latest revision and version 1; plain: its latest revision; runbook: versions 1 and 2
    assert read == {"ListStateMachines": 1, "ListStateMachineVersions": 2, "DescribeStateMachine": 3,
                    "ListDocuments": 1, "ListDocumentVersions": 1, "GetDocument": 2}


class _Raw:
    """An HTTP body for :class:`botocore.awsrequest.AWSResponse`."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_kw):
        yield self.body


def _answer(client, operation, status, code, message):
    """Answer ``operation`` on ``client`` (only that one) with an HTTP error, as AWS does for a caller without the
    permission (moto enforces no IAM): botocore parses it as it parses AWS's."""
    body = json.dumps({"__type": code, "message": message}).encode()

    def send_(request, **_kw):
        return AWSResponse(request.url, status, {"Content-Type": "application/x-amz-json-1.0",
                                                 "x-amzn-query-error": f"{code};Sender"}, _Raw(body))

    client.meta.events.register(f"before-send.{client.meta.service_model.service_id.hyphenize()}.{operation}", send_)


@pytest.mark.parametrize("service, operation, status, code, permission", [
    ("stepfunctions", "ListStateMachineVersions", 400, "AccessDeniedException", "states:ListStateMachineVersions"),
    ("stepfunctions", "ListStateMachineVersions", 501, "NotImplemented", "states:ListStateMachineVersions"),
    ("ssm", "ListDocumentVersions", 400, "AccessDeniedException", "ssm:ListDocumentVersions"),
    ("ssm", "GetDocument", 400, "AccessDeniedException", "ssm:GetDocument"),
], ids=["sfn-versions-denied", "sfn-versions-not-implemented", "ssm-versions-denied", "ssm-version-read-denied"])
def test_versions_that_cannot_be_listed_make_the_move_unverifiable(safemaker_local, safemaker_session,
                                                                   profile_factory, versions, service, operation,
                                                                   status, code, permission):
    closed = {"PipelineName": "p", "PipelineVersionAlias": "prod",
              "PipelineParameters": [{"Name": "Subnet", "Value": SUB_A}]}
    (_latest_runbook if service == "ssm" else _published_machine)(safemaker_local, closed)
    guard = safemaker.install_process(profile_factory(**OPENABLE))
    sm = safemaker_session.client("sagemaker", config=NO_RETRY)
    _answer(guard._other_client(sm, service), operation, status, code, f"not authorized: {permission}")
    with pytest.raises(GuardrailViolation) as exc:
        _move(sm)
    assert [(v.rule_id, v.path) for v in exc.value.violations] == [
        ("SM-REFERENCE", "PipelineVersionAliasOperations.Add ('prod' -> version 2)")]
    assert f"allow {'states:ListStateMachines, ' if service == 'stepfunctions' else 'ssm:ListDocuments, '}" \
           in str(exc.value) and permission in str(exc.value)
    assert safemaker_local.request_count("sagemaker", "UpdatePipelineVersion") == 0
