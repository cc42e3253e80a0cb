"""The operations of the installed botocore's models that the class tests of other services must see classified, from
one scan of the models' JSON (botocore's data files, read once per test process).

Not collected by pytest (no ``test_`` prefix). Two candidate sets, each an operation whose documentation, or the
documentation of a member of its input down to four levels (the member's own, else its shape's), matches:

- :func:`runbook_candidates`: an operation that makes or starts something (:data:`VERBS`) that names a runbook, an SSM
  document, a state machine or a CloudFormation template (:data:`RUNS`, :data:`DEPLOYS`; SageMaker's and
  CloudFormation's own operations have their own tables);
- :func:`sagemaker_candidates`: an operation that does more than read or remove (any verb but :data:`READS_ONLY`)
  that names SageMaker (:data:`SAGEMAKER`: "SageMaker", "Amazon SageMaker AI", "SageMaker Unified Studio", a
  ``sagemaker`` ARN), or a member or its shape is named so (``sagemakerIamRoleArn``,
  ``SageMakerMachineLearningModelResourceData``); and an operation of any verb that hands data to an Amazon A2I human
  loop (:data:`A2I_NAMES`: a member or shape named ``*HumanLoop*``, ``*FlowDefinitionArn``, ``*WorkteamArn``;
  :data:`A2I_DOCS`: documentation naming "Augmented AI" or "A2I": Textract's ``AnalyzeDocument`` says "A2I", not
  SageMaker, and Rekognition's ``DetectModerationLabels`` "Detect" is no making verb). SageMaker's own API
  (``sagemaker``) is classified by its rule table.

The raw JSON gives the candidates botocore's resolved shapes give (each member's documentation, else its shape's;
the same depth), without building a shape object per member.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from functools import lru_cache
from typing import Any, Iterator

import botocore.session

RUNS = re.compile(r"automation runbook|\brunbook|ssm document|systems manager document|automation document|"
                  r"state machine|systems manager automation|start-automation-execution", re.I)
DEPLOYS = re.compile(r"cloud ?formation template|cloud ?formation provisioning|CFN_STACK_SYNC|template ?url|"
                     r"infrastructure as code", re.I)
SAGEMAKER = re.compile(r"sage[\s_-]?maker", re.I)
VERBS = ("Create", "Update", "Put", "Start", "Register", "Execute", "Run", "Send", "Provision", "Deploy", "Invoke",
         "Replace", "Batch", "Import", "Associate", "Enable", "Submit")
"""Operations that make or start something (a Get/List/Describe/Delete runs nothing): the runbook candidates' verbs."""
READS_ONLY = ("Describe", "List", "Delete", "Deregister", "Cancel", "Stop", "Terminate", "Disassociate", "Tag",
              "Untag", "Remove")
"""Verbs of operations that only read or remove: not SageMaker candidates. Any other verb is (a deny list, so that a
verb of a new service, ``Analyze``, ``Detect``, ``Get...Prediction``, is a candidate)."""
A2I_NAMES = re.compile(r"human[\s_-]?loop|(?<!work)flow[\s_-]?definition[\s_-]?arn|work[\s_-]?team[\s_-]?arn", re.I)
"""Member and shape names of an Amazon A2I human loop, its flow definition or work team (not an AWS Step Functions,
Bedrock Flows or HealthOmics workflow definition)."""
A2I_DOCS = re.compile(r"(?i:augmented ai)|\bA2I\b")
"""Documentation naming Amazon Augmented AI."""
_MENTIONS = (re.compile(rb"sage[\s_-]?maker"), tuple(re.compile(p) for p in (
    rb"human[\s_-]?loop", rb"flow[\s_-]?definition[\s_-]?arn", rb"work[\s_-]?team[\s_-]?arn", rb"augmented ai",
    rb"a2i")))
"""What a model's lower-cased JSON text holds if :data:`SAGEMAKER`, or :data:`A2I_NAMES` / :data:`A2I_DOCS`, can
match anywhere in it (a necessary condition, checked on the whole text at once: a model without it is not walked)."""
_RUNS_MENTIONS = (b"runbook", b"ssm document", b"systems manager document", b"automation document", b"state machine",
                  b"systems manager automation", b"start-automation-execution", b"cloudformation template",
                  b"cloud formation template", b"cloudformation provisioning", b"cloud formation provisioning",
                  b"cfn_stack_sync", b"templateurl", b"template url", b"infrastructure as code")
"""What a model's lower-cased JSON text holds if :data:`RUNS` or :data:`DEPLOYS` can match anywhere in it (one of
their alternatives, each made of letters, spaces, ``-`` and ``_``, which JSON never escapes): a model without any is
not walked for runbook candidates (41 of 445 models have one)."""
DEPTH = 4


def _models() -> Iterator[tuple[str, bytes]]:
    """(service, its latest ``service-2`` model's JSON text) for every service of the installed botocore."""
    session = botocore.session.get_session()
    loader = session.get_component("data_loader")
    for service in session.get_available_services():
        version = loader.determine_latest_version(service, "service-2")
        for base in loader.search_paths:
            plain = os.path.join(base, service, version, "service-2.json")
            if os.path.isfile(plain):
                with open(plain, "rb") as f:
                    yield service, f.read()
                break
            if os.path.isfile(plain + ".gz"):
                with gzip.open(plain + ".gz") as f:
                    yield service, f.read()
                break


