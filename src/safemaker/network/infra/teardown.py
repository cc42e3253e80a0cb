"""``down`` with API calls: the stack's resources deleted in the seed's order (part 5), only those
that carry its tag, keeping (and reporting) what something outside the stack still uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from safemaker.errors import InfraError
from safemaker.network.infra.calls import _CONSOLE_FIX, _Ctx, _is_ours, _tag_value
from safemaker.network.infra.config import STACK_TAG, _GONE_ENDPOINT_STATES, _LIVE_INSTANCE_STATES
from safemaker.network.infra.observe import _Observed, _observe
from safemaker.network.infra.results import Action, DownResult


@dataclass
class _Teardown:
    """What :func:`_teardown` has deleted, kept and skipped so far."""

    obs: _Observed
    remaining: list[Action] = field(default_factory=list)
    skipped: list[Action] = field(default_factory=list)
    deleted_subnets: set[str] = field(default_factory=set)
    vpc_deleted: bool = False

    def endpoint_ids(self) -> list[str]:
        return [e["VpcEndpointId"] for e in self.obs.endpoints]

    def ours_eni(self, eni: dict[str, Any]) -> bool:
        """Whether a network interface belongs to the stack (its endpoints' or its admin host's)."""
        if eni["NetworkInterfaceId"] in {n for e in self.obs.endpoints for n in e.get("NetworkInterfaceIds") or []}:
            return True
        if any(eid in str(eni.get("Description", "")) for eid in self.endpoint_ids()):
            return True
        attachment = eni.get("Attachment") or {}
        return attachment.get("InstanceId") in {i["InstanceId"] for i in self.obs.instances}


def _teardown(ctx: _Ctx) -> DownResult:
    """Seed part 5's order: each step deletes one kind of resource, keeping what others still use."""
    down = _Teardown(_observe(ctx))
    for step in (_down_instances, _down_endpoints, _down_subnets, _down_route_tables, _down_security_groups,
                 _down_vpc, _down_dhcp_options, _down_instance_profiles, _down_roles, _down_policies):
        step(ctx, down)
    deleted = tuple(a for a in ctx.actions if a.verb != "keep")
    return DownResult(ctx.stack, deleted, tuple(down.remaining), tuple(down.skipped))


def _keep(ctx: _Ctx, down: _Teardown, kind: str, name: str, rid: str | None, why: str) -> None:
    down.remaining.append(ctx.record("keep", kind, name, rid, why))


def _skip(ctx: _Ctx, down: _Teardown, kind: str, name: str, rid: str | None) -> None:
    down.skipped.append(ctx.record("keep", kind, name, rid,
                                   f"no {STACK_TAG}={ctx.stack} tag: not of this stack, left alone"))


# Eventual consistency on deletions: EC2 answers DependencyViolation (IAM DeleteConflict) for a few
# seconds after the dependent resource (an endpoint's network interface, a subnet, a role's policy)
# went away. botocore's retry modes do not retry these codes, so RetryPolicy does.
_EVENTUALLY_FREE = ("DependencyViolation",)
_IAM_EVENTUALLY_FREE = ("DeleteConflict",)


def _down_instances(ctx: _Ctx, down: _Teardown) -> None:
    """The admin host (seed part 5: the EC2 instance first), terminated and waited for."""
    for instance in down.obs.instances:
        iid = instance["InstanceId"]
        if ctx.apply:
            ctx.call(ctx.ec2, "terminate_instances", what=iid, InstanceIds=[iid],
                     missing=("InvalidInstanceID.NotFound",))
            ctx.wait(ctx.ec2, "instance_terminated", f"instance {iid}", _CONSOLE_FIX, InstanceIds=[iid])
        ctx.record("delete", "EC2 instance", _tag_value(instance, "Name") or iid, iid, "terminate, wait")


def _down_endpoints(ctx: _Ctx, down: _Teardown) -> None:
    """The VPC endpoints, deleted and waited for (their network interfaces go with them)."""
    for endpoint in down.obs.endpoints:
        eid = endpoint["VpcEndpointId"]
        if ctx.apply:
            response = ctx.call(ctx.ec2, "delete_vpc_endpoints", what=eid, VpcEndpointIds=[eid],
                                missing=("InvalidVpcEndpointId.NotFound",)) or {}
            failures = [u for u in response.get("Unsuccessful", [])
                        if u.get("Error", {}).get("Code") != "InvalidVpcEndpointId.NotFound"]
            if failures:
                error = failures[0].get("Error", {})
                raise InfraError(f"DeleteVpcEndpoints {eid}", f"{error.get('Code')}: {error.get('Message')}",
                                 "Fix the cause and re-run down")
        ctx.record("delete", "VPC endpoint", _tag_value(endpoint, "Name") or eid, eid,
                   str(endpoint.get("ServiceName")))
    endpoint_ids = down.endpoint_ids()
    if ctx.apply and endpoint_ids:
        ctx.wait(ctx.ec2, "VpcEndpointsDeleted", f"VPC endpoints {', '.join(endpoint_ids)} to be deleted",
                 "Re-run down when they are deleted", VpcEndpointIds=endpoint_ids)


