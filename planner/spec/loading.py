"""Reading networks from YAML/JSON files, strings and dicts, with located errors.

A pydantic ``ValidationError`` becomes one ``SpecError`` paragraph naming the file,
the YAML line, the layer and the field, and suggesting the nearest valid key or
layer type for a typo.

YAML is loaded safely (``SafeLoader``: plain data only) and within bounds, checked
before any value is built: at most ``MAX_TEXT_BYTES`` of text, ``MAX_DEPTH`` levels
of nesting, and ``MAX_ALIAS_VALUES`` values produced by aliases (``*name``), so a
"billion laughs" document, whose few lines expand to billions of values through
nested aliases, is refused in milliseconds instead of filling memory. The counting
pass reads the parser's event stream once, keeping the expanded size of every anchor.
Text in the plain subset that network files are written in is read by
``planner.spec.yaml_subset`` instead (to the same data, without aliases or deep
nesting, so within the bounds by construction), many times faster.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from planner.collector import rarely
from planner.errors import ArgumentError, FileError, SpecError, received_text
from planner.spec.layers import LAYER_CLASSES, TYPE_ALIASES, resolve_type
from planner.spec.network import Network
from planner.spec.yaml_subset import OutsideSubset
from planner.spec.yaml_subset import parse as parse_subset

Path_ = tuple[Any, ...]

MAX_TEXT_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 100
MAX_ALIAS_VALUES = 100_000


if TYPE_CHECKING:
    import yaml

_LOADERS: list[Any] = []


def yaml_loader() -> type[yaml.SafeLoader]:
    """planner's PyYAML loader class (``Loader``), made on first use: text in the
    plain subset is read without PyYAML, so a ``show`` of a network file never
    imports it."""
    if not _LOADERS:
        import yaml

        class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
            """Safe YAML (libyaml when available) that also reads Python's ``None`` as
            null, as people paste it from Python code (``output_size: [None, 7]``)."""

        Loader.__module__, Loader.__qualname__ = __name__, "Loader"
        Loader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^None$"), ["N"])
        _LOADERS.append(Loader)
    return _LOADERS[0]


def __getattr__(name: str) -> Any:
    # ``Loader`` (and its old alias ``_Loader``) are made on first use.
    if name in ("Loader", "_Loader"):
        return yaml_loader()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _check_size(text: str, source: str) -> None:
    size = len(text.encode("utf-8", "surrogatepass")) if len(text) * 4 > MAX_TEXT_BYTES else 0
    if size > MAX_TEXT_BYTES:
        raise SpecError(
            f"the text is {size / 1e6:.1f} MB; planner reads network files up to "
            f"{MAX_TEXT_BYTES // (1024 * 1024)} MB",
            source=source,
        )


def check_bounds(text: str, source: str = "<string>") -> None:
    """Refuse YAML text that is too large, too deeply nested or expands too far
    through aliases; every refusal names the limit and the line where it was hit.

    >>> check_bounds("a: &x [1, 2]\\nb: *x\\n")
    >>> check_bounds("[" * 200 + "]" * 200)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    planner.errors.SpecError: <string>:1: the YAML nests more than 100 levels deep; ...
    """
    _check_size(text, source)
    anchors: dict[str, int] = {}
    # One frame per open collection: [values inside so far, its anchor].
    stack: list[list[Any]] = []
    from_aliases = 0
    import yaml

    try:
        for event in yaml.parse(text, Loader=yaml_loader()):
            if isinstance(event, yaml.CollectionStartEvent):
                stack.append([0, event.anchor])
                if len(stack) > MAX_DEPTH:
                    raise SpecError(
                        f"the YAML nests more than {MAX_DEPTH} levels deep; a network "
                        "needs a handful",
                        source=source,
                        line=event.start_mark.line + 1,
                    )
                continue
            if isinstance(event, yaml.CollectionEndEvent):
                count, anchor = stack.pop()
                size_ = count + 1
            elif isinstance(event, yaml.ScalarEvent):
                size_, anchor = 1, event.anchor
            elif isinstance(event, yaml.AliasEvent):
                size_, anchor = anchors.get(event.anchor, 1), None
                from_aliases += size_
                if from_aliases > MAX_ALIAS_VALUES:
                    raise SpecError(
                        f"its aliases (*{event.anchor} and others) expand to more than "
                        f"{MAX_ALIAS_VALUES:,} values; planner refuses such documents "
                        "(an alias bomb?). Write the values out, or use fewer nested aliases",
                        source=source,
                        line=event.start_mark.line + 1,
                    )
            else:
                continue
            if anchor is not None:
                anchors[anchor] = size_
            if stack:
                stack[-1][0] += size_
    except yaml.YAMLError as exc:
        # Newer libyaml (PyYAML 6.0.4) stops deep nesting itself, looking ahead of the
        # events counted above: the same refusal, in the same words.
        if "maximum nesting depth" in str(exc):
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            raise SpecError(
                f"the YAML nests more than {MAX_DEPTH} levels deep; a network needs a handful",
                source=source,
                line=mark.line + 1 if mark is not None else None,
            ) from None
        return  # the loader reports syntax errors with their line


def _line_map(root: Any) -> dict[Path_, int]:
    """YAML path (``("layers", 3, "kernel_size")``) -> 1-based line of its key/item.

    A node reached again through an alias is not walked again: its lines are those
    of its anchor, and walking it once per alias would grow with the expansion.
    """
    import yaml

    lines: dict[Path_, int] = {}
    seen: set[int] = set()
    todo: list[tuple[Any, Path_]] = [(root, ())] if root is not None else []
    while todo:
        node, path = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                sub = (*path, key.value)
                lines.setdefault(sub, key.start_mark.line + 1)
                todo.append((value, sub))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                sub = (*path, i)
                lines.setdefault(sub, item.start_mark.line + 1)
                todo.append((item, sub))
    return lines


class _LinesOf(Mapping[Path_, int]):
    """The line map of a text, made on first use: only an error needs it, and
    composing the YAML with marks costs more than reading it."""

    def __init__(self, text: str):
        self._text = text
        self._lines: dict[Path_, int] | None = None

    def _map(self) -> dict[Path_, int]:
        if self._lines is None:
            import yaml

            loader = yaml_loader()(self._text)
            try:
                self._lines = _line_map(loader.get_single_node())
            except yaml.YAMLError:  # not expected of text in the subset: no lines then
                self._lines = {}
            finally:
                loader.dispose()
        return self._lines

    def __getitem__(self, key: Path_) -> int:
        return self._map()[key]

    def __iter__(self) -> Iterator[Path_]:
        return iter(self._map())

    def __len__(self) -> int:
        return len(self._map())


def parse_text(text: str, source: str = "<string>") -> tuple[Any, Mapping[Path_, int]]:
    """Parse YAML once, within bounds: the data and the line of every key and item.

    Text in the plain subset that network files use is read by
    ``planner.spec.yaml_subset`` (no aliases, bounded nesting: within the bounds by
    construction), its line map made only if an error asks for a line; any other
    text by PyYAML, after ``check_bounds``.
    """
    _check_size(text, source)
    try:
        return parse_subset(text, MAX_DEPTH), _LinesOf(text)
    except OutsideSubset:
        pass
    import yaml

    check_bounds(text, source)
    loader = yaml_loader()(text)
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
    data: Any, source: str = "<data>", lines: Mapping[Path_, int] | None = None
) -> Network:
    """Validate plain data into a ``Network``, turning errors into ``SpecError``."""
    lines = {} if lines is None else lines
    if not isinstance(data, dict):
        what = "an empty document" if data is None else received_text(data)
        raise SpecError(
            "a network is a mapping with keys name, framework, input_shape and layers; "
            f"received {what}",
            source=source,
        )
    try:
        return Network.model_validate(data)
    except ValidationError as exc:
        raise _from_validation(exc, data, source, lines) from None
    except SpecError as exc:
        line = None
        field = exc.field
        if exc.layer:
            for i, name in enumerate(_layer_names(data)):
                layer = data["layers"][i]
                if name == exc.layer and isinstance(layer, dict):
                    field = _written_key(layer, exc.field)
                    line = lines.get(("layers", i, field)) or lines.get(("layers", i))
        if field != exc.field:
            exc = replace(exc, field=field)
        raise exc.with_context(source=source, line=line) from None


def _layer_names(data: dict[str, Any]) -> list[str | None]:
    """The name of each item of ``data["layers"]`` as the network names it, generated
    names included (``conv2d_1``), so that errors about unnamed layers find their line."""
    from planner.spec.network import FRAMEWORK_ALIASES, INPUT_NAME, _assign_names

    items = data.get("layers")
    shape = data.get("input_shape")
    if not isinstance(items, list):
        return []
    names: list[str | None] = [
        item.get("name") if isinstance(item, dict) and isinstance(item.get("name"), str) else None
        for item in items
    ]
    try:
        layers = []
        for item in items:
            resolved, _ = resolve_type(item)
            cls = LAYER_CLASSES[resolved["type"]]
            known = {k: v for k, v in resolved.items() if k in ("name", "op")}
            layers.append(cls.model_construct(**known))
        skip = 1 if layers and layers[0].type == "input" else 0
        input_name = (layers[0].name if skip else None) or data.get("input_name") or INPUT_NAME
        if not isinstance(shape, list) and skip:
            shape = resolve_type(items[0])[0].get("shape")
        rank = len(shape) - 1 if isinstance(shape, list) else 2
        ranks = [rank] * len(layers[skip:])  # names only: a rank change later is rare
        framework = str(data.get("framework") or "keras").lower()
        framework = FRAMEWORK_ALIASES.get(framework, framework)
        return names[:skip] + list(_assign_names(layers[skip:], ranks, input_name, framework))
    except Exception:  # a malformed list: only the names written out are known
        return names


def _written_key(item: dict[str, Any], field: str | None) -> str | None:
    """The key the user wrote for a layer's canonical ``field`` (``dilation_rate``
    for ``dilation``), so that errors name what is in the file."""
    if field is None or field in item:
        return field
    resolved, _ = resolve_type(item)
    cls = LAYER_CLASSES.get(resolved.get("type")) if isinstance(resolved, dict) else None
    info = cls.model_fields.get(field) if cls is not None else None
    alias = info.validation_alias if info is not None else None
    choices = [str(c) for c in getattr(alias, "choices", [])]
    if field in ("scale", "output_size"):
        choices.append("size")  # UpSample: Keras' factor, PyTorch's output size
    return next((key for key in choices if key in item), field)


def _layer_label(data: dict[str, Any], index: int) -> str:
    layers = data.get("layers") or []
    item = layers[index] if index < len(layers) else None
    if isinstance(item, dict):
        if isinstance(item.get("name"), str) and item["name"]:
            return item["name"]
        kind = item.get("type")
        return f"#{index + 1} ({kind})" if isinstance(kind, str) and kind else f"#{index + 1}"
    return f"#{index + 1}"


def _part(p: Any) -> str:
    """A location part as the user wrote it: YAML's null key (``? : x``) is ``null``."""
    return "null" if p is None else str(p)


