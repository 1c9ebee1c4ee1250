"""Keras 3 conformance: planner's ``keras`` dialect against real Keras layers.

Keras runs on its PyTorch backend here (tests/conftest.py sets ``KERAS_BACKEND``).
Every case builds the real layer three ways and asks each for its verdict:

- ``layer.compute_output_shape((1, *shape))`` - what ``model.summary()`` reports;
- ``layer(keras.Input(shape=...))`` - the symbolic functional-API path;
- ``layer(keras.ops.ones((1, *shape)))`` - a real torch tensor.

Keras must agree with itself (all three give one shape, or all three refuse: an
exception, or a size-0 axis), and planner must give that shape, or refuse with a
message. Where padding placement matters, all-ones probes read the resolved
``(before, after)`` padding off the real output values.

Backends (Keras 3.15.1, the version installed here):

- Transposed convolutions: the torch backend's real tensor equals
  ``compute_output_shape`` (and the JAX backend's tensor, values included) for
  every configuration tried: ranks 1-3, 'valid'/'same', ``output_padding`` None
  or below the stride. Since keras-team/keras#22876 the torch backend runs
  torch's transposed convolution with ``padding=0`` and crops/extends the result
  to JAX's window (``compute_conv_transpose_output_crops_for_torch``). Before it,
  Keras converted the arguments to torch's ``padding``/``output_padding``
  (``_convert_conv_transpose_padding_args_from_keras_to_torch``, still in
  backend_utils.py but unused): 'same' with ``output_padding=None``, stride 1 and
  an even effective kernel needs a torch output padding of 1 >= stride, which
  raised (keras-team/keras#20949) and was later clamped to 0, giving ``n - 1``
  where ``compute_output_shape`` says ``n``. ``test_conv_transpose_legacy_torch_cases``
  pins those configurations.
- ``AveragePooling3D`` with 'same': when every axis splits its padding evenly, the
  torch backend passes it to ``torch.nn.functional.avg_pool3d`` as ``padding``, and
  torch's avg_pool3d (unlike avg_pool1d/2d and max_pool3d) checks the *unpadded*
  input against the kernel, so any axis smaller than its pool raises "input image
  ... smaller than kernel size". ``compute_output_shape`` and the JAX backend give
  the shape; planner follows them (``torch_avg_pool3d_refuses``).
- ``ZeroPadding2D``/``ZeroPadding3D`` with one negative int (``ZeroPadding2D(-1)``)
  slip Keras' validation (1D and the pair forms are checked): ``compute_output_shape``
  and the torch backend crop, the JAX backend raises. planner refuses it.
- ``DepthwiseConv``/``SeparableConv`` accept strides > 1 with dilation > 1 (only
  ``Conv``/``ConvTranspose`` refuse it); they exist in 1D and 2D only.
- ``Add`` broadcasts axes of size 1 and ``Concatenate`` defaults to ``axis=-1``
  whatever the data format (see the merge tests).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import subprocess
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from planner.shapes import infer
from planner.spec.network import Network
from tests.conformance.common import Planned, plan_layer
from tests.strategies import (
    keras_channels,
    keras_conv_case,
    keras_data_formats,
    keras_pairs,
    keras_pool_case,
    keras_spatial,
    keras_strides_dilations,
    kernels,
    per_axis,
    ranks,
    sizes,
    strides,
)

KL = keras.layers

# Planner's canonical type -> Keras class name pattern.
CLASS_NAMES = {
    "conv": "Conv{r}D",
    "conv_transpose": "Conv{r}DTranspose",
    "depthwise_conv": "DepthwiseConv{r}D",
    "separable_conv": "SeparableConv{r}D",
    "max_pool": "MaxPooling{r}D",
    "avg_pool": "AveragePooling{r}D",
    "upsample": "UpSampling{r}D",
    "zero_padding": "ZeroPadding{r}D",
    "cropping": "Cropping{r}D",
    "global_avg": "GlobalAveragePooling{r}D",
    "global_max": "GlobalMaxPooling{r}D",
}


def keras_class(kind: str, rank: int) -> Any:
    return getattr(KL, CLASS_NAMES[kind].format(r=rank))


def full_shape(spatial: list[int], channels: int, data_format: str) -> tuple[int, ...]:
    """The input shape without the batch axis, in ``data_format``."""
    if data_format == "channels_first":
        return (channels, *spatial)
    return (*spatial, channels)


@pytest.fixture(scope="module", autouse=True)
def _one_torch_thread() -> Any:
    """The tensors here are tiny: torch's intra-op threads only add synchronisation
    (and the JAX batch runs on the other core). Restored after this module."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# --- asking Keras -------------------------------------------------------------------


@dataclass
class KerasRun:
    """Keras' three verdicts on one layer (no batch axis; None where it refused)."""

    declared: tuple[int, ...] | None
    symbolic: tuple[int, ...] | None
    real: np.ndarray | None
    params: int | None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def real_shape(self) -> tuple[int, ...] | None:
        return None if self.real is None else tuple(self.real.shape[1:])


REFUSALS = (ValueError, RuntimeError, TypeError)


def _verdict(shape: tuple[Any, ...], stage: str, errors: dict[str, str]) -> Any:
    if any(d is not None and d <= 0 for d in shape):
        errors[stage] = f"size-0 output {shape}"
        return None
    return shape


def run_keras(make: Callable[[], Any], in_shape: tuple[int, ...], x: Any = None) -> KerasRun:
    """Build the layer from ``make`` and ask Keras for its shape three ways."""
    errors: dict[str, str] = {}
    declared = symbolic = real = params = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            layer = make()
        except REFUSALS as exc:
            return KerasRun(None, None, None, None, {"construct": str(exc)})
        try:
            out = tuple(layer.compute_output_shape((1, *in_shape)))[1:]
            declared = _verdict(out, "compute_output_shape", errors)
        except REFUSALS as exc:
            errors["compute_output_shape"] = str(exc)
        try:
            out = tuple(layer(keras.Input(shape=in_shape)).shape)[1:]
            symbolic = _verdict(out, "keras.Input", errors)
            params = layer.count_params()
        except REFUSALS as exc:
            errors["keras.Input"] = str(exc)
        try:
            tensor = keras.ops.ones((1, *in_shape)) if x is None else x
            y = keras.ops.convert_to_numpy(make()(tensor))
            if _verdict(tuple(y.shape[1:]), "tensor", errors) is not None:
                real = y
        except REFUSALS as exc:
            errors["tensor"] = str(exc)
    return KerasRun(declared, symbolic, real, params, errors)


