"""``safemaker policy``: render the IAM policies from the rule table, and check them with IAM's simulator."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, List, Optional

import typer

from ..errors import aws_error
from ._common import (EXIT_BAD_INPUT, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, err, fail, handle_errors, note_local_endpoints, out,
                      aws_profile_option, profile_option, read_request_file, table)

group = typer.Typer(
    name="policy",
    help="Render the IAM policies (guardrail, pass-role, developer, execution-role) from the rule table, "
         "and check them with IAM's SimulateCustomPolicy.",
    no_args_is_help=True,
)

if TYPE_CHECKING:  # pragma: no cover - the commands import them when they run (not for --help)
    from ..iam.evaluator import ContextValue
    from ..profile import VpcProfile

_FORMATS = ("json", "cloudformation")
_TEMPLATE_FILE = "safemaker-policies.yaml"


def _echo(text: str) -> None:
    out.print(text, markup=False, highlight=False, emoji=False)


def _kinds(kind: str) -> tuple[str, ...]:
    from .. import iam

    if kind == "all":
        return iam.KINDS
    if kind not in iam.KINDS and kind != "scp":
        raise fail(f"--kind is {kind!r}; expected one of {', '.join(iam.KINDS)}, scp or all")
    return (kind,)


def _write_all(files: dict[Path, str]) -> None:
    """Write every file or none: temporary files first, then renamed into place."""
    temps: list[tuple[str, Path]] = []
    try:
        for path, text in files.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            temps.append((tmp, path))
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
        for tmp, path in temps:
            os.replace(tmp, path)
    except OSError as exc:
        for tmp, _ in temps:
            if os.path.exists(tmp):
                os.unlink(tmp)
        raise fail(f"--out: cannot write {exc.filename or 'the files'} ({exc.strerror}); nothing was written",
                   EXIT_ERROR) from None


@group.command("render")
@handle_errors
def render(
    kind: str = typer.Option("all", "--kind", "-k",
                             help="guardrail, pass-role, developer, execution-role, all (the four IAM "
                                  "managed policies), or scp (the guardrail and pass-role as AWS "
                                  "Organizations service control policies)."),
    format: str = typer.Option("json", "--format", "-f",
                               help="json (one document per managed policy) or cloudformation "
                                    "(AWS::IAM::ManagedPolicy resources, YAML)."),
    out_dir: Optional[Path] = typer.Option(None, "--out-dir", "--out",
                                           help="Directory to write the files to (created if missing); "
                                                "default: stdout."),
    source_vpce: bool = typer.Option(True, "--source-vpce/--no-source-vpce",
                                     help="Deny sagemaker:* outside the profile's VPC endpoints (when it lists "
                                          "any). It locks the SageMaker console out: see docs/iam.md."),
    batch_service_jobs: bool = typer.Option(False, "--allow-batch-service-jobs",
                                            help="Leave out DenyBatchServiceJobs: AWS Batch service jobs (SageMaker "
                                                 "training jobs AWS Batch creates) are then decided by the "
                                                 "in-process guard only; see docs/iam.md."),
    exclude_tag: str = typer.Option("dp:exclude", "--exclude-tag",
                                    help="scp only: principals tagged <tag>=true are exempt (AWS data-perimeter "
                                         "convention); '' for no exemption."),
    max_policies: int = typer.Option(5, "--max-policies",
                                     help="scp only: most SCPs allowed (AWS attaches at most 5 to one target, "
                                          "FullAWSAccess included: pass 4 to keep it)."),
    profile: Optional[str] = profile_option(),
    aws_profile: Optional[str] = aws_profile_option(),
) -> None:
    """Render the IAM policies for the profile.

    Each kind is split into managed policies of at most 6,144 characters,
    named safemaker-<kind>, safemaker-<kind>-2, ... JSON goes to stdout as
    {name: document}, or with --out one <name>.json file per policy (their
    paths are printed). With --kind scp: service control policies of at most
    5,120 characters, minified, named safemaker-scp, safemaker-scp-2, ...
    (json only: the files are the Content of Organizations CreatePolicy).
    Exit 2 on bad input.
    """
    from .. import iam
    from ..profile import VpcProfile

    kinds = _kinds(kind)
    if format not in _FORMATS:
        raise fail(f"--format is {format!r}; expected json or cloudformation")
    if out_dir is not None and out_dir.exists() and not out_dir.is_dir():
        raise fail(f"--out is {str(out_dir)!r}, an existing file; give a directory")
    if kinds == ("scp",):
        _render_scp(VpcProfile.load(profile), format, out_dir, source_vpce=source_vpce,
                    exclude_tag=exclude_tag or None, max_policies=max_policies,
                    batch_service_jobs=batch_service_jobs)
        return
    p = VpcProfile.load(profile)
    rendered = {k: iam.render(k, p, source_vpce=source_vpce, batch_service_jobs=batch_service_jobs) for k in kinds}
    for k, docs in rendered.items():
        sizes = ", ".join(str(iam.policy_size(d)) for d in docs)
        err.print(f"{k}: {len(docs)} managed polic{'y' if len(docs) == 1 else 'ies'} ({sizes} characters)",
                  highlight=False)
    if format == "cloudformation":
        text = iam.cloudformation_yaml(rendered)
        files = {_TEMPLATE_FILE: text}
    else:
        named = {iam.policy_name(k, i): d for k, docs in rendered.items() for i, d in enumerate(docs)}
        text = json.dumps(named, indent=2)
        files = {f"{name}.json": json.dumps(d, indent=2) + "\n" for name, d in named.items()}
    if out_dir is None:
        _echo(text.rstrip("\n"))
        raise typer.Exit(EXIT_OK)
    _write_files(out_dir, files)


def _write_files(out_dir: Path, files: dict[str, str]) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        # The path given cannot be a directory here: bad input (exit 2), like audit --output and
        # infra up --profile-out. A write that fails later (disk full) stays an error (exit 1).
        raise fail(f"--out {str(out_dir)!r}: cannot create the directory ({exc.strerror}); give a directory "
                   "path that can be created or written", EXIT_BAD_INPUT) from None
    targets = {out_dir / name: body for name, body in files.items()}
    _write_all(targets)
    for path in targets:
        _echo(str(path))


def _render_scp(p: VpcProfile, format: str, out_dir: Optional[Path], *, source_vpce: bool,
                exclude_tag: Optional[str], max_policies: int, batch_service_jobs: bool = False) -> None:
    from ..iam import scp

    if format != "json":
        raise fail(f"--format is {format!r}; --kind scp renders json only (the Content of Organizations "
                   "CreatePolicy); drop --format")
    if max_policies < 1:
        raise fail(f"--max-policies is {max_policies}; expected a positive number (AWS allows up to "
                   f"{scp.SCP_MAX_ATTACHED_PER_TARGET} per target)")
    if exclude_tag is not None and (len(exclude_tag) > 128 or any(c in exclude_tag for c in '"\\*?$')):
        raise fail(f"--exclude-tag is {exclude_tag!r}; expected a tag key (at most 128 characters, no quotes, "
                   "backslashes, wildcards or $)")
    try:
        docs = scp.service_control_policies(p, source_vpce=source_vpce, exclude_tag=exclude_tag,
                                            max_policies=max_policies, batch_service_jobs=batch_service_jobs)
    except scp.ScpCountError as exc:
        raise fail(str(exc)) from None
    sizes = ", ".join(str(scp.scp_size(d)) for d in docs)
    err.print(f"scp: {len(docs)} service control polic{'y' if len(docs) == 1 else 'ies'} ({sizes} characters "
              f"of {scp.SCP_MAX_CHARS}; at most {scp.SCP_MAX_ATTACHED_PER_TARGET} SCPs per target, "
              "FullAWSAccess included)", highlight=False)
    named = {scp.scp_name(i): d for i, d in enumerate(docs)}
    if out_dir is None:
        _echo(json.dumps(named, indent=2))
        raise typer.Exit(EXIT_OK)
    _write_files(out_dir, {f"{name}.json": scp.minify(d) + "\n" for name, d in named.items()})


# --------------------------------------------------------------------------- simulate


def _iam_client(region: str) -> Any:
    """The IAM client ``simulate`` uses (a function so that tests can substitute a stubbed client)."""
    import boto3

    return boto3.Session(region_name=region).client("iam")


def _multivalued_keys() -> set[str]:
    from .. import iam

    return {kf.key for uses in iam.condition_key_uses().values() for u in uses for kf in u.fields if kf.multivalued}


def _parse_context(items: List[str]) -> dict[str, ContextValue]:
    multivalued = _multivalued_keys()
    ctx: dict[str, ContextValue] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key or ":" not in key:
            raise fail(f"--context {item!r}: expected KEY=VALUE with a condition key such as "
                       "sagemaker:NetworkIsolation=false or sagemaker:VpcSubnets=subnet-a,subnet-b")
        if key in multivalued or "," in value:
            ctx[key] = [v for v in value.split(",") if v]
        elif value.lower() in ("true", "false"):
            ctx[key] = value.lower() == "true"
        else:
            ctx[key] = value
    return ctx


@group.command("simulate")
@handle_errors
def simulate(
    operation: Optional[str] = typer.Option(None, "--operation", help="SageMaker operation of --request "
                                                                       "(CreateTrainingJob)."),
    request: Optional[str] = typer.Option(None, "--request", help="Request parameters (JSON/YAML file, - for "
                                                                   "stdin): simulated as IAM would see them."),
    action: List[str] = typer.Option([], "--action", help="An action to simulate instead (sagemaker:CreateModel); "
                                                           "repeatable."),
    resource: str = typer.Option("*", "--resource", help="Resource ARN for --action."),
    context: List[str] = typer.Option([], "--context", help="KEY=VALUE context entry for --action; repeatable. "
                                                             "Lists: KEY=a,b."),
    kind: List[str] = typer.Option(["guardrail", "pass-role"], "--kind", "-k",
                                   help="Policies to simulate (repeatable); default guardrail and pass-role."),
    source_vpce: Optional[str] = typer.Option(None, "--source-vpce",
                                              help="aws:SourceVpce of the simulated call (default: the profile's "
                                                   "first VPC endpoint; 'none' for a call from outside)."),
    via_aws_service: bool = typer.Option(False, "--via-aws-service", help="Set aws:ViaAWSService to true."),
    region: Optional[str] = typer.Option(None, "--region", help="Region of the IAM client (default: the profile's)."),
    format: str = typer.Option("text", "--format", "-f", help="text or json."),
    profile: Optional[str] = profile_option(),
    aws_profile: Optional[str] = aws_profile_option(),
) -> None:
    """Ask IAM (SimulateCustomPolicy) to decide requests against the rendered policies.

    Needs real AWS credentials with iam:SimulateCustomPolicy. Each request is
    decided by IAM and by safemaker's own evaluator side by side; with
    --operation/--request the guard's verdict is shown too. Exit 0 when IAM
    and safemaker's evaluator agree on every request, 3 when they disagree,
    1 on an AWS error, 2 on bad input.
    """
    from .. import iam
    from ..iam.evaluator import AuthorizationRequest
    from ..profile import VpcProfile
    from ..rules import RULES

    if format not in ("text", "json"):
        raise fail(f"--format is {format!r}; expected text or json")
    for k in kind:
        if k not in iam.KINDS:
            raise fail(f"--kind is {k!r}; expected one of {', '.join(iam.KINDS)}")
    if (operation is None) != (request is None):
        raise fail("--operation and --request go together: give both, or use --action")
    if operation is None and not action:
        raise fail("nothing to simulate: give --operation and --request, or one or more --action")
    if operation is not None and action:
        raise fail("give either --operation/--request or --action, not both")
    if operation is not None and operation not in RULES:
        raise fail(f"--operation {operation!r} has no guardrail rule; guarded operations: {', '.join(sorted(RULES))}")
    for a in action:
        if ":" not in a:
            raise fail(f"--action {a!r}: expected service:Action, e.g. sagemaker:CreateModel")
    p = VpcProfile.load(profile)
    vpce: str | None
    if source_vpce is None:
        vpce = p.vpc_endpoint_ids[0] if p.vpc_endpoint_ids else None
    else:
        vpce = None if source_vpce.lower() == "none" else source_vpce
    globals_: dict[str, ContextValue] = {"aws:ViaAWSService": via_aws_service}
    if vpce is not None:
        globals_["aws:SourceVpce"] = vpce

    case = None
    if operation is not None:
        params = read_request_file(request or "-", f"--request {request or '-'}")
        requests = iam.authorization_requests(operation, params, source_vpce=vpce, via_aws_service=via_aws_service)
        case = iam.parity_case(operation, params, p)
    else:
        ctx = {**_parse_context(context), **globals_}
        requests = [AuthorizationRequest(a, resource, ctx) for a in action]
    policies = [d for k in dict.fromkeys(kind) for d in iam.render(k, p)]

    import botocore.exceptions

    try:
        client = _iam_client(region or p.region)
        note_local_endpoints([client])  # AWS_ENDPOINT_URL(_IAM) on 127.0.0.1: say so
        err.print(f"Simulating {len(requests)} request(s) with IAM SimulateCustomPolicy "
                  f"({', '.join(dict.fromkeys(kind))}: {len(policies)} policies)", highlight=False)
        results = iam.simulate(client, policies, requests)
    except botocore.exceptions.NoCredentialsError:
        raise fail("no AWS credentials: simulate asks IAM itself and needs credentials allowed "
                   "iam:SimulateCustomPolicy (use `safemaker policy render` offline)", EXIT_ERROR) from None
    except botocore.exceptions.ClientError as exc:
        code, _ = aws_error(exc)
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        if 500 <= status <= 599:
            raise fail(f"IAM SimulateCustomPolicy failed: {code} (HTTP {status}: the service failed to answer, "
                       "not a permission problem; a local emulator such as moto answers HTTP 500 for calls it "
                       "does not implement, and moto lacks SimulateCustomPolicy: simulate against AWS IAM, or "
                       "use `safemaker policy render` offline)", EXIT_ERROR) from None
        raise fail(f"IAM SimulateCustomPolicy failed: {code}", EXIT_ERROR) from None
    except botocore.exceptions.BotoCoreError as exc:
        raise fail(f"IAM SimulateCustomPolicy failed: {type(exc).__name__}", EXIT_ERROR) from None

    agree = all(r.agrees for r in results)
    if format == "json":
        doc: dict[str, Any] = {"agree": agree, "results": [{
            "action": r.request.action, "resource": r.request.resource, "iam": r.iam_decision,
            "safemaker": r.local_decision, "agrees": r.agrees, "matched_statements": list(r.matched_statements),
            "missing_context_values": list(r.missing_context_values)} for r in results]}
        if case is not None:
            doc["guard"] = {"refuses": case.guard_refuses, "violations": [v.as_dict() for v in case.violations],
                            "iam_expected_to_deny": case.iam_denies,
                            "blind_spots": sorted(b.value for b in case.blind_spots)}
        _echo(json.dumps(doc, indent=2, default=str))
    else:
        decisions = table("action", "resource", "IAM", "safemaker", "agree")
        for r in results:
            decisions.add_row(r.request.action, r.request.resource, r.iam_decision, r.local_decision,
                              "yes" if r.agrees else "NO")
        out.print(decisions)
        if case is not None:
            verdict = (f"refused ({len(case.violations)} violation(s))" if case.guard_refuses else "allowed")
            spots = ", ".join(sorted(b.value for b in case.blind_spots))
            out.print(f"guard: {verdict}; IAM is expected to {'deny' if case.iam_denies else 'allow'}"
                      + (f" (blind spots: {spots})" if spots else ""), highlight=False)
    if not agree:
        err.print("IAM and safemaker's evaluator disagree on at least one request", highlight=False)
    raise typer.Exit(EXIT_OK if agree else EXIT_FINDINGS)


def register(app: typer.Typer) -> None:
    """Add ``safemaker policy`` to the root app."""
    app.add_typer(group, name="policy")
