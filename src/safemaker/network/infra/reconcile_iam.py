"""``up`` with API calls, the IAM part: the stack's managed policies, the execution role, and the
optional admin host (role, instance profile, EC2 instance).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from safemaker.errors import InfraError
from safemaker.network.infra.calls import _CONSOLE_FIX, _Ctx, _code, _is_ours, _message, _tags
from safemaker.network.infra.config import STACK_TAG, StackConfig, execution_role_name
from safemaker.network.infra.observe import _Observed
from safemaker.network.infra.policies import _placeholder_profile, _same_document, _trust, render_policies

if TYPE_CHECKING:  # pragma: no cover
    from safemaker.network.infra.reconcile import _Built


def _refuse_foreign_iam(cfg: StackConfig, obs: _Observed) -> None:
    """Refuse, before anything is created, IAM names of the stack taken by untagged resources."""
    taken = [("IAM role", r) for name, r in obs.roles.items() if r is not None
             and (cfg.admin_host or name == execution_role_name(cfg.name))]
    if cfg.admin_host:
        taken += [("instance profile", p) for p in obs.instance_profiles.values() if p is not None]
    taken += [("IAM policy", p) for p in obs.policies.values()]
    foreign = [f"{kind} {r['Arn']}" for kind, r in taken if not _is_ours(r, cfg.name)]
    if foreign:
        raise InfraError(f"up {cfg.name}", f"{', '.join(foreign)} exist(s) without the tag {STACK_TAG}={cfg.name}",
                         "Nothing was created. Delete or rename them, or use another stack name")


def _reconcile_iam(ctx: _Ctx, cfg: StackConfig, obs: _Observed, profile: Any,
                   built: _Built) -> dict[str, tuple[str, ...]]:
    """The managed policies (rendered from the profile) and the execution role with them attached."""
    iam, stack = ctx.iam, cfg.name
    account, resources = built.account, built.resources
    partition = cfg.partition
    # Until every ID exists (plan of a new stack), render for placeholder IDs of the same
    # length: the names and number of documents are right, the contents are not compared.
    exact = profile is not None
    documents = render_policies(profile if exact else _placeholder_profile(cfg))
    policy_arns: dict[str, list[str]] = {}
    tags = [{"Key": STACK_TAG, "Value": stack}]
    for spec in built.of_type("AWS::IAM::ManagedPolicy"):
        name, key, path = spec.name, spec.spec["key"], spec.spec["path"]
        doc = documents[key][spec.spec["index"]]
        found = obs.policies.get(name)
        arn = found["Arn"] if found else (
            f"arn:{partition}:iam::{account}:policy{path}{name}" if account else None)
        if found is not None and not _is_ours(found, stack):
            raise InfraError(f"CreatePolicy {name}",
                             f"{found['Arn']} exists without the tag {STACK_TAG}={stack}",
                             "Delete or rename that policy, or use another stack name")
        if found is None:
            if ctx.apply:
                arn = ctx.call(iam, "create_policy", what=name, PolicyName=name, Path=path,
                               PolicyDocument=json.dumps(doc),
                               Description=spec.spec["description"], Tags=tags)["Policy"]["Arn"]
            ctx.record("create", "IAM policy", name, arn, f"{key} policy")
        else:
            current = ctx.call(iam, "get_policy_version", PolicyArn=arn,
                               VersionId=found["DefaultVersionId"])["PolicyVersion"]["Document"]
            if exact and not _same_document(current, doc):
                if ctx.apply:
                    versions = ctx.items(iam, "list_policy_versions", "Versions", PolicyArn=arn)
                    if len(versions) >= 5:
                        oldest = min((v for v in versions if not v.get("IsDefaultVersion")),
                                     key=lambda v: str(v.get("CreateDate")))
                        ctx.call(iam, "delete_policy_version", what=arn, PolicyArn=arn,
                                 VersionId=oldest["VersionId"])
                    ctx.call(iam, "create_policy_version", what=arn, PolicyArn=arn,
                             PolicyDocument=json.dumps(doc), SetAsDefault=True)
                ctx.record("update", "IAM policy", name, arn, "new default version (the document changed)")
            else:
                ctx.record("keep", "IAM policy", name, arn)
        built.apply(spec, arn)
        if arn:
            policy_arns.setdefault(key, []).append(arn)
            resources[f"policy:{name}"] = arn

    role_arn = _ensure_role(ctx, obs, built, built.described["ExecutionRole"])
    if role_arn:
        resources["role:execution"] = role_arn
    return {k: tuple(v) for k, v in policy_arns.items()}


def _ensure_role(ctx: _Ctx, obs: _Observed, built: _Built, spec: Any) -> str | None:
    """A described role (``AWS::IAM::Role``): created with its trust policy, its policies attached."""
    role_name, service, description = spec.name, spec.spec["service"], spec.spec["description"]
    attach = [built.ids[p] for p in spec.spec["policies"] if built.ids.get(p)] + [
        f"arn:{ctx.partition}:iam::aws:policy/{p}" for p in spec.spec["aws_managed_policies"]]
    pending = [built.described[p].name for p in spec.spec["policies"] if not built.ids.get(p)]
    iam, stack = ctx.iam, ctx.stack
    role = obs.roles.get(role_name)
    if role is not None and not _is_ours(role, stack):
        raise InfraError(f"CreateRole {role_name}", f"{role['Arn']} exists without the tag {STACK_TAG}={stack}",
                         "Delete or rename that role, or use another stack name")
    if role is None:
        arn = None
        if ctx.apply:
            arn = ctx.call(iam, "create_role", what=role_name, RoleName=role_name,
                           AssumeRolePolicyDocument=json.dumps(_trust(service)), Description=description,
                           Tags=[{"Key": STACK_TAG, "Value": stack}])["Role"]["Arn"]
        ctx.record("create", "IAM role", role_name, arn, f"trusts {service}")
        attached: set[str] = set()
    else:
        arn = role["Arn"]
        attached = {p["PolicyArn"] for p in ctx.items(iam, "list_attached_role_policies", "AttachedPolicies",
                                                       RoleName=role_name)}
        ctx.record("keep", "IAM role", role_name, arn)
    missing = [p for p in attach if p not in attached]
    if missing or pending:
        if ctx.apply:
            for policy_arn in missing:
                ctx.call(iam, "attach_role_policy", what=f"{policy_arn} to {role_name}", RoleName=role_name,
                         PolicyArn=policy_arn,
                         fix="Check that the policy exists (AWS managed policies: the name in "
                             "aws_managed_policies) and re-run")
        names = list(pending) + [p.rsplit("/", 1)[-1] for p in missing]
        ctx.record("update", "IAM role", role_name, arn, "attach " + ", ".join(names))
    return built.apply(spec, arn)


def _reconcile_admin_host(ctx: _Ctx, cfg: StackConfig, obs: _Observed, built: _Built) -> None:
    """The admin host: its role, instance profile, and the instance (IMDSv2: the launch template's
    ``MetadataOptions``, given to ``RunInstances`` directly)."""
    iam, ec2, stack, resources = ctx.iam, ctx.ec2, cfg.name, built.resources
    host = built.described["AdminHost"]
    ip_spec = built.described[host.spec["instance_profile"]]
    role_spec = built.described[ip_spec.spec["roles"][0]]
    launch = built.described[host.spec["launch_template"]]
    subnet_id = built.ids[host.spec["subnet"]]
    sg_ids = [built.ids[g] for g in host.spec["security_groups"]]
    role_name = role_spec.name
    role_arn = _ensure_role(ctx, obs, built, role_spec)
    if role_arn:
        resources["role:admin-host"] = role_arn
    ip_name = ip_spec.name
    profile = obs.instance_profiles.get(ip_name)
    if profile is not None and not _is_ours(profile, stack):
        raise InfraError(f"CreateInstanceProfile {ip_name}",
                         f"{profile['Arn']} exists without the tag {STACK_TAG}={stack}",
                         "Delete or rename that instance profile, or use another stack name")
    if profile is None:
        ip_arn = None
        if ctx.apply:
            ip_arn = ctx.call(iam, "create_instance_profile", what=ip_name, InstanceProfileName=ip_name,
                              Tags=[{"Key": STACK_TAG, "Value": stack}])["InstanceProfile"]["Arn"]
            ctx.call(iam, "add_role_to_instance_profile", what=ip_name, InstanceProfileName=ip_name,
                     RoleName=role_name)
        ctx.record("create", "instance profile", ip_name, ip_arn, f"with role {role_name}")
    else:
        ip_arn = profile["Arn"]
        if role_name not in {r.get("RoleName") for r in profile.get("Roles", [])}:
            if ctx.apply:
                ctx.call(iam, "add_role_to_instance_profile", what=ip_name, InstanceProfileName=ip_name,
                         RoleName=role_name)
            ctx.record("update", "instance profile", ip_name, ip_arn, f"add role {role_name}")
        else:
            ctx.record("keep", "instance profile", ip_name, ip_arn)
    if built.apply(ip_spec, ip_arn):
        resources["instance-profile:admin-host"] = ip_arn
    built.apply(launch, None)

    host_name = host.name
    instance = next(iter(obs.instances), None)
    if instance is not None:
        resources["instance:admin-host"] = built.apply(host, instance["InstanceId"]) or ""
        ctx.record("keep", "EC2 instance", host_name, instance["InstanceId"], instance.get("State", {}).get("Name", ""))
        return
    ami = host.spec["ami"]
    instance_type = host.spec["instance_type"]
    if ami is None:
        if ctx.ssm is None:
            raise InfraError("finding the admin host's AMI",
                             f"no admin_ami and no SSM client to read {cfg.admin_ami_parameter}",
                             "Pass ssm_client, or set admin_ami")
        found = ctx.call(ctx.ssm, "get_parameter", what=cfg.admin_ami_parameter, Name=cfg.admin_ami_parameter,
                         missing=("ParameterNotFound",))
        if found is None:
            raise InfraError("finding the admin host's AMI", f"SSM parameter {cfg.admin_ami_parameter} not found",
                             "Set admin_ami, or admin_ami_parameter to an existing public parameter")
        ami = found["Parameter"]["Value"]
    instance_id = None
    if ctx.apply:
        tags = _tags(stack, host.tag, host_name)
        instance_id = ctx.call(
            ec2, "run_instances", what=host_name, ImageId=ami, InstanceType=instance_type,
            MinCount=1, MaxCount=1, SubnetId=subnet_id, SecurityGroupIds=sg_ids,
            IamInstanceProfile={"Name": ip_name}, MetadataOptions=dict(launch.spec["metadata_options"]),
            TagSpecifications=[{"ResourceType": "instance", "Tags": tags},
                               {"ResourceType": "volume", "Tags": tags}],
            # A new instance profile takes a few seconds to be usable by EC2.
            retry_if=lambda e: _code(e) == "InvalidParameterValue" and "nstance profile" in _message(e),
        )["Instances"][0]["InstanceId"]
        ctx.wait(ec2, "instance_running", f"instance {instance_id}", _CONSOLE_FIX, InstanceIds=[instance_id])
        resources["instance:admin-host"] = instance_id
    built.apply(host, instance_id)
    ctx.record("create", "EC2 instance", host_name, instance_id,
               f"{instance_type} from {ami} in {subnet_id or built.described[host.spec['subnet']].name}, Session "
               "Manager access, IMDSv2")
