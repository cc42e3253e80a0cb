"""Keep presigned URL tokens and URL credentials out of logs and output.

botocore logs response bodies at DEBUG (``botocore.parsers``), so a process
that turns DEBUG on and calls ``CreatePresignedNotebookInstanceUrl`` (or
``CreatePresignedDomainUrl``) would log the token. :func:`install_log_redaction`
puts a filter on botocore's and urllib3's loggers that masks it; the guard
installs it with itself, and the notebook helpers use it too.

A URL's userinfo is a credential too (``https://alice:TOKEN@github.com/...``, a
git remote with a token; RFC 3986 section 3.2.1: "Applications should not
render as clear text any data after the first colon"): :func:`redact_url`
masks it, and every :class:`safemaker.errors.Violation` masks what it carries
(:func:`redact_value`), so a refusal's message, ``safemaker check`` and the
decision log never print it.
"""

from __future__ import annotations

import logging
import re
import threading

__all__ = ["REDACTED", "redact_url", "redact_value", "RedactingFilter", "install_log_redaction"]

_SECRET_PARAMS = ("authToken", "X-Amz-Signature", "X-Amz-Security-Token", "X-Amz-Credential")
_SECRET_RE = re.compile(r"(?i)([?&#;](?:" + "|".join(re.escape(p) for p in _SECRET_PARAMS) + r")=)"
                        r"[^&#\s\"'\\<>]*")
REDACTED = "***"
# scheme://userinfo@ : the password after the first colon is masked (the user name stays); a userinfo without
# a colon is masked whole, since a token is often given as the user name (https://<token>@github.com/...).
_USERINFO_RE = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)([^/?#@\s\"'\\<>]*)@")


def _mask_userinfo(match: "re.Match[str]") -> str:
    user, colon, _secret = match.group(2).partition(":")
    return f"{match.group(1)}{user}:{REDACTED}@" if colon else f"{match.group(1)}{REDACTED}@"


def redact_url(url: str) -> str:
    """Mask the token of a presigned URL and a URL's credentials (or those of every URL in a text) for display.

    The values of ``authToken`` (notebook/Studio presigned URLs) and of
    ``X-Amz-Signature``, ``X-Amz-Security-Token``, ``X-Amz-Credential`` (SigV4
    presigned URLs) are replaced by ``***``, and so is a URL's password
    (``https://alice:***@github.com/...``) or, without a password, its whole
    userinfo (``https://***@github.com/...``); everything else is kept.

    Parameters
    ----------
    url : str
        A URL or any text containing URLs.

    Returns
    -------
    str
        ``https://nb.notebook.us-east-1.sagemaker.aws?authToken=***`` for
        ``https://nb.notebook.us-east-1.sagemaker.aws?authToken=eyJ...``.

    Raises
    ------
    TypeError
        ``url`` is not a str.
    """
    if not isinstance(url, str):
        raise TypeError(f"redact_url() takes a str, not {type(url).__name__}")
    if "@" in url:
        url = _USERINFO_RE.sub(_mask_userinfo, url)
    return _SECRET_RE.sub(r"\1" + REDACTED, url)


def redact_value(value: object) -> object:
    """``value`` with :func:`redact_url` applied to every string in it (lists, tuples and dicts walked).

    Returns ``value`` itself when nothing in it is masked; another type is returned unchanged.
    """
    if isinstance(value, str):
        return redact_url(value)
    if isinstance(value, (list, tuple)):
        items = [redact_value(item) for item in value]
        if all(new is old for new, old in zip(items, value)):
            return value
        return type(value)(items) if type(value) in (list, tuple) else items
    if isinstance(value, dict):
        pairs = {key: redact_value(item) for key, item in value.items()}
        return value if all(pairs[key] is item for key, item in value.items()) else pairs
    return value


class RedactingFilter(logging.Filter):
    """Rewrites log records that carry a presigned URL token."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is not ours to fix
            return True
        redacted = redact_url(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


# Logger filters are not inherited: each logger that may carry a body or URL gets one.
SENSITIVE_LOGGERS = ("botocore", "botocore.parsers", "botocore.endpoint", "botocore.hooks",
                     "botocore.client", "botocore.retryhandler", "botocore.httpsession",
                     "botocore.awsrequest", "urllib3", "urllib3.connectionpool", "safemaker")
_filter = RedactingFilter()
_lock = threading.Lock()


def install_log_redaction() -> None:
    """Put the redacting filter on botocore's, urllib3's and safemaker's loggers (idempotent).

    Covers the loggers named in :data:`SENSITIVE_LOGGERS` and every ``botocore.*``
    / ``urllib3.*`` logger that exists now. The filter only runs when a record is
    emitted, so it costs nothing unless DEBUG logging is on.
    """
    with _lock:
        names = set(SENSITIVE_LOGGERS) | {
            n for n in logging.Logger.manager.loggerDict if n.startswith(("botocore.", "urllib3."))}
        for n in names:
            logger = logging.getLogger(n)
            if _filter not in logger.filters:
                logger.addFilter(_filter)
