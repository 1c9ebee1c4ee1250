"""Layers and forms people paste, against PyTorch and Keras: normalisation layers,
``in_channels``, adaptive pooling with ``None`` entries, pixel (un)shuffle, Keras
``Permute`` and ``Resizing``, spatial dropout, tuple strings, a leading batch axis."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

import planner
from tests.conformance.common import plan_layer

FAST = settings(max_examples=40, deadline=None)


def torch_run(build: Any, x: torch.Tensor) -> tuple[tuple[int, ...] | None, int]:
    try:
        module = build()
        with torch.no_grad():
            y = module(x)
    except Exception:  # PyTorch refuses
        return None, 0
    params = sum(p.numel() for p in module.parameters())
    return (None if y.numel() == 0 else tuple(y.shape[1:])), params


def planned(fw: str, shape: list[int], layer: dict) -> tuple[tuple[int, ...] | None, Any]:
    try:
        p = plan_layer(fw, shape, layer)
    except planner.PlannerError:
        return None, 0
    return (p.shape if p.error is None else None), (p.params or 0)


@FAST
@given(
    c=st.integers(1, 8),
    groups=st.integers(1, 4),
    affine=st.booleans(),
    kind=st.sampled_from(["group", "instance", "layer_c", "layer_all"]),
)
def test_torch_normalization(c: int, groups: int, affine: bool, kind: str) -> None:
    x = torch.zeros(1, c, 5, 6)
    if kind == "group":
        build = lambda: nn.GroupNorm(groups, c, affine=affine)  # noqa: E731
        layer = {"type": "GroupNorm", "num_groups": groups, "num_channels": c, "affine": affine}
    elif kind == "instance":
        build = lambda: nn.InstanceNorm2d(c, affine=affine)  # noqa: E731
        layer = {"type": "InstanceNorm2d", "num_features": c, "affine": affine}
    elif kind == "layer_c":
        build = lambda: nn.LayerNorm(6, elementwise_affine=affine)  # noqa: E731
        layer = {"type": "LayerNorm", "normalized_shape": 6, "elementwise_affine": affine}
    else:
        build = lambda: nn.LayerNorm([c, 5, 6], elementwise_affine=affine)  # noqa: E731
        layer = {"type": "LayerNorm", "normalized_shape": [c, 5, 6], "elementwise_affine": affine}
    assert planned("torch", [c, 5, 6], layer) == torch_run(build, x)


@pytest.mark.parametrize("c", [4, 6])
def test_keras_normalization(c: int) -> None:
    x = np.zeros((1, 5, 6, c), "float32")
    for layer, spec in [
        (keras.layers.LayerNormalization(), {"type": "LayerNormalization"}),
        (keras.layers.GroupNormalization(groups=2), {"type": "GroupNormalization", "groups": 2}),
    ]:
        y = layer(x)
        p = plan_layer("keras", [5, 6, c], spec)
        assert p.shape == tuple(y.shape[1:]) and p.params == layer.count_params()
    with pytest.raises(ValueError):
        keras.layers.GroupNormalization(groups=4)(np.zeros((1, 5, 6, 6), "float32"))
    assert plan_layer("keras", [5, 6, 6], {"type": "GroupNormalization", "groups": 4}).error


@FAST
@given(
    cin=st.integers(1, 4),
    written=st.integers(1, 4),
    kind=st.sampled_from(["conv", "transpose", "linear", "batch_norm"]),
)
def test_torch_in_channels_checked(cin: int, written: int, kind: str) -> None:
    x = torch.zeros(1, cin, 6, 6) if kind != "linear" else torch.zeros(1, cin)
    build, layer = {
        "conv": (
            lambda: nn.Conv2d(written, 2, 3),
            {"type": "Conv2d", "in_channels": written, "out_channels": 2, "kernel_size": 3},
        ),
        "transpose": (
            lambda: nn.ConvTranspose2d(written, 2, 3),
            {
                "type": "ConvTranspose2d",
                "in_channels": written,
                "out_channels": 2,
                "kernel_size": 3,
            },
        ),
        "linear": (
            lambda: nn.Linear(written, 2),
            {"type": "Linear", "in_features": written, "out_features": 2},
        ),
        "batch_norm": (
            lambda: nn.BatchNorm2d(written).eval(),
            {"type": "BatchNorm2d", "num_features": written},
        ),
    }[kind]
    shape = [cin, 6, 6] if kind != "linear" else [cin]
    real, params = torch_run(build, x)
    mine, mine_params = planned("torch", shape, layer) if kind != "linear" else _flat(cin, layer)
    assert mine == real
    if real is not None:
        assert mine_params == params


def _flat(cin: int, layer: dict) -> tuple[Any, Any]:
    net = planner.Network.model_validate(
        {"framework": "torch", "input_shape": [cin, 1, 1], "layers": [{"type": "Flatten"}, layer]}
    )
    result = planner.infer(net).layers[-1]
    return (tuple(result.output_shape) if result.ok else None), (result.params or 0)


@FAST
@given(
    rank=st.integers(1, 3),
    data=st.data(),
    op=st.sampled_from(["Avg", "Max"]),
)
def test_torch_adaptive_pooling(rank: int, data: st.DataObject, op: str) -> None:
    n = data.draw(st.lists(st.integers(1, 9), min_size=rank, max_size=rank))
    out = data.draw(st.lists(st.none() | st.integers(1, 6), min_size=rank, max_size=rank))
    x = torch.zeros(1, 2, *n)
    cls = getattr(nn, f"Adaptive{op}Pool{rank}d")
    real, _ = torch_run(lambda: cls(out[0] if rank == 1 else tuple(out)), x)
    layer = {"type": f"Adaptive{op}Pool{rank}d", "output_size": out}
    assert planned("torch", [2, *n], layer)[0] == real


@FAST
@given(
    n=st.integers(1, 12),
    left=st.integers(0, 12),
    mode=st.sampled_from(["constant", "reflect", "replicate", "circular"]),
    k=st.integers(1, 4),
)
def test_functional_names_with_their_module(n: int, left: int, mode: str, k: int) -> None:
    # Types pasted with their module (F.pad, nn.Conv2d, F.max_pool2d, F.interpolate)
    # mean what the same call does in PyTorch.
    import torch.nn.functional as F

    conv = nn.Conv2d(2, 3, 3)

    def run(x: Any) -> Any:
        x = F.pad(x, (left, 0), mode=mode)
        x = F.max_pool2d(conv(x), k)
        x = F.adaptive_avg_pool2d(x, (None, 2))
        return F.interpolate(x, scale_factor=2, mode="nearest")

    try:
        with torch.no_grad():
            real = tuple(run(torch.zeros(1, 2, n, n)).shape[1:])
    except Exception:  # PyTorch refuses
        real = None
    text = (
        f"framework: torch\ninput_shape: [2, {n}, {n}]\nlayers:\n"
        f"  - {{type: F.pad, pad: [{left}, 0], mode: {mode}}}\n"
        "  - {type: nn.Conv2d, out_channels: 3, kernel_size: 3}\n"
        f"  - {{type: F.max_pool2d, kernel_size: {k}}}\n"
        "  - {type: F.adaptive_avg_pool2d, output_size: [None, 2]}\n"
        "  - {type: F.interpolate, scale_factor: 2, mode: nearest}\n"
    )
    try:
        result = planner.infer(planner.loads(text))
    except planner.SpecError as exc:  # refused as it is written, as PyTorch does
        assert real is None, exc
        return
    assert (result.output_shape if result.ok else None) == real


def test_python_none_pasted_into_yaml_is_null() -> None:
    # output_size: [None, 3] as copied from Python: YAML would read 'None' as text.
    real, _ = torch_run(lambda: nn.AdaptiveAvgPool2d((None, 3)), torch.zeros(1, 2, 5, 7))
    net = planner.loads(
        "framework: torch\ninput_shape: [2, 5, 7]\nlayers:\n"
        "  - {type: AdaptiveAvgPool2d, output_size: [None, 3]}\n"
    )
    assert planner.infer(net).output_shape == real


@FAST
@given(
    rank=st.integers(1, 3),
    c=st.integers(1, 18),
    n=st.integers(1, 6),
    r=st.integers(1, 3),
    inverse=st.booleans(),
)
def test_torch_pixel_shuffle(rank: int, c: int, n: int, r: int, inverse: bool) -> None:
    x = torch.zeros(1, c, *[n] * 2) if rank == 2 else torch.zeros(1, c, *[n] * rank)
    cls = nn.PixelUnshuffle if inverse else nn.PixelShuffle
    real, _ = torch_run(lambda: cls(r), x)
    if rank != 2:
        # torch shuffles the last two axes of any tensor; planner's rule is the 2D one
        return
    layer = {"type": cls.__name__, "upscale_factor": r} | ({"inverse": inverse})
    assert planned("torch", [c, n, n], layer)[0] == real


@pytest.mark.parametrize("dims", [[2, 1, 3], [3, 1, 2], [1, 2, 3]])
def test_keras_permute(dims: list[int]) -> None:
    y = keras.layers.Permute(tuple(dims))(np.zeros((1, 4, 5, 2), "float32"))
    assert plan_layer("keras", [4, 5, 2], {"type": "Permute", "dims": dims}).shape == tuple(
        y.shape[1:]
    )


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
def test_keras_resizing(mode: str) -> None:
    layer = keras.layers.Resizing(7, 3, interpolation=mode)
    y = layer(np.zeros((1, 4, 5, 2), "float32"))
    spec = {"type": "Resizing", "height": 7, "width": 3, "interpolation": mode}
    assert plan_layer("keras", [4, 5, 2], spec).shape == tuple(y.shape[1:])


def test_spatial_dropout_keeps_the_shape() -> None:
    y = keras.layers.SpatialDropout2D(0.2)(np.zeros((1, 4, 5, 2), "float32"))
    assert plan_layer("keras", [4, 5, 2], {"type": "SpatialDropout2D", "rate": 0.2}).shape == (
        tuple(y.shape[1:])
    )
    y = nn.Dropout2d(0.2)(torch.zeros(1, 2, 4, 5))
    assert plan_layer("torch", [2, 4, 5], {"type": "Dropout2d", "p": 0.2}).shape == tuple(
        y.shape[1:]
    )


def test_keras_tuple_strings_and_batch_axis() -> None:
    layer = keras.layers.Conv2D(4, (3, 5), strides=(2, 1))
    y = layer(np.zeros((1, 9, 9, 1), "float32"))
    net = planner.loads(
        "input_shape: [9, 9, 1]\nlayers:\n"
        "  - type: Conv2D\n    filters: 4\n    kernel_size: '(3, 5)'\n    strides: (2, 1)\n"
    )
    assert planner.infer(net).output_shape == tuple(y.shape[1:])
    with pytest.raises(planner.SpecError, match=r"drop the leading None and write \[28, 28, 1\]"):
        planner.loads("input_shape: [null, 28, 28, 1]\nlayers: []\n")
    # Inside {...} YAML splits a tuple at its commas: one error that says so.
    with pytest.raises(planner.SpecError, match=r"YAML split a tuple at its commas") as err:
        planner.loads(
            "input_shape: [100]\nlayers:\n  - {type: Dense, units: 784}\n"
            "  - {type: Reshape, target_shape: (7, 7, 16)}\n"
        )
    assert (err.value.layer, err.value.field, err.value.line) == ("#2 (Reshape)", "target_shape", 4)
    # YAML reads None as a string: the same answer, before any layer's rank check.
    with pytest.raises(planner.SpecError, match=r"drop the leading None and write \[28, 28, 1\]"):
        planner.loads(
            "input_shape: [None, 28, 28, 1]\nlayers:\n  - {type: Conv2D, filters: 4, kernel_size: 3}\n"
        )
    with pytest.raises(
        planner.SpecError, match=r"entry 1 of input_shape .* is None: .* name such as H"
    ):
        planner.loads("input_shape: [28, None, 1]\nlayers: []\n")


GAN_KERAS = """
name: gan
input_shape: [100]
layers:
  - {type: Dense, units: 784, use_bias: false}
  - {type: Reshape, target_shape: [7, 7, 16]}
  - {type: Conv2DTranspose, filters: 8, kernel_size: 5, strides: 2, padding: same}
  - {type: Conv2DTranspose, filters: 1, kernel_size: 5, strides: 2, padding: same}
