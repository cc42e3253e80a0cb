"""``safemaker infra plan | up | down | template``: build, remove or render the seed's closed network."""

from __future__ import annotations

import json
import signal
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, List, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.text import Text

from ..network import infra as _infra
from ..network import template as _template
from ..network.endpoints import FEATURES, FeatureError, parse_features
from ._common import (human_format, aws_profile_option, EXIT_BAD_INPUT, EXIT_ERROR, EXIT_OK, err, fail, handle_errors, is_interactive,
                      local_endpoint, note_local_endpoints, out, table)

EXIT_INTERRUPTED = 130
"""Exit code after Ctrl-C (128 + SIGINT), as shells report it."""

EXIT_TERMINATED = 128 + signal.SIGTERM
"""Exit code after SIGTERM (143 = 128 + 15), as shells report it; CI cancellations send SIGTERM."""


class _Terminated(BaseException):
    """SIGTERM arrived during ``infra up``/``down``; a BaseException so nothing on the way catches it."""


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """While the block runs, SIGTERM raises :class:`_Terminated` (like Ctrl-C raises KeyboardInterrupt).

    The previous handler is restored afterwards. Outside the main thread
    (where Python cannot set handlers) nothing is changed.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _raise(signum: int, frame: Any) -> None:
        raise _Terminated

    previous = signal.signal(signal.SIGTERM, _raise)
    try:
        yield
    finally:
        # None: the previous handler was not installed from Python; the default is the closest equivalent.
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


def _interrupt_code(exc: BaseException) -> int:
    return EXIT_TERMINATED if isinstance(exc, _Terminated) else EXIT_INTERRUPTED

group = typer.Typer(help="Build, remove or render the seed's closed network (VPC, endpoints, IAM).",
                    no_args_is_help=True)

_VERB_STYLE = {"create": "green", "update": "yellow", "delete": "red", "keep": "dim"}

_ALIASES = {"name": "stack", "features": "feature", "aws_managed_policies": "aws_managed_policy",
            "profile_path": "profile_out"}
"""StackConfig / library parameter -> command parameter, for messages that name the flag."""


def _stack_option() -> Any:
    return typer.Option(_infra.DEFAULT_STACK, "--stack", "-s", envvar="SAFEMAKER_STACK", show_envvar=True,
                        help="Stack name: the value of the safemaker:stack tag on every resource.")


def _region_option() -> Any:
    return typer.Option(None, "--region", help="AWS region (default: AWS_REGION / AWS_DEFAULT_REGION / config).")


def _feature_option() -> Any:
    return typer.Option(None, "--feature",
                        help=f"Features whose endpoints to create (repeat): {', '.join(FEATURES)}. "
                             "Default: notebook, training, hosting.")


def _endpoint_option() -> Any:
    return typer.Option(None, "--endpoint-url", envvar="SAFEMAKER_ENDPOINT_URL",
                        help="Endpoint override for the EC2, IAM and SSM clients (local backend).")


def _config(stack: str, region: Optional[str], feature: Optional[List[str]], cidr_block: str,
            admin_host: bool, aws_managed_policy: Optional[List[str]], **extra: Any) -> _infra.StackConfig:
    try:
        features = parse_features(feature, field="--feature")
    except FeatureError as exc:
        raise fail(str(exc), EXIT_BAD_INPUT) from None
    data: dict[str, Any] = dict(name=stack, region=_region(region), features=features, cidr_block=cidr_block,
                                admin_host=admin_host)
    if aws_managed_policy is not None:
        data["aws_managed_policies"] = tuple(p for p in aws_managed_policy if p)
    data.update({k: v for k, v in extra.items() if v is not None})
    return _infra.StackConfig(**data)  # StackConfigError -> exit 2 naming the flags (handle_errors)


def _region(region: Optional[str]) -> str:
    if region:
        return region
    import boto3

    found = boto3.Session().region_name
    if not found:
        raise fail("no region: pass --region or set AWS_REGION", EXIT_BAD_INPUT)
    return found


def _clients(region: str, endpoint_url: Optional[str], ssm: bool = False) -> tuple[Any, Any, Any]:
    import boto3

    session = boto3.Session(region_name=region)
    config = _infra.CLIENT_CONFIG  # botocore's standard retry mode: the only retries of throttling
    clients = (session.client("ec2", endpoint_url=endpoint_url, config=config),
               session.client("iam", endpoint_url=endpoint_url, config=config),
               session.client("ssm", endpoint_url=endpoint_url, config=config) if ssm else None)
    note_local_endpoints(clients)
    return clients


VIA = ("auto", "cloudformation", "api")
"""How ``infra up`` / ``down`` apply the stack description (``--via``)."""


def _via_option() -> Any:
    return typer.Option("auto", "--via",
                        help="cloudformation: one CloudFormation stack safemaker-<stack> from the template "
                             "(`infra template`); api: the same resources with EC2/IAM/SSM calls; auto (default): "
                             "cloudformation against AWS, api on the local backend (moto's CloudFormation ignores "
                             "DHCP options, egress rules, route table associations and policy attachments) and "
                             "for a stack built with api before.")


def _cloudformation_client(region: str, endpoint_url: Optional[str]) -> Any:
    import boto3

    # the same endpoint as _clients' (already noted there when it is local)
    return boto3.Session(region_name=region).client("cloudformation", endpoint_url=endpoint_url,
                                                    config=_infra.CLIENT_CONFIG)


def _check_via(via: str) -> str:
    """``--via`` as given, when it is one of :data:`VIA`; else bad input (exit 2 naming the flag and the value)."""
    if via not in VIA:
        raise fail(f"--via is {via!r}; expected one of {', '.join(VIA)}", EXIT_BAD_INPUT)
    return via


def _choose_via(via: str, stack: str, region: str, endpoint_url: Optional[str], ec2: Any, cfn: Any) -> str:
    """``--via`` resolved: an existing CloudFormation stack decides; else a stack built with API calls
    (resources tagged with it) stays so; else cloudformation against AWS and api on the local backend."""
    if _check_via(via) != "auto":
        return via
    if local_endpoint(ec2.meta.endpoint_url):
        return "api"
    from ..network import cloudformation as _cfn

    if _cfn.find_stack(stack, cloudformation_client=cfn) is not None:
        return "cloudformation"
    if stack in _infra.stack_names(ec2):
        err.print(f"stack {stack} was built with API calls (its resources carry {_infra.STACK_TAG}={stack} and "
                  f"there is no CloudFormation stack {_cfn.cloudformation_stack_name(stack)}): applying with API "
                  "calls again (--via api)", highlight=False)
        return "api"
    return "cloudformation"


def _interrupted_up(stack: str, via: str) -> str:
    """What ``infra up`` says when interrupted: what may be left, how to finish it, how to remove it."""
    if via == "api":
        return (f"interrupted: stack {stack} may be partly built. Re-run the same `safemaker infra up` to "
                f"finish it (finished steps are not repeated), or `safemaker infra down -s {stack}` to "
                "remove what was created")
    from ..network import cloudformation as _cfn

    name = _cfn.cloudformation_stack_name(stack)
    return (f"interrupted: CloudFormation stack {name} may exist and be partly built; CloudFormation goes on "
            "creating or updating it (the interrupt stopped only this command's wait). Once it is "
            "CREATE_COMPLETE or UPDATE_COMPLETE, re-run the same `safemaker infra up` to write the profile; to "
            f"remove the stack and every resource it holds, run `safemaker infra down -s {stack} --via cloudformation` (or "
            f"`aws cloudformation delete-stack --stack-name {name}`)")


def _print_actions(title: str, actions: tuple[_infra.Action, ...], console: Any = out) -> None:
    shown = table("action", "kind", "name", "id", "detail", title=title)
    for a in actions:
        shown.add_row(Text(a.verb, style=_VERB_STYLE[a.verb]), a.kind, a.name, a.resource_id or "(new)", a.detail)
    console.print(shown)


def _unknown_stack(stack: str, region: str, ec2: Any, missing_ok_hint: bool) -> str:
    """The message for a stack that nothing in ``region`` is tagged with, naming the stacks that exist."""
    names = _infra.stack_names(ec2)
    found = (f"Stacks in {region}: {', '.join(names)}." if names else
             f"There is no safemaker stack in {region} (no resource carries the {_infra.STACK_TAG} tag).")
    hint = ", or pass --missing-ok when the stack may already be gone" if missing_ok_hint else ""
    return (f"no resource in {region} is tagged {_infra.STACK_TAG}={stack}. {found} "
            f"Check --stack and --region{hint}.")


def _is_unknown(planned: _infra.Plan) -> bool:
    """Nothing carries the stack's tag: nothing to delete and nothing kept (untagged look-alikes aside)."""
    return not planned.changes and not planned.remaining