def keras_verdict(run: KerasRun) -> tuple[int, ...] | None:
    """The shape Keras gives, or None when it refuses.

    The symbolic call and the torch tensor must agree; ``compute_output_shape`` must
    give their shape when they succeed. It may give a shape where building refuses
    (it never sees the weights: ``groups`` not dividing the input channels is only
    checked in ``build``).
    """
    verdicts = {
        "compute_output_shape": run.declared,
        "keras.Input": run.symbolic,
        "torch tensor": run.real_shape,
    }
    agree = run.symbolic == run.real_shape and (
        run.symbolic is None or run.declared == run.symbolic
    )
    assert agree, f"Keras disagrees with itself: {verdicts} {run.errors}"
    return run.symbolic


def assert_agrees(planned: Planned, run: KerasRun, params: bool = True) -> tuple[int, ...] | None:
    """planner gives Keras' shape (and parameter count), or refuses when Keras does."""
    shape = keras_verdict(run)
    if shape is None:
        assert planned.shape is None and planned.error, (
            f"Keras refuses ({run.errors}) but planner gives {planned.shape}"
        )
        return None
    assert planned.error is None, f"Keras gives {shape}; planner refuses: {planned.error}"
    assert planned.shape == shape, f"Keras {shape} != planner {planned.shape}"
    if params:
        assert (planned.params or 0) == run.params, (
            f"Keras counts {run.params} parameters, planner {planned.params}"
        )
    return shape


# --- the all-ones probes --------------------------------------------------------------


def window_counts(n: int, k: int, s: int, d: int, before: int, out: int) -> list[int]:
    """An all-ones kernel over an all-ones input: window ``i`` starts at
    ``i*s - before`` and counts the taps ``start + j*d`` that land on real input."""
    return [sum(0 <= i * s - before + j * d < n for j in range(k)) for i in range(out)]


def transpose_counts(n: int, k: int, s: int, d: int, before: int, after: int) -> list[int]:
    """An all-ones transposed convolution: the full output ``(n-1)*s + ek`` counts
    the taps ``i*s + j*d`` landing on each position; ``before``/``after`` crop it
    (negative amounts extend it with zeros)."""
    ek = (k - 1) * d + 1
    full = [0] * ((n - 1) * s + ek)
    for i in range(n):
        for j in range(k):
            full[i * s + j * d] += 1
    full = [0] * max(-before, 0) + full[max(before, 0) :]
    if after > 0:
        full = full[: len(full) - after]
    return full + [0] * max(-after, 0)


def outer(*axes: list[int]) -> np.ndarray:
    """Per-axis counts combined: an all-ones kernel is separable."""
    result = np.array(1.0)
    for counts in axes:
        result = np.multiply.outer(result, np.array(counts, dtype=float))
    return result


# --- layer builders --------------------------------------------------------------------


def conv_spec(case: dict, kind: str = "conv") -> dict:
    spec = {
        "type": kind,
        "kernel_size": case["kernel"],
        "strides": case["strides"],
        "dilation": case["dilation"],
        "padding": case["padding"],
        "use_bias": case["use_bias"],
    }
    if kind in ("conv", "conv_transpose", "separable_conv"):
        spec["filters"] = case["filters"]
    if kind in ("depthwise_conv", "separable_conv"):
        spec["depth_multiplier"] = case.get("depth_multiplier", 1)
    if kind == "conv" and case.get("groups", 1) != 1:
        spec["groups"] = case["groups"]
    if case.get("output_padding") is not None:
        spec["output_padding"] = case["output_padding"]
    return spec


def conv_maker(case: dict, kind: str = "conv", **extra: Any) -> Callable[[], Any]:
    cls = keras_class(kind, case["rank"])
    kwargs: dict[str, Any] = {
        "kernel_size": case["kernel"],
        "strides": case["strides"],
        "dilation_rate": case["dilation"],
        "padding": case["padding"],
        "use_bias": case["use_bias"],
        "data_format": case["data_format"],
        **extra,
    }
    if kind in ("conv", "conv_transpose", "separable_conv"):
        kwargs["filters"] = case["filters"]
    if kind in ("depthwise_conv", "separable_conv"):
        kwargs["depth_multiplier"] = case.get("depth_multiplier", 1)
    if kind == "conv" and case.get("groups", 1) != 1:
        kwargs["groups"] = case["groups"]
    if kind == "conv_transpose":
        kwargs["output_padding"] = case.get("output_padding")
    return lambda: cls(**kwargs)


def check_conv(case: dict, kind: str = "conv") -> tuple[Planned, KerasRun]:
    in_shape = full_shape(case["spatial"], case["channels"], case["data_format"])
    planned = plan_layer("keras", list(in_shape), conv_spec(case, kind), case["data_format"])
    run = run_keras(conv_maker(case, kind), in_shape)
    assert_agrees(planned, run)
    return planned, run


# --- convolutions -------------------------------------------------------------------------


@settings(max_examples=90, deadline=None)
@given(case=keras_conv_case(), groups=st.sampled_from([1, 1, 1, 2, 3]))
def test_conv_matches_keras(case: dict, groups: int) -> None:
    """Conv1D/2D/3D over ranks, sizes 1-40, kernels 1-7, strides 1-4, dilations 1-3,
    'valid'/'same'/'causal' (causal refused beyond 1D), groups, both data formats."""
    case["groups"] = groups
    check_conv(case)


@settings(max_examples=60, deadline=None)
@given(
    n=sizes,
    k=kernels,
    sd=keras_strides_dilations(1),
    padding=st.sampled_from(["valid", "same", "causal"]),
)
def test_conv1d_padding_placement_ones_probe(
    n: int, k: int, sd: tuple[list[int], list[int]], padding: str
) -> None:
    """planner's resolved (before, after) padding reproduces Keras' output values:
    'same' puts the odd pixel after, 'causal' puts ek-1 before."""
    (s,), (d,) = sd
    planned = plan_layer(
        "keras",
        [n, 1],
        {"type": "conv", "filters": 1, "kernel_size": k, "strides": s, "dilation": d,
         "padding": padding, "use_bias": False},
    )  # fmt: skip
    make = lambda: KL.Conv1D(  # noqa: E731
        1, k, strides=s, dilation_rate=d, padding=padding, use_bias=False,
        kernel_initializer="ones",
    )  # fmt: skip
    run = run_keras(make, (n, 1))
    shape = assert_agrees(planned, run)
    if shape is None:
        return
    before, after = planned.padding[0]
    ek = (k - 1) * d + 1
    # The padding explains the size, and the values place it.
    assert (n + before + after - ek) // s + 1 == shape[0]
    assert run.real[0, :, 0].tolist() == window_counts(n, k, s, d, before, shape[0])


