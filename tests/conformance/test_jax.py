"""JAX / Flax conformance: planner's ``jax`` dialect against ``flax.linen`` and ``jax.lax``.

Shapes come from ``jax.eval_shape`` (tracing, no compilation): ``init_with_output``
of a Flax module on a batch of one gives its output shape and its parameter tree
at once; the ``jax.lax`` primitives Flax wraps (``conv_general_dilated``,
``conv_transpose``, ``reduce_window``) are traced directly as well. JAX returns an
empty (size 0) array where other frameworks raise: planner refuses those, and its
message must say so. Where padding placement is observable the probes really run
the layer: an all-ones kernel without bias over a ramp input (1, 2, 3, ...) sums
the real input values of each window, which the test recomputes in NumPy from
planner's resolved ``(before, after)`` per axis (max/avg pooling likewise).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jax import lax

from tests import strategies as S
from tests.conformance.common import Planned, plan_layer

KEY = jax.random.PRNGKey(0)
# Tracing a Flax module costs ~12 ms, a lax primitive ~1 ms.
MODULES = settings(max_examples=100, deadline=None)
FEW_MODULES = settings(max_examples=40, deadline=None)  # rules with little arithmetic
PRIMITIVES = settings(max_examples=150, deadline=None)

EMPTY = re.compile(r"JAX would return an empty \(size 0\) array")
SPATIAL = {1: "W", 2: "HW", 3: "DHW"}


# --- asking JAX -----------------------------------------------------------------------


@dataclass
class Traced:
    """What JAX did: the output shape without the batch axis (None: refused)."""

    shape: tuple[int, ...] | None
    empty: bool  # JAX returned a size-0 array instead of raising
    params: int | None  # leaves of the 'params' tree (modules only)


def trace(fn: Callable[[Any], Any], in_shape: list[int]) -> Traced:
    """``jax.eval_shape`` of ``fn`` on a batch of one. Any exception is a refusal; an
    ``(output, variables)`` pair (``init_with_output``) also counts the parameters."""
    x = jax.ShapeDtypeStruct((1, *in_shape), jnp.float32)
    try:
        out = jax.eval_shape(fn, x)
    except Exception:  # every error type JAX/Flax raises is a refusal here
        return Traced(None, False, None)
    params = None
    if isinstance(out, tuple):
        out, variables = out
        leaves = jax.tree_util.tree_leaves(variables.get("params", {}))
        params = sum(math.prod(leaf.shape) for leaf in leaves)
    if math.prod(out.shape) == 0:
        return Traced(None, True, params)
    return Traced(tuple(out.shape[1:]), False, params)


def trace_module(build: Callable[[], nn.Module], in_shape: list[int]) -> Traced:
    """Build the module inside the trace, so a constructor error is a refusal too."""
    return trace(lambda x: build().init_with_output(KEY, x), in_shape)


def agree(p: Planned, t: Traced, what: Any) -> None:
    """planner gives JAX's shape (and parameter count), or refuses where JAX does."""
    if t.shape is None:
        verdict = "returns an empty array" if t.empty else "raises"
        assert p.shape is None and p.error, f"{what}: JAX {verdict}, planner gives {p.shape}"
        if t.empty:
            assert EMPTY.search(p.error), f"{what}: planner's refusal {p.error!r} hides it"
    else:
        assert p.error is None, f"{what}: JAX gives {t.shape}, planner refuses: {p.error}"
        assert p.shape == t.shape, f"{what}: JAX gives {t.shape}, planner {p.shape}"
        if t.params is not None:
            assert p.params == t.params, f"{what}: JAX has {t.params} params, planner {p.params}"


def planner_padding(padding: Any) -> Any:
    """Flax's spelling (``'SAME'``, ``2``, ``[(1, 2), 3]``) in planner's."""
    if isinstance(padding, str):
        return padding.lower()
    if isinstance(padding, int):
        return padding
    return [list(p) if isinstance(p, tuple) else p for p in padding]


def lax_padding(padding: Any) -> Any:
    """A mode or per-axis pairs for the lax primitives (no ints there)."""
    if isinstance(padding, str):
        return padding
    return [p if isinstance(p, tuple) else (p, p) for p in padding]


def dims(rank: int) -> tuple[str, str, str]:
    """Channels-last dimension numbers, as Flax uses them: ``NHWC``/``HWIO``/``NHWC``."""
    sp = SPATIAL[rank]
    return f"N{sp}C", f"{sp}IO", f"N{sp}C"


