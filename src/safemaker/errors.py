"""Exceptions raised by safemaker.

One root, :class:`SafemakerError`. Each class fills its message from named
fields and keeps those fields as attributes, in the manner of
``botocore.exceptions``: catch the class, read the attributes, never parse
the message.

Bad input has one shape, :class:`InputError` (a ``ValueError``): the field,
the value found, what is expected and how to fix it; the CLI exits 2 for it.
The bad-input errors of each module (:class:`NotebookInputError`,
:class:`AuditInputError`, :class:`ClosedSessionError`...) are subclasses that
keep their names and messages. Every class is defined here; the modules that
raise them re-export them under their old names (``safemaker.notebook.NotebookInputError``
is this module's class). Every exception pickles (:class:`StatePickling`).

:func:`aws_error` is the one reading of a botocore ``ClientError``: its code
and message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

__all__ = [
    "MISSING",
    "SafemakerError",
    "InputError",
    "aws_error",
    # profile
    "ProfileError",
    "ProfileFieldError",
    "ProfileRelaxationWarning",
    # guard
    "GuardrailViolation",
    "Violation",
    "ReferenceCheckError",
    "UnguardableClientError",
    "ProcessGuardLockedError",
    "PipelineDefinitionError",
    "DuplicateKeyError",
    # SDK adapters
    "SdkNotAvailableError",
    "ClosedSessionError",
    "ConfigExportError",
    # local backend, preflight
    "LocalBackendError",
    "LocalBackendWarning",
    "PreflightWarning",
    # IAM and SCP
    "PolicySizeError",
    "UnexpressibleRuleError",
    "PolicyEvaluationError",
    "ScpCountError",
    # network
    "StackConfigError",
    "InfraError",
    "FeatureError",
    # notebooks
    "NotebookInputError",
    "NotebookInstanceError",
    "WheelhouseBuildError",
    # audit, IaC, rehearsal, demo
    "AuditInputError",
    "IacInputError",
    "IacDependencyError",
    "RehearsalError",
    "SandboxUnavailable",
    "RehearsalInputError",
    "RehearsalFailed",
    "DemoError",
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
        # The message may quote a value the caller gave (a bad input, a request's field): a credential in it is
        # masked (safemaker._redact; errors only, never on a request that passes). The attributes keep the values.
        from ._redact import redact_text

        super().__init__(redact_text(self.render(**kwargs)))
        # After the base __init__: ImportError's resets ``name``/``path``.
        self.kwargs = kwargs
        for key, value in kwargs.items():
            setattr(self, key, value)


    @classmethod
    def render(cls, **kwargs: Any) -> str:
        """The message for the named fields ``kwargs`` (``fmt`` filled in)."""
        return cls.fmt.format(**kwargs)


def _restore_error(cls: type, args: tuple[Any, ...], state: dict[str, Any]) -> BaseException:
    """Unpickle a :class:`SafemakerError` (see :meth:`SafemakerError.__reduce__`)."""
    error = cls.__new__(cls, *args)
    BaseException.__init__(error, *args)
    error.__dict__.update(state)
    return error


class InputError(SafemakerError, ValueError):
    """Bad input: a field holds a value it must not; nothing was sent, created or written.

    The one shape of every bad-input error of safemaker; the bad-input errors
    of each module are subclasses (they keep their names and messages). Also a
    :class:`ValueError`; the CLI exits 2 for it.

    Parameters and attributes
    -------------------------
    field : str
        The parameter or field at fault, as the caller spells it
        (``"timeout_seconds"``, ``"regions[1]"``, ``"networking['Subnets']"``).
    found : Any
        The value found (:data:`MISSING` when absent; ``None`` when the error is
        about a whole document rather than one value).
    expected : str
        What the field must hold, in words.
    fix : str
        How to fix it, one sentence (``""`` when ``expected`` says it all: the
        message then ends after ``expected``).

    Examples
    --------
    >>> str(InputError("timeout_seconds", 0, "a number of seconds > 0", "Pass e.g. 600."))
    'timeout_seconds is 0; expected a number of seconds > 0. Pass e.g. 600.'
    """

    fmt = "{field} is {found!r}; expected {expected}. {fix}"

    def __init__(self, field: str, found: Any, expected: str, fix: str = "", **fields: Any) -> None:
        super().__init__(field=field, found=found, expected=expected, fix=fix, **fields)

    @classmethod
    def render(cls, **kwargs: Any) -> str:
        """``fmt`` filled in; without a fix, the message ends after ``expected`` (no ``". "`` left over)."""
        fmt = cls.fmt
        if not kwargs.get("fix"):
            for tail in (". {fix}", " {fix}"):
                if fmt.endswith(tail):
                    fmt = fmt[: -len(tail)]
                    break
        return fmt.format(**kwargs)


def aws_error(exc: BaseException) -> tuple[str, str]:
    """The error code and message of a failed AWS call: ``("AccessDenied", "User: ... is not authorized")``.

    Parameters
    ----------
    exc : BaseException
        A ``botocore.exceptions.ClientError`` (its ``response["Error"]``), a
        ``botocore.exceptions.WaiterError`` (the ``Error`` of its last response,
        when it has one), or any other exception.

    Returns
    -------
    tuple of (str, str)
        ``Error.Code`` (``"Unknown"`` when the response has none, as botocore's
        own message says) and ``Error.Message`` (``""`` when absent). For any
        other exception: its class name and ``str(exc)``.
    """
    response = getattr(exc, "response", None)
    if isinstance(response, dict):  # ClientError
        error = response.get("Error")
    else:  # WaiterError: an error only when the last response was one
        last = getattr(exc, "last_response", None)
        error = last.get("Error") if isinstance(last, dict) else None
        if not isinstance(error, dict):
            return type(exc).__name__, str(exc)
    error = error if isinstance(error, dict) else {}
    return str(error.get("Code") or "Unknown"), str(error.get("Message") or "")


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


def _first_field(errors: Sequence[ProfileFieldError], where: str) -> dict[str, Any]:
    """``field``/``found``/``expected`` of an :class:`InputError` made of several bad fields: the first's."""
    if errors:
        return {"field": errors[0].field, "found": errors[0].found, "expected": errors[0].expected}
    return {"field": where, "found": MISSING, "expected": "a valid value"}


