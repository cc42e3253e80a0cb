"""What SageMaker ML instance types carry: instance-store (local NVMe SSD) volumes.

The SageMaker API reference says of ``ResourceConfig.VolumeKmsKeyId``,
``ProcessingClusterConfig.VolumeKmsKeyId``, ``TransformResources.VolumeKmsKeyId``
and ``HyperParameterTuningResourceConfig.VolumeKmsKeyId``: "Certain Nitro-based
instances include local storage ... Local storage volumes are encrypted using a
hardware module on the instance. You can't request a VolumeKmsKeyId when using
an instance type with local storage" (list: "Instance Store Volumes",
https://docs.aws.amazon.com/sagemaker/latest/dg/host-instance-storage.html).

The families are those the SageMaker Python SDK treats the same way
(``sagemaker.utils.volume_size_supported`` / ``instance_supports_kms``): a family
whose name carries a ``d`` (``c5d``, ``m5d``, ``r5d``, ``g4dn``, ``p3dn``,
``p4d``, ``p4de``, ``m6id`` ...) and the ``g5``, ``g6``, ``p5`` and ``trn1``
families (``g6e``, ``p5e``, ``p5en``, ``trn1n`` included), whose storage is
NVMe only ("ML instance families with the NVMe-type instance storage include
ml.p4d, ml.g4dn, and ml.g5", ResourceConfig.VolumeSizeInGB in the API reference).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

__all__ = ["INSTANCE_STORE_FAMILY_PREFIXES", "INSTANCE_STORE_IAM_PATTERNS", "has_instance_storage"]

INSTANCE_STORE_FAMILY_PREFIXES = ("g5", "g6", "p5", "trn1")
"""Families with NVMe instance storage only (besides every family whose name has a ``d``)."""

INSTANCE_STORE_IAM_PATTERNS = ("ml.*d*.*",) + tuple(f"ml.{p}*" for p in INSTANCE_STORE_FAMILY_PREFIXES)
"""The same set as IAM ``StringLike`` patterns on ``sagemaker:InstanceTypes`` (an instance
size never holds a dot, so a ``d`` followed by a dot is in the family)."""


@lru_cache(maxsize=512)
def _family_has_storage(instance_type: str) -> bool:
    parts = instance_type.split(".")
    if len(parts) != 3 or parts[0] != "ml" or not parts[1]:
        return False
    family = parts[1]
    return "d" in family or family.startswith(INSTANCE_STORE_FAMILY_PREFIXES)


def has_instance_storage(instance_type: Any) -> bool:
    """``True`` when ``instance_type`` (``"ml.g5.xlarge"``) has instance-store volumes (takes no volume KMS key).

    Parameters
    ----------
    instance_type : Any
        An ML instance type as the API spells it. Anything that is not such a
        string (absent, a pipeline expression, ``"local"``) gives ``False``: the
        volume key stays required (fail closed).

    Returns
    -------
    bool
    """
    return isinstance(instance_type, str) and _family_has_storage(instance_type)
