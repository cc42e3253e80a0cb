"""Wire the guard to botocore: every request a guarded SageMaker client sends is decided first.

The guard runs on ``provide-client-params.sagemaker.<Operation>``: before
``before-parameter-build`` (where :class:`botocore.stub.Stubber` compares
parameters) and before botocore's own parameter validation, so injected
values are validated too and visible to a Stubber. Whatever built the
request (SDK v2, SDK v3, sagemaker-core, raw boto3, the SDK's hidden jobs),
it is the final request that is decided.

The hooks hold no policy: :mod:`safemaker.guard` decides; this module asks,
resolves referenced resources with Describe calls on the same client, logs
the decision and refuses or sends.

Example
-------
>>> import boto3, safemaker
>>> session = boto3.Session(region_name="us-east-1")
>>> safemaker.install(session, profile)            # doctest: +SKIP
>>> sm = session.client("sagemaker")                # guarded
>>> sm.create_training_job(...)                     # refused or injected before sending
"""

from __future__ import annotations

import datetime as _dt
import inspect
import json
import logging
import os
import re
import threading
import time
import weakref
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal, Mapping

from botocore.exceptions import BotoCoreError, ClientError

from . import guard as _guard
from . import members as _members
from . import preflight as _preflight
from . import process as _process
from ._redact import install_log_redaction
from .partitions import dns_suffixes
from .decided_as import SAGEMAKER_DECIDED_AS, decided_as, names_pipeline, started_request
from .errors import MISSING, GuardrailViolation, InputError, SafemakerError, UnguardableClientError, Violation, aws_error
from .paths import is_map as _is_map
from .resources import in_words
from .rules import RESOURCES, RULES, Guardrail, reference_scope
from .rules_classification import NO_NETWORK_EFFECT

if TYPE_CHECKING:  # pragma: no cover
    from .profile import VpcProfile

__all__ = ["Guard", "DecisionRecord", "install", "uninstall", "installed", "UNIQUE_ID", "SESSION_UNIQUE_ID",
           "MAX_REFERENCES", "MAX_REFERENCE_DEPTH", "MAX_DEFINITION_BYTES", "UnguardableClientError"]

logger = logging.getLogger(__name__)

UNIQUE_ID = "safemaker-guard"
"""``unique_id`` of the request handler on a client (installing twice is harmless)."""
SESSION_UNIQUE_ID = "safemaker-guard-session"
"""``unique_id`` of the client-class handler on a session. Distinct from :data:`UNIQUE_ID`:
a client's emitter starts as a copy of its session's, unique IDs included."""

_PIPELINE_ARN = re.compile(r"arn:[\w-]+:sagemaker:([\w-]*):(\d{12}):pipeline/(?P<name>[^/]+)", re.I)
"""A SageMaker pipeline's ARN (groups: region, account, ``name``), as an EventBridge / Scheduler / Pipes target names
it: the ARNs of the pipeline pattern of :data:`safemaker.iac.service_calls.TARGET_STARTS` (a test compares them), here
so that the hook does not import the IaC reader."""

_PIPELINE: Any = None
"""safemaker.pipeline, once :meth:`Guard._relaxed_parameters` has imported it."""

_PARAMS_EVENT = "provide-client-params.sagemaker"
_CLASS_EVENT = "creating-client-class.sagemaker"
_STACK_PARAMS_EVENT = "provide-client-params.cloudformation"
_STACK_CLASS_EVENT = "creating-client-class.cloudformation"
_STACK_SESSION_UNIQUE_ID = SESSION_UNIQUE_ID + "-cloudformation"
"""``unique_id`` of the client-class handler for CloudFormation clients on a session (one id per event)."""

Mode = Literal["enforce", "warn"]

MAX_REFERENCES = 32
"""Most referenced resources checked for one request; more are refused as unverifiable."""
MAX_REFERENCE_DEPTH = 3
"""How deep references are followed (inference component -> endpoint -> endpoint config -> model)."""
MAX_DEFINITION_BYTES = 10 * 1024 * 1024
"""Largest pipeline definition fetched from ``PipelineDefinitionS3Location``; larger ones are refused."""

_DEPRECATED_REFERENCE_CACHE = (
    "nothing is reused across requests any more: every request describes the resources it references again "
    "(a Describe result reused for reference_ttl seconds approved a model or endpoint config that another process "
    "had deleted and created again, open, under the same name; issue 13)")


def __getattr__(name: str) -> Any:
    """``CACHED_RESOURCES`` (deprecated): an empty set, with a :class:`DeprecationWarning`."""
    if name == "CACHED_RESOURCES":
        import warnings

        warnings.warn(f"safemaker.hooks.CACHED_RESOURCES is deprecated and empty: {_DEPRECATED_REFERENCE_CACHE}",
                      DeprecationWarning, stacklevel=2)
        return frozenset()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

_AWS_DOMAINS = tuple("." + suffix for suffix in dns_suffixes())  # every partition's, from botocore's data


@dataclass(frozen=True)
class DecisionRecord:
    """One decision, as written to the decision log (compliance evidence).

    Attributes
    ----------
    time : str
        UTC time, ISO 8601 with milliseconds (``2026-12-06T07:41:02.123+00:00``),
        written from :attr:`timestamp` when read.
    timestamp : float
        The same time in seconds since the epoch (:func:`time.time`).
    operation : str
        The SageMaker operation.
    mode : {"enforce", "warn"}
        The guard's mode.
    outcome : {"allowed", "injected", "refused", "warned"}
        ``warned``: violations found in warn mode, request sent unchanged.
    injected : tuple[str, ...]
        Paths injected (in warn mode: that would have been injected).
    violations : tuple[Violation, ...]
        Every violation (of the request and of the resources it references).
    references : tuple[str, ...]
        ``"<resource>:<name>"`` of each referenced resource checked.
    region : str or None
        The client's region.
    """

    timestamp: float
    operation: str
    mode: str
    outcome: str
    injected: tuple[str, ...]
    violations: tuple[Violation, ...]
    references: tuple[str, ...]
    region: str | None

    @property
    def time(self) -> str:
        """UTC time, ISO 8601 with milliseconds (formatted when read: a record is made per request)."""
        return _dt.datetime.fromtimestamp(self.timestamp, _dt.timezone.utc).isoformat(timespec="milliseconds")

    def _repr_markdown_(self) -> str:
        from .ipython import decisions_markdown

        return decisions_markdown([self])

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict. Holds no request values but the network fields' own."""
        return {
            "time": self.time,
            "operation": self.operation,
            "mode": self.mode,
            "outcome": self.outcome,
            "injected": list(self.injected),
            "violations": [v.as_dict() for v in self.violations],
            "references": list(self.references),
            "region": self.region,
        }


_new_record = object.__new__
_time = time.time
_NO_REFERENCES: frozenset[tuple[str, str]] = frozenset()


class _Reads(list):
    """What one decision checked (``"<resource>:<name>"``, as its :class:`DecisionRecord` lists it) and the
    Describe results it read to check it (:attr:`described`), for that decision only: a resource named twice in
    one request (two variants of one model) is described once; the next request describes it again."""

    __slots__ = ("described",)

    def __init__(self) -> None:
        super().__init__()
        self.described: dict[Any, Mapping[str, Any]] = {}


