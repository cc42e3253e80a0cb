"""The SDK v3 steps of ``safemaker demo`` (:mod:`safemaker.cli.demo.run` runs them when ``sagemaker>=3`` is installed).

The demo is the same walkthrough under either SDK major; four steps use the
SDK and differ under v3:

- *Prepare data*: the digits as CSV with the label first (sagemaker-core 2.x
  no longer writes RecordIO-protobuf; linear-learner reads ``text/csv``);
- *Train*: :class:`~safemaker.sdk.v3.ClosedModelTrainer` on a
  :class:`~safemaker.sdk.v3.ClosedNetworkSession`;
- *Deploy*: :func:`~safemaker.sdk.v3.closed_deploy` of the trainer;
- *Predict*: ``Endpoint.invoke`` (sagemaker-core) with CSV rows.

Everything else (the closed network, the notebook, the refusal, the cleanup)
is :mod:`safemaker.cli.demo.run`'s own code.
"""

from __future__ import annotations

import io
from typing import Any

from safemaker.cli.demo import run as _demo

__all__ = ["STEPS_V3", "v3_run_class", "digits_csv"]

STEPS_V3 = tuple(
    {"Prepare data (digits -> recordIO-protobuf)": "Prepare data (digits -> CSV)",
     "Train linear-learner (ClosedEstimator)": "Train linear-learner (ClosedModelTrainer)"}.get(name, name)
    for name in _demo.STEPS
)
"""The demo's step names under SDK v3 (same steps, in the same order)."""


def digits_csv(vectors: Any, labels: Any) -> bytes:
    """Dense vectors and labels as CSV, label first, no header (what linear-learner reads as ``text/csv``).

    Parameters
    ----------
    vectors : numpy.ndarray
        Shape (n, d), float32.
    labels : numpy.ndarray
        Shape (n,).

    Returns
    -------
    bytes
        ``n`` lines of ``d + 1`` comma-separated numbers.

    Raises
    ------
    ValueError
        Shapes do not match.
    """
    import numpy as np

    if vectors.ndim != 2 or labels.ndim != 1 or vectors.shape[0] != labels.shape[0]:
        raise ValueError(f"vectors {vectors.shape} and labels {labels.shape} do not match: expected (n, d) and (n,)")
    buf = io.StringIO()
    np.savetxt(buf, np.column_stack([labels, vectors]), delimiter=",", fmt="%g")
    return buf.getvalue().encode()


