"""One output convention for every command (issue #18).

Walks the click command tree: every ``--format`` has ``-f``; a command that reports results defaults to
the human format ``text`` (``table`` still accepted as an alias) and offers ``json``; every ``-o`` is
``--output`` and names a file. Commands whose ``--format`` chooses the syntax of a document they render
(a CloudFormation template, IAM policy documents, the SDK's config file) are listed with their default.
"""

from __future__ import annotations

import click
import pytest
import typer.main
from typer.testing import CliRunner

from safemaker.cli import app

runner = CliRunner()

# --format selects a document's syntax, not a report's presentation: their own defaults.
DOCUMENT_FORMATS = {"infra template": "yaml", "policy render": "json", "profile export": "sagemaker-config"}  # docs/cli.md


def _walk() -> list[tuple[str, click.Command]]:
    found = []

    def walk(command, path):
        if not getattr(command, "commands", None):
            found.append((" ".join(path), command))
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


COMMANDS = _walk()


def _option(command: click.Command, name: str) -> click.Option | None:
    return next((p for p in command.params if isinstance(p, click.Option) and name in p.opts), None)


def test_the_tree_is_walked():
    names = {n for n, _ in COMMANDS}
    assert {"doctor", "audit", "check", "infra plan", "profile show", "rules", "policy simulate"} <= names


@pytest.mark.parametrize("path,command", COMMANDS, ids=[n for n, _ in COMMANDS])
def test_format_convention(path, command):
    option = _option(command, "--format")
    if option is None:
        return
    assert "-f" in option.opts, path
    if path in DOCUMENT_FORMATS:
        assert option.default == DOCUMENT_FORMATS[path], path
        return
    assert option.default == "text", path
    assert "json" in (option.help or ""), path


@pytest.mark.parametrize("path,command", COMMANDS, ids=[n for n, _ in COMMANDS])
def test_dash_o_is_output_and_a_file(path, command):
    for p in command.params:
        if "-o" in getattr(p, "opts", ()):
            assert "--output" in p.opts, path
            assert "file" in (p.help or "").lower(), (path, p.help)
            assert not any("dir" in o for o in p.opts), path


@pytest.mark.parametrize("args", [["rules", "--format", "table"], ["rules", "-f", "text"]])
def test_table_is_an_alias_of_text(args):
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "CreateTrainingJob" in r.stdout


def test_rules_text_and_table_print_the_same():
    assert runner.invoke(app, ["rules", "-f", "table"]).stdout == runner.invoke(app, ["rules", "-f", "text"]).stdout


def test_unknown_format_is_bad_input_naming_the_choices():
    r = runner.invoke(app, ["rules", "--format", "xml"])
    assert r.exit_code == 2
    assert "--format is 'xml'; expected one of text, json, markdown" in r.output


def test_local_env_json_is_the_exported_environment():
    text = runner.invoke(app, ["local", "env", "--port", "5001", "--region", "eu-west-1"])
    doc = runner.invoke(app, ["local", "env", "--port", "5001", "--region", "eu-west-1", "-f", "json"])
    assert text.exit_code == doc.exit_code == 0
    import json
    import shlex

    env = json.loads(doc.stdout)
    # the same variables and values the shell line exports (shlex reads it as a POSIX shell would)
    words = shlex.split(text.stdout.strip())
    assert words[0] == "export"
    assert env == dict(w.split("=", 1) for w in words[1:])
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5001" and env["AWS_REGION"] == "eu-west-1"
