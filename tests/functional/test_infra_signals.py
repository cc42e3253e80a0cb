"""SIGTERM during ``safemaker infra up`` / ``down`` (as a CI cancellation sends it) behaves like Ctrl-C.

The CLI runs as a real subprocess against ``safemaker local serve`` (another
subprocess), under the loopback-only socket guard of test_cli_local. To send
SIGTERM at a known point, the CLI process pauses after its first mutating
call (CreateVpc for ``up``, the first Delete* for ``down``) and says so on
stderr; the test checks the backend's state with boto3, then signals it.
The ``up`` and ``down`` halves are one story on one backend (fixture ``story``:
the resumed ``up`` builds the stack the ``down`` half removes), asserted by
two tests.
"""

from __future__ import annotations

import re
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import boto3
import pytest

from safemaker.local import FAKE_ACCESS_KEY_ID, FAKE_SECRET_ACCESS_KEY
from safemaker.network import infra as _infra

from test_cli_local import _GUARDED_CLI, _Server, _StderrProcess, _base_env, _cli, _export_env, _run

# After the first call whose operation name starts with PAUSE_AFTER, report it on stderr and sleep (the window
# in which the test sends SIGTERM). Only the timing changes: every call still goes to the backend.
_PAUSE = r"""
import os, time, botocore.client
_prefix, _real, _paused = os.environ["PAUSE_AFTER"], botocore.client.BaseClient._make_api_call, []
def _make_api_call(self, operation_name, api_params):
    result = _real(self, operation_name, api_params)
    if operation_name.startswith(_prefix) and not _paused:
        _paused.append(operation_name)
        sys.stderr.write(f"PAUSED after {operation_name}\n")
        sys.stderr.flush()
        time.sleep(120)
    return result
botocore.client.BaseClient._make_api_call = _make_api_call
"""
_MAIN = "from safemaker.cli import main\n"
assert _MAIN in _GUARDED_CLI
_PAUSING_CLI = _GUARDED_CLI.replace(_MAIN, _PAUSE + _MAIN)

_STACK = "sig"


class _Paused(_StderrProcess):
    """The CLI as a subprocess that pauses after its first ``pause_after*`` call."""

    def __init__(self, args: list[str], pause_after: str, env: dict[str, str], cwd: Path) -> None:
        super().__init__([sys.executable, "-c", _PAUSING_CLI, *args], {**env, "PAUSE_AFTER": pause_after}, cwd)

    def wait_paused(self, timeout: float = 120) -> str:
        """The operation after which the CLI paused."""
        return self.wait_for(r"^PAUSED after ", timeout)[len("PAUSED after "):]

    def finish(self, timeout: float = 60) -> tuple[int, str]:
        code = self.proc.wait(timeout=timeout)
        self.lines.extend(self.rest(10))
        return code, "\n".join(self.lines)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def _clients(env: dict[str, str]) -> tuple[object, object]:
    kwargs = dict(endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                  aws_access_key_id=FAKE_ACCESS_KEY_ID, aws_secret_access_key=FAKE_SECRET_ACCESS_KEY)
    return boto3.client("ec2", **kwargs), boto3.client("iam", **kwargs)


def _stack_vpcs(ec2: object) -> list[str]:
    vpcs = ec2.describe_vpcs(Filters=[{"Name": f"tag:{_infra.STACK_TAG}", "Values": [_STACK]}])["Vpcs"]  # type: ignore[attr-defined]
    return [v["VpcId"] for v in vpcs]


def _flat(text: str) -> str:
    return " ".join(text.split())


class _Story(SimpleNamespace):
    """What :func:`story` saw at each point (attributes set as it goes)."""


