"""Fuzzing the guard against an independent oracle (pure: no network).

For every operation of the rule table, hypothesis draws requests from
botocore's shapes with mutated network fields (``strategies.requests_for``)
under three profiles, and checks:

- every non-compliant request is refused, with exactly the violations the
  oracle expects (path and rule ID);
- every compliant request is sent unchanged except for the injected fields,
  exactly those the oracle injects; the input is never mutated;
- ``check`` (nothing injected) agrees with the oracle too;
- the guard never crashes on such a request;
- referenced resources are resolved as the oracle resolves them.

``SAFEMAKER_DEV_FUZZ_EXAMPLES`` sets the total number of examples (``make fuzz``:
50,000, spread over the operations); without it a bounded, derandomised run
keeps the module to a few seconds. With ``-s`` the cases tried per operation,
escapes (refusal expected, request allowed) and false refusals are printed.
"""

from __future__ import annotations

import copy
import math
import os
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safemaker import guard
from safemaker.rules import RULES

from . import table_oracle as oracle
from .strategies import FUZZ_PROFILES, requests_for

TOTAL = int(os.environ.get("SAFEMAKER_DEV_FUZZ_EXAMPLES", "0") or 0)
OPERATIONS = sorted(RULES)
PER_OPERATION = math.ceil(TOTAL / len(OPERATIONS)) if TOTAL else 60
FUZZ_MODE = bool(TOTAL)
PROFILE_NAMES = st.sampled_from(sorted(FUZZ_PROFILES))
"""One strategy for every example (a new one is validated again at each draw; an equal one draws the same)."""

TRIED: Counter = Counter()
OUTCOMES: Counter = Counter()
ESCAPES: list = []
FALSE_REFUSALS: list = []

SETTINGS = settings(
    max_examples=PER_OPERATION,
    deadline=None,
    database=None,
    derandomize=not FUZZ_MODE,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


@pytest.fixture(scope="module", autouse=True)
def report():
    yield
    lines = [f"{op:<42} {TRIED[op]:>7}  allowed {OUTCOMES[(op, 'allowed')]:>6}  refused {OUTCOMES[(op, 'refused')]:>6}"
             for op in OPERATIONS]
    print("\n\nguard fuzz: cases tried per operation (pure guard vs. oracle)")
    print("\n".join(lines))
    print(f"total {sum(TRIED.values())} cases; escapes {len(ESCAPES)}; false refusals {len(FALSE_REFUSALS)}")


def test_oracle_knows_exactly_the_operations_of_the_table():
    assert set(oracle.SPEC) == set(RULES)


def _refs(decision):
    return [(r.path, r.resource, r.name) for r in decision.references]


@pytest.mark.parametrize("operation", OPERATIONS)
def test_guard_agrees_with_the_oracle(operation):
    @SETTINGS
    @given(data=st.data())
    def run(data):
        name = data.draw(PROFILE_NAMES, label="profile")
        profile = FUZZ_PROFILES[name]
        request = data.draw(requests_for(operation, profile), label="request")
        frozen = copy.deepcopy(request)
        expected = oracle.evaluate(operation, request, profile)
        decision = guard.decide(operation, request, profile)
        TRIED[operation] += 1
        got = Counter((v.path, v.rule_id) for v in decision.violations)
        if expected.violations and not decision.violations:
            ESCAPES.append((operation, request))
        if decision.violations and not expected.violations:
            FALSE_REFUSALS.append((operation, request))
        OUTCOMES[(operation, "refused" if decision.violations else "allowed")] += 1
        assert request == frozen, "the guard mutated its input"
        assert got == expected.violations
        if expected.compliant:
            assert decision.params == expected.request
            assert set(decision.injected) == expected.injected
        assert _refs(decision) == expected.references
        checked = Counter((v.path, v.rule_id) for v in guard.check(operation, request, profile))
        assert checked == oracle.evaluate(operation, request, profile, inject=False).violations

    run()


def test_no_escapes_and_no_false_refusals_were_seen():
    """Runs after the per-operation tests in this module (pytest keeps file order)."""
    assert ESCAPES == []
    assert FALSE_REFUSALS == []
    assert sum(TRIED.values()) >= (TOTAL if FUZZ_MODE else len(OPERATIONS) * PER_OPERATION)
