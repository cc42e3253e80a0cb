"""The independent oracle: which requests leave a network path open, read from botocore's model and the AWS docs.

Nothing here reads ``safemaker.rules`` or the guard. Which fields matter is
found by walking each operation's input shape in botocore's SageMaker model
for members whose names the SageMaker API reference gives to network settings,
each with the closed value and the insecure default the reference documents:

==========================================  =====================  ======================================
member (botocore name)                      closed value            absent means (API reference)
==========================================  =====================  ======================================
``EnableNetworkIsolation``                  ``True``                ``False``: containers may call out
``EnableInterContainerTrafficEncryption``   ``True``                ``False``: traffic between instances
                                                                    unencrypted
``DirectInternetAccess``                    ``"Disabled"``          ``"Enabled"`` (notebook instances)
``AppNetworkAccessType``                    ``"VpcOnly"``           ``"PublicInternetOnly"`` (domains)
``RootAccess``                              ``"Disabled"``          ``"Enabled"`` (when the profile says)
``VpcSourceIp`` (work team S3 presigned     ``"Enabled"``           not enabled: the URLs work from
URLs)                                                               anywhere
a structure with ``Subnets`` and            the profile's IDs,      no VPC: the job runs on a network
``SecurityGroupIds`` (``VpcConfig``,        both lists, non-empty,  with internet access
``OverrideVpcConfig``, ...)                 unique
``SubnetId`` / ``SubnetIds``                the profile's subnets   --
``SecurityGroupIds`` / ``SecurityGroups``   the profile's groups    --
(outside such a structure)
``VpcId``                                   the profile's VPC       --
``WorkteamArn`` (a request that gives       a private work team     -- (names no workers)
work: not Describe / List)                  (``workteam/private-
                                            crowd/<name>``)
==========================================  =====================  ======================================

The oracle is a *property*, not a re-implementation: a request the guard lets
through (after what it injects) must have no open value anywhere (an
**escape** otherwise), and a request that is closed as written must not be
refused (a **false refusal** otherwise). Absence counts as open for the
members whose default is open, at every place their parent structure is
present, in create operations, except where the API reference documents that
absence inherits a closed setting (:data:`INHERITS`). Update operations
change only what they give (``Update*``: "absent means unchanged").

The generator (:func:`requests`) builds requests from the same walk: every
value shape botocore accepts at each network member and at each list on the
way (``list`` and ``tuple``, empty, ``None`` vs absent, duplicates, nested
structures, 0 to 3 elements), around the profile's IDs, foreign IDs and the
documented insecure values.
"""

from __future__ import annotations

import copy
import random
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterator, Mapping

import botocore.session

from .strategies import (FOREIGN_SG, FOREIGN_SUBNET, FOREIGN_VPC, PRIVATE_TEAM, PUBLIC_TEAM, VENDOR_TEAM,
                         minimal_request)
from .table_oracle import BUILTIN_RULE_IMAGES, GROUND_TRUTH_LAMBDAS, _private_only

__all__ = ["MODEL", "NetworkMember", "network_members", "open_values", "closed_as_given", "requests",
           "INHERITS", "ABSENT"]

MODEL = botocore.session.get_session().get_service_model("sagemaker")

ABSENT: Any = object()

_FLAGS = {  # member -> (closed value, the documented default when absent)
    "EnableNetworkIsolation": (True, False),
    "EnableInterContainerTrafficEncryption": (True, False),
    "DirectInternetAccess": ("Disabled", "Enabled"),
    "AppNetworkAccessType": ("VpcOnly", "PublicInternetOnly"),
    "RootAccess": ("Disabled", "Enabled"),
    # IamPolicyConstraints.VpcSourceIp (work teams): "When VpcSourceIp is Enabled ... Amazon S3 checks that the
    # presigned URL is being accessed over an Amazon S3 VPC Endpoint"; not Enabled, the URLs work from anywhere
    "VpcSourceIp": ("Enabled", "Disabled"),
}
_VPC_MEMBERS = frozenset({"Subnets", "SecurityGroupIds"})
_SWITCHES_OUT = frozenset({"EmrServerlessSettings", "DirectDeploySettings", "IdentityProviderOAuthSetting"})
"""Canvas settings whose ``Status`` ``ENABLED`` reaches outside the network (botocore's docs: EMR Serverless jobs,
"model deployment permissions", "connecting to an external data source with OAuth")."""
_GT_LAMBDAS = frozenset({"PreHumanTaskLambdaArn", "AnnotationConsolidationLambdaArn"})
"""Lambdas Ground Truth invokes with the data: only the built-in functions botocore's doc strings list stay AWS's."""
_SNS_DATA: Mapping[str, str] = {
    "AsyncInferenceNotificationConfig": "IncludeInferenceResponseIn",  # "topics where you want the inference
    # response to be included"
    "LabelingJobOutputConfig": "SnsTopicArn",  # "Ground Truth will send labeling task output data to the SNS
    # output topic"
}
"""Members (by their structure) that hand an SNS topic data (botocore's docs), whose subscribers (HTTP/S endpoints,
email, other accounts: Amazon SNS Developer Guide) are set in SNS, not in the request: open whenever given."""
_PRIVATE_TEAM = re.compile(r"arn:[^:]*:sagemaker:[^:]*:[^:]*:workteam/private-crowd/[^/]+")
"""A private work team (IAM condition key sagemaker:WorkteamType: "public-crowd, private-crowd or vendor-crowd";
the public crowd is Amazon Mechanical Turk, vendor-crowd an AWS Marketplace vendor: workers outside)."""

