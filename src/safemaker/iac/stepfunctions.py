"""Step Functions state machines (Amazon States Language): each SageMaker task -> its request.

A ``Task`` state whose ``Resource`` is a SageMaker service integration
(``arn:aws:states:::sagemaker:createTrainingJob.sync`` and the other optimized
integrations, or an AWS SDK integration
``arn:aws:states:::aws-sdk:sagemaker:createNotebookInstance``) sends the
request its ``Parameters`` (JSONPath) or ``Arguments`` (JSONata) describe,
with the API's member names. States nested in ``Parallel`` branches and
``Map`` iterators / item processors are included.

A value taken from the state input or context at run time (a key ending in
``.$``, a JSONata ``{% ... %}`` expression) is an
:class:`~safemaker.iac._document.Unresolved` value: cannot be verified before
deployment. Source: Amazon States Language specification
(https://states-language.net/spec.html) and the Step Functions developer guide,
"Create and manage Amazon SageMaker AI jobs with Step Functions".
"""

from __future__ import annotations

import dataclasses

import re
from typing import Any, Iterator, Mapping

from ..guard import format_path
from ..rules import RULES
from ._document import Document, Parts, Unresolved
from ._request import SourceRequest

__all__ = ["is_state_machine", "definition_requests", "task_operation", "apply_substitutions", "single_state_machine",
           "OPTIMIZED_INTEGRATIONS", "integration_parts", "names_sagemaker", "resource_placement"]

OPTIMIZED_INTEGRATIONS = (
    "createEndpoint", "createEndpointConfig", "createHyperParameterTuningJob", "createLabelingJob",
    "createModel", "createProcessingJob", "createTrainingJob", "createTransformJob", "updateEndpoint",
)
"""The SageMaker actions of Step Functions' optimized integration (each with ``.sync`` where it waits)."""

_FIELD = r"(?:[^:${}]|\$\{[^}]*\})*"
"""One field of an ARN as written: no ``:``, or a placeholder filled at deployment (``${AWS::Region}``)."""
_INTEGRATION = re.compile(
    rf":(?P<service>(?i:states|scheduler)):(?P<region>{_FIELD}):(?P<account>{_FIELD}):(?P<rest>.+)$")
"""A Step Functions task ``Resource`` or an EventBridge Scheduler target ``Arn``: the Region and account fields (empty
in the documented ``arn:aws:states:::`` spelling) and what follows them. The service field is matched in any case
(``arn:aws:STATES:::...``, trial 18b F01), as the fields after it are (:data:`_RESOURCE`): a spelling the service
refuses costs nothing, one it accepts is decided (fail closed)."""
_RESOURCE = re.compile(r"(?:(?i:aws-sdk):)?(?i:sagemaker):([A-Za-z0-9]+)(?:\.[A-Za-z]+(?::\d+)?)?")
"""The SageMaker call after the account field: a Step Functions optimized (``sagemaker:createTrainingJob.sync``) or
AWS SDK (``aws-sdk:sagemaker:createNotebookInstance``) integration, or a Scheduler universal target (``aws-sdk``
only); the service name matched in any case and any integration-pattern suffix read (fail closed: a spelling Step
Functions refuses costs nothing, one it accepts is decided)."""
_NAMES_SAGEMAKER = re.compile(r"sagemaker", re.IGNORECASE)


def integration_parts(resource: Any, service: str | None = None) -> tuple[str, str, str] | None:
    """``(region, account, rest)`` of a Step Functions integration ``Resource`` / Scheduler universal target ``Arn``
    (``service``: ``"states"`` or ``"scheduler"``, default either), or ``None``.

    The Step Functions developer guide ("Discover service integration patterns"): "The ``:::`` portion of the value
    denotes empty ``region`` and ``account-id`` fields which are unnecessary because both are inferred from the
    region and account in which the workflow runs". A Resource that fills them
    (``arn:aws:states:us-east-1:123456789012:sagemaker:createTrainingJob.sync``) is read as the same integration, and
    its Region and account are returned for the decision (:func:`safemaker.iac._request.with_task_role`). Any
    partition (``aws``, ``aws-cn``, ``aws-us-gov``, ``${AWS::Partition}``), the service field in any case
    (``STATES``: ``service`` is compared lower-cased). An unresolved resource is read from its text."""
    text = resource.expression if isinstance(resource, Unresolved) else resource
    if not isinstance(text, str):
        return None
    m = _INTEGRATION.search(text)
    if m is None or (service is not None and m.group("service").lower() != service):
        return None
    return m.group("region"), m.group("account"), m.group("rest")


