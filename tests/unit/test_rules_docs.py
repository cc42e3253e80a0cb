"""docs/guard.md shows the rule table as it is, and every exception with its reason."""

from __future__ import annotations

from pathlib import Path

from safemaker.pipeline import NO_NETWORK_STEPS, STEP_OPERATIONS, UNSUPPORTED_STEPS
from safemaker.rules import NOT_REFERENCES, RULES, markdown_table

DOC = (Path(__file__).resolve().parents[2] / "docs" / "guard.md").read_text(encoding="utf-8")


def test_guard_page_table_is_the_rule_table():
    start = DOC.index("<!-- rule-table:start -->\n") + len("<!-- rule-table:start -->\n")
    end = DOC.index("<!-- rule-table:end -->")
    assert DOC[start:end] == markdown_table(), "regenerate the table: safemaker.rules.markdown_table()"


def test_markdown_table_has_one_row_per_operation():
    rows = markdown_table().splitlines()[2:]
    assert [r.split("|")[1].strip().strip("`") for r in rows] == sorted(RULES)


def test_guard_page_lists_every_refusal_and_exception_with_its_reason():
    for op, rule in RULES.items():
        if rule.unsupported:
            assert f"| `{op}` | {rule.unsupported} |" in DOC
        for target, f in rule.fields():
            if f.reason:
                # a field of a top-level list by its own path, any other with its anchor; the values that pass named
                top_list = target.anchor.endswith("[]") and "." not in target.anchor
                path = f.path if not target.anchor or top_list else f"{target.anchor}.{f.path}"
                unless = f" other than {f.closed.text}" if f.closed else ""
                assert f"| `{op}` with `{path}`{unless} | {f.reason} |" in DOC, (op, path)
    for member, reason in NOT_REFERENCES.items():
        assert f"| `{member}` | {reason} |" in DOC
    for step, reason in {**UNSUPPORTED_STEPS, **NO_NETWORK_STEPS}.items():
        assert reason in DOC, step
    for step, op in STEP_OPERATIONS.items():
        assert f"| `{step}` | `{op}`" in DOC
