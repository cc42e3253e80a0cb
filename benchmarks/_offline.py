"""Every benchmark runs offline, behind the guard the tests use (``safemaker.local.offline``).

A benchmark script calls :func:`enter` before it does anything else: fake
credentials, region ``us-east-1``, ``AWS_EC2_METADATA_DISABLED=true``, no AWS
config file, and every connection that is not loopback refused (importing
SageMaker SDK v2 without credentials otherwise asks the instance metadata
address). A benchmark that measures a fresh interpreter starts it with
:func:`child_prelude` first: the same guard, loaded from the same file by
path, so that the child has imported nothing of safemaker or boto3 before
what it measures.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

__all__ = ["enter", "child_prelude", "OFFLINE_MODULE", "DEV_ENV_VARS"]

DEV_ENV_VARS = {
    "SAFEMAKER_DEV_BENCH_BLOCKED": "set by benchmarks/audit/bench_audit.py for its children: the file their "
                                   "loopback guard logs refused addresses to",
    "SAFEMAKER_DEV_BENCH_CHECKOV_VENV": "virtualenv with checkov for benchmarks/iac/bench_iac.py",
    "SAFEMAKER_DEV_BENCH_PROWLER_VENV": "virtualenv with Prowler for benchmarks/audit/bench_audit.py",
}
"""The benchmarks' own ``SAFEMAKER_DEV_*`` variables -> what reads them (the one list of them).

The library never reads a variable under ``safemaker.profile.DEV_ENV_PREFIX`` and its typo
detector skips them, so the ``safemaker`` processes a benchmark starts load their profile with
them set. ``tests/dev_env.py`` lists the test suite's ones.
"""

_spec = importlib.util.find_spec("safemaker")  # a top-level spec: safemaker is not imported
if _spec is None or _spec.origin is None:
    raise SystemExit("safemaker is not importable: install it (make venv) or set PYTHONPATH=src")
OFFLINE_MODULE = Path(_spec.origin).parent / "local" / "offline.py"
"""The file of :mod:`safemaker.local.offline` (the guard of the tests and benchmarks)."""

_guard = None  # the entered context manager: kept referenced, or collecting it would leave the block


def enter() -> None:
    """Make this process offline for the rest of its life (idempotent)."""
    global _guard
    if _guard is not None:
        return
    from safemaker.local.offline import offline_aws

    guard = offline_aws()
    guard.__enter__()  # never left: the benchmark process ends offline
    _guard = guard


def child_prelude() -> str:
    """Python source that makes a fresh interpreter offline without importing safemaker or boto3.

    It loads :data:`OFFLINE_MODULE` by path under a private name, replaces
    every ``AWS_*`` variable by ``FAKE_AWS_ENVIRONMENT`` and enters
    ``loopback_only()`` for the rest of the process.
    """
    return (
        "import importlib.util as _u, os as _os\n"
        f"_s = _u.spec_from_file_location('_safemaker_offline', {str(OFFLINE_MODULE)!r})\n"
        "_m = _u.module_from_spec(_s); _s.loader.exec_module(_m)\n"
        "for _k in [k for k in _os.environ if k.startswith('AWS_')]: del _os.environ[_k]\n"
        "_os.environ.update(_m.FAKE_AWS_ENVIRONMENT)\n"
        "_safemaker_offline_guard = _m.loopback_only(); _safemaker_offline_guard.__enter__()\n"
    )
