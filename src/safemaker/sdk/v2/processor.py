"""Closed SDK v2 processors: the processor mixin of :func:`~safemaker.sdk.v2.closed`."""

from __future__ import annotations

from typing import Any

from sagemaker.network import NetworkConfig

from safemaker.errors import MISSING
from safemaker.sdk._refusal import every_instance_storage_type
from safemaker.sdk.v2._arguments import _close_arguments, _given
from safemaker.sdk.v2._base import _close_init, _Closed, _open_init

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

_NETWORK_CONFIG_ATTRIBUTES = ("enable_network_isolation", "subnets", "security_group_ids",
                              "encrypt_inter_container_traffic")
"""The attributes (and constructor arguments) of ``sagemaker.network.NetworkConfig`` the processor fills."""


class _ClosedProcessorMixin(_Closed):
    """Makes a ``Processor`` subclass closed (see :func:`closed`)."""

    __slots__ = ()

    def __init__(self, *args: Any, profile: Any = None, **kwargs: Any) -> None:
        a, session, where, values = _open_init(self, args, kwargs, profile,
                                               ("volume_kms_key", "output_kms_key", "role"))
        network = a.get("network_config") or NetworkConfig()
        values.update({name: _given(getattr(network, name)) for name in _NETWORK_CONFIG_ATTRIBUTES})
        instance_type = a.get("instance_type")
        closed_values = _close_arguments(
            "CreateProcessingJob", _PROCESSOR_FIELDS, values, session, where,
            parents=("ProcessingResources.ClusterConfig", "ProcessingOutputConfig"),
            context={"ProcessingResources.ClusterConfig.InstanceType": instance_type},
        )
        a.set("network_config", NetworkConfig(**{
            name: None if closed_values[name] is MISSING else closed_values[name]
            for name in _NETWORK_CONFIG_ATTRIBUTES
        }))
        _close_init(self, a, session, {name: closed_values[name] for name in values
                                       if name not in _NETWORK_CONFIG_ATTRIBUTES})
        a.call(super().__init__)
        if every_instance_storage_type(instance_type) and self.volume_kms_key == session.profile.volume_kms_key_id:
            # SDK v2 resolved it from the session's config whatever the instance type
            # (the session leaves it out of the request too: InstanceStorageRequests).
            self.volume_kms_key = None
