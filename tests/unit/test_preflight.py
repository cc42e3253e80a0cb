"""Preflight checks on requests, requirements files and lifecycle scripts (pure, no network).

Expected values come from the components that do the fetching, not from
safemaker: the SageMaker training toolkit (``files.download_and_extract``
downloads an ``s3://`` submit directory with boto3; ``modules.install`` runs
``pip install . -r requirements.txt``), the Hugging Face inference toolkit
(``HF_MODEL_ID`` set means a Hub download), TGI's ``sagemaker-entrypoint.sh``
(``HF_MODEL_ID`` becomes ``MODEL_ID``), the DJL LMI configuration guide
(``OPTION_MODEL_ID`` is ``option.model_id``: "The HuggingFace Hub Model Id, or
the S3 URI"), pip's requirements-file format, and the SageMaker SDK's
remote-function entrypoint.
"""

from __future__ import annotations

import base64
import json

import pytest

from safemaker import guard
from safemaker.errors import GuardrailViolation
from safemaker.preflight import CHECKS, analyse_requirements, check_request, scan_script
from safemaker.profile import VpcProfile

from _profiles import IMG, ROLE, SG, SUB_A, make_profile
from _profiles import training_job_request as training_job

# The remote-function entrypoint as both SDK majors write it (JOBS_CONTAINER_ENTRYPOINT):
# "/bin/bash", f"/opt/ml/input/data/{RUNTIME_SCRIPTS_CHANNEL_NAME}/{ENTRYPOINT_SCRIPT_NAME}".
REMOTE_ENTRYPOINT = ["/bin/bash", "/opt/ml/input/data/sagemaker_remote_function_bootstrap/job_driver.sh"]


@pytest.fixture(scope="module")
def profile(profile_factory) -> VpcProfile:
    return profile_factory(subnets=[SUB_A])


def relaxed(**fields) -> VpcProfile:
    return make_profile(subnets=[SUB_A], **fields)




def rule_ids(decision) -> list[str]:
    return [v.rule_id for v in decision.violations]


# --------------------------------------------------------------------------- code download


# SDK v2 JSON-encodes every hyperparameter value (sagemaker.estimator: json.dumps).
S3_SUBMIT = json.dumps("s3://bucket/job/source/sourcedir.tar.gz")
CHANNEL_SUBMIT = json.dumps("/opt/ml/input/data/code/sourcedir.tar.gz")


def test_code_download_refused_when_the_guard_injects_isolation(profile):
    d = guard.decide("CreateTrainingJob", training_job(HyperParameters={"sagemaker_submit_directory": S3_SUBMIT}),
                     profile)
    assert d.params["EnableNetworkIsolation"] is True  # injected: the job would be closed and broken
    (v,) = d.violations
    assert (v.rule_id, v.path, v.found) == ("SM-PRE-CODE-DOWNLOAD", "HyperParameters.sagemaker_submit_directory",
                                            "s3://bucket/job/source/sourcedir.tar.gz")
    assert "'code' input channel" in v.message() and "ClosedEstimator" in v.fix


def test_code_channel_passes(profile):
    d = guard.decide("CreateTrainingJob",
                     training_job(HyperParameters={"sagemaker_submit_directory": CHANNEL_SUBMIT}), profile)
    assert d.violations == ()


def test_code_download_without_isolation_is_not_a_preflight_finding():
    p = relaxed(require_network_isolation=False)
    d = guard.decide("CreateTrainingJob", training_job(HyperParameters={"sagemaker_submit_directory": S3_SUBMIT}), p)
    assert d.violations == ()  # the container reaches S3 through the VPC's gateway endpoint


