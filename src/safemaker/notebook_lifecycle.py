"""Notebook-instance lifecycle configuration: safemaker in every kernel, installed without internet.

A closed notebook instance (``DirectInternetAccess=Disabled``, seed 4.3) has
no route to PyPI. The administrator puts a *wheelhouse* (safemaker and its
dependencies as wheels) in the profile's bucket, which the instance reaches
through the VPC's S3 gateway endpoint; the lifecycle configuration's on-start
script then, on every start:

1. writes the profile to ``/home/ec2-user/.safemaker/profile.json``;
2. writes an IPython startup file
   (``/home/ec2-user/.ipython/profile_default/startup/00-safemaker.py``) that
   sets ``SAFEMAKER_PROFILE`` to that file, imports :mod:`safemaker.auto` (the
   process guard, on for every SageMaker request of the kernel) and loads the
   IPython extension (a refusal shows as one message) -- in every kernel of
   every environment;
3. starts, in the background, as ``ec2-user`` (the AWS samples' ``nohup``
   pattern: an on-start script that runs longer than 5 minutes fails the
   instance), the install: ``aws s3 cp --recursive`` of the wheelhouse, then
   ``pip install --no-index --find-links <wheelhouse> --upgrade safemaker`` in
   every conda environment under ``/home/ec2-user/anaconda3`` (``base`` and
   ``envs/*``) that has ``ipykernel``, except ``JupyterSystemEnv`` (Jupyter's
   own). Progress and the result per environment go to
   ``/home/ec2-user/.safemaker/install.log``; the last line of
   ``install.status`` is ``done <installed> <failed>`` at the end.

The iteration over environments and the ``sudo -u ec2-user`` / ``nohup``
pattern follow AWS's samples
(``aws-samples/amazon-sagemaker-notebook-instance-lifecycle-config-samples``,
``scripts/install-pip-package-all-environments/on-start.sh``). Lifecycle
configurations run as root even when ``RootAccess`` is ``Disabled``.

The script's size is checked against the API's limit on
``NotebookInstanceLifecycleConfigContent`` (read from botocore's service
model: 16384 characters of base64, i.e. 12288 bytes of script).

References
----------
Amazon SageMaker API Reference: CreateNotebookInstanceLifecycleConfig,
NotebookInstanceLifecycleHook. Developer Guide: "Customize a notebook instance
using a lifecycle configuration script".
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import shlex
import subprocess
import sys
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from .errors import WheelhouseBuildError
from .notebook import NotebookInputError, _check_name, _Display, _make_client, _profile_of

if TYPE_CHECKING:  # pragma: no cover
    import boto3
    from rich.progress import Progress

    from .profile import VpcProfile

__all__ = [
    "WheelhouseBuildError",
    "NOTEBOOK_USER",
    "STATE_DIR",
    "STARTUP_FILE",
    "WHEELHOUSE_PREFIX",
    "lifecycle_content_limit",
    "default_wheelhouse_uri",
    "lifecycle_config_script",
    "encode_lifecycle_content",
    "is_safemaker_on_start",
    "create_lifecycle_config",
    "build_wheelhouse",
    "upload_wheelhouse",
]

logger = logging.getLogger(__name__)

NOTEBOOK_USER = "ec2-user"
"""The user Jupyter runs as on a notebook instance (home ``/home/ec2-user``)."""
STATE_DIR = ".safemaker"
"""Directory under the notebook user's home holding the profile, the wheelhouse and the install log."""
STARTUP_FILE = ".ipython/profile_default/startup/00-safemaker.py"
"""IPython startup file (under the notebook user's home) that guards every kernel."""
WHEELHOUSE_PREFIX = "safemaker/wheelhouse/"
"""Key prefix of the wheelhouse in the profile's bucket (:func:`default_wheelhouse_uri`)."""

_S3_URI_RE = re.compile(r"^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/([A-Za-z0-9!_.*'()/=+-]*)$")
_REQUIREMENT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9._,-]+\])?([<>=!~]=?[A-Za-z0-9.*+!_-]+)?$")
_HEREDOC = "EOF_SAFEMAKER_LCC"


