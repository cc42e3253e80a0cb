"""Every exception safemaker defines survives pickling (issue #14).

multiprocessing, joblib and Ray send a worker's exception back to the parent
by pickling it; Python pickles an exception as ``cls(*args)``, which fails for
a class whose ``__init__`` takes named fields. The classes are found by
walking the package (so a new one is covered without being listed here), each
is built from its own signature (or its ``fmt`` fields), pickled and loaded;
the copy must have the same type, message and attributes.
"""

from __future__ import annotations

import importlib
import inspect
import pickle
import pkgutil
import string
from typing import Any

import pytest

import safemaker
from safemaker.errors import MISSING, ProfileFieldError, SafemakerError, Violation

# Modules that cannot be imported in every environment: the SDK adapters (need one SDK major), files
# that run only inside a rehearsal sandbox or as sitecustomize, and safemaker.auto (loads a profile).
_SKIP = ("safemaker.sdk.v2", "safemaker.sdk.v3", "safemaker.sdk._preflight", "safemaker.cli.demo.v3",
         "safemaker.rehearsal._inside", "safemaker._run", "safemaker.auto", "safemaker.ipython",
         "safemaker.rehearsal.demo", "safemaker.rehearsal.sdk")


def _modules() -> list[Any]:
    found = []
    for info in pkgutil.walk_packages(safemaker.__path__, "safemaker."):
        if info.name.startswith(_SKIP):
            continue
        found.append(importlib.import_module(info.name))
    return found


def _exception_classes() -> list[type[BaseException]]:
    classes = {c for module in _modules() for c in vars(module).values()
               if inspect.isclass(c) and issubclass(c, BaseException) and c.__module__.startswith("safemaker")}
    return sorted(classes, key=lambda c: f"{c.__module__}.{c.__qualname__}")


CLASSES = _exception_classes()

VIOLATION = Violation(operation="CreateTrainingJob", path="EnableNetworkIsolation", found=MISSING,
                      required=True, fix="Set it to True.", rule_id="SM-NET-ISOLATION")
FIELD_ERROR = ProfileFieldError("subnets", ["subnet-1"], "a list of subnet IDs")


def _value(name: str) -> Any:
    if name in ("errors",):
        return [FIELD_ERROR]
    if name in ("violations",):
        return [VIOLATION]
    if name in ("params",):
        return {"ModelName": "m"}
    if name in ("size", "limit", "count", "status_code", "attempts"):
        return 7
    return f"<{name}>"


def _build(cls: type[BaseException]) -> BaseException:
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    if any(p.kind is p.VAR_KEYWORD for p in params) and issubclass(cls, SafemakerError):
        names = {f for _, f, _, _ in string.Formatter().parse(cls.fmt) if f}
        return cls(**{n.split(".")[0].split("[")[0]: _value(n) for n in names})
    if any(p.kind is p.VAR_POSITIONAL for p in params) and not any(
            p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) for p in params):
        return cls("a message")
    kwargs = {p.name: _value(p.name) for p in params
              if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    return cls(**kwargs)


def test_the_walk_found_the_package_exceptions():
    names = {c.__qualname__ for c in CLASSES}
    assert {"SafemakerError", "GuardrailViolation", "ProfileError", "InfraError", "NotebookInputError",
            "IacInputError", "ScpCountError", "RehearsalFailed"} <= names
    assert len(CLASSES) >= 30


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_round_trips_through_pickle(cls):
    error = _build(cls)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls
    assert str(copy) == str(error)
    assert copy.args == error.args
    assert vars(copy) == vars(error)


def test_a_note_added_after_construction_survives():
    from safemaker.errors import LocalBackendError

    error = LocalBackendError(reason="port 5000 is taken")
    error.args = (f"{error}; left behind: nothing",)
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy).endswith("; left behind: nothing")
    assert str(copy) == str(error)
    assert copy.reason == "port 5000 is taken"


def test_a_refusal_crosses_a_process_boundary():
    import concurrent.futures
    import multiprocessing

    from _refusal_child import refuse  # the child imports only that small module, not this one's class walk

    from safemaker.errors import GuardrailViolation

    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx) as pool:
        future = pool.submit(refuse)
        with pytest.raises(GuardrailViolation) as exc_info:
            future.result(timeout=120)
    assert exc_info.value.operation == "CreateTrainingJob"
    assert [v.rule_id for v in exc_info.value.violations] == ["SM-NET-ISOLATION"]
    assert exc_info.value.violations == [VIOLATION]  # the child's refusal, field for field


# Exceptions that stay outside safemaker.errors, and why: private control flow of one module (never
# reaches a caller), and the offline guard, which imports nothing of safemaker (benchmarks load it by path).
_OUTSIDE_ERRORS = {"safemaker.local.offline.OutboundNetworkBlocked"}


def test_every_public_exception_is_defined_in_the_errors_module():
    outside = {f"{c.__module__}.{c.__qualname__}" for c in CLASSES
               if c.__module__ != "safemaker.errors" and not c.__qualname__.startswith("_")}
    assert outside == _OUTSIDE_ERRORS


def test_every_bad_input_error_is_an_input_error_with_its_four_fields():
    from safemaker.errors import InputError

    bad_input = [c for c in CLASSES if issubclass(c, SafemakerError) and issubclass(c, ValueError)]
    assert {"NotebookInputError", "AuditInputError", "ClosedSessionError", "ConfigExportError", "FeatureError",
            "RehearsalInputError", "IacInputError", "StackConfigError", "ProfileError",
            "PipelineDefinitionError"} <= {c.__qualname__ for c in bad_input}
    for cls in bad_input:
        assert issubclass(cls, InputError), cls
        error = _build(cls)
        assert {"field", "found", "expected", "fix"} <= set(vars(error)), cls
        assert isinstance(error.field, str) and isinstance(error.expected, str) and isinstance(error.fix, str)


def test_the_unguardable_client_message_takes_the_article_of_the_class_name():
    """A fresh reviewer's finding: "cannot guard a aiobotocore.client.SageMaker client"."""
    import pickle

    from safemaker.errors import UnguardableClientError

    error = UnguardableClientError("aiobotocore.client.SageMaker", "it sends from an event loop", "use boto3")
    assert str(error).startswith("cannot guard an aiobotocore.client.SageMaker client: ")
    assert str(UnguardableClientError("MyClient", "r", "f")).startswith("cannot guard a MyClient client: ")
    assert str(pickle.loads(pickle.dumps(error))) == str(error)
