"""examples/audit_ci.py runs as documented: SARIF written and valid, exit 3 on the open notebook."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())


def test_audit_ci_example_on_the_local_backend(tmp_path):
    sarif = tmp_path / "audit.sarif"
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "audit_ci.py"), "--local", "--sarif", str(sarif)],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr
    assert proc.stdout.splitlines() == [
        "audited 2 resource(s): 1 finding(s), 1 at or above high",
        "  SM-NB-DIRECT-INTERNET: 1",
        "critical SM-NB-DIRECT-INTERNET arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/open-notebook "
        "DirectInternetAccess [recreate]",
        f"SARIF written to {sarif}",
    ]
    doc = json.loads(sarif.read_text())
    jsonschema.Draft4Validator(SCHEMA).validate(doc)
    assert [r["ruleId"] for r in doc["runs"][0]["results"]] == ["SM-NB-DIRECT-INTERNET"]
