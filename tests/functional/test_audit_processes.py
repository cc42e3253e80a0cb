"""``safemaker.audit.run(processes=N)``: the Describe work in forked worker processes, against the local backend.

The same seeded account is audited in one process and with two worker
processes: the findings, the UNKNOWN entries and the calls that reached the
server (counted by the server) must be the same. A worker that dies is an
error, never a resource silently skipped; a caller that stops early stops the
workers.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from safemaker import audit
from safemaker.audit._processes import linked_types
from safemaker.cli import app
from safemaker.errors import MISSING, AuditInputError

from _profiles import IMG, ROLE, SG, SUB_A, VPC_CONFIG as VPC_OK
from _profiles import training_job_request as training_job
from test_audit import fail_describe, processing_job

ARN = "arn:aws:sagemaker:us-east-1:123456789012"
OPERATIONS = ("ListNotebookInstances", "ListModels", "ListEndpointConfigs", "ListEndpoints", "ListTrainingJobs",
              "ListProcessingJobs", "ListTransformJobs", "Search", "DescribeNotebookInstance", "DescribeModel",
              "DescribeEndpointConfig", "DescribeEndpoint", "DescribeTrainingJob", "DescribeProcessingJob",
              "DescribeTransformJob")
TYPES = ["notebook-instance", "model", "endpoint-config", "endpoint", "training-job", "processing-job",
         "transform-job"]


@pytest.fixture
def sm(safemaker_session):
    return safemaker_session.client("sagemaker")


def _transform(sm, name, model_name):
    sm.create_transform_job(
        TransformJobName=name, ModelName=model_name,
        TransformInput={"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/in"}}},
        TransformOutput={"S3OutputPath": "s3://b/out"},
        TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 1})


def seed(sm):
    """Open and closed resources of each type; returns the ARNs that must have a FAIL finding."""
    open_arns = set()
    sm.create_model(ModelName="m-open", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMG})
    sm.create_model(ModelName="m-closed", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMG},
                    EnableNetworkIsolation=True, VpcConfig=VPC_OK)
    open_arns.add(f"{ARN}:model/m-open")
    for i in range(6):
        model_name = "m-open" if i % 2 else "m-closed"
        sm.create_endpoint_config(EndpointConfigName=f"ec{i}", ProductionVariants=[
            {"VariantName": "v", "ModelName": model_name, "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}])
        sm.create_endpoint(EndpointName=f"ep{i}", EndpointConfigName=f"ec{i}")
        _transform(sm, f"t{i}", model_name)
        if i % 2:
            open_arns |= {f"{ARN}:endpoint-config/ec{i}", f"{ARN}:endpoint/ep{i}", f"{ARN}:transform-job/t{i}"}
    for i in range(8):
        closed = i % 2 == 0
        sm.create_training_job(**training_job(f"tj{i}", **({"EnableNetworkIsolation": True,
                                                             "EnableInterContainerTrafficEncryption": True,
                                                             "VpcConfig": VPC_OK} if closed else {})))
        sm.create_processing_job(**processing_job(f"pj{i}", {
            "EnableNetworkIsolation": True, "EnableInterContainerTrafficEncryption": True,
            "VpcConfig": VPC_OK} if closed else None))
        nb = {"SubnetId": SUB_A, "SecurityGroupIds": [SG], "DirectInternetAccess": "Disabled",
              "RootAccess": "Disabled"} if closed else {}
        sm.create_notebook_instance(NotebookInstanceName=f"nb{i}", InstanceType="ml.t3.medium", RoleArn=ROLE, **nb)
        if not closed:
            open_arns |= {f"{ARN}:training-job/tj{i}", f"{ARN}:processing-job/pj{i}",
                          f"{ARN}:notebook-instance/nb{i}"}
    return open_arns


def _audit(safemaker_local, sm, profile, processes):
    safemaker_local.reset_requests()
    stats = audit.AuditStats()
    findings = list(audit.run(profile, clients={"us-east-1": sm}, resource_types=TYPES, max_workers=4,
                              processes=processes, stats=stats))
    calls = {op: safemaker_local.request_count("sagemaker", op) for op in OPERATIONS}
    return findings, calls, stats


def new_children(earlier):
    """The child processes alive now that were not before the test (the audit's workers must all be gone; a
    pool another test file of this worker left, such as joblib's reusable loky executor, is not the audit's)."""
    return [p for p in multiprocessing.active_children() if p not in earlier]


def test_two_worker_processes_find_exactly_what_one_process_finds(safemaker_local, sm, profile):
    earlier = set(multiprocessing.active_children())   # another test file's pool (loky) may live on
    open_arns = seed(sm)
    fail_describe(sm, "DescribeTrainingJob", "TrainingJobName", "tj2")   # a handler of the client: run in a worker
    one, calls_one, stats_one = _audit(safemaker_local, sm, profile, 1)
    two, calls_two, stats_two = _audit(safemaker_local, sm, profile, 2)
    assert {f.resource_arn for f in one if f.status == "FAIL"} == open_arns
    assert [(f.resource_arn, f.path) for f in one if f.status == "UNKNOWN"] == [
        (f"{ARN}:training-job/tj2", "DescribeTrainingJob(TrainingJobName='tj2')")]
    key = lambda f: json.dumps(f.as_dict(), sort_keys=True, default=str)  # noqa: E731
    assert sorted(map(key, two)) == sorted(map(key, one))
    assert all(f.found is MISSING for f in two if f.as_dict()["found_absent"])   # the marker itself, unpickled
    # the same calls reached the server, but for those that depend on timing in one process as well: each of the
    # two models described at most once, however many endpoint configs, endpoints and transform jobs name it (not
    # at all when its Search record was checked first: they are pinned to one worker, its cache serves them); an
    # endpoint config once as a listed resource, and once more when an endpoint naming it came first
    timed = ("DescribeModel", "DescribeEndpointConfig")
    assert {op: n for op, n in calls_two.items() if op not in timed} == {
        op: n for op, n in calls_one.items() if op not in timed}
    assert calls_one["DescribeModel"] <= 2 and calls_two["DescribeModel"] <= 2
    assert 6 <= calls_one["DescribeEndpointConfig"] <= 12 and 6 <= calls_two["DescribeEndpointConfig"] <= 12
    assert calls_one["DescribeTrainingJob"] == 7 and calls_one["DescribeEndpoint"] == 6
    assert (stats_two.resources, stats_two.from_search) == (stats_one.resources, stats_one.from_search)
    # the stats count every call made, the one the handler refused before sending it too
    for stats, calls in ((stats_one, calls_one), (stats_two, calls_two)):   # the workers' counts reach the stats
        assert stats.calls == {op: n + (op == "DescribeTrainingJob") for op, n in calls.items() if n}
    assert stats_two.resources == 2 + 6 + 6 + 6 + 8 + 8 + 8
    assert new_children(earlier) == []


def test_stats_already_filled_are_added_to_not_counted_again(safemaker_local, sm, profile):
    for i in range(3):
        sm.create_training_job(**training_job(f"tj{i}"))
    stats = audit.AuditStats()
    stats.count("DescribeTrainingJob", 5)   # an earlier audit's calls: the workers' copies must not count them again
    stats.checked(5)
    safemaker_local.reset_requests()
    list(audit.run(profile, clients={"us-east-1": sm}, resource_types=["training-job"], processes=2, stats=stats))
    assert safemaker_local.request_count("sagemaker", "DescribeTrainingJob") == 3
    assert stats.calls == {"DescribeTrainingJob": 5 + 3, "ListTrainingJobs": 1}
    assert stats.resources == 5 + 3


def test_types_that_name_each_other_are_one_group():
    groups = linked_types(["model", "endpoint-config", "endpoint", "transform-job", "training-job", "notebook-instance"])
    assert groups == [frozenset({"model", "endpoint-config", "endpoint", "transform-job"})]


def test_a_worker_that_dies_is_an_error_not_a_skipped_resource(safemaker_local, sm, profile):
    earlier = set(multiprocessing.active_children())   # another test file's pool (loky) may live on
    sm.create_training_job(**training_job("tj"))
    parent = os.getpid()

    def die(**kwargs):
        if os.getpid() != parent:
            os._exit(7)

    sm.meta.events.register("before-call.sagemaker.DescribeTrainingJob", die)
    with pytest.raises(RuntimeError, match=r"audit worker process \d+ exited \(code 7\) before answering"):
        list(audit.run(profile, clients={"us-east-1": sm}, resource_types=["training-job"], processes=2))
    assert new_children(earlier) == []


def test_stopping_early_stops_the_workers(safemaker_local, sm, profile):
    earlier = set(multiprocessing.active_children())   # another test file's pool (loky) may live on
    for i in range(4):
        sm.create_training_job(**training_job(f"tj{i}"))
    findings = audit.run(profile, clients={"us-east-1": sm}, resource_types=["training-job"], processes=2)
    assert next(findings).resource_type == "training-job"
    findings.close()
    assert new_children(earlier) == []


@pytest.mark.parametrize("value", [0, 17, True, "2"])
def test_bad_processes_is_refused_before_any_call(safemaker_local, sm, profile, value):
    safemaker_local.reset_requests()
    with pytest.raises(AuditInputError) as info:
        audit.run(profile, clients={"us-east-1": sm}, processes=value)
    assert info.value.field == "processes" and info.value.found == value
    assert safemaker_local.request_count() == 0


# --------------------------------------------------------------------------- the command


@pytest.fixture
def profile_file(tmp_path):
    p = tmp_path / "profile.toml"
    p.write_text(f'region = "us-east-1"\nvpc_id = "vpc-0dddddddddddddddd"\nsubnets = ["{SUB_A}"]\n'
                 f'security_group_ids = ["{SG}"]\nexecution_role_arn = "{ROLE}"\n')
    return str(p)


def test_the_command_with_processes_writes_the_same_report(safemaker_local, sm, profile_file, monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", safemaker_local.endpoint_url)
    seed(sm)
    reports = {}
    for n in (1, 2):
        out = tmp_path / f"p{n}.jsonl"
        result = CliRunner().invoke(app, ["audit", "--vpc-profile", profile_file, "--format", "json", "--output",
                                          str(out), "--processes", str(n), *[a for t in TYPES for a in ("-t", t)]])
        assert result.exit_code == 3, result.output
        reports[n] = sorted(out.read_text().splitlines())
        assert "44 resource(s) checked" in result.output
    assert reports[2] == reports[1] and len(reports[1]) > 0


def test_the_command_as_the_process_forks_its_default_workers(safemaker_local, sm, profile_file, monkeypatch,
                                                               tmp_path):
    """``python -m safemaker audit`` (the command is the process): the default number of workers is forked."""
    from safemaker.audit._processes import default_processes

    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", safemaker_local.endpoint_url)
    seed(sm)
    types = [a for t in TYPES for a in ("-t", t)]
    one = tmp_path / "one.jsonl"
    result = CliRunner().invoke(app, ["audit", "--vpc-profile", profile_file, "--format", "json", "--output",
                                      str(one), "--processes", "1", *types])
    assert result.exit_code == 3, result.output
    out = tmp_path / "default.jsonl"
    env = {**os.environ, "SAFEMAKER_DEBUG": "1"}
    r = subprocess.run([sys.executable, "-m", "safemaker", "audit", "--vpc-profile", profile_file, "--format", "json",
                        "--output", str(out), *types], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 3, r.stderr
    assert sorted(out.read_text().splitlines()) == sorted(one.read_text().splitlines())
    n = default_processes()
    if n > 1:
        assert f"forking {n} audit workers" in r.stderr
        assert r.stderr.count("audit worker ") == n   # each worker's closing line: it checked resources and exited
    else:   # one core, or not Linux: the command runs in one process
        assert "forking" not in r.stderr


@pytest.mark.parametrize("args, words", [
    (["--processes", "0"], ["--processes", "0", "1 to 16"]),
    (["--processes", "2", "--accounts", "all", "--role-name", "R"], ["--processes is 2 with --accounts"]),
])
def test_the_command_refuses_bad_processes_exit_2(safemaker_local, profile_file, monkeypatch, args, words):
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", safemaker_local.endpoint_url)
    result = CliRunner().invoke(app, ["audit", "--vpc-profile", profile_file, *args])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert all(w in text for w in words), text
