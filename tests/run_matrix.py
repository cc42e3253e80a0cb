"""Run the whole test suite once per SageMaker SDK major and report both (``make test``).

Usage (the Makefile passes the environments)::

    python tests/run_matrix.py --env sdk2=.venv --env sdk3=.venv-v3 [--sdk-only sdk3] \
        [--jobs 2] [--workers auto] [-- pytest args]

Each ``--env NAME=VENV`` runs ``VENV/bin/python -m pytest -q`` over the
default test paths (pyproject ``testpaths``). Suites run side by side when
``--jobs`` is 2 or more (each one's output is printed whole when it ends, so
the two never interleave; meanwhile their progress, pytest's percentage, is printed once a minute), one
after the other with ``--jobs 1``.

A suite named by ``--sdk-only NAME`` runs only the tests that exercise the
SageMaker SDK (pytest ``--sdk-only``, tests/sdk_markers.py: marked ``sdk``,
``sdk2`` or ``sdk3``, or a module that imports the SDK); every other test
does not depend on the SDK major and runs in the other suites only. With
``--workers N`` a suite whose environment has pytest-xdist runs its tests
in N worker processes (``-n N --dist loadfile``: a module's tests stay in one
worker, so module-scoped fixtures are built once; the files are handed out
longest first, by their measured time: ``tests/xdist_order.py``); a suite without xdist runs
in one process and says so. ``--workers auto`` gives the suites that run side
by side one worker per CPU each, in all, split by their work
(:func:`auto_workers`): an ``--sdk-only`` suite runs about a quarter of the
tests' CPU time (SDK v3 leg: ~290 of ~1,300 CPU-seconds, measured with
per-test CPU time), so it gets a quarter of the workers, at least one, and a
full suite the rest; with equal shares the full suite's workers still ran
when the other suite had long finished.

Each suite runs with Python's bytecode cache on: ``PYTHONDONTWRITEBYTECODE``
is dropped from its environment (:func:`suite_environment`), so the
``__pycache__`` directories (ignored by git) are written as on any machine
without that variable. A suite starts several pytest processes and hundreds of
Python children (``safemaker run``, the CLI, guarded children); with the
variable set, each child compiled every safemaker module it imports again
(~0.2 s of CPU per start of the CLI) and each pytest process re-wrote every
test module's assertions (collection: 25 s of CPU instead of 16), on every run.

The exit status is 0 only when every suite exited 0. A suite that ran no
test (pytest's exit 5) is a failure here, reported as such: it means that
suite's environment or collection is broken, not that all is well. The last
line is the plain ``matrix: N passed, N failed, N skipped`` over all suites,
counted from each suite's JUnit XML report.

Only the standard library is used: this script runs before any environment
is known to be complete.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

PROGRESS = re.compile(r"\[\s*(\d+)%\]\s*$")
"""pytest's progress at the end of a line of ``-q`` output (``........ [ 35%]``)."""

HEARTBEAT_SECONDS = 60
"""How often the suites' progress is printed while they run side by side (their output is printed whole
when each ends, so that the two never interleave)."""

EXIT_MEANINGS = {
    0: "all tests passed",
    1: "tests failed",
    2: "interrupted or usage error",
    3: "internal pytest error",
    4: "pytest command line usage error",
    5: "NO TESTS RAN (collection found nothing: the environment or the test paths are broken)",
}


@dataclass
class Suite:
    """One environment's run."""

    name: str
    venv: Path
    junit: Path
    args: list[str]
    returncode: int | None = None
    output: str = ""
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    sdk: str = "?"
    sdk_only: bool = False
    workers: str | None = None
    note: str = ""
    progress: str = "starting"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"


def sdk_version(python: Path) -> str:
    """The ``sagemaker`` version installed in an environment (or why it is unknown)."""
    code = ("from importlib import metadata\n"
            "try:\n    print(metadata.version('sagemaker'))\n"
            "except metadata.PackageNotFoundError:\n    print('not installed')\n")
    try:
        out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, timeout=60)
    except OSError as exc:
        return f"unknown ({exc})"
    return out.stdout.strip() or f"unknown ({out.stderr.strip()[-200:]})"


