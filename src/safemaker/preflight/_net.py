"""Where a URL, a host or a model ID points: the internet, AWS, or files shipped with the job."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from safemaker.partitions import dns_suffix_pattern, is_aws_host

__all__ = ["url_host", "is_aws_host", "is_codecommit_host", "is_codeartifact_host", "is_local_path",
           "is_hub_model_id"]


@lru_cache(maxsize=1)
def _service_hosts() -> "tuple[re.Pattern[str], re.Pattern[str]]":
    # AWS host names end in a partition's DNS suffix (safemaker.partitions: botocore's partitions.json),
    # every partition's, the closed ones (aws-iso, aws-iso-b, aws-eusc ...) included. Compiled on
    # first use: importing preflight reads no data file.
    suffix = dns_suffix_pattern()
    return (re.compile(rf"^git-codecommit(-fips)?\.[a-z0-9-]+\.{suffix}$", re.IGNORECASE),
            re.compile(rf"\.d\.codeartifact\.[a-z0-9-]+\.{suffix}$", re.IGNORECASE))


_SCP_LIKE = re.compile(r"^(?:[\w.-]+@)?(?P<host>[\w.-]+\.[A-Za-z]{2,}):(?!//)")
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?$")


def url_host(url: str) -> str | None:
    """The host of a URL (``https://h/x``, ``git+https://h/x``, ``git@h:org/repo``), or ``None``.

    ``None`` for anything that is not a network URL: a local path, ``file://`` and
    ``s3://`` URIs (S3 is reached through the profile's S3 endpoint, never a host name).
    """
    text = url.strip()
    if text.startswith("git+"):
        text = text[4:]
    if "://" in text:
        parts = urlsplit(text)
        if parts.scheme.lower() in ("file", "s3"):
            return None
        return (parts.hostname or "").lower() or None
    m = _SCP_LIKE.match(text)
    if m:
        return m.group("host").lower()
    return None


def is_codecommit_host(host: str) -> bool:
    """``git-codecommit.<region>.<partition DNS suffix>`` (and ``-fips``): the VPC endpoint
    ``com.amazonaws.<region>.git-codecommit`` serves it."""
    return bool(_service_hosts()[0].match(host))


def is_codeartifact_host(host: str) -> bool:
    """A CodeArtifact repository endpoint ``<domain>-<account>.d.codeartifact.<region>.<partition DNS suffix>``
    (VPC endpoint ``com.amazonaws.<region>.codeartifact.repositories``)."""
    return bool(_service_hosts()[1].search(host))


def is_local_path(value: str) -> bool:
    """A path inside the container or shipped with the code (``/opt/ml/model``, ``./wheelhouse``, ``file://``)."""
    v = value.strip()
    return v.startswith(("/", "./", "../", "file://")) or v in (".", "..")


def is_hub_model_id(value: str) -> bool:
    """Whether a model-ID variable holds a Hugging Face Hub ID (``org/name`` or ``name``).

    Not a Hub ID: an ``s3://`` URI, a path (``/opt/ml/model``), any other URL, an empty value.
    """
    v = value.strip()
    if not v or v.startswith("s3://") or is_local_path(v) or "://" in v:
        return False
    return bool(_HUB_ID.match(v))