def _sigterm_when_paused(args: list[str], pause_after: str, env: dict[str, str], cwd: Path, seen: _Story,
                         name: str, ec2: object) -> None:
    """Run the CLI until it pauses; record the pause and the stack's state there; SIGTERM it; record the end."""
    paused = _Paused(args, pause_after, env, cwd)
    try:
        setattr(seen, f"{name}_paused_after", paused.wait_paused())
        setattr(seen, f"{name}_vpcs_while_paused", len(_stack_vpcs(ec2)))
        setattr(seen, f"{name}_endpoints_while_paused", ec2.describe_vpc_endpoints()["VpcEndpoints"])  # type: ignore[attr-defined]
        paused.proc.send_signal(signal.SIGTERM)
        setattr(seen, name, paused.finish())
    finally:
        paused.kill()


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Story]:
    """One backend, one stack: ``up`` stopped by SIGTERM after CreateVpc, ``up`` again (resumes), ``down``
    stopped by SIGTERM after its first Delete*, ``down`` again (finishes), a third ``down``, and
    ``down --missing-ok``; what each printed and the stack's state in between, for the two tests below.

    Run once for both tests (each CLI run is a Python process of its own, and the backend another): the
    ``down`` half starts from the stack the resumed ``up`` built, as a separate ``up`` would have built it.
    """
    cwd = tmp_path_factory.mktemp("sig")
    base = _base_env(cwd)
    server = _Server(0, base)
    seen = _Story()
    try:
        server.wait_for(r"^listening on ")
        served = {**base, **_export_env(server.lines[3].strip())}
        ec2, iam = _clients(served)
        up_args = ["infra", "up", "-s", _STACK, "--aws-managed-policy", "", "-o", "p.toml"]
        _sigterm_when_paused(up_args, "Create", served, cwd, seen, "up", ec2)
        seen.profile_written_after_sigterm = (cwd / "p.toml").exists()
        seen.resumed = _run(_cli(*up_args), served, cwd)
        seen.vpcs_after_resume = _stack_vpcs(ec2)
        seen.endpoints_after_resume = len(ec2.describe_vpc_endpoints()["VpcEndpoints"])  # type: ignore[attr-defined]
        seen.before_down = _infra.plan(_STACK, operation="down", ec2_client=ec2, iam_client=iam)
        _sigterm_when_paused(["infra", "down", "-s", _STACK, "--yes"], "Delete", served, cwd, seen, "down", ec2)
        seen.middle = _infra.plan(_STACK, operation="down", ec2_client=ec2, iam_client=iam)
        seen.again = _run(_cli("infra", "down", "-s", _STACK, "--yes"), served, cwd)
        seen.plan_after_again = _infra.plan(_STACK, operation="down", ec2_client=ec2, iam_client=iam)
        seen.vpcs_after_again = _stack_vpcs(ec2)
        seen.third = _run(_cli("infra", "down", "-s", _STACK, "--yes"), served, cwd)
        seen.missing_ok = _run(_cli("infra", "down", "-s", _STACK, "--yes", "--missing-ok"), served, cwd)
        yield seen
    finally:
        server.kill()


def test_sigterm_during_up_says_how_to_resume_exits_143_and_resuming_builds_the_rest(story: _Story) -> None:
    assert story.up_paused_after == "CreateVpc"
    assert story.up_vpcs_while_paused == 1  # the first mutating request went through; the rest has not run
    assert story.up_endpoints_while_paused == []
    code, stderr = story.up
    assert code == 143, stderr
    assert ("interrupted: stack sig may be partly built. Re-run the same `safemaker infra up` to finish it "
            "(finished steps are not repeated), or `safemaker infra down -s sig` to remove what was created"
            ) in _flat(stderr)
    assert "Traceback" not in stderr
    assert not story.profile_written_after_sigterm

    resumed = story.resumed
    assert resumed.returncode == 0, resumed.stderr
    # The VPC made before SIGTERM is kept, not made again; DNS hostnames (still off: moto turns DNS support on
    # by itself) are turned on.
    (vpc_id,) = story.vpcs_after_resume
    assert "27 change(s); profile written to p.toml" in resumed.stderr
    assert re.search(rf"update\W+VPC\W+sig-vpc\W+{vpc_id}\W+turn on enableDnsHostnames\W",
                     resumed.stdout), resumed.stdout
    assert not re.search(r"create\W+VPC\W+sig-vpc\W", resumed.stdout)
    assert story.endpoints_after_resume > 0
    # `infra down` then removes all of it: test_sigterm_during_down_... (same stack, same backend).


