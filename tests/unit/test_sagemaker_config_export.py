"""safemaker.sdk.config_file and ``safemaker profile export``: the SDK's own config.yaml.

Oracles: the SDK's own ``SAGEMAKER_PYTHON_SDK_CONFIG_SCHEMA`` (v2
``sagemaker.config.config_schema``, v3 ``sagemaker.core.config.config_schema``)
and the SDK's own default locations (``_DEFAULT_ADMIN_CONFIG_FILE_PATH`` /
``_DEFAULT_USER_CONFIG_FILE_PATH``). That plain SDK classes pick the file up:
tests/functional/test_sagemaker_config_plain_sdk.py.
"""

from __future__ import annotations

import json
import os

import pytest
import yaml
from typer.testing import CliRunner

from safemaker.cli import app
from safemaker.sdk._config import profile_defaults
from safemaker.sdk.config_file import (ConfigExportError, config_path, export_sagemaker_config,
                                       sagemaker_config_document, sagemaker_config_yaml)

from _profiles import KEY_ARN as KEY, ROLE, VPC_CONFIG as VPC, make_profile, profile_fields

BASE = profile_fields()
SUBNETS = BASE["subnets"]
SG = BASE["security_group_ids"]

runner = CliRunner()

PROFILES = [make_profile(), make_profile(volume_kms_key_id=KEY, output_kms_key_id="alias/out")]


def at(doc, dotted):
    for part in dotted.split("."):
        doc = doc[part]
    return doc


def test_document_is_the_closed_session_document_with_every_network_field():
    p = make_profile(volume_kms_key_id=KEY)
    doc = sagemaker_config_document(p)
    assert doc == profile_defaults(p)
    assert doc["SchemaVersion"] == "1.0"
    assert at(doc, "SageMaker.TrainingJob.VpcConfig") == VPC
    assert at(doc, "SageMaker.TrainingJob.EnableNetworkIsolation") is True
    assert at(doc, "SageMaker.TrainingJob.EnableInterContainerTrafficEncryption") is True
    assert at(doc, "SageMaker.TrainingJob.ResourceConfig.VolumeKmsKeyId") == KEY
    assert at(doc, "SageMaker.Model.VpcConfig") == VPC and at(doc, "SageMaker.Model.EnableNetworkIsolation") is True
    assert at(doc, "SageMaker.ProcessingJob.NetworkConfig.VpcConfig") == VPC
    assert at(doc, "SageMaker.EndpointConfig.KmsKeyId") == KEY
    assert at(doc, "SageMaker.PythonSDK.Modules.TelemetryOptOut") is True
    assert at(doc, "SageMaker.PythonSDK.Modules.ModelTrainer.networking") == {
        "enable_network_isolation": True, "subnets": SUBNETS, "security_group_ids": SG,
        "enable_inter_container_traffic_encryption": True}
    assert at(doc, "SageMaker.PythonSDK.Modules.ModelTrainer.role") == ROLE


def test_yaml_text_is_the_document_after_a_comment_header():
    p = make_profile()
    text = sagemaker_config_yaml(p)
    assert text.startswith("# SageMaker Python SDK configuration written by `safemaker profile export")
    assert yaml.safe_load(text) == sagemaker_config_document(p)


@pytest.mark.sdk2
@pytest.mark.parametrize("p", PROFILES, ids=["plain", "kms"])
def test_document_follows_the_sdk_v2_schema(p):
    import jsonschema
    from sagemaker.config.config_schema import SAGEMAKER_PYTHON_SDK_CONFIG_SCHEMA

    jsonschema.validate(yaml.safe_load(sagemaker_config_yaml(p)), SAGEMAKER_PYTHON_SDK_CONFIG_SCHEMA)


@pytest.mark.sdk3
@pytest.mark.parametrize("p", PROFILES, ids=["plain", "kms"])
def test_document_follows_the_sdk_v3_schema(p):
    import jsonschema
    from sagemaker.core.config.config_schema import SAGEMAKER_PYTHON_SDK_CONFIG_SCHEMA

    jsonschema.validate(yaml.safe_load(sagemaker_config_yaml(p)), SAGEMAKER_PYTHON_SDK_CONFIG_SCHEMA)


def _sdk_config_module():
    try:
        import sagemaker.core.config.config as module  # v3
    except ImportError:
        import sagemaker.config.config as module  # v2
    return module


def test_named_locations_are_the_sdk_default_files():
    module = _sdk_config_module()  # the SDK computes its defaults at import, with this environment
    assert str(config_path("admin")) == module._DEFAULT_ADMIN_CONFIG_FILE_PATH
    assert str(config_path("user")) == module._DEFAULT_USER_CONFIG_FILE_PATH
    if os.name == "posix" and not os.environ.get("XDG_CONFIG_DIRS") and not os.environ.get("XDG_CONFIG_HOME"):
        assert str(config_path("admin")) == "/etc/xdg/sagemaker/config.yaml"
        assert config_path("user") == __import__("pathlib").Path.home() / ".config/sagemaker/config.yaml"


