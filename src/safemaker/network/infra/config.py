"""The stack's configuration: :class:`StackConfig` (validated, bad input named by field), the tags and
names every resource of a stack carries, and the constants of the stack (policy names, tag keys).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from safemaker.errors import MISSING, ProfileFieldError, StackConfigError
from safemaker.network.endpoints import DEFAULT_FEATURES, FeatureError, parse_features


STACK_TAG = "safemaker:stack"
"""Tag key that marks every resource of a stack; its value is the stack name."""

RESOURCE_TAG = "safemaker:resource"
"""Tag key naming a resource's logical role in the stack (``vpc``, ``subnet-1``, ``endpoint:sts``...)."""

DEFAULT_STACK = "safemaker"
"""Stack name of the CLI when none is given."""

DEFAULT_CIDR_BLOCK = "10.0.0.0/16"
"""The seed's VPC CIDR block."""

POLICY_NAMES: dict[str, str] = {
    "guardrail": "RestrictInternetAccess",
    "pass-role": "RestrictPassRole",
    "developer": "DeveloperPolicy",
    "execution-role": "SageMakerExecutionPolicy",
    "guardrail-role": "RestrictInternetAccessForRole",
}
"""Policy key -> base name (the seed's names), prefixed with ``<stack>-``."""

EXECUTION_ROLE_POLICY_KEYS: tuple[str, ...] = ("guardrail", "guardrail-role", "pass-role", "execution-role")
"""Policy keys that may go on the execution role (the seed attaches its guardrail and pass-role
policies to it); :func:`execution_role_policy_keys` picks the guardrail variant."""

SSM_CORE_POLICY = "AmazonSSMManagedInstanceCore"
DEFAULT_AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"

MUTATING_PREFIXES: tuple[str, ...] = (
    "Create", "Delete", "Modify", "Associate", "Disassociate", "Replace", "Authorize",
    "Revoke", "Attach", "Detach", "Put", "Run", "Terminate", "Add", "Remove", "Tag",
    "Untag", "Update", "Set",
)
"""Operation-name prefixes of calls that change something (:func:`plan` makes none)."""

_GONE_ENDPOINT_STATES = frozenset({"deleted", "deleting"})
_LIVE_INSTANCE_STATES = ["pending", "running", "stopping", "stopped", "shutting-down"]

Verb = Literal["create", "update", "delete", "keep"]


_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,27}$")
_REGION_RE = re.compile(r"^[a-z]{2,4}(?:-[a-z]+){1,2}-[0-9]{1,2}$")
_AMI_RE = re.compile(r"^ami-(?:[0-9a-f]{8}|[0-9a-f]{17})$")

_EXPECTED = {
    "name": "1 to 28 characters: a letter, then letters, digits and '-' (used in resource names)",
    "region": "AWS region name such as 'us-east-1'",
    "cidr_block": "an IPv4 network in CIDR notation from /16 to /27 (e.g. '10.0.0.0/16'), "
                  "written with its network address",
    "features": "feature names: notebook, training, processing, hosting, studio, feature-store, "
                "experiments, pipelines, ssm-access, packages",
    "admin_host": "true or false",
    "admin_instance_type": "an EC2 instance type such as 't3.micro'",
    "admin_ami": "an AMI ID: 'ami-' followed by 8 or 17 lowercase hex digits",
    "admin_ami_parameter": "an SSM parameter name starting with '/'",
    "aws_managed_policies": "names of AWS managed policies (e.g. 'AmazonSageMakerFullAccess')",
    "volume_kms_key_id": "a KMS key ID, key ARN, alias name or alias ARN",
    "output_kms_key_id": "a KMS key ID, key ARN, alias name or alias ARN",
    "default_bucket": "an S3 bucket name",
}


