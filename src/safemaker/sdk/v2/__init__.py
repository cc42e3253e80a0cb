"""SageMaker Python SDK v2 adapters (``sagemaker>=2.200,<3``): a closed session and closed classes.

The guard (:mod:`safemaker.hooks`) decides on the final request whatever
built it; these adapters make the SDK build closed requests in the first
place, and refuse a conflicting argument when the object is built rather
than when the request leaves. Network isolation in particular must be known
to the SDK itself: it changes how script-mode code is delivered (a ``code``
input channel instead of a download from S3 inside the container).

- :class:`ClosedNetworkSession`: a ``sagemaker.Session`` whose every SageMaker
  client is guarded by a VPC profile, whose SDK defaults (``sagemaker_config``)
  carry the profile, that sends no telemetry, never calls IAM or STS, and
  whose waits do not depend on CloudWatch Logs.
- :func:`closed`: ``closed(sagemaker.pytorch.PyTorch)`` returns the same class
  made closed (estimators, processors, models; one mechanism for all).
- :class:`ClosedEstimator`: ``closed(sagemaker.estimator.Estimator)`` with a
  short signature.
- :func:`closed_deploy`: deploy an estimator or model with network isolation
  and the profile's ``VpcConfig``.

One module per thing: :mod:`~safemaker.sdk.v2.session` (the session),
:mod:`~safemaker.sdk.v2.classes` (``closed``), :mod:`~safemaker.sdk.v2.estimator`,
:mod:`~safemaker.sdk.v2.processor` and :mod:`~safemaker.sdk.v2.model` (what
``closed`` does to each kind of class), :mod:`~safemaker.sdk.v2.deploy`
(``closed_deploy``), :mod:`~safemaker.sdk.v2.preflight` (the SDK-side
preflight checks). This package re-exports the public names.

Importing this package imports the SageMaker SDK (about two seconds); import
the names from :mod:`safemaker.sdk` to have that happen on first use only.
"""

from __future__ import annotations

from safemaker.sdk._errors import ClosedSessionError
from safemaker.sdk.v2.classes import closed, is_closed
from safemaker.sdk.v2.deploy import closed_deploy
from safemaker.sdk.v2.estimator import ClosedEstimator
from safemaker.sdk.v2.preflight import install_sdk_preflight
from safemaker.sdk.v2.session import LOCAL_POLL_SECONDS, ClosedNetworkSession

__all__ = [
    "ClosedNetworkSession",
    "ClosedEstimator",
    "closed",
    "closed_deploy",
    "is_closed",
    "install_sdk_preflight",
    "ClosedSessionError",
    "LOCAL_POLL_SECONDS",
]

# The public names are this package's (reprs, pickles and docs say ``safemaker.sdk.v2.<name>``), wherever
# they are defined.
for _obj in (ClosedNetworkSession, ClosedEstimator, closed, closed_deploy, is_closed, install_sdk_preflight):
    _obj.__module__ = __name__
del _obj
