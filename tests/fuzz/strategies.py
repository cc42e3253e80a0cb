"""Request generators for every guarded SageMaker operation, from botocore's shapes.

Plain-function API, reusable outside the fuzz tests (the IAM tests build IAM
request contexts from the same requests)::

    from tests.fuzz.strategies import requests_for, minimal_request, FUZZ_PROFILE

    minimal_request("CreateTrainingJob")          # a dict botocore's validator accepts
    requests_for("CreateDomain")                  # a hypothesis strategy of request dicts
    requests_for("CreateDomain", FUZZ_PROFILE)    # IDs drawn around that profile

How a request is built
----------------------
1. :func:`minimal_request`: every required member of the operation's input
   shape, recursively, with realistic values (role ARNs, S3 URIs, image URIs,
   first enum value, lengths and ranges at least the shape's ``min``; one
   member for tagged unions). Deterministic.
2. Every anchor of the operation's rule (``TrainingJobDefinitions[]``,
   ``LabelingJobAlgorithmsConfig``...) is present, absent, or a list of 1 to 3
   elements (each a minimal structure of its shape).
3. Every network field of every anchor instance is drawn from values of its
   kind (see :func:`field_values`): absent, compliant, ``False`` /
   ``"Enabled"`` / ``"PublicInternetOnly"``, foreign or malformed IDs, half
   VPC configs, empty lists, duplicates, case and whitespace variants, a list
   with one bad element. A request-level *mode* biases the mix: all
   compliant, all absent, exactly one bad field, or independent draws.

Requests are "well formed" as far as the guard is concerned: the shapes of
the members are botocore's, except where a mutation is the point (a half
``VpcConfig`` lacks a member botocore requires; the guard refuses it first).
"""

from __future__ import annotations

import copy
import datetime as _dt
import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Mapping

import botocore.session
from hypothesis import strategies as st

from safemaker.pipeline import STEP_OPERATIONS
from safemaker.profile import VpcProfile
from safemaker.rules import RULES, FieldRule, Guardrail, split_path

__all__ = [
    "MODEL",
    "FUZZ_PROFILE",
    "FUZZ_PROFILES",
    "ABSENT",
    "minimal_request",
    "minimal_value",
    "requests_for",
    "field_values",
    "pipeline_step_operations",
]

MODEL = botocore.session.get_session().get_service_model("sagemaker")

SUB_A = "subnet-0aaaaaaaaaaaaaaaa"
SUB_C = "subnet-0cccccccccccccccc"
SG_B = "sg-0bbbbbbbbbbbbbbbb"
SG_B2 = "sg-0b2b2b2b2b2b2b2b2"
VPC = "vpc-0dddddddddddddddd"
ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"
ROLE_2 = "arn:aws:iam::123456789012:role/SageMakerPipelineRole"
IMG = "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1"

FOREIGN_SUBNET = "subnet-0123456789abcdef0"
FOREIGN_SG = "sg-0123456789abcdef0"
FOREIGN_VPC = "vpc-0123456789abcdef0"
FOREIGN_ROLE = "arn:aws:iam::123456789012:role/Admin"
# work teams by type (IAM sagemaker:WorkteamType: public-crowd, private-crowd, vendor-crowd;
# botocore's WorkteamArn pattern arn:aws[a-z-]*:sagemaker:<region>:<12 digits>:workteam/...)
PRIVATE_TEAM = "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/fuzz"
PUBLIC_TEAM = "arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default"
VENDOR_TEAM = "arn:aws:sagemaker:us-east-1:394669845002:workteam/vendor-crowd/fuzz"


def _profile(**extra: Any) -> VpcProfile:
    fields = {"region": "us-east-1", "vpc_id": VPC, "subnets": [SUB_A, SUB_C], "security_group_ids": [SG_B, SG_B2],
              "execution_role_arn": ROLE}
    fields.update(extra)
    return VpcProfile.from_mapping(fields, source="fuzz", env=False)


FUZZ_PROFILE = _profile()
"""The default profile: two subnets, two security groups, no KMS keys, every requirement on."""

