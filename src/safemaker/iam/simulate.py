"""IAM's own policy simulator (``SimulateCustomPolicy``) side by side with the local evaluator."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from .constants import BASELINE_ALLOW
from .evaluator import AuthorizationRequest, ContextValue, Decision, evaluate

__all__ = ["SimulationResult", "simulate"]


@dataclass(frozen=True)
class SimulationResult:
    """IAM's decision and safemaker's evaluator's decision for one request.

    Attributes
    ----------
    request : AuthorizationRequest
        The request simulated.
    iam_decision : str
        ``EvalDecision`` from ``SimulateCustomPolicy`` (``allowed``,
        ``explicitDeny``, ``implicitDeny``).
    local_decision : Decision
        :func:`safemaker.iam.evaluator.evaluate` on the same policies.
    matched_statements : tuple[str, ...]
        ``SourcePolicyId`` of the statements IAM reports as matched.
    missing_context_values : tuple[str, ...]
        Context keys the policies use that the request did not give.
    """

    request: AuthorizationRequest
    iam_decision: str
    local_decision: Decision
    matched_statements: tuple[str, ...] = ()
    missing_context_values: tuple[str, ...] = ()

    @property
    def agrees(self) -> bool:
        """``True`` when IAM and the local evaluator decide the same."""
        return self.iam_decision == self.local_decision


def _context_entries(context: Mapping[str, ContextValue]) -> list[dict[str, Any]]:
    entries = []
    for key, value in context.items():
        if isinstance(value, bool):
            entries.append({"ContextKeyName": key, "ContextKeyValues": ["true" if value else "false"],
                            "ContextKeyType": "boolean"})
        elif isinstance(value, str):
            entries.append({"ContextKeyName": key, "ContextKeyValues": [value], "ContextKeyType": "string"})
        else:
            items = list(value)
            if items and all(isinstance(i, bool) for i in items):
                entries.append({"ContextKeyName": key, "ContextKeyValues": ["true" if i else "false" for i in items],
                                "ContextKeyType": "booleanList"})
            else:
                entries.append({"ContextKeyName": key, "ContextKeyValues": [str(i) for i in items],
                                "ContextKeyType": "stringList"})
    return entries


def simulate(iam_client: Any, policies: Sequence[Mapping[str, Any]], requests: Sequence[AuthorizationRequest], *,
             baseline: Mapping[str, Any] | None = BASELINE_ALLOW) -> list[SimulationResult]:
    """Ask IAM (``SimulateCustomPolicy``) to decide each request, next to the local evaluator.

    One call per request (context entries apply to every action of a call),
    paginated with the client's paginator.

    Parameters
    ----------
    iam_client : botocore IAM client
        Created by the caller (``boto3_session.client("iam")``); needs real
        credentials with ``iam:SimulateCustomPolicy``.
    policies : Sequence[Mapping]
        Policy documents to test (e.g. the guardrail and pass-role documents).
    requests : Sequence[AuthorizationRequest]
        Actions, resources and contexts (:func:`authorization_requests`).
    baseline : Mapping or None, default :data:`BASELINE_ALLOW`
        An Allow policy simulated with ``policies`` so that "allowed" means
        "not denied"; ``None`` simulates ``policies`` alone.

    Returns
    -------
    list[SimulationResult]
        One per request, in order.

    Raises
    ------
    botocore.exceptions.ClientError
        From IAM (``InvalidInput``, ``PolicyEvaluation``, ``AccessDenied``).
    """
    docs = ([dict(baseline)] if baseline is not None else []) + [dict(p) for p in policies]
    inputs = [json.dumps(d, separators=(",", ":")) for d in docs]
    paginator = iam_client.get_paginator("simulate_custom_policy")
    results = []
    for req in requests:
        kwargs: dict[str, Any] = {"PolicyInputList": inputs, "ActionNames": [req.action]}
        if req.resource != "*":
            kwargs["ResourceArns"] = [req.resource]
        entries = _context_entries(req.context)
        if entries:
            kwargs["ContextEntries"] = entries
        decision = "implicitDeny"
        matched: list[str] = []
        missing: list[str] = []
        for page in paginator.paginate(**kwargs):
            for res in page.get("EvaluationResults", []):
                decision = _combine(decision, res["EvalDecision"])
                matched.extend(m.get("SourcePolicyId", "") for m in res.get("MatchedStatements", []))
                missing.extend(res.get("MissingContextValues", []))
        local = evaluate(docs, req).decision
        results.append(SimulationResult(req, decision, local, tuple(matched), tuple(dict.fromkeys(missing))))
    return results


def _combine(current: str, new: str) -> str:
    order = {"implicitDeny": 0, "allowed": 1, "explicitDeny": 2}
    return new if order.get(new, 0) > order.get(current, 0) else current
