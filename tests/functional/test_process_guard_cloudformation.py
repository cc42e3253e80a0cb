"""CloudFormation requests that carry a template are decided like the SageMaker requests they cause.

A guarded process (``install_process``, a session guard, a guard on a
CloudFormation client) sends ``CreateStack`` / ``UpdateStack`` /
``CreateChangeSet`` / ``CreateStackSet`` / ``UpdateStackSet`` only when the
template's SageMaker resources pass the guard (trial 6 F10: an open notebook
instance created through ``create_stack`` while the direct
``CreateNotebookInstance`` was refused). Against the local backend (moto on
127.0.0.1, which creates the notebook instance of a stack) over real HTTP.

Oracles: botocore's CloudFormation model (which operations take a template:
the members ``TemplateBody`` / ``TemplateURL`` anywhere in their input), the
CloudFormation API reference (``Parameters``: ``ParameterKey``,
``ParameterValue``, ``UsePreviousValue``; a parameter not given takes its
``Default``), the SageMaker API reference (a notebook instance without
``DirectInternetAccess`` has it ``Enabled``).
"""

from __future__ import annotations

import json

import botocore.exceptions
import botocore.session
import pytest
from botocore.exceptions import ClientError

import safemaker
from safemaker import hooks
from safemaker.errors import GuardrailViolation
from safemaker.iac import stack_calls

from _profiles import ROLE, SG, SUB_A
from test_iac_cli import profile_file  # noqa: F401  (fixture)

_CFN = botocore.session.get_session().get_service_model("cloudformation")


def _template_members(shape, seen=()):
    """Paths of every TemplateBody / TemplateURL member below ``shape`` (botocore's model)."""
    out = []
    if shape.type_name == "structure":
        for name, member in shape.members.items():
            if name in ("TemplateBody", "TemplateURL"):
                out.append(name)
            if member.name not in seen:
                out += [f"{name}.{p}" for p in _template_members(member, seen + (member.name,))]
    elif shape.type_name == "list":
        out += [f"[].{p}" for p in _template_members(shape.member, seen)]
    return out


TEMPLATE_OPERATIONS_OF_THE_MODEL = {
    op for op in _CFN.operation_names
    if _CFN.operation_model(op).input_shape is not None and _template_members(_CFN.operation_model(op).input_shape)}


def notebook(**props):
    base = {"InstanceType": "ml.t3.medium", "RoleArn": ROLE}
    base.update(props)
    return {"Type": "AWS::SageMaker::NotebookInstance", "Properties": base}


CLOSED = {"SubnetId": SUB_A, "SecurityGroupIds": [SG], "DirectInternetAccess": "Disabled", "RootAccess": "Disabled"}
OPEN_TEMPLATE = {"Resources": {"Nb": notebook(DirectInternetAccess="Enabled", RootAccess="Enabled")}}
CLOSED_TEMPLATE = {"Resources": {"Nb": notebook(**CLOSED)}}


def _notebooks(session):
    sm = session.client("sagemaker")
    return [sm.describe_notebook_instance(NotebookInstanceName=n["NotebookInstanceName"])
            for n in sm.list_notebook_instances()["NotebookInstances"]]


def test_every_operation_of_the_model_that_takes_a_template_is_classified():
    decided = set(stack_calls.TEMPLATE_OPERATIONS)
    no_resource = set(stack_calls.NO_RESOURCE_OPERATIONS)
    assert decided | no_resource == TEMPLATE_OPERATIONS_OF_THE_MODEL
    assert not decided & no_resource
    assert {"CreateStack", "UpdateStack", "CreateChangeSet", "CreateStackSet", "UpdateStackSet"} <= decided
    assert all(stack_calls.NO_RESOURCE_OPERATIONS[op] for op in no_resource)


def test_create_stack_of_an_open_notebook_is_refused_and_nothing_sent(safemaker_local, safemaker_session, profile):
    g = safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation")
    with pytest.raises(GuardrailViolation) as exc:
        cfn.create_stack(StackName="nb", TemplateBody=json.dumps(OPEN_TEMPLATE))
    assert exc.value.operation == "CreateStack"
    by_path = {v.path: (v.found, v.rule_id) for v in exc.value.violations}
    # written values and absent ones (SubnetId absent: no VPC, the AWS default)
    assert by_path["TemplateBody:Nb.DirectInternetAccess"] == ("Enabled", "SM-NB-DIRECT-INTERNET")
    assert by_path["TemplateBody:Nb.RootAccess"][0] == "Enabled"
    assert "TemplateBody:Nb.SubnetId" in by_path
    assert safemaker_local.request_count("cloudformation") == 0
    with pytest.raises(ClientError):
        cfn.describe_stacks(StackName="nb")
    assert _notebooks(safemaker_session) == []
    assert [(d.operation, d.outcome) for d in g.decisions] == [("CreateStack", "refused")]


