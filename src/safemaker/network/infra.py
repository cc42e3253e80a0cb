"""``safemaker infra plan | up | down``: build and remove the seed's closed network.

:func:`up` builds what the seed's parts 2 and 3 build by hand (region and
names from a :class:`StackConfig`):

- a VPC (default ``10.0.0.0/16``) with ``enableDnsSupport`` and
  ``enableDnsHostnames`` on, and a DHCP options set with ``domain-name`` and
  ``domain-name-servers AmazonProvidedDNS`` (F12);
- two private subnets in two Availability Zones, on one route table of the
  stack that has only the local route and the S3 gateway endpoint's route;
- one security group for SageMaker ENIs and the interface endpoints: tcp/443
  from and to itself, tcp/443 out to the S3 prefix list, all traffic from and
  to itself when distributed training is possible (``training``,
  ``pipelines``); AWS's default allow-all egress rule is removed;
- the S3 gateway endpoint and the interface endpoints the features need
  (:mod:`safemaker.network.endpoints`), private DNS on, in both subnets;
- the IAM policies (guardrail, pass-role, developer, execution-role) rendered
  from the resulting profile by :func:`render_policies`, and the execution
  role (trusting ``sagemaker.amazonaws.com``) with the guardrail, pass-role and
  execution-role policies and the AWS managed policies of the config
  attached (the seed attaches ``AmazonSageMakerFullAccess``);
- optionally the seed's admin EC2 host (Session Manager, no SSH key), with
  its role (``AmazonSSMManagedInstanceCore``) and instance profile;

and returns (and can write) the :class:`~safemaker.profile.VpcProfile` of the
result. Every resource carries the tag ``safemaker:stack=<name>`` (and
``safemaker:resource=<logical name>``); resources are found again by these
tags, so re-running :func:`up` creates nothing. :func:`plan` reports what
:func:`up` or :func:`down` would do with Describe/List/Get calls only.
:func:`down` deletes in dependency order (seed part 5) only resources that
carry the stack's tag, waits for each deletion, retries throttling, transient
errors and eventual-consistency ``DependencyViolation`` errors, keeps (and
reports) anything that something outside the stack still depends on, and
can be re-run after a partial failure until everything is gone.

The library creates no client and never prompts: pass the clients in; the
CLI (``safemaker infra``) asks for confirmation and shows progress bars.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Literal, Mapping, Sequence

from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError, WaiterError
from botocore.parsers import ResponseParserError
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from safemaker._loopback import is_loopback_url
from safemaker.errors import MISSING, InfraError, ProfileFieldError, StackConfigError, aws_error
from safemaker.network.endpoints import (
    DEFAULT_FEATURES,
    ENDPOINTS,
    S3_GATEWAY,
    SELF_REFERENCE_FEATURES,
    FeatureError,
    dhcp_domain_name,
    parse_features,
    required_endpoints,
)

__all__ = [
    "STACK_TAG",
    "RESOURCE_TAG",
    "DEFAULT_STACK",
    "DEFAULT_CIDR_BLOCK",
    "POLICY_NAMES",
    "EXECUTION_ROLE_POLICY_KEYS",
    "StackConfig",
    "check_profile_path",
    "StackConfigError",
    "InfraError",
    "RetryPolicy",
    "Action",
    "Plan",
    "UpResult",
    "DownResult",
    "plan",
    "up",
    "down",
    "stack_names",
    "render_policies",
    "execution_role_policy_keys",
    "execution_role_name",
    "admin_role_name",
    "admin_instance_profile_name",
    "policy_path",
    "MUTATING_PREFIXES",
]

logger = logging.getLogger(__name__)

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

_RETRYABLE_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottled",
    "RequestLimitExceeded", "RequestThrottledException", "TooManyRequestsException",
    "SlowDown", "InternalError", "InternalFailure", "ServiceUnavailable", "Unavailable",
    "ServiceUnavailableException", "RequestTimeout", "RequestTimeoutException",
    "IncorrectState",
})

_GONE_ENDPOINT_STATES = frozenset({"deleted", "deleting"})
_LIVE_INSTANCE_STATES = ["pending", "running", "stopping", "stopped", "shutting-down"]

Verb = Literal["create", "update", "delete", "keep"]


# --------------------------------------------------------------------------- errors


# --------------------------------------------------------------------------- config

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


# --------------------------------------------------------------------------- policies


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


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Action:
    """One step of a plan, or one thing ``up``/``down`` did.

    Attributes
    ----------
    verb : {"create", "update", "delete", "keep"}
        ``keep`` means nothing to do (or, in ``down``, kept on purpose: see ``detail``).
    kind : str
        AWS resource kind (``"VPC"``, ``"subnet"``, ``"VPC endpoint"``, ``"IAM role"``...).
    name : str
        The resource's name in the stack (its ``Name`` tag or IAM name).
    resource_id : str or None
        Its ID/ARN; None for a resource not created yet.
    detail : str
        What exactly, one sentence.
    """

    verb: Verb
    kind: str
    name: str
    resource_id: str | None = None
    detail: str = ""

    def line(self) -> str:
        """``"<verb> <kind> <name> (<id>): <detail>"``."""
        rid = f" ({self.resource_id})" if self.resource_id else ""
        return f"{self.verb} {self.kind} {self.name}{rid}" + (f": {self.detail}" if self.detail else "")

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the fields."""
        return {"verb": self.verb, "kind": self.kind, "name": self.name,
                "resource_id": self.resource_id, "detail": self.detail}


