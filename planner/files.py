"""Files that keep what the user wrote: atomic writes and round-trip YAML.

Writing (``write_text``, ``write_network``):

- atomic: the text goes to a hidden temporary file in the target's own directory,
  is flushed to disk (``fsync``) and renamed over the target, so a crash or a full
  disk leaves the old file or the new one, never half of each; the temporary file
  is removed on any failure, and errors name the real file, never the temporary one;
- the target keeps its permission bits (and owner, where allowed): a 0644 file
  stays 0644; a new file gets the usual ``0666 & ~umask``;
- a symbolic link stays a link: the write goes to the file it points to (a file with
  several hard links is replaced, like every atomic save: its other names keep the
  old text);
- an existing file is replaced only when asked (``overwrite=True``; ``--force`` on
  the command line); ``-`` means standard output.

Saving a network into a file that already holds one (``update_document``) changes
only what changed and keeps everything else the user wrote: comments, key order,
flow or block style, quoting, indentation and spellings (``Conv2D`` stays
``Conv2D``, ``size`` stays ``size``, ``stride`` stays ``stride``). The user's
document is reconciled with the new network: layers are matched by name; a changed
field is written under the key the user used for it; added layers are inserted in
place (in the style of their neighbours), removed ones deleted, moved ones moved,
and top-level fields (``name``, ``input_shape``...) updated. Two ways to write the
edits, the first that works:

1. in place (``planner.yaml_edits``): each difference becomes an edit of the text at
   the span libyaml reports for its node; everything else stays byte for byte;
2. ruamel.yaml, for documents the first cannot edit (aliases, merge keys, moved
   layers, flow-style layer lists that grow...): it renders the edited document, and
   the changed lines are transplanted into the user's text, so lines ruamel would
   render differently but that did not change are kept byte for byte.

The result is checked by loading it back: it must describe exactly the new network,
otherwise planner writes layer names out explicitly, and as a last resort writes the
network plainly (it never writes a file that means something else).

``planner fix --apply`` and the terminal UI's save both go through ``write_network``.

>>> import planner
>>> text = "# mine\\nname: n  # keep\\ninput_shape: [28, 28, 1]\\nlayers:\\n" \\
...        "- {type: Conv2D, filters: 8, kernel_size: 3, strides: 1, name: c}\\n"
>>> net = planner.loads(text)
>>> data = net.to_data(); data["layers"][0]["strides"] = 2
>>> print(update_document(text, planner.load(data)), end="")
# mine
name: n  # keep
input_shape: [28, 28, 1]
layers:
- {type: Conv2D, filters: 8, kernel_size: 3, strides: 2, name: c}
"""

from __future__ import annotations

import contextlib
import difflib
import io
import itertools
import json
import os
import re
import secrets
import sys
from pathlib import Path
from typing import Any

from planner.errors import FileError, PlannerError
from planner.spec.layers import UpSample, resolve_type
from planner.spec.network import DEFAULT_DATA_FORMAT, Network
from planner.spec.values import plain

__all__ = ["network_text", "update_document", "write_network", "write_text"]

STDOUT = "-"


# --- atomic writes -------------------------------------------------------------------


def write_text(path: str | Path, text: str, *, overwrite: bool = False) -> Path:
    """Write ``text`` to ``path`` atomically (see the module docstring); ``-`` writes
    to standard output. Returns the path written (for a link: the link's path)."""
    return write_bytes(path, text.encode("utf-8"), overwrite=overwrite)


def write_bytes(path: str | Path, data: bytes, *, overwrite: bool = False) -> Path:
    """``write_text`` for bytes (a PNG, say): atomic, keeping mode and links."""
    if str(path) == STDOUT:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return Path(STDOUT)
    link = Path(path)
    if os.path.lexists(link) and not overwrite:
        raise FileError(
            f"{link} exists; planner replaces a file only when told to "
            "(overwrite=True in Python, --force on the command line)",
            source=str(link),
            field="overwrite",
        )
    target = Path(os.path.realpath(link))
    shown = str(link) if target == link.absolute() else f"{link} (a link to {target})"
    if target.is_dir():
        raise FileError(f"cannot write {shown}: it is a directory", source=str(link))
    directory = target.parent
    if not directory.is_dir():
        raise FileError(
            f"cannot write {shown}: the directory {directory} does not exist", source=str(link)
        )
    try:
        old = target.stat()
    except FileNotFoundError:
        old = None
    except OSError as exc:
        raise FileError(f"cannot write {shown}: {exc.strerror}", source=str(link)) from None
    tmp = None
    try:
        tmp, fd = _create_temporary(directory, target.name)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if old is not None:
            os.chmod(tmp, old.st_mode & 0o7777)
            if hasattr(os, "chown"):
                # Not allowed to give the file away: then it stays ours.
                with contextlib.suppress(OSError):
                    os.chown(tmp, old.st_uid, old.st_gid)
        os.replace(tmp, target)
        tmp = None
        _sync_directory(directory)
    except OSError as exc:
        raise FileError(f"cannot write {shown}: {exc.strerror or exc}", source=str(link)) from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return link


