"""The public operations: :func:`plan`, :func:`up`, :func:`down`, and :func:`check_profile_path`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from safemaker.errors import ProfileFieldError, StackConfigError
from safemaker.network.infra.calls import RetryPolicy, _Ctx
from safemaker.network.infra.config import StackConfig, _as_config, _stack_name
from safemaker.network.infra.reconcile import _reconcile
from safemaker.network.infra.results import DownResult, Plan, ProgressCallback, UpResult
from safemaker.network.infra.teardown import _teardown


def plan(
    config: StackConfig | str,
    *,
    operation: Literal["up", "down"] = "up",
    ec2_client: Any,
    iam_client: Any,
    ssm_client: Any = None,
    retry: RetryPolicy | None = None,
) -> Plan:
    """What :func:`up` or :func:`down` would do, with read-only calls only.

    Parameters
    ----------
    config : StackConfig or str
        The stack (for ``down``, its name is enough).
    operation : {"up", "down"}, default "up"
    ec2_client, iam_client : botocore clients
        EC2 in the stack's region, IAM. Only ``Describe*``, ``List*`` and
        ``Get*`` calls are made (none starting with :data:`MUTATING_PREFIXES`).
    ssm_client : botocore SSM client, optional
        To read the admin host's AMI parameter (``up`` with ``admin_host``).
    retry : RetryPolicy, optional

    Returns
    -------
    Plan
        Every action in execution order, ``keep`` included.

    Raises
    ------
    StackConfigError
        ``operation`` is neither ``"up"`` nor ``"down"``, or ``config`` is
        a name that is not a valid stack name.
    InfraError
        A read failed after retries, or the stack is ambiguous (two VPCs
        carry its tag), or a same-named IAM resource lacks the tag.
    """
    if operation not in ("up", "down"):
        raise StackConfigError([ProfileFieldError("operation", operation, "'up' or 'down'")])
    if operation == "up":
        cfg = _as_config(config)
        ctx = _Ctx(cfg.name, ec2=ec2_client, iam=iam_client, ssm=ssm_client, apply=False, retry=retry,
                   progress=None)
        _reconcile(ctx, cfg, None)
        return Plan(cfg.name, "up", tuple(ctx.actions))
    stack = _stack_name(config)
    ctx = _Ctx(stack, ec2=ec2_client, iam=iam_client, apply=False, retry=retry, progress=None)
    result = _teardown(ctx)
    return Plan(stack, "down", tuple(ctx.actions), result.remaining)


def check_profile_path(profile_path: str | Path) -> None:
    """Check, without writing the profile, that :func:`up` could write it to ``profile_path``.

    Parameters
    ----------
    profile_path : str or pathlib.Path
        Where the profile would be written.

    Raises
    ------
    StackConfigError
        The suffix is not ``.toml``, ``.yaml``, ``.yml`` or ``.json``; the path
        is a directory; its directory does not exist; or this user cannot
        write there: besides the permission bits, a temporary file is created
        and removed in the directory (``/proc``, ``/sys`` and read-only mounts
        refuse it even for root). The error's field is ``profile_path``.
    """
    from safemaker.profile import SUFFIXES

    path = Path(profile_path)
    if path.suffix.lower() not in SUFFIXES:
        raise StackConfigError([ProfileFieldError(
            "profile_path", str(profile_path), "a path ending in .toml, .yaml, .yml or .json")])
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        problem = "a directory"
    elif not parent.is_dir():
        problem = f"a path in {str(parent)!r}, which is not an existing directory"
    elif not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        problem = "a path that this user cannot write"
    else:
        # os.access trusts permission bits: root "may write" /proc, /sys or a read-only mount. Probe for real.
        problem = _probe_write(parent, path)
        if problem is None:
            return
    raise StackConfigError([ProfileFieldError(
        "profile_path", str(path),
        f"a file path in an existing, writable directory (found {problem}); create the directory or "
        "choose another path")])


def _probe_write(parent: Path, path: Path) -> str | None:
    """``None`` when a file can be created (and removed) in ``parent`` and an existing ``path`` opened for
    appending (nothing written to it); else why not."""
    import tempfile

    try:
        with tempfile.NamedTemporaryFile(dir=parent, prefix=".safemaker-probe-", suffix=path.suffix):
            pass
        if path.exists():
            with path.open("a", encoding="utf-8"):
                pass
    except OSError as exc:
        return f"a directory where no file can be created: {exc.strerror or exc}"
    return None


def up(
    config: StackConfig,
    *,
    ec2_client: Any,
    iam_client: Any,
    ssm_client: Any = None,
    profile_path: str | Path | None = None,
    retry: RetryPolicy | None = None,
    progress: ProgressCallback | None = None,
) -> UpResult:
    """Build (or complete) the stack's closed network, IAM policies and role; write the profile.

    Idempotent: resources are found by their ``safemaker:stack`` tag (IAM
    ones by name, then checked for the tag), so a second run creates
    nothing, and a run after a partial failure creates only what is missing.

    Parameters
    ----------
    config : StackConfig
    ec2_client : botocore EC2 client
        In ``config.region``. Its retry mode retries throttling and transient
        errors (:data:`CLIENT_CONFIG` is what the CLI uses).
    iam_client : botocore IAM client
    ssm_client : botocore SSM client, optional
        Needed only for ``admin_host`` without ``admin_ami`` (reads the AMI parameter).
    profile_path : str or pathlib.Path, optional
        Where to write the resulting profile (``.toml``, ``.yaml``, ``.yml``, ``.json``).
    retry : RetryPolicy, optional
        Eventual-consistency retries and waiter settings (default :class:`RetryPolicy`).
    progress : callable, optional
        Called with each :class:`Action` once it is done.

    Returns
    -------
    UpResult
        The profile, every action, resource IDs, policy ARNs.

    Raises
    ------
    StackConfigError
        ``config`` is not a :class:`StackConfig`.
    InfraError
        An AWS call failed after retries (re-run to resume), a same-named IAM
        resource lacks the stack's tag, fewer than two Availability Zones, or
        a VPC endpoint failed.
    safemaker.errors.ProfileError
        ``profile_path`` has an unsupported suffix or cannot be written.

    References
    ----------
    Amazon EC2 API Reference: CreateVpc, ModifyVpcAttribute, CreateDhcpOptions,
    AssociateDhcpOptions, CreateSubnet, CreateRouteTable, AssociateRouteTable,
    CreateSecurityGroup, AuthorizeSecurityGroupIngress/Egress, CreateVpcEndpoint,
    RunInstances. IAM API Reference: CreatePolicy, CreatePolicyVersion,
    CreateRole, AttachRolePolicy, CreateInstanceProfile.
    """
    cfg = _as_config(config)
    if profile_path is not None:
        check_profile_path(profile_path)  # before any call: never build a stack, then fail to say so
    ctx = _Ctx(cfg.name, ec2=ec2_client, iam=iam_client, ssm=ssm_client, apply=True, retry=retry,
               progress=progress)
    return _reconcile(ctx, cfg, Path(profile_path) if profile_path is not None else None)


def down(
    stack: StackConfig | str,
    *,
    ec2_client: Any,
    iam_client: Any,
    retry: RetryPolicy | None = None,
    progress: ProgressCallback | None = None,
) -> DownResult:
    """Delete the stack's resources, in dependency order, and only those with its tag.

    Order (seed part 5): admin EC2 instance (terminated, waited), VPC
    endpoints (deleted, waited), subnets, route table, security group, VPC,
    DHCP options, instance profile, roles (policies detached first), policies
    (all versions). A resource that something outside the stack still uses
    (a network interface of a notebook, an endpoint created by hand...) is
    kept and reported in ``DownResult.remaining``; a resource without the
    stack's tag is never deleted, even when its name matches. Throttling and
    transient errors are retried by botocore (the clients' retry mode, see
    :data:`CLIENT_CONFIG`), ``DependencyViolation`` and ``DeleteConflict`` by
    :class:`RetryPolicy`; after any failure, re-running finishes the job.

    Parameters
    ----------
    stack : StackConfig or str
        The stack or its name.
    ec2_client, iam_client : botocore clients
    retry : RetryPolicy, optional
    progress : callable, optional
        Called with each :class:`Action` once it is done.

    Returns
    -------
    DownResult
        ``complete`` is True when nothing of the stack is left.

    Raises
    ------
    StackConfigError
        ``stack`` is not a valid stack name.
    InfraError
        An AWS call failed after retries; re-run to resume.
    """
    name = _stack_name(stack)
    ctx = _Ctx(name, ec2=ec2_client, iam=iam_client, apply=True, retry=retry, progress=progress)
    return _teardown(ctx)
