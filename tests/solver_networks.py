"""Networks that once made the solver run away (issue 6), built as data for the tests
and benchmarks/bench_budgets.py."""

from __future__ import annotations

from typing import Any


def samplecnn(stages: int = 10, size: int = 59049) -> dict[str, Any]:
    """A SampleCNN-like 1D audio network: a stride-3 stem, then conv + pool-3 stages."""
    layers: list[dict[str, Any]] = [
        {"type": "Conv1d", "out_channels": 128, "kernel_size": 3, "stride": 3, "name": "stem"}
    ]
    for i in range(1, stages):
        layers.append(
            {
                "type": "Conv1d",
                "out_channels": 128,
                "kernel_size": 3,
                "padding": 1,
                "name": f"conv{i}",
            }
        )
        layers.append({"type": "MaxPool1d", "kernel_size": 3, "name": f"pool{i}"})
    return {"name": "samplecnn", "framework": "torch", "input_shape": [1, size], "layers": layers}


def concat_net(blocks: int = 20) -> dict[str, Any]:
    """60 layers with ``blocks`` concatenations: each block halves (stride-2 conv),
    doubles back (upsampling) and concatenates with its input, so every block needs
    an even size and the product of the strides is 2**blocks."""
    layers: list[dict[str, Any]] = []
    prev = "input"
    for i in range(blocks):
        layers.append(
            {
                "type": "Conv2D",
                "filters": 8,
                "kernel_size": 3,
                "strides": 2,
                "padding": "same",
                "name": f"b{i}_down",
                "inputs": [prev],
            }
        )
        layers.append(
            {"type": "UpSampling2D", "size": 2, "name": f"b{i}_up", "inputs": [f"b{i}_down"]}
        )
        layers.append({"type": "Concatenate", "name": f"b{i}_cat", "inputs": [prev, f"b{i}_up"]})
        prev = f"b{i}_cat"
    return {"name": "concat60", "framework": "keras", "input_shape": [64, 64, 3], "layers": layers}


def padded_chain(unknowns: int = 30) -> dict[str, Any]:
    """``unknowns`` 3x3 convolutions, each with an unknown padding of its own."""
    layers = [
        {
            "type": "Conv2d",
            "out_channels": 8,
            "kernel_size": 3,
            "padding": f"?p{i}",
            "name": f"conv{i}",
        }
        for i in range(unknowns)
    ]
    return {"name": "padded", "framework": "torch", "input_shape": [3, 64, 64], "layers": layers}


def plain_convs(count: int = 100) -> dict[str, Any]:
    """``count`` plain 3x3 convolutions with padding 1 (torch)."""
    layers = [
        {"type": "Conv2d", "out_channels": 8, "kernel_size": 3, "padding": 1, "name": f"c{i}"}
        for i in range(count)
    ]
    return {"name": "plain", "framework": "torch", "input_shape": [3, 64, 64], "layers": layers}


def unet_unknown_paddings(levels: int, size: int = 64) -> dict[str, Any]:
    """A same-style U-Net (torch) whose every 3x3 convolution has its own unknown
    padding in 0..2: the skips only align when the paddings keep sizes."""
    layers: list[dict[str, Any]] = []
    n = 0

    def conv(name: str, inputs: list[str] | None = None) -> dict[str, Any]:
        nonlocal n
        n += 1
        item: dict[str, Any] = {
            "type": "Conv2d",
            "out_channels": 4,
            "kernel_size": 3,
            "padding": {"unknown": f"p{n}", "min": 0, "max": 2},
            "name": name,
        }
        if inputs:
            item["inputs"] = inputs
        return item

    for i in range(1, levels + 1):
        layers += [
            conv(f"c{i}a"),
            conv(f"c{i}"),
            {"type": "MaxPool2d", "kernel_size": 2, "name": f"p{i}"},
        ]
    layers += [conv("mid_a"), conv("mid")]
    prev = "mid"
    for i in range(levels, 0, -1):
        layers += [
            {"type": "Upsample", "scale_factor": 2, "name": f"u{i}", "inputs": [prev]},
            {"type": "Cat", "name": f"m{i}", "inputs": [f"c{i}", f"u{i}"]},
            conv(f"d{i}a"),
            conv(f"d{i}"),
        ]
        prev = f"d{i}"
    return {
        "name": f"unet{levels}-pads",
        "framework": "torch",
        "input_shape": [1, size, size],
        "layers": layers,
    }


def mirror_paddings(data: dict[str, Any]) -> dict[str, Any]:
    """``unet_unknown_paddings`` with each decoder convolution tied to the encoder one
    at its level (``d2a`` reuses ``c2a``'s unknown, ``d2`` reuses ``c2``'s)."""
    by_name = {layer["name"]: layer for layer in data["layers"]}
    layers = []
    for layer in data["layers"]:
        twin = by_name.get("c" + layer["name"][1:]) if layer["name"].startswith("d") else None
        if twin is not None:
            layer = {**layer, "padding": dict(twin["padding"])}
        layers.append(layer)
    return {**data, "name": data["name"] + "-mirrored", "layers": layers}
