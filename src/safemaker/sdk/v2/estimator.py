"""Closed SDK v2 estimators: the estimator mixin of :func:`~safemaker.sdk.v2.closed` and ``ClosedEstimator``."""

from __future__ import annotations

from typing import Any

from sagemaker import vpc_utils
from sagemaker.estimator import Estimator

from safemaker.errors import MISSING
from safemaker.sdk._refusal import every_instance_storage_type
from safemaker.sdk.v2._arguments import _Args, _close_arguments, _default_role, _given
from safemaker.sdk.v2._base import _CLOSED, _close_init, _Closed, _open_init
from safemaker.sdk.v2.model import _adopt_model
from safemaker.sdk.v2.session import ClosedNetworkSession

__all__ = ["ClosedEstimator"]

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


_DERIVED_MODEL_FIELDS: tuple[tuple[str, str], ...] = (
    ("enable_network_isolation", "EnableNetworkIsolation"),
    ("vpc_config_override", "VpcConfig"),
    ("role", "ExecutionRoleArn"),
)
"""create_model()/transformer()/deploy() argument -> CreateModel field."""


class _ClosedEstimatorMixin(_Closed):
    """Makes an ``EstimatorBase`` subclass closed (see :func:`closed`)."""

    __slots__ = ()

    def __init__(self, *args: Any, profile: Any = None, **kwargs: Any) -> None:
        a, session, where, values = _open_init(self, args, kwargs, profile, [name for name, _ in _ESTIMATOR_FIELDS])
        instance_type = a.get("instance_type")
        groups = [getattr(g, "instance_type", None) for g in a.get("instance_groups") or ()]
        context = {"ResourceConfig.InstanceType": instance_type,
                   "ResourceConfig.InstanceGroups": [{"InstanceType": t} for t in groups] or None}
        closed_values = _close_arguments("CreateTrainingJob", _ESTIMATOR_FIELDS, values, session, where,
                                         parents=("ResourceConfig", "OutputDataConfig"), context=context)
        _close_init(self, a, session, closed_values)
        a.call(super().__init__)
        if (every_instance_storage_type(instance_type, *groups)
                and self.volume_kms_key == session.profile.volume_kms_key_id):
            # SDK v2 resolved it from the session's config: its own list of instance-store
            # types (sagemaker.utils.instance_supports_kms) is shorter than the guard's.
            self.volume_kms_key = None

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
        from safemaker.rehearsal.sdk import rehearse_estimator

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
        (``True``, its subnets, its security groups, ``True``, its KMS keys; no
        volume key on an instance type with instance-store volumes, which
        takes none: ``ml.g5``, ``ml.p4d``, ``ml.g4dn``...); a
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
