"""CloudFormation types that make the objects of the other services' decided calls (trial 11 F02): ``safemaker
check``, a guarded ``create_stack`` and Cloud Control ``create_resource``.

The process guard decided ``PutRemediationConfigurations``, ``CreatePipeline``, ``CreateServiceAction``,
``RegisterScalableTarget``... by what they run, but the CloudFormation types that make the same objects
(``AWS::Config::RemediationConfiguration``, ``AWS::CodePipeline::Pipeline``, ``AWS::ServiceCatalog::ServiceAction``,
``AWS::ApplicationAutoScaling::ScalableTarget`` with ``ScheduledActions``...) were not read: a ``create_stack`` or a
Cloud Control ``create_resource`` of them was sent and ``safemaker check`` passed them. Each type is now read as the
API call it makes (:data:`safemaker.iac.cloudformation.STARTING_TYPES`, built by
:func:`safemaker.iac.sdk_calls.mapped_request`), cannot be verified (:data:`~safemaker.iac.cloudformation.UNSEEN_TYPES`)
or follows the SageMaker resource it scales (:data:`~safemaker.iac.cloudformation.SCALING_TYPES`).

The class: for every (service, operation) the process guard decides, the CloudFormation types of cfn-lint's schemas
that make the same object (the service's namespace; the type named by the operation's noun, or one with a property
of that name) are read (:func:`safemaker.iac.service_calls.reads_type`).

Real botocore clients against moto on 127.0.0.1 (real HTTP): CloudFormation and SSM; moto has no Cloud Control, so a
request the guard sends reaches moto and is answered with an error (what counts is whether it reached moto).

Oracles: cfn-lint's CloudFormation resource schemas (the types and their properties), botocore's models (the API
calls), the SageMaker API reference (``DirectInternetAccess`` Enabled).
"""

from __future__ import annotations

import json
import re

import botocore.session
import pytest
from botocore.config import Config

import safemaker
from safemaker.errors import GuardrailViolation
from safemaker.iac import service_calls
from safemaker.other_services import DECIDED_OPERATIONS

from _cfnlint import schema_spelling
from _profiles import ROLE, SG, SUB_A
from test_iac_cli import profile_file, run_json  # noqa: F401  (profile_file: fixture)

MODELS = botocore.session.get_session()
NO_RETRY = Config(retries={"total_max_attempts": 1})
OPEN_NB = {"InstanceType": "ml.t3.medium", "RoleArn": ROLE, "SubnetId": SUB_A, "SecurityGroupIds": [SG],
           "DirectInternetAccess": "Enabled", "RootAccess": "Disabled"}
VERB = re.compile(r"^(Create|Update|Put|Register|Replace|Start|Execute|Provision)")


def _schemas():
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    return PROVIDER_SCHEMA_MANAGER


def same_object_types(service, operation):
    """The CloudFormation types (cfn-lint's us-east-1 schemas) that make the object ``operation`` makes: in the
    service's namespace (its botocore name or serviceId, without case or '-'), named by the operation's noun
    (``PutRemediationConfigurations`` -> ``RemediationConfiguration``), or having a property of that noun
    (``PutScheduledAction`` -> ``ScalableTarget.ScheduledActions``)."""
    model = MODELS.get_service_model(service)
    names = {service.replace("-", "").lower(), model.metadata.get("serviceId", "").replace(" ", "").lower()}
    noun = VERB.sub("", operation)
    nouns = {noun, noun[:-1] if noun.endswith("s") else noun}
    manager = _schemas()
    out = set()
    for rtype in manager.get_resource_types("us-east-1"):
        parts = rtype.split("::")
        if len(parts) != 3 or parts[1].lower() not in names:
            continue
        props = manager.get_resource_schema("us-east-1", rtype).schema.get("properties") or {}
        if parts[2] in nouns or any(n + "s" in props or (n in props and n != "Name") for n in nouns):
            out.add(rtype)
    return out