def _create_temporary(directory: Path, name: str) -> tuple[Path, int]:
    """A new hidden file beside the target, created with mode 0666 & ~umask."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = directory / f".{name}.{secrets.token_hex(4)}.tmp"
        try:
            return tmp, os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {directory / name}")


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable (best effort: not every system allows it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


# --- networks as text ----------------------------------------------------------------


def network_text(net: Network, original: str | None = None, *, json_format: bool = False) -> str:
    """``net`` as YAML (or JSON); given the ``original`` text of the file it came from,
    that text with only the changed values edited (``update_document``)."""
    if original is not None and original.strip():
        return update_document(original, net)
    if json_format:
        return json.dumps(net.to_data(), indent=2) + "\n"
    return _plain_yaml(net)


def write_network(
    net: Network,
    path: str | Path,
    *,
    overwrite: bool = False,
    original: str | None = None,
) -> Path:
    """Save ``net`` to ``path`` atomically; ``-`` writes it to standard output.

    An existing file is replaced only with ``overwrite=True``, and then keeps the
    user's text: only the values that differ from ``net`` change. ``original`` gives
    the text to edit instead (the file the network was loaded from, when saving
    elsewhere). A new ``.json`` file gets JSON, anything else YAML.
    """
    from planner.arguments import require_network

    require_network(net, "planner.write_network")
    if not isinstance(path, str | os.PathLike):
        from planner.errors import ArgumentError, received_text

        raise ArgumentError(
            f"planner.write_network: path is a file path (str or Path) or '-' for standard "
            f"output; received {received_text(path)}",
            field="path",
        )
    if original is None and overwrite and str(path) != STDOUT and os.path.isfile(path):
        from planner.spec.loading import read_text

        try:
            original = read_text(path)
        except PlannerError:
            original = None
    text = network_text(net, original, json_format=str(path).lower().endswith(".json"))
    return write_text(path, text, overwrite=overwrite)


def _plain_yaml(net: Network) -> str:
    import yaml

    return yaml.safe_dump(net.to_data(), sort_keys=False, default_flow_style=None, width=100)


# --- round trip: reconcile the user's document with a new network ---------------------


def update_document(text: str, net: Network) -> str:
    """The user's YAML or JSON ``text`` edited to describe ``net``, changing only the
    values that differ (see the module docstring). Text that is not a valid network
    is replaced by ``net`` written plainly."""
    from planner.spec.loading import loads

    def plain() -> str:
        # Written only when the text cannot be edited in place (on 1,000 layers,
        # dumping the whole network is half the cost of a save).
        return json.dumps(net.to_data(), indent=2) + "\n" if _is_json(text) else _plain_yaml(net)

    try:
        old = loads(text)
    except PlannerError:
        return plain()
    from ruamel.yaml.error import YAMLError

    from planner.yaml_edits import Unsupported

    want = net.to_data()
    for explicit_names in (False, True):
        for way in (_edited_in_place, _rendered):
            try:
                candidate = way(text, old, net, explicit_names)
            except (Unsupported, _Unreconcilable, PlannerError, YAMLError):
                continue
            try:
                if loads(candidate).to_data() == want:
                    return candidate
            except PlannerError:
                continue
    return plain()


class _Unreconcilable(Exception):
    """The document's shape is not one this module edits in place."""


def _edited_in_place(text: str, old: Network, new: Network, explicit_names: bool) -> str:
    """The edits written at libyaml's node spans (``planner.yaml_edits``)."""
    from planner.yaml_edits import Unsupported, edit_in_place

    if _is_json(text):
        raise Unsupported("JSON is rewritten whole")
    return edit_in_place(
        text,
        lambda doc: _reconcile(doc, old, new, explicit_names, flow_items=False, make_map=dict),
    )


