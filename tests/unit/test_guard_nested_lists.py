"""Lists in lists: every EBS volume of every HyperPod instance group (``InstanceGroups[].InstanceStorageConfigs[]``,
``RestrictedInstanceGroups[].InstanceStorageConfigs[]``) is decided, whatever shape botocore accepts there.

Oracles: botocore's SageMaker model (``CreateCluster``: ``InstanceGroups`` and ``RestrictedInstanceGroups`` are
lists of group structures, each with an optional ``InstanceStorageConfigs`` list of ``ClusterInstanceStorageConfig``
unions whose ``EbsVolumeConfig`` has a ``VolumeKmsKeyId`` string: asserted below; a request built with tuples
passes ``validate_parameters``, ``CONTAINER_TYPES['list']`` being ``(list, tuple)``), the API reference
(``ClusterEbsVolumeConfig.VolumeKmsKeyId``: "The ID of a KMS key to encrypt the Amazon EBS volume") and the
profile (the key injected is the profile's volume key). A null or absent list holds no volume; a value where a
list goes that is neither a list nor a tuple cannot be walked and is refused, not skipped.

The last test decides many shapes twice, by the guard's generated loop over the inner lists and by the path
engine's walk (``paths.expand_all``, what the guard does for any anchor it has no loop for), and asserts the
same decision: violations in the same order, the same request sent, the same injected paths.
"""

from __future__ import annotations

import copy
import itertools
import types
from typing import Any

import botocore.session
import pytest
from botocore.validate import validate_parameters

from safemaker import guard
from safemaker.errors import MISSING, GuardrailViolation
from safemaker.profile import VpcProfile

from _profiles import KEY_ARN, ROLE, SG, SUB_A, SUB_C

MODEL = botocore.session.get_session().get_service_model("sagemaker")
OP = "CreateCluster"
FOREIGN = "arn:aws:kms:us-east-1:123456789012:key/99999999-8888-7777-6666-555555555555"
VPC = {"Subnets": [SUB_A, SUB_C], "SecurityGroupIds": [SG]}
GROUPS = ("InstanceGroups", "RestrictedInstanceGroups")


@pytest.fixture(scope="module")
def profile(profile_factory) -> VpcProfile:
    return profile_factory(volume_kms_key_id=KEY_ARN)


def test_the_model_has_a_volume_key_in_a_list_in_a_list() -> None:
    request = MODEL.operation_model(OP).input_shape
    for member in GROUPS:
        groups = request.members[member]
        assert groups.type_name == "list"
        storage = groups.member.members["InstanceStorageConfigs"]
        assert storage.type_name == "list"
        ebs = storage.member.members["EbsVolumeConfig"]
        assert ebs.members["VolumeKmsKeyId"].type_name == "string"


def _group(member: str, i: int, storage: Any = None, mapping: Any = dict) -> Any:
    group: dict[str, Any] = {"InstanceGroupName": f"g{i}", "InstanceType": "ml.m5.large", "InstanceCount": 1,
                             "ExecutionRole": ROLE}
    if member == "InstanceGroups":
        group["LifeCycleConfig"] = {"SourceS3Uri": "s3://bucket/lifecycle", "OnCreate": "on_create.sh"}
    if storage is not None:
        group["InstanceStorageConfigs"] = storage
    return mapping(group)


def _ebs(size: int, key: str | None = None) -> dict[str, Any]:
    ebs: dict[str, Any] = {"VolumeSizeInGB": size}
    if key is not None:
        ebs["VolumeKmsKeyId"] = key
    return {"EbsVolumeConfig": ebs}


def _as_lists(value: Any) -> Any:
    """``value`` with every tuple a list and every mapping a dict (botocore sends either the same way)."""
    if isinstance(value, (list, tuple)):
        return [_as_lists(v) for v in value]
    if hasattr(value, "items"):
        return {k: _as_lists(v) for k, v in value.items()}
    return value


FSX = {"FsxLustreConfig": {"DnsName": "fs-0123456789abcdef0.fsx.us-east-1.amazonaws.com", "MountName": "abcdefgh"}}


@pytest.mark.parametrize("member", GROUPS)
@pytest.mark.parametrize("outer, inner", list(itertools.product((list, tuple), repeat=2)),
                         ids=lambda t: t.__name__)