def test_a_closed_template_is_created(safemaker_local, safemaker_session, profile):
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation")
    cfn.create_stack(StackName="nb", TemplateBody=json.dumps(CLOSED_TEMPLATE))
    assert cfn.describe_stacks(StackName="nb")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    assert len(_notebooks(safemaker_session)) == 1  # (moto's stack notebook keeps only type and role)
    assert safemaker_local.request_count("cloudformation", "CreateStack") == 1


def test_a_template_without_sagemaker_resources_passes(safemaker_local, safemaker_session, profile):
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation")
    body = {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "b-1"}}}}
    cfn.create_stack(StackName="s3", TemplateBody=json.dumps(body))
    assert safemaker_local.request_count("cloudformation", "CreateStack") == 1


def test_the_request_parameters_decide_over_the_default(safemaker_local, safemaker_session, profile):
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation")
    body = {"Parameters": {"Access": {"Type": "String", "Default": "Disabled",
                                      "AllowedValues": ["Disabled", "Enabled"]}},
            "Resources": {"Nb": notebook(**{**CLOSED, "DirectInternetAccess": {"Ref": "Access"}})}}
    with pytest.raises(GuardrailViolation) as exc:
        cfn.create_stack(StackName="p", TemplateBody=json.dumps(body),
                         Parameters=[{"ParameterKey": "Access", "ParameterValue": "Enabled"}])
    assert [(v.path, v.found) for v in exc.value.violations] == [("TemplateBody:Nb.DirectInternetAccess", "Enabled")]
    assert safemaker_local.request_count("cloudformation") == 0
    # not given: CloudFormation takes the Default (Disabled), and the stack is created
    cfn.create_stack(StackName="p", TemplateBody=json.dumps(body))
    assert safemaker_local.request_count("cloudformation", "CreateStack") == 1
    assert cfn.describe_stacks(StackName="p")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"


@pytest.mark.parametrize("operation, extra", [
    ("UpdateStack", {"StackName": "s"}),
    ("CreateChangeSet", {"StackName": "s", "ChangeSetName": "c"}),
    ("CreateStackSet", {"StackSetName": "ss"}),
    ("UpdateStackSet", {"StackSetName": "ss"}),
])
def test_every_operation_that_deploys_a_template_is_decided(safemaker_local, safemaker_session, profile,
                                                            operation, extra):
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation")
    with pytest.raises(GuardrailViolation) as exc:
        getattr(cfn, botocore.xform_name(operation))(TemplateBody=json.dumps(OPEN_TEMPLATE), **extra)
    assert exc.value.operation == operation
    assert "TemplateBody:Nb.DirectInternetAccess" in [v.path for v in exc.value.violations]
    assert safemaker_local.request_count("cloudformation") == 0


def test_a_session_guard_decides_its_cloudformation_clients(safemaker_local, safemaker_session, profile):
    hooks.install(safemaker_session, profile)
    cfn = safemaker_session.client("cloudformation")
    with pytest.raises(GuardrailViolation):
        cfn.create_stack(StackName="nb", TemplateBody=json.dumps(OPEN_TEMPLATE))
    assert safemaker_local.request_count("cloudformation") == 0


def test_a_guard_installed_on_a_cloudformation_client(safemaker_local, safemaker_session, profile):
    cfn = safemaker_session.client("cloudformation")
    g = hooks.install(cfn, profile)
    assert hooks.installed(cfn) is g
    with pytest.raises(GuardrailViolation):
        cfn.create_stack(StackName="nb", TemplateBody=json.dumps(OPEN_TEMPLATE))
    assert safemaker_local.request_count("cloudformation") == 0
    assert hooks.uninstall(cfn) is True
    cfn.create_stack(StackName="nb", TemplateBody=json.dumps(OPEN_TEMPLATE))  # unguarded again: sent
    assert safemaker_local.request_count("cloudformation", "CreateStack") == 1


