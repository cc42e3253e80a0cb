"""Fuzzing pipeline definitions: each step drawn like a request of its own (pure).

A definition of 1 to 5 steps, each of a random type (the checked types with
arguments from ``strategies.requests_for``, plus ``RegisterModel``, ``Fail``
and the refused ``EMR`` / ``Lambda`` / ``Callback``), is sent inline in a
``CreatePipeline`` request. Properties: the guard refuses exactly the steps
the oracle refuses (every violation prefixed with the step's name), never
rewrites the definition, and returns the steps' references.
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safemaker import guard

from . import table_oracle as oracle
from .strategies import FUZZ_PROFILES, ROLE, pipeline_step_operations, requests_for

TOTAL = int(os.environ.get("SAFEMAKER_DEV_FUZZ_EXAMPLES", "0") or 0)
EXAMPLES = max(math.ceil(TOTAL / 20), 200) if TOTAL else 80
STEP_OPERATIONS = pipeline_step_operations()
OTHER_STEPS = {"RegisterModel": {"ModelPackageGroupName": "grp"}, "Fail": {"ErrorMessage": "stop"},
               "EMR": {"ClusterId": "j-1", "StepConfig": {"HadoopJarStep": {"Jar": "s3://b/j.jar"}}},
               "Lambda": {}, "Callback": {"x": 1}}
TRIED: Counter = Counter()


@st.composite
def steps(draw):
    n = draw(st.integers(1, 5))
    out = []
    for i in range(n):
        kind = draw(st.sampled_from(sorted(STEP_OPERATIONS) + sorted(OTHER_STEPS)))
        if kind in STEP_OPERATIONS:
            op = STEP_OPERATIONS[kind]
            if kind == "AutoML" and draw(st.booleans()):
                op = "CreateAutoMLJobV2"
            args = draw(requests_for(op, FUZZ_PROFILES["strict"]))
        else:
            args = dict(OTHER_STEPS[kind])
        out.append({"Name": f"Step{i}-{kind}", "Type": kind, "Arguments": args})
    return out


@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not TOTAL,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(definition_steps=steps())
def test_pipeline_definitions_agree_with_the_oracle(definition_steps):
    profile = FUZZ_PROFILES["strict"]
    text = json.dumps({"Version": "2020-12-01", "Parameters": [], "Steps": definition_steps}, default=str)
    request = {"PipelineName": "p", "RoleArn": ROLE, "ClientRequestToken": "t" * 32, "PipelineDefinition": text}
    expected = oracle.evaluate_definition(json.loads(text)["Steps"], profile)
    decision = guard.decide("CreatePipeline", request, profile)
    TRIED["definitions"] += 1
    TRIED["steps"] += len(definition_steps)
    assert Counter((v.path, v.rule_id) for v in decision.violations) == expected.violations
    assert decision.injected == ()
    assert decision.params["PipelineDefinition"] == text
    assert [(r.path, r.resource, r.name) for r in decision.references] == expected.references


def test_zz_report():
    print(f"\n\npipeline fuzz: {TRIED['definitions']} definitions, {TRIED['steps']} steps checked")
    assert TRIED["definitions"] >= min(EXAMPLES, 50)
