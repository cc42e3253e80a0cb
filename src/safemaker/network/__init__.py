"""The closed network itself: check it (doctor), build and remove it (infra), render it (template).

Public API::

    from safemaker.network import doctor, infra, template
    from safemaker.network.endpoints import required_endpoints, FEATURES

    report = doctor.run(profile, ["notebook", "training"], ec2_client=ec2)
    result = infra.up(infra.StackConfig(name="ifsm", region="ap-northeast-1"),
                      ec2_client=ec2, iam_client=iam, profile_path="profile.toml")
    infra.down("ifsm", ec2_client=ec2, iam_client=iam)
    text = template.dumps(template.render(infra.StackConfig(name="ifsm", region="ap-northeast-1")))

Nothing here creates an AWS client: pass them in (the ``safemaker doctor`` and
``safemaker infra`` commands make them from a boto3 session).
"""

from __future__ import annotations

from .. import _lazy
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - loaded on first use (_LAZY), here for type checkers and docs
    from safemaker.network import doctor, endpoints, infra, template
    from safemaker.network.doctor import Check, Report, assert_closed, load_closed, run
    from safemaker.network.endpoints import (
        DEFAULT_FEATURES,
        FEATURES,
        FeatureError,
        parse_features,
        required_endpoints,
    )
    from safemaker.network.infra import (
        Action,
        DownResult,
        InfraError,
        Plan,
        RetryPolicy,
        StackConfig,
        StackConfigError,
        UpResult,
    )

_LAZY: dict[str, str] = {
    **dict.fromkeys(("Check", "Report", "assert_closed", "load_closed", "run"), "doctor"),
    **dict.fromkeys(("DEFAULT_FEATURES", "FEATURES", "FeatureError", "parse_features", "required_endpoints"),
                    "endpoints"),
    **dict.fromkeys(("Action", "DownResult", "InfraError", "Plan", "RetryPolicy", "StackConfig", "StackConfigError",
                     "UpResult"), "infra"),
}
"""Name -> the submodule that defines it, imported on first use (PEP 562): ``safemaker doctor --help`` and
``safemaker.network.endpoints`` do not import the infra and doctor packages (boto3, the template, YAML)."""
_SUBMODULES = frozenset({"doctor", "endpoints", "infra", "template"})


__getattr__, __dir__ = _lazy.attach(__name__, _LAZY, _SUBMODULES)


__all__ = [
    "doctor",
    "endpoints",
    "infra",
    "template",
    "run",
    "Check",
    "Report",
    "assert_closed",
    "load_closed",
    "FEATURES",
    "DEFAULT_FEATURES",
    "FeatureError",
    "parse_features",
    "required_endpoints",
    "StackConfig",
    "StackConfigError",
    "InfraError",
    "RetryPolicy",
    "Action",
    "Plan",
    "UpResult",
    "DownResult",
]
