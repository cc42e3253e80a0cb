"""CloudFormation API requests that deploy a template: its SageMaker requests, decided by the guard.

A ``CreateStack`` whose ``TemplateBody`` holds an ``AWS::SageMaker::NotebookInstance``
causes a ``CreateNotebookInstance`` that no SageMaker client of the process
sends: CloudFormation does. The template is a *source* (as for ``safemaker
check``): :func:`safemaker.iac.cloudformation.template_requests` turns it into
the SageMaker requests it will cause, with the request's ``Parameters``
(``ParameterKey`` / ``ParameterValue``; a parameter not given takes its
``Default``, as CloudFormation does), and :func:`safemaker.iac.decide_requests`
asks the guard (one rule table). This module only maps the findings to the
guard's :class:`~safemaker.errors.Violation` objects, paths prefixed with the
request member (``TemplateBody:Nb.DirectInternetAccess``), for the hooks
(:mod:`safemaker.hooks`) to refuse before anything is sent.

What cannot be verified from the request is refused (fail closed, rule
``SM-REFERENCE``) unless the profile sets ``allow_unverified_templates``:

- a template named by ``TemplateURL`` (CloudFormation reads it from S3 or an SSM
  document when it runs; reading it here first would check a copy that can be
  replaced before CloudFormation reads it);
- ``UsePreviousTemplate`` and a parameter's ``UsePreviousValue`` (the stack's
  current template and values; the hooks first read them on the same client and
  send the template checked instead: ``safemaker.hooks``);
- a value in the template that only deployment knows (a subnet the same stack
  creates, ``Fn::GetAtt``, a pseudo parameter, an SSM parameter type, a
  transform: the ``UNKNOWN`` findings of ``safemaker check``);
- operations that deploy a template the request does not carry:
  :data:`UNSEEN_TEMPLATE_OPERATIONS` (``ExecuteChangeSet``, stack instances);
  the hooks send an ``ExecuteChangeSet`` of a change set whose
  ``CreateChangeSet`` the same guard approved, pinned to its ``Id``
  (:meth:`safemaker.hooks.Guard.provide_stack_params`).

Operations are those of botocore's CloudFormation model whose input has a
``TemplateBody`` or ``TemplateURL`` member (a test derives the list from the
model): :data:`TEMPLATE_OPERATIONS` are decided, :data:`NO_RESOURCE_OPERATIONS`
create nothing.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from ..errors import Violation
from ._document import Document, IacInputError, Unresolved, parse_text
from ._no_echo import NO_ECHO_SHOWN, collecting, masked_violation, no_echo_values
from ._unverified import RELAXATION, relaxed, unknown_finding, unverifiable

if TYPE_CHECKING:  # pragma: no cover
    from ..audit import Finding
    from ..profile import VpcProfile

__all__ = ["TEMPLATE_OPERATIONS", "NO_RESOURCE_OPERATIONS", "UNSEEN_TEMPLATE_OPERATIONS", "DECIDED_OPERATIONS",
           "RELAXATION", "stack_call_violations", "stack_call_decision", "parameter_values"]

TEMPLATE_OPERATIONS: Mapping[str, str] = {
    "CreateStack": "creates the template's resources",
    "UpdateStack": "creates or changes the template's resources",
    "CreateChangeSet": "prepares the template's resources; ExecuteChangeSet creates them",
    "CreateStackSet": "the template every stack instance creates",
    "UpdateStackSet": "the template every stack instance creates or changes",
}
"""CloudFormation operations whose ``TemplateBody`` is decided (a ``TemplateURL`` cannot be verified)."""

NO_RESOURCE_OPERATIONS: Mapping[str, str] = {
    "ValidateTemplate": "validates the template; creates nothing",
    "EstimateTemplateCost": "returns a link to the AWS Pricing Calculator; creates nothing",
    "GetTemplateSummary": "describes the template's parameters and resource types; creates nothing",
    "CreateStackRefactor": "moves existing resources between stacks; a refactor cannot create resources or "
                           "change their configuration (CloudFormation User Guide, Stack refactoring)",
}
"""Operations that take a template and create no resource (why)."""

UNSEEN_TEMPLATE_OPERATIONS: Mapping[str, str] = {
    "ExecuteChangeSet": "creates the resources of a change set's template, which this request does not carry "
                        "(a change set created outside this process was never checked)",
    "CreateStackInstances": "creates the stack set's template in new accounts or regions, with "
                            "ParameterOverrides; the template is not in this request",
    "UpdateStackInstances": "deploys the stack set's template with new ParameterOverrides; the template is not in "
                            "this request",
}
"""Operations that deploy a template the request does not carry: cannot be verified."""

DECIDED_OPERATIONS = frozenset(TEMPLATE_OPERATIONS) | frozenset(UNSEEN_TEMPLATE_OPERATIONS)
"""Every CloudFormation operation the guard decides; any other passes untouched."""


_UNVERIFIED_FIX = (f"pass the template itself as TemplateBody with every value written (or given as Parameters), "
                   f"or an administrator sets {RELAXATION} = true in the profile to deploy templates the guard "
                   "cannot verify")


def _unverifiable(operation: str, path: str, found: Any, why: str) -> Violation:
    return unverifiable(operation, path, found, "a template the guard can verify", why, _UNVERIFIED_FIX)


def parameter_values(given: Any) -> dict[str, Any]:
    """``Parameters`` of the request -> the values the template's ``Ref`` gets (``UsePreviousValue``: unknown)."""
    out: dict[str, Any] = {}
    if not isinstance(given, (list, tuple)):
        return out
    for p in given:
        if not isinstance(p, Mapping) or not isinstance(p.get("ParameterKey"), str):
            continue
        key = p["ParameterKey"]
        if p.get("UsePreviousValue"):
            out[key] = Unresolved({"Ref": key}, "the stack's previous value (UsePreviousValue)")
        elif "ParameterValue" in p:
            out[key] = p["ParameterValue"]
    return out


