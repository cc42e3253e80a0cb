"""SageMaker API calls named inside other services' resources: EventBridge Scheduler universal
targets and SSM Automation ``aws:executeAwsApi`` steps.

Both call a SageMaker operation with the API's member names, like a Step Functions AWS SDK
integration task (:func:`safemaker.iac.stepfunctions.task_operation` reads the operation from
either ARN: one mapping):

- EventBridge Scheduler (User Guide, "Using universal targets"): a schedule's target
  ``arn:aws:scheduler:::aws-sdk:sagemaker:createNotebookInstance`` sends the target's ``Input``
  (JSON text) as the request (CloudFormation ``AWS::Scheduler::Schedule`` ``Target.Arn`` /
  ``Target.Input``; Terraform ``aws_scheduler_schedule`` ``target.arn`` / ``target.input``);
- Systems Manager Automation (action reference, ``aws:executeAwsApi``): a step's ``inputs`` name
  the ``Service`` and the ``Api`` (``CreateNotebookInstance``); its other inputs are the request
  (CloudFormation ``AWS::SSM::Document`` ``Content``, an object or JSON/YAML text; Terraform
  ``aws_ssm_document`` ``content``). An input written ``{{ Name }}`` is a parameter filled when the
  automation runs: cannot be verified before deployment. Steps inside an ``aws:loop`` step
  (``inputs.Steps``) are read like top-level steps; an ``aws:createStack`` step's ``TemplateBody``
  is a CloudFormation template (read with its ``Parameters``; a ``TemplateURL`` cannot be verified);
  an ``aws:executeScript`` step whose script names SageMaker calls it from code that is not read:
  cannot be verified.
"""

from __future__ import annotations

import dataclasses
import re
from contextvars import ContextVar
from functools import lru_cache
from typing import Any, Callable, Iterator, Mapping

from ..guard import format_path
from ._document import Document, IacInputError, Parts, Unresolved, desired_state_template, embedded_json, embedded_template
from ._request import SourceRequest
from ..other_services import DECIDED_OPERATIONS
from .service_calls import (CLOUD_CONTROL_CALLS, DOCUMENT_CALLS, FOLLOWED_CALLS, INTEGRATION_CALLS, PAYLOAD_CALLS,
                            SAGEMAKER_WORK,
                            STARTING_CALLS, TARGET_STARTS, UNSEEN_OPERATIONS, WITH_MEMBERS, decides, payload_request,
                            sagemaker_references, target_start)
from .service_calls import unseen as unseen_call
from .stepfunctions import integration_parts, task_operation

__all__ = ["schedule_target_requests", "automation_requests", "pipeline_target_requests", "stack_call_requests",
           "cloudformation_operation", "sdk_integration", "service_call_requests", "NESTED_CALLS", "MAX_NESTING",
           "read_name", "reads_call", "integration_requests", "integration_service"]

_SERVICE_NAMES = {"stepfunctions": "sfn", "states": "sfn", "events": "eventbridge"}
"""botocore's name of a service -> the name this module reads it by (the AWS SDK integration's: ``sfn``,
``eventbridge``); any other service is read by botocore's name."""
_BOTOCORE_NAMES = {"sfn": "stepfunctions", "eventbridge": "events"}
"""Integration name -> botocore's service name (to read an operation written as a boto3 method)."""
NESTED_CALLS: Mapping[tuple[str, str], str] = {
    **{(_SERVICE_NAMES.get(service, service), operation): member
       for (service, operation), (member, _type, _prop) in DOCUMENT_CALLS.items()},
    **CLOUD_CONTROL_CALLS,
    **{call: "patchOperations" if call[1] == "UpdateIntegration" else "requestTemplates" for call in INTEGRATION_CALLS},
}
"""Calls of other services that create a document which itself calls SageMaker, by the AWS SDK integration's
service name, and the request member holding it (matched whatever its case: Step Functions writes members in
PascalCase): derived from :data:`safemaker.iac.service_calls.DOCUMENT_CALLS` and ``CLOUD_CONTROL_CALLS``, the
table the process guard decides the same calls by. A state machine's ``definition`` (Amazon States Language
JSON text), a schedule's ``Target``, an SSM document's ``Content`` (JSON or YAML text; Automation steps), an
EventBridge rule's ``Targets`` and a pipe's ``Target`` (a SageMaker pipeline they start), a Cloud Control
resource's ``DesiredState`` (an ``UpdateResource``'s ``PatchDocument`` applies to a current state that is not in
the source), an API Gateway ``PutIntegration``'s integration (:func:`integration_requests`; an ``UpdateIntegration``'s
``patchOperations`` apply to the current integration, not in the source). CloudFormation calls carrying a template are :func:`stack_call_requests`'. Every other operation the
process guard decides (:data:`safemaker.other_services.DECIDED_OPERATIONS`) is read as the request it is
(:func:`service_call_requests`)."""
_READ_SERVICES = frozenset({"cloudformation"} | {_SERVICE_NAMES.get(s, s) for s in DECIDED_OPERATIONS})
"""The services whose calls written in a source are read (by the name this module reads them by): CloudFormation
and every service whose operations the process guard decides."""


def _spelled(name: str) -> str:
    return re.sub(r"[\s_-]", "", name).lower()


@lru_cache(maxsize=1)
def _spellings() -> Mapping[str, str]:
    """Every spelling of a read service (:data:`_READ_SERVICES`) a carrier may use -> botocore's name.

    Step Functions (``arn:aws:states:::aws-sdk:serviceName:apiAction``) and EventBridge Scheduler universal targets
    (User Guide, "Using universal targets": "The service value in the universal target ARN must match the AWS SDK
    service identifier for the target service. This identifier can differ from the service's endpoint prefix. For
    example, for Amazon Cognito Identity Provider, use cognitoidentityprovider (not cognito-idp)") name the service
    by its AWS SDK service identifier in lower case (botocore's ``serviceId`` without spaces: ``sfn``,
    ``eventbridge``, ``applicationautoscaling``, ``sagemakera2iruntime``, ``servicecatalog``); an Automation
    ``aws:executeAwsApi`` step by boto3's client name (botocore's, ``application-autoscaling``); a CDK
    ``AwsCustomResource`` by an SDK v2 class (``ApplicationAutoScaling``) or a v3 package
    (``@aws-sdk/client-application-auto-scaling``). Each is matched without case, spaces, ``-`` or ``_``; the
    endpoint prefix and signing name (the IAM prefix: ``states``) count too, after the names above."""
    import botocore.session

    session = botocore.session.get_session()
    services = sorted({_BOTOCORE_NAMES.get(s, s) for s in _READ_SERVICES})
    out: dict[str, str] = {}
    metadata = {name: session.get_service_model(name).metadata for name in services}
    for name, md in metadata.items():   # weakest first: a2i's signing name is "sagemaker"
        for spelling in (md.get("signingName"), md.get("endpointPrefix")):
            if isinstance(spelling, str):
                out.setdefault(_spelled(spelling), name)
    for name, md in metadata.items():
        out[_spelled(str(md.get("serviceId", name)))] = name
    for name in services:
        out[_spelled(name)] = name
    out["sagemaker"] = "sagemaker"   # its model is the largest: its one spelling, without loading it
    return out


@lru_cache(maxsize=1)
def _direct_names() -> Mapping[str, str]:
    """The spellings known without loading a service model: botocore's names of the read services, and the AWS SDK
    identifiers of Step Functions (``sfn``; its IAM prefix ``states``) and EventBridge (``eventbridge``)."""
    out = {_spelled(name): name for name in {_BOTOCORE_NAMES.get(s, s) for s in _READ_SERVICES} | {"sagemaker"}}
    out.update({key: name for key, name in _BOTOCORE_NAMES.items()})
    out["states"] = "stepfunctions"
    return out


@lru_cache(maxsize=1)
def _all_services() -> frozenset[str]:
    """Every service of botocore's models, spelled as :func:`_spelled` matches them."""
    import botocore.session

    return frozenset(_spelled(s) for s in botocore.session.get_session().get_available_services())


def read_name(service: Any) -> str | None:
    """The name this module reads a carrier's service spelling by (``"sfn"``, ``"application-autoscaling"``), or
    ``None`` for a service whose calls are not read (or a spelling no service has)."""
    if not isinstance(service, str):
        return None
    key = _spelled(service.removeprefix("@aws-sdk/client-"))
    name = _direct_names().get(key)
    if name is None and key not in _all_services():   # not botocore's name of a service: its other spellings
        name = _spellings().get(key)
    return None if name is None else _SERVICE_NAMES.get(name, name)


def _unknown_spelling(service: Any, operation: Any) -> str | None:
    """The read service whose decided operation ``operation`` is, when ``service`` is a spelling no botocore
    service has (a carrier naming a decided call by a name safemaker does not know: fail closed), else ``None``."""
    if not isinstance(service, str) or read_name(service) is not None \
            or _spelled(service.removeprefix("@aws-sdk/client-")) in _all_services():
        return None
    op = operation[0].upper() + operation[1:] if isinstance(operation, str) and operation else operation
    return next((s for s, ops in sorted(DECIDED_OPERATIONS.items()) if op in ops), None)


def reads_call(service: Any, operation: Any) -> bool:
    """Whether a call a carrier makes (a Step Functions task, a universal target, an Automation step, a CDK
    custom resource) is read by :func:`service_call_requests`: a call of a read service, or a decided operation
    under a service spelling no botocore service has (then it cannot be verified)."""
    return read_name(service) is not None or _unknown_spelling(service, operation) is not None


