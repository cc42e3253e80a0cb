"""The pytest plugin's public fixtures in a project of its own (issue #18).

A temporary directory holds a test file that uses only the plugin's fixtures; ``pytest -p
safemaker.pytest_plugin`` runs it in a subprocess (plugin autoload off, so nothing of this repository's
conftest applies). Expected values come from the EC2 and SageMaker APIs (the network's VPC exists, the
refused CreateTrainingJob is the one a guard recorded) and from the socket layer (a non-loopback
connection raises).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap

OUTSIDE_TEST = textwrap.dedent('''
    import socket

    import pytest
    import safemaker
    from safemaker import GuardrailViolation
    from safemaker.pytest_plugin import OutboundNetworkBlocked


    def test_network_profile_and_decisions(safemaker_session, safemaker_local_network, safemaker_profile,
                                           safemaker_decisions):
        assert safemaker_profile is safemaker_local_network
        ec2 = safemaker_session.client("ec2")
        vpcs = ec2.describe_vpcs(VpcIds=[safemaker_profile.vpc_id])["Vpcs"]
        assert [v["VpcId"] for v in vpcs] == [safemaker_profile.vpc_id]
        subnets = ec2.describe_subnets(SubnetIds=list(safemaker_profile.subnets))["Subnets"]
        assert {s["VpcId"] for s in subnets} == {safemaker_profile.vpc_id}
        sm = safemaker_session.client("sagemaker")
        safemaker.install(sm, safemaker_profile)
        sm.create_model(ModelName="m", ExecutionRoleArn=safemaker_profile.execution_role_arn,
                        PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/img:1"})
        with pytest.raises(GuardrailViolation):
            sm.create_training_job(
                TrainingJobName="open", RoleArn=safemaker_profile.execution_role_arn,
                AlgorithmSpecification={"TrainingImage": "img", "TrainingInputMode": "File"},
                OutputDataConfig={"S3OutputPath": "s3://b/o"},
                ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
                StoppingCondition={"MaxRuntimeInSeconds": 60},
                VpcConfig={"Subnets": list(safemaker_profile.subnets), "SecurityGroupIds": ["sg-0open"]})
        assert safemaker_decisions.operations() == ["CreateModel", "CreateTrainingJob"]
        assert [r.operation for r in safemaker_decisions.refused()] == ["CreateTrainingJob"]
        assert [r.operation for r in safemaker_decisions.allowed()] == ["CreateModel"]
        model = sm.describe_model(ModelName="m")
        assert model["VpcConfig"]["Subnets"] == list(safemaker_profile.subnets)


    @pytest.mark.safemaker_offline
    def test_marker_blocks_non_loopback():
        with socket.socket() as s, pytest.raises(OutboundNetworkBlocked):
            s.connect(("192.0.2.1", 443))


    def test_fixture_blocks_name_lookup(safemaker_offline):
        with pytest.raises(socket.gaierror):
            socket.getaddrinfo("example.com", 443)


    def test_loopback_still_works(safemaker_offline, safemaker_local):
        assert safemaker_local.session.client("s3").list_buckets()["Buckets"] == []
''')


def test_outside_project_uses_the_public_fixtures(tmp_path):
    (tmp_path / "test_outside.py").write_text(OUTSIDE_TEST)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SAFEMAKER_", "PYTEST_"))}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
               AWS_EC2_METADATA_DISABLED="true", PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "safemaker.pytest_plugin", "-p", "no:cacheprovider",
                        "test_outside.py"], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert re.search(r"\b4 passed\b", r.stdout), r.stdout[-2000:]
