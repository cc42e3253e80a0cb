"""Every value shape botocore accepts is walked: tuples where the model has a list (issue 13, item 2).

Oracle: botocore itself. ``botocore.validate.ParamValidator.CONTAINER_TYPES['list']``
is ``(list, tuple)``, and a request built with tuples passes
``validate_parameters`` (asserted below), so a tuple is as good as a list on
the wire; the guard must treat it the same, in both directions (no escape, no
false refusal).
"""

from __future__ import annotations

import botocore.session
import pytest
from botocore.validate import ParamValidator, validate_parameters

from safemaker import guard, iam, paths
from safemaker.errors import MISSING, GuardrailViolation
from safemaker.profile import VpcProfile

from _profiles import IMG, ROLE, SG, SUB_A, SUB_C

MODEL = botocore.session.get_session().get_service_model("sagemaker")


def _valid(operation: str, params: dict) -> None:
    """botocore accepts the request as shaped (the independent oracle of 'accepted')."""
    validate_parameters(params, MODEL.operation_model(operation).input_shape)


def test_botocore_takes_a_tuple_for_a_list() -> None:
    assert ParamValidator.CONTAINER_TYPES["list"] == (list, tuple)


def _definition(**extra):
    d = {"StaticHyperParameters": {}, "AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"},
         "RoleArn": ROLE, "OutputDataConfig": {"S3OutputPath": "s3://b/o"},
         "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
         "StoppingCondition": {"MaxRuntimeInSeconds": 3600}}
    d.update(extra)
    return d


def _tuning(definitions):
    return {"HyperParameterTuningJobName": "t",
            "HyperParameterTuningJobConfig": {"Strategy": "Bayesian", "ResourceLimits": {
                "MaxNumberOfTrainingJobs": 2, "MaxParallelTrainingJobs": 1}},
            "TrainingJobDefinitions": definitions}


def test_tuning_definitions_as_a_tuple_are_checked(profile: VpcProfile) -> None:
    req = _tuning((_definition(DefinitionName="a"), _definition(DefinitionName="b", EnableNetworkIsolation=False)))
    _valid("CreateHyperParameterTuningJob", req)
    with pytest.raises(GuardrailViolation) as exc:
        guard.apply("CreateHyperParameterTuningJob", req, profile)
    paths_ = [v.path for v in exc.value.violations]
    assert paths_ == ["TrainingJobDefinitions[1].EnableNetworkIsolation"]
    assert exc.value.violations[0].found is False


def test_tuning_definitions_as_a_tuple_are_injected_without_mutating_the_input(profile: VpcProfile) -> None:
    defs = (_definition(DefinitionName="a"), _definition(DefinitionName="b"))
    req = _tuning(defs)
    out = guard.apply("CreateHyperParameterTuningJob", req, profile)
    for d in out["TrainingJobDefinitions"]:
        assert d["EnableNetworkIsolation"] is True
        assert d["VpcConfig"] == {"Subnets": [SUB_A, SUB_C], "SecurityGroupIds": [SG]}
        assert d["EnableInterContainerTrafficEncryption"] is True
    assert req["TrainingJobDefinitions"] is defs and "VpcConfig" not in defs[0]
    _valid("CreateHyperParameterTuningJob", out)


def test_closed_ids_as_tuples_are_allowed(profile: VpcProfile) -> None:
    # VpcProfile exposes its subnets and security groups as tuples: passing them straight is closed
    assert isinstance(profile.subnets, tuple)
    vpc = {"Subnets": profile.subnets, "SecurityGroupIds": profile.security_group_ids}
    req = {"TrainingJobName": "j", "RoleArn": ROLE,
           "AlgorithmSpecification": {"TrainingImage": IMG, "TrainingInputMode": "File"},
           "OutputDataConfig": {"S3OutputPath": "s3://b/o"},
           "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
           "StoppingCondition": {"MaxRuntimeInSeconds": 3600}, "VpcConfig": vpc,
           "EnableNetworkIsolation": True, "EnableInterContainerTrafficEncryption": True}
    _valid("CreateTrainingJob", req)
    assert guard.check("CreateTrainingJob", req, profile) == []