def test_sigterm_during_down_says_how_to_finish_exits_143_and_re_running_down_removes_all(story: _Story) -> None:
    assert story.resumed.returncode == 0, story.resumed.stderr  # the stack the down half starts from
    before = story.before_down
    assert story.down_paused_after.startswith("Delete")
    assert story.down_vpcs_while_paused == 1  # the VPC is deleted last: the stack is only partly deleted
    code, stderr = story.down
    assert code == 143, stderr
    assert "interrupted: stack sig may be partly deleted. Re-run `safemaker infra down -s sig` to finish" \
        in _flat(stderr)
    assert "Traceback" not in stderr and "stack sig deleted" not in stderr
    middle = story.middle
    assert 0 < len(middle.changes) < len(before.changes)

    again = story.again
    assert again.returncode == 0, again.stderr
    assert f"stack sig deleted ({len(middle.changes)} action(s))" in again.stderr
    # One heading each: the plan on stderr ("to delete"), the result on stdout ("deleted").
    both = again.stdout + again.stderr
    assert both.count("safemaker infra down: stack sig") == 2
    assert again.stderr.count("safemaker infra down: stack sig, to delete") == 1
    assert again.stdout.count("safemaker infra down: stack sig, deleted") == 1
    assert story.plan_after_again.actions == ()
    assert story.vpcs_after_again == []

    # moto keeps the tags of deleted EC2 resources (docs/local-backend.md): a third `down` still finds the stack
    # named in DescribeTags, so it is "unknown" (exit 2) yet listed; --missing-ok makes it exit 0.
    third = story.third
    assert third.returncode == 2
    assert ("error: no resource in us-east-1 is tagged safemaker:stack=sig. Stacks in us-east-1: sig. Check "
            "--stack and --region, or pass --missing-ok when the stack may already be gone.") in _flat(third.stderr)
    missing_ok = story.missing_ok
    assert missing_ok.returncode == 0
    assert "nothing of stack sig to delete in us-east-1" in missing_ok.stderr


def test_the_sigterm_handler_is_installed_only_during_up_and_restored_after(safemaker_local, tmp_path) -> None:
    """In-process: SIGTERM mid-way gives exit 143; before and after, the caller's own handler is in place."""
    from typer.testing import CliRunner

    from safemaker.cli import app
    from safemaker.cli import infra as infra_cli

    received: list[int] = []

    def callers_handler(signum: int, frame: object) -> None:
        received.append(signum)

    def sigterm(**_: object) -> None:
        import os

        os.kill(os.getpid(), signal.SIGTERM)

    real_up = infra_cli._infra.up

    def terminated_up(cfg, *, ec2_client, **kwargs):  # type: ignore[no-untyped-def]
        ec2_client.meta.events.register("before-call.ec2.CreateVpcEndpoint", sigterm)
        return real_up(cfg, ec2_client=ec2_client, **kwargs)

    previous = signal.signal(signal.SIGTERM, callers_handler)
    try:
        infra_cli._infra.up = terminated_up
        r = CliRunner().invoke(app, ["infra", "up", "-s", _STACK, "--aws-managed-policy", "", "-o",
                                     str(tmp_path / "p.toml"), "--endpoint-url", safemaker_local.endpoint_url])
        assert signal.getsignal(signal.SIGTERM) is callers_handler
    finally:
        infra_cli._infra.up = real_up
        signal.signal(signal.SIGTERM, previous)
    assert r.exit_code == 143, r.output
    assert received == []  # the signal went to safemaker's handler, not the caller's
    assert "interrupted: stack sig may be partly built." in _flat(r.stderr)


def test_sigterm_helper_changes_nothing_outside_the_main_thread() -> None:
    from safemaker.cli.infra import _sigterm_interrupts

    before = signal.getsignal(signal.SIGTERM)
    seen: list[object] = []

    def worker() -> None:
        with _sigterm_interrupts():
            seen.append(signal.getsignal(signal.SIGTERM))

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == [before]
    with _sigterm_interrupts():
        inside = signal.getsignal(signal.SIGTERM)
    assert inside is not before and getattr(inside, "__name__", "") == "_raise"
    assert signal.getsignal(signal.SIGTERM) is before


def test_down_that_keeps_resources_titles_the_result_deleted_in_part_once(safemaker_local, tmp_path) -> None:
    """The plan (stderr) and the result (stdout) each have one heading; a partial result says so."""
    from typer.testing import CliRunner

    from safemaker.cli import app
    from safemaker.profile import VpcProfile

    def infra(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(app, ["infra", *args, "--endpoint-url", safemaker_local.endpoint_url])

    out = tmp_path / "p.toml"
    assert infra("up", "-s", _STACK, "--aws-managed-policy", "", "-o", str(out)).exit_code == 0
    vpc_id = VpcProfile.load(str(out), env=False).vpc_id
    ec2 = safemaker_local.session.client("ec2")
    ec2.create_vpc_endpoint(VpcId=vpc_id, VpcEndpointType="Gateway", ServiceName="com.amazonaws.us-east-1.dynamodb")
    r = infra("down", "-s", _STACK, "--yes")
    assert r.exit_code == 1, r.output
    assert (r.stdout + r.stderr).count("safemaker infra down: stack sig") == 2
    assert r.stderr.count("safemaker infra down: stack sig, to delete") == 1
    assert r.stdout.count("safemaker infra down: stack sig, deleted in part (the keep rows are kept)") == 1
    assert "resource(s) of stack sig kept:" in r.stderr