@lru_cache(maxsize=1)
def lifecycle_content_limit() -> int:
    """Maximum length of one ``Content`` (base64) of a lifecycle configuration hook.

    Returns
    -------
    int
        ``max`` of botocore's ``NotebookInstanceLifecycleConfigContent`` shape (16384).
    """
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    return int(model.shape_for("NotebookInstanceLifecycleConfigContent").metadata["max"])


def default_wheelhouse_uri(profile: "VpcProfile") -> str:
    """``s3://<profile bucket>/safemaker/wheelhouse/``.

    The bucket is ``profile.default_bucket``, else the SDK's default
    ``sagemaker-<region>-<account>`` (:func:`safemaker.iam.default_bucket_name`,
    which the execution role's policy grants).
    """
    from .iam import default_bucket_name

    return f"s3://{default_bucket_name(profile)}/{WHEELHOUSE_PREFIX}"


def _check_s3_uri(uri: Any, field: str = "wheelhouse_uri") -> str:
    if not isinstance(uri, str) or not _S3_URI_RE.fullmatch(uri):
        raise NotebookInputError(field, uri, "an S3 prefix such as 's3://bucket/safemaker/wheelhouse/'",
                                 "Pass the s3:// location the wheelhouse was uploaded to")
    return uri if uri.endswith("/") else uri + "/"


def _check_requirement(requirement: Any) -> str:
    if not isinstance(requirement, str) or not _REQUIREMENT_RE.fullmatch(requirement):
        raise NotebookInputError("requirement", requirement,
                                 "a pip requirement such as 'safemaker' or 'safemaker[sdk]==0.4.0'",
                                 "Pass the name of the package in the wheelhouse, optionally with extras and a "
                                 "version")
    return requirement


def _quote(value: str) -> str:
    return shlex.quote(value)


_STARTUP = '''\
# Written by safemaker's notebook lifecycle configuration: every kernel of this notebook
# instance starts with the safemaker process guard on (every SageMaker request is decided
# against the VPC profile). Remove the lifecycle configuration to stop it.
import os as _os
import sys as _sys

_os.environ.setdefault("SAFEMAKER_PROFILE", {profile_path!r})
try:
    import safemaker.auto  # noqa: F401  (turns the process guard on; refuses to run on a bad profile)
except ImportError as _exc:
    print("safemaker: NOT installed in this kernel's environment (" + _sys.executable + "): " + str(_exc)
          + ". SageMaker requests of this kernel are NOT guarded. See " + {log_path!r} + ".",
          file=_sys.stderr)
else:
    try:
        get_ipython().extension_manager.load_extension("safemaker")  # noqa: F821  (refusals as one message)
    except Exception as _exc:  # the guard is on already; only the display is missing
        print("safemaker: IPython extension not loaded: " + str(_exc), file=_sys.stderr)
'''

