"""cfn-lint on a template string, with cfn-lint's rules loaded once per test process.

Not collected by pytest (no ``test_`` prefix). ``cfnlint.api.lint(text)`` builds a new
``Runner``, which loads every rule module and the JSON schemas the rules read, for each
template (~0.5 s of CPU a call; the template's own checks take about as long again); here
the rules of a default ``Runner`` are made on first use and kept. :func:`lint` is
``cfnlint.api.lint`` otherwise (the same decoding, region configuration and
``run_template_by_data`` with those rules, as ``Runner.validate_template`` runs them).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _rules() -> Any:
    """The rules of cfn-lint's default configuration (those ``cfnlint.api.lint`` runs)."""
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    return Runner(ConfigMixIn(regions=["us-east-1"])).rules


def lint(text: str, regions: list[str] | None = None) -> list[Any]:
    """cfn-lint's matches for a JSON or YAML template (``cfnlint.api.lint(text, regions=regions)``)."""
    from cfnlint.config import ConfigMixIn
    from cfnlint.decode.decode import decode_str
    from cfnlint.helpers import REGION_PRIMARY
    from cfnlint.runner import run_template_by_data

    template, errors = decode_str(text)
    if errors:
        return errors
    if template is None:
        return []
    return list(run_template_by_data(template, ConfigMixIn(regions=regions or [REGION_PRIMARY]), _rules()))


def schema_spelling(rtype: str, path: str) -> str:
    """``path`` (an API request path in botocore's spelling: ``routingConfiguration[0].stateMachineVersionArn``) as
    the CloudFormation resource schema of ``rtype`` (cfn-lint's us-east-1 schemas) spells it: each member replaced by
    the schema's property of the same name whatever its case (``$ref`` definitions and list ``items`` followed); a
    name the schema has no property for (a key of a map, a member of a free-form JSON object) is kept as given."""
    import re

    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", rtype).schema
    definitions = schema.get("definitions") or {}

    def resolved(node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            node = definitions[node["$ref"].rsplit("/", 1)[-1]]
        return node if isinstance(node, dict) else {}

    node: Any = schema
    out = ""
    for index, name in re.findall(r"\[(\d+)\]|([^.\[\]]+)", path):
        node = resolved(node)
        if index:
            out += f"[{index}]"
            node = node.get("items") or {}
            continue
        props = node.get("properties") or {}
        spelled = next((k for k in props if k.lower() == name.lower()), None)
        out += f".{spelled or name}" if out else (spelled or name)
        if spelled is not None:
            node = props[spelled]
        else:   # a map's key: its values' schema
            pattern = node.get("patternProperties") or {}
            node = next(iter(pattern.values()), None) or node.get("additionalProperties") or {}
    return out
