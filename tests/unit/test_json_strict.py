"""safemaker._json.loads_strict reads a document exactly as ``json.loads`` does, or refuses it.

The oracle is the standard library: ``json.loads`` with a hook on every object's
pairs that refuses a repeated key. ``loads_strict`` reads with jiter first;
whatever jiter refuses is read again by ``json.loads``, so values, number types
(big integers, ``NaN`` / ``Infinity``, which ``json.loads`` reads and a
definition's check then judges as values) and errors stay those of ``json.loads``.
"""

from __future__ import annotations

import json
import math
import random
from typing import Any

import pytest

from safemaker import _json
from safemaker._json import DuplicateKeyError, loads_strict


def _oracle(text: str | bytes) -> tuple[str, Any]:
    """("ok", value), ("dup", key) or ("err", exception type) as the standard library reads ``text`` (a
    document that is not JSON is refused as such, wherever a key repeats in it)."""
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(pairs)
        if len(out) != len(pairs):
            seen: set[str] = set()
            raise _Dup(next(k for k, _ in pairs if k in seen or seen.add(k)))
        return out

    try:
        json.loads(text)  # not JSON: its error, wherever a key repeats
        return "ok", json.loads(text, object_pairs_hook=hook)
    except _Dup as exc:
        return "dup", exc.args[0]
    except ValueError as exc:
        return "err", type(exc)
    except RecursionError:  # too deep for json.loads: loads_strict says so as bad input (a ValueError)
        return "err", ValueError


class _Dup(Exception):
    pass


def _read(text: str | bytes) -> tuple[str, Any]:
    try:
        return "ok", loads_strict(text)
    except DuplicateKeyError as exc:
        return "dup", exc.key
    except (ValueError, RecursionError) as exc:
        return "err", type(exc)


