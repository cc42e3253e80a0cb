"""A ClosedNetworkSession (SDK v2 and v3) on a loopback SageMaker endpoint says its results are emulated.

Once per session: a :class:`safemaker.errors.LocalBackendWarning` (pointing
at the line that made the session) and the same message logged on
``safemaker.sdk``. A session for a non-loopback endpoint says nothing, and
making it sends no request. The v2 tests are skipped under SDK v3 and the v3
tests under SDK v2 (tests/sdk_markers.py).
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import boto3
import pytest

from safemaker.errors import LocalBackendWarning
from safemaker.local import FAKE_ACCESS_KEY_ID, FAKE_SECRET_ACCESS_KEY

import _sdk_v2_support  # noqa: F401  (sets SAGEMAKER_SUPPRESS_V2_WARNING before the SDK is imported; no fixture)
from _sdk_v3_support import make_profile, reset_sagemaker_core

AWS_URL = "https://api.sagemaker.eu-west-1.amazonaws.com"
NOT_LOOPBACK = [
    None,  # AWS's own endpoint, AWS_URL
    "https://vpce-0123456789abcdef0-abcdefgh.api.sagemaker.eu-west-1.vpce.amazonaws.com",  # a VPC endpoint
    "https://10.0.0.5",  # a private address: not loopback either
]


def _message(url: str) -> str:
    return (f"safemaker: SageMaker endpoint {url} is local (an emulator): training does not train and "
            "predictions are canned, not real")


def _session_class(major: int) -> Any:
    if major == 2:
        from safemaker.sdk.v2 import ClosedNetworkSession
    else:
        from safemaker.sdk.v3 import ClosedNetworkSession
    return ClosedNetworkSession


@pytest.fixture
def isolated_sdk_config(tmp_path, monkeypatch):
    """SDK v2 reads no admin/user config file of the machine (as _sdk_v2_support.no_user_sdk_config)."""
    import sagemaker.config.config as sm_config

    monkeypatch.setattr(sm_config, "_DEFAULT_ADMIN_CONFIG_FILE_PATH", str(tmp_path / "admin" / "config.yaml"))
    monkeypatch.setattr(sm_config, "_DEFAULT_USER_CONFIG_FILE_PATH", str(tmp_path / "user" / "config.yaml"))
    monkeypatch.delenv(sm_config.ENV_VARIABLE_ADMIN_CONFIG_OVERRIDE, raising=False)
    monkeypatch.delenv(sm_config.ENV_VARIABLE_USER_CONFIG_OVERRIDE, raising=False)


def _close(session: Any) -> None:
    if hasattr(session, "close"):  # v3: give sagemaker-core's process defaults back
        session.close()
        reset_sagemaker_core()


def _local_label_once_per_session(major: int, backend: Any, caplog: pytest.LogCaptureFixture) -> None:
    Session = _session_class(major)
    url = backend.endpoint_url
    assert url.startswith("http://127.0.0.1:")
    if major == 3:
        reset_sagemaker_core()
    caplog.set_level(logging.INFO, logger="safemaker.sdk")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = Session(make_profile(), boto_session=backend.session)
        try:
            # Using the session does not warn again.
            assert first.sagemaker_client.list_training_jobs()["TrainingJobSummaries"] == []
            assert first.sagemaker_client.meta.endpoint_url == url
        finally:
            _close(first)
        after_first = [w for w in caught if issubclass(w.category, LocalBackendWarning)]
        second = Session(make_profile(), boto_session=backend.session)
        _close(second)
    local = [w for w in caught if issubclass(w.category, LocalBackendWarning)]
    assert [str(w.message) for w in after_first] == [_message(url)]
    assert [str(w.message) for w in local] == [_message(url)] * 2  # once per session
    assert {w.filename for w in local} == {__file__}  # points at the line that made the session
    logged = [r for r in caplog.records if r.name.startswith("safemaker.sdk.") and r.levelno == logging.INFO]
    assert [r.getMessage() for r in logged] == [_message(url)] * 2


def _no_label_for_aws(major: int, endpoint_url: str | None, caplog: pytest.LogCaptureFixture,
                      monkeypatch: pytest.MonkeyPatch) -> None:
    Session = _session_class(major)
    if endpoint_url:  # as a user would point every SageMaker client of the SDK at it (botocore reads it)
        monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", endpoint_url)
    if major == 3:
        reset_sagemaker_core()
    boto_session = boto3.Session(region_name="eu-west-1", aws_access_key_id=FAKE_ACCESS_KEY_ID,
                                 aws_secret_access_key=FAKE_SECRET_ACCESS_KEY)
    requests: list[str] = []
    boto_session._session.register("before-send", lambda request, **_: requests.append(request.url))
    caplog.set_level(logging.DEBUG, logger="safemaker.sdk")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        session = Session(make_profile(region="eu-west-1"), boto_session=boto_session)
        try:
            assert session.sagemaker_client.meta.endpoint_url == (endpoint_url or AWS_URL)
        finally:
            _close(session)
    assert requests == []  # nothing was sent to the non-loopback address
    assert [w for w in caught if issubclass(w.category, LocalBackendWarning)] == []
    assert [r.getMessage() for r in caplog.records if "is local (an emulator)" in r.getMessage()] == []


@pytest.mark.sdk2
def test_v2_local_session_warns_and_logs_once(isolated_sdk_config, safemaker_local, caplog):
    _local_label_once_per_session(2, safemaker_local, caplog)


@pytest.mark.sdk2
@pytest.mark.parametrize("endpoint_url", NOT_LOOPBACK)
def test_v2_aws_session_says_nothing_and_sends_nothing(endpoint_url, monkeypatch, isolated_sdk_config, caplog):
    _no_label_for_aws(2, endpoint_url, caplog, monkeypatch)


@pytest.mark.sdk3
def test_v3_local_session_warns_and_logs_once(safemaker_local, caplog):
    _local_label_once_per_session(3, safemaker_local, caplog)


@pytest.mark.sdk3
@pytest.mark.parametrize("endpoint_url", NOT_LOOPBACK)
def test_v3_aws_session_says_nothing_and_sends_nothing(endpoint_url, monkeypatch, caplog):
    _no_label_for_aws(3, endpoint_url, caplog, monkeypatch)


def test_the_warning_is_a_user_warning_exported_by_safemaker_errors():
    import safemaker.errors as errors

    assert "LocalBackendWarning" in errors.__all__
    assert issubclass(LocalBackendWarning, UserWarning)
    assert not issubclass(LocalBackendWarning, errors.SafemakerError)  # a warning, never raised as an error