FUZZ_PROFILES: Mapping[str, VpcProfile] = {
    "strict": FUZZ_PROFILE,
    "kms": _profile(volume_kms_key_id="alias/volume", output_kms_key_id="alias/output"),
    "relaxed": _profile(require_network_isolation=False, require_inter_container_traffic_encryption=False,
                        notebook_root_access="Enabled", additional_role_arns=[ROLE_2]),
}
"""Profiles the fuzz tests draw from (the relaxations and the KMS keys change the semantics)."""


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"

    def __copy__(self) -> "_Absent":
        return self

    def __deepcopy__(self, memo: Any) -> "_Absent":
        return self


ABSENT: Any = _Absent()
"""A drawn value meaning "leave the member out"."""

# --------------------------------------------------------------------------- minimal requests

_NOW = _dt.datetime(2026, 1, 1, tzinfo=_dt.timezone.utc)


def _string(name: str, shape: Any) -> str:
    if shape.enum:
        return shape.enum[0]
    low = (name + " " + shape.name).lower()
    if "rolearn" in low.replace(" ", "") or low.startswith("executionrole") or shape.name == "RoleArn":
        value = ROLE
    elif "kmskey" in low.replace(" ", ""):
        value = "alias/volume"
    elif "s3" in low or "uri" in low or "path" in low and "local" not in low:
        value = "s3://sagemaker-us-east-1-123456789012/fuzz"
    elif "localpath" in low.replace(" ", ""):
        value = "/opt/ml/processing/input"
    elif "image" in low:
        value = IMG
    elif name == "WorkteamArn":
        value = PRIVATE_TEAM
    elif low.endswith("arn") or "arn " in low or low.split()[0].endswith("arn"):
        value = f"arn:aws:sagemaker:us-east-1:123456789012:{name.lower()}/fuzz"
    elif "expression" in low:
        value = "cron(0 * ? * * *)"
    else:
        value = f"fuzz-{name.lower()}"[:40]
    lo = int(shape.metadata.get("min", 1) or 1)
    hi = shape.metadata.get("max")
    if len(value) < lo:
        value = value + "x" * (lo - len(value))
    if hi is not None and len(value) > int(hi):
        value = value[: int(hi)]
    return value


def minimal_value(shape: Any, name: str = "", depth: int = 0) -> Any:
    """A value for ``shape`` that botocore's parameter validator accepts (required members only)."""
    t = shape.type_name
    if t == "structure":
        out: dict[str, Any] = {}
        if depth > 12:
            return out
        members = shape.members
        if getattr(shape, "is_tagged_union", False):
            first = next(iter(members))
            return {first: minimal_value(members[first], first, depth + 1)}
        for m in shape.required_members:
            out[m] = minimal_value(members[m], m, depth + 1)
        return out
    if t == "list":
        n = max(int(shape.metadata.get("min", 1) or 1), 1)
        return [minimal_value(shape.member, name, depth + 1) for _ in range(n)]
    if t == "map":
        return {"fuzz": minimal_value(shape.value, name, depth + 1)}
    if t == "string":
        return _string(name, shape)
    if t in ("integer", "long"):
        return max(int(shape.metadata.get("min", 1) or 1), 1)
    if t in ("float", "double"):
        return float(max(shape.metadata.get("min", 1) or 1, 1))
    if t == "boolean":
        return False
    if t == "timestamp":
        return _NOW
    if t == "blob":
        return b"fuzz"
    raise AssertionError(f"no minimal value for {shape.name} ({t})")  # pragma: no cover


@lru_cache(maxsize=None)
def _minimal_request(operation: str) -> dict[str, Any]:
    shape = MODEL.operation_model(operation).input_shape
    return minimal_value(shape) if shape is not None else {}


def minimal_request(operation: str) -> dict[str, Any]:
    """Every required member of ``operation``'s request, recursively (a fresh copy each call)."""
    return copy.deepcopy(_minimal_request(operation))


def _shape_at(shape: Any, parts: tuple[str, ...]) -> Any:
    for part in parts:
        shape = shape.member if part == "[]" else shape.members[part]
    return shape


