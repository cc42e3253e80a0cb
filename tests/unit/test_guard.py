"""Guard semantics for the foundation operations: inject what is absent, refuse what conflicts.

Table-driven: one case per rule and violation kind. Field reports F01, F02,
F14, F16 (../shared/cases/field-reports.md) are cases of their own below.
"""

from __future__ import annotations

import copy
import re

import pytest

from safemaker import guard
from safemaker.errors import MISSING, GuardrailViolation
from safemaker.profile import VpcProfile
from safemaker.rules import RULES, Guardrail

from _profiles import IMG, ROLE, SG, SUB_A, SUB_C, VPC_CONFIG
from _profiles import training_job_request as training_job


@pytest.fixture(scope="module")
def kms_profile(profile: VpcProfile) -> VpcProfile:
    return profile.model_copy(
        update={"volume_kms_key_id": "alias/volume", "output_kms_key_id": "alias/output"}
    )




def processing_job(**extra):
    req = {
        "ProcessingJobName": "proc",
        "RoleArn": ROLE,
        "AppSpecification": {"ImageUri": IMG},
        "ProcessingResources": {
            "ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 10}
        },
    }
    req.update(extra)
    return req


def notebook(**extra):
    req = {"NotebookInstanceName": "nb", "InstanceType": "ml.t3.medium", "RoleArn": ROLE}
    req.update(extra)
    return req


def model(**extra):
    req = {"ModelName": "m", "PrimaryContainer": {"Image": IMG}, "ExecutionRoleArn": ROLE}
    req.update(extra)
    return req


def tuning_job(definitions):
    return {
        "HyperParameterTuningJobName": "tune",
        "HyperParameterTuningJobConfig": {"Strategy": "Bayesian", "ResourceLimits": {"MaxParallelTrainingJobs": 1}},
        "TrainingJobDefinitions": definitions,
    }


def definition(**extra):
    d = {
        "RoleArn": ROLE,
        "AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"},
        "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    }
    d.update(extra)
    return d


# --------------------------------------------------------------------------- injection

INJECT_CASES = [
    pytest.param(
        "CreateTrainingJob", training_job(),
        {"EnableNetworkIsolation": True, "VpcConfig": VPC_CONFIG, "EnableInterContainerTrafficEncryption": True},
        id="training-all-absent",
    ),
    pytest.param(
        "CreateProcessingJob", processing_job(),
        {"NetworkConfig": {"EnableNetworkIsolation": True, "VpcConfig": VPC_CONFIG,
                           "EnableInterContainerTrafficEncryption": True}},
        id="processing-creates-NetworkConfig",
    ),
    pytest.param(
        "CreateModel", model(),
        {"EnableNetworkIsolation": True, "VpcConfig": VPC_CONFIG},
        id="model",
    ),
    pytest.param(
        "CreateNotebookInstance", notebook(),
        {"DirectInternetAccess": "Disabled", "SubnetId": SUB_A, "SecurityGroupIds": [SG], "RootAccess": "Disabled"},
        id="notebook",
    ),
    pytest.param(
        "CreateEndpointConfig",
        {"EndpointConfigName": "ic", "ExecutionRoleArn": ROLE,
         "ProductionVariants": [{"VariantName": "v", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}]},
        {"EnableNetworkIsolation": True, "VpcConfig": VPC_CONFIG},
        id="endpoint-config-inference-components",
    ),
    pytest.param(
        # a new-user trial's escape: one variant serves a model, the other none (inference components run
        # their own containers on it with the endpoint config's settings: botocore's documentation of
        # CreateEndpointConfig.EnableNetworkIsolation, "all model containers deployed to the endpoint")
        "CreateEndpointConfig",
        {"EndpointConfigName": "mixed", "ExecutionRoleArn": ROLE,
         "ProductionVariants": [{"VariantName": "a", "ModelName": "m", "InstanceType": "ml.m5.large",
                                 "InitialInstanceCount": 1},
                                {"VariantName": "b", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}]},
        {"EnableNetworkIsolation": True, "VpcConfig": VPC_CONFIG},
        id="endpoint-config-one-variant-without-a-model",
    ),
]


