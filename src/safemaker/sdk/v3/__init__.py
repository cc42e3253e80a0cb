"""SageMaker Python SDK v3 adapters (``sagemaker>=3``): a closed session, ModelTrainer and deploy.

SDK v3 is ``sagemaker-core`` (one pydantic resource class per SageMaker
resource: ``TrainingJob``, ``Model``, ``EndpointConfig``, ``Endpoint``,
``NotebookInstance``...), ``sagemaker.train`` (``ModelTrainer``) and
``sagemaker.serve`` (``ModelBuilder``). The guard (:mod:`safemaker.hooks`)
decides on the final request whatever built it; these adapters make v3 build
closed requests in the first place and close every path by which v3 would
reach SageMaker, IAM or the internet around the guard.

The names:

- :class:`ClosedNetworkSession`: a ``sagemaker.core.helper.session_helper.Session``
  with the guard on every SageMaker client, and the SDK defaults
  (``sagemaker_config``) filled with the profile.
- :class:`ClosedModelTrainer`: ``ModelTrainer`` whose ``networking`` comes from
  the profile (a ``Networking`` object or a plain dict is accepted, F04; both
  VPC lists always present, F05), whose role is the profile's, and whose
  waits do not depend on CloudWatch Logs (F06).
- :func:`closed_deploy`: deploy a ``ModelBuilder``, a trained
  ``ModelTrainer``, a ``TrainingJob``, or a sagemaker-core ``Model``,
  ``EndpointConfig`` or ``Endpoint`` with network isolation and the profile's
  ``VpcConfig`` (F03).
- :func:`closed_networking`: the profile's ``Networking``, merged with what
  the caller gave.
- :func:`wait_for_training_job`, :func:`wait_for_endpoint`: waits on the
  Describe call only.

Each path by which SDK v3 reaches AWS outside a session's own clients, and
what a :class:`ClosedNetworkSession` does about it:

- ``SageMakerClient`` (``sagemaker.core.utils.utils``) caches clients per
  boto3 session: entries made on the session's boto3 session before the
  guard was installed are dropped; every client made later is guarded.
- ``SageMakerClient()`` without a session is the process default, used by
  every resource call made without ``session=`` (``ModelBuilder.deploy``
  creates endpoint configs and endpoints so): the closed session's client
  becomes that default.
- ``boto3.client("sagemaker")`` on boto3's default session (``AIRHub`` at
  import time, evaluation and fine-tuning helpers): the closed session's
  boto3 session becomes boto3's default, and a SageMaker client SDK v3 made
  at import time before the closed session existed gets the guard too.
- ``CloudWatchLogsClient`` (``sagemaker.core.utils.logs``) is a singleton on a
  boto3 session of its own (``TrainingJob.wait(logs=True)``): its client is
  replaced by the closed session's Logs client (:data:`LOGS_CONFIG`).
- ``DEFAULT_JUMPSTART_SAGEMAKER_SESSION`` resolves to the closed session.
- ``resolve_and_validate_role`` calls IAM ``SimulatePrincipalPolicy`` and
  ``GetRole`` for every ``ModelTrainer``/``ModelBuilder``: every IAM request
  of the closed session's clients is answered ``AccessDenied`` inside the
  process, never sent; the SDK then goes on with the role it was given, the
  profile's (F09).
- ``Session.get_caller_identity_arn``, ``account_id``, ``expand_role``: the
  profile's execution role and account, no STS or IAM call.
- The telemetry GET to ``sm-pysdk-t-<region>.s3.<region>.amazonaws.com``:
  ``SageMaker.PythonSDK.Modules.TelemetryOptOut`` is ``true`` in the
  session's ``sagemaker_config``.

The process defaults are given back by :meth:`ClosedNetworkSession.close`
(or leaving its ``with`` block).

One module per thing: :mod:`~safemaker.sdk.v3.session` (the session and the
process defaults it takes over), :mod:`~safemaker.sdk.v3.networking`
(``closed_networking``), :mod:`~safemaker.sdk.v3.trainer`
(``ClosedModelTrainer``), :mod:`~safemaker.sdk.v3.deploy` (``closed_deploy``),
:mod:`~safemaker.sdk.v3.waiting` (the waits), :mod:`~safemaker.sdk.v3.preflight`
(the SDK-side preflight checks). This package re-exports the public names.

Importing this package imports SDK v3 (about two seconds); import the names
from :mod:`safemaker.sdk` to have that happen on first use only.
"""

from __future__ import annotations

from safemaker.sdk._errors import ClosedSessionError
from safemaker.sdk.v3.deploy import closed_deploy
from safemaker.sdk.v3.networking import closed_networking
from safemaker.sdk.v3.preflight import install_sdk_preflight
from safemaker.sdk.v3.session import IAM_REFUSAL_CODE, LOCAL_POLL_SECONDS, LOGS_CONFIG, ClosedNetworkSession
from safemaker.sdk.v3.trainer import ClosedModelTrainer
from safemaker.sdk.v3.waiting import wait_for_endpoint, wait_for_training_job

__all__ = [
    "ClosedNetworkSession",
    "ClosedModelTrainer",
    "closed_deploy",
    "closed_networking",
    "wait_for_training_job",
    "wait_for_endpoint",
    "ClosedSessionError",
    "IAM_REFUSAL_CODE",
    "LOCAL_POLL_SECONDS",
    "LOGS_CONFIG",
    "install_sdk_preflight",
]

# The public names are this package's (reprs, pickles and docs say ``safemaker.sdk.v3.<name>``), wherever
# they are defined.
for _obj in (ClosedNetworkSession, ClosedModelTrainer, closed_deploy, closed_networking, wait_for_training_job, wait_for_endpoint, install_sdk_preflight):
    _obj.__module__ = __name__
del _obj
