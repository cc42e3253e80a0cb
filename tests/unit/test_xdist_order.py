"""tests/xdist_order.py: the files handed to xdist workers longest first, each file whole and in its order."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import xdist_order

ROOT = Path(__file__).resolve().parents[2]


def items(*nodeids: str) -> list[SimpleNamespace]:
    return [SimpleNamespace(nodeid=n) for n in nodeids]


def test_files_go_longest_first_and_each_file_stays_whole_in_its_order():
    got = xdist_order.longest_first(
        items("a.py::1", "b.py::1", "a.py::2", "c.py::1", "b.py::2"), {"a.py": 1.0, "b.py": 9.0, "c.py": 5.0})
    assert [i.nodeid for i in got] == ["b.py::1", "b.py::2", "c.py::1", "a.py::1", "a.py::2"]


def test_a_file_not_in_the_table_is_estimated_from_its_number_of_tests():
    # listed, one test each: 2, 3 and 9 s (median 3 s per test); new.py has 2 tests -> 6 s, between b and c
    got = xdist_order.longest_first(items("a.py::1", "new.py::1", "new.py::2", "c.py::1", "b.py::1"),
                                    {"a.py": 2.0, "b.py": 9.0, "c.py": 3.0})
    assert [i.nodeid.split("::")[0] for i in got] == ["b.py", "new.py", "new.py", "c.py", "a.py"]


def test_without_a_table_the_collection_order_is_kept():
    nodeids = ["x.py::1", "y.py::1", "x.py::2"]
    assert [i.nodeid for i in xdist_order.longest_first(items(*nodeids), {})] == ["x.py::1", "x.py::2", "y.py::1"]


def test_record_sums_each_file_s_testcase_times(tmp_path):
    report = tmp_path / "r.xml"
    report.write_text('<testsuites><testsuite name="pytest">'
                      '<testcase classname="tests.unit.test_a" name="t1" file="tests/unit/test_a.py" time="1.25"/>'
                      '<testcase classname="tests.unit.test_a" name="t2" file="tests/unit/test_a.py" time="0.5"/>'
                      '<testcase classname="tests.functional.test_b" name="t" time="3"/>'
                      '</testsuite></testsuites>')
    out = tmp_path / "d.json"
    assert xdist_order.record(str(report), out) == {"tests/functional/test_b.py": 3.0, "tests/unit/test_a.py": 1.8}
    assert json.loads(out.read_text()) == {"tests/functional/test_b.py": 3.0, "tests/unit/test_a.py": 1.8}


def test_the_table_names_only_test_files_that_exist():
    table = xdist_order.load_durations()
    assert table, "tests/durations.json is missing or empty: regenerate it (tests/xdist_order.py)"
    assert [f for f in table if not (ROOT / f).is_file()] == []