# --------------------------------------------------------------------------- field values


def _subset(items: tuple[str, ...]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(items), min_size=1, max_size=len(items), unique=True)


def _variants(good: str) -> list[str]:
    """Near misses of a compliant ID: case, whitespace, truncation, wrong prefix."""
    return [good.upper(), f" {good}", f"{good}\n", good[:-1], good.replace("-", "_", 1), ""]


def _bad_ids(good: tuple[str, ...], foreign: str, prefix: str) -> st.SearchStrategy[list[Any]]:
    bad_item = st.sampled_from([foreign, f"{prefix}-xyz", *_variants(good[0])])
    return st.one_of(
        st.just([]),                                                        # empty list
        st.sampled_from(good).map(lambda g: [g, g]),                        # duplicates
        st.tuples(_subset(good), bad_item, st.integers(0, 3)).map(          # one bad element among good
            lambda t: t[0][: t[2]] + [t[1]] + t[0][t[2]:]),
        bad_item.map(lambda b: [b]),
    )


@dataclass(frozen=True)
class FieldValues:
    """Compliant and non-compliant values of one field kind (``ABSENT`` in either)."""

    good: st.SearchStrategy[Any]
    bad: st.SearchStrategy[Any]


def _vpc_values(p: VpcProfile, f: FieldRule) -> FieldValues:
    subnets, sgs = tuple(p.subnets), tuple(p.security_group_ids)

    def with_id(d: dict[str, Any], vpc_id: Any = p.vpc_id) -> dict[str, Any]:
        if f.with_vpc_id and vpc_id is not ABSENT:
            d[f.with_vpc_id] = vpc_id
        return d

    good = st.tuples(_subset(subnets), _subset(sgs)).map(lambda t: with_id({"Subnets": t[0], "SecurityGroupIds": t[1]}))
    bad_parts = [
        st.tuples(_bad_ids(subnets, FOREIGN_SUBNET, "subnet"), _subset(sgs)).map(
            lambda t: with_id({"Subnets": t[0], "SecurityGroupIds": t[1]})),
        st.tuples(_subset(subnets), _bad_ids(sgs, FOREIGN_SG, "sg")).map(
            lambda t: with_id({"Subnets": t[0], "SecurityGroupIds": t[1]})),
        _subset(subnets).map(lambda s: with_id({"Subnets": s})),           # half configs
        _subset(sgs).map(lambda s: with_id({"SecurityGroupIds": s})),
        st.just({}),
    ]
    if f.with_vpc_id:
        bad_parts.append(st.tuples(_subset(subnets), _subset(sgs), st.sampled_from(
            [ABSENT, FOREIGN_VPC, *_variants(p.vpc_id)])).map(
            lambda t: with_id({"Subnets": t[0], "SecurityGroupIds": t[1]}, t[2])))
    return FieldValues(st.one_of(st.just(ABSENT), good), st.one_of(*bad_parts))


@lru_cache(maxsize=1)
def _aws_builtins() -> tuple[frozenset[str], frozenset[str]]:
    """AWS's built-in Debugger rule images and Ground Truth Lambdas, as the table oracle reads them from AWS's
    lists (this module is also loaded by path, outside the package: table_oracle.py is then loaded by path too)."""
    try:
        from . import table_oracle
    except ImportError:
        import importlib.util
        import pathlib

        spec = importlib.util.spec_from_file_location("safemaker_tests_fuzz_table_oracle",
                                                      pathlib.Path(__file__).with_name("table_oracle.py"))
        table_oracle = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules[spec.name] = table_oracle  # type: ignore[union-attr]  # its dataclasses look it up
        spec.loader.exec_module(table_oracle)  # type: ignore[union-attr]
    return table_oracle.BUILTIN_RULE_IMAGES, table_oracle.GROUND_TRUTH_LAMBDAS


