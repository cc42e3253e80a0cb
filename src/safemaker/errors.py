"""Exceptions raised by safemaker.

One root, :class:`SafemakerError`. Each class fills its message from named
fields and keeps those fields as attributes, in the manner of
``botocore.exceptions``: catch the class, read the attributes, never parse
the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

__all__ = [
    "SafemakerError",
    "ProfileError",
    "ProfileFieldError",
    "GuardrailViolation",
    "Violation",
    "ReferenceCheckError",
    "SdkNotAvailableError",
    "LocalBackendError",
    "LocalBackendWarning",
    "PreflightWarning",
]


def _show(value: Any) -> str:
    """Render a found/required value for a message (absent is spelled out)."""
    if value is MISSING:
        return "absent"
    return repr(value)


class _Missing:
    """Marker for a field that is absent from a request or a response."""

    _instance: "_Missing | None" = None

    def __new__(cls) -> "_Missing":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "absent"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""The one marker for "absent" (the field is not in the request or response)."""


class StatePickling:
    """Mixin: an exception pickles as its message and attributes, whatever its ``__init__`` takes.

    ``BaseException`` pickles as ``cls(*self.args)``, which fails for every
    class whose ``__init__`` takes named fields (multiprocessing, joblib and
    Ray pickle exceptions to send them back to the parent). The copy keeps
    the message (``args``, also when a note was added after construction)
    and every attribute, without calling ``__init__`` again. Every exception
    class of safemaker has it (:class:`SafemakerError` and the few that derive
    from a built-in exception); ``tests/unit/test_errors_pickle.py`` checks all.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore_error, (type(self), self.args, dict(self.__dict__)))


class SafemakerError(StatePickling, Exception):
    """Root of every exception safemaker raises."""

    fmt = "An unspecified safemaker error occurred"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(self.fmt.format(**kwargs))
        # After the base __init__: ImportError's resets ``name``/``path``.
        self.kwargs = kwargs
        for key, value in kwargs.items():
            setattr(self, key, value)


def _restore_error(cls: type, args: tuple[Any, ...], state: dict[str, Any]) -> BaseException:
    """Unpickle a :class:`SafemakerError` (see :meth:`SafemakerError.__reduce__`)."""
    error = cls.__new__(cls, *args)
    BaseException.__init__(error, *args)
    error.__dict__.update(state)
    return error


# --------------------------------------------------------------------------- profile


@dataclass(frozen=True)
class ProfileFieldError:
    """One bad field of a VPC profile.

    Attributes
    ----------
    field : str
        Dotted field path, e.g. ``"subnets.1"``.
    found : Any
        The value found (``MISSING`` when absent).
    expected : str
        What the field must hold, in words.
    """

    field: str
    found: Any
    expected: str

    def __str__(self) -> str:
        return f"{self.field}: found {_show(self.found)}; expected {self.expected}"


class ProfileError(SafemakerError):
    """A VPC profile could not be loaded or is invalid.

    Attributes
    ----------
    source : str
        Where the profile came from (a path, ``ssm:<name>``, ``environment``...).
    errors : list[ProfileFieldError]
        Every bad field, all at once.
    """

    fmt = "Profile {source} is invalid ({count} problem(s)):\n{details}"

    def __init__(self, source: str, errors: Sequence[ProfileFieldError]) -> None:
        errors = list(errors)
        details = "\n".join(f"  - {e}" for e in errors)
        super().__init__(source=source, errors=errors, count=len(errors), details=details)


# --------------------------------------------------------------------------- guard


@dataclass(frozen=True)
class Violation:
    """One field of one request (or resource) that breaks a guardrail.

    Attributes
    ----------
    operation : str
        The SageMaker API operation, as botocore spells it (``CreateTrainingJob``).
    path : str
        Concrete field path in the request, e.g. ``TrainingJobDefinitions[1].VpcConfig.Subnets``.
    found : Any
        The value found; ``MISSING`` when absent (absent means the AWS default).
    required : Any
        What the profile requires, as a value or in words.
    fix : str
        How to fix it, one sentence.
    rule_id : str
        Stable ID of the guardrail (``SM-NET-ISOLATION`` ...), shared with audit and IAM.
    required_text : str or None
        ``required`` in words for the message, when a bare value would not say it
        (``"a subset of the profile's subnets ['subnet-...']"``).
    """

    operation: str
    path: str
    found: Any
    required: Any
    fix: str
    rule_id: str
    required_text: str | None = None

    def message(self) -> str:
        """``"<path> is <found>; the profile requires <required>. <fix>."``"""
        req = self.required_text if self.required_text is not None else _show(self.required)
        fix = self.fix.rstrip(".")
        return f"{self.path} is {_show(self.found)}; the profile requires {req}. {fix}."

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (absent rendered as ``None`` with ``found_absent: true``)."""
        return {
            "operation": self.operation,
            "rule_id": self.rule_id,
            "path": self.path,
            "found": None if self.found is MISSING else self.found,
            "found_absent": self.found is MISSING,
            "required": self.required,
            "fix": self.fix,
        }


