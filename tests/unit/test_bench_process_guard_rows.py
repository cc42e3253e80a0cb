"""The on/off rows of benchmarks/bench_process_guard.py hold what their names say (issue 12, performance).

Calls are answered in-process by the benchmark's canned HTTP layer (nothing is sent).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
bench = pytest.importorskip("bench_process_guard")

import safemaker  # noqa: E402
from safemaker import process  # noqa: E402

SM_ROW, LOGS_ROW = "sagemaker CreateTrainingJob", "logs DescribeLogGroups"


@pytest.fixture
def rows(monkeypatch):
    sm, logs = bench.clients()
    checked = []
    real = process.verify_final_request

    def spy(approval, request):
        checked.append((approval.operation, request.body == approval.body))
        return real(approval, request)

    monkeypatch.setattr(process, "verify_final_request", spy)
    yield sm, logs, bench.row_calls(sm, logs), checked
    safemaker.uninstall_process()


def test_guarded_row_is_decided_and_its_final_request_verified_as_the_approved_bytes(rows):
    sm, logs, calls, checked = rows
    g = safemaker.install_process(bench.PROFILE)
    calls[SM_ROW](True)
    assert [(d.operation, d.outcome) for d in g.decisions] == [("CreateTrainingJob", "injected")]
    assert checked == [("CreateTrainingJob", True)]  # verified, on the fast path


def test_guarded_row_sends_the_same_bytes_on_and_off(rows):
    sm, logs, calls, checked = rows
    calls[SM_ROW](False)
    off = sm._endpoint.http_session.last
    safemaker.install_process(bench.PROFILE)
    calls[SM_ROW](True)
    assert sm._endpoint.http_session.last == off
    assert checked == [("CreateTrainingJob", True)]  # off: nothing decided, nothing verified


def test_other_service_row_is_neither_decided_nor_verified(rows):
    sm, logs, calls, checked = rows
    g = safemaker.install_process(bench.PROFILE)
    calls[LOGS_ROW](True)
    assert logs._endpoint.http_session.sent == 1
    assert list(g.decisions) == [] and checked == []


# --------------------------------------------------------------------------- instruction counts (no valgrind run)


def test_a_counted_child_calls_only_its_row_after_the_same_warm_up():
    """Children that differ in the counted row run the same warm-up: the difference is that row's calls."""
    try:
        sm, logs = bench.child_workload(True, {SM_ROW: 7})
        g = process.process_guard()
        assert (sm._endpoint.http_session.sent, logs._endpoint.http_session.sent) == (bench.WARMUP + 7, bench.WARMUP)
        assert [d.operation for d in g.decisions] == ["CreateTrainingJob"] * (bench.WARMUP + 7)  # on: decided
    finally:
        safemaker.uninstall_process()
    sm, logs = bench.child_workload(False, {LOGS_ROW: 3})
    assert (sm._endpoint.http_session.sent, logs._endpoint.http_session.sent) == (bench.WARMUP, bench.WARMUP + 3)
    assert process.process_guard() is None  # off: nothing installed


def test_instruction_rows_subtract_the_child_without_calls_per_state_and_row():
    n = 100
    run = {(False, None): 1_000_000, (True, None): 1_100_000,
           (False, LOGS_ROW): 1_000_000 + 50 * n, (True, LOGS_ROW): 1_100_000 + 51 * n,
           (False, SM_ROW): 1_000_000 + 200 * n, (True, SM_ROW): 1_100_000 + 210 * n}
    slower = {k: v + (3 * n if k[1] == SM_ROW and k[0] else 0) for k, v in run.items()}  # on: 213 per call
    rows = bench.instruction_rows([run, slower, run], n)
    assert rows[LOGS_ROW] == (50, 51, [1.02, 1.02, 1.02])
    off, on, ratios = rows[SM_ROW]
    assert (off, on) == (200, 210) and ratios == pytest.approx([1.05, 1.065, 1.05])


def test_the_instruction_total_is_read_from_cachegrinds_summary():
    out = "==7== Cachegrind, a cache and branch-prediction profiler\n==7== \n==7== I   refs:      2,660,619,757\n"
    assert bench.parse_instructions(out) == 2_660_619_757
    with pytest.raises(RuntimeError, match="no instruction count"):
        bench.parse_instructions("Traceback (most recent call last): ...")
