"""``planner translate`` against the real frameworks: the printed code is executed.

A source layer is drawn in one framework's own vocabulary and built directly in that
framework (``build_source``, independent of planner's code generator); planner's
shape for it is checked first. Then for every target framework the translation's
printed code is run on the same tensor (converted to the target's layout), every
weight set to 1, and its output shape and values must equal the source layer's.
Where planner says "not expressible", the reason must be given.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import planner
from planner.translate import EMPTY_WINDOW_NOTE, KERAS_TORCH_AVG_NOTE, translate
from tests.conformance import runners as R

TARGETS = ("torch", "keras", "jax", "onnx")
CHANNELS_LAST = {"torch": False, "onnx": False, "jax": True}
GRID = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- drawing a source layer in its framework's vocabulary --------------------------


@st.composite
def source_case(draw: st.DrawFn, framework: str) -> dict[str, Any]:
    rank = draw(st.sampled_from([1, 2, 2]))
    n = [draw(st.integers(1, 12)) for _ in range(rank)]
    cin = draw(st.integers(1, 3))
    kinds = {
        "torch": ["conv", "conv", "conv_transpose", "max_pool", "avg_pool", "pad", "upsample"],
        "keras": [
            "conv",
            "conv",
            "depthwise_conv",
            "separable_conv",
            "conv_transpose",
            "max_pool",
            "avg_pool",
            "pad",
            "crop",
            "upsample",
        ],
        "jax": ["conv", "conv", "conv_transpose", "max_pool", "avg_pool"],
        "onnx": ["conv", "conv", "conv_transpose", "max_pool", "avg_pool", "pad"],
    }[framework]
    kind = draw(st.sampled_from(kinds))
    k = [draw(st.integers(1, 4)) for _ in range(rank)]
    s = [draw(st.integers(1, 3)) for _ in range(rank)]
    d = [draw(st.sampled_from([1, 1, 2])) for _ in range(rank)]
    case: dict[str, Any] = {
        "framework": framework,
        "rank": rank,
        "n": n,
        "cin": cin,
        "kind": kind,
        "k": k,
        "s": s,
        "d": d,
    }
    if kind in ("conv", "separable_conv", "conv_transpose"):
        case["filters"] = draw(st.integers(1, 3))
    if kind in ("conv", "depthwise_conv", "separable_conv", "conv_transpose"):
        case["bias"] = draw(st.booleans())
    if framework == "keras" and kind in ("conv", "conv_transpose"):
        # Keras refuses strides > 1 with dilation > 1: vary one of them.
        if draw(st.booleans()):
            case["d"] = [1] * rank
        else:
            case["s"] = [1] * rank
    if kind == "pad" or kind == "crop":
        amount = st.integers(0, 3)
        case["pairs"] = [[draw(amount), draw(amount)] for _ in range(rank)]
        case["mode"] = "constant"
        if framework == "torch":
            case["mode"] = draw(st.sampled_from(["constant", "reflect", "replicate", "circular"]))
        if framework == "onnx":
            case["mode"] = draw(st.sampled_from(["constant", "reflect", "edge", "wrap"]))
    if kind == "upsample":
        case["scale"] = [draw(st.integers(1, 3)) for _ in range(rank)]
        if framework == "keras" and rank != 2:
            case["scale"] = [case["scale"][0]] * rank
        case["mode"] = draw(st.sampled_from(["nearest", "linear"]))
        if framework == "keras" and rank != 2:
            case["mode"] = "nearest"
    pairs = [[draw(st.integers(0, 3)), draw(st.integers(0, 3))] for _ in range(rank)]
    if framework == "torch":
        if kind == "conv":
            case["padding"] = draw(st.sampled_from(["same", "valid", 0, 1, 2]))
            case["groups"] = draw(st.sampled_from([1, 1, case["cin"]]))
            case["filters"] = case["groups"] * draw(st.integers(1, 2))
            case["padding_mode"] = draw(
                st.sampled_from(["zeros", "zeros", "reflect", "replicate", "circular"])
            )
            if case["padding"] == "same":
                case["s"] = [1] * rank
        elif kind == "conv_transpose":
            case["padding"] = draw(st.integers(0, 2))
            case["output_padding"] = [
                draw(st.integers(0, max(si, di) - 1))
                for si, di in zip(case["s"], case["d"], strict=True)
            ]
        elif kind in ("max_pool", "avg_pool"):
            case["padding"] = draw(st.integers(0, min(k) // 2))
            case["ceil_mode"] = draw(st.booleans())
            if kind == "avg_pool":
                case["d"] = [1] * rank
                case["count_include_pad"] = draw(st.booleans())
    elif framework == "keras":
        if kind in ("conv", "depthwise_conv", "separable_conv", "conv_transpose"):
            case["padding"] = draw(st.sampled_from(["valid", "same"]))
        if kind == "conv_transpose" and draw(st.booleans()):
            case["output_padding"] = [draw(st.integers(0, si - 1)) for si in case["s"]]
        if kind in ("depthwise_conv", "separable_conv"):
            case["depth_multiplier"] = draw(st.integers(1, 2))
        if kind in ("max_pool", "avg_pool"):
            case["padding"] = draw(st.sampled_from(["valid", "same"]))
            case["strides"] = draw(st.sampled_from([None, "given"]))
            case["d"] = [1] * rank
    elif framework == "jax":
        if kind == "conv":
            case["padding"] = draw(
                st.sampled_from(["SAME", "VALID", "SAME_LOWER", "CIRCULAR", "REFLECT", pairs])
            )
            case["groups"] = draw(st.sampled_from([1, 1, case["cin"]]))
            case["filters"] = case["groups"] * draw(st.integers(1, 2))
        elif kind == "conv_transpose":
            case["padding"] = draw(st.sampled_from(["SAME", "VALID", pairs]))
        else:
            case["d"] = [1] * rank
            case["padding"] = draw(st.sampled_from(["SAME", "VALID", pairs]))
            if kind == "avg_pool":
                case["count_include_pad"] = draw(st.booleans())
    else:  # onnx
        if kind in ("max_pool", "avg_pool"):
            case["padding"] = draw(
                st.sampled_from(
                    [
                        "VALID",
                        "SAME_UPPER",
                        "SAME_LOWER",
                        [[draw(st.integers(0, ki - 1)), draw(st.integers(0, ki - 1))] for ki in k],
                    ]
                )
            )
            case["ceil_mode"] = draw(st.booleans())
            if kind == "avg_pool":
                case["count_include_pad"] = draw(st.booleans())
        elif kind == "conv":
            case["padding"] = draw(st.sampled_from(["VALID", "SAME_UPPER", "SAME_LOWER", pairs]))
            if isinstance(case["padding"], str) and case["padding"].startswith("SAME"):
                case["d"] = [1] * rank
        elif kind == "conv_transpose":
            case["padding"] = pairs
            case["output_padding"] = [draw(st.integers(0, si - 1)) for si in case["s"]]
    return case


@st.composite
def reduce_case(draw: st.DrawFn) -> dict[str, Any]:
    """JAX min or sum pooling: ``flax.linen.min_pool`` or ``lax.reduce_window`` with
    ``lax.min`` / ``lax.add``, window and base dilation, every padding form."""
    rank = draw(st.integers(1, 3))
    kind = draw(st.sampled_from(["min_pool", "sum_pool"]))
    api = "lax" if kind == "sum_pool" else draw(st.sampled_from(["flax", "lax"]))
    axes = st.integers(1, 9 if rank < 3 else 6)
    case: dict[str, Any] = {
        "framework": "jax",
        "rank": rank,
        "n": [draw(axes) for _ in range(rank)],
        "cin": draw(st.integers(1, 2)),
        "kind": kind,
        "api": api,
        "k": [draw(st.integers(1, 4)) for _ in range(rank)],
        "s": [draw(st.integers(1, 3)) for _ in range(rank)],
        "d": [1] * rank,
        "bd": [1] * rank,
    }
    if api == "lax" and draw(st.booleans()):
        case["d"] = [draw(st.sampled_from([1, 2])) for _ in range(rank)]
    if api == "lax" and draw(st.integers(0, 3)) == 0:
        case["bd"] = [draw(st.sampled_from([1, 2])) for _ in range(rank)]
    pairs = [[draw(st.integers(0, 3)), draw(st.integers(0, 3))] for _ in range(rank)]
    symmetric = [[p, p] for p in (draw(st.integers(0, 2)) for _ in range(rank))]
    case["padding"] = draw(st.sampled_from(["SAME", "VALID", "SAME_LOWER", pairs, symmetric]))
    if any(b != 1 for b in case["bd"]) and isinstance(case["padding"], str):
        case["padding"] = pairs
    return case


# --- planner's spec of the case ----------------------------------------------------


def planner_spec(case: dict[str, Any]) -> dict[str, Any]:
    fw, kind, r = case["framework"], case["kind"], case["rank"]
    layer: dict[str, Any] = {"name": "l"}
    if kind in ("pad", "crop"):
        mode = {"edge": "replicate", "wrap": "circular"}.get(case["mode"], case["mode"])
        if kind == "crop":
            return {**layer, "type": "cropping", "cropping": case["pairs"]}
        return {**layer, "type": "zero_padding", "padding": case["pairs"], "padding_mode": mode}
    if kind == "upsample":
        mode = case["mode"]
        if mode == "linear":
            mode = {1: "linear", 2: "bilinear"}[r]
        return {**layer, "type": "upsample", "scale": case["scale"], "mode": mode}
    layer["type"] = kind
    if kind in ("min_pool", "sum_pool"):
        layer["api"] = case["api"]
        if any(b != 1 for b in case["bd"]):
            layer["base_dilation"] = case["bd"]
    key = "pool_size" if kind in ("max_pool", "avg_pool", "min_pool", "sum_pool") else "kernel_size"
    layer[key] = case["k"]
    if kind in ("max_pool", "avg_pool") and fw == "keras" and case["strides"] is None:
        pass
    else:
        layer["strides"] = case["s"]
    layer["dilation"] = case["d"]
    padding = case["padding"]
    if isinstance(padding, str):
        padding = padding.lower()
    layer["padding"] = padding
    for f in ("filters", "groups", "output_padding", "ceil_mode", "count_include_pad"):
        if f in case:
            layer[f] = case[f]
    if "bias" in case:
        layer["use_bias"] = case["bias"]
    if "depth_multiplier" in case:
        layer["depth_multiplier"] = case["depth_multiplier"]
    if case.get("padding_mode", "zeros") != "zeros":
        layer["padding_mode"] = case["padding_mode"]
    return layer


def network(case: dict[str, Any]) -> planner.Network:
    fw = case["framework"]
    last = fw in ("keras", "jax")
    shape = [*case["n"], case["cin"]] if last else [case["cin"], *case["n"]]
    return planner.Network.model_validate(
        {"name": "t", "framework": fw, "input_shape": shape, "layers": [planner_spec(case)]}
    )


# --- building the source layer directly in its framework ---------------------------


def build_and_run_source(case: dict[str, Any], x: np.ndarray) -> np.ndarray:
    fw = case["framework"]
    return {
        "torch": _torch_source,
        "keras": _keras_source,
        "jax": _flax_source,
        "onnx": _onnx_source,
    }[fw](case, x)


def _t(v: list[int]) -> tuple[int, ...]:
    return tuple(v)


def _torch_source(c: dict[str, Any], x: np.ndarray) -> np.ndarray:
    from torch import nn

    r, kind = c["rank"], c["kind"]
    if kind == "conv":
        m = getattr(nn, f"Conv{r}d")(
            c["cin"],
            c["filters"],
            _t(c["k"]),
            stride=_t(c["s"]),
            padding=c["padding"],
            dilation=_t(c["d"]),
            groups=c["groups"],
            bias=c["bias"],
            padding_mode=c["padding_mode"],
        )
    elif kind == "conv_transpose":
        m = getattr(nn, f"ConvTranspose{r}d")(
            c["cin"],
            c["filters"],
            _t(c["k"]),
            stride=_t(c["s"]),
            padding=c["padding"],
            output_padding=_t(c["output_padding"]),
            dilation=_t(c["d"]),
            bias=c["bias"],
        )
    elif kind == "max_pool":
        m = getattr(nn, f"MaxPool{r}d")(
            _t(c["k"]), _t(c["s"]), c["padding"], _t(c["d"]), ceil_mode=c["ceil_mode"]
        )
    elif kind == "avg_pool":
        m = getattr(nn, f"AvgPool{r}d")(
            _t(c["k"]),
            _t(c["s"]),
            c["padding"],
            ceil_mode=c["ceil_mode"],
            count_include_pad=c["count_include_pad"],
        )
    elif kind == "pad":
        flat = tuple(v for pair in reversed(c["pairs"]) for v in pair)
        cls = {
            "constant": "ZeroPad",
            "reflect": "ReflectionPad",
            "replicate": "ReplicationPad",
            "circular": "CircularPad",
        }[c["mode"]]
        m = getattr(nn, f"{cls}{r}d")(flat)
    else:
        mode = c["mode"] if c["mode"] == "nearest" else {1: "linear", 2: "bilinear"}[r]
        m = nn.Upsample(scale_factor=_t(c["scale"]), mode=mode)
    return R.run_torch_modules([m], x)


def _keras_source(c: dict[str, Any], x: np.ndarray) -> np.ndarray:
    from keras import layers

    r, kind = c["rank"], c["kind"]
    if kind == "conv":
        layer = getattr(layers, f"Conv{r}D")(
            c["filters"],
            _t(c["k"]),
            strides=_t(c["s"]),
            padding=c["padding"],
            dilation_rate=_t(c["d"]),
            use_bias=c["bias"],
        )
    elif kind == "depthwise_conv":
        layer = getattr(layers, f"DepthwiseConv{r}D")(
            _t(c["k"]),
            strides=_t(c["s"]),
            padding=c["padding"],
            depth_multiplier=c["depth_multiplier"],
            dilation_rate=_t(c["d"]),
            use_bias=c["bias"],
        )
    elif kind == "separable_conv":
        layer = getattr(layers, f"SeparableConv{r}D")(
            c["filters"],
            _t(c["k"]),
            strides=_t(c["s"]),
            padding=c["padding"],
            depth_multiplier=c["depth_multiplier"],
            dilation_rate=_t(c["d"]),
            use_bias=c["bias"],
        )
    elif kind == "conv_transpose":
        op = c.get("output_padding")
        layer = getattr(layers, f"Conv{r}DTranspose")(
            c["filters"],
            _t(c["k"]),
            strides=_t(c["s"]),
            padding=c["padding"],
            output_padding=_t(op) if op is not None else None,
            dilation_rate=_t(c["d"]),
            use_bias=c["bias"],
        )
    elif kind in ("max_pool", "avg_pool"):
        cls = "MaxPooling" if kind == "max_pool" else "AveragePooling"
        strides = None if c["strides"] is None else _t(c["s"])
        layer = getattr(layers, f"{cls}{r}D")(_t(c["k"]), strides=strides, padding=c["padding"])
    elif kind == "pad":
        pairs = tuple(tuple(p) for p in c["pairs"])
        layer = getattr(layers, f"ZeroPadding{r}D")(pairs[0] if r == 1 else pairs)
    elif kind == "crop":
        pairs = tuple(tuple(p) for p in c["pairs"])
        layer = getattr(layers, f"Cropping{r}D")(pairs[0] if r == 1 else pairs)
    else:
        size = c["scale"][0] if r == 1 else _t(c["scale"])
        kw = {"interpolation": "bilinear"} if c["mode"] == "linear" else {}
        layer = getattr(layers, f"UpSampling{r}D")(size, **kw)
    return R.run_keras_layers([layer], x)


def _flax_source(c: dict[str, Any], x: np.ndarray) -> np.ndarray:
    import flax.linen as nn

    kind = c["kind"]
    padding = c["padding"]
    if not isinstance(padding, str):
        padding = [tuple(p) for p in padding]
    if kind == "conv":
        m = nn.Conv(
            c["filters"],
            _t(c["k"]),
            strides=_t(c["s"]),
            padding=padding,
            kernel_dilation=_t(c["d"]),
            feature_group_count=c["groups"],
            use_bias=c["bias"],
        )
        return R.run_flax_items([m], x)
    if kind == "conv_transpose":
        m = nn.ConvTranspose(
            c["filters"],
            _t(c["k"]),
            strides=_t(c["s"]),
            padding=padding,
            kernel_dilation=_t(c["d"]),
            use_bias=c["bias"],
        )
        return R.run_flax_items([m], x)
    if kind == "max_pool":
        return R.run_flax_items(
            [lambda v: nn.max_pool(v, _t(c["k"]), strides=_t(c["s"]), padding=padding)], x
        )
    if kind == "min_pool" and c["api"] == "flax":
        return R.run_flax_items(
            [lambda v: nn.pooling.min_pool(v, _t(c["k"]), strides=_t(c["s"]), padding=padding)], x
        )
    if kind in ("min_pool", "sum_pool"):
        from jax import lax

        init, op = (np.inf, lax.min) if kind == "min_pool" else (0.0, lax.add)
        pads = padding if isinstance(padding, str) else [(0, 0), *padding, (0, 0)]

        def reduce(v: Any) -> Any:
            return lax.reduce_window(
                v,
                init,
                op,
                (1, *c["k"], 1),
                (1, *c["s"], 1),
                pads,
                base_dilation=(1, *c["bd"], 1),
                window_dilation=(1, *c["d"], 1),
            )

        return R.run_flax_items([reduce], x)
    return R.run_flax_items(
        [
            lambda v: nn.avg_pool(
                v,
                _t(c["k"]),
                strides=_t(c["s"]),
                padding=padding,
                count_include_pad=c["count_include_pad"],
            )
        ],
        x,
    )


def _onnx_source(c: dict[str, Any], x: np.ndarray) -> np.ndarray:
    from onnx import TensorProto, helper

    kind = c["kind"]
    if kind == "pad":
        pads = [0, 0, *(b for b, _ in c["pairs"]), 0, 0, *(a for _, a in c["pairs"])]
        nodes = [
            helper.make_node("Constant", [], ["p"], value_ints=pads),
            helper.make_node("Pad", ["x", "p"], ["y"], mode=c["mode"]),
        ]
        return R.run_onnx_objects(nodes, x)
    attrs: dict[str, Any] = {"kernel_shape": c["k"], "strides": c["s"]}
    if any(v != 1 for v in c["d"]):
        attrs["dilations"] = c["d"]
    if isinstance(c["padding"], str):
        attrs["auto_pad"] = c["padding"]
    else:
        attrs["pads"] = [b for b, _ in c["padding"]] + [a for _, a in c["padding"]]
    objects: list[Any] = []
    if kind in ("max_pool", "avg_pool"):
        attrs["ceil_mode"] = int(c["ceil_mode"])
        if kind == "avg_pool":
            attrs["count_include_pad"] = int(c["count_include_pad"])
        op = "MaxPool" if kind == "max_pool" else "AveragePool"
        objects.append(helper.make_node(op, ["x"], ["y"], **attrs))
    else:
        op = "Conv" if kind == "conv" else "ConvTranspose"
        if kind == "conv_transpose":
            attrs["output_padding"] = c["output_padding"]
            shape = [c["cin"], c["filters"], *c["k"]]
        else:
            shape = [c["filters"], c["cin"], *c["k"]]
        inputs = ["x", "w"] + (["b"] if c["bias"] else [])
        objects.append(helper.make_node(op, inputs, ["y"], **attrs))
        objects.append(helper.make_tensor_value_info("w", TensorProto.FLOAT, shape))
        if c["bias"]:
            objects.append(helper.make_tensor_value_info("b", TensorProto.FLOAT, [c["filters"]]))
    return R.run_onnx_objects(objects, x)


# --- the comparison ----------------------------------------------------------------


def check_case(case: dict[str, Any]) -> list[str]:
    """Run the source layer and every exact translation; returns the targets that
    were exact (for the coverage assertions)."""
    net = network(case)
    result = planner.infer(net)
    if not result.ok:
        return []
    fw = case["framework"]
    source_last = fw in ("keras", "jax")
    rng = np.random.default_rng(0)
    shape = (1, *net.input_shape)
    x = rng.standard_normal(shape).astype("float32")
    try:
        expected = build_and_run_source(case, x)
    except Exception as exc:  # the framework refuses what planner accepted
        raise AssertionError(
            f"{fw} refuses {case}: {exc}; planner gives {result.output_shape}"
        ) from None
    assert expected.shape[1:] == tuple(result.output_shape), (case, expected.shape)
    # Keras on its PyTorch backend (these tests) averages edge copies in uneven 'same'
    # average pooling: the source's own values are off there, only shapes compare.
    pads = result.layers[0].padding or []
    keras_uneven = fw == "keras" and case["kind"] == "avg_pool" and any(b != a for b, a in pads)
    exact = []
    for target in TARGETS:
        t = translate(net, "l", target)
        if not t.exact:
            assert t.reason, (case, target)
            continue
        exact.append(target)
        target_last = CHANNELS_LAST.get(target, source_last)
        x_t = x if target_last == source_last else (R.to_first(x) if source_last else R.to_last(x))
        got = R.run_code(target, t.code, x_t)
        if target_last != source_last:
            got = R.to_last(got) if source_last else R.to_first(got)
        assert got.shape == expected.shape, (case, target, t.code, got.shape, expected.shape)
        if (target == "keras" and t.note and KERAS_TORCH_AVG_NOTE in t.note) or keras_uneven:
            # These tests run Keras on its PyTorch backend, whose uneven 'same' average
            # pooling planner's note describes: only the shape is compared.
            continue
        if t.note and EMPTY_WINDOW_NOTE in t.note:
            # A window over padding only: ONNX Runtime's lowest float against -inf, as
            # the note says; every other value is compared as it is.
            low = np.finfo(np.float32).max
            differ = np.isinf(got) != np.isinf(expected)
            assert differ.any(), (case, target, "the note claims a difference there is not")
            got, expected = (np.nan_to_num(v, posinf=low, neginf=-low) for v in (got, expected))
        np.testing.assert_allclose(
            got, expected, rtol=1e-4, atol=1e-4, err_msg=f"{case} -> {target}: {t.code}"
        )
    return exact


@pytest.mark.parametrize("framework", ["torch", "keras", "jax", "onnx"])
@GRID
@given(data=st.data())
def test_translated_code_gives_the_source_values(framework: str, data: st.DataObject) -> None:
    check_case(data.draw(source_case(framework)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=reduce_case())
def test_min_and_sum_pools_translate_to_code_that_gives_their_values(case: dict) -> None:
    """JAX min and sum pooling, ranks 1-3, every padding form, dilated or not: every
    exact translation's code runs in its framework and gives the JAX layer's values
    (min pooling used to print a plain max pool, sum pooling a plain average pool)."""
    exact = check_case(case)
    if planner.infer(network(case)).ok:
        assert "jax" in exact, case
        if any(b != 1 for b in case["bd"]):
            assert exact == ["jax"], case  # nothing else dilates its input


@pytest.mark.parametrize(
    ("case", "targets"),
    [
        (  # the example, each pool alone
            {
                "kind": "min_pool",
                "api": "flax",
                "n": [9, 9],
                "k": [2, 2],
                "s": [2, 2],
                "padding": "VALID",
            },
            {"torch", "keras", "jax", "onnx"},
        ),
        (
            {
                "kind": "sum_pool",
                "api": "lax",
                "n": [9, 9],
                "k": [3, 3],
                "s": [1, 1],
                "padding": "SAME",
            },
            {"torch", "keras", "jax", "onnx"},
        ),
        (  # uneven 'SAME', stride 2: PyTorch's ceil_mode, Keras' and ONNX's zero padding
            {
                "kind": "sum_pool",
                "api": "lax",
                "n": [8, 7],
                "k": [4, 3],
                "s": [2, 2],
                "padding": "SAME",
            },
            {"torch", "keras", "jax", "onnx"},
        ),
        (  # 1D sum: PyTorch's AvgPool1d has no divisor_override (2D over a unit axis)
            {"kind": "sum_pool", "api": "lax", "n": [11], "k": [3], "s": [2], "padding": [[1, 2]]},
            {"torch", "keras", "jax", "onnx"},
        ),
        (  # 3D min pool, +inf padding on one side only: PyTorch and Keras pad evenly
            {
                "kind": "min_pool",
                "api": "lax",
                "n": [6, 6, 5],
                "k": [2, 2, 2],
                "s": [1, 1, 1],
                "padding": [[1, 0], [0, 0], [1, 1]],
            },
            {"jax", "onnx"},
        ),
        (  # a dilated window: PyTorch and ONNX max pooling dilate, Keras' does not
            {
                "kind": "min_pool",
                "api": "lax",
                "n": [9],
                "k": [3],
                "s": [1],
                "d": [2],
                "padding": "VALID",
            },
            {"torch", "jax", "onnx"},
        ),
    ],
)
def test_min_and_sum_pools_translate_everywhere_they_can(case: dict, targets: set) -> None:
    rank = len(case["n"])
    full = {"framework": "jax", "rank": rank, "cin": 2, "d": [1] * rank, "bd": [1] * rank,
            **case}  # fmt: skip
    assert set(check_case(full)) == targets
    for target in {"torch", "keras", "jax", "onnx"} - targets:
        t = translate(network(full), "l", target)
        assert not t.exact and t.reason and "exact" not in t.reason


def test_base_dilation_is_refused_outside_jax_with_the_reason() -> None:
    case = {"framework": "jax", "rank": 1, "n": [5], "cin": 1, "kind": "sum_pool", "api": "lax",
            "k": [2], "s": [2], "d": [1], "bd": [2], "padding": [[0, 0]]}  # fmt: skip
    for target in ("torch", "keras", "onnx"):
        t = translate(network(case), "l", target)
        assert not t.exact and "input (base/lhs) dilation [2]" in t.reason


def test_forum_case_tf_same_dilated_strided_to_torch() -> None:
    """TensorFlow/JAX 'SAME', kernel 3, stride 2, dilation 2 on 28x28 gives 14x14; the
    printed PyTorch code must give 14x14 with the same values (it used to give 15x15)."""
    case = {
        "framework": "jax",
        "rank": 2,
        "n": [28, 28],
        "cin": 3,
        "kind": "conv",
        "k": [3, 3],
        "s": [2, 2],
        "d": [2, 2],
        "filters": 16,
        "bias": True,
        "groups": 1,
        "padding": "SAME",
    }
    assert set(check_case(case)) == {"torch", "jax", "onnx"}
    t = translate(network(case), "l", "pytorch")
    assert "dilation=2" in t.code and t.output == (14, 14)


@pytest.mark.parametrize(
    ("case", "targets"),
    [
        (  # reflect padding stays reflect padding, and Keras says it has none
            {
                "framework": "torch",
                "rank": 2,
                "n": [6, 7],
                "cin": 2,
                "kind": "conv",
                "k": [3, 3],
                "s": [1, 1],
                "d": [1, 1],
                "filters": 2,
                "bias": False,
                "groups": 1,
                "padding": 1,
                "padding_mode": "reflect",
            },
            {"torch", "jax", "onnx"},
        ),
        (  # separable convolutions stay separable (depthwise then pointwise)
            {
                "framework": "keras",
                "rank": 2,
                "n": [9, 8],
                "cin": 2,
                "kind": "separable_conv",
                "k": [3, 3],
                "s": [2, 2],
                "d": [1, 1],
                "filters": 3,
                "bias": True,
                "depth_multiplier": 2,
                "padding": "same",
            },
            {"torch", "keras", "jax", "onnx"},
        ),
        (  # grouped, dilated convolution
            {
                "framework": "torch",
                "rank": 1,
                "n": [12],
                "cin": 3,
                "kind": "conv",
                "k": [3],
                "s": [1],
                "d": [2],
                "filters": 6,
                "bias": True,
                "groups": 3,
                "padding": "same",
                "padding_mode": "zeros",
            },
            {"torch", "keras", "jax", "onnx"},
        ),
        (  # cropping and zero padding
            {
                "framework": "keras",
                "rank": 2,
                "n": [7, 7],
                "cin": 1,
                "kind": "crop",
                "k": [1, 1],
                "s": [1, 1],
                "d": [1, 1],
                "pairs": [[1, 2], [0, 3]],
                "mode": "constant",
            },
            {"torch", "keras", "jax", "onnx"},
        ),
        (
            {
                "framework": "torch",
                "rank": 2,
                "n": [5, 4],
                "cin": 2,
                "kind": "upsample",
                "k": [1, 1],
                "s": [1, 1],
                "d": [1, 1],
                "scale": [2, 3],
                "mode": "nearest",
            },
            {"torch", "keras", "jax", "onnx"},
        ),
    ],
)
def test_edge_cases_translate_everywhere_they_can(case: dict[str, Any], targets: set) -> None:
    assert set(check_case(case)) == targets


def test_keras_says_it_has_no_reflect_padding() -> None:
    net = planner.loads(
        "framework: pytorch\ninput_shape: [1, 8, 8]\nlayers:\n"
        "  - {type: ReflectionPad2d, padding: [1, 1, 2, 0], name: p}\n"
    )
    t = translate(net, "p", "tensorflow")
    assert not t.exact and "Keras has no reflect padding" in t.reason


def test_to_accepts_every_framework_alias() -> None:
    net = planner.load("keras-autoencoder")
    aliases = [("pytorch", "torch"), ("tensorflow", "keras"), ("flax", "jax"), ("jax.lax", "jax")]
    for alias, canonical in aliases:
        assert translate(net, "encoded", alias).framework == canonical
    with pytest.raises(planner.SpecError, match="unknown framework 'mxnet'; valid: keras"):
        translate(net, "encoded", "mxnet")


@pytest.mark.parametrize("reduce", ["min", "max", "sum"])
def test_to_jax_levels_write_that_level(reduce: str) -> None:
    """``--to jax.lax`` writes lax.reduce_window, ``--to flax`` flax.linen (which has
    no sum pooling: refused with the way out); the lax code gives the source's values."""
    kind = {"min": "min_pool", "max": "max_pool", "sum": "sum_pool"}[reduce]
    net = planner.loads(
        "framework: jax.lax\ninput_shape: [7, 6, 2]\nlayers:\n"
        f"  - {{type: {kind}, pool_size: 3, strides: 2, padding: same, name: l}}\n"
    )
    lax = translate(net, "l", "jax.lax")
    assert lax.exact and lax.framework == "jax" and "lax.reduce_window" in lax.code
    x = np.random.default_rng(0).standard_normal((1, 7, 6, 2)).astype("float32")
    import jax

    op = {"min": jax.lax.min, "max": jax.lax.max, "sum": jax.lax.add}[reduce]
    init = {"min": np.inf, "max": -np.inf, "sum": 0.0}[reduce]
    want = jax.lax.reduce_window(x, init, op, (1, 3, 3, 1), (1, 2, 2, 1), "SAME")
    np.testing.assert_allclose(R.run_code("jax", lax.code, x), np.asarray(want), rtol=1e-5)
    flax = translate(net, "l", "flax")
    if reduce == "sum":
        assert not flax.exact and "--to jax.lax" in (flax.reason or "")
    else:
        assert flax.exact and "lax.reduce_window" not in flax.code


