"""Pipeline definitions decided two ways through the guard: the same decisions, messages and requests.

safemaker decides a definition's steps by substituting their expressions only where each step's decision
reads (``pipeline._read_paths``: the rule table's fields, their conditions, references, what the preflight
check reads; paths read only for holding a value resolved but not walked). The general path substitutes every
expression of every step (``pipeline._WALK_READS = False``). Here both run over generated definitions of every
shape a definition comes in, through the guard's public calls (``decide``, ``check`` and ``apply`` of
``CreatePipeline`` / ``UpdatePipeline``, inline or fetched from S3, and ``check_definition`` with an
execution's parameter values), and must give equal results: the decision (request to send, injected paths,
violations with their messages, references, warnings), the refusal's message, the request ``apply`` returns.
(``tests/conftest.py`` compares the two paths on every definition any other test decides.)

Generated: steps of every type the rule table checks (arguments of each operation from botocore's model,
closed by the guard, with the members the conditions and preflight read), ``AutoML`` steps shaped as V2,
``ClarifyCheck`` steps with their ``ModelName``, condition branches and ``ForEach`` bodies nested, the step
types that need nothing or are refused, unknown and missing types; parameters of each type with closed, open
and no defaults, undeclared and repeated ones; step properties (of steps that make the resource and of
others), ``Std:Join``, ``Std:JsonGet``, execution variables; expressions in place of fields, structures, list
elements and whole arguments; lists given as tuples (a definition passed as a mapping); and definitions that
do not parse: a repeated key, no or null ``Steps``, an unknown member, steps or parameters of the wrong shape,
bytes that are not UTF-8, text that is not JSON.
"""

from __future__ import annotations

import copy
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

ROLE = bench.ROLE
PERMISSIVE = VpcProfile.from_mapping({**bench.PROFILE.model_dump(), "allow_pipeline_network_parameters": True},
                                     source="test", env=False)
CHECKED_TYPES = sorted(pipeline.STEP_OPERATIONS)
OTHER_TYPES = ["Condition", "ForEach", "Fail", "Lineage", "Cleanup", "EMR", "Lambda", "Callback", "EMRServerless",
               "Job", "Unknown", ""]
# what the preflight checks and the rule table's conditions read, with values that make them act
EXTRA: dict[str, dict[str, Any]] = {
    "CreateTrainingJob": {"HyperParameters": {"sagemaker_submit_directory": "s3://b/code.tar.gz", "epochs": "3"},
                          "AlgorithmSpecification": {"TrainingImage": bench.IMG, "TrainingInputMode": "File",
                                                     "ContainerEntrypoint": ["python3", "train.py"]}},
    "CreateModel": {"PrimaryContainer": {"Image": bench.IMG, "Environment": {
        "SAGEMAKER_SUBMIT_DIRECTORY": "s3://b/code.tar.gz", "HF_MODEL_ID": "org/model"}},
        "Containers": [{"Image": bench.IMG, "Environment": {"OPTION_MODEL_ID": "s3://b/model"}}]},
    "CreateProcessingJob": {"ProcessingOutputConfig": {"Outputs": [{"OutputName": "o", "S3Output": {
        "S3Uri": "s3://b/o", "LocalPath": "/opt/ml/processing/o", "S3UploadMode": "EndOfJob"}}]}},
}
VALUES = [True, False, "ml.m5.large", "ml.m5d.large", "ml.p4d.24xlarge", "alias/volume", "alias/output", "alias/other",
          ROLE, "arn:aws:iam::123456789012:role/Other", bench.SUBNETS, ["subnet-0ffffffffffffffff"],
          {"Subnets": bench.SUBNETS, "SecurityGroupIds": [bench.SG]}, "s3://b/code.tar.gz", "", None, 1, 2.5,
          {"a": 1}, [1, 2]]
_BASES: dict[str, dict[str, Any]] = {}


def _arguments(operation: str) -> dict[str, Any]:
    if operation not in _BASES:
        req = bench.request_for(operation)
        try:
            req = guard.apply(operation, req, bench.PROFILE)  # closed as the session would send it
        except GuardrailViolation:
            pass  # refused outright (open members of the model's minimum): kept as it is
        for member, value in EXTRA.get(operation, {}).items():
            req[member] = copy.deepcopy(value)
        _BASES[operation] = req
    return copy.deepcopy(_BASES[operation])




