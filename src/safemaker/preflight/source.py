"""Preflight checks on what exists before the request: a local source directory.

The request shows where code comes from, but not what is inside the code's
tarball. The SDK adapters call :func:`check_source_dir` before anything is
staged or uploaded, so a ``requirements.txt`` that would install from the
internet is refused while nothing has left the machine.
"""

from __future__ import annotations

import logging
import os
import warnings
from typing import TYPE_CHECKING, Mapping

from ..errors import GuardrailViolation, PreflightWarning, Violation
from ._specs import CHECKS
from .request import Findings
from .requirements import read_requirements

if TYPE_CHECKING:  # pragma: no cover
    from ..profile import VpcProfile

__all__ = ["check_source_dir", "enforce"]

logger = logging.getLogger(__name__)


def check_source_dir(source_dir: str | os.PathLike[str] | None, profile: "VpcProfile", *, operation: str,
                     argument: str, isolated: bool, requirements: str = "requirements.txt",
                     environment: Mapping[str, str] | None = None, findings: Findings | None = None) -> Findings:
    """Check a local source directory's requirements file (``SM-PRE-REQUIREMENTS``).

    Parameters
    ----------
    source_dir : str, os.PathLike or None
        The local directory the SDK will package (``source_dir``); ``None``,
        an ``s3://`` URI or a git URL is not read (nothing local to check).
    profile : VpcProfile
        The profile (``preflight_warnings``).
    operation : str
        The operation the code is for (``"CreateTrainingJob"``), named in the violation.
    argument : str
        The SDK argument that names the directory (``"source_dir"``,
        ``"SourceCode.source_dir"``), used as the violation's path.
    isolated : bool
        Whether the job runs with ``EnableNetworkIsolation`` (no network at all).
    requirements : str, default "requirements.txt"
        The file the container installs, relative to ``source_dir`` (SDK v3's
        ``SourceCode.requirements``).
    environment : Mapping[str, str], optional
        The job's environment (``PIP_INDEX_URL``, ``CA_REPOSITORY_ARN``...).
    findings : Findings, optional
        Add to these instead of new ones.

    Returns
    -------
    Findings
        Refusals and warnings (see :func:`enforce`).
    """
    out = findings if findings is not None else Findings()
    if source_dir is None:
        return out
    text = os.fspath(source_dir)
    if "://" in text or not os.path.isdir(text):
        return out
    shown = os.path.join(text, requirements)
    problems = read_requirements(text, requirements, shown_as=shown, isolated=isolated, environment=environment)
    if not problems:
        return out
    spec = CHECKS["SM-PRE-REQUIREMENTS"]
    where = "a network-isolated container has no network" if isolated else "the profile's VPC has no route to it"
    details = "; ".join(p.describe() for p in problems[:3]) + (f"; and {len(problems) - 3} more"
                                                               if len(problems) > 3 else "")
    out.add(profile, Violation(
        operation, f"{argument} -> {requirements}", shown, "requirements installed from files shipped with the code",
        f"The container runs pip install -r {requirements} at start ({where}): {details}. Fix: {spec.fix} "
        f"(to be warned instead of refused, an administrator adds {spec.id!r} to the profile's preflight_warnings)",
        spec.id, "requirements that install from files shipped with the code (--no-index --find-links)"))
    return out


def enforce(operation: str, findings: Findings | None, *, stacklevel: int = 3) -> None:
    """Refuse on refusals, warn on warnings (``PreflightWarning`` and a ``safemaker.preflight`` log line).

    Parameters
    ----------
    operation : str
        The operation refused.
    findings : Findings or None
        From :func:`check_source_dir` or :func:`safemaker.preflight.check_request`.
    stacklevel : int, default 3
        For :func:`warnings.warn`.

    Raises
    ------
    GuardrailViolation
        When there is any refusal (listing every one). Nothing has been
        uploaded or created.
    """
    if findings is None:
        return
    for w in findings.warnings:
        emit_warning(w, stacklevel=stacklevel + 1)
    if findings.refusals:
        raise GuardrailViolation(operation, findings.refusals)


def emit_warning(violation: Violation, *, stacklevel: int = 2) -> None:
    """Report one preflight warning: a :class:`PreflightWarning` and a WARNING log line."""
    text = f"{violation.operation} preflight warning: {violation.message()}"
    logger.warning("%s", text)
    warnings.warn(PreflightWarning(text), stacklevel=stacklevel + 1)
