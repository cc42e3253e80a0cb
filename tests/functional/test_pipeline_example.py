"""examples/check_pipeline.py runs as documented and shows what it says (local backend)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "check_pipeline.py"


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(EXAMPLE), *args], capture_output=True, text=True, timeout=120,
                          cwd=ROOT)


def test_check_pipeline_example_finds_the_step_then_creates_the_fixed_pipeline():
    proc = _run()
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "1 violation(s):",
        " - PipelineDefinition.Steps[0:TrainModel].Arguments.EnableNetworkIsolation is False; the profile requires "
        "True. Set EnableNetworkIsolation to True.",
        "CreatePipeline: refused before sending",
        "after the fix: created",
        "CreatePipeline requests that reached the backend: 1",
    ]


def test_check_pipeline_example_checks_a_file(tmp_path):
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import check_pipeline
    finally:
        sys.path.pop(0)
    path = tmp_path / "definition.json"
    path.write_text(json.dumps(check_pipeline.fixed(check_pipeline.DEFINITION)))
    proc = _run(str(path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["0 violation(s):", "CreatePipeline: created"]
    path.write_text(json.dumps({"Steps": [{"Name": "Notify", "Type": "Lambda", "Arguments": {}}]}))
    proc = _run(str(path))
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[1].startswith(" - PipelineDefinition.Steps[0:Notify] is 'Lambda'")