INHERITS: Mapping[tuple[str, str], str] = {
    # (operation, rule path) -> why absence is closed (API reference wording)
    ("CreateCluster", "InstanceGroups[].OverrideVpcConfig"):
        "OverrideVpcConfig: if not specified, the instance group uses the cluster's VpcConfig",
    ("CreateCluster", "RestrictedInstanceGroups[].OverrideVpcConfig"):
        "OverrideVpcConfig: if not specified, the instance group uses the cluster's VpcConfig",
    ("CreateUserProfile", "UserSettings.SecurityGroups"):
        "UserSettings.SecurityGroups: absent, the user profile uses the domain's DefaultUserSettings",
    ("CreateDomain", "DomainSettings.SecurityGroupIds"):
        "DomainSettings.SecurityGroupIds: extra groups for RStudio / Docker access, optional",
    ("CreateSpace", "SpaceSettings"): "a space runs in its domain's VPC",
}
"""Absences the API reference says inherit a closed setting (not open)."""

STRICTER_VPC_ID: Mapping[str, str] = {
    "WorkforceVpcConfig": "the model marks WorkforceVpcConfigRequest.VpcId optional; the project requires it "
                          "(the VPC the workforce uses, checked against the profile) -- a deliberate choice "
                          "stricter than the model, asserted in tests/unit/test_rules_operations.py",
}
"""Where the oracle follows a documented project choice stricter than botocore's model (listed, not hidden)."""

DEFINITIONS = frozenset({"LabelingJobAlgorithmsConfig", "MonitoringJobDefinition", "TrainingJobDefinition"})
"""Structures whose absence means no such compute at all (API reference): automated labeling
("LabelingJobAlgorithmsConfig: configures the information required to perform automated data
labeling"), a schedule's inline job definition (it may name a stored one instead), a tuning job's
single definition (it may give TrainingJobDefinitions instead). Other structures hold settings:
absent, their members are absent too (the AWS defaults)."""

_CONDITIONAL: Mapping[tuple[str, str], str] = {
    # present and closed when given; absent is not open when the request names its models
    ("CreateEndpointConfig", "VpcConfig"): "ProductionVariants[].ModelName",
    ("CreateEndpointConfig", "EnableNetworkIsolation"): "ProductionVariants[].ModelName",
}
"""CreateEndpointConfig's own VpcConfig / EnableNetworkIsolation are for inference components
("...for endpoints that host inference components"): with ModelName the models carry them."""


@dataclass(frozen=True)
class NetworkMember:
    """One network member of an operation's request: its rule path and kind."""

    path: str            # "TrainingJobDefinitions[].VpcConfig"
    kind: str            # "flag" | "vpc" | "subnet" | "subnets" | "sgs" | "vpc-id"
    name: str            # the member's own name
    has_vpc_id: bool = False  # a VPC structure that also has a VpcId member (WorkforceVpcConfig)
    required: tuple[str, ...] = ()  # a VPC structure's required members (the model's)


