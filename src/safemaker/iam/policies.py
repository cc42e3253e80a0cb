"""Rendering the identity policies from the rule table: the guardrail (Deny per condition key),
pass-role, developer and execution-role policies, and the seed's own policies for comparison."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..instances import INSTANCE_STORE_IAM_PATTERNS
from ..rules_classification import OperationClass, classification, refused_for
from .constants import KINDS, MANAGED_POLICY_MAX_CHARS, NOTEBOOK_DEVELOPER_ACTIONS, POLICY_VERSION, SAGEMAKER_SERVICE_PRINCIPAL, _KMS_ALIAS_ARN_RE
from .keys import condition_key_uses, _INSTANCE_TYPES, _actions, _by_instance_type, _key_value_rule, _sid_part, _sorted_keys
from .size import split_policy

if TYPE_CHECKING:  # pragma: no cover
    from ..profile import VpcProfile

__all__ = ["BATCH_SERVICE_JOBS_SID", "refused_operations", "guardrail_statements", "guardrail_policy", "pass_role_policy", "developer_policy",
           "default_bucket_name", "execution_role_policy", "render", "render_all", "seed_policies"]


def refused_operations(profile: "VpcProfile | None" = None) -> list[str]:
    """Every operation the guard refuses outright, sorted: the ``refused`` class of
    :func:`safemaker.rules_classification.classification` (rules with ``unsupported`` set and
    :data:`safemaker.rules_classification.REFUSED`).

    Parameters
    ----------
    profile : VpcProfile, optional
        Leave out the operations a switch of this profile lets through
        (:data:`safemaker.rules_classification.REFUSED_UNLESS`: ``allow_pipeline_callbacks``).

    Returns
    -------
    list[str]
        Operation names (botocore's spelling, which is the IAM action name); the guardrail
        and the SCP deny each outright (``DenyOperationsThatCannotRunClosed``).
    """
    return sorted(op for op, row in classification().items() if row.operation_class is OperationClass.REFUSED
                  and (profile is None or refused_for(op, profile)))


BATCH_SERVICE_JOBS_SID = "DenyBatchServiceJobs"
"""Sid of the guardrail's Deny of ``batch:SubmitServiceJob`` (:func:`guardrail_statements`)."""


def guardrail_statements(profile: "VpcProfile", *, source_vpce: bool = True,
                         batch_service_jobs: bool = False) -> list[dict[str, Any]]:
    """The guardrail's Deny statements, before splitting into policy documents.

    Parameters
    ----------
    profile : VpcProfile
        The closed network: its subnets, security groups, switches and keys
        are the allowed values.
    source_vpce : bool, default True
        Add ``DenyOutsideVpcEndpoints`` when the profile lists
        ``vpc_endpoint_ids`` (see ``docs/iam.md``: it locks the console out).
    batch_service_jobs : bool, default False
        Leave out :data:`BATCH_SERVICE_JOBS_SID`: AWS Batch service jobs are then decided by the in-process
        guard only (IAM cannot see their payload, and the training job they create is made by AWS Batch's
        service-linked role, which neither identity policies nor SCPs govern).

    Returns
    -------
    list[dict]
        In order: ``DenyOperationsThatCannotRunClosed`` (every operation the
        guard refuses outright under ``profile``, :func:`refused_operations`, denied: the pipeline
        callbacks unless ``allow_pipeline_callbacks``); for each condition key,
        ``Deny<Key>Absent`` (``Null: {key: "true"}`` on the create operations
        that require the field) and ``Deny<Key><Wrong>`` (the present and wrong
        value on every operation that carries the field); then
        ``DenyBatchServiceJobs`` (unless ``batch_service_jobs``: ``batch:SubmitServiceJob``, whose only job
        type is a SageMaker training job) and ``DenyOutsideVpcEndpoints``. Every statement is
        ``Resource: "*"``.

    Raises
    ------
    UnexpressibleRuleError
        The rule table maps a field to a key with no IAM rendering here.
    """
    statements: list[dict[str, Any]] = []
    unsupported = refused_operations(profile)
    if unsupported:
        statements.append({
            "Sid": "DenyOperationsThatCannotRunClosed",
            "Effect": "Deny",
            "Action": _actions(unsupported),
            "Resource": "*",
        })
    uses_by_key = condition_key_uses()
    for key in _sorted_keys(uses_by_key):
        uses = uses_by_key[key]
        rule = _key_value_rule(key, uses, profile)
        if rule is None:
            continue
        by_type = [u.operation for u in uses if u.deny_absent and _by_instance_type(u)]
        absent_ops = [u.operation for u in uses if u.deny_absent and not _by_instance_type(u)]
        if by_type:
            # instance-store volumes take no volume key: absence is allowed only when every instance type the
            # job may run on has them (a mix [ml.c5, ml.g5] would give a c5 job an EBS volume under the AWS managed
            # key: trial 14b F00). ForAnyValue: one type outside the patterns denies; it is false on an absent
            # sagemaker:InstanceTypes, so the second statement denies a keyless request without instance types
            statements.append({
                "Sid": f"Deny{_sid_part(key)}Absent",
                "Effect": "Deny",
                "Action": _actions(by_type),
                "Resource": "*",
                "Condition": {"Null": {key: "true"},
                              "ForAnyValue:StringNotLike": {_INSTANCE_TYPES: list(INSTANCE_STORE_IAM_PATTERNS)}},
            })
            statements.append({
                "Sid": f"Deny{_sid_part(key)}WithoutInstanceTypesAbsent",
                "Effect": "Deny",
                "Action": _actions(by_type),
                "Resource": "*",
                "Condition": {"Null": {key: "true", _INSTANCE_TYPES: "true"}},
            })
        if absent_ops:
            statements.append({
                "Sid": f"Deny{_sid_part(key)}{'OtherResources' if by_type else ''}Absent",
                "Effect": "Deny",
                "Action": _actions(absent_ops),
                "Resource": "*",
                "Condition": {"Null": {key: "true"}},
            })
        statements.append({
            "Sid": f"Deny{_sid_part(key)}{rule.sid_suffix}",
            "Effect": "Deny",
            "Action": _actions(u.operation for u in uses),
            "Resource": "*",
            "Condition": rule.condition(key),
        })
    if not batch_service_jobs:
        # botocore batch SubmitServiceJob "Submits a service job ... to run on SageMaker AI" (serviceJobType:
        # SAGEMAKER_TRAINING only); its serviceRequestPayload, the CreateTrainingJob request, has no condition key
        # and the training job is created by the service-linked role AWSServiceRoleForAWSBatchWithSagemaker,
        # outside every statement above: the one server-side control is the action itself
        statements.append({
            "Sid": BATCH_SERVICE_JOBS_SID,
            "Effect": "Deny",
            "Action": "batch:SubmitServiceJob",
            "Resource": "*",
        })
    if source_vpce and profile.vpc_endpoint_ids:
        statements.append({
            "Sid": "DenyOutsideVpcEndpoints",
            "Effect": "Deny",
            "Action": "sagemaker:*",
            "Resource": "*",
            "Condition": {
                "StringNotEquals": {"aws:SourceVpce": list(profile.vpc_endpoint_ids)},
                "BoolIfExists": {"aws:ViaAWSService": "false"},
            },
        })
    return statements


def guardrail_policy(profile: "VpcProfile", *, source_vpce: bool = True, batch_service_jobs: bool = False,
                     limit: int = MANAGED_POLICY_MAX_CHARS) -> list[dict[str, Any]]:
    """The corrected RestrictInternetAccess: Deny every request that opens a network path.

    Parameters
    ----------
    profile : VpcProfile
        The closed network.
    source_vpce : bool, default True
        Deny ``sagemaker:*`` from outside the profile's ``vpc_endpoint_ids``
        (when it lists any), except calls AWS services make on the caller's
        behalf (``aws:ViaAWSService``).
    batch_service_jobs : bool, default False
        Let AWS Batch service jobs through (:func:`guardrail_statements`).
    limit : int, default 6144
        Maximum size of one document (:func:`policy_size`).

    Returns
    -------
    list[dict]
        One or more policy documents (``Version`` 2012-10-17) holding the
        statements of :func:`guardrail_statements`.

    Raises
    ------
    UnexpressibleRuleError
        As :func:`guardrail_statements`.
    PolicySizeError
        A single statement does not fit in ``limit`` even with one action.

    Examples
    --------
    >>> docs = guardrail_policy(profile)                       # doctest: +SKIP
    >>> [s["Sid"] for s in docs[0]["Statement"]][:2]           # doctest: +SKIP
    ['DenyVpcSubnetsAbsent', 'DenyVpcSubnetsOutsideProfile']
    """
    return split_policy(guardrail_statements(profile, source_vpce=source_vpce,
                                             batch_service_jobs=batch_service_jobs), limit=limit)


def pass_role_policy(profile: "VpcProfile", *, limit: int = MANAGED_POLICY_MAX_CHARS) -> list[dict[str, Any]]:
    """The seed's RestrictPassRole: Deny passing any role but the profile's to SageMaker.

    Parameters
    ----------
    profile : VpcProfile
        ``allowed_role_arns`` (execution role first) are the roles that may be passed.
    limit : int, default 6144
        Maximum size of one document.

    Returns
    -------
    list[dict]
        One document: ``Deny iam:PassRole`` with ``NotResource`` the profile's
        roles, when ``iam:PassedToService`` is ``sagemaker.amazonaws.com``.
        Attach it to the developers *and* to the execution role (the seed's
        point: a notebook must not create a notebook with a stronger role).
    """
    return split_policy([{
        "Sid": "DenyPassingOtherRolesToSageMaker",
        "Effect": "Deny",
        "Action": "iam:PassRole",
        "NotResource": list(profile.allowed_role_arns),
        "Condition": {"StringEquals": {"iam:PassedToService": SAGEMAKER_SERVICE_PRINCIPAL}},
    }], limit=limit)


def _arn(profile: "VpcProfile", service: str, resource: str) -> str:
    """An ARN in the profile's partition, region and account."""
    return f"arn:{profile.partition}:{service}:{profile.region}:{profile.account_id}:{resource}"


def _eni_create_statement(profile: "VpcProfile", sid: str) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": "ec2:CreateNetworkInterface",
        "Resource": [
            _arn(profile, "ec2", "network-interface/*"),
            *(_arn(profile, "ec2", f"subnet/{s}") for s in profile.subnets),
            *(_arn(profile, "ec2", f"security-group/{g}") for g in profile.security_group_ids),
        ],
    }