def _set(doc: Any, path: tuple, value: Any) -> None:
    for part in path[:-1]:
        doc = doc[part]
    doc[path[-1]] = value


def _expression(rnd: random.Random, names: list[str]) -> Any:
    kind = rnd.randrange(10)
    if kind <= 3:
        return {"Get": f"Parameters.P{rnd.randrange(7)}"}  # P5 and P6 are never declared
    if kind == 4:
        return {"Get": f"Steps.{rnd.choice(names)}.{rnd.choice(['ModelName', 'EndpointConfigName', 'Outputs'])}"}
    if kind == 5:
        return {"Std:Join": {"On": "/", "Values": ["s3://b", {"Get": "Execution.PipelineExecutionId"},
                                                   {"Get": f"Parameters.P{rnd.randrange(5)}"}]}}
    if kind == 6:
        return {"Std:JsonGet": {"PropertyFile": {"Get": f"Steps.{rnd.choice(names)}.PropertyFiles.R"},
                                "Path": "a.b"}}
    if kind == 7:
        return {"Get": rnd.choice(["Execution.PipelineExecutionId", "Execution.PipelineName"])}
    if kind == 8:
        return [rnd.choice(VALUES), {"Get": f"Parameters.P{rnd.randrange(5)}"}]  # an expression in a list
    return {"X": {"Get": f"Parameters.P{rnd.randrange(5)}"}}  # in a structure


def _step(rnd: random.Random, i: int, names: list[str], depth: int = 0) -> dict[str, Any]:
    name = names[i % len(names)]
    kinds = CHECKED_TYPES + ["AutoMLV2"] + (OTHER_TYPES if depth < 2 else OTHER_TYPES[2:])
    step_type = rnd.choice(kinds + CHECKED_TYPES)  # checked types twice as often
    if step_type == "Condition":
        args: Any = {"Conditions": [{"Type": "Equals", "LeftValue": {"Get": "Parameters.P0"}, "RightValue": 1}],
                     "IfSteps": [_step(rnd, i + 1, names, depth + 1) for _ in range(rnd.randint(0, 2))],
                     "ElseSteps": [_step(rnd, i + 2, names, depth + 1)]}
    elif step_type == "ForEach":
        args = {"IterableItems": [1, 2], "ForEachBody": [_step(rnd, i + 3, names, depth + 1)]}
        if rnd.random() < 0.2:
            args["Other"] = 1  # a member the guard does not know
    elif step_type == "Cleanup":
        args = {"Resources": {"S3": [{"Get": f"Steps.{rnd.choice(names)}.Outputs"}]}}
    elif step_type in ("Fail", "Lineage", "EMR", "Lambda", "Callback", "EMRServerless", "Job", "Unknown", ""):
        args = {"ErrorMessage": _expression(rnd, names)}
    else:
        operation = "CreateAutoMLJobV2" if step_type == "AutoMLV2" else pipeline.STEP_OPERATIONS[step_type]
        args = _arguments(operation)
        read = [p for p in value_paths(args) if p[:1] in {(r[0],) for r, _ in
                                                      pipeline.RULES[operation].read_paths() if r}]
        everywhere = value_paths(args)
        for _ in range(rnd.choice([0, 0, 0, 1, 2, 3, 5])):
            pool = read if read and rnd.random() < 0.6 else everywhere
            if not pool:
                break
            path = rnd.choice(pool)
            try:
                old = args
                for part in path:
                    old = old[part]
                r = rnd.random()
                if r < 0.35 and old is not None and not isinstance(old, (dict, list)):
                    _set(args, path, {"Get": f"Parameters.P{rnd.randrange(5)}"})
                else:
                    _set(args, path, _expression(rnd, names) if r < 0.85 else rnd.choice(VALUES))
            except (KeyError, IndexError, TypeError):
                continue  # a path under a value already replaced
        if rnd.random() < 0.05:
            args = rnd.choice([{"Get": "Parameters.P0"}, [args], "text", None])  # Arguments of the wrong shape
    step: dict[str, Any] = {"Name": name, "Type": "AutoML" if step_type == "AutoMLV2" else step_type,
                            "Arguments": args}
    if step_type == "ClarifyCheck":
        step["ModelName"] = rnd.choice(["m", _expression(rnd, names), names[0]])
    if rnd.random() < 0.03:
        del step[rnd.choice(["Name", "Type", "Arguments"])]
    return step


