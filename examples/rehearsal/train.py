"""A script-mode scikit-learn training entry point (SageMaker training contract).

Reads CSV files (label in the first column, no header) from the ``train`` and
``test`` channels, fits a logistic regression, prints the test accuracy and
saves ``model.joblib`` in ``SM_MODEL_DIR``.
"""

import argparse
import glob
import os

import joblib
import numpy as np
from sklearn.linear_model import LogisticRegression


def read_channel(directory):
    rows = np.vstack([np.loadtxt(f, delimiter=",", ndmin=2) for f in sorted(glob.glob(os.path.join(directory, "*.csv")))])
    return rows[:, 1:], rows[:, 0].astype(int)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    # The training toolkit passes a one-letter hyperparameter as "-C 0.5", longer ones as "--max-iter 1000".
    parser.add_argument("-C", type=float, default=1.0)
    parser.add_argument("--max-iter", type=int, default=1000)
    parser.add_argument("--model-dir", default=os.environ["SM_MODEL_DIR"])
    parser.add_argument("--train", default=os.environ["SM_CHANNEL_TRAIN"])
    parser.add_argument("--test", default=os.environ["SM_CHANNEL_TEST"])
    args = parser.parse_args()

    x_train, y_train = read_channel(args.train)
    x_test, y_test = read_channel(args.test)
    model = LogisticRegression(C=args.C, max_iter=args.max_iter).fit(x_train, y_train)
    print(f"trained on {len(y_train)} rows; test accuracy {model.score(x_test, y_test):.4f} ({len(y_test)} rows)")
    joblib.dump(model, os.path.join(args.model_dir, "model.joblib"))