def developer_policy(profile: "VpcProfile", *, limit: int = MANAGED_POLICY_MAX_CHARS) -> list[dict[str, Any]]:
    """The seed's DeveloperPolicy (notebook-only development), made exact.

    Parameters
    ----------
    profile : VpcProfile
        Account, region, partition, roles, subnets and security groups.
    limit : int, default 6144
        Maximum size of one document.

    Returns
    -------
    list[dict]
        Allow statements: :data:`NOTEBOOK_DEVELOPER_ACTIONS` on the profile's
        ``notebook-instance/*``; ``sagemaker:ListNotebookInstances`` and
        ``iam:ListRoles`` (the console's role picker) on ``*``; ``iam:PassRole``
        of the profile's roles only, with ``iam:PassedToService =
        sagemaker.amazonaws.com``; the EC2 Describe calls the console makes on
        ``*``; ``ec2:CreateNetworkInterface`` only in the profile's subnets and
        security groups. Attach it with the guardrail and pass-role policies.
    """
    return split_policy([
        {
            "Sid": "ManageNotebookInstances",
            "Effect": "Allow",
            "Action": list(NOTEBOOK_DEVELOPER_ACTIONS),
            "Resource": _arn(profile, "sagemaker", "notebook-instance/*"),
        },
        {
            "Sid": "ListNotebookInstancesAndRoles",
            "Effect": "Allow",
            "Action": ["sagemaker:ListNotebookInstances", "iam:ListRoles"],
            "Resource": "*",
        },
        {
            "Sid": "PassProfileRolesToSageMaker",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": list(profile.allowed_role_arns),
            "Condition": {"StringEquals": {"iam:PassedToService": SAGEMAKER_SERVICE_PRINCIPAL}},
        },
        {
            "Sid": "DescribeNetwork",
            "Effect": "Allow",
            "Action": ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets",
                       "ec2:DescribeVpcs"],
            "Resource": "*",
        },
        _eni_create_statement(profile, "CreateNetworkInterfacesInProfileSubnets"),
    ], limit=limit)


