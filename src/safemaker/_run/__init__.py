"""The folder ``safemaker run`` puts first on PYTHONPATH: its ``sitecustomize.py`` turns the process guard on.

A package only so that every packager ships the folder; ``sitecustomize`` is imported by Python at
start-up as a top-level module from this folder, never as ``safemaker._run.sitecustomize``.
"""
