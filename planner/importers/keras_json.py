"""Keras models as data: ``model.to_json()`` files and ``.keras`` archives, read
without Keras or TensorFlow.

A ``.keras`` file is a zip holding ``config.json`` (the same dict ``to_json()``
gives); its weights are not read. Two connection formats exist, and Keras 3 reads
both (``keras/src/models/functional.py::deserialize_node``):

- Keras 3: ``inbound_nodes = [{"args": [{"class_name": "__keras_tensor__",
  "config": {"keras_history": [layer, node, tensor]}}], "kwargs": {}}]``;
- Keras 2 / tf.keras: ``inbound_nodes = [[["layer", node, tensor, {}], ...]]``.

Input layers carry ``batch_shape`` (Keras 3) or ``batch_input_shape`` (Keras 2); a
size Keras leaves free (``None``) becomes a symbol (``H``, ``W``) unless an input
shape is given. A layer called more than once (shared weights) becomes one planner
layer per call, named ``<layer>``, ``<layer>_call1``...; its weights then count once
per call in planner's totals, which the notes say. ``Sequential`` models are a chain.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from planner.errors import SpecError
from planner.importers import ImportResult, Problem
from planner.importers.keras_layers import Unsupported, keras_layer

_SYMBOLS = {1: ["W"], 2: ["H", "W"], 3: ["D", "H", "W"]}


def read_config(source: str | Path) -> dict[str, Any]:
    """The model config of a ``to_json()`` file or a ``.keras`` archive."""
    path = Path(source)
    if path.suffix == ".keras" or zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            if "config.json" not in archive.namelist():
                raise SpecError(f"{path} is a zip without config.json: not a .keras archive")
            text = archive.read("config.json").decode("utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict) or "class_name" not in data:
        raise SpecError(f"{path}: not a Keras model config (no class_name at the top)")
    return data


def import_keras(
    source: str | Path | dict[str, Any], input_shape: list[Any] | None = None
) -> ImportResult:
    """A planner network from a Keras model config (a path or the dict itself)."""
    config = source if isinstance(source, dict) else read_config(source)
    name = str(source) if not isinstance(source, dict) else "<keras config>"
    reader = _Reader(config, name, input_shape)
    return reader.read()


class _Reader:
    def __init__(self, model: dict[str, Any], source: str, input_shape: list[Any] | None):
        self.model = model
        self.source = source
        self.input_shape = input_shape
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        self.data_format = "channels_last"

    def read(self) -> ImportResult:
        kind = self.model.get("class_name")
        config = self.model.get("config") or {}
        layers = config.get("layers") or []
        if kind == "Sequential":
            nodes = self._sequential(layers, config)
        elif kind in ("Functional", "Model"):
            nodes = self._functional(layers, config)
        else:
            raise SpecError(
                f"{self.source}: a Keras {kind} config; planner reads Functional and "
                "Sequential models"
            )
        return self._network(nodes, config.get("name") or "imported")

    # --- connections -----------------------------------------------------------------
    def _sequential(self, layers: list[dict[str, Any]], config: dict[str, Any]) -> list[Any]:
        nodes: list[tuple[str, dict[str, Any], list[str]]] = []
        shape = config.get("build_input_shape")
        previous = None
        for layer in layers:
            lconf = layer.get("config") or {}
            lname = lconf.get("name") or layer.get("name") or layer["class_name"].lower()
            if layer["class_name"] == "InputLayer":
                nodes.append((lname, layer, []))
                previous = lname
                continue
            if previous is None:
                batch = lconf.get("batch_input_shape") or lconf.get("batch_shape") or shape
                if batch is None and self.input_shape is None:
                    raise SpecError(
                        f"{self.source}: the Sequential model has no input shape "
                        "(no InputLayer, batch_input_shape or build_input_shape); give --input"
                    )
                synthetic = {"class_name": "InputLayer", "config": {"batch_shape": batch}}
                nodes.append(("input", synthetic, []))
                previous = "input"
            nodes.append((lname, layer, [previous]))
            previous = lname
        return nodes

    def _functional(self, layers: list[dict[str, Any]], config: dict[str, Any]) -> list[Any]:
        # One node per call: (layer name, call index) -> planner name.
        calls: dict[tuple[str, int], str] = {}
        pending: list[tuple[str, dict[str, Any], list[tuple[str, int]]]] = []
        for layer in layers:
            lname = layer.get("name") or (layer.get("config") or {}).get("name")
            inbound = layer.get("inbound_nodes") or []
            if layer["class_name"] == "InputLayer" or not inbound:
                calls[(lname, 0)] = lname
                pending.append((lname, layer, []))
                continue
            if len(inbound) > 1:
                self.notes.append(
                    f"{lname} is called {len(inbound)} times (shared weights): one planner "
                    "layer per call, so its parameters count once per call"
                )
            for i, node in enumerate(inbound):
                pname = lname if i == 0 else f"{lname}_call{i}"
                calls[(lname, i)] = pname
                pending.append((pname, layer, _node_inputs(node, lname)))
        inputs = [x for x in (config.get("input_layers") or []) if x]
        if inputs and isinstance(inputs[0], list) and len(inputs) > 1:
            raise SpecError(
                f"{self.source}: the model has {len(inputs)} inputs; a planner network has one"
            )
        nodes = []
        for pname, layer, refs in pending:
            names = []
            for ref in refs:
                if ref not in calls:
                    raise SpecError(
                        f"{self.source}: layer {pname} reads {ref[0]} call {ref[1]}, which "
                        "the config does not define"
                    )
                names.append(calls[ref])
            nodes.append((pname, layer, names))
        return _topological(nodes)

    # --- layers ------------------------------------------------------------------------
    def _network(self, nodes: list[Any], name: str) -> ImportResult:
        out_layers: list[dict[str, Any]] = []
        input_name = None
        shape: list[Any] | None = None
        dropped: set[str] = set()
        for pname, layer, ins in nodes:
            cls = layer["class_name"]
            lconf = layer.get("config") or {}
            if cls == "InputLayer":
                if input_name is not None:
                    raise SpecError(f"{self.source}: more than one input; planner takes one")
                input_name = pname
                shape = self._input_shape(lconf)
                continue
            lost = [i for i in ins if i in dropped]
            if lost:
                dropped.add(pname)
                self.problems.append(
                    Problem(pname, cls, f"its input {lost[0]} could not be imported")
                )
                continue
            if lconf.get("data_format") == "channels_first":
                self.data_format = "channels_first"
            try:
                item = keras_layer(cls, lconf)
            except Unsupported as exc:
                dropped.add(pname)
                self.problems.append(Problem(pname, cls, str(exc)))
                continue
            if cls == "BatchNormalization":
                self._check_bn_axis(pname, lconf)
            item["name"] = pname
            item["inputs"] = list(ins)
            out_layers.append(item)
        if shape is None:
            raise SpecError(f"{self.source}: no input layer with a shape; give --input")
        # planner files name the input 'input' (YAML keeps no input name).
        taken = {item["name"] for item in out_layers}
        rename = "input" if "input" not in taken else (input_name or "input")
        for item in out_layers:
            item["inputs"] = [rename if i == input_name else i for i in item["inputs"]]
        data: dict[str, Any] = {
            "name": name,
            "framework": "keras",
            "input_shape": shape,
            "input_name": rename,
            "layers": out_layers,
        }
        if self.data_format != "channels_last":
            data["data_format"] = self.data_format
        return ImportResult(self.source, data, self.problems, self.notes)

    def _input_shape(self, config: dict[str, Any]) -> list[Any]:
        batch = config.get("batch_shape") or config.get("batch_input_shape")
        if isinstance(batch, dict) and "value" in batch:  # {"class_name": "__tuple__"}
            batch = batch["value"]
        if self.input_shape is not None:
            return list(self.input_shape)
        if not batch:
            raise SpecError(f"{self.source}: the input layer has no shape; give --input")
        dims = list(batch[1:])
        rank = len(dims) - 1
        symbols = iter(_SYMBOLS.get(rank, [f"S{i}" for i in range(rank)]))
        out = []
        for i, d in enumerate(dims):
            is_channel = i == len(dims) - 1
            if d is None and is_channel:
                raise SpecError(f"{self.source}: the input's channel axis is free; give --input")
            out.append(next(symbols) if d is None else int(d))
        if any(isinstance(d, str) for d in out):
            self.notes.append(f"free input sizes became symbols ({out}); give --input for numbers")
        return out

    def _check_bn_axis(self, name: str, config: dict[str, Any]) -> None:
        axis = config.get("axis", -1)
        axis = axis[0] if isinstance(axis, list) and len(axis) == 1 else axis
        channel = 1 if self.data_format == "channels_first" else -1
        if axis not in (channel, None) and not (channel == -1 and axis == 3):
            self.notes.append(f"{name}: BatchNormalization axis {axis} read as the channel axis")


def _node_inputs(node: Any, layer: str) -> list[tuple[str, int]]:
    """(layer, call index) of each input of one call, in either format."""
    if isinstance(node, dict):  # Keras 3
        found: list[tuple[str, int]] = []
        _tensors(node.get("args", []), found)
        return found
    if isinstance(node, list):  # Keras 2: [["name", node, tensor, {kwargs}], ...]
        return [(str(entry[0]), int(entry[1])) for entry in node]
    raise SpecError(f"layer {layer}: unknown inbound node format {node!r}")


def _tensors(value: Any, found: list[tuple[str, int]]) -> None:
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            history = value["config"]["keras_history"]
            found.append((str(history[0]), int(history[1])))
            return
        for v in value.values():
            _tensors(v, found)
    elif isinstance(value, list | tuple):
        for v in value:
            _tensors(v, found)


def _topological(nodes: list[Any]) -> list[Any]:
    """Nodes so each follows its inputs (configs are usually in order already)."""
    by_name = {n[0]: n for n in nodes}
    done: set[str] = set()
    order: list[Any] = []

    def visit(name: str, stack: tuple[str, ...]) -> None:
        if name in done:
            return
        if name in stack:
            raise SpecError(f"the Keras config has a cycle through {name}")
        for i in by_name[name][2]:
            visit(i, (*stack, name))
        done.add(name)
        order.append(by_name[name])

    for n in nodes:
        visit(n[0], ())
    return order
