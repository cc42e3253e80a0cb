"""How a profile problem is reported: found-values shown as words or hidden, several problems in one error.

Every loader raises :class:`~safemaker.errors.ProfileError` holding
:class:`~safemaker.errors.ProfileFieldError` items (field, value found,
what is expected). The helpers here build those items and carry several of
them through a pydantic validator (:func:`problems_error`).
"""

from __future__ import annotations

from typing import Any

from pydantic_core import PydanticCustomError

from safemaker.errors import ProfileError, ProfileFieldError

PROBLEMS = "safemaker_problems"


def problems_error(*problems: tuple[str, Any, str]) -> PydanticCustomError:
    """A pydantic error carrying several ``(path suffix or field, found, expected)`` triples."""
    summary = "; ".join(f"{p[0]}: {p[2]}" for p in problems)
    return PydanticCustomError(PROBLEMS, "{summary}", {"summary": summary, "problems": problems})


class _Hidden:
    """Stands for a value that must not be shown (e.g. the value of an unknown field)."""

    def __repr__(self) -> str:
        return "<value not shown>"


HIDDEN = _Hidden()


class Text(str):
    """A found-value that is a description, shown without quotes."""

    def __repr__(self) -> str:
        return str(self)


def source_error(source: str, where: str, found: Any, expected: str) -> ProfileError:
    """A ProfileError of one problem: ``where`` (a field, ``(source)``, ``line L, column C``), found, expected."""
    return ProfileError(source, [ProfileFieldError(where, found, expected)])