@dataclass
class Guard:
    """An installed guard: a profile, a mode and where its decisions go.

    Parameters
    ----------
    profile : VpcProfile
        The allowed values.
    mode : {"enforce", "warn"}, default "enforce"
        ``enforce`` injects and refuses. ``warn`` sends every request
        unchanged and records what it would have injected and refused (for
        gradual adoption).
    decision_log : str, os.PathLike, file-like or None
        Where to append JSON lines, one per decision; default: the
        ``SAFEMAKER_DECISION_LOG`` environment variable, else none.
    reference_ttl : float or None, default None
        Deprecated, no effect (a :class:`DeprecationWarning` when given). It
        was how long a Describe result of a referenced model or endpoint
        config was reused; every request now describes the resources it
        references again, so an approval never outlives the resource it
        approved (a resource deleted and created again under the same name by
        another process is described again).
    keep : int, default 1000
        How many recent decisions :attr:`decisions` keeps in memory.

    Attributes
    ----------
    decisions : collections.deque[DecisionRecord]
        The most recent decisions, newest last.

    Raises
    ------
    safemaker.errors.InputError
        (a ``ValueError``) ``mode`` is neither ``"enforce"`` nor ``"warn"``.
    """

    profile: "VpcProfile"
    mode: Mode = "enforce"
    decision_log: str | os.PathLike[str] | IO[str] | None = None
    reference_ttl: float | None = None
    keep: int = 1000
    decisions: deque = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.mode not in ("enforce", "warn"):
            raise InputError("mode", self.mode, "'enforce' or 'warn'")
        if self.decision_log is None and os.environ.get("SAFEMAKER_DECISION_LOG"):
            self.decision_log = os.environ["SAFEMAKER_DECISION_LOG"]
        self.decisions = deque(maxlen=self.keep)
        if self.reference_ttl is not None:
            import warnings

            warnings.warn(f"Guard(reference_ttl={self.reference_ttl!r}) is deprecated and has no effect: "
                          f"{_DEPRECATED_REFERENCE_CACHE}; leave it out", DeprecationWarning, stacklevel=3)
        self._log_lock = threading.Lock()
        self._session_ref: Any = None  # weakref to the boto3 session installed on, if any
        self._s3_clients: "weakref.WeakKeyDictionary[Any, Any]" = weakref.WeakKeyDictionary()
        self._s3_lock = threading.Lock()
        # change sets whose CreateChangeSet this guard approved: (StackName or StackId, ChangeSetName) -> Id
        self._change_sets: dict[tuple[Any, Any], str] = {}
        self._change_set_ids: set[str] = set()

    def _repr_markdown_(self) -> str:
        from .ipython import guard_markdown

        return guard_markdown(self)

    # ------------------------------------------------------------------ events

    def provide_client_params(self, params: Mapping[str, Any], model: Any, client_ref: Any = None,
                              context: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any] | None:
        """botocore handler: decide on the request, refuse or return the request to send.

        The guard decides on its own deep copy of ``params`` and, in enforce
        mode, returns that copy as the request to send: a caller that changes
        its nested dicts or lists afterwards (another thread) cannot change
        what is sent. What it approved goes into botocore's request
        ``context`` (:data:`safemaker.process.APPROVAL_KEY`); the final
        serialized request is checked against it just before it is sent
        (:func:`safemaker.process.verify_final_request`).

        Raises
        ------
        GuardrailViolation
            In enforce mode, when the request or a resource it references
            breaks a guardrail. Nothing has been sent.
        """
        operation = model.name
        rule = RULES.get(operation)
        re_points = operation in SAGEMAKER_DECIDED_AS and started_request("sagemaker", operation, params) is not None
        if re_points and decided_as("sagemaker", operation).definition is None:
            # re-points a name earlier starts run by: decided as a start of what it names (safemaker.decided_as, the
            # table every carrier reads too)
            return self._decided_as(operation, params, client_ref, context)
        if rule is None and operation not in _preflight.PREFLIGHT_OPERATIONS and operation in NO_NETWORK_EFFECT:
            # classified as having no network effect: nothing to decide (an operation the
            # classification does not know goes on to decide, which refuses it)
            if context is not None and not self._defers(context):
                _process.ensure_send_check()
                context[_process.APPROVAL_KEY] = _process.Approval(self, operation, frozenset())
            return None
        given = params  # botocore's: what a warn-mode guard lets go out
        params = _process.own_copy(params)  # the guard's own copy: decided on, and (enforce) sent
        client = client_ref() if client_ref is not None else None
        fetched: Any = None
        fetch_error: Violation | None = None
        checked = _Reads()
        if rule is not None and rule.definition_location and params.get(rule.definition_location) \
                and not params.get(rule.definition):
            location = params[rule.definition_location]
            try:
                fetched, version = self._fetch_definition(client, location)
                checked.append(f"s3:{_s3_uri(location)}")
                if version and version != "null" and not location.get("VersionId"):
                    # pin the object version read and checked: an overwrite after this read cannot
                    # change what SageMaker reads (GetObject's VersionId; "null": not versioned)
                    params[rule.definition_location] = {**location, "VersionId": version}
                elif not location.get("VersionId"):
                    # no version to pin (a bucket without versioning): anyone who may write the object
                    # can replace it before SageMaker reads it, so the text checked is sent inline
                    params[rule.definition] = _inline_definition(client, operation, rule, location, fetched)
                    del params[rule.definition_location]
                    fetched = None
            except _UnpinnableDefinition as exc:
                fetch_error = Violation(
                    operation, rule.definition_location, location, "a definition that cannot change after the check",
                    f"Cannot send the definition checked: {exc}", Guardrail.REFERENCE.value,
                    "an S3 object version to pin, or a definition short enough to send inline")
            except SafemakerError as exc:
                fetch_error = Violation(
                    operation, rule.definition_location, location, "a readable S3 object",
                    f"Cannot check the definition ({exc}); make sure the object exists and you may read it",
                    Guardrail.REFERENCE.value, "a pipeline definition that can be read and checked")
        decision = _guard.decide(operation, params, self.profile, pipeline_definition=fetched)
        for warning in decision.warnings:
            _preflight.emit_warning(warning, stacklevel=8)
        violations = list(decision.violations)
        if rule is not None:  # a member newer than the rule table (botocore newer than safemaker): refused
            violations += _members.unknown_member_violations(model, params, self.profile)
        if fetch_error is not None:
            violations = [v for v in violations if v.path != fetch_error.path] + [fetch_error]
        if decision.references:
            violations += self._check_references(operation, decision.references, client, checked,
                                                 request=params)
        if fetch_error is None and (re_points or (
                rule is not None and rule.definition is not None and operation in SAGEMAKER_DECIDED_AS
                and self._relaxed_parameters(operation, rule.definition, decision.params, fetched))):
            # it gives the version it makes an alias (trial 15c F01), or makes the latest version with a parameter
            # in a guarded field, accepted only by the relaxation (session 16): decided as every standing start of
            # it too, the definition checked the one this request sends (the S3 object read above, or inline)
            violations += self._decided_as_violations(operation, decision.params, client, checked,
                                                      definition=fetched)
        region = getattr(getattr(client, "meta", None), "region_name", None)
        if self.mode == "warn":
            outcome = "warned" if violations else ("injected" if decision.injected else "allowed")
            self._record(operation, outcome, decision.injected, violations, checked, region)
            # approved: the request as given, which is what goes out (nothing is injected in warn mode); the
            # final-request check then reports only what a later handler changes
            import dataclasses

            self._approve(context, operation, dataclasses.replace(decision, params=given), rule, given, fetched,
                          check=not violations)
            return None
        if violations:
            self._record(operation, "refused", decision.injected, violations, checked, region)
            raise GuardrailViolation(operation, violations)
        self._record(operation, "injected" if decision.injected else "allowed", decision.injected, (),
                     checked, region)
        return self._approve(context, operation, decision, rule, params, fetched, send=True)

    def _decided_as(self, operation: str, params: Mapping[str, Any], client_ref: Any,
                    context: dict[str, Any] | None) -> dict[str, Any] | None:
        """Decide a SageMaker request of :data:`safemaker.decided_as.DECIDED_AS` sent directly
        (:meth:`_decided_as_violations`), record it, and return the request to send (``None`` in warn mode)."""
        params = _process.own_copy(params)
        client = client_ref() if client_ref is not None else None
        checked = _Reads()
        violations = self._decided_as_violations(operation, params, client, checked)
        region = getattr(getattr(client, "meta", None), "region_name", None)
        if not self._settle(operation, violations, checked, region):
            return None
        if context is not None and not self._defers(context):
            _process.ensure_send_check()
            context[_process.APPROVAL_KEY] = _process.Approval(self, operation, frozenset())
        return params

    def _decided_as_violations(self, operation: str, params: Mapping[str, Any], client: Any,
                               checked: list[str], definition: Any = None) -> list[Violation]:
        """The violations of a SageMaker request decided as the request it makes run
        (:data:`safemaker.decided_as.DECIDED_AS`), sent directly or by a carrier (:meth:`_started_violations`: a Step
        Functions task, a universal target, an Automation step; trial 15 F03); ``[]`` when it re-points nothing.

        ``UpdatePipelineVersion`` adding aliases to a version (trial 14b F05) is decided as ``StartPipelineExecution``
        of that version: botocore sagemaker ``StartPipelineExecution.PipelineVersionAlias`` "The alias of the pipeline
        version to start the execution from", ``PipelineVersionAliasOperations.Add`` "The aliases to add to the
        pipeline version". Every start of the alias (a schedule, a rule, a Step Functions task decided earlier on the
        version the alias named then) runs this version from then on, so its definition is described
        (``DescribePipeline`` with its ``PipelineVersionId``) and checked as a start of it would be. An update that
        adds no alias (name, description, ``Remove``) routes nothing anew and is not decided.

        A start of the alias may give the version parameter values of its own: each EventBridge Scheduler schedule
        of the client's region whose universal target starts the pipeline by an added alias with
        ``PipelineParameters`` (:meth:`_alias_schedules`; any alias when a carrier's aliases are known only when it
        runs) has the version decided again with its values, as its next run will start it (session 15); what that
        adds to the defaults' decision is reported on the schedule. The schedules not read (listing or reading one
        failed) make it cannot be verified.

        ``CreatePipeline`` / ``UpdatePipeline`` giving ``PipelineVersionAliases`` (botocore: "The aliases to assign to
        the first version of the pipeline" / "to the new pipeline version that this update creates"; trial 15c F01)
        put an alias on the version they make, whose definition is the request's own
        (:attr:`safemaker.decided_as.DecidedAs.definition`; ``definition``: the text read from its
        ``PipelineDefinitionS3Location``, when the caller read it): its rule decides it under its defaults, and here
        it is decided again under each such schedule's values, as a start of that version would be. A carrier's
        definition given only as an S3 location is read here (when it cannot be read: cannot be verified).

        The version they make is the pipeline's latest too (session 16): when its definition has a parameter in a
        guarded field accepted only by the profile's ``allow_pipeline_network_parameters``
        (:meth:`_relaxed_parameters`), with or without aliases, it is decided again under the values of everything
        that starts the latest version with values of its own (:meth:`_pipeline_starts` with ``latest``: schedules,
        EventBridge rule targets, EventBridge Pipes targets); without the relaxation, or without such a parameter,
        nothing more is read (a request giving no alias is then not decided here)."""
        start = started_request("sagemaker", operation, params)
        entry = decided_as("sagemaker", operation)
        if start is None:   # no alias given: a request that makes the latest version, under the relaxation
            if entry is None or entry.definition is None or not self._relaxes_parameters() \
                    or not isinstance(params, Mapping):
                return []
            start = (f"{entry.definition} (the latest version of pipeline {params.get('PipelineName')!r} from now "
                     "on)", entry.started_service, entry.started, entry.request(params))
        where, _service, started, request = start
        latest = False   # whether what starts the latest version is read too (the version made is the latest)
        if entry.definition is None:   # the version exists: described, decided as a start of it with its defaults
            violations = self._started_violations(operation, [start], client, checked, ())
            if operation != "UpdatePipelineVersion":
                return violations
            pipeline = params.get("PipelineArn")
            ops = params.get("PipelineVersionAliasOperations")
            aliases = ops.get("Add") if isinstance(ops, Mapping) else None
        else:   # the version this request makes: its own rule decides it with its defaults
            definition, unread = self._own_definition(operation, entry.definition, params, client, definition)
            if unread is not None:
                return [unread]
            violations = []
            pipeline = params.get("PipelineName")
            aliases = params.get("PipelineVersionAliases") or ()   # none given: no alias (not any alias)
            # the version made is the latest too: what starts the latest version with values of its own is read
            # only when a parameter stands in a guarded field (accepted by the relaxation alone); else its defaults'
            # decision is every such start's
            latest = self._relaxed_parameters(operation, entry.definition, params, definition)
            if not latest and not aliases:
                return []
            if latest and not isinstance(pipeline, str):
                # which pipeline it makes the latest version of is known only when it runs (a stack's
                # Fn::Sub of AWS::StackName, a task's value from its input): what starts it cannot be found
                return [Violation(operation, where, pipeline, "a pipeline name known before it runs",
                                  f"Cannot verify it: a parameter stands in a guarded field of the definition, and "
                                  f"what already starts the pipeline's latest version with its own values runs it; "
                                  f"which pipeline that is is known only when it runs ({pipeline}); write the "
                                  "PipelineName", Guardrail.REFERENCE.value)]
        made = (operation, definition) if entry.definition is not None else None

        def decided(v: Violation) -> tuple[str, str, str]:
            return v.path.rsplit(f" -> {started}.", 1)[-1], v.rule_id, repr(v.found)

        def start_of(label: str, parameters: Any) -> list[Violation]:
            given = {**request, "PipelineParameters": parameters} if parameters is not None else request
            return self._pipeline_start_violations(operation, f"{where} with {label}", given, client, checked,
                                                   definition=made)

        with_defaults = {decided(v) for v in (violations if made is None else start_of("its defaults", None))}
        schedules, unread_schedules = self._pipeline_starts(
            operation, where, client, pipeline, list(aliases) if isinstance(aliases, (list, tuple)) else None,
            latest=latest)
        violations += unread_schedules
        if self._values_may_decide(made is not None, latest, request, client, checked):
            # a parameter may stand in a guarded field: the state machines and runbooks that start the alias (or the
            # latest version) with values written in them decide it too (trial 16 F03)
            from .iac.pipeline_starters import carrier_pipeline_starts

            carried, unread_carriers = carrier_pipeline_starts(
                lambda service: self._other_client(client, service), operation, where, pipeline,
                list(aliases) if isinstance(aliases, (list, tuple)) else None, latest=latest)
            schedules += carried
            violations += unread_carriers
        for label, parameters in schedules:
            violations += [v for v in start_of(label, parameters) if decided(v) not in with_defaults]
        return violations

    def _relaxes_parameters(self) -> bool:
        """Whether the profile lets a pipeline parameter stand in a guarded field
        (``allow_pipeline_network_parameters``)."""
        return bool(getattr(self.profile, "allow_pipeline_network_parameters", False))

    def _relaxed_parameters(self, operation: str, member: str, params: Mapping[str, Any], text: Any) -> bool:
        """Whether the definition of ``operation``'s request ``params`` (inline at ``member``, else ``text``: what was
        read from its rule's S3 location) has a parameter in a guarded field, accepted only because of the profile's
        ``allow_pipeline_network_parameters`` (:attr:`safemaker.pipeline.DefinitionCheck.relaxed`; the rule's check of
        the same text, cached, is reused): ``False`` without the relaxation, nothing read."""
        if not self._relaxes_parameters():
            return False
        global _PIPELINE
        if _PIPELINE is None:
            from . import pipeline as _PIPELINE   # imported on first need (the hook's import stays light)
        inline = params.get(member)
        if inline.__class__ is str and inline:
            text, prefix = inline, member
        else:
            rule = RULES.get(operation)
            prefix = rule.definition_location if rule is not None and rule.definition_location else member
        return text is not None and bool(_PIPELINE.check_definition(text, self.profile, operation=operation,
                                                                    prefix=prefix).relaxed)

    def _values_may_decide(self, made: bool, latest: bool, request: Mapping[str, Any], client: Any,
                           checked: list[str]) -> bool:
        """Whether a start's own parameter values may decide what the version an alias is put on runs (then the
        account's state machines and runbooks are read, :func:`safemaker.iac.pipeline_starters.carrier_pipeline_
        starts`). A version the request makes (``made``): when a parameter stands in a guarded field of its
        definition, accepted only by ``allow_pipeline_network_parameters`` (``latest``, :meth:`_relaxed_parameters`;
        without the relaxation such a parameter is refused by the request's rule). An existing version
        (``UpdatePipelineVersion``; made before the guard, perhaps with such a parameter): when it declares
        ``Parameters``, described as its start with the defaults was (``request``, the memo reused); one that cannot
        be described counts (read: more decided, never less)."""
        if made:
            return latest
        try:
            named = self._pipeline_by_name(request, client).get("PipelineName")
            version = request.get("PipelineVersionId")
            described = self._describe(self._other_client(client, "sagemaker"), "DescribePipeline", "PipelineName",
                                       named, {"PipelineVersionId": version} if version is not None else None,
                                       memo=getattr(checked, "described", None))
            text = described.get("PipelineDefinition")
        except Exception:  # noqa: BLE001 - not described: read the carriers (fail closed)
            return True
        try:
            document = json.loads(text.decode() if isinstance(text, bytes) else text)
        except (TypeError, ValueError, UnicodeDecodeError):
            return True
        return not isinstance(document, Mapping) or bool(document.get("Parameters"))

    def _own_definition(self, operation: str, member: str, params: Mapping[str, Any], client: Any,
                        fetched: Any) -> tuple[Any, Violation | None]:
        """The definition of the version ``params`` makes (:meth:`_decided_as_violations`): ``member`` inline,
        else ``fetched`` (read by the caller), else its rule's S3 location read now; ``(text, None)``, or
        ``(None, violation)`` when it cannot be read."""
        inline = params.get(member)
        if isinstance(inline, str) and inline:
            return inline, None
        if fetched is not None:
            return fetched, None
        rule = RULES.get(operation)
        location = params.get(rule.definition_location) if rule is not None and rule.definition_location else None
        if location is not None:
            try:
                return self._fetch_definition(client, location)[0], None
            except SafemakerError as exc:
                why = str(exc)
        else:
            why = f"the request gives no {member} known before it runs"
        return None, Violation(operation, member, inline if inline is not None else location,
                               "a pipeline definition that can be read and checked",
                               f"Cannot verify the version it gives an alias ({why}): every start of the alias runs "
                               "it", Guardrail.REFERENCE.value)

    def _pipeline_starts(self, operation: str, where: str, client: Any, pipeline: Any, aliases: list[Any] | None,
                         latest: bool = False) -> tuple[list[tuple[str, Any]], list[Violation]]:
        """What already starts ``pipeline`` (its ARN, or its name: then any ARN ending in that name counts too, case
        ignored; a start may name it by ARN or by name) with parameter values of its own, in ``client``'s region:
        ``([(label, parameters)], [])`` (``parameters``: ``[{Name, Value}]``, as ``StartPipelineExecution`` takes
        them), or ``(found, [violation, ...])`` naming each source that could not be read (its IAM actions to allow).

        By alias: an EventBridge Scheduler schedule whose universal target (botocore scheduler ``Target.Arn``
        ``arn:aws:scheduler:::aws-sdk:sagemaker:startPipelineExecution``, its ``Input`` the request) starts it by one
        of ``aliases`` (``None``: by any alias) with ``PipelineParameters``. ``ListSchedules`` (every group, paginated)
        gives each schedule's target ARN; ``GetSchedule`` reads the ``Input``. An ``Input`` that is not one JSON object
        cannot say which pipeline it starts: cannot be verified, as its ``CreateSchedule`` is (trial 14 F04).

        ``latest``: also what starts its latest version (no ``PipelineVersionAlias``, no ``PipelineVersionId``; a
        ``CreatePipeline`` / ``UpdatePipeline`` makes the new latest version): a universal target's ``Input`` so; a
        schedule's templated target (``Target.Arn`` the pipeline's ARN, ``Target.SageMakerPipelineParameters.
        PipelineParameterList``); an EventBridge rule's target (events ``ListEventBuses``, then per bus
        ``ListRuleNamesByTarget`` of the pipeline's ARN, its account from STS ``GetCallerIdentity``, its name as given
        and lower-cased, and ``ListTargetsByRule``: ``Targets[].SageMakerPipelineParameters.PipelineParameterList``);
        an EventBridge Pipes target (``ListPipes``, ``DescribePipe``: ``TargetParameters.SageMakerPipelineParameters.
        PipelineParameterList``; a parameter ``Name`` that is a dynamic JSON path, chosen from the event at run time,
        cannot be verified). Disabled schedules and rules and stopped pipes count: enabling or starting one later is
        not decided again on this version."""
        import re

        from ._json import loads_strict

        # the words in any case (trial 18b F01), as safemaker.iac.stepfunctions reads a universal target
        universal_start = re.compile(r"arn:[\w-]+:scheduler:[\w-]*:\d*:aws-sdk:sagemaker:startPipelineExecution", re.I)
        name = pipeline.rsplit("/", 1)[-1] if isinstance(pipeline, str) else pipeline

        def names_it(named: Any) -> bool:
            return names_pipeline(named, pipeline)

        out: list[tuple[str, Any]] = []
        unread: list[Violation] = []

        def cannot_read(what: str, exc: Exception, actions: str) -> None:
            unread.append(Violation(
                operation, where, pipeline, f"the {what} that start the pipeline, read",
                f"Cannot verify it: the {what} that may start {'the alias' if not latest else 'the pipeline'} "
                f"with their own parameters could not be read ({exc}); allow {actions}, or "
                f"{'move the alias' if not latest else 'make the change'} where they can be read",
                Guardrail.REFERENCE.value))

        try:   # EventBridge Scheduler: universal targets (by alias, or the latest), templated targets (the latest)
            scheduler = self._other_client(client, "scheduler")
            for page in scheduler.get_paginator("list_schedules").paginate():
                for summary in page.get("Schedules") or ():
                    arn = str((summary.get("Target") or {}).get("Arn", ""))
                    universal = bool(universal_start.fullmatch(arn))
                    if not universal and not (latest and _PIPELINE_ARN.fullmatch(arn) and names_it(arn)):
                        continue
                    group, sched = summary.get("GroupName") or "default", summary.get("Name")
                    target = scheduler.get_schedule(Name=sched, GroupName=group).get("Target") or {}
                    if not universal:
                        given = (target.get("SageMakerPipelineParameters") or {}).get("PipelineParameterList")
                        if given:
                            out.append((f"the parameters of schedule {group}/{sched} (Target.SageMakerPipeline"
                                        "Parameters.PipelineParameterList)", given))
                        continue
                    try:
                        request = loads_strict(target.get("Input") or "{}")
                    except ValueError as exc:
                        request = exc
                    if not isinstance(request, Mapping):
                        return out, unread + [Violation(
                            operation, f"{where} with schedule {group}/{sched}", target.get("Input"),
                            "a schedule Input that is one JSON object",
                            f"Cannot verify it: schedule {group}/{sched} starts a SageMaker pipeline by an Input that "
                            f"is not one JSON object ({request}), which may start this "
                            f"{'alias' if not latest else 'pipeline'} with its own parameters",
                            Guardrail.REFERENCE.value)]
                    alias = request.get("PipelineVersionAlias")
                    if not names_it(request.get("PipelineName")):
                        continue
                    if alias is None:
                        if not latest or request.get("PipelineVersionId") is not None:
                            continue
                    elif aliases is not None and alias not in aliases:
                        continue
                    if request.get("PipelineParameters"):   # none: the defaults, decided already
                        out.append((f"the parameters of schedule {group}/{sched} (Target.Input)",
                                    request["PipelineParameters"]))
        except Exception as exc:  # noqa: BLE001 - not read (permissions, an endpoint): cannot be verified
            cannot_read("EventBridge Scheduler schedules", exc, "scheduler:ListSchedules and scheduler:GetSchedule")
        if not latest or not isinstance(pipeline, str):
            return out, unread
        try:   # EventBridge rules of every bus whose target is the pipeline
            events = self._other_client(client, "events")
            arns = self._pipeline_arns(client, pipeline, name)
            buses: list[str] = []
            token: dict[str, Any] = {}
            while True:
                page = events.list_event_buses(**token)
                buses += [b["Name"] for b in page.get("EventBuses") or () if b.get("Name")]
                if not page.get("NextToken"):
                    break
                token = {"NextToken": page["NextToken"]}
            for bus in buses or ["default"]:
                rules = {r for arn in arns for page in events.get_paginator("list_rule_names_by_target").paginate(
                    TargetArn=arn, EventBusName=bus) for r in page.get("RuleNames") or ()}
                for rule in sorted(rules):
                    for page in events.get_paginator("list_targets_by_rule").paginate(Rule=rule, EventBusName=bus):
                        for t in page.get("Targets") or ():
                            given = (t.get("SageMakerPipelineParameters") or {}).get("PipelineParameterList")
                            if names_it(t.get("Arn")) and given:
                                out.append((f"the parameters of EventBridge rule {bus}/{rule} target {t.get('Id')} "
                                            "(SageMakerPipelineParameters.PipelineParameterList)", given))
        except Exception as exc:  # noqa: BLE001
            cannot_read("EventBridge rules", exc, "events:ListEventBuses, events:ListRuleNamesByTarget and "
                                                  "events:ListTargetsByRule")
        try:   # EventBridge Pipes whose target is the pipeline
            pipes = self._other_client(client, "pipes")
            for page in pipes.get_paginator("list_pipes").paginate():
                for summary in page.get("Pipes") or ():
                    if not names_it(summary.get("Target")) or not _PIPELINE_ARN.fullmatch(summary["Target"]):
                        continue
                    pipe = summary.get("Name")
                    given = ((pipes.describe_pipe(Name=pipe).get("TargetParameters") or {})
                             .get("SageMakerPipelineParameters") or {}).get("PipelineParameterList")
                    label = f"the parameters of pipe {pipe} (TargetParameters.SageMakerPipelineParameters." \
                            "PipelineParameterList)"
                    dynamic = [p.get("Name") for p in given or () if isinstance(p, Mapping)
                               and str(p.get("Name", "")).startswith("$")]
                    if dynamic:
                        # "target parameters support optional dynamic JSON path syntax ... replaced at runtime with
                        # data from the event payload" (Pipes User Guide; as safemaker.iac.sdk_calls decides it)
                        unread.append(Violation(
                            operation, f"{where} with pipe {pipe}", dynamic[0], "a parameter named in the target",
                            f"Cannot verify it: pipe {pipe} starts the pipeline with a parameter whose name is taken "
                            f"from the event at run time ({dynamic[0]}): which parameter it sets cannot be known",
                            Guardrail.REFERENCE.value))
                    elif given:
                        out.append((label, given))
        except Exception as exc:  # noqa: BLE001
            cannot_read("EventBridge Pipes", exc, "pipes:ListPipes and pipes:DescribePipe")
        return out, unread

    def _pipeline_arns(self, client: Any, pipeline: str, name: str) -> list[str]:
        """The ARNs an EventBridge target may name ``pipeline`` by (``ListRuleNamesByTarget`` matches the ARN
        exactly): ``pipeline`` itself when an ARN, else ``arn:<partition>:sagemaker:<region>:<account>:pipeline/``
        with its name as given and lower-cased (SageMaker's ARNs spell the name in lower case), the account the
        client's (STS ``GetCallerIdentity``, which needs no permission)."""
        if pipeline.startswith("arn:"):
            return [pipeline]
        identity = self._other_client(client, "sts").get_caller_identity()
        caller = str(identity.get("Arn", ""))
        partition = caller.split(":")[1] if caller.startswith("arn:") else "aws"
        base = f"arn:{partition}:sagemaker:{client.meta.region_name}:{identity['Account']}:pipeline/"
        return list(dict.fromkeys((base + name, base + name.lower())))

    def provide_stack_params(self, params: Mapping[str, Any], model: Any, client_ref: Any = None,
                             **kwargs: Any) -> dict[str, Any] | None:
        """botocore handler of a CloudFormation client: decide the SageMaker requests its template will cause.

        Only the operations of :data:`safemaker.iac.stack_calls.DECIDED_OPERATIONS`
        are decided (any other returns at once): the template's SageMaker
        resources are turned into requests and decided by the guard
        (:func:`safemaker.iac.stack_calls.stack_call_decision`). An ``AWS::SageMaker::Pipeline`` of the stack
        whose new latest version a parameter in a guarded field makes openable under
        ``allow_pipeline_network_parameters`` is decided as the same ``CreatePipeline`` sent directly
        (:meth:`_decided_as_violations`: under the values of what already starts the latest version, read with
        clients of the same credentials, Region and endpoint).
        ``ExecuteChangeSet`` of a change set whose ``CreateChangeSet`` this guard
        approved (in enforce mode) is sent with ``ChangeSetName`` set to that
        change set's ``Id`` (its ARN, from the ``CreateChangeSet`` response): the
        change set checked, not one created again under its name elsewhere.
        ``UsePreviousTemplate`` (``UpdateStack``, ``CreateChangeSet``): the stack's
        template and values are read on the same client (``GetTemplate``,
        ``DescribeStacks``), decided, and sent as ``TemplateBody``.
        ``UpdateStackSet`` of a template that declares parameters: the ``ParameterOverrides`` of the stack set's
        existing instances, which they keep through the update, are read on the same client
        (:func:`_stack_instance_overrides`) and the template decided under each too; unread, what a parameter
        reaches cannot be verified.

        Raises
        ------
        GuardrailViolation
            In enforce mode, when the template would create a resource that breaks a
            guardrail, or cannot be verified (unless the profile sets
            ``allow_unverified_templates``). Nothing has been sent.
        """
        operation = model.name
        if operation not in _stack_calls().DECIDED_OPERATIONS:
            return None
        self._mark_decided(kwargs.get("context"), operation)
        params = _process.own_copy(params)  # decided on and (enforce) sent: a caller's later change is not
        client = client_ref() if client_ref is not None else None
        region = getattr(getattr(client, "meta", None), "region_name", None)
        if operation == "ExecuteChangeSet" and self.mode == "enforce":
            checked = self._checked_change_set(params)
            if checked is not None:
                params["ChangeSetName"] = checked
                self._record(operation, "allowed", (), (), [checked], region)
                return params
        if operation in _PREVIOUS_TEMPLATE_OPERATIONS and params.get("UsePreviousTemplate") and client is not None \
                and params.get("TemplateBody") is None and params.get("TemplateURL") is None:
            params = _with_previous_template(client, params)
        instances = _stack_instance_overrides(client, params) if operation == "UpdateStackSet" and client is not None \
            else None
        violations, starts = _stack_calls().stack_call_decision(operation, params, self.profile, instances)
        checked = _Reads()
        if starts:   # a pipeline's new latest version under allow_pipeline_network_parameters: as the direct call
            violations = violations + self._started_violations(operation, starts, client, checked, ())
        context = kwargs.get("context")
        if operation == "CreateChangeSet" and not violations and self.mode == "enforce" and context is not None:
            context[_CHANGE_SET_KEY] = (self, params.get("StackName"), params.get("ChangeSetName"))
        if self.mode == "warn":
            self._record(operation, "warned" if violations else "allowed", (), violations, checked, region)
            return None
        if violations:
            self._record(operation, "refused", (), violations, checked, region)
            raise GuardrailViolation(operation, violations)
        self._record(operation, "allowed", (), (), checked, region)
        return params

    def provide_service_params(self, params: Mapping[str, Any], model: Any, client_ref: Any = None,
                               **kwargs: Any) -> dict[str, Any] | None:
        """botocore handler of another service's client: decide a request that creates SageMaker resources or
        calls SageMaker (:mod:`safemaker.iac.service_calls`).

        Only the operations of :data:`safemaker.iac.service_calls.DECIDED_OPERATIONS` are decided (any
        other returns at once). Cloud Control ``UpdateResource`` of a type read: the resource's current
        properties are read on the same client (``GetResource``) and the ``PatchDocument`` applied
        (``jsonpatch``); the result is decided. A target that starts a SageMaker pipeline (EventBridge
        ``PutTargets``, Scheduler ``CreateSchedule``) is decided as that ``StartPipelineExecution``: the
        pipeline is described with a SageMaker client of the same credentials, region and (local)
        endpoint, and its definition checked with the target's parameters. A SageMaker resource the request
        hands work to (A2I ``StartHumanLoop``'s flow definition, the endpoint or inference component an
        Application Auto Scaling request scales) is followed with such a client as a SageMaker request's
        references are; a scale-in (:meth:`safemaker.iac.service_calls.ScalableResource.lowers_only`) is not.

        Raises
        ------
        GuardrailViolation
            In enforce mode, when the request would create or start something that breaks a guardrail, or
            cannot be verified (unless the profile sets ``allow_unverified_templates``). Nothing has been sent.
        """
        calls = _service_calls()
        service = model.service_model.service_name
        operation = model.name
        if not calls.decides(service, operation):
            return None
        self._mark_decided(kwargs.get("context"), operation)
        params = _process.own_copy(params)
        client = client_ref() if client_ref is not None else None
        region = getattr(getattr(client, "meta", None), "region_name", None)
        checked = _Reads()
        violations = self._service_request_violations(service, operation, params, client, checked, ())
        if not self._settle(operation, violations, checked, region):
            return None
        return params

    def _mark_decided(self, context: dict[str, Any] | None, operation: str) -> None:
        """Put this guard's mark on the context of another service's request it decides (CloudFormation, a
        carrier): the send check refuses a decided operation that comes without one, a request built around the
        client (:func:`safemaker.process.undecided_carrier_operation`; trial 17 F01). Nothing is checked again at
        the send (the request is decided whole here; a refusal raises before it is built). A mark already there
        (another guard's) stays."""
        if context is not None and _process.APPROVAL_KEY not in context:
            _process.ensure_send_check()
            context[_process.APPROVAL_KEY] = _process.Approval(self, operation, frozenset(), check=False)

    def _settle(self, operation: str, violations: list[Violation], checked: list[str], region: Any) -> bool:
        """Record the decision of a request decided whole (nothing injected): ``False`` in warn mode (recorded
        ``warned`` or ``allowed``; the request goes as given); else raise :class:`GuardrailViolation` for
        ``violations`` (recorded ``refused``), or record ``allowed`` and return ``True``."""
        if self.mode == "warn":
            self._record(operation, "warned" if violations else "allowed", (), violations, checked, region)
            return False
        if violations:
            self._record(operation, "refused", (), violations, checked, region)
            raise GuardrailViolation(operation, violations)
        self._record(operation, "allowed", (), (), checked, region)
        return True

    def _service_request_violations(self, service: str, operation: str, params: Mapping[str, Any], client: Any,
                                    checked: list[str], seen: tuple[tuple[str, str, str], ...]) -> list[Violation]:
        """The violations of one request of another service (``client``: of that service), sent by this process
        or started by a request it sends (``seen``: the starts being decided around it): what
        :func:`safemaker.iac.service_calls.service_call_decision` finds, what the request starts
        (:meth:`_started_violations`) and the SageMaker resource it hands work to. The one decision of such a
        request: a carrier's call (a state machine's task, a schedule's universal target, an Automation step) is
        decided by it as the same call sent directly."""
        calls = _service_calls()
        violations, starts = calls.service_call_decision(service, operation, params, self.profile,
                                                         current_state=_current_state(client, calls, service,
                                                                                      operation, params))
        violations = list(violations) + self._started_violations(
            operation, starts, client, checked, seen + (_read_key(calls, service, operation, params),))
        refs = calls.sagemaker_references(service, operation, params)
        if refs:   # a SageMaker resource the request hands data or work to (A2I's flow definition, a scaled endpoint)
            sagemaker, unreadable = self._describing_client(client, operation, refs[0].path, refs[0].name, "resource")
            if unreadable is not None:
                violations.append(unreadable)
            elif not self._scales_in(calls.SCALING_CALLS.get((service, operation)), params, refs[0], sagemaker):
                violations += self._check_references(operation, tuple(refs), sagemaker, checked)
        return violations

    def _started_violations(self, operation: str, starts: Any, client: Any, checked: list[str],
                            seen: tuple[tuple[str, str, str], ...]) -> list[Violation]:
        """The violations of what a request starts (:data:`safemaker.iac.service_calls.Start` tuples), as
        ``operation``'s (paths ``<path> -> <started operation>.<path>``): a SageMaker pipeline's
        ``StartPipelineExecution`` (the pipeline described), any other service's request decided as if this process
        sent it (its content read with a client of that service, same credentials, region and endpoint), and what
        that starts in turn. A start already being decided (a state machine that starts itself) adds nothing; one
        nested deeper than :data:`safemaker.iac.sdk_calls.MAX_NESTING` cannot be verified."""
        import dataclasses

        from .iac.sdk_calls import MAX_NESTING

        calls = _service_calls()
        out: list[Violation] = []
        for path, service, started, request in starts:
            if service == "sagemaker" and started == "StartPipelineExecution":
                out += self._pipeline_start_violations(operation, path, request, client, checked)
                continue
            if service == "sagemaker" and started in SAGEMAKER_DECIDED_AS:
                # a carrier's call the hook decides as what it makes run (trial 15 F03): the direct call's decision
                found = self._decided_as_violations(started, request, client, checked)
                out += [dataclasses.replace(v, operation=operation, path=f"{path} -> {started}.{v.path}")
                        for v in found]
                continue
            if service == "sagemaker":   # a whole SageMaker request another service sends (a Batch service job)
                out += self._payload_violations(operation, path, started, request, client, checked)
                continue
            key = _read_key(calls, service, started, request)
            if key in seen:
                continue  # a cycle: what it starts is being decided already
            if len(seen) >= MAX_NESTING:
                found = [Violation(operation, path, request, "content the guard can verify",
                                   f"Cannot verify it: it starts content more than {MAX_NESTING} levels deep",
                                   Guardrail.REFERENCE.value)]
            else:
                try:
                    other = client if _service_name(client) == service else self._other_client(client, service)
                except Exception as exc:  # noqa: BLE001 - no client: what it starts cannot be read
                    out.append(Violation(operation, path, request, f"a {service} resource that can be read",
                                         f"Cannot check it ({exc})", Guardrail.REFERENCE.value))
                    continue
                found = self._service_request_violations(service, started, request, other, checked, seen)
            out += [dataclasses.replace(v, operation=operation, path=f"{path} -> {started}.{v.path}") for v in found]
        return out

    def _scales_in(self, scaling: Any, params: Mapping[str, Any], ref: _guard.ResolvedReference, client: Any) -> bool:
        """Whether an Application Auto Scaling request (``scaling``: its
        :class:`safemaker.iac.service_calls.ScalableResource`) cannot take the resource above what it runs now, read
        from its description (not cached: capacities change); ``False`` when it cannot be read (then it is followed)."""
        if scaling is None or scaling.ceiling is None:
            return False
        spec = RESOURCES[ref.resource]
        try:
            description = self._describe(client, spec.describe_operation, spec.name_param, ref.name)
        except SafemakerError:
            return False
        return bool(scaling.lowers_only(params, description))

    def _pipeline_start_violations(self, operation: str, path: str, request: Mapping[str, Any], client: Any,
                                   checked: list[str], definition: tuple[str, Any] | None = None) -> list[Violation]:
        """The violations of the ``StartPipelineExecution`` a target sends, as ``operation``'s (paths
        ``<target path> -> StartPipelineExecution.<path>``). ``definition``: ``(operation, text)``, the definition
        of the version started, which that request makes (:meth:`_decided_as_violations`): checked as a described one
        is, nothing described for it (paths ``... -> <operation>.PipelineDefinition.<path>``)."""
        import dataclasses

        start = "StartPipelineExecution"
        invalid = _invalid_request("sagemaker", start, request)
        if invalid is not None:   # trial 14 F04: a universal target's Input naming no pipeline, or not as the API does
            return [Violation(operation, f"{path} -> {start}", "a request the SageMaker API does not accept",
                              f"the {start} request botocore would send", f"Give the {start} request the target sends "
                              f"as the direct call takes it ({invalid}): the guard cannot tell which pipeline it "
                              "starts, so it is not sent", "SM-UNSUPPORTED")]
        decision = _guard.decide(start, request, self.profile)
        found = list(decision.violations)
        if definition is not None:
            found += self._new_version_violations(start, decision.references, request, definition, client, checked)
        elif decision.references:
            sagemaker, unreadable = self._describing_client(client, operation, path, request.get("PipelineName"),
                                                            "pipeline")
            if unreadable is not None:
                return [unreadable]
            request = self._pipeline_by_name(request, client)
            decision = _guard.decide(start, request, self.profile)
            found = list(decision.violations)
            found += self._check_references(start, decision.references, sagemaker, checked, request=request)
        return [dataclasses.replace(v, operation=operation, path=f"{path} -> {start}.{v.path}") for v in found]

    def _new_version_violations(self, start: str, refs: tuple[_guard.ResolvedReference, ...],
                                request: Mapping[str, Any], definition: tuple[str, Any], client: Any,
                                checked: list[str]) -> list[Violation]:
        """A start (``request``) of the pipeline version another request makes, its definition ``(operation,
        text)`` given: the pipeline reference's definition is that text, checked with the start's parameter values as
        :meth:`_check_references` checks a described one (what the definition references followed); any other
        reference (an execution the start reuses) is described."""
        from .pipeline import execution_parameters, repeated_parameters

        maker, text = definition
        member = RULES[maker].definition
        out = list(repeated_parameters(start, request))
        others = []
        for ref in refs:
            if ref.resource != "pipeline":
                others.append(ref)
                continue
            nested, found = self._check_stored_definition(start, member, {member: text}, f"{ref.path} -> {maker}",
                                                          execution_parameters(request))
            out += found
            if nested:
                out += self._check_references(start, nested, self._other_client(client, "sagemaker"), checked, 1)
        if others:
            out += self._check_references(start, tuple(others), self._other_client(client, "sagemaker"), checked,
                                          request=request)
        return out

    def _payload_violations(self, operation: str, path: str, started: str, request: Mapping[str, Any], client: Any,
                            checked: list[str]) -> list[Violation]:
        """The violations of the SageMaker request ``started`` that ``operation`` hands on as JSON text at ``path``
        (:data:`safemaker.iac.service_calls.PAYLOAD_CALLS`: a Batch service job's ``CreateTrainingJob``), decided
        as that request sent directly but as written (nothing is injected into the caller's text: absent is the
        AWS default), its references described with a SageMaker client of ``client``'s credentials; paths
        ``<path> -> <started>.<path>``."""
        import dataclasses

        decision = _guard._check_as_written(started, request, self.profile)
        found = list(decision.violations)
        if decision.references:
            sagemaker, unreadable = self._describing_client(client, operation, path, started, "resource")
            if unreadable is not None:
                found.append(unreadable)
            else:
                found += self._check_references(started, decision.references, sagemaker, checked, request=request)
        return [dataclasses.replace(v, operation=operation, path=f"{path} -> {started}.{v.path}") for v in found]

    def _describing_client(self, client: Any, operation: str, path: str, name: Any,
                           kind: str) -> tuple[Any, Violation | None]:
        """A SageMaker client of ``client``'s credentials to describe what ``operation`` names at ``path``, or the
        violation that says it cannot be checked (the ``kind`` named cannot be described without one)."""
        try:
            return self._other_client(client, "sagemaker"), None
        except Exception as exc:  # noqa: BLE001 - no client: what the request names cannot be described
            return None, Violation(operation, path, name, f"a {kind} that can be described", f"Cannot check it ({exc})",
                                   Guardrail.REFERENCE.value)

    def _pipeline_by_name(self, request: Mapping[str, Any], client: Any) -> Mapping[str, Any]:
        """``request`` naming the pipeline by name when its ARN is of the client's region and account
        (``GetCallerIdentity``), else unchanged (``DescribePipeline`` takes the name or the ARN)."""
        arn = request.get("PipelineName")
        m = _PIPELINE_ARN.fullmatch(arn) if isinstance(arn, str) else None
        if m is None or m.group(1) != getattr(getattr(client, "meta", None), "region_name", None):
            return request
        try:
            account = self._other_client(client, "sts").get_caller_identity().get("Account")
        except (ClientError, BotoCoreError):
            return request
        return {**request, "PipelineName": m.group("name")} if account == m.group(2) else request

    def _checked_change_set(self, params: Mapping[str, Any]) -> str | None:
        """The Id of the change set ``params`` names, when this guard approved its ``CreateChangeSet``."""
        name = params.get("ChangeSetName")
        with self._log_lock:
            if name in self._change_set_ids:
                return name
            return self._change_sets.get((params.get("StackName"), name))

    def _approve(self, context: dict[str, Any] | None, operation: str, decision: _guard.Decision, rule: Any,
                 params: Mapping[str, Any], fetched: Any, check: bool = True, send: bool = False) -> Any:
        """Keep what was approved in the request context, for the check of the final request.

        With ``send`` (enforce mode), return the request for botocore to send: a copy
        of ``decision.params`` when the approved text is handed to botocore's
        serializer (:func:`safemaker.process.hand_to_serializer` keeps
        ``decision.params``, which then nothing else holds), else ``decision.params``.
        """
        if context is None or self._defers(context):
            return decision.params
        _process.ensure_send_check()
        location = params.get(rule.definition_location) if rule is not None and rule.definition_location else None
        # what was approved, taken now (a later handler may change what botocore is given, in place): the
        # bytes botocore will write for it, or a copy when it holds values botocore converts first
        text = _process.approved_text(decision.params) if check else None
        refs = decision.references
        # Approval(...) as its __init__ makes it (a frozen dataclass: see _record)
        approval = _new_record(_process.Approval)
        approval.__dict__.update(
            guard=self, operation=operation,
            references=frozenset([(r.resource, r.name) for r in refs]) if refs else _NO_REFERENCES,
            definition_location=_process.own_copy(location) if fetched is not None else None,
            definition=fetched, check=check,
            params=_process.own_copy(decision.params) if check and text is None else None,
            body=None if text is None else text.encode("utf-8"))
        context[_process.APPROVAL_KEY] = approval
        if send and text is not None:
            sent = _process.copy_owned(decision.params)
            _process.hand_to_serializer(decision.params, text)
            return sent
        return decision.params

    def _defers(self, context: Mapping[str, Any]) -> bool:
        """``True`` when this guard must leave the approval of the process guard in place.

        A client or session guard in warn mode under an enforcing process guard, or
        any client or session guard under an exclusive process guard: both decide,
        the process guard's approval (and its check of the final request) stands.
        """
        other = context.get(_process.APPROVAL_KEY)
        if other is None or other.guard is self:
            return False
        if self.mode == "warn":
            return other.guard.mode == "enforce"
        # an enforcing client or session guard under an exclusive process guard: both decide (either
        # refuses), the process guard's approval and the request it returned are the ones sent
        return other.guard is _process._State.guard and _process._State.exclusive

    # ------------------------------------------------------------------ references

    def _check_references(self, operation: str, refs: tuple[_guard.ResolvedReference, ...], client: Any,
                          checked: list[str], depth: int = 0,
                          request: Mapping[str, Any] | None = None,
                          endpoint: Mapping[str, Any] | None = None) -> list[Violation]:
        """The violations of the resources ``refs`` name, followed up to :data:`MAX_REFERENCE_DEPTH` deep.

        ``endpoint``: the ``DescribeEndpoint`` answer these references were followed from (through its
        endpoint config); an endpoint config or model created after its ``LastModifiedTime`` is not what the
        endpoint runs and cannot be verified (:func:`safemaker.guard.not_deployed`, trial 18c F01).
        """
        out: list[Violation] = []
        if len(refs) > MAX_REFERENCES:
            out.append(Violation(operation, refs[MAX_REFERENCES].path, len(refs), MAX_REFERENCES,
                                 f"Split the request: at most {MAX_REFERENCES} referenced resources are checked",
                                 Guardrail.REFERENCE.value, f"at most {MAX_REFERENCES} references"))
            refs = refs[:MAX_REFERENCES]
        for ref in refs:
            if depth and f"{ref.resource}:{ref.name}" in checked:
                continue  # followed already in this decision (an app's space names the app's domain again)
            spec = RESOURCES[ref.resource]
            extra = _describe_extras(operation, ref, request) if depth == 0 else {}
            args = ", ".join(f"{k}={v!r}" for k, v in {spec.name_param: ref.name, **extra}.items())
            via = f"{ref.path} -> {spec.describe_operation}({args})"
            checked.append(f"{ref.resource}:{ref.name}")
            try:
                description = self._describe(client, spec.describe_operation, spec.name_param, ref.name, extra,
                                             memo=getattr(checked, "described", None))
            except SafemakerError as exc:
                kind = in_words(ref.resource)
                out.append(Violation(operation, ref.path, ref.name, f"{kind} that can be described",
                                     f"Cannot check it ({exc}); make sure it exists and you may describe it",
                                     Guardrail.REFERENCE.value,
                                     f"{kind} that can be described and is closed"))
                continue
            stale = _guard.not_deployed(operation, ref.path, endpoint, ref.resource, ref.name, description)
            if stale is not None:
                out.append(stale)
                continue
            rule = RULES[spec.create_operation]
            if rule.definition is not None and ref.resource == "pipeline-execution":
                # An existing execution (RetryPipelineExecution): the definition it ran, with the parameter
                # values it ran with, and what it reused from its reference execution.
                nested, found = self._check_execution(operation, rule.definition, ref, description, via, client,
                                                      checked)
                out += found
            elif rule.definition is not None:
                # A pipeline: its definition's steps, with an execution's parameter values.
                from .pipeline import execution_parameters, repeated_parameters

                execution = depth == 0 and operation == "StartPipelineExecution"
                if execution:
                    out += repeated_parameters(operation, request)
                nested, found = self._check_stored_definition(
                    operation, rule.definition, description, via,
                    execution_parameters(request) if execution else None)
                out += found
                config = request.get("SelectiveExecutionConfig") if execution and request is not None else None
                if config is not None:
                    more, found = self._reused_violations(operation, description.get(rule.definition), config,
                                                          "SelectiveExecutionConfig.SourcePipelineExecutionArn",
                                                          client, checked, 0)
                    nested += more
                    out += found
            else:
                out += _guard.check_resource(ref.resource, description, self.profile, operation=operation,
                                             via=via)
                nested = tuple(
                    _guard.ResolvedReference(f"{via}.{r.path}", r.resource, r.name)
                    for r in _guard.references(spec.create_operation, description, described=True)
                )
            if nested:
                if depth + 1 < MAX_REFERENCE_DEPTH:
                    deployed = (description if ref.resource == "endpoint"
                                else endpoint if ref.resource == "endpoint-config" else None)
                    out += self._check_references(operation, nested, client, checked, depth + 1,
                                                  endpoint=deployed)
                else:
                    out += [Violation(operation, r.path, r.name, f"at most {MAX_REFERENCE_DEPTH} levels of references",
                                      "Reference the resource more directly: deeper references are not followed",
                                      Guardrail.REFERENCE.value, f"a reference at most {MAX_REFERENCE_DEPTH} deep")
                            for r in nested]
        return out

    def _check_execution(self, operation: str, member: str, ref: _guard.ResolvedReference,
                         description: Mapping[str, Any], via: str, client: Any, checked: list[str],
                         ) -> tuple[tuple[_guard.ResolvedReference, ...], list[Violation]]:
        """An existing pipeline execution run again (``RetryPipelineExecution``): the definition it ran
        (``description``, from ``DescribePipelineDefinitionForExecution``) checked with the parameter values
        it ran with (``ListPipelineParametersForExecution``; "Retry the execution of the pipeline": the same
        execution, the same values), and, when it was a selective execution, the producer steps it reused
        from its reference execution (:meth:`_reused_violations`)."""
        from . import pipeline as _pipeline
        from . import pipeline_executions as _executions

        values, found = self._execution_values(operation, ref.path, ref.name, client)
        nested, more = self._check_stored_definition(operation, member, description, via, values)
        found += more
        document = description.get(member)
        try:
            definition = _pipeline.parse_definition(document) if document else None
        except _pipeline.PipelineDefinitionError:
            definition = None  # refused by the check above
        if definition is None or not any(_executions.producer_uses(definition, s) for s in definition.steps):
            return nested, found  # it names no step output a selective execution could have reused
        try:
            execution = self._describe(client, "DescribePipelineExecution", "PipelineExecutionArn", ref.name)
        except SafemakerError as exc:
            found.append(self._unreadable_execution(operation, ref.path, ref.name, exc))
            return nested, found
        config = execution.get("SelectiveExecutionConfig")
        if config is not None:
            described = f"{ref.path} -> DescribePipelineExecution(PipelineExecutionArn={ref.name!r})"
            more_refs, more = self._reused_violations(operation, document, config,
                                                      f"{described}.SelectiveExecutionConfig.SourcePipelineExecutionArn",
                                                      client, checked, 0)
            nested += more_refs
            found += more
        return nested, found

    def _reused_violations(self, operation: str, document: Any, config: Any, source_path: str, client: Any,
                           checked: list[str], depth: int,
                           ) -> tuple[tuple[_guard.ResolvedReference, ...], list[Violation]]:
        """The violations of the producer steps a selective execution (``config``: its
        ``SelectiveExecutionConfig``) of ``document`` reuses from its reference execution
        (:func:`safemaker.pipeline_executions.reused_producers`): each is checked in the definition the
        reference execution ran, with its parameter values (:meth:`_check_reference_execution`). A reuse
        with no ``SourcePipelineExecutionArn`` (at ``source_path``) cannot be checked."""
        from . import pipeline as _pipeline
        from . import pipeline_executions as _executions

        try:
            definition = _pipeline.parse_definition(document) if document else None
        except _pipeline.PipelineDefinitionError:
            return (), []  # the definition itself is refused
        if definition is None:
            return (), []
        needed = _executions.reused_producers(definition, _executions.selection(config))
        if not needed:
            return (), []
        source = config.get("SourcePipelineExecutionArn") if _is_map(config) else None
        if not isinstance(source, str) or not source:
            uses = "; ".join(f"{path} uses step {name}" for name, path in sorted(needed.items()))
            return (), [Violation(
                operation, source_path, source if source else MISSING, "the reference execution that made them",
                f"Give SourcePipelineExecutionArn, or select step(s) {', '.join(sorted(needed))} too: {uses}, which "
                "does not run in this execution (SageMaker reuses its output from a reference execution), so the "
                "guard checks it in the definition that execution ran",
                Guardrail.REFERENCE.value, "a reference execution that can be described")]
        return self._check_reference_execution(operation, source_path, source, needed, client, checked, depth)

    def _check_reference_execution(self, operation: str, path: str, arn: str, needed: Mapping[str, str],
                                   client: Any, checked: list[str], depth: int,
                                   ) -> tuple[tuple[_guard.ResolvedReference, ...], list[Violation]]:
        """Check the producer steps ``needed`` (name -> where their output is used) in the definition the
        execution ``arn`` (named at ``path``) ran, with its parameter values, and what they use in turn: in
        that definition, or, for a step that execution reused itself (it was selective), in its own
        reference execution, at most :data:`MAX_REFERENCE_DEPTH` executions back."""
        from . import pipeline as _pipeline
        from . import pipeline_executions as _executions

        if depth >= MAX_REFERENCE_DEPTH:
            return (), [Violation(operation, path, arn, f"at most {MAX_REFERENCE_DEPTH} reference executions",
                                  "Reference an execution that ran the steps it is asked for (steps "
                                  f"{', '.join(sorted(needed))}): deeper chains of reference executions are not "
                                  "followed", Guardrail.REFERENCE.value,
                                  f"a reference execution at most {MAX_REFERENCE_DEPTH} deep")]
        spec = RESOURCES["pipeline-execution"]
        via = f"{path} -> {spec.describe_operation}({spec.name_param}={arn!r})"
        checked.append(f"pipeline-execution:{arn}")
        member = RULES[spec.create_operation].definition or "PipelineDefinition"
        try:
            description = self._describe(client, spec.describe_operation, spec.name_param, arn)
            execution = self._describe(client, "DescribePipelineExecution", "PipelineExecutionArn", arn)
        except SafemakerError as exc:
            return (), [self._unreadable_execution(operation, path, arn, exc)]
        document = description.get(member)
        try:
            definition = _pipeline.parse_definition(document, prefix=f"{via}.{member}")
        except _pipeline.PipelineDefinitionError as exc:
            return (), [Violation(operation, exc.path, exc.found, exc.expected,
                                  "Reference an execution whose definition can be checked", Guardrail.REFERENCE.value,
                                  f"{exc.expected} that can be checked")]
        config = execution.get("SelectiveExecutionConfig")
        to_check, reused, missing = _executions.closure(definition, needed, _executions.selection(config))
        found = [Violation(operation, f"{via}.{member}", name, f"a step {name} that ran in that execution",
                           f"Reference an execution that ran step {name} ({where} uses its output)",
                           Guardrail.REFERENCE.value, "a reference execution that ran the steps used")
                 for name, where in sorted(missing.items())]
        values, more = self._execution_values(operation, path, arn, client)
        found += more
        result = _pipeline.check_definition(document, self.profile, operation=operation, prefix=f"{via}.{member}",
                                            parameter_values=values if values is not None else {},
                                            steps=to_check)
        import dataclasses

        reused_fix = ("This step does not run in this execution: SageMaker reuses its output from a reference "
                      "execution. Select the step too (it then runs with the current, checked definition), or "
                      "reference an execution that ran it closed.")
        found += [dataclasses.replace(v, fix=f"{reused_fix} {v.fix}") for v in result.violations]
        nested = tuple(result.references)
        if reused:
            described = f"{path} -> DescribePipelineExecution(PipelineExecutionArn={arn!r})"
            source_path = f"{described}.SelectiveExecutionConfig.SourcePipelineExecutionArn"
            source = config.get("SourcePipelineExecutionArn") if _is_map(config) else None
            if not isinstance(source, str) or not source:
                found.append(Violation(operation, source_path, MISSING, "the reference execution that made them",
                                       f"Reference another execution: this one reused step(s) "
                                       f"{', '.join(sorted(reused))} from a reference execution it does not name",
                                       Guardrail.REFERENCE.value, "a reference execution that can be described"))
            else:
                more_refs, more = self._check_reference_execution(operation, source_path, source, reused, client,
                                                                  checked, depth + 1)
                nested += more_refs
                found += more
        return nested, found

    def _execution_values(self, operation: str, path: str, arn: str, client: Any,
                          ) -> tuple[dict[str, Any] | None, list[Violation]]:
        """The parameter values pipeline execution ``arn`` ran with (``ListPipelineParametersForExecution``,
        every page through botocore's paginator; botocore: "Gets a list of parameters for a pipeline
        execution"), by name; ``None`` and the violation saying so when they cannot be read."""
        values: dict[str, Any] = {}
        try:
            pages = client.get_paginator("list_pipeline_parameters_for_execution").paginate(
                PipelineExecutionArn=arn)
            for page in pages:
                for p in page.get("PipelineParameters") or ():
                    if _is_map(p) and isinstance(p.get("Name"), str):
                        values[p["Name"]] = p.get("Value")
        except (ClientError, BotoCoreError, AttributeError, TypeError) as exc:
            reason = "{}: {}".format(*aws_error(exc)) if isinstance(exc, ClientError) else str(exc)
            return None, [self._unreadable_execution(
                operation, path, arn, _ReferenceError(f"ListPipelineParametersForExecution failed: {reason}"))]
        return values, []

    @staticmethod
    def _unreadable_execution(operation: str, path: str, arn: Any, exc: Exception) -> Violation:
        return Violation(operation, path, arn, "a pipeline execution that can be described",
                         f"Cannot check it ({exc}); make sure it exists and you may describe it",
                         Guardrail.REFERENCE.value, "a pipeline execution that can be described and is closed")

    def _check_stored_definition(self, operation: str, member: str, description: Mapping[str, Any], via: str,
                                 values: Mapping[str, Any] | None,
                                 ) -> tuple[tuple[_guard.ResolvedReference, ...], list[Violation]]:
        from . import pipeline as _pipeline

        document = description.get(member)
        if not document:
            return (), [Violation(operation, f"{via}.{member}", MISSING, "a pipeline definition",
                                  "Cannot check the pipeline: its description has no definition",
                                  Guardrail.REFERENCE.value, "a pipeline definition that can be checked")]
        result = _pipeline.check_definition(document, self.profile, operation=operation, prefix=f"{via}.{member}",
                                            parameter_values=values)
        return result.references, list(result.violations)

    def _describe(self, client: Any, describe_operation: str, name_param: str, name: str,
                  extra: Mapping[str, Any] | None = None, memo: dict[Any, Any] | None = None) -> Mapping[str, Any]:
        """``describe_operation`` of ``name`` on ``client`` (``memo``: one decision's results, reused within it
        only, :class:`_Reads`); raises :class:`_ReferenceError` when it fails or answers no mapping."""
        if client is None:  # pragma: no cover - handlers always carry their client
            raise _ReferenceError("no client to describe it with")
        extra = dict(extra or {})
        key = (id(client), describe_operation, name, tuple(sorted(extra.items())))
        hit = memo.get(key) if memo is not None else None
        if hit is not None:
            return hit
        method = getattr(client, _snake(describe_operation))
        try:
            result = method(**{name_param: name}, **extra)
        except ClientError as exc:
            raise _ReferenceError("{} failed: {}: {}".format(describe_operation, *aws_error(exc))) from exc
        except BotoCoreError as exc:
            raise _ReferenceError(f"{describe_operation} failed: {exc}") from exc
        except (AttributeError, TypeError, ValueError, KeyError, IndexError) as exc:
            # botocore's parser meeting a response of another shape than its output model gives (a structure
            # where it has a list: "'str' object has no attribute 'get'"): not read, so not checked
            raise _ReferenceError(f"{describe_operation} failed: its response could not be read as botocore's "
                                  f"output model gives it ({type(exc).__name__}: {exc})") from exc
        if not _is_map(result):
            if inspect.iscoroutine(result):
                result.close()  # never awaited: an async client (see _refuse_unguardable)
            raise _ReferenceError(f"{describe_operation} returned a {type(result).__name__}, not the response "
                                  "mapping botocore returns; the resource cannot be checked")
        if memo is not None:
            memo[key] = result
        return result

    # ------------------------------------------------------------------ pipeline definitions in S3

    def _fetch_definition(self, client: Any, location: Any) -> tuple[bytes, str | None]:
        """Read ``PipelineDefinitionS3Location`` with an S3 client made like the guarded client.

        Returns the object's content and the ``VersionId`` GetObject answered (``None`` when it
        answered none; ``"null"`` for an object of a bucket without versioning).
        """
        if not isinstance(location, Mapping) or not location.get("Bucket") or not location.get("ObjectKey"):
            raise _ReferenceError("PipelineDefinitionS3Location needs Bucket and ObjectKey")
        s3 = self._s3_client(client)
        args = {"Bucket": location["Bucket"], "Key": location["ObjectKey"]}
        if location.get("VersionId"):
            args["VersionId"] = location["VersionId"]
        try:
            obj = s3.get_object(**args)
            size = obj.get("ContentLength")
            if isinstance(size, int) and size > MAX_DEFINITION_BYTES:
                raise _ReferenceError(f"the object holds {size} bytes, more than {MAX_DEFINITION_BYTES}")
            body = obj["Body"].read(MAX_DEFINITION_BYTES + 1)
        except ClientError as exc:
            raise _ReferenceError("GetObject failed: {}: {}".format(*aws_error(exc))) from exc
        except BotoCoreError as exc:
            raise _ReferenceError(f"GetObject failed: {exc}") from exc
        if len(body) > MAX_DEFINITION_BYTES:
            raise _ReferenceError(f"the object holds more than {MAX_DEFINITION_BYTES} bytes")
        version = obj.get("VersionId")
        return body, version if isinstance(version, str) else None

    def _s3_client(self, client: Any) -> Any:
        """An S3 client with the guarded client's session (or credentials), region, endpoint and config
        (:meth:`_other_client`)."""
        return self._other_client(client, "s3")

    def _other_client(self, client: Any, service: str) -> Any:
        """A ``service`` client with the guarded client's session (or credentials), region, endpoint and config.

        The endpoint is reused only when it is not an AWS one (a local backend such as
        the moto server serves every service on one URL); otherwise S3's own endpoint
        is resolved as usual (``AWS_ENDPOINT_URL_S3`` and the config file included).
        """
        if client is None:  # pragma: no cover - handlers always carry their client
            raise _ReferenceError("no client to read the definition with")
        with self._s3_lock:
            hit = self._s3_clients.get(client, {}).get(service)
            if hit is not None:
                return hit
            import boto3
            from botocore.config import Config

            meta = client.meta
            endpoint = meta.endpoint_url if _custom_endpoint(meta.endpoint_url) else None
            cfg = meta.config
            config = Config(proxies=cfg.proxies, connect_timeout=cfg.connect_timeout,
                            read_timeout=cfg.read_timeout, retries=cfg.retries)
            session = self._session_ref() if self._session_ref is not None else None
            if session is None:
                creds = getattr(getattr(client, "_request_signer", None), "_credentials", None)
                frozen = creds.get_frozen_credentials() if creds is not None else None
                session = boto3.session.Session(
                    aws_access_key_id=getattr(frozen, "access_key", None),
                    aws_secret_access_key=getattr(frozen, "secret_key", None),
                    aws_session_token=getattr(frozen, "token", None),
                    region_name=meta.region_name,
                )
            other = session.client(service, region_name=meta.region_name, endpoint_url=endpoint, config=config)
            self._s3_clients.setdefault(client, {})[service] = other
            return other

    # ------------------------------------------------------------------ evidence

    def _record(self, operation: str, outcome: str, injected: tuple[str, ...], violations: Any,
                checked: list[str], region: str | None) -> None:
        # DecisionRecord(...) as its __init__ makes it (a frozen dataclass: filling its __dict__ directly
        # skips a __setattr__ per field; every guarded call makes one)
        rec = _new_record(DecisionRecord)
        rec.__dict__.update(timestamp=_time(), operation=operation, mode=self.mode, outcome=outcome,
                            injected=tuple(injected), violations=tuple(violations), references=tuple(checked),
                            region=region)
        self.decisions.append(rec)
        if outcome in ("refused", "warned"):
            logger.warning("%s %s: %s", operation, outcome,
                           "; ".join(v.message() for v in rec.violations))
        elif logger.isEnabledFor(logging.INFO):  # every guarded call passes here: format only when shown
            logger.info("%s %s%s", operation, outcome,
                        f" ({', '.join(rec.injected)})" if rec.injected else "")
        if self.decision_log is not None:
            line = json.dumps(rec.as_dict(), default=str, sort_keys=True)
            with self._log_lock:
                if hasattr(self.decision_log, "write"):
                    self.decision_log.write(line + "\n")  # type: ignore[union-attr]
                    flush = getattr(self.decision_log, "flush", None)
                    if flush:
                        flush()
                else:
                    with Path(self.decision_log).open("a", encoding="utf-8") as fh:  # type: ignore[arg-type]
                        fh.write(line + "\n")

    def clear_cache(self) -> None:
        """Deprecated, does nothing (a :class:`DeprecationWarning`): no Describe result outlives its request."""
        import warnings

        warnings.warn(f"Guard.clear_cache() is deprecated and does nothing: {_DEPRECATED_REFERENCE_CACHE}",
                      DeprecationWarning, stacklevel=2)


