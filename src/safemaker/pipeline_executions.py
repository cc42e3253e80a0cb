"""What a pipeline execution reuses from an earlier execution. Pure: no I/O.

A step's ``{"Get": "Steps.S.ModelName"}`` names the model step ``S`` of the same
definition makes; :mod:`safemaker.pipeline` allows it in a reference member because
``S`` is checked itself. That holds when ``S`` runs in the execution. In a
**selective execution** it may not: ``StartPipelineExecution``'s
``SelectiveExecutionConfig`` runs only ``SelectedSteps``, and "for non-selected steps
in the workflow, the selective execution reuses the outputs from a reference pipeline
execution rather than recomputing the steps" (SageMaker Developer Guide, *Selective
execution of pipeline steps*); botocore, ``SourcePipelineExecutionArn``: "The ARN from
a reference execution of the current pipeline. Used to copy input collaterals needed
for the selected steps to run." So the model an endpoint-config step deploys is the
one the reference execution's ``S`` made, with the definition *that* execution ran.

This module finds, for a definition and a selection, the producer steps (``Model``,
``EndpointConfig``, ``Endpoint``) whose output a step that runs uses but which do not
run themselves (:func:`reused_producers`); :mod:`safemaker.hooks` then checks those
steps in the definition the reference execution ran
(``DescribePipelineDefinitionForExecution``) with that execution's parameter values
(``ListPipelineParametersForExecution``), following a reference execution that was
selective itself to its own reference. ``RetryPipelineExecution`` of a selective
execution reuses the same outputs and is decided the same way.

Other reuse, considered: step caching (``CacheConfig``) reuses the output of an
earlier run of the same step (of the same pipeline). For processing, training,
tuning, AutoML, transform, check and EMR steps (SageMaker Developer Guide, *Caching
pipeline steps*) the outputs are data in Amazon S3, not a resource a later step
deploys, and a step served from the cache runs nothing. SageMaker SDK v2 also writes
``CacheConfig`` for ``EndpointConfig`` and ``Endpoint`` steps, whose cache key AWS does
not document: a producer step with caching on cannot be verified
(:data:`safemaker.pipeline._CACHED_PRODUCERS`, trial 18c F02).
``ParallelismConfiguration`` changes how many steps run at once, not which.
"""

from __future__ import annotations

import re
from typing import Any, Iterator, Mapping

from . import paths as _paths
from .pipeline import _PRODUCERS, PipelineDefinition, PipelineStep

__all__ = ["PRODUCER_STEPS", "selection", "runs", "producer_uses", "reused_producers", "closure"]

PRODUCER_STEPS: frozenset[str] = frozenset().union(*_PRODUCERS.values())
"""Step types whose output a reference member may name with ``{"Get": "Steps.<name>..."}``
(:mod:`safemaker.pipeline`): ``Model``, ``EndpointConfig``, ``Endpoint``."""

_STEP_IN_PATH = re.compile(r"\[\d+:([A-Za-z0-9\-_]*)\]")
"""A step in a :attr:`safemaker.pipeline.PipelineStep.path` (``Steps[3:Train]``); step names are
``[A-Za-z0-9\\-_]*`` (botocore ``StepName``)."""


def selection(config: Any) -> frozenset[str] | None:
    """The step names a ``SelectiveExecutionConfig`` selects; ``None`` when there is no such config
    (every step runs).

    Parameters
    ----------
    config : Mapping or None
        ``SelectiveExecutionConfig`` of ``StartPipelineExecution`` or of a ``DescribePipelineExecution``
        response (``SelectedSteps``: ``[{StepName}]``, SageMaker API reference).

    Returns
    -------
    frozenset of str or None
        An empty set when the config selects nothing readable (then nothing counts as running here).
    """
    if not _paths.is_map(config):
        return None
    names = set()
    for item in config.get("SelectedSteps") or ():
        name = item.get("StepName") if _paths.is_map(item) else None
        if isinstance(name, str):
            names.add(name)
    return frozenset(names)


def runs(step: PipelineStep, selected: frozenset[str] | None) -> bool:
    """Whether ``step`` may run in an execution selecting ``selected`` (``None``: every step): it is
    selected, or nested in a selected ``Condition`` / ``ForEach`` step."""
    if selected is None:
        return True
    return any(name in selected for name in _STEP_IN_PATH.findall(step.path))


