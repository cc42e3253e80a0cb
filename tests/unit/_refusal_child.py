"""What ``test_errors_pickle.test_a_refusal_crosses_a_process_boundary`` runs in a spawned child.

Its own small module: a spawned child imports the module of the function it
runs, and ``test_errors_pickle`` imports every safemaker module when it is
imported (to find the exception classes; ~4.5 s of CPU in the child, for one
``raise``).
"""

from __future__ import annotations


def refuse() -> None:
    """Raise the refusal of a CreateTrainingJob without network isolation (SM-NET-ISOLATION)."""
    from safemaker.errors import MISSING, GuardrailViolation, Violation

    raise GuardrailViolation("CreateTrainingJob", [Violation(
        operation="CreateTrainingJob", path="EnableNetworkIsolation", found=MISSING, required=True,
        fix="Set it to True.", rule_id="SM-NET-ISOLATION")])
