"""Pipeline definitions: every step checked with the rule table, named in every violation (pure).

The definitions here are shaped as the SageMaker Python SDK v2 writes them
(``Pipeline.definition()``): the functional tests build the same kinds with the
SDK itself.
"""

from __future__ import annotations

import copy
import json

import pytest

from safemaker import guard, pipeline
from safemaker.errors import MISSING, GuardrailViolation, ProfileError
from safemaker.guard import ResolvedReference
from safemaker.pipeline import PipelineDefinitionError, check_definition, parse_definition
from safemaker.profile import VpcProfile

from _profiles import IMG, ROLE, SG, SUB_A, SUB_C, SUB_OUT as SUB_X, VPC_CONFIG, profile_fields


PROFILE_FIELDS = profile_fields()


@pytest.fixture(scope="module")
def permissive(profile: VpcProfile) -> VpcProfile:
    return VpcProfile.from_mapping({**PROFILE_FIELDS, "allow_pipeline_network_parameters": True}, source="test")


def training_args(**extra):
    args = {
        "AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"},
        "OutputDataConfig": {"S3OutputPath": "s3://b/out"},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "ResourceConfig": {"VolumeSizeInGB": 30, "InstanceCount": 1, "InstanceType": "ml.m5.large"},
        "RoleArn": ROLE,
        "InputDataConfig": [{"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/train"}},
                             "ChannelName": "training"}],
        "VpcConfig": copy.deepcopy(VPC_CONFIG),
        "EnableNetworkIsolation": True,
        "EnableInterContainerTrafficEncryption": True,
    }
    args.update(extra)
    return args


def processing_args(**extra):
    args = {
        "ProcessingResources": {"ClusterConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1,
                                                  "VolumeSizeInGB": 30}},
        "AppSpecification": {"ImageUri": IMG},
        "RoleArn": ROLE,
        "NetworkConfig": {"EnableNetworkIsolation": True, "EnableInterContainerTrafficEncryption": True,
                          "VpcConfig": copy.deepcopy(VPC_CONFIG)},
    }
    args.update(extra)
    return args


def model_args(**extra):
    args = {"ExecutionRoleArn": ROLE, "PrimaryContainer": {"Image": IMG, "ModelDataUrl": "s3://b/m.tar.gz"},
            "VpcConfig": copy.deepcopy(VPC_CONFIG), "EnableNetworkIsolation": True}
    args.update(extra)
    return args


def transform_args(model_name):
    return {"ModelName": model_name,
            "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/in"}}},
            "TransformOutput": {"S3OutputPath": "s3://b/t"},
            "TransformResources": {"InstanceCount": 1, "InstanceType": "ml.m5.large"}}


def definition(*steps, parameters=()):
    return {"Version": "2020-12-01", "Metadata": {}, "Parameters": list(parameters),
            "PipelineExperimentConfig": {"ExperimentName": {"Get": "Execution.PipelineName"},
                                         "TrialName": {"Get": "Execution.PipelineExecutionId"}},
            "Steps": list(steps)}


def step(name, type_, arguments, **extra):
    return {"Name": name, "Type": type_, "Arguments": arguments, **extra}


def closed_definition():
    return definition(
        step("Prep", "Processing", processing_args()),
        step("TrainModel", "Training", training_args()),
        step("MakeModel-CreateModel", "Model", model_args()),
        step("Check", "Condition", {
            "Conditions": [{"Type": "GreaterThan", "LeftValue": 1, "RightValue": 0}],
            "IfSteps": [step("Transform", "Transform", transform_args({"Get": "Steps.MakeModel-CreateModel.ModelName"}))],
            "ElseSteps": [step("Fail", "Fail", {"ErrorMessage": "no"})],
        }),
        step("Register-RegisterModel", "RegisterModel", {"ModelPackageGroupName": "grp", "InferenceSpecification": {
            "Containers": [{"Image": IMG}], "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"]}}),
    )


def paths(result):
    return [(v.path, v.found, v.rule_id) for v in result.violations]


# --------------------------------------------------------------------------- parsing