class _ReferenceError(SafemakerError):
    fmt = "{reason}"

    def __init__(self, reason: str) -> None:
        super().__init__(reason=reason)


class _UnpinnableDefinition(_ReferenceError):
    """An S3 pipeline definition with no version to pin that cannot be sent inline either."""


def _snake(operation: str) -> str:
    from botocore import xform_name

    return xform_name(operation)


def _custom_endpoint(url: str | None) -> bool:
    """``True`` for an endpoint that is not an AWS one (a local backend, a proxy)."""
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or "") if url else ""
    return bool(host) and not host.endswith(_AWS_DOMAINS)


def _s3_uri(location: Mapping[str, Any]) -> str:
    return f"{location.get('Bucket')}/{location.get('ObjectKey')}"


def _describe_extras(operation: str, ref: _guard.ResolvedReference,
                     request: Mapping[str, Any] | None) -> dict[str, Any]:
    """Further Describe parameters a request fixes for the resource it names: a pipeline's version, the
    scope a reference needs (a space's DomainId, :func:`safemaker.rules.reference_scope`)."""
    if request is None:
        return {}
    if ref.resource == "pipeline":
        return {k: request[k] for k in ("PipelineVersionId", "PipelineVersionAlias") if request.get(k) is not None}
    return {k: request[k] for k in reference_scope(operation, ref.resource) if request.get(k) is not None}


