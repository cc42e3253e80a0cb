"""Every member that sets a container's environment or a job's hyperparameters is read by preflight, or listed.

The members are derived from botocore's SageMaker model, not from safemaker's tables: in every
operation's input, at any depth,

- a map member documented as setting environment variables ("The environment variables to set in the
  Docker container", "Sets the environment variables in the container that the monitoring job runs",
  "Environment variables that override the default ones in the model container"...);
- a map member that holds hyperparameters (named ``...HyperParameters``, or documented as "The
  hyperparameters ...");
- a list of ranges whose elements name a hyperparameter or an environment variable (``Name``: "The name
  of the categorical hyperparameter to tune", "The Name of the environment variable"): each range value
  is what one training job (or recommendation endpoint) gets.

Each must be read by the preflight checks (``CONTAINER_SETTINGS``) or listed with the reason it cannot
matter (``NOT_READ``); and every member read is shown to be read: a request built from the member's
path alone, holding a Hugging Face Hub model ID (SM-PRE-MODEL-HUB) or an ``s3://`` submit directory
under isolation (SM-PRE-CODE-DOWNLOAD), is refused at that path.
"""

from __future__ import annotations

import re
from typing import Any

import botocore.session
import pytest

from safemaker import guard
from safemaker.preflight import check_request
from safemaker.preflight._settings import CONTAINER_SETTINGS, NOT_READ
from safemaker.profile import VpcProfile

PROFILE = VpcProfile(region="us-east-1", vpc_id="vpc-0dddddddddddddddd", subnets=["subnet-0aaaaaaaaaaaaaaaa"],
                     security_group_ids=["sg-0bbbbbbbbbbbbbbbb"],
                     execution_role_arn="arn:aws:iam::123456789012:role/SageMakerExecRole")

_ENV_DOC = re.compile(r"environment variables?\b", re.IGNORECASE)
_HP_DOC = re.compile(r"\bhyperparameters?\b", re.IGNORECASE)


def _doc(text: str | None) -> str:
    return re.sub(r"<[^>]+>", "", text or "")


def _derived() -> set[tuple[str, str]]:
    model = botocore.session.get_session().get_service_model("sagemaker")
    found: set[tuple[str, str]] = set()

    def walk(op: str, shape: Any, path: str, seen: frozenset[str]) -> None:
        if shape.type_name == "list":
            walk(op, shape.member, path + "[]", seen)
            return
        if shape.type_name != "structure":
            return
        for name, member in shape.members.items():
            at = f"{path}.{name}" if path else name
            doc = _doc(member.documentation)
            if member.type_name == "map" and (_ENV_DOC.search(doc) or name.endswith("HyperParameters")
                                               or _HP_DOC.search(doc)):
                found.add((op, at))
            elif member.type_name == "list" and member.member.type_name == "structure":
                item = member.member.members.get("Name")
                if item is not None and (_HP_DOC.search(_doc(item.documentation))
                                         or _ENV_DOC.search(_doc(item.documentation))):
                    found.add((op, at))
            if member.name not in seen:
                walk(op, member, at, seen | {member.name})

    for op in model.operation_names:
        shape = model.operation_model(op).input_shape
        if shape is not None:
            walk(op, shape, "", frozenset({shape.name}))
    return found


DERIVED = _derived()
READ = {(s.operation, s.path) for s in CONTAINER_SETTINGS}


def test_the_derivation_finds_the_members_named_in_the_findings():
    # (an anchor for the derivation itself: trial 12's members, and the ones preflight read before)
    assert {("CreateModel", "PrimaryContainer.Environment"), ("CreateTransformJob", "Environment"),
            ("CreateInferenceComponent", "Specification.Container.Environment"),
            ("UpdateInferenceComponent", "Specification.Container.Environment"),
            ("CreateTrainingJob", "HyperParameters"),
            ("CreateHyperParameterTuningJob", "TrainingJobDefinitions[].StaticHyperParameters"),
            ("CreateHyperParameterTuningJob",
             "TrainingJobDefinition.HyperParameterRanges.CategoricalParameterRanges"),
            ("CreateProcessingJob", "Environment")} <= DERIVED


