"""SageMaker Python SDK v3 adapters (``sagemaker>=3``): a closed session, ModelTrainer and deploy.

SDK v3 is ``sagemaker-core`` (one pydantic resource class per SageMaker
resource: ``TrainingJob``, ``Model``, ``EndpointConfig``, ``Endpoint``,
``NotebookInstance``...), ``sagemaker.train`` (``ModelTrainer``) and
``sagemaker.serve`` (``ModelBuilder``). The guard (:mod:`safemaker.hooks`)
decides on the final request whatever built it; these adapters make v3 build
closed requests in the first place and close every path by which v3 would
reach SageMaker, IAM or the internet around the guard.

The names:

- :class:`ClosedNetworkSession`: a ``sagemaker.core.helper.session_helper.Session``
  with the guard on every SageMaker client, and the SDK defaults
  (``sagemaker_config``) filled with the profile.
- :class:`ClosedModelTrainer`: ``ModelTrainer`` whose ``networking`` comes from
  the profile (a ``Networking`` object or a plain dict is accepted, F04; both
  VPC lists always present, F05), whose role is the profile's, and whose
  waits do not depend on CloudWatch Logs (F06).
- :func:`closed_deploy`: deploy a ``ModelBuilder``, a trained
  ``ModelTrainer``, a ``TrainingJob``, or a sagemaker-core ``Model``,
  ``EndpointConfig`` or ``Endpoint`` with network isolation and the profile's
  ``VpcConfig`` (F03).
- :func:`closed_networking`: the profile's ``Networking``, merged with what
  the caller gave.
- :func:`wait_for_training_job`, :func:`wait_for_endpoint`: waits on the
  Describe call only.

Each path by which SDK v3 reaches AWS outside a session's own clients, and
what a :class:`ClosedNetworkSession` does about it:

- ``SageMakerClient`` (``sagemaker.core.utils.utils``) caches clients per
  boto3 session: entries made on the session's boto3 session before the
  guard was installed are dropped; every client made later is guarded.
- ``SageMakerClient()`` without a session is the process default, used by
  every resource call made without ``session=`` (``ModelBuilder.deploy``
  creates endpoint configs and endpoints so): the closed session's client
  becomes that default.
- ``boto3.client("sagemaker")`` on boto3's default session (``AIRHub`` at
  import time, evaluation and fine-tuning helpers): the closed session's
  boto3 session becomes boto3's default, and a SageMaker client SDK v3 made
  at import time before the closed session existed gets the guard too.
- ``CloudWatchLogsClient`` (``sagemaker.core.utils.logs``) is a singleton on a
  boto3 session of its own (``TrainingJob.wait(logs=True)``): its client is
  replaced by the closed session's Logs client (:data:`LOGS_CONFIG`).
- ``DEFAULT_JUMPSTART_SAGEMAKER_SESSION`` resolves to the closed session.
- ``resolve_and_validate_role`` calls IAM ``SimulatePrincipalPolicy`` and
  ``GetRole`` for every ``ModelTrainer``/``ModelBuilder``: every IAM request
  of the closed session's clients is answered ``AccessDenied`` inside the
  process, never sent; the SDK then goes on with the role it was given, the
  profile's (F09).
- ``Session.get_caller_identity_arn``, ``account_id``, ``expand_role``: the
  profile's execution role and account, no STS or IAM call.
- The telemetry GET to ``sm-pysdk-t-<region>.s3.<region>.amazonaws.com``:
  ``SageMaker.PythonSDK.Modules.TelemetryOptOut`` is ``true`` in the
  session's ``sagemaker_config``.

The process defaults are given back by :meth:`ClosedNetworkSession.close`
(or leaving its ``with`` block).

Importing this module imports SDK v3 (about two seconds); import the names
from :mod:`safemaker.sdk` to have that happen on first use only.
"""

from __future__ import annotations

import inspect
import logging
import os
import threading
import time
from collections import OrderedDict
from typing import Any, Mapping, Optional, Sequence

import boto3
import botocore.config
from botocore.awsrequest import AWSResponse
from botocore.exceptions import BotoCoreError, ClientError, NoRegionError
from pydantic import ConfigDict
from sagemaker.core import resources as _resources
from sagemaker.core import shapes as _shapes
from sagemaker.core.config import config as _sm_config
from sagemaker.core.config.config import validate_sagemaker_config
from sagemaker.core.helper.session_helper import Session
from sagemaker.core.training.configs import Networking
from sagemaker.core.utils import logs as _sm_logs
from sagemaker.core.utils import utils as _sm_utils
from sagemaker.core.utils.exceptions import FailedStatusError, TimeoutExceededError
from sagemaker.train.model_trainer import Mode as TrainingMode
from sagemaker.train.model_trainer import ModelTrainer

from safemaker import guard as _guard
from safemaker import hooks, process
from safemaker.errors import MISSING, GuardrailViolation, Violation, aws_error
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
    "ClosedModelTrainer",
    "closed_deploy",
    "closed_networking",
    "wait_for_training_job",
    "wait_for_endpoint",
    "ClosedSessionError",
    "IAM_REFUSAL_CODE",
    "LOCAL_POLL_SECONDS",
    "LOGS_CONFIG",
]

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

_IAM_HANDLER_ID = "safemaker-closed-session-no-iam"
_TERMINAL_TRAINING = ("Completed", "Failed", "Stopped")
_PENDING_ENDPOINT = ("Creating", "Updating", "SystemUpdating", "RollingBack")


# =========================================================================== helpers


def _unassigned(value: Any) -> bool:
    """sagemaker-core marks a field it has no value for with ``Unassigned()``."""
    return value is None or isinstance(value, _sm_utils.Unassigned)


