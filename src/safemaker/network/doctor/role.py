"""The execution role may place SageMaker's network interfaces in the VPC (F13; IAM
``SimulatePrincipalPolicy``).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from safemaker.iam import EXECUTION_ROLE_ENI_ACTIONS
from safemaker.network.doctor._reading import _error_code
from safemaker.network.doctor.report import Check, OK, PROBLEM, UNKNOWN


ENI_ACTIONS: tuple[str, ...] = EXECUTION_ROLE_ENI_ACTIONS
"""What a SageMaker execution role needs to place a job's or notebook's ENIs in a VPC (F13):
the same tuple the rendered execution-role policy grants (:data:`safemaker.iam.EXECUTION_ROLE_ENI_ACTIONS`).

Amazon SageMaker AI Developer Guide, "Give SageMaker AI Access to Resources in
your Amazon VPC" (execution role permissions for VPC mode).
"""


def _role_check(role_arn: str, iam: Any) -> Check:
    try:
        decisions: dict[str, str] = {}
        for page in iam.get_paginator("simulate_principal_policy").paginate(
            PolicySourceArn=role_arn, ActionNames=list(ENI_ACTIONS)
        ):
            for result in page.get("EvaluationResults", []):
                decisions[result["EvalActionName"]] = result["EvalDecision"]
    except (ClientError, BotoCoreError, ResponseParserError) as exc:
        return Check("role.eni-permissions", role_arn, UNKNOWN,
                     f"SimulatePrincipalPolicy failed ({_error_code(exc)})",
                     "Allow iam:SimulatePrincipalPolicy on the role to the caller and run where IAM "
                     "is reachable (IAM has no VPC endpoint)")
    denied = [(a, decisions.get(a, "not evaluated")) for a in ENI_ACTIONS
              if decisions.get(a) != "allowed"]
    if denied:
        return Check("role.eni-permissions", role_arn, PROBLEM,
                     "the execution role is not allowed "
                     + ", ".join(f"{a} ({d})" for a, d in denied)
                     + ": SageMaker cannot create the network interfaces of jobs and notebooks "
                     "in the VPC, which fails with an unrelated-looking error",
                     "Attach a policy allowing " + ", ".join(a for a, _ in denied)
                     + " to the role (the execution-role policy of `safemaker infra up` has them)")
    return Check("role.eni-permissions", role_arn, OK,
                 f"the execution role is allowed all {len(ENI_ACTIONS)} ENI actions")
