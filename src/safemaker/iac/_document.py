"""Reading source documents: JSON or YAML (CloudFormation short-form tags included),
with the line of every key, and the placeholder for values known only at deployment.

The decoder is cfn-lint's (``cfnlint.decode``): it reads JSON and YAML alike,
turns ``!Ref`` / ``!Sub`` / ``!GetAtt`` ... into their ``Fn::`` forms, refuses
duplicate keys, and keeps the position of every node. Pure apart from reading
the file.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

from .._json import DuplicateKeyError, loads_strict
from ..errors import IacDependencyError, IacInputError

__all__ = ["IacInputError", "IacDependencyError", "Unresolved", "Document", "read_document", "parse_text",
           "embedded_json", "embedded_template", "desired_state_template", "contains_unresolved"]

Parts = tuple[str | int, ...]


@dataclass(frozen=True)
class Unresolved:
    """A value the source cannot tell before deployment (never equal to anything a profile allows).

    Attributes
    ----------
    expression : Any
        The expression as written (``{"Ref": "PrivateSubnet"}``, ``"$.model_name"``).
    reason : str
        Why it cannot be known (``"a resource created by the same template"``).
    refers_to : str or None
        Logical ID (or address) of a resource of the same source the value comes from.
    choice : str or None
        The template parameter whose deploy-time value this is, written as the field's whole
        value (whoever deploys the template types it: :mod:`safemaker.iac._choices` decides
        every value a field with a closed set of values can take from it).
    fix : str or None
        What to do about it, when more precise than the generic advice (reported as the fix).
    free_text : bool, default True
        The value may be any text (a quote, a backslash, a newline): substituted as text into a document
        the guard parses (a state machine's ``DefinitionString``, an SSM document's ``Content``...), it can
        change that document's structure, so the document cannot be verified. ``False`` for a value whose
        form cannot carry those characters (a resource's ``Ref``, an ARN or ID ``Fn::GetAtt`` of an AWS
        type, a pseudo parameter): :mod:`safemaker.iac._intrinsics` classifies them; any other is text.
    """

    expression: Any
    reason: str
    refers_to: str | None = None
    choice: str | None = None
    fix: str | None = None
    free_text: bool = True

    def __repr__(self) -> str:
        return json.dumps(self.expression, sort_keys=True, default=str)

    def describe(self) -> str:
        """``"<expression>: <reason>"``."""
        return f"{self!r} ({self.reason})"


def contains_unresolved(value: Any) -> Unresolved | None:
    """The first :class:`Unresolved` in ``value`` (itself, or inside lists and mappings)."""
    if isinstance(value, Unresolved):
        return value
    if isinstance(value, Mapping):
        for v in value.values():
            hit = contains_unresolved(v)
            if hit is not None:
                return hit
    elif isinstance(value, list):
        for v in value:
            hit = contains_unresolved(v)
            if hit is not None:
                return hit
    return None


@dataclass
class Document:
    """A decoded file: plain Python values and the 1-based line of each key path.

    Attributes
    ----------
    file : str
        The file, as given.
    data : Any
        The decoded content (plain ``dict``/``list``/``str``/... values).
    lines : dict[tuple, int]
        Line of each key path (``("Resources", "Nb", "Properties", "SubnetId")``)
        and list item.
    base : Path or None, default None
        The folder a file named in the document (a nested stack's local template) is read from: the
        file's own folder for a file read from disk (:func:`read_document`, and the documents written
        inside it); ``None`` for text a request carries (a guarded ``CreateStack``'s ``TemplateBody``),
        which names no file of this machine: CloudFormation reads what it names from S3 (trial 18 F03).
    """

    file: str
    data: Any
    lines: dict[Parts, int]
    base: Path | None = None

    def line(self, parts: Parts) -> int | None:
        """Line of ``parts``, or of its nearest ancestor that is written (``None`` if none)."""
        for n in range(len(parts), -1, -1):
            hit = self.lines.get(tuple(parts[:n]))
            if hit is not None:
                return hit
        return None


def _plain(node: Any, at: Parts, lines: dict[Parts, int]) -> Any:
    """Copy cfn-lint nodes into plain values, recording lines."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for k, v in node.items():
            mark = getattr(k, "start_mark", None)
            key = str(k)
            if mark is not None:
                lines[at + (key,)] = mark.line + 1
            out[key] = _plain(v, at + (key,), lines)
        return out
    if isinstance(node, list):
        items = []
        for i, v in enumerate(node):
            mark = getattr(v, "start_mark", None)
            if mark is not None:
                lines[at + (i,)] = mark.line + 1
            items.append(_plain(v, at + (i,), lines))
        return items
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, str):
        return str(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node


def parse_text(text: str, file: str) -> Document:
    """Decode JSON or YAML text (CloudFormation tags allowed) into a :class:`Document`.

    Raises
    ------
    IacInputError
        Not JSON or YAML, or a key given twice (fail closed: which one counts is undefined).
    """
    try:
        from cfnlint.decode import decode_str
    except ImportError:
        raise IacDependencyError() from None

    data, matches = decode_str(text)
    if matches:
        m = matches[0]
        where = f"line {m.linenumber}" if getattr(m, "linenumber", None) else ""
        if "Duplicate" in str(m.message):
            hint = "keep each key once (a parser would keep one of them silently: which one counts is undefined)"
        else:
            hint = "not valid JSON or YAML; give a template, plan or definition"
        raise IacInputError(file, f"{m.message}; {hint}", where)
    lines: dict[Parts, int] = {}
    return Document(file, _plain(data, (), lines), lines)


def read_document(path: Path, shown: str) -> Document:
    """Read and decode one file.

    Parameters
    ----------
    path : Path
        The file.
    shown : str
        How messages name it (the path as given); its folder is the document's ``base``.

    Raises
    ------
    IacInputError
        Unreadable, not UTF-8, not JSON or YAML, or duplicate keys.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise IacInputError(shown, f"cannot read it ({exc.strerror or exc}); give a readable file") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IacInputError(shown, f"not UTF-8 text (byte {exc.start}); give a JSON or YAML file") from None
    return dataclasses.replace(parse_text(text, shown), base=Path(shown).parent)


def embedded_json(text: str, doc: Document, what: str, at: Parts, hint: str | None) -> Any:
    """JSON text written inside a source (a definition, a universal target's input) -> its value, read strictly.

    Parameters
    ----------
    text : str
        The text.
    doc : Document
        The source holding it (its file and the line of ``at`` name the place).
    what : str
        How a message names the text (``"DefinitionString"``, ``"aws_sfn_state_machine.m.definition"``).
    at : tuple
        Path of the text in ``doc``.
    hint : str or None
        What to give instead, for text that is not JSON; ``None``: such text is returned as it is
        (the caller lets the guard refuse it).

    Returns
    -------
    Any
        The decoded value (:func:`safemaker._json.loads_strict`).

    Raises
    ------
    IacInputError
        A key given twice in one object (``"<what> has a duplicate key ..."``: which one counts is
        undefined), or text that is not JSON when ``hint`` is given (``"<what> is not JSON (...); <hint>"``).
    """
    try:
        return loads_strict(text)
    except DuplicateKeyError as exc:
        raise IacInputError(doc.file, f"{what} has a {exc}", f"line {doc.line(at)}") from None
    except ValueError as exc:
        if hint is None:
            return text
        raise IacInputError(doc.file, f"{what} is not JSON ({exc}); {hint}", f"line {doc.line(at)}") from None


def embedded_template(text: str, doc: Document, name: str, what: str, at: Parts) -> Document:
    """A CloudFormation template written as text inside a source (a stack set's ``TemplateBody``, a
    CloudFormation call's, Terraform's ``template_body``) -> its :class:`Document`.

    Parameters
    ----------
    text : str
        JSON or YAML text.
    doc : Document
        The source holding it.
    name : str
        The text's place, appended to the file name of the child document (``"<file>#<name>"``).
    what : str
        How a message names the text (``"Set.TemplateBody"``).
    at : tuple
        Path of the text in ``doc`` (for the line).

    Raises
    ------
    IacInputError
        Not JSON or YAML, a key given twice (:func:`parse_text`), or not a CloudFormation template
        (``"<what> is not a CloudFormation template"``).
    """
    from .cloudformation import is_template

    child = dataclasses.replace(parse_text(text, f"{doc.file}#{name}"), base=doc.base)
    if not is_template(child.data):
        raise IacInputError(doc.file, f"{what} is not a CloudFormation template", f"line {doc.line(at)}")
    return child


def desired_state_template(state: Any, doc: Document, type_name: str, logical_id: str, what: str, at: Parts,
                           hint: str) -> Document:
    """A Cloud Control resource's desired state (a ``CreateResource``'s ``DesiredState``, Terraform's
    ``aws_cloudcontrolapi_resource.desired_state``) -> a template holding that one resource of ``type_name``
    with the state as its properties (Cloud Control API reference, CreateResource: the resource schema's
    properties as JSON text), reported on the line of ``at``.

    Parameters
    ----------
    state : str or Mapping
        JSON text (read strictly, :func:`embedded_json`) or the properties as an object.
    doc : Document
        The source holding it.
    type_name, logical_id : str
        The CloudFormation type and the logical ID the resource gets in the template.
    what : str
        How a message names the state (``"aws_cloudcontrolapi_resource.r.desired_state"``).
    at : tuple
        Path of the state in ``doc``.
    hint : str
        What to give instead of text that is not JSON.

    Raises
    ------
    IacInputError
        Text that is not JSON, a key given twice, or a value that is not a JSON object
        (``"<what> is <type>; give the resource's properties as a JSON object"``).
    """
    if isinstance(state, str):
        state = embedded_json(state, doc, what, at, hint)
    if not isinstance(state, Mapping):
        raise IacInputError(doc.file, f"{what} is {type(state).__name__}; give the resource's properties as a JSON "
                                      "object", f"line {doc.line(at)}")
    line = doc.line(at)
    return Document(doc.file, {"Resources": {logical_id: {"Type": type_name, "Properties": dict(state)}}},
                    {(): line} if line else {}, doc.base)


def walk(value: Any, at: Parts = ()) -> Iterator[tuple[Parts, Any]]:
    """Every ``(parts, value)`` below ``value``, depth first, ``value`` itself first."""
    yield at, value
    if isinstance(value, Mapping):
        for k, v in value.items():
            yield from walk(v, at + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from walk(v, at + (i,))
