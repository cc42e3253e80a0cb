"""The audit's Describe work spread over forked worker processes (``run(processes=N)``).

botocore's per-call work (serialising, signing, urllib3, parsing the answer) is
CPU in the calling process, under one GIL: with enough Describe calls in
flight to hide the latency, a one-process audit is bounded by one core. Here
the process that lists (List and Search pages) hands each listed resource to
one of ``N`` worker processes, each with the same clients and its own thread
pool; a worker describes and checks the resource exactly as the one-process
audit does (:meth:`safemaker.audit.auditor._Auditor.audit`) and sends back its
findings (pickled). Nothing else changes: the same findings, the same UNKNOWN
entries, the same order of work in each worker.

- Workers are forked (the ``fork`` start method) when the pool is made, before
  any request of the audit: they inherit the imported modules, botocore's
  loaded models and the clients (the clients' connections, if any, are closed
  in the worker: new ones are opened there).
- Resources that name each other are described in one worker, so a model or
  endpoint config described once serves every resource naming it, as in one
  process: the types linked by the rule table's references (an endpoint, its
  endpoint config, their models, a transform job...) are pinned to one worker
  (:func:`linked_types`); every other resource goes to the worker with the
  fewest resources in flight.
- Calls are counted in each worker and added to the audit's
  :class:`~safemaker.audit.AuditStats` when the pool is closed.
"""

from __future__ import annotations

import gc
import itertools
import logging
import multiprocessing
import os
import signal
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from ..resources import RESOURCES
from ..rules import RULES

if TYPE_CHECKING:  # pragma: no cover
    from .auditor import _Auditor, _Item

logger = logging.getLogger(__name__)

MAX_PROCESSES = 16


def _process_cpu() -> float:
    times = os.times()
    return times.user + times.system


def fork_available() -> bool:
    """Whether worker processes can be forked here (the ``fork`` start method exists: not on Windows)."""
    return "fork" in multiprocessing.get_all_start_methods()


def default_processes() -> int:
    """Worker processes of ``safemaker audit`` by default: the cores this process may run on, at most 4, on
    Linux; 1 (no worker process) elsewhere, or on one core."""
    if not sys.platform.startswith("linux") or not fork_available():
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


def linked_types(kinds: Iterable[str]) -> list[frozenset[str]]:
    """Groups of the audited ``kinds`` whose resources may name each other, from the rule table's references.

    Two types are linked when the rule of one's create operation references the
    other (``CreateEndpointConfig`` names models), or one is an endpoint and the
    other an endpoint config; groups are the connected parts, over every type
    of :data:`safemaker.resources.RESOURCES`. Only groups of two or more audited
    types are returned.
    """
    parent: dict[str, str] = {}

    def find(k: str) -> str:
        while parent.setdefault(k, k) != k:
            k = parent[k]
        return k

    def union(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    for kind, spec in RESOURCES.items():
        rule = RULES.get(spec.create_operation)
        for ref in rule.references if rule is not None else ():
            union(kind, ref.resource)
            for _, key in getattr(ref, "resource_by", ()):
                union(kind, key)
    union("endpoint", "endpoint-config")
    groups: dict[str, set[str]] = {}
    for kind in kinds:
        groups.setdefault(find(kind), set()).add(kind)
    return [frozenset(g) for g in groups.values() if len(g) > 1]


def _worker(auditor: "_Auditor", tasks: Any, results: Any, threads: int) -> None:
    """A worker process: describe and check each resource received, send back its findings, then the counts."""
    from .stats import AuditStats

    gc.freeze()   # everything inherited lives as long as this process: not walked by its collections
    # Ctrl-C reaches the whole process group: the listing process stops the workers (no traceback from each)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    auditor.stats = AuditStats()   # this worker's own calls, added to the caller's stats at the end
    for client in auditor.clients.values():
        try:
            client.close()   # connections the parent had opened: this process's copies only, new ones are made here
        except Exception:  # pragma: no cover - a stand-in client without close()
            pass
    auditor.progress = None
    send_lock = threading.Lock()

    def send(message: Any) -> None:
        with send_lock:
            try:
                results.send(message)
            except Exception as exc:  # an exception that cannot be pickled: its text instead
                results.send(("error", message[1], RuntimeError(f"{type(message[2]).__name__}: {message[2]}")
                              if message[0] == "error" else RuntimeError(f"cannot send a result: {exc!r}")))

    def done(task_id: int, fut: "Future[Any]") -> None:
        try:
            send(("ok", task_id, fut.result()))
        except BaseException as exc:  # a bug in the check: raised in the parent, as in one process
            send(("error", task_id, exc))

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="safemaker-audit") as pool:
        while True:
            try:
                task = tasks.recv()
            except EOFError:   # the parent is gone
                break
            if task is None:
                break
            task_id, item, record = task
            pool.submit(auditor.audit, item, record).add_done_callback(
                lambda fut, task_id=task_id: done(task_id, fut))
    stats = auditor.stats
    logger.debug("audit worker %d: %d resources checked, %d calls, %.2f s CPU", os.getpid(), stats.resources,
                 stats.total_calls, _process_cpu())
    send(("stats", 0, (dict(stats.calls), stats.resources, stats.from_search)))


