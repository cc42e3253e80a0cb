"""``safemaker check``: decide on templates, plans, definitions or a request file without sending anything (CI)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any, Optional

import typer

from ._common import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, err, fail, handle_errors, out, aws_profile_option, profile_option, read_request_file


_OPERATION = re.compile(r"[A-Za-z][A-Za-z0-9]*")


def check(
    targets: list[str] = typer.Argument(
        ..., metavar="PATH... | OPERATION FILE",
        help="Templates, CDK assemblies (cdk.out), Terraform plans (terraform show -json), Step Functions or "
             "SageMaker pipeline definitions, or directories holding them; or an operation and a request file."),
    profile: Optional[str] = profile_option(),
    aws_profile: Optional[str] = aws_profile_option(),
    parameter: Optional[list[str]] = typer.Option(
        None, "--parameter", "-P", help="CloudFormation parameter value KEY=VALUE (repeat); pins it: wins over Default, and its AllowedValues are not tried."),
    apply: bool = typer.Option(False, "--apply", help="OPERATION FILE only: print the request the guard would send "
                                                      "(with injected fields)."),
    format: str = typer.Option("text", "--format", "-f", help="text, json (JSON lines for paths) or sarif (paths)."),
    fail_on: str = typer.Option("low", "--fail-on", help="Paths: exit 3 when a finding has this severity or higher "
                                                         "(low, medium, high, critical)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Paths: write the report to this file."),
    ignore_unrecognised: bool = typer.Option(
        False, "--ignore-unrecognised",
        help="Paths: skip a file named on the command line that is none of the formats (pre-commit passes every "
             "changed JSON/YAML file) instead of exiting 2."),
) -> None:
    """Check templates, plans and definitions (or one request file) against the profile without sending anything.

    PATH...: every CloudFormation template (JSON/YAML, short-form tags), CDK
    cloud assembly, Terraform plan JSON, Step Functions definition and SageMaker
    pipeline definition found (directories recursively): each SageMaker resource
    or task is the request it will cause, decided by the guard. Absent means the
    AWS default; a value known only at deployment is reported as cannot be
    verified (severity medium). Output as safemaker audit's.

    OPERATION FILE: one request (boto3 shapes), as before; --apply prints the
    request with the profile's values injected.

    Exit 0: clean. Exit 3: findings at or above --fail-on (violations). Exit 2: bad input.
    """
    first = targets[0]
    if (len(targets) == 2 and not Path(first).exists() and _OPERATION.fullmatch(first)):
        if parameter or output is not None or fail_on != "low" or ignore_unrecognised:
            raise fail("--parameter, --fail-on and --output apply to PATH... only; OPERATION FILE takes "
                       "--profile, --apply and --format")
        if format not in ("text", "json"):
            raise fail(f"--format is {format!r}; expected 'text' or 'json' for OPERATION FILE")
        _check_request(first, targets[1], profile, apply, format)
        return
    if apply:
        raise fail("--apply is for OPERATION FILE: a template is checked as written, never rewritten")
    _check_paths(targets, profile, parameter or [], format, fail_on, output, ignore_unrecognised)


def _parameters(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise fail(f"--parameter is {item!r}; expected KEY=VALUE (a template parameter's name and value)")
        out[key.strip()] = value
    return out


def _check_paths(paths: list[str], profile: Optional[str], parameter: list[str], format: str, fail_on: str,
                 output: Optional[Path], ignore_unrecognised: bool = False) -> None:
    from .. import audit as _audit
    from .. import iac
    from ..profile import resolve_profile
    from .audit import _print_text

    if format not in ("text", "json", "sarif"):
        raise fail(f"--format is {format!r}; expected 'text', 'json' or 'sarif'")
    threshold = _audit.Severity.parse(fail_on)
    params = _parameters(parameter)
    prof = resolve_profile(profile)
    try:
        sources = iac.scan_paths(paths, parameters=params, region=prof.region)
    except iac.IacInputError as exc:
        raise fail(str(exc))
    except iac.IacDependencyError as exc:
        raise fail(str(exc), EXIT_ERROR)
    findings: list[_audit.Finding] = []
    skipped = [s for s in sources if s.kind == "unrecognised"] if ignore_unrecognised else []
    sources = [s for s in sources if s not in skipped]
    if skipped:
        err.print(f"note: {len(skipped)} file(s) of none of the formats skipped (--ignore-unrecognised)",
                  highlight=False)
    if not sources and not skipped and not ignore_unrecognised:
        raise fail(f"found no CloudFormation template, CDK assembly, Terraform plan, Step Functions or SageMaker "
                   f"pipeline definition under {', '.join(paths)}; give the files or directories that hold them")
    for src in sources:
        if src.kind == "unrecognised":
            raise fail(f"{src.file}: not a CloudFormation template, CDK assembly, Terraform plan (terraform show "
                       "-json), Step Functions definition or SageMaker pipeline definition; for a request file "
                       "use `safemaker check OPERATION FILE`")
        findings.extend(iac.decide_source(src, prof))
    stream: Any = sys.stdout
    if output is not None:
        try:
            stream = output.open("w", encoding="utf-8")
        except OSError as exc:
            raise fail(f"--output is '{output}': cannot write it ({exc.strerror or exc}); give a file path in an "
                       "existing, writable directory, or leave --output out for stdout")
    notices: list[str] = []
    requests = sum(len(s.requests) if s.checked is None else s.checked for s in sources)
    if not findings and not requests:
        # Nothing recognised is not "closed": say what was read and that no request was found.
        read = ", ".join(f"{s.file} ({s.kind})" for s in sources) or "no file"
        notices.append(f"No SageMaker request recognised in {read}: nothing was checked. safemaker reads "
                       "the SageMaker resources, state machine tasks, nested stacks and stack sets of "
                       "these sources (docs/iac.md); anything else in them is not checked.")
    try:
        if format == "json":
            _audit.write_json_lines(findings, stream, notices=notices)
        elif format == "sarif":
            _audit.write_sarif(findings, stream, notices=notices)
        else:
            from ._common import make_console

            console = make_console(file=stream) if output is not None else out
            if findings:
                _print_text(console, findings, len(findings))
            elif notices:
                console.print(notices[0])
            else:
                console.print(f"No findings: {requests} request(s) in "
                              f"{len(sources)} file(s) checked, all inside the closed network.")
    finally:
        if output is not None:
            stream.close()
    failing = [f for f in findings if f.severity.rank >= threshold.rank]
    unknown = sum(1 for f in findings if f.status == "UNKNOWN")
    err.print(f"{len(sources)} file(s), {requests} request(s) checked: {len(findings) - unknown} finding(s), "
              f"{unknown} cannot be verified before deployment; {len(failing)} at or above --fail-on "
              f"{threshold.value}", highlight=False)
    raise typer.Exit(EXIT_FINDINGS if failing else EXIT_OK)


def _unknown_operation(operation: str) -> str:
    """The message for an operation ``check OPERATION FILE`` has no rule for: the nearest names of
    botocore's SageMaker model (difflib, case-insensitive), else the operations by class."""
    import difflib

    import botocore.session

    from ..rules import RULES
    from ..rules_classification import OperationClass, classify

    names = botocore.session.get_session().get_service_model("sagemaker").operation_names
    by_lower = {n.lower(): n for n in names}
    row = classify(operation)
    if operation in names and row is not None:
        return (f"operation {operation!r} has no guardrail rule: it is classified {row.operation_class.value} "
                f"({row.reason}); see safemaker rules.")
    near = ([operation.lower()] if operation.lower() in by_lower
            else difflib.get_close_matches(operation.lower(), list(by_lower), n=1, cutoff=0.75))
    if near:
        return (f"operation {operation!r} has no guardrail rule; it is not a SageMaker operation. "
                f"Did you mean {by_lower[near[0]]}?")
    guarded = sorted(op for op, r in RULES.items() if not r.unsupported)
    refused = sorted(op for op, r in RULES.items() if r.unsupported)
    return (f"operation {operation!r} has no guardrail rule. Guarded operations: {', '.join(guarded)}. "
            f"Refused outright (a request file cannot make them compliant): {', '.join(refused)}.")


