"""SageMaker Python SDK v2 adapters (``sagemaker>=2.200,<3``): a closed session and closed classes.

The guard (:mod:`safemaker.hooks`) decides on the final request whatever
built it; these adapters make the SDK build closed requests in the first
place, and refuse a conflicting argument when the object is built rather
than when the request leaves. Network isolation in particular must be known
to the SDK itself: it changes how script-mode code is delivered (a ``code``
input channel instead of a download from S3 inside the container).

- :class:`ClosedNetworkSession`: a ``sagemaker.Session`` whose every SageMaker
  client is guarded by a VPC profile, whose SDK defaults (``sagemaker_config``)
  carry the profile, that sends no telemetry, never calls IAM or STS, and
  whose waits do not depend on CloudWatch Logs.
- :func:`closed`: ``closed(sagemaker.pytorch.PyTorch)`` returns the same class
  made closed (estimators, processors, models; one mechanism for all).
- :class:`ClosedEstimator`: ``closed(sagemaker.estimator.Estimator)`` with a
  short signature.
- :func:`closed_deploy`: deploy an estimator or model with network isolation
  and the profile's ``VpcConfig``.

Importing this module imports the SageMaker SDK (about two seconds); import
the names from :mod:`safemaker.sdk` to have that happen on first use only.
"""

from __future__ import annotations

import copy
import inspect
import logging
import os
import time
from typing import Any, Callable, Mapping, Sequence

import boto3
import sagemaker.session as _sm_session
from sagemaker import vpc_utils
from sagemaker.config import config as _sm_config
from sagemaker.config import validate_sagemaker_config
from sagemaker.estimator import Estimator, EstimatorBase
from sagemaker.model import Model
from sagemaker.network import NetworkConfig
from sagemaker.processing import Processor
from sagemaker.session import Session

from safemaker import hooks, process
from safemaker.errors import MISSING
from safemaker.paths import get_path as _get_path
from safemaker.profile import VpcProfile, resolve_profile
from safemaker.sdk import _preflight
from safemaker.sdk._config import ConfigSource, closed_config
from safemaker.sdk._errors import ClosedSessionError
from safemaker.sdk._refusal import refuse_arguments, refuse_serverless
from safemaker.sdk._shared import (
    ProfileIdentity,
    closed_session_inputs,
    warn_if_local as _warn_if_local,
    load_config_files,
)

__all__ = [
    "ClosedNetworkSession",
    "ClosedEstimator",
    "closed",
    "closed_deploy",
    "is_closed",
    "ClosedSessionError",
    "LOCAL_POLL_SECONDS",
]

logger = logging.getLogger(__name__)

LOCAL_POLL_SECONDS = 0.05
"""Seconds between status polls when the SageMaker endpoint is on a loopback address
(the embedded local backend), instead of the SDK's 5 s (jobs) and 30 s (endpoints)."""


# =========================================================================== the session


def install_sdk_preflight() -> None:
    """Install the SDK v2 preflight checks (idempotent; see :mod:`safemaker.sdk._preflight`).

    ``@remote`` / ``RemoteExecutor`` / ``@step`` are refused when their job
    settings are built (before any upload), ``Model.deploy`` with a
    ``serverless_inference_config`` before ``CreateModel``, and an estimator's
    or ``FrameworkProcessor``'s code before it is staged in S3 (code that would
    be downloaded under network isolation, a ``requirements.txt`` that installs
    from an index the job cannot reach), whenever the SDK session is guarded
    (closed session, guarded client, process guard). Every
    :class:`ClosedNetworkSession` installs them.
    """
    from sagemaker.jumpstart.model import JumpStartModel
    from sagemaker.processing import FrameworkProcessor
    from sagemaker.remote_function import job as remote_job

    _preflight.install_remote_function_check(remote_job._JobSettings, remote_job.JOBS_CONTAINER_ENTRYPOINT)
    _preflight.install_serverless_check(Model)
    _preflight.install_serverless_check(JumpStartModel)
    _preflight.install_estimator_code_check(EstimatorBase)
    _preflight.install_processor_code_check(FrameworkProcessor)


def _config_files(boto_session: boto3.Session) -> list[ConfigSource]:
    """SDK v2's config documents (see :func:`safemaker.sdk._shared.load_config_files`)."""
    return load_config_files(_sm_config, validate_sagemaker_config, boto_session)


class _CheckedConfig(dict):
    """A closed session's SDK config: checked against the SDK's schema once, when the session is built.

    SDK v2 re-validates ``session.sagemaker_config`` against its JSON schema
    at every config lookup (``sagemaker.utils.get_sagemaker_config_value``),
    which re-checks the whole schema each time (about 0.13 s per lookup;
    dozens per ``fit``/``deploy``). :func:`_validate_once` skips that for this
    one type; every other config is validated as before.
    """


def _validate_once() -> None:
    """Make ``sagemaker.utils`` skip re-validating a :class:`_CheckedConfig` (idempotent)."""
    import sagemaker.utils as sm_utils

    current = sm_utils.validate_sagemaker_config
    if getattr(current, "_safemaker_validate_once", False):
        return

    def validate_sagemaker_config(sagemaker_config: dict | None = None) -> None:
        if type(sagemaker_config) is _CheckedConfig:
            return None
        return current(sagemaker_config)

    validate_sagemaker_config._safemaker_validate_once = True  # type: ignore[attr-defined]
    validate_sagemaker_config.__wrapped__ = current  # type: ignore[attr-defined]
    sm_utils.validate_sagemaker_config = validate_sagemaker_config


def _region_of_client(client: Any) -> str | None:
    return getattr(getattr(client, "meta", None), "region_name", None)


