"""``safemaker profile``: show, validate and discover VPC profiles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ._common import EXIT_OK, human_format, err, handle_errors, note_local_endpoints, out, aws_profile_option, profile_option

group = typer.Typer(help="Show, validate and discover VPC profiles.", no_args_is_help=True)


@group.command("show")
@handle_errors
def show(
    profile: Optional[str] = profile_option(),
    aws_profile: Optional[str] = aws_profile_option(),
    format: str = typer.Option("text", "--format", "-f", help="text (alias: table) or json."),
) -> None:
    """Load a profile (file, ssm:<name> or environment) and print its effective values.

    Fields set by ``SAFEMAKER_<FIELD>`` variables are marked (table: a "from"
    column; json: a top-level ``"environment_overrides"`` object, field ->
    variable, present only when there are overrides); each override that
    loosens the guard gets a ``warning:`` line on stderr.
    """
    from rich.table import Table

    from ..profile import VpcProfile

    format = human_format(format, ("text", "json"))
    p = VpcProfile.load(profile)  # a relaxing override prints "warning: ..." (handle_errors)
    overrides = dict(p.environment_overrides)
    if format == "json":
        doc = p.to_dict()
        if overrides:
            doc["environment_overrides"] = overrides
        out.print_json(json.dumps(doc))
        return
    table = Table("field", "value", "from", title="VPC profile")
    for key, value in p.to_dict().items():
        table.add_row(key, ", ".join(value) if isinstance(value, list) else str(value),
                      f"environment ({overrides[key]})" if key in overrides else "")
    out.print(table)


@group.command("validate")
@handle_errors
def validate(profile: Optional[str] = profile_option(),
             aws_profile: Optional[str] = aws_profile_option()) -> None:
    """Validate a profile; exit 0 when valid, 2 with every problem listed when not."""
    from ..profile import VpcProfile

    p = VpcProfile.load(profile)  # a relaxing override prints "warning: ..." (handle_errors)
    err.print(f"profile valid: VPC {p.vpc_id}, {len(p.subnets)} subnet(s), "
              f"{len(p.security_group_ids)} security group(s), region {p.region}")
    raise typer.Exit(EXIT_OK)


@group.command("discover")
@handle_errors
def discover(
    vpc_id: str = typer.Option(..., "--vpc-id", help="The VPC whose subnets the profile lists."),
    security_group_ids: list[str] = typer.Option(..., "--security-group-id", "-s",
                                                  help="Security group(s) of the VPC (repeat)."),
    execution_role_arn: str = typer.Option(..., "--execution-role-arn", help="Role SageMaker assumes."),
    region: Optional[str] = typer.Option(None, "--region", envvar="AWS_REGION", help="AWS region."),
    output: Optional[Path] = typer.Option(None, "--output", "-o",
                                          help="Write the profile here (.toml, .yaml or .json); default stdout (JSON)."),
    endpoint_url: Optional[str] = typer.Option(None, "--endpoint-url", envvar="SAFEMAKER_ENDPOINT_URL",
                                               help="EC2 endpoint override (local backend)."),
    aws_profile: Optional[str] = aws_profile_option(),
) -> None:
    """Build a profile from an existing VPC (EC2 DescribeVpcs/DescribeSubnets/DescribeSecurityGroups)."""
    import boto3

    from ..profile import VpcProfile

    session = boto3.Session(region_name=region)
    ec2 = session.client("ec2", endpoint_url=endpoint_url)
    note_local_endpoints([ec2])
    p = VpcProfile.discover(ec2, vpc_id, security_group_ids, execution_role_arn=execution_role_arn,
                            region=region)
    if output is None:
        out.print_json(json.dumps(p.to_dict()))
    else:
        p.dump(output)
        err.print(f"profile written to {output}")


@group.command("export")
@handle_errors
def export(
    format: str = typer.Option("sagemaker-config", "--format", "-f",
                               help="sagemaker-config (the default and only format): the SageMaker "
                                    "Python SDK's own config.yaml."),
    location: Optional[str] = typer.Option(None, "--location", "-l",
                                           help="admin (the SDK's admin file, e.g. /etc/xdg/sagemaker/config.yaml), "
                                                "user (e.g. ~/.config/sagemaker/config.yaml) or a PATH; "
                                                "default: print on stdout."),
    force: bool = typer.Option(False, "--force", help="Replace an existing file."),
    profile: Optional[str] = profile_option(),
    aws_profile: Optional[str] = aws_profile_option(),
) -> None:
    """Export the profile as the SageMaker SDK's configuration file.

    Code that never imports safemaker (plain SDK v2 Estimator / Model, v3
    ModelTrainer / ModelBuilder) then builds requests with the profile's
    VpcConfig, EnableNetworkIsolation, EnableInterContainerTrafficEncryption,
    KMS keys and execution role. A default, not an enforcement: the guard and
    the IAM / SCP policies enforce. An existing file is kept unless --force;
    exit 2 on bad input.
    """
    from ..profile import VpcProfile
    from ..sdk.config_file import config_path, export_sagemaker_config, sagemaker_config_yaml

    if format != "sagemaker-config":
        raise typer.BadParameter(f"--format is {format!r}; expected 'sagemaker-config'")
    if location is not None:
        config_path(location)  # a bad location is refused before the profile is read
    p = VpcProfile.load(profile)
    if location is None:
        out.print(sagemaker_config_yaml(p), markup=False, highlight=False, emoji=False, end="", soft_wrap=True)
        return
    path = export_sagemaker_config(p, location, force=force)
    err.print(f"SageMaker SDK config written to {path} (read by SDK v2 and v3; "
              "SAGEMAKER_ADMIN_CONFIG_OVERRIDE / SAGEMAKER_USER_CONFIG_OVERRIDE point the SDK at another file)",
              highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``safemaker profile`` to the root app."""
    app.add_typer(group, name="profile")