def test_parse_flattens_condition_branches_and_names_steps():
    parsed = parse_definition(json.dumps(closed_definition()))
    assert [(s.path, s.type, s.operation) for s in parsed.steps] == [
        ("PipelineDefinition.Steps[0:Prep]", "Processing", "CreateProcessingJob"),
        ("PipelineDefinition.Steps[1:TrainModel]", "Training", "CreateTrainingJob"),
        ("PipelineDefinition.Steps[2:MakeModel-CreateModel]", "Model", "CreateModel"),
        ("PipelineDefinition.Steps[3:Check]", "Condition", None),
        ("PipelineDefinition.Steps[3:Check].Arguments.IfSteps[0:Transform]", "Transform", "CreateTransformJob"),
        ("PipelineDefinition.Steps[3:Check].Arguments.ElseSteps[0:Fail]", "Fail", None),
        ("PipelineDefinition.Steps[4:Register-RegisterModel]", "RegisterModel", "CreateModelPackage"),
    ]
    assert parsed.step("Transform").type == "Transform"


@pytest.mark.parametrize(
    "document, path, found",
    [
        ("{not json", "PipelineDefinition", "not valid JSON"),
        (b"\xff\xfe", "PipelineDefinition", "not UTF-8"),
        ("[]", "PipelineDefinition", "a JSON list"),
        ({"Steps": {"a": 1}}, "PipelineDefinition.Steps", "a dict"),
        ({"Steps": [1]}, "PipelineDefinition.Steps[0]", "a int"),
        ({"Parameters": [{"Type": "String"}], "Steps": []}, "PipelineDefinition.Parameters[0]", "{'Type'"),
    ],
)
def test_malformed_definitions_are_errors_naming_the_place(document, path, found):
    with pytest.raises(PipelineDefinitionError) as exc:
        parse_definition(document)
    assert exc.value.path == path
    assert exc.value.found.startswith(found)


def test_malformed_definition_is_a_violation_never_a_crash(profile):
    result = check_definition("{not json", profile)
    [v] = result.violations
    assert (v.path, v.rule_id, v.operation) == ("PipelineDefinition", "SM-UNSUPPORTED", "CreatePipeline")
    assert v.found.startswith("not valid JSON")


# --------------------------------------------------------------------------- steps


def test_closed_definition_is_allowed(profile):
    result = check_definition(closed_definition(), profile)
    assert result.violations == ()
    assert result.references == ()  # the Transform step's model is made by the MakeModel step
    assert len(result.steps) == 7


def test_violations_name_the_step(profile):
    doc = closed_definition()
    doc["Steps"][1]["Arguments"]["VpcConfig"]["Subnets"] = [SUB_X]
    doc["Steps"][1]["Arguments"]["EnableNetworkIsolation"] = False
    result = check_definition(doc, profile)
    assert paths(result) == [
        ("PipelineDefinition.Steps[1:TrainModel].Arguments.EnableNetworkIsolation", False, "SM-NET-ISOLATION"),
        ("PipelineDefinition.Steps[1:TrainModel].Arguments.VpcConfig.Subnets[0]", SUB_X, "SM-NET-VPC"),
    ]
    assert result.violations[0].operation == "CreatePipeline"
    # nothing is ever injected into a definition: no fix suggests omitting a field
    assert [v.fix for v in result.violations] == [
        "Set EnableNetworkIsolation to True",
        "Use only subnets of the profile's VPC (an administrator can extend the profile)"]


def test_absent_fields_are_refused_never_injected(profile):
    doc = closed_definition()
    del doc["Steps"][0]["Arguments"]["NetworkConfig"]
    text = json.dumps(doc)
    d = guard.decide("CreatePipeline", {"PipelineName": "p", "RoleArn": ROLE, "PipelineDefinition": text,
                                        "ClientRequestToken": "t" * 32}, profile)
    assert d.injected == ()
    assert d.params["PipelineDefinition"] == text  # the user's artifact is sent as written, or not at all
    base = "PipelineDefinition.Steps[0:Prep].Arguments.NetworkConfig."
    assert [(v.path, v.found) for v in d.violations] == [
        (base + "EnableNetworkIsolation", MISSING), (base + "VpcConfig", MISSING),
        (base + "EnableInterContainerTrafficEncryption", MISSING)]
    assert d.violations[0].fix == (
        "Set it in the step's Arguments: a pipeline definition is checked as written, never rewritten. "
        "With the SageMaker SDK (PipelineSession), build every step closed from the profile exported as the SDK's "
        "config: safemaker profile export -f sagemaker-config --location smcfg.yaml, then "
        "SAGEMAKER_USER_CONFIG_OVERRIDE=smcfg.yaml (docs/guard.md, SDK pipelines that pass the guard)")


