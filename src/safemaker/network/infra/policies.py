"""The IAM policies of a stack: rendered from its profile (:func:`render_policies`), named, compared.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Mapping

from safemaker.network.endpoints import required_endpoints
from safemaker.network.infra.config import POLICY_NAMES, execution_role_name

if TYPE_CHECKING:  # pragma: no cover
    from safemaker.network.infra.config import StackConfig


def render_policies(profile: Any) -> dict[str, list[dict[str, Any]]]:
    """The IAM policy documents of a profile, by key (from :func:`safemaker.iam.render_all`).

    Besides ``render_all``'s four kinds, ``"guardrail-role"`` is the guardrail
    for the execution role when the profile lists VPC endpoints: the same
    statements without ``DenyOutsideVpcEndpoints``. SageMaker's own calls
    made with the execution role (a pipeline creating its steps' jobs, for
    example) carry no ``aws:SourceVpce`` and are not ``aws:ViaAWSService``
    for a role session, so that deny would block them.

    Parameters
    ----------
    profile : safemaker.profile.VpcProfile

    Returns
    -------
    dict
        ``{"guardrail": [...], "pass-role": [...], "developer": [...],
        "execution-role": [...]}`` and, with VPC endpoints in the profile,
        ``"guardrail-role": [...]``; each a list of policy documents.
    """
    from safemaker import iam

    documents = iam.render_all(profile)
    role_guardrail = iam.render("guardrail", profile, source_vpce=False)
    if role_guardrail != documents["guardrail"]:
        documents["guardrail-role"] = role_guardrail
    return documents


def execution_role_policy_keys(documents: Mapping[str, Any]) -> tuple[str, ...]:
    """Keys of :func:`render_policies` output attached to the execution role."""
    guardrail = "guardrail-role" if "guardrail-role" in documents else "guardrail"
    return (guardrail, "pass-role", "execution-role")


def _placeholder_profile(cfg: "StackConfig") -> Any:
    """A profile of well-formed placeholder IDs, as long as real ones (for naming policies)."""
    from safemaker.profile import VpcProfile

    count = len(required_endpoints(cfg.features, cfg.region, kms=cfg.kms))
    data: dict[str, Any] = {
        "region": cfg.region,
        "vpc_id": f"vpc-{1:017x}",
        "subnets": [f"subnet-{1:017x}", f"subnet-{2:017x}"],
        "security_group_ids": [f"sg-{1:017x}"],
        "execution_role_arn": f"arn:{cfg.partition}:iam::000000000000:role/{execution_role_name(cfg.name)}",
        "vpc_endpoint_ids": [f"vpce-{i + 1:017x}" for i in range(count)],
    }
    for key in ("volume_kms_key_id", "output_kms_key_id", "default_bucket"):
        if getattr(cfg, key):
            data[key] = getattr(cfg, key)
    return VpcProfile.from_mapping(data, source="placeholders", env=False)


def _policy_names(stack: str, key: str, count: int) -> list[str]:
    base = f"{stack}-{POLICY_NAMES.get(key, key)}"
    return [base] if count == 1 else [f"{base}{i + 1}" for i in range(count)]


def _trust(service: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}


def _same_document(a: Any, b: Any) -> bool:
    def norm(doc: Any) -> str:
        if isinstance(doc, str):
            from urllib.parse import unquote

            try:
                doc = json.loads(unquote(doc))
            except ValueError:
                return doc
        return json.dumps(doc, sort_keys=True)

    return norm(a) == norm(b)