def names_sagemaker(resource: Any, service: str = "states") -> bool:
    """Whether an integration ``Resource`` / target ``Arn`` (:func:`integration_parts`) names SageMaker anywhere
    after its account field (any case): one the readers cannot classify is cannot be verified (fail closed)."""
    parts = integration_parts(resource, service)
    return parts is not None and bool(_NAMES_SAGEMAKER.search(parts[2]))


_PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")


def apply_substitutions(value: Any, given: Mapping[str, Any], *, strict: bool = True) -> Any:
    """``${Name}`` placeholders of a definition filled from ``given``.

    A definition kept in a file next to a SAM or CloudFormation template
    (``DefinitionUri``) or written in it names values the template substitutes
    at deployment (``DefinitionSubstitutions``) as ``${Name}``. A value of
    ``given`` that is :class:`Unresolved` makes the string unresolved (with its
    reason); a placeholder not in ``given`` makes it unresolved too when
    ``strict`` (a definition file checked on its own: give the value with
    ``--parameter Name=VALUE``), else is left as written.
    """
    if isinstance(value, str) and _PLACEHOLDER.search(value):
        reasons: list[str] = []
        refers: list[str | None] = []

        def fill(m: re.Match[str]) -> str:
            name = m.group(1)
            if name not in given:
                if strict:
                    reasons.append(f"a DefinitionSubstitutions placeholder filled at deployment (${{{name}}})")
                    refers.append(None)
                return m.group(0)
            got = given[name]
            if isinstance(got, Unresolved):
                reasons.append(got.reason)
                refers.append(got.refers_to)
                return m.group(0)
            return str(got).lower() if isinstance(got, bool) else str(got)

        filled = _PLACEHOLDER.sub(fill, value)
        if not reasons:
            return filled
        return Unresolved(filled, "; ".join(dict.fromkeys(reasons)), refers[0] if len(refers) == 1 else None)
    if isinstance(value, Mapping):
        return {k: apply_substitutions(v, given, strict=strict) for k, v in value.items()}
    if isinstance(value, list):
        return [apply_substitutions(v, given, strict=strict) for v in value]
    return value


def is_state_machine(data: Any) -> bool:
    """An Amazon States Language definition: ``StartAt`` and a ``States`` mapping."""
    return isinstance(data, Mapping) and isinstance(data.get("States"), Mapping) and "StartAt" in data


def single_state_machine(definition: Any) -> Any:
    """A ``TestState`` definition as a state machine: a single state (``Type`` and no ``States``) becomes a
    one-state machine (``StartAt`` it); a whole state machine (``TestState`` with ``stateName``) is returned as
    is, and so is anything else (the reader refuses it). JSON text stays text.

    Step Functions API reference, TestState: "definition: The Amazon States Language (ASL) definition of the state
    or state machine"; "stateName: ... If this field is specified, the definition must contain a fully-formed state
    machine definition".
    """
    import json

    from .._json import loads_strict

    data = definition
    if isinstance(definition, str):
        try:
            data = loads_strict(definition)
        except ValueError:
            return definition
    if not isinstance(data, Mapping) or "States" in data or "Type" not in data:
        return definition
    wrapped = {"StartAt": "TestState", "States": {"TestState": dict(data)}}
    return json.dumps(wrapped) if isinstance(definition, str) else wrapped


