"""safemaker.sdk name resolution by SDK major, without importing the SDK (pure; subprocesses for imports)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import safemaker.sdk
from safemaker.errors import SdkNotAvailableError
from safemaker.sdk import _major
from safemaker.sdk._major import SdkVersion, installed_sdk, resolve


def _run(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "SAGEMAKER_SUPPRESS_V2_WARNING": "1"})
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


SDK_MODULES = "[m for m in sys.modules if m == 'sagemaker' or m.startswith('sagemaker.')]"


def test_import_safemaker_and_safemaker_sdk_import_no_sagemaker_module():
    result = _run(f"import sys, json, safemaker, safemaker.sdk; print(json.dumps({SDK_MODULES}))")  # noqa: E501
    assert result == []


@pytest.mark.sdk2
def test_first_use_of_an_sdk_name_imports_the_sdk():
    result = _run(
        "import sys, json, safemaker; cls = safemaker.ClosedEstimator; "
        f"print(json.dumps([cls.__module__, cls.__name__, 'sagemaker.estimator' in {SDK_MODULES}]))"
    )
    assert result == ["safemaker.sdk.v2", "ClosedEstimator", True]


@pytest.mark.parametrize(
    "text, major, minor",
    [("2.257.7", 2, 257), ("3.0.0", 3, 0), ("2.200.0rc1", 2, 200), ("3", 3, 0), ("dev", 0, 0)],
)
def test_installed_sdk_parses_major_and_minor(text, major, minor):
    assert installed_sdk(text) == SdkVersion(text, major, minor)


def test_installed_sdk_reads_the_installed_distribution_metadata():
    from importlib.metadata import version

    assert installed_sdk() == SdkVersion(version("sagemaker"), *map(int, version("sagemaker").split(".")[:2]))


@pytest.mark.sdk2
def test_resolve_under_v2_gives_the_v2_adapters():
    from safemaker.sdk import v2

    for name in ("ClosedNetworkSession", "ClosedEstimator", "closed", "closed_deploy"):
        assert resolve(name, SdkVersion("2.257.7", 2, 257)) is getattr(v2, name)
        assert getattr(safemaker.sdk, name) is getattr(v2, name)


def test_ClosedEstimator_under_v3_names_ClosedModelTrainer():
    with pytest.raises(SdkNotAvailableError) as exc:
        resolve("ClosedEstimator", SdkVersion("3.1.0", 3, 1))
    err = exc.value
    # ImportError.__init__ resets ``name`` to None after SafemakerError set it (errors.py);
    # the field is kept in ``kwargs``.
    assert err.kwargs["name"] == "ClosedEstimator"
    assert err.needs == "the SageMaker Python SDK v2 (sagemaker>=2.200,<3)"
    assert err.found == "sagemaker 3.1.0 is installed"
    assert err.fix == "Under SDK v3 use safemaker.sdk.ClosedModelTrainer instead"
    assert "ClosedModelTrainer" in str(err)
    assert isinstance(err, ImportError)


def test_v2_only_name_without_counterpart_under_v3_says_what_to_install():
    with pytest.raises(SdkNotAvailableError) as exc:
        resolve("closed", SdkVersion("3.0.0", 3, 0))
    assert exc.value.fix == "Install SDK v2: pip install 'safemaker[sdk2]'"


def test_a_v3_adapter_module_that_does_not_exist_is_reported_as_not_built(monkeypatch):
    monkeypatch.setitem(_major.V3_NAMES, "ClosedModelTrainer", ("safemaker.sdk._no_such_module", "X"))
    with pytest.raises(SdkNotAvailableError) as exc:
        resolve("ClosedModelTrainer", SdkVersion("3.0.0", 3, 0))
    assert exc.value.found == (
        "sagemaker 3.0.0 is installed, and this safemaker release has no safemaker.sdk._no_such_module yet (issue 8)")


def test_ClosedModelTrainer_under_v2_names_ClosedEstimator():
    with pytest.raises(SdkNotAvailableError) as exc:
        resolve("ClosedModelTrainer", SdkVersion("2.257.7", 2, 257))
    assert exc.value.fix == "Under SDK v2 use safemaker.sdk.ClosedEstimator instead"
    assert exc.value.needs == "the SageMaker Python SDK v3 (sagemaker>=3)"


def test_no_sdk_installed_says_pip_install_safemaker_sdk():
    with pytest.raises(SdkNotAvailableError) as exc:
        resolve("ClosedNetworkSession", None)
    assert exc.value.found == "the 'sagemaker' package is not installed"
    assert exc.value.fix.startswith("Install it: pip install 'safemaker[sdk]'")
    assert "pip install 'safemaker[sdk]'" in str(exc.value)


def test_sdk_v2_older_than_2_200_is_refused():
    with pytest.raises(SdkNotAvailableError) as exc:
        resolve("ClosedEstimator", SdkVersion("2.199.0", 2, 199))
    assert exc.value.found == "sagemaker 2.199.0 is installed"
    assert exc.value.fix == "Upgrade it: pip install 'safemaker[sdk2]'"


def test_no_sdk_installed_as_seen_by_the_package(monkeypatch):
    monkeypatch.setattr(_major, "installed_sdk", lambda version=None: None)
    monkeypatch.delitem(safemaker.sdk.__dict__, "ClosedEstimator", raising=False)
    with pytest.raises(SdkNotAvailableError, match=r"pip install 'safemaker\[sdk\]'"):
        safemaker.sdk.ClosedEstimator  # noqa: B018


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'ClosedThing'"):
        safemaker.sdk.ClosedThing  # noqa: B018
    with pytest.raises(AttributeError):
        resolve("ClosedThing", SdkVersion("2.257.7", 2, 257))


def test_name_tables_cover_the_public_names():
    assert set(_major.V2_NAMES) == {"ClosedNetworkSession", "ClosedEstimator", "closed", "closed_deploy",
                                    "install_sdk_preflight"}
    assert set(_major.V3_NAMES) == {"ClosedNetworkSession", "ClosedModelTrainer", "closed_deploy",
                                    "install_sdk_preflight"}
    assert set(safemaker.sdk.__all__) >= set(_major.V2_NAMES) | set(_major.V3_NAMES)
