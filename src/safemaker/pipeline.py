"""Pipeline definitions: requests inside a request. Pure: no I/O.

``CreatePipeline`` and ``UpdatePipeline`` carry a whole workflow in one JSON
document (``PipelineDefinition``, or the S3 object named by
``PipelineDefinitionS3Location``, which :mod:`safemaker.hooks` fetches). Each
step of that document becomes a SageMaker request when the pipeline runs: a
``Training`` step's ``Arguments`` are a ``CreateTrainingJob`` request, and so
on. This module parses the document and checks every step's arguments with
the same rule table as the requests a client sends
(:mod:`safemaker.rules`), steps the SageMaker SDK adds on its own (such as
``<model>-RepackModel-0`` training steps) and steps nested in a
``Condition`` step's ``IfSteps`` / ``ElseSteps`` or a ``ForEach`` step's
``ForEachBody`` included.

Semantics
---------
- **Checked, never rewritten.** A pipeline definition is the user's artifact
  (versioned, diffed, compared by the SDK on upsert): nothing is injected into
  it. An absent field means the AWS default, as in :func:`safemaker.guard.check`,
  and is refused with the fix to write into the step.
- **Steps are named** in every violation path:
  ``PipelineDefinition.Steps[3:TrainModel].Arguments.VpcConfig.Subnets[0]``.
- **Step types**: see :data:`STEP_OPERATIONS` (checked as that operation),
  :data:`NO_NETWORK_STEPS` (nothing to check) and :data:`UNSUPPORTED_STEPS`
  (always refused, with the reason). Any other type is refused as unknown.
- **Values known only at run time.** A guarded field (or a referenced
  resource's name) holding a pipeline expression:

  * ``{"Get": "Parameters.X"}``: whoever starts an execution can override a
    parameter, so it is refused unless the profile sets
    ``allow_pipeline_network_parameters``; either way its ``DefaultValue`` is
    checked like a written value (a parameter without a default is refused).
    When checking an execution (``parameter_values``), the execution's value
    is checked instead and nothing is refused for being a parameter.
  * ``{"Get": "Steps.S.ModelName"}`` where a reference is expected: allowed when
    step ``S`` of the same definition creates that kind of resource (a
    ``Model`` step for a model, ``EndpointConfig`` for an endpoint config,
    ``Endpoint`` for an endpoint) and the property is its name (``ModelName``,
    ``EndpointConfigName``, ``EndpointName``: :data:`_NAME_PROPERTY`); that step is checked itself (a selective
    execution that does not run it reuses an earlier execution's output:
    :mod:`safemaker.pipeline_executions`).
  * anything else (``Std:Join``, ``Std:JsonGet``, other step properties,
    ``Execution`` variables): refused, its value cannot be known before the run.
- **References** to existing resources (a ``Transform`` step naming a model
  by its name) are returned for the hooks to check with Describe calls.

Sources: the pipeline definition JSON schema
(https://aws-sagemaker-mlops.github.io/sagemaker-model-building-pipeline-definition-JSON-schema/)
and the step types of the SageMaker Python SDK (``StepTypeEnum`` of ``sagemaker.workflow.steps`` in 2.x,
of ``sagemaker.mlops.workflow.steps`` in 3.x).
"""

from __future__ import annotations

import json
import threading
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from . import guard as _guard
from .errors import MISSING, PipelineDefinitionError, Violation
from . import paths as _paths
from ._json import DuplicateKeyError, loads_strict
from .paths import split_path
from .preflight.request import PREFLIGHT_OPERATIONS, PREFLIGHT_READS
from .rules import RULES, Guardrail

if TYPE_CHECKING:  # pragma: no cover
    from .profile import VpcProfile

__all__ = [
    "STEP_OPERATIONS",
    "NO_NETWORK_STEPS",
    "STEP_ARGUMENT_MEMBERS",
    "UNSUPPORTED_STEPS",
    "DEFINITION_MEMBERS",
    "PipelineParameter",
    "PipelineStep",
    "PipelineDefinition",
    "PipelineDefinitionError",
    "DefinitionCheck",
    "parse_definition",
    "check_definition",
    "step_operation",
    "execution_parameters",
    "repeated_parameters",
]

STEP_OPERATIONS: Mapping[str, str] = {
    "Training": "CreateTrainingJob",
    "Processing": "CreateProcessingJob",
    "QualityCheck": "CreateProcessingJob",
    "ClarifyCheck": "CreateProcessingJob",
    "Tuning": "CreateHyperParameterTuningJob",
    "Model": "CreateModel",
    "Transform": "CreateTransformJob",
    "AutoML": "CreateAutoMLJob",
    "EndpointConfig": "CreateEndpointConfig",
    "Endpoint": "CreateEndpoint",
    "InferenceComponent": "CreateInferenceComponent",
    "RegisterModel": "CreateModelPackage",
}
"""Step type → the operation its ``Arguments`` are a request of, checked with ALL their fields as
that request (the SageMaker SDK builds them as that request: ``RegisterModel`` arguments are
``get_create_model_package_request``'s, so a ``ValidationSpecification`` there runs validation
jobs as it does in ``CreateModelPackage``). ``AutoML`` steps whose arguments are shaped as
``CreateAutoMLJobV2`` (``AutoMLProblemTypeConfig``) are checked as that operation;
``QualityCheck`` and ``ClarifyCheck`` steps run processing jobs (the SDK's
``_get_process_request``); a notebook job step (``NotebookJobStep``) is a ``Training`` step."""

NO_NETWORK_STEPS: Mapping[str, str] = {
    "Condition": "evaluates conditions; the steps of its IfSteps and ElseSteps are checked as steps",
    "ForEach": (
        "runs the steps of its ForEachBody once per item of IterableItems; those steps are checked as steps "
        "(with the same rules, nested steps included), and an Arguments member other than IterableItems, "
        "MaxConcurrency, Selector and ForEachBody is refused"
    ),
    "Fail": "stops the execution with an error message: no compute",
    "Lineage": "records lineage metadata: no compute",
    "Cleanup": (
        "deletes the Amazon S3 outputs of upstream steps (Resources.S3) with the pipeline's role: no compute, "
        "nothing made reachable"
    ),
}
"""Step types with nothing to check (no compute of their own), with the reason."""

