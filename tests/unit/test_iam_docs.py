"""docs/iam.md shows what safemaker renders: every block marked as rendered equals the real statement."""

from __future__ import annotations

import json
import re
from pathlib import Path

from safemaker import iam
from safemaker.iam import BlindSpot
from safemaker.profile import VpcProfile

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "iam.md").read_text()


def test_rendered_blocks_in_the_docs_equal_the_rendered_statements():
    blocks = re.findall(r"<!-- rendered: (\S+) -->\n```json\n(.*?)\n```", DOC, re.S)
    assert len(blocks) == 4
    for source, text in blocks:
        profile = VpcProfile.from_file(ROOT / source, env=False)
        statements = {s["Sid"]: s for d in iam.guardrail_policy(profile) for s in d["Statement"]}
        shown = json.loads(text)
        assert shown == statements[shown["Sid"]]


def test_docs_list_every_blind_spot_and_every_statement_kind():
    for spot in BlindSpot:
        assert f"`{spot.value}`" in DOC, spot
    profile = VpcProfile.from_file(ROOT / "examples" / "profile.yaml", env=False)
    for stmt in iam.guardrail_statements(profile):
        sid = stmt["Sid"]
        if "InterContainerTrafficEncryption" in sid:  # the table abbreviates these to `...Absent`, `...False`
            assert "`sagemaker:InterContainerTrafficEncryption`" in DOC
        else:
            assert f"`{sid}`" in DOC, sid


def test_docs_show_the_seed_policy_the_tests_evaluate():
    seed = iam.seed_policies(VpcProfile.from_file(ROOT / "examples" / "profile.yaml", env=False))["guardrail"][0]
    block = re.search(r"## The seed's RestrictInternetAccess, and its gaps\n\n```json\n(.*?)\n```", DOC, re.S).group(1)
    shown = json.loads(block)

    def shape(policy):  # everything but the placeholder IDs
        return [(s["Effect"], s["Action"], s["Resource"],
                 {op: {k: (v if isinstance(v, (bool, str)) else len(v)) for k, v in keys.items()}
                  for op, keys in s["Condition"].items()}) for s in policy["Statement"]]

    assert [x[:3] for x in shape(shown)] == [x[:3] for x in shape(seed)]
    for doc_stmt, seed_stmt in zip(shape(shown), shape(seed)):
        assert {op: set(keys) for op, keys in doc_stmt[3].items()} == {op: set(keys) for op, keys in seed_stmt[3].items()}
        assert {op: {k: v for k, v in keys.items() if not isinstance(v, int) or isinstance(v, bool)}
                for op, keys in doc_stmt[3].items()} == \
            {op: {k: v for k, v in keys.items() if not isinstance(v, int) or isinstance(v, bool)}
             for op, keys in seed_stmt[3].items()}
