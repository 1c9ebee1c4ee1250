"""Edits of YAML text in place, at the exact spans the parser reports.

The fast path of ``planner.files.update_document``: the document is parsed once by
libyaml (``CSafeLoader``), which gives the start and end of every node; the plain
data is reconciled with the new network; then each difference becomes a text edit:
a changed value replaces its own span (a scalar keeps its quoting), an added key
goes after the mapping's last value (``, key: value`` in a flow mapping, a line of
its own in a block one), an added layer is a line (or block) beside its neighbour in
the style of its neighbours, a removed layer's lines are deleted. Everything else in
the text stays byte for byte.

Documents this cannot edit this way (aliases and merge keys, flow-style layer lists
that gain or lose items, moved layers, unusual line breaks) raise ``Unsupported``,
and the caller renders through ruamel.yaml instead.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

import yaml

from planner.spec.loading import Loader as _Loader

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_RESERVED = {"y", "yes", "n", "no", "true", "false", "on", "off", "null", "none", "~"}


class Unsupported(Exception):
    """This document's shape needs the general (ruamel.yaml) path."""


Edit = tuple[int, int, str]  # (start, end, replacement) in character offsets


def edit_in_place(text: str, reconcile: Callable[[dict[str, Any]], None]) -> str:
    """``text`` with the changes that ``reconcile`` makes to its plain data."""
    if any(c in text for c in "\r\x85\u2028\u2029\ufeff"):
        raise Unsupported("line breaks other than \\n")
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        raise Unsupported(str(exc)) from None
    finally:
        loader.dispose()
    if not isinstance(root, yaml.MappingNode) or not isinstance(data, dict):
        raise Unsupported("not a mapping")
    _refuse_shared_nodes(root)
    starts = [0]
    for line in text.split("\n")[:-1]:
        starts.append(starts[-1] + len(line) + 1)

    def at(mark: Any) -> int:
        return starts[mark.line] + mark.column

    top = dict(_pairs(root))
    layers_node = top.get("layers")
    items = data.get("layers")
    originals: dict[int, tuple[Any, dict[str, Any]]] = {}
    if isinstance(layers_node, yaml.SequenceNode) and isinstance(items, list):
        for node, item in zip(layers_node.value, items, strict=True):
            if isinstance(item, dict):
                if not isinstance(node, yaml.MappingNode):
                    raise Unsupported("a layer that is not a mapping")
                originals[id(item)] = (node, copy.deepcopy(item))
    before = copy.deepcopy({k: v for k, v in data.items() if k != "layers"})
    old_items = list(items) if isinstance(items, list) else None

    reconcile(data)

    edits: list[Edit] = []
    edits += _mapping_edits(
        root, before, {k: v for k, v in data.items() if k != "layers"}, text, at
    )
    if ("layers" in data) != (old_items is not None):
        raise Unsupported("layers added or removed as a whole")
    if old_items is not None:
        edits += _sequence_edits(layers_node, old_items, data["layers"], originals, text, at)
    return _apply(text, edits)


def _pairs(node: Any) -> list[tuple[str, Any]]:
    return [(k.value, v) for k, v in node.value]


def _refuse_shared_nodes(root: Any) -> None:
    seen: set[int] = set()
    todo = [root]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            raise Unsupported("aliases")
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == "<<" or key.tag == "tag:yaml.org,2002:merge":
                    raise Unsupported("merge keys")
                todo += [key, value]
        elif isinstance(node, yaml.SequenceNode):
            todo += node.value


def _mapping_edits(
    node: Any, before: dict[str, Any], after: dict[str, Any], text: str, at: Any
) -> list[Edit]:
    """Edits turning mapping ``node`` (whose data was ``before``) into ``after``."""
    edits: list[Edit] = []
    pairs = node.value
    for key_node, value_node in pairs:
        key = key_node.value
        if key not in before:
            continue
        if key not in after:
            edits.append(_remove_pair(node, key_node, value_node, text, at))
        elif after[key] != before[key] or type(after[key]) is not type(before[key]):
            span = (at(value_node.start_mark), at(value_node.end_mark))
            if (
                isinstance(value_node, yaml.MappingNode | yaml.SequenceNode)
                and not value_node.flow_style
            ):
                raise Unsupported("a changed block collection")
            edits.append((*span, render(after[key], value_node)))
    added = [k for k in after if k not in before]
    if added:
        edits.append(_add_pairs(node, [(k, after[k]) for k in added], text, at))
    return edits


def _refuse_open_ended(node: Any) -> None:
    """A block collection ends where the next token starts, not on its last line."""
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and not node.flow_style:
        raise Unsupported("a block collection as the last value")


def _remove_pair(node: Any, key_node: Any, value_node: Any, text: str, at: Any) -> Edit:
    _refuse_open_ended(value_node)
    start, end = at(key_node.start_mark), at(value_node.end_mark)
    if node.flow_style:
        # Remove "key: value" and the comma after it (or before it, for the last one).
        rest = text[end:]
        comma = re.match(r"\s*,\s*", rest)
        if comma:
            return (start, end + comma.end(), "")
        previous = re.search(r",\s*$", text[:start])
        if previous:
            return (previous.start(), end, "")
        return (start, end, "")
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end + 1
    if text[line_start:start].strip() not in ("", "-"):
        raise Unsupported("a key that shares its line")
    if text[line_start:start].strip() == "-":
        raise Unsupported("removing the first key of a block item")
    return (line_start, line_end, "")


