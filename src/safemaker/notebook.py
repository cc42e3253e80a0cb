"""Closed SageMaker notebook instances (seed parts 4.3 and 4.4).

- :func:`create_closed_notebook_instance`: ``CreateNotebookInstance`` with
  ``DirectInternetAccess="Disabled"``, ``RootAccess`` from the profile, a
  profile ``SubnetId``, the profile ``SecurityGroupIds`` and volume KMS key,
  sent through a guarded client; waits for ``InService``.
- :func:`presigned_notebook_url`: ``CreatePresignedNotebookInstanceUrl`` with
  the session duration checked (1800-43200 s) before the call. The URL carries
  a bearer token (``authToken``): it is returned, never logged or printed;
  :func:`redact_url` masks it for display.
- :func:`proxy_instructions`: the seed's way in from a PC outside the closed
  network: SSH over Session Manager with dynamic port forwarding, and the
  browser's SOCKS proxy settings.
- :func:`delete_notebook_instance`: stop (if needed), wait ``Stopped``,
  delete, wait until gone.

Example
-------
>>> from safemaker.notebook import create_closed_notebook_instance, presigned_notebook_url
>>> nb = create_closed_notebook_instance("IFSM-Notebook-Instance", profile="profile.toml")  # doctest: +SKIP
>>> url = presigned_notebook_url("IFSM-Notebook-Instance", profile="profile.toml")          # doctest: +SKIP

References
----------
Amazon SageMaker API Reference: CreateNotebookInstance, DescribeNotebookInstance,
StopNotebookInstance, DeleteNotebookInstance, CreatePresignedNotebookInstanceUrl.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import shlex
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from . import _lazy
from ._redact import install_log_redaction, redact_url
from .errors import NotebookInputError, NotebookInstanceError, aws_error
from .hooks import install, installed

if TYPE_CHECKING:  # pragma: no cover
    import boto3
    from rich.progress import Progress

    from .profile import VpcProfile

__all__ = [
    "NotebookInputError",
    "NotebookInstanceError",
    "ProxyInstructions",
    "create_closed_notebook_instance",
    "wait_for_notebook_instance",
    "delete_notebook_instance",
    "presigned_notebook_url",
    "redact_url",
    "proxy_instructions",
    "SESSION_EXPIRATION_MIN_SECONDS",
    "SESSION_EXPIRATION_MAX_SECONDS",
    "BROWSERS",
]

logger = logging.getLogger(__name__)

SESSION_EXPIRATION_MIN_SECONDS = 1800
"""Lowest ``SessionExpirationDurationInSeconds`` AWS accepts (30 minutes)."""
SESSION_EXPIRATION_MAX_SECONDS = 43200
"""Highest ``SessionExpirationDurationInSeconds`` AWS accepts (12 hours)."""

DEFAULT_POLL_SECONDS = 15.0
"""Seconds between two ``DescribeNotebookInstance`` calls while waiting (AWS takes minutes)."""
DEFAULT_TIMEOUT_SECONDS = 1800.0
"""How long to wait for a notebook instance state before giving up (30 minutes)."""

_NAME_RE = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
_INSTANCE_TYPE_RE = re.compile(r"^ml\.[a-z0-9]+\.[a-z0-9]+$")
_LIFECYCLE_RE = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
_SUBNET_RE = re.compile(r"^subnet-([0-9a-f]{8}|[0-9a-f]{17})$")
_EC2_INSTANCE_RE = re.compile(r"^(i-([0-9a-f]{8}|[0-9a-f]{17})|mi-[0-9a-f]{17})$")
_SSH_USER_RE = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
_REGION_RE = re.compile(r"^[a-z]{2,4}(-[a-z]+)+-\d+$")  # 2 to 4 letters: also eusc-de-east-1 (aws-eusc)

# Final states per wanted state: reaching one of them ends a wait with an error.
_IN_SERVICE_FAILURES = ("Failed", "Stopped", "Stopping", "Deleting")
_STOPPED_FAILURES = ("Failed", "Deleting")


# --------------------------------------------------------------------------- errors


# --------------------------------------------------------------------------- helpers


def _check_name(name: Any, field: str = "name (NotebookInstanceName)") -> str:
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise NotebookInputError(
            field, name, "1 to 63 letters, digits and hyphens, starting and ending with a letter or digit",
            "Choose a name such as 'IFSM-Notebook-Instance'")
    return name


def _positive(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise NotebookInputError(field, value, "a number of seconds greater than 0",
                                 f"Pass {field}= a positive number")
    return float(value)


def _profile_of(profile: Any, client: Any = None) -> "VpcProfile":
    """The profile: the one given, else the guard's on ``client``, else $SAFEMAKER_PROFILE."""
    from .profile import resolve_profile

    if profile is None and client is not None:
        guard = installed(client)
        if guard is not None:
            return guard.profile
    return resolve_profile(profile)


def _make_client(sagemaker_client: Any, boto3_session: Any, region: str | None) -> Any:
    if sagemaker_client is not None:
        return sagemaker_client
    if boto3_session is None:
        import boto3

        boto3_session = boto3.Session(region_name=region) if region else boto3.Session()
    return boto3_session.client("sagemaker", region_name=region) if region else \
        boto3_session.client("sagemaker")


