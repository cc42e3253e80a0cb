"""The notebook lifecycle configuration's on-start script, executed in a sandbox (issue 12).

The sandbox is a notebook instance's layout under a temporary home: an
``anaconda3`` directory whose ``base`` and ``envs/*`` are real virtual
environments -- two kernel environments (``python3``, ``pytorch_p310``: they see
ipykernel, IPython, pip and safemaker's dependencies through a ``.pth`` file
pointing at a copy-free view of this test run's site-packages *without*
safemaker), ``JupyterSystemEnv`` (has ipykernel, must be skipped), ``R`` and
``base`` (no ipykernel, skipped). The wheelhouse is real: built by
:func:`safemaker.notebook.build_wheelhouse` from this source tree and the
local wheel directory (``--no-index``), uploaded with
:func:`safemaker.notebook.upload_wheelhouse` to moto's S3 on 127.0.0.1. The
script runs with bash as generated; ``aws`` is the real AWS CLI (pointed at the
local backend by ``AWS_ENDPOINT_URL``); ``sudo`` is a PATH shim that records
the user asked for and runs the command as the current user (the sandbox has
no ``ec2-user``). Nothing contacts an address other than 127.0.0.1: pip runs
with ``--no-index`` and no configuration file.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import venv
from pathlib import Path

import pytest

from safemaker.notebook import (build_wheelhouse, create_closed_notebook_instance, create_lifecycle_config,
                                default_wheelhouse_uri, lifecycle_config_script, upload_wheelhouse)
from safemaker.profile import VpcProfile

import _profiles
from _profiles import ROLE, profile_fields

ROOT = Path(__file__).resolve().parents[2]
BUCKET = "closed-artifacts-123456789012"
PROFILE = profile_fields(default_bucket=BUCKET)
LOCAL_WHEELS = [d for d in ("/opt/pypi/files", "/opt/wheels", "/opt/pypi-more/files")
                if Path(d).is_dir() and any(Path(d).glob("hatchling-*.whl"))]
KERNEL_ENVS = ("python3", "pytorch_p310")
USER = __import__("getpass").getuser()


def make_profile() -> VpcProfile:
    return _profiles.make_profile(**PROFILE)


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory) -> Path:
    if not LOCAL_WHEELS:
        pytest.skip("no local wheel directory with hatchling (/opt/pypi/files): cannot build a wheelhouse offline")
    dest = tmp_path_factory.mktemp("wheelhouse")
    old = os.environ.get("PIP_CONFIG_FILE")
    os.environ["PIP_CONFIG_FILE"] = os.devnull  # no index from a pip.conf: --no-index and local files only
    try:
        wheels = build_wheelhouse(dest, (), project=ROOT, find_links=LOCAL_WHEELS, no_index=True)
    finally:
        if old is None:
            os.environ.pop("PIP_CONFIG_FILE", None)
        else:
            os.environ["PIP_CONFIG_FILE"] = old
    names = {w.name.split("-")[0].lower() for w in wheels}
    assert {"safemaker", "boto3", "botocore", "pydantic", "pydantic_core", "typer", "rich", "pyyaml"} <= names
    return dest


def _overlay(tmp: Path) -> Path:
    """This interpreter's site-packages, every entry but safemaker's (symlinks: nothing is copied)."""
    site = Path(sysconfig.get_paths()["purelib"])
    overlay = tmp / "overlay"
    overlay.mkdir()
    for entry in site.iterdir():
        lowered = entry.name.lower()
        if lowered.startswith(("safemaker", "__editable__", "_safemaker")) or lowered.endswith(".pth"):
            continue
        (overlay / entry.name).symlink_to(entry)
    return overlay


def _make_env(path: Path, overlay: Path | None) -> None:
    venv.EnvBuilder(with_pip=False, symlinks=True).create(path)
    if overlay is not None:
        site = Path(subprocess.run([str(path / "bin" / "python"), "-c",
                                    "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                   capture_output=True, text=True, check=True, env=_clean_env()).stdout.strip())
        (site / "_sandbox_overlay.pth").write_text(str(overlay) + "\n")


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "SAFEMAKER_", "PIP_", "PYTHON", "IPYTHON", "JUPYTER"))}
    env.update({"PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
    env.update(extra)
    return env


@pytest.fixture
def sandbox(tmp_path, safemaker_local, wheelhouse):
    """(home, env for the script, shim log): the notebook layout, the wheelhouse in S3, shims on PATH."""
    if shutil.which("aws") is None:
        pytest.skip("the AWS CLI is not installed (the script downloads the wheelhouse with `aws s3 cp`)")
    s3 = safemaker_local.session.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    keys = upload_wheelhouse(wheelhouse, default_wheelhouse_uri(make_profile()), s3_client=s3, progress=False)
    assert len(keys) == len(list(wheelhouse.glob("*.whl")))
    home = tmp_path / "home" / "ec2-user"
    conda = home / "anaconda3"
    overlay = _overlay(tmp_path)
    _make_env(conda, None)  # base: no ipykernel
    for name in KERNEL_ENVS + ("JupyterSystemEnv",):
        _make_env(conda / "envs" / name, overlay)
    _make_env(conda / "envs" / "R", None)
    shims = tmp_path / "shims"
    shims.mkdir()
    shim_log = tmp_path / "sudo.log"
    (shims / "sudo").write_text(f"""#!/bin/bash
