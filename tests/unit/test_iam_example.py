"""examples/render_policies.py runs offline as documented and shows what it says."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from safemaker import iam
from safemaker.profile import VpcProfile

ROOT = Path(__file__).resolve().parents[2]


def test_render_policies_example_writes_the_policies_and_shows_the_seed_gaps(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFEMAKER_")}
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "render_policies.py"), "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    rendered = iam.render_all(VpcProfile.from_file(ROOT / "examples" / "profile.yaml", env=False))
    names = [iam.policy_name(k, i) for k, docs in rendered.items() for i in range(len(docs))]
    sizes = {}
    for name, line in zip(names, lines):
        m = re.fullmatch(rf"{re.escape(name)}: (\d+) statements, (\d+) characters", line)
        assert m, line
        sizes[name] = int(m.group(2))
    assert all(size <= 6144 for size in sizes.values())
    for kind, docs in rendered.items():
        for i, doc in enumerate(docs):
            assert json.loads((tmp_path / f"{iam.policy_name(kind, i)}.json").read_text()) == doc
    assert yaml.safe_load((tmp_path / "safemaker-policies.yaml").read_text()) == iam.to_cloudformation(rendered)
    assert lines[len(names)] == f"wrote {tmp_path / 'safemaker-policies.yaml'}"
    assert lines[len(names) + 1:] == [
        "tuning job without VpcConfig: seed allows; safemaker denies (DenyVpcSubnetsAbsent, "
        "DenyVpcSecurityGroupIdsAbsent)",
        "notebook without DirectInternetAccess: seed allows; safemaker denies (DenyDirectInternetAccessAbsent)",
        "training job in a foreign security group: seed allows; safemaker denies "
        "(DenyVpcSecurityGroupIdsOutsideProfile)",
    ]
