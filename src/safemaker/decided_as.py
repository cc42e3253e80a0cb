"""Requests the guard decides as another request they make run: the one table the direct hooks and every carrier read.

A request that re-points a name earlier-decided starts run by (a schedule, rule, Step Functions task or association
decided on the version the name pointed at then runs whatever it points at later) opens nothing itself, but makes
every later start of the name run the version it names. It is decided as a start of that version:

- SageMaker ``UpdatePipelineVersion`` adding an alias (botocore sagemaker ``PipelineVersionAliasOperations.Add``: "The
  aliases to add to the pipeline version"; ``StartPipelineExecution.PipelineVersionAlias``: "The alias of the pipeline
  version to start the execution from"): as ``StartPipelineExecution`` of its ``PipelineVersionId`` (trial 14b F05);
- SSM ``UpdateDocumentDefaultVersion`` ("If you change a document version for a State Manager association, Systems
  Manager immediately runs the association"; ``CreateAssociation.DocumentVersion`` "Can be a specific version or the
  default version"): as ``StartAutomationExecution`` of that ``DocumentVersion`` (trial 14b F06);
- SageMaker ``CreatePipeline`` / ``UpdatePipeline`` giving ``PipelineVersionAliases`` ("The aliases to assign to the
  first version of the pipeline" / "to the new pipeline version that this update creates"): as
  ``StartPipelineExecution`` of the version the request makes, its definition the request's own
  (:attr:`DecidedAs.definition`; trial 15c F01). The request is also decided by its rule (its definition under its
  defaults); what the alias adds is every start of it: a schedule that starts it with its own parameter values.

Who reads it: the SageMaker hook (:meth:`safemaker.hooks.Guard.provide_client_params`) and the other services' one
decision (:func:`safemaker.iac.service_calls.service_call_decision`) for a request sent directly; and every carrier,
the same call written in a Step Functions task, an EventBridge Scheduler universal target, an Automation
``aws:executeAwsApi`` step or a CDK custom resource: at run time the process guard hands it on as the call itself
(``safemaker.iac.service_calls._resource_violations``), decided as the direct one
(:meth:`safemaker.hooks.Guard._started_violations`; trial 15 F03); before deployment ``safemaker check`` reports one
that re-points as cannot be verified (a version's content is the service's, not the source's:
``safemaker.iac._request._alias_move``). A light table (no imports beyond the standard library): the hook reads it on
every SageMaker call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

__all__ = ["DecidedAs", "DECIDED_AS", "SAGEMAKER_DECIDED_AS", "decided_as", "started_request"]

Start = tuple[str, str, str, dict[str, Any]]
"""``(path, botocore service, operation, request)``: the request a request makes run, and the path (in the request
decided) every violation of it is reported after (:data:`safemaker.iac.service_calls.Start`)."""


@dataclass(frozen=True)
class DecidedAs:
    """One request decided as the request it makes run.

    Attributes
    ----------
    service, operation : str
        botocore's service name and operation of the request decided (``"sagemaker"``, ``"UpdatePipelineVersion"``).
    started_service, started : str
        The request it is decided as (``"sagemaker"``, ``"StartPipelineExecution"``).
    members : Mapping[str, str]
        Member of the started request -> member of this request that gives it (``PipelineName`` <- ``PipelineArn``);
        a member this request does not give is left out.
    when : tuple[str, ...]
        The members (a path) of a list that must not be empty for the request to re-point anything (``()``: it
        always does). A value that is not a list there (a carrier's value known only at run time) re-points.
    shown : callable
        The request -> the path its violations are reported after (it names what is re-pointed, to what).
    definition : str or None, default None
        The member of this request that holds the definition of the version it starts: the request makes that
        version (``"PipelineDefinition"``, or the rule's S3 location of it), so it is decided from the request, not
        described, and the request is decided by its own rule too. ``None``: the version exists and is described.
    """

    service: str
    operation: str
    started_service: str
    started: str
    members: Mapping[str, str]
    when: tuple[str, ...]
    shown: Callable[[Mapping[str, Any]], str]
    definition: str | None = None

    def routes_nothing(self, params: Mapping[str, Any]) -> bool:
        """Whether ``params`` is known to re-point nothing: the :attr:`when` list absent or empty (every container on
        the way a mapping). Anything else (an alias list, a value a carrier fills at run time) re-points."""
        value: Any = params
        for member in self.when:
            if value is None:
                return True
            if not isinstance(value, Mapping):
                return False
            value = value.get(member)
        return bool(self.when) and (value is None or (isinstance(value, (list, tuple)) and len(value) == 0))

    def request(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The started request: each of :attr:`members` this request gives, under the started request's name."""
        return {started: params[given] for started, given in self.members.items() if given in params}


def _aliases(params: Mapping[str, Any]) -> str:
    ops = params.get("PipelineVersionAliasOperations")
    added = ops.get("Add") if isinstance(ops, Mapping) else ops
    shown = ", ".join(repr(a) for a in added) if isinstance(added, (list, tuple)) else repr(added)
    return f"PipelineVersionAliasOperations.Add ({shown} -> version {params.get('PipelineVersionId')})"


def _assigned(params: Mapping[str, Any]) -> str:
    added = params.get("PipelineVersionAliases")
    shown = ", ".join(repr(a) for a in added) if isinstance(added, (list, tuple)) else repr(added)
    return f"PipelineVersionAliases ({shown} -> the version this request makes)"


def _default_version(params: Mapping[str, Any]) -> str:
    return (f"DocumentVersion ({params.get('DocumentVersion')!r}, the default version of {params.get('Name')!r} "
            "from now on)")


DECIDED_AS: Mapping[tuple[str, str], DecidedAs] = {
    ("sagemaker", "UpdatePipelineVersion"): DecidedAs(
        "sagemaker", "UpdatePipelineVersion", "sagemaker", "StartPipelineExecution",
        {"PipelineName": "PipelineArn", "PipelineVersionId": "PipelineVersionId"},
        ("PipelineVersionAliasOperations", "Add"), _aliases),
    ("sagemaker", "CreatePipeline"): DecidedAs(
        "sagemaker", "CreatePipeline", "sagemaker", "StartPipelineExecution", {"PipelineName": "PipelineName"},
        ("PipelineVersionAliases",), _assigned, definition="PipelineDefinition"),
    ("sagemaker", "UpdatePipeline"): DecidedAs(
        "sagemaker", "UpdatePipeline", "sagemaker", "StartPipelineExecution", {"PipelineName": "PipelineName"},
        ("PipelineVersionAliases",), _assigned, definition="PipelineDefinition"),
    ("ssm", "UpdateDocumentDefaultVersion"): DecidedAs(
        "ssm", "UpdateDocumentDefaultVersion", "ssm", "StartAutomationExecution",
        {"DocumentName": "Name", "DocumentVersion": "DocumentVersion"}, (), _default_version),
}
"""(botocore service, operation) -> how it is decided. An operation of another service here is also one of
:data:`safemaker.other_services.DECIDED_OPERATIONS` (its client gets the handler); a SageMaker one is classified
``no-network-effect`` in the rule table (what it does on its own) and decided here when it re-points, or (an entry
with a :attr:`~DecidedAs.definition`) has a rule of its own and is decided by both."""

SAGEMAKER_DECIDED_AS: frozenset[str] = frozenset(op for service, op in DECIDED_AS if service == "sagemaker")
"""The SageMaker operations of :data:`DECIDED_AS` (what the hook looks up first, on every call)."""


def decided_as(service: str, operation: str) -> DecidedAs | None:
    """The entry of ``service``'s ``operation`` (botocore's names), or ``None``."""
    return DECIDED_AS.get((service, operation))


def started_request(service: str, operation: str, params: Any) -> Start | None:
    """What ``operation``'s request ``params`` is decided as: ``(path, service, operation, request)``, or ``None``
    when the operation is not in :data:`DECIDED_AS`, or the request re-points nothing (then it is what the rule
    table says: sent unread), or is not a mapping."""
    entry = DECIDED_AS.get((service, operation))
    if entry is None or not isinstance(params, Mapping) or entry.routes_nothing(params):
        return None
    return entry.shown(params), entry.started_service, entry.started, entry.request(params)


def names_pipeline(named: Any, pipeline: Any) -> bool:
    """Whether a start's ``PipelineName`` (a name or an ARN) names ``pipeline`` (the moved alias's request names it by
    ARN or by name). Given by name, any ARN ending in that name counts too (any account's), case ignored: more starts
    decided, never fewer."""
    if not isinstance(named, str) or not isinstance(pipeline, str):
        return False
    name = pipeline.rsplit("/", 1)[-1]
    if named[:4].lower() == "arn:" and pipeline == name:   # an ARN in any case (trial 18b F01)
        return named.rsplit("/", 1)[-1].casefold() == name.casefold()
    return named.casefold() in (pipeline.casefold(), name.casefold())
