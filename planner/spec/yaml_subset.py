"""A fast reader for the plain subset of YAML that network files are written in.

PyYAML builds a Python object for every event, node and mark: 2-3 s for a
10,000-layer file. Network files use a small part of YAML: block mappings and
sequences, one-line flow collections (``{type: Conv2D, filters: 8}``, ``[3, 3]``),
plain scalars, simple quoted strings and comments. ``parse`` reads exactly that part
in one pass over the lines and raises ``OutsideSubset`` for anything else (anchors, aliases,
tags, multi-line scalars or collections, documents markers, tabs, escapes, ...), so
the caller falls back to PyYAML, which then reports errors with their lines.

What it returns is what ``yaml.load(text, SafeLoader)`` returns: plain scalars are
resolved with PyYAML's own implicit resolvers (YAML 1.1: ``yes`` and ``on`` are
booleans, ``012`` is octal, ``1e3`` a string) and built by its constructor; a scalar
whose resolved type is anything but str, int, float, bool or null sends the text back
to PyYAML. ``tests/test_yaml_subset.py`` checks the agreement on generated documents.

>>> parse("name: n\\nlayers:\\n- {type: Conv2D, filters: 8, use_bias: no}\\n")
{'name': 'n', 'layers': [{'type': 'Conv2D', 'filters': 8, 'use_bias': False}]}
>>> parse("a: &x 1\\nb: *x\\n")  # aliases: PyYAML's part
Traceback (most recent call last):
...
planner.spec.yaml_subset.OutsideSubset
"""

from __future__ import annotations

import re
from typing import Any

from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode
from yaml.reader import Reader
from yaml.resolver import Resolver

_STR = "tag:yaml.org,2002:str"
_BUILT = {
    "tag:yaml.org,2002:int": SafeConstructor.construct_yaml_int,
    "tag:yaml.org,2002:float": SafeConstructor.construct_yaml_float,
    "tag:yaml.org,2002:bool": SafeConstructor.construct_yaml_bool,
    "tag:yaml.org,2002:null": SafeConstructor.construct_yaml_null,
}


class OutsideSubset(Exception):
    """The text is outside the subset: PyYAML reads it."""


_Unsupported = OutsideSubset
# Characters PyYAML refuses, and line breaks other than "\n" (YAML 1.1 has four);
# for ASCII text the control characters (a much faster search).
_REFUSED = re.compile("[\t\r\x85\u2028\u2029\ufeff]|" + Reader.NON_PRINTABLE.pattern)
_REFUSED_ASCII = re.compile("[\x00-\x09\x0b-\x1f\x7f]")


# A block line: indentation, then "- " (a sequence item) and/or "key: " (a mapping
# entry). Keys are plain words; the value is the rest of the line.
_ENTRY = re.compile(r"( *)(?:(-)(?: +|$))?(?:([A-Za-z_][A-Za-z0-9_.\-]*):(?: +|$))?(.*)")
# Flow tokens: indicators, simple quoted strings, plain words (no spaces inside).
_FLOW_TOKEN = re.compile(
    r"\s*(?:([\[\]{},])|(:)(?= )|\"([^\"\\]*)\"|'([^']*)'|([A-Za-z0-9_.+\-/]+))"
)
# One-line flow collections of plain words only (most network files): checked whole
# by one pattern, then split with str methods.
_WORD = r"(?:[A-Za-z0-9_.+/][A-Za-z0-9_.+\-/]*|-[A-Za-z0-9_.+\-/]+)"
_FLAT_MAP = re.compile(rf"\{{ *{_WORD} *: +{_WORD}(?: *, *{_WORD} *: +{_WORD})* *\}}")
_FLAT_LIST = re.compile(rf"\[ *{_WORD}(?: *, *{_WORD})* *\]")
_QUOTED = re.compile(r"\"([^\"\\]*)\"|'([^']*)'")
# Characters a plain scalar may not start with (YAML indicators), and "-", "?", ":"
# followed by a space.
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")


def parse(text: str, max_depth: int = 100, resolver: type[Resolver] = Resolver) -> Any:
    """The data of ``text`` if it is in the subset (see the module docstring); raises
    ``OutsideSubset`` otherwise. Nesting deeper than ``max_depth`` is left to PyYAML
    (and to the loader's bounds) too. ``resolver`` is the PyYAML loader (or resolver)
    class whose implicit resolvers type the plain scalars."""
    if (_REFUSED_ASCII if text.isascii() else _REFUSED).search(text):
        raise OutsideSubset
    try:
        return _Reader(text, max_depth, resolver.yaml_implicit_resolvers).document()
    except IndexError:  # a flow collection that ends early
        raise OutsideSubset from None


