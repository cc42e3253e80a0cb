"""safemaker.pipeline_executions: which producer steps a selective execution reuses (pure).

Oracle: SageMaker Developer Guide, *Selective execution of pipeline steps*: "For non-selected steps in the
workflow, the selective execution reuses the outputs from a reference pipeline execution rather than
recomputing the steps"; botocore ``SelectedStep.StepName`` pattern ``[A-Za-z0-9\\-_]*``.
"""

from __future__ import annotations

from safemaker.pipeline import parse_definition
from safemaker.pipeline_executions import closure, reused_producers, runs, selection


def _definition(*steps):
    return parse_definition({"Version": "2020-12-01", "Steps": list(steps)})


MODEL = {"Name": "MakeModel", "Type": "Model", "Arguments": {}}
EC = {"Name": "MakeEC", "Type": "EndpointConfig", "Arguments": {"ProductionVariants": [
    {"ModelName": {"Std:Join": {"On": "", "Values": [{"Get": "Steps.MakeModel.ModelName"}]}}}]}}
EP = {"Name": "MakeEP", "Type": "Endpoint", "Arguments": {"EndpointConfigName": {"Get": "Steps.MakeEC.EndpointConfigName"}}}
TRAIN = {"Name": "Train", "Type": "Training", "Arguments": {}}
USES_TRAIN = {"Name": "Register", "Type": "Model", "Arguments": {
    "PrimaryContainer": {"ModelDataUrl": {"Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"}}}}


def test_selection_reads_selected_steps_and_none_means_every_step():
    assert selection(None) is None
    assert selection({"SelectedSteps": [{"StepName": "A"}, {"StepName": "B"}, {}]}) == {"A", "B"}


def test_only_producers_that_do_not_run_are_reused():
    d = _definition(MODEL, EC, EP)
    assert reused_producers(d, None) == {}
    assert reused_producers(d, frozenset({"MakeModel", "MakeEC", "MakeEP"})) == {}
    assert reused_producers(d, frozenset({"MakeEC", "MakeEP"})) == {
        "MakeModel": "PipelineDefinition.Steps[1:MakeEC].Arguments.ProductionVariants[0].ModelName.Std:Join.Values[0]"}
    assert set(reused_producers(d, frozenset({"MakeEP"}))) == {"MakeEC"}  # MakeEC itself does not run


def test_a_training_output_is_data_not_a_reused_producer():
    d = _definition(TRAIN, USES_TRAIN)
    assert reused_producers(d, frozenset({"Register"})) == {}


def test_a_step_nested_in_a_selected_condition_runs():
    cond = {"Name": "Check", "Type": "Condition", "Arguments": {"Conditions": [], "IfSteps": [EC], "ElseSteps": []}}
    d = _definition(MODEL, cond)
    nested = next(s for s in d.steps if s.name == "MakeEC")
    assert runs(nested, frozenset({"Check"})) and not runs(nested, frozenset({"MakeModel"}))
    assert set(reused_producers(d, frozenset({"Check"}))) == {"MakeModel"}


def test_closure_in_the_reference_execution():
    d = _definition(MODEL, EC, EP)
    assert closure(d, {"MakeEC": "p"}, None) == (frozenset({"MakeEC", "MakeModel"}), {}, {})
    # the reference execution was selective itself: its model came from its own reference
    assert closure(d, {"MakeEC": "p"}, frozenset({"MakeEC", "MakeEP"}))[:2] == (
        frozenset({"MakeEC"}), {"MakeModel": "PipelineDefinition.Steps[1:MakeEC].Arguments.ProductionVariants[0]"
                                             ".ModelName.Std:Join.Values[0]"})
    assert closure(_definition(EP), {"MakeModel": "p"}, None) == (frozenset(), {}, {"MakeModel": "p"})
