"""A stack set's template is decided in every stack instance, each with its own ``ParameterOverrides``.

A stack instance deploys the stack set's template with the stack set's parameter values, each parameter it
overrides taking the instance's own value. A template closed under the stack set's ``Parameters`` opens a path in
every instance whose overrides open it (trial 17 F03: ``safemaker check`` exit 0, a guarded ``CreateStack`` and a
Cloud Control ``CreateResource`` sent).

Oracles:

- ``AWS::CloudFormation::StackSet`` resource schema (cfn-lint's, read below): ``StackInstancesGroup`` items are
  ``StackInstances`` whose ``ParameterOverrides`` is "A list of stack set parameters whose values you want to
  override in the selected stack instances" (CloudFormation Template Reference, AWS::CloudFormation::StackSet
  StackInstances);
- CloudFormation API reference, CreateStackInstances ``ParameterOverrides`` (the same sentence, botocore's model
  read below);
- Terraform AWS provider ``r/cloudformation_stack_set_instance`` and ``r/cloudformation_stack_instances``:
  ``parameter_overrides``, a map of parameter name to value, for the stack set named by ``stack_set_name``;
- botocore's SageMaker model: ``DirectInternetAccess`` ``Enabled`` gives the notebook internet access.

Against the local backend (moto on 127.0.0.1, real botocore clients): refused means nothing reached moto.
"""

from __future__ import annotations

import json

import botocore.session
import pytest
from botocore.config import Config

import safemaker
from safemaker.errors import GuardrailViolation

from _profiles import ACCOUNT, ROLE, SG, SUB_A
from test_iac_cli import profile_file, run_json  # noqa: F401  (profile_file: fixture)

NO_RETRY = Config(retries={"total_max_attempts": 1})
CHILD = {"Parameters": {"Dia": {"Type": "String", "Default": "Disabled", "AllowedValues": ["Disabled", "Enabled"]},
                        "Team": {"Type": "String", "Default": "ml"}},
         "Resources": {"Nb": {"Type": "AWS::SageMaker::NotebookInstance", "Properties": {
             "InstanceType": "ml.t3.medium", "RoleArn": ROLE, "SubnetId": SUB_A, "SecurityGroupIds": [SG],
             "RootAccess": "Disabled", "DirectInternetAccess": {"Ref": "Dia"},
             "Tags": [{"Key": "team", "Value": {"Ref": "Team"}}]}}}}
OPEN = [{"ParameterKey": "Dia", "ParameterValue": "Enabled"}]
CLOSED = [{"ParameterKey": "Dia", "ParameterValue": "Disabled"}]
UNRELATED = [{"ParameterKey": "Team", "ParameterValue": "vision"}]


def _stack_set(*overrides, parameters=CLOSED):
    return {"StackSetName": "s", "PermissionModel": "SELF_MANAGED", "TemplateBody": json.dumps(CHILD),
            "Parameters": parameters,
            "StackInstancesGroup": [{"DeploymentTargets": {"Accounts": [ACCOUNT]}, "Regions": ["us-east-1"],
                                     **({"ParameterOverrides": o} if o is not None else {})} for o in overrides]}


def _template(props):
    return {"Resources": {"S": {"Type": "AWS::CloudFormation::StackSet", "Properties": props}}}


def test_oracle_overrides_are_the_instances_values():
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", "AWS::CloudFormation::StackSet").schema
    group = schema["properties"]["StackInstancesGroup"]["items"]["$ref"].rsplit("/", 1)[-1]
    text = schema["definitions"][group]["properties"]["ParameterOverrides"]["description"]
    assert "override" in text and "stack instances" in text
    model = botocore.session.get_session().get_service_model("cloudformation")
    doc = model.operation_model("CreateStackInstances").input_shape.members["ParameterOverrides"].documentation
    assert "override" in doc and "stack instances" in doc