# --- shapes and refusals over random grids (eval_shape) -------------------------------


@MODULES
@given(data=st.data(), rank=S.ranks)
def test_conv_matches_flax(data: st.DataObject, rank: int) -> None:
    n = data.draw(S.per_axis(rank, S.sizes), "n")
    k = data.draw(S.per_axis(rank, S.kernels), "k")
    s = data.draw(S.jax_strides(rank), "s")
    d = data.draw(S.per_axis(rank, S.dilations), "d")
    padding = data.draw(S.jax_conv_padding(rank), "padding")
    cin = data.draw(st.integers(1, 6), "cin")
    filters = data.draw(st.integers(1, 6), "filters")
    groups = data.draw(st.sampled_from([1, 1, 2, 3]), "groups")
    use_bias = data.draw(st.booleans(), "use_bias")

    t = trace_module(
        lambda: nn.Conv(
            filters,
            tuple(k),
            strides=tuple(s),
            padding=padding,
            kernel_dilation=tuple(d),
            feature_group_count=groups,
            use_bias=use_bias,
        ),
        [*n, cin],
    )
    layer = {
        "type": "conv",
        "filters": filters,
        "kernel_size": k,
        "strides": s,
        "dilation": d,
        "padding": planner_padding(padding),
        "groups": groups,
        "use_bias": use_bias,
    }
    agree(plan_layer("jax", [*n, cin], layer), t, layer)


@PRIMITIVES
@given(data=st.data(), rank=S.ranks)
def test_conv_matches_lax(data: st.DataObject, rank: int) -> None:
    n = data.draw(S.per_axis(rank, st.integers(1, 64)), "n")
    k = data.draw(S.per_axis(rank, S.kernels), "k")
    s = data.draw(S.jax_strides(rank), "s")
    d = data.draw(S.per_axis(rank, S.dilations), "d")
    padding = data.draw(st.one_of(st.sampled_from(S.JAX_POOL_MODES), S.jax_pairs(rank)))

    kernel = jax.ShapeDtypeStruct((*k, 1, 2), jnp.float32)
    t = trace(
        lambda x: lax.conv_general_dilated(
            x,
            kernel,
            tuple(s),
            lax_padding(padding),
            rhs_dilation=tuple(d),
            dimension_numbers=dims(rank),
        ),
        [*n, 1],
    )
    layer = {
        "type": "conv",
        "filters": 2,
        "kernel_size": k,
        "strides": s,
        "dilation": d,
        "padding": planner_padding(padding),
    }
    agree(plan_layer("jax", [*n, 1], layer), t, layer)


@MODULES
@given(data=st.data(), rank=S.ranks)
def test_conv_transpose_matches_flax(data: st.DataObject, rank: int) -> None:
    n = data.draw(S.per_axis(rank, S.sizes), "n")
    k = data.draw(S.per_axis(rank, S.kernels), "k")
    s = data.draw(S.jax_strides(rank), "s")
    d = data.draw(S.per_axis(rank, S.dilations), "d")
    padding = data.draw(S.jax_conv_padding(rank, S.JAX_CONV_TRANSPOSE_MODES), "padding")
    cin = data.draw(S.jax_channels, "cin")
    filters = data.draw(S.jax_channels, "filters")
    use_bias = data.draw(st.booleans(), "use_bias")

    t = trace_module(
        lambda: nn.ConvTranspose(
            filters,
            tuple(k),
            strides=tuple(s),
            padding=padding,
            kernel_dilation=tuple(d),
            use_bias=use_bias,
        ),
        [*n, cin],
    )
    layer = {
        "type": "conv_transpose",
        "filters": filters,
        "kernel_size": k,
        "strides": s,
        "dilation": d,
        "padding": planner_padding(padding),
        "use_bias": use_bias,
    }
    agree(plan_layer("jax", [*n, cin], layer), t, layer)