def _progress(total: int) -> Progress:
    return Progress(SpinnerColumn(), TextColumn("[progress.description]{task.description}"), BarColumn(),
                    MofNCompleteColumn(), TimeElapsedColumn(), console=err, transient=True,
                    disable=not err.is_terminal)


@group.command("plan")
@handle_errors(aliases=_ALIASES)
def plan(
    stack: str = _stack_option(),
    region: Optional[str] = _region_option(),
    feature: Optional[List[str]] = _feature_option(),
    cidr_block: str = typer.Option(_infra.DEFAULT_CIDR_BLOCK, "--cidr-block", help="VPC CIDR block (/16 to /27)."),
    admin_host: bool = typer.Option(False, "--admin-host", help="Include the seed's admin EC2 host."),
    down: bool = typer.Option(False, "--down", help="Plan `infra down` instead of `infra up`."),
    format: str = typer.Option("text", "--format", "-f", help="text (alias: table) or json."),
    endpoint_url: Optional[str] = _endpoint_option(),
    aws_profile: Optional[str] = aws_profile_option(),
) -> None:
    """Show what `infra up` (or, with --down, `infra down`) would do. Only Describe/List/Get calls are made.

    With --down, a stack that nothing in the region is tagged with is bad
    input (exit 2); the message lists the stacks that exist there.
    """
    format = human_format(format, ("text", "json"))
    if down:
        region = _region(region)
        _infra.StackConfig(name=stack, region=region)  # a bad --stack or --region: exit 2 before any call
        ec2, iam, _ = _clients(region, endpoint_url)
        result = _infra.plan(stack, operation="down", ec2_client=ec2, iam_client=iam)
        if _is_unknown(result):
            if result.actions:
                _print_actions(f"safemaker infra down: stack {stack} (not of the stack)", result.actions, err)
            raise fail(_unknown_stack(stack, region, ec2, missing_ok_hint=False), EXIT_BAD_INPUT)
    else:
        cfg = _config(stack, region, feature, cidr_block, admin_host, None)
        ec2, iam, ssm = _clients(cfg.region, endpoint_url, ssm=cfg.admin_host)
        result = _infra.plan(cfg, ec2_client=ec2, iam_client=iam, ssm_client=ssm)
    if format == "json":
        out.print_json(json.dumps(result.as_dict()))
    else:
        _print_actions(f"safemaker infra {result.operation}: stack {result.stack}", result.actions)
    err.print(f"{len(result.changes)} change(s), {len(result.actions) - len(result.changes)} unchanged",
              highlight=False)
    raise typer.Exit(EXIT_OK)


