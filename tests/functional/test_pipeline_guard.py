"""Pipelines through a guarded client on the local backend (moto on 127.0.0.1, real HTTP).

CreatePipeline / UpdatePipeline with an inline definition or one in S3 (read
with an S3 client made like the guarded client), StartPipelineExecution
checked against the stored definition with the execution's parameter values.
Asserted on the backend's request log and on what moto stored.
"""

from __future__ import annotations

import json

import botocore.session
import pytest
from botocore.stub import Stubber

from safemaker import hooks
from safemaker.errors import GuardrailViolation
from safemaker.profile import VpcProfile

SUB_A = "subnet-0aaaaaaaaaaaaaaaa"
SUB_C = "subnet-0cccccccccccccccc"
SUB_X = "subnet-0123456789abcdef0"
SG = "sg-0bbbbbbbbbbbbbbbb"
ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"
IMG = "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1"
FIELDS = {"region": "us-east-1", "vpc_id": "vpc-0dddddddddddddddd", "subnets": [SUB_A, SUB_C],
          "security_group_ids": [SG], "execution_role_arn": ROLE}


@pytest.fixture
def profile() -> VpcProfile:
    return VpcProfile.from_mapping(FIELDS, source="test")


@pytest.fixture
def raw(safemaker_local):
    from safemaker.local import LocalSession

    return LocalSession(safemaker_local.endpoint_url, region_name="us-east-1").client("sagemaker")


def training(subnet=SUB_A, isolation=True):
    return {"Name": "TrainModel", "Type": "Training", "Arguments": {
        "AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"},
        "OutputDataConfig": {"S3OutputPath": "s3://b/out"}, "RoleArn": ROLE,
        "ResourceConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 30},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "VpcConfig": {"Subnets": [subnet], "SecurityGroupIds": [SG]},
        "EnableNetworkIsolation": isolation, "EnableInterContainerTrafficEncryption": True}}


def definition(*steps, parameters=()):
    return json.dumps({"Version": "2020-12-01", "Parameters": list(parameters), "Steps": list(steps)})


def create(client, name, text=None, **extra):
    request = {"PipelineName": name, "RoleArn": ROLE, "ClientRequestToken": f"{name}-token-0123456789abcdef".ljust(32, "0")}
    if text is not None:
        request["PipelineDefinition"] = text
    request.update(extra)
    return client.create_pipeline(**request)


def test_CreatePipeline_closed_definition_is_stored_as_written(safemaker_local, safemaker_session, profile):
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    text = definition(training())
    create(sm, "closed", text)
    assert sm.describe_pipeline(PipelineName="closed")["PipelineDefinition"] == text


def test_CreatePipeline_open_step_refused_naming_the_step_and_nothing_sent(safemaker_local, safemaker_session, profile):
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    with pytest.raises(GuardrailViolation) as exc:
        create(sm, "open", definition(training(subnet=SUB_X, isolation=False)))
    assert [(v.path, v.found) for v in exc.value.violations] == [
        ("PipelineDefinition.Steps[0:TrainModel].Arguments.EnableNetworkIsolation", False),
        ("PipelineDefinition.Steps[0:TrainModel].Arguments.VpcConfig.Subnets[0]", SUB_X),
    ]
    assert "CreatePipeline refused: 2 violations" in str(exc.value)
    assert safemaker_local.request_count("sagemaker", "CreatePipeline") == 0