@dataclass(frozen=True)
class Plan:
    """What :func:`up` or :func:`down` would do.

    Attributes
    ----------
    stack : str
    operation : {"up", "down"}
    actions : tuple of Action
        In execution order, ``keep`` included.
    remaining : tuple of Action
        For ``down``: resources of the stack that would be kept (something
        outside the stack uses them); see :attr:`DownResult.remaining`.
    """

    stack: str
    operation: Literal["up", "down"]
    actions: tuple[Action, ...]
    remaining: tuple[Action, ...] = ()

    @property
    def changes(self) -> tuple[Action, ...]:
        """Actions other than ``keep``."""
        return tuple(a for a in self.actions if a.verb != "keep")

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict: ``stack, operation, changes (count), actions``."""
        return {"stack": self.stack, "operation": self.operation, "changes": len(self.changes),
                "actions": [a.as_dict() for a in self.actions],
                "remaining": [a.as_dict() for a in self.remaining]}


@dataclass(frozen=True)
class UpResult:
    """What :func:`up` built.

    Attributes
    ----------
    stack : str
    profile : safemaker.profile.VpcProfile
        The closed network's profile (also written to ``profile_path``).
    actions : tuple of Action
        What was done, ``keep`` included.
    resources : dict of str to str
        Logical name (``vpc``, ``subnet-1``, ``endpoint:sts``, ``role:execution``...) -> ID or ARN.
    policy_arns : dict of str to tuple of str
        Policy key -> ARNs (``developer`` is for the developers' users or roles).
    profile_path : pathlib.Path or None
    """

    stack: str
    profile: Any
    actions: tuple[Action, ...]
    resources: dict[str, str]
    policy_arns: dict[str, tuple[str, ...]]
    profile_path: Path | None = None

    @property
    def changes(self) -> tuple[Action, ...]:
        """Actions other than ``keep`` (empty when ``up`` changed nothing)."""
        return tuple(a for a in self.actions if a.verb != "keep")


@dataclass(frozen=True)
class DownResult:
    """What :func:`down` did and what it left.

    Attributes
    ----------
    stack : str
    actions : tuple of Action
        Deletions (and detachments) done, in order.
    remaining : tuple of Action
        ``keep`` actions: resources of the stack that were not deleted and why
        (something outside the stack depends on them). Empty when complete.
    skipped : tuple of Action
        ``keep`` actions: IAM resources with the stack's names but without its
        tag, left alone (never deleted).
    """

    stack: str
    actions: tuple[Action, ...]
    remaining: tuple[Action, ...]
    skipped: tuple[Action, ...] = ()

    @property
    def complete(self) -> bool:
        """True when nothing of the stack is left."""
        return not self.remaining


@dataclass(frozen=True)
class RetryPolicy:
    """How ``up``/``down`` retry AWS errors and wait for resources.

    Attributes
    ----------
    max_attempts : int, default 8
        Attempts per call for throttling (``Throttling``, ``RequestLimitExceeded``...),
        transient errors (``InternalError``, ``ServiceUnavailable``, HTTP 5xx,
        connection errors) and, on deletions, ``DependencyViolation``.
    base_delay : float, default 1.0
        Seconds before the first retry; doubled each time.
    max_delay : float, default 20.0
        Upper bound of one retry delay, in seconds.
    wait_delay : float, default 5.0
        Seconds between polls while waiting for a resource (endpoint
        available/deleted, instance running/terminated).
    wait_attempts : int, default 120
        Polls before a wait gives up (:class:`InfraError`).
    sleep : callable, default time.sleep
        Used for every delay (tests pass a recorder).
    """

    max_attempts: int = 8
    base_delay: float = 1.0
    max_delay: float = 20.0
    wait_delay: float = 5.0
    wait_attempts: int = 120
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt`` (0-based)."""
        return min(self.max_delay, self.base_delay * (2 ** attempt))


ProgressCallback = Callable[[Action], None]


# --------------------------------------------------------------------------- plumbing


def _code(exc: Exception) -> str:
    """The AWS error code (:func:`safemaker.errors.aws_error`), or the class of any other exception."""
    return aws_error(exc)[0]


def _message(exc: Exception) -> str:
    """``"<code>: <message>"`` (:func:`safemaker.errors.aws_error`)."""
    return "{}: {}".format(*aws_error(exc)).rstrip(": ")


def _refused_loopback(exc: Exception) -> str | None:
    """The endpoint URL when ``exc`` is a connection refused by a loopback address, else ``None``.

    A refused loopback port means nothing listens there (the local backend is not
    running): retrying cannot heal it. Any other connection error (a remote
    endpoint, a timeout, a DNS failure) stays retryable.
    """
    if not isinstance(exc, EndpointConnectionError):
        return None
    url = str(exc.kwargs.get("endpoint_url") or "")
    if not is_loopback_url(url):
        return None
    seen: set[int] = set()
    cause: BaseException | None = exc.kwargs.get("error")
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, ConnectionRefusedError) or "Connection refused" in str(cause):
            return url
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


def _tags(stack: str, logical: str, name: str) -> list[dict[str, str]]:
    return [{"Key": "Name", "Value": name}, {"Key": STACK_TAG, "Value": stack},
            {"Key": RESOURCE_TAG, "Value": logical}]


def _tag_spec(resource_type: str, stack: str, logical: str, name: str) -> list[dict[str, Any]]:
    return [{"ResourceType": resource_type, "Tags": _tags(stack, logical, name)}]


def _tag_value(resource: Mapping[str, Any], key: str) -> str | None:
    for tag in resource.get("Tags") or []:
        if tag.get("Key") == key:
            return tag.get("Value")
    return None


def _is_ours(resource: Mapping[str, Any], stack: str) -> bool:
    return _tag_value(resource, STACK_TAG) == stack