@group.command("up")
@handle_errors(aliases=_ALIASES)
def up(
    stack: str = _stack_option(),
    region: Optional[str] = _region_option(),
    feature: Optional[List[str]] = _feature_option(),
    cidr_block: str = typer.Option(_infra.DEFAULT_CIDR_BLOCK, "--cidr-block", help="VPC CIDR block (/16 to /27)."),
    admin_host: bool = typer.Option(False, "--admin-host",
                                    help="Also create the seed's admin EC2 host (Session Manager access)."),
    aws_managed_policy: Optional[List[str]] = typer.Option(
        None, "--aws-managed-policy",
        help="AWS managed policy to attach to the execution role (repeat; default AmazonSageMakerFullAccess; "
             "pass '' for none)."),
    volume_kms_key_id: Optional[str] = typer.Option(None, "--volume-kms-key-id", help="Copied into the profile."),
    output_kms_key_id: Optional[str] = typer.Option(None, "--output-kms-key-id", help="Copied into the profile."),
    default_bucket: Optional[str] = typer.Option(None, "--default-bucket", help="Copied into the profile."),
    profile_out: Optional[Path] = typer.Option(
        None, "--profile-out", "--output", "-o", help="File to write the profile to (.toml/.yaml/.json; default <stack>-profile.toml)."),
    format: str = typer.Option("text", "--format", "-f", help="text (alias: table) or json (the result on stdout)."),
    via: str = _via_option(),
    endpoint_url: Optional[str] = _endpoint_option(),
    aws_profile: Optional[str] = aws_profile_option(),
) -> None:
    """Build the closed network, its VPC endpoints, IAM policies and execution role; write the profile.

    Against AWS the stack is one CloudFormation stack (safemaker-<stack>, the
    template of `infra template`); on the local backend the same resources are
    made with API calls (--via). Re-running changes nothing; after a failure,
    re-running resumes (api) or updates the stack (cloudformation).
    """
    format = human_format(format, ("text", "json"))
    cfg = _config(stack, region, feature, cidr_block, admin_host, aws_managed_policy,
                  volume_kms_key_id=volume_kms_key_id, output_kms_key_id=output_kms_key_id,
                  default_bucket=default_bucket)
    path = profile_out or Path(f"{cfg.name}-profile.toml")
    _infra.check_profile_path(path)  # exit 2 before any call, not after building the stack
    ec2, iam, ssm = _clients(cfg.region, endpoint_url, ssm=cfg.admin_host)
    cfn = _cloudformation_client(cfg.region, endpoint_url)
    via = _choose_via(via, cfg.name, cfg.region, endpoint_url, ec2, cfn)
    planned = _infra.plan(cfg, ec2_client=ec2, iam_client=iam, ssm_client=ssm) if via == "api" else None
    try:
        total = len(planned.actions) if planned is not None else 1
        with _sigterm_interrupts(), _progress(total) as bar:
            task = bar.add_task(f"infra up {cfg.name}", total=total)
            advance = lambda a: bar.update(task, advance=1, description=a.line()[:70])  # noqa: E731
            if via == "api":
                result = _infra.up(cfg, ec2_client=ec2, iam_client=iam, ssm_client=ssm, profile_path=path,
                                   progress=advance)
            else:
                from ..network import cloudformation as _cfn

                result = _cfn.deploy(cfg, cloudformation_client=cfn, ec2_client=ec2, profile_path=path,
                                     progress=advance)
    except (KeyboardInterrupt, _Terminated) as exc:
        err.print(_interrupted_up(cfg.name, via), highlight=False)
        raise typer.Exit(_interrupt_code(exc))
    except _infra.InfraError as exc:
        if local_endpoint(iam.meta.endpoint_url) and ":aws:policy/" in str(exc) and "NoSuchEntity" in str(exc):
            err.print("hint: the local backend (moto) has no AWS managed policies; pass --aws-managed-policy '' "
                      "to attach none", highlight=False)
        raise
    if format == "json":
        out.print_json(json.dumps({
            "stack": result.stack, "operation": "up", "via": via, "changes": len(result.changes),
            "actions": [a.as_dict() for a in result.actions], "resources": dict(result.resources),
            "policy_arns": {k: list(v) for k, v in result.policy_arns.items()},
            "profile_path": str(result.profile_path) if result.profile_path else None}))
    else:
        _print_actions(f"safemaker infra up: stack {cfg.name}", result.actions)
    err.print(f"{len(result.changes)} change(s); profile written to {result.profile_path}", highlight=False)
    developer = result.policy_arns.get("developer", ())
    if developer:
        err.print("attach to developers: " + ", ".join(
            [*result.policy_arns.get("guardrail", ()), *result.policy_arns.get("pass-role", ()), *developer]),
            highlight=False)
    raise typer.Exit(EXIT_OK)