def _walk(shape: Any, path: str, seen: tuple[str, ...], out: list[NetworkMember]) -> None:
    if shape.type_name == "list":
        _walk(shape.member, path + "[]", seen, out)
        return
    if shape.type_name != "structure" or shape.name in seen or len(seen) > 14:
        return
    seen = seen + (shape.name,)
    for name, member in shape.members.items():
        here = f"{path}.{name}" if path else name
        t = member.type_name
        if name in _FLAGS and t in ("boolean", "string"):
            out.append(NetworkMember(here, "flag", name))
        elif t == "structure" and _VPC_MEMBERS <= set(member.members):
            out.append(NetworkMember(here, "vpc", name, "VpcId" in member.members,
                                     tuple(member.required_members)))
            continue
        elif name == "SubnetId" and t == "string":
            out.append(NetworkMember(here, "subnet", name))
        elif name in ("SubnetIds", "Subnets") and t == "list":
            out.append(NetworkMember(here, "subnets", name))
        elif name in ("SecurityGroupIds", "SecurityGroups") and t == "list" and member.member.type_name == "string":
            out.append(NetworkMember(here, "sgs", name))
        elif name == "VpcId" and t == "string":
            out.append(NetworkMember(here, "vpc-id", name))
        elif name == "WorkteamArn" and t == "string":
            out.append(NetworkMember(here, "workteam", name))
        elif name == "SourceIpConfig" and t == "structure" and "Cidrs" in member.members:
            out.append(NetworkMember(here, "source-ip", name))  # a worker portal's allow list
            continue
        elif name == "Status" and shape.name in _SWITCHES_OUT:
            out.append(NetworkMember(here, "switch", name))
        elif name == "RuleEvaluatorImage" and t == "string":
            out.append(NetworkMember(here, "rule-image", name))  # a rule job: its own container and instance
        elif name in _GT_LAMBDAS and t == "string":
            out.append(NetworkMember(here, "gt-lambda", name))
        elif name == "EvaluatorArn" and t == "string":
            out.append(NetworkMember(here, "lambda", name))  # a reward function (a Lambda function)
        elif _SNS_DATA.get(shape.name) == name:
            out.append(NetworkMember(here, "sns-data", name))  # data handed to an SNS topic's subscribers
        if t in ("structure", "list"):
            _walk(member, here, seen, out)


@lru_cache(maxsize=None)
def network_members(operation: str) -> tuple[NetworkMember, ...]:
    """Every network member of ``operation``'s input shape (model walk; rule paths with ``[]``)."""
    shape = MODEL.operation_model(operation).input_shape
    out: list[NetworkMember] = []
    if shape is not None:
        _walk(shape, "", (), out)
    if operation.startswith(("Describe", "List")):
        # a work team named to read about it (DescribeSubscribedWorkteam, ListLabelingJobsForWorkteam) sends no data
        out = [m for m in out if m.kind != "workteam"]
    return tuple(out)


# --------------------------------------------------------------------------- paths (the oracle's own walk)


def _parts(path: str) -> list[str]:
    out: list[str] = []
    for seg in path.split("."):
        n = 0
        while seg.endswith("[]"):
            seg, n = seg[:-2], n + 1
        out.append(seg)
        out += ["[]"] * n
    return out


def _places(doc: Any, parts: list[str], at: str = "") -> Iterator[tuple[str, Any, bool]]:
    """``(concrete path, value, present)`` for each place ``parts`` reaches; absent members
    are reported when their parent structure is present (``present`` False)."""
    if not parts:
        yield at, doc, True
        return
    head, rest = parts[0], parts[1:]
    if head == "[]":
        if isinstance(doc, (list, tuple)):
            for i, item in enumerate(doc):
                yield from _places(item, rest, f"{at}[{i}]")
        return
    if not isinstance(doc, Mapping):
        return
    here = f"{at}.{head}" if at else head
    if head in doc and doc[head] is not None:
        yield from _places(doc[head], rest, here)
    elif head in doc and not rest:
        yield here, None, True  # given as None: present, and not the closed value
    elif head not in DEFINITIONS and "[]" not in rest:
        # an absent settings structure (NetworkConfig, SecurityConfig...): every member below is absent
        yield ".".join([here, *rest]), None, False


def _any_value(doc: Any, path: str) -> bool:
    return any(p and v not in (None, "") for _, v, p in _places(doc, _parts(path)))


# --------------------------------------------------------------------------- evaluation


def _ids_open(value: Any, allowed: tuple[str, ...]) -> bool:
    if not isinstance(value, (list, tuple)) or not value:
        return True
    return len(set(map(repr, value))) != len(value) or any(not isinstance(v, str) or v not in allowed for v in value)


