"""Rewrite the generated tables of docs/guard.md and docs/rules.md from the rule data (``make docs-tables``).

The tests (tests/unit/test_rules_docs.py, tests/unit/test_rules_classification.py)
fail when a committed table differs from what this writes.
"""

from pathlib import Path

from safemaker.rules import markdown_table
from safemaker.rules_classification import refusals_markdown, rules_markdown
from safemaker.rules_guardrails import guardrails_markdown

DOCS = Path(__file__).resolve().parents[1]


def put(name: str, marker: str, text: str) -> None:
    p = DOCS / name
    s = p.read_text(encoding="utf-8")
    a = s.index(f"<!-- {marker}:start -->\n") + len(f"<!-- {marker}:start -->\n")
    b = s.index(f"<!-- {marker}:end -->")
    p.write_text(s[:a] + text + s[b:], encoding="utf-8")


if __name__ == "__main__":
    put("guard.md", "rule-table", markdown_table())
    put("guard.md", "refusals", refusals_markdown())
    put("rules.md", "classification", rules_markdown())
    put("rules.md", "guardrails", guardrails_markdown())
