"""The demo model's inference handlers: ``model_fn`` only (the scikit-learn container's defaults do the rest)."""

import os

import joblib


def model_fn(model_dir):
    return joblib.load(os.path.join(model_dir, "model.joblib"))