@PRIMITIVES
@given(data=st.data(), rank=S.ranks)
def test_conv_transpose_matches_lax(data: st.DataObject, rank: int) -> None:
    n = data.draw(S.per_axis(rank, st.integers(1, 64)), "n")
    k = data.draw(S.per_axis(rank, S.kernels), "k")
    s = data.draw(S.jax_strides(rank), "s")
    d = data.draw(S.per_axis(rank, S.dilations), "d")
    padding = data.draw(st.one_of(st.sampled_from(S.JAX_POOL_MODES), S.jax_pairs(rank)))

    kernel = jax.ShapeDtypeStruct((*k, 1, 2), jnp.float32)
    t = trace(
        lambda x: lax.conv_transpose(
            x,
            kernel,
            tuple(s),
            lax_padding(padding),
            rhs_dilation=tuple(d),
            dimension_numbers=dims(rank),
        ),
        [*n, 1],
    )
    layer = {
        "type": "conv_transpose",
        "filters": 2,
        "kernel_size": k,
        "strides": s,
        "dilation": d,
        "padding": planner_padding(padding),
    }
    agree(plan_layer("jax", [*n, 1], layer), t, layer)


@PRIMITIVES
@given(data=st.data(), rank=S.ranks, op=st.sampled_from(["max", "avg"]))
def test_pool_matches_flax_and_reduce_window(data: st.DataObject, rank: int, op: str) -> None:
    n = data.draw(S.per_axis(rank, S.sizes), "n")
    k = data.draw(S.per_axis(rank, S.kernels), "window_shape")
    s = data.draw(st.one_of(st.none(), S.per_axis(rank, S.strides)), "strides")
    padding = data.draw(S.jax_pool_padding(rank), "padding")
    c = data.draw(S.jax_channels, "channels")
    pool = nn.max_pool if op == "max" else nn.avg_pool

    flax_t = trace(lambda x: pool(x, tuple(k), None if s is None else tuple(s), padding), [*n, c])
    lax_pads = padding if isinstance(padding, str) else [(0, 0), *padding, (0, 0)]
    lax_t = trace(
        lambda x: lax.reduce_window(
            x, 0.0, lax.add, (1, *k, 1), (1, *(s or [1] * rank), 1), lax_pads
        ),
        [*n, c],
    )
    layer: dict[str, Any] = {
        "type": f"{op}_pool",
        "pool_size": k,
        "padding": planner_padding(padding),
    }
    if s is not None:
        layer["strides"] = s
    p = plan_layer("jax", [*n, c], layer)
    agree(p, flax_t, layer)
    agree(p, lax_t, ("reduce_window", layer))


@pytest.mark.parametrize(("n", "k"), [(8, 2), (9, 3), (6, 4), (5, 1)])
def test_pool_stride_defaults_to_one_not_the_window(n: int, k: int) -> None:
    """The trap: ``flax.linen.max_pool(x, (k,))`` slides by 1, unlike Keras/PyTorch."""
    default = trace(lambda x: nn.max_pool(x, (k,)), [n, 2])
    by_window = trace(lambda x: nn.max_pool(x, (k,), strides=(k,)), [n, 2])
    agree(plan_layer("jax", [n, 2], {"type": "max_pool", "pool_size": k}), default, (n, k))
    agree(
        plan_layer("jax", [n, 2], {"type": "max_pool", "pool_size": k, "strides": k}),
        by_window,
        (n, k, "strides=k"),
    )


@FEW_MODULES
@given(
    lead=st.lists(st.integers(1, 6), min_size=1, max_size=3),
    features=st.integers(1, 8),
    units=st.integers(1, 8),
    use_bias=st.booleans(),
)
def test_dense_matches_flax(lead: list[int], features: int, units: int, use_bias: bool) -> None:
    """``nn.Dense`` acts on the last axis; params ``features*units (+ units)``."""
    t = trace_module(lambda: nn.Dense(units, use_bias=use_bias), [*lead, features])
    layer = {"type": "dense", "units": units, "use_bias": use_bias}
    agree(plan_layer("jax", [*lead, features], layer), t, layer)