def _guarded_client(sagemaker_client: Any, boto3_session: Any, profile: Any) -> Any:
    """A client whose requests the guard decides: ``sagemaker_client`` as it is when it has a guard, else
    that client (or one made from ``boto3_session`` in the profile's region) with the guard installed with
    the profile (the one given, else $SAFEMAKER_PROFILE; none at all raises ``ProfileError``)."""
    if sagemaker_client is not None and installed(sagemaker_client) is not None:
        return sagemaker_client
    prof = _profile_of(profile)
    client = _make_client(sagemaker_client, boto3_session, prof.region)
    install(client, prof)
    return client


def _is_not_found(exc: Exception) -> bool:
    from botocore.exceptions import ClientError

    if not isinstance(exc, ClientError):
        return False
    code, message = aws_error(exc)
    return code in ("ValidationException", "ResourceNotFound") and (
        "RecordNotFound" in message or "does not exist" in message or "not found" in message.lower())


def _describe(client: Any, name: str) -> dict[str, Any] | None:
    """DescribeNotebookInstance, or ``None`` when the instance does not exist."""
    try:
        response = client.describe_notebook_instance(NotebookInstanceName=name)
    except Exception as exc:  # noqa: BLE001 - only "not found" is turned into None
        if _is_not_found(exc):
            return None
        raise
    response.pop("ResponseMetadata", None)
    return response


def _delete_hint(name: str) -> str:
    return (f"Delete it with `safemaker notebook delete {name}` or "
            f"safemaker.notebook.delete_notebook_instance({name!r}).")


# --------------------------------------------------------------------------- progress


class _Display:
    """One line of progress: a task on a caller's rich Progress, our own, or nothing.

    ``total=None``: a spinner with the elapsed time (waiting for a status);
    ``total=<bytes>``: a bar in bytes with the transfer speed, fed by
    :meth:`advance` (boto3's upload ``Callback``).
    """

    def __init__(self, progress: "bool | Progress | None", description: str, total: int | None = None) -> None:
        self._own = None
        self._progress = None
        self._task = None
        if progress is False:
            return
        from rich import progress as rp
        from rich.console import Console

        if isinstance(progress, rp.Progress):
            self._progress = progress
        else:
            console = Console(stderr=True)
            if progress is None and not console.is_terminal:
                return
            columns = ((rp.SpinnerColumn(), rp.TextColumn("{task.description}"), rp.TimeElapsedColumn())
                       if total is None else
                       (rp.TextColumn("{task.description}"), rp.BarColumn(), rp.DownloadColumn(),
                        rp.TransferSpeedColumn()))
            self._own = rp.Progress(*columns, console=console, transient=True)
            self._progress = self._own
            self._own.start()
        self._task = self._progress.add_task(description, total=total)

    def update(self, description: str) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, description=description)

    def advance(self, amount: int) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, amount)

    def close(self) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.remove_task(self._task)
        if self._own is not None:
            self._own.stop()


# --------------------------------------------------------------------------- waiting


def wait_for_notebook_instance(
    name: str,
    status: str = "InService",
    *,
    sagemaker_client: Any = None,
    boto3_session: "boto3.Session | None" = None,
    profile: "VpcProfile | str | None" = None,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    progress: "bool | Progress | None" = None,
) -> dict[str, Any]:
    """Poll ``DescribeNotebookInstance`` until the instance reaches ``status``.

    The first poll is immediate; later ones are ``poll_seconds`` apart.

    Parameters
    ----------
    name : str
        ``NotebookInstanceName``.
    status : {"InService", "Stopped", "Deleted"}, default "InService"
        The state to wait for; ``"Deleted"`` waits until the instance no longer exists.
    sagemaker_client : botocore SageMaker client, optional
        Client to poll with; default: one from ``boto3_session`` (or a new
        ``boto3.Session``) in the profile's region when a profile is given.
    boto3_session : boto3.Session, optional
        Session to create the client from.
    profile : VpcProfile, path or ``ssm:<name>``, optional
        Only its region is used, when no client is given.
    poll_seconds : float, default 15.0
        Seconds between polls (> 0).
    timeout_seconds : float, default 1800.0
        Seconds before giving up (> 0).
    progress : bool, rich.progress.Progress or None, default None
        ``None``: a spinner on stderr when stderr is a terminal; ``True``:
        always; ``False``: none; a ``Progress``: a task is added to it.

    Returns
    -------
    dict
        The last ``DescribeNotebookInstance`` response (``ResponseMetadata``
        removed); ``{}`` for ``"Deleted"``.

    Raises
    ------
    NotebookInputError
        Bad ``name``, ``status``, ``poll_seconds`` or ``timeout_seconds``.
    NotebookInstanceError
        The instance does not exist (while waiting for ``InService`` or
        ``Stopped``), reached ``Failed`` (message carries ``FailureReason``)
        or another state it cannot leave on its own, or the timeout passed.
    botocore.exceptions.ClientError
        Any other error of ``DescribeNotebookInstance``.
    """
    _check_name(name)
    if status not in ("InService", "Stopped", "Deleted"):
        raise NotebookInputError("status", status, "'InService', 'Stopped' or 'Deleted'",
                                 "Pass one of those")
    poll = _positive(poll_seconds, "poll_seconds")
    timeout = _positive(timeout_seconds, "timeout_seconds")
    region = None
    if sagemaker_client is None and profile is not None:
        region = _profile_of(profile).region
    client = _make_client(sagemaker_client, boto3_session, region)
    display = _Display(progress, f"Notebook instance {name}: waiting for {status}")
    try:
        return _wait(client, name, status, poll, timeout, display)
    finally:
        display.close()