STEP_ARGUMENT_MEMBERS: Mapping[str, frozenset[str]] = {
    "ForEach": frozenset({"IterableItems", "MaxConcurrency", "Selector", "ForEachBody"}),
    "Cleanup": frozenset({"Resources"}),
}
"""The ``Arguments`` members of the step types in :data:`NO_NETWORK_STEPS` whose arguments are read
(SageMaker SDK 3.x ``ForEachStep.arguments`` and ``CleanupStep.arguments``): any other member, or
arguments that are not an object, is refused (a shape the guard does not know may run something)."""

DEFINITION_MEMBERS = frozenset({"Version", "Metadata", "Parameters", "PipelineExperimentConfig", "MlflowConfig",
                                "Steps"})
"""The top-level members of a pipeline definition (SageMaker's pipeline definition JSON schema,
https://aws-sagemaker-mlops.github.io/sagemaker-model-building-pipeline-definition-JSON-schema/, and
``MlflowConfig``, which SageMaker SDK 3.x ``Pipeline.definition()`` always writes: the SageMaker MLflow
tracking server the execution records to, no compute of the steps); a definition with any other
member, or without ``Steps``, is refused (unknown shape)."""

UNSUPPORTED_STEPS: Mapping[str, str] = {
    "EMR": (
        "an EMR step runs on an Amazon EMR cluster whose network is set in EMR, not in the "
        "definition; the guard cannot check it. Run the work as a Processing step"
    ),
    "Lambda": (
        "a Lambda step invokes an AWS Lambda function whose network (VPC or internet) is set in "
        "Lambda, not in the definition; the guard cannot check it. Use a Processing step, or an "
        "EndpointConfig/Endpoint step to deploy"
    ),
    "Callback": (
        "a Callback step hands a token to whatever reads an Amazon SQS queue; what runs and where "
        "is outside the definition. Use a Processing step"
    ),
    "EMRServerless": (
        "an EMRServerless step runs a job on an Amazon EMR Serverless application whose network "
        "(networkConfiguration) is set in EMR Serverless, not in the definition; the guard cannot check it. "
        "Run the work as a Processing step"
    ),
    "Job": f"a Job step makes a CreateJob request, and {RULES['CreateJob'].unsupported}",
}
"""Step types that can never be shown to run closed: always refused, with the reason."""

# Step types whose output a reference may name with {"Get": "Steps.<name>.<...>"}.
_PRODUCERS: Mapping[str, frozenset[str]] = {
    "model": frozenset({"Model"}),
    "endpoint-config": frozenset({"EndpointConfig"}),
    "endpoint": frozenset({"Endpoint"}),
}
_NAME_PROPERTY: Mapping[str, str] = {
    "model": "ModelName",
    "endpoint-config": "EndpointConfigName",
    "endpoint": "EndpointName",
}
"""The property of a producer step that is the name of what it makes: a step's properties are its Describe
response (the SageMaker SDK's ``Properties`` of ``DescribeModelOutput``, ``DescribeEndpointConfigOutput``,
``DescribeEndpointOutput``, whose ``ModelName`` / ``EndpointConfigName`` / ``EndpointName`` members are the
name), written ``{"Get": "Steps.<step>.ModelName"}``. Any other property of the step (an environment value, a
variant name) is text that step does not make: it names no resource the pipeline checks (trial 18c F03)."""
_BRANCHES = ("IfSteps", "ElseSteps")
_NESTED: Mapping[str, tuple[str, ...]] = {"Condition": _BRANCHES, "ForEach": ("ForEachBody",)}
"""Step type -> the members of its ``Arguments`` that hold steps (parsed and checked as steps)."""
_NO_REWRITE = "a pipeline definition is checked as written, never rewritten"
_SDK_CONFIG_FIX = (
    "With the SageMaker SDK (PipelineSession), build every step closed from the profile exported as the SDK's "
    "config: safemaker profile export -f sagemaker-config --location smcfg.yaml, then "
    "SAGEMAKER_USER_CONFIG_OVERRIDE=smcfg.yaml (docs/guard.md, SDK pipelines that pass the guard)"
)
_REPACK_HINT = (
    " (the SageMaker SDK adds this step for a model with an entry point: pass the settings in "
    "ModelStep(..., repack_model_step_settings={...}))"
)


@dataclass(frozen=True)
class PipelineParameter:
    """One entry of a definition's ``Parameters``.

    Attributes
    ----------
    name : str
        ``Name``.
    type : str
        ``Type``: ``"String"``, ``"Integer"``, ``"Float"`` or ``"Boolean"``.
    default : Any
        ``DefaultValue``; ``MISSING`` when the definition gives none.
    """

    name: str
    type: str
    default: Any = MISSING

    def coerce(self, value: Any) -> Any:
        """An execution's value (always a string in ``StartPipelineExecution``) as this type.

        ``"true"`` / ``"false"`` in any case for Boolean (both SDK majors send ``str(value)``,
        so ``Pipeline.start(parameters={"Isolate": True})`` sends ``"True"``), numbers for
        Integer / Float; a value that does not convert is returned unchanged (and then
        fails the field's check).
        """
        if not isinstance(value, str):
            return value
        if self.type == "Boolean":
            return _BOOLEAN_TEXT.get(value.lower(), value)
        try:
            if self.type == "Integer":
                return int(value)
            if self.type == "Float":
                return float(value)
        except ValueError:
            return value
        return value


_BOOLEAN_TEXT = {"true": True, "false": False}


@dataclass(frozen=True)
class PipelineStep:
    """One step of a definition, nested steps included.

    Attributes
    ----------
    name : str
        ``Name`` (``""`` when absent).
    type : str
        ``Type`` (``""`` when absent).
    path : str
        Where the step is: ``"PipelineDefinition.Steps[3:TrainModel]"``, or below a
        condition ``"...Steps[5:Check].Arguments.IfSteps[0:Deploy]"``.
    arguments : Any
        ``Arguments`` (``MISSING`` when absent).
    model_name : Any
        A ``ClarifyCheck`` step's own ``ModelName`` (beside ``Arguments``: the model
        SageMaker Clarify deploys as a shadow endpoint for a model bias or
        explainability check); ``MISSING`` otherwise.
    cache_config : Any
        The step's ``CacheConfig`` (beside ``Arguments``: ``{"Enabled": bool, "ExpireAfter":
        ISO 8601 duration}``, SageMaker Developer Guide, *Turn on step caching*); ``MISSING``
        when absent.
    """

    name: str
    type: str
    path: str
    arguments: Any
    model_name: Any = MISSING
    cache_config: Any = MISSING

    @property
    def operation(self) -> str | None:
        """The operation whose request the arguments are (see :func:`step_operation`)."""
        return step_operation(self.type, self.arguments)