def _split_tuple(data: dict[str, Any], lines: dict[Path_, int], source: str) -> SpecError | None:
    """``{kernel_size: (3, 3)}``: inside a flow mapping YAML splits the tuple at its
    commas (``'(3'`` and a key ``'3)'``). Say so once instead of three puzzling errors."""
    for index, item in enumerate(data.get("layers") or []):
        if not isinstance(item, dict):
            continue
        for key, value in item.items():
            if isinstance(value, str) and value.lstrip().startswith("(") and ")" not in value:
                return SpecError(
                    f"YAML split a tuple at its commas inside {{...}}: write it as a list "
                    f"([3, 3]) or quote it ('(3, 3)'); received {value!r} and the keys after it",
                    layer=_layer_label(data, index),
                    field=str(key),
                    source=source,
                    line=lines.get(("layers", index, key)) or lines.get(("layers", index)),
                )
    return None


def _from_validation(
    exc: ValidationError, data: dict[str, Any], source: str, lines: Mapping[Path_, int]
) -> SpecError:
    split = _split_tuple(data, lines, source)
    if split is not None:
        return split
    located = []  # (layer, field, root field, line, text, root value)
    errors = _drop_explained(_clean_locations(exc.errors(include_url=False)), data)
    for err in errors:
        loc = list(err["loc"])
        layer = None
        root_value: Any = None
        if loc and loc[0] == "layers" and len(loc) > 1 and isinstance(loc[1], int):
            index = loc[1]
            layer = _layer_label(data, index)
            rest = [p for p in loc[2:] if p not in LAYER_CLASSES]
            path: list[Any] = ["layers", index, *rest[:1]]
            field = ".".join(map(_part, rest)) or None
            if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
                field = "type"
            item = _item(data, index)
            root = field.split(".")[0] if field else None
            if isinstance(item, dict) and root in item:
                root_value = item[root]
        else:
            path = loc[:1]
            field = ".".join(map(_part, loc)) or None
            root = _part(loc[0]) if loc else None
            root_value = data.get(root) if root else None
        line = None
        for cut in range(len(path), 0, -1):
            line = lines.get(tuple(path[:cut]))
            if line is not None:
                break
        located.append((layer, field, root, line, _describe(err, data, loc), root_value))
    groups = {(layer, root) for layer, _, root, *_ in located}
    if len(groups) == 1:
        # One value is wrong (pydantic may report it once per union branch): one
        # message whose location lives in the SpecError fields.
        layer, field, root, line, text, value = located[0]
        if len(located) > 1:
            field = root
            if value is not None and "received" not in text:
                text += f"; received {received_text(value)}"
        return SpecError(text, layer=layer, field=field, source=source, line=line)
    messages = []
    layers = {layer for layer, *_ in located}
    one_layer = layers.pop() if len(layers) == 1 else None
    for layer, field, _, line, text, _ in located:
        where = f"layer '{layer}'" if layer and not one_layer else ""
        if field:
            where += (", " if where else "") + f"field '{field}'"
        if line is not None and messages:
            where = f"line {line}, " + where
        messages.append(f"{where}: {text}" if where else text)
    text = "; ".join(messages[:5])
    if len(messages) > 5:
        text += f"; and {len(messages) - 5} more"
    return SpecError(
        text,
        layer=one_layer,
        source=source,
        line=located[0][3],
    )


