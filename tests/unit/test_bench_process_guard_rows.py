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