@dataclass(frozen=True)
class PipelineDefinition:
    """A parsed definition.

    Attributes
    ----------
    parameters : Mapping[str, PipelineParameter]
        By name.
    steps : tuple[PipelineStep, ...]
        Every step in document order; a ``Condition`` step is followed by the
        steps of its branches, a ``ForEach`` step by the steps of its body.
    """

    parameters: Mapping[str, PipelineParameter]
    steps: tuple[PipelineStep, ...]
    expression_free: frozenset[int] = frozenset()
    """``id()`` of parsed objects known to hold no pipeline expression anywhere below them (their
    substitution is skipped); :func:`parse_definition` leaves it empty (noting them while parsing
    cost more than walking). Valid while the steps hold the objects."""

    def step(self, name: str) -> PipelineStep | None:
        """The step named ``name``, or ``None``."""
        for s in self.steps:
            if s.name == name:
                return s
        return None


@dataclass(frozen=True)
class DefinitionCheck:
    """The result of :func:`check_definition`.

    Attributes
    ----------
    violations : tuple[Violation, ...]
        Every violation, each path naming its step.
    references : tuple[safemaker.guard.ResolvedReference, ...]
        Existing resources the steps name (for Describe checks).
    steps : tuple[PipelineStep, ...]
        Every step found (empty when the definition did not parse).
    relaxed : tuple[str, ...], default ()
        The parameters (names, each once, in order found) that stand in a guarded field of a step and are accepted
        only because the profile sets ``allow_pipeline_network_parameters`` (their defaults checked): whoever starts
        the pipeline with values of their own decides those fields (:meth:`safemaker.hooks.Guard` re-checks the
        definition under each standing start's values). Always ``()`` without the relaxation, or when checking an
        execution (``parameter_values`` given).
    """

    violations: tuple[Violation, ...]
    references: tuple[_guard.ResolvedReference, ...]
    steps: tuple[PipelineStep, ...]
    relaxed: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        """``True`` when no step breaks a guardrail."""
        return not self.violations


def step_operation(step_type: str, arguments: Any = None) -> str | None:
    """The operation a step's arguments are a request of, or ``None`` (nothing to check / unsupported).

    Parameters
    ----------
    step_type : str
        The step's ``Type``.
    arguments : Any, optional
        The step's ``Arguments`` (decides between ``CreateAutoMLJob`` and
        ``CreateAutoMLJobV2`` for ``AutoML`` steps).

    Returns
    -------
    str or None
    """
    op = STEP_OPERATIONS.get(step_type)
    if op == "CreateAutoMLJob" and _paths.is_map(arguments) and (
        "AutoMLProblemTypeConfig" in arguments or "AutoMLJobInputDataConfig" in arguments
    ):
        return "CreateAutoMLJobV2"
    return op


# --------------------------------------------------------------------------- parsing


def _load(document: Any, prefix: str) -> Mapping[str, Any]:
    if isinstance(document, (bytes, bytearray)):
        try:
            document = document.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PipelineDefinitionError(prefix, f"not UTF-8 ({exc.reason})", "a JSON document") from None
    if isinstance(document, str):
        try:
            document = loads_strict(document)
        except DuplicateKeyError as exc:
            raise PipelineDefinitionError(f"{prefix}.{exc.path}" if exc.path else prefix, str(exc),
                                          "a JSON document that gives each key once") from None
        except ValueError as exc:
            raise PipelineDefinitionError(prefix, f"not valid JSON ({exc})", "a JSON document") from None
    if not _paths.is_map(document):
        raise PipelineDefinitionError(prefix, f"a JSON {type(document).__name__}", "a JSON object with Steps")
    return document


def _parameters(doc: Mapping[str, Any], prefix: str) -> dict[str, PipelineParameter]:
    raw = doc.get("Parameters", [])
    if raw is None:
        return {}
    if not _paths.is_seq(raw):
        raise PipelineDefinitionError(f"{prefix}.Parameters", f"a {type(raw).__name__}", "a list of parameters")
    out: dict[str, PipelineParameter] = {}
    for i, p in enumerate(raw):
        if not _paths.is_map(p) or not isinstance(p.get("Name"), str):
            raise PipelineDefinitionError(f"{prefix}.Parameters[{i}]", repr(p)[:80], "an object with a Name")
        if p["Name"] in out:  # which DefaultValue SageMaker uses is not documented: not ours to guess
            raise PipelineDefinitionError(f"{prefix}.Parameters[{i}].Name", f"{p['Name']!r} named twice",
                                          "each parameter named once")
        param = _new(PipelineParameter)  # a frozen dataclass filled as its __init__ does (no __setattr__ per field)
        d = param.__dict__
        d["name"], d["type"], d["default"] = p["Name"], str(p.get("Type", "String")), p.get("DefaultValue", MISSING)
        out[p["Name"]] = param
    return out


def _steps(raw: Any, path: str, out: list[PipelineStep]) -> list[PipelineStep]:
    """Append the steps of ``raw`` (at ``path``) to ``out`` in document order, each followed by the
    steps nested in it; return ``out``."""
    if not _paths.is_seq(raw):
        raise PipelineDefinitionError(path, f"a {type(raw).__name__}", "a list of steps")
    for i, st in enumerate(raw):
        if st.__class__ is not dict and not _paths.is_map(st):
            raise PipelineDefinitionError(f"{path}[{i}]", f"a {type(st).__name__}", "a step object")
        name = st.get("Name")
        if not isinstance(name, str):
            name = ""
        stype = st.get("Type")
        if not isinstance(stype, str):
            stype = ""
        here = f"{path}[{i}:{name}]" if name else f"{path}[{i}]"
        args = st.get("Arguments", MISSING)
        step = _new(PipelineStep)  # a frozen dataclass filled as its __init__ does (no __setattr__ per field)
        d = step.__dict__
        d["name"], d["type"], d["path"], d["arguments"] = name, stype, here, args
        d["model_name"] = st.get("ModelName", MISSING) if stype == "ClarifyCheck" else MISSING
        d["cache_config"] = st.get("CacheConfig", MISSING)
        out.append(step)
        if stype in _NESTED and _paths.is_map(args):
            for branch in _NESTED[stype]:
                if branch in args and args[branch] is not None:
                    _steps(args[branch], f"{here}.Arguments.{branch}", out)
    return out