def _wait(client: Any, name: str, status: str, poll: float, timeout: float, display: _Display) -> dict[str, Any]:
    start = time.monotonic()
    failures = _IN_SERVICE_FAILURES if status == "InService" else _STOPPED_FAILURES
    last: str | None = None
    while True:
        described = _describe(client, name)
        elapsed = time.monotonic() - start
        if described is None:
            if status == "Deleted":
                return {}
            raise NotebookInstanceError(name, None, f"does not exist (waiting for {status})")
        current = described.get("NotebookInstanceStatus")
        if current != last:
            logger.info("notebook instance %s: %s", name, current)
            last = current
        display.update(f"Notebook instance {name}: {current} (waiting for {status})")
        if current == status:
            return described
        if current in failures and status != "Deleted":
            reason = described.get("FailureReason")
            raise NotebookInstanceError(
                name, current,
                f"is {current} while waiting for {status}" + (f"; FailureReason: {reason}" if reason else ""))
        if elapsed >= timeout:
            raise NotebookInstanceError(
                name, current, f"still {current} after {timeout:g} s (timeout_seconds) waiting for {status}")
        time.sleep(min(poll, timeout - elapsed))


# --------------------------------------------------------------------------- create


def create_closed_notebook_instance(
    name: str,
    instance_type: str = "ml.t3.medium",
    *,
    profile: "VpcProfile | str | None" = None,
    sagemaker_client: Any = None,
    boto3_session: "boto3.Session | None" = None,
    subnet_id: str | None = None,
    lifecycle_config_name: str | None = None,
    install_safemaker: bool = False,
    wheelhouse_uri: str | None = None,
    volume_size_in_gb: int | None = None,
    tags: Mapping[str, str] | None = None,
    wait: bool = True,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    progress: "bool | Progress | None" = None,
    cleanup_on_failure: bool = False,
) -> dict[str, Any]:
    """Create a notebook instance with no direct internet access, in the profile's VPC.

    Sends ``CreateNotebookInstance`` with ``DirectInternetAccess="Disabled"``
    (create-only: it can never be turned off later, F14), ``RootAccess`` =
    ``profile.notebook_root_access``, ``SubnetId`` (the first profile subnet
    unless ``subnet_id`` is given), ``SecurityGroupIds`` = the profile's,
    ``KmsKeyId`` = ``profile.volume_kms_key_id`` (when set) and ``RoleArn`` =
    ``profile.execution_role_arn``, through a guarded client (the guard is
    installed on the client when it has none), then waits for ``InService``.

    Parameters
    ----------
    name : str
        ``NotebookInstanceName``: 1-63 letters, digits and hyphens.
    instance_type : str, default "ml.t3.medium"
        ``InstanceType`` (``ml.<family>.<size>``), the seed's choice by default.
    profile : VpcProfile, path or ``ssm:<name>``, optional
        Default: the profile of the guard already on the client, else
        ``$SAFEMAKER_PROFILE``.
    sagemaker_client : botocore SageMaker client, optional
        Client to use; must be in the profile's region. Guarded here if it is not.
    boto3_session : boto3.Session, optional
        Session to create the client from (default: a new ``boto3.Session``).
    subnet_id : str, optional
        ``SubnetId``; must be one of the profile's subnets (the guard refuses
        any other). Default: ``profile.subnets[0]``.
    lifecycle_config_name : str, optional
        ``LifecycleConfigName`` of an existing notebook instance lifecycle configuration.
    install_safemaker : bool, default False
        Create the lifecycle configuration ``safemaker-<name>`` (cut to 63
        characters) of :func:`lifecycle_config_script` and attach it: safemaker is
        installed offline from the wheelhouse into every kernel environment and
        the guard is on in every kernel. Exclusive with ``lifecycle_config_name``.
        If ``CreateNotebookInstance`` fails, the configuration is deleted again.
    wheelhouse_uri : str, optional
        With ``install_safemaker``: where the wheelhouse is (default
        ``s3://<profile bucket>/safemaker/wheelhouse/``).
    volume_size_in_gb : int, optional
        ``VolumeSizeInGB``, 5 to 16384 (AWS default 5).
    tags : mapping of str to str, optional
        ``Tags`` (key -> value).
    wait : bool, default True
        Wait for ``InService``; when False, return the description right after creation.
    poll_seconds : float, default 15.0
        Seconds between two ``DescribeNotebookInstance`` polls (the first is immediate).
    timeout_seconds : float, default 1800.0
        Seconds to wait for ``InService``.
    progress : bool, rich.progress.Progress or None, default None
        See :func:`wait_for_notebook_instance`.
    cleanup_on_failure : bool, default False
        When waiting fails (``Failed``, timeout, interrupt) after the instance
        was created: delete it (stop, wait, delete) before raising. Otherwise
        the error says it exists and how to delete it.

    Returns
    -------
    dict
        The ``DescribeNotebookInstance`` response (``ResponseMetadata`` removed).

    Raises
    ------
    NotebookInputError
        Bad ``name``, ``instance_type``, ``subnet_id`` shape,
        ``lifecycle_config_name``, ``volume_size_in_gb``, ``tags``, poll or
        timeout values, or a client in another region than the profile.
        Nothing was sent.
    safemaker.errors.ProfileError
        The profile cannot be loaded.
    safemaker.errors.GuardrailViolation
        The request breaks the profile (e.g. ``subnet_id`` outside it); nothing was sent.
    NotebookInstanceError
        The instance reached ``Failed`` (with ``FailureReason``) or did not
        become ``InService`` in time; ``left_behind`` says what exists.
    botocore.exceptions.ClientError
        AWS refused ``CreateNotebookInstance`` (duplicate name, missing
        lifecycle configuration, permissions...); nothing was created.
    """
    _check_name(name)
    if not isinstance(instance_type, str) or not _INSTANCE_TYPE_RE.fullmatch(instance_type):
        raise NotebookInputError("instance_type (InstanceType)", instance_type, "ml.<family>.<size>",
                                 "Pass an instance type such as 'ml.t3.medium'")
    if subnet_id is not None and (not isinstance(subnet_id, str) or not _SUBNET_RE.fullmatch(subnet_id)):
        raise NotebookInputError("subnet_id (SubnetId)", subnet_id, "'subnet-' followed by 8 or 17 hex digits",
                                 "Pass one of the profile's subnets, or none for the first")
    if lifecycle_config_name is not None and (
            not isinstance(lifecycle_config_name, str) or not _LIFECYCLE_RE.fullmatch(lifecycle_config_name)):
        raise NotebookInputError("lifecycle_config_name (LifecycleConfigName)", lifecycle_config_name,
                                 "1 to 63 letters, digits and hyphens", "Pass the lifecycle configuration's name")
    if volume_size_in_gb is not None and (
            isinstance(volume_size_in_gb, bool) or not isinstance(volume_size_in_gb, int)
            or not 5 <= volume_size_in_gb <= 16384):
        raise NotebookInputError("volume_size_in_gb (VolumeSizeInGB)", volume_size_in_gb,
                                 "an integer from 5 to 16384", "Pass a size in GiB, or none for 5")
    if tags is not None and (not isinstance(tags, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in tags.items())):
        raise NotebookInputError("tags (Tags)", tags, "a mapping of str to str", "Pass {'key': 'value'}")
    if install_safemaker and lifecycle_config_name is not None:
        raise NotebookInputError("install_safemaker", install_safemaker,
                                 "False when lifecycle_config_name is given (one lifecycle configuration per "
                                 "instance)", "Drop one of them, or add safemaker's on-start script "
                                 "(safemaker notebook lifecycle-config) to your own configuration")
    if wheelhouse_uri is not None and not install_safemaker:
        raise NotebookInputError("wheelhouse_uri", wheelhouse_uri, "None unless install_safemaker=True",
                                 "Pass install_safemaker=True too")
    poll = _positive(poll_seconds, "poll_seconds")
    timeout = _positive(timeout_seconds, "timeout_seconds")

    if sagemaker_client is not None:
        prof = _profile_of(profile, sagemaker_client)
        client = sagemaker_client
    else:
        prof = _profile_of(profile)
        client = _make_client(None, boto3_session, prof.region)
    client_region = getattr(getattr(client, "meta", None), "region_name", None)
    if client_region != prof.region:
        raise NotebookInputError(
            "sagemaker_client region", client_region, f"the profile's region {prof.region!r}",
            "Create the client with region_name=profile.region: the profile's subnets exist only there")
    if installed(client) is None:
        install(client, prof)

    request: dict[str, Any] = {
        "NotebookInstanceName": name,
        "InstanceType": instance_type,
        "RoleArn": prof.execution_role_arn,
        "DirectInternetAccess": "Disabled",
        "RootAccess": prof.notebook_root_access,
        "SubnetId": subnet_id or prof.subnets[0],
        "SecurityGroupIds": list(prof.security_group_ids),
    }
    if prof.volume_kms_key_id:
        request["KmsKeyId"] = prof.volume_kms_key_id
    if lifecycle_config_name:
        request["LifecycleConfigName"] = lifecycle_config_name
    if volume_size_in_gb is not None:
        request["VolumeSizeInGB"] = volume_size_in_gb
    if tags:
        request["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]

    created_config = None
    if install_safemaker:
        from .notebook_lifecycle import create_lifecycle_config, lifecycle_config_script

        created_config = ("safemaker-" + name)[:63].rstrip("-")
        lifecycle_config_script(prof, wheelhouse_uri=wheelhouse_uri)  # bad input refused before anything is sent
        create_lifecycle_config(created_config, profile=prof, wheelhouse_uri=wheelhouse_uri,
                                sagemaker_client=client)
        request["LifecycleConfigName"] = created_config
    try:
        client.create_notebook_instance(**request)
    except BaseException:
        if created_config is not None:  # nothing half-created: the configuration goes with the failed instance
            try:
                client.delete_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=created_config)
            except Exception:  # noqa: BLE001 - the original error is what matters
                logger.warning("could not delete lifecycle configuration %s", created_config)
        raise
    logger.info("notebook instance %s created (SubnetId %s)", name, request["SubnetId"])
    if not wait:
        return _describe(client, name) or {}
    display = _Display(progress, f"Notebook instance {name}: waiting for InService")
    try:
        return _wait(client, name, "InService", poll, timeout, display)
    except BaseException as exc:
        display.close()
        display = None  # type: ignore[assignment]
        _after_failed_wait(client, name, exc, cleanup_on_failure, poll, timeout, progress)
        raise
    finally:
        if display is not None:
            display.close()