def task_operation(resource: Any, service: str = "states") -> str | None:
    """The SageMaker operation a Task ``Resource`` calls (``"CreateTrainingJob"``), or ``None``.

    With ``service="scheduler"``: the operation of an EventBridge Scheduler universal target
    (``arn:aws:scheduler:::aws-sdk:sagemaker:createNotebookInstance``), the same action names.
    An unresolved resource (``arn:${AWS::Partition}:states:::sagemaker:...``) is read from its text; a Region and
    account written in it are read past (:func:`integration_parts`).
    """
    parts = integration_parts(resource, service)
    m = _RESOURCE.fullmatch(parts[2]) if parts is not None else None
    if m is None or (service == "scheduler" and not parts[2].lower().startswith("aws-sdk:")):  # type: ignore[index]
        from .sdk_calls import sdk_integration

        call = sdk_integration(resource) if parts is not None else None
        # an AWS SDK integration naming SageMaker by another spelling of its name (``aws-sdk:sage-maker:...``)
        return call[1] if call is not None and call[0] == "sagemaker" else None
    action = m.group(1)
    return action[0].upper() + action[1:]


def _states(definition: Mapping[str, Any], at: Parts) -> Iterator[tuple[Parts, str, Mapping[str, Any]]]:
    states = definition.get("States")
    if not isinstance(states, Mapping):
        return
    for name, state in states.items():
        if not isinstance(state, Mapping):
            continue
        here = at + ("States", name)
        yield here, name, state
        for i, branch in enumerate(state.get("Branches") or ()):
            if isinstance(branch, Mapping):
                yield from _states(branch, here + ("Branches", i))
        for key in ("Iterator", "ItemProcessor"):
            inner = state.get(key)
            if isinstance(inner, Mapping):
                yield from _states(inner, here + (key,))


def _runtime_values(value: Any) -> Any:
    """Parameters -> the request: ``Key.$`` -> ``Key`` holding :class:`Unresolved`; JSONata likewise.

    An object that writes a member both as ``Key`` and as ``Key.$`` gets ``Key`` :class:`Unresolved`, in
    either order (trial 18 F02): Amazon States Language, Payload Template: "A JSON object MUST NOT have
    duplicate field names after fields ending with the characters ".$" are renamed"; which of the two
    Step Functions uses is not ours to guess (as for a repeated key, :mod:`safemaker._json`).
    """
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if isinstance(k, str) and k.endswith(".$"):
                out[k[:-2]] = v if isinstance(v, Unresolved) else Unresolved(
                    v, "taken from the execution's input or context at run time (JSONPath)")
            else:
                out[k] = _runtime_values(v)
        for k in renamed_twice(value):
            out[k] = Unresolved({k: value[k], f"{k}.$": value[f"{k}.$"]},
                                f"written both as '{k}' and '{k}.$': a Payload Template must not have duplicate "
                                "field names once '.$' is stripped (Amazon States Language), and which one Step "
                                "Functions uses is not ours to guess",
                                fix=f"write '{k}' once: either the value or the path '{k}.$'")
        return out
    if isinstance(value, list):
        return [_runtime_values(v) for v in value]
    if isinstance(value, str) and value.startswith("{%") and value.endswith("%}"):
        return Unresolved(value, "a JSONata expression evaluated at run time")
    return value


def renamed_twice(obj: Mapping[Any, Any]) -> list[str]:
    """The member names an Amazon States Language object writes both as ``Name`` and as ``Name.$`` (a
    duplicate field name once ``.$`` is stripped, which the specification forbids), in the order written."""
    return [k for k in obj if isinstance(k, str) and not k.endswith(".$") and f"{k}.$" in obj]


def _whole_request_at_run_time(member: str, raw: Any) -> Unresolved | None:
    """The request of a Task whose ``Parameters`` / ``Arguments`` are not written as an object, or
    ``None`` when they are.

    Amazon States Language: without ``Parameters`` a Task passes its effective input (the state
    input after ``InputPath``) to the resource as is; a JSONata ``Arguments`` may be one expression
    (``"{% ... %}"``) computing the whole request. Either is known only at run time.
    """
    if isinstance(raw, Mapping):
        return None
    if raw is None:
        return Unresolved(f"(no {member}: the state's input)",
                          f"a Task without {member} sends its input, known only at run time")
    if isinstance(raw, Unresolved):
        return raw
    if isinstance(raw, str) and raw.strip().startswith("{%"):
        return Unresolved(raw, "a JSONata expression evaluated at run time computes the whole request")
    return Unresolved(raw, f"{member} is not an object of request members")