def parse_definition(document: str | bytes | Mapping[str, Any], *, prefix: str = "PipelineDefinition"
                     ) -> PipelineDefinition:
    """Parse a pipeline definition (JSON text or an already-decoded mapping).

    Parameters
    ----------
    document : str, bytes or Mapping
        The ``PipelineDefinition`` value, the S3 object's bytes, or the decoded JSON.
    prefix : str, default "PipelineDefinition"
        Path of the document in the request, for step paths and errors.

    Returns
    -------
    PipelineDefinition

    Raises
    ------
    PipelineDefinitionError
        The document is not JSON, repeats a key, is not an object, has no
        ``Steps`` or a member outside :data:`DEFINITION_MEMBERS`, or ``Steps`` /
        ``Parameters`` / a step is not shaped as a definition holds it.
    """
    doc = _load(document, prefix)
    if not DEFINITION_MEMBERS.issuperset(doc):
        unknown = sorted(str(k) for k in doc if k not in DEFINITION_MEMBERS)
        raise PipelineDefinitionError(f"{prefix}.{unknown[0]}", f"the member(s) {unknown}",
                                      f"only the definition's members {sorted(DEFINITION_MEMBERS)}")
    if doc.get("Steps") is None:
        raise PipelineDefinitionError(f"{prefix}.Steps", "absent" if "Steps" not in doc else "null",
                                      "a list of steps")
    params = _parameters(doc, prefix)
    steps = tuple(_steps(doc["Steps"], f"{prefix}.Steps", []))
    return PipelineDefinition(params, steps)


# --------------------------------------------------------------------------- expressions


def _is_expression(value: Any) -> bool:
    if (type(value) is not dict and not _paths.is_map(value)) or len(value) != 1:
        return False
    (key,) = value
    return isinstance(key, str) and (key == "Get" or key.startswith("Std:"))


@dataclass(frozen=True)
class _Unresolved:
    """Stands for a value known only at run time (never equal to anything a profile allows)."""

    expression: Any

    def __repr__(self) -> str:
        return json.dumps(self.expression, sort_keys=True, default=str)


_Parts = tuple[str | int, ...]
_LEAVES = frozenset({str, int, float, bool, type(None)})
_new = object.__new__


def _substitute(value: Any, at: _Parts, params: Mapping[str, PipelineParameter],
                values: Mapping[str, Any] | None, found: list[tuple[_Parts, Any, Any]],
                clean: frozenset[int] = frozenset()) -> Any:
    """A copy of ``value`` with every expression replaced by what it is known to be.

    ``found`` receives ``(parts, expression, parameter name or None)``. Structures
    without expressions are returned as they are (not copied); those in ``clean``
    (:attr:`PipelineDefinition.expression_free`) are not even walked. JSON's own
    types (``dict``, ``list``, scalars) are walked inline; any other mapping or
    sequence goes through the path engine's tests.
    """
    t = type(value)
    if t is dict or (t is not list and t not in _LEAVES and _paths.is_map(value)):
        # JSON's dict first (one type test); any other mapping the same way, through its Mapping methods.
        if clean and id(value) in clean:
            return value
        if len(value) == 1 and _is_expression(value):
            return _resolve(value, at, params, values, found)
        return _substitute_members(value, at, params, values, found, clean)
    if t is list or (t not in _LEAVES and _paths.is_seq(value)):
        return _substitute_items(value, at, params, values, found, clean)
    return value


def _substitute_members(value: Any, at: _Parts, params: Mapping[str, PipelineParameter],
                        values: Mapping[str, Any] | None, found: list[tuple[_Parts, Any, Any]],
                        clean: frozenset[int]) -> Any:
    """:func:`_substitute` of a mapping that is neither in ``clean`` nor an expression (the tests its
    caller has made). A member that is a ``dict`` is tested here as :func:`_substitute` would test it,
    then walked without testing it again."""
    out: dict[str, Any] | None = None
    for k, v in value.items():
        tv = type(v)
        if tv in _LEAVES:
            continue  # a JSON scalar holds no expression (most values: skip the call)
        if tv is dict:
            if clean and id(v) in clean:
                continue  # what the call would return: v itself
            if len(v) == 1 and _is_expression(v):
                new = _resolve(v, at + (k,), params, values, found)
            else:
                new = _substitute_members(v, at + (k,), params, values, found, clean)
        elif tv is list:
            for x in v:
                if type(x) not in _LEAVES:
                    break
            else:
                continue  # a list of JSON scalars holds no expression (what the call would return: v itself)
            new = _substitute_items(v, at + (k,), params, values, found, clean)
        else:
            new = _substitute(v, at + (k,), params, values, found, clean)
        if new is not v:
            if out is None:
                out = dict(value)
            out[k] = new
    return value if out is None else out


def _substitute_items(value: Any, at: _Parts, params: Mapping[str, PipelineParameter],
                      values: Mapping[str, Any] | None, found: list[tuple[_Parts, Any, Any]],
                      clean: frozenset[int]) -> Any:
    """:func:`_substitute` of a list or tuple."""
    lst: list[Any] | None = None
    for i, v in enumerate(value):
        if type(v) in _LEAVES:
            continue
        new = _substitute(v, at + (i,), params, values, found, clean)
        if new is not v:
            if lst is None:
                lst = list(value)
            lst[i] = new
    return value if lst is None else lst


_WHOLE = True
"""In a :func:`_read_paths` tree: the value there and everything below it is read."""
_WALK_READS = True
"""Substitute only where the decision of a step reads (:func:`_read_paths`); ``False`` substitutes every
expression of a step (the general path: the reference the tests compare with, ``tests/conftest.py`` for every
definition the suite decides)."""
_READS: dict[str, Any] = {}