@pytest.mark.parametrize("groups, expected", [
    ((None, OPEN), [("SM-NB-DIRECT-INTERNET", "S/StackInstancesGroup[1]/Nb", "Enabled")]),
    ((OPEN, OPEN), [("SM-NB-DIRECT-INTERNET", "S/StackInstancesGroup[0]/Nb", "Enabled")]),   # reported once
    ((CLOSED,), []),
    ((UNRELATED,), []),          # another parameter: the notebook stays closed
    ((UNRELATED + OPEN,), [("SM-NB-DIRECT-INTERNET", "S/StackInstancesGroup[0]/Nb", "Enabled")]),
])
def test_check_decides_each_instance_group_under_its_overrides(profile_file, tmp_path, groups, expected):
    f = tmp_path / "t.json"
    f.write_text(json.dumps(_template(_stack_set(*groups))))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == (3 if expected else 0), r.stdout
    assert sorted((x["rule_id"], x["logical_id"], x["found"]) for x in rows if x["status"] == "FAIL") == expected
    assert not [x for x in rows if x["status"] == "UNKNOWN"]


def test_check_an_override_known_only_at_deployment_cannot_be_verified(profile_file, tmp_path):
    """A group's overrides chosen at deployment (``Fn::If`` on the account, a pseudo parameter the profile does not
    fix): which parameters it sets is not in the source; a value read from a resource of the same template
    (``Fn::GetAtt``): the value is not. (A parameter of the parent without a value is one of the template's
    choices, decided under each value it may take: ``safemaker.iac._choices``.)"""
    props = _stack_set(None)
    props["StackInstancesGroup"][0]["ParameterOverrides"] = {"Fn::If": ["Mine", OPEN, CLOSED]}
    whole = {"Conditions": {"Mine": {"Fn::Equals": [{"Ref": "AWS::AccountId"}, ACCOUNT]}}, **_template(props)}
    value = _template(_stack_set([{"ParameterKey": "Dia", "ParameterValue": {"Fn::GetAtt": ["P", "Value"]}}]))
    value["Resources"]["P"] = {"Type": "AWS::SSM::Parameter", "Properties": {"Type": "String", "Value": "Enabled"}}
    for body in (whole, value):
        f = tmp_path / "t.json"
        f.write_text(json.dumps(body))
        r, rows = run_json(profile_file, str(f))
        assert r.exit_code == 3, r.stdout
        assert [(x["status"], x["logical_id"], x["path"]) for x in rows if x["status"] != "PASS"] == [
            ("UNKNOWN", "S/StackInstancesGroup[0]/Nb", "DirectInternetAccess")]


def _plan(tmp_path, *changes):
    f = tmp_path / "plan.json"
    f.write_text(json.dumps({"format_version": "1.2", "resource_changes": [
        {"address": a, "mode": "managed", "type": a.split(".")[0], "name": a.split(".")[1],
         "change": {"actions": ["create"], "after": after, "after_unknown": unknown}}
        for a, after, unknown in changes]}))
    return str(f)


SET = ("aws_cloudformation_stack_set.s", {"name": "s", "permission_model": "SELF_MANAGED",
                                          "template_body": json.dumps(CHILD), "parameters": {"Dia": "Disabled"}}, {})