@pytest.mark.parametrize("k", [2, 4, 6])
@pytest.mark.parametrize("s", [1, 2, 3])
@pytest.mark.parametrize("n", [5, 8, 9])
def test_conv1d_even_kernel_same_odd_pixel_after(n: int, k: int, s: int) -> None:
    """Even kernels with 'same': the odd padding pixel goes after (TensorFlow's rule),
    read off the ones probe."""
    planned = plan_layer(
        "keras", [n, 1], {"type": "conv", "filters": 1, "kernel_size": k, "strides": s,
                          "padding": "same", "use_bias": False},
    )  # fmt: skip
    make = lambda: KL.Conv1D(  # noqa: E731
        1, k, strides=s, padding="same", use_bias=False, kernel_initializer="ones"
    )
    run = run_keras(make, (n, 1))
    shape = assert_agrees(planned, run)
    before, after = planned.padding[0]
    assert after - before in (0, 1)
    assert run.real[0, :, 0].tolist() == window_counts(n, k, s, 1, before, shape[0])
    if s == 1:
        # Total k-1 is odd: the extra pixel is after, so the first window misses
        # k//2 - 1 positions and the last one k//2.
        assert (before, after) == (k // 2 - 1, k // 2)


@pytest.mark.parametrize(
    ("spatial", "kernel", "strides", "dilation"),
    [
        ((7, 6), (2, 3), (1, 1), (1, 1)),
        ((7, 6), (4, 1), (2, 3), (1, 1)),
        ((9, 5), (3, 2), (1, 1), (2, 1)),
        ((5, 11), (6, 5), (3, 2), (1, 1)),
        ((1, 8), (3, 4), (1, 2), (1, 1)),
    ],
)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv2d_same_padding_per_axis_ones_probe(
    spatial: tuple[int, int],
    kernel: tuple[int, int],
    strides: tuple[int, int],
    dilation: tuple[int, int],
    data_format: str,
) -> None:
    """2D 'same' resolves each axis independently: the output values are the outer
    product of the two 1D window counts from planner's per-axis padding."""
    in_shape = full_shape(list(spatial), 1, data_format)
    planned = plan_layer(
        "keras", list(in_shape),
        {"type": "conv", "filters": 1, "kernel_size": list(kernel), "strides": list(strides),
         "dilation": list(dilation), "padding": "same", "use_bias": False},
        data_format,
    )  # fmt: skip
    make = lambda: KL.Conv2D(  # noqa: E731
        1, kernel, strides=strides, dilation_rate=dilation, padding="same", use_bias=False,
        kernel_initializer="ones", data_format=data_format,
    )  # fmt: skip
    run = run_keras(make, in_shape)
    shape = assert_agrees(planned, run)
    out = shape[:2] if data_format == "channels_last" else shape[1:]
    counts = [
        window_counts(n, k, s, d, pad[0], o)
        for n, k, s, d, pad, o in zip(
            spatial, kernel, strides, dilation, planned.padding, out, strict=True
        )
    ]
    values = run.real[0, :, :, 0] if data_format == "channels_last" else run.real[0, 0]
    np.testing.assert_array_equal(values, outer(*counts))


@pytest.mark.parametrize(
    ("rank", "kernel", "padding", "n"),
    [
        (1, 5, "valid", 3),  # input smaller than the kernel
        (2, 3, "valid", 2),
        (3, 4, "valid", 3),
        (1, 5, "same", 3),  # 'same' pads it up
        (1, 7, "causal", 2),  # causal pads ek-1 before
        (2, 7, "same", 1),
        (3, 2, "same", 1),
    ],
)
def test_conv_input_smaller_than_kernel(rank: int, kernel: int, padding: str, n: int) -> None:
    case = {
        "rank": rank, "spatial": [n] * rank, "kernel": [kernel] * rank, "strides": [1] * rank,
        "dilation": [1] * rank, "padding": padding, "channels": 2, "filters": 3,
        "data_format": "channels_last", "use_bias": True,
    }  # fmt: skip
    planned, _ = check_conv(case)
    if padding == "valid":
        assert re.search(r"output size would be -?\d+", planned.error)


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("kind", ["conv", "conv_transpose"])
def test_strides_with_dilation_refused(rank: int, kind: str) -> None:
    """Keras refuses any stride > 1 together with any dilation > 1, even on
    different axes; planner names both fields."""
    s = [2] + [1] * (rank - 1)
    d = [1] * (rank - 1) + [2]
    if rank == 1:
        d = [2]
    case = {
        "rank": rank, "spatial": [9] * rank, "kernel": [3] * rank, "strides": s,
        "dilation": d, "padding": "valid", "channels": 1, "filters": 1,
        "data_format": "channels_last", "use_bias": True,
    }  # fmt: skip
    planned, run = check_conv(case, kind)
    assert "construct" in run.errors
    assert re.search(r"strides > 1 .*dilation_rate > 1", planned.error)
    assert "strides" in planned.error


@pytest.mark.parametrize("rank", [2, 3])
def test_causal_beyond_1d_refused(rank: int) -> None:
    case = {
        "rank": rank, "spatial": [6] * rank, "kernel": [3] * rank, "strides": [1] * rank,
        "dilation": [1] * rank, "padding": "causal", "channels": 1, "filters": 1,
        "data_format": "channels_last", "use_bias": True,
    }  # fmt: skip
    planned, run = check_conv(case)
    assert "construct" in run.errors
    assert "causal" in planned.error and "padding" in planned.error


# --- depthwise and separable convolutions ------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    case=keras_conv_case(),
    kind=st.sampled_from(["depthwise_conv", "separable_conv"]),
    multiplier=st.integers(1, 3),
)
def test_depthwise_separable_match_keras(case: dict, kind: str, multiplier: int) -> None:
    """DepthwiseConv1D/2D and SeparableConv1D/2D: shapes, refusals and parameter
    counts (depthwise ``k*C*m (+C*m)``; separable adds ``C*m*filters (+filters)``).
    Unlike Conv, they accept strides > 1 with dilation > 1, and no 'causal'."""
    assume(case["rank"] < 3)
    case["depth_multiplier"] = multiplier
    check_conv(case, kind)


@pytest.mark.parametrize("kind", ["depthwise_conv", "separable_conv"])
def test_depthwise_separable_strides_with_dilation_accepted(kind: str) -> None:
    case = {
        "rank": 2, "spatial": [13, 11], "kernel": [3, 2], "strides": [2, 3],
        "dilation": [2, 3], "padding": "same", "channels": 2, "filters": 3,
        "data_format": "channels_last", "use_bias": True, "depth_multiplier": 2,
    }  # fmt: skip
    planned, _ = check_conv(case, kind)
    assert planned.shape is not None


@pytest.mark.parametrize("kind", ["depthwise_conv", "separable_conv"])
def test_depthwise_separable_3d_refused(kind: str) -> None:
    """Keras has no DepthwiseConv3D or SeparableConv3D."""
    assert not hasattr(KL, CLASS_NAMES[kind].format(r=3))
    planned = plan_layer(
        "keras", [6, 6, 6, 2], {"type": kind, "kernel_size": 3, "filters": 2}
        if kind == "separable_conv" else {"type": kind, "kernel_size": 3},
    )  # fmt: skip
    assert planned.shape is None
    assert re.search(r"1D and 2D", planned.error)