def test_every_member_setting_a_containers_environment_or_hyperparameters_is_read_or_listed_with_a_reason():
    missing = sorted(DERIVED - READ - set(NOT_READ))
    assert missing == [], f"read these in preflight._settings.CONTAINER_SETTINGS or list them in NOT_READ: {missing}"
    assert not READ & set(NOT_READ)
    assert all(len(reason) > 40 for reason in NOT_READ.values())


def test_every_member_listed_is_one_of_botocores():
    assert sorted((READ | set(NOT_READ)) - DERIVED) == []


def _put(doc: dict[str, Any], parts: tuple[str, ...], value: Any) -> None:
    """Set ``value`` at rule path ``parts`` (``[]``: element 0, made when absent)."""
    cur: Any = doc
    for i, part in enumerate(parts[:-1]):
        nxt_list = parts[i + 1] == "[]"
        if part == "[]":
            if not cur:
                cur.append([] if nxt_list else {})
            cur = cur[0]
            continue
        cur = cur.setdefault(part, [] if nxt_list else {})
    if parts[-1] == "[]":
        cur.append(value)
    else:
        cur[parts[-1]] = value


def _request(setting, name: str, value: Any, isolated: bool) -> tuple[dict[str, Any], str]:
    req: dict[str, Any] = {}
    if setting.form == "map":
        leaf, below = {name: value}, f".{name}"
    elif setting.form == "auto":
        leaf, below = [{"Name": name, "ValueHint": value}], "[0].ValueHint"
    else:
        key = "Values" if setting.sets == "hyperparameters" else "Value"
        leaf, below = [{"Name": name, key: [value]}], f"[0].{key}[0]"
    _put(req, setting.parts, leaf)
    if setting.isolation_parts is not None:
        _put(req, setting.isolation_parts, isolated)
    return req, setting.path.replace("[]", "[0]") + below


def _ids(s):
    return f"{s.operation}:{s.path}"


@pytest.mark.parametrize("setting", [s for s in CONTAINER_SETTINGS if s.sets == "model environment"], ids=_ids)
def test_a_hub_model_id_in_every_model_environment_is_refused_at_its_path(setting):
    for name in ("HF_MODEL_ID", "OPTION_MODEL_ID"):
        req, path = _request(setting, name, "tiiuae/falcon-7b", isolated=False)
        found = check_request(setting.operation, req, PROFILE)
        assert [(v.rule_id, v.path, v.found) for v in found.refusals] == [
            ("SM-PRE-MODEL-HUB", path, "tiiuae/falcon-7b")]
        # the same through the guard (the request as the guard decides it, after its injection)
        decided = guard.decide(setting.operation, req, PROFILE)
        assert ("SM-PRE-MODEL-HUB", path) in {(v.rule_id, v.path) for v in decided.violations}
    req, _ = _request(setting, "SERVING_LOAD_MODELS", "m=https://example.com/model.tar.gz", isolated=False)
    assert [v.rule_id for v in check_request(setting.operation, req, PROFILE).refusals] == ["SM-PRE-MODEL-HUB"]
    req, _ = _request(setting, "HF_MODEL_ID", "/opt/ml/model", isolated=True)
    assert check_request(setting.operation, req, PROFILE).refusals == []


@pytest.mark.parametrize("setting", [s for s in CONTAINER_SETTINGS if s.sets == "model environment"
                                     and s.isolation is not None], ids=_ids)
