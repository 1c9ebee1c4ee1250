"""JAX at both levels: ``jax.lax`` (``api: lax``) and ``flax.linen`` (the default).

Each test runs the real call and compares its output shape (an empty array is a
refusal) with planner's for the same layer: ``lax.reduce_window`` with window and
base dilation and max / min / add; ``lax.conv_general_dilated`` and Flax ``Conv``
with input (lhs) dilation; ``lax.conv_transpose(use_consistent_padding=True)``;
Flax ``min_pool``; and the Flax refusals (no pooling dilation, no sum pooling).
"""

from __future__ import annotations

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jax import lax

import planner
from tests.conformance.common import plan_layer

FAST = settings(max_examples=20, deadline=None)


def planned(shape: list[int], layer: dict[str, Any], api: str) -> tuple[int, ...] | None:
    data = {
        "name": "probe",
        "framework": "jax.lax" if api == "lax" else "flax",
        "input_shape": shape,
        "layers": [layer],
    }
    try:
        result = planner.infer(planner.Network.model_validate(data)).layers[0]
    except planner.PlannerError:
        return None
    return tuple(result.output_shape) if result.ok else None


def real(fn: Any) -> tuple[int, ...] | None:
    try:
        y = fn()
    except Exception:  # JAX refuses
        return None
    return None if y.size == 0 else tuple(y.shape[1:])


def padding_strategy(rank: int) -> st.SearchStrategy[Any]:
    pair = st.tuples(st.integers(0, 3), st.integers(0, 3))
    return st.one_of(
        st.sampled_from(["SAME", "VALID", "SAME_LOWER"]),
        st.lists(pair, min_size=rank, max_size=rank).map(tuple),
    )


def planner_padding(padding: Any) -> Any:
    return padding.lower() if isinstance(padding, str) else [list(p) for p in padding]


@FAST
@given(
    rank=st.integers(1, 2),
    data=st.data(),
    reduce=st.sampled_from(["max", "min", "add"]),
)
def test_lax_reduce_window_dilations(rank: int, data: st.DataObject, reduce: str) -> None:
    n = data.draw(st.lists(st.integers(1, 10), min_size=rank, max_size=rank))
    k = data.draw(st.lists(st.integers(1, 4), min_size=rank, max_size=rank))
    s = data.draw(st.lists(st.integers(1, 3), min_size=rank, max_size=rank))
    wd = data.draw(st.lists(st.integers(1, 3), min_size=rank, max_size=rank))
    bd = data.draw(st.lists(st.integers(1, 3), min_size=rank, max_size=rank))
    padding = data.draw(padding_strategy(rank))
    x = jnp.zeros((1, *n, 1))
    init, op = {"max": (-jnp.inf, lax.max), "min": (jnp.inf, lax.min), "add": (0.0, lax.add)}[
        reduce
    ]
    pads = padding if isinstance(padding, str) else ((0, 0), *padding, (0, 0))
    got = real(
        lambda: lax.reduce_window(
            x, init, op, (1, *k, 1), (1, *s, 1), pads, (1, *bd, 1), (1, *wd, 1)
        )
    )
    layer = {
        "type": {"max": "max_pool", "min": "min_pool", "add": "sum_pool"}[reduce],
        "window_shape": k,
        "strides": s,
        "window_dilation": wd,
        "base_dilation": bd,
        "padding": planner_padding(padding),
    }
    assert planned([*n, 1], layer, "lax") == got, (n, layer)


