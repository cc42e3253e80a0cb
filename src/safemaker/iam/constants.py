"""Names and quotas every IAM rendering shares: policy language version, managed-policy size,
the SageMaker service principal, the policy kinds and the fixed action lists."""

from __future__ import annotations

import re
from typing import Any

from ..partitions import partition_pattern

__all__ = ["POLICY_VERSION", "MANAGED_POLICY_MAX_CHARS", "SAGEMAKER_SERVICE_PRINCIPAL", "KINDS",
           "NOTEBOOK_DEVELOPER_ACTIONS", "EXECUTION_ROLE_ENI_ACTIONS", "BASELINE_ALLOW"]


POLICY_VERSION = "2012-10-17"
"""The IAM policy language version every rendered document declares."""

MANAGED_POLICY_MAX_CHARS = 6144
"""IAM's quota for one customer managed policy document, in characters
(IAM does not count white space; :func:`policy_size` counts compact JSON)."""

SAGEMAKER_SERVICE_PRINCIPAL = "sagemaker.amazonaws.com"
"""The service principal roles are passed to (``iam:PassedToService``)."""

KINDS = ("guardrail", "pass-role", "developer", "execution-role")
"""The policy kinds :func:`render_all` returns, in this order."""

NOTEBOOK_DEVELOPER_ACTIONS = (
    "sagemaker:CreateNotebookInstance",
    "sagemaker:CreatePresignedNotebookInstanceUrl",
    "sagemaker:DeleteNotebookInstance",
    "sagemaker:DescribeNotebookInstance",
    "sagemaker:StartNotebookInstance",
    "sagemaker:StopNotebookInstance",
    "sagemaker:UpdateNotebookInstance",
)
"""The seed's ``sagemaker:*NotebookInstance`` plus ``CreatePresignedNotebookInstanceUrl``,
spelled out (a wildcard would also grant actions AWS adds later). Scoped to the
profile's account and region; ``ListNotebookInstances`` is granted on ``*``."""

EXECUTION_ROLE_ENI_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeVpcs",
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
)
"""What the execution role needs for SageMaker to attach a job or notebook to the VPC (F13)."""

BASELINE_ALLOW: dict[str, Any] = {
    "Version": POLICY_VERSION,
    "Statement": [
        {
            "Sid": "BaselineAllowSageMakerAndPassRole",
            "Effect": "Allow",
            "Action": ["sagemaker:*", "iam:PassRole"],
            "Resource": "*",
        }
    ],
}
"""What the guardrail is meant to restrict (as ``AmazonSageMakerFullAccess`` does in the
seed): evaluated together with the Deny policies, so that "allowed" means "not denied"."""

_ROLE_ARN_RE = re.compile(rf"^arn:({partition_pattern()}):iam::\d{{12}}:role/")
_KMS_KEY_ARN_RE = re.compile(rf"^arn:({partition_pattern()}):kms:[a-z0-9-]+:\d{{12}}:key/.+$")
_KMS_ALIAS_ARN_RE = re.compile(rf"^arn:({partition_pattern()}):kms:([a-z0-9-]+):(\d{{12}}):(alias/.+)$")
