"""What the account's Step Functions state machines and Automation runbooks start of a SageMaker pipeline, with the
parameter values written in them (trial 16 F03).

A state machine task ``arn:aws:states:::aws-sdk:sagemaker:startPipelineExecution`` sends its ``Parameters`` /
``Arguments`` as the request (Step Functions Developer Guide, "AWS SDK service integrations"); an Automation step
``aws:executeAwsApi`` with ``Service: sagemaker``, ``Api: StartPipelineExecution`` sends its other inputs (Automation
action reference). Either, written before a pipeline version got an alias, starts that version with its own
``PipelineParameters`` at every later run, as an EventBridge Scheduler schedule does: under the profile's
``allow_pipeline_network_parameters`` the hook decides the version again under each such start's values
(:meth:`safemaker.hooks.Guard._decided_as_violations`). The definitions and runbooks are read by the readers
``safemaker check`` and the process guard use (:func:`safemaker.iac.service_calls.content_requests`: the Step
Functions and Automation readers of :mod:`safemaker.iac.stepfunctions` and :mod:`safemaker.iac.sdk_calls`), not by a
reader of their own.

A value written in a task or step that is not a plain literal is one of three (trial 16b F05; :func:`_carried`):

- a constant the guard evaluates exactly, decided as written: a JSONata string or number literal
  (``"{% 'subnet-0abc' %}"``; Developer Guide, "Transforming data with JSONata in Step Functions",
  https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html), an intrinsic function over literals
  (``States.Format`` of string literals, ``States.Array``; "Intrinsic functions for JSONPath states",
  https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html), an Automation ``{{ Parameter }}``
  whose runbook parameter has a ``default`` (Systems Manager User Guide, "Data elements and parameters",
  https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-doc-syntax.html: a start without parameters,
  as an EventBridge rule or a schedule makes, runs the default; a start with parameters is decided when it is sent);
- a value taken from the execution's input: a JSONPath reference to the state input or the execution input
  (``"Value.$": "$.subnet"``, ``"$$.Execution.Input.subnet"``), a JSONata ``{% $states.input.subnet %}`` (or
  ``$states.context.Execution.Input...``), an Automation ``{{ Parameter }}`` without a default: not known when the
  alias moves, such a start is decided when it is itself sent (``StartExecution``, ``StartAutomationExecution``), as
  docs/hooks.md says; the entries written beside it are decided here;
- anything else (a JSONata or intrinsic expression the guard does not evaluate, a JSONPath variable or context
  value, an Automation step output or system variable): the move cannot be verified.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Iterator, Mapping

from ..decided_as import names_pipeline
from ..errors import Violation
from ..rules import Guardrail
from .stepfunctions import task_operation
from ._document import IacInputError, Unresolved

__all__ = ["carrier_pipeline_starts"]

_GONE = frozenset({"StateMachineDoesNotExist", "InvalidDocument", "InvalidDocumentVersion"})
"""Errors of a read of one state machine, runbook or version of one deleted since it was listed: it starts nothing."""


def _read(call: Callable[..., Mapping[str, Any]], **params: Any) -> Mapping[str, Any] | None:
    """``call(**params)``, or ``None`` when what it reads was deleted since it was listed (:data:`_GONE`)."""
    from botocore.exceptions import ClientError

    try:
        return call(**params)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _GONE:
            return None
        raise


def _state_machines(sfn: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``(label, CloudFormation properties)`` of every state machine of the client's account and Region and of each
    of its published versions, each of which an execution can start (``StartExecution`` of the state machine's ARN:
    its latest revision; of a version's ARN or of an alias routing to versions: that version; Developer Guide,
    "State machine versions and aliases",
    https://docs.aws.amazon.com/step-functions/latest/dg/concepts-state-machine-version.html). ``ListStateMachines`` (paginated), per state machine ``DescribeStateMachine`` (its ``definition``)
    and ``ListStateMachineVersions`` (``nextToken``: botocore has no paginator for it), per version
    ``DescribeStateMachine`` of its ARN. A version whose definition is the latest revision's, or an earlier
    version's, is not read again as a carrier (the same starts)."""
    for page in sfn.get_paginator("list_state_machines").paginate():
        for sm in page.get("stateMachines") or ():
            arn = sm["stateMachineArn"]
            read = _read(sfn.describe_state_machine, stateMachineArn=arn)
            if read is None:
                continue
            seen = {read.get("definition")}
            yield f"state machine {sm.get('name')}", {"DefinitionString": read.get("definition")}
            token: dict[str, str] = {}
            while True:
                listed = _read(sfn.list_state_machine_versions, stateMachineArn=arn, **token)
                for version in (listed or {}).get("stateMachineVersions") or ():
                    version_arn = version["stateMachineVersionArn"]
                    read = _read(sfn.describe_state_machine, stateMachineArn=version_arn)
                    if read is None or read.get("definition") in seen:
                        continue
                    seen.add(read.get("definition"))
                    yield (f"state machine {sm.get('name')} version {version_arn.rsplit(':', 1)[-1]}",
                           {"DefinitionString": read.get("definition")})
                if not listed or not listed.get("nextToken"):
                    break
                token = {"nextToken": listed["nextToken"]}