def test_every_volume_without_a_key_gets_the_profiles_key_and_nothing_else_changes(
        profile: VpcProfile, member: str, outer: type, inner: type) -> None:
    groups = outer([
        _group(member, 0, inner([_ebs(100), _ebs(200, KEY_ARN), _ebs(300)])),
        _group(member, 1),                                   # no storage configured
        _group(member, 2, inner([])),                        # an empty list of them
        _group(member, 3, inner([FSX, _ebs(400)])),          # an FSx volume has no EBS key; the second has
    ])
    req = {"ClusterName": "c", "VpcConfig": VPC, member: groups}
    validate_parameters(req, MODEL.operation_model(OP).input_shape)
    before = copy.deepcopy(req)
    lacking = [f"{member}[0].InstanceStorageConfigs[0].EbsVolumeConfig.VolumeKmsKeyId",
               f"{member}[0].InstanceStorageConfigs[2].EbsVolumeConfig.VolumeKmsKeyId",
               f"{member}[3].InstanceStorageConfigs[1].EbsVolumeConfig.VolumeKmsKeyId"]
    assert [(v.path, v.rule_id, v.required) for v in guard.check(OP, req, profile)] == [
        (path, "SM-KMS-VOLUME", KEY_ARN) for path in lacking]

    decision = guard.decide(OP, req, profile)
    assert decision.violations == ()
    assert list(decision.injected) == lacking
    sent = decision.params
    assert _as_lists(sent) == _as_lists({**before, member: [
        _group(member, 0, [_ebs(100, KEY_ARN), _ebs(200, KEY_ARN), _ebs(300, KEY_ARN)]),
        _group(member, 1),
        _group(member, 2, []),
        _group(member, 3, [FSX, _ebs(400, KEY_ARN)])]})
    validate_parameters(sent, MODEL.operation_model(OP).input_shape)
    assert req == before and type(req[member]) is outer  # the caller's request is never changed
    assert all(type(g.get("InstanceStorageConfigs", inner())) is inner for g in req[member])
    assert sent[member][1] is req[member][1] and sent[member][2] is req[member][2]  # nothing written: not copied
    assert guard.apply(OP, req, profile) == sent


@pytest.mark.parametrize("member", GROUPS)
def test_structures_given_twice_are_each_written_and_the_request_is_unchanged(profile: VpcProfile,
                                                                              member: str) -> None:
    # one volume object twice in a list, one list of volumes in two groups, one group object twice: each place
    # is its own volume in the request sent (botocore serializes each), so each gets the key
    vol = _ebs(10)
    shared = [vol, vol]
    group = _group(member, 0, shared)
    req = {"ClusterName": "c", "VpcConfig": VPC, member: [group, _group(member, 1, shared), group]}
    before = copy.deepcopy(req)
    lacking = [f"{member}[{g}].InstanceStorageConfigs[{v}].EbsVolumeConfig.VolumeKmsKeyId"
               for g in range(3) for v in range(2)]
    assert [(v.path, v.rule_id) for v in guard.check(OP, req, profile)] == [(p, "SM-KMS-VOLUME") for p in lacking]
    decision = guard.decide(OP, req, profile)
    assert decision.violations == () and list(decision.injected) == lacking
    keyed = [_ebs(10, KEY_ARN), _ebs(10, KEY_ARN)]
    assert decision.params == {**before, member: [_group(member, 0, keyed), _group(member, 1, keyed),
                                                  _group(member, 0, keyed)]}
    assert guard.apply(OP, req, profile) == decision.params
    assert req == before and vol == _ebs(10) and req[member][0] is req[member][2]  # the caller's objects unchanged
    sent_volumes = [v for g in decision.params[member] for v in g["InstanceStorageConfigs"]]
    assert all(v is not vol for v in sent_volumes)


