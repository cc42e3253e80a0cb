"""``safemaker audit``: every existing SageMaker resource that breaks the closed network."""

from __future__ import annotations

import gc
import sys
from collections import Counter
from enum import Enum
from pathlib import Path
from typing import Any, Iterator, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from .. import audit as _audit
from . import _common
from ..errors import MISSING
from ._common import (EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, ClientRecorder, err, fail, handle_errors, make_console,
                      local_endpoint, note_local_endpoints, out, aws_profile_option, profile_option, table)


class OutputFormat(str, Enum):
    """Output formats of ``safemaker audit``."""

    text = "text"
    json = "json"
    sarif = "sarif"
    asff = "asff"


class FailOn(str, Enum):
    """Lowest severity that makes ``safemaker audit`` exit 3."""

    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


def _shown(value: Any) -> str:
    if value is MISSING:
        return "absent"
    return repr(value)


def _table(findings: list[_audit.Finding]) -> Table:
    # an organization audit (findings of several accounts) shows the account of each
    accounts = len({f.account for f in findings if f.account}) > 1
    found = table("severity", "rule", *(("account",) if accounts else ()), "resource", "path", "found", "required",
                  "fix", title=f"{len(findings)} finding(s)", show_lines=False, expand=False)
    order = sorted(findings, key=lambda f: (-f.severity.rank, f.rule_id, f.resource_arn, f.path))
    for f in order:
        where = f.resource_arn if f.location is None else (
            f"{f.location.file}:{f.location.line} {f.location.logical_id}" if f.location.line
            else f"{f.location.file} {f.location.logical_id}")
        cells = (f.severity.value if f.status == "FAIL" else f"{f.severity.value} (UNKNOWN)", f.rule_id,
                 *((f.account or "-",) if accounts else ()), where, f.path, _shown(f.found) + _when(f),
                 f.required_text if f.required_text is not None else _shown(f.required),
                 f"[{f.fix_action}] {f.fix}")
        found.add_row(*cells)  # the consoles print text as data (markup off): no escaping
    return found


def _when(f: _audit.Finding) -> str:
    """`` (open when K=V, ...)`` for a finding a deploy-time choice of a template causes, else ``""``."""
    if f.location is None or not f.location.when:
        return ""
    return " (open when " + ", ".join(f"{k}={v}" for k, v in f.location.when) + ")"


def _summary(findings: list[_audit.Finding]) -> Table:
    summary = table("rule", "severity", "findings", "resources", "also checked by", title="Summary by rule")
    by_rule: dict[str, list[_audit.Finding]] = {}
    for f in findings:
        by_rule.setdefault(f.rule_id, []).append(f)
    for rule_id, items in sorted(by_rule.items(), key=lambda kv: (-kv[1][0].severity.rank, kv[0])):
        related = sorted({i for f in items for i in f.related.ids()})
        summary.add_row(rule_id, items[0].severity.value, str(len(items)),
                        str(len({f.resource_arn for f in items})), ", ".join(related) or "-")
    return summary