@pytest.mark.parametrize("variants", [
    [{"VariantName": "a", "ModelName": "m"}],
    ({"VariantName": "a", "ModelName": "m"}, {"VariantName": "b", "ModelName": "n"}),   # a tuple, as botocore takes
])
def test_an_endpoint_config_whose_every_variant_serves_a_model_gets_no_config_level_settings(profile, variants):
    d = guard.decide("CreateEndpointConfig", {"EndpointConfigName": "e", "ProductionVariants": variants}, profile)
    assert "EnableNetworkIsolation" not in d.params and "VpcConfig" not in d.params


def test_an_existing_endpoint_config_with_a_model_less_variant_and_no_settings_is_found(profile):
    """The audit's reading of DescribeEndpointConfig: the same rule, the same answer."""
    described = {"EndpointConfigName": "mixed", "ProductionVariants": [
        {"VariantName": "a", "ModelName": "m"}, {"VariantName": "b"}]}
    paths = {v.path for v in guard.check("CreateEndpointConfig", described, profile)}
    assert {"EnableNetworkIsolation", "VpcConfig"} <= paths


@pytest.mark.parametrize("operation,request_,expected", INJECT_CASES)
def test_apply_injects_profile_values_when_absent(profile, operation, request_, expected):
    original = copy.deepcopy(request_)
    sent = guard.apply(operation, request_, profile)
    for key, value in expected.items():
        assert sent[key] == value
    assert request_ == original, "the caller's request must never be mutated"
    # Everything the caller gave is still there, unchanged.
    for key, value in original.items():
        assert sent[key] == value


def test_apply_injects_into_every_tuning_definition(profile):
    req = tuning_job([definition(), definition(EnableNetworkIsolation=True)])
    d = guard.decide("CreateHyperParameterTuningJob", req, profile)
    assert d.violations == ()
    for i, defn in enumerate(d.params["TrainingJobDefinitions"]):
        assert defn["EnableNetworkIsolation"] is True
        assert defn["VpcConfig"] == VPC_CONFIG
        assert defn["EnableInterContainerTrafficEncryption"] is True
    assert "TrainingJobDefinitions[1].EnableNetworkIsolation" not in d.injected
    assert "TrainingJobDefinitions[0].EnableNetworkIsolation" in d.injected
    assert "TrainingJobDefinitions[1].VpcConfig" in d.injected


def test_kms_keys_injected_only_when_the_profile_has_them(profile, kms_profile):
    assert "KmsKeyId" not in guard.apply("CreateTrainingJob", training_job(), profile)["OutputDataConfig"]
    sent = guard.apply("CreateTrainingJob", training_job(), kms_profile)
    assert sent["ResourceConfig"]["VolumeKmsKeyId"] == "alias/volume"
    assert sent["OutputDataConfig"]["KmsKeyId"] == "alias/output"
    with pytest.raises(GuardrailViolation) as exc:
        guard.apply("CreateTrainingJob",
                    training_job(OutputDataConfig={"S3OutputPath": "s3://b/o", "KmsKeyId": "alias/other"}),
                    kms_profile)
    (v,) = exc.value.violations
    assert (v.path, v.found, v.required, v.rule_id) == (
        "OutputDataConfig.KmsKeyId", "alias/other", "alias/output", "SM-KMS-OUTPUT")


def test_compliant_request_is_sent_unchanged(profile):
    req = training_job(EnableNetworkIsolation=True, VpcConfig={"Subnets": [SUB_C], "SecurityGroupIds": [SG]},
                       EnableInterContainerTrafficEncryption=True)
    d = guard.decide("CreateTrainingJob", req, profile)
    assert d.injected == () and d.violations == ()
    assert d.params == req


