"""Export a VPC profile as the SageMaker SDK's own config.yaml, for code that never imports safemaker.

Offline. ``python examples/export_sdk_config.py`` writes the config of
``examples/profile.yaml`` to ``./sagemaker-config/config.yaml``;
``--location user`` (``~/.config/sagemaker/config.yaml``), ``admin``
(``/etc/xdg/sagemaker/config.yaml``, needs root) or another path;
``--force`` replaces an existing file.

Any SDK v2 ``Estimator`` / ``Model`` or v3 ``ModelTrainer`` built afterwards
(or in a process with ``SAGEMAKER_USER_CONFIG_OVERRIDE`` pointing at the
file) sends the profile's VpcConfig, network isolation and inter-container
traffic encryption without being told. A default, not an enforcement: the
guard and the IAM policies / SCPs enforce.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from safemaker.profile import VpcProfile
from safemaker.sdk.config_file import export_sagemaker_config

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default=str(HERE / "profile.yaml"))
    parser.add_argument("--location", default="sagemaker-config/config.yaml")
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args()

    path = export_sagemaker_config(VpcProfile.load(args.profile), args.location, force=args.force)
    doc = yaml.safe_load(path.read_text())
    training = doc["SageMaker"]["TrainingJob"]
    print(f"wrote {path}")
    print(f"SageMaker.TrainingJob.VpcConfig.Subnets: {', '.join(training['VpcConfig']['Subnets'])}")
    print(f"SageMaker.TrainingJob.EnableNetworkIsolation: {training['EnableNetworkIsolation']}")
    print(f"sections: {', '.join(doc['SageMaker'])}")
    print(f"use it: export SAGEMAKER_USER_CONFIG_OVERRIDE={path.resolve()}")


if __name__ == "__main__":
    main()
