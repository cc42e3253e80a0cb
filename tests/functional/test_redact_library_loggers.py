"""The libraries a guarded process commonly loads that log the requests they build on their own loggers have those
lines masked as botocore's are (trial 16 F01, F02).

- s3transfer, under boto3's managed transfer (``upload_file`` / ``download_file`` / ``copy``: what boto3 and the
  SageMaker SDK use for S3 uploads), logs each task's ``extra_args`` at DEBUG (``s3transfer.tasks`` "Executing task
  PutObjectTask(..., {'extra_args': {...}})", ``s3transfer.futures`` "Submitting task ..."): an SSE-C key
  (``SSECustomerKey``, botocore: sensitive) in clear.
- The SageMaker Python SDK logs each request it builds (v2 ``sagemaker.session`` "train request: {json}",
  ``sagemaker.estimator`` "Train args after processing defaults"; v3 ``sagemaker.core.resources`` "Input request",
  "Serialized input request", "Response"): a training job's ``Environment`` in clear.
- s3fs (0.4.x, on boto3) logs each S3 call's parameters (``s3fs`` "CALL: put_object - ... - {...}").

Oracles: the libraries' sources (which loggers exist: every ``getLogger`` / ``get_textual_rich_logger`` call of
the installed packages, read with ``ast``), botocore's service models (which members are sensitive: S3's
``SSECustomerKey``, SageMaker's ``ClientSecret``...), docs/hooks.md (the name rule and token formats). Requests go
through real boto3 / botocore clients to the local backend's moto server on 127.0.0.1.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import boto3
import botocore.session
import pytest

import safemaker
from safemaker._redact import RedactingFilter, install_log_redaction

#: The packages whose loggers carry requests, and the botocore service whose requests those are (docs/hooks.md).
LIBRARIES = {"s3transfer": "s3", "s3fs": "s3", "sagemaker": "sagemaker", "sagemaker_core": "sagemaker"}
SSE_C_KEY = "K" * 12 + "SseCustomerKeyZq" + "K" * 4  # 32 bytes: an AES-256 key (S3: SSE-C)


def _installed(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    return Path(spec.origin).parent if spec is not None and spec.origin else None


def _logger_names(package: str) -> set[str]:
    """Every logger name the installed ``package``'s source asks for: ``getLogger(__name__)`` (and the SDK's
    ``get_textual_rich_logger(__name__)``) in each module, ``getLogger("literal")``, and ``getLogger(NAME)`` of a
    module-level string constant."""
    root = _installed(package)
    names: set[str] = set()
    if root is None:
        return names
    for path in root.rglob("*.py"):
        module = ".".join((package, *path.relative_to(root).with_suffix("").parts))
        module = module.removesuffix(".__init__")
        try:
            text = path.read_text(encoding="utf-8")
            # a call below names one of the two functions, so its module's text holds the name: the others
            # (about half of the SDK's modules, 4.8 of its 10.3 MB) are not parsed
            if "getLogger" not in text and "get_textual_rich_logger" not in text:
                continue
            tree = ast.parse(text)
        except (SyntaxError, UnicodeDecodeError):
            continue
        constants = {target.id: node.value.value for node in tree.body if isinstance(node, ast.Assign)
                     and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
                     for target in node.targets if isinstance(target, ast.Name)}
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and node.args and getattr(node.func, "attr", getattr(
                    node.func, "id", None)) in ("getLogger", "get_textual_rich_logger")):
                continue
            arg = node.args[0]
            if isinstance(arg, ast.Name) and arg.id == "__name__":
                names.add(module)
            elif isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                names.add(arg.value)
            elif isinstance(arg, ast.Name) and arg.id in constants:
                names.add(constants[arg.id])
    return {name for name in names if name.partition(".")[0] == package}



def test_every_logger_the_libraries_ask_for_has_the_filter():
    """Each logger name found in the installed sources of s3transfer, the SageMaker SDK (v2 or v3), sagemaker-core
    1.x and s3fs (those installed) has the filter once the redaction is installed, including loggers of modules not
    imported yet (their ``getLogger`` at import returns the logger with the filter)."""
    found = {package: _logger_names(package) for package in LIBRARIES}
    assert {"s3transfer.tasks", "s3transfer.futures"} <= found["s3transfer"]
    assert "sagemaker" in found["sagemaker"] and len(found["sagemaker"]) >= 50
    assert "sagemaker.estimator" in found["sagemaker"] or "sagemaker.core.resources" in found["sagemaker"]  # v2, v3
    install_log_redaction()
    missing = [name for names in found.values() for name in sorted(names)
               if not any(isinstance(f, RedactingFilter) for f in logging.getLogger(name).filters)]
    assert not missing, missing[:10]
    assert not any(isinstance(f, RedactingFilter) for f in logging.getLogger("myapp.training").filters)


def test_loggers_of_modules_imported_after_the_guard_have_the_filter(tmp_path):
    """A process that turns the guard on first and imports the SDK and boto3's transfer later (a new Python, so
    that nothing is imported before the guard): each library logger created by those imports has the filter."""
    code = """