_WORDS = ("runbook", "document", "state machine", "automation", "formation", "cfn_stack_sync", "template",
          "infrastructure as code")
"""A word each match of :data:`RUNS` or :data:`DEPLOYS` holds (lower case): text without any is not searched."""


def _runs(text: Any) -> bool:
    if not text:
        return False
    low = text.lower()
    return any(w in low for w in _WORDS) and (RUNS.search(text) is not None or DEPLOYS.search(text) is not None)


def _sagemaker(text: Any) -> bool:
    return bool(text) and SAGEMAKER.search(text) is not None


def _a2i_doc(text: Any) -> bool:
    return bool(text) and A2I_DOCS.search(text) is not None


def _a2i_name(text: Any) -> bool:
    return bool(text) and A2I_NAMES.search(text) is not None


def _matcher(shapes: dict[str, Any], hit: Any, names: bool | Any) -> Any:
    """``below(shape name, depth)``: whether a member of the shape (a list's member, a map's value), down to
    :data:`DEPTH`, is documented as ``hit`` matches (with ``names``: or is named, or has a shape named, so; ``names``
    a function: as it matches)."""
    named = (hit if names is True else names) if names else None
    memo: dict[tuple[str, int], bool] = {}

    def below(name: str, depth: int) -> bool:
        key = (name, depth)
        if key in memo:
            return memo[key]
        memo[key] = False  # a cycle adds no documentation that was not read already on the way in
        shape = shapes[name]
        kind = shape.get("type")
        refs = (shape.get("members", {}).items() if kind == "structure" else [("", shape["member"])]
                if kind == "list" else [("", shape["value"])] if kind == "map" else [])
        found = any(hit(ref.get("documentation", shapes[ref["shape"]].get("documentation")))
                    or (named is not None and (named(member) or named(ref["shape"])))
                    or (depth < DEPTH and below(ref["shape"], depth + 1)) for member, ref in refs)
        memo[key] = found
        return found

    return below


@lru_cache(maxsize=1)
def _scan() -> tuple[frozenset[tuple[str, str]], frozenset[tuple[str, str]]]:
    runbooks: set[tuple[str, str]] = set()
    sagemaker: set[tuple[str, str]] = set()
    for service, raw in _models():
        if service == "sagemaker":
            continue
        # a model whose text never names a runbook..., SageMaker or A2I has no such candidate: not walked, nor read
        # (most models)
        low = raw.lower()
        walk_runs = service != "cloudformation" and any(w in low for w in _RUNS_MENTIONS)
        walk_names = _MENTIONS[0].search(low) is not None
        walk_a2i = any(p.search(low) for p in _MENTIONS[1])
        if not (walk_runs or walk_names or walk_a2i):
            continue
        model = json.loads(raw)
        shapes = model["shapes"]
        runs = _matcher(shapes, _runs, False) if walk_runs else None
        names = _matcher(shapes, _sagemaker, True) if walk_names else None
        a2i = _matcher(shapes, _a2i_doc, _a2i_name) if walk_a2i else None
        for op, spec in model["operations"].items():
            given = spec.get("input", {}).get("shape")
            doc = spec.get("documentation")
            if op.startswith(VERBS) and runs is not None and (_runs(doc) or (given is not None and runs(given, 0))):
                runbooks.add((service, op))
            if (names is not None and not op.startswith(READS_ONLY)
                    and (_sagemaker(doc) or (given is not None and names(given, 0)))) \
                    or (a2i is not None and (_a2i_doc(doc) or (given is not None and a2i(given, 0)))):
                sagemaker.add((service, op))
    return frozenset(runbooks), frozenset(sagemaker)


def runbook_candidates() -> frozenset[tuple[str, str]]:
    """Every (service, operation) whose documentation names a runbook, an SSM document, a state machine or a
    CloudFormation template (not SageMaker's or CloudFormation's own)."""
    return _scan()[0]


def sagemaker_candidates() -> frozenset[tuple[str, str]]:
    """Every (service, operation) of another service than SageMaker's API whose documentation, members or member
    shapes name SageMaker (one that only reads or removes aside), or an Amazon A2I human loop (any verb)."""
    return _scan()[1]


def assert_classified(found: frozenset[tuple[str, str]]) -> set[tuple[str, str]]:
    """Assert that each candidate of ``found`` is decided by the guard (``DECIDED_OPERATIONS``) or listed with its
    reason (``service_calls.UNDECIDED_CANDIDATES``), naming those that are neither; returns the decided ones."""
    from safemaker.iac import service_calls
    from safemaker.other_services import DECIDED_OPERATIONS

    decided = {(s, op) for s, ops in DECIDED_OPERATIONS.items() for op in ops}
    unclassified = sorted(found - decided - set(service_calls.UNDECIDED_CANDIDATES))
    assert not unclassified, f"classify in safemaker.iac.service_calls (decide it, or UNDECIDED_CANDIDATES): " \
                             f"{unclassified}"
    return decided
