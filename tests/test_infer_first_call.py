"""A first inference of a freshly loaded network gives exactly what a warm one gives.

Inference keeps per-layer caches on the layer objects (``memo``: channels and
parameters, the dialect's whole-layer verdict; ``has_unknowns``), computes an axis
equal to an earlier one once, and builds messages only when a requirement fails or
depends on symbols: none of it may change a result.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import planner
from planner.dialects import AxisContext
from planner.errors import ShapeError
from planner.spec.loading import network_from_data
from planner.symbolic.ops import symbol
from tests.strategies import sequential_network


def snapshot(result: planner.Inference) -> list[Any]:
    """Everything inference reports, conditions included, as comparable data."""
    out: list[Any] = [result.to_dict(), result.input_shape]
    for layer in result.layers:
        out.append(
            (
                layer.output_shape,
                layer.spatial,
                layer.padding,
                layer.params,
                layer.formula,
                layer.error,
                [(str(c.expr), c.message, c.layer, c.field, c.axis) for c in layer.conditions],
            )
        )
    return out


def first_warm_fresh(load: Any, **kwargs: Any) -> tuple[list[Any], list[Any], list[Any]]:
    net = load()
    first = snapshot(planner.infer(net, **kwargs))
    warm = snapshot(planner.infer(net, **kwargs))
    fresh = snapshot(planner.infer(load(), **kwargs))
    return first, warm, fresh


@pytest.mark.parametrize("name", planner.preset_names())
def test_every_preset_infers_alike_fresh_and_warm(name):
    first, warm, fresh = first_warm_fresh(lambda: planner.load(name))
    assert first == warm == fresh


@pytest.mark.parametrize("name", planner.preset_names())
def test_every_preset_with_symbolic_sizes_infers_alike_fresh_and_warm(name):
    net = planner.load(name)
    channel = len(net.input_shape) - 1 if net.channels_last else 0
    dims = [d if i == channel else "H" for i, d in enumerate(net.input_shape)]
    first, warm, fresh = first_warm_fresh(lambda: planner.load(name), input_shape=dims)
    assert first == warm == fresh
    assert any("H" in (layer["formula"] or "") for layer in first[0]["layers"])


@settings(max_examples=60, deadline=None)
@given(data=sequential_network(), size=st.integers(1, 40), symbolic=st.booleans())
def test_random_networks_infer_alike_fresh_and_warm(data, size, symbolic):
    # Refusals included: a whole-layer verdict is decided once per layer and kept.
    dims = [d if isinstance(d, int) else ("H" if symbolic else size) for d in data["input_shape"]]
    first, warm, fresh = first_warm_fresh(lambda: network_from_data(data), input_shape=dims)
    assert first == warm == fresh


def test_a_message_is_built_only_when_a_requirement_does_not_plainly_hold():
    built: list[str] = []

    def message() -> str:
        built.append("x")
        return "the output size must be >= 1"

    ctx = AxisContext("conv", "H")
    ctx.require(True, message, "padding")
    assert built == [] and ctx.conditions == []
    ctx.require(symbol("H") >= 1, message, "padding")
    assert built == ["x"]
    assert [(c.message, c.field, c.axis) for c in ctx.conditions] == [
        ("the output size must be >= 1", "padding", "H")
    ]
    with pytest.raises(ShapeError, match=r"the output size must be >= 1 \(axis H\)$"):
        ctx.require(False, message, "padding")
