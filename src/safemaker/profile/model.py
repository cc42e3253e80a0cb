"""The VPC profile model: :class:`VpcProfile` (a pydantic-settings model) and :func:`resolve_profile`.

The fields and their validators live here; each loader reads its source
through the module that owns it (:mod:`.documents` for files, :mod:`.ssm`
for Parameter Store, :mod:`.discovery` for EC2) and builds the model through
one path (:meth:`VpcProfile._build`), which applies the ``SAFEMAKER_<FIELD>``
variables (:mod:`.env`, :mod:`.sources`) and reports relaxations
(:mod:`.relaxations`).
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Annotated, Any, Literal, Mapping, Sequence

from pydantic import Field, PrivateAttr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from safemaker.errors import MISSING, ProfileError, ProfileFieldError
from safemaker.partitions import partition_of_region
from safemaker.preflight._specs import CheckId as PreflightCheckId

from .discovery import discover_fields
from .documents import TABLE_HINT, parse_document, profile_mapping, read_profile_file, write_profile_file
from .env import ENV_PREFIX, PROFILE_ENV_VAR, env_raw_values, env_values, unknown_env_vars
from .fields import (
    BUCKET_WORDS,
    WORDS,
    KmsKeyId,
    RegionName,
    RoleArn,
    SecurityGroupId,
    SubnetId,
    VpcEndpointId,
    VpcId,
    bucket_problem,
    field_errors,
)
from .relaxations import EnvironmentRelaxation, ProfileRelaxationWarning, find_relaxations
from .reporting import Text, problems_error, source_error
from .sources import LOAD, LoadContext, MappingSource, ProfileEnvSource
from .ssm import SSM_PREFIX, read_ssm_parameter

if TYPE_CHECKING:  # pragma: no cover
    import boto3

__all__ = ["VpcProfile", "resolve_profile"]

# The package's logger (``safemaker.profile``): relaxations are logged there, as documented.
logger = logging.getLogger(__package__)


class VpcProfile(BaseSettings):
    """The closed network that every SageMaker resource must use.

    Immutable (frozen) and strict: unknown fields are refused. Build one with
    :meth:`load`, :meth:`from_file`, :meth:`from_ssm`, :meth:`from_mapping`,
    :meth:`discover` or :func:`resolve_profile`. Calling the class directly
    also works (keyword arguments win over ``SAFEMAKER_<FIELD>`` variables,
    which fill the fields not given, as in any pydantic-settings model).

    Parameters
    ----------
    region : str
        AWS region name, e.g. ``"us-east-1"``.
    vpc_id : str
        The VPC, ``vpc-`` followed by 8 or 17 lowercase hex digits.
    subnets : tuple of str, length 1 to 16
        Unique subnet IDs (``subnet-`` + 8 or 17 hex) SageMaker may place ENIs in;
        the SageMaker ``VpcConfig.Subnets``.
    security_group_ids : tuple of str, length 1 to 5
        Unique security group IDs (``sg-`` + 8 or 17 hex); ``VpcConfig.SecurityGroupIds``.
    execution_role_arn : str
        IAM role ARN (partition ``aws``, ``aws-cn`` or ``aws-us-gov``) passed to SageMaker.
        It comes from the profile so nothing calls IAM at run time.
    additional_role_arns : tuple of str, default ``()``
        Further role ARNs that may be passed to SageMaker.
    vpc_endpoint_ids : tuple of str or None, default None
        The VPC endpoints (``vpce-`` + 8 or 17 hex) the closed network relies on.
    volume_kms_key_id, output_kms_key_id : str or None, default None
        KMS key ID, key ARN, alias name (``alias/...``) or alias ARN for
        ``VolumeKmsKeyId`` / ``OutputDataConfig.KmsKeyId``. ARNs must be in the
        profile's region and partition.
    default_bucket : str or None, default None
        S3 bucket for SageMaker artifacts (S3 bucket naming rules).
    require_network_isolation : bool, default True
        Require ``EnableNetworkIsolation: true``. False is a relaxation.
    require_inter_container_traffic_encryption : bool, default True
        Require ``EnableInterContainerTrafficEncryption: true``. False is a relaxation.
    notebook_root_access : {"Disabled", "Enabled"}, default "Disabled"
        The ``RootAccess`` notebook instances must have.
    allow_pipeline_network_parameters : bool, default False
        Accept pipeline parameters (``{"Get": "Parameters.X"}``) in a pipeline step's
        network fields, checking their ``DefaultValue``. Off by default because whoever
        starts an execution can override a parameter (``StartPipelineExecution`` is then
        checked with the values it gives). A relaxation; see ``safemaker.pipeline``.
    preflight_warnings : tuple of str, default ``()``
        IDs of preflight checks (:data:`safemaker.preflight.CHECKS`) that warn
        instead of refusing, e.g. ``["SM-PRE-REQUIREMENTS"]`` when the job's image
        already holds every package its ``requirements.txt`` names. By default
        every preflight check that can refuse does (a job that would fail closed
        after minutes of start-up is refused before anything is uploaded or
        created). A relaxation; see ``docs/preflight.md``.
    allow_unclassified_operations : bool, default False
        Send SageMaker operations that safemaker's operation classification does not
        know (a botocore newer than safemaker; see ``safemaker rules`` and
        :mod:`safemaker.rules_classification`) unchecked. Off by default: such an
        operation is refused (rule ``SM-UNCLASSIFIED``) because nobody has read what
        it starts or makes reachable. A relaxation.
    allow_unverified_templates : bool, default False
        Send CloudFormation requests that deploy a template the guard cannot verify
        (a ``TemplateURL``, a change set or stack set template the request does not
        carry, ``UsePreviousTemplate``, a value only deployment knows such as a subnet
        the same stack creates); written violations in a ``TemplateBody`` are still
        refused. Also the other services' requests whose content the guard cannot
        verify (an SSM Automation run, a Service Catalog product, a Cloud Control
        update whose current state cannot be read, a value known only when a
        state machine or Automation runs): :mod:`safemaker.iac.service_calls`.
        Off by default: such a request is refused (rule ``SM-REFERENCE``);
        see :mod:`safemaker.iac.stack_calls`. A relaxation.
    allow_pipeline_callbacks : bool, default False
        Send ``SendPipelineExecutionStepSuccess`` and ``SendPipelineExecutionStepFailure``: each reports
        a pipeline callback step's result and lets the execution go on, and names only a callback token,
        so the guard cannot tell which execution (nor check its steps; a definition with a ``Callback``
        step is refused, so such an execution was made outside the guard). Off by default: both are
        refused, and the rendered guardrail and SCPs deny them (``DenyOperationsThatCannotRunClosed``);
        true leaves them out of both. A relaxation.

    Raises
    ------
    safemaker.errors.ProfileError
        When any field is missing or invalid, or unknown fields are given; ``errors``
        lists every bad field (path such as ``subnets.1``, value found, what is
        expected), ``source`` says where the profile came from.

    Examples
    --------
    >>> p = VpcProfile.from_mapping({
    ...     "region": "us-east-1",
    ...     "vpc_id": "vpc-0dddddddddddddddd",
    ...     "subnets": ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0cccccccccccccccc"],
    ...     "security_group_ids": ["sg-0bbbbbbbbbbbbbbbb"],
    ...     "execution_role_arn": "arn:aws:iam::123456789012:role/SageMakerExecRole",
    ... }, env=False)
    >>> p.account_id, p.partition
    ('123456789012', 'aws')
    """

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        case_sensitive=False,
        env_ignore_empty=True,
        frozen=True,
        extra="forbid",
        hide_input_in_errors=True,
        validate_default=False,
    )

    region: RegionName
    vpc_id: VpcId
    subnets: Annotated[tuple[SubnetId, ...], Field(min_length=1, max_length=16)]
    security_group_ids: Annotated[tuple[SecurityGroupId, ...], Field(min_length=1, max_length=5)]
    execution_role_arn: RoleArn
    additional_role_arns: tuple[RoleArn, ...] = ()
    vpc_endpoint_ids: Annotated[tuple[VpcEndpointId, ...], Field(min_length=1)] | None = None
    volume_kms_key_id: KmsKeyId | None = None
    output_kms_key_id: KmsKeyId | None = None
    default_bucket: str | None = None
    require_network_isolation: bool = True
    require_inter_container_traffic_encryption: bool = True
    notebook_root_access: Literal["Disabled", "Enabled"] = "Disabled"
    allow_pipeline_network_parameters: bool = False
    preflight_warnings: tuple[PreflightCheckId, ...] = ()
    allow_unclassified_operations: bool = False
    allow_unverified_templates: bool = False
    allow_pipeline_callbacks: bool = False

    _subnet_set: Any = PrivateAttr(default=())  # (the subnets tuple, its frozenset)
    _security_group_set: Any = PrivateAttr(default=())  # (the security group IDs tuple, its frozenset)
    _environment_overrides: Mapping[str, str] = PrivateAttr(
        default_factory=lambda: MappingProxyType({})
    )
    _environment_relaxations: tuple[EnvironmentRelaxation, ...] = PrivateAttr(default=())
    _loaded_from: str = PrivateAttr(default="")  # the source as errors name it (with its overrides)

    # ------------------------------------------------------------------ construction

    def __init__(self, **values: Any) -> None:
        ctx = LOAD.get()
        source = ctx.source if ctx is not None else "arguments"
        # Wherever SAFEMAKER_<FIELD> variables are read, a misspelt one is an error too,
        # listed first (it is often why a field below is missing or wrong).
        unknown = unknown_env_vars(type(self)) if ctx is None or ctx.env else []
        try:
            super().__init__(**values)
        except ValidationError as exc:
            if ctx is not None:
                env_fields = ctx.env_fields
            else:
                env_fields = {k: v for k, v in env_values(type(self)).items() if k not in values}
            raise ProfileError(
                source, unknown + field_errors(exc, env_fields, type(self).model_fields)
            ) from None
        except SettingsError as exc:  # pragma: no cover - decoding is handled by our source
            raise source_error(
                source, "(environment)", Text(type(exc).__name__), f"readable {ENV_PREFIX}* values"
            ) from None
        if unknown:
            raise ProfileError(source, unknown)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Order the sources: arguments, then ``SAFEMAKER_*`` variables, then the document.

        No ``.env`` file and no secrets directory are read.
        """
        ctx = LOAD.get()
        if ctx is None:
            return (init_settings, ProfileEnvSource(settings_cls))
        sources: list[PydanticBaseSettingsSource] = [init_settings]
        if ctx.env:
            sources.append(ProfileEnvSource(settings_cls))
        if ctx.data is not None:
            sources.append(MappingSource(settings_cls, ctx.data))
        return tuple(sources)

    def __eq__(self, other: object) -> bool:
        """Profiles are equal when their fields are: where a value came from does not count."""
        if type(other) is not type(self):
            return NotImplemented
        return self.__dict__ == other.__dict__  # type: ignore[attr-defined]


    def _repr_markdown_(self) -> str:
        """The fields this profile sets, as a table (notebooks)."""
        from safemaker.ipython import profile_markdown

        return profile_markdown(self)

    def model_post_init(self, context: Any, /) -> None:
        self._subnet_set = (self.subnets, frozenset(self.subnets))
        self._security_group_set = (self.security_group_ids, frozenset(self.security_group_ids))

    # ------------------------------------------------------------------ validation

    @field_validator(
        "subnets", "security_group_ids", "additional_role_arns", "vpc_endpoint_ids", mode="after"
    )
    @classmethod
    def _unique(cls, value: tuple[str, ...] | None, info: Any) -> tuple[str, ...] | None:
        if not value:
            return value
        first: dict[str, int] = {}
        problems = []
        noun = (WORDS[info.field_name].element or "").split(":")[0]
        for index, item in enumerate(value):
            if item in first:
                problems.append(
                    (
                        f".{index}",
                        item,
                        f"a {noun} not already listed (same as {info.field_name}.{first[item]})",
                    )
                )
            else:
                first[item] = index
        if problems:
            raise problems_error(*problems)
        return value

    @field_validator("default_bucket", mode="after")
    @classmethod
    def _bucket_name(cls, value: str | None) -> str | None:
        if value is None:
            return value
        problem = bucket_problem(value)
        if problem:
            raise problems_error(("default_bucket", value, f"{BUCKET_WORDS}; needs {problem}"))
        return value

    @model_validator(mode="after")
    def _same_partition_and_region(self) -> "VpcProfile":
        partition = partition_of_region(self.region)
        problems: list[tuple[str, Any, str]] = []
        roles = [("execution_role_arn", self.execution_role_arn)] + [
            (f"additional_role_arns.{i}", arn) for i, arn in enumerate(self.additional_role_arns)
        ]
        for where, arn in roles:
            if arn.split(":")[1] != partition:
                problems.append(
                    (where, arn, f"a role ARN in partition {partition!r} (region {self.region})")
                )
        for name in ("volume_kms_key_id", "output_kms_key_id"):
            key = getattr(self, name)
            if key and key.startswith("arn:"):
                parts = key.split(":")
                if parts[1] != partition or parts[3] != self.region:
                    problems.append(
                        (
                            name,
                            key,
                            f"a KMS ARN in the profile's region {self.region!r} "
                            f"(partition {partition!r}): SageMaker uses keys of its own region",
                        )
                    )
        if problems:
            raise problems_error(*problems)
        return self

    # ------------------------------------------------------------------ properties

    @property
    def environment_overrides(self) -> Mapping[str, str]:
        """Mapping of str to str: field -> the ``SAFEMAKER_<FIELD>`` variable that set it.

        Filled by :meth:`load`, :meth:`from_file`, :meth:`from_ssm`,
        :meth:`from_mapping` and :func:`resolve_profile` from the names the
        pydantic-settings environment source supplied; empty when ``env=False``,
        for :meth:`discover`, and for a profile built by calling the class.
        Variable names are in capitals (matching is case-insensitive).
        """
        return self._environment_overrides

    @property
    def environment_relaxations(self) -> tuple[EnvironmentRelaxation, ...]:
        """tuple of EnvironmentRelaxation: the overrides that loosen the guard.

        One per :data:`RELAXING_FIELDS` field whose ``SAFEMAKER_<FIELD>``
        variable makes it looser than the file, SSM parameter or default
        would, then one per :data:`ADMINISTRATOR_FIELDS` field (VPC, subnets,
        security groups, role, endpoints, KMS keys, bucket) whose variable
        replaces the value the source set (:attr:`EnvironmentRelaxation.replaces`;
        an exclusive process guard refuses those); each was logged as a
        warning on ``safemaker.profile`` at load.
        """
        return self._environment_relaxations

    @property
    def subnet_set(self) -> frozenset[str]:
        """frozenset of str: :attr:`subnets` as a set (computed once per tuple: a copy made with
        pydantic's ``model_copy(update=...)``, which runs no validator or ``model_post_init``, gets
        the set of its own subnets, not of the profile it was copied from)."""
        made = self._subnet_set
        if made.__class__ is not tuple or made[0] is not self.subnets:
            made = self._subnet_set = (self.subnets, frozenset(self.subnets))
        return made[1]

    @property
    def security_group_set(self) -> frozenset[str]:
        """frozenset of str: :attr:`security_group_ids` as a set (computed once per tuple, as
        :attr:`subnet_set`)."""
        made = self._security_group_set
        if made.__class__ is not tuple or made[0] is not self.security_group_ids:
            made = self._security_group_set = (self.security_group_ids, frozenset(self.security_group_ids))
        return made[1]

    @property
    def allowed_role_arns(self) -> tuple[str, ...]:
        """tuple of str: roles that may be passed to SageMaker, execution role first."""
        return tuple(dict.fromkeys((self.execution_role_arn, *self.additional_role_arns)))

    @property
    def account_id(self) -> str:
        """str: 12-digit AWS account ID, taken from :attr:`execution_role_arn`."""
        return self.execution_role_arn.split(":")[4]

    @property
    def partition(self) -> str:
        """str: AWS partition (``aws``, ``aws-cn``, ``aws-us-gov``, ``aws-iso``...) of the execution role."""
        return self.execution_role_arn.split(":")[1]

    @property
    def vpc_config(self) -> dict[str, list[str]]:
        """dict: a new SageMaker ``VpcConfig`` (``Subnets``, ``SecurityGroupIds``) each call."""
        return {"Subnets": list(self.subnets), "SecurityGroupIds": list(self.security_group_ids)}

    # ------------------------------------------------------------------ loading

    @classmethod
    def _build(
        cls, data: Mapping[str, Any] | None, source: str, *, env: bool = True
    ) -> "VpcProfile":
        ctx = LoadContext(source=source, data=data, env=env)
        if env:
            ctx.env_fields = env_values(cls)
            if data is not None and ctx.env_fields:
                ctx.source = (
                    f"{source} (with environment overrides: "
                    + ", ".join(sorted(ctx.env_fields.values()))
                    + ")"
                )
        token = LOAD.set(ctx)
        try:
            profile = cls()
        finally:
            LOAD.reset(token)
        profile._loaded_from = ctx.source
        if ctx.env_fields:
            profile._environment_overrides = MappingProxyType(dict(ctx.env_fields))
            profile._environment_relaxations = find_relaxations(
                profile, data, source, ctx.env_fields, env_raw_values(cls)
            )
            for relaxation in profile._environment_relaxations:
                logger.warning("%s", relaxation.message)
                warnings.warn(relaxation.message, ProfileRelaxationWarning, stacklevel=2)
        logger.debug("profile loaded from %s", ctx.source)
        return profile

    @classmethod
    def load(
        cls,
        source: str | os.PathLike[str] | None = None,
        *,
        boto3_session: "boto3.Session | None" = None,
        ssm_client: Any = None,
        env: bool = True,
    ) -> "VpcProfile":
        """Load a profile from a file, an SSM parameter, or the environment.

        Parameters
        ----------
        source : str or os.PathLike or None, default None
            A path to a ``.toml``, ``.yaml``/``.yml`` or ``.json`` file, or
            ``"ssm:<parameter name>"``. None means the ``SAFEMAKER_PROFILE``
            environment variable; if that is unset or empty too, the profile
            comes from ``SAFEMAKER_<FIELD>`` variables alone.
        boto3_session : boto3.Session, optional
            Session used to create the SSM client when ``ssm_client`` is None.
        ssm_client : botocore client, optional
            SSM client for an ``ssm:`` source (takes precedence over the session).
        env : bool, default True
            Whether ``SAFEMAKER_<FIELD>`` variables override the file/SSM values.

        Returns
        -------
        VpcProfile

        Raises
        ------
        safemaker.errors.ProfileError
            No source at all (no argument, no ``SAFEMAKER_PROFILE``, no
            ``SAFEMAKER_<FIELD>`` variable); missing or unreadable file, unsupported suffix, malformed document
            (with line and column), a key repeated in one mapping, a bad SSM
            parameter name (before any request), missing or unreadable SSM
            parameter, unknown fields (with the closest valid name), invalid or
            missing fields, a ``SAFEMAKER_*`` variable that nothing reads (with
            the closest valid name; see :data:`OTHER_ENV_VARS`), all at once.

        See Also
        --------
        from_file, from_ssm, from_mapping, resolve_profile
        """
        if source is None:
            source = os.environ.get(PROFILE_ENV_VAR) or None
        if source is None:
            if not (env and env_values(cls)):
                # A misspelt SAFEMAKER_PROFILE (or field variable) is the likely reason.
                raise ProfileError("(none given)", unknown_env_vars(cls) + [ProfileFieldError(
                    "profile", MISSING,
                    "a profile source: a file path or ssm:<parameter name> (CLI: --vpc-profile/-p; library: "
                    f"VpcProfile.load(source)), the {PROFILE_ENV_VAR} environment variable, or "
                    f"{ENV_PREFIX}<FIELD> variables (region, vpc_id, subnets, security_group_ids, "
                    "execution_role_arn)")])
            return cls._build(None, "environment", env=env)
        text = os.fspath(source)
        if text.startswith(SSM_PREFIX):
            return cls.from_ssm(
                text[len(SSM_PREFIX) :], boto3_session=boto3_session, ssm_client=ssm_client, env=env
            )
        return cls.from_file(text, env=env)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], *, env: bool = True) -> "VpcProfile":
        """Load a profile from a TOML, YAML or JSON file.

        The fields may sit at top level or under a ``[safemaker]`` table (TOML) /
        ``safemaker:`` key (YAML, JSON); with such a table, nothing else may be
        at top level.

        Parameters
        ----------
        path : str or os.PathLike
            File path; the suffix (``.toml``, ``.yaml``, ``.yml``, ``.json``,
            case-insensitive) picks the format. ``~`` is expanded.
        env : bool, default True
            Whether ``SAFEMAKER_<FIELD>`` variables override the file's values.

        Returns
        -------
        VpcProfile

        Raises
        ------
        safemaker.errors.ProfileError
            The file is missing, unreadable, not UTF-8, has an unsupported suffix,
            is malformed (``field`` is ``"line L, column C"``), repeats a key in one
            mapping (``field`` is the key path; YAML gives the lines, TOML the line
            and column), is not a mapping, or holds unknown/invalid/missing fields;
            a ``SAFEMAKER_*`` variable that nothing reads (when ``env``).
            ``source`` is the path.
        """
        source, data = read_profile_file(path)
        return cls._build(data, source, env=env)

    @classmethod
    def from_ssm(
        cls,
        name: str,
        *,
        boto3_session: "boto3.Session | None" = None,
        ssm_client: Any = None,
        env: bool = True,
    ) -> "VpcProfile":
        """Load the shared profile an administrator published in SSM Parameter Store.

        Calls SSM ``GetParameter`` with ``WithDecryption=True`` (so ``String`` and
        ``SecureString`` parameters both work). The value is a JSON document, the
        fields at top level or under a ``"safemaker"`` key.

        Parameters
        ----------
        name : str
            Parameter name (``/safemaker/profile``) or its ARN, optionally with a
            ``:<version>`` or ``:<label>`` selector. Checked against SSM's naming
            rules before any client is created or request sent (see Raises).
        boto3_session : boto3.Session, optional
            Used to create the SSM client when ``ssm_client`` is None; else
            ``boto3.Session()``. In a closed network the VPC needs the
            ``com.amazonaws.<region>.ssm`` interface endpoint.
        ssm_client : botocore client, optional
            SSM client to use.
        env : bool, default True
            Whether ``SAFEMAKER_<FIELD>`` variables override the parameter's values.

        Returns
        -------
        VpcProfile

        Raises
        ------
        safemaker.errors.ProfileError
            A ``name`` that breaks SSM's naming rules (characters other than
            ``a-zA-Z0-9_.-/``, a ``/`` without a leading ``/``, an ``aws``/``ssm``
            prefix, over 1011 characters with the ARN prefix or 2048 in all, a
            malformed ARN or selector), raised before any client or request;
            ``ParameterNotFound`` (names the parameter), access denied, any other
            AWS or connection error (by error code / class only: no request dump),
            a value that is not JSON (with line and column) or repeats a key,
            unknown, invalid or missing fields. ``source`` is ``"ssm:<name>"``.

        References
        ----------
        AWS Systems Manager API Reference, GetParameter (``Name``):
        https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html;
        parameter name rules:
        https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-parameter-name-constraints.html
        """
        source = f"{SSM_PREFIX}{name}"
        value = read_ssm_parameter(name, boto3_session=boto3_session, ssm_client=ssm_client)
        document = parse_document(value, "json", source)
        data = profile_mapping(document, source, TABLE_HINT["json"])
        return cls._build(data, source, env=env)

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any], source: str = "mapping", *, env: bool = True
    ) -> "VpcProfile":
        """Build a profile from a mapping of field names to values.

        Parameters
        ----------
        data : Mapping
            Field name -> value; list fields take any sequence. A ``"safemaker"``
            key holding the fields is accepted, as in files.
        source : str, default "mapping"
            Name used as ``ProfileError.source``.
        env : bool, default True
            Whether ``SAFEMAKER_<FIELD>`` variables override ``data``.

        Returns
        -------
        VpcProfile

        Raises
        ------
        safemaker.errors.ProfileError
            Unknown, invalid or missing fields (all at once); ``data`` not a mapping.
        """
        mapping = profile_mapping(data, source, TABLE_HINT["json"])
        return cls._build(mapping, source, env=env)

    @classmethod
    def discover(
        cls,
        ec2_client: Any,
        vpc_id: str,
        security_group_ids: str | Sequence[str],
        *,
        execution_role_arn: str,
        region: str | None = None,
        **other_fields: Any,
    ) -> "VpcProfile":
        """Build a profile from what EC2 reports about an existing VPC.

        Calls EC2 ``DescribeVpcs`` (the VPC must exist), ``DescribeSubnets`` with a
        ``vpc-id`` filter (every subnet of the VPC, all pages, sorted by ID) and
        ``DescribeSecurityGroups`` with a ``group-id`` filter (each given group must
        exist and belong to the VPC). ``SAFEMAKER_*`` variables are not applied.

        Parameters
        ----------
        ec2_client : botocore EC2 client
            Client for the VPC's region.
        vpc_id : str
            The VPC.
        security_group_ids : str or sequence of str
            Security groups for SageMaker ENIs (1 to 5).
        execution_role_arn : str
            The SageMaker execution role.
        region : str, optional
            Defaults to ``ec2_client.meta.region_name``.
        **other_fields
            Any other profile field (``default_bucket``, ``vpc_endpoint_ids`` ...).

        Returns
        -------
        VpcProfile
            ``source`` of any error is ``"ec2:<vpc_id>"``.

        Raises
        ------
        safemaker.errors.ProfileError
            Unknown VPC (``vpc_id``), VPC without subnets (``subnets``), security
            group that does not exist or belongs to another VPC
            (``security_group_ids.N``), an EC2 error (by code only), or any invalid
            field; every problem found is listed.

        References
        ----------
        Amazon EC2 API Reference: DescribeVpcs, DescribeSubnets, DescribeSecurityGroups.
        """
        source, data = discover_fields(
            ec2_client,
            vpc_id,
            security_group_ids,
            execution_role_arn=execution_role_arn,
            region=region,
            **other_fields,
        )
        return cls._build(data, source, env=False)

    # ------------------------------------------------------------------ writing

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every field: tuples as lists, None fields omitted.

        Returns
        -------
        dict
            ``VpcProfile.from_mapping(p.to_dict(), env=False) == p``.
        """
        return self.model_dump(mode="json", exclude_none=True)

    def dump(self, path: str | os.PathLike[str]) -> Path:
        """Write the profile to a file, TOML or YAML (or JSON) by suffix.

        The fields are written at top level; the file is replaced atomically.

        Parameters
        ----------
        path : str or os.PathLike
            Destination ending in ``.toml``, ``.yaml``, ``.yml`` or ``.json``.

        Returns
        -------
        pathlib.Path
            The path written.

        Raises
        ------
        safemaker.errors.ProfileError
            Unsupported suffix, or the file cannot be written (``source`` is the path).
        """
        return write_profile_file(path, self.to_dict())


def resolve_profile(
    profile: VpcProfile | str | os.PathLike[str] | None, **load_kwargs: Any
) -> VpcProfile:
    """Turn whatever the caller passed into a :class:`VpcProfile`.

    Parameters
    ----------
    profile : VpcProfile or str or os.PathLike or None
        A profile (returned as is), a file path or ``"ssm:<name>"``, or None
        (``SAFEMAKER_PROFILE``, else ``SAFEMAKER_*`` variables).
    **load_kwargs
        Passed to :meth:`VpcProfile.load` (``boto3_session``, ``ssm_client``, ``env``).

    Returns
    -------
    VpcProfile

    Raises
    ------
    safemaker.errors.ProfileError
        As :meth:`VpcProfile.load`.
    TypeError
        ``profile`` is of another type.
    """
    if isinstance(profile, VpcProfile):
        return profile
    if profile is None or isinstance(profile, (str, os.PathLike)):
        return VpcProfile.load(profile, **load_kwargs)
    raise TypeError(
        f"profile must be a VpcProfile, a path, 'ssm:<name>' or None, not {type(profile).__name__}"
    )