class GuardrailViolation(SafemakerError):
    """A call was refused before it left the process.

    Attributes
    ----------
    operation : str
        The refused operation.
    violations : list[Violation]
        Every violation in the request (never just the first).
    """

    fmt = "{operation} refused: {details}"

    def __init__(self, operation: str, violations: Sequence[Violation]) -> None:
        violations = list(violations)
        if len(violations) == 1:
            details = violations[0].message()
        else:
            details = f"{len(violations)} violations:\n" + "\n".join(
                f"  - {v.message()}" for v in violations
            )
        super().__init__(operation=operation, violations=violations, details=details)

    def _repr_markdown_(self) -> str:
        """The refusal as a table: field, value found, value required, fix (notebooks)."""
        rows = "\n".join(
            f"| `{v.path}` | {'*absent*' if v.found is MISSING else f'`{v.found!r}`'} | "
            f"{v.required_text if v.required_text is not None else f'`{v.required!r}`'} | {v.fix} |"
            for v in self.violations)
        return (f"**{self.operation} refused by safemaker** (nothing was sent)\n\n"
                "| field | found | required | fix |\n|---|---|---|---|\n" + rows)


class ReferenceCheckError(SafemakerError):
    """A resource that a request references could not be checked.

    Raised (as the cause of a refusal) when, for example, DescribeModel fails
    for the model an endpoint config names: an unverifiable reference is never
    taken as compliant.
    """

    fmt = "{operation}: cannot check {kind} {name!r} that the request references: {reason}"

    def __init__(self, operation: str, kind: str, name: str, reason: str) -> None:
        super().__init__(operation=operation, kind=kind, name=name, reason=reason)


class SdkNotAvailableError(SafemakerError, ImportError):
    """A SageMaker SDK class was asked for under the wrong SDK major (or none)."""

    fmt = "{name} needs {needs}; {found}. {fix}"

    def __init__(self, name: str, needs: str, found: str, fix: str) -> None:
        super().__init__(name=name, needs=needs, found=found, fix=fix)


class LocalBackendError(SafemakerError):
    """The embedded local backend (moto server on 127.0.0.1) could not start or answer."""

    fmt = "Local backend: {reason}"

    def __init__(self, reason: str) -> None:
        super().__init__(reason=reason)


class LocalBackendWarning(UserWarning):
    """A session talks to a SageMaker endpoint on a loopback address: an emulator (moto), not AWS.

    Emitted once per :class:`safemaker.sdk.ClosedNetworkSession`; results
    (training, predictions) are canned, not real.
    """


class PreflightWarning(UserWarning):
    """A preflight check found something a job, model or notebook will try to reach and the
    closed network may not allow, and the check only warns (see :mod:`safemaker.preflight`).

    Emitted by the process and session guards (and the SDK adapters) together with a
    WARNING line on the ``safemaker.preflight`` logger; the request is sent.
    """