class ProcessPool:
    """``processes`` forked workers serving :meth:`_Auditor.audit` calls (see the module docstring).

    Parameters
    ----------
    auditor : _Auditor
        The audit's auditor (its clients, profile, settings); each worker has a copy.
    processes : int
        Worker processes (2 to :data:`MAX_PROCESSES`).
    max_workers : int
        Describe threads in each worker, and resources in flight in all workers at once.
    kinds : sequence of str
        Audited types (for :func:`linked_types`).
    """

    def __init__(self, auditor: "_Auditor", processes: int, max_workers: int, kinds: Sequence[str]) -> None:
        ctx = multiprocessing.get_context("fork")
        logger.debug("forking %d audit workers; this process: %.2f s CPU so far", processes, _process_cpu())
        self._auditor = auditor
        self._lock = threading.Lock()
        self._busy = threading.BoundedSemaphore(max_workers)
        self._closed = threading.Event()
        self._futures: dict[int, tuple[int, Future[Any]]] = {}
        self._ids = itertools.count()
        self._inflight = [0] * processes
        self._pinned = {kind: i % processes for i, group in enumerate(linked_types(kinds)) for kind in group}
        self._tasks: list[Any] = []
        self._procs: list[Any] = []
        self._readers: list[threading.Thread] = []
        self._stats: list[tuple[dict[str, int], int, int]] = []
        for _ in range(processes):
            task_r, task_w = ctx.Pipe(duplex=False)
            result_r, result_w = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_worker, args=(auditor, task_r, result_w, max_workers),
                               name="safemaker-audit-worker", daemon=True)
            proc.start()
            task_r.close()
            result_w.close()
            self._tasks.append(task_w)
            self._procs.append(proc)
            reader = threading.Thread(target=self._read, args=(len(self._procs) - 1, result_r),
                                      name="safemaker-audit-results", daemon=True)
            self._readers.append(reader)
        for reader in self._readers:   # after every fork: no reader thread is copied into a worker
            reader.start()

    def _read(self, index: int, conn: Any) -> None:
        while True:
            try:
                what, task_id, value = conn.recv()
            except (EOFError, OSError):
                break
            if what == "stats":
                self._stats.append(value)
                break
            with self._lock:
                worker, fut = self._futures.pop(task_id)
                self._inflight[worker] -= 1
            self._busy.release()
            if what == "ok":
                fut.set_result(value)
            else:
                fut.set_exception(value)
        conn.close()
        self._procs[index].join(timeout=10)   # reaped: its exit code is known
        with self._lock:   # a worker that died: its resources in flight fail (the audit raises), never lost
            lost = [(tid, fut) for tid, (w, fut) in self._futures.items() if w == index]
            for tid, _ in lost:
                del self._futures[tid]
        for _, fut in lost:
            self._busy.release()
            fut.set_exception(RuntimeError(
                f"audit worker process {self._procs[index].pid} exited (code {self._procs[index].exitcode}) "
                "before answering"))

    def submit(self, item: "_Item", record: Any) -> "Future[Any]":
        """Send ``item`` (and its Search record) to a worker; the future's result is its findings.

        Blocks while ``max_workers`` resources are in flight; returns a cancelled future once closed.
        """
        fut: Future[Any] = Future()
        while not self._busy.acquire(timeout=0.1):
            if self._closed.is_set():
                fut.cancel()
                return fut
        with self._lock:
            pinned = self._pinned.get(item.kind)
            worker = pinned if pinned is not None else min(range(len(self._procs)), key=self._inflight.__getitem__)
            task_id = next(self._ids)
            self._futures[task_id] = (worker, fut)
            self._inflight[worker] += 1
            self._tasks[worker].send((task_id, item, record))
        return fut

    def close(self) -> None:
        """Stop the workers (after the resources in flight), wait for them, add their counts to the stats."""
        if self._closed.is_set():
            return
        self._closed.set()
        for conn in self._tasks:
            try:
                conn.send(None)
            except OSError:  # pragma: no cover - the worker is gone
                pass
            conn.close()
        for reader in self._readers:
            reader.join()
        for proc in self._procs:
            proc.join()
        logger.debug("audit workers closed; this process: %.2f s CPU", _process_cpu())
        stats = self._auditor.stats
        for calls, resources, from_search in self._stats:
            for op, n in calls.items():
                stats.count(op, n)
            stats.checked(resources - from_search)
            stats.checked(from_search, from_search=True)

    def terminate(self) -> None:
        """Stop the workers now (the caller stopped reading findings): resources in flight are dropped."""
        self._closed.set()
        for proc in self._procs:
            if proc.is_alive():
                proc.terminate()
        for conn in self._tasks:
            conn.close()
        for proc in self._procs:
            proc.join()
        for reader in self._readers:
            reader.join()