def test_warn_mode_records_and_sends(safemaker_local, safemaker_session, profile):
    g = safemaker.install_process(profile, mode="warn")
    cfn = safemaker_session.client("cloudformation")
    cfn.create_stack(StackName="nb", TemplateBody=json.dumps(OPEN_TEMPLATE))
    assert safemaker_local.request_count("cloudformation", "CreateStack") == 1
    assert [(d.operation, d.outcome) for d in g.decisions] == [("CreateStack", "warned")]


def test_a_template_in_s3_is_refused_naming_the_setting_that_allows_it(safemaker_local, safemaker_session, profile,
                                                                         profile_factory):
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation")
    url = "https://my-bucket.s3.us-east-1.amazonaws.com/nb.yaml"
    with pytest.raises(GuardrailViolation) as exc:
        cfn.create_stack(StackName="nb", TemplateURL=url)
    (v,) = exc.value.violations
    assert (v.path, v.found, v.rule_id) == ("TemplateURL", url, "SM-REFERENCE")
    assert "allow_unverified_templates" in v.fix
    assert safemaker_local.request_count("cloudformation") == 0


@pytest.mark.parametrize("operation, params", [
    ("ExecuteChangeSet", {"ChangeSetName": "c", "StackName": "s"}),
    ("UpdateStack", {"StackName": "s", "UsePreviousTemplate": True}),
    ("CreateStackInstances", {"StackSetName": "ss", "Accounts": ["123456789012"], "Regions": ["us-east-1"]}),
])
def test_deploying_a_template_the_request_does_not_carry_is_refused(safemaker_local, safemaker_session, profile,
                                                                     operation, params):
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation")
    with pytest.raises(GuardrailViolation) as exc:
        getattr(cfn, botocore.xform_name(operation))(**params)
    (v,) = exc.value.violations
    assert v.rule_id == "SM-REFERENCE" and "allow_unverified_templates" in v.fix
    assert safemaker_local.request_count("cloudformation", operation) == 0


def test_allow_unverified_templates_lets_a_template_in_s3_through(safemaker_local, safemaker_session,
                                                                  profile_factory):
    safemaker.install_process(profile_factory(allow_unverified_templates=True))
    cfn = safemaker_session.client("cloudformation")
    s3 = safemaker_session.client("s3")
    s3.create_bucket(Bucket="my-bucket")
    s3.put_object(Bucket="my-bucket", Key="nb.json", Body=json.dumps(CLOSED_TEMPLATE).encode())
    cfn.create_stack(StackName="nb", TemplateURL="https://my-bucket.s3.amazonaws.com/nb.json")  # moto reads its S3
    assert safemaker_local.request_count("cloudformation", "CreateStack") == 1
    # a written violation in a body is refused all the same
    with pytest.raises(GuardrailViolation):
        cfn.create_stack(StackName="nb2", TemplateBody=json.dumps(OPEN_TEMPLATE))


def test_a_value_only_deployment_knows_is_refused(safemaker_local, safemaker_session, profile, profile_factory):
    # a subnet created by the same stack: which one SageMaker gets is known at deployment only
    body = {"Resources": {
        "Sub": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": "vpc-0dddddddddddddddd", "CidrBlock": "10.0.0.0/24"}},
        "Nb": notebook(**{**CLOSED, "SubnetId": {"Ref": "Sub"}})}}
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation")
    with pytest.raises(GuardrailViolation) as exc:
        cfn.create_stack(StackName="nb", TemplateBody=json.dumps(body))
    (v,) = exc.value.violations
    assert (v.path, v.rule_id) == ("TemplateBody:Nb.SubnetId", "SM-NET-SUBNET")
    assert "allow_unverified_templates" in v.fix
    assert safemaker_local.request_count("cloudformation") == 0


def test_other_services_are_not_decided(safemaker_local, safemaker_session, profile):
    safemaker.install_process(profile)
    s3 = safemaker_session.client("s3")
    s3.create_bucket(Bucket="my-bucket")
    assert s3.meta.events._emitter._unique_id_handlers.get("safemaker-guard-process") is None


def _sent_bodies(client):
    """The bodies of the requests ``client`` sends (a handler on botocore's before-send event)."""
    bodies = []

    def record(request, **kwargs):
        bodies.append(request.body.decode() if isinstance(request.body, bytes) else str(request.body))

    client.meta.events.register("before-send.cloudformation", record)
    return bodies


