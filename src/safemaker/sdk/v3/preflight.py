"""The SDK v3 preflight checks, installed on the SDK's classes (see :mod:`safemaker.sdk._preflight`)."""

from __future__ import annotations

from sagemaker.train.model_trainer import ModelTrainer

from safemaker.sdk import _preflight

__all__ = ["install_sdk_preflight"]


def install_sdk_preflight() -> None:
    """Install the SDK v3 preflight checks (idempotent; see :mod:`safemaker.sdk._preflight`).

    ``@remote`` / ``RemoteExecutor`` / ``@step`` (``sagemaker.core.remote_function``)
    are refused when their job settings are built, before any upload, and
    ``ModelTrainer.train`` checks ``SourceCode.requirements`` before the code
    is staged, whenever the SDK session is guarded (closed session, guarded
    client, process guard). Under the process guard, SDK v3's IAM validation
    of a role the profile allows sends no IAM request (IAM has no VPC endpoint;
    see :func:`safemaker.sdk._preflight.install_role_validation_check`). Every
    :class:`ClosedNetworkSession` installs them. A ``sagemaker.core`` ``Session``
    (and ``PipelineSession``) made while a guard governs it opts out of the SDK's
    telemetry and takes the profile's default bucket; STS for a default bucket name goes
    through the configured endpoint (:func:`safemaker.sdk._preflight.install_session_defaults`),
    and its processing and transform requests (a ``PipelineSession``'s steps too) carry no profile
    volume key on an instance type with instance-store volumes
    (:func:`safemaker.sdk._preflight.install_instance_storage_requests`).
    The SDK's telemetry GET is not sent under the process guard, whenever its session was
    made (:func:`safemaker.sdk._preflight.install_telemetry_stop`).
    """
    from sagemaker.core.helper import iam_role_resolver
    from sagemaker.core.helper.session_helper import Session
    from sagemaker.core.remote_function import job as remote_job
    from sagemaker.core.telemetry import telemetry_logging

    _preflight.install_remote_function_check(remote_job._JobSettings, remote_job.JOBS_CONTAINER_ENTRYPOINT)
    _preflight.install_trainer_code_check(ModelTrainer)
    _preflight.install_role_validation_check(iam_role_resolver)
    from safemaker.sdk.v3.session import checked_config

    _preflight.install_session_defaults(Session, checked_config)
    _preflight.install_instance_storage_requests(Session)
    from safemaker._on_import import when_imported

    when_imported("sagemaker.core.workflow.pipeline_context",
                  lambda module: _preflight.install_instance_storage_requests(module.PipelineSession))
    _preflight.install_telemetry_stop(telemetry_logging)
    try:
        from sagemaker.serve.utils import telemetry_logger  # ModelBuilder's own emitter (sagemaker-serve)
    except ImportError:  # pragma: no cover - sagemaker-core without sagemaker-serve
        pass
    else:
        _preflight.install_telemetry_stop(telemetry_logger)
