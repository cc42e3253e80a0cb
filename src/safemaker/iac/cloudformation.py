"""CloudFormation templates (and CDK cloud assemblies): each SageMaker resource -> its create request.

Resource types and property names come from CloudFormation's resource schemas
(the ones cfn-lint ships, ``cfnlint.schema``): for SageMaker they spell the
properties as the API does, so a resource's ``Properties`` are the request of
:data:`CFN_RESOURCES`' operation, with the renames listed there. A test checks
every guarded field of every mapped type against the installed schemas.

Intrinsic functions are resolved where the template itself tells (parameters'
defaults, ``--parameter`` values, ``Fn::Sub``/``Fn::Join``/...): see
:mod:`safemaker.iac._intrinsics`; what only deployment knows is an
:class:`~safemaker.iac._document.Unresolved` value: cannot be verified before
deployment.

Embedded documents are checked as what they are: the ``Definition`` /
``DefinitionString`` of an ``AWS::StepFunctions::StateMachine`` (its SageMaker
tasks, :mod:`safemaker.iac.stepfunctions`) and the
``PipelineDefinition.PipelineDefinitionBody`` of an ``AWS::SageMaker::Pipeline``
(every step, :mod:`safemaker.pipeline`). A definition kept in S3
(``DefinitionS3Location``, ``PipelineDefinitionS3Location``) cannot be verified.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import json
import re
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

from .. import paths as _paths
from ..rules import RULES
from ._choices import holds_choice
from ._document import Document, IacInputError, Parts, Unresolved, embedded_json, embedded_template
from ._intrinsics import Resolver
from ._request import SourceRequest

__all__ = ["CfnResource", "CFN_RESOURCES", "NO_NETWORK_TYPES", "is_module", "is_template", "template_requests",
           "stack_set_requests", "parameter_list", "Resolver", "unmapped_reason"]


@dataclass(frozen=True)
class CfnResource:
    """How one CloudFormation resource type becomes a request.

    Attributes
    ----------
    operation : str
        The SageMaker operation CloudFormation calls to create it.
    name_property : str or None
        Property holding the resource's name (to match references by name).
    renames : tuple[tuple[str, str], ...]
        ``(property path, request path)`` where the template spells a member
        differently from the API; every other property has the API's name.
    not_in_cloudformation : tuple[tuple[str, str], ...]
        ``(request path, why)`` for guarded request fields the resource schema
        has no property for (tested: absent from the schema).
    """

    operation: str
    name_property: str | None = None
    renames: tuple[tuple[str, str], ...] = ()
    not_in_cloudformation: tuple[tuple[str, str], ...] = ()


def _no_canvas(settings: str) -> tuple[tuple[str, str], ...]:
    """The Canvas settings the rule table refuses, which the resource schema has not (no CanvasAppSettings)."""
    why = ("the resource schema has no CanvasAppSettings: a domain or user profile a template creates leaves "
           "EMR Serverless, direct deployment and OAuth data sources at their defaults")
    at = f"{settings}.CanvasAppSettings"
    return tuple((f"{at}.{p}", why) for p in ("EmrServerlessSettings.Status", "DirectDeploySettings.Status",
                                               "IdentityProviderOAuthSettings[].Status",
                                               "WorkspaceSettings.S3KmsKeyId"))


_JOB_DEFINITIONS = {
    f"AWS::SageMaker::{kind}JobDefinition": CfnResource(f"Create{kind}JobDefinition", "JobDefinitionName")
    for kind in ("DataQuality", "ModelQuality", "ModelBias", "ModelExplainability")
}

CFN_RESOURCES: Mapping[str, CfnResource] = {
    "AWS::SageMaker::NotebookInstance": CfnResource("CreateNotebookInstance", "NotebookInstanceName"),
    "AWS::SageMaker::Model": CfnResource("CreateModel", "ModelName"),
    "AWS::SageMaker::EndpointConfig": CfnResource("CreateEndpointConfig", "EndpointConfigName"),
    "AWS::SageMaker::Endpoint": CfnResource("CreateEndpoint", "EndpointName"),
    "AWS::SageMaker::Domain": CfnResource(
        "CreateDomain", "DomainName",
        not_in_cloudformation=(*_no_canvas("DefaultUserSettings"), (
            "HomeEfsFileSystemKmsKeyId", "the resource schema has no HomeEfsFileSystemKmsKeyId (deprecated in the "
            "API for KmsKeyId, which the schema has and the rule table checks)")),
    ),
    "AWS::SageMaker::UserProfile": CfnResource("CreateUserProfile", "UserProfileName",
                                               not_in_cloudformation=_no_canvas("UserSettings")),
    "AWS::SageMaker::Space": CfnResource("CreateSpace", "SpaceName"),
    "AWS::SageMaker::App": CfnResource(
        "CreateApp", "AppName",
        not_in_cloudformation=(("SpaceName", "the resource schema has no SpaceName: an app a template creates "
                                "runs for a user profile (UserProfileName), never in a space"),),
    ),
    "AWS::SageMaker::MonitoringSchedule": CfnResource("CreateMonitoringSchedule", "MonitoringScheduleName"),
    **_JOB_DEFINITIONS,
    "AWS::SageMaker::Pipeline": CfnResource(
        "CreatePipeline", "PipelineName",
        renames=(("PipelineDefinition.PipelineDefinitionBody", "PipelineDefinition"),
                 ("PipelineDefinition.PipelineDefinitionS3Location", "PipelineDefinitionS3Location")),
    ),
    "AWS::SageMaker::Cluster": CfnResource("CreateCluster", "ClusterName"),
    "AWS::SageMaker::Workforce": CfnResource("CreateWorkforce", "WorkforceName"),
    "AWS::SageMaker::Workteam": CfnResource(
        "CreateWorkteam", "WorkteamName",
        not_in_cloudformation=(("WorkerAccessConfiguration.S3Presign.IamPolicyConstraints.VpcSourceIp",
                                "the resource schema has no WorkerAccessConfiguration: a work team a template "
                                "creates has VpcSourceIp not enabled (its S3 presigned URLs work from anywhere)"),),
    ),
    "AWS::SageMaker::ProcessingJob": CfnResource("CreateProcessingJob", "ProcessingJobName"),
    "AWS::SageMaker::InferenceComponent": CfnResource("CreateInferenceComponent", "InferenceComponentName"),
    "AWS::SageMaker::InferenceExperiment": CfnResource("CreateInferenceExperiment", "Name"),
    "AWS::SageMaker::NotebookInstanceLifecycleConfig": CfnResource("CreateNotebookInstanceLifecycleConfig",
                                                                   "NotebookInstanceLifecycleConfigName"),
    "AWS::SageMaker::ModelPackage": CfnResource("CreateModelPackage", "ModelPackageName"),
    "AWS::SageMaker::Algorithm": CfnResource(
        "CreateAlgorithm", "AlgorithmName",
        not_in_cloudformation=(("ValidationSpecification",
                                "the resource schema has no ValidationSpecification: an algorithm a template "
                                "creates runs no validation job"),),
    ),
    "AWS::SageMaker::PartnerApp": CfnResource("CreatePartnerApp", "Name"),
    "AWS::SageMaker::Project": CfnResource("CreateProject", "ProjectName"),
    "AWS::SageMaker::DeviceFleet": CfnResource("CreateDeviceFleet", "DeviceFleetName"),
}
"""CloudFormation type -> the request it causes (the create operation of the rule table)."""

NO_NETWORK_TYPES: Mapping[str, str] = {
    "AWS::SageMaker::StudioLifecycleConfig": "a script run by Studio apps; the domain's network is checked",
}
"""SageMaker types recognised as having no network field (nothing to check), with the reason."""

def unmapped_reason(rtype: str) -> str | None:
    """Why a SageMaker type :data:`CFN_RESOURCES` does not map cannot be passed, or ``None`` when it has
    nothing to check.

    Its CloudFormation schema's create handler names the operations it calls
    (``handlers.create.permissions``); when none of them is in the rule table
    (:data:`safemaker.rules.RULES`, which holds every operation with a network
    field), there is nothing to check.

    Parameters
    ----------
    rtype : str
        ``AWS::SageMaker::<Type>``.

    Returns
    -------
    str or None
        The reason it cannot be verified (a type the installed schemas do not
        know, or one whose create operation is guarded), or ``None``.
    """
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER, ResourceNotFoundError

    try:
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", rtype).schema
    except ResourceNotFoundError:
        return "a SageMaker resource type the installed CloudFormation schemas do not know (update cfn-lint)"
    permissions = ((schema.get("handlers") or {}).get("create") or {}).get("permissions") or ()
    guarded = sorted({p.split(":", 1)[1] for p in permissions
                      if isinstance(p, str) and p.startswith("sagemaker:") and p.split(":", 1)[1] in RULES})
    if guarded:
        return (f"its create handler calls {', '.join(guarded)}, which the rules guard, but safemaker does not "
                "map this type's properties")
    return None

def _schema_of(rtype: str) -> Mapping[str, Any]:
    """The installed CloudFormation resource schema of ``rtype`` (``{}`` when unknown)."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER, ResourceNotFoundError

    try:
        return PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", rtype).schema
    except ResourceNotFoundError:
        return {}


def _booleans(value: Any, schema: Mapping[str, Any], node: Mapping[str, Any] | None = None, depth: int = 0) -> Any:
    """``value`` with the strings ``"true"`` / ``"false"`` of boolean-typed properties made booleans.

    Template parameters are strings, and CloudFormation takes ``"true"`` / ``"false"`` for a
    property whose resource schema type is ``boolean`` (``EnableNetworkIsolation: !Ref Isolation``):
    the request it sends holds the boolean. ``node`` is the schema of ``value`` (default: the
    resource's ``properties``); ``$ref`` to the schema's ``definitions`` is followed.
    """
    node = schema if node is None else node
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and depth < 50:
        ref = node["$ref"]
        if not ref.startswith("#/definitions/"):
            return value
        node = (schema.get("definitions") or {}).get(ref.rsplit("/", 1)[1], {})
        depth += 1
    if not isinstance(node, Mapping) or depth >= 50:
        return value
    types = node.get("type")
    types = types if isinstance(types, list) else [types]
    if "boolean" in types and isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if isinstance(value, Mapping) and isinstance(node.get("properties"), Mapping):
        props = node["properties"]
        return {k: _booleans(v, schema, props.get(k), depth + 1) if k in props else v for k, v in value.items()}
    if isinstance(value, list) and isinstance(node.get("items"), Mapping):
        return [_booleans(v, schema, node["items"], depth + 1) for v in value]
    return value