def test_nested_condition_steps_are_checked(profile):
    doc = closed_definition()
    doc["Steps"][3]["Arguments"]["ElseSteps"].append(step("Retrain", "Training", training_args(
        EnableInterContainerTrafficEncryption=False)))
    assert paths(check_definition(doc, profile)) == [
        ("PipelineDefinition.Steps[3:Check].Arguments.ElseSteps[1:Retrain].Arguments."
         "EnableInterContainerTrafficEncryption", False, "SM-NET-ICTE")]


def test_sdk_repack_step_is_checked_with_a_hint(profile):
    """The SDK adds ``<model>-RepackModel-0`` training steps on its own: checked like any step."""
    repack = training_args()
    for key in ("VpcConfig", "EnableNetworkIsolation", "EnableInterContainerTrafficEncryption"):
        del repack[key]
    doc = definition(step("MyModel-RepackModel-0", "Training", repack))
    result = check_definition(doc, profile)
    assert [v.path for v in result.violations] == [
        "PipelineDefinition.Steps[0:MyModel-RepackModel-0].Arguments." + f
        for f in ("EnableNetworkIsolation", "VpcConfig", "EnableInterContainerTrafficEncryption")]
    assert "repack_model_step_settings" in result.violations[0].fix


@pytest.mark.parametrize("step_type", ["QualityCheck", "ClarifyCheck"])
def test_check_steps_run_processing_jobs(step_type, profile):
    args = processing_args()
    args["NetworkConfig"]["EnableNetworkIsolation"] = False
    result = check_definition(definition(step("Check", step_type, args)), profile)
    assert paths(result) == [("PipelineDefinition.Steps[0:Check].Arguments.NetworkConfig.EnableNetworkIsolation",
                              False, "SM-NET-ISOLATION")]


def test_tuning_and_automl_steps(profile):
    tuning = {"HyperParameterTuningJobConfig": {"Strategy": "Bayesian", "ResourceLimits": {
        "MaxNumberOfTrainingJobs": 2, "MaxParallelTrainingJobs": 1}},
              "TrainingJobDefinition": training_args(VpcConfig={"Subnets": [SUB_A], "SecurityGroupIds": []})}
    automl_v1 = {"AutoMLJobConfig": {"SecurityConfig": {"VpcConfig": copy.deepcopy(VPC_CONFIG),
                                                        "EnableInterContainerTrafficEncryption": True}},
                 "InputDataConfig": [], "OutputDataConfig": {"S3OutputPath": "s3://b/o"}, "RoleArn": ROLE}
    automl_v2 = {"AutoMLProblemTypeConfig": {"TabularJobConfig": {"TargetAttributeName": "y"}},
                 "AutoMLJobInputDataConfig": [], "OutputDataConfig": {"S3OutputPath": "s3://b/o"}, "RoleArn": ROLE}
    result = check_definition(definition(step("Tune", "Tuning", tuning), step("A1", "AutoML", automl_v1),
                                         step("A2", "AutoML", automl_v2)), profile)
    assert [s.operation for s in result.steps] == ["CreateHyperParameterTuningJob", "CreateAutoMLJob",
                                                   "CreateAutoMLJobV2"]
    assert paths(result) == [
        ("PipelineDefinition.Steps[0:Tune].Arguments.TrainingJobDefinition.VpcConfig.SecurityGroupIds", [],
         "SM-NET-VPC"),
        ("PipelineDefinition.Steps[2:A2].Arguments.SecurityConfig.VpcConfig", MISSING, "SM-NET-VPC"),
        ("PipelineDefinition.Steps[2:A2].Arguments.SecurityConfig.EnableInterContainerTrafficEncryption", MISSING,
         "SM-NET-ICTE"),
    ]