MAX_NESTING = 8
"""How many calls deep a document created by a call (a state machine creating a state machine ...) is read;
deeper: cannot be verified (fail closed)."""
_NESTING: ContextVar[int] = ContextVar("safemaker_iac_nesting", default=0)
_AUTOMATION_PARAMETER = re.compile(r"\{\{.*?\}\}")
_SDK_CALL = re.compile(r"(?i:aws-sdk):([A-Za-z0-9-]+):([A-Za-z0-9]+)(?:\.[A-Za-z]+)?")
"""After the account field (:func:`~safemaker.iac.stepfunctions.integration_parts`): an AWS SDK integration."""
_STATES_CALL = re.compile(r"(?i:states):(?i:startExecution)(?:\.sync(?::2)?|\.waitForTaskToken)?")
"""Step Functions' own optimized integration (developer guide, "Start a new AWS Step Functions state machine from a
running execution"): ``arn:aws:states:::states:startExecution`` (``.sync``, ``.sync:2``, ``.waitForTaskToken``)
sends ``StartExecution`` with the task's ``Parameters``."""
_PIPELINE_ARN = next(t.pattern for t in TARGET_STARTS if t.operation == "StartPipelineExecution")
_STARTED_ARN_TEXT = re.compile(r":states:.*:stateMachine:|:ssm:.*:automation-definition/|:codepipeline:"
                               r"|:ssm-incidents:.*:response-plan/", re.I)
"""A target ARN built at deployment whose text names a state machine, an Automation runbook, a CodePipeline
pipeline or a response plan (:data:`~safemaker.iac.service_calls.TARGET_STARTS`), its words in any case (trial 18b
F01)."""
_STATE_MACHINE_ARN_OF = re.compile(r"(?i::stateMachine:)\$\{[A-Za-z0-9]+\.Name\}\"?$")
"""...one that ends in the name of a state machine of the same template (``${Logical.Name}``): checked there."""
_PIPELINE_ARN_OF = re.compile(r"(?i::sagemaker:.*:pipeline/)\$\{(?P<id>[A-Za-z0-9]+)(\.[A-Za-z]+)?\}$")
_STARTING_SERVICES = {"sagemaker", "states", "ssm", "codepipeline", "ssm-incidents"}
"""The services of :data:`~safemaker.iac.service_calls.TARGET_STARTS` (lower case)."""
_ARN_SERVICE = re.compile(r"^\"?arn:[^:]*:(?P<service>[A-Za-z0-9-]+):", re.I)
"""The service field of a target ARN, when it is written (not built at deployment)."""


def _chosen_target(arn: Any) -> bool:
    """Whether a target ARN the deployer chooses (in part) may start content a service keeps
    (:data:`~safemaker.iac.service_calls.TARGET_STARTS`, trial 18e / issue #13): a template parameter's "any other
    value" (:data:`~safemaker.iac._choices.CHOICE`) or a value built at deployment outside the source
    (``Ref`` of a parameter, ``Fn::ImportValue``) in an ARN whose service is one that starts content or is itself
    chosen (the whole ARN from a parameter). An ARN of another service with a chosen name (a Lambda function)
    starts nothing the guard decides."""
    if isinstance(arn, str):
        from ._choices import holds_choice
        if not holds_choice(arn):
            return False
        text = arn
    elif isinstance(arn, Unresolved) and arn.refers_to is None:
        text = arn.expression if isinstance(arn.expression, str) else repr(arn)
    else:
        return False
    service = _ARN_SERVICE.match(text)
    if service is None:  # the whole ARN (or its service field) is chosen at deployment
        return True
    return service.group("service").lower() in _STARTING_SERVICES


def schedule_target_requests(doc: Document, logical_id: str, source_type: str, arn: Any, input_: Any,
                             input_at: Parts, shown_prefix: str) -> list[SourceRequest]:
    """The requests of one Scheduler universal target calling SageMaker (its ``Input`` is the request) or
    CloudFormation (:func:`stack_call_requests` reads the template in it); ``[]`` for any other target.

    Parameters
    ----------
    doc : Document
        The file (for lines).
    logical_id, source_type : str
        Logical ID or address, and the type as the source spells it.
    arn : str or Unresolved
        The target ARN.
    input_ : str, Unresolved or None
        The target's ``Input`` (JSON text); ``None``: no input (an empty request).
    input_at : tuple
        Path of the input (or of the target) in ``doc``: every finding is reported on its line.
    shown_prefix : str
        The input's property path (``"Target.Input"``).

    Raises
    ------
    IacInputError
        An ``Input`` that is not a JSON object, or has a key given twice.
    """
    from .stepfunctions import names_sagemaker, resource_placement

    op = task_operation(arn, service="scheduler")
    call = sdk_integration(arn) if op is None else None
    if op is None and call is None and names_sagemaker(arn, "scheduler"):
        text = arn.expression if isinstance(arn, Unresolved) else arn
        value = Unresolved(text, "a universal target Arn naming SageMaker that is not a SageMaker call the guard "
                                 "reads (arn:<partition>:scheduler:::aws-sdk:sagemaker:<action>)",
                           fix="Write the target Arn as EventBridge Scheduler documents universal targets "
                               "(arn:aws:scheduler:::aws-sdk:sagemaker:createNotebookInstance)")
        return [SourceRequest(doc.file, logical_id, source_type, "", {}, lambda parts: input_at,
                              lambda parts: shown_prefix, doc.line, extra=[((), value, "SM-REFERENCE")])]
    if op is None and (call is None or not reads_call(*call)):
        return []
    params = _target_input(doc, logical_id, shown_prefix, input_, input_at, op or call[1])  # type: ignore[index]

    def shown(parts: Parts) -> str:
        return f"{shown_prefix}.{format_path(parts)}" if parts else shown_prefix

    placed = resource_placement(arn)
    if call is not None:
        out = service_call_requests(doc, logical_id, source_type, call[0], call[1], params,
                                    lambda parts: input_at, shown)
    elif isinstance(params, Unresolved):
        out = [SourceRequest(doc.file, logical_id, source_type, "", {}, lambda parts: input_at,
                             lambda parts: shown_prefix, doc.line, extra=[((), params, "SM-REFERENCE")])]
    else:
        out = [SourceRequest(doc.file, logical_id, source_type, op, params, lambda parts: input_at, shown, doc.line)]
    return [dataclasses.replace(r, **{k: v for k, v in placed.items() if getattr(r, k) is None}) for r in out] \
        if placed else out


def _target_input(doc: Document, logical_id: str, shown_prefix: str, input_: Any, input_at: Parts,
                  operation: str) -> Any:
    """A universal target's ``Input`` as the request: a mapping, or the :class:`Unresolved` it is.

    Raises
    ------
    IacInputError
        Text that is not JSON, has a key given twice, or is not an object.
    """
    if isinstance(input_, Unresolved):
        return input_
    params: Any = {}
    if isinstance(input_, str):
        params = embedded_json(input_, doc, f"{logical_id} {shown_prefix}", input_at,
                               f"a universal target's input is the {operation} request as JSON")
    elif isinstance(input_, Mapping):
        params = dict(input_)
    if not isinstance(params, Mapping):
        raise IacInputError(doc.file, f"{logical_id} {shown_prefix} is {type(params).__name__}; a universal "
                                      f"target's input is the {operation} request, a JSON object",
                            f"line {doc.line(input_at)}")
    return dict(params)


def sdk_integration(resource: Any) -> tuple[str, str] | None:
    """``(service, Operation)`` of a Step Functions AWS SDK task ``Resource`` or an EventBridge Scheduler universal
    target ``Arn`` (``arn:aws:states:::aws-sdk:sfn:createStateMachine`` -> ``("sfn", "CreateStateMachine")``), or
    ``None``. The service is the integration's name (Step Functions is ``sfn``); an unresolved resource is read
    from its text."""
    parts = integration_parts(resource)
    m = _SDK_CALL.fullmatch(parts[2]) if parts is not None else None
    if m is None:
        own = integration_parts(resource, "states")
        return ("sfn", "StartExecution") if own is not None and _STATES_CALL.fullmatch(own[2]) else None
    service = read_name(m.group(1)) or m.group(1).lower()
    return service, m.group(2)[0].upper() + m.group(2)[1:]


def cloudformation_operation(resource: Any) -> str | None:
    """The CloudFormation operation of a Step Functions AWS SDK task ``Resource`` or a Scheduler universal
    target ``Arn`` (``arn:aws:states:::aws-sdk:cloudformation:createStack`` -> ``"CreateStack"``), or ``None``."""
    call = sdk_integration(resource)
    return call[1] if call is not None and call[0] == "cloudformation" else None