def v3_run_class(base: type) -> type:
    """The demo's run class with the SDK v3 steps (``base`` is ``safemaker.cli.demo.run._Run``)."""

    class V3Run(base):  # type: ignore[misc, valid-type]
        step_names = STEPS_V3

        def prepare_data(self) -> tuple[str, bool, list[str]]:
            self.data = _demo.load_digits_data()
            self.recordio = digits_csv(self.data.train_vectors, self.data.train_labels)  # the training payload
            d = self.data
            zeros = int(d.train_labels.sum())
            return (f"{len(d.train_labels) + len(d.validation_labels) + len(d.test_labels)} handwritten digits "
                    f"(8x8) -> {len(d.train_labels)} train / {len(d.validation_labels)} validation / "
                    f"{len(d.test_labels)} test; label 'is it a 0' ({zeros} zeros in train); "
                    f"CSV {len(self.recordio):,} bytes", False, [])

        def upload(self) -> tuple[str, bool, list[str]]:
            assert self.profile is not None and self.profile.default_bucket
            bucket = self.profile.default_bucket
            key = f"{self.prefix}/train/digits.csv"
            self.made["s3_prefix"] = (bucket, self.prefix + "/")
            s3 = self._client("s3")
            s3.upload_fileobj(io.BytesIO(self.recordio), bucket, key)
            head = s3.head_object(Bucket=bucket, Key=key)
            if head["ContentLength"] != len(self.recordio):
                raise _demo.DemoError("upload", f"s3://{bucket}/{key} holds {head['ContentLength']} bytes, "
                                                f"sent {len(self.recordio)}")
            self.made["train_s3"] = f"s3://{bucket}/{key}"
            return f"s3://{bucket}/{key} ({head['ContentLength']:,} bytes)", self.emulated, []

        def training_image(self) -> str:
            from sagemaker.core import image_uris

            return image_uris.retrieve("linear-learner", self.profile.region)

        def train(self) -> tuple[str, bool, list[str]]:
            from sagemaker.core.training.configs import Compute, InputData, OutputDataConfig

            from safemaker.sdk.v3 import ClosedModelTrainer, ClosedNetworkSession, wait_for_training_job

            assert self.profile is not None and self.data is not None
            self.sm_session = ClosedNetworkSession(self.profile, boto_session=self.session)
            image = self.training_image()
            bucket = self.profile.default_bucket
            self.estimator = ClosedModelTrainer(
                training_image=image, sagemaker_session=self.sm_session, base_job_name=self.names["job_base"],
                compute=Compute(instance_type=_demo.TRAIN_INSTANCE_TYPE, instance_count=1),
                output_data_config=OutputDataConfig(s3_output_path=f"s3://{bucket}/{self.prefix}/output"),
                hyperparameters={"feature_dim": self.data.feature_dim, "predictor_type": "binary_classifier",
                                 "mini_batch_size": 200},
            )
            self.estimator.train(input_data_config=[InputData(channel_name="train", data_source=self.made["train_s3"],
                                                              content_type="text/csv")], wait=False)
            job = self.estimator._latest_training_job
            self.made["training_job"] = job.training_job_name
            wait_for_training_job(job, self.sm_session, poll=self.poll, timeout=self.timeout)
            d = self.sm_session.sagemaker_client.describe_training_job(TrainingJobName=job.training_job_name)
            return f"{job.training_job_name} {d['TrainingJobStatus']}", self.emulated, self.training_details(image, d)

        def deploy(self) -> tuple[str, bool, list[str]]:
            from safemaker.sdk.v3 import closed_deploy, wait_for_endpoint

            self.made["endpoint"] = self.names["endpoint"]
            self.made["model"] = self.names["model"]
            endpoint = closed_deploy(self.estimator, 1, _demo.HOSTING_INSTANCE_TYPE,
                                     endpoint_name=self.names["endpoint"], model_name=self.names["model"],
                                     wait=False)
            wait_for_endpoint(endpoint, self.sm_session, poll=self.poll, timeout=self.timeout)
            self.predictor = endpoint
            sm = self.sm_session.sagemaker_client
            config = sm.describe_endpoint_config(EndpointConfigName=endpoint.endpoint_config_name)
            model_name = config["ProductionVariants"][0]["ModelName"]
            self.made["endpoint_config"] = endpoint.endpoint_config_name
            self.made["model"] = model_name
            model = sm.describe_model(ModelName=model_name)
            vpc = model.get("VpcConfig") or {}
            return (f"endpoint {endpoint.endpoint_name} {endpoint.endpoint_status}", self.emulated,
                    [f"model {model_name}: EnableNetworkIsolation={model.get('EnableNetworkIsolation')}, "
                     f"VpcConfig.Subnets={vpc.get('Subnets')}, VpcConfig.SecurityGroupIds={vpc.get('SecurityGroupIds')}"])

        def predict(self) -> tuple[str, bool, list[str]]:
            import json

            assert self.data is not None
            rows = self.data.test_vectors[:_demo.PREDICT_COUNT]
            body = "\n".join(",".join(f"{x:g}" for x in row) for row in rows)
            digits = [int(x) for x in self.data.test_digits[:_demo.PREDICT_COUNT]]
            truth = [int(x) for x in self.data.test_labels[:_demo.PREDICT_COUNT]]
            result = self.predictor.invoke(body=body, content_type="text/csv", accept="application/json")
            answer = result.body
            if hasattr(answer, "read"):
                answer = answer.read()
            if isinstance(answer, bytes):
                answer = answer.decode("utf-8", "replace")
            shown = [f"digits shown: {digits}; true 'is it a 0' labels: {truth}"]
            if self.emulated:
                return (f"{_demo.EMULATED_PREDICTION_LABEL}: {answer!r}", True, shown)
            try:
                predicted = [int(p["predicted_label"]) for p in json.loads(answer)["predictions"]]
            except (ValueError, KeyError, TypeError) as exc:
                raise _demo.DemoError("predict", f"unexpected answer from the endpoint ({exc}): "
                                                 f"{str(answer)[:200]!r}") from None
            correct = sum(p == t for p, t in zip(predicted, truth))
            return f"predicted labels {predicted} ({correct}/{len(truth)} correct)", False, shown

        def cleanup(self) -> tuple[str, bool, list[str]]:
            try:
                return super().cleanup()
            finally:
                if self.sm_session is not None:
                    self.sm_session.close()

    V3Run.__name__ = V3Run.__qualname__ = "V3Run"
    return V3Run
