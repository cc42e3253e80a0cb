"""The ``SAFEMAKER_*`` environment variables: their names, and the typo detector.

A profile field ``<field>`` is overridden by ``SAFEMAKER_<FIELD>`` (as
pydantic-settings matches it: :func:`field_env_names`). Every other
``SAFEMAKER_*`` variable that safemaker reads is in :data:`OTHER_ENV_VARS`.
Loading a profile refuses any ``SAFEMAKER_*`` variable that is neither
(:func:`unknown_env_vars`), except those under :data:`DEV_ENV_PREFIX`, which
belong to safemaker's own test suite and benchmarks and are never read by the
library.
"""

from __future__ import annotations

import difflib
import os
from types import MappingProxyType
from typing import Mapping

from pydantic_settings import BaseSettings

from safemaker.errors import ProfileFieldError
from safemaker.logs import DEBUG_ENV_VAR

from .reporting import Text
from .sources import ProfileEnvSource

ENV_PREFIX = "SAFEMAKER_"
"""Prefix of the per-field environment variables (``SAFEMAKER_REGION`` ...)."""

PROFILE_ENV_VAR = "SAFEMAKER_PROFILE"
"""Environment variable naming the profile source when none is passed."""

OTHER_ENV_VARS: Mapping[str, str] = MappingProxyType(
    {
        PROFILE_ENV_VAR: "the profile source: a file path or ssm:<parameter name>",
        DEBUG_ENV_VAR: "debug output of safemaker's loggers on stderr, in the safemaker command and "
                       "'import safemaker.auto' / 'safemaker run' (safemaker.logs)",
        "SAFEMAKER_DECISION_LOG": "JSON-lines file the guard appends its decisions to",
        "SAFEMAKER_GUARD_MODE": "mode of the process guard turned on by 'import safemaker.auto' and "
                                "'safemaker run': enforce (default) or warn",
        "SAFEMAKER_GUARD_EXCLUSIVE": "1 makes the process guard turned on by 'import safemaker.auto' exclusive "
                                     "(no client or session guard can relax it; refused with "
                                     "SAFEMAKER_GUARD_MODE=warn); set by 'safemaker run'",
        "SAFEMAKER_ENDPOINT_URL": "endpoint URL for the doctor, infra and profile commands",
        "SAFEMAKER_S3_ENDPOINT_URL": "S3 endpoint URL for 'safemaker notebook wheelhouse' (local backend)",
        "SAFEMAKER_STACK": "name of the closed-network stack of 'safemaker infra'",
        "SAFEMAKER_REHEARSAL_NETLOG": "set by a rehearsal in its sandbox: file its network attempts are recorded in",
        "SAFEMAKER_REHEARSAL_CODE_DIR": "set by a rehearsal in its sandbox: the job's code directory",
        "SAFEMAKER_RUN_PYTHON": "set by 'safemaker run' and the process guard: the guarded parent's Python "
                                "(which has safemaker), named by a child Python that cannot import safemaker; "
                                "safemaker.pth turns the guard on in a Python that finds it set",
        "SAFEMAKER_GUARD_PROFILE": "set by the process guard for its child Pythons: the guard's profile as "
                                   "JSON, read by 'import safemaker.auto' (safemaker.bootstrap)",
    }
)
"""Every ``SAFEMAKER_*`` variable the library reads that is not a profile field, and what reads it.

The one list of them: loading a profile refuses any other ``SAFEMAKER_*``
variable that is not a field override either (a typo such as
``SAFEMAKER_SUBNET`` would otherwise be ignored without a word), and is not
under :data:`DEV_ENV_PREFIX`. These are read with this exact spelling
(capitals); field overrides, as pydantic-settings reads them, in any case.
"""

DEV_ENV_PREFIX = "SAFEMAKER_DEV_"
"""Prefix of the variables of safemaker's own development tools, which the library never reads.

The test suite and the benchmarks name their switches ``SAFEMAKER_DEV_<NAME>``
and list them where they read them (``tests/dev_env.py``,
``benchmarks/_offline.py``). The typo detector skips the prefix (in capitals),
so a process they start (a CLI child of a test, a benchmark's
``safemaker audit``) loads its profile with them set. Nothing in ``safemaker``
reads a variable under this prefix, and ``OTHER_ENV_VARS`` lists none.
"""