def _violation(operation: str, f: "Finding") -> Violation:
    where = f.location.logical_id if f.location is not None else ""
    path = f"TemplateBody:{where}.{f.path}" if f.path else f"TemplateBody:{where}"
    line = f" (template line {f.location.line})" if f.location is not None and f.location.line else ""
    if f.status == "FAIL":
        return Violation(operation, path, f.found, f.required, f"{f.fix.rstrip('.')}{line}", f.rule_id,
                         f.required_text)
    # "the same source" of `safemaker check` is the template here (never "resource" -> "retemplate")
    required = re.sub(r"\bsource\b", "template", f.required) if isinstance(f.required, str) else f.required
    return unknown_finding(operation, path, f, required, f"before deployment{line}")


def stack_call_violations(operation: str, params: Mapping[str, Any], profile: "VpcProfile") -> list[Violation]:
    """Every violation of the SageMaker requests a CloudFormation request will cause, decided offline: the violations
    of :func:`stack_call_decision` (what it hands the process guard is not decided here).

    Parameters
    ----------
    operation : str
        CloudFormation operation (botocore's spelling); one of
        :data:`DECIDED_OPERATIONS` is decided, any other returns ``[]``.
    params : Mapping
        The request (botocore's input shape): ``TemplateBody`` (JSON or YAML
        text), ``TemplateURL``, ``UsePreviousTemplate``, ``Parameters``.
    profile : VpcProfile
        The profile; ``allow_unverified_templates`` drops the violations of what
        cannot be verified.

    Returns
    -------
    list[Violation]
        Written violations (rule of the guardrail, path
        ``TemplateBody:<logical ID>.<property path>``) and, unless relaxed,
        ``SM-REFERENCE`` ones for what cannot be verified. Empty: send it.

    Notes
    -----
    A ``TemplateBody`` that is not JSON or YAML, has duplicate keys or is not a
    template is refused (CloudFormation would refuse it too; which duplicate
    counts is not ours to guess). Follows the CloudFormation API reference
    (CreateStack, UpdateStack, CreateChangeSet, CreateStackSet, UpdateStackSet:
    ``TemplateBody``, ``TemplateURL``, ``UsePreviousTemplate``, ``Parameters``).
    """
    return stack_call_decision(operation, params, profile)[0]


