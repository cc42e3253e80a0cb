"""A closed notebook instance with safemaker in every kernel, on the local backend.

Offline: ``python examples/notebook_lifecycle.py`` starts the local backend
(moto on 127.0.0.1; no instance runs there and no script is executed: the
output says so), writes the lifecycle configuration's on-start script for
``examples/profile.yaml`` to ``--out`` (default ``./on-start.sh``), and creates
a notebook instance with ``install_safemaker=True``: the lifecycle
configuration ``safemaker-<name>`` is created and attached.

Against AWS, first build and upload the wheelhouse
(``safemaker notebook wheelhouse ./wheelhouse -p profile.toml``), then
``safemaker notebook create NAME -p profile.toml --install-safemaker``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from safemaker.local import local_backend
from safemaker.notebook import create_closed_notebook_instance, default_wheelhouse_uri, lifecycle_config_script
from safemaker.profile import VpcProfile

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default=str(HERE / "profile.yaml"))
    parser.add_argument("--out", default="on-start.sh")
    parser.add_argument("--name", default="IFSM-Notebook-Instance")
    args = parser.parse_args()

    profile = VpcProfile.load(args.profile)
    script = lifecycle_config_script(profile)
    Path(args.out).write_text(script)
    print(f"on-start script: {args.out} ({len(script.encode())} bytes); wheelhouse {default_wheelhouse_uri(profile)}")
    with local_backend(profile.region) as backend:
        client = backend.session.client("sagemaker")
        described = create_closed_notebook_instance(args.name, profile=profile, sagemaker_client=client,
                                                    install_safemaker=True, wait=False)
    print(f"notebook instance {args.name} (local backend, emulated: no instance runs): "
          f"DirectInternetAccess={described['DirectInternetAccess']}, "
          f"LifecycleConfigName={described['NotebookInstanceLifecycleConfigName']}")


if __name__ == "__main__":
    main()
