"""An audit run: :func:`run` checks its arguments, makes the clients and streams the findings.

Several (region, type) pairs are listed at once, each with its ``Search``
pages alongside its List pages, and the listed resources go to one pool of
Describe threads (:func:`_run`), or to forked worker processes
(:mod:`safemaker.audit._processes`); :class:`~safemaker.audit.auditor._Auditor`
does the work on each resource. :func:`pool_connections` sizes the clients'
HTTP connection pools to match.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, Sequence

import botocore.config

from ..errors import AuditInputError
from .auditor import _Auditor, _Item, _record_of
from .coverage import AUDIT_ORDER, _resolve_types
from .findings import Finding, ProgressEvent
from .regions import _resolve_regions
from .since import parse_since
from .stats import AuditStats

if TYPE_CHECKING:  # pragma: no cover
    from ..profile import VpcProfile
    from ._processes import ProcessPool

__all__ = ["run", "pool_connections"]


def _make_clients(boto3_session: Any, regions: Sequence[str], max_workers: int) -> dict[str, Any]:
    if boto3_session is None:
        import boto3

        boto3_session = boto3.session.Session()
    config = botocore.config.Config(retries={"mode": "adaptive", "total_max_attempts": 5},  # the first included
                                    max_pool_connections=pool_connections(max_workers))
    return {r: boto3_session.client("sagemaker", region_name=r, config=config) for r in regions}


def run(profile: "VpcProfile | str | None", *, boto3_session: Any = None, clients: Mapping[str, Any] | None = None,
        regions: Sequence[str] | str | None = None, since: "str | _dt.date | _dt.datetime | None" = None,
        resource_types: Iterable[str] | None = None, max_workers: int = 8,
        progress: Callable[[ProgressEvent], None] | None = None, active_only: bool = False,
        stats: AuditStats | None = None, use_search: bool = True, account_id: str | None = None,
        processes: int = 1) -> Iterator[Finding]:
    """Audit existing SageMaker resources against a VPC profile; yield every finding as it is found.

    Findings are streamed: memory does not grow with the number of compliant
    resources (at most ``2 * max_workers`` describes are in flight, and the
    cache of referenced models and endpoint configs is bounded).

    Parameters
    ----------
    profile : VpcProfile, str, os.PathLike or None
        The profile, a path to one, ``ssm:<name>``, or ``None`` for
        ``$SAFEMAKER_PROFILE`` (see :func:`safemaker.profile.resolve_profile`).
    boto3_session : boto3.session.Session, optional
        Session to create the SageMaker clients from (one per region, adaptive
        retry mode for throttling, ``max_pool_connections`` from :func:`pool_connections`).
        Default: a new ``boto3.session.Session()``.
    clients : Mapping[str, botocore.client.BaseClient], optional
        Ready SageMaker clients by region; when given, ``boto3_session`` is not
        used and ``regions`` defaults to its keys.
    regions : sequence of str or str, optional
        Regions to audit. Default: the keys of ``clients``, else the profile's region.
    since : str, datetime.date or datetime.datetime, optional
        Only resources created at or after this time (server-side
        ``CreationTimeAfter`` / ``CreatedAfter`` filter; client-side on
        ``CreationTime`` for domains, user profiles and workforces, whose List
        calls have no such filter).
    resource_types : iterable of str, optional
        Keys of :data:`safemaker.resources.RESOURCES` to audit (``automl-job`` is
        an alias of ``automl-job-v2``). Default: :func:`audited_types`.
    max_workers : int, default 8
        Threads for Describe calls (1 to 64). Types are listed at once, up to
        ``min(max_workers, 16)`` of them (each with its ``Search`` pages
        alongside its List pages); findings come in completion order.
    progress : callable, optional
        Called with a :class:`ProgressEvent` for each List page and each
        resource checked, from the iterating thread.
    active_only : bool, default False
        Only resources running or able to run now (List ``StatusEquals`` with
        :attr:`ResourceSpec.active_statuses`, one paginated call per status).
    stats : AuditStats, optional
        Filled with the calls made and resources checked (calls per resource).
    use_search : bool, default True
        Read training jobs, models and tuning jobs in bulk with ``Search`` (100
        records per call; :mod:`safemaker.audit.search`), describing only the
        listed resources Search did not return. ``False``: one Describe each.
    account_id : str, optional
        Account the clients reach, put on every finding (default: the account
        in each resource's ARN).
    processes : int, default 1
        Processes that describe and check the listed resources (1 to 16). 1: the
        calling process's threads. ``N > 1``: ``N`` worker processes forked by
        this call (the ``fork`` start method; not on Windows), each with a copy
        of the clients and ``max_workers`` threads, at most ``max_workers``
        resources in flight in all of them; the calling process lists, reads
        Search pages and yields the findings they send back
        (``safemaker.audit._processes``): the same findings, botocore's
        per-call CPU spread over several cores. Resources that name each other
        (endpoints, endpoint configs, models, transform jobs...) are described in
        the same worker. Event handlers registered on the clients run in the
        workers. The workers are stopped when the iteration ends or the
        generator is closed. ``safemaker audit`` uses the machine's cores (at
        most 4) by default.

    Yields
    ------
    Finding
        Every finding: ``FAIL`` for a field that breaks a rule, ``UNKNOWN`` for
        a List or Describe call that failed. No finding means compliant.

    Raises
    ------
    AuditInputError
        A bad ``regions`` (not a region name, or not a SageMaker region of
        botocore's endpoint data: :func:`sagemaker_regions`), ``since``,
        ``resource_types``, ``max_workers`` or ``processes`` (more than 1 where
        processes cannot be forked), or
        a region with no client in ``clients`` (raised by the call itself,
        before any request is sent).
    safemaker.errors.ProfileError
        The profile cannot be loaded.

    Notes
    -----
    AWS API reference followed: the ``List*`` and ``Describe*`` operations of
    each :class:`~safemaker.resources.ResourceSpec` (Amazon SageMaker API
    Reference); throttling is retried by botocore's adaptive retry mode.
    """
    from ..profile import VpcProfile, resolve_profile

    if not isinstance(max_workers, int) or isinstance(max_workers, bool) or not 1 <= max_workers <= 64:
        raise AuditInputError("max_workers", max_workers, "an integer from 1 to 64")
    from ._processes import MAX_PROCESSES, ProcessPool, fork_available

    if not isinstance(processes, int) or isinstance(processes, bool) or not 1 <= processes <= MAX_PROCESSES:
        raise AuditInputError("processes", processes, f"an integer from 1 to {MAX_PROCESSES}")
    if processes > 1 and not fork_available():
        raise AuditInputError("processes", processes, "1 on this platform: worker processes are forked, and "
                              f"{sys.platform} has no fork start method")
    prof = profile if isinstance(profile, VpcProfile) else resolve_profile(profile)
    kinds = _resolve_types(resource_types)
    since_dt = parse_since(since)
    if clients is not None:
        region_list = _resolve_regions(regions if regions is not None else list(clients), prof)
        missing = [r for r in region_list if r not in clients]
        if missing:
            raise AuditInputError("regions", missing, f"regions that have a client in clients ({sorted(clients)})")
        client_map = dict(clients)
    else:
        region_list = _resolve_regions(regions, prof)
        client_map = _make_clients(boto3_session, region_list, max_workers)
    auditor = _Auditor(prof, client_map, since=since_dt, active_only=active_only, progress=progress,
                       account_id=account_id, stats=stats, use_search=use_search)
    # forked here, before the caller starts anything else (a progress bar's thread) and before any request
    procs = ProcessPool(auditor, processes, max_workers, kinds) if processes > 1 else None
    return _run(auditor, region_list, kinds, max_workers, procs)


_LISTERS_MAX = 16
"""Most (region, type) pairs listed at once by one audit (each lister is a thread that mostly waits on
its List and Search calls and on the describe window)."""


def _listers(pairs: int, max_workers: int) -> int:
    return max(1, min(pairs, max_workers, _LISTERS_MAX))


def pool_connections(max_workers: int, kinds: int = len(AUDIT_ORDER)) -> int:
    """HTTP connections one SageMaker client of the audit may use at once.

    botocore's ``max_pool_connections`` (default 10) bounds the connections a
    client keeps open; a request above it opens a connection that is closed
    after use (against AWS, a new TLS handshake each time). The audit's clients
    are made with this many.

    Parameters
    ----------
    max_workers : int
        Describe threads (1 to 64).
    kinds : int, optional
        Resource types audited (default: every type of :data:`AUDIT_ORDER`).

    Returns
    -------
    int
        ``max_workers`` plus two per lister (a type's List and Search pages
        run at once; ``min(kinds, max_workers, 16)`` listers), at least 10.
    """
    return max(10, max_workers + 2 * _listers(kinds, max_workers))


def _searchable(kind: str) -> bool:
    from .search import search_covers

    return search_covers(kind)


def _run(auditor: _Auditor, regions: Sequence[str], kinds: Sequence[str], max_workers: int,
         procs: "ProcessPool | None" = None) -> Iterator[Finding]:
    """Audit ``kinds`` in ``regions``: several (region, type) pairs listed at once, one Describe pool.

    Each (region, type) pair has a lister (at most :func:`_listers` at once)
    that pages through its List call and, for a type read with ``Search``, runs
    the Search pages alongside; listed resources go to one pool of
    ``max_workers`` Describe threads. Types no longer wait for each other: each
    API operation has its own rate limit, and the List and Search pages of one
    type overlap the Describe calls of the others. At most ``2 * max_workers``
    resources are in flight (submitted and not yet consumed by the caller), so
    memory does not grow with the number of resources. Progress events and
    findings reach the caller's thread through one queue, in completion order. With ``procs``, the
    listed resources are described and checked in its worker processes instead of the Describe pool;
    it is closed (or terminated, when the caller stopped early) at the end.
    """
    import queue

    window = threading.Semaphore(2 * max_workers)
    out: "queue.Queue[tuple[str, Any]]" = queue.Queue()
    stop = threading.Event()
    progress = auditor.progress
    if progress is not None:  # called from the iterating thread only, as documented
        auditor.progress = lambda event: out.put(("progress", event))
    pairs = [(region, kind) for region in regions for kind in kinds]
    n_listers = _listers(len(pairs), max_workers)

    def lister(region: str, kind: str, submit: Callable[[_Item, Any], Any], searches: ThreadPoolExecutor) -> None:
        submitted = 0
        try:
            listed = auditor.list_items(region, kind)
            head = list(itertools.islice(listed, 2))
            records: dict[str, dict[str, Any]] = {}
            rest: Iterable[_Item | Finding] = listed
            # Search pays off from two resources on (one call for up to 100 records); its pages are read
            # while the List pages are, and the listed resources (names, not descriptions) wait for them
            if sum(isinstance(e, _Item) for e in head) >= 2 and auditor.use_search and _searchable(kind):
                found = searches.submit(auditor.search_records, region, kind)
                rest = list(listed)
                records = found.result() or {}
            for entry in itertools.chain(head, rest):
                if isinstance(entry, Finding):
                    out.put(("finding", entry))
                    continue
                while not window.acquire(timeout=0.1):
                    if stop.is_set():
                        return
                if stop.is_set():
                    return
                fut = submit(entry, _record_of(entry, records.pop(entry.name, None)))
                submitted += 1
                fut.add_done_callback(lambda f, item=entry: out.put(("checked", (item, f))))
        except BaseException as exc:  # list_items turns call failures into findings; this is a bug
            out.put(("error", exc))
        finally:
            out.put(("listed", submitted))

    with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="safemaker-audit") as pool, \
            ThreadPoolExecutor(max_workers=n_listers, thread_name_prefix="safemaker-audit-list") as listers, \
            ThreadPoolExecutor(max_workers=n_listers, thread_name_prefix="safemaker-audit-search") as searches:
        finished = False
        if procs is not None:
            submit: Callable[[_Item, Any], Any] = procs.submit
        else:
            def submit(item: _Item, record: Any) -> Any:
                return pool.submit(auditor.audit, item, record)
        try:
            for region, kind in pairs:
                listers.submit(lister, region, kind, submit, searches)
            open_listers, submitted, consumed = len(pairs), 0, 0
            while open_listers or consumed < submitted:
                what, value = out.get()
                if what == "listed":
                    open_listers -= 1
                    submitted += value
                elif what == "progress":
                    assert progress is not None
                    progress(value)
                elif what == "finding":
                    yield value
                elif what == "checked":
                    consumed += 1
                    item, fut = value
                    window.release()
                    if progress is not None:
                        progress(ProgressEvent("checked", item.region, item.kind, 1))
                    yield from fut.result()
                else:
                    raise value
            finished = True
        finally:
            stop.set()
            pool.shutdown(wait=False, cancel_futures=True)  # the caller stopped early: queued Describes are not sent
            if procs is not None:   # the workers' call counts are added to the stats when they are closed
                procs.close() if finished else procs.terminate()
            auditor.progress = progress
