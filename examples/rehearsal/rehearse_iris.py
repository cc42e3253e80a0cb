"""Rehearse a scikit-learn training and its inference locally, with no network (docs/rehearsal.md).

Run: ``python examples/rehearsal/rehearse_iris.py``. Needs Linux with network
namespaces (``unshare -rn true`` succeeds) and scikit-learn. Uses
scikit-learn's bundled iris data (offline), written as CSV channels in a
temporary directory; nothing goes to S3 or SageMaker.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
from sklearn.datasets import load_iris

from safemaker.rehearsal import rehearse_inference, rehearse_training

HERE = Path(__file__).resolve().parent


def write_channels(root: Path) -> dict[str, str]:
    """Iris as two CSV channels (label first), 120 / 30 rows."""
    x, y = load_iris(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(y))
    rows = np.column_stack([y[order], x[order]])
    channels = {}
    for name, part in (("train", rows[:120]), ("test", rows[120:])):
        (root / name).mkdir(parents=True)
        np.savetxt(root / name / f"{name}.csv", part, delimiter=",", fmt="%g")
        channels[name] = str(root / name)
    return channels


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        channels = write_channels(Path(tmp) / "data")
        job = rehearse_training("train.py", source_dir=HERE, hyperparameters={"C": 0.5},
                                inputs=channels, output_path=str(Path(tmp) / "output"), job_name="iris-rehearsal")
        x, y = load_iris(return_X_y=True)
        rows = [x[0].tolist(), x[60].tolist(), x[120].tolist()]
        answers = rehearse_inference(job.model_data, "inference.py", [json.dumps(rows)], source_dir=HERE)
        print(f"predicted classes {answers[0].text()} for true classes {[int(y[0]), int(y[60]), int(y[120])]} "
              f"({answers[0].label})")
        return 0 if answers[0].ok else 1


if __name__ == "__main__":
    sys.exit(main())