# --------------------------------------------------------------------------- install


def _guarded_mixin(g: Guard) -> type:
    class _SafemakerGuardedClient:
        """Registers the guard on each SageMaker client created from a guarded session."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[call-arg]
            _register_on_client(self, g)

    _SafemakerGuardedClient._safemaker_guard = g  # type: ignore[attr-defined]
    return _SafemakerGuardedClient


def _refuse_unguardable(client: Any) -> None:
    """Refuse a client whose calls the guard cannot decide on: an async client (aiobotocore).

    The guard runs inside botocore's synchronous call path and follows references
    with Describe calls on the same client. An aiobotocore client's methods are
    coroutines: a Describe would return an un-awaited coroutine instead of the
    resource, so nothing it names could be checked. Such a client is refused
    when created from (or installed on) a guarded session, never passed silently.

    Raises
    ------
    UnguardableClientError
        The client's ``_make_api_call`` is a coroutine function, or the class is
        an async context manager (``__aenter__``).
    """
    cls = type(client)
    make_call = getattr(cls, "_make_api_call", None)
    if inspect.iscoroutinefunction(make_call) or hasattr(cls, "__aenter__"):
        raise UnguardableClientError(
            client_class=f"{cls.__module__}.{cls.__qualname__}",
            reason="its calls are coroutines (an async client such as aiobotocore's): the guard decides "
                   "synchronously and follows references with Describe calls on the same client",
            fix="create the SageMaker (or CloudFormation) client with boto3/botocore (a synchronous client) from "
                "the guarded session")


_PREVIOUS_TEMPLATE_OPERATIONS = frozenset({"UpdateStack", "CreateChangeSet"})
_MAX_TEMPLATE_BODY = 51200
"""Longest ``TemplateBody`` CloudFormation accepts, in bytes (CloudFormation API reference, UpdateStack)."""


def _with_previous_template(client: Any, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` with ``UsePreviousTemplate`` replaced by the stack's template, read on the same client.

    ``GetTemplate`` (``TemplateStage`` ``Original``) gives the template the stack runs and
    ``DescribeStacks`` its parameter values; a ``UsePreviousValue`` parameter gets that value
    written (unless CloudFormation masks it, ``NoEcho``: kept, then it cannot be verified).
    The template checked is sent as ``TemplateBody``, so an update of the stack between this
    read and CloudFormation's cannot change what is deployed. ``params`` unchanged (then
    refused as unverifiable) when either call fails or the template is longer than a
    ``TemplateBody`` may be.
    """
    stack = params.get("StackName")
    try:
        body = client.get_template(StackName=stack, TemplateStage="Original").get("TemplateBody")
        described = client.describe_stacks(StackName=stack)["Stacks"][0]
    except (BotoCoreError, ClientError, KeyError, IndexError, TypeError) as exc:
        logger.debug("cannot read the previous template of %s: %s", stack, exc)
        return params
    if isinstance(body, Mapping):  # botocore decodes a JSON template into a mapping
        body = json.dumps(body)
    if not isinstance(body, str) or len(body.encode("utf-8")) > _MAX_TEMPLATE_BODY:
        return params
    previous = {p.get("ParameterKey"): p.get("ParameterValue") for p in described.get("Parameters") or ()
                if isinstance(p, Mapping)}
    given = []
    for p in params.get("Parameters") or ():
        key = p.get("ParameterKey") if isinstance(p, Mapping) else None
        if key is not None and p.get("UsePreviousValue") and isinstance(previous.get(key), str) \
                and previous[key] != "****":
            given.append({"ParameterKey": key, "ParameterValue": previous[key]})
        else:
            given.append(p)
    out = {k: v for k, v in params.items() if k != "UsePreviousTemplate"}
    out["TemplateBody"] = body
    if "Parameters" in params:
        out["Parameters"] = given
    return out