def _item(data: dict[str, Any], index: int) -> Any:
    layers = data.get("layers")
    return layers[index] if isinstance(layers, list) and index < len(layers) else None


_SCHEMA_TAGS = {"int", "str", "float", "bool", "list", "tuple", "dict", "none"}
_SCHEMA_BRANCH = re.compile(r"^[a-z][a-z-]*\[.*\]$")  # function-before[...], list[...]


def _clean_locations(errors: list[Any]) -> list[Any]:
    """Drop pydantic's internal union branch names from locations (``int``,
    ``function-before[...]``) and keep one error per cleaned location. The key of an
    unknown-key error is the user's own, whatever it looks like."""
    out = []
    seen: set[tuple[Any, ...]] = set()
    for err in errors:
        raw = err["loc"]
        users = len(raw) - 1 if err["type"] == "extra_forbidden" else len(raw)
        loc = tuple(
            p
            for i, p in enumerate(raw)
            if i >= users
            or not (
                isinstance(p, str)
                and (_SCHEMA_BRANCH.match(p) or p in _SCHEMA_TAGS or p.startswith("function-"))
            )
        )
        if err["type"] == "invalid_key" and loc:
            # pydantic writes the key as str(key): YAML's null key would read 'None'.
            loc = (*loc[:-1], "null" if err.get("input") is None else str(err.get("input")))
        if loc in seen:
            continue
        seen.add(loc)
        out.append({**err, "loc": loc})
    return out


