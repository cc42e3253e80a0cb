"""A pipeline step's expressions are substituted where its decision reads, and nowhere else: same decisions.

:func:`safemaker.pipeline.check_definition` resolves a step's expressions only at the paths the
step's decision reads (``pipeline._read_paths``: the rule table's fields, conditions and references,
and what the preflight check reads). The reference is the same check substituting every expression
of every step (``pipeline._WALK_READS = False``). Generated definitions: every step type, steps
built from botocore's model and closed by the guard, expressions of every kind (parameters with and
without defaults, closed and open defaults, undeclared parameters, step properties, ``Std:Join`` /
``Std:JsonGet``, execution variables) at guarded fields, at what conditions and the preflight read,
inside lists, in place of structures and anywhere else; structures of the wrong shape; condition and
``ForEach`` bodies; unknown and unsupported step types; checked as a creation, with a profile that
allows parameters, and as an execution with parameter values.
"""

from __future__ import annotations

import copy
import itertools
import json
import random
import sys
from pathlib import Path
from typing import Any

import pytest

from _shapes import value_paths

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
bench = pytest.importorskip("bench_guard_ops")

from safemaker import guard, pipeline  # noqa: E402
from safemaker.errors import GuardrailViolation  # noqa: E402
from safemaker.profile import VpcProfile  # noqa: E402

COMPARES_PIPELINE_PATHS = True  # tests/conftest.py: the comparison of every definition is made here

# What the preflight checks and the conditions of the rule table read, given values that make them act.
EXTRA: dict[str, dict[str, Any]] = {
    "CreateTrainingJob": {"HyperParameters": {"sagemaker_submit_directory": "s3://b/code.tar.gz", "epochs": "3"},
                          "AlgorithmSpecification": {"TrainingImage": bench.IMG, "TrainingInputMode": "File",
                                                     "ContainerEntrypoint": ["python3", "train.py"]}},
    "CreateModel": {"PrimaryContainer": {"Image": bench.IMG, "Environment": {
        "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code", "HF_MODEL_ID": "/opt/ml/model"}},
        "Containers": [{"Image": bench.IMG, "Environment": {"OPTION_MODEL_ID": "s3://b/model"}}]},
    "CreateProcessingJob": {"ProcessingOutputConfig": {"Outputs": [{"OutputName": "o", "S3Output": {
        "S3Uri": "s3://b/o", "LocalPath": "/opt/ml/processing/o", "S3UploadMode": "EndOfJob"}}]}},
}
OPEN_VALUES = [False, "ml.m5d.large", "ml.p4d.24xlarge", "s3://b/code.tar.gz", "org/model",
               ["subnet-0ffffffffffffffff"],
               {"Subnets": ["subnet-0ffffffffffffffff"], "SecurityGroupIds": ["sg-0ffffffffffffffff"]},
               "alias/other", "arn:aws:iam::123456789012:role/Other", ["python3", "/opt/ml/input/data/"
                                                                      "sagemaker_remote_function_bootstrap/job.sh"],
               "", None, 1, 2.5, {"a": {"Get": "Parameters.P0"}}]
STEP_TYPES = sorted(pipeline.STEP_OPERATIONS) + ["AutoMLV2", "Condition", "ForEach", "Fail", "ClarifyCheck", "Lambda",
                                                 "Unknown", "Model", "Model", "Training", "Training", "Processing"]


def _base(operation: str) -> dict[str, Any]:
    req = bench.request_for(operation)
    try:
        req = guard.apply(operation, req, bench.PROFILE)  # closed as the session would send it
    except GuardrailViolation:
        pass  # refused outright (open members of the model's minimum): kept as it is
    for member, value in EXTRA.get(operation, {}).items():
        req[member] = copy.deepcopy(value)
    return req


BASES: dict[str, dict[str, Any]] = {}


def _arguments(step_type: str) -> dict[str, Any]:
    operation = "CreateAutoMLJobV2" if step_type == "AutoMLV2" else pipeline.STEP_OPERATIONS[step_type]
    if operation not in BASES:
        BASES[operation] = _base(operation)
    return copy.deepcopy(BASES[operation])