def _open(member: NetworkMember, value: Any, present: bool, profile: Any, *, parent_vpc: bool = False) -> bool:
    if member.kind == "flag":
        closed, _default = _FLAGS[member.name]
        if member.name == "EnableNetworkIsolation" and not profile.require_network_isolation:
            return False
        if member.name == "EnableInterContainerTrafficEncryption" and \
                not profile.require_inter_container_traffic_encryption:
            return False
        if member.name == "RootAccess" and profile.notebook_root_access != "Disabled":
            return False
        return not present or value != closed or type(value) is not type(closed)
    if member.kind == "vpc":
        if not present or not isinstance(value, Mapping):
            return True
        if any(r not in value for r in member.required):
            return True  # botocore's model requires it
        if member.name in STRICTER_VPC_ID and "VpcId" not in value:
            return True
        return (_ids_open(value.get("Subnets"), tuple(profile.subnets))
                or _ids_open(value.get("SecurityGroupIds"), tuple(profile.security_group_ids))
                or ("VpcId" in value and value["VpcId"] != profile.vpc_id))
    if member.kind == "subnet":
        return not present or not isinstance(value, str) or value not in profile.subnets
    if member.kind == "subnets":
        return not present or _ids_open(value, tuple(profile.subnets))
    if member.kind == "sgs":
        return not present or _ids_open(value, tuple(profile.security_group_ids))
    if member.kind == "vpc-id":
        return not present or value != profile.vpc_id
    if member.kind == "workteam":
        # the workers: only a private work team (IAM's sagemaker:WorkteamType private-crowd) stays inside;
        # absent (or null) names no workers
        return present and value is not None and not (isinstance(value, str) and _PRIVATE_TEAM.fullmatch(value))
    if member.kind == "source-ip":  # absent: "By default, a workforce isn't restricted to specific IP addresses"
        return not present or not _private_only(value)
    if member.kind == "switch":
        return present and value is not None and value != "DISABLED"
    if member.kind == "rule-image":
        return present and value is not None and value not in BUILTIN_RULE_IMAGES
    if member.kind == "gt-lambda":
        return present and value is not None and value not in GROUND_TRUTH_LAMBDAS
    if member.kind == "sns-data" and member.name == "IncludeInferenceResponseIn":
        # "The Amazon SNS topics where you want the inference response to be included" (a list, min 0): none named,
        # no response is published
        return present and value is not None and not (isinstance(value, (list, tuple)) and len(value) == 0)
    if member.kind in ("lambda", "sns-data"):
        return present and value is not None
    raise AssertionError(member)  # pragma: no cover


def _under_vpc(member: NetworkMember, members: tuple[NetworkMember, ...]) -> bool:
    return any(m.kind == "vpc" and member.path.startswith(m.path + ".") for m in members)


def open_values(operation: str, request: Mapping[str, Any], profile: Any) -> list[str]:
    """Concrete paths of every open (or, in a create request, open-by-absence) network value."""
    members = network_members(operation)
    create = not operation.startswith("Update")
    anew = _given_anew(operation)
    found: list[str] = []
    for m in members:
        if _under_vpc(m, members):
            continue  # judged with its structure
        for path, value, present in _places(request, _parts(m.path)):
            if not present:
                top = _parts(m.path)[0]
                if not (create or (top in anew and request.get(top) is not None)) or (operation, m.path) in INHERITS:
                    continue
                cond = _CONDITIONAL.get((operation, m.path))
                if cond is not None and _any_value(request, cond):
                    continue
                if not _absent_matters(operation, request, m):
                    continue
            if _open(m, value, present, profile):
                found.append(path)
    return found


@lru_cache(maxsize=None)
def _given_anew(operation: str) -> frozenset[str]:
    """Top-level structures an Update operation requires: given whole, so their absent members are
    the defaults, not "unchanged" (UpdateMonitoringSchedule's MonitoringScheduleConfig)."""
    shape = MODEL.operation_model(operation).input_shape
    if shape is None:
        return frozenset()
    required = {m for m in shape.required_members if shape.members[m].type_name == "structure"}
    return frozenset(required | {m for op, m in GIVEN_WHOLE if op == operation})


GIVEN_WHOLE: Mapping[tuple[str, str], str] = {
    # (operation, top-level member) -> why a given structure counts as the whole new value
    ("UpdateWorkteam", "WorkerAccessConfiguration"):
        "the API reference does not say whether a given WorkerAccessConfiguration is merged with the stored "
        "one; one without VpcSourceIp Enabled is not provably closed",
}


