"""Reading networks from YAML/JSON files, strings and dicts, with located errors.

A pydantic ``ValidationError`` becomes one ``SpecError`` paragraph naming the file,
the YAML line, the layer and the field, and suggesting the nearest valid key or
layer type for a typo.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from planner.errors import SpecError
from planner.spec.layers import LAYER_CLASSES, TYPE_ALIASES, resolve_type
from planner.spec.network import Network

Path_ = tuple[Any, ...]


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available


def _line_map(root: Any) -> dict[Path_, int]:
    """YAML path (``("layers", 3, "kernel_size")``) -> 1-based line of its key/item."""
    lines: dict[Path_, int] = {}

    def walk(node: Any, path: Path_) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                sub = (*path, key.value)
                lines[sub] = key.start_mark.line + 1
                walk(value, sub)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                sub = (*path, i)
                lines[sub] = item.start_mark.line + 1
                walk(item, sub)

    if root is not None:
        walk(root, ())
    return lines


def parse_text(text: str, source: str = "<string>") -> tuple[Any, dict[Path_, int]]:
    """Parse YAML once: the data and the line of every key and list item."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(
            f"invalid YAML: {problem}",
            source=source,
            line=mark.line + 1 if mark is not None else None,
        ) from None
    finally:
        loader.dispose()
    return data, _line_map(root)


def network_from_data(
    data: Any, source: str = "<data>", lines: dict[Path_, int] | None = None
) -> Network:
    """Validate plain data into a ``Network``, turning errors into ``SpecError``."""
    lines = lines or {}
    if not isinstance(data, dict):
        raise SpecError(
            "a network is a mapping with keys name, framework, input_shape and layers; "
            f"received {type(data).__name__}",
            source=source,
        )
    try:
        return Network.model_validate(data)
    except ValidationError as exc:
        raise _from_validation(exc, data, source, lines) from None
    except SpecError as exc:
        line = None
        if exc.layer:
            for i, layer in enumerate(data.get("layers") or []):
                if isinstance(layer, dict) and layer.get("name") == exc.layer:
                    line = lines.get(("layers", i, exc.field)) or lines.get(("layers", i))
        raise exc.with_context(source=source, line=line) from None


def _layer_label(data: dict[str, Any], index: int) -> str:
    layers = data.get("layers") or []
    item = layers[index] if index < len(layers) else None
    if isinstance(item, dict):
        if item.get("name"):
            return str(item["name"])
        return f"#{index + 1} ({item.get('type', '?')})"
    return f"#{index + 1}"


def _from_validation(
    exc: ValidationError, data: dict[str, Any], source: str, lines: dict[Path_, int]
) -> SpecError:
    messages = []
    first_line = None
    first_layer = None
    first_field = None
    errors = _drop_explained(_clean_locations(exc.errors(include_url=False)), data)
    for err in errors:
        loc = list(err["loc"])
        layer = None
        path: list[Any] = []
        if loc and loc[0] == "layers" and len(loc) > 1 and isinstance(loc[1], int):
            index = loc[1]
            layer = _layer_label(data, index)
            rest = [p for p in loc[2:] if p not in LAYER_CLASSES]
            path = ["layers", index, *rest[:1]]
            field = ".".join(str(p) for p in rest) or None
        else:
            path = loc[:1]
            field = ".".join(str(p) for p in loc) or None
        text = _describe(err, data, loc)
        line = None
        for cut in range(len(path), 0, -1):
            line = lines.get(tuple(path[:cut]))
            if line is not None:
                break
        where = f"layer '{layer}'" if layer else ""
        if field:
            where += (", " if where else "") + f"field '{field}'"
        if line is not None and messages:
            where = f"line {line}, " + where
        messages.append(f"{where}: {text}" if where else text)
        if first_line is None:
            first_line, first_layer, first_field = line, layer, field
    text = messages[0] if len(messages) == 1 else "; ".join(messages[:5])
    if len(messages) > 5:
        text += f"; and {len(messages) - 5} more"
    if len(messages) == 1:
        # The location prefix of a single error lives in the SpecError fields.
        return SpecError(
            _describe(errors[0], data, list(errors[0]["loc"])),
            layer=first_layer,
            field=first_field,
            source=source,
            line=first_line,
        )
    return SpecError(text, source=source, line=first_line)


_SCHEMA_TAGS = {"int", "str", "float", "bool", "list", "tuple", "dict", "none"}


def _clean_locations(errors: list[Any]) -> list[Any]:
    """Drop pydantic's internal union branch names from locations (``int``,
    ``function-before[...]``) and keep one error per cleaned location."""
    out = []
    seen: set[tuple[Any, ...]] = set()
    for err in errors:
        loc = tuple(
            p
            for p in err["loc"]
            if not (
                isinstance(p, str) and ("[" in p or p in _SCHEMA_TAGS or p.startswith("function-"))
            )
        )
        if loc in seen:
            continue
        seen.add(loc)
        out.append({**err, "loc": loc})
    return out