@FEW_MODULES
@given(data=st.data(), rank=S.ranks)
def test_depthwise_conv_is_flax_grouped_conv(data: st.DataObject, rank: int) -> None:
    """Flax has no DepthwiseConv: it is ``nn.Conv(cin * m, feature_group_count=cin)``."""
    n = data.draw(S.per_axis(rank, S.sizes), "n")
    k = data.draw(S.per_axis(rank, S.kernels), "k")
    s = data.draw(S.jax_strides(rank), "s")
    padding = data.draw(st.sampled_from(S.JAX_POOL_MODES), "padding")
    cin = data.draw(S.jax_channels, "cin")
    mult = data.draw(st.integers(1, 3), "depth_multiplier")
    use_bias = data.draw(st.booleans(), "use_bias")

    t = trace_module(
        lambda: nn.Conv(
            cin * mult,
            tuple(k),
            strides=tuple(s),
            padding=padding,
            feature_group_count=cin,
            use_bias=use_bias,
        ),
        [*n, cin],
    )
    layer = {
        "type": "depthwise_conv",
        "kernel_size": k,
        "strides": s,
        "depth_multiplier": mult,
        "padding": planner_padding(padding),
        "use_bias": use_bias,
    }
    agree(plan_layer("jax", [*n, cin], layer), t, layer)


# --- refusals: JAX raises, or returns an empty array ----------------------------------

REFUSED = [
    # (layer type, input spatial, Flax keyword arguments, what planner's message names)
    ("conv", [6, 6], {"kernel_size": (3, 3), "padding": "CAUSAL"}, r"CAUSAL.*1D"),
    ("conv", [5, 5, 5], {"kernel_size": (2, 2, 2), "padding": "CAUSAL"}, r"CAUSAL.*1D"),
    ("conv", [6], {"kernel_size": (3,), "padding": "SAME_UPPER"}, r"SAME_UPPER"),
    ("conv", [6], {"kernel_size": (3,), "padding": "FULL"}, r"FULL"),
    ("conv", [6], {"kernel_size": (3,), "padding": "NOTSET"}, r"NOTSET"),
    ("conv_transpose", [6], {"kernel_size": (3,), "padding": "CAUSAL"}, r"CAUSAL"),
    ("conv_transpose", [6], {"kernel_size": (3,), "padding": "SAME_UPPER"}, r"SAME_UPPER"),
    (
        "conv_transpose",
        [4],
        {"kernel_size": (3,), "strides": (2,), "padding": "SAME_LOWER"},
        r"SAME_LOWER.*stride",
    ),
    (
        "conv_transpose",
        [4, 4],
        {"kernel_size": (3, 3), "strides": (1, 2), "padding": "SAME_LOWER"},
        r"SAME_LOWER.*stride",
    ),
    (
        "conv_transpose",
        [4],
        {"kernel_size": (3,), "feature_group_count": 2},
        r"feature_group_count",
    ),
    ("conv_transpose", [4], {"kernel_size": (3,), "output_padding": (1,)}, r"output_padding"),
    ("max_pool", [6], {"window_shape": (3,), "padding": "CIRCULAR"}, r"CIRCULAR"),
    ("avg_pool", [6, 6], {"window_shape": (2, 2), "padding": "CAUSAL"}, r"CAUSAL"),
    ("max_pool", [6], {"window_shape": (2,), "padding": "SAME_UPPER"}, r"SAME_UPPER"),
]


def _build(kind: str, kw: dict[str, Any]) -> Callable[[Any], Any]:
    """A traceable call of the Flax layer ``kind`` with Flax keyword arguments."""
    if kind in ("max_pool", "avg_pool"):
        pool = nn.max_pool if kind == "max_pool" else nn.avg_pool
        return lambda x: pool(x, **kw)
    cls = nn.Conv if kind == "conv" else nn.ConvTranspose
    return lambda x: cls(2, **kw).init_with_output(KEY, x)


def _planner_layer(kind: str, kw: dict[str, Any]) -> dict[str, Any]:
    names = {
        "window_shape": "pool_size",
        "kernel_dilation": "dilation",
        "feature_group_count": "groups",
    }
    layer: dict[str, Any] = {"type": kind}
    if kind in ("conv", "conv_transpose"):
        layer["filters"] = 2
    for key, value in kw.items():
        value = planner_padding(value) if key == "padding" else value
        layer[names.get(key, key)] = list(value) if isinstance(value, tuple) else value
    return layer


@pytest.mark.parametrize(("kind", "n", "kw", "reason"), REFUSED)
def test_jax_raises_planner_refuses(kind: str, n: list[int], kw: dict, reason: str) -> None:
    cin = 2
    t = trace(_build(kind, kw), [*n, cin])
    assert t.shape is None and not t.empty, f"JAX accepts {kind} {kw}: {t}"
    p = plan_layer("jax", [*n, cin], _planner_layer(kind, kw))
    assert p.shape is None and p.error, f"JAX raises for {kind} {kw}, planner gives {p.shape}"
    assert re.search(reason, p.error), p.error