def _parameters(rnd: random.Random) -> list[dict[str, Any]]:
    out = []
    for p in range(5):
        if rnd.random() < 0.15:
            continue  # undeclared
        param: dict[str, Any] = {"Name": f"P{p}", "Type": rnd.choice(["String", "Integer", "Boolean", "Float"])}
        if rnd.random() < 0.8:
            param["DefaultValue"] = rnd.choice(VALUES)
        out.append(param)
    if rnd.random() < 0.03:
        out.append(dict(out[0]) if out else {"Name": "P0"})  # a parameter named twice
    return out


def _definition(rnd: random.Random) -> dict[str, Any]:
    names = [f"S{i}" for i in range(6)] + ["Model-CreateModel", "Config", "x-RepackModel-0"]
    steps = [_step(rnd, i, names) for i in range(rnd.randint(1, 6))]
    doc: dict[str, Any] = {"Version": "2020-12-01", "Metadata": {}, "Parameters": _parameters(rnd), "Steps": steps}
    if rnd.random() < 0.3:
        doc["PipelineExperimentConfig"] = {"ExperimentName": {"Get": "Execution.PipelineName"},
                                           "TrialName": {"Get": "Execution.PipelineExecutionId"}}
    return doc


def _tuples(value: Any, rnd: random.Random) -> Any:
    """``value`` with some of its lists as tuples (botocore takes either; a definition given as a mapping)."""
    if isinstance(value, dict):
        return {k: _tuples(v, rnd) for k, v in value.items()}
    if isinstance(value, list):
        items = [_tuples(v, rnd) for v in value]
        return tuple(items) if rnd.random() < 0.5 else items
    return value