def _absent_matters(operation: str, request: Mapping[str, Any], m: NetworkMember) -> bool:
    """Whether an absent member means an open default (the API reference's defaults)."""
    if m.kind in ("flag", "source-ip"):
        return True
    if m.kind == "vpc":
        return True  # absent VpcConfig: no VPC
    if operation == "CreateNotebookInstance" and m.name in ("SubnetId", "SecurityGroupIds"):
        return True  # DirectInternetAccess "Disabled" needs a subnet (and its groups) to reach anything
    if operation == "CreateDomain":
        return m.path in ("VpcId", "SubnetIds", "DefaultUserSettings.SecurityGroups",
                          "DefaultSpaceSettings.SecurityGroups")
    return False


def closed_as_given(operation: str, request: Mapping[str, Any], profile: Any) -> bool:
    """``True`` when nothing in ``request`` is open as written (nothing needs injecting)."""
    return not open_values(operation, request, profile)


# --------------------------------------------------------------------------- the generator


def _shape_at(shape: Any, parts: list[str]) -> Any:
    for p in parts:
        shape = shape.member if p == "[]" else shape.members[p]
    return shape


def _seq(rng: random.Random, items: list[Any]) -> Any:
    """``items`` as a list or a tuple (botocore takes either)."""
    return tuple(items) if rng.random() < 0.5 else list(items)


def _ids(rng: random.Random, good: tuple[str, ...], foreign: str) -> Any:
    roll = rng.random()
    if roll < 0.45:
        chosen = rng.sample(list(good), rng.randint(1, len(good)))
    elif roll < 0.55:
        chosen = []
    elif roll < 0.65:
        chosen = [good[0], good[0]]  # duplicates
    elif roll < 0.8:
        chosen = [good[0], foreign]
    elif roll < 0.85:
        return None
    elif roll < 0.9:
        return good[0]  # a string where the model has a list
    else:
        chosen = list(good)
    return _seq(rng, chosen)


def _value(rng: random.Random, m: NetworkMember, profile: Any) -> Any:
    roll = rng.random()
    if roll < 0.2:
        return ABSENT
    if m.kind == "flag":
        closed, default = _FLAGS[m.name]
        return rng.choice([closed, closed, closed, default, None, "true" if closed is True else closed.lower()])
    if m.kind == "vpc":
        if roll < 0.25:
            return rng.choice([None, {}])
        vpc: dict[str, Any] = {}
        if rng.random() < 0.9:
            vpc["Subnets"] = _ids(rng, tuple(profile.subnets), FOREIGN_SUBNET)
        if rng.random() < 0.9:
            vpc["SecurityGroupIds"] = _ids(rng, tuple(profile.security_group_ids), FOREIGN_SG)
        if m.has_vpc_id:  # only where the model has the member (botocore refuses unknown members)
            vpc["VpcId"] = rng.choice([profile.vpc_id, profile.vpc_id, FOREIGN_VPC, ABSENT])
            if vpc["VpcId"] is ABSENT:
                del vpc["VpcId"]
        return vpc
    if m.kind == "subnet":
        return rng.choice([profile.subnets[0], profile.subnets[-1], FOREIGN_SUBNET, "", None])
    if m.kind == "subnets":
        return _ids(rng, tuple(profile.subnets), FOREIGN_SUBNET)
    if m.kind == "sgs":
        return _ids(rng, tuple(profile.security_group_ids), FOREIGN_SG)
    if m.kind == "vpc-id":
        return rng.choice([profile.vpc_id, profile.vpc_id, FOREIGN_VPC, None])
    if m.kind == "workteam":
        return rng.choice([PRIVATE_TEAM, PRIVATE_TEAM, PUBLIC_TEAM, VENDOR_TEAM])
    if m.kind == "source-ip":
        return rng.choice([{"Cidrs": ["10.0.0.0/16"]}, {"Cidrs": ("172.16.0.0/12", "fd00::/8")}, {"Cidrs": []},
                           {"Cidrs": ["0.0.0.0/0"]}, {"Cidrs": ["10.0.0.0/16", "::/0"]}, {"Cidrs": ["52.0.0.0/8"]},
                           None])
    if m.kind == "switch":
        return rng.choice(["ENABLED", "DISABLED", "DISABLED", None])
    if m.kind == "rule-image":
        return rng.choice([*sorted(BUILTIN_RULE_IMAGES)[:3], "123456789012.dkr.ecr.us-east-1.amazonaws.com/rule:1"])
    if m.kind == "gt-lambda":
        kind = "PRE" if m.name.startswith("Pre") else "ACS"
        return rng.choice([*sorted(a for a in GROUND_TRUTH_LAMBDAS if f":function:{kind}-" in a)[:3],
                           "arn:aws:lambda:us-east-1:123456789012:function:own"])
    if m.kind == "lambda":
        return rng.choice(["arn:aws:lambda:us-east-1:123456789012:function:reward", None])
    if m.kind == "sns-data":
        return rng.choice(["arn:aws:sns:us-east-1:999999999999:t", None] if m.name == "SnsTopicArn" else
                          [["SUCCESS_NOTIFICATION_TOPIC"], ("ERROR_NOTIFICATION_TOPIC", "SUCCESS_NOTIFICATION_TOPIC"),
                           [], (), None])
    raise AssertionError(m)  # pragma: no cover