@pytest.mark.parametrize("step_type", ["EMR", "Lambda", "Callback"])
def test_steps_that_cannot_run_closed_are_refused_with_the_reason(step_type, profile):
    result = check_definition(definition(step("Other", step_type, {})), profile)
    [v] = result.violations
    assert (v.path, v.found, v.rule_id) == ("PipelineDefinition.Steps[0:Other]", step_type, "SM-UNSUPPORTED")
    assert v.fix == f"Remove the step: {pipeline.UNSUPPORTED_STEPS[step_type]}"


def test_unknown_step_types_are_refused(profile):
    [v] = check_definition(definition(step("X", "Teleport", {})), profile).violations
    assert (v.path, v.found, v.rule_id) == ("PipelineDefinition.Steps[0:X].Type", "Teleport", "SM-UNSUPPORTED")


def test_endpoint_steps_reference_configs_and_models(profile):
    doc = definition(
        step("Cfg", "EndpointConfig", {"ProductionVariants": [{"VariantName": "v", "ModelName": "existing-model"}]}),
        step("Ep", "Endpoint", {"EndpointName": "ep", "EndpointConfigName": {"Get": "Steps.Cfg.EndpointConfigName"}}),
        step("Ep2", "Endpoint", {"EndpointName": "ep2", "EndpointConfigName": "existing-config"}),
    )
    result = check_definition(doc, profile)
    assert result.violations == ()
    assert result.references == (
        ResolvedReference("PipelineDefinition.Steps[0:Cfg].Arguments.ProductionVariants[0].ModelName", "model",
                          "existing-model"),
        ResolvedReference("PipelineDefinition.Steps[2:Ep2].Arguments.EndpointConfigName", "endpoint-config",
                          "existing-config"),
    )


# --------------------------------------------------------------------------- run-time values


def _parameterised():
    return definition(
        step("TrainModel", "Training", training_args(
            VpcConfig={"Subnets": [{"Get": "Parameters.Subnet"}], "SecurityGroupIds": [SG]},
            EnableNetworkIsolation={"Get": "Parameters.Iso"},
            ResourceConfig={"VolumeSizeInGB": 30, "InstanceCount": 1,
                            "InstanceType": {"Get": "Parameters.InstanceType"}})),
        parameters=[{"Name": "Subnet", "Type": "String", "DefaultValue": SUB_A},
                    {"Name": "Iso", "Type": "Boolean", "DefaultValue": True},
                    {"Name": "InstanceType", "Type": "String", "DefaultValue": "ml.m5.large"}],
    )


def test_parameters_in_network_fields_are_refused_by_default(profile):
    result = check_definition(_parameterised(), profile)
    base = "PipelineDefinition.Steps[0:TrainModel].Arguments."
    assert paths(result) == [
        (base + "VpcConfig.Subnets[0]", {"Get": "Parameters.Subnet"}, "SM-NET-VPC"),
        (base + "EnableNetworkIsolation", {"Get": "Parameters.Iso"}, "SM-NET-ISOLATION"),
    ]  # InstanceType is a parameter too, but not a guarded field
    assert "whoever starts an execution can override Parameters.Subnet" in result.violations[0].fix


def test_profile_switch_allows_parameters_whose_default_complies(permissive):
    assert check_definition(_parameterised(), permissive).violations == ()
    doc = _parameterised()
    doc["Parameters"][0]["DefaultValue"] = SUB_X
    doc["Parameters"][1]["DefaultValue"] = False
    base = "PipelineDefinition.Steps[0:TrainModel].Arguments."
    assert paths(check_definition(doc, permissive)) == [
        (base + "EnableNetworkIsolation", False, "SM-NET-ISOLATION"),
        (base + "VpcConfig.Subnets[0]", SUB_X, "SM-NET-VPC"),
    ]


def test_parameters_accepted_only_by_the_switch_are_named(profile, permissive):
    """DefinitionCheck.relaxed: what the hooks read standing starts for (a start's own value decides those fields)."""
    assert check_definition(_parameterised(), permissive).relaxed == ("Subnet", "Iso")   # not InstanceType
    assert check_definition(_parameterised(), profile).relaxed == ()   # refused instead
    assert check_definition(_parameterised(), permissive, parameter_values={"Subnet": SUB_A}).relaxed == ()
    doc = _parameterised()
    del doc["Parameters"][0]["DefaultValue"]   # refused even when allowed: not accepted by the switch
    assert check_definition(doc, permissive).relaxed == ("Iso",)


