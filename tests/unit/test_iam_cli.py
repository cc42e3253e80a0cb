"""``safemaker policy render``: outputs, files, exit codes (no AWS involved)."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from safemaker import iam
from safemaker.cli import app
from safemaker.profile import VpcProfile

ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"
PROFILE_YAML = f"""
safemaker:
  region: us-east-1
  vpc_id: vpc-0dddddddddddddddd
  subnets: [subnet-0aaaaaaaaaaaaaaaa, subnet-0cccccccccccccccc]
  security_group_ids: [sg-0bbbbbbbbbbbbbbbb]
  execution_role_arn: {ROLE}
  vpc_endpoint_ids: [vpce-0eeeeeeeeeeeeeeee]
"""

runner = CliRunner()


@pytest.fixture
def profile_file(tmp_path):
    p = tmp_path / "profile.yaml"
    p.write_text(PROFILE_YAML)
    return str(p)


@pytest.fixture
def profile(profile_file) -> VpcProfile:
    return VpcProfile.from_file(profile_file, env=False)


def test_render_all_json_to_stdout_names_every_managed_policy(profile_file, profile):
    r = runner.invoke(app, ["policy", "render", "--vpc-profile", profile_file])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    expected = {iam.policy_name(k, i): d for k, docs in iam.render_all(profile).items() for i, d in enumerate(docs)}
    assert doc == expected
    assert list(doc)[:2] == ["safemaker-guardrail", "safemaker-guardrail-2"]
    assert "guardrail: 2 managed policies" in r.stderr
    assert "pass-role: 1 managed policy (267 characters)" in r.stderr


def test_render_one_kind_without_source_vpce(profile_file):
    r = runner.invoke(app, ["policy", "render", "-p", profile_file, "--kind", "guardrail", "--no-source-vpce"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    sids = [s["Sid"] for d in doc.values() for s in d["Statement"]]
    assert "DenyOutsideVpcEndpoints" not in sids and "DenyVpcSubnetsAbsent" in sids
    assert all(name.startswith("safemaker-guardrail") for name in doc)


@pytest.mark.parametrize("kind", ["guardrail", "scp"])
def test_render_denies_batch_service_jobs_unless_allowed(profile_file, kind):
    """DenyBatchServiceJobs (trial 12 F03): rendered by default, left out with --allow-batch-service-jobs."""
    def actions(*extra):
        r = runner.invoke(app, ["policy", "render", "-p", profile_file, "--kind", kind, *extra])
        assert r.exit_code == 0, r.output
        return {(s["Sid"], a) for d in json.loads(r.stdout).values() for s in d["Statement"]
                for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}

    assert ("DenyBatchServiceJobs", "batch:SubmitServiceJob") in actions()
    assert not any(a.startswith("batch:") for _sid, a in actions("--allow-batch-service-jobs"))


def test_render_to_a_directory_writes_one_file_per_policy(profile_file, profile, tmp_path):
    out = tmp_path / "out" / "policies"
    r = runner.invoke(app, ["policy", "render", "-p", profile_file, "--out", str(out)])
    assert r.exit_code == 0, r.output
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(["safemaker-guardrail.json", "safemaker-guardrail-2.json", "safemaker-pass-role.json",
                            "safemaker-developer.json", "safemaker-execution-role.json"])
    assert json.loads((out / "safemaker-pass-role.json").read_text()) == iam.pass_role_policy(profile)[0]
    assert r.stdout.split() == [str(out / n) for n in ["safemaker-guardrail.json", "safemaker-guardrail-2.json",
                                                       "safemaker-pass-role.json", "safemaker-developer.json",
                                                       "safemaker-execution-role.json"]]


def test_render_cloudformation_to_stdout_and_file(profile_file, profile, tmp_path):
    r = runner.invoke(app, ["policy", "render", "-p", profile_file, "--format", "cloudformation"])
    assert r.exit_code == 0, r.output
    assert yaml.safe_load(r.stdout) == iam.to_cloudformation(iam.render_all(profile))
    r = runner.invoke(app, ["policy", "render", "-p", profile_file, "-f", "cloudformation", "-k", "developer",
                            "--out-dir", str(tmp_path)])
    assert r.exit_code == 0, r.output
    template = yaml.safe_load((tmp_path / "safemaker-policies.yaml").read_text())
    assert list(template["Resources"]) == ["SafemakerDeveloperPolicy"]


@pytest.mark.parametrize("args, message", [
    (["--kind", "guard"], "--kind is 'guard'; expected one of guardrail, pass-role, developer, execution-role, scp or all"),
    (["--format", "xml"], "--format is 'xml'; expected json or cloudformation"),
])
def test_render_bad_options_exit_2_naming_the_option(profile_file, args, message):
    r = runner.invoke(app, ["policy", "render", "-p", profile_file, *args])
    assert r.exit_code == 2
    assert message in r.stderr
    assert r.stdout == ""


def test_render_out_is_a_file_exits_2(profile_file, tmp_path):
    f = tmp_path / "file.json"
    f.write_text("{}")
    r = runner.invoke(app, ["policy", "render", "-p", profile_file, "--out", str(f)])
    assert r.exit_code == 2
    assert f"--out is {str(f)!r}, an existing file; give a directory" in r.stderr
    assert f.read_text() == "{}"


def test_render_uncreatable_directory_exits_2_and_writes_nothing(profile_file, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    r = runner.invoke(app, ["policy", "render", "-p", profile_file, "--out", str(blocker / "sub")])
    assert r.exit_code == 2
    assert (f"--out {str(blocker / 'sub')!r}: cannot create the directory (Not a directory); give a directory "
            "path that can be created or written") in " ".join(r.stderr.split())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker", "profile.yaml"]


def test_render_bad_profile_exits_2_naming_the_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(PROFILE_YAML.replace("sg-0bbbbbbbbbbbbbbbb", "sg-1"))
    r = runner.invoke(app, ["policy", "render", "-p", str(bad)])
    assert r.exit_code == 2
    assert "security_group_ids.0" in r.stderr and "'sg-1'" in r.stderr
    assert r.stdout == ""