def _read_paths(operation: str) -> list[tuple]:
    """The paths of the read tree, elements as index 0 (made where absent)."""
    out: list[tuple] = []

    def walk(node: Any, at: tuple) -> None:
        if node is pipeline._WHOLE or (not node and at):  # read as a whole, or only for holding a value
            out.append(at)
            return
        for k, child in node.items():
            walk(child, at + ((0,) if k == "[]" else (k,)))

    tree = pipeline._read_paths(operation)
    if tree is not None:
        walk(tree, ())
    return out


def _put(doc: Any, path: tuple, value: Any) -> None:
    """Set ``path`` in ``doc`` to ``value``, making the structures on the way (a list of one where an index is)."""
    for i, part in enumerate(path[:-1]):
        nxt = path[i + 1]
        if isinstance(doc, dict):
            if not isinstance(doc.get(part), (dict, list)):
                doc[part] = [None] if isinstance(nxt, int) else {}
            doc = doc[part]
        elif isinstance(doc, list) and isinstance(part, int) and part < len(doc):
            if not isinstance(doc[part], (dict, list)):
                doc[part] = [None] if isinstance(nxt, int) else {}
            doc = doc[part]
        else:
            return
        if isinstance(doc, list) and isinstance(nxt, int) and not doc:
            doc.append(None)
    last = path[-1]
    if isinstance(doc, dict) and not isinstance(last, int):
        doc[last] = value
    elif isinstance(doc, list) and isinstance(last, int) and last < len(doc):
        doc[last] = value


def _delete(doc: Any, path: tuple) -> None:
    for part in path[:-1]:
        if isinstance(doc, dict) and part in doc:
            doc = doc[part]
        elif isinstance(doc, list) and isinstance(part, int) and part < len(doc):
            doc = doc[part]
        else:
            return
    if isinstance(doc, dict):
        doc.pop(path[-1], None)


def _expression(rnd: random.Random, names: list[str]) -> Any:
    kind = rnd.randrange(9)
    if kind <= 4:
        return {"Get": f"Parameters.P{rnd.randrange(6)}"}  # P5 is never declared
    if kind == 8:
        return {"Get": f"Steps.{rnd.choice(names)}.{rnd.choice(['ModelName', 'EndpointName', 'Outputs'])}"}
    if kind == 5:
        return {"Std:Join": {"On": "/", "Values": ["s3://b", {"Get": "Parameters.P1"}]}}
    if kind == 6:
        return {"Get": "Execution.PipelineExecutionId"}
    return rnd.choice([[{"Get": "Parameters.P0"}],  # an expression inside a list
                       {"Std:JsonGet": {"PropertyFile": {"Get": f"Steps.{rnd.choice(names)}.PropertyFiles.R"},
                                        "Path": "a.b"}}])


def _get(doc: Any, path: tuple) -> Any:
    for part in path:
        if isinstance(doc, dict) and part in doc:
            doc = doc[part]
        elif isinstance(doc, list) and isinstance(part, int) and part < len(doc):
            doc = doc[part]
        else:
            return None
    return doc