def test_every_type_that_makes_what_a_decided_call_makes_is_read():
    found = {}
    for service, operations in DECIDED_OPERATIONS.items():
        for op in operations:
            for rtype in same_object_types(service, op):
                found.setdefault(rtype, set()).add(f"{service} {op}")
    from safemaker.iac.cloudformation import UNREAD_TYPES

    unread = {t: sorted(calls) for t, calls in found.items() if not service_calls.reads_type(t)
              and t not in UNREAD_TYPES}
    assert not set(UNREAD_TYPES) & {t for t in found if service_calls.reads_type(t)}
    assert not unread, f"read these CloudFormation types as the calls they make (iac.cloudformation): {unread}"
    # the derivation finds the trial's types
    assert {"AWS::Config::RemediationConfiguration", "AWS::CodePipeline::Pipeline",
            "AWS::ServiceCatalog::ServiceAction", "AWS::ApplicationAutoScaling::ScalableTarget",
            "AWS::Config::ConformancePack", "AWS::SSMIncidents::ResponsePlan", "AWS::FIS::ExperimentTemplate",
            "AWS::CodeStarConnections::SyncConfiguration"} <= set(found)


def test_every_carrier_type_has_a_terraform_twin_read_or_documented_absent():
    """Trial 17 F04: the CloudFormation types read as carriers (derived above from the decided calls, and every type
    the template reader checks besides AWS::SageMaker::*) each have a Terraform AWS provider twin that the plan
    reader reads (``terraform.CARRIER_TWINS``), or are listed with why the provider has none (``NO_TWIN``)."""
    from safemaker.iac import cloudformation, terraform

    derived = {t for service, operations in DECIDED_OPERATIONS.items() for op in operations
               for t in same_object_types(service, op) if service_calls.reads_type(t)}
    carriers = derived | set(cloudformation._CHECKED_TYPES) | {cloudformation._PROVISIONED_PRODUCT}
    missing = sorted(t for t in carriers if t not in terraform.CARRIER_TWINS and t not in terraform.NO_TWIN)
    assert not missing, f"give these CloudFormation carriers a Terraform twin or a NO_TWIN reason: {missing}"
    assert not set(terraform.CARRIER_TWINS) & set(terraform.NO_TWIN)
    assert set(terraform.CARRIER_TWINS) | set(terraform.NO_TWIN) <= carriers   # no stale entry
    unread = sorted(tf for twins in terraform.CARRIER_TWINS.values() for tf in twins if tf not in terraform.READ_TYPES)
    assert not unread, unread
    assert all(why.strip() for why in terraform.NO_TWIN.values())
    assert {"AWS::IoT::TopicRule", "AWS::DataZone::Environment"} <= set(terraform.CARRIER_TWINS)


def test_terraform_topic_rules_and_datazone_environments_are_read_as_their_cloudformation_twins(
        tmp_path, profile_file):  # noqa: F811
    """Terraform AWS provider r/iot_topic_rule (step_functions: state_machine_name, execution_name_prefix, role_arn;
    the same under error_action) and r/datazone_environment (blueprint_identifier, profile_identifier): cannot be
    verified, as AWS::IoT::TopicRule (a state machine named, not its ARN) and AWS::DataZone::Environment (the
    blueprint's template) are; a topic rule without a Step Functions action is not a carrier."""
    sfn = {"state_machine_name": "train-sm", "execution_name_prefix": "x", "role_arn": ROLE}
    plan = _plan(tmp_path, [
        ("aws_iot_topic_rule.r", "aws_iot_topic_rule", {"name": "r", "enabled": True, "sql": "SELECT * FROM 'x'",
                                                        "sql_version": "2016-03-23", "step_functions": [sfn],
                                                        "error_action": [{"step_functions": [sfn]}]}, {}),
        ("aws_iot_topic_rule.u", "aws_iot_topic_rule", {"name": "u", "sql": "SELECT 1", "step_functions": [
            {"role_arn": ROLE}]}, {"step_functions": [{"state_machine_name": True}]}),
        ("aws_iot_topic_rule.plain", "aws_iot_topic_rule", {"name": "plain", "sql": "SELECT 1", "sns": [
            {"target_arn": "arn:aws:sns:us-east-1:123456789012:t", "role_arn": ROLE}]}, {}),
        ("aws_datazone_environment.e", "aws_datazone_environment", {
            "name": "e", "domain_identifier": "dzd_1", "project_identifier": "p1", "profile_identifier": "prof1",
            "blueprint_identifier": "bp1"}, {}),
    ])
    r, rows = run_json(profile_file, plan)
    assert r.exit_code == 3, r.output
    assert sorted((x["status"], x["rule_id"], x["logical_id"], x["path"]) for x in rows if "status" in x) == [
        ("UNKNOWN", "SM-REFERENCE", "aws_datazone_environment.e", ""),
        ("UNKNOWN", "SM-REFERENCE", "aws_iot_topic_rule.r", "error_action.step_functions[0].state_machine_name"),
        ("UNKNOWN", "SM-REFERENCE", "aws_iot_topic_rule.r", "step_functions[0].state_machine_name"),
        ("UNKNOWN", "SM-REFERENCE", "aws_iot_topic_rule.u", "step_functions[0].state_machine_name")]


