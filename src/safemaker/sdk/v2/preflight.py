"""The SDK v2 preflight checks, installed on the SDK's classes (see :mod:`safemaker.sdk._preflight`)."""

from __future__ import annotations

from sagemaker.estimator import EstimatorBase
from sagemaker.model import Model

from safemaker.sdk import _preflight

__all__ = ["install_sdk_preflight"]


def install_sdk_preflight() -> None:
    """Install the SDK v2 preflight checks (idempotent; see :mod:`safemaker.sdk._preflight`).

    ``@remote`` / ``RemoteExecutor`` / ``@step`` are refused when their job
    settings are built (before any upload), ``Model.deploy`` with a
    ``serverless_inference_config`` before ``CreateModel``, and an estimator's
    or ``FrameworkProcessor``'s code before it is staged in S3 (code that would
    be downloaded under network isolation, a ``requirements.txt`` that installs
    from an index the job cannot reach), whenever the SDK session is guarded
    (closed session, guarded client, process guard). Every
    :class:`ClosedNetworkSession` installs them. A ``sagemaker.Session`` (and
    ``PipelineSession``) made while a guard governs it opts out of the SDK's
    telemetry and takes the profile's default bucket; STS for a default bucket name goes
    through the configured endpoint (:func:`safemaker.sdk._preflight.install_session_defaults`),
    and its training, processing, transform and tuning requests (a ``PipelineSession``'s steps
    too) carry no profile volume key on an instance type with instance-store volumes
    (:func:`safemaker.sdk._preflight.install_instance_storage_requests`).
    The SDK's telemetry GET is not sent under the process guard, whenever its session was
    made (:func:`safemaker.sdk._preflight.install_telemetry_stop`).
    """
    from sagemaker.processing import FrameworkProcessor
    from sagemaker import session as session_module
    from sagemaker.session import Session
    from sagemaker.telemetry import telemetry_logging

    from safemaker._on_import import when_imported

    # Modules that `import sagemaker` does not import (about 0.5 s of CPU together): their checks are
    # installed when the program imports them, before any of their code can be called.
    when_imported("sagemaker.remote_function.job", lambda remote_job: _preflight.install_remote_function_check(
        remote_job._JobSettings, remote_job.JOBS_CONTAINER_ENTRYPOINT))
    when_imported("sagemaker.jumpstart.model",
                  lambda module: _preflight.install_serverless_check(module.JumpStartModel))
    when_imported("sagemaker.serve.utils.telemetry_logger", _preflight.install_telemetry_stop)
    _preflight.install_argument_record(EstimatorBase, [a for a, _ in _preflight.ESTIMATOR_DROPPED_FALSE])
    _preflight.install_argument_record(Model, [a for a, _ in _preflight.MODEL_DROPPED_FALSE])
    _preflight.install_serverless_check(Model)
    _preflight.install_estimator_code_check(EstimatorBase)
    _preflight.install_processor_code_check(FrameworkProcessor)
    from safemaker.sdk.v2.session import checked_config

    _preflight.install_session_defaults(Session, checked_config)
    _preflight.install_instance_storage_requests(Session)
    when_imported("sagemaker.workflow.pipeline_context",
                  lambda module: _preflight.install_instance_storage_requests(module.PipelineSession))
    _preflight.install_bucket_name_function(session_module)
    _preflight.install_telemetry_stop(telemetry_logging)