def test_parameter_without_default_is_refused_even_when_allowed(permissive):
    doc = _parameterised()
    del doc["Parameters"][0]["DefaultValue"]
    [v] = check_definition(doc, permissive).violations
    assert (v.path, v.found) == ("PipelineDefinition.Steps[0:TrainModel].Arguments.VpcConfig.Subnets[0]",
                                 {"Get": "Parameters.Subnet"})
    assert "has no default" in v.message()


def test_execution_values_are_checked_instead_of_defaults(profile):
    """StartPipelineExecution: the values given (strings) are converted by parameter type and checked."""
    doc = _parameterised()
    assert check_definition(doc, profile, parameter_values={}).violations == ()
    result = check_definition(doc, profile, operation="StartPipelineExecution",
                              parameter_values={"Subnet": SUB_X, "Iso": "false"})
    base = "PipelineDefinition.Steps[0:TrainModel].Arguments."
    assert paths(result) == [(base + "EnableNetworkIsolation", False, "SM-NET-ISOLATION"),
                             (base + "VpcConfig.Subnets[0]", SUB_X, "SM-NET-VPC")]
    assert check_definition(doc, profile, parameter_values={"Iso": "true", "Subnet": SUB_C}).violations == ()
    # "True" is how both SDK majors send a Python True (format_start_parameters: str(value)), read as true;
    # any other text but true/false in some case is not a Boolean and stays refused as written
    assert check_definition(doc, profile, parameter_values={"Iso": "True"}).violations == ()
    assert paths(check_definition(doc, profile, parameter_values={"Iso": "1"}))[0][1] == "1"


@pytest.mark.parametrize(
    "expression",
    [
        {"Std:Join": {"On": "", "Values": ["subnet-", {"Get": "Parameters.Suffix"}]}},
        {"Get": "Steps.Prep.ProcessingOutputConfig.Outputs['subnet'].S3Output.S3Uri"},
        {"Get": "Execution.PipelineExecutionId"},
        {"Std:JsonGet": {"PropertyFile": {"Get": "Steps.Prep.PropertyFiles.f"}, "Path": "subnet"}},
        {"Get": "Parameters.Undefined"},
    ],
)
def test_other_run_time_values_in_network_fields_are_refused(expression, permissive):
    doc = definition(step("TrainModel", "Training", training_args(
        VpcConfig={"Subnets": [SUB_A, expression], "SecurityGroupIds": [SG]})))
    [v] = check_definition(doc, permissive).violations
    assert (v.path, v.found, v.rule_id) == ("PipelineDefinition.Steps[0:TrainModel].Arguments.VpcConfig.Subnets[1]",
                                            expression, "SM-NET-VPC")
    assert "only known at run time" in v.fix


def test_a_whole_structure_from_a_run_time_value_is_refused_once(profile):
    doc = definition(step("P", "Processing", processing_args(NetworkConfig={"Get": "Steps.X.NetworkConfig"})))
    result = check_definition(doc, profile)
    assert [(v.path, v.found) for v in result.violations] == [
        ("PipelineDefinition.Steps[0:P].Arguments.NetworkConfig", {"Get": "Steps.X.NetworkConfig"})]


def test_model_reference_to_a_step_that_makes_no_model_is_refused(profile):
    doc = definition(step("TrainModel", "Training", training_args()),
                     step("T", "Transform", transform_args({"Get": "Steps.TrainModel.ModelArtifacts.S3ModelArtifacts"})))
    [v] = check_definition(doc, profile).violations
    assert (v.path, v.rule_id) == ("PipelineDefinition.Steps[1:T].Arguments.ModelName", "SM-REFERENCE")


def test_literal_model_names_become_references_and_parameter_defaults_too(permissive):
    doc = definition(step("T1", "Transform", transform_args("existing")),
                     step("T2", "Transform", transform_args({"Get": "Parameters.Model"})),
                     parameters=[{"Name": "Model", "Type": "String", "DefaultValue": "default-model"}])
    result = check_definition(doc, permissive)
    assert result.violations == ()
    assert [(r.path, r.name) for r in result.references] == [
        ("PipelineDefinition.Steps[0:T1].Arguments.ModelName", "existing"),
        ("PipelineDefinition.Steps[1:T2].Arguments.ModelName", "default-model")]


