"""The whole ``safemaker demo`` run on the local backend.

``test_make_demo_command`` starts ``make demo``'s command (``.venv/bin/safemaker
demo``) in a subprocess, as a user would, and checks its output and exit
code. The in-process tests check that cleanup runs after a failed step.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

from safemaker.cli.demo import run as demo_mod
from safemaker.cli.demo.run import STEPS, run_local_demo
from safemaker.local import EMULATED_PREDICTION_LABEL

pytestmark = [pytest.mark.slow, pytest.mark.sdk2]  # SDK v3 run: test_sdk_v3_demo.py

SAFEMAKER = Path(sys.executable).with_name("safemaker")


def test_make_demo_command():
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFEMAKER_")}
    env["COLUMNS"] = "250"
    start = time.perf_counter()
    proc = subprocess.run([str(SAFEMAKER), "demo"], capture_output=True, text=True, env=env, timeout=240,
                          stdin=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    print(f"safemaker demo: {seconds:.1f} s wall")  # measured, not asserted (see benchmarks/)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    lines = out.splitlines()
    assert lines[0].startswith("Local backend: moto server on http://127.0.0.1:")
    assert re.search(r"\[ok\] 1\. Closed network \(infra up \+ doctor\): vpc-\w+ built by infra up, "
                     r"\d+ VPC endpoints; doctor: 0 problem\(s\)", out)
    assert re.search(r"safemaker doctor: \d+ ok, 0 problem\(s\), 0 unknown", out)
    for i, step in enumerate(STEPS, start=1):
        assert any(line.startswith(f"[ok] {i}. {step}: ") for line in lines), step
    # closed notebook, redacted URL
    assert re.search(r"\[ok\] 3\. Closed notebook instance: safemaker-demo-nb-\w+ InService: "
                     r"DirectInternetAccess=Disabled, RootAccess=Disabled, SubnetId=subnet-", out)
    assert re.search(r"\[ok\] 4\. Presigned notebook URL: https://safemaker-demo-nb-\w+\.notebook\.us-east-1\."
                     r"sagemaker\.aws\?authToken=\*\*\* \(token hidden", out)
    assert not re.search(r"authToken=(?!\*\*\*)", out + proc.stderr)
    # training and deployment closed, as sent
    assert "CreateTrainingJob carried EnableNetworkIsolation=True, EnableInterContainerTrafficEncryption=True, " \
           "VpcConfig.Subnets=['subnet-" in out
    assert re.search(r"model safemaker-demo-model-\w+: EnableNetworkIsolation=True, VpcConfig\.Subnets=\['subnet-",
                     out)
    # the emulated prediction is labelled as such
    assert f"[ok] 8. Predict: {EMULATED_PREDICTION_LABEL}: 'body'" in out
    # the refusal, and nothing reached the backend
    assert "GuardrailViolation: CreateTrainingJob refused: EnableNetworkIsolation is False; the profile requires " \
           "True." in out
    assert re.search(r"nothing reached the backend: CreateTrainingJob requests received (\d+) before, \1 after", out)
    _assert_rehearsal_steps(out)
    # cleanup of everything
    for what in ("deleted endpoint safemaker-demo-ep-", "deleted endpoint config safemaker-demo-ep-",
                 "deleted model safemaker-demo-model-", "deleted notebook instance safemaker-demo-nb-",
                 "deleted 5 S3 object(s) under s3://safemaker-demo-123456789012-us-east-1/safemaker-demo/",
                 "deleted local closed network (infra down: VPC, subnets, endpoints, IAM) and bucket"):
        assert what in out, what
    assert re.search(r"\[ok\] 12\. Clean up: deleted 6 item\(s\); nothing of run \w+ left", out)
    # summary table: every step with its emulated? column
    assert "safemaker demo (local, us-east-1)" in out
    rows = {m.group(1).strip(): m.group(2) for m in
            re.finditer(r"^│ (.+?)\s*│.*│\s+[\d.]+ │ (yes|no)\s+│$", out, flags=re.M)}
    assert rows == {
        "Closed network (infra up + doctor)": "yes",
        "Prepare data (digits -> recordIO-protobuf)": "no",
        "Closed notebook instance": "yes",
        "Presigned notebook URL": "yes",
        "Upload training data to S3": "yes",
        "Train linear-learner (ClosedEstimator)": "yes",
        "Deploy (closed_deploy)": "yes",
        "Predict": "yes",
        "Refuse a non-compliant call": "no",
        "Rehearse training + prediction (no network)": "no",
        "Rehearse a pip install at start (no network)": "no",
        "Clean up": "yes",
    }
    assert re.search(r"^Total: [\d.]+ s\. emulated\? yes = answered by the local backend", out, flags=re.M)
    # the SDK's notices stay out of stdout
    assert "sagemaker.config INFO" not in out
    assert "SageMakerV2DeprecationWarning" not in proc.stderr
    # nor botocore's INFO record (the SDK's basicConfig(INFO) on the root logger) nor the session's
    # LocalBackendWarning: the steps and the summary say what was emulated (trial 6, note 17)
    assert "Found credentials" not in out + proc.stderr
    assert "LocalBackendWarning" not in out + proc.stderr


@pytest.fixture
def backend_log(monkeypatch):
    """The local backend's request log, kept when the demo stops the backend."""
    from safemaker.local.backend import LocalBackend

    kept: list = []
    original = LocalBackend.stop

    def stop(self):
        if self.running:
            kept.extend(self.requests)
        original(self)

    monkeypatch.setattr(LocalBackend, "stop", stop)
    return kept