def _rendered(text: str, old: Network, new: Network, explicit_names: bool) -> str:
    if _is_json(text):
        doc = json.loads(text)
        _reconcile(doc, old, new, explicit_names, flow_items=False, make_map=dict)
        indent = _json_indent(text)
        return json.dumps(doc, indent=indent, ensure_ascii=False) + "\n"
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    mapping, sequence, offset = _guess_indent(text)
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    doc = yaml.load(text)
    before = _dump(yaml, doc)
    layers = doc.get("layers") if isinstance(doc, dict) else None
    flow = bool(layers) and sum(_is_flow(item) for item in layers) * 2 >= len(layers)
    _reconcile(doc, old, new, explicit_names, flow_items=flow, make_map=CommentedMap)
    return _transplant(text, before, _dump(yaml, doc))


def _dump(yaml: Any, doc: Any) -> str:
    buffer = io.StringIO()
    yaml.dump(doc, buffer)
    return buffer.getvalue()


def _is_json(text: str) -> bool:
    if not text.lstrip().startswith("{"):
        return False
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def _json_indent(text: str) -> int | None:
    match = re.search(r"\n( +)\"", text)
    return len(match.group(1)) if match else None


def _guess_indent(text: str) -> tuple[int, int, int]:
    """(mapping indent, sequence indent, dash offset) as ruamel.yaml counts them."""
    mapping, offset = 2, 0
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    found_map = found_seq = False
    for previous, line in itertools.pairwise(lines):
        if not re.match(r"^\s*[^\s#-][^#]*:\s*(#.*)?$", previous):
            continue  # only a "key:" line opens a nested block
        parent = len(previous) - len(previous.lstrip())
        indent = len(line) - len(line.lstrip())
        if line.lstrip().startswith("- ") and not found_seq:
            offset, found_seq = max(indent - parent, 0), True
        elif not line.lstrip().startswith("- ") and indent > parent and not found_map:
            mapping, found_map = indent - parent, True
    return mapping, max(offset + 2, mapping), offset


def _is_flow(item: Any) -> bool:
    fa = getattr(item, "fa", None)
    return bool(fa is not None and fa.flow_style())


def _transplant(original: str, before: str, after: str) -> str:
    """Apply the line edits that turn ``before`` into ``after`` to ``original``, of
    which ``before`` is ruamel's rendering; give ``after`` where a changed line of
    ``before`` has no identical line in ``original`` to replace."""
    if before == original:
        return after
    o = original.splitlines(keepends=True)
    b = before.splitlines(keepends=True)
    a = after.splitlines(keepends=True)
    where: dict[int, int] = {}
    for tag, i1, i2, j1, _ in difflib.SequenceMatcher(None, b, o, autojunk=False).get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                where[i1 + k] = j1 + k
    out: list[str] = []
    cursor = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, b, a, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if i2 > i1:
            if any(k not in where for k in range(i1, i2)):
                return after
            start, end = where[i1], where[i2 - 1] + 1
            if end - start != i2 - i1:
                return after
        elif i1 > 0 and i1 - 1 in where:
            start = end = where[i1 - 1] + 1
        elif i1 in where:
            start = end = where[i1]
        elif i1 == 0:
            start = end = 0
        else:
            return after
        if start < cursor:
            return after
        out.extend(o[cursor:start])
        out.extend(a[j1:j2])
        cursor = end
    out.extend(o[cursor:])
    return "".join(out)


_TOP_FIELDS = ("name", "framework", "description", "input_name")


def _reconcile(
    doc: Any,
    old: Network,
    new: Network,
    explicit_names: bool,
    *,
    flow_items: bool,
    make_map: Any,
) -> None:
    if not isinstance(doc, dict):
        raise _Unreconcilable("the document is not a mapping")
    for field in _TOP_FIELDS:
        before, after = getattr(old, field), getattr(new, field)
        if before == after:
            continue
        if after in (None, ""):
            doc.pop(field, None)
        else:
            doc[field] = after
    format_changed = old.data_format != new.data_format or old.framework != new.framework
    if format_changed and (
        "data_format" in doc or new.data_format != DEFAULT_DATA_FORMAT[new.framework]
    ):
        doc["data_format"] = new.data_format

    items = doc.get("layers")
    if items is None:
        items = []
        doc["layers"] = items
    if not isinstance(items, list):
        raise _Unreconcilable("layers is not a list")
    offset = 0
    if items and isinstance(items[0], dict):
        first, _ = resolve_type(dict(items[0]))
        offset = 1 if isinstance(first, dict) and first.get("type") == "input" else 0
    if len(items) - offset != len(old.layers):
        raise _Unreconcilable("the document's layers do not match the network's")

    if list(old.input_shape) != list(new.input_shape):
        if "input_shape" in doc or not offset:
            _assign(doc, "input_shape", _plain_list(new.input_shape), make_map)
        else:
            key = _present(items[0], ("shape", "input_shape", "batch_shape")) or "shape"
            _assign(items[0], key, _plain_list(new.input_shape), make_map)

    by_name = {layer.name: (layer, items[offset + i]) for i, layer in enumerate(old.layers)}
    new_data = new.to_data()["layers"]
    wanted: list[Any] = []
    previous = new.input_name
    for layer, data in zip(new.layers, new_data, strict=True):
        match = by_name.get(layer.name)
        if match is None or type(match[0]) is not type(layer):
            item = _new_item(data, layer, flow_items, make_map)
        else:
            item = match[1]
            _update_item(item, match[0], layer, previous, new.framework, make_map)
        if explicit_names and "name" not in item:
            _assign(item, "name", layer.name, make_map)
        wanted.append(item)
        previous = layer.name
    _reorder(items, offset, wanted)


