"""Refusals that used to differ from the real frameworks, each checked by running it.

PyTorch ``ConvTranspose`` with string padding, ``Upsample`` without a size or factor
and with a mode of the wrong rank; Keras ``UpSampling`` interpolations; ONNX
``auto_pad`` together with ``pads`` (ONNX Runtime); short ``F.pad`` lists; padding
layers that fill with the input's own values (reflect, replicate, circular) in
PyTorch, ONNX Runtime and ``jnp.pad``, and Keras, which has none.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

import planner
from tests.conformance.common import plan_layer
from tests.conformance.runners import run_onnx_objects

FAST = settings(max_examples=40, deadline=None)


def torch_shape(build: Any, x: torch.Tensor) -> tuple[int, ...] | None:
    try:
        with torch.no_grad():
            y = build()(x)
    except Exception:  # any error PyTorch raises is a refusal
        return None
    return None if y.numel() == 0 else tuple(y.shape[1:])


def planned(framework: str, shape: list[int], layer: dict) -> tuple[int, ...] | None:
    try:
        p = plan_layer(framework, shape, layer)
    except planner.PlannerError:
        return None
    return p.shape if p.error is None else None


# --- PyTorch ----------------------------------------------------------------------


@pytest.mark.parametrize("padding", ["valid", "same", 0, 1])
def test_torch_conv_transpose_string_padding(padding: Any) -> None:
    x = torch.zeros(1, 2, 7, 7)
    real = torch_shape(lambda: nn.ConvTranspose2d(2, 3, 3, stride=2, padding=padding), x)
    layer = {"type": "ConvTranspose2d", "out_channels": 3, "kernel_size": 3, "stride": 2}
    mine = planned("torch", [2, 7, 7], {**layer, "padding": padding})
    assert mine == real
    assert planned("torch", [2, 7, 7], layer) == (3, 15, 15)  # no padding written: 0


def test_torch_upsample_needs_size_or_scale() -> None:
    with pytest.raises(ValueError):
        nn.Upsample()(torch.zeros(1, 1, 4, 4))
    with pytest.raises(planner.SpecError, match="needs a scale factor"):
        plan_layer("torch", [1, 4, 4], {"type": "Upsample"})
    with pytest.raises(planner.SpecError, match="needs a scale factor"):
        plan_layer("onnx", [1, 4, 4], {"type": "Resize"} | {"type": "upsample"})
    assert plan_layer("keras", [4, 4, 1], {"type": "UpSampling2D"}).shape == (8, 8, 1)


@FAST
@given(
    rank=st.integers(1, 3),
    mode=st.sampled_from(
        ["nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact", "cubic"]
    ),
    scale=st.integers(1, 3),
)
def test_torch_upsample_mode_needs_its_rank(rank: int, mode: str, scale: int) -> None:
    x = torch.zeros(1, 1, *[3] * rank)
    real = torch_shape(lambda: nn.Upsample(scale_factor=scale, mode=mode), x)
    mine = planned(
        "torch", [1, *[3] * rank], {"type": "Upsample", "scale_factor": scale, "mode": mode}
    )
    assert mine == real, (rank, mode)


@FAST
@given(
    rank=st.integers(1, 3),
    pads=st.lists(st.integers(0, 3), min_size=1, max_size=7),
)
def test_torch_pad_lists_of_any_length(rank: int, pads: list[int]) -> None:
    x = torch.zeros(1, 2, *[4] * rank)
    cls = {1: nn.ZeroPad1d, 2: nn.ZeroPad2d, 3: nn.ZeroPad3d}[rank]
    real = torch_shape(lambda: lambda t: nn.functional.pad(t, tuple(pads)), x)
    mine = planned("torch", [2, *[4] * rank], {"type": cls.__name__, "padding": pads})
    if len(pads) > 2 * rank:
        # F.pad would pad the channel axis too; planner's padding layers are spatial.
        assert mine is None
        return
    assert mine == real, (rank, pads)
    if len(pads) == 2 * rank:
        assert torch_shape(lambda: cls(tuple(pads)), x) == real


@FAST
@given(
    rank=st.integers(1, 3),
    n=st.integers(1, 5),
    mode=st.sampled_from(["reflect", "replicate", "circular"]),
    amount=st.lists(st.integers(0, 6), min_size=6, max_size=6),
)
def test_torch_fill_padding_layers(rank: int, n: int, mode: str, amount: list[int]) -> None:
    flat = tuple(amount[: 2 * rank])
    cls = {"reflect": "ReflectionPad", "replicate": "ReplicationPad", "circular": "CircularPad"}
    x = torch.zeros(1, 1, *[n] * rank)
    real = torch_shape(lambda: getattr(nn, f"{cls[mode]}{rank}d")(flat), x)
    mine = planned(
        "torch", [1, *[n] * rank], {"type": f"{cls[mode]}{rank}d", "padding": list(flat)}
    )
    assert mine == real, (rank, n, mode, flat)


# --- Keras --------------------------------------------------------------------------


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("mode", ["nearest", "bilinear", "bicubic", "area", "trilinear"])
def test_keras_upsampling_interpolations(rank: int, mode: str) -> None:
    import keras

    cls = getattr(keras.layers, f"UpSampling{rank}D")
    try:
        layer = (
            cls(2, interpolation=mode)
            if rank == 2
            else cls(2, **({} if mode == "nearest" else {"interpolation": mode}))
        )
        real = tuple(layer(np.zeros((1, *[3] * rank, 1), "float32")).shape[1:])
    except Exception:  # Keras refuses
        real = None
    mine = planned(
        "keras", [*[3] * rank, 1], {"type": f"UpSampling{rank}D", "size": 2, "mode": mode}
    )
    assert mine == real


def test_keras_has_no_fill_padding() -> None:
    p = plan_layer("keras", [5, 5, 1], {"type": "zero_padding", "padding": 1, "mode": "reflect"})
    assert p.error and "Keras has no reflect padding layer" in p.error


def test_keras_even_kernel_transpose_note_in_show() -> None:
    from click.testing import CliRunner

    from planner.cli import app

    text = (
        "name: t\ninput_shape: [7, 7, 1]\nlayers:\n"
        "  - {type: Conv2DTranspose, filters: 1, kernel_size: 4, strides: 2, padding: same,"
        " output_padding: 0}\n"
    )
    import keras

    layer = keras.layers.Conv2DTranspose(1, 4, strides=2, padding="same", output_padding=0)
    real = tuple(layer(np.zeros((1, 7, 7, 1), "float32")).shape[1:])  # the torch backend
    assert planner.infer(planner.loads(text)).output_shape == real
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.yaml"
        path.write_text(text)
        out = CliRunner().invoke(app, ["show", str(path)], env={"COLUMNS": "200"}).output
    assert "TensorFlow backend this layer fails" in out
    assert "pad b|a: padding before|after" in out


# --- ONNX Runtime -------------------------------------------------------------------


def onnx_shape(op: str, n: int, attrs: dict[str, Any]) -> tuple[int, ...] | None:
    from onnx import TensorProto, helper

    objects: list[Any] = []
    inputs = ["x"]
    if op in ("Conv", "ConvTranspose"):
        inputs.append("w")
        objects.append(helper.make_tensor_value_info("w", TensorProto.FLOAT, [1, 1, 3]))
    objects.insert(0, helper.make_node(op, inputs, ["y"], **attrs))
    try:
        y = run_onnx_objects(objects, np.zeros((1, 1, n), "float32"))
    except Exception:  # ONNX Runtime refuses
        return None
    return None if y.size == 0 else tuple(y.shape[1:])


@FAST
@given(
    op=st.sampled_from(["Conv", "ConvTranspose", "MaxPool", "AveragePool"]),
    auto_pad=st.sampled_from(["NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER", None]),
    pads=st.none() | st.lists(st.integers(0, 2), min_size=2, max_size=2),
    n=st.integers(1, 9),
    s=st.integers(1, 3),
)
def test_onnx_auto_pad_with_or_without_pads(
    op: str, auto_pad: Any, pads: Any, n: int, s: int
) -> None:
    attrs: dict[str, Any] = {"kernel_shape": [3], "strides": [s]}
    layer: dict[str, Any] = {"type": op, "kernel_shape": [3], "strides": [s]}
    if op in ("Conv", "ConvTranspose"):
        layer["filters"] = 1
        layer["use_bias"] = False
    if auto_pad is not None:
        attrs["auto_pad"] = auto_pad
        layer["auto_pad"] = auto_pad
    if pads is not None:
        attrs["pads"] = pads
        layer["pads"] = pads
    real = onnx_shape(op, n, attrs)
    mine = planned("onnx", [1, n], layer)
    assert mine == real, (op, auto_pad, pads, n, s)


def test_two_spellings_of_one_field_say_so() -> None:
    text = (
        "framework: onnx\ninput_shape: [1, 8]\nlayers:\n"
        "  - {type: Conv, filters: 1, kernel_shape: 3, padding: valid, pads: [1, 1]}\n"
    )
    with pytest.raises(planner.SpecError) as info:
        planner.loads(text)
    message = str(info.value)
    assert "did you mean 'pads'" not in message
    assert "'pads' and 'padding' both set the field 'padding'" in message


@FAST
@given(
    n=st.integers(1, 5),
    mode=st.sampled_from(["reflect", "edge", "wrap"]),
    before=st.integers(0, 6),
    after=st.integers(0, 6),
)
def test_onnx_pad_modes(n: int, mode: str, before: int, after: int) -> None:
    from onnx import helper

    nodes = [
        helper.make_node("Constant", [], ["p"], value_ints=[0, 0, before, 0, 0, after]),
        helper.make_node("Pad", ["x", "p"], ["y"], mode=mode),
    ]
    try:
        real: Any = tuple(run_onnx_objects(nodes, np.zeros((1, 1, n), "float32")).shape[1:])
    except Exception:  # ONNX Runtime refuses
        real = None
    layer = {"type": "Pad", "pads": [[before, after]], "mode": mode}
    assert planned("onnx", [1, n], layer) == real


@FAST
@given(
    n=st.integers(1, 5),
    mode=st.sampled_from(["reflect", "edge", "wrap"]),
    before=st.integers(0, 6),
    after=st.integers(0, 6),
)
def test_jnp_pad_modes(n: int, mode: str, before: int, after: int) -> None:
    import jax.numpy as jnp

    real = tuple(
        jnp.pad(jnp.zeros((1, n, 1)), ((0, 0), (before, after), (0, 0)), mode=mode).shape[1:]
    )
    layer = {"type": "zero_padding", "padding": [[before, after]], "mode": mode}
    assert planned("jax", [n, 1], layer) == real