def register_model_arguments():
    """A RegisterModel step's Arguments: a CreateModelPackage request (the SageMaker SDK builds them with
    get_create_model_package_request; the pipeline JSON schema's RegisterModel step), here with a
    ValidationSpecification, which runs validation transform jobs with no network settings."""
    return {"ModelPackageGroupName": "grp", "InferenceSpecification": {
        "Containers": [{"Image": IMG}], "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]},
        "ValidationSpecification": {"ValidationRole": ROLE, "ValidationProfiles": [{
            "ProfileName": "p", "TransformJobDefinition": {
                "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/x"}}},
                "TransformOutput": {"S3OutputPath": "s3://b/o"},
                "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1}}}]}}


def test_RegisterModel_step_is_checked_as_the_CreateModelPackage_request_it_makes(safemaker_local, safemaker_session,
                                                                                 profile):
    import botocore.session

    members = botocore.session.get_session().get_service_model("sagemaker").operation_model(
        "CreateModelPackage").input_shape.members
    args = register_model_arguments()
    assert set(args) <= set(members)  # the step's arguments are that request (botocore's model)
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    with pytest.raises(GuardrailViolation) as direct:
        sm.create_model_package(**args)
    with pytest.raises(GuardrailViolation) as step:
        create(sm, "register", definition({"Name": "Register", "Type": "RegisterModel", "Arguments": args}))
    assert [(v.path, v.rule_id) for v in step.value.violations] == [
        (f"PipelineDefinition.Steps[0:Register].Arguments.{v.path}", v.rule_id) for v in direct.value.violations]
    assert [v.path for v in direct.value.violations] == ["ValidationSpecification"]
    assert safemaker_local.request_count("sagemaker", "CreatePipeline") == 0
    assert safemaker_local.request_count("sagemaker", "CreateModelPackage") == 0
    del args["ValidationSpecification"]
    create(sm, "register", definition({"Name": "Register", "Type": "RegisterModel", "Arguments": args}))
    assert safemaker_local.request_count("sagemaker", "CreatePipeline") == 1


def clarify_check(model_name):
    """A model bias ClarifyCheck step as the SageMaker SDK v2 writes it (ClarifyCheckStep.to_request: the
    processing request in Arguments; beside it CheckType, ... and ModelName, the model Clarify deploys as a
    shadow endpoint)."""
    return {"Name": "Check", "Type": "ClarifyCheck", "Arguments": {
        "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large",
                                                  "VolumeSizeInGB": 30}},
        "AppSpecification": {"ImageUri": IMG}, "RoleArn": ROLE,
        "NetworkConfig": {"EnableNetworkIsolation": True, "EnableInterContainerTrafficEncryption": True,
                          "VpcConfig": {"Subnets": [SUB_A], "SecurityGroupIds": [SG]}}},
        "CheckType": "MODEL_BIAS", "ModelPackageGroupName": None, "SkipCheck": False, "FailOnViolation": True,
        "RegisterNewBaseline": False, "SuppliedBaselineConstraints": None, "ModelName": model_name}


def test_ClarifyCheck_shadow_model_is_followed_as_a_model_reference(safemaker_local, safemaker_session, profile, raw):
    container = {"Image": IMG}
    raw.create_model(ModelName="open-model", ExecutionRoleArn=ROLE, PrimaryContainer=container)  # AWS defaults: open
    raw.create_model(ModelName="closed-model", ExecutionRoleArn=ROLE, PrimaryContainer=container,
                     EnableNetworkIsolation=True, VpcConfig={"Subnets": [SUB_A], "SecurityGroupIds": [SG]})
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    with pytest.raises(GuardrailViolation) as exc:
        create(sm, "shadow-open", definition(clarify_check("open-model")))
    assert any(v.path.startswith("PipelineDefinition.Steps[0:Check].ModelName") for v in exc.value.violations), \
        [v.path for v in exc.value.violations]
    with pytest.raises(GuardrailViolation) as exc:
        create(sm, "shadow-param", definition(clarify_check({"Get": "Parameters.Model"}),
                                              parameters=[{"Name": "Model", "Type": "String"}]))
    assert [v.path for v in exc.value.violations] == ["PipelineDefinition.Steps[0:Check].ModelName"]
    assert safemaker_local.request_count("sagemaker", "CreatePipeline") == 0

    create(sm, "shadow-closed", definition(clarify_check("closed-model")))
    model_step = {"Name": "MakeModel", "Type": "Model", "Arguments": {
        "ExecutionRoleArn": ROLE, "PrimaryContainer": container, "EnableNetworkIsolation": True,
        "VpcConfig": {"Subnets": [SUB_A], "SecurityGroupIds": [SG]}}}
    create(sm, "shadow-step", definition(model_step, clarify_check({"Get": "Steps.MakeModel.ModelName"})))
    assert safemaker_local.request_count("sagemaker", "CreatePipeline") == 2


def test_CreatePipeline_from_s3_reads_the_object_with_the_same_backend(safemaker_local, safemaker_session, profile):
    s3 = safemaker_session.client("s3")
    s3.create_bucket(Bucket="defs")
    s3.put_object(Bucket="defs", Key="closed.json", Body=definition(training()).encode())
    s3.put_object(Bucket="defs", Key="open.json", Body=definition(training(), {"Name": "Notify", "Type": "Lambda",
                                                                                 "Arguments": {}}).encode())
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    safemaker_local.reset_requests()
    create(sm, "from-s3", PipelineDefinitionS3Location={"Bucket": "defs", "ObjectKey": "closed.json"})
    assert safemaker_local.request_count("s3", "GetObject") == 1  # the guard's read (moto reads its S3 in-process)
    # an unversioned bucket: the text checked is sent inline (see the test below)
    assert sm.describe_pipeline(PipelineName="from-s3")["PipelineDefinition"] == definition(training())
    with pytest.raises(GuardrailViolation) as exc:
        create(sm, "open-s3", PipelineDefinitionS3Location={"Bucket": "defs", "ObjectKey": "open.json"})
    # checked as the inline PipelineDefinition it would be sent as (an unversioned bucket)
    assert [(v.path, v.rule_id) for v in exc.value.violations] == [
        ("PipelineDefinition.Steps[1:Notify]", "SM-UNSUPPORTED")]
    assert safemaker_local.request_count("sagemaker", "CreatePipeline") == 1
    assert hooks.installed(safemaker_session).decisions[-1].references == ("s3:defs/open.json",)


def test_CreatePipeline_from_a_versioned_bucket_pins_the_version_read_and_checked(safemaker_local, safemaker_session,
                                                                                profile):
    # PipelineDefinitionS3Location.VersionId (SageMaker API reference): "Version Id of the pipeline
    # definition file. If not specified, Amazon SageMaker will retrieve the latest version." An object
    # overwritten between the guard's read and SageMaker's would otherwise be created unchecked.
    s3 = safemaker_session.client("s3")
    s3.create_bucket(Bucket="defs")
    s3.put_bucket_versioning(Bucket="defs", VersioningConfiguration={"Status": "Enabled"})
    checked = s3.put_object(Bucket="defs", Key="p.json", Body=definition(training()).encode())["VersionId"]
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    sent = []
    sm.meta.events.register("before-send.sagemaker.CreatePipeline",
                            lambda request, **kw: sent.append(json.loads(request.body)))
    create(sm, "pinned", PipelineDefinitionS3Location={"Bucket": "defs", "ObjectKey": "p.json"})
    assert sent[-1]["PipelineDefinitionS3Location"] == {"Bucket": "defs", "ObjectKey": "p.json", "VersionId": checked}
    # a version given by the caller is the one read, and is sent as given
    open_version = s3.put_object(Bucket="defs", Key="p.json",
                                 Body=definition(training(isolation=False)).encode())["VersionId"]
    create(sm, "given", PipelineDefinitionS3Location={"Bucket": "defs", "ObjectKey": "p.json", "VersionId": checked})
    assert sent[-1]["PipelineDefinitionS3Location"]["VersionId"] == checked
    # what SageMaker created is the version checked, not the open one written since (local fix
    # CreatePipeline-PipelineDefinitionS3Location-VersionId: moto alone read the latest)
    assert sm.describe_pipeline(PipelineName="given")["PipelineDefinition"] == definition(training())
    with pytest.raises(GuardrailViolation):
        create(sm, "latest-open", PipelineDefinitionS3Location={"Bucket": "defs", "ObjectKey": "p.json"})
    assert open_version != checked and len(sent) == 2


def test_CreatePipeline_from_an_unversioned_bucket_sends_the_definition_checked_inline(safemaker_local,
                                                                                       safemaker_session, profile):
    # Without versioning an S3 object has no VersionId to pin: whoever may write the object can replace it
    # between the guard's GetObject and SageMaker's read (here a before-send handler does). The text read
    # and checked is sent as PipelineDefinition instead, within botocore's length limit for that member.
    s3 = safemaker_session.client("s3")
    s3.create_bucket(Bucket="defs")
    closed = definition(training())
    s3.put_object(Bucket="defs", Key="p.json", Body=closed.encode())
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    sent = []

    def replace(request, **kw):
        sent.append(json.loads(request.body))
        s3.put_object(Bucket="defs", Key="p.json", Body=definition(training(isolation=False)).encode())

    sm.meta.events.register("before-send.sagemaker.CreatePipeline", replace)
    create(sm, "unversioned", PipelineDefinitionS3Location={"Bucket": "defs", "ObjectKey": "p.json"})
    assert "PipelineDefinitionS3Location" not in sent[-1] and sent[-1]["PipelineDefinition"] == closed
    assert sm.describe_pipeline(PipelineName="unversioned")["PipelineDefinition"] == closed
    assert safemaker_local.request_count("sagemaker", "CreatePipeline") == 1


def test_CreatePipeline_from_an_unversioned_bucket_too_long_to_send_inline_is_refused(safemaker_local,
                                                                                      safemaker_session, profile):
    import botocore.session

    limit = botocore.session.get_session().get_service_model("sagemaker").operation_model(
        "CreatePipeline").input_shape.members["PipelineDefinition"].metadata["max"]
    s3 = safemaker_session.client("s3")
    s3.create_bucket(Bucket="defs")
    step = training()
    step["Arguments"]["Environment"] = {"PAD": "x" * limit}
    s3.put_object(Bucket="defs", Key="big.json", Body=definition(step).encode())
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    location = {"Bucket": "defs", "ObjectKey": "big.json"}
    with pytest.raises(GuardrailViolation) as exc:
        create(sm, "big", PipelineDefinitionS3Location=location)
    [v] = exc.value.violations
    assert (v.path, v.found, v.rule_id) == ("PipelineDefinitionS3Location", location, "SM-REFERENCE")
    assert "versioning" in v.fix and "defs" in v.fix
    assert safemaker_local.request_count("sagemaker", "CreatePipeline") == 0


def test_CreatePipeline_with_both_an_inline_definition_and_an_s3_location_is_refused_naming_both(
        safemaker_local, safemaker_session, profile):
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    location = {"Bucket": "defs", "ObjectKey": "p.json"}
    with pytest.raises(GuardrailViolation) as exc:
        create(sm, "both", definition(training()), PipelineDefinitionS3Location=location)
    [v] = exc.value.violations
    assert (v.path, v.found) == ("PipelineDefinitionS3Location", location)
    assert "remove PipelineDefinitionS3Location" in v.fix and "remove PipelineDefinition " in v.fix
    assert "guarded client" not in v.fix
    assert safemaker_local.request_count("sagemaker", "CreatePipeline") == 0


def test_CreatePipeline_from_a_missing_s3_object_is_refused_as_unverifiable(safemaker_local, safemaker_session,
                                                                            profile):
    safemaker_session.client("s3").create_bucket(Bucket="defs")
    sm = safemaker_session.client("sagemaker")
    hooks.install(sm, profile)  # a client install: the S3 client is made from the client's credentials
    location = {"Bucket": "defs", "ObjectKey": "missing.json"}
    with pytest.raises(GuardrailViolation) as exc:
        create(sm, "missing", PipelineDefinitionS3Location=location)
    [v] = exc.value.violations
    assert (v.path, v.found, v.rule_id) == ("PipelineDefinitionS3Location", location, "SM-REFERENCE")
    assert "GetObject failed: NoSuchKey" in v.fix
    assert safemaker_local.request_count("s3", "GetObject") == 1
    assert safemaker_local.request_count("sagemaker", "CreatePipeline") == 0


def test_UpdatePipeline_to_an_open_definition_is_refused(safemaker_local, safemaker_session, profile):
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    create(sm, "p", definition(training()))
    with pytest.raises(GuardrailViolation) as exc:
        sm.update_pipeline(PipelineName="p", PipelineDefinition=definition(training(isolation=False)))
    assert [v.path for v in exc.value.violations] == [
        "PipelineDefinition.Steps[0:TrainModel].Arguments.EnableNetworkIsolation"]
    assert safemaker_local.request_count("sagemaker", "UpdatePipeline") == 0
    sm.update_pipeline(PipelineName="p", PipelineDisplayName="renamed")  # nothing to restate
    assert safemaker_local.request_count("sagemaker", "UpdatePipeline") == 1


def _parameterised():
    step = training()
    step["Arguments"]["VpcConfig"]["Subnets"] = [{"Get": "Parameters.Subnet"}]
    return definition(step, parameters=[{"Name": "Subnet", "Type": "String", "DefaultValue": SUB_A}])


def test_parameter_in_a_network_field_refused_unless_the_profile_allows_it(safemaker_local, safemaker_session,
                                                                           profile):
    sm = safemaker_session.client("sagemaker")
    hooks.install(sm, profile)
    with pytest.raises(GuardrailViolation) as exc:
        create(sm, "param", _parameterised())
    assert [(v.path, v.found) for v in exc.value.violations] == [
        ("PipelineDefinition.Steps[0:TrainModel].Arguments.VpcConfig.Subnets[0]", {"Get": "Parameters.Subnet"})]
    hooks.install(sm, VpcProfile.from_mapping({**FIELDS, "allow_pipeline_network_parameters": True}, source="t"))
    create(sm, "param", _parameterised())
    assert safemaker_local.request_count("sagemaker", "CreatePipeline") == 1


def test_StartPipelineExecution_checks_the_stored_definition_with_the_execution_values(
        safemaker_local, safemaker_session, profile, raw):
    create(raw, "param", _parameterised())  # stored without the guard
    sm = safemaker_session.client("sagemaker")
    hooks.install(sm, profile)
    token = "execution-token-0123456789abcdef"
    sm.start_pipeline_execution(PipelineName="param", ClientRequestToken=token)  # the default complies
    assert safemaker_local.request_count("sagemaker", "StartPipelineExecution") == 1
    with pytest.raises(GuardrailViolation) as exc:
        sm.start_pipeline_execution(PipelineName="param", ClientRequestToken=token + "2",
                                    PipelineParameters=[{"Name": "Subnet", "Value": SUB_X}])
    [v] = exc.value.violations
    assert v.path == ("PipelineName -> DescribePipeline(PipelineName='param').PipelineDefinition.Steps[0:TrainModel]"
                      ".Arguments.VpcConfig.Subnets[0]")
    assert (v.found, v.operation) == (SUB_X, "StartPipelineExecution")
    assert safemaker_local.request_count("sagemaker", "StartPipelineExecution") == 1
    assert safemaker_local.request_count("sagemaker", "DescribePipeline") == 2  # never cached: definitions change


def _isolation_parameter(default="false"):
    step = training()
    step["Arguments"]["EnableNetworkIsolation"] = {"Get": "Parameters.Isolate"}
    return definition(step, parameters=[{"Name": "Isolate", "Type": "Boolean", "DefaultValue": default}])


def test_StartPipelineExecution_boolean_parameter_as_the_sdk_sends_it(safemaker_local, safemaker_session, raw):
    """Both SDK majors send an execution's values as ``str(value)`` (v2 ``Pipeline.start`` ->
    ``format_start_parameters``: ``{"Name": k, "Value": str(v)}``): ``Isolate=True`` arrives as ``"True"``,
    a closed execution (trial 10 F09: it was refused as "is 'True'; the profile requires True")."""
    import inspect

    pytest.importorskip("sagemaker")
    try:
        from sagemaker.workflow.pipeline import format_start_parameters
    except ImportError:  # SDK v3 moved it
        from sagemaker.mlops.workflow.pipeline import format_start_parameters  # type: ignore[no-redef]
    assert format_start_parameters({"Isolate": True}) == [{"Name": "Isolate", "Value": "True"}], \
        inspect.getsource(format_start_parameters)
    relaxed = VpcProfile.from_mapping({**FIELDS, "allow_pipeline_network_parameters": True}, source="t")
    create(raw, "bool", _isolation_parameter())
    sm = safemaker_session.client("sagemaker")
    hooks.install(sm, relaxed)
    token = "execution-token-0123456789abcdef"
    for i, value in enumerate(("True", "true", "TRUE")):
        sm.start_pipeline_execution(PipelineName="bool", ClientRequestToken=f"{token}{i}",
                                    PipelineParameters=format_start_parameters({"Isolate": True})
                                    if value == "True" else [{"Name": "Isolate", "Value": value}])
    assert safemaker_local.request_count("sagemaker", "StartPipelineExecution") == 3
    for value in ("False", "false", "1", "yes", ""):  # anything but a true text leaves the job open
        with pytest.raises(GuardrailViolation) as exc:
            sm.start_pipeline_execution(PipelineName="bool", ClientRequestToken=f"{token}x",
                                        PipelineParameters=[{"Name": "Isolate", "Value": value}])
        assert [v.path.rsplit(".", 1)[-1] for v in exc.value.violations] == ["EnableNetworkIsolation"], value
    assert safemaker_local.request_count("sagemaker", "StartPipelineExecution") == 3


def test_StartPipelineExecution_naming_a_parameter_twice_is_refused(safemaker_local, safemaker_session, raw):
    """Which of two values SageMaker uses for one name is not documented (API reference, Parameter.Name: "must
    match a named parameter in the pipeline definition"): not ours to guess, whatever the order (trial 10 F10)."""
    relaxed = VpcProfile.from_mapping({**FIELDS, "allow_pipeline_network_parameters": True}, source="t")
    create(raw, "twice", _isolation_parameter(default=True))
    sm = safemaker_session.client("sagemaker")
    hooks.install(sm, relaxed)
    for values in (("false", "true"), ("true", "false"), ("true", "true")):
        with pytest.raises(GuardrailViolation) as exc:
            sm.start_pipeline_execution(
                PipelineName="twice", ClientRequestToken="execution-token-0123456789abcdef",
                PipelineParameters=[{"Name": "Isolate", "Value": values[0]}, {"Name": "Isolate", "Value": values[1]}])
        assert ("PipelineParameters[1].Name", "Isolate", "SM-UNSUPPORTED") in {
            (v.path, v.found, v.rule_id) for v in exc.value.violations}
    assert safemaker_local.request_count("sagemaker", "StartPipelineExecution") == 0


@pytest.mark.parametrize("given", ["isolate", "ISOLATE", "IsoLate"])
def test_StartPipelineExecution_naming_a_parameter_in_another_case_is_refused(safemaker_local, safemaker_session,
                                                                             raw, given):
    """Whether SageMaker matches a parameter name regardless of case is not documented (API reference,
    Parameter.Name: "must match a named parameter in the pipeline definition"); the check reads a value under its
    exact name only, so ``isolate=false`` for ``Isolate`` would otherwise be decided at the default (trial 15b)."""
    relaxed = VpcProfile.from_mapping({**FIELDS, "allow_pipeline_network_parameters": True}, source="t")
    create(raw, "cased", _isolation_parameter(default=True))
    sm = safemaker_session.client("sagemaker")
    hooks.install(sm, relaxed)
    with pytest.raises(GuardrailViolation) as exc:
        sm.start_pipeline_execution(PipelineName="cased", ClientRequestToken="execution-token-0123456789abcdef",
                                    PipelineParameters=[{"Name": given, "Value": "false"}])
    assert ("PipelineParameters", given, "SM-UNSUPPORTED") in {(v.path, v.found, v.rule_id)
                                                              for v in exc.value.violations}
    assert safemaker_local.request_count("sagemaker", "StartPipelineExecution") == 0
    sm.start_pipeline_execution(PipelineName="cased", ClientRequestToken="execution-token-0123456789abcdeg",
                                PipelineParameters=[{"Name": "Isolate", "Value": "true"}])  # as spelled: decided
    assert safemaker_local.request_count("sagemaker", "StartPipelineExecution") == 1


def test_a_definition_naming_a_parameter_twice_is_refused(safemaker_local, safemaker_session, profile):
    step = training()
    text = definition(step, parameters=[{"Name": "Subnet", "Type": "String", "DefaultValue": SUB_X},
                                        {"Name": "Subnet", "Type": "String", "DefaultValue": SUB_A}])
    sm = safemaker_session.client("sagemaker")
    hooks.install(sm, profile)
    with pytest.raises(GuardrailViolation) as exc:
        create(sm, "twice", text)
    [v] = exc.value.violations
    assert (v.path, v.rule_id) == ("PipelineDefinition.Parameters[1].Name", "SM-UNSUPPORTED")
    assert "'Subnet'" in str(v.found)
    assert safemaker_local.request_count("sagemaker", "CreatePipeline") == 0


def test_StartPipelineExecution_of_an_open_pipeline_is_refused(safemaker_local, safemaker_session, profile, raw):
    create(raw, "open", definition(training(), {"Name": "Notify", "Type": "Lambda", "Arguments": {}}))
    sm = safemaker_session.client("sagemaker")
    hooks.install(sm, profile)
    with pytest.raises(GuardrailViolation) as exc:
        sm.start_pipeline_execution(PipelineName="open", ClientRequestToken="execution-token-0123456789abcdef")
    assert [v.rule_id for v in exc.value.violations] == ["SM-UNSUPPORTED"]
    assert exc.value.violations[0].path.endswith("PipelineDefinition.Steps[1:Notify]")
    assert safemaker_local.request_count("sagemaker", "StartPipelineExecution") == 0


def test_StartPipelineExecution_of_an_unknown_pipeline_is_refused(safemaker_local, safemaker_session, profile):
    sm = safemaker_session.client("sagemaker")
    hooks.install(sm, profile)
    with pytest.raises(GuardrailViolation) as exc:
        sm.start_pipeline_execution(PipelineName="nope", ClientRequestToken="execution-token-0123456789abcdef")
    [v] = exc.value.violations
    assert (v.path, v.rule_id) == ("PipelineName", "SM-REFERENCE")
    assert "DescribePipeline failed" in v.fix


def test_StartPipelineExecution_checks_the_version_it_names(safemaker_session, profile):
    """The definition checked is the one of PipelineVersionId (moto keeps no versions: Stubber answers)."""
    sm = safemaker_session.client("sagemaker")
    hooks.install(sm, profile)
    token = "execution-token-0123456789abcdef"
    old_open = {"PipelineName": "p", "PipelineDefinition": definition(training(isolation=False)), "RoleArn": ROLE}
    with Stubber(sm) as stub:
        stub.add_response("describe_pipeline", old_open, {"PipelineName": "p", "PipelineVersionId": 3})
        with pytest.raises(GuardrailViolation) as exc:
            sm.start_pipeline_execution(PipelineName="p", PipelineVersionId=3, ClientRequestToken=token)
        stub.assert_no_pending_responses()
    assert [v.path for v in exc.value.violations] == [
        "PipelineName -> DescribePipeline(PipelineName='p', PipelineVersionId=3).PipelineDefinition"
        ".Steps[0:TrainModel].Arguments.EnableNetworkIsolation"]


def test_StartPipelineExecution_with_another_role_is_refused(safemaker_local, safemaker_session, profile, raw):
    create(raw, "p", definition(training()))
    sm = safemaker_session.client("sagemaker")
    hooks.install(sm, profile)
    with pytest.raises(GuardrailViolation) as exc:
        sm.start_pipeline_execution(PipelineName="p", ClientRequestToken="execution-token-0123456789abcdef",
                                    RoleArn="arn:aws:iam::123456789012:role/Admin")
    assert [(v.path, v.rule_id) for v in exc.value.violations] == [("RoleArn", "SM-IAM-ROLE")]
    assert safemaker_local.request_count("sagemaker", "StartPipelineExecution") == 0


def for_each(*body, **extra):
    """A ForEach step as SageMaker SDK 3.x writes it (ForEachStep.arguments: IterableItems, MaxConcurrency,
    ForEachBody = the body steps' requests)."""
    return {"Name": "Each", "Type": "ForEach", "Arguments": {
        "IterableItems": ["a", "b"], "MaxConcurrency": 2, "ForEachBody": list(body), **extra}}


def cleanup(*sources):
    """A Cleanup step as SageMaker SDK 3.x writes it (CleanupStep.arguments: Resources.S3 of S3CleanupSource)."""
    return {"Name": "Clean", "Type": "Cleanup", "Arguments": {"Resources": {"S3": [{"StepName": s} for s in sources]}}}


def test_ForEach_with_a_closed_body_and_Cleanup_are_sent_as_written(safemaker_local, safemaker_session, profile):
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    body = {**training(), "Name": "Body"}
    text = definition(training(), for_each(body), cleanup("TrainModel", "Each"))
    create(sm, "foreach", text)
    assert safemaker_local.request_count("sagemaker", "CreatePipeline") == 1
    assert sm.describe_pipeline(PipelineName="foreach")["PipelineDefinition"] == text


def test_ForEach_body_steps_are_checked_as_steps_and_an_open_one_refused(safemaker_local, safemaker_session,
                                                                          profile):
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    nested = {"Name": "Check", "Type": "Condition", "Arguments": {
        "Conditions": [], "IfSteps": [{**training(isolation=False), "Name": "Deep"}], "ElseSteps": []}}
    with pytest.raises(GuardrailViolation) as exc:
        create(sm, "foreach-open", definition(for_each({**training(subnet=SUB_X), "Name": "Body"}, nested)))
    assert [(v.path, v.found, v.rule_id) for v in exc.value.violations] == [
        ("PipelineDefinition.Steps[0:Each].Arguments.ForEachBody[0:Body].Arguments.VpcConfig.Subnets[0]", SUB_X,
         "SM-NET-VPC"),
        ("PipelineDefinition.Steps[0:Each].Arguments.ForEachBody[1:Check].Arguments.IfSteps[0:Deep].Arguments"
         ".EnableNetworkIsolation", False, "SM-NET-ISOLATION"),
    ]
    # the body's current item is known only at run time: in a network field it cannot be checked
    item = training()
    item["Arguments"]["VpcConfig"] = {"Subnets": [{"Get": "ForEach.CurrentItem"}], "SecurityGroupIds": [SG]}
    with pytest.raises(GuardrailViolation) as exc:
        create(sm, "foreach-item", definition(for_each({**item, "Name": "Body"})))
    assert [(v.path, v.found) for v in exc.value.violations] == [
        ("PipelineDefinition.Steps[0:Each].Arguments.ForEachBody[0:Body].Arguments.VpcConfig.Subnets[0]",
         {"Get": "ForEach.CurrentItem"})]
    assert safemaker_local.request_count("sagemaker", "CreatePipeline") == 0


@pytest.mark.parametrize("step", [
    for_each({**training(), "Name": "Body"}, ForEachBodyS3Uri="s3://b/body.json"),
    {"Name": "Each", "Type": "ForEach", "Arguments": {"Get": "Parameters.Body"}},
    {"Name": "Clean", "Type": "Cleanup", "Arguments": {"Resources": {"S3": []}, "Run": {"Image": IMG}}},
], ids=["ForEach-unknown-member", "ForEach-expression", "Cleanup-unknown-member"])
def test_ForEach_and_Cleanup_arguments_of_an_unknown_shape_are_refused(safemaker_local, safemaker_session, profile,
                                                                        step):
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    with pytest.raises(GuardrailViolation) as exc:
        create(sm, "unknown-shape", definition(step))
    [v] = exc.value.violations
    assert v.rule_id == "SM-UNSUPPORTED"
    assert v.path.startswith(f"PipelineDefinition.Steps[0:{step['Name']}].Arguments")
    assert f"Give a {step['Type']} step only the Arguments members" in v.fix
    assert safemaker_local.request_count("sagemaker", "CreatePipeline") == 0


@pytest.mark.parametrize(("step_type", "arguments", "reason"), [
    # sagemaker 3.x EMRServerlessStep.arguments (emr_serverless_step.py): an existing application or its config
    ("EMRServerless", {"ExecutionRoleArn": ROLE, "ApplicationId": "00abc",
                       "JobConfig": {"executionRoleArn": ROLE, "jobDriver": {}}}, "EMR Serverless"),
    # sagemaker 3.x JobStep.arguments: the CreateJob request its producer captured (botocore: CreateJob input)
    ("Job", {"JobName": "j", "JobCategory": "x", "JobConfigDocument": "{}", "RoleArn": ROLE}, "CreateJob"),
])
def test_EMRServerless_and_Job_steps_are_refused_with_the_reason(safemaker_local, safemaker_session, profile,
                                                                  step_type, arguments, reason):
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    with pytest.raises(GuardrailViolation) as exc:
        create(sm, "refused-step", definition({"Name": "S", "Type": step_type, "Arguments": arguments}))
    [v] = exc.value.violations
    assert (v.path, v.found, v.rule_id) == ("PipelineDefinition.Steps[0:S]", step_type, "SM-UNSUPPORTED")
    assert v.fix.startswith("Remove the step: ") and reason in v.fix
    assert safemaker_local.request_count("sagemaker", "CreatePipeline") == 0


@pytest.mark.parametrize("reference, names_the_model", [
    ("Steps.MakeModel.ModelName", True),
    ("Steps.MakeModel.PrimaryContainer.Environment['X']", False),
    ("Steps.MakeModel.ModelArn", False),
    ("Steps.MakeModel.ExecutionRoleArn", False),
])
def test_a_step_property_names_a_model_only_when_it_is_the_step_s_model_name(safemaker_local, safemaker_session,
                                                                          profile, raw, reference, names_the_model):
    """Trial 18c F03. A step's properties are its Describe response (SageMaker SDK v2 ``Properties`` of
    ``DescribeModelOutput``); of them only ``ModelName`` (botocore DescribeModel output member) is the name of the
    model the step makes. Any other property is text that names whatever it holds: before, a closed Model step
    whose environment held "open-model" let ``ProductionVariants[0].ModelName`` = ``Steps.M.PrimaryContainer.
    Environment['X']`` name an open model, and the pipeline was sent."""
    model = botocore.session.get_session().get_service_model("sagemaker")
    assert "ModelName" in model.operation_model("DescribeModel").output_shape.members
    raw.create_model(ModelName="open-model", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMG})
    model_step = {"Name": "MakeModel", "Type": "Model", "Arguments": {
        "ExecutionRoleArn": ROLE, "PrimaryContainer": {"Image": IMG, "Environment": {"X": "open-model"}},
        "EnableNetworkIsolation": True, "VpcConfig": {"Subnets": [SUB_A], "SecurityGroupIds": [SG]}}}
    config_step = {"Name": "Cfg", "Type": "EndpointConfig", "Arguments": {
        "ProductionVariants": [{"VariantName": "v", "ModelName": {"Get": reference}, "InitialInstanceCount": 1,
                                "InstanceType": "ml.m5.large"}]}}
    hooks.install(safemaker_session, profile)
    sm = safemaker_session.client("sagemaker")
    text = definition(model_step, config_step)
    if names_the_model:
        create(sm, "by-name", text)
        assert safemaker_local.request_count("sagemaker", "CreatePipeline") == 1
        return
    with pytest.raises(GuardrailViolation) as exc:
        create(sm, "by-property", text)
    assert [v.path for v in exc.value.violations] == [
        "PipelineDefinition.Steps[1:Cfg].Arguments.ProductionVariants[0].ModelName"]
    assert safemaker_local.request_count("sagemaker", "CreatePipeline") == 0
    # a ClarifyCheck's shadow model likewise
    with pytest.raises(GuardrailViolation):
        create(sm, "shadow-by-property", definition(model_step, clarify_check({"Get": reference})))