@pytest.mark.parametrize("inner", (list, tuple), ids=lambda t: t.__name__)
def test_a_foreign_key_in_the_second_group_is_refused_at_its_indexes(profile: VpcProfile, inner: type) -> None:
    req = {"ClusterName": "c", "VpcConfig": VPC, "InstanceGroups": (
        _group("InstanceGroups", 0, inner([_ebs(100)])),
        _group("InstanceGroups", 1, inner([_ebs(100, KEY_ARN), _ebs(100, FOREIGN)])))}
    path = "InstanceGroups[1].InstanceStorageConfigs[1].EbsVolumeConfig.VolumeKmsKeyId"
    with pytest.raises(GuardrailViolation) as exc:
        guard.apply(OP, req, profile)
    assert [(v.path, v.found, v.required) for v in exc.value.violations] == [(path, FOREIGN, KEY_ARN)]
    assert [(v.path, v.found) for v in guard.check(OP, req, profile)] == [
        ("InstanceGroups[0].InstanceStorageConfigs[0].EbsVolumeConfig.VolumeKmsKeyId", MISSING), (path, FOREIGN)]


@pytest.mark.parametrize("given", [
    {},                                                                    # no groups
    {"InstanceGroups": None},                                              # null: nothing to walk
    {"InstanceGroups": ()},                                                # empty
    {"InstanceGroups": [_group("InstanceGroups", 0)]},                     # a group without storage
    {"InstanceGroups": (_group("InstanceGroups", 0, None),)},
    {"InstanceGroups": [{**_group("InstanceGroups", 0), "InstanceStorageConfigs": None}]},
    {"InstanceGroups": [_group("InstanceGroups", 0, ())]},
    {"InstanceGroups": [_group("InstanceGroups", 0, [{"EbsVolumeConfig": None}])]},   # no EBS volume
    {"InstanceGroups": [_group("InstanceGroups", 0, ({},))]},
    {"RestrictedInstanceGroups": ((_group("RestrictedInstanceGroups", 0, (FSX,))),)},
], ids=repr)
def test_no_volume_no_key(profile: VpcProfile, given: dict) -> None:
    req = {"ClusterName": "c", "VpcConfig": VPC, **given}
    before = copy.deepcopy(req)
    assert guard.check(OP, req, profile) == []
    decision = guard.decide(OP, req, profile)
    assert (decision.violations, decision.injected) == ((), ())
    assert decision.params == req == before


def test_an_empty_ebs_volume_config_gets_the_key(profile: VpcProfile) -> None:
    req = {"ClusterName": "c", "VpcConfig": VPC,
           "InstanceGroups": (_group("InstanceGroups", 0, ({"EbsVolumeConfig": {}},)),)}
    sent = guard.apply(OP, req, profile)
    assert _as_lists(sent["InstanceGroups"][0]["InstanceStorageConfigs"]) == [
        {"EbsVolumeConfig": {"VolumeKmsKeyId": KEY_ARN}}]
    assert req["InstanceGroups"][0]["InstanceStorageConfigs"] == ({"EbsVolumeConfig": {}},)


def test_other_mappings_are_walked_as_dicts(profile: VpcProfile) -> None:
    # botocore's serializers take any mapping when parameter validation is off
    proxy = types.MappingProxyType
    req = {"ClusterName": "c", "VpcConfig": VPC, "InstanceGroups": [
        _group("InstanceGroups", 0, (proxy(_ebs(100)),), mapping=proxy),
        _group("InstanceGroups", 1, [_ebs(100)])]}
    paths = [f"InstanceGroups[{i}].InstanceStorageConfigs[0].EbsVolumeConfig.VolumeKmsKeyId" for i in (0, 1)]
    assert [v.path for v in guard.check(OP, req, profile)] == paths
    sent = guard.apply(OP, req, profile)
    assert [_as_lists(g["InstanceStorageConfigs"]) for g in sent["InstanceGroups"]] == [
        [_ebs(100, KEY_ARN)], [_ebs(100, KEY_ARN)]]
    assert req["InstanceGroups"][0]["InstanceStorageConfigs"][0]["EbsVolumeConfig"] == {"VolumeSizeInGB": 100}


@pytest.mark.parametrize("bad", [frozenset({"x"}), "volumes", 3, {"EbsVolumeConfig": {}}], ids=repr)
def test_a_value_where_the_inner_list_goes_is_refused_not_skipped(profile: VpcProfile, bad: Any) -> None:
    req = {"ClusterName": "c", "VpcConfig": VPC, "InstanceGroups": [
        _group("InstanceGroups", 0, [_ebs(100)]), _group("InstanceGroups", 1, bad)]}
    found = sorted((v.path, v.required) for v in guard.check(OP, req, profile))
    assert found == [("InstanceGroups[0].InstanceStorageConfigs[0].EbsVolumeConfig.VolumeKmsKeyId", KEY_ARN),
                     ("InstanceGroups[1].InstanceStorageConfigs", "a list")]
    with pytest.raises(GuardrailViolation) as exc:
        guard.apply(OP, req, profile)
    assert [(v.path, v.required) for v in exc.value.violations] == [("InstanceGroups[1].InstanceStorageConfigs",
                                                                      "a list")]


