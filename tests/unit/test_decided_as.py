"""The one table of requests decided as the request they make run (:mod:`safemaker.decided_as`), and that every
operation the hooks decide specially is known to the carriers' dispatch (trial 15 F03).

A SageMaker ``UpdatePipelineVersion`` adding an alias was decided by the hook alone (a branch on its name): a Step
Functions task, a Scheduler universal target or an Automation step making the same call read only the rule table and
:data:`safemaker.other_services.DECIDED_OPERATIONS`, and sent it. These tests fail when such a branch comes back:

- every entry of the table is an operation of botocore's models, with the members it maps (the oracle: botocore);
- every entry is read by the carriers' dispatch: a SageMaker one by :func:`safemaker.iac._request.decided_as_requests`
  (the state machine, schedule and runbook readers' requests, what ``safemaker check`` and the process guard decide),
  another service's by :data:`~safemaker.other_services.DECIDED_OPERATIONS` (its client's handler and the carriers'
  reader);
- every operation name the direct-only code (:mod:`safemaker.hooks`, :mod:`safemaker.process`) compares a request's
  operation with is botocore's and known to the carriers' dispatch.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import botocore.session
import pytest

import safemaker
from safemaker.decided_as import DECIDED_AS, SAGEMAKER_DECIDED_AS, started_request
from safemaker.iac import stack_calls
from safemaker.other_services import DECIDED_OPERATIONS
from safemaker.rules import RULES
from safemaker.rules_classification import classify

from _profiles import make_profile

SESSION = botocore.session.get_session()
SRC = Path(safemaker.__file__).parent
ENTRIES = sorted(DECIDED_AS)

SHARED_WITH_CARRIERS = {
    "StartPipelineExecution": "its execution's references (SelectiveExecutionConfig) are followed by "
                              "Guard._check_references, which a carrier's start runs too "
                              "(Guard._pipeline_start_violations)",
}
"""SageMaker operations of the rule table the hook's code names, and why a carrier's call of them is decided by the
same code. Any other name compared there must be in safemaker.decided_as.DECIDED_AS (or a carrier-read table)."""


def _input(service, operation):
    return SESSION.get_service_model(service).operation_model(operation).input_shape


@pytest.mark.parametrize("key", ENTRIES, ids=[f"{s}:{o}" for s, o in ENTRIES])
def test_each_entry_is_botocores_with_the_members_it_maps(key):
    entry = DECIDED_AS[key]
    assert (entry.service, entry.operation) == key
    assert entry.operation in SESSION.get_service_model(entry.service).operation_names
    assert entry.started in SESSION.get_service_model(entry.started_service).operation_names
    given, started = _input(entry.service, entry.operation), _input(entry.started_service, entry.started)
    assert set(entry.members.values()) <= set(given.members), key
    assert set(entry.members) <= set(started.members), key
    # what the started request requires, this request gives (an idempotency token botocore fills in)
    required = {m for m in started.required_members if not started.members[m].metadata.get("idempotencyToken")}
    assert required <= set(entry.members), key
    shape = given
    for member in entry.when:
        shape = shape.members[member]
    assert entry.when == () or shape.type_name == "list", key


def _list_members(shape, path=(), seen=frozenset()):
    """Every list member below ``shape``: ``(path, list shape)``."""
    if shape.type_name == "structure" and shape.name not in seen:
        for name, member in shape.members.items():
            if member.type_name == "list":
                yield path + (name,), member
            yield from _list_members(member, path + (name,), seen | {shape.name})
    elif shape.type_name == "list":
        yield from _list_members(shape.member, path, seen)
    elif shape.type_name == "map":
        yield from _list_members(shape.value, path, seen)


def test_every_member_that_gives_a_pipeline_version_an_alias_is_an_entry():
    """The oracle is botocore's sagemaker model: a list of the shape ``StartPipelineExecution.PipelineVersionAlias``
    names a version by ("The alias of the pipeline version to start the execution from") in a request, documented as
    aliases to assign or add (not to remove), puts an alias on a version that every start of the alias then runs; each
    such member is the ``when`` of an entry decided as that start (trial 15c F01: ``UpdatePipeline`` and
    ``CreatePipeline.PipelineVersionAliases`` were not). A member botocore adds later fails here until it is one."""
    model = SESSION.get_service_model("sagemaker")
    alias = model.operation_model("StartPipelineExecution").input_shape.members["PipelineVersionAlias"]
    assert "alias of the pipeline version to start the execution from" in alias.documentation
    giving, removing = set(), set()
    for operation in model.operation_names:
        if model.operation_model(operation).input_shape is None:
            continue
        for path, shape in _list_members(model.operation_model(operation).input_shape):
            if shape.member.name != alias.name:
                continue
            doc = " ".join(shape.documentation.split()).lower()
            if "aliases to remove" in doc:
                removing.add((operation, path))
            else:
                assert "aliases to assign" in doc or "aliases to add" in doc, (operation, path, doc)
                giving.add((operation, path))
    assert {("CreatePipeline", ("PipelineVersionAliases",)), ("UpdatePipeline", ("PipelineVersionAliases",)),
            ("UpdatePipelineVersion", ("PipelineVersionAliasOperations", "Add"))} <= giving   # the scan reads them
    assert removing == {("UpdatePipelineVersion", ("PipelineVersionAliasOperations", "Remove"))}
    entries = {(e.operation, e.when) for e in DECIDED_AS.values()
               if e.service == "sagemaker" and e.started == "StartPipelineExecution"}
    assert entries == giving
    for operation, _path in giving:
        entry = DECIDED_AS["sagemaker", operation]
        # a request that makes the version (a pipeline definition member) is decided from its own definition
        makes = RULES.get(operation) is not None and RULES[operation].definition is not None
        assert (entry.definition is not None) == makes, operation
        assert entry.definition is None or entry.definition in _input("sagemaker", operation).members


@pytest.mark.parametrize("key", ENTRIES, ids=[f"{s}:{o}" for s, o in ENTRIES])
def test_each_entry_is_known_to_the_direct_hook_and_the_carriers(key):
    service, operation = key
    if service == "sagemaker":
        # the hook looks it up first; on its own it is classified (what it does when it re-points nothing)
        assert operation in SAGEMAKER_DECIDED_AS
        assert classify(operation) is not None
    else:
        # its client gets the other-service handler, and the carriers' reader reads its calls
        from safemaker.iac.sdk_calls import reads_call

        assert operation in DECIDED_OPERATIONS[service]
        assert reads_call(service, operation)


def _request_of(entry):
    """A request that re-points: each member mapped given, the list that re-points holding one element."""
    request: dict = {given: "1" for given in entry.members.values()}
    if entry.when:
        inner: object = ["prod"]
        for member in reversed(entry.when[1:]):
            inner = {member: inner}
        request[entry.when[0]] = inner
    if entry.definition is not None:   # the version it makes, with a parameter a start may give a value
        request[entry.definition] = json.dumps({"Version": "2020-12-01", "Steps": [], "Parameters": [
            {"Name": "Subnet", "Type": "String", "DefaultValue": "subnet-0aaaaaaaaaaaaaaaa"}]})
    return request


SAGEMAKER_ENTRIES = [k for k in ENTRIES if k[0] == "sagemaker"]


@pytest.mark.parametrize("key", SAGEMAKER_ENTRIES, ids=[o for _, o in SAGEMAKER_ENTRIES])
def test_each_carrier_reader_dispatches_a_sagemaker_entry_as_the_hook_decides_it(key):
    """The state machine, schedule and runbook readers read the call; the process guard's decision of the carrier
    (:func:`safemaker.iac.service_calls.service_call_decision`) hands it on as the call itself, which the hook decides
    as it decides the call sent directly (``Guard._started_violations``); ``safemaker check`` reports it."""
    from safemaker.iac import decide_requests
    from safemaker.iac._document import parse_text
    from safemaker.iac.cloudformation import template_requests
    from safemaker.iac.service_calls import service_call_decision

    entry = DECIDED_AS[key]
    request = _request_of(entry)
    start = started_request(*key, request)
    assert start is not None and start[1:3] == (entry.started_service, entry.started)
    action = key[1][0].lower() + key[1][1:]
    machine = json.dumps({"StartAt": "S", "States": {"S": {
        "Type": "Task", "End": True, "Parameters": request, "Resource": f"arn:aws:states:::aws-sdk:sagemaker:{action}"}}})
    target = {"Arn": f"arn:aws:scheduler:::aws-sdk:sagemaker:{action}", "Input": json.dumps(request)}
    runbook = {"schemaVersion": "0.3", "mainSteps": [{"name": "a", "action": "aws:executeAwsApi",
                                                      "inputs": {"Service": "sagemaker", "Api": key[1], **request}}]}
    template = {"Resources": {
        "Machine": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {"DefinitionString": machine}},
        "Sched": {"Type": "AWS::Scheduler::Schedule", "Properties": {"Target": target}},
        "Doc": {"Type": "AWS::SSM::Document", "Properties": {"DocumentType": "Automation", "Content": runbook}},
    }}
    read = template_requests(parse_text(json.dumps(template), "t.json"), {})
    assert sorted((r.logical_id, r.operation) for r in read) == [(i, key[1]) for i in ("Doc", "Machine", "Sched")]
    profile = make_profile()
    assert {(f.resource_name, f.status) for f in decide_requests(read, profile)} == {
        (i, "UNKNOWN") for i in ("Doc", "Machine", "Sched")}
    for service, operation, params in (
            ("stepfunctions", "CreateStateMachine", {"name": "m", "definition": machine, "roleArn": "r"}),
            ("scheduler", "CreateSchedule", {"Name": "s", "Target": target}),
            ("ssm", "CreateDocument", {"Name": "d", "DocumentType": "Automation", "Content": json.dumps(runbook)})):
        violations, starts = service_call_decision(service, operation, params, profile)
        assert list(violations) == [], (service, operation)
        assert [(s, op, req) for _path, s, op, req in starts] == [("sagemaker", key[1], request)], service


def _compared_operations(path):
    """Every string an ``operation`` name is compared with in the module at ``path`` (``==``, ``in`` a literal or a
    module-level literal set), with its line."""
    tree = ast.parse(path.read_text())
    constants = {t.id: node.value for node in tree.body if isinstance(node, (ast.Assign, ast.AnnAssign))
                 for t in (node.targets if isinstance(node, ast.Assign) else [node.target]) if isinstance(t, ast.Name)
                 and node.value is not None}

    def strings(n):
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            return {n.value}
        if isinstance(n, (ast.Tuple, ast.List, ast.Set)):
            return set().union(set(), *(strings(e) for e in n.elts))
        if isinstance(n, ast.Call) and getattr(n.func, "id", None) in ("frozenset", "set", "tuple"):
            return set().union(set(), *(strings(a) for a in n.args))
        if isinstance(n, ast.Name) and n.id in constants:
            return strings(constants[n.id])
        return set()

    def names_operation(n):
        return (isinstance(n, ast.Name) and n.id in ("operation", "operation_name", "op")) or \
            (isinstance(n, ast.Tuple) and any(names_operation(e) for e in n.elts))

    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(names_operation(s) for s in (node.left, *node.comparators)):
            for side in (node.left, *node.comparators):
                for value in strings(side):
                    found.setdefault(value, node.lineno)
    return found


def test_every_operation_the_direct_code_decides_by_name_is_known_to_the_carriers():
    services = {"sagemaker", "cloudformation", *DECIDED_OPERATIONS}
    botocore_ops = {op: s for s in sorted(services) for op in SESSION.get_service_model(s).operation_names}
    carried = ({op for _, op in DECIDED_AS} | set(stack_calls.DECIDED_OPERATIONS)
               | {op for ops in DECIDED_OPERATIONS.values() for op in ops} | set(SHARED_WITH_CARRIERS))
    seen = {}
    for module in ("hooks.py", "process.py"):
        for name, line in _compared_operations(SRC / module).items():
            if name in services:
                continue   # a service name compared in the same tuple
            seen[name] = f"{module}:{line}"
    assert seen, "the scan found no operation name: it no longer reads the hook's branches"
    unknown = {n: at for n, at in seen.items() if n not in botocore_ops}
    assert unknown == {}, f"not an operation of botocore's models (a dead branch?): {unknown}"
    forgotten = {n: at for n, at in seen.items() if n not in carried}
    assert forgotten == {}, ("decided by name in the direct-only code but unknown to the carriers' dispatch: add it to "
                             f"safemaker.decided_as.DECIDED_AS (or the table its service's carriers read): {forgotten}")
    assert set(SHARED_WITH_CARRIERS) <= set(RULES)


def test_the_scan_finds_a_branch_like_the_one_trial_15_f03_found(tmp_path):
    hooks = tmp_path / "hooks.py"
    hooks.write_text('def f(operation, params):\n    if operation == "UpdatePipelineVersion" and params:\n'
                     '        return 1\n    if operation in _OPS:\n        return 2\n'
                     '_OPS = frozenset({"ExecuteChangeSet"})\n')
    assert _compared_operations(hooks) == {"UpdatePipelineVersion": 2, "ExecuteChangeSet": 4}
