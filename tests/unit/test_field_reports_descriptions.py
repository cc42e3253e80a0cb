"""Field report F16 (shared/cases/field-reports.md): a description's ``VpcConfig: {}`` is no VPC, for every kind.

moto answers ``VpcConfig: {}`` for a model created without one; AWS's Describe calls leave the member out. Either
way the resource has no VPC. The audit and the reference checks read descriptions with
``safemaker.guard.check_resource``; this checks every required VPC structure of every resource kind
(``safemaker.resources.RESOURCES`` x the rules of its create operation), including those inside lists
(``TrainingJobDefinitions[]``), so that no kind's ``{}`` passes as a VPC. Expected: the botocore model's
``VpcConfig`` requires ``Subnets`` and ``SecurityGroupIds``, so ``{}`` is not a VPC configuration.
"""

from __future__ import annotations

import botocore.session
import pytest

from safemaker.errors import MISSING
from safemaker.guard import check_resource
from safemaker.resources import RESOURCES
from safemaker.rules import RULES, Guardrail

from _profiles import make_profile

PROFILE = make_profile()


def _vpc_structures():
    out = []
    for kind, spec in sorted(RESOURCES.items()):
        rule = RULES.get(spec.create_operation)
        if rule is None:
            continue
        for target in rule.targets:
            anchor = target.describe_anchor if target.describe_anchor is not None else target.anchor
            for f in target.fields:
                if f.guardrail is Guardrail.VPC_CONFIG and f.required:
                    out.append(pytest.param(kind, ".".join(p for p in (anchor, f.describe_path or f.path) if p),
                                            id=f"{kind}:{anchor + '.' if anchor else ''}{f.describe_path or f.path}"))
    return out


STRUCTURES = _vpc_structures()


def _described(path: str) -> tuple[dict, str]:
    """A description holding ``{}`` at ``path`` (one element in each list), and that member's concrete path."""
    root: dict = {}
    node = root
    concrete = []
    parts = path.split(".")
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part.endswith("[]"):
            name = part[:-2]
            child: dict = {}
            node[name] = [child]
            concrete.append(f"{name}[0]")
            node = child
        else:
            concrete.append(part)
            if last:
                node[part] = {}
            else:
                node = node.setdefault(part, {})
    return root, ".".join(concrete)


def test_every_kind_with_a_vpc_is_covered():
    """The list is not empty by accident: the kinds the report and the seed name are in it."""
    kinds = {p.values[0] for p in STRUCTURES}
    assert {"model", "training-job", "processing-job", "hyper-parameter-tuning-job", "monitoring-schedule",
            "cluster"} <= kinds
    vpc = botocore.session.get_session().get_service_model("sagemaker").shape_for("VpcConfig")
    assert set(vpc.required_members) == {"Subnets", "SecurityGroupIds"}


@pytest.mark.parametrize("kind, path", STRUCTURES)
def test_F16_empty_vpc_structure_in_a_description_is_no_vpc(kind, path):
    description, concrete = _described(path)
    found = [(v.found, v.rule_id) for v in check_resource(kind, description, PROFILE) if v.path == concrete]
    assert found == [(MISSING, "SM-NET-VPC")]