@group.command("down")
@handle_errors(aliases=_ALIASES)
def down(
    stack: str = _stack_option(),
    region: Optional[str] = _region_option(),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    missing_ok: bool = typer.Option(
        False, "--missing-ok",
        help="Succeed (exit 0) when nothing in the region is tagged with the stack, e.g. already deleted."),
    format: str = typer.Option("text", "--format", "-f", help="text (alias: table) or json (the result on stdout)."),
    via: str = _via_option(),
    endpoint_url: Optional[str] = _endpoint_option(),
    aws_profile: Optional[str] = aws_profile_option(),
) -> None:
    """Delete the stack's resources (only those tagged safemaker:stack=<stack>), in dependency order.

    A stack built through CloudFormation (safemaker-<stack>) is deleted with
    DeleteStack (--via cloudformation; auto finds it).

    Waits for each deletion. Resources that something outside the stack still
    uses are kept and listed (exit 1); re-run when they are free. A stack that
    nothing in the region is tagged with is bad input (exit 2; the message
    lists the stacks that exist there) unless --missing-ok.
    """
    format = human_format(format, ("text", "json"))
    region = _region(region)
    _infra.StackConfig(name=stack, region=region)  # a bad --stack or --region: exit 2 before any call
    ec2, iam, _ = _clients(region, endpoint_url)
    cfn = _cloudformation_client(region, endpoint_url)
    from ..network import cloudformation as _cfn

    if _check_via(via) == "cloudformation" or (via == "auto" and not local_endpoint(ec2.meta.endpoint_url)):
        found = _cfn.find_stack(stack, cloudformation_client=cfn)
        if found is not None or via == "cloudformation":
            _down_stack(stack, region, cfn, found, yes, missing_ok, format)  # exits
    planned = _infra.plan(stack, operation="down", ec2_client=ec2, iam_client=iam)
    if _is_unknown(planned) and not missing_ok:
        if planned.actions:
            _print_actions(f"safemaker infra down: stack {stack} (not of the stack)", planned.actions, err)
        raise fail(_unknown_stack(stack, region, ec2, missing_ok_hint=True), EXIT_BAD_INPUT)
    if not planned.changes:
        if planned.actions:
            _print_actions(f"safemaker infra down: stack {stack}", planned.actions, err)
        err.print(f"nothing of stack {stack} to delete in {region}", highlight=False)
        raise typer.Exit(EXIT_ERROR if planned.remaining else EXIT_OK)
    _print_actions(f"safemaker infra down: stack {stack}, to delete", planned.actions, err)
    _confirm_delete(f"Delete {len(planned.changes)} resource(s) of stack {stack} in {region}?", yes)
    try:
        with _sigterm_interrupts(), _progress(len(planned.actions)) as bar:
            task = bar.add_task(f"infra down {stack}", total=len(planned.actions))
            result = _infra.down(stack, ec2_client=ec2, iam_client=iam,
                                 progress=lambda a: bar.update(task, advance=1, description=a.line()[:70]))
    except (KeyboardInterrupt, _Terminated) as exc:
        err.print(f"interrupted: stack {stack} may be partly deleted. Re-run `safemaker infra down -s {stack}` "
                  "to finish", highlight=False)
        raise typer.Exit(_interrupt_code(exc))
    # The plan above (stderr) was titled "to delete"; this is the result, on stdout.
    if format == "json":
        out.print_json(json.dumps({
            "stack": stack, "operation": "down", "complete": result.complete,
            "actions": [a.as_dict() for a in result.actions], "remaining": [a.as_dict() for a in result.remaining],
            "skipped": [a.as_dict() for a in result.skipped]}))
    else:
        _print_actions(f"safemaker infra down: stack {stack}, " + ("deleted" if result.complete else
                                                                "deleted in part (the keep rows are kept)"),
                       result.actions + result.remaining + result.skipped)
    if not result.complete:
        err.print(f"{len(result.remaining)} resource(s) of stack {stack} kept:", highlight=False)
        for action in result.remaining:
            err.print(f"  - {action.line()}", highlight=False)
        raise typer.Exit(EXIT_ERROR)
    err.print(f"stack {stack} deleted ({len(result.actions)} action(s))", highlight=False)
    raise typer.Exit(EXIT_OK)