def test_code_download_in_every_tuning_definition_tuple_or_list(profile):
    definition = {"StaticHyperParameters": {"sagemaker_submit_directory": S3_SUBMIT},
                  "EnableNetworkIsolation": True}
    req = {"HyperParameterTuningJobName": "t", "HyperParameterTuningJobConfig": {},
           "TrainingJobDefinitions": (dict(definition), dict(definition, StaticHyperParameters={}))}
    findings = check_request("CreateHyperParameterTuningJob", req, profile)
    assert [v.path for v in findings.refusals] == [
        "TrainingJobDefinitions[0].StaticHyperParameters.sagemaker_submit_directory"]
    findings = check_request("CreateHyperParameterTuningJob", {"TrainingJobDefinition": definition}, profile)
    assert [v.path for v in findings.refusals] == ["TrainingJobDefinition.StaticHyperParameters.sagemaker_submit_directory"]


def test_model_submit_directory_in_s3_under_isolation(profile):
    req = {"ModelName": "m", "ExecutionRoleArn": ROLE, "EnableNetworkIsolation": True,
           "PrimaryContainer": {"Image": IMG, "ModelDataUrl": "s3://b/model.tar.gz",
                                "Environment": {"SAGEMAKER_SUBMIT_DIRECTORY": "s3://b/sourcedir.tar.gz"}}}
    (v,) = check_request("CreateModel", req, profile).refusals
    assert (v.rule_id, v.path) == ("SM-PRE-CODE-DOWNLOAD", "PrimaryContainer.Environment.SAGEMAKER_SUBMIT_DIRECTORY")
    req["PrimaryContainer"]["Environment"]["SAGEMAKER_SUBMIT_DIRECTORY"] = "/opt/ml/model/code"
    assert check_request("CreateModel", req, profile).refusals == []


def test_preflight_warnings_turns_a_refusal_into_a_warning():
    p = relaxed(preflight_warnings=["SM-PRE-CODE-DOWNLOAD"])
    d = guard.decide("CreateTrainingJob", training_job(HyperParameters={"sagemaker_submit_directory": S3_SUBMIT}), p)
    assert d.violations == ()
    assert [w.rule_id for w in d.warnings] == ["SM-PRE-CODE-DOWNLOAD"]


# --------------------------------------------------------------------------- model hub


@pytest.mark.parametrize("variable", ["HF_MODEL_ID", "OPTION_MODEL_ID"])
@pytest.mark.parametrize("container", ["PrimaryContainer", "Containers"])
def test_hub_model_id_refused_with_or_without_model_data(profile, variable, container):
    c = {"Image": IMG, "Environment": {variable: "meta-llama/Meta-Llama-3.1-8B-Instruct"}}
    req = {"ModelName": "m", "ExecutionRoleArn": ROLE,
           container: c if container == "PrimaryContainer" else [{"Image": IMG}, c]}
    d = guard.decide("CreateModel", req, profile)
    prefix = "PrimaryContainer" if container == "PrimaryContainer" else "Containers[1]"
    assert [(v.rule_id, v.path, v.found) for v in d.violations] == [
        ("SM-PRE-MODEL-HUB", f"{prefix}.Environment.{variable}", "meta-llama/Meta-Llama-3.1-8B-Instruct")]
    # The HF inference toolkit downloads HF_MODEL_ID whenever it is set, model data or not.
    c["ModelDataUrl"] = "s3://bucket/model.tar.gz"
    assert rule_ids(guard.decide("CreateModel", req, profile)) == ["SM-PRE-MODEL-HUB"]


@pytest.mark.parametrize("value", ["/opt/ml/model", "s3://bucket/models/llama/"])
def test_local_path_and_s3_pass_without_isolation(value):
    p = relaxed(require_network_isolation=False)
    req = {"ModelName": "m", "ExecutionRoleArn": ROLE,
           "PrimaryContainer": {"Image": IMG, "Environment": {"HF_MODEL_ID": value}}}
    assert guard.decide("CreateModel", req, p).violations == ()