# --------------------------------------------------------------------------- the loop against the path engine

def _shapes() -> list[dict[str, Any]]:
    """Requests with every shape at each level: list, tuple, empty, null, absent, other mappings, scalars among
    elements, values where a list goes, keys absent, given, foreign or null, long inner lists."""
    proxy = types.MappingProxyType
    volumes = [_ebs(1), _ebs(2, KEY_ARN), _ebs(3, FOREIGN), {"EbsVolumeConfig": {"VolumeKmsKeyId": None}},
               {"EbsVolumeConfig": None}, {}, FSX, proxy(_ebs(4)), None, "x", {"EbsVolumeConfig": "x"},
               {"EbsVolumeConfig": proxy({"VolumeSizeInGB": 5})}]
    inners: list[Any] = [None, (), [], "absent", frozenset({1}), "text"]
    for k in range(len(volumes)):
        inners += [volumes[k:k + 3], tuple(volumes[k:k + 2])]
    inners += [[_ebs(i) for i in range(300)]]  # longer than the generated loop's known indexes
    out = []
    for member in GROUPS:
        for i, inner in enumerate(inners):
            second = inners[(i * 7 + 3) % len(inners)]
            groups: list[Any] = [_group(member, 0, None if inner == "absent" else inner),
                                 _group(member, 1, None if second == "absent" else second)]
            if i % 5 == 1:
                groups.append(None)
            if i % 5 == 2:
                groups[0] = proxy(groups[0])
            for outer in (list, tuple):
                out.append({"ClusterName": "c", "VpcConfig": VPC, member: outer(groups)})
        out += [{"ClusterName": "c", member: None}, {"ClusterName": "c", member: {"x": 1}},
                {"ClusterName": "c", member: proxy({})}]
        # the same object at several places: a volume twice in a list, a list in two groups, a group twice
        vol, shared = _ebs(5), [_ebs(6), _ebs(7, KEY_ARN)]
        group = _group(member, 0, [vol, vol, shared[0]])
        out += [{"ClusterName": "c", "VpcConfig": VPC, member: [group, group]},
                {"ClusterName": "c", "VpcConfig": VPC, member: (_group(member, 0, shared), _group(member, 1, shared),
                                                                 group)}]
    return out


def _decisions(req: dict[str, Any], profile: VpcProfile) -> list[Any]:
    out: list[Any] = []
    for fn in (lambda: guard.decide(OP, req, profile), lambda: guard.decide(OP, req, profile, inject=False),
               lambda: guard.apply(OP, req, profile)):
        try:
            d = fn()
        except GuardrailViolation as exc:
            out.append(("refused", exc.violations))
            continue
        out.append((d.params, d.injected, d.violations) if isinstance(d, guard.Decision) else d)
    out.append(guard.check(OP, req, profile))
    return out


def test_the_generated_loop_decides_as_the_path_engine_walks(profile_factory,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    loop, engine = (profile_factory(volume_kms_key_id=KEY_ARN, source=s) for s in ("loop", "engine"))
    shapes = _shapes()
    snapshots = [copy.deepcopy(_as_lists(r)) for r in shapes]
    by_loop = [_decisions(r, loop) for r in shapes]
    plan = guard._plan(OP, guard.RULES[OP], guard._view(loop), True, False)
    assert [t[0] for t in plan.targets].count(guard._AT_LISTS) == 2  # the inner lists have their loop
    monkeypatch.setattr(guard, "_nested_lists", lambda anchor: False)  # plans made now walk by the path engine
    by_engine = [_decisions(r, engine) for r in shapes]
    plan = guard._plan(OP, guard.RULES[OP], guard._view(engine), True, False)
    assert guard._AT_LISTS not in [t[0] for t in plan.targets]
    for req, snapshot, a, b in zip(shapes, snapshots, by_loop, by_engine):
        assert a == b, req
        assert _as_lists(req) == snapshot  # never mutated
