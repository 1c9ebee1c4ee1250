"""Network validation in one pass: layers built from mappings are named and
normalised in place, layer objects passed in are copied, and both give the same
network (every preset, and a layer object shared by two networks)."""

from __future__ import annotations

import pytest

import planner
from planner.spec.layers import LAYER_CLASSES, Conv, resolve_type
from planner.spec.network import Network


def _state(net: Network) -> list[tuple[type, dict, set]]:
    """Each layer's class, field values and fields written."""
    return [
        (
            type(layer),
            {f: layer.__dict__[f] for f in type(layer).model_fields},
            layer.model_fields_set,
        )
        for layer in net.layers
    ]


@pytest.mark.parametrize("preset", planner.preset_names())
def test_layer_objects_give_the_network_mappings_give(preset):
    path = planner.presets.resolve(preset)
    from planner.spec.loading import parse_text, read_text

    data, _ = parse_text(read_text(path))
    from_mappings = Network.model_validate(data)
    objects = []
    for item in data["layers"]:
        resolved, _ = resolve_type(item)
        objects.append(LAYER_CLASSES[resolved["type"]].model_validate(resolved))
    before = [dict(layer.__dict__) for layer in objects]
    written = [set(layer.model_fields_set) for layer in objects]
    from_objects = Network.model_validate({**data, "layers": objects})
    assert _state(from_objects) == _state(from_mappings)
    assert from_objects.input_name == from_mappings.input_name
    # The objects passed in are left as they were: the network holds copies.
    assert [dict(layer.__dict__) for layer in objects] == before
    assert [set(layer.model_fields_set) for layer in objects] == written
    kept = {id(layer) for layer in objects}
    assert not any(id(layer) in kept for layer in from_objects.layers)


def test_a_layer_object_shared_by_two_networks_is_copied_for_each():
    conv = Conv(type="conv", filters=4, kernel_size=3)
    one = Network(input_shape=[8, 8, 1], layers=[conv])
    two = Network(input_shape=[8, 8, 8, 1], layers=[conv], framework="torch")
    assert conv.name is None and conv.inputs is None and conv.kernel_size == 3
    assert conv.model_fields_set == {"type", "filters", "kernel_size"}
    assert (one.layers[0].name, one.layers[0].kernel_size) == ("conv2d", (3, 3))
    assert (two.layers[0].name, two.layers[0].kernel_size) == ("0", (3, 3, 3))
    assert one.layers[0].model_fields_set == {"type", "filters", "kernel_size", "name", "inputs"}


def test_layers_built_from_mappings_are_not_shared_between_networks():
    item = {"type": "Conv2D", "filters": 4, "kernel_size": 3}
    data = {"input_shape": [8, 8, 1], "layers": [item, item]}
    one, two = Network.model_validate(data), Network.model_validate(data)
    assert item == {"type": "Conv2D", "filters": 4, "kernel_size": 3}
    assert [layer.name for layer in one.layers] == ["conv2d", "conv2d_1"]
    assert len({id(layer) for layer in one.layers + two.layers}) == 4
