"""CloudFormation intrinsic functions, resolved where the template itself tells.

``Ref`` to a parameter (a value given with ``--parameter``, else its
``Default``; ``CommaDelimitedList`` and ``List<...>`` split), ``Fn::Sub``,
``Fn::Join``, ``Fn::Select``, ``Fn::Split``, ``Fn::FindInMap``,
``Fn::ToJsonString`` and ``Ref AWS::NoValue`` are computed, and so is ``Fn::If``
when its condition (``Conditions``: ``Fn::Equals``, ``Fn::And``, ``Fn::Or``,
``Fn::Not``, ``Condition``) depends only on such values. Everything else
(``Ref`` to a resource, ``Fn::GetAtt``, ``Fn::ImportValue``, ``Fn::If`` on a
condition known only at deployment, SSM parameter types) is an :class:`~safemaker.iac._document.Unresolved`
value that names what it is and, for a resource of the same template, which one.

Pseudo parameters ("Pseudo parameters reference") resolve where the profile determines
them (:func:`pseudo_parameters`: ``AWS::Region``, ``AWS::Partition``, ``AWS::URLSuffix``),
everywhere a ``Ref`` is resolved (``Fn::FindInMap`` keys, ``Fn::Sub``, ``Fn::Join``,
conditions); the others (``AWS::AccountId``, ``AWS::StackName``, ``AWS::StackId``,
``AWS::NotificationARNs``) stay unresolved.

Text built from unresolved parts (a definition written with ``Fn::Join``) keeps a
token for each part, so that the JSON it holds can still be parsed; the tokens left
in the parsed document become :class:`Unresolved` again (:meth:`Resolver.restore`).
Source: the CloudFormation template reference, "Intrinsic function reference".
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any, Mapping

from ._document import Unresolved
from ._no_echo import hide, hide_derived, hide_pieces

__all__ = ["Resolver", "pseudo_parameters"]

_PSEUDO = frozenset({"AWS::AccountId", "AWS::NotificationARNs", "AWS::Partition", "AWS::Region", "AWS::StackId",
                     "AWS::StackName", "AWS::URLSuffix"})
_TOKEN = "@@safemaker-unresolved-{}@@"
_TOKEN_RE = re.compile(r"@@safemaker-unresolved-(\d+)@@")
_NO_VALUE = object()


def pseudo_parameters(region: str) -> dict[str, str]:
    """The pseudo parameters a stack deployed in ``region`` (the profile's) has, as far as the region fixes them.

    Parameters
    ----------
    region : str
        The profile's ``region`` (``"us-east-1"``).

    Returns
    -------
    dict[str, str]
        ``AWS::Region`` (the region), ``AWS::Partition`` (its partition in botocore's partition data:
        ``aws``, ``aws-cn``, ``aws-us-gov``...) and ``AWS::URLSuffix`` (that partition's ``dnsSuffix``:
        ``amazonaws.com``, ``amazonaws.com.cn``...), as the CloudFormation "Pseudo parameters reference"
        defines them. ``AWS::AccountId`` is not among them: a profile has no account field (its
        ``account_id`` is read from the execution role's ARN, which does not say which account deploys
        the stack), so a template that keys on it stays "cannot be verified"; nor are the stack's own
        ``AWS::StackName``, ``AWS::StackId`` and ``AWS::NotificationARNs``.
    """
    from ..partitions import dns_suffix, partition_of_region

    partition = partition_of_region(region)
    return {"AWS::Region": region, "AWS::Partition": partition, "AWS::URLSuffix": dns_suffix(partition)}


def _sub_name(u: Unresolved) -> str:
    """How Fn::Sub would spell an unresolved part (``AWS::AccountId``, ``Role.Arn``)."""
    e = u.expression
    if isinstance(e, Mapping) and len(e) == 1:
        (k, v), = e.items()
        if k == "Ref" and isinstance(v, str):
            return v
        if k == "Fn::GetAtt" and isinstance(v, list) and all(isinstance(x, str) for x in v):
            return ".".join(v)
    return repr(u)

def _as_compared(v: Any) -> Any:
    """A resolved value as ``Fn::Equals`` compares it (strings; lists of strings), ``None`` if unknown."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (str, int, float)):
        return v if isinstance(v, str) else str(v)
    if isinstance(v, list):
        items = [_as_compared(x) for x in v]
        return None if any(x is None or isinstance(x, list) for x in items) else items
    return None


class Resolver:
    """Resolves intrinsic functions against a template's parameters and ``--parameter`` values.

    Parameters
    ----------
    template : Mapping
        The template.
    parameters : Mapping[str, Any]
        Values given on the command line (``--parameter KEY=VALUE``), or by a parent stack; they win
        over ``Default``.
    prefix : str
        Prefix of the logical IDs a reference names (``"Parent/"`` in a nested stack, whose
        resources are reported as ``Parent/<logical ID>``).
    pseudo : Mapping[str, str], optional
        The pseudo parameters known before deployment (:func:`pseudo_parameters` of the profile's
        region); a pseudo parameter not named here is unresolved.
    """

    def __init__(self, template: Mapping[str, Any], parameters: Mapping[str, Any], prefix: str = "",
                 pseudo: Mapping[str, str] | None = None) -> None:
        self.template = template
        self.prefix = prefix
        self.pseudo: Mapping[str, str] = dict(pseudo or {})
        self.given = dict(parameters)
        raw = template.get("Parameters")
        self.declared: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        raw = template.get("Resources")
        self.resources: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        raw = template.get("Mappings")
        self.mappings: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        raw = template.get("Conditions")
        self.conditions: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        self.tokens: list[Unresolved] = []

    # -- values

    def value(self, node: Any) -> Any:
        """``node`` with every intrinsic resolved (or :class:`Unresolved`); ``AWS::NoValue`` removes the key."""
        out = self._value(node)
        return self._finish(out)

    def _finish(self, v: Any) -> Any:
        if isinstance(v, str) and _TOKEN_RE.search(v):
            return self.untoken(v)
        if isinstance(v, dict):
            return {k: self._finish(x) for k, x in v.items() if x is not _NO_VALUE}
        if isinstance(v, list):
            return [self._finish(x) for x in v if x is not _NO_VALUE]
        return v

    def untoken(self, text: str) -> Any:
        """A string with tokens for unresolved parts -> the :class:`Unresolved` it stands for."""
        found = [self.tokens[int(m.group(1))] for m in _TOKEN_RE.finditer(text)]
        if _TOKEN_RE.fullmatch(text):
            return found[0]
        shown = _TOKEN_RE.sub(lambda m: "${" + _sub_name(self.tokens[int(m.group(1))]) + "}", text)
        refers = found[0].refers_to if len(found) == 1 else None
        fixes = list(dict.fromkeys(u.fix for u in found if u.fix))
        return Unresolved(shown, "; ".join(dict.fromkeys(u.reason for u in found)), refers,
                          fix="; ".join(fixes) or None)

    def _token(self, u: Unresolved) -> str:
        self.tokens.append(u)
        return _TOKEN.format(len(self.tokens) - 1)

    def _value(self, node: Any) -> Any:
        if isinstance(node, dict):
            if len(node) == 1:
                (key, arg), = node.items()
                if key == "Ref":
                    return self._ref(arg)
                if key.startswith("Fn::") or key == "Condition":
                    return self._fn(key, arg, node)
            return {k: self._value(v) for k, v in node.items()}
        if isinstance(node, list):
            return [self._value(v) for v in node]
        return node

    def _ref(self, name: Any) -> Any:
        if not isinstance(name, str):
            return Unresolved({"Ref": name}, "a Ref that is not a name")
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in self.given:
            return hide(self.declared.get(name), self._typed(name, self.given[name]))
        if name in self.declared:
            spec = self.declared[name]
            ptype = str(spec.get("Type", "")) if isinstance(spec, Mapping) else ""
            if ptype.startswith("AWS::SSM::Parameter::Value"):
                return Unresolved({"Ref": name}, "a parameter read from SSM Parameter Store at deployment",
                                  fix=f"{name} is decided at deploy time: CloudFormation reads the value the SSM "
                                      f"parameter it names holds then ({ptype}); write a fixed value instead, or "
                                      "make it a String parameter with AllowedValues the profile allows")
            if isinstance(spec, Mapping) and "Default" in spec:
                return hide(spec, self._typed(name, spec["Default"]))
            return Unresolved({"Ref": name}, "a template parameter without Default and not given with --parameter")
        if name in _PSEUDO:
            if name in self.pseudo:
                return self.pseudo[name]
            return Unresolved({"Ref": name}, "a pseudo parameter known at deployment")
        if name in self.resources:
            return Unresolved({"Ref": name}, "a resource created by the same template", self.prefix + name)
        return Unresolved({"Ref": name}, "a name the template does not declare")

    def _typed(self, name: str, value: Any) -> Any:
        spec = self.declared.get(name)
        ptype = str(spec.get("Type", "")) if isinstance(spec, Mapping) else ""
        if (ptype.startswith("List<") or ptype == "CommaDelimitedList") and isinstance(value, str):
            return [p.strip() for p in value.split(",") if p.strip()]
        return value

    def _text(self, v: Any) -> str | None:
        """A resolved value as text for Sub/Join (tokens for unresolved parts), ``None`` if not text."""
        if isinstance(v, Unresolved):
            return self._token(v)
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (str, int, float)):
            return str(v)
        return None

    def _fn(self, key: str, arg: Any, node: Any) -> Any:
        if key == "Fn::GetAtt":
            target = arg[0] if isinstance(arg, list) and arg else (arg.split(".")[0] if isinstance(arg, str) else None)
            return Unresolved(node, "an attribute of a resource created at deployment",
                              self.prefix + target if isinstance(target, str) else None)
        if key == "Fn::ImportValue":
            return Unresolved(node, "an export of another stack, known at deployment")
        if key == "Fn::Sub":
            return self._sub(arg, node)
        if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
            sep, items = self._value(arg[0]), self._value(arg[1])
            if isinstance(items, Unresolved):
                return items
            if isinstance(sep, str) and isinstance(items, list):
                parts = [self._text(i) for i in items if i is not _NO_VALUE]
                if all(p is not None for p in parts):
                    return sep.join(parts)  # type: ignore[arg-type]
        if key == "Fn::Select" and isinstance(arg, list) and len(arg) == 2:
            idx, items = self._value(arg[0]), self._value(arg[1])
            if isinstance(items, Unresolved):
                return items
            try:
                i = int(idx)
            except (TypeError, ValueError):
                return Unresolved(node, "an index known at deployment")
            if isinstance(items, list) and 0 <= i < len(items):
                return items[i]
        if key == "Fn::Split" and isinstance(arg, list) and len(arg) == 2:
            sep, text = self._value(arg[0]), self._value(arg[1])
            if isinstance(text, Unresolved):
                return text
            if isinstance(sep, str) and isinstance(text, str) and not _TOKEN_RE.search(text):
                return hide_pieces(text, sep, text.split(sep))
        if key == "Fn::FindInMap" and isinstance(arg, list) and len(arg) >= 3:
            keys = [self._value(a) for a in arg[:3]]
            if all(isinstance(k, str) for k in keys):
                try:
                    return self._value(self.mappings[keys[0]][keys[1]][keys[2]])
                except (KeyError, TypeError):
                    return Unresolved(node, "a mapping entry the template does not have")
        if key == "Fn::If":
            if isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str):
                known = self.condition(arg[0])
                if known is not None:
                    return self._value(arg[1] if known else arg[2])
            return Unresolved(node, "depends on a condition evaluated at deployment")
        if key == "Fn::Base64":
            inner = self._value(arg)
            if isinstance(inner, str) and not _TOKEN_RE.search(inner):
                return hide_derived(inner, base64.b64encode(inner.encode("utf-8")).decode("ascii"))
            return inner if isinstance(inner, Unresolved) else Unresolved(node, "encodes a value known at deployment")
        if key == "Fn::ToJsonString":
            inner = self._value(arg)
            if not isinstance(inner, Unresolved):
                return hide_derived(inner, json.dumps(self._finish_tokens(inner)))
            return inner
        return Unresolved(node, f"{key} is evaluated at deployment")

    # -- conditions

    def condition(self, name: str, _seen: frozenset[str] = frozenset()) -> bool | None:
        """The value of the template's condition ``name``, or ``None`` when only deployment knows it.

        Parameters
        ----------
        name : str
            A key of the template's ``Conditions`` section.

        Returns
        -------
        bool or None
            ``None`` for a condition that depends on a value known at deployment
            (a pseudo parameter, a parameter without ``Default``...), that the
            template does not declare, or that refers to itself.

        Notes
        -----
        Follows the CloudFormation "Condition functions" reference: ``Fn::Equals``
        compares two values as strings, ``Fn::And`` / ``Fn::Or`` take 2 to 10
        conditions, ``Fn::Not`` one, ``{"Condition": name}`` refers to another.
        """
        if name in _seen or name not in self.conditions:
            return None
        return self._cond(self.conditions[name], _seen | {name})

    def _cond(self, node: Any, seen: frozenset[str]) -> bool | None:
        if isinstance(node, bool):
            return node
        if not (isinstance(node, Mapping) and len(node) == 1):
            return None
        (key, arg), = node.items()
        if key == "Condition" and isinstance(arg, str):
            return self.condition(arg, seen)
        if key == "Fn::Equals" and isinstance(arg, list) and len(arg) == 2:
            a, b = (_as_compared(self.value(x)) for x in arg)
            return None if a is None or b is None else a == b
        if key in ("Fn::And", "Fn::Or") and isinstance(arg, list) and arg:
            got = [self._cond(x, seen) for x in arg]
            if key == "Fn::And":
                return False if False in got else (None if None in got else True)
            return True if True in got else (None if None in got else False)
        if key == "Fn::Not" and isinstance(arg, list) and len(arg) == 1:
            one = self._cond(arg[0], seen)
            return None if one is None else not one
        return None

    def _finish_tokens(self, v: Any) -> Any:
        if isinstance(v, Unresolved):
            return self._token(v)
        if isinstance(v, dict):
            return {k: self._finish_tokens(x) for k, x in v.items() if x is not _NO_VALUE}
        if isinstance(v, list):
            return [self._finish_tokens(x) for x in v if x is not _NO_VALUE]
        return v

    def _sub(self, arg: Any, node: Any) -> Any:
        if isinstance(arg, str):
            text, local = arg, {}
        elif isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], Mapping):
            text, local = arg[0], {k: self._value(v) for k, v in arg[1].items()}
        else:
            return Unresolved(node, "a Fn::Sub the template spells unusually")

        def repl(m: re.Match[str]) -> str:
            name = m.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in local:
                got = self._text(local[name])
            elif "." in name:
                target = name.split(".", 1)[0]
                got = self._token(Unresolved({"Fn::GetAtt": name.split(".", 1)},
                                             "an attribute of a resource created at deployment",
                                             self.prefix + target))
            else:
                got = self._text(self._ref(name))
            return got if got is not None else self._token(Unresolved("${" + name + "}", "not a text value"))

        return re.sub(r"\$\{([^}]+)\}", repl, text)

    def text_document(self, node: Any) -> Any:
        """A string-valued property holding JSON (a definition): resolved text, tokens kept for unresolved parts."""
        v = self._value(node)
        return v

    def restore(self, doc: Any) -> Any:
        """Replace tokens left in a parsed embedded document by :class:`Unresolved` values."""
        if isinstance(doc, str) and _TOKEN_RE.search(doc):
            return self.untoken(doc)
        if isinstance(doc, dict):
            return {k: self.restore(v) for k, v in doc.items()}
        if isinstance(doc, list):
            return [self.restore(v) for v in doc]
        return doc