def stack_call_decision(operation: str, params: Mapping[str, Any], profile: "VpcProfile",
                        instances: Callable[[], Iterable[tuple[str, Any]]] | None = None
                        ) -> tuple[list[Violation], list[tuple[str, str, str, dict[str, Any]]]]:
    """The violations of :func:`stack_call_violations` (same parameters), and the SageMaker calls of the template the
    process guard decides as the same call sent directly (:func:`safemaker.iac.service_calls.decided_as_direct`, as
    for a Cloud Control resource or a carrier's call): ``(violations, starts)``, each start ``(path, "sagemaker",
    operation, request)`` (:data:`safemaker.iac.service_calls.Start`, path ``TemplateBody:<logical ID>``).

    A start is an ``AWS::SageMaker::Pipeline`` of a stack this request creates or updates (``CreateStack``,
    ``UpdateStack``, ``CreateChangeSet``: in the client's account and region) whose ``CreatePipeline`` /
    ``UpdatePipeline`` makes the pipeline's new latest version while the profile sets
    ``allow_pipeline_network_parameters``, its definition written in the template (``PipelineDefinitionBody``, or
    ``PipelineDefinitionS3Location`` with every value known): the hook decides that version again under the values
    of whatever already starts the latest version (:meth:`safemaker.hooks.Guard._decided_as_violations`). A stack
    set's template is deployed in the accounts and Regions of its instances, which the request does not name: not
    handed on (read offline only).

    ``UpdateStackSet``: CloudFormation updates the stack set's existing instances, each keeping its own
    ``ParameterOverrides`` (CloudFormation API reference, UpdateStackInstances: "During stack set updates, any
    parameters overridden for a stack instance aren't updated, but retain their overridden value"), so the template
    is decided again under each instance's overrides merged over ``Parameters``
    (:func:`safemaker.iac.cloudformation.stack_set_requests`). ``instances`` reads them when the template declares
    a parameter: ``(where, ParameterOverrides)`` per instance (botocore's ``Parameter`` list; the hooks read
    ``ListStackInstances`` and ``DescribeStackInstance``: :meth:`safemaker.hooks.Guard.provide_stack_params`).
    When it raises, or is ``None`` (an offline decision), the instances' overrides are unknown: a parameter that
    reaches a guarded field cannot be verified. All instances are decided, also when the request names some
    (``Accounts``, ``Regions``, ``DeploymentTargets``): the others are updated to the template later."""
    out: list[Violation] = []
    starts: list[tuple[str, str, str, dict[str, Any]]] = []
    if operation in UNSEEN_TEMPLATE_OPERATIONS:
        member = "ChangeSetName" if operation == "ExecuteChangeSet" else "StackSetName"
        out.append(_unverifiable(operation, member, params.get(member), UNSEEN_TEMPLATE_OPERATIONS[operation]))
    elif operation in TEMPLATE_OPERATIONS:
        body = params.get("TemplateBody")
        if body is not None:
            out.extend(_body_violations(operation, body, params.get("Parameters"), profile,
                                        starts if operation in _STACK_OPERATIONS else None,
                                        _overrides_reader(operation, params, instances)))
        elif params.get("TemplateURL") is not None:
            out.append(_unverifiable(operation, "TemplateURL", params["TemplateURL"],
                                     "CloudFormation reads the template from that location when it runs"))
        elif params.get("UsePreviousTemplate"):
            out.append(_unverifiable(operation, "UsePreviousTemplate", params["UsePreviousTemplate"],
                                     "the stack's current template is not in this request"))
    return relaxed(out, profile), starts


_STACK_SET_OPERATIONS = frozenset({"CreateStackSet", "UpdateStackSet"})
_STACK_OPERATIONS = frozenset({"CreateStack", "UpdateStack", "CreateChangeSet"})
"""The operations of :data:`TEMPLATE_OPERATIONS` that deploy the template in the client's own account and Region."""


_EXISTING_INSTANCES = "StackInstances"
"""Where a stack set's existing instances' overrides are shown when they are not read (``<where>/<logical ID>``)."""
INSTANCE_READS = "cloudformation:ListStackInstances and cloudformation:DescribeStackInstance"
"""The IAM actions the guard needs to read an ``UpdateStackSet``'s existing stack instances' overrides."""


