"""Paths to sources and findings: walk files and directories, recognise each file, check them all.

:func:`scan_paths` walks the paths given (a directory: the files ending in
:data:`SUFFIXES`, a CDK cloud assembly as its stacks) and recognises each file
(:mod:`safemaker.iac.sources`); :func:`check_paths` then decides every source
against a profile.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

from ..audit import Finding
from ._document import IacInputError, read_document
from ._intrinsics import pseudo_parameters
from .cdk import _cdk_assembly, _is_cdk_assembly
from .sources import SourceFile, _classify, _shown, decide_source

if TYPE_CHECKING:  # pragma: no cover
    from ..profile import VpcProfile

__all__ = ["SUFFIXES", "scan_paths", "check_paths"]

SUFFIXES = (".json", ".yaml", ".yml", ".template", ".asl.json", ".asl.yaml")
"""File name endings read when walking a directory (files named on the command line are always read)."""

_SKIP_DIRS = frozenset({".git", "node_modules", ".terraform", "__pycache__", ".venv", "venv", ".tox"})


def _walk(root: Path) -> Iterable[Path]:
    for p in sorted(root.iterdir()):
        if p.is_dir():
            if p.name in _SKIP_DIRS:
                continue
            yield p
        elif p.name.endswith(SUFFIXES):
            yield p


def scan_paths(paths: Sequence[str | Path], *, parameters: Mapping[str, str] | None = None,
               region: str | None = None) -> list[SourceFile]:
    """Recognise every source under ``paths`` and turn it into requests (no decision yet).

    Parameters
    ----------
    paths : sequence of str or Path
        Files and directories (walked recursively; files ending in :data:`SUFFIXES`).
    parameters : Mapping[str, str], optional
        CloudFormation parameter values (win over ``Default``; a parameter given is not a
        deploy-time choice: ``SourceFile.options`` leaves it out).
    region : str, optional
        The region the templates are deployed in (the profile's): the pseudo parameters it fixes
        (``AWS::Region``, ``AWS::Partition``, ``AWS::URLSuffix``;
        :func:`safemaker.iac._intrinsics.pseudo_parameters`) are resolved. ``None``: every pseudo
        parameter is known only at deployment.

    Returns
    -------
    list[SourceFile]
        One per file read (a CDK assembly: one per stack); ``kind`` ``"unrecognised"``
        for a file of none of the formats.

    Raises
    ------
    IacInputError
        A path that does not exist, or a file that is not JSON/YAML, has duplicate
        keys, or is a malformed instance of its format.
    IacDependencyError
        cfn-lint (the ``iac`` extra) is not installed.
    """
    params = dict(parameters or {})
    pseudo = pseudo_parameters(region) if region else None
    out: list[SourceFile] = []
    seen: set[Path] = set()
    todo = [Path(p) for p in paths]
    for p in todo:
        if not p.exists():
            raise IacInputError(str(p), "no such file or directory; give a template, plan, definition or a "
                                        "directory holding them")
    stack = list(reversed(todo))
    explicit = {p.resolve() for p in todo if p.is_file()}
    while stack:
        p = stack.pop()
        rp = p.resolve()
        if rp in seen:
            continue
        if p.is_dir():
            seen.add(rp)
            if _is_cdk_assembly(p):
                out.extend(_cdk_assembly(p, params, seen, pseudo))
                continue
            stack.extend(reversed(list(_walk(p))))
            continue
        if p.name == "manifest.json" and _is_cdk_assembly(p.parent):  # a cloud assembly named by its manifest
            if p.parent.resolve() not in seen:
                seen.add(p.parent.resolve())
                out.extend(_cdk_assembly(p.parent, params, seen, pseudo))
            continue
        seen.add(rp)
        doc = read_document(p, _shown(p))
        found = _classify(doc, params, pseudo)
        if found.kind != "unrecognised" or rp in explicit:
            out.append(found)
    return out


def check_paths(paths: Sequence[str | Path], profile: "VpcProfile | str | None", *,
                parameters: Mapping[str, str] | None = None) -> list[Finding]:
    """Check every template, plan and definition under ``paths`` against the profile.

    Parameters
    ----------
    paths : sequence of str or Path
        Files and directories.
    profile : VpcProfile, str or None
        The profile, or a path to one (``None``: resolved as the CLI does:
        ``SAFEMAKER_PROFILE`` and the default locations).
    parameters : Mapping[str, str], optional
        CloudFormation parameter values (``--parameter KEY=VALUE``); a parameter
        not given is decided under its ``Default`` and every other value the template
        lets the deployer choose (:func:`decide_source`): a guarded field it reaches
        whose values are not a closed set (subnet IDs) is decided at deploy time
        (``UNKNOWN``, naming the parameter).

    Returns
    -------
    list[Finding]
        ``FAIL`` findings (a written value or an absent one, meaning the AWS
        default, breaks a rule) and ``UNKNOWN`` ones (cannot be verified before
        deployment), each with its :class:`~safemaker.audit.SourceLocation`
        (``when``: the parameter values that cause it, when the defaults do not).

    Raises
    ------
    IacInputError
        See :func:`scan_paths`; a file named explicitly that is of none of the formats.
    IacDependencyError
        cfn-lint (the ``iac`` extra) is not installed.
    safemaker.profile.ProfileError
        The profile cannot be loaded.
    """
    from ..profile import VpcProfile, resolve_profile

    prof = profile if isinstance(profile, VpcProfile) else resolve_profile(profile)
    findings: list[Finding] = []
    for src in scan_paths(paths, parameters=parameters, region=prof.region):
        if src.kind == "unrecognised":
            raise IacInputError(src.file, "not a CloudFormation template, CDK assembly, Terraform plan (terraform "
                                          "show -json), Step Functions definition or SageMaker pipeline "
                                          "definition; for a request file use `safemaker check OPERATION FILE`")
        findings.extend(decide_source(src, prof))
    return findings