def pipeline_target_requests(doc: Document, logical_id: str, source_type: str, arn: Any, parameters: Any,
                             arn_at: Parts, arn_shown: str, parameters_at: Parts,
                             parameters_shown: str, pipeline_of: str | None = None) -> list[SourceRequest]:
    """The ``StartPipelineExecution`` of a target whose ARN is a SageMaker pipeline (else ``[]``).

    An EventBridge rule target, an EventBridge Scheduler templated target and an EventBridge Pipes
    target start an execution of the pipeline their ``Arn`` names, with the target's
    ``SageMakerPipelineParameters.PipelineParameterList`` (``[{Name, Value}]``) in place of the
    parameters' defaults (CloudFormation ``AWS::Events::Rule`` ``Targets[]``,
    ``AWS::Scheduler::Schedule`` ``Target``, ``AWS::Pipes::Pipe`` ``Target`` and
    ``TargetParameters``; Terraform ``aws_cloudwatch_event_target``, ``aws_scheduler_schedule``,
    ``aws_pipes_pipe``): the request the guard decides at run time, here decided before deployment.

    Parameters
    ----------
    doc : Document
        The file (for lines).
    logical_id, source_type : str
        Logical ID or address, and the type as the source spells it.
    arn : str or Unresolved
        The target ARN (``arn:aws:sagemaker:us-east-1:123456789012:pipeline/p``). An ARN built at
        deployment that ends in ``pipeline/${Logical}`` names that resource of the source.
    parameters : list or None
        The ``[{Name, Value}]`` list (either spelling of the keys).
    arn_at, parameters_at : tuple
        Paths of the ARN and of the list in ``doc``.
    arn_shown, parameters_shown : str
        Their property paths as reported.
    pipeline_of : str or None, default None
        The address of the pipeline resource of the source whose ARN an unknown ``arn`` is
        (Terraform: the configuration's reference ``aws_sagemaker_pipeline.p.arn``).
    """
    if isinstance(arn, str) and _chosen_target(arn):
        # the deployer names what the target starts (a template parameter): which pipeline, state machine,
        # runbook ... runs is known only at deployment (issue #13: before, a CodePipeline ARN so built was read as no
        # start at all, exit 0)
        from ._choices import _render
        return [SourceRequest(doc.file, logical_id, source_type, "", {}, lambda parts: arn_at,
                              lambda parts: arn_shown, doc.line, extra=[((), Unresolved(
                                  _render(arn), "a target ARN whose name (or whole value) a template parameter "
                                                "chooses at deployment: which pipeline, state machine, Automation "
                                                "runbook or response plan it starts cannot be known before",
                                  fix="write the target's ARN in the template, or give the parameter "
                                      "(--parameter NAME=VALUE)"), "SM-REFERENCE")])]
    if isinstance(arn, Unresolved):
        match = _PIPELINE_ARN_OF.search(arn.expression) if isinstance(arn.expression, str) else None
        if match is None and pipeline_of is None:
            if arn.refers_to is None and (_STARTED_ARN_TEXT.search(repr(arn)) or _chosen_target(arn)) \
                    and not _STATE_MACHINE_ARN_OF.search(repr(arn)):
                value = Unresolved(arn.expression, "a state machine, Automation runbook, CodePipeline pipeline or "
                                                   f"response plan ARN built at deployment ({arn.reason})")
                return [SourceRequest(doc.file, logical_id, source_type, "", {}, lambda parts: arn_at,
                                      lambda parts: arn_shown, doc.line, extra=[((), value, "SM-REFERENCE")])]
            return []  # another kind of target, or a resource of the same source (decided there)
        name: Any = Unresolved(arn.expression, "a pipeline ARN built at deployment",
                               match.group("id") if match is not None else pipeline_of)
    elif isinstance(arn, str) and _PIPELINE_ARN.fullmatch(arn):
        name = _PIPELINE_ARN.fullmatch(arn).group("name")  # type: ignore[union-attr]
    else:
        start = target_start(arn)
        if start is None:
            return []
        return [started_request(doc, logical_id, source_type, (start.service, start.operation, start.request(arn)),
                                start.what, arn, lambda parts: arn_at, lambda parts: arn_shown)]
    request: dict[str, Any] = {"PipelineName": name}
    extra: list[tuple[Parts, Unresolved, str]] = []
    if isinstance(parameters, Unresolved):
        request["PipelineParameters"] = parameters
    elif isinstance(parameters, list) and parameters:
        request["PipelineParameters"] = [
            {"Name": p.get("Name", p.get("name")), "Value": p.get("Value", p.get("value"))}
            for p in parameters if isinstance(p, Mapping)]
        for i, p in enumerate(request["PipelineParameters"]):
            # EventBridge Pipes: "target parameters support optional dynamic JSON path syntax ... replaced at runtime
            # with data from the event payload" (User Guide, "Dynamic path parameters"; botocore pipes
            # SageMakerPipelineParameter.Name pattern admits $.path): a name chosen at run time
            if isinstance(p["Name"], Unresolved) or (isinstance(p["Name"], str) and p["Name"].startswith("$")):
                extra.append((("PipelineParameters", i, "Name"), Unresolved(
                    p["Name"], "a parameter name taken from the event at run time (a dynamic JSON path): which "
                               "parameter it sets cannot be known before the run",
                    fix="name the parameter in the target (a dynamic value is decided like any value)"),
                    "SM-REFERENCE"))

    def source_path(parts: Parts) -> Parts:
        return parameters_at + parts[1:] if parts[:1] == ("PipelineParameters",) and parameters_at else arn_at

    def shown(parts: Parts) -> str:
        if parts[:1] == ("PipelineParameters",):
            return parameters_shown + (format_path(parts[1:]) if len(parts) > 1 else "")
        return arn_shown

    return [SourceRequest(doc.file, logical_id, source_type, "StartPipelineExecution", request, source_path, shown,
                          doc.line, extra=extra)]


def started_request(doc: Document, logical_id: str, source_type: str, starts: tuple[str, str, Mapping[str, Any]],
                    what: str, named: Any, at: Callable[[Parts], Parts],
                    shown: Callable[[Parts], str]) -> SourceRequest:
    """A source's start of content a service keeps outside it (:data:`~safemaker.iac.service_calls.TARGET_STARTS`,
    a followed call written in a task or a step): ``starts`` ``(botocore service, operation, request)`` for the
    process guard, which reads and decides it, and an ``UNKNOWN`` value (``named``: the ``what`` named) for a
    source checked on its own (the content is not in it)."""
    value = Unresolved(named, f"names an existing {what} that is not in the source (what it runs is read only "
                              "when a guarded process sends the request itself)",
                       fix=f"define the {what} in the same source (it is then checked there), or start it "
                           "from a guarded process, which reads and decides it")
    service, operation, request = starts
    return SourceRequest(doc.file, logical_id, source_type, "", {}, at, shown, doc.line,
                         extra=[((), value, "SM-REFERENCE")], starts=(service, operation, dict(request)))


