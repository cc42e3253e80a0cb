"""Rehearsals of SageMaker SDK objects: a v2 estimator or model, a v3 ``ModelTrainer``.

Each reads what the SDK would send (entry point, source_dir, hyperparameters,
channels, output path, environment, instance type, the session's S3 client)
and calls :func:`~safemaker.rehearsal.rehearse_training` or
:func:`~safemaker.rehearsal.rehearse_inference`. Nothing is sent to
SageMaker; S3 is used to stage channels and to put the model artifact.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from .contract import encode_hyperparameters
from .errors import RehearsalInputError
from .inference import InvocationResult, rehearse_inference
from .training import TrainingRehearsal, default_job_name, rehearse_training

__all__ = ["rehearse_estimator", "rehearse_model", "rehearse_model_trainer"]


def _s3_client(session: Any) -> Any:
    client = getattr(session, "s3_client", None)
    if client is None:
        client = session.boto_session.client("s3", region_name=session.boto_region_name)
    return client


def _local(value: Any, field: str) -> Any:
    if isinstance(value, str) and value.startswith("s3://"):
        raise RehearsalInputError(field=field, value=value,
                                  fix="a rehearsal runs code from this machine; give the local directory")
    return value


def _output_path(session: Any, output_path: str | None) -> str:
    return output_path or f"s3://{session.default_bucket()}/"


def rehearse_estimator(estimator: Any, inputs: Any = None, *, job_name: str | None = None,
                       **options: Any) -> TrainingRehearsal:
    """Rehearse ``estimator.fit(inputs)`` (SageMaker SDK v2, script mode) with no network.

    Parameters
    ----------
    estimator : sagemaker.estimator.EstimatorBase
        With ``entry_point`` (and usually ``source_dir``).
    inputs : str or dict, optional
        As ``fit`` takes them.
    job_name : str, optional
        Default ``<base_job_name or script>-<timestamp>``.
    **options
        Passed to :func:`~safemaker.rehearsal.rehearse_training` (``on_output``,
        ``keep``, ``check``, ``output_path``...).

    Returns
    -------
    TrainingRehearsal

    Raises
    ------
    RehearsalInputError
        No ``entry_point`` (an algorithm image: its code is not on this
        machine), or a ``source_dir`` on S3.
    SandboxUnavailable, RehearsalFailed
        As :func:`~safemaker.rehearsal.rehearse_training`.
    """
    entry_point = getattr(estimator, "entry_point", None)
    if not entry_point:
        raise RehearsalInputError(field="entry_point", value=entry_point,
                                  fix="a rehearsal runs a script-mode entry point: create the estimator with "
                                      "entry_point='train.py' (and source_dir=...)")
    session = estimator.sagemaker_session
    hyperparameters = {k: v for k, v in (estimator.hyperparameters() or {}).items()
                       if not str(k).startswith("sagemaker_")}
    options.setdefault("output_path", _output_path(session, estimator.output_path))
    options.setdefault("s3_client", _s3_client(session))
    return rehearse_training(
        _local(entry_point, "entry_point"), source_dir=_local(getattr(estimator, "source_dir", None), "source_dir"),
        dependencies=getattr(estimator, "dependencies", None) or None,
        hyperparameters=encode_hyperparameters(hyperparameters), inputs=inputs,
        job_name=job_name or default_job_name(estimator.base_job_name or str(entry_point).rsplit(".", 1)[0]),
        instance_type=estimator.instance_type or "ml.m5.large", region=session.boto_region_name,
        max_run=getattr(estimator, "max_run", None) or 24 * 3600,
        environment=getattr(estimator, "environment", None) or None, **options)


def rehearse_model(model: Any, payloads: Iterable[bytes | str], *, content_type: str = "application/json",
                   accept: str = "application/json", **options: Any) -> list[InvocationResult]:
    """Rehearse a v2 ``Model``'s inference code on its ``model_data`` with no network.

    Parameters
    ----------
    model : sagemaker.model.Model
        With ``model_data`` and ``entry_point`` (or ``code/inference.py`` in the artifact).
    payloads : iterable of bytes or str
        Request bodies.
    content_type, accept : str, default "application/json"
    **options
        Passed to :func:`~safemaker.rehearsal.rehearse_inference`.

    Returns
    -------
    list of InvocationResult

    Raises
    ------
    RehearsalInputError
        No ``model_data`` (or not a string URI), or code on S3.
    SandboxUnavailable, RehearsalFailed
        As :func:`~safemaker.rehearsal.rehearse_inference`.
    """
    model_data = getattr(model, "model_data", None)
    if not isinstance(model_data, str):
        raise RehearsalInputError(field="model_data", value=model_data,
                                  fix="a rehearsal needs the model artifact's S3 URI or a local model.tar.gz")
    session = model.sagemaker_session
    if model_data.startswith("s3://"):
        if session is None:
            raise RehearsalInputError(field="sagemaker_session", value=None,
                                      fix="give the model a sagemaker_session to fetch its S3 model_data")
        options.setdefault("s3_client", _s3_client(session))
    return rehearse_inference(model_data, _local(getattr(model, "entry_point", None), "entry_point"), payloads,
                              source_dir=_local(getattr(model, "source_dir", None), "source_dir"),
                              content_type=content_type, accept=accept,
                              environment=dict(getattr(model, "env", None) or {}), **options)


def _trainer_inputs(input_data_config: Any) -> Mapping[str, Any] | None:
    if input_data_config is None:
        return None
    if isinstance(input_data_config, Mapping):
        return input_data_config
    inputs: dict[str, Any] = {}
    for item in input_data_config:
        name = getattr(item, "channel_name", None)
        if name is None:
            raise RehearsalInputError(field="input_data_config", value=item,
                                      fix="give InputData(channel_name=..., data_source=...) items")
        inputs[name] = item
    return inputs


def rehearse_model_trainer(trainer: Any, input_data_config: Any = None, *, job_name: str | None = None,
                           **options: Any) -> TrainingRehearsal:
    """Rehearse ``trainer.train(input_data_config)`` (SageMaker SDK v3 ``ModelTrainer``) with no network.

    Parameters
    ----------
    trainer : sagemaker.train.ModelTrainer
        With ``source_code=SourceCode(source_dir=..., entry_script=...)``.
    input_data_config : list of InputData, optional
        Default: the trainer's own ``input_data_config``.
    job_name : str, optional
    **options
        Passed to :func:`~safemaker.rehearsal.rehearse_training`.

    Returns
    -------
    TrainingRehearsal

    Raises
    ------
    RehearsalInputError
        No ``source_code.entry_script`` (a ``command`` or an algorithm image
        is not rehearsed), or a source_dir on S3.
    SandboxUnavailable, RehearsalFailed
        As :func:`~safemaker.rehearsal.rehearse_training`.
    """
    source = getattr(trainer, "source_code", None)
    entry = getattr(source, "entry_script", None)
    if not entry:
        raise RehearsalInputError(field="source_code.entry_script", value=entry,
                                  fix="a rehearsal runs a script: ModelTrainer(source_code=SourceCode("
                                      "source_dir=..., entry_script='train.py'))")
    session = trainer.sagemaker_session
    output = getattr(getattr(trainer, "output_data_config", None), "s3_output_path", None)
    options.setdefault("output_path", _output_path(session, output))
    options.setdefault("s3_client", _s3_client(session))
    compute = getattr(trainer, "compute", None)
    stopping = getattr(trainer, "stopping_condition", None)
    return rehearse_training(
        entry, source_dir=_local(getattr(source, "source_dir", None), "source_code.source_dir"),
        hyperparameters=encode_hyperparameters(trainer.hyperparameters or {}),
        inputs=_trainer_inputs(input_data_config if input_data_config is not None else trainer.input_data_config),
        job_name=job_name or default_job_name(trainer.base_job_name or entry.rsplit(".", 1)[0]),
        instance_type=getattr(compute, "instance_type", None) or "ml.m5.large", region=session.boto_region_name,
        max_run=getattr(stopping, "max_runtime_in_seconds", None) or 24 * 3600,
        environment=dict(trainer.environment or {}) or None, **options)
