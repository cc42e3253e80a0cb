"""Moving data in and out of a rehearsal, outside the sandbox, as SageMaker itself does.

Inputs: each channel's S3 objects (or a local directory/file) are copied into
``/opt/ml/input/data/<channel>`` before the job's code starts (File mode).
Outputs: ``/opt/ml/model`` is packed as ``model.tar.gz`` and
``/opt/ml/output/data`` as ``output.tar.gz``, and both are put at
``<output_path>/<job name>/output/`` (S3 or a local directory), SageMaker's
layout (https://docs.aws.amazon.com/sagemaker/latest/dg/model-train-storage.html).
"""

from __future__ import annotations

import shutil
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlparse

from botocore.exceptions import ClientError

from ..errors import aws_error
from .errors import RehearsalInputError

__all__ = ["ChannelSource", "channel_sources", "stage_channel", "pack_dir", "put_output", "fetch_model",
           "split_s3_uri"]

_MODES = ("File", "FastFile")


@dataclass(frozen=True)
class ChannelSource:
    """Where one channel's data comes from.

    Attributes
    ----------
    name : str
    uri : str
        ``s3://bucket/prefix`` or a local path.
    config : dict
        The channel's inputdataconfig.json entry.
    """

    name: str
    uri: str
    config: Mapping[str, str]

    @property
    def is_s3(self) -> bool:
        return self.uri.startswith("s3://")


def split_s3_uri(uri: str, field: str) -> tuple[str, str]:
    """``s3://bucket/key`` -> (bucket, key)."""
    parsed = urlparse(uri)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise RehearsalInputError(field=field, value=uri, fix="expected s3://<bucket>/<prefix> or a local path")
    return parsed.netloc, parsed.path.lstrip("/")


def _local_path(uri: str) -> Path:
    return Path(uri[len("file://"):] if uri.startswith("file://") else uri).expanduser()


def channel_sources(inputs: Mapping[str, Any] | str | None) -> list[ChannelSource]:
    """Normalise ``inputs`` as ``Estimator.fit`` takes them.

    Parameters
    ----------
    inputs : str, mapping or None
        A URI (the ``training`` channel, as the SDK does), or channel name ->
        URI, ``sagemaker.inputs.TrainingInput`` (v2), ``InputData`` (v3) or a
        CreateTrainingJob ``Channel``-shaped dict.

    Raises
    ------
    RehearsalInputError
        A channel in Pipe mode, a manifest file, or a URI that is neither S3 nor an existing local path.
    """
    if inputs is None:
        return []
    if isinstance(inputs, (str, Path)):
        inputs = {"training": str(inputs)}
    sources = []
    for name, spec in inputs.items():
        field = f"inputs[{name!r}]"
        config: dict[str, str] = {"TrainingInputMode": "File", "S3DistributionType": "FullyReplicated",
                                  "RecordWrapperType": "None"}
        channel = getattr(spec, "config", None)  # sagemaker.inputs.TrainingInput
        if isinstance(spec, Mapping) and "DataSource" in spec:
            channel = spec
        data_source = getattr(spec, "data_source", None)  # v3 InputData
        if isinstance(spec, (str, Path)):
            uri = str(spec)
        elif isinstance(channel, Mapping):
            s3 = channel.get("DataSource", {}).get("S3DataSource", {})
            if not s3:
                raise RehearsalInputError(field=field, value=channel.get("DataSource"),
                                          fix="a rehearsal stages S3DataSource channels (or local paths)")
            if s3.get("S3DataType", "S3Prefix") != "S3Prefix":
                raise RehearsalInputError(field=f"{field}.S3DataType", value=s3.get("S3DataType"),
                                          fix="a rehearsal stages S3Prefix channels; give the prefix instead")
            uri = s3["S3Uri"]
            config["S3DistributionType"] = s3.get("S3DistributionType", "FullyReplicated")
            for key in ("ContentType", "CompressionType", "RecordWrapperType"):
                if channel.get(key):
                    config[key] = channel[key]
            if channel.get("InputMode"):
                config["TrainingInputMode"] = channel["InputMode"]
        elif data_source is not None:
            uri = data_source if isinstance(data_source, str) else getattr(
                getattr(data_source, "s3_data_source", None), "s3_uri", None)
            if not isinstance(uri, str):
                raise RehearsalInputError(field=field, value=data_source,
                                          fix="a rehearsal stages S3 URIs, S3DataSource or local paths")
            if getattr(spec, "content_type", None):
                config["ContentType"] = spec.content_type
        else:
            raise RehearsalInputError(field=field, value=spec,
                                      fix="expected an s3:// URI, a local path, a TrainingInput or an InputData")
        if config["TrainingInputMode"] not in _MODES:
            raise RehearsalInputError(field=f"{field}.InputMode", value=config["TrainingInputMode"],
                                      fix="a rehearsal gives the channel as files (File or FastFile mode)")
        if uri.startswith("s3://"):
            split_s3_uri(uri, field)  # a bucket is named: refused before any sandbox or download
        elif not _local_path(uri).exists():
            raise RehearsalInputError(field=field, value=uri,
                                      fix="expected s3://<bucket>/<prefix> or an existing local file or directory")
        sources.append(ChannelSource(str(name), uri, config))
    return sources