def has_xdist(python: Path) -> bool:
    """Whether pytest-xdist is installed in the environment of ``python``."""
    code = "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('xdist') else 1)"
    try:
        return subprocess.run([str(python), "-c", code], capture_output=True, timeout=60).returncode == 0
    except OSError:
        return False


def auto_workers(sdk_only: list[bool], cpus: int | None = None) -> list[str]:
    """xdist workers of each suite run side by side under ``--workers auto`` (``"1"``: no xdist).

    ``cpus`` workers per suite in all (``os.cpu_count()``), so the total is that of one
    ``-n auto`` per suite; an ``--sdk-only`` suite gets a quarter of them (at least 1), the
    full suites share the rest equally (at least 1 each).

    >>> auto_workers([False, True], cpus=2)
    ['3', '1']
    >>> auto_workers([False, True], cpus=8)
    ['12', '4']
    >>> auto_workers([False, False], cpus=2)
    ['2', '2']
    """
    cpus = cpus or os.cpu_count() or 1
    total = cpus * len(sdk_only)
    small = max(1, total // 4)
    full = sum(1 for s in sdk_only if not s)
    left = total - small * (len(sdk_only) - full)
    return [str(small) if s else str(max(1, left // full)) for s in sdk_only]


def pytest_command(suite: Suite) -> list[str]:
    """The pytest command line of one suite (``--sdk-only`` and ``-n`` as the suite asks)."""
    cmd = [str(suite.python), "-m", "pytest", "-q", f"--junitxml={suite.junit}"]
    notes = []
    if suite.sdk_only:
        cmd.append("--sdk-only")
        notes.append("only tests that use the SDK (the others run in the other suites)")
    if suite.workers and suite.workers not in ("0", "1"):
        if has_xdist(suite.python):
            cmd += ["-n", suite.workers, "--dist", "loadfile"]
            notes.append(f"{suite.workers} xdist workers")
        else:
            notes.append("one process (pytest-xdist is not installed here)")
    elif suite.workers == "1":
        notes.append("one process")
    suite.note = "; ".join(notes)
    return [*cmd, *suite.args]


def junit_counts(path: Path) -> dict[str, int]:
    """``passed``, ``failed``, ``errors``, ``skipped`` from a pytest JUnit XML report."""
    counts = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0}
    if not path.exists():
        return counts
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    for s in suites:
        tests = int(s.get("tests", 0))
        failures = int(s.get("failures", 0))
        errors = int(s.get("errors", 0))
        skipped = int(s.get("skipped", 0))
        counts["failed"] += failures
        counts["errors"] += errors
        counts["skipped"] += skipped
        counts["passed"] += tests - failures - errors - skipped
    return counts


def suite_environment(name: str, **extra: str) -> dict[str, str]:
    """The environment of one suite's pytest: this process's, with ``SAFEMAKER_DEV_MATRIX_SUITE`` set to
    ``name``, ``extra`` added, and without ``PYTHONDONTWRITEBYTECODE`` (the bytecode cache on, see the
    module docstring)."""
    env = {**os.environ, "SAFEMAKER_DEV_MATRIX_SUITE": name, **extra}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run(suite: Suite, lock: threading.Lock, stream: bool) -> None:
    """Run one suite; print its output (live when ``stream``, else whole at the end)."""
    suite.sdk = sdk_version(suite.python)
    cmd = pytest_command(suite) if suite.python.exists() else [str(suite.python), "-m", "pytest"]
    header = f"===== matrix {suite.name}: {suite.venv} (sagemaker {suite.sdk}): {' '.join(cmd[1:])}"
    start = time.monotonic()
    if not suite.python.exists():
        suite.returncode = 127
        suite.output = f"{suite.python} does not exist: create the environment first (make venv-v3 / make venv)\n"
    elif stream:
        with lock:
            print(header, flush=True)
        proc = subprocess.run(cmd, env=suite_environment(suite.name))
        suite.returncode = proc.returncode
    else:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env=suite_environment(suite.name, PYTHONUNBUFFERED="1"))  # progress lines as written
        lines = []
        for line in proc.stdout:   # kept whole for the end; the last "[ NN%]" is the suite's progress
            lines.append(line)
            match = PROGRESS.search(line)
            if match:
                suite.progress = f"{int(match.group(1))}%"
        suite.returncode = proc.wait()
        suite.output = "".join(lines)
    suite.seconds = time.monotonic() - start
    suite.counts = junit_counts(suite.junit)
    if not stream or suite.output:
        with lock:
            print(header, flush=True)
            sys.stdout.write(suite.output)
            sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    """Run the matrix; return the exit status (0 only if every suite passed)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", action="append", required=True, metavar="NAME=VENV",
                        help="a suite: its name and virtualenv (repeat)")
    parser.add_argument("--jobs", type=int, default=2, help="suites run at once (default 2; 1 = one by one)")
    parser.add_argument("--sdk-only", action="append", default=[], metavar="NAME",
                        help="this suite runs only the tests that use the SageMaker SDK (repeat)")
    parser.add_argument("--workers", default=None, metavar="N",
                        help="pytest-xdist workers per suite: a number or 'auto' (one per CPU per suite, split by work; "
                             "default: none)")
    parser.add_argument("pytest_args", nargs="*", help="passed to pytest (after --)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs is {args.jobs}; expected 1 or more")
    if args.workers is not None and args.workers != "auto" and not (args.workers.isdigit()):
        parser.error(f"--workers {args.workers!r}: expected a number of workers or 'auto'")
    names = [spec.partition("=")[0] for spec in args.env]
    for name in args.sdk_only:
        if name not in names:
            parser.error(f"--sdk-only {name!r}: no --env named so (expected one of {', '.join(names)})")
    if args.sdk_only and set(args.sdk_only) >= set(names):
        parser.error("--sdk-only names every suite: the tests that do not use the SDK would run nowhere")
    with tempfile.TemporaryDirectory(prefix="safemaker-matrix-") as tmp:
        suites = []
        for spec in args.env:
            name, sep, venv = spec.partition("=")
            if not sep or not name or not venv:
                parser.error(f"--env {spec!r}: expected NAME=VENV, e.g. sdk3=.venv-v3")
            suites.append(Suite(name, Path(venv), Path(tmp) / f"{name}.xml", list(args.pytest_args),
                                sdk_only=name in args.sdk_only, workers=args.workers))
        if args.workers == "auto":
            for batch_start in range(0, len(suites), args.jobs):
                batch = suites[batch_start:batch_start + args.jobs]
                if any(s.sdk_only for s in batch) and not all(s.sdk_only for s in batch):
                    for suite, workers in zip(batch, auto_workers([s.sdk_only for s in batch])):
                        suite.workers = workers
        lock = threading.Lock()
        stream = args.jobs == 1
        if stream:
            for suite in suites:
                run(suite, lock, True)
        else:
            pending = list(suites)
            while pending:
                batch, pending = pending[:args.jobs], pending[args.jobs:]
                threads = [threading.Thread(target=run, args=(s, lock, False)) for s in batch]
                for t in threads:
                    t.start()
                started = time.monotonic()
                while any(t.is_alive() for t in threads):
                    next(t for t in threads if t.is_alive()).join(HEARTBEAT_SECONDS)
                    if any(t.is_alive() for t in threads):
                        minutes, seconds = divmod(int(time.monotonic() - started), 60)
                        with lock:
                            print(f"===== matrix {minutes}m{seconds:02d}s: " + ", ".join(
                                f"{s.name} {s.progress if t.is_alive() else 'done'}" for s, t in zip(batch, threads))
                                + " (each suite's output follows when it ends)", flush=True)
    print("===== matrix summary")
    total = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0}
    failed = []
    for s in suites:
        for key in total:
            total[key] += s.counts.get(key, 0)
        meaning = EXIT_MEANINGS.get(s.returncode, "environment missing" if s.returncode == 127 else "unknown")
        print(f"suite {s.name} ({s.venv}, sagemaker {s.sdk}): {s.counts.get('passed', 0)} passed, "
              f"{s.counts.get('failed', 0) + s.counts.get('errors', 0)} failed, {s.counts.get('skipped', 0)} "
              f"skipped in {s.seconds:.0f} s; pytest exit {s.returncode}: {meaning}"
              + (f" [{s.note}]" if s.note else ""))
        if s.returncode != 0:
            failed.append(s.name)
    if failed:
        print(f"FAILED suites: {', '.join(failed)}")
    print(f"matrix: {total['passed']} passed, {total['failed'] + total['errors']} failed, "
          f"{total['skipped']} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
