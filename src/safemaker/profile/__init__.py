"""The VPC profile: which closed network SageMaker work must run in.

A :class:`VpcProfile` names the VPC, its subnets and security groups, the
execution role(s) that may be passed to SageMaker, optional KMS keys and
bucket, and the policy switches (network isolation, inter-container traffic
encryption, notebook root access) whose defaults are the closed ones.

It is loaded from a TOML, YAML or JSON file, from a JSON document in SSM
Parameter Store (the administrator's "shared" profile), or from
``SAFEMAKER_*`` environment variables alone; ``SAFEMAKER_<FIELD>`` variables
always override file and SSM values. :meth:`VpcProfile.discover` builds one
from what EC2 reports about an existing VPC.

Every failure is a :class:`~safemaker.errors.ProfileError` that lists every
bad field at once; nothing is ignored without a word (a misspelt ``SAFEMAKER_*``
variable, a key repeated in a file, a malformed SSM parameter name are errors).
The profile never calls SageMaker.

The package, one concern per module: ``model`` (the model and its loaders),
``fields`` (patterns, field words, pydantic errors to profile errors),
``documents`` (TOML/YAML/JSON parsing with repeated-key and alias limits),
``ssm`` (parameter name rules, ``GetParameter``), ``discovery`` (EC2),
``env`` (the ``SAFEMAKER_*`` variables and the typo detector), ``sources``
(the pydantic-settings sources), ``relaxations`` (variables that loosen the
guard), ``reporting`` (how a problem is shown). What this module exports is
the public API.
"""

from __future__ import annotations

from .documents import SUFFIXES, TABLE_NAME
from .env import DEV_ENV_PREFIX, ENV_PREFIX, OTHER_ENV_VARS, PROFILE_ENV_VAR
from .model import VpcProfile, resolve_profile
from .relaxations import (
    ADMINISTRATOR_FIELDS,
    RELAXING_FIELDS,
    EnvironmentRelaxation,
    ProfileRelaxationWarning,
    environment_replacements,
    refuse_environment_replacements,
)
from .ssm import SSM_PREFIX

__all__ = [
    "VpcProfile",
    "resolve_profile",
    "EnvironmentRelaxation",
    "ProfileRelaxationWarning",
    "RELAXING_FIELDS",
    "ADMINISTRATOR_FIELDS",
    "environment_replacements",
    "refuse_environment_replacements",
    "ENV_PREFIX",
    "OTHER_ENV_VARS",
    "DEV_ENV_PREFIX",
    "PROFILE_ENV_VAR",
    "SSM_PREFIX",
    "TABLE_NAME",
    "SUFFIXES",
]