def is_template(data: Any) -> bool:
    """A CloudFormation template: a ``Resources`` mapping whose entries have a ``Type``."""
    if not isinstance(data, Mapping):
        return False
    res = data.get("Resources")
    if not isinstance(res, Mapping) or not res:
        return False
    if "AWSTemplateFormatVersion" in data:
        return True
    return all((isinstance(r, Mapping) and isinstance(r.get("Type"), str))
               or (str(k).startswith("Fn::ForEach::") and isinstance(r, list))
               or (k == "Fn::Transform" and isinstance(r, Mapping)) for k, r in res.items())

# --------------------------------------------------------------------------- resources -> requests


def _renamer(spec: CfnResource) -> tuple[dict[tuple[str, ...], tuple[str, ...]], dict[tuple[str, ...], tuple[str, ...]]]:
    to_req = {tuple(a.split(".")): tuple(b.split(".")) for a, b in spec.renames}
    to_src = {v: k for k, v in to_req.items()}
    return to_req, to_src


_ABSENT = object()


def _apply_renames(props: dict[str, Any], spec: CfnResource) -> dict[str, Any]:
    """The request: the properties with the members the template spells differently moved."""
    if not spec.renames:
        return props
    moved: dict[str, Any] = {}
    for src, dst in spec.renames:
        cur: Any = props
        for p in src.split("."):
            cur = cur.get(p, _ABSENT) if isinstance(cur, Mapping) else _ABSENT
        if cur is not _ABSENT:
            moved[dst] = cur
    tops = {src.split(".")[0] for src, _ in spec.renames}
    out = {k: v for k, v in props.items() if k not in tops}
    out.update(moved)
    return out


def template_requests(doc: Document, parameters: Mapping[str, Any], *, template: Mapping[str, Any] | None = None,
                      label: str | None = None, base: Parts = (),
                      nesting: tuple[str, ...] = (), pseudo: Mapping[str, str] | None = None) -> list[SourceRequest]:
    """Every request the SageMaker resources (and embedded definitions) of a template will cause.

    Parameters
    ----------
    doc : Document
        The decoded file.
    parameters : Mapping[str, str]
        ``--parameter`` values (win over the template's ``Default``).
    template : Mapping, optional
        The template inside ``doc.data`` (default: ``doc.data`` itself).
    label : str, optional
        Prefix of logical IDs (a CDK stack's artifact ID).
    base : tuple
        Path of the template inside ``doc`` (for lines).
    nesting : tuple[str, ...]
        Files of the parent stacks being read (a template that nests itself is bad input).
    pseudo : Mapping[str, str], optional
        Pseudo parameters known before deployment (:func:`safemaker.iac._intrinsics.pseudo_parameters` of
        the profile's region); nested stacks (same region) get them too, stack set instances (any region)
        do not.

    Returns
    -------
    list[SourceRequest]

    Raises
    ------
    IacInputError
        A resource that is not a mapping, an embedded definition that is not JSON, or a nested
        stack whose local template is missing, is not a template, or nests its parent.
    """
    from . import stepfunctions as _sfn

    tpl = template if template is not None else doc.data
    resolver = Resolver(tpl, parameters, f"{label}/" if label else "", pseudo)
    out: list[SourceRequest] = []
    for at, value in _unread_transforms(tpl.get("Transform"), resolver):
        # A macro's Lambda function, or AWS::Include's S3 snippet, rewrites the template at deployment: what it
        # inserts is not in the source.
        out.append(SourceRequest(doc.file, "Transform", "Transform", "", {}, lambda parts, _at=at: base + _at,
                                 lambda parts, _at=at: _format_path(_at), doc.line,
                                 extra=[((), value, "SM-REFERENCE")]))
    items = _expand_for_each(doc, resolver, resolver.resources, base + ("Resources",))
    resolver.resources = {logical_id: res for logical_id, res, _ in items}
    for logical_id, res, where in items:
        if logical_id == "Fn::Transform":
            # Resources inserted at deployment (AWS::Include of an S3 snippet, a macro): not in the source.
            out.append(_transform_request(doc, resolver, logical_id, "Resources", res, where,
                                          "Resources.Fn::Transform"))
            continue
        if isinstance(res, _UnresolvedLoop):
            if res.types & _CHECKED_TYPES or any(t.startswith("AWS::SageMaker::") or is_module(t)
                                                 for t in res.types):
                out.append(SourceRequest(doc.file, logical_id, ", ".join(sorted(res.types)), "", {},
                                         lambda parts, _at=where: _at + (1,), lambda parts: logical_id, doc.line,
                                         extra=[((), res.collection, "SM-REFERENCE")]))
            continue
        if not isinstance(res, Mapping):
            raise IacInputError(doc.file, f"resource {logical_id} is {type(res).__name__}; expected a mapping "
                                          "with Type and Properties", f"line {doc.line(where)}")
        rtype = res.get("Type")
        if isinstance(res.get("Condition"), str) and resolver.condition(res["Condition"]) is False:
            continue  # its condition is false: CloudFormation does not create it
        shown_id = f"{label}/{logical_id}" if label else logical_id
        out.extend(_included(doc, resolver, res, where, shown_id))
        if _holds_loop(res.get("Properties")):
            expanded, unread = _loops_in(resolver, res["Properties"], ())
            res = {**res, "Properties": expanded}
            if unread and _checked_type(rtype):
                out.extend(_unread_loop(doc, shown_id, str(rtype), where + ("Properties",) + parts, reason)
                           for parts, reason in unread)
                continue
        raw_props = res.get("Properties", {})
        props = resolver.value(raw_props) if raw_props is not None else {}
        props_at = where + ("Properties",)
        if isinstance(props, Unresolved) and isinstance(rtype, str) and (rtype in CFN_RESOURCES
                                                                         or rtype in _STATE_MACHINES):
            # Properties chosen at deployment (Fn::If ...): nothing in them can be verified (a transform that
            # writes them all is reported once, by _included).
            if not (isinstance(raw_props, Mapping) and list(raw_props) == [_TRANSFORM]):
                out.append(SourceRequest(doc.file, shown_id, rtype, "", {}, lambda parts, _at=props_at: _at,
                                         lambda parts: "Properties", doc.line,
                                         extra=[(("Properties",), props, "SM-REFERENCE")]))
            continue
        if not isinstance(props, Mapping):
            props = {}
        if rtype in _STATE_MACHINES:
            out.extend(_state_machine(doc, resolver, res, props, props_at, shown_id, _sfn))
            continue
        if rtype in _NESTED_STACKS:
            out.extend(_nested_stack(doc, res, props, where, shown_id, nesting, resolver.pseudo))
            continue
        if rtype in _SDK_CALLERS:
            out.extend(_sdk_calls(doc, resolver, res, props, props_at, shown_id, rtype))
            continue
        if rtype in STARTING_TYPES:
            out.extend(_starting_resource(doc, props, props_at, shown_id, rtype))
            continue
        if rtype in _INTEGRATIONS:
            out.extend(_integrations(doc, props, props_at, shown_id, rtype))
            continue
        if rtype == _STACK_SET:
            out.extend(_stack_set(doc, resolver, res, props, props_at, shown_id, nesting))
            continue
        if rtype in UNSEEN_TYPES:
            why, given = UNSEEN_TYPES[rtype]
            if given is None or given & set(props):
                value = Unresolved(rtype, why)
                out.append(SourceRequest(doc.file, shown_id, rtype, "", {}, lambda parts, _at=where: _at + ("Type",),
                                         lambda parts: "Type", doc.line, extra=[(("Type",), value, "SM-REFERENCE")]))
            continue
        if rtype in SCALING_TYPES:
            out.extend(_scaling_resource(doc, props, props_at, shown_id, rtype))
            continue
        if rtype == _PROVISIONED_PRODUCT:
            # Service Catalog launches the product's own template (a provisioning artifact): not in the source.
            why = Unresolved(props.get("ProductName", props.get("ProductId")) or rtype,
                             "a Service Catalog product's template is kept by Service Catalog, not in the source: "
                             "what it creates (SageMaker projects are such products) is not checked")
            out.append(SourceRequest(doc.file, shown_id, rtype, "", {}, lambda parts, _at=where: _at + ("Type",),
                                     lambda parts: "Type", doc.line, extra=[(("Type",), why, "SM-REFERENCE")]))
            continue
        if is_module(rtype):
            # A module's template fragment, kept in the CloudFormation registry, becomes resources at deployment.
            why = Unresolved(rtype, "a CloudFormation module: CloudFormation inserts the resources of the template "
                                    "fragment registered under this type at deployment; the fragment is kept in "
                                    "the CloudFormation registry, not in the source",
                             fix=_MODULE_FIX)
            out.append(SourceRequest(doc.file, shown_id, str(rtype), "", {}, lambda parts, _at=where: _at + ("Type",),
                                     lambda parts: "Type", doc.line, extra=[(("Type",), why, "SM-UNSUPPORTED")]))
            continue
        if rtype in _CUSTOM_TYPES or (isinstance(rtype, str) and rtype.startswith("Custom::")):
            calls = _aws_custom_resource(doc, resolver, res, props_at, shown_id, str(rtype))
            if calls:
                out.extend(calls)
                continue
            if calls is not None and not _registry_sagemaker_type(str(rtype)):
                continue
        if isinstance(rtype, str) and _registry_sagemaker_type(rtype):
            # A registry (third-party) or custom type naming SageMaker: its handler may create anything.
            why = Unresolved(rtype, "a CloudFormation type that is not an AWS SageMaker type the schemas know "
                                    "(a registry or custom type): what its handler creates is not checked")
            out.append(SourceRequest(doc.file, shown_id, rtype, "", {}, lambda parts, _at=where: _at + ("Type",),
                                     lambda parts: "Type", doc.line, extra=[(("Type",), why, "SM-UNSUPPORTED")]))
            continue
        spec = CFN_RESOURCES.get(rtype) if isinstance(rtype, str) else None
        if spec is None and isinstance(rtype, str) and rtype.startswith("AWS::SageMaker::") \
                and rtype not in NO_NETWORK_TYPES:
            why = unmapped_reason(rtype)
            if why is not None:  # fail closed: a SageMaker type the guard would have something to check in
                out.append(SourceRequest(doc.file, shown_id, rtype, "", {}, lambda parts, _at=where: _at,
                                         lambda parts: "Type", doc.line,
                                         extra=[(("Type",), Unresolved(rtype, why), "SM-UNSUPPORTED")]))
            continue
        if spec is None or spec.operation not in RULES:
            continue
        request = _apply_renames(_booleans(dict(props), _schema_of(rtype)), spec)
        extra: list[tuple[Parts, Unresolved, str]] = []
        if spec.operation == "CreatePipeline":
            request, extra = _pipeline_body(doc, resolver, res, request, props_at)
        to_req, to_src = _renamer(spec)
        raw_definition = (res.get("Properties") or {}).get("PipelineDefinition")
        if any(parts == ("PipelineDefinition",) for parts, _, _ in extra) and isinstance(raw_definition, Mapping) \
                and len(raw_definition) == 1 and str(next(iter(raw_definition))).startswith("Fn::"):
            to_src = {}  # the whole PipelineDefinition property is unresolved, not its body

        def source_path(parts: Parts, _at: Parts = props_at, _to_src: Any = to_src) -> Parts:
            head = tuple(p for p in parts[:1] if isinstance(p, str))
            if head and head in _to_src:
                return _at + _to_src[head] + parts[1:]
            return _at + parts

        def shown(parts: Parts, _sp: Any = source_path, _at: Parts = props_at) -> str:
            from ..guard import format_path

            return format_path(_sp(parts)[len(_at):])

        name = props.get(spec.name_property) if spec.name_property else None
        rule = RULES[spec.operation]
        creates = (rule.resource, name) if isinstance(name, str) and rule.resource else None
        out.append(SourceRequest(doc.file, shown_id, rtype, spec.operation, request, source_path, shown,
                                 doc.line, creates, extra))
    if out:
        # a snippet inserted in Mappings, Conditions or SAM's Globals changes the values the resources read
        for section in _INCLUDE_SECTIONS:
            node = tpl.get(section)
            for parts in _transforms_in(node, ()) if isinstance(node, (Mapping, list)) else ():
                out.append(_transform_request(doc, resolver, section, section, _node_at(node, parts),
                                              base + (section,) + parts, _format_path((section,) + parts)))
    return out


