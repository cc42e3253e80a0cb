"""safemaker._on_import.when_imported: a callback after a module's import, never before, never breaking it."""

from __future__ import annotations

import logging
import sys
import textwrap

import pytest

from safemaker._on_import import when_imported


@pytest.fixture
def module_dir(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in [n for n in sys.modules if n.startswith("sm_on_import_probe")]:
        del sys.modules[name]


def _write(directory, name: str, body: str = "VALUE = 1\n") -> None:
    (directory / f"{name}.py").write_text(textwrap.dedent(body))


def test_the_callback_runs_after_the_import_not_before(module_dir):
    _write(module_dir, "sm_on_import_probe_a")
    seen = []
    when_imported("sm_on_import_probe_a", lambda module: seen.append(module.VALUE))
    assert seen == [] and "sm_on_import_probe_a" not in sys.modules  # nothing imported early
    import sm_on_import_probe_a  # noqa: F401

    assert seen == [1]


def test_an_imported_module_gets_the_callback_now(module_dir):
    _write(module_dir, "sm_on_import_probe_b")
    import sm_on_import_probe_b  # noqa: F401

    seen = []
    when_imported("sm_on_import_probe_b", lambda module: seen.append(module.__name__))
    assert seen == ["sm_on_import_probe_b"]


def test_a_failing_callback_never_fails_the_programs_import(module_dir, caplog):
    _write(module_dir, "sm_on_import_probe_c")

    def broken(module):
        raise AttributeError("no _JobSettings here")

    when_imported("sm_on_import_probe_c", broken)
    with caplog.at_level(logging.WARNING, logger="safemaker._on_import"):
        import sm_on_import_probe_c

    assert sm_on_import_probe_c.VALUE == 1
    assert "importing sm_on_import_probe_c failed (AttributeError: no _JobSettings here)" in caplog.text
