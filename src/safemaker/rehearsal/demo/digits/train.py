"""The demo's script-mode scikit-learn training: handwritten digits (0-9), SageMaker training contract.

Reads ``train.csv`` and ``test.csv`` (label first, 64 pixel values scaled to
[0, 1]) from the ``train`` and ``test`` channels, fits a logistic regression,
prints its accuracy on the test digits and saves ``model.joblib`` and
``metrics.json`` (``SM_MODEL_DIR``, ``SM_OUTPUT_DATA_DIR``).
"""

import argparse
import json
import os

import joblib
import numpy as np
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits


def read(channel, name):
    rows = np.loadtxt(os.path.join(os.environ["SM_CHANNEL_" + channel.upper()], name), delimiter=",", ndmin=2)
    return rows[:, 1:], rows[:, 0].astype(int)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-iter", type=int, default=1000)
    parser.add_argument("-C", type=float, default=1.0)
    args = parser.parse_args()
    x_train, y_train = read("train", "train.csv")
    x_test, y_test = read("test", "test.csv")
    print(f"training a logistic regression on {len(y_train)} digits (C={args.C}, max_iter={args.max_iter})")
    # One BLAS thread: on matrices this small (1257 x 64) more threads only spin. With OpenBLAS's default (a
    # thread per core) this fit took ~4.5 s of CPU on 2 cores instead of ~0.3 s, for the same model.
    with threadpool_limits(limits=1, user_api="blas"):
        model = LogisticRegression(C=args.C, max_iter=args.max_iter).fit(x_train, y_train)
    accuracy = float(model.score(x_test, y_test))
    print(f"test accuracy {accuracy:.4f} on {len(y_test)} held-out digits")
    joblib.dump(model, os.path.join(os.environ["SM_MODEL_DIR"], "model.joblib"))
    with open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], "metrics.json"), "w") as f:
        json.dump({"test_accuracy": accuracy, "test_count": int(len(y_test))}, f)
