"""Build the closed network through CloudFormation: the template of :mod:`safemaker.network.template`,
applied as one CloudFormation stack.

:func:`deploy` is the CloudFormation way of :func:`safemaker.network.infra.up` for an AWS account: the
same description (:func:`safemaker.network.stack.describe`), rendered by
:func:`safemaker.network.template.render`, created (or updated) as the stack
``safemaker-<name>`` with ``CreateStack`` / ``UpdateStack`` and waited for with
botocore's CloudFormation waiters (``stack_create_complete``,
``stack_update_complete``); the profile is read from the stack's outputs.

On the local backend use :func:`safemaker.network.infra.up`, which applies
the same description with EC2 and IAM calls: moto's CloudFormation ignores
DHCP options, security group egress rules, route table associations and
role policy attachments, so a stack there is not the closed network.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from safemaker.errors import InfraError
from safemaker.network import infra, template
from safemaker.network.infra.calls import _Ctx
from safemaker.network.infra.config import _as_config
from safemaker.network.infra.reconcile import _s3_prefix_list

__all__ = ["deploy", "delete", "find_stack", "cloudformation_stack_name", "TEMPLATE_BODY_LIMIT"]

TEMPLATE_BODY_LIMIT = 51_200
"""Largest ``TemplateBody`` CloudFormation accepts, in bytes (AWS CloudFormation User Guide, quotas)."""


def cloudformation_stack_name(stack: str) -> str:
    """``safemaker-<stack>``: the CloudFormation stack of a safemaker stack."""
    return f"safemaker-{stack}"


def deploy(
    config: infra.StackConfig,
    *,
    cloudformation_client: Any,
    ec2_client: Any,
    profile_path: str | Path | None = None,
    retry: infra.RetryPolicy | None = None,
    progress: infra.ProgressCallback | None = None,
) -> infra.UpResult:
    """Create or update the stack's CloudFormation stack and wait for it; write the profile.

    Parameters
    ----------
    config : safemaker.network.infra.StackConfig
    cloudformation_client : botocore CloudFormation client
        In ``config.region`` (:data:`~safemaker.network.infra.CLIENT_CONFIG` retries).
    ec2_client : botocore EC2 client
        In ``config.region``: one ``DescribePrefixLists`` call for the ``S3PrefixListId`` parameter.
    profile_path : str or pathlib.Path, optional
        Where to write the profile read from the stack's outputs.
    retry : RetryPolicy, optional
        ``wait_delay`` and ``wait_attempts`` are the waiters' ``Delay`` and ``MaxAttempts``.
    progress : callable, optional
        Called with the stack's :class:`~safemaker.network.infra.Action`.

    Returns
    -------
    safemaker.network.infra.UpResult
        ``resources`` has ``cloudformation-stack`` (the stack ID) and the outputs' IDs.

    Raises
    ------
    safemaker.network.infra.StackConfigError
        ``config`` is not a StackConfig, or ``profile_path`` cannot be written.
    InfraError
        A call failed, the stack did not reach ``CREATE_COMPLETE`` / ``UPDATE_COMPLETE``
        (CloudFormation rolls back), the region has no S3 prefix list, or the
        template is larger than :data:`TEMPLATE_BODY_LIMIT` (upload it to S3 and
        create the stack with ``TemplateURL``).

    References
    ----------
    AWS CloudFormation API Reference: CreateStack, UpdateStack, DescribeStacks.
    """
    cfg = _as_config(config)
    if profile_path is not None:
        infra.check_profile_path(profile_path)
    ctx = _Ctx(cfg.name, ec2=ec2_client, iam=None, ssm=cloudformation_client, apply=True, retry=retry,
                     progress=progress)
    cfn = ctx.ssm  # prepared like the other clients (refused loopback port not retried)
    prefix_list = _s3_prefix_list(ctx, cfg.region)
    if prefix_list is None:
        raise InfraError("DescribePrefixLists", f"no prefix list for S3 in {cfg.region}", "Check the region")
    body = json.dumps(template.render(cfg, s3_prefix_list_id=prefix_list), separators=(",", ":"))
    name = cloudformation_stack_name(cfg.name)
    if len(body.encode()) > TEMPLATE_BODY_LIMIT:
        raise InfraError(f"CreateStack {name}", f"the template is {len(body.encode())} bytes, more than "
                         f"CloudFormation's {TEMPLATE_BODY_LIMIT} for TemplateBody",
                         "Write it with `safemaker infra template`, upload it to S3 and create the stack "
                         "with TemplateURL")
    args = dict(StackName=name, TemplateBody=body, Capabilities=["CAPABILITY_NAMED_IAM"],
                Parameters=[{"ParameterKey": "S3PrefixListId", "ParameterValue": prefix_list}],
                Tags=[{"Key": infra.STACK_TAG, "Value": cfg.name}])
    found = ctx.call(cfn, "describe_stacks", StackName=name,
                     missing=("ValidationError",))  # "Stack with id ... does not exist"
    stacks = (found or {}).get("Stacks", [])
    fix = "See the stack's events in the CloudFormation console, fix the cause and re-run"
    if not stacks:
        stack_id = ctx.call(cfn, "create_stack", what=name, **args)["StackId"]
        ctx.wait(cfn, "stack_create_complete", f"CloudFormation stack {name}", fix, StackName=stack_id)
        ctx.record("create", "CloudFormation stack", name, stack_id, f"{len(json.loads(body)['Resources'])} resources")
    else:
        stack_id = stacks[0]["StackId"]
        try:
            ctx.call(cfn, "update_stack", what=name, **args)
        except InfraError as exc:  # nothing changed: a ValidationError "No updates are to be performed."
            if "No updates are to be performed" not in str(exc):
                raise
            ctx.record("keep", "CloudFormation stack", name, stack_id)
        else:
            ctx.wait(cfn, "stack_update_complete", f"CloudFormation stack {name}", fix, StackName=stack_id)
            ctx.record("update", "CloudFormation stack", name, stack_id)
    (described,) = ctx.call(cfn, "describe_stacks", StackName=stack_id)["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    data: dict[str, Any] = {
        "region": cfg.region, "vpc_id": outputs["VpcId"], "subnets": outputs["SubnetIds"].split(","),
        "security_group_ids": [outputs["SecurityGroupId"]], "execution_role_arn": outputs["ExecutionRoleArn"],
        "vpc_endpoint_ids": outputs["VpcEndpointIds"].split(","),
    }
    for key in ("volume_kms_key_id", "output_kms_key_id", "default_bucket"):
        if getattr(cfg, key):
            data[key] = getattr(cfg, key)
    from safemaker.profile import VpcProfile

    profile = VpcProfile.from_mapping(data, source=f"cloudformation:{name}", env=False)
    policy_arns = {key: tuple(outputs[k].split(",")) for key in infra.POLICY_NAMES
                   if (k := f"{template._logical(key)}PolicyArns") in outputs}
    resources = {"cloudformation-stack": stack_id, "vpc": profile.vpc_id,
                 **{f"subnet-{i + 1}": s for i, s in enumerate(profile.subnets)},
                 "security-group": outputs["SecurityGroupId"], "role:execution": profile.execution_role_arn}
    written = profile.dump(Path(profile_path)) if profile_path is not None else None
    return infra.UpResult(cfg.name, profile, tuple(ctx.actions), resources, policy_arns, written)


def find_stack(stack: str, *, cloudformation_client: Any) -> dict[str, Any] | None:
    """The CloudFormation stack ``safemaker-<stack>`` (a ``DescribeStacks`` ``Stacks`` entry), or None.

    A stack that was deleted (``DELETE_COMPLETE``) is None, as CloudFormation no
    longer answers for it by name.

    Raises
    ------
    InfraError
        ``DescribeStacks`` failed other than for a stack that does not exist.

    References
    ----------
    AWS CloudFormation API Reference: DescribeStacks.
    """
    ctx = _Ctx(stack, ec2=None, iam=None, ssm=cloudformation_client, apply=False, retry=None, progress=None)
    found = ctx.call(ctx.ssm, "describe_stacks", StackName=cloudformation_stack_name(stack),
                     missing=("ValidationError",))  # "Stack with id ... does not exist"
    stacks = [s for s in (found or {}).get("Stacks", []) if s.get("StackStatus") != "DELETE_COMPLETE"]
    return stacks[0] if stacks else None


def delete(
    stack: str,
    *,
    cloudformation_client: Any,
    retry: infra.RetryPolicy | None = None,
    progress: infra.ProgressCallback | None = None,
) -> infra.DownResult:
    """Delete the CloudFormation stack ``safemaker-<stack>`` made by :func:`deploy` and wait for it.

    CloudFormation deletes the stack's resources in dependency order; the wait
    is botocore's ``stack_delete_complete`` waiter.

    Parameters
    ----------
    stack : str
        The safemaker stack name (the CloudFormation stack is ``safemaker-<stack>``).
    cloudformation_client : botocore CloudFormation client
    retry : RetryPolicy, optional
        ``wait_delay`` and ``wait_attempts`` are the waiter's ``Delay`` and ``MaxAttempts``.
    progress : callable, optional
        Called with each :class:`~safemaker.network.infra.Action`.

    Returns
    -------
    safemaker.network.infra.DownResult
        One ``delete`` action (the stack); ``remaining`` is empty. No stack: no actions.

    Raises
    ------
    InfraError
        A call failed, or the deletion ended in ``DELETE_FAILED`` (a resource
        that something outside the stack still uses: the message says so;
        delete it or retain it, then re-run).

    References
    ----------
    AWS CloudFormation API Reference: DeleteStack, DescribeStacks.
    """
    ctx = _Ctx(stack, ec2=None, iam=None, ssm=cloudformation_client, apply=True, retry=retry,
                     progress=progress)
    found = find_stack(stack, cloudformation_client=cloudformation_client)
    if found is None:
        return infra.DownResult(stack, (), ())
    name, stack_id = cloudformation_stack_name(stack), found["StackId"]
    ctx.call(ctx.ssm, "delete_stack", what=name, StackName=stack_id)
    ctx.wait(ctx.ssm, "stack_delete_complete", f"CloudFormation stack {name}",
             "See the stack's events (DELETE_FAILED names the resource still in use), free or retain it and "
             "re-run", StackName=stack_id)
    ctx.record("delete", "CloudFormation stack", name, stack_id)
    return infra.DownResult(stack, tuple(ctx.actions), ())
