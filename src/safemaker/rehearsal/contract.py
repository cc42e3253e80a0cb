"""The SageMaker training contract, as the SageMaker training toolkit gives it to a script-mode entry point.

Mirrors ``sagemaker_training.environment.Environment`` and
``sagemaker_training.mapping`` (https://github.com/aws/sagemaker-training-toolkit,
``ENVIRONMENT_VARIABLES.md``) and the files SageMaker writes before the
container starts (https://docs.aws.amazon.com/sagemaker/latest/dg/your-algorithms-training-algo-running-container.html):

``/opt/ml`` is a directory under the rehearsal's temporary directory
(:attr:`TrainingContract.base_dir`); every path in the environment points
there::

    <base>/input/config/hyperparameters.json   CreateTrainingJob HyperParameters (string values)
    <base>/input/config/resourceconfig.json    current_host, hosts, instance groups, network_interface_name
    <base>/input/config/inputdataconfig.json   one entry per channel
    <base>/input/data/<channel>/               the channel's files (File mode)
    <base>/code/                               source_dir (the toolkit's code_dir; the working directory)
    <base>/model/                              SM_MODEL_DIR, packed as model.tar.gz afterwards
    <base>/output/                             SM_OUTPUT_DIR: failure / success files
    <base>/output/data/                        SM_OUTPUT_DATA_DIR, packed as output.tar.gz afterwards
    <base>/output/intermediate/                SM_OUTPUT_INTERMEDIATE_DIR
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

__all__ = ["TrainingContract", "to_cmd_args", "to_env_vars", "decode_hyperparameters", "encode_hyperparameters",
           "CURRENT_HOST", "INSTANCE_GROUP", "SAGEMAKER_HYPERPARAMETERS"]

CURRENT_HOST = "algo-1"
"""The one host of a rehearsal (SageMaker names hosts ``algo-1``, ``algo-2``...)."""
INSTANCE_GROUP = "homogeneousCluster"
"""The instance group name SageMaker gives a job without heterogeneous clusters."""
NETWORK_INTERFACE = "eth0"

SAGEMAKER_HYPERPARAMETERS = (
    "sagemaker_program", "sagemaker_submit_directory", "sagemaker_enable_cloudwatch_metrics", "sagemaker_region",
    "sagemaker_container_log_level", "sagemaker_job_name", "default_user_module_name", "_tuning_objective_metric",
    "sagemaker_s3_output",
)
"""Hyperparameters the toolkit takes for itself (``sagemaker_training.params``); not passed to the script."""


def _decode(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("latin1")
    return str(value)


def to_cmd_args(hyperparameters: Mapping[str, Any]) -> list[str]:
    """Hyperparameters as the script's command line: ``--name value`` sorted by name (``-n`` for one letter).

    ``sagemaker_training.mapping.to_cmd_args``: a dict value becomes ``k=v,k2=v2``.
    """
    args: list[str] = []
    for key in sorted(hyperparameters):
        name = _decode(key)
        value = hyperparameters[key]
        args.append(f"--{name}" if len(name) > 1 else f"-{name}")
        args.append(",".join(f"{k}={v}" for k, v in sorted(value.items())) if hasattr(value, "items")
                    else _decode(value))
    return args


def to_env_vars(mapping: Mapping[str, Any]) -> dict[str, str]:
    """``SM_<KEY>`` variables: strings as they are, anything else compact JSON (``sagemaker_training.mapping``)."""
    def value(v: Any) -> str:
        if isinstance(v, bytes):
            return v.decode("latin1")
        if v is None:
            return ""
        if isinstance(v, str):
            return v
        return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=True)

    return {f"SM_{str(k).upper()}": value(v) for k, v in mapping.items() if k}


def encode_hyperparameters(hyperparameters: Mapping[str, Any]) -> dict[str, str]:
    """Hyperparameters as CreateTrainingJob carries them: string values, JSON for non-strings.

    A string is kept as it is (the SDK's ``Estimator`` sends ``str(value)``;
    its framework estimators JSON-encode: pass those already encoded).
    """
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in hyperparameters.items()}


def decode_hyperparameters(hyperparameters: Mapping[str, str]) -> dict[str, Any]:
    """``sagemaker_training.environment.read_hyperparameters``: each value JSON-decoded when it can be."""
    decoded: dict[str, Any] = {}
    for k, v in hyperparameters.items():
        try:
            decoded[k] = json.loads(v)
        except (ValueError, TypeError):
            decoded[k] = v
    return decoded


def _num_gpus() -> int:
    try:
        out = subprocess.run(["nvidia-smi", "--list-gpus"], capture_output=True, text=True, timeout=10,
                             check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return 0
    return sum(1 for line in out.splitlines() if line.startswith("GPU "))


@dataclass
class TrainingContract:
    """The ``/opt/ml`` tree and the environment of one script-mode training run.

    Parameters
    ----------
    base_dir : pathlib.Path
        Stands for ``/opt/ml`` (created by :meth:`create`).
    entry_point : str
        The script, relative to the code directory (``train.py``).
    job_name : str
        TrainingJobName.
    hyperparameters : mapping of str to str
        As CreateTrainingJob carries them (strings; see :func:`encode_hyperparameters`),
        without the ``sagemaker_*`` ones, which are added here.
    channels : mapping of str to dict
        Channel name -> its inputdataconfig.json entry (``TrainingInputMode``,
        ``S3DistributionType``, ``RecordWrapperType``, optional ``ContentType``).
    instance_type : str, default "ml.m5.large"
    region : str, optional
        ``sagemaker_region``.
    """

    base_dir: Path
    entry_point: str
    job_name: str
    hyperparameters: Mapping[str, str] = field(default_factory=dict)
    channels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    instance_type: str = "ml.m5.large"
    region: str | None = None

    # ------------------------------------------------------------------ paths

    @property
    def code_dir(self) -> Path:
        return self.base_dir / "code"

    @property
    def model_dir(self) -> Path:
        return self.base_dir / "model"

    @property
    def input_dir(self) -> Path:
        return self.base_dir / "input"

    @property
    def input_config_dir(self) -> Path:
        return self.input_dir / "config"

    @property
    def output_dir(self) -> Path:
        return self.base_dir / "output"

    @property
    def output_data_dir(self) -> Path:
        return self.output_dir / "data"

    @property
    def output_intermediate_dir(self) -> Path:
        return self.output_dir / "intermediate"

    @property
    def failure_file(self) -> Path:
        return self.output_dir / "failure"

    def channel_dir(self, name: str) -> Path:
        """``/opt/ml/input/data/<channel>``."""
        return self.input_dir / "data" / name

    # ------------------------------------------------------------------ what SageMaker writes

    def all_hyperparameters(self) -> dict[str, str]:
        """hyperparameters.json: the user's plus the ``sagemaker_*`` ones the SDK adds for script mode."""
        hps = dict(self.hyperparameters)
        hps.update({
            "sagemaker_program": json.dumps(self.entry_point),
            "sagemaker_submit_directory": json.dumps(str(self.code_dir)),
            "sagemaker_container_log_level": json.dumps(logging.INFO),
            "sagemaker_job_name": json.dumps(self.job_name),
        })
        if self.region:
            hps["sagemaker_region"] = json.dumps(self.region)
        return hps

    def resource_config(self) -> dict[str, Any]:
        """resourceconfig.json (one host)."""
        return {
            "current_host": CURRENT_HOST,
            "current_instance_type": self.instance_type,
            "current_group_name": INSTANCE_GROUP,
            "hosts": [CURRENT_HOST],
            "instance_groups": [{"instance_group_name": INSTANCE_GROUP, "instance_type": self.instance_type,
                                 "hosts": [CURRENT_HOST]}],
            "network_interface_name": NETWORK_INTERFACE,
        }

    def input_data_config(self) -> dict[str, dict[str, str]]:
        """inputdataconfig.json."""
        return {name: dict(entry) for name, entry in self.channels.items()}

    def create(self) -> None:
        """Make the directories and write the three config files."""
        for d in (self.code_dir, self.model_dir, self.input_config_dir, self.output_data_dir,
                  self.output_intermediate_dir):
            d.mkdir(parents=True, exist_ok=True)
        for name in self.channels:
            self.channel_dir(name).mkdir(parents=True, exist_ok=True)
        for name, content in (("hyperparameters.json", self.all_hyperparameters()),
                              ("resourceconfig.json", self.resource_config()),
                              ("inputdataconfig.json", self.input_data_config())):
            (self.input_config_dir / name).write_text(json.dumps(content))

    # ------------------------------------------------------------------ the environment

    def training_env(self) -> dict[str, Any]:
        """SM_TRAINING_ENV: every property of the toolkit's ``Environment``."""
        all_hps = decode_hyperparameters(self.all_hyperparameters())
        framework = {k: v for k, v in all_hps.items() if k.startswith("sagemaker_") or k in SAGEMAKER_HYPERPARAMETERS}
        user_hps = {k: v for k, v in all_hps.items() if k not in framework}
        resource = self.resource_config()
        module_name = self.entry_point[:-3] if self.entry_point.endswith(".py") else self.entry_point
        return {
            "additional_framework_parameters": {k: v for k, v in framework.items()
                                                if k not in SAGEMAKER_HYPERPARAMETERS},
            "channel_input_dirs": {name: str(self.channel_dir(name)) for name in self.channels},
            "current_host": CURRENT_HOST,
            "current_instance_group": INSTANCE_GROUP,
            "current_instance_group_hosts": [CURRENT_HOST],
            "current_instance_type": self.instance_type,
            "distribution_hosts": [],
            "distribution_instance_groups": [],
            "framework_module": None,
            "hosts": [CURRENT_HOST],
            "hyperparameters": user_hps,
            "input_config_dir": str(self.input_config_dir),
            "input_data_config": self.input_data_config(),
            "input_dir": str(self.input_dir),
            "instance_groups": [INSTANCE_GROUP],
            "instance_groups_dict": {INSTANCE_GROUP: resource["instance_groups"][0]},
            "is_hetero": False,
            "is_master": True,
            "is_modelparallel_enabled": None,
            "is_smddpmprun_installed": False,
            "is_smddprun_installed": False,
            "job_name": self.job_name,
            "log_level": logging.INFO,
            "master_hostname": CURRENT_HOST,
            "model_dir": str(self.model_dir),
            "module_dir": str(self.code_dir),
            "module_name": module_name,
            "network_interface_name": NETWORK_INTERFACE,
            "num_cpus": os.cpu_count() or 1,
            "num_gpus": _num_gpus(),
            "num_neurons": 0,
            "output_data_dir": str(self.output_data_dir),
            "output_dir": str(self.output_dir),
            "output_intermediate_dir": str(self.output_intermediate_dir),
            "resource_config": resource,
            "topology": [],
            "user_entry_point": self.entry_point,
        }

    def user_hyperparameters(self) -> dict[str, Any]:
        """The decoded hyperparameters the script gets (``sagemaker_*`` removed)."""
        return self.training_env()["hyperparameters"]

    def script_args(self) -> list[str]:
        """The entry point's command-line arguments (:func:`to_cmd_args` of the user hyperparameters)."""
        return to_cmd_args(self.user_hyperparameters())

    def environment(self) -> dict[str, str]:
        """Every variable the toolkit sets (``Environment.to_env_vars``) plus the container's own.

        The container's: ``SAGEMAKER_BASE_DIR`` (the toolkit's base for
        ``/opt/ml``), ``TRAINING_JOB_NAME``, ``CURRENT_HOST``,
        ``SAGEMAKER_PROGRAM``, ``SAGEMAKER_SUBMIT_DIRECTORY``,
        ``SAGEMAKER_JOB_NAME``, ``SAGEMAKER_REGION``.
        """
        t = self.training_env()
        env = {
            "hosts": t["hosts"],
            "network_interface_name": t["network_interface_name"],
            "hps": t["hyperparameters"],
            "user_entry_point": t["user_entry_point"],
            "framework_params": t["additional_framework_parameters"],
            "resource_config": t["resource_config"],
            "input_data_config": t["input_data_config"],
            "output_data_dir": t["output_data_dir"],
            "channels": sorted(t["channel_input_dirs"]),
            "current_host": t["current_host"],
            "current_instance_type": t["current_instance_type"],
            "current_instance_group": t["current_instance_group"],
            "current_instance_group_hosts": t["current_instance_group_hosts"],
            "instance_groups": t["instance_groups"],
            "instance_groups_dict": t["instance_groups_dict"],
            "distribution_instance_groups": t["distribution_instance_groups"],
            "is_hetero": t["is_hetero"],
            "module_name": t["module_name"],
            "log_level": t["log_level"],
            "framework_module": t["framework_module"],
            "input_dir": t["input_dir"],
            "input_config_dir": t["input_config_dir"],
            "output_dir": t["output_dir"],
            "num_cpus": t["num_cpus"],
            "num_gpus": t["num_gpus"],
            "num_neurons": t["num_neurons"],
            "model_dir": t["model_dir"],
            "module_dir": t["module_dir"],
            "training_env": t,
            "user_args": to_cmd_args(t["hyperparameters"]),
            "output_intermediate_dir": t["output_intermediate_dir"],
        }
        for name, path in t["channel_input_dirs"].items():
            env[f"channel_{name}"] = path
        for key, value in t["hyperparameters"].items():
            env[f"hp_{key}"] = value
        variables = to_env_vars(env)
        variables.update({
            "SAGEMAKER_BASE_DIR": str(self.base_dir),
            "TRAINING_JOB_NAME": self.job_name,
            "CURRENT_HOST": CURRENT_HOST,
            "SAGEMAKER_PROGRAM": self.entry_point,
            "SAGEMAKER_SUBMIT_DIRECTORY": str(self.code_dir),
            "SAGEMAKER_JOB_NAME": self.job_name,
            "SAGEMAKER_REGION": self.region or "",
        })
        return variables

    def copy_code(self, source_dir: Path | None, entry_point: Path, dependencies: list[Path] | None = None) -> None:
        """Copy ``source_dir`` (or the lone entry point) and ``dependencies`` into the code directory."""
        if source_dir is not None:
            shutil.copytree(source_dir, self.code_dir, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".git"))
        else:
            shutil.copy2(entry_point, self.code_dir / entry_point.name)
        for dep in dependencies or []:
            target = self.code_dir / dep.name
            if dep.is_dir():
                shutil.copytree(dep, target, dirs_exist_ok=True)
            else:
                shutil.copy2(dep, target)