def test_a_change_set_created_in_the_process_is_executed_pinned_to_its_id(safemaker_local, safemaker_session,
                                                                          profile):
    # CreateChangeSet is decided; its Id (an ARN, CloudFormation API reference) names that change set only:
    # ExecuteChangeSet of the same stack and name is sent with that ARN (a change set deleted and created
    # again under the name, outside the process, is another ARN).
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation")
    created = cfn.create_change_set(StackName="s", ChangeSetName="c", ChangeSetType="CREATE",
                                    TemplateBody=json.dumps(CLOSED_TEMPLATE))
    bodies = _sent_bodies(cfn)
    cfn.execute_change_set(ChangeSetName="c", StackName="s")
    (body,) = bodies
    from urllib.parse import parse_qs
    assert parse_qs(body)["ChangeSetName"] == [created["Id"]]
    assert safemaker_local.request_count("cloudformation", "ExecuteChangeSet") == 1
    assert cfn.describe_stacks(StackName="s")["Stacks"][0]["StackStatus"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE")


def test_a_change_set_created_outside_the_guard_is_not_executed(safemaker_local, safemaker_session, profile):
    outside = safemaker_session.client("cloudformation")
    outside.create_change_set(StackName="s", ChangeSetName="c", ChangeSetType="CREATE",
                              TemplateBody=json.dumps(OPEN_TEMPLATE))
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation")
    with pytest.raises(GuardrailViolation) as exc:
        cfn.execute_change_set(ChangeSetName="c", StackName="s")
    (v,) = exc.value.violations
    assert (v.path, v.found, v.rule_id) == ("ChangeSetName", "c", "SM-REFERENCE")
    assert safemaker_local.request_count("cloudformation", "ExecuteChangeSet") == 0
    assert _notebooks(safemaker_session) == []


PARAMETERISED = {"Parameters": {"Access": {"Type": "String", "Default": "Disabled",
                                           "AllowedValues": ["Disabled", "Enabled"]},
                                "Size": {"Type": "String", "Default": "ml.t3.medium"}},
                 "Resources": {"Nb": notebook(**{**CLOSED, "DirectInternetAccess": {"Ref": "Access"},
                                                 "InstanceType": {"Ref": "Size"}})}}


def test_use_previous_template_is_decided_with_the_stack_s_template(safemaker_local, safemaker_session, profile):
    # UpdateStack with UsePreviousTemplate deploys the stack's current template (GetTemplate, Original)
    # with the Parameters given; UsePreviousValue keeps a value (DescribeStacks). The guard reads both on
    # the same client, decides, and sends the template it checked as TemplateBody (not re-read later).
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation")
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(PARAMETERISED))
    with pytest.raises(GuardrailViolation) as exc:
        cfn.update_stack(StackName="s", UsePreviousTemplate=True,
                         Parameters=[{"ParameterKey": "Access", "ParameterValue": "Enabled"}])
    assert [(v.path, v.found) for v in exc.value.violations] == [("TemplateBody:Nb.DirectInternetAccess", "Enabled")]
    assert safemaker_local.request_count("cloudformation", "UpdateStack") == 0
    bodies = _sent_bodies(cfn)
    cfn.update_stack(StackName="s", UsePreviousTemplate=True,
                     Parameters=[{"ParameterKey": "Access", "UsePreviousValue": True},
                                 {"ParameterKey": "Size", "ParameterValue": "ml.t3.large"}])
    from urllib.parse import parse_qs
    sent = parse_qs(bodies[-1])
    assert "UsePreviousTemplate" not in sent and json.loads(sent["TemplateBody"][0]) == PARAMETERISED
    assert (sent["Parameters.member.1.ParameterKey"], sent["Parameters.member.1.ParameterValue"]) == (
        ["Access"], ["Disabled"])
    assert safemaker_local.request_count("cloudformation", "UpdateStack") == 1


