"""A child Python whose ``PYTHONPATH`` puts another ``sitecustomize.py`` before safemaker's is guarded anyway.

Python imports only the first ``sitecustomize`` on ``sys.path``. A wrapper that prepends its own
(``opentelemetry-instrument`` does: it puts its ``sitecustomize`` folder first on ``PYTHONPATH`` and
``execl``\\ s the command) or a program that starts a child with ``PYTHONPATH=dir:$PYTHONPATH`` hid the
bootstrap folder's, and the child ran unguarded (trial 7, E1). ``safemaker.pth`` at the root of
site-packages (every install of safemaker has it: pyproject's ``force-include``) turns the guard on in
every Python of that environment started by a guarded process (``SAFEMAKER_RUN_PYTHON`` set), before
any ``sitecustomize``.

The Pythons here are a real virtual environment made for the test: its site-packages holds a copy of
``src/safemaker/_run/safemaker.pth`` (or not, for the control) and a path file that puts the safemaker
under test and this environment's packages (boto3) on its ``sys.path``. Each program sends through a
real botocore client to the local backend (moto on 127.0.0.1), which stores what arrived.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import venv
from pathlib import Path

import pytest

import safemaker
from _profiles import OPEN_TRAINING_SCRIPT, PROFILE_TOML, ROLE, SG, SUB_A, SUB_C, make_profile
from safemaker.bootstrap import BOOTSTRAP_DIR

PTH_SOURCE = Path(safemaker.__file__).resolve().parent / "_run" / "safemaker.pth"

OPEN_PY = OPEN_TRAINING_SCRIPT

# What opentelemetry-instrument's run() does (opentelemetry.instrumentation.auto_instrumentation):
# put its own sitecustomize folder first on PYTHONPATH, then execl the command.
INSTRUMENT_PY = """\
import os, shutil, sys
here = os.path.dirname(os.path.abspath(__file__))
path = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
os.environ["PYTHONPATH"] = os.pathsep.join([os.path.join(here, "auto"), *path])
exe = shutil.which(sys.argv[1])
os.execl(exe, exe, *sys.argv[2:])
"""

TOOL_SITECUSTOMIZE = "import sys; sys.stderr.write('[a tool sitecustomize ran]\\n')\n"

PROFILE_TOML = PROFILE_TOML


@pytest.fixture(scope="module")
def environment(tmp_path_factory):
    """``(python, site_packages)`` of a virtual environment whose ``sys.path`` reaches safemaker and boto3."""
    root = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False, symlinks=True).create(root)
    python = str(root / "bin" / "python")
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True, timeout=60).stdout.strip())
    here = sysconfig.get_paths()
    lines = dict.fromkeys([str(PTH_SOURCE.parents[2]), here["purelib"], here["platlib"]])
    # A path file (no code): appended to sys.path; sorts before safemaker.pth, as an editable install's does.
    (site / "_safemaker_test_paths.pth").write_text("\n".join(lines) + "\n")
    return python, site


@pytest.fixture(params=[True, False], ids=["with-safemaker.pth", "without (control)"])
def python(request, environment):
    """The environment's Python, with ``safemaker.pth`` installed (the fix) or not (the control)."""
    exe, site = environment
    target = site / "safemaker.pth"
    if request.param:
        shutil.copyfile(PTH_SOURCE, target)
    yield exe, request.param
    target.unlink(missing_ok=True)


@pytest.fixture
def programs(tmp_path, safemaker_local):
    (tmp_path / "open.py").write_text(OPEN_PY)
    (tmp_path / "instrument.py").write_text(INSTRUMENT_PY)
    (tmp_path / "auto").mkdir()
    (tmp_path / "auto" / "sitecustomize.py").write_text(TOOL_SITECUSTOMIZE)
    (tmp_path / "profile.toml").write_text(PROFILE_TOML)
    env = {**os.environ, "AWS_ENDPOINT_URL": safemaker_local.endpoint_url}
    env.pop("SAFEMAKER_PROFILE", None)
    return tmp_path, env


def _outcome(stdout: str, who: str) -> tuple[str, str]:
    said = dict(line.split(" ", 2)[1:] for line in stdout.splitlines() if line.startswith(who + " "))
    return said.get("open", "?"), said.get("plain", "?")


