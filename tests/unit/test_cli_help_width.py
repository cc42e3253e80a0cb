"""``--help`` of every command, piped (not a terminal): nothing cut with "…" (found by a new-user trial)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import typer.main

from safemaker.cli import HELP_WIDTH_OFF_TERMINAL, app


def _command_paths() -> list[list[str]]:
    """Every command and subcommand of the CLI, from click's own tree."""
    paths: list[list[str]] = []

    def walk(command, path):
        paths.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return paths


PATHS = _command_paths()


def test_the_tree_has_every_command_group():
    top = {p[0] for p in PATHS if len(p) == 1}
    assert {"audit", "check", "demo", "doctor", "infra", "local", "notebook", "policy", "profile"} <= top
    assert len(PATHS) > 20


_RUNNER = """
import contextlib, io, json, sys
from safemaker.cli import main
out = {}
for path in json.loads(sys.argv[1]):
    buf = io.StringIO()
    sys.argv = ["safemaker", *path, "--help"]
    with contextlib.redirect_stdout(buf):
        try:
            main()
        except SystemExit as exc:
            code = exc.code
    out[" ".join(path)] = [code, buf.getvalue()]
print(json.dumps(out))
"""


def _help(paths: list[list[str]], **env: str) -> dict[str, tuple[int, str]]:
    """``--help`` of each path, printed to a pipe, in one child process (no COLUMNS / TERMINAL_WIDTH)."""
    import json

    clean = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "TERMINAL_WIDTH")}
    clean.update(env)
    r = subprocess.run([sys.executable, "-c", _RUNNER, json.dumps(paths)], capture_output=True, text=True,
                       env=clean, timeout=300, check=True)
    return {k: (v[0], v[1]) for k, v in json.loads(r.stdout.splitlines()[-1]).items()}


def test_help_of_every_command_is_whole_when_piped():
    cut = {}
    for name, (code, text) in _help(PATHS).items():
        assert code == 0, (name, text)
        lines = text.splitlines()
        assert lines and max(len(line) for line in lines) <= HELP_WIDTH_OFF_TERMINAL
        if "…" in text:
            cut[name] = [line for line in lines if "…" in line]
    assert cut == {}


@pytest.mark.parametrize("var", ["COLUMNS", "TERMINAL_WIDTH"])
def test_an_explicit_width_is_honoured(var):
    ((code, text),) = _help([["audit"]], **{var: "60"}).values()
    assert code == 0
    assert max(len(line) for line in text.splitlines()) <= 60


def test_a_command_that_prints_no_help_does_not_load_typer_rich_utils():
    # typer.rich_utils (rich's Markdown, markdown-it: ~100 modules) is loaded on first use only, with the
    # width set above still applied then (test_help_of_every_command_is_whole_when_piped)
    code = ("import sys; sys.argv = ['safemaker', '--version']\n"
            "from safemaker.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith(('markdown_it', 'rich.markdown'))))\n"
            "print(type(sys.modules['typer.rich_utils']).__name__)\n"
            "print(sorted(m for m in sys.modules if m.startswith('safemaker.cli.')))")
    clean = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "TERMINAL_WIDTH")}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=clean, timeout=120, check=True)
    lines = r.stdout.splitlines()
    assert lines[0].startswith("safemaker ")
    assert lines[1:3] == ["[]", "_LazyModule"]
    assert lines[3:] == ["['safemaker.cli._common']"]  # --version alone registers no command module