_TRANSFORM = "Fn::Transform"
_INCLUDE_SECTIONS = ("Mappings", "Conditions", "Globals")
"""Template sections besides ``Resources`` whose content the resources read (``Fn::FindInMap``, conditions, SAM's
global properties): a transform there makes the template's requests unverifiable. A transform in ``Outputs``,
``Metadata`` or ``Rules`` inserts outputs, metadata or rules only (no resource); in ``Parameters`` and the
template version it is not allowed (template reference, "AWS::Include transform")."""


def _format_path(parts: Parts) -> str:
    from ..guard import format_path

    return format_path(parts)


def _transforms_in(node: Any, at: Parts) -> list[Parts]:
    """The path of every ``Fn::Transform`` key below ``node`` (a key of a mapping, at any depth)."""
    found: list[Parts] = []
    if isinstance(node, Mapping):
        for k, v in node.items():
            if k == _TRANSFORM:
                found.append(at + (k,))
            else:
                found.extend(_transforms_in(v, at + (k,)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            found.extend(_transforms_in(v, at + (i,)))
    return found


def _node_at(node: Any, parts: Parts) -> Any:
    for p in parts:
        node = node[p]
    return node


def _transform_request(doc: Document, resolver: Resolver, shown_id: str, source_type: str, transform: Any,
                       at: Parts, shown: str) -> SourceRequest:
    """An ``UNKNOWN`` request for a ``Fn::Transform`` whose output only deployment knows."""
    name = transform.get("Name") if isinstance(transform, Mapping) else None
    params = transform.get("Parameters") if isinstance(transform, Mapping) else None
    what = params.get("Location") if isinstance(params, Mapping) and "Location" in params else transform
    found = resolver.value(what)
    kind = "an AWS::Include of a snippet" if name == "AWS::Include" else f"the macro {name!r}"
    value = Unresolved(found if not isinstance(found, Unresolved) else found.expression,
                       f"{kind} inserted at deployment: what it adds or replaces here is not in the source",
                       fix="write the snippet's content in the template in place of the Fn::Transform, or check "
                           "the processed template (CloudFormation GetTemplate with TemplateStage=Processed, after "
                           "creating a change set) with safemaker check")
    return SourceRequest(doc.file, shown_id, f"{source_type} ({_TRANSFORM} {name})", "", {},
                         lambda parts, _at=at: _at, lambda parts, _s=shown: _s, doc.line,
                         extra=[((), value, "SM-REFERENCE")])


def _included(doc: Document, resolver: Resolver, res: Any, where: Parts, shown_id: str) -> list[SourceRequest]:
    """``UNKNOWN`` requests for every ``Fn::Transform`` inside a resource the reader checks.

    ``AWS::Include`` (template reference, "AWS::Include transform") inserts a snippet kept in S3 "anywhere within
    the template except in the template parameters section or the template version", and a macro named by
    ``Fn::Transform`` rewrites the mapping it is written in: inside ``Properties`` (a nested property, a list
    element) the request CloudFormation sends is not the one written. A transform written directly in the
    resource (beside ``Type``) may set its type: checked whatever the type; deeper, for the types the reader
    checks (SageMaker types, the types whose content names SageMaker calls, custom resources).
    """
    if not isinstance(res, Mapping):
        return []
    found = _transforms_in(res, ())
    if not found:
        return []
    rtype = res.get("Type")
    checked = _checked_type(rtype)
    return [_transform_request(doc, resolver, shown_id, str(rtype), _node_at(res, parts), where + parts,
                               _format_path(parts))
            for parts in found if checked or len(parts) == 1]


def _checked_type(rtype: Any) -> bool:
    """A type whose content the reader checks: SageMaker types, the types whose content names SageMaker calls,
    custom resources, registry types naming SageMaker (an unknown type too)."""
    return (not isinstance(rtype, str) or rtype in CFN_RESOURCES or rtype in _CHECKED_TYPES
            or rtype == _PROVISIONED_PRODUCT or rtype.startswith(("AWS::SageMaker::", "Custom::"))
            or rtype == "AWS::CloudFormation::CustomResource" or _registry_sagemaker_type(rtype))


_FOR_EACH = "Fn::ForEach::"
_AWS_TRANSFORMS = frozenset({"AWS::Serverless-2016-10-31", "AWS::LanguageExtensions",
                             "AWS::SecretsManager-2020-07-23", "AWS::CodeDeployBlueGreen"})
"""Top-level transforms of AWS itself (template reference, "Transform reference": SAM and language
extensions, read here; Secrets Manager rotation functions and ECS blue/green deployments, which add no
SageMaker resource); any other name is a macro."""


_TRANSFORM_FIX = ("write the template the transform produces (its resources written out), or check the processed "
                  "template (CloudFormation GetTemplate with TemplateStage=Processed, after creating a change set) "
                  "with safemaker check")


def _unread_transforms(node: Any, resolver: Resolver) -> list[tuple[Parts, Unresolved]]:
    """``(path, value)`` of each top-level ``Transform`` entry whose output the reader cannot know.

    Template reference, "Transform" and "AWS::Include transform": the section is a transform's name, a
    mapping ``{Name: ..., Parameters: {...}}`` (``AWS::Include`` with its ``Location``; a macro with its
    parameters), or a list of either. AWS's own :data:`_AWS_TRANSFORMS` are read (named either way); an
    ``AWS::Include`` inserts a snippet kept in S3 and a macro's function rewrites the template at
    deployment: cannot be verified, one entry each. An entry that is neither a name nor a mapping with a
    ``Name`` is one CloudFormation cannot run either: cannot be verified.
    """
    if node is None:
        return []
    entries = list(enumerate(node)) if isinstance(node, list) else [(None, node)]
    out: list[tuple[Parts, Unresolved]] = []
    for i, entry in entries:
        at: Parts = ("Transform",) if i is None else ("Transform", i)
        name = entry.get("Name") if isinstance(entry, Mapping) else entry
        if isinstance(name, str) and name in _AWS_TRANSFORMS:
            continue
        params = entry.get("Parameters") if isinstance(entry, Mapping) else None
        if name == "AWS::Include":
            location = params.get("Location") if isinstance(params, Mapping) else None
            found = resolver.value(location)
            why = "an AWS::Include of a snippet kept in S3, inserted into the template at deployment"
            shown: Any = {"Name": name, "Location": found.expression if isinstance(found, Unresolved) else found}
        elif isinstance(name, str):
            why = "a macro that rewrites the template at deployment"
            shown = name if params is None else {"Name": name, "Parameters": params}
        else:
            why = "a Transform entry that is not a transform's name nor a mapping with a Name"
            shown = entry
        out.append((at, Unresolved(shown, f"{why}: what it adds or replaces is not in the source",
                                   fix=_TRANSFORM_FIX)))
    return out


@dataclass(frozen=True)
class _UnresolvedLoop:
    """A ``Fn::ForEach`` whose collection only deployment knows: the types its fragment creates."""

    types: frozenset[str]
    collection: Unresolved


def _fragment_types(node: Any) -> frozenset[str]:
    if isinstance(node, Mapping):
        found = {node["Type"]} if isinstance(node.get("Type"), str) else set()
        for v in node.values():
            found |= _fragment_types(v)
        return frozenset(found)
    if isinstance(node, list):
        return frozenset().union(*(_fragment_types(v) for v in node)) if node else frozenset()
    return frozenset()


def _alphanumeric(item: str) -> str:
    """``&{Id}``: the item without its non-alphanumeric characters; a parameter's "any other value"
    (:data:`safemaker.iac._choices.CHOICE`) in it is kept whole (it stays the deployer's value)."""
    parts = _CHOICE_SPLIT.split(item)
    return "".join(p if holds_choice(p) else "".join(c for c in p if c.isalnum()) for p in parts)


_CHOICE_SPLIT = re.compile(r"(@@safemaker-choice:[^@]+@@)")


def _substitute(node: Any, identifier: str, item: str) -> Any:
    """``node`` with the loop's identifier replaced (``${Id}``, ``&{Id}`` alphanumeric only, ``Ref: Id``)."""
    if isinstance(node, str):
        return node.replace("${" + identifier + "}", item).replace("&{" + identifier + "}", _alphanumeric(item))
    if isinstance(node, Mapping):
        if len(node) == 1 and node.get("Ref") == identifier:
            return item
        return {_substitute(k, identifier, item): _substitute(v, identifier, item) for k, v in node.items()}
    if isinstance(node, list):
        return [_substitute(v, identifier, item) for v in node]
    return node


def _renamed(node: Any, names: Mapping[str, str]) -> Any:
    """``node`` with the references (``Ref``, ``Fn::GetAtt``, ``${Name}`` / ``${Name.Attr}`` of
    ``Fn::Sub``) to a logical ID of ``names`` made to name its value instead."""
    if isinstance(node, Mapping):
        if len(node) == 1:
            (key, arg), = node.items()
            if key == "Ref" and isinstance(arg, str) and arg in names:
                return {key: names[arg]}
            if key == "Fn::GetAtt":
                if isinstance(arg, list) and arg and isinstance(arg[0], str) and arg[0] in names:
                    return {key: [names[arg[0]], *(_renamed(a, names) for a in arg[1:])]}
                if isinstance(arg, str) and arg.split(".", 1)[0] in names:
                    head, _, tail = arg.partition(".")
                    return {key: f"{names[head]}.{tail}" if tail else names[head]}
            if key == "Fn::Sub":
                text, rest = (arg, None) if isinstance(arg, str) else (
                    (arg[0], arg[1:]) if isinstance(arg, list) and arg and isinstance(arg[0], str) else (None, None))
                if text is not None:
                    for old, new in names.items():
                        text = text.replace("${" + old + "}", "${" + new + "}").replace("${" + old + ".",
                                                                                          "${" + new + ".")
                    return {key: text if rest is None else [text, *(_renamed(a, names) for a in rest)]}
        return {k: _renamed(v, names) for k, v in node.items()}
    if isinstance(node, list):
        return [_renamed(v, names) for v in node]
    return node


def _loop_items(resolver: Resolver, collection: Any) -> tuple[Any, list[tuple[str, str]] | None]:
    """The items of a ``Fn::ForEach`` collection as ``(name, value)`` pairs: the text that replaces the
    identifier in the output keys (the resources' logical IDs) and in the output values; or ``None``
    with why (an :class:`Unresolved`) when only deployment knows the collection.

    A list parameter the deployer chooses (its "any other value", :data:`safemaker.iac._choices.CHOICE`)
    gives items that are the deployer's values: they stay that choice in every value they reach (a
    ``Ref`` to the identifier, ``${Id}`` / ``&{Id}`` in ``Fn::Sub`` or any text), decided as a ``Ref`` to
    that parameter is (each value a closed field can take, else decided at deploy time), while the
    resources are named after the items of the parameter's ``Default`` (one per default item: the names
    the form shows first). Without a ``Default`` the collection only deployment knows.
    """
    items = resolver.value(collection)
    if not (isinstance(items, list) and all(isinstance(i, (str, int, float)) for i in items)):
        return (items if isinstance(items, Unresolved) else Unresolved(
            collection, "a Fn::ForEach collection that is not a list of values")), None
    values = [str(i) for i in items]
    if not any(holds_choice(v) for v in values):
        return None, [(v, v) for v in values]
    defaults = Resolver(resolver.template, {k: v for k, v in resolver.given.items() if not holds_choice(v)},
                        resolver.prefix, resolver.pseudo).value(collection)
    if not (isinstance(defaults, list) and all(isinstance(i, (str, int, float)) for i in defaults)):
        return (defaults if isinstance(defaults, Unresolved) else Unresolved(
            collection, "a Fn::ForEach collection that is not a list of values")), None
    names = [str(i) for i in defaults]
    if len(names) == len(values):
        return None, list(zip(names, values))
    if len(values) == 1:
        return None, [(n, values[0]) for n in names]
    return None, [(v, v) for v in values]   # names that hold the choice: rendered as ${Parameter} when shown


def _holds_loop(node: Any) -> bool:
    """A ``Fn::ForEach::`` key in a mapping below ``node``."""
    if isinstance(node, Mapping):
        return any((isinstance(k, str) and k.startswith(_FOR_EACH)) or _holds_loop(v) for k, v in node.items())
    if isinstance(node, list):
        return any(_holds_loop(v) for v in node)
    return False


def _loops_in(resolver: Resolver, node: Any, at: Parts) -> tuple[Any, list[tuple[Parts, Unresolved]]]:
    """``node`` (a resource's ``Properties``) with each ``Fn::ForEach`` of its mappings expanded into the members
    it makes, and ``(path, why)`` of the loops left as written: the template reference ("Fn::ForEach") allows
    loops in resource properties; a collection only deployment knows, or items the deployer chooses (the
    output keys, property names, would be the deployer's), cannot be verified."""
    unread: list[tuple[Parts, Unresolved]] = []
    if isinstance(node, list):
        items = []
        for i, v in enumerate(node):
            new, more = _loops_in(resolver, v, at + (i,))
            items.append(new)
            unread += more
        return items, unread
    if not isinstance(node, Mapping):
        return node, unread
    out: dict[Any, Any] = {}
    for key, value in node.items():
        if not (isinstance(key, str) and key.startswith(_FOR_EACH)):
            out[key], more = _loops_in(resolver, value, at + (key,))
            unread += more
            continue
        if not (isinstance(value, list) and len(value) == 3 and isinstance(value[0], str)
                and isinstance(value[2], Mapping)):
            out[key] = value
            unread.append((at + (key,), Unresolved(value, "a Fn::ForEach that is not [Identifier, Collection, "
                                                          "{OutputKey: OutputValue}]")))
            continue
        identifier, collection, fragment = value
        reason, pairs = _loop_items(resolver, collection)
        if pairs is not None and any(name != item for name, item in pairs):
            reason, pairs = Unresolved(collection, "a Fn::ForEach in resource properties over a list the deployer "
                                                   "chooses: the property names it makes are the deployer's",
                                       fix="give the list parameter AllowedValues, or pass it with --parameter"), None
        if pairs is None:
            out[key] = value
            unread.append((at + (key,), reason))
            continue
        for _, item in pairs:
            for out_key, out_value in fragment.items():
                expanded, more = _loops_in(resolver, {_substitute(out_key, identifier, item):
                                                      _substitute(out_value, identifier, item)}, at + (key, 2))
                out.update(expanded)
                unread += more
    return out, unread


def _unread_loop(doc: Document, shown_id: str, rtype: str, at: Parts, reason: Unresolved) -> SourceRequest:
    """An ``UNKNOWN`` request for a ``Fn::ForEach`` in a resource's properties that is not expanded."""
    shown = _format_path(at[at.index("Properties"):]) if "Properties" in at else "Properties"
    return SourceRequest(doc.file, shown_id, rtype, "", {}, lambda parts, _at=at: _at, lambda parts, _s=shown: _s,
                         doc.line, extra=[((), reason, "SM-REFERENCE")])


def _expand_for_each(doc: Document, resolver: Resolver, resources: Mapping[str, Any],
                     at: Parts) -> list[tuple[str, Any, Parts]]:
    """``(logical ID, resource, path in the file)`` with every ``Fn::ForEach`` of ``Resources`` expanded.

    ``AWS::LanguageExtensions`` (template reference, "Fn::ForEach"):
    ``Fn::ForEach::<Name>: [Identifier, Collection, {OutputKey: OutputValue}]`` creates one entry
    per item of the collection (a list, or a ``Ref`` to a list parameter), the identifier
    replaced in the key and the value; loops nest. Items a deployer chooses stay that choice in the
    values (:func:`_loop_items`). The path of an expanded resource is the one of its fragment in the
    file (for lines). A collection only deployment knows is an :class:`_UnresolvedLoop`.
    """
    out: list[tuple[str, Any, Parts]] = []
    for key, res in resources.items():
        where = at + (key,)
        if not (isinstance(key, str) and key.startswith(_FOR_EACH)):
            out.append((key, res, where))
            continue
        if not (isinstance(res, list) and len(res) == 3 and isinstance(res[0], str) and isinstance(res[2], Mapping)):
            raise IacInputError(doc.file, f"{key} is not [Identifier, Collection, {{OutputKey: OutputValue}}] "
                                          "(AWS::LanguageExtensions Fn::ForEach)", f"line {doc.line(where)}")
        identifier, collection, fragment = res
        reason, pairs = _loop_items(resolver, collection)
        if pairs is None:
            out.append((key, _UnresolvedLoop(_fragment_types(fragment), reason), where))
            continue
        for name, item in pairs:
            # a reference to an output of the same loop (Ref Model${Id}) names the resource as named here
            names = {_substitute(k, identifier, item): _substitute(k, identifier, name) for k in fragment
                     if isinstance(k, str) and not k.startswith(_FOR_EACH)} if name != item else {}
            for out_key, value in fragment.items():
                new_key = _substitute(out_key, identifier, name)
                if isinstance(new_key, str) and new_key.startswith(_FOR_EACH) and isinstance(value, list) \
                        and len(value) == 3 and isinstance(value[2], Mapping):
                    # a nested loop: its output keys are names too
                    new_value: Any = [_substitute(value[0], identifier, item), _substitute(value[1], identifier, item),
                                      {_substitute(k, identifier, name): _substitute(v, identifier, item)
                                       for k, v in value[2].items()}]
                else:
                    new_value = _substitute(value, identifier, item)
                if names:
                    new_value = _renamed(new_value, names)
                out.extend(_expand_for_each(doc, resolver, {new_key: new_value}, where + (2,))
                           if isinstance(new_key, str) and new_key.startswith(_FOR_EACH)
                           else [(new_key, new_value, where + (2, out_key))])
    return out


def _pipeline_body(doc: Document, resolver: Resolver, res: Mapping[str, Any], request: dict[str, Any],
                   props_at: Parts) -> tuple[dict[str, Any], list[tuple[Parts, Unresolved, str]]]:
    """``PipelineDefinitionBody`` (JSON text, maybe built with Fn::Sub) -> the parsed definition."""
    raw = (res.get("Properties") or {}).get("PipelineDefinition")
    extra: list[tuple[Parts, Unresolved, str]] = []
    if isinstance(raw, Mapping) and len(raw) == 1 and str(next(iter(raw))).startswith("Fn::"):
        # The whole definition chosen by a function (Fn::If between a body and an S3 location):
        # resolved with the text's tokens kept; chosen at deployment, nothing in it can be verified.
        raw = resolver._value(raw)
        if isinstance(raw, Unresolved):
            extra.append((("PipelineDefinition",), raw, "SM-REFERENCE"))
            return request, extra
    body_node = raw.get("PipelineDefinitionBody") if isinstance(raw, Mapping) else None
    if body_node is not None:
        text = resolver.text_document(body_node, "PipelineDefinition.PipelineDefinitionBody")
        if isinstance(text, Unresolved):   # a body only deployment knows, or text such a value can restructure
            request.pop("PipelineDefinition", None)
            extra.append((("PipelineDefinition",), text, "SM-REFERENCE"))
        elif isinstance(text, str):
            parsed = embedded_json(text, doc, "PipelineDefinition.PipelineDefinitionBody",
                                   props_at + ("PipelineDefinition",),
                                   "give the definition SageMaker documents (JSON with Steps)")
            request["PipelineDefinition"] = resolver.restore(parsed)
        else:
            request["PipelineDefinition"] = resolver.restore(text) if isinstance(text, dict) else text
    if "PipelineDefinitionS3Location" in request:
        loc = request.pop("PipelineDefinitionS3Location")
        extra.append((("PipelineDefinitionS3Location",),
                      Unresolved(loc, "a definition kept in S3 is not in the template"), "SM-REFERENCE"))
    return request, extra


_STATE_MACHINES = ("AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine")
_NESTED_STACKS = {"AWS::CloudFormation::Stack": "TemplateURL", "AWS::Serverless::Application": "Location"}
"""Nested stack types -> the property naming the child template."""
_STACK_SET = "AWS::CloudFormation::StackSet"
_PROVISIONED_PRODUCT = "AWS::ServiceCatalog::CloudFormationProvisionedProduct"
_SDK_CALLERS = ("AWS::Scheduler::Schedule", "AWS::SSM::Document", "AWS::Events::Rule", "AWS::Pipes::Pipe")
"""Types whose content names SageMaker API calls (:mod:`safemaker.iac.sdk_calls`)."""
_INTEGRATIONS: Mapping[str, str] = {"AWS::ApiGateway::Method": "Integration", "AWS::ApiGateway::RestApi": "Body",
                                    "AWS::Serverless::Api": "DefinitionBody"}
"""API Gateway types whose AWS service integrations call an AWS API (trial 17 F07) -> the property holding them: a
method's ``Integration``, or an OpenAPI definition whose operations carry ``x-amazon-apigateway-integration``
(:func:`safemaker.iac.sdk_calls.integration_requests`)."""
STARTING_TYPES: Mapping[str, tuple[str, str, Mapping[tuple[str, ...], tuple[str, ...]]]] = {
    # AWS::SSM::Association: "Name: The name of the SSM document that contains the configuration information" (the
    # resource schema); the association runs it "immediately after it is created" unless ApplyOnlyAtCronInterval
    # (Systems Manager API reference, CreateAssociation): read as that CreateAssociation
    "AWS::SSM::Association": ("ssm", "CreateAssociation", {("Name",): ("Name",),
                                                           ("DocumentVersion",): ("DocumentVersion",)}),
    # AWS::SSM::MaintenanceWindowTask: TaskType, TaskArn and TaskInvocationParameters.
    # MaintenanceWindowAutomationParameters.DocumentVersion, read as RegisterTaskWithMaintenanceWindow
    "AWS::SSM::MaintenanceWindowTask": ("ssm", "RegisterTaskWithMaintenanceWindow", {
        ("TaskType",): ("TaskType",), ("TaskArn",): ("TaskArn",),
        ("TaskInvocationParameters", "MaintenanceWindowAutomationParameters", "DocumentVersion"):
            ("TaskInvocationParameters", "Automation", "DocumentVersion")}),
    # AWS::Config::RemediationConfiguration (resource schema: TargetType, TargetId "Target ID is the name of the SSM
    # document", TargetVersion): the object config PutRemediationConfigurations makes, read as that call
    "AWS::Config::RemediationConfiguration": ("config", "PutRemediationConfigurations", {
        (prop,): ("RemediationConfigurations", 0, prop) for prop in ("TargetType", "TargetId", "TargetVersion")}),
    # Trial 11 F02: the types that make the objects of the other calls decided as what they run, read as those
    # calls (property names spelled as the API's by botocore's input shape: sdk_calls._model_spelling).
    # AWS::ServiceCatalog::ServiceAction: DefinitionType, Definition ([{Key, Value}]: Name, Version)
    "AWS::ServiceCatalog::ServiceAction": ("servicecatalog", "CreateServiceAction", {
        ("DefinitionType",): ("DefinitionType",), ("Definition",): ("Definition",)}),
    # AWS::CodePipeline::Pipeline: Stages[].Actions[] (ActionTypeId, Configuration), as CreatePipeline's pipeline
    "AWS::CodePipeline::Pipeline": ("codepipeline", "CreatePipeline", {("Stages",): ("pipeline", "stages")}),
    # AWS::Config::ConformancePack / OrganizationConformancePack: the template and its parameters
    "AWS::Config::ConformancePack": ("config", "PutConformancePack", {
        (prop,): (prop,) for prop in ("TemplateBody", "TemplateS3Uri", "TemplateSSMDocumentDetails",
                                      "ConformancePackInputParameters")}),
    "AWS::Config::OrganizationConformancePack": ("config", "PutOrganizationConformancePack", {
        (prop,): (prop,) for prop in ("TemplateBody", "TemplateS3Uri", "ConformancePackInputParameters")}),
    # AWS::SSMIncidents::ResponsePlan: Actions[].SsmAutomation (DocumentName, DocumentVersion)
    "AWS::SSMIncidents::ResponsePlan": ("ssm-incidents", "CreateResponsePlan", {("Actions",): ("actions",)}),
    # AWS::FIS::ExperimentTemplate: Actions {name: {ActionId, Parameters}}
    "AWS::FIS::ExperimentTemplate": ("fis", "CreateExperimentTemplate", {("Actions",): ("actions",)}),
    # AWS::MGN::LaunchConfigurationTemplate: PostLaunchActions.SsmDocuments[].SsmDocumentName
    "AWS::MGN::LaunchConfigurationTemplate": ("mgn", "CreateLaunchConfigurationTemplate", {
        ("PostLaunchActions",): ("postLaunchActions",)}),
    # AWS::IoT::TopicRule: TopicRulePayload.Actions[].StepFunctions / ErrorAction
    "AWS::IoT::TopicRule": ("iot", "CreateTopicRule", {("TopicRulePayload",): ("topicRulePayload",)}),
    # Trial 12: AWS::Greengrass::ResourceDefinition (InitialVersion.Resources[].ResourceDataContainer.
    # SageMakerMachineLearningModelResourceData) and ResourceDefinitionVersion (Resources[]): the objects of greengrass
    # CreateResourceDefinition / CreateResourceDefinitionVersion (safemaker.iac.service_calls.SAGEMAKER_WORK)
    "AWS::Greengrass::ResourceDefinition": ("greengrass", "CreateResourceDefinition", {
        ("InitialVersion",): ("InitialVersion",)}),
    "AWS::Greengrass::ResourceDefinitionVersion": ("greengrass", "CreateResourceDefinitionVersion", {
        ("Resources",): ("Resources",)}),
    # Trial 14 F01: AWS::StepFunctions::StateMachineAlias (RoutingConfiguration[].StateMachineVersionArn, or
    # DeploymentPreference.StateMachineVersionArn, the version traffic shifts to): the object of
    # CreateStateMachineAlias, each version read as StartExecution of it (safemaker.iac.service_calls.ALIAS_ROUTES)
    "AWS::StepFunctions::StateMachineAlias": ("stepfunctions", "CreateStateMachineAlias", {
        ("RoutingConfiguration",): ("routingConfiguration",),
        ("DeploymentPreference", "StateMachineVersionArn"): ("deploymentPreference", "stateMachineVersionArn")}),
}
"""Types that run content a service keeps (:data:`safemaker.iac.service_calls.STARTING_CALLS` and
``FOLLOWED_CALLS``) -> (botocore service, the API call they are read as, property path -> request path)."""
UNSEEN_TYPES: Mapping[str, tuple[str, frozenset[str] | None]] = {
    # Trial 11 F02/F06: the types of the template deployers the process guard cannot verify
    # (safemaker.iac.service_calls.UNSEEN_OPERATIONS): type -> (why, the properties that make it deploy; None: any)
    "AWS::CodeStarConnections::SyncConfiguration": (
        "a Git sync (CFN_STACK_SYNC) deploys the CloudFormation template of a Git repository to a stack on every "
        "push: the template is not in the source", None),
    "AWS::DataZone::Environment": (
        "a DataZone environment deploys its blueprint's CloudFormation template, which DataZone keeps: not in the "
        "source", None),
    "AWS::DataZone::Project": (
        "a DataZone project made from a project profile deploys the profile's environments from blueprint templates "
        "DataZone keeps: not in the source", frozenset({"ProjectProfileId", "UserParameters"})),
}
"""Types that deploy a template the source does not carry: cannot be verified before deployment."""
SCALING_TYPES: Mapping[str, str] = {
    # AWS::ApplicationAutoScaling::ScalableTarget (ResourceId, ServiceNamespace, ScheduledActions) and ScalingPolicy
    # (ScalingTargetId or ResourceId): the objects of RegisterScalableTarget / PutScheduledAction / PutScalingPolicy,
    # which the process guard decides by following the SageMaker resource they scale
    "AWS::ApplicationAutoScaling::ScalableTarget": "RegisterScalableTarget",
    "AWS::ApplicationAutoScaling::ScalingPolicy": "PutScalingPolicy",
}
"""Types that scale a SageMaker endpoint variant or inference component: one of the same source is checked there;
an existing one cannot be verified before deployment (the process guard follows it when it sends the API call)."""
UNREAD_TYPES: Mapping[str, str] = {
    # types that make the object of a call the process guard decides, but run nothing it decides when created
    "AWS::SSM::MaintenanceWindow": "a new window runs only the tasks registered to it (AWS::SSM::MaintenanceWindowTask "
                                   "of the template, read, or RegisterTaskWithMaintenanceWindow, decided); "
                                   "UpdateMaintenanceWindow is decided for enabling a window whose tasks exist",
    # trial 12 F03: AWS Batch service jobs are SubmitServiceJob requests (decided), which no resource type makes;
    # cfn-lint's AWS::Batch::* schemas hold no service request payload
    "AWS::Batch::JobQueue": "a queue (JobQueueType SAGEMAKER_TRAINING) only holds service jobs; each job is a "
                            "SubmitServiceJob, decided by the guard, which no resource type makes",
    "AWS::Batch::ServiceEnvironment": "capacity limits (instances) for service jobs; runs nothing",
}
"""Types matching a decided call that are not read, and why (the class test of trial 11 F02 accepts them)."""
_CHECKED_TYPES = frozenset(_STATE_MACHINES) | frozenset(_NESTED_STACKS) | {_STACK_SET} | frozenset(_SDK_CALLERS) \
    | frozenset(STARTING_TYPES) | frozenset(UNSEEN_TYPES) | frozenset(SCALING_TYPES) | frozenset(_INTEGRATIONS)
"""Types besides AWS::SageMaker::* whose content is checked (an unexpanded loop of them cannot be verified)."""


def _nested_stack(doc: Document, res: Mapping[str, Any], props: Mapping[str, Any], where: Parts, shown_id: str,
                  nesting: tuple[str, ...], pseudo: Mapping[str, str] | None = None) -> list[SourceRequest]:
    """The requests of a nested stack's template, with the ``Parameters`` the parent passes.

    CloudFormation creates the child's resources with the parent's ``Parameters`` (they win over
    the child's ``Default``). The child is read from a local path: the CDK's ``aws:asset:path``
    metadata (``<id>.nested.template.json`` in the cloud assembly), else a ``TemplateURL``
    (SAM: ``Location``) that is not a URL, relative to the parent (what ``aws cloudformation
    package`` uploads). A template elsewhere (S3, HTTPS, a SAR application) cannot be verified.
    """
    from pathlib import Path

    from ._document import read_document

    member = _NESTED_STACKS[str(res.get("Type"))]
    props_at = where + ("Properties",)
    metadata = res.get("Metadata")
    asset = metadata.get("aws:asset:path") if isinstance(metadata, Mapping) else None
    asset = asset if isinstance(asset, str) and asset else None
    location = props.get(member)
    local: str | None = None
    value: Unresolved | None = None
    if doc.base is None:
        # Text a request carries (a guarded CreateStack's TemplateBody): CloudFormation reads the child from the
        # location it names when it deploys; no file of this machine (aws:asset:path is metadata for tools) is
        # what it deploys (trial 18 F03)
        value = Unresolved(_render_choice(location.expression if isinstance(location, Unresolved) else location)
                           if location is not None else {member: None},
                           "a nested stack's template that is not in the request: CloudFormation reads it from "
                           f"{member} when it deploys (a local file, aws:asset:path metadata, is not what it deploys)",
                           fix="write the child's resources in the template itself, or check the parent and its "
                               "child templates with safemaker check before uploading them")
    elif isinstance(location, str) and location and "://" not in location and not holds_choice(location):
        local, at = location, props_at + (member,)   # what `aws cloudformation package` uploads: deployed
    elif _url_like(location):
        if asset is not None:   # the CDK: the S3 URL of the asset it wrote beside the assembly
            local, at = asset, where + ("Metadata", "aws:asset:path")
    elif asset is not None:
        # a location only deployment knows (a parameter, Fn::If...) beside an asset: either may be deployed
        value = Unresolved({member: _render_choice(location.expression if isinstance(location, Unresolved)
                                                   else location), "Metadata.aws:asset:path": asset},
                           "a nested stack whose template location is known at deployment, beside aws:asset:path "
                           "metadata naming a local file: which template is deployed is not in the source",
                           fix=f"write {member} as the child template's local path (aws cloudformation package "
                               "uploads it) or the S3 URL the CDK writes beside aws:asset:path")
    if local is None:
        if value is None:
            shown = location.expression if isinstance(location, Unresolved) else location
            value = Unresolved(_render_choice(shown) if shown is not None else {member: None},
                               "a nested stack's template that is not in the source"
                               + (" (its location is a parameter chosen at deployment)"
                                  if holds_choice(repr(shown)) else ""))
        return [SourceRequest(doc.file, shown_id, str(res.get("Type")), "", {},
                              lambda parts, _at=props_at + (member,): _at, lambda parts, _m=member: _m, doc.line,
                              extra=[((member,), value, "SM-REFERENCE")])]
    path = doc.base / local
    if not path.is_file():
        raise IacInputError(doc.file, f"nested stack {shown_id} names the template {local!r}: no such file next to "
                                      "the template; give the child template's path relative to the parent",
                            f"line {doc.line(at)}")
    key = path.resolve().as_posix()
    if key in nesting:
        raise IacInputError(doc.file, f"nested stack {shown_id} names {local!r}, a template that nests it; "
                                      "a stack cannot contain itself", f"line {doc.line(at)}")
    child = read_document(path, path.as_posix())
    if not is_template(child.data):
        raise IacInputError(child.file, f"nested stack {shown_id} of {doc.file} names this file, which is not a "
                                        "CloudFormation template")
    given = props.get("Parameters")
    parameters = dict(given) if isinstance(given, Mapping) else {}
    return template_requests(child, parameters, label=shown_id,
                             nesting=nesting + (Path(doc.file).resolve().as_posix(), key), pseudo=pseudo)


def _url_like(location: Any) -> bool:
    """A template location that is a URL (it starts with ``https://``, ``http://`` or ``s3://``), written or
    built with ``Fn::Join`` / ``Fn::Sub`` around values known at deployment (the CDK's assets bucket URL, its
    bucket and key parameters in CDK v1)."""
    text = location.expression if isinstance(location, Unresolved) else location
    return isinstance(text, str) and re.match(r"(?:https?|s3)://", text) is not None


def _render_choice(value: Any) -> Any:
    from ._choices import _render

    return _render(value)


def _sdk_calls(doc: Document, resolver: Resolver, res: Mapping[str, Any], props: Mapping[str, Any],
               props_at: Parts, shown_id: str, rtype: str) -> list[SourceRequest]:
    """An ``AWS::Scheduler::Schedule``'s SageMaker universal target (``Target.Arn``, ``Target.Input``) or an
    ``AWS::SSM::Document``'s ``aws:executeAwsApi`` steps (``Content``: an object, or JSON/YAML text); the
    pipeline executions an ``AWS::Events::Rule`` target, a schedule's templated target or an
    ``AWS::Pipes::Pipe`` starts (:func:`safemaker.iac.sdk_calls.pipeline_target_requests`)."""
    from . import sdk_calls
    from ._document import parse_text

    pipeline_list = ("SageMakerPipelineParameters", "PipelineParameterList")
    if rtype == "AWS::Events::Rule":
        out: list[SourceRequest] = []
        targets = props.get("Targets")
        for i, target in enumerate(targets if isinstance(targets, list) else ()):
            if isinstance(target, Mapping):
                at = props_at + ("Targets", i)
                out += sdk_calls.pipeline_target_requests(
                    doc, shown_id, rtype, target.get("Arn"), _paths.get(target, pipeline_list), at + ("Arn",),
                    f"Targets[{i}].Arn", at + pipeline_list, f"Targets[{i}].{'.'.join(pipeline_list)}")
        return out
    if rtype == "AWS::Pipes::Pipe":
        at = props_at + ("TargetParameters",) + pipeline_list
        enrichment = sdk_calls.pipeline_target_requests(
            doc, shown_id, rtype, props.get("Enrichment"), None, props_at + ("Enrichment",), "Enrichment", (), "")
        return enrichment + sdk_calls.pipeline_target_requests(
            doc, shown_id, rtype, props.get("Target"), _paths.get(props, ("TargetParameters",) + pipeline_list),
            props_at + ("Target",), "Target", at, "TargetParameters." + ".".join(pipeline_list))
    if rtype == "AWS::Scheduler::Schedule":
        target = props.get("Target")
        if not isinstance(target, Mapping):
            return []
        at = props_at + ("Target",)
        started = sdk_calls.pipeline_target_requests(
            doc, shown_id, rtype, target.get("Arn"), _paths.get(target, pipeline_list), at + ("Arn",), "Target.Arn",
            at + pipeline_list, "Target." + ".".join(pipeline_list))
        if started:
            return started
        raw_target = (res.get("Properties") or {}).get("Target")
        input_at = at + ("Input",) if isinstance(raw_target, Mapping) and "Input" in raw_target else at
        input_ = target.get("Input")
        if isinstance(raw_target, Mapping) and "Input" in raw_target and not isinstance(input_, Unresolved):
            text = resolver.text_document(raw_target["Input"], "Target.Input")
            input_ = text if isinstance(text, (str, Unresolved)) else input_
        return sdk_calls.schedule_target_requests(doc, shown_id, rtype, target.get("Arn"), input_, input_at,
                                                  "Target.Input")
    content = props.get("Content")
    at = props_at + ("Content",)
    raw_content = (res.get("Properties") or {}).get("Content")
    hazard = resolver.text_hazard(resolver.value_with_tokens(raw_content), "Content") \
        if not isinstance(content, Mapping) and raw_content is not None else None
    if hazard is not None:   # JSON or YAML text a value only deployment knows can restructure
        return [SourceRequest(doc.file, shown_id, rtype, "", {}, lambda parts: at, lambda parts: "Content",
                              doc.line, extra=[((), hazard, "SM-REFERENCE")])]
    if isinstance(content, Unresolved):
        if "aws:executeAwsApi" not in repr(content.expression):
            return []
        return [SourceRequest(doc.file, shown_id, rtype, "", {}, lambda parts: at, lambda parts: "Content",
                              doc.line, extra=[((), content, "SM-REFERENCE")])]
    if isinstance(content, str):
        parsed = parse_text(content, f"{doc.file}#{shown_id}.Content").data
        return sdk_calls.automation_requests(doc, shown_id, rtype, parsed, at, "Content", embedded=True)
    return sdk_calls.automation_requests(doc, shown_id, rtype, content, at, "Content", embedded=False)


_OPENAPI_INTEGRATION = "x-amazon-apigateway-integration"


def openapi_integrations(body: Any, at: Parts, shown: tuple[str, ...]) -> "list[tuple[Any, Parts, str, dict[str, str]]]":
    """The AWS integrations of an OpenAPI definition (API Gateway Developer Guide, "x-amazon-apigateway-integration
    object": ``type``, ``uri``, ``requestTemplates``, ``passthroughBehavior``, ``credentials`` under an operation of
    ``paths``), spelled as CloudFormation's ``Integration`` (``Type``, ``Uri``...), with their paths in the source
    and as reported, and the source's spelling of each member; an integration that is not an object is given as it
    is."""
    from ..guard import format_path

    out: list[tuple[Any, Parts, str, dict[str, str]]] = []
    paths = body.get("paths") if isinstance(body, Mapping) else None
    for path, item in (paths.items() if isinstance(paths, Mapping) else ()):
        for method, operation in (item.items() if isinstance(item, Mapping) else ()):
            if not isinstance(operation, Mapping) or _OPENAPI_INTEGRATION not in operation:
                continue
            integration = operation[_OPENAPI_INTEGRATION]
            names = {}
            if isinstance(integration, Mapping):
                names = {str(k)[:1].upper() + str(k)[1:]: str(k) for k in integration}
                integration = {str(k)[:1].upper() + str(k)[1:]: v for k, v in integration.items()}
            where = ("paths", path, method, _OPENAPI_INTEGRATION)
            out.append((integration, at + where, format_path(shown + where), names))
    return out


def _integrations(doc: Document, props: Mapping[str, Any], props_at: Parts, shown_id: str,
                  rtype: str) -> list[SourceRequest]:
    """The AWS service integrations of an ``AWS::ApiGateway::Method`` (``Integration``) or of the OpenAPI
    definition of an ``AWS::ApiGateway::RestApi`` (``Body``; a ``BodyS3Location`` is not read) or SAM
    ``AWS::Serverless::Api`` (``DefinitionBody``): :func:`safemaker.iac.sdk_calls.integration_requests`."""
    from . import sdk_calls
    from ._document import parse_text

    prop = _INTEGRATIONS[rtype]
    value = props.get(prop)
    if isinstance(value, Unresolved) and value.free_text and prop != "Integration" \
            and not (isinstance(value.expression, Mapping) and "Fn::If" in value.expression):
        # an OpenAPI definition written as text holding (or being) a value only deployment knows that may be any
        # text: it can add an integration naming SageMaker wherever it sits
        why = Unresolved(value.expression, f"{prop} holds a value only deployment knows that may be any text "
                                           f"({value.reason}): it can add members to the definition wherever it sits",
                         fix=f"write {prop} in the template; make each value in it one the template writes or a "
                             "parameter the request gives")
        return [SourceRequest(doc.file, shown_id, rtype, "", {}, lambda parts: props_at + (prop,),
                              lambda parts: prop, doc.line, extra=[((), why, "SM-REFERENCE")])]
    if isinstance(value, Unresolved):
        if "sagemaker" not in repr(value.expression).lower():
            return []
        why = Unresolved(value.expression, f"an API Gateway {prop} naming SageMaker known only at deployment",
                         fix=f"write {prop} in the source")
        return [SourceRequest(doc.file, shown_id, rtype, "", {}, lambda parts: props_at + (prop,),
                              lambda parts: prop, doc.line, extra=[((), why, "SM-REFERENCE")])]
    if prop == "Integration":
        found = [(value, props_at + (prop,), prop, {})] if isinstance(value, Mapping) else []
    else:
        if isinstance(value, str):
            if _OPENAPI_INTEGRATION not in value:
                return []   # no integration in the definition: nothing to read
            value = parse_text(value, f"{doc.file}#{shown_id}.{prop}").data
        found = openapi_integrations(value, props_at + (prop,), (prop,))
    out: list[SourceRequest] = []
    for integration, at, shown, names in found:
        if isinstance(integration, Mapping):
            out += sdk_calls.integration_requests(doc, shown_id, rtype, integration, at, shown, names)
    return out


def _starting_resource(doc: Document, props: Mapping[str, Any], props_at: Parts, shown_id: str,
                       rtype: str) -> list[SourceRequest]:
    """An SSM association or maintenance window task (:data:`STARTING_TYPES`): the runbook or state machine it runs,
    read as the API call it is (:func:`safemaker.iac.sdk_calls.service_call_requests`): one of the same template is
    checked there, an existing one cannot be verified before deployment."""
    from . import sdk_calls

    service, operation, paths = STARTING_TYPES[rtype]
    request, to_prop = sdk_calls.mapped_request(paths, lambda prop_path: _paths.get(props, prop_path))

    def at(parts: Parts) -> Parts:   # below a member read: the names as written (sdk_calls.written_parts)
        prop, rest = sdk_calls.source_prefix(parts, to_prop)
        return props_at + tuple(prop) + rest if prop is not None else props_at

    def shown(parts: Parts) -> str:
        if not parts:
            return "Properties"
        prop, rest = sdk_calls.source_prefix(parts, to_prop)
        return _format_path((tuple(prop) if prop is not None else ()) + rest)

    return sdk_calls.service_call_requests(doc, shown_id, rtype, service, operation, request, at, shown)


def _scaling_resource(doc: Document, props: Mapping[str, Any], props_at: Parts, shown_id: str,
                      rtype: str) -> list[SourceRequest]:
    """An Application Auto Scaling target or policy (:data:`SCALING_TYPES`) of ``ServiceNamespace`` ``sagemaker``:
    the endpoint variant or inference component its ``ResourceId`` names (botocore application-autoscaling
    ``RegisterScalableTarget.ResourceId``) is checked where the same source defines it (a ``ScalingTargetId`` or a
    ``ResourceId`` built from a resource of the source); an existing one cannot be verified before deployment."""
    namespace = props.get("ServiceNamespace")
    target = props.get("ScalingTargetId")
    if isinstance(target, Unresolved) and target.refers_to is not None:
        return []   # a scalable target of the same template: decided there
    if namespace != "sagemaker" and not isinstance(namespace, Unresolved):
        return []   # not SageMaker: the process guard sends it too
    resource = props.get("ResourceId", target)
    if isinstance(resource, Unresolved) and resource.refers_to is not None:
        return []   # the endpoint or inference component of the same template: checked there
    member = "ResourceId" if "ResourceId" in props else "ScalingTargetId"
    value = Unresolved(resource, f"scales an existing SageMaker endpoint variant or inference component, which is not "
                                 f"in the source (a guarded process sending {SCALING_TYPES[rtype]} follows it)")
    return [SourceRequest(doc.file, shown_id, rtype, "", {}, lambda parts: props_at + (member,),
                          lambda parts: member, doc.line, extra=[((member,), value, "SM-REFERENCE")])]


_CUSTOM_TYPES = ("AWS::CloudFormation::CustomResource",)
_SDK_CALL_MEMBERS = ("Create", "Update", "Delete")


def _cdk_operation(action: str, service: str) -> str:
    """An ``AwsSdkCall.action`` -> the API operation: CDK's ``normalizeActionName`` reads a v2 method
    (``createNotebookInstance``), the API name (``CreateNotebookInstance``) or a v3 command class
    (``CreateNotebookInstanceCommand``); an operation of botocore's model named ``...Command`` keeps its name."""
    import botocore.session

    from .sdk_calls import _BOTOCORE_NAMES

    try:
        names = set(botocore.session.get_session().get_service_model(_BOTOCORE_NAMES.get(service, service))
                    .operation_names)
    except Exception:  # noqa: BLE001 - a service botocore does not know: the action as written
        names = set()
    op = action[0].upper() + action[1:]
    if op not in names and op.endswith("Command") and op[: -len("Command")] in names:
        return op[: -len("Command")]
    return op


def _aws_custom_resource(doc: Document, resolver: Resolver, res: Mapping[str, Any], props_at: Parts,
                         shown_id: str, rtype: str) -> list[SourceRequest] | None:
    """The SageMaker requests of a CDK ``AwsCustomResource`` (``Custom::AWS`` by default; any custom type with
    ``Create`` / ``Update`` / ``Delete``), or ``None`` when the resource has none of them.

    CDK ``custom_resources.AwsCustomResource``: its ``onCreate`` / ``onUpdate`` / ``onDelete`` ``AwsSdkCall``
    (``service``, ``action``, ``parameters``) are written as the properties ``Create`` / ``Update`` / ``Delete``,
    JSON text (``Fn::Join`` when it holds tokens) or an object, and its Lambda function makes that call at each
    event (``onUpdate`` also on create when there is no ``onCreate``). ``service`` is an SDK v2 name
    (``SageMaker``) or a v3 package (``@aws-sdk/client-sagemaker``), ``action`` a v2 method, the API name or a v3
    command class (CDK ``normalizeServiceName`` / ``normalizeActionName``). A SageMaker call is the request the
    guard decides; a CloudFormation, Step Functions, Scheduler or SSM call that creates a document calling
    SageMaker is read through :func:`safemaker.iac.sdk_calls.service_call_requests`; a call that is not JSON,
    or whose service, action or parameters only deployment knows, cannot be verified.
    """
    from ..guard import format_path
    from . import sdk_calls

    raw = res.get("Properties")
    if not isinstance(raw, Mapping) or not any(m in raw for m in _SDK_CALL_MEMBERS):
        return None
    out: list[SourceRequest] = []

    def unknown(member: str, value: Any, why: str) -> SourceRequest:
        u = value if isinstance(value, Unresolved) else Unresolved(value, why)
        return SourceRequest(doc.file, shown_id, rtype, "", {}, lambda parts, _at=props_at + (member,): _at,
                             lambda parts, _m=member: _m, doc.line, extra=[((), u, "SM-REFERENCE")])

    for member in _SDK_CALL_MEMBERS:
        if member not in raw:
            continue
        at = props_at + (member,)
        text = resolver.text_document(raw[member], member)
        call: Any = text
        if isinstance(text, str):
            call = embedded_json(text, doc, f"{shown_id} {member}", at, None)
            if isinstance(call, str):
                out.append(unknown(member, text[:200], "an AwsCustomResource call that is not JSON"))
                continue
            call = resolver.restore(call)
        elif isinstance(text, Mapping):
            call = resolver.value(raw[member])
        if isinstance(call, Unresolved) or not isinstance(call, Mapping):
            out.append(unknown(member, call, "an AwsCustomResource call known at deployment"))
            continue
        service, action, parameters = call.get("service"), call.get("action"), call.get("parameters", {})
        if not (isinstance(service, str) and service and isinstance(action, str) and action):
            out.append(unknown(member, {"service": service, "action": action},
                               "an AwsCustomResource call whose service or action is not written"))
            continue
        written = service.lower().removeprefix("@aws-sdk/client-")
        if not sdk_calls.reads_call(written, action):
            continue  # a call of a service that creates nothing calling SageMaker
        name = sdk_calls.read_name(written) or written
        if isinstance(parameters, Unresolved):
            out.append(unknown(member, parameters, "AwsCustomResource parameters known at deployment"))
            continue
        op = _cdk_operation(action, name)

        def shown(parts: Parts, _m: str = member) -> str:
            return f"{_m}.parameters.{format_path(parts)}" if parts else f"{_m}.parameters"

        if name == "sagemaker":
            params = dict(parameters) if isinstance(parameters, Mapping) else {}
            made = [SourceRequest(doc.file, shown_id, rtype, op, params, lambda parts, _at=at: _at, shown,
                                  doc.line)]
        else:
            made = sdk_calls.service_call_requests(doc, shown_id, rtype, name, op, parameters,
                                                   lambda parts, _at=at: _at, shown)
        # where the call runs: AwsSdkCall assumedRoleArn ("Used for cross-account calls") and region ("The region
        # to send service API call to"); decided by safemaker.iac._request.with_task_role
        role, region = call.get("assumedRoleArn"), call.get("region")
        for r in made:
            placed: dict[str, Any] = {}
            if role is not None and r.task_role is None:
                placed.update(task_role=role, task_role_member=f"{member}.assumedRoleArn")
            if region is not None and r.task_region is None:
                placed.update(task_region=region)
            out.append(dataclasses.replace(r, **placed) if placed else r)
    return out


_MODULE_SUFFIX = "::MODULE"
_MODULE_FIX = ("write the module's resources in the template instead of the module, or check the processed "
               "template (CloudFormation GetTemplate with TemplateStage=Processed, after creating a change set, "
               "holds the module's resources) with safemaker check")


def is_module(rtype: Any) -> bool:
    """A CloudFormation module type: ``Organization::Service::UseCase::MODULE``.

    CloudFormation User Guide, "Create reusable resource configurations that can be included across
    templates with CloudFormation modules": a module is a registry extension of type ``MODULE`` whose
    template fragment CloudFormation inserts into the stack at deployment (the API's
    ``ModuleInfo.TypeHierarchy`` records the resources made from one). Its content is in the registry,
    whatever its name: a template holding one cannot be verified.
    """
    return isinstance(rtype, str) and rtype.endswith(_MODULE_SUFFIX) and len(rtype.split("::")) == 4


def _registry_sagemaker_type(rtype: str) -> bool:
    """A type whose name mentions SageMaker and that is neither ``AWS::SageMaker::*`` (decided above)
    nor a type the installed CloudFormation schemas know (``TF::AWS::SagemakerDomain``, ``Custom::...``)."""
    if "sagemaker" not in rtype.lower() or rtype.startswith("AWS::SageMaker::"):
        return False
    return not (rtype.startswith("AWS::") and _schema_of(rtype))


_STACK_SET_TEMPLATES: "contextvars.ContextVar[list[Document] | None]" = contextvars.ContextVar(
    "safemaker_stack_set_templates", default=None)


@contextlib.contextmanager
def stack_set_templates() -> Iterator[list[Document]]:
    """While in the block, each stack set template :func:`_stack_set` reads is appended to the list yielded (the
    outermost first), for a caller that needs more of it than the requests (a Cloud Control update: whether the
    template declares parameters) without parsing it again."""
    read: list[Document] = []
    token = _STACK_SET_TEMPLATES.set(read)
    try:
        yield read
    finally:
        _STACK_SET_TEMPLATES.reset(token)


def _stack_set(doc: Document, resolver: Resolver, res: Mapping[str, Any], props: Mapping[str, Any],
               props_at: Parts, shown_id: str, nesting: tuple[str, ...]) -> list[SourceRequest]:
    """The requests of an ``AWS::CloudFormation::StackSet``'s template, in every stack instance.

    Resource schema ``AWS::CloudFormation::StackSet``: ``TemplateBody`` is the template (JSON or
    YAML text), ``Parameters`` a list of ``{ParameterKey, ParameterValue}``, ``StackInstancesGroup[]``
    the instances, each group's ``ParameterOverrides`` ("A list of stack set parameters whose values
    you want to override in the selected stack instances", same shape): read by
    :func:`stack_set_requests`. A ``TemplateURL`` (S3) or a body built at deployment cannot be
    verified. Logical IDs are ``Set/Child`` (``Set/StackInstancesGroup[0]/Child`` for what a group's
    overrides change).
    """
    raw = res.get("Properties") or {}
    if "TemplateBody" in raw:
        text = resolver.text_document(raw["TemplateBody"], f"{shown_id}.TemplateBody")
        if isinstance(text, str):
            child = embedded_template(text, doc, f"{shown_id}.TemplateBody", f"{shown_id}.TemplateBody",
                                      props_at + ("TemplateBody",))
            seen = _STACK_SET_TEMPLATES.get()
            if seen is not None:
                seen.append(child)
            groups = props.get("StackInstancesGroup")
            overrides: list[tuple[str, Any]] = []
            if isinstance(groups, Unresolved):
                overrides.append(("StackInstancesGroup", groups))
            for i, group in enumerate(groups if isinstance(groups, list) else ()):
                given = group.get("ParameterOverrides") if isinstance(group, Mapping) else group
                if given is not None:
                    overrides.append((f"StackInstancesGroup[{i}]", parameter_list(given)))
            return stack_set_requests(child, parameter_list(props.get("Parameters")), overrides, label=shown_id,
                                      nesting=nesting)
        member, value = "TemplateBody", (text if isinstance(text, Unresolved)
                                         else Unresolved(raw["TemplateBody"], "a template body that is not text"))
    elif "TemplateURL" in raw:
        member = "TemplateURL"
        value = Unresolved(props.get("TemplateURL"), "a stack set's template kept in S3 is not in the source")
    else:
        return []
    return [SourceRequest(doc.file, shown_id, _STACK_SET, "", {}, lambda parts, _at=props_at + (member,): _at,
                          lambda parts, _m=member: _m, doc.line, extra=[((member,), value, "SM-REFERENCE")])]


def parameter_list(given: Any) -> dict[str, Any] | Unresolved:
    """A list of CloudFormation ``Parameter`` (``ParameterKey`` / ``ParameterValue``: a stack set's ``Parameters``,
    a stack instance's ``ParameterOverrides``), resolved -> the values by name; ``None`` or an item without a value
    gives none. :class:`Unresolved` when which parameters it sets is known only at deployment (the list, an item
    or a key chosen then): :func:`stack_set_requests` then takes every parameter as unknown."""
    if given is None:
        return {}
    if isinstance(given, Unresolved):
        return given
    out: dict[str, Any] = {}
    for p in given if isinstance(given, list) else ():
        key = p.get("ParameterKey") if isinstance(p, Mapping) else p
        if isinstance(key, Unresolved):
            return key
        if isinstance(key, str) and isinstance(p, Mapping) and "ParameterValue" in p:
            out[key] = p["ParameterValue"]
    return out


def stack_set_requests(child: Document, parameters: Mapping[str, Any] | Unresolved,
                       overrides: Any = (), *, label: str | None = None,
                       nesting: tuple[str, ...] = ()) -> list[SourceRequest]:
    """Every request a stack set's template causes in its stack instances: one place for every front end
    (a template's ``AWS::CloudFormation::StackSet``, Cloud Control, Terraform's ``aws_cloudformation_stack_set``
    with its instances, a ``CreateStackSet`` / ``UpdateStackSet`` request or call).

    A stack instance deploys the stack set's template with the stack set's parameter values, each parameter it
    overrides taking its own value (CloudFormation API reference, CreateStackInstances ``ParameterOverrides``: "A
    list of stack set parameters whose values you want to override in the selected stack instances";
    UpdateStackInstances: "During stack set updates, any parameters overridden for a stack instance aren't
    updated, but retain their overridden value"). So the template is read under ``parameters`` and again under
    each instance's (or instance group's) overrides merged over them; a request read the same as one already made
    is left out, another is reported as ``<label>/<where>/<logical ID>``.

    Parameters
    ----------
    child : Document
        The stack set's template.
    parameters : Mapping[str, Any] or Unresolved
        The stack set's parameter values by name (:func:`parameter_list`); :class:`Unresolved`: every parameter
        the template declares is unknown.
    overrides : iterable of (str, Mapping or Unresolved)
        ``(where, values)``: where an instance's (or group's) overrides are written (``StackInstancesGroup[0]``,
        a Terraform address, ``StackInstance[<account>/<region>]``) and its values by name; an
        :class:`Unresolved` (overrides known only at deployment, or instances not read) makes every parameter the
        template declares unknown for it.
    label, nesting
        As :func:`template_requests`.

    Returns
    -------
    list[SourceRequest]

    Raises
    ------
    IacInputError
        As :func:`template_requests`.
    """
    declared = child.data.get("Parameters") if isinstance(child.data, Mapping) else None
    names = [n for n in declared if isinstance(n, str)] if isinstance(declared, Mapping) else []

    def values(given: Mapping[str, Any] | Unresolved) -> dict[str, Any]:
        if isinstance(given, Unresolved):
            return {n: Unresolved({"Ref": n}, given.reason, fix=given.fix) for n in names}
        return dict(given)

    base = values(parameters)
    out = template_requests(child, base, label=label, nesting=nesting)
    seen = [_same_request(r) for r in out]
    old = f"{label}/" if label else ""
    tried = [base]
    for where, given in overrides:
        merged = {**base, **values(given)}
        if merged in tried:   # the stack set's values, or another instance's
            continue
        tried.append(merged)
        new = f"{old}{where}/"
        for r in template_requests(child, merged, label=label, nesting=nesting):
            key = _same_request(r)
            if key in seen:
                continue
            seen.append(key)
            rest = r.logical_id[len(old):] if r.logical_id.startswith(old) else r.logical_id
            out.append(dataclasses.replace(r, logical_id=new + rest))
    return out


def _same_request(r: SourceRequest) -> tuple[Any, ...]:
    """What makes two requests of one template the same (not where they are shown)."""
    return (r.logical_id, r.source_type, r.operation, r.params, r.extra, r.starts, r.task_role, r.task_region,
            r.task_account, r.creates)


def _state_machine(doc: Document, resolver: Resolver, res: Mapping[str, Any], props: Mapping[str, Any],
                   props_at: Parts, shown_id: str, sfn: Any) -> list[SourceRequest]:
    """The SageMaker tasks of a state machine: ``Definition``, ``DefinitionString``, or (SAM)
    ``DefinitionUri`` naming a local file; ``DefinitionSubstitutions`` applied. In S3: unverifiable."""
    raw = res.get("Properties") or {}
    rtype = str(res.get("Type"))
    subs = props.get("DefinitionSubstitutions")
    subs = subs if isinstance(subs, Mapping) else {}
    where = doc
    at: Parts = props_at
    if "Definition" in raw and subs:
        # The resource handler writes Definition as JSON text and replaces each ${Key} of DefinitionSubstitutions
        # in that text (transformDefinition, aws-cloudformation-resource-providers-stepfunctions): read it so.
        member = "Definition"
        written = resolver.value_with_tokens(raw["Definition"])
        text = resolver.text_document(json.dumps(written), "Definition", subs) if isinstance(written, Mapping) \
            else written
        if isinstance(text, str):
            definition = resolver.restore(embedded_json(text, doc, "Definition", props_at + (member,),
                                                        "give the Amazon States Language definition"))
        else:
            definition = text
    elif "Definition" in raw:
        member = "Definition"
        definition = sfn.apply_substitutions(resolver.value(raw["Definition"]), subs, strict=False)
    elif "DefinitionString" in raw:
        member = "DefinitionString"
        text = resolver.text_document(raw["DefinitionString"], "DefinitionString", subs)
        if isinstance(text, Unresolved) or not isinstance(text, str):
            definition = text
        else:
            definition = resolver.restore(embedded_json(text, doc, "DefinitionString", props_at + (member,),
                                                        "give the Amazon States Language definition"))
    elif isinstance(props.get("DefinitionUri"), str) and not props["DefinitionUri"].startswith("s3://") \
            and not holds_choice(props["DefinitionUri"]) and doc.base is not None:
        # a local definition file (what `sam package` uploads) of a template read from disk; in a request's
        # text no file of this machine is what is deployed (trial 18 F03): read below as not in the template
        member = ""
        from ._document import read_document

        local = doc.base / props["DefinitionUri"]
        if not local.is_file():
            raise IacInputError(doc.file, f"DefinitionUri is {props['DefinitionUri']!r}: no such file next to the "
                                          "template; give the definition file's path relative to the template",
                                f"line {doc.line(props_at + ('DefinitionUri',))}")
        where = read_document(local, local.as_posix())
        definition = sfn.apply_substitutions(where.data, subs, strict=False)
        at = ()
    elif "DefinitionS3Location" in raw or "DefinitionUri" in raw:
        member = "DefinitionS3Location" if "DefinitionS3Location" in raw else "DefinitionUri"
        value = Unresolved(props.get(member), "a state machine definition kept in S3 is not in the template"
                           if doc.base is not None or member != "DefinitionUri" or str(props.get(member)).startswith("s3://")
                           else "a state machine definition file named by a request is not what is deployed: "
                                "the transform reads DefinitionUri from S3")

        def source_path(parts: Parts, _at: Parts = props_at) -> Parts:
            return _at + parts

        return [SourceRequest(doc.file, shown_id, rtype, "", {}, source_path,
                              lambda parts, _m=member: _m, doc.line,
                              extra=[((member,), value, "SM-REFERENCE")])]
    else:
        return []
    if isinstance(definition, Unresolved) and member:
        # a definition only deployment knows (or text a value only deployment knows can restructure)
        return [SourceRequest(doc.file, shown_id, rtype, "", {}, lambda parts, _at=props_at + (member,): _at,
                              lambda parts, _m=member: _m, doc.line,
                              extra=[((member,), definition, "SM-REFERENCE")])]
    if not isinstance(definition, Mapping):
        return []
    return sfn.definition_requests(where, definition, at + ((member,) if member else ()), shown_id,
                                   embedded=member == "DefinitionString")