def field_values(f: FieldRule, p: VpcProfile, shape: Any) -> FieldValues:
    """Values of one field of the rule table, compliant and not, around profile ``p``.

    Parameters
    ----------
    f : FieldRule
        The field (its guardrail decides the kind of values).
    p : VpcProfile
        Whose IDs, roles and keys are the compliant ones.
    shape : botocore Shape
        The field's shape (enum values, structures for refused fields).
    """
    g = f.guardrail
    absent = st.just(ABSENT)
    if g is Guardrail.VPC_CONFIG:
        return _vpc_values(p, f)
    if g in (Guardrail.NETWORK_ISOLATION, Guardrail.INTER_CONTAINER_ENCRYPTION):
        return FieldValues(st.sampled_from([ABSENT, True]), st.just(False))
    if g in (Guardrail.DIRECT_INTERNET_ACCESS, Guardrail.ROOT_ACCESS, Guardrail.APP_NETWORK_ACCESS_TYPE):
        wanted = {Guardrail.APP_NETWORK_ACCESS_TYPE: "VpcOnly"}.get(g, "Disabled")
        others = [e for e in shape.enum if e != wanted]
        return FieldValues(st.sampled_from([ABSENT, wanted]), st.sampled_from([*others, *_variants(wanted)]))
    if g is Guardrail.SUBNET_ID:
        return FieldValues(st.sampled_from([ABSENT, *p.subnets]),
                           st.sampled_from([FOREIGN_SUBNET, "subnet-xyz", *_variants(p.subnets[0])]))
    if g in (Guardrail.SUBNET_IDS, Guardrail.SECURITY_GROUP_IDS):
        good_ids, foreign, prefix = ((tuple(p.subnets), FOREIGN_SUBNET, "subnet") if g is Guardrail.SUBNET_IDS
                                     else (tuple(p.security_group_ids), FOREIGN_SG, "sg"))
        return FieldValues(st.one_of(absent, _subset(good_ids)), _bad_ids(good_ids, foreign, prefix))
    if g is Guardrail.VPC_ID:
        return FieldValues(st.sampled_from([ABSENT, p.vpc_id]), st.sampled_from([FOREIGN_VPC, *_variants(p.vpc_id)]))
    if g in (Guardrail.VOLUME_KMS_KEY, Guardrail.OUTPUT_KMS_KEY):
        wanted = p.volume_kms_key_id if g is Guardrail.VOLUME_KMS_KEY else p.output_kms_key_id
        good = [ABSENT] + ([wanted] if wanted else [])
        return FieldValues(st.sampled_from(good), st.sampled_from(["alias/other", "arn:aws:kms:us-east-1:123456789012:key/"
                                                                   "11111111-2222-3333-4444-555555555555"]))
    if g is Guardrail.ROLE_ARN:
        return FieldValues(st.sampled_from([ABSENT, *p.allowed_role_arns]), st.sampled_from(
            [FOREIGN_ROLE, ROLE.upper(), f"{ROLE} "]))
    if g is Guardrail.UNSUPPORTED:
        BUILTIN_RULE_IMAGES, GROUND_TRUTH_LAMBDAS = _aws_builtins()
        name = f.path.rsplit(".", 1)[-1]
        if name == "RuleEvaluatorImage":  # AWS's built-in rule images pass, any other image is a job of its own
            return FieldValues(st.sampled_from([ABSENT, *sorted(BUILTIN_RULE_IMAGES)]), st.sampled_from(
                ["123456789012.dkr.ecr.us-east-1.amazonaws.com/my-rule:latest",
                 "503895931360.dkr.ecr.us-east-1.amazonaws.com/sagemaker-debugger-rule-evaluator:latest",
                 "503895931360.dkr.ecr.us-west-2.amazonaws.com/sagemaker-debugger-rules:latest"]))
        if name.endswith("LambdaArn"):  # the built-in Ground Truth functions botocore's doc string lists pass
            kind = "PRE" if name.startswith("Pre") else "ACS"
            builtin = sorted(a for a in GROUND_TRUTH_LAMBDAS if f":function:{kind}-" in a)
            return FieldValues(st.sampled_from([ABSENT, *builtin]), st.sampled_from(
                ["arn:aws:lambda:us-east-1:123456789012:function:my-pre",
                 f"arn:aws:lambda:us-east-1:081040173940:function:{kind}-BoundingBox"]))  # us-west-2's account
        if getattr(shape, "enum", None) and "DISABLED" in shape.enum:  # a FeatureStatus switch
            return FieldValues(st.sampled_from([ABSENT, "DISABLED"]), st.just("ENABLED"))
        return FieldValues(absent, st.just(minimal_value(shape)))
    if g is Guardrail.WORKFORCE_SOURCE_IP:
        # botocore: SourceIpConfig.Cidrs, "an allow list"; "By default, a workforce isn't restricted"
        good = st.sampled_from([{"Cidrs": ["10.0.0.0/16"]}, {"Cidrs": ["172.16.0.0/12", "fd00::/8"]},
                                {"Cidrs": ["192.168.1.0/24", "100.64.0.0/10"]}])
        bad = st.sampled_from([{"Cidrs": []}, {"Cidrs": ["0.0.0.0/0"]}, {"Cidrs": ["10.0.0.0/16", "::/0"]},
                               {"Cidrs": ["0.0.0.0/1", "128.0.0.0/1"]}, {"Cidrs": ["52.0.0.0/8"]},
                               {"Cidrs": ["2001:db8::/32"]}, {"Cidrs": ["10.0.0.0/7"]}])
        return FieldValues(st.one_of(absent, good), bad)
    if g is Guardrail.REMOTE_ACCESS:
        # botocore's model: a boolean (EnableRemoteDebug) or the enum ENABLED / DISABLED (RemoteAccess)
        on, off = (True, False) if shape.type_name == "boolean" else ("ENABLED", "DISABLED")
        return FieldValues(st.sampled_from([ABSENT, off]), st.just(on))
    if g is Guardrail.WORKTEAM:
        # required in HumanTaskConfig / HumanLoopConfig (botocore's model): never dropped
        return FieldValues(st.just(PRIVATE_TEAM), st.sampled_from([PUBLIC_TEAM, VENDOR_TEAM]))
    if g is Guardrail.WORKTEAM_PRESIGN:
        # botocore's model: IamPolicyConstraints.VpcSourceIp is the enum Enabled / Disabled
        return FieldValues(st.sampled_from([ABSENT, "Enabled"]), st.just("Disabled"))
    if g is Guardrail.LIFECYCLE_SCRIPT:
        script = [{"Content": "IyEvYmluL2Jhc2gK"}]  # base64 of "#!/bin/bash\n"
        if p.notebook_root_access == "Disabled":
            return FieldValues(st.sampled_from([ABSENT, []]), st.just(script))
        return FieldValues(st.sampled_from([ABSENT, [], script]), st.nothing())
    raise AssertionError(f"no values for {g}")  # pragma: no cover


