"""Keep presigned URL tokens out of logs and output.

botocore logs response bodies at DEBUG (``botocore.parsers``), so a process
that turns DEBUG on and calls ``CreatePresignedNotebookInstanceUrl`` (or
``CreatePresignedDomainUrl``) would log the token. :func:`install_log_redaction`
puts a filter on botocore's and urllib3's loggers that masks it; the guard
installs it with itself, and the notebook helpers use it too.
"""

from __future__ import annotations

import logging
import re
import threading

__all__ = ["REDACTED", "redact_url", "RedactingFilter", "install_log_redaction"]

_SECRET_PARAMS = ("authToken", "X-Amz-Signature", "X-Amz-Security-Token", "X-Amz-Credential")
_SECRET_RE = re.compile(r"(?i)([?&#;](?:" + "|".join(re.escape(p) for p in _SECRET_PARAMS) + r")=)"
                        r"[^&#\s\"'\\<>]*")
REDACTED = "***"


def redact_url(url: str) -> str:
    """Mask the token of a presigned URL (or of every URL in a text) for display.

    The values of ``authToken`` (notebook/Studio presigned URLs) and of
    ``X-Amz-Signature``, ``X-Amz-Security-Token``, ``X-Amz-Credential`` (SigV4
    presigned URLs) are replaced by ``***``; everything else is kept.

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
    return _SECRET_RE.sub(r"\1" + REDACTED, url)


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