def _check_request(operation: str, request: str, profile: Optional[str], apply: bool, format: str) -> None:
    """``safemaker check OPERATION FILE``: one request file, as before."""
    from .. import guard
    from ..members import botocore_problems
    from ..preflight import PREFLIGHT_OPERATIONS
    from ..profile import VpcProfile
    from ..rules import RULES
    if format not in ("text", "json"):
        raise fail(f"--format is {format!r}; expected 'text' or 'json'")
    if operation not in RULES and operation not in PREFLIGHT_OPERATIONS:
        raise fail(_unknown_operation(operation))
    params = read_request_file(request, f"request file {request}")
    refused, missing = botocore_problems(operation, params)
    if refused:
        raise fail(f"request file {request} is not a {operation} request botocore would send: "
                   + "; ".join(refused) + ". Fix those members (botocore refuses the request before it is "
                   "sent, so the guard's decision on it would mean nothing)")
    if missing:
        err.print(f"note: request file {request}: " + "; ".join(missing)
                  + " (botocore refuses the request without them; the network decision below does not "
                  "depend on them)", highlight=False, markup=False)
    p = VpcProfile.load(profile)
    decision = guard.decide(operation, params, p, inject=apply)
    refs = [{"path": r.path, "resource": r.resource, "name": r.name} for r in decision.references]
    if format == "json":
        doc = {"operation": operation, "compliant": decision.allowed,
               "violations": [v.as_dict() for v in decision.violations],
               "warnings": [v.as_dict() for v in decision.warnings],
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
        for v in decision.warnings:
            out.print(f"  warning [{v.rule_id}] {v.message()}", highlight=False, markup=False)
        for r in refs:
            err.print(f"note: {r['path']} names {r['resource']} {r['name']!r}; it is checked at call time, not here")
    raise typer.Exit(EXIT_OK if decision.allowed else EXIT_FINDINGS)


def register(app: typer.Typer) -> None:
    """Add ``safemaker check`` to the root app."""
    app.command("check")(handle_errors(check))