def _parameters_filled_at_run_time(value: Any) -> Any:
    if isinstance(value, str) and _AUTOMATION_PARAMETER.search(value):
        return Unresolved(value, "an Automation parameter filled when the automation runs")
    if isinstance(value, Mapping):
        return {k: _parameters_filled_at_run_time(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_parameters_filled_at_run_time(v) for v in value]
    return value


AUTOMATION_STARTS: Mapping[str, tuple[str, str]] = {
    # Systems Manager Automation action reference: aws:executeAutomation "Runs a secondary automation by calling a
    # secondary runbook" (inputs DocumentName, DocumentVersion); aws:executeStateMachine "Runs an AWS Step Functions
    # state machine" (input stateMachineArn)
    "aws:executeAutomation": ("ssm", "StartAutomationExecution"),
    "aws:executeStateMachine": ("stepfunctions", "StartExecution"),
}
"""Automation actions that start a runbook or a state machine kept by its service -> the call they make."""
_STARTED_INPUTS: Mapping[str, Mapping[str, str] | None] = {
    # Automation action reference, aws:executeAutomation: its inputs are StartAutomationExecution's members
    # (DocumentName, DocumentVersion, MaxConcurrency, MaxErrors, Tags, TargetLocations, TargetMaps,
    # TargetParameterName, Targets), the runbook's parameters as RuntimeParameters: the whole request, so where the
    # secondary automation runs (TargetLocations: another account or Region) is decided as for the call sent directly
    # (trial 16 F05; service_calls._elsewhere)
    "aws:executeAutomation": {"RuntimeParameters": "Parameters"},
    "aws:executeStateMachine": None,
}
"""Automation actions of :data:`AUTOMATION_STARTS` -> the inputs named otherwise than the started call's member (the
other inputs that are members of botocore's input shape of that call are kept as they are; inputs of the step itself,
not of the call, are dropped)."""


def _started_inputs(action: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The request an Automation step of :data:`AUTOMATION_STARTS` sends, from its ``inputs``: each input that is a
    member of the call's input shape (botocore's model: ``StartAutomationExecution``, ``StartExecution``), whatever its
    case, and the renamed ones (:data:`_STARTED_INPUTS`)."""
    service, api = AUTOMATION_STARTS[action]
    renamed = _STARTED_INPUTS[action] or {}
    members = {_norm(m): m for m in _input_shape(service, api).members}
    out: dict[str, Any] = {}
    for k, v in inputs.items():
        name = renamed.get(k) or (members.get(_norm(k)) if isinstance(k, str) else None)
        if name is not None:
            out[name] = v
    return out


def automation_requests(doc: Document, logical_id: str, source_type: str, content: Any, content_at: Parts,
                        shown_prefix: str, *, embedded: bool) -> list[SourceRequest]:
    """The SageMaker requests of an Automation document's ``aws:executeAwsApi`` steps.

    Parameters
    ----------
    doc : Document
        The file (for lines).
    logical_id, source_type : str
        Logical ID or address, and the type as the source spells it.
    content : Mapping
        The document content (``mainSteps``), already decoded.
    content_at : tuple
        Path of the content in ``doc``.
    shown_prefix : str
        The content's property path (``"Content"``).
    embedded : bool
        The content was text: every finding is reported on the content's line.
    """
    steps = content.get("mainSteps") if isinstance(content, Mapping) else None
    out: list[SourceRequest] = []
    for step, here in _steps(steps, ("mainSteps",)):
        action = step.get("action")
        inputs = step.get("inputs")
        if not isinstance(inputs, Mapping):
            continue
        written = str(inputs.get("Service", ""))
        service = read_name(written) or written.lower()
        if action == "aws:createStack" or (action == "aws:executeAwsApi" and service != "sagemaker"
                                           and reads_call(written, inputs.get("Api"))):
            service = "cloudformation" if action == "aws:createStack" else service
            api = "CreateStack" if action == "aws:createStack" else inputs.get("Api")
            if isinstance(api, str) and api:
                out += service_call_requests(
                    doc, logical_id, source_type, service,
                    _operation(api, _BOTOCORE_NAMES.get(service, service)) if read_name(service) else api,
                    _parameters_filled_at_run_time({k: v for k, v in inputs.items() if k not in ("Service", "Api")}),
                    lambda parts, _h=here: content_at if embedded else content_at + _h + parts,
                    lambda parts, _h=here: f"{shown_prefix}.{format_path(_h + parts)}")
            continue
        started = AUTOMATION_STARTS.get(action) if isinstance(action, str) else None
        if started is not None:
            service, api = started
            out += service_call_requests(
                doc, logical_id, source_type, service, api,
                _parameters_filled_at_run_time(_started_inputs(action, inputs)),
                lambda parts, _h=here: content_at if embedded else content_at + _h + parts,
                lambda parts, _h=here: f"{shown_prefix}.{format_path(_h + parts)}")
            continue
        if action == "aws:executeScript":
            unread = _unread_script(inputs)
            if unread is not None:
                member, reason = unread
                value = Unresolved(step.get("name", action), f"an Automation script step {reason}",
                                   fix="write the SageMaker call as an aws:executeAwsApi step (its request is "
                                       "checked), or the script inline in Script without naming SageMaker")
                out.append(_unverifiable(doc, logical_id, source_type, content_at, here + (member,),
                                         shown_prefix, value, embedded=embedded))
            continue
        if action != "aws:executeAwsApi" or str(inputs.get("Service", "")).lower() != "sagemaker":
            continue
        api = inputs.get("Api")
        if not isinstance(api, str) or not api or _AUTOMATION_PARAMETER.search(api):
            value = Unresolved(api, "the SageMaker API an Automation step calls is chosen when it runs")
            out.append(_unverifiable(doc, logical_id, source_type, content_at, here + ("Api",), shown_prefix,
                                     value, embedded=embedded))
            continue
        op = _operation(api)
        params = _parameters_filled_at_run_time({k: v for k, v in inputs.items() if k not in ("Service", "Api")})

        def source_path(parts: Parts, _h: Parts = here) -> Parts:
            return content_at if embedded else content_at + _h + parts

        def shown(parts: Parts, _h: Parts = here) -> str:
            return f"{shown_prefix}.{format_path(_h + parts)}"

        out.append(SourceRequest(doc.file, logical_id, source_type, op, params, source_path, shown, doc.line))
    return out


def _unread_script(inputs: Mapping[str, Any]) -> tuple[str, str] | None:
    """Why an ``aws:executeScript`` step cannot be verified, as (the input it is read at, the reason), or ``None``.

    AWS Systems Manager User Guide, "aws:executeScript": the step runs ``Script`` (inline) or the file a
    document attachment holds (``Attachment``: the ``Name`` of one of the document's ``Attachments``),
    calling ``Handler`` with ``InputPayload``. The code is not read: a script whose text names SageMaker,
    one that runs from an attachment (the code is not in the document at all), one whose text is filled
    from a document parameter (``{{ Name }}``) and one whose ``InputPayload`` names SageMaker (a generic
    script calling ``boto3.client(events["service"])``) may call SageMaker (trial 18 F01).
    """
    script = inputs.get("Script")
    if script is None or script == "":
        if inputs.get("Attachment") is not None:
            return "Attachment", "runs code from a document attachment, which is not read"
        return None
    if not isinstance(script, str) or _AUTOMATION_PARAMETER.search(script):
        return "Script", "runs code filled in from a document parameter when it runs, which is not read"
    if "sagemaker" in script.lower() or _powershell_sagemaker_cmdlet(script):
        return "Script", "calls SageMaker from code that is not read"
    if "sagemaker" in repr(inputs.get("InputPayload", "")).lower():
        return "InputPayload", "passes SageMaker to code that is not read (its InputPayload names it)"
    return None


_CMDLET = re.compile(r"\b[A-Za-z]+-SM([A-Za-z]+)\b", re.IGNORECASE)


def _powershell_sagemaker_cmdlet(script: str) -> bool:
    """Whether a script calls an AWS Tools for PowerShell SageMaker cmdlet: ``<Verb>-SM<Noun>`` (the service's noun
    prefix ``SM``: ``New-SMNotebookInstance``, ``Update-SMNotebookInstanceLifecycleConfig``; PowerShell matches
    command names in any case) whose noun ends a SageMaker operation of botocore's model (``NotebookInstance`` of
    ``CreateNotebookInstance``), so that ``Get-SmbShare`` is not one. Such a script never needs the word
    "sagemaker" (trial 18b F02)."""
    nouns = [m.group(1).lower() for m in _CMDLET.finditer(script)]
    return bool(nouns) and any(op.endswith(noun) for noun in nouns for op in _sagemaker_operations_folded())


@lru_cache(maxsize=1)
def _sagemaker_operations_folded() -> tuple[str, ...]:
    return tuple(op.lower() for op in _snake_case_operations("sagemaker").values())


def _operation(api: str, service: str = "sagemaker") -> str:
    """The operation an ``aws:executeAwsApi`` step's ``Api`` names: the API's name (``CreateNotebookInstance``,
    also camel case) or the boto3 method's (``create_notebook_instance``), which botocore's
    ``xform_name`` makes from the operation name."""
    if "_" in api or api.islower():
        snake = _snake_case_operations(service)
        if api in snake:
            return snake[api]
    return api[0].upper() + api[1:]


@lru_cache(maxsize=8)
def _snake_case_operations(service: str) -> Mapping[str, str]:
    import botocore.session
    from botocore import xform_name

    names = botocore.session.get_session().get_service_model(service).operation_names
    return {xform_name(name): name for name in names}


def _steps(steps: Any, at: Parts) -> Iterator[tuple[Mapping[str, Any], Parts]]:
    """Every step of an Automation step list with the path of its ``inputs``, the steps of each
    ``aws:loop`` (``inputs.Steps``, Automation action reference) after the loop itself."""
    for i, step in enumerate(steps if isinstance(steps, list) else ()):
        if not isinstance(step, Mapping):
            continue
        here = at + (i, "inputs")
        yield step, here
        inputs = step.get("inputs")
        if step.get("action") == "aws:loop" and isinstance(inputs, Mapping):
            yield from _steps(inputs.get("Steps"), here + ("Steps",))


def _unverifiable(doc: Document, logical_id: str, source_type: str, content_at: Parts, where: Parts,
                  shown_prefix: str, value: Unresolved, *, embedded: bool) -> SourceRequest:
    """A request of an Automation step that cannot be verified before the automation runs."""
    return SourceRequest(doc.file, logical_id, source_type, "", {},
                         lambda parts: content_at if embedded else content_at + where,
                         lambda parts: f"{shown_prefix}.{format_path(where)}", doc.line,
                         extra=[((), value, "SM-REFERENCE")])


def stack_call_requests(doc: Document, logical_id: str, source_type: str, operation: str, params: Any,
                        at: Callable[[Parts], Parts], shown: Callable[[Parts], str]) -> list[SourceRequest]:
    """The SageMaker requests of a CloudFormation API call written in a source (else ``[]``).

    A Step Functions ``aws-sdk:cloudformation:createStack`` task, an Automation ``aws:executeAwsApi``
    step with ``Service: cloudformation`` or an ``aws:createStack`` step, an EventBridge Scheduler
    ``aws-sdk:cloudformation:createStack`` target: the stack is created from the call's
    ``TemplateBody`` with its ``Parameters`` (CloudFormation API reference), so that template is read
    like a nested stack's; an ``UpdateStackSet``'s also with every parameter unknown (the stack set's instances
    keep their own ``ParameterOverrides``, not in the source:
    :func:`safemaker.iac.cloudformation.stack_set_requests`). A template the call names (``TemplateURL``,
    ``UsePreviousTemplate``) or does not carry (:data:`safemaker.iac.stack_calls.UNSEEN_TEMPLATE_OPERATIONS`)
    cannot be verified; the operations that create nothing
    (:data:`~safemaker.iac.stack_calls.NO_RESOURCE_OPERATIONS`) and every other CloudFormation operation give
    ``[]``.

    Parameters
    ----------
    doc : Document
        The file (for lines).
    logical_id, source_type : str
        Logical ID or address, and the type as the source spells it.
    operation : str
        The CloudFormation operation (``CreateStack``).
    params : Mapping
        The call's request; :class:`Unresolved` where a value is known only when it runs.
    at, shown : callable
        Request parts -> source path, and -> the property path reported.

    Raises
    ------
    IacInputError
        A written ``TemplateBody`` that is not a CloudFormation template.
    """
    from .cloudformation import stack_set_requests, template_requests
    from .stack_calls import TEMPLATE_OPERATIONS, UNSEEN_TEMPLATE_OPERATIONS, parameter_values

    if operation not in TEMPLATE_OPERATIONS and operation not in UNSEEN_TEMPLATE_OPERATIONS:
        return []
    params = params if isinstance(params, Mapping) else {}
    body = params.get("TemplateBody")
    if operation in TEMPLATE_OPERATIONS and isinstance(body, str):
        child = embedded_template(body, doc, f"{logical_id}.{shown(('TemplateBody',))}",
                                  f"{logical_id} {shown(('TemplateBody',))}", at(("TemplateBody",)))
        where = shown(())
        label = where if where.startswith(logical_id) else f"{logical_id}/{where}"
        values = parameter_values(params.get("Parameters"))
        if operation == "UpdateStackSet":
            # the existing instances keep their own ParameterOverrides (CloudFormation API reference,
            # UpdateStackInstances): those when the call runs are not in the source
            kept = Unresolved("ParameterOverrides", "the ParameterOverrides the stack set's instances keep through "
                                                    "the update are not in the source")
            return stack_set_requests(child, values, [("StackInstances", kept)], label=label)
        return template_requests(child, values, label=label)
    if operation in UNSEEN_TEMPLATE_OPERATIONS:
        member, why = "", f"{operation} {UNSEEN_TEMPLATE_OPERATIONS[operation]}"
    elif body is not None:
        member, why = "TemplateBody", "a template body known only when the call runs"
    elif "TemplateURL" in params:
        member, why = "TemplateURL", "the template a stack is created from is not in the source"
    else:
        member, why = "UsePreviousTemplate", "the stack's current template is not in the source"
    parts: Parts = (member,) if member else ()
    value = Unresolved(params.get(member, operation) if member else operation, why)
    return [SourceRequest(doc.file, logical_id, source_type, "", {}, lambda _p: at(parts), lambda _p: shown(parts),
                          doc.line, extra=[((), value, "SM-REFERENCE")])]

def mapped_request(paths: Mapping[Any, tuple[Any, ...]], read: Callable[[Any], Any]) -> tuple[dict[str, Any],
                                                                                        dict[str, Any]]:
    """The API request a resource's properties make (CloudFormation and Terraform types read as an API call).

    Parameters
    ----------
    paths : Mapping
        Source path (as ``read`` takes it) -> the request path its value goes to: member names, and list indexes
        (``("RemediationConfigurations", 0, "TargetId")``: the one item of a list a resource makes).
    read : callable
        ``read(source path)`` -> the value there; ``None`` or :data:`~safemaker.errors.MISSING` when absent
        (then the request has no such member).

    Returns
    -------
    tuple[dict, dict]
        The request, and the source path each request member came from: by its top-level member
        (``"RemediationConfigurations"``) and by its whole path as the guard shows it
        (``"RemediationConfigurations[0].TargetId"``).
    """
    from ..errors import MISSING

    request: dict[str, Any] = {}
    came_from: dict[str, Any] = {}
    for source, api_path in paths.items():
        value = read(source)
        if value is None or value is MISSING:
            continue
        node: Any = request
        for key, after in zip(api_path[:-1], api_path[1:]):
            node = _child(node, key, [] if isinstance(after, int) else {})
        last = api_path[-1]
        if isinstance(last, int):
            node.extend({} for _ in range(last + 1 - len(node)))
        node[last] = value
        came_from[api_path[0]] = source
        came_from[format_path(api_path)] = source
    return request, came_from


def _child(node: Any, key: Any, empty: Any) -> Any:
    """``node[key]``, made ``empty`` first when absent (``key`` an index: the list grown to it)."""
    if isinstance(key, int):
        while len(node) <= key:
            node.append(type(empty)())
        return node[key]
    return node.setdefault(key, empty)


def service_call_requests(doc: Document, logical_id: str, source_type: str, service: str, operation: str,
                          params: Any, at: Callable[[Parts], Parts],
                          shown: Callable[[Parts], str]) -> list[SourceRequest]:
    """The SageMaker requests of an AWS API call written in a source that creates something which itself calls
    SageMaker (else ``[]``): the one recursive mechanism of nested calls.

    A Step Functions AWS SDK task (``arn:aws:states:::aws-sdk:sfn:createStateMachine``), an Automation
    ``aws:executeAwsApi`` step (``Service: sfn``/``stepfunctions``, ``scheduler``, ``ssm``, ``cloudformation``),
    an EventBridge Scheduler universal target or a CDK ``AwsCustomResource`` call: the document in the call
    (:data:`NESTED_CALLS`; a CloudFormation template: :func:`stack_call_requests`) is read with the reader of
    its kind, which follows the calls written in it the same way, up to :data:`MAX_NESTING` levels.

    Parameters
    ----------
    doc : Document
        The file (for lines).
    logical_id, source_type : str
        Logical ID or address of the outer resource (or state path), and its type as the source spells it.
    service, operation : str
        The integration's service name (``sfn``, ``scheduler``, ``ssm``, ``cloudformation``) and the operation
        (``CreateStateMachine``).
    params : Mapping or Unresolved
        The call's request; :class:`Unresolved` where a value (or the whole request) is known only when it runs.
    at, shown : callable
        Request parts -> source path, and -> the property path reported.

    Returns
    -------
    list[SourceRequest]
        The nested document's requests (reported on the outer resource, paths below the call's member); an
        ``UNKNOWN`` one for a document known only when the call runs, or nested deeper than :data:`MAX_NESTING`.

    Raises
    ------
    IacInputError
        A written definition, target input or document that is not JSON / YAML, or a ``Definition`` that is
        not an Amazon States Language definition.
    """
    known = read_name(service)
    if known is None:
        unknown = _unknown_spelling(service, operation)
        if unknown is None:
            return []
        value = Unresolved(f"{service}:{operation}", f"a call of a service spelled {service!r}, which no AWS SDK "
                                                     f"service is, of an operation the guard decides for {unknown}",
                           fix=f"name the service by its AWS SDK service identifier (the {unknown} call is then "
                               "decided as the guard decides it)")
        return [_unknown_member(doc, logical_id, source_type, at, shown, (), value)]
    service = known
    botocore_name = _BOTOCORE_NAMES.get(service, service)
    if (botocore_name, operation) in PAYLOAD_CALLS:
        return _payload_call(doc, logical_id, source_type, botocore_name, operation, params, at, shown)
    if (botocore_name, operation) in FOLLOWED_CALLS or (botocore_name, operation) in STARTING_CALLS:
        return _started_call(doc, logical_id, source_type, botocore_name, operation, params, at, shown)
    if (botocore_name, operation) in INTEGRATION_CALLS and isinstance(params, Mapping):
        # trial 17 F07: the integration it writes, read as an AWS::ApiGateway::Method's (the process guard's reading)
        from .service_calls import method_integration

        request = _model_spelling(botocore_name, operation, params)
        if operation == "PutIntegration":
            return integration_requests(doc, logical_id, source_type, method_integration(request), at(()), shown(()))
        key = next((k for k in params if isinstance(k, str) and k.lower() == "patchoperations"), None)
        if key is None:
            return []
        value = Unresolved(params[key], "an UpdateIntegration patch applies to the integration's current state, "
                                        "which is not in the source")
        return [_unknown_member(doc, logical_id, source_type, at, shown, (key,), value)]
    member = "TemplateBody" if service == "cloudformation" else NESTED_CALLS.get((service, operation))
    if member is None:
        if decides(botocore_name, operation):
            return _decided_call(doc, logical_id, source_type, botocore_name, operation, params, at, shown)
        return []
    if isinstance(params, Unresolved):
        params = {member: params}
    params = params if isinstance(params, Mapping) else {}
    depth = _NESTING.get()
    if depth >= MAX_NESTING:
        value = Unresolved(f"{service}:{operation}", f"a call nested more than {MAX_NESTING} levels deep is not read")
        return [_unknown_member(doc, logical_id, source_type, at, shown, (member,), value)]
    token = _NESTING.set(depth + 1)
    try:
        if service == "cloudformation":
            return stack_call_requests(doc, logical_id, source_type, operation, params, at, shown)
        # Step Functions tasks write members in PascalCase ("Parameters in Step Functions are expressed in
        # PascalCase, even if the native service API is in camelCase"); an Automation step (boto3) or a CDK call
        # (the JavaScript SDK) uses the API's own spelling: Step Functions' is camelCase (``definition``).
        key = next((k for k in params if isinstance(k, str) and k.lower() == member.lower()), member) \
            if member not in params else member
        value = params.get(key)
        if value is None:
            from .service_calls import LOOKUP_CALLS

            lookup = LOOKUP_CALLS.get((botocore_name, operation))
            if lookup is not None and lookup.needed(_model_spelling(botocore_name, operation, params)):
                # a pipe set RUNNING without a new Target: its current target, read by the guard
                return _started_call(doc, logical_id, source_type, botocore_name, operation, params, at, shown)
            return []  # an update that leaves the definition, target or content as it is
        if isinstance(value, Unresolved):
            return [_unknown_member(doc, logical_id, source_type, at, shown, (key,), value)]
        if service == "sfn":
            if operation == "TestState":
                from .stepfunctions import single_state_machine

                value = single_state_machine(value)
            return _state_machine_call(doc, logical_id, source_type, value, at, shown, key)
        if service == "scheduler":
            return _schedule_call(doc, logical_id, source_type, value, at, shown)
        if service == "cloudcontrol":
            return _cloud_control_call(doc, logical_id, source_type, operation, params, key, at, shown)
        if service == "ssm":
            return _document_call(doc, logical_id, source_type, value, at, shown)
        return _resource_call(doc, logical_id, source_type, (_BOTOCORE_NAMES.get(service, service), operation),
                              params, key, at, shown)
    finally:
        _NESTING.reset(token)


def _started_call(doc: Document, logical_id: str, source_type: str, service: str, operation: str, params: Any,
                  at: Callable[[Parts], Parts], shown: Callable[[Parts], str]) -> list[SourceRequest]:
    """A call written in a source that runs content its service keeps (``StartExecution`` of a state machine,
    ``StartAutomationExecution`` / ``CreateAssociation`` of a runbook, ...): the request, its members spelled as
    botocore's model spells them (a Step Functions task writes ``StateMachineArn``), for the process guard to read
    and decide (:func:`started_request`); a request known only when the call runs cannot be verified."""
    from ._document import contains_unresolved
    from .service_calls import LOOKUP_CALLS, _starting_call

    what = {"stepfunctions": "state machine", "ssm": "Automation runbook, SSM document or maintenance window",
            "pipes": "pipe", "events": "rule", "codepipeline": "pipeline", "config": "remediation configuration",
            "servicecatalog": "self-service action"}.get(service, "resource")
    request = _model_spelling(service, operation, params) if isinstance(params, Mapping) else params
    if not isinstance(request, Mapping):
        value = Unresolved(request, f"the {operation} request is known only when it runs")
        return [_unknown_member(doc, logical_id, source_type, at, shown, (), value)]
    key = (service, operation)
    spec = FOLLOWED_CALLS.get(key)
    lookup = LOOKUP_CALLS.get(key)
    if key in STARTING_CALLS and operation != "StartAssociationsOnce" and (lookup is None or not lookup.needed(request)):
        # what the call starts follows from the request itself (a maintenance window task's type and TaskArn)
        if isinstance(request.get("TaskType"), Unresolved):
            return [_unknown_member(doc, logical_id, source_type, at, shown, ("TaskType",), request["TaskType"])]
        starts: list[Any] = []
        found = _starting_call(service, operation, request, None, starts)
        # what the call runs that cannot be verified (a remediation of another target type, a template named), and
        # what it starts: their paths (botocore's spelling) as the source wrote them (trial 15 F08)
        def written(path: str) -> Parts:
            return written_parts(params, path, service, operation)

        unknown = [_unknown_member(doc, logical_id, source_type, at, shown, written(v.path),
                                   Unresolved(v.found, v.fix.removeprefix("Cannot verify it: ").split("; ")[0]))
                   for v in found]
        return unknown + [r for path, s, op, req in starts
                          for r in _started_call(doc, logical_id, source_type, s, op, req,
                                                 lambda parts, _p=written(path): at(_p),
                                                 lambda parts, _p=written(path): shown(_p))]
    named = request.get(spec.member) if spec is not None else request
    if isinstance(named, Unresolved) and named.refers_to is not None:
        return []  # a state machine or document of the same source: checked there as its own resource
    hidden = contains_unresolved({m: request.get(m) for m in spec.read_members.values()} if spec is not None
                                 else request)
    if hidden is not None:
        value = Unresolved(hidden.expression, f"what the {operation} call runs is known only when it runs "
                                              f"({hidden.reason})")
        return [_unknown_member(doc, logical_id, source_type, at, shown, (), value)]
    written = next((k for k in params if isinstance(k, str) and spec is not None and k.lower() == spec.member.lower()),
                   None) if isinstance(params, Mapping) else None
    where: Parts = (written,) if written is not None else ()
    return [started_request(doc, logical_id, source_type, (service, operation, dict(request)), what, named,
                            lambda parts: at(where), lambda parts: shown(where))]


def _decided_call(doc: Document, logical_id: str, source_type: str, service: str, operation: str, params: Any,
                  at: Callable[[Parts], Parts], shown: Callable[[Parts], str]) -> list[SourceRequest]:
    """A call written in a source of an operation the process guard decides that neither carries a document nor
    runs content read here (:data:`~safemaker.iac.service_calls.UNSEEN_OPERATIONS`, the SageMaker resource an A2I
    or Application Auto Scaling request follows, any other decided operation): the request, its members spelled as
    botocore's model spells them, for the process guard to decide as if it sent it (:func:`started_request`). A
    source checked on its own cannot verify it; a call that follows no SageMaker resource (an Application Auto
    Scaling request of another ``ServiceNamespace``) gives ``[]``, as the guard sends it."""
    from ._document import contains_unresolved

    request = _model_spelling(service, operation, params) if isinstance(params, Mapping) else params
    hidden = contains_unresolved(request)
    if hidden is not None:
        value = Unresolved(hidden.expression, f"the {operation} request is known only when it runs ({hidden.reason})")
        return [_unknown_member(doc, logical_id, source_type, at, shown, (), value)]
    unseen = unseen_call(service, operation, request)
    if unseen is None and (service, operation) in UNSEEN_OPERATIONS:
        return []   # an update that deploys nothing (UNSEEN_WHEN_GIVEN): the guard sends it
    if unseen is None and not sagemaker_references(service, operation, request) \
            and (service, operation) in _FOLLOWING_CALLS():
        return []
    member = unseen[0] if unseen is not None else None
    written = next((k for k in params if isinstance(k, str) and member is not None and k.lower() == member.lower()),
                   None)
    where: Parts = (written,) if written is not None else ()
    if unseen is not None:   # refused by the process guard too, unless the profile relaxes it
        value = Unresolved(request.get(member), f"{operation} {unseen[1]}")
        return [SourceRequest(doc.file, logical_id, source_type, "", {}, lambda parts: at(where),
                              lambda parts: shown(where), doc.line, extra=[((), value, "SM-REFERENCE")],
                              starts=(service, operation, dict(request)))]
    if (service, operation) in SAGEMAKER_WORK:   # its own written members decide it (decide_requests)
        return [SourceRequest(doc.file, logical_id, source_type, "", {}, at, shown, doc.line,
                              starts=(service, operation, dict(request)))]
    return [started_request(doc, logical_id, source_type, (service, operation, dict(request)), "SageMaker resource",
                            request, lambda parts: at(where), lambda parts: shown(where))]


def _payload_call(doc: Document, logical_id: str, source_type: str, service: str, operation: str, params: Any,
                  at: Callable[[Parts], Parts], shown: Callable[[Parts], str]) -> list[SourceRequest]:
    """A call written in a source whose member is a whole SageMaker request as JSON text
    (:data:`~safemaker.iac.service_calls.PAYLOAD_CALLS`: an AWS Batch ``SubmitServiceJob`` of type
    ``SAGEMAKER_TRAINING``): that SageMaker request (``CreateTrainingJob``), decided as written like the same request
    written in the source, every finding reported on the payload member (``ServiceRequestPayload:VpcConfig``). A job
    type or payload known only when the call runs cannot be verified.

    Raises
    ------
    IacInputError
        A job type the guard does not read, or a payload that is not JSON, repeats a key or is not a JSON object
        (:func:`~safemaker.iac.service_calls.payload_request`; the message names the member).
    """
    from ..errors import InputError

    spec = PAYLOAD_CALLS[(service, operation)]
    if not isinstance(params, Mapping):
        value = Unresolved(params, f"the {operation} request is known only when it runs")
        return [_unknown_member(doc, logical_id, source_type, at, shown, (), value)]
    request = _model_spelling(service, operation, params)

    def written(member: str) -> Parts:
        return next(((k,) for k in params if isinstance(k, str) and k.lower() == member.lower()), (member,))

    for member in (spec.type_member, spec.member):
        if isinstance(request.get(member), Unresolved):
            value = Unresolved(request[member].expression, f"the {operation} {member} is known only when it runs "
                                                           f"({request[member].reason})")
            return [_unknown_member(doc, logical_id, source_type, at, shown, written(member), value)]
    where = written(spec.member)
    try:
        _service, started, payload = payload_request(service, operation, request)
    except InputError as exc:
        place = written(exc.field)
        raise IacInputError(doc.file, f"{logical_id} {shown(place)}: {exc}", f"line {doc.line(at(place))}") from None
    prefix = shown(where)

    def shown_payload(parts: Parts) -> str:
        return f"{prefix}:{format_path(parts)}" if parts else prefix

    return [SourceRequest(doc.file, logical_id, source_type, started, payload, lambda parts: at(where),
                          shown_payload, doc.line)]


def _FOLLOWING_CALLS() -> frozenset[tuple[str, str]]:
    from .service_calls import SAGEMAKER_REFERENCES, SCALING_CALLS

    return frozenset(SAGEMAKER_REFERENCES) | frozenset(SCALING_CALLS)


def _model_spelling(service: str, operation: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` with every member spelled as botocore's input shape spells it, at every depth (matched whatever
    its case and underscores: a Step Functions task's ``StateMachineArn``, a CloudFormation property ``Stages``, a
    Terraform attribute ``document_name``); members the shape does not have are kept as written. Where the shape has
    a map, a list of ``{Key, Value}`` items (CloudFormation's and Terraform's spelling of one) is that map; where it
    has a structure, a list of one (a Terraform block) is that structure."""
    shape = _input_shape(service, operation)
    out = _as_model(shape, params) if shape is not None else params
    return dict(out) if isinstance(out, Mapping) else dict(params)