def _foreign_enis(ctx: _Ctx, down: _Teardown, name: str, ids: list[str]) -> list[dict[str, Any]]:
    """Network interfaces not of the stack with ``name`` (a filter: ``subnet-id``, ``group-id``) in ``ids``."""
    if not ids:
        return []
    return [eni for eni in ctx.items(ctx.ec2, "describe_network_interfaces", "NetworkInterfaces",
                                     Filters=[{"Name": name, "Values": ids}]) if not down.ours_eni(eni)]


def _down_subnets(ctx: _Ctx, down: _Teardown) -> None:
    """The subnets (their route table association first), unless a foreign network interface is in one."""
    foreign_by_subnet: dict[str, list[str]] = {}
    for eni in _foreign_enis(ctx, down, "subnet-id", [s["SubnetId"] for s in down.obs.subnets]):
        foreign_by_subnet.setdefault(eni.get("SubnetId", ""), []).append(
            f"{eni['NetworkInterfaceId']} ({eni.get('Description') or eni.get('InterfaceType', 'ENI')})")
    table_assocs = {a["SubnetId"]: a["RouteTableAssociationId"] for t in down.obs.route_tables
                    for a in t.get("Associations", []) if a.get("SubnetId")}
    for subnet in down.obs.subnets:
        sid = subnet["SubnetId"]
        name = _tag_value(subnet, "Name") or sid
        if sid in foreign_by_subnet:
            _keep(ctx, down, "subnet", name, sid, "still used by network interfaces not of this stack: "
                  + ", ".join(foreign_by_subnet[sid]) + "; delete them, then re-run down")
            continue
        if ctx.apply:
            if sid in table_assocs:  # explicit association with the stack's route table
                ctx.call(ctx.ec2, "disassociate_route_table", what=f"{sid} from its route table",
                         AssociationId=table_assocs[sid], missing=("InvalidAssociationID.NotFound",))
            ctx.call(ctx.ec2, "delete_subnet", what=sid, SubnetId=sid, missing=("InvalidSubnetID.NotFound",),
                     retry_codes=_EVENTUALLY_FREE)
        down.deleted_subnets.add(sid)
        ctx.record("delete", "subnet", name, sid, str(subnet.get("CidrBlock")))


def _down_route_tables(ctx: _Ctx, down: _Teardown) -> None:
    """The route table, unless a subnet that was kept (or the VPC, as main table) still uses it."""
    for table in down.obs.route_tables:
        rid = table["RouteTableId"]
        name = _tag_value(table, "Name") or rid
        left = [a.get("SubnetId") or "the VPC (main route table)" for a in table.get("Associations", [])
                if a.get("Main") or (a.get("SubnetId") and a["SubnetId"] not in down.deleted_subnets)]
        if left:
            _keep(ctx, down, "route table", name, rid, f"still associated with {', '.join(left)}; associate "
                  "those with another route table (or let down delete them), then re-run down")
            continue
        if ctx.apply:
            ctx.call(ctx.ec2, "delete_route_table", what=rid, RouteTableId=rid,
                     missing=("InvalidRouteTableID.NotFound",), retry_codes=_EVENTUALLY_FREE)
        ctx.record("delete", "route table", name, rid)


def _down_security_groups(ctx: _Ctx, down: _Teardown) -> None:
    """The security group, unless a foreign network interface uses it."""
    group_ids = [g["GroupId"] for g in down.obs.groups]
    foreign_by_group: dict[str, list[str]] = {}
    for eni in _foreign_enis(ctx, down, "group-id", group_ids):
        for g in eni.get("Groups", []):
            if g.get("GroupId") in group_ids:
                foreign_by_group.setdefault(g["GroupId"], []).append(eni["NetworkInterfaceId"])
    for group in down.obs.groups:
        gid = group["GroupId"]
        name = _tag_value(group, "Name") or group.get("GroupName", gid)
        if gid in foreign_by_group:
            _keep(ctx, down, "security group", name, gid, "still used by network interfaces not of this stack: "
                  + ", ".join(foreign_by_group[gid]) + "; delete them, then re-run down")
            continue
        if ctx.apply:
            ctx.call(ctx.ec2, "delete_security_group", what=gid, GroupId=gid,
                     missing=("InvalidGroup.NotFound",), retry_codes=_EVENTUALLY_FREE)
        ctx.record("delete", "security group", name, gid)


