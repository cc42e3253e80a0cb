"""Policy names and the rendered policies as ``AWS::IAM::ManagedPolicy`` resources of a
CloudFormation template."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

__all__ = ["policy_name", "to_cloudformation", "cloudformation_yaml"]


def policy_name(kind: str, index: int = 0, *, prefix: str = "safemaker") -> str:
    """Managed policy name of the ``index``-th document of a kind.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`.
    index : int, default 0
        Position of the document in the kind's list (0-based).
    prefix : str, default "safemaker"
        Name prefix.

    Returns
    -------
    str
        ``"safemaker-guardrail"`` for index 0, ``"safemaker-guardrail-2"`` for index 1, ...
    """
    return f"{prefix}-{kind}" + (f"-{index + 1}" if index else "")


_DESCRIPTIONS = {
    "guardrail": "safemaker: deny SageMaker requests that open a network path (rendered from the rule table)",
    "pass-role": "safemaker: deny passing any role but the profile's to SageMaker",
    "developer": "safemaker: notebook-only SageMaker development in the closed network",
    "execution-role": "safemaker: what the SageMaker execution role needs inside the VPC",
}


_CFN_CONTEXT = "com.aws.cloudformation.Context"

_WHY = {
    "guardrail": "Server-side backstop of safemaker's guard: Deny each SageMaker request whose network "
                 "fields are absent or outside the profile (one statement per condition key).",
    "pass-role": "The seed's RestrictPassRole: only the profile's roles may be passed to SageMaker.",
    "developer": "The seed's notebook-only DeveloperPolicy with iam:PassRole limited to the profile's roles.",
    "execution-role": "What SageMaker's execution role needs in the VPC: ENIs (F13), the profile's bucket, "
                      "ECR pull, CloudWatch Logs, the profile's KMS keys.",
}


def _logical_id(kind: str, index: int) -> str:
    base = "Safemaker" + "".join(part.capitalize() for part in kind.split("-")) + "Policy"
    return base + (str(index + 1) if index else "")


def to_cloudformation(policies: Mapping[str, Sequence[Mapping[str, Any]]], *,
                      prefix: str = "safemaker") -> dict[str, Any]:
    """A CloudFormation template with one ``AWS::IAM::ManagedPolicy`` per document.

    Parameters
    ----------
    policies : Mapping[str, Sequence[Mapping]]
        Kind -> documents, as :func:`render_all` returns.
    prefix : str, default "safemaker"
        Prefix of the ``ManagedPolicyName`` (:func:`policy_name`).

    Returns
    -------
    dict
        ``{"AWSTemplateFormatVersion": "2010-09-09", "Description": ...,
        "Resources": {"SafemakerGuardrailPolicy": {...}, ...}, "Outputs": {...}}``;
        each output is the policy ARN (``Ref``).
    """
    resources: dict[str, Any] = {}
    outputs: dict[str, Any] = {}
    for kind, docs in policies.items():
        for i, doc in enumerate(docs):
            lid = _logical_id(kind, i)
            resources[lid] = {
                "Type": "AWS::IAM::ManagedPolicy",
                "Metadata": {_CFN_CONTEXT: {"why": _WHY.get(kind, _DESCRIPTIONS.get(kind, kind))}},
                "Properties": {
                    "ManagedPolicyName": policy_name(kind, i, prefix=prefix),
                    "Description": _DESCRIPTIONS.get(kind, f"safemaker: {kind}"),
                    "PolicyDocument": doc,
                },
            }
            outputs[f"{lid}Arn"] = {"Description": f"ARN of {policy_name(kind, i, prefix=prefix)}",
                                    "Value": {"Ref": lid}}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "safemaker IAM policies for a closed-network SageMaker (rendered by safemaker policy render)",
        "Metadata": {_CFN_CONTEXT: {"arch": (
            "Customer managed IAM policies only, no principals: attach guardrail, pass-role and developer "
            "to developers, and guardrail, pass-role and execution-role to the SageMaker execution role. "
            "Rendered by safemaker from the rule table its client-side guard uses.")}},
        "Resources": resources,
        "Outputs": outputs,
    }


def cloudformation_yaml(policies: Mapping[str, Sequence[Mapping[str, Any]]], *, prefix: str = "safemaker") -> str:
    """:func:`to_cloudformation` as YAML text.

    Parameters
    ----------
    policies : Mapping[str, Sequence[Mapping]]
        Kind -> documents, as :func:`render_all` returns.
    prefix : str, default "safemaker"
        Prefix of the managed policy names.

    Returns
    -------
    str
        The template in YAML, keys in template order, without YAML aliases
        (CloudFormation rejects them).
    """
    import yaml

    class _NoAliases(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True  # CloudFormation rejects YAML aliases (cfn-lint W1101)

    return yaml.dump(to_cloudformation(policies, prefix=prefix), Dumper=_NoAliases, sort_keys=False, width=120)