def test_tuple_ids_outside_the_profile_and_duplicates_are_refused(profile: VpcProfile) -> None:
    req = {"ModelName": "m", "ExecutionRoleArn": ROLE, "PrimaryContainer": {"Image": IMG},
           "EnableNetworkIsolation": True,
           "VpcConfig": {"Subnets": (SUB_A, "subnet-0ffffffffffffffff"), "SecurityGroupIds": (SG, SG)}}
    found = {(v.path, v.found) for v in guard.check("CreateModel", req, profile)}
    assert found == {("VpcConfig.Subnets[1]", "subnet-0ffffffffffffffff"), ("VpcConfig.SecurityGroupIds[1]", SG)}


def test_empty_tuple_is_an_empty_list(profile: VpcProfile) -> None:
    req = {"ModelName": "m", "ExecutionRoleArn": ROLE, "PrimaryContainer": {"Image": IMG},
           "EnableNetworkIsolation": True, "VpcConfig": {"Subnets": (), "SecurityGroupIds": (SG,)}}
    [v] = guard.check("CreateModel", req, profile)
    assert (v.path, v.found) == ("VpcConfig.Subnets", ())


def test_a_set_where_a_list_belongs_is_refused_not_skipped(profile: VpcProfile) -> None:
    # botocore refuses a set when validating; with parameter_validation=False its serializer iterates it
    req = _tuning([_definition()])
    req["TrainingJobDefinitions"] = frozenset()
    violations = guard.check("CreateHyperParameterTuningJob", req, profile)
    assert [(v.path, v.required) for v in violations] == [("TrainingJobDefinitions", "a list")]


def test_production_variants_as_a_tuple_name_their_models(profile: VpcProfile) -> None:
    req = {"EndpointConfigName": "c", "ProductionVariants": (
        {"VariantName": "a", "ModelName": "m1", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1},
        {"VariantName": "b", "ModelName": "m2", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1})}
    _valid("CreateEndpointConfig", req)
    refs = guard.references("CreateEndpointConfig", req)
    assert [(r.path, r.resource, r.name) for r in refs] == [
        ("ProductionVariants[0].ModelName", "model", "m1"), ("ProductionVariants[1].ModelName", "model", "m2")]


def test_hyperpod_instance_groups_as_a_tuple_are_checked(profile: VpcProfile) -> None:
    group = {"InstanceCount": 1, "InstanceGroupName": "g", "InstanceType": "ml.t3.medium",
             "LifeCycleConfig": {"SourceS3Uri": "s3://b/l", "OnCreate": "on_create.sh"},
             "ExecutionRole": ROLE,
             "OverrideVpcConfig": {"Subnets": ("subnet-0ffffffffffffffff",), "SecurityGroupIds": (SG,)}}
    req = {"ClusterName": "c", "InstanceGroups": (group,),
           "VpcConfig": {"Subnets": (SUB_A,), "SecurityGroupIds": (SG,)}}
    _valid("CreateCluster", req)
    found = [(v.path, v.found) for v in guard.check("CreateCluster", req, profile)]
    assert found == [("InstanceGroups[0].OverrideVpcConfig.Subnets[0]", "subnet-0ffffffffffffffff")]


def test_iam_request_context_reads_tuples() -> None:
    req = {"ModelName": "m", "ExecutionRoleArn": ROLE, "PrimaryContainer": {"Image": IMG},
           "EnableNetworkIsolation": True, "VpcConfig": {"Subnets": (SUB_A, SUB_C), "SecurityGroupIds": (SG,)}}
    ctx = iam.request_context("CreateModel", req)
    assert ctx["sagemaker:VpcSubnets"] == [SUB_A, SUB_C]
    assert ctx["sagemaker:VpcSecurityGroupIds"] == [SG]
    assert ctx["sagemaker:NetworkIsolation"] is True