def test_no_batch_resource_type_carries_a_service_job_payload():
    """Trial 12 F03: a Batch service job (SubmitServiceJob's serviceRequestPayload, a CreateTrainingJob request) is
    made by the API call only: no AWS::Batch::* schema has a payload property; the queue and service environment
    types that name SageMaker make capacity and are classified (UNREAD_TYPES)."""
    from safemaker.iac.cloudformation import UNREAD_TYPES

    manager = _schemas()
    batch = [t for t in manager.get_resource_types("us-east-1") if t.startswith("AWS::Batch::")]
    assert "AWS::Batch::JobQueue" in batch and "AWS::Batch::ServiceEnvironment" in batch
    for rtype in batch:
        schema = manager.get_resource_schema("us-east-1", rtype).schema
        assert not any("payload" in p.lower() for p in schema.get("properties") or {}), rtype
        if "SAGEMAKER" in json.dumps(schema).upper():
            assert rtype in UNREAD_TYPES and not service_calls.reads_type(rtype), rtype


def test_the_properties_read_are_those_of_the_resource_schemas():
    from safemaker.iac.cloudformation import STARTING_TYPES, UNSEEN_TYPES

    manager = _schemas()
    for rtype, (service, op, paths) in STARTING_TYPES.items():
        props = manager.get_resource_schema("us-east-1", rtype).schema["properties"]
        assert {p[0] for p in paths} <= set(props), rtype
        assert op in MODELS.get_service_model(service).operation_names
    for rtype, (_why, given) in UNSEEN_TYPES.items():
        props = manager.get_resource_schema("us-east-1", rtype).schema["properties"]
        assert given is None or given <= set(props), rtype


# --------------------------------------------------------------------------- the types, as the trial wrote them

REMEDIATION = {"Type": "AWS::Config::RemediationConfiguration", "Properties": {
    "ConfigRuleName": "r", "TargetType": "SSM_DOCUMENT", "TargetId": "OpenRb", "Automatic": True,
    "MaximumAutomaticAttempts": 1, "RetryAttemptSeconds": 60}}
PIPELINE = {"Type": "AWS::CodePipeline::Pipeline", "Properties": {
    "RoleArn": ROLE, "ArtifactStore": {"Type": "S3", "Location": "bucket"}, "Stages": [
        {"Name": "Source", "Actions": [{"Name": "src", "ActionTypeId": {"Category": "Source", "Owner": "AWS",
                                                                          "Provider": "S3", "Version": "1"},
                                        "Configuration": {"S3Bucket": "bucket", "S3ObjectKey": "t.zip"},
                                        "OutputArtifacts": [{"Name": "out"}]}]},
        {"Name": "Deploy", "Actions": [{"Name": "stack", "ActionTypeId": {"Category": "Deploy", "Owner": "AWS",
                                                                            "Provider": "CloudFormation",
                                                                            "Version": "1"},
                                        "Configuration": {"ActionMode": "CREATE_UPDATE", "StackName": "s",
                                                          "TemplatePath": "out::template.yaml", "RoleArn": ROLE},
                                        "InputArtifacts": [{"Name": "out"}]}]}]}}
ACTION = {"Type": "AWS::ServiceCatalog::ServiceAction", "Properties": {
    "Name": "a", "DefinitionType": "SSM_AUTOMATION",
    "Definition": [{"Key": "Name", "Value": "OpenRb"}, {"Key": "Version", "Value": "1"}]}}
PLAN = {"Type": "AWS::SSMIncidents::ResponsePlan", "Properties": {
    "Name": "p", "IncidentTemplate": {"Title": "t", "Impact": 1},
    "Actions": [{"SsmAutomation": {"DocumentName": "OpenRb", "RoleArn": ROLE}}]}}
EXPERIMENT = {"Type": "AWS::FIS::ExperimentTemplate", "Properties": {
    "Description": "d", "RoleArn": ROLE, "StopConditions": [{"Source": "none"}], "Targets": {}, "Tags": {},
    "Actions": {"run": {"ActionId": "aws:ssm:start-automation-execution",
                        "Parameters": {"documentArn": "arn:aws:ssm:us-east-1:123456789012:document/OpenRb"}}}}}