def env_values(settings_cls: type[BaseSettings]) -> dict[str, str]:
    """Field name -> environment variable name, for every field set in the environment."""
    values = ProfileEnvSource(settings_cls)()
    return {name: f"{ENV_PREFIX}{name.upper()}" for name in values}


def env_raw_values(settings_cls: type[BaseSettings]) -> dict[str, str]:
    """Field name -> the raw text of its ``SAFEMAKER_<FIELD>`` variable, as pydantic-settings read it."""
    source = ProfileEnvSource(settings_cls)
    names = field_env_names(settings_cls)
    raw: dict[str, str] = {}
    for key, value in source.env_vars.items():
        name = names.get(key)
        if name is not None and value is not None:
            raw[name] = value
    return raw



def field_env_names(settings_cls: type[BaseSettings]) -> dict[str, str]:
    """Variable name as pydantic-settings matches it -> field name.

    Built from the model's settings config: ``env_prefix`` + field name,
    lowercased unless ``case_sensitive``. (No ``env_nested_delimiter`` is set,
    so no ``SAFEMAKER_<FIELD>__<KEY>`` form is read; :func:`unknown_env_vars`
    accepts that form only if a delimiter is configured.)
    """
    config = settings_cls.model_config
    prefix = config.get("env_prefix", "")
    case_sensitive = bool(config.get("case_sensitive", False))
    names = {f"{prefix}{name}": name for name in settings_cls.model_fields}
    return names if case_sensitive else {key.lower(): value for key, value in names.items()}


def unknown_env_vars(
    settings_cls: type[BaseSettings], environ: Mapping[str, str] | None = None
) -> list[ProfileFieldError]:
    """One error per ``SAFEMAKER_*`` variable that nothing reads (a typo, most likely).

    A variable is known if pydantic-settings reads it as a field override (see
    :func:`field_env_names`) or if it is one of :data:`OTHER_ENV_VARS`, spelled
    exactly; one under :data:`DEV_ENV_PREFIX` (capitals) is not the library's
    and is skipped. Values are never shown.
    """
    environ = os.environ if environ is None else environ
    config = settings_cls.model_config
    case_sensitive = bool(config.get("case_sensitive", False))
    delimiter = config.get("env_nested_delimiter") or None
    fields = field_env_names(settings_cls)
    # What a user would type: the field variables in capitals (as documented), then the others.
    shown = {
        (key if case_sensitive else key.upper()): name for key, name in fields.items()
    }
    valid = list(shown) + list(OTHER_ENV_VARS)
    problems: list[ProfileFieldError] = []
    for var in sorted(environ):
        if not var.upper().startswith(ENV_PREFIX.upper()) or var in OTHER_ENV_VARS:
            continue
        if var.startswith(DEV_ENV_PREFIX):  # the project's tests and benchmarks: never read here
            continue
        key = var if case_sensitive else var.lower()
        if key in fields:
            continue
        if delimiter and any(
            key.startswith(f + (delimiter if case_sensitive else delimiter.lower()))
            for f in fields
        ):
            continue
        # Compare what follows the shared prefix: the prefix alone would make any two
        # names look alike to difflib.
        cut = len(ENV_PREFIX)
        tails = {name[cut:].upper(): name for name in valid}
        close = difflib.get_close_matches(var[cut:].upper(), list(tails), n=1, cutoff=0.6)
        effect = "its value has no effect"
        if close:
            guess = tails[close[0]]
            if guess in shown:
                effect += f": the field {shown[guess]!r} is not overridden"
            elif guess.upper() == var.upper():
                effect += f": {guess} is read in capitals only"
            hint = f"a variable name safemaker reads; did you mean {guess}? Rename it"
        else:
            hint = "a variable name safemaker reads (" + ", ".join(valid) + "); rename it"
        problems.append(
            ProfileFieldError(
                var,
                Text(f"an environment variable that safemaker does not read ({effect})"),
                f"{hint}, or unset it (unset {var})",
            )
        )
    return problems