def _step(rnd: random.Random, i: int, names: list[str], params: list[dict[str, Any]], depth: int = 0
          ) -> dict[str, Any]:
    step_type = rnd.choice(STEP_TYPES if depth < 2 else STEP_TYPES[:-6])
    name = names[i]
    if step_type == "Condition":
        return {"Name": name, "Type": "Condition", "Arguments": {
            "Conditions": [{"Type": "Equals", "LeftValue": {"Get": "Parameters.P0"}, "RightValue": 1}],
            "IfSteps": [_step(rnd, (i + 1) % len(names), names, params, depth + 1)],
            "ElseSteps": [_step(rnd, (i + 2) % len(names), names, params, depth + 1)]}}
    if step_type == "ForEach":
        return {"Name": name, "Type": "ForEach", "Arguments": {
            "IterableItems": [1, 2], "ForEachBody": [_step(rnd, (i + 3) % len(names), names, params, depth + 1)]}}
    if step_type in ("Fail", "Lambda", "Unknown"):
        return {"Name": name, "Type": step_type, "Arguments": {"ErrorMessage": _expression(rnd, names)}}
    args = _arguments(step_type)
    operation = "CreateAutoMLJobV2" if step_type == "AutoMLV2" else pipeline.STEP_OPERATIONS[step_type]
    read = _read_paths(operation)
    everywhere = value_paths(args)
    below = [p for p in everywhere if any(p[:len(r)] == r for r in read)] + read  # where the decision reads
    for _ in range(rnd.randint(0, 5)):
        pool = below if below and rnd.random() < 0.6 else everywhere
        if not pool:
            break
        path = rnd.choice(pool)
        r = rnd.random()
        if r < 0.15:
            _delete(args, path)  # absent: a condition decides whether it is required
            continue
        if r < 0.4 and _get(args, path) is not None:  # a parameter whose default is the value it replaces
            params.append({"Name": f"Q{len(params)}", "Type": "String", "DefaultValue": _get(args, path)})
            _put(args, path, {"Get": f"Parameters.Q{len(params) - 1}"})
        elif r < 0.7:
            _put(args, path, _expression(rnd, names))
        elif r < 0.85:
            _put(args, path, [rnd.choice(OPEN_VALUES), _expression(rnd, names)])  # a list where anything was
        else:
            _put(args, path, {"X": _expression(rnd, names)})  # a structure where anything was
    step = {"Name": name, "Type": "AutoML" if step_type == "AutoMLV2" else step_type, "Arguments": args}
    if step_type == "ClarifyCheck":
        step["ModelName"] = rnd.choice(["m", _expression(rnd, names)])
    return step


def _definition(rnd: random.Random) -> dict[str, Any]:
    names = [f"S{i}" for i in range(8)]
    params = []
    for p in range(5):
        if rnd.random() < 0.2:
            continue  # undeclared
        param: dict[str, Any] = {"Name": f"P{p}", "Type": rnd.choice(["String", "Integer", "Boolean", "Float"])}
        r = rnd.random()
        if r < 0.4:
            param["DefaultValue"] = rnd.choice([True, "alias/volume", "alias/output", bench.ROLE, "ml.m5.large",
                                                bench.SUBNETS, {"Subnets": bench.SUBNETS,
                                                                "SecurityGroupIds": [bench.SG]}])
        elif r < 0.8:
            param["DefaultValue"] = rnd.choice(OPEN_VALUES)
        params.append(param)
    steps = [_step(rnd, i, names, params) for i in range(rnd.randint(1, 6))]
    return {"Version": "2020-12-01", "Parameters": params, "Steps": steps}