def test_export_writes_refuses_to_overwrite_and_force_replaces(tmp_path):
    target = tmp_path / "a" / "b" / "config.yaml"
    written = export_sagemaker_config(make_profile(), target)
    assert written == target and yaml.safe_load(target.read_text()) == sagemaker_config_document(make_profile())
    assert oct(target.stat().st_mode & 0o777) == "0o644"
    target.write_text("kept\n")
    with pytest.raises(ConfigExportError) as exc:
        export_sagemaker_config(make_profile(), target)
    assert exc.value.field == "location" and "the file exists" in str(exc.value) and "force=True" in str(exc.value)
    assert "--force" not in str(exc.value)  # a library caller has no CLI flag
    assert target.read_text() == "kept\n"
    export_sagemaker_config(make_profile(volume_kms_key_id=KEY), target, force=True)
    assert at(yaml.safe_load(target.read_text()), "SageMaker.TrainingJob.ResourceConfig.VolumeKmsKeyId") == KEY
    assert sorted(os.listdir(target.parent)) == ["config.yaml"]  # no temporary file left


def test_a_directory_gets_config_yaml_and_a_file_as_parent_is_refused(tmp_path):
    assert export_sagemaker_config(make_profile(), tmp_path) == tmp_path / "config.yaml"
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigExportError, match="its parent is not a directory"):
        export_sagemaker_config(make_profile(), blocker / "config.yaml")
    with pytest.raises(ConfigExportError, match="empty"):
        config_path("")


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def profile_file(tmp_path):
    path = tmp_path / "profile.json"
    path.write_text(json.dumps({"safemaker": BASE}))
    return str(path)


def test_cli_prints_the_file_on_stdout_without_location(profile_file):
    r = runner.invoke(app, ["profile", "export", "--format", "sagemaker-config", "-p", profile_file])
    assert r.exit_code == 0, r.output
    assert yaml.safe_load(r.stdout) == sagemaker_config_document(make_profile())


def test_cli_writes_the_location_and_exits_2_on_an_existing_file_unless_force(profile_file, tmp_path):
    target = tmp_path / "sm" / "config.yaml"
    args = ["profile", "export", "-f", "sagemaker-config", "-p", profile_file, "--location", str(target)]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert f"written to {target}" in " ".join(r.stderr.split())
    target.write_text("kept\n")
    r = runner.invoke(app, args)
    assert r.exit_code == 2
    assert "the file exists" in r.stderr and "Replace it (--force)" in " ".join(r.stderr.split())
    assert "force=True" not in r.stderr  # docs/cli.md: the option as typed, never the library's parameter
    assert target.read_text() == "kept\n"
    r = runner.invoke(app, [*args, "--force"])
    assert r.exit_code == 0 and yaml.safe_load(target.read_text())["SchemaVersion"] == "1.0"


def test_cli_format_defaults_to_sagemaker_config_as_docs_cli_says(profile_file, tmp_path):
    """docs/cli.md: ``profile export``'s --format defaults to sagemaker-config (the new-user trial)."""
    target = tmp_path / "f.yaml"
    r = runner.invoke(app, ["profile", "export", "-p", profile_file, "--location", str(target)])
    assert r.exit_code == 0, r.output
    assert yaml.safe_load(target.read_text()) == sagemaker_config_document(make_profile())
    r = runner.invoke(app, ["profile", "export", "-p", profile_file])
    assert r.exit_code == 0, r.output
    assert yaml.safe_load(r.stdout) == sagemaker_config_document(make_profile())


@pytest.mark.parametrize("args, message", [
    (["-f", "json"], "--format is 'json'; expected 'sagemaker-config'"),
    (["-f", "sagemaker-config", "-l", ""], "--location is '': empty"),
])
def test_cli_bad_input_exits_2(profile_file, args, message):
    r = runner.invoke(app, ["profile", "export", "-p", profile_file, *args], env={"COLUMNS": "200"})
    assert r.exit_code == 2
    assert message in " ".join(r.output.split())


def test_cli_bad_profile_exits_2_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"safemaker": {**BASE, "subnets": ["not-a-subnet"]}}))
    target = tmp_path / "out" / "config.yaml"
    r = runner.invoke(app, ["profile", "export", "-f", "sagemaker-config", "-p", str(bad), "-l", str(target)])
    assert r.exit_code == 2
    assert "subnets" in r.stderr
    assert not target.exists() and not target.parent.exists()
