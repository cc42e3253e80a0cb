"""The guardrail as AWS Organizations service control policies (SCPs).

The identity policies of :mod:`safemaker.iam` protect the principals they are
attached to. An SCP protects every principal of every account below the
organization root, OU or account it is attached to -- including those no one
remembered to attach a policy to, other processes, the AWS CLI, CloudFormation
and the console. It is the server-side backstop for everything the in-process
guard cannot reach (``docs/hooks.md``).

The statements are exactly :func:`safemaker.iam.guardrail_statements` and
:func:`safemaker.iam.pass_role_policy` (one rendering of the rule table), each
with one condition added, taken from the SageMaker statements of the AWS
data-perimeter policy examples
(``aws-samples/data-perimeter-policy-examples``,
``service_control_policies/service_specific_controls/restrict_nonvpc_deployment_scp.json``:
``PreventNonVPCDeploymentSageMaker``, ``PreventNonVpcOnlySageMakerDomain``,
``PreventDirectInternetAccessSageMakerNotebook``): ``"StringNotEqualsIfExists":
{"aws:PrincipalTag/dp:exclude": "true"}``, which lets a principal the
administrator tagged ``dp:exclude=true`` (a break-glass role) through and
applies to every other one, tagged or not. What was taken from there: that
exclusion convention and the shape (``Deny``, ``Resource: "*"``, ``Null`` on
``sagemaker:VpcSubnets`` for the create operations, ``StringNotEquals`` on
``sagemaker:DirectInternetAccess`` / ``sagemaker:AppNetworkAccessType``).
What safemaker's rendering adds over that example: the list of operations
comes from the rule table (the example omits e.g. ``CreateEndpointConfig``,
``CreateTransformJob``...), the subnets and security groups must be the
profile's (not only present), network isolation, inter-container traffic
encryption, root access and KMS keys are covered, and a present-but-wrong
value is denied as well as an absent one.

Limits (AWS Organizations quotas,
https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html):
an SCP document holds at most 5,120 characters (:data:`SCP_MAX_CHARS`; the
quota page counts every character, white space included, when the policy is
saved through the API, so the documents are minified: :func:`minify`), and
at most 5 SCPs can be attached directly to one root, OU or account
(:data:`SCP_MAX_ATTACHED_PER_TARGET`). SCP syntax (Deny statements with
``Action``, ``Resource`` / ``NotResource`` and ``Condition``; no
``Principal``):
https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_syntax.html.
SCPs never apply to the management account nor to service-linked roles
(https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html).
"""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any, Mapping

from ..errors import InputError, ScpCountError
from .policies import guardrail_statements, pass_role_policy
from .size import split_policy

if TYPE_CHECKING:  # pragma: no cover
    from ..profile import VpcProfile

__all__ = [
    "SCP_MAX_CHARS",
    "SCP_MAX_ATTACHED_PER_TARGET",
    "EXCLUDE_TAG",
    "ScpCountError",
    "scp_statements",
    "service_control_policies",
    "scp_name",
    "minify",
    "scp_size",
]

SCP_MAX_CHARS = 5120
"""AWS Organizations quota: maximum size of one service control policy document, in characters."""

SCP_MAX_ATTACHED_PER_TARGET = 5
"""AWS Organizations quota: SCPs attached directly to one root, OU or account. The
``FullAWSAccess`` SCP attached by default counts against it."""

EXCLUDE_TAG = "dp:exclude"
"""Principal tag that exempts a principal (value ``"true"``), as in the AWS data-perimeter examples."""


def minify(document: Mapping[str, Any]) -> str:
    """The compact JSON text of a policy (no white space outside strings), as it should be saved.

    Parameters
    ----------
    document : Mapping
        A policy document.

    Returns
    -------
    str
        ``json.dumps`` with ``(",", ":")`` separators, non-ASCII kept as is.
    """
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def scp_size(document: Mapping[str, Any]) -> int:
    """Characters of :func:`minify` ``(document)``, as counted against :data:`SCP_MAX_CHARS`."""
    return len(minify(document))


def _with_exclusion(statement: Mapping[str, Any], exclude_tag: str | None) -> dict[str, Any]:
    stmt = copy.deepcopy(dict(statement))
    if exclude_tag is None:
        return stmt
    condition = stmt.setdefault("Condition", {})
    condition.setdefault("StringNotEqualsIfExists", {})[f"aws:PrincipalTag/{exclude_tag}"] = "true"
    return stmt


