"""The test suite's own ``SAFEMAKER_DEV_*`` variables: the one list of them, read here and nowhere in safemaker.

The library never reads a variable under ``safemaker.profile.DEV_ENV_PREFIX``,
and its typo detector skips them, so a process a test starts (a CLI child)
loads its profile with them set. ``benchmarks/_offline.py`` lists the
benchmarks' ones; ``tests/unit/test_profile_input.py`` checks that every
``SAFEMAKER_*`` name of the repository is in one of these lists or is one
the library reads.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

E2E = "SAFEMAKER_DEV_E2E"
FUZZ_EXAMPLES = "SAFEMAKER_DEV_FUZZ_EXAMPLES"
MATRIX_SUITE = "SAFEMAKER_DEV_MATRIX_SUITE"

DEV_ENV_VARS: Mapping[str, str] = MappingProxyType({
    E2E: "turns on the tests marked e2e, against a real AWS account (with -m e2e); without it they are skipped",
    FUZZ_EXAMPLES: "number of examples of the fuzz tests (make fuzz)",
    MATRIX_SUITE: "suite name set by tests/run_matrix.py for its child runs",
})
"""Variable -> what reads it."""