# test shim: record the user asked for, then run the command as the current user (no ec2-user here)
echo "$@" >> {shim_log}
while [ $# -gt 0 ]; do case "$1" in -u) shift 2;; -H|-b|-i) shift;; *) break;; esac; done
exec "$@"
""")
    (shims / "sudo").chmod(0o755)
    env = _clean_env(PATH=f"{shims}:{os.environ['PATH']}", AWS_ENDPOINT_URL=safemaker_local.endpoint_url,
                     NB_HOME=str(home), NB_USER=USER, HOME=str(home))
    return home, env, shim_log


def _wait_done(status: Path, timeout: float = 300.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if status.exists():
            lines = status.read_text().splitlines()
            if lines and lines[-1].startswith(("done", "failed download")):
                return lines
        time.sleep(0.5)
    raise AssertionError(f"the background install did not finish in {timeout} s: "
                         f"{status.read_text() if status.exists() else 'no status file'}")


def test_on_start_installs_safemaker_offline_into_every_kernel_env_and_guards_every_kernel(sandbox, safemaker_local):
    home, env, shim_log = sandbox
    script = home.parent.parent / "on-start.sh"
    script.write_text(lifecycle_config_script(make_profile()))
    started = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=60, env=env)
    assert started.returncode == 0, started.stderr
    assert "installing safemaker in the background" in started.stdout
    state = home / ".safemaker"
    lines = _wait_done(state / "install.status")
    log = (state / "install.log").read_text()
    assert lines[0] == "started"
    assert sorted(line for line in lines if line.startswith("ok ")) == sorted(f"ok {n}" for n in KERNEL_ENVS), log
    assert lines[-1] == "done 2 0", log
    assert "skip JupyterSystemEnv: Jupyter's own environment" in log
    assert "skip R: no ipykernel" in log and "skip base: no ipykernel" in log
    assert f"-u {USER} -H env" in shim_log.read_text()  # ran as the notebook user, through sudo

    # The profile on the instance is the profile.
    assert VpcProfile.load(str(state / "profile.json")) == make_profile()

    conda = home / "anaconda3"
    for name in KERNEL_ENVS:  # installed from the wheelhouse into the env itself
        py = conda / "envs" / name / "bin" / "python"
        where = subprocess.run([str(py), "-c", "import safemaker; print(safemaker.__file__)"],
                               capture_output=True, text=True, env=env)
        assert where.returncode == 0, where.stderr
        assert where.stdout.strip().startswith(str(conda / "envs" / name / "lib")), where.stdout
    for name in ("JupyterSystemEnv", "R"):
        py = conda / "envs" / name / "bin" / "python"
        assert subprocess.run([str(py), "-c", "import safemaker"], capture_output=True, env=env).returncode != 0

    # A kernel starting in an env (IPython runs the startup file) has the guard on: an open
    # CreateNotebookInstance is refused before it is sent.
    code = (
        "import boto3, safemaker\n"
        "g = safemaker.process_guard()\n"
        "print('GUARD', g is not None and g.profile.vpc_id)\n"
        f"sm = boto3.client('sagemaker', region_name='us-east-1', endpoint_url={safemaker_local.endpoint_url!r})\n"
        "try:\n"
        "    sm.create_notebook_instance(NotebookInstanceName='open', InstanceType='ml.t3.medium',\n"
        f"        RoleArn={ROLE!r}, DirectInternetAccess='Enabled')\n"
        "    print('SENT')\n"
        "except safemaker.errors.GuardrailViolation as exc:\n"
        "    print('REFUSED', exc.operation)\n"
    )
    for name in KERNEL_ENVS:
        py = conda / "envs" / name / "bin" / "python"
        kernel = subprocess.run([str(py), "-m", "IPython", "--no-banner", "--colors=NoColor", "-c", code],
                                capture_output=True, text=True, timeout=120, env=env)
        assert kernel.returncode == 0, kernel.stderr
        assert "GUARD vpc-0dddddddddddddddd" in kernel.stdout, kernel.stdout + kernel.stderr
        assert "REFUSED CreateNotebookInstance" in kernel.stdout, kernel.stdout + kernel.stderr
    # And a real Jupyter kernel (ipykernel, as the notebook server starts it) of one env.
    assert "REFUSED CreateNotebookInstance" in _run_in_kernel(conda / "envs" / "python3", code, env,
                                                              home.parent.parent)
    assert safemaker_local.request_count("sagemaker", "CreateNotebookInstance") == 0


def _run_in_kernel(env_dir: Path, code: str, env: dict[str, str], tmp: Path) -> str:
    """Run ``code`` in an ipykernel of ``env_dir`` started by jupyter_client; return its stdout."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    spec = tmp / "kernels" / "sandbox"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(env_dir / "bin" / "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "sandbox", "language": "python"}))
    ksm = KernelSpecManager(kernel_dirs=[str(tmp / "kernels")])
    ksm.ensure_native_kernel = False
    km = KernelManager(kernel_name="sandbox", kernel_spec_manager=ksm)
    km.start_kernel(env=env, cwd=str(tmp))
    client = km.client()
    out: list[str] = []
    try:
        client.start_channels()
        client.wait_for_ready(timeout=120)

        def hook(msg):
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                out.append("ERROR " + msg["content"]["ename"] + ": " + msg["content"]["evalue"])

        reply = client.execute_interactive(code, output_hook=hook, timeout=120)
        assert reply["content"]["status"] == "ok", out
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=True)
    return "".join(out)


