"""The audit's work on one resource: list it, describe it (and what it references), turn violations into findings.

:class:`_Auditor` holds the clients of one account (one per region), the
profile and the run's options. :meth:`_Auditor.list_items` pages through a
type's List call; :meth:`_Auditor.audit` describes one listed resource (or
reads its List summary or ``Search`` record), checks the description with the
rules of the operation that creates it (:func:`safemaker.guard.check_resource`:
the guard's rule table), follows the resources it names, and returns its
findings. Every call that fails gives an ``UNKNOWN`` finding, never a
compliant result. :mod:`safemaker.audit.runner` drives it over regions and
types; :mod:`safemaker.audit._processes` runs it in worker processes.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterator, Literal, Mapping

from botocore import xform_name

from .. import paths as _paths
from ..errors import MISSING, StatePickling, Violation
from ..guard import check_resource, not_deployed, references
from ..resources import RESOURCES
from ..rules import RULES, Guardrail
from .cache import _LruCache
from .coverage import _refused, summary_covers
from .findings import _NO_CONTROLS, RELATED_CONTROLS, RULE_SEVERITY, Finding, ProgressEvent, Severity
from .fixes import _error_reason, _fix, _unknown_fix
from .service_model import _adopt_service_model, _service_model
from .stats import AuditStats

if TYPE_CHECKING:  # pragma: no cover
    from ..profile import VpcProfile

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Item:
    region: str
    kind: str
    name: str
    params: Mapping[str, str]
    arn: str | None
    summary: Mapping[str, Any] | None = None   # the List summary, checked as the description (summary_covers)
    created: Any = None   # the List summary's CreationTime: a Search record is this resource's only if it matches


def _record_of(item: _Item, record: dict[str, Any] | None) -> dict[str, Any] | None:
    """The ``Search`` record of a listed resource, or ``None`` (describe it): only a record created when the
    List summary says the resource was. Search's index can lag: a resource deleted and re-created under the
    same name (the same ARN) may still have the old one's record, which must not stand for the new one."""
    if record is None or item.created is None or record.get("CreationTime") != item.created:
        return None
    return record


class _Unknown(StatePickling, Exception):
    """A Describe call failed: the resource cannot be checked."""

    def __init__(self, operation: str, params: Mapping[str, str], reason: str) -> None:
        super().__init__(reason)
        self.operation = operation
        self.params = dict(params)
        self.reason = reason


def _call_repr(operation: str, params: Mapping[str, str]) -> str:
    return f"{operation}(" + ", ".join(f"{k}={v!r}" for k, v in params.items()) + ")"


def _dig(doc: Any, dotted: str) -> Any:
    value = _paths.get_path(doc, dotted)
    return None if value is MISSING else value


_REFERENCED_KINDS = frozenset({"model", "endpoint-config", "domain"})
_DEPLOYED_KINDS = frozenset({"model", "endpoint-config"})  # what an endpoint runs (trial 18c F01)


@dataclass(frozen=True)
class _NotDeployed(Violation):
    """An endpoint config or model created after the endpoint's ``LastModifiedTime`` (not what it runs)."""


@dataclass(frozen=True)
class _Referenced(Violation):
    """A violation of a referenced resource, with its path prefixed by the reference chain."""

    origin_kind: str = ""
    origin: Violation | None = None


