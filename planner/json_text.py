"""JSON text as ``json.dumps(data, indent=2)`` writes it, several times faster.

The standard library encodes with an indent in pure Python, one generator step per
token: 1.3 s for the 7 MB that ``planner show --json`` prints for 10,000 layers.
Here lists of scalars (shapes, padding pairs) are joined in one step and strings go
through the C escaper. Anything outside plain JSON data (keys that are not strings,
a float subclass, an object with no JSON form) is left to ``json.dumps``, so the text
is always the standard library's; ``tests/test_json_text.py`` compares the two.

>>> print(dumps({"shape": [28, 28, 1], "ok": True, "error": None}))
{
  "shape": [
    28,
    28,
    1
  ],
  "ok": true,
  "error": null
}
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii
from typing import Any

_INF = float("inf")


class _Other(Exception):
    """Data that ``json.dumps`` handles on its own terms."""


def _float(x: float) -> str:
    if x != x:
        return "NaN"
    if x == _INF:
        return "Infinity"
    if x == -_INF:
        return "-Infinity"
    return float.__repr__(x)


def _const(text: str) -> Any:
    return lambda _value: text


# Scalars by exact type (bool before int: ``True`` is an int too).
_SCALARS: dict[type, Any] = {
    str: encode_basestring_ascii,
    int: int.__repr__,
    float: _float,
    type(None): _const("null"),
}


def _bool(value: bool) -> str:
    return "true" if value else "false"


_SCALARS[bool] = _bool


def dumps(data: Any, indent: int = 2) -> str:
    """``json.dumps(data, indent=indent)``, for any data."""
    try:
        return _text(data, "\n", " " * indent, {})
    except (_Other, RecursionError):
        return json.dumps(data, indent=indent)


def _text(value: Any, newline: str, step: str, keys: dict[str, dict[str, str]]) -> str:
    """``value``'s text; ``newline`` is a line break and the indentation of the line
    ``value`` starts on; ``keys`` keeps each key's text per indentation (the layers
    of a network repeat their keys)."""
    scalar = _SCALARS.get(type(value))
    if scalar is not None:
        return scalar(value)  # type: ignore[no-any-return]
    kind = type(value)
    inner = newline + step
    if kind is list or kind is tuple:
        if not value:
            return "[]"
        try:
            texts = [_SCALARS[type(v)](v) for v in value]
        except KeyError:
            texts = [_text(v, inner, step, keys) for v in value]
        return "[" + inner + ("," + inner).join(texts) + newline + "]"
    if kind is dict:
        if not value:
            return "{}"
        prefixes = keys.get(inner)
        if prefixes is None:
            prefixes = keys[inner] = {}
        parts = []
        for key, item in value.items():
            prefix = prefixes.get(key)
            if prefix is None:
                if type(key) is not str:
                    raise _Other
                prefix = prefixes[key] = inner + encode_basestring_ascii(key) + ": "
            scalar = _SCALARS.get(type(item))
            parts.append(
                prefix + (scalar(item) if scalar is not None else _text(item, inner, step, keys))
            )
        return "{" + ",".join(parts) + newline + "}"
    raise _Other