def _overrides_reader(operation: str, params: Mapping[str, Any],
                      instances: Callable[[], Iterable[tuple[str, Any]]] | None
                      ) -> Callable[[], list[tuple[str, Any]]] | None:
    """For ``UpdateStackSet``: a reader of its existing instances' overrides, each as values by name
    (:func:`parameter_values`; a value CloudFormation shows masked, ``****`` of a ``NoEcho`` parameter, is
    unknown); ``None`` for any other operation (no instance exists yet, or not a stack set)."""
    if operation != "UpdateStackSet":
        return None

    def read() -> list[tuple[str, Any]]:
        if instances is None:
            raise LookupError("decided without a client to read them")
        out = []
        for where, given in instances():
            values = parameter_values(given)
            out.append((where, {k: Unresolved(v, "a NoEcho override CloudFormation shows masked")
                                if v == NO_ECHO_SHOWN else v for k, v in values.items()}))
        return out

    return read


def _body_violations(operation: str, body: Any, given: Any, profile: "VpcProfile",
                     starts: list[tuple[str, str, str, dict[str, Any]]] | None = None,
                     instances: Callable[[], list[tuple[str, Any]]] | None = None) -> list[Violation]:
    from . import decide_requests
    from .cloudformation import is_template, stack_set_requests, template_requests

    if not isinstance(body, str):
        return [_unverifiable(operation, "TemplateBody", type(body).__name__, "TemplateBody is not text")]
    hidden: set[str] = set()
    try:
        doc: Document = parse_text(body, f"{operation}.TemplateBody")
        if not is_template(doc.data):
            return [Violation(operation, "TemplateBody", "not a CloudFormation template",
                              "a template with a Resources mapping", "Give a CloudFormation template (JSON or "
                              "YAML with Resources whose entries have a Type)", "SM-REFERENCE")]
        values = parameter_values(given)
        # a NoEcho parameter's value, and what the template derives from it, is never shown: the masking of
        # `safemaker check` (safemaker.iac._no_echo), here for the refusal, its violations and the decision log
        hidden = no_echo_values(doc.data, values)
        overrides: list[tuple[str, Any]] = []
        declared = doc.data.get("Parameters")
        if instances is not None and isinstance(declared, Mapping) and declared:
            try:
                overrides = instances()
            except Exception as exc:  # noqa: BLE001 - not read (permissions, an endpoint): cannot be verified
                # every parameter may be overridden: what a parameter reaches cannot be verified (what none reaches
                # is decided as written)
                overrides = [(_EXISTING_INSTANCES, Unresolved(
                    "ParameterOverrides", f"the ParameterOverrides the stack set's existing instances keep through "
                                          f"this update could not be read ({exc})",
                    fix=f"allow the caller {INSTANCE_READS} on the stack set, or update it where they can be "
                        "read"))]
            for _where, o in overrides:
                if isinstance(o, Mapping):
                    hidden |= no_echo_values(doc.data, o)
        with collecting(hidden):
            requests = (stack_set_requests(doc, values, overrides) if operation in _STACK_SET_OPERATIONS
                        else template_requests(doc, values))
    except IacInputError as exc:
        return [masked_violation(Violation(operation, "TemplateBody", "unreadable", "a template the guard can read",
                                           f"Cannot read it: {exc}", "SM-REFERENCE"), hidden)]
    if starts is not None:
        starts.extend(_handed_on(requests, profile))
    with collecting(hidden):
        findings = decide_requests(requests, profile)
    return [masked_violation(_violation(operation, f), hidden) for f in findings]


def _handed_on(requests: list[Any], profile: "VpcProfile") -> list[tuple[str, str, str, dict[str, Any]]]:
    """The template's requests the process guard decides as the same call sent directly
    (:func:`stack_call_decision`); one whose definition is known only at deployment is left to the offline decision
    (cannot be verified there)."""
    from ..rules import RULES
    from ._document import contains_unresolved
    from .service_calls import decided_as_direct, direct_request

    out = []
    for r in requests:
        if r.extra or not r.source_type.startswith("AWS::SageMaker::") or not decided_as_direct(r, profile):
            continue
        rule = RULES.get(r.operation)
        written = [r.params[m] for m in (rule.definition, rule.definition_location) if m and m in r.params] \
            if rule is not None else []
        if written and contains_unresolved(written) is None:
            out.append((f"TemplateBody:{r.logical_id}", "sagemaker", r.operation, direct_request(r)))
    return out
