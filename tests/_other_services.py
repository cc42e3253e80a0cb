"""What the process-guard tests of other services send and make: a call moto may lack (refused by the guard, or
sent), and the state machine and Automation runbook whose one step creates a notebook instance."""

from __future__ import annotations

import json
from typing import Any, Callable, Mapping

from safemaker.errors import GuardrailViolation


def send(call: Callable[..., Any], **kwargs: Any) -> None:
    """Call an operation moto lacks: a GuardrailViolation propagates, moto's error answer does not."""
    try:
        call(**kwargs)
    except GuardrailViolation:
        raise
    except Exception:  # noqa: BLE001 - moto answers an operation it lacks with an error: it was sent
        pass


def notebook_state_machine(params: Mapping[str, Any]) -> str:
    """A Step Functions definition (JSON text) whose one task, ``S``, creates notebook instance ``nb`` with
    ``params`` through the AWS SDK integration."""
    return json.dumps({"StartAt": "S", "States": {"S": {
        "Type": "Task", "End": True, "Resource": "arn:aws:states:::aws-sdk:sagemaker:createNotebookInstance",
        "Parameters": {"NotebookInstanceName": "nb", **params}}}})


def notebook_runbook(params: Mapping[str, Any]) -> str:
    """An Automation runbook (JSON text) whose one ``aws:executeAwsApi`` step, ``nb``, creates notebook instance
    ``nb`` with ``params``."""
    return json.dumps({"schemaVersion": "0.3", "mainSteps": [{
        "name": "nb", "action": "aws:executeAwsApi",
        "inputs": {"Service": "sagemaker", "Api": "CreateNotebookInstance", "NotebookInstanceName": "nb", **params}}]})
