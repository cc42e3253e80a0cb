"""Errors of the SDK adapters that are not guardrail violations."""

from __future__ import annotations

from typing import Any

from safemaker.errors import SafemakerError

__all__ = ["ClosedSessionError"]


class ClosedSessionError(SafemakerError, ValueError):
    """An SDK adapter was given something it cannot make closed.

    Raised for a ``sagemaker_session`` that is not a
    :class:`~safemaker.sdk.v2.ClosedNetworkSession`, a boto3 session or
    client in another region than the profile's, two different profiles for
    one object, or a class that :func:`~safemaker.sdk.v2.closed` does not
    know. Nothing has been created when it is raised.

    Attributes
    ----------
    argument : str
        The argument at fault (``"sagemaker_session"``, ``"boto_session"``...).
    found : Any
        What was passed (a type name or a value; never a credential).
    required : str
        What is needed instead, in words.
    fix : str
        How to fix it, one sentence.
    """

    fmt = "{argument} is {found_text}; {required}. {fix}"

    def __init__(self, argument: str, found: Any, required: str, fix: str) -> None:
        super().__init__(argument=argument, found=found, found_text=repr(found) if isinstance(found, str)
                         else str(found), required=required, fix=fix.rstrip(".") + ".")
