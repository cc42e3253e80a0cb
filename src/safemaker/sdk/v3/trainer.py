"""``ClosedModelTrainer``: SDK v3 ``ModelTrainer`` with network, role and KMS settings from the profile."""

from __future__ import annotations

from typing import Any, Mapping, Optional

from pydantic import ConfigDict
from sagemaker.core.training.configs import Networking
from sagemaker.train.model_trainer import Mode as TrainingMode
from sagemaker.train.model_trainer import ModelTrainer

from safemaker.errors import MISSING
from safemaker.profile import VpcProfile, resolve_profile
from safemaker.sdk._errors import ClosedSessionError
from safemaker.sdk._refusal import every_instance_storage_type
from safemaker.sdk.v3.networking import _TRAINING_NETWORK_FIELDS, _close_arguments, _given, _networking_values
from safemaker.sdk.v3.session import ClosedNetworkSession, _closed_session
from safemaker.sdk.v3.waiting import wait_for_training_job

__all__ = ["ClosedModelTrainer"]


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
        default to the profile's KMS keys (no volume key when the compute's
        instance type, or one of its instance groups', has instance-store
        volumes, which take none: ``ml.g5``, ``ml.p4d``, ``ml.g4dn``...).

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
        from safemaker.rehearsal.sdk import rehearse_model_trainer

        return rehearse_model_trainer(self, input_data_config, **options)


def _instance_types(compute: Any) -> tuple[Any, list[Any]]:
    """``compute``'s instance type and the instance types of its instance groups (``ResourceConfig.InstanceType``,
    ``ResourceConfig.InstanceGroups[].InstanceType``): a ``Compute``, a dict of its attributes, or ``None``."""
    def attr(obj: Any, name: str) -> Any:
        value = obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)
        return None if value is MISSING else value

    instance_type = _attr(compute, "instance_type")
    groups = _attr(compute, "instance_groups")
    return (None if instance_type is MISSING else instance_type,
            [attr(g, "instance_type") for g in groups] if isinstance(groups, (list, tuple)) else [])


def _close_trainer_values(data: Mapping[str, Any], profile: VpcProfile, where: str) -> dict[str, Any]:
    """The ModelTrainer arguments in ``data`` with network, role and KMS settings closed."""
    out = dict(data)
    networking = out.get("networking")
    values = {f"networking.{k}": v for k, v in _networking_values(networking, where).items()}
    values.setdefault("networking.subnets", list(profile.subnets))
    values.setdefault("networking.security_group_ids", list(profile.security_group_ids))
    compute = out.get("compute")
    output = out.get("output_data_config")
    instance_type, groups = _instance_types(compute)
    values["compute.volume_kms_key_id"] = _attr(compute, "volume_kms_key_id")
    drop_volume_key = every_instance_storage_type(instance_type, *groups) and (
        values["compute.volume_kms_key_id"] == profile.volume_kms_key_id)
    if drop_volume_key:
        # The profile's key, filled when the compute had another instance type: this one takes none.
        values["compute.volume_kms_key_id"] = MISSING
    values["output_data_config.kms_key_id"] = _attr(output, "kms_key_id")
    role = _given(out.get("role"))
    session = out.get("sagemaker_session")
    if isinstance(role, str) and isinstance(session, ClosedNetworkSession):
        role = session.expand_role(role)
    values["role"] = role
    context = {"ResourceConfig.InstanceType": instance_type,
               "ResourceConfig.InstanceGroups": [{"InstanceType": t} for t in groups] or None}
    closed = _close_arguments("CreateTrainingJob", _TRAINER_FIELDS, values, profile, where,
                              parents=("ResourceConfig", "OutputDataConfig"), context=context)
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
    elif drop_volume_key:
        if isinstance(compute, Mapping):
            out["compute"] = {**compute, "volume_kms_key_id": None}
        else:
            out["compute"] = compute.model_copy(update={"volume_kms_key_id": None})
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
