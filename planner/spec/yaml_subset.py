"""A fast reader for the plain subset of YAML that network files are written in.

PyYAML builds a Python object for every event, node and mark: 2-3 s for a
10,000-layer file. Network files use a small part of YAML: block mappings and
sequences, one-line flow collections (``{type: Conv2D, filters: 8}``, ``[3, 3]``),
plain scalars, simple quoted strings and comments. ``parse`` reads exactly that part
in one pass over the lines and raises ``OutsideSubset`` for anything else (anchors, aliases,
tags, multi-line scalars or collections, documents markers, tabs, escapes, ...), so
the caller falls back to PyYAML, which then reports errors with their lines.

What it returns is what ``yaml.load(text, SafeLoader)`` returns. Given a PyYAML
loader (or resolver) class, plain scalars are resolved with its implicit resolvers
(YAML 1.1: ``yes`` and ``on`` are booleans, ``012`` is octal, ``1e3`` a string) and
built by PyYAML's constructor; a scalar whose resolved type is anything but str, int,
float, bool or null sends the text back to PyYAML. Without one (what planner's loader
reads: PyYAML's safe loader, reading ``None`` as null too), the scalars network files
hold (words, decimal integers and decimals, booleans, nulls) are typed by this module
alone, and any other scalar sends the text back to PyYAML: reading such a file never
imports PyYAML. ``tests/test_yaml_subset.py`` checks the agreement on generated
documents and scalars.

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

_STR = "tag:yaml.org,2002:str"


class OutsideSubset(Exception):
    """The text is outside the subset: PyYAML reads it."""


_Unsupported = OutsideSubset
# The characters PyYAML's reader refuses (``yaml.reader.Reader.NON_PRINTABLE``, the
# same pattern: a test compares them).
NON_PRINTABLE = "[^\t\n\r -~\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
# For ASCII text, the control characters: those, and tabs and line breaks other than
# "\n" (YAML 1.1 has four); for any other text the full pattern, compiled when first
# needed (``_refused``).
_REFUSED_ASCII = re.compile("[\x00-\x09\x0b-\x1f\x7f]")
_REFUSED: list[re.Pattern[str]] = []


def _refused() -> re.Pattern[str]:
    if not _REFUSED:
        _REFUSED.append(re.compile("[\t\r\x85\u2028\u2029\ufeff]|" + NON_PRINTABLE))
    return _REFUSED[0]


# Plain scalars typed without PyYAML, as its safe loader types them (YAML 1.1) with
# ``None`` read as null too. Scalars starting with a letter (or any character no
# implicit resolver of PyYAML starts with) are strings but for these words:
WORDS: dict[str, Any] = {
    **{w: True for w in ("yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON")},
    **{w: False for w in ("no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF")},
    **dict.fromkeys(("null", "Null", "NULL", "~", "", "None")),
}
# PyYAML's other implicit resolvers (``yaml.resolver.Resolver``, the same patterns and
# first characters: a test compares them): a plain scalar they match is not a string.
RESOLVERS: tuple[tuple[str, str, str], ...] = (
    (
        "tag:yaml.org,2002:float",
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
                    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
                    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
                    |[-+]?\.(?:inf|Inf|INF)
                    |\.(?:nan|NaN|NAN))$""",
        "-+0123456789.",
    ),
    (
        "tag:yaml.org,2002:int",
        r"""^(?:[-+]?0b[0-1_]+
                    |[-+]?0[0-7_]+
                    |[-+]?(?:0|[1-9][0-9_]*)
                    |[-+]?0x[0-9a-fA-F_]+
                    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$""",
        "-+0123456789",
    ),
    ("tag:yaml.org,2002:merge", r"^(?:<<)$", "<"),
    (
        "tag:yaml.org,2002:timestamp",
        r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
                    |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
                     (?:[Tt]|[ \t]+)[0-9][0-9]?
                     :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
                     (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""",
        "0123456789",
    ),
    ("tag:yaml.org,2002:value", r"^(?:=)$", "="),
    ("tag:yaml.org,2002:yaml", r"^(?:!|&|\*)$", "!&*"),
)
_NUMERIC_FIRST = frozenset("".join(first for _, _, first in RESOLVERS))
_OTHER: list[re.Pattern[str]] = []  # RESOLVERS' patterns, compiled when first needed
_DECIMAL_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_DECIMAL = re.compile(r"[-+]?[0-9]+\.[0-9]*(?:[eE][-+][0-9]+)?")


def plain_scalar(text: str) -> Any:
    """The value of the plain scalar ``text`` as planner's loader reads it: a string,
    a boolean, null, a decimal integer or a decimal; raises ``OutsideSubset`` for
    the other types (octal, ``1_000``, ``.inf``, timestamps...).

    >>> plain_scalar("3"), plain_scalar("0.5"), plain_scalar("same"), plain_scalar("No")
    (3, 0.5, 'same', False)
    >>> plain_scalar("3D"), plain_scalar("~")
    ('3D', None)
    """
    if text[:1] not in _NUMERIC_FIRST:
        return WORDS.get(text, text)
    if _DECIMAL_INT.fullmatch(text):
        return int(text)
    if _DECIMAL.fullmatch(text):
        return float(text)
    if not _OTHER:
        _OTHER.extend(re.compile(pattern, re.X) for _, pattern, _ in RESOLVERS)
    if any(pattern.match(text) for pattern in _OTHER):
        raise _Unsupported
    return text


# A block line: indentation, then "- " (a sequence item) and/or "key: " (a mapping
# entry). Keys are plain words; the value is the rest of the line.
_ENTRY = re.compile(r"( *)(?:(-)(?: +|$))?(?:([A-Za-z_][A-Za-z0-9_.\-]*):(?: +|$))?(.*)")
# Flow tokens: indicators, simple quoted strings, plain words (no spaces inside).
_FLOW_TOKEN = re.compile(
    r"\s*(?:([\[\]{},])|(:)(?= )|\"([^\"\\]*)\"|'([^']*)'|([A-Za-z0-9_.+\-/]+))"
)
# One-line flow collections of plain words only (most network files): checked whole
# by one pattern, then split with str methods.
# A word as the flat patterns take it: an optional "-", then a character other than
# "-", then any (possessively: no backtracking, the separators are not word
# characters). Other words (a lone "-", "--a") are read by the general flow path.
_WORD = r"-?+[A-Za-z0-9_.+/][A-Za-z0-9_.+\-/]*+"
_FLAT_MAP = re.compile(rf"\{{ *+{_WORD} *+: ++{_WORD}(?: *+, *+{_WORD} *+: ++{_WORD})*+ *+\}}")
_FLAT_LIST = re.compile(rf"\[ *+{_WORD}(?: *+, *+{_WORD})*+ *+\]")
_QUOTED = re.compile(r"\"([^\"\\]*)\"|'([^']*)'")
# Characters a plain scalar may not start with (YAML indicators), and "-", "?", ":"
# followed by a space.
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")


def parse(text: str, max_depth: int = 100, resolver: Any = None) -> Any:
    """The data of ``text`` if it is in the subset (see the module docstring); raises
    ``OutsideSubset`` otherwise. Nesting deeper than ``max_depth`` is left to PyYAML
    (and to the loader's bounds) too. ``resolver`` is the PyYAML loader (or resolver)
    class whose implicit resolvers type the plain scalars; None: ``plain_scalar``."""
    if (_REFUSED_ASCII if text.isascii() else _refused()).search(text):
        raise OutsideSubset
    try:
        return _Reader(text, max_depth, resolver).document()
    except IndexError:  # a flow collection that ends early
        raise OutsideSubset from None


class _Reader:
    def __init__(self, text: str, max_depth: int, resolver: Any):
        self.max_depth = max_depth
        self.resolvers = resolver.yaml_implicit_resolvers if resolver is not None else None
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
        scalars = self.scalars  # memoised scalars, looked up without a call each
        scalar = self.scalar
        if body[0] == "{":
            if _FLAT_MAP.fullmatch(body) is None:
                return None
            out: dict[Any, Any] = {}
            for pair in body[1:-1].split(","):
                key, _, value = pair.partition(":")
                key = key.strip()
                value = value.strip()
                out[scalars[key] if key in scalars else scalar(key)] = (
                    scalars[value] if value in scalars else scalar(value)
                )
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
        if self.resolvers is None:
            value = self.scalars[text] = plain_scalar(text)
            return value
        tag = _STR
        for candidate, pattern in self.resolvers.get(text[:1] if text else "", ()):
            if pattern.match(text):
                tag = candidate
                break
        if tag == _STR:
            value: Any = text
        else:
            from yaml.constructor import SafeConstructor
            from yaml.nodes import ScalarNode

            build = _BUILT.get(tag)
            if build is None:
                raise _Unsupported  # timestamps, merge keys, ...
            value = build(SafeConstructor(), ScalarNode(tag, text))
        self.scalars[text] = value
        return value


# PyYAML's constructors of the scalar types the subset holds, by tag.
_BUILT = {
    "tag:yaml.org,2002:int": lambda c, node: c.construct_yaml_int(node),
    "tag:yaml.org,2002:float": lambda c, node: c.construct_yaml_float(node),
    "tag:yaml.org,2002:bool": lambda c, node: c.construct_yaml_bool(node),
    "tag:yaml.org,2002:null": lambda c, node: c.construct_yaml_null(node),
}


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