def scp_statements(profile: "VpcProfile", *, source_vpce: bool = True, pass_role: bool = True,
                   exclude_tag: str | None = EXCLUDE_TAG, batch_service_jobs: bool = False) -> list[dict[str, Any]]:
    """The Deny statements of the SCPs, before packing into documents.

    Parameters
    ----------
    profile : VpcProfile
        The closed network.
    source_vpce : bool, default True
        Keep ``DenyOutsideVpcEndpoints`` (see :func:`safemaker.iam.guardrail_statements`):
        in an SCP it applies to every principal of the target, console users included.
    pass_role : bool, default True
        Add ``DenyPassingOtherRolesToSageMaker`` (:func:`safemaker.iam.pass_role_policy`).
    exclude_tag : str or None, default "dp:exclude"
        Principal tag whose value ``"true"`` exempts a principal (added to every
        statement as ``StringNotEqualsIfExists``); ``None``: no exemption.
    batch_service_jobs : bool, default False
        Leave out ``DenyBatchServiceJobs`` (see :func:`safemaker.iam.guardrail_statements`).

    Returns
    -------
    list[dict]
        The guardrail's statements (same Sids, actions and conditions), then the
        pass-role statement, each with the exemption condition; with an exemption tag,
        last ``ProtectExemptionTag``: only an exempt principal may set or remove that tag.

    Raises
    ------
    safemaker.iam.UnexpressibleRuleError
        As :func:`safemaker.iam.guardrail_statements`.
    """
    statements = list(guardrail_statements(profile, source_vpce=source_vpce, batch_service_jobs=batch_service_jobs))
    if pass_role:
        statements += pass_role_policy(profile)[0]["Statement"]
    if exclude_tag is not None:
        statements.append(_protect_exclusion(exclude_tag))
    return [_with_exclusion(s, exclude_tag) for s in statements]


def _protect_exclusion(exclude_tag: str) -> dict[str, Any]:
    """Deny setting or removing the exemption tag, except by a principal that already has it.

    Without it, a principal allowed to tag its own role or user (``iam:TagRole``), or to pass
    session tags (``sts:TagSession``: ``aws:PrincipalTag`` includes session tags), exempts itself
    from every statement. As the AWS data-perimeter examples' ``ProtectDataPerimeterTags``
    (``data_perimeter_governance_scp.json``): ``Action: "*"`` where ``aws:TagKeys`` holds the key
    (tag keys compared ignoring case, as IAM treats them); the first tagged principal is made from
    the management account, which SCPs do not restrict.
    """
    return {"Sid": "ProtectExemptionTag", "Effect": "Deny", "Action": "*", "Resource": "*",
            "Condition": {"ForAnyValue:StringEqualsIgnoreCase": {"aws:TagKeys": [exclude_tag]}}}


def service_control_policies(profile: "VpcProfile", *, source_vpce: bool = True, pass_role: bool = True,
                             exclude_tag: str | None = EXCLUDE_TAG, limit: int = SCP_MAX_CHARS,
                             max_policies: int = SCP_MAX_ATTACHED_PER_TARGET,
                             batch_service_jobs: bool = False) -> list[dict[str, Any]]:
    """The guardrail as service control policies, split to fit the SCP quotas.

    Parameters
    ----------
    profile : VpcProfile
        The closed network.
    source_vpce, pass_role, exclude_tag, batch_service_jobs
        As :func:`scp_statements`.
    limit : int, default 5120
        Maximum :func:`scp_size` of one document, in characters.
    max_policies : int, default 5
        Most documents allowed (AWS attaches at most 5 SCPs to one target,
        ``FullAWSAccess`` included: pass 4 to keep it attached).

    Returns
    -------
    list[dict]
        Documents ``{"Version": "2012-10-17", "Statement": [...]}`` in statement
        order, each within ``limit`` once minified; a statement too large alone
        is split by its ``Action`` list (``Sid`` + ``Part1``, ``Part2``...).

    Raises
    ------
    ScpCountError
        More than ``max_policies`` documents are needed.
    safemaker.iam.PolicySizeError
        One statement with a single action exceeds ``limit``.
    safemaker.errors.InputError
        (a ``ValueError``) ``limit`` or ``max_policies`` is not positive.

    Examples
    --------
    >>> docs = service_control_policies(profile)                   # doctest: +SKIP
    >>> [scp_size(d) <= SCP_MAX_CHARS for d in docs]                # doctest: +SKIP
    [True, True]
    """
    if isinstance(max_policies, bool) or not isinstance(max_policies, int) or max_policies <= 0:
        raise InputError("max_policies", max_policies, "a positive number of policies")
    docs = split_policy(scp_statements(profile, source_vpce=source_vpce, pass_role=pass_role,
                                       exclude_tag=exclude_tag, batch_service_jobs=batch_service_jobs), limit=limit)
    if len(docs) > max_policies:
        raise ScpCountError(len(docs), max_policies)
    return docs


def scp_name(index: int = 0, *, prefix: str = "safemaker") -> str:
    """Name of the ``index``-th SCP: ``safemaker-scp``, ``safemaker-scp-2``, ..."""
    return f"{prefix}-scp" + (f"-{index + 1}" if index else "")
