"""Keys and values of ``str`` / ``int`` subclasses through guarded clients (moto on 127.0.0.1, real HTTP).

botocore accepts an instance of a ``str`` subclass wherever the model has a
string (its validator checks ``isinstance``) and writes the JSON body from the
object's characters (``json.dumps``), never from its ``__eq__`` or
``__hash__``. The guard must decide on what is written: a value whose
``__eq__`` claims to equal the closed value, or a key whose ``__hash__`` is
another member's, is decided as the text botocore sends. Expected values: the
closed values of the SageMaker API reference (``DirectInternetAccess``
``"Disabled"``, ``EnableInterContainerTrafficEncryption`` ``true``), the
profile's IDs, and the body botocore writes (read at ``before-send``).
"""

from __future__ import annotations

import json

import pytest

import safemaker
from safemaker import hooks
from safemaker.errors import GuardrailViolation
from safemaker.profile import VpcProfile

from _profiles import ROLE, SG, SUB_A, SUB_OUT as FOREIGN_SUBNET
from _profiles import training_job_request


class Liar(str):
    """Equal to everything (what a comparison in the guard would see), sent as its own characters."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = str.__hash__


class PosingKey(str):
    """A key sent as its characters whose hash is another member's (a dict lookup of its text misses it)."""

    def __new__(cls, text, poses_as):
        key = super().__new__(cls, text)
        key.poses_as = poses_as
        return key

    def __hash__(self):
        return hash(self.poses_as)

    def __eq__(self, other):
        return str.__eq__(self.poses_as, other) or str.__eq__(self, other)


class PosingSubnet(str):
    """A subnet ID that a set of the profile's subnets would say it is in."""

    def __hash__(self):
        return hash(SUB_A)

    def __eq__(self, other):
        return True


@pytest.fixture
def profile(profile_factory) -> VpcProfile:
    return profile_factory(subnets=[SUB_A])


def training_job(name: str, **extra) -> dict:
    return training_job_request(name, **{"VpcConfig": {"Subnets": [SUB_A], "SecurityGroupIds": [SG]},
                                         "EnableNetworkIsolation": True, **extra})


def test_a_value_whose_eq_lies_is_decided_as_the_text_sent(safemaker_local, safemaker_session, profile):
    safemaker.install_process(profile)
    sm = safemaker_session.client("sagemaker")
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_notebook_instance(NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=ROLE,
                                    SubnetId=SUB_A, SecurityGroupIds=[SG], DirectInternetAccess=Liar("Enabled"))
    assert [(v.path, v.found, v.required) for v in exc.value.violations] == [
        ("DirectInternetAccess", "Enabled", "Disabled")]
    assert safemaker_local.request_count("sagemaker", "CreateNotebookInstance") == 0


def test_an_id_whose_hash_and_eq_lie_is_decided_as_the_id_sent(safemaker_local, safemaker_session, profile):
    sm = safemaker_session.client("sagemaker")
    hooks.install(sm, profile)  # a client guard: the same copy is decided on
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_training_job(**training_job("job", VpcConfig={"Subnets": [PosingSubnet(FOREIGN_SUBNET)],
                                                                "SecurityGroupIds": [SG]}))
    assert [(v.path, v.found) for v in exc.value.violations] == [("VpcConfig.Subnets[0]", FOREIGN_SUBNET)]
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0


def test_a_key_posing_as_another_member_is_decided_as_the_member_sent(safemaker_local, safemaker_session, profile):
    # botocore validates and serializes it under the member it hashes as, and writes its own text: without
    # the exact copy the guard misses it, injects the member again, and the body carries it twice
    safemaker.install_process(profile)
    sm = safemaker_session.client("sagemaker")
    bodies = []
    sm.meta.events.register("before-send.sagemaker.CreateTrainingJob",
                            lambda request, **kwargs: bodies.append(request.body))
    hidden = PosingKey("EnableInterContainerTrafficEncryption", "EnableManagedSpotTraining")
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_training_job(**training_job("job", **{hidden: False}))
    assert [(v.path, v.found, v.required) for v in exc.value.violations] == [
        ("EnableInterContainerTrafficEncryption", False, True)]
    assert bodies == [] and safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0

    sm.create_training_job(**training_job("closed", **{hidden: True}))
    (body,) = bodies
    pairs = json.loads(body, object_pairs_hook=list)
    assert [k for k, _ in pairs].count("EnableInterContainerTrafficEncryption") == 1
    stored = sm.describe_training_job(TrainingJobName="closed")
    assert stored["EnableInterContainerTrafficEncryption"] is True