# --------------------------------------------------------------------------- requests


def _ensure(doc: dict[str, Any], shape: Any, parts: tuple[str, ...]) -> tuple[dict[str, Any], Any] | None:
    """Create (minimal) structures along ``parts`` (no ``[]``); the innermost container and its shape."""
    cur, cur_shape = doc, shape
    for part in parts[:-1]:
        member = cur_shape.members[part]
        if part not in cur or not isinstance(cur[part], dict):
            cur[part] = minimal_value(member, part)
        cur, cur_shape = cur[part], member
    return cur, cur_shape


def _set(container: dict[str, Any], shape: Any, parts: tuple[str, ...], value: Any) -> None:
    if value is ABSENT:
        parent: Any = container
        for part in parts[:-1]:
            if not isinstance(parent, dict) or part not in parent:
                return
            parent = parent[part]
        if isinstance(parent, dict):
            parent.pop(parts[-1], None)
        return
    parent, _ = _ensure(container, shape, parts)
    parent[parts[-1]] = value


_MODES = ("compliant", "absent", "one-bad", "mixed")

#: ``(id(f), id(p), id(shape))`` -> ``(f, p, shape, field_values(f, p, shape), good or bad)``: each
#: field's strategies made once (a new strategy object is validated again at every draw; drawing
#: from an equal strategy made earlier gives the same values). The objects are kept, so ids stay theirs.
_FIELD_STRATEGIES: dict[tuple[int, int, int], tuple[Any, ...]] = {}