class _Ctx:
    """Clients, mode (apply or plan), retries, the action log."""

    def __init__(
        self,
        stack: str,
        *,
        ec2: Any,
        iam: Any,
        ssm: Any = None,
        apply: bool,
        retry: RetryPolicy | None,
        progress: ProgressCallback | None,
    ) -> None:
        self.stack = stack
        self.ec2 = ec2
        self.iam = iam
        self.ssm = ssm
        self.apply = apply
        self.retry = retry or RetryPolicy()
        self.progress = progress
        self.actions: list[Action] = []

    def record(self, verb: Verb, kind: str, name: str, resource_id: str | None = None,
               detail: str = "") -> Action:
        action = Action(verb, kind, name, resource_id, detail)
        self.actions.append(action)
        logger.debug("%s: %s", "apply" if self.apply else "plan", action.line())
        if self.progress is not None:
            self.progress(action)
        return action

    def call(
        self,
        client: Any,
        method: str,
        *,
        what: str = "",
        missing: Iterable[str] = (),
        retry_codes: Iterable[str] = (),
        retry_if: Callable[[ClientError], bool] | None = None,
        fix: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """Call ``client.<method>(**kwargs)`` with retries; ``None`` if the error is in ``missing``.

        The default ``fix`` says that finished steps are not repeated only when
        the run makes changes (``up``, ``down``); ``plan`` and lookups say "re-run".
        """
        if fix is None:
            fix = ("Fix the cause and re-run; finished steps are not repeated" if self.apply
                   else "Fix the cause and re-run")
        missing = set(missing)
        extra = set(retry_codes)
        operation = "".join(p.title() for p in method.split("_"))
        attempt = 0
        while True:
            try:
                return getattr(client, method)(**kwargs)
            except ClientError as exc:
                code = _code(exc)
                if code in missing:
                    return None
                status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0
                retryable = (code in _RETRYABLE_CODES or code in extra or int(status) >= 500
                             or (retry_if is not None and retry_if(exc)))
                error: Exception = exc
            except NoCredentialsError as exc:
                # Not retried: waiting finds no credentials, and each retry would walk the credential
                # chain (instance metadata included) again. Chained, so callers can tell the cause.
                raise InfraError(f"{operation} {what}".strip(), _message(exc).rstrip("."), fix) from exc
            except (BotoCoreError, ResponseParserError) as exc:
                refused = _refused_loopback(exc)
                if refused is not None:
                    # Nothing listens on a loopback port: waiting will not start a server.
                    raise InfraError(
                        f"{operation} {what}".strip(),
                        f"{_message(exc).rstrip('.')} (connection refused on the loopback endpoint {refused}: "
                        "not retried, nothing listens there)",
                        f"Start the local backend (`safemaker local serve`, on that port) or fix --endpoint-url "
                        f"/ AWS_ENDPOINT_URL, then re-run") from None
                retryable = True  # connection errors, timeouts, garbled (e.g. HTML 5xx) responses
                error = exc
            if not retryable or attempt + 1 >= self.retry.max_attempts:
                tries = f" (after {attempt + 1} attempts)" if retryable else ""
                raise InfraError(f"{operation} {what}".strip(), _message(error).rstrip(".") + tries,
                                 fix) from None
            delay = self.retry.delay(attempt)
            logger.debug("%s %s: %s; retry %d in %.1fs", operation, what, _code(error), attempt + 1, delay)
            self.retry.sleep(delay)
            attempt += 1

    def items(self, client: Any, method: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
        """Every item of ``key`` over all pages (with retries)."""
        out: list[dict[str, Any]] = []
        token_in, token_out = _PAGING.get(method, ("NextToken", "NextToken"))
        while True:
            page = self.call(client, method, **kwargs) or {}
            out.extend(page.get(key, []))
            token = page.get(token_out)
            if not token or (method.startswith("list_") and not page.get("IsTruncated", True)):
                return out
            kwargs[token_in] = token

    def wait(self, what: str, done: Callable[[], bool], fix: str) -> None:
        """Poll ``done()`` every ``wait_delay`` seconds, at most ``wait_attempts`` times."""
        for attempt in range(self.retry.wait_attempts):
            if done():
                return
            self.retry.sleep(self.retry.wait_delay)
        raise InfraError(f"waiting for {what}",
                         f"not done after {self.retry.wait_attempts} polls "
                         f"{self.retry.wait_delay:g} s apart", fix)


_PAGING = {
    "list_policies": ("Marker", "Marker"),
    "list_attached_role_policies": ("Marker", "Marker"),
    "list_role_policies": ("Marker", "Marker"),
    "list_entities_for_policy": ("Marker", "Marker"),
    "list_policy_versions": ("Marker", "Marker"),
    "list_instance_profiles_for_role": ("Marker", "Marker"),
}


# --------------------------------------------------------------------------- observing


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


# --------------------------------------------------------------------------- up


def _ec2_perm(proto: str, group: str | None = None, prefix_list: str | None = None,
              port: int | None = 443) -> dict[str, Any]:
    perm: dict[str, Any] = {"IpProtocol": proto}
    if proto != "-1" and port is not None:
        perm.update(FromPort=port, ToPort=port)
    if group:
        perm["UserIdGroupPairs"] = [{"GroupId": group}]
    if prefix_list:
        perm["PrefixListIds"] = [{"PrefixListId": prefix_list}]
    return perm


def _has_perm(perms: Iterable[dict[str, Any]], want: dict[str, Any]) -> bool:
    for perm in perms:
        if str(perm.get("IpProtocol")) != want["IpProtocol"]:
            continue
        if want["IpProtocol"] != "-1" and (perm.get("FromPort"), perm.get("ToPort")) != (
                want.get("FromPort"), want.get("ToPort")):
            continue
        groups = {p.get("GroupId") for p in perm.get("UserIdGroupPairs", [])}
        lists = {p.get("PrefixListId") for p in perm.get("PrefixListIds", [])}
        if all(p["GroupId"] in groups for p in want.get("UserIdGroupPairs", [])) and all(
                p["PrefixListId"] in lists for p in want.get("PrefixListIds", [])):
            return True
    return False


def _perm_text(perm: dict[str, Any], direction: str) -> str:
    what = "all traffic" if perm["IpProtocol"] == "-1" else f"{perm['IpProtocol']}/{perm.get('FromPort')}"
    peer = ([p["GroupId"] for p in perm.get("UserIdGroupPairs", [])]
            + [p["PrefixListId"] for p in perm.get("PrefixListIds", [])])
    word = "from" if direction == "ingress" else "to"
    return f"{direction} {what} {word} {', '.join(peer) or 'itself'}"


def _availability_zones(ctx: _Ctx) -> list[str]:
    zones = ctx.items(ctx.ec2, "describe_availability_zones", "AvailabilityZones", Filters=[
        {"Name": "state", "Values": ["available"]},
        {"Name": "zone-type", "Values": ["availability-zone"]}])
    return sorted(z["ZoneName"] for z in zones)


def _s3_prefix_list(ctx: _Ctx, region: str) -> str | None:
    name = ENDPOINTS[S3_GATEWAY].service_name(region)
    lists = ctx.items(ctx.ec2, "describe_prefix_lists", "PrefixLists",
                      Filters=[{"Name": "prefix-list-name", "Values": [name]}])
    return next((p["PrefixListId"] for p in lists if p.get("PrefixListName") == name), None)


def _reconcile(ctx: _Ctx, cfg: StackConfig, profile_path: Path | None) -> UpResult:
    stack, region = cfg.name, cfg.region
    ec2, iam = ctx.ec2, ctx.iam
    obs = _observe(ctx)
    _refuse_foreign_iam(cfg, obs)
    resources: dict[str, str] = {}

    # ---- VPC and its DNS attributes
    vpc = obs.vpc
    vpc_name = f"{stack}-vpc"
    if vpc is None:
        vpc_id = account = None
        if ctx.apply:
            vpc = ctx.call(ec2, "create_vpc", what=vpc_name, CidrBlock=cfg.cidr_block,
                           TagSpecifications=_tag_spec("vpc", stack, "vpc", vpc_name))["Vpc"]
            vpc_id, account = vpc["VpcId"], vpc.get("OwnerId")
            _wait_waiter(ctx, "vpc_available", f"VPC {vpc_id}", VpcIds=[vpc_id])
            for flag in ("EnableDnsSupport", "EnableDnsHostnames"):
                ctx.call(ec2, "modify_vpc_attribute", what=vpc_id, VpcId=vpc_id, **{flag: {"Value": True}})
        ctx.record("create", "VPC", vpc_name, vpc_id,
                   f"{cfg.cidr_block}; enableDnsSupport and enableDnsHostnames on")
    else:
        vpc_id, account = vpc["VpcId"], vpc.get("OwnerId")
        off = []
        for attribute, key, flag in (("enableDnsSupport", "EnableDnsSupport", "EnableDnsSupport"),
                                     ("enableDnsHostnames", "EnableDnsHostnames", "EnableDnsHostnames")):
            value = ctx.call(ec2, "describe_vpc_attribute", VpcId=vpc_id, Attribute=attribute)
            if not value.get(key, {}).get("Value"):
                off.append((attribute, flag))
        if off:
            if ctx.apply:
                for _, flag in off:
                    ctx.call(ec2, "modify_vpc_attribute", what=vpc_id, VpcId=vpc_id, **{flag: {"Value": True}})
            ctx.record("update", "VPC", vpc_name, vpc_id,
                       "turn on " + " and ".join(a for a, _ in off))
        else:
            detail = vpc.get("CidrBlock", "")
            if vpc.get("CidrBlock") != cfg.cidr_block:
                detail += f" (the config says {cfg.cidr_block}; an existing VPC is not resized)"
            ctx.record("keep", "VPC", vpc_name, vpc_id, detail)
    if vpc_id:
        resources["vpc"] = vpc_id

    # ---- DHCP options
    dhcp_name = f"{stack}-dhcp"
    domain = dhcp_domain_name(region)
    ours = obs.by_logical(obs.dhcp).get("dhcp-options") or (obs.dhcp[0] if obs.dhcp else None)
    if ours is None:
        dopt_id = None
        if ctx.apply:
            created = ctx.call(ec2, "create_dhcp_options", what=dhcp_name, DhcpConfigurations=[
                {"Key": "domain-name", "Values": [domain]},
                {"Key": "domain-name-servers", "Values": ["AmazonProvidedDNS"]}],
                TagSpecifications=_tag_spec("dhcp-options", stack, "dhcp-options", dhcp_name))["DhcpOptions"]
            dopt_id = created["DhcpOptionsId"]
            if not _is_ours(created, stack):  # moto 5.2 drops TagSpecifications on CreateDhcpOptions
                ctx.call(ec2, "create_tags", what=dopt_id, Resources=[dopt_id],
                         Tags=_tags(stack, "dhcp-options", dhcp_name))
        ctx.record("create", "DHCP options", dhcp_name, dopt_id,
                   f"domain-name {domain}; domain-name-servers AmazonProvidedDNS")
    else:
        dopt_id = ours["DhcpOptionsId"]
        ctx.record("keep", "DHCP options", dhcp_name, dopt_id)
    if dopt_id:
        resources["dhcp-options"] = dopt_id
    if vpc is None or vpc.get("DhcpOptionsId") != dopt_id:
        if ctx.apply:
            ctx.call(ec2, "associate_dhcp_options", what=f"{dopt_id} {vpc_id}",
                     DhcpOptionsId=dopt_id, VpcId=vpc_id)
        ctx.record("update", "VPC", vpc_name, vpc_id, f"associate DHCP options {dopt_id or dhcp_name}")

    # ---- subnets
    zones = _availability_zones(ctx)
    if len(zones) < 2:
        raise InfraError(f"planning subnets of {stack}",
                         f"{region} has {len(zones)} available Availability Zone(s); two are needed",
                         "Use a region with at least two Availability Zones")
    blocks = cfg.subnet_cidr_blocks
    existing = {k: v for k, v in obs.by_logical(obs.subnets).items() if v.get("VpcId") == vpc_id}
    used = {s.get("AvailabilityZone") for s in existing.values()}
    subnet_ids: list[str | None] = []
    for index, logical in enumerate(("subnet-1", "subnet-2")):
        name = f"{stack}-subnet-{index + 1}"
        subnet = existing.get(logical)
        if subnet is not None:
            subnet_ids.append(subnet["SubnetId"])
            ctx.record("keep", "subnet", name, subnet["SubnetId"],
                       f"{subnet.get('CidrBlock')} in {subnet.get('AvailabilityZone')}")
            continue
        zone = next(z for z in zones if z not in used)
        used.add(zone)
        subnet_id = None
        if ctx.apply:
            subnet_id = ctx.call(ec2, "create_subnet", what=name, VpcId=vpc_id, CidrBlock=blocks[index],
                                 AvailabilityZone=zone,
                                 TagSpecifications=_tag_spec("subnet", stack, logical, name))["Subnet"]["SubnetId"]
        subnet_ids.append(subnet_id)
        ctx.record("create", "subnet", name, subnet_id, f"{blocks[index]} in {zone}, private")
    for index, subnet_id in enumerate(subnet_ids):
        if subnet_id:
            resources[f"subnet-{index + 1}"] = subnet_id

    # ---- route table
    rt_name = f"{stack}-private"
    table = next((t for t in obs.route_tables if t.get("VpcId") == vpc_id), None)
    if table is None:
        rt_id = None
        if ctx.apply:
            rt_id = ctx.call(ec2, "create_route_table", what=rt_name, VpcId=vpc_id,
                             TagSpecifications=_tag_spec("route-table", stack, "route-table", rt_name)
                             )["RouteTable"]["RouteTableId"]
        ctx.record("create", "route table", rt_name, rt_id, "local route only (no way out)")
        associated: set[str] = set()
    else:
        rt_id = table["RouteTableId"]
        associated = {a.get("SubnetId") for a in table.get("Associations", []) if a.get("SubnetId")}
        ctx.record("keep", "route table", rt_name, rt_id)
    if rt_id:
        resources["route-table"] = rt_id
    missing_assoc = [(i, s) for i, s in enumerate(subnet_ids) if s is None or s not in associated]
    if missing_assoc:
        explicit = {}
        if ctx.apply and vpc_id:
            for t in ctx.items(ec2, "describe_route_tables", "RouteTables",
                               Filters=[{"Name": "vpc-id", "Values": [vpc_id]}]):
                for a in t.get("Associations", []):
                    if a.get("SubnetId"):
                        explicit[a["SubnetId"]] = a["RouteTableAssociationId"]
        for index, subnet_id in missing_assoc:
            if ctx.apply:
                if subnet_id in explicit:
                    ctx.call(ec2, "replace_route_table_association", what=subnet_id,
                             AssociationId=explicit[subnet_id], RouteTableId=rt_id)
                else:
                    ctx.call(ec2, "associate_route_table", what=f"{rt_id} {subnet_id}",
                             RouteTableId=rt_id, SubnetId=subnet_id)
            ctx.record("update", "route table", rt_name, rt_id,
                       f"associate {subnet_id or f'{stack}-subnet-{index + 1}'}")

    # ---- security group
    sg_name = f"{stack}-sagemaker"
    s3_list = _s3_prefix_list(ctx, region)
    if s3_list is None:
        raise InfraError(f"planning security group {sg_name}",
                         f"no prefix list named {ENDPOINTS[S3_GATEWAY].service_name(region)} in {region}",
                         "Check the region")
    group = next((g for g in obs.groups if g.get("VpcId") == vpc_id), None)
    self_ref = bool(SELF_REFERENCE_FEATURES & set(cfg.features))
    sg_id = group["GroupId"] if group else None

    def wanted(gid: str | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        ingress = [_ec2_perm("tcp", gid)]
        egress = [_ec2_perm("tcp", gid), _ec2_perm("tcp", prefix_list=s3_list)]
        if self_ref:
            ingress.append(_ec2_perm("-1", gid))
            egress.append(_ec2_perm("-1", gid))
        return ingress, egress

    if group is None:
        if ctx.apply:
            sg_id = ctx.call(ec2, "create_security_group", what=sg_name, GroupName=sg_name, VpcId=vpc_id,
                             Description=f"safemaker {stack}: SageMaker ENIs and VPC endpoints",
                             TagSpecifications=_tag_spec("security-group", stack, "security-group", sg_name)
                             )["GroupId"]
            ingress, egress = wanted(sg_id)
            ctx.call(ec2, "revoke_security_group_egress", what=sg_id, GroupId=sg_id,
                     IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
                     missing=("InvalidPermission.NotFound",))
            ctx.call(ec2, "authorize_security_group_ingress", what=sg_id, GroupId=sg_id, IpPermissions=ingress)
            ctx.call(ec2, "authorize_security_group_egress", what=sg_id, GroupId=sg_id, IpPermissions=egress)
        ingress, egress = wanted(sg_id or "itself")
        rules = [_perm_text(p, "ingress") for p in ingress] + [_perm_text(p, "egress") for p in egress]
        ctx.record("create", "security group", sg_name, sg_id,
                   "; ".join(rules).replace(f" {sg_id}", " itself") if sg_id else "; ".join(rules))
    else:
        ingress, egress = wanted(sg_id)
        add_in = [p for p in ingress if not _has_perm(group.get("IpPermissions", []), p)]
        add_out = [p for p in egress if not _has_perm(group.get("IpPermissionsEgress", []), p)]
        open_egress = [p for p in group.get("IpPermissionsEgress", []) if str(p.get("IpProtocol")) == "-1"
                       and any(r.get("CidrIp") == "0.0.0.0/0" for r in p.get("IpRanges", []))]
        changes = ([_perm_text(p, "ingress") for p in add_in] + [_perm_text(p, "egress") for p in add_out]
                   + (["remove egress all traffic to 0.0.0.0/0"] if open_egress else []))
        if changes:
            if ctx.apply:
                if add_in:
                    ctx.call(ec2, "authorize_security_group_ingress", what=sg_id, GroupId=sg_id,
                             IpPermissions=add_in)
                if add_out:
                    ctx.call(ec2, "authorize_security_group_egress", what=sg_id, GroupId=sg_id,
                             IpPermissions=add_out)
                if open_egress:
                    ctx.call(ec2, "revoke_security_group_egress", what=sg_id, GroupId=sg_id,
                             IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
                             missing=("InvalidPermission.NotFound",))
            ctx.record("update", "security group", sg_name, sg_id,
                       "; ".join(changes).replace(f" {sg_id}", " itself"))
        else:
            ctx.record("keep", "security group", sg_name, sg_id)
    if sg_id:
        resources["security-group"] = sg_id

    # ---- endpoints
    endpoint_ids = _reconcile_endpoints(ctx, cfg, obs, vpc_id, rt_id, subnet_ids, sg_id, resources)

    # ---- the profile, then IAM
    partition = cfg.partition
    role_name = execution_role_name(stack)
    role_arn = f"arn:{partition}:iam::{account}:role/{role_name}" if account else None
    profile = None
    # Exact only once every required endpoint exists: planning a stack that was
    # interrupted after its VPC but before its endpoints uses the placeholders.
    endpoints_complete = len(endpoint_ids) == len(required_endpoints(cfg.features, cfg.region, kms=cfg.kms))
    if vpc_id and all(subnet_ids) and sg_id and role_arn and endpoints_complete:
        from safemaker.profile import VpcProfile

        data: dict[str, Any] = {
            "region": region, "vpc_id": vpc_id, "subnets": list(subnet_ids),
            "security_group_ids": [sg_id], "execution_role_arn": role_arn,
            "vpc_endpoint_ids": endpoint_ids,
        }
        for key in ("volume_kms_key_id", "output_kms_key_id", "default_bucket"):
            if getattr(cfg, key):
                data[key] = getattr(cfg, key)
        profile = VpcProfile.from_mapping(data, source=f"infra:{stack}", env=False)
    policy_arns = _reconcile_iam(ctx, cfg, obs, profile, account, resources)
    if cfg.admin_host:
        _reconcile_admin_host(ctx, cfg, obs, account, subnet_ids[0], sg_id, resources)

    written = None
    if ctx.apply and profile_path is not None and profile is not None:
        written = profile.dump(profile_path)
    return UpResult(stack, profile, tuple(ctx.actions), resources, policy_arns, written)


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


def _wait_waiter(ctx: _Ctx, waiter: str, what: str, **kwargs: Any) -> None:
    try:
        ctx.ec2.get_waiter(waiter).wait(
            **kwargs, WaiterConfig={"Delay": ctx.retry.wait_delay, "MaxAttempts": ctx.retry.wait_attempts})
    except WaiterError as exc:
        raise InfraError(f"waiting for {what}", _message(exc),
                         "Check the resource in the console and re-run") from None


def _reconcile_endpoints(
    ctx: _Ctx, cfg: StackConfig, obs: _Observed, vpc_id: str | None, rt_id: str | None,
    subnet_ids: list[str | None], sg_id: str | None, resources: dict[str, str],
) -> list[str]:
    ec2, stack = ctx.ec2, cfg.name
    existing = {e.get("ServiceName"): e for e in obs.endpoints if e.get("VpcId") == vpc_id}
    created: list[str] = []
    ids: list[str] = []
    for req in required_endpoints(cfg.features, cfg.region, kms=cfg.kms):
        logical = f"endpoint:{req.spec.key}"
        name = f"{stack}-{req.spec.key}"
        endpoint = existing.get(req.service_name)
        gateway = req.endpoint_type == "Gateway"
        if endpoint is None:
            eid = None
            if ctx.apply:
                args: dict[str, Any] = dict(
                    VpcEndpointType=req.endpoint_type, VpcId=vpc_id, ServiceName=req.service_name,
                    TagSpecifications=_tag_spec("vpc-endpoint", stack, logical, name))
                if gateway:
                    args["RouteTableIds"] = [rt_id]
                else:
                    args.update(SubnetIds=list(subnet_ids), SecurityGroupIds=[sg_id], PrivateDnsEnabled=True)
                eid = ctx.call(ec2, "create_vpc_endpoint", what=req.service_name, **args)[
                    "VpcEndpoint"]["VpcEndpointId"]
                created.append(eid)
            where = f"on route table {rt_id or f'{stack}-private'}" if gateway else (
                "private DNS on, in both subnets, security group " + (sg_id or f"{stack}-sagemaker"))
            ctx.record("create", "VPC endpoint", name, eid,
                       f"{req.endpoint_type} endpoint for {req.service_name}, {where}")
        else:
            eid = endpoint["VpcEndpointId"]
            changes: dict[str, Any] = {}
            if gateway:
                if rt_id and rt_id not in (endpoint.get("RouteTableIds") or []):
                    changes["AddRouteTableIds"] = [rt_id]
            else:
                add_subnets = [s for s in subnet_ids if s and s not in (endpoint.get("SubnetIds") or [])]
                if add_subnets:
                    changes["AddSubnetIds"] = add_subnets
                groups = {g.get("GroupId") for g in endpoint.get("Groups", [])}
                if sg_id and sg_id not in groups:
                    changes["AddSecurityGroupIds"] = [sg_id]
                if not endpoint.get("PrivateDnsEnabled"):
                    changes["PrivateDnsEnabled"] = True
            if changes:
                if ctx.apply:
                    ctx.call(ec2, "modify_vpc_endpoint", what=eid, VpcEndpointId=eid, **changes)
                ctx.record("update", "VPC endpoint", name, eid,
                           "; ".join(f"{k} {v}" for k, v in changes.items()))
            else:
                ctx.record("keep", "VPC endpoint", name, eid, req.service_name)
        if eid:
            ids.append(eid)
            resources[logical] = eid
    if ctx.apply and created and vpc_id:
        def available() -> bool:
            states = {e["VpcEndpointId"]: str(e.get("State", "")).lower() for e in ctx.items(
                ec2, "describe_vpc_endpoints", "VpcEndpoints",
                Filters=[{"Name": "vpc-id", "Values": [vpc_id]}]) if e["VpcEndpointId"] in created}
            failed = [i for i, s in states.items() if s in ("failed", "rejected", "expired")]
            if failed:
                raise InfraError("waiting for VPC endpoints", f"{', '.join(failed)} failed",
                                 "Delete them (safemaker infra down) and re-run up")
            return all(states.get(i) == "available" for i in created)

        ctx.wait(f"VPC endpoints {', '.join(created)} to be available", available,
                 "Re-run up when they are available")
    return ids


def _reconcile_iam(
    ctx: _Ctx, cfg: StackConfig, obs: _Observed, profile: Any, account: str | None,
    resources: dict[str, str],
) -> dict[str, tuple[str, ...]]:
    iam, stack = ctx.iam, cfg.name
    path = policy_path(stack)
    partition = cfg.partition
    # Until every ID exists (plan of a new stack), render for placeholder IDs of the same
    # length: the names and number of documents are right, the contents are not compared.
    exact = profile is not None
    documents = render_policies(profile if exact else _placeholder_profile(cfg))
    policy_arns: dict[str, list[str]] = {}
    pending: list[str] = []
    tags = [{"Key": STACK_TAG, "Value": stack}]
    for key, rendered in documents.items():
        for name, doc in zip(_policy_names(stack, key, len(rendered)), rendered):
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
                                   Description=f"safemaker {stack}: {key} policy", Tags=tags)["Policy"]["Arn"]
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
            if arn:
                policy_arns.setdefault(key, []).append(arn)
                resources[f"policy:{name}"] = arn
            elif key in execution_role_policy_keys(documents):
                pending.append(name)

    role_name = execution_role_name(stack)
    attach = [a for k in execution_role_policy_keys(documents) for a in policy_arns.get(k, [])] + [
        f"arn:{partition}:iam::aws:policy/{p}" for p in cfg.aws_managed_policies]
    role_arn = _ensure_role(ctx, obs, role_name, "sagemaker.amazonaws.com",
                            f"safemaker {stack}: SageMaker execution role", attach, pending)
    if role_arn:
        resources["role:execution"] = role_arn
    return {k: tuple(v) for k, v in policy_arns.items()}


def _ensure_role(ctx: _Ctx, obs: _Observed, role_name: str, service: str, description: str,
                 attach: list[str], pending: Sequence[str] = ()) -> str | None:
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
    return arn


def _reconcile_admin_host(ctx: _Ctx, cfg: StackConfig, obs: _Observed, account: str | None,
                          subnet_id: str | None, sg_id: str | None, resources: dict[str, str]) -> None:
    iam, ec2, stack = ctx.iam, ctx.ec2, cfg.name
    role_name = admin_role_name(stack)
    role_arn = _ensure_role(ctx, obs, role_name, "ec2.amazonaws.com",
                            f"safemaker {stack}: admin host (Session Manager)",
                            [f"arn:{cfg.partition}:iam::aws:policy/{SSM_CORE_POLICY}"])
    if role_arn:
        resources["role:admin-host"] = role_arn
    ip_name = admin_instance_profile_name(stack)
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
    if ip_arn:
        resources["instance-profile:admin-host"] = ip_arn

    host_name = f"{stack}-admin"
    instance = next(iter(obs.instances), None)
    if instance is not None:
        resources["instance:admin-host"] = instance["InstanceId"]
        ctx.record("keep", "EC2 instance", host_name, instance["InstanceId"], instance.get("State", {}).get("Name", ""))
        return
    ami = cfg.admin_ami
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
        tags = _tags(stack, "admin-host", host_name)
        instance_id = ctx.call(
            ec2, "run_instances", what=host_name, ImageId=ami, InstanceType=cfg.admin_instance_type,
            MinCount=1, MaxCount=1, SubnetId=subnet_id, SecurityGroupIds=[sg_id],
            IamInstanceProfile={"Name": ip_name}, MetadataOptions={"HttpTokens": "required"},
            TagSpecifications=[{"ResourceType": "instance", "Tags": tags},
                               {"ResourceType": "volume", "Tags": tags}],
            # A new instance profile takes a few seconds to be usable by EC2.
            retry_if=lambda e: _code(e) == "InvalidParameterValue" and "nstance profile" in _message(e),
        )["Instances"][0]["InstanceId"]
        _wait_waiter(ctx, "instance_running", f"instance {instance_id}", InstanceIds=[instance_id])
        resources["instance:admin-host"] = instance_id
    ctx.record("create", "EC2 instance", host_name, instance_id,
               f"{cfg.admin_instance_type} from {ami} in {subnet_id or f'{stack}-subnet-1'}, Session Manager "
               "access, IMDSv2")


# --------------------------------------------------------------------------- down


def _teardown(ctx: _Ctx) -> DownResult:
    stack = ctx.stack
    ec2, iam = ctx.ec2, ctx.iam
    obs = _observe(ctx)
    remaining: list[Action] = []
    skipped: list[Action] = []
    vpc = obs.vpc

    def keep(kind: str, name: str, rid: str | None, why: str) -> None:
        remaining.append(ctx.record("keep", kind, name, rid, why))

    def skip(kind: str, name: str, rid: str | None) -> None:
        skipped.append(ctx.record("keep", kind, name, rid,
                                  f"no {STACK_TAG}={stack} tag: not of this stack, left alone"))

    # 1. the admin host (seed part 5: EC2 instance first)
    instance_ids = [i["InstanceId"] for i in obs.instances]
    for instance in obs.instances:
        iid = instance["InstanceId"]
        if ctx.apply:
            ctx.call(ec2, "terminate_instances", what=iid, InstanceIds=[iid],
                     missing=("InvalidInstanceID.NotFound",))
            _wait_waiter(ctx, "instance_terminated", f"instance {iid}", InstanceIds=[iid])
        ctx.record("delete", "EC2 instance", _tag_value(instance, "Name") or iid, iid, "terminate, wait")

    # 2. VPC endpoints
    endpoint_ids = [e["VpcEndpointId"] for e in obs.endpoints]
    endpoint_enis = {n for e in obs.endpoints for n in e.get("NetworkInterfaceIds") or []}
    for endpoint in obs.endpoints:
        eid = endpoint["VpcEndpointId"]
        if ctx.apply:
            response = ctx.call(ec2, "delete_vpc_endpoints", what=eid, VpcEndpointIds=[eid],
                                missing=("InvalidVpcEndpointId.NotFound",)) or {}
            failures = [u for u in response.get("Unsuccessful", [])
                        if u.get("Error", {}).get("Code") != "InvalidVpcEndpointId.NotFound"]
            if failures:
                error = failures[0].get("Error", {})
                raise InfraError(f"DeleteVpcEndpoints {eid}", f"{error.get('Code')}: {error.get('Message')}",
                                 "Fix the cause and re-run down")
        ctx.record("delete", "VPC endpoint", _tag_value(endpoint, "Name") or eid, eid,
                   str(endpoint.get("ServiceName")))
    if ctx.apply and endpoint_ids:
        vpc_ids = sorted({e["VpcId"] for e in obs.endpoints})

        def endpoints_gone() -> bool:
            live = {e["VpcEndpointId"] for e in ctx.items(
                ec2, "describe_vpc_endpoints", "VpcEndpoints", Filters=[{"Name": "vpc-id", "Values": vpc_ids}])
                if str(e.get("State", "")).lower() != "deleted"}
            return not (live & set(endpoint_ids))

        ctx.wait(f"VPC endpoints {', '.join(endpoint_ids)} to be deleted", endpoints_gone,
                 "Re-run down when they are deleted")

    def ours_eni(eni: dict[str, Any]) -> bool:
        if eni["NetworkInterfaceId"] in endpoint_enis:
            return True
        if any(eid in str(eni.get("Description", "")) for eid in endpoint_ids):
            return True
        attachment = eni.get("Attachment") or {}
        return attachment.get("InstanceId") in instance_ids

    # 3. subnets
    subnet_ids = [s["SubnetId"] for s in obs.subnets]
    foreign_by_subnet: dict[str, list[str]] = {}
    if subnet_ids:
        for eni in ctx.items(ec2, "describe_network_interfaces", "NetworkInterfaces",
                             Filters=[{"Name": "subnet-id", "Values": subnet_ids}]):
            if not ours_eni(eni):
                foreign_by_subnet.setdefault(eni.get("SubnetId", ""), []).append(
                    f"{eni['NetworkInterfaceId']} ({eni.get('Description') or eni.get('InterfaceType', 'ENI')})")
    deleted_subnets: set[str] = set()
    table_assocs = {a["SubnetId"]: a["RouteTableAssociationId"] for t in obs.route_tables
                    for a in t.get("Associations", []) if a.get("SubnetId")}
    for subnet in obs.subnets:
        sid = subnet["SubnetId"]
        name = _tag_value(subnet, "Name") or sid
        if sid in foreign_by_subnet:
            keep("subnet", name, sid, "still used by network interfaces not of this stack: "
                 + ", ".join(foreign_by_subnet[sid]) + "; delete them, then re-run down")
            continue
        if ctx.apply:
            if sid in table_assocs:  # explicit association with the stack's route table
                ctx.call(ec2, "disassociate_route_table", what=f"{sid} from its route table",
                         AssociationId=table_assocs[sid], missing=("InvalidAssociationID.NotFound",))
            ctx.call(ec2, "delete_subnet", what=sid, SubnetId=sid, missing=("InvalidSubnetID.NotFound",),
                     retry_codes=("DependencyViolation",))
        deleted_subnets.add(sid)
        ctx.record("delete", "subnet", name, sid, str(subnet.get("CidrBlock")))

    # 4. route tables
    for table in obs.route_tables:
        rid = table["RouteTableId"]
        name = _tag_value(table, "Name") or rid
        assocs = table.get("Associations", [])
        left = [a.get("SubnetId") or "the VPC (main route table)" for a in assocs
                if a.get("Main") or (a.get("SubnetId") and a["SubnetId"] not in deleted_subnets)]
        if left:
            keep("route table", name, rid, f"still associated with {', '.join(left)}; associate "
                 "those with another route table (or let down delete them), then re-run down")
            continue
        if ctx.apply:
            ctx.call(ec2, "delete_route_table", what=rid, RouteTableId=rid,
                     missing=("InvalidRouteTableID.NotFound",), retry_codes=("DependencyViolation",))
        ctx.record("delete", "route table", name, rid)

    # 5. security groups
    group_ids = [g["GroupId"] for g in obs.groups]
    foreign_by_group: dict[str, list[str]] = {}
    if group_ids:
        for eni in ctx.items(ec2, "describe_network_interfaces", "NetworkInterfaces",
                             Filters=[{"Name": "group-id", "Values": group_ids}]):
            if not ours_eni(eni):
                for g in eni.get("Groups", []):
                    if g.get("GroupId") in group_ids:
                        foreign_by_group.setdefault(g["GroupId"], []).append(eni["NetworkInterfaceId"])
    for group in obs.groups:
        gid = group["GroupId"]
        name = _tag_value(group, "Name") or group.get("GroupName", gid)
        if gid in foreign_by_group:
            keep("security group", name, gid, "still used by network interfaces not of this stack: "
                 + ", ".join(foreign_by_group[gid]) + "; delete them, then re-run down")
            continue
        if ctx.apply:
            ctx.call(ec2, "delete_security_group", what=gid, GroupId=gid,
                     missing=("InvalidGroup.NotFound",), retry_codes=("DependencyViolation",))
        ctx.record("delete", "security group", name, gid)

    # 6. the VPC (only when nothing outside the stack is left in it)
    vpc_deleted = False
    if vpc is not None:
        vid = vpc["VpcId"]
        name = _tag_value(vpc, "Name") or vid
        blockers = [a.resource_id or a.name for a in remaining] + _foreign_in_vpc(ctx, vid, obs)
        if blockers:
            keep("VPC", name, vid, "still holds " + ", ".join(blockers) + " (kept above, or not "
                 "of this stack: safemaker never deletes what it did not create); remove them, "
                 "then re-run down")
        else:
            if ctx.apply:
                ctx.call(ec2, "delete_vpc", what=vid, VpcId=vid, missing=("InvalidVpcID.NotFound",),
                         retry_codes=("DependencyViolation",))
            vpc_deleted = True
            ctx.record("delete", "VPC", name, vid, str(vpc.get("CidrBlock")))

    # 7. DHCP options (after the VPC: a set in use cannot be deleted)
    for dopt in obs.dhcp:
        did = dopt["DhcpOptionsId"]
        name = _tag_value(dopt, "Name") or did
        users = [v["VpcId"] for v in ctx.items(ec2, "describe_vpcs", "Vpcs", Filters=[
            {"Name": "dhcp-options-id", "Values": [did]}])]
        if vpc_deleted and vpc is not None:
            users = [u for u in users if u != vpc["VpcId"]]
        if users:
            keep("DHCP options", name, did, f"still associated with {', '.join(users)}")
            continue
        if ctx.apply:
            ctx.call(ec2, "delete_dhcp_options", what=did, DhcpOptionsId=did,
                     missing=("InvalidDhcpOptionID.NotFound", "InvalidDhcpOptionsID.NotFound"),
                     retry_codes=("DependencyViolation",))
        ctx.record("delete", "DHCP options", name, did)

    # 8. IAM: instance profile, roles, policies (seed part 5: roles, then policies)
    for ip_name, profile in obs.instance_profiles.items():
        if profile is None:
            continue
        if not _is_ours(profile, stack):
            skip("instance profile", ip_name, profile["Arn"])
            continue
        if ctx.apply:
            for role in profile.get("Roles", []):
                ctx.call(iam, "remove_role_from_instance_profile", what=ip_name, InstanceProfileName=ip_name,
                         RoleName=role["RoleName"], missing=("NoSuchEntity",))
            ctx.call(iam, "delete_instance_profile", what=ip_name, InstanceProfileName=ip_name,
                     missing=("NoSuchEntity",), retry_codes=("DeleteConflict",))
        ctx.record("delete", "instance profile", ip_name, profile["Arn"])
    for role_name, role in obs.roles.items():
        if role is None:
            continue
        if not _is_ours(role, stack):
            skip("IAM role", role_name, role["Arn"])
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
                     retry_codes=("DeleteConflict",))
        ctx.record("delete", "IAM role", role_name, role["Arn"])
    for policy_name, policy in obs.policies.items():
        arn = policy["Arn"]
        if not _is_ours(policy, stack):
            skip("IAM policy", policy_name, arn)
            continue
        entities = ctx.call(iam, "list_entities_for_policy", PolicyArn=arn, missing=("NoSuchEntity",)) or {}
        attached = ([("user", u["UserName"]) for u in entities.get("PolicyUsers", [])]
                    + [("group", g["GroupName"]) for g in entities.get("PolicyGroups", [])]
                    + [("role", r["RoleName"]) for r in entities.get("PolicyRoles", [])])
        if ctx.apply:
            for kind, entity in attached:
                method = {"user": "detach_user_policy", "group": "detach_group_policy",
                          "role": "detach_role_policy"}[kind]
                key = {"user": "UserName", "group": "GroupName", "role": "RoleName"}[kind]
                ctx.call(iam, method, what=f"{arn} from {kind} {entity}", PolicyArn=arn, **{key: entity},
                         missing=("NoSuchEntity",))
            for version in ctx.items(iam, "list_policy_versions", "Versions", PolicyArn=arn):
                if not version.get("IsDefaultVersion"):
                    ctx.call(iam, "delete_policy_version", what=arn, PolicyArn=arn,
                             VersionId=version["VersionId"], missing=("NoSuchEntity",))
            ctx.call(iam, "delete_policy", what=arn, PolicyArn=arn, missing=("NoSuchEntity",),
                     retry_codes=("DeleteConflict",))
        others = [f"{k} {e}" for k, e in attached if not (k == "role" and e in obs.roles)]
        ctx.record("delete", "IAM policy", policy_name, arn,
                   ("detach from " + ", ".join(others)) if others else "")
    deleted = tuple(a for a in ctx.actions if a.verb != "keep")
    return DownResult(stack, deleted, tuple(remaining), tuple(skipped))


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


# --------------------------------------------------------------------------- public API


def plan(
    config: StackConfig | str,
    *,
    operation: Literal["up", "down"] = "up",
    ec2_client: Any,
    iam_client: Any,
    ssm_client: Any = None,
    retry: RetryPolicy | None = None,
) -> Plan:
    """What :func:`up` or :func:`down` would do, with read-only calls only.

    Parameters
    ----------
    config : StackConfig or str
        The stack (for ``down``, its name is enough).
    operation : {"up", "down"}, default "up"
    ec2_client, iam_client : botocore clients
        EC2 in the stack's region, IAM. Only ``Describe*``, ``List*`` and
        ``Get*`` calls are made (none starting with :data:`MUTATING_PREFIXES`).
    ssm_client : botocore SSM client, optional
        To read the admin host's AMI parameter (``up`` with ``admin_host``).
    retry : RetryPolicy, optional

    Returns
    -------
    Plan
        Every action in execution order, ``keep`` included.

    Raises
    ------
    StackConfigError
        ``operation`` is neither ``"up"`` nor ``"down"``, or ``config`` is
        a name that is not a valid stack name.
    InfraError
        A read failed after retries, or the stack is ambiguous (two VPCs
        carry its tag), or a same-named IAM resource lacks the tag.
    """
    if operation not in ("up", "down"):
        raise StackConfigError([ProfileFieldError("operation", operation, "'up' or 'down'")])
    if operation == "up":
        cfg = _as_config(config)
        ctx = _Ctx(cfg.name, ec2=ec2_client, iam=iam_client, ssm=ssm_client, apply=False, retry=retry,
                   progress=None)
        _reconcile(ctx, cfg, None)
        return Plan(cfg.name, "up", tuple(ctx.actions))
    stack = _stack_name(config)
    ctx = _Ctx(stack, ec2=ec2_client, iam=iam_client, apply=False, retry=retry, progress=None)
    result = _teardown(ctx)
    return Plan(stack, "down", tuple(ctx.actions), result.remaining)


def check_profile_path(profile_path: str | Path) -> None:
    """Check, without writing the profile, that :func:`up` could write it to ``profile_path``.

    Parameters
    ----------
    profile_path : str or pathlib.Path
        Where the profile would be written.

    Raises
    ------
    StackConfigError
        The suffix is not ``.toml``, ``.yaml``, ``.yml`` or ``.json``; the path
        is a directory; its directory does not exist; or this user cannot
        write there: besides the permission bits, a temporary file is created
        and removed in the directory (``/proc``, ``/sys`` and read-only mounts
        refuse it even for root). The error's field is ``profile_path``.
    """
    from safemaker.profile import SUFFIXES

    path = Path(profile_path)
    if path.suffix.lower() not in SUFFIXES:
        raise StackConfigError([ProfileFieldError(
            "profile_path", str(profile_path), "a path ending in .toml, .yaml, .yml or .json")])
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        problem = "a directory"
    elif not parent.is_dir():
        problem = f"a path in {str(parent)!r}, which is not an existing directory"
    elif not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        problem = "a path that this user cannot write"
    else:
        # os.access trusts permission bits: root "may write" /proc, /sys or a read-only mount. Probe for real.
        problem = _probe_write(parent, path)
        if problem is None:
            return
    raise StackConfigError([ProfileFieldError(
        "profile_path", str(path),
        f"a file path in an existing, writable directory (found {problem}); create the directory or "
        "choose another path")])


def _probe_write(parent: Path, path: Path) -> str | None:
    """``None`` when a file can be created (and removed) in ``parent`` and an existing ``path`` opened for
    appending (nothing written to it); else why not."""
    import tempfile

    try:
        with tempfile.NamedTemporaryFile(dir=parent, prefix=".safemaker-probe-", suffix=path.suffix):
            pass
        if path.exists():
            with path.open("a", encoding="utf-8"):
                pass
    except OSError as exc:
        return f"a directory where no file can be created: {exc.strerror or exc}"
    return None


def up(
    config: StackConfig,
    *,
    ec2_client: Any,
    iam_client: Any,
    ssm_client: Any = None,
    profile_path: str | Path | None = None,
    retry: RetryPolicy | None = None,
    progress: ProgressCallback | None = None,
) -> UpResult:
    """Build (or complete) the stack's closed network, IAM policies and role; write the profile.

    Idempotent: resources are found by their ``safemaker:stack`` tag (IAM
    ones by name, then checked for the tag), so a second run creates
    nothing, and a run after a partial failure creates only what is missing.

    Parameters
    ----------
    config : StackConfig
    ec2_client : botocore EC2 client
        In ``config.region``.
    iam_client : botocore IAM client
    ssm_client : botocore SSM client, optional
        Needed only for ``admin_host`` without ``admin_ami`` (reads the AMI parameter).
    profile_path : str or pathlib.Path, optional
        Where to write the resulting profile (``.toml``, ``.yaml``, ``.yml``, ``.json``).
    retry : RetryPolicy, optional
        Retries and waits (default :class:`RetryPolicy`).
    progress : callable, optional
        Called with each :class:`Action` once it is done.

    Returns
    -------
    UpResult
        The profile, every action, resource IDs, policy ARNs.

    Raises
    ------
    StackConfigError
        ``config`` is not a :class:`StackConfig`.
    InfraError
        An AWS call failed after retries (re-run to resume), a same-named IAM
        resource lacks the stack's tag, fewer than two Availability Zones, or
        a VPC endpoint failed.
    safemaker.errors.ProfileError
        ``profile_path`` has an unsupported suffix or cannot be written.

    References
    ----------
    Amazon EC2 API Reference: CreateVpc, ModifyVpcAttribute, CreateDhcpOptions,
    AssociateDhcpOptions, CreateSubnet, CreateRouteTable, AssociateRouteTable,
    CreateSecurityGroup, AuthorizeSecurityGroupIngress/Egress, CreateVpcEndpoint,
    RunInstances. IAM API Reference: CreatePolicy, CreatePolicyVersion,
    CreateRole, AttachRolePolicy, CreateInstanceProfile.
    """
    cfg = _as_config(config)
    if profile_path is not None:
        check_profile_path(profile_path)  # before any call: never build a stack, then fail to say so
    ctx = _Ctx(cfg.name, ec2=ec2_client, iam=iam_client, ssm=ssm_client, apply=True, retry=retry,
               progress=progress)
    return _reconcile(ctx, cfg, Path(profile_path) if profile_path is not None else None)


def down(
    stack: StackConfig | str,
    *,
    ec2_client: Any,
    iam_client: Any,
    retry: RetryPolicy | None = None,
    progress: ProgressCallback | None = None,
) -> DownResult:
    """Delete the stack's resources, in dependency order, and only those with its tag.

    Order (seed part 5): admin EC2 instance (terminated, waited), VPC
    endpoints (deleted, waited), subnets, route table, security group, VPC,
    DHCP options, instance profile, roles (policies detached first), policies
    (all versions). A resource that something outside the stack still uses
    (a network interface of a notebook, an endpoint created by hand...) is
    kept and reported in ``DownResult.remaining``; a resource without the
    stack's tag is never deleted, even when its name matches. Throttling,
    transient errors and ``DependencyViolation`` are retried
    (:class:`RetryPolicy`); after any failure, re-running finishes the job.

    Parameters
    ----------
    stack : StackConfig or str
        The stack or its name.
    ec2_client, iam_client : botocore clients
    retry : RetryPolicy, optional
    progress : callable, optional
        Called with each :class:`Action` once it is done.

    Returns
    -------
    DownResult
        ``complete`` is True when nothing of the stack is left.

    Raises
    ------
    StackConfigError
        ``stack`` is not a valid stack name.
    InfraError
        An AWS call failed after retries; re-run to resume.
    """
    name = _stack_name(stack)
    ctx = _Ctx(name, ec2=ec2_client, iam=iam_client, apply=True, retry=retry, progress=progress)
    return _teardown(ctx)


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
        Retries of throttling and transient errors (default :class:`RetryPolicy`).

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
