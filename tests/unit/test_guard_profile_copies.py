"""A profile copied with pydantic's ``model_copy(update=...)`` is decided by its own values.

pydantic's ``model_copy`` runs neither the validators nor ``model_post_init``,
so anything a profile derives from its fields at construction would still be
the original's. The guard must read the copy's subnets and security groups
(the values the copy itself shows), never those of the profile it came from.
"""

from __future__ import annotations

import pytest

from safemaker import guard
from safemaker.profile import VpcProfile

from _profiles import ROLE, SG as SG_B, SUB_A

SUB_B = "subnet-0bbbbbbbbbbbbbbbb"
SG_A = "sg-0aaaaaaaaaaaaaaaa"


@pytest.fixture
def profile(profile_factory) -> VpcProfile:
    return profile_factory(subnets=[SUB_A, SUB_B], security_group_ids=[SG_A, SG_B])


def training_job(subnets, groups) -> dict:
    return {"TrainingJobName": "t", "RoleArn": ROLE,
            "AlgorithmSpecification": {"TrainingImage": "img", "TrainingInputMode": "File"},
            "OutputDataConfig": {"S3OutputPath": "s3://b/o"},
            "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
            "StoppingCondition": {"MaxRuntimeInSeconds": 60},
            "VpcConfig": {"Subnets": subnets, "SecurityGroupIds": groups},
            "EnableNetworkIsolation": True, "EnableInterContainerTrafficEncryption": True}


def test_a_narrowed_copy_refuses_what_it_no_longer_lists(profile):
    assert guard.check("CreateTrainingJob", training_job([SUB_A], [SG_A]), profile) == []
    narrowed = profile.model_copy(update={"subnets": (SUB_B,), "security_group_ids": (SG_B,)})
    assert (narrowed.subnet_set, narrowed.security_group_set) == ({SUB_B}, {SG_B})
    found = guard.check("CreateTrainingJob", training_job([SUB_A], [SG_A]), narrowed)
    assert [(v.path, v.found) for v in found] == [("VpcConfig.Subnets[0]", SUB_A),
                                                   ("VpcConfig.SecurityGroupIds[0]", SG_A)]
    assert guard.check("CreateTrainingJob", training_job([SUB_B], [SG_B]), narrowed) == []
    # the original is unchanged by its copy, and still decides by its own values
    assert guard.check("CreateTrainingJob", training_job([SUB_A], [SG_A]), profile) == []


def test_a_widened_copy_accepts_what_it_lists(profile):
    sub_c, sg_c = "subnet-0cccccccccccccccc", "sg-0cccccccccccccccc"
    widened = profile.model_copy(update={"subnets": (SUB_A, sub_c), "security_group_ids": (sg_c,)})
    assert guard.check("CreateTrainingJob", training_job([sub_c], [sg_c]), widened) == []
    assert guard.decide("CreateTrainingJob", {k: v for k, v in training_job([], []).items() if k != "VpcConfig"},
                        widened).params["VpcConfig"] == {"Subnets": [SUB_A, sub_c], "SecurityGroupIds": [sg_c]}