def test_unguarded_operation_passes_untouched(profile):
    d = guard.decide("ListTrainingJobs", {"MaxResults": 5}, profile)
    assert d.guarded is False and d.params == {"MaxResults": 5} and d.violations == ()


def test_profile_switches_turn_rules_off(profile):
    relaxed = profile.model_copy(update={"require_network_isolation": False,
                                         "require_inter_container_traffic_encryption": False,
                                         "notebook_root_access": "Enabled"})
    sent = guard.apply("CreateTrainingJob", training_job(EnableNetworkIsolation=False), relaxed)
    assert sent["EnableNetworkIsolation"] is False
    assert "EnableInterContainerTrafficEncryption" not in sent
    assert sent["VpcConfig"] == VPC_CONFIG  # the VPC is never optional
    assert "RootAccess" not in guard.apply("CreateNotebookInstance", notebook(), relaxed)


# --------------------------------------------------------------------------- refusal

REFUSE_CASES = [
    # (operation, request, [(path, found, rule_id)])
    pytest.param("CreateTrainingJob", training_job(EnableNetworkIsolation=False),
                 [("EnableNetworkIsolation", False, "SM-NET-ISOLATION")], id="isolation-false"),
    pytest.param("CreateTrainingJob", training_job(EnableNetworkIsolation="true"),
                 [("EnableNetworkIsolation", "true", "SM-NET-ISOLATION")], id="isolation-wrong-type"),
    pytest.param("CreateTrainingJob", training_job(EnableInterContainerTrafficEncryption=False),
                 [("EnableInterContainerTrafficEncryption", False, "SM-NET-ICTE")], id="icte-false"),
    pytest.param("CreateTrainingJob",
                 training_job(VpcConfig={"Subnets": ["subnet-0eeeeeeeeeeeeeeee"], "SecurityGroupIds": [SG]}),
                 [("VpcConfig.Subnets[0]", "subnet-0eeeeeeeeeeeeeeee", "SM-NET-VPC")], id="foreign-subnet"),
    pytest.param("CreateTrainingJob",
                 training_job(VpcConfig={"Subnets": [SUB_A], "SecurityGroupIds": ["sg-0eeeeeeeeeeeeeeee"]}),
                 [("VpcConfig.SecurityGroupIds[0]", "sg-0eeeeeeeeeeeeeeee", "SM-NET-VPC")], id="foreign-sg"),
    pytest.param("CreateTrainingJob", training_job(VpcConfig={"Subnets": [], "SecurityGroupIds": [SG]}),
                 [("VpcConfig.Subnets", [], "SM-NET-VPC")], id="empty-subnets"),
    pytest.param("CreateTrainingJob", training_job(VpcConfig={"Subnets": [SUB_A, SUB_A], "SecurityGroupIds": [SG]}),
                 [("VpcConfig.Subnets[1]", SUB_A, "SM-NET-VPC")], id="duplicate-subnet"),
    pytest.param("CreateTrainingJob", training_job(VpcConfig={"Subnets": [SUB_A.upper()], "SecurityGroupIds": [SG]}),
                 [("VpcConfig.Subnets[0]", SUB_A.upper(), "SM-NET-VPC")], id="case-variant"),
    pytest.param("CreateTrainingJob", training_job(VpcConfig={"Subnets": [f" {SUB_A}"], "SecurityGroupIds": [SG]}),
                 [("VpcConfig.Subnets[0]", f" {SUB_A}", "SM-NET-VPC")], id="whitespace-variant"),
    pytest.param("CreateTrainingJob", training_job(VpcConfig={}),
                 [("VpcConfig.Subnets", MISSING, "SM-NET-VPC"), ("VpcConfig.SecurityGroupIds", MISSING, "SM-NET-VPC")],
                 id="empty-vpc-config"),
    pytest.param("CreateTrainingJob", training_job(RoleArn="arn:aws:iam::123456789012:role/Admin"),
                 [("RoleArn", "arn:aws:iam::123456789012:role/Admin", "SM-IAM-ROLE")], id="foreign-role"),
    pytest.param("CreateProcessingJob", processing_job(NetworkConfig={"EnableNetworkIsolation": False}),
                 [("NetworkConfig.EnableNetworkIsolation", False, "SM-NET-ISOLATION")], id="processing-isolation-false"),
    pytest.param("CreateHyperParameterTuningJob",
                 tuning_job([definition(), definition(VpcConfig={"Subnets": [SUB_A, "subnet-0eeeeeeeeeeeeeeee"],
                                                                 "SecurityGroupIds": [SG]})]),
                 [("TrainingJobDefinitions[1].VpcConfig.Subnets[1]", "subnet-0eeeeeeeeeeeeeeee", "SM-NET-VPC")],
                 id="tuning-nested-one-bad-element"),
    pytest.param("CreateHyperParameterTuningJob",
                 {"HyperParameterTuningJobName": "t", "HyperParameterTuningJobConfig": {},
                  "TrainingJobDefinition": definition(EnableNetworkIsolation=False)},
                 [("TrainingJobDefinition.EnableNetworkIsolation", False, "SM-NET-ISOLATION")],
                 id="tuning-single-definition"),
    pytest.param("CreateModel", model(EnableNetworkIsolation=False),
                 [("EnableNetworkIsolation", False, "SM-NET-ISOLATION")], id="model-isolation-false"),
    pytest.param("CreateEndpointConfig",
                 {"EndpointConfigName": "e", "ProductionVariants": [{"VariantName": "v", "ModelName": "m"}],
                  "EnableNetworkIsolation": False},
                 [("EnableNetworkIsolation", False, "SM-NET-ISOLATION")], id="endpoint-config-explicit-false"),
    pytest.param("CreateNotebookInstance", notebook(DirectInternetAccess="Enabled"),
                 [("DirectInternetAccess", "Enabled", "SM-NB-DIRECT-INTERNET")], id="notebook-internet-enabled"),
    pytest.param("CreateNotebookInstance", notebook(SubnetId="subnet-0eeeeeeeeeeeeeeee"),
                 [("SubnetId", "subnet-0eeeeeeeeeeeeeeee", "SM-NET-SUBNET")], id="notebook-foreign-subnet"),
    pytest.param("CreateNotebookInstance", notebook(SecurityGroupIds=[]),
                 [("SecurityGroupIds", [], "SM-NET-SG")], id="notebook-empty-sgs"),
    pytest.param("CreateNotebookInstance", notebook(RootAccess="Enabled"),
                 [("RootAccess", "Enabled", "SM-NB-ROOT")], id="notebook-root-enabled"),
    pytest.param("CreateNotebookInstance", notebook(DirectInternetAccess="disabled"),
                 [("DirectInternetAccess", "disabled", "SM-NB-DIRECT-INTERNET")], id="notebook-case-variant"),
    pytest.param("UpdateNotebookInstance", {"NotebookInstanceName": "nb", "RootAccess": "Enabled"},
                 [("RootAccess", "Enabled", "SM-NB-ROOT")], id="update-root-enabled"),
]