class _Reader:
    def __init__(self, text: str, max_depth: int, resolvers: dict[Any, Any]):
        self.max_depth = max_depth
        self.resolvers = resolvers
        self.scalars: dict[str, Any] = {}
        # (indent, is_item, key, value): one entry per line, or two for "- key: value"
        # (the item, then the mapping entry at the key's column).
        lines: list[tuple[int, bool, str | None, str]] = []
        for raw in text.split("\n"):
            stripped = raw.strip()
            if not stripped or stripped[0] == "#":
                continue
            if raw.startswith(("---", "...", "%")):
                raise _Unsupported
            m = _ENTRY.fullmatch(raw.rstrip())
            assert m is not None  # every line matches: all groups are optional
            indent, dash, key, rest = m.groups()
            column = len(indent)
            if dash is not None:
                if key is None:
                    lines.append((column, True, None, rest))
                    continue
                lines.append((column, True, "", ""))  # an item holding a mapping
                column = m.start(3)
            elif key is None:
                raise _Unsupported  # a bare scalar, a complex key, a multi-line value
            lines.append((column, False, key, rest))
        self.lines = lines
        self.i = 0

    def document(self) -> Any:
        if not self.lines:
            return None
        indent = self.lines[0][0]
        if indent != 0:
            raise _Unsupported
        value = self.block(0, 1)
        if self.i != len(self.lines):
            raise _Unsupported  # a line less indented than its block, or stray
        return value

    def block(self, indent: int, depth: int) -> Any:
        if depth > self.max_depth:
            raise _Unsupported
        if self.lines[self.i][1]:
            return self.sequence(indent, depth)
        return self.mapping(indent, depth)

    def child(self, indent: int, depth: int, item: bool) -> Any:
        """The value after ``key:`` or ``-`` with nothing else on the line: a nested
        block, or null. A sequence may sit at its key's own indentation."""
        lines = self.lines
        if self.i < len(lines):
            below, is_item, _, _ = lines[self.i]
            if below > indent or (below == indent and is_item and not item):
                return self.block(below, depth + 1)
        return None

    def mapping(self, indent: int, depth: int) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        lines = self.lines
        while self.i < len(lines):
            column, is_item, key, rest = lines[self.i]
            if column != indent or is_item:
                if column > indent or (column == indent and is_item and depth == 1):
                    raise _Unsupported
                break
            self.i += 1
            assert key is not None
            name = self.scalar(key)
            if isinstance(name, list | dict):
                raise _Unsupported
            out[name] = self.inline(rest, depth) if rest else self.child(indent, depth, False)
        return out

    def sequence(self, indent: int, depth: int) -> list[Any]:
        out: list[Any] = []
        lines = self.lines
        while self.i < len(lines):
            column, is_item, key, rest = lines[self.i]
            if column != indent or not is_item:
                if column > indent:
                    raise _Unsupported
                break
            self.i += 1
            if key == "":  # "- key: value": the mapping starts on this line
                start = lines[self.i][0]
                if depth + 1 > self.max_depth:
                    raise _Unsupported
                out.append(self.mapping(start, depth + 1))
            elif rest:
                out.append(self.inline(rest, depth))
            else:
                out.append(self.child(indent, depth, True))
        return out

    # --- values on one line ---------------------------------------------------------
    def inline(self, text: str, depth: int) -> Any:
        first = text[0]
        if first in "[{":
            flat = self.flat(text)
            if flat is not None:
                return flat
            tokens = _flow_tokens(text)
            value, end = self.flow(tokens, 0, depth + 1)
            if end != len(tokens):
                raise _Unsupported
            return value
        if first in "\"'":
            m = _QUOTED.match(text)
            if m is None or _comment_or_end(text[m.end() :]) is None:
                raise _Unsupported
            return m.group(1) if m.group(1) is not None else m.group(2)
        if " #" in text:
            text = text[: text.index(" #")].rstrip()
        if (
            (first in _INDICATORS and (first not in "-?:" or len(text) == 1 or text[1] == " "))
            or ": " in text
            or text.endswith(":")
            or "  " in text
        ):
            raise _Unsupported
        return self.scalar(text)

    def flat(self, text: str) -> Any:
        """A one-line flow collection of plain words, or ``None``."""
        if "#" in text:
            return None
        body = text.rstrip()
        scalar = self.scalar
        if body[0] == "{":
            if _FLAT_MAP.fullmatch(body) is None:
                return None
            out: dict[Any, Any] = {}
            for pair in body[1:-1].split(","):
                key, _, value = pair.partition(":")
                out[scalar(key.strip())] = scalar(value.strip())
            return out
        if _FLAT_LIST.fullmatch(body) is None:
            return None
        return [scalar(item.strip()) for item in body[1:-1].split(",")]

    def flow(self, tokens: list[tuple[str, ...]], i: int, depth: int) -> tuple[Any, int]:
        if depth > self.max_depth or i >= len(tokens):
            raise _Unsupported
        opener = tokens[i][0]
        if opener == "[":
            items: list[Any] = []
            i += 1
            while True:
                if tokens[i][0] == "]" and not items:
                    return items, i + 1
                value, i = self.flow_value(tokens, i, depth)
                items.append(value)
                sep = tokens[i][0] if i < len(tokens) else ""
                if sep == "]":
                    return items, i + 1
                if sep != "," or i + 1 >= len(tokens) or tokens[i + 1][0] in (",", "]"):
                    raise _Unsupported
                i += 1
        if opener == "{":
            mapping: dict[Any, Any] = {}
            i += 1
            while True:
                if tokens[i][0] == "}" and not mapping:
                    return mapping, i + 1
                key, i = self.flow_value(tokens, i, depth)
                if isinstance(key, list | dict) or i >= len(tokens) or tokens[i][1] != ":":
                    raise _Unsupported
                value, i = self.flow_value(tokens, i + 1, depth)
                mapping[key] = value
                sep = tokens[i][0] if i < len(tokens) else ""
                if sep == "}":
                    return mapping, i + 1
                if sep != "," or i + 1 >= len(tokens) or tokens[i + 1][0] in (",", "}"):
                    raise _Unsupported
                i += 1
        raise _Unsupported

    def flow_value(self, tokens: list[tuple[str, ...]], i: int, depth: int) -> tuple[Any, int]:
        if i >= len(tokens):
            raise _Unsupported
        bracket, colon, double, single, word = tokens[i]
        if bracket in ("[", "{"):
            return self.flow(tokens, i, depth + 1)
        if word:
            if word == "-":
                raise _Unsupported
            return self.scalar(word), i + 1
        if double or single or (not bracket and not colon):
            # A quoted string (possibly empty: both groups are "" then).
            return (double or single), i + 1
        raise _Unsupported

    def scalar(self, text: str) -> Any:
        """A plain scalar as PyYAML resolves and builds it (memoised per text)."""
        try:
            return self.scalars[text]
        except KeyError:
            pass
        tag = _STR
        for candidate, pattern in self.resolvers.get(text[:1] if text else "", ()):
            if pattern.match(text):
                tag = candidate
                break
        if tag == _STR:
            value: Any = text
        else:
            build = _BUILT.get(tag)
            if build is None:
                raise _Unsupported  # timestamps, merge keys, ...
            value = build(_CONSTRUCTOR, ScalarNode(tag, text))
        self.scalars[text] = value
        return value


_CONSTRUCTOR = SafeConstructor()


def _flow_tokens(text: str) -> list[tuple[str, ...]]:
    """The tokens of the flow collection in ``text`` (a trailing comment dropped);
    a character no token covers makes the text unsupported."""
    if "#" in text:
        cut = text.find(" #")
        if cut < 0 or "#" in text[:cut]:
            raise _Unsupported
        text = text[:cut]
    body = text.rstrip()
    if not body or body[-1] not in "]}":
        raise _Unsupported
    tokens = []
    end = 0
    for m in _FLOW_TOKEN.finditer(body):
        if m.start() != end:
            raise _Unsupported
        end = m.end()
        tokens.append(m.groups(""))
    if end != len(body):
        raise _Unsupported
    return tokens


def _comment_or_end(rest: str) -> str | None:
    rest = rest.rstrip()
    if not rest:
        return ""
    if rest.startswith(" #") or rest.startswith("\t#"):
        return rest
    return None
