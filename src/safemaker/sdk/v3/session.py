"""The SDK v3 closed session: ``ClosedNetworkSession`` and the process defaults of sagemaker-core it takes over."""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from typing import Any, Mapping

import boto3
import botocore.config
from botocore.awsrequest import AWSResponse
from sagemaker.core.config import config as _sm_config
from sagemaker.core.helper.session_helper import Session
from sagemaker.core.utils import logs as _sm_logs
from sagemaker.core.utils import utils as _sm_utils

from safemaker import hooks, process
from safemaker.profile import VpcProfile, resolve_profile
from safemaker.sdk._config import _checked_with, _schema_checked_once, _skipping_checked, closed_config
from safemaker.sdk._errors import ClosedSessionError
from safemaker.sdk._shared import ProfileIdentity, closed_session_inputs, config_sources, require_guarded
from safemaker.sdk._shared import warn_if_local as _warn_if_local
from safemaker.sdk.v3.preflight import install_sdk_preflight

__all__ = ["ClosedNetworkSession", "IAM_REFUSAL_CODE", "LOCAL_POLL_SECONDS", "LOGS_CONFIG"]


logger = logging.getLogger(__name__)

LOCAL_POLL_SECONDS = 0.05
"""Seconds between status polls when the SageMaker endpoint is on a loopback address
(the embedded local backend), instead of SDK v3's 5 s."""


IAM_REFUSAL_CODE = "AccessDenied"
"""Error code of the IAM requests a closed session answers itself (never sends).

``AccessDenied`` is the code SDK v3's role validation treats as "cannot
verify, proceed with the role given" (``iam_role_resolver._evaluate_permissions``).
"""


LOGS_CONFIG = botocore.config.Config(connect_timeout=5, read_timeout=10, retries={"total_max_attempts": 1,
                                                                                   "mode": "standard"})
"""botocore config of the CloudWatch Logs clients of a closed session: a closed network without a
``com.amazonaws.<region>.logs`` endpoint costs 5 seconds once, not minutes of retries (F06)."""


def _validate_once() -> None:
    """Make sagemaker-core's config lookups and ``Session()`` skip re-validating a
    :class:`~safemaker.sdk._config._CheckedConfig` (idempotent).

    Every lookup (``resolve_value_from_config``, ``get_sagemaker_config_value`` of
    ``sagemaker.core.config.config_manager`` and ``sagemaker.core.common_utils``) calls the
    static method ``SageMakerConfig.validate_sagemaker_config``; ``Session()`` calls
    ``sagemaker.core.helper.session_helper.validate_sagemaker_config``. Both are wrapped here.
    """
    from sagemaker.core.config.config_manager import SageMakerConfig
    from sagemaker.core.helper import session_helper

    current = SageMakerConfig.__dict__["validate_sagemaker_config"]
    func = current.__func__ if isinstance(current, staticmethod) else current
    wrapped = _skipping_checked(func)
    if wrapped is not func:
        SageMakerConfig.validate_sagemaker_config = staticmethod(wrapped)  # type: ignore[method-assign]
    session_helper.validate_sagemaker_config = _skipping_checked(session_helper.validate_sagemaker_config)


def validate_config(config: dict[str, Any] | None = None) -> None:
    """SDK v3's ``validate_sagemaker_config(config)`` with the SDK's schema checked against its
    meta-schema once per process, not at each call (:func:`~safemaker.sdk._config._schema_checked_once`).

    Raises
    ------
    jsonschema.exceptions.ValidationError
        ``config`` does not follow SDK v3's config schema (the error the SDK raises).
    """
    _schema_checked_once(_sm_config.SAGEMAKER_PYTHON_SDK_CONFIG_SCHEMA)(config)


