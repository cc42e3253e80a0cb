"""A Describe answering a referenced name in another shape than botocore's output model gives it is refused
(issue 13 item 3; trial 16 F11: a production variant's ``ModelName`` of ``["m"]``, ``123`` or ``{"Name": "m"}``
sent ``CreateEndpoint`` with no ``DescribeModel``).

The oracle is botocore's SageMaker model, not the rule table: for every reference the table follows out of a
Describe response (``from_description``), the output shape of that Describe call is walked along the path and
each position gets every value of another type (a string where the model has a structure or a list, a list or
a mapping or a number where it has a string, an empty string). The answer goes through botocore's own JSON
parser, as a server's body does: the parser hands a value of another type through unchanged where the model
has a string, and fails on one where the model has a list or a structure. Either way the request that follows
the reference is refused naming what was found, and never reaches moto (127.0.0.1); with the value the model
gives, the reference is followed (the control). A resource only the audit reads (a transform job's model) is
checked with :func:`safemaker.guard.check_resource`, what the audit calls, and so is every position of every
reference for a describer that is not botocore (a patched client hands any object through).
"""

from __future__ import annotations

import json

import botocore.session
import pytest
from botocore.parsers import create_parser

from safemaker import hooks
from safemaker.errors import GuardrailViolation
from safemaker.guard import check_resource, format_path
from safemaker.paths import split_path
from safemaker.profile import VpcProfile
from safemaker.rules import RESOURCES, RULES

from _profiles import ACCOUNT, REGION, ROLE, SUB_A

_MODEL = botocore.session.get_session().get_service_model("sagemaker")

_WORKTEAM = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:workteam/private-crowd/team"

REQUESTS: dict[str, list[tuple[str, dict]]] = {
    # resource type -> requests that describe it first (a reference of the request itself), minimal and valid
    "endpoint-config": [("CreateEndpoint", {"EndpointName": "e", "EndpointConfigName": "c"}),
                        ("UpdateEndpoint", {"EndpointName": "e", "EndpointConfigName": "c"})],
    "endpoint": [("UpdateEndpointWeightsAndCapacities", {
        "EndpointName": "e", "DesiredWeightsAndCapacities": [{"VariantName": "v", "DesiredInstanceCount": 2}]})],
    "inference-component": [("UpdateInferenceComponentRuntimeConfig", {
        "InferenceComponentName": "ic", "DesiredRuntimeConfig": {"CopyCount": 2}})],
    "inference-experiment": [("StartInferenceExperiment", {"Name": "x"})],
    "notebook-instance": [("StartNotebookInstance", {"NotebookInstanceName": "nb"})],
    "user-profile": [("CreateApp", {"DomainId": "d-1", "UserProfileName": "u", "AppType": "JupyterServer",
                                    "AppName": "default"})],
    "space": [("CreateApp", {"DomainId": "d-1", "SpaceName": "s", "AppType": "JupyterLab", "AppName": "default"})],
    "monitoring-schedule": [("StartMonitoringSchedule", {"MonitoringScheduleName": "ms"})],
    "workteam": [("CreateFlowDefinition", {
        "FlowDefinitionName": "f", "RoleArn": ROLE, "OutputConfig": {"S3OutputPath": "s3://bucket/out"},
        "HumanLoopConfig": {"WorkteamArn": _WORKTEAM, "TaskTitle": "t", "TaskDescription": "d", "TaskCount": 1,
                            "HumanTaskUiArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:human-task-ui/ui"}})],
}
AUDIT_ONLY = frozenset({"transform-job", "optimization-job", "inference-recommendations-job", "labeling-job",
                        "flow-definition", "app"})
"""Resource types no request follows (their create requests are decided as requests): only the audit describes
them and follows what their descriptions name."""


