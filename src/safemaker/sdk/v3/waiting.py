"""Waits on the Describe call only, CloudWatch Logs when asked and reachable (F06)."""

from __future__ import annotations

import logging
import time
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from sagemaker.core.utils import utils as _sm_utils
from sagemaker.core.utils.exceptions import FailedStatusError, TimeoutExceededError

from safemaker.errors import aws_error
from safemaker.sdk.v3.session import ClosedNetworkSession

__all__ = ["wait_for_training_job", "wait_for_endpoint"]


logger = logging.getLogger(__name__)

_TERMINAL_TRAINING = ("Completed", "Failed", "Stopped")


_PENDING_ENDPOINT = ("Creating", "Updating", "SystemUpdating", "RollingBack")


class _LogTail:
    """Reads a training job's CloudWatch log streams with the closed session's Logs client."""

    GROUP = "/aws/sagemaker/TrainingJobs"

    def __init__(self, client: Any, job_name: str) -> None:
        self.client = client
        self.job_name = job_name
        self.tokens: dict[str, str | None] = {}
        self.failed = False

    def read(self) -> list[tuple[str, str]]:
        """New ``(stream, message)`` pairs; ``[]`` for ever once Logs has failed (one warning)."""
        if self.failed:
            return []
        out: list[tuple[str, str]] = []
        try:
            streams = self.client.describe_log_streams(
                logGroupName=self.GROUP, logStreamNamePrefix=self.job_name + "/", orderBy="LogStreamName",
            ).get("logStreams", [])
            for stream in streams:
                name = stream["logStreamName"]
                args = {"logGroupName": self.GROUP, "logStreamName": name, "startFromHead": True}
                if self.tokens.get(name):
                    args["nextToken"] = self.tokens[name]
                while True:
                    page = self.client.get_log_events(**args)
                    events = page.get("events", [])
                    out += [(name, e.get("message", "")) for e in events]
                    token = page.get("nextForwardToken")
                    self.tokens[name] = token
                    if not events or not token:
                        break
                    args["nextToken"] = token
        except ClientError as exc:
            if aws_error(exc)[0] == "ResourceNotFoundException":
                return out  # no log group until the container writes its first line
            self._give_up(exc)
        except BotoCoreError as exc:
            self._give_up(exc)
        return out

    def _give_up(self, exc: Exception) -> None:
        self.failed = True
        region = getattr(self.client.meta, "region_name", "<region>")
        logger.warning(
            "%s: CloudWatch Logs cannot be read (%s: %s); waiting on DescribeTrainingJob only. In a closed "
            "network this needs the interface VPC endpoint com.amazonaws.%s.logs with private DNS.",
            self.job_name, type(exc).__name__, exc, region,
        )


def wait_for_training_job(job: Any, session: ClosedNetworkSession, *, poll: float | None = None,
                          timeout: float | None = None, logs: bool = False) -> Any:
    """Wait for a training job to end, on ``DescribeTrainingJob`` only unless Logs are asked for (F06).

    Parameters
    ----------
    job : sagemaker.core.resources.TrainingJob
        The job (as ``ModelTrainer.train`` made it).
    session : ClosedNetworkSession
        Its guarded clients are used for every call.
    poll : float, optional
        Seconds between polls; default ``session.poll``.
    timeout : float, optional
        Seconds before :class:`sagemaker.core.utils.exceptions.TimeoutExceededError`.
    logs : bool, default False
        Print the job's CloudWatch log lines (to the ``sagemaker`` logger, as
        the SDK's own wait does) when ``session.logs`` is also ``True``. If
        Logs cannot be reached, one warning is logged and the wait goes on.

    Returns
    -------
    sagemaker.core.resources.TrainingJob
        ``job``, refreshed, in ``Completed``.

    Raises
    ------
    sagemaker.core.utils.exceptions.FailedStatusError
        The job ended ``Failed`` or ``Stopped`` (as ``TrainingJob.wait`` raises).
    sagemaker.core.utils.exceptions.TimeoutExceededError
        ``timeout`` passed first.
    """
    interval = session.poll if poll is None else poll
    tail = _LogTail(session.logs_client, job.training_job_name) if (logs and session.logs) else None
    if logs and not session.logs:
        logger.info("%s: CloudWatch Logs are not read (the closed session has logs=False)",
                    job.training_job_name)
    start = time.monotonic()
    client = session.sagemaker_client
    while True:
        description = client.describe_training_job(TrainingJobName=job.training_job_name)
        status = description["TrainingJobStatus"]
        if tail is not None:
            for stream, message in tail.read():
                _sm_utils.logger.info(f"{stream}:\n{message}", extra={"markup": False})
        if status in _TERMINAL_TRAINING:
            job.refresh()
            if status != "Completed":
                raise FailedStatusError(resource_type="TrainingJob", status=status,
                                        reason=description.get("FailureReason", status))
            return job
        if timeout is not None and time.monotonic() - start >= timeout:
            raise TimeoutExceededError(resource_type="TrainingJob", status=status)
        time.sleep(interval)


def wait_for_endpoint(endpoint: Any, session: ClosedNetworkSession, *, poll: float | None = None,
                      timeout: float | None = None) -> Any:
    """Wait for an endpoint to leave ``Creating``/``Updating``, on ``DescribeEndpoint`` only (F06).

    Parameters
    ----------
    endpoint : sagemaker.core.resources.Endpoint
        The endpoint.
    session : ClosedNetworkSession
        Its guarded SageMaker client is used.
    poll : float, optional
        Seconds between polls; default ``session.poll``.
    timeout : float, optional
        Seconds before :class:`sagemaker.core.utils.exceptions.TimeoutExceededError`.

    Returns
    -------
    sagemaker.core.resources.Endpoint
        ``endpoint``, refreshed, ``InService``.

    Raises
    ------
    sagemaker.core.utils.exceptions.FailedStatusError
        The endpoint ended in another status (``Failed``, ``OutOfService``...).
    sagemaker.core.utils.exceptions.TimeoutExceededError
        ``timeout`` passed first.
    """
    interval = session.poll if poll is None else poll
    start = time.monotonic()
    while True:
        description = session.sagemaker_client.describe_endpoint(EndpointName=endpoint.endpoint_name)
        status = description["EndpointStatus"]
        if status not in _PENDING_ENDPOINT:
            endpoint.refresh()
            if status != "InService":
                raise FailedStatusError(resource_type="Endpoint", status=status,
                                        reason=description.get("FailureReason", status))
            return endpoint
        if timeout is not None and time.monotonic() - start >= timeout:
            raise TimeoutExceededError(resource_type="Endpoint", status=status)
        time.sleep(interval)