def _after_failed_wait(client: Any, name: str, exc: BaseException, cleanup: bool, poll: float,
                       timeout: float, progress: Any) -> None:
    """Say what was left behind, or delete it when asked (then re-raised by the caller)."""
    if cleanup:
        try:
            delete_notebook_instance(name, sagemaker_client=client, poll_seconds=poll,
                                     timeout_seconds=timeout, progress=progress, missing_ok=True)
            left = "It was deleted (cleanup_on_failure=True)."
        except Exception as cleanup_exc:  # noqa: BLE001 - reported with the original error
            left = (f"Deleting it failed ({type(cleanup_exc).__name__}: {cleanup_exc}); it still exists. "
                    + _delete_hint(name))
    else:
        try:
            described = _describe(client, name)
        except Exception:  # noqa: BLE001
            described = {"NotebookInstanceStatus": "unknown"}
        if described is None:
            left = "It no longer exists."
        else:
            left = (f"It exists (status {described.get('NotebookInstanceStatus')}) and is billed while "
                    f"InService. " + _delete_hint(name))
    if isinstance(exc, NotebookInstanceError):
        exc.left_behind = left
        exc.args = (NotebookInstanceError.fmt.format(name=exc.name, reason=exc.reason,
                                                     left_behind=" " + left),)
    elif hasattr(exc, "add_note"):
        exc.add_note(f"Notebook instance {name!r}: {left}")


