"""A Cloud Control ``UpdateResource`` of a type whose decision needs write-only content (issue 13, gap 3).

The guard decides an ``UpdateResource`` on ``GetResource``'s properties with the ``PatchDocument`` applied. A
property the resource schema lists in ``writeOnlyProperties`` is never returned by a read, so a patch that leaves
it out is decided without it, while the resource keeps its value: a state machine's definition, a space's
``SpaceSettings`` (``RemoteAccess``), a pipe's ``TargetParameters`` (the parameters it starts a SageMaker pipeline
with), a conformance pack's template. Such an update is now cannot be verified, the fix naming the patch that
gives the property whole; one that gives it whole is decided on it.

Oracles: the CloudFormation resource schemas (cfn-lint's provider schemas: ``writeOnlyProperties``), botocore's
``cloudcontrol`` model. moto has no Cloud Control API: Stubber answers the client (at ``before-call``, after the
guard decided); ``update_resource`` is stubbed only where the request is expected to be sent, so a refusal is
the guard's ``GuardrailViolation`` raised before the stub is reached.
"""

from __future__ import annotations

import json

import pytest
from botocore.stub import Stubber

import safemaker
from safemaker.errors import GuardrailViolation
from safemaker.iac.service_calls import KEPT_WRITE_ONLY, NOT_CONSULTED_WRITE_ONLY, reads_type

from _profiles import ACCOUNT, ROLE

PIPELINE = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:pipeline/p"
OPEN_NB_MACHINE = {"StartAt": "N", "States": {"N": {
    "Type": "Task", "End": True, "Resource": "arn:aws:states:::aws-sdk:sagemaker:createNotebookInstance",
    "Parameters": {"NotebookInstanceName": "nb", "InstanceType": "ml.t3.medium", "RoleArn": ROLE,
                   "DirectInternetAccess": "Enabled"}}}}
PASS_MACHINE = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}


def _schemas():
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    return PROVIDER_SCHEMA_MANAGER


def _write_only(type_name):
    schema = _schemas().get_resource_schema("us-east-1", type_name).schema
    return {p.removeprefix("/properties/") for p in schema.get("writeOnlyProperties", ())}


def test_every_write_only_property_of_a_read_type_is_classified():
    """Each ``writeOnlyProperties`` pointer of every type the guard reads is either content the decision needs
    (:data:`KEPT_WRITE_ONLY`) or one whose absence decides nothing new (:data:`NOT_CONSULTED_WRITE_ONLY`)."""
    types = [t for t in _schemas().get_resource_types("us-east-1") if reads_type(t)]
    assert "AWS::SageMaker::Space" in types and "AWS::Pipes::Pipe" in types
    found = {t: _write_only(t) for t in types if _write_only(t)}
    classified = {t: (set(KEPT_WRITE_ONLY.get(t, ())) & found.get(t, set())) | set(NOT_CONSULTED_WRITE_ONLY.get(t, ()))
                  for t in set(found) | set(NOT_CONSULTED_WRITE_ONLY) | set(KEPT_WRITE_ONLY)}
    assert {t: v for t, v in classified.items() if v} == found
    for t, props in KEPT_WRITE_ONLY.items():   # each group holds a write-only property (else it is not needed)
        assert set(props) & _write_only(t), t


def _update(safemaker_session, profile, type_name, readable, patch, sent):
    ident = {"TypeName": type_name, "Identifier": "x"}
    current = {"TypeName": type_name,
               "ResourceDescription": {"Identifier": "x", "Properties": json.dumps(readable)}}
    safemaker.install_process(profile)
    cc = safemaker_session.client("cloudcontrol")
    with Stubber(cc) as stub:
        stub.add_response("get_resource", current, ident)
        if sent:
            stub.add_response("update_resource", {"ProgressEvent": {"TypeName": type_name, "Operation": "UPDATE",
                                                                    "OperationStatus": "IN_PROGRESS",
                                                                    "RequestToken": "t"}},
                              {**ident, "PatchDocument": json.dumps(patch)})
            cc.update_resource(**ident, PatchDocument=json.dumps(patch))
            stub.assert_no_pending_responses()
            return None
        with pytest.raises(GuardrailViolation) as exc:
            cc.update_resource(**ident, PatchDocument=json.dumps(patch))
        return exc.value.violations