class ProfileError(InputError):
    """A VPC profile could not be loaded or is invalid (bad input; also a ``ValueError``).

    Attributes
    ----------
    source : str
        Where the profile came from (a path, ``ssm:<name>``, ``environment``...).
    errors : list[ProfileFieldError]
        Every bad field, all at once.
    field, found, expected : str, Any, str
        Those of the first bad field (:class:`InputError`'s attributes); ``fix`` is ``""``.
    """

    fmt = "Profile {source} is invalid ({count} problem(s)):\n{details}"

    def __init__(self, source: str, errors: Sequence[ProfileFieldError]) -> None:
        errors = list(errors)
        details = "\n".join(f"  - {e}" for e in errors)
        super().__init__(**_first_field(errors, source), source=source, errors=errors, count=len(errors),
                         details=details)


class ProfileRelaxationWarning(UserWarning):
    """A ``SAFEMAKER_<FIELD>`` variable loosened the guard over the profile's source.

    Issued (``warnings.warn``) once per relaxation when a profile is built, so
    that scripts and notebooks show it without any logging set up; the same
    line is logged on ``safemaker.profile`` at WARNING. The CLI prints it as a
    ``warning:`` line on stderr from every command that loads a profile. See
    :attr:`safemaker.profile.VpcProfile.environment_relaxations`. Silence it deliberately with
    ``warnings.filterwarnings("ignore", category=ProfileRelaxationWarning)``.
    """


# --------------------------------------------------------------------------- guard