def _given(value: Any) -> Any:
    """SDK convention: ``None`` (or sagemaker-core's ``Unassigned``) means "not given"."""
    return MISSING if _unassigned(value) else value


def _close_arguments(operation: str, mapping: Sequence[tuple[str, str]], values: Mapping[str, Any],
                     profile: VpcProfile, where: str, parents: Sequence[str] = ()) -> dict[str, Any]:
    """Check SDK arguments as the request fields they become; fill the absent ones from the profile.

    The guard (:func:`safemaker.guard.decide`) is asked about a request made
    of the given arguments only, so that the arguments are refused with the
    same rules, values and messages as the final request would be.

    Parameters
    ----------
    operation : str
        The operation the arguments build (``"CreateTrainingJob"``).
    mapping : sequence of (argument, request path)
        ``("networking.subnets", "VpcConfig.Subnets")``...
    values : Mapping
        The values given; an argument absent (or ``MISSING``) is filled.
    profile : VpcProfile
    where : str
        The call, for the messages (``"ClosedModelTrainer()"``).
    parents : sequence of str
        Request structures to create so that nested fields can be filled.

    Returns
    -------
    dict
        Argument -> value to use (``MISSING`` where the profile has nothing).

    Raises
    ------
    GuardrailViolation
        Every conflicting argument at once; ``operation`` is ``where`` without
        the parentheses and each violation's ``path`` names the argument and the
        request field (``"networking.subnets[1] (VpcConfig.Subnets[1])"``).
    """
    decision = refuse_arguments(operation, mapping, values, profile, where=where, parents=parents, keyword=False,
                                refuser=where.rstrip("()"), show_request_path=True)
    return {arg: _get_path(decision.params, path) for arg, path in mapping}


# =========================================================================== networking (F04, F05)

_NETWORKING_KEYS: dict[str, str] = {
    "subnets": "subnets",
    "Subnets": "subnets",
    "security_group_ids": "security_group_ids",
    "SecurityGroupIds": "security_group_ids",
    "enable_network_isolation": "enable_network_isolation",
    "EnableNetworkIsolation": "enable_network_isolation",
    "enable_inter_container_traffic_encryption": "enable_inter_container_traffic_encryption",
    "EnableInterContainerTrafficEncryption": "enable_inter_container_traffic_encryption",
}
_VPC_KEYS = ("vpc_config", "VpcConfig")

_TRAINING_NETWORK_FIELDS: tuple[tuple[str, str], ...] = (
    ("networking.enable_network_isolation", "EnableNetworkIsolation"),
    ("networking.subnets", "VpcConfig.Subnets"),
    ("networking.security_group_ids", "VpcConfig.SecurityGroupIds"),
    ("networking.enable_inter_container_traffic_encryption", "EnableInterContainerTrafficEncryption"),
)
_MODEL_NETWORK_FIELDS: tuple[tuple[str, str], ...] = _TRAINING_NETWORK_FIELDS[:3]


def _networking_values(networking: Any, where: str) -> dict[str, Any]:
    """The four networking settings of a ``Networking``, a ``VpcConfig`` or a dict (F04)."""
    if networking is None:
        return {}
    if isinstance(networking, Mapping):
        flat: dict[str, Any] = {}
        for key, value in networking.items():
            if key in _VPC_KEYS and isinstance(value, Mapping):
                flat.update(_networking_values(value, where))
                continue
            name = _NETWORKING_KEYS.get(key)
            if name is None:
                raise ClosedSessionError(
                    f"networking[{key!r}]", value,
                    "one of the keys " + ", ".join(sorted(set(_NETWORKING_KEYS) | set(_VPC_KEYS))),
                    f"Remove or rename the key {key!r} in {where}",
                )
            flat[name] = value
        return {k: v for k, v in flat.items() if v is not None}
    names = ("subnets", "security_group_ids", "enable_network_isolation",
             "enable_inter_container_traffic_encryption")
    if not any(hasattr(networking, n) for n in names[:2]):
        raise ClosedSessionError(
            "networking", type(networking).__name__,
            "a sagemaker.core.training.configs.Networking, a sagemaker.core.shapes.VpcConfig or a dict",
            f"Pass Networking(subnets=[...], security_group_ids=[...]) or a dict to {where}, or leave it out",
        )
    out = {}
    for n in names:
        value = getattr(networking, n, None)
        if not _unassigned(value):
            out[n] = list(value) if isinstance(value, (list, tuple)) else value
    return out


