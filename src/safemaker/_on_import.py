"""Post-import hooks: run code right after a module is imported, without importing it early.

A meta path finder (:data:`sys.meta_path`) that wraps the loader of the modules
it watches, as the post-import hooks of instrumentation libraries do. The
process guard wraps botocore this way when it is imported after the guard was
turned on (:mod:`safemaker.process`), and the SDK preflight checks install
themselves on SDK modules the program may never import
(:func:`when_imported`: ``sagemaker.remote_function.job``, ``sagemaker.serve``
... cost about half a second of CPU to import for nothing otherwise).
"""

from __future__ import annotations

import importlib.util
import logging
import sys
import threading
from typing import Any, Callable, Mapping

__all__ = ["when_imported"]

logger = logging.getLogger(__name__)


class _OnImport:
    """A post-import hook: runs ``callbacks[name]()`` right after the module ``name`` is imported.

    A meta path finder (:data:`sys.meta_path`) that wraps the loader of the
    modules it watches, as the post-import hooks of instrumentation libraries
    do; nothing is imported early. (A plain class: ``importlib.abc`` would
    import ``importlib.resources``, ``tempfile`` and ``shutil`` at start.)
    """

    _busy = threading.local()

    def __init__(self, callbacks: Mapping[str, Any]) -> None:
        self.callbacks = dict(callbacks)

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        callback = self.callbacks.get(fullname)
        if callback is None or getattr(self._busy, "active", False):
            return None
        self._busy.active = True
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            self._busy.active = False
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader = _PostImportLoader(spec.loader, callback)
        return spec


class _PostImportLoader:
    def __init__(self, loader: Any, callback: Any) -> None:
        self._loader = loader
        self._callback = callback

    def create_module(self, spec: Any) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        self._loader.exec_module(module)
        self._callback()

    def __getattr__(self, name: str) -> Any:  # get_resource_reader, is_package, ... of the real loader
        return getattr(self._loader, name)


def _hook_pending(name: str) -> bool:
    """``name`` is being imported (by this or another thread) through an :class:`_OnImport` loader: its
    callback runs when the module's code has run."""
    spec = getattr(sys.modules.get(name), "__spec__", None)
    return bool(getattr(spec, "_initializing", False)) and isinstance(getattr(spec, "loader", None),
                                                                      _PostImportLoader)


class _Deferred(_OnImport):
    """The one finder of :func:`when_imported`: in :data:`sys.meta_path` while a callback waits."""

    def __init__(self) -> None:
        super().__init__({})
        self.lock = threading.Lock()


_DEFERRED = _Deferred()


def when_imported(name: str, callback: Callable[[Any], None]) -> None:
    """Call ``callback(module)`` once the module ``name`` is imported: now if it is, else right after its import.

    Parameters
    ----------
    name : str
        The module's full name (``"sagemaker.remote_function.job"``).
    callback : callable
        Called with the module object, once, after the module's code ran. Called later (by the import), an
        exception it raises is logged as a warning on ``safemaker._on_import`` and the import goes on: the
        program's import never fails because of safemaker. Called now (the module is imported), it propagates.

    Notes
    -----
    Nothing is imported by this call. One callback per name: a second call for a name still waiting
    replaces the first (callers register idempotent installers).
    """
    module = sys.modules.get(name)
    if module is not None and not getattr(getattr(module, "__spec__", None), "_initializing", False):
        callback(module)  # imported: its code has run
        return
    with _DEFERRED.lock:
        def run() -> None:
            with _DEFERRED.lock:
                _DEFERRED.callbacks.pop(name, None)
                if not _DEFERRED.callbacks and _DEFERRED in sys.meta_path:
                    sys.meta_path.remove(_DEFERRED)
            try:
                callback(sys.modules[name])
            except Exception as exc:  # noqa: BLE001 - an SDK release whose classes moved: the import goes on
                logger.warning("safemaker: what runs after importing %s failed (%s: %s); the guard still "
                               "decides every request", name, type(exc).__name__, exc)

        _DEFERRED.callbacks[name] = run
        if _DEFERRED not in sys.meta_path:
            sys.meta_path.insert(0, _DEFERRED)
