"""A training script that installs a package when it starts, as many notebooks do."""

import subprocess
import sys

print("installing xgboost before training")
subprocess.check_call([sys.executable, "-m", "pip", "install", "xgboost"])

import xgboost  # noqa: E402

print("xgboost", xgboost.__version__)
