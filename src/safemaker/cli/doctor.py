"""``safemaker doctor``: check that the profile's VPC is a closed network SageMaker can work in."""

from __future__ import annotations

import contextlib
import json
from typing import List, Optional

import typer
from rich.text import Text

from ..network import doctor as _doctor
from ..network.endpoints import FEATURES, FeatureError, parse_features
from ._common import (human_format, EXIT_BAD_INPUT, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, err, fail, handle_errors,
                      note_local_endpoints, out, aws_profile_option, profile_option, table)

_STYLE = {"ok": "green", "problem": "bold red", "unknown": "yellow"}


@handle_errors
def doctor(
    profile: Optional[str] = profile_option(),
    aws_profile: Optional[str] = aws_profile_option(),
    feature: Optional[List[str]] = typer.Option(
        None, "--feature",
        help=f"What SageMaker is used for (repeat, or comma-separate): {', '.join(FEATURES)}. "
             "Default: notebook, training, hosting (the seed's three)."),
    format: str = typer.Option("text", "--format", "-f", help="text (alias: table) or json."),
    check_role: bool = typer.Option(
        False, "--check-role",
        help="Also check the execution role's ENI permissions with IAM SimulatePrincipalPolicy "
             "(IAM has no VPC endpoint: only where IAM is reachable)."),
    strict: bool = typer.Option(
        False, "--strict", help="Refuse the profile (exit 2) when a subnet has a way out (F08)."),
    endpoint_url: Optional[str] = typer.Option(
        None, "--endpoint-url", envvar="SAFEMAKER_ENDPOINT_URL",
        help="Endpoint override for the EC2 and IAM clients (local backend)."),
) -> None:
    """Check the closed network: VPC DNS and DHCP options, subnet routes, VPC endpoints, security groups.

    One line per check with the fix. Only Describe calls are made, a fixed
    number whatever the number of subnets or endpoints.

    Exit codes: 0 every check ok, 3 problems found, 1 a check could not be
    made (unknown), 2 bad input (profile, feature name, format). Against a
    local endpoint (127.0.0.1, localhost) a note on stderr says so.
    """
    import boto3

    from ..profile import resolve_profile

    format = human_format(format, ("text", "json"))
    try:
        features = parse_features(feature, field="--feature")
    except FeatureError as exc:
        raise fail(str(exc), EXIT_BAD_INPUT) from None
    prof = resolve_profile(profile)
    session = boto3.Session(region_name=prof.region)
    from ..network.infra import CLIENT_CONFIG  # botocore's standard retry mode, as for infra

    ec2 = session.client("ec2", endpoint_url=endpoint_url, config=CLIENT_CONFIG)
    iam = session.client("iam", endpoint_url=endpoint_url, config=CLIENT_CONFIG) if check_role else None
    note_local_endpoints([ec2, iam])
    if strict:
        _doctor.assert_closed(prof, ec2)  # ProfileError -> exit 2
    spinner = (err.status(f"checking {prof.vpc_id} in {prof.region}", spinner="dots")
               if err.is_terminal else contextlib.nullcontext())
    with spinner:
        report = _doctor.run(prof, features, ec2_client=ec2, iam_client=iam)

    if format == "json":
        out.print_json(json.dumps(report.as_dict()))
    else:
        checks = table("status", "check", "subject", "detail", "fix",
                       title=f"safemaker doctor: {report.vpc_id} ({report.region}; {', '.join(report.features)})")
        for check in report.checks:
            checks.add_row(Text(check.status, style=_STYLE[check.status]), check.id, check.subject,
                           check.detail, check.fix)
        out.print(checks)
    counts = report.as_dict()["counts"]
    err.print(f"{counts['ok']} ok, {counts['problem']} problem(s), {counts['unknown']} unknown",
              highlight=False)
    for note in report.skipped:
        err.print(f"skipped: {note}", highlight=False)
    code = {"ok": EXIT_OK, "problem": EXIT_FINDINGS, "unknown": EXIT_ERROR}[report.status]
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    """Add ``safemaker doctor`` to the root app."""
    app.command("doctor")(doctor)
