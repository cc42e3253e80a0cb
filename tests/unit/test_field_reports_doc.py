"""docs/field-reports.md: every field report has its row, and every test node id listed there exists.

The page is the index from a field report (shared/cases/field-reports.md, F01-F17) to the tests that prove each
clause of its "Expected". A renamed, moved or deleted test would leave a dead id on the page: each id is checked
here without running or collecting anything (no subprocess, no SDK import): the file is parsed with ``ast`` and
the test function (or ``Class::method``) must be defined in it; a ``[param]`` suffix is allowed and names a
parametrized case of that function. Runs the same under both SDK majors.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "field-reports.md"
NODE = re.compile(r"`(tests/[\w/]+\.py)::([\w:]+)(\[[^\]`]*\])?`")
ROW = re.compile(r"^\| (F\d\d) \|", re.MULTILINE)
REPORTS = [f"F{i:02d}" for i in range(1, 18)]


def rows() -> dict[str, str]:
    text = PAGE.read_text()
    starts = [(m.group(1), m.start()) for m in ROW.finditer(text)]
    return {rid: text[start:(starts[i + 1][1] if i + 1 < len(starts) else len(text))].split("\n", 1)[0]
            for i, (rid, start) in enumerate(starts)}


@functools.lru_cache(maxsize=None)
def defined(path: str) -> frozenset[str]:
    """``name`` of each top-level test function and ``Class::name`` of each method, in the file at ``path``."""
    tree = ast.parse((ROOT / path).read_text(), filename=path)
    out: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out.add(node.name)
        elif isinstance(node, ast.ClassDef):
            out.update(f"{node.name}::{m.name}" for m in node.body
                       if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)))
    return frozenset(out)


def test_one_row_per_field_report_in_order():
    assert list(rows()) == REPORTS


@pytest.mark.parametrize("report", REPORTS)
def test_every_clause_of_the_row_names_tests(report):
    row = rows()[report]
    clauses = [c for c in row.split("|")[3].split("<br>")]
    assert clauses and all(c.strip().startswith("**") for c in clauses), report
    for clause in clauses:
        assert NODE.search(clause), f"{report}: a clause with no test: {clause[:80]!r}"


def test_every_listed_node_id_exists():
    ids = [(m.group(1), m.group(2)) for m in NODE.finditer(PAGE.read_text())]
    assert len(ids) > 100
    missing = [f"{path}::{name}" for path, name in ids
               if not (ROOT / path).is_file() or name not in defined(path)]
    assert missing == []
    assert all(name.split("::")[-1].startswith("test") for _, name in ids)


def test_the_checker_finds_a_dead_id(tmp_path):
    """The check can fail: a name the file does not define is reported."""
    assert "test_every_listed_node_id_exists" in defined("tests/unit/test_field_reports_doc.py")
    assert "test_no_such_test" not in defined("tests/unit/test_field_reports_doc.py")