def _drop_explained(errors: list[Any], data: dict[str, Any]) -> list[Any]:
    """Typos first; drop "missing field" errors that a typo'd key explains."""
    import difflib  # only errors need it

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
    import difflib  # only errors need it

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
    if tuple(loc) == ("input_shape",) and kind in ("too_short", "list_type"):
        return (
            "input_shape lists the channel axis and at least one spatial axis, without the "
            "batch axis: [28, 28, 1] (channels_last) or [1, 28, 28] (channels_first); "
            f"received {received_text(received_value(data, 'input_shape'))}"
        )
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if received is not None and not isinstance(received, dict | list):
        return f"{msg}; received {received!r}"
    return msg


def received_value(data: dict[str, Any], key: str) -> Any:
    return data.get(key) if isinstance(data, dict) else None


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
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise SpecError("the text is not UTF-8", source=source) from None
    if not isinstance(text, str):
        raise ArgumentError(
            f"planner.loads takes YAML or JSON text (str); received {received_text(text)}. "
            "To read a file or a preset use planner.load(path)",
            field="text",
        )
    with rarely():
        data, lines = parse_text(text, source)
        return network_from_data(data, source, lines)


def read_text(path: str | Path) -> str:
    """A network file's text, with one clear error for each way reading can fail."""
    p = Path(path) if not isinstance(path, Path) else path  # for messages: a//b is a/b
    try:
        with open(p, "rb") as handle:
            raw = handle.read(MAX_TEXT_BYTES + 1)
    except FileNotFoundError:
        parent = p.parent
        if str(parent) not in ("", ".") and not parent.is_dir():
            what = "is a file" if parent.exists() else "does not exist"
            raise FileError(
                f"no such file: {p} (the directory {parent} {what})", source=str(p)
            ) from None
        raise FileError(f"no such file: {p}", source=str(p)) from None
    except IsADirectoryError:
        raise FileError(
            f"{p} is a directory; give a network file (.yaml, .yml or .json) or a preset name",
            source=str(p),
        ) from None
    except PermissionError:
        raise FileError(f"cannot read {p}: permission denied", source=str(p)) from None
    except OSError as exc:
        raise FileError(f"cannot read {p}: {exc.strerror or exc}", source=str(p)) from None
    if len(raw) > MAX_TEXT_BYTES:
        raise SpecError(
            f"{p} is larger than {MAX_TEXT_BYTES // (1024 * 1024)} MB; planner reads network "
            "files up to that size",
            source=str(p),
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(
            f"{p} is not a UTF-8 text file (byte {exc.start} is {raw[exc.start]:#04x})",
            source=str(p),
        ) from None


def load_path(path: str | Path) -> Network:
    return loads(read_text(path), source=str(path))