def _followed() -> list[tuple[str, object, str, bool]]:
    """``(resource type, reference, path in the Describe response, is the discriminator)`` of every reference
    the rule table follows out of a description."""
    out = []
    for kind, spec in RESOURCES.items():
        rule = RULES.get(spec.create_operation)
        for ref in rule.references if rule is not None else ():
            if ref.from_description:
                out.append((kind, ref, ref.describe_path or ref.path, False))
                if ref.discriminator:
                    out.append((kind, ref, ref.discriminator, True))
    return out


def _positions(describe: str, path: str) -> list[tuple[tuple[str, ...], str]]:
    """``(split path up to and including the position, botocore type name there)`` along ``path`` of
    ``describe``'s output shape: each member and each list."""
    shape = _MODEL.operation_model(describe).output_shape
    parts = split_path(path)
    out = []
    for i, part in enumerate(parts):
        if part == "[]":
            assert shape.type_name == "list", (describe, path)
            shape = shape.member
            continue
        assert shape.type_name == "structure" and part in shape.members, (describe, path, part)
        shape = shape.members[part]
        out.append((parts[: i + 1], shape.type_name))
    return out


def _wrong(type_name: str, valid: object) -> list[object]:
    """Values of other types than botocore's ``type_name`` (all a JSON body can hold)."""
    return {"string": [[valid], 123, {"Name": valid}, True, ""],
            "list": [{"0": valid}, "text", 7],
            "structure": [[valid], "text", 7]}[type_name]


def _valid_leaf(ref, is_discriminator: bool) -> str:
    if is_discriminator:
        return ref.resource_by[0][0]
    if ref.arn_prefix is not None:
        return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:{ref.arn_prefix}described-name"
    return "described-name"


def _build(parts: tuple[str, ...], leaf: object) -> object:
    """The smallest document holding ``leaf`` at split path ``parts`` (one element per list)."""
    doc = leaf
    for part in reversed(parts):
        doc = [doc] if part == "[]" else {part: doc}
    return doc


def _replaced(doc: object, parts: tuple[str, ...], value: object) -> object:
    """``doc`` with the value at split path ``parts`` (ending at a member; ``[]`` is element 0) replaced."""
    if not parts:
        return value
    if parts[0] == "[]":
        return [_replaced(doc[0], parts[1:], value)]
    return {**doc, parts[0]: _replaced(doc[parts[0]], parts[1:], value)}


def _concrete(parts: tuple[str, ...]) -> str:
    return format_path(tuple(0 if p == "[]" else p for p in parts))


def _cases(kinds) -> list:
    out = []
    for kind, ref, path, is_discriminator in _followed():
        if kind not in kinds:
            continue
        spec = RESOURCES[kind]
        valid = _valid_leaf(ref, is_discriminator)
        base = _build(split_path(path), valid)
        for at, type_name in _positions(spec.describe_operation, path):
            for value in _wrong(type_name, valid if type_name == "string" else {}):
                out.append(pytest.param(kind, path, base, at, type_name, value,
                                        id=f"{kind}:{_concrete(at)}={json.dumps(value)}"))
    return out


def test_every_followed_resource_type_is_covered_here():
    assert {kind for kind, *_ in _followed()} == set(REQUESTS) | AUDIT_ONLY


@pytest.fixture
def profile(profile_factory) -> VpcProfile:
    return profile_factory(subnets=[SUB_A])


class _Http:
    status_code = 200
    headers: dict = {}


def _answer(client, describe: str, document: object) -> None:
    """``describe`` on ``client`` answers ``document`` as a server's JSON body, read by botocore's own parser
    (which raises where the body does not fit the output model's lists and structures)."""
    shape = client.meta.service_model.operation_model(describe).output_shape
    parser = create_parser(client.meta.service_model.protocol)

    def handler(**kwargs):
        body = json.dumps(document).encode()
        return _Http(), parser.parse({"body": body, "headers": {}, "status_code": 200}, shape)

    client.meta.events.register(f"before-call.sagemaker.{describe}", handler)