def test_path_engine() -> None:
    assert paths.split_path("A[].B.C") == ("A", "[]", "B", "C")
    assert paths.split_path("A[][].B") == ("A", "[]", "[]", "B")
    assert paths.split_path("") == ()
    doc = {"A": ({"B": 1}, {"B": 2}, {"C": 3})}
    assert paths.values(doc, "A[].B") == [("A[0].B", 1), ("A[1].B", 2)]
    assert paths.get(doc, ("A",)) is doc["A"] and paths.get(doc, ("X",)) is MISSING
    w = paths.Writer(doc)
    assert w.set(("A", 2, "B"), 9, create_parents=False)
    assert w.root["A"] == [{"B": 1}, {"B": 2}, {"C": 3, "B": 9}] and doc["A"][2] == {"C": 3}
    seen = []
    list(paths.expand({"A": {1, 2}}, paths.split_path("A[].B"), on_unwalkable=lambda p, v: seen.append(p)))
    assert seen == [("A",)]



@pytest.mark.parametrize("given", [{}, {"SourceIpConfig": None}, {"SourceIpConfig": {"Cidrs": []}}])
def test_a_workforce_without_a_source_ip_restriction_is_reported_by_check_and_closed_by_apply(
        profile: VpcProfile, given: dict) -> None:
    """``SourceIpConfig`` absent, null or with no CIDR leaves the worker portal open to any address (API reference,
    ``CreateWorkforce``: "Use SourceIpConfig to restrict worker access to tasks to a specific range of IP
    addresses"); ``check`` reports it, ``apply`` injects the closed range only where it is absent or null."""
    req = {"WorkforceName": "w", **given}
    found = [v for v in guard.check("CreateWorkforce", req, profile) if v.path == "SourceIpConfig"]
    assert [(v.rule_id, v.found) for v in found] == [
        ("SM-WORKFORCE-SOURCE-IP", MISSING if not given or given["SourceIpConfig"] is None else {"Cidrs": []})]
    if given.get("SourceIpConfig") is not None:
        with pytest.raises(GuardrailViolation):
            guard.apply("CreateWorkforce", req, profile)
    else:
        assert guard.apply("CreateWorkforce", req, profile)["SourceIpConfig"] == {"Cidrs": ["10.0.0.0/16"]}


def test_path_tree_walks_tuples_and_lists_alike_in_one_walk() -> None:
    """The one engine's many-path walk (preflight reads every container setting of a request with it)."""
    tree = paths.PathTree([("A[].B", "b"), ("A[].C[].D", "d"), ("E.F", "f"), ("A[].B", "b2")])
    for seq in (list, tuple):
        doc = {"A": seq([{"B": 1, "C": seq([{"D": 2}, {"X": 0}, None, "s"])}, None, {"B": None}, 7]),
               "E": {"F": seq(["x"])}}
        seen: list = []
        tree.walk(doc, lambda out, payload, at, value: out.append((payload, at, value)), seen)
        assert seen == [("b", ("A", 0, "B"), 1), ("b2", ("A", 0, "B"), 1), ("d", ("A", 0, "C", 0, "D"), 2),
                        ("f", ("E", "F"), doc["E"]["F"])]
    with pytest.raises(ValueError):
        paths.PathTree([("A[]", "x")])


def test_path_tree_walks_other_mappings_as_dicts() -> None:
    """The generated walk (``dict`` members read inline) finds what it finds in a ``dict`` in any other mapping
    too, at the root and below it, in the same order."""
    from types import MappingProxyType as Proxy

    tree = paths.PathTree([("A.B", "b"), ("A.C[].D", "d"), ("E[].F.G", "g"), ("A", "a")])
    inner = {"B": 1, "C": ({"D": 2}, Proxy({"D": 3}), {"X": 0})}
    for doc in ({"A": inner, "E": [{"F": {"G": 4}}, {"F": Proxy({"G": 5})}]},
                Proxy({"A": Proxy(inner), "E": ({"F": {"G": 4}}, {"F": Proxy({"G": 5})})})):
        seen: list = []
        tree.walk(doc, lambda out, payload, at, value: out.append((payload, at, value)), seen)
        assert [(p, at) for p, at, _ in seen] == [("a", ("A",)), ("b", ("A", "B")), ("d", ("A", "C", 0, "D")),
                                                  ("d", ("A", "C", 1, "D")), ("g", ("E", 0, "F", "G")),
                                                  ("g", ("E", 1, "F", "G"))]
        assert [v for _, _, v in seen][1:] == [1, 2, 3, 4, 5]


