"""Organization scope: audit many accounts and regions, in parallel, as one merged stream of findings.

- **Accounts**: ``"all"`` lists the organization's accounts with AWS
  Organizations ``ListAccounts`` (paginated) and keeps the ``ACTIVE`` ones;
  or explicit 12-digit account IDs.
- **Role**: in each account, STS ``AssumeRole`` into
  ``arn:<partition>:iam::<account>:role/<role-name>``; the partition comes
  from botocore's partition data for the home region (``aws``, ``aws-cn``,
  ``aws-us-gov``...). The credentials are botocore's
  ``RefreshableCredentials`` fed by its ``AssumeRoleCredentialFetcher``
  (:func:`refreshable_role_credentials`): an audit longer than the role's
  session (1 hour by default) assumes the role again before it expires.
- **Regions**: ``"all"`` is every region enabled in that account (EC2
  ``DescribeRegions``, which lists only enabled regions: opt-in regions
  not opted in are left out, as no resource can exist there) intersected with
  the SageMaker regions of botocore's endpoint data for the partition; or
  explicit region names.
- **Parallel**: accounts and (account, region) pairs run in a bounded thread
  pool (``max_parallel``), each with its own Describe pool (``max_workers``);
  every client uses botocore's adaptive retry mode, which backs off on
  throttling and limits the client's own rate.
- **Nothing is silently skipped**: an account whose role cannot be assumed,
  whose regions cannot be listed, or an organization whose accounts cannot be
  listed gives an ``UNKNOWN`` finding (rule ``SM-REFERENCE``) naming the call,
  the error and the fix; a region or type that fails is ``UNKNOWN`` as in
  :func:`safemaker.audit.run`. Every finding carries its account.

AWS API reference: Organizations ``ListAccounts``; STS ``AssumeRole``; EC2
``DescribeRegions``; then the SageMaker calls of :func:`safemaker.audit.run`.
"""

from __future__ import annotations

import queue
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterable, Iterator, Sequence

import botocore.config
import botocore.credentials
import botocore.session

from ..errors import AuditInputError
from ..rules import Guardrail
from .auditor import _Auditor
from .coverage import _resolve_types
from .findings import RULE_SEVERITY, Finding, ProgressEvent
from .fixes import _error_reason
from .regions import _resolve_regions, sagemaker_regions
from .runner import _run, pool_connections
from .since import parse_since
from .stats import AuditStats

__all__ = ["run_organization", "role_arn", "partition_of", "enabled_sagemaker_regions", "assumed_session",
           "refreshable_role_credentials", "DEFAULT_ROLE_SESSION_NAME"]

DEFAULT_ROLE_SESSION_NAME = "safemaker-audit"
_ACCOUNT_RE = re.compile(r"^\d{12}$")
_ROLE_NAME_RE = re.compile(r"^(?:/[\x21-\x7e]*/)?[\w+=,.@-]{1,64}$")  # IAM: role name, optionally with a path
_RETRIES = {"mode": "adaptive", "total_max_attempts": 8}  # botocore: every attempt, the first included


def partition_of(region: str) -> str:
    """The partition of ``region`` from botocore's partition data (``"aws"``, ``"aws-cn"``, ``"aws-us-gov"``...)."""
    return botocore.session.get_session().get_partition_for_region(region)


def role_arn(account_id: str, role_name: str, partition: str = "aws") -> str:
    """``arn:<partition>:iam::<account>:role/<role-name>`` (a path in ``role_name`` is kept: ``/path/Name``)."""
    name = role_name.lstrip("/")
    return f"arn:{partition}:iam::{account_id}:role/{name}"


_LOADER: Any = None
_LOADER_LOCK = threading.Lock()


def _shared_loader() -> Any:
    global _LOADER
    with _LOADER_LOCK:
        if _LOADER is None:
            import botocore.loaders

            _LOADER = botocore.loaders.create_loader()
        return _LOADER