def register(app: typer.Typer) -> None:
    """Add ``safemaker audit`` to the root app."""

    @app.command("audit")
    @handle_errors(aliases={"resource_types": "resource_type", "regions": "region", "accounts": "accounts",
                            "role_name": "role_name", "max_parallel": "max_parallel"})
    def audit_command(
        profile: Optional[str] = profile_option(),
        aws_profile: Optional[str] = aws_profile_option(),
        region: Optional[list[str]] = typer.Option(
            None, "--region", "--regions", "-r",
            help="Region to audit (repeat for several), or 'all': every region enabled in the account that has "
                 "SageMaker (EC2 DescribeRegions). Default: the profile's region."),
        accounts: Optional[list[str]] = typer.Option(
            None, "--accounts",
            help="Organization scope: 'all' (the ACTIVE accounts of AWS Organizations ListAccounts) or account IDs "
                 "(repeat); needs --role-name. Default: the credentials' own account only."),
        role_name: Optional[str] = typer.Option(
            None, "--role-name", help="Role assumed in each account with --accounts (STS AssumeRole)."),
        external_id: Optional[str] = typer.Option(
            None, "--external-id", help="ExternalId for AssumeRole, when the roles' trust policies require one."),
        max_parallel: int = typer.Option(
            4, "--max-parallel", help="Accounts and (account, region) pairs audited at once with --accounts (1-64)."),
        security_hub: bool = typer.Option(
            False, "--security-hub",
            help="Also import the findings into AWS Security Hub (BatchImportFindings, ASFF, batches of 100, "
                 "stable IDs: a re-run updates them), with each account's own credentials, in each finding's region."),
        no_search: bool = typer.Option(
            False, "--no-search", help="Describe every resource (do not read models and tuning jobs in bulk "
                                       "with SageMaker Search)."),
        since: Optional[str] = typer.Option(
            None, "--since", help="Only resources created at or after this ISO 8601 date or date-time."),
        output_format: OutputFormat = typer.Option(
            OutputFormat.text, "--format", "-f",
            help="text (table + summary by rule), json (JSON lines), sarif (SARIF 2.1.0) or asff (a JSON array of "
                 "AWS Security Finding Format findings)."),
        fail_on: FailOn = typer.Option(
            FailOn.low, "--fail-on", help="Exit 3 when a finding has this severity or higher."),
        resource_type: Optional[list[str]] = typer.Option(
            None, "--resource-type", "--type", "-t",
            help="Resource type to audit (repeat for several), e.g. notebook-instance. Default: every type the "
                 "rules cover."),
        active_only: bool = typer.Option(
            False, "--active-only", help="Only resources running or able to run now (List StatusEquals filters)."),
        max_workers: int = typer.Option(8, "--max-workers", help="Parallel Describe calls (1-64)."),
        processes: Optional[int] = typer.Option(
            None, "--processes",
            help="Processes that describe and check resources (1-16; each with --max-workers threads, "
                 "--max-workers resources in flight in all). Default: the cores of the machine, at most 4, on "
                 "Linux; 1 elsewhere. Not with --accounts."),
        output: Optional[Path] = typer.Option(
            None, "--output", "-o", help="Write the report to this file instead of stdout."),
        endpoint_url: Optional[str] = typer.Option(
            None, "--endpoint-url", envvar="SAFEMAKER_ENDPOINT_URL",
            help="Endpoint override for the SageMaker clients (local backend)."),
    ) -> None:
        """Find every existing SageMaker resource that breaks the closed network.

        Lists notebooks, Studio domains, models, endpoints, jobs, monitoring and
        pipelines with paginated List calls, describes each one, and checks it
        with the same rules as the guard. Absent fields mean the insecure AWS
        default; a resource that cannot be described is reported as UNKNOWN.

        Exit codes: 0 clean, 3 findings at or above --fail-on, 2 bad input, 1 error.
        Against a local endpoint (127.0.0.1, localhost) a note on stderr says so.
        """
        import boto3

        from ..profile import resolve_profile

        prof = resolve_profile(profile)
        listeners: list[Any] = [lambda event: None]
        # the progress bar is drawn on a terminal only: elsewhere no progress events are made at all (one per
        # resource, handed to the iterating thread); the count of resources checked then comes from stats
        progress = (lambda e: listeners[0](e)) if err.is_terminal else None
        threshold = _audit.Severity.parse(fail_on.value)
        session = boto3.session.Session()
        regions = list(region) if region else None
        if session.get_credentials() is None:
            raise fail("no AWS credentials found (environment, shared files, SSO or instance role): "
                       "the audit needs sagemaker:List* and sagemaker:Describe* permissions", EXIT_ERROR)
        stream: Any = sys.stdout
        if output is not None:  # before any call: never audit, then fail to write the report
            try:
                stream = output.open("w", encoding="utf-8")
            except OSError as exc:
                raise fail(f"--output is '{output}': cannot write it ({exc.strerror or exc}); give a file path "
                           "in an existing, writable directory, or leave --output out for stdout")
        recorder = ClientRecorder(session, endpoint_url)
        stats = _audit.AuditStats()
        sessions: dict[str, Any] = {}
        if role_name is not None and not accounts:
            raise fail("--role-name is given without --accounts; pass --accounts all or account IDs to audit an "
                       "organization, or leave --role-name out to audit the credentials' own account")
        if accounts:
            if processes is not None:
                raise fail(f"--processes is {processes} with --accounts: an organization audit runs in one process "
                           "(its accounts and regions in parallel threads, --max-parallel); leave --processes out")
            if role_name is None:
                raise fail("--accounts needs --role-name: the role to assume in each account (e.g. "
                           "--role-name OrganizationAccountAccessRole)")
            from ..audit.organization import assumed_session, run_organization

            def factory(credentials: Any, home: str) -> Any:
                if credentials is None:
                    return recorder
                return ClientRecorder(assumed_session(credentials, home), endpoint_url)

            # AuditInputError (bad --accounts, --role-name, ...) -> exit 2 naming the flag.
            findings_iter = run_organization(
                prof, accounts=list(accounts), role_name=role_name, regions=regions, boto3_session=recorder,
                session_factory=factory, since=since, resource_types=resource_type, max_workers=max_workers,
                max_parallel=max_parallel, active_only=active_only, progress=progress,
                stats=stats, use_search=not no_search, external_id=external_id,
                on_session=sessions.__setitem__)
        else:
            if regions == ["all"]:
                from ..audit.organization import enabled_sagemaker_regions

                regions = enabled_sagemaker_regions(recorder, prof.region)
            # AuditInputError (bad --since, --resource-type, --region, --max-workers) -> exit 2 naming the flag.
            if processes is None:
                # forked only when the command is the process (not inside a longer-lived one: a test runner)
                from ..audit._processes import default_processes

                processes = default_processes() if _common.ENTRY_POINT else 1
            findings_iter = _audit.run(prof, boto3_session=recorder, regions=regions, since=since,
                                       resource_types=resource_type, max_workers=max_workers,
                                       active_only=active_only, progress=progress,
                                       stats=stats, use_search=not no_search, processes=processes)
        note_local_endpoints(recorder.clients)
        if _common.ENTRY_POINT:
            # Everything made so far (modules, botocore's service models, the clients) lives until the process
            # exits: moved out of the collector's sight, it is not walked again by the full collections of a
            # long audit nor by the one at exit (~12% of the audit's CPU at 3,000 resources)
            gc.freeze()
        importer = None
        if security_hub:
            from ..audit.asff import SecurityHubImporter, tee

            def hub_client(account: str, hub_region: str) -> Any:
                return sessions.get(account, recorder).client("securityhub", region_name=hub_region)

            importer = SecurityHubImporter(hub_client)
            findings_iter = tee(findings_iter, importer)

        counts: Counter[str] = Counter()
        failing = 0
        checked = 0
        unreachable: list[tuple[str, str]] = []  # (region, endpoint URL) of each UNKNOWN from a connection failure

        with Progress(SpinnerColumn(), TextColumn("[progress.description]{task.description}"), BarColumn(),
                      MofNCompleteColumn(), TimeElapsedColumn(), console=err, transient=True,
                      disable=not err.is_terminal) as bar:
            task = bar.add_task("auditing SageMaker resources", total=0)

            def on_progress(event: _audit.ProgressEvent) -> None:
                nonlocal checked
                if event.kind == "listed":
                    bar.update(task, total=(bar.tasks[0].total or 0) + event.count)
                else:
                    checked += event.count
                    bar.update(task, advance=event.count,
                               description=f"{event.region} {event.resource_type}")

            listeners[0] = on_progress

            def counted(it: Iterator[_audit.Finding]) -> Iterator[_audit.Finding]:
                nonlocal failing
                for f in it:
                    counts[f.status] += 1
                    url = _audit.connection_failure(f)
                    if url is not None:
                        unreachable.append((f.region, url))
                    if f.severity.rank >= threshold.rank:
                        failing += 1
                    yield f

            try:
                if output_format is OutputFormat.json:
                    _audit.write_json_lines(counted(findings_iter), stream)
                elif output_format is OutputFormat.sarif:
                    _audit.write_sarif(counted(findings_iter), stream)
                elif output_format is OutputFormat.asff:
                    from ..audit.asff import write_asff

                    write_asff(counted(findings_iter), stream)
                else:
                    collected = list(counted(findings_iter))
            except BaseException:
                if output:
                    stream.close()
                raise

        if progress is None:
            checked = stats.resources
        total = counts["FAIL"] + counts["UNKNOWN"]
        try:
            if output_format is OutputFormat.text:
                _print_text(make_console(file=stream) if output else out, collected, checked)
        finally:
            if output:
                stream.close()
        per = stats.calls_per_resource
        err.print(f"{checked} resource(s) checked: {counts['FAIL']} finding(s), {counts['UNKNOWN']} unknown; "
                  f"{failing} at or above --fail-on {threshold.value}; {stats.total_calls} API calls"
                  + (f" ({per:.2f} per resource, {stats.from_search} read with Search)" if per is not None else ""),
                  highlight=False)
        missing = _audit.unaudited_create_operations()
        if missing:
            err.print("Not audited (the guard checks them when they are made; the audit does not read existing "
                      f"ones): resources of {', '.join(missing)}", highlight=False)
        if importer is not None:
            result = importer.flush()
            err.print(f"Security Hub: {result.imported} finding(s) imported in {result.calls} BatchImportFindings "
                      f"call(s), {len(result.failed)} failed", highlight=False)
            for item in result.failed[:20]:
                err.print(f"  failed: {item.get('Id')} ({item.get('AwsAccountId')} {item.get('Region')}): "
                          f"{item.get('ErrorCode')}: {item.get('ErrorMessage')}", highlight=False)
            if result.failed:
                raise fail(f"{len(result.failed)} finding(s) were not imported into Security Hub (listed above)",
                           EXIT_ERROR)
        audited_regions = set(regions or [prof.region])
        if (checked == 0 and counts["FAIL"] == 0 and unreachable and len(unreachable) == counts["UNKNOWN"]
                and {r for r, _ in unreachable} == audited_regions):
            # Nothing at all could be listed, only because nothing answered: an error, not findings.
            urls = sorted({u for _, u in unreachable})
            raise fail(_cannot_connect(urls, len(unreachable)), EXIT_ERROR)
        if total and failing:
            raise typer.Exit(EXIT_FINDINGS)
        raise typer.Exit(EXIT_OK)


def _cannot_connect(urls: list[str], failed: int) -> str:
    shown = ", ".join(u.rstrip("/") for u in urls)
    text = (f"cannot connect to {shown}: nothing was audited ({failed} List call(s) failed with a connection "
            "error, 0 resources checked); check the network route and the endpoint (--endpoint-url, "
            "AWS_ENDPOINT_URL*)")
    if any(local_endpoint(u) for u in urls):
        text += "; for a loopback endpoint: is `safemaker local serve` running on that port?"
    return text


def _print_text(console: Any, findings: list[_audit.Finding], checked: int) -> None:
    if not findings:
        console.print(f"No findings: {checked} resource(s) checked, all inside the closed network "
                      "(of the types the audit reads; see the note on stderr for the others).")
        return
    console.print(_table(findings))
    console.print(_summary(findings))
