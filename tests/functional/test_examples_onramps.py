"""examples/render_scps.py, export_sdk_config.py and notebook_lifecycle.py run offline as documented."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from safemaker.iam import scp
from safemaker.notebook import lifecycle_config_script
from safemaker.profile import VpcProfile
from safemaker.sdk.config_file import sagemaker_config_document

# No SDK in these examples nor here (safemaker.sdk.config_file writes the SDK's config file without importing
# the SDK; -X importtime under .venv-v3 lists no sagemaker module): they run in one leg of the matrix.
pytestmark = pytest.mark.sdk_independent

ROOT = Path(__file__).resolve().parents[2]
PROFILE = VpcProfile.from_file(ROOT / "examples" / "profile.yaml", env=False)


def run(example: str, cwd: Path, *args: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAFEMAKER_", "SAGEMAKER_"))}
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / example), *args], capture_output=True, text=True,
                          timeout=180, cwd=cwd, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def test_render_scps_writes_minified_scps_and_shows_the_exemption(tmp_path):
    lines = run("render_scps.py", tmp_path, "--out", "scps")
    docs = scp.service_control_policies(PROFILE)
    for i, doc in enumerate(docs):
        name = scp.scp_name(i)
        text = (tmp_path / "scps" / f"{name}.json").read_text()
        assert text == scp.minify(doc) + "\n"
        assert lines[i] == f"{name}: {len(doc['Statement'])} statements, {len(text) - 1} characters (limit 5120)"
    assert lines[len(docs):] == [
        "tuning job without VpcConfig: denied (DenyVpcSubnetsAbsent, DenyVpcSecurityGroupIdsAbsent)",
        "same request by a principal tagged dp:exclude=true: allowed",
    ]


def test_export_sdk_config_writes_the_file_and_refuses_to_overwrite(tmp_path):
    lines = run("export_sdk_config.py", tmp_path)
    path = tmp_path / "sagemaker-config" / "config.yaml"
    assert yaml.safe_load(path.read_text()) == sagemaker_config_document(PROFILE)
    assert lines[0] == "wrote sagemaker-config/config.yaml"
    assert lines[1] == "SageMaker.TrainingJob.VpcConfig.Subnets: subnet-0aaaaaaaaaaaaaaaa, subnet-0cccccccccccccccc"
    assert lines[-1] == f"use it: export SAGEMAKER_USER_CONFIG_OVERRIDE={path}"
    again = subprocess.run([sys.executable, str(ROOT / "examples" / "export_sdk_config.py")], capture_output=True,
                           text=True, timeout=120, cwd=tmp_path)
    assert again.returncode != 0 and "the file exists" in again.stderr
    run("export_sdk_config.py", tmp_path, "--force")


def test_notebook_lifecycle_example_attaches_the_configuration_on_the_local_backend(tmp_path):
    lines = run("notebook_lifecycle.py", tmp_path, "--name", "example-nb")
    script = (tmp_path / "on-start.sh").read_text()
    assert script == lifecycle_config_script(PROFILE)
    assert lines == [
        f"on-start script: on-start.sh ({len(script.encode())} bytes); "
        "wheelhouse s3://sagemaker-closed-123456789012/safemaker/wheelhouse/",
        "notebook instance example-nb (local backend, emulated: no instance runs): DirectInternetAccess=Disabled, "
        "LifecycleConfigName=safemaker-example-nb",
    ]