SPACE = {"DomainId": "d-1", "SpaceName": "s", "SpaceDisplayName": "s"}
PIPE = {"Name": "p", "RoleArn": ROLE, "Source": f"arn:aws:sqs:us-east-1:{ACCOUNT}:q", "DesiredState": "RUNNING"}
PACK = {"ConformancePackName": "c", "ConformancePackInputParameters": [
    {"ParameterName": "Direct", "ParameterValue": "Enabled"}]}


@pytest.mark.parametrize("type_name, readable, patch", [
    ("AWS::SageMaker::Space", SPACE, [{"op": "replace", "path": "/SpaceDisplayName", "value": "t"}]),
    ("AWS::StepFunctions::StateMachine", {"StateMachineName": "m", "RoleArn": ROLE},
     [{"op": "replace", "path": "/RoleArn", "value": ROLE}]),
    ("AWS::Pipes::Pipe", {**PIPE, "Target": PIPELINE}, [{"op": "add", "path": "/Description", "value": "d"}]),
    ("AWS::Config::ConformancePack", PACK, [{"op": "replace", "path": "/ConformancePackInputParameters/0/"
                                                                       "ParameterValue", "value": "Disabled"}]),
], ids=["space", "state-machine", "pipe", "conformance-pack"])
def test_an_update_keeping_write_only_content_cannot_be_verified(safemaker_local, safemaker_session, profile,
                                                                 type_name, readable, patch):
    violations = _update(safemaker_session, profile, type_name, readable, patch, sent=False)
    [kept] = [v for v in violations if v.path == "PatchDocument"]   # others: the reader's own (a DomainId named)
    assert kept.rule_id == "SM-REFERENCE" and "write-only" in kept.found
    needed = KEPT_WRITE_ONLY[type_name]
    assert needed[0] in kept.found and f"add of /{needed[0]}" in kept.fix


def test_a_patch_giving_the_write_only_content_whole_is_decided_on_it(safemaker_local, safemaker_session, profile):
    patch = [{"op": "add", "path": "/SpaceSettings", "value": {"RemoteAccess": "ENABLED"}}]
    violations = _update(safemaker_session, profile, "AWS::SageMaker::Space", SPACE, patch, sent=False)
    assert "SpaceSettings.RemoteAccess" in {v.path.rpartition(":")[2].rpartition("Properties.")[2] for v in violations}
    assert not any("write-only" in str(v.found) for v in violations)
    patch = [{"op": "add", "path": "/Definition", "value": OPEN_NB_MACHINE}]
    violations = _update(safemaker_session, profile, "AWS::StepFunctions::StateMachine",
                         {"StateMachineName": "m", "RoleArn": ROLE}, patch, sent=False)
    assert any(v.path.endswith("DirectInternetAccess") for v in violations)


@pytest.mark.parametrize("type_name, readable, patch", [
    # GetResource returns DefinitionString (not write-only): the definition deployed, decided with the patch
    ("AWS::StepFunctions::StateMachine", {"StateMachineName": "m", "RoleArn": ROLE,
                                          "DefinitionString": json.dumps(PASS_MACHINE)},
     [{"op": "replace", "path": "/RoleArn", "value": ROLE}]),
    # a pipe whose target is no SageMaker pipeline: its TargetParameters start nothing the guard decides
    ("AWS::Pipes::Pipe", {**PIPE, "Target": f"arn:aws:sqs:us-east-1:{ACCOUNT}:out"},
     [{"op": "add", "path": "/Description", "value": "d"}]),
], ids=["state-machine-read-back", "pipe-to-sqs"])
def test_an_update_whose_needed_content_is_read_is_decided_and_sent(safemaker_local, safemaker_session, profile,
                                                                    type_name, readable, patch):
    assert _update(safemaker_session, profile, type_name, readable, patch, sent=True) is None