EMPTY_CASES = [
    # Input smaller than the (dilated) kernel, and explicit pads that leave too little.
    ("conv", [3], {"kernel_size": (5,), "padding": "VALID"}),
    ("conv", [8, 3], {"kernel_size": (3, 4), "padding": "VALID"}),
    ("conv", [4], {"kernel_size": (3,), "kernel_dilation": (2,), "padding": "VALID"}),
    ("conv", [6], {"kernel_size": (3,), "padding": [(-3, -1)]}),
    ("conv", [5, 5, 2], {"kernel_size": (1, 1, 3), "strides": (2, 2, 2), "padding": 0}),
    ("conv_transpose", [2], {"kernel_size": (5,), "padding": [(0, 0)]}),
    ("conv_transpose", [3], {"kernel_size": (2,), "strides": (2,), "padding": [(-4, 0)]}),
    ("max_pool", [2], {"window_shape": (3,)}),
    ("avg_pool", [4, 4], {"window_shape": (2, 5), "strides": (1, 1)}),
    # reduce_window returns empty even when the pads remove more than the input.
    ("max_pool", [6], {"window_shape": (1,), "padding": ((-7, 0),)}),
]


@pytest.mark.parametrize(("kind", "n", "kw"), EMPTY_CASES)
def test_jax_returns_empty_planner_refuses_and_says_so(kind: str, n: list[int], kw: dict) -> None:
    cin = 2
    t = trace(_build(kind, kw), [*n, cin])
    assert t.empty, f"JAX no longer returns an empty array for {kind} {kw}: {t}"
    agree(plan_layer("jax", [*n, cin], _planner_layer(kind, kw)), t, (kind, n, kw))


NEGATIVE_BEYOND_INPUT = [
    ("conv", [6], {"kernel_size": (3,), "padding": [(-7, 0)]}),
    ("conv", [6, 4], {"kernel_size": (1, 1), "padding": [(0, 0), (-3, -2)]}),
    ("conv_transpose", [3], {"kernel_size": (2,), "strides": (2,), "padding": [(-4, -2)]}),
]


@pytest.mark.parametrize(("kind", "n", "kw"), NEGATIVE_BEYOND_INPUT)
def test_negative_padding_beyond_the_input_raises(kind: str, n: list[int], kw: dict) -> None:
    """lax convolutions raise (rather than return empty) when the pads remove more
    than the whole (dilated) input."""
    cin = 2
    t = trace(_build(kind, kw), [*n, cin])
    assert t.shape is None and not t.empty, f"JAX accepts {kind} {kw}: {t}"
    p = plan_layer("jax", [*n, cin], _planner_layer(kind, kw))
    assert p.shape is None and p.error
    assert re.search(r"Negative padding is larger", p.error), p.error


# --- padding placement: real runs on a ramp input -------------------------------------


def ramp(spatial: list[int]) -> np.ndarray:
    """1, 2, 3, ... in the spatial shape (exact in float32 for these sizes)."""
    return np.arange(1, math.prod(spatial) + 1, dtype=np.float64).reshape(spatial)


def place(x: np.ndarray, pads: list[tuple[int, int]], fill: float, wrap: bool = False):
    """Pad (positive) or crop (negative) every axis by ``pads``."""
    for axis, (before, after) in enumerate(pads):
        keep = [slice(None)] * x.ndim
        keep[axis] = slice(max(-before, 0), x.shape[axis] - max(-after, 0))
        x = x[tuple(keep)]
        widths = [(0, 0)] * x.ndim
        widths[axis] = (max(before, 0), max(after, 0))
        x = np.pad(x, widths, mode="wrap") if wrap else np.pad(x, widths, constant_values=fill)
    return x


def windows(xp: np.ndarray, k, s, d, out_shape, reduce: Callable) -> np.ndarray:
    """``reduce`` over every window of the padded input (span ``(k-1)*d + 1``)."""
    out = np.empty(out_shape)
    for j in np.ndindex(*out_shape):
        taps = [np.arange(k[a]) * d[a] + j[a] * s[a] for a in range(len(k))]
        out[j] = reduce(xp[np.ix_(*taps)])
    return out


