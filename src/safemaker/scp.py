"""Old name of :mod:`safemaker.iam.scp` (the guardrail as service control policies), kept as a re-export."""

from __future__ import annotations

from .iam.scp import *  # noqa: F401,F403
from .iam.scp import __all__  # noqa: F401
