"""A list of definitions is decided element by element (issue 13: a tuning job with 10 definitions).

The guard's generated code reads each element of a list anchor (``TrainingJobDefinitions[]``) on its own:
a member is asked for (``in``) before it is read, a definition is copied only when something is injected
into it, a violation's path names its own index. These tests give 10 definitions that differ (instance
types with and without instance storage, hyperparameters, fields given or absent, other shapes where the
model has structures and lists) and check every definition's decision on its own.

Oracles: the profile's values (what is injected is what the profile holds), botocore's model (the request
is valid: ``validate_parameters``) and the API reference (``ResourceConfig.VolumeKmsKeyId``: "You can't
request a VolumeKmsKeyId when using an instance type with local storage"; the documented NVMe families
``ml.g4dn``, ``ml.g5``, ``ml.p4d`` are asserted in ``test_guard_false_refusals.py``).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import pickle
import types

import botocore.session
import pytest
import yaml
from botocore.validate import validate_parameters

from safemaker import guard
from safemaker.errors import MISSING, GuardrailViolation
from safemaker.profile import VpcProfile

from _profiles import IMG, KEY_ARN as VOLUME_KEY, ROLE, SG, SUB_A, SUB_C, SUB_OUT

OP = "CreateHyperParameterTuningJob"
OUTPUT_KEY = "arn:aws:kms:us-east-1:123456789012:key/66666666-7777-8888-9999-000000000000"
MODEL = botocore.session.get_session().get_service_model("sagemaker")
# Instance types of the definitions, in turn: EBS-only ones and documented NVMe (instance-store) families.
TYPES = ("ml.m5.large", "ml.c5.xlarge", "ml.g4dn.xlarge", "ml.p3.2xlarge", "ml.g5.2xlarge")
LOCAL_STORAGE = {"ml.g4dn.xlarge", "ml.g5.2xlarge"}  # API reference: NVMe instance storage, no volume key


@pytest.fixture(scope="module")
def profile(profile_factory) -> VpcProfile:
    return profile_factory(volume_kms_key_id=VOLUME_KEY, output_kms_key_id=OUTPUT_KEY)


def _definition(i: int, **extra):
    d = {"DefinitionName": f"definition-{i}", "RoleArn": ROLE,
         "AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"},
         "StaticHyperParameters": {"learning_rate": str(0.1 / (i + 1)), "epochs": str(i + 1)},
         "OutputDataConfig": {"S3OutputPath": f"s3://bucket/out/{i}"},
         "ResourceConfig": {"InstanceType": TYPES[i % len(TYPES)], "InstanceCount": 1 + i % 2, "VolumeSizeInGB": 30},
         "StoppingCondition": {"MaxRuntimeInSeconds": 3600 * (i + 1)}}
    d.update(extra)
    return d


def _closed(i: int):
    """Definition ``i`` with every network field given closed (the profile's values)."""
    d = _definition(i, EnableNetworkIsolation=True, EnableInterContainerTrafficEncryption=True,
                    VpcConfig={"Subnets": [SUB_A, SUB_C], "SecurityGroupIds": [SG]})
    d["OutputDataConfig"]["KmsKeyId"] = OUTPUT_KEY
    if d["ResourceConfig"]["InstanceType"] not in LOCAL_STORAGE:
        d["ResourceConfig"]["VolumeKmsKeyId"] = VOLUME_KEY
    return d


def _tuning(definitions):
    req = {"HyperParameterTuningJobName": "t", "HyperParameterTuningJobConfig": {
        "Strategy": "Bayesian", "ResourceLimits": {"MaxNumberOfTrainingJobs": 20, "MaxParallelTrainingJobs": 2}},
        "TrainingJobDefinitions": definitions}
    validate_parameters(req, MODEL.operation_model(OP).input_shape)  # botocore accepts it as shaped
    return req


def _expected_injected(i: int, d: dict) -> list[str]:
    """The paths an absent-everything definition ``i`` gets, in field order."""
    at = f"TrainingJobDefinitions[{i}]."
    out = [at + "EnableNetworkIsolation", at + "VpcConfig", at + "EnableInterContainerTrafficEncryption"]
    if d["ResourceConfig"]["InstanceType"] not in LOCAL_STORAGE:
        out.append(at + "ResourceConfig.VolumeKmsKeyId")
    return out + [at + "OutputDataConfig.KmsKeyId"]


@pytest.mark.parametrize("shape", [list, tuple])
def test_ten_different_definitions_each_get_what_they_lack(profile: VpcProfile, shape) -> None:
    defs = shape(_definition(i) for i in range(10))
    req = _tuning(defs)
    before = copy.deepcopy(req)
    d = guard.decide(OP, req, profile)
    assert d.violations == ()
    assert list(d.injected) == [p for i in range(10) for p in _expected_injected(i, defs[i])]
    for i, out in enumerate(d.params["TrainingJobDefinitions"]):
        assert out["EnableNetworkIsolation"] is True and out["EnableInterContainerTrafficEncryption"] is True
        assert out["VpcConfig"] == {"Subnets": [SUB_A, SUB_C], "SecurityGroupIds": [SG]}
        assert out["OutputDataConfig"] == {"S3OutputPath": f"s3://bucket/out/{i}", "KmsKeyId": OUTPUT_KEY}
        local = defs[i]["ResourceConfig"]["InstanceType"] in LOCAL_STORAGE
        assert ("VolumeKmsKeyId" in out["ResourceConfig"]) is not local
        assert out["StaticHyperParameters"] == defs[i]["StaticHyperParameters"]  # each its own, untouched
    assert req == before  # the caller's request, every nested structure included, is untouched
    assert guard.check(OP, d.params, profile) == []
    validate_parameters(d.params, MODEL.operation_model(OP).input_shape)


def test_check_reports_each_absent_field_of_each_definition_at_its_index(profile: VpcProfile) -> None:
    defs = [_definition(i) for i in range(10)]
    req = _tuning(defs)
    before = copy.deepcopy(req)
    violations = guard.check(OP, req, profile)
    assert [v.path for v in violations] == [p for i in range(10) for p in _expected_injected(i, defs[i])]
    vpcs = [v for v in violations if v.path.endswith(".VpcConfig")]
    assert [v.required for v in vpcs] == [{"Subnets": [SUB_A, SUB_C], "SecurityGroupIds": [SG]}] * 10
    assert len({id(v.required) for v in vpcs}) == 10  # each its own value (read-only: see the next tests)
    assert req == before


def _changes(required):
    """Every way of changing a dict or list in place, applied to ``required`` (each expected to raise)."""
    if isinstance(required, dict):
        key = next(iter(required))
        yield from (lambda: required.__setitem__("Subnets", []), lambda: required.__delitem__(key),
                    lambda: required.update(Subnets=[]), lambda: required.pop(key), required.popitem,
                    lambda: required.setdefault("VpcId", "vpc-0"), required.clear,
                    lambda: required.__ior__({"Subnets": []}), lambda: required.__init__({"Subnets": []}))
        for value in required.values():
            yield from _changes(value)
    else:
        yield from (lambda: required.append(SUB_OUT), lambda: required.extend([SUB_OUT]),
                    lambda: required.__iadd__([SUB_OUT]), lambda: required.__imul__(2),
                    lambda: required.insert(0, SUB_OUT), lambda: required.__setitem__(0, SUB_OUT),
                    lambda: required.__setitem__(slice(0, 1), [SUB_OUT]), lambda: required.__delitem__(0),
                    lambda: required.remove(required[0]), required.pop, required.clear, required.sort,
                    required.reverse, lambda: required.__init__([SUB_OUT]))


@pytest.mark.parametrize("op, absent", [(OP, ".VpcConfig"), ("CreateDomain", "SubnetIds"),
                                        ("CreateNotebookInstance", "SecurityGroupIds")])
def test_a_caller_changing_a_refusals_required_value_changes_nothing_else(profile: VpcProfile, op: str,
                                                                          absent: str) -> None:
    """The refusal of an absent field is made once and given to every request lacking it: its ``required``
    lists and dicts refuse changes, so no caller changes what another violation or a later decision holds."""
    vpc = {"Subnets": [SUB_A, SUB_C], "SecurityGroupIds": [SG]}  # the profile's values
    wanted = vpc if op == OP else [SUB_A, SUB_C] if absent == "SubnetIds" else [SG]
    req = (_tuning([_definition(i) for i in range(10)]) if op == OP else
           {"DomainName": "d", "AuthMode": "IAM", "DefaultUserSettings": {"ExecutionRole": ROLE}}
           if op == "CreateDomain" else {"NotebookInstanceName": "n", "InstanceType": "ml.t3.medium", "RoleArn": ROLE})
    first = [v for v in guard.check(op, req, profile) if v.path.endswith(absent)]
    assert first and [v.required for v in first] == [wanted] * len(first)
    for change in _changes(first[0].required):
        with pytest.raises(TypeError, match="read-only 'required' value of a guard refusal"):
            change()
    assert [v.required for v in first] == [wanted] * len(first)  # the refused one and the others' alike
    later = [v for v in guard.check(op, req, profile) if v.path.endswith(absent)]
    assert later == first and [v.required for v in later] == [wanted] * len(later)
    mine = copy.deepcopy(first[0].required)  # a caller's own copy: plain, changeable, changes nothing else
    assert type(mine) is type(wanted) and mine == wanted
    (mine["Subnets"] if op == OP else mine).append(SUB_OUT)
    assert first[0].required == wanted and guard.check(op, req, profile) == guard.check(op, req, profile)
    assert [v.required for v in guard.check(op, req, profile) if v.path.endswith(absent)][0] == wanted
    if op == OP:  # what apply injects is the request's own (plain) value: changing it changes no later request
        sent = guard.apply(op, req, profile)["TrainingJobDefinitions"]
        assert type(sent[0]["VpcConfig"]) is dict and type(sent[0]["VpcConfig"]["Subnets"]) is list
        sent[0]["VpcConfig"]["Subnets"].append(SUB_OUT)
        assert guard.apply(op, req, profile)["TrainingJobDefinitions"][0]["VpcConfig"] == vpc


def test_a_refusals_read_only_required_value_reads_as_the_plain_value(profile: VpcProfile) -> None:
    """Equal, printed, serialised (JSON), pickled and copied as the plain dict of lists it stands for."""
    vpc = {"Subnets": [SUB_A, SUB_C], "SecurityGroupIds": [SG]}
    v = [v for v in guard.check(OP, _tuning([_definition(0)]), profile) if v.path.endswith("VpcConfig")][0]
    assert v.required == vpc and vpc == v.required and repr(v.required) == repr(vpc)
    assert isinstance(v.required, dict) and isinstance(v.required["Subnets"], list)
    plain = dataclasses.replace(v, required=copy.deepcopy(vpc))
    assert v == plain and repr(v) == repr(plain) and v.message() == plain.message()
    assert json.dumps(v.as_dict()) == json.dumps(plain.as_dict())
    assert json.dumps(v.as_dict(), indent=2, sort_keys=True) == json.dumps(plain.as_dict(), indent=2, sort_keys=True)
    for again in (pickle.loads(pickle.dumps(v)), copy.copy(v), copy.deepcopy(v)):
        assert again == v == plain
    refused = pickle.loads(pickle.dumps(GuardrailViolation(OP, [v])))
    assert refused.violations == [plain] and str(refused) == str(GuardrailViolation(OP, [plain]))
    for copied in (v.required.copy(), dict(v.required), copy.copy(v.required), copy.deepcopy(v.required)):
        assert type(copied) is dict and copied == vpc
        copied["VpcId"] = "vpc-0"
    assert type(v.required["Subnets"].copy()) is list and v.required["Subnets"][:] == vpc["Subnets"]
    # dataclasses.asdict ("dataclasses, dicts, lists, and tuples are recursed into": a deep copy) makes plain
    # values, as it does of a plain violation; as_dict() too, which any serialiser takes (PyYAML's safe_dump picks
    # a representer by exact type and has none for a subclass of dict or list)
    mine = dataclasses.asdict(v)
    assert mine == dataclasses.asdict(plain) and type(mine["required"]) is dict
    assert type(mine["required"]["Subnets"]) is list
    mine["required"]["Subnets"].append(SUB_OUT)
    assert all(type(x) in (dict, list) for x in (v.as_dict()["required"], v.as_dict()["required"]["Subnets"]))
    assert yaml.safe_dump(v.as_dict()) == yaml.safe_dump(plain.as_dict())
    assert yaml.safe_load(yaml.dump(v.as_dict())) == plain.as_dict()
    assert type(pickle.loads(pickle.dumps(v)).required) is type(v.required)  # read-only after a round trip too
    assert v.required == vpc


def test_a_violation_in_the_seventh_of_ten_definitions_names_index_6(profile: VpcProfile) -> None:
    defs = [_closed(i) for i in range(10)]
    defs[6]["EnableNetworkIsolation"] = False
    req = _tuning(defs)
    assert [(v.path, v.found) for v in guard.check(OP, req, profile)] == [
        ("TrainingJobDefinitions[6].EnableNetworkIsolation", False)]
    with pytest.raises(GuardrailViolation) as exc:
        guard.apply(OP, req, profile)
    assert [v.path for v in exc.value.violations] == ["TrainingJobDefinitions[6].EnableNetworkIsolation"]
    defs[6]["EnableNetworkIsolation"] = True
    defs[6]["VpcConfig"]["Subnets"] = [SUB_A, SUB_OUT]
    assert [(v.path, v.found) for v in guard.check(OP, _tuning(defs), profile)] == [
        ("TrainingJobDefinitions[6].VpcConfig.Subnets[1]", SUB_OUT)]


def test_only_the_definitions_that_lack_a_field_get_it(profile: VpcProfile) -> None:
    defs = [_closed(i) for i in range(10)]
    for i in (1, 4, 7):
        del defs[i]["VpcConfig"]
    del defs[9]["OutputDataConfig"]["KmsKeyId"]
    del defs[3]["ResourceConfig"]["VolumeKmsKeyId"]  # ml.p3.2xlarge: EBS volumes, the key is injected
    req = _tuning(defs)
    before = copy.deepcopy(req)
    d = guard.decide(OP, req, profile)
    assert d.violations == ()
    assert list(d.injected) == ["TrainingJobDefinitions[1].VpcConfig",
                                "TrainingJobDefinitions[3].ResourceConfig.VolumeKmsKeyId",
                                "TrainingJobDefinitions[4].VpcConfig", "TrainingJobDefinitions[7].VpcConfig",
                                "TrainingJobDefinitions[9].OutputDataConfig.KmsKeyId"]
    out = d.params["TrainingJobDefinitions"]
    assert [o == before["TrainingJobDefinitions"][i] for i, o in enumerate(out)] == [
        i not in (1, 3, 4, 7, 9) for i in range(10)]
    assert out[3]["ResourceConfig"]["VolumeKmsKeyId"] == VOLUME_KEY
    assert out[9]["OutputDataConfig"]["KmsKeyId"] == OUTPUT_KEY
    assert req == before
    # copy on write: the structures written into are the decision's own, the caller's are as they were
    assert out[3]["ResourceConfig"] is not defs[3]["ResourceConfig"] and "VolumeKmsKeyId" not in defs[3]["ResourceConfig"]
    assert out[9]["OutputDataConfig"] is not defs[9]["OutputDataConfig"]
    out[1]["VpcConfig"]["Subnets"].append("subnet-x")
    out[3]["ResourceConfig"]["InstanceCount"] = 99
    assert req == before


def test_other_shapes_in_a_definition_are_decided_as_the_path_engine_reads_them(profile: VpcProfile) -> None:
    # a structure given as another mapping (read through the path engine), an absent parent, a null one
    defs = [_definition(i) for i in range(4)]
    defs[0]["ResourceConfig"] = types.MappingProxyType(dict(defs[0]["ResourceConfig"]))
    defs[1]["OutputDataConfig"] = types.MappingProxyType({"S3OutputPath": "s3://bucket/o", "KmsKeyId": "alias/x"})
    del defs[2]["OutputDataConfig"]
    defs[3]["ResourceConfig"] = None
    req = {"HyperParameterTuningJobName": "t", "TrainingJobDefinitions": tuple(defs)}
    before = repr(req)  # (a mappingproxy cannot be deep-copied; its repr shows what it holds)
    found = {(v.path, v.found) for v in guard.check(OP, req, profile)}
    # a mapping is read as a dict is: the key absent in 0, a foreign key in 1
    assert ("TrainingJobDefinitions[0].ResourceConfig.VolumeKmsKeyId", MISSING) in found
    assert ("TrainingJobDefinitions[1].OutputDataConfig.KmsKeyId", "alias/x") in found
    assert ("TrainingJobDefinitions[2].OutputDataConfig.KmsKeyId", MISSING) in found
    # no ResourceConfig to hold a volume: nothing to encrypt there (the field is required only with it)
    assert not any(p.startswith("TrainingJobDefinitions[3].ResourceConfig") for p, _ in found)
    with pytest.raises(GuardrailViolation) as exc:
        guard.apply(OP, req, profile)
    refused = {v.path: v for v in exc.value.violations}
    assert set(refused) == {"TrainingJobDefinitions[1].OutputDataConfig.KmsKeyId",
                            "TrainingJobDefinitions[2].OutputDataConfig.KmsKeyId"}
    assert "parent structure is absent" in refused["TrainingJobDefinitions[2].OutputDataConfig.KmsKeyId"].fix
    assert repr(req) == before
    defs[1] = _definition(1)
    defs[2] = _definition(2)
    out = guard.apply(OP, {"HyperParameterTuningJobName": "t", "TrainingJobDefinitions": tuple(defs)}, profile)
    assert out["TrainingJobDefinitions"][0]["ResourceConfig"]["VolumeKmsKeyId"] == VOLUME_KEY
    assert isinstance(defs[0]["ResourceConfig"], types.MappingProxyType)
    assert "VolumeKmsKeyId" not in defs[0]["ResourceConfig"]