def transposed_full(x: np.ndarray, k, s, d) -> np.ndarray:
    """The uncropped transposed convolution of ``x`` with an all-ones kernel."""
    spans = zip(x.shape, k, s, d, strict=True)
    full = np.zeros([(n - 1) * si + (ki - 1) * di + 1 for n, ki, si, di in spans])
    for i in np.ndindex(*x.shape):
        for t in np.ndindex(*k):
            full[tuple(i[a] * s[a] + t[a] * d[a] for a in range(x.ndim))] += x[i]
    return full


def wrap_sum(full: np.ndarray, befores: list[int], periods: list[int]) -> np.ndarray:
    """Full position ``f`` lands on output ``(f - before) mod period``, per axis."""
    for axis, (before, period) in enumerate(zip(befores, periods, strict=True)):
        moved = np.moveaxis(full, axis, 0)
        out = np.zeros((period, *moved.shape[1:]))
        for f in range(moved.shape[0]):
            out[(f - before) % period] += moved[f]
        full = np.moveaxis(out, 0, axis)
    return full


def run_ones(module: nn.Module, kernel_shape: tuple[int, ...], x: np.ndarray) -> np.ndarray:
    """Really apply ``module`` with an all-ones kernel (no bias) to one channel."""
    variables = {"params": {"kernel": jnp.ones(kernel_shape, jnp.float32)}}
    y = module.apply(variables, jnp.asarray(x, jnp.float32)[None, ..., None])
    return np.asarray(y)[0, ..., 0]


CONV_PROBES = [
    # (input spatial, kernel, strides, dilation, Flax padding)
    ([8], [4], [1], [1], "SAME"),  # odd total 3: (1, 2)
    ([8], [4], [1], [1], "SAME_LOWER"),  # (2, 1)
    ([10], [3], [2], [1], "SAME"),  # ceil(10/2) = 5, total 1: (0, 1)
    ([10], [3], [2], [1], "SAME_LOWER"),  # (1, 0)
    ([7], [2], [1], [3], "SAME"),  # dilated span 4, total 3
    ([10], [3], [4], [1], "SAME_LOWER"),  # stride > kernel
    ([6], [3], [1], [2], "CAUSAL"),  # dilation * (k - 1) = 4 on the left
    ([6], [4], [2], [1], "CAUSAL"),
    ([7], [4], [1], [1], "CIRCULAR"),  # wraps (1, 2)
    ([5], [3], [2], [2], "CIRCULAR"),  # dilated span 5, stride 2
    ([3], [7], [1], [1], "CIRCULAR"),  # kernel longer than the input: wraps twice
    ([8], [3], [2], [1], [(2, -1)]),
    ([9], [2], [3], [2], [(-2, 3)]),
    ([8, 7], [4, 3], [1, 2], [1, 1], "SAME"),  # per-axis independence
    ([6, 7], [2, 3], [1, 1], [1, 2], [(1, -1), (0, 3)]),
    ([5, 4], [2, 3], [2, 1], [1, 1], "CIRCULAR"),
    ([4, 5, 3], [2, 3, 2], [1, 2, 1], [1, 1, 2], "SAME_LOWER"),
]


@pytest.mark.parametrize(("n", "k", "s", "d", "padding"), CONV_PROBES)
def test_conv_padding_placement(n, k, s, d, padding) -> None:
    p = plan_layer(
        "jax",
        [*n, 1],
        {
            "type": "conv",
            "filters": 1,
            "kernel_size": k,
            "strides": s,
            "dilation": d,
            "padding": planner_padding(padding),
            "use_bias": False,
        },
    )
    module = nn.Conv(
        1, tuple(k), strides=tuple(s), padding=padding, kernel_dilation=tuple(d), use_bias=False
    )
    got = run_ones(module, (*k, 1, 1), ramp(n))
    assert p.shape == (*got.shape, 1), (p.shape, got.shape, p.error)
    xp = place(ramp(n), p.padding, 0.0, wrap=padding == "CIRCULAR")
    np.testing.assert_array_equal(got, windows(xp, k, s, d, got.shape, np.sum), str(p.padding))