PACK = {"Type": "AWS::Config::ConformancePack", "Properties": {
    "ConformancePackName": "p", "TemplateBody": json.dumps({"Resources": {"Fix": REMEDIATION}})}}
SCALING = {"Type": "AWS::ApplicationAutoScaling::ScalableTarget", "Properties": {
    "ServiceNamespace": "sagemaker", "ResourceId": "endpoint/old/variant/AllTraffic",
    "ScalableDimension": "sagemaker:variant:DesiredInstanceCount", "MinCapacity": 1, "MaxCapacity": 2,
    "ScheduledActions": [{"ScheduledActionName": "up", "Schedule": "rate(1 hour)",
                          "ScalableTargetAction": {"MaxCapacity": 8}}]}}
SYNC = {"Type": "AWS::CodeStarConnections::SyncConfiguration", "Properties": {
    "Branch": "main", "ConfigFile": "d.yaml", "RepositoryLinkId": "11111111-2222-3333-4444-555555555555",
    "ResourceName": "s", "RoleArn": ROLE, "SyncType": "CFN_STACK_SYNC"}}

CHECKED = {  # logical ID -> (resource, the path `safemaker check` reports on it)
    "Fix": (REMEDIATION, "TargetId"),
    # trial 15 F08: below a member read, the path is the template's (the resource schema's spelling of botocore's
    # codepipeline CreatePipeline pipeline.stages[].actions[].configuration, ssm-incidents CreateResponsePlan
    # actions[].ssmAutomation.documentName, fis CreateExperimentTemplate actions.NAME.parameters), not the API's
    "Pipe": (PIPELINE, schema_spelling(PIPELINE["Type"], "stages[1].actions[0].configuration.TemplatePath")),
    "Act": (ACTION, "Definition.Name"),
    "Plan": (PLAN, schema_spelling(PLAN["Type"], "actions[0].ssmAutomation.documentName")),
    "Exp": (EXPERIMENT, schema_spelling(EXPERIMENT["Type"], "actions.run.parameters.documentArn")),
    "Pack": (PACK, "TemplateBody:Fix.TargetId"),
    "Scale": (SCALING, "ResourceId"),
    "Sync": (SYNC, "Type"),
}


def test_safemaker_check_reports_what_each_type_runs_as_cannot_be_verified(tmp_path, profile_file):  # noqa: F811
    f = tmp_path / "t.json"
    f.write_text(json.dumps({"Resources": {k: r for k, (r, _) in CHECKED.items()}}, indent=1))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3, r.stdout
    got = {x["logical_id"]: (x["status"], x["rule_id"]) for x in rows}
    assert got == {k: ("UNKNOWN", "SM-REFERENCE") for k in CHECKED}, rows
    for x in rows:
        assert x["path"].startswith(CHECKED[x["logical_id"]][1].split(".")[0].split(":")[0]), x
    assert {x["logical_id"]: x["path"] for x in rows} == {k: path for k, (_r, path) in CHECKED.items()}
    assert CHECKED["Pipe"][1] == "Stages[1].Actions[0].Configuration.TemplatePath"   # the oracle's own answer


def test_safemaker_check_passes_what_runs_nothing_or_is_checked_in_the_template(tmp_path, profile_file):  # noqa: F811
    resources = {
        "Ep": {"Type": "AWS::SageMaker::Endpoint", "Properties": {"EndpointConfigName": "c"}},
        "Mine": {"Type": "AWS::ApplicationAutoScaling::ScalableTarget", "Properties": {
            "ServiceNamespace": "sagemaker", "ResourceId": {"Fn::Sub": "endpoint/${Ep.EndpointName}/variant/All"},
            "ScalableDimension": "sagemaker:variant:DesiredInstanceCount", "MinCapacity": 1, "MaxCapacity": 2}},
        "Pol": {"Type": "AWS::ApplicationAutoScaling::ScalingPolicy", "Properties": {
            "PolicyName": "p", "PolicyType": "TargetTrackingScaling", "ScalingTargetId": {"Ref": "Mine"}}},
        "Ecs": {"Type": "AWS::ApplicationAutoScaling::ScalableTarget", "Properties": {
            "ServiceNamespace": "ecs", "ResourceId": "service/c/s", "ScalableDimension": "ecs:service:DesiredCount",
            "MinCapacity": 1, "MaxCapacity": 2}},
        "Proj": {"Type": "AWS::DataZone::Project", "Properties": {"DomainIdentifier": "d", "Name": "p"}},
        "Waits": {"Type": "AWS::FIS::ExperimentTemplate", "Properties": {
            **EXPERIMENT["Properties"], "Actions": {"w": {"ActionId": "aws:fis:wait",
                                                           "Parameters": {"duration": "PT1M"}}}}},
    }
    f = tmp_path / "t.json"
    f.write_text(json.dumps({"Resources": resources}, indent=1))
    r, rows = run_json(profile_file, str(f))
    assert not [x for x in rows if x["logical_id"] != "Ep"], rows