def _field_strategies(f: FieldRule, p: VpcProfile, shape: Any) -> tuple[FieldValues, st.SearchStrategy[Any]]:
    """``field_values(f, p, shape)`` and ``st.one_of(good, bad)`` of it, made once per field, profile and shape."""
    key = (id(f), id(p), id(shape))
    saved = _FIELD_STRATEGIES.get(key)
    if saved is None:
        values = field_values(f, p, shape)
        saved = _FIELD_STRATEGIES[key] = (f, p, shape, values, st.one_of(values.good, values.bad))
    return saved[3], saved[4]


@st.composite
def _request(draw: Callable[..., Any], operation: str, profile: VpcProfile | None) -> dict[str, Any]:
    p = profile if profile is not None else FUZZ_PROFILE
    rule = RULES[operation]
    req = minimal_request(operation)
    shape = MODEL.operation_model(operation).input_shape
    mode = draw(st.sampled_from(_MODES), label="mode")
    slots: list[tuple[dict[str, Any], Any, FieldRule]] = []
    for target in rule.targets:
        anchor = split_path(target.anchor)
        for container, cshape in _anchor_instances(draw, req, shape, anchor):
            for f in target.fields:
                slots.append((container, cshape, f))
    _draw_references(draw, req, shape, rule)
    _draw_noise(draw, req, shape)
    bad_index = draw(st.integers(0, max(len(slots) - 1, 0)), label="bad field") if mode == "one-bad" else -1
    for i, (container, cshape, f) in enumerate(slots):
        parts = split_path(f.path)
        fshape = _shape_at(cshape, parts)
        values, either = _field_strategies(f, p, fshape)
        if mode == "compliant" or (mode == "one-bad" and i != bad_index):
            value = draw(values.good)
        elif mode == "absent":
            value = ABSENT
        elif mode == "one-bad":
            value = draw(values.bad)
        else:
            value = draw(either)
        if value is ABSENT and (_required(cshape, parts) or _required_in_given_parent(container, cshape, parts)):
            continue  # botocore requires it: keep the minimal request's value
        _set(container, cshape, parts, copy.deepcopy(value))
    return req


def _draw_references(draw: Callable[..., Any], req: dict[str, Any], shape: Any, rule: Any) -> None:
    """Names (or nothing, or ``""``) where the rule follows references, and their discriminators."""
    for ref in rule.references:
        parts = split_path(ref.path)
        parent_parts, leaf = parts[:-1], parts[-1]
        for container, cshape in _anchor_instances(draw, req, shape, parent_parts):
            if leaf in container and leaf in cshape.required_members:
                if draw(st.booleans(), label=f"rename {ref.path}"):
                    container[leaf] = draw(st.sampled_from(["ref-a", "ref-b"]), label=ref.path)
                continue
            leaf_shape = cshape.members[leaf]
            empty = [""] if not leaf_shape.metadata.get("min") else []  # only where botocore accepts it
            value = draw(st.sampled_from([ABSENT, "ref-a", "ref-b", *empty]), label=ref.path)
            if value is ABSENT:
                container.pop(leaf, None)
            else:
                container[leaf] = value
        if ref.discriminator:
            dparts = split_path(ref.discriminator)
            dshape = _shape_at(shape, dparts)
            value = draw(st.sampled_from([ABSENT, *dshape.enum]), label=ref.discriminator)
            if value is not ABSENT:
                parent, _ = _ensure(req, shape, dparts)
                parent[dparts[-1]] = value


