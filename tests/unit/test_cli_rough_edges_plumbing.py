"""The CLI plumbing behind the new-user rough edges (pure: no network, no moto).

- :func:`safemaker.cli._common.cli_message` and ``handle_errors``: library parameter names become the
  command's flags; values the user typed are shown as typed; profile errors are left alone.
- The CLI consoles: off a terminal they are as wide as their content (``COLUMNS`` honoured);
  :func:`safemaker.cli._common.table` folds instead of cutting with "…".
- :func:`safemaker.cli._common.local_endpoint` / ``note_local_endpoints``: loopback endpoints only.
"""

from __future__ import annotations

import io

import pytest
import typer
from rich.console import Console

from safemaker.audit import AuditInputError
from safemaker.cli import _common, app
from safemaker.cli._common import (PIPE_WIDTH, ClientRecorder, cli_message, command_flags, handle_errors,
                                   local_endpoint, make_console, note_local_endpoints, table)
from safemaker.errors import MISSING, ProfileError, ProfileFieldError
from safemaker.network.endpoints import FeatureError
from safemaker.network.infra import StackConfig, StackConfigError
from safemaker.notebook import NotebookInputError, NotebookInstanceError

ARN = "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/closed-network-notebook-for-the-fraud-team-a1"


def _command(path: str):
    """The callback of ``safemaker <path>`` (``"audit"``, ``"notebook create"``) from the typer app."""
    first, *rest = path.split()
    for info in app.registered_commands:
        if info.name == first:
            return info.callback
    group = next(g.typer_instance for g in app.registered_groups if g.name == first)
    return next(info.callback for info in group.registered_commands if info.name == rest[0])


# --------------------------------------------------------------------------- flags of the real commands


def test_command_flags_of_audit_follow_the_library_names():
    flags = command_flags(_command("audit"), {"resource_types": "resource_type", "regions": "region"})
    assert {k: flags[k] for k in ("resource_types", "regions", "since", "max_workers", "fail_on",
                                  "endpoint_url")} == {
        "resource_types": "--resource-type", "regions": "--region", "since": "--since",
        "max_workers": "--max-workers", "fail_on": "--fail-on", "endpoint_url": "--endpoint-url"}


def test_command_flags_of_notebook_create_include_the_argument_and_boolean_flags():
    flags = command_flags(_command("notebook create"))
    assert flags["name"] == "NAME"
    assert flags["wait"] == "--wait"
    assert flags["timeout_seconds"] == "--timeout-seconds"
    assert flags["volume_size_in_gb"] == "--volume-size-in-gb"
    assert flags["profile"] == "--vpc-profile"


def test_command_flags_ignore_an_alias_to_a_missing_parameter():
    flags = command_flags(_command("infra plan"), {"aws_managed_policies": "aws_managed_policy", "name": "stack"})
    assert "aws_managed_policies" not in flags
    assert flags["name"] == "--stack"


# --------------------------------------------------------------------------- cli_message

FLAGS = {"resource_types": "--resource-type", "regions": "--region", "max_workers": "--max-workers",
         "timeout_seconds": "--timeout-seconds", "poll_seconds": "--poll-seconds", "name": "NAME",
         "instance_type": "--instance-type", "cidr_block": "--cidr-block"}


@pytest.mark.parametrize(("exc", "message"), [
    (AuditInputError("resource_types[2]", "bogus", "one of model, endpoint"),
     "--resource-type is 'bogus'; expected one of model, endpoint"),
    (AuditInputError("regions", [], "at least one AWS region"), "--region is []; expected at least one AWS region"),
    (AuditInputError("max_workers", 0, "an integer from 1 to 64"),
     "--max-workers is 0; expected an integer from 1 to 64"),
    (NotebookInputError("timeout_seconds", 0.0, "a number of seconds greater than 0",
                        "Pass timeout_seconds= a positive number"),
     "--timeout-seconds is 0.0; expected a number of seconds greater than 0. Pass --timeout-seconds a positive "
     "number."),
    (NotebookInputError("name (NotebookInstanceName)", "a_b", "letters", "Choose another"),
     "NAME (NotebookInstanceName) is 'a_b'; expected letters. Choose another."),
    # the value the user typed is shown as typed, even when it looks like a parameter
    (NotebookInputError("instance_type (InstanceType)", "poll_seconds", "ml.<family>.<size>", "Pass ml.t3.medium"),
     "--instance-type (InstanceType) is 'poll_seconds'; expected ml.<family>.<size>. Pass ml.t3.medium."),
    # a parameter the command does not have is left as the library spells it
    (NotebookInputError("sagemaker_client region", "eu-west-1", "the profile's region", "Create the client with "
                        "region_name=profile.region"),
     "sagemaker_client region is 'eu-west-1'; expected the profile's region. Create the client with "
     "region_name=profile.region."),
    (NotebookInstanceError("nb", "Pending", "still Pending after 0.3 s (timeout_seconds) waiting for InService"),
     "Notebook instance 'nb': still Pending after 0.3 s (--timeout-seconds) waiting for InService"),
    (StackConfigError([ProfileFieldError("cidr_block", "10.0.0.0/8", "/16 to /27"),
                       ProfileFieldError("features", ["gpu"], "feature names")]),
     "Stack configuration is invalid (2 problem(s)):\n  - --cidr-block: found '10.0.0.0/8'; expected /16 to /27\n"
     "  - features: found ['gpu']; expected feature names"),
    (FeatureError("--feature", "gpu"), str(FeatureError("--feature", "gpu"))),
])
def test_cli_message_names_flags(exc, message):
    assert cli_message(exc, FLAGS) == message


