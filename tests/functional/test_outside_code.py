"""Code a request makes run outside the profile's network (trial 9, F01, F02, F06).

- **Canvas** (F01): ``CanvasAppSettings`` of a domain's ``DefaultUserSettings`` or a user profile's
  ``UserSettings`` turns on EMR Serverless jobs (``EmrServerlessSettings``: the compute
  ``CreateAutoMLJobV2``'s ``EmrServerlessComputeConfig`` asks for, refused there), deployments Canvas makes
  itself (``DirectDeploySettings``: Autopilot's ``ModelDeployConfig``, refused there) and OAuth data sources
  outside AWS (``IdentityProviderOAuthSettings``). Each is refused unless its ``Status`` is ``DISABLED``.
- **Debugger / Profiler rules** (F02): a rule configuration runs its ``RuleEvaluatorImage`` as a job of its own,
  with no VPC or isolation member (as a ``ValidationSpecification``'s jobs). AWS's built-in rule image
  (``sagemaker-debugger-rules:latest`` of the region's Debugger account: the SageMaker SDK's image URI config,
  read below) passes; any other image is refused, on ``CreateTrainingJob`` and ``UpdateTrainingJob``.
- **Lambda functions** (F06): Ground Truth invokes a labeling job's pre-annotation and consolidation Lambdas with
  the data, and a serverless training job its reward function (``ServerlessJobConfig.EvaluatorArn``), as a
  pipeline Lambda step does (refused). The built-in Ground Truth functions that botocore's doc strings list per
  region pass; any other function is refused.

moto (5.2.x) has CreateDomain and CreateTrainingJob (real HTTP to 127.0.0.1, the request log says what was
sent); UpdateDomain, Create/UpdateUserProfile, UpdateTrainingJob and CreateLabelingJob answer through botocore's
Stubber on the same guarded client (an unstubbed call raises, so "refused" means nothing was sent).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import botocore.session
import pytest
from botocore.stub import Stubber

from safemaker import guard, hooks
from safemaker.errors import GuardrailViolation

from _profiles import IMG, ROLE, SG, SUB_A, SUB_C, VPC

MODEL = botocore.session.get_session().get_service_model("sagemaker")
ARN = "arn:aws:sagemaker:us-east-1:123456789012"


def _doc(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text or ""))


@pytest.fixture
def sm(safemaker_session, profile):
    hooks.install(safemaker_session, profile)
    return safemaker_session.client("sagemaker")


def _refused(call, **kwargs) -> GuardrailViolation:
    with pytest.raises(GuardrailViolation) as exc:
        call(**kwargs)
    return exc.value


# --------------------------------------------------------------------------- Canvas (F01)

REFUSED_CANVAS = {"EmrServerlessSettings", "DirectDeploySettings", "IdentityProviderOAuthSettings"}
INSIDE_AWS_CANVAS = {"TimeSeriesForecastingSettings", "ModelRegisterSettings", "WorkspaceSettings", "KendraSettings",
                     "GenerativeAiSettings"}


def test_every_canvas_setting_of_botocore_is_decided():
    """A member botocore adds to CanvasAppSettings fails here until someone reads its documentation."""
    shape = MODEL.shape_for("CanvasAppSettings")
    assert set(shape.members) == REFUSED_CANVAS | INSIDE_AWS_CANVAS
    assert "EMR Serverless" in _doc(shape.members["EmrServerlessSettings"].documentation)
    assert "model deployment" in _doc(shape.members["DirectDeploySettings"].documentation)
    assert "external data source with OAuth" in _doc(shape.members["IdentityProviderOAuthSettings"].documentation)
    assert MODEL.shape_for("FeatureStatus").enum == ["ENABLED", "DISABLED"]
    # CanvasAppSettings is a member of UserSettings only (domain defaults, user profiles), not of space settings
    holders = {name for name in MODEL.shape_names
               if any(m.name == "CanvasAppSettings" for m in getattr(MODEL.shape_for(name), "members", {}).values())}
    assert holders == {"UserSettings"}


def _canvas(emr="DISABLED", deploy="DISABLED", oauth="DISABLED") -> dict:
    return {"EmrServerlessSettings": {"Status": emr, "ExecutionRoleArn": ROLE},
            "DirectDeploySettings": {"Status": deploy},
            "IdentityProviderOAuthSettings": [{"DataSourceName": "Snowflake", "Status": oauth,
                                               "SecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:s"}],
            "KendraSettings": {"Status": "ENABLED"}, "TimeSeriesForecastingSettings": {"Status": "ENABLED"}}


def _domain(canvas: dict) -> dict:
    return {"DomainName": "d", "AuthMode": "IAM", "VpcId": VPC, "SubnetIds": [SUB_A, SUB_C],
            "AppNetworkAccessType": "VpcOnly",
            "DefaultUserSettings": {"ExecutionRole": ROLE, "SecurityGroups": [SG], "CanvasAppSettings": canvas},
            "DefaultSpaceSettings": {"ExecutionRole": ROLE, "SecurityGroups": [SG]}}


OPENING = [({"emr": "ENABLED"}, "EmrServerlessSettings.Status"),
           ({"deploy": "ENABLED"}, "DirectDeploySettings.Status"),
           ({"oauth": "ENABLED"}, "IdentityProviderOAuthSettings[0].Status")]


@pytest.mark.parametrize("setting, path", OPENING, ids=["emr-serverless", "direct-deploy", "oauth"])
def test_create_domain_with_a_canvas_path_out_is_refused_and_nothing_sent(safemaker_local, sm, setting, path):
    exc = _refused(sm.create_domain, **_domain(_canvas(**setting)))
    assert [(v.path, v.found, v.rule_id) for v in exc.violations] == [
        (f"DefaultUserSettings.CanvasAppSettings.{path}", "ENABLED", "SM-UNSUPPORTED")]
    assert "DISABLED" in exc.violations[0].fix
    assert safemaker_local.request_count("sagemaker", "CreateDomain") == 0


def test_create_domain_with_those_canvas_settings_disabled_is_sent(safemaker_local, sm):
    sm.create_domain(**_domain(_canvas()))  # Kendra and Forecast stay on: inside AWS
    assert safemaker_local.request_count("sagemaker", "CreateDomain") == 1


@pytest.mark.parametrize("setting, path", OPENING, ids=["emr-serverless", "direct-deploy", "oauth"])
@pytest.mark.parametrize("method, settings, extra", [
    ("update_domain", "DefaultUserSettings", {"DomainId": "d-abc"}),
    ("create_user_profile", "UserSettings", {"DomainId": "d-abc", "UserProfileName": "u"}),
    ("update_user_profile", "UserSettings", {"DomainId": "d-abc", "UserProfileName": "u"})])
def test_updates_and_user_profiles_with_a_canvas_path_out_are_refused(sm, method, settings, extra, setting, path):
    request = {**extra, settings: {"CanvasAppSettings": _canvas(**setting)}}
    with Stubber(sm) as stub:  # nothing stubbed: a request sent (or a DescribeDomain) would raise
        exc = _refused(getattr(sm, method), **request)
        stub.assert_no_pending_responses()
    # (CreateUserProfile also follows its DomainId, unstubbed here: SM-REFERENCE)
    assert [(v.path, v.rule_id) for v in exc.violations if v.rule_id != "SM-REFERENCE"] == [
        (f"{settings}.CanvasAppSettings.{path}", "SM-UNSUPPORTED")]


def test_an_update_that_disables_them_is_sent(sm):
    request = {"DomainId": "d-abc", "DefaultUserSettings": {"CanvasAppSettings": _canvas()}}
    with Stubber(sm) as stub:
        stub.add_response("update_domain", {"DomainArn": f"{ARN}:domain/d-abc"}, request)
        sm.update_domain(**request)
        stub.assert_no_pending_responses()


def test_the_audit_reads_a_domain_s_canvas_settings(profile):
    described = {"DomainId": "d-abc", "DomainArn": f"{ARN}:domain/d-abc", **_domain(_canvas(emr="ENABLED"))}
    [v] = guard.check_resource("domain", described, profile)
    assert (v.path, v.rule_id) == ("DefaultUserSettings.CanvasAppSettings.EmrServerlessSettings.Status",
                                   "SM-UNSUPPORTED")


# --------------------------------------------------------------------------- Debugger / Profiler rules (F02)


def _sdk_rule_registries() -> dict[str, str]:
    """The built-in rule image's registries, from the installed SageMaker SDK's image URI config (either major)."""
    import sagemaker

    root = Path(sagemaker.__file__).parent  # SDK v2: sagemaker/image_uri_config, v3: sagemaker/core/image_uri_config
    [config] = [p for p in (root / "image_uri_config" / "debugger.json", root / "core" / "image_uri_config" /
                            "debugger.json") if p.exists()]
    latest = json.loads(config.read_text())["versions"]["latest"]
    assert latest["repository"] == "sagemaker-debugger-rules"
    return latest["registries"]


REGISTRIES = _sdk_rule_registries()


def _builtin(region: str) -> str:
    domain = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"{REGISTRIES[region]}.dkr.ecr.{region}.{domain}/sagemaker-debugger-rules:latest"


def _training(**extra) -> dict:
    return {"TrainingJobName": "job", "RoleArn": ROLE,
            "AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"},
            "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
            "ResourceConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 10},
            "StoppingCondition": {"MaxRuntimeInSeconds": 60}, **extra}


def _rule(image: str) -> dict:
    return {"RuleConfigurationName": "r", "RuleEvaluatorImage": image, "InstanceType": "ml.m5.xlarge"}


CUSTOM_IMAGES = ["123456789012.dkr.ecr.us-east-1.amazonaws.com/my-rule:latest",
                 # AWS's image for *custom* rules runs the caller's rule code
                 f"{REGISTRIES['us-east-1']}.dkr.ecr.us-east-1.amazonaws.com/sagemaker-debugger-rule-evaluator:latest",
                 # the built-in repository under another region's account
                 f"{REGISTRIES['us-west-2']}.dkr.ecr.us-east-1.amazonaws.com/sagemaker-debugger-rules:latest"]


@pytest.mark.parametrize("image", CUSTOM_IMAGES, ids=["own", "custom-rule-evaluator", "wrong-account"])
@pytest.mark.parametrize("member", ["DebugRuleConfigurations", "ProfilerRuleConfigurations"])
def test_a_custom_rule_job_is_refused_and_nothing_sent(safemaker_local, sm, member, image):
    exc = _refused(sm.create_training_job, **_training(**{member: [_rule(_builtin("us-east-1")), _rule(image)]}))
    assert [(v.path, v.found, v.rule_id) for v in exc.violations] == [
        (f"{member}[1].RuleEvaluatorImage", image, "SM-UNSUPPORTED")]
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0


def test_the_built_in_rules_the_sdk_adds_are_sent(safemaker_local, sm):
    try:  # the SDK's own URI of the built-in rule image (its ProfilerReport default), either major
        from sagemaker import image_uris
    except ImportError:
        from sagemaker.core import image_uris

    image = image_uris.retrieve("debugger", region="us-east-1")
    assert image == _builtin("us-east-1")
    sm.create_training_job(**_training(DebugRuleConfigurations=[_rule(image)],
                                       ProfilerRuleConfigurations=[_rule(image)]))
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 1


@pytest.mark.parametrize("region", sorted(REGISTRIES))
def test_every_region_s_built_in_rule_image_passes(profile, region):
    request = _training(ProfilerRuleConfigurations=[_rule(_builtin(region))])
    assert [v.path for v in guard.check("CreateTrainingJob", guard.apply("CreateTrainingJob", request, profile),
                                        profile)] == []


def test_update_training_job_cannot_add_a_custom_rule_job(sm):
    with Stubber(sm) as stub:
        exc = _refused(sm.update_training_job, TrainingJobName="job",
                       ProfilerRuleConfigurations=[_rule(CUSTOM_IMAGES[0])])
        request = {"TrainingJobName": "job", "ProfilerRuleConfigurations": [_rule(_builtin("us-east-1"))]}
        stub.add_response("update_training_job", {"TrainingJobArn": f"{ARN}:training-job/job"}, request)
        sm.update_training_job(**request)
        stub.assert_no_pending_responses()
    assert [(v.path, v.rule_id) for v in exc.violations] == [
        ("ProfilerRuleConfigurations[0].RuleEvaluatorImage", "SM-UNSUPPORTED")]


# --------------------------------------------------------------------------- Lambda functions (F06)


def _documented_lambdas(member: str, shape: str) -> list[str]:
    doc = _doc(MODEL.shape_for(shape).members[member].documentation)
    assert "built-in task types" in doc
    return sorted(set(re.findall(r"arn:aws:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9-]+", doc)))


PRE = _documented_lambdas("PreHumanTaskLambdaArn", "HumanTaskConfig")
ACS = _documented_lambdas("AnnotationConsolidationLambdaArn", "AnnotationConsolidationConfig")
TEAM = f"{ARN}:workteam/private-crowd/team"


def _labeling(pre: str, acs: str) -> dict:
    return {"LabelingJobName": "l", "LabelAttributeName": "a", "RoleArn": ROLE,
            "InputConfig": {"DataSource": {"S3DataSource": {"ManifestS3Uri": "s3://b/m"}}},
            "OutputConfig": {"S3OutputPath": "s3://b/o"},
            "HumanTaskConfig": {"WorkteamArn": TEAM, "UiConfig": {"UiTemplateS3Uri": "s3://b/u"},
                                "PreHumanTaskLambdaArn": pre, "TaskTitle": "t", "TaskDescription": "d",
                                "NumberOfHumanWorkersPerDataObject": 1, "TaskTimeLimitInSeconds": 60,
                                "AnnotationConsolidationConfig": {"AnnotationConsolidationLambdaArn": acs}}}


def test_every_documented_built_in_function_passes(profile):
    assert len(PRE) > 200 and len(ACS) > 200  # 23 task types in 12 regions
    for pre, acs in zip(PRE, ACS):
        vs = guard.check("CreateLabelingJob", _labeling(pre, acs), profile)
        assert [v.path for v in vs if "Lambda" in v.path] == [], (pre, acs)


@pytest.mark.parametrize("pre, acs, paths", [
    ("arn:aws:lambda:us-east-1:123456789012:function:my-pre", ACS[0], ["HumanTaskConfig.PreHumanTaskLambdaArn"]),
    (PRE[0], "arn:aws:lambda:us-east-1:123456789012:function:ACS-BoundingBox",
     ["HumanTaskConfig.AnnotationConsolidationConfig.AnnotationConsolidationLambdaArn"]),
    # a built-in name under another region's Ground Truth account is not that region's function
    ("arn:aws:lambda:us-east-1:081040173940:function:PRE-BoundingBox", ACS[0], ["HumanTaskConfig.PreHumanTaskLambdaArn"]),
], ids=["own-pre", "own-consolidation", "wrong-account"])
def test_a_custom_labeling_lambda_is_refused_and_nothing_sent(sm, pre, acs, paths):
    with Stubber(sm) as stub:  # nothing stubbed: the work team it names cannot be described either (SM-REFERENCE)
        exc = _refused(sm.create_labeling_job, **_labeling(pre, acs))
        stub.assert_no_pending_responses()
    lambdas = [v for v in exc.violations if v.rule_id != "SM-REFERENCE"]
    assert [v.path for v in lambdas] == paths
    assert all(v.rule_id == "SM-UNSUPPORTED" and "Lambda" in v.fix for v in lambdas)


def test_a_reward_function_is_refused_and_nothing_sent(safemaker_local, sm):
    doc = _doc(MODEL.shape_for("ServerlessJobConfig").members["EvaluatorArn"].documentation)
    assert "reward function" in doc
    serverless = {"BaseModelArn": "arn:aws:sagemaker:us-east-1:aws:hub-content/SageMakerPublicHub/Model/m/1.0.0",
                  "JobType": "FineTuning", "CustomizationTechnique": "RLVR",
                  "EvaluatorArn": "arn:aws:lambda:us-east-1:123456789012:function:reward"}
    exc = _refused(sm.create_training_job, **_training(ServerlessJobConfig=serverless))
    assert [(v.path, v.rule_id) for v in exc.violations] == [("ServerlessJobConfig.EvaluatorArn", "SM-UNSUPPORTED")]
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 0
