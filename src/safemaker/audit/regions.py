"""The regions an audit reads: checked against botocore's endpoint data for SageMaker, no network call."""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Sequence

import botocore
import botocore.session

from ..errors import AuditInputError

if TYPE_CHECKING:  # pragma: no cover
    from ..profile import VpcProfile

__all__ = ["sagemaker_regions"]

_REGION_RE = re.compile(r"^[a-z]{2,4}(-[a-z]+)+-\d+$")


@functools.lru_cache(maxsize=1)
def sagemaker_regions() -> frozenset[str]:
    """Every region botocore's endpoint data knows for SageMaker, over all partitions. No network call.

    Returns
    -------
    frozenset of str
        Region names of ``aws``, ``aws-cn``, ``aws-us-gov``, the ISO partitions...
        (``botocore.session.Session().get_available_regions("sagemaker",
        partition_name=p)`` for each ``p`` of ``get_available_partitions()``).
        A region newer than the installed botocore is not in it: upgrade botocore.
    """
    session = botocore.session.Session()
    return frozenset(r for p in session.get_available_partitions()
                     for r in session.get_available_regions("sagemaker", partition_name=p))


def _resolve_regions(regions: Sequence[str] | str | None, profile: "VpcProfile") -> tuple[str, ...]:
    if regions is None:
        return (profile.region,)
    if isinstance(regions, str):
        regions = [regions]
    out: list[str] = []
    for i, region in enumerate(regions):
        if not isinstance(region, str) or not _REGION_RE.match(region):
            raise AuditInputError(f"regions[{i}]", region, "an AWS region name such as us-east-1")
        known = sagemaker_regions()
        if region not in known:
            raise AuditInputError(
                f"regions[{i}]", region,
                f"a region where SageMaker exists ({len(known)} known to botocore {botocore.__version__}, e.g. "
                "us-east-1, eu-west-1, ap-northeast-1); check the spelling, or upgrade botocore (pip install -U "
                "boto3 botocore) if the region is new")
        if region not in out:
            out.append(region)
    if not out:
        raise AuditInputError("regions", list(regions), "at least one AWS region")
    return tuple(out)