def _step_names(value: Any, at: str) -> Iterator[tuple[str, str]]:
    """``(step name, path)`` of every ``{"Get": "Steps.<name>.<...>"}`` in ``value`` (inside other
    expressions too)."""
    if _paths.is_map(value):
        target = value.get("Get") if len(value) == 1 else None
        if isinstance(target, str) and target.startswith("Steps."):
            parts = target.split(".")
            if len(parts) > 2:
                yield parts[1], at
            return
        for k, v in value.items():
            yield from _step_names(v, f"{at}.{k}" if at else str(k))
    elif _paths.is_seq(value):
        for i, v in enumerate(value):
            yield from _step_names(v, f"{at}[{i}]")


def producer_uses(definition: PipelineDefinition, step: PipelineStep) -> dict[str, str]:
    """The producer steps (:data:`PRODUCER_STEPS`) of ``definition`` whose output ``step`` uses.

    Returns
    -------
    dict
        Producer step name -> path of the first expression naming it
        (``"PipelineDefinition.Steps[1:MakeEC].Arguments.ProductionVariants[0].ModelName"``).
        An expression anywhere in the step's ``Arguments`` (or a ``ClarifyCheck`` step's
        ``ModelName``) counts: checking a producer that does not matter only refuses more.
    """
    types: dict[str, str] = {}
    for s in definition.steps:
        types.setdefault(s.name, s.type)
    out: dict[str, str] = {}
    for member, value in (("Arguments", step.arguments), ("ModelName", step.model_name)):
        for name, path in _step_names(value, f"{step.path}.{member}"):
            if types.get(name) in PRODUCER_STEPS and name not in out:
                out[name] = path
    return out


def reused_producers(definition: PipelineDefinition, selected: frozenset[str] | None) -> dict[str, str]:
    """The producer steps whose output a step that runs uses, but which do not run themselves.

    Parameters
    ----------
    definition : PipelineDefinition
        The definition the execution runs (:func:`safemaker.pipeline.parse_definition`).
    selected : frozenset of str or None
        The execution's ``SelectedSteps`` (:func:`selection`); ``None``: every step runs (then
        nothing is reused and the result is empty).

    Returns
    -------
    dict
        Producer step name -> path of the first expression (in a step that runs) naming it. Their
        outputs come from the reference execution (``SourcePipelineExecutionArn``).
    """
    if selected is None:
        return {}
    running = [s for s in definition.steps if runs(s, selected)]
    ran = {s.name for s in running}
    out: dict[str, str] = {}
    for s in running:
        for name, path in producer_uses(definition, s).items():
            if name not in ran and name not in out:
                out[name] = path
    return out


def closure(definition: PipelineDefinition, needed: Mapping[str, str], selected: frozenset[str] | None,
            ) -> tuple[frozenset[str], dict[str, str], dict[str, str]]:
    """Which steps of an earlier execution made the outputs ``needed``.

    Parameters
    ----------
    definition : PipelineDefinition
        The definition the earlier execution ran.
    needed : Mapping[str, str]
        Producer step name -> path of the expression that uses its output.
    selected : frozenset of str or None
        The earlier execution's own ``SelectedSteps`` (``None``: it ran every step).

    Returns
    -------
    (frozenset, dict, dict)
        The steps to check in ``definition`` (``needed`` and the producers they use in turn, that
        ran in that execution); the producers it reused in turn from its own reference execution
        (name -> path); the ``needed`` names ``definition`` has no step of (name -> path).
    """
    by_name = {}
    for s in definition.steps:
        by_name.setdefault(s.name, s)
    check: set[str] = set()
    reused: dict[str, str] = {}
    missing: dict[str, str] = {}
    frontier = list(needed.items())
    while frontier:
        name, path = frontier.pop()
        if name in check or name in reused or name in missing:
            continue
        step = by_name.get(name)
        if step is None:
            missing[name] = path
        elif not runs(step, selected):
            reused[name] = path
        else:
            check.add(name)
            frontier.extend(producer_uses(definition, step).items())
    return frozenset(check), reused, missing
