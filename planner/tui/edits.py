"""Edits of a network as the editor makes them: each returns a new, validated network.

Edits work on the network's plain data (``Network.to_data``) and validate the result
with the library's own loader, so a bad edit raises the same ``PlannerError`` a bad
file would, naming the layer and field. No shape is computed here.

>>> import planner
>>> net = planner.load("keras-autoencoder")
>>> set_field(net, "conv2d", "kernel_size", 5).layer("conv2d").kernel_size
(5, 5)
>>> step_name(net, "conv2d", "kernel_size", 5)
'conv2d.kernel_size 3 -> 5'
"""

from __future__ import annotations

import copy
from typing import Any

import yaml

from planner.errors import SpecError
from planner.spec.layers import JAX_ONLY, LAYER_CLASSES, LayerBase
from planner.spec.loading import network_from_data
from planner.spec.network import Network
from planner.spec.values import plain

# Starting values for required fields of a new layer; any other required integer
# field starts at 1, so a layer type added to planner.spec needs no entry here.
STARTERS: dict[str, Any] = {
    "filters": 8,
    "kernel_size": 3,
    "pool_size": 2,
    "units": 10,
    "target_shape": [-1],
}
# Layer types offered by "add layer" (the input is the network's, not a layer).
ADDABLE = tuple(t for t in LAYER_CLASSES if t != "input")


def value_text(value: Any) -> str:
    """How a field value is shown in the form (YAML flow style, one line)."""
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return _flow(value)


def _flow(value: Any) -> str:
    """YAML flow style for the values fields hold (numbers, lists, small mappings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, str):
        return yaml.safe_dump(value, width=10_000).strip().removesuffix("\n...")
    text = str(value)
    if isinstance(value, float) and "e" in text and "." not in text:
        text = text.replace("e", ".0e")  # YAML 1.1 reads 1e-07 as a string
    return text


def parse_value(text: str) -> Any:
    """Read what the user typed as YAML: ``3``, ``[2, 1]``, ``same``, ``?p``,
    ``{unknown: p, min: 0, max: 3}``; an empty field means the default (None)."""
    text = text.strip()
    if not text:
        return None
    if text.startswith("?"):
        return text
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise SpecError(f"cannot read {text!r}: {problem}") from None


def _data(net: Network, explicit: bool = False) -> dict[str, Any]:
    data = copy.deepcopy(net.to_data())
    if explicit:
        for item, layer in zip(data["layers"], net.layers, strict=True):
            item["inputs"] = list(layer.inputs or [])
    return data


def _index(net: Network, name: str) -> int:
    try:
        return net.layer_names.index(name)
    except ValueError:
        raise SpecError(
            f"no layer named '{name}'; layers: {', '.join(net.layer_names)}", layer=name
        ) from None


def _load(data: dict[str, Any], net: Network) -> Network:
    return network_from_data(data, source=net.name)


def set_field(net: Network, layer: str, field: str, value: Any) -> Network:
    """``layer.field = value`` (None resets the field to its default)."""
    data = _data(net)
    item = data["layers"][_index(net, layer)]
    if value is None:
        item.pop(field, None)
    else:
        item[field] = value
    return _load(data, net)


def set_network_field(net: Network, field: str, value: Any) -> Network:
    """Change ``name``, ``input_shape``, ``framework``, ``data_format`` or ``description``.

    Switching framework keeps the data format (the input shape means the same
    tensor); switching data format moves the channel axis of the input shape.
    """
    data = _data(net)
    if field == "framework":
        data["data_format"] = net.data_format
    if field == "data_format" and value != net.data_format:
        shape = list(data["input_shape"])
        shape = [shape[-1], *shape[:-1]] if value == "channels_first" else [*shape[1:], shape[0]]
        data["input_shape"] = shape
    if value is None:
        data.pop(field, None)
    else:
        data[field] = value
    return _load(data, net)


def new_layer(layer_type: str) -> dict[str, Any]:
    """Data for a new layer of ``layer_type`` with every required field filled."""
    cls = LAYER_CLASSES[layer_type]
    item: dict[str, Any] = {"type": layer_type}
    for key, info in cls.model_fields.items():
        if info.is_required() and key != "type":
            item[key] = STARTERS.get(key, 1)
    return item


def insert_layer(net: Network, layer_type: str, after: str | None) -> Network:
    """A new layer after ``after`` (None: at the end); the layer that read ``after``
    in sequence now reads the new one, skips keep their sources."""
    data = _data(net)
    if after is None:
        position = len(data["layers"])
    elif after == net.input_name:
        position = 0
    else:
        position = _index(net, after) + 1
    item = new_layer(layer_type)
    for f in LAYER_CLASSES[layer_type].ref_fields:
        # A crop_to starts as the size of its own input (a no-op), ready to re-point.
        item[f] = net.layer_names[position - 1] if position else net.input_name
    data["layers"].insert(position, item)
    return _load(data, net)


def added_name(before: Network, after: Network) -> str | None:
    """The name of the one layer in ``after`` that ``before`` does not have."""
    new = [n for n in after.layer_names if n not in set(before.layer_names)]
    return new[0] if new else None


def delete_layer(net: Network, name: str) -> Network:
    """Remove ``name``; layers that read it read its (first) input instead."""
    data = _data(net, explicit=True)
    index = _index(net, name)
    source = (net.layers[index].inputs or [net.input_name])[0]
    del data["layers"][index]
    for item in data["layers"]:
        item["inputs"] = _dedupe([source if i == name else i for i in item["inputs"]])
        _repoint(item, name, source)
    return _load(data, net)


def _repoint(item: dict[str, Any], old: str, new: str) -> None:
    """Layers read for their shape (``crop_to``'s ``like``) follow, as inputs do."""
    for f in LAYER_CLASSES[item["type"]].ref_fields:
        if item.get(f) == old:
            item[f] = new


def _dedupe(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names)) if len(set(names)) < len(names) else names


