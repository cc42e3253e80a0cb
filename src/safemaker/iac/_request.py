"""One request a source will cause, and turning the guard's decision on it into findings.

Every front end of this package (CloudFormation, Terraform, Step Functions,
pipeline definitions) produces :class:`SourceRequest` objects; this module asks
the guard (:mod:`safemaker.guard`, the same rule table as every other request)
and maps its violations back to the source: file, line, logical ID and
property path. It decides nothing itself:

- a violation of a written value (or of an absent one: the AWS default) is a
  ``FAIL`` finding with the rule's severity;
- a guarded field (or a referenced resource) holding a value the source cannot
  tell before deployment (:class:`~safemaker.iac._document.Unresolved`) is an
  ``UNKNOWN`` finding, "cannot be verified before deployment", with
  :data:`UNVERIFIABLE_SEVERITY`; the guard's violations about that value are
  replaced by it;
- a referenced resource created by the same source is checked as that
  resource; one named by a written name and not created there exists outside
  the source and cannot be verified before deployment either.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping

from .. import guard as _guard
from .. import paths as _paths
from .. import pipeline as _pipeline
from ..audit import RELATED_CONTROLS, RULE_SEVERITY, Finding, RelatedControls, Severity, SourceLocation
from ..errors import MISSING
from ..resources import in_words
from ..rules import RULES, Guardrail
from ..rules_classification import classify as _classify
from ._choices import guarded_closed_values
from ._document import Parts, Unresolved, contains_unresolved, walk

if TYPE_CHECKING:  # pragma: no cover
    from ..profile import VpcProfile

__all__ = ["SourceRequest", "UNVERIFIABLE_SEVERITY", "decide_requests"]

UNVERIFIABLE_SEVERITY = Severity.MEDIUM
"""Severity of a finding that cannot be verified before deployment (status ``UNKNOWN``):
below a written violation of a network rule (high, critical), at or above the
default ``--fail-on low``, so it is never silently passed; ``--fail-on high``
lets a pipeline pass on them while still listing them."""

_CANNOT_VERIFY = "cannot be verified before deployment"
_PRESENCE_RULES = frozenset(g.value for g in Guardrail if g.name in ("UNSUPPORTED", "LIFECYCLE_SCRIPT"))
"""Rules decided by a field's presence alone (a forbidden field, a lifecycle script): a value inside it that
only deployment knows changes nothing."""


@dataclass
class SourceRequest:
    """A SageMaker API request that a source will cause.

    Attributes
    ----------
    file : str
        Source file.
    logical_id : str
        CloudFormation logical ID, Terraform address, or state path.
    source_type : str
        The type as the source spells it.
    operation : str
        SageMaker operation (botocore's spelling).
    params : dict
        The request (botocore shapes), :class:`Unresolved` where a value is not known.
    source_path : callable
        Maps request path parts to source path parts (for lines and the reported path).
    shown_path : callable
        Maps request path parts to the property path reported (``"VpcConfig.Subnets[0]"``).
    line : callable
        Source path parts -> 1-based line (nearest written ancestor), or ``None``.
    creates : tuple[str, str] or None
        ``(resource key, name)`` when the request creates a named resource (for references).
    extra : list[tuple[Parts, Unresolved, str]]
        Unverifiable values found by the front end itself (a definition kept in S3):
        ``(request parts, value, rule ID)``.
    starts : tuple[str, str, dict] or None
        ``(botocore service, operation, request)`` when the source starts content a service keeps outside
        it (a state machine, an Automation runbook: :data:`safemaker.iac.service_calls.TARGET_STARTS`): the
        process guard reads that content and decides it; a source read on its own cannot (``extra`` says so).
    task_role : Any
        The role a Step Functions Task's ``Credentials`` name (``RoleArn``: a string, or :class:`Unresolved`
        when chosen at run time), or a CDK ``AwsSdkCall``'s ``assumedRoleArn``, or ``None`` for a task without
        ``Credentials`` and any other request (:func:`with_task_role`).
    task_role_member : str
        Where the source names ``task_role`` (for messages), default ``"Credentials.RoleArn"``.
    task_region : Any
        The Region the call is sent to when the source names one (a CDK ``AwsSdkCall``'s ``region``), else
        ``None`` (the Region it is deployed in) (:func:`with_task_role`).
    task_account : Any
        The account a Step Functions task ``Resource`` / Scheduler target ``Arn`` writes in its account field
        (``arn:aws:states:us-east-1:123456789012:sagemaker:...``), else ``None`` (:func:`with_task_role`).
    """

    file: str
    logical_id: str
    source_type: str
    operation: str
    params: dict[str, Any]
    source_path: Callable[[Parts], Parts]
    shown_path: Callable[[Parts], str]
    line: Callable[[Parts], int | None]
    creates: tuple[str, str] | None = None
    extra: list[tuple[Parts, Unresolved, str]] = field(default_factory=list)
    starts: tuple[str, str, dict[str, Any]] | None = None
    task_role: Any = None
    task_role_member: str = "Credentials.RoleArn"
    task_region: Any = None
    task_account: Any = None


def _patterns(operation: str) -> tuple[tuple[tuple[str, ...], str, str | None], ...]:
    return _pipeline._guarded_patterns(operation)


def _parts(path: str) -> Parts:
    """``"A[1].B"`` -> ``("A", 1, "B")``; a pipeline step ``Steps[0:Name]`` keeps index 0
    (:func:`safemaker.paths.parse_path`)."""
    return _paths.parse_path(path)


def _below(a: Parts, b: Parts) -> bool:
    """``a`` is ``b`` or below it."""
    return len(a) >= len(b) and a[: len(b)] == b


def _overlaps(parts: Parts, pattern: tuple[str, ...]) -> bool:
    return _pipeline._overlaps(parts, pattern)


def _value_at(doc: Any, parts: Parts) -> tuple[Any, Unresolved | None]:
    """Value at ``parts`` (MISSING when absent) and the first :class:`Unresolved` on the way down."""
    cur = doc
    for p in parts:
        if isinstance(cur, Unresolved):
            return MISSING, cur
        if isinstance(p, int):
            if not _paths.is_seq(cur) or not 0 <= p < len(cur):
                return MISSING, None
        elif not _paths.is_map(cur) or p not in cur:
            return MISSING, None
        cur = cur[p]
    return cur, cur if isinstance(cur, Unresolved) else None


def _resource_kind(req: SourceRequest) -> str | None:
    rule = RULES.get(req.operation)
    return rule.resource if rule else None


_ROLE_ARN = re.compile(r"arn:[\w-]+:iam::(\d{12}):role/.+")


def _reads_existing(req: SourceRequest) -> bool:
    """Whether ``req`` is decided by describing a resource it names (a pipeline it starts, a model of an endpoint
    config, a notebook to start, a state machine or runbook it runs) rather than from what it writes."""
    from ..decided_as import SAGEMAKER_DECIDED_AS

    if req.starts is not None or req.operation in SAGEMAKER_DECIDED_AS:
        return True
    rule = RULES.get(req.operation)
    return rule is not None and any(_paths.values(req.params, ref.path) for ref in rule.references)


def with_task_role(req: SourceRequest, profile: "VpcProfile") -> SourceRequest:
    """``req``, with the role its Step Functions Task runs under made cannot be verified when the guard could not
    describe what the call names (trial 15c F11); the same for a CDK ``AwsSdkCall``'s ``assumedRoleArn`` ("Used
    for cross-account calls") and ``region`` ("The region to send service API call to"; another Region's resources
    are not what the guard describes) (CDK API reference, ``custom_resources.AwsSdkCall``).

    Amazon States Language, Task ``Credentials`` (API reference ``TaskCredentials.roleArn``: "The ARN of an IAM role
    that Step Functions assumes for the task. The role can allow cross-account access to resources"): a call under a
    role of another account runs there, where the guard's Describe (its own credentials, its own account) reads a
    different resource or none. A role of the profile's account (:attr:`VpcProfile.account_id`) keeps the decision;
    another account's, or one known only at run time (``RoleArn.$``, JSONata, a deployment-time value), is cannot be
    verified (``SM-REFERENCE`` at the request) for a call decided by describing what it names; a call decided
    from what it writes (a training job written in full) is decided as before.
    """
    role, member, region = req.task_role, req.task_role_member, req.task_region
    account = req.task_account
    if (role is None and region is None and account is None) or not _reads_existing(req):
        return req
    if region is not None and region != profile.region:
        shown = region.expression if isinstance(region, Unresolved) else region
        marker = Unresolved(shown, f"the call is sent to Region {shown!r}: what it names there is not what the "
                            f"guard can describe (its Region {profile.region})",
                            fix="Make the call in this Region (no region, or the profile's), or check what it "
                                "names there with safemaker audit in that Region")
        return _with_marker(req, marker)
    if account is not None and account != profile.account_id:
        shown = account.expression if isinstance(account, Unresolved) else account
        marker = Unresolved(shown, f"the task's Resource names account {shown!r}: what the call names there is "
                            f"not what the guard can describe (its account {profile.account_id})",
                            fix="Leave the Resource's account field empty (arn:aws:states:::...) or write the "
                                "profile's account, or check what it names there with safemaker audit")
        return _with_marker(req, marker)
    if role is None:
        return req
    if isinstance(role, str):
        m = _ROLE_ARN.fullmatch(role)
        if m is not None and m.group(1) == profile.account_id:
            return req
        why = (f"the call runs under {member} {role!r}, a role of another account: what the call names "
               f"is that account's, which the guard cannot describe") if m is not None else (
               f"{member} {role!r} is not an IAM role ARN")
        expression: Any = role
    elif isinstance(role, Unresolved) and role.fix:   # a carrier's own account of where it runs (ssm TargetLocations)
        expression, why = role.expression, role.reason
    else:
        expression = role.expression if isinstance(role, Unresolved) else role
        why = (f"{member} is chosen at run time: the call may run in another account, whose "
               "resources the guard cannot describe")
    fix = role.fix if isinstance(role, Unresolved) and role.fix else (
        f"Give {member} a literal role of this account (or none), or check the "
        "resources it names in the other account with safemaker audit there")
    return _with_marker(req, Unresolved(expression, why, fix=fix))


def _with_marker(req: SourceRequest, marker: Unresolved) -> SourceRequest:
    """``req`` with ``marker`` added to its unverifiable values (``SM-REFERENCE`` at the request), once."""
    why = marker.reason
    if any(isinstance(v, Unresolved) and v.reason == why for _, v, _ in req.extra):
        return req
    import dataclasses

    return dataclasses.replace(req, extra=[*req.extra, ((), marker, Guardrail.REFERENCE.value)])


def decide_requests(requests: list[SourceRequest], profile: "VpcProfile") -> list[Finding]:
    """Findings for every request of one source (references matched within that source).

    Parameters
    ----------
    requests : list[SourceRequest]
        The requests of one file (or one CDK stack).
    profile : VpcProfile
        The profile.

    Returns
    -------
    list[Finding]
        In request order; within a request, in the guard's order, then the unverifiable values.
    """
    created: dict[tuple[str, str], SourceRequest] = {}
    by_id: dict[str, SourceRequest] = {}
    requests = [with_task_role(r, profile) for r in requests]
    for r in requests:
        by_id[r.logical_id] = r
        if r.creates is not None:
            created[r.creates] = r
    out: list[Finding] = []
    for r in requests:
        out.extend(_decide_one(r, profile, created, by_id))
    return out


_STEP = re.compile(r"Steps\[\d+:[^\]]*\]")


#: A value the guard's fix text writes as Python's repr after the path: "Set P to True", "Set P to 'Disabled'",
#: "Recreate the resource with P 'Disabled'".
_FIX_LITERAL = r"( to | )(True|False|None|'[^'\\]*'|\"[^\"\\]*\")"


def _in_source_terms(fix: str, api_path: str, shown: str) -> str:
    """The guard's ``fix`` (written for the API request) in the source's terms (trial 14 F05).

    The request path botocore spells (``DirectInternetAccess``) becomes the path as the source spells it
    (Terraform's ``direct_internet_access``), and the value after it the source's literal (JSON's and HCL's
    ``true`` / ``"Disabled"``, which YAML reads alike), not Python's ``True`` / ``'Disabled'``.
    """
    if api_path and shown and api_path != shown:
        fix = re.sub(r"(?<![\w.\[])" + re.escape(api_path) + r"(?![\w\[])", lambda _m: shown, fix)
    target = re.escape(shown or api_path)
    if not target:
        return fix
    return re.sub(r"(?<![\w.\[])(" + target + r")" + _FIX_LITERAL,
                  lambda m: m.group(1) + m.group(2) + json.dumps(ast.literal_eval(m.group(3))), fix)


def _members_at(operation: str, parts: Parts) -> tuple[str, ...]:
    """The member names of the structure at request path ``parts`` of SageMaker ``operation`` (botocore's input
    shape; list elements stepped through), or ``()`` where the path names no structure."""
    from .sdk_calls import _input_shape

    try:
        shape = _input_shape("sagemaker", operation)
    except Exception:  # noqa: BLE001 - an operation botocore does not know: nothing to spell
        return ()
    for part in parts:
        while getattr(shape, "type_name", None) == "list":
            shape = shape.member
        if isinstance(part, int):
            continue
        members = getattr(shape, "members", None)
        if not members or part not in members:
            return ()
        shape = members[part]
    while getattr(shape, "type_name", None) == "list":
        shape = shape.member
    return tuple(getattr(shape, "members", None) or ())


def _finding(req: SourceRequest, parts: Parts, rule_id: str, status: str, found: Any, required: Any,
             required_text: str | None, fix: str, raw_path: str = "") -> Finding:
    shown = req.shown_path(parts)
    for named in _STEP.findall(raw_path):  # keep pipeline step names: Steps[0:Train]
        shown = re.sub(r"Steps\[\d+\](?!:)", lambda _m, _n=named: _n, shown, count=1)
    fix = _in_source_terms(fix, raw_path, shown)
    if req.operation and raw_path:   # the members of the structure the fix names (trial 14b F03)
        for member in _members_at(req.operation, parts):
            spelled = req.shown_path(tuple(parts) + (member,)).rpartition(".")[2]
            if spelled != member and member in fix:
                fix = re.sub(r"(?<![\w.])" + member + r"\b", spelled, fix)
    kind = _resource_kind(req)
    severity = RULE_SEVERITY.get(rule_id, Severity.HIGH) if status == "FAIL" else UNVERIFIABLE_SEVERITY
    related = RELATED_CONTROLS.get((kind or "", rule_id), RelatedControls())
    line = req.line(req.source_path(parts))
    return Finding(
        rule_id, status, severity, kind or req.source_type, f"{req.file}#{req.logical_id}", req.logical_id,
        "", shown, found, required, required_text, fix,
        "update" if status == "FAIL" else "investigate", related,
        SourceLocation(req.file, line, req.logical_id, req.source_type),
    )


def _unverifiable(req: SourceRequest, parts: Parts, value: Unresolved, rule_id: str, what: str = "",
                  raw_path: str = "", required: str = "a value written in the source") -> Finding:
    # The fix serves `safemaker check` and the in-process guard of a CloudFormation call alike (trial 8 F11).
    fix = value.fix if value.fix and not what else (
        f"Write the value in the source (or give it as a template parameter: `safemaker check --parameter`, the "
        f"Parameters of the CloudFormation call), or check the deployed resource with safemaker audit: "
        f"{what or value.reason}")
    return _finding(req, parts, rule_id, "UNKNOWN", f"{_CANNOT_VERIFY}: {value!r} ({value.reason})",
                    required, None, fix, raw_path)


def _written_finding(req: SourceRequest, v: Any, operation: str) -> Finding:
    """The finding of a violation of another service's written call (path ``operation``: the call itself)."""
    parts = () if v.path == operation else _parts(v.path)
    if v.rule_id == Guardrail.REFERENCE.value:
        return _unverifiable(req, parts, Unresolved(v.found, v.fix), v.rule_id, v.fix, v.path)
    return _finding(req, parts, v.rule_id, "FAIL", v.found, v.required, v.required_text, v.fix, v.path)


def _decide_one(req: SourceRequest, profile: "VpcProfile", created: Mapping[tuple[str, str], SourceRequest],
                by_id: Mapping[str, SourceRequest]) -> list[Finding]:
    rule = RULES.get(req.operation)
    if rule is None and req.starts is not None and not req.extra:
        from .service_calls import written_decision

        found = written_decision(*req.starts, profile)
        if found is not None:   # another service's call its written members decide (Neptune ML, a notebook run)
            return [_written_finding(req, v, req.starts[1]) for v in found]
    if rule is None:
        out = [_unverifiable(req, parts, value, rid) for parts, value, rid in req.extra]
        out.extend(_alias_move(req))
        if req.operation and _classify(req.operation) is None:
            # An operation safemaker has not classified (a Step Functions SDK integration newer than
            # botocore): the guard refuses it at run time (SM-UNCLASSIFIED), so here too.
            for v in _guard.check(req.operation, req.params, profile):
                out.append(_finding(req, (), v.rule_id, "FAIL", v.found, v.required, v.required_text, v.fix))
        return out
    decision = _guard._check_as_written(req.operation, req.params, profile)
    patterns = _patterns(req.operation)
    # Every unresolved value in a guarded field or a reference.
    unknown: list[tuple[Parts, Unresolved, str, str | None]] = []
    overrides: list[Finding] = []
    chosen: list[Parts] = []
    for parts, value in walk(req.params):
        if not isinstance(value, Unresolved):
            continue
        if value.choice is not None and guarded_closed_values(req.operation, parts) is not None:
            # a field with a closed set of values holding a deploy-time choice: each of its values is decided
            # by the choices themselves (safemaker.iac._choices), any other one makes the request fail
            chosen.append(parts)
            continue
        hits = [(rid, res) for pat, rid, res in patterns if _overlaps(parts, pat) and rid not in _PRESENCE_RULES]
        if not hits:
            continue
        rid, res = hits[0]
        kinds = {r for _, r in hits if r is not None}
        if kinds and value.refers_to is not None:
            target = by_id.get(value.refers_to)
            if target is not None and _resource_kind(target) in kinds:
                overrides.extend(_execution_overrides(req, target, profile))
                continue  # created by the same source and checked as that resource
        unknown.append((parts, value, rid, res))
    out: list[Finding] = []
    for v in decision.violations:
        parts = _parts(v.path)
        if v.rule_id == Guardrail.REFERENCE.value:
            # The guard could not see a definition's content (kept in S3): not checkable before deployment.
            loc = Unresolved(v.found, "the content is not in the source")
            out.append(_unverifiable(req, parts, loc, v.rule_id, v.fix, v.path))
            continue
        if any(_below(parts, u[0]) or _below(u[0], parts) for u in unknown):
            continue  # replaced by the unverifiable finding of that value
        if any(_below(parts, c) or _below(c, parts) for c in chosen):
            continue  # decided under each value the deployer can choose
        hidden = contains_unresolved(v.found) if v.found is not MISSING else _value_at(req.params, parts)[1]
        if hidden is not None:
            out.append(_unverifiable(req, parts, hidden, v.rule_id, raw_path=v.path))
            continue
        out.append(_finding(req, parts, v.rule_id, "FAIL", v.found, v.required, v.required_text, v.fix, v.path))
    for parts, value, rid, res in unknown:
        what = f"it names a {res} that is not created by this source" if res else ""
        out.append(_unverifiable(req, parts, value, rid, what))
    for parts, value, rid in req.extra:
        out.append(_unverifiable(req, parts, value, rid))
    out.extend(overrides)
    out.extend(_alias_given(req))
    for ref in decision.references:
        if (ref.resource, ref.name) in created:
            out.extend(_execution_overrides(req, created[(ref.resource, ref.name)], profile))
            continue  # created by the same source, checked there
        parts = _parts(ref.path)
        value = Unresolved(ref.name, f"names an existing {ref.resource} that is not in the source")
        out.append(_unverifiable(req, parts, value, Guardrail.REFERENCE.value,
                                 f"{ref.path} names the {ref.resource} {ref.name!r}; define it in the same "
                                 "source or audit the deployed one",
                                 required=f"{in_words(ref.resource)} the same source creates (an existing one "
                                          "is not described before deployment)"))
    return out


def _alias_move(req: SourceRequest) -> list[Finding]:
    """A SageMaker ``UpdatePipelineVersion`` written in a source (a Step Functions task, an Automation step, a
    schedule's universal target, a CDK ``AwsCustomResource``) that adds an alias (it re-points a name:
    :func:`safemaker.decided_as.started_request`, the table the hooks and the process guard's carriers read; one
    chosen when it runs may): every start of the alias runs that pipeline version from then on. The hooks decide it
    as a start of the version (its definition described); a version's definition is kept by SageMaker, not by the
    source (even for a pipeline the source creates: the source has its newest definition only), so it cannot be
    verified before deployment (session 15, trial 15 F03)."""
    from ..decided_as import SAGEMAKER_DECIDED_AS, started_request

    if req.operation not in SAGEMAKER_DECIDED_AS or started_request("sagemaker", req.operation, req.params) is None:
        return []   # a name, a description or a Remove: routes nothing anew
    ops = req.params.get("PipelineVersionAliasOperations")
    add = ops.get("Add") if _paths.is_map(ops) else ops
    hidden = contains_unresolved(add)
    parts: Parts = ("PipelineVersionAliasOperations",) + (("Add",) if _paths.is_map(ops) else ())
    arn, version = req.params.get("PipelineArn"), req.params.get("PipelineVersionId")
    value = Unresolved(add if hidden is None else hidden.expression,
                       f"moves the alias to version {version!r} of the pipeline {arn!r}, whose definition SageMaker "
                       "keeps (not in the source): every start of the alias runs it from then on",
                       fix="move the alias from a guarded process (it describes the version and decides it as a "
                           "start of it), or start the pipeline by name (its definition in the source is checked)")
    return [_unverifiable(req, parts, value, Guardrail.REFERENCE.value,
                          required="a pipeline version whose definition the source holds (none does)")]


def _alias_given(req: SourceRequest) -> list[Finding]:
    """A SageMaker ``CreatePipeline`` / ``UpdatePipeline`` written in a source (a carrier's call: the resource types
    have no alias property) that gives the version it makes ``PipelineVersionAliases`` (it re-points a name:
    :func:`safemaker.decided_as.started_request`, an entry with a definition): every start of the alias runs that
    version from then on, among them the account's schedules that start it with parameter values of their own. The
    request's definition is decided with its defaults (its rule); when it declares parameters, what those schedules
    give them is not in the source, so the alias cannot be verified before deployment (the hooks read the schedules
    and decide the definition under each one's values; trial 15c F01). A definition known only at deployment is
    reported by its rule already."""
    from ..decided_as import SAGEMAKER_DECIDED_AS, decided_as, started_request

    if req.operation not in SAGEMAKER_DECIDED_AS or started_request("sagemaker", req.operation, req.params) is None:
        return []
    entry = decided_as("sagemaker", req.operation)
    text = req.params.get(entry.definition) if entry.definition is not None else None
    try:
        parameters = json.loads(text).get("Parameters") if isinstance(text, str) else None
    except (ValueError, AttributeError):
        parameters = None   # not a JSON object: its rule reports it
    if not parameters:
        return []   # no parameter a start could give a value: the defaults' decision is every start's
    aliases = req.params["PipelineVersionAliases"]
    hidden = contains_unresolved(aliases)
    value = Unresolved(aliases if hidden is None else hidden.expression,
                       f"gives the alias to the version of pipeline {req.params.get('PipelineName')!r} this request "
                       "makes, whose parameters the account's schedules that start the alias may give values of "
                       "their own (they are not in the source)",
                       fix="give the alias from a guarded process (it reads the schedules and decides the definition "
                           "under each one's values), or leave the network settings out of the parameters")
    return [_unverifiable(req, ("PipelineVersionAliases",), value, Guardrail.REFERENCE.value,
                          required="a version whose every start is in the source")]


def _execution_overrides(req: SourceRequest, pipeline: SourceRequest, profile: "VpcProfile") -> list[Finding]:
    """Findings of a pipeline of the same source run with a ``StartPipelineExecution``'s parameters.

    The pipeline's own request is decided with its defaults; an execution that gives its parameters
    other values (an EventBridge target's ``PipelineParameterList``) runs the definition with those,
    as the hooks check at run time (:func:`safemaker.guard.check_description` with
    ``pipeline_parameters``). Nothing to add when the execution gives no parameter, or when a value
    or the definition is not known before deployment (reported as such elsewhere).
    """
    given = req.params.get("PipelineParameters") if req.operation == "StartPipelineExecution" else None
    definition = pipeline.params.get("PipelineDefinition")
    if not _paths.is_seq(given) or not given or pipeline.operation != "CreatePipeline" \
            or definition is None or contains_unresolved(definition) is not None:
        return []
    values = _pipeline.execution_parameters(req.params)
    repeated = [_finding(req, ("PipelineParameters", _parts(v.path)[1], "Name"), v.rule_id,
                         "FAIL", v.found, v.required, v.required_text, v.fix)
                for v in _pipeline.repeated_parameters(req.operation, req.params)]
    if repeated:
        return repeated
    for i, p in enumerate(given):
        if isinstance(p, Mapping) and isinstance(p.get("Value"), Unresolved) and isinstance(p.get("Name"), str):
            return [_unverifiable(req, ("PipelineParameters", i, "Value"), p["Value"], Guardrail.REFERENCE.value,
                                  f"the execution gives Parameters.{p['Name']} a value known at deployment")]
    described = {"PipelineDefinition": definition}
    with_defaults = {(v.path, v.rule_id, repr(v.found)) for v in _guard.check_description(
        "CreatePipeline", described, profile, operation=req.operation)}  # reported on the pipeline itself
    violations = [v for v in _guard.check_description("CreatePipeline", described, profile, operation=req.operation,
                                                      pipeline_parameters=values)
                  if (v.path, v.rule_id, repr(v.found)) not in with_defaults]
    return [_finding(req, ("PipelineParameters",), v.rule_id, "FAIL", v.found, v.required, v.required_text,
                     f"{v.fix} (in {v.path} when the pipeline {pipeline.logical_id} runs with this target's "
                     "parameters)") for v in violations]