def _read_paths(operation: str) -> dict[str, Any] | None:
    """Where the decision of an ``operation`` request (:func:`safemaker.guard._check_written`) reads it, as a
    tree: member name (``"[]"``: every element of a list) -> subtree, or :data:`_WHOLE`; ``None`` when it may
    read anything.

    From the rule table: every field (its value as a whole), the paths its conditions read (``only_with``,
    ``instance_types``, ``not_required_when``), a ``DirectInternetAccess`` field's ``SubnetId`` beside it,
    every reference with its discriminator and scope; and what the preflight check of the operation reads
    (:data:`safemaker.preflight.PREFLIGHT_READS`). An expression anywhere else cannot change the decision,
    nor overlap a guarded field (:func:`_guarded_patterns` are among these paths). A path read only for
    whether it holds a value (:meth:`safemaker.rules.OperationRule.presence_reads`: a processing job's
    ``ProcessingOutputConfig``) is an empty subtree: the value is resolved when it is an expression itself,
    and a mapping there is walked no further (substituting below it cannot make it absent).
    """
    try:
        return _READS[operation]
    except KeyError:
        pass
    rule = RULES[operation]
    presence = rule.presence_reads()
    paths: list[tuple[str, ...]] = [request for request, _ in rule.read_paths() if request not in presence]
    tree: dict[str, Any] | None = {}
    if operation in PREFLIGHT_OPERATIONS:
        reads = PREFLIGHT_READS.get(operation)
        if reads is None:
            tree = None
        else:
            paths.extend(split_path(r) for r in reads)
    for parts in paths if tree is not None else ():
        if not parts:
            tree = None  # the request as a whole
            break
        node = _branch(tree, parts[:-1])
        if node is not None:
            node[parts[-1]] = _WHOLE
    for parts in sorted(presence) if tree is not None else ():  # the value itself, nothing below it
        _branch(tree, parts)
    _READS[operation] = tree
    return tree


def _branch(tree: dict[str, Any], parts: Sequence[str]) -> dict[str, Any] | None:
    """The subtree of ``tree`` at ``parts``, made where absent; ``None`` when a part on the way is read whole."""
    node = tree
    for part in parts:
        child = node.get(part)
        if child is _WHOLE:
            return None
        if child is None:
            child = node[part] = {}
        node = child
    return node


def _substitute_read(value: Any, node: dict[str, Any], at: _Parts, params: Mapping[str, PipelineParameter],
                     values: Mapping[str, Any] | None, found: list[tuple[_Parts, Any, Any]],
                     clean: frozenset[int]) -> Any:
    """:func:`_substitute` of what ``node`` (of :func:`_read_paths`) reads in ``value``, a mapping or a
    sequence that is no expression: every expression at or below a path that is read, in document order.
    A value that is not shaped as the paths read it (a mapping where elements are read, a sequence where
    members are) is substituted as a whole (the guard finds it unwalkable and shows it)."""
    t = type(value)
    if t is dict or (t is not list and t not in _LEAVES and _paths.is_map(value)):
        if clean and id(value) in clean:
            return value
        if "[]" in node:
            return _substitute_members(value, at, params, values, found, clean)
        out: dict[str, Any] | None = None
        for k, v in value.items():
            child = node.get(k) if k.__class__ is str else None
            if child is None or type(v) in _LEAVES:
                continue
            if type(v) is dict and len(v) == 1 and _is_expression(v):
                new = _resolve(v, at + (k,), params, values, found)
            elif child is not _WHOLE:
                if not child and type(v) is dict:
                    continue  # read for its presence only (what the call would return: v itself)
                new = _substitute_read(v, child, at + (k,), params, values, found, clean)
            elif type(v) is dict:  # what _substitute would do with it, without the call
                if clean and id(v) in clean:
                    continue
                for x in v.values():
                    if type(x) not in _LEAVES:
                        break
                else:
                    continue  # a structure of JSON scalars holds no expression (the call would return v)
                new = _substitute_members(v, at + (k,), params, values, found, clean)
            elif type(v) is list:
                for x in v:
                    if type(x) not in _LEAVES:
                        break
                else:
                    continue  # a list of JSON scalars holds no expression (the call would return v)
                new = _substitute_items(v, at + (k,), params, values, found, clean)
            else:
                new = _substitute(v, at + (k,), params, values, found, clean)
            if new is not v:
                if out is None:
                    out = dict(value)
                out[k] = new
        return value if out is None else out
    if t is list or (t not in _LEAVES and _paths.is_seq(value)):
        child = node.get("[]")
        if child is None:
            return _substitute_items(value, at, params, values, found, clean)
        lst: list[Any] | None = None
        for i, v in enumerate(value):
            if type(v) in _LEAVES:
                continue
            if child is _WHOLE:
                new = _substitute(v, at + (i,), params, values, found, clean)
            elif _is_expression(v):
                new = _resolve(v, at + (i,), params, values, found)
            else:
                new = _substitute_read(v, child, at + (i,), params, values, found, clean)
            if new is not v:
                if lst is None:
                    lst = list(value)
                lst[i] = new
        return value if lst is None else lst
    return value


def _resolve(expr: Mapping[str, Any], at: _Parts, params: Mapping[str, PipelineParameter],
             values: Mapping[str, Any] | None, found: list[tuple[_Parts, Any, Any]]) -> Any:
    """What expression ``expr`` at ``at`` is known to be (see :func:`_substitute`)."""
    pname = _parameter_name(expr)
    if pname is not None and pname in params:
        found.append((at, expr, pname))
        if values is not None and pname in values:
            return params[pname].coerce(values[pname])
        default = params[pname].default
        if default is not MISSING:
            return default
    else:
        found.append((at, expr, None))
    unresolved = _new(_Unresolved)  # a frozen dataclass filled as its __init__ does
    unresolved.__dict__["expression"] = expr
    return unresolved


def _parameter_name(expr: Mapping[str, Any]) -> str | None:
    target = expr.get("Get")
    if isinstance(target, str) and target.startswith("Parameters."):
        return target[len("Parameters."):]
    return None


def _names_what_the_step_makes(expr: Mapping[str, Any], resource: str, producers: Mapping[str, str]) -> bool:
    """Whether ``expr`` is ``{"Get": "Steps.<step>.<name property>"}`` of a step of this pipeline that makes a
    ``resource`` (:data:`_PRODUCERS`, :data:`_NAME_PROPERTY`): exactly the name, no other property of it."""
    target = expr.get("Get")
    if not isinstance(target, str) or not target.startswith("Steps."):
        return False
    parts = target.split(".")
    return (len(parts) == 3 and producers.get(parts[1]) in _PRODUCERS.get(resource, ())
            and parts[2] == _NAME_PROPERTY.get(resource))