@lru_cache(maxsize=64)
def _input_shape(service: str, operation: str) -> Any:
    """botocore's input shape of ``operation`` of ``service``, read once per operation (as
    :func:`_snake_case_operations` reads a service's operation names), not by a new session at every call."""
    import botocore.session

    return botocore.session.get_session().get_service_model(service).operation_model(operation).input_shape


def _norm(name: str) -> str:
    return name.replace("_", "").replace("-", "").lower()


def _as_model(shape: Any, value: Any) -> Any:
    if isinstance(value, Unresolved) or shape is None:
        return value
    kind = shape.type_name
    if kind == "structure":
        if isinstance(value, list) and len(value) == 1 and isinstance(value[0], Mapping):
            value = value[0]  # a Terraform block
        if not isinstance(value, Mapping):
            return value
        members = {_norm(n): n for n in shape.members}
        out: dict[Any, Any] = {}
        for k, v in value.items():
            name = members.get(_norm(k), members.get(_norm(k) + "s")) if isinstance(k, str) else None
            inner = None if name is not None or not isinstance(k, str) else next(
                (m for m, sub in shape.members.items() if sub.type_name == "structure"
                 and any(_norm(n) == _norm(k) for n in sub.members)), None)
            if inner is not None:   # a Terraform resource flattens a nested structure (action: owner, provider)
                out.setdefault(inner, {})[next(n for n in shape.members[inner].members if _norm(n) == _norm(k))] = v
                continue
            out[name or k] = _as_model(shape.members[name], v) if name is not None else v
        return out
    if kind == "list" and isinstance(value, (list, tuple)):
        return [_as_model(shape.member, v) for v in value]
    if kind == "map":
        if isinstance(value, (list, tuple)) and value and all(isinstance(v, Mapping) and "name" in v for v in value) \
                and shape.value.type_name == "structure":   # Terraform blocks keyed by name (fis action)
            value = {v["name"]: {k: x for k, x in v.items() if k != "name"} for v in value}
        if isinstance(value, (list, tuple)) and all(isinstance(v, Mapping) and len(v) == 2 for v in value):
            pairs = [{_norm(k): x for k, x in v.items() if isinstance(k, str)} for v in value]
            if all(set(p) == {"key", "value"} for p in pairs):
                value = {p["key"]: p["value"] for p in pairs}
        if isinstance(value, Mapping):
            return {k: _as_model(shape.value, v) for k, v in value.items()}
    return value