"""


def test_gan_generator_from_a_latent_vector_keras() -> None:
    model = keras.Sequential(
        [
            keras.Input((100,)),
            keras.layers.Dense(784, use_bias=False),
            keras.layers.Reshape((7, 7, 16)),
            keras.layers.Conv2DTranspose(8, 5, strides=2, padding="same"),
            keras.layers.Conv2DTranspose(1, 5, strides=2, padding="same"),
        ]
    )
    result = planner.infer(planner.loads(GAN_KERAS))
    assert result.ok, result.first_error
    assert [r.output_shape for r in result.layers] == [
        tuple(layer.output.shape[1:]) for layer in model.layers
    ]
    assert [r.params or 0 for r in result.layers] == [
        layer.count_params() for layer in model.layers
    ]
    assert [r.name for r in result.layers][2:] == ["conv2d_transpose", "conv2d_transpose_1"]


@pytest.mark.parametrize("side", [4, 5])
def test_gan_generator_from_a_latent_vector_torch(side: int) -> None:
    model = nn.Sequential(
        nn.Linear(100, 16 * side * side),
        nn.Unflatten(1, (16, side, side)),
        nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1),
        nn.ConvTranspose2d(8, 3, 3, stride=1, padding=1),
    )
    x = torch.zeros(1, 100)
    shapes = []
    for module in model:
        x = module(x)
        shapes.append(tuple(x.shape[1:]))
    net = planner.Network.model_validate(
        {
            "framework": "pytorch",
            "input_shape": [100],
            "layers": [
                {"type": "Linear", "in_features": 100, "out_features": 16 * side * side},
                {"type": "Reshape", "target_shape": [16, side, side]},
                {"type": "ConvTranspose2d", "in_channels": 16, "out_channels": 8,
                 "kernel_size": 4, "stride": 2, "padding": 1},
                {"type": "ConvTranspose2d", "out_channels": 3, "kernel_size": 3, "padding": 1},
            ],
        }
    )  # fmt: skip
    result = planner.infer(net)
    assert [r.output_shape for r in result.layers] == shapes
