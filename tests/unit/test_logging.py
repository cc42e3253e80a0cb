"""safemaker's logging: no handler at import (whatever SAFEMAKER_DEBUG says), debug output only when asked.

A library configures no handler at import (Powertools, botocore: a NullHandler only);
``safemaker.set_stream_logger`` is the explicit switch (as ``boto3.set_stream_logger``), and the
``safemaker`` command and ``import safemaker.auto`` (``safemaker run``) call it when
``SAFEMAKER_DEBUG`` is set. Fresh interpreters (subprocess) for what happens at import; no network.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

import safemaker
from safemaker import logs

REPO = Path(__file__).resolve().parents[2]

PROFILE = """\
region = "us-east-1"
vpc_id = "vpc-0dddddddddddddddd"
subnets = ["subnet-0aaaaaaaaaaaaaaaa"]
security_group_ids = ["sg-0bbbbbbbbbbbbbbbb"]
execution_role_arn = "arn:aws:iam::123456789012:role/SageMakerExecRole"
"""

LOADED = "safemaker.profile DEBUG profile loaded from "


def _python(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SAFEMAKER_"))}
    base.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
                AWS_EC2_METADATA_DISABLED="true", PYTHONPATH=str(REPO / "src"), **env)
    return subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=base, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def profile_file(tmp_path: Path) -> Path:
    path = tmp_path / "profile.toml"
    path.write_text(PROFILE)
    return path


@pytest.fixture
def restore_safemaker_logger():
    logger = logging.getLogger("safemaker")
    hooks = logging.getLogger("safemaker.hooks")
    before = (list(logger.handlers), logger.level, list(hooks.handlers), hooks.level)
    yield
    logger.handlers[:], hooks.handlers[:] = before[0], before[2]
    logger.setLevel(before[1])  # setLevel, not .level =: it clears logging's isEnabledFor cache
    hooks.setLevel(before[3])


def test_import_installs_no_handler_even_with_safemaker_debug(tmp_path, profile_file):
    r = _python(
        "import logging, safemaker\n"
        "from safemaker.profile import VpcProfile\n"
        "VpcProfile.load('profile.toml')\n"
        "log = logging.getLogger('safemaker')\n"
        "print([type(h).__name__ for h in log.handlers], log.level, log.propagate)\n",
        tmp_path, SAFEMAKER_DEBUG="1")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "['NullHandler'] 0 False"
    assert r.stderr == ""


def test_no_module_configures_a_handler_at_import(tmp_path):
    """Only the ``safemaker`` logger has a handler after importing every module: its NullHandler."""
    r = _python(
        "import importlib, logging, pkgutil, safemaker\n"
        "skip = ('safemaker.auto', 'safemaker._run.sitecustomize', 'safemaker.__main__')\n"
        "done = []\n"
        "for m in pkgutil.walk_packages(safemaker.__path__, 'safemaker.'):\n"
        "    if m.name in skip:\n"
        "        continue\n"
        "    try:\n"
        "        importlib.import_module(m.name)\n"
        "        done.append(m.name)\n"
        "    except ImportError:\n"
        "        pass  # an SDK adapter of the major that is not installed\n"
        "print('COUNT', len(done), 'safemaker.hooks' in done, 'safemaker.profile.model' in done, 'safemaker.cli' in done)\n"
        "print('HANDLERS', {name: [type(h).__name__ for h in logger.handlers]\n"
        "       for name, logger in logging.root.manager.loggerDict.items()\n"
        "       if name.split('.')[0] == 'safemaker' and isinstance(logger, logging.Logger) and logger.handlers})\n",
        tmp_path, SAFEMAKER_DEBUG="1")
    assert r.returncode == 0, r.stderr
    lines = {line.split(" ", 1)[0]: line.split(" ", 1)[1] for line in r.stdout.splitlines()
             if line.startswith(("COUNT ", "HANDLERS "))}  # the SageMaker SDK prints on stdout too
    count, *found = lines["COUNT"].split()
    assert int(count) > 50 and found == ["True", "True", "True"]
    assert lines["HANDLERS"] == "{'safemaker': ['NullHandler']}"


def test_import_safemaker_auto_honours_safemaker_debug(tmp_path, profile_file):
    """``import safemaker.auto`` is a program's explicit start (and what safemaker run's children do)."""
    code = "import safemaker.auto\n"
    on = _python(code, tmp_path, SAFEMAKER_DEBUG="1", SAFEMAKER_PROFILE=str(profile_file))
    off = _python(code, tmp_path, SAFEMAKER_PROFILE=str(profile_file))
    assert on.returncode == 0 and off.returncode == 0, (on.stderr, off.stderr)
    assert LOADED + str(profile_file) in on.stderr
    assert "safemaker.process DEBUG process guard installed by " in on.stderr
    assert off.stderr == ""


def test_cli_honours_safemaker_debug(tmp_path, profile_file):
    code = "import sys; from safemaker.cli import main; sys.argv = ['safemaker', 'profile', 'validate', '-p', " \
           "'profile.toml']; main()"
    on = _python(code, tmp_path, SAFEMAKER_DEBUG="1")
    off = _python(code, tmp_path)
    empty = _python(code, tmp_path, SAFEMAKER_DEBUG="")
    assert (on.returncode, off.returncode, empty.returncode) == (0, 0, 0), (on.stderr, off.stderr)
    assert LOADED + str(profile_file.name) in on.stderr
    assert LOADED not in off.stderr and LOADED not in empty.stderr


def test_set_stream_logger_prints_records_from_its_level(restore_safemaker_logger):
    stream = io.StringIO()
    handler = safemaker.set_stream_logger("safemaker.hooks", "INFO", "%(name)s|%(levelname)s|%(message)s",
                                          stream=stream)
    logging.getLogger("safemaker.hooks").debug("not shown")
    logging.getLogger("safemaker.hooks").info("CreateTrainingJob injected")
    logging.getLogger("safemaker.profile").warning("another logger")
    assert stream.getvalue() == "safemaker.hooks|INFO|CreateTrainingJob injected\n"
    assert handler in logging.getLogger("safemaker.hooks").handlers
    assert logging.getLogger("safemaker.hooks").level == logging.INFO


def test_set_stream_logger_twice_replaces_its_handler(restore_safemaker_logger):
    first, second = io.StringIO(), io.StringIO()
    safemaker.set_stream_logger(stream=first)
    safemaker.set_stream_logger(stream=second, format_string="%(message)s")
    logging.getLogger("safemaker.guard").debug("once")
    ours = [h for h in logging.getLogger("safemaker").handlers if getattr(h, "_safemaker_stream", False)]
    assert len(ours) == 1
    assert (first.getvalue(), second.getvalue()) == ("", "once\n")


def test_set_stream_logger_default_format_and_current_stderr(restore_safemaker_logger, capsys):
    safemaker.set_stream_logger()
    logging.getLogger("safemaker.guard").debug("decided")
    err = capsys.readouterr().err
    assert err.endswith(" safemaker.guard DEBUG decided\n")


def test_set_stream_logger_refuses_an_unknown_level_and_changes_nothing(restore_safemaker_logger):
    stream = io.StringIO()
    safemaker.set_stream_logger(stream=stream, format_string="%(message)s")
    with pytest.raises(ValueError, match="Unknown level: 'LOUD'"):
        safemaker.set_stream_logger(level="LOUD")
    logging.getLogger("safemaker.guard").debug("still printed")
    assert stream.getvalue() == "still printed\n"


def test_debug_from_environment(monkeypatch, restore_safemaker_logger):
    monkeypatch.delenv("SAFEMAKER_DEBUG", raising=False)
    assert logs.debug_from_environment() is None
    monkeypatch.setenv("SAFEMAKER_DEBUG", "")
    assert logs.debug_from_environment() is None
    monkeypatch.setenv("SAFEMAKER_DEBUG", "1")
    handler = logs.debug_from_environment()
    assert handler in logging.getLogger("safemaker").handlers
    assert logging.getLogger("safemaker").level == logging.DEBUG


def test_public_names():
    assert safemaker.set_stream_logger is logs.set_stream_logger
    assert safemaker.log_to_root is logs.log_to_root
    assert {"set_stream_logger", "log_to_root"} <= set(safemaker.__all__)