# --- transposed convolutions ---------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(case=keras_conv_case(transpose=True))
def test_conv_transpose_matches_keras(case: dict) -> None:
    """Conv1D/2D/3DTranspose with and without output_padding (>= strides refused),
    torch tensor == compute_output_shape == planner."""
    planned, run = check_conv(case, "conv_transpose")
    op = case["output_padding"]
    if op is not None and any(o >= s for o, s in zip(op, case["strides"], strict=True)):
        # Keras checks it first, on every axis, in __init__: planner gives that reason.
        assert "construct" in run.errors and "output_padding" in run.errors["construct"]
        assert re.search(r"output_padding < strides", planned.error)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 12),
    k=kernels,
    sd=keras_strides_dilations(1),
    padding=st.sampled_from(["valid", "same"]),
    op=st.none() | st.integers(0, 3),
)
def test_conv1d_transpose_placement_ones_probe(
    n: int, k: int, sd: tuple[list[int], list[int]], padding: str, op: int | None
) -> None:
    """planner's (before, after) for a transposed convolution crops the full output
    ``(n-1)*s + ek`` exactly where Keras' torch backend does (negative extends)."""
    (s,), (d,) = sd
    assume(op is None or op < s)
    spec = {"type": "conv_transpose", "filters": 1, "kernel_size": k, "strides": s,
            "dilation": d, "padding": padding, "use_bias": False, "output_padding": op}  # fmt: skip
    planned = plan_layer("keras", [n, 1], spec)
    make = lambda: KL.Conv1DTranspose(  # noqa: E731
        1, k, strides=s, dilation_rate=d, padding=padding, output_padding=op,
        use_bias=False, kernel_initializer="ones",
    )  # fmt: skip
    run = run_keras(make, (n, 1))
    if assert_agrees(planned, run) is None:
        return
    before, after = planned.padding[0]
    assert run.real[0, :, 0].tolist() == transpose_counts(n, k, s, d, before, after)


# --- pooling ---------------------------------------------------------------------------------


def pool_maker(case: dict) -> Callable[[], Any]:
    cls = keras_class("max_pool" if case["op"] == "max" else "avg_pool", case["rank"])
    return lambda: cls(
        pool_size=case["pool"],
        strides=case["strides"],
        padding=case["padding"],
        data_format=case["data_format"],
    )


def pool_spec(case: dict) -> dict:
    return {
        "type": "max_pool" if case["op"] == "max" else "avg_pool",
        "pool_size": case["pool"],
        "strides": case["strides"],
        "padding": case["padding"],
    }


def torch_avg_pool3d_refuses(case: dict, planned: Planned) -> bool:
    """Keras' torch backend hands an even 'same' split (every axis) to
    ``torch.nn.functional.avg_pool3d`` as ``padding``, and torch's avg_pool3d (unlike
    avg_pool1d/2d and max_pool3d) checks the unpadded input against the kernel:
    "input image (T: 1 H: 1 W: 1) smaller than kernel size (kT: 1 kH: 1 kW: 3)".
    An odd split on any axis is padded by Keras first and runs."""
    return (
        case["op"] == "avg"
        and case["rank"] == 3
        and case["padding"] == "same"
        and planned.padding is not None
        and all(before == after for before, after in planned.padding)
        and any(n < k for n, k in zip(case["spatial"], case["pool"], strict=True))
    )


def check_pool(case: dict) -> tuple[Planned, KerasRun]:
    """Compare one pooling case; AveragePooling3D's torch-backend refusal above is
    asserted as such (compute_output_shape, and the JAX backend in
    test_avg_pool3d_torch_quirk, give planner's shape)."""
    in_shape = full_shape(case["spatial"], case["channels"], case["data_format"])
    planned = plan_layer("keras", list(in_shape), pool_spec(case), case["data_format"])
    run = run_keras(pool_maker(case), in_shape)
    if torch_avg_pool3d_refuses(case, planned):
        assert run.real is None and "smaller than kernel size" in run.errors["tensor"]
        assert run.declared == run.symbolic == planned.shape, (run, planned.shape)
        return planned, run
    assert_agrees(planned, run)
    return planned, run


@settings(max_examples=80, deadline=None)
@given(case=keras_pool_case())
def test_pool_matches_keras(case: dict) -> None:
    """MaxPooling/AveragePooling 1D/2D/3D: stride None (= pool size) or given,
    'valid' (refused when the input is smaller than the pool) or 'same'."""
    check_pool(case)


@pytest.mark.parametrize(
    ("rank", "n", "pool", "stride", "padding"),
    [
        (2, 28, 2, None, "same"),  # the classic: 28 -> 14
        (2, 28, 2, None, "valid"),
        (2, 7, 2, None, "valid"),  # odd sizes: 3
        (2, 7, 2, None, "same"),  # 4
        (1, 7, 3, None, "same"),
        (3, 5, 2, None, "same"),
        (1, 2, 3, None, "valid"),  # input smaller than the pool: refused
        (2, 2, 3, None, "valid"),
        (3, 1, 2, None, "valid"),
        (1, 2, 3, None, "same"),  # 'same' accepts it
        (1, 10, 2, 5, "valid"),  # stride > pool
        (2, 9, 3, 1, "same"),
    ],
)
@pytest.mark.parametrize("op", ["max", "avg"])
def test_pool_edges(
    rank: int, n: int, pool: int, stride: int | None, padding: str, op: str
) -> None:
    case = {
        "rank": rank, "spatial": [n] * rank, "pool": [pool] * rank,
        "strides": None if stride is None else [stride] * rank, "padding": padding,
        "op": op, "channels": 2, "data_format": "channels_last",
    }  # fmt: skip
    planned, run = check_pool(case)
    if (rank, n, pool, stride, padding) == (2, 28, 2, None, "same"):
        assert planned.shape == run.declared == (14, 14, 2)
    if planned.shape is None:
        assert re.search(r"output size would be", planned.error)


@settings(max_examples=60, deadline=None)
@given(n=sizes, k=kernels, s=st.none() | strides, padding=st.sampled_from(["valid", "same"]))
def test_maxpool1d_placement_ramp_probe(n: int, k: int, s: int | None, padding: str) -> None:
    """Max pooling over 1..n: window ``i`` ends at ``i*s - before + k - 1`` (clamped
    to the input), so its maximum reads off planner's 'before' padding."""
    spec = {"type": "max_pool", "pool_size": k, "strides": s, "padding": padding}
    planned = plan_layer("keras", [n, 1], spec)
    ramp = keras.ops.reshape(keras.ops.arange(1, n + 1, dtype="float32"), (1, n, 1))
    run = run_keras(lambda: KL.MaxPooling1D(k, strides=s, padding=padding), (n, 1), ramp)
    shape = assert_agrees(planned, run)
    if shape is None:
        return
    stride = k if s is None else s
    before = planned.padding[0][0]
    expected = [min(i * stride - before + k - 1, n - 1) + 1 for i in range(shape[0])]
    assert run.real[0, :, 0].tolist() == expected


