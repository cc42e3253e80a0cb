"""``safemaker check``: decide on a SageMaker request file without sending it (for CI pipelines)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
import yaml

from .. import guard
from ..profile import VpcProfile
from ..rules import RULES
from ._common import EXIT_FINDINGS, EXIT_OK, err, fail, handle_errors, out, profile_option


def _read_request(path: str) -> dict:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise fail(f"request file {path}: cannot read it ({exc.strerror}); give a JSON or YAML file, or - for stdin")
    try:
        data = yaml.safe_load(text)  # JSON is YAML
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise fail(f"request file {path}: not valid JSON or YAML{where}; give the request parameters as an object")
    if not isinstance(data, dict):
        raise fail(f"request file {path}: found {type(data).__name__}; expected an object of request parameters")
    return data


def check(
    operation: str = typer.Argument(..., help="SageMaker operation, as the API spells it (CreateTrainingJob)."),
    request: str = typer.Argument(..., help="Request parameters as a JSON or YAML file (boto3 shapes), or - for stdin."),
    profile: Optional[str] = profile_option(),
    apply: bool = typer.Option(False, "--apply", help="Print the request the guard would send (with injected fields)."),
    format: str = typer.Option("text", "--format", "-f", help="text or json."),
) -> None:
    """Check one request against the profile without sending it.

    Exit 0: compliant as given (or, with --apply, compliant once the profile's
    values are injected). Exit 3: violations (listed). Exit 2: bad input.
    References (models an endpoint config names) are not described here: that
    needs the account; the guard does it at call time.
    """
    if format not in ("text", "json"):
        raise fail(f"--format is {format!r}; expected 'text' or 'json'")
    if operation not in RULES:
        near = [op for op in RULES if op.lower() == operation.lower()]
        hint = f" Did you mean {near[0]}?" if near else " Guarded operations: " + ", ".join(sorted(RULES)) + "."
        raise fail(f"operation {operation!r} has no guardrail rule.{hint}")
    params = _read_request(request)
    p = VpcProfile.load(profile)
    decision = guard.decide(operation, params, p, inject=apply)
    refs = [{"path": r.path, "resource": r.resource, "name": r.name} for r in decision.references]
    if format == "json":
        doc = {"operation": operation, "compliant": decision.allowed,
               "violations": [v.as_dict() for v in decision.violations],
               "injected": list(decision.injected), "references_not_checked": refs}
        if apply and decision.allowed:
            doc["request"] = decision.params
        out.print_json(json.dumps(doc, default=str))
    else:
        if decision.allowed:
            out.print(f"{operation}: compliant" + (f" (injected: {', '.join(decision.injected)})" if decision.injected else ""))
            if apply:
                out.print_json(json.dumps(decision.params, default=str))
        else:
            out.print(f"{operation}: {len(decision.violations)} violation(s)")
            for v in decision.violations:
                out.print(f"  [{v.rule_id}] {v.message()}", highlight=False, markup=False)
        for r in refs:
            err.print(f"note: {r['path']} names {r['resource']} {r['name']!r}; it is checked at call time, not here")
    raise typer.Exit(EXIT_OK if decision.allowed else EXIT_FINDINGS)


def register(app: typer.Typer) -> None:
    """Add ``safemaker check`` to the root app."""
    app.command("check")(handle_errors(check))