def _source_parts(params: Any, parts: Parts) -> Parts:
    """Request parts -> the keys as written (``Key.$`` where the value is a path)."""
    out: list[str | int] = []
    cur = params
    for p in parts:
        if isinstance(cur, Mapping) and isinstance(p, str) and p not in cur and f"{p}.$" in cur:
            p = f"{p}.$"
        out.append(p)
        try:
            cur = cur[p] if isinstance(cur, (Mapping, list)) else None
        except (KeyError, IndexError, TypeError):
            cur = None
    return tuple(out)


def task_role(state: Mapping[str, Any]) -> Any:
    """The role a Task's ``Credentials`` name (Amazon States Language, Task state ``Credentials``: "the role
    Step Functions assumes for the task"), ``None`` without ``Credentials``.

    A literal ``RoleArn`` is returned as written; ``RoleArn.$`` (JSONPath), a JSONata ``{% %}`` value or any other
    form is :class:`Unresolved` (chosen at run time). :func:`safemaker.iac._request.with_task_role` decides it.
    """
    if "Credentials" not in state:
        return None
    creds = state.get("Credentials")
    if isinstance(creds, Mapping) and "RoleArn" in creds:
        role = creds["RoleArn"]
        if isinstance(role, str) and role.strip().startswith("{%"):
            return Unresolved(role, "a JSONata expression evaluated at run time")
        return role if isinstance(role, (str, Unresolved)) else Unresolved(role, "not a role ARN")
    if isinstance(creds, Mapping) and "RoleArn.$" in creds:
        return Unresolved(creds["RoleArn.$"], "taken from the execution's input or context at run time (JSONPath)")
    return creds if isinstance(creds, Unresolved) else Unresolved(creds, "Credentials without a RoleArn")


def _service_call(doc: Document, definition: Mapping[str, Any], state: Mapping[str, Any], here: Parts, at: Parts,
                  logical_id: str | None, embedded: bool, member_name: str) -> list[SourceRequest]:
    """The SageMaker requests of a Task that calls another service which creates something calling SageMaker
    (``aws-sdk:cloudformation:createStack``, ``aws-sdk:sfn:createStateMachine``, ``aws-sdk:scheduler:createSchedule``,
    ``aws-sdk:ssm:createDocument``...): :func:`safemaker.iac.sdk_calls.service_call_requests`."""
    from .sdk_calls import sdk_integration, service_call_requests

    call = sdk_integration(state.get("Resource"))
    if call is None:
        return _cross_region_call(doc, definition, state, here, at, logical_id, embedded, member_name)
    jsonata = state.get("QueryLanguage", definition.get("QueryLanguage")) == "JSONata"
    member = "Arguments" if "Arguments" in state or (jsonata and "Parameters" not in state) else "Parameters"
    raw = state.get(member)
    whole = _whole_request_at_run_time(member, raw)
    params: Any = whole if whole is not None else _runtime_values(raw)
    state_at = here + (member,)

    def source_path(parts: Parts) -> Parts:
        return at if embedded else at + state_at + _source_parts(raw, parts)

    def shown(parts: Parts) -> str:
        path = format_path(state_at + _source_parts(raw, parts))
        return f"{member_name}.{path}" if member_name else path

    requests = service_call_requests(doc, logical_id if logical_id is not None else format_path(here),
                                     str(state.get("Resource")), call[0], call[1], params, source_path, shown)
    role = task_role(state)
    return requests if role is None else [dataclasses.replace(r, task_role=role) for r in requests]


_CROSS_REGION_KEYS = frozenset({"region", "endpoint", "action", "service", "parameters"})
"""The payload of CDK's ``CallAwsServiceCrossRegion`` task (aws-cdk-lib ``aws-stepfunctions-tasks/lib/aws-sdk/
call-aws-service-cross-region.ts``, ``_renderTask``): its singleton Lambda function (``CrossRegionAwsSdk``, uuid
``8a0c93f3-dbef-4b71-ac13-7aaf2048ce7e``) makes the call ``service`` / ``action`` (AWS SDK for JavaScript v3 client
name, camelCase action) with ``parameters`` in ``region`` (``endpoint``: the URL to send it to)."""
_LAMBDA_INVOKE = re.compile(r"lambda:invoke(?:\.waitForTaskToken)?")