# --- resampling, padding, cropping --------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(data=st.data(), rank=ranks, channels=keras_channels, data_format=keras_data_formats)
def test_upsampling_matches_keras(
    data: st.DataObject, rank: int, channels: int, data_format: str
) -> None:
    """UpSampling1D (one int factor), 2D and 3D (one factor per axis)."""
    spatial = data.draw(per_axis(rank, st.integers(1, 12)))
    factors = data.draw(per_axis(rank, st.integers(1, 4)))
    in_shape = full_shape(spatial, channels, data_format)
    if rank == 1:
        make = lambda: KL.UpSampling1D(factors[0])  # noqa: E731
        data_format = "channels_last"
        in_shape = full_shape(spatial, channels, data_format)
    else:
        cls = keras_class("upsample", rank)
        make = lambda: cls(tuple(factors), data_format=data_format)  # noqa: E731
    planned = plan_layer(
        "keras", list(in_shape), {"type": "upsample", "size": factors}, data_format
    )
    assert_agrees(planned, run_keras(make, in_shape))


def _pairs_arg(rank: int, pairs: list[list[int]]) -> Any:
    return tuple(pairs[0]) if rank == 1 else tuple(tuple(p) for p in pairs)


@settings(max_examples=50, deadline=None)
@given(data=st.data(), rank=ranks, channels=keras_channels, data_format=keras_data_formats)
def test_zero_padding_matches_keras(
    data: st.DataObject, rank: int, channels: int, data_format: str
) -> None:
    """ZeroPadding1D/2D/3D with (before, after) per axis."""
    spatial = data.draw(keras_spatial(rank))
    pairs = data.draw(keras_pairs(rank))
    if rank == 1:
        data_format = "channels_last"
    in_shape = full_shape(spatial, channels, data_format)
    cls = keras_class("zero_padding", rank)
    kwargs = {} if rank == 1 else {"data_format": data_format}
    planned = plan_layer(
        "keras", list(in_shape), {"type": "zero_padding", "padding": pairs}, data_format
    )
    run = run_keras(lambda: cls(_pairs_arg(rank, pairs), **kwargs), in_shape)
    assert_agrees(planned, run)
    # Where the zeros go: the ones input sits at [before : before + n] on each axis.
    values = run.real[0, ..., 0] if data_format == "channels_last" else run.real[0, 0]
    counts = [
        [0] * b + [1] * n + [0] * a for n, (b, a) in zip(spatial, planned.padding, strict=True)
    ]
    np.testing.assert_array_equal(values, outer(*counts))


@settings(max_examples=50, deadline=None)
@given(data=st.data(), rank=ranks, channels=keras_channels, data_format=keras_data_formats)
def test_cropping_matches_keras(
    data: st.DataObject, rank: int, channels: int, data_format: str
) -> None:
    """Cropping1D/2D/3D, including crops that leave nothing (refused by both)."""
    spatial = data.draw(per_axis(rank, st.integers(1, 16)))
    pairs = data.draw(keras_pairs(rank, max_value=8))
    if rank == 1:
        data_format = "channels_last"
    in_shape = full_shape(spatial, channels, data_format)
    cls = keras_class("cropping", rank)
    kwargs = {} if rank == 1 else {"data_format": data_format}
    planned = plan_layer(
        "keras", list(in_shape), {"type": "cropping", "cropping": pairs}, data_format
    )
    shape = assert_agrees(
        planned, run_keras(lambda: cls(_pairs_arg(rank, pairs), **kwargs), in_shape)
    )
    if shape is None:
        assert re.search(r"cropping .* leaves -?\d+; it must leave at least 1", planned.error)
        assert "cropping" in planned.error


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_cropping_everything_refused(rank: int) -> None:
    pairs = [[2, 3]] + [[0, 0]] * (rank - 1)
    in_shape = (5,) * rank + (1,)
    cls = keras_class("cropping", rank)
    planned = plan_layer("keras", list(in_shape), {"type": "cropping", "cropping": pairs})
    run = run_keras(lambda: cls(_pairs_arg(rank, pairs)), in_shape)
    assert assert_agrees(planned, run) is None
    assert "leaves 0" in planned.error


# --- global pooling, flatten, dense, batch norm, reshape ---------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    data=st.data(), rank=ranks, op=st.sampled_from(["avg", "max"]), keepdims=st.booleans(),
    channels=keras_channels, data_format=keras_data_formats,
)  # fmt: skip
def test_global_pooling_matches_keras(
    data: st.DataObject, rank: int, op: str, keepdims: bool, channels: int, data_format: str
) -> None:
    spatial = data.draw(per_axis(rank, st.integers(1, 9)))
    in_shape = full_shape(spatial, channels, data_format)
    cls = keras_class(f"global_{op}", rank)
    planned = plan_layer(
        "keras", list(in_shape), {"type": "global_pool", "op": op, "keepdims": keepdims},
        data_format,
    )  # fmt: skip
    run = run_keras(lambda: cls(data_format=data_format, keepdims=keepdims), in_shape)
    assert_agrees(planned, run)


@settings(max_examples=50, deadline=None)
@given(
    dims=st.lists(st.integers(1, 7), min_size=1, max_size=4),
    units=st.integers(1, 9),
    use_bias=st.booleans(),
)
def test_flatten_then_dense_matches_keras(dims: list[int], units: int, use_bias: bool) -> None:
    """Flatten (product of the axes), then Dense on the last axis of any rank
    (``in*units (+units)`` parameters)."""
    in_shape = tuple(dims)
    if len(dims) >= 2:
        planned = plan_layer("keras", dims, {"type": "flatten"})
        assert_agrees(planned, run_keras(lambda: KL.Flatten(), in_shape))
        planned = plan_layer("keras", dims, {"type": "dense", "units": units, "use_bias": use_bias})
    else:
        planned = plan_layer(
            "keras", [*dims, 1], {"type": "dense", "units": units, "use_bias": use_bias}
        )
        in_shape = (*dims, 1)
    assert_agrees(planned, run_keras(lambda: KL.Dense(units, use_bias=use_bias), in_shape))


@settings(max_examples=40, deadline=None)
@given(
    data=st.data(), rank=ranks, channels=st.integers(1, 8), center=st.booleans(),
    scale=st.booleans(), data_format=keras_data_formats,
)  # fmt: skip
def test_batch_norm_matches_keras(
    data: st.DataObject, rank: int, channels: int, center: bool, scale: bool, data_format: str
) -> None:
    """BatchNormalization counts gamma, beta, moving mean and variance:
    ``(2 + center + scale) * C``."""
    spatial = data.draw(per_axis(rank, st.integers(1, 6)))
    in_shape = full_shape(spatial, channels, data_format)
    axis = -1 if data_format == "channels_last" else 1
    planned = plan_layer(
        "keras", list(in_shape), {"type": "batch_norm", "center": center, "scale": scale},
        data_format,
    )  # fmt: skip
    make = lambda: KL.BatchNormalization(axis=axis, center=center, scale=scale)  # noqa: E731
    assert_agrees(planned, run_keras(make, in_shape))


