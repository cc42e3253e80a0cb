"""``safemaker notebook create|url|proxy-command|delete``: closed notebook instances (seed 4.3-4.4)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, Callable, List, Optional, TypeVar

import typer

from ..errors import GuardrailViolation, NotebookInputError, aws_error
from ._common import EXIT_BAD_INPUT, EXIT_ERROR, err, fail, handle_errors, human_format, note_local_endpoints, out, aws_profile_option, profile_option

F = TypeVar("F", bound=Callable[..., Any])

notebook_app = typer.Typer(
    name="notebook",
    help="Closed notebook instances: create (no direct internet access), presigned URL, SOCKS proxy "
         "command, delete.",
    no_args_is_help=True,
)

_SHOWN_FIELDS = ("NotebookInstanceName", "NotebookInstanceArn", "NotebookInstanceStatus", "InstanceType",
                 "DirectInternetAccess", "RootAccess", "SubnetId", "SecurityGroups", "KmsKeyId", "RoleArn",
                 "NotebookInstanceLifecycleConfigName", "VolumeSizeInGB", "FailureReason")


def _endpoint_option() -> Any:
    return typer.Option(None, "--endpoint-url", envvar="SAFEMAKER_ENDPOINT_URL",
                        help="Endpoint override for the SageMaker client (local backend).")


def _cli_errors(func: F) -> F:
    """AWS errors exit 1 with their code and message (never a traceback); an unknown or duplicate
    name and a missing region exit 2. Bad values (NotebookInputError) are left to ``handle_errors``,
    which names the flag."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError, NoRegionError

        try:
            return func(*args, **kwargs)
        except ClientError as exc:
            code, text = aws_error(exc)
            op = getattr(exc, "operation_name", "the call")
            message = f"{op} failed: {code}: {text}"
            name = kwargs.get("name")
            if name and "RecordNotFound" in text:
                # AWS answers ValidationException "RecordNotFound" for a notebook instance that is not there.
                raise fail(f"{message}. No notebook instance {name!r} in this account and region; "
                           "check the name (aws sagemaker list-notebook-instances) and --region", EXIT_BAD_INPUT) from None
            if name and "duplicate" in text.lower():  # AWS: "Cannot create a duplicate ..."
                raise fail(f"{message}. Choose another name, or remove the existing one with "
                           f"'safemaker notebook delete {name}'", EXIT_BAD_INPUT) from None
            raise fail(message, EXIT_ERROR) from None
        except NoRegionError:
            raise fail("no region: pass --region, or --vpc-profile (its region is used), or set AWS_DEFAULT_REGION.",
                       EXIT_BAD_INPUT) from None
        except BotoCoreError as exc:
            raise fail(f"AWS call failed: {exc}", EXIT_ERROR) from None

    return wrapper  # type: ignore[return-value]


def _client(profile: Any, region: Optional[str], endpoint_url: Optional[str]) -> Any:
    """A SageMaker client with the guard installed with the profile (-p, else $SAFEMAKER_PROFILE; none
    is bad input, exit 2): every request of these commands is decided by the guard, as the library's.
    Region: --region, else the profile's."""
    import boto3

    from ..hooks import install
    from ..profile import resolve_profile

    prof = resolve_profile(profile)
    region = region or prof.region
    client = boto3.Session(region_name=region).client("sagemaker", region_name=region, endpoint_url=endpoint_url)
    install(client, prof)
    note_local_endpoints([client])
    return client