def _closed_value(m: NetworkMember, profile: Any) -> Any:
    if m.kind == "flag":
        return _FLAGS[m.name][0]
    if m.kind == "vpc":
        vpc: dict[str, Any] = {"Subnets": tuple(profile.subnets), "SecurityGroupIds": tuple(profile.security_group_ids)}
        if m.has_vpc_id:
            vpc["VpcId"] = profile.vpc_id
        return vpc
    if m.kind in ("subnet",):
        return profile.subnets[0]
    if m.kind == "subnets":
        return list(profile.subnets)
    if m.kind == "sgs":
        return tuple(profile.security_group_ids)
    if m.kind == "workteam":
        return PRIVATE_TEAM
    if m.kind == "source-ip":
        return {"Cidrs": ["10.0.0.0/16"]}  # AWS (UpdateWorkforce): restricts all workers on the public internet
    if m.kind == "switch":
        return "DISABLED"
    if m.kind == "rule-image":
        return sorted(BUILTIN_RULE_IMAGES)[0]
    if m.kind == "gt-lambda":
        kind = "PRE" if m.name.startswith("Pre") else "ACS"
        return sorted(a for a in GROUND_TRUTH_LAMBDAS if f":function:{kind}-" in a)[0]
    if m.kind in ("lambda", "sns-data"):
        return ABSENT
    return profile.vpc_id


def _containers(rng: random.Random, doc: dict[str, Any], shape: Any, parts: list[str]) -> list[Any]:
    """The structures at the parent of a member path, creating them (lists of 1-3, as lists or tuples)."""
    conts: list[tuple[Any, Any]] = [(doc, shape)]
    i = 0
    while i < len(parts) - 1:
        name = parts[i]
        nxt: list[tuple[Any, Any]] = []
        for cont, sh in conts:
            if not isinstance(cont, dict):
                continue
            member = sh.members[name]
            if member.type_name == "list":
                item_shape = member.member
                if name not in cont or not isinstance(cont[name], (list, tuple)):
                    from .strategies import minimal_value

                    cont[name] = _seq(rng, [minimal_value(item_shape, name) for _ in range(rng.randint(1, 3))])
                if isinstance(cont[name], tuple):
                    cont[name] = list(cont[name])  # filled in below, turned back to a tuple after
                nxt += [(item, item_shape) for item in cont[name] if isinstance(item, dict)]
            else:
                if name not in cont or not isinstance(cont[name], dict):
                    from .strategies import minimal_value

                    cont[name] = minimal_value(member, name)
                nxt.append((cont[name], member))
        conts = nxt
        i += 1
        while i < len(parts) - 1 and parts[i] == "[]":
            i += 1
    return [c for c, _ in conts]


def _tuples(rng: random.Random, value: Any) -> Any:
    """Turn some lists of structures into tuples (botocore takes either)."""
    if isinstance(value, dict):
        return {k: _tuples(rng, v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_tuples(rng, v) for v in value]
        return tuple(items) if rng.random() < 0.5 else items
    return value


def requests(operation: str, profile: Any, rng: random.Random, *, closed: bool = False
             ) -> Iterator[dict[str, Any]]:
    """Endless requests for ``operation``: every network member drawn (or closed, with ``closed=True``)."""
    shape = MODEL.operation_model(operation).input_shape
    members = network_members(operation)
    while True:
        doc = minimal_request(operation)
        for m in members:
            if rng.random() < 0.3 and not closed:
                continue  # the member's structure may stay absent too
            parts = [p for p in _parts(m.path)]
            value = _closed_value(m, profile) if closed else _value(rng, m, profile)
            for cont in _containers(rng, doc, shape, parts):
                if not isinstance(cont, dict):
                    continue
                v = value if closed else _value(rng, m, profile)
                if v is ABSENT:
                    cont.pop(parts[-1], None)
                else:
                    cont[parts[-1]] = copy.deepcopy(v)
        yield _tuples(rng, doc)
