"""examples/guard_boto3.py runs as documented and shows what it says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_guard_boto3_example_runs():
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "guard_boto3.py")],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "local backend (moto): the job is stored, no container ran"
    assert "EnableNetworkIsolation: True" in lines
    assert ("VpcConfig: {'SecurityGroupIds': ['sg-0bbbbbbbbbbbbbbbb'], "
            "'Subnets': ['subnet-0aaaaaaaaaaaaaaaa', 'subnet-0cccccccccccccccc']}") in lines
    assert any(line.startswith("refused: CreateTrainingJob refused: EnableNetworkIsolation is False") for line in lines)
    assert lines[-1] == "CreateTrainingJob requests that reached the backend: 1"


def test_guard_process_example_runs():
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "guard_process.py")],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "local backend (moto): jobs are stored, no container runs"
    for label in ("before", "after"):
        assert (f"client made {label}: filled in, EnableNetworkIsolation=True, "
                "Subnets=['subnet-0aaaaaaaaaaaaaaaa', 'subnet-0cccccccccccccccc']") in lines
        assert any(line.startswith(f"client made {label}: refused: CreateTrainingJob refused: "
                                   "EnableNetworkIsolation is False") for line in lines)
    assert "late handler: refused: EnableNetworkIsolation is False" in lines
    assert "uninstall_process: True" in lines
    assert lines[-1] == "CreateTrainingJob requests that reached the backend: 2"
