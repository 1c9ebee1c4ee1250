"""JAX min and sum pooling in the exporters: the Flax source computes them (checked
against ``lax.reduce_window`` on the same tensor); PyTorch and Keras, which would
build a plain max or average pool, refuse by layer name and say why."""

from __future__ import annotations

from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jax import lax

import planner
from planner.errors import SpecError
from planner.export import to_keras, to_source, to_torch
from tests.test_export_source import flax_ones_outputs


def pool_net(
    kind: str, k: list[int], s: list[int], padding: object, n: list[int]
) -> planner.Network:
    layer = {"type": kind, "pool_size": k, "strides": s, "padding": padding, "name": "p"}
    if kind == "sum_pool":
        layer["api"] = "lax"
    return planner.Network.model_validate(
        {"framework": "jax", "input_shape": [*n, 2], "layers": [layer]}
    )


@settings(max_examples=10, deadline=None)
@given(
    kind=st.sampled_from(["min_pool", "sum_pool"]),
    rank=st.integers(1, 3),
    data=st.data(),
)
def test_flax_source_computes_min_and_sum_pools(
    kind: str, rank: int, data, tmp_path_factory
) -> None:
    n = data.draw(st.lists(st.integers(2, 7), min_size=rank, max_size=rank))
    k = data.draw(st.lists(st.integers(1, 3), min_size=rank, max_size=rank))
    s = data.draw(st.lists(st.integers(1, 2), min_size=rank, max_size=rank))
    padding = data.draw(st.sampled_from(["SAME", "VALID", [[1, 0]] * rank]))
    net = pool_net(kind, k, s, padding.lower() if isinstance(padding, str) else padding, n)
    if not planner.infer(net).ok:
        return
    x = np.random.default_rng(0).standard_normal((1, *n, 2)).astype("float32")
    path = tmp_path_factory.mktemp("flax") / "m.py"
    (got,) = flax_ones_outputs(net, to_source(net, "flax"), path, x)
    init, op = (jnp.inf, lax.min) if kind == "min_pool" else (0.0, lax.add)
    pads = padding if isinstance(padding, str) else [(0, 0), *map(tuple, padding), (0, 0)]
    want = lax.reduce_window(jnp.asarray(x), init, op, (1, *k, 1), (1, *s, 1), pads)
    np.testing.assert_allclose(got, np.asarray(want), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind", ["min_pool", "sum_pool"])
@pytest.mark.parametrize("target", ["torch", "keras"])
def test_torch_and_keras_refuse_min_and_sum_pools_by_name(kind: str, target: str) -> None:
    net = pool_net(kind, [2, 2], [2, 2], "valid", [6, 6])
    reduce = kind.split("_")[0]
    message = rf"layer 'p'.*{reduce} pooling \(reduce: '{reduce}'\) has no {target} layer"
    with pytest.raises(SpecError, match=message):
        to_source(net, target)
    build = to_torch if target == "torch" else to_keras
    with pytest.raises(SpecError, match=message):
        build(net)


def test_input_dilation_is_refused_by_every_exporter(tmp_path: Path) -> None:
    net = planner.Network.model_validate(
        {
            "framework": "jax",
            "api": "lax",
            "input_shape": [5, 1],
            "layers": [{"type": "max_pool", "pool_size": 2, "base_dilation": 2, "name": "p"}],
        }
    )
    for target in ("torch", "keras", "flax"):
        with pytest.raises(SpecError, match=r"layer 'p'.*input \(base/lhs\) dilation \[2\]"):
            to_source(net, target)
