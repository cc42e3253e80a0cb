"""``safemaker notebook create|url|proxy-command|delete``: closed notebook instances (seed 4.3-4.4)."""

from __future__ import annotations

import functools
import json
from typing import Any, Callable, Optional, TypeVar

import typer

from ._common import EXIT_BAD_INPUT, EXIT_ERROR, err, fail, handle_errors, note_local_endpoints, out, aws_profile_option, profile_option

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
            e = exc.response.get("Error", {})
            op = getattr(exc, "operation_name", "the call")
            message = f"{op} failed: {e.get('Code', 'ClientError')}: {e.get('Message', '')}"
            name = kwargs.get("name")
            if name and "RecordNotFound" in str(e.get("Message", "")):
                # AWS answers ValidationException "RecordNotFound" for a notebook instance that is not there.
                raise fail(f"{message}. No notebook instance {name!r} in this account and region; "
                           "check the name (aws sagemaker list-notebook-instances) and --region", EXIT_BAD_INPUT) from None
            if name and "duplicate" in str(e.get("Message", "")).lower():  # AWS: "Cannot create a duplicate ..."
                raise fail(f"{message}. Choose another name, or remove the existing one with "
                           f"'safemaker notebook delete {name}'", EXIT_BAD_INPUT) from None
            raise fail(message, EXIT_ERROR) from None
        except NoRegionError:
            raise fail("no region: pass --region, or --vpc-profile (its region is used), or set AWS_DEFAULT_REGION.",
                       EXIT_BAD_INPUT) from None
        except BotoCoreError as exc:
            raise fail(f"AWS call failed: {exc}", EXIT_ERROR) from None

    return wrapper  # type: ignore[return-value]


def _session(profile: Any, region: Optional[str]) -> tuple[Any, Any]:
    """(boto3 session, profile or None): region from --region, else the profile, else AWS config."""
    import boto3

    from ..profile import resolve_profile

    prof = resolve_profile(profile) if profile is not None else None
    region = region or (prof.region if prof is not None else None)
    return (boto3.Session(region_name=region) if region else boto3.Session()), prof


def _client(profile: Any, region: Optional[str], endpoint_url: Optional[str]) -> Any:
    session, prof = _session(profile, region)
    client = session.client("sagemaker", region_name=region or (prof.region if prof else None),
                            endpoint_url=endpoint_url)
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
    import boto3

    from ..notebook import create_closed_notebook_instance
    from ..profile import resolve_profile

    prof = resolve_profile(profile)
    client = boto3.Session(region_name=prof.region).client("sagemaker", endpoint_url=endpoint_url)
    note_local_endpoints([client])
    described = create_closed_notebook_instance(
        name, instance_type, profile=prof, sagemaker_client=client,
        subnet_id=subnet_id, lifecycle_config_name=lifecycle_config_name, volume_size_in_gb=volume_size_in_gb,
        wait=wait, poll_seconds=poll_seconds, timeout_seconds=timeout_seconds, progress=True,
        cleanup_on_failure=cleanup_on_failure,
    )
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
    region: Optional[str] = typer.Option(None, "--region", help="Region (default: the profile's)."),
    profile: Optional[str] = profile_option(),
    aws_profile: Optional[str] = aws_profile_option(),
    endpoint_url: Optional[str] = _endpoint_option(),
) -> None:
    """Get the presigned URL of the notebook's Jupyter.

    Without --show, only the redacted URL is shown (on stderr): the token is a
    bearer credential. With --show, the full URL is the only thing on stdout.
    """
    from ..notebook import presigned_notebook_url, redact_url

    client = _client(profile, region, endpoint_url)
    authorized = presigned_notebook_url(name, session_expiration_seconds, sagemaker_client=client)
    if show:
        print(authorized, flush=True)  # stdout only, unstyled, never wrapped
    else:
        err.print(f"Presigned URL (token hidden): {redact_url(authorized)}", highlight=False)
        err.print("Pass --show to print it, token included, on stdout. It must be opened within 5 minutes, "
                  "through the notebook VPC endpoint (see `safemaker notebook proxy-command`).", highlight=False)


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


def register(app: typer.Typer) -> None:
    """Add the ``notebook`` command group to the root app."""
    app.add_typer(notebook_app, name="notebook")