@pytest.mark.parametrize("made", ["before", "after"])
def test_an_async_cloudformation_client_cannot_deploy_a_template(profile, made):
    # aiobotocore's clients run their own coroutine _make_api_call: the process guard's handler never
    # decides their requests, so the operations that deploy a template are refused (other calls pass).
    import asyncio
    import copy

    from test_hooks_fail_closed import _instantiate, _RecordingAsyncBaseClient

    session = botocore.session.get_session()
    sync = session.create_client("cloudformation", region_name="us-east-1", aws_access_key_id="testing",
                                 aws_secret_access_key="testing", endpoint_url="http://127.0.0.1:9")
    cls = type("CloudFormation", (_RecordingAsyncBaseClient,), {})
    if made == "before":
        client = _instantiate(cls, sync, copy.copy(sync.meta.events))
    _RecordingAsyncBaseClient.reached.clear()
    safemaker.install_process(profile)
    try:
        if made == "after":
            client = _instantiate(cls, sync, copy.copy(sync.meta.events))
        with pytest.raises(hooks.UnguardableClientError):
            asyncio.run(client._make_api_call("CreateStack", {"StackName": "nb",
                                                              "TemplateBody": json.dumps(OPEN_TEMPLATE)}))
        assert _RecordingAsyncBaseClient.reached == []
        assert asyncio.run(client._make_api_call("ListStacks", {})) == {"Called": "ListStacks"}
    finally:
        safemaker.uninstall_process()
    assert asyncio.run(client._make_api_call("CreateStack", {})) == {"Called": "CreateStack"}  # guard off


def test_a_snippet_included_in_a_resource_s_properties_is_refused(safemaker_local, safemaker_session, profile):
    # AWS::Include (template reference, "AWS::Include transform"): usable "anywhere within the CloudFormation
    # template except in the template parameters section or the template version"; the snippet kept in S3 is
    # inserted into the properties at deployment (trial 8 F01: it was sent).
    body = {"Resources": {"Nb": notebook(**CLOSED, **{"Fn::Transform": {
        "Name": "AWS::Include", "Parameters": {"Location": "s3://some-bucket/override.yaml"}}})}}
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation")
    with pytest.raises(GuardrailViolation) as exc:
        cfn.create_stack(StackName="inc", TemplateBody=json.dumps(body), Capabilities=["CAPABILITY_AUTO_EXPAND"])
    (v,) = exc.value.violations
    assert (v.path, v.rule_id) == ("TemplateBody:Nb.Properties.Fn::Transform", "SM-REFERENCE")
    assert "s3://some-bucket/override.yaml" in repr(v.found)
    assert "allow_unverified_templates" in v.fix
    assert safemaker_local.request_count("cloudformation") == 0


# Top-level Transform (template reference, "Transform" and "AWS::Include transform", "Syntax at the top level of
# a template"): a name, a mapping {Name: AWS::Include, Parameters: {Location: ...}}, or a list of either
# (trial 15b F03: the mapping form raised TypeError out of botocore).
_INCLUDE_AT_TOP = {"Name": "AWS::Include", "Parameters": {"Location": "s3://some-bucket/sagemaker-snippet.yaml"}}


@pytest.mark.parametrize("transform, path", [
    (_INCLUDE_AT_TOP, "TemplateBody:Transform.Transform"),
    (["AWS::Serverless-2016-10-31", _INCLUDE_AT_TOP], "TemplateBody:Transform.Transform[1]"),
    ({"Name": "MyCompanyMacro", "Parameters": {"Stage": "prod"}}, "TemplateBody:Transform.Transform"),
])
def test_a_top_level_include_or_macro_in_any_documented_form_is_refused(safemaker_local, safemaker_session, profile,
                                                                         transform, path):
    body = {"Transform": transform, "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation")
    with pytest.raises(GuardrailViolation) as exc:
        cfn.create_stack(StackName="inc", TemplateBody=json.dumps(body), Capabilities=["CAPABILITY_AUTO_EXPAND"])
    (v,) = exc.value.violations
    assert (v.operation, v.path, v.rule_id) == ("CreateStack", path, "SM-REFERENCE")
    assert ("s3://some-bucket/sagemaker-snippet.yaml" if "AWS::Include" in repr(transform)
            else "MyCompanyMacro") in repr(v.found)
    assert safemaker_local.request_count("cloudformation") == 0