@st.composite
def _reshape_case(draw: st.DrawFn) -> tuple[list[int], list[int]]:
    dims = draw(st.lists(st.integers(1, 6), min_size=2, max_size=4))
    total = int(np.prod(dims))
    if draw(st.booleans()):
        # A valid target: split the total into factors, maybe one left as -1.
        target, rest = [], total
        for _ in range(draw(st.integers(0, 2))):
            f = draw(st.sampled_from([d for d in range(1, rest + 1) if rest % d == 0]))
            target.append(f)
            rest //= f
        target.append(rest)
    else:
        target = draw(st.lists(st.integers(1, 12), min_size=1, max_size=3))
    if draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    return dims, target


@settings(max_examples=50, deadline=None)
@given(case=_reshape_case())
def test_reshape_matches_keras(case: tuple[list[int], list[int]]) -> None:
    dims, target = case
    planned = plan_layer("keras", dims, {"type": "reshape", "target_shape": target})
    assert_agrees(planned, run_keras(lambda: KL.Reshape(tuple(target)), tuple(dims)))


# --- merges in a two-input network ------------------------------------------------------------


def _branch(draw: st.DrawFn, rank: int) -> dict:
    return {
        "kernel": draw(st.integers(1, 4)),
        "padding": draw(st.sampled_from(["valid", "same"])),
        "strides": draw(st.integers(1, 2)),
        "filters": draw(st.integers(2, 3)),
    }


@st.composite
def _merge_case(draw: st.DrawFn) -> dict:
    rank = draw(st.integers(1, 2))
    data_format = draw(keras_data_formats)
    kind = draw(st.sampled_from(["concatenate", "add"]))
    axis = None
    if kind == "concatenate":
        # Keras' default axis is -1; planner's default is the channel axis, the same
        # thing in channels_last. channels_first cases name the axis (see
        # test_concatenate_default_axis_channels_first).
        choices = [None] if data_format == "channels_last" else [1]
        axis = draw(st.sampled_from([*choices, 1, -1, rank + 1, -(rank + 1)]))
    return {
        "rank": rank,
        "size": draw(st.integers(3, 12)),
        "data_format": data_format,
        "kind": kind,
        "axis": axis,
        "left": _branch(draw, rank),
        "right": _branch(draw, rank),
    }


def merge_network(case: dict) -> tuple[Network, Any]:
    """The same two-branch network in planner and in Keras' functional API."""
    rank, fmt = case["rank"], case["data_format"]
    in_shape = full_shape([case["size"]] * rank, 2, fmt)
    layers: list[dict] = []
    for side in ("left", "right"):
        b = case[side]
        layers.append(
            {"type": "conv", "name": side, "inputs": ["input"], "filters": b["filters"],
             "kernel_size": b["kernel"], "strides": b["strides"], "padding": b["padding"]}
        )  # fmt: skip
    merge: dict[str, Any] = {"type": case["kind"], "name": "merge", "inputs": ["left", "right"]}
    if case["axis"] is not None:
        merge["axis"] = case["axis"]
    layers.append(merge)
    net = Network.model_validate(
        {"name": "merge", "framework": "keras", "data_format": fmt,
         "input_shape": list(in_shape), "layers": layers}
    )  # fmt: skip

    def build() -> Any:
        x = keras.Input(shape=in_shape)
        outs = []
        for side in ("left", "right"):
            b = case[side]
            conv = keras_class("conv", rank)(
                b["filters"], b["kernel"], strides=b["strides"], padding=b["padding"],
                data_format=fmt, name=side,
            )  # fmt: skip
            outs.append(conv(x))
        if case["kind"] == "add":
            return KL.Add(name="merge")(outs)
        axis = -1 if case["axis"] is None else case["axis"]
        return KL.Concatenate(axis=axis, name="merge")(outs)

    return net, build


def keras_merge(build: Callable[[], Any]) -> tuple[tuple[int, ...] | None, str | None]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return tuple(build().shape)[1:], None
    except ValueError as exc:
        return None, str(exc)


def _no_broadcast(net: Network) -> bool:
    """No axis is 1 in one branch and not in the other (Keras' Add broadcasts those;
    test_add_broadcasts_size_one_axes covers them)."""
    result = infer(net)
    left, right = result["left"].output_shape, result["right"].output_shape
    if left is None or right is None:
        return True
    return not any((a == 1) != (b == 1) for a, b in zip(left, right, strict=True))


@settings(max_examples=60, deadline=None)
@given(case=_merge_case())
def test_merge_matches_keras(case: dict) -> None:
    """Concatenate and Add of two conv branches: the shape when they fit, a refusal
    naming both inputs and the axis when they do not."""
    net, build = merge_network(case)
    if case["kind"] == "add":
        assume(_no_broadcast(net))
    shape, error = keras_merge(build)
    merged = infer(net)["merge"]
    if shape is None:
        assert merged.output_shape is None, (
            f"Keras refuses ({error}); planner {merged.output_shape}"
        )
        if not (merged.error or "").startswith("skipped"):
            assert re.search(r"left is \d+, right is \d+ on axis (L|H|W|C)", merged.error)
    else:
        assert merged.error is None, f"Keras gives {shape}; planner: {merged.error}"
        assert tuple(merged.output_shape) == shape


@pytest.mark.parametrize("kind", ["concatenate", "add"])
def test_merge_mismatch_message(kind: str) -> None:
    """8x8 through a 'valid' 3x3 conv is 6x6, through a 'same' one 8x8: both refuse,
    and planner names both inputs and the first axis that differs."""
    case = {
        "rank": 2, "size": 8, "data_format": "channels_last", "kind": kind, "axis": None,
        "left": {"kernel": 3, "padding": "valid", "strides": 1, "filters": 2},
        "right": {"kernel": 3, "padding": "same", "strides": 1, "filters": 2},
    }  # fmt: skip
    net, build = merge_network(case)
    shape, error = keras_merge(build)
    assert shape is None and error
    merged = infer(net)["merge"]
    assert merged.output_shape is None
    assert re.search(r"left is 6, right is 8 on axis H; a " + kind, merged.error)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ({"kernel": 1, "padding": "valid", "strides": 1, "filters": 1},
         {"kernel": 1, "padding": "valid", "strides": 1, "filters": 3}),  # C: 1 vs 3
        ({"kernel": 3, "padding": "valid", "strides": 1, "filters": 2},
         {"kernel": 1, "padding": "valid", "strides": 1, "filters": 2}),  # L: 1 vs 3
    ],
)  # fmt: skip
def test_add_broadcasts_size_one_axes(left: dict, right: dict) -> None:
    """Keras' Add (Merge._compute_elemwise_op_output_shape) broadcasts an axis of
    size 1 against any size: (3, 1) + (3, 3) is (3, 3), (1, 2) + (3, 2) is (3, 2)."""
    case = {"rank": 1, "size": 3, "data_format": "channels_last", "kind": "add", "axis": None,
            "left": left, "right": right}  # fmt: skip
    net, build = merge_network(case)
    shape, error = keras_merge(build)
    assert shape is not None, error
    assert 1 in [*infer(net)["left"].output_shape, *infer(net)["right"].output_shape]
    merged = infer(net)["merge"]
    assert merged.error is None, merged.error
    assert tuple(merged.output_shape) == shape