def _overlaps(parts: _Parts, pattern: tuple[str, ...]) -> bool:
    """True when a concrete path and a rule path (``[]`` = any index) share their common prefix."""
    for p, q in zip(parts, pattern):
        if q == "[]":
            if not isinstance(p, int):
                return False
        elif p != q:
            return False
    return True


def _guarded_patterns(operation: str) -> tuple[tuple[tuple[str, ...], str, str | None], ...]:
    """``(pattern, rule ID, resource or None)`` for every field and reference of ``operation``."""
    return _PATTERNS.get(operation) or _build_patterns(operation)


_PATTERNS: dict[str, tuple[tuple[tuple[str, ...], str, str | None], ...]] = {}
_BY_HEAD: dict[str, Any] = {}


def _patterns_by_head(operation: str) -> dict[str, tuple[tuple[tuple[str, ...], str, str | None], ...]] | None:
    """:func:`_guarded_patterns` of ``operation`` grouped by their first part, each group in the table's
    order; ``None`` when a pattern is empty or starts with ``[]`` (then every pattern is tried)."""
    try:
        return _BY_HEAD[operation]
    except KeyError:
        pass
    patterns = _guarded_patterns(operation)
    groups: dict[str, list[tuple[tuple[str, ...], str, str | None]]] | None = {}
    for entry in patterns:
        pat = entry[0]
        if not pat or pat[0] == "[]":
            groups = None
            break
        groups.setdefault(pat[0], []).append(entry)  # type: ignore[union-attr]
    made = None if groups is None else {k: tuple(v) for k, v in groups.items()}
    _BY_HEAD[operation] = made
    return made


def _build_patterns(operation: str) -> tuple[tuple[tuple[str, ...], str, str | None], ...]:
    rule = RULES[operation]
    out: list[tuple[tuple[str, ...], str, str | None]] = []
    for target, f in rule.fields():
        out.append((split_path(target.anchor) + split_path(f.path), f.guardrail.value, None))
    for ref in rule.references:
        kinds = {k for _, k in ref.resource_by} | {ref.resource}
        out.extend((split_path(ref.path), Guardrail.REFERENCE.value, k) for k in sorted(kinds))
    _PATTERNS[operation] = tuple(out)
    return _PATTERNS[operation]


def _under(path: str, parts_path: str) -> bool:
    """``path`` is ``parts_path`` or below it, or above it (a parent of it)."""
    if path == parts_path:
        return True
    for a, b in ((path, parts_path), (parts_path, path)):
        if a.startswith(b) and a[len(b)] in ".[":
            return True
    return False


# --------------------------------------------------------------------------- checking


def execution_parameters(request: Mapping[str, Any] | None) -> dict[str, Any]:
    """``StartPipelineExecution``'s ``PipelineParameters`` by name: the ``values`` of :func:`check_definition`.

    Parameters
    ----------
    request : Mapping or None
        The request (``PipelineParameters``: ``[{Name, Value}]``, SageMaker API reference).

    Returns
    -------
    dict
        Name -> value; empty when the execution gives none (every default applies).
    """
    values: dict[str, Any] = {}
    for p in (request or {}).get("PipelineParameters") or []:
        if isinstance(p, Mapping) and isinstance(p.get("Name"), str):
            values[p["Name"]] = p.get("Value")
    return values


def repeated_parameters(operation: str, request: Mapping[str, Any] | None) -> list[Violation]:
    """``StartPipelineExecution``'s ``PipelineParameters`` that name a parameter again: one violation each.

    Which of two values SageMaker uses for one name is not documented (API reference,
    ``Parameter``: "This parameter name must match a named parameter in the pipeline
    definition"), so an execution naming one twice cannot be decided.

    Returns
    -------
    list[Violation]
        ``SM-UNSUPPORTED`` at ``PipelineParameters[i].Name`` for every repeat; empty when none.
    """
    seen: set[str] = set()
    out: list[Violation] = []
    for i, p in enumerate((request or {}).get("PipelineParameters") or []):
        name = p.get("Name") if isinstance(p, Mapping) else None
        if not isinstance(name, str):
            continue
        if name in seen:
            out.append(Violation(
                operation, f"PipelineParameters[{i}].Name", name, "each parameter named once",
                f"Give {name} once: which of its values SageMaker would use is not documented",
                Guardrail.UNSUPPORTED.value, "each parameter named once"))
        seen.add(name)
    return out


def check_definition(document: str | bytes | Mapping[str, Any], profile: "VpcProfile", *,
                     operation: str = "CreatePipeline", prefix: str = "PipelineDefinition",
                     parameter_values: Mapping[str, Any] | None = None,
                     steps: "frozenset[str] | None" = None) -> DefinitionCheck:
    """Check every step of a pipeline definition with the rule table.

    Parameters
    ----------
    document : str, bytes or Mapping
        The definition (JSON text, bytes of the S3 object, or decoded).
    profile : VpcProfile
        The profile. ``allow_pipeline_network_parameters`` (default ``False``)
        lets parameters stand in guarded fields (their defaults are still checked).
    operation : str, default "CreatePipeline"
        The operation named in the violations (the request carrying the definition).
    prefix : str, default "PipelineDefinition"
        Path of the definition in that request, starting every violation path.
    parameter_values : Mapping[str, Any], optional
        Values an execution gives the parameters (by name; strings as in
        ``StartPipelineExecution``, converted by the parameter's type). When
        given, parameters are checked with these values (defaults for the
        others) and are not refused for being parameters.
    steps : frozenset of str, optional
        Check only the steps of these names (the steps of an earlier execution whose outputs
        another execution reuses, :mod:`safemaker.pipeline_executions`); every step when ``None``.

    Returns
    -------
    DefinitionCheck
        Violations (never raised: a malformed definition is a violation too),
        references to existing resources, and the steps found.
    """
    key: Any = None
    if parameter_values is None and steps is None and type(document) in (str, bytes):
        key = (document, operation, prefix, id(profile))
        hit = _CHECKED.get(key)
        if hit is not None and hit[0]() is profile:
            return hit[1]
    result = (_check_definition(document, profile, operation, prefix, parameter_values) if steps is None
              else _check_definition(document, profile, operation, prefix, parameter_values, only=steps))
    if key is not None:
        try:
            ref = weakref.ref(profile)
        except TypeError:  # pragma: no cover - a profile-like object without weak references
            return result
        with _CHECKED_LOCK:
            while len(_CHECKED) >= _CHECKED_SIZE:
                _CHECKED.pop(next(iter(_CHECKED)))
            _CHECKED[key] = (ref, result)
    return result


