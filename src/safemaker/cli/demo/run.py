"""The seed's part 4 as one run: ``safemaker demo`` (``make demo``).

On the embedded local backend (moto on 127.0.0.1) by default, or against a
real account (:func:`run_aws_demo`, ``safemaker demo --aws``), with the same
steps:

1. the closed network: a VPC profile (locally: a VPC, two subnets in two
   Availability Zones and a security group are created in moto first);
2. real data: scikit-learn's handwritten digits (1797 8x8 images, shipped
   offline) converted as the seed's MNIST linear-learner notebook does: float32
   pixels scaled to [0, 1], label "is it a 0", recordIO-protobuf via
   ``sagemaker.amazon.common.write_numpy_to_dense_tensor``;
3. a closed notebook instance (``DirectInternetAccess=Disabled``) and its
   presigned URL (shown redacted);
4. the training data uploaded to S3;
5. the built-in linear-learner trained with :class:`safemaker.sdk.ClosedEstimator`;
6. deployed with :func:`safemaker.sdk.closed_deploy`, then a few digits predicted
   (on the local backend no container runs: the answer is moto's canned
   response and is labelled as such);
7. a raw boto3 ``CreateTrainingJob`` with ``EnableNetworkIsolation=False``,
   refused by the guard before anything is sent (request counts before/after);
8. a closed rehearsal (:mod:`safemaker.rehearsal.demo`): a script-mode
   scikit-learn training on the same digits, staged from S3, runs locally in a
   network namespace with no network and reports its real test accuracy; the
   rehearsed model answers the digits shown in *Predict*; then a script that
   runs ``pip install`` at start fails there as it would under
   ``EnableNetworkIsolation`` (real results, labelled "rehearsed locally with
   no network, not on SageMaker");
9. cleanup of everything the run made, even after a failed step.

Each step is timed and marked *emulated* when its result comes from the local
backend rather than from AWS or from safemaker itself.

Importing this module imports neither the SageMaker SDK, numpy, scikit-learn
nor moto: they load when a run starts (extras ``sdk2``, ``demo``, ``local``).
"""

from __future__ import annotations

import gc
import gzip
import importlib.util
import io
import json
import logging
import secrets
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from safemaker.errors import DemoError, GuardrailViolation, aws_error

if TYPE_CHECKING:  # pragma: no cover
    import boto3
    import numpy as np
    from rich.console import Console
    from rich.progress import Progress

    from safemaker.local import LocalBackend
    from safemaker.profile import VpcProfile

__all__ = [
    "StepResult",
    "DemoReport",
    "DigitsData",
    "DemoError",
    "load_digits_data",
    "to_recordio_protobuf",
    "create_local_network",
    "LOCAL_NETWORK_FEATURES",
    "run_local_demo",
    "run_aws_demo",
    "EMULATED_PREDICTION_LABEL",
    "STEPS",
]

logger = logging.getLogger(__name__)

from safemaker.local.backend import EMULATED_PREDICTION_LABEL  # noqa: E402  (shown by the demo's predict step)

STEPS = (
    "Closed network (infra up + doctor)",
    "Prepare data (digits -> recordIO-protobuf)",
    "Closed notebook instance",
    "Presigned notebook URL",
    "Upload training data to S3",
    "Train linear-learner (ClosedEstimator)",
    "Deploy (closed_deploy)",
    "Predict",
    "Refuse a non-compliant call",
    "Rehearse training + prediction (no network)",
    "Rehearse a pip install at start (no network)",
    "Clean up",
)
"""The step names, in order, as printed and in :attr:`DemoReport.steps`."""

TRAIN_INSTANCE_TYPE = "ml.m5.large"
HOSTING_INSTANCE_TYPE = "ml.m5.large"
NOTEBOOK_INSTANCE_TYPE = "ml.t3.medium"
PREDICT_COUNT = 5


@dataclass
class StepResult:
    """One step of a demo run.

    Attributes
    ----------
    step : str
        Name, from :data:`STEPS`.
    status : {"ok", "failed", "skipped"}
    result : str
        What happened, in one line (the summary table shows it).
    seconds : float
        Wall time of the step.
    emulated : bool
        The result comes from the local backend (moto), not AWS or safemaker.
    details : list of str
        Further lines printed under the step (the refusal message...).
    """

    step: str
    status: str
    result: str
    seconds: float
    emulated: bool
    details: list[str] = field(default_factory=list)