def checked_config(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` validated once against SDK v3's schema, as a :class:`~safemaker.sdk._config._CheckedConfig`
    (not re-validated at each lookup); a config the schema refuses is returned as it was (the SDK
    reports it as before)."""
    return _checked_with(config, validate_config, _validate_once)


_IAM_HANDLER_ID = "safemaker-closed-session-no-iam"


def _refuse_iam(model: Any, context: Any = None, **kwargs: Any) -> tuple[AWSResponse, dict[str, Any]]:
    """``before-call.iam`` handler: answer an IAM request in the process, never send it (F09).

    The same mechanism as :class:`botocore.stub.Stubber`: a ``before-call``
    handler that returns ``(http_response, parsed)`` short-circuits the call.
    """
    operation = getattr(model, "name", "an IAM operation")
    logger.debug("IAM %s answered AccessDenied by the closed session (not sent)", operation)
    message = (f"safemaker closed session: IAM {operation} is not sent from a closed network "
               "(iam.amazonaws.com has no VPC endpoint); the execution role comes from the VPC profile")
    parsed = {"Error": {"Code": IAM_REFUSAL_CODE, "Message": message, "Type": "Sender"},
              "ResponseMetadata": {"HTTPStatusCode": 403, "HTTPHeaders": {}, "RetryAttempts": 0}}
    return AWSResponse("https://iam.amazonaws.com/", 403, {}, None), parsed


def _drop_cached_clients(boto_session: boto3.Session) -> int:
    """Drop sagemaker-core's cached ``SageMakerClient`` entries built on ``boto_session``.

    They may hold SageMaker clients made before the guard was installed.
    Returns how many entries were dropped.
    """
    meta = _sm_utils._ClientCacheMeta
    dropped = 0
    with meta._lock:
        cache = meta._instances.get(_sm_utils.SageMakerClient)
        if not cache:
            return 0
        for key, instance in list(cache.items()):
            if getattr(instance, "session", None) is boto_session:
                del cache[key]
                dropped += 1
    return dropped


def _import_time_clients() -> list[Any]:
    """SageMaker clients SDK v3 made at import time from boto3's default session (loaded modules only)."""
    import sys

    out = []
    air_hub = sys.modules.get("sagemaker.ai_registry.air_hub")
    if air_hub is not None and getattr(air_hub.AIRHub, "_sagemaker_client", None) is not None:
        out.append(air_hub.AIRHub._sagemaker_client)
    return out


class _SdkDefaults:
    """The process-wide defaults of sagemaker-core that a closed session takes over.

    One owner at a time (the last closed session made with ``make_default=True``);
    :meth:`release` restores what was there before, if the owner is still the one releasing.
    """

    _lock = threading.RLock()
    owner: "ClosedNetworkSession | None" = None

    @classmethod
    def take(cls, session: "ClosedNetworkSession") -> dict[str, Any]:
        from sagemaker.core.jumpstart import constants as js_constants

        meta = _sm_utils._ClientCacheMeta
        lazy = type(js_constants.DEFAULT_JUMPSTART_SAGEMAKER_SESSION)
        with cls._lock, meta._lock:
            cache = meta._instances.setdefault(_sm_utils.SageMakerClient, OrderedDict())
            saved = {
                "owner": cls.owner,
                "client": cache.get(meta._DEFAULT_KEY),
                "logs": _sm_utils.SingletonMeta._instances.get(_sm_logs.CloudWatchLogsClient),
                "jumpstart": (lazy._resolved, lazy._session),
                "boto3": boto3.DEFAULT_SESSION,
                "import_time": [],
            }
            boto3.DEFAULT_SESSION = session.boto_session
            for client in _import_time_clients():
                saved["import_time"].append((client, hooks.installed(client)))
                hooks.install(client, session.profile, session.guard.mode)
            client = _sm_utils.SageMakerClient(session=session.boto_session,
                                               region_name=session.boto_region_name)
            cache[meta._DEFAULT_KEY] = client
            logs = object.__new__(_sm_logs.CloudWatchLogsClient)
            logs.client = session.logs_client
            _sm_utils.SingletonMeta._instances[_sm_logs.CloudWatchLogsClient] = logs
            lazy._resolved, lazy._session = True, session
            cls.owner = session
        return saved

    @classmethod
    def release(cls, session: "ClosedNetworkSession", saved: Mapping[str, Any]) -> bool:
        from sagemaker.core.jumpstart import constants as js_constants

        meta = _sm_utils._ClientCacheMeta
        lazy = type(js_constants.DEFAULT_JUMPSTART_SAGEMAKER_SESSION)
        with cls._lock, meta._lock:
            if cls.owner is not session:
                return False
            cache = meta._instances.setdefault(_sm_utils.SageMakerClient, OrderedDict())
            if saved["client"] is None:
                cache.pop(meta._DEFAULT_KEY, None)
            else:
                cache[meta._DEFAULT_KEY] = saved["client"]
            if saved["logs"] is None:
                _sm_utils.SingletonMeta._instances.pop(_sm_logs.CloudWatchLogsClient, None)
            else:
                _sm_utils.SingletonMeta._instances[_sm_logs.CloudWatchLogsClient] = saved["logs"]
            lazy._resolved, lazy._session = saved["jumpstart"]
            if boto3.DEFAULT_SESSION is session.boto_session:
                boto3.DEFAULT_SESSION = saved["boto3"]
            for client, previous in saved["import_time"]:
                if previous is None:
                    hooks.uninstall(client)
                else:
                    hooks.install(client, previous.profile, previous.mode)
            cls.owner = saved["owner"]
            _drop_cached_clients(session.boto_session)
        return True


class ClosedNetworkSession(ProfileIdentity, Session):
    """A SageMaker SDK v3 session (``sagemaker.core``) that can only create closed resources.

    Parameters
    ----------
    profile : VpcProfile, str, os.PathLike or None, default None
        The VPC profile: an object, a file path or ``"ssm:<parameter name>"``;
        ``None`` reads ``SAFEMAKER_PROFILE`` (see :func:`safemaker.profile.resolve_profile`).
    boto_session : boto3.Session, optional
        The session whose clients SDK v3 uses. Default: a new
        ``boto3.Session(region_name=profile.region)``. Its region must be the
        profile's region.
    poll : float, optional
        Seconds between status polls of the waits of :class:`ClosedModelTrainer`
        and :func:`closed_deploy`. Default: :data:`LOCAL_POLL_SECONDS` when the
        SageMaker endpoint is on a loopback address (the local backend), else 5.
    logs : bool, default False
        Read CloudWatch Logs while a :class:`ClosedModelTrainer` waits
        (``train(logs=True)``). ``False``: waits poll ``DescribeTrainingJob``
        only, so they work in a closed network without a CloudWatch Logs VPC
        endpoint (F06). ``True``: logs are read with :data:`LOGS_CONFIG`
        (5 s connect timeout, one attempt); if Logs cannot be reached, one
        warning is logged and the wait goes on without them.
    make_default : bool, default True
        Make this session sagemaker-core's process default (the SageMaker
        client of resource calls made without ``session=``, the CloudWatch
        Logs client of ``TrainingJob.wait(logs=True)``, the default JumpStart
        session) until :meth:`close`. SDK v3 itself creates endpoint configs
        and endpoints without ``session=`` (``ModelBuilder.deploy``), so a
        session made with ``False`` leaves those calls unguarded unless
        another closed session is the default.
    guard_options : Mapping, optional
        Passed to :func:`safemaker.hooks.install` (``mode``, ``decision_log``, ``keep``).
    **kwargs
        Passed to ``sagemaker.core.helper.session_helper.Session``:
        ``default_bucket`` (wins over the profile's), ``default_bucket_prefix``,
        ``settings``, ``sagemaker_config`` (used instead of the SDK's config
        files). Clients cannot be passed in: every client is made from
        ``boto_session`` after the guard is installed.

    Attributes
    ----------
    profile : VpcProfile
    guard : safemaker.hooks.Guard
        The guard installed on ``boto_session`` (so on every SageMaker client made from it).
    poll : float
    logs : bool
    logs_client : botocore.client.CloudWatchLogs
        The CloudWatch Logs client of the waits, made with :data:`LOGS_CONFIG`.

    Raises
    ------
    safemaker.errors.ProfileError
        The profile cannot be loaded.
    ClosedSessionError
        ``boto_session`` is in another region than the profile, ``poll`` is
        not positive, or a client was passed in.
    GuardrailViolation
        An SDK config file (or ``sagemaker_config``) holds a value the profile
        does not allow; ``operation`` is ``"ClosedNetworkSession"`` and each
        violation's ``path`` names the key and the file.
    jsonschema.exceptions.ValidationError
        A config document does not follow the SDK's schema (as the SDK raises).

    Notes
    -----
    What differs from SDK v3's ``Session`` is listed in the module docstring:
    the guard on every SageMaker client (including sagemaker-core's cached and
    default ones), no IAM request ever sent (F09), no STS call for the role or
    the account, no telemetry, and the SDK defaults filled with the profile
    (the profile's volume key is left out of a processing or transform job on
    an instance type with instance-store volumes, which takes none:
    :func:`~safemaker.sdk._preflight.install_instance_storage_requests`).
    Use the session as a context manager, or call :meth:`close`, to give the
    process defaults back. See
    https://sagemaker.readthedocs.io/en/stable/ (SDK v3: ``sagemaker.core``).

    Examples
    --------
    >>> with ClosedNetworkSession("profile.toml") as session:                 # doctest: +SKIP
    ...     trainer = ClosedModelTrainer(training_image=IMG, sagemaker_session=session)
    ...     trainer.train()
    """

    def __init__(
        self,
        profile: VpcProfile | str | os.PathLike[str] | None = None,
        boto_session: boto3.Session | None = None,
        *,
        poll: float | None = None,
        logs: bool = False,
        make_default: bool = True,
        guard_options: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        resolved, boto_session = closed_session_inputs(profile, boto_session, poll)
        install_sdk_preflight()
        for key in ("sagemaker_client", "sagemaker_runtime_client", "sagemaker_featurestore_runtime_client",
                    "sagemaker_metrics_client"):
            if kwargs.get(key) is not None:
                raise ClosedSessionError(
                    key, type(kwargs[key]).__name__, "no client: the session makes its own from boto_session",
                    f"Leave {key} out (clients made before the guard is installed are not guarded)",
                )
        self.profile: VpcProfile = resolved
        self.logs: bool = bool(logs)
        self._defaults_saved: dict[str, Any] | None = None
        # Installed before Session creates its clients (in _initialize).
        self.guard: hooks.Guard = hooks.install(boto_session, resolved, **dict(guard_options or {}))
        # Every other SageMaker client of the process (sagemaker-core's singletons, raw boto3) too.
        process.claim_process(resolved, self.guard.mode, by="ClosedNetworkSession (SDK v3)")
        boto_session._session.register("before-call.iam", _refuse_iam, unique_id=_IAM_HANDLER_ID)
        dropped = _drop_cached_clients(boto_session)
        if dropped:
            logger.debug("dropped %d sagemaker-core client cache entries made before the guard", dropped)
        sources = config_sources(kwargs.pop("sagemaker_config", None), _sm_config, validate_config, boto_session)
        # Validated here, once; Session and every lookup skip it. One the schema refuses stays a plain dict:
        # Session raises the SDK's error for it, as before.
        merged = checked_config(closed_config(sources, resolved))
        bucket = kwargs.pop("default_bucket", None) or resolved.default_bucket
        super().__init__(boto_session=boto_session, sagemaker_config=merged, default_bucket=bucket, **kwargs)
        require_guarded(self.sagemaker_client)
        self.logs_client = boto_session.client("logs", config=LOGS_CONFIG)
        local = _warn_if_local(self.sagemaker_client.meta.endpoint_url, logger)  # LocalBackendWarning
        if poll is None:
            poll = LOCAL_POLL_SECONDS if local else 5.0
        self.poll: float = float(poll)
        if make_default:
            self._defaults_saved = _SdkDefaults.take(self)
        logger.debug("closed SDK v3 session in %s (poll=%s, logs=%s, default=%s)", resolved.region,
                     self.poll, self.logs, make_default)

    # ------------------------------------------------------------------ process defaults

    @property
    def is_default(self) -> bool:
        """Whether this session is sagemaker-core's process default now."""
        return _SdkDefaults.owner is self

    def close(self) -> None:
        """Give sagemaker-core's process defaults back (idempotent).

        The default ``SageMakerClient``, the CloudWatch Logs singleton and the
        default JumpStart session are restored to what they were when this
        session took them, if this session is still their owner; this
        session's cached sagemaker-core clients are dropped. The session's own
        clients stay guarded and usable.
        """
        if self._defaults_saved is not None:
            _SdkDefaults.release(self, self._defaults_saved)
            self._defaults_saved = None

    def __enter__(self) -> "ClosedNetworkSession":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"ClosedNetworkSession(sdk=3, region={self.profile.region!r}, vpc_id={self.profile.vpc_id!r}, "
                f"poll={self.poll!r}, logs={self.logs!r}, default={self.is_default!r})")


def _closed_session(profile: Any, session: Any, where: str) -> ClosedNetworkSession:
    """The closed session an object is built on: the one given, or a new one from ``profile``.

    With neither, the closed session that is sagemaker-core's process default
    now, if any. A plain SDK v3 ``Session`` is re-homed: a
    :class:`ClosedNetworkSession` on the same boto3 session (its region must be
    the profile's).
    """
    if session is None:
        owner = _SdkDefaults.owner
        if owner is not None and (profile is None or resolve_profile(profile) == owner.profile):
            return owner
        return ClosedNetworkSession(profile)
    if isinstance(session, ClosedNetworkSession):
        if profile is not None:
            given = resolve_profile(profile, boto3_session=session.boto_session)
            if given != session.profile:
                raise ClosedSessionError(
                    "profile", f"a profile for {given.vpc_id}",
                    f"the profile of sagemaker_session ({session.profile.vpc_id})",
                    f"Pass only one of profile= and sagemaker_session= to {where}",
                )
        return session
    if isinstance(session, Session):
        return ClosedNetworkSession(profile, boto_session=session.boto_session)
    raise ClosedSessionError(
        "sagemaker_session", type(session).__name__, "a ClosedNetworkSession (SDK v3)",
        f"Pass sagemaker_session=ClosedNetworkSession(profile) to {where}, or leave it out and pass profile=",
    )
