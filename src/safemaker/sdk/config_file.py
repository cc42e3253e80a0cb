"""Write a VPC profile as the SageMaker Python SDK's own configuration file.

Code that never imports safemaker -- a colleague's notebook, a pipeline
script, a plain ``sagemaker.estimator.Estimator`` or a v3 ``ModelTrainer`` --
reads its defaults from the SDK's ``config.yaml`` (admin file, then user file;
see ``sagemaker/config/config.py`` in v2 and ``sagemaker/core/config/config.py``
in v3). Exported there, the profile makes those objects build closed requests
in the first place: ``SageMaker.TrainingJob.VpcConfig``,
``EnableNetworkIsolation``, ``EnableInterContainerTrafficEncryption``, the KMS
keys and the execution role of every section of
:data:`safemaker.sdk._config.SECTIONS`, and
``SageMaker.PythonSDK.Modules.TelemetryOptOut: true``. The document is the one
a :class:`~safemaker.sdk.ClosedNetworkSession` uses
(:func:`safemaker.sdk._config.profile_defaults`): one concept, one place.

A config file is a default, not an enforcement: code can pass other values
explicitly. The guard and the IAM / SCP policies stay the enforcement.

Locations, as both SDK majors compute them (``platformdirs`` with the app
name ``"sagemaker"``): admin ``site_config_dir("sagemaker")/config.yaml``
(``/etc/xdg/sagemaker/config.yaml`` on Linux), user
``user_config_dir("sagemaker")/config.yaml`` (``~/.config/sagemaker/config.yaml``
on Linux); the SDK reads other paths through ``SAGEMAKER_ADMIN_CONFIG_OVERRIDE``
/ ``SAGEMAKER_USER_CONFIG_OVERRIDE``. The SDK's schema
(``SAGEMAKER_PYTHON_SDK_CONFIG_SCHEMA``) has no notebook-instance section, so
``DirectInternetAccess`` / ``RootAccess`` cannot be exported: notebook
instances are closed by :mod:`safemaker.notebook` and the policies.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from safemaker.errors import ConfigExportError
from safemaker.sdk._config import profile_defaults

if TYPE_CHECKING:  # pragma: no cover
    from safemaker.profile import VpcProfile

__all__ = [
    "LOCATIONS",
    "CONFIG_FILE_NAME",
    "ConfigExportError",
    "config_path",
    "sagemaker_config_document",
    "sagemaker_config_yaml",
    "export_sagemaker_config",
]

CONFIG_FILE_NAME = "config.yaml"
"""The SDK's config file name (``_CONFIG_FILE_NAME`` in both majors)."""

LOCATIONS = ("admin", "user")
"""Named locations: the SDK's default admin and user config files."""

_APP_NAME = "sagemaker"  # the SDK's _APP_NAME, given to platformdirs


def config_path(location: "str | os.PathLike[str]" = "user") -> Path:
    """The file a location names.

    Parameters
    ----------
    location : {"admin", "user"} or path, default "user"
        ``"admin"``: the SDK's default admin file; ``"user"``: its default user
        file; any other value is a path (a directory gets ``config.yaml``
        appended, as the SDK does when it reads a directory).

    Returns
    -------
    pathlib.Path
        E.g. ``/etc/xdg/sagemaker/config.yaml`` or ``~/.config/sagemaker/config.yaml`` on Linux.

    Raises
    ------
    ConfigExportError
        ``location`` is empty, or a named location was asked and ``platformdirs``
        (a dependency of both SDK majors) is not installed.
    """
    text = os.fspath(location)
    if not text:
        raise ConfigExportError("location", text, "empty",
                                "Pass admin, user or the path of the config.yaml to write")
    if text in LOCATIONS:
        try:
            from platformdirs import site_config_dir, user_config_dir
        except ImportError:  # pragma: no cover - platformdirs comes with either SDK major
            raise ConfigExportError("location", text, "the SDK's default locations come from platformdirs, "
                                    "which is not installed", "Install the SageMaker SDK (or platformdirs), "
                                    "or pass a path") from None
        base = site_config_dir(_APP_NAME) if text == "admin" else user_config_dir(_APP_NAME)
        return Path(base) / CONFIG_FILE_NAME
    path = Path(text).expanduser()
    return path / CONFIG_FILE_NAME if path.is_dir() else path


def sagemaker_config_document(profile: "VpcProfile") -> dict[str, Any]:
    """The SDK config document for a profile.

    Parameters
    ----------
    profile : VpcProfile
        The profile.

    Returns
    -------
    dict
        ``{"SchemaVersion": "1.0", "SageMaker": {...}}``: every section of
        :data:`safemaker.sdk._config.SECTIONS` filled with the profile's values
        (:func:`safemaker.sdk._config.profile_defaults`). Valid against the
        SDK's ``SAGEMAKER_PYTHON_SDK_CONFIG_SCHEMA`` (v2 and v3).
    """
    return profile_defaults(profile)


def sagemaker_config_yaml(profile: "VpcProfile") -> str:
    """:func:`sagemaker_config_document` as the text of a ``config.yaml`` (a comment header, then YAML)."""
    import yaml

    header = (
        "# SageMaker Python SDK configuration written by `safemaker profile export --format sagemaker-config`\n"
        f"# from the VPC profile of VPC {profile.vpc_id} in {profile.region}. SDK objects built without\n"
        "# explicit network arguments take these values; the guard and the IAM / SCP policies enforce them.\n"
    )
    return header + yaml.safe_dump(sagemaker_config_document(profile), sort_keys=False, width=120)


def export_sagemaker_config(profile: "VpcProfile", location: "str | os.PathLike[str]" = "user", *,
                            force: bool = False) -> Path:
    """Write the profile as the SDK's ``config.yaml``.

    The file is written whole or not at all (a temporary file in the same
    directory, then renamed); missing parent directories are created.

    Parameters
    ----------
    profile : VpcProfile
        The profile.
    location : {"admin", "user"} or path, default "user"
        Where (:func:`config_path`). ``"admin"`` usually needs root.
    force : bool, default False
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ConfigExportError
        The file exists and ``force`` is false; the path is a directory that
        cannot hold ``config.yaml``, or its parent is a file; the location is
        empty; it cannot be written (permission).
    """
    path = config_path(location)
    if path.is_dir():
        raise ConfigExportError("location", str(path), "a directory", "Pass the path of a file")
    if path.exists() and not force:
        raise ConfigExportError("location", str(path), "the file exists",
                                "Replace it (force=True), or choose another location")
    text = sagemaker_config_yaml(profile)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except (FileExistsError, NotADirectoryError):
        raise ConfigExportError("location", str(path), "its parent is not a directory",
                                "Pass a path whose parent is a directory") from None
    except PermissionError:
        raise ConfigExportError("location", str(path), "not writable by this user",
                                "Run as a user who may write there (the admin location usually needs root), "
                                "or choose --location user or a path") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)  # readable by every user, as the SDK's admin file must be
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