@notebook_app.command("create")
@handle_errors
@_cli_errors
def create(
    name: str = typer.Argument(..., help="NotebookInstanceName (letters, digits, hyphens; max 63)."),
    instance_type: str = typer.Option("ml.t3.medium", "--instance-type", help="InstanceType."),
    subnet_id: Optional[str] = typer.Option(None, "--subnet-id",
                                            help="SubnetId, one of the profile's (default: its first)."),
    lifecycle_config_name: Optional[str] = typer.Option(None, "--lifecycle-config-name",
                                                        help="LifecycleConfigName."),
    install_safemaker: bool = typer.Option(False, "--install-safemaker",
                                           help="Create and attach the lifecycle configuration safemaker-<name>: "
                                                "safemaker installed offline from the wheelhouse into every kernel "
                                                "environment, the guard on in every kernel."),
    wheelhouse_uri: Optional[str] = typer.Option(None, "--wheelhouse-uri",
                                                 help="With --install-safemaker: s3:// prefix of the wheelhouse "
                                                      "(default s3://<profile bucket>/safemaker/wheelhouse/)."),
    volume_size_in_gb: Optional[int] = typer.Option(None, "--volume-size-in-gb", help="VolumeSizeInGB (5-16384)."),
    wait: bool = typer.Option(True, "--wait/--no-wait", help="Wait for InService."),
    poll_seconds: float = typer.Option(15.0, "--poll-seconds", help="Seconds between status polls."),
    timeout_seconds: float = typer.Option(1800.0, "--timeout-seconds", help="Give up after this many seconds."),
    cleanup_on_failure: bool = typer.Option(False, "--cleanup-on-failure",
                                            help="Delete the instance if it fails to reach InService."),
    profile: Optional[str] = profile_option(),
    aws_profile: Optional[str] = aws_profile_option(),
    endpoint_url: Optional[str] = _endpoint_option(),
) -> None:
    """Create a notebook instance with DirectInternetAccess=Disabled in the profile's VPC.

    Prints the DescribeNotebookInstance response (JSON) on stdout.
    """

    from ..notebook import create_closed_notebook_instance
    from ..profile import resolve_profile

    prof = resolve_profile(profile)
    client = _client(prof, None, endpoint_url)
    try:
        described = create_closed_notebook_instance(
            name, instance_type, profile=prof, sagemaker_client=client,
            subnet_id=subnet_id, lifecycle_config_name=lifecycle_config_name, volume_size_in_gb=volume_size_in_gb,
            install_safemaker=install_safemaker, wheelhouse_uri=wheelhouse_uri,
            wait=wait, poll_seconds=poll_seconds, timeout_seconds=timeout_seconds, progress=True,
            cleanup_on_failure=cleanup_on_failure,
        )
    except GuardrailViolation as exc:
        # The only request field this command takes from the user: the guard's refusal of it is bad input
        # of --subnet-id (named as typed, with what the profile allows), not a field to "omit".
        subnet = [v for v in exc.violations if v.path == "SubnetId"]
        if subnet_id is None or len(subnet) != len(exc.violations):
            raise
        v = subnet[0]
        raise NotebookInputError("subnet_id", subnet_id, v.required_text or str(v.required),
                                 "Pass one of the profile's subnets as subnet_id, or leave it out for the first "
                                 "(nothing was sent)") from None
    shown = {k: described[k] for k in _SHOWN_FIELDS if described.get(k) is not None}
    out.print_json(json.dumps(shown, default=str))
    err.print(f"Notebook instance {name} is {described.get('NotebookInstanceStatus')}: "
              f"DirectInternetAccess={described.get('DirectInternetAccess')}, "
              f"SubnetId={described.get('SubnetId')}.", highlight=False)


@notebook_app.command("url")
@handle_errors
@_cli_errors
def url(
    name: str = typer.Argument(..., help="NotebookInstanceName."),
    session_expiration_seconds: int = typer.Option(
        1800, "--session-expiration-seconds",
        help="SessionExpirationDurationInSeconds, 1800-43200 (checked before the call)."),
    show: bool = typer.Option(False, "--show",
                              help="Print the URL, token included, on stdout (and nothing else)."),
    format: str = typer.Option("text", "--format", "-f",
                               help="text (alias: table) or json: {NotebookInstanceName, AuthorizedUrl, "
                                    "TokenShown, SessionExpirationDurationInSeconds} on stdout; AuthorizedUrl is "
                                    "redacted unless --show."),
    region: Optional[str] = typer.Option(None, "--region", help="Region (default: the profile's)."),
    profile: Optional[str] = profile_option(),
    aws_profile: Optional[str] = aws_profile_option(),
    endpoint_url: Optional[str] = _endpoint_option(),
) -> None:
    """Get the presigned URL of the notebook's Jupyter (through the guard, with the profile).

    The guard follows the name to DescribeNotebookInstance: an instance that
    is not closed (or cannot be described) gets no URL, exit 2.

    The URL is the only thing on stdout: without --show with its token
    redacted (``authToken=***``; the token is a bearer credential), with
    --show in full. Notes go to stderr.
    """
    from ..notebook import presigned_notebook_url, redact_url

    format = human_format(format, ("text", "json"))
    client = _client(profile, region, endpoint_url)
    authorized = presigned_notebook_url(name, session_expiration_seconds, sagemaker_client=client)
    if format == "json":
        print(json.dumps({"NotebookInstanceName": name,
                          "AuthorizedUrl": authorized if show else redact_url(authorized),
                          "TokenShown": show,
                          "SessionExpirationDurationInSeconds": session_expiration_seconds}), flush=True)
    elif show:
        print(authorized, flush=True)  # stdout only, unstyled, never wrapped
    else:
        print(redact_url(authorized), flush=True)  # the data on stdout, token redacted
        err.print("Presigned URL printed with its token hidden (authToken=***). Pass --show to print it, token "
                  "included, on stdout. It must be opened within 5 minutes, through the notebook VPC endpoint "
                  "(see `safemaker notebook proxy-command`).", highlight=False)


