"""What SageMaker ML instance types carry: instance-store (local NVMe SSD) volumes.

The SageMaker API reference says of ``ResourceConfig.VolumeKmsKeyId``,
``ProcessingClusterConfig.VolumeKmsKeyId``, ``TransformResources.VolumeKmsKeyId``
and ``HyperParameterTuningResourceConfig.VolumeKmsKeyId`` (botocore's doc strings
of those members): "Certain Nitro-based instances include local storage ...
Local storage volumes are encrypted using a hardware module on the instance.
You can't request a VolumeKmsKeyId when using an instance type with local
storage" (list: "Instance Store Volumes",
https://docs.aws.amazon.com/sagemaker/latest/dg/host-instance-storage.html), and
of ``ResourceConfig.VolumeSizeInGB``: "ML instance families with the NVMe-type
instance storage include ml.p4d, ml.g4dn, and ml.g5" (also
https://docs.aws.amazon.com/sagemaker/latest/dg/model-train-storage-tips-considerations.html,
which names ml.c5 and ml.p2 as EBS-only families).

:data:`INSTANCE_STORE_FAMILIES` decides every ``ml.<family>.<size>`` family of
botocore's SageMaker model (every string enum of the model; 74 families in
botocore 1.44.8), each with its source: the AWS pages above, the SageMaker
Python SDK's own rule (``sagemaker.core.common_utils.volume_size_supported`` in
SDK v3: a family whose name has a ``d``, and the ``g5``, ``g6``, ``g7e``,
``p5``, ``p6-b200``, ``trn1`` and ``trn2`` prefixes), the Amazon EC2 instance-type
specifications ("Instance store" column; the EC2 naming convention: the ``d``
attribute is "instance store volumes",
https://docs.aws.amazon.com/ec2/latest/instancetypes/instance-type-names.html).
A test fails when botocore knows a family the table has not decided
(tests/unit/test_guard_false_refusals.py). A family the table does not know
(botocore newer than safemaker) follows the naming convention: a ``d`` in the
family name.
"""

from __future__ import annotations

from functools import lru_cache
from types import MappingProxyType
from typing import Any, Iterable, Mapping

__all__ = ["INSTANCE_STORE_FAMILIES", "INSTANCE_STORE_FAMILY_PREFIXES", "INSTANCE_STORE_IAM_PATTERNS",
           "INSTANCE_STORE_SOURCES", "every_instance_storage", "has_instance_storage"]

_SDK = "SageMaker Python SDK v3 volume_size_supported"
_D = "the 'd' attribute: instance store volumes (EC2 naming convention; SDK rule)"
_EC2_NVME = "EC2 instance-type specifications: NVMe SSD instance store"
_EBS = "EC2 instance-type specifications: EBS only (SDK rule agrees)"

_DECIDED: dict[str, tuple[bool, str]] = {
    # --- instance store (no VolumeKmsKeyId) ---
    **{f: (True, _D) for f in ("c5d", "c6gd", "c6id", "m5d", "m6gd", "m6id", "r5d", "r6gd", "r6id", "r7gd",
                               "p3dn", "p4de")},
    "g4dn": (True, "SageMaker docs (VolumeSizeInGB, model-train-storage-tips): ml.g4dn is NVMe; " + _D),
    "p4d": (True, "SageMaker docs (VolumeSizeInGB, model-train-storage-tips): ml.p4d is NVMe; " + _D),
    "g5": (True, "SageMaker docs (VolumeSizeInGB, model-train-storage-tips): ml.g5 is NVMe; " + _SDK),
    "dl1": (True, _EC2_NVME + " (dl1.24xlarge 4 x 1000 GB); SDK rule ('d' in the name)"),
    **{f: (True, f"{_SDK} (prefix {p!r})") for f, p in (
        ("g6", "g6"), ("g6e", "g6"), ("g7e", "g7e"), ("p5", "p5"), ("p5e", "p5"), ("p5en", "p5"),
        ("p6-b200", "p6-b200"), ("trn1", "trn1"), ("trn1n", "trn1"), ("trn2", "trn2"))},
    # Not in either SDK's list; the EC2 specifications give these NVMe SSD instance store in every size.
    "p6-b300": (True, _EC2_NVME + " (p6-b300.48xlarge; sibling of p6-b200)"),
    "p6e-gb200": (True, _EC2_NVME + " (p6e-gb200.36xlarge, P6e-GB200 UltraServers)"),
    "gr6": (True, _EC2_NVME + " (the G6 family's memory-rich sizes, as g6)"),
    "i3en": (True, _EC2_NVME + " (storage optimized I3en)"),
    # --- EBS only (VolumeKmsKeyId taken) ---
    "c5": (False, "SageMaker docs (model-train-storage-tips): ml.c5 uses EBS volumes"),
    "p2": (False, "SageMaker docs (model-train-storage-tips): ml.p2 uses EBS volumes"),
    **{f: (False, _EBS) for f in (
        "c4", "c5n", "c6a", "c6g", "c6gn", "c6i", "c6in", "c7g", "c7i", "c7i-flex", "c8a", "c8g", "c8i",
        "c8i-flex", "m4", "m5", "m6a", "m6g", "m6i", "m7g", "m7i", "m7i-flex", "m8a", "m8g", "m8i", "m8i-flex",
        "r5", "r6g", "r6i", "r7i", "r8g", "r8i", "r8i-flex", "t2", "t3", "p3", "inf1", "inf2")},
    # No EC2 specification found offline; the SDK v3 rule (which names g7e) keeps the key: fail closed.
    "g7": (False, "not in the SDK v3 list (it names g7e only): the volume key stays required (fail closed)"),
    # Not instance types of a job or endpoint: accelerators and a Studio app type (no VolumeKmsKeyId member).
    "eia1": (False, "Elastic Inference accelerator type (AcceleratorType), no volume"),
    "eia2": (False, "Elastic Inference accelerator type (AcceleratorType), no volume"),
    "geospatial": (False, "Studio app instance type (AppInstanceType), no VolumeKmsKeyId member"),
}