def duplicate_layer(net: Network, name: str) -> Network:
    """A copy of ``name`` right after it (a fresh generated name)."""
    data = _data(net)
    index = _index(net, name)
    item = copy.deepcopy(data["layers"][index])
    item.pop("name", None)
    item.pop("inputs", None)
    data["layers"].insert(index + 1, item)
    return _load(data, net)


def move_layer(net: Network, name: str, offset: int) -> Network:
    """Move ``name`` up (``-1``) or down (``+1``) in the list; layers without explicit
    inputs read whatever precedes them at their new place."""
    data = _data(net)
    index = _index(net, name)
    target = index + offset
    if not 0 <= target < len(data["layers"]):
        where = "first" if offset < 0 else "last"
        raise SpecError(f"'{name}' is already the {where} layer", layer=name)
    layers = data["layers"]
    layers[index], layers[target] = layers[target], layers[index]
    return _load(data, net)


def rename_layer(net: Network, name: str, new: str) -> Network:
    """Rename ``name`` to ``new`` and every reference to it."""
    new = new.strip()
    if not new:
        raise SpecError("a layer name cannot be empty", layer=name, field="name")
    data = _data(net, explicit=True)
    index = _index(net, name)
    data["layers"][index]["name"] = new
    for item in data["layers"]:
        item["inputs"] = [new if i == name else i for i in item["inputs"]]
        _repoint(item, name, new)
    return _load(data, net)


def set_inputs(net: Network, name: str, inputs: list[str]) -> Network:
    """What ``name`` is connected to (a skip: name an earlier layer)."""
    return set_field(net, name, "inputs", inputs)


def step_name(net: Network, layer: str, field: str, value: Any) -> str:
    """``conv4.kernel_size 3 -> 5``: the history's name for a field edit."""
    old = value_text(getattr(net.layer(layer), field))
    return f"{layer}.{field} {old or 'default'} -> {value_text(value) or 'default'}"


def network_step_name(net: Network, field: str, value: Any) -> str:
    old = value_text(getattr(net, field))
    return f"network.{field} {old or 'default'} -> {value_text(value) or 'default'}"


# Settings only one framework has (every other refuses them), with their defaults:
# JAX's, and the ONNX ``pads`` an import keeps beside an ``auto_pad``.
_ONLY_IN: dict[str, tuple[str, Any]] = {
    **{f: ("jax", default) for f, default in JAX_ONLY.items()},
    "pads_beside_auto_pad": ("onnx", None),
}


def layer_fields(layer: LayerBase, framework: str) -> list[str]:
    """The editable fields of ``layer`` in model order (name and inputs first), less
    the settings that ``framework`` does not have (``api`` or ``input_dilation`` on a
    Keras convolution). A setting left away from its default is listed anyway, so
    that the error it causes can be fixed where it is.

    >>> import planner
    >>> conv = planner.load("keras-autoencoder").layers[0]
    >>> "input_dilation" in layer_fields(conv, "keras"), "input_dilation" in layer_fields(conv, "jax")
    (False, True)
    """
    shown = []
    for f in type(layer).model_fields:
        only = _ONLY_IN.get(f)
        if f in ("type", "name", "inputs") or (
            only is not None and only[0] != framework and _is_default(getattr(layer, f), only[1])
        ):
            continue
        shown.append(f)
    return ["name", "inputs", *shown]


def _is_default(value: Any, default: Any) -> bool:
    """Whether ``value`` is ``default``, also once expanded per axis (``(1, 1)``)."""
    if isinstance(value, tuple):
        return all(v == default for v in value)
    return bool(value == default)