def test_a_template_holding_a_module_is_refused(safemaker_local, safemaker_session, profile):
    # CloudFormation modules (User Guide, "...with CloudFormation modules"): a registry extension of type MODULE,
    # named Organization::Service::UseCase::MODULE, whose template fragment CloudFormation inserts at deployment;
    # trial 15b F01: sent. Opaque whatever its name.
    body = {"Resources": {"Nb": notebook(**CLOSED), "Lab": {"Type": "Acme::ML::Notebook::MODULE",
                                                            "Properties": {"Name": "lab"}}}}
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation")
    with pytest.raises(GuardrailViolation) as exc:
        cfn.create_stack(StackName="mod", TemplateBody=json.dumps(body))
    (v,) = exc.value.violations
    assert (v.path, v.rule_id) == ("TemplateBody:Lab.Type", "SM-UNSUPPORTED")
    assert "Acme::ML::Notebook::MODULE" in v.found and "CloudFormation registry" in v.found
    assert "write the module's resources in the template" in v.fix and "allow_unverified_templates" in v.fix
    assert safemaker_local.request_count("cloudformation") == 0


def test_a_state_machine_that_creates_an_open_state_machine_is_refused(safemaker_local, safemaker_session, profile):
    # Step Functions AWS SDK integration sfn:createStateMachine (Step Functions API reference CreateStateMachine:
    # Definition is the Amazon States Language JSON): the inner task creates an open notebook (trial 8 F03).
    inner = {"StartAt": "Nb", "States": {"Nb": {
        "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sagemaker:createNotebookInstance", "End": True,
        "Parameters": {"NotebookInstanceName": "open", "InstanceType": "ml.t3.medium", "RoleArn": ROLE,
                       **CLOSED, "DirectInternetAccess": "Enabled"}}}}
    outer = {"StartAt": "Make", "States": {"Make": {
        "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:createStateMachine", "End": True,
        "Parameters": {"Name": "inner", "RoleArn": ROLE, "Definition": json.dumps(inner)}}}}
    body = {"Resources": {"Flow": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
        "RoleArn": ROLE, "DefinitionString": json.dumps(outer)}}}}
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation")
    with pytest.raises(GuardrailViolation) as exc:
        cfn.create_stack(StackName="flow", TemplateBody=json.dumps(body))
    (v,) = exc.value.violations
    assert (v.path, v.found, v.rule_id) == (
        "TemplateBody:Flow.DefinitionString.States.Make.Parameters.Definition.States.Nb.Parameters"
        ".DirectInternetAccess", "Enabled", "SM-NB-DIRECT-INTERNET")
    assert safemaker_local.request_count("cloudformation") == 0


