"""examples/doctor_check.py runs as documented and shows what it says."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ID = r"[0-9a-f]{17}"


def test_doctor_check_example_runs():
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "doctor_check.py")],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    # The number of IAM policies comes from safemaker.iam's rendering: not fixed here.
    assert re.fullmatch(rf"built: \d+ changes, profile VPC vpc-{ID}", lines[0])
    assert lines[1] == "clean network: ok (77 checks)"  # 65 + 12 nacl.* (2 subnets x 6)
    assert lines[2] == "after breaking it: problem"
    problems = lines[3:-1]
    assert [re.sub(ID, "X", line) for line in problems] == [
        "  subnet.closed subnet-X: route table rtb-X sends 0.0.0.0/0 to internet gateway igw-X: the subnet is not closed",
        "  subnet.closed subnet-X: route table rtb-X sends 0.0.0.0/0 to internet gateway igw-X: the subnet is not closed",
        "  endpoint.present com.amazonaws.us-east-1.sts: no interface endpoint for com.amazonaws.us-east-1.sts in vpc-X "
        "(needed by: notebook, training, hosting): credentials and caller identity; without it the SDK reports a "
        "misleading permission error",
        "  profile.vpc-endpoint vpce-X: vpce-X is in the profile's vpc_endpoint_ids but is not an endpoint of vpc-X "
        "(deleted, or in another VPC)",
    ]
    assert re.fullmatch(r"removed: complete=True, \d+ deletions", lines[-1])
