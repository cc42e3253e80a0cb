"""``safemaker check``: decide on a SageMaker request file without sending it (for CI pipelines)."""

from __future__ import annotations

import json
from typing import Optional

import typer

from .. import guard
from ..profile import VpcProfile
from ..rules import RULES
from ._common import EXIT_FINDINGS, EXIT_OK, err, fail, handle_errors, out, profile_option, read_request_file


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
    params = read_request_file(request, f"request file {request}")
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