class ClosedNetworkSession(ProfileIdentity, Session):
    """A ``sagemaker.Session`` (SDK v2) that can only create closed SageMaker resources.

    Parameters
    ----------
    profile : VpcProfile, str, os.PathLike or None, default None
        The VPC profile: an object, a file path or ``"ssm:<parameter name>"``;
        ``None`` reads ``SAFEMAKER_PROFILE`` (see :func:`safemaker.profile.resolve_profile`).
    boto_session : boto3.Session, optional
        The session whose clients the SDK uses. Default: a new
        ``boto3.Session(region_name=profile.region)``. Its region must be the
        profile's region.
    poll : float, optional
        Seconds between status polls of every wait (jobs, endpoints). Default:
        :data:`LOCAL_POLL_SECONDS` when the SageMaker endpoint is on a loopback
        address (the local backend), else the SDK's own (5 s for jobs, 30 s
        for endpoints).
    logs : bool, default False
        Read CloudWatch Logs while waiting (``fit(logs=...)``, processing and
        transform logs, endpoint live logging). ``False``: every wait polls
        the Describe call only, so it works in a closed network without a
        CloudWatch Logs VPC endpoint (F06); ``fit()`` then prints no logs.
    guard_options : Mapping, optional
        Passed to :func:`safemaker.hooks.install` (``decision_log``,
        ``reference_ttl``, ``keep``).
    **kwargs
        Passed to ``sagemaker.Session``: ``sagemaker_client``,
        ``sagemaker_runtime_client``, ``sagemaker_featurestore_runtime_client``,
        ``sagemaker_metrics_client`` (each must be in the profile's region; a
        ``sagemaker_client`` passed in gets the guard too), ``default_bucket``
        (wins over the profile's), ``default_bucket_prefix``, ``settings``,
        ``sagemaker_config`` (used instead of the SDK's config files).

    Attributes
    ----------
    profile : VpcProfile
        The profile.
    guard : safemaker.hooks.Guard
        The guard installed on ``boto_session`` (and so on every SageMaker client the SDK makes).
    poll : float or None
        See above (``None``: the SDK's defaults).
    logs : bool
        See above.

    Raises
    ------
    safemaker.errors.ProfileError
        The profile cannot be loaded.
    ClosedSessionError
        ``boto_session`` or a client passed in is in another region than the profile.
    GuardrailViolation
        An SDK config file (or ``sagemaker_config``) holds a value the profile
        does not allow. ``operation`` is ``"ClosedNetworkSession"`` and each
        violation's ``path`` names the key and the file, e.g.
        ``"SageMaker.TrainingJob.EnableNetworkIsolation in /home/me/.config/sagemaker/config.yaml"``.
    jsonschema.exceptions.ValidationError
        A config document does not follow the SDK's schema (as the SDK raises).

    Notes
    -----
    What differs from ``sagemaker.Session``:

    - The guard is installed on ``boto_session`` before the SDK creates its
      clients, so every SageMaker request is decided by
      :func:`safemaker.guard.decide` before it is sent.
    - ``sagemaker_config`` is the SDK's config files merged (as the SDK merges
      them) and filled with the profile's values for training, processing,
      monitoring, model, AutoML, compilation, transform, endpoint config and
      remote function defaults (network isolation, ``VpcConfig``,
      inter-container traffic encryption, KMS keys, execution role), so that
      even plain SDK classes built on this session send closed requests
      (``Processor`` sends ``EnableNetworkIsolation: true``, not ``false``).
    - ``SageMaker.PythonSDK.Modules.TelemetryOptOut`` is ``true``: the SDK's
      telemetry GET (outside boto3) is never sent.
    - ``sagemaker_config`` is checked against the SDK's schema once, when the
      session is built; SDK v2 would re-check it at every config lookup
      (about 0.13 s each, dozens per ``fit``), see :class:`_CheckedConfig`.
    - No IAM and no STS calls: :meth:`get_caller_identity_arn` returns the
      profile's execution role (so ``sagemaker.get_execution_role(session)``
      works offline), :meth:`account_id` the profile's account,
      :meth:`expand_role` resolves role names among the profile's roles, and
      :meth:`default_bucket` is the profile's ``default_bucket`` (nothing is
      looked up or created) or ``sagemaker-<region>-<account>`` (created if
      absent, as the SDK does, without asking STS for the account).

    See https://sagemaker.readthedocs.io/en/v2.257.0/api/utility/session.html
    and https://sagemaker.readthedocs.io/en/stable/overview.html#configuring-and-using-defaults-with-the-sagemaker-python-sdk

    Examples
    --------
    >>> sess = ClosedNetworkSession("profile.toml")          # doctest: +SKIP
    >>> safemaker.hooks.installed(sess.sagemaker_client)     # doctest: +SKIP
    Guard(...)
    """

    def __init__(
        self,
        profile: VpcProfile | str | os.PathLike[str] | None = None,
        boto_session: boto3.Session | None = None,
        *,
        poll: float | None = None,
        logs: bool = False,
        guard_options: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        resolved, boto_session = closed_session_inputs(profile, boto_session, poll)
        install_sdk_preflight()
        for key in ("sagemaker_client", "sagemaker_runtime_client",
                    "sagemaker_featurestore_runtime_client", "sagemaker_metrics_client"):
            client = kwargs.get(key)
            if client is not None and _region_of_client(client) != resolved.region:
                raise ClosedSessionError(
                    f"{key} region", _region_of_client(client), f"the profile's region {resolved.region!r}",
                    f"Create the client in region {resolved.region!r}, or leave {key} out",
                )
        options = dict(guard_options or {})
        self.profile: VpcProfile = resolved
        self.logs: bool = bool(logs)
        self.poll: float | None = poll
        # Installed before sagemaker.Session creates its clients (in _initialize).
        self.guard: hooks.Guard = hooks.install(boto_session, resolved, **options)
        # Every other SageMaker client of the process (default sessions the SDK makes, raw boto3) too.
        process.claim_process(resolved, self.guard.mode, by="ClosedNetworkSession (SDK v2)")
        if kwargs.get("sagemaker_client") is not None:
            hooks.install(kwargs["sagemaker_client"], resolved, **options)
        given_config = kwargs.pop("sagemaker_config", None)
        if given_config:
            validate_sagemaker_config(given_config)
            sources = [ConfigSource("sagemaker_config argument", given_config)]
        else:
            sources = _config_files(boto_session)
        merged = _CheckedConfig(closed_config(sources, resolved))
        _validate_once()
        bucket = kwargs.pop("default_bucket", None) or resolved.default_bucket
        # sagemaker.Session validates the config once here (sagemaker.session.validate_sagemaker_config).
        super().__init__(boto_session=boto_session, sagemaker_config=merged, default_bucket=bucket, **kwargs)
        if hooks.installed(self.sagemaker_client) is None:  # pragma: no cover - defensive
            raise ClosedSessionError("sagemaker_client", type(self.sagemaker_client).__name__,
                                     "a SageMaker client with the safemaker guard",
                                     "Let the session create its own client")
        local = _warn_if_local(self.sagemaker_client.meta.endpoint_url, logger)  # LocalBackendWarning
        if self.poll is None and local:
            self.poll = LOCAL_POLL_SECONDS
        logger.debug("closed session in %s (poll=%s, logs=%s)", resolved.region, self.poll, self.logs)

    # ------------------------------------------------------------------ no IAM, no STS (F09)

    def default_bucket(self) -> str:
        """The default S3 bucket, without STS or IAM.

        Returns
        -------
        str
            ``default_bucket`` given to the session, else the profile's
            ``default_bucket``, else the SDK config's
            ``SageMaker.PythonSDK.Modules.Session.DefaultS3Bucket``: returned
            as is, with no S3 call. Otherwise ``sagemaker-<region>-<account>``
            with the profile's account, created if absent as the SDK does.
        """
        if self._default_bucket:
            return self._default_bucket
        if self._default_bucket_name_override:
            self._default_bucket = self._default_bucket_name_override
            return self._default_bucket
        region = self.boto_region_name
        name = f"sagemaker-{region}-{self.profile.account_id}"
        self._default_bucket_set_by_sdk = True
        self._create_s3_bucket_if_it_does_not_exist(bucket_name=name, region=region)
        self._default_bucket = name
        return name

    # ------------------------------------------------------------------ waiting (short polls, no Logs)

    def _poll_for(self, poll: float | None, default: float) -> float:
        if poll is not None:
            return poll
        return self.poll if self.poll is not None else default

    def wait_for_job(self, job: str, poll: float | None = None) -> dict:
        """``sagemaker.Session.wait_for_job`` with :attr:`poll` as the default interval (training jobs)."""
        return super().wait_for_job(job, poll=self._poll_for(poll, 5))

    def wait_for_processing_job(self, job: str, poll: float | None = None) -> dict:
        """``sagemaker.Session.wait_for_processing_job`` with :attr:`poll` as the default interval."""
        return super().wait_for_processing_job(job, poll=self._poll_for(poll, 5))

    def wait_for_transform_job(self, job: str, poll: float | None = None) -> dict:
        """``sagemaker.Session.wait_for_transform_job`` with :attr:`poll` as the default interval."""
        return super().wait_for_transform_job(job, poll=self._poll_for(poll, 5))

    def wait_for_tuning_job(self, job: str, poll: float | None = None) -> dict:
        """``sagemaker.Session.wait_for_tuning_job`` with :attr:`poll` as the default interval."""
        return super().wait_for_tuning_job(job, poll=self._poll_for(poll, 5))

    def wait_for_compilation_job(self, job: str, poll: float | None = None) -> dict:
        """``sagemaker.Session.wait_for_compilation_job`` with :attr:`poll` as the default interval."""
        return super().wait_for_compilation_job(job, poll=self._poll_for(poll, 5))

    def wait_for_auto_ml_job(self, job: str, poll: float | None = None) -> dict:
        """``sagemaker.Session.wait_for_auto_ml_job`` with :attr:`poll` as the default interval."""
        return super().wait_for_auto_ml_job(job, poll=self._poll_for(poll, 5))

    def wait_for_model_package(self, model_package_name: str, poll: float | None = None) -> dict:
        """``sagemaker.Session.wait_for_model_package`` with :attr:`poll` as the default interval."""
        return super().wait_for_model_package(model_package_name, poll=self._poll_for(poll, 5))

    def wait_for_endpoint(self, endpoint: str, poll: float | None = None, live_logging: bool = False) -> dict:
        """``sagemaker.Session.wait_for_endpoint``: :attr:`poll` by default, live logs only if :attr:`logs`."""
        return super().wait_for_endpoint(endpoint, poll=self._poll_for(poll, _sm_session.DEFAULT_EP_POLL),
                                         live_logging=bool(live_logging and self.logs))

    def logs_for_job(self, job_name: str, wait: bool = False, poll: float | None = None,
                     log_type: str = "All", timeout: float | None = None) -> None:
        """Show a training job's CloudWatch logs if :attr:`logs`, else only wait (F06).

        Parameters
        ----------
        job_name : str
            The training job.
        wait : bool, default False
            Wait until the job ends (raises as the SDK does if it fails).
        poll : float, optional
            Seconds between polls (default :attr:`poll`, else 10).
        log_type : str, default "All"
            As in the SDK (used only when :attr:`logs` is True).
        timeout : float, optional
            Stop waiting after this many seconds (as the SDK: a message, no error).
        """
        if self.logs:
            return super().logs_for_job(job_name, wait=wait, poll=self._poll_for(poll, 10),
                                        log_type=log_type, timeout=timeout)
        if not wait:
            logger.info("%s: CloudWatch Logs are not read in this closed session (logs=False)", job_name)
            return None
        if timeout is None:
            self.wait_for_job(job_name, poll=poll)
            return None
        deadline = time.monotonic() + timeout
        interval = self._poll_for(poll, 5)
        while True:
            desc = self.sagemaker_client.describe_training_job(TrainingJobName=job_name)
            if desc["TrainingJobStatus"] in ("Completed", "Failed", "Stopped"):
                _sm_session._check_job_status(job_name, desc, "TrainingJobStatus")
                return None
            if time.monotonic() > deadline:
                print(f"Timeout Exceeded. {timeout} seconds elapsed.")
                return None
            time.sleep(interval)

    def logs_for_processing_job(self, job_name: str, wait: bool = False, poll: float | None = None) -> None:
        """Show a processing job's logs if :attr:`logs`, else only wait for it when ``wait``."""
        if self.logs:
            return super().logs_for_processing_job(job_name, wait=wait, poll=self._poll_for(poll, 10))
        if wait:
            self.wait_for_processing_job(job_name, poll=poll)
        return None

    def logs_for_transform_job(self, job_name: str, wait: bool = False, poll: float | None = None) -> None:
        """Show a transform job's logs if :attr:`logs`, else only wait for it when ``wait``."""
        if self.logs:
            return super().logs_for_transform_job(job_name, wait=wait, poll=self._poll_for(poll, 10))
        if wait:
            self.wait_for_transform_job(job_name, poll=poll)
        return None

    def logs_for_auto_ml_job(self, job_name: str, wait: bool = False, poll: float | None = None) -> None:
        """Show an AutoML job's logs if :attr:`logs`, else only wait for it when ``wait``."""
        if self.logs:
            return super().logs_for_auto_ml_job(job_name, wait=wait, poll=self._poll_for(poll, 10))
        if wait:
            self.wait_for_auto_ml_job(job_name, poll=poll)
        return None

    def __repr__(self) -> str:
        return (f"ClosedNetworkSession(region={self.profile.region!r}, vpc_id={self.profile.vpc_id!r}, "
                f"poll={self.poll!r}, logs={self.logs!r})")


# =========================================================================== arguments


class _Args:
    """The arguments of one call, bound to the signature of the SDK method they are for."""

    def __init__(self, func: Callable[..., Any], args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
        self.func = func
        self.sig = inspect.signature(func)
        self.bound = self.sig.bind_partial(None, *args, **kwargs)
        self.var_kw = next((n for n, p in self.sig.parameters.items() if p.kind is p.VAR_KEYWORD), None)

    def _named(self, name: str) -> bool:
        p = self.sig.parameters.get(name)
        return p is not None and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)

    def get(self, name: str, default: Any = None) -> Any:
        """The value the caller passed for ``name``, else ``default``."""
        if self._named(name):
            return self.bound.arguments.get(name, default)
        if self.var_kw:
            return self.bound.arguments.get(self.var_kw, {}).get(name, default)
        return default

    def accepts(self, name: str) -> bool:
        """Whether the SDK method takes ``name`` (by name or through ``**kwargs``)."""
        return self._named(name) or self.var_kw is not None

    def set(self, name: str, value: Any) -> None:
        if self._named(name):
            self.bound.arguments[name] = value
        elif self.var_kw:
            self.bound.arguments.setdefault(self.var_kw, {})[name] = value
        else:
            raise TypeError(f"{self.func.__qualname__}() takes no {name!r} argument")

    def pop(self, name: str, default: Any = MISSING) -> Any:
        if self._named(name):
            return self.bound.arguments.pop(name, default)
        if self.var_kw:
            return self.bound.arguments.get(self.var_kw, {}).pop(name, default)
        return default

    def call(self, method: Callable[..., Any]) -> Any:
        return method(*self.bound.args[1:], **self.bound.kwargs)


_CONFIG_SECTION = {
    "CreateTrainingJob": "SageMaker.TrainingJob",
    "CreateProcessingJob": "SageMaker.ProcessingJob",
    "CreateModel": "SageMaker.Model",
}
"""Where the session's ``sagemaker_config`` holds the defaults of each operation's fields
(those sections have the request's own shape)."""


def _close_arguments(operation: str, mapping: Sequence[tuple[str, str]], values: Mapping[str, Any],
                     session: "ClosedNetworkSession", where: str, parents: Sequence[str] = ()) -> dict[str, Any]:
    """Check SDK arguments as the request fields they become; fill the absent ones.

    Parameters
    ----------
    operation : str
        The operation the arguments build (``"CreateTrainingJob"``).
    mapping : sequence of (argument, request path)
        ``("subnets", "VpcConfig.Subnets")``...
    values : Mapping
        The values given; an absent argument (or ``MISSING``) is filled.
    session : ClosedNetworkSession
        Its profile decides; its ``sagemaker_config`` (the profile merged
        with the SDK's config files, so possibly narrower: one subnet out of
        two) gives the value of an absent argument.
    where : str
        The call, for the messages (``"ClosedEstimator()"``).
    parents : sequence of str
        Request structures to create so that nested fields can be filled
        (``"ResourceConfig"`` for ``ResourceConfig.VolumeKmsKeyId``).

    Returns
    -------
    dict
        Argument -> value to use (``MISSING`` where neither the config nor
        the profile has one, e.g. a KMS key the profile does not set).

    Raises
    ------
    GuardrailViolation
        Every conflicting argument: the guard's violations (request field,
        value found, what the profile allows), each naming the argument to change.
    """
    decision = refuse_arguments(operation, mapping, values, session.profile, where=where, parents=parents)
    section = _CONFIG_SECTION[operation]
    result: dict[str, Any] = {}
    for arg, path in mapping:
        if values.get(arg, MISSING) is not MISSING:
            result[arg] = _get_path(decision.params, path)
            continue
        configured = _get_path(session.sagemaker_config or {}, f"{section}.{path}")
        result[arg] = copy.deepcopy(configured) if configured is not MISSING else _get_path(decision.params, path)
    return result


def _given(value: Any) -> Any:
    """SDK convention: ``None`` means "not given"."""
    return MISSING if value is None else value


def _closed_session(profile: Any, session: Any, where: str) -> ClosedNetworkSession:
    """The closed session an object is built on: the one given, or a new one from ``profile``."""
    if session is None:
        return ClosedNetworkSession(profile)
    if not isinstance(session, ClosedNetworkSession):
        raise ClosedSessionError(
            "sagemaker_session", type(session).__name__, "a ClosedNetworkSession",
            f"Pass sagemaker_session=ClosedNetworkSession(profile, boto_session=...) to {where}, "
            "or leave it out and pass profile=",
        )
    if profile is not None:
        given = resolve_profile(profile, boto3_session=session.boto_session)
        if given != session.profile:
            raise ClosedSessionError(
                "profile", f"a profile for {given.vpc_id}", f"the profile of sagemaker_session ({session.profile.vpc_id})",
                f"Pass only one of profile= and sagemaker_session= to {where}",
            )
    return session


def _default_role(args: _Args, session: ClosedNetworkSession, name: str = "role") -> Any:
    """The role the caller passed, a role name expanded among the profile's roles; MISSING if none."""
    role = _given(args.get(name))
    if isinstance(role, str):
        role = session.expand_role(role)
    return role


# =========================================================================== closed classes

_ESTIMATOR_FIELDS: tuple[tuple[str, str], ...] = (
    ("enable_network_isolation", "EnableNetworkIsolation"),
    ("subnets", "VpcConfig.Subnets"),
    ("security_group_ids", "VpcConfig.SecurityGroupIds"),
    ("encrypt_inter_container_traffic", "EnableInterContainerTrafficEncryption"),
    ("volume_kms_key", "ResourceConfig.VolumeKmsKeyId"),
    ("output_kms_key", "OutputDataConfig.KmsKeyId"),
    ("role", "RoleArn"),
)
"""Estimator argument -> CreateTrainingJob field (sagemaker.estimator._TrainingJob._get_train_args)."""

_MODEL_FIELDS: tuple[tuple[str, str], ...] = (
    ("enable_network_isolation", "EnableNetworkIsolation"),
    ("vpc_config", "VpcConfig"),
    ("role", "ExecutionRoleArn"),
)
"""Model argument -> CreateModel field (sagemaker.session.Session._create_model_request)."""

_DERIVED_MODEL_FIELDS: tuple[tuple[str, str], ...] = (
    ("enable_network_isolation", "EnableNetworkIsolation"),
    ("vpc_config_override", "VpcConfig"),
    ("role", "ExecutionRoleArn"),
)
"""create_model()/transformer()/deploy() argument -> CreateModel field."""

_PROCESSOR_FIELDS: tuple[tuple[str, str], ...] = (
    ("enable_network_isolation", "NetworkConfig.EnableNetworkIsolation"),
    ("subnets", "NetworkConfig.VpcConfig.Subnets"),
    ("security_group_ids", "NetworkConfig.VpcConfig.SecurityGroupIds"),
    ("encrypt_inter_container_traffic", "NetworkConfig.EnableInterContainerTrafficEncryption"),
    ("volume_kms_key", "ProcessingResources.ClusterConfig.VolumeKmsKeyId"),
    ("output_kms_key", "ProcessingOutputConfig.KmsKeyId"),
    ("role", "RoleArn"),
)
"""Processor argument (network_config's attributes flattened) -> CreateProcessingJob field."""


class _Closed:
    """Marker base of every closed class. ``_safemaker_base`` is the SDK class it closes."""

    # No slots of its own: a closed class has exactly its SDK class's layout.
    __slots__ = ()
    _safemaker_base: type
    _safemaker_profile: VpcProfile

    @property
    def profile(self) -> VpcProfile:
        """VpcProfile: the profile this object was closed with."""
        return self._safemaker_profile


class _ClosedEstimatorMixin(_Closed):
    """Makes an ``EstimatorBase`` subclass closed (see :func:`closed`)."""

    __slots__ = ()

    def __init__(self, *args: Any, profile: Any = None, **kwargs: Any) -> None:
        base = type(self)._safemaker_base
        where = f"{type(self).__name__}()"
        a = _Args(base.__init__, args, kwargs)
        session = _closed_session(profile, a.get("sagemaker_session"), where)
        prof = session.profile
        values = {name: _given(a.get(name)) for name, _ in _ESTIMATOR_FIELDS}
        values["role"] = _default_role(a, session)
        closed_values = _close_arguments("CreateTrainingJob", _ESTIMATOR_FIELDS, values, session, where,
                                         parents=("ResourceConfig", "OutputDataConfig"))
        a.set("sagemaker_session", session)
        for name, value in closed_values.items():
            if value is not MISSING:
                a.set(name, value)
        if closed_values["role"] is MISSING:
            a.set("role", prof.execution_role_arn)
        self._safemaker_profile = prof
        a.call(super().__init__)

    def create_model(self, *args: Any, **kwargs: Any) -> Any:
        """The SDK's ``create_model``, refusing an argument that would open the model (F02).

        Every argument of the SDK class's ``create_model`` is accepted.
        ``enable_network_isolation`` must be ``True`` or absent,
        ``vpc_config_override`` absent (the estimator's, i.e. the profile's) or
        inside the profile, ``role`` one of the profile's roles. The model
        returned is closed too (an instance of ``closed(type(model))``) with
        network isolation and the profile's ``VpcConfig`` set on it, whatever
        the SDK class's ``create_model`` forgot to pass on.

        Raises
        ------
        GuardrailViolation
            An argument conflicts with the profile (nothing is created).
        """
        base = type(self)._safemaker_base
        a = _Args(base.create_model, args, kwargs)
        where = f"{type(self).__name__}.create_model()"
        vpc = a.get("vpc_config_override", vpc_utils.VPC_CONFIG_DEFAULT)
        values = {
            "enable_network_isolation": _given(a.get("enable_network_isolation")),
            "vpc_config_override": MISSING if vpc is vpc_utils.VPC_CONFIG_DEFAULT else vpc,
            "role": _default_role(a, self.sagemaker_session),
        }
        closed_values = _close_arguments("CreateModel", _DERIVED_MODEL_FIELDS, values, self.sagemaker_session,
                                         where)
        if a.accepts("enable_network_isolation") and closed_values["enable_network_isolation"] is not MISSING:
            a.set("enable_network_isolation", closed_values["enable_network_isolation"])
        if values["role"] is not MISSING:
            a.set("role", values["role"])
        model = a.call(super().create_model)
        return _adopt_model(model, self._safemaker_profile)

    def rehearse(self, inputs: Any = None, **options: Any) -> Any:
        """Run this estimator's script-mode entry point locally with no network (``fit`` rehearsed).

        See :func:`safemaker.rehearsal.sdk.rehearse_estimator` (same arguments,
        same errors) and docs/rehearsal.md. Nothing is sent to SageMaker.
        """
        from ..rehearsal.sdk import rehearse_estimator

        return rehearse_estimator(self, inputs, **options)

    def transformer(self, *args: Any, **kwargs: Any) -> Any:
        """The SDK's ``transformer``, refusing ``enable_network_isolation=False`` or a foreign VPC (F02).

        The model it creates goes through :meth:`create_model`; the
        ``CreateTransformJob`` request is then checked by the guard against
        that model (``DescribeModel``).

        Raises
        ------
        GuardrailViolation
            An argument conflicts with the profile (nothing is created).
        """
        base = type(self)._safemaker_base
        a = _Args(base.transformer, args, kwargs)
        vpc = a.get("vpc_config_override", vpc_utils.VPC_CONFIG_DEFAULT)
        values = {
            "enable_network_isolation": _given(a.get("enable_network_isolation")),
            "vpc_config_override": MISSING if vpc is vpc_utils.VPC_CONFIG_DEFAULT else vpc,
        }
        _close_arguments("CreateModel", _DERIVED_MODEL_FIELDS, values, self.sagemaker_session,
                         f"{type(self).__name__}.transformer()")
        return a.call(super().transformer)


class _ClosedProcessorMixin(_Closed):
    """Makes a ``Processor`` subclass closed (see :func:`closed`)."""

    __slots__ = ()

    def __init__(self, *args: Any, profile: Any = None, **kwargs: Any) -> None:
        base = type(self)._safemaker_base
        where = f"{type(self).__name__}()"
        a = _Args(base.__init__, args, kwargs)
        session = _closed_session(profile, a.get("sagemaker_session"), where)
        prof = session.profile
        network = a.get("network_config") or NetworkConfig()
        values = {
            "enable_network_isolation": _given(network.enable_network_isolation),
            "subnets": _given(network.subnets),
            "security_group_ids": _given(network.security_group_ids),
            "encrypt_inter_container_traffic": _given(network.encrypt_inter_container_traffic),
            "volume_kms_key": _given(a.get("volume_kms_key")),
            "output_kms_key": _given(a.get("output_kms_key")),
            "role": _default_role(a, session),
        }
        closed_values = _close_arguments(
            "CreateProcessingJob", _PROCESSOR_FIELDS, values, session, where,
            parents=("ProcessingResources.ClusterConfig", "ProcessingOutputConfig"),
        )

        def pick(name: str) -> Any:
            value = closed_values[name]
            return None if value is MISSING else value

        a.set("network_config", NetworkConfig(
            enable_network_isolation=pick("enable_network_isolation"),
            security_group_ids=pick("security_group_ids"),
            subnets=pick("subnets"),
            encrypt_inter_container_traffic=pick("encrypt_inter_container_traffic"),
        ))
        for name in ("volume_kms_key", "output_kms_key"):
            if closed_values[name] is not MISSING:
                a.set(name, closed_values[name])
        a.set("role", pick("role") or prof.execution_role_arn)
        a.set("sagemaker_session", session)
        self._safemaker_profile = prof
        a.call(super().__init__)


class _ClosedModelMixin(_Closed):
    """Makes a ``Model`` subclass closed (see :func:`closed`)."""

    __slots__ = ()

    def __init__(self, *args: Any, profile: Any = None, **kwargs: Any) -> None:
        base = type(self)._safemaker_base
        where = f"{type(self).__name__}()"
        a = _Args(base.__init__, args, kwargs)
        session = _closed_session(profile, a.get("sagemaker_session"), where)
        prof = session.profile
        values = {
            "enable_network_isolation": _given(a.get("enable_network_isolation")),
            "vpc_config": _given(a.get("vpc_config")),
            "role": _default_role(a, session),
        }
        closed_values = _close_arguments("CreateModel", _MODEL_FIELDS, values, session, where)
        for name, value in closed_values.items():
            if value is not MISSING:
                a.set(name, value)
        if closed_values["role"] is MISSING:
            a.set("role", prof.execution_role_arn)
        a.set("sagemaker_session", session)
        self._safemaker_profile = prof
        a.call(super().__init__)

    def _safemaker_close(self, where: str) -> None:
        _close_model(self, self._safemaker_profile, where)

    def _create_sagemaker_model(self, *args: Any, **kwargs: Any) -> Any:
        # The one place every SDK v2 path (deploy, create, transformer, register's
        # model) goes through before CreateModel: re-check what may have been changed.
        self._safemaker_close(f"{type(self).__name__}.create()")
        return super()._create_sagemaker_model(*args, **kwargs)

    def rehearse(self, payloads: Any, **options: Any) -> Any:
        """Answer ``payloads`` with this model's inference code, locally with no network.

        See :func:`safemaker.rehearsal.sdk.rehearse_model` (same arguments,
        same errors) and docs/rehearsal.md. Nothing is sent to SageMaker.
        """
        from ..rehearsal.sdk import rehearse_model

        return rehearse_model(self, payloads, **options)

    def deploy(self, *args: Any, **kwargs: Any) -> Any:
        """The SDK's ``deploy``, closed.

        Also takes ``enable_network_isolation`` and ``vpc_config_override``
        (which ``sagemaker.model.Model.deploy`` silently ignores): they are
        checked against the profile and set on the model itself.

        Raises
        ------
        GuardrailViolation
            ``serverless_inference_config`` is given (Serverless Inference
            supports neither VpcConfig nor network isolation; rule
            ``SM-UNSUPPORTED``), ``enable_network_isolation=False``, or a
            ``vpc_config_override`` outside the profile. Nothing is created.
        """
        base = type(self)._safemaker_base
        a = _Args(base.deploy, args, kwargs)
        where = f"{type(self).__name__}.deploy()"
        refuse_serverless(a.get("serverless_inference_config"), self._safemaker_profile,
                          model_name=getattr(self, "name", None), endpoint_config_name=a.get("endpoint_name"))
        _apply_deploy_network(self, a.pop("enable_network_isolation"), a.pop("vpc_config_override"),
                              _model_session(self, self._safemaker_profile, where), where)
        self._safemaker_close(where)
        return a.call(super().deploy)


def _model_session(model: Any, profile: VpcProfile, where: str) -> ClosedNetworkSession:
    """The model's closed session (a new one from ``profile`` when it has none)."""
    session = model.sagemaker_session
    if session is None:
        model.sagemaker_session = session = ClosedNetworkSession(profile)
    elif not isinstance(session, ClosedNetworkSession):
        raise ClosedSessionError(
            "sagemaker_session", type(session).__name__, "a ClosedNetworkSession",
            f"Build the model on a ClosedNetworkSession before {where}",
        )
    return session


def _apply_deploy_network(model: Any, iso: Any, vpc: Any, session: ClosedNetworkSession, where: str) -> None:
    """Set deploy()'s ``enable_network_isolation`` / ``vpc_config_override`` on the model itself.

    ``sagemaker.model.Model.deploy`` takes both through ``**kwargs`` and ignores
    them; ``MISSING`` means the caller did not pass it.
    """
    if iso is MISSING and vpc is MISSING:
        return
    values = {"enable_network_isolation": MISSING if iso is None else iso,
              "vpc_config": MISSING if vpc is vpc_utils.VPC_CONFIG_DEFAULT else vpc}
    closed_values = _close_arguments("CreateModel", _MODEL_FIELDS, values, session, where)
    if closed_values["enable_network_isolation"] is not MISSING:
        model._enable_network_isolation = closed_values["enable_network_isolation"]
    if closed_values["vpc_config"] is not MISSING:
        model.vpc_config = closed_values["vpc_config"]


def _close_model(model: Any, profile: VpcProfile, where: str) -> None:
    """Check a model's settings against the profile and set what is absent on the model itself.

    Raises
    ------
    GuardrailViolation
        ``enable_network_isolation`` is False, ``vpc_config`` is outside the
        profile, or ``role`` is not one of the profile's roles.
    ClosedSessionError
        The model's ``sagemaker_session`` is not a :class:`ClosedNetworkSession`.
    """
    session = _model_session(model, profile, where)
    values = {
        "enable_network_isolation": _given(model._enable_network_isolation),
        "vpc_config": _given(model.vpc_config),
        "role": _given(model.role),
    }
    if isinstance(values["role"], str):
        values["role"] = session.expand_role(values["role"])
    closed_values = _close_arguments("CreateModel", _MODEL_FIELDS, values, session, where)
    if closed_values["enable_network_isolation"] is not MISSING:
        model._enable_network_isolation = closed_values["enable_network_isolation"]
    if closed_values["vpc_config"] is not MISSING:
        model.vpc_config = closed_values["vpc_config"]
    role = closed_values["role"]
    model.role = role if role is not MISSING else profile.execution_role_arn


def _adopt_model(model: Any, profile: VpcProfile) -> Any:
    """A model the SDK derived (``create_model``), as an instance of its closed class.

    The SDK's model classes keep all their state in the instance ``__dict__``,
    which the closed instance takes over; the SDK's object is not used again.
    """
    if not isinstance(model, Model) or isinstance(model, _Closed):
        return model
    adopted = object.__new__(closed(type(model)))
    adopted.__dict__.update(model.__dict__)
    adopted._safemaker_profile = profile
    _close_model(adopted, profile, f"{type(model).__name__} from create_model()")
    return adopted


_CLOSED: dict[type, type] = {}


def is_closed(obj: Any) -> bool:
    """Whether ``obj`` (a class or an instance) was made closed by :func:`closed`."""
    cls = obj if isinstance(obj, type) else type(obj)
    return issubclass(cls, _Closed)


def closed(cls: type) -> type:
    """The closed version of a SageMaker SDK v2 Estimator, Processor or Model class.

    One mechanism for every class: the result is a subclass whose
    constructor takes the SDK class's arguments plus ``profile=`` and
    ``sagemaker_session=`` (a :class:`ClosedNetworkSession`, created from
    ``profile`` when absent), fills every network argument the caller left
    out from the profile, and refuses every conflicting one before anything
    is created.

    - Estimators (``Estimator``, ``PyTorch``, ``XGBoost``, ``SKLearn``,
      ``TensorFlow``, ``HuggingFace``, ``LinearLearner``...): ``enable_network_isolation``
      (so script-mode code goes through the ``code`` input channel),
      ``subnets``, ``security_group_ids``, ``encrypt_inter_container_traffic``,
      ``volume_kms_key``, ``output_kms_key``, ``role``. ``create_model()``,
      ``transformer()`` and ``deploy()`` refuse an argument that would open
      the model, and the models they create are closed too (F02).
    - Processors (``Processor``, ``ScriptProcessor``, ``FrameworkProcessor``,
      ``SKLearnProcessor``...): ``network_config`` (isolation, subnets,
      security groups, inter-container traffic encryption),
      ``volume_kms_key``, ``output_kms_key``, ``role``.
    - Models (``Model``, ``PyTorchModel``...): ``enable_network_isolation``,
      ``vpc_config``, ``role``; ``deploy()`` refuses serverless inference and
      applies ``enable_network_isolation`` / ``vpc_config_override``.

    Parameters
    ----------
    cls : type
        A subclass of ``sagemaker.estimator.EstimatorBase``,
        ``sagemaker.processing.Processor`` or ``sagemaker.model.Model``.

    Returns
    -------
    type
        ``Closed<Name>``, a subclass of ``cls`` (the same class for the same
        ``cls``; ``cls`` itself when it is already closed).

    Raises
    ------
    TypeError
        ``cls`` is not a class, or not one of the three kinds.

    Examples
    --------
    >>> from sagemaker.pytorch import PyTorch                         # doctest: +SKIP
    >>> ClosedPyTorch = closed(PyTorch)                               # doctest: +SKIP
    >>> est = ClosedPyTorch(entry_point="train.py", framework_version="2.1",
    ...                     py_version="py310", instance_count=1,
    ...                     instance_type="ml.m5.xlarge", profile="profile.toml")  # doctest: +SKIP
    """
    if not isinstance(cls, type):
        raise TypeError(f"closed() takes a class; got {type(cls).__name__} {cls!r}")
    if issubclass(cls, _Closed):
        return cls
    hit = _CLOSED.get(cls)
    if hit is not None:
        return hit
    if issubclass(cls, EstimatorBase):
        mixin: type = _ClosedEstimatorMixin
    elif issubclass(cls, Processor):
        mixin = _ClosedProcessorMixin
    elif issubclass(cls, Model):
        mixin = _ClosedModelMixin
    else:
        raise TypeError(
            f"closed() takes a SageMaker SDK v2 Estimator, Processor or Model class; got "
            f"{cls.__module__}.{cls.__qualname__}"
        )
    name = f"Closed{cls.__name__}"
    new = type(name, (mixin, cls), {
        "__module__": __name__,
        "__qualname__": name,
        "__doc__": f"{cls.__module__}.{cls.__qualname__}, closed with a VPC profile (see safemaker.sdk.closed).",
        "_safemaker_base": cls,
        "__slots__": (),
    })
    _CLOSED[cls] = new
    return new


class ClosedEstimator(_ClosedEstimatorMixin, Estimator):
    """``sagemaker.estimator.Estimator`` whose every network argument comes from a VPC profile.

    Parameters
    ----------
    image_uri : str
        The training image (``123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1``).
    role : str, optional
        Execution role ARN (or the name of one of the profile's roles).
        Default: the profile's ``execution_role_arn``; never looked up in IAM.
    instance_count : int, default 1
        Number of training instances.
    instance_type : str, default "ml.m5.large"
        Training instance type.
    profile : VpcProfile, str, os.PathLike or None, default None
        The profile (object, path, ``"ssm:<name>"``); ignored in favour of
        ``sagemaker_session.profile`` when only the session is given.
    sagemaker_session : ClosedNetworkSession, optional
        Default: a new ``ClosedNetworkSession(profile)``.
    **kwargs
        Every other ``Estimator`` argument. ``enable_network_isolation``,
        ``subnets``, ``security_group_ids``, ``encrypt_inter_container_traffic``,
        ``volume_kms_key`` and ``output_kms_key`` default to the profile's values
        (``True``, its subnets, its security groups, ``True``, its KMS keys); a
        value given must be allowed by the profile (a subset of its subnets
        and security groups, always both lists).

    Raises
    ------
    GuardrailViolation
        An argument conflicts with the profile (``enable_network_isolation=False``,
        a subnet outside the profile, only ``security_group_ids`` without
        ``subnets`` (F01), another KMS key, a role the profile does not list);
        every conflict is listed, each with its request field and argument.
        Nothing is created.
    ClosedSessionError
        ``sagemaker_session`` is not a :class:`ClosedNetworkSession`, or
        ``profile`` differs from its profile.
    safemaker.errors.ProfileError
        The profile cannot be loaded.

    Notes
    -----
    On the embedded local backend no container runs: a training job goes to
    ``Completed`` without training anything, and its model artifact does not
    exist. See https://sagemaker.readthedocs.io/en/v2.257.0/api/training/estimators.html

    Examples
    --------
    >>> est = ClosedEstimator("123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1",
    ...                       profile="profile.toml")             # doctest: +SKIP
    >>> est.fit({"train": "s3://bucket/train"})                    # doctest: +SKIP
    """

    _safemaker_base = Estimator

    def __init__(
        self,
        image_uri: str,
        role: str | None = None,
        instance_count: int = 1,
        instance_type: str = "ml.m5.large",
        profile: Any = None,
        sagemaker_session: ClosedNetworkSession | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(image_uri=image_uri, role=role, instance_count=instance_count,
                         instance_type=instance_type, profile=profile,
                         sagemaker_session=sagemaker_session, **kwargs)


_CLOSED[Estimator] = ClosedEstimator


# =========================================================================== closed_deploy


def closed_deploy(estimator_or_model: Any, initial_instance_count: int | None = None,
                  instance_type: str | None = None, **kwargs: Any) -> Any:
    """Deploy an estimator or a model to an endpoint with network isolation and the profile's VPC.

    Parameters
    ----------
    estimator_or_model : sagemaker.estimator.EstimatorBase or sagemaker.model.Model
        A trained estimator, or a model, built on a :class:`ClosedNetworkSession`
        (a model without a session gets one from ``profile=``).
    initial_instance_count : int
        Number of instances behind the endpoint.
    instance_type : str
        Instance type (``"ml.m5.large"``).
    **kwargs
        Every other argument of the SDK's ``deploy`` (``endpoint_name``,
        ``serializer``, ``wait``...), plus ``profile`` (for a model with no
        session), ``enable_network_isolation`` (must be ``True`` or absent)
        and ``vpc_config_override`` (absent: the profile's ``VpcConfig``;
        given: inside the profile). ``Model.deploy`` ignores these two, so
        they are set on the model itself.

    Returns
    -------
    sagemaker.predictor.Predictor or None
        What the SDK's ``deploy`` returns.

    Raises
    ------
    GuardrailViolation
        A setting that cannot run closed, with the reason:
        ``serverless_inference_config`` (Serverless Inference supports neither
        VpcConfig nor network isolation; rule ``SM-UNSUPPORTED``),
        ``enable_network_isolation=False``, a ``vpc_config_override`` outside
        the profile or ``None``. Nothing is created.
    ClosedSessionError
        The estimator or model is not built on a :class:`ClosedNetworkSession`.
    TypeError
        ``estimator_or_model`` is neither an estimator nor a model.

    Notes
    -----
    Waiting uses the session's :attr:`ClosedNetworkSession.poll` (short on the
    local backend) and no CloudWatch Logs. On the local backend no container
    runs: the endpoint goes to ``InService`` and answers what the backend is
    told to answer. See https://sagemaker.readthedocs.io/en/v2.257.0/api/inference/model.html

    Examples
    --------
    >>> predictor = closed_deploy(estimator, 1, "ml.m5.large")      # doctest: +SKIP
    """
    profile_arg = kwargs.pop("profile", None)
    iso = kwargs.pop("enable_network_isolation", MISSING)
    vpc = kwargs.pop("vpc_config_override", MISSING)
    serverless = kwargs.get("serverless_inference_config")
    if isinstance(estimator_or_model, EstimatorBase):
        session = _closed_session(profile_arg, estimator_or_model.sagemaker_session, "closed_deploy()")
        refuse_serverless(serverless, session.profile, endpoint_config_name=kwargs.get("endpoint_name"))
        values = {"enable_network_isolation": MISSING if iso is None else iso,
                  "vpc_config_override": MISSING if vpc is vpc_utils.VPC_CONFIG_DEFAULT else vpc}
        closed_values = _close_arguments("CreateModel", _DERIVED_MODEL_FIELDS, values, session,
                                         "closed_deploy()")
        isolation = closed_values["enable_network_isolation"]
        return estimator_or_model.deploy(
            initial_instance_count=initial_instance_count, instance_type=instance_type,
            enable_network_isolation=True if isolation is MISSING else isolation,
            vpc_config_override=closed_values["vpc_config_override"],
            **kwargs,
        )
    if isinstance(estimator_or_model, Model):
        model = estimator_or_model
        session = model.sagemaker_session
        if session is None:
            session = model.sagemaker_session = ClosedNetworkSession(profile_arg)
        session = _closed_session(profile_arg, session, "closed_deploy()")
        refuse_serverless(serverless, session.profile, model_name=model.name,
                          endpoint_config_name=kwargs.get("endpoint_name"))
        _apply_deploy_network(model, iso, vpc, session, "closed_deploy()")
        _close_model(model, session.profile, "closed_deploy()")
        return model.deploy(initial_instance_count=initial_instance_count, instance_type=instance_type,
                            **kwargs)
    raise TypeError(
        "closed_deploy() takes a SageMaker SDK v2 estimator or model; got "
        f"{type(estimator_or_model).__module__}.{type(estimator_or_model).__qualname__}"
    )