def _cross_region_payload(state: Mapping[str, Any], member: str) -> tuple[Parts, Any] | None:
    """Where a Task state carries a ``CallAwsServiceCrossRegion`` payload, and the payload: its ``Parameters`` /
    ``Arguments`` (``REQUEST_RESPONSE``: the task's ``Resource`` is the function's ARN) or their ``Payload``
    (``arn:aws:states:::lambda:invoke.waitForTaskToken`` with ``FunctionName``); ``None`` for any other task. A payload
    is one whose keys (JSONPath ``.$`` ones too) are among :data:`_CROSS_REGION_KEYS`, ``service`` and ``action``
    included: the handler's contract, whichever Lambda function reads it (fail closed)."""
    raw = state.get(member)
    resource = state.get("Resource")
    text = resource.expression if isinstance(resource, Unresolved) else resource
    parts = integration_parts(text, "states")
    if parts is not None and _LAMBDA_INVOKE.fullmatch(parts[2]) and isinstance(raw, Mapping) and "Payload" in raw:
        raw, where = raw["Payload"], ("Payload",)
    else:
        where = ()
    if not isinstance(raw, Mapping):
        return None
    keys = {k.removesuffix(".$") for k in raw if isinstance(k, str)}
    if not all(isinstance(k, str) for k in raw) or not keys <= _CROSS_REGION_KEYS or not {"service", "action"} <= keys:
        return None
    return where, raw


def _cross_region_call(doc: Document, definition: Mapping[str, Any], state: Mapping[str, Any], here: Parts,
                       at: Parts, logical_id: str | None, embedded: bool, member_name: str) -> list[SourceRequest]:
    """The requests of a CDK ``CallAwsServiceCrossRegion`` task (trial 17 F02): the declared call, read as an
    ``aws-sdk:<service>:<action>`` task's (a SageMaker request, or a carrier's call of a read service), made in the
    payload's ``region`` (``task_region``: :func:`safemaker.iac._request.with_task_role` decides one other than the
    profile's as a Step Functions task under another Region's role); a service, action or region known only at run
    time (``service.$``) cannot be verified when it could be a read service's."""
    from .sdk_calls import read_name, reads_call, service_call_requests

    jsonata = state.get("QueryLanguage", definition.get("QueryLanguage")) == "JSONata"
    member = "Arguments" if "Arguments" in state or (jsonata and "Parameters" not in state) else "Parameters"
    found = _cross_region_payload(state, member)
    if found is None:
        return []
    where, payload = found
    state_at = here + (member,) + where
    ident = logical_id if logical_id is not None else format_path(here)
    rtype = state.get("Resource")
    rtype_text = str(rtype.expression if isinstance(rtype, Unresolved) else rtype)

    def source(parts: Parts) -> Parts:
        return at if embedded else at + state_at + parts

    def label(parts: Parts) -> str:
        path = format_path(state_at + parts)
        return f"{member_name}.{path}" if member_name else path

    twice = renamed_twice(payload)   # "service" and "service.$": not ours to guess which one runs (trial 18 F02)
    service, action = (None if "service" in twice else payload.get("service"),
                       None if "action" in twice else payload.get("action"))
    if not (isinstance(service, str) and isinstance(action, str) and action):
        value = Unresolved({k: payload[k] for k in payload if k.removesuffix(".$") in ("service", "action")},
                           "a CallAwsServiceCrossRegion call whose service or action is chosen at run time",
                           fix="write the service and action in the task")
        return [SourceRequest(doc.file, ident, rtype_text, "", {}, lambda parts: source(()),
                              lambda parts: label(()), doc.line, extra=[((), value, "SM-REFERENCE")])]
    op = action[0].upper() + action[1:]
    if not reads_call(service, op):
        return []
    name = read_name(service) or service
    raw = payload.get("parameters", payload.get("parameters.$", {}))
    key = "parameters.$" if "parameters.$" in payload else "parameters"
    params: Any = Unresolved(raw, "taken from the execution's input or context at run time (JSONPath)") \
        if key.endswith(".$") else _runtime_values(raw)

    def source_path(parts: Parts) -> Parts:
        return at if embedded else at + state_at + (key,) + _source_parts(raw, parts)

    def shown(parts: Parts) -> str:
        return label((key,) + _source_parts(raw, parts))

    if name == "sagemaker":
        if isinstance(params, Unresolved):
            requests = [SourceRequest(doc.file, ident, rtype_text, "", {}, source_path, shown, doc.line,
                                      extra=[((), params, "SM-REFERENCE")])]
        else:
            requests = [SourceRequest(doc.file, ident, rtype_text, op, dict(params), source_path, shown, doc.line)]
    else:
        requests = service_call_requests(doc, ident, rtype_text, name,
                                         op, params, source_path, shown)
    region = payload.get("region", Unresolved(payload["region.$"], "chosen at run time (JSONPath)")
                         if "region.$" in payload else None)
    role = task_role(state)
    out = []
    for r in requests:
        placed: dict[str, Any] = {}
        if region is not None and r.task_region is None:
            placed["task_region"] = region
        if role is not None and r.task_role is None:
            placed["task_role"] = role
        out.append(dataclasses.replace(r, **placed) if placed else r)
    return out