@pytest.mark.parametrize("instance, expected", [
    (("aws_cloudformation_stack_set_instance.i", {"stack_set_name": "s", "parameter_overrides": {"Dia": "Enabled"}},
      {}), [("FAIL", "aws_cloudformation_stack_set.s/aws_cloudformation_stack_set_instance.i/Nb", "Enabled")]),
    (("aws_cloudformation_stack_instances.i", {"stack_set_name": "s", "accounts": [ACCOUNT], "regions": ["us-east-1"],
                                               "parameter_overrides": {"Dia": "Enabled"}}, {}),
     [("FAIL", "aws_cloudformation_stack_set.s/aws_cloudformation_stack_instances.i/Nb", "Enabled")]),
    # stack_set_name known after apply: the overrides count for every stack set of the plan
    (("aws_cloudformation_stack_set_instance.i", {"parameter_overrides": {"Dia": "Enabled"}},
      {"stack_set_name": True}),
     [("FAIL", "aws_cloudformation_stack_set.s/aws_cloudformation_stack_set_instance.i/Nb", "Enabled")]),
    (("aws_cloudformation_stack_set_instance.i", {"stack_set_name": "s"}, {"parameter_overrides": True}),
     [("UNKNOWN", "aws_cloudformation_stack_set.s/aws_cloudformation_stack_set_instance.i/Nb", None)]),
    (("aws_cloudformation_stack_set_instance.i", {"stack_set_name": "s", "parameter_overrides": {}},
      {"parameter_overrides": {"Dia": True}}),
     [("UNKNOWN", "aws_cloudformation_stack_set.s/aws_cloudformation_stack_set_instance.i/Nb", None)]),
    (("aws_cloudformation_stack_set_instance.i", {"stack_set_name": "s", "parameter_overrides": {"Dia": "Disabled"}},
      {}), []),
    (("aws_cloudformation_stack_set_instance.i", {"stack_set_name": "s", "parameter_overrides": {"Team": "cv"}},
      {}), []),
    (("aws_cloudformation_stack_set_instance.i", {"stack_set_name": "other", "parameter_overrides": {"Dia": "Enabled"}},
      {}), []),   # another stack set's instance
])
def test_check_decides_a_terraform_stack_set_under_its_instances_overrides(profile_file, tmp_path, instance,
                                                                           expected):
    r, rows = run_json(profile_file, _plan(tmp_path, SET, instance))
    assert r.exit_code == (3 if expected else 0), r.stdout
    assert sorted((x["status"], x["logical_id"], x["found"] if x["status"] == "FAIL" else None)
                  for x in rows if x["status"] != "PASS") == expected


def test_check_a_terraform_stack_parameter_known_after_apply_cannot_be_verified(profile_file, tmp_path):
    """``parameters`` marked unknown in ``after_unknown`` is not the template's ``Default`` (Terraform JSON output
    format: unknown values are left out of ``after``)."""
    stack = ("aws_cloudformation_stack.st", {"name": "st", "template_body": json.dumps(CHILD), "parameters": {}},
             {"parameters": {"Dia": True}})
    r, rows = run_json(profile_file, _plan(tmp_path, stack))
    assert r.exit_code == 3, r.stdout
    assert [(x["status"], x["logical_id"], x["path"]) for x in rows if x["status"] != "PASS"] == [
        ("UNKNOWN", "aws_cloudformation_stack.st/Nb", "DirectInternetAccess")]


@pytest.mark.parametrize("overrides, sent", [(OPEN, False), (CLOSED, True), (UNRELATED, True)])
def test_a_guarded_create_stack_of_the_stack_set(safemaker_local, safemaker_session, profile, overrides, sent):
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation", config=NO_RETRY)
    body = json.dumps(_template(_stack_set(overrides)))
    if sent:
        cfn.create_stack(StackName="st", TemplateBody=body)
        assert safemaker_local.request_count("cloudformation", "CreateStack") == 1
        return
    with pytest.raises(GuardrailViolation) as exc:
        cfn.create_stack(StackName="st", TemplateBody=body)
    assert [(v.path, v.found) for v in exc.value.violations] == [
        ("TemplateBody:S/StackInstancesGroup[0]/Nb.DirectInternetAccess", "Enabled")]
    assert safemaker_local.request_count("cloudformation") == 0


