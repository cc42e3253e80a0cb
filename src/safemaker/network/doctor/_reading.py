"""Reading EC2 for the doctor: paginated Describe calls (botocore's paginators), what they returned
(``_State``), and failures as ``unknown``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from safemaker.errors import StatePickling, aws_error
from safemaker.network.endpoints import required_endpoints

logger = logging.getLogger(__name__)


_GONE_STATES = frozenset({"deleted", "deleting"})


class _Failed(StatePickling, Exception):
    """A Describe call failed; ``reason`` names the operation and the error code only."""

    def __init__(self, operation: str, reason: str) -> None:
        super().__init__(f"{operation} failed ({reason})")
        self.operation = operation
        self.reason = reason


def _error_code(exc: Exception) -> str:
    """The AWS error code (:func:`safemaker.errors.aws_error`), or the class of any other exception."""
    return aws_error(exc)[0]


def _describe(client: Any, method: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
    """Every item of ``key`` over all pages of ``client.<method>(**kwargs)``."""
    operation = "".join(part.title() for part in method.split("_"))
    try:
        if client.can_paginate(method):
            items: list[dict[str, Any]] = []
            for page in client.get_paginator(method).paginate(**kwargs):
                items.extend(page.get(key, []))
            return items
        return list(getattr(client, method)(**kwargs).get(key, []))
    except (ClientError, BotoCoreError, ResponseParserError) as exc:
        raise _Failed(operation, _error_code(exc)) from None


def _unknown_fix(operation: str) -> str:
    return (
        f"Allow ec2:{operation} to the caller and make the EC2 endpoint reachable "
        "(com.amazonaws.<region>.ec2 in a closed network), then re-run"
    )


@dataclass
class _State:
    """What the Describe calls returned; an entry of ``failed`` per failed operation."""

    vpc: dict[str, Any] | None = None
    attributes: dict[str, bool | None] = field(default_factory=dict)
    dhcp: dict[str, Any] | None = None
    endpoints: list[dict[str, Any]] = field(default_factory=list)
    subnets: dict[str, dict[str, Any]] = field(default_factory=dict)
    tables: list[dict[str, Any]] = field(default_factory=list)
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    s3_prefix_list: str | None = None
    nacls: list[dict[str, Any]] = field(default_factory=list)
    s3_cidrs: list[str] | None = None
    s3_cidrs_unknown: str = ""
    prefix_lists: dict[str, Any] = field(default_factory=dict)  # routed prefix list -> CIDRs or why unknown
    failed: dict[str, str] = field(default_factory=dict)


def _fetch(state: _State, operation: str, thunk: Any) -> Any:
    try:
        return thunk()
    except _Failed as exc:
        state.failed[operation] = exc.reason
        logger.debug("doctor: %s failed (%s)", operation, exc.reason)
        return None


def _required_interface_endpoints(profile: Any, features: tuple[str, ...], state: _State) -> list[dict[str, Any]]:
    kms = bool(profile.volume_kms_key_id or profile.output_kms_key_id)
    names = {r.service_name for r in required_endpoints(features, profile.region, kms=kms)
             if r.endpoint_type == "Interface"}
    return [e for e in state.endpoints if e.get("ServiceName") in names
            and str(e.get("VpcEndpointType", "")).lower() == "interface"]
