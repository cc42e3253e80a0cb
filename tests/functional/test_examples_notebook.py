"""Run ``examples/closed_notebook.ipynb`` with nbclient on this virtualenv's Python.

The kernel is a kernelspec written to a temporary directory whose ``argv``
is ``sys.executable -m ipykernel_launcher``: whatever kernels the machine
has registered, the notebook runs on the interpreter running the tests.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

from safemaker.local import EMULATED_PREDICTION_LABEL

pytestmark = [pytest.mark.slow, pytest.mark.sdk2]  # the notebook uses SDK v2 (ClosedEstimator)

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "closed_notebook.ipynb"
KERNEL = "safemaker-test-venv"


@pytest.fixture
def kernel_manager(tmp_path):
    spec_dir = tmp_path / "kernels" / KERNEL
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "safemaker test venv",
        "language": "python",
        "env": {"SAGEMAKER_SUPPRESS_V2_WARNING": "1"},
    }))
    ksm = KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")])
    ksm.ensure_native_kernel = False
    return KernelManager(kernel_name=KERNEL, kernel_spec_manager=ksm)


def _text(cell) -> str:
    """What a cell printed on stdout and returned (stderr holds the SDK's and the guard's log lines)."""
    parts = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream" and o.get("name") == "stdout":
            parts.append(o["text"])
        elif "data" in o and "text/plain" in o["data"]:
            parts.append(o["data"]["text/plain"])
    return "".join(parts)


def test_closed_notebook_runs_on_the_local_backend(kernel_manager):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"  # as shipped: the user's default kernel
    client = NotebookClient(nb, km=kernel_manager, timeout=180, allow_errors=False,
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()  # raises CellExecutionError on any failing cell
    code = [c for c in nb.cells if c.cell_type == "code"]
    outputs = [_text(c) for c in code]
    assert len(code) == 8
    assert "VpcConfig: {'Subnets': ['subnet-" in outputs[0]
    assert "(1500 images, " in outputs[2]
    training = outputs[3]
    assert "TrainingJobStatus: Completed" in training
    assert "EnableNetworkIsolation: True" in training
    assert "EnableInterContainerTrafficEncryption: True" in training
    assert re.search(r"^VpcConfig: .*'Subnets': \['subnet-\w+', 'subnet-\w+'\]", training, flags=re.M)
    assert re.search(r"^VpcConfig: .*'SecurityGroupIds': \['sg-\w+'\]", training, flags=re.M)
    hosting = outputs[4]
    assert "EndpointStatus: InService" in hosting
    assert "model EnableNetworkIsolation: True" in hosting
    assert re.search(r"^model VpcConfig: .*'Subnets': \['subnet-\w+', 'subnet-\w+'\]", hosting, flags=re.M)
    assert f"{EMULATED_PREDICTION_LABEL}: 'body'" in outputs[5]
    refusal = outputs[6]
    assert refusal.startswith("CreateTrainingJob refused: EnableNetworkIsolation is False; the profile requires "
                              "True.")
    assert "CreateTrainingJob requests received: 1 before, 1 after" in refusal
    assert "endpoints left: 0" in outputs[7]
