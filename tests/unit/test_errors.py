"""Exception classes keep their named fields as attributes (botocore style)."""

from __future__ import annotations

import typer
import pytest

from safemaker.cli._common import handle_errors
from safemaker.errors import MISSING, GuardrailViolation, ProfileError, ProfileFieldError, SafemakerError, \
    SdkNotAvailableError, Violation


def test_sdk_not_available_keeps_name_despite_importerror():
    e = SdkNotAvailableError(name="ClosedEstimator", needs="SDK v2", found="SDK v3 is installed",
                             fix="Use ClosedModelTrainer")
    assert isinstance(e, ImportError)
    assert e.name == "ClosedEstimator"
    assert str(e) == "ClosedEstimator needs SDK v2; SDK v3 is installed. Use ClosedModelTrainer"


def test_profile_error_lists_every_field():
    e = ProfileError("p.toml", [ProfileFieldError("subnets.0", "subnet-x", "a subnet ID"),
                                ProfileFieldError("region", MISSING, "a region name")])
    assert e.source == "p.toml" and len(e.errors) == 2
    assert str(e) == ("Profile p.toml is invalid (2 problem(s)):\n"
                      "  - subnets.0: found 'subnet-x'; expected a subnet ID\n"
                      "  - region: found absent; expected a region name")


def test_violation_as_dict_marks_absent():
    v = Violation("CreateModel", "VpcConfig", MISSING, {"Subnets": []}, "Fix it", "SM-NET-VPC")
    assert v.as_dict()["found"] is None and v.as_dict()["found_absent"] is True
    e = GuardrailViolation("CreateModel", [v])
    assert e.violations == [v] and e.operation == "CreateModel"


class _BadValue(SafemakerError, ValueError):
    fmt = "bad: {x}"


@pytest.mark.parametrize("exc,code", [
    (ProfileError("p", []), 2),
    (GuardrailViolation("CreateModel", []), 2),
    (_BadValue(x=1), 2),
    (SafemakerError(), 1),
])
def test_handle_errors_exit_codes(exc, code):
    @handle_errors
    def cmd():
        raise exc

    with pytest.raises(typer.Exit) as info:
        cmd()
    assert info.value.exit_code == code