def test_on_start_reports_a_wheelhouse_it_cannot_download(sandbox):
    home, env, _ = sandbox
    script = home.parent.parent / "on-start.sh"
    script.write_text(lifecycle_config_script(make_profile(), wheelhouse_uri=f"s3://no-such-bucket-here/wh/"))
    assert subprocess.run(["bash", str(script)], capture_output=True, timeout=60, env=env).returncode == 0
    lines = _wait_done(home / ".safemaker" / "install.status")
    assert lines[-1] == "failed download"
    assert "FAILED: cannot download the wheelhouse" in (home / ".safemaker" / "install.log").read_text()
    # The startup file still guards or says loudly that it cannot: safemaker is absent here.
    py = home / "anaconda3" / "envs" / "python3" / "bin" / "python"
    kernel = subprocess.run([str(py), "-m", "IPython", "--no-banner", "-c", "print('ran')"], capture_output=True,
                            text=True, timeout=120, env=env)
    assert "safemaker: NOT installed in this kernel's environment" in kernel.stdout + kernel.stderr


# --------------------------------------------------------------------------- the API side


def test_create_lifecycle_config_sends_the_script_base64_and_create_attaches_it(safemaker_local):
    sm = safemaker_local.session.client("sagemaker")
    profile = make_profile()
    arn = create_lifecycle_config("safemaker-onstart", profile=profile, sagemaker_client=sm)
    assert arn.endswith(":notebook-instance-lifecycle-config/safemaker-onstart")
    described = sm.describe_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="safemaker-onstart")
    (hook,) = described["OnStart"]
    assert base64.b64decode(hook["Content"]).decode() == lifecycle_config_script(profile)

    created = create_closed_notebook_instance("closed-nb", profile=profile, sagemaker_client=sm,
                                              install_safemaker=True, wait=False)
    assert created["NotebookInstanceLifecycleConfigName"] == "safemaker-closed-nb"
    assert created["DirectInternetAccess"] == "Disabled"
    assert safemaker_local.request_count("sagemaker", "CreateNotebookInstanceLifecycleConfig") == 2