def _stack_instance_overrides(client: Any, params: Mapping[str, Any]) -> Any:
    """A reader of the ``ParameterOverrides`` of the existing instances of the stack set ``params`` names, on
    ``client`` (the request's own CloudFormation client: same credentials, Region, endpoint), for
    :func:`safemaker.iac.stack_calls.stack_call_decision`.

    CloudFormation API reference: ``ListStackInstances`` (paginated) gives each instance's ``Account`` and
    ``Region``, ``DescribeStackInstance`` its ``ParameterOverrides``; both with the request's ``CallAs``. Returns
    ``[(where, ParameterOverrides)]``, ``where`` ``StackInstance[<account>/<region>]``, instances without overrides
    left out; no stack set of that name (``StackSetNotFoundException``): none (the update fails). Any other error is
    raised (the decision makes what a parameter reaches cannot be verified, naming
    :data:`safemaker.iac.stack_calls.INSTANCE_READS`)."""
    name = params.get("StackSetName")
    call_as = {"CallAs": params["CallAs"]} if params.get("CallAs") else {}

    def read() -> list[tuple[str, Any]]:
        out: list[tuple[str, Any]] = []
        try:
            for page in client.get_paginator("list_stack_instances").paginate(StackSetName=name, **call_as):
                for summary in page.get("Summaries") or ():
                    account, region = summary.get("Account"), summary.get("Region")
                    try:
                        described = client.describe_stack_instance(
                            StackSetName=name, StackInstanceAccount=account, StackInstanceRegion=region, **call_as)
                    except ClientError as exc:
                        if exc.response.get("Error", {}).get("Code") == "StackInstanceNotFoundException":
                            continue   # deleted since it was listed
                        raise
                    given = (described.get("StackInstance") or {}).get("ParameterOverrides")
                    if given:
                        out.append((f"StackInstance[{account}/{region}]", given))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "StackSetNotFoundException":
                return []
            raise
        return out

    return read


