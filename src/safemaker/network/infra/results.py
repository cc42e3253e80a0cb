"""What :func:`~safemaker.network.infra.plan`, :func:`~safemaker.network.infra.up` and
:func:`~safemaker.network.infra.down` return: :class:`Action`, :class:`Plan`, :class:`UpResult`, :class:`DownResult`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Literal

from safemaker.network.infra.config import Verb


@dataclass(frozen=True)
class Action:
    """One step of a plan, or one thing ``up``/``down`` did.

    Attributes
    ----------
    verb : {"create", "update", "delete", "keep"}
        ``keep`` means nothing to do (or, in ``down``, kept on purpose: see ``detail``).
    kind : str
        AWS resource kind (``"VPC"``, ``"subnet"``, ``"VPC endpoint"``, ``"IAM role"``...).
    name : str
        The resource's name in the stack (its ``Name`` tag or IAM name).
    resource_id : str or None
        Its ID/ARN; None for a resource not created yet.
    detail : str
        What exactly, one sentence.
    """

    verb: Verb
    kind: str
    name: str
    resource_id: str | None = None
    detail: str = ""

    def line(self) -> str:
        """``"<verb> <kind> <name> (<id>): <detail>"``."""
        rid = f" ({self.resource_id})" if self.resource_id else ""
        return f"{self.verb} {self.kind} {self.name}{rid}" + (f": {self.detail}" if self.detail else "")

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the fields."""
        return {"verb": self.verb, "kind": self.kind, "name": self.name,
                "resource_id": self.resource_id, "detail": self.detail}


@dataclass(frozen=True)
class Plan:
    """What :func:`up` or :func:`down` would do.

    Attributes
    ----------
    stack : str
    operation : {"up", "down"}
    actions : tuple of Action
        In execution order, ``keep`` included.
    remaining : tuple of Action
        For ``down``: resources of the stack that would be kept (something
        outside the stack uses them); see :attr:`DownResult.remaining`.
    """

    stack: str
    operation: Literal["up", "down"]
    actions: tuple[Action, ...]
    remaining: tuple[Action, ...] = ()

    @property
    def changes(self) -> tuple[Action, ...]:
        """Actions other than ``keep``."""
        return tuple(a for a in self.actions if a.verb != "keep")

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict: ``stack, operation, changes (count), actions``."""
        return {"stack": self.stack, "operation": self.operation, "changes": len(self.changes),
                "actions": [a.as_dict() for a in self.actions],
                "remaining": [a.as_dict() for a in self.remaining]}


@dataclass(frozen=True)
class UpResult:
    """What :func:`up` built.

    Attributes
    ----------
    stack : str
    profile : safemaker.profile.VpcProfile
        The closed network's profile (also written to ``profile_path``).
    actions : tuple of Action
        What was done, ``keep`` included.
    resources : dict of str to str
        Logical name (``vpc``, ``subnet-1``, ``endpoint:sts``, ``role:execution``...) -> ID or ARN.
    policy_arns : dict of str to tuple of str
        Policy key -> ARNs (``developer`` is for the developers' users or roles).
    profile_path : pathlib.Path or None
    """

    stack: str
    profile: Any
    actions: tuple[Action, ...]
    resources: dict[str, str]
    policy_arns: dict[str, tuple[str, ...]]
    profile_path: Path | None = None

    @property
    def changes(self) -> tuple[Action, ...]:
        """Actions other than ``keep`` (empty when ``up`` changed nothing)."""
        return tuple(a for a in self.actions if a.verb != "keep")


@dataclass(frozen=True)
class DownResult:
    """What :func:`down` did and what it left.

    Attributes
    ----------
    stack : str
    actions : tuple of Action
        Deletions (and detachments) done, in order.
    remaining : tuple of Action
        ``keep`` actions: resources of the stack that were not deleted and why
        (something outside the stack depends on them). Empty when complete.
    skipped : tuple of Action
        ``keep`` actions: IAM resources with the stack's names but without its
        tag, left alone (never deleted).
    """

    stack: str
    actions: tuple[Action, ...]
    remaining: tuple[Action, ...]
    skipped: tuple[Action, ...] = ()

    @property
    def complete(self) -> bool:
        """True when nothing of the stack is left."""
        return not self.remaining


ProgressCallback = Callable[[Action], None]