def definition_requests(doc: Document, definition: Mapping[str, Any], at: Parts, logical_id: str | None, *,
                        embedded: bool = False, shown_prefix: str | None = None) -> list[SourceRequest]:
    """Every SageMaker request the Task states of a definition send.

    Parameters
    ----------
    doc : Document
        The file (for lines).
    definition : Mapping
        The state machine definition.
    at : tuple
        Path of the definition in ``doc`` (``()`` for a definition file).
    logical_id : str or None
        CloudFormation logical ID of the state machine, or ``None`` for a definition file
        (each task is then named by its state path).
    embedded : bool
        The definition was JSON text (``DefinitionString``): lines are the property's.
    shown_prefix : str, optional
        What reported paths start with (default: the last part of ``at``, the member holding the
        definition, when ``logical_id`` is given; nothing for a definition file).

    Returns
    -------
    list[SourceRequest]
    """
    out: list[SourceRequest] = []
    roles: dict[int, Any] = {}   # index in out -> the task's role (Credentials)
    member_name = shown_prefix if shown_prefix is not None else (at[-1] if (logical_id is not None and at) else "")
    for here, name, state in _states(definition, ()):
        if state.get("Type") != "Task":
            continue
        first = len(out)
        _task_requests(out, roles, doc, definition, here, state, at, logical_id, embedded, member_name)
        placed = resource_placement(state.get("Resource"))
        for i in range(first, len(out)) if placed else ():
            out[i] = dataclasses.replace(out[i], **{k: v for k, v in placed.items() if getattr(out[i], k) is None})
    return [dataclasses.replace(r, task_role=roles[i]) if i in roles and r.task_role is None else r
            for i, r in enumerate(out)]


def resource_placement(resource: Any) -> dict[str, Any]:
    """The :class:`~safemaker.iac._request.SourceRequest` fields a task ``Resource`` (or a Scheduler target ``Arn``)
    sets by writing its Region and account fields: ``{"task_region": ..., "task_account": ...}``, each only when
    written (``{}`` for the documented ``arn:aws:states:::`` spelling, or a value that is no integration ARN); a
    field holding a placeholder filled at deployment (``${AWS::Region}``) is :class:`Unresolved`
    (:func:`integration_parts`; :func:`safemaker.iac._request.with_task_role` decides them)."""
    parts = integration_parts(resource)
    placed: dict[str, Any] = {}
    for key, value in zip(("task_region", "task_account"), parts[:2] if parts is not None else ()):
        if value:
            placed[key] = Unresolved(value, "filled at deployment") if "${" in value else value
    return placed


