"""The process guard applies the SDK-side preflight checks to an SDK imported after it (issue #12 + #15).

``@remote`` uploads the function and its workspace to S3 before any SageMaker
request (SDK sources: ``remote_function/job.py`` ``_JobSettings`` then
``_prepare_and_upload_*``), so the guard's refusal of the CreateTrainingJob
would come after the upload. A program that turns the process guard on
(``safemaker run``, ``import safemaker.auto``, ``%load_ext safemaker``) and only
then imports the SDK must still be refused before anything is uploaded: the
local backend's request log is the proof. Run in a fresh interpreter, so that
the SDK really is imported after the guard.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from sdk_markers import sdk_major

pytestmark = pytest.mark.usefixtures("safemaker_local")

PROFILE = {
    "region": "us-east-1", "vpc_id": "vpc-0dddddddddddddddd",
    "subnets": ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0cccccccccccccccc"],
    "security_group_ids": ["sg-0bbbbbbbbbbbbbbbb"],
    "execution_role_arn": "arn:aws:iam::123456789012:role/SageMakerExecRole",
    "default_bucket": "safemaker-preflight-bucket",
}
IMG = "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1"

_SCRIPT = """
import json, sys
import safemaker
safemaker.install_process({profile!r})
assert "sagemaker" not in sys.modules, "the guard must be on before the SDK is imported"
import boto3
{import_remote}
from safemaker.errors import GuardrailViolation
boto = boto3.Session(region_name="us-east-1")
{make_session}
try:
    @remote(sagemaker_session=sess, instance_type="ml.m5.large", image_uri={img!r})
    def add(a, b):
        return a + b
except GuardrailViolation as exc:
    print(json.dumps([[v.operation, v.rule_id] for v in exc.violations]))
    sys.exit(0)
print("NOT REFUSED")
sys.exit(1)
"""


def _run(tmp_path, local) -> subprocess.CompletedProcess:
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps(PROFILE))
    if sdk_major() == 2:
        import_remote = "from sagemaker.remote_function import remote\nimport sagemaker"
        make_session = ("sess = sagemaker.Session(boto_session=boto, sagemaker_client=boto.client('sagemaker', "
                        f"endpoint_url={local.endpoint_url!r}))")
    else:
        import_remote = "from sagemaker.core.remote_function import remote\nfrom sagemaker.core.helper.session_helper import Session"
        make_session = ("sess = Session(boto_session=boto, sagemaker_client=boto.client('sagemaker', "
                        f"endpoint_url={local.endpoint_url!r}))")
    script = tmp_path / "prog.py"
    script.write_text(textwrap.dedent(_SCRIPT).format(profile=str(profile), img=IMG, import_remote=import_remote,
                                                      make_session=make_session))
    env = {**os.environ, "AWS_ENDPOINT_URL": local.endpoint_url, "AWS_EC2_METADATA_DISABLED": "true",
           "SAGEMAKER_VALIDATE_ROLE": "false"}
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.skipif(sdk_major() not in (2, 3), reason="needs the SageMaker Python SDK")
def test_remote_refused_before_any_upload_when_the_sdk_comes_after_the_process_guard(tmp_path, safemaker_local):
    safemaker_local.reset_requests()
    r = _run(tmp_path, safemaker_local)
    assert r.returncode == 0, r.stdout + r.stderr[-3000:]
    assert json.loads(r.stdout.strip().splitlines()[-1]) == [["CreateTrainingJob", "SM-PRE-REMOTE-FUNCTION"]]
    assert safemaker_local.request_count("s3", "PutObject") == 0
    assert safemaker_local.request_count("s3", "CreateMultipartUpload") == 0
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0
