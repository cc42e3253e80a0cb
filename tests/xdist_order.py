"""The order in which pytest-xdist hands test files to its workers: longest first.

``make test`` runs the suite in pytest-xdist workers with ``--dist loadfile``:
each file goes whole to one worker, taken from a queue as workers free up.
xdist orders that queue by the number of tests in a file (``--loadscope-reorder``,
its default), so files with few but long tests (the demo run, rehearsals, the
examples, subprocess-heavy CLI tests) were handed out last, and one or two
workers ran them alone while the others had finished: on a 2-core machine, the
last ~2% of the tests took 2-3 minutes of a ~10 minute run.

Here the queue is ordered by each file's measured wall time, longest first
(the "longest processing time first" rule of list scheduling), from
:data:`DURATIONS_FILE` (``tests/durations.json``: seconds per file, summed
``testcase`` times of a JUnit report of one whole run). A file not listed is
estimated from its number of tests at the median seconds per test of the listed
files. Within a file the collection order is kept. The order changes no test's
outcome: each file still runs whole, in one worker, in its own order.

Regenerate the table after a run with a JUnit report::

    .venv/bin/python -m pytest -q -n 3 --dist loadfile --junitxml=/tmp/run.xml
    .venv/bin/python tests/xdist_order.py /tmp/run.xml      # rewrites tests/durations.json

Hooked into pytest by ``tests/conftest.py`` (registered in ``pytest_configure``).
"""

from __future__ import annotations

import json
import statistics
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

import pytest

DURATIONS_FILE = Path(__file__).with_name("durations.json")


def load_durations(path: Path = DURATIONS_FILE) -> dict[str, float]:
    """``{file path relative to the repository root: seconds}``; empty when the file is missing or unreadable."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): float(v) for k, v in data.items() if isinstance(v, (int, float))} if isinstance(data, dict) else {}


def file_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def longest_first(items: list[pytest.Item], durations: dict[str, float]) -> list[pytest.Item]:
    """``items`` grouped by file, the files in descending expected seconds (:mod:`xdist_order`), each file's
    items in their order; files of equal expectation keep their collection order."""
    by_file: dict[str, list[pytest.Item]] = {}
    for item in items:
        by_file.setdefault(file_of(item.nodeid), []).append(item)
    per_test = statistics.median(
        [durations[f] / len(tests) for f, tests in by_file.items() if f in durations and tests] or [0.0])
    expected = {f: durations.get(f, per_test * len(tests)) for f, tests in by_file.items()}
    order = sorted(by_file, key=lambda f: -expected[f])   # sorted() is stable: ties keep collection order
    return [item for f in order for item in by_file[f]]


class LongestFirst:
    """The plugin: orders the collected items (after every other hook, deselection included) and turns off
    xdist's own reordering by test count, so the controller hands files out in this order."""

    def __init__(self, durations: dict[str, float]) -> None:
        self.durations = durations

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        items[:] = longest_first(items, self.durations)


def register(config: pytest.Config) -> None:
    """Register :class:`LongestFirst` (in the xdist controller and its workers: the controller schedules the
    workers' collection order), and turn off xdist's reordering by test count."""
    config.option.loadscopereorder = False
    config.pluginmanager.register(LongestFirst(load_durations()), "safemaker-longest-first")


def record(junit_xml: str, out: Path = DURATIONS_FILE) -> dict[str, float]:
    """Sum each file's ``testcase`` times of a JUnit report into ``out`` (sorted, 0.1 s)."""
    totals: dict[str, float] = defaultdict(float)
    for case in ET.parse(junit_xml).getroot().iter("testcase"):
        name = case.get("file") or (case.get("classname", "").replace(".", "/") + ".py")
        totals[name] += float(case.get("time") or 0)
    table = {k: round(v, 1) for k, v in sorted(totals.items())}
    out.write_text(json.dumps(table, indent=1) + "\n")
    return table


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tests/xdist_order.py REPORT.xml  (a JUnit report of one whole run)")
    written = record(sys.argv[1])
    print(f"{DURATIONS_FILE}: {len(written)} files, {sum(written.values()):.0f} s in all")