@dataclass
class DemoReport:
    """Everything a demo run did.

    Attributes
    ----------
    backend : {"local", "aws"}
    region : str
    steps : list of StepResult
        In order; a step after a failed one is ``skipped`` (cleanup always runs).
    seconds : float
        Wall time of the whole run.
    left_behind : list of str
        Resources cleanup could not delete (empty on success).
    """

    backend: str
    region: str
    steps: list[StepResult]
    seconds: float = 0.0
    left_behind: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every step succeeded and nothing was left behind."""
        return all(s.status == "ok" for s in self.steps) and not self.left_behind


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class DigitsData:
    """scikit-learn's digits, split and labelled as the seed's MNIST notebook does.

    Attributes
    ----------
    train_vectors, validation_vectors, test_vectors : numpy.ndarray
        float32, shape (n, 64): 8x8 pixels scaled to [0, 1].
    train_labels, validation_labels, test_labels : numpy.ndarray
        float32, shape (n,): 1.0 for the digit 0, else 0.0.
    test_digits : numpy.ndarray
        int, shape (n_test,): the digit each test image shows.
    train_digits, validation_digits : numpy.ndarray
        int: the digit each train / validation image shows.
    """

    train_vectors: "np.ndarray"
    train_labels: "np.ndarray"
    validation_vectors: "np.ndarray"
    validation_labels: "np.ndarray"
    test_vectors: "np.ndarray"
    test_labels: "np.ndarray"
    test_digits: "np.ndarray"
    train_digits: "np.ndarray | None" = None
    validation_digits: "np.ndarray | None" = None

    @property
    def feature_dim(self) -> int:
        """Number of features per image (64)."""
        return int(self.train_vectors.shape[1])


def load_digits_data(seed: int = 0) -> DigitsData:
    """Load scikit-learn's handwritten digits and prepare them like the seed's MNIST notebook.

    The 1797 images (8x8, pixel values 0-16) are shuffled with ``seed`` and
    split 70 / 15 / 15 % into train / validation / test; vectors are float32
    scaled to [0, 1] (MNIST's range); labels are float32 "is it a 0" (binary).

    Parameters
    ----------
    seed : int, default 0
        Seed of the shuffle (numpy ``default_rng``).

    Returns
    -------
    DigitsData
        1257 / 270 / 270 images.

    Raises
    ------
    ImportError
        scikit-learn or numpy is missing (install the ``demo`` extra).
    """
    import numpy as np

    # sklearn.datasets.load_digits() reads this file as below (np.loadtxt of the gzipped CSV: 64 pixels then
    # the digit). Read without importing scikit-learn: ~2 s of CPU, which the demo's own process needs
    # nowhere else (its scikit-learn training runs in the rehearsal's child process).
    with gzip.open(_digits_csv_gz(), mode="rt", encoding="utf-8") as f:
        data = np.loadtxt(f, delimiter=",")
    pixels, digits = data[:, :-1], data[:, -1].astype(int)
    order = np.random.default_rng(seed).permutation(len(digits))
    vectors = (pixels[order] / 16.0).astype("float32")
    targets = digits[order]
    labels = np.where(targets == 0, 1, 0).astype("float32")
    n = len(targets)
    a, b = int(n * 0.7), int(n * 0.85)
    return DigitsData(vectors[:a], labels[:a], vectors[a:b], labels[a:b], vectors[b:], labels[b:], targets[b:],
                      targets[:a], targets[a:b])


def _digits_csv_gz() -> Path:
    """scikit-learn's ``datasets/data/digits.csv.gz`` (what ``load_digits`` reads), found without importing it.

    Raises
    ------
    ImportError
        scikit-learn is not installed, or has no such file.
    """
    spec = importlib.util.find_spec("sklearn")
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        path = Path(folder) / "datasets" / "data" / "digits.csv.gz"
        if path.is_file():
            return path
    raise ImportError("scikit-learn's digits (sklearn/datasets/data/digits.csv.gz) are not installed: "
                      "install the demo extra (pip install 'safemaker[demo]')")


def to_recordio_protobuf(vectors: "np.ndarray", labels: "np.ndarray") -> bytes:
    """Encode dense vectors and labels as recordIO-protobuf (what linear-learner reads).

    Parameters
    ----------
    vectors : numpy.ndarray
        Shape (n, d), float32.
    labels : numpy.ndarray
        Shape (n,), float32.

    Returns
    -------
    bytes
        ``sagemaker.amazon.common.write_numpy_to_dense_tensor`` output.

    Raises
    ------
    ValueError
        Shapes do not match (raised by the SDK).
    """
    from sagemaker.amazon.common import write_numpy_to_dense_tensor

    buf = io.BytesIO()
    write_numpy_to_dense_tensor(buf, vectors, labels)
    return buf.getvalue()


# --------------------------------------------------------------------------- the local closed network


# The closed network on the local backend lives in safemaker.local.network (the pytest plugin's
# safemaker_local_network fixture builds it too); re-exported here for the demo's callers.
from safemaker.local.network import LOCAL_NETWORK_FEATURES, LOCAL_STACK, create_local_network  # noqa: E402


# --------------------------------------------------------------------------- the run


class _Run:
    """One demo run: the steps, what they made, and its cleanup."""

    step_names: tuple[str, ...] = STEPS

    def __init__(self, *, backend_kind: str, boto3_session: "boto3.Session", profile: "VpcProfile | None",
                 local: "LocalBackend | None", console: "Console", progress: "Progress | None",
                 poll_seconds: float, timeout_seconds: float) -> None:
        self.kind = backend_kind
        self.local = local
        self.session = boto3_session
        self.profile = profile
        self.console = console
        self.progress = progress
        self.poll = poll_seconds
        self.timeout = timeout_seconds
        self.admin_session: "boto3.Session | None" = None
        """The administrator's session that built the local network (the closed session may refuse IAM)."""
        self.run_id = time.strftime("%m%d%H%M") + secrets.token_hex(2)
        self.prefix = f"safemaker-demo/{self.run_id}"
        self.names = {
            "notebook": f"safemaker-demo-nb-{self.run_id}",
            "model": f"safemaker-demo-model-{self.run_id}",
            "endpoint": f"safemaker-demo-ep-{self.run_id}",
            "job_base": f"safemaker-demo-{self.run_id}",
        }
        self.report = DemoReport(backend_kind, boto3_session.region_name or "", [])
        self.made: dict[str, Any] = {}
        self.data: DigitsData | None = None
        self.recordio: bytes = b""
        self.estimator: Any = None
        self.predictor: Any = None
        self.sm_session: Any = None
        self._task: Any = None

    # ------------------------------------------------------------------ plumbing

    @property
    def emulated(self) -> bool:
        return self.kind == "local"

    def _client(self, service: str) -> Any:
        return self.session.client(service, region_name=self.profile.region if self.profile else None)

    def _print_step(self, index: int, r: StepResult) -> None:
        mark = {"ok": "[ok]", "failed": "[FAILED]", "skipped": "[skipped]"}[r.status]
        tail = "" if r.status == "skipped" else f" ({r.seconds:.1f} s{', emulated' if r.emulated else ''})"
        self.console.print(f"{mark} {index}. {r.step}: {r.result}{tail}", highlight=False, markup=False)
        for line in r.details:
            self.console.print(f"      {line}", highlight=False, markup=False)

    def _step(self, index: int, name: str, func: Callable[[], tuple[str, bool, list[str]]],
              skip: bool) -> StepResult:
        if skip:
            r = StepResult(name, "skipped", "skipped after an earlier failure", 0.0, False)
        else:
            if self.progress is not None:
                self.progress.update(self._task, description=f"{index}. {name}")
            _freeze_when_the_process()
            start = time.perf_counter()
            try:
                result, emulated, details = func()
                r = StepResult(name, "ok", result, time.perf_counter() - start, emulated, details)
            except Exception as exc:  # noqa: BLE001 - every failure is reported, cleanup still runs
                logger.debug("demo step %s failed", name, exc_info=True)
                r = StepResult(name, "failed", f"{type(exc).__name__}: {exc}", time.perf_counter() - start,
                               False)
        _freeze_when_the_process()
        self.report.steps.append(r)
        self._print_step(index, r)
        if self.progress is not None:
            self.progress.advance(self._task)
        return r

    def run(self, network_step: Callable[[], tuple[str, bool, list[str]]]) -> DemoReport:
        start = time.perf_counter()
        steps: list[Callable[[], tuple[str, bool, list[str]]]] = [
            network_step, self.prepare_data, self.notebook, self.notebook_url, self.upload, self.train,
            self.deploy, self.predict, self.refuse, self.rehearse, self.rehearse_pip,
        ]
        if self.progress is not None:
            self._task = self.progress.add_task("demo", total=len(self.step_names))
        failed = False
        try:
            for i, (name, func) in enumerate(zip(self.step_names, steps), start=1):
                r = self._step(i, name, func, failed)
                failed = failed or r.status == "failed"
        finally:
            # Cleanup runs even on KeyboardInterrupt between steps.
            self._step(len(self.step_names), self.step_names[-1], self.cleanup, False)
            self.report.seconds = time.perf_counter() - start
        return self.report

    # ------------------------------------------------------------------ steps

    def prepare_data(self) -> tuple[str, bool, list[str]]:
        self.data = load_digits_data()
        self.recordio = to_recordio_protobuf(self.data.train_vectors, self.data.train_labels)
        d = self.data
        zeros = int(d.train_labels.sum())
        return (f"{len(d.train_labels) + len(d.validation_labels) + len(d.test_labels)} handwritten digits "
                f"(8x8) -> {len(d.train_labels)} train / {len(d.validation_labels)} validation / "
                f"{len(d.test_labels)} test; label 'is it a 0' ({zeros} zeros in train); "
                f"recordIO-protobuf {len(self.recordio):,} bytes", False, [])

    def notebook(self) -> tuple[str, bool, list[str]]:
        from safemaker.notebook import create_closed_notebook_instance

        name = self.names["notebook"]
        self.made["notebook"] = name
        d = create_closed_notebook_instance(
            name, NOTEBOOK_INSTANCE_TYPE, profile=self.profile, boto3_session=self.session,
            poll_seconds=self.poll, timeout_seconds=self.timeout,
            progress=self.progress if self.progress is not None else False)
        return (f"{name} {d['NotebookInstanceStatus']}: DirectInternetAccess={d.get('DirectInternetAccess')}, "
                f"RootAccess={d.get('RootAccess')}, SubnetId={d.get('SubnetId')}, "
                f"SecurityGroups={d.get('SecurityGroups')}", self.emulated, [])

    def notebook_url(self) -> tuple[str, bool, list[str]]:
        from safemaker.notebook import presigned_notebook_url, redact_url

        url = presigned_notebook_url(self.names["notebook"], 1800, sagemaker_client=self._client("sagemaker"),
                                     profile=self.profile)
        return (f"{redact_url(url)} (token hidden; session 1800 s)", self.emulated,
                ["From outside the closed network it opens only through the notebook VPC endpoint: "
                 "see `safemaker notebook proxy-command`."])

    def upload(self) -> tuple[str, bool, list[str]]:
        assert self.profile is not None and self.profile.default_bucket
        bucket = self.profile.default_bucket
        key = f"{self.prefix}/train/recordio-pb-data"
        self.made["s3_prefix"] = (bucket, self.prefix + "/")
        s3 = self._client("s3")
        s3.upload_fileobj(io.BytesIO(self.recordio), bucket, key)
        head = s3.head_object(Bucket=bucket, Key=key)
        if head["ContentLength"] != len(self.recordio):
            raise DemoError("upload", f"s3://{bucket}/{key} holds {head['ContentLength']} bytes, "
                                      f"sent {len(self.recordio)}")
        self.made["train_s3"] = f"s3://{bucket}/{key}"
        return f"s3://{bucket}/{key} ({head['ContentLength']:,} bytes)", self.emulated, []

    def train(self) -> tuple[str, bool, list[str]]:
        import sagemaker

        from safemaker.sdk import ClosedEstimator, ClosedNetworkSession

        assert self.profile is not None and self.data is not None
        self.sm_session = ClosedNetworkSession(profile=self.profile, boto_session=self.session)
        image = sagemaker.image_uris.retrieve("linear-learner", self.profile.region)
        bucket = self.profile.default_bucket
        self.estimator = ClosedEstimator(
            image, instance_count=1, instance_type=TRAIN_INSTANCE_TYPE, profile=self.profile,
            sagemaker_session=self.sm_session, output_path=f"s3://{bucket}/{self.prefix}/output",
            base_job_name=self.names["job_base"],
        )
        self.estimator.set_hyperparameters(feature_dim=self.data.feature_dim, predictor_type="binary_classifier",
                                           mini_batch_size=200)
        self.estimator.fit({"train": self.made["train_s3"]}, wait=False, logs=False)
        job = self.estimator.latest_training_job.name
        self.made["training_job"] = job
        sm = self._client("sagemaker")
        sm.get_waiter("training_job_completed_or_stopped").wait(
            TrainingJobName=job, WaiterConfig=self._waiter_config())
        d = sm.describe_training_job(TrainingJobName=job)
        if d["TrainingJobStatus"] != "Completed":
            raise DemoError("train", f"{job} is {d['TrainingJobStatus']}: {d.get('FailureReason', '')}")
        return f"{job} {d['TrainingJobStatus']}", self.emulated, self.training_details(image, d)

    def training_details(self, image: str, described: Mapping[str, Any]) -> list[str]:
        """What the stored training job shows of its network settings (DescribeTrainingJob), and how it ran."""
        vpc = described.get("VpcConfig") or {}
        details = [f"image {image}",
                   f"CreateTrainingJob carried EnableNetworkIsolation={described.get('EnableNetworkIsolation')}, "
                   f"EnableInterContainerTrafficEncryption={described.get('EnableInterContainerTrafficEncryption')}, "
                   f"VpcConfig.Subnets={vpc.get('Subnets')}, VpcConfig.SecurityGroupIds={vpc.get('SecurityGroupIds')}"]
        if self.emulated:
            details.append("local backend: moto marks the job Completed at once; no container ran")
        else:
            details.append(f"BillableTimeInSeconds={described.get('BillableTimeInSeconds')}")
        return details

    def deploy(self) -> tuple[str, bool, list[str]]:
        from safemaker.sdk import closed_deploy

        self.made["endpoint"] = self.names["endpoint"]
        self.made["model"] = self.names["model"]
        self.predictor = closed_deploy(self.estimator, 1, HOSTING_INSTANCE_TYPE,
                                       endpoint_name=self.names["endpoint"], model_name=self.names["model"],
                                       wait=False)
        endpoint = getattr(self.predictor, "endpoint_name", None) or self.names["endpoint"]
        self.made["endpoint"] = endpoint
        sm = self._client("sagemaker")
        sm.get_waiter("endpoint_in_service").wait(EndpointName=endpoint, WaiterConfig=self._waiter_config())
        ep = sm.describe_endpoint(EndpointName=endpoint)
        config = sm.describe_endpoint_config(EndpointConfigName=ep["EndpointConfigName"])
        model_name = config["ProductionVariants"][0]["ModelName"]
        self.made["endpoint_config"] = ep["EndpointConfigName"]
        self.made["model"] = model_name
        model = sm.describe_model(ModelName=model_name)
        vpc = model.get("VpcConfig") or {}
        return (f"endpoint {endpoint} {ep['EndpointStatus']}", self.emulated,
                [f"model {model_name}: EnableNetworkIsolation={model.get('EnableNetworkIsolation')}, "
                 f"VpcConfig.Subnets={vpc.get('Subnets')}, VpcConfig.SecurityGroupIds={vpc.get('SecurityGroupIds')}"])

    def predict(self) -> tuple[str, bool, list[str]]:
        from sagemaker.base_deserializers import StringDeserializer
        from sagemaker.base_serializers import CSVSerializer

        assert self.data is not None
        self.predictor.serializer = CSVSerializer()
        self.predictor.deserializer = StringDeserializer()
        rows = self.data.test_vectors[:PREDICT_COUNT]
        digits = [int(x) for x in self.data.test_digits[:PREDICT_COUNT]]
        truth = [int(x) for x in self.data.test_labels[:PREDICT_COUNT]]
        answer = self.predictor.predict(rows)
        shown = [f"digits shown: {digits}; true 'is it a 0' labels: {truth}"]
        if self.emulated:
            return (f"{EMULATED_PREDICTION_LABEL}: {answer!r}", True, shown)
        try:
            predicted = [int(p["predicted_label"]) for p in json.loads(answer)["predictions"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise DemoError("predict", f"unexpected answer from the endpoint ({exc}): {answer[:200]!r}") from None
        correct = sum(p == t for p, t in zip(predicted, truth))
        return f"predicted labels {predicted} ({correct}/{len(truth)} correct)", False, shown

    def training_image(self) -> str:
        """The linear-learner image of the profile's region (SDK v2's ``image_uris``)."""
        import sagemaker

        return sagemaker.image_uris.retrieve("linear-learner", self.profile.region)

    def refuse(self) -> tuple[str, bool, list[str]]:
        from safemaker.hooks import install

        assert self.profile is not None
        install(self.session, self.profile)
        raw = self._client("sagemaker")  # plain boto3: guarded because the session is
        sent: list[str] = []
        raw.meta.events.register("before-send.sagemaker.CreateTrainingJob",
                                 lambda **kw: sent.append("CreateTrainingJob"))
        before = self.local.request_count("sagemaker", "CreateTrainingJob") if self.local else None
        bucket = self.profile.default_bucket
        request = {
            "TrainingJobName": f"{self.names['job_base']}-open",
            "RoleArn": self.profile.execution_role_arn,
            "AlgorithmSpecification": {
                "TrainingImage": self.training_image(),
                "TrainingInputMode": "File"},
            "OutputDataConfig": {"S3OutputPath": f"s3://{bucket}/{self.prefix}/open"},
            "ResourceConfig": {"InstanceType": TRAIN_INSTANCE_TYPE, "InstanceCount": 1, "VolumeSizeInGB": 10},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            "EnableNetworkIsolation": False,
        }
        try:
            raw.create_training_job(**request)
        except GuardrailViolation as exc:
            message = str(exc)
        else:
            self.made["open_job"] = request["TrainingJobName"]
            raise DemoError("refuse", "CreateTrainingJob with EnableNetworkIsolation=False was NOT refused")
        details = [f"GuardrailViolation: {line}" if i == 0 else line
                   for i, line in enumerate(message.splitlines())]
        if sent:
            raise DemoError("refuse", "the refused request was sent anyway")
        if self.local is not None:
            after = self.local.request_count("sagemaker", "CreateTrainingJob")
            if after != before:
                raise DemoError("refuse", f"the backend received {after - before} CreateTrainingJob request(s)")
            details.append(f"nothing reached the backend: CreateTrainingJob requests received {before} before, "
                           f"{after} after")
        else:
            details.append("nothing left the process: no CreateTrainingJob request was sent")
        return "raw boto3 CreateTrainingJob with EnableNetworkIsolation=False refused before sending", False, \
            details

    def _rehearsal_line(self, line: str) -> None:
        self.console.print(f"      | {line}", highlight=False, markup=False)

    def rehearse(self) -> tuple[str, bool, list[str]]:
        """A real scikit-learn training and prediction of the digits shown, with no network (safemaker.rehearsal)."""
        import numpy as np

        from safemaker.rehearsal.demo import PipAtStart, digits_csv_channels, rehearse_digits

        assert self.profile is not None and self.data is not None and self.profile.default_bucket
        self.pip_at_start = PipAtStart().start()  # mostly waiting on pip's retries: runs alongside this step
        d = self.data
        self.made["s3_prefix"] = (self.profile.default_bucket, self.prefix + "/")
        channels = digits_csv_channels(np.vstack([d.train_vectors, d.validation_vectors]),
                                       np.concatenate([d.train_digits, d.validation_digits]),
                                       d.test_vectors, d.test_digits)
        return rehearse_digits(self._client("s3"), self.profile.default_bucket, self.prefix, channels,
                               d.test_vectors[:PREDICT_COUNT], [int(x) for x in d.test_digits[:PREDICT_COUNT]],
                               self._rehearsal_line)

    def rehearse_pip(self) -> tuple[str, bool, list[str]]:
        """A script that runs pip install at start, rehearsed: it fails as under EnableNetworkIsolation."""
        from safemaker.rehearsal.demo import PipAtStart

        pip_at_start = getattr(self, "pip_at_start", None) or PipAtStart().start()
        return pip_at_start.result(self._rehearsal_line)

    def cleanup(self) -> tuple[str, bool, list[str]]:
        from botocore.exceptions import ClientError

        from safemaker.notebook import delete_notebook_instance

        sm = self._client("sagemaker")
        done: list[str] = []
        left: list[str] = []

        def attempt(what: str, func: Callable[[], Any]) -> None:
            try:
                func()
                done.append(what)
            except ClientError as exc:
                if not _is_gone(exc):
                    left.append("{} ({}: {})".format(what, *aws_error(exc)))
            except Exception as exc:  # noqa: BLE001 - reported as left behind
                left.append(f"{what} ({type(exc).__name__}: {exc})")

        job = self.made.get("training_job")
        if job:
            try:
                if sm.describe_training_job(TrainingJobName=job)["TrainingJobStatus"] == "InProgress":
                    attempt(f"stopped training job {job}", lambda: sm.stop_training_job(TrainingJobName=job))
            except Exception as exc:  # noqa: BLE001 - reported as left behind
                left.append(f"training job {job} ({type(exc).__name__}: {exc})")
        # Every endpoint, endpoint config and model named with this run's ID.
        run = self.run_id
        for ep in _names(sm.list_endpoints, "Endpoints", "EndpointName", run):
            def delete_endpoint(ep: str = ep) -> None:
                sm.delete_endpoint(EndpointName=ep)
                sm.get_waiter("endpoint_deleted").wait(EndpointName=ep, WaiterConfig=self._waiter_config())
            attempt(f"endpoint {ep}", delete_endpoint)
        for cfg in _names(sm.list_endpoint_configs, "EndpointConfigs", "EndpointConfigName", run):
            attempt(f"endpoint config {cfg}", lambda cfg=cfg: sm.delete_endpoint_config(EndpointConfigName=cfg))
        for m in _names(sm.list_models, "Models", "ModelName", run):
            attempt(f"model {m}", lambda m=m: sm.delete_model(ModelName=m))
        if "notebook" in self.made:
            nb = self.made["notebook"]

            def delete_nb() -> None:
                if delete_notebook_instance(nb, sagemaker_client=sm, poll_seconds=self.poll,
                                            timeout_seconds=self.timeout, missing_ok=True,
                                            progress=self.progress if self.progress is not None else False):
                    done.append(f"notebook instance {nb}")
            try:
                delete_nb()
            except Exception as exc:  # noqa: BLE001
                left.append(f"notebook instance {nb} ({type(exc).__name__}: {exc})")
        if "s3_prefix" in self.made:
            bucket, prefix = self.made["s3_prefix"]
            try:
                n = _delete_prefix(self._client("s3"), bucket, prefix)
                done.append(f"{n} S3 object(s) under s3://{bucket}/{prefix}")
            except Exception as exc:  # noqa: BLE001
                left.append(f"s3://{bucket}/{prefix} ({type(exc).__name__}: {exc})")
        if self.kind == "local" and self.profile is not None:
            try:
                _delete_local_network(self.admin_session or self.session, self.profile)
                done.append("local closed network (infra down: VPC, subnets, endpoints, IAM) and bucket")
            except Exception as exc:  # noqa: BLE001
                left.append(f"local network ({type(exc).__name__}: {exc})")
        # Verify: nothing of this run is left in SageMaker.
        remaining = (_names(sm.list_endpoints, "Endpoints", "EndpointName", run)
                     + _names(sm.list_endpoint_configs, "EndpointConfigs", "EndpointConfigName", run)
                     + _names(sm.list_models, "Models", "ModelName", run)
                     + _names(sm.list_notebook_instances, "NotebookInstances", "NotebookInstanceName", run))
        for r in remaining:
            if not any(r in x for x in left):
                left.append(r)
        self.report.left_behind = left
        if left:
            raise DemoError("cleanup", "left behind: " + "; ".join(left))
        details = [f"deleted {x}" for x in done]
        if job:
            details.append(f"training job {job} is kept by SageMaker (jobs cannot be deleted)")
        return f"deleted {len(done)} item(s); nothing of run {run} left", self.emulated, details

    def _waiter_config(self) -> dict[str, int]:
        return {"Delay": max(1, int(round(self.poll))), "MaxAttempts": max(1, int(self.timeout / max(self.poll, 1)))}


def _freeze_when_the_process() -> None:
    """When ``safemaker demo`` is the process (:data:`safemaker.cli._common.ENTRY_POINT`), move everything
    alive now out of the garbage collector's sight (:func:`gc.freeze`), before and after each step.

    The modules, service models, clients and moto's state that the steps load live until the process
    exits; each full collection walked them all again (the SageMaker SDK and moto make the heap large):
    8 full collections took ~1.3 s of the demo's ~5.5 s of CPU in its own process. Frozen, they are not
    walked, nor by the collection at exit. A run inside a longer-lived process (a test, a notebook)
    freezes nothing.
    """
    common = sys.modules.get("safemaker.cli._common")
    if common is not None and getattr(common, "ENTRY_POINT", False):
        gc.freeze()


_GONE_MARKERS = ("could not find", "does not exist", "not found", "recordnotfound", "no such")


def _is_gone(exc: Exception) -> bool:
    """A ClientError that says the resource is already gone."""
    text = "{} {}".format(*aws_error(exc)).lower()
    return any(m in text for m in _GONE_MARKERS)


def _names(list_call: Callable[..., Any], key: str, name_key: str, contains: str) -> list[str]:
    names: list[str] = []
    token = None
    while True:
        kwargs: dict[str, Any] = {"NameContains": contains, "MaxResults": 100}
        if token:
            kwargs["NextToken"] = token
        page = list_call(**kwargs)
        names += [item[name_key] for item in page.get(key, []) if contains in item[name_key]]
        token = page.get("NextToken")
        if not token:
            return names


def _delete_prefix(s3: Any, bucket: str, prefix: str) -> int:
    count = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            count += len(keys)
    return count


def _delete_local_network(session: "boto3.Session", profile: "VpcProfile", stack: str = LOCAL_STACK) -> None:
    """Empty and delete the bucket, then ``safemaker infra down`` the stack (only what carries its tag)."""
    from safemaker.network import infra

    s3 = session.client("s3", region_name=profile.region)
    if profile.default_bucket:
        _delete_prefix(s3, profile.default_bucket, "")
        s3.delete_bucket(Bucket=profile.default_bucket)
    result = infra.down(stack, ec2_client=session.client("ec2", region_name=profile.region),
                        iam_client=session.client("iam", region_name=profile.region))
    if result.remaining:
        raise DemoError("cleanup", "infra down kept " + ", ".join(a.line() for a in result.remaining))


# --------------------------------------------------------------------------- entry points


def _run_class() -> type:
    """The run class for the installed SageMaker SDK major (SDK v3 steps: :mod:`safemaker.cli.demo.v3`)."""
    from safemaker.sdk._major import installed_sdk

    sdk = installed_sdk()
    if sdk is not None and sdk.major >= 3:
        from .v3 import v3_run_class

        return v3_run_class(_Run)
    return _Run


def _console(console: "Console | None") -> "Console":
    if console is not None:
        return console
    from rich.console import Console

    return Console(soft_wrap=True)


def run_local_demo(
    *,
    region: str = "us-east-1",
    console: "Console | None" = None,
    progress: "Progress | None" = None,
    poll_seconds: float = 0.2,
    timeout_seconds: float = 60.0,
) -> DemoReport:
    """Run the demo on the embedded local backend (moto on 127.0.0.1); nothing leaves the machine.

    Parameters
    ----------
    region : str, default "us-east-1"
        Region of the local backend.
    console : rich.console.Console, optional
        Where step lines go (default: stdout).
    progress : rich.progress.Progress, optional
        A started Progress to show the current step and the notebook waits on.
    poll_seconds : float, default 0.2
        Seconds between status polls (moto answers final states at once).
    timeout_seconds : float, default 60.0
        Longest wait for one resource.

    Returns
    -------
    DemoReport
        Every step; ``report.ok`` is True when all succeeded and cleanup left nothing.

    Raises
    ------
    safemaker.errors.LocalBackendError
        moto is missing or another local backend runs in this process.
    """
    from safemaker.local import local_backend

    console = _console(console)
    with local_backend(region) as backend:
        run = _run_class()(backend_kind="local", boto3_session=backend.session, profile=None, local=backend,
                   console=console, progress=progress, poll_seconds=poll_seconds, timeout_seconds=timeout_seconds)
        console.print(f"Local backend: moto server on {backend.endpoint_url} (nothing leaves this machine)",
                      highlight=False, markup=False)

        from safemaker.local import LocalSession

        # The seed's administrator builds and removes the network with a session of their own: the
        # developer's closed session refuses IAM calls (SDK v3 adapter) and must not be needed here.
        run.admin_session = LocalSession(backend.endpoint_url, region_name=backend.region)

        def network() -> tuple[str, bool, list[str]]:
            from safemaker.network import doctor

            run.profile = create_local_network(run.admin_session)
            p = run.profile
            report = doctor.run(p, LOCAL_NETWORK_FEATURES,
                                ec2_client=backend.session.client("ec2", region_name=p.region))
            counts = report.as_dict()["counts"]
            details = [f"subnets {list(p.subnets)}, security group {list(p.security_group_ids)}, "
                       f"bucket {p.default_bucket}",
                       f"execution role {p.execution_role_arn}",
                       f"safemaker doctor: {counts['ok']} ok, {counts['problem']} problem(s), "
                       f"{counts['unknown']} unknown"]
            details += [f"doctor {c.status}: {c.id} {c.subject}: {c.detail}" for c in report.checks
                        if c.status != "ok"]
            return (f"{p.vpc_id} built by infra up, {len(p.vpc_endpoint_ids)} VPC endpoints; "
                    f"doctor: {counts['problem']} problem(s)", report.status == "ok", details)

        return run.run(network)


def run_aws_demo(
    profile: "VpcProfile",
    boto3_session: "boto3.Session",
    *,
    console: "Console | None" = None,
    progress: "Progress | None" = None,
    poll_seconds: float = 15.0,
    timeout_seconds: float = 3600.0,
) -> DemoReport:
    """Run the same demo against a real AWS account (billed: notebook, training, endpoint).

    Nothing is created outside the profile's closed network; the run uses
    ``profile.default_bucket`` (objects under ``safemaker-demo/<run id>/``,
    deleted at the end) and deletes everything else it created.

    Parameters
    ----------
    profile : VpcProfile
        The closed network; ``default_bucket`` is required.
    boto3_session : boto3.Session
        Credentials for the account, with no endpoint override.
    console, progress
        As in :func:`run_local_demo`.
    poll_seconds : float, default 15.0
        Seconds between status polls.
    timeout_seconds : float, default 3600.0
        Longest wait for one resource.

    Returns
    -------
    DemoReport

    Raises
    ------
    DemoError
        ``profile.default_bucket`` is not set (nothing was created).
    """
    if not profile.default_bucket:
        raise DemoError("setup", "the profile has no default_bucket; set default_bucket (an S3 bucket the "
                                 "execution role can read and write) in the profile")
    console = _console(console)
    run = _run_class()(backend_kind="aws", boto3_session=boto3_session, profile=profile, local=None, console=console,
               progress=progress, poll_seconds=poll_seconds, timeout_seconds=timeout_seconds)

    def network() -> tuple[str, bool, list[str]]:
        return (f"{profile.vpc_id}: subnets {list(profile.subnets)}, security groups "
                f"{list(profile.security_group_ids)}, bucket {profile.default_bucket}", False,
                [f"execution role {profile.execution_role_arn}"])

    return run.run(network)