def test_failed_step_skips_the_rest_and_cleanup_still_deletes_everything(monkeypatch, backend_log):
    def broken_predict(self):
        raise RuntimeError("endpoint unreachable")

    monkeypatch.setattr(demo_mod._Run, "predict", broken_predict)
    buf = io.StringIO()
    report = run_local_demo(console=Console(file=buf, width=250), poll_seconds=0.05)
    statuses = [(s.step, s.status) for s in report.steps]
    assert statuses == [(name, "ok") for name in STEPS[:7]] + [
        ("Predict", "failed"), ("Refuse a non-compliant call", "skipped"),
        ("Rehearse training + prediction (no network)", "skipped"),
        ("Rehearse a pip install at start (no network)", "skipped"), ("Clean up", "ok")]
    assert report.steps[7].result == "RuntimeError: endpoint unreachable"
    assert report.ok is False
    assert report.left_behind == []
    sent = [(r.service, r.operation) for r in backend_log]
    for op in ("DeleteEndpoint", "DeleteEndpointConfig", "DeleteModel", "StopNotebookInstance",
               "DeleteNotebookInstance"):
        assert ("sagemaker", op) in sent, op
    assert ("s3", "DeleteObjects") in sent
    assert "[FAILED] 8. Predict: RuntimeError: endpoint unreachable" in buf.getvalue()
    assert "[skipped] 9. Refuse a non-compliant call" in buf.getvalue()


def test_failure_before_anything_sagemaker_cleans_up_the_network_only(monkeypatch, backend_log):
    def broken_data(self):
        raise ValueError("no data")

    monkeypatch.setattr(demo_mod._Run, "prepare_data", broken_data)
    report = run_local_demo(console=Console(file=io.StringIO()), poll_seconds=0.05)
    assert [s.status for s in report.steps] == ["ok", "failed"] + ["skipped"] * 9 + ["ok"]
    assert report.steps[-1].details == ["deleted local closed network (infra down: VPC, subnets, endpoints, IAM) and bucket"]
    ops = {r.operation for r in backend_log}
    assert {"DeleteVpc", "DeleteSubnet", "DeleteSecurityGroup", "DeleteVpcEndpoints", "DeleteRole", "DeletePolicy",
            "DeleteBucket"} <= ops
    assert "CreateNotebookInstance" not in ops


def _rehearsal_oracle() -> tuple[str, list[int], list[int]]:
    """The demo's rehearsal, computed here by scikit-learn directly: (test accuracy, digits shown, predictions)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    d = demo_mod.load_digits_data()
    x = np.vstack([d.train_vectors, d.validation_vectors]).astype("float64")
    y = np.concatenate([d.train_digits, d.validation_digits])
    # the same numbers the CSV channel carries ("%g"), read back as the script reads them
    x = np.array([[float(f"{v:g}") for v in row] for row in x])
    x_test = np.array([[float(f"{v:g}") for v in row] for row in d.test_vectors])
    with threadpool_limits(limits=1, user_api="blas"):  # as the script fits (the same model, less CPU)
        model = LogisticRegression(max_iter=1000).fit(x, y)
    shown = [int(v) for v in d.test_digits[:demo_mod.PREDICT_COUNT]]
    predicted = [int(p) for p in model.predict(x_test[:demo_mod.PREDICT_COUNT].astype("float32"))]
    return f"{model.score(x_test, d.test_digits):.4f}", shown, predicted


def _assert_rehearsal_steps(out: str) -> None:
    """Steps 10 and 11: real results, labelled as rehearsed; the pip install fails with what a user needs."""
    accuracy, shown, predicted = _rehearsal_oracle()
    assert re.search(r"^\[ok\] 10\. Rehearse training \+ prediction \(no network\): scikit-learn on the digits: "
                     rf"test accuracy {accuracy} \(270 held-out digits; rehearsed locally with no network, not on "
                     r"SageMaker\) \([\d.]+ s\)$", out, flags=re.M), out
    assert (f"predictions of the digits shown: {predicted} for digits {shown} "
            f"({sum(p == t for p, t in zip(predicted, shown))}/5 correct; the model's own answer, rehearsed locally "
            "with no network, not on SageMaker)") in out
    # the script's own log, streamed under the step
    assert f"      | test accuracy {accuracy} on 270 held-out digits" in out
    assert "      | safemaker rehearse: training job train-rehearsal-" in out
    assert re.search(r"^\[ok\] 11\. Rehearse a pip install at start \(no network\): `pip install xgboost` fails as "
                     r"under EnableNetworkIsolation=True: pypi\.org:443 unreachable \(rehearsed locally with no "
                     r"network, not on SageMaker\) \([\d.]+ s\)$", out, flags=re.M), out
    assert re.search(r"^      exit code 1 after [\d.]+ s \(run alongside the previous step\)$", out, flags=re.M)
    assert "      ERROR: No matching distribution found for xgboost" in out
    assert "        pypi.org:443 (name lookup by pip install xgboost)" in out
    assert "        pip cannot reach a package index from an isolated container: put the packages in the image" in out
    assert "      | installing xgboost before training" in out
