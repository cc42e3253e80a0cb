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

OPT_IN = "--- log_to_root ---"
"""Printed on stderr between the two phases of the one child (no "safemaker" in it)."""

SCRIPT = textwrap.dedent(f"""
    import logging, sys
    import sagemaker
    import sagemaker.experiments._metrics  # SDK v2: logging.basicConfig(level=logging.INFO) at import
    import safemaker
    from safemaker.local import create_local_network, local_backend
    assert logging.getLogger().handlers, "SDK v2 put no handler on the root logger"
    assert logging.getLogger().level == logging.INFO

    def guarded_call():
        with local_backend() as backend:
            profile = create_local_network(backend.session)
            sm = backend.session.client("sagemaker")
            safemaker.install(sm, profile)
            sm.create_model(ModelName="m", ExecutionRoleArn=profile.execution_role_arn,
                            PrimaryContainer={{"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/img:1"}})
            print("CALLED", flush=True)

    guarded_call()  # by default
    sys.stderr.write("{OPT_IN}\\n")
    sys.stderr.flush()
    safemaker.log_to_root()
    guarded_call()  # opted in, on a new backend
""")


@pytest.fixture(scope="module")
def phases() -> tuple[subprocess.CompletedProcess, str, str]:
    """One child for both tests (it imports SDK v2 once): a guarded call on a local backend, then
    ``safemaker.log_to_root()`` and the same on a new backend; the child's result and its stderr before and
    after ``log_to_root``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SAFEMAKER_"))}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
               AWS_EC2_METADATA_DISABLED="true", SAGEMAKER_SUPPRESS_V2_WARNING="1")
    r = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    before, marker, after = r.stderr.partition(OPT_IN)
    assert marker, r.stderr
    return r, before, after


def test_guarded_call_prints_no_info_line_after_sdk_import(phases):
    r, stderr, _ = phases
    assert "CALLED" in r.stdout.splitlines()
    assert "CreateModel" not in stderr
    assert "safemaker" not in stderr.lower()


def test_log_to_root_brings_the_info_line_back(phases):
    r, _, stderr = phases
    assert r.stdout.splitlines().count("CALLED") == 2
    assert "CreateModel" in stderr
