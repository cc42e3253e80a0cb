"""``safemaker demo``: the seed's part 4 end to end, on the local backend or (``--aws``) a real account."""

from __future__ import annotations

import contextlib
import logging
import math
import os
import warnings
from typing import Any, Iterator, Optional

import typer

from ...errors import LocalBackendWarning
from ...logs import DEBUG_ENV_VAR
from .. import _common
from .._common import EXIT_BAD_INPUT, EXIT_ERROR, EXIT_OK, err, fail, handle_errors, out, aws_profile_option, profile_option, table

_ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SAGEMAKER", "AWS_ENDPOINT_URL_S3",
                       "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", "AWS_ENDPOINT_URL_STS")


@contextlib.contextmanager
def _quiet_sdk() -> Iterator[None]:
    """Keep the SageMaker SDK's notices out of the demo's output, for the command's duration.

    The SDK prints deprecation notices, logs ``sagemaker.config`` INFO lines
    to stdout, and its import calls ``logging.basicConfig(level=INFO)`` on the
    root logger (``sagemaker/experiments/_metrics.py``), which would print
    every INFO record of every library (botocore's "Found credentials in
    environment variables" among them). Levels set here, before the SDK is
    imported, keep that quiet; ``SAFEMAKER_DEBUG=1`` keeps safemaker's own
    debug output. Everything is restored afterwards.
    """
    names = ["sagemaker", "sagemaker.config", "sagemaker.deprecations", "sagemaker.telemetry",
             "botocore.credentials"]
    if not os.environ.get(DEBUG_ENV_VAR):
        names.append("safemaker")
    levels = {n: logging.getLogger(n).level for n in names}
    env_before = os.environ.get("SAGEMAKER_SUPPRESS_V2_WARNING")
    os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module=r"sagemaker(\..*)?$")
            # every step's row says whether the local backend emulated it, and the summary says that no
            # container ran: the session's LocalBackendWarning would only interrupt the walkthrough
            warnings.filterwarnings("ignore", category=LocalBackendWarning)
            for n in names:
                # safemaker's own WARNING records (the refusal of step 9) are shown by the step itself.
                logging.getLogger(n).setLevel(logging.ERROR)
            yield
    finally:
        for n, level in levels.items():
            logging.getLogger(n).setLevel(level)
        if env_before is None:
            os.environ.pop("SAGEMAKER_SUPPRESS_V2_WARNING", None)


def _summary(report: Any) -> None:
    steps = table("step", "result", title=f"safemaker demo ({report.backend}, {report.region})",
                  title_justify="left")
    steps.add_column("seconds", justify="right", overflow="fold")
    steps.add_column("emulated?", overflow="fold")
    for s in report.steps:
        result = s.result if s.status == "ok" else f"{s.status.upper()}: {s.result}"
        steps.add_row(s.step, result, f"{s.seconds:.1f}", "yes" if s.emulated else "no")
    out.print(steps)
    out.print(f"Total: {report.seconds:.1f} s. " + (
        "emulated? yes = answered by the local backend (moto on 127.0.0.1), not by AWS: no instance, "
        "container or endpoint ran." if report.backend == "local" else "Every step ran in AWS."),
        highlight=False, markup=False)
    if report.left_behind:
        out.print("Left behind (delete by hand): " + "; ".join(report.left_behind), highlight=False,
                  markup=False)


def _progress() -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err, transient=True)


def _check_local_region(region: str) -> None:
    """Exit 2 unless botocore's endpoint data has SageMaker in ``region`` (aws partition; no network call)."""
    import botocore.session

    from ...local.session import _loader

    session = botocore.session.Session()
    session.register_component("data_loader", _loader())  # the local backend's: endpoints.json is read once
    known = session.get_available_regions("sagemaker")
    if region not in known:
        raise fail(f"--region is {region!r}; expected an AWS region where SageMaker is available, such as "
                   f"us-east-1 (botocore lists {len(known)}: {', '.join(sorted(known))})", EXIT_BAD_INPUT)