def _unclassified(doc: Document, here: Parts, at: Parts, logical_id: str | None, embedded: bool,
                  member_name: Any, resource: Any) -> SourceRequest:
    """The cannot-be-verified request of a task whose ``Resource`` names SageMaker in a spelling no reader
    classifies (``arn:aws:states:::sagemaker:create-training-job``): what it calls is not known (fail closed)."""
    text = resource.expression if isinstance(resource, Unresolved) else resource
    value = Unresolved(text, "a Step Functions task Resource naming SageMaker that is not a SageMaker integration "
                             "the guard reads (arn:<partition>:states:::sagemaker:<action>[.sync|.waitForTaskToken] "
                             "or arn:<partition>:states:::aws-sdk:sagemaker:<action>)",
                       fix="Write the Resource as Step Functions documents its SageMaker integrations "
                           "(arn:aws:states:::sagemaker:createTrainingJob.sync, "
                           "arn:aws:states:::aws-sdk:sagemaker:createNotebookInstance)")
    state_at = here + ("Resource",)
    shown = format_path(state_at)
    return SourceRequest(doc.file, logical_id if logical_id is not None else format_path(here), str(text), "", {},
                         lambda parts: at if embedded else at + state_at,
                         lambda parts: f"{member_name}.{shown}" if member_name else shown,
                         doc.line, extra=[((), value, "SM-REFERENCE")])


def _task_requests(out: list[SourceRequest], roles: dict[int, Any], doc: Document, definition: Mapping[str, Any],
                   here: Parts, state: Mapping[str, Any], at: Parts, logical_id: str | None, embedded: bool,
                   member_name: Any) -> None:
    """The requests of one Task state, added to ``out`` (its role, for a SageMaker task, to ``roles``)."""
    op = task_operation(state.get("Resource"))
    if op is None:
        found = _service_call(doc, definition, state, here, at, logical_id, embedded, str(member_name))
        if not found and names_sagemaker(state.get("Resource")):
            from .sdk_calls import sdk_integration

            if sdk_integration(state.get("Resource")) is None:
                found = [_unclassified(doc, here, at, logical_id, embedded, member_name, state.get("Resource"))]
        out.extend(found)
        return
    if task_role(state) is not None:
        roles[len(out)] = task_role(state)   # the one request a SageMaker task adds (service calls set theirs)
    if "Arguments" in state or "Parameters" in state:
        member = "Arguments" if "Arguments" in state else "Parameters"
    else:
        jsonata = state.get("QueryLanguage", definition.get("QueryLanguage")) == "JSONata"
        member = "Arguments" if jsonata else "Parameters"
    raw = state.get(member)
    state_at = here + (member,)
    prefix = format_path(here)
    rtype = state.get("Resource")
    rtype_text = rtype.expression if isinstance(rtype, Unresolved) else rtype
    whole = _whole_request_at_run_time(member, raw)
    if whole is not None and not (op in RULES and RULES[op].unsupported):
        # The whole request is the state's input, or one expression: nothing in it can be verified.
        at_state = here if member not in state else state_at
        out.append(SourceRequest(
            doc.file, logical_id if logical_id is not None else prefix, str(rtype_text), "", {},
            lambda parts, _at=at_state: at if embedded else at + _at,
            lambda parts, _m=member_name, _p=format_path(state_at):
                f"{_m}.{_p}" if _m else _p,
            doc.line, extra=[((), whole, "SM-REFERENCE")]))
        return
    if not isinstance(raw, Mapping):
        raw = {}
    params = _runtime_values(raw)

    def source_path(parts: Parts, _raw: Any = raw, _state_at: Parts = state_at) -> Parts:
        if embedded:
            return at
        return at + _state_at + _source_parts(_raw, parts)

    def shown(parts: Parts, _raw: Any = raw, _state_at: Parts = state_at) -> str:
        return format_path(_state_at + _source_parts(_raw, parts))

    if logical_id is not None:
        ident = logical_id

        def shown_cfn(parts: Parts, _shown: Any = shown, _m: Any = member_name) -> str:
            return f"{_m}.{_shown(parts)}" if _m else _shown(parts)

        out.append(SourceRequest(doc.file, ident, str(rtype_text), op, params, source_path, shown_cfn, doc.line))
    else:
        out.append(SourceRequest(doc.file, prefix, str(rtype_text), op, params, source_path, shown, doc.line))
