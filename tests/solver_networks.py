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