def test_get_bound_reads_the_same_element_through_tuples() -> None:
    doc = {"Defs": ({"Iso": False}, {"Iso": True, "In": ({"Iso": "x"},)})}
    parts = paths.split_path("Defs[].Iso")
    assert paths.get_bound(doc, parts, ("Defs", 1, "Static")) is True
    assert paths.get_bound(doc, parts, ("Defs", 0, "Static")) is False
    assert paths.get_bound(doc, parts, ("Defs", 2, "Static")) is MISSING
    assert paths.get_bound(doc, parts, ("Defs",)) is MISSING
    assert paths.get_bound(doc, paths.split_path("Defs[].In[].Iso"), ("Defs", 1, "In", 0, "H")) == "x"


def test_concrete_paths_parse_back_and_read_through_tuples() -> None:
    """``parse_path`` inverts ``format_path`` (a pipeline step's ``[index:name]`` keeps the index), and ``get_at``
    reads a concrete path through tuples as through lists."""
    parts = ("Targets", 1, "EcsParameters", "NetworkConfiguration", "awsvpcConfiguration", "Subnets", 0)
    assert paths.parse_path(paths.format_path(parts)) == parts
    assert paths.parse_path("PipelineDefinition.Steps[2:Train].Arguments.VpcConfig") == (
        "PipelineDefinition", "Steps", 2, "Arguments", "VpcConfig")
    doc = {"Targets": ({"Arn": "a"}, {"EcsParameters": {"NetworkConfiguration": {"awsvpcConfiguration": {
        "Subnets": ("subnet-1",)}}}})}
    assert paths.get_at(doc, parts) == "subnet-1"
    assert paths.get_at(doc, ("Targets", 2)) is MISSING and paths.get_at(doc, ("Targets", "Arn")) is MISSING


def test_every_value_of_a_map_through_the_engine() -> None:
    """``*`` steps into every value of a mapping (other services' requests: an AWS FIS template's ``actions`` map,
    ``"actions.*"``), in both walks; a key spelled ``*`` is one of them, never the only one: botocore's fis
    ``ExperimentTemplateActionName`` (the key of ``actions``) has the pattern ``[\\S]+``, so a caller may name an
    action ``*`` beside one that runs a runbook (trial 14b F09; no rule path names a member ``*``)."""
    doc = {"actions": {"a": {"parameters": {"documentArn": "x"}}, "b": {"other": 1}, "c": None},
           "list": ({"m": {"k": {"v": 1}}},)}
    for walk in (lambda d, p: list(paths.expand(d, paths.split_path(p))),
                 lambda d, p: paths.expand_all(d, paths.split_path(p))):
        assert walk(doc, "actions.*.parameters.documentArn") == [(("actions", "a", "parameters", "documentArn"), "x")]
        assert [p for p, _ in walk(doc, "actions.*")] == [("actions", "a"), ("actions", "b"), ("actions", "c")]
        assert walk(doc, "list[].m.*.v") == [(("list", 0, "m", "k", "v"), 1)]
        assert walk({"m": {"*": 1, "x": 2}}, "m.*") == [(("m", "*"), 1), (("m", "x"), 2)]
    import re

    assert re.fullmatch(paths.path_regex("actions.*.parameters"), "actions.a-1.parameters")
    with pytest.raises(ValueError):
        paths.PathTree([("actions.*.x", "p")])
