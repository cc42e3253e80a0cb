"""Request members newer than the rule table: refused, as unknown operations are.

The rule table was written against one botocore release's SageMaker model.
A newer botocore can add a member to a guarded operation (``EnableSSMAccess``,
``RemoteDebugConfig`` and ``SpaceSettings.RemoteAccess`` arrived that way),
and nobody has read what it opens. :data:`KNOWN_MEMBERS_FILE` records, for
every structure reachable from the input of a guarded operation
(:data:`safemaker.rules.RULES`), the members that release had; a request
that gives a value to any other member of those structures is refused with
rule ``SM-UNCLASSIFIED`` (the profile's ``allow_unclassified_operations``
allows it, as it allows unknown operations).

The check reads the model the client itself uses (botocore's
``OperationModel`` handed to ``provide-client-params``), so a model from
``AWS_DATA_PATH`` counts too. It costs one dictionary lookup per request when
the model adds nothing, which is the case for the release the table was
written against. ``tests/unit/test_members.py`` fails when the installed
botocore differs from the file: review the new members, then rewrite it with
``python -m safemaker.members --write``.
"""

from __future__ import annotations

import json
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from .errors import Violation
from .rules import RULES, Guardrail

__all__ = ["KNOWN_MEMBERS_FILE", "known_members", "snapshot", "new_members", "unknown_member_violations",
           "botocore_problems"]

KNOWN_MEMBERS_FILE = Path(__file__).with_name("known_members.json")
"""``{"botocore": version, "shapes": {structure name: [member, ...]}}``."""

_CACHE: dict[int, tuple[Any, dict[str, frozenset[str]]]] = {}


@lru_cache(maxsize=1)
def _known() -> tuple[str, Mapping[str, frozenset[str]]]:
    """The botocore release of :data:`KNOWN_MEMBERS_FILE` and its members by structure (read once)."""
    data = json.loads(KNOWN_MEMBERS_FILE.read_text(encoding="utf-8"))
    return str(data.get("botocore", "?")), {name: frozenset(members) for name, members in data["shapes"].items()}


def known_members() -> Mapping[str, frozenset[str]]:
    """The members of each structure the rule table was written against (read once)."""
    return _known()[1]


def _structures(shape: Any, out: dict[str, Any]) -> None:
    """Every structure reachable from ``shape`` (by name), lists and maps walked."""
    kind = shape.type_name
    if kind == "structure":
        if shape.name in out:
            return
        out[shape.name] = shape
        for member in shape.members.values():
            _structures(member, out)
    elif kind == "list":
        _structures(shape.member, out)
    elif kind == "map":
        _structures(shape.value, out)


def snapshot(service_model: Any) -> dict[str, list[str]]:
    """``{structure: sorted members}`` reachable from the inputs of the guarded operations of ``service_model``.

    Parameters
    ----------
    service_model : botocore.model.ServiceModel
        SageMaker's model (``client.meta.service_model``).
    """
    found: dict[str, Any] = {}
    for operation in sorted(RULES):
        if operation in service_model.operation_names:
            shape = service_model.operation_model(operation).input_shape
            if shape is not None:
                _structures(shape, found)
    return {name: sorted(shape.members) for name, shape in sorted(found.items())}


def new_members(operation_model: Any) -> dict[str, frozenset[str]]:
    """Members of the structures of ``operation_model``'s input that :func:`known_members` does not list.

    A structure the file does not name at all counts with all its members.
    Computed once per operation model object.

    Returns
    -------
    dict[str, frozenset[str]]
        ``{structure name: new member names}``; empty when nothing is new.
    """
    key = id(operation_model)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is operation_model:
        return hit[1]
    known = known_members()
    found: dict[str, Any] = {}
    if operation_model.input_shape is not None:
        _structures(operation_model.input_shape, found)
    new = {name: frozenset(shape.members) - known.get(name, frozenset()) for name, shape in found.items()}
    result = {name: members for name, members in new.items() if members}
    _CACHE[key] = (operation_model, result)
    return result