def test_concatenate_default_axis_channels_first() -> None:
    """``Concatenate()`` joins on axis -1 whatever the data format: in
    channels_first that is the last spatial axis, not the channels."""
    case = {
        "rank": 1, "size": 6, "data_format": "channels_first", "kind": "concatenate",
        "axis": None,
        "left": {"kernel": 3, "padding": "same", "strides": 1, "filters": 2},
        "right": {"kernel": 3, "padding": "same", "strides": 1, "filters": 2},
    }  # fmt: skip
    net, build = merge_network(case)
    shape, error = keras_merge(build)
    assert shape == (2, 12), error
    merged = infer(net)["merge"]
    assert merged.error is None, merged.error
    assert tuple(merged.output_shape) == shape


# --- what Keras has no spelling for ---------------------------------------------------------------


def test_conv_transpose_groups_refused() -> None:
    """Keras' transposed convolutions take no ``groups``."""
    with pytest.raises(ValueError, match="groups"):
        KL.Conv2DTranspose(4, 3, groups=2)
    planned = plan_layer(
        "keras", [8, 8, 4], {"type": "conv_transpose", "filters": 4, "kernel_size": 3, "groups": 2}
    )
    assert planned.shape is None
    assert "groups" in planned.error


# --- the JAX backend ----------------------------------------------------------------------------
#
# One subprocess (KERAS_BACKEND=jax) runs the whole batch; it starts with the first
# test of this module and runs beside the others on the second core, so its XLA
# compilations (~50 ms per distinct convolution) cost little wall time.

JAX_SCRIPT = r"""
import json, sys, warnings
warnings.simplefilter("ignore")
import keras
import numpy as np

results = []
for case in json.load(open(sys.argv[1])):
    res = {}
    try:
        r = len(case["spatial"])
        x = np.ones((1, *case["spatial"], 1), "float32")
        if case["kind"] == "conv_transpose":
            # What Conv{r}DTranspose.call runs, with an all-ones kernel.
            layer = getattr(keras.layers, f"Conv{r}DTranspose")(
                1, case["kernel"], strides=case["strides"], dilation_rate=case["dilation"],
                padding=case["padding"], output_padding=case["output_padding"])
            res["declared"] = list(layer.compute_output_shape(x.shape))[1:]
            y = keras.ops.conv_transpose(
                x, np.ones((*case["kernel"], 1, 1), "float32"), strides=case["strides"],
                padding=case["padding"], output_padding=case["output_padding"],
                dilation_rate=case["dilation"])
        elif case["kind"] == "avg_pool":
            layer = getattr(keras.layers, f"AveragePooling{r}D")(
                case["pool"], strides=case["strides"], padding=case["padding"])
            res["declared"] = list(layer.compute_output_shape(x.shape))[1:]
            y = layer(x)
        else:
            layer = getattr(keras.layers, f"ZeroPadding{r}D")(case["padding"])
            res["declared"] = list(layer.compute_output_shape(x.shape))[1:]
            y = layer(x)
        y = np.asarray(y)
        res["shape"] = list(y.shape[1:])
        res["values"] = y.ravel().tolist()
    except Exception as exc:
        res["error"] = f"{type(exc).__name__}: {exc}"
    results.append(res)
json.dump(results, open(sys.argv[2], "w"))
"""


def _transpose_grid() -> list[dict]:
    """1D: sizes 1-4, kernels 1-5, strides 1-3, dilation 1-2, both modes, output
    padding None / 0 / stride-1; then mixed 2D/3D cases; then the legacy cases."""
    cases = []
    for n, k, s, d, padding in itertools.product(
        [1, 2, 4], range(1, 6), [1, 2, 3], [1, 2], ["valid", "same"]
    ):
        if s > 1 and d > 1:
            continue
        for op in sorted({None, 0, s - 1}, key=lambda v: -1 if v is None else v):
            cases.append({"kind": "conv_transpose", "spatial": [n], "kernel": [k],
                          "strides": [s], "dilation": [d], "padding": padding,
                          "output_padding": None if op is None else [op]})  # fmt: skip
    rng = random.Random(7)
    for _ in range(10):
        rank = rng.choice([2, 3])
        s = [rng.randint(1, 3) for _ in range(rank)]
        cases.append({
            "kind": "conv_transpose",
            "spatial": [rng.randint(1, 5) for _ in range(rank)],
            "kernel": [rng.randint(1, 4) for _ in range(rank)],
            "strides": s, "dilation": [1] * rank,
            "padding": rng.choice(["valid", "same"]),
            "output_padding": rng.choice([None, [rng.randint(0, si - 1) for si in s]]),
        })  # fmt: skip
    for rank, k, d in LEGACY_CASES:
        cases.append({"kind": "conv_transpose", "spatial": [4] * rank, "kernel": [k] * rank,
                      "strides": [1] * rank, "dilation": [d] * rank, "padding": "same",
                      "output_padding": None})  # fmt: skip
    return cases


# 'same', stride 1, no output_padding, even effective kernel (rank, kernel, dilation):
# where Keras < 3.15 on torch clamped (keras-team/keras#20949's Conv3DTranspose(k=2)).
LEGACY_CASES = [(1, 2, 1), (1, 4, 1), (1, 4, 3), (2, 6, 1), (3, 2, 1)]
TRANSPOSE_GRID = _transpose_grid()
# AveragePooling3D 'same' that the torch backend refuses (see torch_avg_pool3d_refuses).
AVG_POOL3D_QUIRK = [
    {"kind": "avg_pool", "spatial": [1, 1, 1], "pool": [1, 1, 3], "strides": None,
     "padding": "same"},
    {"kind": "avg_pool", "spatial": [2, 4, 3], "pool": [4, 2, 1], "strides": [2, 2, 1],
     "padding": "same"},
    {"kind": "avg_pool", "spatial": [3, 5, 5], "pool": [5, 5, 5], "strides": [1, 1, 1],
     "padding": "same"},
]  # fmt: skip
ZERO_PAD_NEGATIVE = [
    {"kind": "zero_padding", "spatial": [6, 5], "padding": -1},
    {"kind": "zero_padding", "spatial": [6, 5, 7], "padding": -2},
]
JAX_CASES = TRANSPOSE_GRID + AVG_POOL3D_QUIRK + ZERO_PAD_NEGATIVE