def test_a_failed_create_leaves_no_lifecycle_config(safemaker_local):
    sm = safemaker_local.session.client("sagemaker")
    profile = make_profile()
    create_closed_notebook_instance("dup-nb", profile=profile, sagemaker_client=sm, wait=False)
    with pytest.raises(Exception):  # the second CreateNotebookInstance of the same name fails at AWS
        create_closed_notebook_instance("dup-nb", profile=profile, sagemaker_client=sm, install_safemaker=True,
                                        wait=False)
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as gone:  # moto lacks ListNotebookInstanceLifecycleConfigs: describe it
        sm.describe_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName="safemaker-dup-nb")
    assert gone.value.response["Error"]["Code"] == "ValidationException"
    assert safemaker_local.request_count("sagemaker", "DeleteNotebookInstanceLifecycleConfig") == 1


def test_upload_wheelhouse_leaves_nothing_behind_when_an_upload_fails(tmp_path, safemaker_local):
    s3 = safemaker_local.session.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    src = tmp_path / "wh"
    src.mkdir()
    for name in ("a-1.0-py3-none-any.whl", "b-1.0-py3-none-any.whl", "c-1.0-py3-none-any.whl"):
        (src / name).write_bytes(b"wheel " + name.encode())
    real = s3.upload_file
    calls = []

    def failing_third(filename, bucket, key, **kwargs):
        calls.append(key)
        if len(calls) == 3:
            raise OSError("disk read error")
        return real(filename, bucket, key, **kwargs)

    s3.upload_file = failing_third
    with pytest.raises(OSError, match="disk read error"):
        upload_wheelhouse(src, f"s3://{BUCKET}/wh/", s3_client=s3, progress=False)
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0
    s3.upload_file = real
    keys = upload_wheelhouse(src, f"s3://{BUCKET}/wh", s3_client=s3, progress=False)
    assert keys == ["wh/a-1.0-py3-none-any.whl", "wh/b-1.0-py3-none-any.whl", "wh/c-1.0-py3-none-any.whl"]
    body = s3.get_object(Bucket=BUCKET, Key="wh/b-1.0-py3-none-any.whl")["Body"].read()
    assert body == b"wheel b-1.0-py3-none-any.whl"


# --------------------------------------------------------------------------- command line


def _cli(args, **env):
    from typer.testing import CliRunner

    from safemaker.cli import app

    return CliRunner().invoke(app, args, env={"COLUMNS": "200", **env})


@pytest.fixture
def profile_file(tmp_path):
    path = tmp_path / "profile.json"
    path.write_text(json.dumps({"safemaker": PROFILE}))
    return str(path)


def test_cli_wheelhouse_uploads_a_directory_and_prints_the_uri(tmp_path, safemaker_local, profile_file):
    s3 = safemaker_local.session.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    src = tmp_path / "wh"
    src.mkdir()
    (src / "x-1.0-py3-none-any.whl").write_bytes(b"x")
    r = _cli(["notebook", "wheelhouse", str(src), "--no-build", "-p", profile_file,
              "--endpoint-url", safemaker_local.endpoint_url])
    assert r.exit_code == 0, r.output
    assert r.stdout.strip() == f"s3://{BUCKET}/safemaker/wheelhouse/"
    assert "uploaded 1 wheels" in r.stderr
    assert s3.get_object(Bucket=BUCKET, Key="safemaker/wheelhouse/x-1.0-py3-none-any.whl")["Body"].read() == b"x"


def test_cli_wheelhouse_without_wheels_exits_2(tmp_path, safemaker_local, profile_file):
    r = _cli(["notebook", "wheelhouse", str(tmp_path), "--no-build", "-p", profile_file,
              "--endpoint-url", safemaker_local.endpoint_url])
    assert r.exit_code == 2
    assert "a directory holding .whl files" in r.stderr


def test_cli_create_install_safemaker_attaches_the_lifecycle_config(safemaker_local, profile_file):
    r = _cli(["notebook", "create", "cli-nb", "--install-safemaker", "--no-wait", "-p", profile_file,
              "--endpoint-url", safemaker_local.endpoint_url])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["NotebookInstanceLifecycleConfigName"] == "safemaker-cli-nb"
    r = _cli(["notebook", "lifecycle-config", "--create", "cli-onstart", "-p", profile_file,
              "--endpoint-url", safemaker_local.endpoint_url])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["NotebookInstanceLifecycleConfigArn"].endswith(
        ":notebook-instance-lifecycle-config/cli-onstart")