def _confirm_delete(question: str, yes: bool) -> None:
    """Ask ``question`` unless ``--yes``; exit 2 when stdin is not a terminal, 1 when the answer is no."""
    if yes:
        return
    if not is_interactive():
        raise fail("refusing to delete without confirmation: stdin is not a terminal; pass --yes", EXIT_BAD_INPUT)
    if not typer.confirm(question):
        err.print("nothing deleted", highlight=False)
        raise typer.Exit(EXIT_ERROR)


def _down_stack(stack: str, region: str, cfn: Any, found: Any, yes: bool, missing_ok: bool, format: str) -> None:
    """``infra down`` of a stack built through CloudFormation: DeleteStack and wait; always exits."""
    from ..network import cloudformation as _cfn

    name = _cfn.cloudformation_stack_name(stack)
    if found is None:
        if missing_ok:
            err.print(f"no CloudFormation stack {name} in {region}: nothing to delete", highlight=False)
            raise typer.Exit(EXIT_OK)
        raise fail(f"--stack is {stack!r}: there is no CloudFormation stack {name} in {region}. Check --stack and "
                   "--region, pass --via api for a stack built with API calls, or --missing-ok when it may "
                   "already be gone", EXIT_BAD_INPUT)
    err.print(f"safemaker infra down: CloudFormation stack {name} ({found.get('StackStatus')}), to delete with "
              "every resource it holds", highlight=False)
    _confirm_delete(f"Delete CloudFormation stack {name} in {region}?", yes)
    with _sigterm_interrupts(), _progress(1) as bar:
        task = bar.add_task(f"infra down {stack}", total=1)
        result = _cfn.delete(stack, cloudformation_client=cfn,
                             progress=lambda a: bar.update(task, advance=1, description=a.line()[:70]))
    if format == "json":
        out.print_json(json.dumps({"stack": stack, "operation": "down", "via": "cloudformation",
                                   "complete": result.complete, "actions": [a.as_dict() for a in result.actions],
                                   "remaining": [], "skipped": []}))
    else:
        _print_actions(f"safemaker infra down: stack {stack}, deleted", result.actions)
    err.print(f"stack {stack} deleted (CloudFormation stack {name})", highlight=False)
    raise typer.Exit(EXIT_OK)