def closed_networking(networking: Any = None, profile: VpcProfile | str | os.PathLike[str] | None = None, *,
                      operation: str = "CreateTrainingJob", where: str = "closed_networking()") -> Networking:
    """The profile's ``Networking``, merged with the settings the caller gave.

    Parameters
    ----------
    networking : Networking, sagemaker.core.shapes.VpcConfig, dict or None
        What the caller asked for (F04: any of these forms). A dict may use
        the Python names (``subnets``, ``security_group_ids``,
        ``enable_network_isolation``, ``enable_inter_container_traffic_encryption``)
        or AWS's (``Subnets``, ``SecurityGroupIds``, ``EnableNetworkIsolation``,
        ``EnableInterContainerTrafficEncryption``), and may nest the two lists
        under ``VpcConfig``/``vpc_config``. ``None`` values count as absent.
    profile : VpcProfile, str, os.PathLike or None
        The profile (see :func:`safemaker.profile.resolve_profile`).
    operation : {"CreateTrainingJob", "CreateModel"}, default "CreateTrainingJob"
        The request the settings go into: ``CreateModel`` has no
        inter-container traffic encryption (it is dropped from the result).
    where : str
        The call, for messages.

    Returns
    -------
    sagemaker.core.training.configs.Networking
        Both lists always present (F05): a list the caller left out is the
        profile's (``Networking(subnets=[A])`` gets the profile's security
        groups); isolation and inter-container traffic encryption ``True``
        where the profile requires them and the caller said nothing.

    Raises
    ------
    GuardrailViolation
        A setting conflicts with the profile: ``enable_network_isolation=False``,
        a subnet or security group outside the profile, an empty list,
        duplicates... Every conflict at once, each naming the argument and the
        request field. No path retries without the network settings.
    ClosedSessionError
        ``networking`` is of another type, or a dict has an unknown key.

    Examples
    --------
    >>> closed_networking({"Subnets": ["subnet-0aaaaaaaaaaaaaaaa"]}, profile)      # doctest: +SKIP
    Networking(security_group_ids=['sg-0bbbbbbbbbbbbbbbb'], subnets=['subnet-0aaaaaaaaaaaaaaaa'],
               enable_network_isolation=True, enable_inter_container_traffic_encryption=True)
    """
    prof = resolve_profile(profile)
    if operation not in ("CreateTrainingJob", "CreateModel"):
        raise ValueError(f"operation is {operation!r}; expected 'CreateTrainingJob' or 'CreateModel'")
    given = _networking_values(networking, where)
    fields = _TRAINING_NETWORK_FIELDS if operation == "CreateTrainingJob" else _MODEL_NETWORK_FIELDS
    values = {f"networking.{k}": v for k, v in given.items()}
    # F05: a list left out is the profile's, so that both lists always go out.
    values.setdefault("networking.subnets", list(prof.subnets))
    values.setdefault("networking.security_group_ids", list(prof.security_group_ids))
    closed = _close_arguments(operation, fields, values, prof, where)
    kwargs = {arg.split(".", 1)[1]: value for arg, value in closed.items() if value is not MISSING}
    return Networking(**kwargs)


# =========================================================================== the session


def _config_files(boto_session: boto3.Session) -> list[ConfigSource]:
    """SDK v3's config documents (see :func:`safemaker.sdk._shared.load_config_files`)."""
    return load_config_files(_sm_config, validate_sagemaker_config, boto_session)


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


def _model_builder_class() -> type:
    """``sagemaker.serve.model_builder.ModelBuilder``, imported on first use.

    Importing ``sagemaker.serve`` creates SageMaker and S3 clients at import
    time (``sagemaker.ai_registry.air_hub.AIRHub``) from boto3's default
    session, which fails without a default region.
    """
    import sys

    module = sys.modules.get("sagemaker.serve.model_builder")
    if module is not None:
        return module.ModelBuilder
    try:
        from sagemaker.serve.model_builder import ModelBuilder
    except NoRegionError as exc:
        raise ClosedSessionError(
            "boto3's default region", None,
            "a default region (SDK v3's sagemaker.serve makes a SageMaker client when it is imported)",
            "Create the ClosedNetworkSession with make_default=True (its boto3 session becomes boto3's "
            "default) or set AWS_DEFAULT_REGION",
        ) from exc
    return ModelBuilder


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


