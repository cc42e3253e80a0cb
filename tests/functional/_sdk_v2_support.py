"""Shared set-up of the SDK v2 functional tests (``tests/functional/test_sdk_v2_*.py``).

Not collected by pytest (no ``test_`` prefix); imported by the test modules
right after ``require_sdk(2)`` and before they import the SDK: importing this
module sets ``SAGEMAKER_SUPPRESS_V2_WARNING`` (unless already set) so that
``import sagemaker`` stays quiet. It imports no SDK itself (the SDK is
imported inside the fixtures), so it is importable under any SDK major.

The fixtures are re-exported by the test modules (``from _sdk_v2_support
import sess  # noqa: F401 (fixture)``); a module that needs another profile
defines its own ``profile`` fixture, which ``sess`` then uses.
"""

from __future__ import annotations

import copy
import os
from typing import Any

import pytest

import _profiles
from _profiles import IMG, ROLE, SG, SUB_A, SUB_C, SUB_OUT, VPC as VPC_ID, VPC_CONFIG as VPC  # noqa: F401 (re-exported)

os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")

BUCKET = "closed-bucket"


def make_profile(source: str = "test", **extra: Any) -> Any:
    """The tests' profile (``_profiles.make_profile``) with ``BUCKET`` as its default bucket, ``extra``
    fields changed. A field given as ``None`` is left out (its default applies). Read with ``env=False``:
    no ``SAFEMAKER_*`` variable of the machine running the tests changes it.
    """
    return _profiles.make_profile(source, **{"default_bucket": BUCKET, **extra})


def of(sent: list[tuple[str, dict]], operation: str) -> list[dict]:
    """The params recorded by the ``sent`` fixture for ``operation``, in order."""
    return [params for name, params in sent if name == operation]


@pytest.fixture(autouse=True)
def no_user_sdk_config(tmp_path, monkeypatch):
    """The SDK's config files are the test's own (none unless a test writes one)."""
    import sagemaker.config.config as sm_config

    monkeypatch.setattr(sm_config, "_DEFAULT_ADMIN_CONFIG_FILE_PATH",
                        str(tmp_path / "admin" / "config.yaml"))
    monkeypatch.setattr(sm_config, "_DEFAULT_USER_CONFIG_FILE_PATH",
                        str(tmp_path / "user" / "config.yaml"))
    monkeypatch.delenv(sm_config.ENV_VARIABLE_ADMIN_CONFIG_OVERRIDE, raising=False)
    monkeypatch.delenv(sm_config.ENV_VARIABLE_USER_CONFIG_OVERRIDE, raising=False)


@pytest.fixture
def profile():
    """:func:`make_profile` as it is."""
    return make_profile()


@pytest.fixture
def sent(safemaker_session):
    """(operation, params) of each SageMaker request botocore was about to send, after the guard."""
    calls: list[tuple[str, dict]] = []

    def record(params, model, **kwargs):
        calls.append((model.name, copy.deepcopy(params)))

    safemaker_session.events.register("before-parameter-build.sagemaker", record)
    return calls


@pytest.fixture
def sess(safemaker_local, safemaker_session, profile, sent):
    """A ClosedNetworkSession on ``profile`` and the local backend, ``BUCKET`` made, requests reset."""
    from safemaker.sdk import ClosedNetworkSession

    safemaker_session.client("s3").create_bucket(Bucket=BUCKET)
    safemaker_local.reset_requests()
    return ClosedNetworkSession(profile, boto_session=safemaker_session)
