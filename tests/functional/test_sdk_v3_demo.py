"""``safemaker demo`` under SDK v3: the same walkthrough, with ClosedModelTrainer and closed_deploy."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sdk_markers import require_sdk

require_sdk(3)

import numpy as np  # noqa: E402
from rich.console import Console  # noqa: E402

from safemaker.cli.demo import run as demo_mod  # noqa: E402
from safemaker.cli.demo import v3 as v3_demo  # noqa: E402
from safemaker.cli.demo.run import run_local_demo  # noqa: E402
from safemaker.local import EMULATED_PREDICTION_LABEL  # noqa: E402

pytestmark = [pytest.mark.sdk3, pytest.mark.slow]

SAFEMAKER = Path(sys.executable).with_name("safemaker")


def test_safemaker_demo_command_under_sdk_v3():
    # No region in the environment, as on a newcomer's machine: the demo gives its process the backend's
    # region (--region, us-east-1) before the SDK is imported; SDK v3 makes a client from boto3's default
    # session when sagemaker.ai_registry is imported and raised NoRegionError at step 6 without one.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("SAFEMAKER_") and k not in ("AWS_DEFAULT_REGION", "AWS_REGION")}
    env["AWS_CONFIG_FILE"] = os.devnull  # nor one from a config file
    env["COLUMNS"] = "250"
    proc = subprocess.run([str(SAFEMAKER), "demo"], capture_output=True, text=True, env=env, timeout=300,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    lines = out.splitlines()
    for i, step in enumerate(v3_demo.STEPS_V3, start=1):
        assert any(line.startswith(f"[ok] {i}. {step}: ") for line in lines), step
    assert "[ok] 6. Train linear-learner (ClosedModelTrainer): safemaker-demo-" in out
    assert re.search(r"\[ok\] 2\. Prepare data \(digits -> CSV\): 1797 handwritten digits .* CSV [\d,]+ bytes", out)
    assert "CreateTrainingJob carried EnableNetworkIsolation=True, EnableInterContainerTrafficEncryption=True, " \
           "VpcConfig.Subnets=['subnet-" in out
    assert re.search(r"model safemaker-demo-model-\w+: EnableNetworkIsolation=True, VpcConfig\.Subnets=\['subnet-",
                     out)
    assert f"[ok] 8. Predict: {EMULATED_PREDICTION_LABEL}: 'body'" in out
    assert re.search(r"nothing reached the backend: CreateTrainingJob requests received (\d+) before, \1 after", out)
    assert re.search(r"\[ok\] 12\. Clean up: deleted 6 item\(s\); nothing of run \w+ left", out)
    assert not re.search(r"authToken=(?!\*\*\*)", out + proc.stderr)
    assert re.search(r"\[ok\] 10\. Rehearse training \+ prediction \(no network\): scikit-learn on "
                     r"the digits: test accuracy 0\.\d{4} \(270 held-out digits; rehearsed locally", out)
    assert "`pip install xgboost` fails as under EnableNetworkIsolation=True: pypi.org:443 unreachable" in out


def test_demo_under_v3_uses_the_v3_run_and_leaves_the_process_defaults_alone(monkeypatch):
    from safemaker.errors import SandboxUnavailable
    from safemaker.rehearsal import demo as rehearsal_demo
    from safemaker.sdk.v3.session import _SdkDefaults

    # The two rehearsal steps use no SDK (their scripts run in child processes; ~8.5 s of CPU there): this
    # in-process run takes the path of a machine without network namespaces, where they run nothing and say
    # so. The real rehearsals under SDK v3 are checked on the demo command above (steps 10 and 11).
    def no_namespace():
        raise SandboxUnavailable(reason="test: no network namespace", fix="none needed")

    monkeypatch.setattr(rehearsal_demo, "find_sandbox", no_namespace)
    buf = io.StringIO()
    report = run_local_demo(console=Console(file=buf, width=250), poll_seconds=0.05)
    assert report.ok, buf.getvalue()
    assert [s.step for s in report.steps] == list(v3_demo.STEPS_V3)
    assert [s.result.startswith("not run: rehearsal cannot run here: test: no network namespace")
            for s in report.steps[9:11]] == [True, True]
    assert demo_mod._run_class().__name__ == "V3Run"
    assert _SdkDefaults.owner is None  # the demo's closed session gave the defaults back


def test_digits_csv_puts_the_label_first_and_checks_shapes():
    data = demo_mod.load_digits_data()
    payload = v3_demo.digits_csv(data.train_vectors, data.train_labels).decode().splitlines()
    assert len(payload) == len(data.train_labels)
    first = payload[0].split(",")
    assert len(first) == data.feature_dim + 1
    assert float(first[0]) == float(data.train_labels[0])
    with pytest.raises(ValueError, match=r"do not match: expected \(n, d\) and \(n,\)"):
        v3_demo.digits_csv(np.zeros((3, 2)), np.zeros(4))