class _Auditor:
    def __init__(self, profile: "VpcProfile", clients: Mapping[str, Any], *, since: _dt.datetime | None,
                 active_only: bool, progress: Callable[[ProgressEvent], None] | None,
                 account_id: str | None = None, stats: AuditStats | None = None, use_search: bool = True) -> None:
        self.profile = profile
        self.clients = clients
        self.since = since
        self.active_only = active_only
        self.progress = progress
        self.account_id = account_id
        self.stats = stats if stats is not None else AuditStats()
        self.use_search = use_search
        self.cache = _LruCache(4096)
        # the descriptions of endpoint configs and models: an endpoint's are compared with its LastModifiedTime
        self.described = _LruCache(4096)
        for client in clients.values():
            _adopt_service_model(client)
            break
        self._inflight: dict[Any, threading.Event] = {}
        self._inflight_lock = threading.Lock()

    def search_records(self, region: str, kind: str) -> dict[str, dict[str, Any]] | None:
        """Search records of ``kind`` by name, or ``None`` (Search not used or failed: Describe each)."""
        from .search import search_covers, search_records

        if not self.use_search or not search_covers(kind):
            return None
        return search_records(self.clients[region], kind, since=self.since, count=self.stats.count)

    # ---------------------------------------------------------------- listing

    def _page_size(self, op: str) -> int | None:
        shape = _service_model().operation_model(op).input_shape
        member = shape.members.get("MaxResults")
        if member is None:
            return None
        return int(min(100, member.metadata.get("max", 100)))

    def list_items(self, region: str, kind: str) -> Iterator[_Item | Finding]:
        spec = RESOURCES[kind]
        client = self.clients[region]
        assert spec.list_operation and spec.list_key and spec.list_name_key
        base: dict[str, Any] = {}
        if self.since is not None and spec.created_after_param:
            base[spec.created_after_param] = self.since
        base.update(spec.list_params)
        page_size = self._page_size(spec.list_operation)
        variants: list[dict[str, Any]] = [dict(base)]
        if spec.list_each:   # a required enum parameter (ListJobs' JobCategory): one List per value
            values = _service_model().operation_model(spec.list_operation).input_shape.members[spec.list_each].enum
            variants = [dict(base, **{spec.list_each: v}) for v in values]
        if self.active_only and spec.active_statuses:
            variants = [dict(v, StatusEquals=s) for v in variants for s in spec.active_statuses]
        keep_summary = summary_covers(kind)
        paginator = client.get_paginator(xform_name(spec.list_operation))
        for kwargs in variants:
            if page_size:
                kwargs["PaginationConfig"] = {"PageSize": page_size}
            try:
                for page in paginator.paginate(**kwargs):
                    self.stats.count(spec.list_operation)
                    batch = []
                    for summary in page.get(spec.list_key, []):
                        if self.since is not None and not spec.created_after_param:
                            created = summary.get("CreationTime") or summary.get("CreateDate")
                            if isinstance(created, _dt.datetime) and created < self.since:
                                continue
                        if spec.gone_statuses and summary.get(spec.status_key) in spec.gone_statuses:
                            continue   # listed, but no longer exists (a Deleted app)
                        name = summary.get(spec.list_name_key)
                        if not name:
                            continue
                        arn = summary.get(spec.list_arn_key) if spec.list_arn_key else None
                        if spec.name_from_arn:   # <type>/<name> after the ARN's fifth colon
                            name = name.split(":", 5)[-1].partition("/")[2] or name
                        params = {spec.name_param: name}
                        for param, key in spec.extra_params:
                            value = summary.get(key)
                            if value is not None and value != "":   # an app names a user profile or a space
                                params[param] = value
                        batch.append(_Item(region, kind, name, params, arn, summary if keep_summary else None,
                                           summary.get("CreationTime")))
                    if batch and self.progress:
                        self.progress(ProgressEvent("listed", region, kind, len(batch)))
                    yield from batch
            except Exception as exc:  # a failed List is UNKNOWN, never "nothing there"
                self.stats.count(spec.list_operation)
                reason = _error_reason(exc)
                logger.debug("%s failed in %s: %s", spec.list_operation, region, reason)
                yield self._unknown(_Item(region, kind, "*", {}, None), spec.list_operation, kwargs, reason,
                                    what=f"{spec.list_operation} failed, so no {kind} in {region} was checked")

    # ---------------------------------------------------------------- describing

    def _describe(self, region: str, kind: str, params: Mapping[str, str]) -> dict[str, Any]:
        spec = RESOURCES[kind]
        client = self.clients[region]
        self.stats.count(spec.describe_operation)
        try:
            out = getattr(client, xform_name(spec.describe_operation))(**params)
        except Exception as exc:
            raise _Unknown(spec.describe_operation, params, _error_reason(exc)) from exc
        out.pop("ResponseMetadata", None)
        if kind in _DEPLOYED_KINDS:
            self.described.put((region, kind, tuple(sorted(params.items()))), out)
        return out

    def _deployed(self, region: str, kind: str, name: str) -> dict[str, Any]:
        """The description of an endpoint config or model, described once (:attr:`described`)."""
        params = {RESOURCES[kind].name_param: name}
        hit = self.described.get((region, kind, tuple(sorted(params.items()))))
        return hit if hit is not MISSING else self._describe(region, kind, params)

    def _not_deployed(self, region: str, endpoint: Mapping[str, Any],
                      refs: list[tuple[str, str, Any]]) -> list[Violation]:
        """An endpoint's endpoint config, or a model that config names, created after the endpoint's
        ``LastModifiedTime``: not what the endpoint runs, so it cannot be verified
        (:func:`safemaker.guard.not_deployed`, trial 18c F01). A Describe that fails here was reported by the
        reference itself."""
        out: list[Violation] = []
        for path, ref_kind, name in refs:
            if ref_kind != "endpoint-config":
                continue
            via = f"{path} -> {_call_repr('DescribeEndpointConfig', {'EndpointConfigName': name})}"
            try:
                config = self._deployed(region, ref_kind, name)
            except _Unknown:
                continue
            stale = not_deployed("CreateEndpoint", via, endpoint, ref_kind, name, config)
            if stale is not None:
                out.append(_NotDeployed(*(getattr(stale, f.name) for f in dataclasses.fields(stale))))
                continue
            for r in references("CreateEndpointConfig", config, described=True):
                if r.resource != "model":
                    continue
                try:
                    model = self._deployed(region, "model", r.name)
                except _Unknown:
                    continue
                model_via = f"{via}.{r.path} -> {_call_repr('DescribeModel', {'ModelName': r.name})}"
                stale = not_deployed("CreateEndpoint", model_via, endpoint, "model", r.name, model)
                if stale is not None:
                    out.append(_NotDeployed(*(getattr(stale, f.name) for f in dataclasses.fields(stale))))
        return out

    def _violations(self, region: str, kind: str, params: Mapping[str, str],
                    description: Mapping[str, Any] | None = None, depth: int = 0) -> list[Violation]:
        """Every violation of one resource, including those of the resources it references."""
        if description is None:
            key = (region, kind, tuple(sorted(params.items())))
            while True:
                cached = self.cache.get(key)
                if cached is not MISSING:
                    if isinstance(cached, _Unknown):
                        raise cached
                    return cached
                # one Describe per referenced resource: the resources naming it wait for the first one's answer
                with self._inflight_lock:
                    busy = self._inflight.get(key)
                    if busy is None:
                        self._inflight[key] = threading.Event()
                if busy is None:
                    break
                busy.wait()
                if self.cache.get(key) is MISSING:  # evicted meanwhile (or the owner failed): describe it here
                    break
            try:
                description = self._describe(region, kind, params)
                result = self._violations(region, kind, params, description, depth)
            except _Unknown as exc:
                self.cache.put(key, exc)
                raise
            else:
                self.cache.put(key, result)
            finally:  # cached first, then the waiters woken
                with self._inflight_lock:
                    done = self._inflight.pop(key, None)
                if done is not None:
                    done.set()
            return result
        out: list[Violation] = []
        spec = RESOURCES[kind]
        if spec.create_operation in RULES or _refused(spec.create_operation):
            out.extend(check_resource(kind, description, self.profile))
            refs = [(r.path, r.resource, r.name) for r in references(spec.create_operation, description, described=True)]
        else:  # an endpoint before the rule table has CreateEndpoint: follow EndpointConfigName
            config = description.get("EndpointConfigName")
            refs = [("EndpointConfigName", "endpoint-config", config)] if isinstance(config, str) and config else []
        if kind == "endpoint" and not refs:
            out.append(Violation("CreateEndpoint", "EndpointConfigName", MISSING, "an endpoint config",
                                 "DescribeEndpoint names no endpoint config", Guardrail.REFERENCE.value,
                                 "an endpoint config that can be described"))
        if depth < 3:
            for path, ref_kind, name in refs:
                ref_spec = RESOURCES[ref_kind]
                ref_params = {ref_spec.name_param: name}
                via = f"{path} -> {_call_repr(ref_spec.describe_operation, ref_params)}"
                try:
                    ref_violations = self._violations(region, ref_kind, ref_params, None, depth + 1)
                except _Unknown as exc:
                    out.append(Violation(RESOURCES[kind].create_operation, via, exc.reason, "a description",
                                         f"{_call_repr(exc.operation, exc.params)} failed", Guardrail.REFERENCE.value,
                                         "a resource that can be described"))
                    continue
                out.extend(_Referenced(v.operation, f"{via}.{v.path}", v.found, v.required, v.fix, v.rule_id,
                                       v.required_text, ref_kind, v) for v in ref_violations)
        if kind == "endpoint":  # after its references: their descriptions are read from `described`
            out.extend(self._not_deployed(region, description, refs))
        return out

    def audit(self, item: _Item, description: dict[str, Any] | None = None) -> list[Finding]:
        self.stats.checked(from_search=description is not None)
        if description is None and item.summary is not None:   # summary_covers: the List summary is enough
            description = dict(item.summary)
        if description is None:
            try:
                description = self._describe(item.region, item.kind, item.params)
            except _Unknown as exc:
                return [self._unknown(item, exc.operation, exc.params, exc.reason)]
        arn = _dig(description, RESOURCES[item.kind].arn_key) or item.arn or self._arn(item)
        try:
            violations = self._violations(item.region, item.kind, item.params, description)
        except Exception as exc:  # a rule that cannot read this description: not checked, so UNKNOWN
            logger.debug("checking %s %s failed", item.kind, item.name, exc_info=True)
            return [self._unknown(item, "check_resource", {}, _error_reason(exc))]
        if item.kind in _REFERENCED_KINDS:  # endpoints and endpoint configs reuse this result
            self.cache.put((item.region, item.kind, tuple(sorted(item.params.items()))), violations)
        if item.kind in _DEPLOYED_KINDS and item.summary is None:  # and an endpoint its CreationTime
            self.described.put((item.region, item.kind, tuple(sorted(item.params.items()))), description)
        findings = [self._finding(item, arn, v) for v in violations]
        if item.kind == "pipeline":
            # UpdatePipeline makes a new version: the open one stays and can still be started by its ID
            findings = [dataclasses.replace(f, fix=f"{f.fix.rstrip('.')}. UpdatePipeline makes a new version; the "
                                                   "open one can still be started with its PipelineVersionId until "
                                                   "the pipeline is deleted and created again")
                        if f.status == "FAIL" and f.fix_action == "update" else f for f in findings]
            findings.extend(self._pipeline_versions(item, arn, description))
        return findings

    def _pipeline_versions(self, item: _Item, arn: str, latest: Mapping[str, Any]) -> list[Finding]:
        """The earlier versions of a pipeline, which can still be started (trial 10 F13).

        ``StartPipelineExecution`` takes ``PipelineVersionId`` ("The ID of the pipeline version to start
        execution from") and ``DescribePipeline`` without one describes the latest version only. Every version
        ``ListPipelineVersions`` lists ("Gets a list of all versions of the pipeline") is described with its
        ``PipelineVersionId``, unless there is just one (the latest, already checked); a version whose definition
        is the latest's has the latest's findings. Each finding of another version names it in its path
        (``DescribePipeline(PipelineName='p', PipelineVersionId='1').PipelineDefinition...``). A List or Describe
        that fails is UNKNOWN, never clean.
        """
        name = item.params[RESOURCES[item.kind].name_param]
        client = self.clients[item.region]
        ids: list[Any] = []
        kwargs: dict[str, Any] = {"PipelineName": name}
        page_size = self._page_size("ListPipelineVersions")
        try:
            for page in client.get_paginator("list_pipeline_versions").paginate(
                    **kwargs, PaginationConfig={"PageSize": page_size} if page_size else {}):
                self.stats.count("ListPipelineVersions")
                ids.extend(v["PipelineVersionId"] for v in page.get("PipelineVersionSummaries", [])
                           if v.get("PipelineVersionId") is not None)
        except Exception as exc:
            self.stats.count("ListPipelineVersions")
            return [self._unknown(item, "ListPipelineVersions", kwargs, _error_reason(exc),
                                  what=f"ListPipelineVersions failed, so the earlier versions of {name} (which can "
                                       "still be started with PipelineVersionId) were not checked")]
        if len(ids) <= 1:
            return []
        out: list[Finding] = []
        for version in dict.fromkeys(ids):
            params = {"PipelineName": name, "PipelineVersionId": version}
            try:
                description = self._describe(item.region, item.kind, params)
                if description.get("PipelineDefinition") == latest.get("PipelineDefinition"):
                    continue
                violations = self._violations(item.region, item.kind, params, description)
            except _Unknown as exc:
                out.append(self._unknown(item, exc.operation, exc.params, exc.reason))
                continue
            except Exception as exc:  # a rule that cannot read this description: not checked, so UNKNOWN
                out.append(self._unknown(item, "check_resource", params, _error_reason(exc)))
                continue
            via = _call_repr("DescribePipeline", {k: str(v) for k, v in params.items()})
            for v in violations:
                f = self._finding(item, arn, dataclasses.replace(v, path=f"{via}.{v.path}"))
                if f.status == "FAIL":
                    f = dataclasses.replace(f, fix_action="recreate", fix=(
                        f"Version {version} of the pipeline can still be started (StartPipelineExecution with "
                        f"PipelineVersionId {version}) although a later version replaced it: delete the pipeline "
                        "(DeletePipeline deletes every version) and create it again closed, or deny "
                        f"sagemaker:StartPipelineExecution where sagemaker:PipelineVersionId is {version}. "
                        f"The version's own problem: {f.fix}"))
                out.append(f)
        return out

    # ---------------------------------------------------------------- findings

    def _arn(self, item: _Item) -> str:
        p = self.profile
        name = "/".join([*(v for k, v in item.params.items() if k != RESOURCES[item.kind].name_param), item.name])
        return f"arn:{p.partition}:sagemaker:{item.region}:{self.account_id or p.account_id}:{item.kind}/{name}"

    def _account(self, arn: str) -> str | None:
        if self.account_id:
            return self.account_id
        parts = arn.split(":")
        return parts[4] if len(parts) > 5 and parts[4] else (self.profile.account_id or None)

    def _unknown(self, item: _Item, operation: str, params: Mapping[str, Any], reason: str,
                 what: str | None = None) -> Finding:
        shown = {k: v for k, v in params.items() if k != "PaginationConfig"}
        call = _call_repr(operation, {k: str(v) for k, v in shown.items()})
        return Finding(
            rule_id=Guardrail.REFERENCE.value, status="UNKNOWN", severity=RULE_SEVERITY[Guardrail.REFERENCE.value],
            resource_type=item.kind, resource_arn=item.arn or self._arn(item), resource_name=item.name,
            region=item.region, path=call, found=reason, required="a successful describe",
            required_text="a resource that can be described",
            fix=_unknown_fix(operation, what, reason),
            fix_action="investigate", account=self._account(item.arn or self._arn(item)),
        )

    def _finding(self, item: _Item, arn: str, v: Violation) -> Finding:
        if isinstance(v, _NotDeployed):  # what the endpoint runs cannot be verified: redeploying it is the fix
            return Finding(v.rule_id, "UNKNOWN", RULE_SEVERITY[v.rule_id], item.kind, arn, item.name, item.region,
                           v.path, v.found, v.required, v.required_text,
                           f"{v.fix}; it is not assumed compliant", "update", _NO_CONTROLS, account=self._account(arn))
        if v.rule_id == Guardrail.REFERENCE.value:
            return Finding(v.rule_id, "UNKNOWN", RULE_SEVERITY[v.rule_id], item.kind, arn, item.name, item.region,
                           v.path, v.found, v.required, v.required_text,
                           f"{v.fix}: the referenced resource is not assumed compliant; grant the Describe "
                           "permission or fix the reference, and audit again", "investigate",
                           _NO_CONTROLS, account=self._account(arn))
        action: Literal["update", "recreate", "delete"]
        create = RESOURCES[item.kind].create_operation
        if v.rule_id == Guardrail.UNSUPPORTED.value and v.path == create and not isinstance(v, _Referenced):
            # the guard refuses creating any such resource: the existing one is the finding
            noun = item.kind.replace("-", " ")
            delete = "Delete" + create[len("Create"):]
            how = f"call {delete}" if delete in _service_model().operation_names else "delete it"
            return Finding(v.rule_id, "FAIL", RULE_SEVERITY.get(v.rule_id, Severity.HIGH), item.kind, arn,
                           item.name, item.region, v.path, v.found, v.required, v.required_text,
                           f"Delete the {noun} ({how}) unless an administrator has checked it: safemaker refuses "
                           f"{create} because {v.fix.rstrip('.')}", "delete",
                           _NO_CONTROLS, account=self._account(arn))
        if isinstance(v, _Referenced):
            origin_kind, origin = v.origin_kind, v.origin
            while isinstance(origin, _Referenced):
                origin_kind, origin = origin.origin_kind, origin.origin
            assert origin is not None
            text, action = _fix(origin_kind, origin)
            fix = f"In the referenced {origin_kind.replace('-', ' ')}: {text}"
            if item.kind == "endpoint":
                fix = f"Create a compliant model and endpoint config, then call UpdateEndpoint to switch to it ({text})"
                action = "update"
            related = _NO_CONTROLS
        else:
            fix, action = _fix(item.kind, v)
            related = RELATED_CONTROLS.get((item.kind, v.rule_id), _NO_CONTROLS)
        severity = RULE_SEVERITY.get(v.rule_id, Severity.HIGH)
        return Finding(v.rule_id, "FAIL", severity, item.kind, arn, item.name, item.region, v.path, v.found,
                       v.required, v.required_text, fix, action, related, account=self._account(arn))
