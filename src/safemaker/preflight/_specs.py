"""The preflight checks, as data: one spec per check (id, title, what it finds, fix).

Read by the request checks (:mod:`safemaker.preflight.request`), the SDK
adapters (local source directories, ``@remote``) and the docs
(``docs/preflight.md``). The IDs are stable: a profile names them in
``preflight_warnings`` to turn a refusal into a warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Mapping

__all__ = ["PreflightCheck", "CHECKS", "CheckId", "CHECK_IDS"]

CheckId = Literal[
    "SM-PRE-CODE-DOWNLOAD",
    "SM-PRE-MODEL-HUB",
    "SM-PRE-REQUIREMENTS",
    "SM-PRE-REMOTE-FUNCTION",
    "SM-PRE-CODE-REPOSITORY",
    "SM-PRE-LIFECYCLE-FETCH",
]


@dataclass(frozen=True)
class PreflightCheck:
    """One thing a job, model or notebook would try to reach at start that a closed network removes.

    Attributes
    ----------
    id : str
        Stable ID (``"SM-PRE-CODE-DOWNLOAD"``), used in violations, profiles and docs.
    title : str
        One line.
    finds : str
        What in a request (or a local source directory) the check reads.
    fails_because : str
        Why the job fails closed, citing the component that does the fetching.
    fix : str
        How to make it work closed.
    default : {"refuse", "warn"}
        What happens when the profile's ``preflight_warnings`` does not name it.
        ``"warn"`` checks read free text (scripts) and can only warn.
    """

    id: str
    title: str
    finds: str
    fails_because: str
    fix: str
    default: Literal["refuse", "warn"] = "refuse"


_WHEELHOUSE_FIX = (
    "vendor the wheels with the code: run `pip download -d wheelhouse -r requirements.txt` "
    "(for the container's platform and Python, e.g. `--platform manylinux2014_x86_64 "
    "--python-version 3.10 --only-binary=:all:`) in the source directory, and start "
    "requirements.txt with `--no-index` and `--find-links wheelhouse`; or, without network "
    "isolation, install from an AWS CodeArtifact repository reached through its VPC endpoints "
    "(`--index-url https://<domain>-<account>.d.codeartifact.<region>.amazonaws.com/pypi/<repo>/simple/`"
    " or the job environment variable CA_REPOSITORY_ARN); see docs/packages.md"
)

CHECKS: Mapping[str, PreflightCheck] = {
    c.id: c
    for c in (
        PreflightCheck(
            "SM-PRE-CODE-DOWNLOAD",
            "Script-mode code delivered by a download inside the container under network isolation",
            "the hyperparameter sagemaker_submit_directory (a training job's HyperParameters, a tuning "
            "job's StaticHyperParameters and every value of its CategoricalParameterRanges / AutoParameters, "
            "pipeline steps) or a model container's Environment.SAGEMAKER_SUBMIT_DIRECTORY given as an "
            "s3:// URI while EnableNetworkIsolation is True (safemaker.preflight._settings lists every "
            "member read)",
            "the SageMaker training toolkit (sagemaker_training.files.download_and_extract) and the "
            "framework serving containers download an s3:// submit directory with boto3 from inside "
            "the container, and a network-isolated container has no network at all (not even S3)",
            "let the SDK deliver the code through the `code` input channel: build the estimator "
            "through the closed session without enable_network_isolation=False (its defaults turn "
            "isolation on before the code is staged) or use safemaker.sdk.ClosedEstimator / "
            "closed(<Framework>); for a model, let the SDK repack the code into model.tar.gz "
            "(SAGEMAKER_SUBMIT_DIRECTORY=/opt/ml/model/code)",
        ),
        PreflightCheck(
            "SM-PRE-MODEL-HUB",
            "A model container that fetches its weights from the Hugging Face Hub at start",
            "a model container's environment variable HF_MODEL_ID (Hugging Face inference toolkit, TGI, "
            "TEI, DJL/LMI) or OPTION_MODEL_ID (DJL/LMI option.model_id) holding a Hub model ID, or "
            "SERVING_LOAD_MODELS (DJL Serving) naming an http(s) URL, wherever the request sets a model "
            "container's environment (CreateModel, CreateTransformJob, inference components, model "
            "packages, algorithms, optimization and inference recommendation jobs, pipeline steps; "
            "safemaker.preflight._settings lists every member read)",
            "the Hugging Face inference toolkit downloads HF_MODEL_ID from the Hub whenever it is set "
            "(mms_model_server.start_model_server), TGI's SageMaker entrypoint passes it to "
            "text-generation-launcher as MODEL_ID, and LMI documents option.model_id as "
            "'the HuggingFace Hub Model Id, or the S3 URI'; huggingface.co is on the internet",
            "put the weights in S3 as the container's ModelDataUrl / ModelDataSource (SageMaker "
            "downloads them to /opt/ml/model before the container starts) and set the variable to "
            "/opt/ml/model (without network isolation LMI can also read an s3:// URI itself through "
            "the S3 gateway endpoint)",
        ),
        PreflightCheck(
            "SM-PRE-REQUIREMENTS",
            "Dependencies installed from a package index at start",
            "requirements.txt in the local source directory (SDK v2 estimators and framework "
            "processors, SDK v3 SourceCode.requirements, @remote dependencies)",
            "the training toolkit runs `pip install -r requirements.txt`, FrameworkProcessor's "
            "runproc.sh and SDK v3's install_requirements.py do the same; the default index "
            "(pypi.org) is on the internet, and under network isolation no index is reachable",
            _WHEELHOUSE_FIX,
        ),
        PreflightCheck(
            "SM-PRE-REMOTE-FUNCTION",
            "@remote (remote functions) under a profile that requires network isolation",
            "a CreateTrainingJob whose AlgorithmSpecification.ContainerEntrypoint runs "
            "/opt/ml/input/data/sagemaker_remote_function_bootstrap/job_driver.sh (SDK v2 "
            "sagemaker.remote_function, SDK v3 sagemaker.core.remote_function, @step in pipelines)",
            "the remote function's job driver reads the pickled function and its arguments from "
            "S3 and writes the result back with boto3 from inside the container, so the SDK always "
            "sends EnableNetworkIsolation=False (_JobSettings sets it unconditionally)",
            "run the function as a script-mode training job (ClosedEstimator / ClosedModelTrainer), "
            "or use a profile with require_network_isolation: false (remote functions then run in "
            "the profile's VPC, reaching S3 through its gateway endpoint)",
        ),
        PreflightCheck(
            "SM-PRE-CODE-REPOSITORY",
            "A notebook or Studio code repository on an internet git host",
            "CreateNotebookInstance / UpdateNotebookInstance DefaultCodeRepository and "
            "AdditionalCodeRepositories given as URLs, CreateCodeRepository GitConfig.RepositoryUrl, "
            "Studio JupyterLabAppSettings / JupyterServerAppSettings CodeRepositories[].RepositoryUrl",
            "the notebook clones the repository when it starts; with DirectInternetAccess Disabled "
            "(or a VpcOnly Studio domain) a git host on the internet is unreachable",
            "mirror the repository to AWS CodeCommit (https://git-codecommit.<region>.amazonaws.com/v1/"
            "repos/<name>, reached through the com.amazonaws.<region>.git-codecommit VPC endpoint), "
            "or leave the repository out and copy the code through S3",
        ),
        PreflightCheck(
            "SM-PRE-LIFECYCLE-FETCH",
            "A lifecycle configuration script that fetches from the internet",
            "notebook instance lifecycle configurations (OnCreate / OnStart Content) and Studio "
            "lifecycle configurations (StudioLifecycleConfigContent), base64-decoded: pip install "
            "from the public index, conda/mamba install from public channels, curl/wget of a "
            "non-AWS host, git clone of a non-CodeCommit URL, apt-get install",
            "the script runs when the notebook or app starts; a closed network has no route to "
            "the internet, so the command fails (a notebook lifecycle script that runs longer "
            "than five minutes, e.g. waiting on a timeout, makes the instance fail to start)",
            "install from files in S3 or an AWS CodeArtifact repository (`aws codeartifact login "
            "--tool pip ...`), see docs/packages.md",
            default="warn",
        ),
    )
}
"""Every preflight check by ID."""

CHECK_IDS: tuple[str, ...] = tuple(CHECKS)
"""The IDs, in documentation order."""