_CHANGE_SET_KEY = "safemaker_change_set"
"""Key, in botocore's request context, of ``(guard, StackName, ChangeSetName)`` of an approved CreateChangeSet."""
_CHANGE_SET_EVENT = "after-call.cloudformation.CreateChangeSet"
_CHANGE_SET_UNIQUE_ID = "safemaker-change-set"


def remember_change_set(parsed: Any = None, context: Any = None, **kwargs: Any) -> None:
    """botocore ``after-call`` handler: the guard that approved a ``CreateChangeSet`` keeps the change set's Id.

    The response's ``Id`` (the change set's ARN) and ``StackId`` (CloudFormation API
    reference, CreateChangeSet) are kept with the ``StackName`` and ``ChangeSetName`` given,
    so that ``ExecuteChangeSet`` of exactly that change set is sent
    (:meth:`Guard.provide_stack_params`).
    """
    entry = context.get(_CHANGE_SET_KEY) if isinstance(context, Mapping) else None
    if entry is None or not isinstance(parsed, Mapping) or not isinstance(parsed.get("Id"), str):
        return
    g, stack, name = entry
    with g._log_lock:
        g._change_set_ids.add(parsed["Id"])
        g._change_sets[(stack, name)] = parsed["Id"]
        if isinstance(parsed.get("StackId"), str):
            g._change_sets[(parsed["StackId"], name)] = parsed["Id"]


