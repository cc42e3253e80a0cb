"""What exists: the resources that carry a stack's tag (``_observe``), and the stacks of a region
(:func:`stack_names`). Read-only calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from safemaker.errors import InfraError
from safemaker.network.infra.calls import RetryPolicy, _Ctx, _tag_value
from safemaker.network.infra.config import (
    _GONE_ENDPOINT_STATES,
    _LIVE_INSTANCE_STATES,
    RESOURCE_TAG,
    STACK_TAG,
    admin_instance_profile_name,
    admin_role_name,
    execution_role_name,
    policy_path,
)


@dataclass
class _Observed:
    vpcs: list[dict[str, Any]] = field(default_factory=list)
    dhcp: list[dict[str, Any]] = field(default_factory=list)
    subnets: list[dict[str, Any]] = field(default_factory=list)
    route_tables: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    endpoints: list[dict[str, Any]] = field(default_factory=list)
    instances: list[dict[str, Any]] = field(default_factory=list)
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    roles: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    instance_profiles: dict[str, dict[str, Any] | None] = field(default_factory=dict)

    @property
    def vpc(self) -> dict[str, Any] | None:
        return self.vpcs[0] if self.vpcs else None

    def by_logical(self, items: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return {(_tag_value(i, RESOURCE_TAG) or ""): i for i in items}


def _observe(ctx: _Ctx) -> _Observed:
    stack = ctx.stack
    ec2, iam = ctx.ec2, ctx.iam
    tag = [{"Name": f"tag:{STACK_TAG}", "Values": [stack]}]
    obs = _Observed()
    obs.vpcs = ctx.items(ec2, "describe_vpcs", "Vpcs", Filters=tag)
    if len(obs.vpcs) > 1:
        ids = ", ".join(v["VpcId"] for v in obs.vpcs)
        raise InfraError(f"finding stack {stack}", f"{len(obs.vpcs)} VPCs carry {STACK_TAG}={stack}: {ids}",
                         "Delete the extra VPC or remove its tag, or use another stack name")
    obs.dhcp = ctx.items(ec2, "describe_dhcp_options", "DhcpOptions", Filters=tag)
    obs.subnets = ctx.items(ec2, "describe_subnets", "Subnets", Filters=tag)
    obs.route_tables = ctx.items(ec2, "describe_route_tables", "RouteTables", Filters=tag)
    obs.groups = ctx.items(ec2, "describe_security_groups", "SecurityGroups", Filters=tag)
    obs.endpoints = [
        e for e in ctx.items(ec2, "describe_vpc_endpoints", "VpcEndpoints", Filters=tag)
        if str(e.get("State", "")).lower() not in _GONE_ENDPOINT_STATES
    ]
    reservations = ctx.items(ec2, "describe_instances", "Reservations", Filters=tag + [
        {"Name": "instance-state-name", "Values": _LIVE_INSTANCE_STATES}])
    obs.instances = [i for r in reservations for i in r.get("Instances", [])]
    for policy in ctx.items(iam, "list_policies", "Policies", Scope="Local",
                            PathPrefix=policy_path(stack)):
        full = ctx.call(iam, "get_policy", PolicyArn=policy["Arn"], missing=("NoSuchEntity",))
        if full is not None:
            obs.policies[policy["PolicyName"]] = full["Policy"]
    for role_name in (execution_role_name(stack), admin_role_name(stack)):
        found = ctx.call(iam, "get_role", RoleName=role_name, missing=("NoSuchEntity",))
        obs.roles[role_name] = found["Role"] if found else None
    name = admin_instance_profile_name(stack)
    found = ctx.call(iam, "get_instance_profile", InstanceProfileName=name, missing=("NoSuchEntity",))
    obs.instance_profiles[name] = found["InstanceProfile"] if found else None
    return obs


_STACK_RESOURCE_TYPES = ["vpc", "subnet", "route-table", "security-group", "dhcp-options"]
"""EC2 resource types whose tags name the stacks of a region: a stack's network while it exists.
Instances and VPC endpoints are left out: terminated and deleted ones keep their tags for a while,
and they cannot outlive the subnets and VPC that hold them."""


def stack_names(ec2_client: Any, *, retry: RetryPolicy | None = None) -> tuple[str, ...]:
    """Names of the stacks that have a network in the EC2 client's region.

    The values of the ``safemaker:stack`` tag (:data:`STACK_TAG`) on VPCs,
    subnets, route tables, security groups and DHCP options sets, from one
    paginated EC2 ``DescribeTags`` call (read-only). IAM resources are global
    and not looked at.

    Parameters
    ----------
    ec2_client : botocore EC2 client
        In the region to look at.
    retry : RetryPolicy, optional
        Unused since botocore retries throttling and transient errors (the client's retry
        mode, :data:`CLIENT_CONFIG`); kept for compatibility.

    Returns
    -------
    tuple of str
        Sorted, unique; empty when no stack exists in the region.

    Raises
    ------
    InfraError
        ``DescribeTags`` failed after retries (e.g. ``UnauthorizedOperation``).

    References
    ----------
    Amazon EC2 API Reference: DescribeTags (filters ``key`` and ``resource-type``).
    """
    ctx = _Ctx("", ec2=ec2_client, iam=None, apply=False, retry=retry, progress=None)
    tags = ctx.items(ec2_client, "describe_tags", "Tags", Filters=[
        {"Name": "key", "Values": [STACK_TAG]}, {"Name": "resource-type", "Values": _STACK_RESOURCE_TYPES}])
    return tuple(sorted({str(t["Value"]) for t in tags if t.get("Value")}))