import logging, sys
import safemaker
from safemaker.profile import VpcProfile
p = VpcProfile.from_mapping({"region": "us-east-1", "vpc_id": "vpc-0abc1234", "subnets": ["subnet-0abc1234"],
                             "security_group_ids": ["sg-0abc1234"],
                             "execution_role_arn": "arn:aws:iam::123456789012:role/r"}, source="t", env=False)
safemaker.install_process(p)
before = set(logging.Logger.manager.loggerDict)
import s3transfer.tasks, s3transfer.futures, boto3.s3.transfer
try:
    import sagemaker.session, sagemaker.estimator
except ImportError:
    import sagemaker.core.resources
new = sorted(n for n in set(logging.Logger.manager.loggerDict) - before
             if n.partition(".")[0] in ("s3transfer", "sagemaker", "sagemaker_core", "botocore", "boto3"))
bare = [n for n in new if isinstance(logging.Logger.manager.loggerDict[n], logging.Logger)
        and not any(type(f).__name__ == "RedactingFilter" for f in logging.getLogger(n).filters)]
print(len(new), bare)
safemaker.uninstall_process()
"""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(safemaker.__file__).parents[1]),
                                                         os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300,
                         cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    count, bare = run.stdout.strip().splitlines()[-1].split(" ", 1)
    assert int(count) >= 20 and bare.strip() == "[]", run.stdout


@functools.cache
def _sensitive_member_names(service: str) -> frozenset[str]:
    """The oracle: every member of ``service``'s botocore model whose shape is sensitive, found by walking the
    operations' input and output shapes (botocore's ``Shape`` objects). Once per service and test process (the
    parametrized test asks for SageMaker's four times, S3's three)."""
    model = botocore.session.get_session().get_service_model(service)
    names: set[str] = set()

    def walk(shape, seen: frozenset[str]) -> None:
        if shape.type_name == "structure" and shape.name not in seen:
            for name, member in shape.members.items():
                if member.metadata.get("sensitive"):
                    names.add(name)
                walk(member, seen | {shape.name})
        elif shape.type_name == "list":
            walk(shape.member, seen)
        elif shape.type_name == "map":
            walk(shape.value, seen)

    for operation in model.operation_names:
        for shape in (model.operation_model(operation).input_shape, model.operation_model(operation).output_shape):
            if shape is not None:
                walk(shape, frozenset())
    return frozenset(names)


def _snake(name: str) -> str:
    from botocore import xform_name

    return xform_name(name)


@pytest.mark.parametrize("logger, service", [
    ("s3transfer.tasks", "s3"), ("s3transfer.futures", "s3"), ("s3fs", "s3"),
    ("sagemaker", "sagemaker"), ("sagemaker.estimator", "sagemaker"),
    ("sagemaker.core.resources", "sagemaker"), ("sagemaker_core.main.resources", "sagemaker")])
def test_a_library_line_masks_every_sensitive_member_of_its_service(debug_log, monkeypatch, logger, service):
    """Every member botocore's model marks sensitive in any operation of the service (S3: ``SSECustomerKey``,
    ``SSEKMSKeyId``, ``SSEKMSEncryptionContext``...; SageMaker: ``ClientSecret``, ``ModelCardContent``...), in the
    forms the libraries log a request: a dict repr (s3transfer's ``extra_args``, s3fs's kwargs, the SDK v3's
    "Serialized input request"), JSON with indent (the SDK v2's "train request"), the repr of an SDK v3 shape
    (``client_secret='...'``), a sensitive structure's repr (``'Name': Shape(...)``, masked whole): no value shows,
    and a member that is no secret does."""
    names = sorted(_sensitive_member_names(service))
    assert names and ({"SSECustomerKey", "SSEKMSKeyId"} <= set(names) if service == "s3" else
                      {"ClientSecret", "ModelCardContent"} <= set(names))
    install_log_redaction()
    log = logging.getLogger(logger)
    # as an application that turns DEBUG on for it (sagemaker-core 1.x sets its loggers' level at import)
    monkeypatch.setattr(log, "disabled", False)
    monkeypatch.setattr(log, "propagate", True)
    monkeypatch.setattr(logging.Logger.manager, "disable", 0)
    level = log.level
    log.setLevel(logging.DEBUG)  # clears the loggers' level cache
    secrets = {name: f"{name[:5]}SensZq{i:03d}" for i, name in enumerate(names)}
    request = {"Bucket": "shown-bucket", **secrets}
    log.debug("Executing task PutObjectTask(transfer_id=0, %s) with kwargs %s", {"extra_args": request}, request)
    log.debug("train request: %s", json.dumps(request, indent=4))
    log.debug("Input request: {%s}", ", ".join(f"'Parent{i}': Parent(other='shown-x', {_snake(name)}='{value}')"
                                               for i, (name, value) in enumerate(secrets.items())))
    log.debug("Input request: {%s}", ", ".join(f"'{name}': Shape(inner='{value}', more=[1, (2, 3)])"
                                               for name, value in secrets.items()))
    logged = debug_log.getvalue()
    log.setLevel(level)
    assert [line for line in logged.splitlines() if any(secret in line for secret in secrets.values())] == []
    assert logged.count("shown-bucket") == 3 and logged.count("other='shown-x'") == len(secrets)


# ---------------------------------------------------------------- the libraries, called

def test_boto3_managed_transfer_logs_no_sse_c_key(safemaker_local, debug_log, profile, tmp_path):
    """Trial 16 F01: ``upload_file``, ``download_file`` and ``copy`` with an SSE-C key in ``ExtraArgs`` under
    ``install_process``: the objects go to moto and back (the key works), s3transfer logged each task, and no line
    shows the key (``SSECustomerKey``, ``CopySourceSSECustomerKey``: botocore marks both sensitive); the bucket
    and key are shown."""
    model = botocore.session.get_session().get_service_model("s3")
    put = model.operation_model("PutObject").input_shape.members
    assert put["SSECustomerKey"].metadata["sensitive"]
    assert model.operation_model("CopyObject").input_shape.members["CopySourceSSECustomerKey"].metadata["sensitive"]
    safemaker.install_process(profile)
    s3 = safemaker_local.session.client("s3")
    s3.create_bucket(Bucket="transfer-bucket")
    source = tmp_path / "model.tar.gz"
    source.write_bytes(b"weights" * 100)
    sse = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": SSE_C_KEY}
    s3.upload_file(str(source), "transfer-bucket", "in/model.tar.gz", ExtraArgs=sse)
    s3.download_file("transfer-bucket", "in/model.tar.gz", str(tmp_path / "back"), ExtraArgs=sse)
    s3.copy({"Bucket": "transfer-bucket", "Key": "in/model.tar.gz"}, "transfer-bucket", "out/model.tar.gz",
            ExtraArgs={**sse, "CopySourceSSECustomerAlgorithm": "AES256", "CopySourceSSECustomerKey": SSE_C_KEY})
    assert (tmp_path / "back").read_bytes() == source.read_bytes()
    logged = debug_log.getvalue()
    tasks = [line for line in logged.splitlines() if line.startswith(("s3transfer.tasks", "s3transfer.futures"))
             and "extra_args" in line]
    assert len(tasks) >= 6 and all("'SSECustomerKey': '***'" in line for line in tasks)
    assert any("'CopySourceSSECustomerKey': '***'" in line for line in tasks)
    assert any("'key': 'in/model.tar.gz'" in line and "'bucket': 'transfer-bucket'" in line for line in tasks)
    assert "SseCustomerKeyZq" not in logged



def test_s3fs_logs_no_sse_c_key(safemaker_local, debug_log, profile):
    """s3fs (0.4.x, on boto3; installed with the SDK v3's extras) logs each S3 call's parameters ("CALL: put_object
    - ... - {...}"): a file written with an SSE-C key in ``s3_additional_kwargs`` under ``install_process`` reaches
    moto, and no line shows the key."""
    s3fs = pytest.importorskip("s3fs")
    if not hasattr(s3fs.S3FileSystem, "_call_s3") or "aiobotocore" in sys.modules:
        pytest.skip("an s3fs on aiobotocore (2023+), whose clients the guard refuses (UnguardableClientError)")
    safemaker.install_process(profile)
    s3 = safemaker_local.session.client("s3")
    s3.create_bucket(Bucket="fs-bucket")
    credentials = safemaker_local.session.get_credentials()
    fs = s3fs.S3FileSystem(key=credentials.access_key, secret=credentials.secret_key,
                           client_kwargs={"endpoint_url": s3.meta.endpoint_url, "region_name": "us-east-1"},
                           s3_additional_kwargs={"SSECustomerAlgorithm": "AES256", "SSECustomerKey": SSE_C_KEY})
    with fs.open("fs-bucket/data/train.csv", "wb") as f:
        f.write(b"a,b\n1,2\n")
    assert s3.head_object(Bucket="fs-bucket", Key="data/train.csv", SSECustomerAlgorithm="AES256",
                          SSECustomerKey=SSE_C_KEY)["ContentLength"] == 8
    logged = debug_log.getvalue()
    calls = [line for line in logged.splitlines() if line.startswith("s3fs CALL: put_object")]
    assert calls and all("'SSECustomerKey': '***'" in line and "'Bucket': 'fs-bucket'" in line for line in calls)
    assert "SseCustomerKeyZq" not in logged
