"""Fuzzing the guard against the model-derived oracle (tests/fuzz/oracle.py; issue 13, item 6).

For every classified operation that can run closed, requests are generated
from botocore's shapes (every value shape botocore accepts at each network
member the model walk finds, and at each list on the way), under a strict and
a relaxed profile, and two properties are checked:

- **no escape**: a request the guard lets through (after what it injects) has
  no open network value anywhere, absence counted as the documented default;
- **no false refusal**: a request closed as written is not refused by
  ``guard.check``.

``SAFEMAKER_DEV_FUZZ_EXAMPLES`` sets the total number of requests (``make fuzz``:
50,000); without it a small derandomised sample runs (a few seconds). With
``-s`` the counts per operation are printed. KMS keys are outside this oracle
(no network path; the table oracle, tests/fuzz/table_oracle.py, covers them).
"""

from __future__ import annotations

import ast
import inspect
import math
import os
import random
import zlib
from collections import Counter

import pytest

from safemaker import guard
from safemaker.rules import RULES

from . import oracle
from .strategies import FUZZ_PROFILES

TOTAL = int(os.environ.get("SAFEMAKER_DEV_FUZZ_EXAMPLES", "0") or 0)
OPERATIONS = sorted(op for op, rule in RULES.items() if not rule.unsupported)
PROFILES = ("strict", "relaxed")
PER_CASE = math.ceil(TOTAL / (len(OPERATIONS) * len(PROFILES))) if TOTAL else 12

TRIED: Counter = Counter()
OUTCOMES: Counter = Counter()
ESCAPES: list = []
FALSE_REFUSALS: list = []


@pytest.fixture(scope="module", autouse=True)
def report():
    yield
    print("\n\nmodel-oracle fuzz: requests per operation (allowed / refused / closed as written)")
    for op in OPERATIONS:
        print(f"{op:<42} {TRIED[op]:>7}  allowed {OUTCOMES[(op, 'allowed')]:>6}  refused {OUTCOMES[(op, 'refused')]:>6}"
              f"  closed-as-written {OUTCOMES[(op, 'closed')]:>6}")
    print(f"total {sum(TRIED.values())} requests; escapes {len(ESCAPES)}; false refusals {len(FALSE_REFUSALS)}")


def test_the_oracle_reads_botocore_not_the_rule_table():
    tree = ast.parse(inspect.getsource(oracle))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not any(m and m.startswith("safemaker") for m in imported), imported
    paths = {m.path for m in oracle.network_members("CreateTrainingJob")}
    assert {"VpcConfig", "EnableNetworkIsolation", "EnableInterContainerTrafficEncryption"} <= paths
    assert "InstanceGroups[].OverrideVpcConfig" in {m.path for m in oracle.network_members("CreateCluster")}
    assert "TrainingJobDefinitions[].VpcConfig" in {
        m.path for m in oracle.network_members("CreateHyperParameterTuningJob")}
    assert {"DirectInternetAccess", "SubnetId", "SecurityGroupIds", "RootAccess"} <= {
        m.path for m in oracle.network_members("CreateNotebookInstance")}


def test_every_operation_with_a_network_member_is_classified():
    found = {op for op in oracle.MODEL.operation_names if oracle.network_members(op)}
    assert found and found <= set(RULES)


def test_the_oracle_sees_open_requests_and_tuples():
    # not vacuous: the generator makes open requests and tuples where the model has lists
    rng = random.Random(1)
    gen = oracle.requests("CreateHyperParameterTuningJob", FUZZ_PROFILES["strict"], rng)
    drawn = [next(gen) for _ in range(60)]
    assert sum(bool(oracle.open_values("CreateHyperParameterTuningJob", r, FUZZ_PROFILES["strict"]))
               for r in drawn) > 20
    assert any(isinstance(r.get("TrainingJobDefinitions"), tuple) for r in drawn)
    assert any(isinstance(r.get("TrainingJobDefinitions"), list) for r in drawn)


@pytest.mark.parametrize("profile_name", PROFILES)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_no_escape_and_no_false_refusal(operation, profile_name):
    profile = FUZZ_PROFILES[profile_name]
    seed = zlib.crc32(f"{operation}/{profile_name}".encode()) + (random.randrange(1 << 30) if TOTAL else 0)
    rng = random.Random(seed)
    gen = oracle.requests(operation, profile, rng)
    closed = oracle.requests(operation, profile, rng, closed=True)
    for i in range(PER_CASE):
        req = next(closed) if i % 5 == 0 else next(gen)  # one in five closed as written
        TRIED[operation] += 1
        decision = guard.decide(operation, req, profile)
        if not decision.violations:
            OUTCOMES[(operation, "allowed")] += 1
            opened = oracle.open_values(operation, decision.params, profile)
            if opened:
                ESCAPES.append((operation, profile_name, opened, req))
        else:
            OUTCOMES[(operation, "refused")] += 1
        if oracle.closed_as_given(operation, req, profile):
            OUTCOMES[(operation, "closed")] += 1
            refused = guard.check(operation, req, profile)
            if refused:
                FALSE_REFUSALS.append((operation, profile_name, [v.message() for v in refused], req))
    escapes = [e for e in ESCAPES if e[:2] == (operation, profile_name)]
    false = [f for f in FALSE_REFUSALS if f[:2] == (operation, profile_name)]
    assert escapes == [] and false == [], (escapes[:2], false[:2])
    assert OUTCOMES[(operation, "closed")] > 0  # every case saw closed requests