def test_local_path_passes_and_s3_model_id_is_refused_under_isolation(profile):
    req = {"ModelName": "m", "ExecutionRoleArn": ROLE,
           "PrimaryContainer": {"Image": IMG, "ModelDataUrl": "s3://b/m.tar.gz",
                                "Environment": {"HF_MODEL_ID": "/opt/ml/model"}}}
    assert guard.decide("CreateModel", req, profile).violations == ()
    req["PrimaryContainer"]["Environment"]["OPTION_MODEL_ID"] = "s3://bucket/llama/"
    (v,) = guard.decide("CreateModel", req, profile).violations
    assert (v.rule_id, v.path) == ("SM-PRE-MODEL-HUB", "PrimaryContainer.Environment.OPTION_MODEL_ID")
    assert "ModelDataSource" in v.fix


def test_djl_serving_load_models_from_a_url(profile):
    req = {"ModelName": "m", "ExecutionRoleArn": ROLE, "PrimaryContainer": {
        "Image": IMG, "Environment": {"SERVING_LOAD_MODELS": "test::Python=https://example.com/model.tar.gz"}}}
    (v,) = check_request("CreateModel", req, profile).refusals
    assert (v.rule_id, v.path) == ("SM-PRE-MODEL-HUB", "PrimaryContainer.Environment.SERVING_LOAD_MODELS")
    req["PrimaryContainer"]["Environment"]["SERVING_LOAD_MODELS"] = "test::Python=/opt/ml/model"
    assert check_request("CreateModel", req, profile).refusals == []


# --------------------------------------------------------------------------- remote functions


def test_remote_function_refused_saying_why_and_which_field_relaxes(profile):
    req = training_job(EnableNetworkIsolation=False,  # the SDK always sends False for remote functions
                       AlgorithmSpecification={"TrainingImage": IMG, "TrainingInputMode": "File",
                                               "ContainerEntrypoint": REMOTE_ENTRYPOINT})
    d = guard.decide("CreateTrainingJob", req, profile)
    (v,) = d.violations  # replaces the generic "Set EnableNetworkIsolation to True"
    assert (v.rule_id, v.path) == ("SM-PRE-REMOTE-FUNCTION", "AlgorithmSpecification.ContainerEntrypoint")
    assert "cannot run network-isolated" in v.fix and "require_network_isolation" in v.fix


def test_remote_function_allowed_when_the_profile_does_not_require_isolation():
    p = relaxed(require_network_isolation=False)
    req = training_job(EnableNetworkIsolation=False,
                       AlgorithmSpecification={"TrainingImage": IMG, "TrainingInputMode": "File",
                                               "ContainerEntrypoint": REMOTE_ENTRYPOINT})
    assert guard.decide("CreateTrainingJob", req, p).violations == ()


def test_remote_function_as_warning_keeps_the_isolation_refusal():
    p = relaxed(preflight_warnings=["SM-PRE-REMOTE-FUNCTION"])
    req = training_job(EnableNetworkIsolation=False,
                       AlgorithmSpecification={"TrainingImage": IMG, "TrainingInputMode": "File",
                                               "ContainerEntrypoint": REMOTE_ENTRYPOINT})
    d = guard.decide("CreateTrainingJob", req, p)
    assert rule_ids(d) == ["SM-NET-ISOLATION"]
    assert [w.rule_id for w in d.warnings] == ["SM-PRE-REMOTE-FUNCTION"]


# --------------------------------------------------------------------------- notebooks and Studio


def test_notebook_code_repositories(profile):
    req = {"NotebookInstanceName": "nb", "InstanceType": "ml.t3.medium", "RoleArn": ROLE,
           "DefaultCodeRepository": "https://github.com/org/repo.git",
           "AdditionalCodeRepositories": ["my-registered-repo",
                                          "https://git-codecommit.us-east-1.amazonaws.com/v1/repos/r",
                                          "git@gitlab.com:org/repo.git"]}
    d = guard.decide("CreateNotebookInstance", req, profile)
    assert [(v.rule_id, v.path) for v in d.violations] == [
        ("SM-PRE-CODE-REPOSITORY", "DefaultCodeRepository"),
        ("SM-PRE-CODE-REPOSITORY", "AdditionalCodeRepositories[2]")]
    upd = {"NotebookInstanceName": "nb", "DefaultCodeRepository": "https://bitbucket.org/o/r"}
    assert rule_ids(guard.decide("UpdateNotebookInstance", upd, profile)) == ["SM-PRE-CODE-REPOSITORY"]


