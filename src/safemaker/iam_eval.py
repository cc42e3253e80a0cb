"""Old name of :mod:`safemaker.iam.evaluator` (the local IAM policy evaluator), kept as a re-export."""

from __future__ import annotations

from .iam.evaluator import *  # noqa: F401,F403
from .iam.evaluator import __all__  # noqa: F401