# --------------------------------------------------------------------------- the process guard


@pytest.fixture()
def open_runbook(safemaker_local):
    safemaker_local.session.client("ssm").create_document(
        Name="OpenRb", DocumentType="Automation", DocumentFormat="JSON", Content=json.dumps({
            "schemaVersion": "0.3", "mainSteps": [{"name": "nb", "action": "aws:executeAwsApi", "inputs": {
                "Service": "sagemaker", "Api": "CreateNotebookInstance", "NotebookInstanceName": "nb",
                **OPEN_NB}}]}))


@pytest.mark.parametrize("logical_id", sorted(CHECKED))
def test_a_guarded_create_stack_of_each_type_is_refused(safemaker_local, safemaker_session, profile, open_runbook,
                                                        logical_id):
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation")
    resource, _ = CHECKED[logical_id]
    with pytest.raises(GuardrailViolation) as exc:
        cfn.create_stack(StackName="s", TemplateBody=json.dumps({"Resources": {logical_id: resource}}))
    assert all(v.path.startswith(f"TemplateBody:{logical_id}") for v in exc.value.violations)
    assert safemaker_local.request_count("cloudformation") == 0


@pytest.mark.parametrize("logical_id,path", [
    ("Fix", "DesiredState:TargetId -> StartAutomationExecution.DocumentName:mainSteps[0].inputs."
            "DirectInternetAccess"),
    ("Act", "DesiredState:Definition.Name -> StartAutomationExecution.DocumentName:mainSteps[0].inputs."
            "DirectInternetAccess"),
    # DesiredState is the resource's properties: paths in them as the resource schema spells them (trial 15 F08)
    ("Plan", f"DesiredState:{CHECKED['Plan'][1]} -> StartAutomationExecution.DocumentName:"
             "mainSteps[0].inputs.DirectInternetAccess"),
    ("Pipe", f"DesiredState:{CHECKED['Pipe'][1]}"),
])
def test_cloud_control_decides_each_type_by_what_it_runs(safemaker_local, safemaker_session, profile, open_runbook,
                                                         logical_id, path):
    safemaker.install_process(profile)
    cc = safemaker_session.client("cloudcontrol", config=NO_RETRY)
    resource, _ = CHECKED[logical_id]
    with pytest.raises(GuardrailViolation) as exc:
        cc.create_resource(TypeName=resource["Type"], DesiredState=json.dumps(resource["Properties"]))
    assert path in [v.path for v in exc.value.violations]
    assert safemaker_local.request_count("cloudcontrol") == 0


# --------------------------------------------------------------------------- Terraform (the provider's twins)


def _plan(tmp_path, changes):
    f = tmp_path / "plan.json"
    f.write_text(json.dumps({"format_version": "1.2", "configuration": {"root_module": {}}, "resource_changes": [
        {"address": a, "mode": "managed", "type": t, "name": a.split(".")[1],
         "change": {"actions": ["create"], "after": after, "after_unknown": unknown}}
        for a, t, after, unknown in changes]}, indent=1))
    return str(f)


