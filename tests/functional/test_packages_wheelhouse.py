"""docs/packages.md's wheelhouse layout works with pip itself, offline.

The documented ``requirements.txt`` (``--no-index``, ``--find-links wheelhouse``,
the pins) is resolved by the real pip with the working directory elsewhere:
pip takes the relative ``--find-links`` relative to the requirements file, as
the container's ``pip install -r requirements.txt`` needs. The same file passes
the preflight check under network isolation; without ``--no-index`` pip would
go to the index (refused by preflight, and by pip here: no network).
"""

from __future__ import annotations

import subprocess
import sys
import zipfile

from safemaker.preflight import read_requirements

REQUIREMENTS = "--no-index\n--find-links wheelhouse\nmypkg==0.1\n"  # the layout docs/packages.md shows


def make_wheel(directory):
    """A minimal pure-Python wheel (PEP 427): a module, METADATA, WHEEL and RECORD."""
    directory.mkdir(parents=True)
    path = directory / "mypkg-0.1-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as whl:
        whl.writestr("mypkg/__init__.py", "")
        whl.writestr("mypkg-0.1.dist-info/METADATA", "Metadata-Version: 2.1\nName: mypkg\nVersion: 0.1\n")
        whl.writestr("mypkg-0.1.dist-info/WHEEL",
                     "Wheel-Version: 1.0\nGenerator: safemaker-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        whl.writestr("mypkg-0.1.dist-info/RECORD", "")
    return path


def pip_dry_run(requirements, cwd):
    env = {"PATH": "/usr/bin:/bin", "PIP_NO_INPUT": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
           "PIP_CONFIG_FILE": "/dev/null"}
    return subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed",
                           "--quiet", "--report", "-", "-r", str(requirements)],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_documented_wheelhouse_layout_installs_offline_and_passes_preflight(tmp_path):
    code = tmp_path / "src"
    make_wheel(code / "wheelhouse")
    (code / "requirements.txt").write_text(REQUIREMENTS)
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    result = pip_dry_run(code / "requirements.txt", elsewhere)
    assert result.returncode == 0, result.stderr
    assert '"name": "mypkg"' in result.stdout and '"version": "0.1"' in result.stdout
    assert read_requirements(code, isolated=True) == []


def test_without_no_index_pip_needs_the_index_and_preflight_refuses(tmp_path):
    code = tmp_path / "src"
    code.mkdir()
    (code / "requirements.txt").write_text("mypkg==0.1\n")
    (problem,) = read_requirements(code, isolated=True)
    assert (problem.line_no, problem.line) == (1, "mypkg==0.1")
    assert "https://pypi.org/simple" in problem.reason
