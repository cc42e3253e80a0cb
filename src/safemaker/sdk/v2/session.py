"""The SDK v2 closed session: ``ClosedNetworkSession`` (a guarded ``sagemaker.Session``)."""

from __future__ import annotations

import logging
import os
import time
from typing import Any, Mapping

import boto3
import sagemaker.session as _sm_session
from sagemaker.config import config as _sm_config
from sagemaker.session import Session

from safemaker import hooks, process
from safemaker.profile import VpcProfile
from safemaker.sdk._config import (
    _CheckedConfig,  # noqa: F401 (re-exported: tests and older imports use this path)
    _checked_with,
    _schema_checked_once,
    _skipping_checked,
    closed_config,
)
from safemaker.sdk._errors import ClosedSessionError
from safemaker.sdk._shared import ProfileIdentity, closed_session_inputs, config_sources, require_guarded
from safemaker.sdk._shared import warn_if_local as _warn_if_local
from safemaker.sdk.v2.preflight import install_sdk_preflight

__all__ = ["ClosedNetworkSession", "LOCAL_POLL_SECONDS"]

logger = logging.getLogger(__name__)

LOCAL_POLL_SECONDS = 0.05
"""Seconds between status polls when the SageMaker endpoint is on a loopback address
(the embedded local backend), instead of the SDK's 5 s (jobs) and 30 s (endpoints)."""


def _validate_once() -> None:
    """Make ``sagemaker.utils`` (every config lookup) and ``sagemaker.session`` (``Session()``) skip
    re-validating a :class:`_CheckedConfig` (idempotent)."""
    import sagemaker.utils as sm_utils

    sm_utils.validate_sagemaker_config = _skipping_checked(sm_utils.validate_sagemaker_config)
    _sm_session.validate_sagemaker_config = _skipping_checked(_sm_session.validate_sagemaker_config)


def validate_config(config: dict[str, Any] | None = None) -> None:
    """SDK v2's ``validate_sagemaker_config(config)`` with the SDK's schema checked against its
    meta-schema once per process, not at each call (:func:`~safemaker.sdk._config._schema_checked_once`).

    Raises
    ------
    jsonschema.exceptions.ValidationError
        ``config`` does not follow SDK v2's config schema (the error the SDK raises).
    """
    _schema_checked_once(_sm_config.SAGEMAKER_PYTHON_SDK_CONFIG_SCHEMA)(config)


def checked_config(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` validated once against SDK v2's schema, as a :class:`_CheckedConfig` (not re-validated
    at each lookup); a config the schema refuses is returned as it was (the SDK reports it as before)."""
    return _checked_with(config, validate_config, _validate_once)


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
        Passed to :func:`safemaker.hooks.install` (``decision_log``, ``keep``).
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
    - The profile's volume KMS key is left out of a training, processing,
      transform or tuning job request whose instance type has instance-store
      volumes (the API takes none there; the SDK's ``Processor`` and
      ``Transformer`` apply the configured key whatever the instance type):
      :func:`~safemaker.sdk._preflight.install_instance_storage_requests`.
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
        sources = config_sources(kwargs.pop("sagemaker_config", None), _sm_config, validate_config, boto_session)
        # Validated here, once; sagemaker.Session and every lookup skip it. One the schema refuses stays a
        # plain dict: sagemaker.Session raises the SDK's error for it, as before.
        merged = checked_config(closed_config(sources, resolved))
        bucket = kwargs.pop("default_bucket", None) or resolved.default_bucket
        super().__init__(boto_session=boto_session, sagemaker_config=merged, default_bucket=bucket, **kwargs)
        require_guarded(self.sagemaker_client)
        local = _warn_if_local(self.sagemaker_client.meta.endpoint_url, logger)  # LocalBackendWarning
        if self.poll is None and local:
            self.poll = LOCAL_POLL_SECONDS
        logger.debug("closed session in %s (poll=%s, logs=%s)", resolved.region, self.poll, self.logs)

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
