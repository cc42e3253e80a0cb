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

Values a task or step takes from its input (JSONPath ``.$``, JSONata ``{% %}``, an Automation ``{{ parameter }}``)
are not known when the alias moves: such a start is decided when it is itself sent (``StartExecution``,
``StartAutomationExecution``), as docs/hooks.md says; its literal parameter values are decided here.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Mapping

from ..decided_as import names_pipeline
from ..errors import Violation
from ..rules import Guardrail
from ._document import IacInputError, Unresolved, contains_unresolved

__all__ = ["carrier_pipeline_starts"]

_GONE = frozenset({"StateMachineDoesNotExist", "InvalidDocument"})
"""Errors of a read of one state machine or runbook deleted since it was listed: it starts nothing."""


def _state_machines(sfn: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``(label, CloudFormation properties)`` of every state machine of the client's account and Region
    (``ListStateMachines``, paginated; ``DescribeStateMachine``: its ``definition``)."""
    from botocore.exceptions import ClientError

    for page in sfn.get_paginator("list_state_machines").paginate():
        for sm in page.get("stateMachines") or ():
            try:
                definition = sfn.describe_state_machine(stateMachineArn=sm["stateMachineArn"]).get("definition")
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in _GONE:
                    continue
                raise
            yield f"state machine {sm.get('name')}", {"DefinitionString": definition}


def _runbooks(ssm: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``(label, CloudFormation properties)`` of every Automation runbook the account owns (``ListDocuments``
    ``DocumentType`` ``Automation``, ``Owner`` ``Self``, paginated; ``GetDocument``: the default version's
    ``Content``, which a start by name runs)."""
    from botocore.exceptions import ClientError

    filters = [{"Key": "DocumentType", "Values": ["Automation"]}, {"Key": "Owner", "Values": ["Self"]}]
    for page in ssm.get_paginator("list_documents").paginate(Filters=filters):
        for doc in page.get("DocumentIdentifiers") or ():
            try:
                read = ssm.get_document(Name=doc["Name"])
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in _GONE:
                    continue
                raise
            yield f"Automation runbook {doc['Name']}", {"Content": read.get("Content"), "DocumentType": "Automation"}


_CARRIERS: tuple[tuple[str, str, Callable[[Any], Iterator[tuple[str, Mapping[str, Any]]]], str, str, str], ...] = (
    ("stepfunctions", "AWS::StepFunctions::StateMachine", _state_machines,
     "states:ListStateMachines and states:DescribeStateMachine", "DefinitionString", "definition"),
    ("ssm", "AWS::SSM::Document", _runbooks, "ssm:ListDocuments and ssm:GetDocument", "Content", "Content"),
)
"""(botocore service, the CloudFormation type its content is read as, its reader, the permissions the reads need, the
property holding the content, the member of the read's response it came from)."""


def _literal_parameters(given: Any) -> list[Any] | None:
    """The ``PipelineParameters`` entries written in full (an entry with a value from the input left out: decided
    when the carrier runs), or ``None`` when there are none."""
    if not isinstance(given, (list, tuple)):
        return None
    kept = [p for p in given if isinstance(p, Mapping) and contains_unresolved(p) is None]
    return kept or None


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
        and one read per state machine and per runbook.
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
                for r in requests:
                    if r.operation != "StartPipelineExecution" or not names_pipeline(r.params.get("PipelineName"),
                                                                                    pipeline):
                        continue
                    alias = r.params.get("PipelineVersionAlias")
                    if isinstance(alias, Unresolved):
                        continue   # chosen by the carrier's input: decided when it runs
                    if alias is None:
                        if not latest or r.params.get("PipelineVersionId") is not None:
                            continue
                    elif aliases is not None and alias not in aliases:
                        continue
                    given = _literal_parameters(r.params.get("PipelineParameters"))
                    if given is not None:   # none: the defaults, decided already
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