def test_an_opentelemetry_instrument_style_wrapper_under_safemaker_run(python, programs, safemaker_local):
    exe, with_pth = python
    where, env = programs
    r = subprocess.run([sys.executable, "-m", "safemaker", "run", "-p", "profile.toml", "--",
                        exe, "instrument.py", exe, "open.py", "otel"],
                       cwd=where, env=env, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    assert "[a tool sitecustomize ran]" in r.stderr  # it hid the bootstrap folder's sitecustomize
    if not with_pth:  # the escape: nothing of safemaker ran in the program
        assert _outcome(r.stdout, "otel") == ("sent", "sent")
        assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 2
        return
    assert _outcome(r.stdout, "otel") == ("GuardrailViolation", "sent")
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 1
    stored = safemaker_local.session.client("sagemaker").describe_training_job(TrainingJobName="otel-plain")
    # CreateTrainingJob API reference: EnableNetworkIsolation, VpcConfig {Subnets, SecurityGroupIds}.
    assert (stored["EnableNetworkIsolation"], stored["VpcConfig"]) == (
        True, {"Subnets": [SUB_A], "SecurityGroupIds": [SG]})


@pytest.mark.parametrize("how", ["PYTHONPATH as inherited", "PYTHONPATH=dir:$PYTHONPATH", "-I", "-E"])
def test_a_child_of_install_process_that_hides_the_bootstrap(how, python, programs, safemaker_local):
    """``install_process`` in this process (8fbd86b: the bootstrap in ``os.environ``), then a child that
    prepends a folder with its own ``sitecustomize``, or runs with ``-I``/``-E`` (``PYTHONPATH`` ignored).
    With the inherited ``PYTHONPATH`` both the .pth and the bootstrap's sitecustomize run (idempotent)."""
    exe, with_pth = python
    where, _ = programs
    safemaker.install_process(make_profile())
    assert os.environ["PYTHONPATH"].split(os.pathsep)[0] == str(BOOTSTRAP_DIR)
    env = {**os.environ, "AWS_ENDPOINT_URL": safemaker_local.endpoint_url}
    command = [exe, "open.py", "child"]
    if how == "PYTHONPATH=dir:$PYTHONPATH":
        env["PYTHONPATH"] = os.pathsep.join([str(where / "auto"), env["PYTHONPATH"]])
    elif how.startswith("-"):
        command.insert(1, how)
    r = subprocess.run(command, cwd=where, env=env, capture_output=True, text=True, timeout=180)
    safemaker.uninstall_process()
    assert r.returncode == 0, r.stderr
    if not with_pth and how != "PYTHONPATH as inherited":
        assert _outcome(r.stdout, "child") == ("sent", "sent")
        assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 2
        return
    assert _outcome(r.stdout, "child") == ("GuardrailViolation", "sent")
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 1
    stored = safemaker_local.session.client("sagemaker").describe_training_job(TrainingJobName="child-plain")
    assert (stored["EnableNetworkIsolation"], stored["VpcConfig"]) == (
        True, {"Subnets": [SUB_A, SUB_C], "SecurityGroupIds": [SG]})


CHECK_MODULES = "import sys; print(sorted(m for m in ('safemaker', 'boto3', 'botocore') if m in sys.modules))"


def test_without_the_variable_safemaker_pth_imports_nothing(environment):
    exe, site = environment
    shutil.copyfile(PTH_SOURCE, site / "safemaker.pth")
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SAFEMAKER_") and k != "PYTHONPATH"}
        off = subprocess.run([exe, "-c", CHECK_MODULES], env=env, capture_output=True, text=True, timeout=60)
        on = subprocess.run([exe, "-c", CHECK_MODULES], env={**env, "SAFEMAKER_RUN_PYTHON": sys.executable,
                                                             "SAFEMAKER_GUARD_PROFILE": json.dumps(make_profile().to_dict())},
                            capture_output=True, text=True, timeout=60)
    finally:
        (site / "safemaker.pth").unlink()
    assert (off.returncode, off.stdout.strip(), off.stderr) == (0, "[]", "")
    assert (on.returncode, on.stdout.strip()) == (0, "['botocore', 'safemaker']"), on.stderr


def test_a_child_that_cannot_be_guarded_by_safemaker_pth_stops_before_its_code(environment, tmp_path):
    """The .pth fails closed as the sitecustomize does: safemaker not importable, or a bad variable."""
    exe, site = environment
    shutil.copyfile(PTH_SOURCE, site / "safemaker.pth")
    (tmp_path / "auto").mkdir()
    (tmp_path / "auto" / "sitecustomize.py").write_text(TOOL_SITECUSTOMIZE)
    (tmp_path / "broken" / "safemaker").mkdir(parents=True)
    (tmp_path / "broken" / "safemaker" / "__init__.py").write_text("raise ImportError('simulated broken install')\n")
    marker = tmp_path / "ran"
    code = f"open({str(marker)!r}, 'w')"
    base = {**os.environ, "SAFEMAKER_RUN_PYTHON": sys.executable, "SAFEMAKER_GUARD_PROFILE": json.dumps(make_profile().to_dict()),
            "PYTHONPATH": os.pathsep.join([str(tmp_path / "auto"), str(BOOTSTRAP_DIR)])}
    try:
        broken = subprocess.run([exe, "-c", code], capture_output=True, text=True, timeout=60,
                                env={**base, "PYTHONPATH": os.pathsep.join([str(tmp_path / "auto"),
                                                                             str(tmp_path / "broken")])})
        bad_mode = subprocess.run([exe, "-c", code], capture_output=True, text=True, timeout=60,
                                  env={**base, "SAFEMAKER_GUARD_MODE": "bogus"})
    finally:
        (site / "safemaker.pth").unlink()
    assert not marker.exists()
    assert broken.returncode == 2
    assert "cannot import safemaker (simulated broken install)" in broken.stderr
    assert bad_mode.returncode == 2
    assert "SAFEMAKER_GUARD_MODE" in bad_mode.stderr and "bogus" in bad_mode.stderr


def test_the_wheel_puts_safemaker_pth_at_the_root_of_site_packages():
    """pyproject's force-include maps the file to the wheel's root (hatchling: wheel and editable builds)."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    pyproject = tomllib.loads((PTH_SOURCE.parents[3] / "pyproject.toml").read_text())
    force = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert force == {"src/safemaker/_run/safemaker.pth": "safemaker.pth"}
