"""Names of a package loaded on first use (PEP 562 module ``__getattr__`` / ``__dir__``), in one place.

A package whose public names live in submodules that import heavy dependencies (boto3, the
SageMaker SDK, YAML, the rule tables) lists them here instead of importing them, so that a process
needing none of them (``safemaker run`` itself, ``--help``, a guarded child Python) does not pay
for them. ``import safemaker.network`` then costs what its ``__init__`` imports, and
``safemaker.network.Plan`` imports :mod:`safemaker.network.infra` on first use.
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import Any, Callable, Mapping

__all__ = ["attach"]


def attach(package: str, names: Mapping[str, str | tuple[str, str]],
           submodules: frozenset[str] = frozenset()) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package`` for names loaded on first use.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    names : Mapping[str, str or tuple[str, str]]
        Name -> the submodule of ``package`` that defines it (``"infra"``), or
        ``(absolute module, attribute)`` for a name defined elsewhere or under another name.
    submodules : frozenset[str], default empty
        Submodules reachable as attributes before anything imported them
        (``safemaker.network.doctor`` after ``import safemaker.network``).

    Returns
    -------
    tuple
        ``(__getattr__, __dir__)``: assign both at module level. A value loaded once is
        stored in the package's namespace, so the next lookup is a plain attribute.

    Raises
    ------
    AttributeError
        From ``__getattr__``, for a name neither listed nor a submodule (as for any module).
    """

    def __getattr__(name: str) -> Any:
        target = names.get(name)
        if target is None:
            if name in submodules:
                return import_module(f"{package}.{name}")  # the import sets the attribute
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, attribute = (f"{package}.{target}", name) if isinstance(target, str) else target
        value = getattr(import_module(module), attribute)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(names) | set(submodules))

    return __getattr__, __dir__
