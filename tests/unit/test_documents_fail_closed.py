"""Documents the guard cannot read exactly are refused (issue 13, item 3).

A pipeline definition (inline, from S3, or in a CloudFormation template) or a
Step Functions definition string with a repeated key: ``json.loads`` would keep
the last value, the service may keep another; which one is not ours to guess.
A pipeline definition without ``Steps``, or with members the definition schema
does not have, is an unknown shape.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safemaker import guard, iac, pipeline
from safemaker._json import DuplicateKeyError, loads_strict
from safemaker.profile import VpcProfile

from _profiles import ROLE, SUB_A


OPEN_STEP = ('{"Name": "Train", "Type": "Training", "Arguments": {"EnableNetworkIsolation": false, '
             '"EnableNetworkIsolation": true}}')


@pytest.fixture(scope="module")
def profile(profile_factory) -> VpcProfile:
    return profile_factory(subnets=[SUB_A])


def _create(definition: str) -> dict:
    return {"PipelineName": "p", "RoleArn": ROLE, "ClientRequestToken": "t" * 32, "PipelineDefinition": definition}


def test_strict_loader_names_the_key_and_where() -> None:
    with pytest.raises(DuplicateKeyError) as exc:
        loads_strict('{"Steps": [{"A": 1, "B": {"C": 1, "C": 2}}]}')
    assert (exc.value.key, exc.value.path) == ("C", "Steps[0].B")
    assert loads_strict('{"a": [1, {"b": null}]}') == {"a": [1, {"b": None}]}
    assert isinstance(exc.value, ValueError)


def test_pipeline_with_a_duplicate_key_is_refused(profile: VpcProfile) -> None:
    doc = '{"Version": "2020-12-01", "Steps": [' + OPEN_STEP + ']}'
    json.loads(doc)  # plain json takes it (and keeps the last, closed-looking value)
    [v] = guard.check("CreatePipeline", _create(doc), profile)
    assert v.path == "PipelineDefinition.Steps[0].Arguments"
    assert "duplicate key 'EnableNetworkIsolation'" in str(v.found)
    with pytest.raises(guard.GuardrailViolation):
        guard.apply("CreatePipeline", _create(doc), profile)


def test_duplicate_top_level_steps_is_refused(profile: VpcProfile) -> None:
    doc = '{"Version": "2020-12-01", "Steps": [], "Steps": [' + OPEN_STEP + ']}'
    [v] = guard.check("CreatePipeline", _create(doc), profile)
    assert v.path == "PipelineDefinition" and "duplicate key 'Steps'" in str(v.found)


@pytest.mark.parametrize("doc, path, found", [
    ({"Version": "2020-12-01"}, "PipelineDefinition.Steps", "absent"),
    ({"Version": "2020-12-01", "Steps": None}, "PipelineDefinition.Steps", "null"),
    ({"Version": "2020-12-01", "Steps": [], "Stages": []}, "PipelineDefinition.Stages", "the member(s) ['Stages']"),
    ({"Version": "2020-12-01", "Steps": {"Name": "x"}}, "PipelineDefinition.Steps", "a dict"),
])
def test_pipeline_without_steps_or_of_unknown_shape_is_refused(profile: VpcProfile, doc, path, found) -> None:
    [v] = guard.check("CreatePipeline", _create(json.dumps(doc)), profile)
    assert (v.path, v.found) == (path, found)
    with pytest.raises(pipeline.PipelineDefinitionError):
        pipeline.parse_definition(json.dumps(doc))


def test_every_member_the_sdk_writes_is_known() -> None:
    # The SageMaker SDK's Pipeline.definition() writes these members (sagemaker/workflow/pipeline.py).
    doc = {"Version": "2020-12-01", "Metadata": {}, "Parameters": [], "PipelineExperimentConfig": None, "Steps": []}
    assert pipeline.parse_definition(json.dumps(doc)).steps == ()


def _template(tmp_path: Path, definition_string: str) -> Path:
    tpl = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"Sm": {
        "Type": "AWS::StepFunctions::StateMachine",
        "Properties": {"RoleArn": "arn:aws:iam::123456789012:role/sfn", "DefinitionString": definition_string}}}}
    path = tmp_path / "template.json"
    path.write_text(json.dumps(tpl))
    return path


def test_state_machine_definition_string_with_a_duplicate_key_is_refused(tmp_path: Path, profile) -> None:
    states = ('{"StartAt": "T", "States": {"T": {"Type": "Task", '
              '"Resource": "arn:aws:states:::sagemaker:createTrainingJob", '
              '"Parameters": {"EnableNetworkIsolation": false, "EnableNetworkIsolation": true}, "End": true}}}')
    with pytest.raises(iac.IacInputError) as exc:
        iac.check_paths([_template(tmp_path, states)], profile)
    text = str(exc.value)
    assert "DefinitionString has a duplicate key 'EnableNetworkIsolation' in States.T.Parameters" in text
