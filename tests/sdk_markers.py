"""Skip logic of the ``sdk2`` / ``sdk3`` markers: the suite runs under either SageMaker SDK major.

``make test`` runs the whole suite twice, once per SDK major (``.venv`` with
``sagemaker<3``, ``.venv-v3`` with ``sagemaker>=3``). A test that needs one
major is marked ``@pytest.mark.sdk2`` or ``@pytest.mark.sdk3`` (markers
declared in ``pyproject.toml``) and is skipped, with the reason, under the
other major or when no SDK is installed. A test module that imports the SDK
at module level calls :func:`require_sdk` first, so that it is skipped
rather than failing to import.

A test that exercises whichever SDK major is installed (it imports the SDK,
or safemaker.sdk, or asks which major is installed) is marked ``sdk``:
explicitly with ``@pytest.mark.sdk``, or automatically when its module's
source matches :data:`SDK_SOURCE` (an import of ``sagemaker`` or
``safemaker.sdk``, the SDK test helpers, ``installed_sdk``/``sdk_major``/
``require_sdk``). A module whose source matches only because it names the
SDK in text (an expected page id, a skip list), and whose tests do not
depend on the SDK major, says so with ``pytest.mark.sdk_independent``: it is
not marked ``sdk`` automatically. Every other test does not depend on the SDK major, so
``make test`` runs it in one leg of the matrix only: the leg started with
``--sdk-only`` (the SDK v3 leg, see ``tests/run_matrix.py``) keeps only the
tests marked ``sdk``, ``sdk2`` or ``sdk3`` and deselects the rest, which
the other leg runs.

Hooked into pytest by ``tests/conftest.py`` (``from sdk_markers import
pytest_addoption, pytest_collection_modifyitems``).
"""

from __future__ import annotations

import functools
import re
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

import pytest

__all__ = ["pytest_addoption", "pytest_collection_modifyitems", "pytest_ignore_collect", "require_sdk", "installed_sdk", "sdk_major",
           "skip_reason", "touches_sdk", "SDK_SOURCE", "SDK_MARKERS"]

#: Markers of tests that run in every leg of the matrix (``--sdk-only`` keeps exactly these).
SDK_MARKERS = ("sdk", "sdk2", "sdk3")

#: Source text that makes a test module exercise the installed SDK: an import of the SDK
#: (``sagemaker``, ``sagemaker_core``; at any indentation, so imports inside a test count),
#: of ``safemaker.sdk`` or the SDK test helpers, or a question about the installed major.
SDK_SOURCE = re.compile(
    r"^[ \t]*(?:from|import)[ \t]+(?:sagemaker(?:_core)?\b|_sdk_v[23]_support\b)"
    r"|\bsafemaker\.sdk\b|^[ \t]*from[ \t]+safemaker[ \t]+import[ \t]+(?:\(?[ \t]*)?sdk\b"
    r"|\b(?:require_sdk|installed_sdk|sdk_major)\b|version\([\"']sagemaker[\"']\)",
    re.MULTILINE,
)

#: An ``sdk``/``sdk2``/``sdk3`` marker written in a module's source (``pytest.mark.sdk2``, ``marks=mark.sdk``...).
SDK_MARK = re.compile(r"\bmark\.sdk[23]?\b")

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


@functools.lru_cache(maxsize=None)
def touches_sdk(path: Path) -> bool:
    """Whether the test module at ``path`` exercises the installed SDK (its source matches :data:`SDK_SOURCE`)."""
    try:
        return SDK_SOURCE.search(Path(path).read_text(encoding="utf-8")) is not None
    except (OSError, UnicodeDecodeError):
        return True  # unreadable: keep it in every leg rather than lose it


@functools.lru_cache(maxsize=None)
def may_hold_sdk_tests(path: Path) -> bool:
    """Whether a test module can hold a test that ``--sdk-only`` keeps: it :func:`touches_sdk` or names an
    SDK marker (:data:`SDK_MARK`). A module that can not is not even imported by an ``--sdk-only`` run."""
    if touches_sdk(path):
        return True
    try:
        return SDK_MARK.search(Path(path).read_text(encoding="utf-8")) is not None
    except (OSError, UnicodeDecodeError):
        return True


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Under ``--sdk-only``, skip collecting a test module none of whose tests it would keep.

    Importing and collecting every module only to deselect most of them costs each pytest-xdist
    worker of that leg as much CPU as the tests it runs; the items it keeps are the same either way
    (:func:`pytest_collection_modifyitems` still selects by marker).
    """
    if not config.getoption("sdk_only", default=False):
        return None
    name = collection_path.name
    if collection_path.suffix == ".py" and name.startswith("test_") and not may_hold_sdk_tests(collection_path):
        return True
    return None


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--sdk-only``: run only the tests that exercise the SDK (one leg of ``make test``)."""
    parser.addoption(
        "--sdk-only", action="store_true", default=False,
        help="run only tests marked sdk/sdk2/sdk3 or whose module uses the SageMaker SDK "
             "(tests/sdk_markers.py); the matrix runs the others in one leg only",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark SDK-using items ``sdk`` (unless marked ``sdk_independent``); skip ``sdk2``/``sdk3`` items of the other major; apply ``--sdk-only``."""
    reasons = {major: skip_reason(major) for major in (2, 3)}
    for item in items:
        path = getattr(item, "path", None)
        if (path is not None and not item.get_closest_marker("sdk") and not item.get_closest_marker("sdk_independent")
                and touches_sdk(Path(path))):
            item.add_marker(pytest.mark.sdk)
        for major in (2, 3):
            if item.get_closest_marker(f"sdk{major}") and reasons[major] is not None:
                item.add_marker(pytest.mark.skip(reason=reasons[major]))
    if config.getoption("sdk_only", default=False):
        kept = [i for i in items if any(i.get_closest_marker(m) for m in SDK_MARKERS)]
        dropped = [i for i in items if not any(i.get_closest_marker(m) for m in SDK_MARKERS)]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        items[:] = kept