def test_create_code_repository(profile):
    d = guard.decide("CreateCodeRepository", {"CodeRepositoryName": "r",
                                              "GitConfig": {"RepositoryUrl": "https://github.com/o/r"}}, profile)
    assert [(v.rule_id, v.path) for v in d.violations] == [("SM-PRE-CODE-REPOSITORY", "GitConfig.RepositoryUrl")]
    d = guard.decide("CreateCodeRepository", {"CodeRepositoryName": "r", "GitConfig": {
        "RepositoryUrl": "https://git-codecommit.us-east-1.amazonaws.com/v1/repos/r"}}, profile)
    assert d.violations == ()


def test_studio_code_repositories(profile):
    findings = check_request("CreateUserProfile", {"DomainId": "d-1", "UserProfileName": "u", "UserSettings": {
        "JupyterLabAppSettings": {"CodeRepositories": [{"RepositoryUrl": "https://github.com/o/r"}]}}}, profile)
    assert [v.path for v in findings.refusals] == [
        "UserSettings.JupyterLabAppSettings.CodeRepositories[0].RepositoryUrl"]


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_lifecycle_configuration_lines_warn():
    # Lifecycle scripts run as root: a profile that disables root access refuses them (SM-NB-LIFECYCLE).
    profile = relaxed(notebook_root_access="Enabled")
    script = "\n".join([
        "#!/bin/bash",
        "set -e",
        "pip install pandas==2.2.2",
        "aws s3 cp s3://bucket/wheels/ /tmp/wheels --recursive",
        "pip install --no-index --find-links /tmp/wheels pandas",
        "conda install -y -c conda-forge polars",
        "curl -sSL https://example.com/setup.sh -o /tmp/setup.sh",
        "curl -sS https://bucket.s3.us-east-1.amazonaws.com/x.sh -o /tmp/x.sh",
        "git clone https://github.com/org/tools.git",
    ])
    # Notebook lifecycle scripts run as root: only a profile that enables root access lets one through
    # (SM-NB-LIFECYCLE); the preflight's warnings are what this test is about.
    root_enabled = profile.model_copy(update={"notebook_root_access": "Enabled"})
    d = guard.decide("CreateNotebookInstanceLifecycleConfig",
                     {"NotebookInstanceLifecycleConfigName": "lc", "OnStart": [{"Content": b64(script)}]}, root_enabled)
    assert d.violations == ()
    assert [(w.rule_id, w.path, w.found) for w in d.warnings] == [
        ("SM-PRE-LIFECYCLE-FETCH", "OnStart[0].Content line 3", "pip install pandas==2.2.2"),
        ("SM-PRE-LIFECYCLE-FETCH", "OnStart[0].Content line 6", "conda install -y -c conda-forge polars"),
        ("SM-PRE-LIFECYCLE-FETCH", "OnStart[0].Content line 7",
         "curl -sSL https://example.com/setup.sh -o /tmp/setup.sh"),
        ("SM-PRE-LIFECYCLE-FETCH", "OnStart[0].Content line 9", "git clone https://github.com/org/tools.git"),
    ]
    d = guard.decide("CreateStudioLifecycleConfig", {"StudioLifecycleConfigName": "s",
                                                     "StudioLifecycleConfigContent": b64("pip install torch\n"),
                                                     "StudioLifecycleConfigAppType": "JupyterLab"}, profile)
    assert [w.path for w in d.warnings] == ["StudioLifecycleConfigContent line 1"]


def test_codeartifact_login_makes_pip_lines_pass():
    script = ("aws codeartifact login --tool pip --domain d --domain-owner 123456789012 --repository r\n"
              "pip install pandas\n")
    assert scan_script(script) == []