def install_sdk_preflight() -> None:
    """Install the SDK v3 preflight checks (idempotent; see :mod:`safemaker.sdk._preflight`).

    ``@remote`` / ``RemoteExecutor`` / ``@step`` (``sagemaker.core.remote_function``)
    are refused when their job settings are built, before any upload, and
    ``ModelTrainer.train`` checks ``SourceCode.requirements`` before the code
    is staged, whenever the SDK session is guarded (closed session, guarded
    client, process guard). Every :class:`ClosedNetworkSession` installs them.
    """
    from sagemaker.core.remote_function import job as remote_job

    _preflight.install_remote_function_check(remote_job._JobSettings, remote_job.JOBS_CONTAINER_ENTRYPOINT)
    _preflight.install_trainer_code_check(ModelTrainer)


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
        Passed to :func:`safemaker.hooks.install` (``mode``, ``decision_log``,
        ``reference_ttl``, ``keep``).
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
    the account, no telemetry, and the SDK defaults filled with the profile.
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
        given_config = kwargs.pop("sagemaker_config", None)
        if given_config:
            validate_sagemaker_config(given_config)
            sources = [ConfigSource("sagemaker_config argument", given_config)]
        else:
            sources = _config_files(boto_session)
        merged = closed_config(sources, resolved)
        bucket = kwargs.pop("default_bucket", None) or resolved.default_bucket
        super().__init__(boto_session=boto_session, sagemaker_config=merged, default_bucket=bucket, **kwargs)
        if hooks.installed(self.sagemaker_client) is None:  # pragma: no cover - defensive
            raise ClosedSessionError("sagemaker_client", type(self.sagemaker_client).__name__,
                                     "a SageMaker client with the safemaker guard",
                                     "Let the session create its own client")
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

    # ------------------------------------------------------------------ no IAM, no STS (F09)

    def default_bucket(self) -> str:
        """The default S3 bucket, without STS or IAM.

        Returns
        -------
        str
            ``default_bucket`` given to the session, else the profile's
            ``default_bucket``, else the SDK config's default bucket: returned
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


# =========================================================================== waiting without Logs (F06)


class _LogTail:
    """Reads a training job's CloudWatch log streams with the closed session's Logs client."""

    GROUP = "/aws/sagemaker/TrainingJobs"

    def __init__(self, client: Any, job_name: str) -> None:
        self.client = client
        self.job_name = job_name
        self.tokens: dict[str, str | None] = {}
        self.failed = False

    def read(self) -> list[tuple[str, str]]:
        """New ``(stream, message)`` pairs; ``[]`` for ever once Logs has failed (one warning)."""
        if self.failed:
            return []
        out: list[tuple[str, str]] = []
        try:
            streams = self.client.describe_log_streams(
                logGroupName=self.GROUP, logStreamNamePrefix=self.job_name + "/", orderBy="LogStreamName",
            ).get("logStreams", [])
            for stream in streams:
                name = stream["logStreamName"]
                args = {"logGroupName": self.GROUP, "logStreamName": name, "startFromHead": True}
                if self.tokens.get(name):
                    args["nextToken"] = self.tokens[name]
                while True:
                    page = self.client.get_log_events(**args)
                    events = page.get("events", [])
                    out += [(name, e.get("message", "")) for e in events]
                    token = page.get("nextForwardToken")
                    self.tokens[name] = token
                    if not events or not token:
                        break
                    args["nextToken"] = token
        except ClientError as exc:
            if aws_error(exc)[0] == "ResourceNotFoundException":
                return out  # no log group until the container writes its first line
            self._give_up(exc)
        except BotoCoreError as exc:
            self._give_up(exc)
        return out

    def _give_up(self, exc: Exception) -> None:
        self.failed = True
        region = getattr(self.client.meta, "region_name", "<region>")
        logger.warning(
            "%s: CloudWatch Logs cannot be read (%s: %s); waiting on DescribeTrainingJob only. In a closed "
            "network this needs the interface VPC endpoint com.amazonaws.%s.logs with private DNS.",
            self.job_name, type(exc).__name__, exc, region,
        )


def wait_for_training_job(job: Any, session: ClosedNetworkSession, *, poll: float | None = None,
                          timeout: float | None = None, logs: bool = False) -> Any:
    """Wait for a training job to end, on ``DescribeTrainingJob`` only unless Logs are asked for (F06).

    Parameters
    ----------
    job : sagemaker.core.resources.TrainingJob
        The job (as ``ModelTrainer.train`` made it).
    session : ClosedNetworkSession
        Its guarded clients are used for every call.
    poll : float, optional
        Seconds between polls; default ``session.poll``.
    timeout : float, optional
        Seconds before :class:`sagemaker.core.utils.exceptions.TimeoutExceededError`.
    logs : bool, default False
        Print the job's CloudWatch log lines (to the ``sagemaker`` logger, as
        the SDK's own wait does) when ``session.logs`` is also ``True``. If
        Logs cannot be reached, one warning is logged and the wait goes on.

    Returns
    -------
    sagemaker.core.resources.TrainingJob
        ``job``, refreshed, in ``Completed``.

    Raises
    ------
    sagemaker.core.utils.exceptions.FailedStatusError
        The job ended ``Failed`` or ``Stopped`` (as ``TrainingJob.wait`` raises).
    sagemaker.core.utils.exceptions.TimeoutExceededError
        ``timeout`` passed first.
    """
    interval = session.poll if poll is None else poll
    tail = _LogTail(session.logs_client, job.training_job_name) if (logs and session.logs) else None
    if logs and not session.logs:
        logger.info("%s: CloudWatch Logs are not read (the closed session has logs=False)",
                    job.training_job_name)
    start = time.monotonic()
    client = session.sagemaker_client
    while True:
        description = client.describe_training_job(TrainingJobName=job.training_job_name)
        status = description["TrainingJobStatus"]
        if tail is not None:
            for stream, message in tail.read():
                _sm_utils.logger.info(f"{stream}:\n{message}", extra={"markup": False})
        if status in _TERMINAL_TRAINING:
            job.refresh()
            if status != "Completed":
                raise FailedStatusError(resource_type="TrainingJob", status=status,
                                        reason=description.get("FailureReason", status))
            return job
        if timeout is not None and time.monotonic() - start >= timeout:
            raise TimeoutExceededError(resource_type="TrainingJob", status=status)
        time.sleep(interval)


# =========================================================================== ClosedModelTrainer

_CLOSED_TRAINER_ATTRIBUTES = ("profile", "sagemaker_session", "networking", "role", "compute", "output_data_config")
"""ClosedModelTrainer attributes whose assignment is checked against the profile."""

_TRAINER_FIELDS: tuple[tuple[str, str], ...] = _TRAINING_NETWORK_FIELDS + (
    ("compute.volume_kms_key_id", "ResourceConfig.VolumeKmsKeyId"),
    ("output_data_config.kms_key_id", "OutputDataConfig.KmsKeyId"),
    ("role", "RoleArn"),
)
"""ModelTrainer argument -> CreateTrainingJob field (``ModelTrainer._create_training_job_args``)."""


def _attr(obj: Any, name: str) -> Any:
    if obj is None:
        return MISSING
    if isinstance(obj, Mapping):
        return _given(obj.get(name))
    return _given(getattr(obj, name, None))


class ClosedModelTrainer(ModelTrainer):
    """SDK v3 ``ModelTrainer`` whose network, role and KMS settings come from a VPC profile.

    Parameters
    ----------
    profile : VpcProfile, str, os.PathLike or None, default None
        The profile; default ``sagemaker_session.profile`` when a
        :class:`ClosedNetworkSession` is given, else ``SAFEMAKER_PROFILE``.
    sagemaker_session : ClosedNetworkSession or sagemaker.core Session, optional
        Default: a new ``ClosedNetworkSession(profile)``. A plain SDK v3
        ``Session`` is replaced by a closed session on its boto3 session.
    networking : Networking, sagemaker.core.shapes.VpcConfig, dict or None
        Any form is accepted (F04), see :func:`closed_networking`: left out,
        the profile's subnets and security groups, ``enable_network_isolation=True``
        and ``enable_inter_container_traffic_encryption=True``; given, each
        value must be allowed by the profile and a list left out is the
        profile's (both lists always present, F05).
    role : str, optional
        Execution role ARN (or the name of one of the profile's roles).
        Default: the profile's ``execution_role_arn``; never looked up in IAM.
    **kwargs
        Every other ``ModelTrainer`` argument (``training_image``,
        ``compute``, ``output_data_config``, ``source_code``...).
        ``compute.volume_kms_key_id`` and ``output_data_config.kms_key_id``
        default to the profile's KMS keys.

    Raises
    ------
    GuardrailViolation
        An argument conflicts with the profile (``enable_network_isolation=False``,
        a subnet outside the profile, an empty list, another KMS key, a role
        the profile does not list); every conflict at once, each naming the
        argument and the request field. Raised at construction, before
        anything is created, and again by :meth:`train` if a setting was
        changed afterwards. No path retries without the network settings.
    ClosedSessionError
        ``sagemaker_session`` is of another kind, ``profile`` differs from its
        profile, or ``networking`` has an unknown form or key.
    safemaker.errors.ProfileError
        The profile cannot be loaded.

    Notes
    -----
    :meth:`train` waits with :func:`wait_for_training_job` (no CloudWatch
    Logs unless the session has ``logs=True``). On the embedded local backend
    no container runs: the job goes to ``Completed`` at once. See
    https://sagemaker.readthedocs.io/en/stable/ (``sagemaker.train.ModelTrainer``).

    Examples
    --------
    >>> trainer = ClosedModelTrainer(training_image=IMG, profile="profile.toml",
    ...                              networking={"Subnets": ["subnet-0aaaaaaaaaaaaaaaa"]})  # doctest: +SKIP
    >>> trainer.train(input_data_config=[InputData(channel_name="train",
    ...                                            data_source="s3://bucket/train")])       # doctest: +SKIP
    """

    model_config = ConfigDict(arbitrary_types_allowed=True, validate_assignment=True, extra="forbid")

    profile: Optional[Any] = None

    def __init__(self, **data: Any) -> None:
        where = f"{type(self).__name__}()"
        mode = data.get("training_mode", TrainingMode.SAGEMAKER_TRAINING_JOB)
        session = data.get("sagemaker_session")
        if mode == TrainingMode.SAGEMAKER_TRAINING_JOB or session is not None:
            session = _closed_session(data.get("profile"), session, where)
            data["sagemaker_session"] = session
            profile = session.profile
        else:
            profile = resolve_profile(data.get("profile"))
        data["profile"] = profile
        super().__init__(**_close_trainer_values(data, profile, where))

    def __setattr__(self, name: str, value: Any) -> None:
        # An assignment that opens the network is refused; one that drops a setting is refilled.
        profile = self.__dict__.get("profile")
        if name not in _CLOSED_TRAINER_ATTRIBUTES or not isinstance(profile, VpcProfile):
            super().__setattr__(name, value)
            return
        if name == "profile":
            raise ClosedSessionError("profile", "an assignment", "the profile given at construction",
                                     "Build a new ClosedModelTrainer for another profile")
        data = {key: self.__dict__.get(key) for key in _CLOSED_TRAINER_ATTRIBUTES}
        data[name] = value
        if name == "sagemaker_session":
            data[name] = _closed_session(profile, value, f"{type(self).__name__}.sagemaker_session")
        closed = _close_trainer_values(data, profile, f"{type(self).__name__}.{name}")
        for key in _CLOSED_TRAINER_ATTRIBUTES[1:]:
            if key == name or closed.get(key) is not self.__dict__.get(key):
                super().__setattr__(key, closed[key])

    def train(self, input_data_config: Any = None, wait: Optional[bool] = True, logs: Optional[bool] = True,
              dry_run: bool = False) -> Any:
        """``ModelTrainer.train``, re-checked against the profile and waiting without Logs (F06).

        Parameters
        ----------
        input_data_config : list of Channel or InputData, optional
            As ``ModelTrainer.train``.
        wait : bool, default True
            Wait for the job to end (:func:`wait_for_training_job`).
        logs : bool, default True
            Print CloudWatch log lines while waiting, if the session has ``logs=True``.
        dry_run : bool, default False
            As ``ModelTrainer.train``: validate, send nothing.

        Returns
        -------
        None
            As ``ModelTrainer.train``; the job is ``self._latest_training_job``.

        Raises
        ------
        GuardrailViolation
            A setting changed since construction conflicts with the profile
            (nothing is sent), or the guard refuses the final request.
        sagemaker.core.utils.exceptions.FailedStatusError
            The job failed (``wait=True``).
        """
        if isinstance(self.profile, VpcProfile):
            closed = _close_trainer_values(self.__dict__, self.profile, f"{type(self).__name__}.train()")
            for name in ("networking", "role", "compute", "output_data_config"):
                if closed.get(name) is not None:
                    self.__dict__[name] = closed[name]
        result = super().train(input_data_config=input_data_config, wait=False, logs=False, dry_run=dry_run)
        job = self._latest_training_job
        if wait and not dry_run and self.training_mode == TrainingMode.SAGEMAKER_TRAINING_JOB and job is not None:
            session = self.sagemaker_session
            assert isinstance(session, ClosedNetworkSession)
            wait_for_training_job(job, session, logs=bool(logs))
        return result

    def rehearse(self, input_data_config: Any = None, **options: Any) -> Any:
        """Run this trainer's ``source_code.entry_script`` locally with no network (``train`` rehearsed).

        See :func:`safemaker.rehearsal.sdk.rehearse_model_trainer` (same
        arguments, same errors) and docs/rehearsal.md. Nothing is sent to SageMaker.
        """
        from ..rehearsal.sdk import rehearse_model_trainer

        return rehearse_model_trainer(self, input_data_config, **options)


def _close_trainer_values(data: Mapping[str, Any], profile: VpcProfile, where: str) -> dict[str, Any]:
    """The ModelTrainer arguments in ``data`` with network, role and KMS settings closed."""
    out = dict(data)
    networking = out.get("networking")
    values = {f"networking.{k}": v for k, v in _networking_values(networking, where).items()}
    values.setdefault("networking.subnets", list(profile.subnets))
    values.setdefault("networking.security_group_ids", list(profile.security_group_ids))
    compute = out.get("compute")
    output = out.get("output_data_config")
    values["compute.volume_kms_key_id"] = _attr(compute, "volume_kms_key_id")
    values["output_data_config.kms_key_id"] = _attr(output, "kms_key_id")
    role = _given(out.get("role"))
    session = out.get("sagemaker_session")
    if isinstance(role, str) and isinstance(session, ClosedNetworkSession):
        role = session.expand_role(role)
    values["role"] = role
    closed = _close_arguments("CreateTrainingJob", _TRAINER_FIELDS, values, profile, where,
                              parents=("ResourceConfig", "OutputDataConfig"))
    out["networking"] = Networking(**{arg.split(".", 1)[1]: v for arg, v in closed.items()
                                      if arg.startswith("networking.") and v is not MISSING})
    out["role"] = closed["role"] if closed["role"] is not MISSING else profile.execution_role_arn
    volume_key = closed["compute.volume_kms_key_id"]
    if volume_key is not MISSING:
        from sagemaker.core.training.configs import Compute

        if compute is None:
            compute = Compute(volume_kms_key_id=volume_key)
        elif isinstance(compute, Mapping):
            compute = {**compute, "volume_kms_key_id": volume_key}
        else:
            compute = compute.model_copy(update={"volume_kms_key_id": volume_key})
        out["compute"] = compute
    output_key = closed["output_data_config.kms_key_id"]
    if output_key is not MISSING and output is not None:
        if isinstance(output, Mapping):
            output = {**output, "kms_key_id": output_key}
        else:
            output = output.model_copy(update={"kms_key_id": output_key})
        out["output_data_config"] = output
    elif output_key is not MISSING:
        from sagemaker.core.training.configs import OutputDataConfig

        out["output_data_config"] = OutputDataConfig(kms_key_id=output_key)
    return out


# =========================================================================== closed_deploy (F03)


def _serverless_config(config: Any) -> Any:
    """``config`` when it is SDK v3's ``ServerlessInferenceConfig`` (checked by the guard as the
    ``CreateEndpointConfig`` it becomes), else ``None`` (other inference configs are ModelBuilder's)."""
    return config if config is not None and type(config).__name__ == "ServerlessInferenceConfig" else None


def _loaded_model_builder_class() -> type | None:
    import sys

    module = sys.modules.get("sagemaker.serve.model_builder")
    return None if module is None else module.ModelBuilder


def _close_model_builder(builder: Any, profile_arg: Any, where: str) -> ClosedNetworkSession:
    """Put a ModelBuilder on a closed session with isolation, the profile's VpcConfig and role."""
    session = _closed_session(profile_arg, builder.sagemaker_session, where)
    profile = session.profile
    network = builder.network
    given: dict[str, Any] = _networking_values(network, where) if network is not None else {}
    if network is None and isinstance(getattr(builder, "vpc_config", None), (Mapping, _shapes.VpcConfig)):
        given.update(_networking_values(builder.vpc_config, where))
    given.pop("enable_inter_container_traffic_encryption", None)
    closed = closed_networking(given, profile, operation="CreateModel", where=where)
    role = _given(builder.role_arn)
    if isinstance(role, str):
        role = session.expand_role(role)
    checked = _close_arguments("CreateModel", (("role_arn", "ExecutionRoleArn"),), {"role_arn": role}, profile,
                               where)
    builder.sagemaker_session = session
    builder.network = closed
    builder.vpc_config = {"Subnets": list(closed.subnets), "SecurityGroupIds": list(closed.security_group_ids)}
    builder._enable_network_isolation = True
    builder.role_arn = checked["role_arn"] if checked["role_arn"] is not MISSING else profile.execution_role_arn
    builder.region = profile.region
    return session


def _created(resource: Any, arn_field: str) -> bool:
    return not _unassigned(getattr(resource, arn_field, None))


def _existing_endpoint_violations(endpoint_name: str, session: ClosedNetworkSession) -> list[Violation]:
    """An existing endpoint checked with the guard's own rules: endpoint config, then its models."""
    sm = session.sagemaker_client
    out: list[Violation] = []
    endpoint = sm.describe_endpoint(EndpointName=endpoint_name)
    config = sm.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
    out += _guard.check_resource("endpoint-config", config, session.profile, operation="closed_deploy",
                                 via=f"endpoint {endpoint_name}")
    for ref in _guard.references("CreateEndpointConfig", config):
        model = sm.describe_model(ModelName=ref.name)
        out += _guard.check_resource("model", model, session.profile, operation="closed_deploy",
                                     via=f"endpoint {endpoint_name} -> {ref.path}")
    return out


def closed_deploy(obj: Any, initial_instance_count: int | None = None, instance_type: str | None = None,
                  **kwargs: Any) -> Any:
    """Deploy an SDK v3 object to an endpoint with network isolation and the profile's VPC (F03).

    Parameters
    ----------
    obj : ModelBuilder, ModelTrainer, TrainingJob, Model, EndpointConfig or Endpoint
        - ``sagemaker.serve.model_builder.ModelBuilder``: put on a
          :class:`ClosedNetworkSession` (a plain session is replaced by a
          closed one on its boto3 session), given network isolation, the
          profile's ``VpcConfig`` (or the allowed one in ``builder.network``)
          and the profile's role, built if it was not, then deployed.
        - a trained ``ModelTrainer`` (e.g. :class:`ClosedModelTrainer`): a
          ``ModelBuilder`` is made from it (``image_uri`` defaults to the
          training image) and deployed as above.
        - a sagemaker-core ``TrainingJob`` (``Completed``): a ``Model`` of its
          artifacts (``model_name`` defaults to the job's name, ``image_uri``
          to its training image), deployed as a ``Model`` below.
        - a sagemaker-core ``Model``: created closed if it does not exist yet
          (``Model(...)`` not ``Model.create(...)``, e.g. a JumpStart-style
          model with a ``ModelDataSource``), then an endpoint config and an
          endpoint are created for it. An existing model is used as it is:
          the guard refuses the endpoint config if the model is not closed.
        - a sagemaker-core ``EndpointConfig``: created if it does not exist,
          then an endpoint for it.
        - a sagemaker-core ``Endpoint``: created if it does not exist; an
          existing one is checked (its endpoint config and models) and returned.
    initial_instance_count : int, optional
        Instances behind the endpoint (default 1).
    instance_type : str, optional
        Instance type (``"ml.m5.large"``); required unless ``obj`` already fixes it.
    **kwargs
        ``profile`` (when ``obj`` has no closed session), ``sagemaker_session``
        (a :class:`ClosedNetworkSession`), ``endpoint_name``, ``model_name``,
        ``endpoint_config_name``, ``wait`` (default True), ``image_uri`` (for
        a trainer or job), and for a ``ModelBuilder`` every other argument of
        its ``deploy``. ``inference_config=ServerlessInferenceConfig(...)`` is
        refused.

    Returns
    -------
    sagemaker.core.resources.Endpoint
        The endpoint (``InService`` when ``wait``).

    Raises
    ------
    GuardrailViolation
        A setting that cannot run closed: ``enable_network_isolation=False`` or
        a VPC outside the profile on the builder or model, a role the profile
        does not list, serverless inference (``SM-UNSUPPORTED``), an existing
        endpoint that is not closed; or the guard refuses a request (an
        existing model that is not closed). Nothing further is created.
    ClosedSessionError
        The object's session cannot be made closed, or two profiles disagree.
    ValueError
        A ``ModelTrainer`` that has not trained, or a missing ``instance_type``.
    TypeError
        ``obj`` is none of the kinds above.

    Examples
    --------
    >>> endpoint = closed_deploy(trainer, 1, "ml.m5.large")              # doctest: +SKIP
    >>> endpoint.invoke(body=b"1,2,3", content_type="text/csv")           # doctest: +SKIP
    """
    where = "closed_deploy()"
    profile_arg = kwargs.pop("profile", None)
    session_arg = kwargs.pop("sagemaker_session", None)
    wait = bool(kwargs.pop("wait", True))
    serverless = _serverless_config(kwargs.get("inference_config"))
    endpoint_name_arg = kwargs.get("endpoint_name")
    count = 1 if initial_instance_count is None else initial_instance_count

    if isinstance(obj, _resources.TrainingJob):
        # Not through ModelBuilder(model=job): sagemaker-serve 1.27 takes every TrainingJob for a
        # model-customization job (it compares fields with the Unassigned class, not an instance).
        artifacts = getattr(obj.model_artifacts, "s3_model_artifacts", None)
        if _unassigned(artifacts):
            raise ValueError(f"{where}: training job {obj.training_job_name!r} has no model artifacts "
                             f"(status {obj.training_job_status}); deploy it once it is Completed")
        image_uri = kwargs.pop("image_uri", None) or obj.algorithm_specification.training_image
        obj = _resources.Model(
            model_name=kwargs.pop("model_name", None) or obj.training_job_name,
            primary_container=_shapes.ContainerDefinition(image=image_uri, model_data_url=artifacts),
        )

    if isinstance(obj, ModelTrainer):
        image_uri = kwargs.pop("image_uri", None)
        if obj._latest_training_job is None:
            raise ValueError(f"{where}: the ModelTrainer has not trained (call train() first)")
        session = _closed_session(profile_arg, session_arg or obj.sagemaker_session, where)
        refuse_serverless(serverless, session.profile, endpoint_config_name=endpoint_name_arg)
        image_uri = image_uri or obj.training_image
        if instance_type is None:
            raise ValueError(f"{where}: instance_type is None; pass the hosting instance type, e.g. 'ml.m5.large'")
        builder = _model_builder_class()(model=obj, image_uri=image_uri, role_arn=session.profile.execution_role_arn,
                               sagemaker_session=session, instance_type=instance_type,
                               network=closed_networking(None, session.profile, operation="CreateModel",
                                                         where=where))
        obj = builder
        profile_arg = None

    builder_class = _loaded_model_builder_class()
    if builder_class is not None and isinstance(obj, builder_class):
        if session_arg is not None:
            obj.sagemaker_session = session_arg
        builder_session = _close_model_builder(obj, profile_arg, where)
        refuse_serverless(serverless, builder_session.profile, endpoint_config_name=endpoint_name_arg)
        model_name = kwargs.pop("model_name", None)
        if getattr(obj, "built_model", None) is None:
            obj.build(model_name=model_name)
        if instance_type is not None:
            obj.instance_type = instance_type
        # wait=False: ModelBuilder's own wait sleeps 30 s first and asks CloudWatch Logs
        # (filter_log_events) before polling, which a closed network may not reach (F06).
        endpoint = obj.deploy(initial_instance_count=count, instance_type=instance_type, wait=False,
                              **{k: v for k, v in kwargs.items() if k != "image_uri"})
        if wait:
            wait_for_endpoint(endpoint, obj.sagemaker_session)
        return endpoint

    if not isinstance(obj, (_resources.Model, _resources.EndpointConfig, _resources.Endpoint)):
        raise TypeError(
            "closed_deploy() takes an SDK v3 ModelBuilder, ModelTrainer, TrainingJob, or a sagemaker-core "
            f"Model, EndpointConfig or Endpoint; got {type(obj).__module__}.{type(obj).__qualname__}"
        )
    session = _closed_session(profile_arg, session_arg, where)
    refuse_serverless(serverless, session.profile, endpoint_config_name=endpoint_name_arg)
    boto, region = session.boto_session, session.boto_region_name
    endpoint_name = kwargs.pop("endpoint_name", None)
    config_name = kwargs.pop("endpoint_config_name", None)
    unknown = set(kwargs)
    if unknown:
        raise TypeError(f"closed_deploy() got unexpected keyword argument(s) {sorted(unknown)} for "
                        f"a sagemaker-core {type(obj).__name__}")

    if isinstance(obj, _resources.Endpoint):
        if _created(obj, "endpoint_arn"):
            violations = _existing_endpoint_violations(obj.endpoint_name, session)
            if violations:
                raise GuardrailViolation("closed_deploy", violations)
            return obj
        endpoint = _resources.Endpoint.create(endpoint_name=obj.endpoint_name,
                                              endpoint_config_name=obj.endpoint_config_name,
                                              session=boto, region=region)
    else:
        if isinstance(obj, _resources.Model):
            model = obj
            if not _created(model, "model_arn"):
                model = _create_closed_model(model, session, where)
            if instance_type is None:
                raise ValueError(f"{where}: instance_type is None; pass the hosting instance type, "
                                 "e.g. 'ml.m5.large'")
            name = config_name or endpoint_name or model.model_name
            config = _resources.EndpointConfig.create(
                endpoint_config_name=name,
                production_variants=[_shapes.ProductionVariant(
                    variant_name="AllTraffic", model_name=model.model_name,
                    initial_instance_count=count, instance_type=instance_type)],
                session=boto, region=region,
            )
        else:
            config = obj
            if not _created(config, "endpoint_config_arn"):
                fields = set(inspect.signature(_resources.EndpointConfig.create).parameters) - {
                    "cls", "session", "region"}
                config = _resources.EndpointConfig.create(
                    **{k: getattr(obj, k) for k in fields if not _unassigned(getattr(obj, k, None))},
                    session=boto, region=region,
                )
        endpoint = _resources.Endpoint.create(endpoint_name=endpoint_name or config.endpoint_config_name,
                                              endpoint_config_name=config.endpoint_config_name,
                                              session=boto, region=region)
    if wait:
        wait_for_endpoint(endpoint, session)
    return endpoint


def wait_for_endpoint(endpoint: Any, session: ClosedNetworkSession, *, poll: float | None = None,
                      timeout: float | None = None) -> Any:
    """Wait for an endpoint to leave ``Creating``/``Updating``, on ``DescribeEndpoint`` only (F06).

    Parameters
    ----------
    endpoint : sagemaker.core.resources.Endpoint
        The endpoint.
    session : ClosedNetworkSession
        Its guarded SageMaker client is used.
    poll : float, optional
        Seconds between polls; default ``session.poll``.
    timeout : float, optional
        Seconds before :class:`sagemaker.core.utils.exceptions.TimeoutExceededError`.

    Returns
    -------
    sagemaker.core.resources.Endpoint
        ``endpoint``, refreshed, ``InService``.

    Raises
    ------
    sagemaker.core.utils.exceptions.FailedStatusError
        The endpoint ended in another status (``Failed``, ``OutOfService``...).
    sagemaker.core.utils.exceptions.TimeoutExceededError
        ``timeout`` passed first.
    """
    interval = session.poll if poll is None else poll
    start = time.monotonic()
    while True:
        description = session.sagemaker_client.describe_endpoint(EndpointName=endpoint.endpoint_name)
        status = description["EndpointStatus"]
        if status not in _PENDING_ENDPOINT:
            endpoint.refresh()
            if status != "InService":
                raise FailedStatusError(resource_type="Endpoint", status=status,
                                        reason=description.get("FailureReason", status))
            return endpoint
        if timeout is not None and time.monotonic() - start >= timeout:
            raise TimeoutExceededError(resource_type="Endpoint", status=status)
        time.sleep(interval)


def _create_closed_model(model: Any, session: ClosedNetworkSession, where: str) -> Any:
    """``Model.create`` for a ``Model(...)`` that does not exist yet, closed (F03)."""
    profile = session.profile
    given = {}
    if not _unassigned(model.vpc_config):
        given.update(_networking_values(model.vpc_config, where))
    if not _unassigned(model.enable_network_isolation):
        given["enable_network_isolation"] = model.enable_network_isolation
    closed = closed_networking(given, profile, operation="CreateModel", where=where)
    role = _given(model.execution_role_arn)
    if isinstance(role, str):
        role = session.expand_role(role)
    checked = _close_arguments("CreateModel", (("execution_role_arn", "ExecutionRoleArn"),),
                               {"execution_role_arn": role}, profile, where)
    args: dict[str, Any] = {
        "model_name": model.model_name,
        "execution_role_arn": checked["execution_role_arn"] if checked["execution_role_arn"] is not MISSING
        else profile.execution_role_arn,
        "vpc_config": _shapes.VpcConfig(subnets=list(closed.subnets),
                                        security_group_ids=list(closed.security_group_ids)),
        "enable_network_isolation": True,
    }
    for name in ("primary_container", "containers", "inference_execution_config"):
        value = getattr(model, name, None)
        if not _unassigned(value):
            args[name] = value
    return _resources.Model.create(**args, session=session.boto_session, region=session.boto_region_name)
