"""Profile documents: reading and writing TOML, YAML and JSON, failing closed on what a parser would hide.

A key repeated in one mapping is an error in every format (YAML and JSON
parsers keep the last value without a word; TOML forbids it); a YAML
document that expands through aliases (``*anchor``) to more than
:attr:`UniqueKeyLoader.MAX_EXPANDED_VALUES` values is refused before it is
built. Syntax errors name the line and column, never the offending text.
:class:`UniqueKeyLoader` also reads the CLI's request files.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from safemaker import _lazy
from safemaker.errors import ProfileError, ProfileFieldError

from .env import PROFILE_ENV_VAR
from .reporting import HIDDEN, Text, source_error

if TYPE_CHECKING:  # pragma: no cover
    import yaml

    from ._yaml import UniqueKeyLoader

# The parsers are imported by the format that needs them (PyYAML for .yaml/.yml, tomllib for .toml), not
# when the profile package is: a profile from the environment or from JSON (a guarded child's) reads none.


def _tomllib() -> Any:
    if sys.version_info >= (3, 11):  # pragma: no cover - version switch
        import tomllib
    else:  # pragma: no cover - version switch
        import tomli as tomllib
    return tomllib


# ``UniqueKeyLoader`` subclasses PyYAML's loader, so it lives in :mod:`._yaml`, loaded on first use.
__getattr__ = _lazy.attach(__name__, {"UniqueKeyLoader": ("safemaker.profile._yaml", "UniqueKeyLoader")})[0]

TABLE_NAME = "safemaker"
"""Name of the optional table (TOML) / key (YAML, JSON) that holds the profile."""

SUFFIXES = (".toml", ".yaml", ".yml", ".json")
"""File suffixes of a profile document (case-insensitive); the suffix picks the format."""


def _parse_position(message: str) -> str | None:
    match = re.search(r"line (\d+), column (\d+)", message) or re.search(
        r"line (\d+) column (\d+)", message
    )
    if match:
        return f"line {match.group(1)}, column {match.group(2)}"
    return None


class _JsonObject(dict):  # type: ignore[type-arg]
    """A decoded JSON object that remembers how often each repeated key appeared."""

    repeated: dict[str, int]


def _json_object(pairs: list[tuple[str, Any]]) -> _JsonObject:
    """``object_pairs_hook``: keep the pairs as ``json`` would, counting repeated keys."""
    obj = _JsonObject()
    counts: dict[str, int] = {}
    for key, value in pairs:
        counts[key] = counts.get(key, 0) + 1
        obj[key] = value
    obj.repeated = {key: n for key, n in counts.items() if n > 1}
    return obj


def _json_plain(value: Any, path: tuple[str, ...], repeats: list[tuple[str, str, int]]) -> Any:
    """``value`` with plain dicts, collecting ``(key path, key, count)`` of every repeat."""
    if isinstance(value, _JsonObject):
        for key, count in value.repeated.items():
            repeats.append((".".join([*path, key]), key, count))
        return {k: _json_plain(v, (*path, k), repeats) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_plain(v, (*path, str(i)), repeats) for i, v in enumerate(value)]
    return value


def _positions(marks: Sequence[yaml.Mark]) -> str:
    """``lines 2 and 5``; when two share a line, ``line 2, column 6 and line 2, column 12``."""
    lines = [mark.line + 1 for mark in marks]
    if len(set(lines)) == len(lines):
        numbers = [str(n) for n in lines]
        return "lines " + ", ".join(numbers[:-1]) + " and " + numbers[-1]
    places = [f"line {mark.line + 1}, column {mark.column + 1}" for mark in marks]
    return "; ".join(places[:-1]) + " and " + places[-1]


def _repeated_key_error(
    source: str, kind: str, repeats: list[tuple[str, Any, Any]]
) -> ProfileError:
    """One ProfileError for every repeated key (YAML: with its lines; JSON: its key path)."""
    errors = []
    for path, key, where in repeats:
        if kind == "yaml":
            texts = list(dict.fromkeys(key))
            key = texts[0]
            also = f", also written {', '.join(map(repr, texts[1:]))}" if len(texts) > 1 else ""
            found = f"the key {key!r} {len(where)} times in one mapping ({_positions(where)}{also})"
            parser, container = "YAML", "mapping"
        else:
            found = f"the key {key!r} {where} times in one object"
            parser, container = "JSON", "object"
        errors.append(
            ProfileFieldError(
                path,
                Text(found),
                f"each key once per {container} ({parser} keeps only the last value, silently): "
                f"keep one {key!r} entry, merging the values if both are needed",
            )
        )
    return ProfileError(source, errors)


_TOML_REPEAT_FIX = "each key and table once: delete or merge the repeated one at this line"
_TOML_REPEATS = (
    (re.compile(r"Cannot overwrite a value"), "a key or table that is already set"),
    (re.compile(r"Cannot declare .* twice"), "a table declared twice, or over a key already set"),
)


def parse_document(text: str, kind: str, source: str) -> Any:
    """Parse TOML / YAML / JSON text into plain dicts and lists.

    Syntax errors become a ProfileError with a position. A key repeated in one
    mapping is an error in every format (YAML and JSON parsers would otherwise
    keep the last value without a word; TOML forbids it).
    """
    if kind == "toml":
        tomllib = _tomllib()
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            message = str(exc)
            lineno = getattr(exc, "lineno", None)
            colno = getattr(exc, "colno", None)
            where = (
                f"line {lineno}, column {colno}" if lineno else _parse_position(message)
            ) or "(document)"
            reason = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message)
            if getattr(exc, "msg", None):
                reason = exc.msg
            found, expected = f"invalid TOML ({reason})", "a valid TOML document"
            for pattern, what in _TOML_REPEATS:
                if pattern.search(reason):
                    found, expected = f"{what} (TOML: {reason})", _TOML_REPEAT_FIX
                    break
            raise source_error(source, where, Text(found), expected) from None
    if kind == "yaml":
        import yaml

        from ._yaml import UniqueKeyLoader

        loader = UniqueKeyLoader(text)
        try:
            document = loader.get_single_data()
            if loader.repeated_keys:
                repeats = sorted(loader.repeated_keys, key=lambda r: r[2][0].index)
                raise _repeated_key_error(source, "yaml", repeats)
            return document
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(document)"
            # Only problem/context, never the snippet of the offending line.
            reason = (
                " ".join(
                    part
                    for part in (getattr(exc, "context", None), getattr(exc, "problem", None))
                    if part
                )
                or type(exc).__name__
            )
            raise source_error(
                source, where, Text(f"invalid YAML ({reason})"), "a valid YAML document"
            ) from None
        finally:
            loader.dispose()
    try:
        document = json.loads(text, object_pairs_hook=_json_object)
    except json.JSONDecodeError as exc:
        raise source_error(
            source,
            f"line {exc.lineno}, column {exc.colno}",
            Text(f"invalid JSON ({exc.msg})"),
            "a valid JSON document",
        ) from None
    json_repeats: list[tuple[str, str, int]] = []
    document = _json_plain(document, (), json_repeats)
    if json_repeats:
        raise _repeated_key_error(source, "json", json_repeats)
    return document


def profile_mapping(document: Any, source: str, table_hint: str) -> dict[str, Any]:
    """The profile fields of a parsed document: top level, or under ``safemaker``."""
    if not isinstance(document, Mapping):
        raise source_error(
            source,
            "(document)",
            Text(f"a {type(document).__name__}" if document is not None else "an empty document"),
            "a mapping of profile fields (at top level or under " + table_hint + ")",
        )
    if TABLE_NAME not in document:
        return dict(document)
    inner = document[TABLE_NAME]
    if not isinstance(inner, Mapping):
        raise source_error(
            source,
            TABLE_NAME,
            Text(f"a {type(inner).__name__}"),
            f"{table_hint} of profile fields",
        )
    others = [key for key in document if key != TABLE_NAME]
    if others:
        raise ProfileError(
            source,
            [
                ProfileFieldError(
                    str(key),
                    HIDDEN,
                    f"nothing outside {table_hint}: the file has one, so every profile "
                    "field goes inside it",
                )
                for key in others
            ],
        )
    return dict(inner)


def kind_of(path: Path) -> str | None:
    suffix = path.suffix.lower()
    return {".toml": "toml", ".yaml": "yaml", ".yml": "yaml", ".json": "json"}.get(suffix)


TABLE_HINT = {
    "toml": "a [safemaker] table",
    "yaml": "a 'safemaker:' key",
    "json": "a 'safemaker' key",
}


def read_profile_file(path: str | os.PathLike[str]) -> tuple[str, dict[str, Any]]:
    """Read a profile file: ``(source, profile fields)``, ``source`` being the expanded path.

    Raises
    ------
    safemaker.errors.ProfileError
        Missing, unreadable or non-UTF-8 file, unsupported suffix, malformed
        document, repeated key, not a mapping (see :meth:`VpcProfile.from_file`).
    """
    p = Path(os.fspath(path)).expanduser()
    source = str(p)
    kind = kind_of(p)
    if kind is None:
        raise source_error(
            source,
            "(source)",
            Text(f"suffix {p.suffix!r}" if p.suffix else "no suffix"),
            "a .toml, .yaml, .yml or .json file, or 'ssm:<parameter name>'",
        )
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise source_error(
            source,
            "(source)",
            Text("no such file"),
            f"an existing profile file; check the path (or {PROFILE_ENV_VAR}), or start "
            "from examples/profile.toml",
        ) from None
    except UnicodeDecodeError as exc:
        raise source_error(
            source,
            "(source)",
            Text(f"bytes that are not UTF-8 at offset {exc.start}"),
            "a UTF-8 text file",
        ) from None
    except OSError as exc:
        raise source_error(
            source,
            "(source)",
            Text(f"an unreadable file ({exc.strerror or type(exc).__name__})"),
            "a readable profile file",
        ) from None
    document = parse_document(text, kind, source)
    return source, profile_mapping(document, source, TABLE_HINT[kind])


def write_profile_file(path: str | os.PathLike[str], data: Mapping[str, Any]) -> Path:
    """Write profile fields to a TOML, YAML or JSON file (by suffix), replacing it atomically.

    Raises
    ------
    safemaker.errors.ProfileError
        Unsupported suffix, or the file cannot be written (see :meth:`VpcProfile.dump`).
    """
    p = Path(os.fspath(path)).expanduser()
    kind = kind_of(p)
    data = dict(data)
    header = "safemaker VPC profile (see docs/profile.md)"
    if kind == "toml":
        import tomli_w

        text = f"# {header}\n" + tomli_w.dumps(data)
    elif kind == "yaml":
        import yaml

        text = f"# {header}\n" + yaml.safe_dump(data, sort_keys=False, default_flow_style=False)
    elif kind == "json":
        text = json.dumps(data, indent=2) + "\n"
    else:
        raise source_error(
            str(p),
            "(destination)",
            Text(f"suffix {p.suffix!r}" if p.suffix else "no suffix"),
            "a .toml, .yaml, .yml or .json path",
        )
    try:
        import tempfile

        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", dir=p.parent or Path("."))
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, p)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise source_error(
            str(p),
            "(destination)",
            Text(f"an unwritable path ({exc.strerror or type(exc).__name__})"),
            "a writable file path in an existing directory",
        ) from None
    return p