def _unparsable(rnd: random.Random, text: str) -> str | bytes:
    """A definition text that does not parse, or parses to a shape that is refused."""
    doc = json.loads(text)
    kind = rnd.randrange(9)
    if kind == 0:  # a repeated key, in a step's arguments or at the top
        return text.replace('"Steps": [', '"Steps": [], "Steps": [', 1) if rnd.random() < 0.5 else \
            text.replace('"Arguments": {', '"Arguments": {"RoleArn": "a", "RoleArn": "b", ', 1)
    if kind == 1:
        doc.pop("Steps")
    elif kind == 2:
        doc["Steps"] = None
    elif kind == 3:
        doc["Unknown"] = 1
    elif kind == 4:
        doc["Steps"] = {"S": doc["Steps"]}
    elif kind == 5:
        doc["Steps"].append(["not", "a", "step"])
    elif kind == 6:
        doc["Parameters"] = {"P0": 1}
    elif kind == 7:
        return b"\xff" + text.encode()
    else:
        return text[: len(text) // 2]
    return json.dumps(doc)


def _outcome(call: Any) -> Any:
    try:
        return "ok", call()
    except GuardrailViolation as exc:  # the refusal: its message and its violations
        return "refused", str(exc), exc.violations


def _decide_all(doc: Any, profile: VpcProfile, values: dict[str, Any] | None, s3: bool) -> list[Any]:
    """Everything the guard says about ``doc``: each call's result (texts are decided afresh each time)."""
    out: list[Any] = []
    for operation in ("CreatePipeline", "UpdatePipeline"):
        pipeline._CHECKED.clear()
        req: dict[str, Any] = {"PipelineName": "p", "RoleArn": ROLE, "ClientRequestToken": "t" * 32}
        fetched = None
        if s3:
            req["PipelineDefinitionS3Location"] = {"Bucket": "b", "ObjectKey": "k"}
            fetched = doc.encode() if isinstance(doc, str) else doc
        else:
            req["PipelineDefinition"] = doc
        if operation == "UpdatePipeline":
            req.pop("ClientRequestToken")
        out.append(guard.decide(operation, req, profile, pipeline_definition=fetched))
        pipeline._CHECKED.clear()
        out.append(guard.check(operation, req, profile, pipeline_definition=fetched))
        pipeline._CHECKED.clear()
        out.append(_outcome(lambda: guard.apply(operation, req, profile, pipeline_definition=fetched)))  # noqa: B023
    pipeline._CHECKED.clear()
    out.append(pipeline.check_definition(doc, profile, parameter_values=values))
    return out


def _both(doc: Any, profile: VpcProfile, values: dict[str, Any] | None, s3: bool,
          monkeypatch: pytest.MonkeyPatch) -> tuple[list[Any], list[Any]]:
    read_paths = _decide_all(doc, profile, values, s3)
    monkeypatch.setattr(pipeline, "_WALK_READS", False)
    general = _decide_all(doc, profile, values, s3)
    monkeypatch.setattr(pipeline, "_WALK_READS", True)
    return read_paths, general


def test_generated_definitions_decide_the_same_both_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    rnd = random.Random(1313)
    seen: set[str] = set()
    refused = allowed = unparsed = parameters_found = 0
    for n in range(240):
        doc = _definition(rnd)
        profile = PERMISSIVE if n % 3 == 1 else bench.PROFILE
        values = ({f"P{p}": rnd.choice(["true", "True", "1", "2.5", "ml.m5.large", "ml.m5d.large", "alias/volume"])
                   for p in range(6) if rnd.random() < 0.5} if n % 4 == 2 else None)
        text = json.dumps(doc)
        form = n % 5
        given: Any = (text if form in (0, 1) else text.encode() if form == 2 else _tuples(doc, rnd) if form == 3
                      else doc)
        if n % 8 == 7:
            given = _unparsable(rnd, text)
        new, old = _both(given, profile, values, s3=n % 6 == 5 and isinstance(given, (str, bytes)),
                         monkeypatch=monkeypatch)
        assert new == old, text[:3000]
        result = new[-1]
        seen.update(s.type for s in result.steps)
        if not result.steps:
            unparsed += 1
        elif result.violations:
            refused += 1
        else:
            allowed += 1
        parameters_found += sum("Parameters." in str(v.found) for v in result.violations)
    # varied: every step type, both outcomes, definitions that do not parse, parameters refused
    assert seen >= {*CHECKED_TYPES, *OTHER_TYPES} - {""}, sorted({*CHECKED_TYPES, *OTHER_TYPES} - seen)
    assert allowed >= 10 and refused > 100 and unparsed > 25 and parameters_found > 50


def test_the_benchmark_and_sdk_shaped_definitions_decide_the_same_both_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    """The benchmark's 50 SDK-shaped steps (parameters, step properties, Std:Join outputs, conditions), closed
    and with each kind of its steps opened in turn; text, mapping and tuples."""
    text = bench.pipeline_request(50)["PipelineDefinition"]
    rnd = random.Random(50)
    docs = [json.loads(text)]
    for member, value in (("VpcConfig", {"Subnets": [{"Get": "Parameters.InputData"}], "SecurityGroupIds": [bench.SG]}),
                          ("EnableNetworkIsolation", {"Get": "Parameters.TrainingInstanceCount"}),
                          ("RoleArn", {"Std:Join": {"On": "", "Values": ["arn:", {"Get": "Parameters.InputData"}]}}),
                          ("ProcessingOutputConfig", {"Get": "Parameters.BatchData"}),
                          ("ModelName", {"Get": "Steps.Train0.ModelArtifacts.S3ModelArtifacts"})):
        doc = json.loads(text)
        for step in doc["Steps"]:
            if isinstance(step.get("Arguments"), dict) and member in step["Arguments"]:
                step["Arguments"][member] = value
        docs.append(doc)
    for doc in docs:
        for given in (json.dumps(doc), doc, _tuples(doc, rnd)):
            new, old = _both(given, bench.PROFILE, None, s3=False, monkeypatch=monkeypatch)
            assert new == old
    assert new[-1].violations and not _both(text, bench.PROFILE, None, False, monkeypatch)[0][-1].violations