def _kms_statements(profile: "VpcProfile") -> list[dict[str, Any]]:
    arns: list[str] = []
    aliases: list[str] = []
    for key in dict.fromkeys(k for k in (profile.volume_kms_key_id, profile.output_kms_key_id) if k):
        if key.startswith("alias/"):
            aliases.append(key)
        elif m := _KMS_ALIAS_ARN_RE.match(key):
            aliases.append(m.group(4))
        elif key.startswith("arn:"):
            arns.append(key)
        else:
            arns.append(_arn(profile, "kms", f"key/{key}"))
    actions = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey",
               "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"]
    out: list[dict[str, Any]] = []
    if arns:
        out.append({"Sid": "UseProfileKmsKeys", "Effect": "Allow", "Action": actions, "Resource": arns})
        out.append({"Sid": "GrantProfileKmsKeysToAwsResources", "Effect": "Allow", "Action": "kms:CreateGrant",
                    "Resource": arns, "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}})
    if aliases:
        any_key = _arn(profile, "kms", "key/*")
        out.append({"Sid": "UseProfileKmsKeysByAlias", "Effect": "Allow", "Action": actions, "Resource": any_key,
                    "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": aliases}}})
        out.append({"Sid": "GrantProfileKmsKeysByAliasToAwsResources", "Effect": "Allow",
                    "Action": "kms:CreateGrant", "Resource": any_key,
                    "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": aliases},
                                  "Bool": {"kms:GrantIsForAWSResource": "true"}}})
    return out