@notebook_app.command("proxy-command")
@handle_errors(aliases={"private_key_path": "private_key"})
@_cli_errors
def proxy_command(
    instance_id: str = typer.Option(..., "--instance-id", help="EC2 instance in the VPC (i-...)."),
    private_key: str = typer.Option(..., "--private-key", help="Path of the key pair's private key."),
    private_ip: str = typer.Option(..., "--private-ip", help="The instance's private IP address."),
    local_port: int = typer.Option(8888, "--local-port", help="Local SOCKS port (1024-65535)."),
    ssh_user: str = typer.Option("ec2-user", "--ssh-user", help="Login user."),
    browser: str = typer.Option("chrome-macos", "--browser",
                                help="chrome-macos, chrome-linux, chrome-windows or firefox."),
    region: Optional[str] = typer.Option(None, "--region", help="Adds --region to aws ssm start-session."),
) -> None:
    """Print the seed's access path: SSH over SSM with -D, and the browser's SOCKS proxy settings."""
    from ..notebook import proxy_instructions

    instructions = proxy_instructions(instance_id, private_key, private_ip, local_port=local_port,
                                      ssh_user=ssh_user, browser=browser, region=region)
    print(instructions.text(), flush=True)


@notebook_app.command("delete")
@handle_errors
@_cli_errors
def delete(
    name: str = typer.Argument(..., help="NotebookInstanceName."),
    wait: bool = typer.Option(True, "--wait/--no-wait", help="Wait until it is gone."),
    poll_seconds: float = typer.Option(15.0, "--poll-seconds", help="Seconds between status polls."),
    timeout_seconds: float = typer.Option(1800.0, "--timeout-seconds", help="Give up after this many seconds."),
    missing_ok: bool = typer.Option(False, "--missing-ok", help="Succeed when it does not exist."),
    region: Optional[str] = typer.Option(None, "--region", help="Region (default: the profile's)."),
    profile: Optional[str] = profile_option(),
    aws_profile: Optional[str] = aws_profile_option(),
    endpoint_url: Optional[str] = _endpoint_option(),
) -> None:
    """Stop the notebook instance if it runs, wait until Stopped, delete it, wait until gone."""
    from ..notebook import NotebookInstanceError, delete_notebook_instance

    client = _client(profile, region, endpoint_url)
    try:
        sent = delete_notebook_instance(name, sagemaker_client=client, wait=wait, poll_seconds=poll_seconds,
                                        timeout_seconds=timeout_seconds, progress=True, missing_ok=missing_ok)
    except NotebookInstanceError as exc:
        if exc.status is None and "nothing to delete" in str(exc):  # not there at all: an unknown name
            raise fail(f"{exc}: check the name and --region, or pass --missing-ok to succeed when it is already "
                       "gone", EXIT_BAD_INPUT) from None
        raise
    out.print_json(json.dumps({"NotebookInstanceName": name, "Sent": sent,
                               "Gone": wait or not sent}))


@notebook_app.command("lifecycle-config")
@handle_errors
@_cli_errors
def lifecycle_config(
    create: Optional[str] = typer.Option(None, "--create",
                                         help="Create the lifecycle configuration with this name (default: print "
                                              "the on-start script on stdout)."),
    wheelhouse_uri: Optional[str] = typer.Option(None, "--wheelhouse-uri",
                                                 help="s3:// prefix of the wheelhouse (default "
                                                      "s3://<profile bucket>/safemaker/wheelhouse/)."),
    requirement: str = typer.Option("safemaker", "--requirement",
                                    help="What pip installs from the wheelhouse (e.g. 'safemaker[sdk]')."),
    profile: Optional[str] = profile_option(),
    aws_profile: Optional[str] = aws_profile_option(),
    endpoint_url: Optional[str] = _endpoint_option(),
) -> None:
    """The notebook-instance lifecycle configuration that installs safemaker offline and guards every kernel.

    On start it writes the profile, an IPython startup file (import
    safemaker.auto + the extension) and, in the background (the 5-minute
    on-start limit), installs safemaker from the wheelhouse in the profile's
    bucket (S3 gateway endpoint, no internet) into every conda environment
    with ipykernel. Build and upload the wheelhouse with
    `safemaker notebook wheelhouse`. Attach it with `safemaker notebook create
    --install-safemaker` or --lifecycle-config-name.
    """
    from ..notebook import create_lifecycle_config, lifecycle_config_script
    from ..profile import resolve_profile

    prof = resolve_profile(profile)
    script = lifecycle_config_script(prof, wheelhouse_uri=wheelhouse_uri, requirement=requirement)
    if create is None:
        print(script, end="", flush=True)
        return
    client = _client(prof, None, endpoint_url)
    arn = create_lifecycle_config(create, profile=prof, wheelhouse_uri=wheelhouse_uri, requirement=requirement,
                                  sagemaker_client=client)
    out.print_json(json.dumps({"NotebookInstanceLifecycleConfigName": create,
                               "NotebookInstanceLifecycleConfigArn": arn}))