def _drop_explained(errors: list[Any], data: dict[str, Any]) -> list[Any]:
    """Typos first; drop "missing field" errors that a typo'd key explains."""
    typos = {}
    for err in errors:
        if err["type"] == "extra_forbidden":
            loc = list(err["loc"])
            guess = difflib.get_close_matches(str(loc[-1]), _valid_keys(data, loc), n=1)
            if guess:
                typos[(*loc[:-1], guess[0])] = True
    kept = [
        e
        for e in errors
        if not (e["type"] == "missing" and tuple(e["loc"]) in typos)
        and not (e["type"] == "missing" and any(tuple(e["loc"][:-1]) == k[:-1] for k in typos))
    ]
    kept.sort(key=lambda e: e["type"] != "extra_forbidden")
    return kept or errors


def _describe(err: Any, data: dict[str, Any], loc: list[Any]) -> str:
    kind = err["type"]
    received = err.get("input")
    if kind == "extra_forbidden":
        key = str(loc[-1])
        valid = _valid_keys(data, loc)
        field = _field_of(data, loc, key)
        if field is not None:
            # A valid spelling, refused because another spelling of the same field
            # came first: never suggest the key itself.
            others = [k for k in _given_spellings(data, loc, field) if k != key]
            return (
                f"'{key}' and '{others[0] if others else field}' both set the field "
                f"'{field}'; give it once"
            )
        guess = difflib.get_close_matches(key, [k for k in valid if k != key], n=1)
        hint = f"; did you mean '{guess[0]}'?" if guess else ""
        return f"unknown key '{key}'{hint} Valid keys: {', '.join(valid)}"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tag = received.get("type") if isinstance(received, dict) else None
        names = sorted(set(LAYER_CLASSES) | {k for k in TYPE_ALIASES if k[0].isupper()})
        guess = difflib.get_close_matches(str(tag).lower(), list(TYPE_ALIASES), n=1) if tag else []
        hint = f"; did you mean '{guess[0]}'?" if guess else ""
        if tag is None:
            return "every layer needs a 'type' (conv, max_pool, Conv2D, MaxPool2d, ...)"
        return (
            f"unknown layer type '{tag}'{hint} Valid types: {', '.join(names)}, "
            "or a framework class name such as Conv2D, MaxPool2d, ConvTranspose"
        )
    if kind == "missing":
        return f"required field '{loc[-1]}' is missing"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if received is not None and not isinstance(received, dict | list):
        return f"{msg}; received {received!r}"
    return msg


def _layer_class(data: dict[str, Any], loc: list[Any]) -> Any:
    if loc and loc[0] == "layers" and len(loc) > 2 and isinstance(loc[1], int):
        item = (data.get("layers") or [])[loc[1]]
        resolved, _ = resolve_type(item)
        if isinstance(resolved, dict):
            return LAYER_CLASSES.get(resolved.get("type"))
    return None


def _spellings(cls: Any, field: str) -> list[str]:
    alias = cls.model_fields[field].validation_alias
    names = (
        [str(c) for c in alias.choices] if alias is not None and hasattr(alias, "choices") else []
    )
    return [field, *names]


def _field_of(data: dict[str, Any], loc: list[Any], key: str) -> str | None:
    """The field that ``key`` spells in the layer at ``loc`` (None: no field)."""
    cls = _layer_class(data, loc)
    if cls is None:
        return None
    for name in cls.model_fields:
        if key in _spellings(cls, name):
            return name
    return None


def _given_spellings(data: dict[str, Any], loc: list[Any], field: str) -> list[str]:
    cls = _layer_class(data, loc)
    item = (data.get("layers") or [])[loc[1]]
    return [k for k in _spellings(cls, field) if isinstance(item, dict) and k in item]


def _valid_keys(data: dict[str, Any], loc: list[Any]) -> list[str]:
    if loc and loc[0] == "layers" and len(loc) > 2 and isinstance(loc[1], int):
        item = (data.get("layers") or [])[loc[1]]
        resolved, _ = resolve_type(item)
        cls = LAYER_CLASSES.get(resolved.get("type")) if isinstance(resolved, dict) else None
        if cls is not None:
            keys = []
            for name, info in cls.model_fields.items():
                keys.append(name)
                alias = info.validation_alias
                if alias is not None and hasattr(alias, "choices"):
                    keys.extend(str(c) for c in alias.choices if str(c) != name)
            return sorted(set(keys))
    return sorted(Network.model_fields)


def loads(text: str, source: str = "<string>") -> Network:
    """Read a network from YAML (or JSON) text."""
    data, lines = parse_text(text, source)
    return network_from_data(data, source, lines)


def load_path(path: str | Path) -> Network:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"no such file: {p}", source=str(p)) from None
    except IsADirectoryError:
        raise SpecError(f"{p} is a directory, not a network file", source=str(p)) from None
    except UnicodeDecodeError:
        raise SpecError(f"{p} is not a UTF-8 text file", source=str(p)) from None
    return loads(text, source=str(p))