# --------------------------------------------------------------------------- delete


def delete_notebook_instance(
    name: str,
    *,
    sagemaker_client: Any = None,
    boto3_session: "boto3.Session | None" = None,
    profile: "VpcProfile | str | None" = None,
    wait: bool = True,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    progress: "bool | Progress | None" = None,
    missing_ok: bool = False,
) -> list[str]:
    """Stop (if running), wait ``Stopped``, delete, and wait until the instance is gone.

    A ``Pending`` or ``Updating`` instance is first waited for (it cannot be
    stopped before); a ``Failed`` or ``Stopped`` one is deleted directly.

    Parameters
    ----------
    name : str
        ``NotebookInstanceName``.
    sagemaker_client, boto3_session, profile
        As in :func:`wait_for_notebook_instance` (the profile only gives the region).
    wait : bool, default True
        Wait until ``DescribeNotebookInstance`` no longer finds it.
    poll_seconds, timeout_seconds, progress
        As in :func:`wait_for_notebook_instance`; the timeout covers the whole deletion.
    missing_ok : bool, default False
        Return ``[]`` instead of raising when the instance does not exist.

    Returns
    -------
    list of str
        The operations sent, in order (``["StopNotebookInstance",
        "DeleteNotebookInstance"]`` for a running instance).

    Raises
    ------
    NotebookInputError
        Bad ``name``, ``poll_seconds`` or ``timeout_seconds``.
    NotebookInstanceError
        The instance does not exist (unless ``missing_ok``), or did not stop
        or disappear within ``timeout_seconds``.
    botocore.exceptions.ClientError
        AWS refused a call (permissions...).
    """
    _check_name(name)
    poll = _positive(poll_seconds, "poll_seconds")
    timeout = _positive(timeout_seconds, "timeout_seconds")
    region = _profile_of(profile).region if (sagemaker_client is None and profile is not None) else None
    client = _make_client(sagemaker_client, boto3_session, region)
    sent: list[str] = []
    start = time.monotonic()
    display = _Display(progress, f"Notebook instance {name}: deleting")
    try:
        while True:
            described = _describe(client, name)
            if described is None:
                if not sent and not missing_ok:
                    raise NotebookInstanceError(name, None, "does not exist; nothing to delete")
                return sent
            status = described.get("NotebookInstanceStatus")
            display.update(f"Notebook instance {name}: {status} (deleting)")
            if status == "InService" and "StopNotebookInstance" not in sent:
                client.stop_notebook_instance(NotebookInstanceName=name)
                sent.append("StopNotebookInstance")
                logger.info("notebook instance %s: stop requested", name)
                continue
            if status in ("Stopped", "Failed") and "DeleteNotebookInstance" not in sent:
                client.delete_notebook_instance(NotebookInstanceName=name)
                sent.append("DeleteNotebookInstance")
                logger.info("notebook instance %s: delete requested", name)
                if not wait:
                    return sent
                continue
            elapsed = time.monotonic() - start
            if elapsed >= timeout:
                raise NotebookInstanceError(
                    name, status, f"still {status} after {timeout:g} s (timeout_seconds) while deleting",
                    "It still exists. " + _delete_hint(name))
            time.sleep(min(poll, timeout - elapsed))
    finally:
        display.close()


