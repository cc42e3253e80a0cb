"""Skip logic of the ``sdk2`` / ``sdk3`` markers: the suite runs under either SageMaker SDK major.

``make test`` runs the whole suite twice, once per SDK major (``.venv`` with
``sagemaker<3``, ``.venv-v3`` with ``sagemaker>=3``). A test that needs one
major is marked ``@pytest.mark.sdk2`` or ``@pytest.mark.sdk3`` (markers
declared in ``pyproject.toml``) and is skipped, with the reason, under the
other major or when no SDK is installed. A test module that imports the SDK
at module level calls :func:`require_sdk` first, so that it is skipped
rather than failing to import.

Hooked into pytest by ``tests/conftest.py`` (``from sdk_markers import
pytest_collection_modifyitems``).
"""

from __future__ import annotations

import re
from importlib import metadata
from typing import NamedTuple

import pytest

__all__ = ["pytest_collection_modifyitems", "require_sdk", "installed_sdk", "sdk_major", "skip_reason"]

_NEEDS = {2: "the SageMaker Python SDK v2 (sagemaker>=2.200,<3)", 3: "the SageMaker Python SDK v3 (sagemaker>=3)"}


class _Sdk(NamedTuple):
    version: str
    major: int


def installed_sdk() -> _Sdk | None:
    """The installed ``sagemaker`` distribution (read from its metadata; the SDK is not imported)."""
    try:
        version = metadata.version("sagemaker")
    except metadata.PackageNotFoundError:
        return None
    match = re.match(r"\s*(\d+)", version)
    return _Sdk(version, int(match.group(1)) if match else 0)


def sdk_major() -> int | None:
    """The installed SDK major (``2``, ``3``...), or ``None`` when ``sagemaker`` is not installed."""
    sdk = installed_sdk()
    return None if sdk is None else sdk.major


def skip_reason(major: int) -> str | None:
    """Why a test needing SDK ``major`` is skipped here, or ``None`` when it runs.

    Parameters
    ----------
    major : {2, 3}
        The SDK major the test needs (3 means 3 or later).
    """
    sdk = installed_sdk()
    if sdk is not None and (sdk.major == 2 if major == 2 else sdk.major >= 3):
        return None
    found = "the 'sagemaker' package is not installed" if sdk is None else f"sagemaker {sdk.version} is installed"
    return f"needs {_NEEDS[major]}; {found} (`make test` runs the suite under both majors)"


def require_sdk(major: int) -> None:
    """Skip the calling test module unless SDK ``major`` is installed (call before importing the SDK)."""
    reason = skip_reason(major)
    if reason is not None:
        pytest.skip(reason, allow_module_level=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Add a skip mark to every item marked ``sdk2``/``sdk3`` whose SDK major is not installed."""
    reasons = {major: skip_reason(major) for major in (2, 3)}
    for item in items:
        for major in (2, 3):
            if item.get_closest_marker(f"sdk{major}") and reasons[major] is not None:
                item.add_marker(pytest.mark.skip(reason=reasons[major]))