def test_a_submit_directory_in_s3_of_an_isolated_model_container_is_refused(setting):
    req, path = _request(setting, "SAGEMAKER_SUBMIT_DIRECTORY", "s3://b/code.tar.gz", isolated=True)
    assert [(v.rule_id, v.path) for v in check_request(setting.operation, req, PROFILE).refusals] == [
        ("SM-PRE-CODE-DOWNLOAD", path)]
    req, _ = _request(setting, "SAGEMAKER_SUBMIT_DIRECTORY", "s3://b/code.tar.gz", isolated=False)
    assert check_request(setting.operation, req, PROFILE).refusals == []


@pytest.mark.parametrize("setting", [s for s in CONTAINER_SETTINGS if s.sets == "hyperparameters"], ids=_ids)
def test_a_submit_directory_in_s3_in_every_hyperparameter_member_of_an_isolated_job_is_refused(setting):
    assert setting.isolation is not None  # the check needs isolation: a member without it could never be refused
    for written in ("s3://b/src/sourcedir.tar.gz", '"s3://b/src/sourcedir.tar.gz"'):  # as given, JSON (SDK v2)
        req, path = _request(setting, "sagemaker_submit_directory", written, isolated=True)
        assert [(v.rule_id, v.path, v.found) for v in check_request(setting.operation, req, PROFILE).refusals] == [
            ("SM-PRE-CODE-DOWNLOAD", path, "s3://b/src/sourcedir.tar.gz")]
    req, _ = _request(setting, "sagemaker_submit_directory", "s3://b/src/sourcedir.tar.gz", isolated=False)
    assert check_request(setting.operation, req, PROFILE).refusals == []
    req, _ = _request(setting, "other", "s3://b/src/sourcedir.tar.gz", isolated=True)
    assert check_request(setting.operation, req, PROFILE).refusals == []


def test_each_tuning_job_gets_one_value_of_a_range_so_every_value_is_read():
    req = {"TrainingJobDefinitions": [
        {"EnableNetworkIsolation": True, "HyperParameterRanges": {"CategoricalParameterRanges": [
            {"Name": "lr", "Values": ["0.1"]},
            {"Name": "sagemaker_submit_directory", "Values": ["/opt/ml/input/data/code", "s3://b/x.tar.gz"]}]}},
        {"EnableNetworkIsolation": False, "HyperParameterRanges": {"CategoricalParameterRanges": [
            {"Name": "sagemaker_submit_directory", "Values": ["s3://b/y.tar.gz"]}]}}]}
    found = check_request("CreateHyperParameterTuningJob", req, PROFILE)
    assert [v.path for v in found.refusals] == [
        "TrainingJobDefinitions[0].HyperParameterRanges.CategoricalParameterRanges[1].Values[1]"]


def _tupled(value: Any) -> Any:
    """``value`` with every list, at any depth, a tuple (botocore takes either: ``CONTAINER_TYPES['list']``)."""
    if isinstance(value, dict):
        return {k: _tupled(v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(_tupled(v) for v in value)
    return value


@pytest.mark.parametrize("setting", CONTAINER_SETTINGS, ids=_ids)
def test_every_member_read_is_read_through_tuples_as_through_lists(setting):
    """The one path engine walks a tuple (nested tuples too: a model package's
    ``AdditionalInferenceSpecifications[].Containers[]``) as it walks a list: the same finding at the same
    path, and the isolation read from the same element."""
    name, value = (("HF_MODEL_ID", "tiiuae/falcon-7b") if setting.sets == "model environment"
                   else ("sagemaker_submit_directory", "s3://b/src/sourcedir.tar.gz"))
    req, path = _request(setting, name, value, isolated=True)
    found = check_request(setting.operation, _tupled(req), PROFILE)
    assert [(v.rule_id, v.path, v.found) for v in found.refusals] == [
        ("SM-PRE-MODEL-HUB" if setting.sets == "model environment" else "SM-PRE-CODE-DOWNLOAD", path, value)]
    if setting.sets == "hyperparameters":  # the isolation of the same element, read through the tuples
        req, _ = _request(setting, name, value, isolated=False)
        assert check_request(setting.operation, _tupled(req), PROFILE).refusals == []