CONV_TRANSPOSE_PROBES = [
    ([4], [3], [2], [1], "SAME"),  # lax pads ceil((k + s - 2)/2) before
    ([4], [4], [2], [1], "SAME"),
    ([4], [2], [3], [1], "SAME"),  # s > k - 1: k - 1 before
    ([3], [2], [2], [3], "SAME"),  # dilated span 4
    ([3], [5], [2], [1], "VALID"),
    ([3], [2], [3], [1], "VALID"),  # n*s: zeros after the full output
    ([5], [4], [1], [1], "SAME_LOWER"),  # the forward SAME_LOWER, stride 1
    ([5], [3], [1], [2], "SAME_LOWER"),
    ([4], [5], [2], [1], "CIRCULAR"),  # overhang 3 wraps, 1 of it from the start
    ([3], [8], [2], [1], "CIRCULAR"),  # even overhang 6
    ([2], [11], [2], [1], "CIRCULAR"),  # overhang 9 > 2 periods of 4
    ([3], [2], [3], [1], "CIRCULAR"),  # no overhang
    ([4], [3], [2], [1], [(1, 3)]),  # pads the dilated input
    ([4], [3], [2], [2], [(-2, 4)]),
    ([3, 4], [3, 2], [2, 1], [1, 1], "SAME"),
    ([3, 2], [4, 3], [2, 3], [1, 1], [(1, 2), (-1, 0)]),
    ([3, 2], [5, 2], [2, 1], [1, 2], "CIRCULAR"),
]


@pytest.mark.parametrize(("n", "k", "s", "d", "padding"), CONV_TRANSPOSE_PROBES)
def test_conv_transpose_padding_placement(n, k, s, d, padding) -> None:
    """planner reports the forward convolution's padding: the output is the full
    ``(n-1)*s + ek`` less ``before``/``after`` (CIRCULAR: summed over periods)."""
    p = plan_layer(
        "jax",
        [*n, 1],
        {
            "type": "conv_transpose",
            "filters": 1,
            "kernel_size": k,
            "strides": s,
            "dilation": d,
            "padding": planner_padding(padding),
            "use_bias": False,
        },
    )
    module = nn.ConvTranspose(
        1, tuple(k), strides=tuple(s), padding=padding, kernel_dilation=tuple(d), use_bias=False
    )
    got = run_ones(module, (*k, 1, 1), ramp(n))
    assert p.shape == (*got.shape, 1), (p.shape, got.shape, p.error)
    full = transposed_full(ramp(n), k, s, d)
    if padding == "CIRCULAR":
        expected = wrap_sum(full, [b for b, _ in p.padding], list(got.shape))
    else:
        expected = place(full, [(-b, -a) for b, a in p.padding], 0.0)
    np.testing.assert_array_equal(got, expected, str(p.padding))


POOL_PROBES = [
    # (op, input spatial, window, strides (None: Flax's default), Flax padding)
    ("avg", [7], [4], None, "SAME"),
    ("avg", [7], [4], [2], "SAME_LOWER"),
    ("max", [8], [3], [2], [(2, -1)]),
    ("max", [5], [2], None, "SAME_LOWER"),
    ("avg", [6, 5], [3, 2], [2, 1], [(1, 0), (0, 2)]),
    ("max", [5, 6], [2, 3], [2, 2], "SAME"),
]


@pytest.mark.parametrize(("op", "n", "k", "s", "padding"), POOL_PROBES)
def test_pool_padding_placement(op, n, k, s, padding) -> None:
    """avg_pool counts padding in its divisor (``prod(window)``); max_pool pads -inf."""
    layer: dict[str, Any] = {
        "type": f"{op}_pool",
        "pool_size": k,
        "padding": planner_padding(padding),
    }
    if s is not None:
        layer["strides"] = s
    p = plan_layer("jax", [*n, 1], layer)
    pool = nn.max_pool if op == "max" else nn.avg_pool
    x = jnp.asarray(ramp(n), jnp.float32)[None, ..., None]
    got = np.asarray(pool(x, tuple(k), None if s is None else tuple(s), padding))[0, ..., 0]
    assert p.shape == (*got.shape, 1), (p.shape, got.shape, p.error)
    stride = s or [1] * len(n)
    if op == "max":
        xp = place(ramp(n), p.padding, -np.inf)
        expected = windows(xp, k, stride, [1] * len(n), got.shape, np.max)
    else:
        xp = place(ramp(n), p.padding, 0.0)
        expected = windows(xp, k, stride, [1] * len(n), got.shape, np.sum) / math.prod(k)
    np.testing.assert_allclose(got, expected, rtol=1e-6, err_msg=str(p.padding))
