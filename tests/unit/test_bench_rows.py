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


def test_every_row_is_closed_once_injected_unless_the_table_refuses_the_operation_outright():
    # A row measures its operation's request as a closed session sends it: apply injects the absent
    # network fields and refuses nothing, except the operations that can never run closed.
    from safemaker.rules import RULES

    refused = {}
    for operation in sorted(RULES):
        decision = guard.decide(operation, bench.row_request(operation), bench.PROFILE)
        if decision.violations:
            refused[operation] = sorted({v.rule_id for v in decision.violations})
    assert refused == {op: ["SM-UNSUPPORTED"] for op, rule in RULES.items() if rule.unsupported}


def test_rows_give_the_structures_a_real_request_gives():
    training = bench.row_request("CreateTrainingJob")
    assert training["ResourceConfig"]["InstanceType"] == "ml.m5.large"  # where the volume key is injected
    out = guard.apply("CreateTrainingJob", training, bench.PROFILE)
    assert out["ResourceConfig"]["VolumeKmsKeyId"] == "alias/volume"
    endpoint_config = bench.row_request("CreateEndpointConfig")  # every variant serves a model
    for member in ("ProductionVariants", "ShadowProductionVariants"):
        assert [v.get("ModelName") for v in endpoint_config[member]] == [
            v["ModelName"] for v in bench.REPRESENTATIVE["CreateEndpointConfig"][member]]
    labeling = bench.row_request("CreateLabelingJob")
    assert ":workteam/private-crowd/" in labeling["HumanTaskConfig"]["WorkteamArn"]
    update = bench.row_request("UpdateMonitoringSchedule")  # restates the replaced configuration, closed
    assert guard.check("UpdateMonitoringSchedule", update, bench.PROFILE) == []