def _both(doc: Any, profile: VpcProfile, values: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    pipeline._CHECKED.clear()
    new = pipeline.check_definition(doc, profile, parameter_values=values)
    monkeypatch.setattr(pipeline, "_WALK_READS", False)
    pipeline._CHECKED.clear()
    old = pipeline.check_definition(doc, profile, parameter_values=values)
    monkeypatch.setattr(pipeline, "_WALK_READS", True)
    return new, old


def test_generated_definitions_decide_as_with_every_expression_substituted(monkeypatch: pytest.MonkeyPatch) -> None:
    rnd = random.Random(13)
    permissive = VpcProfile.from_mapping({**bench.PROFILE.model_dump(), "allow_pipeline_network_parameters": True},
                                         source="test", env=False)
    decided = refused = expressions_read = 0
    for n in range(400):
        doc = _definition(rnd)
        profile = permissive if n % 3 == 1 else bench.PROFILE
        values = {f"P{p}": rnd.choice(["true", "1", "ml.m5.large", "s3://b/x", "alias/volume"])
                  for p in range(5) if rnd.random() < 0.5} if n % 3 == 2 else None
        given = json.dumps(doc) if n % 4 == 0 else doc
        new, old = _both(given, profile, values, monkeypatch)
        assert new == old, json.dumps(doc)[:2000]
        decided += 1
        refused += bool(new.violations)
        expressions_read += sum("Parameters." in str(v.found) or "Steps." in str(v.found) for v in new.violations)
    assert decided == 400 and 50 < refused < 400 and expressions_read > 50  # varied: both outcomes, expressions


def test_the_benchmark_definition_decides_as_with_every_expression_substituted(
        monkeypatch: pytest.MonkeyPatch) -> None:
    doc = json.loads(bench.pipeline_request(50)["PipelineDefinition"])
    new, old = _both(doc, bench.PROFILE, None, monkeypatch)
    assert new == old and new.violations == () and len(new.steps) == 70
    for step in doc["Steps"]:  # the processing steps' instance type is Parameters.ProcessingInstanceType
        step.get("Arguments", {}).get("ProcessingResources", {}).get("ClusterConfig", {}).pop("VolumeKmsKeyId", None)
    new, old = _both(doc, bench.PROFILE, None, monkeypatch)
    assert new == old and len(new.violations) == 10  # the volume key is required (ml.m5.xlarge)
    doc["Parameters"][0]["DefaultValue"] = "ml.m5d.large"  # instance storage: the API takes no VolumeKmsKeyId
    new, old = _both(doc, bench.PROFILE, None, monkeypatch)
    assert new == old and new.violations == ()


SHAPES = ["ml.m5d.large", "ml.g4dn.xlarge", {"X": {"Get": "Parameters.Q"}}, [{"Get": "Parameters.Q"}, 1]]


@pytest.mark.parametrize("step_type", sorted({*pipeline.STEP_OPERATIONS, "AutoMLV2"}))
def test_each_read_path_of_each_step_type_decides_as_with_every_expression_substituted(
        step_type: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every path the decision reads and every path of the closed request: a parameter there
    (its default the value it replaces, open values, an instance type with instance storage, a
    structure or list holding an expression), with every other value read present, then absent."""
    operation = "CreateAutoMLJobV2" if step_type == "AutoMLV2" else pipeline.STEP_OPERATIONS[step_type]
    base = _arguments(step_type)
    read = _read_paths(operation)
    paths = sorted({*read, *value_paths(base)}, key=str)
    rnd = random.Random(step_type)
    checked = 0
    for path in paths:
        others = [r for r in read if r[:len(path)] != path and path[:len(r)] != r]
        for default, absent in itertools.product([_get(base, path), *rnd.sample(OPEN_VALUES, 2), *SHAPES],
                                                 ((), others)):
            args = copy.deepcopy(base)
            for other in absent:  # every other value read absent (a condition may then decide on this one)
                _delete(args, other)
            _put(args, path, {"Get": "Parameters.Q"})
            if rnd.random() < 0.3:  # the expression inside the value instead
                _put(args, path, default)
                _put(args, path + (0,) if isinstance(default, list) else path + ("Y",), {"Get": "Parameters.Q"})
            doc = {"Version": "2020-12-01", "Parameters": [{"Name": "Q", "Type": "String", "DefaultValue": default}],
                   "Steps": [{"Name": "S", "Type": "AutoML" if step_type == "AutoMLV2" else step_type,
                              "Arguments": args}]}
            new, old = _both(doc, bench.PROFILE, None, monkeypatch)
            assert new == old, (path, default, json.dumps(args)[:1500])
            checked += 1
    assert read and checked == len(paths) * (3 + len(SHAPES)) * 2


def test_conditions_that_read_whether_a_value_is_given_are_presence_reads() -> None:
    """A field's ``only_with`` and ``not_required_when`` read whether a path holds a value (rules.FieldRule: "when
    it is absent there is nothing to protect"; "when it holds a value"), not the value: what is below such a path
    is not read through it. A processing job's output key applies only with ``ProcessingOutputConfig``; an endpoint
    config's ``ProductionVariants[].ModelName`` is a model reference too (read as a value)."""
    from safemaker.rules import RULES

    assert RULES["CreateProcessingJob"].presence_reads() == frozenset({("ProcessingOutputConfig",)})
    assert ("ProductionVariants", "[]", "ModelName") not in RULES["CreateEndpointConfig"].presence_reads()
    assert ("ProductionVariants", "[]", "ModelName") in {r for r, _ in RULES["CreateEndpointConfig"].read_paths()}
    assert ("ProcessingOutputConfig",) in {r for r, _ in RULES["CreateProcessingJob"].read_paths()}  # still listed
    tree = pipeline._read_paths("CreateProcessingJob")
    assert tree is not None and tree["ProcessingOutputConfig"] == {"KmsKeyId": pipeline._WHOLE}