def _down_vpc(ctx: _Ctx, down: _Teardown) -> None:
    """The VPC, only when nothing outside the stack (nor anything kept above) is left in it."""
    vpc = down.obs.vpc
    if vpc is None:
        return
    vid = vpc["VpcId"]
    name = _tag_value(vpc, "Name") or vid
    blockers = [a.resource_id or a.name for a in down.remaining] + _foreign_in_vpc(ctx, vid, down.obs)
    if blockers:
        _keep(ctx, down, "VPC", name, vid, "still holds " + ", ".join(blockers) + " (kept above, or not "
              "of this stack: safemaker never deletes what it did not create); remove them, then re-run down")
        return
    if ctx.apply:
        ctx.call(ctx.ec2, "delete_vpc", what=vid, VpcId=vid, missing=("InvalidVpcID.NotFound",),
                 retry_codes=_EVENTUALLY_FREE)
    down.vpc_deleted = True
    ctx.record("delete", "VPC", name, vid, str(vpc.get("CidrBlock")))


def _down_dhcp_options(ctx: _Ctx, down: _Teardown) -> None:
    """The DHCP options set (after the VPC: a set in use cannot be deleted)."""
    vpc = down.obs.vpc
    for dopt in down.obs.dhcp:
        did = dopt["DhcpOptionsId"]
        name = _tag_value(dopt, "Name") or did
        users = [v["VpcId"] for v in ctx.items(ctx.ec2, "describe_vpcs", "Vpcs", Filters=[
            {"Name": "dhcp-options-id", "Values": [did]}])]
        if down.vpc_deleted and vpc is not None:
            users = [u for u in users if u != vpc["VpcId"]]
        if users:
            _keep(ctx, down, "DHCP options", name, did, f"still associated with {', '.join(users)}")
            continue
        if ctx.apply:
            ctx.call(ctx.ec2, "delete_dhcp_options", what=did, DhcpOptionsId=did,
                     missing=("InvalidDhcpOptionID.NotFound", "InvalidDhcpOptionsID.NotFound"),
                     retry_codes=_EVENTUALLY_FREE)
        ctx.record("delete", "DHCP options", name, did)


def _down_instance_profiles(ctx: _Ctx, down: _Teardown) -> None:
    """The admin host's instance profile (its role removed first); one without the stack's tag is skipped."""
    iam = ctx.iam
    for ip_name, profile in down.obs.instance_profiles.items():
        if profile is None:
            continue
        if not _is_ours(profile, ctx.stack):
            _skip(ctx, down, "instance profile", ip_name, profile["Arn"])
            continue
        if ctx.apply:
            for role in profile.get("Roles", []):
                ctx.call(iam, "remove_role_from_instance_profile", what=ip_name, InstanceProfileName=ip_name,
                         RoleName=role["RoleName"], missing=("NoSuchEntity",))
            ctx.call(iam, "delete_instance_profile", what=ip_name, InstanceProfileName=ip_name,
                     missing=("NoSuchEntity",), retry_codes=_IAM_EVENTUALLY_FREE)
        ctx.record("delete", "instance profile", ip_name, profile["Arn"])


def _down_roles(ctx: _Ctx, down: _Teardown) -> None:
    """The roles (policies detached, inline policies and instance profiles removed first)."""
    iam = ctx.iam
    for role_name, role in down.obs.roles.items():
        if role is None:
            continue
        if not _is_ours(role, ctx.stack):
            _skip(ctx, down, "IAM role", role_name, role["Arn"])
            continue
        if ctx.apply:
            for p in ctx.items(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=role_name):
                ctx.call(iam, "detach_role_policy", what=role_name, RoleName=role_name,
                         PolicyArn=p["PolicyArn"], missing=("NoSuchEntity",))
            for p in ctx.items(iam, "list_role_policies", "PolicyNames", RoleName=role_name):
                ctx.call(iam, "delete_role_policy", what=role_name, RoleName=role_name, PolicyName=p,
                         missing=("NoSuchEntity",))
            for ip in ctx.items(iam, "list_instance_profiles_for_role", "InstanceProfiles", RoleName=role_name):
                ctx.call(iam, "remove_role_from_instance_profile", what=role_name,
                         InstanceProfileName=ip["InstanceProfileName"], RoleName=role_name,
                         missing=("NoSuchEntity",))
            ctx.call(iam, "delete_role", what=role_name, RoleName=role_name, missing=("NoSuchEntity",),
                     retry_codes=_IAM_EVENTUALLY_FREE)
        ctx.record("delete", "IAM role", role_name, role["Arn"])