@pytest.mark.parametrize("operation,request_,expected", REFUSE_CASES)
def test_apply_refuses_explicit_conflicts_listing_every_one(profile, operation, request_, expected):
    with pytest.raises(GuardrailViolation) as exc:
        guard.apply(operation, request_, profile)
    got = [(v.path, v.found, v.rule_id) for v in exc.value.violations]
    assert got == expected
    assert exc.value.operation == operation
    text = str(exc.value)
    assert text.startswith(f"{operation} refused: ")
    for path, _, _ in expected:
        assert path in text


def test_every_violation_is_listed_not_just_the_first(profile):
    req = training_job(EnableNetworkIsolation=False, EnableInterContainerTrafficEncryption=False,
                       VpcConfig={"Subnets": ["subnet-0eeeeeeeeeeeeeeee"], "SecurityGroupIds": []})
    with pytest.raises(GuardrailViolation) as exc:
        guard.apply("CreateTrainingJob", req, profile)
    assert [v.path for v in exc.value.violations] == [
        "EnableNetworkIsolation", "VpcConfig.Subnets[0]", "VpcConfig.SecurityGroupIds",
        "EnableInterContainerTrafficEncryption",
    ]
    assert str(exc.value).startswith("CreateTrainingJob refused: 4 violations:\n")


