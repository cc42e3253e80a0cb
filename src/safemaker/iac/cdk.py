"""CDK cloud assemblies (``cdk.out``): each stack template ``manifest.json`` lists, in the region it names.

A directory is a cloud assembly when its ``manifest.json`` has ``version``
and ``artifacts`` (:func:`_is_cdk_assembly`); each
``aws:cloudformation:stack`` artifact's template is read as a CloudFormation
template, with the pseudo parameters of the region its ``environment`` names
(:func:`_stack_pseudo`), and nested assemblies are followed
(:func:`_cdk_assembly`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Mapping

from ._document import IacInputError, read_document
from ._intrinsics import pseudo_parameters
from .cloudformation import is_template
from .sources import SourceFile, _shown, _template_source


def _cdk_assembly(directory: Path, parameters: Mapping[str, str], seen: set[Path],
                  pseudo: Mapping[str, str] | None = None) -> list[SourceFile]:
    """Each stack template a CDK cloud assembly's ``manifest.json`` lists (nested assemblies too)."""
    manifest_path = directory / "manifest.json"
    shown = _shown(manifest_path)
    doc = read_document(manifest_path, shown)
    artifacts = doc.data.get("artifacts") if isinstance(doc.data, Mapping) else None
    if not isinstance(artifacts, Mapping):
        raise IacInputError(shown, "a CDK manifest without artifacts; give the cdk.out directory `cdk synth` wrote")
    out: list[SourceFile] = []
    for artifact_id, art in artifacts.items():
        if not isinstance(art, Mapping):
            continue
        props = art.get("properties") or {}
        if art.get("type") == "aws:cloudformation:stack" and isinstance(props.get("templateFile"), str):
            tpl = directory / props["templateFile"]
            seen.add(tpl.resolve())
            tdoc = read_document(tpl, _shown(tpl))
            if not is_template(tdoc.data):
                raise IacInputError(tdoc.file, f"artifact {artifact_id} of {shown} is not a CloudFormation template")
            out.append(_template_source(tdoc, "cdk", dict(parameters), label=None,
                                        pseudo=_stack_pseudo(art.get("environment"), artifact_id, shown, pseudo)))
        elif art.get("type") == "cdk:cloud-assembly" and isinstance(props.get("directoryName"), str):
            nested = directory / props["directoryName"]
            if (nested / "manifest.json").is_file():
                for p in nested.rglob("*"):
                    seen.add(p.resolve())
                out.extend(_cdk_assembly(nested, parameters, seen, pseudo))
    for p in directory.rglob("*"):  # assets (asset.*) hold the app's own files: not sources
        seen.add(p.resolve())
    return out


_CDK_ENVIRONMENT = re.compile(r"aws://(?P<account>[^/]*)/(?P<region>[^/]+)")
"""A CDK stack artifact's ``environment``: ``aws://<account>/<region>``, ``unknown-account`` /
``unknown-region`` for an environment-agnostic stack (CDK cloud assembly schema)."""


def _stack_pseudo(environment: Any, artifact_id: str, shown: str,
                  pseudo: Mapping[str, str] | None) -> Mapping[str, str] | None:
    """The pseudo parameters of one CDK stack: those of the region its manifest ``environment`` names.

    A stack bound to a region (``aws://123456789012/eu-west-1``) is deployed there whatever the
    profile's region, so ``AWS::Region`` (and the partition and URL suffix it fixes) is that region's
    (CloudFormation "Pseudo parameters reference": "the Region in which the encompassing resource is
    being created"); an environment-agnostic stack (``unknown-region``, or no ``environment``) is
    deployed where the deploying credentials point, taken to be the profile's region like a plain
    template (``pseudo``; ``None`` when no profile region is known: every pseudo parameter stays
    unresolved).

    Raises
    ------
    IacInputError
        ``environment`` is not ``aws://<account>/<region>``.
    """
    if environment is None:
        return pseudo
    m = _CDK_ENVIRONMENT.fullmatch(environment) if isinstance(environment, str) else None
    if m is None:
        raise IacInputError(shown, f"artifact {artifact_id}: environment is {environment!r}; the CDK writes "
                                   "'aws://<account>/<region>' (give the cdk.out directory `cdk synth` wrote)")
    region = m.group("region")
    if region == "unknown-region":
        return pseudo
    return pseudo_parameters(region)


def _is_cdk_assembly(directory: Path) -> bool:
    m = directory / "manifest.json"
    if not m.is_file():
        return False
    try:
        data = json.loads(m.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, Mapping) and isinstance(data.get("artifacts"), Mapping) and "version" in data
