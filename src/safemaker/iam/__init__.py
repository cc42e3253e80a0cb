"""IAM policies rendered from the rule table: the server-side backstop of the guard.

The seed's part 3.2 has the administrator attach three policies
(RestrictInternetAccess, RestrictPassRole, DeveloperPolicy). Its
RestrictInternetAccess denies only when a parameter is present *and* wrong,
so a request that omits the parameter -- the insecure AWS default -- passes
(field report F15). This module renders the corrected policies from
:data:`safemaker.rules.RULES`, the table the guard uses, so the two cannot
drift apart:

- :func:`guardrail_policy` -- Deny statements per IAM condition key, each
  scoped to exactly the operations of the rule table whose fields map to that
  key: one statement denies the key's absence (``Null``) on the create
  operations that require the field, one denies a present and wrong value on
  every operation that carries it; optionally a Deny of ``sagemaker:*``
  outside the profile's VPC endpoints.
- :func:`pass_role_policy` -- Deny ``iam:PassRole`` of any role but the
  profile's to ``sagemaker.amazonaws.com``.
- :func:`developer_policy` -- the seed's notebook-only developer permissions,
  with ``iam:PassRole`` limited to the profile's roles.
- :func:`execution_role_policy` -- what the role SageMaker assumes needs in a
  VPC (ENI actions, F13), the profile's bucket, ECR pull, CloudWatch Logs,
  the profile's KMS keys.
- :func:`render_all` -- all four, split into managed policies of at most
  6,144 characters each; :func:`to_cloudformation` -- the same as
  ``AWS::IAM::ManagedPolicy`` resources.

The proof that the rendered guardrail denies exactly what the guard refuses
(:func:`request_context`, :func:`authorization_requests`,
:func:`parity_case`, evaluated with :mod:`safemaker.iam.evaluator`) and the list
of rules IAM cannot express (:class:`BlindSpot`) are described in
``docs/iam.md``. :func:`simulate` asks IAM itself (``SimulateCustomPolicy``).

Layout (each file owns one thing; this ``__init__`` only re-exports):

- :mod:`~safemaker.iam.constants` -- policy version, managed-policy size quota,
  service principal, policy kinds, fixed action lists;
- :mod:`~safemaker.iam.keys` -- the condition keys of the rule table and what
  a wrong value is for a profile;
- :mod:`~safemaker.iam.policies` -- rendering the four identity policies (and
  the seed's, for comparison);
- :mod:`~safemaker.iam.size` -- policy size as IAM counts it, splitting;
- :mod:`~safemaker.iam.cloudformation` -- policy names, ``AWS::IAM::ManagedPolicy``;
- :mod:`~safemaker.iam.context` -- request contexts and authorization requests;
- :mod:`~safemaker.iam.evaluator` -- the local IAM policy evaluator;
- :mod:`~safemaker.iam.parity` -- guardrail vs guard for one request, blind spots;
- :mod:`~safemaker.iam.simulate` -- IAM's ``SimulateCustomPolicy`` beside the evaluator;
- :mod:`~safemaker.iam.scp` -- the guardrail as service control policies.

``safemaker.iam_eval`` and ``safemaker.scp``, the old names of the evaluator and
SCP modules, remain as re-exports.

References
----------
- Service Authorization Reference, Amazon SageMaker AI:
  https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html
- IAM condition operators:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
- IAM quotas (managed policy size 6,144 characters, white space not counted):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
- IAM SimulateCustomPolicy:
  https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html
"""

from __future__ import annotations

from ..errors import PolicySizeError, UnexpressibleRuleError
from .constants import (
    POLICY_VERSION, MANAGED_POLICY_MAX_CHARS, SAGEMAKER_SERVICE_PRINCIPAL, KINDS,
    NOTEBOOK_DEVELOPER_ACTIONS, EXECUTION_ROLE_ENI_ACTIONS, BASELINE_ALLOW,
)
from .keys import KeyField, KeyUse, condition_key_uses
from .size import policy_size, split_policy
from .policies import (
    guardrail_statements, guardrail_policy, pass_role_policy, developer_policy, execution_role_policy,
    default_bucket_name, render, render_all, seed_policies,
)
from .cloudformation import policy_name, to_cloudformation, cloudformation_yaml
from .context import request_context, authorization_requests
from .parity import BlindSpot, ParityCase, parity_case
from .simulate import SimulationResult, simulate

__all__ = [
    "POLICY_VERSION",
    "MANAGED_POLICY_MAX_CHARS",
    "SAGEMAKER_SERVICE_PRINCIPAL",
    "KINDS",
    "NOTEBOOK_DEVELOPER_ACTIONS",
    "EXECUTION_ROLE_ENI_ACTIONS",
    "BASELINE_ALLOW",
    "PolicySizeError",
    "UnexpressibleRuleError",
    "KeyField",
    "KeyUse",
    "condition_key_uses",
    "guardrail_statements",
    "guardrail_policy",
    "pass_role_policy",
    "developer_policy",
    "execution_role_policy",
    "default_bucket_name",
    "render",
    "render_all",
    "policy_name",
    "policy_size",
    "split_policy",
    "to_cloudformation",
    "cloudformation_yaml",
    "seed_policies",
    "request_context",
    "authorization_requests",
    "BlindSpot",
    "ParityCase",
    "parity_case",
    "SimulationResult",
    "simulate",
]