def demo(
    aws: bool = typer.Option(False, "--aws", help="Run against a real AWS account (billed) instead of the "
                                                  "local backend; needs --vpc-profile and confirmation."),
    yes: bool = typer.Option(False, "--yes", "-y", help="With --aws: do not ask for confirmation."),
    region: str = typer.Option("us-east-1", "--region", help="Region of the local backend (without --aws)."),
    poll_seconds: Optional[float] = typer.Option(None, "--poll-seconds",
                                                 help="Seconds between status polls (default: 0.2 local, "
                                                      "15 with --aws)."),
    profile: Optional[str] = profile_option(),
    aws_profile: Optional[str] = aws_profile_option(),
) -> None:
    """Run the seed's walkthrough: closed notebook, presigned URL, data to S3, ClosedEstimator training,
    closed_deploy, prediction, a refused non-compliant call, and cleanup.

    Without --aws everything runs on the embedded local backend (moto on
    127.0.0.1): nothing leaves the machine and results that come from the
    backend are marked emulated.
    """
    if poll_seconds is not None and not (math.isfinite(poll_seconds) and poll_seconds > 0):
        raise fail(f"--poll-seconds is {poll_seconds!r}; expected a number of seconds greater than 0. "
                   "Pass a positive number, or leave it out for the default.", EXIT_BAD_INPUT)
    if not aws:
        _check_local_region(region)
    with _quiet_sdk():
        if aws:
            report = _aws(profile, yes, poll_seconds)
        else:
            from ...local import offline_environment

            # before anything imports the SDK: it looks for credentials, and SDK v3 for a region
            with offline_environment(region):
                from .run import run_local_demo

                with _progress() as progress:
                    report = run_local_demo(region=region, console=out, progress=progress,
                                            poll_seconds=poll_seconds if poll_seconds is not None else 0.2)
    _summary(report)
    raise typer.Exit(EXIT_OK if report.ok else EXIT_ERROR)


def _aws(profile: Optional[str], yes: bool, poll_seconds: Optional[float]) -> Any:
    """Checks in this order, so that a refusal touches no network: profile given, no endpoint
    override, confirmation possible; then load the profile, confirm, check credentials, run."""
    if not profile:
        raise fail("--aws needs a profile: pass --vpc-profile FILE or --vpc-profile ssm:NAME (or set SAFEMAKER_PROFILE). "
                   "It names the closed network (subnets, security groups, role, default_bucket) to use.",
                   EXIT_BAD_INPUT)
    overrides = [v for v in _ENDPOINT_VARIABLES if os.environ.get(v)]
    if overrides:
        raise fail(f"--aws talks to AWS, but {', '.join(overrides)} is set (an endpoint override); unset it, or "
                   "run without --aws for the local backend.", EXIT_BAD_INPUT)
    if not yes and not _common.is_interactive():
        raise fail("--aws creates billed resources and needs confirmation: run it in a terminal, or pass --yes.",
                   EXIT_BAD_INPUT)
    import boto3

    from .run import DemoError, run_aws_demo
    from ...profile import resolve_profile

    prof = resolve_profile(profile)
    if not prof.default_bucket:
        raise fail(f"profile {profile}: default_bucket is not set; --aws needs an S3 bucket the execution role "
                   "can read and write (its objects go under safemaker-demo/<run id>/ and are deleted).",
                   EXIT_BAD_INPUT)
    err.print(f"This creates, in account {prof.account_id} region {prof.region} (VPC {prof.vpc_id}): a notebook "
              f"instance (ml.t3.medium), a training job, a model, an endpoint config and an endpoint "
              f"(ml.m5.large), and objects in s3://{prof.default_bucket}/safemaker-demo/. They are billed "
              "while they exist; the demo deletes them at the end (about 20 minutes in all).",
              highlight=False, markup=False)
    if not yes and not typer.confirm("Create them?", default=False, err=True):
        err.print("Nothing was created.", highlight=False)
        raise typer.Exit(EXIT_ERROR)
    session = boto3.Session(region_name=prof.region)
    if session.get_credentials() is None:
        raise fail("no AWS credentials found (environment, ~/.aws, SSO or instance role); nothing was created.",
                   EXIT_BAD_INPUT)
    try:
        with _progress() as progress:
            return run_aws_demo(prof, session, console=out, progress=progress,
                                poll_seconds=poll_seconds if poll_seconds is not None else 15.0)
    except DemoError as exc:
        raise fail(str(exc), EXIT_BAD_INPUT) from None


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command to the root app."""
    app.command("demo")(handle_errors(demo))