@pytest.mark.parametrize("overrides, sent", [(OPEN, False), (CLOSED, True), (UNRELATED, True)])
def test_a_guarded_cloud_control_create_resource_of_the_stack_set(safemaker_local, safemaker_session, profile,
                                                                  overrides, sent):
    safemaker.install_process(profile)
    cc = safemaker_session.client("cloudcontrol", config=NO_RETRY)
    state = json.dumps(_stack_set(overrides))
    before = safemaker_local.request_count()
    if sent:
        # moto has no Cloud Control backend: the server answers 500, after the request left the process
        with pytest.raises(cc.exceptions.ClientError):
            cc.create_resource(TypeName="AWS::CloudFormation::StackSet", DesiredState=state)
        assert safemaker_local.request_count() == before + 1
        return
    with pytest.raises(GuardrailViolation) as exc:
        cc.create_resource(TypeName="AWS::CloudFormation::StackSet", DesiredState=state)
    assert [(v.found, v.rule_id) for v in exc.value.violations] == [("Enabled", "SM-NB-DIRECT-INTERNET")]
    assert safemaker_local.request_count() == before


# --------------------------------------------------------------------------- UpdateStackSet (trial 17 F05)
#
# CloudFormation API reference, UpdateStackInstances: "During stack set updates, any parameters overridden for a
# stack instance aren't updated, but retain their overridden value" (ParameterOverrides: "During StackSet updates,
# any parameter values overridden for a stack instance aren't updated, but retain their overridden value");
# UpdateStackSet updates the stack set's instances with the new template. ListStackInstances gives each instance's
# Account and Region, DescribeStackInstance its ParameterOverrides (botocore's model, read below).