def default_bucket_name(profile: "VpcProfile") -> str:
    """The S3 bucket the execution role may use.

    Parameters
    ----------
    profile : VpcProfile
        The profile.

    Returns
    -------
    str
        ``profile.default_bucket``, else the SageMaker SDK's default
        ``sagemaker-<region>-<account>``.
    """
    return profile.default_bucket or f"sagemaker-{profile.region}-{profile.account_id}"


def execution_role_policy(profile: "VpcProfile", *, limit: int = MANAGED_POLICY_MAX_CHARS) -> list[dict[str, Any]]:
    """What the execution role needs to run SageMaker work inside the profile's VPC.

    Parameters
    ----------
    profile : VpcProfile
        Account, region, partition, subnets, security groups, bucket, KMS keys.
    limit : int, default 6144
        Maximum size of one document.

    Returns
    -------
    list[dict]
        Allow statements: the ENI actions of :data:`EXECUTION_ROLE_ENI_ACTIONS`
        (F13) -- ``CreateNetworkInterface`` only in the profile's subnets and
        security groups, the other ENI writes on the account's
        ``network-interface/*``, the Describe calls on ``*``; S3 object and
        list access to the profile's bucket only (``default_bucket``, else
        ``sagemaker-<region>-<account>``); ECR pull from the account's
        repositories in the region (and ``ecr:GetAuthorizationToken`` on
        ``*``); CloudWatch Logs under ``/aws/sagemaker/``; use of the profile's
        KMS keys (by ARN, or by ``kms:ResourceAliases`` for aliases).
        It complements the role's SageMaker permissions; attach the guardrail
        and pass-role policies to the role as well.
    """
    bucket = default_bucket_name(profile)
    s3 = f"arn:{profile.partition}:s3:::{bucket}"
    log_group = _arn(profile, "logs", "log-group:/aws/sagemaker/*")
    statements: list[dict[str, Any]] = [
        _eni_create_statement(profile, "CreateNetworkInterfacesInProfileSubnets"),
        {
            "Sid": "ManageNetworkInterfaces",
            "Effect": "Allow",
            "Action": ["ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface"],
            "Resource": _arn(profile, "ec2", "network-interface/*"),
        },
        {
            "Sid": "DescribeNetwork",
            "Effect": "Allow",
            "Action": ["ec2:DeleteNetworkInterfacePermission", "ec2:DescribeDhcpOptions",
                       "ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets",
                       "ec2:DescribeVpcs"],
            "Resource": "*",
        },
        {
            "Sid": "ReadWriteProfileBucketObjects",
            "Effect": "Allow",
            "Action": ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
            "Resource": f"{s3}/*",
        },
        {
            "Sid": "ListProfileBucket",
            "Effect": "Allow",
            "Action": ["s3:GetBucketLocation", "s3:ListBucket"],
            "Resource": s3,
        },
        {
            "Sid": "PullImagesFromAccountRepositories",
            "Effect": "Allow",
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Resource": _arn(profile, "ecr", "repository/*"),
        },
        {
            "Sid": "GetEcrAuthorizationToken",
            "Effect": "Allow",
            "Action": "ecr:GetAuthorizationToken",
            "Resource": "*",
        },
        {
            "Sid": "WriteSageMakerLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams",
                       "logs:PutLogEvents"],
            "Resource": [log_group, f"{log_group}:log-stream:*"],
        },
        *_kms_statements(profile),
    ]
    return split_policy(statements, limit=limit)


_RENDERERS = {
    "guardrail": guardrail_policy,
    "pass-role": pass_role_policy,
    "developer": developer_policy,
    "execution-role": execution_role_policy,
}


def render(kind: str, profile: "VpcProfile", *, source_vpce: bool = True,
           batch_service_jobs: bool = False) -> list[dict[str, Any]]:
    """Render one kind of policy.

    Parameters
    ----------
    kind : {"guardrail", "pass-role", "developer", "execution-role"}
        Which policy.
    profile : VpcProfile
        The closed network.
    source_vpce : bool, default True
        For the guardrail: add ``DenyOutsideVpcEndpoints`` when the profile
        lists VPC endpoints (see :func:`guardrail_policy`).
    batch_service_jobs : bool, default False
        For the guardrail: let AWS Batch service jobs through (see :func:`guardrail_statements`).

    Returns
    -------
    list[dict]
        The policy documents, each at most :data:`MANAGED_POLICY_MAX_CHARS`.

    Raises
    ------
    safemaker.errors.InputError
        (a ``ValueError``) ``kind`` is not one of :data:`KINDS`.
    UnexpressibleRuleError, PolicySizeError
        As the renderer of that kind.
    """
    try:
        renderer = _RENDERERS[kind]
    except KeyError:
        raise InputError("kind", kind, f"one of {', '.join(KINDS)}") from None
    if kind == "guardrail":
        return guardrail_policy(profile, source_vpce=source_vpce, batch_service_jobs=batch_service_jobs)
    return renderer(profile)


def render_all(profile: "VpcProfile", *, source_vpce: bool = True,
               batch_service_jobs: bool = False) -> dict[str, list[dict[str, Any]]]:
    """Every policy safemaker renders for a profile.

    Parameters
    ----------
    profile : VpcProfile
        The closed network.
    source_vpce, batch_service_jobs : bool
        Passed to :func:`guardrail_policy` (defaults ``True``, ``False``).

    Returns
    -------
    dict[str, list[dict]]
        ``{"guardrail": [...], "pass-role": [...], "developer": [...],
        "execution-role": [...]}``: each a list of managed policy documents of
        at most 6,144 characters. Attach guardrail + pass-role + developer to
        developers, and guardrail + pass-role + execution-role to the
        execution role.

    Raises
    ------
    UnexpressibleRuleError, PolicySizeError
        As the individual renderers.
    """
    return {kind: render(kind, profile, source_vpce=source_vpce, batch_service_jobs=batch_service_jobs)
            for kind in KINDS}


# --------------------------------------------------------------------------- the seed's policies


def seed_policies(profile: "VpcProfile") -> dict[str, list[dict[str, Any]]]:
    """The seed's three policies (part 3.2), with the profile's IDs filled in.

    For comparison only (tests and ``docs/iam.md``): RestrictInternetAccess
    denies a key only when it is present (``Null: false``), on ``sagemaker:*``,
    so an omitted parameter -- the insecure default -- passes (F15).

    Parameters
    ----------
    profile : VpcProfile
        Subnets, VPC endpoints (or a placeholder ``vpce-0000000000000000f`` when
        the profile lists none), execution role.

    Returns
    -------
    dict[str, list[dict]]
        ``{"guardrail": [RestrictInternetAccess], "pass-role": [RestrictPassRole],
        "developer": [DeveloperPolicy]}``, exactly as the seed writes them.
    """
    vpces = list(profile.vpc_endpoint_ids or ("vpce-0000000000000000f",))
    restrict_internet = {
        "Version": POLICY_VERSION,
        "Statement": [
            {"Effect": "Deny", "Action": "sagemaker:*", "Resource": "*",
             "Condition": {"Null": {"sagemaker:NetworkIsolation": False},
                           "Bool": {"sagemaker:NetworkIsolation": False}}},
            {"Effect": "Deny", "Action": "sagemaker:*", "Resource": "*",
             "Condition": {"Null": {"sagemaker:VpcSubnets": False},
                           "ForAnyValue:StringNotEquals": {"sagemaker:VpcSubnets": list(profile.subnets)}}},
            {"Effect": "Deny", "Action": "sagemaker:*", "Resource": "*",
             "Condition": {"Null": {"sagemaker:DirectInternetAccess": False},
                           "StringEquals": {"sagemaker:DirectInternetAccess": "Enabled"}}},
            {"Effect": "Deny", "Action": "sagemaker:*", "Resource": "*",
             "Condition": {"Null": {"aws:SourceVpce": False},
                           "ForAllValues:StringNotEquals": {"aws:SourceVpce": vpces}}},
        ],
    }
    restrict_pass_role = {
        "Version": POLICY_VERSION,
        "Statement": [{"Effect": "Deny", "Action": "iam:PassRole", "NotResource": profile.execution_role_arn,
                       "Condition": {"StringEquals": {"iam:PassedToService": SAGEMAKER_SERVICE_PRINCIPAL}}}],
    }
    developer = {
        "Version": POLICY_VERSION,
        "Statement": [{"Effect": "Allow", "Action": [
            "sagemaker:CreatePresignedNotebookInstanceUrl", "sagemaker:*NotebookInstance",
            "sagemaker:*NotebookInstances", "iam:ListRoles", "iam:PassRole", "ec2:CreateNetworkInterface",
            "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs",
            "ec2:DescribeNetworkInterfaces"], "Resource": "*"}],
    }
    return {"guardrail": [restrict_internet], "pass-role": [restrict_pass_role], "developer": [developer]}