# --------------------------------------------------------------------------- presigned URL

@contextmanager
def _redacting_logs() -> Iterator[None]:
    """Make sure the token filter is on botocore's loggers (it stays: see :mod:`safemaker._redact`)."""
    install_log_redaction()
    yield


def presigned_notebook_url(
    name: str,
    session_expiration_seconds: int = SESSION_EXPIRATION_MIN_SECONDS,
    *,
    profile: "VpcProfile | str | None" = None,
    sagemaker_client: Any = None,
    boto3_session: "boto3.Session | None" = None,
) -> str:
    """Get the presigned URL that opens the notebook instance's Jupyter (seed 4.4).

    ``session_expiration_seconds`` is checked before anything is sent. The
    returned URL carries a bearer token (``authToken``): safemaker never logs
    or prints it (botocore's own DEBUG logs of the response are redacted
    while the call runs); use :func:`redact_url` to display it. From outside
    the closed network it only opens through the notebook VPC endpoint
    (``aws.sagemaker.<region>.notebook``), e.g. with :func:`proxy_instructions`.

    Parameters
    ----------
    name : str
        ``NotebookInstanceName``.
    session_expiration_seconds : int, default 1800
        ``SessionExpirationDurationInSeconds``: how long the Jupyter session
        lasts, 1800 to 43200 seconds (30 minutes to 12 hours). The URL itself
        must be opened within 5 minutes.
    profile : VpcProfile, path or ``ssm:<name>``, optional
        The profile the guard decides with, when the client has no guard
        (default ``$SAFEMAKER_PROFILE``); its region is the new client's.
    sagemaker_client : botocore SageMaker client, optional
        Used as it is when it has a guard (:func:`safemaker.install`);
        otherwise the guard is installed on it with the profile.
    boto3_session : boto3.Session, optional
        Session to create the client from when none is given.

    The request always goes through the guard, which follows
    ``NotebookInstanceName`` to ``DescribeNotebookInstance``: a URL of a
    notebook instance that is not closed (direct internet access, outside the
    profile's subnets and security groups, root access the profile does not
    allow) is refused before it is asked for.

    Returns
    -------
    str
        ``AuthorizedUrl``, e.g. ``https://<name>.notebook.<region>.sagemaker.aws?authToken=...``.

    Raises
    ------
    NotebookInputError
        ``session_expiration_seconds`` is not an integer in 1800-43200, or
        ``name`` is malformed; nothing was sent.
    safemaker.errors.ProfileError
        The client has no guard and no profile was given or found in
        ``$SAFEMAKER_PROFILE``; nothing was sent.
    safemaker.errors.GuardrailViolation
        The guard refuses the request (the notebook instance is open, or
        cannot be described); nothing was sent.
    botocore.exceptions.ClientError
        AWS refused the call (unknown instance: ``ValidationException``
        ``RecordNotFound``; permissions...).
    """
    _check_name(name)
    value = session_expiration_seconds
    if isinstance(value, bool) or not isinstance(value, int) or not (
            SESSION_EXPIRATION_MIN_SECONDS <= value <= SESSION_EXPIRATION_MAX_SECONDS):
        raise NotebookInputError(
            "session_expiration_seconds (SessionExpirationDurationInSeconds)", value,
            f"an integer from {SESSION_EXPIRATION_MIN_SECONDS} to {SESSION_EXPIRATION_MAX_SECONDS} "
            "(30 minutes to 12 hours)",
            f"Pass a whole number of seconds in that range, e.g. {SESSION_EXPIRATION_MIN_SECONDS}")
    client = _guarded_client(sagemaker_client, boto3_session, profile)
    with _redacting_logs():
        response = client.create_presigned_notebook_instance_url(
            NotebookInstanceName=name, SessionExpirationDurationInSeconds=value)
    logger.info("presigned URL issued for notebook instance %s (valid 5 minutes, session %d s)", name, value)
    return response["AuthorizedUrl"]


# --------------------------------------------------------------------------- SOCKS proxy (seed 4.4)

BROWSERS: Mapping[str, str] = {
    "chrome-macos": "Google Chrome on macOS",
    "chrome-linux": "Google Chrome on Linux",
    "chrome-windows": "Google Chrome on Windows (cmd.exe)",
    "firefox": "Firefox on any system (settings)",
}
"""Browsers :func:`proxy_instructions` knows, with a description."""

