"""``since``: the creation time from which the audit reads resources, as an aware UTC datetime."""

from __future__ import annotations

import datetime as _dt

from ..errors import AuditInputError

__all__ = ["parse_since"]

def parse_since(value: "str | _dt.date | _dt.datetime | None") -> _dt.datetime | None:
    """Normalize ``since`` to an aware UTC datetime.

    Parameters
    ----------
    value : str, datetime.date, datetime.datetime or None
        ISO 8601 date (``"2025-01-31"``, midnight UTC) or date-time
        (``"2025-01-31T12:00:00+09:00"``; naive means UTC).

    Returns
    -------
    datetime.datetime or None
        ``None`` when ``value`` is ``None``.

    Raises
    ------
    AuditInputError
        When ``value`` is not a date, a date-time or an ISO 8601 string, or lies in the future.
    """
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        out = value
    elif isinstance(value, _dt.date):
        out = _dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            out = _dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise AuditInputError("since", value, "an ISO 8601 date or date-time, e.g. 2025-01-31 "
                                  "or 2025-01-31T12:00:00Z") from None
    else:
        raise AuditInputError("since", value, "an ISO 8601 date or date-time, e.g. 2025-01-31")
    if out.tzinfo is None:
        out = out.replace(tzinfo=_dt.timezone.utc)
    if out > _dt.datetime.now(_dt.timezone.utc):
        raise AuditInputError("since", value, "a date in the past (nothing can have been created after it)")
    return out
