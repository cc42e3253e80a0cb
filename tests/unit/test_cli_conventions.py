"""CLI conventions AWS users expect (issue #18): --version, -h, python -m safemaker, completion, --profile.

``--profile`` is the AWS named profile, as in the AWS CLI (https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-files.html);
the VPC profile is ``-p/--vpc-profile``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version

import pytest
import typer.main
from typer.testing import CliRunner

from safemaker.cli import COMMAND_MODULES, _new_app, app

runner = CliRunner()


def _commands_with(option: str) -> list[str]:
    found = []

    def walk(command, path):
        params = getattr(command, "params", [])
        if any(option in getattr(p, "opts", ()) for p in params):
            found.append(" ".join(path))
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


def test_version_is_the_installed_distribution_version():
    r = runner.invoke(app, ["--version"])
    assert r.exit_code == 0
    assert r.stdout.strip() == f"safemaker {version('safemaker')}"


def test_python_dash_m_runs_the_same_cli():
    env = {**os.environ, "COLUMNS": "120"}
    r = subprocess.run([sys.executable, "-m", "safemaker", "--version"], capture_output=True, text=True,
                       env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"safemaker {version('safemaker')}"
    h = subprocess.run([sys.executable, "-m", "safemaker", "-h"], capture_output=True, text=True, env=env,
                       timeout=120)
    assert h.returncode == 0
    assert "Usage: safemaker [OPTIONS] COMMAND" in h.stdout


@pytest.mark.parametrize("path", [["-h"], ["doctor", "-h"], ["infra", "up", "-h"], ["notebook", "url", "-h"]])
def test_dash_h_is_help_everywhere(path):
    r = runner.invoke(app, path)
    assert r.exit_code == 0, r.output
    assert "Usage:" in r.stdout


def test_completion_can_be_installed():
    r = runner.invoke(app, ["--help"])
    assert "--install-completion" in r.stdout
    assert "--show-completion" in r.stdout


def test_vpc_profile_flag_and_aws_profile_flag_are_distinct():
    vpc = set(_commands_with("--vpc-profile"))
    aws = set(_commands_with("--profile"))
    assert {"doctor", "audit", "check", "notebook create", "policy simulate"} <= vpc
    # every command that takes a VPC profile can also be given AWS credentials (ssm: profiles, AWS calls)
    assert vpc <= aws
    assert {"infra up", "infra down", "infra plan", "profile discover"} <= aws
    for path in vpc:
        command = typer.main.get_command(app)
        for part in path.split():
            command = command.commands[part]
        short = [p for p in command.params if "-p" in p.opts]
        assert short and "--vpc-profile" in short[0].opts, path


def test_unknown_aws_profile_is_bad_input_naming_the_flag(tmp_path, monkeypatch):
    config = tmp_path / "config"
    config.write_text("[default]\nregion = us-east-1\n[profile prod]\nregion = eu-west-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    r = runner.invoke(app, ["profile", "validate", "--profile", "staging", "-p", "missing.toml"])
    assert r.exit_code == 2
    assert "--profile is 'staging'" in r.stderr
    assert "profiles there: default, prod" in r.stderr
    assert "aws configure --profile staging" in r.stderr


def test_known_aws_profile_becomes_the_process_profile(tmp_path, monkeypatch):
    config = tmp_path / "config"
    config.write_text("[profile prod]\nregion = eu-west-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    seen = {}

    import safemaker.profile as profile_package  # the command imports VpcProfile from it when it runs

    class FakeProfile:
        @staticmethod
        def load(source):  # the command's first AWS-facing step sees the named profile in force
            import boto3

            seen["profile_name"] = boto3.Session().profile_name
            seen["source"] = source
            raise SystemExit(0)

    monkeypatch.setattr(profile_package, "VpcProfile", FakeProfile)
    r = runner.invoke(app, ["profile", "validate", "--profile", "prod", "-p", "x.toml"])
    assert r.exit_code == 0, r.output
    assert seen == {"profile_name": "prod", "source": "x.toml"}
    # Run in-process, the command leaves the caller's environment as it found it (a leaked AWS_PROFILE named a
    # profile of a config file that was gone by the next test: ProfileNotFound in an unrelated module).
    assert "AWS_PROFILE" not in os.environ
    monkeypatch.setenv("AWS_PROFILE", "default")
    monkeypatch.setenv("AWS_DEFAULT_PROFILE", "default")
    r = runner.invoke(app, ["profile", "validate", "--profile", "prod", "-p", "x.toml"])
    assert r.exit_code == 0, r.output
    assert (os.environ["AWS_PROFILE"], os.environ["AWS_DEFAULT_PROFILE"]) == ("default", "default")


@pytest.mark.parametrize("name", COMMAND_MODULES)
def test_the_app_main_makes_for_one_command_is_that_command_of_the_whole_app(name):
    """``main()`` registers only the command named first (``safemaker run`` imports no other command's
    modules): the command, its help and its usage errors are the whole app's."""
    one = _new_app((name,))
    assert set(typer.main.get_command(one).commands) == {name}
    for args in ([name, "--help"], [name, "--no-such-option"]):
        alone, whole = runner.invoke(one, args), runner.invoke(app, args)
        assert (alone.exit_code, alone.output) == (whole.exit_code, whole.output)


def test_the_command_s_process_skips_the_final_garbage_collections_only_at_exit():
    """``main()`` freezes the garbage collector's objects at exit (the collections of Python's finalisation would
    traverse every object left), not before: the command runs, and a program calling ``main()`` goes on, with
    the collector as it was; the output is whole."""
    code = ("import atexit, gc, json, sys\n"
            "atexit.register(lambda: print('at exit', gc.get_freeze_count() > 0))  # registered first: runs last\n"
            "sys.argv = ['safemaker', 'rules', '--format', 'json', '--class', 'refused']\n"
            "from safemaker.cli import main\n"
            "try:\n"
            "    main()\n"
            "except SystemExit as exc:\n"
            "    print('after main', exc.code, gc.get_freeze_count())\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       env={**os.environ, "COLUMNS": "120"})
    assert r.returncode == 0, r.stderr
    *data, after, at_exit = r.stdout.splitlines()
    assert (after, at_exit) == ("after main 0 0", "at exit True")
    rules = runner.invoke(app, ["rules", "--format", "json", "--class", "refused"])
    assert rules.exit_code == 0
    assert "\n".join(data) == rules.stdout.rstrip("\n")