def stage_channel(source: ChannelSource, target: Path, s3_client: Any = None) -> int:
    """Copy one channel's data into ``target``; return the number of files.

    An S3 key equal to the prefix becomes ``target/<basename>``; keys under the
    prefix keep their path below it (``sagemaker.utils.download_folder``).

    Raises
    ------
    RehearsalInputError
        An S3 channel without an S3 client, a prefix with no object, or S3
        refused to list or read it (``NoSuchBucket``, ``AccessDenied``...: the
        code and message are in the error).
    """
    target.mkdir(parents=True, exist_ok=True)
    if not source.is_s3:
        path = _local_path(source.uri)
        if path.is_dir():
            shutil.copytree(path, target, dirs_exist_ok=True)
            return sum(1 for p in target.rglob("*") if p.is_file())
        shutil.copy2(path, target / path.name)
        return 1
    if s3_client is None:
        raise RehearsalInputError(field=f"inputs[{source.name!r}]", value=source.uri,
                                  fix="an S3 channel needs an S3 client (s3_client=, or the estimator's session)")
    bucket, prefix = split_s3_uri(source.uri, f"inputs[{source.name!r}]")
    count = 0
    try:
        for page in s3_client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                key = obj["Key"]
                if key.endswith("/"):
                    continue
                relative = Path(key).name if key == prefix else key[len(prefix):].lstrip("/")
                dest = target / relative
                dest.parent.mkdir(parents=True, exist_ok=True)
                s3_client.download_file(bucket, key, str(dest))
                count += 1
    except ClientError as exc:  # NoSuchBucket, AccessDenied...: the channel cannot be read
        code, message = aws_error(exc)
        raise RehearsalInputError(field=f"inputs[{source.name!r}]", value=source.uri,
                                  fix=f"S3 answered {code}: {message or 'no message'}; give an S3 location "
                                      "that exists and that these credentials may read") from None
    if count == 0:
        raise RehearsalInputError(field=f"inputs[{source.name!r}]", value=source.uri,
                                  fix="no S3 object has this prefix; SageMaker fails such a job too "
                                      "(ClientError: No S3 objects found under S3 URL)")
    return count


def pack_dir(directory: Path, tarball: Path) -> Path:
    """``tar czf tarball -C directory .``: the directory's contents at the archive's top level."""
    with tarfile.open(tarball, "w:gz") as tar:
        for item in sorted(directory.iterdir()):
            tar.add(item, arcname=item.name)
    return tarball


def put_output(files: list[Path], output_path: str, job_name: str, s3_client: Any = None) -> list[str]:
    """Put ``files`` at ``<output_path>/<job_name>/output/``; return their URIs or paths.

    All or nothing: when one upload fails, those already made are deleted.

    Raises
    ------
    RehearsalInputError
        An S3 output path without an S3 client.
    botocore.exceptions.ClientError
        S3 refused a call.
    """
    if not output_path.startswith("s3://"):
        dest = _local_path(output_path) / job_name / "output"
        dest.mkdir(parents=True, exist_ok=True)
        return [str(Path(shutil.copy2(f, dest / f.name))) for f in files]
    if s3_client is None:
        raise RehearsalInputError(field="output_path", value=output_path,
                                  fix="an S3 output path needs an S3 client (s3_client=, or the estimator's session)")
    bucket, prefix = split_s3_uri(output_path, "output_path")
    prefix = prefix.rstrip("/")
    done: list[str] = []
    try:
        for f in files:
            key = "/".join(p for p in (prefix, job_name, "output", f.name) if p)
            s3_client.upload_file(str(f), bucket, key)
            done.append(key)
    except BaseException:
        for key in done:
            try:
                s3_client.delete_object(Bucket=bucket, Key=key)
            except Exception:  # noqa: BLE001 - the upload error is the one to report
                pass
        raise
    return [f"s3://{bucket}/{key}" for key in done]


def fetch_model(model_data: str, target: Path, s3_client: Any = None) -> None:
    """Extract ``model.tar.gz`` (S3 URI or local file) or copy a model directory into ``target``.

    Raises
    ------
    RehearsalInputError
        Not found, or an S3 URI without a client.
    """
    target.mkdir(parents=True, exist_ok=True)
    if model_data.startswith("s3://"):
        if s3_client is None:
            raise RehearsalInputError(field="model_data", value=model_data,
                                      fix="an S3 model needs an S3 client (s3_client=, or the model's session)")
        bucket, key = split_s3_uri(model_data, "model_data")
        tarball = target.parent / "model.tar.gz"
        s3_client.download_file(bucket, key, str(tarball))
    else:
        path = _local_path(model_data)
        if path.is_dir():
            shutil.copytree(path, target, dirs_exist_ok=True)
            return
        if not path.is_file():
            raise RehearsalInputError(field="model_data", value=model_data,
                                      fix="expected s3://<bucket>/<key>/model.tar.gz, a local model.tar.gz or a directory")
        tarball = path
    with tarfile.open(tarball, "r:*") as tar:
        tar.extractall(target, filter="data")