INSTANCE_STORE_FAMILIES: Mapping[str, bool] = MappingProxyType({f: v for f, (v, _) in _DECIDED.items()})
"""Every ``ml.*`` family of botocore's SageMaker model -> ``True`` when it has instance-store volumes."""

INSTANCE_STORE_SOURCES: Mapping[str, str] = MappingProxyType({f: s for f, (_, s) in _DECIDED.items()})
"""Where each decision of :data:`INSTANCE_STORE_FAMILIES` comes from."""

INSTANCE_STORE_FAMILY_PREFIXES = tuple(sorted(f for f, v in INSTANCE_STORE_FAMILIES.items() if v and "d" not in f))
"""The instance-store families whose name has no ``d`` (kept under its old name for importers)."""

INSTANCE_STORE_IAM_PATTERNS = ("ml.*d*.*",) + tuple(f"ml.{f}.*" for f in INSTANCE_STORE_FAMILY_PREFIXES)
"""The same set as IAM ``StringLike`` patterns on ``sagemaker:InstanceTypes`` (an instance
size never holds a dot, so a ``d`` followed by a dot is in the family; no EBS-only family of
the table has a ``d``)."""


@lru_cache(maxsize=512)
def _family_has_storage(instance_type: str) -> bool:
    parts = instance_type.split(".")
    if len(parts) != 3 or parts[0] != "ml" or not parts[1]:
        return False
    family = parts[1]
    decided = INSTANCE_STORE_FAMILIES.get(family)
    return ("d" in family) if decided is None else decided


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
        The family's entry in :data:`INSTANCE_STORE_FAMILIES`; for a family
        the table does not know, whether its name has a ``d``.
    """
    return isinstance(instance_type, str) and _family_has_storage(instance_type)


def every_instance_storage(instance_types: Iterable[Any]) -> bool:
    """``True`` when ``instance_types`` holds at least one type and every one has instance-store volumes.

    The types a job may run on: ``ResourceConfig.InstanceType``, the types of its
    ``InstanceGroups`` (one job runs them all at once), its ``InstancePreferences``
    ("Exactly one instance type is selected for the job"), a tuning job's
    ``InstanceConfigs`` (alternatives, in the order of ``AllocationStrategy``).
    The volume key may be left out only when no type the job may run on has an
    EBS volume: with ``[ml.c5.xlarge, ml.g5.xlarge]`` a job launched on the c5
    gets an EBS volume, which without ``VolumeKmsKeyId`` is encrypted under the
    AWS managed key. A mix therefore keeps the key required (fail closed), and so
    does a list with no type, or with a type that is not a string.

    Parameters
    ----------
    instance_types : Iterable[Any]
        The instance types found (absent ones left out by the caller).

    Returns
    -------
    bool
        ``any`` type given and :func:`has_instance_storage` of every one.
    """
    found = False
    for t in instance_types:
        if not has_instance_storage(t):
            return False
        found = True
    return found