def test_lifecycle_configuration_not_base64_is_a_warning():
    profile = relaxed(notebook_root_access="Enabled")
    d = guard.decide("CreateNotebookInstanceLifecycleConfig",
                     {"NotebookInstanceLifecycleConfigName": "lc", "OnCreate": [{"Content": "pip install x"}]},
                     profile)
    assert [w.path for w in d.warnings] == ["OnCreate[0].Content"]


# --------------------------------------------------------------------------- requirements files


@pytest.mark.parametrize(("text", "isolated", "env", "lines"), [
    ("pandas==2.2.2\nnumpy\n", True, {}, [1]),
    ("pandas==2.2.2\n", False, {}, [1]),
    ("--no-index\n--find-links wheelhouse\npandas==2.2.2\n", True, {}, []),
    ("--no-index --find-links=./wheelhouse\npandas\n", True, {}, []),
    ("-f https://download.pytorch.org/whl/torch_stable.html\n--no-index\ntorch\n", False, {}, [1]),
    ("--no-index\npandas\n", True, {}, [2]),
    ("./wheelhouse/pandas-2.2.2-cp310-cp310-manylinux2014_x86_64.whl\n", True, {}, []),
    ("mylib @ https://github.com/o/r/archive/v1.zip\n", False, {}, [1]),
    ("git+https://github.com/o/r.git@v1#egg=r\n", False, {}, [1]),
    ("-i https://dom-123456789012.d.codeartifact.us-east-1.amazonaws.com/pypi/r/simple/\npandas\n", False, {}, []),
    ("-i https://dom-123456789012.d.codeartifact.us-east-1.amazonaws.com/pypi/r/simple/\npandas\n", True, {}, [2]),
    ("pandas\n", False, {"CA_REPOSITORY_ARN": "arn:aws:codeartifact:us-east-1:123456789012:repository/d/r"}, []),
    ("pandas\n", False, {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": "/opt/ml/code/wheels"}, []),
    ("# only a comment\n\n", True, {}, []),
    ("pandas \\\n  ==2.2.2  # pinned\n", True, {}, [1]),
])
def test_requirements(text, isolated, env, lines):
    problems = analyse_requirements(text, isolated=isolated, environment=env)
    assert [p.line_no for p in problems] == lines


def test_requirements_includes_are_followed():
    files = {"base.txt": "--no-index\n--find-links wheelhouse\n", "more.txt": "requests\n"}
    assert analyse_requirements("-r base.txt\npandas\n", isolated=True, read_include=files.get) == []
    problems = analyse_requirements("-r missing.txt\n", isolated=True, read_include=files.get)
    assert [(p.line_no, p.line) for p in problems] == [(1, "-r missing.txt")]


def test_every_check_is_described():
    assert set(CHECKS) == {"SM-PRE-CODE-DOWNLOAD", "SM-PRE-MODEL-HUB", "SM-PRE-REQUIREMENTS",
                           "SM-PRE-REMOTE-FUNCTION", "SM-PRE-CODE-REPOSITORY", "SM-PRE-LIFECYCLE-FETCH"}
    for spec in CHECKS.values():
        assert spec.title and spec.finds and spec.fails_because and spec.fix


def test_apply_raises_with_the_preflight_refusal(profile):
    with pytest.raises(GuardrailViolation) as exc:
        guard.apply("CreateTrainingJob", training_job(HyperParameters={"sagemaker_submit_directory": S3_SUBMIT}),
                    profile)
    assert exc.value.violations[0].rule_id == "SM-PRE-CODE-DOWNLOAD"


# --------------------------------------------------------------------------- pipeline steps


def closed_training_step(**extra):
    args = training_job(EnableNetworkIsolation=True, EnableInterContainerTrafficEncryption=True,
                        VpcConfig={"Subnets": [SUB_A], "SecurityGroupIds": [SG]})
    args.pop("TrainingJobName")
    args.update(extra)
    return {"Name": "Train", "Type": "Training", "Arguments": args}


def pipeline(*steps) -> str:
    return json.dumps({"Version": "2020-12-01", "Parameters": [], "Steps": list(steps)})


def test_pipeline_training_step_with_code_download_is_refused(profile):
    step = closed_training_step(HyperParameters={"sagemaker_submit_directory": S3_SUBMIT})
    d = guard.decide("CreatePipeline", {"PipelineName": "p", "RoleArn": ROLE, "PipelineDefinition": pipeline(step)},
                     profile)
    assert [(v.rule_id, v.path) for v in d.violations] == [
        ("SM-PRE-CODE-DOWNLOAD", "PipelineDefinition.Steps[0:Train].Arguments.HyperParameters.sagemaker_submit_directory")]


def test_pipeline_remote_function_step_is_refused(profile):
    step = closed_training_step(EnableNetworkIsolation=False, AlgorithmSpecification={
        "TrainingImage": IMG, "TrainingInputMode": "File", "ContainerEntrypoint": REMOTE_ENTRYPOINT})
    d = guard.decide("CreatePipeline", {"PipelineName": "p", "RoleArn": ROLE, "PipelineDefinition": pipeline(step)},
                     profile)
    assert [(v.rule_id, v.path) for v in d.violations] == [
        ("SM-PRE-REMOTE-FUNCTION", "PipelineDefinition.Steps[0:Train].Arguments.AlgorithmSpecification.ContainerEntrypoint")]


def test_pipeline_model_step_with_hub_model_is_refused(profile):
    step = {"Name": "Model", "Type": "Model", "Arguments": {
        "ExecutionRoleArn": ROLE, "EnableNetworkIsolation": True,
        "VpcConfig": {"Subnets": [SUB_A], "SecurityGroupIds": [SG]},
        "PrimaryContainer": {"Image": IMG, "Environment": {"HF_MODEL_ID": "bigscience/T0pp"}}}}
    d = guard.decide("CreatePipeline", {"PipelineName": "p", "RoleArn": ROLE, "PipelineDefinition": pipeline(step)},
                     profile)
    assert [(v.rule_id, v.path) for v in d.violations] == [
        ("SM-PRE-MODEL-HUB", "PipelineDefinition.Steps[0:Model].Arguments.PrimaryContainer.Environment.HF_MODEL_ID")]


def test_continued_shell_lines_are_read_whole():
    assert scan_script("pip install \\\n  --no-index --find-links /tmp/w pandas\n") == []
    (f,) = scan_script("pip install \\\n  pandas\n")
    assert (f.line_no, f.line) == (1, "pip install pandas")


def test_safemakers_own_lifecycle_configuration_fetches_nothing_from_the_internet(profile):
    import safemaker.notebook  # noqa: F401  (notebook_lifecycle is imported through it)
    from safemaker.notebook_lifecycle import lifecycle_config_script

    bucketed = profile.model_copy(update={"default_bucket": "closed-bucket"})
    assert scan_script(lifecycle_config_script(bucketed)) == []


# --------------------------------------------------------------------------- the guard's call


_SCRIPT = base64.b64encode(b"#!/bin/bash\npip install requests\n").decode()
_FOUND_OR_NOT = [
    ("CreateTrainingJob", training_job(EnableNetworkIsolation=True,
                                       HyperParameters={"sagemaker_submit_directory": S3_SUBMIT})),
    ("CreateTrainingJob", training_job(EnableNetworkIsolation=True,
                                       HyperParameters={"sagemaker_submit_directory": CHANNEL_SUBMIT})),
    ("CreateTrainingJob", training_job(EnableNetworkIsolation=False, AlgorithmSpecification={
        "TrainingImage": IMG, "TrainingInputMode": "File", "ContainerEntrypoint": tuple(REMOTE_ENTRYPOINT)})),
    ("CreateTrainingJob", training_job()),
    ("CreateHyperParameterTuningJob", {"TrainingJobDefinitions": (
        {"EnableNetworkIsolation": True, "StaticHyperParameters": {"sagemaker_submit_directory": S3_SUBMIT}},
        {"EnableNetworkIsolation": True})}),
    ("CreateHyperParameterTuningJob", {"TrainingJobDefinition": {"EnableNetworkIsolation": True}}),
    ("CreateModel", {"EnableNetworkIsolation": True, "PrimaryContainer": {"Image": IMG, "Environment": {
        "HF_MODEL_ID": "org/model", "SAGEMAKER_SUBMIT_DIRECTORY": "s3://b/code.tar.gz"}}}),
    ("CreateModel", {"PrimaryContainer": {"Image": IMG, "Environment": {"OPTION_MODEL_ID": "/opt/ml/model"}}}),
    ("CreateNotebookInstance", {"DefaultCodeRepository": "https://github.com/org/repo.git"}),
    ("CreateNotebookInstance", {"AdditionalCodeRepositories": ["registered-repo"]}),
    ("CreateCodeRepository", {"GitConfig": {"RepositoryUrl": "https://gitlab.com/o/r.git"}}),
    ("CreateUserProfile", {"UserSettings": {"JupyterLabAppSettings": {"CodeRepositories": (
        {"RepositoryUrl": "https://github.com/org/repo.git"},)}}}),
    ("CreateNotebookInstanceLifecycleConfig", {"OnCreate": [{"Content": _SCRIPT}], "OnStart": [{"Content": "!"}]}),
    ("CreateStudioLifecycleConfig", {"StudioLifecycleConfigContent": base64.b64encode(b"echo hi\n").decode()}),
    ("CreateEndpoint", {"EndpointName": "e", "EndpointConfigName": "c"}),
]


@pytest.mark.parametrize("warned", [False, True])
@pytest.mark.parametrize(("operation", "request_"), _FOUND_OR_NOT)
def test_the_guards_call_finds_what_check_request_finds(profile, operation, request_, warned):
    """``findings_or_none`` (the guard's call, which makes a ``Findings`` only when there is a finding) gives
    ``None`` exactly when ``check_request`` finds nothing, and otherwise the same refusals, warnings and
    superseded paths."""
    from safemaker.preflight.request import findings_or_none

    p = relaxed(preflight_warnings=list(CHECKS)) if warned else profile
    expected = check_request(operation, request_, p)
    got = findings_or_none(operation, request_, p)
    if expected is None or not (expected.refusals or expected.warnings or expected.supersedes):
        assert got is None
    else:
        assert (got.refusals, got.warnings, got.supersedes) == (
            expected.refusals, expected.warnings, expected.supersedes)


@pytest.mark.parametrize("warned", [False, True])
@pytest.mark.parametrize(("operation", "request_"), _FOUND_OR_NOT)
def test_check_and_apply_refuse_what_decide_refuses(profile, operation, request_, warned):
    """``check`` and ``apply`` run the operation's checker on the probe themselves (and ask ``check_request``
    once it finds something): the same refusals, in the same order, with the same superseded violations dropped,
    as ``decide`` (which goes through ``findings_or_none``)."""
    p = relaxed(preflight_warnings=list(CHECKS)) if warned else profile
    assert guard.check(operation, request_, p) == list(guard.decide(operation, request_, p, inject=False).violations)
    decided = guard.decide(operation, request_, p)
    if decided.violations:
        with pytest.raises(GuardrailViolation) as exc:
            guard.apply(operation, request_, p)
        assert list(exc.value.violations) == list(decided.violations)
    else:
        assert guard.apply(operation, request_, p) == decided.params


def test_check_gives_the_remote_function_refusal_in_place_of_the_isolation_one(profile):
    req = training_job(EnableNetworkIsolation=False,
                       AlgorithmSpecification={"TrainingImage": IMG, "TrainingInputMode": "File",
                                               "ContainerEntrypoint": REMOTE_ENTRYPOINT})
    checked = [(v.rule_id, v.path) for v in guard.check("CreateTrainingJob", req, profile)]
    # as given, the request also lacks the profile's VPC and encryption (apply injects them); its isolation
    # refusal is replaced by the remote function's, which says why and what relaxes it
    assert ("SM-PRE-REMOTE-FUNCTION", "AlgorithmSpecification.ContainerEntrypoint") in checked
    assert "EnableNetworkIsolation" not in [path for _, path in checked]
    with pytest.raises(GuardrailViolation) as exc:
        guard.apply("CreateTrainingJob", req, profile)
    assert [(v.rule_id, v.path) for v in exc.value.violations] == [
        ("SM-PRE-REMOTE-FUNCTION", "AlgorithmSpecification.ContainerEntrypoint")]


# --------------------------------------------------------------------------- tuples (botocore takes them for lists)


def test_notebook_studio_and_lifecycle_lists_given_as_tuples_are_read(profile):
    """``AdditionalCodeRepositories``, ``CodeRepositories`` and ``OnStart`` / ``OnCreate`` are lists in
    botocore's model (``AdditionalCodeRepositoryNamesOrUrls``, ``CodeRepositories``,
    ``NotebookInstanceLifecycleConfigList``); botocore takes a tuple for each, so the checks read it."""
    req = {"NotebookInstanceName": "nb", "InstanceType": "ml.t3.medium", "RoleArn": ROLE,
           "AdditionalCodeRepositories": ("my-registered-repo", "git@gitlab.com:org/repo.git")}
    assert [(v.rule_id, v.path) for v in check_request("CreateNotebookInstance", req, profile).refusals] == [
        ("SM-PRE-CODE-REPOSITORY", "AdditionalCodeRepositories[1]")]
    findings = check_request("UpdateDomain", {"DomainId": "d-1", "DefaultUserSettings": {
        "JupyterServerAppSettings": {"CodeRepositories": (
            {"RepositoryUrl": "https://git-codecommit.us-east-1.amazonaws.com/v1/repos/r"},
            {"RepositoryUrl": "https://github.com/o/r"})}}}, profile)
    assert [v.path for v in findings.refusals] == [
        "DefaultUserSettings.JupyterServerAppSettings.CodeRepositories[1].RepositoryUrl"]
    findings = check_request("UpdateNotebookInstanceLifecycleConfig", {
        "NotebookInstanceLifecycleConfigName": "lc", "OnCreate": ({"Content": b64("echo hi\n")},),
        "OnStart": ({"Content": b64("echo hi\npip install torch\n")},)}, profile)
    assert [(v.path, v.found) for v in findings.warnings] == [("OnStart[0].Content line 2", "pip install torch")]


def test_a_remote_function_entrypoint_given_as_a_tuple_is_read(profile):
    """``AlgorithmSpecification.ContainerEntrypoint`` is a list (``TrainingContainerEntrypoint``): given as
    a tuple under a profile that requires isolation, it is the remote-function refusal all the same."""
    req = training_job(AlgorithmSpecification={"TrainingImage": IMG, "TrainingInputMode": "File",
                                               "ContainerEntrypoint": tuple(REMOTE_ENTRYPOINT)})
    (v,) = check_request("CreateTrainingJob", req, profile).refusals
    assert (v.rule_id, v.path, v.found) == ("SM-PRE-REMOTE-FUNCTION", "AlgorithmSpecification.ContainerEntrypoint",
                                            REMOTE_ENTRYPOINT)


def test_nested_tuples_of_model_package_containers_are_read(profile):
    """``AdditionalInferenceSpecifications[].Containers[].Environment``: a tuple of specifications, each with a
    tuple of containers (``AdditionalInferenceSpecificationDefinition.Containers`` is a list)."""
    spec = {"Name": "s", "Containers": ({"Image": IMG, "Environment": {}},
                                        {"Image": IMG, "Environment": {"HF_MODEL_ID": "org/model"}})}
    req = {"ModelPackageGroupName": "g", "AdditionalInferenceSpecifications": ({"Name": "a", "Containers": ()}, spec)}
    assert [(v.rule_id, v.path) for v in check_request("CreateModelPackage", req, profile).refusals] == [
        ("SM-PRE-MODEL-HUB", "AdditionalInferenceSpecifications[1].Containers[1].Environment.HF_MODEL_ID")]
