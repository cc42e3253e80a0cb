"""What a start imports: ``import safemaker``, ``import safemaker.auto``, ``safemaker run`` and ``safemaker --help``.

Every ``safemaker`` command, every child Python of ``safemaker run`` and every notebook kernel of the
lifecycle configuration pays for its imports in CPU time. These tests start a fresh Python and read its
``sys.modules`` (the oracle is what is imported, not how long it took): a module that a start does not
need must not come back through an import at module level. Speed itself is measured in
``benchmarks/bench_import.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"

# A profile from the SAFEMAKER_<FIELD> variables (the form a user sets; safemaker run passes the loaded one
# on as SAFEMAKER_GUARD_PROFILE).
PROFILE_FIELDS = {
    "region": "us-east-1",
    "vpc_id": "vpc-0123456789abcdef0",
    "subnets": ["subnet-0123456789abcdef0"],
    "security_group_ids": ["sg-0123456789abcdef0"],
    "execution_role_arn": "arn:aws:iam::123456789012:role/SageMakerExecRole",
}
ENV_PROFILE = {
    f"SAFEMAKER_{k.upper()}": ",".join(v) if isinstance(v, list) else v for k, v in PROFILE_FIELDS.items()
}

# Third-party packages and safemaker modules by what needs them.
CLI = {"typer", "rich", "click"}
SDK = {"sagemaker", "boto3", "s3transfer"}
PARSERS = {"yaml", "tomllib", "tomli"}
IAC = {"cfnlint", "moto", "multiprocessing"}
CLIENT = {"botocore.client", "botocore.session", "botocore.endpoint"}  # a client is made: the guard wraps it then
HTTP = {"urllib3", "botocore.utils", "botocore.loaders", "botocore.awsrequest"}  # the partition data is read as JSON
DECISION = {"safemaker.guard", "safemaker.hooks", "safemaker.rules"}  # the rule table and what decides with it
GUARD = DECISION | {"safemaker.process"}


def _environment(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("SAFEMAKER_") or k.startswith("SAFEMAKER_DEV_")}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
               AWS_EC2_METADATA_DISABLED="true")
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), *filter(None, [env.get("PYTHONPATH")])])
    env.update(extra)
    return env


def _modules_after(code: str, extra: dict[str, str] | None = None, cwd: Path | None = None) -> set[str]:
    """``sys.modules`` of a fresh Python after ``code``, which ends by printing it (``_PRINT``)."""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       env=_environment(extra or {}), cwd=cwd)
    assert r.returncode == 0, r.stderr
    return set(json.loads(r.stdout.strip().splitlines()[-1]))


_PRINT = "import json, sys; print(json.dumps(sorted(sys.modules)))"


def _present(modules: set[str], names: set[str]) -> set[str]:
    """The names of ``names`` imported: a name is a module, or a package with any of its submodules."""
    return {n for n in names if any(m == n or m.startswith(n + ".") for m in modules)}


def test_import_safemaker_loads_neither_the_guard_nor_botocore_nor_pydantic():
    modules = _modules_after("import safemaker\n" + _PRINT)
    assert _present(modules, CLI | SDK | PARSERS | IAC | GUARD | {"botocore", "urllib3", "pydantic",
                                                                  "pydantic_settings"}) == set()


def test_a_lazy_name_of_safemaker_is_the_function_of_its_module():
    """``safemaker.install_process`` and ``safemaker.guard`` load on first use and are what they were."""
    code = ("import safemaker, safemaker.process, safemaker.guard, safemaker.hooks\n"
            "assert safemaker.install_process is safemaker.process.install_process\n"
            "assert safemaker.check is safemaker.guard.check and safemaker.install is safemaker.hooks.install\n"
            "from safemaker import decide, process_guard, uninstall_process\n"
            "assert decide is safemaker.guard.decide\n" + _PRINT)
    assert "safemaker.process" in _modules_after(code)
    code = "import safemaker\nsafemaker.guard.check\nsafemaker.preflight.check_request\n" + _PRINT
    assert {"safemaker.guard", "safemaker.preflight.request"} <= _modules_after(code)


def test_import_safemaker_auto_with_a_profile_from_the_environment_imports_what_the_guard_needs():
    modules = _modules_after("import safemaker.auto\nassert safemaker.auto.guard is not None\n" + _PRINT,
                             ENV_PROFILE)
    assert GUARD <= modules  # the guard is on
    assert _present(modules, CLI | SDK | PARSERS | IAC | CLIENT | HTTP) == set()


def test_a_guarded_child_with_its_parents_profile_reads_no_profile_parser():
    """A child Python of ``safemaker run`` (exclusive: the profile comes as ``SAFEMAKER_GUARD_PROFILE``)."""
    extra = {"SAFEMAKER_GUARD_PROFILE": json.dumps(PROFILE_FIELDS), "SAFEMAKER_GUARD_EXCLUSIVE": "1"}
    modules = _modules_after("import safemaker.auto\n" + _PRINT, extra)
    assert GUARD <= modules
    assert _present(modules, CLI | SDK | PARSERS | IAC | CLIENT | HTTP) == set()


def test_a_profile_file_imports_the_parser_of_its_format_only(tmp_path):
    (tmp_path / "p.json").write_text(json.dumps(PROFILE_FIELDS))
    (tmp_path / "p.toml").write_text("".join(f"{k} = {json.dumps(v)}\n" for k, v in PROFILE_FIELDS.items()))
    json_modules = _modules_after("from safemaker.profile import VpcProfile\nVpcProfile.load('p.json')\n" + _PRINT,
                                  cwd=tmp_path)
    assert _present(json_modules, PARSERS | GUARD | CLIENT | SDK) == set()
    toml_modules = _modules_after("from safemaker.profile import VpcProfile\nVpcProfile.load('p.toml')\n" + _PRINT,
                                  cwd=tmp_path)
    assert _present(toml_modules, PARSERS) == {"tomllib"}


def test_botocore_imported_after_the_guard_is_guarded():
    """The process guard wraps botocore when it is imported (no client can exist before): a request is
    refused before anything is sent (the endpoint is a closed loopback port)."""
    code = ("import safemaker.auto, sys\n"
            "assert 'botocore.client' not in sys.modules\n"
            "import boto3\n"
            "from safemaker.errors import GuardrailViolation\n"
            "client = boto3.client('sagemaker', endpoint_url='http://127.0.0.1:9')\n"
            "try:\n"
            "    client.create_notebook_instance(NotebookInstanceName='nb', InstanceType='ml.t3.medium',\n"
            "        RoleArn='arn:aws:iam::123456789012:role/SageMakerExecRole', DirectInternetAccess='Enabled')\n"
            "except GuardrailViolation as exc:\n"
            "    assert exc.violations[0].path == 'DirectInternetAccess', exc\n"
            "else:\n"
            "    raise AssertionError('not refused')\n" + _PRINT)
    assert "botocore.client" in _modules_after(code, ENV_PROFILE)


def test_safemaker_run_imports_no_guard_and_no_other_command():
    """``safemaker run`` loads the profile and replaces itself with the program (``os.execve``, stubbed
    here to read what the command imported up to that point)."""
    code = ("import json, os, sys\n"
            "def execve(program, args, env):\n"
            "    print(json.dumps(sorted(sys.modules)))\n"
            "    os._exit(0)\n"
            "os.execve = execve\n"
            "sys.argv = ['safemaker', 'run', '--', sys.executable, '-c', 'pass']\n"
            "from safemaker.cli import main\n"
            "main()\n")
    modules = _modules_after(code, ENV_PROFILE)
    assert "safemaker.profile" in modules  # the profile is loaded before the program starts
    assert _present(modules, SDK | PARSERS | IAC | CLIENT | HTTP | DECISION) == set()
    assert {m for m in modules if m.startswith("safemaker.cli.")} <= {"safemaker.cli._common", "safemaker.cli.run"}
    assert _present(modules, {"rich"}) == set()  # nothing printed before the program: no console made


@pytest.mark.parametrize("args", [["check", "--help"], ["policy", "--help"], ["profile", "--help"]])
def test_help_imports_no_guard_and_no_sdk(args):
    code = ("import json, sys\n"
            f"sys.argv = ['safemaker', *{args!r}]\n"
            "from safemaker.cli import main\n"
            "try:\n"
            "    main()\n"
            "except SystemExit:\n"
            "    pass\n" + _PRINT)
    modules = _modules_after(code)
    assert _present(modules, SDK | CLIENT | DECISION | {"safemaker.iam"}) == set()


def test_the_pytest_plugin_and_local_env_import_no_boto3():
    """The pytest plugin (loaded by every pytest run where safemaker is installed: the ``pytest11`` entry point)
    and ``safemaker local env`` (prints the variables, starts nothing) name the local backend's constants only:
    ``safemaker.local`` loads its names on first use."""
    plugin = _modules_after("import safemaker.pytest_plugin\n" + _PRINT)
    assert _present(plugin, SDK | CLIENT | {"moto", "safemaker.local.backend", "safemaker.local.session"}) == set()
    code = ("import contextlib, io, json, sys\n"
            "sys.argv = ['safemaker', 'local', 'env']\n"
            "from safemaker.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()) as printed:\n"
            "    try:\n"
            "        main()\n"
            "    except SystemExit as exc:\n"
            "        assert not exc.code, exc.code\n"
            "assert 'AWS_ENDPOINT_URL=http://127.0.0.1:5000' in printed.getvalue(), printed.getvalue()\n" + _PRINT)
    local_env = _modules_after(code)
    assert _present(local_env, SDK | CLIENT | {"moto", "safemaker.local.backend", "safemaker.local.session"}) == set()