def test_terraform_twins_are_read_as_the_calls_they_make(tmp_path, profile_file):  # noqa: F811
    """Terraform AWS provider r/config_remediation_configuration (target_type, target_id), r/servicecatalog_service_
    action (definition name / version / type), r/codepipeline (stage, action: category, owner, provider,
    configuration), r/ssmincidents_response_plan (action.ssm_automation.document_name), r/fis_experiment_template
    (action: name, action_id, parameter key / value), r/config_conformance_pack (template_body, input_parameter),
    r/appautoscaling_scheduled_action (service_namespace, resource_id)."""
    cfn_action = {"name": "stack", "category": "Deploy", "owner": "AWS", "provider": "CloudFormation", "version": "1",
                  "configuration": {"ActionMode": "CREATE_UPDATE", "StackName": "s",
                                    "TemplatePath": "out::template.yaml"}}
    plan = _plan(tmp_path, [
        ("aws_config_remediation_configuration.r", "aws_config_remediation_configuration",
         {"config_rule_name": "r", "target_type": "SSM_DOCUMENT", "target_id": "OpenRb", "automatic": True}, {}),
        ("aws_servicecatalog_service_action.a", "aws_servicecatalog_service_action",
         {"name": "a", "definition": [{"name": "OpenRb", "version": "1", "type": "SSM_AUTOMATION"}]}, {}),
        ("aws_codepipeline.p", "aws_codepipeline", {"name": "p", "role_arn": ROLE, "stage": [
            {"name": "Source", "action": [{"name": "src", "category": "Source", "owner": "AWS", "provider": "S3",
                                           "version": "1", "configuration": {"S3Bucket": "b"}}]},
            {"name": "Deploy", "action": [cfn_action]}]}, {}),
        ("aws_ssmincidents_response_plan.p", "aws_ssmincidents_response_plan", {"name": "p", "action": [
            {"ssm_automation": [{"document_name": "OpenRb", "role_arn": ROLE}]}]}, {}),
        ("aws_fis_experiment_template.e", "aws_fis_experiment_template", {"description": "d", "role_arn": ROLE,
         "action": [{"name": "run", "action_id": "aws:ssm:start-automation-execution", "parameter": [
             {"key": "documentArn", "value": "arn:aws:ssm:us-east-1:123456789012:document/OpenRb"}]}]}, {}),
        ("aws_config_conformance_pack.c", "aws_config_conformance_pack", {
            "name": "c", "template_body": json.dumps({"Resources": {"Fix": REMEDIATION}})}, {}),
        ("aws_appautoscaling_scheduled_action.s", "aws_appautoscaling_scheduled_action", {
            "name": "s", "service_namespace": "sagemaker", "resource_id": "endpoint/old/variant/AllTraffic",
            "scalable_dimension": "sagemaker:variant:DesiredInstanceCount", "schedule": "rate(1 hour)"}, {}),
        # not SageMaker, or a resource of the plan: nothing to report
        ("aws_appautoscaling_target.ecs", "aws_appautoscaling_target", {
            "service_namespace": "ecs", "resource_id": "service/c/s", "scalable_dimension": "ecs:service:DesiredCount",
            "min_capacity": 1, "max_capacity": 2}, {}),
        ("aws_appautoscaling_target.mine", "aws_appautoscaling_target", {
            "service_namespace": "sagemaker", "scalable_dimension": "sagemaker:variant:DesiredInstanceCount",
            "min_capacity": 1, "max_capacity": 2}, {"resource_id": True}),
        ("aws_fis_experiment_template.w", "aws_fis_experiment_template", {"description": "d", "role_arn": ROLE,
         "action": [{"name": "w", "action_id": "aws:fis:wait", "parameter": [{"key": "duration",
                                                                              "value": "PT1M"}]}]}, {}),
    ])
    r, rows = run_json(profile_file, plan)
    assert r.exit_code == 3, r.output
    got = sorted((x["status"], x["rule_id"], x["logical_id"]) for x in rows)
    assert got == sorted(("UNKNOWN", "SM-REFERENCE", a) for a in (
        "aws_config_remediation_configuration.r", "aws_servicecatalog_service_action.a", "aws_codepipeline.p",
        "aws_ssmincidents_response_plan.p", "aws_fis_experiment_template.e", "aws_config_conformance_pack.c",
        "aws_appautoscaling_scheduled_action.s")), rows
    # trial 15 F08: below an attribute read, the path is the plan's (the provider's attribute names: blocks
    # repeated by index, a block given once without one, a named action block by its index), not the API's
    assert {x["logical_id"]: x["path"] for x in rows} == {
        "aws_config_remediation_configuration.r": "target_id",
        "aws_servicecatalog_service_action.a": "definition.name",
        "aws_codepipeline.p": "stage[1].action[0].configuration.TemplatePath",
        "aws_ssmincidents_response_plan.p": "action[0].ssm_automation.document_name",
        "aws_fis_experiment_template.e": "action[0].parameter.documentArn",
        "aws_config_conformance_pack.c": "TemplateBody:Fix.TargetId",
        "aws_appautoscaling_scheduled_action.s": "resource_id"}
