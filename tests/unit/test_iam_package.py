"""safemaker.iam is a package whose __init__ re-exports the public names; the old module names
safemaker.iam_eval and safemaker.scp still import, and give the same objects."""

from __future__ import annotations

import importlib

import pytest

import safemaker.iam


def test_every_public_name_of_the_package_is_its_submodules_object():
    for name in safemaker.iam.__all__:
        obj = getattr(safemaker.iam, name)
        module = getattr(obj, "__module__", None)
        if module and module.startswith("safemaker.iam."):
            assert getattr(importlib.import_module(module), name) is obj, name


@pytest.mark.parametrize(("old", "new"), [("safemaker.iam_eval", "safemaker.iam.evaluator"),
                                          ("safemaker.scp", "safemaker.iam.scp")])
def test_old_module_names_re_export_the_same_objects(old, new):
    old_module, new_module = importlib.import_module(old), importlib.import_module(new)
    assert old_module.__all__ == new_module.__all__
    for name in new_module.__all__:
        assert getattr(old_module, name) is getattr(new_module, name), name