def test_cli_message_names_a_plain_word_flag_only_where_it_is_written_as_an_argument():
    from safemaker.errors import ConfigExportError

    flags = {**FLAGS, "force": "--force", "location": "--location"}
    exc = ConfigExportError("location", "smcfg.yaml", "the file exists",
                            "Replace it (force=True), or choose another location")
    assert cli_message(exc, flags) == ("--location is 'smcfg.yaml': the file exists. Replace it (--force), "
                                       "or choose another location.")


def test_cli_message_leaves_a_profile_error_alone():
    exc = ProfileError("p.toml", [ProfileFieldError("region", MISSING, "a region name")])
    assert cli_message(exc, {"region": "--region"}) == "Profile p.toml is invalid (1 problem(s)):\n" \
                                                      "  - region: found absent; expected a region name"


def test_cli_message_rewrites_a_message_changed_after_construction():
    exc = NotebookInstanceError("nb", "Pending", "still Pending after 1 s (timeout_seconds) waiting for InService")
    exc.args = (str(exc) + " It exists (status Pending).",)  # as notebook._after_failed_wait does
    assert cli_message(exc, FLAGS) == ("Notebook instance 'nb': still Pending after 1 s (--timeout-seconds) waiting "
                                       "for InService It exists (status Pending).")


def test_cli_message_of_a_changed_message_with_a_typed_value_is_left_alone():
    exc = NotebookInputError("poll_seconds", "timeout_seconds", "a number", "Pass a number")
    exc.args = ("poll_seconds is 'timeout_seconds'.",)
    assert cli_message(exc, FLAGS) == "poll_seconds is 'timeout_seconds'."


def test_handle_errors_with_aliases_prints_the_flag_and_exits_2(capsys):
    @handle_errors(aliases={"regions": "region"})
    def cmd(region: list[str] = typer.Option(None, "--region", "-r")):
        raise AuditInputError("regions[0]", "Tokyo", "an AWS region name such as us-east-1")

    with pytest.raises(typer.Exit) as info:
        cmd()
    assert info.value.exit_code == 2
    assert capsys.readouterr().err == "error: --region is 'Tokyo'; expected an AWS region name such as us-east-1\n"


def test_handle_errors_non_input_error_exits_1_with_the_flag(capsys):
    @handle_errors
    def cmd(timeout_seconds: float = typer.Option(1.0, "--timeout-seconds")):
        raise NotebookInstanceError("nb", "Stopping", "still Stopping after 1 s (timeout_seconds) while deleting")

    with pytest.raises(typer.Exit) as info:
        cmd()
    assert info.value.exit_code == 1
    assert capsys.readouterr().err == ("error: Notebook instance 'nb': still Stopping after 1 s (--timeout-seconds) "
                                       "while deleting\n")


def test_stack_config_checks_profile_bound_fields_up_front():
    with pytest.raises(StackConfigError) as info:
        StackConfig(name="lab", region="us-east-1", volume_kms_key_id="my-key", default_bucket="ok-bucket")
    assert [(e.field, e.found) for e in info.value.errors] == [("volume_kms_key_id", "my-key")]
    assert StackConfig(name="lab", region="us-east-1", default_bucket="ok-bucket").default_bucket == "ok-bucket"


# --------------------------------------------------------------------------- consoles and tables


def _long_table():
    t = table("rule", "resource", "fix", title="1 finding(s)")
    t.add_row("SM-NB-DIRECT-INTERNET", ARN, "[recreate] Recreate the notebook instance")
    return t


