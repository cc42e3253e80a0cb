"""Closed rehearsal: run a job's own code locally with no network at all, before paying for it.

The code runs in this Python environment, inside a Linux network namespace
whose only interface is loopback (``unshare --net`` as root, ``unshare
--user --map-root-user --net`` otherwise), under the SageMaker training
contract (:mod:`safemaker.rehearsal.contract`) or serving the SageMaker
inference handlers (:mod:`safemaker.rehearsal.inference`). Any attempt to reach
another host is reported as what would fail under ``EnableNetworkIsolation``.
See ``docs/rehearsal.md``.
"""

from __future__ import annotations

from .contract import TrainingContract
from .errors import RehearsalError, RehearsalFailed, RehearsalInputError, SandboxUnavailable
from .sandbox import NetworkAttempt, Sandbox, find_sandbox
from .inference import InferenceRehearsal, InvocationResult, rehearse_inference
from .training import REHEARSED_LABEL, TrainingRehearsal, rehearse_training

__all__ = [
    "rehearse_training",
    "rehearse_inference",
    "InferenceRehearsal",
    "InvocationResult",
    "TrainingRehearsal",
    "TrainingContract",
    "REHEARSED_LABEL",
    "NetworkAttempt",
    "Sandbox",
    "find_sandbox",
    "RehearsalError",
    "RehearsalFailed",
    "RehearsalInputError",
    "SandboxUnavailable",
]