# --------------------------------------------------------------------------- through the guard


def _create(definition_text=None, **extra):
    req = {"PipelineName": "p", "RoleArn": ROLE, "ClientRequestToken": "t" * 32}
    if definition_text is not None:
        req["PipelineDefinition"] = definition_text
    req.update(extra)
    return req


def test_guard_refuses_a_pipeline_with_one_bad_step(profile):
    doc = closed_definition()
    doc["Steps"][2]["Arguments"]["VpcConfig"]["SecurityGroupIds"] = ["sg-0123456789abcdef0"]
    with pytest.raises(GuardrailViolation) as exc:
        guard.apply("CreatePipeline", _create(json.dumps(doc)), profile)
    assert [v.path for v in exc.value.violations] == [
        "PipelineDefinition.Steps[2:MakeModel-CreateModel].Arguments.VpcConfig.SecurityGroupIds[0]"]
    assert guard.apply("CreatePipeline", _create(json.dumps(closed_definition())), profile)["PipelineName"] == "p"


def test_guard_checks_the_pipeline_role(profile):
    vs = guard.check("CreatePipeline", _create(json.dumps(closed_definition()),
                                               RoleArn="arn:aws:iam::123456789012:role/Admin"), profile)
    assert [(v.path, v.rule_id) for v in vs] == [("RoleArn", "SM-IAM-ROLE")]


def test_s3_location_needs_the_fetched_content(profile):
    location = {"Bucket": "b", "ObjectKey": "defs/p.json"}
    [v] = guard.check("CreatePipeline", _create(PipelineDefinitionS3Location=location), profile)
    assert (v.path, v.found, v.rule_id) == ("PipelineDefinitionS3Location", location, "SM-REFERENCE")
    doc = closed_definition()
    doc["Steps"][0]["Type"] = "Lambda"
    vs = guard.check("CreatePipeline", _create(PipelineDefinitionS3Location=location), profile,
                     pipeline_definition=json.dumps(doc).encode())
    assert [(v.path, v.rule_id) for v in vs] == [("PipelineDefinitionS3Location.Steps[0:Prep]", "SM-UNSUPPORTED")]
    assert guard.check("CreatePipeline", _create(PipelineDefinitionS3Location=location), profile,
                       pipeline_definition=closed_definition()) == []


def test_update_pipeline_without_a_definition_needs_nothing(profile):
    d = guard.decide("UpdatePipeline", {"PipelineName": "p", "PipelineDisplayName": "x"}, profile)
    assert (d.violations, d.injected) == ((), ())


def test_existing_pipeline_description_is_checked(profile):
    doc = closed_definition()
    doc["Steps"].append(step("Notify", "Lambda", {}))
    description = {"PipelineName": "p", "PipelineDefinition": json.dumps(doc), "RoleArn": ROLE}
    vs = guard.check_resource("pipeline", description, profile)
    assert [(v.path, v.rule_id) for v in vs] == [("PipelineDefinition.Steps[5:Notify]", "SM-UNSUPPORTED")]


# --------------------------------------------------------------------------- the profile switch


def test_profile_switch_defaults_off_and_loads_from_files_and_environment(monkeypatch):
    assert VpcProfile.from_mapping(PROFILE_FIELDS, source="t").allow_pipeline_network_parameters is False
    on = VpcProfile.from_mapping({**PROFILE_FIELDS, "allow_pipeline_network_parameters": True}, source="t")
    assert on.allow_pipeline_network_parameters is True
    assert on.to_dict()["allow_pipeline_network_parameters"] is True
    monkeypatch.setenv("SAFEMAKER_ALLOW_PIPELINE_NETWORK_PARAMETERS", "true")
    assert VpcProfile.from_mapping(PROFILE_FIELDS, source="t").allow_pipeline_network_parameters is True


def test_profile_switch_bad_value_names_the_field():
    with pytest.raises(ProfileError) as exc:
        VpcProfile.from_mapping({**PROFILE_FIELDS, "allow_pipeline_network_parameters": "sometimes"}, source="t")
    assert [(e.field, e.found, e.expected) for e in exc.value.errors] == [
        ("allow_pipeline_network_parameters", "sometimes", "true or false")]