class _Given(botocore.credentials.CredentialProvider):
    """A credential provider that hands out one credentials object (refreshable: it refreshes itself)."""

    METHOD = "assume-role"
    CANONICAL_NAME = "AssumeRole"

    def __init__(self, credentials: botocore.credentials.Credentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> botocore.credentials.Credentials:
        return self._credentials


def assumed_session(credentials: "dict[str, str] | botocore.credentials.Credentials", region: str) -> Any:
    """A boto3 session with an assumed role's credentials, sharing one botocore data loader.

    Every account's session would otherwise load and keep its own copy of the
    service models (SageMaker's alone is megabytes): with a shared loader an
    organization audit holds one copy, whatever the number of accounts.

    Parameters
    ----------
    credentials : dict or botocore.credentials.Credentials
        ``Credentials`` of an STS ``AssumeRole`` answer (``AccessKeyId``,
        ``SecretAccessKey``, ``SessionToken``: fixed until they expire), or a
        botocore credentials object such as the
        :class:`botocore.credentials.RefreshableCredentials` of
        :func:`refreshable_role_credentials` (re-assumed before they expire).
    region : str
        Default region of the session.

    Returns
    -------
    boto3.session.Session
    """
    import boto3

    core = botocore.session.get_session()
    core.register_component("data_loader", _shared_loader())
    if isinstance(credentials, botocore.credentials.Credentials):
        core.register_component("credential_provider", botocore.credentials.CredentialResolver([_Given(credentials)]))
        return boto3.session.Session(region_name=region, botocore_session=core)
    return boto3.session.Session(aws_access_key_id=credentials["AccessKeyId"],
                                 aws_secret_access_key=credentials["SecretAccessKey"],
                                 aws_session_token=credentials["SessionToken"], region_name=region,
                                 botocore_session=core)


def refreshable_role_credentials(session: Any, role: str, *, region: str, role_session_name: str,
                                 external_id: str | None = None, config: Any = None,
                                 on_call: Callable[[], None] | None = None) -> botocore.credentials.RefreshableCredentials:
    """Assume ``role`` now, and again whenever its credentials come near expiry (long organization audits).

    botocore's own machinery, as for an ``assume_role`` profile:
    :class:`botocore.credentials.AssumeRoleCredentialFetcher` calls STS
    ``AssumeRole`` with the session's credentials (frozen at each call, so
    refreshable source credentials are followed too), and
    :class:`botocore.credentials.RefreshableCredentials` calls it again before
    the answer's ``Expiration`` (15 minutes before: botocore's advisory
    window; AssumeRole's default duration is 1 hour).

    Parameters
    ----------
    session : boto3.session.Session
        The caller's session (its ``client("sts")`` and ``get_credentials()``).
    role : str
        ARN of the role (:func:`role_arn`).
    region : str
        Region of the STS client.
    role_session_name : str
        ``RoleSessionName`` (shows in CloudTrail).
    external_id : str, optional
        ``ExternalId`` when the role's trust policy requires one.
    config : botocore.config.Config, optional
        Config of the STS clients.
    on_call : callable, optional
        Called before each ``AssumeRole`` call (to count it).

    Returns
    -------
    botocore.credentials.RefreshableCredentials
        Method ``"assume-role"``.

    Raises
    ------
    botocore.exceptions.ClientError
        The first ``AssumeRole`` failed (``AccessDenied``...); a failed refresh
        raises from the call that needed it.
    """
    def client_creator(service: str, **kwargs: Any) -> Any:
        return session.client(service, region_name=region, config=config, **kwargs)

    extra: dict[str, Any] = {"RoleSessionName": role_session_name}
    if external_id:
        extra["ExternalId"] = external_id
    fetcher = botocore.credentials.AssumeRoleCredentialFetcher(
        client_creator, session.get_credentials(), role, extra_args=extra)

    def fetch() -> dict[str, Any]:
        if on_call is not None:
            on_call()
        return fetcher.fetch_credentials()

    return botocore.credentials.RefreshableCredentials.create_from_metadata(fetch(), fetch, "assume-role")


def _default_session_factory(credentials: Any, region: str) -> Any:
    import boto3

    if credentials is None:
        return boto3.session.Session(region_name=region)
    return assumed_session(credentials, region)


def _enabled(answer: Any, sm_regions: frozenset[str]) -> list[str]:
    # EC2 DescribeRegions: OptInStatus is opt-in-not-required | opted-in | not-opted-in (not enabled)
    return sorted(r["RegionName"] for r in answer.get("Regions", [])
                  if r.get("OptInStatus", "opt-in-not-required") != "not-opted-in" and r["RegionName"] in sm_regions)


def enabled_sagemaker_regions(session: Any, home: str) -> list[str]:
    """Regions enabled in the session's account that have SageMaker (EC2 ``DescribeRegions`` ∩ botocore's data).

    Parameters
    ----------
    session : boto3.session.Session
        The account's session.
    home : str
        Region to call EC2 in; its partition's SageMaker regions are kept.

    Returns
    -------
    list of str
        Sorted region names.

    Raises
    ------
    botocore.exceptions.ClientError
        ``DescribeRegions`` failed (``ec2:DescribeRegions`` not granted...).
    """
    sm_regions = frozenset(botocore.session.get_session().get_available_regions(
        "sagemaker", partition_name=partition_of(home)))
    answer = session.client("ec2", region_name=home).describe_regions(AllRegions=False)
    return _enabled(answer, sm_regions)


def _account_unknown(account: str, region: str, arn: str, call: str, reason: str, fix: str,
                     kind: str = "account") -> Finding:
    return Finding(
        rule_id=Guardrail.REFERENCE.value, status="UNKNOWN", severity=RULE_SEVERITY[Guardrail.REFERENCE.value],
        resource_type=kind, resource_arn=arn, resource_name=account, region=region, path=call, found=reason,
        required="a successful call", required_text="an account that can be audited",
        fix=fix + ": nothing in it was checked, and it is not assumed compliant", fix_action="investigate",
        account=account if _ACCOUNT_RE.match(account) else None)


def run_organization(profile: Any, *, accounts: Sequence[str] | str = "all", role_name: str,
                     regions: Sequence[str] | str | None = None, boto3_session: Any = None,
                     session_factory: Callable[[Any, str], Any] | None = None,
                     since: Any = None, resource_types: Iterable[str] | None = None, max_workers: int = 8,
                     max_parallel: int = 4, progress: Callable[[ProgressEvent], None] | None = None,
                     active_only: bool = False, stats: AuditStats | None = None, use_search: bool = True,
                     role_session_name: str = DEFAULT_ROLE_SESSION_NAME,
                     external_id: str | None = None,
                     on_session: Callable[[str, Any], None] | None = None) -> Iterator[Finding]:
    """Audit every account and region of an organization; yield every finding, each with its account.

    Parameters
    ----------
    profile : VpcProfile, str or None
        As for :func:`safemaker.audit.run` (the same profile checks every account).
    accounts : "all" or sequence of str, default "all"
        ``"all"``: the ``ACTIVE`` accounts of ``ListAccounts`` (the caller must
        be the management or a delegated administrator account); else 12-digit IDs.
    role_name : str
        Role assumed in each account (``SafemakerAudit``, or ``/path/SafemakerAudit``).
    regions : "all", sequence of str or None
        ``"all"``: each account's enabled SageMaker regions; ``None``: the
        profile's region.
    boto3_session : boto3.session.Session, optional
        The caller's session (Organizations and STS calls). Default: a new one.
    session_factory : callable, optional
        ``factory(credentials, region)`` -> session for an assumed role
        (``credentials``: the :class:`botocore.credentials.RefreshableCredentials`
        of :func:`refreshable_role_credentials`; ``None`` for the caller's own
        session). Default: :func:`assumed_session`.
    since, resource_types, active_only, use_search
        As for :func:`safemaker.audit.run`.
    max_workers : int, default 8
        Describe threads per (account, region) (1 to 64).
    max_parallel : int, default 4
        Accounts and (account, region) pairs audited at once (1 to 64).
    progress : callable, optional
        Called with :class:`ProgressEvent` (serialised by a lock, from worker threads).
    stats : AuditStats, optional
        Filled with every call (``ListAccounts``, ``AssumeRole`` including the
        refreshes, ``DescribeRegions``, SageMaker's) and resources checked.
    role_session_name : str, default "safemaker-audit"
        ``RoleSessionName`` of each ``AssumeRole`` (shows in CloudTrail).
    external_id : str, optional
        ``ExternalId`` of each ``AssumeRole`` when the roles' trust policies require one.
    on_session : callable, optional
        Called with (account, session) for each role assumed (to send that
        account's findings to Security Hub with its own credentials).

    Yields
    ------
    Finding
        As :func:`safemaker.audit.run`, merged over accounts and regions (in
        completion order), plus an ``UNKNOWN`` finding per account or
        organization that could not be audited.

    Raises
    ------
    AuditInputError
        A bad ``accounts`` (not ``all`` or 12-digit IDs), ``role_name``,
        ``regions``, ``max_parallel``, ``max_workers``, ``since`` or
        ``resource_types``; before any request.
    """
    from ..profile import VpcProfile, resolve_profile

    for name, value in (("max_workers", max_workers), ("max_parallel", max_parallel)):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 64:
            raise AuditInputError(name, value, "an integer from 1 to 64")
    if not isinstance(role_name, str) or not _ROLE_NAME_RE.match(role_name):
        raise AuditInputError("role_name", role_name, "an IAM role name (letters, digits and +=,.@_-, at most 64), "
                              "optionally with a path (/path/Name)")
    account_list: list[str] | None
    if isinstance(accounts, str):
        accounts = [accounts]
    accounts = list(accounts)
    if accounts == ["all"]:
        account_list = None
    else:
        account_list = []
        for i, acct in enumerate(accounts):
            if not isinstance(acct, str) or not _ACCOUNT_RE.match(acct):
                raise AuditInputError(f"accounts[{i}]", acct, "'all' alone, or 12-digit AWS account IDs")
            if acct not in account_list:
                account_list.append(acct)
        if not account_list:
            raise AuditInputError("accounts", accounts, "'all' or at least one 12-digit account ID")
    prof = profile if isinstance(profile, VpcProfile) else resolve_profile(profile)
    kinds = _resolve_types(resource_types)
    since_dt = parse_since(since)
    home = prof.region
    partition = partition_of(home)
    all_regions = regions == "all" or (not isinstance(regions, str) and regions is not None
                                        and list(regions) == ["all"])
    explicit: tuple[str, ...] | None = None
    if not all_regions:
        explicit = _resolve_regions(regions, prof)
    stats = stats if stats is not None else AuditStats()
    factory = session_factory or _default_session_factory
    base = boto3_session if boto3_session is not None else factory(None, home)
    config = botocore.config.Config(retries=dict(_RETRIES),
                                    max_pool_connections=pool_connections(max_workers, len(kinds)))
    lock = threading.Lock()

    def progress_locked(event: ProgressEvent) -> None:
        if progress is not None:
            with lock:
                progress(event)

    return _organization(prof, kinds, since_dt, active_only, use_search, stats, account_list, role_name,
                         explicit, base, factory, config, partition, home, max_workers, max_parallel,
                         progress_locked if progress else None, role_session_name, external_id, on_session)


def _organization(prof: Any, kinds: Sequence[str], since: Any, active_only: bool, use_search: bool,
                  stats: AuditStats, account_list: list[str] | None, role_name: str,
                  explicit: tuple[str, ...] | None, base: Any, factory: Callable[..., Any], config: Any,
                  partition: str, home: str, max_workers: int, max_parallel: int,
                  progress: Callable[[ProgressEvent], None] | None, role_session_name: str,
                  external_id: str | None, on_session: Callable[[str, Any], None] | None) -> Iterator[Finding]:
    if account_list is None:
        org = base.client("organizations", region_name=home, config=config)
        account_list = []
        try:
            for page in org.get_paginator("list_accounts").paginate():
                stats.count("ListAccounts")
                for acct in page.get("Accounts", []):
                    state = acct.get("State") or acct.get("Status")
                    if state == "ACTIVE":
                        account_list.append(acct["Id"])
        except Exception as exc:
            stats.count("ListAccounts")
            yield _account_unknown(
                "*", home, f"arn:{partition}:organizations::*:account/*", "ListAccounts()", _error_reason(exc),
                "the accounts of the organization could not be listed: run the audit from the management account "
                "or a delegated administrator with organizations:ListAccounts, or name the accounts (--accounts ID)",
                kind="organization")
            return

    sm_regions = frozenset(botocore.session.get_session().get_available_regions("sagemaker", partition_name=partition))
    out: queue.Queue[Any] = queue.Queue(maxsize=10_000)
    stop = threading.Event()
    pending = [0]
    pending_lock = threading.Lock()
    _DONE = object()

    def put(item: Any) -> None:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def audit_region(account: str, session: Any, region: str) -> None:
        try:
            client = session.client("sagemaker", region_name=region, config=config)
            auditor = _Auditor(prof, {region: client}, since=since, active_only=active_only, progress=progress,
                               account_id=account, stats=stats, use_search=use_search)
            for f in _run(auditor, [region], kinds, max_workers):
                if stop.is_set():
                    return
                put(f)
        except Exception as exc:  # pragma: no cover - _run turns call failures into findings already
            put(_account_unknown(account, region, f"arn:{partition}:sagemaker:{region}:{account}:*",
                                 f"audit({region})", _error_reason(exc), "the region could not be audited"))
        finally:
            put(_DONE)

    def audit_account(account: str) -> None:
        arn = role_arn(account, role_name, partition)
        try:
            try:
                credentials = refreshable_role_credentials(
                    base, arn, region=home, role_session_name=role_session_name, external_id=external_id,
                    config=config, on_call=lambda: stats.count("AssumeRole"))
            except Exception as exc:
                put(_account_unknown(
                    account, home, arn, f"AssumeRole(RoleArn={arn!r})", _error_reason(exc),
                    f"role {role_name} could not be assumed in account {account}: create it there with a trust "
                    "policy that lets the auditing principal call sts:AssumeRole (and the ExternalId, if one is "
                    "required), give it the actions of `safemaker.audit.required_actions()` and "
                    "ec2:DescribeRegions, or leave the account out (--accounts)"))
                return
            session = factory(credentials, home)
            if on_session is not None:
                on_session(account, session)
            if explicit is not None:
                region_list = list(explicit)
            else:
                ec2 = session.client("ec2", region_name=home, config=config)
                stats.count("DescribeRegions")
                try:
                    answer = ec2.describe_regions(AllRegions=False)
                except Exception as exc:
                    put(_account_unknown(
                        account, home, arn, "DescribeRegions(AllRegions=False)", _error_reason(exc),
                        f"the enabled regions of account {account} could not be listed: grant ec2:DescribeRegions "
                        f"to {role_name}, or name the regions (--region)"))
                    return
                region_list = _enabled(answer, sm_regions)
            with pending_lock:
                pending[0] += len(region_list)
            for region in region_list:
                regions_pool.submit(audit_region, account, session, region)
        finally:
            put(_DONE)

    with ThreadPoolExecutor(max_parallel, thread_name_prefix="safemaker-org") as accounts_pool, \
            ThreadPoolExecutor(max_parallel, thread_name_prefix="safemaker-org-region") as regions_pool:
        pending[0] = len(account_list)
        for account in account_list:
            accounts_pool.submit(audit_account, account)
        try:
            done = 0
            while True:
                with pending_lock:
                    if done >= pending[0]:
                        break
                item = out.get()
                if item is _DONE:
                    done += 1
                    continue
                yield item
        finally:
            stop.set()