def test_console_off_a_terminal_fits_the_content(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    buf = io.StringIO()
    console = make_console(file=buf)
    assert console.width == PIPE_WIDTH
    console.print(_long_table())
    lines = buf.getvalue().splitlines()
    assert "…" not in buf.getvalue()
    assert [line for line in lines if ARN in line] == [
        f"│ SM-NB-DIRECT-INTERNET │ {ARN} │ [recreate] Recreate the notebook instance │"]


def test_console_off_a_terminal_honours_columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    buf = io.StringIO()
    console = make_console(file=buf)
    assert console.width == 60
    console.print(_long_table())
    text = buf.getvalue()
    assert "…" not in text and max(len(line) for line in text.splitlines()) <= 60
    resource = "".join(line.split("│")[2].strip() for line in text.splitlines() if line.startswith("│"))
    assert resource == ARN


def test_console_on_a_terminal_keeps_the_terminal_width(monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    assert make_console(file=io.StringIO(), force_terminal=True).width == 100
    monkeypatch.delenv("COLUMNS")
    assert make_console(file=io.StringIO(), force_terminal=True).width != PIPE_WIDTH


def test_console_explicit_width_wins(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    console = make_console(file=io.StringIO(), width=120)
    assert console.width == 120
    console.size = (90, 20)
    assert console.size == (90, 20)


def test_table_folds_in_a_narrow_console_instead_of_cutting():
    buf = io.StringIO()
    Console(file=buf, width=40).print(_long_table())
    assert "…" not in buf.getvalue()
    resource = "".join(line.split("│")[2].strip() for line in buf.getvalue().splitlines() if line.startswith("│"))
    assert resource == ARN


def test_cli_consoles_are_the_fitting_kind():
    assert isinstance(_common.out, type(make_console())) and isinstance(_common.err, type(make_console()))
    assert _common.err.stderr is True and _common.out.stderr is False


# --------------------------------------------------------------------------- local endpoints


@pytest.mark.parametrize(("url", "local"), [
    ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
    ("http://127.0.0.1:5000/some/path?x=1", "http://127.0.0.1:5000"),
    ("http://127.8.9.10", "http://127.8.9.10"),
    ("http://localhost:4566/", "http://localhost:4566"),
    ("http://LocalHost:4566", "http://localhost:4566"),
    ("http://moto.localhost:4566", "http://moto.localhost:4566"),
    ("http://[::1]:8080", "http://[::1]:8080"),
    ("http://[::ffff:127.0.0.1]:8080", "http://[::ffff:127.0.0.1]:8080"),
    ("http://user:secret@127.0.0.1:9000", "http://127.0.0.1:9000"),  # never print credentials
    ("https://sagemaker.us-east-1.amazonaws.com", None),
    ("https://ec2.us-east-1.amazonaws.com", None),
    ("http://10.0.0.5:4566", None),
    ("http://localhost.example.com", None),
    ("http://127.0.0.1:notaport", None),
    ("", None),
    (None, None),
])
def test_local_endpoint(url, local):
    assert local_endpoint(url) == local


class _Client:
    def __init__(self, url):
        self.meta = type("Meta", (), {"endpoint_url": url})()


def test_note_local_endpoints_one_line_per_distinct_local_endpoint(capsys):
    note_local_endpoints([_Client("http://127.0.0.1:5000"), None, _Client("http://127.0.0.1:5000/"),
                          _Client("https://iam.amazonaws.com"), _Client("http://localhost:6000")])
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "note: talking to a local endpoint (http://127.0.0.1:5000): results are emulated, not from AWS\n"
        "note: talking to a local endpoint (http://localhost:6000): results are emulated, not from AWS\n")


def test_note_local_endpoints_says_nothing_for_aws(capsys):
    note_local_endpoints([_Client("https://sagemaker.us-east-1.amazonaws.com")])
    assert capsys.readouterr().err == ""


def test_client_recorder_sets_the_endpoint_and_records_clients():
    made = []

    class Session:
        region_name = "us-east-1"

        def client(self, *args, **kwargs):
            made.append((args, kwargs))
            return _Client(kwargs.get("endpoint_url"))

    recorder = ClientRecorder(Session(), "http://127.0.0.1:7000")
    c1 = recorder.client("sagemaker", region_name="us-east-1")
    c2 = recorder.client("sagemaker", region_name="eu-west-1", endpoint_url="http://127.0.0.1:8000")
    assert recorder.clients == [c1, c2]
    assert made == [(("sagemaker",), {"region_name": "us-east-1", "endpoint_url": "http://127.0.0.1:7000"}),
                    (("sagemaker",), {"region_name": "eu-west-1", "endpoint_url": "http://127.0.0.1:8000"})]
    assert recorder.region_name == "us-east-1"
    assert ClientRecorder(Session()).client("ec2").meta.endpoint_url is None