def test_message_follows_house_style(profile):
    with pytest.raises(GuardrailViolation) as exc:
        guard.apply("CreateTrainingJob", training_job(EnableNetworkIsolation=False), profile)
    assert str(exc.value) == (
        "CreateTrainingJob refused: EnableNetworkIsolation is False; the profile requires True. "
        "Set EnableNetworkIsolation to True, or omit it so that the closed session injects True."
    )


_OMIT_HINT = re.compile(r", or omit (it so that the closed session|it in a closed session|the structure to use)"
                        r"|KMS key for \S+, or omit it")
"""The guard's hints that omitting a field gets it injected (a field that cannot run closed is still told to be
omitted: that needs no injection)."""


def test_the_omit_hint_is_given_only_where_the_decision_injects(profile):
    """Issue 13 item 4 (trial 16 F09): "or omit it so that the closed session injects" only where an absent field
    is filled (decide / apply of a create operation: a closed session, a guarded client or process); never in
    check (a request file, a template's requests), a description (the audit), or an update (injects nothing)."""
    from safemaker.rules import RULES

    request = training_job(EnableNetworkIsolation=False)
    assert _OMIT_HINT.search(guard.decide("CreateTrainingJob", request, profile).violations[0].fix)
    assert _OMIT_HINT.search(guard.decide("CreateModel", {"EnableNetworkIsolation": False}, profile).violations[0].fix)
    for operation, rule in RULES.items():
        for params in ({}, {"EnableNetworkIsolation": False, "AppNetworkAccessType": "PublicInternetOnly"}):
            fixes = [v.fix for v in guard.check(operation, params, profile)]
            if rule.kind == "update":
                fixes += [v.fix for v in guard.decide(operation, params, profile).violations]
            if rule.resource is not None:
                fixes += [v.fix for v in guard.check_resource(rule.resource, params, profile)]
            assert not [f for f in fixes if _OMIT_HINT.search(f)], operation


def test_update_does_not_demand_unchanged_fields(profile):
    # Absent on an update means "unchanged": nothing to inject, nothing to refuse.
    d = guard.decide("UpdateNotebookInstance", {"NotebookInstanceName": "nb", "InstanceType": "ml.t3.large"}, profile)
    assert d.violations == () and d.injected == ()
    assert d.params == {"NotebookInstanceName": "nb", "InstanceType": "ml.t3.large"}


def test_check_treats_absent_as_the_insecure_default(profile):
    violations = guard.check("CreateTrainingJob", training_job(), profile)
    assert [(v.path, v.found) for v in violations] == [
        ("EnableNetworkIsolation", MISSING),
        ("VpcConfig", MISSING),
        ("EnableInterContainerTrafficEncryption", MISSING),
    ]


# --------------------------------------------------------------------------- field reports


def test_F01_half_a_vpc_config_is_refused_naming_the_missing_list(profile):
    """F01: a request carrying only security groups is refused, naming Subnets."""
    with pytest.raises(GuardrailViolation) as exc:
        guard.apply("CreateTrainingJob", training_job(VpcConfig={"SecurityGroupIds": [SG]}), profile)
    (v,) = exc.value.violations
    assert v.path == "VpcConfig.Subnets" and v.found is MISSING
    assert "Give both Subnets and SecurityGroupIds" in v.fix
    with pytest.raises(GuardrailViolation) as exc:
        guard.apply("CreateTrainingJob", training_job(VpcConfig={"Subnets": [SUB_A]}), profile)
    assert [v.path for v in exc.value.violations] == ["VpcConfig.SecurityGroupIds"]