def _read_only_refused(self: Any, *args: Any, **kwargs: Any) -> Any:
    raise TypeError(
        f"this {type(self).__mro__[1].__name__} is the read-only 'required' value of a guard refusal (the guard "
        "gives the same refusal to every request that lacks the field): take a copy to change it "
        "(copy.deepcopy(violation.required), or its .copy())")


class _ReadOnlyDict(dict):  # type: ignore[type-arg]
    """A ``dict`` that refuses every change: the ``required`` value of a refusal the guard makes once and gives
    to every request lacking the field (an absent ``VpcConfig``), so that no caller can change what another
    caller, or a later decision, reads. It compares, prints, iterates and serialises (``json``) as the plain
    ``dict`` it equals; ``.copy()``, ``dict(value)``, :func:`copy.copy`, :func:`copy.deepcopy` and
    :func:`dataclasses.asdict` give plain, changeable copies (calling the class, as ``asdict`` does, makes a
    plain ``dict``: only :func:`_read_only` makes read-only ones); it pickles as itself. Its own methods refuse
    every change, ``__init__`` included; a ``dict`` method called on it through the base class
    (``dict.update(value, ...)``) is Python's way around any such guard, as ``object.__setattr__`` is around
    a frozen dataclass, and is not blocked."""

    __slots__ = ()
    __init__ = __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = \
        _read_only_refused

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:  # noqa: D102 - see the class docstring
        return dict(*args, **kwargs)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_read_only, (dict(self),))

    def __copy__(self) -> dict[Any, Any]:
        return dict(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[Any, Any]:
        import copy

        return copy.deepcopy(dict(self), memo)


class _ReadOnlyList(list):  # type: ignore[type-arg]
    """A ``list`` that refuses every change (see :class:`_ReadOnlyDict`)."""

    __slots__ = ()
    __init__ = __setitem__ = __delitem__ = __iadd__ = __imul__ = append = extend = insert = pop = remove = \
        clear = sort = reverse = _read_only_refused

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:  # noqa: D102 - see _ReadOnlyDict
        return list(*args, **kwargs)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_read_only, (list(self),))

    def __copy__(self) -> list[Any]:
        return list(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> list[Any]:
        import copy

        return copy.deepcopy(list(self), memo)


def _read_only(value: Any) -> Any:
    """``value`` with every ``list`` and ``dict`` in it (``dict`` values, ``list`` items) made read-only
    (:class:`_ReadOnlyList`, :class:`_ReadOnlyDict`); any other value is returned as it is."""
    if value.__class__ is list or value.__class__ is _ReadOnlyList:
        made = list.__new__(_ReadOnlyList)
        list.__init__(made, [_read_only(item) for item in value])
        return made
    if value.__class__ is dict or value.__class__ is _ReadOnlyDict:
        made = dict.__new__(_ReadOnlyDict)
        dict.__init__(made, {key: _read_only(item) for key, item in value.items()})
        return made
    return value


def _plain(value: Any) -> Any:
    """``value`` with every read-only ``list`` and ``dict`` in it (:func:`_read_only`) as a plain one."""
    if value.__class__ is _ReadOnlyList:
        return [_plain(item) for item in value]
    if value.__class__ is _ReadOnlyDict:
        return {key: _plain(item) for key, item in value.items()}
    return value


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
        What the profile requires, as a value or in words. In the refusal of an absent field (an
        absent ``VpcConfig``: the profile's ``{"Subnets": [...], "SecurityGroupIds": [...]}``) its
        lists and dicts are read-only (changing one raises ``TypeError``): the guard gives that
        refusal to every request lacking the field. They compare, print and serialise as the plain
        values; ``copy.deepcopy(violation.required)`` gives a changeable copy.
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

    def __post_init__(self) -> None:
        # A value a request carries may hold a credential (a git remote's https://user:TOKEN@host): every
        # field that is shown is masked here, once (safemaker._redact; refusals only, never on the fast path).
        from ._redact import redact_value

        for name in ("path", "found", "required", "fix", "required_text"):
            value = getattr(self, name)
            masked = redact_value(value)
            if masked is not value:
                object.__setattr__(self, name, masked)

    def message(self) -> str:
        """``"<path> is <found>; the profile requires <required>. <fix>."``

        A violation of the operation itself (``path`` and ``found`` are the
        operation's name: an unclassified or refused operation) reads
        ``"<name> is not <required>. <fix>."``
        """
        req = self.required_text if self.required_text is not None else _show(self.required)
        fix = self.fix.rstrip(".")
        if self.path == self.operation and self.found == self.operation:
            return f"{self.operation} is not {req}. {fix[:1].upper()}{fix[1:]}."
        return f"{self.path} is {_show(self.found)}; the profile requires {req}. {fix}."

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (absent rendered as ``None`` with ``found_absent: true``) of plain values: a
        read-only ``required`` (the guard's shared refusal of an absent field) is given as a plain copy, which
        any serialiser takes (``yaml.safe_dump`` picks its representer by exact type)."""
        return {
            "operation": self.operation,
            "rule_id": self.rule_id,
            "path": self.path,
            "found": None if self.found is MISSING else self.found,
            "found_absent": self.found is MISSING,
            "required": _plain(self.required),
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
        if type(self) is not GuardrailViolation:  # a subclass may render or set its fields otherwise
            super().__init__(operation=operation, violations=violations, details=details)
            return
        # SafemakerError.__init__ for this class, without the generic render and setattr loop (one per refusal)
        Exception.__init__(self, f"{operation} refused: {details}")
        self.kwargs = {"operation": operation, "violations": violations, "details": details}
        self.operation = operation
        self.violations = violations
        self.details = details

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


class UnguardableClientError(SafemakerError, TypeError):
    """A SageMaker client the guard cannot guard (an async client): refused, not left unguarded.

    Attributes
    ----------
    client_class : str
        The client's class (``"aiobotocore.client.SageMaker"``).
    reason, fix : str
        Why it cannot be guarded, and what to use instead.
    """

    fmt = "cannot guard {article} {client_class} client: {reason}. Fix: {fix}"

    def __init__(self, client_class: str, reason: str, fix: str) -> None:
        article = "an" if client_class[:1].lower() in "aeiou" else "a"
        super().__init__(article=article, client_class=client_class, reason=reason, fix=fix)


class ProcessGuardLockedError(SafemakerError):
    """A call would replace or relax an exclusive process guard (``install_process(exclusive=True)``,
    ``safemaker run``); nothing was changed.

    Attributes
    ----------
    action : str
        What was refused (``"install_process"``).
    owner : str
        Who turned the exclusive guard on.
    reason, fix : str
    """

    fmt = "{action} refused: {reason} (turned on by {owner}). Fix: {fix}"

    def __init__(self, action: str, owner: str, reason: str, fix: str) -> None:
        super().__init__(action=action, owner=owner, reason=reason, fix=fix)


class PipelineDefinitionError(InputError):
    """A pipeline definition could not be parsed (bad input; also a ``ValueError``).

    Attributes
    ----------
    path : str
        Where in the definition (``"PipelineDefinition.Steps[2]"``); also ``field``.
    found : str
        What was found there, in words.
    expected : str
        What a definition holds there.
    """

    fmt = "{path} is {found}; expected {expected}"

    def __init__(self, path: str, found: str, expected: str) -> None:
        super().__init__(path, found, expected, path=path)


class DuplicateKeyError(StatePickling, ValueError):
    """A JSON object gives the same key twice (:func:`safemaker._json.loads_strict`).

    Attributes
    ----------
    key : str
        The repeated key.
    path : str
        Where the object is (``"Steps[2].Arguments"``; ``""`` for the top level).
    """

    def __init__(self, key: str, path: str) -> None:
        self.key, self.path = key, path
        where = f" in {path}" if path else " at the top level"
        super().__init__(f"duplicate key {key!r}{where} (which of the values the service would use cannot be "
                         "known: give each key once)")


# --------------------------------------------------------------------------- SDK adapters


class ClosedSessionError(InputError):
    """An SDK adapter was given something it cannot make closed (bad input; also a ``ValueError``).

    Raised for a ``sagemaker_session`` that is not a
    :class:`~safemaker.sdk.v2.ClosedNetworkSession`, a boto3 session or
    client in another region than the profile's, two different profiles for
    one object, or a class that :func:`~safemaker.sdk.v2.closed` does not
    know. Nothing has been created when it is raised.

    Attributes
    ----------
    argument : str
        The argument at fault (``"sagemaker_session"``, ``"boto_session"``...); also ``field``.
    found : Any
        What was passed (a type name or a value; never a credential).
    required : str
        What is needed instead, in words; also ``expected``.
    fix : str
        How to fix it, one sentence.
    """

    fmt = "{field} is {found_text}; {expected}. {fix}"

    def __init__(self, argument: str, found: Any, required: str, fix: str) -> None:
        super().__init__(argument, found, required, fix.rstrip(".") + ".", argument=argument, required=required,
                         found_text=repr(found) if isinstance(found, str) else str(found))


class ConfigExportError(InputError):
    """The SDK config file cannot be written where asked; nothing was written.

    Also a :class:`ValueError` (the CLI exits 2).

    Attributes
    ----------
    field : str
        The parameter at fault (``location``, ``force``).
    found : Any
        The value given.
    problem : str
        What is wrong with it; also ``expected``.
    fix : str
        How to fix it.
    """

    fmt = "{field} is {found!r}: {expected}. {fix}"

    def __init__(self, field: str, found: Any, problem: str, fix: str) -> None:
        super().__init__(field, found, problem, fix.rstrip(".") + ".", problem=problem)


# --------------------------------------------------------------------------- IAM and SCP


class PolicySizeError(SafemakerError):
    """A single statement cannot fit in one managed policy, even split by action.

    Attributes
    ----------
    sid : str
        The statement.
    size : int
        Its size in characters (compact JSON).
    limit : int
        The size limit of one policy document.
    """

    fmt = ("Statement {sid!r} needs {size} characters with a single action; a managed policy holds "
           "at most {limit}. Shorten the profile's lists (subnets, security groups, VPC endpoints)")

    def __init__(self, sid: str, size: int, limit: int) -> None:
        super().__init__(sid=sid, size=size, limit=limit)


class UnexpressibleRuleError(SafemakerError):
    """The rule table maps a field to an IAM condition key the policy renderer cannot render.

    Attributes
    ----------
    operation : str
        The operation of the field.
    path : str
        The field path.
    key : str
        The condition key.
    reason : str
        Why it cannot be rendered.
    """

    fmt = "{operation} {path}: cannot render condition key {key}: {reason}"

    def __init__(self, operation: str, path: str, key: str, reason: str) -> None:
        super().__init__(operation=operation, path=path, key=key, reason=reason)


class PolicyEvaluationError(SafemakerError):
    """A policy uses something the evaluator does not implement, or is malformed.

    Attributes
    ----------
    where : str
        Where in the policy (``"policy 0, statement 'DenyX', Condition.StringEquals"``).
    problem : str
        What is wrong or unsupported.
    """

    fmt = "Cannot evaluate {where}: {problem}"

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(where=where, problem=problem)


class ScpCountError(SafemakerError):
    """The guardrail needs more SCPs than may be attached to one target.

    Attributes
    ----------
    count : int
        SCP documents needed.
    limit : int
        The most that may be attached (``max_policies``).
    """

    fmt = ("The guardrail needs {count} service control policies of at most 5,120 characters; at most "
           "{limit} can be attached to one root, OU or account. Shorten the profile's lists (subnets, "
           "security groups, roles, VPC endpoints), or attach part of them one level up (an OU and its "
           "accounts are each a target)")

    def __init__(self, count: int, limit: int) -> None:
        super().__init__(count=count, limit=limit)


# --------------------------------------------------------------------------- network


class StackConfigError(InputError):
    """A :class:`~safemaker.network.infra.StackConfig` field is invalid (bad input; CLI exit 2).

    Attributes
    ----------
    errors : list of ProfileFieldError
        Every bad field: name, value found, what is expected.
    field, found, expected : str, Any, str
        Those of the first bad field (:class:`InputError`'s attributes); ``fix`` is ``""``.
    """

    fmt = "Stack configuration is invalid ({count} problem(s)):\n{details}"

    def __init__(self, errors: Sequence[ProfileFieldError]) -> None:
        errors = list(errors)
        details = "\n".join(f"  - {e}" for e in errors)
        super().__init__(**_first_field(errors, "stack configuration"), errors=errors, count=len(errors),
                         details=details)


class InfraError(SafemakerError):
    """An AWS call of ``infra up`` or ``infra down`` failed for good (after retries).

    Attributes
    ----------
    action : str
        What was being done (``"CreateVpcEndpoint com.amazonaws.us-east-1.sts"``).
    reason : str
        The AWS error code and message, or why safemaker refused.
    fix : str
        What to do; re-running the command resumes where it stopped.
    """

    fmt = "{action} failed: {reason}. {fix}."

    def __init__(self, action: str, reason: str, fix: str) -> None:
        super().__init__(action=action, reason=reason, fix=fix.rstrip("."))


class FeatureError(InputError):
    """A feature name that is not one of :data:`safemaker.network.endpoints.FEATURES` (also a ``ValueError``).

    Attributes
    ----------
    field : str
        Where the value came from (``"features"``, ``"--feature"``).
    value : str
        The value found; also ``found``.
    valid : str
        The valid names, comma-separated.
    fix : str
        The closest valid name, or "Use one of the valid names."
    """

    fmt = "{field} has {found!r}, which is not a feature; valid features: {valid}. {fix}"

    def __init__(self, field: str, value: str, suggestion: str | None = None) -> None:
        from .network.endpoints import FEATURES  # the feature table lives with the endpoints

        fix = f"Did you mean {suggestion!r}?" if suggestion else "Use one of the valid names."
        valid = ", ".join(FEATURES)
        super().__init__(field, value, f"one of the features {valid}", fix, value=value, valid=valid)


# --------------------------------------------------------------------------- notebooks


class NotebookInputError(InputError):
    """A notebook helper was given a bad value; nothing was sent.

    Also a :class:`ValueError`.

    Attributes
    ----------
    field : str
        The parameter (and, where different, the API field) at fault.
    found : Any
        The value given.
    expected : str
        What the parameter must hold.
    fix : str
        How to fix it.
    """

    fmt = "{field} is {found!r}; expected {expected}. {fix}"

    def __init__(self, field: str, found: Any, expected: str, fix: str) -> None:
        super().__init__(field, found, expected, fix.rstrip(".") + ".")


class NotebookInstanceError(SafemakerError):
    """A notebook instance did not reach the wanted state (failed, timed out, missing).

    Attributes
    ----------
    name : str
        The notebook instance.
    status : str or None
        Its last status seen (``None`` when it does not exist).
    reason : str
        What happened, with ``FailureReason`` when AWS gave one.
    left_behind : str
        What exists now and how to remove it (empty when nothing is left).
    """

    fmt = "Notebook instance {name!r}: {reason}{left_behind}"

    def __init__(self, name: str, status: str | None, reason: str, left_behind: str = "") -> None:
        super().__init__(name=name, status=status, reason=reason,
                         left_behind=(" " + left_behind) if left_behind else "")


class WheelhouseBuildError(SafemakerError):
    """A pip step of :func:`safemaker.notebook_lifecycle.build_wheelhouse` failed (the CLI exits 1).

    Attributes
    ----------
    command : str
        The pip command, quoted.
    output : str
        pip's last lines.
    """

    fmt = "{command} failed:\n{output}\nCheck the index / --find-links, the requirement names and the target " \
          "--python-version / --platform (every dependency needs a wheel for it)"

    def __init__(self, command: str, output: str) -> None:
        super().__init__(command=command, output=output)


# --------------------------------------------------------------------------- audit, IaC


class AuditInputError(InputError):
    """An argument of :func:`safemaker.audit.run` (or an option of ``safemaker audit``) is invalid.

    Attributes
    ----------
    field : str
        The argument (``"since"``, ``"regions[1]"``, ``"resource_types"``...).
    found : Any
        The value given.
    expected : str
        What it must be, and how to fix it (``fix`` is ``""``).
    """

    fmt = "{field} is {found!r}; expected {expected}"

    def __init__(self, field: str, found: Any, expected: str) -> None:
        super().__init__(field, found, expected)


class IacInputError(InputError):
    """A source file that cannot be read as what it claims to be (also a ``ValueError``).

    Attributes
    ----------
    file : str
        The file.
    where : str
        Where in it (``"line 3"``, ``"Resources.Nb.Properties"``), or ``""``.
    problem : str
        What is wrong, and the fix; also ``expected``.
    field : str
        ``"<file> (<where>)"``; ``found`` is ``None`` (the error is about the document).
    """

    fmt = "{file}{at}: {problem}"

    def __init__(self, file: str, problem: str, where: str = "") -> None:
        at = f" ({where})" if where else ""
        super().__init__(f"{file}{at}", None, problem, file=file, where=where, problem=problem, at=at)


class IacDependencyError(SafemakerError, ImportError):
    """cfn-lint (the ``iac`` extra) is not installed: templates cannot be read."""

    fmt = ("reading templates needs cfn-lint (its CloudFormation decoder and resource schemas); install the "
           "'iac' extra: pip install 'safemaker[iac]'")

    def __init__(self) -> None:
        super().__init__()


# --------------------------------------------------------------------------- rehearsal


class RehearsalError(SafemakerError):
    """Root of the rehearsal's errors (:mod:`safemaker.rehearsal`)."""

    fmt = "rehearsal: {reason}"


class SandboxUnavailable(RehearsalError):
    """No network namespace can be made here, so nothing was run.

    Attributes
    ----------
    reason : str
        Why (platform, missing ``unshare``, the kernel's refusal, a namespace
        that still had an interface other than loopback).
    fix : str
        What to do about it.
    """

    fmt = ("rehearsal cannot run here: {reason}. Nothing was run: a rehearsal only runs with no network "
           "(a Linux network namespace with loopback only). {fix}")


class RehearsalInputError(RehearsalError, InputError):
    """Bad input (a field of the rehearsal's request); nothing was run, downloaded or uploaded.

    Attributes
    ----------
    field : str
        The parameter (``entry_point``, ``inputs['train']``...).
    value : object
        The value found; also ``found``.
    fix : str
        What is expected and how to fix it; also ``expected``.
    """

    fmt = "{field} is {found!r}; {fix}"

    def __init__(self, field: str, value: Any, fix: str) -> None:
        InputError.__init__(self, field, value, fix, fix, value=value)


class RehearsalFailed(RehearsalError):
    """The job's code failed in the rehearsal (it would fail on SageMaker too).

    Attributes
    ----------
    what : str
        ``"training job <name>"`` or ``"inference"``.
    report : str
        The failure reason and every network attempt, as printed.
    result : object
        The :class:`~safemaker.rehearsal.TrainingRehearsal` (or inference result).
    """

    fmt = "{what} failed in the rehearsal (no network):\n{report}"

    def __init__(self, what: str, report: str, result: Any) -> None:
        super().__init__(what=what, report=report, result=result)


# --------------------------------------------------------------------------- demo


class DemoError(SafemakerError):
    """A demo step could not complete.

    Attributes
    ----------
    step : str
        The step (one of :data:`safemaker.cli.demo.run.STEPS`).
    reason : str
        What went wrong.
    """

    fmt = "{step}: {reason}"

    def __init__(self, step: str, reason: str) -> None:
        super().__init__(step=step, reason=reason)
