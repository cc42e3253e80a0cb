"""Request members newer than the rule table (safemaker.members).

Oracle: botocore's installed SageMaker service model, and a copy of it with one
member added (how a newer botocore looks to the guard).
"""

from __future__ import annotations

import copy
import json

import botocore.session
from botocore.model import ServiceModel

from safemaker import members
from safemaker.rules import RULES

from _profiles import make_profile, training_job_request

_SESSION = botocore.session.get_session()
MODEL = _SESSION.get_service_model("sagemaker")


def test_the_known_members_are_the_installed_botocores():
    """Fails when botocore adds (or drops) a member of a guarded operation's input: review it, then
    ``python -m safemaker.members --write``."""
    recorded = json.loads(members.KNOWN_MEMBERS_FILE.read_text())["shapes"]
    assert recorded == members.snapshot(MODEL)


def test_every_guarded_operation_of_the_installed_model_adds_nothing():
    for operation in RULES:
        if operation in MODEL.operation_names:
            assert members.new_members(MODEL.operation_model(operation)) == {}, operation


def _newer_model():
    raw = copy.deepcopy(_SESSION.get_component("data_loader").load_service_model("sagemaker", "service-2"))
    raw["shapes"]["NetworkAccessMode"] = {"type": "string", "enum": ["Private", "Public"]}
    raw["shapes"]["CreateTrainingJobRequest"]["members"]["NetworkAccessMode"] = {"shape": "NetworkAccessMode"}
    raw["shapes"]["ResourceConfig"]["members"]["PublicIp"] = {"shape": "Boolean"}
    return ServiceModel(raw, service_name="sagemaker")


def test_a_member_added_by_a_newer_botocore_is_refused_wherever_it_is_given():
    op = _newer_model().operation_model("CreateTrainingJob")
    assert members.new_members(op) == {"CreateTrainingJobRequest": frozenset({"NetworkAccessMode"}),
                                       "ResourceConfig": frozenset({"PublicIp"})}
    request = training_job_request(NetworkAccessMode="Public")
    request["ResourceConfig"] = {**request["ResourceConfig"], "PublicIp": True}
    found = members.unknown_member_violations(op, request, make_profile())
    assert sorted((v.path, v.rule_id) for v in found) == [("NetworkAccessMode", "SM-UNCLASSIFIED"),
                                                          ("ResourceConfig.PublicIp", "SM-UNCLASSIFIED")]
    assert all("allow_unclassified_operations" in v.fix for v in found)
    # not given (or null): nothing to refuse; allowed by the profile: nothing refused
    assert members.unknown_member_violations(op, training_job_request(NetworkAccessMode=None), make_profile()) == []
    assert members.unknown_member_violations(
        op, request, make_profile(allow_unclassified_operations=True)) == []


def test_a_new_member_inside_a_list_is_found_with_its_index():
    raw_model = _newer_model()
    op = raw_model.operation_model("CreateHyperParameterTuningJob")
    assert "ResourceConfig" in members.new_members(op)
    d = {"RoleArn": "r", "AlgorithmSpecification": {"TrainingInputMode": "File"},
         "OutputDataConfig": {"S3OutputPath": "s3://b/o"}, "StoppingCondition": {"MaxRuntimeInSeconds": 1},
         "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1}}
    request = {"HyperParameterTuningJobName": "t", "TrainingJobDefinitions": (
        d, {**d, "ResourceConfig": {**d["ResourceConfig"], "PublicIp": False}})}
    (v,) = members.unknown_member_violations(op, request, make_profile())
    assert v.path == "TrainingJobDefinitions[1].ResourceConfig.PublicIp"
