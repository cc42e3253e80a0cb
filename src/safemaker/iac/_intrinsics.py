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

A dynamic reference (``{{resolve:ssm:NAME}}``, ``{{resolve:ssm-secure:...}}``,
``{{resolve:secretsmanager:...}}``; CloudFormation User Guide, "Get values stored in other
services using dynamic references": retrieved "during stack and change set operations") is a
value only deployment knows wherever it is written: a string holding one is unresolved.

CloudFormation substitutes ``Fn::Sub`` / ``Fn::Join`` parts (and Step Functions its
``DefinitionSubstitutions``) into a document written as text *as text*; the service then parses
the result. An unknown part whose value may be any text (:attr:`Unresolved.free_text`: a quote,
a backslash or a newline in it) can add members, states or steps, so the document holding it
cannot be verified wherever the part sits (:meth:`Resolver.text_document`). A part whose form
cannot carry those characters stays one unknown scalar (:func:`text_kind`): see
:data:`SAFE_ATTRIBUTE` and the template reference's return values of ``Ref`` and ``Fn::GetAtt``.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import re
from typing import Any, Mapping

from ._document import Unresolved
from ._no_echo import hide, hide_derived, hide_pieces

__all__ = ["Resolver", "pseudo_parameters", "SAFE_ATTRIBUTE", "SUBSTITUTED_FIX", "dynamic_references"]

_PSEUDO = frozenset({"AWS::AccountId", "AWS::NotificationARNs", "AWS::Partition", "AWS::Region", "AWS::StackId",
                     "AWS::StackName", "AWS::URLSuffix"})
_TOKEN = "@@safemaker-unresolved-{}@@"
_TOKEN_RE = re.compile(r"@@safemaker-unresolved-(\d+)@@")
_NO_VALUE = object()
_CHOICE_RE = re.compile(r"@@safemaker-choice:([^@]+)@@")
"""A parameter's "any other value" in ``safemaker check`` (:data:`safemaker.iac._choices.CHOICE`)."""
_DYNAMIC_RE = re.compile(r"\{\{resolve:.*?\}\}|\{\{resolve:.*", re.DOTALL)
"""A dynamic reference (``'{{resolve:service-name:reference-key}}'``); one left open runs to the text's end."""

SAFE_ATTRIBUTE = re.compile(r"(?:Arn|ARN|Arns|Id|ID|Ids|Name|Names|Url|URL|Uri|Address|DnsName|DNSName|Endpoint|"
                            r"Port)$")
"""The ``Fn::GetAtt`` attributes (last dotted segment) of an AWS resource type taken as identifiers: ARNs, IDs,
names, URLs, host names and ports, which the services form from restricted characters (no quote, backslash or
newline). Any other attribute is text unless its resource schema types it as a number, a boolean or an enum
(cfn-lint's schemas); ``AWS::CloudFormation::Stack`` ``Outputs.<Name>`` (another template's output), every
attribute of a custom resource (``Custom::*``, ``AWS::CloudFormation::CustomResource``: "the attributes its
provider returns") and of a registry type are text."""

SUBSTITUTED_FIX = ("write the value in the template, or make it a template parameter the request gives "
                   "(`safemaker check --parameter`, the Parameters of the CloudFormation call)")
"""The fix of a document whose text holds a value only deployment knows that may be any text."""

_PLAIN_TEXT = re.compile(r"[A-Za-z0-9_.:/@+=~*-]*")
"""A literal a template writes (an ``Fn::If`` branch, a mapping value) that cannot change a JSON or YAML document's
structure wherever it is substituted."""
_CUSTOM = ("Custom::",)


def dynamic_references(text: str) -> list[str]:
    """The dynamic references written in ``text`` (``{{resolve:ssm:/ml/lr}}``), in order."""
    return [m.group(0) for m in _DYNAMIC_RE.finditer(text)]


def _aws_type(rtype: Any) -> bool:
    """A resource type of AWS itself (not a custom resource, not a registry type)."""
    return isinstance(rtype, str) and rtype.startswith("AWS::") and rtype != "AWS::CloudFormation::CustomResource"


def _schema_says_closed(rtype: str, attribute: str) -> bool:
    """The resource schema of ``rtype`` types ``attribute`` (``A.B``: property ``A``'s ``B``) as a number, a boolean
    or an enum of plain words."""
    try:
        from cfnlint.schema import PROVIDER_SCHEMA_MANAGER, ResourceNotFoundError
    except ImportError:  # pragma: no cover - cfn-lint is a dependency of the readers
        return False
    try:
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", rtype).schema
    except ResourceNotFoundError:
        return False
    node: Any = schema
    for part in attribute.split("."):
        for _ in range(20):
            ref = node.get("$ref") if isinstance(node, Mapping) else None
            if not (isinstance(ref, str) and ref.startswith("#/definitions/")):
                break
            node = (schema.get("definitions") or {}).get(ref.rsplit("/", 1)[1], {})
        props = node.get("properties") if isinstance(node, Mapping) else None
        if not isinstance(props, Mapping) or part not in props:
            return False
        node = props[part]
    for _ in range(20):
        ref = node.get("$ref") if isinstance(node, Mapping) else None
        if not (isinstance(ref, str) and ref.startswith("#/definitions/")):
            break
        node = (schema.get("definitions") or {}).get(ref.rsplit("/", 1)[1], {})
    if not isinstance(node, Mapping):
        return False
    types = node.get("type")
    types = set(types) if isinstance(types, list) else {types}
    if types and types <= {"integer", "number", "boolean"}:
        return True
    enum = node.get("enum")
    return isinstance(enum, list) and bool(enum) and all(
        isinstance(e, (int, float, bool)) or (isinstance(e, str) and _PLAIN_TEXT.fullmatch(e)) for e in enum)


def attribute_is_text(rtype: Any, attribute: str) -> bool:
    """``Fn::GetAtt`` of ``attribute`` of a resource of type ``rtype`` may be any text (:data:`SAFE_ATTRIBUTE`)."""
    if not _aws_type(rtype) or rtype == "AWS::CloudFormation::Stack":
        return True   # a custom or registry type's attributes, a nested stack's Outputs.X: what they return
    if SAFE_ATTRIBUTE.search(attribute.rsplit(".", 1)[-1]):
        return False
    return not _schema_says_closed(str(rtype), attribute)


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
        shown = self.shown(text)
        refers = found[0].refers_to if len(found) == 1 else None
        fixes = list(dict.fromkeys(u.fix for u in found if u.fix))
        return Unresolved(shown, "; ".join(dict.fromkeys(u.reason for u in found)), refers,
                          fix="; ".join(fixes) or None, free_text=any(u.free_text for u in found))

    def shown(self, text: str) -> str:
        """``text`` with each token written as ``Fn::Sub`` would name its part (``${Role.Arn}``)."""
        return _TOKEN_RE.sub(lambda m: "${" + _sub_name(self.tokens[int(m.group(1))]) + "}", text)

    def _dynamic(self, text: str) -> str:
        """``text`` with each dynamic reference made a token (a value only deployment knows, any text)."""
        if "{{resolve:" not in text:
            return text
        return _DYNAMIC_RE.sub(lambda m: self._token(Unresolved(
            m.group(0), "a dynamic reference: CloudFormation retrieves the value from Systems Manager Parameter "
                        "Store or Secrets Manager during the stack operation",
            fix="write the value in the template, or make it a template parameter the request gives, instead of "
                "the dynamic reference")), text)

    def _safe_text(self, v: Any) -> bool:
        """``v`` (a resolved value) cannot change a document's structure substituted into its text."""
        if v is _NO_VALUE or isinstance(v, (bool, int, float)):
            return True
        if isinstance(v, Unresolved):
            return not v.free_text
        if isinstance(v, str):
            parts = _TOKEN_RE.split(v)
            return all(_PLAIN_TEXT.fullmatch(p) for p in parts[::2]) and all(
                not self.tokens[int(i)].free_text for i in parts[1::2])
        return False

    def _leaves_safe(self, node: Any) -> bool:
        """Every value below a template node (a mapping's entries) is :meth:`_safe_text`."""
        if isinstance(node, Mapping):
            return all(self._leaves_safe(v) for v in node.values())
        if isinstance(node, list):
            return all(self._leaves_safe(v) for v in node)
        return self._safe_text(self._value(node))

    def _token(self, u: Unresolved) -> str:
        self.tokens.append(u)
        return _TOKEN.format(len(self.tokens) - 1)

    def _value(self, node: Any) -> Any:
        if isinstance(node, str):
            return self._dynamic(node)
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
            given = self.given[name]
            if isinstance(given, Unresolved) and given.free_text and self._bounded(name):
                given = dataclasses.replace(given, free_text=False)   # CloudFormation checks it against the type
            if isinstance(given, str):
                given = self._dynamic(given)
                if _TOKEN_RE.search(given):
                    return self.untoken(given)
            return hide(self.declared.get(name), self._typed(name, given))
        if name in self.declared:
            spec = self.declared[name]
            ptype = str(spec.get("Type", "")) if isinstance(spec, Mapping) else ""
            if ptype.startswith("AWS::SSM::Parameter::Value"):
                return Unresolved({"Ref": name}, "a parameter read from SSM Parameter Store at deployment",
                                  fix=f"{name} is decided at deploy time: CloudFormation reads the value the SSM "
                                      f"parameter it names holds then ({ptype}); write a fixed value instead, or "
                                      "make it a String parameter with AllowedValues the profile allows")
            if isinstance(spec, Mapping) and "Default" in spec:
                default = spec["Default"]
                if isinstance(default, str) and "{{resolve:" in default:
                    return self.untoken(self._dynamic(default))
                return hide(spec, self._typed(name, default))
            return Unresolved({"Ref": name}, "a template parameter without Default and not given with --parameter",
                              free_text=not self._bounded(name))
        if name in _PSEUDO:
            if name in self.pseudo:
                return self.pseudo[name]
            # AWS::AccountId, AWS::StackName, AWS::StackId, AWS::NotificationARNs: digits, a stack name, ARNs
            return Unresolved({"Ref": name}, "a pseudo parameter known at deployment", free_text=False)
        if name in self.resources:
            rtype = self._type_of(name)
            # Ref of an AWS type returns its name, ID or ARN (template reference, each type's "Return values");
            # of a custom resource, the physical ID its provider chooses; of a registry type, what it defines
            return Unresolved({"Ref": name}, "a resource created by the same template", self.prefix + name,
                              free_text=not _aws_type(rtype))
        return Unresolved({"Ref": name}, "a name the template does not declare")

    def _type_of(self, logical_id: str) -> Any:
        res = self.resources.get(logical_id)
        return res.get("Type") if isinstance(res, Mapping) else None

    def _bounded(self, name: str) -> bool:
        """CloudFormation accepts only values that cannot carry a quote, a backslash or a newline for the parameter
        ``name`` (a ``Number``, an AWS-specific type such as ``AWS::EC2::Subnet::Id``, whose values CloudFormation
        checks against the account's, or ``AllowedValues`` of plain words): template reference, "Parameters"."""
        spec = self.declared.get(name)
        if not isinstance(spec, Mapping):
            return False
        ptype = str(spec.get("Type", "String"))
        if ptype in ("Number", "List<Number>") or (ptype.startswith(("AWS::", "List<AWS::"))
                                                   and "AWS::SSM::" not in ptype):
            return True
        allowed = spec.get("AllowedValues")
        return isinstance(allowed, list) and bool(allowed) and all(
            isinstance(a, (int, float)) or (isinstance(a, str) and _PLAIN_TEXT.fullmatch(a)) for a in allowed)

    def _getatt(self, node: Any, target: Any, attribute: Any) -> Unresolved:
        text = not (isinstance(target, str) and isinstance(attribute, str)) or attribute_is_text(
            self._type_of(target), attribute)
        return Unresolved(node, "an attribute of a resource created at deployment",
                          self.prefix + target if isinstance(target, str) else None, free_text=text)

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
            if isinstance(arg, list) and len(arg) == 2:
                target, attribute = arg[0], self._value(arg[1])
            elif isinstance(arg, str) and "." in arg:
                target, attribute = arg.split(".", 1)
            else:
                target, attribute = (arg[0] if isinstance(arg, list) and arg else arg), None
            return self._getatt(node, target, attribute)
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
                return Unresolved(node, "an index known at deployment",
                                  free_text=not (isinstance(items, list) and all(self._safe_text(x) for x in items)))
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
                return Unresolved(node, "depends on a condition evaluated at deployment",
                                  free_text=not all(self._safe_text(self._value(b)) for b in arg[1:]))
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
        if key == "Fn::FindInMap" and isinstance(arg, list) and len(arg) >= 3:
            table = self._value(arg[0])
            chosen = self.mappings.get(table) if isinstance(table, str) else self.mappings
            return Unresolved(node, f"{key} is evaluated at deployment", free_text=not self._leaves_safe(chosen))
        # Fn::GetAZs (Availability Zone names), Fn::Cidr (CIDR blocks), Fn::Length (a number): no free text
        return Unresolved(node, f"{key} is evaluated at deployment",
                          free_text=key not in ("Fn::GetAZs", "Fn::Cidr", "Fn::Length"))

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
                target, attribute = name.split(".", 1)
                got = self._token(self._getatt({"Fn::GetAtt": [target, attribute]}, target, attribute))
            else:
                got = self._text(self._ref(name))
            return got if got is not None else self._token(Unresolved("${" + name + "}", "not a text value"))

        return self._dynamic(re.sub(r"\$\{([^}]+)\}", repl, text))

    def text_document(self, node: Any, what: str | None = None,
                      substitutions: Mapping[str, Any] | None = None) -> Any:
        """A string-valued property holding a document (JSON or YAML: a definition, a template, a call): resolved
        text, tokens kept for unresolved parts.

        Parameters
        ----------
        node : Any
            The property as written (a string, ``Fn::Sub``, ``Fn::Join``...).
        what : str, optional
            How a message names the document (``"DefinitionString"``). Given, text holding a part that may be any
            text (:attr:`Unresolved.free_text`: a dynamic reference, an SSM parameter type, ``Fn::ImportValue``,
            a custom resource's attribute...) is returned as one :class:`Unresolved` saying so (cannot be
            verified: the part can change the document's structure wherever it sits).
        substitutions : Mapping, optional
            Resolved values replacing ``${Key}`` in the text (a state machine's ``DefinitionSubstitutions``,
            which Step Functions' resource handler substitutes as text).

        Returns
        -------
        str, Unresolved or another resolved value
        """
        v = self._value(node)
        if isinstance(v, str):
            for k, sub in (substitutions or {}).items():
                rep = self._text(sub)
                v = v.replace("${" + str(k) + "}", rep if rep is not None else json.dumps(sub, default=str))
            if what is not None:
                hazard = self.text_hazard(v, what)
                if hazard is not None:
                    return hazard
        return v

    def value_with_tokens(self, node: Any) -> Any:
        """``node`` resolved, text built from unresolved parts kept with its tokens (:meth:`text_hazard` reads them);
        mappings and lists with every unresolved value a token (ready for ``json.dumps``)."""
        return self._finish_tokens(self._value(node))

    def text_hazard(self, text: Any, what: str) -> Unresolved | None:
        """The :class:`Unresolved` that makes the document ``text`` (resolved, tokens kept) unverifiable: a part
        substituted into it that may be any text; ``None`` when there is none (or ``text`` is not a string)."""
        if isinstance(text, str) and _TOKEN_RE.fullmatch(text):
            whole = self.tokens[int(_TOKEN_RE.fullmatch(text).group(1))]   # type: ignore[union-attr]
            if whole.free_text and not (isinstance(whole.expression, Mapping) and "Fn::If" in whole.expression):
                return Unresolved(whole.expression, f"{what} is a value only deployment knows ({whole.reason})",
                                  fix=f"write {what} in the template; {SUBSTITUTED_FIX}")
            return None
        if not isinstance(text, str):
            return None
        free = [self.tokens[int(m.group(1))] for m in _TOKEN_RE.finditer(text)]
        free = [u for u in free if u.free_text]
        chosen = [n for n in dict.fromkeys(_CHOICE_RE.findall(text)) if not self._bounded(n)]
        if chosen and not free:
            # safemaker check: "any other value" of a parameter the deployer gives (safemaker.iac._choices)
            shown = ", ".join("${" + n + "}" for n in chosen)
            return Unresolved(
                "${" + chosen[0] + "}" if len(chosen) == 1 else ["${" + n + "}" for n in chosen],
                f"decided at deploy time: whoever deploys the template gives {', '.join(chosen)} any text, "
                f"substituted as text into {what}: a quote, a backslash or a newline in it can add members, states "
                "or steps wherever it sits",
                fix=f"{shown} in {what} is decided at deploy time and may be any text; give "
                    f"{'it' if len(chosen) == 1 else 'each'} AllowedValues of plain words, make it a Number, write a "
                    f"fixed value, or pass it with --parameter {chosen[0]}=VALUE (one deployment)")
        if not free:
            return None
        names = list(dict.fromkeys(repr(u) if _sub_name(u) == repr(u) else "${" + _sub_name(u) + "}"
                                   for u in free))
        reasons = "; ".join(dict.fromkeys(u.reason for u in free))
        return Unresolved(
            free[0].expression if len(names) == 1 and _sub_name(free[0]) == repr(free[0]) else
            (names[0] if len(names) == 1 else names),
            f"{reasons}, substituted as text into {what}: the service parses {what} after CloudFormation "
            "substitutes the value, so a quote, a backslash or a newline in it can add members, states or steps "
            "wherever it sits",
            fix=f"{', '.join(names)} in {what} is known only at deployment and may be any text; {SUBSTITUTED_FIX}")

    def restore(self, doc: Any) -> Any:
        """Replace tokens left in a parsed embedded document by :class:`Unresolved` values."""
        if isinstance(doc, str) and _TOKEN_RE.search(doc):
            return self.untoken(doc)
        if isinstance(doc, dict):
            return {k: self.restore(v) for k, v in doc.items()}
        if isinstance(doc, list):
            return [self.restore(v) for v in doc]
        return doc