_INSTALL = r'''#!/bin/bash
# safemaker: offline install into every kernel environment (run by the on-start script, as the notebook user).
set -uo pipefail
log() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $*"; }
echo "started" > "$STATE/install.status"
AWS_BIN="$(command -v aws || true)"
[ -n "$AWS_BIN" ] || AWS_BIN="$CONDA_DIR/bin/aws"
WHEELHOUSE="$STATE/wheelhouse"
rm -rf "$WHEELHOUSE" && mkdir -p "$WHEELHOUSE"
log "downloading the wheelhouse $WHEELHOUSE_URI (region $REGION)"
if ! "$AWS_BIN" s3 cp --recursive --only-show-errors --region "$REGION" "$WHEELHOUSE_URI" "$WHEELHOUSE"; then
    log "FAILED: cannot download the wheelhouse (S3 gateway endpoint, bucket policy, execution role?)"
    echo "failed download" >> "$STATE/install.status"
    exit 1
fi
log "wheelhouse: $(ls "$WHEELHOUSE" | wc -l) files"
installed=0
failed=0
for env in "$CONDA_DIR" "$CONDA_DIR"/envs/*; do
    [ -x "$env/bin/python" ] || continue
    name="$(basename "$env")"
    [ "$env" = "$CONDA_DIR" ] && name=base
    if [ "$name" = "JupyterSystemEnv" ]; then
        log "skip $name: Jupyter's own environment, not a kernel"
        continue
    fi
    if ! "$env/bin/python" -c "import ipykernel" > /dev/null 2>&1; then
        log "skip $name: no ipykernel (not a kernel environment)"
        continue
    fi
    log "installing $REQUIREMENT into $name"
    if "$env/bin/python" -m pip install --no-index --find-links "$WHEELHOUSE" --upgrade \
            --upgrade-strategy only-if-needed --disable-pip-version-check --no-warn-script-location \
            "$REQUIREMENT" && "$env/bin/python" -c "import safemaker" > /dev/null 2>&1; then
        log "ok $name"
        echo "ok $name" >> "$STATE/install.status"
        installed=$((installed + 1))
    else
        log "FAILED $name"
        echo "failed $name" >> "$STATE/install.status"
        failed=$((failed + 1))
    fi
done
log "done: $installed environment(s) installed, $failed failed"
echo "done $installed $failed" >> "$STATE/install.status"
[ "$failed" -eq 0 ]
'''


def lifecycle_config_script(
    profile: "VpcProfile",
    *,
    wheelhouse_uri: str | None = None,
    requirement: str = "safemaker",
    notebook_user: str = NOTEBOOK_USER,
) -> str:
    """The on-start script of the lifecycle configuration (bash).

    Parameters
    ----------
    profile : VpcProfile
        The profile written on the instance; its region is the S3 client's.
    wheelhouse_uri : str, optional
        ``s3://bucket/prefix/`` holding the wheels; default
        :func:`default_wheelhouse_uri` (``s3://<profile bucket>/safemaker/wheelhouse/``).
    requirement : str, default "safemaker"
        What ``pip install`` installs from the wheelhouse (extras and a
        version allowed: ``"safemaker[sdk]==0.4.0"``).
    notebook_user : str, default "ec2-user"
        The user Jupyter runs as; its home is ``/home/<user>``.

    Returns
    -------
    str
        The script. ``NB_USER``, ``NB_HOME`` and ``NB_CONDA_DIR`` (Jupyter's
        names) in its environment override the user, home and conda directory
        (for running it elsewhere, e.g. in tests).

    Raises
    ------
    NotebookInputError
        A malformed ``wheelhouse_uri``, ``requirement`` or ``notebook_user``,
        or a script longer than the API accepts (:func:`lifecycle_content_limit`).
    """
    uri = _check_s3_uri(wheelhouse_uri if wheelhouse_uri is not None else default_wheelhouse_uri(profile))
    req = _check_requirement(requirement)
    if not isinstance(notebook_user, str) or not re.fullmatch(r"[a-z_][a-z0-9_-]{0,31}", notebook_user):
        raise NotebookInputError("notebook_user", notebook_user, "a login name", "Use 'ec2-user'")
    profile_json = json.dumps({"safemaker": profile.to_dict()}, indent=1, sort_keys=True)
    home = f"/home/{notebook_user}"
    startup = _STARTUP.format(profile_path=f"{home}/{STATE_DIR}/profile.json",
                              log_path=f"{home}/{STATE_DIR}/install.log")
    for text in (profile_json, startup, _INSTALL):
        if _HEREDOC in text:  # pragma: no cover - validated values cannot hold it
            raise NotebookInputError("profile", _HEREDOC, "no heredoc delimiter", "Report this")
    script = f"""#!/bin/bash
# safemaker notebook lifecycle configuration (on-start), generated by `safemaker notebook lifecycle-config`.
# Installs {req} from the wheelhouse {uri} (no internet: S3 through the VPC's gateway endpoint)
# into every kernel environment, and turns the safemaker guard on in every kernel.
set -euo pipefail
NB_USER="${{NB_USER:-{notebook_user}}}"
NB_HOME="${{NB_HOME:-{home}}}"
CONDA_DIR="${{NB_CONDA_DIR:-$NB_HOME/anaconda3}}"
STATE="$NB_HOME/{STATE_DIR}"
mkdir -p "$STATE" "$NB_HOME/{os.path.dirname(STARTUP_FILE)}"
cat > "$STATE/profile.json" <<'{_HEREDOC}'
{profile_json}
{_HEREDOC}
cat > "$NB_HOME/{STARTUP_FILE}" <<'{_HEREDOC}'
{startup.replace(home, "__NB_HOME__")}{_HEREDOC}
sed -i "s|__NB_HOME__|$NB_HOME|g" "$NB_HOME/{STARTUP_FILE}"
cat > "$STATE/install.sh" <<'{_HEREDOC}'
{_INSTALL}{_HEREDOC}
chown -R "$NB_USER" "$STATE" "$NB_HOME/.ipython"
# An on-start script has 5 minutes: the install runs in the background (AWS samples' nohup pattern).
nohup sudo -u "$NB_USER" -H env STATE="$STATE" CONDA_DIR="$CONDA_DIR" REGION={_quote(profile.region)} \\
    WHEELHOUSE_URI={_quote(uri)} REQUIREMENT={_quote(req)} \\
    bash "$STATE/install.sh" > "$STATE/install.log" 2>&1 &
echo "safemaker: installing {req} in the background; log: $STATE/install.log"
"""
    limit = lifecycle_content_limit()
    size = len(encode_lifecycle_content(script))
    if size > limit:
        raise NotebookInputError("profile", f"{size} characters of base64", f"at most {limit} "
                                 "(NotebookInstanceLifecycleConfigContent)",
                                 "Shorten the profile's lists, or put the profile in SSM and pass ssm:<name>")
    return script