def test_F01_sdk_dropped_vpc_config_gets_both_profile_lists(profile):
    """F01: SDK v2 drops VpcConfig entirely for half a config; the final request carries both lists."""
    sent = guard.apply("CreateTrainingJob", training_job(), profile)
    assert sent["VpcConfig"] == {"Subnets": [SUB_A, SUB_C], "SecurityGroupIds": [SG]}


def test_F02_models_referenced_by_endpoint_config_and_transform_are_checked(profile):
    """F02: CreateEndpointConfig and CreateTransformJob name the models to check (the hooks describe them)."""
    ec = {"EndpointConfigName": "e",
          "ProductionVariants": [{"VariantName": "a", "ModelName": "m1"}, {"VariantName": "b", "ModelName": "m2"}],
          "ShadowProductionVariants": [{"VariantName": "s", "ModelName": "m3"}]}
    d = guard.decide("CreateEndpointConfig", ec, profile)
    assert [(r.path, r.name) for r in d.references] == [
        ("ProductionVariants[0].ModelName", "m1"), ("ProductionVariants[1].ModelName", "m2"),
        ("ShadowProductionVariants[0].ModelName", "m3")]
    # Model-based variants: the models carry isolation and VPC, so nothing is injected here.
    assert "VpcConfig" not in d.params and "EnableNetworkIsolation" not in d.params
    tj = {"TransformJobName": "t", "ModelName": "m1", "TransformInput": {}, "TransformOutput": {"S3OutputPath": "s3://b"},
          "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1}}
    assert [(r.path, r.resource, r.name) for r in guard.decide("CreateTransformJob", tj, profile).references] == [
        ("ModelName", "model", "m1")]


def test_F02_open_model_description_is_refused(profile):
    """F02: a referenced model without isolation or outside the profile's VPC makes the call refused."""
    open_model = {"ModelName": "m1", "EnableNetworkIsolation": False,
                  "VpcConfig": {"Subnets": ["subnet-0eeeeeeeeeeeeeeee"], "SecurityGroupIds": [SG]}}
    vs = guard.check_resource("model", open_model, profile, operation="CreateEndpointConfig",
                              via="ProductionVariants[0].ModelName -> DescribeModel(ModelName='m1')")
    assert [(v.operation, v.path, v.found) for v in vs] == [
        ("CreateEndpointConfig", "ProductionVariants[0].ModelName -> DescribeModel(ModelName='m1').EnableNetworkIsolation", False),
        ("CreateEndpointConfig", "ProductionVariants[0].ModelName -> DescribeModel(ModelName='m1').VpcConfig.Subnets[0]",
         "subnet-0eeeeeeeeeeeeeeee"),
    ]
    closed_model = {"ModelName": "m1", "EnableNetworkIsolation": True, "VpcConfig": VPC_CONFIG}
    assert guard.check_resource("model", closed_model, profile) == []


def test_F14_notebook_direct_internet_access_omitted_or_enabled(profile):
    """F14: omitted is the insecure default (check), Enabled refused, Disabled injected with SubnetId and SGs."""
    assert [(v.path, v.found) for v in guard.check("CreateNotebookInstance", notebook(), profile)][0] == (
        "DirectInternetAccess", MISSING)
    with pytest.raises(GuardrailViolation):
        guard.apply("CreateNotebookInstance", notebook(DirectInternetAccess="Enabled"), profile)
    sent = guard.apply("CreateNotebookInstance", notebook(), profile)
    assert (sent["DirectInternetAccess"], sent["SubnetId"], sent["SecurityGroupIds"]) == ("Disabled", SUB_A, [SG])
    # On an existing notebook, the fix is "recreate": DirectInternetAccess cannot be updated.
    (v,) = [v for v in guard.check_resource("notebook-instance",
                                            {"NotebookInstanceName": "nb", "DirectInternetAccess": "Enabled",
                                             "SubnetId": SUB_A, "SecurityGroups": [SG], "RootAccess": "Disabled"},
                                            profile)]
    assert v.path == "DirectInternetAccess" and v.fix.startswith("Recreate")


def test_F16_disabled_without_subnet_is_refused_by_the_guard_itself(profile):
    """F16: moto accepts DirectInternetAccess=Disabled without SubnetId; AWS does not, and neither does the guard."""
    violations = guard.check("CreateNotebookInstance",
                             notebook(DirectInternetAccess="Disabled", SecurityGroupIds=[SG], RootAccess="Disabled"),
                             profile)
    assert [(v.path, v.found) for v in violations] == [("SubnetId", MISSING)]
    violations = guard.check("CreateNotebookInstance",
                             notebook(DirectInternetAccess="Disabled", SubnetId="", SecurityGroupIds=[SG],
                                      RootAccess="Disabled"), profile)
    assert [(v.path, v.found, v.rule_id) for v in violations] == [("SubnetId", "", "SM-NET-SUBNET")]


def test_F16_describe_vpc_config_empty_means_no_vpc(profile):
    """F16: a description's ``VpcConfig: {}`` is no VPC, never compliant."""
    vs = guard.check_resource("model", {"ModelName": "m", "EnableNetworkIsolation": True, "VpcConfig": {}}, profile)
    assert [(v.path, v.found, v.rule_id) for v in vs] == [("VpcConfig", MISSING, "SM-NET-VPC")]


# --------------------------------------------------------------------------- table sanity


def test_every_guardrail_used_in_the_table_has_a_check(profile):
    """Each field of each rule runs through the guard without error on an empty request."""
    for operation in RULES:
        guard.decide(operation, {}, profile)
        guard.check(operation, {}, profile)


def test_guardrail_ids_are_unique_and_stable():
    values = [g.value for g in Guardrail]
    assert len(values) == len(set(values))
    assert Guardrail.NETWORK_ISOLATION.value == "SM-NET-ISOLATION"
    assert Guardrail.DIRECT_INTERNET_ACCESS.value == "SM-NB-DIRECT-INTERNET"


def test_serverless_variant_is_refused_everywhere_it_can_appear(profile):
    """Serverless Inference has no VpcConfig and no network isolation: refused in requests and descriptions."""
    serverless = {"MemorySizeInMB": 2048, "MaxConcurrency": 1}
    req = {"EndpointConfigName": "sv",
           "ProductionVariants": [{"VariantName": "a", "ModelName": "m", "InstanceType": "ml.m5.large",
                                   "InitialInstanceCount": 1},
                                  {"VariantName": "b", "ModelName": "m", "ServerlessConfig": serverless}],
           "ShadowProductionVariants": [{"VariantName": "s", "ModelName": "m", "ServerlessConfig": serverless}]}
    with pytest.raises(GuardrailViolation) as exc:
        guard.apply("CreateEndpointConfig", req, profile)
    assert [(v.path, v.rule_id) for v in exc.value.violations] == [
        ("ProductionVariants[1].ServerlessConfig", "SM-UNSUPPORTED"),
        ("ShadowProductionVariants[0].ServerlessConfig", "SM-UNSUPPORTED"),
    ]
    assert "serverless inference supports neither VpcConfig nor network isolation" in str(exc.value)
    described = {"EndpointConfigName": "sv", "ProductionVariants": [{"VariantName": "b", "ModelName": "m",
                                                                    "ServerlessConfig": serverless}]}
    (v,) = guard.check_resource("endpoint-config", described, profile)
    assert v.path == "ProductionVariants[0].ServerlessConfig" and v.fix.startswith("Recreate the resource without")