_CHECKED: dict[tuple[Any, ...], tuple[Any, DefinitionCheck]] = {}
"""The last few :func:`check_definition` results of definition *texts*, by ``(text, operation, prefix,
id(profile))`` (checked again: the profile object itself). A pure function of that key (the profile is
frozen), so a definition decided twice (the hooks' decision, then the process guard's check of the
final request; ``check`` then ``apply``) is parsed and checked once. Mappings are never cached (they
can change), nor checks with ``parameter_values``."""
_CHECKED_SIZE = 8
_CHECKED_LOCK = threading.Lock()


def _check_definition(document: str | bytes | Mapping[str, Any], profile: "VpcProfile", operation: str,
                      prefix: str, parameter_values: Mapping[str, Any] | None,
                      walk_reads: bool | None = None, only: "frozenset[str] | None" = None) -> DefinitionCheck:
    """:func:`check_definition` itself (without the cache of texts); ``walk_reads=False`` substitutes every
    expression of every step (the general path, which the tests compare with), ``None`` as :data:`_WALK_READS`;
    ``only``: the names of the steps to check (every step when ``None``)."""
    if walk_reads is None:
        walk_reads = _WALK_READS
    try:
        definition = parse_definition(document, prefix=prefix)
    except PipelineDefinitionError as exc:
        v = Violation(operation, exc.path, exc.found, exc.expected,
                      "Give a pipeline definition as SageMaker documents it (JSON with Parameters and Steps)",
                      Guardrail.UNSUPPORTED.value, f"{exc.expected} that can be checked")
        return DefinitionCheck((v,), (), ())
    allow = bool(getattr(profile, "allow_pipeline_network_parameters", False))
    violations: list[Violation] = _case_differing_parameters(definition, parameter_values, operation)
    refs: list[_guard.ResolvedReference] = []
    producers: dict[str, str] = {}  # step name -> type (the first step of a name, as PipelineDefinition.step)
    for step in definition.steps:
        producers.setdefault(step.name, step.type)
    relaxed: list[str] = []
    for step in definition.steps:
        if only is None or step.name in only:
            _check_step(step, definition, profile, operation, allow, parameter_values, violations, refs, producers,
                        walk_reads, relaxed)
    return DefinitionCheck(tuple(violations), tuple(refs), definition.steps, tuple(dict.fromkeys(relaxed)))


def _case_differing_parameters(definition: PipelineDefinition, values: Mapping[str, Any] | None,
                               operation: str) -> list[Violation]:
    """An execution's parameter names that match a parameter of the definition only when case is ignored.

    The API reference says a name "must match a named parameter in the pipeline definition" without saying whether
    case counts; the check reads a value only under its exact name, so a value given as ``iso`` for ``Iso`` would go
    unchecked if SageMaker matched it. Such a name cannot be decided: ``SM-UNSUPPORTED`` at ``PipelineParameters``
    (found: the name), one each.
    """
    if not values:
        return []
    declared = {name.casefold(): name for name in definition.parameters}
    out: list[Violation] = []
    for name in values:
        spelled = declared.get(name.casefold()) if isinstance(name, str) else None
        if spelled is not None and spelled != name:
            out.append(Violation(
                operation, "PipelineParameters", name, f"the name as the definition spells it: {spelled}",
                f"Give {spelled} as the pipeline definition spells it: whether SageMaker matches parameter names "
                "regardless of case is not documented", Guardrail.UNSUPPORTED.value,
                "parameter names spelled as in the definition"))
    return out


def _check_shadow_model(step: PipelineStep, operation: str, violations: list[Violation],
                        refs: list[_guard.ResolvedReference], producers: dict[str, str]) -> None:
    """A ``ClarifyCheck`` step's ``ModelName``: the model Clarify deploys as a shadow endpoint (its endpoint
    config names this model, so the endpoint has the model's network: isolation, VPC). An existing model is
    a reference (Described and checked like ``ProductionVariants[].ModelName``); a model made by a ``Model``
    step of this pipeline is checked as that step; anything else cannot be checked."""
    value, path = step.model_name, f"{step.path}.ModelName"
    if isinstance(value, str) and value:
        refs.append(_guard.ResolvedReference(path, "model", value))
        return
    if _is_expression(value) and _names_what_the_step_makes(value, "model", producers):
        return
    violations.append(Violation(operation, path, value, "a model name written in the definition",
                                "Name the model itself (or a Model step of this pipeline): Clarify deploys it as "
                                "a shadow endpoint, whose network is the model's", Guardrail.UNSUPPORTED.value,
                                "a model name written in the definition"))


def _check_argument_members(step: PipelineStep, members: frozenset[str], operation: str,
                            violations: list[Violation]) -> None:
    """A step whose ``Arguments`` are read (not a request): only the members it is known to have."""
    args, expected = step.arguments, f"an object with only the members {sorted(members)}"
    if _paths.is_map(args) and not _is_expression(args):
        unknown = sorted(str(k) for k in args if k not in members)
        if not unknown:
            return
        path, found = f"{step.path}.Arguments.{unknown[0]}", f"the member(s) {unknown}"
    else:
        path, found = f"{step.path}.Arguments", args
    violations.append(Violation(operation, path, found, expected,
                                f"Give a {step.type} step only the Arguments members {sorted(members)} (what the "
                                "SageMaker SDK writes); a member the guard does not know may run something it "
                                "cannot check", Guardrail.UNSUPPORTED.value, expected))


_CACHED_PRODUCERS: frozenset[str] = frozenset().union(*_PRODUCERS.values())
"""Step types whose output a later step deploys (``Model``, ``EndpointConfig``, ``Endpoint``) and that take no
``CacheConfig`` the guard can decide (trial 18c F02): SageMaker SDK v2 writes ``CacheConfig`` for
``EndpointConfigStep`` / ``EndpointStep`` ("structurally cacheable"), and a cache hit hands later steps the
resource an earlier execution made, which the definition being checked does not describe. The Developer Guide,
*Default cache key attributes by pipeline step type*, lists keys only for Processing, Training, Tuning, AutoML,
Transform, ClarifyCheck, QualityCheck and EMR steps (none holds a network member: no ``VpcConfig``,
``NetworkConfig``, ``EnableNetworkIsolation``); their cached output is data in Amazon S3 and a hit runs nothing
(:mod:`safemaker.pipeline_executions`). A ``CacheConfig`` whose ``Enabled`` is anything but ``false`` (absent
``Enabled`` is off) on a step of these types cannot be verified."""