_MEMBER_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")


def written_parts(params: Any, path: str, service: str | None = None, operation: str | None = None) -> Parts:
    """A path in botocore's spelling of a call's request (``routingConfiguration[0].stateMachineVersionArn``, what
    :func:`~safemaker.iac.service_calls._starting_call` reports) -> its parts as ``params`` writes them (trial 15
    F08): CloudFormation's ``RoutingConfiguration[0].StateMachineVersionArn``, Terraform's
    ``routing_configuration[0].state_machine_version_arn``, a Step Functions task's PascalCase, matched as
    :func:`_as_model` matches them (case, ``_`` and ``-`` aside; a singular block for a plural member).

    A Terraform block given once (a list of one where the API has a structure) is stepped into without an index, as
    the provider's documentation names its attributes; a map written as Terraform blocks named by ``name`` (an FIS
    ``action``) by the block's index. A structure member the source leaves out (``service`` / ``operation``:
    botocore's input shape says which parts are structure members, not map keys) is spelled like the members
    written beside it (snake_case, PascalCase); past it, and for anything else not written, the rest is as botocore
    spells it. Text that is no such path (a note: ``DocumentVersion ('3', the default version ...)``) is one part,
    as given."""
    from ..paths import is_seq, parse_path

    parts = parse_path(path)
    if not parts or format_path(parts) != path:
        return (path,)
    try:
        shape = _input_shape(service, operation) if service and operation else None
    except Exception:  # noqa: BLE001 - an operation botocore does not know: no shape to tell members from keys
        shape = None
    out: list[Any] = []
    cur: Any = params
    for p in parts:
        kind = getattr(shape, "type_name", None)
        if isinstance(p, int):
            out.append(p)
            cur = cur[p] if is_seq(cur) and 0 <= p < len(cur) else None
            shape = shape.member if kind == "list" else None
            continue
        if kind == "map" and is_seq(cur) and not any(isinstance(c, Mapping) and p in c for c in cur):
            named = [i for i, c in enumerate(cur) if isinstance(c, Mapping) and c.get("name") == p]
            if named:   # Terraform blocks keyed by name
                out.append(named[0])
                cur, shape = cur[named[0]], shape.value
                continue
        if is_seq(cur) and len(cur) == 1 and isinstance(cur[0], Mapping):
            cur = cur[0]   # a Terraform block given once
        key = None
        if isinstance(cur, Mapping):
            key = p if p in cur else None if kind == "map" else next(
                (k for k in cur if isinstance(k, str) and _norm(p) in (_norm(k), _norm(k) + "s")), None)
        if key is not None:
            out.append(key)
            cur = cur[key]
        else:
            out.append(_spelled_like(cur, p) if kind == "structure" and p in shape.members else p)
            cur = None
        shape = shape.value if kind == "map" else shape.members.get(p) if kind == "structure" else None
    return tuple(out)


