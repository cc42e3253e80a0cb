"""Pure helpers of the hooks that the new rules rely on (no network)."""

from __future__ import annotations

import pytest

from safemaker import hooks, pipeline
from safemaker.guard import ResolvedReference


@pytest.mark.parametrize(
    "url, custom",
    [
        ("http://127.0.0.1:5000", True),
        ("http://localhost:4566", True),
        ("https://proxy.internal.example:8443", True),
        ("https://api.sagemaker.us-east-1.amazonaws.com", False),
        ("https://vpce-0123456789abcdef0-abcdefgh.api.sagemaker.us-east-1.vpce.amazonaws.com", False),
        ("https://api.sagemaker.cn-north-1.amazonaws.com.cn", False),
        (None, False),
    ],
)
def test_only_non_aws_endpoints_are_reused_for_s3(url, custom):
    """A SageMaker VPC endpoint is not an S3 endpoint: S3 resolves its own unless the endpoint is local."""
    assert hooks._custom_endpoint(url) is custom


def test_describe_extras_carry_the_pipeline_version_only_for_pipelines():
    ref = ResolvedReference("PipelineName", "pipeline", "p")
    request = {"PipelineName": "p", "PipelineVersionId": 3, "PipelineVersionAlias": None}
    assert hooks._describe_extras("StartPipelineExecution", ref, request) == {"PipelineVersionId": 3}
    assert hooks._describe_extras("StartPipelineExecution", ResolvedReference("ModelName", "model", "m"),
                                  request) == {}


def test_describe_extras_carry_the_scope_of_a_space_or_user_profile():
    """botocore: DescribeSpace and DescribeUserProfile require DomainId; CreateApp gives it (trial 8 F04)."""
    request = {"DomainId": "d-1", "SpaceName": "s", "AppType": "JupyterLab", "AppName": "a"}
    assert hooks._describe_extras("CreateApp", ResolvedReference("SpaceName", "space", "s"), request) == {
        "DomainId": "d-1"}
    assert hooks._describe_extras("CreateApp", ResolvedReference("DomainId", "domain", "d-1"), request) == {}


def test_execution_parameters_by_name():
    request = {"PipelineParameters": [{"Name": "Subnet", "Value": "subnet-1"}, {"Name": "Iso", "Value": "true"},
                                      {"Value": "no name"}]}
    assert pipeline.execution_parameters(request) == {"Subnet": "subnet-1", "Iso": "true"}
    assert pipeline.execution_parameters({}) == {}


def test_reference_limits():
    assert hooks.MAX_REFERENCE_DEPTH == 3  # inference component -> endpoint -> endpoint config -> model
