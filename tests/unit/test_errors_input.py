"""The one bad-input error (InputError) and the one reading of a botocore ClientError (aws_error)."""

from __future__ import annotations

import botocore.exceptions
import pytest

from safemaker.errors import MISSING, InputError, aws_error


def test_input_error_names_field_found_expected_and_fix():
    error = InputError("timeout_seconds", 0, "a number of seconds > 0", "Pass e.g. 600.")
    assert str(error) == "timeout_seconds is 0; expected a number of seconds > 0. Pass e.g. 600."
    assert (error.field, error.found, error.expected, error.fix) == (
        "timeout_seconds", 0, "a number of seconds > 0", "Pass e.g. 600.")
    assert isinstance(error, ValueError)


def test_input_error_without_a_fix_ends_after_expected():
    assert str(InputError("subnets", MISSING, "a list of subnet IDs")) == \
        "subnets is absent; expected a list of subnet IDs"


@pytest.mark.parametrize(("cls", "old_module"), [
    ("NotebookInputError", "safemaker.notebook"), ("AuditInputError", "safemaker.audit"),
    ("ClosedSessionError", "safemaker.sdk._errors"), ("ConfigExportError", "safemaker.sdk.config_file"),
    ("FeatureError", "safemaker.network.endpoints"), ("RehearsalInputError", "safemaker.rehearsal"),
    ("IacInputError", "safemaker.iac._document"), ("StackConfigError", "safemaker.network.infra"),
    ("PipelineDefinitionError", "safemaker.pipeline"), ("ProfileRelaxationWarning", "safemaker.profile"),
    ("ScpCountError", "safemaker.scp"), ("PolicyEvaluationError", "safemaker.iam_eval"),
    ("DuplicateKeyError", "safemaker._json"), ("UnguardableClientError", "safemaker.hooks"),
])
def test_moved_classes_stay_importable_from_their_old_modules(cls, old_module):
    import importlib

    import safemaker.errors

    assert getattr(importlib.import_module(old_module), cls) is getattr(safemaker.errors, cls)


def test_aws_error_reads_a_client_error_as_botocore_builds_it():
    exc = botocore.exceptions.ClientError(
        {"Error": {"Code": "AccessDenied", "Message": "User: x is not authorized"}}, "DescribeVpcs")
    assert aws_error(exc) == ("AccessDenied", "User: x is not authorized")


def test_aws_error_without_code_says_unknown_as_botocore_does():
    exc = botocore.exceptions.ClientError({}, "DescribeVpcs")
    assert "(Unknown)" in str(exc)  # botocore's own message: the oracle for the default
    assert aws_error(exc) == ("Unknown", "")


def test_aws_error_of_a_waiter_error_is_its_last_response_error_or_the_waiter_error():
    failed = botocore.exceptions.WaiterError(
        "w", "Waiter encountered a terminal failure state", {"Error": {"Code": "Throttling", "Message": "slow"}})
    assert aws_error(failed) == ("Throttling", "slow")
    state = botocore.exceptions.WaiterError("w", "Max attempts exceeded", {"Status": "pending"})
    assert aws_error(state) == ("WaiterError", str(state))


def test_aws_error_of_any_other_exception_is_its_class_and_text():
    assert aws_error(TimeoutError("read timed out")) == ("TimeoutError", "read timed out")