def _spelled_like(beside: Any, member: str) -> str:
    """``member`` (botocore's spelling) as the source spells the members ``beside`` it: snake_case where none has a
    capital (Terraform; a source in botocore's spelling whose members beside it are all one word, ``weight``, is
    read so too), PascalCase where they all start with one (CloudFormation, Step Functions), else as given."""
    names = [k for k in beside if isinstance(k, str) and k] if isinstance(beside, Mapping) else []
    if not names or not _MEMBER_NAME.fullmatch(member):
        return member
    if all(k == k.lower() for k in names):
        return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", member).lower()
    if all(k[0].isupper() for k in names):
        return member[0].upper() + member[1:]
    return member


def source_prefix(parts: Parts, came_from: Mapping[str, Any]) -> tuple[Any, Parts]:
    """``(source path, rest)``: the longest leading parts of a request path that :func:`mapped_request` mapped from a
    source path (``came_from``: by top-level member and by whole path), and the parts below it (``(None, parts)``
    when none was)."""
    for k in range(len(parts), 0, -1):
        key = format_path(parts[:k])
        if key in came_from:
            return came_from[key], tuple(parts[k:])
    return None, tuple(parts)


def _unknown_member(doc: Document, logical_id: str, source_type: str, at: Callable[[Parts], Parts],
                    shown: Callable[[Parts], str], parts: Parts, value: Unresolved) -> SourceRequest:
    return SourceRequest(doc.file, logical_id, source_type, "", {}, lambda _p: at(parts), lambda _p: shown(parts),
                         doc.line, extra=[((), value, "SM-REFERENCE")])


def _state_machine_call(doc: Document, logical_id: str, source_type: str, definition: Any,
                        at: Callable[[Parts], Parts], shown: Callable[[Parts], str],
                        key: str = "Definition") -> list[SourceRequest]:
    from .stepfunctions import definition_requests, is_state_machine

    what = f"{logical_id} {shown((key,))}"
    if isinstance(definition, str):
        definition = embedded_json(definition, doc, what, at((key,)),
                                   "a state machine's definition is its Amazon States Language JSON")
    if not is_state_machine(definition):
        raise IacInputError(doc.file, f"{what} is not an Amazon States Language definition (StartAt and States); "
                                      "give the state machine's definition", f"line {doc.line(at((key,)))}")
    return definition_requests(doc, definition, at((key,)), logical_id, embedded=True, shown_prefix=shown((key,)))


def _schedule_call(doc: Document, logical_id: str, source_type: str, target: Any, at: Callable[[Parts], Parts],
                   shown: Callable[[Parts], str]) -> list[SourceRequest]:
    from .. import paths as _paths

    if not isinstance(target, Mapping):
        return []
    arn = target.get("Arn")
    pipeline_list = ("SageMakerPipelineParameters", "PipelineParameterList")
    started = pipeline_target_requests(doc, logical_id, source_type, arn, _paths.get(target, pipeline_list),
                                       at(("Target", "Arn")), shown(("Target", "Arn")),
                                       at(("Target",) + pipeline_list), shown(("Target",) + pipeline_list))
    if started:
        return started
    if isinstance(arn, Unresolved) and task_operation(arn, service="scheduler") is None \
            and sdk_integration(arn) is None:
        value = Unresolved(arn.expression, f"a schedule target chosen when the call runs ({arn.reason})")
        return [_unknown_member(doc, logical_id, source_type, at, shown, ("Target", "Arn"), value)]
    return schedule_target_requests(doc, logical_id, source_type, arn, target.get("Input"), at(("Target", "Input")),
                                    shown(("Target", "Input")))


def _document_call(doc: Document, logical_id: str, source_type: str, content: Any, at: Callable[[Parts], Parts],
                   shown: Callable[[Parts], str]) -> list[SourceRequest]:
    from ._document import parse_text

    if isinstance(content, str):
        content = parse_text(content, f"{doc.file}#{logical_id}.{shown(('Content',))}").data
    return automation_requests(doc, logical_id, source_type, content, at(("Content",)),
                               shown(("Content",)), embedded=True)


def _resource_call(doc: Document, logical_id: str, source_type: str, call: tuple[str, str], params: Mapping[str, Any],
                   key: str, at: Callable[[Parts], Parts], shown: Callable[[Parts], str]) -> list[SourceRequest]:
    """A call whose member is a property of a CloudFormation resource (``DOCUMENT_CALLS``: an EventBridge
    ``PutTargets``'s ``Targets`` as ``AWS::Events::Rule``, a pipe's ``Target`` as ``AWS::Pipes::Pipe``), read as a
    template holding that one resource, as the process guard reads the same call."""
    from .cloudformation import template_requests

    _member, rtype, prop = DOCUMENT_CALLS[call]
    lowered = {k.lower(): k for k in params if isinstance(k, str)}
    props = {name: params[lowered[name.lower()]] for name in WITH_MEMBERS.get(rtype, ()) if name.lower() in lowered}
    props[prop] = params[key]
    what = f"{logical_id} {shown((key,))}"
    tdoc = desired_state_template(props, doc, rtype, "Resource", what, at((key,)), f"give {key} as written in the "
                                  f"{call[1]} request")
    where_shown = shown((key,))
    return template_requests(tdoc, {}, label=where_shown if where_shown.startswith(logical_id)
                             else f"{logical_id}/{where_shown}")


def _cloud_control_call(doc: Document, logical_id: str, source_type: str, operation: str, params: Mapping[str, Any],
                        key: str, at: Callable[[Parts], Parts], shown: Callable[[Parts], str]) -> list[SourceRequest]:
    """A Cloud Control ``CreateResource``: the ``TypeName`` resource with ``DesiredState`` as its properties, read
    as a template holding that one resource (as ``aws_cloudcontrolapi_resource`` and the process guard read it);
    a type the reader does not read gives ``[]``; ``UpdateResource`` of such a type cannot be verified."""
    from .cloudformation import template_requests
    from .service_calls import reads_type

    type_key = next((k for k in params if isinstance(k, str) and k.lower() == "typename"), "TypeName")
    type_name = params.get(type_key)
    if isinstance(type_name, Unresolved):
        return [_unknown_member(doc, logical_id, source_type, at, shown, (type_key,), type_name)]
    if not reads_type(type_name):
        return []
    if operation == "UpdateResource":
        value = Unresolved(type_name, "an UpdateResource patch applies to the resource's current state, which is "
                                      "not in the source")
        return [_unknown_member(doc, logical_id, source_type, at, shown, (key,), value)]
    tdoc = desired_state_template(params.get(key), doc, type_name, "Resource", f"{logical_id} {shown((key,))}",
                                  at((key,)), "give DesiredState as the resource's properties, a JSON object")
    where_shown = shown((key,))
    label = where_shown if where_shown.startswith(logical_id) else f"{logical_id}/{where_shown}"
    return template_requests(tdoc, {}, label=label)


_APIGATEWAY_URI = re.compile(r"arn:[^:]*:apigateway:(?P<region>[^:]*):(?P<host>[^:]+):(?P<form>path|action)/"
                             r"(?P<api>.*)", re.S)
"""An API Gateway AWS integration's ``uri`` (botocore apigateway ``PutIntegration.uri``: "For AWS or AWS_PROXY
integrations, the URI is of the form
``arn:aws:apigateway:{region}:{subdomain.service|service}:path|action/{service_api}``")."""
_VTL = re.compile(r"[$#]")
"""What makes a mapping template more than static text: a Velocity reference (``$input``, ``$util``,
``$context``, ``${...}``) or directive (``#set``, ``#if``, ``##`` comments). Text without either renders as itself."""
_INTEGRATION_FIX = ("write the body as a static JSON mapping template (no $ or # in it) and set PassthroughBehavior "
                    "to NEVER, so that API Gateway sends only that body; or make the SageMaker call from code the "
                    "guard runs in")


def integration_service(host: str) -> str | None:
    """The service an API Gateway AWS integration's ``{subdomain.service|service}`` names, by the name this module
    reads it by (``api.sagemaker`` and ``sagemaker`` -> ``"sagemaker"``, ``states`` -> ``"sfn"``,
    ``a2i-runtime.sagemaker`` -> ``"sagemaker-a2i-runtime"``), or ``None`` for a service whose calls are not read
    (``lambda``, ``s3``, ``runtime.sagemaker``: an inference request to an existing endpoint)."""
    if _spelled(host) in ("sagemaker", "api.sagemaker"):
        return "sagemaker"
    return read_name(host)