def _add_pairs(node: Any, pairs: list[tuple[str, Any]], text: str, at: Any) -> Edit:
    if not node.value:
        raise Unsupported("adding to an empty mapping")
    _refuse_open_ended(node.value[-1][1]) if not node.flow_style else None
    last = at(node.value[-1][1].end_mark)
    if node.flow_style:
        return (last, last, "".join(f", {k}: {render(v)}" for k, v in pairs))
    column = node.value[0][0].start_mark.column
    line_end = text.find("\n", last)
    if line_end < 0:
        return (
            len(text),
            len(text),
            "".join(f"\n{' ' * column}{k}: {render(v)}" for k, v in pairs),
        )
    lines = "".join(f"{' ' * column}{k}: {render(v)}\n" for k, v in pairs)
    return (line_end + 1, line_end + 1, lines)


def _sequence_edits(
    seq: Any,
    old_items: list[Any],
    new_items: list[Any],
    originals: dict[int, tuple[Any, dict[str, Any]]],
    text: str,
    at: Any,
) -> list[Edit]:
    kept = [item for item in new_items if id(item) in originals]
    old_kept = [item for item in old_items if any(item is k for k in kept)]
    if [id(i) for i in kept] != [id(i) for i in old_kept]:
        raise Unsupported("moved layers")
    edits: list[Edit] = []
    for item in kept:
        node, snapshot = originals[id(item)]
        edits += _mapping_edits(node, snapshot, item, text, at)
    structural = len(kept) != len(old_items) or len(new_items) != len(kept)
    if not structural:
        return edits
    if seq.flow_style or not seq.value:
        raise Unsupported("adding or removing items of a flow sequence")
    for item in old_items:
        if not any(item is k for k in kept):
            edits.append(_remove_item(originals[id(item)][0], text, at))
    flow = sum(bool(node.flow_style) for node, _ in originals.values()) * 2 >= len(originals)
    dash = _dash_column(seq.value[0], text, at)
    previous_end: int | None = None
    for position, item in enumerate(new_items):
        if id(item) in originals:
            previous_end = _line_after(originals[id(item)][0], text, at)
            continue
        if previous_end is None:
            following = next((i for i in new_items[position:] if id(i) in originals), None)
            if following is None:
                raise Unsupported("no layer left to place new ones beside")
            start = at(originals[id(following)][0].start_mark)
            previous_end = text.rfind("\n", 0, start) + 1
        edits.append((previous_end, previous_end, _render_item(item, dash, flow)))
    return edits


def _dash_column(node: Any, text: str, at: Any) -> int:
    start = at(node.start_mark)
    line_start = text.rfind("\n", 0, start) + 1
    prefix = text[line_start:start]
    if prefix.strip() != "-":
        raise Unsupported("an item that does not start its line")
    return len(prefix) - len(prefix.lstrip())


def _line_after(node: Any, text: str, at: Any) -> int:
    """Offset of the line after a sequence item (its last value's line)."""
    last = node.value[-1][1] if node.value and not node.flow_style else node
    _refuse_open_ended(last) if last is not node else None
    end = at(last.end_mark)
    line_end = text.find("\n", end)
    if line_end < 0:
        raise Unsupported("an item on the last line without a line break")
    return line_end + 1


def _remove_item(node: Any, text: str, at: Any) -> Edit:
    start = at(node.start_mark)
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip() != "-":
        raise Unsupported("an item that does not start its line")
    return (line_start, _line_after(node, text, at), "")


def _render_item(item: dict[str, Any], dash: int, flow: bool) -> str:
    pad = " " * dash
    if flow:
        body = ", ".join(f"{k}: {render(v)}" for k, v in item.items())
        return f"{pad}- {{{body}}}\n"
    lines = [f"{k}: {render(v)}" for k, v in item.items()]
    return f"{pad}- " + "".join(
        line + "\n" + (f"{pad}  " if i < len(lines) - 1 else "") for i, line in enumerate(lines)
    )


def render(value: Any, like: Any = None) -> str:
    """A value as flow YAML; a string keeps the quoting of the scalar it replaces."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        return {"inf": ".inf", "-inf": "-.inf", "nan": ".nan"}.get(text, text)
    if isinstance(value, str):
        style = getattr(like, "style", None) if isinstance(like, yaml.ScalarNode) else None
        if style == "'":
            return "'" + value.replace("'", "''") + "'"
        if style == '"' or not _PLAIN.match(value) or value.lower() in _RESERVED:
            return json.dumps(value)
        return value
    if isinstance(value, list | tuple):
        return "[" + ", ".join(render(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{render(k)}: {render(v)}" for k, v in value.items()) + "}"
    if value is None:
        return "null"
    raise Unsupported(f"a value of type {type(value).__name__}")


def _apply(text: str, edits: list[Edit]) -> str:
    ordered = sorted(enumerate(edits), key=lambda e: (e[1][0], e[1][1], e[0]))
    out: list[str] = []
    cursor = 0
    for _, (start, end, replacement) in ordered:
        if start < cursor:
            raise Unsupported("overlapping edits")
        out.append(text[cursor:start])
        out.append(replacement)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)
