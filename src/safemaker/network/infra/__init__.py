"""``safemaker infra plan | up | down``: build and remove the seed's closed network.

:func:`up` builds what the seed's parts 2 and 3 build by hand (region and
names from a :class:`StackConfig`):

- a VPC (default ``10.0.0.0/16``) with ``enableDnsSupport`` and
  ``enableDnsHostnames`` on, and a DHCP options set with ``domain-name`` and
  ``domain-name-servers AmazonProvidedDNS`` (F12);
- two private subnets in two Availability Zones, on one route table of the
  stack that has only the local route and the S3 gateway endpoint's route;
- one security group for SageMaker ENIs and the interface endpoints: tcp/443
  from and to itself, tcp/443 out to the S3 prefix list, all traffic from and
  to itself when distributed training is possible (``training``,
  ``pipelines``); AWS's default allow-all egress rule is removed;
- the S3 gateway endpoint and the interface endpoints the features need
  (:mod:`safemaker.network.endpoints`), private DNS on, in both subnets;
- the IAM policies (guardrail, pass-role, developer, execution-role) rendered
  from the resulting profile by :func:`render_policies`, and the execution
  role (trusting ``sagemaker.amazonaws.com``) with the guardrail, pass-role and
  execution-role policies and the AWS managed policies of the config
  attached (the seed attaches ``AmazonSageMakerFullAccess``);
- optionally the seed's admin EC2 host (Session Manager, no SSH key), with
  its role (``AmazonSSMManagedInstanceCore``) and instance profile;

and returns (and can write) the :class:`~safemaker.profile.VpcProfile` of the
result. Every resource carries the tag ``safemaker:stack=<name>`` (and
``safemaker:resource=<logical name>``); resources are found again by these
tags, so re-running :func:`up` creates nothing. :func:`plan` reports what
:func:`up` or :func:`down` would do with Describe/List/Get calls only.
:func:`down` deletes in dependency order (seed part 5) only resources that
carry the stack's tag, waits for each deletion (botocore waiters), retries
eventual-consistency ``DependencyViolation`` errors (throttling and transient
errors are retried by botocore: :data:`CLIENT_CONFIG`), keeps (and
reports) anything that something outside the stack still depends on, and
can be re-run after a partial failure until everything is gone.

The library creates no client and never prompts: pass the clients in; the
CLI (``safemaker infra``) asks for confirmation and shows progress bars.

One file per concern: ``config`` (:class:`StackConfig`, tags, names),
``policies`` (:func:`render_policies`), ``results`` (:class:`Action`,
:class:`Plan`, :class:`UpResult`, :class:`DownResult`), ``calls`` (the
clients' configuration :data:`CLIENT_CONFIG`, :class:`RetryPolicy`, waiters,
the action log), ``observe`` (what carries the stack's tag;
:func:`stack_names`), ``reconcile`` and ``reconcile_iam`` (``up`` with API
calls: the network, then IAM and the admin host), ``teardown`` (``down``) and
``api`` (:func:`plan`, :func:`up`, :func:`down`, :func:`check_profile_path`).
This module re-exports the public names: ``from safemaker.network.infra import up``.
"""

from __future__ import annotations

from safemaker.errors import InfraError, StackConfigError
from safemaker.network.infra.api import check_profile_path, down, plan, up
from safemaker.network.infra.calls import CLIENT_CONFIG, RetryPolicy
from safemaker.network.infra.config import (
    DEFAULT_AMI_PARAMETER,
    DEFAULT_CIDR_BLOCK,
    DEFAULT_STACK,
    EXECUTION_ROLE_POLICY_KEYS,
    MUTATING_PREFIXES,
    POLICY_NAMES,
    RESOURCE_TAG,
    SSM_CORE_POLICY,
    STACK_TAG,
    StackConfig,
    admin_instance_profile_name,
    admin_role_name,
    execution_role_name,
    policy_path,
)
from safemaker.network.infra.observe import stack_names
from safemaker.network.infra.policies import execution_role_policy_keys, render_policies
from safemaker.network.infra.results import Action, DownResult, Plan, ProgressCallback, UpResult

# Also importable from here, as from the module this package was:
# SSM_CORE_POLICY, DEFAULT_AMI_PARAMETER, ProgressCallback.
__all__ = [
    "STACK_TAG",
    "RESOURCE_TAG",
    "DEFAULT_STACK",
    "DEFAULT_CIDR_BLOCK",
    "POLICY_NAMES",
    "EXECUTION_ROLE_POLICY_KEYS",
    "StackConfig",
    "check_profile_path",
    "StackConfigError",
    "InfraError",
    "RetryPolicy",
    "CLIENT_CONFIG",
    "Action",
    "Plan",
    "UpResult",
    "DownResult",
    "plan",
    "up",
    "down",
    "stack_names",
    "render_policies",
    "execution_role_policy_keys",
    "execution_role_name",
    "admin_role_name",
    "admin_instance_profile_name",
    "policy_path",
    "MUTATING_PREFIXES",
]