@FAST
@given(rank=st.integers(1, 2), data=st.data(), level=st.sampled_from(["lax", "flax"]))
def test_conv_input_dilation(rank: int, data: st.DataObject, level: str) -> None:
    n = data.draw(st.lists(st.integers(1, 9), min_size=rank, max_size=rank))
    k = data.draw(st.lists(st.integers(1, 4), min_size=rank, max_size=rank))
    s = data.draw(st.lists(st.integers(1, 3), min_size=rank, max_size=rank))
    d = data.draw(st.lists(st.integers(1, 2), min_size=rank, max_size=rank))
    ld = data.draw(st.lists(st.integers(1, 3), min_size=rank, max_size=rank))
    padding = data.draw(padding_strategy(rank))
    x = jnp.zeros((1, *n, 1))
    if level == "lax":
        w = jnp.zeros((*k, 1, 1))
        dims = {1: ("NWC", "WIO", "NWC"), 2: ("NHWC", "HWIO", "NHWC")}[rank]
        got = real(
            lambda: lax.conv_general_dilated(
                x, w, s, padding, lhs_dilation=ld, rhs_dilation=d, dimension_numbers=dims
            )
        )
    else:
        conv = nn.Conv(
            1, tuple(k), strides=tuple(s), padding=padding, input_dilation=ld, kernel_dilation=d
        )
        got = real(lambda: conv.apply(conv.init(jax.random.PRNGKey(0), x), x))
    layer = {
        "type": "Conv",
        "features": 1,
        "kernel_size": k,
        "strides": s,
        "kernel_dilation": d,
        "lhs_dilation": ld,
        "padding": planner_padding(padding),
    }
    assert planned([*n, 1], layer, level) == got, (level, n, layer)


@FAST
@given(rank=st.integers(1, 2), data=st.data())
def test_lax_conv_transpose_consistent_padding(rank: int, data: st.DataObject) -> None:
    n = data.draw(st.lists(st.integers(1, 8), min_size=rank, max_size=rank))
    k = data.draw(st.lists(st.integers(1, 4), min_size=rank, max_size=rank))
    s = data.draw(st.lists(st.integers(1, 3), min_size=rank, max_size=rank))
    pairs = data.draw(
        st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=rank, max_size=rank)
    )
    x = jnp.zeros((1, *n, 1))
    w = jnp.zeros((*k, 1, 1))
    dims = {1: ("NWC", "WIO", "NWC"), 2: ("NHWC", "HWIO", "NHWC")}[rank]
    got = real(
        lambda: lax.conv_transpose(
            x, w, s, tuple(pairs), dimension_numbers=dims, use_consistent_padding=True
        )
    )
    layer = {
        "type": "ConvTranspose",
        "features": 1,
        "kernel_size": k,
        "strides": s,
        "padding": [list(p) for p in pairs],
        "use_consistent_padding": True,
    }
    assert planned([*n, 1], layer, "lax") == got, (n, layer)


@pytest.mark.parametrize("n", [1, 4, 7])
def test_flax_min_pool(n: int) -> None:
    x = jnp.zeros((1, n, 1))
    got = real(lambda: nn.pooling.min_pool(x, (3,), strides=(2,), padding="SAME"))
    layer = {"type": "min_pool", "window_shape": 3, "strides": 2, "padding": "same"}
    assert planned([n, 1], layer, "flax") == got


def test_flax_refuses_what_only_lax_has() -> None:
    x = jnp.zeros((1, 8, 1))
    with pytest.raises(TypeError):
        nn.max_pool(x, (2,), window_dilation=(2,))  # no such argument in flax.linen
    assert not hasattr(nn, "sum_pool") and not hasattr(nn.pooling, "sum_pool")
    for layer, field in [
        ({"type": "max_pool", "window_shape": 2, "window_dilation": 2}, "dilation"),
        ({"type": "sum_pool", "window_shape": 2}, "reduce"),
        (
            {
                "type": "ConvTranspose",
                "features": 1,
                "kernel_size": 2,
                "padding": [[0, 0]],
                "use_consistent_padding": True,
            },
            "use_consistent_padding",
        ),
    ]:
        p = plan_layer("jax", [8, 1], layer)
        assert p.error and f"[field '{field}']" in p.error, p.error
        assert planned([8, 1], layer, "lax") is not None


def test_jax_only_fields_refused_elsewhere() -> None:
    with pytest.raises(planner.SpecError, match="is a JAX"):
        plan_layer("torch", [1, 8], {"type": "MaxPool1d", "kernel_size": 2, "base_dilation": 2})
    with pytest.raises(planner.SpecError, match="names a JAX level"):
        planner.Network.model_validate(
            {"framework": "torch", "api": "lax", "input_shape": [1, 8], "layers": []}
        )


def test_network_says_which_level() -> None:
    for spelling, api in [("flax", "flax"), ("jax.lax", "lax"), ("jax", None)]:
        net = planner.Network.model_validate({"framework": spelling, "input_shape": [8, 1]})
        assert (net.framework, net.api) == ("jax", api)
