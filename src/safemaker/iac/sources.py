"""One recognised source (a template, plan or definition), the requests it will cause, and their findings.

:func:`_classify` recognises a document by content (CloudFormation template,
Terraform plan, Step Functions definition, SageMaker pipeline definition) and
turns it into a :class:`SourceFile`: its requests, and for a template the
parameters its deployer may choose. :func:`decide_source` decides those
requests with the guard, under every deploy-time choice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, AbstractSet, Any, Callable, Mapping, MutableSet

from ..audit import Finding
from ._choices import Option, decide_choices, parameter_options
from ._document import Document
from ._no_echo import collecting, masked_finding, no_echo_values
from ._request import SourceRequest, decide_requests
from .cloudformation import is_template, template_requests
from .stepfunctions import apply_substitutions, definition_requests, is_state_machine
from .terraform import is_plan, plan_requests, sensitive_values

if TYPE_CHECKING:  # pragma: no cover
    from ..profile import VpcProfile

__all__ = ["SourceFile", "decide_source"]


@dataclass
class SourceFile:
    """One recognised source and the requests it will cause.

    Attributes
    ----------
    file : str
        The file (for a CDK stack: its template inside the assembly).
    kind : str
        ``"cloudformation"``, ``"cdk"``, ``"terraform-plan"``, ``"stepfunctions"``,
        ``"pipeline-definition"`` or ``"unrecognised"``.
    requests : list[SourceRequest]
        The SageMaker requests found (may be empty: no SageMaker resource), with the
        template's defaults and the values given.
    options : list[Option]
        A template's parameters chosen at deployment and not given (every type but the
        SSM parameter types): :func:`decide_source` decides under each of their values.
    build : callable or None
        ``build(values)`` -> the requests with those parameter values (``None`` when
        ``options`` is empty).
    checked : int or None
        After :func:`decide_source`: how many distinct requests (resource and operation)
        were decided under any of the choices (a resource whose ``Condition`` is false
        with the defaults is decided under the choices that create it); ``None`` before.
    hidden : set[str]
        The values of a template's ``NoEcho`` parameters (``Default``, ``AllowedValues``, a value given) and what
        the template derives from them (:mod:`safemaker.iac._no_echo`; it grows while the choices are decided):
        never shown in a finding (:func:`decide_source` masks them as ``****``).
    """

    file: str
    kind: str
    requests: list[SourceRequest] = field(default_factory=list)
    options: list[Option] = field(default_factory=list)
    build: Callable[[Mapping[str, Any]], list[SourceRequest]] | None = None
    checked: int | None = None
    hidden: AbstractSet[str] = frozenset()


def decide_source(src: SourceFile, profile: "VpcProfile") -> list[Finding]:
    """Findings of one source: its requests decided by the guard, under every deploy-time choice.

    Parameters
    ----------
    src : SourceFile
        From :func:`scan_paths`.
    profile : VpcProfile
        The profile.

    Returns
    -------
    list[Finding]
        :func:`decide_requests` of ``src.requests``; for a template whose parameters
        offer choices (``src.options``), also each finding only some choice causes,
        with ``location.when`` naming the parameters and values
        (:mod:`safemaker.iac._choices`).
    """
    hidden = src.hidden if isinstance(src.hidden, MutableSet) else set(src.hidden)
    with collecting(hidden):   # a value resolved while deciding is remembered too
        if not src.options or src.build is None:
            src.checked = len(src.requests)
            return _without_hidden(decide_requests(src.requests, profile), hidden)
        seen: set[tuple[str, str]] = set()

        def decide(requests: list[SourceRequest]) -> list[Finding]:
            seen.update((r.logical_id, r.operation) for r in requests)
            return decide_requests(requests, profile)

        findings = decide_choices(src.options, src.build, decide)
        src.checked = len(seen)
        return _without_hidden(findings, hidden)


def _without_hidden(findings: list[Finding], hidden: AbstractSet[str]) -> list[Finding]:
    """``findings`` with every ``hidden`` value shown as ``****`` (:func:`safemaker.iac._no_echo.masked_finding`)."""
    if not hidden:
        return findings
    return [masked_finding(f, hidden) for f in findings]


def _template_source(doc: Document, kind: str, parameters: Mapping[str, str], **kwargs: Any) -> SourceFile:
    """A CloudFormation template's requests, with the parameters its deploy form lets the deployer choose."""
    hidden = no_echo_values(doc.data, parameters)   # grows with what the template derives from them (_no_echo)
    with collecting(hidden):
        requests = template_requests(doc, parameters, **kwargs)
    options = parameter_options(doc.data, parameters) if isinstance(doc.data, Mapping) else []
    if not options:
        return SourceFile(doc.file, kind, requests, hidden=hidden)

    def build(values: Mapping[str, Any]) -> list[SourceRequest]:
        with collecting(hidden):
            return template_requests(doc, {**parameters, **values}, **kwargs)

    return SourceFile(doc.file, kind, requests, options, build, hidden=hidden)


def _is_pipeline_definition(data: Any) -> bool:
    return isinstance(data, Mapping) and isinstance(data.get("Steps"), list) and "Version" in data


def _pipeline_requests(doc: Document) -> list[SourceRequest]:
    from ..guard import format_path

    def source_path(parts: tuple[Any, ...]) -> tuple[Any, ...]:
        return parts[1:] if parts[:1] == ("PipelineDefinition",) else parts

    def shown(parts: tuple[Any, ...]) -> str:
        return format_path(source_path(parts)) or "PipelineDefinition"

    return [SourceRequest(doc.file, "PipelineDefinition", "SageMaker pipeline definition", "CreatePipeline",
                          {"PipelineDefinition": doc.data}, source_path, shown, doc.line)]


def _classify(doc: Document, parameters: Mapping[str, str], pseudo: Mapping[str, str] | None = None) -> SourceFile:
    data = doc.data
    if is_template(data):
        return _template_source(doc, "cloudformation", parameters, pseudo=pseudo)
    if is_plan(data):
        return SourceFile(doc.file, "terraform-plan", plan_requests(doc), hidden=sensitive_values(data))
    if is_state_machine(data):
        return SourceFile(doc.file, "stepfunctions",
                          definition_requests(doc, apply_substitutions(data, parameters), (), None))
    if _is_pipeline_definition(data):
        return SourceFile(doc.file, "pipeline-definition", _pipeline_requests(doc))
    return SourceFile(doc.file, "unrecognised")


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()