class StackConfig(BaseModel):
    """What ``safemaker infra`` builds: the seed's closed network, parameterised.

    Parameters
    ----------
    name : str
        Stack name, 1 to 28 characters (a letter, then letters, digits, ``-``):
        the value of the ``safemaker:stack`` tag and the prefix of every name.
    region : str
        AWS region name.
    cidr_block : str, default "10.0.0.0/16"
        VPC CIDR block, /16 to /27. The two subnets take the first two blocks
        8 bits longer (``10.0.0.0/24`` and ``10.0.1.0/24``), at most /28.
    features : sequence of str, default ("notebook", "training", "hosting")
        Which interface endpoints to create (see
        :mod:`safemaker.network.endpoints`); ``ssm-access`` is added when
        ``admin_host`` is true.
    admin_host : bool, default False
        Also create the seed's admin EC2 host (part 2.2) reachable with
        Session Manager, with its role and instance profile.
    admin_instance_type : str, default "t3.micro"
    admin_ami : str, optional
        AMI of the admin host; default: the value of ``admin_ami_parameter``.
    admin_ami_parameter : str, default Amazon Linux 2023's public SSM parameter
        Read with SSM ``GetParameter`` when ``admin_ami`` is not given (the
        seed's Amazon Linux 2 reached end of support on 2026-06-30).
    aws_managed_policies : sequence of str, default ("AmazonSageMakerFullAccess",)
        AWS managed policies attached to the execution role, as in the seed.
    volume_kms_key_id, output_kms_key_id, default_bucket : str, optional
        Copied into the resulting profile; a KMS key adds the KMS endpoint.

    Raises
    ------
    StackConfigError
        Every invalid field at once (name, value found, what is expected);
        ``volume_kms_key_id``, ``output_kms_key_id`` and ``default_bucket``
        are checked with the profile's rules once the other fields are valid.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    region: str
    cidr_block: str = DEFAULT_CIDR_BLOCK
    features: tuple[str, ...] = DEFAULT_FEATURES
    admin_host: bool = False
    admin_instance_type: str = "t3.micro"
    admin_ami: str | None = None
    admin_ami_parameter: str = DEFAULT_AMI_PARAMETER
    aws_managed_policies: tuple[str, ...] = ("AmazonSageMakerFullAccess",)
    volume_kms_key_id: str | None = None
    output_kms_key_id: str | None = None
    default_bucket: str | None = None

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise StackConfigError(_config_errors(exc)) from None
        if self.kms or self.default_bucket:
            # Copied into the profile: checked by the profile's own rules now, not halfway through plan/up.
            from safemaker.errors import ProfileError
            from safemaker.network.infra.policies import _placeholder_profile

            try:
                _placeholder_profile(self)
            except ProfileError as exc:
                raise StackConfigError(exc.errors) from None

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if not _NAME_RE.fullmatch(value):
            raise ValueError(_EXPECTED["name"])
        return value

    @field_validator("region")
    @classmethod
    def _check_region(cls, value: str) -> str:
        if not _REGION_RE.fullmatch(value):
            raise ValueError(_EXPECTED["region"])
        return value

    @field_validator("cidr_block")
    @classmethod
    def _check_cidr(cls, value: str) -> str:
        try:
            net = ipaddress.IPv4Network(value, strict=True)
        except ValueError:
            raise ValueError(_EXPECTED["cidr_block"]) from None
        if not 16 <= net.prefixlen <= 27:
            raise ValueError(_EXPECTED["cidr_block"])
        return str(net)

    @field_validator("features", mode="before")
    @classmethod
    def _check_features(cls, value: Any) -> tuple[str, ...]:
        try:
            return parse_features(value)
        except FeatureError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("admin_ami")
    @classmethod
    def _check_ami(cls, value: str | None) -> str | None:
        if value is not None and not _AMI_RE.fullmatch(value):
            raise ValueError(_EXPECTED["admin_ami"])
        return value

    @field_validator("admin_ami_parameter")
    @classmethod
    def _check_parameter(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError(_EXPECTED["admin_ami_parameter"])
        return value

    @model_validator(mode="after")
    def _admin_needs_ssm(self) -> "StackConfig":
        if self.admin_host and "ssm-access" not in self.features:
            object.__setattr__(self, "features", parse_features([*self.features, "ssm-access"]))
        return self

    @property
    def partition(self) -> str:
        """AWS partition of :attr:`region`, from botocore's partition data (:mod:`safemaker.partitions`)."""
        from safemaker.partitions import partition_of_region

        return partition_of_region(self.region)

    @property
    def kms(self) -> bool:
        """Whether a KMS key is configured (adds the KMS endpoint)."""
        return bool(self.volume_kms_key_id or self.output_kms_key_id)

    @property
    def subnet_cidr_blocks(self) -> tuple[str, str]:
        """The two subnets' CIDR blocks: the first two blocks 8 bits longer (at most /28)."""
        net = ipaddress.IPv4Network(self.cidr_block)
        blocks = net.subnets(new_prefix=min(net.prefixlen + 8, 28))
        first, second = next(blocks), next(blocks)
        return str(first), str(second)


def _config_errors(exc: ValidationError) -> list[ProfileFieldError]:
    errors = []
    for item in exc.errors(include_url=False):
        loc = [str(p) for p in item.get("loc", ())]
        name = loc[0] if loc else "(config)"
        found = item.get("input", MISSING)
        if item.get("type") == "missing":
            found = MISSING
        if item.get("type") == "extra_forbidden":
            expected = "no such field; valid fields: " + ", ".join(StackConfig.model_fields)
            found = MISSING if found is MISSING else found
        elif name == "features" and "not a feature" in str(item.get("msg", "")):
            expected = str(item.get("msg", "")).removeprefix("Value error, ")
        else:
            expected = _EXPECTED.get(name, str(item.get("msg", "")))
        errors.append(ProfileFieldError(".".join(loc) or name, found, expected))
    return errors


def execution_role_name(stack: str) -> str:
    """Name of the stack's SageMaker execution role (``<stack>-SageMakerExecRole``)."""
    return f"{stack}-SageMakerExecRole"


def admin_role_name(stack: str) -> str:
    """Name of the admin host's role (``<stack>-AdminHostRole``)."""
    return f"{stack}-AdminHostRole"


def admin_instance_profile_name(stack: str) -> str:
    """Name of the admin host's instance profile (``<stack>-AdminHostProfile``)."""
    return f"{stack}-AdminHostProfile"


def policy_path(stack: str) -> str:
    """IAM path of the stack's managed policies (``/safemaker/<stack>/``)."""
    return f"/safemaker/{stack}/"


def _as_config(config: Any) -> StackConfig:
    if isinstance(config, StackConfig):
        return config
    raise StackConfigError([ProfileFieldError(
        "config", type(config).__name__, "a StackConfig (StackConfig(name=..., region=...))")])


def _stack_name(stack: Any) -> str:
    if isinstance(stack, StackConfig):
        return stack.name
    if isinstance(stack, str) and _NAME_RE.fullmatch(stack):
        return stack
    raise StackConfigError([ProfileFieldError("name", stack, _EXPECTED["name"])])
