"""safemaker's log records stay off the root logger the SageMaker SDK v2 configures (issue #18).

SDK v2's ``sagemaker.experiments._metrics`` (imported by the Run / experiment machinery) calls
``logging.basicConfig(level=logging.INFO)`` at import: a StreamHandler on the root logger at INFO;
before this, every guarded call printed an INFO line from ``safemaker.guard``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.sdk2

SCRIPT = textwrap.dedent("""
    import logging, sys
    import sagemaker
    import sagemaker.experiments._metrics  # SDK v2: logging.basicConfig(level=logging.INFO) at import
    import safemaker
    from safemaker.local import local_backend
    if sys.argv[1] == "opt-in":
        safemaker.log_to_root()
    assert logging.getLogger().handlers, "SDK v2 put no handler on the root logger"
    assert logging.getLogger().level == logging.INFO
    with local_backend() as backend:
        from safemaker.local import create_local_network
        profile = create_local_network(backend.session)
        sm = backend.session.client("sagemaker")
        safemaker.install(sm, profile)
        sm.create_model(ModelName="m", ExecutionRoleArn=profile.execution_role_arn,
                        PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/img:1"})
        print("CALLED", flush=True)
""")


def _run(mode: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SAFEMAKER_"))}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
               AWS_EC2_METADATA_DISABLED="true", SAGEMAKER_SUPPRESS_V2_WARNING="1")
    return subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, env=env,
                          timeout=300)


def test_guarded_call_prints_no_info_line_after_sdk_import():
    r = _run("default")
    assert r.returncode == 0, r.stderr
    assert "CALLED" in r.stdout
    assert "CreateModel" not in r.stderr
    assert "safemaker" not in r.stderr.lower()


def test_log_to_root_brings_the_info_line_back():
    r = _run("opt-in")
    assert r.returncode == 0, r.stderr
    assert "CreateModel" in r.stderr