def _check_step(step: PipelineStep, definition: PipelineDefinition, profile: "VpcProfile", operation: str,
                allow: bool, values: Mapping[str, Any] | None, violations: list[Violation],
                refs: list[_guard.ResolvedReference], producers: dict[str, str], walk_reads: bool = True,
                relaxed: list[str] | None = None) -> None:
    if step.type in UNSUPPORTED_STEPS:
        violations.append(Violation(operation, step.path, step.type, "a step that can run closed",
                                    f"Remove the step: {UNSUPPORTED_STEPS[step.type]}", Guardrail.UNSUPPORTED.value,
                                    "a step type that can run in a closed network"))
        return
    if step.type in _CACHED_PRODUCERS and step.cache_config is not MISSING and not (
            _paths.is_map(step.cache_config) and step.cache_config.get("Enabled", False) is False):
        violations.append(Violation(
            operation, f"{step.path}.CacheConfig", step.cache_config, "CacheConfig.Enabled false (or no CacheConfig)",
            f"Cannot verify it: with caching on, the {step.type} step may be served from the cache of an earlier "
            "execution of the pipeline, handing later steps the resource that run made (maybe open), not the one "
            "this definition describes; AWS documents no cache key for this step type, so none is known to cover "
            "its network fields. Set CacheConfig.Enabled false on the step",
            Guardrail.REFERENCE.value, "a producer step that runs in every execution (no step caching)"))
    if step.type in NO_NETWORK_STEPS:
        members = STEP_ARGUMENT_MEMBERS.get(step.type)
        if members is not None:
            _check_argument_members(step, members, operation, violations)
        return
    op = STEP_OPERATIONS.get(step.type)  # step.operation, without the calls when it needs no arguments
    if op == "CreateAutoMLJob":
        op = step.operation
    if op is None:
        known = sorted({*STEP_OPERATIONS, *NO_NETWORK_STEPS})
        violations.append(Violation(operation, f"{step.path}.Type", step.type or MISSING, known,
                                    "Use a step type whose network safemaker can check",
                                    Guardrail.UNSUPPORTED.value, f"one of the step types {known}"))
        return
    args = step.arguments
    if (args.__class__ is not dict and not _paths.is_map(args)) or (len(args) == 1 and _is_expression(args)):
        violations.append(Violation(operation, f"{step.path}.Arguments", args, f"a {op} request",
                                    f"Give the step's Arguments as a {op} request", Guardrail.UNSUPPORTED.value,
                                    f"the step's Arguments as a {op} request"))
        return
    if step.model_name is not MISSING:
        _check_shadow_model(step, operation, violations, refs, producers)
    found: list[tuple[_Parts, Any, Any]] = []
    reads = _READS.get(op) if op in _READS else _read_paths(op)
    if reads is None or not walk_reads:
        resolved = _substitute(args, (), definition.parameters, values, found, definition.expression_free)
    else:
        resolved = _substitute_read(args, reads, (), definition.parameters, values, found,
                                    definition.expression_free)
    decided_violations, decided_refs = _guard._check_written(op, resolved, profile)
    if not found and not decided_violations and not decided_refs:
        return  # the common case: a closed step without expressions
    base = f"{step.path}.Arguments"
    hint = _REPACK_HINT if "RepackModel" in step.name else ""
    drop: list[str] = []  # paths whose guard violations are about an unresolved value
    extra: list[Violation] = []
    by_head = _patterns_by_head(op)
    for parts, expr, pname in found:
        # the first pattern that overlaps (in the table's order), among those whose first member is
        # the expression's (no other can: a pattern's first part is a member name)
        candidates = by_head.get(parts[0], ()) if by_head is not None and parts and parts[0].__class__ is str \
            else _guarded_patterns(op)
        for pat, rule_id, resource in candidates:
            if _overlaps(parts, pat):
                break
        else:
            continue  # an expression in a field the guard does not look at
        rel = _paths.format_path(parts)
        full = f"{base}.{rel}"
        if pname is not None:
            if values is not None:
                continue  # an execution's (or default) value, checked by the guard below
            param = definition.parameters[pname]
            if param.default is MISSING:
                drop.append(rel)
                extra.append(Violation(operation, full, expr, "a value that can be checked",
                                       f"Give Parameters.{pname} a DefaultValue the profile allows, or write "
                                       "the value itself in the step", rule_id,
                                       "a value written in the definition (this parameter has no default)"))
            elif not allow:
                extra.append(Violation(operation, full, expr, "a value written in the definition",
                                       f"Write the value itself in the step: whoever starts an execution can "
                                       f"override Parameters.{pname} (a profile with "
                                       "allow_pipeline_network_parameters accepts parameters whose default "
                                       "complies)", rule_id, "a value written in the definition"))
            elif relaxed is not None:
                relaxed.append(pname)   # accepted only by the relaxation: a start's own value decides the field
            continue
        if resource is not None and _names_what_the_step_makes(expr, resource, producers):
            continue  # made by a step of this pipeline, which is checked itself
        drop.append(rel)
        extra.append(Violation(operation, full, expr, "a value written in the definition",
                               f"Write the value itself in the step: {json.dumps(expr, default=str)} is only "
                               "known at run time and cannot be checked", rule_id,
                               "a value written in the definition"))
    for v in decided_violations:
        if any(_under(v.path, d) for d in drop):
            continue
        fix = v.fix
        if v.found is MISSING:
            fix = f"Set it in the step's Arguments{hint}: {_NO_REWRITE}. {_SDK_CONFIG_FIX}"
        violations.append(Violation(operation, f"{base}.{v.path}", v.found, v.required, fix, v.rule_id,
                                    v.required_text))
    violations.extend(extra)
    for r in decided_refs:
        refs.append(_guard.ResolvedReference(f"{base}.{r.path}", r.resource, r.name))