def _reorder(items: list[Any], offset: int, wanted: list[Any]) -> None:
    """Make ``items[offset:]`` the ``wanted`` items with the fewest deletions and
    insertions, so that untouched items (and their comments) stay where they are."""
    current = [id(item) for item in items[offset:]]
    target = [id(item) for item in wanted]
    stable: set[int] = set()
    matcher = difflib.SequenceMatcher(None, current, target, autojunk=False)
    for block in matcher.get_matching_blocks():
        stable.update(current[block.a : block.a + block.size])
    for index in range(len(items) - 1, offset - 1, -1):
        if id(items[index]) not in stable:
            del items[index]
    for position, item in enumerate(wanted):
        if id(item) not in stable:
            items.insert(offset + position, item)


def _present(item: Any, keys: tuple[str, ...]) -> str | None:
    return next((k for k in keys if k in item), None)


def _user_keys(layer: Any, field: str, framework: str) -> tuple[str, ...]:
    """Every key a user may have written for ``field`` of this layer type."""
    info = type(layer).model_fields[field]
    alias = info.validation_alias
    keys = [field]
    if alias is not None and hasattr(alias, "choices"):
        keys.extend(str(c) for c in alias.choices if str(c) != field)
    if isinstance(layer, UpSample) and field == (
        "output_size" if framework == "torch" else "scale"
    ):
        keys.append("size")  # Keras' factor, PyTorch's output size
    return tuple(keys)


def _update_item(
    item: Any, old: Any, new: Any, previous: str, framework: str, make_map: Any
) -> None:
    for field in type(new).model_fields:
        if field in ("type", "name", "inputs"):
            continue
        before, after = getattr(old, field), getattr(new, field)
        if before == after:
            continue
        key = _present(item, _user_keys(new, field, framework)) or field
        value = plain(after)
        if value is None:
            item.pop(key, None)
            continue
        _assign(item, key, _shaped_like(value, item.get(key)), make_map)
    inputs = list(new.inputs or [])
    key = _present(item, ("inputs", "input", "inbound"))
    written = item.get(key) if key else None
    if isinstance(written, str):
        written = [written]
    if key is None:
        if inputs != [previous]:
            _assign(item, "inputs", inputs, make_map)
    elif list(written or []) != inputs:
        value: Any = inputs[0] if isinstance(item.get(key), str) and len(inputs) == 1 else inputs
        _assign(item, key, value, make_map)


def _new_item(data: dict[str, Any], layer: Any, flow: bool, make_map: Any) -> Any:
    item = make_map()
    for key, value in data.items():
        item[key] = value
    item["name"] = layer.name
    if flow and hasattr(item, "fa"):
        item.fa.set_flow_style()
    return item


def _assign(container: Any, key: str, value: Any, make_map: Any) -> None:
    """Set ``container[key]``, keeping an existing list's flow or block style."""
    old = container.get(key) if isinstance(container, dict) else None
    if isinstance(value, list) and make_map is not dict:
        from ruamel.yaml.comments import CommentedSeq

        seq = CommentedSeq(value)
        if isinstance(old, CommentedSeq) and not _is_flow(old):
            seq.fa.set_block_style()
        else:
            seq.fa.set_flow_style()
        value = seq
    container[key] = value


def _plain_list(values: list[Any]) -> list[Any]:
    return [plain(v) for v in values]


def _shaped_like(value: Any, old: Any) -> Any:
    """A scalar written where the user had a list keeps the list's shape
    (``kernel_size: [3, 3]`` becomes ``[5, 5]``, not ``5``)."""
    if isinstance(old, list) and isinstance(value, int | float) and not isinstance(value, bool):
        return [_shaped_like(value, o) for o in old]
    return value
