"""Inference handlers (SageMaker inference toolkit): only ``model_fn``; the scikit-learn container's
defaults decode the request (JSON, CSV or NPY), call ``model.predict`` and encode the answer."""

import os

import joblib


def model_fn(model_dir):
    return joblib.load(os.path.join(model_dir, "model.joblib"))
