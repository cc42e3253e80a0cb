"""Closed SDK v2 processors: the processor mixin of :func:`~safemaker.sdk.v2.closed`."""

from __future__ import annotations

from typing import Any

from sagemaker.network import NetworkConfig

from safemaker.errors import MISSING
from safemaker.sdk.v2._arguments import _Args, _close_arguments, _closed_session, _default_role, _given
from safemaker.sdk.v2._base import _Closed

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