@pytest.fixture(scope="module", autouse=True)
def _jax_batch(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Start the JAX subprocess with this module's first test; stop it at the end."""
    folder = tmp_path_factory.mktemp("keras_jax")
    cases, results = folder / "cases.json", folder / "results.json"
    cases.write_text(json.dumps(JAX_CASES))
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    with open(folder / "stderr.txt", "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-c", JAX_SCRIPT, str(cases), str(results)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    yield proc, folder
    if proc.poll() is None:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def jax_results(_jax_batch: Any) -> dict[str, dict]:
    """The JAX batch's results by case (JSON of the case as the key)."""
    proc, folder = _jax_batch
    proc.wait(timeout=300)
    assert proc.returncode == 0, (folder / "stderr.txt").read_text()[-2000:]
    results = json.loads((folder / "results.json").read_text())
    return {json.dumps(c): r for c, r in zip(JAX_CASES, results, strict=True)}


def _transpose_torch(case: dict) -> tuple[Planned, KerasRun]:
    rank = len(case["spatial"])
    spec = {"type": "conv_transpose", "filters": 1, "kernel_size": case["kernel"],
            "strides": case["strides"], "dilation": case["dilation"],
            "padding": case["padding"], "use_bias": False,
            "output_padding": case["output_padding"]}  # fmt: skip
    in_shape = (*case["spatial"], 1)
    planned = plan_layer("keras", list(in_shape), spec)
    cls = keras_class("conv_transpose", rank)
    make = lambda: cls(  # noqa: E731
        1, case["kernel"], strides=case["strides"], dilation_rate=case["dilation"],
        padding=case["padding"], output_padding=case["output_padding"], use_bias=False,
        kernel_initializer="ones",
    )  # fmt: skip
    return planned, run_keras(make, in_shape)


def test_conv_transpose_backends_agree(jax_results: dict[str, dict]) -> None:
    """On the whole grid the JAX backend's tensor, the torch backend's tensor,
    compute_output_shape and planner agree on the shape (a size-0 output counts as a
    refusal: 'same' with output_padding=0, an even kernel and n=1 gives 0 everywhere),
    and the two backends' all-ones outputs are identical and equal planner's crop."""
    for case in TRANSPOSE_GRID:
        jax_res = jax_results[json.dumps(case)]
        planned, run = _transpose_torch(case)
        torch_shape = assert_agrees(planned, run)
        assert "error" not in jax_res, (case, jax_res)
        jax_shape = tuple(jax_res["shape"])
        assert tuple(jax_res["declared"]) == jax_shape, (case, jax_res)
        if torch_shape is None:
            assert 0 in jax_shape, (case, jax_shape)
            continue
        assert jax_shape == torch_shape, (case, jax_shape, torch_shape)
        assert jax_res["values"] == run.real.ravel().tolist(), case
        counts = [
            transpose_counts(n, k, s, d, *pad)
            for n, k, s, d, pad in zip(
                case["spatial"], case["kernel"], case["strides"], case["dilation"],
                planned.padding, strict=True,
            )
        ]  # fmt: skip
        np.testing.assert_array_equal(run.real[0, ..., 0], outer(*counts), err_msg=str(case))


@pytest.mark.parametrize(("rank", "k", "d"), LEGACY_CASES)
def test_conv_transpose_legacy_torch_cases(
    rank: int, k: int, d: int, jax_results: dict[str, dict]
) -> None:
    """'same', output_padding=None, stride 1, even effective kernel: Keras < 3.15 on
    torch clamped the output padding 1 -> 0 and returned n-1; Keras 3.15 returns
    n = compute_output_shape on torch and on JAX, as planner does."""
    case = next(
        c for c in TRANSPOSE_GRID
        if c["spatial"] == [4] * rank and c["kernel"] == [k] * rank
        and c["dilation"] == [d] * rank and c["padding"] == "same"
        and c["strides"] == [1] * rank and c["output_padding"] is None
    )  # fmt: skip
    planned, run = _transpose_torch(case)
    shape = assert_agrees(planned, run)
    assert shape == (4,) * rank + (1,)
    assert tuple(jax_results[json.dumps(case)]["shape"]) == shape


@pytest.mark.parametrize("case", AVG_POOL3D_QUIRK, ids=lambda c: str(c["spatial"]))
def test_avg_pool3d_torch_quirk(case: dict, jax_results: dict[str, dict]) -> None:
    """AveragePooling3D 'same' with an even split and an axis smaller than its pool:
    the torch backend raises, compute_output_shape and the JAX backend give the
    shape, and planner gives that shape."""
    full = {**case, "rank": 3, "op": "avg", "channels": 1, "data_format": "channels_last"}
    planned, _ = check_pool(full)
    assert torch_avg_pool3d_refuses(full, planned)
    jax_res = jax_results[json.dumps(case)]
    assert "error" not in jax_res, jax_res
    assert tuple(jax_res["shape"]) == tuple(jax_res["declared"]) == planned.shape


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_zero_padding_negative_int_quirk(rank: int, jax_results: dict[str, dict]) -> None:
    """``ZeroPadding{2,3}D(-p)``: the int form skips Keras' ``>= 0`` check (1D and the
    pair forms check it). compute_output_shape and the torch backend crop p per
    side; the JAX backend raises. planner refuses (the model would not run
    everywhere)."""
    cls = keras_class("zero_padding", rank)
    if rank == 1:
        run = run_keras(lambda: cls(-1), (6, 1))
        assert keras_verdict(run) is None and "construct" in run.errors
        planned = plan_layer("keras", [6, 1], {"type": "zero_padding", "padding": -1})
        assert planned.shape is None
        return
    case = next(c for c in ZERO_PAD_NEGATIVE if len(c["spatial"]) == rank)
    p = case["padding"]
    in_shape = (*case["spatial"], 1)
    run = run_keras(lambda: cls(p), in_shape)
    cropped = (*(n + 2 * p for n in case["spatial"]), 1)
    assert keras_verdict(run) == cropped
    jax_res = jax_results[json.dumps(case)]
    assert tuple(jax_res["declared"]) == cropped
    assert "negative" in jax_res.get("error", ""), jax_res
    planned = plan_layer("keras", list(in_shape), {"type": "zero_padding", "padding": p})
    assert planned.shape is None
    assert re.search(r"zero padding must be >= 0", planned.error)
    pairs = [[-p, 0]] * rank
    pairs[0] = [p, 0]
    refused = run_keras(lambda: cls(_pairs_arg(rank, pairs)), in_shape)
    assert keras_verdict(refused) is None and "construct" in refused.errors
    planned = plan_layer("keras", list(in_shape), {"type": "zero_padding", "padding": pairs})
    assert planned.shape is None