@notebook_app.command("wheelhouse")
@handle_errors
@_cli_errors
def wheelhouse(
    dest: Path = typer.Argument(..., help="Directory to build the wheelhouse in (created)."),
    project: Optional[Path] = typer.Option(None, "--project",
                                           help="Build the safemaker wheel from this source tree (default: "
                                                "download safemaker from the index)."),
    requirement: List[str] = typer.Option(["safemaker"], "--requirement", "-r",
                                          help="Requirements to download with their dependencies (repeat)."),
    python_version: List[str] = typer.Option([], "--python-version",
                                             help="Python version of the notebook's kernels, e.g. 3.10 (repeat; "
                                                  "default: this interpreter's)."),
    platform: str = typer.Option("manylinux2014_x86_64", "--platform", help="pip --platform with --python-version."),
    find_links: List[str] = typer.Option([], "--find-links", help="pip --find-links (repeat)."),
    no_index: bool = typer.Option(False, "--no-index", help="pip --no-index: only --find-links."),
    upload: bool = typer.Option(True, "--upload/--no-upload", help="Upload the wheels to --wheelhouse-uri."),
    no_build: bool = typer.Option(False, "--no-build", help="Upload DEST as it is."),
    wheelhouse_uri: Optional[str] = typer.Option(None, "--wheelhouse-uri",
                                                 help="s3:// prefix (default s3://<profile bucket>/safemaker/"
                                                      "wheelhouse/)."),
    profile: Optional[str] = profile_option(),
    aws_profile: Optional[str] = aws_profile_option(),
    endpoint_url: Optional[str] = typer.Option(None, "--endpoint-url", envvar="SAFEMAKER_S3_ENDPOINT_URL",
                                               help="Endpoint override for the S3 client (local backend)."),
) -> None:
    """Build the wheelhouse (safemaker and its dependencies as wheels) and upload it to the profile's bucket.

    Runs pip wheel (--project) and pip download --only-binary=:all: (once per
    --python-version), then uploads every wheel with a progress bar; a failed
    upload deletes what it uploaded. Prints the S3 URI to pass to
    `safemaker notebook lifecycle-config --wheelhouse-uri`.
    """
    import boto3

    from ..notebook import build_wheelhouse, default_wheelhouse_uri, upload_wheelhouse
    from ..profile import resolve_profile

    prof = resolve_profile(profile) if (upload or profile) else None
    uri = wheelhouse_uri or (default_wheelhouse_uri(prof) if prof is not None else None)
    if not no_build:
        reqs = [r for r in requirement if not (project is not None and r == "safemaker")]
        with _status("Building the wheelhouse") as update:
            wheels = build_wheelhouse(dest, reqs, project=project, python_versions=python_version, platform=platform,
                                      find_links=find_links, no_index=no_index, progress=update)
        err.print(f"wheelhouse: {len(wheels)} wheels in {dest}", highlight=False)
    if not upload:
        return
    s3 = boto3.Session(region_name=prof.region).client("s3", endpoint_url=endpoint_url)  # type: ignore[union-attr]
    note_local_endpoints([s3])
    keys = upload_wheelhouse(dest, uri, s3_client=s3, progress=True)  # type: ignore[arg-type]
    err.print(f"uploaded {len(keys)} wheels to {uri}", highlight=False)
    print(uri, flush=True)


def _status(text: str) -> Any:
    """A spinner on stderr whose text each build step updates (yields the update function)."""
    from contextlib import contextmanager

    @contextmanager
    def manage() -> Any:
        with err.status(text) as status:
            yield lambda step: status.update(f"{text}: {step}")

    return manage()


def register(app: typer.Typer) -> None:
    """Add the ``notebook`` command group to the root app."""
    app.add_typer(notebook_app, name="notebook")
