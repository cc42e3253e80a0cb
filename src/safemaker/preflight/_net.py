"""Where a URL, a host or a model ID points: the internet, AWS, or files shipped with the job."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = ["url_host", "is_aws_host", "is_codecommit_host", "is_codeartifact_host", "is_local_path",
           "is_hub_model_id"]

_AWS_HOST = re.compile(r"(^|\.)(amazonaws\.com|amazonaws\.com\.cn|api\.aws)$", re.IGNORECASE)
_CODECOMMIT = re.compile(r"^git-codecommit(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$", re.IGNORECASE)
_CODEARTIFACT = re.compile(r"\.d\.codeartifact\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$", re.IGNORECASE)
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


def is_aws_host(host: str) -> bool:
    """Whether ``host`` is an AWS service host (``*.amazonaws.com``, ``*.amazonaws.com.cn``, ``*.api.aws``),
    reachable from a closed VPC through that service's VPC endpoint."""
    return bool(_AWS_HOST.search(host))


def is_codecommit_host(host: str) -> bool:
    """``git-codecommit.<region>.amazonaws.com`` (and ``-fips``, ``.cn``): the VPC endpoint
    ``com.amazonaws.<region>.git-codecommit`` serves it."""
    return bool(_CODECOMMIT.match(host))


def is_codeartifact_host(host: str) -> bool:
    """A CodeArtifact repository endpoint ``<domain>-<account>.d.codeartifact.<region>.amazonaws.com``
    (VPC endpoint ``com.amazonaws.<region>.codeartifact.repositories``)."""
    return bool(_CODEARTIFACT.search(host))


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