_DETACH = {"user": ("detach_user_policy", "UserName"), "group": ("detach_group_policy", "GroupName"),
           "role": ("detach_role_policy", "RoleName")}


def _down_policies(ctx: _Ctx, down: _Teardown) -> None:
    """The managed policies: detached from every user, group and role, old versions deleted, then deleted."""
    iam = ctx.iam
    for policy_name, policy in down.obs.policies.items():
        arn = policy["Arn"]
        if not _is_ours(policy, ctx.stack):
            _skip(ctx, down, "IAM policy", policy_name, arn)
            continue
        entities = ctx.full(iam, "list_entities_for_policy", PolicyArn=arn, missing=("NoSuchEntity",))
        attached = ([("user", u["UserName"]) for u in entities.get("PolicyUsers", [])]
                    + [("group", g["GroupName"]) for g in entities.get("PolicyGroups", [])]
                    + [("role", r["RoleName"]) for r in entities.get("PolicyRoles", [])])
        if ctx.apply:
            for kind, entity in attached:
                method, key = _DETACH[kind]
                ctx.call(iam, method, what=f"{arn} from {kind} {entity}", PolicyArn=arn, **{key: entity},
                         missing=("NoSuchEntity",))
            for version in ctx.items(iam, "list_policy_versions", "Versions", PolicyArn=arn):
                if not version.get("IsDefaultVersion"):
                    ctx.call(iam, "delete_policy_version", what=arn, PolicyArn=arn,
                             VersionId=version["VersionId"], missing=("NoSuchEntity",))
            ctx.call(iam, "delete_policy", what=arn, PolicyArn=arn, missing=("NoSuchEntity",),
                     retry_codes=_IAM_EVENTUALLY_FREE)
        others = [f"{k} {e}" for k, e in attached if not (k == "role" and e in down.obs.roles)]
        ctx.record("delete", "IAM policy", policy_name, arn,
                   ("detach from " + ", ".join(others)) if others else "")


def _foreign_in_vpc(ctx: _Ctx, vpc_id: str, obs: _Observed) -> list[str]:
    """IDs of resources in ``vpc_id`` that are not of the stack (and not AWS's defaults)."""
    ec2, stack = ctx.ec2, ctx.stack
    by_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
    found: list[str] = []
    found += [e["VpcEndpointId"] for e in ctx.items(ec2, "describe_vpc_endpoints", "VpcEndpoints", Filters=by_vpc)
              if str(e.get("State", "")).lower() not in _GONE_ENDPOINT_STATES and not _is_ours(e, stack)]
    found += [s["SubnetId"] for s in ctx.items(ec2, "describe_subnets", "Subnets", Filters=by_vpc)
              if not _is_ours(s, stack)]
    found += [g["GroupId"] for g in ctx.items(ec2, "describe_security_groups", "SecurityGroups", Filters=by_vpc)
              if g.get("GroupName") != "default" and not _is_ours(g, stack)]
    found += [t["RouteTableId"] for t in ctx.items(ec2, "describe_route_tables", "RouteTables", Filters=by_vpc)
              if not any(a.get("Main") for a in t.get("Associations", [])) and not _is_ours(t, stack)]
    found += [g["InternetGatewayId"] for g in ctx.items(
        ec2, "describe_internet_gateways", "InternetGateways",
        Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])]
    found += [n["NatGatewayId"] for n in ctx.items(ec2, "describe_nat_gateways", "NatGateways",
                                                    Filter=by_vpc)
              if n.get("State") not in ("deleted", "deleting", "failed")]
    reservations = ctx.items(ec2, "describe_instances", "Reservations", Filters=by_vpc + [
        {"Name": "instance-state-name", "Values": _LIVE_INSTANCE_STATES}])
    found += [i["InstanceId"] for r in reservations for i in r.get("Instances", []) if not _is_ours(i, stack)]
    return found