def _runbooks(ssm: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``(label, CloudFormation properties)`` of every version of every Automation runbook the account owns, each of
    which an automation can run (``StartAutomationExecution.DocumentVersion``: "$DEFAULT, $LATEST, or a specific
    version number", as an EventBridge target ``automation-definition/<name>:$LATEST`` does): ``ListDocuments``
    (``DocumentType`` ``Automation``, ``Owner`` ``Self``, paginated), per runbook ``ListDocumentVersions``
    (paginated) and ``GetDocument`` with each ``DocumentVersion`` (its ``Content``). The default version is labelled
    by the runbook's name, another by its version; a version whose content an earlier one has is not read again as a
    carrier."""
    filters = [{"Key": "DocumentType", "Values": ["Automation"]}, {"Key": "Owner", "Values": ["Self"]}]
    for page in ssm.get_paginator("list_documents").paginate(Filters=filters):
        for doc in page.get("DocumentIdentifiers") or ():
            name = doc["Name"]
            pages = _read(lambda: list(ssm.get_paginator("list_document_versions").paginate(Name=name)))
            versions = [v for listed in pages or () for v in listed.get("DocumentVersions") or ()]
            seen: set[Any] = set()
            for version in sorted(versions, key=lambda v: not v.get("IsDefaultVersion")):   # the default first
                read = _read(ssm.get_document, Name=name, DocumentVersion=str(version.get("DocumentVersion")))
                if read is None or read.get("Content") in seen:
                    continue
                seen.add(read.get("Content"))
                label = f"Automation runbook {name}" if version.get("IsDefaultVersion") else \
                    f"Automation runbook {name} version {version.get('DocumentVersion')}"
                yield label, {"Content": read.get("Content"), "DocumentType": "Automation"}


_CARRIERS: tuple[tuple[str, str, Callable[[Any], Iterator[tuple[str, Mapping[str, Any]]]], str, str, str], ...] = (
    ("stepfunctions", "AWS::StepFunctions::StateMachine", _state_machines,
     "states:ListStateMachines, states:ListStateMachineVersions and states:DescribeStateMachine", "DefinitionString",
     "definition"),
    ("ssm", "AWS::SSM::Document", _runbooks, "ssm:ListDocuments, ssm:ListDocumentVersions and ssm:GetDocument",
     "Content", "Content"),
)
"""(botocore service, the CloudFormation type its content is read as, its reader, the permissions the reads need, the
property holding the content, the member of the read's response it came from)."""


_INPUT = object()
"""A value taken from the execution's input (:func:`_carried`)."""
_STATE_INPUT = object()
"""A value taken from the state's input (``$.x``, ``{% $states.input.x %}``, a Task without ``Parameters``): the
execution's input in the first state the execution runs, the output of the states before it anywhere else (a Pass
state's ``Result`` written in the definition, a Task's output): :func:`_from_input` (trial 17b F02)."""


class _Unknown(Exception):
    """A value written in a carrier that the guard cannot evaluate (:func:`_carried`): the expression and why."""

    def __init__(self, expression: Any, why: str) -> None:
        super().__init__(expression, why)   # pickled as cls(*args)
        self.expression = expression
        self.why = why

    def __str__(self) -> str:
        return self.why


_JSONPATH_INPUT = re.compile(r"\$(?:\$\.Execution\.Input)?(?:[.\[].*)?", re.S)
_JSONPATH_EXECUTION = re.compile(r"\$\$\.Execution\.Input(?:[.\[].*)?", re.S)
"""A JSONPath reference to the state's input (``$``, ``$.x``, ``$['x']``) or the execution's (``$$.Execution.Input``);
``$$.`` anything else is the context object, ``$name`` a variable (Developer Guide, "Passing data between states
with variables", "Accessing execution data from the Context object")."""
_JSONATA_INPUT = re.compile(r"\$states\.(?:input|context\.Execution\.Input)(?:\.[A-Za-z_][A-Za-z0-9_]*|\.`[^`]*`)*")
"""A JSONata path into ``$states.input`` or ``$states.context.Execution.Input`` (fields only: no filter, no call)."""
_JSONATA_STRING = re.compile(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"", re.S)
_JSONATA_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
"""JSONata 2.0 string literal escapes (jsonata.js tokenizer; ``\\uXXXX`` besides): any other is an error."""
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)")
_PARAMETER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
"""An Automation ``{{ name }}`` (sdk_calls reads any ``{{ ... }}`` as filled at run time)."""


def _jsonata(text: str) -> Any:
    """The value of a JSONata ``{% expression %}`` that is a string or integer literal, :data:`_INPUT` for a path
    into the input; else :class:`_Unknown`."""
    inner = text.strip()[2:-2].strip()
    if _JSONATA_INPUT.fullmatch(inner):
        return _INPUT if inner.startswith("$states.context.") else _STATE_INPUT
    if _NUMBER.fullmatch(inner):
        return int(inner)
    m = _JSONATA_STRING.fullmatch(inner)
    if m is not None:
        body, out, i = m.group(1) if m.group(1) is not None else m.group(2), [], 0
        while i < len(body):
            c = body[i]
            if c != "\\":
                out.append(c)
                i += 1
            elif body[i + 1] in _JSONATA_ESCAPES:
                out.append(_JSONATA_ESCAPES[body[i + 1]])
                i += 2
            elif body[i + 1] == "u" and re.fullmatch(r"[0-9A-Fa-f]{4}", body[i + 2:i + 6]):
                out.append(chr(int(body[i + 2:i + 6], 16)))
                i += 6
            else:
                break
        else:
            return "".join(out)
    raise _Unknown(text, "a JSONata expression the guard does not evaluate (a string or number literal, or a path "
                         "into $states.input, is read)")


class _Literal(list):
    """An intrinsic string literal: its characters, with :data:`_SLOT` for each unescaped ``{}``."""


_SLOT = object()
"""An unescaped ``{}`` of an intrinsic string literal (``States.Format``'s placeholder)."""
_INTRINSIC = re.compile(r"States\.(Format|Array)\(")


def _intrinsic(text: str) -> Any:
    """The value of a JSONPath ``.$`` value: :data:`_INPUT` for a path into the state's or execution's input, the
    value of ``States.Format`` of string literals or ``States.Array`` of string / integer literals (nested allowed);
    else :class:`_Unknown`. String literals are single-quoted, ``\\`` escaping ``'``, ``{``, ``}`` and itself
    ("Reserved characters in intrinsic functions")."""
    text = text.strip()
    if _JSONPATH_INPUT.fullmatch(text):
        return _INPUT if _JSONPATH_EXECUTION.fullmatch(text) else _STATE_INPUT
    unknown = _Unknown(text, "an intrinsic function or path the guard does not evaluate (States.Format of string "
                             "literals, States.Array of literals, or a path into the input, is read)")
    pos = 0

    def space() -> None:
        nonlocal pos
        while pos < len(text) and text[pos] in " \t\n\r":
            pos += 1

    def literal() -> _Literal:
        nonlocal pos
        pos += 1
        parts = _Literal()
        while pos < len(text) and text[pos] != "'":
            if text[pos] == "\\" and text[pos + 1:pos + 2] in ("'", "{", "}", "\\"):
                parts.append(text[pos + 1])
                pos += 2
            elif text.startswith("{}", pos):
                parts.append(_SLOT)
                pos += 2
            elif text[pos] in "{}\\":
                raise unknown
            else:
                parts.append(text[pos])
                pos += 1
        if pos >= len(text):
            raise unknown
        pos += 1
        return parts

    def plain(v: Any) -> Any:
        return "".join("{}" if p is _SLOT else p for p in v) if isinstance(v, _Literal) else v

    def value() -> Any:
        nonlocal pos
        space()
        if text.startswith("'", pos):
            return literal()
        number = _NUMBER.match(text, pos)
        if number is not None and text[number.end():number.end() + 1] not in (".", "e", "E"):
            pos = number.end()
            return int(number.group())
        call = _INTRINSIC.match(text, pos)
        if call is None:
            raise unknown
        pos = call.end()
        args: list[Any] = []
        space()
        if text.startswith(")", pos):
            pos += 1
        else:
            while True:
                args.append(value())
                space()
                pos += 1
                if text[pos - 1:pos] == ")":
                    break
                if text[pos - 1:pos] != ",":
                    raise unknown
        if call.group(1) == "Array":
            return [plain(a) for a in args]
        template, rest = (args[0], args[1:]) if args else (None, [])
        if not isinstance(template, _Literal) or not all(isinstance(plain(a), str) for a in rest) \
                or template.count(_SLOT) != len(rest):
            raise unknown
        given = iter(plain(a) for a in rest)
        return "".join(next(given) if p is _SLOT else p for p in template)

    result = value()
    space()
    if pos != len(text) or isinstance(result, _Literal):   # a .$ value is a path or a call, never a literal
        raise unknown
    return result


def _automation(text: str, defaults: Mapping[str, Any]) -> Any:
    """The value of an Automation input with ``{{ }}``s: every ``{{ Parameter }}`` filled with its ``default`` (a
    start without parameters), :data:`_INPUT` when one is a parameter without a default (given by the start); else
    :class:`_Unknown` (a step output ``{{ step.Output }}``, a variable ``{{ automation:EXECUTION_ID }}``)."""
    names = _PARAMETER.findall(text)
    for name in names:
        if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
            raise _Unknown(text, "an Automation step output or variable the guard does not read (a runbook "
                                 "parameter's default is read)")
    if any(name not in defaults for name in names):
        return _INPUT
    whole = _PARAMETER.fullmatch(text.strip())
    if whole is not None:
        return defaults[whole.group(1)]
    if not all(isinstance(defaults[name], str) for name in names):
        raise _Unknown(text, "a runbook parameter default that is not a string, written inside a string")
    return _PARAMETER.sub(lambda m: defaults[m.group(1)], text)


def _carried(value: Any, defaults: Mapping[str, Any] | None, first: bool = True) -> Any:
    """``value`` as a start of the carrier sends it when it runs without input: every :class:`Unresolved` in it
    evaluated (:func:`_jsonata`, :func:`_intrinsic`; with ``defaults``, a runbook's parameter defaults:
    :func:`_automation`), :data:`_INPUT` when a part is taken from the execution's input.

    Raises
    ------
    _Unknown
        A part the guard cannot evaluate (the module docstring).
    """
    if isinstance(value, Unresolved):
        text = value.expression
        if not isinstance(text, str):
            raise _Unknown(text, value.reason)
        if defaults is not None:
            return _automation(text, defaults)
        if text.strip().startswith("{%") and text.strip().endswith("%}"):
            return _from_input(_jsonata(text), text, first)
        return _from_input(_intrinsic(text), text, first)
    if isinstance(value, Mapping):
        out = {k: _carried(v, defaults, first) for k, v in value.items()}
        return _from_parts(out.values()) or out
    if isinstance(value, (list, tuple)):
        items = [_carried(v, defaults, first) for v in value]
        return _from_parts(items) or items
    return value


def _from_input(value: Any, expression: Any, first: bool) -> Any:
    """``value``, with the state's input (:data:`_STATE_INPUT`) read as the execution's (:data:`_INPUT`) in the
    first state the execution runs (``first``: the definition's top-level ``StartAt``); elsewhere it is what the
    states before wrote (a Pass state's ``Result``, a Task's output: Developer Guide, "Processing input and output"),
    which the guard does not follow (trial 17b F02).

    Raises
    ------
    _Unknown
        The state's input of a state that is not the first.
    """
    if value is not _STATE_INPUT:
        return value
    if first:
        return _INPUT
    raise _Unknown(expression, "the state's input, which is the output of the states run before this one (a Pass "
                               "state's Result, a Task's output), not the execution's input; the guard does not "
                               "follow it: take the value from the execution's input ($$.Execution.Input..., "
                               "$states.context.Execution.Input...) or write it as a literal")


def _from_parts(parts: Any) -> Any:
    """:data:`_STATE_INPUT` when a part is taken from the state's input, else :data:`_INPUT` when one is taken from
    the execution's, else ``None``."""
    found = None
    for part in parts:
        if part is _STATE_INPUT:
            return _STATE_INPUT
        if part is _INPUT:
            found = _INPUT
    return found


def _carried_parameters(given: Any, defaults: Mapping[str, Any] | None, first: bool = True) -> list[Any] | None:
    """The ``PipelineParameters`` entries a start of the carrier sends (:func:`_carried`; an entry with a part from
    the input left out: decided when the carrier runs), or ``None`` when there are none.

    Raises
    ------
    _Unknown
        An entry, or the list, the guard cannot evaluate.
    """
    if isinstance(given, Unresolved):
        given = _carried(given, defaults, first)
    if not isinstance(given, (list, tuple)):
        return None
    kept = [entry for entry in (_carried(p, defaults, first) for p in given) if isinstance(entry, Mapping)]
    return kept or None


def _whole_request(whole: Any, first: bool = True) -> Any:
    """:data:`_INPUT` for a Task's whole request taken from its input (no ``Parameters`` / ``Arguments``: the state's
    input; a JSONata ``{% $states.input %}``); else :class:`_Unknown` (another expression computing the request, which
    the guard does not evaluate)."""
    text = whole.expression if isinstance(whole, Unresolved) else whole
    if isinstance(text, str) and text.startswith("(no "):   # stepfunctions._whole_request_at_run_time: no member
        return _from_input(_STATE_INPUT, text, first)
    if isinstance(text, str) and text.strip().startswith("{%") and text.strip().endswith("%}") \
            and _jsonata(text) in (_INPUT, _STATE_INPUT):
        return _from_input(_jsonata(text), text, first)
    raise _Unknown(text, "a request computed by an expression the guard does not evaluate")


def _not_evaluated(operation: str, where: str, label: str, exc: _Unknown) -> Violation:
    """The ``SM-REFERENCE`` violation of a start of ``label`` with a value the guard cannot evaluate."""
    return Violation(operation, f"{where} with {label}", exc.expression,
                     "a value written as a literal, or taken from the execution's input",
                     f"Cannot verify it: {label} may start the pipeline with parameters of its own, and it writes "
                     f"{exc.expression!r}: {exc}; write the value as a literal", Guardrail.REFERENCE.value)


def _runbook_defaults(content: Any, label: str) -> dict[str, Any]:
    """A runbook's parameters that have a ``default`` -> it (``parameters.<name>.default``)."""
    from ._document import parse_text

    data = parse_text(content, label).data if isinstance(content, str) else content
    declared = data.get("parameters") if isinstance(data, Mapping) else None
    if not isinstance(declared, Mapping):
        return {}
    return {str(k): v["default"] for k, v in declared.items() if isinstance(v, Mapping) and "default" in v}


def _first_state_paths(definition: Any) -> frozenset[str]:
    """Where a request of the state machine ``definition``'s first state (its top-level ``StartAt``) is shown
    (``DefinitionString.States.<name>.Parameters`` / ``.Arguments``): the one state whose input is the
    execution's; empty when the definition cannot be read here (every state's input then counts as unknown)."""
    from ..guard import format_path

    try:
        start = json.loads(definition).get("StartAt") if isinstance(definition, str) else None
    except (ValueError, AttributeError):
        start = None
    if not isinstance(start, str):
        return frozenset()
    return frozenset(f"DefinitionString.{format_path(('States', start, member))}"
                     for member in ("Parameters", "Arguments"))


def carrier_pipeline_starts(client_for: Callable[[str], Any], operation: str, where: str, pipeline: Any,
                            aliases: list[Any] | None, latest: bool = False
                            ) -> tuple[list[tuple[str, Any]], list[Violation]]:
    """What the account's state machines and Automation runbooks start of ``pipeline`` with parameter values
    written in them, as :meth:`safemaker.hooks.Guard._alias_schedules` gives the schedules'.

    Parameters
    ----------
    client_for : callable
        Botocore service name -> a client of the guarded client's account and Region (``"stepfunctions"``,
        ``"ssm"``).
    operation, where : str
        The request decided and the path its findings are reported at.
    pipeline : str
        The pipeline, by ARN or by name (:func:`names_pipeline`).
    aliases : list or None
        The aliases the request puts on the version: a start by one of them counts (``None``: by any alias).
    latest : bool, default False
        A start by neither alias nor ``PipelineVersionId`` (it runs the latest version) counts too.

    Returns
    -------
    tuple[list[tuple[str, Any]], list[Violation]]
        ``[(label, PipelineParameters)]`` of each such start whose ``PipelineName``, ``PipelineVersionAlias`` and
        parameter entries are written in full (a start by values from the carrier's input is not one: see the module
        docstring), and the ``SM-REFERENCE`` violations of what could not be read: a listing or a read that failed
        (the permissions named), or a definition or runbook the readers cannot read. Costs one list call per page
        of state machines and runbooks, one per page of each one's versions, and one read per state machine, per
        published version and per runbook version.
    """
    from .service_calls import content_requests

    out: list[tuple[str, Any]] = []
    unread: list[Violation] = []
    for service, rtype, reader, permissions, prop, member in _CARRIERS:
        what = "state machines" if service == "stepfunctions" else "Automation runbooks"
        try:
            for label, props in reader(client_for(service)):
                try:
                    requests = content_requests(rtype, props, label)
                except IacInputError as exc:
                    unread.append(Violation(
                        operation, f"{where} with {label}", label, "content the guard can read",
                        f"Cannot verify it: {label} may start the pipeline with parameters of its own, and it cannot "
                        f"be read ({exc})", Guardrail.REFERENCE.value))
                    continue
                defaults = _runbook_defaults(props.get("Content"), label) if service == "ssm" else None
                starts_at = _first_state_paths(props.get(prop)) if service == "stepfunctions" else None
                for r in requests:
                    first = starts_at is None or r.shown_path(()) in starts_at
                    if r.operation == "" and r.extra and task_operation(r.source_type) == "StartPipelineExecution":
                        # a task whose whole request is its input (decided when it runs) or one expression
                        try:
                            _whole_request(r.extra[0][1], first)
                        except _Unknown as exc:
                            unread.append(_not_evaluated(operation, where, label, exc))
                        continue
                    if r.operation != "StartPipelineExecution":
                        continue
                    unknown: list[_Unknown] = []   # what the guard cannot evaluate, of a start that may be one

                    def carried(member: str, read: Callable[[Any, Any, bool], Any] = _carried) -> Any:
                        try:
                            return read(r.params.get(member), defaults, first)
                        except _Unknown as exc:
                            unknown.append(exc)
                            return exc

                    # a name or alias the guard cannot evaluate may be this one: the start is decided as one
                    named = carried("PipelineName")
                    if named is _INPUT or (not isinstance(named, _Unknown) and not names_pipeline(named, pipeline)):
                        continue   # chosen by the carrier's input (decided when it runs), or another pipeline
                    alias = carried("PipelineVersionAlias")
                    if alias is _INPUT:
                        continue
                    if alias is None:   # no alias: the latest version
                        if not latest or r.params.get("PipelineVersionId") is not None:
                            continue
                    elif not isinstance(alias, _Unknown) and aliases is not None and alias not in aliases:
                        continue
                    unknown.clear()
                    given = carried("PipelineParameters", _carried_parameters)
                    if unknown:
                        unread.append(_not_evaluated(operation, where, label, unknown[0]))
                        continue
                    if given is None:
                        continue   # none given (the defaults, decided already), or each from the input
                    shown = r.shown_path(())
                    shown = f"{member}:{shown[len(prop) + 1:]}" if shown.startswith(f"{prop}.") else shown
                    out.append((f"the parameters of {label} ({shown})", given))
        except Exception as exc:  # noqa: BLE001 - not read (permissions, an endpoint): cannot be verified
            unread.append(Violation(
                operation, where, pipeline, f"the {what} that start the pipeline, read",
                f"Cannot verify it: the {what} that may start the pipeline with parameters of their own could not be "
                f"read ({exc}); allow {permissions}, or make the change where they can be read",
                Guardrail.REFERENCE.value))
    return out, unread