def _walk(value: Any, shape: Any, path: str, new: Mapping[str, frozenset[str]], out: list[str]) -> None:
    kind = shape.type_name
    if kind == "structure" and isinstance(value, Mapping):
        fresh = new.get(shape.name, frozenset())
        for name, item in value.items():
            member = shape.members.get(name)
            if member is None or item is None:
                continue  # not a member (botocore's validation refuses it) or null (not sent)
            where = f"{path}.{name}" if path else name
            if name in fresh:
                out.append(where)
            else:
                _walk(item, member, where, new, out)
    elif kind == "list" and isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _walk(item, shape.member, f"{path}[{i}]", new, out)
    elif kind == "map" and isinstance(value, Mapping):
        for k, item in value.items():
            _walk(item, shape.value, f"{path}.{k}", new, out)


def unknown_member_violations(operation_model: Any, params: Mapping[str, Any], profile: Any) -> list[Violation]:
    """One ``SM-UNCLASSIFIED`` violation per value given to a member newer than the rule table.

    Parameters
    ----------
    operation_model : botocore.model.OperationModel
        The model of the request (what the client will serialize).
    params : Mapping
        The request.
    profile : VpcProfile
        ``allow_unclassified_operations`` allows such members.

    Returns
    -------
    list[Violation]
        Empty when the operation is not guarded, the model adds nothing, the
        request gives no new member a value, or the profile allows it.
    """
    operation = operation_model.name
    if operation not in RULES or getattr(profile, "allow_unclassified_operations", False):
        return []
    new = new_members(operation_model)
    if not new:
        return []
    paths: list[str] = []
    _walk(params, operation_model.input_shape, "", new, paths)
    return [Violation(
        operation, path, "a member newer than safemaker's rule table",
        "a member of the request safemaker's rule table knows",
        f"{operation}.{path} is not in the SageMaker model safemaker's rules were written against "
        f"(botocore {_known()[0]}), so nobody has read what it opens. Upgrade safemaker, or an "
        "administrator sets allow_unclassified_operations = true in the profile",
        Guardrail.UNCLASSIFIED.value, "a request without it, or a safemaker release that knows it")
        for path in paths]


def botocore_problems(operation: str, params: Mapping[str, Any],
                      service_model: Any = None) -> tuple[list[str], list[str]]:
    """What botocore's parameter validation says of a SageMaker request, before it is sent.

    Parameters
    ----------
    operation : str
        A SageMaker operation of the model (``CreateTrainingJob``).
    params : Mapping
        The request parameters, as a caller gives them to the client.
    service_model : botocore.model.ServiceModel or None, default None
        The model to validate against; None reads the installed botocore's
        SageMaker model.

    Returns
    -------
    (refused, missing) : tuple of two lists of str
        ``refused``: botocore's own report lines for members it would refuse
        (unknown member, wrong type, below the minimum length or value, not
        JSON-serialisable); ``missing``: its lines for required members that are
        absent (separate because a request file checked for its network fields
        is often partial). Both empty for a request botocore would send.

    Raises
    ------
    botocore.exceptions.OperationNotFoundError
        ``operation`` is not in the model.

    Follows ``botocore.validate.ParamValidator`` (what a client runs before it
    serialises a request).
    """
    from botocore.validate import ParamValidator

    if service_model is None:
        import botocore.session

        service_model = botocore.session.get_session().get_service_model("sagemaker")
    shape = service_model.operation_model(operation).input_shape
    if shape is None:
        return ([f"{operation} takes no parameters"] if params else []), []
    lines = ParamValidator().validate(params, shape).generate_report().splitlines()
    missing = [line for line in lines if line.startswith("Missing required parameter")]
    return [line for line in lines if line and line not in missing], missing


def write_snapshot(path: Path = KNOWN_MEMBERS_FILE) -> None:
    """Write :data:`KNOWN_MEMBERS_FILE` from the installed botocore (after reviewing what is new)."""
    import botocore
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    data = {"botocore": botocore.__version__, "shapes": snapshot(model)}
    path.write_text(json.dumps(data, indent=0, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover - a maintainer's command
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m safemaker.members --write")
    write_snapshot()