def _same(a: Any, b: Any) -> bool:
    """Equal values of equal types (NaN equal to NaN, -0.0 told from 0.0, key order kept)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def _agree(text: str | bytes) -> None:
    got, want = _read(text), _oracle(text)
    assert got[0] == want[0], (text[:80], got, want)
    if got[0] == "ok":
        assert _same(got[1], want[1]), (text[:80], got, want)
    elif got[0] == "err":
        assert got[1] == want[1], (text[:80], got, want)
    # (of several repeated keys, the oracle names the innermost first; which one is named is
    # test_a_repeated_key_is_named_with_its_place's)


NUMBERS_AND_CONSTANTS = [
    '[NaN, Infinity, -Infinity]', '{"EnableNetworkIsolation": NaN}', "123456789012345678901234567890",
    "-" + "9" * 40, "9007199254740993", "1e400", "-1e400", "1e-400", "-0", "-0.0", "0e0", "1E+2", "0.1",
    "1.7976931348623157e308", "4.9e-324", "12345678901234567890.5", "1.0000000000000000000001", "true",
    "null", '"\\u0000"', '"\\ud83d\\ude00"', '"\\u00e9\\/\\n"', '"é"', ' {"a" :1 , "b":[ ]} ',
]

READ_BY_JSON_ONLY = [
    b'\xef\xbb\xbf{"a": 1}',  # a UTF-8 byte order mark (json.loads of bytes skips it)
    '{"a": 1}'.encode("utf-16"),  # UTF-16 bytes (json.loads of bytes detects the encoding)
    '{"a": 1}'.encode("utf-32-le"),
    '"\\ud800"', b'["\\udfff"]',  # a lone surrogate escape
    "[" * 300 + "]" * 300,  # deeper than jiter's nesting limit
]

NOT_JSON = ["", "{} x", "[1,]", "{'a': 1}", "01", "+1", ".5", "1.", "tru", "nan", '"\t"', "{1: 2}", '{"a"}',
            b"\xff", b'"\xff"', b'"\xed\xa0\x80"', "\ufeff{}",
            "[" * 5000 + "]" * 5000]  # (json.loads: RecursionError)


@pytest.mark.parametrize("text", NUMBERS_AND_CONSTANTS + READ_BY_JSON_ONLY + NOT_JSON)
def test_reads_as_json_loads(text: str | bytes) -> None:
    _agree(text)
    if isinstance(text, str):
        try:
            data = text.encode()
        except UnicodeEncodeError:
            return
        _agree(data)


def test_numbers_keep_their_types() -> None:
    doc = loads_strict('{"i": 1, "f": 1.0, "big": 123456789012345678901234567890, "nan": NaN, "inf": -Infinity}')
    assert [type(doc[k]) for k in ("i", "f", "big", "nan", "inf")] == [int, float, int, float, float]
    assert doc["big"] == 123456789012345678901234567890 and math.isnan(doc["nan"]) and doc["inf"] == -math.inf


@pytest.mark.parametrize("text, key, path", [
    ('{"a": 1, "a": 2}', "a", ""),
    ('{"\\u0061": 1, "a": 2}', "a", ""),  # the same key once decoded
    ('{"Steps": [{"Arguments": {"x": {"K": 1, "K": 1}}}]}', "K", "Steps[0].Arguments.x"),
    (b'{"a": [0, [1, {"b": null, "b": null}]]}', "b", "a[1][1]"),
])
def test_a_repeated_key_is_named_with_its_place(text: str | bytes, key: str, path: str) -> None:
    with pytest.raises(DuplicateKeyError) as exc:
        loads_strict(text)
    assert (exc.value.key, exc.value.path) == (key, path)


def test_a_document_jiter_reads_is_read_in_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("json.loads was called for a document jiter reads")

    monkeypatch.setattr(_json.json, "loads", refused)
    assert loads_strict('{"Steps": [{"Name": "a", "Arguments": {"X": [1, 2.5, null, true]}}]}') == {
        "Steps": [{"Name": "a", "Arguments": {"X": [1, 2.5, None, True]}}]}
    with pytest.raises(AssertionError):
        loads_strict('{"a": 1, "a": 2}')  # an error is located by json.loads


def test_on_object_sees_every_object_innermost_first() -> None:
    seen: list[Any] = []
    assert loads_strict('{"a": {"b": {}}, "c": [{"d": 1}]}', on_object=lambda o: seen.append(dict(o))) == {
        "a": {"b": {}}, "c": [{"d": 1}]}
    assert seen == [{}, {"b": {}}, {"d": 1}, {"a": {"b": {}}, "c": [{"d": 1}]}]


_KEYS = ["a", "b", "c", "Get", "Std:Join", "\\u0061"]


def _document(rnd: random.Random, depth: int = 0) -> str:
    r = rnd.random()
    if depth > 4 or r < 0.3:
        return rnd.choice(['1', '"a"', '-0.5', '1e5', 'null', 'true', '"\\u00e9"', '123456789012345678901', 'NaN',
                           '-Infinity', '"é"', '"x\\"y"', '0'])
    if r < 0.65:
        members = ('"' + rnd.choice(_KEYS) + '": ' + _document(rnd, depth + 1) for _ in range(rnd.randint(0, 4)))
        return "{" + ", ".join(members) + "}"
    return "[" + ",".join(_document(rnd, depth + 1) for _ in range(rnd.randint(0, 4))) + "]"


def test_generated_documents_read_as_json_loads() -> None:
    """3,000 documents (a third of them with tokens inserted or removed): every one reads as the oracle does."""
    rnd = random.Random(13)
    tokens = ["{", "}", "[", "]", ",", ":", '"a"', "1", "-", " ", '"', "\\", "NaN", "00", "\x00", "é"]
    outcomes: set[str] = set()
    for _ in range(3000):
        text = _document(rnd)
        if rnd.random() < 0.35:
            chars = list(text)
            for _ in range(rnd.randint(1, 3)):
                at = rnd.randrange(len(chars) + 1)
                if rnd.random() < 0.4 and chars:
                    del chars[at - 1:at]
                else:
                    chars[at:at] = [rnd.choice(tokens)]
            text = "".join(chars)
        _agree(text)
        _agree(text.encode())
        outcomes.add(_oracle(text)[0])
    assert outcomes == {"ok", "dup", "err"}


def test_a_document_nested_too_deeply_is_a_value_error_that_says_so():
    """json.loads raises RecursionError on ~thousands of levels (not a ValueError): callers that refuse bad JSON
    with a message (a pipeline definition, a state machine) would let it escape as an internal error."""
    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(RecursionError):
        json.loads(deep)   # the oracle: what the standard library does
    with pytest.raises(ValueError, match="nested more deeply than can be read"):
        loads_strict(deep)
    with pytest.raises(ValueError, match="nested more deeply"):
        loads_strict(deep.encode())


def test_a_pipeline_definition_nested_too_deeply_is_refused_with_a_message():
    from safemaker import guard
    from _profiles import make_profile

    deep = '{"Version": "2020-12-01", "Steps": ' + "[" * 100_000 + "]" * 100_000 + "}"
    violations = guard.check("CreatePipeline", {"PipelineName": "p", "RoleArn": "arn:aws:iam::123456789012:role/r",
                                                "PipelineDefinition": deep}, make_profile())
    assert violations and any("nested more deeply" in str(v.found) + v.fix for v in violations), violations