def test_keras_torch_backend_avg_pool_note_is_true() -> None:
    """The note is there because Keras' PyTorch backend really gives other values
    than JAX (and TensorFlow) for uneven 'same' average pooling."""
    case = {
        "framework": "jax",
        "rank": 2,
        "n": [1, 2],
        "cin": 1,
        "kind": "avg_pool",
        "k": [1, 3],
        "s": [1, 2],
        "d": [1, 1],
        "padding": "SAME",
        "count_include_pad": False,
    }
    t = translate(network(case), "l", "keras")
    assert t.exact and KERAS_TORCH_AVG_NOTE in t.note
    x = np.random.default_rng(0).standard_normal((1, 1, 2, 1)).astype("float32")
    on_torch = R.run_code("keras", t.code, x)
    assert not np.allclose(on_torch, build_and_run_source(case, x), atol=1e-4)


def test_found_by_hypothesis_dilated_average_and_empty_windows():
    """Two cases the grids found: an ONNX average pooling with a dilated window has
    no JAX code (Flax has no dilation, lax.reduce_window no average), so it is not
    exact and says why; a JAX min pooling whose window covers padding only gives
    +inf, ONNX's Neg-MaxPool-Neg +3.4e38, and the translation's note says so."""
    dilated_avg = {
        "framework": "onnx", "rank": 1, "n": [1], "cin": 1, "kind": "avg_pool", "k": [1],
        "s": [1], "d": [2], "padding": "VALID", "ceil_mode": False, "count_include_pad": False,
    }  # fmt: skip
    t = translate(network(dilated_avg), "l", "jax")
    assert not t.exact and "no dilation" in t.reason
    check_case(dilated_avg)
    empty = {
        "framework": "jax", "rank": 2, "n": [1, 1], "cin": 1, "kind": "min_pool", "api": "lax",
        "k": [1, 2], "s": [1, 1], "d": [1, 2], "bd": [1, 1], "padding": "SAME",
    }  # fmt: skip
    t = translate(network(empty), "l", "onnx")
    assert t.exact and EMPTY_WINDOW_NOTE in t.note
    assert "onnx" in check_case(empty)
    # The same pooling on a larger input has no such window, and no note.
    t = translate(network({**empty, "n": [5, 5]}), "l", "onnx")
    assert t.exact and not (t.note and EMPTY_WINDOW_NOTE in t.note)