def register_change_set_memory(client: Any) -> None:
    """Put :func:`remember_change_set` on a CloudFormation client (once: a unique id)."""
    client.meta.events.register(_CHANGE_SET_EVENT, remember_change_set, unique_id=_CHANGE_SET_UNIQUE_ID)


def _register_on_client(client: Any, g: Guard) -> None:
    _refuse_unguardable(client)
    ref = weakref.ref(client)
    if _is_cloudformation_client(client):
        def handler(params: Mapping[str, Any], model: Any, **kwargs: Any) -> dict[str, Any] | None:
            return g.provide_stack_params(params, model, client_ref=ref, **kwargs)

        register_change_set_memory(client)
        event = _STACK_PARAMS_EVENT
    else:
        def handler(params: Mapping[str, Any], model: Any, **kwargs: Any) -> dict[str, Any] | None:
            return g.provide_client_params(params, model, client_ref=ref, **kwargs)

        event = _PARAMS_EVENT
    handler._safemaker_guard = g  # type: ignore[attr-defined]
    client.meta.events.register(event, handler, unique_id=UNIQUE_ID)


def _service_calls() -> Any:
    from .iac import service_calls  # the IaC reader (cfn-lint) is imported at the first decided call

    return service_calls


def _patched_resource(client: Any, params: Mapping[str, Any]) -> Any:
    """A Cloud Control ``UpdateResource``'s result: the resource's properties (``GetResource`` on the same
    client) with its ``PatchDocument`` applied, or an exception saying why they cannot be known."""
    from .iac.service_calls import patched_state

    if client is None:  # pragma: no cover - handlers always carry their client
        return _ReferenceError("no client to read the resource's current state with")
    args = {k: params[k] for k in ("TypeName", "TypeVersionId", "RoleArn", "Identifier") if k in params}
    try:
        described = client.get_resource(**args)
        current = described["ResourceDescription"]["Properties"]
    except (ClientError, BotoCoreError, KeyError, TypeError) as exc:
        code, message = aws_error(exc) if isinstance(exc, ClientError) else (type(exc).__name__, str(exc))
        return _ReferenceError(f"the resource's current state could not be read (GetResource: {code}: {message})")
    try:
        return patched_state(current, params.get("PatchDocument"))
    except ImportError:
        return _ReferenceError("the jsonpatch library is not installed, so the patch cannot be applied to the "
                               "resource's current state (install cfn-lint, safemaker[iac], which brings it)")
    except ValueError as exc:
        return _ReferenceError(f"the PatchDocument cannot be applied to the current state: {exc}")