def _draw_noise(draw: Callable[..., Any], req: dict[str, Any], shape: Any) -> None:
    """Vary the first required free-text member (a name), so that every operation has endless cases."""
    for name in shape.required_members:
        member = shape.members[name]
        if member.type_name == "string" and not member.enum and isinstance(req.get(name), str):
            suffix = draw(st.integers(0, 10**6), label="name suffix")
            hi = member.metadata.get("max")
            value = f"{req[name]}-{suffix}"
            req[name] = value[: int(hi)] if hi is not None else value
            return
    # no required free-text member (CreateModelPackage): vary an optional name member instead
    for name, member in shape.members.items():
        if name.endswith("Name") and member.type_name == "string" and not member.enum and name not in req:
            suffix = draw(st.integers(0, 10**6), label="name suffix")
            req[name] = f"fuzz-{suffix}"[: int(member.metadata.get("max", 63))]
            return


def _required_in_given_parent(container: Any, shape: Any, parts: tuple[str, ...]) -> bool:
    """The member at ``parts`` is required by its parent structure, which the request gives
    (``HumanLoopConfig.WorkteamArn``: HumanLoopConfig is optional, WorkteamArn required in it)."""
    for part in parts[:-1]:
        if not isinstance(container, dict) or part not in container or "[]" == part:
            return False
        container, shape = container[part], shape.members[part]
    return isinstance(container, dict) and parts[-1] in shape.required_members


def _required(shape: Any, parts: tuple[str, ...]) -> bool:
    """The member at ``parts`` is required by botocore at every level from ``shape``."""
    for part in parts:
        if part not in shape.required_members:
            return False
        shape = shape.members[part]
    return True


def _anchor_instances(draw: Callable[..., Any], req: dict[str, Any], shape: Any,
                      anchor: tuple[str, ...]) -> list[tuple[dict[str, Any], Any]]:
    """Make the anchor present (or not) and return its instances with their shape."""
    if not anchor:
        return [(req, shape)]
    instances: list[tuple[dict[str, Any], Any]] = [(req, shape)]
    i = 0
    while i < len(anchor):
        part = anchor[i]
        is_list = i + 1 < len(anchor) and anchor[i + 1] == "[]"
        nxt: list[tuple[dict[str, Any], Any]] = []
        for container, cshape in instances:
            member = cshape.members[part]
            if part not in container:
                required = part in cshape.required_members
                if not required and not draw(st.booleans(), label=f"anchor {part}"):
                    continue
                if is_list:
                    n = draw(st.integers(1, 3), label=f"{part} length")
                    container[part] = [minimal_value(member.member, part) for _ in range(n)]
                else:
                    container[part] = minimal_value(member, part)
            value = container[part]
            if is_list:
                nxt.extend((item, member.member) for item in value if isinstance(item, dict))
            elif isinstance(value, dict):
                nxt.append((value, member))
        instances = nxt
        i += 2 if is_list else 1
    return instances


def requests_for(operation: str, profile: VpcProfile | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """A strategy of ``operation`` requests whose network fields are drawn around ``profile``.

    Parameters
    ----------
    operation : str
        An operation of :data:`safemaker.rules.RULES` (botocore's spelling).
    profile : VpcProfile, optional
        Whose IDs are the compliant ones; default :data:`FUZZ_PROFILE`.

    Returns
    -------
    hypothesis.strategies.SearchStrategy[dict]
        Request parameters as passed to the boto3 client method.
    """
    if operation not in RULES:
        raise KeyError(f"{operation} is not in the rule table")
    saved = _REQUESTS.get((operation, id(profile)))
    if saved is None or saved[0] is not profile:
        saved = _REQUESTS[(operation, id(profile))] = (profile, _request(operation, profile))
    return saved[1]


#: ``(operation, id(profile))`` -> ``(profile, requests_for(operation, profile))``: one strategy object per
#: operation and profile (a new one is validated again at its first draw, each example of a test drawing it
#: with ``data.draw``; drawing from an equal strategy made earlier gives the same values). The profile is kept.
_REQUESTS: dict[tuple[str, int], tuple[Any, st.SearchStrategy[dict[str, Any]]]] = {}


def pipeline_step_operations() -> dict[str, str]:
    """Step type → operation, for the step types whose operation has network fields."""
    return {t: op for t, op in STEP_OPERATIONS.items() if RULES.get(op) is not None}
