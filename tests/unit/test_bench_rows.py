"""Every benchmark row holds what its name says (benchmarks/bench_guard_ops.py; issue 13, performance)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
bench = pytest.importorskip("bench_guard_ops")

from safemaker import guard  # noqa: E402


def _steps(doc: dict) -> int:
    n = 0
    for st in doc["Steps"]:
        n += 1
        for branch in ("IfSteps", "ElseSteps"):
            n += len(st.get("Arguments", {}).get(branch, []))
    return n


@pytest.mark.parametrize("operation", ["CreatePipeline", "UpdatePipeline"])
def test_pipeline_rows_carry_a_definition(operation):
    req = bench.row_request(operation)
    doc = json.loads(req["PipelineDefinition"])
    assert [s["Type"] for s in doc["Steps"]] == ["Training"]
    assert guard.check(operation, req, bench.PROFILE) == []


def test_tuning_row_has_ten_definitions_each_with_its_volume():
    req = bench.tuning_request()
    defs = req["TrainingJobDefinitions"]
    assert len(defs) == 10 and len({d["DefinitionName"] for d in defs}) == 10
    out = guard.apply("CreateHyperParameterTuningJob", req, bench.PROFILE)  # closed once injected: no refusal
    assert all(d["ResourceConfig"]["VolumeKmsKeyId"] == "alias/volume" for d in out["TrainingJobDefinitions"])
    assert len(guard.check("CreateHyperParameterTuningJob", req, bench.PROFILE)) == 10 * 5


def test_fifty_step_pipeline_has_fifty_steps_and_is_closed():
    req = bench.pipeline_request(50)
    assert len(json.loads(req["PipelineDefinition"])["Steps"]) == 50
    assert _steps(json.loads(req["PipelineDefinition"])) == 70  # ten condition steps, one step in each branch
    assert guard.check("CreatePipeline", req, bench.PROFILE) == []