_CHROME = {
    "chrome-macos": r"/Applications/Google\ Chrome.app/Contents/MacOS/Google\ Chrome",
    "chrome-linux": "google-chrome",
    "chrome-windows": r'"C:\Program Files\Google\Chrome\Application\chrome.exe"',
}
HOST_RESOLVER_RULES = "MAP * ~NOTFOUND , EXCLUDE localhost"
"""Chrome ``--host-resolver-rules``: resolve every name through the SOCKS proxy (in the VPC)."""


@dataclass(frozen=True)
class ProxyInstructions:
    """How to open the notebook from a PC outside the closed network (seed 4.4).

    Attributes
    ----------
    ssh_argv : tuple of str
        The SSH command as an argument vector (for ``subprocess``, no shell; ssh
        itself expands a leading ``~`` of the key path).
    ssh_command : str
        The same, as one shell line (values quoted with :func:`shlex.quote`).
    proxy_server : str
        ``socks5://localhost:<local_port>``.
    host_resolver_rules : str
        ``MAP * ~NOTFOUND , EXCLUDE localhost``: names resolve in the VPC.
    browser : str
        Key of :data:`BROWSERS`.
    browser_command : str or None
        The command that starts the browser with the proxy; ``None`` for
        Firefox, which is configured in its settings (:attr:`browser_settings`).
    browser_settings : tuple of str
        The proxy settings in words, one per line.
    local_port : int
        The dynamic forwarding (SOCKS) port on the PC.
    """

    ssh_argv: tuple[str, ...]
    ssh_command: str
    proxy_server: str
    host_resolver_rules: str
    browser: str
    browser_command: str | None
    browser_settings: tuple[str, ...]
    local_port: int

    def text(self) -> str:
        """The instructions to show a user: the SSH command, then the browser settings."""
        lines = [
            "# 1. Open an SSH session over AWS Systems Manager with dynamic port forwarding",
            f"#    (a SOCKS proxy on localhost:{self.local_port}); keep it open:",
            self.ssh_command,
            "",
            f"# 2. Start the browser with that SOCKS proxy ({BROWSERS[self.browser]}):",
        ]
        if self.browser_command is not None:
            lines.append(self.browser_command)
        lines += [f"#    {s}" for s in self.browser_settings]
        lines += ["", "# 3. Open the presigned URL (safemaker notebook url NAME --show) in that browser."]
        return "\n".join(lines)


def proxy_instructions(
    instance_id: str,
    private_key_path: str,
    private_ip: str,
    *,
    local_port: int = 8888,
    ssh_user: str = "ec2-user",
    browser: str = "chrome-macos",
    region: str | None = None,
) -> ProxyInstructions:
    """Fill the seed's access path (part 4.4) with the user's values.

    SSH to an EC2 instance in the VPC through Session Manager (``aws ssm
    start-session --document-name AWS-StartSSHSession`` as ``ProxyCommand``)
    with dynamic port forwarding ``-D <local_port>``, then point the browser
    at ``socks5://localhost:<local_port>`` with names resolved through the
    proxy, so the presigned URL reaches the notebook VPC endpoint.

    Parameters
    ----------
    instance_id : str
        The EC2 instance in the VPC: ``i-`` + 8 or 17 hex digits (or an SSM
        managed instance ``mi-`` + 17 hex).
    private_key_path : str
        Path of the key pair's private key on the PC (OpenSSH format, e.g.
        ``~/.ssh/key.pem``; ``chmod 600`` it). Not a ``.pub`` or PuTTY
        ``.ppk`` file. Its existence is not checked (the command may run elsewhere).
    private_ip : str
        The instance's private IPv4/IPv6 address.
    local_port : int, default 8888
        SOCKS port on the PC, 1024 to 65535.
    ssh_user : str, default "ec2-user"
        Login user (``ec2-user`` on Amazon Linux, ``ubuntu`` on Ubuntu).
    browser : str, default "chrome-macos"
        One of :data:`BROWSERS`.
    region : str, optional
        Adds ``--region`` to ``aws ssm start-session`` (default: the AWS CLI's).

    Returns
    -------
    ProxyInstructions
        Commands and settings; :meth:`ProxyInstructions.text` renders them.

    Raises
    ------
    NotebookInputError
        A malformed value (the message names the parameter, the value and the fix).

    Examples
    --------
    >>> p = proxy_instructions("i-0123456789abcdef0", "~/.ssh/ifsm.pem", "10.0.1.23")
    >>> p.proxy_server
    'socks5://localhost:8888'
    """
    if not isinstance(instance_id, str) or not _EC2_INSTANCE_RE.fullmatch(instance_id):
        raise NotebookInputError("instance_id", instance_id,
                                 "an EC2 instance ID: 'i-' followed by 8 or 17 hex digits (or 'mi-' + 17)",
                                 "Copy the Instance ID of the EC2 instance in the VPC from the console or "
                                 "`aws ec2 describe-instances`")
    _check_key_path(private_key_path)
    ip = _check_private_ip(private_ip)
    if isinstance(local_port, bool) or not isinstance(local_port, int) or not 1024 <= local_port <= 65535:
        raise NotebookInputError("local_port", local_port, "an integer from 1024 to 65535",
                                 "Ports below 1024 need root; use the seed's 8888 or another free port")
    if not isinstance(ssh_user, str) or not _SSH_USER_RE.fullmatch(ssh_user):
        raise NotebookInputError("ssh_user", ssh_user, "a login name (lowercase letters, digits, '_', '-')",
                                 "Use 'ec2-user' on Amazon Linux or 'ubuntu' on Ubuntu")
    if browser not in BROWSERS:
        raise NotebookInputError("browser", browser, "one of " + ", ".join(repr(b) for b in BROWSERS),
                                 "Pick the browser you will open the notebook with")
    if region is not None and (not isinstance(region, str) or not _REGION_RE.fullmatch(region)):
        raise NotebookInputError("region", region, "an AWS region name such as 'us-east-1'",
                                 "Pass the region of the EC2 instance, or none for the AWS CLI's default")

    ssm = f"aws ssm start-session --target {instance_id} --document-name AWS-StartSSHSession"
    if region:
        ssm += f" --region {region}"
    proxy_command = f"sh -c '{ssm}'"
    destination = f"{ssh_user}@{ip}"
    argv = ("ssh", "-o", f"ProxyCommand={proxy_command}", "-i", private_key_path, "-D", str(local_port),
            destination)
    # The ProxyCommand holds only validated characters, so the seed's quoting is exact and safe.
    command = (f'ssh -o ProxyCommand="{proxy_command}" -i {_quote_path(private_key_path)} '
               f"-D {local_port} {shlex.quote(destination)}")
    proxy_server = f"socks5://localhost:{local_port}"
    if browser == "firefox":
        browser_command = None
        settings = (
            "Settings > Network Settings > Manual proxy configuration:",
            f"SOCKS Host: localhost   Port: {local_port}   SOCKS v5",
            "Check 'Proxy DNS when using SOCKS v5' (network.proxy.socks_remote_dns = true)",
        )
    else:
        browser_command = (f'{_CHROME[browser]} --proxy-server="{proxy_server}" '
                           f'--host-resolver-rules="{HOST_RESOLVER_RULES}"')
        settings = ("Quit every running Chrome window first: a running Chrome ignores these options.",)
    return ProxyInstructions(
        ssh_argv=argv, ssh_command=command, proxy_server=proxy_server,
        host_resolver_rules=HOST_RESOLVER_RULES, browser=browser, browser_command=browser_command,
        browser_settings=settings, local_port=local_port,
    )