def test_a_cdk_aws_custom_resource_creating_an_open_notebook_is_refused(safemaker_local, safemaker_session,
                                                                       profile):
    # CDK custom_resources.AwsCustomResource (Custom::AWS): its Lambda function makes the AwsSdkCall written in
    # Create (service, action, parameters) when the stack is created (trial 8 F10: it was sent).
    call = {"service": "SageMaker", "action": "createNotebookInstance", "physicalResourceId": {"id": "open"},
            "parameters": {"NotebookInstanceName": "open", "InstanceType": "ml.t3.medium", "RoleArn": ROLE,
                           **CLOSED, "DirectInternetAccess": "Enabled"}}
    body = {"Resources": {"OpenNb": {"Type": "Custom::AWS", "Properties": {
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:cr", "Create": json.dumps(call)}}}}
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation")
    with pytest.raises(GuardrailViolation) as exc:
        cfn.create_stack(StackName="cr", TemplateBody=json.dumps(body))
    (v,) = exc.value.violations
    assert (v.path, v.found, v.rule_id) == ("TemplateBody:OpenNb.Create.parameters.DirectInternetAccess", "Enabled",
                                            "SM-NB-DIRECT-INTERNET")
    assert safemaker_local.request_count("cloudformation") == 0


def test_an_existing_resource_a_template_names_is_refused_in_the_guard_s_own_words(safemaker_local, safemaker_session,
                                                                                   profile):
    """Trial 8 F11: an endpoint of an existing config is not described before deployment (the stack may run
    later, the config may change): refused as unverifiable. The message asks for a resource the template
    creates (not "a value written in the template", which it is) and names the in-process ways out."""
    body = {"Resources": {"E": {"Type": "AWS::SageMaker::Endpoint", "Properties": {"EndpointConfigName": "cfg"}}}}
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation")
    with pytest.raises(GuardrailViolation) as exc:
        cfn.create_stack(StackName="ep", TemplateBody=json.dumps(body))
    (v,) = exc.value.violations
    assert (v.path, v.rule_id) == ("TemplateBody:E.EndpointConfigName", "SM-REFERENCE")
    assert v.required == "an endpoint config the same template creates (an existing one is not described before deployment)"
    assert "Parameters of the CloudFormation call" in v.fix and "allow_unverified_templates" in v.fix
    assert safemaker_local.request_count("cloudformation") == 0


def test_allow_unverified_templates_lets_a_value_only_deployment_knows_through(safemaker_local, safemaker_session,
                                                                               profile_factory):
    """The relaxation drops every finding that cannot be verified before deployment, whatever its rule and the
    wording of what it requires (here SM-NET-SUBNET: a subnet the same stack creates), and only those."""
    body = {"Resources": {
        "Sub": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": "vpc-0dddddddddddddddd", "CidrBlock": "10.0.0.0/24"}},
        "Nb": notebook(**{**CLOSED, "SubnetId": {"Ref": "Sub"}})}}
    safemaker.install_process(profile_factory(allow_unverified_templates=True))
    cfn = safemaker_session.client("cloudformation")
    with pytest.raises(botocore.exceptions.ClientError, match="InvalidVpcID.NotFound"):
        cfn.create_stack(StackName="nb", TemplateBody=json.dumps(body))   # sent: moto has no such VPC
    assert safemaker_local.request_count("cloudformation", "CreateStack") == 1


@pytest.mark.parametrize("child", [
    pytest.param({"Type": "AWS::CloudFormation::Stack", "Metadata": {"aws:asset:path": "child.nested.template.json"},
                  "Properties": {"TemplateURL": "https://templates.s3.us-east-1.amazonaws.com/open.json"}},
                 id="cdk-asset-metadata"),
    pytest.param({"Type": "AWS::CloudFormation::Stack",
                  "Properties": {"TemplateURL": "child.nested.template.json"}}, id="local-template-url"),
    pytest.param({"Type": "AWS::Serverless::Application",
                  "Properties": {"Location": "child.nested.template.json"}}, id="sam-application-location"),
])
@pytest.mark.parametrize("operation", ["create_stack", "create_change_set"])
def test_a_nested_stack_is_never_decided_on_a_file_of_this_machine(safemaker_local, safemaker_session, profile,
                                                                   tmp_path, monkeypatch, child, operation):
    """Trial 18 F03. CloudFormation Template Reference, AWS::CloudFormation::Stack ``TemplateURL``: "The URL of a
    file that contains the template body ... located in an Amazon S3 bucket"; the ``Metadata`` attribute is data
    for tools, not read to deploy. A closed file of that name in the working directory (a stale cdk.out, a copy)
    said nothing of what CloudFormation deploys, yet the guard decided the nested stack on it and sent the request."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "child.nested.template.json").write_text(json.dumps(CLOSED_TEMPLATE))
    template = {"Resources": {"Child": child}}
    if child["Type"].startswith("AWS::Serverless"):
        template["Transform"] = "AWS::Serverless-2016-10-31"
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation")
    extra = {"ChangeSetName": "c"} if operation == "create_change_set" else {}
    with pytest.raises(GuardrailViolation) as exc:
        getattr(cfn, operation)(StackName="parent", TemplateBody=json.dumps(template), **extra)
    member = "Location" if "Location" in child["Properties"] else "TemplateURL"
    assert [(v.path, v.rule_id) for v in exc.value.violations] == [(f"TemplateBody:Child.{member}", "SM-REFERENCE")]
    assert "not what it deploys" in str(exc.value)
    assert safemaker_local.request_count("cloudformation") == 0


def test_check_still_reads_a_cdk_nested_stack_asset_next_to_the_template(profile_file, tmp_path):
    """``safemaker check`` of a cloud assembly reads the child the CDK wrote next to the parent (docs/iac.md)."""
    from test_iac_cli import run_json

    (tmp_path / "child.nested.template.json").write_text(json.dumps(OPEN_TEMPLATE))
    parent = tmp_path / "parent.template.json"
    parent.write_text(json.dumps({"Resources": {"Child": {
        "Type": "AWS::CloudFormation::Stack", "Metadata": {"aws:asset:path": "child.nested.template.json"},
        "Properties": {"TemplateURL": "https://templates.s3.us-east-1.amazonaws.com/open.json"}}}}))
    r, rows = run_json(profile_file, str(parent))
    assert r.exit_code == 3
    assert ("FAIL", "SM-NB-DIRECT-INTERNET") in [(x.get("status"), x.get("rule_id")) for x in rows]
