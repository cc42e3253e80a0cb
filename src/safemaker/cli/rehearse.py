"""``safemaker rehearse``: run a script-mode training entry point locally with no network (docs/rehearsal.md)."""

from __future__ import annotations

import sys
from typing import Any, List, Optional

import typer

from ._common import (EXIT_BAD_INPUT, EXIT_ERROR, EXIT_FINDINGS, aws_profile_option, err, fail, handle_errors,
                      human_format, note_local_endpoints, out)


def _pairs(values: List[str], flag: str, what: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name:
            raise fail(f"{flag} is {value!r}; expected {what} (NAME=VALUE)", EXIT_BAD_INPUT)
        if name in pairs:
            raise fail(f"{flag} {name} is given twice ({pairs[name]!r} and {rest!r}); give each once", EXIT_BAD_INPUT)
        pairs[name] = rest
    return pairs


@handle_errors(aliases={"hyperparameters": "hyperparameter", "inputs": "channel"})
def rehearse(
    entry_point: str = typer.Argument(..., help="The training script (relative to --source-dir when given)."),
    source_dir: Optional[str] = typer.Option(None, "--source-dir", help="Directory copied to /opt/ml/code."),
    hyperparameter: List[str] = typer.Option([], "--hyperparameter", "-H",
                                             help="NAME=VALUE, repeatable: passed as --NAME VALUE, SM_HP_NAME, SM_HPS."),
    channel: List[str] = typer.Option([], "--channel", "-c",
                                      help="NAME=s3://bucket/prefix or NAME=local/path, repeatable: "
                                           "staged to /opt/ml/input/data/NAME."),
    output_path: Optional[str] = typer.Option(None, "--output-path",
                                              help="s3://bucket/prefix or a directory: model.tar.gz goes to "
                                                   "<output-path>/<job name>/output/ (default: kept in the work "
                                                   "directory)."),
    job_name: Optional[str] = typer.Option(None, "--job-name", help="Training job name (default: "
                                                                    "<script>-rehearsal-<time>)."),
    instance_type: str = typer.Option("ml.m5.large", "--instance-type", help="Written to resourceconfig.json."),
    region: Optional[str] = typer.Option(None, "--region", envvar="AWS_DEFAULT_REGION",
                                         help="Region of the S3 client and of SAGEMAKER_REGION."),
    endpoint_url: Optional[str] = typer.Option(None, "--endpoint-url", envvar="SAFEMAKER_ENDPOINT_URL",
                                               help="Endpoint override for the S3 client (local backend)."),
    max_run: float = typer.Option(86400, "--max-run", help="Seconds before the script is killed."),
    keep: bool = typer.Option(False, "--keep", help="Keep the temporary directory that stands for /opt/ml."),
    format: str = typer.Option("text", "--format", "-f",
                               help="text (the job's output and the report as they come) or json (one JSON "
                                    "object on stdout at the end; the job's output goes to stderr)."),
    aws_profile: Optional[str] = aws_profile_option(),
) -> None:
    """Run a training script locally, with no network, under the SageMaker training contract.

    The script runs in this Python environment inside a Linux network
    namespace with only loopback (unshare), with the SM_* variables and
    /opt/ml files SageMaker gives it. A network attempt is reported as what
    fails under EnableNetworkIsolation. Exit 0: the script succeeded; 1: it
    failed (or no namespace can be made here; then nothing runs); 2: bad
    input; 3: it succeeded but tried to reach the network. With --format json
    the same exit codes, and stdout holds one object (TrainingRehearsal.to_dict:
    label, job_name, ok, exit_code, seconds, network_attempts, ...).
    """
    from ..rehearsal import rehearse_training
    from ..rehearsal.errors import RehearsalFailed

    format = human_format(format, ("text", "json"))
    as_json = format == "json"
    hps = _pairs(hyperparameter, "--hyperparameter", "a hyperparameter")
    inputs = _pairs(channel, "--channel", "a channel")
    s3_client: Any = None
    if output_path and output_path.startswith("s3://") or any(v.startswith("s3://") for v in inputs.values()):
        import boto3

        s3_client = boto3.Session(region_name=region).client("s3", endpoint_url=endpoint_url)
        note_local_endpoints([s3_client])
    try:
        result = rehearse_training(entry_point, source_dir=source_dir, hyperparameters=hps, inputs=inputs or None,
                                   output_path=output_path, job_name=job_name, instance_type=instance_type,
                                   region=region, s3_client=s3_client, max_run=max_run, keep=keep,
                                   on_output=_to_stderr if as_json else None)
    except RehearsalFailed as failed:
        if as_json and failed.result is not None:
            out.print_json(data=failed.result.to_dict())
        raise typer.Exit(EXIT_ERROR) from None
    if as_json:
        out.print_json(data=result.to_dict())
    if result.work_dir is not None:
        err.print(f"work directory (stands for /opt/ml): {result.work_dir}/opt/ml", highlight=False, markup=False)
    if result.network_attempts:
        raise typer.Exit(EXIT_FINDINGS)


def _to_stderr(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def register(app: typer.Typer) -> None:
    """Add the ``rehearse`` command to the root app."""
    app.command("rehearse")(rehearse)
