"""What the process guard cannot verify in a request of CloudFormation or another service, in one place.

A request whose template, definition, document or target cannot be read before it runs (a
``TemplateURL``, a value filled in at run time, a pipeline made outside the process) is refused
(``SM-REFERENCE``, or the rule of an ``UNKNOWN`` finding) unless the profile sets
:data:`RELAXATION`. Every such violation's fix starts with :data:`CANNOT_VERIFY`, which is how
:func:`unverified` knows it (the stack calls' and the service calls' readers build them alike).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from ..errors import Violation

if TYPE_CHECKING:  # pragma: no cover
    from ..audit import Finding
    from ..profile import VpcProfile

RELAXATION = "allow_unverified_templates"
"""The profile field that lets what cannot be verified through (templates, definitions, documents, targets)."""

CANNOT_VERIFY = "Cannot verify it"
"""How the fix of every violation of something the guard cannot verify starts."""


def unverifiable(operation: str, path: str, found: Any, required: str, why: str, fix: str) -> Violation:
    """A ``SM-REFERENCE`` violation: ``why`` the guard cannot verify the value at ``path``, then ``fix``."""
    return Violation(operation, path, found, required, f"{CANNOT_VERIFY}: {why}; {fix}", "SM-REFERENCE")


def unknown_finding(operation: str, path: str, f: "Finding", required: Any, when: str) -> Violation:
    """The violation of an ``UNKNOWN`` finding of a template or document read ``when`` (``"before deployment
    (template line 7)"``): the finding's own fix, then how an administrator relaxes the profile."""
    return Violation(operation, path, f.found, required,
                     f"{CANNOT_VERIFY} {when}: {f.fix.rstrip('.')}; or an administrator sets {RELAXATION} = true "
                     "in the profile", f.rule_id)


def unverified(v: Violation) -> bool:
    """A violation of something the guard cannot verify (an ``UNKNOWN`` finding, or ``SM-REFERENCE``)."""
    return v.rule_id == "SM-REFERENCE" or v.fix.startswith(CANNOT_VERIFY)


def relaxed(violations: Iterable[Violation], profile: "VpcProfile") -> list[Violation]:
    """``violations`` without the unverified ones when ``profile`` sets :data:`RELAXATION`, else all of them."""
    if getattr(profile, RELAXATION, False):
        return [v for v in violations if not unverified(v)]
    return list(violations)