def _calls(client) -> list[tuple[str, dict]]:
    seen: list[tuple[str, dict]] = []
    client.meta.events.register("before-parameter-build.sagemaker",
                                lambda params, model, **kw: seen.append((model.name, dict(params))))
    return seen


def _request(safemaker_session, profile, kind, document):
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    _answer(sm, RESOURCES[kind].describe_operation, document)
    return sm, _calls(sm)


@pytest.mark.parametrize("kind,path,base,at,type_name,value", _cases(REQUESTS))
def test_a_misshapen_reference_in_a_description_refuses_the_request(
        safemaker_local, safemaker_session, profile, kind, path, base, at, type_name, value):
    for operation, request in REQUESTS[kind]:
        sm, calls = _request(safemaker_session, profile, kind, _replaced(base, at, value))
        with pytest.raises(GuardrailViolation) as exc:
            getattr(sm, botocore.xform_name(operation))(**request)
        refs = [v for v in exc.value.violations if v.rule_id == "SM-REFERENCE"]
        if type_name == "string":
            # handed through by botocore's parser: refused at the value, naming it
            assert any(v.path.endswith("." + _concrete(at)) and v.found == value and v.operation == operation
                       for v in refs), [v.message() for v in exc.value.violations]
        else:
            # botocore's parser cannot read the body: the Describe is unreadable, the reference refused
            assert any("could not be read as botocore's output model gives it" in v.fix and "->" not in v.path
                       for v in refs), [v.message() for v in exc.value.violations]
        assert safemaker_local.request_count("sagemaker", operation) == 0
        followed = [(op, p) for op, p in calls if op not in (operation, RESOURCES[kind].describe_operation)]
        assert not any(value in p.values() for _, p in followed if isinstance(value, str) and value), followed


@pytest.mark.parametrize("kind,ref,path,is_discriminator",
                         [pytest.param(*c, id=f"{c[0]}:{c[2]}") for c in _followed() if c[0] in REQUESTS])
def test_with_the_shape_the_model_gives_the_reference_is_followed(
        safemaker_local, safemaker_session, profile, kind, ref, path, is_discriminator):
    """The control: the same answer with the value botocore's model gives is followed to what it names."""
    leaf = _valid_leaf(ref, is_discriminator)
    document = _build(split_path(path), leaf)
    if is_discriminator:   # the type chosen, and the definition it names
        document = _replaced(_build(split_path(ref.describe_path or ref.path), "described-name"),
                             split_path(path)[:1], {**_build(split_path(ref.describe_path or ref.path),
                                                             "described-name")[split_path(path)[0]],
                                                   split_path(path)[-1]: leaf})
    for operation, request in REQUESTS[kind]:
        sm, calls = _request(safemaker_session, profile, kind, document)
        try:
            getattr(sm, botocore.xform_name(operation))(**request)
        except GuardrailViolation:
            pass   # moto has none of what it names: refused, after following it
        target = RESOURCES[ref.resource_for(leaf if is_discriminator else None)]
        assert any(op == target.describe_operation and p.get(target.name_param) == "described-name"
                   for op, p in calls), calls


@pytest.mark.parametrize("kind,path,base,at,type_name,value", _cases(set(REQUESTS) | AUDIT_ONLY))
def test_check_resource_refuses_a_misshapen_reference_of_any_describer(profile, kind, path, base, at, type_name,
                                                                      value):
    """What the audit calls for every resource (and the hook for every description it reads): any object a
    describer hands over, botocore or not, at every position of every followed reference."""
    found = [v for v in check_resource(kind, _replaced(base, at, value), profile) if v.rule_id == "SM-REFERENCE"]
    assert any(v.path == _concrete(at) and v.found == value for v in found), [v.message() for v in found]
    if type_name != "string":
        assert any(f"where botocore's output model has a {type_name}" in v.fix or v.path == path for v in found)
