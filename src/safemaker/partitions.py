"""AWS partitions, their regions and DNS suffixes, from botocore's own data (``partitions.json``).

One place for every question "which partition is this region in", "which
partitions are there" and "is this an AWS host name": the answer comes from
the partition data botocore ships (``botocore/data/partitions.json``, the
data of botocore's endpoint rule sets, the ``aws.partition`` function), so a
partition AWS adds (``aws-iso``, ``aws-iso-b``, ``aws-iso-e``, ``aws-iso-f``,
``aws-eusc`` ...) is known as soon as botocore knows it. Nothing here is a
hand-kept list.

The file is small (a few kB) and read once per process, on first use: the
file botocore's loader (``botocore.loaders.create_loader().load_data``) would
pick. When that is botocore's own (no ``partitions.json`` in the customer data
path ``~/.aws/models``, botocore's file is uncompressed JSON), it is read as
the loader reads it (UTF-8 JSON) without importing ``botocore.loaders``, which
imports ``botocore.utils`` and urllib3 (a third of what a guarded child
Python imports at start); otherwise the loader reads it.
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from typing import Any

__all__ = ["partition_ids", "partition_of_region", "dns_suffix", "dns_suffixes", "dns_suffix_pattern", "is_aws_host",
           "partition_pattern", "DEFAULT_PARTITION"]

DEFAULT_PARTITION = "aws"
"""The partition of a region that matches no partition's region list or pattern (as botocore's
endpoint rules do for an unknown region)."""


@lru_cache(maxsize=1)
def _partitions() -> tuple[dict[str, Any], ...]:
    return tuple(_partition_data()["partitions"])


def _partition_data() -> dict[str, Any]:
    """``create_loader().load_data("partitions")``, read directly when the loader would read botocore's own file."""
    import botocore

    customer = os.path.join(os.path.expanduser("~"), ".aws", "models", "partitions")  # Loader.CUSTOMER_DATA_PATH
    builtin = os.path.join(os.path.dirname(os.path.abspath(botocore.__file__)), "data", "partitions.json")
    if (not any(os.path.isfile(customer + ext) for ext in (".json", ".json.gz"))
            and os.path.isfile(builtin) and not os.path.isfile(builtin + ".gz")):
        with open(builtin, "rb") as fp:
            return json.loads(fp.read().decode("utf-8"))
    from botocore.loaders import create_loader

    return create_loader().load_data("partitions")


def partition_ids() -> tuple[str, ...]:
    """Every partition botocore knows, in its data's order (``("aws", "aws-cn", ...)``)."""
    return tuple(p["id"] for p in _partitions())


@lru_cache(maxsize=256)
def partition_of_region(region: str) -> str:
    """The partition of ``region``, as botocore's partition data says.

    A region listed by a partition belongs to it; otherwise the first
    partition whose ``regionRegex`` matches; otherwise :data:`DEFAULT_PARTITION`
    (the rule botocore's endpoint rule sets follow).

    Parameters
    ----------
    region : str
        An AWS region name, e.g. ``"us-isob-east-1"``.

    Returns
    -------
    str
        A partition ID, e.g. ``"aws-iso-b"``.
    """
    for partition in _partitions():
        if region in partition.get("regions", {}):
            return partition["id"]
    for partition in _partitions():
        if re.match(partition["regionRegex"], region):
            return partition["id"]
    return DEFAULT_PARTITION


@lru_cache(maxsize=64)
def dns_suffix(partition: str) -> str:
    """The DNS suffix of AWS service hosts in ``partition`` (its ``outputs.dnsSuffix`` in botocore's data).

    Parameters
    ----------
    partition : str
        A partition ID (``"aws-cn"``), e.g. from :func:`partition_of_region`.

    Returns
    -------
    str
        ``"amazonaws.com"``, ``"amazonaws.com.cn"``, ``"c2s.ic.gov"``...

    Raises
    ------
    KeyError
        ``partition`` is not one of :func:`partition_ids`.
    """
    for p in _partitions():
        if p["id"] == partition:
            return str(p["outputs"]["dnsSuffix"])
    raise KeyError(f"partition {partition!r} is not in botocore's partition data ({', '.join(partition_ids())})")


@lru_cache(maxsize=1)
def dns_suffixes() -> tuple[str, ...]:
    """The DNS suffixes of AWS service hosts in every partition (``dnsSuffix`` and ``dualStackDnsSuffix``).

    Returns
    -------
    tuple of str
        Without a leading dot, longest first, no duplicates (``"amazonaws.com.cn"``,
        ``"c2s.ic.gov"``, ``"api.aws"`` ...).
    """
    found: set[str] = set()
    for partition in _partitions():
        outputs = partition.get("outputs", {})
        for key in ("dnsSuffix", "dualStackDnsSuffix"):
            if outputs.get(key):
                found.add(outputs[key].lower())
    return tuple(sorted(found, key=lambda s: (-len(s), s)))


@lru_cache(maxsize=1)
def partition_pattern() -> str:
    """A regular expression (no anchors, no groups) matching exactly one partition ID.

    Longest IDs first, so ``aws-iso-b`` is not read as ``aws-iso``.
    """
    ids = sorted(partition_ids(), key=lambda s: (-len(s), s))
    return "(?:" + "|".join(re.escape(i) for i in ids) + ")"


@lru_cache(maxsize=1)
def dns_suffix_pattern() -> str:
    """A regular expression (no anchors, no groups) matching exactly one of :func:`dns_suffixes`.

    Longest suffixes first, so ``amazonaws.com.cn`` is not read as ``amazonaws.com``.
    """
    return "(?:" + "|".join(re.escape(s) for s in dns_suffixes()) + ")"


@lru_cache(maxsize=1)
def _aws_host_re() -> "re.Pattern[str]":
    return re.compile(r"(?:^|\.)" + dns_suffix_pattern() + r"\.?$", re.IGNORECASE)


def is_aws_host(host: str) -> bool:
    """Whether ``host`` is an AWS service host name in any partition.

    True when ``host`` is one of :func:`dns_suffixes` or ends in ``.<suffix>``
    (``sts.us-east-1.amazonaws.com``, ``s3.cn-north-1.amazonaws.com.cn``,
    ``sagemaker.us-isob-east-1.sc2s.sgov.gov``, ``sts.us-east-1.api.aws``);
    case-insensitive, a trailing dot allowed. ``"evilamazonaws.com"`` is not.

    Parameters
    ----------
    host : str
        A host name (no scheme, no port).

    Returns
    -------
    bool
    """
    return bool(_aws_host_re().search(host))