@lru_cache(maxsize=1)
def _sagemaker_hosts() -> frozenset[str]:
    """The endpoint prefixes of botocore's SageMaker services (``runtime.sagemaker``, ``featurestore-runtime.sagemaker``,
    ``sagemaker-geospatial``...): an integration of one of them that is not read is not a SageMaker API call."""
    import botocore.session

    session = botocore.session.get_session()
    return frozenset(_spelled(str(session.get_service_model(s).metadata.get("endpointPrefix", s)))
                     for s in session.get_available_services() if "sagemaker" in s)


def integration_requests(doc: Document, logical_id: str, source_type: str, integration: Mapping[str, Any],
                         at: Parts, shown_prefix: str, names: Mapping[str, str] | None = None) -> list[SourceRequest]:
    """The requests of one API Gateway (REST API) AWS service integration, or ``[]`` when it calls no operation the
    guard decides.

    An integration of ``Type`` ``AWS`` calls the AWS API its ``Uri`` names
    (``arn:aws:apigateway:us-east-1:api.sagemaker:action/CreateNotebookInstance``) each time the method is invoked,
    with a body made by the ``RequestTemplates`` mapping template of the request's content type; a content type
    with no template has its body passed through as the client sent it unless ``PassthroughBehavior`` is ``NEVER``
    (or ``WHEN_NO_TEMPLATES`` with a template) (API Gateway Developer Guide, "Method request data mapping" /
    "Integration passthrough behaviors"; API reference ``Integration``). A call of an operation the guard decides
    (a SageMaker one, or a carrier's: :func:`service_call_requests`) whose every template is static JSON text
    (no ``$`` or ``#``: Velocity writes such text as it is) and whose passthrough is closed is that request,
    decided as written; in the URI's Region (``task_region``), under the ``Credentials`` role (``task_role``). What
    the client or a template decides when the method is called (a Velocity template, a passthrough body,
    ``AWS_PROXY``, a ``path/`` URI whose operation is not named, a URI or type known only at deployment) cannot be
    verified.

    Parameters
    ----------
    doc : Document
        The file (for lines).
    logical_id, source_type : str
        Logical ID or address, and the type as the source spells it.
    integration : Mapping
        The integration spelled as CloudFormation's ``AWS::ApiGateway::Method`` ``Integration`` (``Type``,
        ``Uri``, ``RequestTemplates``, ``PassthroughBehavior``, ``Credentials``); values may be :class:`Unresolved`.
    at : tuple
        Path of the integration in ``doc`` (findings on its members' lines).
    shown_prefix : str
        The integration's path as reported (``"Integration"``, ``"x-amazon-apigateway-integration"``).
    names : Mapping, optional
        How the source spells the members, where not as ``integration`` (Terraform: ``RequestTemplates`` ->
        ``request_templates``), for paths in the source and in reports.

    Raises
    ------
    IacInputError
        A static template whose JSON repeats a key.
    """
    from ..decided_as import SAGEMAKER_DECIDED_AS
    from ..rules import RULES

    spelled = names or {}

    def where(member: Any) -> Callable[[Parts], Parts]:
        return lambda parts: at + ((spelled.get(member, member),) if member in integration else ())

    def label(*parts: str) -> str:
        parts = (spelled.get(parts[0], parts[0]), *parts[1:]) if parts else parts
        return format_path((shown_prefix, *parts)) if shown_prefix else format_path(parts)

    def unknown(member: str, value: Any, why: str, fix: str | None = _INTEGRATION_FIX) -> SourceRequest:
        u = Unresolved(value.expression if isinstance(value, Unresolved) else value, why, fix=fix)
        return SourceRequest(doc.file, logical_id, source_type, "", {}, where(member), lambda parts: label(member),
                             doc.line, extra=[((), u, "SM-REFERENCE")])

    typ, uri = integration.get("Type"), integration.get("Uri")
    if isinstance(typ, str) and typ.upper() not in ("AWS", "AWS_PROXY"):
        return []   # HTTP, HTTP_PROXY, MOCK: no AWS API call
    text = uri.expression if isinstance(uri, Unresolved) else uri
    m = _APIGATEWAY_URI.fullmatch(uri) if isinstance(uri, str) else None
    if m is None or isinstance(typ, Unresolved):
        if "sagemaker" in repr(text).lower() or (m is not None and integration_service(m["host"]) is not None):
            return [unknown("Uri", uri, "an AWS integration naming SageMaker whose URI or type is known only at "
                                        "deployment", fix="write the integration's Type and Uri in the source")]
        return []
    host = m["host"]
    service = integration_service(host)
    if service is None:
        if "sagemaker" in host.lower() and _spelled(host) not in _sagemaker_hosts():
            return [unknown("Uri", uri, f"an AWS integration of {host!r}, which is no SageMaker service's endpoint "
                                        "safemaker knows", fix="name the service as its endpoint prefix "
                                                               "(api.sagemaker)")]
        return []
    op_text = re.split(r"[&?]", m["api"], maxsplit=1)[0]
    op = op_text[0].upper() + op_text[1:] if re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", op_text) and m["form"] == "action" \
        else None
    if service == "sagemaker":
        decided = op is None or op in RULES or op in SAGEMAKER_DECIDED_AS
    else:   # a call of a read service that service_call_requests reads (a body known only when it runs is reported)
        decided = op is None or bool(service_call_requests(doc, logical_id, source_type, service, op,
                                                           Unresolved(op, "probe"), lambda parts: at,
                                                           lambda parts: shown_prefix))
    if not decided:
        return []
    region = m["region"] or None
    role = integration.get("Credentials")
    role = None if isinstance(role, str) and ":user/" in role else role   # arn:aws:iam::*:user/*: the caller's

    def placed(requests: list[SourceRequest]) -> list[SourceRequest]:
        import dataclasses

        return [dataclasses.replace(r, **({"task_region": region} if region and r.task_region is None else {}),
                                    **({"task_role": role, "task_role_member": label("Credentials")}
                                       if role is not None and r.task_role is None else {}))
                for r in requests]

    def call(params: Any, member: Parts, shown_parts: tuple[str, ...]) -> list[SourceRequest]:
        def at_(parts: Parts) -> Parts:
            return at + ((spelled.get(member[0], member[0]), *member[1:]) if member else member)

        def shown(parts: Parts) -> str:
            return label(*shown_parts, *(str(p) if isinstance(p, str) else f"[{p}]" for p in parts)) \
                if parts else label(*shown_parts)

        if service != "sagemaker":
            return service_call_requests(doc, logical_id, source_type, service, op, params, at_, shown)  # type: ignore[arg-type]
        if isinstance(params, Unresolved):
            return [SourceRequest(doc.file, logical_id, source_type, "", {}, at_, shown, doc.line,
                                  extra=[((), params, "SM-REFERENCE")])]
        return [SourceRequest(doc.file, logical_id, source_type, op, dict(params), at_, shown, doc.line)]  # type: ignore[arg-type]

    if op is None:
        return [unknown("Uri", uri, f"an AWS integration of {host} in the path form, whose operation is not named",
                        fix="name the operation in the action form (action/CreateNotebookInstance) with a static "
                            "JSON body, or make the call from code the guard runs in")]
    if m["api"] != op_text:
        return [unknown("Uri", uri, f"input parameters of {op} written in the URI (action/{{name}}&{{p1}}={{v1}})")]
    given = integration.get("RequestParameters")
    mapped = [k for k in given if not (isinstance(k, str) and k.lower().startswith("integration.request.header.")
                                       and k.lower() != "integration.request.header.x-amz-target")] \
        if isinstance(given, Mapping) else [] if given is None else ["RequestParameters"]
    if mapped:
        return [unknown("RequestParameters", given, f"request parameters mapped into the {op} call ({mapped[0]})")]
    out: list[SourceRequest] = []
    if isinstance(typ, str) and typ.upper() == "AWS_PROXY":
        return [unknown("Type", typ, f"an AWS_PROXY integration calling {op} sends the client's request as it is")]
    templates = integration.get("RequestTemplates")
    passthrough = integration.get("PassthroughBehavior", "WHEN_NO_MATCH")
    if isinstance(templates, Unresolved):
        return [unknown("RequestTemplates", templates, f"the {op} body's mapping templates are known only at "
                                                       "deployment")]
    templates = templates if isinstance(templates, Mapping) else {}
    if isinstance(passthrough, Unresolved) or not isinstance(passthrough, str) \
            or passthrough.upper() == "WHEN_NO_MATCH" or (passthrough.upper() == "WHEN_NO_TEMPLATES" and not templates):
        member = "PassthroughBehavior" if "PassthroughBehavior" in integration else "RequestTemplates"
        shown_passthrough = passthrough.expression if isinstance(passthrough, Unresolved) else passthrough
        given = f"PassthroughBehavior {shown_passthrough}" if "PassthroughBehavior" in integration \
            else "no PassthroughBehavior: WHEN_NO_MATCH, the default"
        out += placed(call(Unresolved(shown_passthrough, f"the client's request body is passed through to {op} for a "
                                                         f"content type without a mapping template ({given})",
                                      fix=_INTEGRATION_FIX),
                           (member,) if member in integration else (), (member,)))
    for ctype, template in templates.items():
        parts = ("RequestTemplates", str(ctype))
        if isinstance(template, Unresolved) or not isinstance(template, str) or _VTL.search(template):
            value = template if isinstance(template, Unresolved) else Unresolved(
                template, f"a mapping template (Velocity) makes the {op} body when the method is called")
            out += placed(call(Unresolved(value.expression, value.reason, fix=_INTEGRATION_FIX), parts, parts))
            continue
        params = embedded_json(template, doc, f"{logical_id} {label(*parts)}", at + parts, None) \
            if template.strip() else {}
        if not isinstance(params, Mapping):
            out += placed(call(Unresolved(template[:200], f"a mapping template that is not a JSON object: not a "
                                                          f"{op} request the guard can read", fix=_INTEGRATION_FIX),
                               parts, parts))
            continue
        out += placed(call(dict(params), parts, parts))
    return out