@group.command("template")
@handle_errors(aliases=_ALIASES)
def template(
    stack: str = _stack_option(),
    region: Optional[str] = typer.Option("us-east-1", "--region",
                                         help="Region used to render the IAM policies (the template uses "
                                              "${AWS::Region})."),
    feature: Optional[List[str]] = _feature_option(),
    cidr_block: str = typer.Option(_infra.DEFAULT_CIDR_BLOCK, "--cidr-block", help="VPC CIDR block (/16 to /27)."),
    admin_host: bool = typer.Option(False, "--admin-host", help="Include the seed's admin EC2 host."),
    s3_prefix_list_id: Optional[str] = typer.Option(
        None, "--s3-prefix-list-id", help="Default of the S3PrefixListId parameter (pl-...)."),
    format: str = typer.Option("yaml", "--format", "-f", help="yaml or json (the template document's syntax)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write to this file instead of stdout."),
) -> None:
    """Print the same network as a CloudFormation template (no AWS call)."""
    if format not in ("yaml", "json"):
        raise fail(f"--format is {format!r}; expected 'yaml' or 'json'", EXIT_BAD_INPUT)
    cfg = _config(stack, region, feature, cidr_block, admin_host, None)
    text = _template.dumps(_template.render(cfg, s3_prefix_list_id=s3_prefix_list_id), format)  # type: ignore[arg-type]
    if output is None:
        out.file.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"template written to {output}", highlight=False)
    raise typer.Exit(EXIT_OK)


def register(app: typer.Typer) -> None:
    """Add ``safemaker infra`` to the root app."""
    app.add_typer(group, name="infra")
