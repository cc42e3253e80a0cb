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
carry the stack's tag, waits for each deletion (botocore waiters), retries
eventual-consistency ``DependencyViolation`` errors (throttling and transient
errors are retried by botocore: :data:`CLIENT_CONFIG`), keeps (and
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
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Literal, Mapping, Sequence

import botocore.config
import botocore.waiter
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
    "CLIENT_CONFIG",
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


CLIENT_CONFIG = botocore.config.Config(retries={"mode": "standard", "total_max_attempts": 8})
"""botocore configuration of the EC2, IAM and SSM clients of :func:`up`, :func:`down`, :func:`plan`
and ``safemaker doctor``: botocore's *standard* retry mode, 8 attempts per call in all
(``total_max_attempts``, the first one included) for throttling (``Throttling``,
``RequestLimitExceeded``...), HTTP 500/502/503/504, connection errors and timeouts, with botocore's
exponential backoff and jitter (at most 20 s). The CLI makes its clients with it; library callers pass
``config=infra.CLIENT_CONFIG`` (or their own retry settings) when they make theirs. Throttling and
transient errors are botocore's to retry: safemaker never retries them again (it did, 8 times around
botocore's default 5: up to 40 requests for one throttled call)."""


@dataclass(frozen=True)
class RetryPolicy:
    """What ``up``/``down`` retry themselves (what botocore does not), and how they wait.

    Throttling and transient errors are retried by botocore, as configured on
    the clients (:data:`CLIENT_CONFIG`). What remains here is the retry of
    eventual-consistency errors that botocore's retry modes do not treat as
    retryable: ``DependencyViolation`` (EC2) and ``DeleteConflict`` (IAM) on
    deletions right after a dependent resource went away, and ``RunInstances``
    with an instance profile EC2 does not see yet.

    Attributes
    ----------
    max_attempts : int, default 8
        Attempts of a call that fails with one of those errors.
    base_delay : float, default 1.0
        Seconds before the first of those retries; doubled each time.
    max_delay : float, default 20.0
        Upper bound of one retry delay, in seconds.
    wait_delay : float, default 5.0
        ``Delay`` of the waiters (seconds between polls): botocore's EC2
        waiters ``vpc_available``, ``instance_running``, ``instance_terminated``
        and safemaker's VPC endpoint waiters (EC2 has none), run by botocore.
    wait_attempts : int, default 120
        ``MaxAttempts`` of the waiters; then :class:`InfraError`.
    sleep : callable, default time.sleep
        Used for the delays of the retries above (tests pass a recorder).
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


def _refused_loopback(exc: BaseException | None) -> str | None:
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


_attempts = threading.local()
"""Attempts botocore made for the last call of this thread (its ``needs-retry`` event counts them)."""


def _count_and_stop_refused_loopback(attempts: int = 1, caught_exception: BaseException | None = None,
                                     **_: Any) -> bool | None:
    """``needs-retry`` handler, run before botocore's retry handler: records the attempt count, and
    returns ``False`` (no retry) for a connection refused on a loopback port: nothing listens there,
    and botocore's backoff would wait up to a minute for nothing."""
    _attempts.count = attempts
    return False if _refused_loopback(caught_exception) is not None else None


def _prepare(client: Any) -> Any:
    """Register :func:`_count_and_stop_refused_loopback` on ``client`` (once; harmless twice)."""
    if client is not None:
        service = client.meta.service_model.service_id.hyphenize()
        client.meta.events.register_first(f"needs-retry.{service}", _count_and_stop_refused_loopback,
                                          unique_id="safemaker-infra-needs-retry")
    return client


def _tries(exc: Exception) -> str:
    """`` (after N attempts)`` when botocore tried more than once, else ``""``."""
    count = getattr(_attempts, "count", 1)
    if isinstance(exc, ClientError):
        count = int(exc.response.get("ResponseMetadata", {}).get("RetryAttempts") or 0) + 1
    return f" (after {count} attempts)" if count > 1 else ""


# Waiters botocore's EC2 model does not have (DescribeVpcEndpoints), in botocore's waiter format,
# run by botocore's waiter machinery. AWS answers with lower-case states; the API model spells them
# capitalised, so both are accepted.
_WAITER_MODEL = botocore.waiter.WaiterModel({"version": 2, "waiters": {
    "VpcEndpointsAvailable": {
        "operation": "DescribeVpcEndpoints", "delay": 5, "maxAttempts": 120,
        "acceptors": [
            *({"state": "success", "matcher": "pathAll", "argument": "VpcEndpoints[].State", "expected": s}
              for s in ("available", "Available")),
            *({"state": "failure", "matcher": "pathAny", "argument": "VpcEndpoints[].State", "expected": s}
              for s in ("failed", "Failed", "rejected", "Rejected", "expired", "Expired")),
        ]},
    "VpcEndpointsDeleted": {
        "operation": "DescribeVpcEndpoints", "delay": 5, "maxAttempts": 120,
        "acceptors": [
            {"state": "success", "matcher": "path", "expected": True,
             "argument": "length(VpcEndpoints[?State != 'deleted' && State != 'Deleted']) == `0`"},
            {"state": "success", "matcher": "error", "expected": "InvalidVpcEndpointId.NotFound"},
        ]},
}})


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
        self.ec2 = _prepare(ec2)
        self.iam = _prepare(iam)
        self.ssm = _prepare(ssm)
        self.apply = apply
        self.retry = retry or RetryPolicy()
        self.progress = progress
        self.partition = "aws"  # set by _reconcile from the StackConfig
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
        """``client.<method>(**kwargs)``; ``None`` if the error code is in ``missing``.

        Throttling and transient errors were retried by botocore (the client's
        retry mode). Retried here, by :class:`RetryPolicy`, only the
        eventual-consistency errors botocore does not retry: codes in
        ``retry_codes`` and errors for which ``retry_if`` is true. Any other
        failure raises :class:`InfraError`. The default ``fix`` says that
        finished steps are not repeated only when the run makes changes
        (``up``, ``down``); ``plan`` and lookups say "re-run".
        """
        return self._run(method, what, lambda: getattr(client, method)(**kwargs), missing=missing,
                         retry_codes=retry_codes, retry_if=retry_if, fix=fix)

    def _run(self, method: str, what: str, send: Callable[[], Any], *, missing: Iterable[str] = (),
             retry_codes: Iterable[str] = (), retry_if: Callable[[ClientError], bool] | None = None,
             fix: str | None = None) -> Any:
        if fix is None:
            fix = ("Fix the cause and re-run; finished steps are not repeated" if self.apply
                   else "Fix the cause and re-run")
        missing = set(missing)
        extra = set(retry_codes)
        operation = "".join(p.title() for p in method.split("_"))
        action = f"{operation} {what}".strip()
        attempt = 0
        while True:
            _attempts.count = 1
            try:
                return send()
            except ClientError as exc:
                code = _code(exc)
                if code in missing:
                    return None
                if not (code in extra or (retry_if is not None and retry_if(exc))):
                    raise InfraError(action, _message(exc).rstrip(".") + _tries(exc), fix) from None
                if attempt + 1 >= self.retry.max_attempts:
                    raise InfraError(action, f"{_message(exc).rstrip('.')} (after {attempt + 1} attempts)",
                                     fix) from None
            except NoCredentialsError as exc:
                # Chained, so callers can tell the cause (botocore does not retry it either).
                raise InfraError(action, _message(exc).rstrip("."), fix) from exc
            except (BotoCoreError, ResponseParserError) as exc:
                refused = _refused_loopback(exc)
                if refused is not None:
                    # Nothing listens on a loopback port: waiting will not start a server.
                    raise InfraError(
                        action,
                        f"{_message(exc).rstrip('.')} (connection refused on the loopback endpoint {refused}: "
                        "not retried, nothing listens there)",
                        f"Start the local backend (`safemaker local serve`, on that port) or fix --endpoint-url "
                        f"/ AWS_ENDPOINT_URL, then re-run") from None
                # Connection errors, timeouts, garbled responses: botocore already retried them.
                raise InfraError(action, _message(exc).rstrip(".") + _tries(exc), fix) from None
            # An eventual-consistency error (DependencyViolation, DeleteConflict...): botocore's retry
            # modes do not retry these, and on AWS they heal within seconds of the dependency's removal.
            delay = self.retry.delay(attempt)
            logger.debug("%s: %s; retry %d in %.1fs", action, code, attempt + 1, delay)
            self.retry.sleep(delay)
            attempt += 1

    def full(self, client: Any, method: str, *, missing: Iterable[str] = (), **kwargs: Any) -> dict[str, Any]:
        """The whole result of ``method`` over all pages (botocore's paginator, when it has one)."""
        if not client.can_paginate(method):
            return self.call(client, method, missing=missing, **kwargs) or {}
        paginator = client.get_paginator(method)
        return self._run(method, "", lambda: paginator.paginate(**kwargs).build_full_result(),
                         missing=missing) or {}

    def items(self, client: Any, method: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
        """Every item of ``key`` over all pages."""
        return list(self.full(client, method, **kwargs).get(key, []))

    def wait(self, client: Any, waiter: str, what: str, fix: str, **kwargs: Any) -> None:
        """Run a botocore waiter (the client's own, or one of :data:`_WAITER_MODEL`) with the policy's
        ``wait_delay`` and ``wait_attempts``."""
        if waiter in client.waiter_names:
            runner = client.get_waiter(waiter)
        else:
            runner = botocore.waiter.create_waiter_with_client(waiter, _WAITER_MODEL, client)
        try:
            runner.wait(**kwargs, WaiterConfig={"Delay": self.retry.wait_delay,
                                                "MaxAttempts": self.retry.wait_attempts})
        except WaiterError as exc:
            last = exc.last_response or {}
            reason = _message(exc)  # the error's code and message, or the waiter's reason
            states = [f"{e.get('VpcEndpointId')} {e.get('State')}" for e in last.get("VpcEndpoints", [])
                      if str(e.get("State", "")).lower() != "available"]
            if states:
                reason = f"{', '.join(states)} ({reason})"
            raise InfraError(f"waiting for {what}", reason, fix) from None


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


@dataclass
class _Built:
    """What :func:`_reconcile` has found or made so far (IDs are ``None`` in a plan of a new stack)."""

    vpc: dict[str, Any] | None = None
    vpc_id: str | None = None
    account: str | None = None
    subnet_ids: list[str | None] = field(default_factory=list)
    rt_id: str | None = None
    sg_id: str | None = None
    endpoint_ids: list[str] = field(default_factory=list)
    resources: dict[str, str] = field(default_factory=dict)
    described: dict[str, Any] = field(default_factory=dict)
    ids: dict[str, str | None] = field(default_factory=dict)
    applied: set[str] = field(default_factory=set)

    def of_type(self, cfn_type: str) -> list[Any]:
        """The described resources (:class:`safemaker.network.stack.Resource`) of one CloudFormation type."""
        return [r for r in self.described.values() if r.type == cfn_type]

    def apply(self, resource: Any, resource_id: str | None) -> str | None:
        """Note that ``resource`` was applied (created, updated or kept) with ID ``resource_id``."""
        self.applied.add(resource.logical_id)
        self.ids[resource.logical_id] = resource_id
        return resource_id


def _reconcile(ctx: _Ctx, cfg: StackConfig, profile_path: Path | None) -> UpResult:
    obs = _observe(ctx)
    _refuse_foreign_iam(cfg, obs)
    from safemaker.network.stack import describe

    ctx.partition = cfg.partition
    built = _Built(described={r.logical_id: r for r in describe(cfg)})
    _up_vpc(ctx, cfg, obs, built)
    _up_dhcp_options(ctx, cfg, obs, built)
    _up_subnets(ctx, cfg, obs, built)
    _up_route_table(ctx, cfg, obs, built)
    _up_security_group(ctx, cfg, obs, built)
    built.endpoint_ids = _reconcile_endpoints(ctx, cfg, obs, built)
    profile = _profile_of(cfg, built)
    policy_arns = _reconcile_iam(ctx, cfg, obs, profile, built)
    if cfg.admin_host:
        _reconcile_admin_host(ctx, cfg, obs, built)
    left = set(built.described) - built.applied
    if left:  # every described resource has its step above; a new resource type needs one
        raise AssertionError(f"described but not applied: {sorted(left)}")
    written = None
    if ctx.apply and profile_path is not None and profile is not None:
        written = profile.dump(profile_path)
    return UpResult(cfg.name, profile, tuple(ctx.actions), built.resources, policy_arns, written)


def _up_vpc(ctx: _Ctx, cfg: StackConfig, obs: _Observed, built: _Built) -> None:
    """The VPC and its DNS attributes (``enableDnsSupport``, ``enableDnsHostnames``)."""
    ec2, stack = ctx.ec2, cfg.name
    spec = built.described["Vpc"]
    vpc = obs.vpc
    vpc_name, cidr = spec.name, spec.spec["cidr_block"]
    flags = [f for f, key in (("EnableDnsSupport", "enable_dns_support"), ("EnableDnsHostnames", "enable_dns_hostnames"))
             if spec.spec[key]]
    if vpc is None:
        vpc_id = account = None
        if ctx.apply:
            vpc = ctx.call(ec2, "create_vpc", what=vpc_name, CidrBlock=cidr,
                           TagSpecifications=_tag_spec("vpc", stack, spec.tag, vpc_name))["Vpc"]
            vpc_id, account = vpc["VpcId"], vpc.get("OwnerId")
            ctx.wait(ec2, "vpc_available", f"VPC {vpc_id}", _CONSOLE_FIX, VpcIds=[vpc_id])
            for flag in flags:
                ctx.call(ec2, "modify_vpc_attribute", what=vpc_id, VpcId=vpc_id, **{flag: {"Value": True}})
        ctx.record("create", "VPC", vpc_name, vpc_id,
                   f"{cidr}; enableDnsSupport and enableDnsHostnames on")
        built.vpc, built.vpc_id, built.account = None, vpc_id, account
    else:
        vpc_id, account = vpc["VpcId"], vpc.get("OwnerId")
        off = []
        for flag in flags:
            attribute, key = flag[0].lower() + flag[1:], flag
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
            if vpc.get("CidrBlock") != cidr:
                detail += f" (the config says {cidr}; an existing VPC is not resized)"
            ctx.record("keep", "VPC", vpc_name, vpc_id, detail)
        built.vpc, built.vpc_id, built.account = vpc, vpc_id, account
    if built.apply(spec, built.vpc_id):
        built.resources[spec.tag] = built.vpc_id


def _up_dhcp_options(ctx: _Ctx, cfg: StackConfig, obs: _Observed, built: _Built) -> None:
    """The DHCP options set (``domain-name``, ``AmazonProvidedDNS``) and its association with the VPC."""
    ec2, stack = ctx.ec2, cfg.name
    spec = built.described["DhcpOptions"]
    dhcp_name = spec.name
    domain = dhcp_domain_name(cfg.region)  # spec "region default": AWS's default domain name of the region
    servers = list(spec.spec["domain_name_servers"])
    ours = obs.by_logical(obs.dhcp).get(spec.tag) or (obs.dhcp[0] if obs.dhcp else None)
    if ours is None:
        dopt_id = None
        if ctx.apply:
            created = ctx.call(ec2, "create_dhcp_options", what=dhcp_name, DhcpConfigurations=[
                {"Key": "domain-name", "Values": [domain]},
                {"Key": "domain-name-servers", "Values": servers}],
                TagSpecifications=_tag_spec("dhcp-options", stack, spec.tag, dhcp_name))["DhcpOptions"]
            dopt_id = created["DhcpOptionsId"]
            if not _is_ours(created, stack):  # moto 5.2 drops TagSpecifications on CreateDhcpOptions
                ctx.call(ec2, "create_tags", what=dopt_id, Resources=[dopt_id],
                         Tags=_tags(stack, spec.tag, dhcp_name))
        ctx.record("create", "DHCP options", dhcp_name, dopt_id,
                   f"domain-name {domain}; domain-name-servers {' '.join(servers)}")
    else:
        dopt_id = ours["DhcpOptionsId"]
        ctx.record("keep", "DHCP options", dhcp_name, dopt_id)
    if built.apply(spec, dopt_id):
        built.resources[spec.tag] = dopt_id
    association = built.described["DhcpOptionsAssociation"]
    vpc = built.described[association.spec["vpc"]]
    if built.vpc is None or built.vpc.get("DhcpOptionsId") != dopt_id:
        if ctx.apply:
            ctx.call(ec2, "associate_dhcp_options", what=f"{dopt_id} {built.vpc_id}",
                     DhcpOptionsId=dopt_id, VpcId=built.vpc_id)
        ctx.record("update", "VPC", vpc.name, built.vpc_id,
                   f"associate DHCP options {dopt_id or dhcp_name}")
    built.apply(association, None)


def _up_subnets(ctx: _Ctx, cfg: StackConfig, obs: _Observed, built: _Built) -> None:
    """The two private subnets, in two Availability Zones."""
    ec2, stack = ctx.ec2, cfg.name
    zones = _availability_zones(ctx)
    if len(zones) < 2:
        raise InfraError(f"planning subnets of {stack}",
                         f"{cfg.region} has {len(zones)} available Availability Zone(s); two are needed",
                         "Use a region with at least two Availability Zones")
    existing = {k: v for k, v in obs.by_logical(obs.subnets).items() if v.get("VpcId") == built.vpc_id}
    used = {s.get("AvailabilityZone") for s in existing.values()}
    for spec in built.of_type("AWS::EC2::Subnet"):
        name, logical, block = spec.name, spec.tag, spec.spec["cidr_block"]
        subnet = existing.get(logical)
        if subnet is not None:
            subnet_id = subnet["SubnetId"]
            ctx.record("keep", "subnet", name, subnet_id,
                       f"{subnet.get('CidrBlock')} in {subnet.get('AvailabilityZone')}")
        else:
            # Another zone than the other subnet's: the template's Fn::Select [zone_index, Fn::GetAZs].
            zone = next(z for z in zones if z not in used)
            used.add(zone)
            subnet_id = None
            if ctx.apply:
                subnet_id = ctx.call(ec2, "create_subnet", what=name, VpcId=built.vpc_id, CidrBlock=block,
                                     AvailabilityZone=zone, TagSpecifications=_tag_spec("subnet", stack, logical, name)
                                     )["Subnet"]["SubnetId"]
            ctx.record("create", "subnet", name, subnet_id, f"{block} in {zone}, private")
        built.subnet_ids.append(subnet_id)
        if built.apply(spec, subnet_id):
            built.resources[logical] = subnet_id


def _up_route_table(ctx: _Ctx, cfg: StackConfig, obs: _Observed, built: _Built) -> None:
    """The stack's route table (local route only) and its association with both subnets."""
    ec2, stack, vpc_id = ctx.ec2, cfg.name, built.vpc_id
    spec = built.described["RouteTable"]
    rt_name = spec.name
    table = next((t for t in obs.route_tables if t.get("VpcId") == vpc_id), None)
    if table is None:
        rt_id = None
        if ctx.apply:
            rt_id = ctx.call(ec2, "create_route_table", what=rt_name, VpcId=vpc_id,
                             TagSpecifications=_tag_spec("route-table", stack, spec.tag, rt_name)
                             )["RouteTable"]["RouteTableId"]
        ctx.record("create", "route table", rt_name, rt_id, "local route only (no way out)")
        associated: set[str] = set()
    else:
        rt_id = table["RouteTableId"]
        associated = {a.get("SubnetId") for a in table.get("Associations", []) if a.get("SubnetId")}
        ctx.record("keep", "route table", rt_name, rt_id)
    built.rt_id = rt_id
    if built.apply(spec, rt_id):
        built.resources[spec.tag] = rt_id
    associations = built.of_type("AWS::EC2::SubnetRouteTableAssociation")
    for association in associations:
        built.apply(association, None)
    wanted = [(built.described[a.spec["subnet"]], built.ids[a.spec["subnet"]]) for a in associations]
    missing_assoc = [(s, sid) for s, sid in wanted if sid is None or sid not in associated]
    if not missing_assoc:
        return
    explicit = {}
    if ctx.apply and vpc_id:
        for t in ctx.items(ec2, "describe_route_tables", "RouteTables",
                           Filters=[{"Name": "vpc-id", "Values": [vpc_id]}]):
            for a in t.get("Associations", []):
                if a.get("SubnetId"):
                    explicit[a["SubnetId"]] = a["RouteTableAssociationId"]
    for subnet, subnet_id in missing_assoc:
        if ctx.apply:
            if subnet_id in explicit:
                ctx.call(ec2, "replace_route_table_association", what=subnet_id,
                         AssociationId=explicit[subnet_id], RouteTableId=rt_id)
            else:
                ctx.call(ec2, "associate_route_table", what=f"{rt_id} {subnet_id}",
                         RouteTableId=rt_id, SubnetId=subnet_id)
        ctx.record("update", "route table", rt_name, rt_id, f"associate {subnet_id or subnet.name}")


_OPEN_EGRESS = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
"""AWS's default egress rule of a new security group (allow everything), which the stack removes."""


def _up_security_group(ctx: _Ctx, cfg: StackConfig, obs: _Observed, built: _Built) -> None:
    """The security group: tcp/443 from/to itself and to the S3 prefix list, all traffic from/to itself
    when distributed training is possible; no allow-all egress."""
    ec2, stack, region, vpc_id = ctx.ec2, cfg.name, cfg.region, built.vpc_id
    spec = built.described["SecurityGroup"]
    sg_name = spec.name
    s3_list = _s3_prefix_list(ctx, region)
    if s3_list is None:
        raise InfraError(f"planning security group {sg_name}",
                         f"no prefix list named {ENDPOINTS[S3_GATEWAY].service_name(region)} in {region}",
                         "Check the region")
    group = next((g for g in obs.groups if g.get("VpcId") == vpc_id), None)
    sg_id = group["GroupId"] if group else None
    rule_specs = built.of_type("AWS::EC2::SecurityGroupIngress") + built.of_type("AWS::EC2::SecurityGroupEgress")
    rules = [r.spec["rule"] for r in rule_specs] + list(spec.spec["egress"])

    def perm(rule: Any, gid: str | None) -> dict[str, Any]:
        if rule.peer == "S3PrefixList":
            return _ec2_perm(rule.protocol, prefix_list=s3_list, port=rule.port)
        return _ec2_perm(rule.protocol, gid, port=rule.port)  # the group itself (the only group peer)

    def wanted(gid: str | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        ingress = [perm(r, gid) for r in rules if r.direction == "ingress"]
        egress = [perm(r, gid) for r in rules if r.direction == "egress"]
        order = {"tcp": 0, "-1": 1}  # https first, then all traffic; the prefix list after itself
        return (sorted(ingress, key=lambda p: order.get(p["IpProtocol"], 2)),
                sorted(egress, key=lambda p: (order.get(p["IpProtocol"], 2), "PrefixListIds" in p)))

    if group is None:
        if ctx.apply:
            sg_id = ctx.call(ec2, "create_security_group", what=sg_name, GroupName=sg_name, VpcId=vpc_id,
                             Description=spec.spec["description"],
                             TagSpecifications=_tag_spec("security-group", stack, spec.tag, sg_name)
                             )["GroupId"]
            ingress, egress = wanted(sg_id)
            ctx.call(ec2, "revoke_security_group_egress", what=sg_id, GroupId=sg_id, IpPermissions=_OPEN_EGRESS,
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
                             IpPermissions=_OPEN_EGRESS, missing=("InvalidPermission.NotFound",))
            ctx.record("update", "security group", sg_name, sg_id,
                       "; ".join(changes).replace(f" {sg_id}", " itself"))
        else:
            ctx.record("keep", "security group", sg_name, sg_id)
    built.sg_id = sg_id
    for rule in rule_specs:
        built.apply(rule, None)
    if built.apply(spec, sg_id):
        built.resources[spec.tag] = sg_id


def _profile_of(cfg: StackConfig, built: _Built) -> Any:
    """The closed network's :class:`~safemaker.profile.VpcProfile`, or ``None`` until every ID exists.

    Exact only once every required endpoint exists: planning a stack that was
    interrupted after its VPC but before its endpoints uses the placeholders.
    """
    role_arn = (f"arn:{cfg.partition}:iam::{built.account}:role/{execution_role_name(cfg.name)}"
                if built.account else None)
    endpoints_complete = len(built.endpoint_ids) == len(required_endpoints(cfg.features, cfg.region, kms=cfg.kms))
    if not (built.vpc_id and all(built.subnet_ids) and built.sg_id and role_arn and endpoints_complete):
        return None
    from safemaker.profile import VpcProfile

    data: dict[str, Any] = {
        "region": cfg.region, "vpc_id": built.vpc_id, "subnets": list(built.subnet_ids),
        "security_group_ids": [built.sg_id], "execution_role_arn": role_arn,
        "vpc_endpoint_ids": built.endpoint_ids,
    }
    for key in ("volume_kms_key_id", "output_kms_key_id", "default_bucket"):
        if getattr(cfg, key):
            data[key] = getattr(cfg, key)
    return VpcProfile.from_mapping(data, source=f"infra:{cfg.name}", env=False)


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


_CONSOLE_FIX = "Check the resource in the console and re-run"


def _reconcile_endpoints(ctx: _Ctx, cfg: StackConfig, obs: _Observed, built: _Built) -> list[str]:
    """The VPC endpoints: gateway ones on the route table, interface ones in both subnets, private DNS on."""
    ec2, stack, vpc_id = ctx.ec2, cfg.name, built.vpc_id
    existing = {e.get("ServiceName"): e for e in obs.endpoints if e.get("VpcId") == vpc_id}
    created: list[str] = []
    ids: list[str] = []
    resources = built.resources
    for spec in built.of_type("AWS::EC2::VPCEndpoint"):
        logical, name, endpoint_type = spec.tag, spec.name, spec.spec["type"]
        service_name = ENDPOINTS[spec.spec["endpoint"]].service_name(cfg.region)
        endpoint = existing.get(service_name)
        gateway = endpoint_type == "Gateway"
        rt_id = next((built.ids[r] for r in spec.spec["route_tables"]), None)
        subnet_ids = [built.ids[s] for s in spec.spec["subnets"]]
        sg_id = next((built.ids[g] for g in spec.spec["security_groups"]), None)
        if endpoint is None:
            eid = None
            if ctx.apply:
                args: dict[str, Any] = dict(
                    VpcEndpointType=endpoint_type, VpcId=vpc_id, ServiceName=service_name,
                    TagSpecifications=_tag_spec("vpc-endpoint", stack, logical, name))
                if gateway:
                    args["RouteTableIds"] = [built.ids[r] for r in spec.spec["route_tables"]]
                else:
                    args.update(SubnetIds=list(subnet_ids), SecurityGroupIds=[built.ids[g] for g in
                                                                              spec.spec["security_groups"]],
                                PrivateDnsEnabled=spec.spec["private_dns"])
                eid = ctx.call(ec2, "create_vpc_endpoint", what=service_name, **args)[
                    "VpcEndpoint"]["VpcEndpointId"]
                created.append(eid)
            where = f"on route table {rt_id or f'{stack}-private'}" if gateway else (
                "private DNS on, in both subnets, security group " + (sg_id or f"{stack}-sagemaker"))
            ctx.record("create", "VPC endpoint", name, eid,
                       f"{endpoint_type} endpoint for {service_name}, {where}")
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
                if spec.spec["private_dns"] and not endpoint.get("PrivateDnsEnabled"):
                    changes["PrivateDnsEnabled"] = True
            if changes:
                if ctx.apply:
                    ctx.call(ec2, "modify_vpc_endpoint", what=eid, VpcEndpointId=eid, **changes)
                ctx.record("update", "VPC endpoint", name, eid,
                           "; ".join(f"{k} {v}" for k, v in changes.items()))
            else:
                ctx.record("keep", "VPC endpoint", name, eid, service_name)
        built.apply(spec, eid)
        if eid:
            ids.append(eid)
            resources[logical] = eid
    if ctx.apply and created:
        ctx.wait(ec2, "VpcEndpointsAvailable", f"VPC endpoints {', '.join(created)} to be available",
                 "Delete the failed ones (safemaker infra down) and re-run up; re-run up when they are available",
                 VpcEndpointIds=created)
    return ids


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


# --------------------------------------------------------------------------- down


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
        In ``config.region``. Its retry mode retries throttling and transient
        errors (:data:`CLIENT_CONFIG` is what the CLI uses).
    iam_client : botocore IAM client
    ssm_client : botocore SSM client, optional
        Needed only for ``admin_host`` without ``admin_ami`` (reads the AMI parameter).
    profile_path : str or pathlib.Path, optional
        Where to write the resulting profile (``.toml``, ``.yaml``, ``.yml``, ``.json``).
    retry : RetryPolicy, optional
        Eventual-consistency retries and waiter settings (default :class:`RetryPolicy`).
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
    stack's tag is never deleted, even when its name matches. Throttling and
    transient errors are retried by botocore (the clients' retry mode, see
    :data:`CLIENT_CONFIG`), ``DependencyViolation`` and ``DeleteConflict`` by
    :class:`RetryPolicy`; after any failure, re-running finishes the job.

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
