"""``%load_ext safemaker`` in a real Jupyter kernel (ipykernel, run by nbclient) against the local backend.

The kernel is a separate Python process with this test's environment
(fake credentials, ``AWS_ENDPOINT_URL`` of the local backend). A refused call
is the cell's one error output whose traceback is one message, also after
rich's traceback hook is installed over IPython's (sagemaker-core does that).
"""

from __future__ import annotations

import json

import pytest

from _profiles import PROFILE_TOML, ROLE, SG, SUB_A

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

PROFILE = PROFILE_TOML

OPEN_JOB = f"""\
import boto3
job = dict(RoleArn="{ROLE}",
           AlgorithmSpecification={{"TrainingImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1",
                                   "TrainingInputMode": "File"}},
           OutputDataConfig={{"S3OutputPath": "s3://bucket/out"}},
           ResourceConfig={{"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10}},
           StoppingCondition={{"MaxRuntimeInSeconds": 3600}})
sm = boto3.client("sagemaker")
sm.create_training_job(TrainingJobName="open", EnableNetworkIsolation=False, **job)
"""

RICH_HOOK = """\
from rich.traceback import install
install()   # what sagemaker-core's enable_rich_logging / enable_textual_rich_console_and_traceback do
print(get_ipython()._showtraceback.__module__)
"""
OPEN_AGAIN = 'sm.create_training_job(TrainingJobName="open-2", EnableNetworkIsolation=False, **job)'



def run_notebook(cells, env_dir, monkeypatch, safemaker_local, profile_env=True):
    monkeypatch.setenv("AWS_ENDPOINT_URL", safemaker_local.endpoint_url)
    if profile_env:
        (env_dir / "profile.toml").write_text(PROFILE)
        monkeypatch.setenv("SAFEMAKER_PROFILE", str(env_dir / "profile.toml"))
    else:
        monkeypatch.delenv("SAFEMAKER_PROFILE", raising=False)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=120, allow_errors=True,
                                     resources={"metadata": {"path": str(env_dir)}})
    client.execute()
    return nb.cells


def errors(cell):
    return [o for o in cell.outputs if o.output_type == "error"]


def test_refusal_is_one_message_in_a_real_kernel(tmp_path, monkeypatch, safemaker_local):
    cells = run_notebook(["%load_ext safemaker", OPEN_JOB, RICH_HOOK, OPEN_AGAIN,
                          "import safemaker\nsafemaker.process_guard()",
                          "sm.create_training_job(TrainingJobName='plain', **job)\n"
                          "import json\n"
                          "print(json.dumps(sm.describe_training_job(TrainingJobName='plain')['VpcConfig'], "
                          "sort_keys=True))"],
                         tmp_path, monkeypatch, safemaker_local)
    loaded = cells[0].outputs
    assert any("text/markdown" in o.get("data", {}) for o in loaded), loaded   # the guard shown on load
    assert cells[2].outputs[0].text.strip() == "rich.traceback"   # rich's hook is over IPython's now
    for cell in (cells[1], cells[3]):
        (err,) = errors(cell)
        assert err.ename == "GuardrailViolation"
        (message,) = err.traceback                      # one message, not a traceback
        assert message.splitlines()[0] == "CreateTrainingJob refused by safemaker (nothing was sent):"
        assert "EnableNetworkIsolation: found False; required True. Fix:" in message
        assert "Traceback" not in message and "File " not in message
        assert [o for o in cell.outputs if o.output_type == "stream"] == []
    shown = cells[4].outputs[0]["data"]
    assert "text/markdown" in shown and "`subnet-0aaaaaaaaaaaaaaaa`" in shown["text/markdown"]
    assert "| `CreateTrainingJob` | **refused** |" in shown["text/markdown"]
    assert errors(cells[5]) == []
    assert json.loads(cells[5].outputs[0].text) == {"SecurityGroupIds": [SG], "Subnets": [SUB_A]}
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 1


def test_magic_loads_a_profile_when_the_environment_has_none(tmp_path, monkeypatch, safemaker_local):
    (tmp_path / "lab.toml").write_text(PROFILE)
    cells = run_notebook(["%load_ext safemaker", "%safemaker lab.toml", OPEN_JOB, "%safemaker off", OPEN_JOB],
                         tmp_path, monkeypatch, safemaker_local, profile_env=False)
    (hint,) = [o for o in cells[0].outputs if o.output_type == "stream"]
    assert "%safemaker profile.toml" in hint.text
    assert "text/markdown" in cells[1].outputs[0]["data"]
    assert errors(cells[2])[0].ename == "GuardrailViolation"
    assert "process guard off" in cells[3].outputs[0].text
    assert errors(cells[4]) == []  # guard off: sent as written
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 1


def test_refusal_text_names_field_found_required_and_fix():
    from safemaker.errors import MISSING, GuardrailViolation, Violation
    from safemaker.ipython import refusal_text

    exc = GuardrailViolation("CreateNotebookInstance", [
        Violation("CreateNotebookInstance", "DirectInternetAccess", MISSING, "Disabled",
                  "Set DirectInternetAccess to 'Disabled'", "SM-NB-DIRECT-INTERNET")])
    assert refusal_text(exc) == (
        "CreateNotebookInstance refused by safemaker (nothing was sent):\n"
        "  DirectInternetAccess: found absent; required 'Disabled'. Fix: Set DirectInternetAccess to "
        "'Disabled'. [SM-NB-DIRECT-INTERNET]")
    md = exc._repr_markdown_()
    assert "| `DirectInternetAccess` | *absent* | `'Disabled'` | Set DirectInternetAccess to 'Disabled' |" in md
