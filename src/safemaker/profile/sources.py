"""pydantic-settings sources of a profile: ``SAFEMAKER_<FIELD>`` variables and the document read.

The loaders set :data:`LOAD` around ``VpcProfile()``; the model's
``settings_customise_sources`` reads it to order the sources (arguments,
then the environment, then the document).
"""

from __future__ import annotations

import contextvars
import json
from dataclasses import dataclass, field
from typing import Any, Mapping

from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource

@dataclass
class LoadContext:
    """What the current load is reading: set around ``VpcProfile()`` by the loaders."""

    source: str
    data: Mapping[str, Any] | None = None
    env: bool = True
    env_fields: dict[str, str] = field(default_factory=dict)


LOAD: contextvars.ContextVar[LoadContext | None] = contextvars.ContextVar(
    "safemaker_profile_load", default=None
)


class ProfileEnvSource(EnvSettingsSource):
    """``SAFEMAKER_<FIELD>`` variables; list fields accept a JSON list or ``a,b,c``."""

    def decode_complex_value(self, field_name: str, field: FieldInfo, value: Any) -> Any:
        text = str(value).strip()
        if text.startswith("["):
            try:
                return json.loads(text)
            except ValueError:
                # Left as a string: validation then reports it as "not a list", naming the
                # variable, instead of pydantic-settings' bare SettingsError.
                return value
        return [part.strip() for part in text.split(",") if part.strip()]


class MappingSource(PydanticBaseSettingsSource):
    """The profile document read from a file, an SSM parameter or a mapping."""

    def __init__(self, settings_cls: type[BaseSettings], data: Mapping[str, Any]) -> None:
        super().__init__(settings_cls)
        self._data = dict(data)

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        # Unknown keys are passed on on purpose: extra="forbid" reports them.
        return dict(self._data)