def encode_lifecycle_content(script: str) -> str:
    """``Content`` of a lifecycle hook: the script, UTF-8, base64-encoded (as the API takes it)."""
    return base64.b64encode(script.encode("utf-8")).decode("ascii")


_SCRIPT_PARAMS = re.compile(
    r"^NB_USER=\"\$\{NB_USER:-(?P<user>[^}]*)\}\"$.*?"
    r"^    WHEELHOUSE_URI=(?P<uri>\S+) REQUIREMENT=(?P<req>\S+) \\$",
    re.M | re.S)


def is_safemaker_on_start(profile: "VpcProfile", hooks: Any) -> bool:
    """Whether an ``OnStart`` hook list is exactly safemaker's own script for this profile.

    The guard refuses lifecycle scripts while the profile disables root access
    (SM-NB-LIFECYCLE: they run as root). safemaker's script is the exception:
    its text is fully determined by the profile, the wheelhouse URI and the
    requirement (validated values, no free text), and it runs nothing as root
    but writing its files; the install runs as ``ec2-user``. It is recognised
    by regenerating it from the values it names and comparing byte for byte,
    so a single changed or added character makes it an ordinary script again.

    Parameters
    ----------
    profile : VpcProfile
        The guard's profile (the script must carry this very profile).
    hooks : Any
        The request's ``OnStart`` value: a list of one ``{"Content": base64}``.

    Returns
    -------
    bool
        True only for ``[{"Content": <base64 of lifecycle_config_script(profile, ...)>}]``
        with the notebook user ``ec2-user``.
    """
    if not isinstance(hooks, (list, tuple)) or len(hooks) != 1 or not isinstance(hooks[0], dict) \
            or set(hooks[0]) != {"Content"} or not isinstance(hooks[0]["Content"], str):
        return False
    try:
        script = base64.b64decode(hooks[0]["Content"], validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return False
    match = _SCRIPT_PARAMS.search(script)
    if match is None or match.group("user") != NOTEBOOK_USER:
        return False
    try:
        uri, req = shlex.split(match.group("uri"))[0], shlex.split(match.group("req"))[0]
        expected = lifecycle_config_script(profile, wheelhouse_uri=uri, requirement=req)
    except (ValueError, NotebookInputError):
        return False
    return script == expected


def create_lifecycle_config(
    name: str,
    *,
    profile: "VpcProfile | str | None" = None,
    wheelhouse_uri: str | None = None,
    requirement: str = "safemaker",
    sagemaker_client: Any = None,
    boto3_session: "boto3.Session | None" = None,
    tags: dict[str, str] | None = None,
) -> str:
    """Create the notebook instance lifecycle configuration with the on-start script.

    Parameters
    ----------
    name : str
        ``NotebookInstanceLifecycleConfigName`` (1-63 letters, digits, hyphens).
    profile : VpcProfile, path or ``ssm:<name>``, optional
        Default ``$SAFEMAKER_PROFILE``.
    wheelhouse_uri, requirement
        As :func:`lifecycle_config_script`.
    sagemaker_client : botocore SageMaker client, optional
        Default: one in the profile's region from ``boto3_session``.
    boto3_session : boto3.Session, optional
    tags : dict of str to str, optional
        ``Tags``.

    Returns
    -------
    str
        ``NotebookInstanceLifecycleConfigArn``.

    Raises
    ------
    NotebookInputError
        Bad ``name`` or arguments of :func:`lifecycle_config_script`; nothing was sent.
    botocore.exceptions.ClientError
        AWS refused ``CreateNotebookInstanceLifecycleConfig`` (a configuration
        with that name exists...).
    """
    _check_name(name, "name (NotebookInstanceLifecycleConfigName)")
    prof = _profile_of(profile, sagemaker_client)
    script = lifecycle_config_script(prof, wheelhouse_uri=wheelhouse_uri, requirement=requirement)
    client = _make_client(sagemaker_client, boto3_session, prof.region if sagemaker_client is None else None)
    request: dict[str, Any] = {"NotebookInstanceLifecycleConfigName": name,
                               "OnStart": [{"Content": encode_lifecycle_content(script)}]}
    if tags:
        request["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    response = client.create_notebook_instance_lifecycle_config(**request)
    logger.info("notebook instance lifecycle configuration %s created", name)
    return str(response["NotebookInstanceLifecycleConfigArn"])


# --------------------------------------------------------------------------- wheelhouse


def _run_pip(args: Sequence[str], python: str, display: Callable[[str], None]) -> None:
    command = [python, "-m", "pip", *args]
    display("pip " + " ".join(args[:1]))
    proc = subprocess.run(command, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
        raise WheelhouseBuildError("pip " + " ".join(shlex.quote(a) for a in args), tail)


def build_wheelhouse(
    dest: "str | os.PathLike[str]",
    requirements: Iterable[str] = ("safemaker",),
    *,
    project: "str | os.PathLike[str] | None" = None,
    python_versions: Sequence[str] = (),
    platform: str = "manylinux2014_x86_64",
    find_links: Sequence["str | os.PathLike[str]"] = (),
    no_index: bool = False,
    python: str | None = None,
    progress: "Callable[[str], None] | None" = None,
) -> list[Path]:
    """Build a wheelhouse: safemaker and its dependencies as wheels, for an offline ``pip install``.

    Runs ``pip wheel --no-deps`` on ``project`` (when given: a source tree
    such as this repository), then ``pip download --only-binary=:all:`` of the
    requirements (and of the wheel just built, so its dependencies come too)
    into ``dest``, once per Python version of the notebook's kernels.

    Parameters
    ----------
    dest : path
        Directory to fill (created).
    requirements : iterable of str, default ("safemaker",)
        Requirements to download with their dependencies (``project``'s wheel
        replaces ``safemaker`` when given).
    project : path, optional
        A source tree to build the safemaker wheel from.
    python_versions : sequence of str, default ()
        Target Python versions (``"3.10"``...) of the notebook's kernel
        environments; empty: the running interpreter's.
    platform : str, default "manylinux2014_x86_64"
        pip ``--platform`` when ``python_versions`` is given (notebook instances
        run x86_64 Amazon Linux).
    find_links : sequence of path or URL
        pip ``--find-links``.
    no_index : bool, default False
        pip ``--no-index`` (only ``find_links``).
    python : str, optional
        Interpreter whose pip runs (default: this one).
    progress : callable, optional
        Called with a short description of each step.

    Returns
    -------
    list of pathlib.Path
        The wheels in ``dest``, sorted.

    Raises
    ------
    WheelhouseBuildError
        A pip step failed (the message carries pip's last lines).
    NotebookInputError
        A requirement is malformed; nothing was run.
    """
    out = Path(dest)
    out.mkdir(parents=True, exist_ok=True)
    display = progress or (lambda text: None)
    python = python or sys.executable
    reqs = [_check_requirement(r) for r in requirements]
    common: list[str] = ["--disable-pip-version-check"]
    if no_index:
        common.append("--no-index")
    for link in find_links:
        common += ["--find-links", os.fspath(link)]
    if project is not None:
        before = set(out.glob("*.whl"))
        _run_pip(["wheel", "--no-deps", "--wheel-dir", str(out), *common, os.fspath(project)], python, display)
        built = sorted(set(out.glob("*.whl")) - before) or sorted(out.glob("safemaker-*.whl"))
        reqs = [str(w) for w in built if w.name.startswith("safemaker-")] + \
            [r for r in reqs if not re.match(r"^safemaker\b", r)]
    targets: list[list[str]] = [[]] if not python_versions else [
        ["--python-version", v, "--platform", platform, "--implementation", "cp"] for v in python_versions]
    for target in targets:
        _run_pip(["download", "--dest", str(out), "--only-binary=:all:", "--find-links", str(out), *common,
                  *target, *reqs], python, display)
    return sorted(out.glob("*.whl"))


def upload_wheelhouse(
    source: "str | os.PathLike[str]",
    wheelhouse_uri: str,
    *,
    s3_client: Any,
    progress: "bool | Progress | None" = None,
) -> list[str]:
    """Upload a wheelhouse directory's wheels to ``s3://bucket/prefix/``.

    Every wheel is uploaded or none is left: on a failure, the objects
    already uploaded by this call are deleted before the error is raised.

    Parameters
    ----------
    source : path
        Directory holding ``*.whl`` files.
    wheelhouse_uri : str
        ``s3://bucket/prefix/``.
    s3_client : botocore S3 client
        In the bucket's region (through the S3 gateway endpoint in a closed network).
    progress : bool, rich.progress.Progress or None, default None
        Bytes uploaded, as :func:`safemaker.notebook.wait_for_notebook_instance`'s progress.

    Returns
    -------
    list of str
        The object keys written, in order.

    Raises
    ------
    NotebookInputError
        ``source`` holds no wheel, or the URI is malformed; nothing was sent.
    botocore.exceptions.ClientError, boto3.exceptions.S3UploadFailedError
        An upload failed (what this call uploaded was deleted).
    """
    uri = _check_s3_uri(wheelhouse_uri)
    bucket, prefix = _S3_URI_RE.fullmatch(uri).groups()  # type: ignore[union-attr]
    wheels = sorted(Path(source).glob("*.whl"))
    if not wheels:
        raise NotebookInputError("source", os.fspath(source), "a directory holding .whl files",
                                 "Build it first (safemaker notebook wheelhouse DIR)")
    total = sum(w.stat().st_size for w in wheels)
    bar = _Display(progress, f"Uploading {len(wheels)} wheels to {uri}", total)
    written: list[str] = []
    try:
        for wheel in wheels:
            key = prefix + wheel.name
            s3_client.upload_file(str(wheel), bucket, key, Callback=bar.advance)
            written.append(key)
    except BaseException:
        for key in written:
            try:
                s3_client.delete_object(Bucket=bucket, Key=key)
            except Exception:  # noqa: BLE001 - best effort; the original error is what matters
                logger.warning("could not delete s3://%s/%s after a failed upload", bucket, key)
        raise
    finally:
        bar.close()
    logger.info("wheelhouse uploaded: %d wheels, %d bytes, to %s", len(wheels), total, uri)
    return written
