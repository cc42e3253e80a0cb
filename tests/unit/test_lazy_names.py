"""The packages that load names on first use (safemaker._lazy.attach): each listed name resolves to the object its
submodule defines, appears in dir(), is stored after the first lookup; an unknown name is an AttributeError."""

from __future__ import annotations

import importlib

import pytest

from safemaker.errors import SdkNotAvailableError

PACKAGES = ["safemaker", "safemaker.network", "safemaker.preflight", "safemaker.notebook", "safemaker.profile.documents",
            "safemaker.local"]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_lazy_name_resolves_to_its_definition(package):
    module = importlib.import_module(package)
    lazy = {name: target for name, target in vars(module).get("_LAZY", {}).items()}
    if package == "safemaker.notebook":
        lazy = {name: ("safemaker.notebook_lifecycle", name) for name in module._LIFECYCLE_NAMES}
    if package == "safemaker.profile.documents":
        lazy = {"UniqueKeyLoader": ("safemaker.profile._yaml", "UniqueKeyLoader")}
    assert lazy
    for name, target in lazy.items():
        where, attribute = (f"{package}.{target}", name) if isinstance(target, str) else target
        try:
            expected = getattr(importlib.import_module(where), attribute)
        except SdkNotAvailableError:  # an adapter of the other SDK major: the package says the same
            with pytest.raises(SdkNotAvailableError):
                getattr(module, name)
            continue
        assert getattr(module, name) is expected, name
        assert name in vars(module)  # stored: the next lookup is a plain attribute
    with pytest.raises(AttributeError, match=f"module '{package}' has no attribute 'no_such_name'"):
        module.no_such_name  # noqa: B018


@pytest.mark.parametrize("package", ["safemaker", "safemaker.network", "safemaker.preflight", "safemaker.local"])
def test_dir_lists_the_names_not_loaded_yet(package):
    module = importlib.import_module(package)
    assert set(module._LAZY) <= set(dir(module))