def _quote_path(path: str) -> str:
    """shlex-quote a path, leaving a leading ``~/`` outside the quotes so the shell expands it."""
    if path.startswith("~/") and len(path) > 2:
        return "~/" + shlex.quote(path[2:])
    return shlex.quote(path)


def _check_key_path(path: Any) -> None:
    fix = "Pass the path of the private key file downloaded with the key pair, e.g. ~/.ssh/ifsm.pem"
    if not isinstance(path, str) or not path.strip():
        raise NotebookInputError("private_key_path", path, "a file path", fix)
    if any(c in path for c in "\x00\n\r"):
        raise NotebookInputError("private_key_path", path, "a path without NUL or line breaks", fix)
    if path.endswith(("/", "\\")) or path in (".", "..", "~"):
        raise NotebookInputError("private_key_path", path, "the path of a file, not a directory", fix)
    lowered = path.lower()
    if lowered.endswith(".pub"):
        raise NotebookInputError("private_key_path", path, "the private key, not the public key (.pub)",
                                 "Drop the .pub suffix: ssh -i takes the private key")
    if lowered.endswith(".ppk"):
        raise NotebookInputError("private_key_path", path, "an OpenSSH private key, not a PuTTY .ppk file",
                                 "Convert it: puttygen key.ppk -O private-openssh -o key.pem")


def _check_private_ip(value: Any) -> str:
    fix = "Copy the instance's Private IPv4 address (not its public one) from the console"
    try:
        ip = ipaddress.ip_address(value.strip() if isinstance(value, str) else value)
    except (ValueError, TypeError):
        raise NotebookInputError("private_ip", value, "an IPv4 or IPv6 address", fix) from None
    if not isinstance(value, str):
        raise NotebookInputError("private_ip", value, "an IP address as a str", fix)
    if ip.is_global or ip.is_loopback or ip.is_multicast or ip.is_unspecified or ip.is_link_local:
        raise NotebookInputError("private_ip", value, "a private address inside the VPC", fix)
    return str(ip)


# --------------------------------------------------------------------------- lifecycle configuration (issue 12)

_LIFECYCLE_NAMES = frozenset({"lifecycle_config_script", "create_lifecycle_config", "default_wheelhouse_uri",
                              "build_wheelhouse", "upload_wheelhouse"})


# The lifecycle-configuration helpers of :mod:`safemaker.notebook_lifecycle`, re-exported on first use
# (that module imports this one).
__getattr__ = _lazy.attach(__name__, {n: ("safemaker.notebook_lifecycle", n) for n in _LIFECYCLE_NAMES})[0]


__all__ += [
    "lifecycle_config_script",
    "create_lifecycle_config",
    "default_wheelhouse_uri",
    "build_wheelhouse",
    "upload_wheelhouse",
]