T0 = {"Parameters": {"Dia": {"Type": "String", "Default": "Disabled"}, "Team": {"Type": "String", "Default": "ml"}},
      "Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "q"}}}}
UPDATE = {"StackSetName": "ss", "TemplateBody": json.dumps(CHILD), "Parameters": CLOSED}
SHOWN = f"TemplateBody:StackInstance[{ACCOUNT}/us-east-1]/Nb.DirectInternetAccess"


def test_oracle_instances_keep_their_overrides_and_can_be_read():
    model = botocore.session.get_session().get_service_model("cloudformation")
    doc = model.operation_model("UpdateStackInstances").input_shape.members["ParameterOverrides"].documentation
    assert "retain their overridden value" in doc
    summary = model.operation_model("ListStackInstances").output_shape.members["Summaries"].member
    assert {"Account", "Region"} <= set(summary.members)
    described = model.operation_model("DescribeStackInstance").output_shape.members["StackInstance"]
    assert "ParameterOverrides" in described.members
    assert botocore.session.get_session().create_client(
        "cloudformation", region_name="us-east-1").can_paginate("list_stack_instances")


def _existing(session, *overrides):
    """The stack set ``ss`` (template T0: a queue; ``Dia``, ``Team`` unused) with one instance per item of
    ``overrides`` (its ParameterOverrides; ``None``: none), made before the guard, as elsewhere."""
    cfn = session.client("cloudformation")
    cfn.create_stack_set(StackSetName="ss", TemplateBody=json.dumps(T0), Parameters=CLOSED)
    regions = ["us-east-1", "us-west-2", "eu-west-1"]
    for region, o in zip(regions, overrides):
        cfn.create_stack_instances(StackSetName="ss", Accounts=[ACCOUNT], Regions=[region],
                                   **({"ParameterOverrides": o} if o is not None else {}))
    return cfn


@pytest.mark.parametrize("extra", [{}, {"Accounts": [ACCOUNT], "Regions": ["us-west-2"]}])
def test_update_stack_set_is_decided_under_each_instances_overrides(safemaker_local, safemaker_session, profile,
                                                                    extra):
    """Refused when an existing instance's override opens the template, also when the request updates other
    instances only (``Accounts`` / ``Regions``): every instance is decided (the others get the template later)."""
    _existing(safemaker_session, OPEN, None)
    assert safemaker_session.client("cloudformation").describe_stack_instance(
        StackSetName="ss", StackInstanceAccount=ACCOUNT, StackInstanceRegion="us-east-1",
    )["StackInstance"]["ParameterOverrides"] == OPEN
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation", config=NO_RETRY)
    with pytest.raises(GuardrailViolation) as exc:
        cfn.update_stack_set(**UPDATE, **extra)
    assert [(v.path, v.found, v.rule_id) for v in exc.value.violations] == [
        (SHOWN, "Enabled", "SM-NB-DIRECT-INTERNET")]
    assert safemaker_local.request_count("cloudformation", "UpdateStackSet") == 0
    assert safemaker_local.request_count("cloudformation", "ListStackInstances") == 1
    assert safemaker_local.request_count("cloudformation", "DescribeStackInstance") == 2 + 1   # the guard's + ours


@pytest.mark.parametrize("overrides", [[CLOSED], [UNRELATED], [None], [], [CLOSED, UNRELATED, None]])
def test_update_stack_set_whose_instances_keep_it_closed_is_sent(safemaker_local, safemaker_session, profile,
                                                                 overrides):
    _existing(safemaker_session, *overrides)
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation", config=NO_RETRY)
    cfn.update_stack_set(**UPDATE)
    assert safemaker_local.request_count("cloudformation", "UpdateStackSet") == 1


def test_a_template_without_parameters_reads_no_instance(safemaker_local, safemaker_session, profile):
    _existing(safemaker_session, OPEN)
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation", config=NO_RETRY)
    closed = {"Resources": {"Nb": {**CHILD["Resources"]["Nb"], "Properties": {
        **CHILD["Resources"]["Nb"]["Properties"], "DirectInternetAccess": "Disabled", "Tags": []}}}}
    cfn.update_stack_set(StackSetName="ss", TemplateBody=json.dumps(closed))
    assert safemaker_local.request_count("cloudformation", "UpdateStackSet") == 1
    assert safemaker_local.request_count("cloudformation", "ListStackInstances") == 0


def test_a_stack_set_that_does_not_exist_has_no_instances(safemaker_local, safemaker_session, profile):
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation", config=NO_RETRY)
    with pytest.raises(cfn.exceptions.ClientError):   # moto: no such stack set (the update itself fails)
        cfn.update_stack_set(**UPDATE)
    assert safemaker_local.request_count("cloudformation", "UpdateStackSet") == 1


def _denied(cfn, operation):
    """``operation`` on ``cfn`` answered AccessDenied before it is sent (moto does not enforce IAM)."""
    from botocore.awsrequest import AWSResponse

    def deny(**kwargs):
        return AWSResponse("https://cloudformation", 403, {}, None), {
            "Error": {"Code": "AccessDenied", "Message": "not authorized"}, "ResponseMetadata": {}}

    cfn.meta.events.register(f"before-call.cloudformation.{operation}", deny)


@pytest.mark.parametrize("operation", ["ListStackInstances", "DescribeStackInstance"])
def test_overrides_that_cannot_be_read_make_what_a_parameter_reaches_unverifiable(
        safemaker_local, safemaker_session, profile, profile_factory, operation):
    _existing(safemaker_session, CLOSED)
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation", config=NO_RETRY)
    _denied(cfn, operation)
    with pytest.raises(GuardrailViolation) as exc:
        cfn.update_stack_set(**UPDATE)
    assert [(v.path, v.rule_id) for v in exc.value.violations] == [
        ("TemplateBody:StackInstances/Nb.DirectInternetAccess", "SM-NB-DIRECT-INTERNET")]
    v = exc.value.violations[0]
    assert "AccessDenied" in v.message()
    assert "cloudformation:ListStackInstances and cloudformation:DescribeStackInstance" in v.fix
    assert "allow_unverified_templates" in v.fix
    assert safemaker_local.request_count("cloudformation", "UpdateStackSet") == 0
    # a template whose parameters reach no guarded field: decided as written, sent
    tagged = {**CHILD, "Resources": {"Nb": {**CHILD["Resources"]["Nb"], "Properties": {
        **CHILD["Resources"]["Nb"]["Properties"], "DirectInternetAccess": "Disabled"}}}}
    cfn.update_stack_set(StackSetName="ss", TemplateBody=json.dumps(tagged), Parameters=CLOSED)
    assert safemaker_local.request_count("cloudformation", "UpdateStackSet") == 1


def test_the_relaxation_lets_unread_overrides_through(safemaker_local, safemaker_session, profile_factory):
    _existing(safemaker_session, CLOSED)
    safemaker.install_process(profile_factory(allow_unverified_templates=True))
    cfn = safemaker_session.client("cloudformation", config=NO_RETRY)
    _denied(cfn, "ListStackInstances")
    cfn.update_stack_set(**UPDATE)
    assert safemaker_local.request_count("cloudformation", "UpdateStackSet") == 1


def test_a_masked_override_is_unknown(safemaker_local, safemaker_session, profile):
    """A value shown as ``****`` (how CloudFormation shows a ``NoEcho`` parameter's value) is not the value."""
    _existing(safemaker_session, [{"ParameterKey": "Dia", "ParameterValue": "****"}])
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation", config=NO_RETRY)
    with pytest.raises(GuardrailViolation) as exc:
        cfn.update_stack_set(**UPDATE)
    assert [v.path for v in exc.value.violations] == [SHOWN]
    assert "a NoEcho override CloudFormation shows masked" in str(exc.value.violations[0].found)


def test_update_stack_set_with_the_previous_template_is_refused_without_reads(safemaker_local, safemaker_session,
                                                                              profile):
    """``UsePreviousTemplate`` with new ``Parameters``: the stack set's template is not in the request (cannot be
    verified, as before), and its instances are not read for it."""
    _existing(safemaker_session, OPEN)
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation", config=NO_RETRY)
    with pytest.raises(GuardrailViolation) as exc:
        cfn.update_stack_set(StackSetName="ss", UsePreviousTemplate=True, Parameters=CLOSED)
    assert [(v.path, v.rule_id) for v in exc.value.violations] == [("UsePreviousTemplate", "SM-REFERENCE")]
    assert safemaker_local.request_count("cloudformation", "UpdateStackSet") == 0
    assert safemaker_local.request_count("cloudformation", "ListStackInstances") == 0


def test_an_update_stack_set_call_in_a_state_machine_cannot_tell_the_instances(profile_file, tmp_path):
    """A Step Functions ``aws-sdk:cloudformation:updateStackSet`` task runs later, on the instances then: their
    overrides are not in the source, so what a parameter reaches cannot be verified; a ``createStackSet`` has no
    instance yet (control)."""
    def machine(action):
        return {"Type": "AWS::StepFunctions::StateMachine", "Properties": {"RoleArn": ROLE, "Definition": {
            "StartAt": "U", "States": {"U": {"Type": "Task", "End": True,
                                             "Resource": f"arn:aws:states:::aws-sdk:cloudformation:{action}",
                                             "Parameters": UPDATE}}}}}
    f = tmp_path / "t.json"
    f.write_text(json.dumps({"Resources": {"Update": machine("updateStackSet"), "Create": machine("createStackSet")}}))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3, r.stdout
    bad = [(x["status"], x["logical_id"], x["path"]) for x in rows if x["status"] != "PASS"]
    assert len(bad) == 1 and bad[0][0] == "UNKNOWN" and bad[0][2] == "DirectInternetAccess"
    assert bad[0][1].startswith("Update/") and bad[0][1].endswith("/StackInstances/Nb")


def test_cloud_control_update_of_a_stack_set_with_parameters_cannot_be_verified(safemaker_local, safemaker_session,
                                                                                profile):
    """Cloud Control ``UpdateResource`` of an ``AWS::CloudFormation::StackSet`` is decided on ``GetResource``'s
    properties with the patch applied, but ``StackInstancesGroup`` is write-only (resource schema
    ``writeOnlyProperties``: a read never returns it) and the existing instances keep their ``ParameterOverrides``
    through the update (``UpdateStackInstances``): a new template that declares parameters cannot be verified
    (trial 17b F03), one without parameters is decided as it is. moto has no Cloud Control API: Stubber (it answers
    at ``before-call``, after the guard decided)."""
    from botocore.stub import Stubber
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", "AWS::CloudFormation::StackSet").schema
    assert "/properties/StackInstancesGroup" in schema["writeOnlyProperties"]   # the oracle of the premise
    readable = {"StackSetName": "s", "PermissionModel": "SELF_MANAGED", "Parameters": CLOSED,
                "TemplateBody": json.dumps({"Resources": {"T": {"Type": "AWS::SNS::Topic"}}})}
    ident = {"TypeName": "AWS::CloudFormation::StackSet", "Identifier": "s"}
    current = {"ResourceDescription": {"Identifier": "s", "Properties": json.dumps(readable)}}
    with_parameters = json.dumps([{"op": "replace", "path": "/TemplateBody", "value": json.dumps(CHILD)}])
    plain = {"Resources": {"Nb": {"Type": "AWS::SageMaker::NotebookInstance",
                                  "Properties": {**CHILD["Resources"]["Nb"]["Properties"], "DirectInternetAccess":
                                                 "Disabled", "Tags": []}}}}
    without = json.dumps([{"op": "replace", "path": "/TemplateBody", "value": json.dumps(plain)}])
    safemaker.install_process(profile)
    cc = safemaker_session.client("cloudcontrol")
    progress = {"ProgressEvent": {"TypeName": ident["TypeName"], "Operation": "UPDATE",
                                  "OperationStatus": "IN_PROGRESS", "RequestToken": "t-1"}}
    with Stubber(cc) as stub:
        stub.add_response("get_resource", current, ident)
        with pytest.raises(GuardrailViolation) as exc:
            cc.update_resource(**ident, PatchDocument=with_parameters)
        assert [(v.rule_id, v.path, v.found) for v in exc.value.violations] == [
            ("SM-REFERENCE", "PatchDocument", "StackInstancesGroup (write-only)")]
        assert "UpdateStackSet" in exc.value.violations[0].fix
        stub.add_response("get_resource", current, ident)
        stub.add_response("update_resource", progress, {**ident, "PatchDocument": without})
        cc.update_resource(**ident, PatchDocument=without)
        stub.assert_no_pending_responses()


def test_cloud_control_update_of_a_stack_set_parses_its_template_once(safemaker_local, safemaker_session, profile,
                                                                      monkeypatch):
    """The template whose declared parameters make the update cannot be verified is the one the stack set's reader
    parsed (``cloudformation.stack_set_templates``): its text is decoded once per decision, and the decision is
    the one above."""
    from botocore.stub import Stubber

    from safemaker.iac import _document, service_calls

    body = json.dumps(CHILD)
    decoded: list[str] = []
    parse = _document.parse_text

    def counting(text, file):
        if text == body:
            decoded.append(file)
        return parse(text, file)

    monkeypatch.setattr(_document, "parse_text", counting)
    monkeypatch.setattr(service_calls, "parse_text", counting)
    readable = {"StackSetName": "s", "PermissionModel": "SELF_MANAGED", "Parameters": CLOSED, "TemplateBody": body}
    ident = {"TypeName": "AWS::CloudFormation::StackSet", "Identifier": "s"}
    current = {"ResourceDescription": {"Identifier": "s", "Properties": json.dumps(readable)}}
    safemaker.install_process(profile)
    cc = safemaker_session.client("cloudcontrol")
    with Stubber(cc) as stub:
        stub.add_response("get_resource", current, ident)
        with pytest.raises(GuardrailViolation) as exc:
            cc.update_resource(**ident, PatchDocument=json.dumps([{"op": "add", "path": "/Description",
                                                                   "value": "d"}]))
    assert [(v.path, v.found) for v in exc.value.violations] == [("PatchDocument", "StackInstancesGroup (write-only)")]
    assert len(decoded) == 1, decoded