def _service_name(client: Any) -> str | None:
    return getattr(getattr(getattr(client, "meta", None), "service_model", None), "service_name", None)


def _read_key(calls: Any, service: str, operation: str, params: Mapping[str, Any]) -> tuple[str, str, str]:
    """What deciding ``operation`` reads (the followed call's read and its request), or the request itself: two
    starts with the same key run the same content (a cycle of state machines starting each other stops there)."""
    spec = calls.followed_content(service, operation, params)
    if spec is not None:
        return service, spec.read, json.dumps(spec.read_request(params), sort_keys=True, default=str)
    return service, operation, json.dumps(params, sort_keys=True, default=str)


def _current_state(client: Any, calls: Any, service: str, operation: str, params: Mapping[str, Any]) -> Any:
    """What :func:`safemaker.iac.service_calls.service_call_decision` needs read first, on ``client`` (of
    ``service``): a Cloud Control ``UpdateResource``'s patched state, a followed call's content, a lookup's
    response (an exception: why it could not be read); ``None`` when nothing is read."""
    key = (service, operation)
    if operation == "UpdateResource" and calls.reads_type(params.get("TypeName")):
        return _patched_resource(client, params)
    if key in calls.FOLLOWED_CALLS:   # a state machine alias: its routing (DescribeStateMachineAlias), not a definition
        return _followed_content(client, calls.followed_content(service, operation, params), params)
    lookup = calls.LOOKUP_CALLS.get(key)
    if lookup is not None and lookup.needed(params):
        return _followed_content(client, lookup, params, getattr(lookup, "missing", None))
    return None


def _followed_content(client: Any, spec: Any, params: Mapping[str, Any], missing: str | None = None) -> Any:
    """The response of the read of what a request runs (``spec``: a
    :class:`safemaker.iac.service_calls.FollowedContent` or ``Lookup``; ``DescribeStateMachine`` / ``GetDocument``
    on the same client), ``{}`` when the read fails with the error code ``missing`` (nothing there yet), or an
    exception saying why it cannot be read."""
    from botocore import xform_name

    if client is None:  # pragma: no cover - handlers always carry their client
        return _ReferenceError("no client to read it with")
    try:
        return getattr(client, xform_name(spec.read))(**spec.read_request(params))
    except (ClientError, BotoCoreError) as exc:
        code, message = aws_error(exc) if isinstance(exc, ClientError) else (type(exc).__name__, str(exc))
        if missing is not None and code == missing:
            return {}
        return _ReferenceError(f"{spec.read}: {code}: {message}")


def _invalid_request(service: str, operation: str, request: Mapping[str, Any]) -> str | None:
    """Why botocore's parameter validation refuses ``request`` as ``operation``'s input (what the same call sent
    directly meets before it is sent), or ``None``. An idempotency token botocore fills in when absent is not asked."""
    import uuid

    from botocore.validate import ParamValidator

    from .iac.sdk_calls import _input_shape   # read once per operation

    shape = _input_shape(service, operation)
    filled = dict(request)
    for name, member in shape.members.items():
        if member.metadata.get("idempotencyToken") and name not in filled:
            filled[name] = str(uuid.uuid4())
    report = ParamValidator().validate(filled, shape)
    return report.generate_report().replace("\n", "; ") if report.has_errors() else None


def _stack_calls() -> Any:
    from .iac import stack_calls  # the IaC reader (cfn-lint) is imported at the first CloudFormation call

    return stack_calls


def _session_emitter(target: Any) -> Any:
    import boto3
    import botocore.session

    if isinstance(target, boto3.session.Session):
        return target._session.get_component("event_emitter")
    if isinstance(target, botocore.session.Session):
        return target.get_component("event_emitter")
    return None


def _unique_handler(emitter: Any, unique_id: str = UNIQUE_ID) -> Any:
    """The handler registered under ``unique_id``, if any (botocore internals, tested)."""
    inner = getattr(emitter, "_emitter", emitter)
    entry = getattr(inner, "_unique_id_handlers", {}).get(unique_id)
    return entry["handler"] if entry else None


def _is_sagemaker_client(target: Any) -> bool:
    return _service_id(target) == "sagemaker"


def _is_cloudformation_client(target: Any) -> bool:
    return _service_id(target) == "cloudformation"


def _service_id(target: Any) -> str | None:
    meta = getattr(target, "meta", None)
    model = getattr(meta, "service_model", None) if meta is not None else None
    return model.service_id.hyphenize() if model is not None else None


def installed(target: Any) -> Guard | None:
    """The guard installed on a boto3/botocore session or a SageMaker or CloudFormation client, or ``None``.

    Parameters
    ----------
    target : boto3.Session, botocore.session.Session, a SageMaker or a CloudFormation client
    """
    emitter = _session_emitter(target)
    if emitter is not None:
        h = _unique_handler(emitter, SESSION_UNIQUE_ID)
        return getattr(h, "_safemaker_guard", None) if h else None
    if _is_sagemaker_client(target) or _is_cloudformation_client(target):
        h = _unique_handler(target.meta.events)
        return getattr(h, "_safemaker_guard", None) if h else None
    return None


def install(target: Any, profile: "VpcProfile", mode: Mode = "enforce", **guard_options: Any) -> Guard:
    """Guard every SageMaker request sent through ``target``.

    Parameters
    ----------
    target : boto3.Session, botocore.session.Session, a SageMaker or a CloudFormation client
        A session: every SageMaker and CloudFormation client created from it
        **afterwards** is guarded (clients created before are not: install
        first). A client: that client is guarded. A CloudFormation client's
        requests that deploy a template are decided by the SageMaker requests
        the template will cause (:mod:`safemaker.iac.stack_calls`).
    profile : VpcProfile
        The allowed values.
    mode : {"enforce", "warn"}, default "enforce"
        See :class:`Guard`.
    **guard_options
        ``decision_log``, ``keep`` (see :class:`Guard`).

    Returns
    -------
    Guard
        The installed guard. Installing again with the same profile and mode
        returns the guard already there (harmless); with another profile or
        mode it replaces it.

    Raises
    ------
    TypeError
        ``target`` is neither a session nor a SageMaker or CloudFormation client.

    Notes
    -----
    Handlers are registered on ``provide-client-params.sagemaker`` of each
    client (``unique_id`` :data:`UNIQUE_ID`) and, for sessions, on
    ``creating-client-class.sagemaker`` (:data:`SESSION_UNIQUE_ID`), which
    adds the client handler to every SageMaker client the session creates (and
    ``creating-client-class.cloudformation``, ``provide-client-params.cloudformation``
    for CloudFormation clients); see
    https://boto3.amazonaws.com/v1/documentation/api/latest/guide/events.html
    """
    current = installed(target)
    if current is not None:
        if current.profile == profile and current.mode == mode and not guard_options:
            return current
        uninstall(target)
    g = Guard(profile, mode, **guard_options)
    install_log_redaction()  # botocore logs response bodies (presigned URL tokens) at DEBUG
    emitter = _session_emitter(target)
    if emitter is not None:
        mixin = _guarded_mixin(g)

        def add_mixin(base_classes: list[type], **kwargs: Any) -> None:
            base_classes.insert(0, mixin)

        add_mixin._safemaker_guard = g  # type: ignore[attr-defined]
        emitter.register(_CLASS_EVENT, add_mixin, unique_id=SESSION_UNIQUE_ID)
        emitter.register(_STACK_CLASS_EVENT, add_mixin, unique_id=_STACK_SESSION_UNIQUE_ID)
        import boto3

        if isinstance(target, boto3.session.Session):
            g._session_ref = weakref.ref(target)  # S3 reads of pipeline definitions use this session
        logger.debug("guard installed on a session (mode=%s)", mode)
        return g
    if _is_sagemaker_client(target) or _is_cloudformation_client(target):
        _register_on_client(target, g)
        logger.debug("guard installed on a client (mode=%s)", mode)
        return g
    raise TypeError(
        f"install() target is {type(target).__name__}; expected a boto3.Session, a botocore session, "
        "a SageMaker client (boto3.client('sagemaker')) or a CloudFormation client"
    )


def uninstall(target: Any) -> bool:
    """Remove the guard from ``target`` exactly (only safemaker's handler).

    Parameters
    ----------
    target : boto3.Session, botocore.session.Session, a SageMaker or a CloudFormation client
        For a session, clients created from it afterwards are no longer
        guarded; clients created before keep their guard until uninstalled
        one by one.

    Returns
    -------
    bool
        ``True`` when a guard was removed.
    """
    emitter = _session_emitter(target)
    if emitter is not None:
        if _unique_handler(emitter, SESSION_UNIQUE_ID) is None:
            return False
        emitter.unregister(_CLASS_EVENT, unique_id=SESSION_UNIQUE_ID)
        emitter.unregister(_STACK_CLASS_EVENT, unique_id=_STACK_SESSION_UNIQUE_ID)
        return True
    if _is_sagemaker_client(target) or _is_cloudformation_client(target):
        if _unique_handler(target.meta.events) is None:
            return False
        event = _STACK_PARAMS_EVENT if _is_cloudformation_client(target) else _PARAMS_EVENT
        target.meta.events.unregister(event, unique_id=UNIQUE_ID)
        return True
    return False


def _inline_definition(client: Any, operation: str, rule: Any, location: Mapping[str, Any], body: bytes) -> str:
    """The text of an S3 pipeline definition without a version to pin, to send as ``rule.definition``.

    Raises
    ------
    _UnpinnableDefinition
        The text is not UTF-8 or is longer than botocore's model allows for that member
        (``CreatePipeline``/``UpdatePipeline`` ``PipelineDefinition``: max 1048576 characters);
        the fix is to enable versioning on the bucket (the guard then pins the version it read).
    """
    bucket = location.get("Bucket")
    fix = (f"enable versioning on bucket {bucket!r} (aws s3api put-bucket-versioning --bucket {bucket} "
           "--versioning-configuration Status=Enabled) so that the guard pins the VersionId it read and checked, "
           f"or pass the definition inline as {rule.definition}")
    try:
        text = body.decode("utf-8") if isinstance(body, (bytes, bytearray)) else str(body)
    except UnicodeDecodeError:
        raise _UnpinnableDefinition(f"the object is not UTF-8 text and its bucket keeps no versions: {fix}") from None
    limit = None
    model = getattr(getattr(client, "meta", None), "service_model", None)
    if model is not None:
        member = model.operation_model(operation).input_shape.members.get(rule.definition)
        limit = member.metadata.get("max") if member is not None else None
    if limit is not None and len(text) > limit:
        raise _UnpinnableDefinition(
            f"the object's bucket keeps no versions, so the definition checked would be sent inline as "
            f"{rule.definition}, but it holds {len(text)} characters, more than the {limit} {operation} "
            f"accepts there: {fix}")
    return text
