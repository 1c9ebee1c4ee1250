"""planner's ONNX dialect against ONNX Runtime (CPUExecutionProvider).

Each test builds a one-node ONNX model with ``onnx.helper``, runs it in an
``onnxruntime.InferenceSession`` and compares with ``plan_layer("onnx", ...)``:
the output shape, refusals both ways (an exception at session creation or run, or
an empty output, is a refusal), the parameter count (the initializers ORT accepted)
and, where padding placement shows, the output *values*.

The value probe: all-ones kernels (or max/average pooling) over an input of
distinct positive integers. Each output is then a sum, maximum or mean over the
window's real input positions, which the reference below computes from planner's
resolved ``(before, after)`` padding, stride, dilation and kernel; a window placed
one pixel off changes the value. (With an all-ones input the sums would be the
counts of real positions, the classic ones probe; distinct values also catch shifts
the counts cannot see, such as a kernel of 1 under SAME padding.)

Every ORT quirk listed in ``planner/dialects/onnx.py`` is asserted here, by the
randomized grids and by a named test.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnxruntime as ort
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper, numpy_helper

from planner.symbolic.ops import symbol, truth
from tests.conformance.common import Planned, plan_layer
from tests.strategies import (
    onnx_conv_case,
    onnx_pad_case,
    onnx_pool_case,
    onnx_resize_case,
)

OPSET = 21  # AveragePool dilations need opset >= 19
IR_VERSION = 10  # what ONNX Runtime 1.31 accepts with opset 21
FLT_LOWEST = float(np.finfo(np.float32).min)  # MaxPool over padding only


# --- running one node in ONNX Runtime ------------------------------------------


def _session_options() -> ort.SessionOptions:
    options = ort.SessionOptions()
    options.log_severity_level = 4  # refusals are expected; keep them quiet
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return options


_OPTIONS = _session_options()


def run_node(
    op: str, x: np.ndarray, attrs: dict[str, Any], inputs: list[tuple[str, Any]] = ()
) -> tuple[np.ndarray | None, str | None]:
    """ORT's output of one ``op`` node on ``x``, or ``(None, reason)`` when it
    refuses: an exception at session creation or run, or an empty output.

    ``inputs`` are the node's further inputs as initializers, in order;
    ``(name, None)`` leaves an optional input out.
    """
    names, initializers = ["x"], []
    for name, value in inputs:
        names.append(name if value is not None else "")
        if value is not None:
            initializers.append(numpy_helper.from_array(np.asarray(value), name))
    node = helper.make_node(op, names, ["y"], **attrs)
    graph = helper.make_graph(
        [node],
        "probe",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    try:
        session = ort.InferenceSession(
            model.SerializeToString(), _OPTIONS, providers=["CPUExecutionProvider"]
        )
        y = session.run(None, {"x": x})[0]
    except Exception as exc:  # any ORT failure is a refusal
        return None, str(exc)
    if y.size == 0:
        return None, f"empty output {y.shape}"
    return y, None


def probe_input(channels: int, spatial: list[int]) -> np.ndarray:
    """Distinct positive integers 1, 2, ... over the spatial axes, equal in every
    channel; batch 1."""
    plane = np.arange(1, math.prod(spatial) + 1, dtype=np.float32).reshape(spatial)
    return np.broadcast_to(plane, (1, channels, *spatial)).copy()


# --- reference windows from planner's padding ------------------------------------


def _taps(count: int, k: int, s: int, d: int, before: int) -> np.ndarray:
    """Input position of every kernel tap of every window: ``(count, k)``."""
    return np.arange(count)[:, None] * s - before + np.arange(k)[None, :] * d


def _along(x: np.ndarray, axis: int, matrix: np.ndarray) -> np.ndarray:
    """Apply ``out[o] = sum_p matrix[o, p] * x[p]`` along ``axis``."""
    moved = np.moveaxis(x, axis, -1) @ matrix.T
    return np.moveaxis(moved, -1, axis)


def _tap_matrix(n: int, taps: np.ndarray) -> np.ndarray:
    """``m[o, p]``: how many taps of window ``o`` land on real input position ``p``."""
    m = np.zeros((taps.shape[0], n))
    for o, row in enumerate(taps):
        for p in row:
            if 0 <= p < n:
                m[o, p] += 1
    return m


def window_sums(x: np.ndarray, geometry: list[tuple[int, int, int, int, int]]) -> np.ndarray:
    """An all-ones kernel over ``x``'s spatial axes (zero padding): per axis
    ``(k, s, d, before, out)``. A box sum is the iterated sum over its axes."""
    for i, (k, s, d, before, out) in enumerate(geometry):
        axis = 2 + i
        x = _along(x, axis, _tap_matrix(x.shape[axis], _taps(out, k, s, d, before)))
    return x


def window_means(
    x: np.ndarray, geometry: list[tuple[int, int, int, int, int]], pads: list[tuple[int, int]]
) -> np.ndarray:
    """AveragePool with ``count_include_pad=1``: ORT clips each window to the padded
    input ``[-before, n + after)`` and averages the taps left (padding counts 0).
    A window running past the end padding (ceil mode) counts fewer taps; a
    negative ``after`` (SAME pooling) drops real input at the end."""
    for i, ((k, s, d, before, out), (_, after)) in enumerate(zip(geometry, pads, strict=True)):
        axis = 2 + i
        n = x.shape[axis]
        taps = _taps(out, k, s, d, before)
        inside = (taps >= -before) & (taps < n + after)
        kept = np.where(inside, taps, -1)  # -1: not a real position
        x = _along(x, axis, _tap_matrix(n, kept) / inside.sum(axis=1)[:, None])
    return x


def window_maxima(x: np.ndarray, geometry: list[tuple[int, int, int, int, int]]) -> np.ndarray:
    """MaxPool: the largest real value per window (ORT gives the lowest float32
    where a window holds padding only). A box maximum is the iterated maximum."""
    x = x.astype(np.float64)
    for i, (k, s, d, before, out) in enumerate(geometry):
        axis = 2 + i
        n = x.shape[axis]
        taps = _taps(out, k, s, d, before)
        moved = np.moveaxis(x, axis, -1)
        picked = np.where((taps >= 0) & (taps < n), moved[..., np.clip(taps, 0, n - 1)], -np.inf)
        x = np.moveaxis(picked.max(axis=-1), -1, axis)
    return np.where(np.isneginf(x), FLT_LOWEST, x)


def transposed_sums(x: np.ndarray, geometry: list[tuple[int, int, int, int, int]]) -> np.ndarray:
    """An all-ones transposed convolution: input ``p`` spreads to ``p*s + j*d`` of
    the full output, which planner's ``before`` crops at the start; positions past
    the full output (output padding, a larger ``output_shape``) are zero."""
    for i, (k, s, d, before, out) in enumerate(geometry):
        axis = 2 + i
        n = x.shape[axis]
        spread = np.arange(n)[:, None] * s + np.arange(k)[None, :] * d  # (n, k)
        m = np.zeros((out, n))
        for o in range(out):
            m[o] = (spread == o + before).sum(axis=1)
        x = _along(x, axis, m)
    return x


# --- comparing ---------------------------------------------------------------


def assert_same_verdict(p: Planned, y: np.ndarray | None, why: str | None, case: Any) -> bool:
    """Both refuse, or both accept with one shape; True when both accept."""
    if y is None:
        assert p.shape is None, f"ORT refuses ({why}) but planner gives {p.shape}: {case}"
        assert p.error, case
        return False
    assert p.error is None, f"ORT gives {y.shape[1:]} but planner refuses ({p.error}): {case}"
    assert p.shape == tuple(y.shape[1:]), f"ORT {y.shape[1:]} != planner {p.shape}: {case}"
    return True


def padding_attrs(padding: dict) -> tuple[dict[str, Any], dict[str, Any]]:
    """ORT attributes and planner fields for one ``onnx_padding`` draw."""
    attrs: dict[str, Any] = {"auto_pad": padding["auto_pad"]}
    if padding["pairs"] is not None:
        attrs["pads"] = [p[0] for p in padding["pairs"]] + [p[1] for p in padding["pairs"]]
    return attrs, {padding["key"]: padding["value"]}


@dataclass
class Node:
    """One ONNX node on the probe input, and the planner layer that describes it."""

    op: str
    x: np.ndarray
    attrs: dict[str, Any]
    inputs: list[tuple[str, Any]]
    layer: dict[str, Any]

    def run(self) -> tuple[np.ndarray | None, str | None]:
        return run_node(self.op, self.x, self.attrs, self.inputs)

    def plan(self, spatial: list[Any] | None = None) -> Planned:
        """planner on this layer; ``spatial`` replaces the input sizes (symbols)."""
        sizes = list(self.x.shape[2:]) if spatial is None else spatial
        return plan_layer("onnx", [self.x.shape[1], *sizes], self.layer)


# --- Conv ------------------------------------------------------------------------


def conv_node(case: dict) -> Node:
    n, k, s, d = case["spatial"], case["kernel"], case["strides"], case["dilation"]
    cin, cout, groups = case["channels"], case["filters"], case["groups"]
    attrs, fields = padding_attrs(case["padding"])
    attrs.update(kernel_shape=k, strides=s, dilations=d, group=groups)
    inputs = [("W", np.ones((cout, cin // groups, *k), np.float32))]
    if case["use_bias"]:
        inputs.append(("B", np.zeros(cout, np.float32)))
    layer = {
        "type": "conv",
        "filters": cout,
        "kernel_size": k,
        "strides": s,
        "dilation": d,
        "groups": groups,
        "use_bias": case["use_bias"],
        **fields,
    }
    return Node("Conv", probe_input(cin, n), attrs, inputs, layer)


def check_conv(case: dict) -> tuple[Planned, str | None]:
    node = conv_node(case)
    y, why = node.run()
    p = node.plan()
    if assert_same_verdict(p, y, why, case):
        assert p.params == sum(a.size for _, a in node.inputs), case
        geometry = [
            (ki, si, di, pad[0], out)
            for ki, si, di, pad, out in zip(
                case["kernel"], case["strides"], case["dilation"], p.padding, p.shape[1:],
                strict=True,
            )
        ]  # fmt: skip
        per_group = case["channels"] // case["groups"]
        expected = window_sums(node.x[:, :per_group], geometry).sum(axis=1)
        for c in range(case["filters"]):
            np.testing.assert_array_equal(y[0, c], expected[0], err_msg=str((case, p.padding)))
    return p, why


@settings(max_examples=100, deadline=None)
@given(onnx_conv_case())
def test_conv_matches_onnxruntime(case: dict) -> None:
    check_conv(case)


def _conv(n: list[int], k: list[int], padding: Any, s: Any = 1, d: Any = 1) -> dict:
    """A one-channel Conv case in ``onnx_conv_case``'s form; ``padding`` a mode
    string or ``[before, after]`` pairs."""
    rank = len(n)
    if isinstance(padding, str):
        auto_pad = {"same": "SAME_UPPER"}.get(padding, padding.upper())
        pad = {"auto_pad": auto_pad, "pairs": None, "key": "padding", "value": padding}
    else:
        pad = {"auto_pad": "NOTSET", "pairs": padding, "key": "padding", "value": padding}
    return {
        "rank": rank,
        "spatial": n,
        "kernel": k,
        "strides": s if isinstance(s, list) else [s] * rank,
        "dilation": d if isinstance(d, list) else [d] * rank,
        "padding": pad,
        "groups": 1,
        "channels": 1,
        "filters": 1,
        "use_bias": False,
    }


@pytest.mark.parametrize(
    "case",
    [
        # explicit asymmetric pads (the flat ``pads`` form is in the random grid)
        _conv([5], [3], [[1, 2]]),
        _conv([6, 5], [3, 2], [[0, 2], [1, 0]], s=[2, 1]),
        _conv([4, 3, 5], [2, 2, 3], [[1, 0], [0, 1], [2, 2]], s=[1, 2, 2], d=[1, 1, 2]),
        # stride > kernel with SAME: where the odd pixel goes, and a kernel of 1
        _conv([7], [2], "same_upper", s=3),
        _conv([7], [2], "same_lower", s=3),
        _conv([6], [1], "same_lower", s=4),
        _conv([5], [4], "same"),
        _conv([5, 6], [4, 1], "same_lower", s=[1, 3]),
        # input smaller than the kernel: refused, unless padding makes up for it
        _conv([3], [5], "valid"),
        _conv([3], [5], "notset"),
        _conv([3], [5], [[1, 1]]),
        _conv([3], [5], [[0, 1]]),
        _conv([3], [2], "valid", d=3),
        _conv([2], [5], "same"),
        # dilation, strides
        _conv([9], [3], "valid", s=2, d=3),
        _conv([8, 8], [3, 3], [[2, 2], [0, 1]], s=[3, 1], d=[2, 3]),
    ],
)
def test_conv_edges(case: dict) -> None:
    check_conv(case)


_KERNEL_BELOW_STRIDE = [
    (3, 1, 3),
    (4, 1, 4),
    (9, 1, 5),
    (11, 2, 7),
    (5, 1, 6),
    (6, 1, 4),
    (7, 2, 3),
]


@pytest.mark.parametrize("mode", ["same_upper", "same_lower"])
@pytest.mark.parametrize(("n", "k", "s"), _KERNEL_BELOW_STRIDE)
@pytest.mark.parametrize("rank", [1, 2])
def test_conv_same_kernel_below_stride(mode: str, n: int, k: int, s: int, rank: int) -> None:
    """SAME with a kernel below the stride: a negative total padding, raised by 1
    and split toward zero, starts the windows later (the values show where)."""
    raw = (math.ceil(n / s) - 1) * s + k - n
    p, why = check_conv(
        _conv([n] + [3] * (rank - 1), [k] + [1] * (rank - 1), mode, s=[s] + [1] * (rank - 1))
    )
    assert why is None
    total = raw if raw >= 0 else raw + 1
    half = total if mode == "same_upper" else total + 1
    assert p.padding[0] == (int(half / 2), total - int(half / 2))  # C division


@pytest.mark.parametrize("mode", ["same", "same_upper", "same_lower"])
@pytest.mark.parametrize("dilation", [[2], [1, 2], [1, 1, 3]])
def test_conv_same_with_dilation_is_refused(mode: str, dilation: list[int]) -> None:
    """ORT refuses SAME_* with a dilation > 1 on any axis (when it runs)."""
    rank = len(dilation)
    p, why = check_conv(_conv([6] * rank, [3] * rank, mode, d=dilation))
    assert "Dilation not supported" in why
    assert re.search(r"dilation", p.error)


@pytest.mark.parametrize("pads", [[[-1, 0]], [[2, -1]], [[1, 1], [0, -1]]])
@pytest.mark.parametrize("kind", ["conv", "conv_transpose", "output_shape", "max", "avg"])
def test_negative_pads_are_refused(pads: list[list[int]], kind: str) -> None:
    """ONNX shape inference refuses negative ``pads`` on every op, even where
    ``output_shape`` makes ConvTranspose ignore them."""
    n, k = [6] * len(pads), [3] * len(pads)
    if kind == "conv":
        p, why = check_conv(_conv(n, k, pads))
    elif kind in ("conv_transpose", "output_shape"):
        shape = [7] * len(pads) if kind == "output_shape" else None
        p, why = check_conv_transpose(_convt(n, k, pads, output_shape=shape))
    else:
        p, why = check_pool(_pool(kind, n, k, pads))
    assert "must not contain negative values" in why
    assert re.search(r"pads must be >= 0", p.error)


# --- ConvTranspose -----------------------------------------------------------------


def conv_transpose_node(case: dict) -> Node:
    n, k, s, d = case["spatial"], case["kernel"], case["strides"], case["dilation"]
    cin, cout, groups = case["channels"], case["filters"], case["groups"]
    attrs, fields = padding_attrs(case["padding"])
    attrs.update(kernel_shape=k, strides=s, dilations=d, group=groups)
    layer = {
        "type": "conv_transpose",
        "filters": cout,
        "kernel_size": k,
        "strides": s,
        "dilation": d,
        "groups": groups,
        "use_bias": case["use_bias"],
        **fields,
    }
    if case["output_padding"] is not None:
        attrs["output_padding"] = layer["output_padding"] = case["output_padding"]
    if case["output_shape"] is not None:
        attrs["output_shape"] = layer["output_shape"] = case["output_shape"]
    inputs = [("W", np.ones((cin, cout // groups, *k), np.float32))]
    if case["use_bias"]:
        inputs.append(("B", np.zeros(cout, np.float32)))
    return Node("ConvTranspose", probe_input(cin, n), attrs, inputs, layer)


def check_conv_transpose(case: dict) -> tuple[Planned, str | None]:
    node = conv_transpose_node(case)
    y, why = node.run()
    p = node.plan()
    if assert_same_verdict(p, y, why, case):
        assert p.params == sum(a.size for _, a in node.inputs), case
        axes = list(
            zip(
                case["spatial"], case["kernel"], case["strides"], case["dilation"],
                p.padding, p.shape[1:],
                strict=True,
            )
        )  # fmt: skip
        geometry = [(k, s, d, pad[0], out) for _, k, s, d, pad, out in axes]
        per_group = case["channels"] // case["groups"]
        expected = transposed_sums(node.x[:, :per_group], geometry).sum(axis=1)
        for c in range(case["filters"]):
            np.testing.assert_array_equal(y[0, c], expected[0], err_msg=str((case, p.padding)))
        # planner's padding keeps its invariant: full - before - after = output
        for n, k, s, d, (before, after), out in axes:
            assert (n - 1) * s + (k - 1) * d + 1 - before - after == out, (case, p.padding)
    return p, why


@settings(max_examples=120, deadline=None)
@given(onnx_conv_case(transpose=True))
def test_conv_transpose_matches_onnxruntime(case: dict) -> None:
    check_conv_transpose(case)


def _convt(
    n: list[int],
    k: list[int],
    padding: Any = "notset",
    s: Any = 1,
    d: Any = 1,
    output_padding: list[int] | None = None,
    output_shape: list[int] | None = None,
) -> dict:
    case = _conv(n, k, padding, s, d)
    case.update(output_padding=output_padding, output_shape=output_shape)
    return case


@pytest.mark.parametrize(
    "case",
    [
        _convt([3], [3], [[1, 0]], s=2),
        _convt([3], [3], [[0, 1]], s=2),
        _convt([3, 4], [3, 2], [[1, 2], [0, 1]], s=[2, 3], output_padding=[1, 2]),
        _convt([2, 2, 3], [2, 3, 2], [[0, 1], [1, 1], [0, 0]], s=[2, 1, 2], d=[1, 2, 1]),
        _convt([3], [3], "valid", s=2),
        _convt([2], [2], [[1, 1]]),  # crops down to 1
        _convt([2], [2], [[2, 1]]),  # crops to 0: refused
        _convt([3], [3], s=2, d=2, output_padding=[1]),
    ],
)
def test_conv_transpose_edges(case: dict) -> None:
    check_conv_transpose(case)


@pytest.mark.parametrize(
    ("s", "d", "op"),
    [(2, 1, 1), (2, 1, 2), (2, 1, 3), (1, 1, 1), (2, 2, 2), (1, 3, 1), (1, 3, 2), (2, 3, 2)],
)
def test_conv_transpose_output_padding_below_stride(s: int, d: int, op: int) -> None:
    """ORT checks output_padding < max(stride, dilation), then that a convolution
    over the output gives back the input size: together output_padding < stride
    (a dilation above the stride does not allow more)."""
    p, why = check_conv_transpose(_convt([3], [3], s=s, d=d, output_padding=[op]))
    assert (why is None) == (op < s), why
    if why is not None:
        assert re.search(r"output_padding", p.error)


@pytest.mark.parametrize(("n", "k", "s"), [(3, 3, 2), (5, 4, 1), (4, 4, 3), (2, 6, 3), (3, 4, 1)])
@pytest.mark.parametrize("mode", ["same_upper", "same_lower"])
def test_conv_transpose_same_odd_pixel(n: int, k: int, s: int, mode: str) -> None:
    """SAME_UPPER crops the odd pixel at the end, SAME_LOWER at the start (the ONNX
    specification's rule; older ORT releases did the opposite)."""
    case = _convt([n], [k], mode, s=s)
    p, _ = check_conv_transpose(case)
    full = (n - 1) * s + k
    total = max(full - n * s, 0)
    assert total % 2 == 1
    y, _ = run_node(
        "ConvTranspose",
        probe_input(1, [n]),
        {"kernel_shape": [k], "strides": [s], "auto_pad": mode.upper()},
        [("W", np.ones((1, 1, k), np.float32))],
    )
    head = total // 2 if mode == "same_upper" else total - total // 2
    expected = transposed_sums(probe_input(1, [n]), [(k, s, 1, head, full - total)])
    np.testing.assert_array_equal(y, expected)
    assert p.padding[0][0] == head


@pytest.mark.parametrize(("n", "k", "s"), [(3, 1, 3), (4, 2, 3), (2, 1, 4), (3, 2, 4)])
@pytest.mark.parametrize("mode", ["same_upper", "same_lower"])
def test_conv_transpose_same_kernel_below_stride(n: int, k: int, s: int, mode: str) -> None:
    """SAME pads towards n*s but never below zero padding: with a kernel smaller
    than the stride the output is the full (n - 1)*s + k, less than n*s."""
    p, _ = check_conv_transpose(_convt([n], [k], mode, s=s))
    assert p.shape[1] == (n - 1) * s + k < n * s


@pytest.mark.parametrize("mode", ["notset", "valid", "same_upper", "same_lower", [[1, 2]]])
def test_conv_transpose_output_shape(mode: Any) -> None:
    """``output_shape`` from 0 to past the full size: the odd pixel of the derived
    padding is cropped at the start except for SAME_UPPER, explicit pads are
    ignored, sizes above the full output are zero-filled at the end up to
    full + stride - 1; 0 and anything larger are refused."""
    n, k, s = 3, 3, 2
    full = (n - 1) * s + k
    verdicts = {}
    for size in range(0, full + s + 2):
        p, why = check_conv_transpose(_convt([n], [k], mode, s=s, output_shape=[size]))
        verdicts[size] = why is None
        if why is not None:
            assert re.search(r"output_shape", p.error), p.error
    assert verdicts == {size: 1 <= size <= full + s - 1 for size in verdicts}


@pytest.mark.parametrize(("op", "size"), [(1, 8), (1, 9), (1, 10), (0, 9), (1, 6)])
def test_conv_transpose_output_shape_with_output_padding(op: int, size: int) -> None:
    check_conv_transpose(_convt([3], [3], s=3, output_padding=[op], output_shape=[size]))


# --- MaxPool / AveragePool -----------------------------------------------------------


def pool_node(case: dict) -> Node:
    attrs, fields = padding_attrs(case["padding"])
    attrs.update(
        kernel_shape=case["pool"], dilations=case["dilation"], ceil_mode=int(case["ceil_mode"])
    )
    layer = {
        "type": f"{case['op']}_pool",
        "pool_size": case["pool"],
        "dilation": case["dilation"],
        "ceil_mode": case["ceil_mode"],
        **fields,
    }
    if case["strides"] is not None:
        attrs["strides"] = layer["strides"] = case["strides"]
    op = "MaxPool"
    if case["op"] == "avg":
        op = "AveragePool"
        attrs["count_include_pad"] = 1
    return Node(op, probe_input(case["channels"], case["spatial"]), attrs, [], layer)


def check_pool(case: dict) -> tuple[Planned, str | None]:
    node = pool_node(case)
    y, why = node.run()
    p = node.plan()
    if assert_same_verdict(p, y, why, case):
        strides = case["strides"] or [1] * case["rank"]
        geometry = [
            (k, s, d, pad[0], out)
            for k, s, d, pad, out in zip(
                case["pool"], strides, case["dilation"], p.padding, p.shape[1:], strict=True
            )
        ]
        if node.op == "MaxPool":
            expected = window_maxima(node.x, geometry)
            np.testing.assert_array_equal(y, expected, err_msg=str((case, p.padding)))
        else:
            expected = window_means(node.x, geometry, p.padding)
            np.testing.assert_allclose(y, expected, rtol=1e-5, err_msg=str((case, p.padding)))
    return p, why


@settings(max_examples=150, deadline=None)
@given(onnx_pool_case())
def test_pool_matches_onnxruntime(case: dict) -> None:
    check_pool(case)


def _pool(
    op: str,
    n: list[int],
    k: list[int],
    padding: Any = "notset",
    s: Any = None,
    d: Any = 1,
    ceil_mode: bool = False,
) -> dict:
    rank = len(n)
    conv = _conv(n, k, padding, 1, d)
    return {
        "rank": rank,
        "spatial": n,
        "pool": k,
        "strides": None if s is None else (s if isinstance(s, list) else [s] * rank),
        "dilation": conv["dilation"],
        "padding": conv["padding"],
        "ceil_mode": ceil_mode,
        "op": op,
        "channels": 1,
    }


@pytest.mark.parametrize("op", ["max", "avg"])
@pytest.mark.parametrize(
    "args",
    [
        # ceil_mode: the last window may not start in the end padding
        dict(n=[7], k=[2], s=3, ceil_mode=True),
        dict(n=[5], k=[2], padding=[[0, 1]], s=2, ceil_mode=True),
        dict(n=[6], k=[3], padding=[[1, 1]], s=2, ceil_mode=True),
        dict(n=[6], k=[3], padding=[[0, 2]], s=4, ceil_mode=True),
        dict(n=[6], k=[2], padding=[[1, 1]], s=3, d=2, ceil_mode=True),
        dict(n=[5, 6], k=[2, 3], padding=[[1, 0], [2, 1]], s=[2, 4], ceil_mode=True),
        # the default stride is 1
        dict(n=[6, 5], k=[3, 2]),
        # SAME with a dilation: padding from the undilated kernel
        dict(n=[7], k=[3], padding="same_upper", d=2),
        dict(n=[9], k=[2], padding="same_lower", s=2, d=3),
        dict(n=[5, 4, 6], k=[3, 2, 2], padding="same", s=[2, 1, 3], d=[2, 2, 1]),
        dict(n=[7], k=[2], padding="same_upper", ceil_mode=True, s=2, d=2),
        # input smaller than the kernel
        dict(n=[3], k=[4]),
        dict(n=[3], k=[5], padding="valid"),
        dict(n=[4, 2], k=[3, 3], padding=[[0, 0], [1, 1]]),
    ],
)
def test_pool_edges(op: str, args: dict) -> None:
    check_pool(_pool(op, **args))


@pytest.mark.parametrize("op", ["max", "avg"])
@pytest.mark.parametrize(
    ("n", "k", "s", "d", "ceil_mode"),
    [(2, 3, 3, 1, False), (6, 3, 2, 3, False), (2, 3, 2, 1, True), (3, 4, 2, 1, False)],
)
def test_pool_truncating_division_gives_one_window(
    op: str, n: int, k: int, s: int, d: int, ceil_mode: bool
) -> None:
    """A window overhanging the input by less than the stride still gives one
    output: ORT divides (n + pads - ek)/s in C, rounding toward zero."""
    ek = (k - 1) * d + 1
    assert -s < n - ek < 0
    p, why = check_pool(_pool(op, [n], [k], "valid", s=s, d=d, ceil_mode=ceil_mode))
    assert why is None and p.shape == (1, 1)


@pytest.mark.parametrize("op", ["max", "avg"])
@pytest.mark.parametrize("ceil_mode", [False, True])
@pytest.mark.parametrize(
    ("n", "k", "s", "d"), [(1, 3, 2, 1), (2, 4, 2, 1), (3, 3, 2, 2), (1, 4, 3, 1)]
)
def test_pool_overhang_of_a_stride_gives_nothing(
    op: str, n: int, k: int, s: int, d: int, ceil_mode: bool
) -> None:
    """An overhang of a whole stride gives no output (an empty tensor): refused."""
    assert n - ((k - 1) * d + 1) == -s
    p, why = check_pool(_pool(op, [n], [k], "valid", s=s, d=d, ceil_mode=ceil_mode))
    assert why is not None
    assert re.search(r"overhangs", p.error)


_NEGATIVE_SAME = [(6, 1, 4), (7, 1, 5), (7, 2, 4), (5, 1, 3), (8, 1, 5), (11, 1, 7), (9, 2, 6)]


@pytest.mark.parametrize("mode", ["same_upper", "same_lower"])
@pytest.mark.parametrize(("n", "k", "s"), _NEGATIVE_SAME)
def test_maxpool_same_negative_padding_is_refused(mode: str, n: int, k: int, s: int) -> None:
    """SAME pooling pads (ceil(n/s) - 1)*s + k - n without clamping; a negative
    amount (kernel below the stride) is refused when an undilated MaxPool runs."""
    assert (math.ceil(n / s) - 1) * s + k - n < 0
    p, why = check_pool(_pool("max", [n], [k], mode, s=s))
    assert "non-negative" in why
    assert re.search(r"padding", p.error) and re.search(r"negative", p.error)
    # one undilated axis with negative padding refuses a 2D MaxPool too
    p, why = check_pool(_pool("max", [n, 5], [k, 2], mode, s=[s, 1]))
    assert why is not None and p.error


@pytest.mark.parametrize("mode", ["same_upper", "same_lower"])
@pytest.mark.parametrize(("n", "k", "s"), _NEGATIVE_SAME)
@pytest.mark.parametrize(
    ("op", "d"), [("avg", [1]), ("avg", [2]), ("max", [2]), ("max2d", [1, 2]), ("avg2d", [1, 1])]
)
def test_pool_same_negative_padding_is_split_toward_zero(
    mode: str, n: int, k: int, s: int, op: str, d: list[int]
) -> None:
    """AveragePool, and MaxPool with a dilation on any axis, accept the negative
    SAME padding and split it in C division (toward zero); the values show where
    the windows start."""
    total = (math.ceil(n / s) - 1) * s + k - n
    assert total < 0
    n_, k_, s_ = ([n], [k], [s]) if len(d) == 1 else ([n, 6], [k, 2], [s, 1])
    p, why = check_pool(_pool(op[:3], n_, k_, mode, s=s_, d=d))
    assert why is None
    half = total if mode == "same_upper" else total + 1
    assert p.padding[0][0] == int(half / 2)  # C division


@pytest.mark.parametrize("op", ["max", "avg"])
@pytest.mark.parametrize(
    ("k", "pads"), [(2, [[2, 0]]), (2, [[0, 2]]), (3, [[1, 3]]), (1, [[1, 0]])]
)
def test_pool_pads_must_be_below_kernel(op: str, k: int, pads: list[list[int]]) -> None:
    p, why = check_pool(_pool(op, [7], [k], pads, d=2))
    assert "smaller than kernel" in why
    assert re.search(r"smaller than the kernel", p.error)


@pytest.mark.parametrize("op", ["max", "avg"])
@pytest.mark.parametrize(
    ("n", "k", "s", "pads"),
    [(4, 2, 2, [0, 1]), (5, 3, 3, [1, 2]), (4, 4, 2, [0, 3]), (7, 3, 2, [1, 2]), (8, 2, 3, [1, 1])],
)
def test_pool_ceil_mode_drops_a_window_starting_in_the_end_padding(
    op: str, n: int, k: int, s: int, pads: list[int]
) -> None:
    """ceil_mode counts ceil((n + pads - k)/s) + 1 windows, less the last when it
    would start at or past n + before, i.e. in the end padding."""
    raw = math.ceil((n + sum(pads) - k) / s) + 1
    assert (raw - 1) * s - pads[0] >= n  # the last window would start in the padding
    p, why = check_pool(_pool(op, [n], [k], [pads], s=s, ceil_mode=True))
    assert why is None and p.shape == (1, raw - 1)


@pytest.mark.parametrize("op", ["max", "avg"])
@pytest.mark.parametrize(
    ("n", "k", "s", "d"), [(7, 3, 1, 2), (9, 2, 2, 3), (8, 3, 2, 2), (10, 2, 3, 4), (6, 3, 1, 3)]
)
@pytest.mark.parametrize("mode", ["same_upper", "same_lower"])
def test_pool_same_pads_from_the_undilated_kernel(
    op: str, n: int, k: int, s: int, d: int, mode: str
) -> None:
    """SAME pooling sizes its padding with the undilated kernel, so a dilated
    window does not keep ceil(n/s); the values show the padding's placement."""
    p, why = check_pool(_pool(op, [n], [k], mode, s=s, d=d))
    total = (math.ceil(n / s) - 1) * s + k - n
    assert why is None
    assert sum(p.padding[0]) == total
    assert p.shape[1] != math.ceil(n / s)


@pytest.mark.parametrize("include", [0, 1])
def test_count_include_pad_does_not_change_the_shape(include: int) -> None:
    x = probe_input(1, [7, 5])
    attrs = {"kernel_shape": [3, 2], "pads": [1, 0, 2, 1], "strides": [2, 2], "ceil_mode": 1}
    y, _ = run_node("AveragePool", x, {**attrs, "count_include_pad": include})
    p = plan_layer(
        "onnx",
        [1, 7, 5],
        {"type": "avg_pool", "pool_size": [3, 2], "pads": [1, 0, 2, 1], "strides": 2,
         "ceil_mode": True, "count_include_pad": bool(include)},
    )  # fmt: skip
    assert p.shape == y.shape[1:]


# --- Pad ---------------------------------------------------------------------------


def check_pad(case: dict) -> None:
    n, pairs = case["spatial"], case["pairs"]
    x = probe_input(1, n)
    pads = [0, 0, *(p[0] for p in pairs), 0, 0, *(p[1] for p in pairs)]
    y, why = run_node("Pad", x, {"mode": "constant"}, [("pads", np.array(pads, np.int64))])
    p = plan_layer("onnx", [1, *n], {"type": "zero_padding", "padding": pairs})
    if assert_same_verdict(p, y, why, case):
        # output position o holds input o - before, or zero outside the input
        expected = x
        for i, ((b, _), out) in enumerate(zip(p.padding, p.shape[1:], strict=True)):
            axis = 2 + i
            source = np.arange(out) - b
            inside = (source >= 0) & (source < expected.shape[axis])
            taken = np.take(expected, np.clip(source, 0, expected.shape[axis] - 1), axis=axis)
            mask = inside.reshape([-1 if j == axis else 1 for j in range(taken.ndim)])
            expected = np.where(mask, taken, 0)
        np.testing.assert_array_equal(y, expected, err_msg=str(case))


@settings(max_examples=80, deadline=None)
@given(onnx_pad_case())
def test_pad_matches_onnxruntime(case: dict) -> None:
    check_pad(case)


@pytest.mark.parametrize(
    "pairs",
    [[[-1, 2]], [[-3, -2]], [[-3, -3]], [[-6, 2]], [[-5, 1]], [[1, -1], [0, 2]], [[2, -7]]],
)
def test_pad_negative_amounts_crop(pairs: list[list[int]]) -> None:
    n = [5] * len(pairs)
    check_pad({"rank": len(n), "spatial": n, "pairs": pairs})


# --- Resize --------------------------------------------------------------------------


def check_resize(case: dict) -> None:
    n = case["spatial"]
    x = probe_input(1, n)
    layer: dict[str, Any] = {"type": "upsample", "mode": case["mode"]}
    inputs: list[tuple[str, Any]] = [("roi", None)]
    if case["scales"] is not None:
        inputs.append(("scales", np.array([1.0, 1.0, *case["scales"]], np.float32)))
        layer["scale"] = case["scales"]
    else:
        inputs += [("scales", None), ("sizes", np.array([1, 1, *case["sizes"]], np.int64))]
        layer["output_size"] = case["sizes"]
    y, why = run_node("Resize", x, {"mode": case["mode"]}, inputs)
    p = plan_layer("onnx", [1, *n], layer)
    assert_same_verdict(p, y, why, case)


@settings(max_examples=80, deadline=None)
@given(onnx_resize_case())
def test_resize_matches_onnxruntime(case: dict) -> None:
    check_resize(case)


@pytest.mark.parametrize(
    ("n", "scale"), [(100, 0.29), (10, 0.7), (5, 1.5), (5, 0.1), (7, 1.3), (3, 0.34)]
)
def test_resize_multiplies_in_float32(n: int, scale: float) -> None:
    """ORT computes floor(float32(scale) * float32(n)): 100 * 0.29 gives 29 where
    double precision gives 28; an output of 0 is empty."""
    check_resize({"rank": 1, "spatial": [n], "scales": [scale], "sizes": None, "mode": "nearest"})
    if (n, scale) == (100, 0.29):
        assert math.floor(n * scale) == 28
        assert plan_layer("onnx", [1, n], {"type": "upsample", "scale": scale}).shape == (1, 29)


# --- symbolic sizes ------------------------------------------------------------------

H = symbol("H")
_BUILDERS = {
    "conv": (conv_node, onnx_conv_case(rank=1)),
    "conv_transpose": (conv_transpose_node, onnx_conv_case(transpose=True, rank=1)),
    "pool": (pool_node, onnx_pool_case(rank=1)),
}


def _at(expr: Any, n: int) -> Any:
    return expr if isinstance(expr, int) else sympy.sympify(expr).subs(H, n)


@settings(max_examples=40, deadline=None)
@given(
    kind=st.sampled_from(sorted(_BUILDERS)),
    data=st.data(),
    sizes=st.lists(st.integers(1, 14), min_size=3, max_size=3, unique=True),
)
def test_symbolic_rules_match_onnxruntime(kind: str, data: st.DataObject, sizes: list[int]) -> None:
    """planner's rule with the input size a symbol ``H`` (the piecewise forms of
    C division, ``min`` for SAME ConvTranspose, conditions for the refusals),
    evaluated at several sizes, gives ORT's verdict and shape at each."""
    build, cases = _BUILDERS[kind]
    case = data.draw(cases)
    symbolic = build(case).plan(["H"])
    for n in sizes:
        y, why = build({**case, "spatial": [n]}).run()
        holds = symbolic.error is None and all(
            truth(_at(c.expr, n)) is not False for c in symbolic.result.conditions
        )
        assert holds == (y is not None), (n, why, symbolic.error, case)
        if y is not None:
            assert _at(symbolic.shape[-1], n) == y.shape[-1], (n, symbolic.shape, case)
