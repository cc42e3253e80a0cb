"""Loaded by every Python process that ``safemaker run`` or a guarded process starts (this folder is first on
PYTHONPATH: :mod:`safemaker.bootstrap`).

It turns the process guard on (``import safemaker.auto``) before the program
runs, freezes what that loaded out of the garbage collector's sight
(:func:`_freeze_start_up`), then loads the ``sitecustomize`` module that this
one hides, if any.
A process that cannot be guarded (its Python has no safemaker, or the profile
cannot be loaded) stops with exit status 2 and one line on stderr: it never
runs unguarded.

``safemaker.pth`` (at the root of ``site-packages`` where safemaker is installed)
calls :func:`_activate` too, before any ``sitecustomize``, when
``SAFEMAKER_RUN_PYTHON`` is set: then this module's call finds the guard on.
"""

import os
import sys


def _chain() -> None:
    """Import the next ``sitecustomize`` on sys.path (the one this file hides), if there is one."""
    import importlib.util

    here = os.path.dirname(os.path.abspath(__file__))
    mine = sys.modules.pop("sitecustomize", None)
    saved = list(sys.path)
    try:
        sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
        if importlib.util.find_spec("sitecustomize") is not None:
            import sitecustomize  # noqa: F401
    finally:
        sys.path[:] = saved
        if mine is not None:  # the import of this module completes with this name bound to it
            sys.modules["sitecustomize"] = mine


def _activate() -> None:
    try:
        import safemaker.auto  # noqa: F401
    except ImportError as exc:
        has_it = os.environ.get("SAFEMAKER_RUN_PYTHON")
        hint = f": {has_it} (safemaker run -- {has_it} ...)" if has_it and has_it != sys.executable else ""
        sys.stderr.write(f"safemaker: this Python ({sys.executable}), started by a guarded process (safemaker run, "
                         f"install_process), cannot import safemaker ({exc}); "
                         f"install safemaker into it, or run the program with the Python that has it{hint}\n")
        sys.stderr.flush()
        os._exit(2)
    except Exception as exc:  # a ProfileError, a bad SAFEMAKER_GUARD_MODE: never run unguarded
        sys.stderr.write(f"safemaker: the guard could not be turned on in this child of a guarded process "
                         f"(safemaker run, install_process): {exc}\n")
        sys.stderr.flush()
        os._exit(2)
    _freeze_start_up()


def _freeze_start_up() -> None:
    """Move what the start-up loaded (the guard, its profile, pydantic: ~0.5 s of CPU to import) out of the
    garbage collector's sight (:func:`gc.freeze`), before the program's own code runs.

    Those objects live as long as the process; otherwise every full collection of the program, and the
    collections at exit, walk them again: a guarded ``python -c pass`` used ~0.13 s more CPU (~22%), one that
    makes a boto3 client ~0.19 s more. The program's own objects stay in the collector's sight as in any
    Python; cyclic garbage left by the imports (if any) is not freed, as objects alive at exit never are.
    Called again by the second of ``safemaker.pth`` and this module (it then freezes what came between).
    """
    import gc

    gc.freeze()


if __name__ == "sitecustomize":  # imported by Python at start-up (not as safemaker._run.sitecustomize)
    _activate()
    _chain()
